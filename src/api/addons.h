/*
 * addons.h: what latch does with addons (Unleash's integrations) beside their admin API
 * (admin/addons.c): the one provider it delivers for real, `webhook` (its definition, which
 * parameters are sensitive), the check of an outgoing URL, the body template renderer, and the
 * delivery worker of `latch serve`: committed events that match an enabled addon are queued in
 * memory (bounded) and POSTed with libcurl from a thread of its own, with retries and backoff,
 * each attempt recorded in the store's integration events.
 */
#ifndef LT_API_ADDONS_H
#define LT_API_ADDONS_H

#include <cjson/cJSON.h>

#include "../base/buf.h"
#include "../store/store.h"

/* What a GET shows in place of a sensitive parameter, and what a PUT sends to keep one. */
#define LT_ADDON_MASK "*****"
/* The largest body a template may render (and a bodyTemplate parameter's own limit). */
#define LT_ADDON_BODY_MAX (256 * 1024)
#define LT_ADDON_TEMPLATE_MAX (64 * 1024)
/* Deliveries queued at once (past it an event's delivery is recorded as failed, not sent). */
#define LT_ADDON_QUEUE_MAX 1000
/* Attempts per delivery (the first and its retries) and the first backoff (doubled each time). */
#define LT_ADDON_ATTEMPTS 4
#define LT_ADDON_BACKOFF_MS 1000

/* ---------- providers ---------- */

/* Is this a provider latch delivers ("webhook")? */
bool lt_addon_provider_ok(const char *provider);
/* Is this one of Unleash's other providers (slack, teams, datadog...), refused by name? */
bool lt_addon_provider_unleash(const char *provider);
/* Is parameter name sensitive for provider (masked by the admin API: url, authorization,
 * customHeaders for a webhook)? */
bool lt_addon_param_sensitive(const char *provider, const char *name);
/* The providers list of GET /api/admin/addons: [{name, displayName, description, parameters,
 * events, ...}] in Unleash's addon definition shape. */
void lt_addon_write_providers(lt_buf_t *b);

/* ---------- outgoing URLs ---------- */

/* Allow URLs whose host is (or, when delivering, resolves to) a loopback, private, link-local
 * or otherwise non-public address (`--addons-allow-private`; off by default, as Unleash 8.2's
 * UNLEASH_ALLOW_PRIVATE_URL_IN_INTEGRATION). Set before lt_addons_start. */
void lt_addons_set_allow_private(bool allow);
bool lt_addons_allow_private(void);
/* Is this address text (IPv4 or IPv6, as inet_pton reads it) a public one? False for what is
 * not an address. */
bool lt_addon_addr_public(const char *addr);
/* Check a webhook URL as given to the admin API: http or https, a host, at most 2048 bytes,
 * no credentials in it; a literal non-public address (or localhost) refused unless allowed.
 * NULL when acceptable, else a static message for a 400. Does not resolve names (the worker
 * checks every address a name resolves to before it connects). */
const char *lt_addon_url_check(const char *url);

/* ---------- the body template ---------- */

/*
 * Render a mustache template (Unleash's bodyTemplate) over ctx, a JSON object: `{{a.b}}` is
 * the value at that path HTML-escaped as mustache.js does, `{{{a.b}}}` and `{{& a.b}}` raw,
 * `{{#a}}...{{/a}}` and `{{^a}}...{{/a}}` sections (objects and array items become the
 * context inside), `{{! ...}}` comments; partials and delimiter changes render nothing. The
 * value of `eventMarkdown` is JSON-escaped inside a JSON string and raw outside one, as
 * Unleash does. At most LT_ADDON_BODY_MAX bytes. LT_OK, or LT_EINVAL with a static message in
 * *err (an unclosed section, sections nested deeper than 16, output or work over the limits).
 */
int lt_addon_render(lt_buf_t *out, const char *tmpl, const cJSON *ctx, const char **err);

/* Does tmpl render (over a sample feature-created event)? LT_OK, or LT_EINVAL with *err set as
 * lt_addon_render sets it: the admin API's check of a bodyTemplate. */
int lt_addon_template_check(const char *tmpl, const char **err);

/* The context a template is rendered over for event e: {event, eventJson, eventMarkdown}.
 * Free with cJSON_Delete. NULL when the event does not parse (never: it is written here). */
cJSON *lt_addon_context(const lt_event_row_t *e);

/* ---------- the delivery worker (latch serve) ---------- */

/* Start the worker: events committed from now on (their ids above the store's revision now)
 * are delivered; those of the past are not. LT_OK or LT_ERR. */
int lt_addons_start(void);
/* Stop it: an attempt in flight is cut short, and every delivery still queued is recorded as
 * failed ("not delivered: latch stopped"); nothing survives a restart but that record. A
 * no-op when not running. */
void lt_addons_stop(void);

#endif
