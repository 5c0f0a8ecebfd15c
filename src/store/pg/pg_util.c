/*
 * pg_util.c: the helpers at the bottom of the PostgreSQL backend: running one statement with
 * its parameters (placeholders rewritten from `?` to `$N`, so the SQL reads as the SQLite
 * backend's), the error mapping (SQLSTATE class 23: LT_EINVAL; nothing changed: LT_ENOTFOUND;
 * anything else: LT_ERR, logged without the parameters), and a row reader over text results.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/log.h"
#include "pg_int.h"

#define MAX_PARAMS 16

/* sql with `?` / `?N` rewritten to `$N` (outside quotes). Caller frees. */
static char *dollars(const char *sql)
{
    size_t n = strlen(sql);
    char *out = lt_xmalloc(n * 3 + 1), *o = out;
    int next = 1;
    char quote = 0;
    for (const char *p = sql; *p; p++) {
        if (quote) {
            if (*p == quote)
                quote = 0;
            *o++ = *p;
        } else if (*p == '\'' || *p == '"') {
            quote = *p;
            *o++ = *p;
        } else if (*p == '?') {
            if (p[1] >= '0' && p[1] <= '9') {
                *o++ = '$';
            } else {
                o += sprintf(o, "$%d", next++);
            }
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
    return out;
}

int lt__pg_vexec(PGconn *c, PGresult **out, int64_t *changed, const char *sql, const char *fmt,
                 va_list ap)
{
    const char *values[MAX_PARAMS];
    int lengths[MAX_PARAMS], formats[MAX_PARAMS];
    char nums[MAX_PARAMS][24];
    int n = 0;
    if (out)
        *out = NULL;
    if (changed)
        *changed = 0;
    for (; fmt[n]; n++) {
        lt_assert(n < MAX_PARAMS);
        lengths[n] = 0;
        formats[n] = 0;
        switch (fmt[n]) {
        case 't':
            values[n] = va_arg(ap, const char *);
            break;
        case 'b':
            values[n] = (const char *)va_arg(ap, const uint8_t *);
            lengths[n] = 32;
            formats[n] = 1;
            break;
        case 'o': {
            int64_t v = va_arg(ap, int64_t);
            snprintf(nums[n], sizeof(nums[n]), "%lld", (long long)v);
            values[n] = v ? nums[n] : NULL;
            break;
        }
        default:
            snprintf(nums[n], sizeof(nums[n]), "%lld", (long long)va_arg(ap, int64_t));
            values[n] = nums[n];
        }
    }
    char *q = dollars(sql);
    /* no parameters: the simple protocol, which takes several statements (the migrations) */
    bool idle = PQtransactionStatus(c) == PQTRANS_IDLE;
    PGresult *res = n ? PQexecParams(c, q, n, NULL, values, lengths, formats, 0) : PQexec(c, q);
    if (idle && PQstatus(c) == CONNECTION_BAD) {
        /* the server went away since this connection's last use (a restart): outside a
         * transaction nothing was done, so connect again and try once more */
        PQclear(res);
        PQreset(c);
        res = n ? PQexecParams(c, q, n, NULL, values, lengths, formats, 0) : PQexec(c, q);
    }
    free(q);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) {
        if (changed)
            *changed = strtoll(PQcmdTuples(res), NULL, 10);
        if (out)
            *out = res;
        else
            PQclear(res);
        return LT_OK;
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    int rc = state && strncmp(state, "23", 2) == 0 ? LT_EINVAL : LT_ERR;
    if (rc == LT_ERR) {
        const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(c);
        size_t len = strlen(msg);
        while (len && (msg[len - 1] == '\n' || msg[len - 1] == ' '))
            len--;
        lt_log_error("store: postgres: %.*s", (int)len, msg);
    }
    PQclear(res);
    return rc;
}

/* lt__sql_exec_t.run on the transaction connection. */
static int exec_run(lt_store_t *s, int64_t *changed, int64_t *first, const char *sql,
                    const char *fmt, va_list ap)
{
    PGresult *res = NULL;
    int rc = lt__pg_vexec(lt__pg_w(s), first ? &res : NULL, changed, sql, fmt, ap);
    if (first)
        *first = rc == LT_OK && PQntuples(res) > 0 ? lt__pg_num(res, 0, 0) : 0;
    PQclear(res);
    return rc;
}

/* An id given, not drawn from table's sequence: move the sequence past it. */
static int exec_explicit_id(lt_store_t *s, const char *table)
{
    char sql[256];
    snprintf(sql, sizeof(sql),
             "SELECT setval('%s_id_seq', greatest((SELECT max(id) FROM %s),"
             " (SELECT last_value FROM %s_id_seq)))",
             table, table, table);
    return lt__pg_run(lt__pg_w(s), sql, "");
}

/* lt__sql_exec_t.text on the transaction connection. */
static int exec_text(lt_store_t *s, char *out, size_t cap, const char *sql, const char *fmt,
                     va_list ap)
{
    PGresult *res = NULL;
    out[0] = '\0';
    int rc = lt__pg_vexec(lt__pg_w(s), &res, NULL, sql, fmt, ap);
    if (rc == LT_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
        snprintf(out, cap, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return rc == LT_OK ? LT_OK : LT_ERR;
}

const lt__sql_exec_t lt__pg_exec_ops = {exec_run, exec_explicit_id, exec_text};

int lt__pg_exec(PGconn *c, PGresult **out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = lt__pg_vexec(c, out, NULL, sql, fmt, ap);
    va_end(ap);
    return rc;
}

int lt__pg_run(PGconn *c, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = lt__pg_vexec(c, NULL, NULL, sql, fmt, ap);
    va_end(ap);
    return rc;
}

int lt__pg_exec_changed(PGconn *c, const char *sql, const char *fmt, ...)
{
    int64_t changed = 0;
    va_list ap;
    va_start(ap, fmt);
    int rc = lt__pg_vexec(c, NULL, &changed, sql, fmt, ap);
    va_end(ap);
    return rc == LT_OK && changed == 0 ? LT_ENOTFOUND : rc;
}

int lt__pg_int(PGconn *c, int64_t *out, const char *sql, const char *fmt, ...)
{
    PGresult *res = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = lt__pg_vexec(c, &res, NULL, sql, fmt, ap);
    va_end(ap);
    *out = rc == LT_OK && PQntuples(res) > 0 ? lt__pg_num(res, 0, 0) : 0;
    PQclear(res);
    return rc;
}

int lt__pg_exists(PGconn *c, bool *out, const char *sql, const char *fmt, ...)
{
    PGresult *res = NULL;
    va_list ap;
    va_start(ap, fmt);
    int rc = lt__pg_vexec(c, &res, NULL, sql, fmt, ap);
    va_end(ap);
    *out = rc == LT_OK && PQntuples(res) > 0;
    PQclear(res);
    return rc;
}

const char *lt__pg_text(lt_arena_t *a, PGresult *res, int row, int col)
{
    if (PQgetisnull(res, row, col))
        return NULL;
    return lt_arena_strndup(a, PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col));
}

int64_t lt__pg_num(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? 0 : strtoll(PQgetvalue(res, row, col), NULL, 10);
}

/* ---------- the row reader ---------- */

static const char *row_text(const lt__row_t *r, int i)
{
    lt__pg_cursor_t *k = r->impl;
    return PQgetisnull(k->res, k->row, i) ? NULL : PQgetvalue(k->res, k->row, i);
}

static size_t row_len(const lt__row_t *r, int i)
{
    lt__pg_cursor_t *k = r->impl;
    return (size_t)PQgetlength(k->res, k->row, i);
}

static int64_t row_num(const lt__row_t *r, int i)
{
    lt__pg_cursor_t *k = r->impl;
    return lt__pg_num(k->res, k->row, i);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* bytea in the text form PostgreSQL sends (`\x` and 64 hex digits) decoded into k->digest. */
static const uint8_t *row_digest(const lt__row_t *r, int i)
{
    lt__pg_cursor_t *k = r->impl;
    const char *v = PQgetisnull(k->res, k->row, i) ? NULL : PQgetvalue(k->res, k->row, i);
    if (!v || PQgetlength(k->res, k->row, i) != 66 || v[0] != '\\' || v[1] != 'x')
        return NULL;
    for (int b = 0; b < 32; b++) {
        int hi = hexval(v[2 + 2 * b]), lo = hexval(v[3 + 2 * b]);
        if (hi < 0 || lo < 0)
            return NULL;
        k->digest[b] = (uint8_t)(hi << 4 | lo);
    }
    return k->digest;
}

void lt__pg_row_of(lt__pg_cursor_t *k, lt__row_t *row)
{
    row->text = row_text;
    row->len = row_len;
    row->num = row_num;
    row->digest = row_digest;
    row->impl = k;
}

int lt__pg_next(void *cursor, lt__row_t *row)
{
    lt__pg_cursor_t *k = cursor;
    if (k->row + 1 >= k->n)
        return 0;
    k->row++;
    lt__pg_row_of(k, row);
    return 1;
}
