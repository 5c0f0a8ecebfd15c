/*
 * sq_int.h: what the files of the SQLite backend share. sq_backend.c (open, migrations,
 * transactions, the function table) on top; sq_load.c, sq_write.c and sq_read.c the
 * primitives of store.h (the other writes: ../sql_write.c); sq_util.c the helpers at the
 * bottom.
 * Not for use outside src/store/sqlite/.
 */
#ifndef LT_SQ_INT_H
#define LT_SQ_INT_H

#include <pthread.h>
#include <stdarg.h>
#include <sqlite3.h>

#include "../load_rows.h"
#include "../sql_write.h"
#include "../store.h"

/* A handle: the write connection (transactions, loads; the caller serialises them) and a read
 * connection for the reads any thread may make, each guarded by its own mutex. */
typedef struct {
    lt_store_t base;
    const lt__sql_exec_t *exec; /* the shared write primitives' runner (sql_write.h) */
    sqlite3 *db;      /* write connection */
    sqlite3 *rdb;     /* read connection */
    pthread_mutex_t wmu, rmu;
    bool full; /* the last failed write transaction ended in SQLITE_FULL (under wmu) */
} lt__sq_store_t;

static inline sqlite3 *lt__sq_db(lt_store_t *s)
{
    return ((lt__sq_store_t *)s)->db;
}

/* ---- sq_util.c ---- */
/* The statement runner of sql_write.h on the write connection. */
extern const lt__sql_exec_t lt__sq_exec_ops;
/* Run SQL text (several statements allowed); errors are logged. LT_OK or LT_ERR. */
int lt__sq_exec(sqlite3 *db, const char *sql);
/* Prepare one statement, NULL on error (logged). */
sqlite3_stmt *lt__sq_prepare(sqlite3 *db, const char *sql);
/* Bind a string, or NULL when s is NULL. */
void lt__sq_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Bind fmt's arguments (as lt__sq_exec_bound) to ?1, ?2, ... */
void lt__sq_bind_all(sqlite3_stmt *st, const char *fmt, va_list ap);
/* Bind v, or NULL when v is 0. */
void lt__sq_bind_opt_int(sqlite3_stmt *st, int i, int64_t v);
/* Step a statement that returns no rows and finalize it (st may be NULL: LT_ERR). A
 * constraint violation is LT_EINVAL (not logged as an error). */
int lt__sq_run(sqlite3 *db, sqlite3_stmt *st);
/* As lt__sq_run; LT_ENOTFOUND when the statement changed no row. */
int lt__sq_run_changed(sqlite3 *db, sqlite3_stmt *st);
/* Prepare sql, bind fmt's arguments ('t' a string or NULL, 'i' an int64_t, 'o' an
 * int64_t bound as NULL when 0, 'b' 32 bytes) and
 * run it as lt__sq_run. */
int lt__sq_exec_bound(sqlite3 *db, const char *sql, const char *fmt, ...);
int lt__sq_exec_vbound(sqlite3 *db, const char *sql, const char *fmt, va_list ap);
/* As lt__sq_exec_bound, LT_ENOTFOUND when no row changed. */
int lt__sq_exec_changed(sqlite3 *db, const char *sql, const char *fmt, ...);
/* Does the query (binding fmt's text arguments, 't' each) return a row? *out; LT_OK or
 * LT_ERR (logged). */
int lt__sq_exists(sqlite3 *db, bool *out, const char *sql, const char *fmt, ...);
/* The first column of the only row as an integer in *out (0 when NULL). LT_OK, or LT_ERR
 * (logged) on any SQLite error: never a default in place of an error. */
int lt__sq_int(sqlite3 *db, const char *sql, int64_t *out);
/* count(*) of a table into *out; LT_OK or LT_ERR (logged). */
int lt__sq_count(sqlite3 *db, const char *table, size_t *out);
/* Step a query: 1 for a row (when have < cap), 0 at SQLITE_DONE, LT_ERR (logged with the
 * table name) on an SQLite error or a row beyond the counted capacity. */
int lt__sq_row(sqlite3 *db, sqlite3_stmt *st, size_t have, size_t cap, const char *table);
/* A text column copied into the arena, or NULL. */
const char *lt__sq_text(lt_arena_t *a, sqlite3_stmt *st, int i);

/* ---- the primitives, by file (see store.h for what each does) ---- */
int lt__sq_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *out);            /* sq_load.c */
/* The environments alone, as the load reads them (sorted by sort order, then name). */
int lt__sq_load_environments(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d);
/* store.h select: one query, its count and a cursor over its rows handed to fn. */
int lt__sq_select(lt_store_t *s, int (*fn)(void *ctx, size_t n, lt__row_next_fn next, void *cursor),
                  void *ctx, const char *sql, const char *fmt, ...);
/* A row reader (load_rows.h) over the current row of st. */
void lt__sq_row_of(sqlite3_stmt *st, lt__row_t *row);

int lt__sq_event_append(lt_store_t *s, const lt_event_t *ev);                 /* sq_write.c */

int lt__sq_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                       int64_t expires_at);
int lt__sq_session_delete(lt_store_t *s, const uint8_t digest[32]);
int lt__sq_sessions_delete_user(lt_store_t *s, int64_t user_id);
int lt__sq_tokens_seen(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n);
int lt__sq_usage_write(lt_store_t *s, const lt_app_row_t *apps, size_t n_apps,
                       const lt_metric_row_t *rows, size_t n_rows);

int lt__sq_sessions_load(lt_store_t *s, lt_session_fn fn, void *ctx);         /* sq_read.c */
int lt__sq_token_usage_load(lt_store_t *s, const uint8_t *digest, lt_token_usage_fn fn,
                            void *ctx);  /* sq_read.c */
int lt__sq_tokens_find(lt_store_t *s, lt_arena_t *a, const lt_token_query_t *q,
                       lt_token_t **out, size_t *n);
int lt__sq_environments_list(lt_store_t *s, lt_arena_t *a, lt_environment_t **out, size_t *n);
int lt__sq_project_count(lt_store_t *s, int64_t *out);
int lt__sq_role_in_use(lt_store_t *s, int64_t id, bool *out);
int lt__sq_strategy_id_taken(lt_store_t *s, const char *id, const char *feature,
                             const char *env, bool *out);
int lt__sq_revision(lt_store_t *s, int64_t *out);
int lt__sq_user_auth(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out);
int lt__sq_integration_events_list(lt_store_t *s, lt_arena_t *a, int64_t addon_id,
                                   int64_t offset, int64_t limit, lt_integration_event_t **out,
                                   size_t *n);
int lt__sq_events_list(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total);
int lt__sq_events_walk(lt_store_t *s, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                       void *ctx);
int lt__sq_usage_apps(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n);
int lt__sq_usage_feature(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n);

#endif
