/*
 * sql_write.c: the write primitives of every SQL backend (see sql_write.h): projects,
 * environments and their links, features written whole, tags, segments, tag types, context
 * fields, strategy definitions, users, roles and their permissions, role bindings, API tokens
 * and login results. Each runs inside the caller's write transaction; no rules here (rules.c and
 * rules_access.c hold them). Every statement is written once; put_row adds the conflict clause
 * of the lt_put_mode_t asked for. A new segment takes the next id after the highest (the writes
 * are serialised, so no two transactions pick the same one).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/log.h"
#include "../base/util.h"
#include "load_rows.h"
#include "rules_int.h"
#include "sql_write.h"

/* ---------- running statements through the backend ---------- */

static int vrun(lt_store_t *s, int64_t *changed, int64_t *first, const char *sql, const char *fmt,
                va_list ap)
{
    lt__touch_sql(s, sql);
    return ((lt__sql_store_t *)s)->exec->run(s, changed, first, sql, fmt, ap);
}

static int call(lt_store_t *s, int64_t *changed, int64_t *first, const char *sql, const char *fmt,
                ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(s, changed, first, sql, fmt, ap);
    va_end(ap);
    return rc;
}

static int run(lt_store_t *s, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(s, NULL, NULL, sql, fmt, ap);
    va_end(ap);
    return rc;
}

/* As run; LT_ENOTFOUND when no row changed. */
static int run_changed(lt_store_t *s, const char *sql, const char *fmt, ...)
{
    int64_t changed = 0;
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(s, &changed, NULL, sql, fmt, ap);
    va_end(ap);
    return rc == LT_OK && changed == 0 ? LT_ENOTFOUND : rc;
}

/* The first column of the first row (0 when none). */
static int first_int(lt_store_t *s, int64_t *out, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(s, NULL, out, sql, fmt, ap);
    va_end(ap);
    return rc;
}

/* Does `SELECT 1 ...` return a row? */
static int exists(lt_store_t *s, bool *out, const char *sql, const char *fmt, ...)
{
    int64_t one = 0;
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(s, NULL, &one, sql, fmt, ap);
    va_end(ap);
    *out = rc == LT_OK && one == 1;
    return rc;
}

static int explicit_id(lt_store_t *s, const char *table)
{
    const lt__sql_exec_t *x = ((lt__sql_store_t *)s)->exec;
    return x->explicit_id ? x->explicit_id(s, table) : LT_OK;
}

/* The first column of the first row as text ("" when none). */
static int first_text(lt_store_t *s, char *out, size_t cap, const char *sql, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ((lt__sql_store_t *)s)->exec->text(s, out, cap, sql, fmt, ap);
    va_end(ap);
    return rc;
}

/* insert ("INSERT INTO t (...) VALUES (...)") with the clause of mode m: key is the conflict
 * target, set the columns an update changes; restore adds created_at (RESTORE mode). */
static int put_row(lt_store_t *db, lt_put_mode_t m, bool restore, const char *insert,
                   const char *key, const char *set, const char *fmt, ...)
{
    char sql[1024], tail[640] = "";
    if (m == LT_PUT_IGNORE)
        snprintf(tail, sizeof(tail), " ON CONFLICT DO NOTHING");
    else if (m != LT_PUT_CREATE)
        snprintf(tail, sizeof(tail), " ON CONFLICT(%s) DO UPDATE SET %s%s", key, set,
                 m == LT_PUT_RESTORE && restore ? ", created_at = excluded.created_at" : "");
    snprintf(sql, sizeof(sql), "%s%s", insert, tail);
    va_list ap;
    va_start(ap, fmt);
    int rc = vrun(db, NULL, NULL, sql, fmt, ap);
    va_end(ap);
    return rc;
}

static int64_t created(int64_t at)
{
    return at ? at : lt_now_ms();
}

/* ---------- projects, environments, links ---------- */

int lt__sql_project_put(lt_store_t *s, const lt_project_t *p, lt_put_mode_t m, bool *out_created)
{
    lt__touch(s, NULL);
    lt_store_t *db = s;
    bool had = false;
    if (exists(db, &had, "SELECT 1 FROM projects WHERE id = ?", "t", p->id) != LT_OK)
        return LT_ERR;
    int rc = put_row(db, m, p->created_at != 0,
                     "INSERT INTO projects (id, name, description, mode, created_at)"
                     " VALUES (?,?,?,?,?)",
                     "id",
                     "name = excluded.name, description = excluded.description,"
                     " mode = excluded.mode",
                     "tttti", p->id, p->name ? p->name : p->id, p->description,
                     p->mode ? p->mode : "open", created(p->created_at));
    if (out_created)
        *out_created = rc == LT_OK && !had;
    return rc;
}

int lt__sql_project_delete(lt_store_t *s, const char *id)
{
    lt__touch(s, NULL);
    /* flags still in it: a foreign key violation, LT_EINVAL */
    return run_changed(s, "DELETE FROM projects WHERE id = ?", "t", id);
}

