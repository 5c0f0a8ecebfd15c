/*
 * eval.c: evaluating contexts against a compiled environment (compile.c): isEnabled,
 * getVariant, dependencies, strategies, constraints, segments. No allocation.
 * The rules follow the client specification and the Node SDK 6.12.1; where the two leave room,
 * the comment at the spot says what latch does. See eval.h for the contract.
 */
#include "eval_int.h"

#include <math.h>
#include <stdlib.h>

#include "../base/util.h"

/* The seed Unleash hashes variant stickiness with. */
#define VARIANT_SEED 86028157u

/* ---- evaluation ---- */

static lt_str_t ctx_top(const lt_context_t *c, uint8_t field)
{
    switch (field) {
    case LT__F_USER_ID:
        return c->user_id;
    case LT__F_SESSION_ID:
        return c->session_id;
    case LT__F_REMOTE_ADDRESS:
        return c->remote_address;
    case LT__F_ENVIRONMENT:
        return c->environment;
    case LT__F_APP_NAME:
        return c->app_name;
    case LT__F_CURRENT_TIME:
        return c->current_time;
    default:
        return (lt_str_t){NULL, 0};
    }
}

/* The context value a constraint or stickiness reads: the top-level field when present, else
 * the property of that name (null = absent). ptr == NULL when there is none. */
static lt_str_t ctx_get(const lt_context_t *c, const lt__field_t *f)
{
    if (f->field != LT__F_PROP) {
        lt_str_t v = ctx_top(c, f->field);
        if (v.ptr)
            return v;
    }
    for (size_t i = 0; i < c->n_props; i++)
        if (lt_str_eq(c->props[i].key, f->name))
            return c->props[i].value;
    return (lt_str_t){NULL, 0};
}

static bool has_prefix(lt_str_t s, lt_str_t p, bool ci)
{
    return s.len >= p.len &&
           (ci ? lt__ascii_ieq(s.ptr, p.ptr, p.len) : memcmp(s.ptr, p.ptr, p.len) == 0);
}

static bool has_suffix(lt_str_t s, lt_str_t p, bool ci)
{
    if (s.len < p.len)
        return false;
    const char *tail = s.ptr + (s.len - p.len);
    return ci ? lt__ascii_ieq(tail, p.ptr, p.len) : memcmp(tail, p.ptr, p.len) == 0;
}

static bool contains(lt_str_t s, lt_str_t p, bool ci)
{
    if (p.len == 0)
        return true;
    if (!ci)
        return s.len >= p.len && memmem(s.ptr, s.len, p.ptr, p.len) != NULL;
    for (size_t i = 0; i + p.len <= s.len; i++)
        if (lt__ascii_ieq(s.ptr + i, p.ptr, p.len))
            return true;
    return false;
}

static bool num_cmp(uint8_t op, double x, double v)
{
    switch (op) {
    case LT__OP_NUM_EQ:
        return x == v;
    case LT__OP_NUM_GT:
        return x > v;
    case LT__OP_NUM_GTE:
        return x >= v;
    case LT__OP_NUM_LT:
        return x < v;
    default:
        return x <= v;
    }
}

static bool semver_op(uint8_t op, int c)
{
    switch (op) {
    case LT__OP_SEMVER_EQ:
        return c == 0;
    case LT__OP_SEMVER_GT:
        return c > 0;
    case LT__OP_SEMVER_GTE:
        return c >= 0;
    case LT__OP_SEMVER_LT:
        return c < 0;
    default:
        return c <= 0;
    }
}

