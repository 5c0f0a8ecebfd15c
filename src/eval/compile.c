/*
 * compile.c: compiling one environment's features into lt_eval_env_t (constraints, segments,
 * strategies, variants and dependencies parsed once) and looking features up in it; eval.c
 * evaluates contexts against the result.
 * The rules follow the client specification and the Node SDK 6.12.1; where the two leave room,
 * the comment at the spot says what latch does. See eval.h for the contract.
 */
#include "eval_int.h"

#include <math.h>
#include <stdlib.h>

#include "../base/util.h"

#define MATCH_LIMIT 1000000u
#define HEAP_LIMIT_KIB 4096u

/* ---- compiling ---- */

static const struct {
    const char *name;
    uint8_t field;
} top_fields[] = {
    {"userId", LT__F_USER_ID},
    {"sessionId", LT__F_SESSION_ID},
    {"remoteAddress", LT__F_REMOTE_ADDRESS},
    {"environment", LT__F_ENVIRONMENT},
    {"appName", LT__F_APP_NAME},
    {"currentTime", LT__F_CURRENT_TIME},
};

static lt__field_t field_of(const char *name)
{
    lt__field_t f = {LT__F_PROP, lt_str_c(name ? name : "")};
    for (size_t i = 0; name && i < LT_ARRAY_LEN(top_fields); i++)
        if (strcmp(name, top_fields[i].name) == 0)
            f.field = top_fields[i].field;
    return f;
}

static const struct {
    const char *name;
    uint8_t op;
} operators[] = {
    {"IN", LT__OP_IN},
    {"NOT_IN", LT__OP_NOT_IN},
    {"STR_STARTS_WITH", LT__OP_STR_STARTS_WITH},
    {"STR_ENDS_WITH", LT__OP_STR_ENDS_WITH},
    {"STR_CONTAINS", LT__OP_STR_CONTAINS},
    {"NUM_EQ", LT__OP_NUM_EQ},
    {"NUM_GT", LT__OP_NUM_GT},
    {"NUM_GTE", LT__OP_NUM_GTE},
    {"NUM_LT", LT__OP_NUM_LT},
    {"NUM_LTE", LT__OP_NUM_LTE},
    {"DATE_AFTER", LT__OP_DATE_AFTER},
    {"DATE_BEFORE", LT__OP_DATE_BEFORE},
    {"SEMVER_EQ", LT__OP_SEMVER_EQ},
    {"SEMVER_GT", LT__OP_SEMVER_GT},
    {"SEMVER_GTE", LT__OP_SEMVER_GTE},
    {"SEMVER_LT", LT__OP_SEMVER_LT},
    {"SEMVER_LTE", LT__OP_SEMVER_LTE},
    {"REGEX", LT__OP_REGEX},
    {"IN_CIDR", LT__OP_IN_CIDR},
};

