/*
 * service_accounts.c: service accounts in the open build, in Unleash's shape
 * (/api/admin/service-account): users that cannot log in (no password, ever; the user-admin
 * routes do not address them), with a root role like any user, acting through their own
 * tokens (`user:` PATs, written by pats.c: scoped, rotated and listed as any PAT). ADMIN only.
 */
#include "../../base/util.h"
#include "../../model/dataset.h"
#include "../api.h"
#include "../user_ops.h"
#include "admin_int.h"

/* The service account the path names, or NULL after a 404. */
static const lt_user_t *path_account(lt_req_t *r, const char *value)
{
    int64_t id = 0;
    const lt_user_t *u =
        lt_adm_parse_id(value, &id) ? lt_access_user(&lt_req_snapshot(r)->data, id) : NULL;
    if (u && u->service)
        return u;
    lt_reply_error(r, 404, "NotFoundError", "No service account found with id %.20s.", value);
    return NULL;
}

static void accounts_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"serviceAccounts\":[");
    bool first = true;
    for (size_t i = 0; i < d->n_users; i++) {
        if (!d->users[i].service)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_adm_write_user(&b, &d->users[i], 0);
    }
    lt_buf_puts(&b, "],\"rootRoles\":[");
    first = true;
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

typedef struct {
    const lt_principal_t *who;
    lt_user_t user; /* id 0: a new account */
    const cJSON *root_role;
    lt_user_change_t change;
    bool remove;
    int64_t out_id;
} account_write_t;

static int account_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    account_write_t *c = w->ctx;
    const lt_user_t *old = c->user.id ? lt_access_user(&snap->data, c->user.id) : NULL;
    if (c->user.id && (!old || !old->service))
        return lt_write_fail(w, 404, "NotFoundError", "No service account found with id %lld.",
                             (long long)c->user.id);
    if (c->remove)
        return lt_user_delete(store, old, c->who);
    if (c->root_role) {
        c->user.root_role = lt_adm_root_role_of(&snap->data, c->root_role);
        if (!c->user.root_role)
            return lt_write_fail(w, 400, "BadDataError",
                                 "rootRole must name a root role (Admin, Editor, Viewer or a "
                                 "root-custom role) by id or name.");
    }
    if (lt_user_name_taken(&snap->data, &c->user))
        return lt_write_fail(w, 409, "NameExistsError", "User already exists");
    int rc = lt_user_put(store, &snap->data, &c->user, NULL, c->change, c->who, &c->out_id);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "NameExistsError", "User already exists");
    return rc;
}

static void reply_account(lt_req_t *r, int status, int64_t id)
{
    lt_snapshot_t *s;
    const lt_user_t *u = lt_adm_user_now(id, &s);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (u)
        lt_adm_write_user(&b, u, 0);
    lt_snapshot_release(s);
    if (u)
        lt_reply_buf(r, status, LT_JSON_TYPE, &b);
    else {
        lt_buf_dispose(&b);
        lt_reply_error(r, 500, "InternalError", "The service account cannot be read back.");
    }
}

/* name (optional, at most LT_ADM_MAX_FIELD) and, on create, username (required). */
static bool account_fields(lt_req_t *r, const cJSON *body, account_write_t *c, bool create)
{
    bool bad = false;
    const char *name = lt_adm_opt_str(body, "name", LT_ADM_MAX_FIELD, &bad);
    const char *username = lt_adm_opt_str(body, "username", LT_ADM_MAX_FIELD, &bad);
    if (bad) {
        lt_reply_error(r, 400, "ValidationError",
                       "name and username must be strings of at most %d characters.",
                       LT_ADM_MAX_FIELD);
        return false;
    }
    if (create && (!username || !username[0])) {
        lt_reply_error(r, 400, "ValidationError", "username is required.");
        return false;
    }
    if (create && !c->root_role) {
        lt_reply_error(r, 400, "ValidationError", "rootRole is required.");
        return false;
    }
    if (name)
        c->user.name = name;
    if (username && create)
        c->user.username = username;
    return true;
}

static void account_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    cJSON *body = lt_adm_ctx(r)->body;
    account_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = &lt_adm_ctx(r)->who;
    c.change = LT_USER_CREATED;
    c.user.service = true;
    c.root_role = cJSON_GetObjectItemCaseSensitive(body, "rootRole");
    if (!account_fields(r, body, &c, true))
        return;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, account_fn, &w) == LT_OK)
        reply_account(r, 201, c.out_id);
}

static void account_update(lt_req_t *r, const lt_params_t *params)
{
    const lt_user_t *old = path_account(r, params->value[0]);
    if (!old)
        return;
    cJSON *body = lt_adm_ctx(r)->body;
    account_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = &lt_adm_ctx(r)->who;
    c.change = LT_USER_UPDATED;
    c.user = *old;
    c.root_role = cJSON_GetObjectItemCaseSensitive(body, "rootRole");
    if (!account_fields(r, body, &c, false))
        return;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, account_fn, &w) == LT_OK)
        reply_account(r, 200, old->id);
}

static void account_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_user_t *old = path_account(r, params->value[0]);
    if (!old)
        return;
    account_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = &lt_adm_ctx(r)->who;
    c.user.id = old->id;
    c.remove = true;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, account_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* ---------- the account's tokens: PATs of its user (pats.c) ---------- */

static void account_tokens(lt_req_t *r, const lt_params_t *params)
{
    const lt_user_t *u = path_account(r, params->value[0]);
    if (u)
        lt_adm_pats_reply(r, u->id);
}

static void account_token_create(lt_req_t *r, const lt_params_t *params)
{
    const lt_user_t *u = path_account(r, params->value[0]);
    if (u)
        lt_adm_pat_create(r, u->id);
}

static void account_token_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_user_t *u = path_account(r, params->value[0]);
    if (u)
        lt_adm_pat_delete(r, u->id, params->value[1]);
}

static void account_token_rotate(lt_req_t *r, const lt_params_t *params)
{
    const lt_user_t *u = path_account(r, params->value[0]);
    if (u)
        lt_adm_pat_rotate(r, u->id, params->value[1]);
}

#define ROUTE LT_ADM_ROUTE
#define SA "/api/admin/service-account"

const lt_route_t lt_routes_admin_service_accounts[] = {
    ROUTE(LT_GET, SA, accounts_list, LT_PERM("ADMIN")),
    ROUTE(LT_POST, SA, account_create, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_PUT, SA "/:id", account_update, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, SA "/:id", account_delete, LT_PERM("ADMIN")),
    ROUTE(LT_GET, SA "/:id/token", account_tokens, LT_PERM("ADMIN")),
    ROUTE(LT_POST, SA "/:id/token", account_token_create, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, SA "/:id/token/:tokenId", account_token_delete, LT_PERM("ADMIN")),
    ROUTE(LT_POST, SA "/:id/token/:tokenId/rotate", account_token_rotate, LT_PERM("ADMIN"),
          LT_JSON_OBJECT),
    {0},
};
