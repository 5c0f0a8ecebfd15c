/*
 * client.c: the client API for server-side SDKs (UNLEASH-API.md §3). Feature bodies are
 * built once per (environment, project set, filters, segment mode) and memoized in the
 * snapshot with their ETag and gzip form; a poll is a memo look-up, a 304 costs a compare.
 * Registrations and usage metrics go to the in-memory aggregator (usage.c).
 */
#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "../base/gzip.h"
#include "../base/util.h"
#include "../model/model_json.h"
#include "api.h"
#include "guard.h"
#include "usage.h"

#define MAX_QUERY_PROJECTS 64
#define MAX_QUERY_TAGS 16

/* What a features request asks for, after the token's scope has been applied. */
typedef struct {
    const char *env;
    const char **projects; /* sorted, existing, once each (the query's or the token's); none = all */
    size_t n_projects;
    bool all_projects;
    bool no_projects; /* projects were named, and none of them exists: no flags */
    lt_str_t name_prefix; /* ptr NULL when absent */
    const char *tags[MAX_QUERY_TAGS]; /* "type:value", sorted; a flag needs one of them */
    size_t n_tags;
    bool inline_segments;
} features_query_t;

static int cmp_str_ptr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

typedef struct {
    features_query_t *q;
    lt_arena_t *arena;
    bool too_many;
    bool bad_tag;
} query_ctx_t;

static bool collect_query(void *ctx, lt_str_t k, lt_str_t v)
{
    query_ctx_t *c = ctx;
    if (lt_str_eq_c(k, "project") && v.len) {
        if (c->q->n_projects == MAX_QUERY_PROJECTS) {
            c->too_many = true;
            return false;
        }
        c->q->projects[c->q->n_projects++] = lt_arena_strndup(c->arena, v.ptr, v.len);
    } else if (lt_str_eq_c(k, "namePrefix") && v.len) {
        c->q->name_prefix = v;
    } else if (lt_str_eq_c(k, "tag") && v.len) {
        if (c->q->n_tags == MAX_QUERY_TAGS || !memchr(v.ptr, ':', v.len)) {
            c->bad_tag = true;
            return false;
        }
        c->q->tags[c->q->n_tags++] = lt_arena_strndup(c->arena, v.ptr, v.len);
    }
    return true;
}

/* Is the Unleash-Client-Spec header (when present) a strict semver, and at least 4.2.0? */
static int spec_inline(lt_req_t *r, bool *out_inline)
{
    lt_str_t h = lt_req_header(r, "Unleash-Client-Spec");
    *out_inline = true;
    if (!h.ptr)
        return LT_OK;
    int64_t v[3];
    if (lt_semver_core(h.ptr, h.len, v) != LT_OK)
        return LT_EINVAL;
    *out_inline = v[0] < 4 || (v[0] == 4 && v[1] < 2);
    return LT_OK;
}

/* Append n bytes to the key being built in out (cap bytes); false once it does not fit. */
static bool key_add(char *out, size_t cap, size_t *len, const char *p, size_t n)
{
    if (n > cap - *len)
        return false;
    memcpy(out + *len, p, n);
    *len += n;
    return true;
}

/* The key that names one memoized body, built in out (no allocation); 0 when too long. */
static size_t memo_key(const features_query_t *q, char *out, size_t cap)
{
    size_t n = 0;
    bool ok = key_add(out, cap, &n, q->env, strlen(q->env)) && key_add(out, cap, &n, "\x1f", 1);
    if (q->all_projects)
        ok = ok && key_add(out, cap, &n, "*", 1);
    else if (q->no_projects)
        ok = ok && key_add(out, cap, &n, "!", 1);
    for (size_t i = 0; ok && i < q->n_projects; i++)
        ok = key_add(out, cap, &n, q->projects[i], strlen(q->projects[i])) &&
             key_add(out, cap, &n, "\x1e", 1);
    ok = ok && key_add(out, cap, &n, "\x1f", 1);
    if (ok && q->name_prefix.ptr)
        ok = key_add(out, cap, &n, q->name_prefix.ptr, q->name_prefix.len);
    ok = ok && key_add(out, cap, &n, q->inline_segments ? "\x1f" "1\x1f" : "\x1f" "0\x1f", 3);
    for (size_t i = 0; ok && i < q->n_tags; i++)
        ok = key_add(out, cap, &n, q->tags[i], strlen(q->tags[i])) &&
             key_add(out, cap, &n, "\x1e", 1);
    return ok ? n : 0;
}

