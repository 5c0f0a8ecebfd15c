/*
 * sq_write_access.c: the SQLite write primitives of the access records (users, roles and
 * their permissions, role bindings, API tokens, sessions) and the no-event batch writes
 * (token last-seen times, usage counts, login results). Each runs inside the caller's write
 * transaction; the rules (sessions ended, PATs removed, scopes narrowed) live in rules_access.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/log.h"
#include "../../base/util.h"
#include "sq_int.h"

/* ---------- users, roles, bindings ---------- */

int lt__sq_user_put(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                    int64_t *out_id)
{
    sqlite3 *db = lt__sq_db(s);
    int rc;
    if (u->id == 0)
        rc = lt__sq_exec_bound(db,
                               "INSERT INTO users (username, email, name, root_role,"
                               " password_hash, created_at) VALUES (?,?,?,?,?,?)",
                               "tttiti", u->username, u->email, u->name, u->root_role,
                               password_hash, u->created_at ? u->created_at : lt_now_ms());
    else
        rc = lt__sq_exec_changed(db,
                                 "UPDATE users SET username = ?, email = ?, name = ?,"
                                 " root_role = ?, password_hash = coalesce(?, password_hash)"
                                 " WHERE id = ?",
                                 "tttiti", u->username, u->email, u->name, u->root_role,
                                 password_hash, u->id);
    if (rc == LT_OK && out_id)
        *out_id = u->id ? u->id : sqlite3_last_insert_rowid(db);
    return rc;
}

int lt__sq_user_delete(lt_store_t *s, int64_t id)
{
    return lt__sq_exec_changed(lt__sq_db(s), "DELETE FROM users WHERE id = ?", "i", id);
}

static int role_row_put(sqlite3 *db, const lt_role_t *r, lt_put_mode_t m, bool *out_written)
{
    int rc;
    *out_written = true;
    if (r->id == 0 || m == LT_PUT_CREATE || m == LT_PUT_IGNORE) {
        char sql[200];
        snprintf(sql, sizeof(sql), "INSERT%s INTO roles (id, name, description, type, created_at)"
                                   " VALUES (%s,?,?,?,?)",
                 m == LT_PUT_IGNORE ? " OR IGNORE" : "", r->id ? "?" : "NULL");
        rc = r->id ? lt__sq_exec_bound(db, sql, "ittti", r->id, r->name,
                                       r->description, r->type, lt_now_ms())
                   : lt__sq_exec_bound(db, sql, "ttti", r->name, r->description, r->type,
                                       lt_now_ms());
        *out_written = rc == LT_OK && sqlite3_changes(db) > 0;
        return rc;
    }
    return lt__sq_exec_changed(db, "UPDATE roles SET name = ?, description = ?, type = ?"
                                   " WHERE id = ?",
                               "ttti", r->name, r->description, r->type, r->id);
}

int lt__sq_role_put(lt_store_t *s, const lt_role_t *r, lt_put_mode_t m, int64_t *out_id)
{
    sqlite3 *db = lt__sq_db(s);
    bool written = false;
    int rc = role_row_put(db, r, m, &written);
    int64_t id = r->id ? r->id : sqlite3_last_insert_rowid(db);
    if (rc == LT_OK && written)
        rc = lt__sq_exec_bound(db, "DELETE FROM role_permissions WHERE role_id = ?", "i", id);
    for (size_t i = 0; rc == LT_OK && written && i < r->n_perms; i++)
        rc = lt__sq_exec_bound(db,
                               "INSERT INTO role_permissions (role_id, permission, project,"
                               " environment) VALUES (?,?,?,?)",
                               "ittt", id, r->perms[i].permission, r->perms[i].project,
                               r->perms[i].environment);
    if (rc == LT_OK && out_id)
        *out_id = id;
    return rc;
}

int lt__sq_role_delete(lt_store_t *s, int64_t id)
{
    return lt__sq_exec_changed(lt__sq_db(s), "DELETE FROM roles WHERE id = ?", "i", id);
}

int lt__sq_bindings_put(lt_store_t *s, int64_t user_id, const char *project,
                        const int64_t *role_ids, size_t n)
{
    sqlite3 *db = lt__sq_db(s);
    int rc = lt__sq_exec_bound(db, "DELETE FROM role_bindings WHERE user_id = ? AND project = ?",
                               "it", user_id, project);
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = lt__sq_exec_bound(db,
                               "INSERT OR IGNORE INTO role_bindings (user_id, project, role_id)"
                               " VALUES (?,?,?)",
                               "iti", user_id, project, role_ids[i]);
    return rc;
}

/* ---------- tokens, sessions ---------- */

