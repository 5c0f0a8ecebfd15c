/*
 * load_rows.c: the load every SQL backend shares (see load_rows.h): the tables in dependency
 * order with their SQL, one fill function per table, and the scan that allocates a table's
 * records and hands each row to its fill. Fails closed: a bad JSON column, token type or digest,
 * or a row beyond the count, fails the whole load with one log line naming the table.
 */
#include <cjson/cJSON.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../base/log.h"
#include "../model/model_json.h"
#include "load_rows.h"

#define DS(field) offsetof(lt_dataset_t, field)

const char *lt__row_str(lt_arena_t *a, const lt__row_t *r, int i)
{
    const char *t = r->text(r, i);
    return t ? lt_arena_strndup(a, t, r->len(r, i)) : NULL;
}

/* Parse a JSON text column with one of the model_json parsers; a bad one fails the load. */
#define PARSE_COL(parser, table, a, r, i, out, n)                                                  \
    do {                                                                                           \
        const char *txt_ = r->text(r, i);                                                          \
        cJSON *j_ = txt_ ? cJSON_Parse(txt_) : NULL;                                               \
        lt_parse_err_t e_;                                                                         \
        int rc_ = parser(a, j_, out, n, &e_);                                                      \
        cJSON_Delete(j_);                                                                          \
        if (rc_ != LT_OK) {                                                                        \
            lt_log_error("store: load failed: bad JSON in %s: %s", table, e_.msg);                 \
            return LT_ERR;                                                                         \
        }                                                                                          \
    } while (0)

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

/* ---------- one row of each table ---------- */

static int fill_project(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_project_t *p = elem;
    p->id = lt__row_str(a, r, 0);
    p->name = lt__row_str(a, r, 1);
    p->description = lt__row_str(a, r, 2);
    p->created_at = r->num(r, 3);
    p->mode = lt__row_str(a, r, 4);
    return LT_OK;
}

static int fill_environment(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_environment_t *e = elem;
    e->name = lt__row_str(a, r, 0);
    e->type = lt__row_str(a, r, 1);
    e->enabled = (int)r->num(r, 2) != 0;
    e->sort_order = (int)r->num(r, 3);
    return LT_OK;
}

static int fill_feature(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_feature_t *f = elem;
    f->name = lt__row_str(a, r, 0);
    f->project = lt__row_str(a, r, 1);
    f->type = lt__row_str(a, r, 2);
    f->description = lt__row_str(a, r, 3);
    f->stale = (int)r->num(r, 4) != 0;
    f->impression_data = (int)r->num(r, 5) != 0;
    f->archived = (int)r->num(r, 6) != 0;
    f->created_at = r->num(r, 7);
    return LT_OK;
}

static int fill_feature_env(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_feature_t *f = find_feature(d, r->text(r, 0));
    if (!f)
        return LT__LOAD_SKIP;
    lt_feature_env_t *fe = elem;
    ATTACH(f->envs, f->n_envs, fe);
    fe->environment = lt__row_str(a, r, 1);
    fe->enabled = (int)r->num(r, 2) != 0;
    PARSE_COL(lt_model_parse_variants, "feature_environments", a, r, 3, &fe->variants,
              &fe->n_variants);
    return LT_OK;
}

static int fill_strategy(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_feature_env_t *fe = find_fe(find_feature(d, r->text(r, 0)), r->text(r, 1));
    if (!fe)
        return LT__LOAD_SKIP;
    lt_strategy_t *s = elem;
    ATTACH(fe->strategies, fe->n_strategies, s);
    s->id = lt__row_str(a, r, 2);
    s->name = lt__row_str(a, r, 3);
    s->title = lt__row_str(a, r, 4);
    PARSE_COL(lt_model_parse_params, "strategies", a, r, 5, &s->params, &s->n_params);
    PARSE_COL(lt_model_parse_constraints, "strategies", a, r, 6, &s->constraints,
              &s->n_constraints);
    PARSE_COL(lt_model_parse_variants, "strategies", a, r, 7, &s->variants, &s->n_variants);
    PARSE_COL(lt_model_parse_segment_ids, "strategies", a, r, 8, &s->segments, &s->n_segments);
    s->sort_order = (int)r->num(r, 9);
    s->disabled = (int)r->num(r, 10) != 0;
    return LT_OK;
}

