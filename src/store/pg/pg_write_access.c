/*
 * pg_write_access.c: the PostgreSQL write primitives of the access records (users, roles and
 * their permissions, role bindings, API tokens, sessions) and the no-event batch writes
 * (token last-seen times, usage counts, login results). Each runs inside the caller's write
 * transaction; the rules (sessions ended, PATs removed, scopes narrowed) live in rules_access.c.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/log.h"
#include "../../base/util.h"
#include "pg_int.h"

/* ---------- users, roles, bindings ---------- */

int lt__pg_user_put(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                    int64_t *out_id)
{
    PGconn *db = lt__pg_w(s);
    if (u->id != 0)
        return lt__pg_exec_changed(db,
                                   "UPDATE users SET username = ?, email = ?, name = ?,"
                                   " root_role = ?, password_hash = coalesce(?, password_hash)"
                                   " WHERE id = ?",
                                   "tttiti", u->username, u->email, u->name, u->root_role,
                                   password_hash, u->id);
    int64_t id = 0;
    int rc = lt__pg_int(db, &id,
                        "INSERT INTO users (username, email, name, root_role, password_hash,"
                        " created_at) VALUES (?,?,?,?,?,?) RETURNING id",
                        "tttiti", u->username, u->email, u->name, u->root_role, password_hash,
                        u->created_at ? u->created_at : lt_now_ms());
    if (rc == LT_OK && out_id)
        *out_id = id;
    return rc;
}

int lt__pg_user_delete(lt_store_t *s, int64_t id)
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM users WHERE id = ?", "i", id);
}

/* The role's row; *id its id (a new one when r->id is 0), *written whether it was stored
 * (IGNORE leaves an existing role as it is). An explicit id moves the id sequence past it. */
static int role_row_put(PGconn *db, const lt_role_t *r, lt_put_mode_t m, int64_t *id,
                        bool *written)
{
    *written = true;
    *id = r->id;
    if (r->id != 0 && m != LT_PUT_CREATE && m != LT_PUT_IGNORE)
        return lt__pg_exec_changed(db, "UPDATE roles SET name = ?, description = ?, type = ?"
                                       " WHERE id = ?",
                                   "ttti", r->name, r->description, r->type, r->id);
    PGresult *res = NULL;
    int rc = r->id ? lt__pg_exec(db, &res,
                                 "INSERT INTO roles (id, name, description, type, created_at)"
                                 " VALUES (?,?,?,?,?) ON CONFLICT (id) DO NOTHING RETURNING id",
                                 "ittti", r->id, r->name, r->description, r->type, lt_now_ms())
                   : lt__pg_exec(db, &res,
                                 "INSERT INTO roles (name, description, type, created_at)"
                                 " VALUES (?,?,?,?) RETURNING id",
                                 "ttti", r->name, r->description, r->type, lt_now_ms());
    if (rc == LT_OK) {
        *written = PQntuples(res) > 0;
        if (*written)
            *id = lt__pg_num(res, 0, 0);
        if (m == LT_PUT_CREATE && !*written)
            rc = LT_EINVAL;
    }
    PQclear(res);
    if (rc == LT_OK && r->id)
        rc = lt__pg_run(db, "SELECT setval('roles_id_seq', greatest((SELECT max(id) FROM roles),"
                            " (SELECT last_value FROM roles_id_seq)))",
                        "");
    return rc;
}

int lt__pg_role_put(lt_store_t *s, const lt_role_t *r, lt_put_mode_t m, int64_t *out_id)
{
    PGconn *db = lt__pg_w(s);
    bool written = false;
    int64_t id = 0;
    int rc = role_row_put(db, r, m, &id, &written);
    if (rc == LT_OK && written)
        rc = lt__pg_run(db, "DELETE FROM role_permissions WHERE role_id = ?", "i", id);
    for (size_t i = 0; rc == LT_OK && written && i < r->n_perms; i++)
        rc = lt__pg_run(db,
                        "INSERT INTO role_permissions (role_id, permission, project,"
                        " environment) VALUES (?,?,?,?)",
                        "ittt", id, r->perms[i].permission, r->perms[i].project,
                        r->perms[i].environment);
    if (rc == LT_OK && out_id)
        *out_id = id;
    return rc;
}

int lt__pg_role_delete(lt_store_t *s, int64_t id)
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM roles WHERE id = ?", "i", id);
}

