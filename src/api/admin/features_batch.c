/*
 * features_batch.c: Unleash's import/export format (POST /api/admin/features-batch/export,
 * /validate, /import). An export is a document of the listed flags in one environment
 * (features, featureStrategies, featureEnvironments, contextFields, featureTags, segments,
 * tagTypes, dependencies: what their strategies and tags use). An import applies such a
 * document to one project and environment as Unleash does: flags created or updated, their
 * strategies in that environment replaced, its enabled state and variants set, their tags
 * replaced, missing tag types and context fields created, dependencies added; archived flags
 * are left out. Validation answers {errors, warnings, permissions}, each a list of
 * {message, affectedItems}; an import with errors is a 400, one without a permission a 403.
 * The whole import is one store transaction with its events: feature-created for each new flag,
 * then one features-imported.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../base/util.h"
#include "../../model/export.h"
#include "admin_int.h"

#define BAD_DATA(...) lt_write_fail(w, 400, "BadDataError", __VA_ARGS__)
/* At most this many flags in one import (the body limit bounds the rest). */
#define MAX_IMPORT_FEATURES 1000

/* ---------- export ---------- */

static bool has_name(const char *const *names, size_t n, const char *s)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(names[i], s) == 0)
            return true;
    return false;
}

static const lt_feature_env_t *env_of(const lt_feature_t *f, const char *env)
{
    for (size_t e = 0; e < f->n_envs; e++)
        if (strcmp(f->envs[e].environment, env) == 0)
            return &f->envs[e];
    return NULL;
}

static bool variants_use(const lt_variant_t *v, size_t n, const char *field)
{
    for (size_t i = 0; i < n; i++) {
        if (v[i].stickiness && strcmp(v[i].stickiness, field) == 0)
            return true;
        for (size_t o = 0; o < v[i].n_overrides; o++)
            if (strcmp(v[i].overrides[o].context_name, field) == 0)
                return true;
    }
    return false;
}

/* Does a strategy name a context field (a constraint, its stickiness, its variants)? */
static bool strategy_uses(const lt_strategy_t *s, const char *field)
{
    for (size_t c = 0; c < s->n_constraints; c++)
        if (strcmp(s->constraints[c].context_name, field) == 0)
            return true;
    for (size_t p = 0; p < s->n_params; p++)
        if (strcmp(s->params[p].key, "stickiness") == 0 && s->params[p].value &&
            strcmp(s->params[p].value, field) == 0)
            return true;
    return variants_use(s->variants, s->n_variants, field);
}

static bool field_used(const lt_feature_t *const *fs, size_t n, const char *env, const char *field)
{
    for (size_t i = 0; i < n; i++) {
        const lt_feature_env_t *fe = env_of(fs[i], env);
        if (!fe)
            continue;
        if (variants_use(fe->variants, fe->n_variants, field))
            return true;
        for (size_t k = 0; k < fe->n_strategies; k++)
            if (strategy_uses(&fe->strategies[k], field))
                return true;
    }
    return false;
}

static bool segment_used(const lt_feature_t *const *fs, size_t n, const char *env, int64_t id)
{
    for (size_t i = 0; i < n; i++) {
        const lt_feature_env_t *fe = env_of(fs[i], env);
        for (size_t k = 0; fe && k < fe->n_strategies; k++)
            for (size_t g = 0; g < fe->strategies[k].n_segments; g++)
                if (fe->strategies[k].segments[g] == id)
                    return true;
    }
    return false;
}

static bool tag_type_used(const lt_dataset_t *d, const lt_feature_t *const *fs, size_t n,
                          const char *type)
{
    for (size_t t = 0; t < d->n_tags; t++)
        if (strcmp(d->tags[t].type, type) == 0)
            for (size_t i = 0; i < n; i++)
                if (strcmp(d->tags[t].feature, fs[i]->name) == 0)
                    return true;
    return false;
}

/* The flags an export query selects: by tag value, by name, by project, else every one. */
static int export_select(lt_arena_t *a, const lt_dataset_t *d, const cJSON *body,
                         const lt_feature_t ***out, size_t *n, lt_write_t *w)
{
    const cJSON *tag = cJSON_GetObjectItemCaseSensitive(body, "tag");
    const cJSON *names = cJSON_GetObjectItemCaseSensitive(body, "features");
    const cJSON *project = cJSON_GetObjectItemCaseSensitive(body, "project");
    if (tag && !cJSON_IsString(tag))
        return BAD_DATA("\"tag\" must be a string");
    if (names && !cJSON_IsArray(names))
        return BAD_DATA("\"features\" must be an array of flag names");
    if (project && !cJSON_IsString(project))
        return BAD_DATA("\"project\" must be a string");
    const cJSON *it;
    cJSON_ArrayForEach(it, names)
    {
        if (!cJSON_IsString(it) || !it->valuestring[0])
            return BAD_DATA("\"features\" must be an array of flag names");
    }
    bool by_name = cJSON_GetArraySize(names) > 0;
    const lt_feature_t **fs = lt_arena_calloc(a, d->n_features + 1, sizeof(*fs));
    size_t k = 0;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        bool take;
        if (cJSON_IsString(tag)) {
            take = false;
            for (size_t t = 0; t < d->n_tags && !take; t++)
                take = strcmp(d->tags[t].feature, f->name) == 0 &&
                       strcmp(d->tags[t].value, tag->valuestring) == 0;
        } else if (by_name) {
            take = false;
            cJSON_ArrayForEach(it, names)
            {
                take = take || strcmp(it->valuestring, f->name) == 0;
            }
        } else if (cJSON_IsString(project)) {
            take = !f->archived && strcmp(f->project, project->valuestring) == 0;
        } else {
            take = !f->archived;
        }
        if (take)
            fs[k++] = f;
    }
    *out = fs;
    *n = k;
    return LT_OK;
}

