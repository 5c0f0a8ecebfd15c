/*
 * snapshot.c: building, publishing and reference counting snapshots, and their memo table.
 * See snapshot.h for the rules readers and writers follow.
 */
#include "snapshot.h"

#include <stdlib.h>

#include "../base/util.h"
#include "../eval/eval.h"


static pthread_mutex_t pub_lock = PTHREAD_MUTEX_INITIALIZER;
static lt_snapshot_t *current;
static void (*_Atomic on_publish)(void);

static int feature_ptr_cmp(const void *pa, const void *pb)
{
    const lt_feature_t *a = *(const lt_feature_t *const *)pa;
    const lt_feature_t *b = *(const lt_feature_t *const *)pb;
    return strcmp(a->name, b->name);
}

static int str_ptr_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

/* The sorted, distinct allowed origins of the front-end tokens that have not expired. */
static void build_frontend_origins(lt_snapshot_t *s, lt_arena_t *ar, const lt_dataset_t *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_tokens; i++)
        if (d->tokens[i].type == LT_TOKEN_FRONTEND)
            n += d->tokens[i].n_origins;
    const char **v = lt_arena_calloc(ar, n + 1, sizeof(*v));
    n = 0;
    for (size_t i = 0; i < d->n_tokens; i++) {
        const lt_token_t *t = &d->tokens[i];
        if (t->type != LT_TOKEN_FRONTEND || (t->expires_at && t->expires_at <= s->built_at))
            continue;
        for (size_t k = 0; k < t->n_origins; k++)
            v[n++] = t->origins[k];
    }
    qsort(v, n, sizeof(*v), str_ptr_cmp);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
            v[k++] = v[i];
    s->frontend_origins = v;
    s->n_frontend_origins = k;
}

