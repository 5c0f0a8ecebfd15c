/*
 * playground.c: POST /api/admin/playground, Unleash's "what would this context get": every
 * flag of an environment (in the projects asked for) evaluated for one context with the same
 * compiled form the SDK-facing APIs use (eval/), with the result of each strategy on its own.
 * The body is {environment, context, projects?: "*" | [ids]}; the answer {input, features}.
 */
#include <stdio.h>

#include "../frontend.h"
#include "admin_int.h"
#include "../api.h"

#define PLAYGROUND_MAX_PROJECTS 100
/* Strategies evaluated one by one in a request (each is a compile); past it a strategy's own
 * result is "unknown", "unevaluated" (the flag's result is always evaluated) */
#define PLAYGROUND_MAX_STRATEGY_EVALS 5000

typedef struct {
    const char **projects; /* NULL: every project ("*") */
    size_t n_projects;
} scope_t;

static bool in_scope(const scope_t *s, const char *project)
{
    if (!s->projects)
        return true;
    for (size_t i = 0; i < s->n_projects; i++)
        if (strcmp(s->projects[i], project) == 0)
            return true;
    return false;
}

/* Does strategy s alone, with the flag's environment on and no dependency, take the context? */
static bool strategy_result(lt_arena_t *a, const lt_dataset_t *d, const lt_feature_t *f,
                            const lt_strategy_t *s, const char *env, const lt_context_t *ctx)
{
    lt_feature_t one = *f;
    lt_feature_env_t fe = {.environment = env, .enabled = true};
    lt_strategy_t st = *s;
    st.disabled = false;
    st.variants = NULL;
    st.n_variants = 0;
    fe.strategies = &st;
    fe.n_strategies = 1;
    one.envs = &fe;
    one.n_envs = 1;
    one.dependencies = NULL;
    one.n_dependencies = 0;
    one.archived = false;
    lt_eval_env_t *e = lt_eval_compile(a, &one, 1, env, d->segments, d->n_segments);
    bool on = lt_eval_is_enabled(e, lt_eval_at(e, 0), ctx);
    lt_eval_free(e);
    return on;
}

static void write_variant(lt_buf_t *b, const lt_variant_result_t *v)
{
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, v->name);
    lt_buf_puts(b, ",\"enabled\":");
    lt_json_bool(b, v->enabled);
    if (v->payload) {
        lt_buf_puts(b, ",\"payload\":{\"type\":");
        lt_json_cstr(b, v->payload->type);
        lt_buf_puts(b, ",\"value\":");
        lt_json_cstr(b, v->payload->value);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, ",\"feature_enabled\":");
    lt_json_bool(b, v->feature_enabled);
    lt_buf_putc(b, '}');
}

static void write_feature(lt_req_t *r, lt_buf_t *b, const lt_dataset_t *d, const lt_eval_env_t *e,
                          const lt_eval_feature_t *ef, const char *env, const lt_context_t *ctx,
                          size_t *budget)
{
    const lt_feature_t *f = lt_eval_feature_source(ef);
    const lt_feature_env_t *fe = lt_feature_env(f, env); /* the model's: disabled ones too */
    lt_variant_result_t v;
    lt_eval_variant(e, ef, ctx, &v);
    bool deps_ok = true;
    for (size_t i = 0; i < f->n_dependencies; i++) {
        const lt_eval_feature_t *parent =
            lt_eval_find(e, f->dependencies[i].feature, strlen(f->dependencies[i].feature));
        lt_variant_result_t pv;
        lt_eval_variant(e, parent, ctx, &pv);
        deps_ok = deps_ok && pv.feature_enabled == f->dependencies[i].enabled;
    }
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, f->name);
    lt_buf_puts(b, ",\"projectId\":");
    lt_json_cstr(b, f->project);
    lt_buf_puts(b, ",\"isEnabledInCurrentEnvironment\":");
    lt_json_bool(b, fe && fe->enabled);
    lt_buf_puts(b, ",\"isEnabled\":");
    lt_json_bool(b, v.feature_enabled);
    lt_buf_puts(b, ",\"hasUnsatisfiedDependency\":");
    lt_json_bool(b, !deps_ok);
    lt_buf_puts(b, ",\"strategies\":{\"result\":");
    lt_buf_t data;
    lt_buf_init(&data, 0);
    bool any = false;
    for (size_t i = 0; fe && i < fe->n_strategies; i++) {
        const lt_strategy_t *s = &fe->strategies[i];
        bool evaluated = *budget > 0;
        bool on = evaluated && strategy_result(lt_req_arena(r), d, f, s, env, ctx);
        *budget -= evaluated;
        any = any || (on && !s->disabled);
        if (i)
            lt_buf_putc(&data, ',');
        size_t at = data.len;
        lt_adm_write_strategy(&data, s);
        if (data.len > at && data.ptr[data.len - 1] == '}')
            data.len--; /* the strategy's own object, with its result added */
        if (evaluated) {
            lt_buf_puts(&data, ",\"result\":{\"enabled\":");
            lt_json_bool(&data, on);
            lt_buf_puts(&data, ",\"evaluationStatus\":\"complete\"}}");
        } else {
            lt_buf_puts(&data, ",\"result\":{\"enabled\":\"unknown\","
                               "\"evaluationStatus\":\"unevaluated\"}}");
        }
    }
    lt_json_bool(b, any);
    lt_buf_puts(b, ",\"data\":[");
    lt_buf_append(b, data.ptr ? data.ptr : "", data.len);
    lt_buf_dispose(&data);
    lt_buf_puts(b, "]},\"variant\":");
    write_variant(b, &v);
    lt_buf_puts(b, ",\"variants\":");
    lt_model_write_variants(b, fe ? fe->variants : NULL, fe ? fe->n_variants : 0, true);
    lt_buf_putc(b, '}');
}

