/*
 * pg_read.c: the PostgreSQL load and reads. The load and the small reads the rules need run on
 * the transaction connection inside the caller's transaction (the load's is REPEATABLE READ:
 * one snapshot of every table). Revision, login, events and usage take a connection of the read
 * pool: any thread, and never behind a write.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/log.h"
#include "../../base/util.h"
#include "pg_int.h"

/* One table of the load: its rows in one result, handed to the shared fill. */
static int scan(PGconn *db, lt_arena_t *a, lt_dataset_t *d, const lt__load_table_t *t)
{
    lt__pg_cursor_t k = {NULL, -1, 0, {0}};
    if (lt__pg_exec(db, &k.res, t->sql, "") != LT_OK) {
        lt_log_error("store: load failed in %s", t->table);
        return LT_ERR;
    }
    k.n = PQntuples(k.res);
    int rc = lt__load_scan(t, a, d, (size_t)k.n, lt__pg_next, &k);
    PQclear(k.res);
    return rc;
}

int lt__pg_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *d)
{
    PGconn *db = lt__pg_w(s);
    memset(d, 0, sizeof(*d));
    if (lt__pg_int(db, &d->revision, "SELECT max(id) FROM events", "") != LT_OK)
        return LT_ERR;
    for (size_t i = 0; i < lt__n_load_tables; i++)
        if (scan(db, a, d, &lt__load_tables[i]) != LT_OK)
            return LT_ERR;
    return LT_OK;
}

/* ---------- in the caller's transaction ---------- */

int lt__pg_select(lt_store_t *s, int (*fn)(void *ctx, size_t n, lt__row_next_fn next, void *cursor),
                  void *ctx, const char *sql, const char *fmt, ...)
{
    lt__pg_cursor_t k = {NULL, -1, 0, {0}};
    va_list ap;
    va_start(ap, fmt);
    int rc = lt__pg_vexec(lt__pg_w(s), &k.res, NULL, sql, fmt, ap);
    va_end(ap);
    if (rc != LT_OK)
        return LT_ERR;
    k.n = PQntuples(k.res);
    rc = fn(ctx, (size_t)k.n, lt__pg_next, &k);
    PQclear(k.res);
    return rc;
}

int lt__pg_sessions_load(lt_store_t *s, lt_session_fn fn, void *ctx)
{
    PGconn *db = lt__pg_w(s);
    lt__pg_cursor_t k = {NULL, -1, 0, {0}};
    if (lt__pg_run(db, "DELETE FROM sessions WHERE expires_at <= ?", "i", lt_now_ms()) != LT_OK ||
        lt__pg_exec(db, &k.res, "SELECT digest, user_id, expires_at FROM sessions", "") != LT_OK)
        return LT_ERR;
    k.n = PQntuples(k.res);
    lt__row_t r;
    while (lt__pg_next(&k, &r) == 1) {
        const uint8_t *digest = r.digest(&r, 0);
        if (digest)
            fn(ctx, digest, r.num(&r, 1), r.num(&r, 2));
    }
    PQclear(k.res);
    return LT_OK;
}

int lt__pg_token_usage_load(lt_store_t *s, const uint8_t *digest, lt_token_usage_fn fn,
                            void *ctx)
{
    PGconn *db = lt__pg_w(s);
    lt__pg_cursor_t k = {NULL, -1, 0, {0}};
    int rc = digest ? lt__pg_exec(db, &k.res,
                                  "SELECT digest, instance, data FROM token_usage WHERE digest = ?",
                                  "b", digest)
                    : lt__pg_exec(db, &k.res, "SELECT digest, instance, data FROM token_usage", "");
    if (rc != LT_OK)
        return LT_ERR;
    k.n = PQntuples(k.res);
    lt__row_t r;
    while (lt__pg_next(&k, &r) == 1) {
        const uint8_t *d = r.digest(&r, 0);
        const char *inst = r.text(&r, 1), *data = r.text(&r, 2);
        if (d && inst && data)
            fn(ctx, d, inst, data);
    }
    PQclear(k.res);
    return LT_OK;
}

