/*
 * usage.c: the usage aggregator; see usage.h. Requests add under a mutex (a hash update);
 * the flush swaps the tables out and writes them with the store lock, off the request path.
 */
#include "usage.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../base/log.h"
#include "../base/map.h"
#include "../base/util.h"
#include "../state/state.h"
#include "token_usage.h"

typedef struct {
    lt_app_row_t row; /* strings owned */
} app_t;

typedef struct {
    char *app, *instance, *env, *feature;
    int64_t hour, yes, no;
    size_t n_variants;
    char **vnames;
    int64_t *vcounts;
} metric_t;

typedef struct {
    lt_usage_unknown_t u; /* strings owned */
} unknown_t;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static lt_map_t apps, metrics;
static lt_map_t unknown;             /* "flag\x1fapp\x1fenv" -> unknown_t */
static int64_t unknown_swept_at;     /* the last sweep of expired reports (ms) */
static uint64_t unknown_dropped;
#define UNKNOWN_TTL_MS (24 * 3600000LL)
static size_t max_keys = 100000;
static uint64_t dropped;
static bool started;

static pthread_t flusher;
static pthread_mutex_t flush_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t flush_cond = PTHREAD_COND_INITIALIZER;
static bool stop_flag;
static int interval;

/* Free a string the row holds through a const pointer (the row type is shared with callers). */
static void free_str(const char *s)
{
    free((void *)(uintptr_t)s);
}

static void app_free(void *p)
{
    app_t *a = p;
    if (!a)
        return;
    free_str(a->row.app_name);
    free_str(a->row.instance_id);
    free_str(a->row.environment);
    free_str(a->row.sdk_version);
    free_str(a->row.strategies);
    free_str(a->row.platform_name);
    free_str(a->row.sdk_type);
    free(a);
}

static void metric_free(void *p)
{
    metric_t *m = p;
    if (!m)
        return;
    free(m->app);
    free(m->instance);
    free(m->env);
    free(m->feature);
    for (size_t i = 0; i < m->n_variants; i++)
        free(m->vnames[i]);
    free(m->vnames);
    free(m->vcounts);
    free(m);
}

static void replace(const char **dst, const char *src)
{
    if (!src)
        return;
    free_str(*dst);
    *dst = lt_xstrdup(src);
}

void lt_usage_register(const lt_app_row_t *row)
{
    if (!started)
        return; /* `latch offline` keeps no usage */
    char key[1024];
    int n = snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", row->app_name, row->instance_id,
                     row->environment);
    if (n < 0 || (size_t)n >= sizeof(key))
        return;
    pthread_mutex_lock(&lock);
    if (!apps.slots)
        lt_map_init(&apps);
    bool created;
    lt_map_entry_t *e = NULL;
    if (apps.count < max_keys || lt_map_get(&apps, key, (size_t)n))
        e = lt_map_upsert(&apps, key, (size_t)n, &created);
    if (!e) {
        dropped++;
        pthread_mutex_unlock(&lock);
        return;
    }
    app_t *a = e->value;
    if (created) {
        a = lt_xcalloc(1, sizeof(*a));
        a->row.app_name = lt_xstrdup(row->app_name);
        a->row.instance_id = lt_xstrdup(row->instance_id);
        a->row.environment = lt_xstrdup(row->environment);
        e->value = a;
    }
    replace(&a->row.sdk_version, row->sdk_version);
    replace(&a->row.strategies, row->strategies);
    replace(&a->row.platform_name, row->platform_name);
    replace(&a->row.sdk_type, row->sdk_type);
    if (row->started_at)
        a->row.started_at = row->started_at;
    if (row->interval_ms)
        a->row.interval_ms = row->interval_ms;
    if (row->seen_at > a->row.seen_at)
        a->row.seen_at = row->seen_at;
    pthread_mutex_unlock(&lock);
}

