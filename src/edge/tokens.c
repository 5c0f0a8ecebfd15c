/*
 * tokens.c: the edge's token cache. A token an SDK presents is asked about upstream
 * (POST /edge/validate, every waiting token in one call), remembered positive or negative,
 * and every remembered one with a known secret is asked about again every revalidation
 * interval, so a token revoked upstream is refused here within that interval. The cache is
 * bounded: past its size the least recently used entries go (startup tokens never).
 */
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../model/model_json.h"
#include "edge_int.h"

#define VALIDATE_BATCH 1000
#define WAIT_MS 8000        /* how long a request waits for a first answer at most */
#define ERROR_RETRY_MS 1000 /* an unanswered token is asked about again after this */
#define MAX_ORIGINS 32      /* a front-end token's own CORS origins, as latch bounds them */

static void free_origins(tk_entry_t *e)
{
    for (size_t i = 0; i < e->n_origins; i++)
        free(e->origins[i]);
    free(e->origins);
    e->origins = NULL;
    e->n_origins = 0;
}

tk_entry_t *lt__edge_token_find(const uint8_t digest[32])
{
    return lt__edge.tokens.slots ? lt_map_get(&lt__edge.tokens, (const char *)digest, 32) : NULL;
}

void lt__edge_token_free(void *p)
{
    tk_entry_t *e = p;
    if (!e)
        return;
    if (e->secret) {
        sodium_memzero(e->secret, strlen(e->secret));
        free(e->secret);
    }
    free(e->env);
    for (size_t i = 0; i < e->n_projects; i++)
        free(e->projects[i]);
    free(e->projects);
    free_origins(e);
    free(e);
}

typedef struct {
    tk_entry_t **v;
    size_t n;
} entry_list_t;

static void collect(void *ctx, lt_map_entry_t *me)
{
    entry_list_t *l = ctx;
    l->v[l->n++] = me->value;
}

typedef struct {
    lt_str_t origin;
    bool found;
} origin_q_t;

static void origin_match(void *ctx, lt_map_entry_t *me)
{
    origin_q_t *q = ctx;
    const tk_entry_t *e = me->value;
    if (q->found || e->state != TK_VALID || e->type != LT_TOKEN_FRONTEND)
        return;
    for (size_t i = 0; i < e->n_origins && !q->found; i++)
        q->found = strcmp(e->origins[i], "*") == 0 || lt_str_eq_c(q->origin, e->origins[i]);
}

bool lt_edge_origin_known(lt_str_t origin)
{
    edge_t *E = &lt__edge;
    origin_q_t q = {origin, false};
    pthread_mutex_lock(&E->lock);
    if (E->running && E->tokens.slots)
        lt_map_each(&E->tokens, origin_match, &q);
    pthread_mutex_unlock(&E->lock);
    return q.found;
}

/* Keep startup and pending entries, then the most recently used valid ones. */
static int evict_cmp(const void *a, const void *b)
{
    const tk_entry_t *x = *(tk_entry_t *const *)a, *y = *(tk_entry_t *const *)b;
    int px = x->startup || x->state == TK_PENDING ? 0 : x->state == TK_VALID ? 1 : 2;
    int py = y->startup || y->state == TK_PENDING ? 0 : y->state == TK_VALID ? 1 : 2;
    if (px != py)
        return px - py;
    return x->used_ms > y->used_ms ? -1 : x->used_ms < y->used_ms;
}

static void evict(void)
{
    edge_t *E = &lt__edge;
    entry_list_t l = {lt_xcalloc(E->tokens.count + 1, sizeof(*l.v)), 0};
    lt_map_each(&E->tokens, collect, &l);
    qsort(l.v, l.n, sizeof(*l.v), evict_cmp);
    size_t keep = E->cfg.token_cache_max * 3 / 4;
    lt_map_t fresh;
    lt_map_init(&fresh);
    for (size_t i = 0; i < l.n; i++) {
        tk_entry_t *e = l.v[i];
        if (i < keep || e->startup || e->state == TK_PENDING) {
            bool created;
            lt_map_upsert(&fresh, (const char *)e->digest, 32, &created)->value = e;
        } else {
            lt__edge_token_free(e);
        }
    }
    lt_map_dispose(&E->tokens, NULL);
    E->tokens = fresh;
    free(l.v);
    lt_log_debug("edge: token cache full, kept %zu of %zu", E->tokens.count, l.n);
}

