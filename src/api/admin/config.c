/*
 * admin_config.c: the admin API for what flags are configured with, beside the flags
 * themselves: segments, dependencies between flags, strategy definitions (built-in and custom),
 * context fields, tag types, and the applications and usage counts the SDKs reported.
 * Shapes, status codes and rules follow Unleash 8.x (segment, dependent-features, strategy,
 * context and tag-type services; client-metrics and applications read models).
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "../../model/model_json.h"
#include "admin_int.h"
#include "../api.h"
#include "../usage.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define BAD_DATA(...) lt_write_fail(w, 400, "BadDataError", __VA_ARGS__)
#define HOUR_MS 3600000LL

/* ---------- small helpers ---------- */

static const lt_context_field_t *find_context(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_context_fields; i++)
        if (strcmp(d->context_fields[i].name, name) == 0)
            return &d->context_fields[i];
    return NULL;
}

/* Add s to a small set of distinct strings (linear; these sets are per request). */
static void set_add(const char **set, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(set[i], s) == 0)
            return;
    set[(*n)++] = s;
}

static int name_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

static void sort_names(const char **names, size_t n)
{
    if (n > 1)
        qsort((void *)names, n, sizeof(*names), name_cmp);
}

static size_t n_strategies(const lt_dataset_t *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_features; i++)
        for (size_t e = 0; e < d->features[i].n_envs; e++)
            n += d->features[i].envs[e].n_strategies;
    return n;
}

/* ---------- constraints (Unleash's constraints read model, plus legal values) ---------- */

/* Validate and parse a constraints list; the number of values in *n_values_out. */
static int parse_constraints(lt_arena_t *a, const lt_dataset_t *d, const cJSON *j,
                             lt_constraint_t **out, size_t *n, size_t *n_values_out, lt_write_t *w)
{
    if (!cJSON_IsArray(j))
        return BAD("\"constraints\" must be an array");
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (!cJSON_IsObject(it))
            return BAD("a constraint must be an object");
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "contextName")))
            return BAD("\"contextName\" is required");
        if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(it, "operator")))
            return BAD("\"operator\" is required");
    }
    lt_parse_err_t err;
    if (lt_model_parse_constraints(a, j, out, n, &err) != LT_OK)
        return BAD("%s", err.msg);
    size_t k = 0, values = 0;
    cJSON_ArrayForEach(it, j)
    {
        if (lt_adm_check_constraint(d, it, &(*out)[k], SIZE_MAX, w) != LT_OK)
            return LT_EINVAL;
        values += (*out)[k].n_values;
        k++;
    }
    *n_values_out = values;
    return LT_OK;
}

/* ---------- segments ---------- */

static size_t segment_values_limit(void)
{
    const char *e = getenv("UNLEASH_SEGMENT_VALUES_LIMIT");
    long v = e && *e ? strtol(e, NULL, 10) : 0;
    return v > 0 ? (size_t)v : 1000;
}

typedef struct {
    const char *id, *feature, *project, *environment, *strategy;
} strategy_ref_t;

/* The strategies (of live flags unless all) using segment id, in flag/env order. */
static strategy_ref_t *segment_users(lt_arena_t *a, const lt_dataset_t *d, int64_t id, bool all,
                                     size_t *n)
{
    strategy_ref_t *out = lt_arena_calloc(a, n_strategies(d) + 1, sizeof(*out));
    *n = 0;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived && !all)
            continue;
        for (size_t e = 0; e < f->n_envs; e++)
            for (size_t s = 0; s < f->envs[e].n_strategies; s++) {
                const lt_strategy_t *st = &f->envs[e].strategies[s];
                for (size_t k = 0; k < st->n_segments; k++)
                    if (st->segments[k] == id) {
                        out[(*n)++] = (strategy_ref_t){st->id ? st->id : "", f->name, f->project,
                                                       f->envs[e].environment, st->name};
                        break;
                    }
            }
    }
    return out;
}

/* Who created each segment, from the segment-created events (data starts {"id":N,). */
typedef struct {
    int64_t id;
    const char *by;
} creator_t;

static creator_t *segment_creators(lt_arena_t *a, size_t *n)
{
    *n = 0;
    lt_store_t *store = lt_state_lock();
    lt_event_row_t *rows = NULL;
    size_t nr = 0;
    int64_t total = 0;
    lt_event_filter_t f = {.type = "segment-created", .limit = 1000};
    if (!store || lt_store_call(store, events_list, a, &f, &rows, &nr, &total) != LT_OK)
        nr = 0;
    lt_state_unlock();
    creator_t *out = lt_arena_calloc(a, nr + 1, sizeof(*out));
    for (size_t i = 0; i < nr; i++) {
        long long id;
        if (rows[i].data && sscanf(rows[i].data, "{\"id\":%lld,", &id) == 1)
            out[(*n)++] = (creator_t){id, rows[i].created_by};
    }
    return out;
}

static const char *creator_of(const creator_t *c, size_t n, int64_t id)
{
    for (size_t i = 0; i < n; i++) /* newest first: the latest creation of an id wins */
        if (c[i].id == id)
            return c[i].by;
    return NULL;
}

static void write_segment(lt_buf_t *b, const lt_segment_t *s, const char *created_by)
{
    lt_buf_printf(b, "{\"id\":%lld,\"name\":", (long long)s->id);
    lt_json_cstr(b, s->name ? s->name : "");
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, s->description);
    if (s->project) {
        lt_buf_puts(b, ",\"project\":");
        lt_json_cstr(b, s->project);
    }
    lt_buf_puts(b, ",\"constraints\":");
    lt_model_write_constraints(b, s->constraints, s->n_constraints);
    lt_buf_puts(b, ",\"createdBy\":");
    lt_json_cstr_or_null(b, created_by);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_admin_write_time(b, s->created_at);
}

static void write_segment_usage(lt_buf_t *b, lt_arena_t *a, const lt_dataset_t *d,
                                const lt_segment_t *s)
{
    size_t n;
    strategy_ref_t *refs = segment_users(a, d, s->id, false, &n);
    const char **projects = lt_arena_calloc(a, n + 1, sizeof(*projects));
    const char **features = lt_arena_calloc(a, n + 1, sizeof(*features));
    size_t np = 0, nf = 0;
    for (size_t i = 0; i < n; i++) {
        set_add(projects, &np, refs[i].project);
        set_add(features, &nf, refs[i].feature);
    }
    lt_buf_printf(b, ",\"usedInProjects\":%zu,\"usedInFeatures\":%zu", np, nf);
}

static bool read_segment_id(const lt_params_t *p, int64_t *out)
{
    const char *s = lt_adm_param(p, "id");
    char *end;
    long long v = strtoll(s, &end, 10);
    if (!*s || *end || v < 0)
        return false;
    *out = v;
    return true;
}

static void api_segments_list(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    size_t nc;
    creator_t *c = segment_creators(a, &nc);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"segments\":[");
    for (size_t i = 0; i < d->n_segments; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_segment(&b, &d->segments[i], creator_of(c, nc, d->segments[i].id));
        write_segment_usage(&b, a, d, &d->segments[i]);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static void api_segment_get(lt_req_t *r, const lt_params_t *pp)
{
    int64_t id = 0;
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_segment_t *s =
        read_segment_id(pp, &id) ? lt_segment_find(d->segments, d->n_segments, id) : NULL;
    if (!s) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find segment with id %s",
                       lt_adm_param(pp, "id"));
        return;
    }
    size_t nc;
    creator_t *c = segment_creators(lt_req_arena(r), &nc);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_segment(&b, s, creator_of(c, nc, s->id));
    lt_buf_putc(&b, '}');
    lt_adm_reply(r, 200, &b);
}

static void api_segment_strategies(lt_req_t *r, const lt_params_t *pp)
{
    int64_t id = 0;
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    if (!read_segment_id(pp, &id) || !lt_segment_find(d->segments, d->n_segments, id)) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find segment with id %s",
                       lt_adm_param(pp, "id"));
        return;
    }
    size_t n;
    strategy_ref_t *refs = segment_users(lt_req_arena(r), d, id, true, &n);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"strategies\":[");
    for (size_t i = 0; i < n; i++) {
        lt_buf_puts(&b, i ? ",{\"id\":" : "{\"id\":");
        lt_json_cstr(&b, refs[i].id);
        lt_buf_puts(&b, ",\"projectId\":");
        lt_json_cstr(&b, refs[i].project);
        lt_buf_puts(&b, ",\"featureName\":");
        lt_json_cstr(&b, refs[i].feature);
        lt_buf_puts(&b, ",\"strategyName\":");
        lt_json_cstr(&b, refs[i].strategy);
        lt_buf_puts(&b, ",\"environment\":");
        lt_json_cstr(&b, refs[i].environment);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "],\"changeRequestStrategies\":[]}");
    lt_adm_reply(r, 200, &b);
}

