/*
 * stream_sub.c: the edge's subscription to a latch upstream's change stream. Each scope of the
 * startup tokens holds one GET /api/client/streaming (server-sent events) on one thread
 * (libcurl's multi interface). `unleash-connected` and `unleash-updated` are applied to the
 * scope's document with lt_model_apply_delta_doc and handed to lt__edge_scope_take, as a poll
 * would; while a scope's stream is live the poller leaves it alone. The last event id is kept
 * and sent back as Last-Event-ID on reconnection. 60 s without a byte (the upstream sends a
 * heartbeat every 30 s) is a dead connection. 401/403/404/429, or an answer that is not an
 * event stream (an unleash-server: 404), leave the scope to the poller and are tried again
 * later. `event: latch-tokens-changed` re-validates every cached token at once.
 */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../model/delta.h"
#include "../model/model.h"
#include "edge_int.h"

#define SILENCE_MS 60000           /* default: no byte for this long, the connection is dead */
#define REFUSED_RETRY_MS 60000     /* after 401/403/429 */
#define NO_STREAM_RETRY_MS 300000  /* after 404 or not an event stream */
#define MAX_EVENT ((size_t)64 << 20) /* the data of one event */
#define MAX_LINE ((size_t)64 << 20)

typedef struct sub {
    struct sub *next;
    char *key;   /* the scope's */
    char *token; /* a copy of the scope's startup token */
    char path[4096];
    CURL *h;
    struct curl_slist *hs;
    bool active, checked, refused, applied;
    long status;
    lt_buf_t line, data;
    char event[64];
    char id[32];      /* of the event being read */
    char last_id[32]; /* of the last event applied */
    int64_t last_byte_ms, retry_ms;
    int failures;
} sub_t;

static scope_t *scope_by_key(const char *key)
{
    edge_t *E = &lt__edge;
    for (size_t i = 0; i < E->n_scopes; i++)
        if (strcmp(E->scopes[i]->key, key) == 0)
            return E->scopes[i];
    return NULL;
}

/* Rebuild the scope's document from its current one and an event's data (lock held). true
 * when the data was applied (changed or not). */
static bool apply(scope_t *s, const char *data, size_t len, bool *changed)
{
    lt_arena_t a;
    lt_arena_init(&a, 64 * 1024);
    lt_client_doc_t base, out;
    memset(&base, 0, sizeof(base));
    lt_parse_err_t err;
    bool ok = true;
    if (s->doc && lt_model_parse_delta_doc(&a, s->doc, s->doc_len, s->env, &base, &err) != LT_OK)
        memset(&base, 0, sizeof(base)); /* cannot be: it parsed when taken */
    if (lt_model_apply_delta_doc(&a, data, len, s->env, &base, &out, &err) != LT_OK) {
        lt_log_warn("edge: a stream event of %s does not apply (%s %s)", s->env, err.msg,
                    err.where);
        ok = false;
    }
    if (ok) {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        lt_write_opts_t opts = {false, out.segments, out.n_segments, false};
        lt_buf_puts(&b, "{\"version\":2,\"features\":[");
        for (size_t i = 0; i < out.n_features; i++) {
            if (i)
                lt_buf_putc(&b, ',');
            lt_model_write_feature(&b, &out.features[i],
                                   out.features[i].n_envs ? &out.features[i].envs[0] : NULL,
                                   &opts);
        }
        lt_buf_puts(&b, "],\"segments\":[");
        for (size_t i = 0; i < out.n_segments; i++) {
            if (i)
                lt_buf_putc(&b, ',');
            lt_model_write_segment(&b, &out.segments[i]);
        }
        lt_buf_puts(&b, "]}");
        ok = lt_buf_ok(&b);
        /* no ETag: a poll after the stream must fetch the whole document again */
        if (ok)
            *changed |= lt__edge_scope_take(s, &b, "", lt_now_ms());
        lt_buf_dispose(&b);
    }
    lt_arena_dispose(&a);
    return ok;
}

/* One whole event was read (no lock held). */
static void on_event(sub_t *u)
{
    edge_t *E = &lt__edge;
    bool full = strcmp(u->event, "unleash-connected") == 0;
    bool upd = strcmp(u->event, "unleash-updated") == 0;
    pthread_mutex_lock(&E->lock);
    if (strcmp(u->event, "latch-tokens-changed") == 0) {
        lt_log_debug("edge: the upstream's tokens changed: re-validating");
        lt__edge_revalidate_now();
    } else if (full || upd) {
        scope_t *s = scope_by_key(u->key);
        bool changed = false;
        if (s && apply(s, u->data.ptr ? u->data.ptr : "", u->data.len, &changed)) {
            E->stream_events++;
            if (!s->streaming)
                lt_log_info("edge: %s follows the upstream's change stream", s->env);
            s->streaming = true;
            snprintf(u->last_id, sizeof(u->last_id), "%s", u->id);
            u->applied = true;
            u->failures = 0;
        }
        if (changed)
            lt__edge_changed();
    }
    pthread_mutex_unlock(&E->lock);
}

