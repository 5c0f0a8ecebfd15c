/*
 * roles.c: the admin API for roles (root and project roles, built-in and custom), the list of
 * permissions, and the project role bindings of users (UNLEASH-API.md §6.1, §6.8).
 */
#include <ctype.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define MAX_ROLE_PERMS 200

static bool is_builtin(const lt_role_t *r)
{
    return strcmp(r->type, "root") == 0 || strcmp(r->type, "project") == 0;
}

void lt_adm_write_role(lt_buf_t *b, const lt_role_t *r, bool with_perms)
{
    lt_buf_printf(b, "{\"id\":%lld,\"name\":", (long long)r->id);
    lt_json_cstr(b, r->name);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, r->description);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, r->type);
    if (with_perms) {
        lt_buf_puts(b, ",\"permissions\":[");
        for (size_t i = 0; i < r->n_perms; i++) {
            if (i)
                lt_buf_putc(b, ',');
            lt_buf_puts(b, "{\"name\":");
            lt_json_cstr(b, r->perms[i].permission);
            if (r->perms[i].environment) {
                lt_buf_puts(b, ",\"environment\":");
                lt_json_cstr(b, r->perms[i].environment);
            }
            if (r->perms[i].project) {
                lt_buf_puts(b, ",\"project\":");
                lt_json_cstr(b, r->perms[i].project);
            }
            lt_buf_putc(b, '}');
        }
        lt_buf_putc(b, ']');
    }
    lt_buf_putc(b, '}');
}

/* ---------- roles and permissions ---------- */

static void roles_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"roles\":[");
    for (size_t i = 0; i < d->n_roles; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_adm_write_role(&b, &d->roles[i], false);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static const lt_role_t *role_param(lt_req_t *r, const char *s)
{
    int64_t id;
    const lt_role_t *role =
        lt_adm_parse_id(s, &id) ? lt_access_role(&lt_req_snapshot(r)->data, id) : NULL;
    if (!role)
        lt_reply_error(r, 404, "NotFoundError", "Could not find role with id %.20s.", s);
    return role;
}

static void role_get(lt_req_t *r, const lt_params_t *params)
{
    const lt_role_t *role = role_param(r, params->value[0]);
    if (!role)
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_role(&b, role, true);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

typedef struct {
    const lt_principal_t *who;
    lt_role_t role; /* id 0: new */
    const char *event;
    int64_t out_id;
} role_write_t;

static void write_role_data(lt_buf_t *b, const lt_role_t *role)
{
    lt_role_t copy = *role;
    lt_adm_write_role(b, &copy, true);
}

static int role_put_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    role_write_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_role_t *old = c->role.id ? lt_access_role(d, c->role.id) : NULL;
    if (c->role.id && !old)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find role with id %lld.",
                             (long long)c->role.id);
    if (old && is_builtin(old))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You cannot change the built-in role %s.", old->name);
    const lt_role_t *same = lt_access_role_named(d, c->role.name);
    if (same && same->id != c->role.id)
        return lt_write_fail(w, 409, "NameExistsError",
                             "There already exists a role with the name %.100s.", c->role.name);
    for (size_t i = 0; i < c->role.n_perms; i++) {
        const char *env = c->role.perms[i].environment;
        if (env && !lt_dataset_env(d, env))
            return lt_write_fail(w, 400, "BadDataError", "Environment=%.100s does not exist", env);
    }
    lt_buf_t data, pre;
    lt_buf_init(&data, 0);
    lt_buf_init(&pre, 0);
    write_role_data(&data, &c->role);
    if (old)
        write_role_data(&pre, old);
    lt_event_t ev = lt_admin_event(c->who, c->event);
    ev.data = data.ptr;
    ev.pre_data = old ? pre.ptr : NULL;
    int rc = lt_store_role_put(store, &c->role, &ev, &c->out_id);
    lt_buf_dispose(&data);
    lt_buf_dispose(&pre);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "NameExistsError",
                             "There already exists a role with the name %.100s.", c->role.name);
    return rc;
}