void lt_usage_add(const char *app, const char *instance, const char *env, const char *feature,
                  int64_t at_ms, int64_t yes, int64_t no, const lt_usage_variant_t *variants,
                  size_t n_variants)
{
    if (!started)
        return;
    int64_t hour = at_ms - (at_ms % 3600000);
    char key[1536];
    int n = snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%s\x1f%lld", app, instance, env,
                     feature, (long long)hour);
    if (n < 0 || (size_t)n >= sizeof(key))
        return;
    pthread_mutex_lock(&lock);
    if (!metrics.slots)
        lt_map_init(&metrics);
    bool created;
    lt_map_entry_t *e = NULL;
    if (metrics.count < max_keys || lt_map_get(&metrics, key, (size_t)n))
        e = lt_map_upsert(&metrics, key, (size_t)n, &created);
    if (!e) {
        dropped++;
        pthread_mutex_unlock(&lock);
        return;
    }
    metric_t *m = e->value;
    if (created) {
        m = lt_xcalloc(1, sizeof(*m));
        m->app = lt_xstrdup(app);
        m->instance = lt_xstrdup(instance);
        m->env = lt_xstrdup(env);
        m->feature = lt_xstrdup(feature);
        m->hour = hour;
        e->value = m;
    }
    m->yes += yes;
    m->no += no;
    for (size_t i = 0; i < n_variants; i++) {
        size_t k = 0;
        while (k < m->n_variants && strcmp(m->vnames[k], variants[i].name) != 0)
            k++;
        if (k == m->n_variants) {
            if (m->n_variants >= 64) /* a flag has few variants; refuse to grow without end */
                continue;
            m->vnames = lt_xrealloc(m->vnames, (k + 1) * sizeof(*m->vnames));
            m->vcounts = lt_xrealloc(m->vcounts, (k + 1) * sizeof(*m->vcounts));
            m->vnames[k] = lt_xstrdup(variants[i].name);
            m->vcounts[k] = 0;
            m->n_variants++;
        }
        m->vcounts[k] += variants[i].count;
    }
    pthread_mutex_unlock(&lock);
}

static void unknown_free(void *p)
{
    unknown_t *u = p;
    if (!u)
        return;
    free_str(u->u.flag);
    free_str(u->u.app);
    free_str(u->u.env);
    free(u);
}

typedef struct {
    lt_map_t *keep;
    int64_t since;
} sweep_t;

static void sweep_one(void *ctx, lt_map_entry_t *e)
{
    sweep_t *sw = ctx;
    unknown_t *u = e->value;
    if (u->u.seen_at < sw->since)
        return; /* disposed with the old map */
    bool created;
    lt_map_upsert(sw->keep, e->key, e->key_len, &created)->value = u;
    e->value = NULL;
}

/* Drop the reports older than a day (the map has no delete: rebuild it). Lock held. */
static void unknown_sweep(int64_t now)
{
    lt_map_t keep;
    lt_map_init(&keep);
    sweep_t sw = {&keep, now - UNKNOWN_TTL_MS};
    lt_map_each(&unknown, sweep_one, &sw);
    lt_map_dispose(&unknown, unknown_free);
    unknown = keep;
    unknown_swept_at = now;
}

void lt_usage_unknown_flag(const char *flag, const char *app, const char *env, int64_t now)
{
    if (!started)
        return;
    char key[1024];
    int n = snprintf(key, sizeof(key), "%s\x1f%s\x1f%s", flag, app, env);
    if (n < 0 || (size_t)n >= sizeof(key))
        return;
    pthread_mutex_lock(&lock);
    if (!unknown.slots)
        lt_map_init(&unknown);
    bool known = lt_map_get(&unknown, key, (size_t)n) != NULL;
    if (!known && unknown.count >= LT_USAGE_MAX_UNKNOWN && now - unknown_swept_at >= 60000)
        unknown_sweep(now); /* at most once a minute, so a full table costs no O(n) per call */
    if (!known && unknown.count >= LT_USAGE_MAX_UNKNOWN) {
        unknown_dropped++;
        pthread_mutex_unlock(&lock);
        return;
    }
    bool created;
    lt_map_entry_t *e = lt_map_upsert(&unknown, key, (size_t)n, &created);
    unknown_t *u = e->value;
    if (created) {
        u = lt_xcalloc(1, sizeof(*u));
        u->u.flag = lt_xstrdup(flag);
        u->u.app = lt_xstrdup(app);
        u->u.env = lt_xstrdup(env);
        e->value = u;
    }
    if (now > u->u.seen_at)
        u->u.seen_at = now;
    pthread_mutex_unlock(&lock);
}