static bool segment_name_taken(const lt_dataset_t *d, const char *name, int64_t except)
{
    for (size_t i = 0; i < d->n_segments; i++)
        if (d->segments[i].id != except && d->segments[i].name &&
            strcmp(d->segments[i].name, name) == 0)
            return true;
    return false;
}

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const cJSON *body;
    int64_t id; /* 0: create */
    lt_segment_t result;
} segment_ctx_t;

static int segment_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    segment_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_segment_t *s = &c->result;
    memset(s, 0, sizeof(*s));
    const lt_segment_t *prev = NULL;
    if (c->id) {
        prev = lt_segment_find(d->segments, d->n_segments, c->id);
        if (!prev)
            return lt_write_fail(w, 404, "NotFoundError",
                                 "Could not find segment with id %lld to update", (long long)c->id);
    }
    bool bad = false;
    s->name = lt_adm_opt_str(c->body, "name", 0, &bad);
    if (bad || !s->name)
        return BAD("\"name\" is required and must be a string");
    s->description = lt_adm_opt_str(c->body, "description", 0, &bad);
    if (bad)
        return BAD("\"description\" must be a string");
    s->project = lt_adm_opt_str(c->body, "project", 0, &bad);
    if (bad)
        return BAD("\"project\" must be a string");
    if (s->project && !s->project[0])
        s->project = NULL;
    const cJSON *cons = cJSON_GetObjectItemCaseSensitive(c->body, "constraints");
    if (!cons)
        return BAD("\"constraints\" is required");
    size_t n_values = 0;
    if (parse_constraints(c->a, d, cons, &s->constraints, &s->n_constraints, &n_values, w) != LT_OK)
        return LT_EINVAL;
    size_t limit = segment_values_limit();
    if (n_values > limit)
        return BAD_DATA("Segments may not have more than %zu values", limit);
    if (!s->name[0])
        return BAD_DATA("Segment name cannot be empty");
    if ((!prev || strcmp(prev->name, s->name) != 0) && segment_name_taken(d, s->name, c->id))
        return lt_write_fail(w, 409, "NameExistsError", "Segment name already exists");
    if (s->project && !lt_adm_project(d, s->project))
        return BAD_DATA("Project %s does not exist", s->project);
    if (prev && s->project) {
        size_t n;
        strategy_ref_t *refs = segment_users(c->a, d, c->id, true, &n);
        for (size_t i = 0; i < n; i++)
            if (strcmp(refs[i].project, s->project) != 0)
                return BAD_DATA("Invalid project. Segment is being used by strategies in other "
                                "projects: %s",
                                refs[i].project);
    }
    if (prev) {
        s->id = prev->id;
        s->created_at = prev->created_at;
    } else {
        /* the id is chosen here (as SQLite would: the largest plus one) so the event has it */
        s->id = d->n_segments ? d->segments[d->n_segments - 1].id + 1 : 1;
        s->created_at = lt_now_ms();
    }
    lt_event_t ev = lt_admin_event(c->p, prev ? "segment-updated" : "segment-created");
    ev.project = s->project;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_segment(&b, s, prev ? NULL : c->p->name);
    lt_buf_putc(&b, '}');
    ev.data = lt_adm_buf_arena(c->a, &b);
    if (prev) {
        lt_buf_init(&b, 0);
        write_segment(&b, prev, NULL);
        lt_buf_putc(&b, '}');
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
    }
    int64_t out_id = 0;
    return lt_store_call(store, segment_put, s, &ev, &out_id);
}

/* The segment the path names, or NULL. */
static const lt_segment_t *path_segment(lt_req_t *r, const lt_params_t *pp, int64_t *id)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    *id = 0;
    return read_segment_id(pp, id) ? lt_segment_find(d->segments, d->n_segments, *id) : NULL;
}

/* The declared permission, or UPDATE_PROJECT_SEGMENT in the segment's project. */
static bool segment_allowed(lt_req_t *r, lt_adm_ctx_t *c, const char *project)
{
    if (project &&
        lt_access_can(&lt_req_snapshot(r)->data, &c->who, "UPDATE_PROJECT_SEGMENT", project, NULL))
        return true;
    return lt_admin_require(r, &c->who, c->decl->perm, NULL, NULL);
}

/* Authorizer of a create: the project is the body's, so the body is read first. */
static bool authorize_segment_create(lt_req_t *r, lt_adm_ctx_t *c)
{
    return lt_adm_parse_body(r, c) && segment_allowed(r, c, lt_adm_str(c->body, "project"));
}

/* Authorizer of an update or delete: the project is the stored segment's. */
static bool authorize_segment_change(lt_req_t *r, lt_adm_ctx_t *c)
{
    int64_t id;
    const lt_segment_t *s = path_segment(r, c->params, &id);
    return segment_allowed(r, c, s ? s->project : NULL);
}

static void api_segment_create(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    segment_ctx_t c = {lt_req_arena(r), &ac->who, ac->body, 0, {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, segment_write, &w) == LT_OK) {
        char loc[64];
        snprintf(loc, sizeof(loc), "segments/%lld", (long long)c.result.id);
        lt_reply_header(r, "Location", loc);
        lt_buf_t b;
        lt_buf_init(&b, 0);
        write_segment(&b, &c.result, ac->who.name);
        lt_buf_putc(&b, '}');
        lt_adm_reply(r, 201, &b);
    }
}

static void api_segment_update(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    int64_t id;
    if (!path_segment(r, pp, &id)) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find segment with id %s to update",
                       lt_adm_param(pp, "id"));
        return;
    }
    segment_ctx_t c = {lt_req_arena(r), &ac->who, ac->body, id, {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, segment_write, &w) == LT_OK)
        lt_reply_empty(r, 204);
}

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    int64_t id;
} segment_del_ctx_t;

static int segment_delete_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    segment_del_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_segment_t *s = lt_segment_find(d->segments, d->n_segments, c->id);
    if (!s)
        return LT_OK; /* already deleted: nothing to do, as Unleash */
    size_t n;
    segment_users(c->a, d, c->id, true, &n);
    if (n)
        return lt_write_fail(w, 409, "ConflictError",
                             "Segment %lld is in use by %zu strategies. Remove it from them "
                             "before deleting it.",
                             (long long)c->id, n);
    lt_event_t ev = lt_admin_event(c->p, "segment-deleted");
    ev.project = s->project;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_segment(&b, s, NULL);
    lt_buf_putc(&b, '}');
    ev.pre_data = lt_adm_buf_arena(c->a, &b);
    return lt_store_call(store, segment_delete, c->id, &ev);
}

static void api_segment_delete(lt_req_t *r, const lt_params_t *pp)
{
    int64_t id;
    if (!path_segment(r, pp, &id)) {
        lt_reply_empty(r, 204);
        return;
    }
    segment_del_ctx_t c = {lt_req_arena(r), &lt_adm_ctx(r)->who, id};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, segment_delete_write, &w) == LT_OK)
        lt_reply_empty(r, 204);
}

static void api_segment_validate(lt_req_t *r, const lt_params_t *pp)
{
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        lt_reply_error(r, 400, "BadDataError", "Segment name cannot be empty");
    else if (segment_name_taken(&lt_req_snapshot(r)->data, name->valuestring, 0))
        lt_reply_error(r, 409, "NameExistsError", "Segment name already exists");
    else
        lt_reply_empty(r, 204);
}

/* ---------- dependencies ---------- */

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const char *project, *child, *parent; /* parent NULL: all (delete) */
    const cJSON *body;                    /* NULL: delete */
} dep_ctx_t;

