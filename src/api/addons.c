/*
 * addons.c: the webhook provider, its URL check and body template, and the delivery worker of
 * `latch serve` (addons.h). Two threads: the feeder looks at each new snapshot's revision,
 * reads the events committed since (from the store, not under its lock), matches them against
 * the enabled addons of the snapshot and queues a delivery per match; the sender takes the
 * queued delivery due first, POSTs it with libcurl (no store lock held), records the attempt
 * under the store lock, and queues a retry with a doubled backoff while attempts remain.
 */
#include "addons.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../base/version.h"
#include "../state/state.h"

/* ---------- the webhook provider ---------- */

/* The event types Unleash 8.2 offers a webhook (its definition's events). */
static const char *const webhook_events[] = {
    "feature-created", "feature-updated", "feature-archived", "feature-revived",
    "feature-stale-on", "feature-stale-off", "feature-completed", "feature-environment-enabled",
    "feature-environment-disabled", "feature-strategy-remove", "feature-strategy-update",
    "feature-strategy-add", "feature-metadata-updated", "feature-variants-updated",
    "feature-project-change", "feature-tagged", "feature-untagged", "change-request-created",
    "change-request-discarded", "change-added", "change-discarded", "change-request-approved",
    "change-request-approval-added", "change-request-cancelled", "change-request-sent-to-review",
    "change-request-applied", "change-request-scheduled",
    "change-request-scheduled-application-success",
    "change-request-scheduled-application-failure", "change-request-schedule-suspended",
    "feature-potentially-stale-on", "release-plan-progressions-paused",
    "release-plan-progressions-resumed", NULL};

typedef struct {
    const char *name, *display, *type, *description, *placeholder;
    bool required, sensitive;
} param_def_t;

static const param_def_t webhook_params[] = {
    {"url", "Webhook URL", "url", "(Required) latch POSTs each matching event to this URL.", NULL,
     true, true},
    {"contentType", "Content-Type", "text",
     "(Optional) The Content-Type header of the request; application/json by default.",
     "application/json", false, false},
    {"authorization", "Authorization", "text",
     "(Optional) The Authorization header of the request; none when blank.", "", false, true},
    {"customHeaders", "Extra HTTP Headers", "textfield",
     "(Optional) More request headers, as a JSON object of header names and string values.",
     "{\n\"X-Api-Key\": \"...\"\n}", false, true},
    {"bodyTemplate", "Body template", "textfield",
     "(Optional) A mustache template for the body, e.g. {{event.type}}, {{event.createdBy}}, "
     "{{event.data.name}} or {{{eventJson}}}; the event as JSON when blank.",
     "{\n  \"event\": \"{{event.type}}\",\n  \"createdBy\": \"{{event.createdBy}}\",\n"
     "  \"featureToggle\": \"{{event.data.name}}\"\n}",
     false, false},
};

/* Unleash's other providers: refused by name (latch would not deliver them). */
static const char *const unleash_providers[] = {"slack",          "slack-app", "teams",
                                                "teams-workflow", "datadog",   "new-relic",
                                                "servicenow",     NULL};

bool lt_addon_provider_ok(const char *provider)
{
    return provider && strcmp(provider, "webhook") == 0;
}

bool lt_addon_provider_unleash(const char *provider)
{
    for (size_t i = 0; provider && unleash_providers[i]; i++)
        if (strcmp(provider, unleash_providers[i]) == 0)
            return true;
    return false;
}

bool lt_addon_param_sensitive(const char *provider, const char *name)
{
    if (!lt_addon_provider_ok(provider) || !name)
        return false;
    for (size_t i = 0; i < LT_ARRAY_LEN(webhook_params); i++)
        if (strcmp(webhook_params[i].name, name) == 0)
            return webhook_params[i].sensitive;
    return false;
}

void lt_addon_write_providers(lt_buf_t *b)
{
    lt_buf_puts(b, "[{\"name\":\"webhook\",\"displayName\":\"Webhook\",\"description\":");
    lt_json_cstr(b, "POSTs a request to a URL of yours for every event that matches.");
    lt_buf_puts(b, ",\"documentationUrl\":\"https://docs.getunleash.io/integrate/webhook\","
                   "\"howTo\":");
    lt_json_cstr(b, "Give the URL, pick the events (and projects and environments to narrow "
                    "them): each one is sent as it is committed, retried on failure, and every "
                    "attempt is listed under the addon's events.");
    lt_buf_puts(b, ",\"parameters\":[");
    for (size_t i = 0; i < LT_ARRAY_LEN(webhook_params); i++) {
        const param_def_t *p = &webhook_params[i];
        lt_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        lt_json_cstr(b, p->name);
        lt_buf_puts(b, ",\"displayName\":");
        lt_json_cstr(b, p->display);
        lt_buf_puts(b, ",\"type\":");
        lt_json_cstr(b, p->type);
        lt_buf_puts(b, ",\"description\":");
        lt_json_cstr(b, p->description);
        if (p->placeholder) {
            lt_buf_puts(b, ",\"placeholder\":");
            lt_json_cstr(b, p->placeholder);
        }
        lt_buf_printf(b, ",\"required\":%s,\"sensitive\":%s}", p->required ? "true" : "false",
                      p->sensitive ? "true" : "false");
    }
    lt_buf_puts(b, "],\"events\":[");
    for (size_t i = 0; webhook_events[i]; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, webhook_events[i]);
    }
    lt_buf_puts(b, "]}]");
}

/* ---------- outgoing URLs ---------- */

static atomic_bool allow_private;

void lt_addons_set_allow_private(bool allow)
{
    allow_private = allow;
}