static void playground(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    cJSON *body = lt_adm_ctx(r)->body;
    lt_snapshot_t *snap = lt_req_snapshot(r);
    const lt_dataset_t *d = &snap->data;
    const cJSON *jenv = cJSON_GetObjectItemCaseSensitive(body, "environment");
    const cJSON *jctx = cJSON_GetObjectItemCaseSensitive(body, "context");
    const cJSON *jproj = cJSON_GetObjectItemCaseSensitive(body, "projects");
    if (!cJSON_IsString(jenv) || !jenv->valuestring[0] || !cJSON_IsObject(jctx)) {
        lt_reply_error(r, 400, "ValidationError",
                       "The playground needs an environment (a string) and a context (an "
                       "object).");
        return;
    }
    scope_t scope = {0};
    if (jproj && !(cJSON_IsString(jproj) && strcmp(jproj->valuestring, "*") == 0)) {
        int n = cJSON_IsArray(jproj) ? cJSON_GetArraySize(jproj) : -1;
        if (n < 0 || n > PLAYGROUND_MAX_PROJECTS) {
            lt_reply_error(r, 400, "ValidationError",
                           "projects is \"*\" or a list of at most %d project ids.",
                           PLAYGROUND_MAX_PROJECTS);
            return;
        }
        scope.projects = lt_arena_calloc(lt_req_arena(r), (size_t)n + 1, sizeof(char *));
        for (const cJSON *it = jproj->child; it; it = it->next) {
            if (!cJSON_IsString(it)) {
                lt_reply_error(r, 400, "ValidationError", "Every project id is a string.");
                return;
            }
            scope.projects[scope.n_projects++] = it->valuestring;
        }
    }
    const char *env = jenv->valuestring;
    const lt_env_view_t *view = lt_snapshot_env(snap, env);
    if (!view) {
        lt_reply_error(r, 400, "BadDataError", "The environment %s does not exist.", env);
        return;
    }
    lt_context_t ctx;
    if (lt_frontend_context_json(r, jctx, env, &ctx) != LT_OK) {
        lt_reply_error(r, 400, "ValidationError", "The context has too many properties.");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"input\":{\"environment\":");
    lt_json_cstr(&b, env);
    lt_buf_puts(&b, ",\"projects\":");
    char *pj = cJSON_PrintUnformatted(scope.projects ? jproj : NULL);
    lt_buf_puts(&b, pj ? pj : "\"*\"");
    cJSON_free(pj);
    lt_buf_puts(&b, ",\"context\":");
    char *cj = cJSON_PrintUnformatted(jctx);
    lt_buf_puts(&b, cj ? cj : "{}");
    cJSON_free(cj);
    lt_buf_puts(&b, "},\"features\":[");
    bool first = true;
    size_t budget = PLAYGROUND_MAX_STRATEGY_EVALS;
    for (size_t i = 0; i < lt_eval_count(view->eval); i++) {
        const lt_eval_feature_t *ef = lt_eval_at(view->eval, i);
        if (!in_scope(&scope, lt_eval_feature_project(ef)))
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_feature(r, &b, d, view->eval, ef, env, &ctx, &budget);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_playground[] = {
    ROUTE(LT_POST, "/api/admin/playground", playground, LT_AUTHENTICATED, LT_JSON_OBJECT),
    {0},
};
