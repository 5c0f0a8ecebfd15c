/*
 * server.c: the HTTP server on libmicrohttpd (epoll, a thread pool the size of the cores).
 * A request is collected (headers, bounded body), its path normalised, routed, and handed to
 * its handler on libmicrohttpd's second call, so keep-alive connections stay open. The
 * completion callback records metrics and frees the request's arena and snapshot reference.
 * Slow work (password hashing) runs on a small pool of worker threads while its connection is
 * suspended (lt_req_defer), so the I/O threads keep serving. Connection limits and deadlines
 * are conn.c's; this file tells it where each connection is in its request.
 * Every request has an id (its own, or a trusted proxy's X-Request-Id), sent back in an
 * X-Request-Id header and set as the log's current request id while latch works on it.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/util.h"
#include "http_int.h"

#define MAX_REPLY_HEADERS 16
#define MAX_DONE 4
/* Per-connection memory of libmicrohttpd (request line, headers, query arguments). It is
 * cleared for every request, so it costs time in proportion: keep it small. */
#define LT_CONN_MEMORY (64 * 1024)
/* Query arguments latch accepts; more is a 414 (see on_uri for why they are counted early). */
#define LT_MAX_QUERY_ARGS 512
/* Request headers latch reads at most (all of them together), and how many. */
#define LT_MAX_HEADER_BYTES (64 * 1024)
#define N_LAT_BUCKETS 12
static const double lat_bounds_ms[N_LAT_BUCKETS - 1] = {0.25, 0.5, 1, 2.5, 5, 10,
                                                        25, 50, 100, 250, 1000};

struct lt_req {
    struct MHD_Connection *conn;
    char id[LT_REQUEST_ID_MAX + 1]; /* X-Request-Id, and the log's request id */
    lt_http_t *srv;
    lt_method_t method;
    const char *method_name;
    char path[LT_MAX_PATH];
    int route; /* index, or n_routes when unmatched */
    lt_buf_t body;
    bool started; /* the first call of on_request has set the request up */
    bool too_large;
    bool headers_too_large;
    bool query_too_large;
    bool replied;
    lt_arena_t arena;
    lt_snapshot_t *snap;
    uint64_t start_ns;
    int status;
    const char *peer;
    int n_headers;
    const char *hname[MAX_REPLY_HEADERS];
    const char *hvalue[MAX_REPLY_HEADERS];
    void *ctx; /* the guard's data for the handler */
    bool streaming; /* the reply is a stream: drop the snapshot once the handler returns */
    int n_done;
    void (*done_fn[MAX_DONE])(void *);
    void *done_arg[MAX_DONE];
    /* lt_req_defer: the work, and its reply made on the worker, queued once resumed */
    void (*defer_fn)(lt_req_t *r, void *arg);
    void *defer_arg;
    lt_req_t *defer_next;
    bool on_worker;
    struct MHD_Response *pending;
    int pending_status;
};

typedef struct {
    atomic_ullong by_status[500]; /* status 100..599 */
    atomic_ullong lat[N_LAT_BUCKETS];
    atomic_ullong lat_sum_us;
} route_stats_t;

/* The worker pool of lt_req_defer: a queue of suspended requests. */
typedef struct {
    pthread_mutex_t lock;
    pthread_cond_t cond;
    pthread_t threads[LT_HTTP_WORKERS];
    lt_req_t *head, *tail;
    int jobs; /* queued or running */
    bool stopping;
} pool_t;

struct lt_http {
    struct MHD_Daemon *d;
    lt_http_config_t cfg;
    int port;
    route_stats_t *stats; /* n_routes + 1 */
    lt_conns_t *conns;
    pool_t pool;
    atomic_int in_flight; /* requests begun (request line read) and not yet completed */
    atomic_int suspended;
    atomic_bool draining;
};

static lt_http_t *metrics_srv; /* the server whose metrics /internal-backstage shows */

/* ---------- streams ---------- */

struct lt_stream {
    pthread_mutex_t mu;
    int refs;                     /* under mu */
    struct MHD_Connection *conn;  /* NULL once libmicrohttpd let go of the response */
    char *buf;
    size_t off, len, cap, max;    /* bytes buf[off..len) wait to be sent */
    bool suspended;               /* the connection waits for a write */
    bool closed;
    lt_stream_t *prev, *next;     /* every open stream, under streams_lock */
};

static pthread_mutex_t streams_lock = PTHREAD_MUTEX_INITIALIZER;
static lt_stream_t *streams;
static size_t n_streams;

/* Take a stream's resumption: true when the caller must resume the connection (outside mu,
 * which is safe: a suspended connection cannot go away until it is resumed). Call with mu. */
static bool take_resume(lt_stream_t *s)
{
    bool need = s->suspended;
    s->suspended = false;
    return need;
}

/* This thread's batch of connections to resume (lt_stream_batch_begin), or not batching. */
static _Thread_local struct {
    bool on;
    struct MHD_Connection **conns;
    size_t n, cap;
} batch;

static void resume(struct MHD_Connection *c)
{
    if (!batch.on) {
        MHD_resume_connection(c);
        return;
    }
    if (batch.n == batch.cap) {
        batch.cap = batch.cap ? batch.cap * 2 : 256;
        batch.conns = lt_xrealloc(batch.conns, batch.cap * sizeof(*batch.conns));
    }
    batch.conns[batch.n++] = c;
}

void lt_stream_batch_begin(void)
{
    batch.on = true;
}

void lt_stream_batch_end(void)
{
    batch.on = false;
    for (size_t i = 0; i < batch.n; i++)
        MHD_resume_connection(batch.conns[i]);
    batch.n = 0;
    free(batch.conns);
    batch.conns = NULL;
    batch.cap = 0;
}

