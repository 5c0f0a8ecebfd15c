/*
 * token_sweep.h: the thread of `latch serve` that carries out the timed part of a token's
 * life (token_ops.h, lt_token_sweep): a rotated token is deleted once its grace has ended, an
 * expired one gets its event. Refusal never waits for it: every request checks the clock.
 */
#ifndef LT_TOKEN_SWEEP_H
#define LT_TOKEN_SWEEP_H

/* Start the thread, looking every interval_ms. LT_OK or LT_ERR. */
int lt_token_sweep_start(int interval_ms);
/* Stop and join it (a no-op when it is not running). */
void lt_token_sweep_stop(void);

#endif
