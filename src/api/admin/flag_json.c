/*
 * flag_json.c: the admin JSON of flags and their pieces (a strategy, a flag in one environment,
 * tags, the whole flag and its per-project summary), written once for replies and event data.
 */
#include "admin_int.h"

#include "../../base/util.h"
#include "../../model/model_json.h"

void lt_adm_write_strategy_refs(lt_buf_t *b, const strategy_ref_t *refs, size_t n)
{
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        lt_buf_puts(b, i ? ",{\"id\":" : "{\"id\":");
        lt_json_cstr(b, refs[i].id);
        lt_buf_puts(b, ",\"projectId\":");
        lt_json_cstr(b, refs[i].project);
        lt_buf_puts(b, ",\"featureName\":");
        lt_json_cstr(b, refs[i].feature);
        lt_buf_puts(b, ",\"strategyName\":");
        lt_json_cstr(b, refs[i].strategy);
        lt_buf_puts(b, ",\"environment\":");
        lt_json_cstr(b, refs[i].environment);
        lt_buf_putc(b, '}');
    }
    lt_buf_putc(b, ']');
}

void lt_adm_write_strategy(lt_buf_t *b, const lt_strategy_t *s)
{
    bool first = true;
    lt_buf_putc(b, '{');
    lt_json_key(b, &first, "id");
    lt_json_cstr_or_null(b, s->id);
    lt_json_key(b, &first, "name");
    lt_json_cstr(b, s->name);
    lt_json_key(b, &first, "title");
    lt_json_cstr_or_null(b, s->title);
    lt_json_key(b, &first, "disabled");
    lt_json_bool(b, s->disabled);
    lt_json_key(b, &first, "sortOrder");
    lt_json_i64(b, s->sort_order);
    lt_json_key(b, &first, "constraints");
    lt_model_write_constraints(b, s->constraints, s->n_constraints);
    lt_json_key(b, &first, "parameters");
    lt_model_write_params(b, s->params, s->n_params);
    lt_json_key(b, &first, "segments");
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < s->n_segments; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_i64(b, s->segments[i]);
    }
    lt_buf_putc(b, ']');
    lt_json_key(b, &first, "variants");
    lt_model_write_variants(b, s->variants, s->n_variants, false);
    lt_buf_putc(b, '}');
}

static bool any_enabled_strategy(const lt_feature_env_t *fe)
{
    for (size_t i = 0; fe && i < fe->n_strategies; i++)
        if (!fe->strategies[i].disabled)
            return true;
    return false;
}

void lt_adm_write_feature_env(lt_buf_t *b, const lt_feature_t *f, const lt_environment_t *e,
                              const lt_feature_env_t *fe)
{
    bool first = true;
    lt_buf_putc(b, '{');
    lt_json_key(b, &first, "name");
    lt_json_cstr(b, e->name);
    lt_json_key(b, &first, "featureName");
    lt_json_cstr(b, f->name);
    lt_json_key(b, &first, "environment");
    lt_json_cstr(b, e->name);
    lt_json_key(b, &first, "type");
    lt_json_cstr(b, e->type);
    lt_json_key(b, &first, "enabled");
    lt_json_bool(b, fe && fe->enabled);
    lt_json_key(b, &first, "sortOrder");
    lt_json_i64(b, e->sort_order);
    lt_json_key(b, &first, "variantCount");
    lt_json_i64(b, fe ? (int64_t)fe->n_variants : 0);
    lt_json_key(b, &first, "lastSeenAt");
    lt_buf_puts(b, "null");
    lt_json_key(b, &first, "hasStrategies");
    lt_json_bool(b, fe && fe->n_strategies > 0);
    lt_json_key(b, &first, "hasEnabledStrategies");
    lt_json_bool(b, any_enabled_strategy(fe));
    lt_json_key(b, &first, "strategies");
    lt_buf_putc(b, '[');
    for (size_t i = 0; fe && i < fe->n_strategies; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_adm_write_strategy(b, &fe->strategies[i]);
    }
    lt_buf_putc(b, ']');
    lt_json_key(b, &first, "variants");
    if (fe)
        lt_model_write_variants(b, fe->variants, fe->n_variants, true);
    else
        lt_buf_puts(b, "[]");
    lt_buf_putc(b, '}');
}

void lt_adm_write_tags(lt_buf_t *b, const lt_dataset_t *d, const char *feature)
{
    bool any = false;
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < d->n_tags; i++) {
        if (strcmp(d->tags[i].feature, feature) != 0)
            continue;
        if (any)
            lt_buf_putc(b, ',');
        lt_buf_puts(b, "{\"value\":");
        lt_json_cstr(b, d->tags[i].value);
        lt_buf_puts(b, ",\"type\":");
        lt_json_cstr(b, d->tags[i].type);
        lt_buf_putc(b, '}');
        any = true;
    }
    lt_buf_putc(b, ']');
}

static void write_meta(lt_buf_t *b, bool *first, const lt_dataset_t *d, const lt_feature_t *f)
{
    bool enabled = false;
    for (size_t i = 0; i < f->n_envs; i++)
        if (f->envs[i].enabled && lt_dataset_project_has_env(d, f->project, f->envs[i].environment))
            enabled = true;
    lt_json_key(b, first, "name");
    lt_json_cstr(b, f->name);
    lt_json_key(b, first, "type");
    lt_json_cstr(b, f->type ? f->type : "release");
    lt_json_key(b, first, "description");
    lt_json_cstr_or_null(b, f->description);
    lt_json_key(b, first, "project");
    lt_json_cstr(b, f->project);
    lt_json_key(b, first, "enabled");
    lt_json_bool(b, enabled);
    lt_json_key(b, first, "stale");
    lt_json_bool(b, f->stale);
    lt_json_key(b, first, "impressionData");
    lt_json_bool(b, f->impression_data);
    lt_json_key(b, first, "archived");
    lt_json_bool(b, f->archived);
    lt_json_key(b, first, "favorite");
    lt_json_bool(b, false);
    lt_json_key(b, first, "createdAt");
    lt_json_time(b, f->created_at);
    lt_json_key(b, first, "lastSeenAt");
    lt_buf_puts(b, "null");
}