static void stream_unref(lt_stream_t *s)
{
    pthread_mutex_lock(&s->mu);
    bool last = --s->refs == 0;
    pthread_mutex_unlock(&s->mu);
    if (!last)
        return;
    pthread_mutex_destroy(&s->mu);
    free(s->buf);
    free(s);
}

/* libmicrohttpd asks for body bytes: what is queued, or the end, or suspend until a write. */
static ssize_t stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
    lt_stream_t *s = cls;
    ssize_t rc;
    pthread_mutex_lock(&s->mu);
    if (s->closed) {
        rc = MHD_CONTENT_READER_END_WITH_ERROR;
    } else if (s->len > s->off) {
        size_t n = s->len - s->off < max ? s->len - s->off : max;
        memcpy(out, s->buf + s->off, n);
        s->off += n;
        if (s->off == s->len) {
            s->off = s->len = 0;
            if (s->cap > 8192) { /* an idle stream keeps no big buffer */
                free(s->buf);
                s->buf = NULL;
                s->cap = 0;
            }
        }
        rc = (ssize_t)n;
    } else {
        /* documented as safe from a content reader; mu is held so a writer resumes after */
        s->suspended = true;
        MHD_suspend_connection(s->conn);
        rc = 0;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* The response is gone (sent, or the connection closed). */
static void stream_gone(void *cls)
{
    lt_stream_t *s = cls;
    pthread_mutex_lock(&streams_lock);
    if (s->prev)
        s->prev->next = s->next;
    else
        streams = s->next;
    if (s->next)
        s->next->prev = s->prev;
    n_streams--;
    pthread_mutex_unlock(&streams_lock);
    pthread_mutex_lock(&s->mu);
    s->closed = true;
    s->conn = NULL;
    s->suspended = false;
    pthread_mutex_unlock(&s->mu);
    stream_unref(s);
}

int lt_stream_write(lt_stream_t *s, const char *p, size_t n)
{
    int rc = LT_OK;
    pthread_mutex_lock(&s->mu);
    if (s->closed) {
        rc = LT_ERR;
    } else if (s->len - s->off + n > s->max) {
        s->closed = true; /* too slow: drop it rather than buffer without bound */
        rc = LT_ELIMIT;
    } else {
        if (s->off && s->len + n > s->cap) {
            memmove(s->buf, s->buf + s->off, s->len - s->off);
            s->len -= s->off;
            s->off = 0;
        }
        if (s->len + n > s->cap) {
            size_t cap = s->cap ? s->cap : 4096;
            while (cap < s->len + n)
                cap *= 2;
            s->buf = lt_xrealloc(s->buf, cap);
            s->cap = cap;
        }
        memcpy(s->buf + s->len, p, n);
        s->len += n;
    }
    bool need = take_resume(s);
    struct MHD_Connection *c = s->conn;
    pthread_mutex_unlock(&s->mu);
    if (need)
        resume(c);
    return rc;
}

void lt_stream_close(lt_stream_t *s)
{
    pthread_mutex_lock(&s->mu);
    s->closed = true;
    bool need = take_resume(s);
    struct MHD_Connection *c = s->conn;
    pthread_mutex_unlock(&s->mu);
    if (need)
        resume(c);
}

bool lt_stream_closed(lt_stream_t *s)
{
    pthread_mutex_lock(&s->mu);
    bool closed = s->closed;
    pthread_mutex_unlock(&s->mu);
    return closed;
}

size_t lt_stream_pending(lt_stream_t *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->len - s->off;
    pthread_mutex_unlock(&s->mu);
    return n;
}

void lt_stream_release(lt_stream_t *s)
{
    if (s)
        stream_unref(s);
}

size_t lt_http_streams(void)
{
    pthread_mutex_lock(&streams_lock);
    size_t n = n_streams;
    pthread_mutex_unlock(&streams_lock);
    return n;
}

/* Close every stream and resume its connection: libmicrohttpd must not be stopped with
 * suspended connections. */
static void streams_close_all(void)
{
    pthread_mutex_lock(&streams_lock);
    size_t n = 0;
    lt_stream_t **all = lt_xcalloc(n_streams + 1, sizeof(*all));
    struct MHD_Connection **resume = lt_xcalloc(n_streams + 1, sizeof(*resume));
    for (lt_stream_t *s = streams; s; s = s->next) {
        pthread_mutex_lock(&s->mu);
        s->refs++;
        s->closed = true;
        resume[n] = take_resume(s) ? s->conn : NULL;
        pthread_mutex_unlock(&s->mu);
        all[n++] = s;
    }
    pthread_mutex_unlock(&streams_lock);
    /* outside streams_lock: libmicrohttpd may be in stream_gone, waiting for it */
    for (size_t i = 0; i < n; i++) {
        if (resume[i])
            MHD_resume_connection(resume[i]);
        stream_unref(all[i]);
    }
    free(resume);
    free(all);
}

/* Peers whose X-Request-Id (and, in api/frontend.c, X-Forwarded-For) is believed. */
static const char *const *trusted_proxies;
static size_t n_trusted;

/* ---------- trusted proxies and request ids ---------- */

void lt_http_set_trusted_proxies(const char *const *addrs, size_t n)
{
    trusted_proxies = addrs;
    n_trusted = n;
}

bool lt_http_trusted_proxy(lt_str_t addr)
{
    for (size_t i = 0; i < n_trusted; i++)
        if (lt_str_eq_c(addr, trusted_proxies[i]))
            return true;
    return false;
}

bool lt_req_https(lt_req_t *r)
{
    if (!lt_http_trusted_proxy(lt_str_c(lt_req_peer(r))))
        return false;
    lt_str_t p = lt_req_header(r, "X-Forwarded-Proto");
    size_t n = 0;
    while (n < p.len && p.ptr[n] != ',' && p.ptr[n] != ' ')
        n++;
    return n == 5 && strncasecmp(p.ptr, "https", 5) == 0;
}

/* An id a proxy may hand on: 1 to LT_REQUEST_ID_MAX printable ASCII characters. */
static bool request_id_ok(const char *s)
{
    size_t n = 0;
    for (; s[n]; n++)
        if (n == LT_REQUEST_ID_MAX || (unsigned char)s[n] < 0x20 || (unsigned char)s[n] > 0x7e)
            return false;
    return n > 0;
}

/*
 * 16 hex characters from a per-thread splitmix64 stream seeded from the CSPRNG once per
 * thread: ids must be unique, not secret, and this costs no system call, lock or allocation.
 */
static void new_request_id(char out[17])
{
    static _Thread_local uint64_t state;
    static _Thread_local bool seeded;
    if (!seeded) {
        randombytes_buf(&state, sizeof(state));
        seeded = true;
    }
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    static const char digits[] = "0123456789abcdef";
    for (int i = 15; i >= 0; i--, z >>= 4)
        out[i] = digits[z & 0xf];
    out[16] = '\0';
}

/* The request's id: a trusted proxy's valid X-Request-Id, else a new one. */
static void set_request_id(lt_req_t *r)
{
    const char *given = MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, "X-Request-Id");
    if (given && n_trusted && request_id_ok(given) &&
        lt_http_trusted_proxy(lt_str_c(lt_req_peer(r))))
        memcpy(r->id, given, strlen(given) + 1);
    else
        new_request_id(r->id);
}

