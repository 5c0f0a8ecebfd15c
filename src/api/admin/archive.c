/*
 * archive.c: the admin API for the archive: archive a flag or several (and check what that
 * would break), list archived flags (all or per project), revive one or several, delete
 * archived flags for good (one or several). A flag other flags depend
 * on can be neither archived nor deleted.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define NOT_FOUND(...) lt_write_fail(w, 404, "NotFoundError", __VA_ARGS__)

static int do_feature_archive(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    if (lt_adm_has_children(d, old->name))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You can not archive/delete this feature since other features "
                             "depend on it.");
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    f->archived = true;
    f->dependencies = NULL; /* as Unleash: an archived flag depends on nothing */
    f->n_dependencies = 0;
    return lt_adm_commit(s, c, f, "feature-archived", NULL, lt_adm_feature_json(c->a, d, f),
                         lt_adm_feature_json(c->a, d, old));
}

/* Is one of names[0..n) the flag called name? */
static bool named(const char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return true;
    return false;
}

/* Does a live flag outside names[0..n) depend on the flag called parent? */
static bool has_child_outside(const lt_dataset_t *d, const char *parent, const char **names,
                              size_t n)
{
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived || named(names, n, f->name))
            continue;
        for (size_t k = 0; k < f->n_dependencies; k++)
            if (strcmp(f->dependencies[k].feature, parent) == 0)
                return true;
    }
    return false;
}

/* POST /api/admin/projects/:projectId/archive {features}: archive them all in one
 * transaction, or none (one not live in the project: 404; one another flag still depends on:
 * 403). */
static int do_project_archive(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_dataset_project(d, c->project))
        return NOT_FOUND("Could not find project with id %s", c->project);
    const char **names;
    size_t n;
    if (lt_adm_name_list(c, "features", &names, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *fs = lt_arena_calloc(c->a, n, sizeof(*fs));
    lt_event_t *evs = lt_arena_calloc(c->a, n, sizeof(*evs));
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *old = lt_dataset_feature(d, names[i]);
        if (!old || old->archived || strcmp(old->project, c->project) != 0)
            return NOT_FOUND("Could not find feature flag with name %s in project %s", names[i],
                             c->project);
        if (has_child_outside(d, old->name, names, n))
            return lt_write_fail(w, 403, "InvalidOperationError",
                                 "You can not archive/delete %s since other features depend on "
                                 "it.",
                                 old->name);
        lt_feature_t *f = lt_adm_feature_dup(c->a, old);
        f->archived = true;
        f->dependencies = NULL;
        f->n_dependencies = 0;
        fs[i] = *f;
        evs[i] = lt_admin_event(&c->who, "feature-archived");
        evs[i].project = f->project;
        evs[i].feature_name = f->name;
        evs[i].data = lt_adm_feature_json(c->a, d, f);
        evs[i].pre_data = lt_adm_feature_json(c->a, d, old);
    }
    return lt_store_features_put(s, fs, n, NULL, 0, evs);
}

/* POST /api/admin/projects/:projectId/archive/validate {features}: what archiving them would
 * break: {hasDeletedDependencies, parentsWithChildFeatures}. A read. */
static void api_project_archive_validate(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_adm_wctx_t c = {.a = lt_req_arena(r), .body = lt_adm_ctx(r)->body};
    lt_write_t w = {0};
    const char **names;
    size_t n;
    if (lt_adm_name_list(&c, "features", &names, &n, &w) != LT_OK) {
        lt_adm_reply_write_error(r, &w);
        return;
    }
    LT_UNUSED(p);
    bool deleted_deps = false;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"parentsWithChildFeatures\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *f = lt_dataset_feature(d, names[i]);
        if (!f || f->archived)
            continue;
        /* a flag of the set whose parent is archived too: its dependency goes */
        for (size_t k = 0; k < f->n_dependencies; k++)
            deleted_deps = deleted_deps || named(names, n, f->dependencies[k].feature);
        if (!has_child_outside(d, f->name, names, n))
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_json_cstr(&b, f->name);
    }
    lt_buf_puts(&b, "],\"hasDeletedDependencies\":");
    lt_json_bool(&b, deleted_deps);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static int revive_one(lt_adm_wctx_t *c, const lt_dataset_t *d, const char *name, lt_feature_t **out,
                      lt_write_t *w)
{
    const lt_feature_t *old = lt_dataset_feature(d, name);
    if (!old || (c->project && strcmp(old->project, c->project) != 0))
        return NOT_FOUND("Feature %s does not exist", name);
    if (!old->archived)
        return lt_write_fail(w, 400, "BadDataError", "Feature %s is not archived", name);
    if (!lt_dataset_project(d, old->project))
        return NOT_FOUND("Active project with id %s does not exist", old->project);
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    f->archived = false;
    for (size_t i = 0; i < f->n_envs; i++) /* revived flags come back off everywhere */
        f->envs[i].enabled = false;
    *out = f;
    return LT_OK;
}

