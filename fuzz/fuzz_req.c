/*
 * fuzz_req.c: the HTTP layer of src/http/http.h without libmicrohttpd, for the fuzz targets
 * (see fuzz.h). A request is a struct filled from the fuzzer's bytes; the query string is
 * split and %-decoded as libmicrohttpd does it; a reply is checked (one per request, JSON that
 * parses) and dropped.
 */
#include "fuzz.h"

#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../src/base/log.h"
#include "../src/base/util.h"
#include "../src/edge/offline.h"
#include "../src/eval/eval.h"
#include "../src/state/snapshot.h"

#define MAX_ARGS 256
#define MAX_HEADERS 8
#define MAX_REPLY_HEADERS 16
#define MAX_DONE 4

struct lt_req {
    lt_arena_t arena;
    lt_method_t method;
    const char *path;
    lt_snapshot_t *snap;
    const char *hname[MAX_HEADERS];
    lt_str_t hvalue[MAX_HEADERS];
    int n_hdr;
    lt_str_t qk[MAX_ARGS], qv[MAX_ARGS];
    int n_args;
    lt_str_t body;
    void *ctx;
    void (*done_fn[MAX_DONE])(void *);
    void *done_arg[MAX_DONE];
    int n_done;
    int n_reply_headers;
    bool replied;
    int status;
};

static void fail(const char *what, const lt_req_t *r)
{
    fprintf(stderr, "fuzz: %s (path %s, status %d)\n", what, r->path, r->status);
    abort();
}

/* ---------- the fixture ---------- */

static const char *const client_tokens[] = {FZ_CLIENT_TOKEN};
static const char *const frontend_tokens[] = {FZ_FRONTEND_TOKEN};

void fz_fixture(bool republish)
{
    static bool done;
    if (done && !republish)
        return;
    if (!done) {
        lt_log_set_level(LT_LOG_ERROR);
        static const char *const proxies[] = {"127.0.0.1"};
        lt_http_set_trusted_proxies(proxies, 1);
    }
    lt_offline_config_t cfg = {
        .bootstrap_file = FZ_FIXTURE,
        .client_tokens = client_tokens,
        .n_client_tokens = 1,
        .frontend_tokens = frontend_tokens,
        .n_frontend_tokens = 1,
    };
    if (lt_offline_load(&cfg) != LT_OK) {
        fprintf(stderr, "fuzz: cannot load the fixture %s\n", FZ_FIXTURE);
        abort();
    }
    done = true;
}

/* ---------- documents ---------- */

static void fail_doc(const char *what, const char *feature)
{
    fprintf(stderr, "fuzz: %s (flag %s)\n", what, feature);
    abort();
}

void fz_use_features(const lt_feature_t *features, size_t n, const lt_segment_t *segs,
                     size_t n_segs, const char *env)
{
    lt_write_opts_t opts = {true, segs, n_segs, false};
    for (size_t i = 0; i < n; i++) {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        const lt_feature_env_t *fe = features[i].n_envs ? &features[i].envs[0] : NULL;
        opts.inline_segments = i % 2;
        opts.export_extras = i % 3 == 0;
        lt_model_write_feature(&b, &features[i], fe, &opts);
        size_t len;
        char *json = lt_buf_take(&b, &len);
        cJSON *j = cJSON_ParseWithLength(json, len);
        if (!j) {
            fail_doc("written as JSON that does not parse", features[i].name);
        }
        cJSON_Delete(j);
        free(json);
    }
    lt_arena_t a;
    lt_arena_init(&a, 16 * 1024);
    lt_eval_env_t *e = lt_eval_compile(&a, features, n, env, segs, n_segs);
    static const lt_prop_t props[] = {{{"tenant", 6}, {"acme", 4}}, {{"version", 7}, {"1.2.3", 5}}};
    lt_context_t ctx[3] = {
        {.user_id = {"user-1", 6}, .session_id = {"s", 1}, .remote_address = {"10.0.0.1", 8}},
        {.user_id = {"", 0}, .remote_address = {"::1", 3}, .current_time = {"2024-01-01", 10},
         .props = props, .n_props = 2},
        {0},
    };
    for (size_t i = 0; i < lt_eval_count(e); i++) {
        const lt_eval_feature_t *f = lt_eval_at(e, i);
        for (int k = 0; k < 3; k++) {
            lt_variant_result_t v;
            lt_eval_variant(e, f, &ctx[k], &v);
            /* isEnabled may differ from getVariant's answer: random stickiness */
            (void)lt_eval_is_enabled(e, f, &ctx[k]);
            if (v.enabled && !v.name)
                fail_doc("a variant without a name", lt_eval_feature_name(f));
        }
    }
    lt_eval_free(e);
    lt_arena_dispose(&a);
}

