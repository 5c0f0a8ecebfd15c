/*
 * features.c: the admin API for flags: create, read, update, JSON Patch, validate names,
 * staleness, feature types, per-environment on/off (one flag or in bulk), cloning. Every write
 * validates against the newest snapshot inside lt_admin_write and stores the changed flag whole
 * (feature_put, or features_put for batches) in one transaction with its event(s). Strategies,
 * variants, tags and the archive have their own files; dependencies are dependencies.c's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define NOT_FOUND(...) lt_write_fail(w, 404, "NotFoundError", __VA_ARGS__)

static const char *const feature_types[][4] = {
    {"release", "Release", "Roll out new or incomplete features. Expected lifetime ~40 days", "40"},
    {"experiment", "Experiment", "A/B and multivariate testing. Expected lifetime ~40 days", "40"},
    {"operational", "Operational",
     "Transition between technical implementations with minimal risk. Expected lifetime: ~7 "
     "days",
     "7"},
    {"kill-switch", "Kill switch",
     "Quickly disable certain functionalities or features. Expected lifetime: permanent", NULL},
    {"permission", "Permission",
     "Control feature access based on user roles or entitlements. Expected lifetime: permanent",
     NULL},
    {"sunset", "Sunset",
     "Coordinate the planned removal of an existing feature. Expected lifetime: ~90 days", "90"},
};

bool lt_adm_feature_type_ok(const char *t)
{
    for (size_t i = 0; i < LT_ARRAY_LEN(feature_types); i++)
        if (strcmp(feature_types[i][0], t) == 0)
            return true;
    return false;
}

static char *fe_json(lt_arena_t *a, const lt_feature_t *f, const lt_environment_t *e,
                     const lt_feature_env_t *fe)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_feature_env(&b, f, e, fe);
    return lt_adm_buf_arena(a, &b);
}

/* ---------- flags ---------- */

/* Metadata of a create/update body into f (only the keys present). */
static int feature_fields(lt_adm_wctx_t *c, const cJSON *j, lt_feature_t *f, lt_write_t *w)
{
    static const char *const keys[] = {
        "name",      "type", "description", "impressionData", "stale",      "archived", "project",
        "createdAt", "tags", "variants",    "enabled",        "lastSeenAt", NULL};
    const cJSON *k;
    cJSON_ArrayForEach(k, j)
    {
        bool known = false;
        for (const char *const *q = keys; *q && !known; q++)
            known = strcmp(*q, k->string) == 0;
        if (!known)
            return BAD("\"%s\" is not allowed", k->string);
    }
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(j, "type");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(j, "description");
    const cJSON *imp = cJSON_GetObjectItemCaseSensitive(j, "impressionData");
    const cJSON *stale = cJSON_GetObjectItemCaseSensitive(j, "stale");
    if (type && !(cJSON_IsString(type) && lt_adm_feature_type_ok(type->valuestring)))
        return BAD("\"type\" must be one of [experiment, kill-switch, release, operational, "
                   "permission, sunset]");
    if (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc))
        return BAD("\"description\" must be a string");
    if (imp && !cJSON_IsBool(imp))
        return BAD("\"impressionData\" must be a boolean");
    if (stale && !cJSON_IsBool(stale))
        return BAD("\"stale\" must be a boolean");
    if (type)
        f->type = lt_arena_strdup(c->a, type->valuestring);
    if (desc)
        f->description = cJSON_IsString(desc) && desc->valuestring[0]
                             ? lt_arena_strdup(c->a, desc->valuestring)
                             : NULL;
    if (imp)
        f->impression_data = cJSON_IsTrue(imp);
    if (stale)
        f->stale = cJSON_IsTrue(stale);
    return LT_OK;
}

/* A name for a new flag: valid and unused (archived ones included). */
static int new_name_ok(const lt_dataset_t *d, const cJSON *name, lt_write_t *w)
{
    if (!name || cJSON_IsNull(name))
        return lt_write_bad_body(w, "/body/name", LT_ADM_REQUIRED, "/body/name");
    if (!cJSON_IsString(name))
        return BAD("\"name\" must be a string");
    if (!lt_adm_name_ok(name->valuestring))
        return BAD("\"name\" must be URL friendly and 1 to 100 characters long");
    const lt_feature_t *f = lt_dataset_feature(d, name->valuestring);
    if (f)
        return lt_write_fail(w, 409, "NameExistsError",
                             f->archived ? "An archived flag with that name already exists"
                                         : "A flag with that name already exists");
    return LT_OK;
}

