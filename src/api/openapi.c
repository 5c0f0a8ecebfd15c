/*
 * openapi.c: latch's own OpenAPI document (see openapi.h), built once from the route table,
 * the route declarations and the generated name tables, and the page that lists it.
 */
#include "openapi.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/version.h"
#include "api.h"
#include "route.h"

static const struct {
    unsigned bit;
    const char *name, *lower;
} methods[] = {
    {LT_GET, "GET", "get"},       {LT_POST, "POST", "post"},       {LT_PUT, "PUT", "put"},
    {LT_PATCH, "PATCH", "patch"}, {LT_DELETE, "DELETE", "delete"},
};

bool lt_openapi_documents(const lt_route_t *rt)
{
    size_t n = strlen(rt->pattern);
    return !(n > 0 && rt->pattern[n - 1] == '*');
}

/* Does a route pattern (":param" segments) answer a document path ("{param}" segments)? */
static bool pattern_answers(const char *pattern, const char *path)
{
    const char *pp = pattern, *sp = path;
    while (*pp == '/' && *sp == '/') {
        pp++;
        sp++;
        size_t pn = strcspn(pp, "/"), sn = strcspn(sp, "/");
        bool pparam = pp[0] == ':', sparam = sp[0] == '{';
        if (pparam != sparam || (!pparam && (pn != sn || memcmp(pp, sp, pn) != 0)))
            return false;
        pp += pn;
        sp += sn;
    }
    return *pp == '\0' && *sp == '\0';
}

static const char *method_name(unsigned m)
{
    for (size_t i = 0; i < LT_ARRAY_LEN(methods); i++)
        if (methods[i].bit == m)
            return methods[i].name;
    return "";
}

/* The named operation of a table answering (pattern, m), or NULL. */
static const lt_openapi_name_t *find_name(const lt_openapi_name_t *t, const char *pattern,
                                          unsigned m)
{
    const char *mn = method_name(m);
    for (; t->method; t++)
        if (strcmp(t->method, mn) == 0 && pattern_answers(pattern, t->path))
            return t;
    return NULL;
}

void lt_openapi_path(const char *pattern, unsigned m, char *out, size_t out_len)
{
    const lt_openapi_name_t *u = find_name(lt_openapi_unleash_ops, pattern, m);
    if (!u)
        u = find_name(lt_openapi_latch_ops, pattern, m);
    if (u) {
        snprintf(out, out_len, "%s", u->path);
        return;
    }
    size_t k = 0;
    for (const char *p = pattern; *p && k + 2 < out_len; p++) {
        if (*p == ':' && (p == pattern || p[-1] == '/')) {
            size_t n = strcspn(p + 1, "/");
            if (k + n + 3 > out_len)
                break;
            out[k++] = '{';
            memcpy(out + k, p + 1, n);
            k += n;
            out[k++] = '}';
            p += n;
        } else {
            out[k++] = *p;
        }
    }
    out[k] = '\0';
}

/* "getFeatureTypes" -> "Get feature types". */
static void summary_of(const char *op_id, char *out, size_t out_len)
{
    size_t k = 0;
    for (const char *p = op_id; *p && k + 2 < out_len; p++) {
        if (p == op_id) {
            out[k++] = (char)toupper((unsigned char)*p);
        } else if (isupper((unsigned char)*p) && !isupper((unsigned char)p[-1])) {
            out[k++] = ' ';
            out[k++] = (char)tolower((unsigned char)*p);
        } else {
            out[k++] = *p;
        }
    }
    out[k] = '\0';
}

/* How a route without the admin guard authenticates (its handler checks its own tokens). */
static const char *own_token(const char *pattern)
{
    if (strncmp(pattern, "/api/client/", 12) == 0)
        return "clientToken";
    if (strncmp(pattern, "/api/frontend", 13) == 0)
        return "frontendToken";
    if (strncmp(pattern, "/ofrep/", 7) == 0)
        return "ofrep";
    return NULL;
}

