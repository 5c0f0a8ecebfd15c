/*
 * addons.c: the admin API of addons (Unleash's integrations): list with the providers, get,
 * create, update, delete, and the record of an addon's deliveries. Only the webhook provider
 * is accepted (latch delivers it; addons.h); the sensitive parameters are shown masked and a
 * PUT that sends the mask back keeps the stored value. Events addon-config-created/updated/
 * deleted carry the addon without its parameters.
 */
#include "admin_int.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/util.h"
#include "../addons.h"
#include "../api.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)

#define MAX_LIST 100       /* events, projects, environments of one addon */
#define MAX_PARAMS 32      /* parameters of one addon */
#define MAX_DESCRIPTION 1000
#define MAX_ADDONS 100 /* each event is matched against every one */

static const lt_addon_t *find_addon(const lt_dataset_t *d, int64_t id)
{
    for (size_t i = 0; i < d->n_addons; i++)
        if (d->addons[i].id == id)
            return &d->addons[i];
    return NULL;
}

/* The addon's JSON; with_params false leaves them out (the events' data), else they are
 * written with the sensitive ones masked. */
static void write_addon(lt_buf_t *b, const lt_addon_t *x, bool with_params)
{
    lt_buf_printf(b, "{\"id\":%lld,\"provider\":", (long long)x->id);
    lt_json_cstr(b, x->provider);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, x->description);
    lt_buf_puts(b, ",\"enabled\":");
    lt_json_bool(b, x->enabled);
    if (with_params) {
        lt_buf_puts(b, ",\"parameters\":{");
        cJSON *p = cJSON_Parse(x->parameters ? x->parameters : "{}");
        int i = 0;
        for (const cJSON *v = cJSON_IsObject(p) ? p->child : NULL; v; v = v->next, i++) {
            if (i)
                lt_buf_putc(b, ',');
            lt_json_cstr(b, v->string);
            lt_buf_putc(b, ':');
            if (lt_addon_param_sensitive(x->provider, v->string)) {
                lt_json_cstr(b, LT_ADDON_MASK);
            } else {
                char *text = cJSON_PrintUnformatted(v);
                lt_buf_puts(b, text ? text : "null");
                free(text);
            }
        }
        cJSON_Delete(p);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, ",\"events\":");
    lt_adm_write_list_text(b, x->events);
    lt_buf_puts(b, ",\"projects\":");
    lt_adm_write_list_text(b, x->projects);
    lt_buf_puts(b, ",\"environments\":");
    lt_adm_write_list_text(b, x->environments);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, x->created_at);
    lt_buf_putc(b, '}');
}

static void api_addons_list(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"addons\":[");
    for (size_t i = 0; i < d->n_addons; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_addon(&b, &d->addons[i], true);
    }
    lt_buf_puts(&b, "],\"providers\":");
    lt_addon_write_providers(&b);
    lt_buf_putc(&b, '}');
    lt_adm_reply(r, 200, &b);
}

/* The path's id, or 0 after a 400 (Unleash's message for one that is not a number). */
static int64_t path_id(lt_req_t *r, const lt_params_t *pp)
{
    int64_t id = 0;
    if (!lt_adm_parse_id(lt_adm_param(pp, "id"), &id)) {
        lt_reply_error(r, 400, "BadDataError", "Invalid integration configuration id");
        return 0;
    }
    return id;
}

static void api_addon_get(lt_req_t *r, const lt_params_t *pp)
{
    int64_t id = path_id(r, pp);
    if (!id)
        return;
    const lt_addon_t *x = find_addon(&lt_req_snapshot(r)->data, id);
    if (!x) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find addon with id %lld.",
                       (long long)id);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_addon(&b, x, true);
    lt_adm_reply(r, 200, &b);
}

/* ---------- create, update, delete ---------- */

typedef enum { AD_CREATE, AD_UPDATE, AD_DELETE } ad_op_t;

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *who;
    int64_t id; /* the path's (update, delete) */
    const cJSON *body;
    ad_op_t op;
    lt_addon_t result;
} ad_ctx_t;

