/*
 * sync.c: the edge's copy of the upstream's flags. The startup tokens' scopes (environment
 * and projects) are polled one by one on /api/client/features with the last ETag (a 304 costs
 * nothing), backing off while the upstream fails; when a document changes, every scope's
 * document is parsed again into one dataset and published as a new snapshot, which the api
 * layer's handlers serve. The seam for a change stream is scope_take: a subscriber would hand
 * it each new document instead of polling.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../model/delta.h"
#include "../state/snapshot.h"
#include "edge_int.h"

#define MAX_BACKOFF_MS 10000

void lt__edge_scope_free(scope_t *s)
{
    if (!s)
        return;
    free(s->key);
    free(s->env);
    for (size_t i = 0; i < s->n_projects; i++)
        free(s->projects[i]);
    free(s->projects);
    if (s->token) {
        memset(s->token, 0, strlen(s->token));
        free(s->token);
    }
    free(s->doc);
    free(s);
}

static int str_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static char *scope_key(const tk_entry_t *e)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "%s\x1f", e->env);
    if (e->all_projects) {
        lt_buf_putc(&b, '*');
    } else {
        char **p = lt_xcalloc(e->n_projects + 1, sizeof(*p));
        memcpy(p, e->projects, e->n_projects * sizeof(*p));
        qsort(p, e->n_projects, sizeof(*p), str_cmp);
        for (size_t i = 0; i < e->n_projects; i++)
            lt_buf_printf(&b, "%s%s", i ? "," : "", p[i]);
        free(p);
    }
    size_t n;
    return lt_buf_take(&b, &n);
}

static scope_t *scope_new(const tk_entry_t *e, char *key, const char *secret)
{
    scope_t *s = lt_xcalloc(1, sizeof(*s));
    s->key = key;
    s->env = lt_xstrdup(e->env);
    s->all = e->all_projects;
    s->projects = lt_xcalloc(e->n_projects + 1, sizeof(*s->projects));
    for (size_t i = 0; i < e->n_projects; i++)
        s->projects[s->n_projects++] = lt_xstrdup(e->projects[i]);
    s->token = lt_xstrdup(secret);
    /* what the backup held for this scope, until the upstream answers */
    edge_t *E = &lt__edge;
    for (size_t i = 0; i < E->n_backup_docs; i++)
        if (E->backup_docs[i].doc && strcmp(E->backup_docs[i].key, key) == 0) {
            s->doc = E->backup_docs[i].doc;
            s->doc_len = E->backup_docs[i].doc_len;
            snprintf(s->etag, sizeof(s->etag), "%s", E->backup_docs[i].etag);
            E->backup_docs[i].doc = NULL;
            s->from_backup = true;
        }
    return s;
}

void lt__edge_scopes_refresh(void)
{
    edge_t *E = &lt__edge;
    scope_t **next = lt_xcalloc(E->n_startup + 1, sizeof(*next));
    size_t n = 0;
    for (size_t i = 0; i < E->n_startup; i++) {
        uint8_t d[32];
        lt_token_digest(lt_str_c(E->startup[i]), d);
        tk_entry_t *e = lt__edge_token_find(d);
        if (!e || e->state != TK_VALID || e->type != LT_TOKEN_CLIENT || !e->env)
            continue;
        char *key = scope_key(e);
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = strcmp(next[k]->key, key) == 0;
        if (dup) {
            free(key);
            continue;
        }
        scope_t *keep = NULL;
        for (size_t k = 0; k < E->n_scopes && !keep; k++)
            if (E->scopes[k] && strcmp(E->scopes[k]->key, key) == 0) {
                keep = E->scopes[k];
                E->scopes[k] = NULL;
            }
        if (keep) {
            free(key);
            free(keep->token);
            keep->token = lt_xstrdup(E->startup[i]);
        } else {
            keep = scope_new(e, key, E->startup[i]);
        }
        next[n++] = keep;
    }
    for (size_t k = 0; k < E->n_scopes; k++)
        lt__edge_scope_free(E->scopes[k]);
    free(E->scopes);
    E->scopes = next;
    E->n_scopes = n;
    E->scopes_dirty = false;
}