bool lt_addons_allow_private(void)
{
    return allow_private;
}

/* Is the IPv4 address (network order bytes) in one of the non-public ranges? */
static bool v4_private(const uint8_t a[4])
{
    static const struct {
        uint8_t net[4];
        int bits;
    } ranges[] = {{{127, 0, 0, 0}, 8},     {{10, 0, 0, 0}, 8},      {{172, 16, 0, 0}, 12},
                  {{192, 168, 0, 0}, 16},  {{169, 254, 0, 0}, 16},  {{0, 0, 0, 0}, 8},
                  {{100, 64, 0, 0}, 10},   {{192, 0, 0, 0}, 24},    {{192, 0, 2, 0}, 24},
                  {{198, 18, 0, 0}, 15},   {{198, 51, 100, 0}, 24}, {{203, 0, 113, 0}, 24},
                  {{224, 0, 0, 0}, 4},     {{240, 0, 0, 0}, 4}};
    uint32_t v = (uint32_t)a[0] << 24 | (uint32_t)a[1] << 16 | (uint32_t)a[2] << 8 | a[3];
    for (size_t i = 0; i < LT_ARRAY_LEN(ranges); i++) {
        const uint8_t *n = ranges[i].net;
        uint32_t net = (uint32_t)n[0] << 24 | (uint32_t)n[1] << 16 | (uint32_t)n[2] << 8 | n[3];
        uint32_t mask = ~0u << (32 - ranges[i].bits);
        if ((v & mask) == net)
            return true;
    }
    return false;
}

static bool v6_private(const uint8_t a[16])
{
    static const uint8_t zero[16] = {0};
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    static const uint8_t nat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
    if (memcmp(a, zero, 15) == 0 && (a[15] == 0 || a[15] == 1)) /* :: and ::1 */
        return true;
    if (memcmp(a, mapped, 12) == 0)
        return v4_private(a + 12);
    if (memcmp(a, nat64, 12) == 0) /* NAT64: may reach any IPv4 address */
        return true;
    return (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) || /* fe80::/10 link-local */
           (a[0] & 0xfe) == 0xfc ||                   /* fc00::/7 unique local */
           a[0] == 0xff ||                            /* ff00::/8 multicast */
           (a[0] == 0x20 && a[1] == 0x01 && a[2] == 0x0d && a[3] == 0xb8) || /* documentation */
           (a[0] == 0x20 && a[1] == 0x02);                                  /* 6to4 */
}

bool lt_addon_addr_public(const char *addr)
{
    uint8_t a[16];
    if (inet_pton(AF_INET, addr, a) == 1)
        return !v4_private(a);
    if (inet_pton(AF_INET6, addr, a) == 1)
        return !v6_private(a);
    return false;
}

/* The host of a parsed URL without IPv6 brackets, into out. */
static bool url_host(CURLU *u, char *out, size_t cap)
{
    char *host = NULL;
    if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host || !*host) {
        curl_free(host);
        return false;
    }
    size_t n = strlen(host);
    const char *h = host;
    if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
        h++;
        n -= 2;
    }
    bool ok = n < cap;
    if (ok) {
        memcpy(out, h, n);
        out[n] = 0;
    }
    curl_free(host);
    return ok;
}

const char *lt_addon_url_check(const char *url)
{
    if (!url || !*url)
        return "\"url\" must be a non-empty string";
    if (strlen(url) > 2048)
        return "\"url\" must be at most 2048 characters long";
    for (const char *c = url; *c; c++)
        if ((unsigned char)*c <= ' ' || (unsigned char)*c >= 0x7f)
            return "\"url\" must be printable ASCII without spaces (a name in punycode)";
    if (strncasecmp(url, "http://", 7) != 0 && strncasecmp(url, "https://", 8) != 0)
        return "\"url\" must be an absolute URL that starts with http:// or https://";
    CURLU *u = curl_url();
    const char *msg = NULL;
    char *scheme = NULL, *user = NULL;
    char host[256];
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || !url_host(u, host, 256))
        msg = "\"url\" must be an absolute http or https URL";
    else if (strcasecmp(scheme, "http") != 0 && strcasecmp(scheme, "https") != 0)
        msg = "\"url\" must use http or https";
    else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK && user)
        msg = "\"url\" must not hold credentials (use the authorization parameter)";
    else if (!allow_private) {
        uint8_t a[16];
        bool literal = inet_pton(AF_INET, host, a) == 1 || inet_pton(AF_INET6, host, a) == 1;
        if ((literal && !lt_addon_addr_public(host)) || strcasecmp(host, "localhost") == 0 ||
            (strlen(host) > 10 && strcasecmp(host + strlen(host) - 10, ".localhost") == 0))
            msg = "\"url\" is a non-public address (start latch with --addons-allow-private "
                  "to allow it)";
    }
    curl_free(scheme);
    curl_free(user);
    curl_url_cleanup(u);
    return msg;
}

/* ---------- the body template ---------- */

#define RENDER_DEPTH 16
#define RENDER_STEPS 1000000

typedef struct {
    lt_buf_t *out;
    const cJSON *stack[RENDER_DEPTH + 1];
    int depth;
    long steps;
    const char *err;
    size_t scanned;       /* in_json_string's: how far the output was read */
    bool in_string, esc; /* and what it found there */
} render_t;

/* A tag: its kind ('#', '^', '/', '!', '>', '=', '&', '{' for a triple, 0 a variable), its
 * name (trimmed) and where it ends. */
typedef struct {
    const char *start, *end; /* the tag's own bytes */
    char kind;
    const char *name;
    size_t name_len;
} tag_t;

