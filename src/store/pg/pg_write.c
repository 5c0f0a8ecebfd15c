/*
 * pg_write.c: the PostgreSQL write primitives of the flag model (projects, environments and their
 * links, features written whole, tags, segments, tag types, context fields, strategy
 * definitions) and the event row, which notifies the other instances when it commits. Each runs inside the caller's write transaction; no rules
 * here (rules.c holds them). Every statement is written once; put_row adds the conflict clause
 * of the lt_put_mode_t asked for.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/log.h"
#include "../../base/util.h"
#include "pg_int.h"

/* insert ("INSERT INTO t (...) VALUES (...)") with the clause of mode m: key is the conflict
 * target, set the columns an update changes; restore adds created_at (RESTORE mode). */
static int put_row(PGconn *db, lt_put_mode_t m, bool restore, const char *insert,
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
    int rc = lt__pg_vexec(db, NULL, NULL, sql, fmt, ap);
    va_end(ap);
    return rc;
}

static int64_t created(int64_t at)
{
    return at ? at : lt_now_ms();
}

/* The notification is sent when the transaction commits, and only then. */
int lt__pg_event_append(lt_store_t *s, const lt_event_t *ev)
{
    return lt__pg_run(lt__pg_w(s),
                             "WITH e AS (INSERT INTO events (type, created_at, created_by,"
                             " created_by_user_id, project, environment, feature_name, data,"
                             " pre_data) VALUES (?,?,?,?,?,?,?,?,?) RETURNING id)"
                             " SELECT pg_notify('" LT__PG_CHANNEL "', id::text) FROM e",
                             "titottttt", ev->type, lt_now_ms(),
                             ev->created_by ? ev->created_by : "system", ev->created_by_user_id,
                             ev->project, ev->environment, ev->feature_name, ev->data,
                             ev->pre_data) == LT_OK
               ? LT_OK
               : LT_ERR;
}

/* ---------- projects, environments, links ---------- */

int lt__pg_project_put(lt_store_t *s, const lt_project_t *p, lt_put_mode_t m, bool *out_created)
{
    PGconn *db = lt__pg_w(s);
    bool had = false;
    if (lt__pg_exists(db, &had, "SELECT 1 FROM projects WHERE id = ?", "t", p->id) != LT_OK)
        return LT_ERR;
    int rc = put_row(db, m, p->created_at != 0,
                     "INSERT INTO projects (id, name, description, mode, created_at)"
                     " VALUES (?,?,?,?,?)",
                     "id", "name = excluded.name, description = excluded.description,"
                     " mode = excluded.mode",
                     "tttti", p->id, p->name ? p->name : p->id, p->description,
                     p->mode ? p->mode : "open", created(p->created_at));
    if (out_created)
        *out_created = rc == LT_OK && !had;
    return rc;
}

int lt__pg_project_delete(lt_store_t *s, const char *id)
{
    /* flags still in it: a foreign key violation, LT_EINVAL */
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM projects WHERE id = ?", "t", id);
}

int lt__pg_environment_put(lt_store_t *s, const lt_environment_t *e, lt_put_mode_t m)
{
    return put_row(lt__pg_w(s), m, false,
                   "INSERT INTO environments (name, type, enabled, sort_order, created_at)"
                   " VALUES (?,?,?,?,?)",
                   "name", "type = excluded.type, enabled = excluded.enabled,"
                   " sort_order = excluded.sort_order",
                   "ttiii", e->name, e->type ? e->type : "development", (int64_t)e->enabled,
                   (int64_t)e->sort_order, lt_now_ms());
}

int lt__pg_environment_delete(lt_store_t *s, const char *name)
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM environments WHERE name = ?", "t",
                               name);
}

int lt__pg_project_env_put(lt_store_t *s, const char *project, const char *env)
{
    return lt__pg_run(lt__pg_w(s),
                             "INSERT INTO project_environments (project, environment)"
                             " VALUES (?,?) ON CONFLICT DO NOTHING",
                             "tt", project, env);
}

int lt__pg_project_env_delete(lt_store_t *s, const char *project, const char *env)
{
    return lt__pg_exec_changed(lt__pg_w(s),
                               "DELETE FROM project_environments WHERE project = ? AND"
                               " environment = ?",
                               "tt", project, env);
}

/* ---------- features ---------- */

