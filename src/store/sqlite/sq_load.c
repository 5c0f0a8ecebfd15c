/*
 * sq_load.c: the SQLite load primitive: every table read into the dataset a snapshot is built
 * from, inside the caller's read transaction. Fails closed: every row loop must end in
 * SQLITE_DONE, and a bad JSON column, token type or digest fails the whole load with one log
 * line naming the table. Never LT_OK with part of the data.
 */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/log.h"
#include "../../model/model_json.h"
#include "sq_int.h"

/* What a row callback answers besides LT_OK (kept) and LT_ERR (the load fails): the row
 * belongs to no parent (an orphan the foreign keys should have prevented) and is passed over. */
#define SKIP 1

/* Parse a JSON text column with one of the model_json parsers; a bad one fails the load. */
#define PARSE_COL(parser, table, a, st, i, out, n)                                                 \
    do {                                                                                           \
        const char *txt_ = (const char *)sqlite3_column_text(st, i);                               \
        cJSON *j_ = txt_ ? cJSON_Parse(txt_) : NULL;                                               \
        lt_parse_err_t e_;                                                                         \
        int rc_ = parser(a, j_, out, n, &e_);                                                      \
        cJSON_Delete(j_);                                                                          \
        if (rc_ != LT_OK) {                                                                        \
            lt_log_error("store: load failed: bad JSON in %s: %s", table, e_.msg);                 \
            return LT_ERR;                                                                         \
        }                                                                                          \
    } while (0)

/* One table as the load reads it: its rows counted, an array of that many elements allocated
 * (and, for the top-level arrays, stored in the dataset at arr/count), then each row handed to
 * fill with the next free element. Rows arrive in the order the SQL gives, so the children of
 * one parent (a flag's states, a role's permissions) are contiguous and fill can point the
 * parent at its first child. */
typedef struct {
    const char *table;
    const char *sql;
    size_t elem;
    size_t arr, count; /* offsets in lt_dataset_t, or NONE: children attached to parents */
    int (*fill)(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem);
} table_t;

#define NONE SIZE_MAX
#define DS(field) offsetof(lt_dataset_t, field)

static int scan(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d, const table_t *t)
{
    size_t n = 0, used = 0;
    int row = LT_ERR;
    if (lt__sq_count(db, t->table, &n) != LT_OK)
        return LT_ERR;
    char *arr = lt_arena_calloc(a, n ? n : 1, t->elem);
    if (t->arr != NONE)
        *(void **)(void *)((char *)d + t->arr) = arr;
    sqlite3_stmt *st = lt__sq_prepare(db, t->sql);
    if (!st)
        return LT_ERR;
    while ((row = lt__sq_row(db, st, used, n, t->table)) == 1) {
        int rc = t->fill(d, a, st, arr + used * t->elem);
        if (rc == LT_OK)
            used++;
        else if (rc != SKIP) {
            row = LT_ERR;
            break;
        }
    }
    if (t->count != NONE)
        *(size_t *)(void *)((char *)d + t->count) = used;
    sqlite3_finalize(st);
    return row == 0 ? LT_OK : LT_ERR;
}

/* ---------- look-ups of parents (the parents are sorted) ---------- */

static lt_feature_t *find_feature(lt_dataset_t *d, const char *name)
{
    size_t i = lt_dataset_feature_index(d, name);
    return i == SIZE_MAX ? NULL : &d->features[i];
}

static lt_feature_env_t *find_fe(lt_feature_t *f, const char *env)
{
    for (size_t i = 0; f && env && i < f->n_envs; i++)
        if (strcmp(f->envs[i].environment, env) == 0)
            return &f->envs[i];
    return NULL;
}