int lt__pg_tokens_find(lt_store_t *s, lt_arena_t *a, const lt_token_query_t *q, lt_token_t **out,
                       size_t *n)
{
    PGconn *db = lt__pg_w(s);
    *out = NULL;
    *n = 0;
    lt__pg_cursor_t k = {NULL, -1, 0, {0}};
    if (lt__pg_exec(db, &k.res,
                    "SELECT " LT__TOKEN_COLUMNS " FROM api_tokens WHERE (?1::bytea IS NULL OR"
                    " digest = ?1) AND (?2::text IS NULL OR (all_projects = 0 AND digest IN"
                    " (SELECT digest FROM api_token_projects WHERE project = ?2)))"
                    " AND (?3::text IS NULL OR environment = ?3)"
                    " AND (?4::bigint = 0 OR user_id = ?4) ORDER BY id",
                    "btti", q->digest, q->project, q->environment, q->user_id) != LT_OK)
        return LT_ERR;
    k.n = PQntuples(k.res);
    lt_token_t *v = lt_arena_calloc(a, k.n ? (size_t)k.n : 1, sizeof(*v));
    lt__row_t r;
    int rc = LT_OK;
    while (rc == LT_OK && lt__pg_next(&k, &r) == 1)
        if ((rc = lt__load_token_row(a, &r, &v[*n])) == LT_OK)
            (*n)++;
    PQclear(k.res);
    for (size_t i = 0; rc == LT_OK && i < *n; i++) {
        PGresult *res = NULL;
        if (lt__pg_exec(db, &res,
                        "SELECT project FROM api_token_projects WHERE digest = ? ORDER BY project",
                        "b", v[i].digest) != LT_OK) {
            rc = LT_ERR;
            break;
        }
        int np = PQntuples(res);
        const char **p = lt_arena_calloc(a, np ? (size_t)np : 1, sizeof(*p));
        for (int j = 0; j < np; j++)
            p[j] = lt__pg_text(a, res, j, 0);
        v[i].projects = p;
        v[i].n_projects = (size_t)np;
        PQclear(res);
    }
    *out = v;
    return rc;
}

int lt__pg_environments_list(lt_store_t *s, lt_arena_t *a, lt_environment_t **out, size_t *n)
{
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    int rc = scan(lt__pg_w(s), a, &d, &lt__load_environments);
    *out = d.envs;
    *n = d.n_envs;
    return rc;
}

int lt__pg_project_count(lt_store_t *s, int64_t *out)
{
    return lt__pg_int(lt__pg_w(s), out, "SELECT count(*) FROM projects", "");
}

int lt__pg_role_in_use(lt_store_t *s, int64_t id, bool *out)
{
    return lt__pg_exists(lt__pg_w(s), out, "SELECT 1 FROM users WHERE root_role = ? LIMIT 1", "i",
                         id);
}

int lt__pg_strategy_id_taken(lt_store_t *s, const char *id, const char *feature, const char *env,
                             bool *out)
{
    return lt__pg_exists(lt__pg_w(s), out,
                         "SELECT 1 FROM strategies WHERE id = ?1 AND (feature <> ?2 OR"
                         " (?3::text IS NOT NULL AND environment <> ?3)) LIMIT 1",
                         "ttt", id, feature, env);
}

/* ---------- on a reader: any thread ---------- */

int lt__pg_revision(lt_store_t *s, int64_t *out)
{
    PGconn *c = lt__pg_reader_get(s);
    *out = 0;
    if (!c)
        return LT_ERR;
    int rc = lt__pg_int(c, out, "SELECT max(id) FROM events", "");
    lt__pg_reader_put(s, c);
    return rc;
}

