/*
 * snapshot.c: building, publishing and reference counting snapshots, and their memo table.
 * See snapshot.h for the rules readers and writers follow.
 */
#include "snapshot.h"

#include <stdlib.h>

#include "../base/gzip.h"
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

/* ---------- generations: the memory snapshots built from one another share ---------- */

struct lt_snap_gen {
    int refs; /* atomic: released by whichever thread frees a snapshot */
    lt_arena_t arena;
    struct lt_eval_owned **owned; /* the compiled regexes its flags hold */
    size_t n_owned;
    struct lt_snap_gen *prev;
    size_t bytes; /* its arena's and every older generation's */
};

static struct lt_snap_gen *gen_new(lt_arena_t *a, struct lt_snap_gen *prev)
{
    struct lt_snap_gen *g = lt_xcalloc(1, sizeof(*g));
    g->refs = 1;
    g->arena = *a;
    g->prev = prev;
    if (prev)
        __atomic_add_fetch(&prev->refs, 1, __ATOMIC_RELAXED);
    return g;
}

static void gen_own(struct lt_snap_gen *g, struct lt_eval_owned *o)
{
    g->owned = lt_xrealloc(g->owned, (g->n_owned + 1) * sizeof(*g->owned));
    g->owned[g->n_owned++] = o;
}

static void gen_release(struct lt_snap_gen *g)
{
    while (g && __atomic_sub_fetch(&g->refs, 1, __ATOMIC_ACQ_REL) == 0) {
        struct lt_snap_gen *prev = g->prev;
        for (size_t i = 0; i < g->n_owned; i++)
            lt_eval_owned_free(g->owned[i]);
        free(g->owned);
        lt_arena_dispose(&g->arena);
        free(g);
        g = prev;
    }
}

static lt_snapshot_t *snapshot_new(uint64_t revision)
{
    lt_snapshot_t *s = lt_xcalloc(1, sizeof(*s));
    s->refs = 1;
    s->revision = revision;
    s->built_at = lt_now_ms();
    pthread_mutex_init(&s->memo_lock, NULL);
    pthread_mutex_init(&s->json_lock, NULL);
    s->memo_slots = 64;
    s->memo = lt_xcalloc(s->memo_slots, sizeof(*s->memo));
    return s;
}

/* Each compiled flag's name as a JSON string, in a (new ones) or shared with prev (from[i]). */
static void names_json(lt_env_view_t *v, lt_arena_t *ar, lt_arena_t *a, const lt_env_view_t *prev,
                       const size_t *from)
{
    size_t n = lt_eval_count(v->eval);
    v->name_json = lt_arena_calloc(ar, n ? n : 1, sizeof(*v->name_json));
    lt_buf_t b;
    lt_buf_init(&b, 0);
    for (size_t i = 0; i < n; i++) {
        if (prev && from[i] != SIZE_MAX) {
            v->name_json[i] = prev->name_json[from[i]];
            continue;
        }
        lt_buf_reset(&b);
        lt_json_cstr(&b, lt_eval_feature_name(lt_eval_at(v->eval, i)));
        v->name_json[i] = (lt_str_t){lt_arena_strndup(a, b.ptr, b.len), b.len};
    }
    lt_buf_dispose(&b);
}

/* The visible flags of a dataset, in its order (by name). */
static void view_features(lt_env_view_t *v, lt_arena_t *ar, const lt_dataset_t *d)
{
    v->features = lt_arena_calloc(ar, d->n_features ? d->n_features : 1, sizeof(*v->features));
    for (size_t i = 0; i < d->n_features; i++)
        if (!d->features[i].archived)
            v->features[v->n_features++] = &d->features[i];
}

/* One flag's client JSON (segments inlined or by reference) copied into a. */
static lt_str_t flag_json(lt_buf_t *b, lt_arena_t *a, const lt_feature_t *f, const char *env,
                          bool inl, const lt_dataset_t *d)
{
    lt_write_opts_t opts = {inl, d->segments, d->n_segments, false};
    lt_buf_reset(b);
    lt_model_write_feature(b, f, lt_feature_env(f, env), &opts);
    return (lt_str_t){lt_arena_strndup(a, b->ptr, b->len), b->len};
}

