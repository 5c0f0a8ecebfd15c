/*
 * segments.c: the admin API of segments (list, get, the strategies using one, the segments of
 * a strategy and setting them, create, update, delete, validate a name; validate a constraint),
 * with Unleash 8.x's rules: a value limit, unique names, a project segment used only in its
 * project; UPDATE_PROJECT_SEGMENT stands in for the global permission in the segment's project.
 */
#include "admin_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "../../model/model_json.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define BAD_DATA(...) lt_write_fail(w, 400, "BadDataError", __VA_ARGS__)

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

size_t lt_adm_segment_values_limit(void)
{
    const char *e = getenv("UNLEASH_SEGMENT_VALUES_LIMIT");
    long v = e && *e ? strtol(e, NULL, 10) : 0;
    return v > 0 ? (size_t)v : 1000;
}

/* The strategies (of live flags unless all) using segment id, in flag/env order. */
static strategy_ref_t *segment_users(lt_arena_t *a, const lt_dataset_t *d, int64_t id, bool all,
                                     size_t *n)
{
    strategy_ref_t *out = lt_arena_calloc(a, lt_adm_n_strategies(d) + 1, sizeof(*out));
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
    lt_store_t *store = lt_state_store(); /* a read: no need to wait behind writes */
    lt_event_row_t *rows = NULL;
    size_t nr = 0;
    int64_t total = 0;
    lt_event_filter_t f = {.type = "segment-created", .limit = 1000};
    if (!store || lt_store_events_list(store, a, &f, &rows, &nr, &total) != LT_OK)
        nr = 0;
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
    lt_json_time(b, s->created_at);
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
        lt_adm_set_add(projects, &np, refs[i].project);
        lt_adm_set_add(features, &nf, refs[i].feature);
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

/* GET /api/admin/segments/strategies/:strategyId: {segments} the strategy uses (none for a
 * strategy id nobody has, as Unleash). */
static void api_strategy_segments(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *id = lt_adm_param(pp, "strategyId");
    const lt_strategy_t *st = NULL;
    for (size_t i = 0; i < d->n_features && !st; i++)
        for (size_t e = 0; e < d->features[i].n_envs && !st; e++) {
            const lt_feature_env_t *fe = &d->features[i].envs[e];
            for (size_t k = 0; k < fe->n_strategies && !st; k++)
                if (fe->strategies[k].id && strcmp(fe->strategies[k].id, id) == 0)
                    st = &fe->strategies[k];
        }
    size_t nc;
    creator_t *c = segment_creators(lt_req_arena(r), &nc);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"segments\":[");
    bool first = true;
    for (size_t k = 0; st && k < st->n_segments; k++) {
        const lt_segment_t *seg = lt_segment_find(d->segments, d->n_segments, st->segments[k]);
        if (!seg)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_segment(&b, seg, creator_of(c, nc, seg->id));
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

/* POST /api/admin/constraints/validate: one constraint as a strategy or segment takes it
 * (operator, values of its type, legal values): 204, or 400 BadDataError. */
static void api_constraint_validate(lt_req_t *r, const lt_params_t *pp)
{
    LT_UNUSED(pp);
    cJSON *list = cJSON_CreateArray();
    cJSON_AddItemReferenceToArray(list, lt_adm_ctx(r)->body);
    lt_constraint_t *c;
    size_t n, n_values;
    lt_write_t wr = {0}, *w = &wr;
    int rc =
        parse_constraints(lt_req_arena(r), &lt_req_snapshot(r)->data, list, &c, &n, &n_values, w);
    cJSON_Delete(list); /* the reference only: the body stays the request's */
    if (rc == LT_OK && n_values > LT_ADM_MAX_CONSTRAINT_VALUES)
        rc = BAD_DATA("A constraint has at most %d values.", LT_ADM_MAX_CONSTRAINT_VALUES);
    if (rc == LT_OK)
        lt_reply_empty(r, 204);
    else
        lt_reply_error(r, 400, "BadDataError", "%s", w->msg);
}

/* POST /api/admin/segments/strategies {projectId, environmentId, strategyId, segmentIds}:
 * replace the segments of one strategy (validated as a strategy update validates them). The
 * project and environment come from the body, so does the permission's scope. */
static bool authorize_strategy_segments(lt_req_t *r, lt_adm_ctx_t *c)
{
    if (!lt_adm_parse_body(r, c))
        return false;
    const char *project = lt_adm_str(c->body, "projectId");
    const char *env = lt_adm_str(c->body, "environmentId");
    if (!project || !env || !lt_adm_str(c->body, "strategyId") ||
        !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(c->body, "segmentIds"))) {
        lt_reply_error(r, 400, "ValidationError",
                       "projectId, environmentId and strategyId (strings) and segmentIds (a "
                       "list) are required.");
        return false;
    }
    return lt_admin_require(r, &c->who, "UPDATE_FEATURE_STRATEGY", project, env);
}

static int do_strategy_segments(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    c->project = lt_adm_str(c->body, "projectId");
    c->env = lt_adm_str(c->body, "environmentId");
    c->strategy = lt_adm_str(c->body, "strategyId");
    for (size_t i = 0; i < d->n_features && !c->feature; i++) {
        const lt_feature_t *f = &d->features[i];
        const lt_feature_env_t *fe = lt_feature_env(f, c->env);
        if (f->archived || strcmp(f->project, c->project) != 0 || !fe)
            continue;
        for (size_t k = 0; k < fe->n_strategies; k++)
            if (fe->strategies[k].id && strcmp(fe->strategies[k].id, c->strategy) == 0)
                c->feature = f->name;
    }
    if (!c->feature)
        return lt_write_fail(w, 404, "NotFoundError",
                             "Could not find strategy %s in project %s and environment %s",
                             c->strategy, c->project, c->env);
    lt_feature_t *f;
    lt_feature_env_t *fe = lt_adm_edit_env(d, c, w, &f);
    if (!fe)
        return LT_EINVAL;
    lt_strategy_t *cur = NULL;
    for (size_t k = 0; k < fe->n_strategies && !cur; k++)
        if (fe->strategies[k].id && strcmp(fe->strategies[k].id, c->strategy) == 0)
            cur = &fe->strategies[k];
    /* the strategy as it is, with the new segments, through the strategy validation */
    char *pre = lt_adm_strategy_json(c->a, cur);
    cJSON *doc = cJSON_Parse(pre);
    if (!doc)
        return lt_write_fail(w, 500, "InternalError", "The strategy could not be read.");
    cJSON_ReplaceItemInObjectCaseSensitive(
        doc, "segments",
        cJSON_Duplicate(cJSON_GetObjectItemCaseSensitive(c->body, "segmentIds"), true));
    lt_strategy_t st;
    int rc = lt_adm_parse_strategy(c->a, d, doc, f->name, cur, &st, w);
    cJSON_Delete(doc);
    if (rc != LT_OK)
        return LT_EINVAL;
    cur->segments = st.segments;
    cur->n_segments = st.n_segments;
    /* the answer: the request as applied (segment ids deduplicated, in order) */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"projectId\":");
    lt_json_cstr(&b, c->project);
    lt_buf_puts(&b, ",\"environmentId\":");
    lt_json_cstr(&b, c->env);
    lt_buf_puts(&b, ",\"strategyId\":");
    lt_json_cstr(&b, c->strategy);
    lt_buf_puts(&b, ",\"segmentIds\":[");
    for (size_t i = 0; i < cur->n_segments; i++)
        lt_buf_printf(&b, "%s%lld", i ? "," : "", (long long)cur->segments[i]);
    lt_buf_puts(&b, "]}");
    c->reply = lt_adm_buf_arena(c->a, &b);
    return lt_adm_commit(s, c, f, "feature-strategy-update", c->env,
                         lt_adm_strategy_json(c->a, cur), pre);
}

