/*
 * sq_read.c: the SQLite reads outside the snapshot. The small ones the rules need run on the
 * write connection inside the caller's transaction (tokens of a project, environments, whether
 * a role or a strategy id is in use, live sessions). Revision, login, events and usage run on
 * the read connection under its own mutex, in one read transaction each: any thread.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/log.h"
#include "sq_int.h"

/* One row of a statement binding ?1 (int) or nothing: its first column in *out. */
static int int_query(sqlite3 *db, const char *sql, const char *text, int64_t arg, int64_t *out)
{
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    *out = 0;
    if (!st)
        return LT_ERR;
    if (text)
        lt__sq_bind_text(st, 1, text);
    else
        sqlite3_bind_int64(st, 1, arg);
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
        lt_log_error("store: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

/* ---------- in the caller's transaction ---------- */

int lt__sq_sessions_load(lt_store_t *s, lt_session_fn fn, void *ctx)
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = NULL;
    int row = 0;
    if (lt__sq_exec(db, "DELETE FROM sessions WHERE expires_at <= strftime('%s','now') * 1000") !=
            LT_OK ||
        !(st = lt__sq_prepare(db, "SELECT digest, user_id, expires_at FROM sessions")))
        return LT_ERR;
    while ((row = lt__sq_row(db, st, 0, 1, "sessions")) == 1)
        if (sqlite3_column_bytes(st, 0) == 32)
            fn(ctx, sqlite3_column_blob(st, 0), sqlite3_column_int64(st, 1),
               sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return row == 0 ? LT_OK : LT_ERR;
}

int lt__sq_token_usage_load(lt_store_t *s, const uint8_t *digest, lt_token_usage_fn fn,
                            void *ctx)
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = lt__sq_prepare(db, digest ? "SELECT digest, instance, data FROM token_usage"
                                                   " WHERE digest = ?"
                                                 : "SELECT digest, instance, data FROM token_usage");
    if (!st)
        return LT_ERR;
    if (digest)
        sqlite3_bind_blob(st, 1, digest, 32, SQLITE_TRANSIENT);
    int row;
    while ((row = lt__sq_row(db, st, 0, 1, "token_usage")) == 1)
        if (sqlite3_column_bytes(st, 0) == 32 && sqlite3_column_text(st, 1) &&
            sqlite3_column_text(st, 2))
            fn(ctx, sqlite3_column_blob(st, 0), (const char *)sqlite3_column_text(st, 1),
               (const char *)sqlite3_column_text(st, 2));
    sqlite3_finalize(st);
    return row == 0 ? LT_OK : LT_ERR;
}

static int token_projects(sqlite3 *db, lt_arena_t *a, lt_token_t *t)
{
    sqlite3_stmt *st = lt__sq_prepare(db, "SELECT project FROM api_token_projects"
                                          " WHERE digest = ? ORDER BY project");
    if (!st)
        return LT_ERR;
    sqlite3_bind_blob(st, 1, t->digest, 32, SQLITE_TRANSIENT);
    size_t cap = 4;
    const char **v = lt_arena_calloc(a, cap, sizeof(*v));
    int row;
    while ((row = lt__sq_row(db, st, 0, 1, "api_token_projects")) == 1) {
        if (t->n_projects == cap) {
            const char **nv = lt_arena_calloc(a, cap * 2, sizeof(*nv));
            memcpy(nv, v, cap * sizeof(*v));
            v = nv;
            cap *= 2;
        }
        v[t->n_projects++] = lt__sq_text(a, st, 0);
    }
    sqlite3_finalize(st);
    t->projects = v;
    return row == 0 ? LT_OK : LT_ERR;
}

int lt__sq_tokens_find(lt_store_t *s, lt_arena_t *a, const lt_token_query_t *q,
                       lt_token_t **out, size_t *n)
{
    sqlite3 *db = lt__sq_db(s);
    *out = NULL;
    *n = 0;
    sqlite3_stmt *st = lt__sq_prepare(
        db, "SELECT " LT__TOKEN_COLUMNS " FROM api_tokens WHERE (?1 IS NULL OR digest = ?1)"
            " AND (?2 IS NULL OR (all_projects = 0 AND digest IN (SELECT digest FROM"
            " api_token_projects WHERE project = ?2))) AND (?3 IS NULL OR environment = ?3)"
            " AND (?4 = 0 OR user_id = ?4) ORDER BY id");
    if (!st)
        return LT_ERR;
    if (q->digest)
        sqlite3_bind_blob(st, 1, q->digest, 32, SQLITE_TRANSIENT);
    lt__sq_bind_text(st, 2, q->project);
    lt__sq_bind_text(st, 3, q->environment);
    sqlite3_bind_int64(st, 4, q->user_id);
    size_t cap = 0;
    lt_token_t *v = NULL;
    int row;
    while ((row = lt__sq_row(db, st, 0, 1, "api_tokens")) == 1) {
        if (*n == cap) {
            lt_token_t *nv = lt_arena_calloc(a, cap ? cap * 2 : 8, sizeof(*nv));
            if (cap)
                memcpy(nv, v, cap * sizeof(*v));
            v = nv;
            cap = cap ? cap * 2 : 8;
        }
        lt__row_t r;
        lt__sq_row_of(st, &r);
        if (lt__load_token_row(a, &r, &v[*n]) != LT_OK) {
            row = LT_ERR;
            break;
        }
        (*n)++;
    }
    sqlite3_finalize(st);
    for (size_t i = 0; row == 0 && i < *n; i++)
        if (token_projects(db, a, &v[i]) != LT_OK)
            row = LT_ERR;
    *out = v;
    return row == 0 ? LT_OK : LT_ERR;
}

int lt__sq_environments_list(lt_store_t *s, lt_arena_t *a, lt_environment_t **out, size_t *n)
{
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    int rc = lt__sq_load_environments(lt__sq_db(s), a, &d);
    *out = d.envs;
    *n = d.n_envs;
    return rc;
}

int lt__sq_project_count(lt_store_t *s, int64_t *out)
{
    return lt__sq_int(lt__sq_db(s), "SELECT count(*) FROM projects", out);
}

int lt__sq_role_in_use(lt_store_t *s, int64_t id, bool *out)
{
    int64_t n = 0;
    int rc = int_query(lt__sq_db(s), "SELECT count(*) FROM users WHERE root_role = ?", NULL, id,
                       &n);
    *out = n > 0;
    return rc;
}

int lt__sq_strategy_id_taken(lt_store_t *s, const char *id, const char *feature,
                             const char *env, bool *out)
{
    return lt__sq_exists(lt__sq_db(s), out,
                         "SELECT 1 FROM strategies WHERE id = ?1 AND (feature <> ?2 OR"
                         " (?3 IS NOT NULL AND environment <> ?3)) LIMIT 1",
                         "ttt", id, feature, env);
}

/* ---------- on the read connection: any thread ---------- */

static sqlite3 *reader_begin(lt_store_t *s)
{
    lt__sq_store_t *q = (lt__sq_store_t *)s;
    pthread_mutex_lock(&q->rmu);
    if (lt__sq_exec(q->rdb, "BEGIN") != LT_OK) {
        pthread_mutex_unlock(&q->rmu);
        return NULL;
    }
    return q->rdb;
}

static int reader_end(lt_store_t *s, int rc)
{
    lt__sq_store_t *q = (lt__sq_store_t *)s;
    if (lt__sq_exec(q->rdb, rc == LT_OK ? "COMMIT" : "ROLLBACK") != LT_OK && rc == LT_OK)
        rc = LT_ERR;
    pthread_mutex_unlock(&q->rmu);
    return rc;
}

int lt__sq_revision(lt_store_t *s, int64_t *out)
{
    sqlite3 *db = reader_begin(s);
    if (!db)
        return LT_ERR;
    return reader_end(s, lt__sq_int(db, "SELECT max(id) FROM events", out));
}

int lt__sq_user_auth(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out)
{
    sqlite3 *db = reader_begin(s);
    if (!db)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(
        db, "SELECT id, password_hash, login_attempts FROM users WHERE username = ?1 COLLATE"
            " NOCASE OR email = ?1 COLLATE NOCASE ORDER BY id LIMIT 1");
    int rc = LT_ERR;
    if (st) {
        lt__sq_bind_text(st, 1, login);
        int step = sqlite3_step(st);
        rc = step == SQLITE_DONE ? LT_ENOTFOUND : LT_ERR;
        if (step == SQLITE_ROW) {
            out->user_id = sqlite3_column_int64(st, 0);
            out->password_hash = lt__sq_text(a, st, 1);
            out->login_attempts = sqlite3_column_int(st, 2);
            rc = LT_OK;
        } else if (step != SQLITE_DONE)
            lt_log_error("store: login read: %s", sqlite3_errmsg(db));
        sqlite3_finalize(st);
    }
    return reader_end(s, rc == LT_ENOTFOUND ? LT_OK : rc) == LT_OK ? rc : LT_ERR;
}

#define EVENTS_WHERE                                                                               \
    " WHERE (?1 IS NULL OR feature_name = ?1) AND (?2 IS NULL OR project = ?2)"                    \
    " AND (?3 IS NULL OR type = ?3) AND (?4 IS NULL OR created_by = ?4)"                           \
    " AND (?5 IS NULL OR instr(type, ?5) OR instr(created_by, ?5) OR"                             \
    " instr(coalesce(feature_name, ''), ?5) OR instr(coalesce(data, ''), ?5))"

static sqlite3_stmt *events_query(sqlite3 *db, const char *sql, const lt_event_filter_t *f)
{
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    const char *binds[5] = {f->feature, f->project, f->type, f->created_by, f->query};
    for (int i = 0; st && i < 5; i++)
        lt__sq_bind_text(st, i + 1, binds[i]);
    return st;
}

static int events_list(sqlite3 *db, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total)
{
    sqlite3_stmt *st = events_query(db, "SELECT count(*) FROM events" EVENTS_WHERE, f);
    if (!st)
        return LT_ERR;
    int step = sqlite3_step(st);
    if (step == SQLITE_ROW)
        *total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    if (step != SQLITE_ROW || !(st = events_query(db, "SELECT id, type, created_at, created_by,"
                                                      " created_by_user_id, project, environment,"
                                                      " feature_name, data, pre_data FROM events"
                                                      EVENTS_WHERE
                                                      " ORDER BY id DESC LIMIT ?6 OFFSET ?7",
                                                  f)))
        return LT_ERR;
    int64_t limit = f->limit > 0 && f->limit <= 1000 ? f->limit : 100;
    sqlite3_bind_int64(st, 6, limit);
    sqlite3_bind_int64(st, 7, f->offset > 0 ? f->offset : 0);
    *out = lt_arena_calloc(a, (size_t)limit, sizeof(**out));
    int row;
    while ((row = lt__sq_row(db, st, *n, (size_t)limit, "events")) == 1) {
        lt_event_row_t *e = &(*out)[(*n)++];
        e->id = sqlite3_column_int64(st, 0);
        e->type = lt__sq_text(a, st, 1);
        e->created_at = sqlite3_column_int64(st, 2);
        e->created_by = lt__sq_text(a, st, 3);
        e->created_by_user_id = sqlite3_column_int64(st, 4);
        e->project = lt__sq_text(a, st, 5);
        e->environment = lt__sq_text(a, st, 6);
        e->feature_name = lt__sq_text(a, st, 7);
        e->data = lt__sq_text(a, st, 8);
        e->pre_data = lt__sq_text(a, st, 9);
    }
    sqlite3_finalize(st);
    return row == 0 ? LT_OK : LT_ERR;
}

int lt__sq_events_list(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total)
{
    *n = 0;
    *total = 0;
    sqlite3 *db = reader_begin(s);
    if (!db)
        return LT_ERR;
    return reader_end(s, events_list(db, a, f, out, n, total));
}

/* The chain's anchor ({0, genesis} when its row is missing: verification then tells). */
static int read_anchor(sqlite3 *db, lt_chain_anchor_t *anchor)
{
    anchor->id = 0;
    snprintf(anchor->hash, sizeof(anchor->hash), "%s", LT_CHAIN_GENESIS);
    sqlite3_stmt *st =
        lt__sq_prepare(db, "SELECT anchor_id, anchor_hash FROM event_chain WHERE id = 1");
    if (!st)
        return LT_ERR;
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW) {
        anchor->id = sqlite3_column_int64(st, 0);
        const unsigned char *h = sqlite3_column_text(st, 1);
        snprintf(anchor->hash, sizeof(anchor->hash), "%s", h ? (const char *)h : "");
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        lt_log_error("store: event chain: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

/* One statement stepped row by row: memory stays one row whatever the log's length. */
static int events_walk(sqlite3 *db, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                       void *ctx)
{
    if (anchor && read_anchor(db, anchor) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st =
        lt__sq_prepare(db, "SELECT " LT__EVENT_COLUMNS " FROM events WHERE id > ? ORDER BY id");
    if (!st)
        return LT_ERR;
    sqlite3_bind_int64(st, 1, after_id);
    int rc = LT_OK, step;
    while (rc == LT_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        lt__row_t row;
        lt_event_row_t e;
        lt__sq_row_of(st, &row);
        lt__event_row_read(&row, &e);
        rc = fn(ctx, &e);
    }
    if (rc == LT_OK && step != SQLITE_DONE) {
        lt_log_error("store: events read: %s", sqlite3_errmsg(db));
        rc = LT_ERR;
    }
    sqlite3_finalize(st);
    return rc;
}

int lt__sq_events_walk(lt_store_t *s, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                       void *ctx)
{
    sqlite3 *db = reader_begin(s);
    if (!db)
        return LT_ERR;
    int rc = events_walk(db, after_id, anchor, fn, ctx);
    int end = reader_end(s, rc == LT_ERR ? LT_ERR : LT_OK);
    return rc == LT_OK && end != LT_OK ? LT_ERR : rc;
}

static int integration_events(sqlite3 *db, lt_arena_t *a, int64_t addon_id, int64_t offset,
                              int64_t limit, lt_integration_event_t **out, size_t *n)
{
    sqlite3_stmt *st = lt__sq_prepare(db, "SELECT id, addon_id, created_at, state, state_details,"
                                          " event, details FROM integration_events"
                                          " WHERE addon_id = ?1 ORDER BY id DESC LIMIT ?2"
                                          " OFFSET ?3");
    if (!st)
        return LT_ERR;
    sqlite3_bind_int64(st, 1, addon_id);
    sqlite3_bind_int64(st, 2, limit);
    sqlite3_bind_int64(st, 3, offset);
    *out = lt_arena_calloc(a, (size_t)limit, sizeof(**out));
    int row;
    while ((row = lt__sq_row(db, st, *n, (size_t)limit, "integration_events")) == 1) {
        lt_integration_event_t *e = &(*out)[(*n)++];
        e->id = sqlite3_column_int64(st, 0);
        e->addon_id = sqlite3_column_int64(st, 1);
        e->created_at = sqlite3_column_int64(st, 2);
        e->state = lt__sq_text(a, st, 3);
        e->state_details = lt__sq_text(a, st, 4);
        e->event = lt__sq_text(a, st, 5);
        e->details = lt__sq_text(a, st, 6);
    }
    sqlite3_finalize(st);
    return row == 0 ? LT_OK : LT_ERR;
}

int lt__sq_integration_events_list(lt_store_t *s, lt_arena_t *a, int64_t addon_id,
                                   int64_t offset, int64_t limit, lt_integration_event_t **out,
                                   size_t *n)
{
    *n = 0;
    sqlite3 *db = reader_begin(s);
    if (!db)
        return LT_ERR;
    limit = limit > 0 && limit <= 100 ? limit : 50;
    return reader_end(
        s, integration_events(db, a, addon_id, offset > 0 ? offset : 0, limit, out, n));
}

static int usage_apps(sqlite3 *db, lt_arena_t *a, lt_app_row_t **out, size_t *n)
{
    size_t cap = 0;
    if (lt__sq_count(db, "client_applications", &cap) != LT_OK)
        return LT_ERR;
    *out = lt_arena_calloc(a, cap ? cap : 1, sizeof(**out));
    sqlite3_stmt *st = lt__sq_prepare(
        db, "SELECT app_name, instance_id, environment, sdk_version, strategies, platform_name,"
            " sdk_type, started_at, interval_ms, last_seen FROM client_applications"
            " ORDER BY app_name, environment, instance_id");
    if (!st)
        return LT_ERR;
    int row;
    while ((row = lt__sq_row(db, st, *n, cap, "client_applications")) == 1) {
        lt_app_row_t *r = &(*out)[(*n)++];
        r->app_name = lt__sq_text(a, st, 0);
        r->instance_id = lt__sq_text(a, st, 1);
        r->environment = lt__sq_text(a, st, 2);
        r->sdk_version = lt__sq_text(a, st, 3);
        r->strategies = lt__sq_text(a, st, 4);
        r->platform_name = lt__sq_text(a, st, 5);
        r->sdk_type = lt__sq_text(a, st, 6);
        r->started_at = sqlite3_column_int64(st, 7);
        r->interval_ms = sqlite3_column_int64(st, 8);
        r->seen_at = sqlite3_column_int64(st, 9);
    }
    sqlite3_finalize(st);
    return row == 0 ? LT_OK : LT_ERR;
}

int lt__sq_usage_apps(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n)
{
    *n = 0;
    sqlite3 *db = reader_begin(s);
    if (!db)
        return LT_ERR;
    return reader_end(s, usage_apps(db, a, out, n));
}

/* The variant counts of one usage row (at most 64, as stored per flag). */
static int usage_variants(sqlite3 *db, sqlite3_stmt *st, lt_arena_t *a, lt_metric_row_t *r)
{
    sqlite3_reset(st);
    lt__sq_bind_text(st, 1, r->feature);
    sqlite3_bind_int64(st, 2, r->hour);
    lt__sq_bind_text(st, 3, r->environment);
    lt__sq_bind_text(st, 4, r->app_name);
    lt__sq_bind_text(st, 5, r->instance_id);
    size_t k = 0;
    const char **names = lt_arena_calloc(a, 64, sizeof(*names));
    int64_t *counts = lt_arena_calloc(a, 64, sizeof(*counts));
    int step;
    while ((step = sqlite3_step(st)) == SQLITE_ROW) {
        if (k == 64)
            continue; /* more than the API shows: skipped, as before */
        names[k] = lt__sq_text(a, st, 0);
        counts[k] = sqlite3_column_int64(st, 1);
        k++;
    }
    r->variant_names = names;
    r->variant_counts = counts;
    r->n_variants = k;
    if (step != SQLITE_DONE) {
        lt_log_error("store: read failed in client_metrics_variants: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

static int usage_feature(sqlite3 *db, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n)
{
    int64_t cap = 0;
    sqlite3_stmt *st = lt__sq_prepare(db, "SELECT app_name, instance_id, environment, hour,"
                                          " yes, no FROM client_metrics WHERE feature = ?1 AND"
                                          " hour >= ?2 AND instance_id <> '' ORDER BY hour,"
                                          " environment, app_name, instance_id");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, feature);
    sqlite3_bind_int64(st, 2, since);
    /* count the rows first so the array is sized once */
    int row;
    while ((row = lt__sq_row(db, st, 0, 1, "client_metrics")) == 1)
        cap++;
    sqlite3_reset(st);
    *out = lt_arena_calloc(a, cap ? (size_t)cap : 1, sizeof(**out));
    if (row != 0) {
        sqlite3_finalize(st);
        return LT_ERR;
    }
    while ((row = lt__sq_row(db, st, *n, (size_t)cap, "client_metrics")) == 1) {
        lt_metric_row_t *r = &(*out)[(*n)++];
        r->feature = feature;
        r->app_name = lt__sq_text(a, st, 0);
        r->instance_id = lt__sq_text(a, st, 1);
        r->environment = lt__sq_text(a, st, 2);
        r->hour = sqlite3_column_int64(st, 3);
        r->yes = sqlite3_column_int64(st, 4);
        r->no = sqlite3_column_int64(st, 5);
    }
    sqlite3_finalize(st);
    if (row != 0)
        return LT_ERR;
    st = lt__sq_prepare(db, "SELECT variant, count FROM client_metrics_variants WHERE"
                            " feature = ? AND hour = ? AND environment = ? AND app_name = ? AND"
                            " instance_id = ? ORDER BY variant");
    int rc = st ? LT_OK : LT_ERR;
    for (size_t i = 0; rc == LT_OK && i < *n; i++)
        rc = usage_variants(db, st, a, &(*out)[i]);
    sqlite3_finalize(st);
    return rc;
}

int lt__sq_usage_feature(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n)
{
    *n = 0;
    sqlite3 *db = reader_begin(s);
    if (!db)
        return LT_ERR;
    return reader_end(s, usage_feature(db, a, feature, since, out, n));
}
