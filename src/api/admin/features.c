/*
 * admin_features.c: the admin API for flags: create, read, update, JSON Patch, archive,
 * revive, delete, validate names, tags, staleness, feature types, per-environment on/off
 * (one flag or in bulk), strategies (list, add, get, update, patch, delete, sort order),
 * per-environment variants, cloning. Every write validates against the newest snapshot
 * inside lt_admin_write and stores the changed flag whole (feature_put, or features_put for
 * batches) in one transaction with its event(s); dependencies belong to admin_config.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

/* What a write handler hands its lt_write_fn. */
typedef struct {
    lt_principal_t who;
    lt_arena_t *a;
    const char *project, *feature, *env, *strategy;
    cJSON *body;
    bool on;       /* on/off, stale on/off */
    bool activate; /* shouldActivateDisabledStrategies */
    char *reply;   /* JSON for a 2xx reply, built inside the write; NULL: empty body */
} fctx_t;

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

static bool type_ok(const char *t)
{
    for (size_t i = 0; i < LT_ARRAY_LEN(feature_types); i++)
        if (strcmp(feature_types[i][0], t) == 0)
            return true;
    return false;
}

/* ---------- JSON of the pieces, in the request arena ---------- */

static char *feature_json(lt_arena_t *a, const lt_dataset_t *d, const lt_feature_t *f)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_feature(&b, d, f);
    return lt_adm_buf_arena(a, &b);
}

static char *strategy_json(lt_arena_t *a, const lt_strategy_t *s)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_strategy(&b, s);
    return lt_adm_buf_arena(a, &b);
}

static char *fe_json(lt_arena_t *a, const lt_feature_t *f, const lt_environment_t *e,
                     const lt_feature_env_t *fe)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_feature_env(&b, f, e, fe);
    return lt_adm_buf_arena(a, &b);
}

static char *variants_json(lt_arena_t *a, const lt_variant_t *v, size_t n, bool version)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, version ? "{\"version\":1,\"variants\":" : "{\"variants\":");
    lt_model_write_variants(&b, v, n, true);
    lt_buf_putc(&b, '}');
    return lt_adm_buf_arena(a, &b);
}

/* ---------- look-ups inside a write ---------- */

/* The live flag c->feature of project c->project, or NULL with a 404 set. */
static const lt_feature_t *find_live(const lt_dataset_t *d, fctx_t *c, lt_write_t *w)
{
    if (c->project && !lt_adm_project(d, c->project)) {
        NOT_FOUND("Could not find project with id %s", c->project);
        return NULL;
    }
    const lt_feature_t *f = lt_adm_feature(d, c->feature);
    if (!f || f->archived) {
        NOT_FOUND("Could not find feature flag with name %s", c->feature);
        return NULL;
    }
    if (c->project && strcmp(f->project, c->project) != 0) {
        NOT_FOUND("There's no feature named \"%s\" in project \"%s\"", c->feature, c->project);
        return NULL;
    }
    return f;
}

/* Environment c->env of the flag's project, or NULL with a 404 set. */
static const lt_environment_t *find_env(const lt_dataset_t *d, const fctx_t *c,
                                        const lt_feature_t *f, lt_write_t *w)
{
    const lt_environment_t *e = lt_adm_env(d, c->env);
    if (!e || !lt_adm_project_has_env(d, f->project, c->env)) {
        NOT_FOUND("Could not find environment %s for feature: %s", c->env, f->name);
        return NULL;
    }
    return e;
}

static int commit(lt_store_t *s, const fctx_t *c, const lt_feature_t *f, const char *type,
                  const char *env, const char *data, const char *pre)
{
    lt_event_t ev = lt_admin_event(&c->who, type);
    ev.project = f->project;
    ev.feature_name = f->name;
    ev.environment = env;
    ev.data = data;
    ev.pre_data = pre;
    return lt_store_call(s, feature_put, f, &ev);
}

/* ---------- JSON Patch (RFC 6902: add, remove, replace, test) ---------- */

/* Split the next token of a JSON pointer into buf (unescaping ~0 ~1); advance *p. */
static bool pointer_token(const char **p, char *buf, size_t cap)
{
    if (**p != '/')
        return false;
    (*p)++;
    size_t n = 0;
    while (**p && **p != '/') {
        char ch = **p;
        if (ch == '~') {
            (*p)++;
            if (**p != '0' && **p != '1')
                return false;
            ch = **p == '0' ? '~' : '/';
        }
        if (n + 1 >= cap)
            return false;
        buf[n++] = ch;
        (*p)++;
    }
    buf[n] = '\0';
    return true;
}