static int do_feature_create(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_dataset_project(d, c->project))
        return NOT_FOUND("Active project with id %s does not exist", c->project);
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c->body, "name");
    if (new_name_ok(d, name, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *f = lt_arena_calloc(c->a, 1, sizeof(*f));
    f->name = lt_arena_strdup(c->a, name->valuestring);
    f->project = c->project;
    f->type = "release";
    f->created_at = lt_now_ms();
    if (feature_fields(c, c->body, f, w) != LT_OK)
        return LT_EINVAL;
    f->stale = false;
    lt_tag_t *tags;
    size_t n_tags;
    if (lt_adm_parse_tags(c, d, cJSON_GetObjectItemCaseSensitive(c->body, "tags"), f->name, &tags,
                          &n_tags, w) != LT_OK)
        return LT_EINVAL;
    lt_variant_t *vars;
    size_t n_vars;
    if (lt_adm_parse_variants(c->a, cJSON_GetObjectItemCaseSensitive(c->body, "variants"), false,
                              &vars, &n_vars, w) != LT_OK)
        return LT_EINVAL;
    /* a state (disabled, empty) in every environment of the project, as Unleash connects them */
    for (size_t i = 0; i < d->n_envs; i++)
        if (lt_dataset_project_has_env(d, f->project, d->envs[i].name)) {
            lt_feature_env_t *fe = lt_adm_env_state(c->a, f, d->envs[i].name);
            fe->variants = vars;
            fe->n_variants = n_vars;
        }
    /* render with the new tags visible */
    lt_dataset_t view = *d;
    lt_tag_t *all = lt_arena_calloc(c->a, d->n_tags + n_tags + 1, sizeof(*all));
    if (d->n_tags)
        memcpy(all, d->tags, d->n_tags * sizeof(*all));
    if (n_tags)
        memcpy(all + d->n_tags, tags, n_tags * sizeof(*all));
    view.tags = all;
    view.n_tags = d->n_tags + n_tags;
    c->reply = lt_adm_feature_json(c->a, &view, f);
    lt_event_t ev = lt_admin_event(&c->who, "feature-created");
    ev.project = f->project;
    ev.feature_name = f->name;
    ev.data = c->reply;
    return lt_store_features_put(s, f, 1, tags, n_tags, &ev);
}

static int do_feature_update(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c->body, "name");
    if (name && !(cJSON_IsString(name) && strcmp(name->valuestring, old->name) == 0))
        return lt_write_fail(w, 400, "BadDataError", "Cannot change name of feature flag");
    const cJSON *proj = cJSON_GetObjectItemCaseSensitive(c->body, "project");
    if (proj && !(cJSON_IsString(proj) && strcmp(proj->valuestring, old->project) == 0))
        return lt_write_fail(w, 400, "BadDataError",
                             "Cannot change the project of a feature flag here");
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    /* PUT replaces the metadata: what is absent takes Unleash's defaults */
    f->type = "release";
    f->description = NULL;
    f->impression_data = false;
    f->stale = false;
    if (feature_fields(c, c->body, f, w) != LT_OK)
        return LT_EINVAL;
    c->reply = lt_adm_feature_json(c->a, d, f);
    return lt_adm_commit(s, c, f, "feature-metadata-updated", NULL, c->reply,
                         lt_adm_feature_json(c->a, d, old));
}

