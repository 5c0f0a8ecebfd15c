/*
 * tokens.c: the token admin API (UNLEASH-API.md §6.2): list, create, re-expire and
 * delete client, front-end and admin tokens, globally and per project, and POST /edge/validate
 * (§5.2). Secrets exist only in the creation response; the store keeps their SHA-256 digest and
 * lists show the display prefix in the `secret` field.
 */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"
#include "../token_ops.h"
#include "../token_usage.h"

/* Unleash's default resource limit on API tokens. */
#define MAX_API_TOKENS LT_ADM_MAX_API_TOKENS
#define MAX_NAME_LEN 255
#define MAX_PROJECTS 500
#define MAX_VALIDATE 1000

/* ---------- permissions ---------- */

static bool can(lt_req_t *r, const lt_principal_t *p, const char *perm, const char *project)
{
    return lt_access_can(&lt_req_snapshot(r)->data, p, perm, project, NULL);
}

/* 403 PermissionError naming several permissions, any of which would do (Unleash's text). */
static void deny_any(lt_req_t *r, const char *const *perms, size_t n)
{
    lt_buf_t msg, b;
    lt_buf_init(&msg, 0);
    lt_buf_puts(&msg, "You don't have the required permissions to perform this operation. To "
                      "perform this action, you need one of the following permissions: ");
    for (size_t i = 0; i < n; i++)
        lt_buf_printf(&msg, "%s\"%s\"", i ? ", " : "", perms[i]);
    lt_buf_putc(&msg, '.');
    char id[37];
    lt_uuid(id);
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "{\"id\":\"%s\",\"name\":\"PermissionError\",\"message\":", id);
    lt_json_str(&b, msg.ptr, msg.len);
    lt_buf_puts(&b, ",\"details\":[{\"message\":");
    lt_json_str(&b, msg.ptr, msg.len);
    lt_buf_puts(&b, "}],\"permissions\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, perms[i]);
    }
    lt_buf_puts(&b, "]}");
    lt_buf_dispose(&msg);
    lt_reply_buf(r, 403, LT_JSON_TYPE, &b);
}

/* Does p hold any of perms? If not, reply 403 and return false. */
static bool require_any(lt_req_t *r, const lt_principal_t *p, const char *const *perms, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (can(r, p, perms[i], NULL))
            return true;
    deny_any(r, perms, n);
    return false;
}

typedef enum { OP_READ, OP_CREATE, OP_UPDATE, OP_DELETE } op_t;

/* The permission an operation on a token of this type needs. */
static const char *perm_for(lt_token_type_t type, op_t op)
{
    static const char *const client[] = {"READ_CLIENT_API_TOKEN", "CREATE_CLIENT_API_TOKEN",
                                         "UPDATE_CLIENT_API_TOKEN", "DELETE_CLIENT_API_TOKEN"};
    static const char *const frontend[] = {"READ_FRONTEND_API_TOKEN", "CREATE_FRONTEND_API_TOKEN",
                                           "UPDATE_FRONTEND_API_TOKEN",
                                           "DELETE_FRONTEND_API_TOKEN"};
    if (type == LT_TOKEN_CLIENT)
        return client[op];
    if (type == LT_TOKEN_FRONTEND)
        return frontend[op];
    return "ADMIN";
}

/* Authorizer of the global token routes: ADMIN or the operation (decl->op) on client or
 * front-end tokens; the token's own type is checked again once it is known. */
static bool authorize_token_op(lt_req_t *r, lt_adm_ctx_t *c)
{
    op_t op = (op_t)c->decl->op;
    const char *perms[] = {"ADMIN", perm_for(LT_TOKEN_CLIENT, op), perm_for(LT_TOKEN_FRONTEND, op)};
    return require_any(r, &c->who, perms, LT_ARRAY_LEN(perms));
}

/* ---------- output ---------- */

static void write_projects(lt_buf_t *b, const lt_token_t *t)
{
    lt_buf_puts(b, "\"project\":");
    if (t->all_projects) {
        lt_buf_puts(b, "\"*\",\"projects\":[\"*\"]");
        return;
    }
    lt_buf_t joined;
    lt_buf_init(&joined, 0);
    for (size_t i = 0; i < t->n_projects; i++)
        lt_buf_printf(&joined, "%s%s", i ? "," : "", t->projects[i]);
    lt_json_str(b, joined.ptr ? joined.ptr : "", joined.len);
    lt_buf_dispose(&joined);
    lt_buf_puts(b, ",\"projects\":[");
    for (size_t i = 0; i < t->n_projects; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, t->projects[i]);
    }
    lt_buf_putc(b, ']');
}

