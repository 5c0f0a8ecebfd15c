/*
 * profile.c: what a logged-in user does to their own account: change their password
 * (POST /api/admin/user/change-password, Unleash's shape: password, confirmPassword, and the
 * current password as oldPassword, checked here). The change ends the user's sessions, as an
 * administrator's change does: the page then asks them to log in again. Also their profile
 * (GET /api/admin/user/profile) and the password check Unleash's forms call before a change
 * (POST /auth/reset/validate-password, /api/admin/user-admin/validate-password).
 */
#include <sodium.h>

#include "../../auth/session.h"
#include "admin_int.h"
#include "../api.h"
#include "../user_ops.h"

typedef struct {
    const lt_principal_t *who;
    int64_t id;
    const char *hash;
} own_password_t;

static int own_password_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    own_password_t *c = w->ctx;
    const lt_user_t *u = lt_access_user(&snap->data, c->id);
    if (!u)
        return lt_write_fail(w, 404, "NotFoundError", "No user found with id %lld.",
                             (long long)c->id);
    return lt_user_put(store, &snap->data, u, c->hash, LT_USER_PASSWORD_CHANGED, c->who, NULL);
}

/* Is password the current one of user u? Slow (argon2id) on purpose. */
static bool current_password_ok(lt_req_t *r, const lt_user_t *u, const char *password)
{
    lt_user_auth_t ua;
    memset(&ua, 0, sizeof(ua));
    lt_store_t *store = lt_state_store();
    const char *login = u->username ? u->username : u->email;
    return store && login && lt_store_user_auth(store, lt_req_arena(r), login, &ua) == LT_OK &&
           ua.user_id == u->id && ua.password_hash &&
           lt_password_verify(password, ua.password_hash);
}

static void change_own_password(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(body, "password");
    const cJSON *jc = cJSON_GetObjectItemCaseSensitive(body, "confirmPassword");
    const cJSON *jo = cJSON_GetObjectItemCaseSensitive(body, "oldPassword");
    char *hash = lt_arena_alloc(lt_req_arena(r), LT_PASSWORD_HASH_MAX);
    const char *why = NULL;
    if (!p->user) {
        lt_reply_error(r, 400, "BadDataError", "Only a user has a password to change.");
    } else if (!cJSON_IsString(jp) || !cJSON_IsString(jc) || !cJSON_IsString(jo)) {
        lt_reply_error(r, 400, "ValidationError",
                       "password, confirmPassword and oldPassword are required strings.");
    } else if (strlen(jp->valuestring) > 1024 || strlen(jo->valuestring) > 1024) {
        lt_reply_error(r, 400, "OwaspValidationError",
                       "The password must be at most 1024 characters long.");
    } else if (strcmp(jp->valuestring, jc->valuestring) != 0) {
        lt_reply_error(r, 400, "PasswordMismatchError", "Passwords do not match.");
    } else if (!current_password_ok(r, p->user, jo->valuestring)) {
        lt_reply_error(r, 401, "PasswordMismatch", "The current password is not correct.");
    } else {
        int rc = lt_user_hash_password(jp->valuestring, true, hash, &why);
        if (rc == LT_EINVAL) {
            lt_reply_error(r, 400, "OwaspValidationError", "%s", why);
        } else if (rc != LT_OK) {
            lt_reply_error(r, 500, "InternalError", "The password could not be hashed.");
        } else {
            own_password_t c = {p, p->user->id, hash};
            lt_write_t w = {.ctx = &c};
            if (lt_admin_write(r, own_password_fn, &w) == LT_OK) {
                lt_session_end_user(c.id);
                lt_reply_empty(r, 200);
            }
        }
    }
    for (const cJSON *j = body ? body->child : NULL; j; j = j->next)
        if (cJSON_IsString(j))
            sodium_memzero(j->valuestring, strlen(j->valuestring));
}

/* POST /auth/reset/validate-password and /api/admin/user-admin/validate-password: does
 * {password} pass Unleash's rules? 200 empty, or 400 OwaspValidationError with the rule. */
static void validate_password(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(body, "password");
    if (!cJSON_IsString(jp)) {
        lt_reply_error(r, 400, "ValidationError", "\"password\" is required and a string.");
    } else {
        const char *why = lt_password_check(jp->valuestring);
        if (!why) {
            lt_reply_empty(r, 200);
        } else {
            lt_buf_t b;
            lt_buf_init(&b, 0);
            lt_buf_puts(&b, "{\"name\":\"OwaspValidationError\",\"message\":");
            lt_json_cstr(&b, why);
            lt_buf_puts(&b, ",\"details\":[{\"message\":");
            lt_json_cstr(&b, why);
            lt_buf_puts(&b, ",\"validationErrors\":[");
            lt_json_cstr(&b, why);
            lt_buf_puts(&b, "]}]}");
            lt_reply_buf(r, 400, LT_JSON_TYPE, &b);
        }
    }
    if (cJSON_IsString(jp))
        sodium_memzero(jp->valuestring, strlen(jp->valuestring));
}

/* GET /api/admin/user/profile: {rootRole, projects, features}: the user's root role by name,
 * the projects they hold a role in, and (as Unleash's open-source build) no features. */
static void own_profile(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    if (!p->user) {
        lt_reply_error(r, 400, "BadDataError", "Only a user has a profile.");
        return;
    }
    const char *role = "Viewer";
    for (size_t i = 0; i < d->n_roles; i++)
        if (d->roles[i].id == p->user->root_role)
            role = d->roles[i].name;
    const char **projects = lt_arena_calloc(lt_req_arena(r), d->n_bindings + 1, sizeof(*projects));
    size_t n = 0;
    for (size_t i = 0; i < d->n_bindings; i++)
        if (d->bindings[i].user_id == p->user->id)
            lt_adm_set_add(projects, &n, d->bindings[i].project);
    lt_adm_sort_names(projects, n);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"rootRole\":");
    lt_json_cstr(&b, role);
    lt_buf_puts(&b, ",\"projects\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, projects[i]);
    }
    lt_buf_puts(&b, "],\"features\":[]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

const lt_route_t lt_routes_admin_profile[] = {
    LT_ADM_ROUTE(LT_GET, "/api/admin/user/profile", own_profile, LT_AUTHENTICATED),
    LT_ADM_ROUTE(LT_POST, "/auth/reset/validate-password", validate_password, LT_PUBLIC,
                 LT_JSON_OBJECT),
    LT_ADM_ROUTE(LT_POST, "/api/admin/user-admin/validate-password", validate_password,
                 LT_AUTHENTICATED, LT_JSON_OBJECT),
    LT_ADM_ROUTE(LT_POST, "/api/admin/user/change-password", change_own_password, LT_AUTHENTICATED,
                 LT_JSON_OBJECT),
    {0},
};
