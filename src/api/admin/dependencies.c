/*
 * dependencies.c: the admin API of dependencies between flags (add, remove one or all, the
 * possible parents, a parent's variants, whether any exist), with Unleash 8.x's rules: one
 * level, same project, no dependency on a flag with children or on an archived one.
 */
#include "admin_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "../../model/model_json.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define BAD_DATA(...) lt_write_fail(w, 400, "BadDataError", __VA_ARGS__)

/* ---------- dependencies ---------- */

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const char *project, *child, *parent; /* parent NULL: all (delete) */
    const cJSON *body;                    /* NULL: delete */
} dep_ctx_t;

static int dep_add_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    dep_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    bool bad = false;
    const char *parent = lt_adm_opt_str(c->body, "feature", 0, &bad);
    if (bad || !parent || !parent[0])
        return BAD("\"feature\" is required and must be a string");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(c->body, "enabled");
    if (en && !cJSON_IsBool(en) && !cJSON_IsNull(en))
        return BAD("\"enabled\" must be a boolean");
    bool enabled = !cJSON_IsFalse(en);
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(c->body, "variants");
    if (vars && !cJSON_IsArray(vars) && !cJSON_IsNull(vars))
        return BAD("\"variants\" must be an array of strings");
    size_t nv = (size_t)cJSON_GetArraySize(vars);
    const char **vnames = lt_arena_calloc(c->a, nv + 1, sizeof(*vnames));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, vars)
    {
        if (!cJSON_IsString(it))
            return BAD("\"variants\" must be an array of strings");
        vnames[k++] = lt_arena_strdup(c->a, it->valuestring);
    }
    if (strcmp(c->child, parent) == 0)
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "A feature flag cannot depend on itself.");
    if (lt_adm_has_children(d, c->child))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "Transitive dependency detected. Cannot add a dependency to the "
                             "feature that other features depend on.");
    const lt_feature_t *pf = lt_dataset_feature(d, parent);
    if (pf && pf->n_dependencies)
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "Transitive dependency detected. Cannot add a dependency to the "
                             "feature that has parent dependency.");
    if (!pf || pf->archived)
        return lt_write_fail(w, 403, "InvalidOperationError", "No active feature %s exists",
                             parent);
    const lt_feature_t *cf = lt_dataset_feature(d, c->child);
    if (!cf || cf->archived || strcmp(cf->project, c->project) != 0 ||
        strcmp(pf->project, c->project) != 0)
        return lt_write_fail(w, 404, "NotFoundError",
                             "Cannot add the dependency. Both the parent and the child feature "
                             "must belong to project \"%s\".",
                             c->project);
    /* upsert the dependency on parent */
    lt_feature_t *f = lt_arena_alloc(c->a, sizeof(*f));
    *f = *cf;
    f->dependencies = lt_arena_calloc(c->a, cf->n_dependencies + 1, sizeof(*f->dependencies));
    f->n_dependencies = 0;
    for (size_t i = 0; i < cf->n_dependencies; i++)
        if (strcmp(cf->dependencies[i].feature, parent) != 0)
            f->dependencies[f->n_dependencies++] = cf->dependencies[i];
    lt_dependency_t *dep = &f->dependencies[f->n_dependencies++];
    dep->feature = parent;
    dep->enabled = enabled;
    dep->variants = enabled ? vnames : NULL;
    dep->n_variants = enabled ? k : 0;
    lt_event_t ev = lt_admin_event(c->p, "feature-dependency-added");
    ev.project = c->project;
    ev.feature_name = c->child;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"feature\":");
    lt_json_cstr(&b, parent);
    lt_buf_puts(&b, ",\"enabled\":");
    lt_json_bool(&b, enabled);
    if (vars && !cJSON_IsNull(vars)) {
        lt_buf_puts(&b, ",\"variants\":[");
        for (size_t i = 0; i < k; i++) {
            if (i)
                lt_buf_putc(&b, ',');
            lt_json_cstr(&b, vnames[i]);
        }
        lt_buf_putc(&b, ']');
    }
    lt_buf_putc(&b, '}');
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_feature_put(store, f, &ev);
}