static bool project_selected(const features_query_t *q, const char *project)
{
    if (q->all_projects)
        return true;
    if (q->no_projects)
        return false;
    return bsearch(&project, q->projects, q->n_projects, sizeof(*q->projects), cmp_str_ptr) !=
           NULL;
}

/* Does flag name carry one of the tags of q? d->tags is sorted by flag name. */
static bool tag_selected(const features_query_t *q, const lt_dataset_t *d, const char *name)
{
    size_t lo = 0, hi = d->n_tags;
    while (lo < hi) { /* the first tag of this flag */
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(d->tags[mid].feature, name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < d->n_tags && strcmp(d->tags[i].feature, name) == 0; i++) {
        size_t tl = strlen(d->tags[i].type);
        for (size_t k = 0; k < q->n_tags; k++)
            if (strncmp(q->tags[k], d->tags[i].type, tl) == 0 && q->tags[k][tl] == ':' &&
                strcmp(q->tags[k] + tl + 1, d->tags[i].value) == 0)
                return true;
    }
    return false;
}

static bool feature_selected(const features_query_t *q, const lt_dataset_t *d,
                             const lt_feature_t *f)
{
    if (!project_selected(q, f->project) || (q->n_tags && !tag_selected(q, d, f->name)))
        return false;
    if (q->name_prefix.ptr &&
        (strlen(f->name) < q->name_prefix.len ||
         memcmp(f->name, q->name_prefix.ptr, q->name_prefix.len) != 0))
        return false;
    return true;
}

static int slice_cmp(const void *a, const void *b)
{
    return strcmp(((const lt_memo_slice_t *)a)->name, ((const lt_memo_slice_t *)b)->name);
}

static int64_t id_list_has(const int64_t *ids, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++)
        if (ids[i] == id)
            return 1;
    return 0;
}

