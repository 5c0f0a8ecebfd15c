/*
 * ui_config.c: what Unleash's admin UI and instance tooling read about the server rather than
 * its flags: GET /api/admin/ui-config (version, base path, limits, front-end origins, which
 * authentication), the maintenance mode (a stored setting; admin.c's guard refuses writes
 * while it is on), telemetry settings
 * (latch collects nothing), the instance statistics, counted from the request's snapshot, and
 * the errors the UI reports (logged).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/log.h"
#include "../../base/util.h"
#include "../frontend.h"
#include "admin_int.h"
#include "../api.h"

/* The setting maintenance mode is kept in, and its two values (lt_dataset_maintenance). */
#define MAINTENANCE_KEY "maintenance.mode"
#define MAINTENANCE_ON "{\"enabled\":true}"
#define MAINTENANCE_OFF "{\"enabled\":false}"

/* The Unleash version whose admin API latch answers as. */
#define LT_ADM_UNLEASH_VERSION "8.2.0"

/* A Host header fit to print back: a name or address and a port, at most 255 bytes. */
static bool host_ok(lt_str_t h)
{
    if (h.len == 0 || h.len > 255)
        return false;
    for (size_t i = 0; i < h.len; i++) {
        char c = h.ptr[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '-' || c == ':' || c == '[' || c == ']';
        if (!ok)
            return false;
    }
    return true;
}

/* The URL SDKs reach this server at, which Unleash's UI shows beside the tokens: UNLEASH_URL when
 * set (as Unleash reads it), else the request's own origin (https when a trusted proxy says so,
 * lt_req_https) with the base path; the base path alone when the Host header is unfit. */
static void write_unleash_url(lt_req_t *r, lt_buf_t *b, const char *base)
{
    const char *env = getenv("UNLEASH_URL");
    if (env && *env) {
        size_t n = strlen(env);
        while (n > 0 && env[n - 1] == '/')
            n--;
        lt_json_str(b, env, n);
        return;
    }
    lt_str_t host = lt_req_header(r, "Host");
    if (!host_ok(host)) {
        lt_json_cstr(b, base);
        return;
    }
    const char *scheme = lt_req_https(r) ? "https" : "http";
    char url[512];
    snprintf(url, sizeof(url), "%s://%.*s%s", scheme, (int)host.len, host.ptr, base);
    lt_json_cstr(b, url);
}

static void ui_config(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_frontend_config_t *fc = lt_frontend_config();
    const char *base = lt_ui_base_path();
    lt_buf_t b;
    lt_buf_init(&b, 0);
    bool first = true;
    lt_buf_putc(&b, '{');
    lt_json_key(&b, &first, "slogan");
    lt_json_cstr(&b, "Feature flags, Unleash-compatible.");
    lt_json_key(&b, &first, "name");
    lt_json_cstr(&b, "latch");
    lt_json_key(&b, &first, "version");
    lt_json_cstr(&b, LT_ADM_UNLEASH_VERSION);
    lt_json_key(&b, &first, "environment");
    lt_json_cstr(&b, "Open source");
    lt_json_key(&b, &first, "unleashUrl");
    write_unleash_url(r, &b, base);
    lt_json_key(&b, &first, "baseUriPath");
    lt_json_cstr(&b, base);
    lt_json_key(&b, &first, "disablePasswordAuth");
    lt_json_bool(&b, false);
    lt_json_key(&b, &first, "emailEnabled");
    lt_json_bool(&b, false);
    lt_json_key(&b, &first, "maintenanceMode");
    lt_json_bool(&b, lt_dataset_maintenance(&lt_req_snapshot(r)->data));
    size_t values = lt_adm_segment_values_limit();
    lt_json_key(&b, &first, "segmentValuesLimit");
    lt_json_i64(&b, (int64_t)values);
    lt_json_key(&b, &first, "strategySegmentsLimit");
    lt_json_i64(&b, LT_ADM_MAX_SEGMENTS);
    lt_json_key(&b, &first, "resourceLimits");
    lt_buf_printf(&b,
                  "{\"segmentValues\":%zu,\"strategySegments\":%d,\"actionSetActions\":0,"
                  "\"actionSetsPerProject\":0,\"actionSetFilters\":0,"
                  "\"actionSetFilterValues\":0,\"signalEndpoints\":0,"
                  "\"signalTokensPerEndpoint\":0,\"featureEnvironmentStrategies\":%d,"
                  "\"constraintValues\":%d,\"constraints\":%d,\"environments\":%d,"
                  "\"projects\":%d,\"apiTokens\":%d,\"segments\":%d,\"featureFlags\":%d,"
                  "\"releaseTemplates\":0}",
                  values, LT_ADM_MAX_SEGMENTS, LT_ADM_MAX_STRATEGIES, LT_ADM_MAX_CONSTRAINT_VALUES,
                  LT_ADM_MAX_CONSTRAINTS, LT_ADM_UI_LIMIT_ENVIRONMENTS, LT_ADM_UI_LIMIT_PROJECTS,
                  LT_ADM_MAX_API_TOKENS, LT_ADM_UI_LIMIT_SEGMENTS, LT_ADM_UI_LIMIT_FLAGS);
    lt_json_key(&b, &first, "networkViewEnabled");
    lt_json_bool(&b, false);
    lt_json_key(&b, &first, "frontendApiOrigins");
    const char *stored = lt_dataset_setting(&lt_req_snapshot(r)->data, LT_FRONTEND_SETTINGS);
    const char *list = stored ? strchr(stored, '[') : NULL;
    if (list) { /* {"frontendApiOrigins":[...]}, as cors_set wrote it */
        lt_buf_append(&b, list, strlen(list) - 1);
    } else {
        lt_buf_putc(&b, '[');
        for (size_t i = 0; i < fc->n_origins; i++) {
            if (i)
                lt_buf_putc(&b, ',');
            lt_json_cstr(&b, fc->origins[i]);
        }
        if (!fc->n_origins)
            lt_json_cstr(&b, "*");
        lt_buf_putc(&b, ']');
    }
    lt_json_key(&b, &first, "flags");
    lt_buf_puts(&b, "{}");
    lt_json_key(&b, &first, "links");
    lt_buf_puts(&b, "[]");
    lt_json_key(&b, &first, "authenticationType");
    lt_json_cstr(&b, "open-source");
    lt_json_key(&b, &first, "versionInfo");
    lt_buf_puts(&b, "{\"current\":{\"oss\":\"" LT_ADM_UNLEASH_VERSION "\",\"enterprise\":\"\"},"
                    "\"latest\":{},\"isLatest\":true}");
    lt_json_key(&b, &first, "oidcConfiguredThroughEnv");
    lt_json_bool(&b, false);
    lt_json_key(&b, &first, "samlConfiguredThroughEnv");
    lt_json_bool(&b, false);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void maintenance_get(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    bool on = lt_dataset_maintenance(&lt_req_snapshot(r)->data);
    lt_reply_json(r, 200, on ? MAINTENANCE_ON : MAINTENANCE_OFF);
}

/* POST /api/admin/maintenance {enabled}: stored as setting "maintenance.mode", with Unleash's
 * event (setting-created the first time, then setting-updated), answered 204. */
static int do_maintenance(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    const lt_adm_ctx_t *c = w->ctx;
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(c->body, "enabled");
    if (!cJSON_IsBool(en))
        return lt_write_fail(w, 400, "ValidationError", "\"enabled\" is required and a boolean.");
    const char *pre = lt_dataset_setting(&snap->data, MAINTENANCE_KEY);
    bool on = cJSON_IsTrue(en);
    lt_event_t ev = lt_admin_event(&c->who, pre ? "setting-updated" : "setting-created");
    ev.data = on ? "{\"id\":\"" MAINTENANCE_KEY "\",\"enabled\":true}"
                 : "{\"id\":\"" MAINTENANCE_KEY "\",\"enabled\":false}";
    ev.pre_data = pre;
    return lt_store_setting_put(s, MAINTENANCE_KEY, on ? MAINTENANCE_ON : MAINTENANCE_OFF, &ev);
}

static void maintenance_set(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    lt_write_t w = {.ctx = lt_adm_ctx(r)};
    if (lt_admin_write(r, do_maintenance, &w) == LT_OK)
        lt_reply_empty(r, 204);
}

/* Is o "*" or a web origin (http or https, a host of letters, digits, dots and dashes, an
 * optional port; no path), as Unleash's validateOrigin takes them? */
static bool origin_ok(const char *o)
{
    if (strcmp(o, "*") == 0)
        return true;
    const char *h = strncmp(o, "https://", 8) == 0 ? o + 8 : strncmp(o, "http://", 7) == 0 ? o + 7 : NULL;
    if (!h || !*h || strlen(o) > 255)
        return false;
    bool port = false;
    for (const char *c = h; *c; c++) {
        if (*c == ':' && !port && c != h && c[1]) {
            port = true;
            continue;
        }
        bool ok = port ? (*c >= '0' && *c <= '9')
                       : ((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '.' ||
                          *c == '-');
        if (!ok)
            return false;
    }
    return true;
}

#define MAX_ORIGINS 100

/* POST /api/admin/ui-config/cors {frontendApiOrigins}: the front-end API's CORS origins, kept as
 * Unleash's "unleash.frontend" setting (they replace the configured ones), answered 204. */
static int do_cors(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    const lt_adm_ctx_t *c = w->ctx;
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(c->body, "frontendApiOrigins");
    if (!cJSON_IsArray(list) || cJSON_GetArraySize(list) > MAX_ORIGINS)
        return lt_write_fail(w, 400, "ValidationError",
                             "\"frontendApiOrigins\" is required: a list of at most %d origins.",
                             MAX_ORIGINS);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"frontendApiOrigins\":[");
    const cJSON *it;
    bool first = true;
    cJSON_ArrayForEach(it, list)
    {
        if (!cJSON_IsString(it) || !origin_ok(it->valuestring)) {
            lt_buf_dispose(&b);
            return lt_write_fail(w, 400, "BadDataError", "Invalid origin: %.255s",
                                 cJSON_IsString(it) ? it->valuestring : "(not a string)");
        }
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_json_cstr(&b, it->valuestring);
    }
    lt_buf_puts(&b, "]}");
    char *value = lt_buf_take(&b, NULL);
    const char *pre = lt_dataset_setting(&snap->data, LT_FRONTEND_SETTINGS);
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "{\"id\":\"" LT_FRONTEND_SETTINGS "\",%s", value + 1);
    lt_event_t ev = lt_admin_event(&c->who, pre ? "setting-updated" : "setting-created");
    ev.data = b.ptr;
    ev.pre_data = pre;
    int rc = lt_store_setting_put(s, LT_FRONTEND_SETTINGS, value, &ev);
    lt_buf_dispose(&b);
    free(value);
    return rc;
}

static void cors_set(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    lt_write_t w = {.ctx = lt_adm_ctx(r)};
    if (lt_admin_write(r, do_cors, &w) == LT_OK)
        lt_reply_empty(r, 204);
}

static void telemetry_settings(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    lt_reply_json(r, 200,
                  "{\"versionInfoCollectionEnabled\":false,"
                  "\"featureInfoCollectionEnabled\":false}");
}

static size_t count_features(const lt_dataset_t *d, bool archived)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_features; i++)
        n += d->features[i].archived == archived;
    return n;
}