int lt__pg_user_auth(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out)
{
    PGconn *c = lt__pg_reader_get(s);
    if (!c)
        return LT_ERR;
    PGresult *res = NULL;
    int rc = lt__pg_exec(c, &res,
                         "SELECT id, password_hash, login_attempts FROM users WHERE"
                         " lower(username) = lower(?1) OR lower(email) = lower(?1)"
                         " ORDER BY id LIMIT 1",
                         "t", login);
    if (rc == LT_OK && PQntuples(res) == 0)
        rc = LT_ENOTFOUND;
    else if (rc == LT_OK) {
        out->user_id = lt__pg_num(res, 0, 0);
        out->password_hash = lt__pg_text(a, res, 0, 1);
        out->login_attempts = (int)lt__pg_num(res, 0, 2);
    }
    PQclear(res);
    lt__pg_reader_put(s, c);
    return rc == LT_EINVAL ? LT_ERR : rc;
}

#define EVENTS_WHERE                                                                               \
    " WHERE (?1::text IS NULL OR feature_name = ?1) AND (?2::text IS NULL OR project = ?2)"        \
    " AND (?3::text IS NULL OR type = ?3) AND (?4::text IS NULL OR created_by = ?4)"               \
    " AND (?5::text IS NULL OR strpos(type, ?5) > 0 OR strpos(created_by, ?5) > 0 OR"              \
    " strpos(coalesce(feature_name, ''), ?5) > 0 OR strpos(coalesce(data, ''), ?5) > 0)"

static int events_list(PGconn *c, lt_arena_t *a, const lt_event_filter_t *f, lt_event_row_t **out,
                       size_t *n, int64_t *total)
{
    if (lt__pg_int(c, total, "SELECT count(*) FROM events" EVENTS_WHERE, "ttttt", f->feature,
                   f->project, f->type, f->created_by, f->query) != LT_OK)
        return LT_ERR;
    int64_t limit = f->limit > 0 && f->limit <= 1000 ? f->limit : 100;
    PGresult *res = NULL;
    if (lt__pg_exec(c, &res,
                    "SELECT id, type, created_at, created_by, created_by_user_id, project,"
                    " environment, feature_name, data, pre_data FROM events" EVENTS_WHERE
                    " ORDER BY id DESC LIMIT ?6 OFFSET ?7",
                    "tttttii", f->feature, f->project, f->type, f->created_by, f->query, limit,
                    f->offset > 0 ? f->offset : (int64_t)0) != LT_OK)
        return LT_ERR;
    int rows = PQntuples(res);
    *out = lt_arena_calloc(a, rows ? (size_t)rows : 1, sizeof(**out));
    for (int i = 0; i < rows; i++) {
        lt_event_row_t *e = &(*out)[(*n)++];
        e->id = lt__pg_num(res, i, 0);
        e->type = lt__pg_text(a, res, i, 1);
        e->created_at = lt__pg_num(res, i, 2);
        e->created_by = lt__pg_text(a, res, i, 3);
        e->created_by_user_id = lt__pg_num(res, i, 4);
        e->project = lt__pg_text(a, res, i, 5);
        e->environment = lt__pg_text(a, res, i, 6);
        e->feature_name = lt__pg_text(a, res, i, 7);
        e->data = lt__pg_text(a, res, i, 8);
        e->pre_data = lt__pg_text(a, res, i, 9);
    }
    PQclear(res);
    return LT_OK;
}

int lt__pg_events_list(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total)
{
    *n = 0;
    *total = 0;
    PGconn *c = lt__pg_reader_get(s);
    if (!c)
        return LT_ERR;
    int rc = events_list(c, a, f, out, n, total);
    lt__pg_reader_put(s, c);
    return rc;
}

#define WALK_BATCH 1000 /* rows a page of the walk holds: its bound on memory */

/* The chain's anchor ({0, genesis} when its row is missing: verification then tells). */
static int read_anchor(PGconn *c, lt_chain_anchor_t *anchor)
{
    anchor->id = 0;
    snprintf(anchor->hash, sizeof(anchor->hash), "%s", LT_CHAIN_GENESIS);
    PGresult *res = NULL;
    int rc =
        lt__pg_exec(c, &res, "SELECT anchor_id, anchor_hash FROM event_chain WHERE id = 1", "");
    if (rc == LT_OK && PQntuples(res) > 0) {
        anchor->id = lt__pg_num(res, 0, 0);
        snprintf(anchor->hash, sizeof(anchor->hash), "%s", PQgetvalue(res, 0, 1));
    }
    PQclear(res);
    return rc == LT_OK ? LT_OK : LT_ERR;
}

