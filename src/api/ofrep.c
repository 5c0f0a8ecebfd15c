/*
 * ofrep.c: the OFREP endpoints (ofrep.h, docs/OFREP.md). A request's context is built as the
 * front-end API builds it (targetingKey standing in for userId), every flag is evaluated with
 * lt_eval_variant and mapped: off is `false` (reason DISABLED), on without a variant is `true`,
 * a variant's payload is its value (JSON parsed, numbers as numbers), a variant without one is
 * its name. Errors carry the spec's codes; bodies are OFREP's, never Unleash's.
 */
#include "ofrep.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../base/util.h"
#include "../eval/eval.h"
#include "../model/model_json.h"
#include "client_stream.h"
#include "frontend.h"
#include "guard.h"
#include "quota.h"
#include "route.h"
#include "token_usage.h"

/* ---------- authentication ---------- */

/* The presented secret: X-API-Key, else Authorization with or without "Bearer ". */
static lt_str_t presented(lt_req_t *r)
{
    lt_str_t k = lt_req_header(r, "X-API-Key");
    if (k.ptr && k.len)
        return k;
    lt_str_t h = lt_req_header(r, "Authorization");
    if (h.ptr && h.len > 7 && strncasecmp(h.ptr, "Bearer", 6) == 0 &&
        isspace((unsigned char)h.ptr[6])) {
        size_t i = 6;
        while (i < h.len && isspace((unsigned char)h.ptr[i]))
            i++;
        h.ptr += i;
        h.len -= i;
    }
    return h;
}

static void reply_status_only(lt_req_t *r, int status, const char *code, const char *details)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "{\"errorCode\":\"%s\",\"errorDetails\":", code);
    lt_json_cstr(&b, details);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, status, LT_JSON_TYPE, &b);
}

/* A live token of type want (a proxy client key counts as a front-end token), or NULL after
 * replying 401 (none, unknown, expired) or 403 (another type). */
static const lt_token_t *ofrep_auth(lt_req_t *r, lt_token_type_t want)
{
    lt_str_t sec = presented(r);
    if (!sec.ptr || !sec.len) {
        reply_status_only(r, 401, "GENERAL", "An API token is required.");
        return NULL;
    }
    const lt_token_t *key = lt_frontend_client_key(sec);
    if (key && want != LT_TOKEN_FRONTEND) {
        reply_status_only(r, 403, "GENERAL",
                          "Single-flag evaluation takes a client (backend) token.");
        return NULL;
    }
    if (key)
        return key;
    const lt_token_t *t = lt_guard_find(r, sec); /* `latch edge`: its cache too */
    if (!t || !lt_token_live(t, lt_now_ms())) {
        reply_status_only(r, 401, "GENERAL", "The API token is not valid.");
        return NULL;
    }
    lt_token_usage_note(r, t, want);
    if (t->type != want) {
        reply_status_only(r, 403, "GENERAL",
                          want == LT_TOKEN_CLIENT
                              ? "Single-flag evaluation takes a client (backend) token."
                              : "Bulk evaluation takes a front-end token or a client key.");
        return NULL;
    }
    lt_frontend_cors_token(r, t); /* a front-end token's own origins */
    return lt_quota_admit(r, t) ? t : NULL; /* the token's requests per second: 429 past it */
}

/* ---------- context ---------- */

typedef struct {
    lt_context_t ctx;
    bool has_key; /* targetingKey or userId */
} ofrep_ctx_t;

/* Parse the body {"context":{...}} into c. Returns NULL on success, else the error code and
 * sets *details. */