LT_ADM_WRITE(api_strategy_segments_set, do_strategy_segments, 201, .reply = NULL)

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
    lt_buf_puts(&b, "{\"strategies\":");
    lt_adm_write_strategy_refs(&b, refs, n);
    lt_buf_puts(&b, ",\"changeRequestStrategies\":[]}");
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
    if (!bad && !s->name)
        return lt_write_bad_body(w, "/body/name", LT_ADM_REQUIRED, "/body/name");
    if (bad)
        return BAD("\"name\" must be a string");
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
    size_t limit = lt_adm_segment_values_limit();
    if (n_values > limit)
        return BAD_DATA("Segments may not have more than %zu values", limit);
    if (!s->name[0])
        return BAD_DATA("Segment name cannot be empty");
    if ((!prev || strcmp(prev->name, s->name) != 0) && segment_name_taken(d, s->name, c->id))
        return lt_write_fail(w, 409, "NameExistsError", "Segment name already exists");
    if (s->project && !lt_dataset_project(d, s->project))
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
    return lt_store_segment_put(store, s, &ev, &out_id);
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

/* Authorizer of a delete: the project is the stored segment's. */
static bool authorize_segment_change(lt_req_t *r, lt_adm_ctx_t *c)
{
    int64_t id;
    const lt_segment_t *s = path_segment(r, c->params, &id);
    return segment_allowed(r, c, s ? s->project : NULL);
}

/* Authorizer of an update: allowed in the stored segment's project and, when the body moves
 * it, in the project it moves to (no project: a global segment, the global permission). */
static bool authorize_segment_update(lt_req_t *r, lt_adm_ctx_t *c)
{
    if (!lt_adm_parse_body(r, c) || !authorize_segment_change(r, c))
        return false;
    int64_t id;
    const lt_segment_t *s = path_segment(r, c->params, &id);
    const char *to = lt_adm_str(c->body, "project");
    if (to && !to[0])
        to = NULL;
    if (!s || (s->project && to && strcmp(s->project, to) == 0) || (!s->project && !to))
        return true; /* not moved */
    return segment_allowed(r, c, to);
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
    return lt_store_segment_delete(store, c->id, &ev);
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

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_segments[] = {
    ROUTE(LT_POST, "/api/admin/segments/validate", api_segment_validate, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/segments", api_segments_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/segments", api_segment_create,
          LT_AUTHORIZE(authorize_segment_create), .perm = "CREATE_SEGMENT", LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/segments/:id", api_segment_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/segments/strategies", api_strategy_segments_set,
          LT_AUTHORIZE(authorize_strategy_segments), LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/constraints/validate", api_constraint_validate, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/segments/strategies/:strategyId", api_strategy_segments,
          LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/segments/:id", api_segment_update,
          LT_AUTHORIZE(authorize_segment_update), .perm = "UPDATE_SEGMENT", LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/segments/:id", api_segment_delete,
          LT_AUTHORIZE(authorize_segment_change), .perm = "DELETE_SEGMENT"),
    ROUTE(LT_GET, "/api/admin/segments/:id/strategies", api_segment_strategies, LT_AUTHENTICATED),
    {0},
};