static void add_security(cJSON *op, const char *const *schemes, size_t n)
{
    cJSON *sec = cJSON_AddArrayToObject(op, "security");
    for (size_t i = 0; i < n; i++) {
        cJSON *req = cJSON_CreateObject();
        cJSON_AddItemToObject(req, schemes[i], cJSON_CreateArray());
        cJSON_AddItemToArray(sec, req);
    }
}

static void add_response(cJSON *responses, const char *code, const char *description)
{
    cJSON *r = cJSON_AddObjectToObject(responses, code);
    cJSON_AddStringToObject(r, "description", description);
}

/* The operation object of one route and method. */
static cJSON *operation(const lt_route_t *rt, unsigned m, const char *path, cJSON *op_ids)
{
    cJSON *op = cJSON_CreateObject();
    const lt_openapi_name_t *u = find_name(lt_openapi_unleash_ops, rt->pattern, m);
    const lt_openapi_name_t *l = find_name(lt_openapi_latch_ops, rt->pattern, m);
    const lt_openapi_name_t *name = u ? u : l;
    char buf[LT_MAX_PATH + 32];
    if (name) {
        cJSON_AddItemToObject(op, "tags", cJSON_CreateStringArray(&name->tag, 1));
        snprintf(buf, sizeof(buf), "%s", name->op_id);
    } else { /* unnamed: tests/unit/test_openapi.c fails, but the document stays whole */
        const char *tag = "Other";
        cJSON_AddItemToObject(op, "tags", cJSON_CreateStringArray(&tag, 1));
        snprintf(buf, sizeof(buf), "%s%s", method_name(m), path);
        for (char *c = buf; *c; c++)
            if (!isalnum((unsigned char)*c))
                *c = '_';
    }
    /* operationIds are unique in a document */
    size_t base = strlen(buf);
    for (int i = 2; cJSON_HasObjectItem(op_ids, buf) && base + 8 < sizeof(buf); i++)
        snprintf(buf + base, sizeof(buf) - base, "%d", i);
    cJSON_AddTrueToObject(op_ids, buf);
    cJSON_AddStringToObject(op, "operationId", buf);
    char summary[LT_MAX_PATH + 32];
    if (l && l->summary && !u)
        snprintf(summary, sizeof(summary), "%s", l->summary);
    else if (name)
        summary_of(name->op_id, summary, sizeof(summary));
    else
        snprintf(summary, sizeof(summary), "%s %s", method_name(m), path);
    cJSON_AddStringToObject(op, "summary", summary);
    if (u)
        cJSON_AddTrueToObject(op, "x-unleash");

    /* path parameters */
    cJSON *params = NULL;
    for (const char *p = strchr(path, '{'); p; p = strchr(p + 1, '{')) {
        size_t n = strcspn(p + 1, "}");
        if (!params)
            params = cJSON_AddArrayToObject(op, "parameters");
        cJSON *prm = cJSON_CreateObject();
        snprintf(buf, sizeof(buf), "%.*s", (int)n, p + 1);
        cJSON_AddStringToObject(prm, "name", buf);
        cJSON_AddStringToObject(prm, "in", "path");
        cJSON_AddTrueToObject(prm, "required");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(prm, "schema"), "type", "string");
        cJSON_AddItemToArray(params, prm);
    }

    /* security and body, from the route's declaration */
    const lt_adm_decl_t *d = rt->decl;
    bool auth = false, body = false, body_required = false;
    const char *body_type = "object";
    if (rt->guard == lt__adm_guard && d) {
        static const char *const admin[] = {"apiKey", "bearerToken", "session"};
        switch (d->access) {
        case LT_ADM_PUBLIC:
            add_security(op, NULL, 0);
            break;
        case LT_ADM_AUTHENTICATED:
            add_security(op, admin, LT_ARRAY_LEN(admin));
            cJSON_AddStringToObject(op, "x-latch-permission", "any admin principal");
            auth = true;
            break;
        case LT_ADM_PERMISSION: {
            add_security(op, admin, LT_ARRAY_LEN(admin));
            cJSON_AddStringToObject(op, "x-latch-permission", d->perm ? d->perm : "ADMIN");
            cJSON *scope = NULL;
            const char *const keys[][2] = {
                {"project", d->project}, {"feature", d->feature}, {"environment", d->env}};
            for (size_t i = 0; i < LT_ARRAY_LEN(keys); i++)
                if (keys[i][1]) {
                    if (!scope)
                        scope = cJSON_AddObjectToObject(op, "x-latch-scope");
                    cJSON_AddStringToObject(scope, keys[i][0], keys[i][1]);
                }
            auth = true;
            break;
        }
        case LT_ADM_AUTHORIZER:
            add_security(op, admin, LT_ARRAY_LEN(admin));
            cJSON_AddStringToObject(op, "x-latch-permission",
                                    "decided per request (by the body or the entity)");
            auth = true;
            break;
        case LT_ADM_UNDECLARED:
        default:
            add_security(op, admin, LT_ARRAY_LEN(admin));
            cJSON_AddStringToObject(op, "x-latch-permission", "ADMIN");
            auth = true;
            break;
        }
        if (d->body != LT_ADM_NO_BODY) {
            body = body_required = true;
            body_type = d->body == LT_ADM_ARRAY ? "array" : "object";
        }
    } else {
        const char *own = own_token(rt->pattern);
        if (own && strcmp(own, "ofrep") == 0) {
            static const char *const ofrep[] = {"clientToken", "frontendToken"};
            add_security(op, ofrep, LT_ARRAY_LEN(ofrep));
        } else if (own) {
            add_security(op, &own, 1);
        } else {
            add_security(op, NULL, 0);
        }
        auth = own != NULL;
        body = m == LT_POST || m == LT_PUT || m == LT_PATCH; /* read by the handler itself */
        body_required = own && strcmp(own, "clientToken") == 0;
    }
    if (body) {
        cJSON *rb = cJSON_AddObjectToObject(op, "requestBody");
        cJSON_AddBoolToObject(rb, "required", body_required);
        cJSON *ct = cJSON_AddObjectToObject(cJSON_AddObjectToObject(rb, "content"),
                                            "application/json");
        cJSON_AddStringToObject(cJSON_AddObjectToObject(ct, "schema"), "type", body_type);
    }

    cJSON *responses = cJSON_AddObjectToObject(op, "responses");
    add_response(responses, "2XX", "Success");
    if (body)
        add_response(responses, "400", "The body is not valid (a JSON message says why)");
    if (auth) {
        add_response(responses, "401", "No credential, or one that is not valid");
        add_response(responses, "403", "The credential may not do this");
    }
    if (params)
        add_response(responses, "404", "What the path names does not exist");
    if (body_required)
        add_response(responses, "415", "The body is not JSON");
    return op;
}

