/*
 * sq_load.c: the SQLite load primitive: every table of load_rows.c read into the dataset a
 * snapshot is built from, inside the caller's read transaction, through a row reader over
 * SQLite statements. Fails closed: every row loop must end in SQLITE_DONE (a row beyond the
 * counted ones or an SQLite error fails the load, logged with the table name).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/log.h"
#include "sq_int.h"

static const char *row_text(const lt__row_t *r, int i)
{
    return (const char *)sqlite3_column_text(r->impl, i);
}

static size_t row_len(const lt__row_t *r, int i)
{
    return (size_t)sqlite3_column_bytes(r->impl, i);
}

static int64_t row_num(const lt__row_t *r, int i)
{
    return sqlite3_column_int64(r->impl, i);
}

static const uint8_t *row_digest(const lt__row_t *r, int i)
{
    const void *b = sqlite3_column_blob(r->impl, i);
    return b && sqlite3_column_bytes(r->impl, i) == 32 ? b : NULL;
}

void lt__sq_row_of(sqlite3_stmt *st, lt__row_t *row)
{
    row->text = row_text;
    row->len = row_len;
    row->num = row_num;
    row->digest = row_digest;
    row->impl = st;
}

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *st;
    const char *table;
} cursor_t;

static int next_row(void *c, lt__row_t *row)
{
    cursor_t *k = c;
    int rc = sqlite3_step(k->st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc != SQLITE_ROW) {
        lt_log_error("store: read failed in %s: %s", k->table, sqlite3_errmsg(k->db));
        return LT_ERR;
    }
    lt__sq_row_of(k->st, row);
    return 1;
}

static int scan(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d, const lt__load_table_t *t)
{
    size_t n = 0;
    if (lt__sq_count(db, t->table, &n) != LT_OK)
        return LT_ERR;
    cursor_t k = {db, lt__sq_prepare(db, t->sql), t->table};
    if (!k.st)
        return LT_ERR;
    int rc = lt__load_scan(t, a, d, n, next_row, &k);
    sqlite3_finalize(k.st);
    return rc;
}

int lt__sq_load_environments(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    return scan(db, a, d, &lt__load_environments);
}

int lt__sq_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3 *db = lt__sq_db(s);
    memset(d, 0, sizeof(*d));
    if (lt__sq_int(db, "SELECT max(id) FROM events", &d->revision) != LT_OK)
        return LT_ERR;
    for (size_t i = 0; i < lt__n_load_tables; i++)
        if (scan(db, a, d, &lt__load_tables[i]) != LT_OK)
            return LT_ERR;
    return LT_OK;
}

int lt__sq_select(lt_store_t *s, int (*fn)(void *ctx, size_t n, lt__row_next_fn next, void *cursor),
                  void *ctx, const char *sql, const char *fmt, ...)
{
    sqlite3 *db = lt__sq_db(s);
    size_t len = strlen(sql) + 40;
    char *count_sql = lt_xmalloc(len);
    snprintf(count_sql, len, "SELECT count(*) FROM (%s)", sql);
    sqlite3_stmt *c = lt__sq_prepare(db, count_sql);
    free(count_sql);
    cursor_t k = {db, c ? lt__sq_prepare(db, sql) : NULL, "a query"};
    if (!k.st) {
        sqlite3_finalize(c);
        return LT_ERR;
    }
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    lt__sq_bind_all(c, fmt, ap);
    lt__sq_bind_all(k.st, fmt, ap2);
    va_end(ap2);
    va_end(ap);
    int rc = sqlite3_step(c);
    size_t n = rc == SQLITE_ROW ? (size_t)sqlite3_column_int64(c, 0) : 0;
    sqlite3_finalize(c);
    if (rc != SQLITE_ROW) {
        lt_log_error("store: read failed: %s", sqlite3_errmsg(db));
        sqlite3_finalize(k.st);
        return LT_ERR;
    }
    rc = fn(ctx, n, next_row, &k);
    sqlite3_finalize(k.st);
    return rc;
}