static void write_export(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *const *fs,
                         size_t n, const char *env)
{
    lt_buf_puts(b, "{\"features\":[");
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *f = fs[i];
        lt_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        lt_json_cstr(b, f->name);
        lt_buf_puts(b, ",\"description\":");
        lt_json_cstr_or_null(b, f->description);
        lt_buf_puts(b, ",\"type\":");
        lt_json_cstr(b, f->type);
        lt_buf_puts(b, ",\"project\":");
        lt_json_cstr(b, f->project);
        lt_buf_printf(b, ",\"stale\":%s,\"impressionData\":%s,\"archived\":%s}",
                      f->stale ? "true" : "false", f->impression_data ? "true" : "false",
                      f->archived ? "true" : "false");
    }
    lt_buf_puts(b, "],\"featureStrategies\":[");
    bool first = true;
    for (size_t i = 0; i < n; i++) {
        const lt_feature_env_t *fe = env_of(fs[i], env);
        for (size_t k = 0; fe && k < fe->n_strategies; k++) {
            lt_buf_t one;
            lt_buf_init(&one, 0);
            lt_adm_write_strategy(&one, &fe->strategies[k]);
            lt_buf_puts(b, first ? "{\"featureName\":" : ",{\"featureName\":");
            first = false;
            lt_json_cstr(b, fs[i]->name);
            lt_buf_putc(b, ',');
            if (one.len > 1)
                lt_buf_append(b, one.ptr + 1, one.len - 1);
            lt_buf_dispose(&one);
        }
    }
    lt_buf_puts(b, "],\"featureEnvironments\":[");
    first = true;
    for (size_t i = 0; i < n; i++) {
        const lt_feature_env_t *fe = env_of(fs[i], env);
        if (!fe && !lt_dataset_project_has_env(d, fs[i]->project, env))
            continue;
        lt_buf_puts(b, first ? "{\"enabled\":" : ",{\"enabled\":");
        first = false;
        lt_json_bool(b, fe && fe->enabled);
        lt_buf_puts(b, ",\"featureName\":");
        lt_json_cstr(b, fs[i]->name);
        lt_buf_puts(b, ",\"environment\":");
        lt_json_cstr(b, env);
        lt_buf_puts(b, ",\"variants\":");
        lt_model_write_variants(b, fe ? fe->variants : NULL, fe ? fe->n_variants : 0, true);
        lt_buf_puts(b, ",\"name\":");
        lt_json_cstr(b, fs[i]->name);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, "],\"contextFields\":[");
    first = true;
    for (size_t i = 0; i < d->n_context_fields; i++) {
        const lt_context_field_t *c = &d->context_fields[i];
        if (!field_used(fs, n, env, c->name))
            continue;
        lt_buf_puts(b, first ? "{\"name\":" : ",{\"name\":");
        first = false;
        lt_json_cstr(b, c->name);
        lt_buf_puts(b, ",\"description\":");
        lt_json_cstr_or_null(b, c->description);
        lt_buf_printf(b, ",\"stickiness\":%s,\"sortOrder\":%d,\"legalValues\":",
                      c->stickiness ? "true" : "false", c->sort_order);
        lt_adm_write_list_text(b, c->legal_values);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, "],\"featureTags\":[");
    first = true;
    for (size_t t = 0; t < d->n_tags; t++) {
        bool mine = false;
        for (size_t i = 0; i < n && !mine; i++)
            mine = strcmp(d->tags[t].feature, fs[i]->name) == 0;
        if (!mine)
            continue;
        lt_buf_puts(b, first ? "{\"featureName\":" : ",{\"featureName\":");
        first = false;
        lt_json_cstr(b, d->tags[t].feature);
        lt_buf_puts(b, ",\"tagType\":");
        lt_json_cstr(b, d->tags[t].type);
        lt_buf_puts(b, ",\"tagValue\":");
        lt_json_cstr(b, d->tags[t].value);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, "],\"segments\":[");
    first = true;
    for (size_t i = 0; i < d->n_segments; i++) {
        if (!segment_used(fs, n, env, d->segments[i].id))
            continue;
        lt_buf_printf(b, "%s{\"id\":%lld,\"name\":", first ? "" : ",",
                      (long long)d->segments[i].id);
        first = false;
        lt_json_cstr(b, d->segments[i].name);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, "],\"tagTypes\":[");
    first = true;
    for (size_t i = 0; i < d->n_tag_types; i++) {
        const lt_tag_type_t *t = &d->tag_types[i];
        if (!tag_type_used(d, fs, n, t->name))
            continue;
        lt_buf_puts(b, first ? "{\"name\":" : ",{\"name\":");
        first = false;
        lt_json_cstr(b, t->name);
        lt_buf_puts(b, ",\"description\":");
        lt_json_cstr_or_null(b, t->description);
        lt_buf_puts(b, ",\"icon\":");
        lt_json_cstr_or_null(b, t->icon);
        lt_buf_puts(b, ",\"color\":");
        lt_json_cstr_or_null(b, t->color);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, "],\"dependencies\":[");
    first = true;
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *f = fs[i];
        if (!f->n_dependencies)
            continue;
        lt_buf_puts(b, first ? "{\"feature\":" : ",{\"feature\":");
        first = false;
        lt_json_cstr(b, f->name);
        lt_buf_puts(b, ",\"dependencies\":[");
        for (size_t k = 0; k < f->n_dependencies; k++) {
            const lt_dependency_t *dep = &f->dependencies[k];
            lt_buf_puts(b, k ? ",{\"feature\":" : "{\"feature\":");
            lt_json_cstr(b, dep->feature);
            lt_buf_puts(b, ",\"enabled\":");
            lt_json_bool(b, dep->enabled);
            if (dep->n_variants) {
                lt_buf_puts(b, ",\"variants\":[");
                for (size_t v = 0; v < dep->n_variants; v++) {
                    if (v)
                        lt_buf_putc(b, ',');
                    lt_json_cstr(b, dep->variants[v]);
                }
                lt_buf_putc(b, ']');
            }
            lt_buf_putc(b, '}');
        }
        lt_buf_puts(b, "]}");
    }
    lt_buf_puts(b, "]}");
}

