/*
 * edge.c: `latch edge`'s life cycle (start, reload on SIGHUP, stop), the proxy client keys,
 * and what it tells operators (/ready, Prometheus, /internal-backstage); see edge.h.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../state/snapshot.h"
#include "edge_int.h"

edge_t lt__edge = {
    .lock = PTHREAD_MUTEX_INITIALIZER,
    .token_changed = PTHREAD_COND_INITIALIZER,
    .wake_validator = PTHREAD_COND_INITIALIZER,
    .wake_sync = PTHREAD_COND_INITIALIZER,
};

static char **copy_list(const char *const *v, size_t n)
{
    char **out = lt_xcalloc(n + 1, sizeof(*out));
    for (size_t i = 0; i < n; i++)
        out[i] = lt_xstrdup(v[i]);
    return out;
}

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        sodium_memzero(v[i], strlen(v[i]));
        free(v[i]);
    }
    free(v);
}

static void pretrusted_free(pretrusted_t *v, size_t n)
{
    for (size_t i = 0; v && i < n; i++) {
        sodium_memzero(v[i].secret, strlen(v[i].secret));
        free(v[i].secret);
        free(v[i].env);
        free(v[i].project);
    }
    free(v);
}

/* Mark the startup tokens as such (lock held). */
static void mark_startup(void)
{
    edge_t *E = &lt__edge;
    free(E->startup_digest);
    E->startup_digest = lt_xcalloc(E->n_startup + 1, sizeof(*E->startup_digest));
    for (size_t i = 0; i < E->n_startup; i++) {
        tk_entry_t *e = lt__edge_token_add(E->startup[i]);
        e->startup = true;
        memcpy(E->startup_digest[i], e->digest, 32);
    }
}

typedef struct {
    char **keep;
    size_t n;
} startup_set_t;

static void unmark(void *ctx, lt_map_entry_t *me)
{
    startup_set_t *s = ctx;
    tk_entry_t *e = me->value;
    if (!e->startup)
        return;
    bool still = false;
    for (size_t i = 0; i < s->n && !still; i++) {
        uint8_t d[32];
        lt_token_digest(lt_str_c(s->keep[i]), d);
        still = memcmp(d, e->digest, 32) == 0;
    }
    e->startup = still;
}

/* A startup token nobody could validate: its scope from its shape (env, one project or all),
 * as `latch offline` reads tokens, until the upstream answers. */
static void scope_from_shape(tk_entry_t *e, const char *secret)
{
    lt_token_parts_t p = lt_token_parse(lt_str_c(secret));
    if ((p.form != LT_TOKEN_FORM_CLASSIC && p.form != LT_TOKEN_FORM_V2) || !p.environment.len ||
        lt_str_eq_c(p.project, "[]"))
        return;
    e->type = LT_TOKEN_CLIENT;
    e->env = lt_xstrndup(p.environment.ptr, p.environment.len);
    e->projects = lt_xcalloc(2, sizeof(*e->projects));
    if (lt_str_eq_c(p.project, "*"))
        e->all_projects = true;
    else
        e->projects[e->n_projects++] = lt_xstrndup(p.project.ptr, p.project.len);
    e->state = TK_VALID;
    e->unverified = true;
    lt_log_warn("edge: startup token %02x%02x%02x%02x… not validated yet: reading %s from its "
                "shape",
                e->digest[0], e->digest[1], e->digest[2], e->digest[3], e->env);
}

