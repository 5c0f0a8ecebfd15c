/*
 * frontend.c: the front-end API and the Unleash Proxy endpoints. A request's context comes
 * from its query string or JSON body (slices into the request, props in its arena), the
 * compiled environment of the snapshot evaluates every flag in scope, and the answer is
 * written straight into the response buffer. Nothing here touches the store.
 */
#include "frontend.h"

#include "../model/model_json.h"

#include <arpa/inet.h>
#include <cjson/cJSON.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../base/util.h"
#include "../eval/eval.h"
#include "api.h"
#include "guard.h"
#include "usage.h"

#define MAX_PROPS 512 /* the query-string limit allows about this many; more is a 400 */
/* Names in POST /proxy {toggles:[...]}; more is a 400. */
#define MAX_TOGGLE_NAMES 1000

static lt_frontend_config_t cfg;

const lt_frontend_config_t *lt_frontend_config(void)
{
    return &cfg;
}

void lt_frontend_configure(const lt_frontend_config_t *c)
{
    cfg = *c;
    if (!cfg.client_key_header)
        cfg.client_key_header = "Authorization";
    /* the HTTP layer keeps a trusted proxy's X-Request-Id: one list for both */
    lt_http_set_trusted_proxies(cfg.trusted_proxies, cfg.n_trusted);
}

/* ---------- CORS ---------- */

static bool is_frontend_path(const char *p)
{
    return strncmp(p, "/api/frontend", 13) == 0 && (p[13] == '\0' || p[13] == '/')
               ? true
               : (strncmp(p, "/proxy", 6) == 0 && (p[6] == '\0' || p[6] == '/')) ||
                     strncmp(p, "/ofrep/", 7) == 0;
}

static bool any_origin(void)
{
    for (size_t i = 0; i < cfg.n_origins; i++)
        if (strcmp(cfg.origins[i], "*") == 0)
            return true;
    return cfg.n_origins == 0;
}

/* Is origin in the server's own list (or is every origin allowed)? */
static bool server_allows(lt_str_t origin)
{
    if (any_origin())
        return true;
    for (size_t i = 0; origin.ptr && i < cfg.n_origins; i++)
        if (lt_str_eq_c(origin, cfg.origins[i]))
            return true;
    return false;
}

/* The CORS headers of an allowed request: the origin echoed, or "*" when any is allowed. */
static void allow_origin(lt_req_t *r, lt_str_t origin)
{
    lt_reply_header(r, "Access-Control-Allow-Origin", any_origin() || !origin.ptr ? "*" : origin.ptr);
    lt_reply_header(r, "Access-Control-Allow-Credentials", "true");
    lt_reply_header(r, "Access-Control-Expose-Headers", "ETag");
}

void lt_frontend_cors_token(lt_req_t *r, const lt_token_t *t)
{
    lt_str_t origin = lt_req_header(r, "Origin");
    if (!origin.ptr || !t || t->n_origins == 0 || server_allows(origin))
        return; /* no origin, nothing of its own, or the pre-hook has answered already */
    for (size_t i = 0; i < t->n_origins; i++)
        if (strcmp(t->origins[i], "*") == 0 || lt_str_eq_c(origin, t->origins[i])) {
            allow_origin(r, origin);
            return;
        }
}

bool lt_frontend_pre(lt_req_t *r)
{
    if (!is_frontend_path(lt_req_path(r)))
        return false;
    lt_str_t origin = lt_req_header(r, "Origin");
    lt_reply_header(r, "Vary", "Origin");
    bool preflight = lt_req_method(r) == LT_OPTIONS;
    /* a request that is not a preflight carries its token: an origin the server does not
     * allow may still be its token's own, decided once it is authenticated */
    bool allowed = server_allows(origin) ||
                   (preflight && origin.ptr &&
                    (lt_snapshot_frontend_origin(lt_req_snapshot(r), origin) ||
                     (cfg.origin_known && cfg.origin_known(origin))));
    if (allowed)
        allow_origin(r, origin);
    if (!preflight)
        return false;
    if (allowed) {
        lt_reply_header(r, "Access-Control-Allow-Methods", "GET,HEAD,PUT,PATCH,POST,DELETE");
        lt_str_t rh = lt_req_header(r, "Access-Control-Request-Headers");
        if (rh.ptr && rh.len < 1024)
            lt_reply_header(r, "Access-Control-Allow-Headers", rh.ptr);
        lt_reply_header(r, "Access-Control-Max-Age", "86400");
    }
    lt_reply_empty(r, 204);
    return true;
}