static int do_feature_revive(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_feature_t *f;
    if (revive_one(c, d, c->feature, &f, w) != LT_OK)
        return LT_EINVAL;
    return lt_adm_commit(s, c, f, "feature-revived", NULL, lt_adm_feature_json(c->a, d, f), NULL);
}

static int do_project_revive(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_dataset_project(d, c->project))
        return NOT_FOUND("Active project with id %s does not exist", c->project);
    const char **names;
    size_t n;
    if (lt_adm_name_list(c, "features", &names, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *fs = lt_arena_calloc(c->a, n, sizeof(*fs));
    lt_event_t *evs = lt_arena_calloc(c->a, n, sizeof(*evs));
    for (size_t i = 0; i < n; i++) {
        lt_feature_t *f;
        if (revive_one(c, d, names[i], &f, w) != LT_OK)
            return LT_EINVAL;
        fs[i] = *f;
        evs[i] = lt_admin_event(&c->who, "feature-revived");
        evs[i].project = f->project;
        evs[i].feature_name = f->name;
        evs[i].data = lt_adm_feature_json(c->a, d, f);
    }
    return lt_store_features_put(s, fs, n, NULL, 0, evs);
}

static int do_feature_delete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_dataset_feature(d, c->feature);
    if (!old || (c->project && strcmp(old->project, c->project) != 0))
        return NOT_FOUND("Could not find feature flag with name %s", c->feature);
    if (!old->archived)
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "Only archived flags can be deleted: archive %s first", c->feature);
    if (lt_adm_has_children(d, old->name))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You can not archive/delete this feature since other features "
                             "depend on it.");
    lt_event_t ev = lt_admin_event(&c->who, "feature-deleted");
    ev.project = old->project;
    ev.feature_name = old->name;
    ev.pre_data = lt_adm_feature_json(c->a, d, old);
    return lt_store_feature_delete(s, old->name, &ev);
}

static void api_archived_list(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *project = lt_adm_param(p, "projectId");
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"features\":[");
    bool any = false;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (!f->archived || (project && strcmp(f->project, project) != 0))
            continue;
        if (any)
            lt_buf_putc(&b, ',');
        lt_adm_write_feature_summary(&b, d, f);
        any = true;
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* POST /api/admin/projects/:projectId/delete {features}: delete archived flags of the project
 * for good, all in one transaction or none. */
static int do_project_delete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const char **names;
    size_t n;
    if (lt_adm_name_list(c, "features", &names, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_event_t *evs = lt_arena_calloc(c->a, n, sizeof(*evs));
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *old = lt_dataset_feature(d, names[i]);
        if (!old || strcmp(old->project, c->project) != 0)
            return NOT_FOUND("Could not find feature flag with name %s in project %s", names[i],
                             c->project);
        if (!old->archived)
            return lt_write_fail(w, 403, "InvalidOperationError",
                                 "Only archived flags can be deleted: archive %s first", old->name);
        if (has_child_outside(d, old->name, names, n))
            return lt_write_fail(w, 403, "InvalidOperationError",
                                 "You can not archive/delete %s since other features depend on "
                                 "it.",
                                 old->name);
        evs[i] = lt_admin_event(&c->who, "feature-deleted");
        evs[i].project = old->project;
        evs[i].feature_name = old->name;
        evs[i].pre_data = lt_adm_feature_json(c->a, d, old);
    }
    return lt_store_features_delete(s, names, n, evs);
}

LT_ADM_WRITE(api_feature_archive, do_feature_archive, 202, .reply = NULL)
LT_ADM_WRITE(api_project_delete, do_project_delete, 200, .reply = NULL)
LT_ADM_WRITE(api_project_archive, do_project_archive, 202, .reply = NULL)
LT_ADM_WRITE(api_feature_revive, do_feature_revive, 200, .reply = NULL)
LT_ADM_WRITE(api_project_revive, do_project_revive, 200, .reply = NULL)
LT_ADM_WRITE(api_feature_delete, do_feature_delete, 200, .reply = NULL)

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_archive[] = {
    ROUTE(LT_GET, "/api/admin/archive/features", api_archived_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/archive/revive/:featureName", api_feature_revive,
          LT_ADM_OF_FLAG("UPDATE_FEATURE")),
    ROUTE(LT_DELETE, "/api/admin/archive/:featureName", api_feature_delete,
          LT_ADM_OF_FLAG("DELETE_FEATURE")),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/archived-features", api_archived_list,
          LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/revive", api_project_revive,
          LT_ADM_PROJ("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, LT_ADM_PF, api_feature_archive, LT_ADM_FLAG("DELETE_FEATURE")),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/delete", api_project_delete,
          LT_ADM_PROJ("DELETE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/archive", api_project_archive,
          LT_ADM_PROJ("DELETE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/archive/validate", api_project_archive_validate,
          LT_AUTHENTICATED, LT_JSON_OBJECT),
    {0},
};