/* Find the next tag at or after p; false when there is none. */
static bool next_tag(const char *p, tag_t *t)
{
    const char *o = strstr(p, "{{");
    if (!o)
        return false;
    t->start = o;
    const char *q = o + 2;
    const char *close = "}}";
    t->kind = 0;
    if (*q == '{') {
        t->kind = '{';
        close = "}}}";
        q++;
    } else if (strchr("#^/!>=&", *q) && *q) {
        t->kind = *q++;
    }
    const char *e = strstr(q, close);
    if (!e)
        return false; /* an unclosed tag is text, as the rest of the template */
    t->end = e + strlen(close);
    while (q < e && (*q == ' ' || *q == '\t' || *q == '\n' || *q == '\r'))
        q++;
    const char *z = e;
    while (z > q && (z[-1] == ' ' || z[-1] == '\t' || z[-1] == '\n' || z[-1] == '\r'))
        z--;
    t->name = q;
    t->name_len = (size_t)(z - q);
    return true;
}

static const cJSON *path_in(const cJSON *v, const char *name, size_t n)
{
    const char *p = name, *end = name + n;
    while (v && p < end) {
        const char *dot = memchr(p, '.', (size_t)(end - p));
        size_t k = dot ? (size_t)(dot - p) : (size_t)(end - p);
        char key[128];
        if (k == 0 || k >= sizeof(key))
            return NULL;
        memcpy(key, p, k);
        key[k] = 0;
        if (cJSON_IsArray(v)) {
            char *stop;
            long i = strtol(key, &stop, 10);
            v = *stop == 0 && i >= 0 ? cJSON_GetArrayItem(v, (int)i) : NULL;
        } else {
            v = cJSON_IsObject(v) ? cJSON_GetObjectItemCaseSensitive(v, key) : NULL;
        }
        p += k + (dot ? 1 : 0);
    }
    return v;
}

/* The value a name stands for: "." the innermost context; else the first context, from the
 * innermost out, that has the name's first part (mustache's lookup). */
static const cJSON *lookup(const render_t *r, const char *name, size_t n)
{
    if (n == 1 && name[0] == '.')
        return r->stack[r->depth];
    const char *dot = memchr(name, '.', n);
    size_t first = dot ? (size_t)(dot - name) : n;
    char key[128];
    if (first == 0 || first >= sizeof(key))
        return NULL;
    memcpy(key, name, first);
    key[first] = 0;
    for (int i = r->depth; i >= 0; i--) {
        const cJSON *c = r->stack[i];
        if (cJSON_IsObject(c) && cJSON_GetObjectItemCaseSensitive(c, key))
            return path_in(c, name, n);
    }
    return NULL;
}

static void html_escaped(lt_buf_t *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&': lt_buf_puts(b, "&amp;"); break;
        case '<': lt_buf_puts(b, "&lt;"); break;
        case '>': lt_buf_puts(b, "&gt;"); break;
        case '"': lt_buf_puts(b, "&quot;"); break;
        case '\'': lt_buf_puts(b, "&#39;"); break;
        case '/': lt_buf_puts(b, "&#x2F;"); break;
        case '`': lt_buf_puts(b, "&#x60;"); break;
        case '=': lt_buf_puts(b, "&#x3D;"); break;
        default: lt_buf_putc(b, *s);
        }
    }
}

/* A value as JavaScript's String() writes it. */
static void value_text(lt_buf_t *b, const cJSON *v, bool top)
{
    if (!v || cJSON_IsNull(v))
        return;
    if (cJSON_IsString(v))
        lt_buf_puts(b, v->valuestring);
    else if (cJSON_IsBool(v))
        lt_buf_puts(b, cJSON_IsTrue(v) ? "true" : "false");
    else if (cJSON_IsNumber(v)) {
        double d = v->valuedouble;
        if (d == (double)(int64_t)d && d > -1e15 && d < 1e15)
            lt_buf_printf(b, "%lld", (long long)d);
        else
            lt_buf_printf(b, "%.17g", d);
    } else if (cJSON_IsArray(v) && top) {
        int i = 0;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            if (i)
                lt_buf_putc(b, ',');
            value_text(b, e, false);
        }
    } else if (cJSON_IsArray(v)) {
        lt_buf_puts(b, "[array]");
    } else {
        lt_buf_puts(b, "[object Object]");
    }
}

/* Is the end of the output inside a JSON string (an odd number of unescaped quotes before it)?
 * Scanned on from where the last call stopped, so a template full of {{eventMarkdown}} costs
 * one pass over its output. */
static bool in_json_string(render_t *r)
{
    const lt_buf_t *b = r->out;
    for (; r->scanned < b->len; r->scanned++) {
        char c = b->ptr[r->scanned];
        if (r->esc)
            r->esc = false;
        else if (c == '\\')
            r->esc = true;
        else if (c == '"')
            r->in_string = !r->in_string;
    }
    return r->in_string;
}

static void variable(render_t *r, const tag_t *t)
{
    const cJSON *v = lookup(r, t->name, t->name_len);
    if (t->name_len == 13 && memcmp(t->name, "eventMarkdown", 13) == 0 && cJSON_IsString(v)) {
        if (in_json_string(r)) {
            lt_buf_t q;
            lt_buf_init(&q, LT_ADDON_BODY_MAX + 16);
            lt_json_cstr(&q, v->valuestring);
            if (q.len >= 2)
                lt_buf_append(r->out, q.ptr + 1, q.len - 2);
            lt_buf_dispose(&q);
        } else {
            lt_buf_puts(r->out, v->valuestring);
        }
        return;
    }
    if (t->kind == '{' || t->kind == '&') {
        value_text(r->out, v, true);
        return;
    }
    lt_buf_t plain;
    lt_buf_init(&plain, LT_ADDON_BODY_MAX);
    value_text(&plain, v, true);
    if (plain.len)
        html_escaped(r->out, plain.ptr);
    lt_buf_dispose(&plain);
}

