/*
 * env_defaults.c: the default strategy of a project's environment (Unleash's "environment
 * default strategy"): POST .../projects/:projectId/environments/:environment/default-strategy
 * stores one (a flexibleRollout, as Unleash allows), the project and environment views show it
 * as defaultStrategy, and switching a flag on in an environment where it has no enabled
 * strategy adds it (features.c), or Unleash's built-in 100% rollout when there is none.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "../../base/util.h"
#include "admin_int.h"

/* A strategy's JSON as a default is kept and shown: lt_adm_write_strategy's without the id. */
static char *strategy_json_no_id(lt_arena_t *a, const lt_strategy_t *st)
{
    lt_strategy_t copy = *st;
    copy.id = NULL;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_strategy(&b, &copy);
    char *json = lt_adm_buf_arena(a, &b);
    static const char id_key[] = "{\"id\":null,";
    if (strncmp(json, id_key, sizeof(id_key) - 1) == 0) { /* always so: it writes the id first */
        json += sizeof(id_key) - 2;
        json[0] = '{';
    }
    return json;
}

void lt_adm_write_env_default(lt_buf_t *b, const lt_dataset_t *d, const char *project,
                              const char *env)
{
    const char *st = lt_dataset_env_default(d, project, env);
    if (!st)
        return;
    lt_buf_puts(b, ",\"defaultStrategy\":");
    lt_buf_puts(b, st);
}

lt_strategy_t lt_adm_env_default_strategy(lt_arena_t *a, const lt_dataset_t *d,
                                          const char *project, const char *env,
                                          const char *feature, int sort_order)
{
    lt_strategy_t st = {0};
    const char *text = lt_dataset_env_default(d, project, env);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    lt_write_t w = {0};
    /* a stored default reads back as it was accepted; one that no longer does (its segment was
     * deleted since) gives way to the built-in default */
    if (!j || lt_adm_parse_strategy(a, d, j, feature, NULL, &st, &w) != LT_OK) {
        memset(&st, 0, sizeof(st));
        st.name = "flexibleRollout";
        st.params = lt_arena_calloc(a, 3, sizeof(*st.params));
        st.params[0] = (lt_param_t){"rollout", "100"};
        st.params[1] = (lt_param_t){"stickiness", "default"};
        st.params[2] = (lt_param_t){"groupId", feature};
        st.n_params = 3;
    }
    cJSON_Delete(j);
    char id[37];
    lt_uuid(id);
    st.id = lt_arena_strdup(a, id);
    st.sort_order = sort_order;
    return st;
}

static int do_set_default(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(c->body, "name");
    if (!cJSON_IsString(name))
        return lt_write_fail(w, 400, "ValidationError", "\"name\" is required and must be a string");
    if (strcmp(name->valuestring, "flexibleRollout") != 0)
        return lt_write_fail(w, 400, "BadDataError",
                             "Only \"flexibleRollout\" strategy can be used as a default strategy "
                             "for an environment");
    if (!lt_dataset_project(d, c->project))
        return lt_write_fail(w, 404, "NotFoundError", "Could not find project with id %s",
                             c->project);
    if (!lt_dataset_project_has_env(d, c->project, c->env))
        return lt_write_fail(w, 404, "NotFoundError", "Could not find environment %s in project %s",
                             c->env, c->project);
    /* no flag: an absent or empty groupId stays "" and means the flag's name when used */
    lt_strategy_t st;
    if (lt_adm_parse_strategy(c->a, d, c->body, "", NULL, &st, w) != LT_OK)
        return LT_EINVAL;
    c->reply = strategy_json_no_id(c->a, &st);
    lt_event_t ev = lt_adm_wctx_event(c, "default-strategy-updated");
    ev.data = c->reply;
    ev.pre_data = lt_dataset_env_default(d, c->project, c->env);
    return lt_store_env_default_put(s, c->project, c->env, c->reply, &ev);
}

LT_ADM_WRITE(api_set_default, do_set_default, 200, .reply = NULL)

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_env_defaults[] = {
    ROUTE(LT_POST, "/api/admin/projects/:projectId/environments/:environment/default-strategy",
          api_set_default, LT_ADM_PROJ("UPDATE_PROJECT"), LT_JSON_OBJECT),
    {0},
};
