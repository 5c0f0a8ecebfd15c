/*
 * sq_backend.c: the embedded store on SQLite (WAL, synchronous=NORMAL: a crash of latch
 * loses nothing committed; a power loss may lose the last transactions but never corrupts).
 * The function table on top; then opening (a write connection and a read connection, each
 * behind its own mutex), the numbered migrations (migrations.c) and transactions. Seed data is
 * not here: the rules layer applies it (seed.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../base/log.h"
#include "../../base/util.h"
#include "migrations.h"
#include "sq_int.h"

static int sq_open(lt_store_t **out, const char *path);
static void sq_close(lt_store_t *s);
static int sq_begin(lt_store_t *s, lt_tx_kind_t kind);
static int sq_commit(lt_store_t *s);
static void sq_rollback(lt_store_t *s);
static bool sq_out_of_space(lt_store_t *s);

const lt_store_backend_t lt_store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .begin = sq_begin,
    .commit = sq_commit,
    .rollback = sq_rollback,
    .out_of_space = sq_out_of_space,
    .load = lt__sq_load,
    .event_append = lt__sq_event_append,
    LT__SQL_WRITE_PRIMITIVES,
    .session_put = lt__sq_session_put,
    .session_delete = lt__sq_session_delete,
    .sessions_delete_user = lt__sq_sessions_delete_user,
    .sessions_load = lt__sq_sessions_load,
    .token_usage_load = lt__sq_token_usage_load,
    .tokens_seen = lt__sq_tokens_seen,
    .usage_write = lt__sq_usage_write,
    .tokens_find = lt__sq_tokens_find,
    .environments_list = lt__sq_environments_list,
    .project_count = lt__sq_project_count,
    .role_in_use = lt__sq_role_in_use,
    .strategy_id_taken = lt__sq_strategy_id_taken,
    .revision = lt__sq_revision,
    .user_auth = lt__sq_user_auth,
    .events_list = lt__sq_events_list,
    .events_walk = lt__sq_events_walk,
    .integration_events_list = lt__sq_integration_events_list,
    .usage_apps = lt__sq_usage_apps,
    .usage_feature = lt__sq_usage_feature,
};

static int migrate(sqlite3 *db)
{
    int64_t have = 0;
    if (lt__sq_int(db, "PRAGMA user_version", &have) != LT_OK)
        return LT_ERR;
    if ((size_t)have > lt_sqlite_n_migrations) {
        lt_log_error("store: database schema %lld is newer than this latch (%zu)",
                     (long long)have, lt_sqlite_n_migrations);
        return LT_ERR;
    }
    for (size_t i = (size_t)have; i < lt_sqlite_n_migrations; i++) {
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %zu", i + 1);
        if (lt__sq_exec(db, "BEGIN IMMEDIATE") != LT_OK)
            return LT_ERR;
        if (lt__sq_exec(db, lt_sqlite_migrations[i]) != LT_OK || lt__sq_exec(db, pragma) != LT_OK) {
            lt__sq_exec(db, "ROLLBACK");
            return LT_ERR;
        }
        if (lt__sq_exec(db, "COMMIT") != LT_OK)
            return LT_ERR;
        lt_log_info("store: applied migration %zu", i + 1);
    }
    return LT_OK;
}

/*
 * The database holds password hashes and token digests: create it owner-only before SQLite
 * opens it (SQLite gives its -wal and -shm files the database's mode). An existing file is
 * left as the operator set it, with a warning when others may read it. Called before any
 * connection is open: closing a descriptor of the file drops every POSIX lock this process
 * holds on it, SQLite's included.
 */
static int create_private(const char *path)
{
    if (!path[0] || path[0] == ':' || strncmp(path, "file:", 5) == 0)
        return LT_OK; /* in memory, or a URI SQLite resolves itself */
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) {
        lt_log_errno(LT_LOG_ERROR, "store: cannot open %s", path);
        return LT_ERR;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && (st.st_mode & 077))
        lt_log_warn("store: %s can be read by other users (mode %03o); it holds password "
                    "hashes: chmod 600 it",
                    path, (unsigned)(st.st_mode & 0777));
    close(fd);
    return LT_OK;
}

static int connect_db(const char *path, const char *pragmas, sqlite3 **out)
{
    if (sqlite3_open_v2(path, out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        lt_log_error("store: cannot open %s: %s", path, sqlite3_errmsg(*out));
        return LT_ERR;
    }
    sqlite3_busy_timeout(*out, 5000);
    return lt__sq_exec(*out, pragmas);
}

static int sq_open(lt_store_t **out, const char *path)
{
    lt__sq_store_t *s = lt_xcalloc(1, sizeof(*s));
    s->base.be = &lt_store_sqlite;
    s->exec = &lt__sq_exec_ops;
    pthread_mutex_init(&s->wmu, NULL);
    pthread_mutex_init(&s->rmu, NULL);
    if (create_private(path) != LT_OK ||
        connect_db(path, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                      " PRAGMA foreign_keys=ON;", &s->db) != LT_OK ||
        migrate(s->db) != LT_OK ||
        connect_db(path, "PRAGMA query_only=1;", &s->rdb) != LT_OK)
        goto fail;
    *out = &s->base;
    return LT_OK;
fail:
    sq_close(&s->base);
    return LT_ERR;
}

static void sq_close(lt_store_t *base)
{
    lt__sq_store_t *s = (lt__sq_store_t *)base;
    sqlite3_close(s->rdb);
    sqlite3_close(s->db);
    pthread_mutex_destroy(&s->wmu);
    pthread_mutex_destroy(&s->rmu);
    free(s);
}

/* A transaction holds the write connection's mutex from begin to commit or rollback. */
static int sq_begin(lt_store_t *base, lt_tx_kind_t kind)
{
    lt__sq_store_t *s = (lt__sq_store_t *)base;
    pthread_mutex_lock(&s->wmu);
    if (lt__sq_exec(s->db, kind == LT_TX_WRITE ? "BEGIN IMMEDIATE" : "BEGIN") != LT_OK) {
        pthread_mutex_unlock(&s->wmu);
        return LT_ERR;
    }
    return LT_OK;
}

/* Note whether the statement that just failed on the write connection found the disk full
 * (SQLite maps ENOSPC to SQLITE_FULL), before a ROLLBACK resets the error. */
static void note_failure(lt__sq_store_t *s)
{
    s->full = (sqlite3_extended_errcode(s->db) & 0xff) == SQLITE_FULL;
}

static int sq_commit(lt_store_t *base)
{
    lt__sq_store_t *s = (lt__sq_store_t *)base;
    int rc = lt__sq_exec(s->db, "COMMIT");
    if (rc != LT_OK)
        note_failure(s);
    else
        s->full = false;
    if (rc != LT_OK && !sqlite3_get_autocommit(s->db))
        lt__sq_exec(s->db, "ROLLBACK");
    pthread_mutex_unlock(&s->wmu);
    return rc;
}

static bool sq_out_of_space(lt_store_t *base)
{
    return ((lt__sq_store_t *)base)->full;
}

static void sq_rollback(lt_store_t *base)
{
    lt__sq_store_t *s = (lt__sq_store_t *)base;
    note_failure(s);
    if (!sqlite3_get_autocommit(s->db))
        lt__sq_exec(s->db, "ROLLBACK");
    pthread_mutex_unlock(&s->wmu);
}