static bool truthy(const cJSON *v)
{
    if (!v || cJSON_IsNull(v) || cJSON_IsFalse(v))
        return false;
    if (cJSON_IsString(v))
        return v->valuestring[0] != 0;
    if (cJSON_IsNumber(v))
        return v->valuedouble != 0;
    if (cJSON_IsArray(v))
        return v->child != NULL;
    return true;
}

/* The matching {{/name}} of a section opened at t (nested sections counted); NULL if none. */
static bool section_end(const tag_t *open, tag_t *close)
{
    int depth = 0;
    const char *p = open->end;
    tag_t t;
    while (next_tag(p, &t)) {
        if (t.kind == '#' || t.kind == '^')
            depth++;
        else if (t.kind == '/') {
            if (depth == 0) {
                if (t.name_len != open->name_len || memcmp(t.name, open->name, t.name_len) != 0)
                    return false;
                *close = t;
                return true;
            }
            depth--;
        }
        p = t.end;
    }
    return false;
}

static void render_span(render_t *r, const char *p, const char *end);

static void section(render_t *r, const tag_t *open, const tag_t *close)
{
    const cJSON *v = lookup(r, open->name, open->name_len);
    bool on = truthy(v);
    if (open->kind == '^') {
        if (!on)
            render_span(r, open->end, close->start);
        return;
    }
    if (!on)
        return;
    if (r->depth >= RENDER_DEPTH) {
        r->err = "sections are nested too deep (16 at most)";
        return;
    }
    if (cJSON_IsArray(v)) {
        for (const cJSON *e = v->child; e && !r->err; e = e->next) {
            r->stack[++r->depth] = e;
            render_span(r, open->end, close->start);
            r->depth--;
        }
        return;
    }
    r->stack[++r->depth] = v;
    render_span(r, open->end, close->start);
    r->depth--;
}

/* Render [p, end) (end points into the same NUL-terminated template). */
static void render_span(render_t *r, const char *p, const char *end)
{
    tag_t t;
    while (p < end && !r->err) {
        if (++r->steps > RENDER_STEPS) {
            r->err = "the template takes too much work to render";
            return;
        }
        if (!next_tag(p, &t) || t.end > end) {
            lt_buf_append(r->out, p, (size_t)(end - p));
            return;
        }
        lt_buf_append(r->out, p, (size_t)(t.start - p));
        p = t.end;
        if (t.kind == '#' || t.kind == '^') {
            tag_t close;
            if (!section_end(&t, &close) || close.end > end) {
                r->err = "a section of the template is not closed";
                return;
            }
            section(r, &t, &close);
            p = close.end;
        } else if (t.kind == '/') {
            r->err = "the template closes a section it did not open";
            return;
        } else if (t.kind == 0 || t.kind == '{' || t.kind == '&') {
            variable(r, &t);
        } /* comments, partials and delimiter changes: nothing */
        if (!lt_buf_ok(r->out))
            r->err = "the rendered body is over 256 KiB";
    }
}

int lt_addon_render(lt_buf_t *out, const char *tmpl, const cJSON *ctx, const char **err)
{
    render_t r = {.out = out,
                  .stack = {ctx},
                  .depth = 0,
                  .steps = 0,
                  .err = NULL,
                  .scanned = 0,
                  .in_string = false,
                  .esc = false};
    render_span(&r, tmpl, tmpl + strlen(tmpl));
    if (!r.err && !lt_buf_ok(out))
        r.err = "the rendered body is over 256 KiB";
    *err = r.err;
    return r.err ? LT_EINVAL : LT_OK;
}

/* ---------- events ---------- */

/* A one-line description of the event in Slack-style markdown ({{eventMarkdown}}). */
static void event_markdown(lt_buf_t *b, const lt_event_row_t *e)
{
    lt_buf_printf(b, "*%s* %s", e->created_by ? e->created_by : "unknown", e->type);
    if (e->feature_name)
        lt_buf_printf(b, " *%s*", e->feature_name);
    if (e->environment)
        lt_buf_printf(b, " in *%s*", e->environment);
    if (e->project)
        lt_buf_printf(b, " (project *%s*)", e->project);
}

cJSON *lt_addon_context(const lt_event_row_t *e)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_store_event_write_json(&b, e, false);
    char *json = lt_buf_take(&b, NULL);
    cJSON *ctx = cJSON_CreateObject(), *ev = cJSON_Parse(json);
    if (!ev) {
        free(json);
        cJSON_Delete(ctx);
        return NULL;
    }
    cJSON_AddItemToObject(ctx, "event", ev);
    lt_buf_init(&b, 0);
    lt_json_cstr(&b, json); /* Unleash's JSON.stringify(JSON.stringify(event)) */
    char *quoted = lt_buf_take(&b, NULL);
    cJSON_AddStringToObject(ctx, "eventJson", quoted);
    lt_buf_init(&b, 0);
    event_markdown(&b, e);
    char *md = lt_buf_take(&b, NULL);
    cJSON_AddStringToObject(ctx, "eventMarkdown", md);
    free(md);
    free(quoted);
    free(json);
    return ctx;
}