static int dep_add_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    dep_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    bool bad = false;
    const char *parent = lt_adm_opt_str(c->body, "feature", 0, &bad);
    if (bad || !parent || !parent[0])
        return BAD("\"feature\" is required and must be a string");
    const cJSON *en = cJSON_GetObjectItemCaseSensitive(c->body, "enabled");
    if (en && !cJSON_IsBool(en) && !cJSON_IsNull(en))
        return BAD("\"enabled\" must be a boolean");
    bool enabled = !cJSON_IsFalse(en);
    const cJSON *vars = cJSON_GetObjectItemCaseSensitive(c->body, "variants");
    if (vars && !cJSON_IsArray(vars) && !cJSON_IsNull(vars))
        return BAD("\"variants\" must be an array of strings");
    size_t nv = (size_t)cJSON_GetArraySize(vars);
    const char **vnames = lt_arena_calloc(c->a, nv + 1, sizeof(*vnames));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, vars)
    {
        if (!cJSON_IsString(it))
            return BAD("\"variants\" must be an array of strings");
        vnames[k++] = lt_arena_strdup(c->a, it->valuestring);
    }
    if (strcmp(c->child, parent) == 0)
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "A feature flag cannot depend on itself.");
    if (lt_adm_has_children(d, c->child))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "Transitive dependency detected. Cannot add a dependency to the "
                             "feature that other features depend on.");
    const lt_feature_t *pf = lt_adm_feature(d, parent);
    if (pf && pf->n_dependencies)
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "Transitive dependency detected. Cannot add a dependency to the "
                             "feature that has parent dependency.");
    if (!pf || pf->archived)
        return lt_write_fail(w, 403, "InvalidOperationError", "No active feature %s exists",
                             parent);
    const lt_feature_t *cf = lt_adm_feature(d, c->child);
    if (!cf || cf->archived || strcmp(cf->project, c->project) != 0 ||
        strcmp(pf->project, c->project) != 0)
        return lt_write_fail(w, 404, "NotFoundError",
                             "Cannot add the dependency. Both the parent and the child feature "
                             "must belong to project \"%s\".",
                             c->project);
    /* upsert the dependency on parent */
    lt_feature_t *f = lt_arena_alloc(c->a, sizeof(*f));
    *f = *cf;
    f->dependencies = lt_arena_calloc(c->a, cf->n_dependencies + 1, sizeof(*f->dependencies));
    f->n_dependencies = 0;
    for (size_t i = 0; i < cf->n_dependencies; i++)
        if (strcmp(cf->dependencies[i].feature, parent) != 0)
            f->dependencies[f->n_dependencies++] = cf->dependencies[i];
    lt_dependency_t *dep = &f->dependencies[f->n_dependencies++];
    dep->feature = parent;
    dep->enabled = enabled;
    dep->variants = enabled ? vnames : NULL;
    dep->n_variants = enabled ? k : 0;
    lt_event_t ev = lt_admin_event(c->p, "feature-dependency-added");
    ev.project = c->project;
    ev.feature_name = c->child;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"feature\":");
    lt_json_cstr(&b, parent);
    lt_buf_puts(&b, ",\"enabled\":");
    lt_json_bool(&b, enabled);
    if (vars && !cJSON_IsNull(vars)) {
        lt_buf_puts(&b, ",\"variants\":[");
        for (size_t i = 0; i < k; i++) {
            if (i)
                lt_buf_putc(&b, ',');
            lt_json_cstr(&b, vnames[i]);
        }
        lt_buf_putc(&b, ']');
    }
    lt_buf_putc(&b, '}');
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_call(store, feature_put, f, &ev);
}

static int dep_remove_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    dep_ctx_t *c = w->ctx;
    const lt_feature_t *cf = lt_adm_feature(&snap->data, c->child);
    size_t keep = 0;
    lt_feature_t *f = lt_arena_alloc(c->a, sizeof(*f));
    if (cf) {
        *f = *cf;
        f->dependencies = lt_arena_calloc(c->a, cf->n_dependencies + 1, sizeof(*f->dependencies));
        for (size_t i = 0; c->parent && i < cf->n_dependencies; i++)
            if (strcmp(cf->dependencies[i].feature, c->parent) != 0)
                f->dependencies[keep++] = cf->dependencies[i];
        f->n_dependencies = keep;
    }
    if (!cf || strcmp(cf->project, c->project) != 0 || cf->n_dependencies == keep) {
        if (c->parent)
            return lt_write_fail(w, 404, "NotFoundError",
                                 "No dependency on \"%s\" for feature \"%s\" in project \"%s\".",
                                 c->parent, c->child, c->project);
        return lt_write_fail(w, 404, "NotFoundError",
                             "Feature \"%s\" has no dependencies to remove in project \"%s\".",
                             c->child, c->project);
    }
    lt_event_t ev = lt_admin_event(c->p, c->parent ? "feature-dependency-removed"
                                                   : "feature-dependencies-removed");
    ev.project = c->project;
    ev.feature_name = c->child;
    if (c->parent) {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"feature\":");
        lt_json_cstr(&b, c->parent);
        lt_buf_putc(&b, '}');
        ev.data = lt_adm_buf_arena(c->a, &b);
    }
    return lt_store_call(store, feature_put, f, &ev);
}

static void api_dep_add(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    dep_ctx_t c = {lt_req_arena(r),           &ac->who, lt_adm_param(pp, "projectId"),
                   lt_adm_param(pp, "child"), NULL,     ac->body};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, dep_add_write, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

static void api_dep_remove(lt_req_t *r, const lt_params_t *pp)
{
    dep_ctx_t c = {
        lt_req_arena(r),           &lt_adm_ctx(r)->who,        lt_adm_param(pp, "projectId"),
        lt_adm_param(pp, "child"), lt_adm_param(pp, "parent"), NULL};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, dep_remove_write, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

static void api_dep_parents(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *child = lt_adm_param(pp, "child");
    const lt_feature_t *cf = lt_adm_feature(d, child);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    bool first = true;
    for (size_t i = 0; cf && i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived || f->n_dependencies || strcmp(f->name, child) == 0 ||
            strcmp(f->project, cf->project) != 0)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_json_cstr(&b, f->name);
    }
    lt_buf_putc(&b, ']');
    lt_adm_reply(r, 200, &b);
}

static void api_dep_parent_variants(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_feature_t *f = lt_adm_feature(d, lt_adm_param(pp, "parent"));
    size_t cap = 1;
    for (size_t e = 0; f && e < f->n_envs; e++) {
        cap += f->envs[e].n_variants;
        for (size_t s = 0; s < f->envs[e].n_strategies; s++)
            cap += f->envs[e].strategies[s].n_variants;
    }
    const char **names = lt_arena_calloc(lt_req_arena(r), cap, sizeof(*names));
    size_t n = 0;
    for (size_t e = 0; f && e < f->n_envs; e++) {
        const lt_feature_env_t *fe = &f->envs[e];
        for (size_t v = 0; v < fe->n_variants; v++)
            set_add(names, &n, fe->variants[v].name);
        for (size_t s = 0; s < fe->n_strategies; s++)
            for (size_t v = 0; v < fe->strategies[s].n_variants; v++)
                set_add(names, &n, fe->strategies[s].variants[v].name);
    }
    sort_names(names, n); /* as Unleash's read model answers */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, names[i]);
    }
    lt_buf_putc(&b, ']');
    lt_adm_reply(r, 200, &b);
}

static void api_dep_exist(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    bool any = false;
    for (size_t i = 0; !any && i < d->n_features; i++)
        any = d->features[i].n_dependencies > 0;
    lt_reply_json(r, 200, any ? "true" : "false");
}

/* ---------- strategy definitions ---------- */

#define P_GROUP                                                                                    \
    "{\"name\":\"groupId\",\"type\":\"string\",\"description\":\"Used to define a activation "     \
    "groups, which allows you to correlate across feature toggles.\",\"required\":true}"
#define P_PERCENT                                                                                  \
    "{\"name\":\"percentage\",\"type\":\"percentage\",\"description\":\"\",\"required\":false}"

typedef struct {
    const char *name, *display, *description, *parameters;
    bool deprecated;
} builtin_t;

/* Unleash's built-in strategies (migrations up to 8.x), in its sort order; the deprecated
 * ones are still evaluated by the SDKs. */
static const builtin_t builtins[] = {
    {"flexibleRollout", "Gradual rollout",
     "Roll out to a percentage of your userbase, and ensure that the experience is the same for "
     "the user on each visit.",
     "[{\"name\":\"rollout\",\"type\":\"percentage\",\"description\":\"\",\"required\":false},"
     "{\"name\":\"stickiness\",\"type\":\"string\",\"description\":\"Used define stickiness. "
     "Possible values: default, userId, sessionId, random\",\"required\":true}," P_GROUP "]",
     false},
    {"default", "Standard",
     "This strategy turns on / off for your entire userbase. Prefer using \"Gradual rollout\" "
     "strategy (100%=on, 0%=off).",
     "[]", false},
    {"userWithId", "UserIDs", "Enable the feature for a specific set of userIds.",
     "[{\"name\":\"userIds\",\"type\":\"list\",\"description\":\"\",\"required\":false}]", true},
    {"remoteAddress", "IPs", "Enable the feature for a specific set of IP addresses.",
     "[{\"name\":\"IPs\",\"type\":\"list\",\"description\":\"List of IPs to enable the feature "
     "toggle for.\",\"required\":true}]",
     false},
    {"applicationHostname", "Hosts", "Enable the feature for a specific set of hostnames.",
     "[{\"name\":\"hostNames\",\"type\":\"list\",\"description\":\"List of hostnames to enable "
     "the feature toggle for.\",\"required\":false}]",
     false},
    {"gradualRolloutRandom", NULL, "Randomly activate the feature toggle. No stickiness.",
     "[" P_PERCENT "]", true},
    {"gradualRolloutSessionId", NULL,
     "Gradually activate feature toggle. Stickiness based on session id.",
     "[" P_PERCENT "," P_GROUP "]", true},
    {"gradualRolloutUserId", NULL,
     "Gradually activate feature toggle for logged in users. Stickiness based on user id.",
     "[" P_PERCENT "," P_GROUP "]", true},
};

