/*
 * model_json.c: building the model from JSON (cJSON trees). Used by `latch import`, by the
 * snapshot builder for the JSON columns of the store, and by `latch offline` for its file.
 * Lenient where Unleash is (numbers for string parameters), strict about shapes.
 */
#include "model_json.h"

#include <stdio.h>
#include <stdlib.h>

#include "../base/util.h"

#define FAIL(m)                                                                                    \
    do {                                                                                           \
        err->msg = (m);                                                                            \
        return LT_EINVAL;                                                                          \
    } while (0)

cJSON *lt_json_parse(const char *p, size_t n)
{
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(p, n, &end, false);
    if (!j)
        return NULL;
    while (end && end < p + n && (*end == ' ' || *end == '\t' || *end == '\n' || *end == '\r'))
        end++;
    if (!end || end != p + n) {
        cJSON_Delete(j);
        return NULL;
    }
    return j;
}

/* A string, or a number/bool turned into its text; NULL for anything else. */
static const char *scalar_text(lt_arena_t *a, const cJSON *j)
{
    if (cJSON_IsString(j))
        return lt_arena_strdup(a, j->valuestring);
    if (cJSON_IsNumber(j)) {
        char tmp[64];
        double d = j->valuedouble;
        if (d > -1e15 && d < 1e15 && d == (double)(long long)d) /* range first: no UB */
            snprintf(tmp, sizeof(tmp), "%lld", (long long)d);
        else
            snprintf(tmp, sizeof(tmp), "%.17g", d);
        return lt_arena_strdup(a, tmp);
    }
    if (cJSON_IsBool(j))
        return lt_arena_strdup(a, cJSON_IsTrue(j) ? "true" : "false");
    return NULL;
}

static const char *opt_string(lt_arena_t *a, const cJSON *obj, const char *key)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(j) ? lt_arena_strdup(a, j->valuestring) : NULL;
}

static bool opt_bool(const cJSON *obj, const char *key, bool dflt)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsBool(j) ? cJSON_IsTrue(j) : dflt;
}

static int string_list(lt_arena_t *a, const cJSON *j, const char ***out, size_t *n,
                       lt_parse_err_t *err)
{
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return LT_OK;
    if (!cJSON_IsArray(j))
        FAIL("expected a list of strings");
    size_t cnt = (size_t)cJSON_GetArraySize(j);
    const char **v = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*v));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        const char *s = scalar_text(a, it);
        if (!s)
            FAIL("expected a list of strings");
        v[k++] = s;
    }
    *out = v;
    *n = k;
    return LT_OK;
}

int lt_model_parse_constraints(lt_arena_t *a, const cJSON *j, lt_constraint_t **out, size_t *n,
                               lt_parse_err_t *err)
{
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return LT_OK;
    if (!cJSON_IsArray(j))
        FAIL("constraints must be a list");
    size_t cnt = (size_t)cJSON_GetArraySize(j);
    lt_constraint_t *c = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*c));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (!cJSON_IsObject(it))
            FAIL("a constraint must be an object");
        lt_constraint_t *x = &c[k++];
        x->context_name = opt_string(a, it, "contextName");
        x->op = opt_string(a, it, "operator");
        if (!x->context_name || !x->op)
            FAIL("a constraint needs contextName and operator");
        const cJSON *vals = cJSON_GetObjectItemCaseSensitive(it, "values");
        x->has_values = cJSON_IsArray(vals);
        if (string_list(a, vals, &x->values, &x->n_values, err) != LT_OK)
            return LT_EINVAL;
        const cJSON *val = cJSON_GetObjectItemCaseSensitive(it, "value");
        x->value = val && !cJSON_IsNull(val) ? scalar_text(a, val) : NULL;
        if (val && !cJSON_IsNull(val) && !x->value)
            FAIL("a constraint value must be a string");
        x->inverted = opt_bool(it, "inverted", false);
        x->case_insensitive = opt_bool(it, "caseInsensitive", false);
    }
    *out = c;
    *n = k;
    return LT_OK;
}

int lt_model_parse_params(lt_arena_t *a, const cJSON *j, lt_param_t **out, size_t *n,
                          lt_parse_err_t *err)
{
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return LT_OK;
    if (!cJSON_IsObject(j))
        FAIL("parameters must be an object");
    size_t cnt = (size_t)cJSON_GetArraySize(j);
    lt_param_t *p = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*p));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (cJSON_IsNull(it))
            continue;
        const char *v = scalar_text(a, it);
        if (!v)
            FAIL("parameter values must be strings");
        p[k].key = lt_arena_strdup(a, it->string);
        p[k].value = v;
        k++;
    }
    *out = p;
    *n = k;
    return LT_OK;
}