/* Parse {name, description?, type, permissions:[{name|permission, environment?}]}. */
static bool role_fields(lt_req_t *r, const cJSON *body, lt_role_t *role)
{
    bool bad = false;
    role->name = lt_adm_opt_str(body, "name", LT_ADM_MAX_FIELD, &bad);
    role->description = lt_adm_opt_str(body, "description", LT_ADM_MAX_FIELD, &bad);
    role->type = lt_adm_opt_str(body, "type", LT_ADM_MAX_FIELD, &bad);
    if (bad || !role->name || !role->name[0] || strlen(role->name) > 100) {
        lt_reply_error(r, 400, "ValidationError", "name is required: 1 to 100 characters.");
        return false;
    }
    if (!role->type)
        role->type = "root-custom";
    if (strcmp(role->type, "root-custom") != 0 && strcmp(role->type, "custom") != 0) {
        lt_reply_error(r, 400, "ValidationError",
                       "type must be root-custom (a root role) or custom (a project role).");
        return false;
    }
    bool project_role = strcmp(role->type, "custom") == 0;
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(body, "permissions");
    int n = perms ? (cJSON_IsArray(perms) ? cJSON_GetArraySize(perms) : -1) : 0;
    if (n < 0 || n > MAX_ROLE_PERMS) {
        lt_reply_error(r, 400, "ValidationError",
                       "permissions must be a list of at most %d permissions.", MAX_ROLE_PERMS);
        return false;
    }
    role->perms = lt_arena_calloc(lt_req_arena(r), (size_t)n + 1, sizeof(*role->perms));
    role->n_perms = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, perms)
    {
        const char *name = NULL, *env = NULL;
        if (cJSON_IsString(it)) {
            name = it->valuestring;
        } else if (cJSON_IsObject(it)) {
            name = lt_adm_opt_str(it, "name", LT_ADM_MAX_FIELD, &bad);
            if (!name)
                name = lt_adm_opt_str(it, "permission", LT_ADM_MAX_FIELD, &bad);
            env = lt_adm_opt_str(it, "environment", LT_ADM_MAX_FIELD, &bad);
        }
        if (bad || !lt_permission_known(name)) {
            lt_reply_error(r, 400, "ValidationError", "Unknown permission %.60s.",
                           name ? name : "(none)");
            return false;
        }
        if (strcmp(name, "ADMIN") == 0) {
            lt_reply_error(r, 400, "ValidationError",
                           "ADMIN cannot be part of a custom role; give the user the Admin root "
                           "role instead.");
            return false;
        }
        if (project_role && !lt_permission_is_project(name)) {
            lt_reply_error(r, 400, "ValidationError",
                           "%s is a global permission; a project role can only hold project "
                           "permissions.",
                           name);
            return false;
        }
        if (env && !env[0])
            env = NULL;
        if (env && !lt_permission_is_environment(name)) {
            lt_reply_error(r, 400, "ValidationError",
                           "%s is not granted per environment; remove its environment.", name);
            return false;
        }
        bool dup = false;
        for (size_t i = 0; i < role->n_perms; i++)
            dup |= strcmp(role->perms[i].permission, name) == 0 &&
                   ((!env && !role->perms[i].environment) ||
                    (env && role->perms[i].environment &&
                     strcmp(env, role->perms[i].environment) == 0));
        if (!dup)
            role->perms[role->n_perms++] = (lt_perm_t){name, NULL, env};
    }
    return true;
}

static void reply_role(lt_req_t *r, int status, int64_t id)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    const lt_role_t *role = lt_access_role(&s->data, id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (role)
        lt_adm_write_role(&b, role, true);
    lt_snapshot_release(s);
    if (role)
        lt_reply_buf(r, status, LT_JSON_TYPE, &b);
    else {
        lt_buf_dispose(&b);
        lt_reply_error(r, 500, "InternalError", "The role cannot be read back.");
    }
}

static void role_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    role_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.event = "role-created";
    if (role_fields(r, body, &c.role)) {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, role_put_fn, &w) == LT_OK)
            reply_role(r, 201, c.out_id);
    }
}

static void role_update(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const lt_role_t *old = role_param(r, params->value[0]);
    if (!old)
        return;
    cJSON *body = lt_adm_ctx(r)->body;
    role_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.event = "role-updated";
    if (role_fields(r, body, &c.role)) {
        c.role.id = old->id;
        if (strcmp(old->type, c.role.type) != 0 && !is_builtin(old)) {
            lt_reply_error(r, 400, "ValidationError",
                           "The type of a role cannot change (it is %s).", old->type);
        } else {
            lt_write_t w = {.ctx = &c};
            if (lt_admin_write(r, role_put_fn, &w) == LT_OK)
                reply_role(r, 200, old->id);
        }
    }
}

typedef struct {
    const lt_principal_t *who;
    int64_t id;
} role_delete_t;

