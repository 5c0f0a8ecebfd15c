/*
 * playground.c: POST /api/admin/playground, Unleash's "what would this context get": every
 * flag of an environment (in the projects asked for) evaluated for one context with the same
 * compiled form the SDK-facing APIs use (eval/), with the result of each strategy on its own.
 * The body is {environment, context, projects?: "*" | [ids]}; the answer {input, features}.
 * POST /api/admin/playground/advanced does the same over several environments and every
 * context the context's comma-separated values multiply out to.
 */
#include <stdio.h>
#include <stdlib.h>

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
                          const char *ctx_json, size_t *budget)
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
    if (ctx_json) { /* an entry of the advanced playground names its environment and context */
        lt_buf_puts(b, ",\"environment\":");
        lt_json_cstr(b, env);
        lt_buf_puts(b, ",\"context\":");
        lt_buf_puts(b, ctx_json);
    }
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

/* projects: absent or "*" (every project) or a list of ids; false after a 400. */
static bool parse_scope(lt_req_t *r, const cJSON *jproj, scope_t *scope)
{
    memset(scope, 0, sizeof(*scope));
    if (!jproj || (cJSON_IsString(jproj) && strcmp(jproj->valuestring, "*") == 0))
        return true;
    int n = cJSON_IsArray(jproj) ? cJSON_GetArraySize(jproj) : -1;
    if (n < 0 || n > PLAYGROUND_MAX_PROJECTS) {
        lt_reply_error(r, 400, "ValidationError",
                       "projects is \"*\" or a list of at most %d project ids.",
                       PLAYGROUND_MAX_PROJECTS);
        return false;
    }
    scope->projects = lt_arena_calloc(lt_req_arena(r), (size_t)n + 1, sizeof(char *));
    for (const cJSON *it = jproj->child; it; it = it->next) {
        if (!cJSON_IsString(it)) {
            lt_reply_error(r, 400, "ValidationError", "Every project id is a string.");
            return false;
        }
        scope->projects[scope->n_projects++] = it->valuestring;
    }
    return true;
}