/* ---------- context ---------- */

typedef struct {
    lt_context_t ctx;
    lt_arena_t *arena;
    lt_prop_t *props; /* in the request arena, grown by doubling up to MAX_PROPS */
    size_t cap;
    bool too_many; /* more properties than MAX_PROPS: refused, never silently cut */
    lt_str_t *only; /* POST /proxy {toggles:[...]}: only these flags (none: every flag) */
    size_t n_only;
} req_ctx_t;

static void add_prop(req_ctx_t *c, lt_str_t k, lt_str_t v)
{
    for (size_t i = 0; i < c->ctx.n_props; i++)
        if (lt_str_eq(c->props[i].key, k)) {
            c->props[i].value = v; /* the last one wins */
            return;
        }
    if (c->ctx.n_props == MAX_PROPS) {
        c->too_many = true;
        return;
    }
    if (c->ctx.n_props == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        lt_prop_t *p = lt_arena_alloc(c->arena, cap * sizeof(*p));
        if (c->ctx.n_props)
            memcpy(p, c->props, c->ctx.n_props * sizeof(*p));
        c->props = p;
        c->cap = cap;
    }
    c->props[c->ctx.n_props++] = (lt_prop_t){k, v};
    c->ctx.props = c->props;
}

/* Set a context field by its name; false when the name is not a top-level field. */
static bool set_field(req_ctx_t *c, lt_str_t k, lt_str_t v)
{
    lt_str_t *f = NULL;
    if (lt_str_eq_c(k, "userId"))
        f = &c->ctx.user_id;
    else if (lt_str_eq_c(k, "sessionId"))
        f = &c->ctx.session_id;
    else if (lt_str_eq_c(k, "remoteAddress"))
        f = &c->ctx.remote_address;
    else if (lt_str_eq_c(k, "environment"))
        f = &c->ctx.environment;
    else if (lt_str_eq_c(k, "appName"))
        f = &c->ctx.app_name;
    else if (lt_str_eq_c(k, "currentTime"))
        f = &c->ctx.current_time;
    if (!f)
        return false;
    *f = v;
    return true;
}

static bool query_arg(void *ctx, lt_str_t k, lt_str_t v)
{
    req_ctx_t *c = ctx;
    if (v.len == 0)
        return true; /* empty values are dropped */
    if (k.len > 12 && memcmp(k.ptr, "properties[", 11) == 0 && k.ptr[k.len - 1] == ']') {
        add_prop(c, (lt_str_t){k.ptr + 11, k.len - 12}, v);
        return true;
    }
    if (!set_field(c, k, v))
        add_prop(c, k, v);
    return true;
}

/* The text of a JSON scalar for a context value, in the arena; NULL for null/objects. */
static const char *scalar(lt_arena_t *a, const cJSON *j)
{
    if (cJSON_IsString(j))
        return lt_arena_strdup(a, j->valuestring);
    if (cJSON_IsNumber(j)) {
        char tmp[64];
        if (j->valuedouble > -1e15 && j->valuedouble < 1e15 && /* range first: no UB */
            j->valuedouble == (double)(long long)j->valuedouble)
            snprintf(tmp, sizeof(tmp), "%lld", (long long)j->valuedouble);
        else
            snprintf(tmp, sizeof(tmp), "%.17g", j->valuedouble);
        return lt_arena_strdup(a, tmp);
    }
    if (cJSON_IsBool(j))
        return cJSON_IsTrue(j) ? "true" : "false";
    return NULL;
}

