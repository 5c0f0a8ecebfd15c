/*
 * conn.c: the connections of the HTTP server, kept so that idle and slow clients cannot lock
 * new ones out. libmicrohttpd tells us when a connection opens and closes, server.c where it
 * is in its request; here each connection has a phase and a deadline:
 *   - a request's line and headers must arrive within header_timeout of its first byte (of
 *     the accept, for a new connection), its body within body_timeout after them. libmicro-
 *     httpd's own timeout restarts on every byte, so a client sending a byte a second is cut
 *     only here. The start of a request on a kept-alive connection is seen before
 *     libmicrohttpd has the whole request line through TCP_INFO (when data last arrived);
 *   - an idle keep-alive connection is closed after idle_timeout;
 *   - when the server is nearly full (max_conns less a margin) each new connection closes the
 *     longest-idle one, and an address at max_conns_per_addr closes its own longest-idle one
 *     (or, with none idle, the new connection). Busy connections are never evicted.
 * A connection is cut with shutdown(2): libmicrohttpd sees the end of the stream and closes
 * it itself. The socket cannot be reused meanwhile: the close notification, which takes the
 * same lock, comes before libmicrohttpd closes the descriptor.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include "../base/log.h"
#include "../base/util.h"
#include "http_int.h"

#define ADDR_SLOTS 4096
/* descriptors kept for the store, logs, the listening socket and the like */
#define FD_RESERVE 256

typedef struct conn conn_t;

typedef struct addr_ent {
    struct addr_ent *next;
    uint8_t key[17]; /* family byte and the address */
    int count;
    bool exempt; /* a trusted proxy */
    conn_t *idle_head, *idle_tail; /* this address's idle connections, oldest first */
} addr_ent_t;

struct conn {
    conn_t *prev, *next;   /* every connection */
    conn_t *iprev, *inext; /* the idle list, oldest first */
    conn_t *aprev, *anext; /* the address's idle list */
    addr_ent_t *addr;
    int fd;
    lt_conn_phase_t phase;
    int64_t since; /* when the phase began (ms, monotonic) */
    bool idle_listed;
    bool cut;
};

struct lt_conns {
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t reaper;
    bool stopping;
    bool draining;
    int header_ms, body_ms, idle_ms;
    int max, evict_at, per_addr;
    int count;
    conn_t *all;
    conn_t *idle_head, *idle_tail;
    addr_ent_t *addrs[ADDR_SLOTS];
};

static int64_t mono_ms(void)
{
    return (int64_t)(lt_mono_ns() / 1000000u);
}

/* ---------- lists (lock held) ---------- */

static void idle_unlink(lt_conns_t *cs, conn_t *c)
{
    if (!c->idle_listed)
        return;
    if (c->iprev)
        c->iprev->inext = c->inext;
    else
        cs->idle_head = c->inext;
    if (c->inext)
        c->inext->iprev = c->iprev;
    else
        cs->idle_tail = c->iprev;
    addr_ent_t *a = c->addr;
    if (c->aprev)
        c->aprev->anext = c->anext;
    else
        a->idle_head = c->anext;
    if (c->anext)
        c->anext->aprev = c->aprev;
    else
        a->idle_tail = c->aprev;
    c->iprev = c->inext = c->aprev = c->anext = NULL;
    c->idle_listed = false;
}

static void idle_append(lt_conns_t *cs, conn_t *c)
{
    if (c->idle_listed || c->cut)
        return;
    c->inext = NULL;
    c->iprev = cs->idle_tail;
    if (cs->idle_tail)
        cs->idle_tail->inext = c;
    else
        cs->idle_head = c;
    cs->idle_tail = c;
    addr_ent_t *a = c->addr;
    c->anext = NULL;
    c->aprev = a->idle_tail;
    if (a->idle_tail)
        a->idle_tail->anext = c;
    else
        a->idle_head = c;
    a->idle_tail = c;
    c->idle_listed = true;
}