/* The counted statistics, in the order both forms list them. */
typedef struct {
    const char *name;
    size_t value;
} stat_t;

#define N_STATS 10

static void count_stats(const lt_dataset_t *d, stat_t out[N_STATS])
{
    size_t custom_roles = 0;
    for (size_t i = 0; i < d->n_roles; i++)
        custom_roles += d->roles[i].type && strcmp(d->roles[i].type, "root-custom") == 0;
    const stat_t s[N_STATS] = {
        {"users", d->n_users},
        {"featureToggles", count_features(d, false)},
        {"archivedFeatureToggles", count_features(d, true)},
        {"projects", d->n_projects},
        {"contextFields", d->n_context_fields},
        {"roles", d->n_roles},
        {"customRootRoles", custom_roles},
        {"environments", d->n_envs},
        {"segments", d->n_segments},
        {"strategies", d->n_strategy_defs},
    };
    memcpy(out, s, sizeof(s));
}

/* GET /api/admin/instance-admin/statistics, and .../csv (csv in decl->op): a header row and
 * one row of values. */
static void instance_stats(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    bool csv = lt_adm_ctx(r)->decl->op == 1;
    char now[32];
    lt_time_format(lt_now_ms(), now);
    stat_t st[N_STATS];
    count_stats(&lt_req_snapshot(r)->data, st);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (csv) {
        lt_buf_puts(&b, "timestamp,versionOSS");
        for (size_t i = 0; i < N_STATS; i++)
            lt_buf_printf(&b, ",%s", st[i].name);
        lt_buf_printf(&b, "\r\n%s," LT_ADM_UNLEASH_VERSION, now);
        for (size_t i = 0; i < N_STATS; i++)
            lt_buf_printf(&b, ",%zu", st[i].value);
        lt_buf_puts(&b, "\r\n");
        lt_reply_header(r, "Content-Disposition", "attachment; filename=\"unleash-stats.csv\"");
        lt_reply_buf(r, 200, "text/csv; charset=utf-8", &b);
        return;
    }
    lt_buf_printf(&b, "{\"timestamp\":\"%s\",\"versionOSS\":\"" LT_ADM_UNLEASH_VERSION "\"", now);
    for (size_t i = 0; i < N_STATS; i++)
        lt_buf_printf(&b, ",\"%s\":%zu", st[i].name, st[i].value);
    lt_buf_puts(&b, ",\"groups\":0,\"SAMLenabled\":false,\"OIDCenabled\":false,\"clientApps\":[]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* POST /api/admin/record-ui-error {errorMessage, errorStack}: an error the admin UI met,
 * written to the log (the message, cut short; never the stack) and answered 204. */
#define UI_ERROR_LOG_MAX 200
static void record_ui_error(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const char *msg = lt_adm_str(lt_adm_ctx(r)->body, "errorMessage");
    if (!msg) {
        lt_reply_error(r, 400, "ValidationError", "\"errorMessage\" is required and a string.");
        return;
    }
    char line[UI_ERROR_LOG_MAX + 1];
    size_t n = 0;
    for (const char *c = msg; *c && n < UI_ERROR_LOG_MAX; c++) /* one line, printable */
        line[n++] = (*c >= 0x20 && *c != 0x7f) ? *c : ' ';
    line[n] = '\0';
    lt_log_warn("admin UI error: %s", line);
    lt_reply_empty(r, 204);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_ui_config[] = {
    ROUTE(LT_GET, "/api/admin/ui-config", ui_config, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/maintenance", maintenance_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/maintenance", maintenance_set, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/ui-config/cors", cors_set, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/telemetry/settings", telemetry_settings, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/instance-admin/statistics", instance_stats, LT_PERM("ADMIN")),
    ROUTE(LT_GET, "/api/admin/instance-admin/statistics/csv", instance_stats, LT_PERM("ADMIN"),
          .op = 1),
    ROUTE(LT_POST, "/api/admin/record-ui-error", record_ui_error, LT_AUTHENTICATED, LT_JSON_OBJECT),
    {0},
};