static void context_from_json(lt_arena_t *a, req_ctx_t *c, const cJSON *ctx)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, ctx)
    {
        if (!it->string)
            continue;
        lt_str_t k = lt_str_c(lt_arena_strdup(a, it->string));
        if (lt_str_eq_c(k, "properties") && cJSON_IsObject(it)) {
            const cJSON *p;
            cJSON_ArrayForEach(p, it)
            {
                const char *v = scalar(a, p);
                lt_str_t pk = lt_str_c(lt_arena_strdup(a, p->string));
                if (cJSON_IsNull(p))
                    add_prop(c, pk, (lt_str_t){NULL, 0});
                else if (v)
                    add_prop(c, pk, lt_str_c(v));
            }
            continue;
        }
        const char *v = scalar(a, it);
        if (!v || !*v)
            continue;
        if (!set_field(c, k, lt_str_c(v)))
            add_prop(c, k, lt_str_c(v));
    }
}

static void finish_context(lt_req_t *r, req_ctx_t *c, const char *env);

/*
 * Fill a context from the request; env is the environment the token grants. `toggles` in a
 * POST body is read only where the Unleash Proxy read it (POST /proxy and /proxy/all: with
 * toggles set); Unleash's /api/frontend ignores it. LT_OK or 400.
 */
static int build_context(lt_req_t *r, req_ctx_t *c, const char *env, bool with_toggles)
{
    memset(c, 0, sizeof(*c));
    lt_arena_t *a = lt_req_arena(r);
    c->arena = a;
    if (lt_req_method(r) == LT_POST) {
        lt_str_t body = lt_req_body(r);
        if (lt_req_header(r, "Content-Type").ptr && !lt_req_is_json(r)) {
            lt_reply_error(r, 415, "ContentTypeError",
                           "We do not accept the content-type you provided. Try using "
                           "application/json instead.");
            return LT_EINVAL;
        }
        cJSON *j = body.len ? lt_json_parse(body.ptr, body.len) : cJSON_CreateObject();
        if (!cJSON_IsObject(j)) {
            cJSON_Delete(j);
            lt_reply_error(r, 400, "BadDataError", "The request body must be a JSON object.");
            return LT_EINVAL;
        }
        const cJSON *ctx = cJSON_GetObjectItemCaseSensitive(j, "context");
        if (ctx && !cJSON_IsObject(ctx) && !cJSON_IsNull(ctx)) {
            cJSON_Delete(j);
            lt_reply_error(r, 400, "BadDataError", "context must be an object.");
            return LT_EINVAL;
        }
        const cJSON *toggles =
            with_toggles ? cJSON_GetObjectItemCaseSensitive(j, "toggles") : NULL;
        if (cJSON_IsArray(toggles)) {
            size_t n = (size_t)cJSON_GetArraySize(toggles);
            if (n > MAX_TOGGLE_NAMES) {
                cJSON_Delete(j);
                lt_reply_error(r, 400, "BadDataError", "toggles lists more than %d names.",
                               MAX_TOGGLE_NAMES);
                return LT_EINVAL;
            }
            c->only = lt_arena_calloc(a, n ? n : 1, sizeof(*c->only));
            const cJSON *it;
            cJSON_ArrayForEach(it, toggles)
            {
                if (cJSON_IsString(it))
                    c->only[c->n_only++] = lt_str_c(lt_arena_strdup(a, it->valuestring));
            }
        }
        if (ctx)
            context_from_json(a, c, ctx); /* copies into the arena: the tree can go */
        cJSON_Delete(j);
    } else {
        lt_req_query_each(r, query_arg, c);
    }
    if (c->too_many) {
        lt_reply_error(r, 400, "BadDataError", "The context has more than %d properties.",
                       MAX_PROPS);
        return LT_EINVAL;
    }
    finish_context(r, c, env);
    return LT_OK;
}

/* The defaults every context gets: the token's environment, the client's address, a session. */
static void finish_context(lt_req_t *r, req_ctx_t *c, const char *env)
{
    lt_arena_t *a = lt_req_arena(r);
    if (!cfg.context_env_from_request || !c->ctx.environment.ptr)
        c->ctx.environment = lt_str_c(env);
    if (!c->ctx.remote_address.ptr)
        c->ctx.remote_address = lt_req_client_addr(r);
    if (!c->ctx.session_id.ptr) {
        char *sid = lt_arena_alloc(a, 17);
        lt_random_hex(8, sid);
        c->ctx.session_id = (lt_str_t){sid, 16};
    }
}