/* "projects" of the input as given ("*" when every project). */
static void write_input_projects(lt_buf_t *b, const scope_t *scope, const cJSON *jproj)
{
    char *pj = scope->projects ? cJSON_PrintUnformatted(jproj) : NULL;
    lt_buf_puts(b, pj ? pj : "\"*\"");
    cJSON_free(pj);
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
    scope_t scope;
    if (!parse_scope(r, jproj, &scope))
        return;
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
    write_input_projects(&b, &scope, jproj);
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
        write_feature(r, &b, d, view->eval, ef, env, &ctx, NULL, &budget);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* ---------- the advanced playground ---------- */

#define PLAYGROUND_MAX_ENVS 20
#define PLAYGROUND_MAX_COMBINATIONS 1000 /* contexts a request multiplies out */

/* Every context the body's context stands for: a string value holding commas is one value
 * per comma-separated part (trimmed, empty parts dropped); the others are themselves. The
 * objects are new (cJSON_Delete each); NULL after a 400. */
static cJSON **combinations(lt_req_t *r, const cJSON *jctx, size_t *out_n)
{
    size_t n = 1;
    cJSON **combos = lt_xcalloc(1, sizeof(*combos));
    combos[0] = cJSON_CreateObject();
    for (const cJSON *it = jctx->child; it; it = it->next) {
        cJSON *values = cJSON_CreateArray();
        if (cJSON_IsString(it) && strchr(it->valuestring, ',')) {
            char *copy = lt_arena_strdup(lt_req_arena(r), it->valuestring);
            for (char *save = NULL, *t = strtok_r(copy, ",", &save); t;
                 t = strtok_r(NULL, ",", &save)) {
                while (*t == ' ')
                    t++;
                size_t len = strlen(t);
                while (len && t[len - 1] == ' ')
                    t[--len] = '\0';
                if (len)
                    cJSON_AddItemToArray(values, cJSON_CreateString(t));
            }
        } else {
            cJSON_AddItemToArray(values, cJSON_Duplicate(it, true));
        }
        size_t nv = (size_t)cJSON_GetArraySize(values);
        if (nv && n * nv > PLAYGROUND_MAX_COMBINATIONS) {
            cJSON_Delete(values);
            for (size_t i = 0; i < n; i++)
                cJSON_Delete(combos[i]);
            free(combos);
            lt_reply_error(r, 400, "BadDataError",
                           "The context values make more than %d combinations.",
                           PLAYGROUND_MAX_COMBINATIONS);
            return NULL;
        }
        if (nv) {
            cJSON **next = lt_xcalloc(n * nv, sizeof(*next));
            size_t k = 0;
            for (size_t i = 0; i < n; i++) {
                const cJSON *v;
                cJSON_ArrayForEach(v, values)
                {
                    next[k] = cJSON_Duplicate(combos[i], true);
                    cJSON_AddItemToObject(next[k], it->string, cJSON_Duplicate(v, true));
                    k++;
                }
                cJSON_Delete(combos[i]);
            }
            free(combos);
            combos = next;
            n = k;
        }
        cJSON_Delete(values);
    }
    *out_n = n;
    return combos;
}

/* POST /api/admin/playground/advanced {environments, context, projects?}: every flag in every
 * environment for every context the context's comma-separated values multiply out to. */
static void playground_advanced(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    cJSON *body = lt_adm_ctx(r)->body;
    lt_snapshot_t *snap = lt_req_snapshot(r);
    const lt_dataset_t *d = &snap->data;
    lt_arena_t *a = lt_req_arena(r);
    const cJSON *jenvs = cJSON_GetObjectItemCaseSensitive(body, "environments");
    const cJSON *jctx = cJSON_GetObjectItemCaseSensitive(body, "context");
    const cJSON *jproj = cJSON_GetObjectItemCaseSensitive(body, "projects");
    int n_envs = cJSON_IsArray(jenvs) ? cJSON_GetArraySize(jenvs) : 0;
    if (n_envs < 1 || n_envs > PLAYGROUND_MAX_ENVS || !cJSON_IsObject(jctx)) {
        lt_reply_error(r, 400, "ValidationError",
                       "The advanced playground needs environments (a list of 1 to %d names) "
                       "and a context (an object).",
                       PLAYGROUND_MAX_ENVS);
        return;
    }
    scope_t scope;
    if (!parse_scope(r, jproj, &scope))
        return;
    const lt_env_view_t **views = lt_arena_calloc(a, (size_t)n_envs, sizeof(*views));
    int k = 0;
    for (const cJSON *it = jenvs->child; it; it = it->next, k++) {
        views[k] = cJSON_IsString(it) ? lt_snapshot_env(snap, it->valuestring) : NULL;
        if (!views[k]) {
            lt_reply_error(r, 400, "BadDataError", "The environment %s does not exist.",
                           cJSON_IsString(it) ? it->valuestring : "(not a string)");
            return;
        }
    }
    size_t n_combos;
    cJSON **combos = combinations(r, jctx, &n_combos);
    if (!combos)
        return;
    /* the contexts per environment, and each combination as JSON once */
    lt_context_t *ctxs = lt_arena_calloc(a, (size_t)n_envs * n_combos, sizeof(*ctxs));
    const char **ctx_json = lt_arena_calloc(a, n_combos, sizeof(*ctx_json));
    bool ok = true;
    for (size_t c = 0; c < n_combos; c++) {
        char *j = cJSON_PrintUnformatted(combos[c]);
        ctx_json[c] = lt_arena_strdup(a, j ? j : "{}");
        cJSON_free(j);
        for (int e = 0; e < n_envs && ok; e++)
            ok = lt_frontend_context_json(r, combos[c], views[e]->name,
                                          &ctxs[(size_t)e * n_combos + c]) == LT_OK;
    }
    if (!ok) {
        lt_reply_error(r, 400, "ValidationError", "The context has too many properties.");
    } else {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"input\":{\"environments\":");
        char *ej = cJSON_PrintUnformatted(jenvs);
        lt_buf_puts(&b, ej ? ej : "[]");
        cJSON_free(ej);
        lt_buf_puts(&b, ",\"projects\":");
        write_input_projects(&b, &scope, jproj);
        lt_buf_puts(&b, ",\"context\":");
        char *cj = cJSON_PrintUnformatted(jctx);
        lt_buf_puts(&b, cj ? cj : "{}");
        cJSON_free(cj);
        lt_buf_puts(&b, "},\"features\":[");
        size_t budget = PLAYGROUND_MAX_STRATEGY_EVALS;
        bool first = true;
        for (size_t i = 0; i < d->n_features; i++) {
            const lt_feature_t *f = &d->features[i];
            if (f->archived || !in_scope(&scope, f->project))
                continue;
            lt_buf_puts(&b, first ? "{\"name\":" : ",{\"name\":");
            first = false;
            lt_json_cstr(&b, f->name);
            lt_buf_puts(&b, ",\"projectId\":");
            lt_json_cstr(&b, f->project);
            lt_buf_puts(&b, ",\"environments\":{");
            for (int e = 0; e < n_envs; e++) {
                const lt_eval_env_t *ev = views[e]->eval;
                const lt_eval_feature_t *ef = lt_eval_find(ev, f->name, strlen(f->name));
                if (e)
                    lt_buf_putc(&b, ',');
                lt_json_cstr(&b, views[e]->name);
                lt_buf_puts(&b, ":[");
                for (size_t c = 0; ef && c < n_combos; c++) {
                    if (c)
                        lt_buf_putc(&b, ',');
                    write_feature(r, &b, d, ev, ef, views[e]->name, &ctxs[(size_t)e * n_combos + c],
                                  ctx_json[c], &budget);
                }
                lt_buf_putc(&b, ']');
            }
            lt_buf_puts(&b, "}}");
        }
        lt_buf_puts(&b, "]}");
        lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
    }
    for (size_t c = 0; c < n_combos; c++)
        cJSON_Delete(combos[c]);
    free(combos);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_playground[] = {
    ROUTE(LT_POST, "/api/admin/playground", playground, LT_AUTHENTICATED, LT_JSON_OBJECT),
    ROUTE(LT_POST, "/api/admin/playground/advanced", playground_advanced, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    {0},
};