static void api_export(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(body, "environment");
    if (!env) {
        lt_adm_reply_bad_body(r, "/body/environment", LT_ADM_REQUIRED, "/body/environment");
        return;
    }
    if (!cJSON_IsString(env) || !env->valuestring[0]) {
        lt_adm_reply_bad_body(r, "/body/environment",
                              "The `/body/environment` property must be a non-empty string.");
        return;
    }
    const cJSON *dl = cJSON_GetObjectItemCaseSensitive(body, "downloadFile");
    if (dl && !cJSON_IsBool(dl)) {
        lt_reply_error(r, 400, "BadDataError", "\"downloadFile\" must be a boolean");
        return;
    }
    const lt_feature_t **fs = NULL;
    size_t n = 0;
    lt_write_t w = {0};
    if (export_select(lt_req_arena(r), d, body, &fs, &n, &w) != LT_OK) {
        lt_adm_reply_write_error(r, &w);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_export(&b, d, fs, n, env->valuestring);
    if (cJSON_IsTrue(dl)) {
        char when[32], disp[96];
        lt_time_format(lt_now_ms(), when);
        when[10] = '\0'; /* the date */
        snprintf(disp, sizeof(disp), "attachment; filename=\"export-%s.json\"", when);
        lt_reply_header(r, "Content-Disposition", disp);
    }
    lt_adm_reply(r, 200, &b);
}

/* ---------- validate and import ---------- */

/* An import request, parsed and checked against the newest snapshot. */
typedef struct {
    const char *project, *env;
    const cJSON *data, *features, *strategies, *fenvs, *tags, *tag_types, *fields, *segments,
        *deps;
    /* what the checks found, for the reply and the write */
    const char **bad_strategies, **bad_fields, **other_project, **dups, **bad_segments,
        **missing_deps, **custom, **archived, **existing, **missing_perms;
    size_t n_bad_strategies, n_bad_fields, n_other_project, n_dups, n_bad_segments,
        n_missing_deps, n_custom, n_archived, n_existing, n_missing_perms;
} import_t;

static const cJSON *opt_list(const cJSON *obj, const char *key, bool *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (v && !cJSON_IsArray(v) && !cJSON_IsNull(v))
        *bad = true;
    return cJSON_IsArray(v) ? v : NULL;
}

static const char *item_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

/* The body's shape: project, environment and data with its lists, each item an object with
 * the names it needs. LT_OK, or LT_EINVAL with w set (400, or 404 for what does not exist). */
static int import_parse(const lt_dataset_t *d, const cJSON *body, import_t *im, lt_write_t *w)
{
    im->project = item_str(body, "project");
    im->env = item_str(body, "environment");
    im->data = cJSON_GetObjectItemCaseSensitive(body, "data");
    static const char *const required[] = {"project", "environment", "data"};
    for (size_t i = 0; i < LT_ARRAY_LEN(required); i++)
        if (!cJSON_GetObjectItemCaseSensitive(body, required[i])) {
            char path[32];
            snprintf(path, sizeof(path), "/body/%s", required[i]);
            return lt_write_bad_body(w, path, LT_ADM_REQUIRED, path);
        }
    if (!im->project || !im->project[0])
        return lt_write_bad_body(w, "/body/project", "The `/body/project` property must be a string.");
    if (!im->env || !im->env[0])
        return lt_write_bad_body(w, "/body/environment",
                                 "The `/body/environment` property must be a string.");
    if (!cJSON_IsObject(im->data))
        return lt_write_bad_body(w, "/body/data",
                                 "The `/body/data` property must be an export document.");
    bool bad = false;
    im->features = opt_list(im->data, "features", &bad);
    im->strategies = opt_list(im->data, "featureStrategies", &bad);
    im->fenvs = opt_list(im->data, "featureEnvironments", &bad);
    im->tags = opt_list(im->data, "featureTags", &bad);
    im->tag_types = opt_list(im->data, "tagTypes", &bad);
    im->fields = opt_list(im->data, "contextFields", &bad);
    im->segments = opt_list(im->data, "segments", &bad);
    im->deps = opt_list(im->data, "dependencies", &bad);
    if (bad || !im->features || !im->strategies)
        return BAD_DATA("\"data\" needs the lists \"features\" and \"featureStrategies\", and "
                        "its other members must be lists");
    if (cJSON_GetArraySize(im->features) > MAX_IMPORT_FEATURES)
        return BAD_DATA("An import holds at most %d flags", MAX_IMPORT_FEATURES);
    const cJSON *it;
    cJSON_ArrayForEach(it, im->features)
    {
        if (!lt_adm_name_ok(item_str(it, "name")))
            return BAD_DATA("every feature needs a URL-friendly \"name\"");
        const char *type = item_str(it, "type");
        if (type && !lt_adm_feature_type_ok(type))
            return BAD_DATA("\"type\" of %s is not a flag type", item_str(it, "name"));
    }
    cJSON_ArrayForEach(it, im->strategies)
    {
        if (!item_str(it, "name") || !item_str(it, "featureName"))
            return BAD_DATA("every feature strategy needs \"name\" and \"featureName\"");
    }
    cJSON_ArrayForEach(it, im->fenvs)
    {
        if (!cJSON_IsObject(it))
            return BAD_DATA("every feature environment must be an object");
    }
    cJSON_ArrayForEach(it, im->tags)
    {
        if (!item_str(it, "featureName") || !item_str(it, "tagValue"))
            return BAD_DATA("every feature tag needs \"featureName\" and \"tagValue\"");
    }
    cJSON_ArrayForEach(it, im->tag_types)
    {
        if (!lt_adm_name_ok(item_str(it, "name")))
            return BAD_DATA("every tag type needs a URL-friendly \"name\"");
    }
    cJSON_ArrayForEach(it, im->fields)
    {
        if (!lt_adm_name_ok(item_str(it, "name")))
            return BAD_DATA("every context field needs a \"name\"");
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(it, "legalValues");
        if (lv && !cJSON_IsArray(lv) && !cJSON_IsNull(lv))
            return BAD_DATA("\"legalValues\" of %s must be a list", item_str(it, "name"));
    }
    cJSON_ArrayForEach(it, im->segments)
    {
        if (!item_str(it, "name") || !cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(it, "id")))
            return BAD_DATA("every segment needs \"id\" and \"name\"");
    }
    cJSON_ArrayForEach(it, im->deps)
    {
        if (!item_str(it, "feature") ||
            !cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(it, "dependencies")))
            return BAD_DATA("every dependency needs \"feature\" and a \"dependencies\" list");
        const cJSON *pd;
        cJSON_ArrayForEach(pd, cJSON_GetObjectItemCaseSensitive(it, "dependencies"))
        {
            if (!item_str(pd, "feature"))
                return BAD_DATA("every parent dependency needs \"feature\"");
        }
    }
    if (!lt_dataset_project(d, im->project))
        return lt_write_fail(w, 404, "NotFoundError", "Could not find project with id %s",
                             im->project);
    if (!lt_dataset_env(d, im->env) || !lt_dataset_project_has_env(d, im->project, im->env))
        return lt_write_fail(w, 404, "NotFoundError",
                             "Could not find environment %s in project %s", im->env, im->project);
    return LT_OK;
}

