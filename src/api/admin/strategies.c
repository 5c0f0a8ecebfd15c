/*
 * strategies.c: the admin API for the strategies of a flag in one environment: list, add, get,
 * update, JSON Patch, delete, sort order. An environment left with no enabled strategy is
 * switched off, as Unleash does.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define NOT_FOUND(...) lt_write_fail(w, 404, "NotFoundError", __VA_ARGS__)

/* The strategy c->strategy in fe (a dup's), or NULL with a 404 set. */
static lt_strategy_t *find_strategy(lt_feature_env_t *fe, const lt_adm_wctx_t *c, lt_write_t *w)
{
    for (size_t i = 0; fe && i < fe->n_strategies; i++)
        if (fe->strategies[i].id && strcmp(fe->strategies[i].id, c->strategy) == 0)
            return &fe->strategies[i];
    NOT_FOUND("Could not find strategy with id %s", c->strategy);
    return NULL;
}

/* After a strategy change: an environment left with no enabled strategy is switched off. */
static void maybe_disable(lt_feature_env_t *fe)
{
    for (size_t i = 0; i < fe->n_strategies; i++)
        if (!fe->strategies[i].disabled)
            return;
    fe->enabled = false;
}

static int do_strategy_add(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_feature_t *f;
    lt_feature_env_t *fe = lt_adm_edit_env(d, c, w, &f);
    if (!fe)
        return LT_EINVAL;
    lt_strategy_t st;
    if (lt_adm_parse_strategy(c->a, d, c->body, f->name, NULL, &st, w) != LT_OK)
        return LT_EINVAL;
    if (fe->n_strategies >= LT_ADM_MAX_STRATEGIES)
        return lt_write_fail(w, 400, "ExceedsLimitError",
                             "Failed to create strategy. You can't create more than the "
                             "established limit of %d.",
                             LT_ADM_MAX_STRATEGIES);
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(c->body, "sortOrder"))) {
        int next = 0;
        for (size_t i = 0; i < fe->n_strategies; i++)
            next = fe->strategies[i].sort_order >= next ? fe->strategies[i].sort_order + 1 : next;
        st.sort_order = next;
    }
    char id[37];
    lt_uuid(id);
    st.id = lt_arena_strdup(c->a, id);
    *lt_adm_add_strategy(c->a, fe) = st;
    lt_strategies_sort(fe->strategies, fe->n_strategies);
    c->reply = lt_adm_strategy_json(c->a, &st);
    return lt_adm_commit(s, c, f, "feature-strategy-add", c->env, c->reply, NULL);
}

/* Replace strategy c->strategy with the body doc (PUT, and PATCH after patching). */
static int strategy_replace(lt_store_t *s, const lt_dataset_t *d, lt_adm_wctx_t *c,
                            const cJSON *doc, lt_write_t *w)
{
    lt_feature_t *f;
    lt_feature_env_t *fe = lt_adm_edit_env(d, c, w, &f);
    if (!fe)
        return LT_EINVAL;
    lt_strategy_t *cur = find_strategy(fe, c, w);
    if (!cur)
        return LT_EINVAL;
    lt_strategy_t st;
    if (lt_adm_parse_strategy(c->a, d, doc, f->name, cur, &st, w) != LT_OK)
        return LT_EINVAL;
    if (!cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(doc, "sortOrder")))
        st.sort_order = cur->sort_order;
    st.id = cur->id;
    char *pre = lt_adm_strategy_json(c->a, cur);
    *cur = st;
    maybe_disable(fe);
    lt_strategies_sort(fe->strategies, fe->n_strategies);
    c->reply = lt_adm_strategy_json(c->a, &st);
    return lt_adm_commit(s, c, f, "feature-strategy-update", c->env, c->reply, pre);
}

static int do_strategy_put(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    return strategy_replace(s, &snap->data, c, c->body, w);
}

static int do_strategy_patch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_feature_t *f;
    lt_feature_env_t *fe = lt_adm_edit_env(d, c, w, &f);
    lt_strategy_t *cur = fe ? find_strategy(fe, c, w) : NULL;
    if (!cur)
        return LT_EINVAL;
    cJSON *doc = cJSON_Parse(lt_adm_strategy_json(c->a, cur));
    cJSON_DeleteItemFromObjectCaseSensitive(doc, "id");
    int rc = lt_adm_json_patch(&doc, c->body, w);
    if (rc == LT_OK)
        rc = strategy_replace(s, d, c, doc, w);
    cJSON_Delete(doc);
    return rc;
}

static int do_strategy_delete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_feature_t *f;
    lt_feature_env_t *fe = lt_adm_edit_env(d, c, w, &f);
    if (!fe)
        return LT_EINVAL;
    lt_strategy_t *cur = find_strategy(fe, c, w);
    if (!cur)
        return LT_EINVAL;
    char *pre = lt_adm_strategy_json(c->a, cur);
    size_t i = (size_t)(cur - fe->strategies);
    memmove(&fe->strategies[i], &fe->strategies[i + 1],
            (fe->n_strategies - i - 1) * sizeof(*fe->strategies));
    fe->n_strategies--;
    maybe_disable(fe);
    return lt_adm_commit(s, c, f, "feature-strategy-remove", c->env, NULL, pre);
}