static int fill_dependency(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_feature_t *f = find_feature(d, r->text(r, 0));
    if (!f)
        return LT__LOAD_SKIP;
    lt_dependency_t *dep = elem;
    ATTACH(f->dependencies, f->n_dependencies, dep);
    dep->feature = lt__row_str(a, r, 1);
    dep->enabled = (int)r->num(r, 2) != 0;
    const char *txt = r->text(r, 3);
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

static int fill_segment(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_segment_t *s = elem;
    s->id = r->num(r, 0);
    s->name = lt__row_str(a, r, 1);
    s->description = lt__row_str(a, r, 2);
    s->project = lt__row_str(a, r, 3);
    PARSE_COL(lt_model_parse_constraints, "segments", a, r, 4, &s->constraints, &s->n_constraints);
    s->created_at = r->num(r, 5);
    return LT_OK;
}

static int fill_token(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    return lt__load_token_row(a, r, elem);
}

static int fill_token_project(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    const uint8_t *digest = r->digest(r, 0);
    if (!digest) {
        lt_log_error("store: load failed: api_token_projects has a bad digest");
        return LT_ERR;
    }
    lt_token_t *t = find_token(d, digest);
    if (!t)
        return LT__LOAD_SKIP;
    const char **p = elem;
    ATTACH(t->projects, t->n_projects, p);
    *p = lt__row_str(a, r, 1);
    return LT_OK;
}

static int fill_project_env(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_project_env_t *p = elem;
    p->project = lt__row_str(a, r, 0);
    p->environment = lt__row_str(a, r, 1);
    return LT_OK;
}

static int fill_tag(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_tag_t *t = elem;
    t->feature = lt__row_str(a, r, 0);
    t->type = lt__row_str(a, r, 1);
    t->value = lt__row_str(a, r, 2);
    return LT_OK;
}

static int fill_tag_type(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_tag_type_t *t = elem;
    t->name = lt__row_str(a, r, 0);
    t->description = lt__row_str(a, r, 1);
    t->icon = lt__row_str(a, r, 2);
    t->color = lt__row_str(a, r, 3);
    return LT_OK;
}

static int fill_context_field(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_context_field_t *c = elem;
    c->name = lt__row_str(a, r, 0);
    c->description = lt__row_str(a, r, 1);
    c->stickiness = (int)r->num(r, 2) != 0;
    c->legal_values = lt__row_str(a, r, 3);
    c->sort_order = (int)r->num(r, 4);
    c->created_at = r->num(r, 5);
    c->project = lt__row_str(a, r, 6);
    return LT_OK;
}

static int fill_strategy_def(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_strategy_def_t *s = elem;
    s->name = lt__row_str(a, r, 0);
    s->title = lt__row_str(a, r, 1);
    s->description = lt__row_str(a, r, 2);
    s->parameters = lt__row_str(a, r, 3);
    s->deprecated = (int)r->num(r, 4) != 0;
    s->created_at = r->num(r, 5);
    return LT_OK;
}

static int fill_addon(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_addon_t *x = elem;
    x->id = r->num(r, 0);
    x->provider = lt__row_str(a, r, 1);
    x->description = lt__row_str(a, r, 2);
    x->enabled = r->num(r, 3) != 0;
    x->parameters = lt__row_str(a, r, 4);
    x->events = lt__row_str(a, r, 5);
    x->projects = lt__row_str(a, r, 6);
    x->environments = lt__row_str(a, r, 7);
    x->created_at = r->num(r, 8);
    return LT_OK;
}

static int fill_user(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_user_t *u = elem;
    u->id = r->num(r, 0);
    u->username = lt__row_str(a, r, 1);
    u->email = lt__row_str(a, r, 2);
    u->name = lt__row_str(a, r, 3);
    u->root_role = r->num(r, 4);
    u->created_at = r->num(r, 5);
    u->seen_at = r->num(r, 6);
    u->login_attempts = (int)r->num(r, 7);
    u->service = r->num(r, 8) != 0;
    return LT_OK;
}

static int fill_signup_token(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_signup_token_t *t = elem;
    t->secret = lt__row_str(a, r, 0);
    t->name = lt__row_str(a, r, 1);
    t->created_by = lt__row_str(a, r, 2);
    t->role_id = r->num(r, 3);
    t->enabled = r->num(r, 4) != 0;
    t->expires_at = r->num(r, 5);
    t->created_at = r->num(r, 6);
    return LT_OK;
}

static int fill_signup_user(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_signup_user_t *u = elem;
    u->secret = lt__row_str(a, r, 0);
    u->user_id = r->num(r, 1);
    return LT_OK;
}

static int fill_role(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_role_t *role = elem;
    role->id = r->num(r, 0);
    role->name = lt__row_str(a, r, 1);
    role->description = lt__row_str(a, r, 2);
    role->type = lt__row_str(a, r, 3);
    return LT_OK;
}

static int fill_permission(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_role_t *role = find_role(d, r->num(r, 0));
    if (!role)
        return LT__LOAD_SKIP;
    lt_perm_t *p = elem;
    ATTACH(role->perms, role->n_perms, p);
    p->permission = lt__row_str(a, r, 1);
    p->project = lt__row_str(a, r, 2);
    p->environment = lt__row_str(a, r, 3);
    return LT_OK;
}

static int fill_binding(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_binding_t *b = elem;
    b->user_id = r->num(r, 0);
    b->project = lt__row_str(a, r, 1);
    b->role_id = r->num(r, 2);
    return LT_OK;
}

static int fill_setting(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_setting_t *st = elem;
    st->name = lt__row_str(a, r, 0);
    st->value = lt__row_str(a, r, 1);
    return LT_OK;
}

static int fill_env_default(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_env_default_t *e = elem;
    e->project = lt__row_str(a, r, 0);
    e->environment = lt__row_str(a, r, 1);
    e->strategy = lt__row_str(a, r, 2);
    return LT_OK;
}

static int fill_link(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_link_t *l = elem;
    l->id = lt__row_str(a, r, 0);
    l->feature = lt__row_str(a, r, 1);
    l->url = lt__row_str(a, r, 2);
    l->title = lt__row_str(a, r, 3);
    l->created_at = r->num(r, 4);
    return LT_OK;
}

static int fill_favorite(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_favorite_t *f = elem;
    f->user_id = r->num(r, 0);
    f->name = lt__row_str(a, r, 1);
    return LT_OK;
}

static int fill_stage(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_stage_t *st = elem;
    st->feature = lt__row_str(a, r, 0);
    st->stage = lt__row_str(a, r, 1);
    st->status = lt__row_str(a, r, 2);
    st->status_value = lt__row_str(a, r, 3);
    st->entered_at = r->num(r, 4);
    return LT_OK;
}

static int fill_app_meta(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_app_meta_t *m = elem;
    m->app_name = lt__row_str(a, r, 0);
    m->description = lt__row_str(a, r, 1);
    m->url = lt__row_str(a, r, 2);
    m->color = lt__row_str(a, r, 3);
    m->icon = lt__row_str(a, r, 4);
    m->created_at = r->num(r, 5);
    return LT_OK;
}

static int fill_reset_token(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_reset_token_t *t = elem;
    const uint8_t *digest = r->digest(r, 0);
    if (!digest) {
        lt_log_error("store: load failed: reset_tokens has a bad digest");
        return LT_ERR;
    }
    memcpy(t->digest, digest, 32);
    t->user_id = r->num(r, 1);
    t->created_by = lt__row_str(a, r, 2);
    t->created_at = r->num(r, 3);
    t->expires_at = r->num(r, 4);
    t->used_at = r->num(r, 5);
    return LT_OK;
}

static int fill_user_mark(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem)
{
    lt_user_mark_t *m = elem;
    m->user_id = r->num(r, 0);
    m->kind = lt__row_str(a, r, 1);
    m->name = lt__row_str(a, r, 2);
    m->given = r->num(r, 3);
    m->never_show = r->num(r, 4) != 0;
    return LT_OK;
}

int lt__load_token_row(lt_arena_t *a, const lt__row_t *r, lt_token_t *t)
{
    const uint8_t *digest = r->digest(r, 0);
    if (!digest) {
        lt_log_error("store: read failed: api_tokens row %lld has a bad digest",
                     (long long)r->num(r, 8));
        return LT_ERR;
    }
    memcpy(t->digest, digest, 32);
    if (lt_token_type_parse(r->text(r, 2), &t->type) != LT_OK) {
        lt_log_error("store: read failed: api_tokens row %lld has an unknown type",
                     (long long)r->num(r, 8));
        return LT_ERR;
    }
    t->name = lt__row_str(a, r, 1);
    t->environment = lt__row_str(a, r, 3);
    t->all_projects = (int)r->num(r, 4) != 0;
    t->display = lt__row_str(a, r, 5);
    t->expires_at = r->num(r, 6);
    t->created_at = r->num(r, 7);
    t->id = r->num(r, 8);
    t->user_id = r->num(r, 9);
    t->seen_at = r->num(r, 10);
    t->selector = lt__row_str(a, r, 11);
    t->grace_until = r->num(r, 12);
    t->read_only = r->num(r, 13) != 0;
    t->expiry_noted = r->num(r, 14) != 0;
    t->quota_rps = r->num(r, 15);
    const char *txt = r->text(r, 16);
    cJSON *j = txt ? cJSON_Parse(txt) : NULL;
    if (txt && !cJSON_IsArray(j)) {
        cJSON_Delete(j);
        lt_log_error("store: read failed: api_tokens row %lld has bad allowed_origins",
                     (long long)t->id);
        return LT_ERR;
    }
    size_t cnt = cJSON_IsArray(j) ? (size_t)cJSON_GetArraySize(j) : 0;
    t->origins = lt_arena_calloc(a, cnt + 1, sizeof(*t->origins));
    t->n_origins = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (cJSON_IsString(it))
            t->origins[t->n_origins++] = lt_arena_strdup(a, it->valuestring);
    }
    cJSON_Delete(j);
    return LT_OK;
}

