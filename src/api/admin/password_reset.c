/*
 * password_reset.c: password-reset links as Unleash makes them, without e-mail: an admin asks
 * for one (POST /api/admin/user-admin/reset-password {id: email}) and hands it on; the page it
 * opens checks the token (GET /auth/reset/validate?token=) and sets the password with it (POST
 * /auth/reset/password {token, password}). A token is 32 random bytes shown once in the link,
 * stored as its SHA-256 digest, good once and for 24 hours; a new one ends the user's earlier
 * ones, and setting the password ends the user's sessions. A new user's invite link
 * (users.c) is one such token, opening /new-user.
 */
#include <sodium.h>
#include <stdio.h>
#include <strings.h>

#include "../../auth/session.h"
#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define RESET_TTL_MS (24 * 3600 * 1000LL)
#define RESET_EVERY_MS (60 * 1000LL) /* one new link a minute per user, as Unleash */
#define SECRET_BYTES 32

static const lt_user_t *user_by_email(const lt_dataset_t *d, const char *email)
{
    for (size_t i = 0; email && i < d->n_users; i++)
        if (d->users[i].email && strcasecmp(d->users[i].email, email) == 0)
            return &d->users[i];
    return NULL;
}

void lt_adm_reset_token_new(lt_reset_token_t *t, char secret[LT_ADM_RESET_SECRET_LEN],
                            const lt_principal_t *who)
{
    uint8_t raw[SECRET_BYTES];
    randombytes_buf(raw, sizeof(raw));
    sodium_bin2hex(secret, LT_ADM_RESET_SECRET_LEN, raw, sizeof(raw));
    sodium_memzero(raw, sizeof(raw));
    memset(t, 0, sizeof(*t));
    lt_sha256(secret, strlen(secret), t->digest);
    t->created_by = who->name;
    t->created_at = lt_now_ms();
    t->expires_at = t->created_at + RESET_TTL_MS;
}

void lt_adm_write_reset_url(lt_buf_t *b, lt_req_t *r, const char *page, const char *secret)
{
    lt_str_t host = lt_req_header(r, "Host");
    lt_buf_t url;
    lt_buf_init(&url, 0);
    lt_buf_printf(&url, "%s://%.*s%s%s?token=%s", lt_req_https(r) ? "https" : "http",
                  (int)host.len, host.ptr ? host.ptr : "", lt_ui_base_path(), page, secret);
    lt_json_str(b, url.ptr, url.len);
    sodium_memzero(url.ptr, url.len);
    lt_buf_dispose(&url);
}

typedef struct {
    const lt_principal_t *who;
    const char *email;
    lt_reset_token_t token;
} link_ctx_t;

static int do_reset_link(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    link_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_user_t *u = user_by_email(d, c->email);
    if (!u)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find %s", c->email);
    int64_t now = lt_now_ms();
    for (size_t i = 0; i < d->n_reset_tokens; i++) {
        const lt_reset_token_t *t = &d->reset_tokens[i];
        /* a new user's invite (made just before the user: users.c) is not a reset link, so
         * it does not count, as in Unleash */
        if (t->user_id == u->id && !t->used_at && t->created_at > now - RESET_EVERY_MS &&
            t->created_at > u->created_at)
            return lt_write_fail(w, 429, "RateLimitError",
                                 "You can only send one new reset password email per minute, "
                                 "per user. Please try again later.");
    }
    c->token.user_id = u->id;
    char data[64];
    snprintf(data, sizeof(data), "{\"id\":%lld}", (long long)u->id);
    lt_event_t ev = lt_admin_event(c->who, "user-password-reset-link-created");
    ev.data = data;
    return lt_store_reset_token_create(s, &c->token, &ev);
}

static void api_reset_link(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    const char *email = lt_adm_str(ac->body, "id");
    if (!email || !email[0]) {
        lt_reply_error(r, 400, "ValidationError", "\"id\" is required: the user's email.");
        return;
    }
    link_ctx_t c = {.who = &ac->who, .email = email, .token = {.user_id = 0}};
    char secret[LT_ADM_RESET_SECRET_LEN];
    lt_adm_reset_token_new(&c.token, secret, &ac->who);
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, do_reset_link, &w) == LT_OK) {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"resetPasswordUrl\":");
        lt_adm_write_reset_url(&b, r, "/reset-password", secret);
        lt_buf_putc(&b, '}');
        lt_adm_reply(r, 200, &b);
    }
    sodium_memzero(secret, sizeof(secret));
}

/* The token of secret and its user when the token can still be used, else NULL after Unleash's
 * 401 (unknown or expired) or 403 (used). */