/* A list of names in the arena, grown by one. */
static void push(lt_arena_t *a, const char ***list, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*list)[i], s) == 0)
            return;
    const char **grown = lt_arena_calloc(a, *n + 1, sizeof(*grown));
    if (*n)
        memcpy((void *)grown, (const void *)*list, *n * sizeof(*grown));
    grown[(*n)++] = lt_arena_strdup(a, s);
    *list = grown;
}

static bool custom_strategy(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_strategy_defs; i++)
        if (strcmp(d->strategy_defs[i].name, name) == 0)
            return true;
    return false;
}

/* Is every legal value of the imported field one the existing field has? */
static bool field_compatible(const lt_context_field_t *have, const cJSON *field)
{
    const cJSON *lv = cJSON_GetObjectItemCaseSensitive(field, "legalValues");
    if (!cJSON_GetArraySize(lv))
        return true;
    cJSON *mine = have->legal_values ? cJSON_Parse(have->legal_values) : NULL;
    bool ok = true;
    const cJSON *v;
    cJSON_ArrayForEach(v, lv)
    {
        const char *want = item_str(v, "value");
        bool found = false;
        const cJSON *m;
        cJSON_ArrayForEach(m, mine)
        {
            const char *got = item_str(m, "value");
            found = found || (want && got && strcmp(want, got) == 0);
        }
        ok = ok && found;
    }
    cJSON_Delete(mine);
    return ok;
}

static bool segment_available(const lt_dataset_t *d, const char *name, const char *project)
{
    for (size_t i = 0; i < d->n_segments; i++)
        if (strcmp(d->segments[i].name, name) == 0 &&
            (!d->segments[i].project || strcmp(d->segments[i].project, project) == 0))
            return true;
    return false;
}

static bool imported(const import_t *im, const char *name)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, im->features)
    {
        if (strcmp(item_str(it, "name"), name) == 0)
            return true;
    }
    return false;
}

/* Is a flag of the import left out (archived here)? */
static bool left_out(const import_t *im, const char *name)
{
    return has_name(im->archived, im->n_archived, name);
}

static void check_permissions(lt_arena_t *a, const lt_dataset_t *d, const lt_principal_t *who,
                              import_t *im, size_t n_new, bool strategies_exist)
{
    const char *need[8];
    size_t n = 0;
    need[n++] = "UPDATE_FEATURE";
    bool new_tag_types = false, new_fields = false, variants = false;
    const cJSON *it;
    cJSON_ArrayForEach(it, im->tag_types)
    {
        bool have = false;
        for (size_t i = 0; i < d->n_tag_types && !have; i++)
            have = strcmp(d->tag_types[i].name, item_str(it, "name")) == 0;
        new_tag_types = new_tag_types || !have;
    }
    cJSON_ArrayForEach(it, im->fields)
    {
        new_fields = new_fields || !lt_dataset_context_field(d, item_str(it, "name"));
    }
    cJSON_ArrayForEach(it, im->fenvs)
    {
        const cJSON *vs = cJSON_GetObjectItemCaseSensitive(it, "variants");
        variants = variants || (cJSON_IsArray(vs) && cJSON_GetArraySize(vs) > 0);
    }
    if (new_tag_types)
        need[n++] = "CREATE_TAG_TYPE";
    if (new_fields)
        need[n++] = "CREATE_CONTEXT_FIELD";
    if (strategies_exist)
        need[n++] = "DELETE_FEATURE_STRATEGY";
    if (cJSON_GetArraySize(im->strategies) > 0)
        need[n++] = "CREATE_FEATURE_STRATEGY";
    if (variants)
        need[n++] = "UPDATE_FEATURE_ENVIRONMENT_VARIANTS";
    if (n_new > 0)
        need[n++] = "CREATE_FEATURE";
    for (size_t i = 0; i < n; i++)
        if (!lt_access_can(d, who, need[i], im->project, im->env))
            push(a, &im->missing_perms, &im->n_missing_perms, need[i]);
}