int lt_addon_template_check(const char *tmpl, const char **err)
{
    static const lt_event_row_t sample = {.id = 1,
                                          .type = "feature-created",
                                          .created_at = 1,
                                          .created_by = "admin",
                                          .created_by_user_id = 1,
                                          .project = "default",
                                          .environment = NULL,
                                          .feature_name = "flag",
                                          .data = "{\"name\":\"flag\"}",
                                          .pre_data = NULL};
    cJSON *ctx = lt_addon_context(&sample);
    lt_buf_t b;
    lt_buf_init(&b, LT_ADDON_BODY_MAX);
    int rc = lt_addon_render(&b, tmpl, ctx, err);
    lt_buf_dispose(&b);
    cJSON_Delete(ctx);
    return rc;
}

/* ---------- the delivery worker ---------- */

typedef struct {
    int64_t addon_id, addon_created; /* with its creation time: ids of deleted addons recur */
    char *url, *content_type, *authorization, *custom_headers; /* the last two may be NULL */
    char *body;       /* rendered, or the event JSON */
    char *event_json; /* the event delivered */
    bool body_is_event;
    const char *render_err; /* a template that did not render: recorded, not sent */
    int attempts;           /* made so far */
    int64_t due;            /* epoch ms of the next attempt */
} delivery_t;

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t q_cond = PTHREAD_COND_INITIALIZER;
static delivery_t *queue[LT_ADDON_QUEUE_MAX];
static size_t n_queued;
static bool running;
static atomic_bool stopping;
static pthread_t feeder_thread, sender_thread;
static int64_t last_event; /* the feeder's: the newest event id looked at */

/* Free a string that may hold a secret, wiped first. */
static void wipe_free(char *s)
{
    if (s) {
        sodium_memzero(s, strlen(s));
        free(s);
    }
}

static void delivery_free(delivery_t *d)
{
    if (!d)
        return;
    wipe_free(d->url);
    free(d->content_type);
    wipe_free(d->authorization);
    wipe_free(d->custom_headers);
    free(d->body);
    free(d->event_json);
    free(d);
}

/* The origin of a URL (scheme://host[:port]) for the record: never its path or query, which
 * may hold a secret (the url parameter is sensitive). */
static void url_origin(lt_buf_t *b, const char *url)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL, *port = NULL;
    if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
        curl_url_get(u, CURLUPART_PORT, &port, 0);
        lt_buf_printf(b, "%s://%s%s%s", scheme, host, port ? ":" : "", port ? port : "");
    }
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_url_cleanup(u);
}

/* Record one attempt under the store lock (a short transaction; nothing else is held). */
static void record(const delivery_t *d, const char *state, const char *details_text)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"url\":");
    lt_buf_t o;
    lt_buf_init(&o, 0);
    url_origin(&o, d->url);
    lt_json_str(&b, o.ptr ? o.ptr : "", o.len);
    lt_buf_dispose(&o);
    lt_buf_puts(&b, ",\"contentType\":");
    lt_json_cstr(&b, d->content_type);
    lt_buf_puts(&b, ",\"body\":");
    if (d->body_is_event)
        lt_buf_puts(&b, d->event_json);
    else
        lt_json_cstr(&b, d->body ? d->body : "");
    lt_buf_printf(&b, ",\"attempt\":%d,\"attempts\":%d}", d->attempts, LT_ADDON_ATTEMPTS);
    char *details = lt_buf_take(&b, NULL);
    lt_integration_event_t e = {.id = 0,
                                .addon_id = d->addon_id,
                                .created_at = 0,
                                .state = state,
                                .state_details = details_text,
                                .event = d->event_json,
                                .details = details};
    lt_store_t *store = lt_state_lock();
    int rc = store ? lt_store_integration_event_add(store, &e) : LT_ERR;
    lt_state_unlock();
    if (rc != LT_OK)
        lt_log_warn("addons: could not record a delivery attempt of addon %lld",
                    (long long)d->addon_id);
    free(details);
}

/* Queue d (taking it over); false when the queue is full (d is then the caller's). */
static bool enqueue(delivery_t *d)
{
    pthread_mutex_lock(&q_lock);
    bool ok = n_queued < LT_ADDON_QUEUE_MAX && !stopping;
    if (ok) {
        queue[n_queued++] = d;
        pthread_cond_broadcast(&q_cond); /* the feeder waits on it too: wake the sender surely */
    }
    pthread_mutex_unlock(&q_lock);
    return ok;
}

/* A string parameter of an addon (numbers and booleans as text), malloc'd, or NULL. */
static char *param(const cJSON *params, const char *name)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, name);
    if (cJSON_IsString(v))
        return v->valuestring[0] ? lt_xstrdup(v->valuestring) : NULL;
    if (cJSON_IsNumber(v) || cJSON_IsBool(v)) {
        lt_buf_t b;
        lt_buf_init(&b, 64);
        value_text(&b, v, true);
        return lt_buf_take(&b, NULL);
    }
    return NULL;
}

/* Does a filter list (JSON text) let value through: empty, "*" first, or listing it? An
 * event without the value passes (Unleash's rule). */
static bool passes(const char *list_text, const char *value, bool empty_passes)
{
    cJSON *l = cJSON_Parse(list_text ? list_text : "[]");
    bool ok;
    if (!cJSON_IsArray(l) || !l->child)
        ok = empty_passes;
    else if (!value)
        ok = empty_passes;
    else if (cJSON_IsString(l->child) && strcmp(l->child->valuestring, "*") == 0 && empty_passes)
        ok = true;
    else {
        ok = false;
        for (const cJSON *e = l->child; e && !ok; e = e->next)
            ok = cJSON_IsString(e) && strcmp(e->valuestring, value) == 0;
    }
    cJSON_Delete(l);
    return ok;
}

static bool addon_matches(const lt_addon_t *x, const lt_event_row_t *e)
{
    return x->enabled && lt_addon_provider_ok(x->provider) && passes(x->events, e->type, false) &&
           passes(x->projects, e->project, true) && passes(x->environments, e->environment, true);
}

