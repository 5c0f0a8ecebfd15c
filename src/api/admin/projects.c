/*
 * projects.c: the admin API for projects (list, overview, create, update, delete) and the
 * environments enabled in each. Reads answer from the request's snapshot; writes go through
 * lt_admin_write, validate against the newest snapshot and store one event each.
 */
#include <stdio.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

/* ---------- projects: JSON ---------- */

static size_t feature_count(const lt_dataset_t *d, const char *project, bool archived)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_features; i++)
        if (d->features[i].archived == archived && strcmp(d->features[i].project, project) == 0)
            n++;
    return n;
}

static size_t member_count(const lt_dataset_t *d, const char *project)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_bindings; i++) {
        if (strcmp(d->bindings[i].project, project) != 0)
            continue;
        bool seen = false; /* bindings are sorted by user: count each user once */
        for (size_t k = 0; k < i && !seen; k++)
            seen = d->bindings[k].user_id == d->bindings[i].user_id &&
                   strcmp(d->bindings[k].project, project) == 0;
        n += !seen;
    }
    return n;
}

static void write_project(lt_buf_t *b, const lt_dataset_t *d, const lt_project_t *p)
{
    bool first = true;
    lt_buf_putc(b, '{');
    lt_json_key(b, &first, "id");
    lt_json_cstr(b, p->id);
    lt_json_key(b, &first, "name");
    lt_json_cstr(b, p->name ? p->name : p->id);
    lt_json_key(b, &first, "description");
    lt_json_cstr_or_null(b, p->description);
    lt_json_key(b, &first, "mode");
    lt_json_cstr(b, p->mode ? p->mode : "open");
    lt_json_key(b, &first, "defaultStickiness");
    lt_json_cstr(b, "default");
    int health = lt_adm_project_health(d, p->id);
    lt_json_key(b, &first, "health");
    lt_json_i64(b, health);
    lt_json_key(b, &first, "technicalDebt");
    lt_json_i64(b, 100 - health);
    lt_json_key(b, &first, "owners");
    lt_adm_write_owners(b, d, p->id);
    lt_json_key(b, &first, "featureCount");
    lt_json_i64(b, (int64_t)feature_count(d, p->id, false));
    lt_json_key(b, &first, "archivedFeatureCount");
    lt_json_i64(b, (int64_t)feature_count(d, p->id, true));
    lt_json_key(b, &first, "memberCount");
    lt_json_i64(b, (int64_t)member_count(d, p->id));
    lt_json_key(b, &first, "createdAt");
    lt_json_time(b, p->created_at);
    lt_json_key(b, &first, "updatedAt");
    lt_buf_puts(b, "null");
    lt_json_key(b, &first, "archivedAt");
    lt_buf_puts(b, "null");
    lt_json_key(b, &first, "favorite");
    lt_json_bool(b, false);
    lt_json_key(b, &first, "environments");
    lt_buf_putc(b, '[');
    bool any = false;
    for (size_t i = 0; i < d->n_envs; i++) {
        if (!lt_dataset_project_has_env(d, p->id, d->envs[i].name))
            continue;
        if (any)
            lt_buf_putc(b, ',');
        lt_buf_puts(b, "{\"environment\":");
        lt_json_cstr(b, d->envs[i].name);
        lt_buf_putc(b, '}');
        any = true;
    }
    lt_buf_putc(b, ']');
}

