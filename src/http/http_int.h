/*
 * http_int.h: what the two files of the HTTP layer share: server.c (requests, routing,
 * replies, the worker pool) tells conn.c (connections: limits, deadlines, idle eviction)
 * where each connection is in its request, and conn.c cuts the ones that overstay.
 */
#ifndef LT_HTTP_INT_H
#define LT_HTTP_INT_H

#include <microhttpd.h>

#include "http.h"

typedef struct lt_conns lt_conns_t;

/* Where a connection is; each phase but BUSY has a deadline (see conn.c). */
typedef enum {
    LT_CONN_REQUEST, /* a request has begun (or the connection is new): line and headers due */
    LT_CONN_BODY,    /* headers in: the body is due */
    LT_CONN_BUSY,    /* being answered (or suspended for a worker): no deadline of ours */
    LT_CONN_IDLE,    /* keep-alive, between requests: evictable, closed after the idle time */
} lt_conn_phase_t;

/*
 * Raise RLIMIT_NOFILE for cfg->max_conns (clamping it to what the system allows), start
 * the deadline thread. cfg's connection fields are filled with their defaults.
 */
lt_conns_t *lt__conns_start(lt_http_config_t *cfg);
void lt__conns_stop(lt_conns_t *cs);
/* MHD_OPTION_NOTIFY_CONNECTION: every connection opened and closed. */
void lt__conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code);
/* Move conn to phase p (from server.c's callbacks, on conn's own thread). */
void lt__conns_phase(lt_conns_t *cs, struct MHD_Connection *conn, lt_conn_phase_t p);
/* Close every idle keep-alive connection now (draining); later ones are closed as they idle. */
void lt__conns_drain(lt_conns_t *cs);
/* Connections open now. */
int lt__conns_count(lt_conns_t *cs);

#endif