static bool array_index(const char *tok, int size, bool allow_end, int *out)
{
    if (allow_end && strcmp(tok, "-") == 0) {
        *out = size;
        return true;
    }
    if (!tok[0] || strlen(tok) > 9 || (tok[0] == '0' && tok[1]))
        return false;
    for (const char *q = tok; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    *out = atoi(tok);
    return *out < size || (allow_end && *out == size);
}

/* Apply ops to *root (which an op on "" replaces). LT_OK or LT_EINVAL with w set. */
static int json_patch(cJSON **root, const cJSON *ops, lt_write_t *w)
{
    if (!cJSON_IsArray(ops))
        return BAD("a JSON Patch must be an array of operations");
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "op"));
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "path"));
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
        if (!kind || !path)
            return BAD("a JSON Patch operation needs \"op\" and \"path\"");
        bool add = strcmp(kind, "add") == 0, rem = strcmp(kind, "remove") == 0,
             rep = strcmp(kind, "replace") == 0, test = strcmp(kind, "test") == 0;
        if (!add && !rem && !rep && !test)
            return BAD("JSON Patch operation \"%s\" is not supported", kind);
        if (!rem && !value)
            return BAD("JSON Patch operation \"%s\" needs a value", kind);
        if (path[0] == '\0') {
            if (test) {
                if (!cJSON_Compare(*root, value, true))
                    return BAD("JSON Patch test failed at \"\"");
                continue;
            }
            if (rem)
                return BAD("can not remove the whole document");
            cJSON_Delete(*root);
            *root = cJSON_Duplicate(value, true);
            continue;
        }
        /* walk to the parent */
        cJSON *parent = *root;
        const char *p = path;
        char tok[256];
        for (;;) {
            if (!pointer_token(&p, tok, sizeof(tok)))
                return BAD("invalid JSON pointer \"%s\"", path);
            if (*p == '\0')
                break;
            cJSON *next = NULL;
            int idx;
            if (cJSON_IsArray(parent) && array_index(tok, cJSON_GetArraySize(parent), false, &idx))
                next = cJSON_GetArrayItem(parent, idx);
            else if (cJSON_IsObject(parent))
                next = cJSON_GetObjectItemCaseSensitive(parent, tok);
            if (!next)
                return BAD("path \"%s\" does not exist", path);
            parent = next;
        }
        if (cJSON_IsArray(parent)) {
            int idx;
            if (!array_index(tok, cJSON_GetArraySize(parent), add, &idx))
                return BAD("path \"%s\" does not exist", path);
            if (test) {
                if (!cJSON_Compare(cJSON_GetArrayItem(parent, idx), value, true))
                    return BAD("JSON Patch test failed at \"%s\"", path);
            } else if (add) {
                if (idx == cJSON_GetArraySize(parent))
                    cJSON_AddItemToArray(parent, cJSON_Duplicate(value, true));
                else
                    cJSON_InsertItemInArray(parent, idx, cJSON_Duplicate(value, true));
            } else if (rem) {
                cJSON_DeleteItemFromArray(parent, idx);
            } else {
                cJSON_ReplaceItemInArray(parent, idx, cJSON_Duplicate(value, true));
            }
        } else if (cJSON_IsObject(parent)) {
            cJSON *cur = cJSON_GetObjectItemCaseSensitive(parent, tok);
            if (!cur && !add)
                return BAD("path \"%s\" does not exist", path);
            if (test) {
                if (!cJSON_Compare(cur, value, true))
                    return BAD("JSON Patch test failed at \"%s\"", path);
            } else if (rem) {
                cJSON_DeleteItemFromObjectCaseSensitive(parent, tok);
            } else if (cur) {
                cJSON_ReplaceItemInObjectCaseSensitive(parent, tok, cJSON_Duplicate(value, true));
            } else {
                cJSON_AddItemToObject(parent, tok, cJSON_Duplicate(value, true));
            }
        } else {
            return BAD("path \"%s\" does not exist", path);
        }
    }
    return LT_OK;
}

/* ---------- flags ---------- */

/* Metadata of a create/update body into f (only the keys present). */
static int feature_fields(fctx_t *c, const cJSON *j, lt_feature_t *f, lt_write_t *w)
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
    if (type && !(cJSON_IsString(type) && type_ok(type->valuestring)))
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
    if (!cJSON_IsString(name))
        return BAD("\"name\" is required");
    if (!lt_adm_name_ok(name->valuestring))
        return BAD("\"name\" must be URL friendly and 1 to 100 characters long");
    const lt_feature_t *f = lt_adm_feature(d, name->valuestring);
    if (f)
        return lt_write_fail(w, 409, "NameExistsError",
                             f->archived ? "An archived flag with that name already exists"
                                         : "A flag with that name already exists");
    return LT_OK;
}

static int parse_tags(fctx_t *c, const lt_dataset_t *d, const cJSON *j, const char *feature,
                      lt_tag_t **out, size_t *n, lt_write_t *w)
{
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return LT_OK;
    if (!cJSON_IsArray(j))
        return BAD("\"tags\" must be an array");
    size_t cnt = (size_t)cJSON_GetArraySize(j);
    lt_tag_t *t = lt_arena_calloc(c->a, cnt + 1, sizeof(*t));
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(it, "type");
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(it, "value");
        const char *ty = cJSON_IsString(type) ? type->valuestring : "simple";
        if (type && !cJSON_IsString(type))
            return BAD("\"type\" of a tag must be a string");
        if (!cJSON_IsString(value))
            return BAD("\"value\" of a tag is required");
        size_t vl = strlen(value->valuestring), tl = strlen(ty);
        if (vl < 2 || vl > 50 || tl < 2 || tl > 50 || !lt_adm_name_ok(ty))
            return BAD("tag type and value must be 2 to 50 characters, the type URL friendly");
        bool known = strcmp(ty, "simple") == 0;
        for (size_t i = 0; i < d->n_tag_types && !known; i++)
            known = strcmp(d->tag_types[i].name, ty) == 0;
        if (!known)
            return lt_write_fail(w, 400, "BadDataError", "Tag type '%s' does not exist", ty);
        t[*n].feature = feature;
        t[*n].type = lt_arena_strdup(c->a, ty);
        t[*n].value = lt_arena_strdup(c->a, value->valuestring);
        (*n)++;
    }
    *out = t;
    return LT_OK;
}

static int do_feature_create(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_adm_project(d, c->project))
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
    if (parse_tags(c, d, cJSON_GetObjectItemCaseSensitive(c->body, "tags"), f->name, &tags, &n_tags,
                   w) != LT_OK)
        return LT_EINVAL;
    lt_variant_t *vars;
    size_t n_vars;
    if (lt_adm_parse_variants(c->a, cJSON_GetObjectItemCaseSensitive(c->body, "variants"), false,
                              &vars, &n_vars, w) != LT_OK)
        return LT_EINVAL;
    /* a state (disabled, empty) in every environment of the project, as Unleash connects them */
    for (size_t i = 0; i < d->n_envs; i++)
        if (lt_adm_project_has_env(d, f->project, d->envs[i].name)) {
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
    c->reply = feature_json(c->a, &view, f);
    lt_event_t ev = lt_admin_event(&c->who, "feature-created");
    ev.project = f->project;
    ev.feature_name = f->name;
    ev.data = c->reply;
    return lt_store_call(s, features_put, f, 1, tags, n_tags, &ev);
}