static void api_projects(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"projects\":[");
    for (size_t i = 0; i < d->n_projects; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_project(&b, d, &d->projects[i]);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void api_project(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *id = lt_adm_param(p, "projectId");
    const lt_project_t *proj = lt_dataset_project(d, id);
    if (!proj) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find project with id %s", id);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_project(&b, d, proj);
    lt_buf_puts(&b, ",\"version\":1,\"members\":");
    lt_json_i64(&b, (int64_t)member_count(d, id));
    lt_buf_puts(&b, ",\"features\":[");
    bool any = false;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived || strcmp(f->project, id) != 0)
            continue;
        if (any)
            lt_buf_putc(&b, ',');
        lt_adm_write_feature_summary(&b, d, f);
        any = true;
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* ---------- projects: writes ---------- */

static char *project_json(lt_arena_t *a, const lt_dataset_t *d, const lt_project_t *p)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"id\":");
    lt_json_cstr(&b, p->id);
    lt_buf_puts(&b, ",\"name\":");
    lt_json_cstr(&b, p->name ? p->name : p->id);
    lt_buf_puts(&b, ",\"description\":");
    lt_json_cstr_or_null(&b, p->description);
    lt_buf_puts(&b, ",\"mode\":");
    lt_json_cstr(&b, p->mode ? p->mode : "open");
    lt_buf_puts(&b, ",\"defaultStickiness\":\"default\"");
    if (d) {
        lt_buf_puts(&b, ",\"environments\":[");
        bool any = false;
        for (size_t i = 0; i < d->n_envs; i++) {
            if (!d->envs[i].enabled)
                continue;
            if (any)
                lt_buf_putc(&b, ',');
            lt_json_cstr(&b, d->envs[i].name);
            any = true;
        }
        lt_buf_putc(&b, ']');
    }
    lt_buf_putc(&b, '}');
    return lt_adm_buf_arena(a, &b);
}

/* Validate name/description/mode of a create or update body into p. */
static int project_fields(lt_adm_wctx_t *c, lt_project_t *p, lt_write_t *w)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c->body, "name");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(c->body, "description");
    const cJSON *mode = cJSON_GetObjectItemCaseSensitive(c->body, "mode");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return lt_write_fail(w, 400, "ValidationError", "\"name\" is required");
    if (strlen(name->valuestring) > 100)
        return lt_write_fail(w, 400, "ValidationError",
                             "\"name\" must be at most 100 characters long");
    if (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc))
        return lt_write_fail(w, 400, "ValidationError", "\"description\" must be a string");
    if (mode && !(cJSON_IsString(mode) && (strcmp(mode->valuestring, "open") == 0 ||
                                           strcmp(mode->valuestring, "protected") == 0 ||
                                           strcmp(mode->valuestring, "private") == 0)))
        return lt_write_fail(w, 400, "ValidationError",
                             "\"mode\" must be one of [open, protected, private]");
    p->name = lt_arena_strdup(c->a, name->valuestring);
    if (desc)
        p->description = cJSON_IsString(desc) && desc->valuestring[0]
                             ? lt_arena_strdup(c->a, desc->valuestring)
                             : NULL;
    if (mode)
        p->mode = lt_arena_strdup(c->a, mode->valuestring);
    return LT_OK;
}

static int do_project_create(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_project_t p = {0};
    const char *id = lt_adm_str(c->body, "id");
    const cJSON *idj = cJSON_GetObjectItemCaseSensitive(c->body, "id");
    if (idj && !cJSON_IsString(idj))
        return lt_write_fail(w, 400, "ValidationError", "\"id\" must be a string");
    if (!id) /* as Unleash: the id defaults to the name when that is URL friendly */
        id = lt_adm_str(c->body, "name");
    if (!id || !lt_model_scope_id_ok(id))
        return lt_write_fail(w, 400, "ValidationError",
                             "\"id\" must be 1 to 100 letters, digits, '-', '_' or '~' (no '*', "
                             "':', '.', '[', ']', ',' or white space: token strings use them)");
    if (project_fields(c, &p, w) != LT_OK)
        return LT_EINVAL;
    p.id = lt_arena_strdup(c->a, id);
    p.mode = p.mode ? p.mode : "open";
    p.created_at = lt_now_ms();
    if (lt_dataset_project(d, p.id))
        return lt_write_fail(w, 409, "NameExistsError", "A project with id %s already exists",
                             p.id);
    c->project = p.id;
    c->reply = project_json(c->a, d, &p);
    lt_event_t ev = lt_adm_wctx_event(c, "project-created");
    ev.data = c->reply;
    return lt_store_project_create(s, &p, c->who.user ? c->who.user->id : 0, &ev);
}

static int do_project_update(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_project_t *old = lt_dataset_project(d, c->project);
    if (!old)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find project with id %s",
                             c->project);
    const cJSON *idj = cJSON_GetObjectItemCaseSensitive(c->body, "id");
    if (cJSON_IsString(idj) && strcmp(idj->valuestring, c->project) != 0)
        return lt_write_fail(w, 400, "BadDataError", "The id of a project can not change");
    lt_project_t p = *old;
    if (project_fields(c, &p, w) != LT_OK)
        return LT_EINVAL;
    lt_event_t ev = lt_adm_wctx_event(c, "project-updated");
    ev.data = project_json(c->a, NULL, &p);
    ev.pre_data = project_json(c->a, NULL, old);
    return lt_store_project_put(s, &p, &ev);
}