static char *strategy_ids_json(lt_arena_t *a, const lt_feature_env_t *fe)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"strategyIds\":[");
    for (size_t i = 0; fe && i < fe->n_strategies; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr_or_null(&b, fe->strategies[i].id);
    }
    lt_buf_puts(&b, "]}");
    return lt_adm_buf_arena(a, &b);
}

static int do_strategy_order(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    lt_feature_t *f;
    lt_feature_env_t *fe = lt_adm_edit_env(d, c, w, &f);
    if (!fe)
        return LT_EINVAL;
    const cJSON *it;
    cJSON_ArrayForEach(it, c->body)
    {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(it, "id");
        const cJSON *so = cJSON_GetObjectItemCaseSensitive(it, "sortOrder");
        if (!cJSON_IsString(id) || !cJSON_IsNumber(so))
            return BAD("each entry must be {id: string, sortOrder: number}");
        c->strategy = id->valuestring;
        lt_strategy_t *cur = find_strategy(fe, c, w);
        if (!cur)
            return lt_write_fail(w, 400, "BadDataError",
                                 "trying to change strategies for environment via update "
                                 "sortOrder");
        cur->sort_order = (int)lt_double_clamp(so->valuedouble, INT_MIN, INT_MAX);
    }
    lt_strategies_sort(fe->strategies, fe->n_strategies);
    return lt_adm_commit(
        s, c, f, "strategy-order-changed", c->env, strategy_ids_json(c->a, fe),
        strategy_ids_json(c->a, lt_feature_env(lt_dataset_feature(d, f->name), c->env)));
}

static void api_strategies_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_feature_t *f;
    const lt_environment_t *e;
    if (!(f = lt_adm_read_feature(r, d, p)) || !(e = lt_adm_read_env(r, d, f, p)))
        return;
    const lt_feature_env_t *fe = lt_feature_env(f, e->name);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; fe && i < fe->n_strategies; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_adm_write_strategy(&b, &fe->strategies[i]);
    }
    lt_buf_putc(&b, ']');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void api_strategy_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_feature_t *f;
    const lt_environment_t *e;
    if (!(f = lt_adm_read_feature(r, d, p)) || !(e = lt_adm_read_env(r, d, f, p)))
        return;
    const lt_feature_env_t *fe = lt_feature_env(f, e->name);
    const char *id = lt_adm_param(p, "strategyId");
    for (size_t i = 0; fe && i < fe->n_strategies; i++)
        if (fe->strategies[i].id && strcmp(fe->strategies[i].id, id) == 0) {
            lt_buf_t b;
            lt_buf_init(&b, 0);
            lt_adm_write_strategy(&b, &fe->strategies[i]);
            lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
            return;
        }
    lt_reply_error(r, 404, "NotFoundError", "Could not find strategy with id %s", id);
}

LT_ADM_WRITE(api_strategy_add, do_strategy_add, 200, .reply = NULL)
LT_ADM_WRITE(api_strategy_put, do_strategy_put, 200, .reply = NULL)
LT_ADM_WRITE(api_strategy_patch, do_strategy_patch, 200, .reply = NULL)
LT_ADM_WRITE(api_strategy_delete, do_strategy_delete, 200, .reply = NULL)
LT_ADM_WRITE(api_strategy_order, do_strategy_order, 200, .reply = NULL)

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_strategies[] = {
    ROUTE(LT_GET, LT_ADM_PE "/strategies", api_strategies_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, LT_ADM_PE "/strategies", api_strategy_add,
          LT_ADM_FLAG_ENV("CREATE_FEATURE_STRATEGY"), LT_JSON_OBJECT),
    ROUTE(LT_POST, LT_ADM_PE "/strategies/set-sort-order", api_strategy_order,
          LT_ADM_FLAG_ENV("UPDATE_FEATURE_STRATEGY"), LT_JSON_ARRAY),
    ROUTE(LT_GET, LT_ADM_PE "/strategies/:strategyId", api_strategy_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, LT_ADM_PE "/strategies/:strategyId", api_strategy_put,
          LT_ADM_FLAG_ENV("UPDATE_FEATURE_STRATEGY"), LT_JSON_OBJECT),
    ROUTE(LT_PATCH, LT_ADM_PE "/strategies/:strategyId", api_strategy_patch,
          LT_ADM_FLAG_ENV("UPDATE_FEATURE_STRATEGY"), LT_JSON_ARRAY),
    ROUTE(LT_DELETE, LT_ADM_PE "/strategies/:strategyId", api_strategy_delete,
          LT_ADM_FLAG_ENV("DELETE_FEATURE_STRATEGY")),
    {0},
};
