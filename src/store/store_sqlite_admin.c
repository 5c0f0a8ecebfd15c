/*
 * store_sqlite_admin.c: the SQLite side of the admin API: whole-entity puts and deletes, each
 * in one transaction with its event row; users, roles, sessions; events and usage read back;
 * and loading the access tables into the dataset a snapshot is built from.
 */
#include <cjson/cJSON.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../model/export.h"
#include "../model/model_json.h"
#include "store_sqlite_int.h"

/* Commit when rc is LT_OK, else roll back; returns rc (or LT_ERR if the commit fails). */
static int finish(sqlite3 *db, int rc)
{
    if (rc == LT_OK)
        return lt__sq_commit(db);
    lt__sq_rollback(db);
    return rc;
}

/* Step and finalize; a constraint violation is LT_EINVAL (not logged as an error). */
static int run_c(sqlite3 *db, sqlite3_stmt *st)
{
    if (!st)
        return LT_ERR;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc == SQLITE_CONSTRAINT)
        return LT_EINVAL;
    if (rc != SQLITE_DONE) {
        lt_log_error("store: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

static void bind_opt_int(sqlite3_stmt *st, int i, int64_t v)
{
    if (v)
        sqlite3_bind_int64(st, i, v);
    else
        sqlite3_bind_null(st, i);
}

/* Bind fmt's arguments ('t' a string or NULL, 'i' an int64_t) to sql, run it (see run_c). */
static int exec_vbound(sqlite3 *db, const char *sql, const char *fmt, va_list ap)
{
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    for (int i = 0; st && fmt[i]; i++) {
        if (fmt[i] == 't')
            lt__sq_bind_text(st, i + 1, va_arg(ap, const char *));
        else
            sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
    }
    return run_c(db, st);
}

static int exec_bound(sqlite3 *db, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = exec_vbound(db, sql, fmt, ap);
    va_end(ap);
    return rc;
}

/* One bound statement and its event, in one transaction. */
static int write_one(lt_store_t *s, const lt_event_t *ev, const char *sql, const char *fmt, ...)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    va_list ap;
    va_start(ap, fmt);
    int rc = exec_vbound(db, sql, fmt, ap);
    va_end(ap);
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

/* Run "DELETE ... WHERE key = ?" (text key) with the event; LT_ENOTFOUND when nothing went. */
static int delete_by_text(lt_store_t *s, const char *sql, const char *key, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    if (st)
        lt__sq_bind_text(st, 1, key);
    int rc = lt__sq_run(db, st);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

static int delete_by_id(lt_store_t *s, const char *sql, int64_t id, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    if (st)
        sqlite3_bind_int64(st, 1, id);
    int rc = lt__sq_run(db, st);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

/* ---------- tokens ---------- */

int lt__sq_token_create(lt_store_t *s, const lt_token_new_t *t, const lt_event_t *ev,
                        int64_t *out_id)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(
        db, "INSERT INTO api_tokens (digest, name, type, environment, all_projects, display,"
            " expires_at, created_at, user_id) VALUES (?,?,?,?,?,?,?,?,?)");
    if (st) {
        sqlite3_bind_blob(st, 1, t->digest, 32, SQLITE_TRANSIENT);
        lt__sq_bind_text(st, 2, t->name);
        lt__sq_bind_text(st, 3, lt_token_type_name(t->type));
        lt__sq_bind_text(st, 4, t->environment);
        sqlite3_bind_int(st, 5, t->all_projects);
        lt__sq_bind_text(st, 6, t->display);
        bind_opt_int(st, 7, t->expires_at);
        sqlite3_bind_int64(st, 8, lt_now_ms());
        bind_opt_int(st, 9, t->user_id);
    }
    int rc = run_c(db, st);
    if (rc == LT_OK && out_id)
        *out_id = sqlite3_last_insert_rowid(db);
    for (size_t i = 0; rc == LT_OK && !t->all_projects && i < t->n_projects; i++) {
        st = lt__sq_prepare(db, "INSERT OR IGNORE INTO api_token_projects (digest, project)"
                                " VALUES (?,?)");
        if (st) {
            sqlite3_bind_blob(st, 1, t->digest, 32, SQLITE_TRANSIENT);
            lt__sq_bind_text(st, 2, t->projects[i]);
        }
        rc = lt__sq_run(db, st);
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_token_update(lt_store_t *s, const uint8_t digest[32], int64_t expires_at,
                        const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "UPDATE api_tokens SET expires_at = ? WHERE digest = ?");
    if (st) {
        bind_opt_int(st, 1, expires_at);
        sqlite3_bind_blob(st, 2, digest, 32, SQLITE_TRANSIENT);
    }
    int rc = lt__sq_run(db, st);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_token_remove(lt_store_t *s, const uint8_t digest[32], const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "DELETE FROM api_tokens WHERE digest = ?");
    if (st)
        sqlite3_bind_blob(st, 1, digest, 32, SQLITE_TRANSIENT);
    int rc = lt__sq_run(db, st);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_tokens_seen(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "UPDATE api_tokens SET seen_at = max(coalesce(seen_at,"
                                          " 0), ?) WHERE digest = ?");
    int rc = st ? LT_OK : LT_ERR;
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        sqlite3_reset(st);
        sqlite3_bind_int64(st, 1, at[i]);
        sqlite3_bind_blob(st, 2, digests[i], 32, SQLITE_TRANSIENT);
        if (sqlite3_step(st) != SQLITE_DONE)
            rc = LT_ERR;
    }
    sqlite3_finalize(st);
    return finish(db, rc);
}

/* ---------- features ---------- */

static int feature_rows_put(sqlite3 *db, const lt_feature_t *f, int64_t now);

int lt__sq_feature_put(lt_store_t *s, const lt_feature_t *f, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    int rc = feature_rows_put(db, f, lt_now_ms());
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_feature_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    return delete_by_text(s, "DELETE FROM features WHERE name = ?", name, ev);
}

int lt__sq_feature_tags_put(lt_store_t *s, const char *feature, const lt_tag_t *tags, size_t n,
                            const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "DELETE FROM feature_tags WHERE feature = ?");
    if (st)
        lt__sq_bind_text(st, 1, feature);
    int rc = lt__sq_run(db, st);
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        st = lt__sq_prepare(db, "INSERT OR IGNORE INTO feature_tags (feature, type, value)"
                                " VALUES (?,?,?)");
        if (st) {
            lt__sq_bind_text(st, 1, feature);
            lt__sq_bind_text(st, 2, tags[i].type);
            lt__sq_bind_text(st, 3, tags[i].value);
        }
        rc = lt__sq_run(db, st);
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

/* ---------- segments, projects, environments ---------- */

int lt__sq_segment_put(lt_store_t *s, const lt_segment_t *seg, const lt_event_t *ev,
                       int64_t *out_id)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    char *cons = lt__sq_json_constraints(seg->constraints, seg->n_constraints);
    sqlite3_stmt *st = lt__sq_prepare(
        db, "INSERT INTO segments (id, name, description, project, constraints, created_at)"
            " VALUES (?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
            " description = excluded.description, project = excluded.project,"
            " constraints = excluded.constraints");
    if (st) {
        bind_opt_int(st, 1, seg->id);
        lt__sq_bind_text(st, 2, seg->name);
        lt__sq_bind_text(st, 3, seg->description);
        lt__sq_bind_text(st, 4, seg->project);
        lt__sq_bind_text(st, 5, cons);
        sqlite3_bind_int64(st, 6, seg->created_at ? seg->created_at : lt_now_ms());
    }
    free(cons);
    int rc = run_c(db, st);
    if (rc == LT_OK && out_id)
        *out_id = seg->id ? seg->id : sqlite3_last_insert_rowid(db);
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_segment_delete(lt_store_t *s, int64_t id, const lt_event_t *ev)
{
    return delete_by_id(s, "DELETE FROM segments WHERE id = ?", id, ev);
}

int lt__sq_project_put(lt_store_t *s, const lt_project_t *p, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "SELECT 1 FROM projects WHERE id = ?");
    if (!st) {
        lt__sq_rollback(db);
        return LT_ERR;
    }
    lt__sq_bind_text(st, 1, p->id);
    bool fresh = sqlite3_step(st) != SQLITE_ROW;
    sqlite3_finalize(st);
    st = lt__sq_prepare(
        db, "INSERT INTO projects (id, name, description, mode, created_at) VALUES (?,?,?,?,?)"
            " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
            " description = excluded.description, mode = excluded.mode");
    if (st) {
        lt__sq_bind_text(st, 1, p->id);
        lt__sq_bind_text(st, 2, p->name ? p->name : p->id);
        lt__sq_bind_text(st, 3, p->description);
        lt__sq_bind_text(st, 4, p->mode ? p->mode : "open");
        sqlite3_bind_int64(st, 5, p->created_at ? p->created_at : lt_now_ms());
    }
    int rc = run_c(db, st);
    /* a new project gets every enabled environment, as Unleash does */
    if (rc == LT_OK && fresh) {
        st = lt__sq_prepare(db, "INSERT OR IGNORE INTO project_environments (project,"
                                " environment) SELECT ?, name FROM environments WHERE enabled");
        if (st)
            lt__sq_bind_text(st, 1, p->id);
        rc = lt__sq_run(db, st);
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_project_delete(lt_store_t *s, const char *id, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    /* tokens scoped to this project lose it; one left with no project at all goes (it must
     * never turn into an all-projects token) */
    sqlite3_stmt *st = lt__sq_prepare(
        db, "DELETE FROM api_tokens WHERE all_projects = 0 AND digest IN (SELECT digest FROM"
            " api_token_projects WHERE project = ?) AND NOT EXISTS (SELECT 1 FROM"
            " api_token_projects p WHERE p.digest = api_tokens.digest AND p.project <> ?)");
    if (st) {
        lt__sq_bind_text(st, 1, id);
        lt__sq_bind_text(st, 2, id);
    }
    int rc = lt__sq_run(db, st);
    if (rc == LT_OK) {
        st = lt__sq_prepare(db, "DELETE FROM api_token_projects WHERE project = ?");
        if (st)
            lt__sq_bind_text(st, 1, id);
        rc = lt__sq_run(db, st);
    }
    if (rc == LT_OK) {
        st = lt__sq_prepare(db, "DELETE FROM projects WHERE id = ?");
        if (st)
            lt__sq_bind_text(st, 1, id);
        rc = run_c(db, st); /* features still in it: a foreign key violation, LT_EINVAL */
        if (rc == LT_OK && sqlite3_changes(db) == 0)
            rc = LT_ENOTFOUND;
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_environment_put(lt_store_t *s, const lt_environment_t *e, const lt_event_t *ev)
{
    return write_one(s, ev,
                     "INSERT INTO environments (name, type, enabled, sort_order, created_at)"
                     " VALUES (?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET type = excluded.type,"
                     " enabled = excluded.enabled, sort_order = excluded.sort_order",
                     "ttiii", e->name, e->type ? e->type : "development", (int64_t)e->enabled,
                     (int64_t)e->sort_order, lt_now_ms());
}

int lt__sq_environment_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    /* tokens of a deleted environment go with it */
    int rc = exec_bound(db, "DELETE FROM api_tokens WHERE environment = ?", "t", name);
    if (rc == LT_OK)
        rc = exec_bound(db, "DELETE FROM environments WHERE name = ?", "t", name);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_project_env_set(lt_store_t *s, const char *project, const char *env, bool on,
                           const lt_event_t *ev)
{
    return write_one(s, ev,
                     on ? "INSERT OR IGNORE INTO project_environments (project, environment)"
                          " VALUES (?,?)"
                        : "DELETE FROM project_environments WHERE project = ? AND environment = ?",
                     "tt", project, env);
}

/* ---------- tag types, context fields, strategy definitions ---------- */

int lt__sq_tag_type_put(lt_store_t *s, const lt_tag_type_t *t, const lt_event_t *ev)
{
    return write_one(s, ev,
                     "INSERT INTO tag_types (name, description, icon) VALUES (?,?,?)"
                     " ON CONFLICT(name) DO UPDATE SET description = excluded.description,"
                     " icon = excluded.icon",
                     "ttt", t->name, t->description, t->icon);
}

int lt__sq_tag_type_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    return delete_by_text(s, "DELETE FROM tag_types WHERE name = ?", name, ev);
}

int lt__sq_context_field_put(lt_store_t *s, const lt_context_field_t *c, const lt_event_t *ev)
{
    return write_one(s, ev,
                     "INSERT INTO context_fields (name, description, stickiness, legal_values,"
                     " sort_order, created_at) VALUES (?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE"
                     " SET description = excluded.description, stickiness = excluded.stickiness,"
                     " legal_values = excluded.legal_values, sort_order = excluded.sort_order",
                     "ttitii", c->name, c->description, (int64_t)c->stickiness,
                     c->legal_values ? c->legal_values : "[]", (int64_t)c->sort_order,
                     c->created_at ? c->created_at : lt_now_ms());
}

int lt__sq_context_field_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    return delete_by_text(s, "DELETE FROM context_fields WHERE name = ?", name, ev);
}

int lt__sq_strategy_def_put(lt_store_t *s, const lt_strategy_def_t *d, const lt_event_t *ev)
{
    return write_one(s, ev,
                     "INSERT INTO strategy_definitions (name, title, description, parameters,"
                     " deprecated, created_at) VALUES (?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE"
                     " SET title = excluded.title, description = excluded.description,"
                     " parameters = excluded.parameters, deprecated = excluded.deprecated",
                     "ttttii", d->name, d->title, d->description,
                     d->parameters ? d->parameters : "[]", (int64_t)d->deprecated,
                     d->created_at ? d->created_at : lt_now_ms());
}

int lt__sq_strategy_def_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    return delete_by_text(s, "DELETE FROM strategy_definitions WHERE name = ?", name, ev);
}

/* ---------- users, roles, sessions ---------- */

int lt__sq_user_put(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                    const lt_event_t *ev, int64_t *out_id)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st;
    if (u->id == 0)
        st = lt__sq_prepare(db, "INSERT INTO users (username, email, name, root_role,"
                                " password_hash, created_at) VALUES (?,?,?,?,?,?)");
    else
        st = lt__sq_prepare(db, "UPDATE users SET username = ?, email = ?, name = ?,"
                                " root_role = ?, password_hash = coalesce(?, password_hash)"
                                " WHERE id = ?");
    if (st) {
        lt__sq_bind_text(st, 1, u->username);
        lt__sq_bind_text(st, 2, u->email);
        lt__sq_bind_text(st, 3, u->name);
        sqlite3_bind_int64(st, 4, u->root_role);
        lt__sq_bind_text(st, 5, password_hash);
        if (u->id == 0)
            sqlite3_bind_int64(st, 6, u->created_at ? u->created_at : lt_now_ms());
        else
            sqlite3_bind_int64(st, 6, u->id);
    }
    int rc = run_c(db, st);
    if (rc == LT_OK && u->id && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    if (rc == LT_OK && out_id)
        *out_id = u->id ? u->id : sqlite3_last_insert_rowid(db);
    if (rc == LT_OK && password_hash && u->id) {
        /* a new password ends the user's sessions */
        st = lt__sq_prepare(db, "DELETE FROM sessions WHERE user_id = ?");
        if (st)
            sqlite3_bind_int64(st, 1, u->id);
        rc = lt__sq_run(db, st);
    }
    if (rc == LT_OK && ev)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_user_delete(lt_store_t *s, int64_t id, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    /* the user's PATs go with the user */
    int rc = exec_bound(db, "DELETE FROM api_tokens WHERE user_id = ?", "i", id);
    if (rc == LT_OK)
        rc = exec_bound(db, "DELETE FROM users WHERE id = ?", "i", id);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_user_auth(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out)
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = lt__sq_prepare(
        db, "SELECT id, password_hash, login_attempts FROM users WHERE username = ?1 COLLATE"
            " NOCASE OR email = ?1 COLLATE NOCASE ORDER BY id LIMIT 1");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, login);
    int rc = LT_ENOTFOUND;
    if (sqlite3_step(st) == SQLITE_ROW) {
        out->user_id = sqlite3_column_int64(st, 0);
        out->password_hash = lt__sq_text(a, st, 1);
        out->login_attempts = sqlite3_column_int(st, 2);
        rc = LT_OK;
    }
    sqlite3_finalize(st);
    return rc;
}

int lt__sq_user_login_result(lt_store_t *s, int64_t id, bool ok)
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = lt__sq_prepare(
        db, ok ? "UPDATE users SET login_attempts = 0, seen_at = ?2 WHERE id = ?1"
               : "UPDATE users SET login_attempts = login_attempts + 1 WHERE id = ?1");
    if (!st)
        return LT_ERR;
    sqlite3_bind_int64(st, 1, id);
    if (ok)
        sqlite3_bind_int64(st, 2, lt_now_ms());
    return lt__sq_run(db, st);
}

int lt__sq_role_put(lt_store_t *s, const lt_role_t *r, const lt_event_t *ev, int64_t *out_id)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st;
    if (r->id == 0)
        st = lt__sq_prepare(db, "INSERT INTO roles (name, description, type, created_at)"
                                " VALUES (?,?,?,?)");
    else
        st = lt__sq_prepare(db, "UPDATE roles SET name = ?, description = ?, type = ?"
                                " WHERE id = ?");
    if (st) {
        lt__sq_bind_text(st, 1, r->name);
        lt__sq_bind_text(st, 2, r->description);
        lt__sq_bind_text(st, 3, r->type);
        sqlite3_bind_int64(st, 4, r->id ? r->id : lt_now_ms());
    }
    int rc = run_c(db, st);
    if (rc == LT_OK && r->id && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    int64_t id = r->id ? r->id : sqlite3_last_insert_rowid(db);
    if (rc == LT_OK) {
        st = lt__sq_prepare(db, "DELETE FROM role_permissions WHERE role_id = ?");
        if (st)
            sqlite3_bind_int64(st, 1, id);
        rc = lt__sq_run(db, st);
    }
    for (size_t i = 0; rc == LT_OK && i < r->n_perms; i++) {
        st = lt__sq_prepare(db, "INSERT INTO role_permissions (role_id, permission, project,"
                                " environment) VALUES (?,?,?,?)");
        if (st) {
            sqlite3_bind_int64(st, 1, id);
            lt__sq_bind_text(st, 2, r->perms[i].permission);
            lt__sq_bind_text(st, 3, r->perms[i].project);
            lt__sq_bind_text(st, 4, r->perms[i].environment);
        }
        rc = lt__sq_run(db, st);
    }
    if (rc == LT_OK && out_id)
        *out_id = id;
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_role_delete(lt_store_t *s, int64_t id, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    /* a role still held as a root role cannot go */
    sqlite3_stmt *st = lt__sq_prepare(db, "SELECT count(*) FROM users WHERE root_role = ?");
    int rc = st ? LT_OK : LT_ERR;
    if (st) {
        sqlite3_bind_int64(st, 1, id);
        if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int64(st, 0) > 0)
            rc = LT_EINVAL;
        sqlite3_finalize(st);
    }
    if (rc == LT_OK) {
        st = lt__sq_prepare(db, "DELETE FROM roles WHERE id = ?");
        if (st)
            sqlite3_bind_int64(st, 1, id);
        rc = lt__sq_run(db, st);
        if (rc == LT_OK && sqlite3_changes(db) == 0)
            rc = LT_ENOTFOUND;
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_bindings_set(lt_store_t *s, int64_t user_id, const char *project,
                        const int64_t *role_ids, size_t n, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "DELETE FROM role_bindings WHERE user_id = ? AND"
                                          " project = ?");
    if (st) {
        sqlite3_bind_int64(st, 1, user_id);
        lt__sq_bind_text(st, 2, project);
    }
    int rc = lt__sq_run(db, st);
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        st = lt__sq_prepare(db, "INSERT OR IGNORE INTO role_bindings (user_id, project, role_id)"
                                " VALUES (?,?,?)");
        if (st) {
            sqlite3_bind_int64(st, 1, user_id);
            lt__sq_bind_text(st, 2, project);
            sqlite3_bind_int64(st, 3, role_ids[i]);
        }
        rc = run_c(db, st);
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                       int64_t expires_at)
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = lt__sq_prepare(db, "INSERT OR REPLACE INTO sessions (digest, user_id,"
                                          " created_at, expires_at) VALUES (?,?,?,?)");
    if (!st)
        return LT_ERR;
    sqlite3_bind_blob(st, 1, digest, 32, SQLITE_TRANSIENT);
    sqlite3_bind_int64(st, 2, user_id);
    sqlite3_bind_int64(st, 3, lt_now_ms());
    sqlite3_bind_int64(st, 4, expires_at);
    return lt__sq_run(db, st);
}

int lt__sq_session_delete(lt_store_t *s, const uint8_t digest[32])
{
    sqlite3 *db = lt__sq_db(s);
    sqlite3_stmt *st = lt__sq_prepare(db, "DELETE FROM sessions WHERE digest = ?");
    if (!st)
        return LT_ERR;
    sqlite3_bind_blob(st, 1, digest, 32, SQLITE_TRANSIENT);
    return lt__sq_run(db, st);
}

int lt__sq_sessions_load(lt_store_t *s,
                         void (*fn)(void *ctx, const uint8_t digest[32], int64_t user_id,
                                    int64_t expires_at),
                         void *ctx)
{
    sqlite3 *db = lt__sq_db(s);
    lt__sq_exec(db, "DELETE FROM sessions WHERE expires_at <= strftime('%s','now') * 1000");
    sqlite3_stmt *st = lt__sq_prepare(db, "SELECT digest, user_id, expires_at FROM sessions");
    if (!st)
        return LT_ERR;
    while (sqlite3_step(st) == SQLITE_ROW)
        if (sqlite3_column_bytes(st, 0) == 32)
            fn(ctx, sqlite3_column_blob(st, 0), sqlite3_column_int64(st, 1),
               sqlite3_column_int64(st, 2));
    sqlite3_finalize(st);
    return LT_OK;
}

/* ---------- events and usage read back ---------- */

int lt__sq_events_list(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total)
{
    sqlite3 *db = lt__sq_db(s);
    const char *where =
        " WHERE (?1 IS NULL OR feature_name = ?1) AND (?2 IS NULL OR project = ?2)"
        " AND (?3 IS NULL OR type = ?3) AND (?4 IS NULL OR created_by = ?4)"
        " AND (?5 IS NULL OR instr(type, ?5) OR instr(created_by, ?5) OR"
        " instr(coalesce(feature_name, ''), ?5) OR instr(coalesce(data, ''), ?5))";
    char sql[1024];
    *n = 0;
    *total = 0;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM events%s", where);
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    if (!st)
        return LT_ERR;
    const char *binds[5] = {f->feature, f->project, f->type, f->created_by, f->query};
    for (int i = 0; i < 5; i++)
        lt__sq_bind_text(st, i + 1, binds[i]);
    if (sqlite3_step(st) == SQLITE_ROW)
        *total = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    snprintf(sql, sizeof(sql),
             "SELECT id, type, created_at, created_by, created_by_user_id, project, environment,"
             " feature_name, data, pre_data FROM events%s ORDER BY id DESC LIMIT ?6 OFFSET ?7",
             where);
    st = lt__sq_prepare(db, sql);
    if (!st)
        return LT_ERR;
    for (int i = 0; i < 5; i++)
        lt__sq_bind_text(st, i + 1, binds[i]);
    int64_t limit = f->limit > 0 && f->limit <= 1000 ? f->limit : 100;
    sqlite3_bind_int64(st, 6, limit);
    sqlite3_bind_int64(st, 7, f->offset > 0 ? f->offset : 0);
    *out = lt_arena_calloc(a, (size_t)limit, sizeof(**out));
    while (sqlite3_step(st) == SQLITE_ROW && *n < (size_t)limit) {
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
    return LT_OK;
}

int lt__sq_usage_apps(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n)
{
    sqlite3 *db = lt__sq_db(s);
    size_t cap = 0;
    if (lt__sq_count(db, "client_applications", &cap) != LT_OK)
        return LT_ERR;
    *out = lt_arena_calloc(a, cap ? cap : 1, sizeof(**out));
    *n = 0;
    sqlite3_stmt *st = lt__sq_prepare(
        db, "SELECT app_name, instance_id, environment, sdk_version, strategies, platform_name,"
            " sdk_type, started_at, interval_ms, last_seen FROM client_applications"
            " ORDER BY app_name, environment, instance_id");
    if (!st)
        return LT_ERR;
    while (sqlite3_step(st) == SQLITE_ROW && *n < cap) {
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
    return LT_OK;
}

int lt__sq_usage_feature(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n)
{
    sqlite3 *db = lt__sq_db(s);
    *n = 0;
    sqlite3_stmt *st = lt__sq_prepare(
        db, "SELECT count(*) FROM client_metrics WHERE feature = ? AND hour >= ?");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, feature);
    sqlite3_bind_int64(st, 2, since);
    size_t cap = sqlite3_step(st) == SQLITE_ROW ? (size_t)sqlite3_column_int64(st, 0) : 0;
    sqlite3_finalize(st);
    *out = lt_arena_calloc(a, cap ? cap : 1, sizeof(**out));
    st = lt__sq_prepare(db, "SELECT app_name, instance_id, environment, hour, yes, no"
                            " FROM client_metrics WHERE feature = ? AND hour >= ?"
                            " ORDER BY hour, environment, app_name, instance_id");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, feature);
    sqlite3_bind_int64(st, 2, since);
    while (sqlite3_step(st) == SQLITE_ROW && *n < cap) {
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
    /* variant counts of each row */
    st = lt__sq_prepare(db, "SELECT variant, count FROM client_metrics_variants WHERE"
                            " feature = ? AND hour = ? AND environment = ? AND app_name = ? AND"
                            " instance_id = ? ORDER BY variant");
    if (!st)
        return LT_ERR;
    for (size_t i = 0; i < *n; i++) {
        lt_metric_row_t *r = &(*out)[i];
        sqlite3_reset(st);
        lt__sq_bind_text(st, 1, feature);
        sqlite3_bind_int64(st, 2, r->hour);
        lt__sq_bind_text(st, 3, r->environment);
        lt__sq_bind_text(st, 4, r->app_name);
        lt__sq_bind_text(st, 5, r->instance_id);
        size_t k = 0;
        const char **names = lt_arena_calloc(a, 64, sizeof(*names));
        int64_t *counts = lt_arena_calloc(a, 64, sizeof(*counts));
        while (sqlite3_step(st) == SQLITE_ROW && k < 64) {
            names[k] = lt__sq_text(a, st, 0);
            counts[k] = sqlite3_column_int64(st, 1);
            k++;
        }
        r->variant_names = names;
        r->variant_counts = counts;
        r->n_variants = k;
    }
    sqlite3_finalize(st);
    return LT_OK;
}

/* ---------- loading ---------- */

int lt__sq_load_admin(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;

    if (lt__sq_count(db, "project_environments", &n) != LT_OK)

        goto fail;
    d->project_envs = lt_arena_calloc(a, n ? n : 1, sizeof(*d->project_envs));
    if (!(st = lt__sq_prepare(db, "SELECT project, environment FROM project_environments"
                                  " ORDER BY project, environment")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_project_envs, n, "project_environments")) == 1) {
        lt_project_env_t *p = &d->project_envs[d->n_project_envs++];
        p->project = lt__sq_text(a, st, 0);
        p->environment = lt__sq_text(a, st, 1);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "feature_tags", &n) != LT_OK)

        goto fail;
    d->tags = lt_arena_calloc(a, n ? n : 1, sizeof(*d->tags));
    if (!(st = lt__sq_prepare(db, "SELECT feature, type, value FROM feature_tags"
                                  " ORDER BY feature, type, value")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_tags, n, "feature_tags")) == 1) {
        lt_tag_t *t = &d->tags[d->n_tags++];
        t->feature = lt__sq_text(a, st, 0);
        t->type = lt__sq_text(a, st, 1);
        t->value = lt__sq_text(a, st, 2);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "tag_types", &n) != LT_OK)

        goto fail;
    d->tag_types = lt_arena_calloc(a, n ? n : 1, sizeof(*d->tag_types));
    if (!(st = lt__sq_prepare(db, "SELECT name, description, icon FROM tag_types ORDER BY name")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_tag_types, n, "tag_types")) == 1) {
        lt_tag_type_t *t = &d->tag_types[d->n_tag_types++];
        t->name = lt__sq_text(a, st, 0);
        t->description = lt__sq_text(a, st, 1);
        t->icon = lt__sq_text(a, st, 2);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "context_fields", &n) != LT_OK)

        goto fail;
    d->context_fields = lt_arena_calloc(a, n ? n : 1, sizeof(*d->context_fields));
    if (!(st = lt__sq_prepare(db, "SELECT name, description, stickiness, legal_values,"
                                  " sort_order, created_at FROM context_fields"
                                  " ORDER BY sort_order, name")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_context_fields, n, "context_fields")) == 1) {
        lt_context_field_t *c = &d->context_fields[d->n_context_fields++];
        c->name = lt__sq_text(a, st, 0);
        c->description = lt__sq_text(a, st, 1);
        c->stickiness = sqlite3_column_int(st, 2) != 0;
        c->legal_values = lt__sq_text(a, st, 3);
        c->sort_order = sqlite3_column_int(st, 4);
        c->created_at = sqlite3_column_int64(st, 5);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "strategy_definitions", &n) != LT_OK)

        goto fail;
    d->strategy_defs = lt_arena_calloc(a, n ? n : 1, sizeof(*d->strategy_defs));
    if (!(st = lt__sq_prepare(db, "SELECT name, title, description, parameters, deprecated,"
                                  " created_at FROM strategy_definitions ORDER BY name")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_strategy_defs, n, "strategy_definitions")) == 1) {
        lt_strategy_def_t *s = &d->strategy_defs[d->n_strategy_defs++];
        s->name = lt__sq_text(a, st, 0);
        s->title = lt__sq_text(a, st, 1);
        s->description = lt__sq_text(a, st, 2);
        s->parameters = lt__sq_text(a, st, 3);
        s->deprecated = sqlite3_column_int(st, 4) != 0;
        s->created_at = sqlite3_column_int64(st, 5);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "users", &n) != LT_OK)

        goto fail;
    d->users = lt_arena_calloc(a, n ? n : 1, sizeof(*d->users));
    if (!(st = lt__sq_prepare(db, "SELECT id, username, email, name, root_role, created_at,"
                                  " seen_at, login_attempts FROM users ORDER BY id")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_users, n, "users")) == 1) {
        lt_user_t *u = &d->users[d->n_users++];
        u->id = sqlite3_column_int64(st, 0);
        u->username = lt__sq_text(a, st, 1);
        u->email = lt__sq_text(a, st, 2);
        u->name = lt__sq_text(a, st, 3);
        u->root_role = sqlite3_column_int64(st, 4);
        u->created_at = sqlite3_column_int64(st, 5);
        u->seen_at = sqlite3_column_int64(st, 6);
        u->login_attempts = sqlite3_column_int(st, 7);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "roles", &n) != LT_OK)

        goto fail;
    d->roles = lt_arena_calloc(a, n ? n : 1, sizeof(*d->roles));
    if (!(st = lt__sq_prepare(db, "SELECT id, name, description, type FROM roles ORDER BY id")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_roles, n, "roles")) == 1) {
        lt_role_t *r = &d->roles[d->n_roles++];
        r->id = sqlite3_column_int64(st, 0);
        r->name = lt__sq_text(a, st, 1);
        r->description = lt__sq_text(a, st, 2);
        r->type = lt__sq_text(a, st, 3);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    /* permissions, grouped by role (both sides ordered by role id) */
    if (lt__sq_count(db, "role_permissions", &n) != LT_OK)
        goto fail;
    lt_perm_t *perms = lt_arena_calloc(a, n ? n : 1, sizeof(*perms));
    size_t np = 0, ri = 0;
    if (!(st = lt__sq_prepare(db, "SELECT role_id, permission, project, environment"
                                  " FROM role_permissions ORDER BY role_id, rowid")))
        goto fail;
    while ((row = lt__sq_row(db, st, np, n, "role_permissions")) == 1) {
        int64_t rid = sqlite3_column_int64(st, 0);
        while (ri < d->n_roles && d->roles[ri].id < rid)
            ri++;
        if (ri == d->n_roles)
            break;
        if (d->roles[ri].id != rid)
            continue;
        lt_perm_t *p = &perms[np++];
        if (d->roles[ri].n_perms == 0)
            d->roles[ri].perms = p;
        d->roles[ri].n_perms++;
        p->permission = lt__sq_text(a, st, 1);
        p->project = lt__sq_text(a, st, 2);
        p->environment = lt__sq_text(a, st, 3);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "role_bindings", &n) != LT_OK)

        goto fail;
    d->bindings = lt_arena_calloc(a, n ? n : 1, sizeof(*d->bindings));
    if (!(st = lt__sq_prepare(db, "SELECT user_id, project, role_id FROM role_bindings"
                                  " ORDER BY user_id, project, role_id")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_bindings, n, "role_bindings")) == 1) {
        lt_binding_t *b = &d->bindings[d->n_bindings++];
        b->user_id = sqlite3_column_int64(st, 0);
        b->project = lt__sq_text(a, st, 1);
        b->role_id = sqlite3_column_int64(st, 2);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

/* ---------- batch writes of the projects and features admin API ---------- */

/* The rows of one feature, replaced whole (as lt__sq_feature_put does), inside a transaction. */
static int feature_rows_put(sqlite3 *db, const lt_feature_t *f, int64_t now)
{
    sqlite3_stmt *st = lt__sq_prepare(
        db, "INSERT INTO features (name, project, type, description, stale, impression_data,"
            " archived, created_at) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET"
            " project = excluded.project, type = excluded.type,"
            " description = excluded.description, stale = excluded.stale,"
            " impression_data = excluded.impression_data, archived = excluded.archived");
    if (st) {
        lt__sq_bind_text(st, 1, f->name);
        lt__sq_bind_text(st, 2, f->project);
        lt__sq_bind_text(st, 3, f->type ? f->type : "release");
        lt__sq_bind_text(st, 4, f->description);
        sqlite3_bind_int(st, 5, f->stale);
        sqlite3_bind_int(st, 6, f->impression_data);
        sqlite3_bind_int(st, 7, f->archived);
        sqlite3_bind_int64(st, 8, f->created_at ? f->created_at : now);
    }
    int rc = run_c(db, st);
    if (rc == LT_OK) {
        st = lt__sq_prepare(db, "DELETE FROM feature_environments WHERE feature = ?");
        if (st)
            lt__sq_bind_text(st, 1, f->name);
        rc = lt__sq_run(db, st);
    }
    for (size_t e = 0; rc == LT_OK && e < f->n_envs; e++) {
        const lt_feature_env_t *fe = &f->envs[e];
        char *variants = lt__sq_json_variants(fe->variants, fe->n_variants);
        st = lt__sq_prepare(db, "INSERT INTO feature_environments (feature, environment,"
                                " enabled, variants) VALUES (?,?,?,?)");
        if (st) {
            lt__sq_bind_text(st, 1, f->name);
            lt__sq_bind_text(st, 2, fe->environment);
            sqlite3_bind_int(st, 3, fe->enabled);
            lt__sq_bind_text(st, 4, variants);
        }
        free(variants);
        rc = run_c(db, st);
        for (size_t i = 0; rc == LT_OK && i < fe->n_strategies; i++)
            rc = lt__sq_strategy_insert(db, f->name, fe->environment, &fe->strategies[i], now);
    }
    if (rc == LT_OK)
        rc = lt__sq_dependencies_put(db, f);
    return rc;
}

int lt__sq_features_put(lt_store_t *s, const lt_feature_t *fs, size_t n, const lt_tag_t *tags,
                        size_t n_tags, const lt_event_t *evs)
{
    sqlite3 *db = lt__sq_db(s);
    int64_t now = lt_now_ms();
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = feature_rows_put(db, &fs[i], now);
    for (size_t i = 0; rc == LT_OK && i < n_tags; i++) {
        sqlite3_stmt *st = lt__sq_prepare(db, "INSERT OR IGNORE INTO feature_tags (feature,"
                                              " type, value) VALUES (?,?,?)");
        if (st) {
            lt__sq_bind_text(st, 1, tags[i].feature);
            lt__sq_bind_text(st, 2, tags[i].type);
            lt__sq_bind_text(st, 3, tags[i].value);
        }
        rc = lt__sq_run(db, st);
    }
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = lt__sq_event(db, &evs[i]);
    return finish(db, rc);
}

int lt__sq_project_env_remove(lt_store_t *s, const char *project, const char *env,
                              const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(
        db, "DELETE FROM project_environments WHERE project = ? AND environment = ?");
    if (st) {
        lt__sq_bind_text(st, 1, project);
        lt__sq_bind_text(st, 2, env);
    }
    int rc = lt__sq_run(db, st);
    if (rc == LT_OK && sqlite3_changes(db) == 0)
        rc = LT_ENOTFOUND;
    if (rc == LT_OK) {
        st = lt__sq_prepare(db, "DELETE FROM feature_environments WHERE environment = ? AND"
                                " feature IN (SELECT name FROM features WHERE project = ?)");
        if (st) {
            lt__sq_bind_text(st, 1, env);
            lt__sq_bind_text(st, 2, project);
        }
        rc = lt__sq_run(db, st);
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

int lt__sq_environments_order(lt_store_t *s, const char *const *names, const int *orders,
                              size_t n, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        sqlite3_stmt *st = lt__sq_prepare(db, "UPDATE environments SET sort_order = ?"
                                              " WHERE name = ?");
        if (st) {
            sqlite3_bind_int(st, 1, orders[i]);
            lt__sq_bind_text(st, 2, names[i]);
        }
        rc = lt__sq_run(db, st);
        if (rc == LT_OK && sqlite3_changes(db) == 0)
            rc = LT_ENOTFOUND;
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}

/* ---------- latch export documents (model/export.h) ---------- */

static int import_flag(sqlite3 *db, const lt_feature_t *f, const lt_tag_t *tags, size_t n_tags,
                       int64_t now)
{
    int rc = feature_rows_put(db, f, now);
    /* an import restores the flag's creation time too */
    if (rc == LT_OK && f->created_at)
        rc = exec_bound(db, "UPDATE features SET created_at = ? WHERE name = ?", "it",
                        f->created_at, f->name);
    if (rc == LT_OK)
        rc = exec_bound(db, "DELETE FROM feature_tags WHERE feature = ?", "t", f->name);
    for (size_t i = 0; rc == LT_OK && i < n_tags; i++)
        rc = exec_bound(db, "INSERT OR IGNORE INTO feature_tags (feature, type, value)"
                            " VALUES (?,?,?)",
                        "ttt", f->name, tags[i].type, tags[i].value);
    return rc;
}

int lt__sq_import_all(lt_store_t *s, const lt_export_doc_t *d, const lt_event_t *ev)
{
    sqlite3 *db = lt__sq_db(s);
    int64_t now = lt_now_ms();
    if (lt__sq_begin(db) != LT_OK)
        return LT_ERR;
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < d->n_projects; i++) {
        const lt_project_t *p = &d->projects[i];
        rc = exec_bound(db, "INSERT INTO projects (id, name, description, mode, created_at)"
                            " VALUES (?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                            " name = excluded.name, description = excluded.description,"
                            " mode = excluded.mode, created_at = excluded.created_at",
                        "tttti", p->id, p->name, p->description, p->mode ? p->mode : "open",
                        p->created_at ? p->created_at : now);
    }
    for (size_t i = 0; rc == LT_OK && i < d->n_envs; i++) {
        const lt_environment_t *e = &d->envs[i];
        rc = exec_bound(db, "INSERT INTO environments (name, type, enabled, sort_order,"
                            " created_at) VALUES (?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET"
                            " type = excluded.type, enabled = excluded.enabled,"
                            " sort_order = excluded.sort_order",
                        "ttiii", e->name, e->type ? e->type : "development", (int64_t)e->enabled,
                        (int64_t)e->sort_order, now);
    }
    for (size_t i = 0; rc == LT_OK && i < d->n_project_envs; i++)
        rc = exec_bound(db, "INSERT OR IGNORE INTO project_environments (project, environment)"
                            " VALUES (?,?)",
                        "tt", d->project_envs[i].project, d->project_envs[i].environment);
    for (size_t i = 0; rc == LT_OK && i < d->n_segments; i++) {
        const lt_segment_t *g = &d->segments[i];
        char *cons = lt__sq_json_constraints(g->constraints, g->n_constraints);
        rc = exec_bound(db, "INSERT INTO segments (id, name, description, project, constraints,"
                            " created_at) VALUES (?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET"
                            " name = excluded.name, description = excluded.description,"
                            " project = excluded.project, constraints = excluded.constraints,"
                            " created_at = excluded.created_at",
                        "itttti", g->id, g->name, g->description, g->project, cons,
                        g->created_at ? g->created_at : now);
        free(cons);
    }
    for (size_t i = 0; rc == LT_OK && i < d->n_tag_types; i++) {
        const lt_tag_type_t *t = &d->tag_types[i];
        rc = exec_bound(db, "INSERT INTO tag_types (name, description, icon) VALUES (?,?,?)"
                            " ON CONFLICT(name) DO UPDATE SET description = excluded.description,"
                            " icon = excluded.icon",
                        "ttt", t->name, t->description, t->icon);
    }
    for (size_t i = 0; rc == LT_OK && i < d->n_context_fields; i++) {
        const lt_context_field_t *c = &d->context_fields[i];
        rc = exec_bound(db, "INSERT INTO context_fields (name, description, stickiness,"
                            " legal_values, sort_order, created_at) VALUES (?,?,?,?,?,?)"
                            " ON CONFLICT(name) DO UPDATE SET description = excluded.description,"
                            " stickiness = excluded.stickiness,"
                            " legal_values = excluded.legal_values,"
                            " sort_order = excluded.sort_order, created_at = excluded.created_at",
                        "ttitii", c->name, c->description, (int64_t)c->stickiness,
                        c->legal_values ? c->legal_values : "[]", (int64_t)c->sort_order,
                        c->created_at ? c->created_at : now);
    }
    for (size_t i = 0; rc == LT_OK && i < d->n_strategy_defs; i++) {
        const lt_strategy_def_t *g = &d->strategy_defs[i];
        rc = exec_bound(db, "INSERT INTO strategy_definitions (name, title, description,"
                            " parameters, deprecated, created_at) VALUES (?,?,?,?,?,?)"
                            " ON CONFLICT(name) DO UPDATE SET title = excluded.title,"
                            " description = excluded.description,"
                            " parameters = excluded.parameters, deprecated = excluded.deprecated,"
                            " created_at = excluded.created_at",
                        "ttttii", g->name, g->title, g->description,
                        g->parameters ? g->parameters : "[]", (int64_t)g->deprecated,
                        g->created_at ? g->created_at : now);
    }
    /* the document's tags are grouped by flag in document order; find each flag's run */
    for (size_t i = 0; rc == LT_OK && i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        size_t t0 = 0, nt = 0;
        while (t0 < d->n_tags && strcmp(d->tags[t0].feature, f->name) != 0)
            t0++;
        while (t0 + nt < d->n_tags && strcmp(d->tags[t0 + nt].feature, f->name) == 0)
            nt++;
        rc = import_flag(db, f, d->tags + t0, nt, now);
    }
    if (rc == LT_OK)
        rc = lt__sq_event(db, ev);
    return finish(db, rc);
}