tk_entry_t *lt__edge_token_add(const char *secret)
{
    edge_t *E = &lt__edge;
    uint8_t d[32];
    lt_token_digest(lt_str_c(secret), d);
    tk_entry_t *e = lt__edge_token_find(d);
    if (e) {
        if (!e->secret)
            e->secret = lt_xstrdup(secret);
        return e;
    }
    if (!E->tokens.slots)
        lt_map_init(&E->tokens);
    if (E->tokens.count >= E->cfg.token_cache_max)
        evict();
    e = lt_xcalloc(1, sizeof(*e));
    memcpy(e->digest, d, 32);
    e->secret = lt_xstrdup(secret);
    e->state = TK_PENDING;
    bool created;
    lt_map_upsert(&E->tokens, (const char *)d, 32, &created)->value = e;
    return e;
}

static bool has_project(char *const *list, size_t n, const char *p)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], p) == 0)
            return true;
    return false;
}

bool lt__edge_in_scope(lt_token_type_t type, const char *env, char *const *projects,
                       size_t n_projects, bool all)
{
    edge_t *E = &lt__edge;
    if ((type != LT_TOKEN_CLIENT && type != LT_TOKEN_FRONTEND) || !env)
        return false;
    for (size_t k = 0; k < E->n_startup; k++) {
        const tk_entry_t *s = lt__edge_token_find(E->startup_digest[k]);
        if (!s || !s->startup || s->state != TK_VALID || s->type != LT_TOKEN_CLIENT || !s->env ||
            strcmp(s->env, env) != 0)
            continue;
        if (s->all_projects)
            return true;
        if (all)
            continue;
        size_t i = 0;
        while (i < n_projects && has_project(s->projects, s->n_projects, projects[i]))
            i++;
        if (i == n_projects)
            return true;
    }
    return false;
}

/* Fill out from a valid entry, strings in a. */
static void fill(const tk_entry_t *e, lt_arena_t *a, lt_token_t *out)
{
    memset(out, 0, sizeof(*out));
    memcpy(out->digest, e->digest, 32);
    out->name = "edge";
    out->type = e->type;
    out->environment = lt_arena_strdup(a, e->env);
    out->all_projects = e->all_projects;
    out->n_projects = e->n_projects;
    out->projects = lt_arena_calloc(a, e->n_projects + 1, sizeof(*out->projects));
    for (size_t i = 0; i < e->n_projects; i++)
        out->projects[i] = lt_arena_strdup(a, e->projects[i]);
    out->origins = lt_arena_calloc(a, e->n_origins + 1, sizeof(*out->origins));
    out->n_origins = e->n_origins;
    for (size_t i = 0; i < e->n_origins; i++)
        out->origins[i] = lt_arena_strdup(a, e->origins[i]);
    out->display = "edge";
}

static void deadline(struct timespec *ts, int64_t ms)
{
    clock_gettime(CLOCK_REALTIME, ts);
    ts->tv_sec += ms / 1000;
    ts->tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts->tv_nsec >= 1000000000L) {
        ts->tv_sec++;
        ts->tv_nsec -= 1000000000L;
    }
}