typedef struct {
    lt_usage_unknown_t *list;
    size_t n;
    int64_t since;
} unknown_list_t;

static void collect_unknown(void *ctx, lt_map_entry_t *e)
{
    unknown_list_t *l = ctx;
    const unknown_t *u = e->value;
    if (u->u.seen_at >= l->since)
        l->list[l->n++] = u->u;
}

static int cmp_unknown(const void *pa, const void *pb)
{
    const lt_usage_unknown_t *a = pa, *b = pb;
    int c = strcmp(a->flag, b->flag);
    if (!c)
        c = strcmp(a->app, b->app);
    return c ? c : strcmp(a->env, b->env);
}

void lt_usage_unknown_list(void (*fn)(void *ctx, const lt_usage_unknown_t *u, size_t n),
                           void *ctx)
{
    pthread_mutex_lock(&lock);
    unknown_list_t l = {lt_xcalloc(unknown.count + 1, sizeof(*l.list)), 0,
                        lt_now_ms() - UNKNOWN_TTL_MS};
    if (unknown.slots)
        lt_map_each(&unknown, collect_unknown, &l);
    qsort(l.list, l.n, sizeof(*l.list), cmp_unknown);
    fn(ctx, l.list, l.n);
    pthread_mutex_unlock(&lock);
    free(l.list);
}

uint64_t lt_usage_unknown_dropped(void)
{
    pthread_mutex_lock(&lock);
    uint64_t d = unknown_dropped;
    pthread_mutex_unlock(&lock);
    return d;
}

typedef struct {
    lt_app_row_t *apps;
    size_t n_apps;
    lt_metric_row_t *rows;
    size_t n_rows;
} batch_t;

static void collect_app(void *ctx, lt_map_entry_t *e)
{
    batch_t *b = ctx;
    b->apps[b->n_apps++] = ((app_t *)e->value)->row;
}

static void collect_metric(void *ctx, lt_map_entry_t *e)
{
    batch_t *b = ctx;
    metric_t *m = e->value;
    lt_metric_row_t *r = &b->rows[b->n_rows++];
    r->app_name = m->app;
    r->instance_id = m->instance;
    r->environment = m->env;
    r->feature = m->feature;
    r->hour = m->hour;
    r->yes = m->yes;
    r->no = m->no;
    r->variant_names = (const char *const *)m->vnames;
    r->variant_counts = m->vcounts;
    r->n_variants = m->n_variants;
}

/* Store the token sightings of the current snapshot that are newer than what was stored. */
static void flush_token_seen(void)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    if (!s)
        return;
    size_t n = 0;
    uint8_t(*digests)[32] = lt_xcalloc(s->data.n_tokens + 1, 32);
    int64_t *at = lt_xcalloc(s->data.n_tokens + 1, sizeof(*at));
    size_t *idx = lt_xcalloc(s->data.n_tokens + 1, sizeof(*idx));
    for (size_t i = 0; i < s->data.n_tokens; i++) {
        int64_t seen = __atomic_load_n(&s->token_seen[i], __ATOMIC_RELAXED);
        if (seen > s->token_written[i]) {
            memcpy(digests[n], s->data.tokens[i].digest, 32);
            at[n] = seen;
            idx[n++] = i;
        }
    }
    if (n) {
        lt_store_t *store = lt_state_lock();
        int rc = store ? lt_store_tokens_seen(store, (const uint8_t(*)[32])digests, at, n)
                       : LT_ERR;
        lt_state_unlock();
        for (size_t k = 0; rc == LT_OK && k < n; k++)
            s->token_written[idx[k]] = at[k];
    }
    free(digests);
    free(at);
    free(idx);
    lt_snapshot_release(s);
}