/* ---------- path normalisation and routing ---------- */

/* Normalise url into out: collapse "//", drop ".", resolve "..", no trailing "/". */
static int normalise(const char *url, char *out, size_t cap)
{
    size_t len = 0;
    const char *p = url;
    if (*p != '/')
        return LT_EINVAL;
    while (*p) {
        while (*p == '/')
            p++;
        const char *seg = p;
        while (*p && *p != '/')
            p++;
        size_t n = (size_t)(p - seg);
        if (n == 0 || (n == 1 && seg[0] == '.'))
            continue;
        if (n == 2 && seg[0] == '.' && seg[1] == '.') {
            while (len > 0 && out[len - 1] != '/')
                len--;
            if (len > 0)
                len--; /* drop the slash too */
            continue;
        }
        for (size_t i = 0; i < n; i++)
            if ((unsigned char)seg[i] < 0x20 || seg[i] == 0x7f)
                return LT_EINVAL;
        if (len + 1 + n + 1 > cap)
            return LT_ELIMIT;
        out[len++] = '/';
        memcpy(out + len, seg, n);
        len += n;
    }
    if (len == 0)
        out[len++] = '/';
    out[len] = '\0';
    return LT_OK;
}

/* Take the base path off a normalised path in place; false when the path is outside it. */
static bool strip_base(const char *base, char *path)
{
    if (!base || !base[0])
        return true;
    size_t n = strlen(base);
    if (strncmp(path, base, n) != 0 || (path[n] != '\0' && path[n] != '/'))
        return false;
    if (path[n] == '\0')
        snprintf(path, 2, "/");
    else
        memmove(path, path + n, strlen(path + n) + 1);
    return true;
}

static bool match(lt_req_t *r, const char *pattern, lt_params_t *p)
{
    const char *pp = pattern, *sp = r->path;
    p->n = 0;
    while (*pp && *sp) {
        if (*pp != '/' || *sp != '/')
            return false;
        pp++;
        sp++;
        const char *pe = strchr(pp, '/');
        size_t pn = pe ? (size_t)(pe - pp) : strlen(pp);
        const char *se = strchr(sp, '/');
        size_t sn = se ? (size_t)(se - sp) : strlen(sp);
        if (pn == 1 && pp[0] == '*') {
            return true; /* the rest, whatever it is */
        } else if (pp[0] == ':') {
            if (sn == 0 || p->n == LT_MAX_PARAMS)
                return false;
            p->name[p->n] = lt_arena_strndup(&r->arena, pp + 1, pn - 1);
            p->value[p->n] = lt_arena_strndup(&r->arena, sp, sn);
            p->n++;
        } else if (pn != sn || memcmp(pp, sp, pn) != 0) {
            return false;
        }
        pp += pn;
        sp += sn;
    }
    return *pp == '\0' && *sp == '\0';
}

static const char *method_names(unsigned m, char *out, size_t cap)
{
    static const char *const names[] = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE",
                                        "OPTIONS"};
    out[0] = '\0';
    for (size_t i = 0; i < LT_ARRAY_LEN(names); i++)
        if (m & (1u << i)) {
            if (out[0])
                strncat(out, ", ", cap - strlen(out) - 1);
            strncat(out, names[i], cap - strlen(out) - 1);
        }
    return out;
}

static void dispatch(lt_req_t *r)
{
    const lt_http_config_t *cfg = &r->srv->cfg;
    if (cfg->pre && cfg->pre(r))
        return;
    unsigned allowed = 0;
    lt_params_t params;
    for (size_t i = 0; i < cfg->n_routes; i++) {
        const lt_route_t *rt = &cfg->routes[i];
        if (!match(r, rt->pattern, &params))
            continue;
        unsigned methods = rt->methods;
        if (methods & LT_GET)
            methods |= LT_HEAD;
        if (!(methods & r->method)) {
            allowed |= methods;
            continue;
        }
        r->route = (int)i;
        if (!rt->guard || rt->guard(r, rt, &params))
            rt->fn(r, &params);
        if (!r->replied && !r->defer_fn)
            lt_reply_error(r, 500, "InternalError", "The request could not be answered.");
        return;
    }
    if (allowed) {
        char names[96];
        lt_reply_header(r, "Allow", method_names(allowed, names, sizeof(names)));
        lt_reply_error(r, 405, "NotImplementedError", "The method %s is not allowed on %s.",
                       r->method_name, r->path);
        return;
    }
    lt_reply_error(r, 404, "NotFoundError",
                   "The path you were looking for (%s) is not available.", r->path);
}