static const char *parse_context(lt_req_t *r, const char *env, ofrep_ctx_t *c,
                                 const char **details)
{
    lt_str_t body = lt_req_body(r);
    cJSON *j = NULL;
    const char *code = NULL;
    memset(c, 0, sizeof(*c));
    if (body.len) {
        j = lt_json_parse(body.ptr, body.len);
        if (!j) {
            *details = "The request body is not valid JSON.";
            return "PARSE_ERROR";
        }
    }
    const cJSON *ctx = j ? cJSON_GetObjectItemCaseSensitive(j, "context") : NULL;
    if (j && !cJSON_IsObject(j)) {
        *details = "The request body must be a JSON object.";
        code = "PARSE_ERROR";
        goto done;
    }
    if (ctx && !cJSON_IsObject(ctx) && !cJSON_IsNull(ctx)) {
        *details = "context must be an object.";
        code = "INVALID_CONTEXT";
        goto done;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, ctx)
    {
        bool scalar = cJSON_IsString(it) || cJSON_IsNumber(it) || cJSON_IsBool(it) ||
                      cJSON_IsNull(it);
        if (!scalar && !(strcmp(it->string, "properties") == 0 && cJSON_IsObject(it))) {
            *details = "Context values must be strings, numbers or booleans (or properties, "
                       "an object of them).";
            code = "INVALID_CONTEXT";
            goto done;
        }
    }
    const cJSON *tk = ctx ? cJSON_GetObjectItemCaseSensitive(ctx, "targetingKey") : NULL;
    const cJSON *uid = ctx ? cJSON_GetObjectItemCaseSensitive(ctx, "userId") : NULL;
    if (tk && !cJSON_IsNull(tk) && !cJSON_IsString(tk)) {
        *details = "targetingKey must be a string.";
        code = "INVALID_CONTEXT";
        goto done;
    }
    if (lt_frontend_context_json(r, cJSON_IsObject(ctx) ? ctx : NULL, env, &c->ctx) != LT_OK) {
        *details = "The context has too many properties.";
        code = "INVALID_CONTEXT";
        goto done;
    }
    /* targetingKey stands for userId (an explicit userId wins); it is not a property */
    if (cJSON_IsString(tk) && tk->valuestring[0] && !(cJSON_IsString(uid) && uid->valuestring[0]))
        c->ctx.user_id = lt_str_c(lt_arena_strdup(lt_req_arena(r), tk->valuestring));
    lt_prop_t *props = (lt_prop_t *)(uintptr_t)c->ctx.props;
    size_t k = 0;
    for (size_t i = 0; i < c->ctx.n_props; i++)
        if (!lt_str_eq_c(props[i].key, "targetingKey"))
            props[k++] = props[i];
    c->ctx.n_props = k;
    c->has_key = c->ctx.user_id.ptr && c->ctx.user_id.len;
done:
    cJSON_Delete(j);
    return code;
}

/* ---------- evaluation ---------- */

/* Does the flag's evaluation in env hang on a user id (userWithId, or a rollout sticky on
 * userId)? Then it cannot be answered honestly without a targeting key. */
static bool needs_key(const lt_feature_t *f, const char *env)
{
    const lt_feature_env_t *fe = lt_feature_env(f, env);
    for (size_t i = 0; fe && fe->enabled && i < fe->n_strategies; i++) {
        const lt_strategy_t *st = &fe->strategies[i];
        if (st->disabled)
            continue;
        if (strcmp(st->name, "userWithId") == 0 || strcmp(st->name, "gradualRolloutUserId") == 0)
            return true;
        for (size_t k = 0; k < st->n_params; k++)
            if (strcmp(st->params[k].key, "stickiness") == 0 &&
                strcmp(st->params[k].value, "userId") == 0)
                return true;
    }
    return false;
}

static int feature_name_cmp(const void *key, const void *elem)
{
    return strcmp(key, (*(const lt_feature_t *const *)elem)->name);
}

static const lt_feature_t *model_feature(const lt_env_view_t *ev, const char *name)
{
    const lt_feature_t *const *f =
        bsearch(name, ev->features, ev->n_features, sizeof(*ev->features), feature_name_cmp);
    return f ? *f : NULL;
}

/* Write a payload as an OFREP value: JSON parsed, a number as a number, else a string. */
static void write_payload_value(lt_buf_t *b, const lt_payload_t *p)
{
    if (strcmp(p->type, "json") == 0) {
        cJSON *j = cJSON_Parse(p->value);
        if (j) {
            char *txt = cJSON_PrintUnformatted(j);
            if (txt)
                lt_buf_puts(b, txt);
            cJSON_free(txt);
            cJSON_Delete(j);
            if (txt)
                return;
        }
    } else if (strcmp(p->type, "number") == 0) {
        char *end;
        double d = strtod(p->value, &end);
        if (p->value[0] && !*end && d == d && d < 1e300 && d > -1e300) {
            lt_buf_printf(b, "%.17g", d);
            return;
        }
    }
    lt_json_cstr(b, p->value);
}