int lt__sql_environment_put(lt_store_t *s, const lt_environment_t *e, lt_put_mode_t m)
{
    lt__touch(s, NULL);
    return put_row(s, m, false,
                   "INSERT INTO environments (name, type, enabled, sort_order, created_at)"
                   " VALUES (?,?,?,?,?)",
                   "name",
                   "type = excluded.type, enabled = excluded.enabled,"
                   " sort_order = excluded.sort_order",
                   "ttiii", e->name, e->type ? e->type : "development", (int64_t)e->enabled,
                   (int64_t)e->sort_order, lt_now_ms());
}

int lt__sql_environment_delete(lt_store_t *s, const char *name)
{
    lt__touch(s, NULL);
    return run_changed(s, "DELETE FROM environments WHERE name = ?", "t", name);
}

int lt__sql_project_env_put(lt_store_t *s, const char *project, const char *env)
{
    lt__touch(s, NULL);
    return run(s,
               "INSERT INTO project_environments (project, environment)"
               " VALUES (?,?) ON CONFLICT DO NOTHING",
               "tt", project, env);
}

int lt__sql_project_env_delete(lt_store_t *s, const char *project, const char *env)
{
    lt__touch(s, NULL);
    return run_changed(s,
                       "DELETE FROM project_environments WHERE project = ? AND"
                       " environment = ?",
                       "tt", project, env);
}

/* ---------- features ---------- */

static int strategy_insert(lt_store_t *db, const char *feature, const char *env,
                           const lt_strategy_t *s, int64_t now)
{
    char *params = lt__json_params(s->params, s->n_params);
    char *cons = lt__json_constraints(s->constraints, s->n_constraints);
    char *vars = lt__json_variants(s->variants, s->n_variants);
    char *segs = lt__json_ids(s->segments, s->n_segments);
    int rc = run(db,
                 "INSERT INTO strategies (id, feature, environment, name, title,"
                 " parameters, constraints, variants, segments, sort_order,"
                 " disabled, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                 "tttttttttiii", s->id, feature, env, s->name, s->title, params, cons, vars, segs,
                 (int64_t)s->sort_order, (int64_t)s->disabled, now);
    free(params);
    free(cons);
    free(vars);
    free(segs);
    return rc;
}

static int env_state_put(lt_store_t *db, const char *feature, const lt_feature_env_t *fe,
                         bool only_listed_envs, int64_t now)
{
    char *variants = lt__json_variants(fe->variants, fe->n_variants);
    int rc = run(db,
                 "INSERT INTO feature_environments (feature, environment, enabled,"
                 " variants) VALUES (?,?,?,?) ON CONFLICT(feature, environment)"
                 " DO UPDATE SET enabled = excluded.enabled,"
                 " variants = excluded.variants",
                 "ttit", feature, fe->environment, (int64_t)fe->enabled, variants);
    free(variants);
    if (rc == LT_OK && only_listed_envs)
        rc = run(db, "DELETE FROM strategies WHERE feature = ? AND environment = ?", "tt", feature,
                 fe->environment);
    for (size_t i = 0; rc == LT_OK && i < fe->n_strategies; i++)
        rc = strategy_insert(db, feature, fe->environment, &fe->strategies[i], now);
    return rc;
}

static int dependencies_put(lt_store_t *db, const lt_feature_t *f)
{
    int rc = run(db, "DELETE FROM dependencies WHERE child = ?", "t", f->name);
    for (size_t i = 0; rc == LT_OK && i < f->n_dependencies; i++) {
        const lt_dependency_t *dep = &f->dependencies[i];
        char *vars = lt__json_strings(dep->variants, dep->n_variants);
        rc = run(db,
                 "INSERT INTO dependencies (child, parent, enabled, variants)"
                 " VALUES (?,?,?,?) ON CONFLICT (child, parent) DO UPDATE SET"
                 " enabled = excluded.enabled, variants = excluded.variants",
                 "ttit", f->name, dep->feature, (int64_t)dep->enabled, vars);
        free(vars);
    }
    return rc;
}

int lt__sql_feature_put(lt_store_t *s, const lt_feature_t *f, lt_put_mode_t m,
                        bool only_listed_envs)
{
    lt__touch(s, f->name);
    lt_store_t *db = s;
    int64_t now = lt_now_ms();
    int rc = put_row(db, m, f->created_at != 0,
                     "INSERT INTO features (name, project, type, description, stale,"
                     " impression_data, archived, created_at) VALUES (?,?,?,?,?,?,?,?)",
                     "name",
                     "project = excluded.project, type = excluded.type,"
                     " description = excluded.description, stale = excluded.stale,"
                     " impression_data = excluded.impression_data, archived = excluded.archived",
                     "ttttiiii", f->name, f->project, f->type ? f->type : "release", f->description,
                     (int64_t)f->stale, (int64_t)f->impression_data, (int64_t)f->archived,
                     f->created_at ? f->created_at : now);
    if (rc == LT_OK && !only_listed_envs) /* their strategies go with them (cascade) */
        rc = run(db, "DELETE FROM feature_environments WHERE feature = ?", "t", f->name);
    for (size_t e = 0; rc == LT_OK && e < f->n_envs; e++)
        rc = env_state_put(db, f->name, &f->envs[e], only_listed_envs, now);
    if (rc == LT_OK)
        rc = dependencies_put(db, f);
    return rc;
}

int lt__sql_feature_delete(lt_store_t *s, const char *name)
{
    lt__touch(s, name);
    return run_changed(s, "DELETE FROM features WHERE name = ?", "t", name);
}

