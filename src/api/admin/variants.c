/*
 * variants.c: the admin API for the variants of a flag per environment: get, replace, JSON
 * Patch, and one list for several environments at once (variants-batch), each environment
 * checked against the caller's permission.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define NOT_FOUND(...) lt_write_fail(w, 404, "NotFoundError", __VA_ARGS__)

static char *variants_json(lt_arena_t *a, const lt_variant_t *v, size_t n, bool version)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, version ? "{\"version\":1,\"variants\":" : "{\"variants\":");
    lt_model_write_variants(&b, v, n, true);
    lt_buf_putc(&b, '}');
    return lt_adm_buf_arena(a, &b);
}

static int variants_set(lt_store_t *s, const lt_dataset_t *d, lt_adm_wctx_t *c, const cJSON *list,
                        lt_write_t *w)
{
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old || !lt_adm_find_env(d, c, old, w))
        return LT_EINVAL;
    if (!cJSON_IsArray(list))
        return BAD("the variants must be an array");
    lt_variant_t *v;
    size_t n;
    if (lt_adm_parse_variants(c->a, list, false, &v, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    lt_feature_env_t *fe = lt_adm_env_state(c->a, f, c->env);
    const lt_feature_env_t *ofe = lt_feature_env(old, c->env);
    fe->variants = v;
    fe->n_variants = n;
    c->reply = variants_json(c->a, v, n, true);
    return lt_adm_commit(
        s, c, f, "feature-environment-variants-updated", c->env, variants_json(c->a, v, n, false),
        variants_json(c->a, ofe ? ofe->variants : NULL, ofe ? ofe->n_variants : 0, false));
}

static int do_variants_put(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    return variants_set(s, &snap->data, c, c->body, w);
}

static int do_variants_patch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old || !lt_adm_find_env(d, c, old, w))
        return LT_EINVAL;
    const lt_feature_env_t *ofe = lt_feature_env(old, c->env);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_variants(&b, ofe ? ofe->variants : NULL, ofe ? ofe->n_variants : 0, true);
    cJSON *doc = cJSON_Parse(lt_adm_buf_arena(c->a, &b));
    int rc = lt_adm_json_patch(&doc, c->body, w);
    if (rc == LT_OK)
        rc = variants_set(s, d, c, doc, w);
    cJSON_Delete(doc);
    return rc;
}

static int do_variants_batch(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old)
        return LT_EINVAL;
    const cJSON *envs = cJSON_GetObjectItemCaseSensitive(c->body, "environments");
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(c->body, "variants");
    if (!cJSON_IsArray(envs) || cJSON_GetArraySize(envs) < 1 || !cJSON_IsArray(list))
        return BAD("the body must be {variants: [...], environments: [names]}");
    lt_variant_t *v;
    size_t n;
    if (lt_adm_parse_variants(c->a, list, false, &v, &n, w) != LT_OK)
        return LT_EINVAL;
    lt_feature_t *f = lt_adm_feature_dup(c->a, old);
    const cJSON *it;
    cJSON_ArrayForEach(it, envs)
    {
        if (!cJSON_IsString(it))
            return BAD("\"environments\" must be an array of names");
        c->env = it->valuestring;
        if (!lt_adm_find_env(d, c, old, w))
            return LT_EINVAL;
        if (!lt_access_can(d, &c->who, "UPDATE_FEATURE_ENVIRONMENT_VARIANTS", old->project, c->env))
            return lt_write_fail(w, 403, "PermissionError",
                                 "You don't have the required permissions to perform this "
                                 "operation. To perform this action, you need the "
                                 "\"UPDATE_FEATURE_ENVIRONMENT_VARIANTS\" permission.");
        lt_feature_env_t *fe = lt_adm_env_state(c->a, f, c->env);
        fe->variants = v;
        fe->n_variants = n;
    }
    c->env = NULL;
    c->reply = variants_json(c->a, v, n, true);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"variants\":");
    lt_model_write_variants(&b, v, n, true);
    char *envs_txt = cJSON_PrintUnformatted(envs);
    lt_buf_puts(&b, ",\"environments\":");
    lt_buf_puts(&b, envs_txt ? envs_txt : "[]");
    cJSON_free(envs_txt);
    lt_buf_putc(&b, '}');
    return lt_adm_commit(s, c, f, "feature-environment-variants-updated", NULL, lt_adm_buf_arena(c->a, &b),
                  NULL);
}

static void api_variants_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_feature_t *f;
    const lt_environment_t *e;
    if (!(f = lt_adm_read_feature(r, d, p)) || !(e = lt_adm_read_env(r, d, f, p)))
        return;
    const lt_feature_env_t *fe = lt_feature_env(f, e->name);
    lt_reply_json(
        r, 200,
        variants_json(lt_req_arena(r), fe ? fe->variants : NULL, fe ? fe->n_variants : 0, true));
}

LT_ADM_WRITE(api_variants_put, do_variants_put, 200, .reply = NULL)
LT_ADM_WRITE(api_variants_patch, do_variants_patch, 200, .reply = NULL)
LT_ADM_WRITE(api_variants_batch, do_variants_batch, 200, .reply = NULL)

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_variants[] = {
    ROUTE(LT_PUT, LT_ADM_PF "/variants-batch", api_variants_batch, LT_ADM_FLAG("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_GET, LT_ADM_PE "/variants", api_variants_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, LT_ADM_PE "/variants", api_variants_put, LT_ADM_FLAG_ENV("UPDATE_FEATURE_ENVIRONMENT_VARIANTS"),
          LT_JSON_ARRAY),
    ROUTE(LT_PATCH, LT_ADM_PE "/variants", api_variants_patch,
          LT_ADM_FLAG_ENV("UPDATE_FEATURE_ENVIRONMENT_VARIANTS"), LT_JSON_ARRAY),
    {0},
};