/* Put back what a failed write took out, into tables that may have grown since (lock held):
 * counts of a key already there add up; a new key is taken while the limit allows, else
 * dropped and counted. Each moved value leaves its old entry (NULL), so disposing of the old
 * table frees only what was merged. */
static void merge_metric(void *ctx, lt_map_entry_t *e)
{
    LT_UNUSED(ctx);
    metric_t *m = e->value;
    metric_t *cur = lt_map_get(&metrics, e->key, e->key_len);
    if (cur) {
        cur->yes += m->yes;
        cur->no += m->no;
        for (size_t i = 0; i < m->n_variants; i++) {
            size_t k = 0;
            while (k < cur->n_variants && strcmp(cur->vnames[k], m->vnames[i]) != 0)
                k++;
            if (k == cur->n_variants) {
                if (cur->n_variants >= 64)
                    continue;
                cur->vnames = lt_xrealloc(cur->vnames, (k + 1) * sizeof(*cur->vnames));
                cur->vcounts = lt_xrealloc(cur->vcounts, (k + 1) * sizeof(*cur->vcounts));
                cur->vnames[k] = lt_xstrdup(m->vnames[i]);
                cur->vcounts[k] = 0;
                cur->n_variants++;
            }
            cur->vcounts[k] += m->vcounts[i];
        }
        return;
    }
    if (metrics.count >= max_keys) {
        dropped++;
        return;
    }
    bool created;
    lt_map_upsert(&metrics, e->key, e->key_len, &created)->value = m;
    e->value = NULL;
}

static void merge_app(void *ctx, lt_map_entry_t *e)
{
    LT_UNUSED(ctx);
    if (lt_map_get(&apps, e->key, e->key_len))
        return; /* a newer registration came in meanwhile: it wins */
    if (apps.count >= max_keys) {
        dropped++;
        return;
    }
    bool created;
    lt_map_upsert(&apps, e->key, e->key_len, &created)->value = e->value;
    e->value = NULL;
}

static void put_back(lt_map_t *a, lt_map_t *m)
{
    pthread_mutex_lock(&lock);
    if (!apps.slots)
        lt_map_init(&apps);
    if (!metrics.slots)
        lt_map_init(&metrics);
    if (a->slots)
        lt_map_each(a, merge_app, NULL);
    if (m->slots)
        lt_map_each(m, merge_metric, NULL);
    pthread_mutex_unlock(&lock);
}

static lt_usage_sink_fn sink;

void lt_usage_set_sink(lt_usage_sink_fn fn)
{
    sink = fn;
}

/* Hand a batch to the sink; what it could not take is added back for the next flush. */
static int flush_to_sink(const batch_t *b)
{
    bool *ra = lt_xcalloc(b->n_apps + 1, sizeof(bool));
    bool *rr = lt_xcalloc(b->n_rows + 1, sizeof(bool));
    int rc = sink(b->apps, b->n_apps, b->rows, b->n_rows, ra, rr);
    size_t back = 0;
    for (size_t i = 0; i < b->n_apps; i++)
        if (ra[i]) {
            lt_usage_register(&b->apps[i]);
            back++;
        }
    for (size_t i = 0; i < b->n_rows; i++) {
        if (!rr[i])
            continue;
        const lt_metric_row_t *m = &b->rows[i];
        lt_usage_variant_t vs[64];
        size_t nv = m->n_variants < 64 ? m->n_variants : 64;
        for (size_t k = 0; k < nv; k++)
            vs[k] = (lt_usage_variant_t){m->variant_names[k], m->variant_counts[k]};
        lt_usage_add(m->app_name, m->instance_id, m->environment, m->feature, m->hour, m->yes,
                     m->no, vs, nv);
        back++;
    }
    if (back)
        lt_log_debug("usage: %zu entries kept for the next flush", back);
    free(ra);
    free(rr);
    return rc;
}