int lt__sql_feature_envs_delete(lt_store_t *s, const char *project, const char *env)
{
    lt__touch(s, NULL);
    return run(s,
               "DELETE FROM feature_environments WHERE environment = ? AND"
               " feature IN (SELECT name FROM features WHERE project = ?)",
               "tt", env, project);
}

int lt__sql_tag_put(lt_store_t *s, const lt_tag_t *t)
{
    lt__touch(s, t->feature);
    return run(s,
               "INSERT INTO feature_tags (feature, type, value)"
               " VALUES (?,?,?) ON CONFLICT DO NOTHING",
               "ttt", t->feature, t->type, t->value);
}

int lt__sql_tags_delete(lt_store_t *s, const char *feature)
{
    lt__touch(s, feature);
    return run(s, "DELETE FROM feature_tags WHERE feature = ?", "t", feature);
}

/* ---------- segments, tag types, context fields, strategy definitions ---------- */

/* A new segment takes the next id after the highest (as SQLite's rowid): the writes are
 * serialised, so no two transactions pick the same one. */
int lt__sql_segment_put(lt_store_t *s, const lt_segment_t *g, lt_put_mode_t m, int64_t *out_id)
{
    lt__touch(s, NULL);
    lt_store_t *db = s;
    int64_t id = g->id;
    if (!id && first_int(db, &id, "SELECT coalesce(max(id), 0) + 1 FROM segments", "") != LT_OK)
        return LT_ERR;
    char *cons = lt__json_constraints(g->constraints, g->n_constraints);
    int rc =
        put_row(db, g->id ? m : LT_PUT_CREATE, g->created_at != 0,
                "INSERT INTO segments (id, name, description, project, constraints,"
                " created_at) VALUES (?,?,?,?,?,?)",
                "id",
                "name = excluded.name, description = excluded.description,"
                " project = excluded.project, constraints = excluded.constraints",
                "itttti", id, g->name, g->description, g->project, cons, created(g->created_at));
    free(cons);
    if (rc == LT_OK && out_id)
        *out_id = id;
    return rc;
}

int lt__sql_segment_delete(lt_store_t *s, int64_t id)
{
    lt__touch(s, NULL);
    return run_changed(s, "DELETE FROM segments WHERE id = ?", "i", id);
}

int lt__sql_tag_type_put(lt_store_t *s, const lt_tag_type_t *t, lt_put_mode_t m)
{
    lt__touch(s, NULL);
    return put_row(s, m, false,
                   "INSERT INTO tag_types (name, description, icon, color) VALUES (?,?,?,?)", "name",
                   "description = excluded.description, icon = excluded.icon, "
                   "color = excluded.color",
                   "tttt", t->name, t->description, t->icon, t->color);
}

int lt__sql_tag_type_delete(lt_store_t *s, const char *name)
{
    lt__touch(s, NULL);
    int rc = run_changed(s, "DELETE FROM tag_types WHERE name = ?", "t", name);
    return rc == LT_OK ? run(s, "DELETE FROM tags WHERE type = ?", "t", name) : rc;
}

int lt__sql_tag_create(lt_store_t *s, const lt_tag_t *t)
{
    lt__touch(s, NULL);
    int64_t have = 0;
    int rc = first_int(s, &have, "SELECT COUNT(*) FROM tags WHERE type = ? AND value = ?", "tt",
                       t->type, t->value);
    if (rc == LT_OK && have)
        return LT_EINVAL;
    return rc == LT_OK ? run(s, "INSERT INTO tags (type, value, created_at) VALUES (?,?,?)", "tti",
                             t->type, t->value, lt_now_ms())
                       : rc;
}

int lt__sql_tag_remove(lt_store_t *s, const lt_tag_t *t)
{
    lt__touch(s, NULL);
    return run(s, "DELETE FROM tags WHERE type = ? AND value = ?", "tt", t->type, t->value);
}

int lt__sql_context_field_put(lt_store_t *s, const lt_context_field_t *c, lt_put_mode_t m)
{
    lt__touch(s, NULL);
    return put_row(s, m, c->created_at != 0,
                   "INSERT INTO context_fields (name, description, stickiness, legal_values,"
                   " sort_order, created_at, project) VALUES (?,?,?,?,?,?,?)",
                   "name",
                   "description = excluded.description, stickiness = excluded.stickiness,"
                   " legal_values = excluded.legal_values, sort_order = excluded.sort_order,"
                   " project = excluded.project",
                   "ttitiit", c->name, c->description, (int64_t)c->stickiness,
                   c->legal_values ? c->legal_values : "[]", (int64_t)c->sort_order,
                   created(c->created_at), c->project);
}

int lt__sql_context_field_delete(lt_store_t *s, const char *name)
{
    lt__touch(s, NULL);
    return run_changed(s, "DELETE FROM context_fields WHERE name = ?", "t", name);
}