/* ---------- the worker pool (lt_req_defer) ---------- */

bool lt_req_defer(lt_req_t *r, void (*fn)(lt_req_t *r, void *arg), void *arg)
{
    pool_t *p = &r->srv->pool;
    lt_assert(!r->replied && !r->defer_fn && !r->on_worker);
    pthread_mutex_lock(&p->lock);
    bool ok = !p->stopping && p->jobs < LT_HTTP_WORK_QUEUE;
    if (ok)
        p->jobs++; /* the place is taken now; the job is queued once dispatch returns */
    pthread_mutex_unlock(&p->lock);
    if (ok) {
        r->defer_fn = fn;
        r->defer_arg = arg;
    }
    return ok;
}

/* After the handler deferred: suspend the connection, then hand the request to a worker
 * (in this order, so that the worker's resume cannot come before the suspension). */
static void defer_start(lt_http_t *h, lt_req_t *r)
{
    atomic_fetch_add(&h->suspended, 1);
    MHD_suspend_connection(r->conn);
    pool_t *p = &h->pool;
    pthread_mutex_lock(&p->lock);
    r->defer_next = NULL;
    if (p->tail)
        p->tail->defer_next = r;
    else
        p->head = r;
    p->tail = r;
    pthread_cond_signal(&p->cond);
    pthread_mutex_unlock(&p->lock);
}

static void *worker_main(void *arg)
{
    pool_t *p = arg;
    pthread_mutex_lock(&p->lock);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->cond, &p->lock);
        lt_req_t *r = p->head;
        if (!r)
            break; /* stopping, and nothing left */
        p->head = r->defer_next;
        if (!p->head)
            p->tail = NULL;
        pthread_mutex_unlock(&p->lock);
        lt_log_set_request_id(r->id);
        r->on_worker = true;
        r->defer_fn(r, r->defer_arg);
        if (!r->replied)
            lt_reply_error(r, 500, "InternalError", "The request could not be answered.");
        r->on_worker = false;
        lt_log_set_request_id(NULL);
        struct MHD_Connection *conn = r->conn;
        pthread_mutex_lock(&p->lock);
        p->jobs--;
        pthread_mutex_unlock(&p->lock);
        MHD_resume_connection(conn); /* r belongs to the I/O thread again from here */
        pthread_mutex_lock(&p->lock);
    }
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

static void pool_start(pool_t *p)
{
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->cond, NULL);
    for (int i = 0; i < LT_HTTP_WORKERS; i++)
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0) {
            lt_log_error("http: cannot start a worker thread");
            abort();
        }
}

/* Finish the queued jobs and end the workers. */
static void pool_stop(pool_t *p)
{
    pthread_mutex_lock(&p->lock);
    bool was = p->stopping;
    p->stopping = true;
    pthread_cond_broadcast(&p->cond);
    pthread_mutex_unlock(&p->lock);
    if (was)
        return;
    for (int i = 0; i < LT_HTTP_WORKERS; i++)
        pthread_join(p->threads[i], NULL);
    pthread_cond_destroy(&p->cond);
    pthread_mutex_destroy(&p->lock);
}

/* ---------- libmicrohttpd callbacks ---------- */

static lt_method_t method_of(const char *m)
{
    if (strcmp(m, "GET") == 0)
        return LT_GET;
    if (strcmp(m, "POST") == 0)
        return LT_POST;
    if (strcmp(m, "HEAD") == 0)
        return LT_HEAD;
    if (strcmp(m, "PUT") == 0)
        return LT_PUT;
    if (strcmp(m, "PATCH") == 0)
        return LT_PATCH;
    if (strcmp(m, "DELETE") == 0)
        return LT_DELETE;
    if (strcmp(m, "OPTIONS") == 0)
        return LT_OPTIONS;
    return LT_OTHER;
}

typedef struct {
    size_t bytes, count;
} query_size_t;

static enum MHD_Result count_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
    query_size_t *q = cls;
    q->bytes += strlen(key) + (value ? strlen(value) : 0) + 2;
    q->count++;
    return MHD_YES;
}

/*
 * Called with the raw request target before libmicrohttpd splits the query into arguments in
 * its per-connection pool. A query with thousands of arguments would exhaust that pool, and
 * libmicrohttpd 0.9.75 then neither answers nor closes the connection (epoll mode). So an
 * oversized query is noted here and cut at the '?': it is refused with 414 either way, and the
 * pool stays small (it is cleared on every request, so its size costs throughput).
 */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
    lt_http_t *h = cls;
    lt_req_t *r = lt_xcalloc(1, sizeof(*r));
    atomic_fetch_add(&h->in_flight, 1);
    lt__conns_phase(h->conns, conn, LT_CONN_REQUEST);
    const char *q = strchr(uri, '?');
    if (q) {
        size_t args = 1, len = strlen(q + 1);
        for (const char *p = q + 1; *p; p++)
            args += *p == '&';
        if (len > h->cfg.max_query || args > LT_MAX_QUERY_ARGS) {
            r->query_too_large = true;
            ((char *)(uintptr_t)q)[1] = '\0'; /* the buffer is the connection's own */
        }
    }
    return r;
}

