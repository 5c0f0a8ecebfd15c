/*
 * rules_int.h: what the files of the rules layer share (store.c, rules.c, rules_access.c,
 * import.c, seed.c): opening a transaction and ending it with the write's event. Not for use
 * outside src/store/.
 */
#ifndef LT_RULES_INT_H
#define LT_RULES_INT_H

#include "store.h"

/* Forget the touches of the last transaction (store.c). */
void lt__touch_reset(lt_store_t *s);

/* Begin a write transaction on s. LT_OK or LT_ERR. */
static inline int lt__tx_write(lt_store_t *s)
{
    lt__touch_reset(s);
    return s->be->begin(s, LT_TX_WRITE);
}

/* Note what the current write transaction changes in the dataset: the flag named feature (its
 * row, states, strategies, dependencies or tags), or (feature NULL) anything else. */
void lt__touch(lt_store_t *s, const char *feature);
/* Note that the current write transaction changes API tokens or PATs. */
void lt__touch_tokens(lt_store_t *s);
/* Note what statement sql of the current write transaction changes, by the table it writes
 * (every statement of the shared SQL writes passes here: a table no rule names reloads all). */
void lt__touch_sql(lt_store_t *s, const char *sql);

/* Append an event row in the current write transaction, counted for its changes rows. */
int lt__event_append(lt_store_t *s, const lt_event_t *ev);

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