void lt_adm_write_feature(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *f)
{
    bool first = true;
    lt_buf_putc(b, '{');
    write_meta(b, &first, d, f);
    lt_json_key(b, &first, "environments");
    lt_buf_putc(b, '[');
    bool any = false;
    for (size_t i = 0; i < d->n_envs; i++) { /* d->envs is in sort order */
        const lt_environment_t *e = &d->envs[i];
        if (!lt_dataset_project_has_env(d, f->project, e->name))
            continue;
        if (any)
            lt_buf_putc(b, ',');
        lt_adm_write_feature_env(b, f, e, lt_feature_env(f, e->name));
        any = true;
    }
    lt_buf_putc(b, ']');
    lt_json_key(b, &first, "variants");
    lt_buf_puts(b, "[]");
    lt_json_key(b, &first, "tags");
    lt_adm_write_tags(b, d, f->name);
    lt_json_key(b, &first, "dependencies");
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < f->n_dependencies; i++) {
        const lt_dependency_t *dep = &f->dependencies[i];
        if (i)
            lt_buf_putc(b, ',');
        lt_buf_puts(b, "{\"feature\":");
        lt_json_cstr(b, dep->feature);
        lt_buf_puts(b, ",\"enabled\":");
        lt_json_bool(b, dep->enabled);
        lt_buf_puts(b, ",\"variants\":[");
        for (size_t k = 0; k < dep->n_variants; k++) {
            if (k)
                lt_buf_putc(b, ',');
            lt_json_cstr(b, dep->variants[k]);
        }
        lt_buf_puts(b, "]}");
    }
    lt_buf_putc(b, ']');
    lt_json_key(b, &first, "children");
    lt_buf_putc(b, '[');
    any = false;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *c = &d->features[i];
        if (c->archived)
            continue;
        for (size_t k = 0; k < c->n_dependencies; k++) {
            if (strcmp(c->dependencies[k].feature, f->name) != 0)
                continue;
            if (any)
                lt_buf_putc(b, ',');
            lt_json_cstr(b, c->name);
            any = true;
            break;
        }
    }
    lt_buf_putc(b, ']');
    lt_buf_putc(b, '}');
}

int64_t lt_adm_usage_since(void)
{
    return (lt_now_ms() / 3600000 - 1) * 3600000;
}

void lt_adm_write_feature_summary(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *f)
{
    lt_adm_write_feature_summary_usage(b, d, f, NULL, 0, 0);
}

void lt_adm_write_feature_summary_usage(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *f,
                                        const lt_metric_row_t *m, size_t n_m, int64_t since)
{
    bool first = true;
    lt_buf_putc(b, '{');
    write_meta(b, &first, d, f);
    lt_json_key(b, &first, "environments");
    lt_buf_putc(b, '[');
    bool any = false;
    for (size_t i = 0; i < d->n_envs; i++) {
        const lt_environment_t *e = &d->envs[i];
        if (!lt_dataset_project_has_env(d, f->project, e->name))
            continue;
        const lt_feature_env_t *fe = lt_feature_env(f, e->name);
        if (any)
            lt_buf_putc(b, ',');
        lt_buf_puts(b, "{\"name\":");
        lt_json_cstr(b, e->name);
        lt_buf_puts(b, ",\"enabled\":");
        lt_json_bool(b, fe && fe->enabled);
        lt_buf_puts(b, ",\"type\":");
        lt_json_cstr(b, e->type);
        lt_buf_printf(b, ",\"sortOrder\":%d,\"variantCount\":%zu,\"lastSeenAt\":null",
                      e->sort_order, fe ? fe->n_variants : 0);
        lt_buf_puts(b, ",\"hasStrategies\":");
        lt_json_bool(b, fe && fe->n_strategies > 0);
        lt_buf_puts(b, ",\"hasEnabledStrategies\":");
        lt_json_bool(b, any_enabled_strategy(fe));
        if (since) {
            int64_t yes = 0, no = 0;
            for (size_t k = 0; k < n_m; k++)
                if (m[k].hour >= since && strcmp(m[k].environment, e->name) == 0) {
                    yes += m[k].yes;
                    no += m[k].no;
                }
            lt_buf_printf(b, ",\"yes\":%lld,\"no\":%lld", (long long)yes, (long long)no);
        }
        lt_buf_putc(b, '}');
        any = true;
    }
    lt_buf_putc(b, ']');
    lt_json_key(b, &first, "tags");
    lt_adm_write_tags(b, d, f->name);
    lt_buf_putc(b, '}');
}

char *lt_adm_buf_arena(lt_arena_t *a, lt_buf_t *b)
{
    char *s = lt_arena_strndup(a, b->ptr ? b->ptr : "", b->len);
    lt_buf_dispose(b);
    return s;
}

/* ---------- the same, in an arena ---------- */

char *lt_adm_feature_json(lt_arena_t *a, const lt_dataset_t *d, const lt_feature_t *f)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_feature(&b, d, f);
    return lt_adm_buf_arena(a, &b);
}

char *lt_adm_strategy_json(lt_arena_t *a, const lt_strategy_t *s)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_strategy(&b, s);
    return lt_adm_buf_arena(a, &b);
}