static const builtin_t *find_builtin(const char *name)
{
    for (size_t i = 0; i < LT_ARRAY_LEN(builtins); i++)
        if (strcmp(builtins[i].name, name) == 0)
            return &builtins[i];
    return NULL;
}

static const lt_strategy_def_t *find_def(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_strategy_defs; i++)
        if (strcmp(d->strategy_defs[i].name, name) == 0)
            return &d->strategy_defs[i];
    return NULL;
}

/* A parameters list kept as JSON text, normalised. */
static void write_list_text(lt_buf_t *b, const char *text)
{
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    char *out = cJSON_IsArray(j) ? cJSON_PrintUnformatted(j) : NULL;
    lt_buf_puts(b, out ? out : "[]");
    cJSON_free(out);
    cJSON_Delete(j);
}

/* A built-in (bi, its row def holding only a deprecation) or a custom definition (def). */
static void write_strategy_def(lt_buf_t *b, const builtin_t *bi, const lt_strategy_def_t *def)
{
    lt_buf_puts(b, "{\"displayName\":");
    lt_json_cstr_or_null(b, bi ? bi->display : NULL);
    lt_buf_puts(b, ",\"name\":");
    lt_json_cstr(b, bi ? bi->name : def->name);
    lt_buf_puts(b, ",\"editable\":");
    lt_json_bool(b, !bi);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, bi ? bi->description : def->description);
    lt_buf_puts(b, ",\"parameters\":");
    if (bi)
        lt_buf_puts(b, bi->parameters);
    else
        write_list_text(b, def->parameters);
    lt_buf_puts(b, ",\"deprecated\":");
    lt_json_bool(b, def ? def->deprecated : bi->deprecated);
    lt_buf_puts(b, ",\"title\":");
    lt_json_cstr_or_null(b, bi ? NULL : def->title);
    lt_buf_putc(b, '}');
}

static void api_strategies_list(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"strategies\":[");
    for (size_t i = 0; i < LT_ARRAY_LEN(builtins); i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_strategy_def(&b, &builtins[i], find_def(d, builtins[i].name));
    }
    for (size_t i = 0; i < d->n_strategy_defs; i++) {
        if (find_builtin(d->strategy_defs[i].name))
            continue;
        lt_buf_putc(&b, ',');
        write_strategy_def(&b, NULL, &d->strategy_defs[i]);
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static bool strategy_lookup(lt_req_t *r, const lt_dataset_t *d, const char *name,
                            const builtin_t **bi, const lt_strategy_def_t **def)
{
    *bi = find_builtin(name);
    *def = find_def(d, name);
    if (!*bi && !*def) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find strategy with name %s", name);
        return false;
    }
    return true;
}

static void api_strategy_get(lt_req_t *r, const lt_params_t *pp)
{
    const builtin_t *bi;
    const lt_strategy_def_t *def;
    if (!strategy_lookup(r, &lt_req_snapshot(r)->data, lt_adm_param(pp, "name"), &bi, &def))
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_strategy_def(&b, bi, def);
    lt_adm_reply(r, 200, &b);
}

typedef enum { SD_CREATE, SD_UPDATE, SD_DELETE, SD_DEPRECATE, SD_REACTIVATE } sd_op_t;

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const char *name;
    const cJSON *body;
    sd_op_t op;
    lt_strategy_def_t result;
} sd_ctx_t;

/* Parameters of a strategy definition, normalised to [{name, type, description, required}]. */
static const char *parse_def_params(lt_arena_t *a, const cJSON *j, lt_write_t *w)
{
    if (!cJSON_IsArray(j)) {
        BAD("\"parameters\" is required and must be an array");
        return NULL;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    const cJSON *it;
    bool first = true;
    cJSON_ArrayForEach(it, j)
    {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(it, "name");
        const cJSON *t = cJSON_GetObjectItemCaseSensitive(it, "type");
        const cJSON *desc = cJSON_GetObjectItemCaseSensitive(it, "description");
        const cJSON *req = cJSON_GetObjectItemCaseSensitive(it, "required");
        if (!cJSON_IsObject(it) || !cJSON_IsString(n) || !n->valuestring[0] || !cJSON_IsString(t) ||
            !t->valuestring[0] || (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc)) ||
            (req && !cJSON_IsBool(req))) {
            lt_buf_dispose(&b);
            BAD("a parameter needs a name and a type (strings), an optional description "
                "(string) and required (boolean)");
            return NULL;
        }
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, n->valuestring);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, t->valuestring);
        lt_buf_puts(&b, ",\"description\":");
        lt_json_cstr(&b, cJSON_IsString(desc) ? desc->valuestring : "");
        lt_buf_puts(&b, ",\"required\":");
        lt_json_bool(&b, cJSON_IsTrue(req));
        lt_buf_putc(&b, '}');
    }
    lt_buf_putc(&b, ']');
    return lt_adm_buf_arena(a, &b);
}

static int sd_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    sd_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const builtin_t *bi = find_builtin(c->name);
    const lt_strategy_def_t *def = find_def(d, c->name);
    lt_strategy_def_t *s = &c->result;
    memset(s, 0, sizeof(*s));
    static const char *const types[] = {"strategy-created", "strategy-updated", "strategy-deleted",
                                        "strategy-deprecated", "strategy-reactivated"};
    lt_event_t ev = lt_admin_event(c->p, types[c->op]);
    lt_buf_t b;
    if (c->op == SD_CREATE && (bi || def))
        return lt_write_fail(w, 409, "NameExistsError", "Strategy with name %s already exist!",
                             c->name);
    if (c->op != SD_CREATE && !bi && !def)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find strategy with name %s",
                             c->name);
    if ((c->op == SD_UPDATE || c->op == SD_DELETE) && bi)
        return BAD("Cannot edit strategy %s: it is built in", c->name);
    if (c->op == SD_DELETE) {
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, c->name);
        lt_buf_putc(&b, '}');
        ev.data = lt_adm_buf_arena(c->a, &b);
        lt_buf_init(&b, 0);
        write_strategy_def(&b, NULL, def);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
        return lt_store_call(store, strategy_def_delete, c->name, &ev);
    }
    if (c->op == SD_DEPRECATE || c->op == SD_REACTIVATE) {
        if (def) {
            *s = *def;
        } else { /* a built-in: its row only holds the deprecation */
            s->name = bi->name;
            s->parameters = "[]";
            s->created_at = lt_now_ms();
        }
        s->deprecated = c->op == SD_DEPRECATE;
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, c->name);
        lt_buf_putc(&b, '}');
        ev.data = lt_adm_buf_arena(c->a, &b);
        return lt_store_call(store, strategy_def_put, s, &ev);
    }
    /* create or update */
    bool bad = false;
    s->name = c->name;
    s->title = lt_adm_opt_str(c->body, "title", 0, &bad);
    s->description = lt_adm_opt_str(c->body, "description", 0, &bad);
    if (bad)
        return BAD("\"title\" and \"description\" must be strings");
    s->parameters =
        parse_def_params(c->a, cJSON_GetObjectItemCaseSensitive(c->body, "parameters"), w);
    if (!s->parameters)
        return LT_EINVAL;
    s->deprecated = def ? def->deprecated : false;
    s->created_at = def ? def->created_at : lt_now_ms();
    lt_buf_init(&b, 0);
    write_strategy_def(&b, NULL, s);
    ev.data = lt_adm_buf_arena(c->a, &b);
    if (def) {
        lt_buf_init(&b, 0);
        write_strategy_def(&b, NULL, def);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
    }
    return lt_store_call(store, strategy_def_put, s, &ev);
}

/* POST, PUT, DELETE and deprecate/reactivate (decl->op): the permission is declared. */
static void api_strategy_write(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    sd_op_t op = (sd_op_t)ac->decl->op;
    const char *name =
        lt_adm_param(pp, op == SD_DEPRECATE || op == SD_REACTIVATE ? "strategyName" : "name");
    if (op == SD_CREATE && !(name = lt_adm_body_name(r, ac->body)))
        return;
    sd_ctx_t c = {lt_req_arena(r), &ac->who, lt_arena_strdup(lt_req_arena(r), name),
                  ac->body,        op,       {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, sd_write, &w) != LT_OK)
        return;
    if (op != SD_CREATE) {
        lt_reply_empty(r, 200);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_strategy_def(&b, NULL, &c.result);
    lt_adm_reply_created(r, "strategies", c.name, &b);
}

/* ---------- context fields ---------- */

/* Strategies of live flags whose constraints name the context field. */
static strategy_ref_t *context_users(lt_arena_t *a, const lt_dataset_t *d, const char *name,
                                     size_t *n)
{
    strategy_ref_t *out = lt_arena_calloc(a, n_strategies(d) + 1, sizeof(*out));
    *n = 0;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived)
            continue;
        for (size_t e = 0; e < f->n_envs; e++)
            for (size_t s = 0; s < f->envs[e].n_strategies; s++) {
                const lt_strategy_t *st = &f->envs[e].strategies[s];
                for (size_t k = 0; k < st->n_constraints; k++)
                    if (strcmp(st->constraints[k].context_name, name) == 0) {
                        out[(*n)++] = (strategy_ref_t){st->id ? st->id : "", f->name, f->project,
                                                       f->envs[e].environment, st->name};
                        break;
                    }
            }
    }
    return out;
}

