/*
 * sq_write.c: the SQLite write primitives of its own: the event row, sessions, and the no-event
 * batch writes (token last-seen times, usage counts) on prepared statements; the other writes are
 * the shared ones of sql_write.c, run through lt__sq_exec (sq_util.c). Each runs inside the
 * caller's write transaction; no rules here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/log.h"
#include "../../base/util.h"
#include "sq_int.h"

int lt__sq_event_append(lt_store_t *s, const lt_event_t *ev)
{
    return lt__sql_event_append(s, ev, NULL) == LT_OK ? LT_OK : LT_ERR;
}

int lt__sq_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id, int64_t expires_at)
{
    return lt__sq_exec_bound(lt__sq_db(s),
                             "INSERT OR REPLACE INTO sessions (digest, user_id, created_at,"
                             " expires_at) VALUES (?,?,?,?)",
                             "biii", digest, user_id, lt_now_ms(), expires_at);
}

int lt__sq_session_delete(lt_store_t *s, const uint8_t digest[32])
{
    return lt__sq_exec_bound(lt__sq_db(s), "DELETE FROM sessions WHERE digest = ?", "b", digest);
}

int lt__sq_sessions_delete_user(lt_store_t *s, int64_t user_id)
{
    return lt__sq_exec_bound(lt__sq_db(s), "DELETE FROM sessions WHERE user_id = ?", "i", user_id);
}

/* ---------- no-event batch writes ---------- */

int lt__sq_tokens_seen(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n)
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = lt__sq_prepare(db, "UPDATE api_tokens SET seen_at = max(coalesce(seen_at,"
                                          " 0), ?) WHERE digest = ?");
    int rc = st ? LT_OK : LT_ERR;
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, at[i]);
        sqlite3_bind_blob(st, 2, digests[i], 32, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE) {
            lt_log_error("store: tokens seen: %s", sqlite3_errmsg(db));
            rc = LT_ERR;
        }
    }
    sqlite3_finalize(st);
    return rc;
}

int lt__sq_usage_write(lt_store_t *base, const lt_app_row_t *apps, size_t n_apps,
                       const lt_metric_row_t *rows, size_t n_rows)
{
    sqlite3 *db = lt__sq_db(base);
    sqlite3_stmt *app = lt__sq_prepare(
        db, "INSERT INTO client_applications (app_name, instance_id, environment, sdk_version,"
            " sdk_type, strategies, platform_name, started_at, interval_ms, first_seen, last_seen)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(app_name, instance_id, environment)"
            " DO UPDATE SET sdk_version = coalesce(excluded.sdk_version, sdk_version),"
            " sdk_type = coalesce(excluded.sdk_type, sdk_type),"
            " strategies = coalesce(excluded.strategies, strategies),"
            " platform_name = coalesce(excluded.platform_name, platform_name),"
            " started_at = coalesce(excluded.started_at, started_at),"
            " interval_ms = coalesce(excluded.interval_ms, interval_ms),"
            " last_seen = max(last_seen, excluded.last_seen)");
    sqlite3_stmt *met = lt__sq_prepare(
        db, "INSERT INTO client_metrics (app_name, instance_id, environment, feature, hour, yes,"
            " no) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET yes = yes + excluded.yes,"
            " no = no + excluded.no");
    sqlite3_stmt *var = lt__sq_prepare(
        db, "INSERT INTO client_metrics_variants (app_name, instance_id, environment, feature,"
            " hour, variant, count) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
            " count = count + excluded.count");
    if (!app || !met || !var)
        goto fail;
    for (size_t i = 0; i < n_apps; i++) {
        const lt_app_row_t *r = &apps[i];
        sqlite3_reset(app);
        lt__sq_bind_text(app, 1, r->app_name);
        lt__sq_bind_text(app, 2, r->instance_id);
        lt__sq_bind_text(app, 3, r->environment);
        lt__sq_bind_text(app, 4, r->sdk_version);
        lt__sq_bind_text(app, 5, r->sdk_type);
        lt__sq_bind_text(app, 6, r->strategies);
        lt__sq_bind_text(app, 7, r->platform_name);
        if (r->started_at)
            sqlite3_bind_int64(app, 8, r->started_at);
        else
            sqlite3_bind_null(app, 8);
        if (r->interval_ms)
            sqlite3_bind_int64(app, 9, r->interval_ms);
        else
            sqlite3_bind_null(app, 9);
        sqlite3_bind_int64(app, 10, r->seen_at);
        sqlite3_bind_int64(app, 11, r->seen_at);
        if (sqlite3_step(app) != SQLITE_DONE)
            goto fail;
    }
    for (size_t i = 0; i < n_rows; i++) {
        const lt_metric_row_t *r = &rows[i];
        sqlite3_reset(met);
        lt__sq_bind_text(met, 1, r->app_name);
        lt__sq_bind_text(met, 2, r->instance_id);
        lt__sq_bind_text(met, 3, r->environment);
        lt__sq_bind_text(met, 4, r->feature);
        sqlite3_bind_int64(met, 5, r->hour);
        sqlite3_bind_int64(met, 6, r->yes);
        sqlite3_bind_int64(met, 7, r->no);
        if (sqlite3_step(met) != SQLITE_DONE)
            goto fail;
        for (size_t k = 0; k < r->n_variants; k++) {
            sqlite3_reset(var);
            lt__sq_bind_text(var, 1, r->app_name);
            lt__sq_bind_text(var, 2, r->instance_id);
            lt__sq_bind_text(var, 3, r->environment);
            lt__sq_bind_text(var, 4, r->feature);
            sqlite3_bind_int64(var, 5, r->hour);
            lt__sq_bind_text(var, 6, r->variant_names[k]);
            sqlite3_bind_int64(var, 7, r->variant_counts[k]);
            if (sqlite3_step(var) != SQLITE_DONE)
                goto fail;
        }
    }
    sqlite3_finalize(app);
    sqlite3_finalize(met);
    sqlite3_finalize(var);
    return LT_OK;
fail:
    lt_log_error("store: usage write: %s", sqlite3_errmsg(db));
    sqlite3_finalize(app);
    sqlite3_finalize(met);
    sqlite3_finalize(var);
    return LT_ERR;
}