int lt_model_parse_variants(lt_arena_t *a, const cJSON *j, lt_variant_t **out, size_t *n,
                            lt_parse_err_t *err)
{
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return LT_OK;
    if (!cJSON_IsArray(j))
        FAIL("variants must be a list");
    size_t cnt = (size_t)cJSON_GetArraySize(j);
    lt_variant_t *v = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*v));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (!cJSON_IsObject(it))
            FAIL("a variant must be an object");
        lt_variant_t *x = &v[k++];
        x->name = opt_string(a, it, "name");
        if (!x->name)
            FAIL("a variant needs a name");
        const cJSON *w = cJSON_GetObjectItemCaseSensitive(it, "weight");
        if (w && !cJSON_IsNumber(w))
            FAIL("a variant weight must be a number");
        double wd = w ? w->valuedouble : 0;
        if (wd < 0 || wd > 1000)
            FAIL("a variant weight must be between 0 and 1000");
        x->weight = (int)wd;
        x->weight_type = opt_string(a, it, "weightType");
        x->stickiness = opt_string(a, it, "stickiness");
        const cJSON *pl = cJSON_GetObjectItemCaseSensitive(it, "payload");
        if (cJSON_IsObject(pl)) {
            lt_payload_t *p = lt_arena_calloc(a, 1, sizeof(*p));
            p->type = opt_string(a, pl, "type");
            const cJSON *pv = cJSON_GetObjectItemCaseSensitive(pl, "value");
            p->value = scalar_text(a, pv);
            if (!p->value && pv && (cJSON_IsObject(pv) || cJSON_IsArray(pv))) {
                char *txt = cJSON_PrintUnformatted(pv);
                p->value = lt_arena_strdup(a, txt);
                cJSON_free(txt);
            }
            if (!p->type || !p->value)
                FAIL("a variant payload needs a type and a value");
            x->payload = p;
        } else if (pl && !cJSON_IsNull(pl)) {
            FAIL("a variant payload must be an object");
        }
        const cJSON *ov = cJSON_GetObjectItemCaseSensitive(it, "overrides");
        if (cJSON_IsArray(ov)) {
            size_t no = (size_t)cJSON_GetArraySize(ov);
            x->overrides = lt_arena_calloc(a, no ? no : 1, sizeof(*x->overrides));
            const cJSON *o;
            cJSON_ArrayForEach(o, ov)
            {
                lt_override_t *y = &x->overrides[x->n_overrides++];
                y->context_name = opt_string(a, o, "contextName");
                if (!y->context_name)
                    FAIL("a variant override needs a contextName");
                if (string_list(a, cJSON_GetObjectItemCaseSensitive(o, "values"), &y->values,
                                &y->n_values, err) != LT_OK)
                    return LT_EINVAL;
            }
        }
    }
    *out = v;
    *n = k;
    return LT_OK;
}

static int id_cmp(const void *pa, const void *pb)
{
    int64_t a = *(const int64_t *)pa, b = *(const int64_t *)pb;
    return a < b ? -1 : a > b;
}

int lt_model_parse_segment_ids(lt_arena_t *a, const cJSON *j, int64_t **out, size_t *n,
                               lt_parse_err_t *err)
{
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return LT_OK;
    if (!cJSON_IsArray(j))
        FAIL("segments must be a list of ids");
    size_t cnt = (size_t)cJSON_GetArraySize(j);
    int64_t *ids = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*ids));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (!cJSON_IsNumber(it) ||
            lt_double_to_i64(it->valuedouble, INT64_MIN, INT64_MAX, &ids[k]) != LT_OK)
            FAIL("segment ids must be integers");
        k++;
    }
    qsort(ids, k, sizeof(*ids), id_cmp);
    *out = ids;
    *n = k;
    return LT_OK;
}