static void write_context(lt_buf_t *b, lt_arena_t *a, const lt_dataset_t *d,
                          const lt_context_field_t *c, bool usage)
{
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, c->name);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, c->description);
    lt_buf_puts(b, ",\"stickiness\":");
    lt_json_bool(b, c->stickiness);
    lt_buf_printf(b, ",\"sortOrder\":%d,\"legalValues\":", c->sort_order);
    write_list_text(b, c->legal_values);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_admin_write_time(b, c->created_at);
    if (usage) {
        size_t n;
        strategy_ref_t *refs = context_users(a, d, c->name, &n);
        const char **projects = lt_arena_calloc(a, n + 1, sizeof(*projects));
        const char **features = lt_arena_calloc(a, n + 1, sizeof(*features));
        size_t np = 0, nf = 0;
        for (size_t i = 0; i < n; i++) {
            set_add(projects, &np, refs[i].project);
            set_add(features, &nf, refs[i].feature);
        }
        if (np) /* Unleash leaves the counts out when they are 0 */
            lt_buf_printf(b, ",\"usedInProjects\":%zu,\"usedInFeatures\":%zu", np, nf);
    }
    lt_buf_putc(b, '}');
}

static void api_context_list(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    /* by name, as Unleash lists them */
    const lt_context_field_t **order =
        lt_arena_calloc(lt_req_arena(r), d->n_context_fields + 1, sizeof(*order));
    for (size_t i = 0; i < d->n_context_fields; i++) {
        size_t j = i;
        for (; j > 0 && strcmp(order[j - 1]->name, d->context_fields[i].name) > 0; j--)
            order[j] = order[j - 1];
        order[j] = &d->context_fields[i];
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; i < d->n_context_fields; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_context(&b, lt_req_arena(r), d, order[i], true);
    }
    lt_buf_putc(&b, ']');
    lt_adm_reply(r, 200, &b);
}

static void api_context_get(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_context_field_t *c = find_context(d, lt_adm_param(pp, "name"));
    if (!c) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find context field");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_context(&b, lt_req_arena(r), d, c, false);
    lt_adm_reply(r, 200, &b);
}

static void api_context_strategies(lt_req_t *r, const lt_params_t *pp)
{
    size_t n;
    strategy_ref_t *refs =
        context_users(lt_req_arena(r), &lt_req_snapshot(r)->data, lt_adm_param(pp, "name"), &n);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"strategies\":[");
    for (size_t i = 0; i < n; i++) {
        lt_buf_puts(&b, i ? ",{\"id\":" : "{\"id\":");
        lt_json_cstr(&b, refs[i].id);
        lt_buf_puts(&b, ",\"projectId\":");
        lt_json_cstr(&b, refs[i].project);
        lt_buf_puts(&b, ",\"featureName\":");
        lt_json_cstr(&b, refs[i].feature);
        lt_buf_puts(&b, ",\"strategyName\":");
        lt_json_cstr(&b, refs[i].strategy);
        lt_buf_puts(&b, ",\"environment\":");
        lt_json_cstr(&b, refs[i].environment);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

typedef enum { CF_CREATE, CF_UPDATE, CF_DELETE, CF_LEGAL_PUT, CF_LEGAL_DELETE } cf_op_t;

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const char *name;
    const char *legal; /* CF_LEGAL_DELETE: the value */
    const cJSON *body;
    cf_op_t op;
    lt_context_field_t result;
} cf_ctx_t;

/* One legal value {value (1..100), description?} checked and appended to b. */
static int legal_value_write(lt_buf_t *b, const cJSON *it, lt_write_t *w)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(it, "description");
    if (!cJSON_IsObject(it) || !cJSON_IsString(v) || strlen(v->valuestring) < 1 ||
        strlen(v->valuestring) > 100 || (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc)))
        return BAD("a legal value needs a value (1 to 100 characters) and an optional "
                   "description (string)");
    lt_buf_puts(b, "{\"value\":");
    lt_json_cstr(b, v->valuestring);
    if (cJSON_IsString(desc)) {
        lt_buf_puts(b, ",\"description\":");
        lt_json_cstr(b, desc->valuestring);
    }
    lt_buf_putc(b, '}');
    return LT_OK;
}

/* legalValues of a body (or the field's ones changed by one value), as normalised JSON text. */
static const char *legal_values_text(lt_arena_t *a, const cJSON *list, const cJSON *add,
                                     const char *remove, lt_write_t *w)
{
    if (list && !cJSON_IsArray(list) && !cJSON_IsNull(list)) {
        BAD("\"legalValues\" must be an array");
        return NULL;
    }
    const cJSON *addv = add ? cJSON_GetObjectItemCaseSensitive(add, "value") : NULL;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    bool first = true, added = false;
    const cJSON *it, *jt;
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (remove && cJSON_IsString(v) && strcmp(v->valuestring, remove) == 0)
            continue;
        for (jt = list->child; jt != it; jt = jt->next) {
            const cJSON *u = cJSON_GetObjectItemCaseSensitive(jt, "value");
            if (cJSON_IsString(u) && cJSON_IsString(v) &&
                strcmp(u->valuestring, v->valuestring) == 0) {
                lt_buf_dispose(&b);
                BAD("\"legalValues\" contains a duplicate value");
                return NULL;
            }
        }
        bool replace = cJSON_IsString(addv) && cJSON_IsString(v) &&
                       strcmp(v->valuestring, addv->valuestring) == 0;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        if (legal_value_write(&b, replace ? add : it, w) != LT_OK) {
            lt_buf_dispose(&b);
            return NULL;
        }
        added |= replace;
    }
    if (add && !added) {
        if (!first)
            lt_buf_putc(&b, ',');
        if (legal_value_write(&b, add, w) != LT_OK) {
            lt_buf_dispose(&b);
            return NULL;
        }
    }
    lt_buf_putc(&b, ']');
    return lt_adm_buf_arena(a, &b);
}

static int cf_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    cf_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_context_field_t *prev = find_context(d, c->name);
    lt_context_field_t *f = &c->result;
    static const char *const types[] = {"context-field-created", "context-field-updated",
                                        "context-field-deleted", "context-field-updated",
                                        "context-field-updated"};
    lt_event_t ev = lt_admin_event(c->p, types[c->op]);
    lt_buf_t b;
    if (c->op == CF_CREATE && prev)
        return lt_write_fail(w, 409, "NameExistsError",
                             "A context field with that name already exist");
    if (c->op != CF_CREATE && !prev)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find context field with name %s",
                             c->name);
    if (prev) {
        lt_buf_init(&b, 0);
        write_context(&b, c->a, d, prev, false);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
    }
    if (c->op == CF_DELETE) {
        size_t n;
        context_users(c->a, d, c->name, &n);
        if (n)
            return lt_write_fail(w, 409, "ConflictError",
                                 "This context field is in use by existing flags. To delete it, "
                                 "first remove its usage from all flags.");
        return lt_store_call(store, context_field_delete, c->name, &ev);
    }
    if (prev)
        *f = *prev;
    else
        memset(f, 0, sizeof(*f));
    f->name = c->name;
    if (c->op == CF_LEGAL_PUT || c->op == CF_LEGAL_DELETE) {
        cJSON *cur = cJSON_Parse(prev->legal_values ? prev->legal_values : "[]");
        f->legal_values =
            legal_values_text(c->a, cur, c->op == CF_LEGAL_PUT ? c->body : NULL, c->legal, w);
        cJSON_Delete(cur);
        if (!f->legal_values)
            return LT_EINVAL;
    } else {
        bool bad = false;
        f->description = lt_adm_opt_str(c->body, "description", 0, &bad);
        if (bad || (f->description && strlen(f->description) > 250))
            return BAD("\"description\" must be a string of at most 250 characters");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(c->body, "stickiness");
        if (st && !cJSON_IsBool(st) && !cJSON_IsNull(st))
            return BAD("\"stickiness\" must be a boolean");
        f->stickiness = cJSON_IsTrue(st);
        const cJSON *so = cJSON_GetObjectItemCaseSensitive(c->body, "sortOrder");
        if (so && !cJSON_IsNumber(so) && !cJSON_IsNull(so))
            return BAD("\"sortOrder\" must be a number");
        if (cJSON_IsNumber(so))
            f->sort_order = (int)so->valuedouble;
        f->legal_values = legal_values_text(
            c->a, cJSON_GetObjectItemCaseSensitive(c->body, "legalValues"), NULL, NULL, w);
        if (!f->legal_values)
            return LT_EINVAL;
        if (!prev)
            f->created_at = lt_now_ms();
    }
    lt_buf_init(&b, 0);
    write_context(&b, c->a, d, f, false);
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_call(store, context_field_put, f, &ev);
}