static uint8_t op_of(const char *name)
{
    for (size_t i = 0; name && i < LT_ARRAY_LEN(operators); i++)
        if (strcmp(name, operators[i].name) == 0)
            return operators[i].op;
    return LT__OP_UNKNOWN;
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static lt_str_t trim(lt_str_t s)
{
    while (s.len && is_blank(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_blank(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

static lt_str_t lower_copy(lt_arena_t *a, lt_str_t s)
{
    char *p = lt_arena_alloc(a, s.len + 1);
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        p[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    p[s.len] = '\0';
    return (lt_str_t){p, s.len};
}

/* Constraint values as the SDK cleans them: empty strings dropped, the rest trimmed. */
static lt_str_t *clean_values(lt_arena_t *a, const lt_constraint_t *c, bool lower, size_t *out_n)
{
    lt_str_t *v = lt_arena_calloc(a, c->n_values ? c->n_values : 1, sizeof(*v));
    size_t n = 0;
    for (size_t i = 0; i < c->n_values; i++) {
        if (!c->values[i] || !c->values[i][0])
            continue;
        lt_str_t s = trim(lt_str_c(c->values[i]));
        v[n++] = lower ? lower_copy(a, s) : s;
    }
    *out_n = n;
    return v;
}

/* A comma-separated parameter ("a, b,c"): items trimmed, empty ones dropped. */
static lt_str_t *split_list(lt_arena_t *a, const char *s, bool lower, size_t *out_n)
{
    size_t cap = 1;
    for (const char *p = s; *p; p++)
        cap += *p == ',';
    lt_str_t *v = lt_arena_calloc(a, cap, sizeof(*v));
    size_t n = 0;
    const char *start = s;
    for (const char *p = s;; p++) {
        if (*p == ',' || *p == '\0') {
            lt_str_t item = trim((lt_str_t){start, (size_t)(p - start)});
            if (item.len)
                v[n++] = lower ? lower_copy(a, item) : item;
            if (*p == '\0')
                break;
            start = p + 1;
        }
    }
    *out_n = n;
    return v;
}

static void compile_constraint(lt_eval_env_t *e, lt_arena_t *a, const lt_constraint_t *c,
                               lt__cons_t *out)
{
    memset(out, 0, sizeof(*out));
    out->op = op_of(c->op);
    out->field = field_of(c->context_name);
    out->inverted = c->inverted;
    out->caseless = c->case_insensitive;
    const char *value = c->value;
    switch (out->op) {
    case LT__OP_IN:
    case LT__OP_NOT_IN: {
        size_t n;
        lt_str_t *v = clean_values(a, c, false, &n);
        lt__strset_init(a, &out->set, v, n);
        break;
    }
    case LT__OP_STR_STARTS_WITH:
    case LT__OP_STR_ENDS_WITH:
    case LT__OP_STR_CONTAINS:
        out->strs = clean_values(a, c, out->caseless, &out->n_strs);
        break;
    case LT__OP_NUM_EQ:
    case LT__OP_NUM_GT:
    case LT__OP_NUM_GTE:
    case LT__OP_NUM_LT:
    case LT__OP_NUM_LTE:
        out->num = value ? lt__js_number(lt_str_c(value)) : NAN;
        out->valid = !isnan(out->num);
        break;
    case LT__OP_DATE_AFTER:
    case LT__OP_DATE_BEFORE:
        out->valid = value && lt_time_parse(value, strlen(value), &out->date_ms) == LT_OK;
        break;
    case LT__OP_SEMVER_EQ:
    case LT__OP_SEMVER_GT:
    case LT__OP_SEMVER_GTE:
    case LT__OP_SEMVER_LT:
    case LT__OP_SEMVER_LTE:
        out->valid = value && lt__semver_parse(lt_str_c(value), true, &out->semver);
        break;
    case LT__OP_REGEX: {
        pcre2_code *re = value ? lt__regex_compile(value, strlen(value), out->caseless) : NULL;
        if (re) {
            lt__regex_node_t *node = lt_arena_alloc(a, sizeof(*node));
            node->code = re;
            node->next = e->regexes;
            e->regexes = node;
        }
        out->re = re;
        out->mctx = e->mctx;
        out->valid = re != NULL;
        break;
    }
    case LT__OP_IN_CIDR: {
        size_t n;
        lt_str_t *v = clean_values(a, c, false, &n);
        out->cidrs = lt_arena_calloc(a, n ? n : 1, sizeof(*out->cidrs));
        for (size_t i = 0; i < n; i++)
            if (lt__cidr_parse(v[i], true, &out->cidrs[out->n_cidrs]))
                out->n_cidrs++;
        break;
    }
    default:
        break;
    }
}

static lt__cons_t *compile_constraints(lt_eval_env_t *e, lt_arena_t *a, const lt_constraint_t *c,
                                       size_t n, bool *any_unknown)
{
    lt__cons_t *out = lt_arena_calloc(a, n ? n : 1, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        compile_constraint(e, a, &c[i], &out[i]);
        if (out[i].op == LT__OP_UNKNOWN)
            *any_unknown = true;
    }
    return out;
}

static const char *param(const lt_strategy_t *s, const char *key)
{
    for (size_t i = 0; i < s->n_params; i++)
        if (strcmp(s->params[i].key, key) == 0)
            return s->params[i].value;
    return NULL;
}

static bool is_default_stickiness(const char *s)
{
    return !s || !s[0] || strcmp(s, "default") == 0;
}

static void compile_variants(lt_arena_t *a, const lt_variant_t *v, size_t n, const char *stickiness,
                             lt_str_t group, lt__vgroup_t *out)
{
    memset(out, 0, sizeof(*out));
    out->v = v;
    out->n = n;
    out->group = group;
    for (size_t i = 0; i < n; i++) {
        out->total_weight += v[i].weight;
        out->n_overrides += v[i].n_overrides;
    }
    /* Overrides flattened in variant order: the first that matches names the variant. */
    out->overrides =
        lt_arena_calloc(a, out->n_overrides ? out->n_overrides : 1, sizeof(*out->overrides));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < v[i].n_overrides; j++) {
            lt__override_t *o = &out->overrides[k++];
            o->variant = &v[i];
            o->field = field_of(v[i].overrides[j].context_name);
            o->values = v[i].overrides[j].values;
            o->n_values = v[i].overrides[j].n_values;
        }
    if (is_default_stickiness(stickiness)) {
        out->stick = LT__STICK_DEFAULT;
    } else {
        out->stick = LT__STICK_FIELD;
        out->stick_field = field_of(stickiness);
    }
}

static int seg_cmp(const void *pa, const void *pb)
{
    const lt__seg_t *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

static const lt__seg_t *seg_find(const lt_eval_env_t *e, int64_t id)
{
    lt__seg_t key = {.id = id};
    return bsearch(&key, e->segs, e->n_segs, sizeof(*e->segs), seg_cmp);
}

static const struct {
    const char *name;
    uint8_t kind;
} strategy_kinds[] = {
    {"default", LT__S_DEFAULT},
    {"flexibleRollout", LT__S_FLEXIBLE},
    {"userWithId", LT__S_USER_WITH_ID},
    {"remoteAddress", LT__S_REMOTE_ADDRESS},
    {"applicationHostname", LT__S_HOSTNAME},
    {"gradualRolloutUserId", LT__S_GRADUAL_USER},
    {"gradualRolloutSessionId", LT__S_GRADUAL_SESSION},
    {"gradualRolloutRandom", LT__S_GRADUAL_RANDOM},
};

static double percentage_param(const lt_strategy_t *s, const char *key)
{
    const char *p = param(s, key);
    return p ? lt__js_number(lt_str_c(p)) : NAN;
}

static void compile_strategy(lt_eval_env_t *e, lt_arena_t *a, const lt_feature_t *f,
                             const lt_strategy_t *s, lt__strat_t *out)
{
    memset(out, 0, sizeof(*out));
    out->kind = LT__S_UNKNOWN;
    for (size_t i = 0; i < LT_ARRAY_LEN(strategy_kinds); i++)
        if (strcmp(s->name, strategy_kinds[i].name) == 0)
            out->kind = strategy_kinds[i].kind;
    bool never = out->kind == LT__S_UNKNOWN;
    out->cons = compile_constraints(e, a, s->constraints, s->n_constraints, &never);
    out->n_cons = s->n_constraints;
    out->segs = lt_arena_calloc(a, s->n_segments ? s->n_segments : 1, sizeof(*out->segs));
    for (size_t i = 0; i < s->n_segments; i++) {
        const lt__seg_t *seg = seg_find(e, s->segments[i]);
        if (!seg) {
            never = true; /* a strategy that refers to a missing segment is off */
            continue;
        }
        for (size_t k = 0; k < seg->n_cons; k++)
            if (seg->cons[k].op == LT__OP_UNKNOWN)
                never = true;
        out->segs[out->n_segs++] = seg;
    }
    const char *group_id = param(s, "groupId");
    lt_str_t feature_name = lt_str_c(f->name);
    size_t n;
    lt_str_t *items;
    switch (out->kind) {
    case LT__S_FLEXIBLE: {
        /* groupId defaults to the feature name (Unleash always stores one) */
        out->group = group_id && group_id[0] ? lt_str_c(group_id) : feature_name;
        out->percentage = percentage_param(s, "rollout");
        const char *st = param(s, "stickiness");
        if (is_default_stickiness(st)) {
            out->stick = LT__STICK_DEFAULT;
        } else if (strcmp(st, "random") == 0) {
            out->stick = LT__STICK_RANDOM;
        } else {
            out->stick = LT__STICK_FIELD;
            out->stick_field = field_of(st);
        }
        break;
    }
    case LT__S_GRADUAL_USER:
    case LT__S_GRADUAL_SESSION:
        out->group = lt_str_c(group_id ? group_id : "");
        /* fall through */
    case LT__S_GRADUAL_RANDOM:
        out->percentage = percentage_param(s, "percentage");
        break;
    case LT__S_USER_WITH_ID: {
        const char *ids = param(s, "userIds");
        items = split_list(a, ids ? ids : "", false, &n);
        lt__strset_init(a, &out->ids, items, n);
        break;
    }
    case LT__S_REMOTE_ADDRESS: {
        const char *ips = param(s, "IPs");
        if (!ips) {
            never = true;
            break;
        }
        items = split_list(a, ips, false, &n);
        lt__strset_init(a, &out->ids, items, n);
        out->nets = lt_arena_calloc(a, n ? n : 1, sizeof(*out->nets));
        for (size_t i = 0; i < n; i++)
            if (lt__cidr_parse(items[i], true, &out->nets[out->n_nets]))
                out->n_nets++;
        break;
    }
    case LT__S_HOSTNAME: {
        const char *hosts = param(s, "hostNames");
        if (!hosts) {
            never = true;
            break;
        }
        items = split_list(a, hosts, true, &n);
        lt__strset_init(a, &out->ids, items, n);
        break;
    }
    default:
        break;
    }
    out->never = never;
    /* Strategy variants: stickiness of the first variant, else the strategy's; the hash group
     * is the strategy's groupId (the feature name when it has none). */
    const char *vstick = s->n_variants && s->variants[0].stickiness && s->variants[0].stickiness[0]
                             ? s->variants[0].stickiness
                             : param(s, "stickiness");
    compile_variants(a, s->variants, s->n_variants, vstick,
                     group_id && group_id[0] ? lt_str_c(group_id) : feature_name, &out->variants);
}

static void compile_feature(lt_eval_env_t *e, lt_arena_t *a, const lt_feature_t *f, const char *env,
                            lt_eval_feature_t *out)
{
    memset(out, 0, sizeof(*out));
    out->src = f;
    out->name = lt_str_c(f->name);
    out->fe = lt_feature_env(f, env);
    out->enabled = out->fe && out->fe->enabled;
    out->n_deps = f->n_dependencies;
    const lt_feature_env_t *fe = out->fe;
    size_t n_strats = fe ? fe->n_strategies : 0;
    out->strats = lt_arena_calloc(a, n_strats ? n_strats : 1, sizeof(*out->strats));
    for (size_t i = 0; i < n_strats; i++) {
        if (fe->strategies[i].disabled)
            continue; /* the client API leaves disabled strategies out */
        compile_strategy(e, a, f, &fe->strategies[i], &out->strats[out->n_strats++]);
    }
    const char *stick = fe && fe->n_variants ? fe->variants[0].stickiness : NULL;
    compile_variants(a, fe ? fe->variants : NULL, fe ? fe->n_variants : 0, stick, out->name,
                     &out->variants);
}

static void link_dependencies(lt_eval_env_t *e, lt_arena_t *a);

static void table_insert(lt_eval_env_t *e, size_t idx)
{
    lt_str_t name = e->features[idx].name;
    size_t h = (size_t)lt_fnv1a(name.ptr, name.len) & e->mask;
    while (e->table[h])
        h = (h + 1) & e->mask;
    e->table[h] = (uint32_t)(idx + 1);
}

lt_eval_env_t *lt_eval_compile(lt_arena_t *a, const lt_feature_t *features, size_t n,
                               const char *env, const lt_segment_t *segs, size_t n_segs)
{
    lt_eval_env_t *e = lt_arena_calloc(a, 1, sizeof(*e));
    e->mctx = pcre2_match_context_create(NULL);
    e->owns_mctx = true;
    if (e->mctx) {
        pcre2_set_match_limit(e->mctx, MATCH_LIMIT);
        pcre2_set_heap_limit(e->mctx, HEAP_LIMIT_KIB);
    }

    e->segs = lt_arena_calloc(a, n_segs ? n_segs : 1, sizeof(*e->segs));
    for (size_t i = 0; i < n_segs; i++) {
        bool unknown = false;
        lt__seg_t *s = &e->segs[e->n_segs++];
        s->id = segs[i].id;
        s->cons = compile_constraints(e, a, segs[i].constraints, segs[i].n_constraints, &unknown);
        s->n_cons = segs[i].n_constraints;
    }
    qsort(e->segs, e->n_segs, sizeof(*e->segs), seg_cmp);

    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    e->table = lt_arena_calloc(a, cap, sizeof(*e->table));
    e->mask = cap - 1;
    e->features = lt_arena_calloc(a, n ? n : 1, sizeof(*e->features));
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *f = &features[i];
        if (f->archived || !f->name || lt_eval_find(e, f->name, strlen(f->name)))
            continue; /* archived, or a duplicate name: the first one wins */
        compile_feature(e, a, f, env, &e->features[e->n_features]);
        table_insert(e, e->n_features);
        e->n_features++;
    }

    link_dependencies(e, a);
    return e;
}

/* Dependencies: one level only. A missing parent, or a parent that has dependencies of its own
 * (which also covers cycles), can never be satisfied. */
static void link_dependencies(lt_eval_env_t *e, lt_arena_t *a)
{
    for (size_t i = 0; i < e->n_features; i++) {
        lt_eval_feature_t *f = &e->features[i];
        if (!f->n_deps)
            continue;
        f->deps = lt_arena_calloc(a, f->n_deps, sizeof(*f->deps));
        for (size_t k = 0; k < f->n_deps; k++) {
            const lt_dependency_t *d = &f->src->dependencies[k];
            lt__dep_t *x = &f->deps[k];
            x->parent = lt_eval_find(e, d->feature, strlen(d->feature));
            if (!x->parent || x->parent->n_deps > 0) {
                x->parent = NULL;
                f->deps_never = true;
            }
            x->enabled = d->enabled;
            x->variants = d->variants;
            x->n_variants = d->n_variants;
        }
    }
}

lt_eval_env_t *lt_eval_compile_from(lt_arena_t *a, lt_arena_t *content, const lt_eval_env_t *prev,
                                    const lt_feature_t *features, size_t n, const char *env,
                                    const bool *fresh, size_t *from)
{
    lt_eval_env_t *e = lt_arena_calloc(a, 1, sizeof(*e));
    e->mctx = prev->mctx; /* shared, as the compiled regexes that point to it */
    e->owns_mctx = false;
    e->segs = prev->segs; /* the segments are the same: prev's compiled ones are shared */
    e->n_segs = prev->n_segs;
    e->features = lt_arena_alloc(a, (n ? n : 1) * sizeof(*e->features));
    /* Both lists are sorted by name (a dataset's flags are, and compiled in their order), so
     * one walk pairs each flag with prev's compiled form of it. */
    size_t j = 0;
    bool same_names = true; /* the compiled names are prev's, at the same positions */
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *f = &features[i];
        if (f->archived || !f->name)
            continue;
        size_t at = e->n_features;
        lt_eval_feature_t *out = &e->features[at];
        int cmp = -1;
        while (j < prev->n_features && (cmp = strcmp(prev->features[j].name.ptr, f->name)) < 0)
            j++;
        if (j == prev->n_features)
            cmp = -1;
        if (cmp != 0 || j != at)
            same_names = false;
        if (cmp == 0 && !fresh[i]) { /* unchanged: its compiled strategies and variants shared */
            *out = prev->features[j];
            out->src = f;
            out->deps = NULL;
            out->deps_never = false;
            from[at] = j;
        } else {
            compile_feature(e, content, f, env, out);
            from[at] = SIZE_MAX;
        }
        e->n_features++;
    }
    if (same_names && e->n_features == prev->n_features) {
        /* the same names at the same positions: the same table, copied without hashing */
        e->mask = prev->mask;
        e->table = lt_arena_alloc(a, (e->mask + 1) * sizeof(*e->table));
        memcpy(e->table, prev->table, (e->mask + 1) * sizeof(*e->table));
    } else {
        size_t cap = 16;
        while (cap < n * 2)
            cap *= 2;
        e->table = lt_arena_calloc(a, cap, sizeof(*e->table));
        e->mask = cap - 1;
        for (size_t i = 0; i < e->n_features; i++)
            table_insert(e, i);
    }
    link_dependencies(e, a);
    return e;
}

struct lt_eval_owned {
    lt__regex_node_t *regexes;
    pcre2_match_context *mctx;
};

struct lt_eval_owned *lt_eval_take_owned(lt_eval_env_t *e)
{
    struct lt_eval_owned *o = lt_xcalloc(1, sizeof(*o));
    o->regexes = e->regexes;
    o->mctx = e->owns_mctx ? e->mctx : NULL;
    e->regexes = NULL;
    e->owns_mctx = false;
    return o;
}

void lt_eval_owned_free(struct lt_eval_owned *o)
{
    if (!o)
        return;
    for (lt__regex_node_t *r = o->regexes; r; r = r->next)
        pcre2_code_free(r->code);
    pcre2_match_context_free(o->mctx);
    free(o);
}

void lt_eval_free(lt_eval_env_t *e)
{
    if (!e)
        return;
    for (lt__regex_node_t *r = e->regexes; r; r = r->next)
        pcre2_code_free(r->code);
    e->regexes = NULL;
    if (e->owns_mctx)
        pcre2_match_context_free(e->mctx);
    e->mctx = NULL;
    e->owns_mctx = false;
}

/* ---- look-up ---- */

const lt_eval_feature_t *lt_eval_find(const lt_eval_env_t *e, const char *name, size_t len)
{
    size_t h = (size_t)lt_fnv1a(name, len) & e->mask;
    for (uint32_t idx; (idx = e->table[h]) != 0; h = (h + 1) & e->mask) {
        const lt_eval_feature_t *f = &e->features[idx - 1];
        if (f->name.len == len && memcmp(f->name.ptr, name, len) == 0)
            return f;
    }
    return NULL;
}

size_t lt_eval_count(const lt_eval_env_t *e)
{
    return e->n_features;
}

const lt_eval_feature_t *lt_eval_at(const lt_eval_env_t *e, size_t i)
{
    lt_assert(i < e->n_features);
    return &e->features[i];
}

size_t lt_eval_index(const lt_eval_env_t *e, const lt_eval_feature_t *f)
{
    lt_assert(f >= e->features && f < e->features + e->n_features);
    return (size_t)(f - e->features);
}

const char *lt_eval_feature_name(const lt_eval_feature_t *f)
{
    return f->src->name;
}

const char *lt_eval_feature_project(const lt_eval_feature_t *f)
{
    return f->src->project;
}

bool lt_eval_feature_impression_data(const lt_eval_feature_t *f)
{
    return f->src->impression_data;
}

const lt_feature_t *lt_eval_feature_source(const lt_eval_feature_t *f)
{
    return f->src;
}

const lt_feature_env_t *lt_eval_feature_env(const lt_eval_feature_t *f)
{
    return f->fe;
}