/* A delivery of event e (its context ctx) to addon x. */
static delivery_t *delivery_new(const lt_addon_t *x, const lt_event_row_t *e, const cJSON *ctx)
{
    cJSON *params = cJSON_Parse(x->parameters ? x->parameters : "{}");
    delivery_t *d = lt_xcalloc(1, sizeof(*d));
    d->addon_id = x->id;
    d->addon_created = x->created_at;
    d->url = param(params, "url");
    if (!d->url)
        d->url = lt_xstrdup("");
    d->content_type = param(params, "contentType");
    if (!d->content_type)
        d->content_type = lt_xstrdup("application/json");
    d->authorization = param(params, "authorization");
    d->custom_headers = param(params, "customHeaders");
    char *tmpl = param(params, "bodyTemplate");
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_store_event_write_json(&b, e, false);
    d->event_json = lt_buf_take(&b, NULL);
    if (tmpl) {
        lt_buf_init(&b, LT_ADDON_BODY_MAX);
        if (lt_addon_render(&b, tmpl, ctx, &d->render_err) == LT_OK)
            d->body = lt_buf_take(&b, NULL);
        else
            lt_buf_dispose(&b);
        free(tmpl);
    } else {
        d->body = lt_xstrdup(d->event_json);
        d->body_is_event = true;
    }
    d->due = lt_now_ms();
    cJSON_Delete(params);
    return d;
}

/* Queue what the events after last_event (up to rev) ask of the snapshot's addons. */
#define FEED_PAGE 100
#define FEED_MAX 1000
static void feed(const lt_dataset_t *d, int64_t rev)
{
    bool any = false;
    for (size_t i = 0; i < d->n_addons && !any; i++)
        any = d->addons[i].enabled;
    if (!any)
        return;
    lt_store_t *store = lt_state_store();
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_event_row_t *all = lt_arena_calloc(&a, FEED_MAX, sizeof(*all));
    size_t n_all = 0;
    bool done = false;
    for (int64_t offset = 0; !done && n_all < FEED_MAX; offset += FEED_PAGE) {
        lt_event_filter_t f = {.offset = offset, .limit = FEED_PAGE};
        lt_event_row_t *rows = NULL;
        size_t n = 0;
        int64_t total = 0;
        if (!store || lt_store_events_list(store, &a, &f, &rows, &n, &total) != LT_OK) {
            lt_log_warn("addons: could not read the events to deliver");
            break;
        }
        for (size_t i = 0; i < n && !done; i++) {
            if (rows[i].id <= last_event)
                done = true;
            else if (rows[i].id <= rev && n_all < FEED_MAX)
                all[n_all++] = rows[i];
        }
        done |= n < FEED_PAGE;
    }
    if (!done && n_all == FEED_MAX)
        lt_log_warn("addons: over %d events since the last look; the older ones are not "
                    "delivered",
                    FEED_MAX);
    for (size_t k = n_all; k-- > 0;) { /* oldest first */
        const lt_event_row_t *e = &all[k];
        cJSON *ctx = NULL;
        for (size_t i = 0; i < d->n_addons; i++) {
            if (!addon_matches(&d->addons[i], e))
                continue;
            bool mine = false;
            lt_store_t *ws = lt_state_lock(); /* instances sharing a database: one delivers */
            int rc = ws ? lt_store_addon_claim(ws, d->addons[i].id, e->id, &mine) : LT_ERR;
            lt_state_unlock();
            if (rc != LT_OK)
                lt_log_warn("addons: could not claim event %lld for addon %lld; not delivered",
                            (long long)e->id, (long long)d->addons[i].id);
            if (!mine)
                continue;
            if (!ctx)
                ctx = lt_addon_context(e);
            delivery_t *dl = delivery_new(&d->addons[i], e, ctx);
            if (!enqueue(dl)) {
                lt_log_warn("addons: the delivery queue is full; event %lld not sent to addon "
                            "%lld",
                            (long long)e->id, (long long)dl->addon_id);
                record(dl, "failed", "Not delivered: the delivery queue was full.");
                delivery_free(dl);
            }
        }
        cJSON_Delete(ctx);
    }
    lt_arena_dispose(&a);
}

/* Wait on q_cond until ms (epoch) or a signal; q_lock held. */
static void wait_until(int64_t ms)
{
    struct timespec ts = {.tv_sec = (time_t)(ms / 1000), .tv_nsec = (long)(ms % 1000) * 1000000L};
    pthread_cond_timedwait(&q_cond, &q_lock, &ts);
}

#define FEED_INTERVAL_MS 200
static void *feeder(void *arg)
{
    (void)arg;
    pthread_mutex_lock(&q_lock);
    while (!stopping) {
        wait_until(lt_now_ms() + FEED_INTERVAL_MS);
        if (stopping)
            break;
        pthread_mutex_unlock(&q_lock);
        lt_snapshot_t *s = lt_snapshot_acquire();
        if (s && s->data.revision > last_event) {
            feed(&s->data, s->data.revision);
            last_event = s->data.revision;
            lt_log_debug("addons: events up to %lld looked at", (long long)last_event);
        }
        lt_snapshot_release(s);
        pthread_mutex_lock(&q_lock);
    }
    pthread_mutex_unlock(&q_lock);
    return NULL;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
    (void)p;
    size_t *seen = ctx;
    *seen += size * n;
    return *seen > (1 << 20) ? 0 : size * n; /* a reply over 1 MiB is cut */
}

