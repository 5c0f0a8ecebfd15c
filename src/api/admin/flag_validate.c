/*
 * flag_validate.c: validation of what the flag resources accept, as Unleash 8.x does
 * (feature-schema.js, the constraints read model, fixVariantWeights): constraints, variants,
 * strategies, tags. The value parsers are the evaluator's, so what is accepted here is what
 * SDK-side evaluation in latch understands.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "admin_int.h"

#include "../../base/util.h"
#include "../../eval/eval.h"
#include "../../model/model_json.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define BAD_DATA(...) lt_write_fail(w, 400, "BadDataError", __VA_ARGS__)

static const char *const str_ops[] = {"IN",           "NOT_IN", "STR_ENDS_WITH", "STR_STARTS_WITH",
                                      "STR_CONTAINS", NULL};
static const char *const num_ops[] = {"NUM_EQ", "NUM_GT", "NUM_GTE", "NUM_LT", "NUM_LTE", NULL};
static const char *const date_ops[] = {"DATE_AFTER", "DATE_BEFORE", NULL};
static const char *const semver_ops[] = {"SEMVER_EQ",  "SEMVER_GT",  "SEMVER_LT",
                                         "SEMVER_GTE", "SEMVER_LTE", NULL};

static bool in_list(const char *const *l, const char *s)
{
    for (; *l; l++)
        if (strcmp(*l, s) == 0)
            return true;
    return false;
}

/* A JS-style number (what joi.number() accepts from a string). */
static bool number_ok(const char *s)
{
    return lt_eval_number_ok(s, NULL);
}

static int check_legal(const lt_dataset_t *d, const lt_constraint_t *c, lt_write_t *w);

int lt_adm_check_constraint(const lt_dataset_t *d, const cJSON *it, const lt_constraint_t *c,
                            size_t prev_values, lt_write_t *w)
{
    static const char *const keys[] = {"contextName", "operator",        "values", "value",
                                       "inverted",    "caseInsensitive", NULL};
    const cJSON *k;
    cJSON_ArrayForEach(k, it)
    {
        if (!in_list(keys, k->string))
            return BAD("\"%s\" is not allowed in a constraint", k->string);
    }
    const cJSON *inv = cJSON_GetObjectItemCaseSensitive(it, "inverted");
    const cJSON *ci = cJSON_GetObjectItemCaseSensitive(it, "caseInsensitive");
    if ((inv && !cJSON_IsBool(inv) && !cJSON_IsNull(inv)) ||
        (ci && !cJSON_IsBool(ci) && !cJSON_IsNull(ci)))
        return BAD("inverted and caseInsensitive must be booleans");
    const cJSON *vals = cJSON_GetObjectItemCaseSensitive(it, "values");
    if (vals && !cJSON_IsArray(vals) && !cJSON_IsNull(vals))
        return BAD("\"values\" must be an array");
    const cJSON *v;
    cJSON_ArrayForEach(v, vals)
    {
        if (!cJSON_IsString(v))
            return BAD("\"values\" must be an array of strings");
        size_t len = strlen(v->valuestring);
        if (len < 1 || len > 100)
            return BAD("constraint values must be 1 to 100 characters long");
    }
    const cJSON *val = cJSON_GetObjectItemCaseSensitive(it, "value");
    if (val && !cJSON_IsString(val) && !cJSON_IsNumber(val) && !cJSON_IsNull(val))
        return BAD("\"value\" must be a string");
    if (!c->context_name[0])
        return BAD("\"contextName\" is not allowed to be empty");
    const char *op = c->op;
    bool single = in_list(num_ops, op) || in_list(date_ops, op) || in_list(semver_ops, op);
    if (!single && !in_list(str_ops, op) && strcmp(op, "REGEX") != 0 && strcmp(op, "IN_CIDR") != 0)
        return BAD("\"operator\" must be one of [NOT_IN, IN, STR_ENDS_WITH, STR_STARTS_WITH, "
                   "STR_CONTAINS, NUM_EQ, NUM_GT, NUM_GTE, NUM_LT, NUM_LTE, DATE_AFTER, "
                   "DATE_BEFORE, SEMVER_EQ, SEMVER_GT, SEMVER_LT, SEMVER_GTE, SEMVER_LTE, REGEX, "
                   "IN_CIDR]");
    if (c->n_values > LT_ADM_MAX_CONSTRAINT_VALUES && c->n_values > prev_values)
        return lt_write_fail(w, 400, "ExceedsLimitError",
                             "Failed to create constraint values for %s. You can't create more "
                             "than the established limit of %d.",
                             c->context_name, LT_ADM_MAX_CONSTRAINT_VALUES);
    if (single && (!c->value || !c->value[0]))
        return BAD_DATA("Single-value constraint operators require a non-empty value.");
    if (in_list(num_ops, op) && !number_ok(c->value))
        return BAD_DATA("\"value\" must be a number. The value provided was: %s", c->value);
    if (in_list(date_ops, op)) {
        int64_t ms;
        if (lt_time_parse(c->value, strlen(c->value), &ms) != LT_OK)
            return BAD_DATA("\"value\" must be a valid date. The value provided was: %s", c->value);
    }
    if (in_list(semver_ops, op)) {
        if (!lt_eval_semver_ok(c->value))
            return BAD_DATA("the provided value is not a valid semver format. The value "
                            "provided was: %s",
                            c->value);
    }
    if (in_list(str_ops, op) && c->n_values < 1)
        return BAD("\"values\" must contain at least 1 items");
    if (strcmp(op, "IN_CIDR") == 0) {
        if (c->n_values < 1)
            return BAD("\"values\" must contain at least 1 items");
        for (size_t i = 0; i < c->n_values; i++) {
            if (!lt_eval_cidr_ok(c->values[i]))
                return BAD_DATA("%s is not an IP address or CIDR range", c->values[i]);
        }
    }
    if (strcmp(op, "REGEX") == 0) {
        if (!c->value)
            return BAD_DATA("the provided value is not a valid regex string.");
        if (!lt_eval_regex_ok(c->value, c->case_insensitive))
            return BAD_DATA("the provided value is not a valid regex string.");
        if (c->inverted)
            return BAD_DATA("REGEX operator cannot be inverted.");
    }
    return check_legal(d, c, w);
}