/* The operator's answer before `inverted`. */
static bool constraint_raw(const lt__cons_t *c, const lt_context_t *ctx)
{
    lt_str_t v = ctx_get(ctx, &c->field);
    switch (c->op) {
    case LT__OP_IN:
    case LT__OP_NOT_IN: {
        bool in = v.ptr && lt__strset_has(&c->set, v);
        return c->op == LT__OP_IN ? in : !in;
    }
    case LT__OP_STR_STARTS_WITH:
    case LT__OP_STR_ENDS_WITH:
    case LT__OP_STR_CONTAINS:
        if (!v.ptr)
            return false;
        for (size_t i = 0; i < c->n_strs; i++) {
            bool hit = c->op == LT__OP_STR_STARTS_WITH ? has_prefix(v, c->strs[i], c->caseless)
                       : c->op == LT__OP_STR_ENDS_WITH ? has_suffix(v, c->strs[i], c->caseless)
                                                       : contains(v, c->strs[i], c->caseless);
            if (hit)
                return true;
        }
        return false;
    case LT__OP_NUM_EQ:
    case LT__OP_NUM_GT:
    case LT__OP_NUM_GTE:
    case LT__OP_NUM_LT:
    case LT__OP_NUM_LTE: {
        if (!c->valid || !v.ptr)
            return false;
        double x = lt__js_number(v);
        return !isnan(x) && num_cmp(c->op, x, c->num);
    }
    case LT__OP_DATE_AFTER:
    case LT__OP_DATE_BEFORE: {
        /* dates compare the context's currentTime (not contextName), as the SDKs do */
        if (!c->valid)
            return false;
        int64_t now;
        if (ctx->current_time.len) {
            if (lt_time_parse(ctx->current_time.ptr, ctx->current_time.len, &now) != LT_OK)
                return false;
        } else {
            now = lt_now_ms();
        }
        return c->op == LT__OP_DATE_AFTER ? now > c->date_ms : now < c->date_ms;
    }
    case LT__OP_SEMVER_EQ:
    case LT__OP_SEMVER_GT:
    case LT__OP_SEMVER_GTE:
    case LT__OP_SEMVER_LT:
    case LT__OP_SEMVER_LTE: {
        lt__semver_t sv;
        if (!c->valid || !v.len || !lt__semver_parse(v, false, &sv))
            return false;
        return semver_op(c->op, lt__semver_cmp(&sv, &c->semver));
    }
    case LT__OP_REGEX:
        return c->valid && v.ptr && lt__regex_search(c->re, c->mctx, v);
    case LT__OP_IN_CIDR: {
        lt__cidr_t ip;
        if (!v.ptr || !lt__cidr_parse(v, false, &ip))
            return false;
        for (size_t i = 0; i < c->n_cidrs; i++)
            if (lt__cidr_contains(&c->cidrs[i], &ip))
                return true;
        return false;
    }
    default:
        return false;
    }
}

static bool constraints_hold(const lt__cons_t *c, size_t n, const lt_context_t *ctx)
{
    for (size_t i = 0; i < n; i++) {
        if (c[i].op == LT__OP_UNKNOWN)
            return false; /* unknown operators are false, inverted or not */
        if (constraint_raw(&c[i], ctx) == c[i].inverted)
            return false;
    }
    return true;
}

static bool in_rollout(lt_str_t group, lt_str_t id, double percentage)
{
    uint32_t norm = lt__hash_pair(group, id, 0) % 100u + 1u;
    return percentage > 0 && (double)norm <= percentage;
}

static bool random_in(double percentage)
{
    return percentage > 0 && (double)lt__random(100) <= percentage;
}

static bool hostname_in(const lt__strset_t *set, lt_str_t host)
{
    char buf[256];
    if (!host.ptr || host.len >= sizeof(buf))
        return false;
    for (size_t i = 0; i < host.len; i++) {
        char c = host.ptr[i];
        buf[i] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
    }
    return lt__strset_has(set, (lt_str_t){buf, host.len});
}

static bool remote_address_in(const lt__strat_t *s, lt_str_t addr)
{
    if (!addr.ptr)
        return false;
    if (lt__strset_has(&s->ids, addr))
        return true;
    lt__cidr_t ip;
    if (!lt__cidr_parse(addr, false, &ip))
        return false;
    for (size_t i = 0; i < s->n_nets; i++)
        if (lt__cidr_contains(&s->nets[i], &ip))
            return true;
    return false;
}

static bool strategy_on(const lt__strat_t *s, const lt_context_t *ctx)
{
    if (s->never || !constraints_hold(s->cons, s->n_cons, ctx))
        return false;
    for (size_t i = 0; i < s->n_segs; i++)
        if (!constraints_hold(s->segs[i]->cons, s->segs[i]->n_cons, ctx))
            return false;
    switch (s->kind) {
    case LT__S_DEFAULT:
        return true;
    case LT__S_FLEXIBLE: {
        lt_str_t id;
        if (s->stick == LT__STICK_FIELD) {
            id = ctx_get(ctx, &s->stick_field);
            return id.len && in_rollout(s->group, id, s->percentage);
        }
        if (s->stick == LT__STICK_DEFAULT) {
            id = ctx->user_id.len ? ctx->user_id : ctx->session_id;
            if (id.len)
                return in_rollout(s->group, id, s->percentage);
        }
        return random_in(s->percentage);
    }
    case LT__S_USER_WITH_ID:
        return ctx->user_id.ptr && lt__strset_has(&s->ids, ctx->user_id);
    case LT__S_REMOTE_ADDRESS:
        return remote_address_in(s, ctx->remote_address);
    case LT__S_HOSTNAME:
        return hostname_in(&s->ids, ctx->hostname);
    case LT__S_GRADUAL_USER:
        return ctx->user_id.len && in_rollout(s->group, ctx->user_id, s->percentage);
    case LT__S_GRADUAL_SESSION:
        return ctx->session_id.len && in_rollout(s->group, ctx->session_id, s->percentage);
    case LT__S_GRADUAL_RANDOM:
        return random_in(s->percentage);
    default:
        return false;
    }
}