/* ApiToken JSON. secret is the full secret (creation only) or NULL: the display prefix. */
static void write_token(lt_buf_t *b, const lt_snapshot_t *s, const lt_token_t *t,
                        const char *secret)
{
    lt_buf_puts(b, "{\"secret\":");
    /* a v2 token is listed by its selector, as Unleash lists it */
    lt_json_cstr(b, secret ? secret : t->selector ? t->selector : t->display);
    lt_buf_puts(b, ",\"tokenName\":");
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"username\":");
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, lt_token_type_name(t->type));
    lt_buf_puts(b, ",\"environment\":");
    lt_json_cstr(b, t->environment);
    lt_buf_putc(b, ',');
    write_projects(b, t);
    lt_buf_puts(b, ",\"expiresAt\":");
    lt_json_time(b, t->expires_at);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, t->created_at);
    lt_buf_puts(b, ",\"seenAt\":");
    lt_json_time(b, lt_snapshot_token_last_seen(s, t));
    lt_buf_printf(b, ",\"alias\":null,\"secure\":%s,\"id\":%lld", t->selector ? "true" : "false",
                  (long long)t->id);
    lt_adm_write_token_life(b, t, lt_now_ms());
    lt_buf_puts(b, ",\"allowedOrigins\":");
    lt_json_strings(b, (const char *const *)t->origins, t->n_origins);
    lt_buf_putc(b, '}');
}

/* Which tokens a list shows. */
typedef struct {
    const char *name;    /* only this tokenName, or NULL */
    const char *project; /* only tokens whose project list names it, or NULL */
    bool client, frontend, admin;
} list_filter_t;

static void reply_list(lt_req_t *r, const list_filter_t *f)
{
    lt_snapshot_t *s = lt_req_snapshot(r);
    const lt_dataset_t *d = &s->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"tokens\":[");
    bool first = true;
    /* newest first, as Unleash lists them */
    const lt_token_t **order = lt_arena_calloc(lt_req_arena(r), d->n_tokens + 1, sizeof(*order));
    size_t n = 0;
    for (size_t i = 0; i < d->n_tokens; i++) {
        const lt_token_t *t = &d->tokens[i];
        if (t->type == LT_TOKEN_PAT || (t->type == LT_TOKEN_CLIENT && !f->client) ||
            (t->type == LT_TOKEN_FRONTEND && !f->frontend) ||
            (t->type == LT_TOKEN_ADMIN && !f->admin))
            continue;
        if (f->name && strcmp(t->name, f->name) != 0)
            continue;
        if (f->project && (t->all_projects || !lt_token_has_project(t, f->project)))
            continue;
        size_t k = n++;
        while (k > 0 && (order[k - 1]->created_at < t->created_at ||
                         (order[k - 1]->created_at == t->created_at && order[k - 1]->id < t->id))) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = t;
    }
    for (size_t i = 0; i < n; i++) {
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_token(&b, s, order[i], NULL);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void list_global(lt_req_t *r, const char *name)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    bool admin = can(r, p, "ADMIN", NULL);
    list_filter_t f = {name, NULL, admin || can(r, p, perm_for(LT_TOKEN_CLIENT, OP_READ), NULL),
                       admin || can(r, p, perm_for(LT_TOKEN_FRONTEND, OP_READ), NULL), admin};
    reply_list(r, &f);
}

static int by_digest(const void *a, const void *b)
{
    return memcmp((*(const lt_token_t *const *)a)->digest, (*(const lt_token_t *const *)b)->digest,
                  32);
}

void lt_adm_seen_refresh(lt_req_t *r, lt_snapshot_t *s, int64_t pat_owner)
{
    lt_store_t *store = lt_state_store();
    if (!store || !lt_store_notifies(store) || !s->data.n_tokens)
        return;
    lt_token_query_t q = {
        .digest = NULL, .project = NULL, .environment = NULL, .user_id = pat_owner};
    lt_token_t *stored = NULL;
    size_t n = 0;
    store = lt_state_lock();
    int rc = store ? lt_store_tokens_read(store, lt_req_arena(r), &q, &stored, &n) : LT_ERR;
    lt_state_unlock();
    if (rc != LT_OK)
        return;
    const lt_token_t **order = lt_arena_alloc(lt_req_arena(r), s->data.n_tokens * sizeof(*order));
    for (size_t i = 0; i < s->data.n_tokens; i++)
        order[i] = &s->data.tokens[i];
    qsort(order, s->data.n_tokens, sizeof(*order), by_digest);
    for (size_t i = 0; i < n; i++) {
        const lt_token_t *key = &stored[i];
        const lt_token_t **hit = bsearch(&key, order, s->data.n_tokens, sizeof(*order), by_digest);
        if (hit && stored[i].seen_at > 0)
            lt_snapshot_token_seen(s, *hit, stored[i].seen_at);
    }
}

static void api_tokens_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    lt_adm_seen_refresh(r, lt_req_snapshot(r), 0);
    list_global(r, NULL);
}

static void api_tokens_by_name(lt_req_t *r, const lt_params_t *params)
{
    list_global(r, params->value[0]);
}

/* ---------- create ---------- */

typedef struct {
    const lt_principal_t *who;
    const char *name;
    lt_token_type_t type;
    const char *env;
    const char **projects;
    size_t n_projects;
    bool all;
    int64_t expires_at;
    const char **origins;
    size_t n_origins;
    lt_arena_t *a;
    char secret[LT_TOKEN_SECRET_MAX];
    uint8_t digest[32];
} create_t;

/* Parse allowedOrigins (a list, or null / absent: none) into *out (strings point into v); each
 * "*" or scheme://host[:port], at most LT_TOKEN_MAX_ORIGINS, duplicates dropped. Replies 400 and
 * returns false on a bad value. */
