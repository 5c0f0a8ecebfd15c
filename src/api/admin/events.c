/*
 * events.c: the event log (UNLEASH-API.md §6.7): GET /api/admin/events,
 * /api/admin/events/:featureName, /api/admin/search/events and /api/admin/event-creators. Events
 * are read from the store (not the snapshot), newest first; every admin write stored its row in its
 * own transaction.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "admin_int.h"
#include "../addons.h"
#include "../api.h"

/* A query value as a NUL-terminated arena string, without Unleash's "IS:" operator prefix;
 * NULL when absent or empty. */
static const char *query_str(lt_req_t *r, const char *name)
{
    lt_str_t v = lt_req_query(r, name);
    if (!v.ptr || !v.len)
        return NULL;
    if (v.len > 3 && (memcmp(v.ptr, "IS:", 3) == 0 || memcmp(v.ptr, "is:", 3) == 0)) {
        v.ptr += 3;
        v.len -= 3;
    }
    if (v.len > 200)
        v.len = 200;
    return lt_arena_strndup(lt_req_arena(r), v.ptr, v.len);
}

/* Read events matching f; replies 500 itself on failure. */
static bool read_events(lt_req_t *r, const lt_event_filter_t *f, lt_event_row_t **rows, size_t *n,
                        int64_t *total)
{
    lt_store_t *store = lt_state_store(); /* a read: no need to wait behind writes */
    int rc = store ? lt_store_events_list(store, lt_req_arena(r), f, rows, n, total) : LT_ERR;
    if (rc != LT_OK) {
        lt_reply_error(r, 500, "InternalError", "The event log could not be read.");
        return false;
    }
    return true;
}

static void filter_paging(lt_req_t *r, lt_event_filter_t *f)
{
    int64_t v;
    if (lt_admin_query_int(r, "limit", &v))
        f->limit = v > 1000 ? 1000 : v;
    if (lt_admin_query_int(r, "offset", &v))
        f->offset = v;
}

void lt_adm_write_creators(lt_buf_t *b, lt_arena_t *a, const lt_event_row_t *rows, size_t n)
{
    const char **seen = lt_arena_calloc(a, n + 1, sizeof(*seen));
    size_t n_seen = 0;
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        const char *by = rows[i].created_by ? rows[i].created_by : "unknown";
        size_t before = n_seen;
        lt_adm_set_add(seen, &n_seen, by);
        if (n_seen == before)
            continue;
        lt_buf_printf(b, "%s{\"id\":%lld,\"name\":", before ? "," : "",
                      (long long)rows[i].created_by_user_id);
        lt_json_cstr(b, by);
        lt_buf_putc(b, '}');
    }
    lt_buf_putc(b, ']');
}

/* GET /api/admin/event-creators: who wrote the newest CREATORS_SCAN events. */
#define CREATORS_SCAN 1000
static void event_creators(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    lt_event_filter_t f = {.limit = CREATORS_SCAN};
    lt_event_row_t *rows;
    size_t n;
    int64_t total;
    if (!read_events(r, &f, &rows, &n, &total))
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_creators(&b, lt_req_arena(r), rows, n);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void events_list(lt_req_t *r, const lt_params_t *params)
{
    lt_event_filter_t f;
    memset(&f, 0, sizeof(f));
    f.project = query_str(r, "project");
    f.feature = params->n ? params->value[0] : NULL;
    filter_paging(r, &f);
    lt_event_row_t *rows;
    size_t n;
    int64_t total;
    if (!read_events(r, &f, &rows, &n, &total))
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,");
    if (f.feature) {
        lt_buf_puts(&b, "\"toggleName\":");
        lt_json_cstr(&b, f.feature);
        lt_buf_putc(&b, ',');
    }
    lt_buf_puts(&b, "\"events\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_store_event_write_json(&b, &rows[i], false);
    }
    lt_buf_printf(&b, "],\"totalEvents\":%lld}", (long long)total);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* The label of an event type as the event search shows it: "feature-environment-enabled" ->
 * "Flag environment enabled" (Unleash calls flags "flags" in its labels). */
static void label_of(const char *type, char *out, size_t cap)
{
    size_t n = 0;
    const char *t = type ? type : "";
    if (strncmp(t, "feature-", 8) == 0 || strcmp(t, "feature") == 0) {
        n = (size_t)snprintf(out, cap, "flag");
        t += 7;
    }
    for (; *t && n + 1 < cap; t++)
        out[n++] = *t == '-' ? ' ' : *t;
    out[n] = '\0';
    if (n)
        out[0] = (char)toupper((unsigned char)out[0]);
}

/* One event of the search: the stored event's JSON with a label and a one-line markdown
 * summary (who did what to which flag, in which project and environment), as Unleash's event
 * search describes events; the event list leaves both null. */
static void write_described(lt_buf_t *b, const lt_event_row_t *e)
{
    lt_buf_t one;
    lt_buf_init(&one, 0);
    lt_store_event_write_json(&one, e, false);
    char *text = lt_buf_take(&one, NULL);
    cJSON *j = cJSON_Parse(text);
    free(text);
    lt_assert(j);
    char label[128];
    label_of(e->type, label, sizeof(label));
    lt_buf_t s;
    lt_buf_init(&s, 4096);
    lt_buf_printf(&s, "**%s** triggered **%s**", e->created_by ? e->created_by : "unknown",
                  e->type ? e->type : "");
    if (e->feature_name)
        lt_buf_printf(&s, " on flag **%s**", e->feature_name);
    if (e->project)
        lt_buf_printf(&s, " in project **%s**", e->project);
    if (e->environment)
        lt_buf_printf(&s, " for environment **%s**", e->environment);
    char *summary = lt_buf_take(&s, NULL);
    cJSON_ReplaceItemInObjectCaseSensitive(j, "label", cJSON_CreateString(label));
    cJSON_ReplaceItemInObjectCaseSensitive(j, "summary", cJSON_CreateString(summary));
    free(summary);
    char *out = cJSON_PrintUnformatted(j);
    lt_buf_puts(b, out);
    cJSON_free(out);
    cJSON_Delete(j);
}

static void events_search(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    lt_event_filter_t f;
    memset(&f, 0, sizeof(f));
    f.query = query_str(r, "query");
    f.feature = query_str(r, "feature");
    f.project = query_str(r, "project");
    f.type = query_str(r, "type");
    f.created_by = query_str(r, "createdBy");
    filter_paging(r, &f);
    lt_event_row_t *rows;
    size_t n;
    int64_t total;
    if (!read_events(r, &f, &rows, &n, &total))
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"events\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_described(&b, &rows[i]);
    }
    lt_buf_printf(&b, "],\"total\":%lld}", (long long)total);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

const lt_route_t lt_routes_admin_events[] = {
    LT_ADM_ROUTE(LT_GET, "/api/admin/events", events_list, LT_PERM("ADMIN")),
    LT_ADM_ROUTE(LT_GET, "/api/admin/events/:featureName", events_list, LT_PERM("ADMIN")),
    LT_ADM_ROUTE(LT_GET, "/api/admin/search/events", events_search, LT_PERM("ADMIN")),
    LT_ADM_ROUTE(LT_GET, "/api/admin/event-creators", event_creators, LT_PERM("ADMIN")),
    {0},
};