static int do_feature_patch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    const cJSON *op;
    cJSON_ArrayForEach(op, c->body)
    {
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "path"));
        if (path && strncmp(path, "/variants", 9) == 0)
            return lt_write_fail(w, 403, "OperationDeniedError",
                                 "Changing variants is done via PATCH operation to "
                                 "/api/admin/projects/:project/features/:feature/variants");
        if (!path || !(strcmp(path, "/description") == 0 || strcmp(path, "/type") == 0 ||
                       strcmp(path, "/stale") == 0 || strcmp(path, "/impressionData") == 0))
            return BAD("only /description, /type, /stale and /impressionData can be patched "
                       "(path \"%s\")",
                       path ? path : "");
    }
    cJSON *doc = cJSON_CreateObject();
    if (old->description)
        cJSON_AddStringToObject(doc, "description", old->description);
    cJSON_AddStringToObject(doc, "type", old->type ? old->type : "release");
    cJSON_AddBoolToObject(doc, "stale", old->stale);
    cJSON_AddBoolToObject(doc, "impressionData", old->impression_data);
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    int rc = lt_adm_json_patch(&doc, c->body, w);
    if (rc == LT_OK && !cJSON_IsObject(doc))
        rc = BAD("the patched flag must be an object");
    if (rc == LT_OK) {
        f->description = NULL;
        rc = feature_fields(c, doc, f, w);
    }
    cJSON_Delete(doc);
    if (rc != LT_OK)
        return LT_EINVAL;
    bool only_stale =
        f->stale != old->stale && f->impression_data == old->impression_data &&
        strcmp(f->type, old->type ? old->type : "release") == 0 &&
        ((!f->description && !old->description) ||
         (f->description && old->description && strcmp(f->description, old->description) == 0));
    c->reply = lt_adm_feature_json(c->a, d, f);
    const char *type = !only_stale ? "feature-metadata-updated"
                       : f->stale  ? "feature-stale-on"
                                   : "feature-stale-off";
    return lt_adm_commit(s, c, f, type, NULL, c->reply, lt_adm_feature_json(c->a, d, old));
}

/* ---------- staleness ---------- */

static int do_stale_bulk(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_dataset_project(d, c->project))
        return NOT_FOUND("Could not find project with id %s", c->project);
    const cJSON *stale = cJSON_GetObjectItemCaseSensitive(c->body, "stale");
    if (!cJSON_IsBool(stale))
        return BAD("\"stale\" must be a boolean");
    const char **names;
    size_t n;
    if (lt_adm_name_list(c, "features", &names, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *fs = lt_arena_calloc(c->a, n, sizeof(*fs));
    lt_event_t *evs = lt_arena_calloc(c->a, n, sizeof(*evs));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        c->feature = names[i];
        const lt_feature_t *old = lt_adm_find_live(d, c, w);
        if (!old)
            return LT_EINVAL;
        if (old->stale == cJSON_IsTrue(stale))
            continue;
        fs[k] = *old;
        fs[k].stale = cJSON_IsTrue(stale);
        evs[k] = lt_admin_event(&c->who, fs[k].stale ? "feature-stale-on" : "feature-stale-off");
        evs[k].project = old->project;
        evs[k].feature_name = old->name;
        evs[k].data = fs[k].stale ? "{\"stale\":true}" : "{\"stale\":false}";
        evs[k].pre_data = old->stale ? "{\"stale\":true}" : "{\"stale\":false}";
        k++;
    }
    if (k == 0)
        return LT_OK; /* nothing changes: nothing is written */
    return lt_store_features_put(s, fs, k, NULL, 0, evs);
}

static int do_stale_one(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    f->stale = c->on;
    c->reply = lt_adm_feature_json(c->a, d, f);
    if (old->stale == c->on)
        return LT_OK;
    return lt_adm_commit(s, c, f, c->on ? "feature-stale-on" : "feature-stale-off", NULL, c->reply,
                         lt_adm_feature_json(c->a, d, old));
}

/* ---------- environments of a flag: on/off ---------- */

static lt_strategy_t default_strategy(lt_arena_t *a, const char *feature, int sort_order)
{
    lt_strategy_t st = {0};
    char id[37];
    lt_uuid(id);
    st.id = lt_arena_strdup(a, id);
    st.name = "flexibleRollout";
    st.params = lt_arena_calloc(a, 3, sizeof(*st.params));
    st.params[0] = (lt_param_t){"rollout", "100"};
    st.params[1] = (lt_param_t){"stickiness", "default"};
    st.params[2] = (lt_param_t){"groupId", feature};
    st.n_params = 3;
    st.sort_order = sort_order;
    return st;
}

/* Switch env of f (a dup) on or off as Unleash does; returns whether anything changed. */
static bool toggle_env(lt_adm_wctx_t *c, lt_feature_t *f, const char *env, bool on, bool activate)
{
    lt_feature_env_t *fe = lt_adm_env_state(c->a, f, env);
    bool changed = fe->enabled != on;
    if (on) {
        bool any_enabled = false;
        for (size_t i = 0; i < fe->n_strategies; i++)
            any_enabled |= !fe->strategies[i].disabled;
        if (activate && !any_enabled && fe->n_strategies) {
            for (size_t i = 0; i < fe->n_strategies; i++)
                fe->strategies[i].disabled = false;
            changed = true;
        } else if (!any_enabled) {
            int next = 0;
            for (size_t i = 0; i < fe->n_strategies; i++)
                next =
                    fe->strategies[i].sort_order >= next ? fe->strategies[i].sort_order + 1 : next;
            *lt_adm_add_strategy(c->a, fe) = default_strategy(c->a, f->name, next);
            changed = true;
        }
    }
    fe->enabled = on;
    return changed;
}