/* A constraint on a context field with legal values may only use those (Unleash). */
static int check_legal(const lt_dataset_t *d, const lt_constraint_t *c, lt_write_t *w)
{
    const lt_context_field_t *cf = NULL;
    for (size_t i = 0; i < d->n_context_fields && !cf; i++)
        if (strcmp(d->context_fields[i].name, c->context_name) == 0)
            cf = &d->context_fields[i];
    cJSON *legal = cf && cf->legal_values ? cJSON_Parse(cf->legal_values) : NULL;
    int rc = LT_OK;
    if (cJSON_IsArray(legal) && cJSON_GetArraySize(legal) > 0) {
        bool single = c->value && (in_list(num_ops, c->op) || in_list(date_ops, c->op) ||
                                   in_list(semver_ops, c->op) || strcmp(c->op, "REGEX") == 0);
        size_t n = single ? 1 : c->n_values;
        for (size_t i = 0; i < n && rc == LT_OK; i++) {
            const char *v = single ? c->value : c->values[i];
            bool found = false;
            const cJSON *it;
            cJSON_ArrayForEach(it, legal)
            {
                const char *lv =
                    cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(it, "value"));
                found |= lv && strcmp(lv, v) == 0;
            }
            if (!found)
                rc = BAD_DATA("%s is not specified as a legal value on this context field", v);
        }
    }
    cJSON_Delete(legal);
    return rc;
}

static int check_payload(const lt_payload_t *p, lt_write_t *w)
{
    static const char *const types[] = {"json", "csv", "string", "number", NULL};
    if (!in_list(types, p->type))
        return BAD("\"payload.type\" must be one of [json, csv, string, number]");
    if (strcmp(p->type, "json") == 0) {
        cJSON *j = cJSON_Parse(p->value);
        bool ok = j != NULL;
        cJSON_Delete(j);
        if (!ok)
            return BAD("'value' must be a valid json string when 'type' is json");
    }
    if (strcmp(p->type, "number") == 0 && !number_ok(p->value))
        return BAD("'value' must be a number when 'type' is number");
    return LT_OK;
}