static int role_delete_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    role_delete_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_role_t *role = lt_access_role(d, c->id);
    if (!role)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find role with id %lld.",
                             (long long)c->id);
    if (is_builtin(role))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You cannot delete the built-in role %s.", role->name);
    bool used = false;
    for (size_t i = 0; i < d->n_users && !used; i++)
        used = d->users[i].root_role == c->id;
    for (size_t i = 0; i < d->n_bindings && !used; i++)
        used = d->bindings[i].role_id == c->id;
    if (used)
        return lt_write_fail(w, 400, "RoleInUseError",
                             "Role is in use by users. You cannot delete a role that is in use "
                             "without first removing the role from the users.");
    lt_buf_t pre;
    lt_buf_init(&pre, 0);
    write_role_data(&pre, role);
    lt_event_t ev = lt_admin_event(c->who, "role-deleted");
    ev.pre_data = pre.ptr;
    int rc = lt_store_role_delete(store, c->id, &ev);
    lt_buf_dispose(&pre);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 400, "RoleInUseError", "Role is in use by users.");
    return rc;
}

static void role_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const lt_role_t *role = role_param(r, params->value[0]);
    if (!role)
        return;
    role_delete_t c = {p, role->id};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, role_delete_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* "UPDATE_FEATURE_STRATEGY" -> "Update feature strategy" */
static void write_display_name(lt_buf_t *b, const char *perm)
{
    char out[64];
    size_t n = 0;
    for (const char *c = perm; *c && n + 1 < sizeof(out); c++)
        out[n++] = *c == '_' ? ' ' : (char)(c == perm ? *c : tolower((unsigned char)*c));
    lt_json_str(b, out, n);
}

static void write_perm_def(lt_buf_t *b, bool *first, size_t id, const char *perm, const char *type,
                           const char *env)
{
    if (!*first)
        lt_buf_putc(b, ',');
    *first = false;
    lt_buf_printf(b, "{\"id\":%zu,\"name\":", id);
    lt_json_cstr(b, perm);
    lt_buf_puts(b, ",\"displayName\":");
    write_display_name(b, perm);
    lt_buf_printf(b, ",\"type\":\"%s\"", type);
    if (env) {
        lt_buf_puts(b, ",\"environment\":");
        lt_json_cstr(b, env);
    }
    lt_buf_putc(b, '}');
}

static void permissions_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"permissions\":{\"root\":[");
    bool first = true;
    for (size_t i = 0; lt_permissions[i]; i++)
        if (!lt_permission_is_project(lt_permissions[i]))
            write_perm_def(&b, &first, i + 1, lt_permissions[i], "root", NULL);
    lt_buf_puts(&b, "],\"project\":[");
    first = true;
    for (size_t i = 0; lt_permissions[i]; i++)
        if (lt_permission_is_project(lt_permissions[i]) &&
            !lt_permission_is_environment(lt_permissions[i]))
            write_perm_def(&b, &first, i + 1, lt_permissions[i], "project", NULL);
    lt_buf_puts(&b, "],\"environments\":[");
    for (size_t e = 0; e < d->n_envs; e++) {
        if (e)
            lt_buf_putc(&b, ',');
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, d->envs[e].name);
        lt_buf_puts(&b, ",\"permissions\":[");
        first = true;
        for (size_t i = 0; lt_permissions[i]; i++)
            if (lt_permission_is_environment(lt_permissions[i]))
                write_perm_def(&b, &first, i + 1, lt_permissions[i], "environment",
                               d->envs[e].name);
        lt_buf_puts(&b, "]}");
    }
    lt_buf_puts(&b, "]}}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* ---------- project role bindings ---------- */

typedef enum { BIND_ADD, BIND_REMOVE, BIND_SET } bind_op_t;

typedef struct {
    const lt_principal_t *who;
    const char *project;
    int64_t user_id;
    bind_op_t op;
    const int64_t *roles; /* BIND_ADD/REMOVE: one; BIND_SET: the new set */
    size_t n_roles;
} bind_t;

static int bind_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    bind_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_snapshot_has_project(snap, c->project))
        return lt_write_fail(w, 404, "NotFoundError", "Could not find project with id %.100s.",
                             c->project);
    if (!lt_access_user(d, c->user_id))
        return lt_write_fail(w, 404, "NotFoundError", "No user found with id %lld.",
                             (long long)c->user_id);
    for (size_t i = 0; i < c->n_roles; i++) {
        const lt_role_t *role = lt_access_role(d, c->roles[i]);
        if (!role || (strcmp(role->type, "project") != 0 && strcmp(role->type, "custom") != 0))
            return lt_write_fail(w, 400, "BadDataError",
                                 "Role %lld is not a project role (Owner, Member or a custom "
                                 "project role).",
                                 (long long)c->roles[i]);
    }
    /* the user's roles in the project after the change */
    int64_t *set = lt_xcalloc(d->n_bindings + c->n_roles + 1, sizeof(*set));
    size_t n = 0;
    if (c->op != BIND_SET)
        for (size_t i = 0; i < d->n_bindings; i++) {
            const lt_binding_t *bd = &d->bindings[i];
            if (bd->user_id == c->user_id && strcmp(bd->project, c->project) == 0 &&
                !(c->op == BIND_REMOVE && bd->role_id == c->roles[0]))
                set[n++] = bd->role_id;
        }
    for (size_t i = 0; c->op != BIND_REMOVE && i < c->n_roles; i++) {
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= set[k] == c->roles[i];
        if (!dup)
            set[n++] = c->roles[i];
    }
    lt_buf_t data;
    lt_buf_init(&data, 0);
    lt_buf_printf(&data, "{\"userId\":%lld,\"roles\":[", (long long)c->user_id);
    for (size_t i = 0; i < n; i++)
        lt_buf_printf(&data, "%s%lld", i ? "," : "", (long long)set[i]);
    lt_buf_puts(&data, "]}");
    static const char *const types[] = {"project-user-added", "project-user-removed",
                                        "project-access-user-roles-updated"};
    lt_event_t ev = lt_admin_event(c->who, types[c->op]);
    ev.project = c->project;
    ev.data = data.ptr;
    int rc = lt_store_bindings_set(store, c->user_id, c->project, set, n, &ev);
    lt_buf_dispose(&data);
    free(set);
    return rc;
}