static int do_env_toggle(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    const lt_environment_t *e = old ? lt_adm_find_env(d, c, old, w) : NULL;
    if (!e)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    if (!toggle_env(c, f, c->env, c->on, c->activate))
        return LT_OK; /* already so: nothing is written, as Unleash */
    return lt_adm_commit(s, c, f,
                         c->on ? "feature-environment-enabled" : "feature-environment-disabled",
                         c->env, fe_json(c->a, f, e, lt_feature_env(f, c->env)),
                         fe_json(c->a, old, e, lt_feature_env(old, c->env)));
}

static int do_env_toggle_bulk(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const char **names;
    size_t n;
    if (!lt_dataset_project(d, c->project))
        return NOT_FOUND("Could not find project with id %s", c->project);
    if (lt_adm_name_list(c, "features", &names, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *fs = lt_arena_calloc(c->a, n, sizeof(*fs));
    lt_event_t *evs = lt_arena_calloc(c->a, n, sizeof(*evs));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        c->feature = names[i];
        const lt_feature_t *old = lt_adm_find_live(d, c, w);
        const lt_environment_t *e = old ? lt_adm_find_env(d, c, old, w) : NULL;
        if (!e)
            return LT_EINVAL;
        lt_feature_t *f = lt_adm_feature_dup(c->a, old);
        if (!toggle_env(c, f, c->env, c->on, c->activate))
            continue;
        fs[k] = *f;
        evs[k] = lt_admin_event(&c->who, c->on ? "feature-environment-enabled"
                                               : "feature-environment-disabled");
        evs[k].project = f->project;
        evs[k].feature_name = f->name;
        evs[k].environment = c->env;
        evs[k].data = fe_json(c->a, f, e, lt_feature_env(f, c->env));
        evs[k].pre_data = fe_json(c->a, old, e, lt_feature_env(old, c->env));
        k++;
    }
    if (k == 0)
        return LT_OK;
    return lt_store_features_put(s, fs, k, NULL, 0, evs);
}

/* ---------- clone ---------- */

static int do_clone(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c->body, "name");
    if (new_name_ok(d, name, w) != LT_OK)
        return LT_EINVAL;
    const cJSON *rg = cJSON_GetObjectItemCaseSensitive(c->body, "replaceGroupId");
    bool replace = !cJSON_IsFalse(rg);
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    f->name = lt_arena_strdup(c->a, name->valuestring);
    f->created_at = lt_now_ms();
    f->stale = false;
    for (size_t e = 0; e < f->n_envs; e++) {
        lt_feature_env_t *fe = &f->envs[e];
        fe->enabled = false;
        for (size_t i = 0; i < fe->n_strategies; i++) {
            lt_strategy_t *st = &fe->strategies[i];
            char id[37];
            lt_uuid(id);
            st->id = lt_arena_strdup(c->a, id);
            lt_param_t *p = lt_arena_calloc(c->a, st->n_params + 1, sizeof(*p));
            for (size_t k = 0; k < st->n_params; k++) {
                p[k] = st->params[k];
                if (replace && strcmp(p[k].key, "groupId") == 0)
                    p[k].value = f->name;
            }
            st->params = p;
        }
    }
    c->project = f->project;
    c->reply = lt_adm_feature_json(c->a, d, f);
    lt_event_t ev = lt_admin_event(&c->who, "feature-created");
    ev.project = f->project;
    ev.feature_name = f->name;
    ev.data = c->reply;
    return lt_store_features_put(s, f, 1, NULL, 0, &ev);
}

/* ---------- reads ---------- */

