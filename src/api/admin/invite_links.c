/*
 * invite_links.c: Unleash's public signup tokens (invite links, docs/ACCESS.md): an admin
 * lists, creates, reads and updates them (ADMIN); anyone holding one checks it
 * (GET /invite/:token/validate) and signs up through it (POST /invite/:token/signup) while it
 * is enabled and unexpired, becoming a user of the token's root role (Viewer). The secret is
 * the path's token and the invite URL's; signups count against the login limit per address.
 */
#include <sodium.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"
#include "../user_ops.h"

#define SECRET_BYTES 16                                /* 32 hex digits, as Unleash draws them */
#define MAX_EXPIRY_MS (31LL * 24 * 60 * 60 * 1000)     /* expiry capped at a month from now */
#define MAX_SIGNUP_TOKENS 1000

/* The token with this secret, or NULL. */
static const lt_signup_token_t *find_token(const lt_dataset_t *d, const char *secret)
{
    for (size_t i = 0; secret && i < d->n_signup_tokens; i++)
        if (strcmp(d->signup_tokens[i].secret, secret) == 0)
            return &d->signup_tokens[i];
    return NULL;
}

static bool token_valid(const lt_signup_token_t *t, int64_t now)
{
    return t && t->enabled && t->expires_at > now;
}

/* Unleash's publicSignupTokenSchema: secret, url, name, enabled, expiresAt, createdAt,
 * createdBy, users (who signed up through it), role. */
static void write_token(lt_buf_t *b, const lt_dataset_t *d, const lt_signup_token_t *t)
{
    lt_buf_puts(b, "{\"secret\":");
    lt_json_cstr(b, t->secret);
    lt_buf_puts(b, ",\"url\":\"");
    lt_buf_puts(b, lt_ui_base_path());
    lt_buf_printf(b, "/new-user?invite=%s\",\"name\":", t->secret);
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"enabled\":");
    lt_json_bool(b, t->enabled);
    lt_buf_puts(b, ",\"expiresAt\":");
    lt_json_time(b, t->expires_at);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, t->created_at);
    lt_buf_puts(b, ",\"createdBy\":");
    lt_json_cstr_or_null(b, t->created_by);
    lt_buf_puts(b, ",\"users\":[");
    bool first = true;
    for (size_t i = 0; i < d->n_signup_users; i++) {
        const lt_signup_user_t *su = &d->signup_users[i];
        const lt_user_t *u = strcmp(su->secret, t->secret) == 0 ? lt_access_user(d, su->user_id)
                                                                 : NULL;
        if (!u)
            continue;
        if (!first)
            lt_buf_putc(b, ',');
        first = false;
        lt_adm_write_user(b, u, 0);
    }
    lt_buf_puts(b, "],\"role\":");
    const lt_role_t *role = lt_access_role(d, t->role_id);
    if (role)
        lt_adm_write_role(b, role, false);
    else
        lt_buf_printf(b, "{\"id\":%lld,\"name\":null,\"type\":null}", (long long)t->role_id);
    lt_buf_putc(b, '}');
}

/* The event data of a token: never its secret (events are no place for one). */
static char *event_data(lt_arena_t *a, const lt_signup_token_t *t)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"name\":");
    lt_json_cstr(&b, t->name);
    lt_buf_puts(&b, ",\"enabled\":");
    lt_json_bool(&b, t->enabled);
    lt_buf_puts(&b, ",\"expiresAt\":");
    lt_json_time(&b, t->expires_at);
    lt_buf_printf(&b, ",\"roleId\":%lld}", (long long)t->role_id);
    return lt_adm_buf_arena(a, &b);
}

/* Does body hold only the members named (Unleash's additionalProperties: false)? Replies 400
 * otherwise. */
static bool only_members(lt_req_t *r, const cJSON *body, const char *const *names)
{
    for (const cJSON *j = body->child; j; j = j->next) {
        bool known = false;
        for (size_t i = 0; names[i] && !known; i++)
            known = strcmp(j->string, names[i]) == 0;
        if (!known) {
            lt_adm_reply_bad_body(r, "/body", "The body has an unknown member \"%.64s\".",
                                  j->string);
            return false;
        }
    }
    return true;
}

/* expiresAt of a body: a date-time capped at a month from now; in the future unless past_ok (an
 * update may end a link at once). false after a 400. */