/* One evaluation result object {"key","value","reason","variant","metadata"}, or an error
 * object for TARGETING_KEY_MISSING. Returns false for the latter. */
static bool write_result(lt_buf_t *b, const lt_eval_env_t *e, const lt_eval_feature_t *f,
                         const lt_feature_t *mf, const char *env, const ofrep_ctx_t *c)
{
    const char *name = lt_eval_feature_name(f);
    lt_buf_puts(b, "{\"key\":");
    lt_json_cstr(b, name);
    if (!c->has_key && mf && needs_key(mf, env)) {
        lt_buf_puts(b, ",\"errorCode\":\"TARGETING_KEY_MISSING\",\"errorDetails\":\"This flag "
                       "targets users: give a targetingKey (or userId).\"}");
        return false;
    }
    lt_variant_result_t v;
    lt_eval_variant(e, f, &c->ctx, &v);
    lt_buf_puts(b, ",\"value\":");
    const char *reason, *variant;
    if (!v.feature_enabled) {
        const lt_feature_env_t *fe = mf ? lt_feature_env(mf, env) : NULL;
        lt_buf_puts(b, "false");
        reason = fe && fe->enabled ? "DEFAULT" : "DISABLED"; /* on, but not for this context */
        variant = "off";
    } else if (!v.enabled) {
        lt_buf_puts(b, "true");
        reason = "TARGETING_MATCH";
        variant = "on";
    } else {
        if (v.payload)
            write_payload_value(b, v.payload);
        else
            lt_json_cstr(b, v.name);
        reason = "SPLIT";
        variant = v.name;
    }
    lt_buf_printf(b, ",\"reason\":\"%s\",\"variant\":", reason);
    lt_json_cstr(b, variant);
    lt_buf_printf(b, ",\"metadata\":{\"enabled\":%s,\"impressionData\":%s",
                  v.feature_enabled ? "true" : "false",
                  lt_eval_feature_impression_data(f) ? "true" : "false");
    if (v.payload) {
        lt_buf_puts(b, ",\"payloadType\":");
        lt_json_cstr(b, v.payload->type);
    }
    lt_buf_puts(b, "}}");
    return true;
}

static void reply_flag_error(lt_req_t *r, int status, const char *key, const char *code,
                             const char *details)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"key\":");
    lt_json_cstr(&b, key);
    lt_buf_printf(&b, ",\"errorCode\":\"%s\",\"errorDetails\":", code);
    lt_json_cstr(&b, details);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, status, LT_JSON_TYPE, &b);
}