/* A list of at most MAX_LIST strings of at most 100 bytes as JSON text ("[]" when absent). */
static int list_member(ad_ctx_t *c, const char *key, const char **out, lt_write_t *w)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(c->body, key);
    *out = "[]";
    if (!l || cJSON_IsNull(l))
        return LT_OK;
    if (!cJSON_IsArray(l) || cJSON_GetArraySize(l) > MAX_LIST)
        return BAD("\"%s\" must be a list of at most %d strings", key, MAX_LIST);
    for (const cJSON *e = l->child; e; e = e->next)
        if (!cJSON_IsString(e) || !e->valuestring[0] || strlen(e->valuestring) > 100)
            return BAD("\"%s\" must hold strings of 1 to 100 characters", key);
    char *text = cJSON_PrintUnformatted(l);
    *out = lt_arena_strdup(c->a, text);
    free(text);
    return LT_OK;
}

/* A header value as a webhook sends it: no CR, LF or NUL, at most 8 KiB. */
static bool header_value_ok(const char *v)
{
    return strlen(v) <= 8192 && !strpbrk(v, "\r\n");
}

/* The webhook's own parameters, in p (the stored values already put back for masked ones). */
static int check_webhook(const cJSON *p, lt_write_t *w)
{
    const cJSON *url = cJSON_GetObjectItemCaseSensitive(p, "url");
    if (!url)
        return BAD("Missing required parameters: url ");
    const char *msg = cJSON_IsString(url) ? lt_addon_url_check(url->valuestring)
                                          : "\"url\" must be a string";
    if (msg)
        return BAD("%s", msg);
    static const char *const headers[] = {"contentType", "authorization"};
    for (size_t i = 0; i < LT_ARRAY_LEN(headers); i++) {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(p, headers[i]);
        if (cJSON_IsString(v) && !header_value_ok(v->valuestring))
            return BAD("\"%s\" must be a header value: no line breaks, at most 8192 bytes",
                       headers[i]);
    }
    const cJSON *ch = cJSON_GetObjectItemCaseSensitive(p, "customHeaders");
    if (cJSON_IsString(ch) && ch->valuestring[0]) {
        cJSON *h = cJSON_Parse(ch->valuestring);
        bool ok = cJSON_IsObject(h) && cJSON_GetArraySize(h) <= 32;
        for (const cJSON *e = ok ? h->child : NULL; e && ok; e = e->next) {
            ok = cJSON_IsString(e) && header_value_ok(e->valuestring) && e->string[0] &&
                 strlen(e->string) <= 256;
            for (const char *k = e->string; ok && *k; k++)
                ok = *k > ' ' && *k < 0x7f && !strchr("()<>@,;:\\\"/[]?={}", *k);
        }
        cJSON_Delete(h);
        if (!ok)
            return BAD("\"customHeaders\" must be a JSON object of at most 32 header names and "
                       "string values");
    }
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(p, "bodyTemplate");
    if (cJSON_IsString(t) && t->valuestring[0]) {
        if (strlen(t->valuestring) > LT_ADDON_TEMPLATE_MAX)
            return BAD("\"bodyTemplate\" must be at most %d bytes", LT_ADDON_TEMPLATE_MAX);
        const char *err = NULL;
        int rc = lt_addon_template_check(t->valuestring, &err);
        if (rc != LT_OK)
            return BAD("\"bodyTemplate\" is not a template latch can render: %s", err);
    }
    return LT_OK;
}

