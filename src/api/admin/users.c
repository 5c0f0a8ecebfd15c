/*
 * users.c: the admin API for users (UNLEASH-API.md §6.1): list, get, create, update, delete,
 * change a password. A changed password or a deleted user ends the user's sessions.
 */
#include <ctype.h>
#include <sodium.h>

#include "../../auth/session.h"
#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"
#include "../user_ops.h"

void lt_adm_write_image_url(lt_buf_t *b, const lt_user_t *u)
{
    if (u->email && u->email[0]) {
        /* Gravatar accepts the SHA-256 of the trimmed, lower-cased address */
        char lower[LT_ADM_MAX_FIELD + 1];
        size_t n = 0;
        for (const char *c = u->email; *c && n < LT_ADM_MAX_FIELD; c++)
            lower[n++] = (char)tolower((unsigned char)*c);
        uint8_t d[32];
        lt_sha256(lower, n, d);
        char hex[65];
        lt_hex(d, 32, hex);
        lt_buf_printf(b, "\"https://gravatar.com/avatar/%s?s=42&d=retro&r=g\"", hex);
    } else {
        lt_buf_puts(b, "null");
    }
}

void lt_adm_write_user(lt_buf_t *b, const lt_user_t *u, int64_t seen_override)
{
    lt_buf_printf(b, "{\"id\":%lld,\"name\":", (long long)u->id);
    lt_json_cstr_or_null(b, u->name);
    lt_buf_puts(b, ",\"email\":");
    lt_json_cstr_or_null(b, u->email);
    lt_buf_puts(b, ",\"username\":");
    lt_json_cstr_or_null(b, u->username);
    lt_buf_puts(b, ",\"imageUrl\":");
    lt_adm_write_image_url(b, u);
    lt_buf_puts(b, ",\"seenAt\":");
    lt_json_time(b, seen_override ? seen_override : u->seen_at);
    lt_buf_printf(b, ",\"loginAttempts\":%d,\"createdAt\":", seen_override ? 0 : u->login_attempts);
    lt_json_time(b, u->created_at);
    lt_buf_printf(b, ",\"rootRole\":%lld,\"accountType\":\"%s\",\"isAPI\":false}",
                  (long long)u->root_role, u->service ? "Service Account" : "User");
}


/* The current snapshot holding user id (reloading once when another process just created
 * them). The caller releases *out. The user or NULL. */
const lt_user_t *lt_adm_user_now(int64_t id, lt_snapshot_t **out)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    const lt_user_t *u = lt_access_user(&s->data, id);
    if (!u) {
        lt_snapshot_release(s);
        lt_state_lock();
        lt_state_reload_locked();
        lt_state_unlock();
        s = lt_snapshot_acquire();
        u = lt_access_user(&s->data, id);
    }
    *out = s;
    return u;
}

/* The user of id; a new one's (invite: its link's secret) with Unleash's inviteLink and
 * emailSent (false: latch sends no e-mail). */