int lt__pg_bindings_put(lt_store_t *s, int64_t user_id, const char *project,
                        const int64_t *role_ids, size_t n)
{
    PGconn *db = lt__pg_w(s);
    int rc = lt__pg_run(db, "DELETE FROM role_bindings WHERE user_id = ? AND project = ?",
                               "it", user_id, project);
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = lt__pg_run(db,
                               "INSERT INTO role_bindings (user_id, project, role_id)"
                               " VALUES (?,?,?) ON CONFLICT DO NOTHING",
                               "iti", user_id, project, role_ids[i]);
    return rc;
}

/* ---------- tokens, sessions ---------- */

int lt__pg_token_put(lt_store_t *s, const lt_token_new_t *t, lt_put_mode_t m, int64_t *out_id)
{
    PGconn *db = lt__pg_w(s);
    bool replace = m != LT_PUT_CREATE;
    char sql[640];
    snprintf(sql, sizeof(sql),
             "INSERT INTO api_tokens (digest, name, type, environment, all_projects, display,"
             " expires_at, created_at, user_id) VALUES (?,?,?,?,?,?,?,?,?)%s RETURNING id",
             replace ? " ON CONFLICT(digest) DO UPDATE SET name = excluded.name,"
                       " type = excluded.type, environment = excluded.environment,"
                       " all_projects = excluded.all_projects, display = excluded.display,"
                       " expires_at = excluded.expires_at, user_id = excluded.user_id"
                     : "");
    int64_t id = 0;
    int rc = lt__pg_int(db, &id, sql, "btttitoio", t->digest, t->name,
                               lt_token_type_name(t->type), t->environment,
                               (int64_t)t->all_projects, t->display, t->expires_at,
                               lt_now_ms(), t->user_id);
    if (rc == LT_OK && out_id && !replace)
        *out_id = id;
    if (rc == LT_OK && replace)
        rc = lt__pg_run(db, "DELETE FROM api_token_projects WHERE digest = ?", "b",
                               t->digest);
    for (size_t i = 0; rc == LT_OK && !t->all_projects && i < t->n_projects; i++)
        rc = lt__pg_run(db,
                               "INSERT INTO api_token_projects (digest, project)"
                               " VALUES (?,?) ON CONFLICT DO NOTHING",
                               "bt", t->digest, t->projects[i]);
    return rc;
}

int lt__pg_token_delete(lt_store_t *s, const uint8_t digest[32])
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM api_tokens WHERE digest = ?", "b",
                               digest);
}

/* Sessions have no event: the other instances learn of a new or ended one from a
 * notification of its own (payload "sessions"), sent at commit, and reload their sessions. */
static int sessions_changed(PGconn *db, int rc)
{
    if (rc == LT_OK)
        rc = lt__pg_run(db, "SELECT pg_notify('" LT__PG_CHANNEL "', 'sessions')", "");
    return rc;
}

int lt__pg_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                       int64_t expires_at)
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
    return sessions_changed(db, lt__pg_run(db, "DELETE FROM sessions WHERE digest = ?", "b",
                                           digest));
}

int lt__pg_sessions_delete_user(lt_store_t *s, int64_t user_id)
{
    PGconn *db = lt__pg_w(s);
    return sessions_changed(db, lt__pg_run(db, "DELETE FROM sessions WHERE user_id = ?", "i",
                                           user_id));
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

int lt__pg_user_login_result(lt_store_t *s, int64_t id, bool ok)
{
    if (ok)
        return lt__pg_run(lt__pg_w(s),
                                 "UPDATE users SET login_attempts = 0, seen_at = ? WHERE id = ?",
                                 "ii", lt_now_ms(), id);
    return lt__pg_run(lt__pg_w(s),
                             "UPDATE users SET login_attempts = login_attempts + 1 WHERE id = ?",
                             "i", id);
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
            "tttttttooii", r->app_name, r->instance_id, r->environment, r->sdk_version,
            r->sdk_type, r->strategies, r->platform_name, r->started_at, r->interval_ms,
            r->seen_at, r->seen_at);
    }
    for (size_t i = 0; rc == LT_OK && i < n_rows; i++) {
        const lt_metric_row_t *r = &rows[i];
        rc = lt__pg_run(db,
                        "INSERT INTO client_metrics AS m (app_name, instance_id, environment,"
                        " feature, hour, yes, no) VALUES (?,?,?,?,?,?,?) ON CONFLICT (feature,"
                        " environment, hour, app_name, instance_id) DO UPDATE SET"
                        " yes = m.yes + excluded.yes, no = m.no + excluded.no",
                        "ttttiii", r->app_name, r->instance_id, r->environment, r->feature,
                        r->hour, r->yes, r->no);
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