int lt_model_parse_strategy(lt_arena_t *a, const cJSON *j, lt_strategy_t *s, lt_parse_err_t *err)
{
    memset(s, 0, sizeof(*s));
    if (!cJSON_IsObject(j))
        FAIL("a strategy must be an object");
    s->name = opt_string(a, j, "name");
    if (!s->name)
        FAIL("a strategy needs a name");
    s->id = opt_string(a, j, "id");
    s->title = opt_string(a, j, "title");
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(j, "sortOrder");
    s->sort_order =
        cJSON_IsNumber(so) ? (int)lt_double_clamp(so->valuedouble, INT_MIN, INT_MAX) : 0;
    s->disabled = opt_bool(j, "disabled", false);
    if (lt_model_parse_params(a, cJSON_GetObjectItemCaseSensitive(j, "parameters"), &s->params,
                              &s->n_params, err) != LT_OK ||
        lt_model_parse_constraints(a, cJSON_GetObjectItemCaseSensitive(j, "constraints"),
                                   &s->constraints, &s->n_constraints, err) != LT_OK ||
        lt_model_parse_segment_ids(a, cJSON_GetObjectItemCaseSensitive(j, "segments"),
                                   &s->segments, &s->n_segments, err) != LT_OK ||
        lt_model_parse_variants(a, cJSON_GetObjectItemCaseSensitive(j, "variants"), &s->variants,
                                &s->n_variants, err) != LT_OK)
        return LT_EINVAL;
    return LT_OK;
}

int lt_model_parse_dependencies(lt_arena_t *a, const cJSON *j, lt_dependency_t **out, size_t *n,
                                lt_parse_err_t *err)
{
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return LT_OK;
    if (!cJSON_IsArray(j))
        FAIL("dependencies must be a list");
    size_t cnt = (size_t)cJSON_GetArraySize(j);
    lt_dependency_t *d = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*d));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        lt_dependency_t *x = &d[k++];
        x->feature = opt_string(a, it, "feature");
        if (!x->feature)
            FAIL("a dependency needs a feature");
        x->enabled = opt_bool(it, "enabled", true);
        if (string_list(a, cJSON_GetObjectItemCaseSensitive(it, "variants"), &x->variants,
                        &x->n_variants, err) != LT_OK)
            return LT_EINVAL;
    }
    *out = d;
    *n = k;
    return LT_OK;
}

int lt_model_parse_segment(lt_arena_t *a, const cJSON *j, lt_segment_t *s, lt_parse_err_t *err)
{
    memset(s, 0, sizeof(*s));
    const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
    if (!cJSON_IsNumber(id) || lt_double_to_i64(id->valuedouble, 1, INT64_MAX, &s->id) != LT_OK)
        FAIL("a segment needs a positive integer id");
    s->name = opt_string(a, j, "name");
    if (!s->name) {
        char tmp[32];
        snprintf(tmp, sizeof(tmp), "segment-%lld", (long long)s->id);
        s->name = lt_arena_strdup(a, tmp);
    }
    s->description = opt_string(a, j, "description");
    s->project = opt_string(a, j, "project");
    return lt_model_parse_constraints(a, cJSON_GetObjectItemCaseSensitive(j, "constraints"),
                                      &s->constraints, &s->n_constraints, err);
}

int lt_model_parse_feature(lt_arena_t *a, const cJSON *j, const char *env, lt_feature_t *f,
                           lt_parse_err_t *err)
{
    memset(f, 0, sizeof(*f));
    if (!cJSON_IsObject(j))
        FAIL("a feature must be an object");
    f->name = opt_string(a, j, "name");
    if (!f->name || !f->name[0])
        FAIL("a feature needs a name");
    snprintf(err->where, sizeof(err->where), "%s", f->name);
    f->type = opt_string(a, j, "type");
    if (!f->type)
        f->type = "release";
    f->description = opt_string(a, j, "description");
    f->project = opt_string(a, j, "project");
    if (!f->project || !f->project[0])
        f->project = "default";
    if (!lt_model_scope_id_ok(f->project))
        FAIL("a project id is 1 to 100 letters, digits, '-', '_' or '~'");
    f->stale = opt_bool(j, "stale", false);
    f->impression_data = opt_bool(j, "impressionData", false);
    const char *created = opt_string(a, j, "createdAt");
    if (created)
        lt_time_parse(created, strlen(created), &f->created_at);
    lt_feature_env_t *fe = lt_arena_calloc(a, 1, sizeof(*fe));
    f->envs = fe;
    f->n_envs = 1;
    fe->environment = lt_arena_strdup(a, env);
    fe->enabled = opt_bool(j, "enabled", false);
    const cJSON *st = cJSON_GetObjectItemCaseSensitive(j, "strategies");
    if (st && !cJSON_IsNull(st)) {
        if (!cJSON_IsArray(st))
            FAIL("strategies must be a list");
        size_t cnt = (size_t)cJSON_GetArraySize(st);
        fe->strategies = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*fe->strategies));
        const cJSON *it;
        int order = 0;
        cJSON_ArrayForEach(it, st)
        {
            lt_strategy_t *s = &fe->strategies[fe->n_strategies++];
            if (lt_model_parse_strategy(a, it, s, err) != LT_OK)
                return LT_EINVAL;
            if (!cJSON_GetObjectItemCaseSensitive(it, "sortOrder"))
                s->sort_order = order;
            order++;
        }
    }
    if (lt_model_parse_variants(a, cJSON_GetObjectItemCaseSensitive(j, "variants"), &fe->variants,
                                &fe->n_variants, err) != LT_OK ||
        lt_model_parse_dependencies(a, cJSON_GetObjectItemCaseSensitive(j, "dependencies"),
                                    &f->dependencies, &f->n_dependencies, err) != LT_OK)
        return LT_EINVAL;
    return LT_OK;
}