static void bind_run(lt_req_t *r, const lt_params_t *params, bind_t *c, const lt_principal_t *p)
{
    c->who = p;
    c->project = params->value[0];
    if (!lt_adm_parse_id(params->value[1], &c->user_id)) {
        lt_reply_error(r, 404, "NotFoundError", "No user found with id %.20s.", params->value[1]);
        return;
    }
    lt_write_t w = {.ctx = c};
    if (lt_admin_write(r, bind_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* Add or remove one binding (decl->op). */
static void bind_one(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    bind_op_t op = (bind_op_t)lt_adm_ctx(r)->decl->op;
    int64_t role;
    if (!lt_adm_parse_id(params->value[2], &role)) {
        lt_reply_error(r, 400, "BadDataError", "The role id must be a positive number.");
        return;
    }
    bind_t c = {.op = op, .roles = &role, .n_roles = 1};
    bind_run(r, params, &c, p);
}

static void bind_set(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(body, "roles");
    int n = cJSON_IsArray(roles) ? cJSON_GetArraySize(roles) : -1;
    if (n < 0 || n > 100) {
        lt_reply_error(r, 400, "ValidationError", "roles must be a list of role ids.");
        return;
    }
    int64_t *ids = lt_arena_calloc(lt_req_arena(r), (size_t)n + 1, sizeof(*ids));
    size_t k = 0;
    const cJSON *it;
    bool bad = false;
    cJSON_ArrayForEach(it, roles)
    {
        if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 1e15)
            bad = true;
        else
            ids[k++] = (int64_t)it->valuedouble;
    }
    if (bad) {
        lt_reply_error(r, 400, "ValidationError", "roles must be a list of role ids.");
        return;
    }
    bind_t c = {.op = BIND_SET, .roles = ids, .n_roles = k};
    bind_run(r, params, &c, p);
}

#define ROUTE LT_ADM_ROUTE
#define BIND "/api/admin/projects/:projectId/users/:userId/roles"

const lt_route_t lt_routes_admin_roles[] = {
    ROUTE(LT_GET, "/api/admin/roles", roles_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/roles", role_create, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/roles/:id", role_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/roles/:id", role_update, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/roles/:id", role_delete, LT_PERM("ADMIN")),
    ROUTE(LT_GET, "/api/admin/permissions", permissions_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, BIND "/:roleId", bind_one, LT_PERM("UPDATE_PROJECT"), LT_IN_PROJECT,
          .op = BIND_ADD),
    ROUTE(LT_DELETE, BIND "/:roleId", bind_one, LT_PERM("UPDATE_PROJECT"), LT_IN_PROJECT,
          .op = BIND_REMOVE),
    ROUTE(LT_PUT, BIND, bind_set, LT_PERM("UPDATE_PROJECT"), LT_IN_PROJECT, LT_JSON_OBJECT),
    {0},
};
