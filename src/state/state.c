/*
 * state.c: store lock, snapshot reloads and the revision watcher; see state.h.
 */
#include "state.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../auth/session.h"
#include "../base/log.h"
#include "../base/util.h"

static pthread_mutex_t store_lock = PTHREAD_MUTEX_INITIALIZER;
static lt_store_t *store;
static int64_t loaded_revision = -1;
static uint64_t loaded_silent; /* lt_store_silent_writes when the snapshot was loaded */

/* The store's health as the last reload saw it (guarded by health_lock, read by /ready). */
static pthread_mutex_t health_lock = PTHREAD_MUTEX_INITIALIZER;
static char health_reason[160]; /* empty: healthy */
static uint64_t reload_failures;

static void set_health(const char *reason)
{
    pthread_mutex_lock(&health_lock);
    if (reason)
        reload_failures++;
    snprintf(health_reason, sizeof(health_reason), "%s", reason ? reason : "");
    pthread_mutex_unlock(&health_lock);
}

bool lt_state_healthy(char *reason, size_t cap, uint64_t *failures)
{
    pthread_mutex_lock(&health_lock);
    bool ok = health_reason[0] == '\0';
    if (reason && cap)
        snprintf(reason, cap, "%s", health_reason);
    if (failures)
        *failures = reload_failures;
    pthread_mutex_unlock(&health_lock);
    return ok;
}

static uint64_t reloads_incremental, reloads_whole; /* atomic */

void lt_state_reload_counts(uint64_t *incremental, uint64_t *whole)
{
    *incremental = __atomic_load_n(&reloads_incremental, __ATOMIC_RELAXED);
    *whole = __atomic_load_n(&reloads_whole, __ATOMIC_RELAXED);
}

static pthread_t watcher;
static bool watching;
static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watch_cond = PTHREAD_COND_INITIALIZER;
static bool watch_stop;
static int watch_interval_ms;

/* ---------- sessions (auth/session.c) kept in the store ---------- */

static int session_put(const uint8_t digest[32], int64_t user_id, int64_t expires_at)
{
    pthread_mutex_lock(&store_lock);
    int rc = store ? lt_store_session_put(store, digest, user_id, expires_at) : LT_ERR;
    pthread_mutex_unlock(&store_lock);
    return rc;
}

static void session_del(const uint8_t digest[32])
{
    pthread_mutex_lock(&store_lock);
    if (store)
        lt_store_session_delete(store, digest);
    pthread_mutex_unlock(&store_lock);
}

static int session_load(lt_session_add_fn add, void *table)
{
    return lt_store_sessions_load(store, add, table); /* the caller holds the lock */
}

static const lt_session_backing_t session_backing = {session_put, session_del, session_load};

/* Incremental reloads (lt_snapshot_build_from) before a whole one, which frees what the older
 * snapshots' changed flags still hold. */
#define INCREMENTAL_MAX_DEPTH 256

/* Whether reloads apply what changed (LATCH_INCREMENTAL=0 turns it off: every reload whole). */
static bool incremental_on(void)
{
    static int on = -1;
    if (on < 0) {
        const char *v = getenv("LATCH_INCREMENTAL");
        on = !(v && strcmp(v, "0") == 0);
    }
    return on == 1;
}

/* Apply what changed in the store since the current snapshot: LT_OK when a new snapshot was
 * published that way, else (nothing to apply, a change it cannot apply, a read error) LT_ERR
 * and the caller loads everything. */
static int reload_incremental(void)
{
    lt_snapshot_t *cur = lt_snapshot_acquire();
    if (!cur || !incremental_on() || cur->depth >= INCREMENTAL_MAX_DEPTH ||
        (int64_t)cur->revision != loaded_revision) {
        lt_snapshot_release(cur);
        return LT_ERR;
    }
    uint64_t t0 = lt_mono_ns();
    lt_arena_t a;
    lt_arena_init(&a, 16 * 1024);
    lt_store_changes_t ch;
    bool read = lt_store_load_changes(store, &a, loaded_revision, &ch) == LT_OK;
    if (!read || ch.full || ch.revision == loaded_revision) {
        lt_arena_dispose(&a);
        lt_snapshot_release(cur);
        if (!read || ch.full || ch.revision != loaded_revision ||
            lt_store_silent_writes(store) != loaded_silent)
            return LT_ERR;
        set_health(NULL); /* read, and nothing changed (a write that wrote nothing) */
        return LT_OK;
    }
    lt_snapshot_t *s = lt_snapshot_build_from(cur, &a, &ch);
    lt_snapshot_release(cur);
    loaded_revision = ch.revision;
    lt_snapshot_publish(s);
    __atomic_add_fetch(&reloads_incremental, 1, __ATOMIC_RELAXED);
    set_health(NULL);
    lt_log_debug("state: snapshot at revision %lld built from the last in %.2f ms (%zu flags "
                 "changed, %zu gone)",
                 (long long)ch.revision, (double)(lt_mono_ns() - t0) / 1e6, ch.n_features,
                 ch.n_gone);
    return LT_OK;
}