/* ---------- requests ---------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* %XX and '+' decoded into the arena (libmicrohttpd's unescaping). */
static lt_str_t unescape(lt_arena_t *a, const char *p, size_t n)
{
    char *out = lt_arena_alloc(a, n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '+') {
            out[k++] = ' ';
        } else if (p[i] == '%' && i + 2 < n + 0 && hexval(p[i + 1]) >= 0 &&
                   hexval(p[i + 2]) >= 0) {
            out[k++] = (char)(hexval(p[i + 1]) * 16 + hexval(p[i + 2]));
            i += 2;
        } else {
            out[k++] = p[i];
        }
    }
    out[k] = '\0';
    /* libmicrohttpd hands C strings over: a decoded NUL ends the value */
    return (lt_str_t){out, strlen(out)};
}

static void split_query(lt_req_t *r, const char *q, size_t n)
{
    size_t i = 0;
    while (i < n && r->n_args < MAX_ARGS) {
        size_t e = i;
        while (e < n && q[e] != '&')
            e++;
        if (e > i) {
            const char *eq = memchr(q + i, '=', e - i);
            size_t kn = eq ? (size_t)(eq - (q + i)) : e - i;
            r->qk[r->n_args] = unescape(&r->arena, q + i, kn);
            r->qv[r->n_args] = eq ? unescape(&r->arena, eq + 1, (size_t)(q + e - eq - 1))
                                  : (lt_str_t){"", 0};
            r->n_args++;
        }
        i = e + 1;
    }
}

static void add_header(lt_req_t *r, const char *name, const char *v, size_t n)
{
    if (!v || r->n_hdr == MAX_HEADERS)
        return;
    r->hname[r->n_hdr] = name;
    /* a header value is a C string too */
    char *c = lt_arena_strndup(&r->arena, v, n);
    r->hvalue[r->n_hdr++] = (lt_str_t){c, strlen(c)};
}

int fz_run(lt_handler_fn fn, const lt_params_t *p, const fz_request_t *rq)
{
    lt_req_t *r = calloc(1, sizeof(*r));
    lt_arena_init(&r->arena, 16 * 1024);
    r->method = rq->method;
    r->path = rq->path;
    r->snap = lt_snapshot_acquire();
    if (rq->query)
        split_query(r, rq->query, rq->query_len);
    add_header(r, "Content-Type", rq->content_type,
               rq->content_type ? strlen(rq->content_type) : 0);
    add_header(r, "Authorization", rq->authorization,
               rq->authorization ? strlen(rq->authorization) : 0);
    add_header(r, "Unleash-Client-Spec", rq->client_spec, rq->client_spec_len);
    /* the body is copied so that ASan sees a read past its end */
    char *body = malloc(rq->body_len ? rq->body_len : 1);
    if (rq->body_len)
        memcpy(body, rq->body, rq->body_len);
    r->body = (lt_str_t){body, rq->body_len};
    lt_params_t none = {0};
    fn(r, p ? p : &none);
    if (!r->replied)
        fail("the handler returned without a reply", r);
    int status = r->status;
    if (getenv("FZ_VERBOSE")) /* to see what a corpus reaches: FZ_VERBOSE=1 target files... */
        fprintf(stderr, "fuzz: %s -> %d\n", r->path, status);
    for (int i = 0; i < r->n_done; i++)
        r->done_fn[i](r->done_arg[i]);
    lt_snapshot_release(r->snap);
    free(body);
    lt_arena_dispose(&r->arena);
    free(r);
    return status;
}

