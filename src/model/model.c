/*
 * model.c: look-ups over the model and its JSON output as the client API shows it.
 * Output goes straight into a growable buffer; nothing here allocates otherwise.
 */
#include "model.h"

#include <stdlib.h>

#include "../base/util.h"

const lt_feature_env_t *lt_feature_env(const lt_feature_t *f, const char *env)
{
    for (size_t i = 0; i < f->n_envs; i++)
        if (strcmp(f->envs[i].environment, env) == 0)
            return &f->envs[i];
    return NULL;
}

const lt_segment_t *lt_segment_find(const lt_segment_t *segs, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (segs[mid].id == id)
            return &segs[mid];
        if (segs[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static int strategy_cmp(const void *pa, const void *pb)
{
    const lt_strategy_t *a = pa, *b = pb;
    if (a->sort_order != b->sort_order)
        return a->sort_order < b->sort_order ? -1 : 1;
    return strcmp(a->id ? a->id : "", b->id ? b->id : "");
}

void lt_strategies_sort(lt_strategy_t *s, size_t n)
{
    /* insertion sort: stable, so strategies without ids keep their document order */
    for (size_t i = 1; i < n; i++) {
        lt_strategy_t tmp = s[i];
        size_t j = i;
        while (j > 0 && strategy_cmp(&s[j - 1], &tmp) > 0) {
            s[j] = s[j - 1];
            j--;
        }
        s[j] = tmp;
    }
}

static void write_str_list(lt_buf_t *b, const char *const *v, size_t n)
{
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, v[i]);
    }
    lt_buf_putc(b, ']');
}

static void write_constraint(lt_buf_t *b, const lt_constraint_t *c)
{
    bool first = true;
    lt_buf_putc(b, '{');
    lt_json_key(b, &first, "contextName");
    lt_json_cstr(b, c->context_name);
    lt_json_key(b, &first, "operator");
    lt_json_cstr(b, c->op);
    if (c->has_values || !c->value) {
        lt_json_key(b, &first, "values");
        write_str_list(b, c->values, c->n_values);
    }
    if (c->value) {
        lt_json_key(b, &first, "value");
        lt_json_cstr(b, c->value);
    }
    lt_json_key(b, &first, "inverted");
    lt_json_bool(b, c->inverted);
    lt_json_key(b, &first, "caseInsensitive");
    lt_json_bool(b, c->case_insensitive);
    lt_buf_putc(b, '}');
}

void lt_model_write_constraints(lt_buf_t *b, const lt_constraint_t *c, size_t n)
{
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(b, ',');
        write_constraint(b, &c[i]);
    }
    lt_buf_putc(b, ']');
}

void lt_model_write_params(lt_buf_t *b, const lt_param_t *p, size_t n)
{
    bool first = true;
    lt_buf_putc(b, '{');
    for (size_t i = 0; i < n; i++) {
        lt_json_key(b, &first, p[i].key);
        lt_json_cstr(b, p[i].value);
    }
    lt_buf_putc(b, '}');
}

void lt_model_write_variants(lt_buf_t *b, const lt_variant_t *v, size_t n, bool with_overrides)
{
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        bool first = true;
        if (i)
            lt_buf_putc(b, ',');
        lt_buf_putc(b, '{');
        lt_json_key(b, &first, "name");
        lt_json_cstr(b, v[i].name);
        lt_json_key(b, &first, "weight");
        lt_json_i64(b, v[i].weight);
        lt_json_key(b, &first, "weightType");
        lt_json_cstr(b, v[i].weight_type ? v[i].weight_type : "variable");
        /* a strategy variant without stickiness inherits the strategy's: writing "default"
         * would change what a reader (an SDK, a latch edge) evaluates */
        if (v[i].stickiness || with_overrides) {
            lt_json_key(b, &first, "stickiness");
            lt_json_cstr(b, v[i].stickiness ? v[i].stickiness : "default");
        }
        if (v[i].payload) {
            lt_json_key(b, &first, "payload");
            lt_buf_puts(b, "{\"type\":");
            lt_json_cstr(b, v[i].payload->type);
            lt_buf_puts(b, ",\"value\":");
            lt_json_cstr(b, v[i].payload->value);
            lt_buf_putc(b, '}');
        }
        if (with_overrides && v[i].n_overrides) {
            lt_json_key(b, &first, "overrides");
            lt_buf_putc(b, '[');
            for (size_t k = 0; k < v[i].n_overrides; k++) {
                if (k)
                    lt_buf_putc(b, ',');
                lt_buf_puts(b, "{\"contextName\":");
                lt_json_cstr(b, v[i].overrides[k].context_name);
                lt_buf_puts(b, ",\"values\":");
                write_str_list(b, v[i].overrides[k].values, v[i].overrides[k].n_values);
                lt_buf_putc(b, '}');
            }
            lt_buf_putc(b, ']');
        }
        lt_buf_putc(b, '}');
    }
    lt_buf_putc(b, ']');
}

