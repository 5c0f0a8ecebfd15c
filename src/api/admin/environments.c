/*
 * environments.c: the admin API for environments (list, get, the ones of a project, create,
 * update, on/off, sort order, delete). Writes go through lt_admin_write and store one event
 * each.
 */
#include <stdio.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

/* ---------- environments ---------- */

static size_t env_project_count(const lt_dataset_t *d, const char *env)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_project_envs; i++)
        n += strcmp(d->project_envs[i].environment, env) == 0;
    return n;
}

static size_t env_token_count(const lt_dataset_t *d, const char *env, const char *project)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_tokens; i++) {
        const lt_token_t *t = &d->tokens[i];
        if (t->type == LT_TOKEN_ADMIN || t->type == LT_TOKEN_PAT ||
            strcmp(t->environment, env) != 0)
            continue;
        if (project && !lt_token_has_project(t, project))
            continue;
        n++;
    }
    return n;
}

static size_t env_enabled_count(const lt_dataset_t *d, const char *env, const char *project)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        /* as Unleash counts: every enabled flag environment, archived flags' too */
        if (project && strcmp(f->project, project) != 0)
            continue;
        const lt_feature_env_t *fe = lt_feature_env(f, env);
        n += fe && fe->enabled && lt_dataset_project_has_env(d, f->project, env);
    }
    return n;
}

/* {name, type, enabled, protected, sortOrder} (no closing brace). */
static void write_env_open(lt_buf_t *b, const lt_environment_t *e)
{
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, e->name);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, e->type);
    lt_buf_puts(b, ",\"enabled\":");
    lt_json_bool(b, e->enabled);
    lt_buf_printf(b, ",\"protected\":false,\"sortOrder\":%d", e->sort_order);
}

static char *env_json(lt_arena_t *a, const lt_environment_t *e)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_env_open(&b, e);
    lt_buf_putc(&b, '}');
    return lt_adm_buf_arena(a, &b);
}

static void api_environments(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"environments\":[");
    for (size_t i = 0; i < d->n_envs; i++) {
        const lt_environment_t *e = &d->envs[i];
        if (i)
            lt_buf_putc(&b, ',');
        write_env_open(&b, e);
        lt_buf_printf(&b, ",\"projectCount\":%zu,\"apiTokenCount\":%zu,\"enabledToggleCount\":%zu}",
                      env_project_count(d, e->name), env_token_count(d, e->name, NULL),
                      env_enabled_count(d, e->name, NULL));
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void api_environment(lt_req_t *r, const lt_params_t *p)
{
    const char *name = lt_adm_param(p, "name");
    const lt_environment_t *e = lt_dataset_env(&lt_req_snapshot(r)->data, name);
    if (!e) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find environment with name %s", name);
        return;
    }
    lt_reply_json(r, 200, env_json(lt_req_arena(r), e));
}

static void api_project_environments(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *project = lt_adm_param(p, "projectId");
    if (!lt_dataset_project(d, project)) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find project with id %s", project);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"environments\":[");
    for (size_t i = 0; i < d->n_envs; i++) {
        const lt_environment_t *e = &d->envs[i];
        if (i)
            lt_buf_putc(&b, ',');
        write_env_open(&b, e);
        lt_buf_printf(&b, ",\"projectApiTokenCount\":%zu,\"projectEnabledToggleCount\":%zu",
                      env_token_count(d, e->name, project), env_enabled_count(d, e->name, project));
        lt_buf_puts(&b, ",\"visible\":");
        lt_json_bool(&b, lt_dataset_project_has_env(d, project, e->name));
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* type and sortOrder of a create/update body into e. */
static int env_fields(lt_adm_wctx_t *c, lt_environment_t *e, bool need_type, lt_write_t *w)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(c->body, "type");
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(c->body, "sortOrder");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(c->body, "enabled");
    if ((type || need_type) &&
        !(cJSON_IsString(type) && type->valuestring[0] && strlen(type->valuestring) <= 100))
        return lt_write_fail(w, 400, "ValidationError", "\"type\" is required (a string)");
    int64_t so_v = 0;
    if (so && !(cJSON_IsNumber(so) &&
                lt_double_to_i64(so->valuedouble, INT_MIN, INT_MAX, &so_v) == LT_OK))
        return lt_write_fail(w, 400, "ValidationError", "\"sortOrder\" must be an integer");
    if (en && !cJSON_IsBool(en))
        return lt_write_fail(w, 400, "ValidationError", "\"enabled\" must be a boolean");
    if (type)
        e->type = lt_arena_strdup(c->a, type->valuestring);
    if (so)
        e->sort_order = (int)so_v;
    if (en)
        e->enabled = cJSON_IsTrue(en);
    return LT_OK;
}