/* v's flag JSON from prev's view pv, each form prev has: the unchanged flags' shared (paired by
 * one walk over both name-sorted lists; the segments are prev's), the others written into a. */
static void flag_json_from(lt_env_view_t *v, lt_arena_t *ar, lt_arena_t *a,
                           const lt_env_view_t *pv, const bool *fresh, const lt_dataset_t *d)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    for (int inl = 0; pv && inl < 2; inl++) {
        if (!__atomic_load_n(&pv->json_ready[inl], __ATOMIC_ACQUIRE))
            continue; /* written on first use */
        lt_str_t *json = lt_arena_calloc(ar, v->n_features ? v->n_features : 1, sizeof(*json));
        size_t j = 0;
        for (size_t i = 0; i < v->n_features; i++) {
            const lt_feature_t *f = v->features[i];
            int cmp = -1;
            while (j < pv->n_features && (cmp = strcmp(pv->features[j]->name, f->name)) < 0)
                j++;
            if (j == pv->n_features)
                cmp = -1;
            if (cmp == 0 && !fresh[f - d->features])
                json[i] = pv->flag_json[inl][j];
            else
                json[i] = flag_json(&b, a, f, v->name, inl, d);
        }
        v->flag_json[inl] = json;
        v->json_ready[inl] = 1; /* before publication: no reader yet */
    }
    lt_buf_dispose(&b);
}

const lt_str_t *lt_snapshot_flag_json(lt_snapshot_t *s, const lt_env_view_t *cv,
                                      bool inline_segments)
{
    lt_env_view_t *v = &s->envs[cv - s->envs];
    int inl = inline_segments ? 1 : 0;
    if (__atomic_load_n(&v->json_ready[inl], __ATOMIC_ACQUIRE))
        return v->flag_json[inl];
    pthread_mutex_lock(&s->json_lock);
    if (!v->json_ready[inl]) {
        /* the generation's arena: nothing else allocates in it once the snapshot is built */
        lt_arena_t *a = &s->gen->arena;
        size_t before = a->total;
        lt_str_t *json = lt_arena_calloc(a, v->n_features ? v->n_features : 1, sizeof(*json));
        lt_buf_t b;
        lt_buf_init(&b, 0);
        for (size_t i = 0; i < v->n_features; i++)
            json[i] = flag_json(&b, a, v->features[i], v->name, inl, &s->data);
        lt_buf_dispose(&b);
        __atomic_add_fetch(&s->gen->bytes, a->total - before, __ATOMIC_RELAXED);
        v->flag_json[inl] = json;
        __atomic_store_n(&v->json_ready[inl], 1, __ATOMIC_RELEASE);
    }
    pthread_mutex_unlock(&s->json_lock);
    return v->flag_json[inl];
}

const char *lt_snapshot_memo_gz(lt_snapshot_t *s, lt_memo_t *m)
{
    char *gz = __atomic_load_n(&m->gz, __ATOMIC_ACQUIRE);
    if (gz)
        return gz;
    size_t n = 0;
    char *z = lt_gzip(m->body, m->len, &n);
    if (!z)
        return NULL;
    if (m->transient) { /* the request's own */
        m->gz_len = n;
        m->gz = z;
        return z;
    }
    pthread_mutex_lock(&s->memo_lock);
    gz = m->gz;
    if (!gz) {
        m->gz_len = n;
        __atomic_store_n(&m->gz, z, __ATOMIC_RELEASE);
        s->memo_bytes += n;
        gz = z;
        z = NULL;
    }
    pthread_mutex_unlock(&s->memo_lock);
    free(z);
    return gz;
}