/* create, update, delete, legal value put/delete (decl->op): the permission is declared. */
static void api_context_write(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    cf_op_t op = (cf_op_t)ac->decl->op;
    const char *name = lt_adm_param(pp, "name");
    if (op == CF_CREATE && !(name = lt_adm_body_name(r, ac->body)))
        return;
    cf_ctx_t c = {lt_req_arena(r),
                  &ac->who,
                  lt_arena_strdup(lt_req_arena(r), name),
                  lt_adm_param(pp, "value"),
                  ac->body,
                  op,
                  {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, cf_write, &w) != LT_OK)
        return;
    if (op != CF_CREATE) {
        lt_reply_empty(r, 200);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_context(&b, lt_req_arena(r), &lt_req_snapshot(r)->data, &c.result, false);
    lt_adm_reply_created(r, "context", c.name, &b);
}

static void api_context_validate(lt_req_t *r, const lt_params_t *pp)
{
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
    if (!cJSON_IsString(name) || !lt_adm_name_ok(name->valuestring))
        lt_reply_error(r, 400, "ValidationError", "\"name\" must be URL friendly");
    else if (find_context(&lt_req_snapshot(r)->data, name->valuestring))
        lt_reply_error(r, 409, "NameExistsError", "A context field with that name already exist");
    else
        lt_reply_empty(r, 200);
}

/* ---------- tag types ---------- */

static const lt_tag_type_t *find_tag_type(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_tag_types; i++)
        if (strcmp(d->tag_types[i].name, name) == 0)
            return &d->tag_types[i];
    return NULL;
}

static void write_tag_type(lt_buf_t *b, const lt_tag_type_t *t)
{
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr(b, t->description ? t->description : "");
    lt_buf_puts(b, ",\"icon\":");
    lt_json_cstr_or_null(b, t->icon);
    lt_buf_putc(b, '}');
}

static void api_tag_types_list(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"tagTypes\":[");
    for (size_t i = 0; i < d->n_tag_types; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_tag_type(&b, &d->tag_types[i]);
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static void api_tag_type_get(lt_req_t *r, const lt_params_t *pp)
{
    const lt_tag_type_t *t = find_tag_type(&lt_req_snapshot(r)->data, lt_adm_param(pp, "name"));
    if (!t) {
        lt_reply_error(r, 404, "NotFoundError", "Tagtype %s could not be found",
                       lt_adm_param(pp, "name"));
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"tagType\":");
    write_tag_type(&b, t);
    lt_buf_putc(&b, '}');
    lt_adm_reply(r, 200, &b);
}

typedef enum { TT_CREATE, TT_UPDATE, TT_DELETE } tt_op_t;

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const char *name;
    const cJSON *body;
    tt_op_t op;
    bool gone; /* TT_DELETE of a tag type that was not there */
    lt_tag_type_t result;
} tt_ctx_t;

/* The body of a tag type: name (create), description, icon. */
static int tag_type_body(const cJSON *body, bool create, lt_tag_type_t *t, lt_write_t *w)
{
    bool bad = false;
    if (create) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(body, "name");
        if (!cJSON_IsString(n) || !lt_adm_name_valid(n->valuestring, 2, 50))
            return BAD("\"name\" must be URL friendly and 2 to 50 characters long");
        t->name = n->valuestring;
    }
    t->description = lt_adm_opt_str(body, "description", 0, &bad);
    t->icon = lt_adm_opt_str(body, "icon", 0, &bad);
    if (bad)
        return BAD("\"description\" and \"icon\" must be strings");
    return LT_OK;
}

static int tt_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    tt_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_tag_type_t *prev = find_tag_type(d, c->name);
    static const char *const types[] = {"tag-type-created", "tag-type-updated", "tag-type-deleted"};
    lt_event_t ev = lt_admin_event(c->p, types[c->op]);
    lt_buf_t b;
    if (c->op == TT_CREATE && prev)
        return lt_write_fail(w, 409, "NameExistsError",
                             "There already exists a tag-type with the name %s", c->name);
    if (c->op == TT_UPDATE && !prev)
        return lt_write_fail(w, 404, "NotFoundError", "Tagtype %s could not be found", c->name);
    if (prev) {
        lt_buf_init(&b, 0);
        write_tag_type(&b, prev);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
    }
    if (c->op == TT_DELETE) {
        if (!prev) {
            c->gone = true;
            return LT_OK;
        }
        for (size_t i = 0; i < d->n_tags; i++)
            if (strcmp(d->tags[i].type, c->name) == 0)
                return lt_write_fail(w, 409, "ConflictError",
                                     "Tag type %s is used by tags of flag %s; remove them first",
                                     c->name, d->tags[i].feature);
        return lt_store_call(store, tag_type_delete, c->name, &ev);
    }
    lt_tag_type_t *t = &c->result;
    memset(t, 0, sizeof(*t));
    if (tag_type_body(c->body, false, t, w) != LT_OK)
        return LT_EINVAL;
    t->name = c->name;
    lt_buf_init(&b, 0);
    write_tag_type(&b, t);
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_call(store, tag_type_put, t, &ev);
}

/* create, update, delete (decl->op): the permission is declared. */
static void api_tag_type_write(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    tt_op_t op = (tt_op_t)ac->decl->op;
    const char *name = lt_adm_param(pp, "name");
    if (op == TT_CREATE) {
        lt_tag_type_t t = {0};
        lt_write_t w = {0};
        if (tag_type_body(ac->body, true, &t, &w) != LT_OK) {
            lt_reply_error(r, w.status, w.name, "%s", w.msg);
            return;
        }
        name = t.name;
    }
    tt_ctx_t c = {lt_req_arena(r), &ac->who, lt_arena_strdup(lt_req_arena(r), name), ac->body, op,
                  false,           {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, tt_write, &w) != LT_OK)
        return;
    if (op != TT_CREATE) {
        lt_reply_empty(r, 200);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_tag_type(&b, &c.result);
    lt_adm_reply_created(r, "tag-types", c.name, &b);
}

static void api_tag_type_validate(lt_req_t *r, const lt_params_t *pp)
{
    cJSON *body = lt_adm_ctx(r)->body;
    lt_tag_type_t t = {0};
    lt_write_t w = {0};
    if (tag_type_body(body, true, &t, &w) != LT_OK) {
        lt_reply_error(r, w.status, w.name, "%s", w.msg);
    } else if (find_tag_type(&lt_req_snapshot(r)->data, t.name)) {
        lt_reply_error(r, 409, "NameExistsError",
                       "There already exists a tag-type with the name %s", t.name);
    } else {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"valid\":true,\"tagType\":");
        write_tag_type(&b, &t);
        lt_buf_putc(&b, '}');
        lt_adm_reply(r, 200, &b);
    }
}

/* ---------- applications and usage ---------- */

/* Registrations as stored, after writing what is aggregated in memory. NULL on error. */
static lt_app_row_t *load_apps(lt_arena_t *a, size_t *n)
{
    lt_usage_flush();
    lt_app_row_t *rows = NULL;
    *n = 0;
    lt_store_t *store = lt_state_lock();
    int rc = store ? lt_store_call(store, usage_apps, a, &rows, n) : LT_ERR;
    lt_state_unlock();
    return rc == LT_OK ? rows : NULL;
}

static lt_metric_row_t *load_usage(lt_arena_t *a, const char *feature, int64_t since, size_t *n)
{
    lt_metric_row_t *rows = NULL;
    *n = 0;
    lt_store_t *store = lt_state_lock();
    int rc = store ? lt_store_call(store, usage_feature, a, feature, since, &rows, n) : LT_ERR;
    lt_state_unlock();
    return rc == LT_OK ? rows : NULL;
}

/* The union of the strategies lists of rows[i..j) (JSON list texts). */
static void write_app_strategies(lt_buf_t *b, lt_arena_t *a, const lt_app_row_t *rows, size_t i,
                                 size_t j)
{
    size_t cap = 1;
    cJSON **parsed = lt_arena_calloc(a, j - i + 1, sizeof(*parsed));
    for (size_t k = i; k < j; k++) {
        parsed[k - i] = rows[k].strategies ? cJSON_Parse(rows[k].strategies) : NULL;
        cap += (size_t)cJSON_GetArraySize(parsed[k - i]);
    }
    const char **names = lt_arena_calloc(a, cap, sizeof(*names));
    size_t n = 0;
    for (size_t k = 0; k < j - i; k++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, parsed[k])
        {
            if (cJSON_IsString(it))
                set_add(names, &n, lt_arena_strdup(a, it->valuestring));
        }
        cJSON_Delete(parsed[k]);
    }
    lt_buf_putc(b, '[');
    for (size_t k = 0; k < n; k++) {
        if (k)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, names[k]);
    }
    lt_buf_putc(b, ']');
}