static int do_env_create(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const char *name = lt_adm_str(c->body, "name");
    if (!name || !lt_model_scope_id_ok(name))
        return lt_write_fail(w, 400, "ValidationError",
                             "\"name\" must be 1 to 100 letters, digits, '-', '_' or '~' (no "
                             "'*', ':', '.', '[', ']', ',' or white space: token strings use them)");
    lt_environment_t e = {.name = lt_arena_strdup(c->a, name), .enabled = true};
    int max = 0;
    for (size_t i = 0; i < d->n_envs; i++)
        max = d->envs[i].sort_order > max ? d->envs[i].sort_order : max;
    e.sort_order = max + 1;
    if (env_fields(c, &e, true, w) != LT_OK)
        return LT_EINVAL;
    if (lt_dataset_env(d, name))
        return lt_write_fail(w, 409, "NameExistsError", "Environment %s already exists", name);
    c->env = e.name;
    c->reply = env_json(c->a, &e);
    lt_event_t ev = lt_adm_wctx_event(c, "environment-created");
    ev.data = c->reply;
    return lt_store_environment_put(s, &e, &ev);
}

static int do_env_update(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_environment_t *old = lt_dataset_env(&snap->data, c->env);
    if (!old)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find environment %s", c->env);
    lt_environment_t e = *old;
    if (c->body) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(c->body, "name");
        if (cJSON_IsString(n) && strcmp(n->valuestring, c->env) != 0)
            return lt_write_fail(w, 400, "BadDataError",
                                 "The name of an environment can not "
                                 "change");
        if (env_fields(c, &e, false, w) != LT_OK)
            return LT_EINVAL;
    } else {
        e.enabled = c->on;
    }
    c->reply = env_json(c->a, &e);
    lt_event_t ev = lt_adm_wctx_event(c, "environment-updated");
    ev.data = c->reply;
    ev.pre_data = env_json(c->a, old);
    return lt_store_environment_put(s, &e, &ev);
}

static int do_env_delete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_environment_t *old = lt_dataset_env(&snap->data, c->env);
    if (!old)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find environment %s", c->env);
    if (snap->data.n_envs == 1)
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You can not delete the last environment");
    lt_event_t ev = lt_adm_wctx_event(c, "environment-deleted");
    ev.pre_data = env_json(c->a, old);
    return lt_store_environment_delete(s, c->env, &ev);
}

static int do_env_order(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    size_t n = (size_t)cJSON_GetArraySize(c->body);
    const char **names = lt_arena_calloc(c->a, n + 1, sizeof(*names));
    int *orders = lt_arena_calloc(c->a, n + 1, sizeof(*orders));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, c->body)
    {
        int64_t order = 0;
        if (!cJSON_IsNumber(it) ||
            lt_double_to_i64(it->valuedouble, INT_MIN, INT_MAX, &order) != LT_OK)
            return lt_write_fail(w, 400, "ValidationError", "\"%s\" must be an integer",
                                 it->string);
        if (!lt_dataset_env(&snap->data, it->string))
            return lt_write_fail(w, 404, "NotFoundError", "Could not find environment %s",
                                 it->string);
        names[k] = it->string;
        orders[k++] = (int)order;
    }
    lt_event_t ev = lt_adm_wctx_event(c, "environment-updated");
    char *txt = cJSON_PrintUnformatted(c->body);
    ev.data = lt_arena_strdup(c->a, txt ? txt : "{}");
    cJSON_free(txt);
    return lt_store_environments_order(s, names, orders, k, &ev);
}

LT_ADM_WRITE(api_env_create, do_env_create, 201, .reply = NULL)
LT_ADM_WRITE(api_env_update, do_env_update, 200, .env = lt_adm_param(p, "name"))
LT_ADM_WRITE(api_env_on, do_env_update, 204, .env = lt_adm_param(p, "name"), .on = true)
LT_ADM_WRITE(api_env_off, do_env_update, 204, .env = lt_adm_param(p, "name"), .on = false)
LT_ADM_WRITE(api_env_delete, do_env_delete, 200, .env = lt_adm_param(p, "name"))
LT_ADM_WRITE(api_env_order, do_env_order, 200, .reply = NULL)

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_environments[] = {
    ROUTE(LT_GET, "/api/admin/environments", api_environments, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/environments", api_env_create, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_PUT, "/api/admin/environments/sort-order", api_env_order, LT_PERM("ADMIN"),
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/environments/project/:projectId", api_project_environments,
          LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/environments/update/:name", api_env_update, LT_PERM("ADMIN"),
          LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/environments/:name/on", api_env_on, LT_PERM("ADMIN")),
    ROUTE(LT_POST, "/api/admin/environments/:name/off", api_env_off, LT_PERM("ADMIN")),
    ROUTE(LT_GET, "/api/admin/environments/:name", api_environment, LT_AUTHENTICATED),
    ROUTE(LT_DELETE, "/api/admin/environments/:name", api_env_delete, LT_PERM("ADMIN")),
    {0},
};