/* Build the body for q from the snapshot: the one place client JSON is serialised. */
static lt_memo_t *build_memo(lt_snapshot_t *s, const features_query_t *q, const char *key,
                             size_t key_len)
{
    const lt_env_view_t *ev = lt_snapshot_env(s, q->env);
    lt_write_opts_t opts = {q->inline_segments, s->data.segments, s->data.n_segments, false};
    /* each flag's JSON with segments by reference is kept per snapshot, shared with the next */
    const lt_str_t *json = ev ? lt_snapshot_flag_json(s, ev, q->inline_segments) : NULL;
    lt_memo_t *m = lt_xcalloc(1, sizeof(*m));
    m->key = lt_xstrndup(key, key_len);
    m->key_len = key_len;
    size_t cap = ev ? ev->n_features : 0;
    m->slices = lt_xcalloc(cap + 1, sizeof(*m->slices));
    /* segments used by the selected features' strategies */
    int64_t *used = lt_xcalloc(s->data.n_segments + 1, sizeof(*used));
    size_t n_used = 0;

    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":2,\"features\":[");
    for (size_t i = 0; ev && i < ev->n_features; i++) {
        const lt_feature_t *f = ev->features[i];
        if (!feature_selected(q, &s->data, f))
            continue;
        const lt_feature_env_t *fe = lt_feature_env(f, q->env);
        if (m->n_slices)
            lt_buf_putc(&b, ',');
        size_t off = b.len;
        if (json)
            lt_buf_append(&b, json[i].ptr, json[i].len);
        else
            lt_model_write_feature(&b, f, fe, &opts);
        m->slices[m->n_slices++] = (lt_memo_slice_t){f->name, off, b.len - off};
        for (size_t k = 0; fe && k < fe->n_strategies; k++) {
            const lt_strategy_t *st = &fe->strategies[k];
            for (size_t j = 0; !st->disabled && j < st->n_segments; j++)
                if (!id_list_has(used, n_used, st->segments[j]) &&
                    lt_segment_find(s->data.segments, s->data.n_segments, st->segments[j]) &&
                    n_used < s->data.n_segments)
                    used[n_used++] = st->segments[j];
        }
    }
    lt_buf_putc(&b, ']');
    if (!q->inline_segments) {
        lt_buf_puts(&b, ",\"segments\":[");
        bool first = true;
        for (size_t i = 0; i < s->data.n_segments; i++) {
            if (!id_list_has(used, n_used, s->data.segments[i].id))
                continue;
            if (!first)
                lt_buf_putc(&b, ',');
            first = false;
            lt_model_write_segment(&b, &s->data.segments[i]);
        }
        lt_buf_putc(&b, ']');
    }
    free(used);
    char hash[17];
    snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)lt_fnv1a(key, key_len));
    snprintf(m->etag, sizeof(m->etag), "\"%s:%llu:v1\"", hash, (unsigned long long)s->revision);
    lt_buf_puts(&b, ",\"query\":{");
    if (!q->all_projects) {
        lt_buf_puts(&b, "\"project\":[");
        for (size_t i = 0; i < q->n_projects; i++) {
            if (i)
                lt_buf_putc(&b, ',');
            lt_json_cstr(&b, q->projects[i]);
        }
        lt_buf_puts(&b, "],");
    }
    if (q->name_prefix.ptr) {
        lt_buf_puts(&b, "\"namePrefix\":");
        lt_json_str(&b, q->name_prefix.ptr, q->name_prefix.len);
        lt_buf_putc(&b, ',');
    }
    if (q->n_tags) {
        lt_buf_puts(&b, "\"tag\":[");
        for (size_t i = 0; i < q->n_tags; i++) {
            const char *colon = strchr(q->tags[i], ':');
            lt_buf_puts(&b, i ? ",[" : "[");
            lt_json_str(&b, q->tags[i], (size_t)(colon - q->tags[i]));
            lt_buf_putc(&b, ',');
            lt_json_cstr(&b, colon + 1);
            lt_buf_putc(&b, ']');
        }
        lt_buf_puts(&b, "],");
    }
    lt_buf_puts(&b, "\"environment\":");
    lt_json_cstr(&b, q->env);
    lt_buf_printf(&b, ",\"inlineSegmentConstraints\":%s},", q->inline_segments ? "true" : "false");
    lt_buf_printf(&b, "\"meta\":{\"revisionId\":%llu,\"etag\":", (unsigned long long)s->revision);
    lt_json_cstr(&b, m->etag);
    lt_buf_printf(&b, ",\"queryHash\":\"%s\"}}", hash);
    m->body = lt_buf_take(&b, &m->len);
    qsort(m->slices, m->n_slices, sizeof(*m->slices), slice_cmp);
    return m; /* its gzip copy when a client first asks for it (lt_snapshot_memo_gz) */
}

/*
 * Keep the projects that exist, sorted and once each, so that every query naming the same
 * existing projects shares one memo (a memo per made-up ?project= value would let anyone
 * grow memory without bound). Named projects of which none exists select nothing.
 */
static void canonical_projects(const lt_snapshot_t *s, features_query_t *q)
{
    bool named = q->n_projects > 0;
    size_t n = 0;
    for (size_t i = 0; i < q->n_projects; i++)
        if (lt_snapshot_has_project(s, q->projects[i]))
            q->projects[n++] = q->projects[i];
    qsort(q->projects, n, sizeof(*q->projects), cmp_str_ptr);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (!k || strcmp(q->projects[k - 1], q->projects[i]) != 0)
            q->projects[k++] = q->projects[i];
    q->n_projects = k;
    q->no_projects = named && k == 0;
    q->all_projects = !named;
}

/*
 * Resolve the scope and filters of a features request and find (or build) its memo.
 * Replies and returns NULL on any error.
 */