static bool parse_expiry(lt_req_t *r, const cJSON *body, bool past_ok, int64_t *out)
{
    bool bad = false;
    const char *exp = lt_adm_opt_str(body, "expiresAt", LT_ADM_MAX_FIELD, &bad);
    int64_t now = lt_now_ms();
    if (bad || !exp || lt_time_parse(exp, strlen(exp), out) != LT_OK) {
        lt_adm_reply_bad_body(r, "/body/expiresAt", "expiresAt must be an ISO-8601 date-time.");
        return false;
    }
    if (*out <= now && !past_ok) {
        lt_adm_reply_bad_body(r, "/body/expiresAt", "The expiry date should be in future.");
        return false;
    }
    if (*out > now + MAX_EXPIRY_MS)
        *out = now + MAX_EXPIRY_MS;
    return true;
}

/* ---------- admin: list, get ---------- */

static void tokens_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"tokens\":[");
    for (size_t i = 0; i < d->n_signup_tokens; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_token(&b, d, &d->signup_tokens[i]);
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static void token_get(lt_req_t *r, const lt_params_t *params)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_signup_token_t *t = find_token(d, params->value[0]);
    if (!t) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find public signup token.");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_token(&b, d, t);
    lt_adm_reply(r, 200, &b);
}

/* ---------- admin: create, update ---------- */

typedef struct {
    const lt_principal_t *who;
    lt_arena_t *a;
    lt_signup_token_t token; /* the new one, or the update's fields */
    bool set_expiry, set_enabled;
    char secret[SECRET_BYTES * 2 + 1];
    char *reply;
} token_write_t;

static int token_create_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    token_write_t *c = w->ctx;
    if (snap->data.n_signup_tokens >= MAX_SIGNUP_TOKENS)
        return lt_write_fail(w, 400, "ExceedsLimitError",
                             "There can be at most %d public signup tokens.", MAX_SIGNUP_TOKENS);
    const lt_role_t *viewer = lt_user_root_role(&snap->data, "Viewer", 0);
    c->token.role_id = viewer ? viewer->id : 0;
    if (!viewer)
        return lt_write_fail(w, 500, "InternalError", "There is no Viewer role to sign up as.");
    lt_event_t ev = lt_admin_event(c->who, "public-signup-token-created");
    ev.data = event_data(c->a, &c->token);
    int rc = lt_store_signup_token_put(store, &c->token, true, &ev);
    if (rc == LT_OK) {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        write_token(&b, &snap->data, &c->token);
        c->reply = lt_adm_buf_arena(c->a, &b);
    }
    return rc;
}

static void token_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    static const char *const members[] = {"name", "expiresAt", NULL};
    const cJSON *body = lt_adm_ctx(r)->body;
    token_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = &lt_adm_ctx(r)->who;
    c.a = lt_req_arena(r);
    bool bad = false;
    const char *name = lt_adm_opt_str(body, "name", LT_ADM_MAX_FIELD, &bad);
    if (!only_members(r, body, members))
        return;
    if (bad || !name || !name[0]) {
        lt_adm_reply_bad_body(r, "/body/name", "name is required: a string of 1 to %d characters.",
                              LT_ADM_MAX_FIELD);
        return;
    }
    if (!parse_expiry(r, body, false, &c.token.expires_at))
        return;
    uint8_t raw[SECRET_BYTES];
    randombytes_buf(raw, sizeof(raw));
    lt_hex(raw, sizeof(raw), c.secret);
    c.token.secret = c.secret;
    c.token.name = name;
    c.token.created_by = c.who->name;
    c.token.enabled = true;
    c.token.created_at = lt_now_ms();
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, token_create_fn, &w) != LT_OK)
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, c.reply);
    lt_adm_reply_created(r, "tokens", c.secret, &b);
}

static int token_update_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    token_write_t *c = w->ctx;
    const lt_signup_token_t *old = find_token(&snap->data, c->token.secret);
    if (!old)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find public signup token.");
    lt_signup_token_t t = *old;
    if (c->set_expiry)
        t.expires_at = c->token.expires_at;
    if (c->set_enabled)
        t.enabled = c->token.enabled;
    lt_event_t ev = lt_admin_event(c->who, "public-signup-token-updated");
    ev.data = event_data(c->a, &t);
    ev.pre_data = event_data(c->a, old);
    int rc = lt_store_signup_token_put(store, &t, false, &ev);
    if (rc == LT_OK) {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        write_token(&b, &snap->data, &t);
        c->reply = lt_adm_buf_arena(c->a, &b);
    }
    return rc;
}