static bool parse_origins(lt_req_t *r, const cJSON *v, const char ***out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (!v || cJSON_IsNull(v))
        return true;
    int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : -1;
    if (n < 0 || n > LT_TOKEN_MAX_ORIGINS) {
        lt_reply_error(r, 400, "ValidationError",
                       "allowedOrigins must be a list of at most %d origins.", LT_TOKEN_MAX_ORIGINS);
        return false;
    }
    const char **list = lt_arena_calloc(lt_req_arena(r), (size_t)n + 1, sizeof(*list));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, v)
    {
        if (!cJSON_IsString(it) || !lt_token_origin_ok(it->valuestring)) {
            lt_reply_error(r, 400, "ValidationError",
                           "allowedOrigins must hold origins: \"*\" or scheme://host[:port] "
                           "(no path), each at most %d characters.",
                           LT_TOKEN_MAX_ORIGIN_LEN);
            return false;
        }
        bool dup = false;
        for (size_t i = 0; i < k; i++)
            dup |= strcmp(list[i], it->valuestring) == 0;
        if (!dup)
            list[k++] = it->valuestring;
    }
    *out = list;
    *n_out = k;
    return true;
}

static int create_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    create_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_token_spec_t spec = {.type = c->type,
                            .name = c->name,
                            .environment = c->env,
                            .projects = c->projects,
                            .n_projects = c->n_projects,
                            .all_projects = c->all,
                            .projects_given = true,
                            .expires_at = c->expires_at,
                            .origins = c->origins,
                            .n_origins = c->n_origins};
    char msg[sizeof(w->msg)];
    if (lt_token_spec_check(c->a, &spec, d, msg, sizeof(msg)) != LT_OK)
        return lt_write_fail(w, 400, "BadDataError", "%s", msg);
    size_t count = 0;
    for (size_t i = 0; i < d->n_tokens; i++)
        count += d->tokens[i].type != LT_TOKEN_PAT;
    if (count >= MAX_API_TOKENS)
        return lt_write_fail(w, 400, "ExceedsLimitError",
                             "Failed to create api token. You can't create more than the "
                             "established limit of %d.",
                             MAX_API_TOKENS);
    int rc = lt_token_issue(store, &spec, c->who, c->secret, c->digest);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "NameExistsError", "The token could not be created.");
    return rc;
}

/* Parse an optional expiresAt (string or null) that must lie in the future. */
static bool parse_expiry(lt_req_t *r, const cJSON *body, int64_t *out, bool required)
{
    *out = 0;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "expiresAt");
    if (!v || cJSON_IsNull(v)) {
        if (required)
            lt_reply_error(r, 400, "ValidationError", "expiresAt is required.");
        return !required;
    }
    if (!cJSON_IsString(v) || lt_time_parse(v->valuestring, strlen(v->valuestring), out) != LT_OK) {
        lt_reply_error(r, 400, "ValidationError", "expiresAt must be an ISO-8601 date-time.");
        return false;
    }
    if (*out <= lt_now_ms()) {
        lt_reply_error(r, 400, "ValidationError", "The expiry date should be in future.");
        return false;
    }
    return true;
}

/* Parse a create body into c (strings point into body). Replies and returns false on error. */
static bool parse_create(lt_req_t *r, const cJSON *body, create_t *c)
{
    bool bad = false;
    c->name = lt_adm_opt_str(body, "tokenName", 0, &bad);
    if (!c->name && !bad)
        c->name = lt_adm_opt_str(body, "username", 0, &bad); /* the old name of the field */
    if (bad || !c->name || !c->name[0] || strlen(c->name) > MAX_NAME_LEN) {
        lt_reply_error(r, 400, "ValidationError",
                       "tokenName is required: a string of 1 to %d characters.", MAX_NAME_LEN);
        return false;
    }
    const char *type = lt_adm_opt_str(body, "type", 0, &bad);
    if (bad || !type || lt_token_type_parse(type, &c->type) != LT_OK || c->type == LT_TOKEN_PAT) {
        lt_reply_error(r, 400, "ValidationError",
                       "type is required: one of client, backend, frontend or admin.");
        return false;
    }
    c->env = lt_adm_opt_str(body, "environment", 0, &bad);
    if (bad || (c->env && (!c->env[0] || strlen(c->env) > MAX_NAME_LEN))) {
        lt_reply_error(r, 400, "ValidationError", "environment must be a non-empty string.");
        return false;
    }
    if (!c->env)
        c->env = c->type == LT_TOKEN_ADMIN ? "*" : "development";

    const cJSON *projects = cJSON_GetObjectItemCaseSensitive(body, "projects");
    const char *project = lt_adm_opt_str(body, "project", 0, &bad);
    if (bad) {
        lt_reply_error(r, 400, "ValidationError", "project must be a string.");
        return false;
    }
    c->all = false;
    c->n_projects = 0;
    if (projects && !cJSON_IsNull(projects)) {
        int n = cJSON_IsArray(projects) ? cJSON_GetArraySize(projects) : -1;
        if (n < 1 || n > MAX_PROJECTS) {
            lt_reply_error(r, 400, "ValidationError",
                           "projects must be a list of 1 to %d project ids.", MAX_PROJECTS);
            return false;
        }
        c->projects = lt_arena_calloc(lt_req_arena(r), (size_t)n, sizeof(*c->projects));
        const cJSON *it;
        cJSON_ArrayForEach(it, projects)
        {
            if (!cJSON_IsString(it) || !it->valuestring[0] ||
                strlen(it->valuestring) > MAX_NAME_LEN) {
                lt_reply_error(r, 400, "ValidationError",
                               "projects must be a list of project ids.");
                return false;
            }
            if (strcmp(it->valuestring, "*") == 0)
                c->all = true;
            bool dup = false;
            for (size_t i = 0; i < c->n_projects; i++)
                dup |= strcmp(c->projects[i], it->valuestring) == 0;
            if (!dup)
                c->projects[c->n_projects++] = it->valuestring;
        }
    } else if (project && project[0]) {
        /* the singular field of older servers: one project, or "*" */
        c->projects = lt_arena_calloc(lt_req_arena(r), 1, sizeof(*c->projects));
        c->projects[c->n_projects++] = project;
        c->all = strcmp(project, "*") == 0;
    } else {
        c->all = true;
    }
    if (c->all)
        c->n_projects = 0;
    if (!parse_origins(r, cJSON_GetObjectItemCaseSensitive(body, "allowedOrigins"), &c->origins,
                       &c->n_origins))
        return false;
    if (c->n_origins && c->type != LT_TOKEN_FRONTEND) {
        lt_reply_error(r, 400, "ValidationError", "Only frontend tokens carry allowedOrigins.");
        return false;
    }
    return parse_expiry(r, body, &c->expires_at, false);
}