/* ---------- building the snapshot ---------- */

typedef struct {
    lt_feature_t *f;
    const char *env;
} fe_t;

static int fe_cmp(const void *a, const void *b)
{
    const fe_t *x = a, *y = b;
    int c = strcmp(x->f->name, y->f->name);
    return c ? c : strcmp(x->env, y->env);
}

static int seg_cmp(const void *a, const void *b)
{
    const lt_segment_t *x = a, *y = b;
    return x->id < y->id ? -1 : x->id > y->id;
}

static uint64_t revision;

/* Call with the lock held or from the sync thread (the only writer of scope documents). */
void lt__edge_publish(void)
{
    edge_t *E = &lt__edge;
    lt_arena_t a;
    lt_arena_init(&a, 64 * 1024);
    size_t cap = 0, n_fe = 0, n_seg = 0, seg_cap = 0;
    fe_t *fes = NULL;
    lt_segment_t *segs = NULL;
    const char **envs = lt_arena_calloc(&a, E->n_scopes + 1, sizeof(*envs));
    size_t n_envs = 0;
    for (size_t i = 0; i < E->n_scopes; i++) {
        scope_t *s = E->scopes[i];
        if (!s->doc)
            continue;
        lt_client_doc_t doc;
        lt_parse_err_t err;
        if (lt_model_parse_delta_doc(&a, s->doc, s->doc_len, lt_arena_strdup(&a, s->env), &doc,
                                     &err) != LT_OK) {
            lt_log_error("edge: the document of %s does not parse: %s", s->env, err.msg);
            continue;
        }
        bool seen = false;
        for (size_t k = 0; k < n_envs && !seen; k++)
            seen = strcmp(envs[k], s->env) == 0;
        if (!seen)
            envs[n_envs++] = lt_arena_strdup(&a, s->env);
        for (size_t k = 0; k < doc.n_features; k++) {
            if (n_fe == cap) {
                cap = cap ? cap * 2 : 256;
                fes = lt_xrealloc(fes, cap * sizeof(*fes));
            }
            fes[n_fe++] = (fe_t){&doc.features[k], doc.features[k].envs[0].environment};
        }
        for (size_t k = 0; k < doc.n_segments; k++) {
            if (n_seg == seg_cap) {
                seg_cap = seg_cap ? seg_cap * 2 : 64;
                segs = lt_xrealloc(segs, seg_cap * sizeof(*segs));
            }
            segs[n_seg++] = doc.segments[k];
        }
    }
    if (n_fe)
        qsort(fes, n_fe, sizeof(*fes), fe_cmp);
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    d.features = lt_arena_calloc(&a, n_fe + 1, sizeof(*d.features));
    for (size_t i = 0; i < n_fe;) {
        size_t j = i + 1;
        while (j < n_fe && strcmp(fes[j].f->name, fes[i].f->name) == 0)
            j++;
        lt_feature_t *f = &d.features[d.n_features++];
        *f = *fes[i].f;
        f->envs = lt_arena_calloc(&a, j - i, sizeof(*f->envs));
        f->n_envs = 0;
        for (size_t k = i; k < j; k++)
            if (k == i || strcmp(fes[k].env, fes[k - 1].env) != 0)
                f->envs[f->n_envs++] = fes[k].f->envs[0];
        i = j;
    }
    if (n_seg)
        qsort(segs, n_seg, sizeof(*segs), seg_cmp);
    d.segments = lt_arena_calloc(&a, n_seg + 1, sizeof(*d.segments));
    for (size_t i = 0; i < n_seg; i++)
        if (i == 0 || segs[i].id != segs[i - 1].id)
            d.segments[d.n_segments++] = segs[i];
    free(fes);
    free(segs);
    d.envs = lt_arena_calloc(&a, n_envs + 1, sizeof(*d.envs));
    for (size_t i = 0; i < n_envs; i++)
        d.envs[d.n_envs++] = (lt_environment_t){envs[i], "production", true, (int)i};
    d.projects = lt_arena_calloc(&a, d.n_features + 1, sizeof(*d.projects));
    for (size_t i = 0; i < d.n_features; i++) {
        bool seen = false;
        for (size_t k = 0; k < d.n_projects && !seen; k++)
            seen = strcmp(d.projects[k].id, d.features[i].project) == 0;
        if (!seen)
            d.projects[d.n_projects++] =
                (lt_project_t){d.features[i].project, d.features[i].project, NULL, "open", 0};
    }
    d.revision = (int64_t)++revision;
    lt_snapshot_publish(lt_snapshot_build(&a, &d));
    lt_log_debug("edge: published %zu flags in %zu environments", d.n_features, d.n_envs);
}