static int do_feature_update(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
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
    c->reply = feature_json(c->a, d, f);
    return commit(s, c, f, "feature-metadata-updated", NULL, c->reply, feature_json(c->a, d, old));
}

static int do_feature_patch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
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
    int rc = json_patch(&doc, c->body, w);
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
    c->reply = feature_json(c->a, d, f);
    const char *type = !only_stale ? "feature-metadata-updated"
                       : f->stale  ? "feature-stale-on"
                                   : "feature-stale-off";
    return commit(s, c, f, type, NULL, c->reply, feature_json(c->a, d, old));
}

static int do_feature_archive(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    if (lt_adm_has_children(d, old->name))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You can not archive/delete this feature since other features "
                             "depend on it.");
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    f->archived = true;
    f->dependencies = NULL; /* as Unleash: an archived flag depends on nothing */
    f->n_dependencies = 0;
    return commit(s, c, f, "feature-archived", NULL, feature_json(c->a, d, f),
                  feature_json(c->a, d, old));
}

static int revive_one(fctx_t *c, const lt_dataset_t *d, const char *name, lt_feature_t **out,
                      lt_write_t *w)
{
    const lt_feature_t *old = lt_adm_feature(d, name);
    if (!old || (c->project && strcmp(old->project, c->project) != 0))
        return NOT_FOUND("Feature %s does not exist", name);
    if (!old->archived)
        return lt_write_fail(w, 400, "BadDataError", "Feature %s is not archived", name);
    if (!lt_adm_project(d, old->project))
        return NOT_FOUND("Active project with id %s does not exist", old->project);
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    f->archived = false;
    for (size_t i = 0; i < f->n_envs; i++) /* revived flags come back off everywhere */
        f->envs[i].enabled = false;
    *out = f;
    return LT_OK;
}

static int do_feature_revive(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_feature_t *f;
    if (revive_one(c, d, c->feature, &f, w) != LT_OK)
        return LT_EINVAL;
    return commit(s, c, f, "feature-revived", NULL, feature_json(c->a, d, f), NULL);
}

/* A list of flag names in body key "features" (strings, at least one). */
static int name_list(fctx_t *c, const char *key, const char ***out, size_t *n, lt_write_t *w)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(c->body, key);
    if (!cJSON_IsArray(l) || cJSON_GetArraySize(l) < 1)
        return BAD("\"%s\" must be a non-empty array of flag names", key);
    size_t cnt = (size_t)cJSON_GetArraySize(l);
    const char **v = lt_arena_calloc(c->a, cnt, sizeof(*v));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, l)
    {
        if (!cJSON_IsString(it))
            return BAD("\"%s\" must be an array of strings", key);
        bool dup = false;
        for (size_t i = 0; i < k && !dup; i++)
            dup = strcmp(v[i], it->valuestring) == 0;
        if (!dup)
            v[k++] = it->valuestring;
    }
    *out = v;
    *n = k;
    return LT_OK;
}

static int do_project_revive(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_adm_project(d, c->project))
        return NOT_FOUND("Active project with id %s does not exist", c->project);
    const char **names;
    size_t n;
    if (name_list(c, "features", &names, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *fs = lt_arena_calloc(c->a, n, sizeof(*fs));
    lt_event_t *evs = lt_arena_calloc(c->a, n, sizeof(*evs));
    for (size_t i = 0; i < n; i++) {
        lt_feature_t *f;
        if (revive_one(c, d, names[i], &f, w) != LT_OK)
            return LT_EINVAL;
        fs[i] = *f;
        evs[i] = lt_admin_event(&c->who, "feature-revived");
        evs[i].project = f->project;
        evs[i].feature_name = f->name;
        evs[i].data = feature_json(c->a, d, f);
    }
    return lt_store_call(s, features_put, fs, n, NULL, 0, evs);
}

static int do_feature_delete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_feature(d, c->feature);
    if (!old || (c->project && strcmp(old->project, c->project) != 0))
        return NOT_FOUND("Could not find feature flag with name %s", c->feature);
    if (!old->archived)
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "Only archived flags can be deleted: archive %s first", c->feature);
    if (lt_adm_has_children(d, old->name))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You can not archive/delete this feature since other features "
                             "depend on it.");
    lt_event_t ev = lt_admin_event(&c->who, "feature-deleted");
    ev.project = old->project;
    ev.feature_name = old->name;
    ev.pre_data = feature_json(c->a, d, old);
    return lt_store_call(s, feature_delete, old->name, &ev);
}

/* ---------- staleness ---------- */