bool lt_edge_token_lookup(lt_str_t secret, lt_arena_t *a, lt_token_t *out)
{
    edge_t *E = &lt__edge;
    if (!secret.ptr || secret.len == 0 || secret.len > 4000 || memchr(secret.ptr, '\0', secret.len))
        return false;
    lt_token_form_t form = lt_token_parse(secret).form;
    if (form != LT_TOKEN_FORM_CLASSIC && form != LT_TOKEN_FORM_V2 && form != LT_TOKEN_FORM_LEGACY)
        return false; /* no API token has another shape: not worth asking the upstream */
    uint8_t d[32];
    lt_token_digest(secret, d);
    bool ok = false;
    char *s = NULL;
    pthread_mutex_lock(&E->lock);
    if (!E->running)
        goto out;
    int64_t now = lt_now_ms();
    tk_entry_t *e = lt__edge_token_find(d);
    if (!e || !e->secret) {
        s = lt_xstrndup(secret.ptr, secret.len);
        e = lt__edge_token_add(s); /* new, or restored from the backup without its secret */
    }
    e->used_ms = now;
    bool ask = false;
    if (e->state == TK_VALID && e->unverified && E->reachable)
        ask = true; /* from the backup: confirm it while the upstream answers */
    else if (e->state == TK_INVALID &&
             now - e->checked_ms >= E->cfg.revalidation_interval_ms)
        ask = true;
    else if (e->state == TK_ERROR && now - e->checked_ms >= ERROR_RETRY_MS)
        ask = true;
    else if (e->state == TK_PENDING)
        ask = true;
    if (ask) {
        e->state = TK_PENDING;
        pthread_cond_signal(&E->wake_validator);
        struct timespec ts;
        deadline(&ts, WAIT_MS);
        while (!E->stop && (e = lt__edge_token_find(d)) && e->state == TK_PENDING)
            if (pthread_cond_timedwait(&E->token_changed, &E->lock, &ts) != 0)
                break;
        e = lt__edge_token_find(d);
    }
    if (e && e->state == TK_VALID &&
        lt__edge_in_scope(e->type, e->env, e->projects, e->n_projects, e->all_projects)) {
        fill(e, a, out);
        ok = true;
    }
out:
    pthread_mutex_unlock(&E->lock);
    if (s) {
        sodium_memzero(s, secret.len);
        free(s);
    }
    return ok;
}

bool lt_edge_token_by_digest(const uint8_t digest[32], lt_arena_t *a, lt_token_t *out)
{
    edge_t *E = &lt__edge;
    pthread_mutex_lock(&E->lock);
    tk_entry_t *e = E->running ? lt__edge_token_find(digest) : NULL;
    bool ok = e && e->state == TK_VALID &&
              lt__edge_in_scope(e->type, e->env, e->projects, e->n_projects, e->all_projects);
    if (ok)
        fill(e, a, out);
    pthread_mutex_unlock(&E->lock);
    return ok;
}

/* ---------- the validator ---------- */

typedef struct {
    uint8_t digest[32];
    char *secret;
} ask_t;

typedef struct {
    ask_t *v;
    size_t n, cap;
    bool revalidate;
} ask_list_t;

static void collect_ask(void *ctx, lt_map_entry_t *me)
{
    ask_list_t *l = ctx;
    tk_entry_t *e = me->value;
    if (!e->secret)
        return;
    if (e->state != TK_PENDING && !(l->revalidate && (e->state == TK_VALID || e->startup)))
        return;
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->v = lt_xrealloc(l->v, l->cap * sizeof(*l->v));
    }
    memcpy(l->v[l->n].digest, e->digest, 32);
    l->v[l->n++].secret = lt_xstrdup(e->secret);
}