/* ---------- polling ---------- */

static int64_t backoff_ms(int failures, int refresh)
{
    int64_t d = refresh;
    for (int i = 0; i < failures && d < MAX_BACKOFF_MS; i++)
        d *= 2;
    return d < MAX_BACKOFF_MS ? d : (refresh > MAX_BACKOFF_MS ? refresh : MAX_BACKOFF_MS);
}

void lt__edge_query_of(const scope_t *s, const char *path, char *out, size_t cap)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, path);
    for (size_t i = 0; !s->all && i < s->n_projects; i++) {
        lt_buf_puts(&b, i ? "&project=" : "?project=");
        for (const char *p = s->projects[i]; *p; p++) {
            unsigned char c = (unsigned char)*p;
            if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '-' || c == '_' || c == '.' || c == '~')
                lt_buf_putc(&b, (char)c);
            else
                lt_buf_printf(&b, "%%%02X", c);
        }
    }
    snprintf(out, cap, "%s", lt_buf_ok(&b) && b.ptr ? b.ptr : path);
    lt_buf_dispose(&b);
}

/*
 * A scope's document as the upstream has it now (lock held): body (taken over when it differs
 * from what the scope holds) with its ETag, or NULL for "unchanged" (a 304). true when what is
 * served must be rebuilt. The poll below calls it, and so does the change-stream subscriber
 * (stream_sub.c) with each document it rebuilds from the events it is sent.
 */
bool lt__edge_scope_take(scope_t *s, lt_buf_t *body, const char *etag, int64_t now)
{
    bool changed = false;
    if (body && (!s->doc || s->from_backup || s->doc_len != body->len ||
                 memcmp(s->doc, body->ptr, body->len) != 0)) {
        free(s->doc);
        size_t len;
        s->doc = lt_buf_take(body, &len);
        s->doc_len = len;
        changed = true;
    }
    if (body)
        snprintf(s->etag, sizeof(s->etag), "%s", etag);
    if (s->from_backup)
        changed = true; /* the upstream confirmed it: no longer "from the backup" */
    s->from_backup = false;
    s->last_ok_ms = now;
    s->failures = 0;
    return changed;
}

/* Poll one scope (lock held on entry and exit, released during the call). true on a new
 * document. */