/* The first call: the request line and headers are in; set the request up. */
static void start(lt_http_t *h, lt_req_t *r, struct MHD_Connection *conn, const char *method)
{
    r->started = true;
    r->conn = conn;
    r->srv = h;
    lt__conns_phase(h->conns, conn, LT_CONN_BODY);
    r->start_ns = lt_mono_ns();
    r->method = method_of(method);
    r->method_name = r->method == LT_OTHER ? "given" : method;
    r->route = (int)h->cfg.n_routes;
    lt_arena_init(&r->arena, 4096);
    lt_buf_init(&r->body, h->cfg.max_body);
    set_request_id(r);
    query_size_t hs = {0, 0};
    MHD_get_connection_values(conn, MHD_HEADER_KIND, count_arg, &hs);
    r->headers_too_large = hs.bytes > LT_MAX_HEADER_BYTES || hs.count > 100;
    const char *cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
    if (cl && strtoull(cl, NULL, 10) > h->cfg.max_body)
        r->too_large = true;
}

/* The later calls: body data, then (upload_size 0) the answer. */
static enum MHD_Result serve(lt_http_t *h, lt_req_t *r, struct MHD_Connection *conn,
                             const char *url, const char *upload_data, size_t *upload_size)
{
    if (*upload_size) {
        if (!r->too_large) {
            lt_buf_append(&r->body, upload_data, *upload_size);
            if (!lt_buf_ok(&r->body))
                r->too_large = true;
        }
        *upload_size = 0;
        return MHD_YES; /* libmicrohttpd takes a response only once the body is in */
    }
    if (r->pending) { /* resumed: the worker's reply */
        atomic_fetch_sub(&h->suspended, 1);
        MHD_queue_response(r->conn, (unsigned)r->pending_status, r->pending);
        MHD_destroy_response(r->pending);
        r->pending = NULL;
        return MHD_YES;
    }
    if (r->replied || r->defer_fn)
        return MHD_YES;
    lt__conns_phase(h->conns, conn, LT_CONN_BUSY);
    r->snap = lt_snapshot_acquire();
    int nrc = normalise(url, r->path, sizeof(r->path));
    if (nrc != LT_OK) {
        snprintf(r->path, sizeof(r->path), "/");
        if (nrc == LT_ELIMIT)
            lt_reply_error(r, 414, "ValidationError", "The request path is too long.");
        else
            lt_reply_error(r, 400, "BadDataError", "The request path is not valid.");
        return MHD_YES;
    }
    bool outside = !strip_base(h->cfg.base_path, r->path);
    query_size_t q = {0, 0};
    MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, count_arg, &q);
    if (outside) {
        lt_reply_error(r, 404, "NotFoundError",
                       "The path you were looking for (%s) is not available.", r->path);
    } else if (r->headers_too_large) {
        lt_reply_error(r, 431, "ValidationError",
                       "The request headers are larger than the limit of %d bytes.",
                       LT_MAX_HEADER_BYTES);
    } else if (r->too_large) {
        lt_reply_error(r, 413, "ContentTooLarge",
                       "The request body is larger than the limit of %zu bytes.",
                       h->cfg.max_body);
    } else if (r->query_too_large || q.bytes > h->cfg.max_query || q.count > LT_MAX_QUERY_ARGS) {
        lt_reply_error(r, 414, "ValidationError", "The query string is too long.");
    } else if (r->method == LT_OTHER) {
        lt_reply_error(r, 405, "NotImplementedError", "The method %s is not supported.",
                       r->method_name);
    } else {
        dispatch(r);
        if (r->defer_fn)
            defer_start(h, r);
    }
    if (r->streaming) {
        lt_snapshot_release(r->snap);
        r->snap = NULL;
    }
    return MHD_YES;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    lt_http_t *h = cls;
    lt_req_t *r = *con_cls;
    if (!r) /* no request line seen by on_uri: cannot happen, but be safe */
        *con_cls = r = lt_xcalloc(1, sizeof(*r));
    if (!r->started) {
        start(h, r, conn, method);
        return MHD_YES;
    }
    /* this thread serves other connections between calls: the id is set for this call only */
    lt_log_set_request_id(r->id);
    enum MHD_Result rc = serve(h, r, conn, url, upload_data, upload_size);
    lt_log_set_request_id(NULL);
    return rc;
}

static const char *route_label(const lt_http_t *h, int i)
{
    if ((size_t)i >= h->cfg.n_routes)
        return "unmatched";
    return h->cfg.routes[i].label ? h->cfg.routes[i].label : h->cfg.routes[i].pattern;
}