int lt_edge_start(const lt_edge_config_t *cfg, const char *const *tokens, size_t n_tokens,
                  const char *const *client_keys, size_t n_client_keys)
{
    edge_t *E = &lt__edge;
    if (lt_upstream_global_init() != LT_OK) {
        lt_log_error("edge: libcurl failed to initialise");
        return LT_ERR;
    }
    E->cfg = *cfg;
    E->cfg.upstream_url = lt_xstrdup(cfg->upstream_url);
    E->cfg.backup_folder = cfg->backup_folder ? lt_xstrdup(cfg->backup_folder) : NULL;
    E->cfg.client_keys_env = lt_xstrdup(cfg->client_keys_env ? cfg->client_keys_env
                                                             : "development");
    if (!E->cfg.token_cache_max)
        E->cfg.token_cache_max = 10000;
    E->stop = false;
    lt__edge_backup_read();
    pthread_mutex_lock(&E->lock);
    E->startup = copy_list(tokens, n_tokens);
    E->n_startup = n_tokens;
    E->keys = copy_list(client_keys, n_client_keys);
    E->n_keys = n_client_keys;
    E->running = true;
    mark_startup();
    /* a backup record of a startup token stands until the upstream answers */
    lt__edge_validate_pending();
    for (size_t i = 0; i < E->n_startup; i++) {
        uint8_t d[32];
        lt_token_digest(lt_str_c(E->startup[i]), d);
        tk_entry_t *e = lt__edge_token_find(d);
        if (e && (e->state == TK_ERROR || e->state == TK_PENDING))
            scope_from_shape(e, E->startup[i]);
        if (e && e->state == TK_INVALID)
            lt_log_error("edge: startup token %02x%02x%02x%02x… is not valid upstream",
                         e->digest[0], e->digest[1], e->digest[2], e->digest[3]);
    }
    lt__edge_scopes_refresh();
    if (!E->n_scopes) {
        pthread_mutex_unlock(&E->lock);
        lt_log_error("edge: no usable startup token (client tokens the upstream knows, or of "
                     "the shape project:environment.secret while it is unreachable)");
        return LT_EINVAL;
    }
    for (size_t i = 0; i < E->n_scopes; i++)
        if (E->scopes[i]->doc)
            E->have_state = true;
    lt_upstream_t *u = lt_upstream_new(E->cfg.upstream_url, E->cfg.connect_timeout_ms,
                                       E->cfg.request_timeout_ms);
    lt__edge_poll_all(u, false);
    lt_upstream_free(u);
    lt__edge_publish(); /* the backup's state, or an empty one, when the poll brought nothing */
    E->next_revalidation_ms = lt_now_ms() + E->cfg.revalidation_interval_ms;
    pthread_mutex_unlock(&E->lock);
    if (pthread_create(&E->sync_thread, NULL, lt__edge_sync_main, NULL) != 0)
        lt_assert(!"cannot start the sync thread");
    if (pthread_create(&E->validator_thread, NULL, lt__edge_validator_main, NULL) != 0)
        lt_assert(!"cannot start the validator thread");
    if (E->cfg.streaming &&
        pthread_create(&E->stream_thread, NULL, lt__edge_stream_main, NULL) != 0)
        lt_assert(!"cannot start the stream thread");
    E->threads = true;
    lt_log_info("edge: upstream %s, %zu scopes, %s", E->cfg.upstream_url, E->n_scopes,
                E->reachable ? "upstream reachable" : "upstream unreachable: serving the backup");
    return LT_OK;
}

void lt_edge_stop(void)
{
    edge_t *E = &lt__edge;
    pthread_mutex_lock(&E->lock);
    if (!E->running) {
        pthread_mutex_unlock(&E->lock);
        return;
    }
    E->stop = true;
    pthread_cond_broadcast(&E->wake_sync);
    pthread_cond_broadcast(&E->wake_validator);
    pthread_cond_broadcast(&E->token_changed);
    pthread_mutex_unlock(&E->lock);
    if (E->threads) {
        pthread_join(E->sync_thread, NULL);
        pthread_join(E->validator_thread, NULL);
        if (E->cfg.streaming)
            pthread_join(E->stream_thread, NULL);
        E->threads = false;
    }
    pthread_mutex_lock(&E->lock);
    E->running = false;
    for (size_t i = 0; i < E->n_scopes; i++)
        lt__edge_scope_free(E->scopes[i]);
    free(E->scopes);
    E->scopes = NULL;
    E->n_scopes = 0;
    for (size_t i = 0; i < E->n_backup_docs; i++) {
        free(E->backup_docs[i].key);
        free(E->backup_docs[i].etag);
        free(E->backup_docs[i].doc);
    }
    free(E->backup_docs);
    E->backup_docs = NULL;
    E->n_backup_docs = 0;
    lt_map_dispose(&E->tokens, lt__edge_token_free);
    memset(&E->tokens, 0, sizeof(E->tokens));
    free_list(E->startup, E->n_startup);
    free_list(E->keys, E->n_keys);
    pretrusted_free(E->pretrusted, E->n_pretrusted);
    E->pretrusted = NULL;
    E->n_pretrusted = 0;
    free(E->startup_digest);
    E->startup_digest = NULL;
    E->startup = E->keys = NULL;
    E->n_startup = E->n_keys = 0;
    free((char *)(uintptr_t)E->cfg.upstream_url);
    free((char *)(uintptr_t)E->cfg.backup_folder);
    free((char *)(uintptr_t)E->cfg.client_keys_env);
    pthread_mutex_unlock(&E->lock);
}