static bool poll_scope(lt_upstream_t *u, scope_t *s)
{
    edge_t *E = &lt__edge;
    char *token = lt_xstrdup(s->token);
    char etag[128], path[4096];
    snprintf(etag, sizeof(etag), "%s", s->etag);
    lt__edge_query_of(s, "/api/client/features", path, sizeof(path));
    pthread_mutex_unlock(&E->lock);
    lt_upstream_resp_t r;
    int rc = lt_upstream_get(u, path, token, etag, &r);
    bool parsed = false;
    if (rc == LT_OK && r.status == 200) {
        /* check it parses before taking it: a bad document keeps the last good one */
        lt_arena_t a;
        lt_arena_init(&a, 0);
        lt_client_doc_t doc;
        lt_parse_err_t err;
        parsed = lt_model_parse_delta_doc(&a, r.body.ptr ? r.body.ptr : "", r.body.len, "x", &doc,
                                          &err) == LT_OK;
        lt_arena_dispose(&a);
        if (!parsed)
            snprintf(r.error, sizeof(r.error), "a document that does not parse (%s)", err.msg);
    }
    memset(token, 0, strlen(token));
    free(token);
    pthread_mutex_lock(&E->lock);
    int64_t now = lt_now_ms();
    E->polls++;
    bool changed = false;
    if (s->streaming) { /* its stream came up meanwhile: what it brought is newer */
        lt_buf_dispose(&r.body);
        return false;
    }
    if (rc == LT_OK && (r.status == 304 || (r.status == 200 && parsed))) {
        changed = lt__edge_scope_take(s, r.status == 200 ? &r.body : NULL, r.etag, now);
        s->next_ms = now + E->cfg.refresh_interval_ms;
    } else {
        E->poll_failures++;
        s->failures++;
        if (rc != LT_OK)
            snprintf(E->error, sizeof(E->error), "features (%s): %s", s->env, r.error);
        else if (r.status == 200)
            snprintf(E->error, sizeof(E->error), "features (%s): %s", s->env, r.error);
        else
            snprintf(E->error, sizeof(E->error), "features (%s): HTTP %ld", s->env, r.status);
        if (s->failures == 1 || s->failures % 30 == 0)
            lt_log_warn("edge: upstream %s (serving the last state, retrying)", E->error);
        s->next_ms = now + backoff_ms(s->failures, E->cfg.refresh_interval_ms);
    }
    lt_buf_dispose(&r.body);
    return changed;
}

void lt__edge_poll_all(lt_upstream_t *u, bool only_due)
{
    edge_t *E = &lt__edge;
    bool changed = false;
    for (size_t i = 0; i < E->n_scopes && !E->stop; i++) {
        scope_t *s = E->scopes[i];
        if (s->streaming)
            continue; /* its stream brings its changes */
        if (!only_due || lt_now_ms() >= s->next_ms)
            changed |= poll_scope(u, s);
    }
    if (changed)
        lt__edge_changed();
}

void lt__edge_changed(void)
{
    edge_t *E = &lt__edge;
    E->changes++;
    E->last_change_ms = lt_now_ms();
    E->have_state = true;
    lt__edge_publish();
    pthread_mutex_unlock(&E->lock);
    lt__edge_backup_write();
    pthread_mutex_lock(&E->lock);
}

void *lt__edge_sync_main(void *arg)
{
    LT_UNUSED(arg);
    edge_t *E = &lt__edge;
    lt_upstream_t *u = lt_upstream_new(E->cfg.upstream_url, E->cfg.connect_timeout_ms,
                                       E->cfg.request_timeout_ms);
    pthread_mutex_lock(&E->lock);
    while (!E->stop) {
        if (E->scopes_dirty) {
            lt__edge_scopes_refresh();
            for (size_t i = 0; i < E->n_scopes; i++)
                if (!E->scopes[i]->last_ok_ms)
                    E->scopes[i]->next_ms = 0;
            lt__edge_publish(); /* a scope may have gone */
        }
        lt__edge_poll_all(u, true);
        int64_t next = lt_now_ms() + E->cfg.refresh_interval_ms;
        for (size_t i = 0; i < E->n_scopes; i++)
            if (!E->scopes[i]->streaming && E->scopes[i]->next_ms < next)
                next = E->scopes[i]->next_ms;
        int64_t wait = next - lt_now_ms();
        if (wait <= 0 || E->stop || E->scopes_dirty)
            continue;
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += wait / 1000;
        ts.tv_nsec += (long)(wait % 1000) * 1000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&E->wake_sync, &E->lock, &ts);
    }
    pthread_mutex_unlock(&E->lock);
    lt_upstream_free(u);
    return NULL;
}