/* Every check of Unleash's validation, into im's lists. */
static void import_check(lt_arena_t *a, const lt_dataset_t *d, const lt_principal_t *who,
                         import_t *im)
{
    const cJSON *it;
    size_t n_new = 0;
    bool strategies_exist = false;
    const char **seen = NULL;
    size_t n_seen = 0;
    cJSON_ArrayForEach(it, im->features)
    {
        const char *name = item_str(it, "name");
        if (has_name(seen, n_seen, name))
            push(a, &im->dups, &im->n_dups, name);
        push(a, &seen, &n_seen, name);
        const lt_feature_t *f = lt_dataset_feature(d, name);
        if (f && f->archived) {
            push(a, &im->archived, &im->n_archived, name);
        } else if (f && strcmp(f->project, im->project) != 0) {
            char buf[256];
            snprintf(buf, sizeof(buf), "%s (in project %s)", name, f->project);
            push(a, &im->other_project, &im->n_other_project, buf);
        } else if (f) {
            push(a, &im->existing, &im->n_existing, name);
            const lt_feature_env_t *fe = env_of(f, im->env);
            strategies_exist = strategies_exist || (fe && fe->n_strategies > 0);
        } else {
            n_new++;
        }
    }
    cJSON_ArrayForEach(it, im->strategies)
    {
        const char *name = item_str(it, "name");
        if (left_out(im, item_str(it, "featureName")))
            continue;
        if (!lt_adm_strategy_known(d, name))
            push(a, &im->bad_strategies, &im->n_bad_strategies, name);
        else if (custom_strategy(d, name))
            push(a, &im->custom, &im->n_custom, name);
    }
    cJSON_ArrayForEach(it, im->fields)
    {
        const lt_context_field_t *have = lt_dataset_context_field(d, item_str(it, "name"));
        if (have && !field_compatible(have, it))
            push(a, &im->bad_fields, &im->n_bad_fields, have->name);
    }
    cJSON_ArrayForEach(it, im->segments)
    {
        if (!segment_available(d, item_str(it, "name"), im->project))
            push(a, &im->bad_segments, &im->n_bad_segments, item_str(it, "name"));
    }
    cJSON_ArrayForEach(it, im->deps)
    {
        const cJSON *pd;
        cJSON_ArrayForEach(pd, cJSON_GetObjectItemCaseSensitive(it, "dependencies"))
        {
            const char *parent = item_str(pd, "feature");
            if (!imported(im, parent) && !lt_dataset_feature(d, parent))
                push(a, &im->missing_deps, &im->n_missing_deps, parent);
        }
    }
    check_permissions(a, d, who, im, n_new, strategies_exist);
}

static void write_items(lt_buf_t *b, bool *first, const char *msg, const char *const *items,
                        size_t n)
{
    if (!n)
        return;
    lt_buf_puts(b, *first ? "{\"message\":" : ",{\"message\":");
    *first = false;
    lt_json_cstr(b, msg);
    lt_buf_puts(b, ",\"affectedItems\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, items[i]);
    }
    lt_buf_puts(b, "]}");
}

/* {errors, warnings, permissions} of the checks; *n_errors counts the errors. */
static void write_validation(lt_buf_t *b, const import_t *im, size_t *n_errors)
{
    bool first = true;
    char other[256];
    snprintf(other, sizeof(other),
             "These flags already exist in other projects, so they cannot be imported into "
             "project %s:",
             im->project);
    lt_buf_puts(b, "{\"errors\":[");
    write_items(b, &first,
                "These strategy types do not exist here; create them before importing:",
                im->bad_strategies, im->n_bad_strategies);
    write_items(b, &first,
                "These context fields exist here without every legal value the import uses:",
                im->bad_fields, im->n_bad_fields);
    write_items(b, &first, other, im->other_project, im->n_other_project);
    write_items(b, &first, "These flags are listed more than once in the import:", im->dups,
                im->n_dups);
    write_items(b, &first, "These segments do not exist here; create them before importing:",
                im->bad_segments, im->n_bad_segments);
    write_items(b, &first,
                "These flags are parents of imported flags and exist neither here nor in the "
                "import:",
                im->missing_deps, im->n_missing_deps);
    *n_errors = im->n_bad_strategies + im->n_bad_fields + im->n_other_project + im->n_dups +
                im->n_bad_segments + im->n_missing_deps;
    lt_buf_puts(b, "],\"warnings\":[");
    first = true;
    write_items(b, &first,
                "These custom strategy types are used; check their parameters are defined as in "
                "the source:",
                im->custom, im->n_custom);
    write_items(b, &first,
                "These flags are archived here and will not be imported; revive them first to "
                "import them:",
                im->archived, im->n_archived);
    write_items(b, &first, "These flags exist in this project and will be overwritten:",
                im->existing, im->n_existing);
    lt_buf_puts(b, "],\"permissions\":[");
    first = true;
    const char *display[8];
    char names[8][64];
    size_t nd = 0;
    for (size_t i = 0; i < im->n_missing_perms && nd < 8; i++, nd++) {
        /* "CREATE_FEATURE" -> "Create feature", as GET /api/admin/permissions shows it */
        size_t k = 0;
        for (const char *c = im->missing_perms[i]; *c && k + 1 < sizeof(names[nd]); c++, k++)
            names[nd][k] = *c == '_' ? ' '
                                     : (char)(c == im->missing_perms[i]
                                                  ? *c
                                                  : tolower((unsigned char)*c));
        names[nd][k] = '\0';
        display[nd] = names[nd];
    }
    write_items(b, &first, "These permissions are missing for this import:", display, nd);
    lt_buf_puts(b, "]}");
}