static void write_strategy(lt_buf_t *b, const lt_strategy_t *s, const lt_write_opts_t *o)
{
    bool first = true;
    lt_buf_putc(b, '{');
    if (o->export_extras && s->id) {
        lt_json_key(b, &first, "id");
        lt_json_cstr(b, s->id);
    }
    lt_json_key(b, &first, "name");
    lt_json_cstr(b, s->name);
    if (o->export_extras) {
        if (s->title) {
            lt_json_key(b, &first, "title");
            lt_json_cstr(b, s->title);
        }
        lt_json_key(b, &first, "sortOrder");
        lt_json_i64(b, s->sort_order);
        lt_json_key(b, &first, "disabled");
        lt_json_bool(b, s->disabled);
    }
    lt_json_key(b, &first, "constraints");
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < s->n_constraints; i++) {
        if (i)
            lt_buf_putc(b, ',');
        write_constraint(b, &s->constraints[i]);
    }
    if (o->inline_segments) {
        bool any = s->n_constraints > 0;
        for (size_t k = 0; k < s->n_segments; k++) {
            const lt_segment_t *seg = lt_segment_find(o->segs, o->n_segs, s->segments[k]);
            if (!seg) {
                /* A missing segment makes the strategy false: an IN over no values is. */
                lt_buf_puts(b, any ? "," : "");
                lt_buf_puts(b, "{\"contextName\":\"latchMissingSegment\",\"operator\":\"IN\","
                               "\"values\":[],\"inverted\":false,\"caseInsensitive\":false}");
                any = true;
                continue;
            }
            for (size_t i = 0; i < seg->n_constraints; i++) {
                if (any)
                    lt_buf_putc(b, ',');
                write_constraint(b, &seg->constraints[i]);
                any = true;
            }
        }
    }
    lt_buf_putc(b, ']');
    lt_json_key(b, &first, "parameters");
    lt_model_write_params(b, s->params, s->n_params);
    lt_json_key(b, &first, "variants");
    lt_model_write_variants(b, s->variants, s->n_variants, false);
    if (!o->inline_segments && s->n_segments) {
        lt_json_key(b, &first, "segments");
        lt_buf_putc(b, '[');
        for (size_t i = 0; i < s->n_segments; i++) {
            if (i)
                lt_buf_putc(b, ',');
            lt_json_i64(b, s->segments[i]);
        }
        lt_buf_putc(b, ']');
    }
    lt_buf_putc(b, '}');
}

void lt_model_write_feature(lt_buf_t *b, const lt_feature_t *f, const lt_feature_env_t *fe,
                            const lt_write_opts_t *o)
{
    bool first = true;
    lt_buf_putc(b, '{');
    lt_json_key(b, &first, "name");
    lt_json_cstr(b, f->name);
    lt_json_key(b, &first, "type");
    lt_json_cstr(b, f->type);
    lt_json_key(b, &first, "description");
    lt_json_cstr_or_null(b, f->description);
    lt_json_key(b, &first, "enabled");
    lt_json_bool(b, fe && fe->enabled);
    lt_json_key(b, &first, "project");
    lt_json_cstr(b, f->project);
    lt_json_key(b, &first, "stale");
    lt_json_bool(b, f->stale);
    lt_json_key(b, &first, "impressionData");
    lt_json_bool(b, f->impression_data);
    lt_json_key(b, &first, "strategies");
    lt_buf_putc(b, '[');
    bool any = false;
    for (size_t i = 0; fe && i < fe->n_strategies; i++) {
        if (fe->strategies[i].disabled && !o->export_extras)
            continue;
        if (any)
            lt_buf_putc(b, ',');
        write_strategy(b, &fe->strategies[i], o);
        any = true;
    }
    lt_buf_putc(b, ']');
    lt_json_key(b, &first, "variants");
    if (fe)
        lt_model_write_variants(b, fe->variants, fe->n_variants, true);
    else
        lt_buf_puts(b, "[]");
    if (f->n_dependencies) {
        lt_json_key(b, &first, "dependencies");
        lt_buf_putc(b, '[');
        for (size_t i = 0; i < f->n_dependencies; i++) {
            const lt_dependency_t *d = &f->dependencies[i];
            if (i)
                lt_buf_putc(b, ',');
            lt_buf_puts(b, "{\"feature\":");
            lt_json_cstr(b, d->feature);
            lt_buf_puts(b, ",\"enabled\":");
            lt_json_bool(b, d->enabled);
            if (d->enabled && d->n_variants) {
                lt_buf_puts(b, ",\"variants\":");
                write_str_list(b, d->variants, d->n_variants);
            }
            lt_buf_putc(b, '}');
        }
        lt_buf_putc(b, ']');
    }
    if (o->export_extras && f->created_at) {
        char ts[32];
        lt_time_format(f->created_at, ts);
        lt_json_key(b, &first, "createdAt");
        lt_json_cstr(b, ts);
    }
    lt_buf_putc(b, '}');
}

void lt_model_write_segment(lt_buf_t *b, const lt_segment_t *s)
{
    lt_buf_puts(b, "{\"id\":");
    lt_json_i64(b, s->id);
    lt_buf_puts(b, ",\"name\":");
    lt_json_cstr(b, s->name ? s->name : "");
    lt_buf_puts(b, ",\"constraints\":");
    lt_model_write_constraints(b, s->constraints, s->n_constraints);
    lt_buf_putc(b, '}');
}

bool lt_model_scope_id_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 100)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '~'))
            return false;
    }
    return true;
}