/* Pages of WALK_BATCH rows by id, in one REPEATABLE READ transaction: one consistent log. */
static int events_walk(PGconn *c, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                       void *ctx)
{
    if (anchor && read_anchor(c, anchor) != LT_OK)
        return LT_ERR;
    int rc = LT_OK;
    for (;;) {
        PGresult *res = NULL;
        if (lt__pg_exec(c, &res,
                        "SELECT " LT__EVENT_COLUMNS " FROM events WHERE id > ? ORDER BY id LIMIT ?",
                        "ii", after_id, (int64_t)WALK_BATCH) != LT_OK)
            return LT_ERR;
        lt__pg_cursor_t k = {res, -1, PQntuples(res), {0}};
        lt__row_t row;
        while (rc == LT_OK && lt__pg_next(&k, &row) == 1) {
            lt_event_row_t e;
            lt__event_row_read(&row, &e);
            after_id = e.id;
            rc = fn(ctx, &e);
        }
        PQclear(res);
        if (rc != LT_OK || k.n < WALK_BATCH)
            return rc;
    }
}

int lt__pg_events_walk(lt_store_t *s, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                       void *ctx)
{
    PGconn *c = lt__pg_reader_get(s);
    if (!c)
        return LT_ERR;
    int rc = lt__pg_run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "");
    if (rc == LT_OK)
        rc = events_walk(c, after_id, anchor, fn, ctx);
    if (lt__pg_run(c, rc == LT_ERR ? "ROLLBACK" : "COMMIT", "") != LT_OK && rc == LT_OK)
        rc = LT_ERR;
    lt__pg_reader_put(s, c);
    return rc;
}

int lt__pg_integration_events_list(lt_store_t *s, lt_arena_t *a, int64_t addon_id,
                                   int64_t offset, int64_t limit, lt_integration_event_t **out,
                                   size_t *n)
{
    *n = 0;
    PGconn *c = lt__pg_reader_get(s);
    if (!c)
        return LT_ERR;
    PGresult *res = NULL;
    int rc = lt__pg_exec(c, &res,
                         "SELECT id, addon_id, created_at, state, state_details, event, details"
                         " FROM integration_events WHERE addon_id = ? ORDER BY id DESC"
                         " LIMIT ? OFFSET ?",
                         "iii", addon_id, limit > 0 && limit <= 100 ? limit : (int64_t)50,
                         offset > 0 ? offset : (int64_t)0);
    lt__pg_reader_put(s, c);
    if (rc != LT_OK)
        return LT_ERR;
    int rows = PQntuples(res);
    *out = lt_arena_calloc(a, rows ? (size_t)rows : 1, sizeof(**out));
    for (int i = 0; i < rows; i++) {
        lt_integration_event_t *e = &(*out)[(*n)++];
        e->id = lt__pg_num(res, i, 0);
        e->addon_id = lt__pg_num(res, i, 1);
        e->created_at = lt__pg_num(res, i, 2);
        e->state = lt__pg_text(a, res, i, 3);
        e->state_details = lt__pg_text(a, res, i, 4);
        e->event = lt__pg_text(a, res, i, 5);
        e->details = lt__pg_text(a, res, i, 6);
    }
    PQclear(res);
    return LT_OK;
}

