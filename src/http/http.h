/*
 * http.h: the HTTP server as the API handlers see it: a request (method, normalised path,
 * headers, query, body, an arena, the snapshot it is answered from) and ways to reply.
 * The implementation (server.c) sits on libmicrohttpd; nothing else includes microhttpd.h.
 */
#ifndef LT_HTTP_H
#define LT_HTTP_H

#include "../base/arena.h"
#include "../base/buf.h"
#include "../state/snapshot.h"

typedef enum {
    LT_GET = 1 << 0,
    LT_HEAD = 1 << 1,
    LT_POST = 1 << 2,
    LT_PUT = 1 << 3,
    LT_PATCH = 1 << 4,
    LT_DELETE = 1 << 5,
    LT_OPTIONS = 1 << 6,
    LT_OTHER = 1 << 7,
} lt_method_t;

/* The Content-Type of every JSON answer. */
#define LT_JSON_TYPE "application/json; charset=utf-8"

#define LT_MAX_PATH 2048
#define LT_MAX_PARAMS 4
/* The longest X-Request-Id taken from a trusted proxy; latch's own are 16 hex characters. */
#define LT_REQUEST_ID_MAX 128

typedef struct lt_req lt_req_t;

/* A matched route's path parameters (":name" segments), NUL-terminated copies. */
typedef struct {
    const char *name[LT_MAX_PARAMS];
    const char *value[LT_MAX_PARAMS];
    int n;
} lt_params_t;

typedef void (*lt_handler_fn)(lt_req_t *r, const lt_params_t *p);

typedef struct lt_route lt_route_t;
/*
 * A route's guard: runs after the route matched and before fn. It returns true to let fn run,
 * or false after replying itself (401, 403, 415...). It may leave data for fn with
 * lt_req_set_ctx. The router neither reads nor knows what rt->decl holds: the layer that
 * built the table does (api/admin/: who may call it, its scope, the body it takes).
 */
typedef bool (*lt_guard_fn)(lt_req_t *r, const lt_route_t *rt, const lt_params_t *p);

struct lt_route {
    unsigned methods; /* lt_method_t bits */
    const char *pattern; /* "/api/client/features/:name"; a final "*" segment matches the rest */
    lt_handler_fn fn;
    const char *label; /* for metrics: the pattern itself unless set */
    lt_guard_fn guard; /* NULL: fn runs at once */
    const void *decl;  /* the route's declaration, opaque here; read by guard */
};

/* Server configuration. */
typedef struct {
    const char *bind;  /* IPv4 or IPv6 literal; NULL = 0.0.0.0 */
    int port;
    int threads;       /* 0 = number of cores */
    size_t max_body;   /* bytes; larger bodies get 413 */
    size_t max_query;  /* bytes of query string; larger get 414 */
    const lt_route_t *routes;
    size_t n_routes;
    /* called for every request before routing; returns true when it replied (e.g. CORS) */
    bool (*pre)(lt_req_t *r);
    /* NULL, or a prefix such as "/unleash" (leading "/", none at the end) every path is served
     * under (behind a reverse proxy): it is taken off before routing, and a path outside it
     * gets 404. lt_req_path shows the path without it. */
    const char *base_path;
    /* Connections (conn.c); 0 takes the default in brackets. */
    int max_conns;          /* open at once [LT_HTTP_MAX_CONNS]; idle ones are evicted first
                             * when nearly full; the descriptor limit is raised to fit */
    int max_conns_per_addr; /* from one client address [1024]; trusted proxies are exempt */
    int header_timeout_ms;  /* a request line and headers must arrive in this [10000] */
    int body_timeout_ms;    /* and its body after them [60000] */
    int idle_timeout_ms;    /* a keep-alive connection with no request is closed after [60000] */
} lt_http_config_t;

#define LT_HTTP_MAX_CONNS 16384

typedef struct lt_http lt_http_t;

/* Start listening; LT_OK or an error (logged). Threads run until lt_http_stop. */
int lt_http_start(lt_http_t **out, const lt_http_config_t *cfg);
/*
 * Drain: close new connections as they are accepted, close idle keep-alive connections, and
 * wait (at most deadline_ms) until every request that has begun (its request line read) is
 * answered. Returns the number of requests still unanswered at the deadline (0 when all
 * were). Call lt_http_stop after.
 */