void lt_api_ofrep_evaluate(lt_req_t *r, const lt_params_t *p)
{
    const char *key = p->value[0];
    const lt_token_t *t = ofrep_auth(r, LT_TOKEN_CLIENT);
    if (!t)
        return;
    const char *env = lt_guard_env(t);
    ofrep_ctx_t c;
    const char *details = NULL;
    const char *code = parse_context(r, env, &c, &details);
    if (code) {
        reply_flag_error(r, 400, key, code, details);
        return;
    }
    const lt_env_view_t *ev = lt_snapshot_env(lt_req_snapshot(r), env);
    const lt_eval_feature_t *f = ev ? lt_eval_find(ev->eval, key, strlen(key)) : NULL;
    if (!f || !lt_token_has_project(t, lt_eval_feature_project(f))) {
        reply_flag_error(r, 404, key, "FLAG_NOT_FOUND", "No flag of this name in the token's scope.");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    bool ok = write_result(&b, ev->eval, f, model_feature(ev, key), env, &c);
    lt_reply_header(r, "Cache-Control", "no-cache");
    lt_reply_buf(r, ok ? 200 : 400, LT_JSON_TYPE, &b);
}

void lt_api_ofrep_bulk(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = ofrep_auth(r, LT_TOKEN_FRONTEND);
    if (!t)
        return;
    const char *env = lt_guard_env(t);
    ofrep_ctx_t c;
    const char *details = NULL;
    const char *code = parse_context(r, env, &c, &details);
    if (code) {
        reply_status_only(r, 400, code, details);
        return;
    }
    const lt_env_view_t *ev = lt_snapshot_env(lt_req_snapshot(r), env);
    size_t n = ev ? lt_eval_count(ev->eval) : 0;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"flags\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const lt_eval_feature_t *f = lt_eval_at(ev->eval, i);
        if (!lt_token_has_project(t, lt_eval_feature_project(f)))
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_result(&b, ev->eval, f, model_feature(ev, lt_eval_feature_name(f)), env, &c);
    }
    /* the stream is named by the token's digest: it works for that stream and nothing else */
    uint8_t digest[32];
    lt_token_digest(presented(r), digest);
    char hex[65];
    lt_hex(digest, 32, hex);
    lt_buf_printf(&b, "],\"metadata\":{},\"eventStreams\":[{\"type\":\"sse\",\"endpoint\":{"
                      "\"requestUri\":\"/ofrep/v1/events?key=%s\"},\"inactivityDelaySec\":120}]}",
                  hex);
    char etag[24];
    snprintf(etag, sizeof(etag), "\"%016llx\"",
             (unsigned long long)(lt_buf_ok(&b) ? lt_fnv1a(b.ptr, b.len) : 0));
    lt_reply_header(r, "Cache-Control", "no-cache");
    lt_reply_header(r, "ETag", etag);
    if (lt_buf_ok(&b) && lt_req_etag_match(r, etag)) {
        lt_buf_dispose(&b);
        lt_reply_empty(r, 304);
        return;
    }
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* The front-end token (or client key) whose digest is the hex string in `key`; NULL after
 * replying. */
static const lt_token_t *events_auth(lt_req_t *r, bool *out_fixed)
{
    static const lt_token_t any_key = {.name = "client-key", .type = LT_TOKEN_FRONTEND,
                                       .environment = "default", .all_projects = true};
    lt_str_t k = lt_req_query(r, "key");
    uint8_t digest[32];
    bool hex_ok = k.ptr && k.len == 64;
    for (size_t i = 0; hex_ok && i < 32; i++) {
        unsigned v = 0;
        char two[3] = {k.ptr[2 * i], k.ptr[2 * i + 1], 0};
        hex_ok = isxdigit((unsigned char)two[0]) && isxdigit((unsigned char)two[1]) &&
                 sscanf(two, "%2x", &v) == 1;
        digest[i] = (uint8_t)v;
    }
    *out_fixed = false;
    if (hex_ok && lt_frontend_client_key_digest(digest)) {
        *out_fixed = true;
        return &any_key;
    }
    const lt_token_t *t =
        hex_ok ? lt_token_table_find(&lt_req_snapshot(r)->tokens, digest) : NULL;
    lt_token_t *cached = lt_arena_alloc(lt_req_arena(r), sizeof(*cached));
    if (!t && hex_ok && lt_stream_lookup(digest, lt_req_arena(r), cached))
        t = cached; /* `latch edge`: a token of its cache */
    if (!t || !lt_token_live(t, lt_now_ms()) || t->type != LT_TOKEN_FRONTEND) {
        reply_status_only(r, 401, "GENERAL", "The event stream key is not valid.");
        return NULL;
    }
    return t;
}

void lt_api_ofrep_events(lt_req_t *r, const lt_params_t *p)
{
    bool fixed;
    const lt_token_t *t = events_auth(r, &fixed);
    if (!t)
        return;
    lt_delta_scope_t sc;
    memset(&sc, 0, sizeof(sc));
    sc.env = lt_guard_env(t);
    sc.all_projects = t->all_projects;
    if (!t->all_projects) {
        sc.projects = (const char *const *)t->projects;
        sc.n_projects = t->n_projects;
    }
    lt_buf_t first;
    lt_buf_init(&first, 0);
    lt_buf_puts(&first, ": latch\n\n");
    lt_stream_open(r, t, &sc, fixed ? LT_STREAM_REFETCH_FIXED : LT_STREAM_REFETCH, &first,
                   lt_req_snapshot(r)->revision);
    lt_buf_dispose(&first);
}

const lt_route_t lt_routes_ofrep[] = {
    LT_API_ROUTE(LT_POST, "/ofrep/v1/evaluate/flags/:key", lt_api_ofrep_evaluate),
    LT_API_ROUTE(LT_POST, "/ofrep/v1/evaluate/flags", lt_api_ofrep_bulk),
    LT_API_ROUTE(LT_GET, "/ofrep/v1/events", lt_api_ofrep_events),
    {0},
};