/* The parameters of the body (masked values replaced by prev's), checked, as JSON text. */
static int params_member(ad_ctx_t *c, const lt_addon_t *prev, const char **out, lt_write_t *w)
{
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(c->body, "parameters");
    if (p && !cJSON_IsObject(p) && !cJSON_IsNull(p))
        return BAD("\"parameters\" must be an object");
    if (cJSON_GetArraySize(p) > MAX_PARAMS)
        return BAD("\"parameters\" may hold at most %d values", MAX_PARAMS);
    cJSON *kept = cJSON_Parse(prev && prev->parameters ? prev->parameters : "{}");
    cJSON *res = cJSON_CreateObject();
    int rc = LT_OK;
    for (const cJSON *v = cJSON_IsObject(p) ? p->child : NULL; v && rc == LT_OK; v = v->next) {
        if (!cJSON_IsString(v) && !cJSON_IsNumber(v) && !cJSON_IsBool(v)) {
            rc = BAD("\"parameters.%.100s\" must be a string, a number or a boolean", v->string);
            break;
        }
        if (strlen(v->string) > 100 || (cJSON_IsString(v) && strlen(v->valuestring) > 65536)) {
            rc = BAD("parameter names are at most 100 bytes, values at most 65536");
            break;
        }
        const cJSON *src = v;
        if (cJSON_IsString(v) && strcmp(v->valuestring, LT_ADDON_MASK) == 0 &&
            lt_addon_param_sensitive(prev ? prev->provider : NULL, v->string)) {
            src = cJSON_GetObjectItemCaseSensitive(kept, v->string);
            if (!src)
                continue; /* nothing stored to keep */
        }
        cJSON_AddItemToObject(res, v->string, cJSON_Duplicate(src, true));
    }
    if (rc == LT_OK)
        rc = check_webhook(res, w);
    if (rc == LT_OK) {
        char *text = cJSON_PrintUnformatted(res);
        *out = lt_arena_strdup(c->a, text);
        sodium_memzero(text, strlen(text));
        free(text);
    }
    cJSON_Delete(res);
    cJSON_Delete(kept);
    return rc;
}

/* The body of a create or update into x (prev: the addon updated, else NULL). */
static int addon_body(ad_ctx_t *c, const lt_addon_t *prev, lt_addon_t *x, lt_write_t *w)
{
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(c->body, "provider");
    if (!pv || cJSON_IsNull(pv) || (cJSON_IsString(pv) && !pv->valuestring[0]))
        return BAD("No addon provider supplied. The property was either missing or an empty "
                   "value.");
    if (!cJSON_IsString(pv) || !lt_adm_name_ok(pv->valuestring))
        return BAD("\"provider\" must be URL friendly and 1 to 100 characters long");
    if (lt_addon_provider_unleash(pv->valuestring))
        return BAD("Unknown addon provider %s: latch delivers only the webhook provider",
                   pv->valuestring);
    if (!lt_addon_provider_ok(pv->valuestring))
        return BAD("Unknown addon provider %s", pv->valuestring);
    x->provider = lt_arena_strdup(c->a, pv->valuestring);
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(c->body, "enabled");
    if (en && !cJSON_IsBool(en))
        return BAD("\"enabled\" must be a boolean");
    x->enabled = !en || cJSON_IsTrue(en);
    bool bad = false;
    const char *desc = lt_adm_opt_str(c->body, "description", MAX_DESCRIPTION, &bad);
    if (bad)
        return BAD("\"description\" must be a string of at most %d bytes", MAX_DESCRIPTION);
    x->description = desc ? lt_arena_strdup(c->a, desc) : NULL;
    if (list_member(c, "events", &x->events, w) != LT_OK ||
        list_member(c, "projects", &x->projects, w) != LT_OK ||
        list_member(c, "environments", &x->environments, w) != LT_OK)
        return LT_EINVAL;
    if (prev && strcmp(prev->provider, x->provider) != 0)
        prev = NULL; /* another provider: nothing masked is kept */
    return params_member(c, prev, &x->parameters, w);
}

static int ad_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    ad_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    static const char *const types[] = {"addon-config-created", "addon-config-updated",
                                        "addon-config-deleted"};
    lt_event_t ev = lt_admin_event(c->who, types[c->op]);
    const lt_addon_t *prev = c->op == AD_CREATE ? NULL : find_addon(d, c->id);
    lt_buf_t b;
    if (c->op == AD_UPDATE && !prev)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find addon with id %lld.",
                             (long long)c->id);
    if (prev) {
        lt_buf_init(&b, 0);
        write_addon(&b, prev, false);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
    }
    if (c->op == AD_DELETE)
        return prev ? lt_store_addon_delete(store, c->id, &ev) : LT_OK; /* none: 200 as Unleash */
    lt_addon_t *x = &c->result;
    memset(x, 0, sizeof(*x));
    if (addon_body(c, prev, x, w) != LT_OK)
        return LT_EINVAL;
    if (prev) {
        x->id = prev->id;
        x->created_at = prev->created_at;
    } else {
        if (d->n_addons >= MAX_ADDONS)
            return BAD("latch keeps at most %d addons", MAX_ADDONS);
        for (size_t i = 0; i < d->n_addons; i++)
            if (d->addons[i].id > x->id)
                x->id = d->addons[i].id;
        x->id++;
        x->created_at = lt_now_ms();
    }
    lt_buf_init(&b, 0);
    write_addon(&b, x, false);
    ev.data = lt_adm_buf_arena(c->a, &b);
    int rc = lt_store_addon_put(store, x, !prev, &ev);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "ConflictError",
                             "Another addon was created at the same time; try again");
    return rc;
}