static void reply_user_invited(lt_req_t *r, int status, int64_t id, const char *invite)
{
    lt_snapshot_t *s;
    const lt_user_t *u = lt_adm_user_now(id, &s);
    if (!u) {
        lt_snapshot_release(s);
        lt_reply_error(r, 404, "NotFoundError", "No user found with id %lld.", (long long)id);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_user(&b, u, 0);
    lt_snapshot_release(s);
    if (invite) {
        b.len--; /* reopen the object */
        lt_buf_puts(&b, ",\"inviteLink\":");
        lt_adm_write_reset_url(&b, r, "/new-user", invite);
        lt_buf_puts(&b, ",\"emailSent\":false}");
    }
    lt_reply_buf(r, status, LT_JSON_TYPE, &b);
}

static void reply_user(lt_req_t *r, int status, int64_t id)
{
    reply_user_invited(r, status, id, NULL);
}

/* ---------- user admin ---------- */

static void users_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"users\":[");
    bool first_user = true;
    for (size_t i = 0; i < d->n_users; i++) {
        if (d->users[i].service) /* listed under /api/admin/service-account */
            continue;
        if (!first_user)
            lt_buf_putc(&b, ',');
        first_user = false;
        lt_adm_write_user(&b, &d->users[i], 0);
    }
    lt_buf_puts(&b, "],\"rootRoles\":[");
    bool first = true;
    for (size_t i = 0; i < d->n_roles; i++) {
        if (strncmp(d->roles[i].type, "root", 4) != 0)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_adm_write_role(&b, &d->roles[i], false);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* The user the path names (its id in value), or NULL after replying 404. */
static const lt_user_t *path_user(lt_req_t *r, const char *value, int64_t *out_id)
{
    const lt_user_t *u =
        lt_adm_parse_id(value, out_id) ? lt_access_user(&lt_req_snapshot(r)->data, *out_id) : NULL;
    if (u && u->service) /* service accounts have their own routes, and no password */
        u = NULL;
    if (!u)
        lt_reply_error(r, 404, "NotFoundError", "No user found with id %.20s.", value);
    return u;
}

static void user_get(lt_req_t *r, const lt_params_t *params)
{
    int64_t id;
    const lt_user_t *u = path_user(r, params->value[0], &id);
    if (!u)
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_user(&b, u, 0);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* rootRole given as an id or a name; must be a root (or root-custom) role. 0 when invalid. */
int64_t lt_adm_root_role_of(const lt_dataset_t *d, const cJSON *v)
{
    const lt_role_t *role = NULL;
    if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 1e15)
        role = lt_user_root_role(d, NULL, (int64_t)v->valuedouble);
    else if (cJSON_IsString(v))
        role = lt_user_root_role(d, v->valuestring, 0);
    return role ? role->id : 0;
}

typedef struct {
    const lt_principal_t *who;
    lt_user_t user;         /* id 0: a new user */
    const cJSON *root_role; /* from the body, or NULL */
    const char *hash;       /* new password hash, or NULL */
    lt_user_change_t change;
    lt_reset_token_t *invite; /* a new user's invite-link token, or NULL */
    int64_t out_id;
} user_write_t;

static int user_put_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    user_write_t *c = w->ctx;
    if (c->user.id && !lt_access_user(&snap->data, c->user.id))
        return lt_write_fail(w, 404, "NotFoundError", "No user found with id %lld.",
                             (long long)c->user.id);
    if (lt_user_name_taken(&snap->data, &c->user))
        return lt_write_fail(w, 409, "NameExistsError", "User already exists");
    if (c->root_role) {
        c->user.root_role = lt_adm_root_role_of(&snap->data, c->root_role);
        if (!c->user.root_role)
            return lt_write_fail(w, 400, "BadDataError",
                                 "rootRole must name a root role (Admin, Editor, Viewer or a "
                                 "root-custom role) by id or name.");
    }
    int rc = c->invite ? lt_user_create_invited(store, &snap->data, &c->user, c->hash, c->invite,
                                                c->who, &c->out_id)
                       : lt_user_put(store, &snap->data, &c->user, c->hash, c->change, c->who,
                                     &c->out_id);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "NameExistsError", "User already exists");
    return rc;
}

bool lt_adm_user_fields(lt_req_t *r, const cJSON *body, lt_user_t *u)
{
    bool bad = false;
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(body, "name");
    const cJSON *je = cJSON_GetObjectItemCaseSensitive(body, "email");
    const cJSON *ju = cJSON_GetObjectItemCaseSensitive(body, "username");
    const char *name = lt_adm_opt_str(body, "name", LT_ADM_MAX_FIELD, &bad);
    const char *email = lt_adm_opt_str(body, "email", LT_ADM_MAX_FIELD, &bad);
    const char *username = lt_adm_opt_str(body, "username", LT_ADM_MAX_FIELD, &bad);
    if (bad) {
        lt_reply_error(r, 400, "ValidationError",
                       "name, email and username must be strings of at most %d characters.",
                       LT_ADM_MAX_FIELD);
        return false;
    }
    if (jn)
        u->name = name && name[0] ? name : NULL;
    if (je)
        u->email = email && email[0] ? email : NULL;
    if (ju)
        u->username = username && username[0] ? username : NULL;
    if (u->email && (!strchr(u->email, '@') || strpbrk(u->email, " \t\r\n"))) {
        lt_reply_error(r, 400, "ValidationError", "Email is not valid.");
        return false;
    }
    if (u->username && strpbrk(u->username, " \t\r\n")) {
        lt_reply_error(r, 400, "ValidationError", "A username cannot contain white space.");
        return false;
    }
    if (!u->email && !u->username) {
        lt_reply_error(r, 400, "ValidationError", "You must specify username or email.");
        return false;
    }
    return true;
}