static int variant_cmp(const void *pa, const void *pb)
{
    const lt_variant_t *a = pa, *b = pb;
    int c = strcasecmp(a->name, b->name);
    return c ? c : -strcmp(a->name, b->name); /* localeCompare: lower case first */
}

int lt_adm_parse_variants(lt_arena_t *a, const cJSON *j, bool strategy, lt_variant_t **out,
                          size_t *n, lt_write_t *w)
{
    *out = NULL;
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return LT_OK;
    if (!cJSON_IsArray(j))
        return BAD("\"variants\" must be an array");
    const cJSON *it;
    cJSON_ArrayForEach(it, j)
    {
        if (!cJSON_IsObject(it))
            return BAD("a variant must be an object");
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (!cJSON_IsString(name) || !lt_adm_name_ok(name->valuestring))
            return BAD("\"name\" of a variant must be URL friendly, 1 to 100 characters");
        const cJSON *wt = cJSON_GetObjectItemCaseSensitive(it, "weight");
        if (!cJSON_IsNumber(wt) || wt->valuedouble != floor(wt->valuedouble) ||
            wt->valuedouble < 0 || wt->valuedouble > 1000)
            return BAD("\"weight\" of a variant must be an integer from 0 to 1000");
        const cJSON *ty = cJSON_GetObjectItemCaseSensitive(it, "weightType");
        if (ty && !(cJSON_IsString(ty) && (strcmp(ty->valuestring, "variable") == 0 ||
                                           strcmp(ty->valuestring, "fix") == 0)))
            return BAD("\"weightType\" must be one of [variable, fix]");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(it, "stickiness");
        if (st && !cJSON_IsString(st))
            return BAD("\"stickiness\" must be a string");
        const cJSON *pl = cJSON_GetObjectItemCaseSensitive(it, "payload");
        if (pl && !cJSON_IsNull(pl)) {
            const cJSON *pv = cJSON_GetObjectItemCaseSensitive(pl, "value");
            const cJSON *pt = cJSON_GetObjectItemCaseSensitive(pl, "type");
            if (!cJSON_IsObject(pl) || !cJSON_IsString(pv) || !cJSON_IsString(pt))
                return BAD("\"payload\" must be {type, value} with string values");
        }
        const cJSON *ov = cJSON_GetObjectItemCaseSensitive(it, "overrides");
        if (ov && strategy)
            return BAD("\"overrides\" is not allowed in a strategy variant");
        if (ov && !cJSON_IsArray(ov) && !cJSON_IsNull(ov))
            return BAD("\"overrides\" must be an array");
        const cJSON *o;
        cJSON_ArrayForEach(o, ov)
        {
            const cJSON *cn = cJSON_GetObjectItemCaseSensitive(o, "contextName");
            const cJSON *vs = cJSON_GetObjectItemCaseSensitive(o, "values");
            if (!cJSON_IsObject(o) || !cJSON_IsString(cn) || (vs && !cJSON_IsArray(vs)))
                return BAD("an override must be {contextName, values}");
            const cJSON *x;
            cJSON_ArrayForEach(x, vs)
            {
                if (!cJSON_IsString(x))
                    return BAD("override values must be strings");
            }
        }
    }
    lt_parse_err_t perr = {0};
    lt_variant_t *v;
    size_t cnt;
    if (lt_model_parse_variants(a, j, &v, &cnt, &perr) != LT_OK)
        return BAD("%s", perr.msg);
    int fixed = 0;
    size_t n_var = 0;
    for (size_t i = 0; i < cnt; i++) {
        if (!v[i].weight_type)
            v[i].weight_type = "variable";
        if (!v[i].stickiness)
            v[i].stickiness = "default";
        if (v[i].payload && check_payload(v[i].payload, w) != LT_OK)
            return LT_EINVAL;
        for (size_t k = 0; k < i; k++)
            if (strcmp(v[k].name, v[i].name) == 0)
                return BAD("\"variants\" contains a duplicate value: %s", v[i].name);
        if (strcmp(v[i].weight_type, "fix") == 0)
            fixed += v[i].weight;
        else
            n_var++;
    }
    if (cnt > 0 && n_var == 0)
        return BAD_DATA("There must be at least one \"variable\" variant");
    if (fixed > 1000)
        return BAD_DATA("The traffic distribution total must equal 100%%");
    if (n_var) {
        int avg = (1000 - fixed) / (int)n_var, rem = (1000 - fixed) % (int)n_var;
        for (size_t i = 0; i < cnt; i++) {
            if (strcmp(v[i].weight_type, "fix") == 0)
                continue;
            v[i].weight = avg + (rem > 0 ? 1 : 0);
            if (rem > 0)
                rem--;
        }
    }
    qsort(v, cnt, sizeof(*v), variant_cmp);
    *out = v;
    *n = cnt;
    return LT_OK;
}