static void record(lt_http_t *h, lt_req_t *r)
{
    route_stats_t *st = &h->stats[r->route];
    int s = r->status >= 100 && r->status < 600 ? r->status : 500;
    atomic_fetch_add_explicit(&st->by_status[s - 100], 1, memory_order_relaxed);
    double ms = (double)(lt_mono_ns() - r->start_ns) / 1e6;
    /* the route's pattern, never the path: a path may hold a token (DELETE
     * /api/admin/api-tokens/:secret) */
    if (lt_log_enabled(LT_LOG_DEBUG))
        lt_log_debug("http: %s %s %d in %.3f ms",
                     r->method == LT_OTHER ? "(other method)" : r->method_name,
                     route_label(h, r->route), r->status, ms);
    size_t b = 0;
    while (b < N_LAT_BUCKETS - 1 && ms > lat_bounds_ms[b])
        b++;
    atomic_fetch_add_explicit(&st->lat[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&st->lat_sum_us, (unsigned long long)(ms * 1000),
                              memory_order_relaxed);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    lt_http_t *h = cls;
    lt_req_t *r = *con_cls;
    if (!r)
        return;
    atomic_fetch_sub(&h->in_flight, 1);
    if (toe == MHD_REQUEST_TERMINATED_COMPLETED_OK)
        lt__conns_phase(h->conns, conn, LT_CONN_IDLE);
    if (r->started)
        lt_log_set_request_id(r->id);
    if (r->replied)
        record(h, r);
    for (int i = r->n_done - 1; i >= 0; i--)
        r->done_fn[i](r->done_arg[i]);
    lt_log_set_request_id(NULL);
    if (r->pending) {
        atomic_fetch_sub(&h->suspended, 1);
        MHD_destroy_response(r->pending);
    }
    lt_snapshot_release(r->snap);
    lt_buf_dispose(&r->body);
    lt_arena_dispose(&r->arena);
    free(r);
    *con_cls = NULL;
}

static void log_mhd(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    lt_log_debug("http: %s", msg);
}

static enum MHD_Result on_accept(void *cls, const struct sockaddr *addr, socklen_t addrlen)
{
    (void)addr;
    (void)addrlen;
    const lt_http_t *h = cls;
    return atomic_load(&h->draining) ? MHD_NO : MHD_YES;
}

int lt_http_start(lt_http_t **out, const lt_http_config_t *cfg)
{
    lt_http_t *h = lt_xcalloc(1, sizeof(*h));
    h->cfg = *cfg;
    if (!h->cfg.max_body)
        h->cfg.max_body = 2u << 20;
    if (!h->cfg.max_query)
        h->cfg.max_query = 16384;
    h->stats = lt_xcalloc(cfg->n_routes + 1, sizeof(*h->stats));
    h->conns = lt__conns_start(&h->cfg);
    int threads = cfg->threads > 0 ? cfg->threads : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (threads < 1)
        threads = 1;
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG | MHD_ALLOW_SUSPEND_RESUME;
    const char *bind = cfg->bind ? cfg->bind : "0.0.0.0";
    struct sockaddr_in *sin = (struct sockaddr_in *)&ss;
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&ss;
    if (inet_pton(AF_INET, bind, &sin->sin_addr) == 1) {
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)cfg->port);
    } else if (inet_pton(AF_INET6, bind, &sin6->sin6_addr) == 1) {
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)cfg->port);
        flags |= MHD_USE_IPv6;
    } else {
        lt_log_error("http: bind address %s is not an IPv4 or IPv6 address", bind);
        goto fail;
    }
    h->d = MHD_start_daemon(
        flags, (uint16_t)cfg->port, on_accept, h, on_request, h, MHD_OPTION_SOCK_ADDR, &ss,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)threads, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, h, MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)LT_CONN_MEMORY,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)(h->cfg.idle_timeout_ms / 1000 + 30),
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)h->cfg.max_conns, MHD_OPTION_LISTEN_BACKLOG_SIZE,
        4096u, MHD_OPTION_NOTIFY_CONNECTION, lt__conns_notify, h->conns,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u, MHD_OPTION_EXTERNAL_LOGGER, log_mhd, NULL,
        MHD_OPTION_URI_LOG_CALLBACK, on_uri, h, MHD_OPTION_END);
    if (!h->d) {
        lt_log_error("http: cannot listen on %s:%d", bind, cfg->port);
        goto fail;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->d, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : cfg->port;
    pool_start(&h->pool);
    metrics_srv = h;
    lt_log_info("http: listening on %s port %d (%d threads)", bind, h->port, threads);
    lt_log_info("http: at most %d connections, %d from one address", h->cfg.max_conns,
                h->cfg.max_conns_per_addr);
    *out = h;
    return LT_OK;
fail:
    lt__conns_stop(h->conns);
    free(h->stats);
    free(h);
    return LT_ERR;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int lt_http_drain(lt_http_t *h, int deadline_ms)
{
    if (!h || atomic_exchange(&h->draining, true))
        return 0;
    /* new connections are refused by on_accept from here on. Not MHD_quiesce_daemon: with
     * epoll and internal threads it races the workers' own removal of the listening socket
     * from their epoll sets and libmicrohttpd aborts the process ("Failed to remove listen FD
     * from epoll set"), seen on SIGTERM in CI. The socket itself closes in lt_http_stop. */
    uint64_t end = lt_mono_ns() + (uint64_t)deadline_ms * 1000000u;
    int left;
    /* idle keep-alive connections are closed (they would only hold the exit up); requests
     * begun on the others are answered, with Connection: close */
    while ((left = atomic_load(&h->in_flight)) > 0 && lt_mono_ns() < end) {
        lt__conns_drain(h->conns);
        sleep_ms(20);
    }
    lt__conns_drain(h->conns);
    if (left)
        lt_log_warn("http: %d requests still unanswered after %d ms; closing them", left,
                    deadline_ms);
    else
        lt_log_info("http: every request begun was answered");
    return left;
}

void lt_http_stop(lt_http_t *h)
{
    if (!h)
        return;
    streams_close_all();
    /* libmicrohttpd must not be stopped with a suspended connection: finish the workers'
     * jobs (each resumes its connection) and let the I/O threads take their replies */
    pool_stop(&h->pool);
    for (int i = 0; i < 500 && atomic_load(&h->suspended) > 0; i++)
        sleep_ms(10);
    MHD_stop_daemon(h->d);
    lt__conns_stop(h->conns);
    if (metrics_srv == h)
        metrics_srv = NULL;
    free(h->stats);
    free(h);
}

int lt_http_port(const lt_http_t *h)
{
    return h->port;
}

/* ---------- request accessors ---------- */

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
    return lt_str_c(MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name));
}