/* Hash a password from the body after checking it; NULL (after replying) when refused. */
char *lt_adm_hash_password(lt_req_t *r, const char *password)
{
    char *hash = lt_arena_alloc(lt_req_arena(r), LT_PASSWORD_HASH_MAX);
    const char *why;
    int rc = lt_user_hash_password(password, true, hash, &why);
    if (rc == LT_EINVAL)
        lt_reply_error(r, 400, "OwaspValidationError", "%s", why);
    else if (rc != LT_OK)
        lt_reply_error(r, 500, "InternalError", "The password could not be hashed.");
    return rc == LT_OK ? hash : NULL;
}

static void user_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    user_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.change = LT_USER_CREATED;
    c.root_role = cJSON_GetObjectItemCaseSensitive(body, "rootRole");
    bool bad = false;
    const char *password = lt_adm_opt_str(body, "password", LT_ADM_MAX_FIELD, &bad);
    if (!lt_adm_user_fields(r, body, &c.user))
        goto done;
    if (!c.root_role) {
        lt_reply_error(r, 400, "ValidationError", "rootRole is required.");
        goto done;
    }
    if (bad || (password && password[0] && !(c.hash = lt_adm_hash_password(r, password)))) {
        if (bad)
            lt_reply_error(r, 400, "OwaspValidationError",
                           "The password must be at most 1024 characters long.");
        goto done;
    }
    /* as Unleash: every new user gets an invite link (a password-reset token, opening
     * /new-user), made in the user's transaction; no e-mail is sent */
    lt_reset_token_t invite;
    char secret[LT_ADM_RESET_SECRET_LEN];
    lt_adm_reset_token_new(&invite, secret, p);
    c.invite = &invite;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, user_put_fn, &w) == LT_OK)
        reply_user_invited(r, 201, c.out_id, secret);
    sodium_memzero(secret, sizeof(secret));
done:
    if (password)
        sodium_memzero((void *)(uintptr_t)password, strlen(password));
}

static void user_update(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    int64_t id;
    const lt_user_t *old = path_user(r, params->value[0], &id);
    if (!old)
        return;
    cJSON *body = lt_adm_ctx(r)->body;
    user_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.change = LT_USER_UPDATED;
    c.user = *old;
    c.root_role = cJSON_GetObjectItemCaseSensitive(body, "rootRole");
    if (lt_adm_user_fields(r, body, &c.user)) {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, user_put_fn, &w) == LT_OK)
            reply_user(r, 200, id);
    }
}

typedef struct {
    const lt_principal_t *who;
    int64_t id;
} user_delete_t;

static int user_delete_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    user_delete_t *c = w->ctx;
    const lt_user_t *u = lt_access_user(&snap->data, c->id);
    if (!u)
        return lt_write_fail(w, 404, "NotFoundError", "No user found with id %lld.",
                             (long long)c->id);
    return lt_user_delete(store, u, c->who);
}

static void user_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    user_delete_t c = {p, 0};
    if (!lt_adm_parse_id(params->value[0], &c.id)) {
        lt_reply_error(r, 404, "NotFoundError", "No user found with id %.20s.", params->value[0]);
        return;
    }
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, user_delete_fn, &w) == LT_OK) {
        lt_session_end_user(c.id);
        lt_reply_empty(r, 200);
    }
}

static void user_change_password(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    int64_t id;
    const lt_user_t *old = path_user(r, params->value[0], &id);
    if (!old)
        return;
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(body, "password");
    user_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.change = LT_USER_PASSWORD_CHANGED;
    c.user = *old;
    if (!cJSON_IsString(jp)) {
        lt_reply_error(r, 400, "ValidationError", "password is required.");
    } else if ((c.hash = lt_adm_hash_password(r, jp->valuestring)) != NULL) {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, user_put_fn, &w) == LT_OK) {
            lt_session_end_user(id);
            lt_reply_empty(r, 200);
        }
    }
    if (cJSON_IsString(jp))
        sodium_memzero(jp->valuestring, strlen(jp->valuestring));
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_users[] = {
    ROUTE(LT_GET, "/api/admin/user-admin", users_list, LT_PERM("ADMIN")),
    ROUTE(LT_POST, "/api/admin/user-admin", user_create, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/user-admin/:id", user_get, LT_PERM("ADMIN")),
    ROUTE(LT_PUT, "/api/admin/user-admin/:id", user_update, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/user-admin/:id", user_delete, LT_PERM("ADMIN")),
    ROUTE(LT_POST, "/api/admin/user-admin/:id/change-password", user_change_password,
          LT_PERM("ADMIN"), LT_JSON_OBJECT),
    {0},
};