lt_snapshot_t *lt_snapshot_build(lt_arena_t *a, const lt_dataset_t *d)
{
    lt_snapshot_t *s = snapshot_new((uint64_t)d->revision);
    s->gen = gen_new(a, NULL);
    s->data = *d;
    lt_arena_init(&s->arena, 0);
    lt_arena_t *ar = &s->gen->arena;

    s->envs = lt_arena_calloc(ar, d->n_envs ? d->n_envs : 1, sizeof(*s->envs));
    s->n_envs = d->n_envs;
    for (size_t e = 0; e < d->n_envs; e++) {
        lt_env_view_t *v = &s->envs[e];
        v->name = d->envs[e].name;
        view_features(v, ar, d);
        qsort(v->features, v->n_features, sizeof(*v->features), feature_ptr_cmp);
        v->eval = lt_eval_compile(ar, d->features, d->n_features, v->name, d->segments,
                                  d->n_segments);
        gen_own(s->gen, lt_eval_take_owned(v->eval));
        names_json(v, ar, ar, NULL, NULL);
    }
    lt_token_table_build(&s->tokens, ar, d->tokens, d->n_tokens);
    s->token_seen = lt_arena_calloc(ar, d->n_tokens + 1, sizeof(*s->token_seen));
    s->token_written = lt_arena_calloc(ar, d->n_tokens + 1, sizeof(*s->token_written));
    for (size_t i = 0; i < d->n_tokens; i++)
        s->token_seen[i] = s->token_written[i] = d->tokens[i].seen_at;
    build_frontend_origins(s, ar, d);
    s->gen->bytes = s->gen->arena.total;
    return s;
}

static int feature_cmp(const void *a, const void *b)
{
    return strcmp(((const lt_feature_t *)a)->name, ((const lt_feature_t *)b)->name);
}

/* Is the flag named name one of ch's (changed or gone)? */
static bool changed_flag(const lt_store_changes_t *ch, const char *name)
{
    lt_feature_t key = {.name = name};
    return bsearch(&key, ch->features, ch->n_features, sizeof(*ch->features), feature_cmp) ||
           bsearch(&name, ch->gone, ch->n_gone, sizeof(*ch->gone), str_ptr_cmp);
}

static int tag_cmp(const lt_tag_t *a, const lt_tag_t *b)
{
    int c = strcmp(a->feature, b->feature);
    if (!c)
        c = strcmp(a->type, b->type);
    return c ? c : strcmp(a->value, b->value);
}

/* prev's flags with ch's in place (sorted by name); fresh[i]: features[i] is one of ch's. */
static void merge_features(lt_dataset_t *d, bool **fresh, lt_arena_t *ar, const lt_dataset_t *pd,
                           const lt_store_changes_t *ch)
{
    size_t cap = pd->n_features + ch->n_features, m = 0, i = 0, k = 0;
    lt_feature_t *fs = lt_arena_calloc(ar, cap ? cap : 1, sizeof(*fs));
    bool *fr = lt_arena_calloc(ar, cap ? cap : 1, sizeof(*fr));
    while (i < pd->n_features || k < ch->n_features) {
        int cmp = i == pd->n_features   ? 1
                  : k == ch->n_features ? -1
                                        : strcmp(pd->features[i].name, ch->features[k].name);
        if (cmp < 0) {
            if (!bsearch(&pd->features[i].name, ch->gone, ch->n_gone, sizeof(*ch->gone),
                         str_ptr_cmp))
                fs[m++] = pd->features[i];
            i++;
            continue;
        }
        fr[m] = true;
        fs[m++] = ch->features[k++];
        if (cmp == 0)
            i++;
    }
    d->features = fs;
    d->n_features = m;
    *fresh = fr;
}

/* prev's tags of unchanged flags merged with ch's (sorted by feature, type, value). */
static void merge_tags(lt_dataset_t *d, lt_arena_t *ar, const lt_dataset_t *pd,
                       const lt_store_changes_t *ch)
{
    size_t cap = pd->n_tags + ch->n_tags, m = 0, i = 0, k = 0;
    lt_tag_t *ts = lt_arena_calloc(ar, cap ? cap : 1, sizeof(*ts));
    while (i < pd->n_tags || k < ch->n_tags) {
        if (i < pd->n_tags && changed_flag(ch, pd->tags[i].feature)) {
            i++;
            continue;
        }
        if (k == ch->n_tags || (i < pd->n_tags && tag_cmp(&pd->tags[i], &ch->tags[k]) < 0))
            ts[m++] = pd->tags[i++];
        else
            ts[m++] = ch->tags[k++];
    }
    d->tags = ts;
    d->n_tags = m;
}