bool lt_snapshot_frontend_origin(const lt_snapshot_t *s, lt_str_t origin)
{
    size_t lo = 0, hi = s->n_frontend_origins;
    if (hi && strcmp(s->frontend_origins[0], "*") == 0) /* '*' sorts before any letter */
        return true;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const char *m = s->frontend_origins[mid];
        size_t ml = strlen(m);
        int c = memcmp(m, origin.ptr, ml < origin.len ? ml : origin.len);
        if (c == 0)
            c = ml < origin.len ? -1 : ml > origin.len ? 1 : 0;
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

lt_snapshot_t *lt_snapshot_build(lt_arena_t *a, const lt_dataset_t *d)
{
    lt_snapshot_t *s = lt_xcalloc(1, sizeof(*s));
    s->refs = 1;
    s->arena = *a;
    s->data = *d;
    s->revision = (uint64_t)d->revision;
    s->built_at = lt_now_ms();
    pthread_mutex_init(&s->memo_lock, NULL);
    lt_arena_t *ar = &s->arena;

    s->envs = lt_arena_calloc(ar, d->n_envs ? d->n_envs : 1, sizeof(*s->envs));
    s->n_envs = d->n_envs;
    for (size_t e = 0; e < d->n_envs; e++) {
        lt_env_view_t *v = &s->envs[e];
        v->name = d->envs[e].name;
        v->features = lt_arena_calloc(ar, d->n_features ? d->n_features : 1,
                                      sizeof(*v->features));
        for (size_t i = 0; i < d->n_features; i++)
            if (!d->features[i].archived)
                v->features[v->n_features++] = &d->features[i];
        qsort(v->features, v->n_features, sizeof(*v->features), feature_ptr_cmp);
        v->eval = lt_eval_compile(ar, d->features, d->n_features, v->name, d->segments,
                                  d->n_segments);
        size_t n = lt_eval_count(v->eval);
        v->name_json = lt_arena_calloc(ar, n ? n : 1, sizeof(*v->name_json));
        lt_buf_t b;
        lt_buf_init(&b, 0);
        for (size_t i = 0; i < n; i++) {
            lt_buf_reset(&b);
            lt_json_cstr(&b, lt_eval_feature_name(lt_eval_at(v->eval, i)));
            v->name_json[i] = (lt_str_t){lt_arena_strndup(ar, b.ptr, b.len), b.len};
        }
        lt_buf_dispose(&b);
    }
    lt_token_table_build(&s->tokens, ar, d->tokens, d->n_tokens);
    s->token_seen = lt_arena_calloc(ar, d->n_tokens + 1, sizeof(*s->token_seen));
    s->token_written = lt_arena_calloc(ar, d->n_tokens + 1, sizeof(*s->token_written));
    for (size_t i = 0; i < d->n_tokens; i++)
        s->token_seen[i] = s->token_written[i] = d->tokens[i].seen_at;
    build_frontend_origins(s, ar, d);
    s->memo_slots = 64;
    s->memo = lt_xcalloc(s->memo_slots, sizeof(*s->memo));
    return s;
}

void lt_snapshot_token_seen(lt_snapshot_t *s, const lt_token_t *t, int64_t now_ms)
{
    size_t i = (size_t)(t - s->data.tokens);
    if (i >= s->data.n_tokens)
        return;
    int64_t prev = __atomic_load_n(&s->token_seen[i], __ATOMIC_RELAXED);
    if (now_ms - prev >= 1000)
        __atomic_store_n(&s->token_seen[i], now_ms, __ATOMIC_RELAXED);
}

int64_t lt_snapshot_token_last_seen(const lt_snapshot_t *s, const lt_token_t *t)
{
    size_t i = (size_t)(t - s->data.tokens);
    if (i >= s->data.n_tokens)
        return t->seen_at;
    int64_t v = __atomic_load_n(&s->token_seen[i], __ATOMIC_RELAXED);
    return v > t->seen_at ? v : t->seen_at;
}

const lt_env_view_t *lt_snapshot_env(const lt_snapshot_t *s, const char *env)
{
    for (size_t i = 0; i < s->n_envs; i++)
        if (strcmp(s->envs[i].name, env) == 0)
            return &s->envs[i];
    return NULL;
}

bool lt_snapshot_has_project(const lt_snapshot_t *s, const char *id)
{
    for (size_t i = 0; i < s->data.n_projects; i++)
        if (strcmp(s->data.projects[i].id, id) == 0)
            return true;
    return false;
}

void lt_memo_free(lt_memo_t *m)
{
    if (!m)
        return;
    free(m->key);
    free(m->body);
    free(m->gz);
    free(m->slices);
    free(m);
}

lt_memo_t *lt_snapshot_memo_find(lt_snapshot_t *s, const char *key, size_t key_len)
{
    uint64_t h = lt_fnv1a(key, key_len);
    pthread_mutex_lock(&s->memo_lock);
    lt_memo_t *m = s->memo[h & (s->memo_slots - 1)];
    while (m && !(m->hash == h && m->key_len == key_len && memcmp(m->key, key, key_len) == 0))
        m = m->next;
    pthread_mutex_unlock(&s->memo_lock);
    return m;
}

static void memo_grow(lt_snapshot_t *s)
{
    size_t slots = s->memo_slots * 2;
    lt_memo_t **t = lt_xcalloc(slots, sizeof(*t));
    for (size_t i = 0; i < s->memo_slots; i++) {
        lt_memo_t *m = s->memo[i];
        while (m) {
            lt_memo_t *next = m->next;
            m->next = t[m->hash & (slots - 1)];
            t[m->hash & (slots - 1)] = m;
            m = next;
        }
    }
    free(s->memo);
    s->memo = t;
    s->memo_slots = slots;
}

/* The bytes a memo holds. */
static size_t memo_size(const lt_memo_t *m)
{
    return sizeof(*m) + m->key_len + m->len + m->gz_len + m->n_slices * sizeof(*m->slices);
}

lt_memo_t *lt_snapshot_memo_offer(lt_snapshot_t *s, lt_memo_t *m)
{
    m->hash = lt_fnv1a(m->key, m->key_len);
    size_t size = memo_size(m);
    pthread_mutex_lock(&s->memo_lock);
    lt_memo_t *have = s->memo[m->hash & (s->memo_slots - 1)];
    while (have && !(have->hash == m->hash && have->key_len == m->key_len &&
                     memcmp(have->key, m->key, m->key_len) == 0))
        have = have->next;
    if (!have && (s->memo_count >= LT_MEMO_MAX || s->memo_bytes + size > LT_MEMO_MAX_BYTES)) {
        m->transient = true;
        pthread_mutex_unlock(&s->memo_lock);
        return m;
    }
    if (!have) {
        if (s->memo_count >= s->memo_slots)
            memo_grow(s);
        size_t at = m->hash & (s->memo_slots - 1);
        m->next = s->memo[at];
        s->memo[at] = m;
        s->memo_count++;
        s->memo_bytes += size;
    }
    pthread_mutex_unlock(&s->memo_lock);
    if (have) {
        lt_memo_free(m);
        return have;
    }
    return m;
}

static void snapshot_free(lt_snapshot_t *s)
{
    for (size_t i = 0; i < s->memo_slots; i++) {
        lt_memo_t *m = s->memo[i];
        while (m) {
            lt_memo_t *next = m->next;
            lt_memo_free(m);
            m = next;
        }
    }
    free(s->memo);
    for (size_t i = 0; i < s->n_envs; i++)
        lt_eval_free(s->envs[i].eval);
    pthread_mutex_destroy(&s->memo_lock);
    lt_arena_dispose(&s->arena);
    free(s);
}

lt_snapshot_t *lt_snapshot_acquire(void)
{
    pthread_mutex_lock(&pub_lock);
    lt_snapshot_t *s = current;
    if (s)
        s->refs++;
    pthread_mutex_unlock(&pub_lock);
    return s;
}

void lt_snapshot_release(lt_snapshot_t *s)
{
    if (!s)
        return;
    pthread_mutex_lock(&pub_lock);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&pub_lock);
    if (last)
        snapshot_free(s);
}

void lt_snapshot_publish(lt_snapshot_t *s)
{
    pthread_mutex_lock(&pub_lock);
    lt_snapshot_t *old = current;
    current = s;
    pthread_mutex_unlock(&pub_lock);
    lt_snapshot_release(old);
    void (*fn)(void) = on_publish;
    if (fn && s)
        fn();
}

void lt_snapshot_on_publish(void (*fn)(void))
{
    on_publish = fn;
}

void lt_snapshot_shutdown(void)
{
    lt_snapshot_publish(NULL);
}