int lt_state_reload_locked(void)
{
    if (reload_incremental() == LT_OK)
        return LT_OK;
    lt_arena_t a;
    lt_arena_init(&a, 64 * 1024);
    lt_dataset_t d;
    uint64_t t0 = lt_mono_ns();
    if (lt_store_load(store, &a, &d) != LT_OK) {
        lt_arena_dispose(&a);
        lt_log_error("state: reading the store failed; the previous snapshot is kept and "
                     "/ready answers 503 until a reload succeeds");
        set_health("the store could not be read; serving the last good snapshot");
        return LT_ERR;
    }
    lt_snapshot_t *s = lt_snapshot_build(&a, &d);
    loaded_revision = d.revision;
    loaded_silent = lt_store_silent_writes(store);
    lt_snapshot_publish(s);
    __atomic_add_fetch(&reloads_whole, 1, __ATOMIC_RELAXED);
    set_health(NULL);
    lt_log_debug("state: snapshot at revision %lld built in %.2f ms (%zu features, %zu tokens)",
                 (long long)d.revision, (double)(lt_mono_ns() - t0) / 1e6, d.n_features,
                 d.n_tokens);
    return LT_OK;
}

int lt_state_init(lt_store_t *s)
{
    store = s;
    pthread_mutex_lock(&store_lock);
    int rc = lt_session_init(&session_backing);
    if (rc == LT_OK)
        rc = lt_state_reload_locked();
    pthread_mutex_unlock(&store_lock);
    return rc;
}

lt_store_t *lt_state_store(void)
{
    return store;
}

lt_store_t *lt_state_lock(void)
{
    pthread_mutex_lock(&store_lock);
    return store;
}

void lt_state_unlock(void)
{
    pthread_mutex_unlock(&store_lock);
}

bool lt_state_store_down_locked(void)
{
    int64_t rev = 0;
    if (store && lt_store_revision(store, &rev) == LT_OK)
        return false;
    set_health("the store cannot be reached; writes are refused, reads use the last snapshot");
    return true;
}

/* Has the store moved on since the snapshot (or is the snapshot stale after a failure)?
 * Reload then. notified: the backend told of a commit, maybe of sessions alone (a login or a
 * logout on another instance: no event), so the sessions are read again in any case. The
 * caller holds the store lock. */
static void check_revision(bool notified)
{
    int64_t rev = 0;
    if (lt_store_revision(store, &rev) != LT_OK) {
        set_health("the store's revision could not be read");
    } else if (rev != loaded_revision || !lt_state_healthy(NULL, 0, NULL)) {
        lt_log_info("state: store revision %lld (was %lld): reloading", (long long)rev,
                    (long long)loaded_revision);
        lt_state_reload_locked();
        lt_session_sync(); /* sessions live outside snapshots */
    } else if (notified) {
        lt_session_sync();
    }
}

/* Wait for the next look at the store: a notification from the backend (PostgreSQL's
 * LISTEN; *notified set), checked every 200 ms for the stop flag, or the interval's poll of
 * the revision (the fallback when a notification is missed). False when stopping. */
static bool watch_wait(uint64_t *last_poll_ns, bool *notified)
{
    *notified = false;
    if (lt_store_notifies(store)) {
        for (;;) {
            int w = lt_store_wait_change(store, watch_interval_ms < 200 ? watch_interval_ms : 200);
            pthread_mutex_lock(&watch_lock);
            bool stop = watch_stop;
            pthread_mutex_unlock(&watch_lock);
            if (stop)
                return false;
            uint64_t now = lt_mono_ns();
            /* out of reach (w < 0): the revision is still polled at the interval only */
            if (w == 1 || now - *last_poll_ns >= (uint64_t)watch_interval_ms * 1000000ULL) {
                *last_poll_ns = now;
                *notified = w == 1;
                return true;
            }
        }
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += watch_interval_ms / 1000;
    ts.tv_nsec += (long)(watch_interval_ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&watch_lock);
    if (!watch_stop)
        pthread_cond_timedwait(&watch_cond, &watch_lock, &ts);
    bool stop = watch_stop;
    pthread_mutex_unlock(&watch_lock);
    return !stop;
}

static void *watch_main(void *arg)
{
    LT_UNUSED(arg);
    uint64_t last_poll_ns = lt_mono_ns();
    bool notified;
    while (watch_wait(&last_poll_ns, &notified)) {
        pthread_mutex_lock(&store_lock);
        check_revision(notified);
        pthread_mutex_unlock(&store_lock);
    }
    return NULL;
}

int lt_state_watch_start(int interval_ms)
{
    watch_interval_ms = interval_ms > 0 ? interval_ms : 1000;
    watch_stop = false;
    if (pthread_create(&watcher, NULL, watch_main, NULL) != 0)
        return LT_ERR;
    watching = true;
    return LT_OK;
}

void lt_state_dispose(void)
{
    if (watching) {
        pthread_mutex_lock(&watch_lock);
        watch_stop = true;
        pthread_cond_signal(&watch_cond);
        pthread_mutex_unlock(&watch_lock);
        pthread_join(watcher, NULL);
        watching = false;
    }
    lt_snapshot_shutdown();
    pthread_mutex_lock(&store_lock);
    lt_store_close(store);
    store = NULL;
    pthread_mutex_unlock(&store_lock);
}