void fz_split(const uint8_t *data, size_t size, uint8_t sep, const char **a, size_t *na,
              const char **b, size_t *nb)
{
    const uint8_t *s = memchr(data, sep, size);
    *a = (const char *)data;
    *na = s ? (size_t)(s - data) : size;
    *b = s ? (const char *)s + 1 : (const char *)data + size;
    *nb = s ? size - *na - 1 : 0;
}

char *fz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    memcpy(s, data, size);
    s[size] = '\0';
    return s;
}

/* ---------- http.h ---------- */

static const char *const *trusted;
static size_t n_trusted;

void lt_http_set_trusted_proxies(const char *const *addrs, size_t n)
{
    trusted = addrs;
    n_trusted = n;
}

bool lt_http_trusted_proxy(lt_str_t addr)
{
    for (size_t i = 0; i < n_trusted; i++)
        if (lt_str_eq_c(addr, trusted[i]))
            return true;
    return false;
}

int lt_http_start(lt_http_t **out, const lt_http_config_t *cfg)
{
    (void)out;
    (void)cfg;
    return LT_ERR;
}

void lt_http_stop(lt_http_t *h)
{
    (void)h;
}

int lt_http_port(const lt_http_t *h)
{
    (void)h;
    return 0;
}

void lt_http_metrics_write(lt_buf_t *b)
{
    (void)b;
}

lt_method_t lt_req_method(const lt_req_t *r)
{
    return r->method;
}

const char *lt_req_path(const lt_req_t *r)
{
    return r->path;
}

lt_arena_t *lt_req_arena(lt_req_t *r)
{
    return &r->arena;
}

lt_snapshot_t *lt_req_snapshot(lt_req_t *r)
{
    return r->snap;
}

lt_str_t lt_req_header(const lt_req_t *r, const char *name)
{
    for (int i = 0; i < r->n_hdr; i++)
        if (strcasecmp(r->hname[i], name) == 0)
            return r->hvalue[i];
    return (lt_str_t){NULL, 0};
}

lt_str_t lt_req_query(const lt_req_t *r, const char *name)
{
    for (int i = 0; i < r->n_args; i++)
        if (lt_str_eq_c(r->qk[i], name))
            return r->qv[i];
    return (lt_str_t){NULL, 0};
}

void lt_req_query_each(const lt_req_t *r, bool (*fn)(void *ctx, lt_str_t k, lt_str_t v),
                       void *ctx)
{
    for (int i = 0; i < r->n_args; i++)
        if (!fn(ctx, r->qk[i], r->qv[i]))
            return;
}

lt_str_t lt_req_body(const lt_req_t *r)
{
    return r->body;
}

const char *lt_req_peer(lt_req_t *r)
{
    (void)r;
    return "127.0.0.1";
}

const char *lt_req_id(const lt_req_t *r)
{
    (void)r;
    return "fuzz";
}

bool lt_req_is_json(const lt_req_t *r)
{
    lt_str_t ct = lt_req_header(r, "Content-Type");
    return ct.ptr && strncasecmp(ct.ptr, "application/json", 16) == 0;
}

void lt_req_set_ctx(lt_req_t *r, void *ctx)
{
    r->ctx = ctx;
}

void *lt_req_ctx(const lt_req_t *r)
{
    return r->ctx;
}

void lt_req_on_done(lt_req_t *r, void (*fn)(void *), void *arg)
{
    if (r->n_done == MAX_DONE)
        fail("more than 4 on_done calls", r);
    r->done_fn[r->n_done] = fn;
    r->done_arg[r->n_done] = arg;
    r->n_done++;
}

void lt_reply_header(lt_req_t *r, const char *name, const char *value)
{
    if (!name || !value)
        fail("a reply header without a name or value", r);
    r->n_reply_headers++;
}