static int dep_remove_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    dep_ctx_t *c = w->ctx;
    const lt_feature_t *cf = lt_dataset_feature(&snap->data, c->child);
    size_t keep = 0;
    lt_feature_t *f = lt_arena_alloc(c->a, sizeof(*f));
    if (cf) {
        *f = *cf;
        f->dependencies = lt_arena_calloc(c->a, cf->n_dependencies + 1, sizeof(*f->dependencies));
        for (size_t i = 0; c->parent && i < cf->n_dependencies; i++)
            if (strcmp(cf->dependencies[i].feature, c->parent) != 0)
                f->dependencies[keep++] = cf->dependencies[i];
        f->n_dependencies = keep;
    }
    if (!cf || strcmp(cf->project, c->project) != 0 || cf->n_dependencies == keep) {
        if (c->parent)
            return lt_write_fail(w, 404, "NotFoundError",
                                 "No dependency on \"%s\" for feature \"%s\" in project \"%s\".",
                                 c->parent, c->child, c->project);
        return lt_write_fail(w, 404, "NotFoundError",
                             "Feature \"%s\" has no dependencies to remove in project \"%s\".",
                             c->child, c->project);
    }
    lt_event_t ev = lt_admin_event(c->p, c->parent ? "feature-dependency-removed"
                                                   : "feature-dependencies-removed");
    ev.project = c->project;
    ev.feature_name = c->child;
    if (c->parent) {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"feature\":");
        lt_json_cstr(&b, c->parent);
        lt_buf_putc(&b, '}');
        ev.data = lt_adm_buf_arena(c->a, &b);
    }
    return lt_store_feature_put(store, f, &ev);
}

static void api_dep_add(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    dep_ctx_t c = {lt_req_arena(r),           &ac->who, lt_adm_param(pp, "projectId"),
                   lt_adm_param(pp, "child"), NULL,     ac->body};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, dep_add_write, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

static void api_dep_remove(lt_req_t *r, const lt_params_t *pp)
{
    dep_ctx_t c = {
        lt_req_arena(r),           &lt_adm_ctx(r)->who,        lt_adm_param(pp, "projectId"),
        lt_adm_param(pp, "child"), lt_adm_param(pp, "parent"), NULL};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, dep_remove_write, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

static void api_dep_parents(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *child = lt_adm_param(pp, "child");
    const lt_feature_t *cf = lt_dataset_feature(d, child);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    bool first = true;
    for (size_t i = 0; cf && i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived || f->n_dependencies || strcmp(f->name, child) == 0 ||
            strcmp(f->project, cf->project) != 0)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_json_cstr(&b, f->name);
    }
    lt_buf_putc(&b, ']');
    lt_adm_reply(r, 200, &b);
}

static void api_dep_parent_variants(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_feature_t *f = lt_dataset_feature(d, lt_adm_param(pp, "parent"));
    size_t cap = 1;
    for (size_t e = 0; f && e < f->n_envs; e++) {
        cap += f->envs[e].n_variants;
        for (size_t s = 0; s < f->envs[e].n_strategies; s++)
            cap += f->envs[e].strategies[s].n_variants;
    }
    const char **names = lt_arena_calloc(lt_req_arena(r), cap, sizeof(*names));
    size_t n = 0;
    for (size_t e = 0; f && e < f->n_envs; e++) {
        const lt_feature_env_t *fe = &f->envs[e];
        for (size_t v = 0; v < fe->n_variants; v++)
            lt_adm_set_add(names, &n, fe->variants[v].name);
        for (size_t s = 0; s < fe->n_strategies; s++)
            for (size_t v = 0; v < fe->strategies[s].n_variants; v++)
                lt_adm_set_add(names, &n, fe->strategies[s].variants[v].name);
    }
    lt_adm_sort_names(names, n); /* as Unleash's read model answers */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, names[i]);
    }
    lt_buf_putc(&b, ']');
    lt_adm_reply(r, 200, &b);
}

static void api_dep_exist(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    bool any = false;
    for (size_t i = 0; !any && i < d->n_features; i++)
        any = d->features[i].n_dependencies > 0;
    lt_reply_json(r, 200, any ? "true" : "false");
}

#define ROUTE LT_ADM_ROUTE
#define DEPS "/api/admin/projects/:projectId/features/:child/dependencies"

const lt_route_t lt_routes_admin_dependencies[] = {
    ROUTE(LT_POST, DEPS, api_dep_add, LT_PERM("UPDATE_FEATURE_DEPENDENCY"), LT_IN_PROJECT,
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, DEPS, api_dep_remove, LT_PERM("UPDATE_FEATURE_DEPENDENCY"), LT_IN_PROJECT),
    ROUTE(LT_DELETE, DEPS "/:parent", api_dep_remove, LT_PERM("UPDATE_FEATURE_DEPENDENCY"),
          LT_IN_PROJECT),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/features/:child/parents", api_dep_parents,
          LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/features/:parent/parent-variants",
          api_dep_parent_variants, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/dependencies", api_dep_exist, LT_AUTHENTICATED),
    {0},
};