static int seg_cmp(const void *pa, const void *pb)
{
    const lt_segment_t *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* Edge's simple bootstrap map: {"flag": {"enabled": bool, "variant": "name"?}}. */
static int parse_simple_map(lt_arena_t *a, const cJSON *root, const char *env,
                            lt_client_doc_t *out, lt_parse_err_t *err)
{
    size_t cnt = (size_t)cJSON_GetArraySize(root);
    out->features = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*out->features));
    const cJSON *it;
    cJSON_ArrayForEach(it, root)
    {
        if (!cJSON_IsObject(it))
            FAIL("a bootstrap map entry must be an object");
        lt_feature_t *f = &out->features[out->n_features++];
        memset(f, 0, sizeof(*f));
        f->name = lt_arena_strdup(a, it->string);
        f->type = "release";
        f->project = "default";
        lt_feature_env_t *fe = lt_arena_calloc(a, 1, sizeof(*fe));
        f->envs = fe;
        f->n_envs = 1;
        fe->environment = lt_arena_strdup(a, env);
        fe->enabled = opt_bool(it, "enabled", false);
        fe->strategies = lt_arena_calloc(a, 1, sizeof(*fe->strategies));
        fe->strategies[0].name = "default";
        fe->n_strategies = 1;
        const char *variant = opt_string(a, it, "variant");
        if (variant) {
            lt_variant_t *v = lt_arena_calloc(a, 1, sizeof(*v));
            v->name = variant;
            v->weight = 1000;
            v->weight_type = "fix";
            fe->variants = v;
            fe->n_variants = 1;
        }
    }
    return LT_OK;
}

int lt_model_parse_client_doc_json(lt_arena_t *a, const cJSON *root, const char *env,
                                   lt_client_doc_t *out, lt_parse_err_t *err)
{
    memset(out, 0, sizeof(*out));
    err->where[0] = '\0';
    if (!cJSON_IsObject(root))
        FAIL("the document must be a JSON object");
    const cJSON *features = cJSON_GetObjectItemCaseSensitive(root, "features");
    if (!features)
        return parse_simple_map(a, root, env, out, err);
    if (!cJSON_IsArray(features))
        FAIL("features must be a list");
    size_t cnt = (size_t)cJSON_GetArraySize(features);
    out->features = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*out->features));
    const cJSON *it;
    cJSON_ArrayForEach(it, features)
    {
        if (lt_model_parse_feature(a, it, env, &out->features[out->n_features], err) != LT_OK)
            return LT_EINVAL;
        out->n_features++;
    }
    err->where[0] = '\0';
    const cJSON *segs = cJSON_GetObjectItemCaseSensitive(root, "segments");
    if (segs && !cJSON_IsNull(segs)) {
        if (!cJSON_IsArray(segs))
            FAIL("segments must be a list");
        cnt = (size_t)cJSON_GetArraySize(segs);
        out->segments = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*out->segments));
        cJSON_ArrayForEach(it, segs)
        {
            if (lt_model_parse_segment(a, it, &out->segments[out->n_segments], err) != LT_OK)
                return LT_EINVAL;
            out->n_segments++;
        }
        qsort(out->segments, out->n_segments, sizeof(*out->segments), seg_cmp);
        for (size_t i = 1; i < out->n_segments; i++)
            if (out->segments[i].id == out->segments[i - 1].id)
                FAIL("two segments share an id");
    }
    return LT_OK;
}

int lt_model_parse_client_doc(lt_arena_t *a, const char *json, size_t len, const char *env,
                              lt_client_doc_t *out, lt_parse_err_t *err)
{
    memset(out, 0, sizeof(*out));
    err->where[0] = '\0';
    cJSON *root = lt_json_parse(json, len);
    if (!root)
        FAIL("the document is not valid JSON");
    int rc = lt_model_parse_client_doc_json(a, root, env, out, err);
    cJSON_Delete(root);
    return rc;
}