static void api_features_list(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *project = lt_adm_param(p, "projectId");
    if (project && !lt_dataset_project(d, project)) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find project with id %s", project);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"features\":[");
    bool any = false;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived || (project && strcmp(f->project, project) != 0))
            continue;
        if (any)
            lt_buf_putc(&b, ',');
        if (project)
            lt_adm_write_feature_summary(&b, d, f);
        else
            lt_adm_write_feature(&b, d, f);
        any = true;
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* {id, name, imageUrl} of a user id an event names (name: the event's when the user is gone,
 * or an admin token's). */
static cJSON *user_ref(const lt_dataset_t *d, int64_t id, const char *fallback)
{
    cJSON *j = cJSON_CreateObject();
    const lt_user_t *u = id > 0 ? lt_access_user(d, id) : NULL;
    char name[256];
    cJSON_AddNumberToObject(j, "id", (double)id);
    cJSON_AddStringToObject(j, "name", u ? lt_user_display(u, name, sizeof(name))
                                         : fallback ? fallback : "unknown");
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (u)
        lt_adm_write_image_url(&b, u);
    else
        lt_buf_puts(&b, "null");
    char *text = lt_buf_take(&b, NULL);
    cJSON_AddItemToObject(j, "imageUrl", cJSON_Parse(text));
    free(text);
    return j;
}

/* What the single flag view adds from the event log and usage, as Unleash shows it: createdBy
 * (the feature-created event's author), collaborators (the users whose events changed the
 * flag, the most recent first) and per environment yes/no (the evaluations counted in the
 * current and the previous hour). The store is read outside the snapshot: when it cannot be
 * read, the flag is shown without them. */
static void add_history(lt_req_t *r, const lt_dataset_t *d, const lt_feature_t *f, cJSON *j)
{
    lt_arena_t *a = lt_req_arena(r);
    lt_store_t *store = lt_state_store();
    lt_event_row_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    lt_event_filter_t filter = {.feature = f->name, .limit = 1000};
    if (store && lt_store_events_list(store, a, &filter, &rows, &n, &total) == LT_OK) {
        const lt_event_row_t *created = NULL;
        for (size_t i = 0; i < n; i++) /* newest first: the last one is the creation */
            if (strcmp(rows[i].type, "feature-created") == 0)
                created = &rows[i];
        if (created)
            cJSON_AddItemToObject(j, "createdBy", user_ref(d, created->created_by_user_id,
                                                           created->created_by));
        cJSON *users = cJSON_CreateArray();
        for (size_t i = 0; i < n; i++) {
            int64_t id = rows[i].created_by_user_id;
            bool seen = false;
            for (size_t k = 0; k < i && !seen; k++)
                seen = rows[k].created_by_user_id == id;
            if (id > 0 && !seen && lt_access_user(d, id))
                cJSON_AddItemToArray(users, user_ref(d, id, NULL));
        }
        cJSON_AddItemToObject(cJSON_AddObjectToObject(j, "collaborators"), "users", users);
    }
    lt_metric_row_t *m = NULL;
    size_t nm = 0;
    int64_t since = lt_adm_usage_since();
    if (!store || lt_store_usage_feature(store, a, f->name, since, &m, &nm) != LT_OK)
        nm = 0;
    cJSON *env;
    cJSON_ArrayForEach(env, cJSON_GetObjectItemCaseSensitive(j, "environments"))
    {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(env, "name");
        int64_t yes = 0, no = 0;
        for (size_t i = 0; i < nm && cJSON_IsString(name); i++)
            if (m[i].hour >= since && strcmp(m[i].environment, name->valuestring) == 0) {
                yes += m[i].yes;
                no += m[i].no;
            }
        cJSON_AddNumberToObject(env, "yes", (double)yes);
        cJSON_AddNumberToObject(env, "no", (double)no);
    }
}

static void api_feature_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_feature_t *f;
    if (!(f = lt_adm_read_feature(r, d, p)))
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_feature(&b, d, f);
    char *text = lt_buf_take(&b, NULL);
    cJSON *j = cJSON_Parse(text);
    free(text);
    lt_assert(j);
    add_history(r, d, f, j);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    lt_reply_json(r, 200, out);
    cJSON_free(out);
}