lt_snapshot_t *lt_snapshot_build_from(const lt_snapshot_t *prev, lt_arena_t *content,
                                      const lt_store_changes_t *ch)
{
    lt_snapshot_t *s = snapshot_new((uint64_t)ch->revision);
    s->gen = gen_new(content, prev->gen);
    s->depth = prev->depth + 1;
    s->from_revision = prev->revision;
    lt_arena_init(&s->arena, 64 * 1024);
    lt_arena_t *ar = &s->arena, *ca = &s->gen->arena;
    lt_dataset_t *d = &s->data;
    *d = prev->data;
    d->revision = ch->revision;
    bool *fresh;
    merge_features(d, &fresh, ar, &prev->data, ch);
    merge_tags(d, ar, &prev->data, ch);

    s->envs = lt_arena_calloc(ar, d->n_envs ? d->n_envs : 1, sizeof(*s->envs));
    s->n_envs = d->n_envs;
    size_t *from = lt_arena_calloc(ar, d->n_features ? d->n_features : 1, sizeof(*from));
    for (size_t e = 0; e < d->n_envs; e++) {
        lt_env_view_t *v = &s->envs[e];
        const lt_env_view_t *pv = e < prev->n_envs ? &prev->envs[e] : NULL;
        v->name = d->envs[e].name;
        view_features(v, ar, d);
        if (pv && strcmp(pv->name, v->name) == 0) {
            v->eval = lt_eval_compile_from(ar, ca, pv->eval, d->features, d->n_features, v->name,
                                           fresh, from);
        } else { /* cannot happen (an environment change loads everything): compile it whole */
            pv = NULL;
            v->eval = lt_eval_compile(ca, d->features, d->n_features, v->name, d->segments,
                                      d->n_segments);
        }
        gen_own(s->gen, lt_eval_take_owned(v->eval));
        names_json(v, ar, ca, pv, from);
        flag_json_from(v, ar, ca, pv, fresh, d);
    }
    if (ch->tokens) { /* new records, and their table where the next snapshots can share it */
        d->tokens = ch->token_rows;
        d->n_tokens = ch->n_tokens;
        lt_token_table_build(&s->tokens, ca, d->tokens, d->n_tokens);
        build_frontend_origins(s, ca, d);
    } else {
        s->tokens = prev->tokens; /* the same records and table */
        s->frontend_origins = prev->frontend_origins; /* in prev's generation or an older one */
        s->n_frontend_origins = prev->n_frontend_origins;
    }
    s->token_seen = lt_arena_calloc(ar, d->n_tokens + 1, sizeof(*s->token_seen));
    s->token_written = lt_arena_calloc(ar, d->n_tokens + 1, sizeof(*s->token_written));
    for (size_t i = 0; i < d->n_tokens; i++) {
        /* what this process saw of a token and last wrote of it stays with it */
        const lt_token_t *t = &d->tokens[i];
        const lt_token_t *was = ch->tokens ? lt_token_table_find(&prev->tokens, t->digest) : t;
        size_t j = was ? (size_t)(was - prev->data.tokens) : SIZE_MAX;
        int64_t seen = j < prev->data.n_tokens
                           ? __atomic_load_n(&prev->token_seen[j], __ATOMIC_RELAXED)
                           : t->seen_at;
        s->token_seen[i] = seen > t->seen_at ? seen : t->seen_at;
        s->token_written[i] = j < prev->data.n_tokens
                                  ? __atomic_load_n(&prev->token_written[j], __ATOMIC_RELAXED)
                                  : t->seen_at;
    }
    s->gen->bytes = s->gen->arena.total + __atomic_load_n(&prev->gen->bytes, __ATOMIC_RELAXED);
    return s;
}

size_t lt_snapshot_bytes(const lt_snapshot_t *s)
{
    return s->arena.total + __atomic_load_n(&s->gen->bytes, __ATOMIC_RELAXED);
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
    pthread_mutex_destroy(&s->json_lock);
    lt_arena_dispose(&s->arena);
    gen_release(s->gen);
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