bool lt_edge_running(void)
{
    pthread_mutex_lock(&lt__edge.lock);
    bool r = lt__edge.running;
    pthread_mutex_unlock(&lt__edge.lock);
    return r;
}

void lt_edge_reload(const char *const *tokens, size_t n_tokens, const char *const *client_keys,
                    size_t n_client_keys)
{
    edge_t *E = &lt__edge;
    pthread_mutex_lock(&E->lock);
    startup_set_t keep = {(char **)(uintptr_t)tokens, n_tokens};
    if (E->tokens.slots)
        lt_map_each(&E->tokens, unmark, &keep);
    free_list(E->startup, E->n_startup);
    free_list(E->keys, E->n_keys);
    E->startup = copy_list(tokens, n_tokens);
    E->n_startup = n_tokens;
    E->keys = copy_list(client_keys, n_client_keys);
    E->n_keys = n_client_keys;
    mark_startup(); /* new ones are PENDING: the validator asks, then the scopes follow */
    E->scopes_dirty = true;
    pthread_cond_signal(&E->wake_validator);
    pthread_cond_signal(&E->wake_sync);
    pthread_mutex_unlock(&E->lock);
    lt_log_info("edge: reloaded %zu startup tokens and %zu client keys", n_tokens, n_client_keys);
}

/* ---------- proxy client keys and pre-trusted tokens ---------- */

/* out: a front-end scope of env, over every project the startup tokens of env read (lock
 * held). */
static void env_scope(lt_arena_t *a, const char *env, const char *name, lt_token_t *out)
{
    edge_t *E = &lt__edge;
    memset(out, 0, sizeof(*out));
    out->name = name;
    out->display = name;
    out->type = LT_TOKEN_FRONTEND;
    out->environment = lt_arena_strdup(a, env);
    size_t cap = 0;
    for (size_t i = 0; i < E->n_scopes; i++)
        cap += E->scopes[i]->n_projects;
    out->projects = lt_arena_calloc(a, cap + 1, sizeof(*out->projects));
    for (size_t i = 0; i < E->n_scopes; i++) {
        const scope_t *s = E->scopes[i];
        if (strcmp(s->env, env) != 0)
            continue;
        if (s->all)
            out->all_projects = true;
        for (size_t k = 0; k < s->n_projects; k++)
            out->projects[out->n_projects++] = lt_arena_strdup(a, s->projects[k]);
    }
}

/* Narrow out (from env_scope) to one project: kept only when the startup scopes read it. */
static void narrow_to(lt_arena_t *a, const char *project, lt_token_t *out)
{
    bool in = out->all_projects;
    for (size_t i = 0; i < out->n_projects && !in; i++)
        in = strcmp(out->projects[i], project) == 0;
    out->all_projects = false;
    out->n_projects = 0;
    if (in)
        out->projects[out->n_projects++] = lt_arena_strdup(a, project);
}

static bool secret_eq(const char *want, lt_str_t presented)
{
    size_t n = strlen(want);
    return n == presented.len && sodium_memcmp(want, presented.ptr, n) == 0;
}