typedef struct {
    const char *name;
    lt_str_t out;
    bool found;
} query_find_t;

static enum MHD_Result find_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    query_find_t *q = cls;
    if (strcmp(key, q->name) != 0)
        return MHD_YES;
    q->out = value ? lt_str_c(value) : (lt_str_t){"", 0};
    q->found = true;
    return MHD_NO;
}

lt_str_t lt_req_query(const lt_req_t *r, const char *name)
{
    query_find_t q = {name, {NULL, 0}, false};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, find_arg, &q);
    return q.out;
}

typedef struct {
    bool (*fn)(void *ctx, lt_str_t k, lt_str_t v);
    void *ctx;
} query_each_t;

static enum MHD_Result each_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                const char *value)
{
    query_each_t *q = cls;
    return q->fn(q->ctx, lt_str_c(key), value ? lt_str_c(value) : (lt_str_t){"", 0}) ? MHD_YES
                                                                                      : MHD_NO;
}

void lt_req_query_each(const lt_req_t *r, bool (*fn)(void *ctx, lt_str_t k, lt_str_t v),
                       void *ctx)
{
    query_each_t q = {fn, ctx};
    MHD_get_connection_values(r->conn, MHD_GET_ARGUMENT_KIND, each_arg, &q);
}

lt_str_t lt_req_body(const lt_req_t *r)
{
    return (lt_str_t){r->body.ptr ? r->body.ptr : "", r->body.len};
}

const char *lt_req_peer(lt_req_t *r)
{
    if (r->peer)
        return r->peer;
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(r->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    char buf[INET6_ADDRSTRLEN] = "";
    if (ci && ci->client_addr) {
        const struct sockaddr *sa = ci->client_addr;
        if (sa->sa_family == AF_INET)
            inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, buf,
                      sizeof(buf));
        else if (sa->sa_family == AF_INET6)
            inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr,
                      buf, sizeof(buf));
    }
    /* an IPv4 peer on a dual-stack socket shows as ::ffff:a.b.c.d */
    const char *p = strncmp(buf, "::ffff:", 7) == 0 && strchr(buf + 7, '.') ? buf + 7 : buf;
    r->peer = lt_arena_strdup(&r->arena, p);
    return r->peer;
}

static bool trusted_slice(const char *addr, size_t len)
{
    return lt_http_trusted_proxy((lt_str_t){addr, len});
}

lt_str_t lt_req_client_addr(lt_req_t *r)
{
    const char *peer = lt_req_peer(r);
    if (!n_trusted || !trusted_slice(peer, strlen(peer)))
        return lt_str_c(peer);
    lt_str_t xff = lt_req_header(r, "X-Forwarded-For");
    if (!xff.ptr)
        return lt_str_c(peer);
    /* right to left: the first address that is not a trusted proxy is the client */
    lt_str_t last = {NULL, 0};
    size_t end = xff.len;
    while (end > 0) {
        size_t start = end;
        while (start > 0 && xff.ptr[start - 1] != ',')
            start--;
        size_t s = start, e = end;
        while (s < e && xff.ptr[s] == ' ')
            s++;
        while (e > s && xff.ptr[e - 1] == ' ')
            e--;
        if (e > s) {
            last = (lt_str_t){xff.ptr + s, e - s};
            if (!trusted_slice(last.ptr, last.len))
                break;
        }
        end = start > 0 ? start - 1 : 0;
    }
    return last.ptr ? last : lt_str_c(peer);
}

const char *lt_req_id(const lt_req_t *r)
{
    return r->id;
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
    lt_assert(r->n_done < MAX_DONE);
    r->done_fn[r->n_done] = fn;
    r->done_arg[r->n_done] = arg;
    r->n_done++;
}

bool lt_req_is_json(const lt_req_t *r)
{
    lt_str_t ct = lt_req_header(r, "Content-Type");
    if (!ct.ptr)
        return false;
    /* application/json or application/<x>+json, with or without parameters */
    const char *semi = memchr(ct.ptr, ';', ct.len);
    size_t n = semi ? (size_t)(semi - ct.ptr) : ct.len;
    while (n && ct.ptr[n - 1] == ' ')
        n--;
    if (n == 16 && strncasecmp(ct.ptr, "application/json", 16) == 0)
        return true;
    return n > 17 && strncasecmp(ct.ptr, "application/", 12) == 0 &&
           strncasecmp(ct.ptr + n - 5, "+json", 5) == 0;
}

/* ---------- replies ---------- */

void lt_reply_header(lt_req_t *r, const char *name, const char *value)
{
    if (r->n_headers == MAX_REPLY_HEADERS)
        return;
    r->hname[r->n_headers] = lt_arena_strdup(&r->arena, name);
    r->hvalue[r->n_headers] = lt_arena_strdup(&r->arena, value);
    r->n_headers++;
}

/* Queue resp, a response object of this request alone, with the request's own headers. */
static void queue(lt_req_t *r, int status, struct MHD_Response *resp)
{
    lt_assert(!r->replied);
    r->replied = true;
    r->status = status;
    for (int i = 0; i < r->n_headers; i++)
        MHD_add_response_header(resp, r->hname[i], r->hvalue[i]);
    MHD_add_response_header(resp, "X-Request-Id", r->id);
    if (atomic_load(&r->srv->draining))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    if (r->on_worker) { /* libmicrohttpd takes it on the I/O thread, once resumed */
        r->pending = resp;
        r->pending_status = status;
        return;
    }
    MHD_queue_response(r->conn, (unsigned)status, resp);
    MHD_destroy_response(resp);
}

void lt_reply(lt_req_t *r, int status, const char *content_type, const char *body, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_MUST_COPY);
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    queue(r, status, resp);
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
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, p, MHD_RESPMEM_MUST_FREE);
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    queue(r, status, resp);
}