static int do_stale_bulk(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_adm_project(d, c->project))
        return NOT_FOUND("Could not find project with id %s", c->project);
    const cJSON *stale = cJSON_GetObjectItemCaseSensitive(c->body, "stale");
    if (!cJSON_IsBool(stale))
        return BAD("\"stale\" must be a boolean");
    const char **names;
    size_t n;
    if (name_list(c, "features", &names, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *fs = lt_arena_calloc(c->a, n, sizeof(*fs));
    lt_event_t *evs = lt_arena_calloc(c->a, n, sizeof(*evs));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        c->feature = names[i];
        const lt_feature_t *old = find_live(d, c, w);
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
    return lt_store_call(s, features_put, fs, k, NULL, 0, evs);
}

static int do_stale_one(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    f->stale = c->on;
    c->reply = feature_json(c->a, d, f);
    if (old->stale == c->on)
        return LT_OK;
    return commit(s, c, f, c->on ? "feature-stale-on" : "feature-stale-off", NULL, c->reply,
                  feature_json(c->a, d, old));
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
static bool toggle_env(fctx_t *c, lt_feature_t *f, const char *env, bool on, bool activate)
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
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    const lt_environment_t *e = old ? find_env(d, c, old, w) : NULL;
    if (!e)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    if (!toggle_env(c, f, c->env, c->on, c->activate))
        return LT_OK; /* already so: nothing is written, as Unleash */
    return commit(s, c, f, c->on ? "feature-environment-enabled" : "feature-environment-disabled",
                  c->env, fe_json(c->a, f, e, lt_feature_env(f, c->env)),
                  fe_json(c->a, old, e, lt_feature_env(old, c->env)));
}

static int do_env_toggle_bulk(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const char **names;
    size_t n;
    if (!lt_adm_project(d, c->project))
        return NOT_FOUND("Could not find project with id %s", c->project);
    if (name_list(c, "features", &names, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *fs = lt_arena_calloc(c->a, n, sizeof(*fs));
    lt_event_t *evs = lt_arena_calloc(c->a, n, sizeof(*evs));
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        c->feature = names[i];
        const lt_feature_t *old = find_live(d, c, w);
        const lt_environment_t *e = old ? find_env(d, c, old, w) : NULL;
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
    return lt_store_call(s, features_put, fs, k, NULL, 0, evs);
}

/* ---------- strategies ---------- */

/* The strategy c->strategy in fe (a dup's), or NULL with a 404 set. */
static lt_strategy_t *find_strategy(lt_feature_env_t *fe, const fctx_t *c, lt_write_t *w)
{
    for (size_t i = 0; fe && i < fe->n_strategies; i++)
        if (fe->strategies[i].id && strcmp(fe->strategies[i].id, c->strategy) == 0)
            return &fe->strategies[i];
    NOT_FOUND("Could not find strategy with id %s", c->strategy);
    return NULL;
}

/* After a strategy change: an environment left with no enabled strategy is switched off. */
static void maybe_disable(lt_feature_env_t *fe)
{
    for (size_t i = 0; i < fe->n_strategies; i++)
        if (!fe->strategies[i].disabled)
            return;
    fe->enabled = false;
}

static int do_strategy_add(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    if (!old || !find_env(d, c, old, w))
        return LT_EINVAL;
    lt_strategy_t st;
    if (lt_adm_parse_strategy(c->a, d, c->body, old->name, NULL, &st, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    lt_feature_env_t *fe = lt_adm_env_state(c->a, f, c->env);
    if (fe->n_strategies >= LT_ADM_MAX_STRATEGIES)
        return lt_write_fail(w, 400, "ExceedsLimitError",
                             "Failed to create strategy. You can't create more than the "
                             "established limit of %d.",
                             LT_ADM_MAX_STRATEGIES);
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c->body, "sortOrder"))) {
        int next = 0;
        for (size_t i = 0; i < fe->n_strategies; i++)
            next = fe->strategies[i].sort_order >= next ? fe->strategies[i].sort_order + 1 : next;
        st.sort_order = next;
    }
    char id[37];
    lt_uuid(id);
    st.id = lt_arena_strdup(c->a, id);
    *lt_adm_add_strategy(c->a, fe) = st;
    lt_strategies_sort(fe->strategies, fe->n_strategies);
    c->reply = strategy_json(c->a, &st);
    return commit(s, c, f, "feature-strategy-add", c->env, c->reply, NULL);
}

/* Replace strategy c->strategy with the body doc (PUT, and PATCH after patching). */
static int strategy_replace(lt_store_t *s, const lt_dataset_t *d, fctx_t *c, const cJSON *doc,
                            lt_write_t *w)
{
    const lt_feature_t *old = find_live(d, c, w);
    if (!old || !find_env(d, c, old, w))
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    lt_feature_env_t *fe = lt_adm_env_state(c->a, f, c->env);
    lt_strategy_t *cur = find_strategy(fe, c, w);
    if (!cur)
        return LT_EINVAL;
    lt_strategy_t st;
    if (lt_adm_parse_strategy(c->a, d, doc, old->name, cur, &st, w) != LT_OK)
        return LT_EINVAL;
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "sortOrder")))
        st.sort_order = cur->sort_order;
    st.id = cur->id;
    char *pre = strategy_json(c->a, cur);
    *cur = st;
    maybe_disable(fe);
    lt_strategies_sort(fe->strategies, fe->n_strategies);
    c->reply = strategy_json(c->a, &st);
    return commit(s, c, f, "feature-strategy-update", c->env, c->reply, pre);
}

static int do_strategy_put(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    return strategy_replace(s, &snap->data, c, c->body, w);
}

static int do_strategy_patch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    if (!old || !find_env(d, c, old, w))
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    lt_strategy_t *cur = find_strategy(lt_adm_env_state(c->a, f, c->env), c, w);
    if (!cur)
        return LT_EINVAL;
    cJSON *doc = cJSON_Parse(strategy_json(c->a, cur));
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "id");
    int rc = json_patch(&doc, c->body, w);
    if (rc == LT_OK)
        rc = strategy_replace(s, d, c, doc, w);
    cJSON_Delete(doc);
    return rc;
}

static int do_strategy_delete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    if (!old || !find_env(d, c, old, w))
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    lt_feature_env_t *fe = lt_adm_env_state(c->a, f, c->env);
    lt_strategy_t *cur = find_strategy(fe, c, w);
    if (!cur)
        return LT_EINVAL;
    char *pre = strategy_json(c->a, cur);
    size_t i = (size_t)(cur - fe->strategies);
    memmove(&fe->strategies[i], &fe->strategies[i + 1],
            (fe->n_strategies - i - 1) * sizeof(*fe->strategies));
    fe->n_strategies--;
    maybe_disable(fe);
    return commit(s, c, f, "feature-strategy-remove", c->env, NULL, pre);
}

static char *strategy_ids_json(lt_arena_t *a, const lt_feature_env_t *fe)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"strategyIds\":[");
    for (size_t i = 0; fe && i < fe->n_strategies; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr_or_null(&b, fe->strategies[i].id);
    }
    lt_buf_puts(&b, "]}");
    return lt_adm_buf_arena(a, &b);
}

