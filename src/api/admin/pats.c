/*
 * pats.c: the admin API for personal access tokens (UNLEASH-API.md §6.3): a user lists,
 * creates and deletes their own; the secret exists only in the creation response.
 */
#include <sodium.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define MAX_PATS 10

/* ---------- personal access tokens ---------- */

/* Authorizer of the PAT routes: the caller as a user, or a 403 for admin tokens (PATs belong
 * to users). */
static bool authorize_pat_user(lt_req_t *r, lt_adm_ctx_t *c)
{
    if (c->who.user)
        return true;
    lt_reply_error(r, 403, "ForbiddenError",
                   "Personal access tokens belong to users; an admin API token has none.");
    return false;
}

static void write_pat(lt_buf_t *b, const lt_snapshot_t *s, const lt_token_t *t, const char *secret)
{
    lt_buf_printf(b, "{\"id\":%lld,", (long long)t->id);
    if (secret) {
        lt_buf_puts(b, "\"secret\":");
        lt_json_cstr(b, secret);
        lt_buf_putc(b, ',');
    }
    lt_buf_puts(b, "\"description\":");
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"expiresAt\":");
    lt_json_time(b, t->expires_at);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, t->created_at);
    lt_buf_puts(b, ",\"seenAt\":");
    lt_json_time(b, lt_snapshot_token_last_seen(s, t));
    lt_buf_printf(b, ",\"userId\":%lld}", (long long)t->user_id);
}

static void pats_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    lt_snapshot_t *s = lt_req_snapshot(r);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"pats\":[");
    bool first = true;
    /* tokens are held by digest; list by id */
    int64_t last = 0;
    for (;;) {
        const lt_token_t *next = NULL;
        for (size_t i = 0; i < s->data.n_tokens; i++) {
            const lt_token_t *t = &s->data.tokens[i];
            if (t->type == LT_TOKEN_PAT && t->user_id == p->user->id && t->id > last &&
                (!next || t->id < next->id))
                next = t;
        }
        if (!next)
            break;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_pat(&b, s, next, NULL);
        last = next->id;
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

typedef struct {
    const lt_principal_t *who;
    const char *description;
    int64_t expires_at;
    int64_t id;
    char secret[96];
    uint8_t digest[32];
} pat_t;

static int pat_create_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    pat_t *c = w->ctx;
    int64_t uid = c->who->user->id;
    if (!lt_access_user(&snap->data, uid))
        return lt_write_fail(w, 401, "UnauthorizedError", "You must log in to use Unleash.");
    size_t count = 0;
    for (size_t i = 0; i < snap->data.n_tokens; i++) {
        const lt_token_t *t = &snap->data.tokens[i];
        if (t->type != LT_TOKEN_PAT || t->user_id != uid)
            continue;
        if (strcmp(t->name, c->description) == 0)
            return lt_write_fail(w, 409, "NameExistsError",
                                 "PAT description already exists: a token named \"%.100s\" "
                                 "exists for this user.",
                                 c->description);
        count++;
    }
    if (count >= MAX_PATS)
        return lt_write_fail(w, 403, "OperationDeniedError",
                             "There can be at most %d personal access tokens per user.", MAX_PATS);
    lt_token_generate(LT_TOKEN_PAT, "*", NULL, 0, true, c->secret, sizeof(c->secret));
    lt_token_new_t t;
    memset(&t, 0, sizeof(t));
    lt_token_digest(lt_str_c(c->secret), t.digest);
    memcpy(c->digest, t.digest, 32);
    char display[64];
    lt_token_display(lt_str_c(c->secret), display, sizeof(display));
    t.name = c->description;
    t.type = LT_TOKEN_PAT;
    t.user_id = uid;
    t.environment = "*";
    t.all_projects = true;
    t.expires_at = c->expires_at;
    t.display = display;
    lt_buf_t data;
    lt_buf_init(&data, 0);
    lt_buf_puts(&data, "{\"description\":");
    lt_json_cstr(&data, c->description);
    lt_buf_puts(&data, ",\"expiresAt\":");
    lt_json_time(&data, c->expires_at);
    lt_buf_printf(&data, ",\"userId\":%lld}", (long long)uid);
    lt_event_t ev = lt_admin_event(c->who, "pat-created");
    ev.data = data.ptr;
    int rc = lt_store_token_create(store, &t, &ev, &c->id);
    lt_buf_dispose(&data);
    return rc;
}