static const lt_reset_token_t *usable(lt_req_t *r, const lt_dataset_t *d, lt_str_t secret,
                                      const lt_user_t **out_user)
{
    uint8_t digest[32];
    lt_sha256(secret.ptr ? secret.ptr : "", secret.len, digest);
    const lt_reset_token_t *t = secret.len ? lt_dataset_reset_token(d, digest) : NULL;
    const lt_user_t *u = t ? lt_access_user(d, t->user_id) : NULL;
    if (t && u && t->used_at) {
        char at[32];
        lt_time_format(t->used_at, at);
        lt_reply_error(r, 403, "UsedTokenError", "Token was already used at %s", at);
        return NULL;
    }
    if (!t || !u || t->expires_at <= lt_now_ms()) {
        lt_reply_error(r, 401, "InvalidTokenError", "Token was not valid");
        return NULL;
    }
    *out_user = u;
    return t;
}

static void api_reset_validate(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_str_t secret = lt_req_query(r, "token");
    const lt_user_t *u;
    const lt_reset_token_t *t = usable(r, d, secret, &u);
    if (!t)
        return;
    const lt_role_t *role = lt_access_role(d, u->root_role);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"token\":");
    lt_json_str(&b, secret.ptr, secret.len);
    lt_buf_puts(&b, ",\"createdBy\":");
    lt_json_cstr_or_null(&b, t->created_by);
    lt_buf_puts(&b, ",\"email\":");
    lt_json_cstr_or_null(&b, u->email);
    lt_buf_puts(&b, ",\"name\":");
    lt_json_cstr_or_null(&b, u->name);
    lt_buf_printf(&b, ",\"id\":%lld,\"role\":{\"id\":%lld", (long long)u->id,
                  (long long)u->root_role);
    lt_buf_puts(&b, ",\"description\":");
    lt_json_cstr_or_null(&b, role ? role->description : NULL);
    lt_buf_puts(&b, ",\"type\":");
    lt_json_cstr_or_null(&b, role ? role->type : NULL);
    lt_buf_puts(&b, ",\"name\":");
    lt_json_cstr_or_null(&b, role ? role->name : NULL);
    lt_buf_puts(&b, "}}");
    lt_adm_reply(r, 200, &b);
}

typedef struct {
    uint8_t digest[32];
    int64_t user_id;
    const char *hash;
} reset_ctx_t;

static int do_password_reset(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    reset_ctx_t *c = w->ctx;
    const lt_user_t *u = lt_access_user(&snap->data, c->user_id);
    if (!u)
        return lt_write_fail(w, 401, "InvalidTokenError", "Token was not valid");
    lt_event_t ev = {.type = "user-password-changed",
                     .created_by = u->email ? u->email : u->username,
                     .created_by_user_id = u->id};
    char data[64];
    snprintf(data, sizeof(data), "{\"id\":%lld,\"resetLink\":true}", (long long)u->id);
    ev.data = data;
    int rc = lt_store_password_reset(s, c->digest, u, c->hash, &ev);
    if (rc == LT_EINVAL) /* used or expired since the check */
        return lt_write_fail(w, 401, "InvalidTokenError", "Token was not valid");
    return rc;
}

static void api_reset_password(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    cJSON *body = lt_adm_ctx(r)->body;
    const char *token = lt_adm_str(body, "token");
    const char *password = lt_adm_str(body, "password");
    const lt_user_t *u = NULL;
    reset_ctx_t c = {.user_id = 0, .hash = NULL};
    if (!token || !password) {
        lt_reply_error(r, 400, "ValidationError", "\"token\" and \"password\" are required.");
        goto done;
    }
    /* the token first (cheap), so a stranger cannot make us hash */
    lt_str_t secret = {token, strlen(token)};
    if (!usable(r, &lt_req_snapshot(r)->data, secret, &u))
        goto done;
    c.user_id = u->id;
    lt_sha256(token, strlen(token), c.digest);
    if (!(c.hash = lt_adm_hash_password(r, password)))
        goto done;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, do_password_reset, &w) == LT_OK) {
        lt_session_end_user(c.user_id);
        lt_reply_empty(r, 200);
    }
done:
    if (password)
        sodium_memzero((void *)(uintptr_t)password, strlen(password));
    if (token)
        sodium_memzero((void *)(uintptr_t)token, strlen(token));
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_password_reset[] = {
    ROUTE(LT_POST, "/api/admin/user-admin/reset-password", api_reset_link, LT_PERM("ADMIN"),
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/auth/reset/validate", api_reset_validate, LT_PUBLIC),
    ROUTE(LT_POST, "/auth/reset/password", api_reset_password, LT_PUBLIC, LT_JSON_OBJECT),
    {0},
};
