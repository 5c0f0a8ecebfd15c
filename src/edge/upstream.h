/*
 * upstream.h: the edge's HTTP client to its upstream (latch serve, another latch edge or an
 * unleash-server), on libcurl. One lt_upstream_t per thread: its handle keeps the connection
 * alive between calls. Every call has a connect and a total timeout and a bounded body.
 */
#ifndef LT_EDGE_UPSTREAM_H
#define LT_EDGE_UPSTREAM_H

#include "../base/buf.h"

typedef struct lt_upstream lt_upstream_t;

/* A new client for base_url (no trailing slash needed). Never fails (aborts on no memory). */
lt_upstream_t *lt_upstream_new(const char *base_url, int connect_timeout_ms, int timeout_ms);
void lt_upstream_free(lt_upstream_t *u);

typedef struct {
    long status;      /* HTTP status; 0 when no answer (error holds why) */
    lt_buf_t body;    /* the (decoded) body; the caller disposes it */
    char etag[128];   /* the ETag header, "" when none */
    char error[160];  /* the transport error, "" when there was an answer */
} lt_upstream_resp_t;

/*
 * GET path with Authorization: token (and If-None-Match: etag when etag is not empty); gzip is
 * asked for and decoded. Blocks up to the timeout. LT_OK when an answer came (any status),
 * LT_ERR on a transport error. out->body is initialised either way.
 */
int lt_upstream_get(lt_upstream_t *u, const char *path, const char *token, const char *etag,
                    lt_upstream_resp_t *out);
/* POST a JSON body; like lt_upstream_get. */
int lt_upstream_post(lt_upstream_t *u, const char *path, const char *token, const char *json,
                     size_t len, lt_upstream_resp_t *out);

/* Once per process, before any thread uses libcurl. */
int lt_upstream_global_init(void);

#endif
