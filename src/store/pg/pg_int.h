/*
 * pg_int.h: what the files of the PostgreSQL backend share. pg_backend.c (opening, the
 * connections, migrations, transactions, change notifications, the function table) on top;
 * pg_write.c and pg_read.c the primitives of store.h (the other writes: ../sql_write.c); pg_util.c
 * the helpers at the bottom. Not for use outside src/store/pg/.
 */
#ifndef LT_PG_INT_H
#define LT_PG_INT_H

#include <libpq-fe.h>
#include <pthread.h>
#include <stdarg.h>

#include "../load_rows.h"
#include "../sql_write.h"
#include "../store.h"

#define LT__PG_READERS 3 /* the read pool: reads outside transactions never wait for a write */

/* A handle. w: the transaction connection (every write and the load; the caller serialises
 * them, and begin() takes a cluster-wide advisory lock so the writes of every instance on one
 * database are serialised too). readers: the pool for the reads any thread may make. listen:
 * the LISTEN connection change notifications arrive on. */
typedef struct {
    lt_store_t base;
    const lt__sql_exec_t *exec; /* the shared write primitives' runner (sql_write.h) */
    char *conninfo;             /* the URL as libpq takes it (our own parameters removed) */
    char *schema;               /* or NULL */
    PGconn *w;
    pthread_mutex_t wmu;
    PGconn *readers[LT__PG_READERS];
    bool reader_busy[LT__PG_READERS];
    pthread_mutex_t rmu;
    pthread_cond_t rcond;
    PGconn *listen;
    pthread_mutex_t lmu;
    int unreachable; /* a failed connect was logged; quiet until one succeeds (atomic) */
} lt__pg_store_t;

static inline PGconn *lt__pg_w(lt_store_t *s)
{
    return ((lt__pg_store_t *)s)->w;
}

/* The channel every committed write notifies (its payload: the event id). */
#define LT__PG_CHANNEL "latch_events"

/* ---- pg_util.c ---- */
/* The statement runner of sql_write.h on the transaction connection. */
extern const lt__sql_exec_t lt__pg_exec_ops;
/*
 * Run one statement with parameters. sql uses `?` (numbered in order) or `?N` placeholders,
 * rewritten to PostgreSQL's `$N`. fmt has one letter a parameter: 't' a string or NULL, 'i' an
 * int64_t, 'o' an int64_t passed as NULL when 0, 'b' 32 bytes (bytea). Results: LT_OK; LT_EINVAL
 * on a constraint violation (SQLSTATE class 23, not logged as an error); LT_ERR otherwise
 * (logged). *out (may be NULL) gets the result to PQclear, *changed (may be NULL) the rows
 * changed.
 */
int lt__pg_vexec(PGconn *c, PGresult **out, int64_t *changed, const char *sql, const char *fmt,
                 va_list ap);
int lt__pg_exec(PGconn *c, PGresult **out, const char *sql, const char *fmt, ...);
/* As lt__pg_exec without a result; LT_ENOTFOUND when no row changed. */
int lt__pg_exec_changed(PGconn *c, const char *sql, const char *fmt, ...);
/* As lt__pg_exec without a result. */
int lt__pg_run(PGconn *c, const char *sql, const char *fmt, ...);
/* The first column of the first row as an integer (0 when none or NULL). */
int lt__pg_int(PGconn *c, int64_t *out, const char *sql, const char *fmt, ...);
/* Does the query return a row? */
int lt__pg_exists(PGconn *c, bool *out, const char *sql, const char *fmt, ...);
/* A row reader (load_rows.h) over row i of res; k is its scratch (decoded digests). */
typedef struct {
    PGresult *res;
    int row, n;
    uint8_t digest[32];
} lt__pg_cursor_t;
void lt__pg_row_of(lt__pg_cursor_t *k, lt__row_t *row);
/* The next row of k's result (a lt__row_next_fn): 1, or 0 at the end. */
int lt__pg_next(void *k, lt__row_t *row);
/* A text column copied into the arena, or NULL. */
const char *lt__pg_text(lt_arena_t *a, PGresult *res, int row, int col);
int64_t lt__pg_num(PGresult *res, int row, int col);

/* ---- pg_backend.c: the read pool ---- */
PGconn *lt__pg_reader_get(lt_store_t *s); /* a healthy reader, or NULL (logged) */
void lt__pg_reader_put(lt_store_t *s, PGconn *c);

/* ---- the primitives (see store.h), by file ---- */
int lt__pg_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *out); /* pg_read.c */
int lt__pg_select(lt_store_t *s, int (*fn)(void *ctx, size_t n, lt__row_next_fn next, void *cursor),
                  void *ctx, const char *sql, const char *fmt, ...);
int lt__pg_sessions_load(lt_store_t *s, lt_session_fn fn, void *ctx);
int lt__pg_token_usage_load(lt_store_t *s, const uint8_t *digest, lt_token_usage_fn fn,
                            void *ctx);
int lt__pg_tokens_find(lt_store_t *s, lt_arena_t *a, const lt_token_query_t *q, lt_token_t **out,
                       size_t *n);
int lt__pg_environments_list(lt_store_t *s, lt_arena_t *a, lt_environment_t **out, size_t *n);
int lt__pg_project_count(lt_store_t *s, int64_t *out);
int lt__pg_role_in_use(lt_store_t *s, int64_t id, bool *out);
int lt__pg_strategy_id_taken(lt_store_t *s, const char *id, const char *feature, const char *env,
                             bool *out);
int lt__pg_revision(lt_store_t *s, int64_t *out);
int lt__pg_user_auth(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out);
int lt__pg_integration_events_list(lt_store_t *s, lt_arena_t *a, int64_t addon_id,
                                   int64_t offset, int64_t limit, lt_integration_event_t **out,
                                   size_t *n);
int lt__pg_events_list(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total);
int lt__pg_events_walk(lt_store_t *s, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                       void *ctx);
int lt__pg_usage_apps(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n);
int lt__pg_usage_feature(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n);

int lt__pg_event_append(lt_store_t *s, const lt_event_t *ev); /* pg_write.c */

int lt__pg_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                       int64_t expires_at);
int lt__pg_session_delete(lt_store_t *s, const uint8_t digest[32]);
int lt__pg_sessions_delete_user(lt_store_t *s, int64_t user_id);
int lt__pg_tokens_seen(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n);
int lt__pg_usage_write(lt_store_t *s, const lt_app_row_t *apps, size_t n_apps,
                       const lt_metric_row_t *rows, size_t n_rows);

/* ---- migrations (pg_migrations.c) ---- */
extern const char *const lt_pg_migrations[];
extern const size_t lt_pg_n_migrations;

#endif