/* Every answer once, and JSON that parses when it says it is JSON. */
static void answered(lt_req_t *r, int status, const char *content_type, const char *body,
                     size_t len)
{
    if (r->replied)
        fail("a second reply", r);
    r->replied = true;
    r->status = status;
    if (status < 100 || status > 599)
        fail("a status out of range", r);
    if (content_type && strstr(content_type, "json") && len) {
        cJSON *j = cJSON_ParseWithLength(body, len);
        if (!j)
            fail("a JSON reply that does not parse", r);
        cJSON_Delete(j);
    }
}

void lt_reply(lt_req_t *r, int status, const char *content_type, const char *body, size_t len)
{
    answered(r, status, content_type, body, len);
}

void lt_reply_buf(lt_req_t *r, int status, const char *content_type, lt_buf_t *b)
{
    if (!lt_buf_ok(b)) {
        lt_buf_dispose(b);
        lt_reply_error(r, 500, "InternalError", "The response was too large to build.");
        return;
    }
    size_t len;
    char *p = lt_buf_take(b, &len);
    answered(r, status, content_type, p, len);
    free(p);
}

void lt_reply_json(lt_req_t *r, int status, const char *json)
{
    lt_reply(r, status, LT_JSON_TYPE, json, strlen(json));
}

void lt_reply_empty(lt_req_t *r, int status)
{
    answered(r, status, NULL, NULL, 0);
}

void lt_reply_error(lt_req_t *r, int status, const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"name\":");
    lt_json_cstr(&b, name);
    lt_buf_puts(&b, ",\"message\":");
    lt_json_cstr(&b, msg);
    lt_buf_puts(&b, "}");
    if (status < 400)
        fail("an error reply with a success status", r);
    lt_reply_buf(r, status, LT_JSON_TYPE, &b);
}

void lt_reply_memo(lt_req_t *r, int status, lt_memo_t *m, bool gz)
{
    if (gz && !m->gz)
        fail("a gzip memo reply without a gzip body", r);
    answered(r, status, LT_JSON_TYPE, m->body, m->len);
}

void lt_reply_memo_slice(lt_req_t *r, int status, lt_memo_t *m, size_t off, size_t len)
{
    if (off > m->len || len > m->len - off)
        fail("a memo slice outside its body", r);
    answered(r, status, LT_JSON_TYPE, m->body + off, len);
}

/* --- what the transport does beyond one reply: not reached through a handler here, or
 * answered in the simplest way that keeps the handler's own logic under test --- */

bool lt_req_https(lt_req_t *r)
{
    return false;
}

lt_str_t lt_req_client_addr(lt_req_t *r)
{
    return lt_str_c(lt_req_peer(r));
}

bool lt_req_defer(lt_req_t *r, void (*fn)(lt_req_t *r, void *arg), void *arg)
{
    fn(r, arg); /* the worker pool's job, run in place */
    return true;
}

void lt_reply_static(lt_req_t *r, int status, const char *content_type, const void *body,
                     size_t len)
{
    answered(r, status, content_type, body, len);
}

lt_stream_t *lt_reply_stream(lt_req_t *r, int status, const char *content_type,
                             size_t max_buffered)
{
    lt_reply_error(r, 503, "ServiceUnavailable", "No streams in the fuzz harness.");
    return NULL;
}

int lt_http_drain(lt_http_t *h, int deadline_ms)
{
    return LT_OK;
}

size_t lt_http_streams(void)
{
    return 0;
}

int lt_stream_write(lt_stream_t *s, const char *p, size_t n)
{
    return LT_ERR;
}

void lt_stream_close(lt_stream_t *s)
{
}

bool lt_stream_closed(lt_stream_t *s)
{
    return true;
}

size_t lt_stream_pending(lt_stream_t *s)
{
    return 0;
}

void lt_stream_release(lt_stream_t *s)
{
}

void lt_stream_batch_begin(void)
{
}

void lt_stream_batch_end(void)
{
}