static cJSON *scheme(const char *type, const char *where, const char *name, const char *what)
{
    cJSON *s = cJSON_CreateObject();
    cJSON_AddStringToObject(s, "type", type);
    if (strcmp(type, "http") == 0) {
        cJSON_AddStringToObject(s, "scheme", "bearer");
    } else {
        cJSON_AddStringToObject(s, "in", where);
        cJSON_AddStringToObject(s, "name", name);
    }
    cJSON_AddStringToObject(s, "description", what);
    return s;
}

static cJSON *build(void)
{
    cJSON *doc = cJSON_CreateObject();
    cJSON_AddStringToObject(doc, "openapi", "3.0.3");
    cJSON *info = cJSON_AddObjectToObject(doc, "info");
    cJSON_AddStringToObject(info, "title", "latch");
    cJSON_AddStringToObject(info, "version", LT_VERSION);
    cJSON_AddStringToObject(info, "description",
                            "A feature-flag server that speaks Unleash's admin, client and "
                            "front-end APIs. Every route latch serves, read from its route table. "
                            "x-latch-permission names the permission a route needs and "
                            "x-latch-scope the path parameters naming its project, flag and "
                            "environment; x-unleash marks an operation of Unleash 8.2.0's own "
                            "document.");
    const char *base = lt_ui_base_path();
    cJSON *server = cJSON_CreateObject();
    cJSON_AddStringToObject(server, "url", base && *base ? base : "/");
    cJSON_AddItemToArray(cJSON_AddArrayToObject(doc, "servers"), server);

    cJSON *paths = cJSON_AddObjectToObject(doc, "paths");
    cJSON *op_ids = cJSON_CreateObject();
    cJSON *tags_seen = cJSON_CreateObject();
    cJSON *tags = cJSON_CreateArray();
    size_t n;
    const lt_route_t *all = lt_serve_routes(&n);
    for (size_t i = 0; i < n; i++) {
        if (!lt_openapi_documents(&all[i]))
            continue;
        for (size_t k = 0; k < LT_ARRAY_LEN(methods); k++) {
            if (!(all[i].methods & methods[k].bit))
                continue;
            char path[LT_MAX_PATH];
            lt_openapi_path(all[i].pattern, methods[k].bit, path, sizeof(path));
            cJSON *item = cJSON_GetObjectItemCaseSensitive(paths, path);
            if (!item)
                item = cJSON_AddObjectToObject(paths, path);
            if (cJSON_HasObjectItem(item, methods[k].lower))
                continue; /* an earlier route answers it: the router tries them in order */
            cJSON *op = operation(&all[i], methods[k].bit, path, op_ids);
            const char *tag = cJSON_GetArrayItem(cJSON_GetObjectItem(op, "tags"), 0)->valuestring;
            if (!cJSON_HasObjectItem(tags_seen, tag)) {
                cJSON_AddTrueToObject(tags_seen, tag);
                cJSON *t = cJSON_CreateObject();
                cJSON_AddStringToObject(t, "name", tag);
                cJSON_AddItemToArray(tags, t);
            }
            cJSON_AddItemToObject(item, methods[k].lower, op);
        }
    }
    free((void *)(uintptr_t)all); /* lt_serve_routes makes a copy for each caller */
    cJSON_AddItemToObject(doc, "tags", tags);
    cJSON *schemes =
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(doc, "components"), "securitySchemes");
    cJSON_AddItemToObject(schemes, "apiKey",
                          scheme("apiKey", "header", "Authorization",
                                 "An admin API token or a personal access token"));
    cJSON_AddItemToObject(schemes, "bearerToken",
                          scheme("http", NULL, NULL, "The same tokens after \"Bearer \""));
    cJSON_AddItemToObject(schemes, "session",
                          scheme("apiKey", "cookie", "unleash-session",
                                 "The session cookie of POST /auth/simple/login"));
    cJSON_AddItemToObject(schemes, "clientToken",
                          scheme("apiKey", "header", "Authorization",
                                 "A client (backend) API token"));
    cJSON_AddItemToObject(schemes, "frontendToken",
                          scheme("apiKey", "header", "Authorization",
                                 "A front-end API token, or a configured client key"));
    cJSON_Delete(op_ids);
    cJSON_Delete(tags_seen);
    return doc;
}