static lt_memo_t *features_memo(lt_req_t *r)
{
    const lt_token_t *t = lt_guard_api_token(r, LT_TOKEN_CLIENT);
    if (!t)
        return NULL;
    features_query_t q;
    memset(&q, 0, sizeof(q));
    q.env = lt_guard_env(t);
    q.projects = lt_arena_calloc(lt_req_arena(r), MAX_QUERY_PROJECTS, sizeof(*q.projects));
    if (spec_inline(r, &q.inline_segments) != LT_OK) {
        lt_reply_error(r, 400, "BadDataError",
                       "The Unleash-Client-Spec header must be a semantic version.");
        return NULL;
    }
    query_ctx_t qc = {&q, lt_req_arena(r), false, false};
    lt_req_query_each(r, collect_query, &qc);
    if (qc.bad_tag) {
        lt_reply_error(r, 400, "ValidationError",
                       "A tag filter is type:value, and at most %d are allowed.", MAX_QUERY_TAGS);
        return NULL;
    }
    if (qc.too_many) {
        lt_reply_error(r, 400, "ValidationError", "Too many project filters (at most %d).",
                       MAX_QUERY_PROJECTS);
        return NULL;
    }
    if (!t->all_projects) {
        /* the token's scope wins over the query, all of it: a token may name any number */
        q.projects = lt_arena_calloc(lt_req_arena(r), t->n_projects + 1, sizeof(*q.projects));
        q.n_projects = t->n_projects;
        for (size_t i = 0; i < q.n_projects; i++)
            q.projects[i] = t->projects[i];
    }
    canonical_projects(lt_req_snapshot(r), &q);
    qsort(q.tags, q.n_tags, sizeof(*q.tags), cmp_str_ptr);
    /* the key holds the query's filters (bounded by the query size) and the token's projects */
    size_t key_cap = 8192;
    for (size_t i = 0; !t->all_projects && i < q.n_projects; i++)
        key_cap += strlen(q.projects[i]) + 1;
    char *key = lt_arena_alloc(lt_req_arena(r), key_cap);
    size_t key_len = memo_key(&q, key, key_cap);
    if (!key_len) {
        lt_reply_error(r, 414, "ValidationError", "The query is too long.");
        return NULL;
    }
    lt_snapshot_t *s = lt_req_snapshot(r);
    lt_memo_t *m = lt_snapshot_memo_find(s, key, key_len);
    if (!m)
        m = lt_snapshot_memo_offer(s, build_memo(s, &q, key, key_len));
    return m;
}

bool lt_api_accepts_gzip(lt_req_t *r)
{
    lt_str_t ae = lt_req_header(r, "Accept-Encoding");
    if (!ae.ptr)
        return false;
    for (size_t i = 0; i + 4 <= ae.len; i++)
        if (strncasecmp(ae.ptr + i, "gzip", 4) == 0) {
            /* "gzip;q=0" refuses it */
            const char *rest = ae.ptr + i + 4;
            size_t left = ae.len - i - 4;
            while (left && (*rest == ' ' || *rest == ';')) {
                rest++;
                left--;
            }
            if (left >= 3 && strncmp(rest, "q=0", 3) == 0 &&
                (left == 3 || rest[3] == ',' || (left >= 4 && strncmp(rest, "q=0.0", 5) == 0)))
                return false;
            return true;
        }
    return false;
}

void lt_api_client_features(lt_req_t *r, const lt_params_t *p)
{
    lt_memo_t *m = features_memo(r);
    if (!m)
        return;
    lt_str_t inm = lt_req_header(r, "If-None-Match");
    if (inm.ptr && lt_str_eq_c(inm, m->etag)) {
        lt_reply_empty(r, 304);
    } else {
        bool gz = lt_api_accepts_gzip(r) && lt_snapshot_memo_gz(lt_req_snapshot(r), m);
        lt_reply_memo(r, 200, m, gz);
    }
    if (m->transient)
        lt_memo_free(m);
}

void lt_api_client_feature(lt_req_t *r, const lt_params_t *p)
{
    lt_memo_t *m = features_memo(r);
    if (!m)
        return;
    lt_memo_slice_t key = {p->value[0], 0, 0};
    const lt_memo_slice_t *sl = bsearch(&key, m->slices, m->n_slices, sizeof(*m->slices),
                                        slice_cmp);
    if (!sl) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find feature flag %.200s",
                       p->value[0]);
    } else if (m->transient) {
        lt_reply(r, 200, LT_JSON_TYPE, m->body + sl->off, sl->len);
    } else {
        lt_reply_memo_slice(r, 200, m, sl->off, sl->len);
    }
    if (m->transient)
        lt_memo_free(m);
}

void lt_api_client_accepted(lt_req_t *r, const lt_params_t *p)
{
    if (!lt_guard_api_token(r, LT_TOKEN_CLIENT))
        return;
    lt_reply_empty(r, 202);
}