int lt_usage_flush(void)
{
    if (!sink) {
        flush_token_seen();
        lt_token_usage_flush();
    }
    pthread_mutex_lock(&lock);
    lt_map_t a = apps, m = metrics;
    memset(&apps, 0, sizeof(apps));
    memset(&metrics, 0, sizeof(metrics));
    pthread_mutex_unlock(&lock);
    if (!a.count && !m.count) {
        lt_map_dispose(&a, app_free);
        lt_map_dispose(&m, metric_free);
        return LT_OK;
    }
    batch_t b = {lt_xcalloc(a.count + 1, sizeof(lt_app_row_t)), 0,
                 lt_xcalloc(m.count + 1, sizeof(lt_metric_row_t)), 0};
    if (a.slots)
        lt_map_each(&a, collect_app, &b);
    if (m.slots)
        lt_map_each(&m, collect_metric, &b);
    int rc;
    if (sink) {
        rc = flush_to_sink(&b); /* what the upstream did not take is added back there */
        if (rc != LT_OK)
            lt_log_error("usage: could not hand on %zu registrations and %zu counts", b.n_apps,
                         b.n_rows);
    } else {
        lt_store_t *store = lt_state_lock();
        rc = store ? lt_store_usage_write(store, b.apps, b.n_apps, b.rows, b.n_rows) : LT_ERR;
        lt_state_unlock();
        if (rc != LT_OK) {
            /* acknowledged to the SDKs already: keep them (bounded by the key limit) and try
             * again at the next flush */
            lt_log_error("usage: could not write %zu registrations and %zu counts; kept for "
                         "the next write",
                         b.n_apps, b.n_rows);
            put_back(&a, &m);
        }
    }
    if (rc == LT_OK)
        lt_log_debug("usage: wrote %zu registrations and %zu counts", b.n_apps, b.n_rows);
    free(b.apps);
    free(b.rows);
    lt_map_dispose(&a, app_free);
    lt_map_dispose(&m, metric_free);
    return rc;
}

uint64_t lt_usage_dropped(void)
{
    pthread_mutex_lock(&lock);
    uint64_t d = dropped;
    pthread_mutex_unlock(&lock);
    return d;
}

static void *flush_main(void *arg)
{
    LT_UNUSED(arg);
    pthread_mutex_lock(&flush_lock);
    while (!stop_flag) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += interval / 1000;
        ts.tv_nsec += (long)(interval % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&flush_cond, &flush_lock, &ts);
        if (stop_flag)
            break;
        pthread_mutex_unlock(&flush_lock);
        lt_usage_flush();
        pthread_mutex_lock(&flush_lock);
    }
    pthread_mutex_unlock(&flush_lock);
    return NULL;
}

int lt_usage_start(int interval_ms, size_t max)
{
    interval = interval_ms > 0 ? interval_ms : 10000;
    max_keys = max ? max : 100000;
    stop_flag = false;
    if (!sink)
        lt_token_usage_load(); /* before the first request: counts go on from what is stored */
    if (pthread_create(&flusher, NULL, flush_main, NULL) != 0)
        return LT_ERR;
    started = true;
    return LT_OK;
}

void lt_usage_stop(void)
{
    if (!started)
        return;
    {
        pthread_mutex_lock(&flush_lock);
        stop_flag = true;
        pthread_cond_signal(&flush_cond);
        pthread_mutex_unlock(&flush_lock);
        pthread_join(flusher, NULL);
    }
    lt_usage_flush();
    started = false;
    pthread_mutex_lock(&lock);
    if (apps.count || metrics.count) /* the last write failed too */
        lt_log_error("usage: %zu registrations and %zu counts could not be stored before exit",
                     apps.count, metrics.count);
    lt_map_dispose(&apps, app_free);
    lt_map_dispose(&metrics, metric_free);
    lt_map_dispose(&unknown, unknown_free);
    memset(&apps, 0, sizeof(apps));
    memset(&metrics, 0, sizeof(metrics));
    memset(&unknown, 0, sizeof(unknown));
    pthread_mutex_unlock(&lock);
}
