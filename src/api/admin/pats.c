/*
 * pats.c: the admin API for personal access tokens (UNLEASH-API.md §6.3): a user lists,
 * creates and deletes their own; the secret exists only in the creation response.
 */
#include <sodium.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"
#include "../token_ops.h"

#define MAX_PATS 10
#define MAX_PAT_PROJECTS 100

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
    lt_buf_printf(b, ",\"userId\":%lld,\"secure\":%s,\"readOnly\":%s,\"projects\":[",
                  (long long)t->user_id, t->selector ? "true" : "false",
                  t->read_only ? "true" : "false");
    if (t->all_projects)
        lt_buf_puts(b, "\"*\"");
    for (size_t i = 0; !t->all_projects && i < t->n_projects; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, t->projects[i]);
    }
    lt_buf_putc(b, ']');
    lt_adm_write_token_life(b, t, lt_now_ms());
    lt_buf_putc(b, '}');
}

static void pats_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    lt_adm_pats_reply(r, lt_adm_ctx(r)->who.user->id);
}

void lt_adm_pats_reply(lt_req_t *r, int64_t owner)
{
    lt_snapshot_t *s = lt_req_snapshot(r);
    lt_adm_seen_refresh(r, s, owner);
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
            if (t->type == LT_TOKEN_PAT && t->user_id == owner && t->id > last &&
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
    int64_t owner; /* the user the PAT belongs to (the caller, or a service account) */
    const char *description;
    int64_t expires_at;
    bool read_only;
    const char **projects; /* NULL: every project the user may reach */
    size_t n_projects;
    int64_t id;
    char secret[LT_TOKEN_SECRET_MAX];
    uint8_t digest[32];
} pat_t;

static int pat_create_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    pat_t *c = w->ctx;
    int64_t uid = c->owner;
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
    char display[64], selector[23] = "";
    lt_token_display(lt_str_c(c->secret), display, sizeof(display));
    lt_token_parts_t parts = lt_token_parse(lt_str_c(c->secret));
    if (parts.selector.ptr) {
        memcpy(selector, parts.selector.ptr, 22);
        t.selector = selector;
    }
    for (size_t i = 0; i < c->n_projects; i++)
        if (!lt_dataset_project(&snap->data, c->projects[i]))
            return lt_write_fail(w, 400, "BadDataError", "Project=%.100s does not exist",
                                 c->projects[i]);
    t.name = c->description;
    t.type = LT_TOKEN_PAT;
    t.user_id = uid;
    t.environment = "*";
    t.all_projects = c->projects == NULL;
    t.projects = c->projects;
    t.n_projects = c->n_projects;
    t.read_only = c->read_only;
    t.expires_at = c->expires_at;
    t.display = display;
    lt_buf_t data;
    lt_buf_init(&data, 0);
    lt_buf_puts(&data, "{\"description\":");
    lt_json_cstr(&data, c->description);
    lt_buf_puts(&data, ",\"expiresAt\":");
    lt_json_time(&data, c->expires_at);
    lt_buf_printf(&data, ",\"userId\":%lld,\"readOnly\":%s,\"projects\":%zu}",
                  (long long)uid, c->read_only ? "true" : "false", c->n_projects);
    lt_event_t ev = lt_admin_event(c->who, "pat-created");
    ev.data = data.ptr;
    int rc = lt_store_token_create(store, &t, &ev, &c->id);
    lt_buf_dispose(&data);
    return rc;
}

/* The optional narrowing of a new PAT: "readOnly": bool, "projects": [ids] (1 to 100). */
static bool parse_scope(lt_req_t *r, const cJSON *body, pat_t *c)
{
    const cJSON *ro = cJSON_GetObjectItemCaseSensitive(body, "readOnly");
    if (ro && !cJSON_IsNull(ro) && !cJSON_IsBool(ro)) {
        lt_reply_error(r, 400, "ValidationError", "readOnly must be true or false.");
        return false;
    }
    c->read_only = cJSON_IsTrue(ro);
    const cJSON *projects = cJSON_GetObjectItemCaseSensitive(body, "projects");
    if (!projects || cJSON_IsNull(projects))
        return true;
    int n = cJSON_IsArray(projects) ? cJSON_GetArraySize(projects) : -1;
    if (n < 1 || n > MAX_PAT_PROJECTS) {
        lt_reply_error(r, 400, "ValidationError", "projects must be a list of 1 to %d project ids.",
                       MAX_PAT_PROJECTS);
        return false;
    }
    c->projects = lt_arena_calloc(lt_req_arena(r), (size_t)n, sizeof(*c->projects));
    const cJSON *it;
    cJSON_ArrayForEach(it, projects)
    {
        if (!cJSON_IsString(it) || !it->valuestring[0] ||
            strlen(it->valuestring) > LT_ADM_MAX_FIELD) {
            lt_reply_error(r, 400, "ValidationError", "projects must be a list of project ids.");
            return false;
        }
        if (strcmp(it->valuestring, "*") == 0) { /* every project: no narrowing */
            c->projects = NULL;
            c->n_projects = 0;
            return true;
        }
        lt_adm_set_add(c->projects, &c->n_projects, it->valuestring);
    }
    return true;
}