/* ---------- register and metrics ---------- */

static const char *json_str(const cJSON *o, const char *k)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsString(j) ? j->valuestring : NULL;
}

/* The longest string usage keeps (Unleash's columns are varchar(255)). */
#define MAX_USAGE_STR 255

/* A descriptive string of a registration (sdkVersion, platformName...): NULL, not stored, when
 * longer than MAX_USAGE_STR. */
static const char *json_str_capped(const cJSON *o, const char *k)
{
    const char *s = json_str(o, k);
    return s && strlen(s) <= MAX_USAGE_STR ? s : NULL;
}

/*
 * The time a usage bucket is counted at: its own when within the raw retention and at most an
 * hour ahead (a skewed clock), else now, so no count lands in an hour the retention has
 * already summed nor in one far ahead.
 */
static int64_t usage_time(int64_t at, int64_t now)
{
    int64_t hour = 3600000;
    if (at < now - (LT_USAGE_RAW_HOURS - 1) * hour || at > now + hour)
        return now;
    return at;
}

/* Is there a flag of this name (usage of any other is counted as an unknown flag)? With no
 * snapshot (none published yet) every name is taken. */
static bool flag_exists(const lt_snapshot_t *s, const char *name)
{
    return !s || lt_dataset_feature(&s->data, name) != NULL;
}

/* A date-time string or an epoch number, in ms; 0 when absent or invalid. */
static int64_t json_time(const cJSON *o, const char *k)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, k);
    int64_t ms = 0;
    if (cJSON_IsString(j))
        lt_time_parse(j->valuestring, strlen(j->valuestring), &ms);
    else if (cJSON_IsNumber(j) && /* up to the year 9999; never a cast out of range */
             lt_double_to_i64(j->valuedouble, 0, 253402300799999, &ms) != LT_OK)
        ms = 0;
    return ms;
}

static bool valid_name(const char *s, size_t max)
{
    return s && s[0] && strlen(s) <= max;
}

/* Parse the body as a JSON object, or reply 400/415 and return NULL. */
static cJSON *json_body(lt_req_t *r)
{
    lt_str_t body = lt_req_body(r);
    if (!lt_req_is_json(r) && lt_req_header(r, "Content-Type").ptr) {
        lt_reply_error(r, 415, "ContentTypeError",
                       "We do not accept the content-type you provided. Try using "
                       "application/json instead.");
        return NULL;
    }
    cJSON *j = lt_json_parse(body.ptr, body.len);
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        lt_reply_error(r, 400, "BadDataError", "The request body must be a JSON object.");
        return NULL;
    }
    return j;
}

/* Register an application from a JSON object (register body or a bulk application). */
static int register_app(const cJSON *j, const char *env, const char *sdk_type, bool strict)
{
    const char *app = json_str(j, "appName");
    if (!valid_name(app, 255))
        return LT_EINVAL;
    const char *instance = json_str(j, "instanceId");
    const cJSON *strategies = cJSON_GetObjectItemCaseSensitive(j, "strategies");
    const cJSON *interval = cJSON_GetObjectItemCaseSensitive(j, "interval");
    const cJSON *started = cJSON_GetObjectItemCaseSensitive(j, "started");
    if (strict && (!cJSON_IsArray(strategies) || !cJSON_IsNumber(interval) || !started))
        return LT_EINVAL;
    if (strategies && !cJSON_IsArray(strategies) && !cJSON_IsNull(strategies))
        return LT_EINVAL;
    char *strat_json = NULL;
    if (cJSON_IsArray(strategies)) {
        if (cJSON_GetArraySize(strategies) > 100)
            return LT_EINVAL;
        const cJSON *it;
        cJSON_ArrayForEach(it, strategies)
        {
            if (!cJSON_IsString(it) || strlen(it->valuestring) > MAX_USAGE_STR)
                return LT_EINVAL;
        }
        strat_json = cJSON_PrintUnformatted(strategies);
    }
    lt_app_row_t row = {
        .app_name = app,
        .instance_id = valid_name(instance, 255) ? instance : "default",
        .environment = env,
        .sdk_version = json_str_capped(j, "sdkVersion"),
        .strategies = strat_json,
        .platform_name = json_str_capped(j, "platformName"),
        .sdk_type = sdk_type && strlen(sdk_type) <= MAX_USAGE_STR ? sdk_type : NULL,
        .started_at = json_time(j, "started"),
        .interval_ms =
            cJSON_IsNumber(interval) ? lt_double_clamp(interval->valuedouble, 0, INT32_MAX) : 0,
        .seen_at = lt_now_ms(),
    };
    lt_usage_register(&row);
    cJSON_free(strat_json);
    return LT_OK;
}