int lt__sql_strategy_def_put(lt_store_t *s, const lt_strategy_def_t *d, lt_put_mode_t m)
{
    lt__touch(s, NULL);
    return put_row(s, m, d->created_at != 0,
                   "INSERT INTO strategy_definitions (name, title, description, parameters,"
                   " deprecated, created_at) VALUES (?,?,?,?,?,?)",
                   "name",
                   "title = excluded.title, description = excluded.description,"
                   " parameters = excluded.parameters, deprecated = excluded.deprecated",
                   "ttttii", d->name, d->title, d->description,
                   d->parameters ? d->parameters : "[]", (int64_t)d->deprecated,
                   created(d->created_at));
}

int lt__sql_strategy_def_delete(lt_store_t *s, const char *name)
{
    lt__touch(s, NULL);
    return run_changed(s, "DELETE FROM strategy_definitions WHERE name = ?", "t", name);
}

/* ---------- addons and their deliveries ---------- */

int lt__sql_addon_put(lt_store_t *s, const lt_addon_t *x, lt_put_mode_t m)
{
    if (m == LT_PUT_CREATE)
        return put_row(s, m, false,
                       "INSERT INTO addons (id, provider, description, enabled, parameters,"
                       " events, projects, environments, created_at) VALUES (?,?,?,?,?,?,?,?,?)",
                       "id", "", "ittitttti", x->id, x->provider, x->description,
                       (int64_t)x->enabled, x->parameters ? x->parameters : "{}",
                       x->events ? x->events : "[]", x->projects ? x->projects : "[]",
                       x->environments ? x->environments : "[]", created(x->created_at));
    return run_changed(s,
                       "UPDATE addons SET provider = ?, description = ?, enabled = ?,"
                       " parameters = ?, events = ?, projects = ?, environments = ? WHERE id = ?",
                       "ttitttti", x->provider, x->description, (int64_t)x->enabled,
                       x->parameters ? x->parameters : "{}", x->events ? x->events : "[]",
                       x->projects ? x->projects : "[]",
                       x->environments ? x->environments : "[]", x->id);
}

int lt__sql_addon_delete(lt_store_t *s, int64_t id)
{
    if (run(s, "DELETE FROM integration_events WHERE addon_id = ?", "i", id) != LT_OK ||
        run(s, "DELETE FROM addon_claims WHERE addon_id = ?", "i", id) != LT_OK)
        return LT_ERR;
    return run_changed(s, "DELETE FROM addons WHERE id = ?", "i", id);
}

int lt__sql_addon_claim(lt_store_t *s, int64_t addon_id, int64_t event_id, bool *out)
{
    int64_t changed = 0;
    *out = false;
    if (call(s, &changed, NULL,
             "INSERT INTO addon_claims (addon_id, event_id) VALUES (?,?) ON CONFLICT DO NOTHING",
             "ii", addon_id, event_id) != LT_OK)
        return LT_ERR;
    *out = changed == 1;
    return run(s, "DELETE FROM addon_claims WHERE event_id < ?", "i", event_id - 10000);
}

int lt__sql_integration_event_add(lt_store_t *s, const lt_integration_event_t *e, int64_t keep)
{
    int rc = run(s,
                 "INSERT INTO integration_events (addon_id, created_at, state, state_details,"
                 " event, details) VALUES (?,?,?,?,?,?)",
                 "iitttt", e->addon_id, created(e->created_at), e->state,
                 e->state_details ? e->state_details : "", e->event ? e->event : "{}",
                 e->details ? e->details : "{}");
    if (rc != LT_OK)
        return rc;
    return run(s,
               "DELETE FROM integration_events WHERE addon_id = ? AND id NOT IN"
               " (SELECT id FROM integration_events WHERE addon_id = ? ORDER BY id DESC LIMIT ?)",
               "iii", e->addon_id, e->addon_id, keep > 0 ? keep : (int64_t)1);
}

/* ---------- users, roles, bindings ---------- */

int lt__sql_user_put(lt_store_t *s, const lt_user_t *u, const char *password_hash, int64_t *out_id)
{
    lt__touch(s, NULL);
    lt_store_t *db = s;
    if (u->id != 0)
        return run_changed(db,
                           "UPDATE users SET username = ?, email = ?, name = ?, root_role = ?,"
                           " password_hash = CASE WHEN service = 0"
                           " THEN coalesce(?, password_hash) END WHERE id = ?",
                           "tttiti", u->username, u->email, u->name, u->root_role, password_hash,
                           u->id);
    int64_t id = 0;
    int rc = first_int(db, &id,
                       "INSERT INTO users (username, email, name, root_role, password_hash,"
                       " created_at, service) VALUES (?,?,?,?,?,?,?) RETURNING id",
                       "tttitii", u->username, u->email, u->name, u->root_role,
                       u->service ? NULL : password_hash,
                       u->created_at ? u->created_at : lt_now_ms(), (int64_t)u->service);
    if (rc == LT_OK && out_id)
        *out_id = id;
    return rc;
}

int lt__sql_user_delete(lt_store_t *s, int64_t id)
{
    lt__touch(s, NULL);
    return run_changed(s, "DELETE FROM users WHERE id = ?", "i", id);
}

/* The role's row; *id its id (a new one when r->id is 0), *written whether it was stored
 * (IGNORE leaves an existing role as it is). An explicit id is told to the backend (PostgreSQL
 * moves its id sequence past it). */
