/*
 * pg_backend.c: the store on PostgreSQL (libpq). The function table on top; then opening
 * (our own `schema=` parameter taken out of the URL, the schema created, the numbered
 * migrations under a session advisory lock so instances starting together migrate once), the
 * connections (one for transactions, a small read pool, one to LISTEN on), transactions (a write
 * takes a transaction-level advisory lock: the writes of every instance on one database are
 * serialised, as SQLite's BEGIN IMMEDIATE serialises processes, so event ids grow in commit
 * order) and the change notifications. A connection found broken is re-made on its next use.
 * Seed data is not here: the rules layer applies it (seed.c).
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/buf.h"
#include "../../base/log.h"
#include "../../base/util.h"
#include "pg_int.h"

/* The advisory lock keys (any two constants: 'latch' in ASCII, and which lock). */
#define LOCK_WRITE "7233184648504201"
#define LOCK_MIGRATE "7233184648504202"

static int pg_open(lt_store_t **out, const char *url);
static void pg_close(lt_store_t *s);
static int pg_begin(lt_store_t *s, lt_tx_kind_t kind);
static int pg_commit(lt_store_t *s);
static void pg_rollback(lt_store_t *s);
static int pg_wait_change(lt_store_t *s, int timeout_ms);

const lt_store_backend_t lt_store_postgres = {
    .name = "postgres",
    .open = pg_open,
    .close = pg_close,
    .begin = pg_begin,
    .commit = pg_commit,
    .rollback = pg_rollback,
    .load = lt__pg_load,
    .event_append = lt__pg_event_append,
    LT__SQL_WRITE_PRIMITIVES,
    .session_put = lt__pg_session_put,
    .session_delete = lt__pg_session_delete,
    .sessions_delete_user = lt__pg_sessions_delete_user,
    .sessions_load = lt__pg_sessions_load,
    .token_usage_load = lt__pg_token_usage_load,
    .tokens_seen = lt__pg_tokens_seen,
    .usage_write = lt__pg_usage_write,
    .tokens_find = lt__pg_tokens_find,
    .environments_list = lt__pg_environments_list,
    .project_count = lt__pg_project_count,
    .role_in_use = lt__pg_role_in_use,
    .strategy_id_taken = lt__pg_strategy_id_taken,
    .revision = lt__pg_revision,
    .user_auth = lt__pg_user_auth,
    .events_list = lt__pg_events_list,
    .events_walk = lt__pg_events_walk,
    .integration_events_list = lt__pg_integration_events_list,
    .usage_apps = lt__pg_usage_apps,
    .usage_feature = lt__pg_usage_feature,
    .wait_change = pg_wait_change,
};

/* ---------- connections ---------- */

static void no_notices(void *arg, const char *msg)
{
    LT_UNUSED(arg);
    LT_UNUSED(msg);
}

/* A new connection, or NULL (logged once while PostgreSQL stays out of reach; libpq's message
 * names host and port, never a password). lock_timeout bounds a wait for the write lock behind
 * a stuck instance; keepalives find a peer that vanished without closing. */
