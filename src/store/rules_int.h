/*
 * rules_int.h: what the files of the rules layer share (store.c, rules.c, rules_access.c,
 * import.c, seed.c): opening a transaction and ending it with the write's event. Not for use
 * outside src/store/.
 */
#ifndef LT_RULES_INT_H
#define LT_RULES_INT_H

#include "store.h"

/* Begin a write transaction on s. LT_OK or LT_ERR. */
static inline int lt__tx_write(lt_store_t *s)
{
    return s->be->begin(s, LT_TX_WRITE);
}

/* End the transaction: when rc is LT_OK, append ev (NULL: none) and commit; else roll back.
 * Returns rc, or LT_ERR when the event or the commit fails. */
int lt__tx_end(lt_store_t *s, int rc, const lt_event_t *ev);
/* Append ev in the current transaction, with what follows from it: the lifecycle stage its
 * type enters (feature-created, -archived, -revived, features-imported). LT_OK or the error. */
int lt__event_append(lt_store_t *s, const lt_event_t *ev);

/* Write a feature through the backend after replacing every strategy id that is empty, used
 * twice in f, or used by another flag (or, only_listed_envs, by another environment of this
 * flag) with a fresh UUID. LT_OK or the first error. */
int lt__feature_write(lt_store_t *s, const lt_feature_t *f, lt_put_mode_t m,
                      bool only_listed_envs);

/* Delete every token matching q (inside the caller's transaction). */
int lt__tokens_drop(lt_store_t *s, const lt_token_query_t *q);

#endif