int lt_frontend_context_json(lt_req_t *r, const cJSON *json, const char *env,
                             lt_context_t *out)
{
    req_ctx_t *c = lt_arena_calloc(lt_req_arena(r), 1, sizeof(*c));
    c->arena = lt_req_arena(r);
    if (json)
        context_from_json(c->arena, c, json);
    if (c->too_many)
        return LT_ELIMIT;
    finish_context(r, c, env);
    *out = c->ctx;
    return LT_OK;
}

/* ---------- authorisation ---------- */

/* The scope a proxy client key grants: every project of the one offline environment. */
static const lt_token_t key_scope = {
    .name = "client-key", .type = LT_TOKEN_FRONTEND, .environment = "default",
    .all_projects = true,
};

static bool client_key_ok(lt_str_t v)
{
    bool ok = false;
    for (size_t i = 0; v.ptr && i < cfg.n_client_keys; i++) {
        size_t n = strlen(cfg.client_keys[i]);
        if (n == v.len && sodium_memcmp(cfg.client_keys[i], v.ptr, n) == 0)
            ok = true;
    }
    return ok;
}

const lt_token_t *lt_frontend_client_key(lt_str_t presented)
{
    return cfg.n_client_keys && client_key_ok(presented) ? &key_scope : NULL;
}

bool lt_frontend_client_key_digest(const uint8_t digest[32])
{
    bool ok = false;
    for (size_t i = 0; i < cfg.n_client_keys; i++) {
        uint8_t d[32];
        lt_token_digest(lt_str_c(cfg.client_keys[i]), d);
        ok |= sodium_memcmp(d, digest, 32) == 0;
    }
    return ok;
}

/* The scope of a client key when the configured callback knows it (`latch edge`), or NULL. */
static const lt_token_t *key_lookup(lt_req_t *r, lt_str_t v)
{
    lt_token_t *t = lt_arena_alloc(lt_req_arena(r), sizeof(*t));
    return cfg.client_key && cfg.client_key(v, lt_req_arena(r), t) ? t : NULL;
}

/* A front-end token (or a proxy client key), with its own CORS origins; NULL after replying. */
static const lt_token_t *frontend_auth(lt_req_t *r)
{
    if (cfg.n_client_keys && client_key_ok(lt_req_header(r, "Authorization")))
        return &key_scope;
    const lt_token_t *k = cfg.client_key ? key_lookup(r, lt_req_header(r, "Authorization")) : NULL;
    if (!k)
        k = lt_guard_api_token(r, LT_TOKEN_FRONTEND);
    lt_frontend_cors_token(r, k);
    return k;
}

/* A proxy client key in the configured header; NULL after replying 401 Unauthorized. */
static const lt_token_t *proxy_auth(lt_req_t *r)
{
    if (client_key_ok(lt_req_header(r, cfg.client_key_header)))
        return &key_scope;
    const lt_token_t *k = key_lookup(r, lt_req_header(r, cfg.client_key_header));
    lt_frontend_cors_token(r, k);
    if (k)
        return k;
    lt_reply(r, 401, "text/plain; charset=utf-8", "Unauthorized", 12);
    return NULL;
}

/* ---------- evaluation and output ---------- */

#define PUT_LIT(b, lit) lt_buf_append((b), (lit), sizeof(lit) - 1)