static void set_scope(tk_entry_t *e, const cJSON *t)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(t, "type");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(t, "environment");
    const cJSON *projects = cJSON_GetObjectItemCaseSensitive(t, "projects");
    lt_token_type_t ty = LT_TOKEN_ADMIN;
    if (!cJSON_IsString(type) || lt_token_type_parse(type->valuestring, &ty) != LT_OK)
        ty = LT_TOKEN_ADMIN; /* refused below */
    free(e->env);
    for (size_t i = 0; i < e->n_projects; i++)
        free(e->projects[i]);
    free(e->projects);
    e->type = ty;
    e->env = lt_xstrdup(cJSON_IsString(env) ? env->valuestring : "");
    e->projects = NULL;
    e->n_projects = 0;
    e->all_projects = false;
    size_t n = cJSON_IsArray(projects) ? (size_t)cJSON_GetArraySize(projects) : 0;
    e->projects = lt_xcalloc(n + 1, sizeof(*e->projects));
    const cJSON *it;
    cJSON_ArrayForEach(it, projects)
    {
        if (!cJSON_IsString(it))
            continue;
        if (strcmp(it->valuestring, "*") == 0)
            e->all_projects = true;
        else
            e->projects[e->n_projects++] = lt_xstrdup(it->valuestring);
    }
    if (e->all_projects) {
        for (size_t i = 0; i < e->n_projects; i++)
            free(e->projects[i]);
        e->n_projects = 0;
    }
    /* a front-end token's own origins (latch upstreams send them; others do not) */
    free_origins(e);
    const cJSON *origins = cJSON_GetObjectItemCaseSensitive(t, "allowedOrigins");
    size_t no = cJSON_IsArray(origins) ? (size_t)cJSON_GetArraySize(origins) : 0;
    if (ty != LT_TOKEN_FRONTEND || no > MAX_ORIGINS)
        no = 0;
    e->origins = lt_xcalloc(no + 1, sizeof(*e->origins));
    cJSON_ArrayForEach(it, origins)
    {
        if (e->n_origins < no && cJSON_IsString(it) && strlen(it->valuestring) < 256)
            e->origins[e->n_origins++] = lt_xstrdup(it->valuestring);
    }
}

/* Ask about one batch (lock held on entry and exit, released during the call). */
static void ask_batch(lt_upstream_t *u, ask_t *v, size_t n)
{
    edge_t *E = &lt__edge;
    pthread_mutex_unlock(&E->lock);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"tokens\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, v[i].secret);
    }
    lt_buf_puts(&b, "]}");
    lt_upstream_resp_t r;
    /* no Authorization: /edge/validate is public on Unleash and latch, and unleash-server 8.2
     * refuses a client token there (403, "expected a different token type") */
    int rc = lt_upstream_post(u, "/edge/validate", NULL, b.ptr, b.len, &r);
    sodium_memzero(b.ptr, b.len);
    lt_buf_dispose(&b);
    cJSON *j = rc == LT_OK && r.status == 200 ? lt_json_parse(r.body.ptr, r.body.len) : NULL;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(j, "tokens");
    pthread_mutex_lock(&E->lock);
    int64_t now = lt_now_ms();
    E->validations++;
    bool changed = false, revoked = false;
    if (!cJSON_IsArray(list)) {
        E->validation_failures++;
        E->reachable = false;
        if (rc != LT_OK)
            snprintf(E->error, sizeof(E->error), "validate: %s", r.error);
        else
            snprintf(E->error, sizeof(E->error), "validate: HTTP %ld", r.status);
        lt_log_warn("edge: %s (%zu tokens keep their last state)", E->error, n);
        for (size_t i = 0; i < n; i++) {
            tk_entry_t *e = lt__edge_token_find(v[i].digest);
            if (e && e->state == TK_PENDING) {
                e->state = TK_ERROR;
                e->checked_ms = now;
            }
        }
    } else {
        E->reachable = true;
        for (size_t i = 0; i < n; i++) {
            tk_entry_t *e = lt__edge_token_find(v[i].digest);
            if (!e)
                continue;
            const cJSON *it, *found = NULL;
            cJSON_ArrayForEach(it, list)
            {
                const cJSON *tok = cJSON_GetObjectItemCaseSensitive(it, "token");
                if (cJSON_IsString(tok) && strcmp(tok->valuestring, v[i].secret) == 0)
                    found = it;
            }
            tk_state_t was = e->state;
            if (found) {
                set_scope(e, found);
                e->state = TK_VALID;
            } else {
                e->state = TK_INVALID;
            }
            if (was != e->state || e->unverified)
                changed = true;
            revoked |= was == TK_VALID && e->state == TK_INVALID;
            if (was == TK_VALID && e->state == TK_INVALID)
                lt_log_info("edge: token %02x%02x%02x%02x… no longer valid upstream", e->digest[0],
                            e->digest[1], e->digest[2], e->digest[3]);
            if (e->startup && (was != e->state || e->unverified))
                E->scopes_dirty = true;
            e->unverified = false;
            e->checked_ms = now;
        }
    }
    cJSON_Delete(j);
    lt_buf_dispose(&r.body);
    pthread_cond_broadcast(&E->token_changed);
    if (E->scopes_dirty)
        pthread_cond_signal(&E->wake_sync);
    if (revoked)
        lt__edge_publish(); /* the downstream streams look their tokens up again */
    if (changed) {
        pthread_mutex_unlock(&E->lock);
        lt__edge_backup_write();
        if (revoked && E->cfg.tokens_changed)
            E->cfg.tokens_changed(); /* edges in front of this one re-validate too */
        pthread_mutex_lock(&E->lock);
    }
}