static int role_row_put(lt_store_t *db, const lt_role_t *r, lt_put_mode_t m, int64_t *id,
                        bool *written)
{
    *written = true;
    *id = r->id;
    if (r->id != 0 && m != LT_PUT_CREATE && m != LT_PUT_IGNORE)
        return run_changed(db,
                           "UPDATE roles SET name = ?, description = ?, type = ?"
                           " WHERE id = ?",
                           "ttti", r->name, r->description, r->type, r->id);
    int64_t changed = 0;
    int rc = r->id ? call(db, &changed, NULL,
                          "INSERT INTO roles (id, name, description, type, created_at)"
                          " VALUES (?,?,?,?,?) ON CONFLICT (id) DO NOTHING",
                          "ittti", r->id, r->name, r->description, r->type, lt_now_ms())
                   : call(db, &changed, id,
                          "INSERT INTO roles (name, description, type, created_at)"
                          " VALUES (?,?,?,?) RETURNING id",
                          "ttti", r->name, r->description, r->type, lt_now_ms());
    *written = rc == LT_OK && changed > 0;
    if (rc == LT_OK && m == LT_PUT_CREATE && !*written)
        rc = LT_EINVAL;
    if (rc == LT_OK && r->id && *written)
        rc = explicit_id(db, "roles");
    return rc;
}

int lt__sql_role_put(lt_store_t *s, const lt_role_t *r, lt_put_mode_t m, int64_t *out_id)
{
    lt__touch(s, NULL);
    lt_store_t *db = s;
    bool written = false;
    int64_t id = 0;
    int rc = role_row_put(db, r, m, &id, &written);
    if (rc == LT_OK && written)
        rc = run(db, "DELETE FROM role_permissions WHERE role_id = ?", "i", id);
    for (size_t i = 0; rc == LT_OK && written && i < r->n_perms; i++)
        rc = run(db,
                 "INSERT INTO role_permissions (role_id, permission, project,"
                 " environment) VALUES (?,?,?,?)",
                 "ittt", id, r->perms[i].permission, r->perms[i].project, r->perms[i].environment);
    if (rc == LT_OK && out_id)
        *out_id = id;
    return rc;
}

int lt__sql_role_delete(lt_store_t *s, int64_t id)
{
    lt__touch(s, NULL);
    return run_changed(s, "DELETE FROM roles WHERE id = ?", "i", id);
}

int lt__sql_bindings_put(lt_store_t *s, int64_t user_id, const char *project,
                         const int64_t *role_ids, size_t n)
{
    lt__touch(s, NULL);
    lt_store_t *db = s;
    int rc = run(db, "DELETE FROM role_bindings WHERE user_id = ? AND project = ?", "it", user_id,
                 project);
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = run(db,
                 "INSERT INTO role_bindings (user_id, project, role_id)"
                 " VALUES (?,?,?) ON CONFLICT DO NOTHING",
                 "iti", user_id, project, role_ids[i]);
    return rc;
}

/* ---------- the shared login limits ---------- */

int lt__sql_login_count(lt_store_t *s, int64_t window, lt_login_count_t *c, int64_t prune_before)
{
    int rc = LT_OK;
    if (prune_before > 0)
        rc = run(s, "DELETE FROM login_limits WHERE win < ?", "i", prune_before);
    c->n = 0;
    if (rc != LT_OK)
        return rc;
    switch (c->op) {
    case LT_LOGIN_ADD:
        return first_int(s, &c->n,
                         "INSERT INTO login_limits (k, win, n) VALUES (?,?,1)"
                         " ON CONFLICT(k, win) DO UPDATE SET n = login_limits.n + 1 RETURNING n",
                         "bi", c->key, window);
    case LT_LOGIN_READ:
        return first_int(s, &c->n, "SELECT n FROM login_limits WHERE k = ? AND win = ?", "bi",
                         c->key, window);
    case LT_LOGIN_CLEAR:
        return run(s, "DELETE FROM login_limits WHERE k = ?", "b", c->key);
    }
    return LT_EINVAL;
}

int lt__sql_secret_get(lt_store_t *s, const char *name, char *out, size_t cap)
{
    return first_text(s, out, cap, "SELECT value FROM secrets WHERE name = ?", "t", name);
}

/* ---------- public signup tokens ---------- */

int lt__sql_signup_token_put(lt_store_t *s, const lt_signup_token_t *t, lt_put_mode_t m)
{
    if (m == LT_PUT_CREATE)
        return run(s,
                   "INSERT INTO signup_tokens (secret, name, created_by, role_id, enabled,"
                   " expires_at, created_at) VALUES (?,?,?,?,?,?,?)",
                   "tttiiii", t->secret, t->name, t->created_by, t->role_id,
                   (int64_t)t->enabled, t->expires_at, created(t->created_at));
    return run_changed(s,
                       "UPDATE signup_tokens SET name = ?, enabled = ?, expires_at = ?"
                       " WHERE secret = ?",
                       "tiit", t->name, (int64_t)t->enabled, t->expires_at, t->secret);
}

int lt__sql_signup_user_add(lt_store_t *s, const char *secret, int64_t user_id)
{
    return run(s, "INSERT INTO signup_token_users (secret, user_id) VALUES (?,?)", "ti", secret,
               user_id);
}

/* ---------- tokens, sessions ---------- */