/* One toggle; name_json is the flag's name already escaped (the snapshot keeps it). */
static void write_toggle(lt_buf_t *b, const lt_eval_feature_t *f, lt_str_t name_json,
                         const lt_variant_result_t *v)
{
    PUT_LIT(b, "{\"name\":");
    lt_buf_append(b, name_json.ptr, name_json.len);
    if (!v->enabled && !v->payload && strcmp(v->name, "disabled") == 0) {
        /* no variant: the common case, written whole */
        if (v->feature_enabled)
            PUT_LIT(b, ",\"enabled\":true,\"variant\":{\"name\":\"disabled\",\"enabled\":false,"
                       "\"feature_enabled\":true,\"featureEnabled\":true}");
        else
            PUT_LIT(b, ",\"enabled\":false,\"variant\":{\"name\":\"disabled\",\"enabled\":false,"
                       "\"feature_enabled\":false,\"featureEnabled\":false}");
        if (lt_eval_feature_impression_data(f))
            PUT_LIT(b, ",\"impressionData\":true}");
        else
            PUT_LIT(b, ",\"impressionData\":false}");
        return;
    }
    lt_buf_puts(b, v->feature_enabled ? ",\"enabled\":true,\"variant\":{\"name\":"
                                      : ",\"enabled\":false,\"variant\":{\"name\":");
    lt_json_cstr(b, v->name);
    lt_buf_puts(b, v->enabled ? ",\"enabled\":true" : ",\"enabled\":false");
    if (v->payload) {
        lt_buf_puts(b, ",\"payload\":{\"type\":");
        lt_json_cstr(b, v->payload->type);
        lt_buf_puts(b, ",\"value\":");
        lt_json_cstr(b, v->payload->value);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, v->feature_enabled ? ",\"feature_enabled\":true,\"featureEnabled\":true}"
                                      : ",\"feature_enabled\":false,\"featureEnabled\":false}");
    lt_buf_puts(b, lt_eval_feature_impression_data(f) ? ",\"impressionData\":true}"
                                                      : ",\"impressionData\":false}");
}

/* Which of e's flags the request names (a name once however often given), or NULL for all:
 * each name is looked up, so this costs O(names), not O(flags x names). */
static const bool *wanted(lt_req_t *r, const req_ctx_t *c, const lt_eval_env_t *e)
{
    if (!c->n_only || !e)
        return NULL;
    bool *want = lt_arena_calloc(lt_req_arena(r), lt_eval_count(e) + 1, sizeof(*want));
    for (size_t i = 0; i < c->n_only; i++) {
        const lt_eval_feature_t *f = lt_eval_find(e, c->only[i].ptr, c->only[i].len);
        if (f)
            want[lt_eval_index(e, f)] = true;
    }
    return want;
}

/* The compiled environment a token reads, or NULL when the snapshot has none. */
static const lt_eval_env_t *eval_env(lt_req_t *r, const lt_token_t *t)
{
    const lt_env_view_t *v = lt_snapshot_env(lt_req_snapshot(r), lt_guard_env(t));
    return v ? v->eval : NULL;
}

/* The environment view a token reads, or NULL. */
static const lt_env_view_t *env_view(lt_req_t *r, const lt_token_t *t)
{
    return lt_snapshot_env(lt_req_snapshot(r), lt_guard_env(t));
}

/*
 * Reply with the toggles in b under an ETag named after their bytes (so it changes exactly when
 * the evaluated result for this context does), or 304 when If-None-Match already names it.
 */
static void reply_toggles(lt_req_t *r, lt_buf_t *b, const char *cache)
{
    char etag[24];
    snprintf(etag, sizeof(etag), "\"%016llx\"",
             (unsigned long long)(lt_buf_ok(b) ? lt_fnv1a(b->ptr, b->len) : 0));
    lt_reply_header(r, "Cache-Control", cache);
    if (lt_buf_ok(b))
        lt_reply_header(r, "ETag", etag);
    if (lt_buf_ok(b) && lt_req_etag_match(r, etag)) {
        lt_buf_dispose(b);
        lt_reply_empty(r, 304);
        return;
    }
    lt_reply_buf(r, 200, LT_JSON_TYPE, b);
}