static int do_strategy_order(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    if (!old || !find_env(d, c, old, w))
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    lt_feature_env_t *fe = lt_adm_env_state(c->a, f, c->env);
    const cJSON *it;
    cJSON_ArrayForEach(it, c->body)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        const cJSON *so = cJSON_GetObjectItemCaseSensitive(it, "sortOrder");
        if (!cJSON_IsString(id) || !cJSON_IsNumber(so))
            return BAD("each entry must be {id: string, sortOrder: number}");
        c->strategy = id->valuestring;
        lt_strategy_t *cur = find_strategy(fe, c, w);
        if (!cur)
            return lt_write_fail(w, 400, "BadDataError",
                                 "trying to change strategies for environment via update "
                                 "sortOrder");
        cur->sort_order = (int)so->valuedouble;
    }
    lt_strategies_sort(fe->strategies, fe->n_strategies);
    return commit(s, c, f, "strategy-order-changed", c->env, strategy_ids_json(c->a, fe),
                  strategy_ids_json(c->a, lt_feature_env(old, c->env)));
}

/* ---------- variants per environment ---------- */

static int variants_set(lt_store_t *s, const lt_dataset_t *d, fctx_t *c, const cJSON *list,
                        lt_write_t *w)
{
    const lt_feature_t *old = find_live(d, c, w);
    if (!old || !find_env(d, c, old, w))
        return LT_EINVAL;
    if (!cJSON_IsArray(list))
        return BAD("the variants must be an array");
    lt_variant_t *v;
    size_t n;
    if (lt_adm_parse_variants(c->a, list, false, &v, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    lt_feature_env_t *fe = lt_adm_env_state(c->a, f, c->env);
    const lt_feature_env_t *ofe = lt_feature_env(old, c->env);
    fe->variants = v;
    fe->n_variants = n;
    c->reply = variants_json(c->a, v, n, true);
    return commit(
        s, c, f, "feature-environment-variants-updated", c->env, variants_json(c->a, v, n, false),
        variants_json(c->a, ofe ? ofe->variants : NULL, ofe ? ofe->n_variants : 0, false));
}

static int do_variants_put(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    return variants_set(s, &snap->data, c, c->body, w);
}

static int do_variants_patch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    if (!old || !find_env(d, c, old, w))
        return LT_EINVAL;
    const lt_feature_env_t *ofe = lt_feature_env(old, c->env);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_variants(&b, ofe ? ofe->variants : NULL, ofe ? ofe->n_variants : 0, true);
    cJSON *doc = cJSON_Parse(lt_adm_buf_arena(c->a, &b));
    int rc = json_patch(&doc, c->body, w);
    if (rc == LT_OK)
        rc = variants_set(s, d, c, doc, w);
    cJSON_Delete(doc);
    return rc;
}

static int do_variants_batch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    const cJSON *envs = cJSON_GetObjectItemCaseSensitive(c->body, "environments");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(c->body, "variants");
    if (!cJSON_IsArray(envs) || cJSON_GetArraySize(envs) < 1 || !cJSON_IsArray(list))
        return BAD("the body must be {variants: [...], environments: [names]}");
    lt_variant_t *v;
    size_t n;
    if (lt_adm_parse_variants(c->a, list, false, &v, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    const cJSON *it;
    cJSON_ArrayForEach(it, envs)
    {
        if (!cJSON_IsString(it))
            return BAD("\"environments\" must be an array of names");
        c->env = it->valuestring;
        if (!find_env(d, c, old, w))
            return LT_EINVAL;
        if (!lt_access_can(d, &c->who, "UPDATE_FEATURE_ENVIRONMENT_VARIANTS", old->project, c->env))
            return lt_write_fail(w, 403, "PermissionError",
                                 "You don't have the required permissions to perform this "
                                 "operation. To perform this action, you need the "
                                 "\"UPDATE_FEATURE_ENVIRONMENT_VARIANTS\" permission.");
        lt_feature_env_t *fe = lt_adm_env_state(c->a, f, c->env);
        fe->variants = v;
        fe->n_variants = n;
    }
    c->env = NULL;
    c->reply = variants_json(c->a, v, n, true);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"variants\":");
    lt_model_write_variants(&b, v, n, true);
    char *envs_txt = cJSON_PrintUnformatted(envs);
    lt_buf_puts(&b, ",\"environments\":");
    lt_buf_puts(&b, envs_txt ? envs_txt : "[]");
    cJSON_free(envs_txt);
    lt_buf_putc(&b, '}');
    return commit(s, c, f, "feature-environment-variants-updated", NULL, lt_adm_buf_arena(c->a, &b),
                  NULL);
}

/* ---------- tags ---------- */

static int tags_write(lt_store_t *s, fctx_t *c, const lt_dataset_t *d, const lt_feature_t *f,
                      const lt_tag_t *add, size_t n_add, const lt_tag_t *rem, size_t n_rem,
                      const char *type, const char *data)
{
    size_t cap = d->n_tags + n_add + 1, n = 0;
    lt_tag_t *all = lt_arena_calloc(c->a, cap, sizeof(*all));
    for (size_t i = 0; i < d->n_tags; i++) {
        const lt_tag_t *t = &d->tags[i];
        if (strcmp(t->feature, f->name) != 0)
            continue;
        bool drop = false;
        for (size_t k = 0; k < n_rem && !drop; k++)
            drop = strcmp(rem[k].type, t->type) == 0 && strcmp(rem[k].value, t->value) == 0;
        if (!drop)
            all[n++] = *t;
    }
    for (size_t k = 0; k < n_add; k++) {
        bool have = false;
        for (size_t i = 0; i < n && !have; i++)
            have = strcmp(all[i].type, add[k].type) == 0 && strcmp(all[i].value, add[k].value) == 0;
        if (!have)
            all[n++] = add[k];
    }
    lt_event_t ev = lt_admin_event(&c->who, type);
    ev.project = f->project;
    ev.feature_name = f->name;
    if (strcmp(type, "feature-untagged") == 0)
        ev.pre_data = data;
    else
        ev.data = data;
    /* the reply: {version, tags} as they will be */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"tags\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_buf_puts(&b, "{\"value\":");
        lt_json_cstr(&b, all[i].value);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, all[i].type);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    c->reply = lt_adm_buf_arena(c->a, &b);
    return lt_store_call(s, feature_tags_put, f->name, all, n, &ev);
}