static void pats_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    lt_adm_pat_create(r, lt_adm_ctx(r)->who.user->id);
}

void lt_adm_pat_create(lt_req_t *r, int64_t owner)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    pat_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.owner = owner;
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
    } else if (parse_scope(r, body, &c)) {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, pat_create_fn, &w) == LT_OK)
            lt_adm_reply_new_token(r, c.digest, c.secret, NULL, write_pat);
        sodium_memzero(c.secret, sizeof(c.secret));
    }
}

typedef struct {
    const lt_principal_t *who;
    int64_t owner;
    int64_t id;
} pat_delete_t;

static int pat_delete_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    pat_delete_t *c = w->ctx;
    for (size_t i = 0; i < snap->data.n_tokens; i++) {
        const lt_token_t *t = &snap->data.tokens[i];
        if (t->type != LT_TOKEN_PAT || t->id != c->id || t->user_id != c->owner)
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
    lt_adm_pat_delete(r, lt_adm_ctx(r)->who.user->id, params->value[0]);
}

void lt_adm_pat_delete(lt_req_t *r, int64_t owner, const char *id)
{
    pat_delete_t c = {&lt_adm_ctx(r)->who, owner, 0};
    if (!lt_adm_parse_id(id, &c.id)) {
        lt_reply_error(r, 400, "ValidationError", "The token id must be a positive number.");
        return;
    }
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, pat_delete_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* ---------- rotation ---------- */

typedef struct {
    const lt_principal_t *who;
    int64_t owner;
    int64_t id;
    int64_t grace_s;
    char secret[LT_TOKEN_SECRET_MAX];
    uint8_t fresh[32];
} pat_rotate_t;

static int pat_rotate_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    pat_rotate_t *c = w->ctx;
    for (size_t i = 0; i < snap->data.n_tokens; i++) {
        const lt_token_t *t = &snap->data.tokens[i];
        if (t->type != LT_TOKEN_PAT || t->id != c->id || t->user_id != c->owner)
            continue;
        int rc = lt_token_rotate(store, t, c->grace_s, c->who, c->secret, c->fresh);
        if (rc == LT_EINVAL)
            return lt_write_fail(w, 409, "ConflictError",
                                 "This token has been rotated already; rotate its successor.");
        return rc;
    }
    return lt_write_fail(w, 404, "NotFoundError", "Could not find a personal access token %lld.",
                         (long long)c->id);
}

static void pats_rotate(lt_req_t *r, const lt_params_t *params)
{
    lt_adm_pat_rotate(r, lt_adm_ctx(r)->who.user->id, params->value[0]);
}

void lt_adm_pat_rotate(lt_req_t *r, int64_t owner, const char *id)
{
    pat_rotate_t c;
    memset(&c, 0, sizeof(c));
    c.who = &lt_adm_ctx(r)->who;
    c.owner = owner;
    if (!lt_adm_parse_id(id, &c.id)) {
        lt_reply_error(r, 400, "ValidationError", "The token id must be a positive number.");
        return;
    }
    if (!lt_adm_grace_seconds(r, lt_adm_ctx(r)->body, &c.grace_s))
        return;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, pat_rotate_fn, &w) == LT_OK)
        lt_adm_reply_new_token(r, c.fresh, c.secret, NULL, write_pat);
    sodium_memzero(c.secret, sizeof(c.secret));
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_pats[] = {
    ROUTE(LT_GET, "/api/admin/user/tokens", pats_list, LT_AUTHORIZE(authorize_pat_user)),
    ROUTE(LT_POST, "/api/admin/user/tokens", pats_create, LT_AUTHORIZE(authorize_pat_user),
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/user/tokens/:id", pats_delete, LT_AUTHORIZE(authorize_pat_user)),
    ROUTE(LT_POST, "/api/admin/user/tokens/:id/rotate", pats_rotate,
          LT_AUTHORIZE(authorize_pat_user), LT_JSON_OBJECT),
    {0},
};
