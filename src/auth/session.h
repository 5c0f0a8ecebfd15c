/*
 * session.h: login sessions of the admin API (the unleash-session cookie). Held in memory,
 * keyed by the SHA-256 of the cookie value, written through to a backing (the store, wired by
 * state/state.c) so they survive a restart. Thread-safe.
 */
#ifndef LT_SESSION_H
#define LT_SESSION_H

#include "../base/base.h"

#define LT_SESSION_COOKIE "unleash-session"
#define LT_SESSION_TTL_MS ((int64_t)2 * 24 * 3600 * 1000)

/* Where sessions are kept durably. put/del take whatever lock they need themselves; load is
 * called by lt_session_init/lt_session_sync, whose callers hold it. */
typedef void (*lt_session_add_fn)(void *table, const uint8_t digest[32], int64_t user_id,
                                  int64_t expires_at);
typedef struct {
    int (*put)(const uint8_t digest[32], int64_t user_id, int64_t expires_at);
    void (*del)(const uint8_t digest[32]);
    int (*load)(lt_session_add_fn add, void *table);
} lt_session_backing_t;

/* Remember the backing (static, outlives the table) and load its live sessions. */
int lt_session_init(const lt_session_backing_t *backing);
void lt_session_dispose(void);
/* Replace the table with the backing's live sessions (after another process changed them,
 * e.g. `latch user passwd`). */
void lt_session_sync(void);
/* Start a session for user_id: writes the cookie value (64 hex + NUL) into out. Writes through
 * to the backing. LT_OK or LT_ERR. */
int lt_session_create(int64_t user_id, char out[65]);
/* The user of a live session with this cookie value, or 0. Does not touch the store. */
int64_t lt_session_user(lt_str_t cookie_value);
/* End one session (logout), in the backing too. */
void lt_session_end(lt_str_t cookie_value);
/* End every session of a user (password change, deletion); memory only: the store drops
 * them with the user's write. */
void lt_session_end_user(int64_t user_id);
/* The value of cookie name in a Cookie header, or {NULL,0}. */
lt_str_t lt_cookie_get(lt_str_t header, const char *name);

#endif