static void reply_created(lt_req_t *r, create_t *c)
{
    lt_adm_reply_new_token(r, c->digest, c->secret, "api-tokens", write_token);
    sodium_memzero(c->secret, sizeof(c->secret));
}

static void create_token(lt_req_t *r, const char *project)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    create_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.a = lt_req_arena(r);
    if (!parse_create(r, body, &c))
        goto done;
    if (project) {
        if (c.type == LT_TOKEN_ADMIN) {
            lt_reply_error(r, 400, "BadDataError", "Admin tokens cannot be created for a project.");
            goto done;
        }
        c.projects = lt_arena_calloc(lt_req_arena(r), 1, sizeof(*c.projects));
        c.projects[0] = project;
        c.n_projects = 1;
        c.all = false;
    } else if (!lt_admin_require(r, p, perm_for(c.type, OP_CREATE), NULL, NULL)) {
        goto done;
    }
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, create_fn, &w) == LT_OK)
        reply_created(r, &c);
    sodium_memzero(c.secret, sizeof(c.secret));
done:
    return;
}

static void api_tokens_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    create_token(r, NULL);
}

/* ---------- update and delete ---------- */

typedef struct {
    const lt_principal_t *who;
    uint8_t digest[32];
    int64_t expires_at;
    op_t op;
    const char *project; /* project-scoped delete: the token must be scoped to it alone */
    bool found;
} change_t;

static const lt_token_t *find_api_token(const lt_snapshot_t *s, const uint8_t digest[32])
{
    const lt_token_t *t = lt_token_table_find(&s->tokens, digest);
    return t && t->type != LT_TOKEN_PAT ? t : NULL;
}

/* The digest of the token a path names (a whole secret or a v2 selector); an unknown one gets
 * the digest of the text, which names nothing. */
static void ref_digest(lt_req_t *r, const char *ref, uint8_t out[32])
{
    const lt_token_t *t = lt_token_table_find_ref(&lt_req_snapshot(r)->tokens, lt_str_c(ref));
    if (t)
        memcpy(out, t->digest, 32);
    else
        lt_token_digest(lt_str_c(ref), out);
}

static int change_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    change_t *c = w->ctx;
    const lt_token_t *t = find_api_token(snap, c->digest);
    c->found = t != NULL;
    if (!t)
        return c->project ? lt_write_fail(w, 404, "NotFoundError",
                                          "Could not find a token with that secret.")
                          : LT_OK; /* Unleash answers 200 for unknown tokens */
    if (c->project &&
        (t->all_projects || t->n_projects != 1 || strcmp(t->projects[0], c->project) != 0))
        return lt_write_fail(w, 400, "BadDataError",
                             "This token is not scoped to project %.100s alone; delete it "
                             "through /api/admin/api-tokens.",
                             c->project);
    return c->op == OP_UPDATE ? lt_token_set_expiry(store, t, c->expires_at, c->who)
                              : lt_token_revoke(store, t, c->who);
}