static int strategy_insert(PGconn *db, const char *feature, const char *env,
                           const lt_strategy_t *s, int64_t now)
{
    char *params = lt__json_params(s->params, s->n_params);
    char *cons = lt__json_constraints(s->constraints, s->n_constraints);
    char *vars = lt__json_variants(s->variants, s->n_variants);
    char *segs = lt__json_ids(s->segments, s->n_segments);
    int rc = lt__pg_run(db,
                               "INSERT INTO strategies (id, feature, environment, name, title,"
                               " parameters, constraints, variants, segments, sort_order,"
                               " disabled, created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                               "tttttttttiii", s->id, feature, env, s->name, s->title, params,
                               cons, vars, segs, (int64_t)s->sort_order, (int64_t)s->disabled,
                               now);
    free(params);
    free(cons);
    free(vars);
    free(segs);
    return rc;
}

static int env_state_put(PGconn *db, const char *feature, const lt_feature_env_t *fe,
                         bool only_listed_envs, int64_t now)
{
    char *variants = lt__json_variants(fe->variants, fe->n_variants);
    int rc = lt__pg_run(db,
                               "INSERT INTO feature_environments (feature, environment, enabled,"
                               " variants) VALUES (?,?,?,?) ON CONFLICT(feature, environment)"
                               " DO UPDATE SET enabled = excluded.enabled,"
                               " variants = excluded.variants",
                               "ttit", feature, fe->environment, (int64_t)fe->enabled, variants);
    free(variants);
    if (rc == LT_OK && only_listed_envs)
        rc = lt__pg_run(db, "DELETE FROM strategies WHERE feature = ? AND environment = ?",
                               "tt", feature, fe->environment);
    for (size_t i = 0; rc == LT_OK && i < fe->n_strategies; i++)
        rc = strategy_insert(db, feature, fe->environment, &fe->strategies[i], now);
    return rc;
}

static int dependencies_put(PGconn *db, const lt_feature_t *f)
{
    int rc = lt__pg_run(db, "DELETE FROM dependencies WHERE child = ?", "t", f->name);
    for (size_t i = 0; rc == LT_OK && i < f->n_dependencies; i++) {
        const lt_dependency_t *dep = &f->dependencies[i];
        char *vars = lt__json_strings(dep->variants, dep->n_variants);
        rc = lt__pg_run(db,
                               "INSERT INTO dependencies (child, parent, enabled, variants)"
                               " VALUES (?,?,?,?) ON CONFLICT (child, parent) DO UPDATE SET"
                               " enabled = excluded.enabled, variants = excluded.variants",
                               "ttit", f->name, dep->feature, (int64_t)dep->enabled, vars);
        free(vars);
    }
    return rc;
}

int lt__pg_feature_put(lt_store_t *s, const lt_feature_t *f, lt_put_mode_t m,
                       bool only_listed_envs)
{
    PGconn *db = lt__pg_w(s);
    int64_t now = lt_now_ms();
    int rc = put_row(db, m, f->created_at != 0,
                     "INSERT INTO features (name, project, type, description, stale,"
                     " impression_data, archived, created_at) VALUES (?,?,?,?,?,?,?,?)",
                     "name", "project = excluded.project, type = excluded.type,"
                     " description = excluded.description, stale = excluded.stale,"
                     " impression_data = excluded.impression_data, archived = excluded.archived",
                     "ttttiiii", f->name, f->project, f->type ? f->type : "release",
                     f->description, (int64_t)f->stale, (int64_t)f->impression_data,
                     (int64_t)f->archived, f->created_at ? f->created_at : now);
    if (rc == LT_OK && !only_listed_envs) /* their strategies go with them (cascade) */
        rc = lt__pg_run(db, "DELETE FROM feature_environments WHERE feature = ?", "t",
                               f->name);
    for (size_t e = 0; rc == LT_OK && e < f->n_envs; e++)
        rc = env_state_put(db, f->name, &f->envs[e], only_listed_envs, now);
    if (rc == LT_OK)
        rc = dependencies_put(db, f);
    return rc;
}

int lt__pg_feature_delete(lt_store_t *s, const char *name)
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM features WHERE name = ?", "t", name);
}

