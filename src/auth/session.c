/*
 * session.c: the session table; see session.h.
 */
#include "session.h"

#include <pthread.h>
#include <stdlib.h>

#include "../base/log.h"
#include "../base/map.h"
#include "../base/util.h"

typedef struct {
    int64_t user_id;
    int64_t expires_at;
} session_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static lt_map_t sessions; /* key: the 32-byte digest */
static const lt_session_backing_t *backing;

/* Add a session to the map ctx (NULL: the live table, whose lock the caller holds). */
static void add(void *ctx, const uint8_t digest[32], int64_t user_id, int64_t expires_at)
{
    lt_map_t *m = ctx ? ctx : &sessions;
    bool created;
    lt_map_entry_t *e = lt_map_upsert(m, (const char *)digest, 32, &created);
    if (created)
        e->value = lt_xmalloc(sizeof(session_t));
    *(session_t *)e->value = (session_t){user_id, expires_at};
}

int lt_session_init(const lt_session_backing_t *b)
{
    pthread_mutex_lock(&lock);
    backing = b;
    if (!sessions.slots)
        lt_map_init(&sessions);
    int rc = backing->load(add, NULL);
    pthread_mutex_unlock(&lock);
    return rc;
}

void lt_session_sync(void)
{
    if (!backing)
        return;
    lt_map_t fresh;
    lt_map_init(&fresh);
    if (backing->load(add, &fresh) != LT_OK) {
        lt_map_dispose(&fresh, free);
        return;
    }
    pthread_mutex_lock(&lock);
    lt_map_t old = sessions;
    sessions = fresh;
    pthread_mutex_unlock(&lock);
    lt_map_dispose(&old, free);
}

void lt_session_dispose(void)
{
    pthread_mutex_lock(&lock);
    lt_map_dispose(&sessions, free);
    pthread_mutex_unlock(&lock);
}

int lt_session_create(int64_t user_id, char out[65])
{
    lt_random_hex(32, out);
    uint8_t digest[32];
    lt_sha256(out, 64, digest);
    int64_t expires = lt_now_ms() + LT_SESSION_TTL_MS;
    int rc = backing ? backing->put(digest, user_id, expires) : LT_ERR;
    if (rc != LT_OK)
        return rc;
    pthread_mutex_lock(&lock);
    if (!sessions.slots)
        lt_map_init(&sessions);
    add(NULL, digest, user_id, expires);
    pthread_mutex_unlock(&lock);
    return LT_OK;
}

int64_t lt_session_user(lt_str_t value)
{
    if (value.len != 64)
        return 0;
    uint8_t digest[32];
    lt_sha256(value.ptr, value.len, digest);
    int64_t user = 0;
    pthread_mutex_lock(&lock);
    session_t *s = sessions.slots ? lt_map_get(&sessions, (const char *)digest, 32) : NULL;
    if (s && s->expires_at > lt_now_ms())
        user = s->user_id;
    pthread_mutex_unlock(&lock);
    return user;
}

void lt_session_end(lt_str_t value)
{
    if (value.len != 64)
        return;
    uint8_t digest[32];
    lt_sha256(value.ptr, value.len, digest);
    pthread_mutex_lock(&lock);
    session_t *s = sessions.slots ? lt_map_get(&sessions, (const char *)digest, 32) : NULL;
    if (s)
        s->expires_at = 0; /* entries stay until restart; they no longer match */
    pthread_mutex_unlock(&lock);
    if (backing)
        backing->del(digest);
}

static void end_if_user(void *ctx, lt_map_entry_t *e)
{
    session_t *s = e->value;
    if (s->user_id == *(const int64_t *)ctx)
        s->expires_at = 0;
}

void lt_session_end_user(int64_t user_id)
{
    pthread_mutex_lock(&lock);
    if (sessions.slots)
        lt_map_each(&sessions, end_if_user, &user_id);
    pthread_mutex_unlock(&lock);
}

lt_str_t lt_cookie_get(lt_str_t h, const char *name)
{
    size_t nl = strlen(name);
    size_t i = 0;
    while (h.ptr && i < h.len) {
        while (i < h.len && (h.ptr[i] == ' ' || h.ptr[i] == ';'))
            i++;
        size_t start = i;
        while (i < h.len && h.ptr[i] != ';')
            i++;
        lt_str_t pair = {h.ptr + start, i - start};
        if (pair.len > nl && memcmp(pair.ptr, name, nl) == 0 && pair.ptr[nl] == '=') {
            lt_str_t v = {pair.ptr + nl + 1, pair.len - nl - 1};
            if (v.len >= 2 && v.ptr[0] == '"' && v.ptr[v.len - 1] == '"') {
                v.ptr++;
                v.len -= 2;
            }
            return v;
        }
    }
    return (lt_str_t){NULL, 0};
}
