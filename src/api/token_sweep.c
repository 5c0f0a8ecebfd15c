/*
 * token_sweep.c: the token sweeper thread; see token_sweep.h. It looks at the published
 * snapshot without the store lock and takes the lock only when a token needs a write.
 */
#include "token_sweep.h"

#include <pthread.h>
#include <stdbool.h>
#include <time.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../state/state.h"
#include "token_ops.h"

static pthread_t sweeper;
static pthread_mutex_t sweep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sweep_cond = PTHREAD_COND_INITIALIZER;
static bool running, stopping;
static int interval;

/* Does any token of the snapshot need a write now? */
static bool due(const lt_dataset_t *d, int64_t now)
{
    for (size_t i = 0; i < d->n_tokens; i++) {
        const lt_token_t *t = &d->tokens[i];
        if ((t->grace_until && t->grace_until <= now) ||
            (t->expires_at && t->expires_at <= now && !t->expiry_noted))
            return true;
    }
    return false;
}

static void sweep_once(void)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    bool work = s && due(&s->data, lt_now_ms());
    lt_snapshot_release(s);
    if (!work)
        return;
    lt_store_t *store = lt_state_lock();
    s = lt_snapshot_acquire(); /* the newest, now that writes are held off */
    int writes = store && s ? lt_token_sweep(store, &s->data, lt_now_ms()) : 0;
    lt_snapshot_release(s);
    if (writes > 0)
        lt_state_reload_locked();
    lt_state_unlock();
}

static void *run(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&sweep_lock);
    while (!stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += interval / 1000;
        ts.tv_nsec += (long)(interval % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&sweep_cond, &sweep_lock, &ts);
        if (stopping)
            break;
        pthread_mutex_unlock(&sweep_lock);
        sweep_once();
        pthread_mutex_lock(&sweep_lock);
    }
    pthread_mutex_unlock(&sweep_lock);
    return NULL;
}

int lt_token_sweep_start(int interval_ms)
{
    interval = interval_ms > 0 ? interval_ms : 1000;
    stopping = false;
    if (pthread_create(&sweeper, NULL, run, NULL) != 0) {
        lt_log_error("tokens: cannot start the token sweeper");
        return LT_ERR;
    }
    running = true;
    return LT_OK;
}

void lt_token_sweep_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&sweep_lock);
    stopping = true;
    pthread_cond_signal(&sweep_cond);
    pthread_mutex_unlock(&sweep_lock);
    pthread_join(sweeper, NULL);
    running = false;
}