static void api_addon_write(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    ad_op_t op = (ad_op_t)ac->decl->op;
    int64_t id = 0;
    if (op != AD_CREATE && !(id = path_id(r, pp)))
        return;
    ad_ctx_t c = {lt_req_arena(r), &ac->who, id, ac->body, op, {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, ad_write, &w) != LT_OK)
        return;
    if (op == AD_DELETE) {
        lt_reply_empty(r, 200);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_addon(&b, &c.result, true);
    lt_adm_reply(r, op == AD_CREATE ? 201 : 200, &b);
}

/* ---------- GET /api/admin/addons/:id/events ---------- */

static void api_addon_events(lt_req_t *r, const lt_params_t *pp)
{
    int64_t id = path_id(r, pp);
    if (!id)
        return;
    int64_t limit = 50, offset = 0, v;
    if (lt_admin_query_int(r, "limit", &v) && v > 0 && v <= 100)
        limit = v;
    if (lt_admin_query_int(r, "offset", &v) && v > 0)
        offset = v;
    lt_store_t *store = lt_state_store(); /* a read: no need to wait behind writes */
    lt_integration_event_t *rows = NULL;
    size_t n = 0;
    if (!store ||
        lt_store_integration_events(store, lt_req_arena(r), id, offset, limit, &rows, &n) !=
            LT_OK) {
        lt_reply_error(r, 500, "InternalError", "The integration events could not be read.");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"integrationEvents\":[");
    for (size_t i = 0; i < n; i++) {
        const lt_integration_event_t *e = &rows[i];
        lt_buf_printf(&b, "%s{\"id\":\"%lld\",\"integrationId\":%lld,\"createdAt\":",
                      i ? "," : "", (long long)e->id, (long long)e->addon_id);
        lt_json_time(&b, e->created_at);
        lt_buf_puts(&b, ",\"state\":");
        lt_json_cstr(&b, e->state ? e->state : "failed");
        lt_buf_puts(&b, ",\"stateDetails\":");
        lt_json_cstr(&b, e->state_details ? e->state_details : "");
        cJSON *ev = cJSON_Parse(e->event ? e->event : "");
        cJSON *det = cJSON_Parse(e->details ? e->details : "");
        lt_buf_puts(&b, ",\"event\":");
        lt_buf_puts(&b, cJSON_IsObject(ev) ? e->event : "{}");
        lt_buf_puts(&b, ",\"details\":");
        lt_buf_puts(&b, cJSON_IsObject(det) ? e->details : "{}");
        lt_buf_putc(&b, '}');
        cJSON_Delete(ev);
        cJSON_Delete(det);
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_addons[] = {
    ROUTE(LT_GET, "/api/admin/addons", api_addons_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/addons", api_addon_write, LT_PERM("CREATE_ADDON"), LT_JSON_OBJECT,
          .op = AD_CREATE),
    ROUTE(LT_GET, "/api/admin/addons/:id", api_addon_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/addons/:id", api_addon_write, LT_PERM("UPDATE_ADDON"),
          LT_JSON_OBJECT, .op = AD_UPDATE),
    ROUTE(LT_DELETE, "/api/admin/addons/:id", api_addon_write, LT_PERM("DELETE_ADDON"),
          .op = AD_DELETE),
    ROUTE(LT_GET, "/api/admin/addons/:id/events", api_addon_events, LT_PERM("ADMIN")),
    {0},
};
