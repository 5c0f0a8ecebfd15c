/*
 * sq_load.c: the SQLite load primitive: every table read into the dataset a snapshot is built
 * from, inside the caller's read transaction. Fails closed: every row loop must end in
 * SQLITE_DONE, and a bad JSON column, token type or digest fails the whole load with one log
 * line naming the table. Never LT_OK with part of the data.
 */
#include <cjson/cJSON.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/log.h"
#include "../../model/model_json.h"
#include "sq_int.h"

/* Parse a JSON text column with one of the model_json parsers; a bad one fails the load. */
#define PARSE_COL(parser, table, a, st, i, out, n)                                                        \
    do {                                                                                           \
        const char *txt_ = (const char *)sqlite3_column_text(st, i);                               \
        cJSON *j_ = txt_ ? cJSON_Parse(txt_) : NULL;                                               \
        lt_parse_err_t e_;                                                                         \
        int rc_ = parser(a, j_, out, n, &e_);                                                      \
        cJSON_Delete(j_);                                                                          \
        if (rc_ != LT_OK) {                                                                        \
            lt_log_error("store: load failed: bad JSON in %s: %s", table, e_.msg);               \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

static lt_feature_t *find_feature(lt_dataset_t *d, const char *name)
{
    size_t lo = 0, hi = d->n_features;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d->features[mid].name, name);
        if (c == 0)
            return &d->features[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static lt_feature_env_t *find_fe(lt_feature_t *f, const char *env)
{
    for (size_t i = 0; f && i < f->n_envs; i++)
        if (strcmp(f->envs[i].environment, env) == 0)
            return &f->envs[i];
    return NULL;
}

static int load_projects(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
    if (lt__sq_count(db, "projects", &n) != LT_OK)

        goto fail;
    d->projects = lt_arena_calloc(a, n ? n : 1, sizeof(*d->projects));
    if (!(st = lt__sq_prepare(db, "SELECT id, name, description, created_at, mode FROM projects"
                                  " ORDER BY id")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_projects, n, "projects")) == 1) {
        lt_project_t *p = &d->projects[d->n_projects++];
        p->id = lt__sq_text(a, st, 0);
        p->name = lt__sq_text(a, st, 1);
        p->description = lt__sq_text(a, st, 2);
        p->created_at = sqlite3_column_int64(st, 3);
        p->mode = lt__sq_text(a, st, 4);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

int lt__sq_load_environments(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
    if (lt__sq_count(db, "environments", &n) != LT_OK)

        goto fail;
    d->envs = lt_arena_calloc(a, n ? n : 1, sizeof(*d->envs));
    if (!(st = lt__sq_prepare(db, "SELECT name, type, enabled, sort_order FROM environments"
                           " ORDER BY sort_order, name")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_envs, n, "environments")) == 1) {
        lt_environment_t *e = &d->envs[d->n_envs++];
        e->name = lt__sq_text(a, st, 0);
        e->type = lt__sq_text(a, st, 1);
        e->enabled = sqlite3_column_int(st, 2) != 0;
        e->sort_order = sqlite3_column_int(st, 3);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_features(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
    if (lt__sq_count(db, "features", &n) != LT_OK)

        goto fail;
    d->features = lt_arena_calloc(a, n ? n : 1, sizeof(*d->features));
    if (!(st = lt__sq_prepare(db, "SELECT name, project, type, description, stale, impression_data,"
                           " archived, created_at FROM features ORDER BY name")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_features, n, "features")) == 1) {
        lt_feature_t *f = &d->features[d->n_features++];
        f->name = lt__sq_text(a, st, 0);
        f->project = lt__sq_text(a, st, 1);
        f->type = lt__sq_text(a, st, 2);
        f->description = lt__sq_text(a, st, 3);
        f->stale = sqlite3_column_int(st, 4) != 0;
        f->impression_data = sqlite3_column_int(st, 5) != 0;
        f->archived = sqlite3_column_int(st, 6) != 0;
        f->created_at = sqlite3_column_int64(st, 7);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_feature_environments(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
    if (lt__sq_count(db, "feature_environments", &n) != LT_OK)
        goto fail;
    lt_feature_env_t *fes = lt_arena_calloc(a, n ? n : 1, sizeof(*fes));
    size_t n_fes = 0;
    if (!(st = lt__sq_prepare(db, "SELECT feature, environment, enabled, variants"
                           " FROM feature_environments ORDER BY feature, environment")))
        goto fail;
    while ((row = lt__sq_row(db, st, n_fes, n, "feature_environments")) == 1) {
        lt_feature_t *f = find_feature(d, (const char *)sqlite3_column_text(st, 0));
        if (!f)
            continue;
        lt_feature_env_t *fe = &fes[n_fes++];
        if (f->n_envs == 0)
            f->envs = fe;
        f->n_envs++;
        fe->environment = lt__sq_text(a, st, 1);
        fe->enabled = sqlite3_column_int(st, 2) != 0;
        PARSE_COL(lt_model_parse_variants, "feature_environments", a, st, 3, &fe->variants, &fe->n_variants);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_strategies(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
    if (lt__sq_count(db, "strategies", &n) != LT_OK)

        goto fail;
    lt_strategy_t *strats = lt_arena_calloc(a, n ? n : 1, sizeof(*strats));
    size_t n_strats = 0;
    if (!(st = lt__sq_prepare(db, "SELECT feature, environment, id, name, title, parameters,"
                           " constraints, variants, segments, sort_order, disabled"
                           " FROM strategies ORDER BY feature, environment, sort_order, id")))
        goto fail;
    while ((row = lt__sq_row(db, st, n_strats, n, "strategies")) == 1) {
        lt_feature_env_t *fe = find_fe(find_feature(d, (const char *)sqlite3_column_text(st, 0)),
                                       (const char *)sqlite3_column_text(st, 1));
        if (!fe)
            continue;
        lt_strategy_t *s = &strats[n_strats++];
        if (fe->n_strategies == 0)
            fe->strategies = s;
        fe->n_strategies++;
        s->id = lt__sq_text(a, st, 2);
        s->name = lt__sq_text(a, st, 3);
        s->title = lt__sq_text(a, st, 4);
        PARSE_COL(lt_model_parse_params, "strategies", a, st, 5, &s->params, &s->n_params);
        PARSE_COL(lt_model_parse_constraints, "strategies", a, st, 6, &s->constraints, &s->n_constraints);
        PARSE_COL(lt_model_parse_variants, "strategies", a, st, 7, &s->variants, &s->n_variants);
        PARSE_COL(lt_model_parse_segment_ids, "strategies", a, st, 8, &s->segments, &s->n_segments);
        s->sort_order = sqlite3_column_int(st, 9);
        s->disabled = sqlite3_column_int(st, 10) != 0;
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_dependencies(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
    if (lt__sq_count(db, "dependencies", &n) != LT_OK)

        goto fail;
    lt_dependency_t *deps = lt_arena_calloc(a, n ? n : 1, sizeof(*deps));
    size_t n_deps = 0;
    if (!(st = lt__sq_prepare(db, "SELECT child, parent, enabled, variants FROM dependencies"
                           " ORDER BY child, parent")))
        goto fail;
    while ((row = lt__sq_row(db, st, n_deps, n, "dependencies")) == 1) {
        lt_feature_t *f = find_feature(d, (const char *)sqlite3_column_text(st, 0));
        if (!f)
            continue;
        lt_dependency_t *dep = &deps[n_deps++];
        if (f->n_dependencies == 0)
            f->dependencies = dep;
        f->n_dependencies++;
        dep->feature = lt__sq_text(a, st, 1);
        dep->enabled = sqlite3_column_int(st, 2) != 0;
        const char *txt = (const char *)sqlite3_column_text(st, 3);
        cJSON *j = txt ? cJSON_Parse(txt) : NULL;
        if (txt && !cJSON_IsArray(j)) {
            cJSON_Delete(j);
            lt_log_error("store: load failed: bad JSON in dependencies.variants");
            goto fail;
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
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_segments(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
    if (lt__sq_count(db, "segments", &n) != LT_OK)

        goto fail;
    d->segments = lt_arena_calloc(a, n ? n : 1, sizeof(*d->segments));
    if (!(st = lt__sq_prepare(db, "SELECT id, name, description, project, constraints, created_at"
                           " FROM segments ORDER BY id")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_segments, n, "segments")) == 1) {
        lt_segment_t *s = &d->segments[d->n_segments++];
        s->id = sqlite3_column_int64(st, 0);
        s->name = lt__sq_text(a, st, 1);
        s->description = lt__sq_text(a, st, 2);
        s->project = lt__sq_text(a, st, 3);
        PARSE_COL(lt_model_parse_constraints, "segments", a, st, 4, &s->constraints, &s->n_constraints);
        s->created_at = sqlite3_column_int64(st, 5);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_project_environments(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
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
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_feature_tags(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
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
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_tag_types(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
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
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_context_fields(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
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
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_strategy_definitions(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
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
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_users(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
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
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_roles(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
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
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_role_permissions(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
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
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int load_role_bindings(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0;
    int row = 0;
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

static int load_tokens(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0, ti = 0;
    int row = 0;
    if (lt__sq_count(db, "api_tokens", &n) != LT_OK)
        goto fail;
    d->tokens = lt_arena_calloc(a, n ? n : 1, sizeof(*d->tokens));
    if (!(st = lt__sq_prepare(db, "SELECT " LT__SQ_TOKEN_COLUMNS
                                  " FROM api_tokens ORDER BY digest")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_tokens, n, "api_tokens")) == 1) {
        if (lt__sq_token_row(a, st, &d->tokens[d->n_tokens]) != LT_OK)
            goto fail;
        d->n_tokens++;
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    /* project lists, by digest (both sides sorted by digest); orphan rows are skipped */
    if (!(st = lt__sq_prepare(db, "SELECT digest, project FROM api_token_projects"
                                  " ORDER BY digest, project")))
        goto fail;
    while ((row = lt__sq_row(db, st, 0, 1, "api_token_projects")) == 1) {
        const void *dg = sqlite3_column_blob(st, 0);
        if (sqlite3_column_bytes(st, 0) != 32) {
            lt_log_error("store: load failed: api_token_projects has a bad digest");
            goto fail;
        }
        while (ti < d->n_tokens && memcmp(d->tokens[ti].digest, dg, 32) < 0)
            ti++;
        if (ti == d->n_tokens || memcmp(d->tokens[ti].digest, dg, 32) != 0)
            continue;
        lt_token_t *t = &d->tokens[ti];
        const char **np = lt_arena_alloc(a, (t->n_projects + 1) * sizeof(*np));
        if (t->n_projects)
            memcpy(np, t->projects, t->n_projects * sizeof(*np));
        np[t->n_projects++] = lt__sq_text(a, st, 1);
        t->projects = np;
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}


typedef int (*load_fn)(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d);

/* In dependency order: features before their states, states before their strategies. */
static const load_fn loaders[] = {
    load_projects,      lt__sq_load_environments,  load_features,      load_feature_environments,
    load_strategies,    load_dependencies,  load_segments,      load_tokens,
    load_project_environments, load_feature_tags, load_tag_types, load_context_fields,
    load_strategy_definitions, load_users,  load_roles,         load_role_permissions,
    load_role_bindings,
};

int lt__sq_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3 *db = lt__sq_db(s);
    memset(d, 0, sizeof(*d));
    if (lt__sq_int(db, "SELECT max(id) FROM events", &d->revision) != LT_OK)
        return LT_ERR;
    for (size_t i = 0; i < sizeof(loaders) / sizeof(*loaders); i++)
        if (loaders[i](db, a, d) != LT_OK)
            return LT_ERR;
    return LT_OK;
}