static void token_update(lt_req_t *r, const lt_params_t *params)
{
    static const char *const members[] = {"expiresAt", "enabled", NULL};
    const cJSON *body = lt_adm_ctx(r)->body;
    token_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = &lt_adm_ctx(r)->who;
    c.a = lt_req_arena(r);
    c.token.secret = params->value[0];
    if (!only_members(r, body, members))
        return;
    const cJSON *je = cJSON_GetObjectItemCaseSensitive(body, "enabled");
    const cJSON *jx = cJSON_GetObjectItemCaseSensitive(body, "expiresAt");
    if (je && !cJSON_IsBool(je)) {
        lt_adm_reply_bad_body(r, "/body/enabled", "enabled must be true or false.");
        return;
    }
    if (!je && !jx) {
        lt_reply_error(r, 400, "BadDataError", "Give expiresAt or enabled to update a token.");
        return;
    }
    if (jx && !parse_expiry(r, body, true, &c.token.expires_at))
        return;
    c.set_expiry = jx != NULL;
    c.set_enabled = je != NULL;
    c.token.enabled = cJSON_IsTrue(je);
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, token_update_fn, &w) != LT_OK)
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, c.reply);
    lt_adm_reply(r, 200, &b);
}

/* ---------- public: validate, sign up ---------- */

static void invalid_token(lt_req_t *r)
{
    lt_reply_error(r, 400, "BadDataError", "The invite link is not valid (unknown, disabled or "
                                           "expired).");
}

static void invite_validate(lt_req_t *r, const lt_params_t *params)
{
    if (token_valid(find_token(&lt_req_snapshot(r)->data, params->value[0]), lt_now_ms()))
        lt_reply_empty(r, 200);
    else
        invalid_token(r);
}

typedef struct {
    const char *secret;
    lt_user_t user;
    const char *hash;
    int64_t out_id;
} signup_t;

static int signup_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    signup_t *c = w->ctx;
    const lt_signup_token_t *t = find_token(&snap->data, c->secret);
    if (!token_valid(t, lt_now_ms()))
        return lt_write_fail(w, 400, "BadDataError",
                             "The invite link is not valid (unknown, disabled or expired).");
    c->user.root_role = t->role_id;
    int rc = lt_user_signup(store, &snap->data, &c->user, c->hash, t, &c->out_id);
    if (rc == LT_EINVAL) /* Unleash's answer here: 400, where user-admin answers 409 */
        return lt_write_fail(w, 400, "BadDataError", "User already exists");
    return rc;
}

static void invite_signup(lt_req_t *r, const lt_params_t *params)
{
    static const char *const members[] = {"name", "email", "password", "username", NULL};
    cJSON *body = lt_adm_ctx(r)->body;
    signup_t c;
    memset(&c, 0, sizeof(c));
    c.secret = params->value[0];
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(body, "password");
    char ra[16];
    int wait;
    if (!token_valid(find_token(&lt_req_snapshot(r)->data, c.secret), lt_now_ms())) {
        invalid_token(r);
    } else if ((wait = lt_adm_address_attempt(r)) > 0) {
        snprintf(ra, sizeof(ra), "%d", wait);
        lt_reply_header(r, "Retry-After", ra);
        lt_reply_error(r, 429, "RateLimitError",
                       "Too many attempts from your address. Try again in %d seconds.", wait);
    } else if (!only_members(r, body, members)) {
        /* replied */
    } else if (!lt_adm_str(body, "name") || !lt_adm_str(body, "email") || !cJSON_IsString(jp)) {
        lt_adm_reply_bad_body(r, "/body", "name, email and password are required strings.");
    } else if (strlen(jp->valuestring) > 1024) {
        lt_reply_error(r, 400, "OwaspValidationError",
                       "The password must be at most 1024 characters long.");
    } else if (lt_adm_user_fields(r, body, &c.user) &&
               (c.hash = lt_adm_hash_password(r, jp->valuestring)) != NULL) {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, signup_fn, &w) == LT_OK) {
            lt_snapshot_t *s;
            const lt_user_t *u = lt_adm_user_now(c.out_id, &s);
            lt_buf_t b;
            lt_buf_init(&b, 0);
            if (u)
                lt_adm_write_user(&b, u, 0);
            lt_snapshot_release(s);
            if (u)
                lt_adm_reply(r, 201, &b);
            else
                lt_reply_error(r, 500, "InternalError", "The new user could not be read back.");
        }
    }
    if (cJSON_IsString(jp))
        sodium_memzero(jp->valuestring, strlen(jp->valuestring));
}

#define ROUTE LT_ADM_ROUTE
#define TOKENS "/api/admin/invite-link/tokens"

const lt_route_t lt_routes_admin_invite_links[] = {
    ROUTE(LT_GET, TOKENS, tokens_list, LT_PERM("ADMIN")),
    ROUTE(LT_POST, TOKENS, token_create, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_GET, TOKENS "/:token", token_get, LT_PERM("ADMIN")),
    ROUTE(LT_PUT, TOKENS "/:token", token_update, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/invite/:token/validate", invite_validate, LT_PUBLIC),
    ROUTE(LT_POST, "/invite/:token/signup", invite_signup, LT_PUBLIC, LT_JSON_OBJECT),
    {0},
};