/* Check the permission the token's own type needs, then write. */
static void run_change(lt_req_t *r, const lt_principal_t *p, change_t *c)
{
    const lt_token_t *t = find_api_token(lt_req_snapshot(r), c->digest);
    if (t && !c->project && !lt_admin_require(r, p, perm_for(t->type, c->op), NULL, NULL))
        return;
    lt_write_t w = {.ctx = c};
    if (lt_admin_write(r, change_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

static void api_tokens_update(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    change_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.op = OP_UPDATE;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(body, "expiresAt");
    if (!v) {
        lt_reply_error(r, 400, "ValidationError", "expiresAt is required.");
    } else if (!cJSON_IsNull(v) &&
               (!cJSON_IsString(v) ||
                lt_time_parse(v->valuestring, strlen(v->valuestring), &c.expires_at) != LT_OK)) {
        lt_reply_error(r, 400, "ValidationError", "expiresAt must be an ISO-8601 date-time.");
    } else {
        ref_digest(r, params->value[0], c.digest);
        run_change(r, p, &c);
    }
}

static void api_tokens_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    change_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.op = OP_DELETE;
    /* the secret, a v2 selector, or (as the admin page does: lists never show secrets)
     * the list's id */
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    int64_t id;
    const lt_token_t *by_id = NULL;
    for (size_t i = 0; lt_adm_parse_id(params->value[0], &id) && i < d->n_tokens && !by_id; i++)
        if (d->tokens[i].id == id && d->tokens[i].type != LT_TOKEN_PAT)
            by_id = &d->tokens[i];
    if (by_id)
        memcpy(c.digest, by_id->digest, sizeof(c.digest));
    else
        ref_digest(r, params->value[0], c.digest);
    run_change(r, p, &c);
}

/* ---------- rotation ---------- */

typedef struct {
    const lt_principal_t *who;
    uint8_t digest[32];
    int64_t grace_s;
    char secret[LT_TOKEN_SECRET_MAX];
    uint8_t fresh[32];
} rotate_t;

static int rotate_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    rotate_t *c = w->ctx;
    const lt_token_t *t = find_api_token(snap, c->digest);
    if (!t)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find a token with that secret.");
    int rc = lt_token_rotate(store, t, c->grace_s, c->who, c->secret, c->fresh);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "ConflictError",
                             "This token has been rotated already; rotate its successor.");
    return rc;
}

static void api_tokens_rotate(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    rotate_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    if (!lt_adm_grace_seconds(r, lt_adm_ctx(r)->body, &c.grace_s))
        return;
    ref_digest(r, params->value[0], c.digest);
    const lt_token_t *t = find_api_token(lt_req_snapshot(r), c.digest);
    if (t && !lt_admin_require(r, p, perm_for(t->type, OP_UPDATE), NULL, NULL))
        return;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, rotate_fn, &w) == LT_OK)
        lt_adm_reply_new_token(r, c.fresh, c.secret, NULL, write_token);
    sodium_memzero(c.secret, sizeof(c.secret));
}

/* ---------- quota ---------- */

typedef struct {
    const lt_principal_t *who;
    uint8_t digest[32];
    int64_t rps;
} quota_t;

static int quota_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    quota_t *c = w->ctx;
    const lt_token_t *t = find_api_token(snap, c->digest);
    if (!t)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find a token with that secret.");
    return lt_token_set_quota(store, t, c->rps, c->who);
}

/* PUT /api/admin/api-tokens/:token/quota {"requestsPerSecond": N|null} */
static void api_tokens_quota(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(lt_adm_ctx(r)->body, "requestsPerSecond");
    quota_t c = {p, {0}, 0};
    if (!v || (!cJSON_IsNull(v) && (!cJSON_IsNumber(v) || v->valuedouble < 0 ||
                                    v->valuedouble > LT_TOKEN_MAX_RPS ||
                                    v->valuedouble != (double)(int64_t)v->valuedouble))) {
        lt_reply_error(r, 400, "ValidationError",
                       "requestsPerSecond is required: a whole number from 0 to %d, or null "
                       "(0 and null: no quota).",
                       LT_TOKEN_MAX_RPS);
        return;
    }
    c.rps = cJSON_IsNull(v) ? 0 : (int64_t)v->valuedouble;
    ref_digest(r, params->value[0], c.digest);
    const lt_token_t *t = find_api_token(lt_req_snapshot(r), c.digest);
    if (t && !lt_admin_require(r, p, perm_for(t->type, OP_UPDATE), NULL, NULL))
        return;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, quota_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* ---------- allowed origins ---------- */

typedef struct {
    const lt_principal_t *who;
    uint8_t digest[32];
    const char **origins;
    size_t n_origins;
} origins_t;

static int origins_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    origins_t *c = w->ctx;
    const lt_token_t *t = find_api_token(snap, c->digest);
    if (!t)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find a token with that secret.");
    if (t->type != LT_TOKEN_FRONTEND && c->n_origins)
        return lt_write_fail(w, 400, "ValidationError",
                             "Only frontend tokens carry allowedOrigins.");
    return lt_token_set_origins(store, t, c->origins, c->n_origins, c->who);
}

