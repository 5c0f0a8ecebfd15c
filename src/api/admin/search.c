/*
 * search.c: GET /api/admin/search/features, the flag list of Unleash's admin UI. Filters in
 * Unleash's query syntax, each "OPERATOR:value[,value...]": project, type, state (active or
 * stale) with IS, IS_NOT, IS_ANY_OF, IS_NONE_OF; tag ("type:value") with INCLUDE,
 * DO_NOT_INCLUDE, INCLUDE_ALL_OF, INCLUDE_ANY_OF, EXCLUDE_IF_ANY_OF, EXCLUDE_ALL; query, a
 * substring of the name, description or a tag value (case-insensitive); then sortBy (name,
 * createdAt, type, project) and sortOrder, and a page by offset and limit. From the request's
 * snapshot; the answer is {features: [...], total}.
 */
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "admin_int.h"
#include "../api.h"

#define SEARCH_MAX_LIMIT 1000 /* flags in one page */
#define SEARCH_MAX_VALUES 100 /* values in one filter */
#define SEARCH_DEFAULT_LIMIT 50

typedef enum { OP_NONE = 0, OP_IS, OP_IS_NOT, OP_ANY_OF, OP_NONE_OF, OP_ALL_OF, OP_EXCL_ALL } op_t;

typedef struct {
    op_t op;
    const char *values[SEARCH_MAX_VALUES];
    size_t n;
} filter_t;

/* Parse "OP:v1,v2" from the query parameter name into f (op stays OP_NONE when absent). tag:
 * the tag operators instead of the IS ones. false after a 400. */