bool lt_edge_client_key(lt_str_t presented, lt_arena_t *a, lt_token_t *out)
{
    edge_t *E = &lt__edge;
    if (!presented.ptr)
        return false;
    pthread_mutex_lock(&E->lock);
    bool key = false;
    for (size_t i = 0; i < E->n_keys; i++)
        key |= secret_eq(E->keys[i], presented);
    const pretrusted_t *pt = NULL;
    for (size_t i = 0; i < E->n_pretrusted; i++)
        if (secret_eq(E->pretrusted[i].secret, presented))
            pt = &E->pretrusted[i];
    if (key)
        env_scope(a, E->cfg.client_keys_env, "client-key", out);
    else if (pt) {
        env_scope(a, pt->env, "pretrusted", out);
        if (pt->project)
            narrow_to(a, pt->project, out);
    }
    pthread_mutex_unlock(&E->lock);
    return key || pt;
}

void lt_edge_set_pretrusted(const char *const *tokens, size_t n)
{
    edge_t *E = &lt__edge;
    pretrusted_t *v = lt_xcalloc(n + 1, sizeof(*v));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        const char *t = tokens[i], *at = strrchr(t, '@');
        lt_token_parts_t p = lt_token_parse(lt_str_c(t));
        if (at && at > t && at[1]) { /* secret@environment, as the Unleash Proxy's keys */
            v[k].secret = lt_xstrndup(t, (size_t)(at - t));
            v[k].env = lt_xstrdup(at + 1);
        } else if ((p.form == LT_TOKEN_FORM_CLASSIC || p.form == LT_TOKEN_FORM_V2) &&
                   p.environment.len && !lt_str_eq_c(p.project, "[]")) {
            v[k].secret = lt_xstrdup(t);
            v[k].env = lt_xstrndup(p.environment.ptr, p.environment.len);
            if (!lt_str_eq_c(p.project, "*"))
                v[k].project = lt_xstrndup(p.project.ptr, p.project.len);
        } else {
            lt_log_warn("edge: pre-trusted token %zu is neither project:environment.secret nor "
                        "secret@environment: ignored",
                        i + 1);
            continue;
        }
        k++;
    }
    pthread_mutex_lock(&E->lock);
    pretrusted_t *old = E->pretrusted;
    size_t n_old = E->n_pretrusted;
    E->pretrusted = v;
    E->n_pretrusted = k;
    pthread_mutex_unlock(&E->lock);
    pretrusted_free(old, n_old);
    if (k)
        lt_log_info("edge: %zu pre-trusted front-end tokens", k);
}

/* ---------- status ---------- */

typedef struct {
    size_t valid, invalid, pending;
} counts_t;

static void count(void *ctx, lt_map_entry_t *me)
{
    counts_t *c = ctx;
    const tk_entry_t *e = me->value;
    if (e->state == TK_VALID)
        c->valid++;
    else if (e->state == TK_PENDING)
        c->pending++;
    else
        c->invalid++;
}

void lt_edge_status(lt_edge_status_t *out)
{
    edge_t *E = &lt__edge;
    memset(out, 0, sizeof(*out));
    pthread_mutex_lock(&E->lock);
    out->have_state = E->have_state;
    out->upstream_ok = E->n_scopes > 0;
    out->oldest_sync_ms = INT64_MAX;
    for (size_t i = 0; i < E->n_scopes; i++) {
        const scope_t *s = E->scopes[i];
        if (s->failures)
            out->upstream_ok = false;
        if (s->from_backup)
            out->from_backup = true;
        out->n_streaming += s->streaming;
        if (s->last_ok_ms > out->last_sync_ms)
            out->last_sync_ms = s->last_ok_ms;
        if (s->last_ok_ms < out->oldest_sync_ms)
            out->oldest_sync_ms = s->last_ok_ms;
    }
    if (out->oldest_sync_ms == INT64_MAX)
        out->oldest_sync_ms = 0;
    out->last_change_ms = E->last_change_ms;
    out->polls = E->polls;
    out->poll_failures = E->poll_failures;
    out->changes = E->changes;
    out->stream_events = E->stream_events;
    out->n_scopes = E->n_scopes;
    counts_t c = {0, 0, 0};
    if (E->tokens.slots)
        lt_map_each(&E->tokens, count, &c);
    out->tokens_valid = c.valid;
    out->tokens_invalid = c.invalid;
    out->tokens_pending = c.pending;
    out->validations = E->validations;
    out->validation_failures = E->validation_failures;
    out->usage_forwarded = E->usage_forwarded;
    out->usage_forward_failures = E->usage_forward_failures;
    snprintf(out->error, sizeof(out->error), "%s", out->upstream_ok ? "" : E->error);
    pthread_mutex_unlock(&E->lock);
}