/* PUT /api/admin/api-tokens/:token/origins {"allowedOrigins": [...]|null} */
static void api_tokens_origins(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(lt_adm_ctx(r)->body, "allowedOrigins");
    origins_t c = {p, {0}, NULL, 0};
    if (!v) {
        lt_reply_error(r, 400, "ValidationError",
                       "allowedOrigins is required: a list of origins, or null (none).");
        return;
    }
    if (!parse_origins(r, v, &c.origins, &c.n_origins))
        return;
    ref_digest(r, params->value[0], c.digest);
    const lt_token_t *t = find_api_token(lt_req_snapshot(r), c.digest);
    if (t && !lt_admin_require(r, p, perm_for(t->type, OP_UPDATE), NULL, NULL))
        return;
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, origins_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* ---------- usage ---------- */

/* The thresholds of a usage report from the query (unusedDays, windowSeconds,
 * addressThreshold), or false after replying 400. */
static bool usage_opts(lt_req_t *r, lt_token_usage_opts_t *o)
{
    static const struct {
        const char *name;
        int64_t min, max, def;
    } q[] = {{"unusedDays", 1, 3650, 30}, {"windowSeconds", 1, 86400, 600},
             {"addressThreshold", 2, LT_TOKEN_USAGE_KEEP, 10}};
    int64_t v[3];
    for (size_t i = 0; i < 3; i++) {
        v[i] = q[i].def;
        if (!lt_req_query(r, q[i].name).ptr)
            continue;
        if (!lt_admin_query_int(r, q[i].name, &v[i]) || v[i] < q[i].min || v[i] > q[i].max) {
            lt_reply_error(r, 400, "ValidationError", "%s must be a whole number from %lld to %lld.",
                           q[i].name, (long long)q[i].min, (long long)q[i].max);
            return false;
        }
    }
    *o = (lt_token_usage_opts_t){lt_now_ms(), (int)v[0], (int)v[1], (int)v[2]};
    return true;
}

static bool write_usage_entry(lt_buf_t *b, const lt_snapshot_t *s, const lt_token_t *t,
                              const lt_token_usage_opts_t *o)
{
    lt_buf_puts(b, "{\"secret\":");
    lt_json_cstr(b, t->selector ? t->selector : t->display);
    lt_buf_puts(b, ",\"tokenName\":");
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, lt_token_type_name(t->type));
    lt_buf_puts(b, ",\"usage\":");
    bool safe = lt_token_usage_write(b, s, t, o);
    lt_buf_putc(b, '}');
    return safe;
}

/* GET /api/admin/api-tokens/:token/usage: one token's usage (the permission to read its type). */
static void api_tokens_usage(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    lt_token_usage_opts_t o;
    if (!usage_opts(r, &o))
        return;
    uint8_t digest[32];
    ref_digest(r, params->value[0], digest);
    lt_snapshot_t *s = lt_req_snapshot(r);
    const lt_token_t *t = find_api_token(s, digest);
    if (!t) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find a token with that secret.");
        return;
    }
    if (!lt_admin_require(r, p, perm_for(t->type, OP_READ), NULL, NULL))
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_usage_entry(&b, s, t, &o);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* GET /api/admin/api-tokens-usage: every API token the caller may read, with its usage, and
 * the counts of those safe to delete and showing misuse. */