static char *tag_json(lt_arena_t *a, const lt_tag_t *t)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"value\":");
    lt_json_cstr(&b, t->value);
    lt_buf_puts(&b, ",\"type\":");
    lt_json_cstr(&b, t->type);
    lt_buf_putc(&b, '}');
    return lt_adm_buf_arena(a, &b);
}

static bool has_tag(const lt_dataset_t *d, const char *feature, const lt_tag_t *t)
{
    for (size_t i = 0; i < d->n_tags; i++)
        if (strcmp(d->tags[i].feature, feature) == 0 && strcmp(d->tags[i].type, t->type) == 0 &&
            strcmp(d->tags[i].value, t->value) == 0)
            return true;
    return false;
}

static int do_tag_add(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *f = lt_adm_feature(d, c->feature);
    if (!f)
        return NOT_FOUND("Could not find feature flag with name %s", c->feature);
    cJSON *one = cJSON_CreateArray();
    cJSON_AddItemToArray(one, cJSON_Duplicate(c->body, true));
    lt_tag_t *t;
    size_t n;
    int rc = parse_tags(c, d, one, f->name, &t, &n, w);
    cJSON_Delete(one);
    if (rc != LT_OK)
        return LT_EINVAL;
    if (has_tag(d, f->name, t))
        return lt_write_fail(w, 409, "FeatureHasTagError", "%s already has the tag %s:%s", f->name,
                             t->type, t->value);
    rc = tags_write(s, c, d, f, t, 1, NULL, 0, "feature-tagged", tag_json(c->a, t));
    c->reply = tag_json(c->a, t);
    return rc;
}

static int do_tags_update(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *f = lt_adm_feature(d, c->feature);
    if (!f)
        return NOT_FOUND("Could not find feature flag with name %s", c->feature);
    lt_tag_t *add, *rem;
    size_t n_add, n_rem;
    if (parse_tags(c, d, cJSON_GetObjectItemCaseSensitive(c->body, "addedTags"), f->name, &add,
                   &n_add, w) != LT_OK ||
        parse_tags(c, d, cJSON_GetObjectItemCaseSensitive(c->body, "removedTags"), f->name, &rem,
                   &n_rem, w) != LT_OK)
        return LT_EINVAL;
    char *data = cJSON_PrintUnformatted(c->body);
    char *txt = lt_arena_strdup(c->a, data ? data : "{}");
    cJSON_free(data);
    return tags_write(s, c, d, f, add, n_add, rem, n_rem,
                      n_add ? "feature-tagged" : "feature-untagged", txt);
}

static int do_tag_remove(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *f = lt_adm_feature(d, c->feature);
    if (!f)
        return NOT_FOUND("Could not find feature flag with name %s", c->feature);
    lt_tag_t t = {f->name, c->env /* type */, c->strategy /* value */};
    if (!has_tag(d, f->name, &t))
        return LT_OK; /* as Unleash: removing a tag that is not there is fine */
    int rc = tags_write(s, c, d, f, NULL, 0, &t, 1, "feature-untagged", tag_json(c->a, &t));
    c->reply = NULL;
    return rc;
}

/* ---------- clone ---------- */

static int do_clone(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    fctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = find_live(d, c, w);
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
    c->reply = feature_json(c->a, d, f);
    lt_event_t ev = lt_admin_event(&c->who, "feature-created");
    ev.project = f->project;
    ev.feature_name = f->name;
    ev.data = c->reply;
    return lt_store_call(s, features_put, f, 1, NULL, 0, &ev);
}

/* ---------- reads ---------- */

/* The dataset a read answers from (the route is declared authenticated). */
static bool reader(lt_req_t *r, const lt_dataset_t **d)
{
    *d = &lt_req_snapshot(r)->data;
    return true;
}