typedef struct {
    cJSON *body;
    lt_principal_t who;
    lt_arena_t *a;
    bool apply;  /* import (else validate) */
    char *reply; /* validate's answer */
} batch_ctx_t;

/* The strategy JSON of an import with its segment ids mapped to this instance's (by name),
 * without the keys Unleash's export adds. A copy: cJSON_Delete it. */
static cJSON *strategy_here(const lt_dataset_t *d, const import_t *im, const cJSON *st)
{
    cJSON *j = cJSON_Duplicate(st, true);
    cJSON_DeleteItemFromObjectCaseSensitive(j, "featureName");
    cJSON_DeleteItemFromObjectCaseSensitive(j, "id");
    const cJSON *segs = cJSON_GetObjectItemCaseSensitive(st, "segments");
    if (!cJSON_IsArray(segs))
        return j;
    cJSON *mapped = cJSON_CreateArray();
    const cJSON *sid;
    cJSON_ArrayForEach(sid, segs)
    {
        const char *name = NULL;
        const cJSON *seg;
        cJSON_ArrayForEach(seg, im->segments)
        {
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(seg, "id");
            if (cJSON_IsNumber(sid) && id->valuedouble == sid->valuedouble)
                name = item_str(seg, "name");
        }
        for (size_t i = 0; name && i < d->n_segments; i++)
            if (strcmp(d->segments[i].name, name) == 0 &&
                (!d->segments[i].project || strcmp(d->segments[i].project, im->project) == 0)) {
                cJSON_AddItemToArray(mapped, cJSON_CreateNumber((double)d->segments[i].id));
                break;
            }
    }
    cJSON_ReplaceItemInObjectCaseSensitive(j, "segments", mapped);
    return j;
}

static const cJSON *fenv_of(const import_t *im, const char *name)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, im->fenvs)
    {
        const char *fn = item_str(it, "featureName");
        if (!fn)
            fn = item_str(it, "name");
        if (fn && strcmp(fn, name) == 0)
            return it;
    }
    return NULL;
}

/* One imported flag as it will be stored: the existing one (or a new one) with the import's
 * metadata, its state in the environment replaced, its dependencies added. */
static int build_flag(lt_arena_t *a, const lt_dataset_t *d, const import_t *im, const cJSON *jf,
                      lt_feature_t *out, lt_write_t *w)
{
    const char *name = item_str(jf, "name");
    const lt_feature_t *have = lt_dataset_feature(d, name);
    if (have) {
        *out = *lt_adm_feature_dup(a, have);
    } else {
        memset(out, 0, sizeof(*out));
        out->name = lt_arena_strdup(a, name);
        out->project = im->project;
        out->type = "release";
        out->created_at = lt_now_ms();
    }
    const char *type = item_str(jf, "type");
    if (type && type[0])
        out->type = lt_arena_strdup(a, type);
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(jf, "description");
    if (cJSON_IsString(desc))
        out->description = desc->valuestring[0] ? lt_arena_strdup(a, desc->valuestring) : NULL;
    const cJSON *imp = cJSON_GetObjectItemCaseSensitive(jf, "impressionData");
    if (cJSON_IsBool(imp))
        out->impression_data = cJSON_IsTrue(imp);
    const cJSON *stale = cJSON_GetObjectItemCaseSensitive(jf, "stale");
    if (cJSON_IsBool(stale))
        out->stale = cJSON_IsTrue(stale);

    lt_feature_env_t *fe = lt_adm_env_state(a, out, im->env);
    fe->strategies = NULL;
    fe->n_strategies = 0;
    const cJSON *st;
    cJSON_ArrayForEach(st, im->strategies)
    {
        if (strcmp(item_str(st, "featureName"), name) != 0)
            continue;
        if (fe->n_strategies >= LT_ADM_MAX_STRATEGIES)
            return lt_write_fail(w, 400, "ExceedsLimitError",
                                 "%s has more than %d strategies in the import", name,
                                 LT_ADM_MAX_STRATEGIES);
        cJSON *j = strategy_here(d, im, st);
        lt_strategy_t *s = lt_adm_add_strategy(a, fe);
        int rc = lt_adm_parse_strategy(a, d, j, name, NULL, s, w);
        cJSON_Delete(j);
        if (rc != LT_OK)
            return rc;
        s->id = NULL; /* a fresh id, as a strategy created here gets */
        if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(st, "sortOrder")))
            s->sort_order = (int)fe->n_strategies - 1;
    }
    const cJSON *fenv = fenv_of(im, name);
    if (fenv) {
        fe->enabled = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(fenv, "enabled"));
        const cJSON *vs = cJSON_GetObjectItemCaseSensitive(fenv, "variants");
        if (vs && !cJSON_IsArray(vs) && !cJSON_IsNull(vs))
            return BAD_DATA("\"variants\" of %s must be a list", name);
        if (cJSON_GetArraySize(vs) > 0 &&
            lt_adm_parse_variants(a, vs, false, &fe->variants, &fe->n_variants, w) != LT_OK)
            return LT_EINVAL;
    }

    const cJSON *dep;
    cJSON_ArrayForEach(dep, im->deps)
    {
        if (strcmp(item_str(dep, "feature"), name) != 0)
            continue;
        const cJSON *pd;
        cJSON_ArrayForEach(pd, cJSON_GetObjectItemCaseSensitive(dep, "dependencies"))
        {
            const char *parent = item_str(pd, "feature");
            if (left_out(im, parent))
                continue;
            size_t k = 0;
            while (k < out->n_dependencies && strcmp(out->dependencies[k].feature, parent) != 0)
                k++;
            if (k == out->n_dependencies) {
                lt_dependency_t *grown =
                    lt_arena_calloc(a, out->n_dependencies + 1, sizeof(*grown));
                if (out->n_dependencies)
                    memcpy(grown, out->dependencies, out->n_dependencies * sizeof(*grown));
                out->dependencies = grown;
                out->n_dependencies++;
            }
            lt_dependency_t *dd = &out->dependencies[k];
            memset(dd, 0, sizeof(*dd));
            dd->feature = lt_arena_strdup(a, parent);
            const cJSON *en = cJSON_GetObjectItemCaseSensitive(pd, "enabled");
            dd->enabled = !cJSON_IsFalse(en);
            const cJSON *vs = cJSON_GetObjectItemCaseSensitive(pd, "variants");
            size_t nv = (size_t)cJSON_GetArraySize(vs);
            if (dd->enabled && nv) {
                dd->variants = lt_arena_calloc(a, nv, sizeof(*dd->variants));
                const cJSON *v;
                cJSON_ArrayForEach(v, vs)
                {
                    if (cJSON_IsString(v))
                        dd->variants[dd->n_variants++] = lt_arena_strdup(a, v->valuestring);
                }
            }
        }
    }
    return LT_OK;
}