static const char *param_get(const lt_strategy_t *s, const char *key)
{
    for (size_t i = 0; i < s->n_params; i++)
        if (strcmp(s->params[i].key, key) == 0)
            return s->params[i].value;
    return NULL;
}

static void param_set(lt_arena_t *a, lt_strategy_t *s, const char *key, const char *value)
{
    for (size_t i = 0; i < s->n_params; i++)
        if (strcmp(s->params[i].key, key) == 0) {
            s->params[i].value = value;
            return;
        }
    lt_param_t *p = lt_arena_calloc(a, s->n_params + 1, sizeof(*p));
    if (s->n_params)
        memcpy(p, s->params, s->n_params * sizeof(*p));
    p[s->n_params].key = key;
    p[s->n_params].value = value;
    s->params = p;
    s->n_params++;
}

int lt_adm_parse_strategy(lt_arena_t *a, const lt_dataset_t *d, const cJSON *j, const char *feature,
                          const lt_strategy_t *prev, lt_strategy_t *out, lt_write_t *w)
{
    memset(out, 0, sizeof(*out));
    if (!cJSON_IsObject(j))
        return BAD("a strategy must be an object");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
    if (!cJSON_IsString(name) || !name->valuestring[0])
        return BAD("\"name\" is required and must be a string");
    if (!lt_adm_strategy_known(d, name->valuestring))
        return BAD_DATA("Could not find strategy type with name %s", name->valuestring);
    const cJSON *title = cJSON_GetObjectItemCaseSensitive(j, "title");
    if (title && !cJSON_IsString(title) && !cJSON_IsNull(title))
        return BAD("\"title\" must be a string");
    const cJSON *dis = cJSON_GetObjectItemCaseSensitive(j, "disabled");
    if (dis && !cJSON_IsBool(dis) && !cJSON_IsNull(dis))
        return BAD("\"disabled\" must be a boolean");
    const cJSON *so = cJSON_GetObjectItemCaseSensitive(j, "sortOrder");
    if (so && !cJSON_IsNumber(so) && !cJSON_IsNull(so))
        return BAD("\"sortOrder\" must be a number");
    const cJSON *cons = cJSON_GetObjectItemCaseSensitive(j, "constraints");
    if (cons && !cJSON_IsArray(cons) && !cJSON_IsNull(cons))
        return BAD("\"constraints\" must be an array");
    const cJSON *params = cJSON_GetObjectItemCaseSensitive(j, "parameters");
    if (params && !cJSON_IsObject(params) && !cJSON_IsNull(params))
        return BAD("\"parameters\" must be an object");
    const cJSON *p;
    cJSON_ArrayForEach(p, params)
    {
        if (!cJSON_IsString(p) && !cJSON_IsNumber(p) && !cJSON_IsBool(p) && !cJSON_IsNull(p))
            return BAD("parameter \"%s\" must be a string", p->string);
    }
    const cJSON *segs = cJSON_GetObjectItemCaseSensitive(j, "segments");
    if (segs && !cJSON_IsArray(segs) && !cJSON_IsNull(segs))
        return BAD("\"segments\" must be an array of segment ids");
    const cJSON *c;
    cJSON_ArrayForEach(c, cons)
    {
        if (!cJSON_IsObject(c))
            return BAD("a constraint must be an object");
        const cJSON *cn = cJSON_GetObjectItemCaseSensitive(c, "contextName");
        const cJSON *op = cJSON_GetObjectItemCaseSensitive(c, "operator");
        if (!cJSON_IsString(cn) || !cJSON_IsString(op))
            return BAD("a constraint needs \"contextName\" and \"operator\" strings");
    }
    if (cJSON_GetArraySize(cons) > LT_ADM_MAX_CONSTRAINTS &&
        cJSON_GetArraySize(cons) > (int)(prev ? prev->n_constraints : 0))
        return lt_write_fail(w, 400, "ExceedsLimitError",
                             "Failed to create constraints. You can't create more than the "
                             "established limit of %d.",
                             LT_ADM_MAX_CONSTRAINTS);

    lt_parse_err_t perr = {0};
    if (lt_model_parse_constraints(a, cons, &out->constraints, &out->n_constraints, &perr) !=
            LT_OK ||
        lt_model_parse_params(a, params, &out->params, &out->n_params, &perr) != LT_OK ||
        lt_model_parse_segment_ids(a, segs, &out->segments, &out->n_segments, &perr) != LT_OK)
        return BAD("%s", perr.msg);
    size_t k = 0;
    cJSON_ArrayForEach(c, cons)
    {
        size_t pv = prev && k < prev->n_constraints ? prev->constraints[k].n_values : 0;
        if (lt_adm_check_constraint(d, c, &out->constraints[k], pv, w) != LT_OK)
            return LT_EINVAL;
        if (!out->constraints[k].has_values) { /* legacy SDKs need a values list */
            out->constraints[k].has_values = true;
        }
        k++;
    }
    /* segments: unique, existing, global or of the flag's project, at most 5 */
    const lt_feature_t *flag = lt_dataset_feature(d, feature);
    size_t ns = 0;
    for (size_t i = 0; i < out->n_segments; i++) {
        if (ns && out->segments[ns - 1] == out->segments[i])
            continue;
        const lt_segment_t *seg = lt_segment_find(d->segments, d->n_segments, out->segments[i]);
        if (!seg)
            return BAD_DATA("Could not find segment with id %lld", (long long)out->segments[i]);
        if (seg->project && flag && strcmp(seg->project, flag->project) != 0)
            return BAD_DATA("The segment %s (id %lld) belongs to project %s: a strategy of a "
                            "flag in project %s can not use it",
                            seg->name, (long long)seg->id, seg->project, flag->project);
        out->segments[ns++] = out->segments[i];
    }
    out->n_segments = ns;
    if (ns > LT_ADM_MAX_SEGMENTS)
        return BAD_DATA("Strategies may not have more than %d segments", LT_ADM_MAX_SEGMENTS);
    if (lt_adm_parse_variants(a, cJSON_GetObjectItemCaseSensitive(j, "variants"), true,
                              &out->variants, &out->n_variants, w) != LT_OK)
        return LT_EINVAL;

    out->name = lt_arena_strdup(a, name->valuestring);
    out->title = cJSON_IsString(title) && title->valuestring[0]
                     ? lt_arena_strdup(a, title->valuestring)
                     : NULL;
    out->disabled = cJSON_IsTrue(dis);
    out->sort_order =
        cJSON_IsNumber(so) ? (int)lt_double_clamp(so->valuedouble, INT_MIN, INT_MAX) : 0;
    if (strcmp(out->name, "flexibleRollout") == 0) {
        const char *r = param_get(out, "rollout");
        if (!r)
            param_set(a, out, "rollout", "100");
        else {
            double v = 0;
            if (!lt_eval_number_ok(r, &v) || v < 0 || v > 100)
                return lt_write_bad_body(w, "/body/parameters/rollout",
                                         "The `/body/parameters/rollout` property must be a "
                                         "number from 0 to 100. You sent \"%.32s\".",
                                         r);
        }
        const char *st = param_get(out, "stickiness");
        if (!st || !st[0])
            param_set(a, out, "stickiness", "default");
        const char *g = param_get(out, "groupId");
        if (!g || !g[0])
            param_set(a, out, "groupId", lt_arena_strdup(a, feature));
    }
    return LT_OK;
}

/* ---------- tags ---------- */

int lt_adm_parse_tags(lt_adm_wctx_t *c, const lt_dataset_t *d, const cJSON *j, const char *feature,
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