/* Cut c: its peer sees the connection end, libmicrohttpd closes it. */
static void cut(lt_conns_t *cs, conn_t *c, const char *why)
{
    if (c->cut)
        return;
    idle_unlink(cs, c);
    c->cut = true;
    shutdown(c->fd, SHUT_RDWR);
    lt_log_debug("http: connection closed: %s", why);
}

/* ---------- addresses ---------- */

static size_t addr_slot(const uint8_t key[17])
{
    return (size_t)(lt_fnv1a((const char *)key, 17) % ADDR_SLOTS);
}

/* The entry of the peer of conn (created with count 0), or NULL when it has no address. */
static addr_ent_t *addr_of(lt_conns_t *cs, struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    if (!ci || !ci->client_addr)
        return NULL;
    uint8_t key[17] = {0};
    char text[INET6_ADDRSTRLEN] = "";
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const void *)sa;
        key[0] = 4;
        memcpy(key + 1, &in->sin_addr, 4);
        inet_ntop(AF_INET, &in->sin_addr, text, sizeof(text));
    } else if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const void *)sa;
        const uint8_t *b = in6->sin6_addr.s6_addr;
        static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
        if (memcmp(b, v4mapped, 12) == 0) {
            key[0] = 4;
            memcpy(key + 1, b + 12, 4);
            inet_ntop(AF_INET, b + 12, text, sizeof(text));
        } else {
            key[0] = 6;
            memcpy(key + 1, b, 16);
            inet_ntop(AF_INET6, b, text, sizeof(text));
        }
    } else {
        return NULL;
    }
    size_t at = addr_slot(key);
    for (addr_ent_t *a = cs->addrs[at]; a; a = a->next)
        if (memcmp(a->key, key, sizeof(key)) == 0)
            return a;
    addr_ent_t *a = lt_xcalloc(1, sizeof(*a));
    memcpy(a->key, key, sizeof(key));
    a->exempt = lt_http_trusted_proxy(lt_str_c(text));
    a->next = cs->addrs[at];
    cs->addrs[at] = a;
    return a;
}

static void addr_release(lt_conns_t *cs, addr_ent_t *a)
{
    if (--a->count > 0)
        return;
    addr_ent_t **pp = &cs->addrs[addr_slot(a->key)];
    while (*pp != a)
        pp = &(*pp)->next;
    *pp = a->next;
    free(a);
}

/* ---------- libmicrohttpd's notifications ---------- */

static void opened(lt_conns_t *cs, struct MHD_Connection *conn, void **socket_context)
{
    const union MHD_ConnectionInfo *fi =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
    conn_t *c = lt_xcalloc(1, sizeof(*c));
    c->fd = fi ? fi->connect_fd : -1;
    c->phase = LT_CONN_REQUEST;
    c->since = mono_ms();
    pthread_mutex_lock(&cs->lock);
    c->addr = addr_of(cs, conn);
    if (!c->addr) { /* not TCP/IP: count it under a shared entry */
        static const uint8_t none[17] = {0};
        size_t at = addr_slot(none);
        for (c->addr = cs->addrs[at]; c->addr && memcmp(c->addr->key, none, 17);)
            c->addr = c->addr->next;
        if (!c->addr) {
            c->addr = lt_xcalloc(1, sizeof(*c->addr));
            c->addr->exempt = true;
            c->addr->next = cs->addrs[at];
            cs->addrs[at] = c->addr;
        }
    }
    c->addr->count++;
    c->next = cs->all;
    if (cs->all)
        cs->all->prev = c;
    cs->all = c;
    cs->count++;
    *socket_context = c;
    /* nearly full: make room for the next one by closing the longest-idle connection */
    if (cs->count > cs->evict_at && cs->idle_head)
        cut(cs, cs->idle_head, "the server is nearly full; the longest-idle connection goes");
    if (!c->addr->exempt && c->addr->count > cs->per_addr) {
        if (c->addr->idle_head)
            cut(cs, c->addr->idle_head, "its address is at its limit; its longest-idle goes");
        else
            cut(cs, c, "its address has too many connections, none idle");
    }
    if (cs->draining)
        cut(cs, c, "the server is shutting down");
    pthread_mutex_unlock(&cs->lock);
}