/* The import's document: flags (those with a parent in the import last), their tags grouped
 * by flag, the tag types and context fields to create. */
static int build_doc(lt_arena_t *a, const lt_dataset_t *d, const import_t *im,
                     lt_export_doc_t *doc, lt_write_t *w)
{
    memset(doc, 0, sizeof(*doc));
    size_t nf = (size_t)cJSON_GetArraySize(im->features);
    doc->features = lt_arena_calloc(a, nf + 1, sizeof(*doc->features));
    for (int pass = 0; pass < 2; pass++) {
        const cJSON *jf;
        cJSON_ArrayForEach(jf, im->features)
        {
            const char *name = item_str(jf, "name");
            if (left_out(im, name))
                continue;
            bool has_parent_here = false;
            const cJSON *dep;
            cJSON_ArrayForEach(dep, im->deps)
            {
                if (strcmp(item_str(dep, "feature"), name) != 0)
                    continue;
                const cJSON *pd;
                cJSON_ArrayForEach(pd, cJSON_GetObjectItemCaseSensitive(dep, "dependencies"))
                {
                    has_parent_here = has_parent_here || imported(im, item_str(pd, "feature"));
                }
            }
            if (has_parent_here != (pass == 1))
                continue;
            if (build_flag(a, d, im, jf, &doc->features[doc->n_features], w) != LT_OK)
                return LT_EINVAL;
            doc->n_features++;
        }
    }
    /* tags: each flag's from the import (type "simple" when none), grouped by flag */
    size_t nt = (size_t)cJSON_GetArraySize(im->tags);
    doc->tags = lt_arena_calloc(a, nt + 1, sizeof(*doc->tags));
    const char **types = NULL;
    size_t n_types = 0;
    for (size_t i = 0; i < doc->n_features; i++) {
        const cJSON *t;
        cJSON_ArrayForEach(t, im->tags)
        {
            if (strcmp(item_str(t, "featureName"), doc->features[i].name) != 0)
                continue;
            const char *type = item_str(t, "tagType");
            type = type && type[0] ? type : "simple";
            const char *value = item_str(t, "tagValue");
            if (!lt_adm_name_valid(type, 2, 50) || strlen(value) < 2 || strlen(value) > 50)
                return BAD_DATA("The tag %s:%s of %s is not valid", type, value,
                                doc->features[i].name);
            bool dup = false;
            for (size_t k = 0; k < doc->n_tags && !dup; k++)
                dup = strcmp(doc->tags[k].feature, doc->features[i].name) == 0 &&
                      strcmp(doc->tags[k].type, type) == 0 &&
                      strcmp(doc->tags[k].value, value) == 0;
            if (dup)
                continue;
            lt_tag_t *tag = &doc->tags[doc->n_tags++];
            tag->feature = doc->features[i].name;
            tag->type = lt_arena_strdup(a, type);
            tag->value = lt_arena_strdup(a, value);
            push(a, &types, &n_types, tag->type);
        }
    }
    /* tag types the tags need that do not exist: from the import's list, else bare */
    doc->tag_types = lt_arena_calloc(a, n_types + 1, sizeof(*doc->tag_types));
    for (size_t i = 0; i < n_types; i++) {
        bool have = false;
        for (size_t k = 0; k < d->n_tag_types && !have; k++)
            have = strcmp(d->tag_types[k].name, types[i]) == 0;
        if (have)
            continue;
        lt_tag_type_t *tt = &doc->tag_types[doc->n_tag_types++];
        tt->name = types[i];
        const cJSON *j;
        cJSON_ArrayForEach(j, im->tag_types)
        {
            if (strcmp(item_str(j, "name"), types[i]) != 0)
                continue;
            const char *desc = item_str(j, "description"), *icon = item_str(j, "icon"),
                       *color = item_str(j, "color");
            tt->description = desc ? lt_arena_strdup(a, desc) : NULL;
            tt->icon = icon ? lt_arena_strdup(a, icon) : NULL;
            tt->color = color && strlen(color) <= 16 ? lt_arena_strdup(a, color) : NULL;
        }
    }
    /* context fields that do not exist */
    size_t nc = (size_t)cJSON_GetArraySize(im->fields);
    doc->context_fields = lt_arena_calloc(a, nc + 1, sizeof(*doc->context_fields));
    const cJSON *cf;
    cJSON_ArrayForEach(cf, im->fields)
    {
        const char *name = item_str(cf, "name");
        bool again = false;
        for (size_t k = 0; k < doc->n_context_fields && !again; k++)
            again = strcmp(doc->context_fields[k].name, name) == 0;
        if (again || lt_dataset_context_field(d, name))
            continue;
        lt_context_field_t *c = &doc->context_fields[doc->n_context_fields++];
        c->name = lt_arena_strdup(a, name);
        const char *desc = item_str(cf, "description");
        c->description = desc ? lt_arena_strdup(a, desc) : NULL;
        c->stickiness = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(cf, "stickiness"));
        const cJSON *so = cJSON_GetObjectItemCaseSensitive(cf, "sortOrder");
        c->sort_order = cJSON_IsNumber(so) ? (int)lt_double_clamp(so->valuedouble, 0, 1e6) : 0;
        const cJSON *lv = cJSON_GetObjectItemCaseSensitive(cf, "legalValues");
        char *text = cJSON_IsArray(lv) ? cJSON_PrintUnformatted(lv) : NULL;
        c->legal_values = lt_arena_strdup(a, text ? text : "[]");
        cJSON_free(text);
        c->created_at = lt_now_ms();
    }
    return LT_OK;
}