void lt_edge_metrics_write(lt_buf_t *b)
{
    if (!lt_edge_running())
        return;
    lt_edge_status_t s;
    lt_edge_status(&s);
    int64_t now = lt_now_ms();
    double lag = s.oldest_sync_ms ? (double)(now - s.oldest_sync_ms) / 1000.0 : -1;
    lt_buf_printf(
        b,
        "# HELP latch_edge_upstream_up 1 when the last poll of every scope got an answer.\n"
        "# TYPE latch_edge_upstream_up gauge\n"
        "latch_edge_upstream_up %d\n"
        "# HELP latch_edge_upstream_lag_seconds Age of the oldest scope's last successful sync "
        "(-1: a scope never synced).\n"
        "# TYPE latch_edge_upstream_lag_seconds gauge\n"
        "latch_edge_upstream_lag_seconds %.3f\n"
        "# HELP latch_edge_last_sync_timestamp_seconds When a scope last synced.\n"
        "# TYPE latch_edge_last_sync_timestamp_seconds gauge\n"
        "latch_edge_last_sync_timestamp_seconds %.3f\n"
        "# HELP latch_edge_last_change_timestamp_seconds When the served flags last changed.\n"
        "# TYPE latch_edge_last_change_timestamp_seconds gauge\n"
        "latch_edge_last_change_timestamp_seconds %.3f\n"
        "# HELP latch_edge_serving_backup 1 while what is served came from the backup folder.\n"
        "# TYPE latch_edge_serving_backup gauge\n"
        "latch_edge_serving_backup %d\n"
        "# HELP latch_edge_scopes Scopes (environment and projects) polled.\n"
        "# TYPE latch_edge_scopes gauge\n"
        "latch_edge_scopes %zu\n"
        "# HELP latch_edge_polls_total Polls of the upstream's client features.\n"
        "# TYPE latch_edge_polls_total counter\n"
        "latch_edge_polls_total %llu\n"
        "# HELP latch_edge_poll_failures_total Polls that got no usable answer.\n"
        "# TYPE latch_edge_poll_failures_total counter\n"
        "latch_edge_poll_failures_total %llu\n"
        "# HELP latch_edge_token_cache Tokens in the validation cache, by state.\n"
        "# TYPE latch_edge_token_cache gauge\n"
        "latch_edge_token_cache{state=\"valid\"} %zu\n"
        "latch_edge_token_cache{state=\"invalid\"} %zu\n"
        "latch_edge_token_cache{state=\"pending\"} %zu\n"
        "# HELP latch_edge_validations_total Calls to the upstream's /edge/validate.\n"
        "# TYPE latch_edge_validations_total counter\n"
        "latch_edge_validations_total %llu\n"
        "# HELP latch_edge_validation_failures_total Validation calls that got no answer.\n"
        "# TYPE latch_edge_validation_failures_total counter\n"
        "latch_edge_validation_failures_total %llu\n"
        "# HELP latch_edge_usage_posts_total Bulk usage posts the upstream took.\n"
        "# TYPE latch_edge_usage_posts_total counter\n"
        "latch_edge_usage_posts_total %llu\n"
        "# HELP latch_edge_usage_post_failures_total Bulk usage posts kept for a retry.\n"
        "# TYPE latch_edge_usage_post_failures_total counter\n"
        "latch_edge_usage_post_failures_total %llu\n",
        s.upstream_ok ? 1 : 0, lag, (double)s.last_sync_ms / 1000.0,
        (double)s.last_change_ms / 1000.0, s.from_backup ? 1 : 0, s.n_scopes,
        (unsigned long long)s.polls, (unsigned long long)s.poll_failures, s.tokens_valid,
        s.tokens_invalid, s.tokens_pending, (unsigned long long)s.validations,
        (unsigned long long)s.validation_failures, (unsigned long long)s.usage_forwarded,
        (unsigned long long)s.usage_forward_failures);
    lt_buf_printf(b,
                  "# HELP latch_edge_scopes_streaming Scopes following the upstream's change "
                  "stream (not polled).\n"
                  "# TYPE latch_edge_scopes_streaming gauge\n"
                  "latch_edge_scopes_streaming %zu\n"
                  "# HELP latch_edge_stream_events_total Change-stream events applied.\n"
                  "# TYPE latch_edge_stream_events_total counter\n"
                  "latch_edge_stream_events_total %llu\n",
                  s.n_streaming, (unsigned long long)s.stream_events);
}