static void api_applications(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    size_t n;
    lt_app_row_t *rows = load_apps(a, &n);
    if (!rows) {
        lt_reply_error(r, 500, "InternalError", "The applications could not be read.");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"applications\":[");
    size_t total = 0;
    /* rows are ordered by application, environment, instance */
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && strcmp(rows[j].app_name, rows[i].app_name) == 0)
            j++;
        if (total++)
            lt_buf_putc(&b, ',');
        lt_buf_puts(&b, "{\"appName\":");
        lt_json_cstr(&b, rows[i].app_name);
        const char *sdk = NULL;
        int64_t seen = 0;
        for (size_t k = i; k < j; k++)
            if (rows[k].sdk_version && rows[k].seen_at >= seen) {
                sdk = rows[k].sdk_version;
                seen = rows[k].seen_at;
            }
        if (sdk) {
            lt_buf_puts(&b, ",\"sdkVersion\":");
            lt_json_cstr(&b, sdk);
        }
        lt_buf_puts(&b, ",\"strategies\":");
        write_app_strategies(&b, a, rows, i, j);
        /* the project of a registration is not kept: one usage entry for all projects */
        lt_buf_puts(&b, ",\"usage\":[{\"project\":\"*\",\"environments\":[");
        for (size_t k = i; k < j; k++)
            if (k == i || strcmp(rows[k].environment, rows[k - 1].environment) != 0) {
                if (k != i)
                    lt_buf_putc(&b, ',');
                lt_json_cstr(&b, rows[k].environment);
            }
        lt_buf_puts(&b, "]}]}");
        i = j;
    }
    lt_buf_printf(&b, "],\"total\":%zu}", total);
    lt_adm_reply(r, 200, &b);
}

static void api_application(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *app = lt_adm_param(pp, "appName");
    size_t n;
    lt_app_row_t *rows = load_apps(a, &n);
    size_t i = 0, j;
    while (rows && i < n && strcmp(rows[i].app_name, app) != 0)
        i++;
    j = i;
    while (rows && j < n && strcmp(rows[j].app_name, app) == 0)
        j++;
    if (!rows || i == n) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find application with appName %s", app);
        return;
    }
    int64_t created = 0;
    for (size_t k = i; k < j; k++)
        if (!created || (rows[k].started_at && rows[k].started_at < created))
            created = rows[k].started_at;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"appName\":");
    lt_json_cstr(&b, app);
    lt_buf_puts(&b, ",\"createdAt\":");
    lt_admin_write_time(&b, created);
    lt_buf_puts(&b, ",\"strategies\":");
    /* each strategy the app announced, as the definition, or {name, notFound} */
    lt_buf_t names;
    lt_buf_init(&names, 0);
    write_app_strategies(&names, a, rows, i, j);
    cJSON *list = lt_json_parse(names.ptr, names.len);
    lt_buf_dispose(&names);
    lt_buf_putc(&b, '[');
    const cJSON *it;
    bool first = true;
    cJSON_ArrayForEach(it, list)
    {
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        const builtin_t *bi = find_builtin(it->valuestring);
        const lt_strategy_def_t *def = find_def(d, it->valuestring);
        if (bi || def) {
            write_strategy_def(&b, bi, def);
        } else {
            lt_buf_puts(&b, "{\"name\":");
            lt_json_cstr(&b, it->valuestring);
            lt_buf_puts(&b, ",\"notFound\":true}");
        }
    }
    cJSON_Delete(list);
    lt_buf_puts(&b, "],\"instances\":[");
    for (size_t k = i; k < j; k++) {
        lt_buf_puts(&b, k == i ? "{\"appName\":" : ",{\"appName\":");
        lt_json_cstr(&b, app);
        lt_buf_puts(&b, ",\"instanceId\":");
        lt_json_cstr(&b, rows[k].instance_id);
        lt_buf_puts(&b, ",\"sdkVersion\":");
        lt_json_cstr_or_null(&b, rows[k].sdk_version);
        lt_buf_puts(&b, ",\"sdkType\":");
        lt_json_cstr_or_null(&b, rows[k].sdk_type);
        lt_buf_puts(&b, ",\"environment\":");
        lt_json_cstr(&b, rows[k].environment);
        lt_buf_puts(&b, ",\"lastSeen\":");
        lt_admin_write_time(&b, rows[k].seen_at);
        lt_buf_puts(&b, ",\"createdAt\":");
        lt_admin_write_time(&b, rows[k].started_at);
        lt_buf_putc(&b, '}');
    }
    /* flags the application evaluated in the last 24 hours */
    lt_buf_puts(&b, "],\"seenToggles\":[");
    int64_t since = lt_now_ms() - 24 * HOUR_MS;
    first = true;
    for (size_t f = 0; f < d->n_features; f++) {
        size_t nm;
        lt_metric_row_t *m = load_usage(a, d->features[f].name, since, &nm);
        bool seen = false;
        for (size_t k = 0; m && !seen && k < nm; k++)
            seen = strcmp(m[k].app_name, app) == 0;
        if (!seen)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        const lt_feature_t *ft = &d->features[f];
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, ft->name);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, ft->type);
        lt_buf_puts(&b, ",\"project\":");
        lt_json_cstr(&b, ft->project);
        lt_buf_puts(&b, ",\"description\":");
        lt_json_cstr_or_null(&b, ft->description);
        lt_buf_puts(&b, ",\"stale\":");
        lt_json_bool(&b, ft->stale);
        lt_buf_puts(&b, ",\"archived\":");
        lt_json_bool(&b, ft->archived);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "],\"links\":{\"self\":");
    char self[300];
    snprintf(self, sizeof(self), "/api/applications/%s", app);
    lt_json_cstr(&b, self);
    lt_buf_puts(&b, "}}");
    lt_adm_reply(r, 200, &b);
}

/* Per-flag usage summed over instances: one entry per (environment, application, hour). */
typedef struct {
    const char *env, *app;
    int64_t hour, yes, no;
    const lt_metric_row_t **rows; /* the instances' rows, for variants */
    size_t n_rows;
} usage_sum_t;

static usage_sum_t *sum_usage(lt_arena_t *a, const lt_metric_row_t *m, size_t n, size_t *out_n)
{
    usage_sum_t *s = lt_arena_calloc(a, n + 1, sizeof(*s));
    *out_n = 0;
    for (size_t i = 0; i < n; i++) {
        usage_sum_t *e = NULL;
        for (size_t k = 0; k < *out_n && !e; k++)
            if (s[k].hour == m[i].hour && strcmp(s[k].env, m[i].environment) == 0 &&
                strcmp(s[k].app, m[i].app_name) == 0)
                e = &s[k];
        if (!e) {
            e = &s[(*out_n)++];
            e->env = m[i].environment;
            e->app = m[i].app_name;
            e->hour = m[i].hour;
            e->rows = lt_arena_calloc(a, n, sizeof(*e->rows));
        }
        e->yes += m[i].yes;
        e->no += m[i].no;
        e->rows[e->n_rows++] = &m[i];
    }
    return s;
}

static void write_variants_sum(lt_buf_t *b, lt_arena_t *a, const usage_sum_t *s)
{
    size_t cap = 1;
    for (size_t i = 0; i < s->n_rows; i++)
        cap += s->rows[i]->n_variants;
    const char **names = lt_arena_calloc(a, cap, sizeof(*names));
    int64_t *counts = lt_arena_calloc(a, cap, sizeof(*counts));
    size_t n = 0;
    for (size_t i = 0; i < s->n_rows; i++)
        for (size_t v = 0; v < s->rows[i]->n_variants; v++) {
            size_t k = 0;
            while (k < n && strcmp(names[k], s->rows[i]->variant_names[v]) != 0)
                k++;
            if (k == n)
                names[n++] = s->rows[i]->variant_names[v];
            counts[k] += s->rows[i]->variant_counts[v];
        }
    if (!n)
        return;
    lt_buf_puts(b, ",\"variants\":{");
    for (size_t k = 0; k < n; k++) {
        if (k)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, names[k]);
        lt_buf_printf(b, ":%lld", (long long)counts[k]);
    }
    lt_buf_putc(b, '}');
}