int lt__sql_token_usage_write(lt_store_t *s, const lt_token_usage_row_t *rows, size_t n,
                              int64_t stale_before)
{
    lt_store_t *db = s;
    int rc = LT_OK;
    int64_t now = lt_now_ms();
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = run(db,
                 "INSERT INTO token_usage (digest, instance, data, updated_at) VALUES (?,?,?,?)"
                 " ON CONFLICT(digest, instance) DO UPDATE SET data = excluded.data,"
                 " updated_at = excluded.updated_at",
                 "btti", rows[i].digest, rows[i].instance ? rows[i].instance : "", rows[i].data,
                 now);
    if (rc == LT_OK)
        rc = run(db, "DELETE FROM token_usage WHERE digest NOT IN (SELECT digest FROM api_tokens)",
                 "");
    if (rc == LT_OK)
        rc = run(db, "DELETE FROM token_usage WHERE instance <> '' AND updated_at < ?", "i",
                 stale_before);
    return rc;
}

int lt__sql_token_put(lt_store_t *s, const lt_token_new_t *t, lt_put_mode_t m, int64_t *out_id)
{
    lt__touch_tokens(s);
    lt_store_t *db = s;
    bool replace = m != LT_PUT_CREATE;
    char sql[720];
    snprintf(sql, sizeof(sql),
             "INSERT INTO api_tokens (digest, name, type, environment, all_projects, display,"
             " expires_at, created_at, user_id, selector, read_only, quota_rps, allowed_origins)"
             " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)%s RETURNING id",
             replace ? " ON CONFLICT(digest) DO UPDATE SET name = excluded.name,"
                       " type = excluded.type, environment = excluded.environment,"
                       " all_projects = excluded.all_projects, display = excluded.display,"
                       " expires_at = excluded.expires_at, user_id = excluded.user_id,"
                       " selector = excluded.selector, read_only = excluded.read_only,"
                       " quota_rps = excluded.quota_rps, allowed_origins = excluded.allowed_origins"
                     : "");
    int64_t id = 0;
    char *origins = t->n_origins ? lt__json_strings(t->origins, t->n_origins) : NULL;
    int rc = first_int(db, &id, sql, "btttitoiotiit", t->digest, t->name,
                       lt_token_type_name(t->type), t->environment, (int64_t)t->all_projects,
                       t->display, t->expires_at, lt_now_ms(), t->user_id, t->selector,
                       (int64_t)t->read_only, t->quota_rps, origins);
    free(origins);
    if (rc == LT_OK && out_id && !replace)
        *out_id = id;
    if (rc == LT_OK && replace)
        rc = run(db, "DELETE FROM api_token_projects WHERE digest = ?", "b", t->digest);
    for (size_t i = 0; rc == LT_OK && !t->all_projects && i < t->n_projects; i++)
        rc = run(db,
                 "INSERT INTO api_token_projects (digest, project)"
                 " VALUES (?,?) ON CONFLICT DO NOTHING",
                 "bt", t->digest, t->projects[i]);
    return rc;
}

int lt__sql_token_marks(lt_store_t *s, const uint8_t digest[32], int64_t grace_until,
                        bool expiry_noted)
{
    lt__touch_tokens(s);
    return run_changed(s, "UPDATE api_tokens SET grace_until = ?, expiry_noted = ? WHERE digest = ?",
                       "oib", grace_until, (int64_t)expiry_noted, digest);
}

int lt__sql_token_delete(lt_store_t *s, const uint8_t digest[32])
{
    lt__touch_tokens(s);
    return run_changed(s, "DELETE FROM api_tokens WHERE digest = ?", "b", digest);
}

int lt__sql_user_login_result(lt_store_t *s, int64_t id, bool ok)
{
    if (ok)
        return run(s, "UPDATE users SET login_attempts = 0, seen_at = ? WHERE id = ?", "ii",
                   lt_now_ms(), id);
    return run(s, "UPDATE users SET login_attempts = login_attempts + 1 WHERE id = ?", "i", id);
}

int lt__sql_usage_prune(lt_store_t *s, int64_t raw_before, int64_t agg_before)
{
    /* the day rows: instance "" (never an SDK's: an empty instanceId is stored as "default") */
    int rc = run(s,
                 "INSERT INTO client_metrics (app_name, instance_id, environment, feature, hour,"
                 " yes, no) SELECT app_name, '', environment, feature, hour - hour % 86400000,"
                 " sum(yes), sum(no) FROM client_metrics WHERE hour < ? AND instance_id <> ''"
                 " GROUP BY app_name, environment, feature, hour - hour % 86400000"
                 " ON CONFLICT (feature, environment, hour, app_name, instance_id) DO UPDATE"
                 " SET yes = client_metrics.yes + excluded.yes,"
                 " no = client_metrics.no + excluded.no",
                 "i", raw_before);
    if (rc == LT_OK)
        rc = run(s,
                 "INSERT INTO client_metrics_variants (app_name, instance_id, environment,"
                 " feature, hour, variant, count) SELECT app_name, '', environment, feature,"
                 " hour - hour % 86400000, variant, sum(count) FROM client_metrics_variants"
                 " WHERE hour < ? AND instance_id <> ''"
                 " GROUP BY app_name, environment, feature, hour - hour % 86400000, variant"
                 " ON CONFLICT (feature, environment, hour, app_name, instance_id, variant)"
                 " DO UPDATE SET count = client_metrics_variants.count + excluded.count",
                 "i", raw_before);
    if (rc == LT_OK)
        rc = run(s,
                 "DELETE FROM client_metrics WHERE (hour < ? AND instance_id <> '')"
                 " OR (hour < ? AND instance_id = '')",
                 "ii", raw_before, agg_before);
    if (rc == LT_OK)
        rc = run(s,
                 "DELETE FROM client_metrics_variants WHERE (hour < ? AND instance_id <> '')"
                 " OR (hour < ? AND instance_id = '')",
                 "ii", raw_before, agg_before);
    return rc;
}