static PGconn *connect_pg(lt__pg_store_t *s)
{
    char options[160];
    snprintf(options, sizeof(options), "-c lock_timeout=15s%s%s",
             s->schema ? " -c search_path=" : "", s->schema ? s->schema : "");
    const char *keys[] = {"dbname",          "application_name",    "connect_timeout",  "options",
                          "keepalives_idle", "keepalives_interval", "keepalives_count", NULL};
    const char *vals[] = {s->conninfo, "latch", "5", options, "10", "5", "3", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (PQstatus(c) != CONNECTION_OK) {
        if (!__atomic_exchange_n(&s->unreachable, 1, __ATOMIC_RELAXED)) {
            const char *msg = PQerrorMessage(c);
            size_t len = strlen(msg);
            while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
                len--;
            lt_log_error("store: cannot connect to PostgreSQL: %.*s", (int)len, msg);
        }
        PQfinish(c);
        return NULL;
    }
    if (__atomic_exchange_n(&s->unreachable, 0, __ATOMIC_RELAXED))
        lt_log_info("store: connected to PostgreSQL again");
    PQsetNoticeProcessor(c, no_notices,
                         NULL); /* NOTICEs (CREATE ... IF NOT EXISTS) are not errors */
    return c;
}

/* *c usable: connected (again) when it is missing or broken. */
static bool ensure(lt__pg_store_t *s, PGconn **c)
{
    if (*c && PQstatus(*c) == CONNECTION_OK)
        return true;
    if (*c) {
        PQreset(*c);
        if (PQstatus(*c) == CONNECTION_OK)
            return true;
        PQfinish(*c);
        *c = NULL;
    }
    *c = connect_pg(s);
    return *c != NULL;
}

PGconn *lt__pg_reader_get(lt_store_t *base)
{
    lt__pg_store_t *s = (lt__pg_store_t *)base;
    pthread_mutex_lock(&s->rmu);
    int i;
    for (;;) {
        for (i = 0; i < LT__PG_READERS && s->reader_busy[i]; i++)
            ;
        if (i < LT__PG_READERS)
            break;
        pthread_cond_wait(&s->rcond, &s->rmu);
    }
    s->reader_busy[i] = true;
    pthread_mutex_unlock(&s->rmu);
    if (!ensure(s, &s->readers[i])) { /* outside the pool lock: a connect may take seconds */
        pthread_mutex_lock(&s->rmu);
        s->reader_busy[i] = false;
        pthread_cond_signal(&s->rcond);
        pthread_mutex_unlock(&s->rmu);
        return NULL;
    }
    return s->readers[i];
}

void lt__pg_reader_put(lt_store_t *base, PGconn *c)
{
    lt__pg_store_t *s = (lt__pg_store_t *)base;
    pthread_mutex_lock(&s->rmu);
    for (int i = 0; i < LT__PG_READERS; i++)
        if (s->readers[i] == c)
            s->reader_busy[i] = false;
    pthread_cond_signal(&s->rcond);
    pthread_mutex_unlock(&s->rmu);
}

/* ---------- opening ---------- */

/* url without our own `schema=NAME` parameter (libpq refuses parameters it does not know),
 * the name in *schema. LT_EINVAL when the name is not [A-Za-z0-9_]+. */
static int split_url(const char *url, char **conninfo, char **schema)
{
    *schema = NULL;
    const char *q = strchr(url, '?');
    if (!q) {
        *conninfo = lt_xstrdup(url);
        return LT_OK;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_append(&b, url, (size_t)(q - url));
    const char *p = q + 1;
    bool first = true;
    while (*p) {
        size_t n = strcspn(p, "&");
        if (n > 7 && strncmp(p, "schema=", 7) == 0) {
            free(*schema);
            *schema = lt_xstrndup(p + 7, n - 7);
        } else if (n > 0) {
            lt_buf_putc(&b, first ? '?' : '&');
            lt_buf_append(&b, p, n);
            first = false;
        }
        p += n + (p[n] == '&');
    }
    *conninfo = lt_buf_take(&b, NULL);
    for (const char *c = *schema; c && *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') || (*c >= '0' && *c <= '9') ||
              *c == '_')) {
            lt_log_error("store: the schema name must be letters, digits and _");
            return LT_EINVAL;
        }
    return LT_OK;
}

static int migrate(lt__pg_store_t *s)
{
    PGconn *c = s->w;
    int64_t have = 0;
    char sql[160];
    if (s->schema) {
        snprintf(sql, sizeof(sql), "CREATE SCHEMA IF NOT EXISTS %s", s->schema);
        if (lt__pg_run(c, sql, "") != LT_OK)
            return LT_ERR;
    }
    if (lt__pg_run(c, "SELECT pg_advisory_lock(" LOCK_MIGRATE ")", "") != LT_OK)
        return LT_ERR;
    int rc =
        lt__pg_run(c, "CREATE TABLE IF NOT EXISTS latch_migrations (version INTEGER NOT NULL)", "");
    if (rc == LT_OK)
        rc = lt__pg_int(c, &have, "SELECT coalesce(max(version), 0) FROM latch_migrations", "");
    if (rc == LT_OK && (size_t)have > lt_pg_n_migrations) {
        lt_log_error("store: database schema %lld is newer than this latch (%zu)", (long long)have,
                     lt_pg_n_migrations);
        rc = LT_ERR;
    }
    for (size_t i = (size_t)have; rc == LT_OK && i < lt_pg_n_migrations; i++) {
        rc = lt__pg_run(c, "BEGIN", "");
        if (rc == LT_OK)
            rc = lt__pg_run(c, lt_pg_migrations[i], "");
        if (rc == LT_OK)
            rc = lt__pg_run(c, "INSERT INTO latch_migrations (version) VALUES (?)", "i",
                            (int64_t)(i + 1));
        if (rc == LT_OK)
            rc = lt__pg_run(c, "COMMIT", "");
        if (rc != LT_OK) {
            lt__pg_run(c, "ROLLBACK", "");
            rc = LT_ERR;
        } else {
            lt_log_info("store: applied migration %zu", i + 1);
        }
    }
    if (lt__pg_run(c, "SELECT pg_advisory_unlock(" LOCK_MIGRATE ")", "") != LT_OK)
        rc = LT_ERR;
    return rc;
}

static int pg_open(lt_store_t **out, const char *url)
{
    lt__pg_store_t *s = lt_xcalloc(1, sizeof(*s));
    s->base.be = &lt_store_postgres;
    s->exec = &lt__pg_exec_ops;
    pthread_mutex_init(&s->wmu, NULL);
    pthread_mutex_init(&s->rmu, NULL);
    pthread_mutex_init(&s->lmu, NULL);
    pthread_cond_init(&s->rcond, NULL);
    int rc = split_url(url, &s->conninfo, &s->schema);
    if (rc != LT_OK || !(s->w = connect_pg(s)) || migrate(s) != LT_OK) {
        pg_close(&s->base);
        return rc != LT_OK ? rc : LT_ERR;
    }
    *out = &s->base;
    return LT_OK;
}

static void pg_close(lt_store_t *base)
{
    lt__pg_store_t *s = (lt__pg_store_t *)base;
    PQfinish(s->w);
    PQfinish(s->listen);
    for (int i = 0; i < LT__PG_READERS; i++)
        PQfinish(s->readers[i]);
    free(s->conninfo);
    free(s->schema);
    pthread_mutex_destroy(&s->wmu);
    pthread_mutex_destroy(&s->rmu);
    pthread_mutex_destroy(&s->lmu);
    pthread_cond_destroy(&s->rcond);
    free(s);
}

/* ---------- transactions ---------- */

/* A transaction holds the write connection's mutex from begin to commit or rollback. A read
 * one sees one snapshot of the database throughout (REPEATABLE READ), as the load needs. */
static int pg_begin(lt_store_t *base, lt_tx_kind_t kind)
{
    lt__pg_store_t *s = (lt__pg_store_t *)base;
    pthread_mutex_lock(&s->wmu);
    if (!ensure(s, &s->w))
        goto fail;
    if (kind == LT_TX_READ) {
        if (lt__pg_run(s->w, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "") != LT_OK)
            goto fail;
        return LT_OK;
    }
    if (lt__pg_run(s->w, "BEGIN", "") != LT_OK)
        goto fail;
    if (lt__pg_run(s->w, "SELECT pg_advisory_xact_lock(" LOCK_WRITE ")", "") != LT_OK) {
        lt__pg_run(s->w, "ROLLBACK", "");
        goto fail;
    }
    return LT_OK;
fail:
    pthread_mutex_unlock(&s->wmu);
    return LT_ERR;
}

static int pg_commit(lt_store_t *base)
{
    lt__pg_store_t *s = (lt__pg_store_t *)base;
    int rc = lt__pg_run(s->w, "COMMIT", "");
    if (rc != LT_OK && PQtransactionStatus(s->w) != PQTRANS_IDLE)
        lt__pg_run(s->w, "ROLLBACK", "");
    pthread_mutex_unlock(&s->wmu);
    return rc == LT_OK ? LT_OK : LT_ERR;
}

static void pg_rollback(lt_store_t *base)
{
    lt__pg_store_t *s = (lt__pg_store_t *)base;
    if (PQstatus(s->w) == CONNECTION_OK && PQtransactionStatus(s->w) != PQTRANS_IDLE)
        lt__pg_run(s->w, "ROLLBACK", "");
    pthread_mutex_unlock(&s->wmu);
}

/* ---------- change notifications ---------- */

/* Wait on the LISTEN connection: 1 when a notification came (or the connection was re-made:
 * one may have been missed), 0 on timeout, LT_ERR when PostgreSQL cannot be reached. */
static int pg_wait_change(lt_store_t *base, int timeout_ms)
{
    lt__pg_store_t *s = (lt__pg_store_t *)base;
    pthread_mutex_lock(&s->lmu);
    int rc = 0;
    if (!s->listen || PQstatus(s->listen) != CONNECTION_OK) {
        PQfinish(s->listen);
        s->listen = connect_pg(s);
        if (!s->listen || lt__pg_run(s->listen, "LISTEN " LT__PG_CHANNEL, "") != LT_OK) {
            PQfinish(s->listen);
            s->listen = NULL;
            pthread_mutex_unlock(&s->lmu);
            struct pollfd none = {-1, 0, 0};
            poll(&none, 0, timeout_ms); /* not reachable: the caller's poll paces the retries */
            return LT_ERR;
        }
        rc = 1;
    }
    PGnotify *n;
    struct pollfd p = {PQsocket(s->listen), POLLIN, 0};
    if (rc == 0 && poll(&p, 1, timeout_ms) > 0) {
        if (!PQconsumeInput(s->listen))
            rc = 1; /* lost: re-made on the next call, and the caller reloads meanwhile */
    }
    while ((n = PQnotifies(s->listen)) != NULL) {
        rc = 1;
        PQfreemem(n);
    }
    pthread_mutex_unlock(&s->lmu);
    return rc;
}