static char *doc_json, *doc_html;
static size_t doc_json_len, doc_html_len;

static void html_text(lt_buf_t *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '<': lt_buf_puts(b, "&lt;"); break;
        case '>': lt_buf_puts(b, "&gt;"); break;
        case '&': lt_buf_puts(b, "&amp;"); break;
        case '"': lt_buf_puts(b, "&quot;"); break;
        default: lt_buf_putc(b, *s); break;
        }
    }
}

static const char *who_of(const cJSON *op)
{
    const cJSON *perm = cJSON_GetObjectItem(op, "x-latch-permission");
    if (cJSON_IsString(perm))
        return perm->valuestring;
    const cJSON *sec = cJSON_GetObjectItem(op, "security");
    const cJSON *first = cJSON_GetArrayItem(sec, 0);
    if (!first)
        return "public";
    return first->child ? first->child->string : "public";
}

/* The page: one table per tag, in the document's order, no script and no style. */
static char *page(const cJSON *doc, size_t *len)
{
    lt_buf_t b;
    lt_buf_init(&b, 4u << 20);
    lt_buf_puts(&b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                    "<title>latch API</title></head><body>\n<h1>latch ");
    lt_buf_puts(&b, LT_VERSION);
    lt_buf_puts(&b, ": HTTP API</h1>\n<p>The machine-readable document: "
                    "<a href=\"openapi.json\">openapi.json</a> (OpenAPI 3.0).</p>\n");
    const cJSON *tag;
    cJSON_ArrayForEach(tag, cJSON_GetObjectItem(doc, "tags"))
    {
        const char *t = cJSON_GetObjectItem(tag, "name")->valuestring;
        lt_buf_puts(&b, "<h2>");
        html_text(&b, t);
        lt_buf_puts(&b, "</h2>\n<table>\n<tr><th>Method</th><th>Path</th><th>Summary</th>"
                        "<th>Who may call it</th></tr>\n");
        const cJSON *path;
        cJSON_ArrayForEach(path, cJSON_GetObjectItem(doc, "paths"))
        {
            const cJSON *op;
            cJSON_ArrayForEach(op, path)
            {
                const cJSON *ot = cJSON_GetArrayItem(cJSON_GetObjectItem(op, "tags"), 0);
                if (!ot || strcmp(ot->valuestring, t) != 0)
                    continue;
                lt_buf_puts(&b, "<tr><td>");
                for (const char *c = op->string; *c; c++)
                    lt_buf_putc(&b, (char)toupper((unsigned char)*c));
                lt_buf_puts(&b, "</td><td><code>");
                html_text(&b, path->string);
                lt_buf_puts(&b, "</code></td><td>");
                html_text(&b, cJSON_GetObjectItem(op, "summary")->valuestring);
                lt_buf_puts(&b, "</td><td>");
                html_text(&b, who_of(op));
                lt_buf_puts(&b, "</td></tr>\n");
            }
        }
        lt_buf_puts(&b, "</table>\n");
    }
    lt_buf_puts(&b, "</body></html>\n");
    lt_assert(lt_buf_ok(&b));
    return lt_buf_take(&b, len);
}