/* ---------- the event row ---------- */

int lt__sql_event_append(lt_store_t *s, const lt_event_t *ev, int64_t *out_id)
{
    char prev[65];
    /* the last row after the anchor, else the anchor: inside the write transaction, so no
     * other writer (another instance on PostgreSQL) appends in between */
    if (first_text(s, prev, sizeof(prev),
                   "SELECT coalesce((SELECT hash FROM events WHERE id > c.anchor_id"
                   " ORDER BY id DESC LIMIT 1), c.anchor_hash) FROM event_chain c WHERE c.id = 1",
                   "") != LT_OK)
        return LT_ERR;
    if (!prev[0]) /* no anchor row (removed by hand): chain from the genesis; verify tells */
        snprintf(prev, sizeof(prev), "%s", LT_CHAIN_GENESIS);
    lt_event_row_t row = {
        .type = ev->type,
        .created_at = lt_now_ms(),
        .created_by = ev->created_by ? ev->created_by : "system",
        .created_by_user_id = ev->created_by_user_id,
        .project = ev->project,
        .environment = ev->environment,
        .feature_name = ev->feature_name,
        .data = ev->data,
        .pre_data = ev->pre_data,
        .prev_hash = prev,
        .hash = NULL,
    };
    if (call(s, NULL, &row.id,
             "INSERT INTO events (type, created_at, created_by, created_by_user_id, project,"
             " environment, feature_name, data, pre_data) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id",
             "titottttt", row.type, row.created_at, row.created_by, row.created_by_user_id,
             row.project, row.environment, row.feature_name, row.data, row.pre_data) != LT_OK ||
        row.id <= 0)
        return LT_ERR;
    char hash[65];
    lt_store_event_hash(prev, &row, hash);
    if (run(s, "UPDATE events SET prev_hash = ?, hash = ? WHERE id = ?", "tti", prev, hash,
            row.id) != LT_OK)
        return LT_ERR;
    if (out_id)
        *out_id = row.id;
    return LT_OK;
}

/* ---------- the changes rows of a write (store.h changes_append) ---------- */

int lt__sql_changes_append(lt_store_t *s, const char *kinds, const char *const *keys, size_t n,
                           int64_t n_events, bool prune)
{
    /* rows far behind the latest event serve no reload: one that far behind counts fewer events
     * in the rows than in the log, and loads everything */
    int rc = prune ? run(s,
                         "DELETE FROM changes WHERE rev < (SELECT COALESCE(max(id), 0) FROM events)"
                         " - ?",
                         "i", (int64_t)LT_STORE_CHANGES_KEEP)
                   : LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        char kind[2] = {kinds[i], '\0'};
        rc = run(s,
                 "INSERT INTO changes (rev, kind, key, n)"
                 " VALUES ((SELECT COALESCE(max(id), 0) FROM events), ?, ?, ?)",
                 "tti", kind, keys[i], kinds[i] == 'n' ? n_events : (int64_t)0);
    }
    return rc;
}

/* ---------- instance settings, default strategies, flag links ---------- */

int lt__sql_setting_put(lt_store_t *s, const char *name, const char *value)
{
    if (!value)
        return run(s, "DELETE FROM settings WHERE name = ?", "t", name);
    return put_row(s, LT_PUT_REPLACE, false, "INSERT INTO settings (name, value) VALUES (?,?)",
                   "name", "value = excluded.value", "tt", name, value);
}

int lt__sql_env_default_put(lt_store_t *s, const char *project, const char *env,
                            const char *strategy)
{
    if (!strategy)
        return run(s, "DELETE FROM project_env_defaults WHERE project = ? AND environment = ?",
                   "tt", project, env);
    return put_row(s, LT_PUT_REPLACE, false,
                   "INSERT INTO project_env_defaults (project, environment, strategy)"
                   " VALUES (?,?,?)",
                   "project, environment", "strategy = excluded.strategy", "ttt", project, env,
                   strategy);
}

int lt__sql_link_put(lt_store_t *s, const lt_link_t *l, lt_put_mode_t m)
{
    return put_row(s, m, false,
                   "INSERT INTO feature_links (id, feature, url, title, created_at)"
                   " VALUES (?,?,?,?,?)",
                   "id", "url = excluded.url, title = excluded.title", "tttti", l->id,
                   l->feature, l->url, l->title, created(l->created_at));
}

int lt__sql_link_delete(lt_store_t *s, const char *id)
{
    return run_changed(s, "DELETE FROM feature_links WHERE id = ?", "t", id);
}