int lt_http_drain(lt_http_t *h, int deadline_ms);
/* Stop: close what is left (requests still open get no answer: drain first), free the server. */
void lt_http_stop(lt_http_t *h);
/* The port actually bound (useful with port 0). */
int lt_http_port(const lt_http_t *h);

/*
 * The peers (exact addresses, as lt_req_peer shows them) whose X-Request-Id is kept, and whose
 * X-Forwarded-For api/frontend.c believes. Set once before the server starts; the strings
 * must stay valid while it runs (not copied). None by default.
 */
void lt_http_set_trusted_proxies(const char *const *addrs, size_t n);
/* Is addr one of the trusted proxies? */
bool lt_http_trusted_proxy(lt_str_t addr);
/*
 * Did the request come over HTTPS? latch itself speaks plain HTTP, so only a trusted proxy
 * can say so: its X-Forwarded-Proto (the first value) is "https".
 */
bool lt_req_https(lt_req_t *r);

/* --- request accessors --- */
lt_method_t lt_req_method(const lt_req_t *r);
const char *lt_req_path(const lt_req_t *r); /* normalised: no "//", ".", ".." or trailing "/" */
lt_arena_t *lt_req_arena(lt_req_t *r);
lt_snapshot_t *lt_req_snapshot(lt_req_t *r);
/* Header value (case-insensitive name), or {NULL,0}. */
lt_str_t lt_req_header(const lt_req_t *r, const char *name);
/* First query argument with this name, or {NULL,0}; present-but-empty is {"",0}. */
lt_str_t lt_req_query(const lt_req_t *r, const char *name);
/* Call fn for every query argument in order; stop early when it returns false. */
void lt_req_query_each(const lt_req_t *r, bool (*fn)(void *ctx, lt_str_t k, lt_str_t v),
                       void *ctx);
/* The request body (empty when none). */
lt_str_t lt_req_body(const lt_req_t *r);
/* The peer address as text ("127.0.0.1", "::1"). */
const char *lt_req_peer(lt_req_t *r);
/*
 * The client's address: the peer, or when the peer is a trusted proxy the right-most address
 * of X-Forwarded-For that is not a trusted proxy (the peer when there is none). A slice into
 * the request, valid until it ends.
 */
lt_str_t lt_req_client_addr(lt_req_t *r);
/*
 * Run fn(r, arg) on one of the HTTP layer's worker threads (LT_HTTP_WORKERS of them) instead
 * of this I/O thread: for slow work such as verifying a password. The connection is
 * suspended until fn has replied (as a handler does, exactly once); the handler returns
 * right after this call. Returns false, and queues nothing, when LT_HTTP_WORK_QUEUE jobs are
 * already running or waiting: the handler then replies itself (503).
 */
bool lt_req_defer(lt_req_t *r, void (*fn)(lt_req_t *r, void *arg), void *arg);
#define LT_HTTP_WORKERS 2
#define LT_HTTP_WORK_QUEUE 16
/*
 * The request's id (NUL-terminated, valid until the request ends): a trusted proxy's
 * X-Request-Id when it sent a valid one (printable ASCII, at most LT_REQUEST_ID_MAX), else 16
 * random hex characters. Every reply carries it in X-Request-Id, and every line logged while
 * the request is handled carries it (lt_log_set_request_id).
 */
const char *lt_req_id(const lt_req_t *r);
/*
 * Does the request's If-None-Match name etag (a quoted ETag)? True for an exact entry of the
 * comma-separated list (a weak "W/" prefix ignored) or "*". False without the header.
 */
bool lt_req_etag_match(const lt_req_t *r, const char *etag);
/* Is the Content-Type a JSON media type? */
bool lt_req_is_json(const lt_req_t *r);
/* Per-request data of the layer above (a guard's result for its handler); NULL until set. */
void lt_req_set_ctx(lt_req_t *r, void *ctx);
void *lt_req_ctx(const lt_req_t *r);
/* Call fn(arg) when the request ends (after the reply is sent), once; up to 4 per request. */
void lt_req_on_done(lt_req_t *r, void (*fn)(void *), void *arg);