/* Answer with the toggles of every flag in the token's scope: enabled ones, or all. */
static void answer_toggles(lt_req_t *r, const lt_token_t *t, bool all, const char *cache,
                           bool with_toggles)
{
    req_ctx_t *c = lt_arena_alloc(lt_req_arena(r), sizeof(*c));
    if (build_context(r, c, lt_guard_env(t), with_toggles) != LT_OK)
        return;
    const lt_env_view_t *ev = env_view(r, t);
    const lt_eval_env_t *e = ev ? ev->eval : NULL;
    const bool *want = wanted(r, c, e);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    size_t n = e ? lt_eval_count(e) : 0;
    lt_buf_reserve(&b, 64 + n * 128); /* a toggle is about 80-160 bytes: grow once at most */
    lt_buf_puts(&b, "{\"toggles\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const lt_eval_feature_t *f = lt_eval_at(e, i);
        if ((want && !want[i]) || !lt_token_has_project(t, lt_eval_feature_project(f)))
            continue;
        lt_variant_result_t v;
        lt_eval_variant(e, f, &c->ctx, &v);
        if (!v.feature_enabled && !all)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_toggle(&b, f, ev->name_json[i], &v);
    }
    lt_buf_puts(&b, "]}");
    reply_toggles(r, &b, cache);
}

void lt_api_frontend(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = frontend_auth(r);
    if (t)
        answer_toggles(r, t, false, "no-cache", false);
}

void lt_api_frontend_feature(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = frontend_auth(r);
    if (!t)
        return;
    req_ctx_t *c = lt_arena_alloc(lt_req_arena(r), sizeof(*c));
    if (build_context(r, c, lt_guard_env(t), false) != LT_OK)
        return;
    const lt_eval_env_t *e = eval_env(r, t);
    const lt_eval_feature_t *f = e ? lt_eval_find(e, p->value[0], strlen(p->value[0])) : NULL;
    lt_variant_result_t v;
    if (f && lt_token_has_project(t, lt_eval_feature_project(f)))
        lt_eval_variant(e, f, &c->ctx, &v);
    else
        f = NULL;
    if (!f || !v.feature_enabled) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find feature flag %.200s",
                       p->value[0]);
        return;
    }
    lt_buf_t name, b;
    lt_buf_init(&name, 0);
    lt_json_cstr(&name, lt_eval_feature_name(f));
    lt_buf_init(&b, 0);
    write_toggle(&b, f, (lt_str_t){name.ptr, name.len}, &v);
    lt_buf_dispose(&name);
    lt_reply_header(r, "Cache-Control", "no-cache");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void record_metrics(lt_req_t *r, const lt_token_t *t, int ok_status)
{
    lt_str_t body = lt_req_body(r);
    cJSON *j = lt_json_parse(body.ptr, body.len);
    if (!cJSON_IsObject(j) || lt_api_record_metrics(j, lt_guard_env(t), "frontend") != LT_OK)
        lt_reply_error(r, 400, "ValidationError",
                       "Metrics need an appName and a bucket of toggles with yes/no counts.");
    else
        lt_reply_empty(r, ok_status);
    cJSON_Delete(j);
}

void lt_api_frontend_metrics(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = frontend_auth(r);
    if (t)
        record_metrics(r, t, 200);
}

void lt_api_frontend_register(lt_req_t *r, const lt_params_t *p)
{
    if (frontend_auth(r))
        lt_reply_empty(r, 200);
}

void lt_api_frontend_unsupported(lt_req_t *r, const lt_params_t *p)
{
    if (frontend_auth(r))
        lt_reply_error(r, 405, "NotImplementedError",
                       "The frontend API does not support this endpoint.");
}

void lt_api_proxy(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = proxy_auth(r);
    if (t)
        answer_toggles(r, t, false, "public, max-age=2", true);
}

void lt_api_proxy_all(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = proxy_auth(r);
    if (t)
        answer_toggles(r, t, true, "public, max-age=2", true);
}

void lt_api_proxy_metrics(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = proxy_auth(r);
    if (t)
        record_metrics(r, t, 200);
}

void lt_api_proxy_register(lt_req_t *r, const lt_params_t *p)
{
    if (proxy_auth(r))
        lt_reply_empty(r, 200);
}

void lt_api_proxy_health(lt_req_t *r, const lt_params_t *p)
{
    lt_reply(r, 200, "text/plain; charset=utf-8", "ok", 2);
}