static void build_once(void)
{
    cJSON *doc = build();
    doc_json = cJSON_Print(doc);
    lt_assert(doc_json);
    doc_json_len = strlen(doc_json);
    doc_html = page(doc, &doc_html_len);
    cJSON_Delete(doc);
}

static pthread_once_t once = PTHREAD_ONCE_INIT;

const char *lt_openapi_json(size_t *len)
{
    pthread_once(&once, build_once);
    *len = doc_json_len;
    return doc_json;
}

const char *lt_openapi_html(size_t *len)
{
    pthread_once(&once, build_once);
    *len = doc_html_len;
    return doc_html;
}

static void docs_json(lt_req_t *r, const lt_params_t *p)
{
    size_t n;
    const char *j = lt_openapi_json(&n);
    lt_reply_header(r, "Access-Control-Allow-Origin", "*");
    lt_reply_static(r, 200, LT_JSON_TYPE, j, n);
}

static void docs_page(lt_req_t *r, const lt_params_t *p)
{
    size_t n;
    const char *h = lt_openapi_html(&n);
    lt_reply_header(r, "Content-Security-Policy", "default-src 'none'");
    lt_reply_header(r, "X-Content-Type-Options", "nosniff");
    lt_reply_header(r, "X-Frame-Options", "DENY");
    lt_reply_static(r, 200, "text/html; charset=utf-8", h, n);
}

const lt_route_t lt_routes_docs[] = {
    LT_API_ROUTE(LT_GET, "/docs/openapi.json", docs_json),
    LT_API_ROUTE(LT_GET, "/docs/openapi", docs_page),
    {0},
};