static bool parse_filter(lt_req_t *r, const char *name, bool tag, filter_t *f)
{
    static const struct {
        const char *name;
        op_t op;
        bool tag;
    } ops[] = {
        {"IS_NOT", OP_IS_NOT, false},        {"IS_ANY_OF", OP_ANY_OF, false},
        {"IS_NONE_OF", OP_NONE_OF, false},   {"IS", OP_IS, false},
        {"DO_NOT_INCLUDE", OP_IS_NOT, true}, {"INCLUDE_ALL_OF", OP_ALL_OF, true},
        {"INCLUDE_ANY_OF", OP_ANY_OF, true}, {"EXCLUDE_IF_ANY_OF", OP_NONE_OF, true},
        {"EXCLUDE_ALL", OP_EXCL_ALL, true},  {"INCLUDE", OP_IS, true},
    };
    memset(f, 0, sizeof(*f));
    lt_str_t v = lt_req_query(r, name);
    if (!v.ptr || !v.len)
        return true;
    const char *colon = memchr(v.ptr, ':', v.len);
    size_t on = colon ? (size_t)(colon - v.ptr) : 0;
    for (size_t i = 0; colon && i < LT_ARRAY_LEN(ops); i++)
        if (ops[i].tag == tag && strlen(ops[i].name) == on && memcmp(ops[i].name, v.ptr, on) == 0)
            f->op = ops[i].op;
    if (f->op == OP_NONE) {
        lt_reply_error(r, 400, "ValidationError",
                       "The %s filter must be an operator and values, as in %s:%s", name,
                       tag ? "INCLUDE" : "IS", tag ? "simple:value" : "value");
        return false;
    }
    char *rest = lt_arena_strndup(lt_req_arena(r), colon + 1, v.len - on - 1);
    for (char *save = NULL, *t = strtok_r(rest, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
        if (f->n == SEARCH_MAX_VALUES) {
            lt_reply_error(r, 400, "ValidationError", "The %s filter takes at most %d values.",
                           name, SEARCH_MAX_VALUES);
            return false;
        }
        f->values[f->n++] = t;
    }
    if (!f->n) {
        lt_reply_error(r, 400, "ValidationError", "The %s filter names no value.", name);
        return false;
    }
    return true;
}

static bool has_value(const filter_t *f, const char *s)
{
    for (size_t i = 0; i < f->n; i++)
        if (strcmp(f->values[i], s) == 0)
            return true;
    return false;
}

/* Does s pass an IS-style filter? */
static bool passes(const filter_t *f, const char *s)
{
    switch (f->op) {
    case OP_NONE:
        return true;
    case OP_IS:
    case OP_ANY_OF:
        return has_value(f, s);
    case OP_IS_NOT:
    case OP_NONE_OF:
        return !has_value(f, s);
    default:
        return true;
    }
}

static bool feature_has_tag(const lt_dataset_t *d, const char *feature, const char *type_value)
{
    for (size_t i = 0; i < d->n_tags; i++) {
        const lt_tag_t *t = &d->tags[i];
        size_t tn = strlen(t->type);
        if (strcmp(t->feature, feature) == 0 && strncmp(type_value, t->type, tn) == 0 &&
            type_value[tn] == ':' && strcmp(type_value + tn + 1, t->value) == 0)
            return true;
    }
    return false;
}

static bool passes_tags(const lt_dataset_t *d, const filter_t *f, const char *feature)
{
    if (f->op == OP_NONE)
        return true;
    size_t have = 0;
    for (size_t i = 0; i < f->n; i++)
        have += feature_has_tag(d, feature, f->values[i]);
    switch (f->op) {
    case OP_IS:     /* INCLUDE */
    case OP_ANY_OF: /* INCLUDE_ANY_OF */
        return have > 0;
    case OP_ALL_OF:
        return have == f->n;
    case OP_IS_NOT:  /* DO_NOT_INCLUDE */
    case OP_NONE_OF: /* EXCLUDE_IF_ANY_OF */
        return have == 0;
    case OP_EXCL_ALL: /* out only when it has them all */
        return have < f->n;
    default:
        return true;
    }
}

static bool icontains(const char *hay, const char *needle)
{
    if (!hay)
        return false;
    size_t n = strlen(needle);
    for (const char *p = hay; *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return true;
    return !n;
}

static bool matches_query(const lt_dataset_t *d, const lt_feature_t *f, const char *q)
{
    if (!q || icontains(f->name, q) || icontains(f->description, q))
        return true;
    for (size_t i = 0; i < d->n_tags; i++)
        if (strcmp(d->tags[i].feature, f->name) == 0 && icontains(d->tags[i].value, q))
            return true;
    return false;
}

typedef enum { SORT_CREATED, SORT_NAME, SORT_TYPE, SORT_PROJECT } sort_t;

/* A hit with the order it sorts in (qsort has no context argument). */
typedef struct {
    const lt_feature_t *f;
    sort_t by;
    int dir;
} hit_t;

static int cmp_hits(const void *pa, const void *pb)
{
    const hit_t *ha = pa, *hb = pb;
    const lt_feature_t *a = ha->f, *b = hb->f;
    int c = 0;
    switch (ha->by) {
    case SORT_CREATED:
        c = a->created_at < b->created_at ? -1 : a->created_at > b->created_at;
        break;
    case SORT_TYPE:
        c = strcmp(a->type ? a->type : "release", b->type ? b->type : "release");
        break;
    case SORT_PROJECT:
        c = strcmp(a->project, b->project);
        break;
    case SORT_NAME:
        break;
    }
    if (!c)
        c = strcmp(a->name, b->name);
    return c * ha->dir;
}

static bool query_eq(lt_req_t *r, const char *name, const char *value)
{
    lt_str_t v = lt_req_query(r, name);
    return v.ptr && v.len == strlen(value) && memcmp(v.ptr, value, v.len) == 0;
}

static void search_features(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    filter_t project, type, state, tag;
    if (!parse_filter(r, "project", false, &project) || !parse_filter(r, "type", false, &type) ||
        !parse_filter(r, "state", false, &state) || !parse_filter(r, "tag", true, &tag))
        return;
    for (size_t i = 0; i < state.n; i++)
        if (strcmp(state.values[i], "active") != 0 && strcmp(state.values[i], "stale") != 0) {
            lt_reply_error(r, 400, "ValidationError", "state is active or stale, not %s",
                           state.values[i]);
            return;
        }
    int64_t offset = 0, limit = SEARCH_DEFAULT_LIMIT;
    if ((lt_req_query(r, "offset").ptr && !lt_admin_query_int(r, "offset", &offset)) ||
        (lt_req_query(r, "limit").ptr && !lt_admin_query_int(r, "limit", &limit))) {
        lt_reply_error(r, 400, "ValidationError", "offset and limit are whole numbers.");
        return;
    }
    if (limit > SEARCH_MAX_LIMIT)
        limit = SEARCH_MAX_LIMIT;
    sort_t by = SORT_CREATED;
    if (lt_req_query(r, "sortBy").ptr && !query_eq(r, "sortBy", "createdAt")) {
        if (query_eq(r, "sortBy", "name"))
            by = SORT_NAME;
        else if (query_eq(r, "sortBy", "type"))
            by = SORT_TYPE;
        else if (query_eq(r, "sortBy", "project"))
            by = SORT_PROJECT;
        /* Unleash sorts by other fields (lastSeenAt, environments) latch has no data for:
         * creation order then */
    }
    int dir = query_eq(r, "sortOrder", "desc") ? -1 : 1;
    if (lt_req_query(r, "sortOrder").ptr && dir == 1 && !query_eq(r, "sortOrder", "asc")) {
        lt_reply_error(r, 400, "ValidationError", "sortOrder is asc or desc.");
        return;
    }
    lt_str_t qs = lt_req_query(r, "query");
    const char *q = qs.ptr && qs.len ? lt_arena_strndup(lt_req_arena(r), qs.ptr, qs.len) : NULL;

    hit_t *hits = lt_arena_calloc(lt_req_arena(r), d->n_features + 1, sizeof(*hits));
    size_t n = 0;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived || !passes(&project, f->project) ||
            !passes(&type, f->type ? f->type : "release") ||
            !passes(&state, f->stale ? "stale" : "active") || !passes_tags(d, &tag, f->name) ||
            !matches_query(d, f, q))
            continue;
        hits[n++] = (hit_t){f, by, dir};
    }
    qsort(hits, n, sizeof(*hits), cmp_hits);

    lt_store_t *store = lt_state_store();
    int64_t since = lt_adm_usage_since();
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"features\":[");
    for (size_t i = (size_t)(offset < (int64_t)n ? offset : (int64_t)n), k = 0;
         i < n && k < (size_t)limit; i++, k++) {
        if (k)
            lt_buf_putc(&b, ',');
        /* yes/no per environment: evaluations counted in the current and the previous hour
         * (a page of flags, one read each; none when the store cannot be read) */
        lt_metric_row_t *m = NULL;
        size_t n_m = 0;
        if (!store || lt_store_usage_feature(store, lt_req_arena(r), hits[i].f->name, since, &m,
                                             &n_m) != LT_OK)
            n_m = 0;
        lt_adm_write_feature_summary_usage(&b, d, hits[i].f, m, n_m, since);
    }
    lt_buf_printf(&b, "],\"total\":%zu}", n);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_search[] = {
    ROUTE(LT_GET, "/api/admin/search/features", search_features, LT_AUTHENTICATED),
    {0},
};