static void validate(lt_upstream_t *u, bool revalidate)
{
    edge_t *E = &lt__edge;
    ask_list_t l = {NULL, 0, 0, revalidate};
    if (E->tokens.slots)
        lt_map_each(&E->tokens, collect_ask, &l);
    for (size_t i = 0; i < l.n; i += VALIDATE_BATCH)
        ask_batch(u, l.v + i, l.n - i < VALIDATE_BATCH ? l.n - i : VALIDATE_BATCH);
    for (size_t i = 0; i < l.n; i++) {
        sodium_memzero(l.v[i].secret, strlen(l.v[i].secret));
        free(l.v[i].secret);
    }
    free(l.v);
}

typedef struct {
    bool any;
} pending_t;

static void find_pending(void *ctx, lt_map_entry_t *me)
{
    tk_entry_t *e = me->value;
    if (e->state == TK_PENDING && e->secret)
        ((pending_t *)ctx)->any = true;
}

static bool any_pending(void)
{
    pending_t p = {false};
    if (lt__edge.tokens.slots)
        lt_map_each(&lt__edge.tokens, find_pending, &p);
    return p.any;
}

void lt__edge_validate_pending(void)
{
    edge_t *E = &lt__edge;
    lt_upstream_t *u = lt_upstream_new(E->cfg.upstream_url, E->cfg.connect_timeout_ms,
                                       E->cfg.request_timeout_ms);
    validate(u, true); /* at start only the startup tokens have secrets */
    lt_upstream_free(u);
}

void lt__edge_revalidate_now(void)
{
    lt__edge.next_revalidation_ms = 0;
    pthread_cond_signal(&lt__edge.wake_validator);
}

void *lt__edge_validator_main(void *arg)
{
    LT_UNUSED(arg);
    edge_t *E = &lt__edge;
    lt_upstream_t *u = lt_upstream_new(E->cfg.upstream_url, E->cfg.connect_timeout_ms,
                                       E->cfg.request_timeout_ms);
    pthread_mutex_lock(&E->lock);
    while (!E->stop) {
        int64_t now = lt_now_ms();
        bool reval = now >= E->next_revalidation_ms;
        if (reval)
            E->next_revalidation_ms = now + E->cfg.revalidation_interval_ms;
        if (reval || any_pending()) {
            validate(u, reval);
            continue;
        }
        struct timespec ts;
        deadline(&ts, E->next_revalidation_ms - now);
        pthread_cond_timedwait(&E->wake_validator, &E->lock, &ts);
    }
    pthread_mutex_unlock(&E->lock);
    lt_upstream_free(u);
    return NULL;
}