int lt__pg_feature_envs_delete(lt_store_t *s, const char *project, const char *env)
{
    return lt__pg_run(lt__pg_w(s),
                             "DELETE FROM feature_environments WHERE environment = ? AND"
                             " feature IN (SELECT name FROM features WHERE project = ?)",
                             "tt", env, project);
}

int lt__pg_tag_put(lt_store_t *s, const lt_tag_t *t)
{
    return lt__pg_run(lt__pg_w(s),
                             "INSERT INTO feature_tags (feature, type, value)"
                             " VALUES (?,?,?) ON CONFLICT DO NOTHING",
                             "ttt", t->feature, t->type, t->value);
}

int lt__pg_tags_delete(lt_store_t *s, const char *feature)
{
    return lt__pg_run(lt__pg_w(s), "DELETE FROM feature_tags WHERE feature = ?", "t",
                             feature);
}

/* ---------- segments, tag types, context fields, strategy definitions ---------- */

/* A new segment takes the next id after the highest (as SQLite's rowid): the writes are
 * serialised, so no two transactions pick the same one. */
int lt__pg_segment_put(lt_store_t *s, const lt_segment_t *g, lt_put_mode_t m, int64_t *out_id)
{
    PGconn *db = lt__pg_w(s);
    int64_t id = g->id;
    if (!id && lt__pg_int(db, &id, "SELECT coalesce(max(id), 0) + 1 FROM segments", "") != LT_OK)
        return LT_ERR;
    char *cons = lt__json_constraints(g->constraints, g->n_constraints);
    int rc = put_row(db, g->id ? m : LT_PUT_CREATE, g->created_at != 0,
                     "INSERT INTO segments (id, name, description, project, constraints,"
                     " created_at) VALUES (?,?,?,?,?,?)",
                     "id", "name = excluded.name, description = excluded.description,"
                     " project = excluded.project, constraints = excluded.constraints",
                     "itttti", id, g->name, g->description, g->project, cons,
                     created(g->created_at));
    free(cons);
    if (rc == LT_OK && out_id)
        *out_id = id;
    return rc;
}

int lt__pg_segment_delete(lt_store_t *s, int64_t id)
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM segments WHERE id = ?", "i", id);
}

int lt__pg_tag_type_put(lt_store_t *s, const lt_tag_type_t *t, lt_put_mode_t m)
{
    return put_row(lt__pg_w(s), m, false,
                   "INSERT INTO tag_types (name, description, icon) VALUES (?,?,?)", "name",
                   "description = excluded.description, icon = excluded.icon", "ttt", t->name,
                   t->description, t->icon);
}

int lt__pg_tag_type_delete(lt_store_t *s, const char *name)
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM tag_types WHERE name = ?", "t", name);
}

int lt__pg_context_field_put(lt_store_t *s, const lt_context_field_t *c, lt_put_mode_t m)
{
    return put_row(lt__pg_w(s), m, c->created_at != 0,
                   "INSERT INTO context_fields (name, description, stickiness, legal_values,"
                   " sort_order, created_at) VALUES (?,?,?,?,?,?)",
                   "name", "description = excluded.description, stickiness = excluded.stickiness,"
                   " legal_values = excluded.legal_values, sort_order = excluded.sort_order",
                   "ttitii", c->name, c->description, (int64_t)c->stickiness,
                   c->legal_values ? c->legal_values : "[]", (int64_t)c->sort_order,
                   created(c->created_at));
}

int lt__pg_context_field_delete(lt_store_t *s, const char *name)
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM context_fields WHERE name = ?", "t",
                               name);
}

int lt__pg_strategy_def_put(lt_store_t *s, const lt_strategy_def_t *d, lt_put_mode_t m)
{
    return put_row(lt__pg_w(s), m, d->created_at != 0,
                   "INSERT INTO strategy_definitions (name, title, description, parameters,"
                   " deprecated, created_at) VALUES (?,?,?,?,?,?)",
                   "name", "title = excluded.title, description = excluded.description,"
                   " parameters = excluded.parameters, deprecated = excluded.deprecated",
                   "ttttii", d->name, d->title, d->description,
                   d->parameters ? d->parameters : "[]", (int64_t)d->deprecated,
                   created(d->created_at));
}

int lt__pg_strategy_def_delete(lt_store_t *s, const char *name)
{
    return lt__pg_exec_changed(lt__pg_w(s), "DELETE FROM strategy_definitions WHERE name = ?",
                               "t", name);
}
