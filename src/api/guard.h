/*
 * guard.h: authentication of API tokens for the client and front-end APIs. The token is
 * found by the digest of the presented string in the snapshot's table; expiry is checked
 * against the clock on every request. Replies 401/403 with Unleash's exact bodies itself.
 */
#ifndef LT_GUARD_H
#define LT_GUARD_H

#include "../http/http.h"

/* The exact bodies of UNLEASH-API.md §2.3. */
#define LT_MSG_NEED_TOKEN                                                                          \
    "{\"message\":\"This endpoint requires an API token. Please add an authorization header "     \
    "to your request with a valid token\"}"
#define LT_MSG_WRONG_TYPE "{\"message\":\"invalid token: expected a different token type for this endpoint\"}"

/* Finds the record of a token the snapshot's table does not hold (`latch edge`: asked of the
 * upstream): true with *out filled, strings in a. May block. */
typedef bool (*lt_guard_lookup_fn)(lt_str_t presented, lt_arena_t *a, lt_token_t *out);
/* Set once before the server starts (NULL: the snapshot's table only). */
void lt_guard_set_lookup(lt_guard_lookup_fn fn);

/* The record of a presented token string (the snapshot's table, then the lookup), or NULL;
 * expiry and type are not checked. Replies nothing. */
const lt_token_t *lt_guard_find(lt_req_t *r, lt_str_t presented);
/* The token string presented in Authorization ("Bearer " stripped on /api/ paths). */
lt_str_t lt_guard_presented(lt_req_t *r);
/*
 * The live token of type want presented with the request, or NULL after replying 401 (none,
 * unknown, expired) or 403 (another type). Admin tokens and PATs are always 403 here.
 */
const lt_token_t *lt_guard_api_token(lt_req_t *r, lt_token_type_t want);
/* The environment a token reads ("*" on a legacy token means development). */
const char *lt_guard_env(const lt_token_t *t);

#endif