static int abort_on_stop(void *p, curl_off_t a, curl_off_t b, curl_off_t c, curl_off_t e)
{
    (void)p, (void)a, (void)b, (void)c, (void)e;
    return stopping ? 1 : 0;
}

/* A header line "Name: value" when both are safe (a token name, no CR/LF in the value). */
static bool header_ok(const char *name, const char *value)
{
    if (!*name || strlen(name) > 256 || strlen(value) > 8192)
        return false;
    for (const char *c = name; *c; c++)
        if (!strchr("!#$%&'*+-.^_`|~", *c) && !((*c >= '0' && *c <= '9') ||
                                                 (*c >= 'a' && *c <= 'z') ||
                                                 (*c >= 'A' && *c <= 'Z')))
            return false;
    return strpbrk(value, "\r\n") == NULL;
}

static struct curl_slist *add_header(struct curl_slist *h, const char *name, const char *value)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "%s: %s", name, value);
    struct curl_slist *r = curl_slist_append(h, b.ptr);
    if (b.ptr)
        sodium_memzero(b.ptr, b.len);
    lt_buf_dispose(&b);
    return r;
}

/* The addresses host resolves to, each checked, as a CURLOPT_RESOLVE entry pinning the first
 * (so the connection goes where was checked). NULL with *why set when one is not public or the
 * name does not resolve. */
static struct curl_slist *pin(const char *host, long port, const char **why)
{
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    char ps[16];
    snprintf(ps, sizeof(ps), "%ld", port);
    if (getaddrinfo(host, ps, &hints, &res) != 0 || !res) {
        *why = "the host name did not resolve";
        return NULL;
    }
    char first[INET6_ADDRSTRLEN] = "";
    for (struct addrinfo *ai = res; ai; ai = ai->ai_next) {
        char addr[INET6_ADDRSTRLEN];
        const void *src = ai->ai_family == AF_INET
                              ? (const void *)&((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr
                              : (const void *)&((struct sockaddr_in6 *)(void *)ai->ai_addr)
                                    ->sin6_addr;
        if (!inet_ntop(ai->ai_family, src, addr, sizeof(addr)))
            continue;
        if (!allow_private && !lt_addon_addr_public(addr)) {
            freeaddrinfo(res);
            *why = "the URL resolves to a non-public address (start latch with "
                   "--addons-allow-private to allow it)";
            return NULL;
        }
        if (!first[0])
            snprintf(first, sizeof(first), "%s", addr);
    }
    freeaddrinfo(res);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    bool v6 = strchr(first, ':') != NULL;
    lt_buf_printf(&b, "%s:%ld:%s%s%s", host, port, v6 ? "[" : "", first, v6 ? "]" : "");
    struct curl_slist *r = curl_slist_append(NULL, b.ptr);
    lt_buf_dispose(&b);
    return r;
}

typedef struct {
    long status;    /* 0: no answer */
    bool retryable; /* worth another attempt */
    char detail[256];
    bool bad_headers;
} outcome_t;

static void post(CURL *h, const delivery_t *d, outcome_t *o)
{
    curl_easy_reset(h);
    CURLU *u = curl_url();
    char host[256];
    char *port = NULL;
    struct curl_slist *hs = NULL, *resolve = NULL;
    const char *why = NULL;
    if (curl_url_set(u, CURLUPART_URL, d->url, 0) != CURLUE_OK || !url_host(u, host, 256) ||
        curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) != CURLUE_OK) {
        snprintf(o->detail, sizeof(o->detail), "Webhook request not sent: the URL is not valid.");
        goto done;
    }
    if (!(resolve = pin(host, strtol(port, NULL, 10), &why))) {
        snprintf(o->detail, sizeof(o->detail), "Webhook request not sent: %s.", why);
        o->retryable = strstr(why, "resolve") != NULL;
        goto done;
    }
    cJSON *custom = d->custom_headers ? cJSON_Parse(d->custom_headers) : NULL;
    bool own_type = false, own_auth = false;
    if (d->custom_headers && !cJSON_IsObject(custom))
        o->bad_headers = true;
    for (const cJSON *c = cJSON_IsObject(custom) ? custom->child : NULL; c; c = c->next) {
        if (!cJSON_IsString(c) || !header_ok(c->string, c->valuestring)) {
            o->bad_headers = true;
            continue;
        }
        own_type |= strcasecmp(c->string, "Content-Type") == 0;
        own_auth |= strcasecmp(c->string, "Authorization") == 0;
        hs = add_header(hs, c->string, c->valuestring);
    }
    cJSON_Delete(custom);
    if (!own_type)
        hs = add_header(hs, "Content-Type", d->content_type);
    if (!own_auth && d->authorization)
        hs = add_header(hs, "Authorization", d->authorization);
    hs = curl_slist_append(hs, "Expect:");
    size_t seen = 0;
    curl_easy_setopt(h, CURLOPT_URL, d->url);
    curl_easy_setopt(h, CURLOPT_RESOLVE, resolve);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "latch/" LT_VERSION);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, 10000L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, d->body);
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(d->body));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &seen);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, abort_on_stop);
    CURLcode rc = curl_easy_perform(h);
    if (rc == CURLE_OK || rc == CURLE_WRITE_ERROR)
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &o->status);
    if (o->status >= 200 && o->status < 300)
        snprintf(o->detail, sizeof(o->detail),
                 "Webhook request was successful with status code: %ld.", o->status);
    else if (o->status) {
        snprintf(o->detail, sizeof(o->detail),
                 "Webhook request failed with status code: %ld.", o->status);
        o->retryable = o->status >= 500 || o->status == 408 || o->status == 429;
    } else {
        snprintf(o->detail, sizeof(o->detail), "Webhook request failed: %s.",
                 stopping ? "latch stopped" : curl_easy_strerror(rc));
        o->retryable = true;
    }
    for (struct curl_slist *l = hs; l; l = l->next) /* secrets among them */
        sodium_memzero(l->data, strlen(l->data));
    curl_slist_free_all(hs);