void lt_reply_static(lt_req_t *r, int status, const char *content_type, const void *body,
                     size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, (void *)(uintptr_t)body, MHD_RESPMEM_PERSISTENT);
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    queue(r, status, resp);
}

void lt_reply_json(lt_req_t *r, int status, const char *json)
{
    lt_reply(r, status, LT_JSON_TYPE, json, strlen(json));
}

void lt_reply_empty(lt_req_t *r, int status)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(0, NULL, MHD_RESPMEM_PERSISTENT);
    queue(r, status, resp);
}

lt_stream_t *lt_reply_stream(lt_req_t *r, int status, const char *content_type,
                             size_t max_buffered)
{
    lt_stream_t *s = lt_xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->mu, NULL);
    s->refs = 2; /* the caller's and the response's */
    s->conn = r->conn;
    s->max = max_buffered;
    struct MHD_Response *resp =
        MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s, stream_gone);
    if (content_type)
        MHD_add_response_header(resp, "Content-Type", content_type);
    MHD_add_response_header(resp, "Cache-Control", "no-cache");
    MHD_add_response_header(resp, "X-Accel-Buffering", "no");
    pthread_mutex_lock(&streams_lock);
    s->next = streams;
    if (streams)
        streams->prev = s;
    streams = s;
    n_streams++;
    pthread_mutex_unlock(&streams_lock);
    r->streaming = true;
    queue(r, status, resp);
    return s;
}

void lt_reply_error(lt_req_t *r, int status, const char *name, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    char id[37];
    lt_uuid(id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"id\":\"");
    lt_buf_puts(&b, id);
    lt_buf_puts(&b, "\",\"name\":");
    lt_json_cstr(&b, name);
    lt_buf_puts(&b, ",\"message\":");
    lt_json_cstr(&b, msg);
    lt_buf_puts(&b, ",\"details\":[{\"message\":");
    lt_json_cstr(&b, msg);
    lt_buf_puts(&b, "}]}");
    lt_reply_buf(r, status, LT_JSON_TYPE, &b);
}

/*
 * libmicrohttpd keeps headers in the response object, so one shared by every request of a memo
 * could not carry each request's X-Request-Id (adding to it while another thread sends it is a
 * race). Each request gets its own small object over the memo's bytes instead: the body is not
 * copied (the request's snapshot reference keeps m alive until it is sent), except for a
 * transient memo, which the caller frees after.
 */
void lt_reply_memo(lt_req_t *r, int status, lt_memo_t *m, bool gz)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(
        gz ? m->gz_len : m->len, gz ? m->gz : m->body,
        m->transient ? MHD_RESPMEM_MUST_COPY : MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", LT_JSON_TYPE);
    MHD_add_response_header(resp, "ETag", m->etag);
    MHD_add_response_header(resp, "Vary", "Accept-Encoding");
    if (gz)
        MHD_add_response_header(resp, "Content-Encoding", "gzip");
    queue(r, status, resp);
}

void lt_reply_memo_slice(lt_req_t *r, int status, lt_memo_t *m, size_t off, size_t len)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(len, m->body + off, MHD_RESPMEM_PERSISTENT);
    MHD_add_response_header(resp, "Content-Type", LT_JSON_TYPE);
    queue(r, status, resp);
}

/* ---------- metrics ---------- */

void lt_http_metrics_write(lt_buf_t *b)
{
    lt_http_t *h = metrics_srv;
    if (!h)
        return;
    lt_buf_puts(b, "# HELP http_requests_total Requests answered, by route and status.\n"
                   "# TYPE http_requests_total counter\n");
    for (size_t i = 0; i <= h->cfg.n_routes; i++) {
        const char *label = route_label(h, (int)i);
        for (int s = 0; s < 500; s++) {
            unsigned long long c = atomic_load_explicit(&h->stats[i].by_status[s],
                                                        memory_order_relaxed);
            if (c)
                lt_buf_printf(b, "http_requests_total{route=\"%s\",status=\"%d\"} %llu\n",
                              label, s + 100, c);
        }
    }
    lt_buf_puts(b, "# HELP http_request_duration_seconds Time from request to response.\n"
                   "# TYPE http_request_duration_seconds histogram\n");
    for (size_t i = 0; i <= h->cfg.n_routes; i++) {
        const char *label = route_label(h, (int)i);
        unsigned long long cum = 0;
        for (int k = 0; k < N_LAT_BUCKETS; k++)
            cum += atomic_load_explicit(&h->stats[i].lat[k], memory_order_relaxed);
        if (!cum)
            continue;
        unsigned long long run = 0;
        for (int k = 0; k < N_LAT_BUCKETS; k++) {
            run += atomic_load_explicit(&h->stats[i].lat[k], memory_order_relaxed);
            if (k < N_LAT_BUCKETS - 1)
                lt_buf_printf(b, "http_request_duration_seconds_bucket{route=\"%s\",le=\"%g\"} "
                                 "%llu\n",
                              label, lat_bounds_ms[k] / 1000, run);
            else
                lt_buf_printf(b,
                              "http_request_duration_seconds_bucket{route=\"%s\",le=\"+Inf\"} "
                              "%llu\n",
                              label, run);
        }
        lt_buf_printf(b, "http_request_duration_seconds_sum{route=\"%s\"} %.6f\n", label,
                      (double)atomic_load_explicit(&h->stats[i].lat_sum_us,
                                                   memory_order_relaxed) /
                          1e6);
        lt_buf_printf(b, "http_request_duration_seconds_count{route=\"%s\"} %llu\n", label, cum);
    }
}