void lt_api_client_register(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = lt_guard_api_token(r, LT_TOKEN_CLIENT);
    if (!t)
        return;
    cJSON *j = json_body(r);
    if (!j)
        return;
    if (register_app(j, lt_guard_env(t), "backend", true) != LT_OK)
        lt_reply_error(r, 400, "ValidationError",
                       "A registration needs appName, strategies (a list of names), started "
                       "and interval.");
    else
        lt_reply_empty(r, 202);
    cJSON_Delete(j);
}

#define MAX_VARIANTS_PER_FLAG 64

/* Validate and record one flag's counts (of a flag that exists; an unknown one is noted as
 * such, its counts dropped, as Unleash does). */
static int add_counts(const lt_snapshot_t *s, const char *app, const char *instance,
                      const char *env, const char *flag, int64_t at, const cJSON *yes,
                      const cJSON *no, const cJSON *variants)
{
    if (!valid_name(flag, 255))
        return LT_EINVAL;
    if ((yes && !cJSON_IsNumber(yes)) || (no && !cJSON_IsNumber(no)))
        return LT_EINVAL;
    double y = yes ? yes->valuedouble : 0, n = no ? no->valuedouble : 0;
    if (y < 0 || n < 0 || y > 1e15 || n > 1e15)
        return LT_EINVAL;
    lt_usage_variant_t vs[MAX_VARIANTS_PER_FLAG];
    size_t nv = 0;
    if (variants && !cJSON_IsNull(variants)) {
        if (!cJSON_IsObject(variants))
            return LT_EINVAL;
        const cJSON *it;
        cJSON_ArrayForEach(it, variants)
        {
            if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 1e15)
                return LT_EINVAL;
            if (nv < MAX_VARIANTS_PER_FLAG && valid_name(it->string, 255))
                vs[nv++] = (lt_usage_variant_t){it->string, (int64_t)it->valuedouble};
        }
    }
    int64_t now = lt_now_ms();
    if (!flag_exists(s, flag))
        lt_usage_unknown_flag(flag, app, env, now);
    else
        lt_usage_add(app, instance, env, flag, usage_time(at, now), (int64_t)y, (int64_t)n, vs,
                     nv);
    return LT_OK;
}

/* Validate a whole bucket first, then record it: a bad body records nothing. */
static int record_bucket(const lt_snapshot_t *s, const cJSON *bucket, const char *app,
                         const char *instance, const char *env, bool dry_run)
{
    const cJSON *toggles = cJSON_GetObjectItemCaseSensitive(bucket, "toggles");
    if (!cJSON_IsObject(bucket) || (toggles && !cJSON_IsObject(toggles)))
        return LT_EINVAL;
    int64_t at = json_time(bucket, "start");
    if (at <= 0)
        at = lt_now_ms();
    const cJSON *it;
    cJSON_ArrayForEach(it, toggles)
    {
        if (!cJSON_IsObject(it))
            return LT_EINVAL;
        const cJSON *yes = cJSON_GetObjectItemCaseSensitive(it, "yes");
        const cJSON *no = cJSON_GetObjectItemCaseSensitive(it, "no");
        const cJSON *variants = cJSON_GetObjectItemCaseSensitive(it, "variants");
        if (dry_run) {
            if ((yes && !cJSON_IsNumber(yes)) || (no && !cJSON_IsNumber(no)) ||
                (variants && !cJSON_IsNull(variants) && !cJSON_IsObject(variants)) ||
                !valid_name(it->string, 255))
                return LT_EINVAL;
            continue;
        }
        if (add_counts(s, app, instance, env, it->string, at, yes, no, variants) != LT_OK)
            return LT_EINVAL;
    }
    return LT_OK;
}

