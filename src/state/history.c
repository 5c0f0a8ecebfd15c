/*
 * history.c: the ring of recent snapshot digests and the diff between two of them; see
 * history.h. Digests are built outside the lock (one builder at a time, under build_lock) and
 * refcounted, so a reader may keep one while the ring moves on.
 */
#include "history.h"

#include <stdlib.h>

#include "../base/util.h"

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;       /* ring and refs */
static pthread_mutex_t build_lock = PTHREAD_MUTEX_INITIALIZER; /* one builder at a time */
static lt_hist_t *ring[LT_HIST_KEEP];
static size_t ring_next;

static void hist_free(lt_hist_t *h)
{
    lt_arena_dispose(&h->arena);
    free(h);
}

void lt_hist_release(lt_hist_t *h)
{
    if (!h)
        return;
    pthread_mutex_lock(&lock);
    bool last = --h->refs == 0;
    pthread_mutex_unlock(&lock);
    if (last)
        hist_free(h);
}

/* The kept digest of revision rev with a new reference, or NULL; call with lock held. */
static lt_hist_t *find_locked(uint64_t rev)
{
    for (size_t i = 0; i < LT_HIST_KEEP; i++)
        if (ring[i] && ring[i]->revision == rev) {
            ring[i]->refs++;
            return ring[i];
        }
    return NULL;
}

lt_hist_t *lt_hist_find(uint64_t revision)
{
    pthread_mutex_lock(&lock);
    lt_hist_t *h = find_locked(revision);
    pthread_mutex_unlock(&lock);
    return h;
}

static int flag_cmp(const void *a, const void *b)
{
    return strcmp(((const lt_hist_flag_t *)a)->name, ((const lt_hist_flag_t *)b)->name);
}

static lt_hist_t *build(lt_snapshot_t *s)
{
    lt_hist_t *h = lt_xcalloc(1, sizeof(*h));
    h->revision = s->revision;
    h->refs = 1;
    lt_arena_init(&h->arena, 16 * 1024);
    lt_arena_t *a = &h->arena;
    const lt_dataset_t *d = &s->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    h->envs = lt_arena_calloc(a, s->n_envs ? s->n_envs : 1, sizeof(*h->envs));
    h->n_envs = s->n_envs;
    for (size_t e = 0; e < s->n_envs; e++) {
        const lt_env_view_t *v = &s->envs[e];
        lt_hist_env_t *he = &h->envs[e];
        he->env = lt_arena_strdup(a, v->name);
        he->flags = lt_arena_calloc(a, v->n_features ? v->n_features : 1, sizeof(*he->flags));
        he->n_flags = v->n_features;
        /* the snapshot's own JSON of each flag (segments by reference), shared along a chain of
         * incremental snapshots: only the changed flags' is written for a new revision */
        const lt_str_t *json = lt_snapshot_flag_json(s, v, false);
        for (size_t i = 0; i < v->n_features; i++) {
            const lt_feature_t *f = v->features[i];
            he->flags[i] = (lt_hist_flag_t){lt_arena_strdup(a, f->name),
                                            lt_arena_strdup(a, f->project),
                                            lt_fnv1a(json[i].ptr, json[i].len)};
        }
        qsort(he->flags, he->n_flags, sizeof(*he->flags), flag_cmp); /* already sorted: cheap */
    }
    h->segs = lt_arena_calloc(a, d->n_segments ? d->n_segments : 1, sizeof(*h->segs));
    h->n_segs = d->n_segments;
    for (size_t i = 0; i < d->n_segments; i++) { /* the dataset keeps them sorted by id */
        lt_buf_reset(&b);
        lt_model_write_segment(&b, &d->segments[i]);
        h->segs[i] = (lt_hist_seg_t){d->segments[i].id, lt_fnv1a(b.ptr, b.len)};
    }
    lt_buf_dispose(&b);
    return h;
}

lt_hist_t *lt_hist_of(lt_snapshot_t *s)
{
    lt_hist_t *h = lt_hist_find(s->revision);
    if (h)
        return h;
    pthread_mutex_lock(&build_lock);
    h = lt_hist_find(s->revision); /* another builder may have been first */
    if (!h) {
        h = build(s);
        pthread_mutex_lock(&lock);
        lt_hist_t *old = ring[ring_next];
        ring[ring_next] = h;
        ring_next = (ring_next + 1) % LT_HIST_KEEP;
        h->refs++; /* the ring's */
        bool last = old && --old->refs == 0;
        pthread_mutex_unlock(&lock);
        if (last)
            hist_free(old);
    }
    pthread_mutex_unlock(&build_lock);
    return h;
}

void lt_hist_clear(void)
{
    for (size_t i = 0; i < LT_HIST_KEEP; i++) {
        pthread_mutex_lock(&lock);
        lt_hist_t *h = ring[i];
        ring[i] = NULL;
        pthread_mutex_unlock(&lock);
        lt_hist_release(h);
    }
}

const lt_hist_env_t *lt_hist_env(const lt_hist_t *h, const char *env)
{
    for (size_t i = 0; h && i < h->n_envs; i++)
        if (strcmp(h->envs[i].env, env) == 0)
            return &h->envs[i];
    return NULL;
}

size_t lt_hist_diff_flags(const lt_hist_t *old, const lt_hist_t *cur, const char *env,
                          lt_hist_scope_fn in_scope, const void *scope,
                          void (*on_flag)(void *ctx, const lt_hist_flag_t *f, bool removed),
                          void *ctx)
{
    static const lt_hist_env_t none = {NULL, NULL, 0};
    const lt_hist_env_t *o = lt_hist_env(old, env), *c = lt_hist_env(cur, env);
    if (!o)
        o = &none;
    if (!c)
        c = &none;
    size_t i = 0, k = 0, n = 0;
    /* a merge of the two name-sorted lists */
    while (i < o->n_flags || k < c->n_flags) {
        int cmp = i == o->n_flags   ? 1
                  : k == c->n_flags ? -1
                                    : strcmp(o->flags[i].name, c->flags[k].name);
        const lt_hist_flag_t *of = cmp <= 0 ? &o->flags[i] : NULL;
        const lt_hist_flag_t *cf = cmp >= 0 ? &c->flags[k] : NULL;
        bool was = of && in_scope(scope, of->name, of->project);
        bool is = cf && in_scope(scope, cf->name, cf->project);
        if (is && (!was || of->hash != cf->hash)) {
            on_flag(ctx, cf, false);
            n++;
        } else if (was && !is) {
            on_flag(ctx, of, true);
            n++;
        }
        if (cmp <= 0)
            i++;
        if (cmp >= 0)
            k++;
    }
    return n;
}

size_t lt_hist_diff_segs(const lt_hist_t *old, const lt_hist_t *cur,
                         void (*on_seg)(void *ctx, int64_t id, bool removed), void *ctx)
{
    size_t i = 0, k = 0, n = 0;
    size_t no = old ? old->n_segs : 0, nc = cur ? cur->n_segs : 0;
    while (i < no || k < nc) {
        int cmp = i == no   ? 1
                  : k == nc ? -1
                            : (old->segs[i].id < cur->segs[k].id ? -1
                                                                 : old->segs[i].id > cur->segs[k].id);
        if (cmp > 0 || (cmp == 0 && old->segs[i].hash != cur->segs[k].hash)) {
            on_seg(ctx, cur->segs[k].id, false);
            n++;
        } else if (cmp < 0) {
            on_seg(ctx, old->segs[i].id, true);
            n++;
        }
        if (cmp <= 0)
            i++;
        if (cmp >= 0)
            k++;
    }
    return n;
}