static void api_tokens_usage_all(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    lt_token_usage_opts_t o;
    if (!usage_opts(r, &o))
        return;
    bool admin = can(r, p, "ADMIN", NULL);
    bool client = admin || can(r, p, perm_for(LT_TOKEN_CLIENT, OP_READ), NULL);
    bool frontend = admin || can(r, p, perm_for(LT_TOKEN_FRONTEND, OP_READ), NULL);
    lt_snapshot_t *s = lt_req_snapshot(r);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "{\"unusedDays\":%d,\"tokens\":[", o.unused_days);
    size_t n = 0, safe = 0;
    for (size_t i = 0; i < s->data.n_tokens; i++) {
        const lt_token_t *t = &s->data.tokens[i];
        if (t->type == LT_TOKEN_PAT || (t->type == LT_TOKEN_CLIENT && !client) ||
            (t->type == LT_TOKEN_FRONTEND && !frontend) || (t->type == LT_TOKEN_ADMIN && !admin))
            continue;
        if (n++)
            lt_buf_putc(&b, ',');
        safe += write_usage_entry(&b, s, t, &o);
    }
    lt_buf_printf(&b, "],\"safeToDelete\":%zu,\"untracked\":%llu}", safe,
                  (unsigned long long)lt_token_usage_dropped());
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* GET /api/admin/api-tokens-expiring: live tokens and PATs whose expiry is within 7 days. */
static void api_tokens_expiring(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    lt_snapshot_t *s = lt_req_snapshot(r);
    int64_t now = lt_now_ms();
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"withinDays\":7,\"tokens\":[");
    bool first = true;
    for (size_t i = 0; i < s->data.n_tokens; i++) {
        const lt_token_t *t = &s->data.tokens[i];
        if (t->type == LT_TOKEN_PAT || !lt_token_expiring_soon(t, now))
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_token(&b, s, t, NULL);
    }
    lt_buf_puts(&b, "],\"pats\":[");
    first = true;
    for (size_t i = 0; i < s->data.n_tokens; i++) {
        const lt_token_t *t = &s->data.tokens[i];
        if (t->type != LT_TOKEN_PAT || !lt_token_expiring_soon(t, now))
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_buf_printf(&b, "{\"id\":%lld,\"description\":", (long long)t->id);
        lt_json_cstr(&b, t->name);
        lt_buf_printf(&b, ",\"userId\":%lld,\"expiresAt\":", (long long)t->user_id);
        lt_json_time(&b, t->expires_at);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* ---------- project-scoped routes ---------- */

static bool project_exists(lt_req_t *r, const char *project)
{
    if (lt_snapshot_has_project(lt_req_snapshot(r), project))
        return true;
    lt_reply_error(r, 404, "NotFoundError", "Could not find project with id %.100s.", project);
    return false;
}

static void project_tokens_list(lt_req_t *r, const lt_params_t *params)
{
    const char *project = params->value[0];
    if (!project_exists(r, project))
        return;
    list_filter_t f = {NULL, project, true, true, false};
    reply_list(r, &f);
}

/* Authorizer of a project token create: an unknown project is a 404 before the permission. */
static bool authorize_project_token_create(lt_req_t *r, lt_adm_ctx_t *c)
{
    const char *project = lt_adm_param(c->params, "projectId");
    return project_exists(r, project) &&
           lt_admin_require(r, &c->who, "CREATE_PROJECT_API_TOKEN", project, NULL);
}

static void project_tokens_create(lt_req_t *r, const lt_params_t *params)
{
    create_token(r, params->value[0]);
}

static void project_tokens_delete(lt_req_t *r, const lt_params_t *params)
{
    const char *project = params->value[0];
    if (!project_exists(r, project))
        return;
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    change_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.op = OP_DELETE;
    c.project = project;
    ref_digest(r, params->value[1], c.digest);
    run_change(r, p, &c);
}

/* ---------- POST /edge/validate ---------- */

/*
 * Can the scope be told apart in Edge's shape? Ids are refused at creation when they hold a
 * character the token formats use, but an older store may keep one: a token of a project named
 * "*" would read as all projects, one of "a,b" as two. Such a token is left out (Edge then
 * refuses it), never shown wider than it is.
 */
static bool scope_unambiguous(const lt_token_t *t)
{
    if (strcmp(t->environment, "*") != 0 && !lt_model_scope_id_ok(t->environment))
        return false;
    for (size_t i = 0; !t->all_projects && i < t->n_projects; i++)
        if (!lt_model_scope_id_ok(t->projects[i]))
            return false;
    return true;
}

static void edge_validate(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(body, "tokens");
    if (!cJSON_IsArray(tokens) || cJSON_GetArraySize(tokens) > MAX_VALIDATE) {
        lt_reply_error(r, 400, "ValidationError", "tokens must be a list of at most %d strings.",
                       MAX_VALIDATE);
        return;
    }
    lt_snapshot_t *s = lt_req_snapshot(r);
    int64_t now = lt_now_ms();
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"tokens\":[");
    bool first = true;
    const cJSON *it;
    cJSON_ArrayForEach(it, tokens)
    {
        if (!cJSON_IsString(it))
            continue;
        const lt_token_t *t =
            lt_token_table_find_presented(&s->tokens, lt_str_c(it->valuestring));
        if (t && t->type == LT_TOKEN_PAT)
            t = NULL;
        if (!t || !lt_token_live(t, now) || !scope_unambiguous(t))
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_token_usage_edge(r, t); /* the edges that validated it, in its usage */
        /* the caller presented the secret: echoing it back tells it nothing new */
        lt_buf_puts(&b, "{\"token\":");
        lt_json_cstr(&b, it->valuestring);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, lt_token_type_name(t->type));
        lt_buf_putc(&b, ',');
        write_projects(&b, t);
        lt_buf_puts(&b, ",\"environment\":");
        lt_json_cstr(&b, t->environment);
        if (t->type == LT_TOKEN_FRONTEND && t->n_origins) { /* latch's own (Unleash's shape otherwise): an edge answers CORS per token */
            lt_buf_puts(&b, ",\"allowedOrigins\":");
            lt_json_strings(&b, (const char *const *)t->origins, t->n_origins);
        }
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* Unleash's answer to an issue-token request it refuses: 401 {"error": why}. */
static void issue_refused(lt_req_t *r, const char *why)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"error\":");
    lt_json_cstr(&b, why);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, 401, LT_JSON_TYPE, &b);
}

/* "HMAC <client id>:<signature>", as Unleash matches it (^HMAC ([^:]+):(.+)$). */
static bool hmac_header_ok(lt_str_t h)
{
    if (h.len < 8 || memcmp(h.ptr, "HMAC ", 5) != 0)
        return false;
    size_t i = 5;
    while (i < h.len && h.ptr[i] != ':' && h.ptr[i] != '\n')
        i++;
    if (i == 5 || i >= h.len || h.ptr[i] != ':' || i + 1 >= h.len)
        return false;
    for (size_t k = i + 1; k < h.len; k++)
        if (h.ptr[k] == '\n' || h.ptr[k] == '\r')
            return false;
    return true;
}

#define ISSUE_MAX 1000          /* token requests in one body */
#define ISSUE_LIFETIME 300000   /* ms a signed request stays fresh, as Unleash */