int lt__sql_favorite_set(lt_store_t *s, bool feature, int64_t user_id, const char *name, bool on)
{
    if (feature)
        return run(s,
                   on ? "INSERT INTO favorite_features (user_id, feature) VALUES (?,?)"
                        " ON CONFLICT DO NOTHING"
                      : "DELETE FROM favorite_features WHERE user_id = ? AND feature = ?",
                   "it", user_id, name);
    return run(s,
               on ? "INSERT INTO favorite_projects (user_id, project) VALUES (?,?)"
                    " ON CONFLICT DO NOTHING"
                  : "DELETE FROM favorite_projects WHERE user_id = ? AND project = ?",
               "it", user_id, name);
}

/* ---------- flag lifecycle ---------- */

int lt__sql_lifecycle_put(lt_store_t *s, const char *feature, const char *stage,
                          const char *status, const char *status_value, int64_t at)
{
    return run(s,
               "INSERT INTO feature_lifecycles (feature, stage, status, status_value, created_at)"
               " VALUES (?,?,?,?,?) ON CONFLICT DO NOTHING",
               "tttti", feature, stage, status, status_value, created(at));
}

int lt__sql_lifecycle_delete(lt_store_t *s, const char *feature, const char *stage)
{
    if (!stage)
        return run(s, "DELETE FROM feature_lifecycles WHERE feature = ?", "t", feature);
    return run(s, "DELETE FROM feature_lifecycles WHERE feature = ? AND stage = ?", "tt", feature,
               stage);
}

int lt__sql_lifecycle_backfill(lt_store_t *s)
{
    int rc = run(s, LT_LIFECYCLE_BACKFILL_INITIAL, "");
    return rc == LT_OK ? run(s, LT_LIFECYCLE_BACKFILL_ARCHIVED, "") : rc;
}

int lt__sql_lifecycle_metrics(lt_store_t *s, const char *feature, const char *env, int64_t at,
                              bool *moved)
{
    int64_t changed = 0;
    int rc = call(s, &changed, NULL,
                  "INSERT INTO feature_lifecycles (feature, stage, created_at)"
                  " SELECT f.name, st.stage, CAST(? AS BIGINT) + st.rank FROM features f,"
                  " (SELECT 'pre-live' AS stage, 0 AS rank UNION ALL SELECT 'live', 1) st,"
                  " environments e WHERE f.name = ? AND e.name = ? AND (st.stage = 'pre-live' OR"
                  " (e.type = 'production' AND EXISTS (SELECT 1 FROM feature_environments fe"
                  " WHERE fe.feature = f.name AND fe.environment = e.name AND fe.enabled = 1)))"
                  " ON CONFLICT DO NOTHING",
                  "itt", at, feature, env);
    if (rc == LT_OK && changed > 0)
        *moved = true;
    return rc;
}

/* ---------- applications ---------- */

int lt__sql_app_meta_put(lt_store_t *s, const lt_app_meta_t *m)
{
    return put_row(s, LT_PUT_REPLACE, false,
                   "INSERT INTO application_meta (app_name, description, url, color, icon,"
                   " created_at) VALUES (?,?,?,?,?,?)",
                   "app_name",
                   "description = excluded.description, url = excluded.url,"
                   " color = excluded.color, icon = excluded.icon",
                   "ttttti", m->app_name, m->description, m->url, m->color, m->icon,
                   created(m->created_at));
}

int lt__sql_app_delete(lt_store_t *s, const char *name)
{
    int rc = run(s, "DELETE FROM application_meta WHERE app_name = ?", "t", name);
    return rc == LT_OK ? run(s, "DELETE FROM client_applications WHERE app_name = ?", "t", name)
                       : rc;
}

/* ---------- password-reset tokens ---------- */

int lt__sql_reset_token_put(lt_store_t *s, const lt_reset_token_t *t)
{
    int64_t now = lt_now_ms();
    int rc = run(s,
                 "UPDATE reset_tokens SET expires_at = ? WHERE user_id = ? AND used_at IS NULL"
                 " AND expires_at > ?",
                 "iii", now, t->user_id, now);
    if (rc != LT_OK)
        return rc;
    return run(s,
               "INSERT INTO reset_tokens (digest, user_id, created_by, created_at, expires_at)"
               " VALUES (?,?,?,?,?)",
               "bitii", t->digest, t->user_id, t->created_by, created(t->created_at),
               t->expires_at);
}

int lt__sql_reset_token_use(lt_store_t *s, const uint8_t digest[32], int64_t at)
{
    int64_t changed = 0;
    int rc = call(s, &changed, NULL,
                  "UPDATE reset_tokens SET used_at = ? WHERE digest = ? AND used_at IS NULL"
                  " AND expires_at > ?",
                  "ibi", at, digest, at);
    return rc == LT_OK && changed != 1 ? LT_EINVAL : rc;
}

int lt__sql_user_mark_put(lt_store_t *s, const lt_user_mark_t *m)
{
    return put_row(s, LT_PUT_REPLACE, false,
                   "INSERT INTO user_marks (user_id, kind, name, given, never_show)"
                   " VALUES (?,?,?,?,?)",
                   "user_id, kind, name", "given = excluded.given, never_show = excluded.never_show",
                   "ittoi", m->user_id, m->kind, m->name, m->given, (int64_t)m->never_show);
}
