/*
 * sq_util.c: the helpers at the bottom of the SQLite backend: running statements with their
 * error mapping (constraint: LT_EINVAL, nothing changed: LT_ENOTFOUND, I/O: LT_ERR, logged),
 * stepping load queries that must end in SQLITE_DONE, and the JSON text of model columns.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../base/log.h"
#include "../../model/model_json.h"
#include "sq_int.h"

int lt__sq_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        lt_log_error("store: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return LT_ERR;
    }
    return LT_OK;
}

sqlite3_stmt *lt__sq_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        lt_log_error("store: prepare: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
        return NULL;
    }
    return st;
}

void lt__sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

void lt__sq_bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

int lt__sq_run(sqlite3 *db, sqlite3_stmt *st)
{
    if (!st)
        return LT_ERR;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return LT_EINVAL;
    if (rc != SQLITE_DONE) {
        lt_log_error("store: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

int lt__sq_run_changed(sqlite3 *db, sqlite3_stmt *st)
{
    int rc = lt__sq_run(db, st);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    return rc;
}

/* Bind fmt's arguments ('t' a string or NULL, 'o' an int64_t bound as NULL when 0, 'b' 32
 * bytes, else an int64_t) to ?1, ?2, ... */
static void bind_all(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    for (int i = 0; fmt[i]; i++) {
        if (fmt[i] == 't')
            lt__sq_bind_text(st, i + 1, va_arg(ap, const char *));
        else if (fmt[i] == 'o')
            lt__sq_bind_opt_int(st, i + 1, va_arg(ap, int64_t));
        else if (fmt[i] == 'b')
            sqlite3_bind_blob(st, i + 1, va_arg(ap, const uint8_t *), 32, SQLITE_TRANSIENT);
        else
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
    }
}

int lt__sq_exec_vbound(sqlite3 *db, const char *sql, const char *fmt, va_list ap)
{
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    if (st)
        bind_all(st, fmt, ap);
    return lt__sq_run(db, st);
}

/* lt__sql_exec_t.run: one statement, its rows stepped through to SQLITE_DONE. */
static int exec_run(lt_store_t *s, int64_t *changed, int64_t *first, const char *sql,
                    const char *fmt, va_list ap)
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    if (changed)
        *changed = 0;
    if (first)
        *first = 0;
    if (!st)
        return LT_ERR;
    bind_all(st, fmt, ap);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && first)
        *first = sqlite3_column_int64(st, 0);
    while (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        return LT_EINVAL;
    if (rc != SQLITE_DONE) {
        lt_log_error("store: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    if (changed)
        *changed = sqlite3_changes(db);
    return LT_OK;
}

/* lt__sql_exec_t.text: the first column of the first row as text. */
static int exec_text(lt_store_t *s, char *out, size_t cap, const char *sql, const char *fmt,
                     va_list ap)
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    out[0] = '\0';
    if (!st)
        return LT_ERR;
    bind_all(st, fmt, ap);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        const unsigned char *t = sqlite3_column_text(st, 0);
        if (t)
            snprintf(out, cap, "%s", (const char *)t);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        lt_log_error("store: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

const lt__sql_exec_t lt__sq_exec_ops = {exec_run, NULL, exec_text};

int lt__sq_exec_bound(sqlite3 *db, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = lt__sq_exec_vbound(db, sql, fmt, ap);
    va_end(ap);
    return rc;
}

int lt__sq_exec_changed(sqlite3 *db, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = lt__sq_exec_vbound(db, sql, fmt, ap);
    va_end(ap);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    return rc;
}

int lt__sq_exists(sqlite3 *db, bool *out, const char *sql, const char *fmt, ...)
{
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    *out = false;
    if (!st)
        return LT_ERR;
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i]; i++) /* text keys only */
        lt__sq_bind_text(st, i + 1, va_arg(ap, const char *));
    va_end(ap);
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    *out = rc == SQLITE_ROW;
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        lt_log_error("store: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

int lt__sq_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    *out = 0;
    if (!st)
        return LT_ERR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *out = sqlite3_column_int64(st, 0);
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        lt_log_error("store: %s: %s", sql, sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

int lt__sq_count(sqlite3 *db, const char *table, size_t *out)
{
    char sql[128];
    int64_t v = 0;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    int rc = lt__sq_int(db, sql, &v);
    *out = rc == LT_OK ? (size_t)v : 0;
    return rc;
}

int lt__sq_row(sqlite3 *db, sqlite3_stmt *st, size_t have, size_t cap, const char *table)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_ROW && have < cap)
        return 1;
    if (rc == SQLITE_ROW)
        lt_log_error("store: read failed: %s has more rows than counted", table);
    else
        lt_log_error("store: read failed in %s: %s", table, sqlite3_errmsg(db));
    return LT_ERR;
}

const char *lt__sq_text(lt_arena_t *a, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? lt_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}