int lt_api_record_metrics(const cJSON *j, const char *env, const char *sdk_type)
{
    const char *app = json_str(j, "appName");
    if (!valid_name(app, 255))
        return LT_EINVAL;
    const char *instance = json_str(j, "instanceId");
    if (!valid_name(instance, 255))
        instance = "default";
    const cJSON *bucket = cJSON_GetObjectItemCaseSensitive(j, "bucket");
    if (bucket && !cJSON_IsNull(bucket)) {
        if (record_bucket(NULL, bucket, app, instance, env, true) != LT_OK)
            return LT_EINVAL;
        lt_snapshot_t *s = lt_snapshot_acquire();
        record_bucket(s, bucket, app, instance, env, false);
        if (s)
            lt_snapshot_release(s);
    }
    lt_app_row_t row = {.app_name = app,
                        .instance_id = instance,
                        .environment = env,
                        .sdk_version = json_str_capped(j, "sdkVersion"),
                        .platform_name = json_str_capped(j, "platformName"),
                        .sdk_type = sdk_type,
                        .seen_at = lt_now_ms()};
    lt_usage_register(&row);
    return LT_OK;
}

void lt_api_client_metrics(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = lt_guard_api_token(r, LT_TOKEN_CLIENT);
    if (!t)
        return;
    cJSON *j = json_body(r);
    if (!j)
        return;
    if (lt_api_record_metrics(j, lt_guard_env(t), "backend") != LT_OK)
        lt_reply_error(r, 400, "ValidationError",
                       "Metrics need an appName and a bucket of toggles with yes/no counts.");
    else
        lt_reply_empty(r, 202);
    cJSON_Delete(j);
}

void lt_api_client_metrics_bulk(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = lt_guard_api_token(r, LT_TOKEN_CLIENT);
    if (!t)
        return;
    cJSON *j = json_body(r);
    if (!j)
        return;
    const char *env = lt_guard_env(t);
    const cJSON *apps = cJSON_GetObjectItemCaseSensitive(j, "applications");
    const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(j, "metrics");
    bool ok = (!apps || cJSON_IsArray(apps)) && (!metrics || cJSON_IsArray(metrics));
    const cJSON *it;
    /* validate everything before recording anything */
    cJSON_ArrayForEach(it, metrics)
    {
        const cJSON *yes = cJSON_GetObjectItemCaseSensitive(it, "yes");
        const cJSON *no = cJSON_GetObjectItemCaseSensitive(it, "no");
        if (!cJSON_IsObject(it) || !valid_name(json_str(it, "featureName"), 255) ||
            !valid_name(json_str(it, "appName"), 255) || (yes && !cJSON_IsNumber(yes)) ||
            (no && !cJSON_IsNumber(no)))
            ok = false;
    }
    cJSON_ArrayForEach(it, apps)
    {
        if (!cJSON_IsObject(it) || !valid_name(json_str(it, "appName"), 255))
            ok = false;
    }
    if (!ok) {
        lt_reply_error(r, 400, "ValidationError",
                       "Bulk metrics need applications and metrics lists of valid entries.");
        cJSON_Delete(j);
        return;
    }
    cJSON_ArrayForEach(it, apps)
    {
        const char *app_env = json_str(it, "environment");
        if (!app_env || strcmp(app_env, env) == 0)
            register_app(it, env, json_str(it, "sdkType"), false);
    }
    cJSON_ArrayForEach(it, metrics)
    {
        const char *menv = json_str(it, "environment");
        if (menv && strcmp(menv, env) != 0 &&
            (strcmp(t->environment, "*") != 0 || !lt_dataset_env(&lt_req_snapshot(r)->data, menv)))
            continue; /* only the token's environment is stored (any existing one for "*") */
        int64_t at = json_time(it, "timestamp");
        const char *instance = json_str(it, "instanceId");
        add_counts(lt_req_snapshot(r), json_str(it, "appName"),
                   valid_name(instance, 255) ? instance : "default",
                   menv ? menv : env, json_str(it, "featureName"), at > 0 ? at : lt_now_ms(),
                   cJSON_GetObjectItemCaseSensitive(it, "yes"),
                   cJSON_GetObjectItemCaseSensitive(it, "no"),
                   cJSON_GetObjectItemCaseSensitive(it, "variants"));
    }
    lt_reply_empty(r, 202);
    cJSON_Delete(j);
}