static int do_batch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    batch_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    import_t im;
    memset(&im, 0, sizeof(im));
    if (import_parse(d, c->body, &im, w) != LT_OK)
        return LT_EINVAL;
    import_check(c->a, d, &c->who, &im);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    size_t n_errors = 0;
    write_validation(&b, &im, &n_errors);
    c->reply = lt_adm_buf_arena(c->a, &b);
    if (!c->apply)
        return LT_ENOTFOUND; /* validate: nothing to write, the reply is built */
    if (n_errors) {
        const char *first = im.n_bad_strategies ? "strategy types that do not exist"
                            : im.n_bad_fields   ? "context fields without the legal values used"
                            : im.n_other_project ? "flags that exist in other projects"
                            : im.n_dups          ? "flags listed more than once"
                            : im.n_bad_segments  ? "segments that do not exist"
                                                 : "parents that exist nowhere";
        const char *item = im.n_bad_strategies  ? im.bad_strategies[0]
                           : im.n_bad_fields    ? im.bad_fields[0]
                           : im.n_other_project ? im.other_project[0]
                           : im.n_dups          ? im.dups[0]
                           : im.n_bad_segments  ? im.bad_segments[0]
                                                : im.missing_deps[0];
        return BAD_DATA("The import cannot be applied: it uses %s (%s, ...). "
                        "POST /api/admin/features-batch/validate lists every problem.",
                        first, item);
    }
    if (im.n_missing_perms)
        return lt_write_fail(w, 403, "PermissionError",
                             "You don't have the required permissions: %s%s",
                             im.missing_perms[0], im.n_missing_perms > 1 ? " and more" : "");
    lt_export_doc_t doc;
    if (build_doc(c->a, d, &im, &doc, w) != LT_OK)
        return LT_EINVAL;
    /* a feature-created event for each new flag (its creator is the importer), then the
     * import's own */
    lt_event_t *evs = lt_arena_calloc(c->a, doc.n_features + 1, sizeof(*evs));
    size_t n_evs = 0;
    for (size_t i = 0; i < doc.n_features; i++) {
        if (lt_dataset_feature(d, doc.features[i].name))
            continue;
        lt_event_t *e = &evs[n_evs++];
        *e = lt_admin_event(&c->who, "feature-created");
        e->project = im.project;
        e->feature_name = doc.features[i].name;
        e->data = lt_adm_feature_json(c->a, d, &doc.features[i]);
    }
    char data[128];
    snprintf(data, sizeof(data), "{\"features\":%zu}", doc.n_features);
    lt_event_t *ev = &evs[n_evs++];
    *ev = lt_admin_event(&c->who, "features-imported");
    ev->project = im.project;
    ev->environment = im.env;
    ev->data = data;
    int rc = lt_store_import_into(s, &doc, evs, n_evs);
    if (rc == LT_EINVAL)
        return BAD_DATA("The import breaks a rule of the store; nothing was imported");
    return rc;
}

static void run_batch(lt_req_t *r, bool apply)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    batch_ctx_t c = {ac->body, ac->who, lt_req_arena(r), apply, NULL};
    lt_write_t w = {.ctx = &c};
    if (apply) {
        if (lt_admin_write(r, do_batch, &w) == LT_OK)
            lt_reply_empty(r, 200);
        return;
    }
    /* validate: the same checks on the current snapshot, nothing written */
    lt_snapshot_t *snap = lt_req_snapshot(r);
    if (do_batch(NULL, snap, &w) == LT_ENOTFOUND)
        lt_reply_json(r, 200, c.reply);
    else
        lt_adm_reply_write_error(r, &w);
}

static void api_validate(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    run_batch(r, false);
}

static void api_import(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    run_batch(r, true);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_features_batch[] = {
    ROUTE(LT_POST, "/api/admin/features-batch/export", api_export, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/features-batch/validate", api_validate, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/features-batch/import", api_import, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    {0},
};