static const char *state_name(tk_state_t s)
{
    switch (s) {
    case TK_VALID:
        return "validated";
    case TK_INVALID:
        return "invalid";
    case TK_PENDING:
        return "pending";
    case TK_ERROR:
        return "unknown";
    }
    return "unknown";
}

static void token_json(void *ctx, lt_map_entry_t *me)
{
    lt_buf_t *b = ctx;
    const tk_entry_t *e = me->value;
    char hex[65];
    lt_hex(e->digest, 32, hex);
    hex[12] = '\0';
    if (b->ptr[b->len - 1] == '}')
        lt_buf_putc(b, ',');
    lt_buf_puts(b, "{\"digest\":");
    lt_json_cstr(b, hex);
    lt_buf_puts(b, ",\"status\":");
    lt_json_cstr(b, state_name(e->state));
    lt_buf_puts(b, ",\"tokenType\":");
    lt_json_cstr_or_null(b, e->env ? lt_token_type_name(e->type) : NULL);
    lt_buf_puts(b, ",\"environment\":");
    lt_json_cstr_or_null(b, e->env);
    lt_buf_puts(b, ",\"projects\":[");
    if (e->all_projects)
        lt_buf_puts(b, "\"*\"");
    for (size_t i = 0; i < e->n_projects; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, e->projects[i]);
    }
    lt_buf_puts(b, "],\"startup\":");
    lt_json_bool(b, e->startup);
    lt_buf_puts(b, ",\"fromBackup\":");
    lt_json_bool(b, e->unverified);
    lt_buf_puts(b, ",\"lastChecked\":");
    if (e->checked_ms)
        lt_json_time(b, e->checked_ms);
    else
        lt_buf_puts(b, "null");
    lt_buf_putc(b, '}');
}

void lt_edge_tokens_json(lt_buf_t *b)
{
    edge_t *E = &lt__edge;
    lt_buf_puts(b, "{\"tokens\":[");
    pthread_mutex_lock(&E->lock);
    if (E->tokens.slots)
        lt_map_each(&E->tokens, token_json, b);
    pthread_mutex_unlock(&E->lock);
    lt_buf_puts(b, "]}");
}

void lt_edge_features_json(lt_buf_t *b)
{
    edge_t *E = &lt__edge;
    lt_buf_putc(b, '{');
    pthread_mutex_lock(&E->lock);
    bool first = true;
    for (size_t i = 0; i < E->n_scopes; i++) {
        const scope_t *s = E->scopes[i];
        if (!s->doc)
            continue;
        if (!first)
            lt_buf_putc(b, ',');
        first = false;
        char key[1024];
        snprintf(key, sizeof(key), "%s", s->key);
        char *sep = strchr(key, '\x1f');
        if (sep)
            *sep = ':';
        lt_json_cstr(b, key);
        lt_buf_putc(b, ':');
        lt_buf_append(b, s->doc, s->doc_len);
    }
    pthread_mutex_unlock(&E->lock);
    lt_buf_putc(b, '}');
}
