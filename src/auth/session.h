/*
 * session.h: login sessions of the admin API (the unleash-session cookie). Held in memory,
 * keyed by the SHA-256 of the cookie value, written through to the store so they survive a
 * restart. Thread-safe.
 */
#ifndef LT_SESSION_H
#define LT_SESSION_H

#include "../store/store.h"

#define LT_SESSION_COOKIE "unleash-session"
#define LT_SESSION_TTL_MS ((int64_t)2 * 24 * 3600 * 1000)

/* Load the live sessions of the store. Call once at start, with the store lock held. */
int lt_session_init(lt_store_t *store);
void lt_session_dispose(void);
/* Replace the table with the store's live sessions (after another process changed them, e.g.
 * `latch user passwd`). Call with the store lock held. */
void lt_session_sync(lt_store_t *store);
/* Start a session for user_id: writes the cookie value (64 hex + NUL) into out. Takes the
 * store lock itself. LT_OK or LT_ERR. */
int lt_session_create(int64_t user_id, char out[65]);
/* The user of a live session with this cookie value, or 0. Does not touch the store. */
int64_t lt_session_user(lt_str_t cookie_value);
/* End one session (logout); takes the store lock. */
void lt_session_end(lt_str_t cookie_value);
/* End every session of a user (password change, deletion); memory only: the store drops
 * them with the user's write. */
void lt_session_end_user(int64_t user_id);
/* The value of cookie name in a Cookie header, or {NULL,0}. */
lt_str_t lt_cookie_get(lt_str_t header, const char *name);

#endif