static int do_project_delete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_project_t *old = lt_dataset_project(d, c->project);
    if (!old)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find project with id %s",
                             c->project);
    if (strcmp(c->project, "default") == 0)
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You can not delete the default project!");
    if (feature_count(d, c->project, false))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You can not delete a project with active feature flags");
    if (feature_count(d, c->project, true))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You can not delete a project with archived feature flags: delete "
                             "them from the archive first");
    lt_event_t ev = lt_adm_wctx_event(c, "project-deleted");
    ev.pre_data = project_json(c->a, NULL, old);
    return lt_store_project_delete(s, c->project, &ev);
}

static void api_project_create(lt_req_t *r, const lt_params_t *p)
{
    lt_adm_wctx_t c = {.a = lt_req_arena(r)};
    c.who = lt_adm_ctx(r)->who;
    c.body = lt_adm_ctx(r)->body;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, do_project_create, &w) == LT_OK) {
        lt_reply_header(r, "Location", c.project);
        lt_reply_json(r, 201, c.reply);
    }
}

/* ---------- environments of a project ---------- */

static int do_project_env_add(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_dataset_project(d, c->project))
        return lt_write_fail(w, 404, "NotFoundError", "Could not find project with id %s",
                             c->project);
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(c->body, "environment");
    if (!cJSON_IsString(e) || !e->valuestring[0])
        return lt_write_fail(w, 400, "ValidationError", "\"environment\" is required");
    if (!lt_dataset_env(d, e->valuestring))
        return lt_write_fail(w, 400, "BadDataError", "Environment %s does not exist",
                             e->valuestring);
    if (lt_dataset_project_has_env(d, c->project, e->valuestring))
        return lt_write_fail(w, 409, "NameExistsError", "%s already has the environment %s enabled",
                             c->project, e->valuestring);
    c->env = lt_arena_strdup(c->a, e->valuestring);
    lt_event_t ev = lt_adm_wctx_event(c, "project-environment-added");
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"environment\":");
    lt_json_cstr(&b, c->env);
    lt_buf_putc(&b, '}');
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_project_env_set(s, c->project, c->env, true, &ev);
}

static int do_project_env_remove(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_dataset_project(d, c->project))
        return lt_write_fail(w, 404, "NotFoundError", "Could not find project with id %s",
                             c->project);
    if (!lt_dataset_project_has_env(d, c->project, c->env))
        return lt_write_fail(w, 404, "NotFoundError", "Could not find environment %s in project %s",
                             c->env, c->project);
    lt_event_t ev = lt_adm_wctx_event(c, "project-environment-removed");
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"environment\":");
    lt_json_cstr(&b, c->env);
    lt_buf_putc(&b, '}');
    ev.pre_data = lt_adm_buf_arena(c->a, &b);
    return lt_store_project_env_remove(s, c->project, c->env, &ev);
}

LT_ADM_WRITE(api_project_update, do_project_update, 200, .reply = NULL)
LT_ADM_WRITE(api_project_delete, do_project_delete, 200, .reply = NULL)
LT_ADM_WRITE(api_project_env_add, do_project_env_add, 200, .reply = NULL)
LT_ADM_WRITE(api_project_env_remove, do_project_env_remove, 200, .reply = NULL)

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_projects[] = {
    ROUTE(LT_GET, "/api/admin/projects", api_projects, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/projects", api_project_create, LT_PERM("CREATE_PROJECT"),
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/projects/:projectId", api_project, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/projects/:projectId", api_project_update, LT_PERM("UPDATE_PROJECT"),
          LT_IN_PROJECT, LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/projects/:projectId", api_project_delete,
          LT_PERM("DELETE_PROJECT"), LT_IN_PROJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/environments", api_project_env_add,
          LT_PERM("UPDATE_PROJECT"), LT_IN_PROJECT, LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/projects/:projectId/environments/:environment",
          api_project_env_remove, LT_PERM("UPDATE_PROJECT"), LT_IN_PROJECT),
    {0},
};