static const lt_variant_t *select_variant(const lt__vgroup_t *g, const lt_context_t *ctx)
{
    if (g->n == 0 || g->total_weight <= 0)
        return NULL;
    for (size_t i = 0; i < g->n_overrides; i++) {
        const lt__override_t *o = &g->overrides[i];
        lt_str_t v = ctx_get(ctx, &o->field);
        if (!v.ptr)
            continue;
        for (size_t k = 0; k < o->n_values; k++)
            if (lt_str_eq_c(v, o->values[k]))
                return o->variant;
    }
    /* variant stickiness "default": userId, sessionId, remoteAddress, then random */
    lt_str_t seed = {NULL, 0};
    if (g->stick == LT__STICK_FIELD) {
        seed = ctx_get(ctx, &g->stick_field);
    } else {
        const lt_str_t order[3] = {ctx->user_id, ctx->session_id, ctx->remote_address};
        for (size_t i = 0; i < 3 && !seed.len; i++)
            seed = order[i];
    }
    uint32_t total = (uint32_t)g->total_weight;
    uint32_t target =
        seed.len ? lt__hash_pair(g->group, seed, VARIANT_SEED) % total + 1 : lt__random(total);
    int64_t counter = 0;
    for (size_t i = 0; i < g->n; i++) {
        if (g->v[i].weight == 0)
            continue;
        counter += g->v[i].weight;
        if (counter >= target)
            return &g->v[i];
    }
    return NULL;
}

static void set_variant(lt_variant_result_t *out, bool feature_enabled, const lt_variant_t *v)
{
    out->feature_enabled = feature_enabled;
    out->enabled = v != NULL;
    out->name = v ? v->name : "disabled";
    out->payload = v ? v->payload : NULL;
}

static bool resolve(const lt_eval_env_t *e, const lt_eval_feature_t *f, const lt_context_t *ctx,
                    lt_variant_result_t *out);

static bool name_in(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(name, list[i]) == 0)
            return true;
    return false;
}

/* Parents are evaluated with the child's context; they have no dependencies themselves. */
static bool dependencies_met(const lt_eval_env_t *e, const lt_eval_feature_t *f,
                             const lt_context_t *ctx)
{
    if (f->deps_never)
        return false;
    for (size_t i = 0; i < f->n_deps; i++) {
        const lt__dep_t *d = &f->deps[i];
        if (!d->enabled) {
            if (resolve(e, d->parent, ctx, NULL))
                return false;
        } else if (d->n_variants) {
            lt_variant_result_t r;
            resolve(e, d->parent, ctx, &r);
            if (!r.feature_enabled || !name_in(r.name, d->variants, d->n_variants))
                return false;
        } else if (!resolve(e, d->parent, ctx, NULL)) {
            return false;
        }
    }
    return true;
}

/* isEnabled, and getVariant into out when out is not NULL. */
static bool resolve(const lt_eval_env_t *e, const lt_eval_feature_t *f, const lt_context_t *ctx,
                    lt_variant_result_t *out)
{
    if (!f || (f->n_deps && !dependencies_met(e, f, ctx)) || !f->enabled)
        goto off;
    if (f->n_strats) {
        const lt__strat_t *hit = NULL;
        for (size_t i = 0; i < f->n_strats && !hit; i++)
            if (strategy_on(&f->strats[i], ctx))
                hit = &f->strats[i];
        if (!hit)
            goto off;
        if (out && hit->variants.n) {
            const lt_variant_t *v = select_variant(&hit->variants, ctx);
            if (v) {
                set_variant(out, true, v);
                return true;
            }
        }
    }
    if (out)
        set_variant(out, true, select_variant(&f->variants, ctx));
    return true;
off:
    if (out)
        set_variant(out, false, NULL);
    return false;
}

bool lt_eval_is_enabled(const lt_eval_env_t *e, const lt_eval_feature_t *f, const lt_context_t *ctx)
{
    return resolve(e, f, ctx, NULL);
}

void lt_eval_variant(const lt_eval_env_t *e, const lt_eval_feature_t *f, const lt_context_t *ctx,
                     lt_variant_result_t *out)
{
    resolve(e, f, ctx, out);
}