static void api_feature_usage(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const char *name = lt_adm_param(pp, "name");
    lt_usage_flush();
    int64_t now = lt_now_ms();
    size_t n, ns;
    lt_metric_row_t *m = load_usage(a, name, now - 24 * HOUR_MS, &n);
    if (!m) {
        lt_reply_error(r, 500, "InternalError", "The usage could not be read.");
        return;
    }
    usage_sum_t *s = sum_usage(a, m, n, &ns);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"maturity\":\"stable\",\"featureName\":");
    lt_json_cstr(&b, name);
    /* the last hour, summed per environment */
    lt_buf_puts(&b, ",\"lastHourUsage\":[");
    const char **envs = lt_arena_calloc(a, ns + 1, sizeof(*envs));
    size_t ne = 0;
    for (size_t i = 0; i < ns; i++)
        if (s[i].hour >= now - HOUR_MS)
            set_add(envs, &ne, s[i].env);
    for (size_t e = 0; e < ne; e++) {
        int64_t yes = 0, no = 0, hour = 0;
        for (size_t i = 0; i < ns; i++)
            if (s[i].hour >= now - HOUR_MS && strcmp(s[i].env, envs[e]) == 0) {
                yes += s[i].yes;
                no += s[i].no;
                if (!hour || s[i].hour < hour)
                    hour = s[i].hour;
            }
        lt_buf_puts(&b, e ? ",{\"environment\":" : "{\"environment\":");
        lt_json_cstr(&b, envs[e]);
        lt_buf_puts(&b, ",\"timestamp\":");
        lt_admin_write_time(&b, hour);
        lt_buf_printf(&b, ",\"yes\":%lld,\"no\":%lld}", (long long)yes, (long long)no);
    }
    /* applications seen in the last 24 hours, by name */
    lt_buf_puts(&b, "],\"seenApplications\":[");
    const char **apps = lt_arena_calloc(a, ns + 1, sizeof(*apps));
    size_t na = 0;
    for (size_t i = 0; i < ns; i++)
        set_add(apps, &na, s[i].app);
    sort_names(apps, na);
    for (size_t i = 0; i < na; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, apps[i]);
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static void api_feature_usage_raw(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const char *name = lt_adm_param(pp, "name");
    int64_t hours = 24;
    if (!lt_admin_query_int(r, "hoursBack", &hours) || hours < 1 || hours > 48)
        hours = 24; /* out of range or not a number: the default, as Unleash */
    lt_usage_flush();
    int64_t now = lt_now_ms(), this_hour = now - now % HOUR_MS;
    size_t n, ns;
    lt_metric_row_t *m = load_usage(a, name, now - hours * HOUR_MS, &n);
    if (!m) {
        lt_reply_error(r, 500, "InternalError", "The usage could not be read.");
        return;
    }
    usage_sum_t *s = sum_usage(a, m, n, &ns);
    /* every (environment, application) gets every hour bucket, zero when nothing came */
    const char **envs = lt_arena_calloc(a, ns + 1, sizeof(*envs));
    const char **apps = lt_arena_calloc(a, ns + 1, sizeof(*apps));
    size_t ne = 0, na = 0;
    for (size_t i = 0; i < ns; i++) {
        set_add(envs, &ne, s[i].env);
        if (na < 100)
            set_add(apps, &na, s[i].app);
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"maturity\":\"stable\",\"data\":[");
    bool first = true;
    for (int64_t h = hours - 1; h >= 0; h--) {
        int64_t hour = this_hour - h * HOUR_MS;
        for (size_t e = 0; e < ne; e++)
            for (size_t k = 0; k < na; k++) {
                const usage_sum_t *found = NULL;
                for (size_t i = 0; i < ns && !found; i++)
                    if (s[i].hour == hour && strcmp(s[i].env, envs[e]) == 0 &&
                        strcmp(s[i].app, apps[k]) == 0)
                        found = &s[i];
                lt_buf_puts(&b, first ? "{\"featureName\":" : ",{\"featureName\":");
                first = false;
                lt_json_cstr(&b, name);
                lt_buf_puts(&b, ",\"appName\":");
                lt_json_cstr(&b, apps[k]);
                lt_buf_puts(&b, ",\"environment\":");
                lt_json_cstr(&b, envs[e]);
                lt_buf_puts(&b, ",\"timestamp\":");
                lt_admin_write_time(&b, hour);
                lt_buf_printf(&b, ",\"yes\":%lld,\"no\":%lld", (long long)(found ? found->yes : 0),
                              (long long)(found ? found->no : 0));
                if (found)
                    write_variants_sum(&b, a, found);
                lt_buf_putc(&b, '}');
            }
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

/* ---------- routes ---------- */

#define DEPS "/api/admin/projects/:projectId/features/:child/dependencies"
#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_config[] = {
    ROUTE(LT_POST, "/api/admin/segments/validate", api_segment_validate, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/segments", api_segments_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/segments", api_segment_create,
          LT_AUTHORIZE(authorize_segment_create), .perm = "CREATE_SEGMENT", LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/segments/:id", api_segment_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/segments/:id", api_segment_update,
          LT_AUTHORIZE(authorize_segment_change), .perm = "UPDATE_SEGMENT", LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/segments/:id", api_segment_delete,
          LT_AUTHORIZE(authorize_segment_change), .perm = "DELETE_SEGMENT"),
    ROUTE(LT_GET, "/api/admin/segments/:id/strategies", api_segment_strategies, LT_AUTHENTICATED),

    ROUTE(LT_POST, DEPS, api_dep_add, LT_PERM("UPDATE_FEATURE_DEPENDENCY"), LT_IN_PROJECT,
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, DEPS, api_dep_remove, LT_PERM("UPDATE_FEATURE_DEPENDENCY"), LT_IN_PROJECT),
    ROUTE(LT_DELETE, DEPS "/:parent", api_dep_remove, LT_PERM("UPDATE_FEATURE_DEPENDENCY"),
          LT_IN_PROJECT),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/features/:child/parents", api_dep_parents,
          LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/features/:parent/parent-variants",
          api_dep_parent_variants, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/dependencies", api_dep_exist, LT_AUTHENTICATED),

    ROUTE(LT_GET, "/api/admin/strategies", api_strategies_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/strategies", api_strategy_write, LT_PERM("CREATE_STRATEGY"),
          LT_JSON_OBJECT, .op = SD_CREATE),
    ROUTE(LT_GET, "/api/admin/strategies/:name", api_strategy_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/strategies/:name", api_strategy_write, LT_PERM("UPDATE_STRATEGY"),
          LT_JSON_OBJECT, .op = SD_UPDATE),
    ROUTE(LT_DELETE, "/api/admin/strategies/:name", api_strategy_write, LT_PERM("DELETE_STRATEGY"),
          .op = SD_DELETE),
    ROUTE(LT_POST, "/api/admin/strategies/:strategyName/deprecate", api_strategy_write,
          LT_PERM("UPDATE_STRATEGY"), .op = SD_DEPRECATE),
    ROUTE(LT_POST, "/api/admin/strategies/:strategyName/reactivate", api_strategy_write,
          LT_PERM("UPDATE_STRATEGY"), .op = SD_REACTIVATE),

    ROUTE(LT_POST, "/api/admin/context/validate", api_context_validate,
          LT_PERM("UPDATE_CONTEXT_FIELD"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/context", api_context_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/context", api_context_write, LT_PERM("CREATE_CONTEXT_FIELD"),
          LT_JSON_OBJECT, .op = CF_CREATE),
    ROUTE(LT_GET, "/api/admin/context/:name", api_context_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/context/:name", api_context_write, LT_PERM("UPDATE_CONTEXT_FIELD"),
          LT_JSON_OBJECT, .op = CF_UPDATE),
    ROUTE(LT_DELETE, "/api/admin/context/:name", api_context_write, LT_PERM("DELETE_CONTEXT_FIELD"),
          .op = CF_DELETE),
    ROUTE(LT_GET, "/api/admin/context/:name/strategies", api_context_strategies, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/context/:name/legal-values", api_context_write,
          LT_PERM("UPDATE_CONTEXT_FIELD"), LT_JSON_OBJECT, .op = CF_LEGAL_PUT),
    ROUTE(LT_DELETE, "/api/admin/context/:name/legal-values/:value", api_context_write,
          LT_PERM("UPDATE_CONTEXT_FIELD"), .op = CF_LEGAL_DELETE),

    ROUTE(LT_POST, "/api/admin/tag-types/validate", api_tag_type_validate, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/tag-types", api_tag_types_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/tag-types", api_tag_type_write, LT_PERM("CREATE_TAG_TYPE"),
          LT_JSON_OBJECT, .op = TT_CREATE),
    ROUTE(LT_GET, "/api/admin/tag-types/:name", api_tag_type_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/tag-types/:name", api_tag_type_write, LT_PERM("UPDATE_TAG_TYPE"),
          LT_JSON_OBJECT, .op = TT_UPDATE),
    ROUTE(LT_DELETE, "/api/admin/tag-types/:name", api_tag_type_write, LT_PERM("DELETE_TAG_TYPE"),
          .op = TT_DELETE),

    ROUTE(LT_GET, "/api/admin/metrics/applications", api_applications, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/metrics/applications/:appName", api_application, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/client-metrics/features/:name", api_feature_usage, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/client-metrics/features/:name/raw", api_feature_usage_raw,
          LT_AUTHENTICATED),
    {0},
};