static void api_features_list(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    if (!reader(r, &d))
        return;
    const char *project = lt_adm_param(p, "projectId");
    if (project && !lt_adm_project(d, project)) {
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

static void api_archived_list(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    if (!reader(r, &d))
        return;
    const char *project = lt_adm_param(p, "projectId");
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"features\":[");
    bool any = false;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (!f->archived || (project && strcmp(f->project, project) != 0))
            continue;
        if (any)
            lt_buf_putc(&b, ',');
        lt_adm_write_feature_summary(&b, d, f);
        any = true;
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* The flag of a read: live (and in the project when one is in the path), else 404 sent. */
static const lt_feature_t *read_feature(lt_req_t *r, const lt_dataset_t *d, const lt_params_t *p)
{
    const char *name = lt_adm_param(p, "featureName"), *project = lt_adm_param(p, "projectId");
    const lt_feature_t *f = lt_adm_feature(d, name);
    if (!f || f->archived || (project && strcmp(f->project, project) != 0)) {
        if (project && f && !f->archived)
            lt_reply_error(r, 404, "NotFoundError",
                           "There's no feature named \"%s\" in project \"%s\"", name, project);
        else
            lt_reply_error(r, 404, "NotFoundError", "Could not find feature flag with name %s",
                           name);
        return NULL;
    }
    return f;
}

static void api_feature_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    const lt_feature_t *f;
    if (!reader(r, &d) || !(f = read_feature(r, d, p)))
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_feature(&b, d, f);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* The flag's environment of a read, or 404 sent. */
static const lt_environment_t *read_env(lt_req_t *r, const lt_dataset_t *d, const lt_feature_t *f,
                                        const lt_params_t *p)
{
    const char *env = lt_adm_param(p, "environment");
    const lt_environment_t *e = lt_adm_env(d, env);
    if (!e || !lt_adm_project_has_env(d, f->project, env)) {
        lt_reply_error(r, 404, "NotFoundError", "Feature %s does not have environment %s", f->name,
                       env);
        return NULL;
    }
    return e;
}

static void api_feature_env_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    const lt_feature_t *f;
    const lt_environment_t *e;
    if (!reader(r, &d) || !(f = read_feature(r, d, p)) || !(e = read_env(r, d, f, p)))
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

static void api_strategies_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    const lt_feature_t *f;
    const lt_environment_t *e;
    if (!reader(r, &d) || !(f = read_feature(r, d, p)) || !(e = read_env(r, d, f, p)))
        return;
    const lt_feature_env_t *fe = lt_feature_env(f, e->name);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; fe && i < fe->n_strategies; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_adm_write_strategy(&b, &fe->strategies[i]);
    }
    lt_buf_putc(&b, ']');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void api_strategy_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    const lt_feature_t *f;
    const lt_environment_t *e;
    if (!reader(r, &d) || !(f = read_feature(r, d, p)) || !(e = read_env(r, d, f, p)))
        return;
    const lt_feature_env_t *fe = lt_feature_env(f, e->name);
    const char *id = lt_adm_param(p, "strategyId");
    for (size_t i = 0; fe && i < fe->n_strategies; i++)
        if (fe->strategies[i].id && strcmp(fe->strategies[i].id, id) == 0) {
            lt_buf_t b;
            lt_buf_init(&b, 0);
            lt_adm_write_strategy(&b, &fe->strategies[i]);
            lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
            return;
        }
    lt_reply_error(r, 404, "NotFoundError", "Could not find strategy with id %s", id);
}

static void api_variants_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    const lt_feature_t *f;
    const lt_environment_t *e;
    if (!reader(r, &d) || !(f = read_feature(r, d, p)) || !(e = read_env(r, d, f, p)))
        return;
    const lt_feature_env_t *fe = lt_feature_env(f, e->name);
    lt_reply_json(
        r, 200,
        variants_json(lt_req_arena(r), fe ? fe->variants : NULL, fe ? fe->n_variants : 0, true));
}

static void api_tags_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    if (!reader(r, &d))
        return;
    const char *name = lt_adm_param(p, "featureName");
    if (!lt_adm_feature(d, name)) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find feature flag with name %s", name);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"tags\":");
    lt_adm_write_tags(&b, d, name);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void api_feature_types(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d;
    if (!reader(r, &d))
        return;
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
        lt_reply_error(r, w.status, w.name, "%s", w.msg);
}

/* ---------- the write handlers ---------- */

enum {
    NO_BODY = 0,
    OBJ = cJSON_Object,
    ARR = cJSON_Array,
};

/* Run fn (the route declared permission, scope and body) and reply ok_status with c->reply
 * (or empty). */
static void run_write(lt_req_t *r, const lt_params_t *p, lt_write_fn fn, int ok_status, fctx_t *c)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    c->who = ac->who;
    c->body = ac->body;
    c->a = lt_req_arena(r);
    c->project = lt_adm_param(p, "projectId");
    c->feature = lt_adm_param(p, "featureName");
    if (!c->env)
        c->env = lt_adm_param(p, "environment");
    if (!c->strategy)
        c->strategy = lt_adm_param(p, "strategyId");
    lt_write_t w = {.ctx = c};
    if (lt_admin_write(r, fn, &w) != LT_OK)
        return;
    if (c->reply)
        lt_reply_json(r, ok_status, c->reply);
    else
        lt_reply_empty(r, ok_status);
}

#define WRITE(fname, fn, status, ...)                                                              \
    static void fname(lt_req_t *r, const lt_params_t *p)                                           \
    {                                                                                              \
        fctx_t c = {__VA_ARGS__};                                                                  \
        run_write(r, p, fn, status, &c);                                                           \
    }

WRITE(api_feature_create, do_feature_create, 201, .reply = NULL)
WRITE(api_feature_put, do_feature_update, 200, .reply = NULL)
WRITE(api_feature_patch, do_feature_patch, 200, .reply = NULL)
WRITE(api_feature_archive, do_feature_archive, 202, .reply = NULL)
WRITE(api_feature_revive, do_feature_revive, 200, .reply = NULL)
WRITE(api_project_revive, do_project_revive, 200, .reply = NULL)
WRITE(api_feature_delete, do_feature_delete, 200, .reply = NULL)
WRITE(api_stale_bulk, do_stale_bulk, 202, .reply = NULL)
WRITE(api_stale_on, do_stale_one, 200, .on = true)
WRITE(api_stale_off, do_stale_one, 200, .on = false)
WRITE(api_env_off, do_env_toggle, 200, .on = false)
WRITE(api_bulk_off, do_env_toggle_bulk, 200, .on = false)
WRITE(api_strategy_add, do_strategy_add, 200, .reply = NULL)
WRITE(api_strategy_put, do_strategy_put, 200, .reply = NULL)
WRITE(api_strategy_patch, do_strategy_patch, 200, .reply = NULL)
WRITE(api_strategy_delete, do_strategy_delete, 200, .reply = NULL)
WRITE(api_strategy_order, do_strategy_order, 200, .reply = NULL)
WRITE(api_variants_put, do_variants_put, 200, .reply = NULL)
WRITE(api_variants_patch, do_variants_patch, 200, .reply = NULL)
WRITE(api_variants_batch, do_variants_batch, 200, .reply = NULL)
WRITE(api_tag_add, do_tag_add, 201, .reply = NULL)
WRITE(api_tags_put, do_tags_update, 200, .reply = NULL)
WRITE(api_clone, do_clone, 201, .reply = NULL)