int lt__pg_usage_apps(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n)
{
    *n = 0;
    PGconn *c = lt__pg_reader_get(s);
    if (!c)
        return LT_ERR;
    PGresult *res = NULL;
    int rc = lt__pg_exec(c, &res,
                         "SELECT app_name, instance_id, environment, sdk_version, strategies,"
                         " platform_name, sdk_type, started_at, interval_ms, last_seen FROM"
                         " client_applications ORDER BY app_name, environment, instance_id",
                         "");
    lt__pg_reader_put(s, c);
    if (rc != LT_OK)
        return LT_ERR;
    int rows = PQntuples(res);
    *out = lt_arena_calloc(a, rows ? (size_t)rows : 1, sizeof(**out));
    for (int i = 0; i < rows; i++) {
        lt_app_row_t *r = &(*out)[(*n)++];
        r->app_name = lt__pg_text(a, res, i, 0);
        r->instance_id = lt__pg_text(a, res, i, 1);
        r->environment = lt__pg_text(a, res, i, 2);
        r->sdk_version = lt__pg_text(a, res, i, 3);
        r->strategies = lt__pg_text(a, res, i, 4);
        r->platform_name = lt__pg_text(a, res, i, 5);
        r->sdk_type = lt__pg_text(a, res, i, 6);
        r->started_at = lt__pg_num(res, i, 7);
        r->interval_ms = lt__pg_num(res, i, 8);
        r->seen_at = lt__pg_num(res, i, 9);
    }
    PQclear(res);
    return LT_OK;
}

/* The hourly rows of a flag with their variant counts (at most 64 a row, as the API shows),
 * read in one REPEATABLE READ transaction so rows and variants agree. */
static int usage_feature(PGconn *c, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n)
{
    PGresult *res = NULL, *vres = NULL;
    if (lt__pg_exec(c, &res,
                    "SELECT app_name, instance_id, environment, hour, yes, no FROM"
                    " client_metrics WHERE feature = ?1 AND hour >= ?2 AND instance_id <> ''"
                    " ORDER BY hour, environment, app_name, instance_id",
                    "ti", feature, since) != LT_OK ||
        lt__pg_exec(c, &vres,
                    "SELECT hour, environment, app_name, instance_id, variant, count FROM"
                    " client_metrics_variants WHERE feature = ?1 AND hour >= ?2 AND"
                    " instance_id <> '' ORDER BY hour, environment, app_name, instance_id, variant",
                    "ti", feature, since) != LT_OK) {
        PQclear(res);
        return LT_ERR;
    }
    int rows = PQntuples(res), vrows = PQntuples(vres), v = 0;
    *out = lt_arena_calloc(a, rows ? (size_t)rows : 1, sizeof(**out));
    for (int i = 0; i < rows; i++) {
        lt_metric_row_t *r = &(*out)[(*n)++];
        r->feature = feature;
        r->app_name = lt__pg_text(a, res, i, 0);
        r->instance_id = lt__pg_text(a, res, i, 1);
        r->environment = lt__pg_text(a, res, i, 2);
        r->hour = lt__pg_num(res, i, 3);
        r->yes = lt__pg_num(res, i, 4);
        r->no = lt__pg_num(res, i, 5);
        const char **names = lt_arena_calloc(a, 64, sizeof(*names));
        int64_t *counts = lt_arena_calloc(a, 64, sizeof(*counts));
        size_t k = 0;
        /* both results are in the same order: the variants of this row follow on */
        for (; v < vrows; v++) {
            if (lt__pg_num(vres, v, 0) != r->hour ||
                strcmp(PQgetvalue(vres, v, 1), r->environment) != 0 ||
                strcmp(PQgetvalue(vres, v, 2), r->app_name) != 0 ||
                strcmp(PQgetvalue(vres, v, 3), r->instance_id) != 0)
                break;
            if (k < 64) {
                names[k] = lt__pg_text(a, vres, v, 4);
                counts[k] = lt__pg_num(vres, v, 5);
                k++;
            }
        }
        r->variant_names = names;
        r->variant_counts = counts;
        r->n_variants = k;
    }
    PQclear(res);
    PQclear(vres);
    return LT_OK;
}

int lt__pg_usage_feature(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n)
{
    *n = 0;
    PGconn *c = lt__pg_reader_get(s);
    if (!c)
        return LT_ERR;
    int rc = lt__pg_run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", "");
    if (rc == LT_OK)
        rc = usage_feature(c, a, feature, since, out, n);
    if (PQtransactionStatus(c) != PQTRANS_IDLE &&
        lt__pg_run(c, rc == LT_OK ? "COMMIT" : "ROLLBACK", "") != LT_OK)
        rc = LT_ERR;
    lt__pg_reader_put(s, c);
    return rc;
}