static void closed(lt_conns_t *cs, void **socket_context)
{
    conn_t *c = *socket_context;
    if (!c)
        return;
    pthread_mutex_lock(&cs->lock);
    idle_unlink(cs, c);
    if (c->prev)
        c->prev->next = c->next;
    else
        cs->all = c->next;
    if (c->next)
        c->next->prev = c->prev;
    cs->count--;
    addr_release(cs, c->addr);
    pthread_mutex_unlock(&cs->lock);
    free(c);
    *socket_context = NULL;
}

void lt__conns_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                      enum MHD_ConnectionNotificationCode code)
{
    lt_conns_t *cs = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED)
        opened(cs, conn, socket_context);
    else if (code == MHD_CONNECTION_NOTIFY_CLOSED)
        closed(cs, socket_context);
}

void lt__conns_phase(lt_conns_t *cs, struct MHD_Connection *conn, lt_conn_phase_t p)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    conn_t *c = ci ? ci->socket_context : NULL;
    if (!c)
        return;
    int64_t now = mono_ms();
    pthread_mutex_lock(&cs->lock);
    /* a request line after a detected start keeps the request's first-byte time */
    if (!(p == LT_CONN_REQUEST && c->phase == LT_CONN_REQUEST))
        c->since = now;
    c->phase = p;
    if (p == LT_CONN_IDLE) {
        if (cs->draining)
            cut(cs, c, "the server is shutting down");
        else
            idle_append(cs, c);
    } else {
        idle_unlink(cs, c);
    }
    pthread_mutex_unlock(&cs->lock);
}

/* ---------- deadlines ---------- */

/* Has data arrived on idle connection c since it went idle (a request is beginning)? */
static bool request_begun(const conn_t *c, int64_t now)
{
    struct tcp_info ti;
    socklen_t len = sizeof(ti);
    if (getsockopt(c->fd, IPPROTO_TCP, TCP_INFO, &ti, &len) != 0)
        return false;
    return now - c->since > (int64_t)ti.tcpi_last_data_recv + 100;
}

static void scan(lt_conns_t *cs)
{
    int64_t now = mono_ms();
    for (conn_t *c = cs->all; c; c = c->next) {
        if (c->cut)
            continue;
        int64_t age = now - c->since;
        switch (c->phase) {
        case LT_CONN_REQUEST:
            if (age > cs->header_ms)
                cut(cs, c, "its request line and headers took too long");
            break;
        case LT_CONN_BODY:
            if (age > cs->body_ms)
                cut(cs, c, "its request body took too long");
            break;
        case LT_CONN_IDLE:
            if (age > cs->idle_ms) {
                cut(cs, c, "idle too long");
            } else if (request_begun(c, now)) {
                idle_unlink(cs, c);
                c->phase = LT_CONN_REQUEST;
                c->since = now;
            }
            break;
        case LT_CONN_BUSY:
            break;
        }
    }
}

static void *reaper_main(void *arg)
{
    lt_conns_t *cs = arg;
    int tick = cs->header_ms / 4;
    tick = tick < 50 ? 50 : tick > 1000 ? 1000 : tick;
    pthread_mutex_lock(&cs->lock);
    while (!cs->stopping) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        ts.tv_nsec += (long)tick * 1000000L;
        ts.tv_sec += ts.tv_nsec / 1000000000L;
        ts.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&cs->wake, &cs->lock, &ts);
        if (!cs->stopping)
            scan(cs);
    }
    pthread_mutex_unlock(&cs->lock);
    return NULL;
}