/*
 * POST /edge/issue-token {tokens: [{environment, projects}]}: Unleash's token issuing for an
 * Edge that signs its request with HMAC under a client secret the server was started with
 * (Unleash's EDGE_CLIENT_SECRET and EDGE_MASTER_KEY). latch has no such client, so it answers
 * as Unleash's open build does without one: the body checked (400), then the signature's
 * headers (401 with Unleash's reasons), then "Unknown client"; nothing is written.
 */
static void edge_issue_token(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(lt_adm_ctx(r)->body, "tokens");
    if (!tokens) {
        lt_adm_reply_bad_body(r, "/body/tokens", LT_ADM_REQUIRED, "tokens");
        return;
    }
    if (!cJSON_IsArray(tokens) || cJSON_GetArraySize(tokens) > ISSUE_MAX) {
        lt_adm_reply_bad_body(r, "/body/tokens", "The `tokens` property must be an array of at most %d items.",
                              ISSUE_MAX);
        return;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, tokens)
    {
        const cJSON *env = cJSON_GetObjectItemCaseSensitive(it, "environment");
        const cJSON *projects = cJSON_GetObjectItemCaseSensitive(it, "projects");
        bool ok = cJSON_IsObject(it) && cJSON_IsString(env) && cJSON_IsArray(projects);
        const cJSON *m;
        for (m = ok ? it->child : NULL; m && ok; m = m->next)
            ok = strcmp(m->string, "environment") == 0 || strcmp(m->string, "projects") == 0;
        for (m = ok ? projects->child : NULL; m && ok; m = m->next)
            ok = cJSON_IsString(m);
        if (!ok) {
            lt_adm_reply_bad_body(r, "/body/tokens",
                                  "Each item of `tokens` must be {environment: string, projects: "
                                  "string[]}.");
            return;
        }
    }
    if (!hmac_header_ok(lt_req_header(r, "authorization"))) {
        issue_refused(r, "Missing HMAC authorization header");
        return;
    }
    lt_str_t ts = lt_req_header(r, "x-timestamp");
    if (!ts.len || !lt_req_header(r, "x-nonce").len || !lt_req_header(r, "content-sha256").len) {
        issue_refused(r, "Missing content headers");
        return;
    }
    int64_t at;
    int64_t age = lt_time_parse(ts.ptr, ts.len, &at) == LT_OK ? lt_now_ms() - at : 0;
    if (age > ISSUE_LIFETIME || age < -ISSUE_LIFETIME) { /* an unreadable time is not stale */
        issue_refused(r, "Stale request");
        return;
    }
    issue_refused(r, "Unknown client");
}

#define ROUTE LT_ADM_ROUTE
#define TOKEN_OP(o) LT_AUTHORIZE(authorize_token_op), .op = (o)

const lt_route_t lt_routes_admin_tokens[] = {
    ROUTE(LT_GET, "/api/admin/api-tokens", api_tokens_list, TOKEN_OP(OP_READ)),
    ROUTE(LT_POST, "/api/admin/api-tokens", api_tokens_create, TOKEN_OP(OP_CREATE), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/api-tokens/:name", api_tokens_by_name, TOKEN_OP(OP_READ)),
    ROUTE(LT_PUT, "/api/admin/api-tokens/:secret", api_tokens_update, TOKEN_OP(OP_UPDATE),
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/api-tokens/:secret", api_tokens_delete, TOKEN_OP(OP_DELETE)),
    ROUTE(LT_POST, "/api/admin/api-tokens/:token/rotate", api_tokens_rotate, TOKEN_OP(OP_UPDATE),
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/api-tokens-expiring", api_tokens_expiring, LT_PERM("ADMIN")),
    ROUTE(LT_GET, "/api/admin/api-tokens/:token/usage", api_tokens_usage, TOKEN_OP(OP_READ)),
    ROUTE(LT_GET, "/api/admin/api-tokens-usage", api_tokens_usage_all, TOKEN_OP(OP_READ)),
    ROUTE(LT_PUT, "/api/admin/api-tokens/:token/origins", api_tokens_origins, TOKEN_OP(OP_UPDATE),
          LT_JSON_OBJECT),
    ROUTE(LT_PUT, "/api/admin/api-tokens/:token/quota", api_tokens_quota, TOKEN_OP(OP_UPDATE),
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/api-tokens", project_tokens_list,
          LT_PERM("READ_PROJECT_API_TOKEN"), LT_IN_PROJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/api-tokens", project_tokens_create,
          LT_AUTHORIZE(authorize_project_token_create), .perm = "CREATE_PROJECT_API_TOKEN",
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/projects/:projectId/api-tokens/:token", project_tokens_delete,
          LT_PERM("DELETE_PROJECT_API_TOKEN"), LT_IN_PROJECT),
    /* public: it answers only what the caller already holds (the secrets it presents) */
    ROUTE(LT_POST, "/edge/validate", edge_validate, LT_PUBLIC, LT_JSON_OBJECT),
    /* public as in Unleash: the request's HMAC signature is its credential */
    ROUTE(LT_POST, "/edge/issue-token", edge_issue_token, LT_PUBLIC, LT_JSON_OBJECT),
    {0},
};