static bool query_true(lt_req_t *r, const char *name)
{
    lt_str_t v = lt_req_query(r, name);
    return v.ptr && lt_str_eq_c(v, "true");
}

static void api_env_on(lt_req_t *r, const lt_params_t *p)
{
    fctx_t c = {.on = true, .activate = query_true(r, "shouldActivateDisabledStrategies")};
    run_write(r, p, do_env_toggle, 200, &c);
}

static void api_bulk_on(lt_req_t *r, const lt_params_t *p)
{
    fctx_t c = {.on = true, .activate = query_true(r, "shouldActivateDisabledStrategies")};
    run_write(r, p, do_env_toggle_bulk, 200, &c);
}

static void api_tag_delete(lt_req_t *r, const lt_params_t *p)
{
    /* the tag's type and value ride in env and strategy */
    fctx_t c = {.env = lt_adm_param(p, "type"), .strategy = lt_adm_param(p, "value")};
    run_write(r, p, do_tag_remove, 200, &c);
}

#define PF "/api/admin/projects/:projectId/features/:featureName"
#define PE PF "/environments/:environment"

#define ROUTE LT_ADM_ROUTE
/* perm in the path's project */
#define FLAG(perm) LT_PERM(perm), LT_IN_PROJECT, .feature = "featureName"
/* perm in the path's project, for routes that name no flag */
#define PROJ(perm) LT_PERM(perm), LT_IN_PROJECT
/* perm in the project of the path's flag ("default" when there is no such flag) */
#define OF_FLAG(perm) LT_PERM(perm), .feature = "featureName"
/* ... and in the path's environment */
#define FLAG_ENV(perm) FLAG(perm), LT_IN_ENV

const lt_route_t lt_routes_admin_features[] = {
    ROUTE(LT_GET, "/api/admin/feature-types", api_feature_types, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/features/validate", api_validate, LT_AUTHENTICATED, LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/features", api_features_list, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/features/:featureName", api_feature_get, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/features/:featureName/tags", api_tags_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/features/:featureName/tags", api_tag_add, OF_FLAG("UPDATE_FEATURE"),
          LT_JSON_OBJECT),
    ROUTE(LT_PUT, "/api/admin/features/:featureName/tags", api_tags_put, OF_FLAG("UPDATE_FEATURE"),
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/features/:featureName/tags/:type/:value", api_tag_delete,
          OF_FLAG("UPDATE_FEATURE")),
    ROUTE(LT_GET, "/api/admin/archive/features", api_archived_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/archive/revive/:featureName", api_feature_revive,
          OF_FLAG("UPDATE_FEATURE")),
    ROUTE(LT_DELETE, "/api/admin/archive/:featureName", api_feature_delete,
          OF_FLAG("DELETE_FEATURE")),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/archived-features", api_archived_list,
          LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/revive", api_project_revive,
          PROJ("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/stale", api_stale_bulk, PROJ("UPDATE_FEATURE"),
          LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/bulk_features/environments/:environment/on",
          api_bulk_on, PROJ("UPDATE_FEATURE_ENVIRONMENT"), LT_IN_ENV, LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/bulk_features/environments/:environment/off",
          api_bulk_off, PROJ("UPDATE_FEATURE_ENVIRONMENT"), LT_IN_ENV, LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/features", api_features_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/projects/:projectId/features", api_feature_create,
          PROJ("CREATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_GET, PF, api_feature_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, PF, api_feature_put, FLAG("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_PATCH, PF, api_feature_patch, FLAG("UPDATE_FEATURE"), LT_JSON_ARRAY),
    ROUTE(LT_DELETE, PF, api_feature_archive, FLAG("DELETE_FEATURE")),
    ROUTE(LT_POST, PF "/clone", api_clone, FLAG("CREATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_POST, PF "/stale/on", api_stale_on, FLAG("UPDATE_FEATURE")),
    ROUTE(LT_POST, PF "/stale/off", api_stale_off, FLAG("UPDATE_FEATURE")),
    ROUTE(LT_PUT, PF "/variants-batch", api_variants_batch, FLAG("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_GET, PE, api_feature_env_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, PE "/on", api_env_on, FLAG_ENV("UPDATE_FEATURE_ENVIRONMENT")),
    ROUTE(LT_POST, PE "/off", api_env_off, FLAG_ENV("UPDATE_FEATURE_ENVIRONMENT")),
    ROUTE(LT_GET, PE "/variants", api_variants_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, PE "/variants", api_variants_put, FLAG_ENV("UPDATE_FEATURE_ENVIRONMENT_VARIANTS"),
          LT_JSON_ARRAY),
    ROUTE(LT_PATCH, PE "/variants", api_variants_patch,
          FLAG_ENV("UPDATE_FEATURE_ENVIRONMENT_VARIANTS"), LT_JSON_ARRAY),
    ROUTE(LT_GET, PE "/strategies", api_strategies_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, PE "/strategies", api_strategy_add, FLAG_ENV("CREATE_FEATURE_STRATEGY"),
          LT_JSON_OBJECT),
    ROUTE(LT_POST, PE "/strategies/set-sort-order", api_strategy_order,
          FLAG_ENV("UPDATE_FEATURE_STRATEGY"), LT_JSON_ARRAY),
    ROUTE(LT_GET, PE "/strategies/:strategyId", api_strategy_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, PE "/strategies/:strategyId", api_strategy_put,
          FLAG_ENV("UPDATE_FEATURE_STRATEGY"), LT_JSON_OBJECT),
    ROUTE(LT_PATCH, PE "/strategies/:strategyId", api_strategy_patch,
          FLAG_ENV("UPDATE_FEATURE_STRATEGY"), LT_JSON_ARRAY),
    ROUTE(LT_DELETE, PE "/strategies/:strategyId", api_strategy_delete,
          FLAG_ENV("DELETE_FEATURE_STRATEGY")),
    {0},
};