static lt_role_t *find_role(lt_dataset_t *d, int64_t id)
{
    size_t lo = 0, hi = d->n_roles;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->roles[mid].id == id)
            return &d->roles[mid];
        if (d->roles[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static lt_token_t *find_token(lt_dataset_t *d, const void *digest)
{
    size_t lo = 0, hi = d->n_tokens;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = memcmp(d->tokens[mid].digest, digest, 32);
        if (c == 0)
            return &d->tokens[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Point a parent's child array at its first child and count it (children are contiguous). */
#define ATTACH(parent_arr, parent_n, child)                                                        \
    do {                                                                                           \
        if ((parent_n)++ == 0)                                                                     \
            (parent_arr) = (child);                                                                \
    } while (0)

static const char *col(sqlite3_stmt *st, int i)
{
    return (const char *)sqlite3_column_text(st, i);
}

/* ---------- one row of each table ---------- */

static int fill_project(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_project_t *p = elem;
    p->id = lt__sq_text(a, st, 0);
    p->name = lt__sq_text(a, st, 1);
    p->description = lt__sq_text(a, st, 2);
    p->created_at = sqlite3_column_int64(st, 3);
    p->mode = lt__sq_text(a, st, 4);
    return LT_OK;
}

static int fill_environment(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_environment_t *e = elem;
    e->name = lt__sq_text(a, st, 0);
    e->type = lt__sq_text(a, st, 1);
    e->enabled = sqlite3_column_int(st, 2) != 0;
    e->sort_order = sqlite3_column_int(st, 3);
    return LT_OK;
}

static int fill_feature(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_feature_t *f = elem;
    f->name = lt__sq_text(a, st, 0);
    f->project = lt__sq_text(a, st, 1);
    f->type = lt__sq_text(a, st, 2);
    f->description = lt__sq_text(a, st, 3);
    f->stale = sqlite3_column_int(st, 4) != 0;
    f->impression_data = sqlite3_column_int(st, 5) != 0;
    f->archived = sqlite3_column_int(st, 6) != 0;
    f->created_at = sqlite3_column_int64(st, 7);
    return LT_OK;
}

static int fill_feature_env(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_feature_t *f = find_feature(d, col(st, 0));
    if (!f)
        return SKIP;
    lt_feature_env_t *fe = elem;
    ATTACH(f->envs, f->n_envs, fe);
    fe->environment = lt__sq_text(a, st, 1);
    fe->enabled = sqlite3_column_int(st, 2) != 0;
    PARSE_COL(lt_model_parse_variants, "feature_environments", a, st, 3, &fe->variants,
              &fe->n_variants);
    return LT_OK;
}

static int fill_strategy(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_feature_env_t *fe = find_fe(find_feature(d, col(st, 0)), col(st, 1));
    if (!fe)
        return SKIP;
    lt_strategy_t *s = elem;
    ATTACH(fe->strategies, fe->n_strategies, s);
    s->id = lt__sq_text(a, st, 2);
    s->name = lt__sq_text(a, st, 3);
    s->title = lt__sq_text(a, st, 4);
    PARSE_COL(lt_model_parse_params, "strategies", a, st, 5, &s->params, &s->n_params);
    PARSE_COL(lt_model_parse_constraints, "strategies", a, st, 6, &s->constraints,
              &s->n_constraints);
    PARSE_COL(lt_model_parse_variants, "strategies", a, st, 7, &s->variants, &s->n_variants);
    PARSE_COL(lt_model_parse_segment_ids, "strategies", a, st, 8, &s->segments, &s->n_segments);
    s->sort_order = sqlite3_column_int(st, 9);
    s->disabled = sqlite3_column_int(st, 10) != 0;
    return LT_OK;
}

static int fill_dependency(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_feature_t *f = find_feature(d, col(st, 0));
    if (!f)
        return SKIP;
    lt_dependency_t *dep = elem;
    ATTACH(f->dependencies, f->n_dependencies, dep);
    dep->feature = lt__sq_text(a, st, 1);
    dep->enabled = sqlite3_column_int(st, 2) != 0;
    const char *txt = col(st, 3);
    cJSON *j = txt ? cJSON_Parse(txt) : NULL;
    if (txt && !cJSON_IsArray(j)) {
        cJSON_Delete(j);
        lt_log_error("store: load failed: bad JSON in dependencies.variants");
        return LT_ERR;
    }
    size_t cnt = cJSON_IsArray(j) ? (size_t)cJSON_GetArraySize(j) : 0;
    dep->variants = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*dep->variants));
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (cJSON_IsString(it))
            dep->variants[dep->n_variants++] = lt_arena_strdup(a, it->valuestring);
    }
    cJSON_Delete(j);
    return LT_OK;
}

static int fill_segment(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_segment_t *s = elem;
    s->id = sqlite3_column_int64(st, 0);
    s->name = lt__sq_text(a, st, 1);
    s->description = lt__sq_text(a, st, 2);
    s->project = lt__sq_text(a, st, 3);
    PARSE_COL(lt_model_parse_constraints, "segments", a, st, 4, &s->constraints, &s->n_constraints);
    s->created_at = sqlite3_column_int64(st, 5);
    return LT_OK;
}

static int fill_token(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    return lt__sq_token_row(a, st, elem);
}

static int fill_token_project(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    if (sqlite3_column_bytes(st, 0) != 32) {
        lt_log_error("store: load failed: api_token_projects has a bad digest");
        return LT_ERR;
    }
    lt_token_t *t = find_token(d, sqlite3_column_blob(st, 0));
    if (!t)
        return SKIP;
    const char **p = elem;
    ATTACH(t->projects, t->n_projects, p);
    *p = lt__sq_text(a, st, 1);
    return LT_OK;
}

static int fill_project_env(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_project_env_t *p = elem;
    p->project = lt__sq_text(a, st, 0);
    p->environment = lt__sq_text(a, st, 1);
    return LT_OK;
}

static int fill_tag(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_tag_t *t = elem;
    t->feature = lt__sq_text(a, st, 0);
    t->type = lt__sq_text(a, st, 1);
    t->value = lt__sq_text(a, st, 2);
    return LT_OK;
}

static int fill_tag_type(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_tag_type_t *t = elem;
    t->name = lt__sq_text(a, st, 0);
    t->description = lt__sq_text(a, st, 1);
    t->icon = lt__sq_text(a, st, 2);
    return LT_OK;
}

static int fill_context_field(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_context_field_t *c = elem;
    c->name = lt__sq_text(a, st, 0);
    c->description = lt__sq_text(a, st, 1);
    c->stickiness = sqlite3_column_int(st, 2) != 0;
    c->legal_values = lt__sq_text(a, st, 3);
    c->sort_order = sqlite3_column_int(st, 4);
    c->created_at = sqlite3_column_int64(st, 5);
    return LT_OK;
}

static int fill_strategy_def(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_strategy_def_t *s = elem;
    s->name = lt__sq_text(a, st, 0);
    s->title = lt__sq_text(a, st, 1);
    s->description = lt__sq_text(a, st, 2);
    s->parameters = lt__sq_text(a, st, 3);
    s->deprecated = sqlite3_column_int(st, 4) != 0;
    s->created_at = sqlite3_column_int64(st, 5);
    return LT_OK;
}

static int fill_user(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_user_t *u = elem;
    u->id = sqlite3_column_int64(st, 0);
    u->username = lt__sq_text(a, st, 1);
    u->email = lt__sq_text(a, st, 2);
    u->name = lt__sq_text(a, st, 3);
    u->root_role = sqlite3_column_int64(st, 4);
    u->created_at = sqlite3_column_int64(st, 5);
    u->seen_at = sqlite3_column_int64(st, 6);
    u->login_attempts = sqlite3_column_int(st, 7);
    return LT_OK;
}

static int fill_role(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_role_t *r = elem;
    r->id = sqlite3_column_int64(st, 0);
    r->name = lt__sq_text(a, st, 1);
    r->description = lt__sq_text(a, st, 2);
    r->type = lt__sq_text(a, st, 3);
    return LT_OK;
}

static int fill_permission(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_role_t *r = find_role(d, sqlite3_column_int64(st, 0));
    if (!r)
        return SKIP;
    lt_perm_t *p = elem;
    ATTACH(r->perms, r->n_perms, p);
    p->permission = lt__sq_text(a, st, 1);
    p->project = lt__sq_text(a, st, 2);
    p->environment = lt__sq_text(a, st, 3);
    return LT_OK;
}

static int fill_binding(lt_dataset_t *d, lt_arena_t *a, sqlite3_stmt *st, void *elem)
{
    lt_binding_t *b = elem;
    b->user_id = sqlite3_column_int64(st, 0);
    b->project = lt__sq_text(a, st, 1);
    b->role_id = sqlite3_column_int64(st, 2);
    return LT_OK;
}

int lt__sq_token_row(lt_arena_t *a, sqlite3_stmt *st, lt_token_t *t)
{
    if (sqlite3_column_bytes(st, 0) != 32) {
        lt_log_error("store: read failed: api_tokens row %lld has a bad digest",
                     (long long)sqlite3_column_int64(st, 8));
        return LT_ERR;
    }
    memcpy(t->digest, sqlite3_column_blob(st, 0), 32);
    if (lt_token_type_parse((const char *)sqlite3_column_text(st, 2), &t->type) != LT_OK) {
        lt_log_error("store: read failed: api_tokens row %lld has an unknown type",
                     (long long)sqlite3_column_int64(st, 8));
        return LT_ERR;
    }
    t->name = lt__sq_text(a, st, 1);
    t->environment = lt__sq_text(a, st, 3);
    t->all_projects = sqlite3_column_int(st, 4) != 0;
    t->display = lt__sq_text(a, st, 5);
    t->expires_at = sqlite3_column_int64(st, 6);
    t->created_at = sqlite3_column_int64(st, 7);
    t->id = sqlite3_column_int64(st, 8);
    t->user_id = sqlite3_column_int64(st, 9);
    t->seen_at = sqlite3_column_int64(st, 10);
    return LT_OK;
}

/* ---------- the tables, in dependency order (parents before their children) ---------- */

#define TOP(t, sql, type, field, fn)                                                               \
    {                                                                                              \
        t, sql, sizeof(type), DS(field), DS(n_##field), fn                                         \
    }
#define CHILD(t, sql, type, fn)                                                                    \
    {                                                                                              \
        t, sql, sizeof(type), NONE, NONE, fn                                                       \
    }

#define ENVIRONMENTS                                                                               \
    TOP("environments",                                                                            \
        "SELECT name, type, enabled, sort_order FROM environments"                                 \
        " ORDER BY sort_order, name",                                                              \
        lt_environment_t, envs, fill_environment)

static const table_t environments_table = ENVIRONMENTS;

static const table_t tables[] = {
    TOP("projects", "SELECT id, name, description, created_at, mode FROM projects ORDER BY id",
        lt_project_t, projects, fill_project),
    ENVIRONMENTS,
    TOP("features",
        "SELECT name, project, type, description, stale, impression_data, archived,"
        " created_at FROM features ORDER BY name",
        lt_feature_t, features, fill_feature),
    CHILD("feature_environments",
          "SELECT feature, environment, enabled, variants"
          " FROM feature_environments ORDER BY feature, environment",
          lt_feature_env_t, fill_feature_env),
    CHILD("strategies",
          "SELECT feature, environment, id, name, title, parameters, constraints,"
          " variants, segments, sort_order, disabled FROM strategies"
          " ORDER BY feature, environment, sort_order, id",
          lt_strategy_t, fill_strategy),
    CHILD("dependencies",
          "SELECT child, parent, enabled, variants FROM dependencies"
          " ORDER BY child, parent",
          lt_dependency_t, fill_dependency),
    TOP("segments",
        "SELECT id, name, description, project, constraints, created_at"
        " FROM segments ORDER BY id",
        lt_segment_t, segments, fill_segment),
    TOP("api_tokens", "SELECT " LT__SQ_TOKEN_COLUMNS " FROM api_tokens ORDER BY digest", lt_token_t,
        tokens, fill_token),
    CHILD("api_token_projects",
          "SELECT digest, project FROM api_token_projects"
          " ORDER BY digest, project",
          const char *, fill_token_project),
    TOP("project_environments",
        "SELECT project, environment FROM project_environments"
        " ORDER BY project, environment",
        lt_project_env_t, project_envs, fill_project_env),
    TOP("feature_tags",
        "SELECT feature, type, value FROM feature_tags"
        " ORDER BY feature, type, value",
        lt_tag_t, tags, fill_tag),
    TOP("tag_types", "SELECT name, description, icon FROM tag_types ORDER BY name", lt_tag_type_t,
        tag_types, fill_tag_type),
    TOP("context_fields",
        "SELECT name, description, stickiness, legal_values, sort_order,"
        " created_at FROM context_fields ORDER BY sort_order, name",
        lt_context_field_t, context_fields, fill_context_field),
    TOP("strategy_definitions",
        "SELECT name, title, description, parameters, deprecated,"
        " created_at FROM strategy_definitions ORDER BY name",
        lt_strategy_def_t, strategy_defs, fill_strategy_def),
    TOP("users",
        "SELECT id, username, email, name, root_role, created_at, seen_at,"
        " login_attempts FROM users ORDER BY id",
        lt_user_t, users, fill_user),
    TOP("roles", "SELECT id, name, description, type FROM roles ORDER BY id", lt_role_t, roles,
        fill_role),
    CHILD("role_permissions",
          "SELECT role_id, permission, project, environment"
          " FROM role_permissions ORDER BY role_id, rowid",
          lt_perm_t, fill_permission),
    TOP("role_bindings",
        "SELECT user_id, project, role_id FROM role_bindings"
        " ORDER BY user_id, project, role_id",
        lt_binding_t, bindings, fill_binding),
};

int lt__sq_load_environments(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    return scan(db, a, d, &environments_table);
}

int lt__sq_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3 *db = lt__sq_db(s);
    memset(d, 0, sizeof(*d));
    if (lt__sq_int(db, "SELECT max(id) FROM events", &d->revision) != LT_OK)
        return LT_ERR;
    for (size_t i = 0; i < sizeof(tables) / sizeof(*tables); i++)
        if (scan(db, a, d, &tables[i]) != LT_OK)
            return LT_ERR;
    return LT_OK;
}