static void pats_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    pat_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    bool bad = false;
    c.description = lt_adm_opt_str(body, "description", LT_ADM_MAX_FIELD, &bad);
    const char *exp = lt_adm_opt_str(body, "expiresAt", LT_ADM_MAX_FIELD, &bad);
    if (bad || !c.description || !c.description[0]) {
        lt_reply_error(r, 400, "ValidationError",
                       "description is required: a string of 1 to %d characters.",
                       LT_ADM_MAX_FIELD);
    } else if (!exp) {
        lt_reply_error(r, 400, "ValidationError", "expiresAt is required.");
    } else if (lt_time_parse(exp, strlen(exp), &c.expires_at) != LT_OK) {
        lt_reply_error(r, 400, "ValidationError", "expiresAt must be an ISO-8601 date-time.");
    } else if (c.expires_at <= lt_now_ms()) {
        lt_reply_error(r, 400, "ValidationError", "The expiry date should be in future.");
    } else {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, pat_create_fn, &w) == LT_OK) {
            lt_snapshot_t *s = lt_snapshot_acquire();
            const lt_token_t *t = lt_token_table_find(&s->tokens, c.digest);
            lt_buf_t b;
            lt_buf_init(&b, 0);
            if (t)
                write_pat(&b, s, t, c.secret);
            lt_snapshot_release(s);
            if (t)
                lt_reply_buf(r, 201, LT_JSON_TYPE, &b);
            else {
                lt_buf_dispose(&b);
                lt_reply_error(r, 500, "InternalError", "The token cannot be read back.");
            }
        }
        sodium_memzero(c.secret, sizeof(c.secret));
    }
}

typedef struct {
    const lt_principal_t *who;
    int64_t id;
} pat_delete_t;

static int pat_delete_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    pat_delete_t *c = w->ctx;
    for (size_t i = 0; i < snap->data.n_tokens; i++) {
        const lt_token_t *t = &snap->data.tokens[i];
        if (t->type != LT_TOKEN_PAT || t->id != c->id || t->user_id != c->who->user->id)
            continue;
        lt_buf_t data;
        lt_buf_init(&data, 0);
        lt_buf_printf(&data, "{\"id\":%lld,\"description\":", (long long)t->id);
        lt_json_cstr(&data, t->name);
        lt_buf_printf(&data, ",\"userId\":%lld}", (long long)t->user_id);
        lt_event_t ev = lt_admin_event(c->who, "pat-deleted");
        ev.pre_data = data.ptr;
        int rc = lt_store_token_remove(store, t->digest, &ev);
        lt_buf_dispose(&data);
        return rc;
    }
    return LT_OK; /* not one of the caller's: nothing to do, as Unleash answers */
}

static void pats_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    pat_delete_t c = {p, 0};
    if (!lt_adm_parse_id(params->value[0], &c.id)) {
        lt_reply_error(r, 400, "ValidationError", "The token id must be a positive number.");
        return;
    }
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, pat_delete_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_pats[] = {
    ROUTE(LT_GET, "/api/admin/user/tokens", pats_list, LT_AUTHORIZE(authorize_pat_user)),
    ROUTE(LT_POST, "/api/admin/user/tokens", pats_create, LT_AUTHORIZE(authorize_pat_user),
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/user/tokens/:id", pats_delete, LT_AUTHORIZE(authorize_pat_user)),
    {0},
};