/* ---------- start and stop ---------- */

/* Raise the descriptor limit for want connections; the connections it allows. */
static int fit_fd_limit(int want)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return want;
    rlim_t need = (rlim_t)want + FD_RESERVE;
    if (rl.rlim_cur >= need)
        return want;
    struct rlimit up = {need, rl.rlim_max >= need ? rl.rlim_max : need};
    if (setrlimit(RLIMIT_NOFILE, &up) != 0) { /* not allowed above the hard limit */
        up.rlim_cur = rl.rlim_max;
        up.rlim_max = rl.rlim_max;
        if (setrlimit(RLIMIT_NOFILE, &up) != 0)
            up.rlim_cur = rl.rlim_cur;
    }
    if (up.rlim_cur >= need)
        return want;
    int fit = up.rlim_cur > FD_RESERVE * 2 ? (int)(up.rlim_cur - FD_RESERVE) : FD_RESERVE;
    lt_log_warn("http: the descriptor limit (%llu) allows %d connections, not %d",
                (unsigned long long)up.rlim_cur, fit, want);
    return fit;
}

lt_conns_t *lt__conns_start(lt_http_config_t *cfg)
{
    if (cfg->max_conns <= 0)
        cfg->max_conns = LT_HTTP_MAX_CONNS;
    if (cfg->max_conns_per_addr <= 0)
        cfg->max_conns_per_addr = 1024;
    if (cfg->header_timeout_ms <= 0)
        cfg->header_timeout_ms = 10000;
    if (cfg->body_timeout_ms <= 0)
        cfg->body_timeout_ms = 60000;
    if (cfg->idle_timeout_ms <= 0)
        cfg->idle_timeout_ms = 60000;
    cfg->max_conns = fit_fd_limit(cfg->max_conns);
    lt_conns_t *cs = lt_xcalloc(1, sizeof(*cs));
    pthread_mutex_init(&cs->lock, NULL);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&cs->wake, &ca);
    pthread_condattr_destroy(&ca);
    cs->header_ms = cfg->header_timeout_ms;
    cs->body_ms = cfg->body_timeout_ms;
    cs->idle_ms = cfg->idle_timeout_ms;
    cs->max = cfg->max_conns;
    /* the margin kept free for new clients: 1/16 of the limit, at least 2 */
    int margin = cs->max / 16 > 2 ? cs->max / 16 : 2;
    cs->evict_at = cs->max - margin;
    cs->per_addr = cfg->max_conns_per_addr;
    if (pthread_create(&cs->reaper, NULL, reaper_main, cs) != 0) {
        lt_log_error("http: cannot start the connection deadline thread");
        abort();
    }
    return cs;
}

void lt__conns_stop(lt_conns_t *cs)
{
    if (!cs)
        return;
    pthread_mutex_lock(&cs->lock);
    cs->stopping = true;
    pthread_cond_signal(&cs->wake);
    pthread_mutex_unlock(&cs->lock);
    pthread_join(cs->reaper, NULL);
    /* libmicrohttpd has closed every connection (and told us) before this */
    for (size_t i = 0; i < ADDR_SLOTS; i++)
        while (cs->addrs[i]) {
            addr_ent_t *a = cs->addrs[i];
            cs->addrs[i] = a->next;
            free(a);
        }
    pthread_cond_destroy(&cs->wake);
    pthread_mutex_destroy(&cs->lock);
    free(cs);
}

void lt__conns_drain(lt_conns_t *cs)
{
    pthread_mutex_lock(&cs->lock);
    cs->draining = true;
    while (cs->idle_head)
        cut(cs, cs->idle_head, "the server is shutting down");
    pthread_mutex_unlock(&cs->lock);
}

int lt__conns_count(lt_conns_t *cs)
{
    pthread_mutex_lock(&cs->lock);
    int n = cs->count;
    pthread_mutex_unlock(&cs->lock);
    return n;
}