/* ---------- the tables, in dependency order (parents before their children) ---------- */

#define TOP(t, sql, type, field, fn)                                                               \
    {                                                                                              \
        t, sql, sizeof(type), DS(field), DS(n_##field), fn                                         \
    }
#define CHILD(t, sql, type, fn)                                                                    \
    {                                                                                              \
        t, sql, sizeof(type), LT__LOAD_CHILD, LT__LOAD_CHILD, fn                                   \
    }

#define ENVIRONMENTS                                                                               \
    TOP("environments",                                                                            \
        "SELECT name, type, enabled, sort_order FROM environments"                                 \
        " ORDER BY sort_order, name",                                                              \
        lt_environment_t, envs, fill_environment)

const lt__load_table_t lt__load_environments = ENVIRONMENTS;

const lt__load_table_t lt__load_tables[] = {
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
    TOP("api_tokens", "SELECT " LT__TOKEN_COLUMNS " FROM api_tokens ORDER BY digest", lt_token_t,
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
    TOP("tag_types", "SELECT name, description, icon, color FROM tag_types ORDER BY name", lt_tag_type_t,
        tag_types, fill_tag_type),
    TOP("tags", "SELECT NULL, type, value FROM tags ORDER BY type, value", lt_tag_t, created_tags,
        fill_tag),
    TOP("context_fields",
        "SELECT name, description, stickiness, legal_values, sort_order,"
        " created_at, project FROM context_fields ORDER BY sort_order, name",
        lt_context_field_t, context_fields, fill_context_field),
    TOP("strategy_definitions",
        "SELECT name, title, description, parameters, deprecated,"
        " created_at FROM strategy_definitions ORDER BY name",
        lt_strategy_def_t, strategy_defs, fill_strategy_def),
    TOP("addons",
        "SELECT id, provider, description, enabled, parameters, events, projects,"
        " environments, created_at FROM addons ORDER BY id",
        lt_addon_t, addons, fill_addon),
    TOP("users",
        "SELECT id, username, email, name, root_role, created_at, seen_at,"
        " login_attempts, service FROM users ORDER BY id",
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
    TOP("settings", "SELECT name, value FROM settings ORDER BY name", lt_setting_t, settings,
        fill_setting),
    TOP("project_env_defaults",
        "SELECT project, environment, strategy FROM project_env_defaults"
        " ORDER BY project, environment",
        lt_env_default_t, env_defaults, fill_env_default),
    TOP("feature_links",
        "SELECT id, feature, url, title, created_at FROM feature_links"
        " ORDER BY feature, created_at, id",
        lt_link_t, links, fill_link),
    TOP("favorite_projects",
        "SELECT user_id, project FROM favorite_projects ORDER BY user_id, project",
        lt_favorite_t, fav_projects, fill_favorite),
    TOP("favorite_features",
        "SELECT user_id, feature FROM favorite_features ORDER BY user_id, feature",
        lt_favorite_t, fav_features, fill_favorite),
    TOP("feature_lifecycles",
        "SELECT feature, stage, status, status_value, created_at FROM feature_lifecycles"
        " ORDER BY feature, created_at, stage",
        lt_stage_t, stages, fill_stage),
    TOP("application_meta",
        "SELECT app_name, description, url, color, icon, created_at FROM application_meta"
        " ORDER BY app_name",
        lt_app_meta_t, app_meta, fill_app_meta),
    TOP("reset_tokens",
        "SELECT digest, user_id, created_by, created_at, expires_at, used_at FROM reset_tokens"
        " ORDER BY digest",
        lt_reset_token_t, reset_tokens, fill_reset_token),
    TOP("user_marks",
        "SELECT user_id, kind, name, given, never_show FROM user_marks"
        " ORDER BY user_id, kind, name",
        lt_user_mark_t, user_marks, fill_user_mark),
    TOP("signup_tokens",
        "SELECT secret, name, created_by, role_id, enabled, expires_at, created_at"
        " FROM signup_tokens ORDER BY created_at, secret",
        lt_signup_token_t, signup_tokens, fill_signup_token),
    TOP("signup_token_users",
        "SELECT secret, user_id FROM signup_token_users ORDER BY user_id, secret",
        lt_signup_user_t, signup_users, fill_signup_user),
};

const size_t lt__n_load_tables = sizeof(lt__load_tables) / sizeof(*lt__load_tables);

/* The flags named by the changes rows of revisions (?1, ?2], as the load reads them. */
#define CHANGED "(SELECT key FROM changes WHERE kind = 'f' AND rev > ? AND rev <= ?)"

const lt__load_table_t lt__load_changed_tables[] = {
    TOP("features",
        "SELECT name, project, type, description, stale, impression_data, archived,"
        " created_at FROM features WHERE name IN " CHANGED " ORDER BY name",
        lt_feature_t, features, fill_feature),
    CHILD("feature_environments",
          "SELECT feature, environment, enabled, variants FROM feature_environments"
          " WHERE feature IN " CHANGED " ORDER BY feature, environment",
          lt_feature_env_t, fill_feature_env),
    CHILD("strategies",
          "SELECT feature, environment, id, name, title, parameters, constraints,"
          " variants, segments, sort_order, disabled FROM strategies"
          " WHERE feature IN " CHANGED " ORDER BY feature, environment, sort_order, id",
          lt_strategy_t, fill_strategy),
    CHILD("dependencies",
          "SELECT child, parent, enabled, variants FROM dependencies"
          " WHERE child IN " CHANGED " ORDER BY child, parent",
          lt_dependency_t, fill_dependency),
    TOP("feature_tags",
        "SELECT feature, type, value FROM feature_tags"
        " WHERE feature IN " CHANGED " ORDER BY feature, type, value",
        lt_tag_t, tags, fill_tag),
};

const size_t lt__n_load_changed_tables =
    sizeof(lt__load_changed_tables) / sizeof(*lt__load_changed_tables);

int lt__load_scan(const lt__load_table_t *t, lt_arena_t *a, lt_dataset_t *d, size_t n,
                  lt__row_next_fn next, void *cursor)
{
    size_t used = 0, seen = 0;
    char *arr = lt_arena_calloc(a, n ? n : 1, t->elem);
    if (t->arr != LT__LOAD_CHILD)
        *(void **)(void *)((char *)d + t->arr) = arr;
    lt__row_t row;
    int more;
    while ((more = next(cursor, &row)) == 1) {
        if (seen++ >= n) {
            lt_log_error("store: read failed: %s has more rows than counted", t->table);
            return LT_ERR;
        }
        int rc = t->fill(d, a, &row, arr + used * t->elem);
        if (rc == LT_OK)
            used++;
        else if (rc != LT__LOAD_SKIP)
            return LT_ERR;
    }
    if (t->count != LT__LOAD_CHILD)
        *(size_t *)(void *)((char *)d + t->count) = used;
    return more == 0 ? LT_OK : LT_ERR;
}

/* JSON text of a model piece, via the writers in model.c. Caller frees. */
char *lt__json_constraints(const lt_constraint_t *c, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_constraints(&b, c, n);
    return lt_buf_take(&b, NULL);
}

char *lt__json_variants(const lt_variant_t *v, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_variants(&b, v, n, true);
    return lt_buf_take(&b, NULL);
}

char *lt__json_params(const lt_param_t *p, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_params(&b, p, n);
    return lt_buf_take(&b, NULL);
}

char *lt__json_ids(const int64_t *ids, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++)
        lt_buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
    lt_buf_putc(&b, ']');
    return lt_buf_take(&b, NULL);
}

char *lt__json_strings(const char *const *v, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_json_strings(&b, v, n);
    return lt_buf_take(&b, NULL);
}
