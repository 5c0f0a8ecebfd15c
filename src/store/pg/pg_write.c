/*
 * pg_write.c: the PostgreSQL write primitives of its own: the event row, which notifies the
 * other instances when it commits, sessions (with a notification of their own), and the
 * no-event batch writes (token last-seen times, usage counts added up); the other writes are
 * the shared ones of sql_write.c, run through lt__pg_exec_ops (pg_util.c). Each runs inside the
 * caller's write transaction; no rules here.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/log.h"
#include "../../base/util.h"
#include "pg_int.h"

/* The notification is sent when the transaction commits, and only then. */
int lt__pg_event_append(lt_store_t *s, const lt_event_t *ev)
{
    int64_t id = 0;
    if (lt__sql_event_append(s, ev, &id) != LT_OK)
        return LT_ERR;
    return lt__pg_run(lt__pg_w(s), "SELECT pg_notify('" LT__PG_CHANNEL "', ?::text)", "i", id) ==
                   LT_OK
               ? LT_OK
               : LT_ERR;
}

/* Sessions have no event: the other instances learn of a new or ended one from a
 * notification of its own (payload "sessions"), sent at commit, and reload their sessions. */
static int sessions_changed(PGconn *db, int rc)
{
    if (rc == LT_OK)
        rc = lt__pg_run(db, "SELECT pg_notify('" LT__PG_CHANNEL "', 'sessions')", "");
    return rc;
}

int lt__pg_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id, int64_t expires_at)
{
    PGconn *db = lt__pg_w(s);
    return sessions_changed(db, lt__pg_run(db,
                                           "INSERT INTO sessions (digest, user_id, created_at,"
                                           " expires_at) VALUES (?,?,?,?) ON CONFLICT (digest)"
                                           " DO UPDATE SET user_id = excluded.user_id,"
                                           " created_at = excluded.created_at,"
                                           " expires_at = excluded.expires_at",
                                           "biii", digest, user_id, lt_now_ms(), expires_at));
}

int lt__pg_session_delete(lt_store_t *s, const uint8_t digest[32])
{
    PGconn *db = lt__pg_w(s);
    return sessions_changed(db,
                            lt__pg_run(db, "DELETE FROM sessions WHERE digest = ?", "b", digest));
}

int lt__pg_sessions_delete_user(lt_store_t *s, int64_t user_id)
{
    PGconn *db = lt__pg_w(s);
    return sessions_changed(db,
                            lt__pg_run(db, "DELETE FROM sessions WHERE user_id = ?", "i", user_id));
}

/* ---------- no-event batch writes ---------- */

int lt__pg_tokens_seen(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n)
{
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = lt__pg_run(lt__pg_w(s),
                        "UPDATE api_tokens SET seen_at = greatest(coalesce(seen_at, 0), ?)"
                        " WHERE digest = ?",
                        "ib", at[i], digests[i]);
    return rc == LT_OK ? LT_OK : LT_ERR;
}

/* Counts add up in the database: every instance writes what it counted since its last write,
 * and none overwrites another's. */
int lt__pg_usage_write(lt_store_t *base, const lt_app_row_t *apps, size_t n_apps,
                       const lt_metric_row_t *rows, size_t n_rows)
{
    PGconn *db = lt__pg_w(base);
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n_apps; i++) {
        const lt_app_row_t *r = &apps[i];
        rc = lt__pg_run(
            db,
            "INSERT INTO client_applications AS c (app_name, instance_id, environment,"
            " sdk_version, sdk_type, strategies, platform_name, started_at, interval_ms,"
            " first_seen, last_seen) VALUES (?,?,?,?,?,?,?,?,?,?,?)"
            " ON CONFLICT (app_name, instance_id, environment) DO UPDATE SET"
            " sdk_version = coalesce(excluded.sdk_version, c.sdk_version),"
            " sdk_type = coalesce(excluded.sdk_type, c.sdk_type),"
            " strategies = coalesce(excluded.strategies, c.strategies),"
            " platform_name = coalesce(excluded.platform_name, c.platform_name),"
            " started_at = coalesce(excluded.started_at, c.started_at),"
            " interval_ms = coalesce(excluded.interval_ms, c.interval_ms),"
            " last_seen = greatest(c.last_seen, excluded.last_seen)",
            "tttttttooii", r->app_name, r->instance_id, r->environment, r->sdk_version, r->sdk_type,
            r->strategies, r->platform_name, r->started_at, r->interval_ms, r->seen_at, r->seen_at);
    }
    for (size_t i = 0; rc == LT_OK && i < n_rows; i++) {
        const lt_metric_row_t *r = &rows[i];
        rc = lt__pg_run(db,
                        "INSERT INTO client_metrics AS m (app_name, instance_id, environment,"
                        " feature, hour, yes, no) VALUES (?,?,?,?,?,?,?) ON CONFLICT (feature,"
                        " environment, hour, app_name, instance_id) DO UPDATE SET"
                        " yes = m.yes + excluded.yes, no = m.no + excluded.no",
                        "ttttiii", r->app_name, r->instance_id, r->environment, r->feature, r->hour,
                        r->yes, r->no);
        for (size_t k = 0; rc == LT_OK && k < r->n_variants; k++)
            rc = lt__pg_run(db,
                            "INSERT INTO client_metrics_variants AS v (app_name, instance_id,"
                            " environment, feature, hour, variant, count) VALUES (?,?,?,?,?,?,?)"
                            " ON CONFLICT (feature, environment, hour, app_name, instance_id,"
                            " variant) DO UPDATE SET count = v.count + excluded.count",
                            "ttttiti", r->app_name, r->instance_id, r->environment, r->feature,
                            r->hour, r->variant_names[k], r->variant_counts[k]);
    }
    return rc == LT_OK ? LT_OK : LT_ERR;
}