/* --- replies: exactly one per request --- */
/* Add a response header to the reply about to be sent (up to 16). Copies are taken.
 * X-Request-Id is added to every reply without it. */
void lt_reply_header(lt_req_t *r, const char *name, const char *value);
/* Reply with body bytes (copied) and a content type (NULL: none). */
void lt_reply(lt_req_t *r, int status, const char *content_type, const char *body, size_t len);
/* Reply with a buffer's bytes, taking them over (the buffer is left empty). */
void lt_reply_buf(lt_req_t *r, int status, const char *content_type, lt_buf_t *b);
void lt_reply_json(lt_req_t *r, int status, const char *json);
/* An empty body and no Content-Type (304s); the headers of lt_reply_header are sent. */
void lt_reply_empty(lt_req_t *r, int status);
/* Unleash's error shape {"id","name","message","details":[{"message"}]}. */
void lt_reply_error(lt_req_t *r, int status, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Reply with bytes that outlive the server (static data: not copied), with the headers of
 * lt_reply_header; content_type NULL: none. */
void lt_reply_static(lt_req_t *r, int status, const char *content_type, const void *body,
                     size_t len);
/*
 * Reply with a memoized body (gzip when gz is true), with its ETag, without copying it: the
 * snapshot reference held by the request keeps m alive until the response is sent. A
 * transient memo is copied: the caller may free it after. The response object is made per
 * request (a shared one could not carry each request's own headers, X-Request-Id among them).
 */
void lt_reply_memo(lt_req_t *r, int status, lt_memo_t *m, bool gz);
/* Reply with a slice of a memoized body. */
void lt_reply_memo_slice(lt_req_t *r, int status, lt_memo_t *m, size_t off, size_t len);

/*
 * --- streamed replies (server-sent events) ---
 * lt_reply_stream answers with status and content type now and a body written later, from any
 * thread, with lt_stream_write, until either side closes it. A stream with nothing to send
 * costs no thread: its connection is suspended (libmicrohttpd) and resumed by the next write.
 * Writes are copied into the stream's own buffer, bounded by max_buffered: a write that does
 * not fit closes the stream (a consumer too slow to keep up is dropped, never buffered without
 * bound). The request's snapshot reference is dropped once the handler returns, so a
 * long-lived stream pins no snapshot. The caller gets a reference (lt_stream_release), the
 * connection holds another. A client that went away is noticed at the next write.
 */
typedef struct lt_stream lt_stream_t;
lt_stream_t *lt_reply_stream(lt_req_t *r, int status, const char *content_type,
                             size_t max_buffered);
/* Queue n bytes, whole. LT_OK; LT_ELIMIT when they do not fit (the stream is closed); LT_ERR
 * when the stream is closed already. Never blocks on the network. */
int lt_stream_write(lt_stream_t *s, const char *p, size_t n);
/* End the stream: what is queued is not sent, the connection is closed. */
void lt_stream_close(lt_stream_t *s);
/* Has the stream ended (closed by either side, or the server stopping)? */
bool lt_stream_closed(lt_stream_t *s);
/* Bytes queued and not yet taken by the connection. */
size_t lt_stream_pending(lt_stream_t *s);
void lt_stream_release(lt_stream_t *s);
/*
 * Batch writes to many streams: between lt_stream_batch_begin and lt_stream_batch_end, the
 * writes of this thread queue their bytes but leave the connections suspended, and _end
 * resumes them all in a tight loop. (libmicrohttpd scans every suspended connection on each
 * resumption it handles, so thousands of resumptions interleaved with other work cost
 * quadratic time.) The caller must not release a stream written to before _end.
 */
void lt_stream_batch_begin(void);
void lt_stream_batch_end(void);
/* Streams open on the server now. */
size_t lt_http_streams(void);

/* Prometheus text of request counts and latencies by route and status. */
void lt_http_metrics_write(lt_buf_t *b);

#endif