/* One line of the stream, without its end (no lock held). */
static void on_line(sub_t *u, const char *p, size_t n)
{
    if (n == 0) {
        if (u->event[0] || u->data.len)
            on_event(u);
        u->event[0] = '\0';
        u->id[0] = '\0';
        lt_buf_reset(&u->data);
        return;
    }
    if (p[0] == ':')
        return; /* a heartbeat or comment */
    size_t f = 0;
    while (f < n && p[f] != ':')
        f++;
    const char *v = p + f + (f < n);
    size_t vn = f < n ? n - f - 1 : 0;
    if (vn && *v == ' ')
        v++, vn--;
    if (f == 5 && memcmp(p, "event", 5) == 0) {
        snprintf(u->event, sizeof(u->event), "%.*s", (int)(vn < 63 ? vn : 63), v);
    } else if (f == 2 && memcmp(p, "id", 2) == 0) {
        if (vn < sizeof(u->id))
            snprintf(u->id, sizeof(u->id), "%.*s", (int)vn, v);
    } else if (f == 4 && memcmp(p, "data", 4) == 0) {
        if (u->data.len)
            lt_buf_putc(&u->data, '\n');
        lt_buf_append(&u->data, v, vn);
    }
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    sub_t *u = ctx;
    size_t len = size * n;
    u->last_byte_ms = lt_now_ms();
    if (!u->checked) {
        u->checked = true;
        char *ct = NULL;
        curl_easy_getinfo(u->h, CURLINFO_RESPONSE_CODE, &u->status);
        curl_easy_getinfo(u->h, CURLINFO_CONTENT_TYPE, &ct);
        if (u->status != 200 || !ct || strncasecmp(ct, "text/event-stream", 17) != 0) {
            u->refused = true;
            return 0; /* not a stream: the poller keeps the scope */
        }
    }
    for (size_t i = 0; i < len; i++) {
        if (p[i] == '\n') {
            size_t l = u->line.len;
            if (l && u->line.ptr[l - 1] == '\r')
                l--;
            on_line(u, u->line.ptr ? u->line.ptr : "", l);
            lt_buf_reset(&u->line);
        } else {
            lt_buf_putc(&u->line, p[i]);
        }
    }
    if (!lt_buf_ok(&u->line) || !lt_buf_ok(&u->data)) {
        lt_log_warn("edge: a stream event over %zu bytes: reconnecting", MAX_EVENT);
        return 0;
    }
    return len;
}

static void sub_stop(CURLM *m, sub_t *u)
{
    if (u->h) {
        curl_multi_remove_handle(m, u->h);
        curl_easy_cleanup(u->h);
        u->h = NULL;
    }
    curl_slist_free_all(u->hs);
    u->hs = NULL;
    u->active = false;
    lt_buf_dispose(&u->line);
    lt_buf_dispose(&u->data);
}

static void sub_free(CURLM *m, sub_t *u)
{
    sub_stop(m, u);
    free(u->key);
    if (u->token) {
        memset(u->token, 0, strlen(u->token));
        free(u->token);
    }
    free(u);
}