done:
    curl_slist_free_all(resolve);
    curl_free(port);
    curl_url_cleanup(u);
}

/* Is d's addon still there and enabled (deleted or disabled since: nothing more is sent)? */
static bool addon_live(const delivery_t *d)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    bool live = false;
    for (size_t i = 0; s && i < s->data.n_addons && !live; i++) {
        const lt_addon_t *x = &s->data.addons[i];
        live = x->id == d->addon_id && x->created_at == d->addon_created && x->enabled;
    }
    lt_snapshot_release(s);
    return live;
}

/* One attempt of d, recorded; true when d is done (delivered, or out of attempts). */
static bool attempt(CURL *h, delivery_t *d)
{
    if (!addon_live(d)) {
        lt_log_info("addons: addon %lld was deleted or disabled; its queued delivery is dropped",
                    (long long)d->addon_id);
        return true;
    }
    d->attempts++;
    if (d->render_err) {
        char msg[256];
        snprintf(msg, sizeof(msg), "Webhook request not sent: the body template did not render "
                                   "(%s).", d->render_err);
        record(d, "failed", msg);
        return true;
    }
    outcome_t o = {0, false, "", false};
    post(h, d, &o);
    bool ok = o.status >= 200 && o.status < 300;
    bool last = ok || !o.retryable || d->attempts >= LT_ADDON_ATTEMPTS || stopping;
    char msg[512];
    int64_t backoff = (int64_t)LT_ADDON_BACKOFF_MS << (d->attempts - 1);
    snprintf(msg, sizeof(msg), "%s%s Attempt %d of %d%s", o.detail,
             o.bad_headers ? " Could not parse the JSON in the customHeaders parameter." : "",
             d->attempts, LT_ADDON_ATTEMPTS, last ? "." : "; retrying");
    if (!last) {
        size_t n = strlen(msg);
        snprintf(msg + n, sizeof(msg) - n, " in %lld ms.", (long long)backoff);
    }
    const char *state = ok ? (o.bad_headers ? "successWithErrors" : "success") : "failed";
    record(d, state, msg);
    if (ok)
        lt_log_info("addons: event delivered to addon %lld (status %ld, attempt %d)",
                    (long long)d->addon_id, o.status, d->attempts);
    else
        lt_log_warn("addons: delivery to addon %lld failed (attempt %d of %d, status %ld)%s",
                    (long long)d->addon_id, d->attempts, LT_ADDON_ATTEMPTS, o.status,
                    last ? "" : "; will retry");
    d->due = lt_now_ms() + backoff;
    return last;
}

static void *sender(void *arg)
{
    (void)arg;
    CURL *h = curl_easy_init();
    pthread_mutex_lock(&q_lock);
    while (!stopping) {
        size_t best = SIZE_MAX;
        for (size_t i = 0; i < n_queued; i++)
            if (best == SIZE_MAX || queue[i]->due < queue[best]->due)
                best = i;
        int64_t now = lt_now_ms();
        if (best == SIZE_MAX || queue[best]->due > now) {
            wait_until(best == SIZE_MAX ? now + 1000 : queue[best]->due);
            continue;
        }
        delivery_t *d = queue[best];
        queue[best] = queue[--n_queued];
        pthread_mutex_unlock(&q_lock);
        bool done = !h || attempt(h, d);
        if (!done && !enqueue(d)) { /* stopping meanwhile */
            record(d, "failed", "Not delivered: latch stopped before the retry was made.");
            done = true;
        }
        if (done)
            delivery_free(d);
        pthread_mutex_lock(&q_lock);
    }
    pthread_mutex_unlock(&q_lock);
    if (h)
        curl_easy_cleanup(h);
    return NULL;
}

int lt_addons_start(void)
{
    if (running)
        return LT_OK;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        lt_log_error("addons: libcurl could not be initialised");
        return LT_ERR;
    }
    lt_snapshot_t *s = lt_snapshot_acquire();
    last_event = s ? s->data.revision : 0;
    lt_snapshot_release(s);
    stopping = false;
    if (pthread_create(&feeder_thread, NULL, feeder, NULL) != 0) {
        lt_log_error("addons: cannot start the delivery feeder");
        return LT_ERR;
    }
    if (pthread_create(&sender_thread, NULL, sender, NULL) != 0) {
        lt_log_error("addons: cannot start the delivery sender");
        stopping = true;
        pthread_mutex_lock(&q_lock);
        pthread_cond_broadcast(&q_cond);
        pthread_mutex_unlock(&q_lock);
        pthread_join(feeder_thread, NULL);
        return LT_ERR;
    }
    running = true;
    return LT_OK;
}

void lt_addons_stop(void)
{
    if (!running)
        return;
    pthread_mutex_lock(&q_lock);
    stopping = true;
    pthread_cond_broadcast(&q_cond);
    pthread_mutex_unlock(&q_lock);
    pthread_join(feeder_thread, NULL);
    pthread_join(sender_thread, NULL);
    running = false;
    if (n_queued)
        lt_log_warn("addons: %zu deliveries still queued at shutdown are recorded as not "
                    "delivered",
                    n_queued);
    for (size_t i = 0; i < n_queued; i++) {
        record(queue[i], "failed", "Not delivered: latch stopped before the delivery was made.");
        delivery_free(queue[i]);
    }
    n_queued = 0;
}