static void api_feature_env_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_feature_t *f;
    const lt_environment_t *e;
    if (!(f = lt_adm_read_feature(r, d, p)) || !(e = lt_adm_read_env(r, d, f, p)))
        return;
    const lt_feature_env_t *fe = lt_feature_env(f, e->name);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_feature_env(&b, f, e, fe);
    /* Unleash names the flag here: {name: featureName, environment, enabled, strategies} */
    char *body = lt_adm_buf_arena(lt_req_arena(r), &b);
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"name\":");
    lt_json_cstr(&b, f->name);
    lt_buf_puts(&b, strchr(body, ',')); /* the rest after the env name */
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void api_feature_types(lt_req_t *r, const lt_params_t *p)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"types\":[");
    for (size_t i = 0; i < LT_ARRAY_LEN(feature_types); i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_buf_puts(&b, "{\"id\":");
        lt_json_cstr(&b, feature_types[i][0]);
        lt_buf_puts(&b, ",\"name\":");
        lt_json_cstr(&b, feature_types[i][1]);
        lt_buf_puts(&b, ",\"description\":");
        lt_json_cstr(&b, feature_types[i][2]);
        lt_buf_printf(&b, ",\"lifetimeDays\":%s}",
                      feature_types[i][3] ? feature_types[i][3] : "null");
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void api_validate(lt_req_t *r, const lt_params_t *p)
{
    cJSON *body = lt_adm_ctx(r)->body;
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_write_t w = {0};
    if (new_name_ok(d, cJSON_GetObjectItemCaseSensitive(body, "name"), &w) == LT_OK)
        lt_reply_empty(r, 200);
    else
        lt_adm_reply_write_error(r, &w);
}

/* ---------- the write handlers ---------- */

LT_ADM_WRITE(api_feature_create, do_feature_create, 201, .reply = NULL)
LT_ADM_WRITE(api_feature_put, do_feature_update, 200, .reply = NULL)
LT_ADM_WRITE(api_feature_patch, do_feature_patch, 200, .reply = NULL)
LT_ADM_WRITE(api_stale_bulk, do_stale_bulk, 202, .reply = NULL)
LT_ADM_WRITE(api_stale_on, do_stale_one, 200, .on = true)
LT_ADM_WRITE(api_stale_off, do_stale_one, 200, .on = false)
LT_ADM_WRITE(api_env_off, do_env_toggle, 200, .on = false)
LT_ADM_WRITE(api_bulk_off, do_env_toggle_bulk, 200, .on = false)
LT_ADM_WRITE(api_clone, do_clone, 201, .reply = NULL)

static bool query_true(lt_req_t *r, const char *name)
{
    lt_str_t v = lt_req_query(r, name);
    return v.ptr && lt_str_eq_c(v, "true");
}

static void api_env_on(lt_req_t *r, const lt_params_t *p)
{
    lt_adm_wctx_t c = {.on = true, .activate = query_true(r, "shouldActivateDisabledStrategies")};
    lt_adm_run_write(r, p, do_env_toggle, 200, &c);
}

static void api_bulk_on(lt_req_t *r, const lt_params_t *p)
{
    lt_adm_wctx_t c = {.on = true, .activate = query_true(r, "shouldActivateDisabledStrategies")};
    lt_adm_run_write(r, p, do_env_toggle_bulk, 200, &c);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_features[] = {
    ROUTE(LT_GET, "/api/admin/feature-types", api_feature_types, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/features/validate", api_validate, LT_AUTHENTICATED, LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/features", api_features_list, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/features/:featureName", api_feature_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/stale", api_stale_bulk,
          LT_ADM_PROJ("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/bulk_features/environments/:environment/on",
          api_bulk_on, LT_ADM_PROJ("UPDATE_FEATURE_ENVIRONMENT"), LT_IN_ENV, LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/bulk_features/environments/:environment/off",
          api_bulk_off, LT_ADM_PROJ("UPDATE_FEATURE_ENVIRONMENT"), LT_IN_ENV, LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/features", api_features_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/features", api_feature_create,
          LT_ADM_PROJ("CREATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_GET, LT_ADM_PF, api_feature_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, LT_ADM_PF, api_feature_put, LT_ADM_FLAG("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_PATCH, LT_ADM_PF, api_feature_patch, LT_ADM_FLAG("UPDATE_FEATURE"), LT_JSON_ARRAY),
    ROUTE(LT_POST, LT_ADM_PF "/clone", api_clone, LT_ADM_FLAG("CREATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_POST, LT_ADM_PF "/stale/on", api_stale_on, LT_ADM_FLAG("UPDATE_FEATURE")),
    ROUTE(LT_POST, LT_ADM_PF "/stale/off", api_stale_off, LT_ADM_FLAG("UPDATE_FEATURE")),
    ROUTE(LT_GET, LT_ADM_PE, api_feature_env_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, LT_ADM_PE "/on", api_env_on, LT_ADM_FLAG_ENV("UPDATE_FEATURE_ENVIRONMENT")),
    ROUTE(LT_POST, LT_ADM_PE "/off", api_env_off, LT_ADM_FLAG_ENV("UPDATE_FEATURE_ENVIRONMENT")),
    {0},
};