static void sub_start(CURLM *m, sub_t *u, const char *base, int connect_timeout_ms)
{
    u->h = curl_easy_init();
    lt_assert(u->h);
    lt_buf_init(&u->line, MAX_LINE);
    lt_buf_init(&u->data, MAX_EVENT);
    u->event[0] = u->id[0] = '\0';
    u->checked = u->refused = u->applied = false;
    u->status = 0;
    char url[8192], line[4200];
    snprintf(url, sizeof(url), "%s%s", base, u->path);
    snprintf(line, sizeof(line), "Authorization: %s", u->token);
    u->hs = curl_slist_append(u->hs, line);
    u->hs = curl_slist_append(u->hs, "Accept: text/event-stream");
    u->hs = curl_slist_append(u->hs, "Unleash-AppName: latch-edge");
    u->hs = curl_slist_append(u->hs, "Unleash-Client-Spec: 5.2.0");
    if (u->last_id[0]) {
        snprintf(line, sizeof(line), "Last-Event-ID: %s", u->last_id);
        u->hs = curl_slist_append(u->hs, line);
    }
    curl_easy_setopt(u->h, CURLOPT_URL, url);
    curl_easy_setopt(u->h, CURLOPT_HTTPHEADER, u->hs);
    curl_easy_setopt(u->h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(u->h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(u->h, CURLOPT_CONNECTTIMEOUT_MS, (long)connect_timeout_ms);
    curl_easy_setopt(u->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(u->h, CURLOPT_WRITEDATA, u);
    curl_easy_setopt(u->h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(u->h, CURLOPT_PRIVATE, u);
    u->last_byte_ms = lt_now_ms();
    u->active = true;
    curl_multi_add_handle(m, u->h);
}

/* A transfer ended (or was found dead): hand the scope back to the poller and plan the next
 * try (lock held). */
static void sub_ended(CURLM *m, sub_t *u, const char *why)
{
    edge_t *E = &lt__edge;
    long status = u->status;
    bool refused = u->refused, applied = u->applied;
    sub_stop(m, u);
    scope_t *s = scope_by_key(u->key);
    if (s && s->streaming) {
        s->streaming = false;
        s->next_ms = 0; /* poll it now */
        pthread_cond_signal(&E->wake_sync);
    }
    int64_t now = lt_now_ms();
    if (refused && (status == 404 || status == 200)) {
        u->retry_ms = now + NO_STREAM_RETRY_MS;
        lt_log_info("edge: the upstream has no change stream (%s%ld): polling",
                    status == 200 ? "not an event stream, HTTP " : "HTTP ", status);
    } else if (refused) {
        u->retry_ms = now + REFUSED_RETRY_MS;
        lt_log_warn("edge: the upstream refused the change stream (HTTP %ld): polling", status);
    } else {
        if (!applied)
            u->failures++;
        int64_t d = 1000;
        for (int i = 1; i < u->failures && d < 30000; i++)
            d *= 2;
        u->retry_ms = now + (applied ? 500 : d);
        lt_log_info("edge: the change stream ended (%s): reconnecting, polling meanwhile", why);
    }
}

/* Follow the scope list: a subscription per scope, by key (lock held). */
static void reconcile(CURLM *m, sub_t **subs)
{
    edge_t *E = &lt__edge;
    for (sub_t **pp = subs; *pp;) {
        sub_t *u = *pp;
        scope_t *s = scope_by_key(u->key);
        if (!s) {
            *pp = u->next;
            sub_free(m, u);
            continue;
        }
        if (strcmp(u->token, s->token) != 0) { /* SIGHUP gave it another startup token */
            memset(u->token, 0, strlen(u->token));
            free(u->token);
            u->token = lt_xstrdup(s->token);
        }
        pp = &u->next;
    }
    for (size_t i = 0; i < E->n_scopes; i++) {
        scope_t *s = E->scopes[i];
        bool have = false;
        for (sub_t *u = *subs; u && !have; u = u->next)
            have = strcmp(u->key, s->key) == 0;
        if (have)
            continue;
        sub_t *u = lt_xcalloc(1, sizeof(*u));
        u->key = lt_xstrdup(s->key);
        u->token = lt_xstrdup(s->token);
        lt__edge_query_of(s, "/api/client/streaming", u->path, sizeof(u->path));
        u->next = *subs;
        *subs = u;
    }
}

void *lt__edge_stream_main(void *arg)
{
    LT_UNUSED(arg);
    edge_t *E = &lt__edge;
    CURLM *m = curl_multi_init();
    lt_assert(m);
    char *base = lt_xstrdup(E->cfg.upstream_url);
    for (size_t n = strlen(base); n && base[n - 1] == '/'; n--)
        base[n - 1] = '\0';
    sub_t *subs = NULL;
    int64_t silence = E->cfg.stream_silence_ms > 0 ? E->cfg.stream_silence_ms : SILENCE_MS;
    char silence_why[64];
    snprintf(silence_why, sizeof(silence_why), "%lld s of silence", (long long)silence / 1000);
    pthread_mutex_lock(&E->lock);
    while (!E->stop) {
        reconcile(m, &subs);
        int64_t now = lt_now_ms();
        for (sub_t *u = subs; u; u = u->next) {
            if (!u->active && now >= u->retry_ms)
                sub_start(m, u, base, E->cfg.connect_timeout_ms);
            else if (u->active && now - u->last_byte_ms > silence)
                sub_ended(m, u, silence_why);
        }
        pthread_mutex_unlock(&E->lock);
        int running = 0;
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 250, NULL);
        curl_multi_perform(m, &running);
        pthread_mutex_lock(&E->lock);
        for (sub_t *u = subs; u; u = u->next) {
            scope_t *s = u->active && u->applied ? scope_by_key(u->key) : NULL;
            if (s && s->streaming && u->last_byte_ms > s->last_ok_ms)
                s->last_ok_ms = u->last_byte_ms; /* a heartbeat: the upstream is there */
        }
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            sub_t *u = NULL;
            curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&u);
            if (!u)
                continue;
            if (!u->checked)
                curl_easy_getinfo(u->h, CURLINFO_RESPONSE_CODE, &u->status);
            if (!u->checked && u->status && u->status != 200)
                u->refused = true; /* an error without a body */
            sub_ended(m, u, curl_easy_strerror(msg->data.result));
        }
    }
    pthread_mutex_unlock(&E->lock);
    while (subs) {
        sub_t *u = subs;
        subs = u->next;
        sub_free(m, u);
    }
    curl_multi_cleanup(m);
    free(base);
    return NULL;
}
