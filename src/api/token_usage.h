/*
 * token_usage.h: usage per token (issue 16 §4): last seen, requests per UTC day for 7 days, the
 * newest applications, instances, client addresses and edges that used a token, and misuse
 * counts, in a fixed in-memory table keyed by the token's digest. The read path only does
 * atomic adds; a token's lists take its own lock at most when a value changes or once a second.
 * Written to the store in batches by the usage flush (usage.c), read back at start.
 */
#ifndef LT_TOKEN_USAGE_H
#define LT_TOKEN_USAGE_H

#include "../base/buf.h"
#include "../http/http.h"
#include "../state/snapshot.h"

/* How many tokens the table holds (past it, new tokens are not counted: lt_token_usage_dropped),
 * and the newest entries kept of each list. */
#define LT_TOKEN_USAGE_SLOTS 4096
#define LT_TOKEN_USAGE_KEEP 20
#define LT_TOKEN_USAGE_DAYS 7

/* Note one request authenticated with t (a token of r's snapshot; others are ignored) on an
 * API that takes tokens of type api (LT_TOKEN_ADMIN for the admin API): its day count, last
 * seen, application, instance and address, and the misuse it shows (a front-end token from a
 * server-side SDK, a client token with a browser Origin, a token of the wrong type). Cheap;
 * never blocks on the store. */
void lt_token_usage_note(lt_req_t *r, const lt_token_t *t, lt_token_type_t api);
/* Note that the edge calling r's POST /edge/validate was told about t. */
void lt_token_usage_edge(lt_req_t *r, const lt_token_t *t);

/* Thresholds of the signals a usage report shows. */
typedef struct {
    int64_t now_ms;
    int unused_days;       /* safe to delete: no use in this many days */
    int window_s;          /* many addresses: distinct addresses seen within this window... */
    int address_threshold; /* ...at least this many */
} lt_token_usage_opts_t;

/* Write t's usage as a JSON object into b (zeros and empty lists when it has none). Returns
 * whether it is safe to delete (no use in o->unused_days). */
bool lt_token_usage_write(lt_buf_t *b, const lt_snapshot_t *s, const lt_token_t *t,
                          const lt_token_usage_opts_t *o);

/* Read the stored usage into the table (before serving, under the state lock; a failed read is
 * logged and the table starts empty). */
void lt_token_usage_load(void);
/* Write what changed since the last flush to the store (one batch transaction, under the state
 * lock only for the write) and drop the stored usage of tokens that are gone. Called by the
 * usage flush; LT_OK or LT_ERR (kept for the next flush). */
int lt_token_usage_flush(void);
/* Tokens not counted because the table was full. */
uint64_t lt_token_usage_dropped(void);

#endif