int lt__sq_token_put(lt_store_t *s, const lt_token_new_t *t, lt_put_mode_t m, int64_t *out_id)
{
    sqlite3 *db = lt__sq_db(s);
    bool replace = m != LT_PUT_CREATE;
    char sql[640];
    snprintf(sql, sizeof(sql),
             "INSERT INTO api_tokens (digest, name, type, environment, all_projects, display,"
             " expires_at, created_at, user_id) VALUES (?,?,?,?,?,?,?,?,?)%s",
             replace ? " ON CONFLICT(digest) DO UPDATE SET name = excluded.name,"
                       " type = excluded.type, environment = excluded.environment,"
                       " all_projects = excluded.all_projects, display = excluded.display,"
                       " expires_at = excluded.expires_at, user_id = excluded.user_id"
                     : "");
    int rc = lt__sq_exec_bound(db, sql, "btttitoio", t->digest, t->name,
                               lt_token_type_name(t->type), t->environment,
                               (int64_t)t->all_projects, t->display, t->expires_at,
                               lt_now_ms(), t->user_id);
    if (rc == LT_OK && out_id && !replace)
        *out_id = sqlite3_last_insert_rowid(db);
    if (rc == LT_OK && replace)
        rc = lt__sq_exec_bound(db, "DELETE FROM api_token_projects WHERE digest = ?", "b",
                               t->digest);
    for (size_t i = 0; rc == LT_OK && !t->all_projects && i < t->n_projects; i++)
        rc = lt__sq_exec_bound(db,
                               "INSERT OR IGNORE INTO api_token_projects (digest, project)"
                               " VALUES (?,?)",
                               "bt", t->digest, t->projects[i]);
    return rc;
}

int lt__sq_token_delete(lt_store_t *s, const uint8_t digest[32])
{
    return lt__sq_exec_changed(lt__sq_db(s), "DELETE FROM api_tokens WHERE digest = ?", "b",
                               digest);
}

int lt__sq_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                       int64_t expires_at)
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
    return lt__sq_exec_bound(lt__sq_db(s), "DELETE FROM sessions WHERE user_id = ?", "i",
                             user_id);
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

int lt__sq_user_login_result(lt_store_t *s, int64_t id, bool ok)
{
    if (ok)
        return lt__sq_exec_bound(lt__sq_db(s),
                                 "UPDATE users SET login_attempts = 0, seen_at = ? WHERE id = ?",
                                 "ii", lt_now_ms(), id);
    return lt__sq_exec_bound(lt__sq_db(s),
                             "UPDATE users SET login_attempts = login_attempts + 1 WHERE id = ?",
                             "i", id);
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

int lt__sq_usage_prune(lt_store_t *base, int64_t raw_before, int64_t agg_before)
{
    sqlite3 *db = lt__sq_db(base);
    /* the day rows: instance "" (never an SDK's: an empty instanceId is stored as "default") */
    int rc = lt__sq_exec_bound(
        db,
        "INSERT INTO client_metrics (app_name, instance_id, environment, feature, hour, yes, no)"
        " SELECT app_name, '', environment, feature, hour - hour % 86400000, sum(yes), sum(no)"
        " FROM client_metrics WHERE hour < ?1 AND instance_id <> ''"
        " GROUP BY app_name, environment, feature, hour - hour % 86400000"
        " ON CONFLICT DO UPDATE SET yes = yes + excluded.yes, no = no + excluded.no",
        "i", raw_before);
    if (rc == LT_OK)
        rc = lt__sq_exec_bound(
            db,
            "INSERT INTO client_metrics_variants (app_name, instance_id, environment, feature,"
            " hour, variant, count) SELECT app_name, '', environment, feature,"
            " hour - hour % 86400000, variant, sum(count) FROM client_metrics_variants"
            " WHERE hour < ?1 AND instance_id <> ''"
            " GROUP BY app_name, environment, feature, hour - hour % 86400000, variant"
            " ON CONFLICT DO UPDATE SET count = count + excluded.count",
            "i", raw_before);
    if (rc == LT_OK)
        rc = lt__sq_exec_bound(db,
                               "DELETE FROM client_metrics WHERE (hour < ?1 AND instance_id <> '')"
                               " OR (hour < ?2 AND instance_id = '')",
                               "ii", raw_before, agg_before);
    if (rc == LT_OK)
        rc = lt__sq_exec_bound(db,
                               "DELETE FROM client_metrics_variants WHERE (hour < ?1 AND"
                               " instance_id <> '') OR (hour < ?2 AND instance_id = '')",
                               "ii", raw_before, agg_before);
    if (rc != LT_OK)
        lt_log_error("store: usage retention: %s", sqlite3_errmsg(db));
    return rc;
}
