/*
 * flag_write.c: the write path the flag resources (features.c, strategies.c, variants.c,
 * tags.c, archive.c) share: copy-on-write of a flag from the snapshot, the look-ups of a write
 * and of a read that answer Unleash's 404s, JSON Patch (RFC 6902), one flag stored with its
 * event, and the handler skeleton that runs a write and replies.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define NOT_FOUND(...) lt_write_fail(w, 404, "NotFoundError", __VA_ARGS__)

/* ---------- copy-on-write ---------- */

lt_feature_t *lt_adm_feature_dup(lt_arena_t *a, const lt_feature_t *f)
{
    lt_feature_t *n = lt_arena_calloc(a, 1, sizeof(*n));
    *n = *f;
    n->envs = lt_arena_calloc(a, f->n_envs + 1, sizeof(*n->envs));
    for (size_t i = 0; i < f->n_envs; i++) {
        n->envs[i] = f->envs[i];
        lt_feature_env_t *fe = &n->envs[i];
        fe->strategies = lt_arena_calloc(a, fe->n_strategies + 1, sizeof(*fe->strategies));
        if (f->envs[i].n_strategies)
            memcpy(fe->strategies, f->envs[i].strategies,
                   f->envs[i].n_strategies * sizeof(*fe->strategies));
    }
    return n;
}

lt_feature_env_t *lt_adm_env_state(lt_arena_t *a, lt_feature_t *f, const char *env)
{
    for (size_t i = 0; i < f->n_envs; i++)
        if (strcmp(f->envs[i].environment, env) == 0)
            return &f->envs[i];
    lt_feature_env_t *envs = lt_arena_calloc(a, f->n_envs + 1, sizeof(*envs));
    if (f->n_envs)
        memcpy(envs, f->envs, f->n_envs * sizeof(*envs));
    lt_feature_env_t *fe = &envs[f->n_envs];
    fe->environment = lt_arena_strdup(a, env);
    fe->strategies = lt_arena_calloc(a, 1, sizeof(*fe->strategies));
    f->envs = envs;
    f->n_envs++;
    return fe;
}

lt_strategy_t *lt_adm_add_strategy(lt_arena_t *a, lt_feature_env_t *fe)
{
    lt_strategy_t *s = lt_arena_calloc(a, fe->n_strategies + 1, sizeof(*s));
    if (fe->n_strategies)
        memcpy(s, fe->strategies, fe->n_strategies * sizeof(*s));
    fe->strategies = s;
    return &s[fe->n_strategies++];
}

/* ---------- look-ups inside a write ---------- */

/* The live flag c->feature of project c->project, or NULL with a 404 set. */
const lt_feature_t *lt_adm_find_live(const lt_dataset_t *d, lt_adm_wctx_t *c, lt_write_t *w)
{
    if (c->project && !lt_dataset_project(d, c->project)) {
        NOT_FOUND("Could not find project with id %s", c->project);
        return NULL;
    }
    const lt_feature_t *f = lt_dataset_feature(d, c->feature);
    if (!f || f->archived) {
        NOT_FOUND("Could not find feature flag with name %s", c->feature);
        return NULL;
    }
    if (c->project && strcmp(f->project, c->project) != 0) {
        NOT_FOUND("There's no feature named \"%s\" in project \"%s\"", c->feature, c->project);
        return NULL;
    }
    return f;
}

/* Environment c->env of the flag's project, or NULL with a 404 set. */
const lt_environment_t *lt_adm_find_env(const lt_dataset_t *d, const lt_adm_wctx_t *c,
                                        const lt_feature_t *f, lt_write_t *w)
{
    const lt_environment_t *e = lt_dataset_env(d, c->env);
    if (!e || !lt_dataset_project_has_env(d, f->project, c->env)) {
        NOT_FOUND("Could not find environment %s for feature: %s", c->env, f->name);
        return NULL;
    }
    return e;
}

lt_feature_env_t *lt_adm_edit_env(const lt_dataset_t *d, lt_adm_wctx_t *c, lt_write_t *w,
                                  lt_feature_t **out)
{
    const lt_feature_t *old = lt_adm_find_live(d, c, w);
    if (!old || !lt_adm_find_env(d, c, old, w))
        return NULL;
    *out = lt_adm_feature_dup(c->a, old);
    return lt_adm_env_state(c->a, *out, c->env);
}

/* ---------- look-ups of a read ---------- */

/* The flag of a read: live (and in the project when one is in the path), else 404 sent. */
const lt_feature_t *lt_adm_read_feature(lt_req_t *r, const lt_dataset_t *d, const lt_params_t *p)
{
    const char *name = lt_adm_param(p, "featureName"), *project = lt_adm_param(p, "projectId");
    const lt_feature_t *f = lt_dataset_feature(d, name);
    if (!f || f->archived || (project && strcmp(f->project, project) != 0)) {
        if (project && f && !f->archived)
            lt_reply_error(r, 404, "NotFoundError",
                           "There's no feature named \"%s\" in project \"%s\"", name, project);
        else
            lt_reply_error(r, 404, "NotFoundError", "Could not find feature flag with name %s",
                           name);
        return NULL;
    }
    return f;
}

/* The flag's environment of a read, or 404 sent. */
const lt_environment_t *lt_adm_read_env(lt_req_t *r, const lt_dataset_t *d, const lt_feature_t *f,
                                        const lt_params_t *p)
{
    const char *env = lt_adm_param(p, "environment");
    const lt_environment_t *e = lt_dataset_env(d, env);
    if (!e || !lt_dataset_project_has_env(d, f->project, env)) {
        lt_reply_error(r, 404, "NotFoundError", "Feature %s does not have environment %s", f->name,
                       env);
        return NULL;
    }
    return e;
}

/* ---------- storing a flag, running a write ---------- */

int lt_adm_commit(lt_store_t *s, const lt_adm_wctx_t *c, const lt_feature_t *f, const char *type,
                  const char *env, const char *data, const char *pre)
{
    lt_event_t ev = lt_admin_event(&c->who, type);
    ev.project = f->project;
    ev.feature_name = f->name;
    ev.environment = env;
    ev.data = data;
    ev.pre_data = pre;
    return lt_store_feature_put(s, f, &ev);
}

/* A list of flag names in body key "features" (strings, at least one). */
int lt_adm_name_list(lt_adm_wctx_t *c, const char *key, const char ***out, size_t *n, lt_write_t *w)
{
    const cJSON *l = cJSON_GetObjectItemCaseSensitive(c->body, key);
    if (!cJSON_IsArray(l) || cJSON_GetArraySize(l) < 1)
        return BAD("\"%s\" must be a non-empty array of flag names", key);
    size_t cnt = (size_t)cJSON_GetArraySize(l);
    const char **v = lt_arena_calloc(c->a, cnt, sizeof(*v));
    size_t k = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, l)
    {
        if (!cJSON_IsString(it))
            return BAD("\"%s\" must be an array of strings", key);
        bool dup = false;
        for (size_t i = 0; i < k && !dup; i++)
            dup = strcmp(v[i], it->valuestring) == 0;
        if (!dup)
            v[k++] = it->valuestring;
    }
    *out = v;
    *n = k;
    return LT_OK;
}

/* Run fn (the route declared permission, scope and body) and reply ok_status with c->reply
 * (or empty). */
void lt_adm_run_write(lt_req_t *r, const lt_params_t *p, lt_write_fn fn, int ok_status,
                      lt_adm_wctx_t *c)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    c->who = ac->who;
    c->body = ac->body;
    c->a = lt_req_arena(r);
    c->project = lt_adm_param(p, "projectId");
    c->feature = lt_adm_param(p, "featureName");
    if (!c->env)
        c->env = lt_adm_param(p, "environment");
    if (!c->strategy)
        c->strategy = lt_adm_param(p, "strategyId");
    lt_write_t w = {.ctx = c};
    if (lt_admin_write(r, fn, &w) != LT_OK)
        return;
    if (c->reply && ok_status != 204) /* 204: no content, whatever the write built */
        lt_reply_json(r, ok_status, c->reply);
    else
        lt_reply_empty(r, ok_status);
}

lt_event_t lt_adm_wctx_event(const lt_adm_wctx_t *c, const char *type)
{
    lt_event_t ev = lt_admin_event(&c->who, type);
    ev.project = c->project;
    ev.environment = c->env;
    return ev;
}

/* ---------- JSON Patch (RFC 6902: add, remove, replace, test) ---------- */

/* Split the next token of a JSON pointer into buf (unescaping ~0 ~1); advance *p. */
static bool pointer_token(const char **p, char *buf, size_t cap)
{
    if (**p != '/')
        return false;
    (*p)++;
    size_t n = 0;
    while (**p && **p != '/') {
        char ch = **p;
        if (ch == '~') {
            (*p)++;
            if (**p != '0' && **p != '1')
                return false;
            ch = **p == '0' ? '~' : '/';
        }
        if (n + 1 >= cap)
            return false;
        buf[n++] = ch;
        (*p)++;
    }
    buf[n] = '\0';
    return true;
}

static bool array_index(const char *tok, int size, bool allow_end, int *out)
{
    if (allow_end && strcmp(tok, "-") == 0) {
        *out = size;
        return true;
    }
    if (!tok[0] || strlen(tok) > 9 || (tok[0] == '0' && tok[1]))
        return false;
    for (const char *q = tok; *q; q++)
        if (*q < '0' || *q > '9')
            return false;
    *out = atoi(tok);
    return *out < size || (allow_end && *out == size);
}

/* Apply ops to *root (which an op on "" replaces). LT_OK or LT_EINVAL with w set. */
int lt_adm_json_patch(cJSON **root, const cJSON *ops, lt_write_t *w)
{
    if (!cJSON_IsArray(ops))
        return BAD("a JSON Patch must be an array of operations");
    const cJSON *op;
    cJSON_ArrayForEach(op, ops)
    {
        const char *kind = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "op"));
        const char *path = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(op, "path"));
        const cJSON *value = cJSON_GetObjectItemCaseSensitive(op, "value");
        if (!kind || !path)
            return BAD("a JSON Patch operation needs \"op\" and \"path\"");
        bool add = strcmp(kind, "add") == 0, rem = strcmp(kind, "remove") == 0,
             rep = strcmp(kind, "replace") == 0, test = strcmp(kind, "test") == 0;
        if (!add && !rem && !rep && !test)
            return BAD("JSON Patch operation \"%s\" is not supported", kind);
        if (!rem && !value)
            return BAD("JSON Patch operation \"%s\" needs a value", kind);
        if (path[0] == '\0') {
            if (test) {
                if (!cJSON_Compare(*root, value, true))
                    return BAD("JSON Patch test failed at \"\"");
                continue;
            }
            if (rem)
                return BAD("can not remove the whole document");
            cJSON_Delete(*root);
            *root = cJSON_Duplicate(value, true);
            continue;
        }
        /* walk to the parent */
        cJSON *parent = *root;
        const char *p = path;
        char tok[256];
        for (;;) {
            if (!pointer_token(&p, tok, sizeof(tok)))
                return BAD("invalid JSON pointer \"%s\"", path);
            if (*p == '\0')
                break;
            cJSON *next = NULL;
            int idx;
            if (cJSON_IsArray(parent) && array_index(tok, cJSON_GetArraySize(parent), false, &idx))
                next = cJSON_GetArrayItem(parent, idx);
            else if (cJSON_IsObject(parent))
                next = cJSON_GetObjectItemCaseSensitive(parent, tok);
            if (!next)
                return BAD("path \"%s\" does not exist", path);
            parent = next;
        }
        if (cJSON_IsArray(parent)) {
            int idx;
            if (!array_index(tok, cJSON_GetArraySize(parent), add, &idx))
                return BAD("path \"%s\" does not exist", path);
            if (test) {
                if (!cJSON_Compare(cJSON_GetArrayItem(parent, idx), value, true))
                    return BAD("JSON Patch test failed at \"%s\"", path);
            } else if (add) {
                if (idx == cJSON_GetArraySize(parent))
                    cJSON_AddItemToArray(parent, cJSON_Duplicate(value, true));
                else
                    cJSON_InsertItemInArray(parent, idx, cJSON_Duplicate(value, true));
            } else if (rem) {
                cJSON_DeleteItemFromArray(parent, idx);
            } else {
                cJSON_ReplaceItemInArray(parent, idx, cJSON_Duplicate(value, true));
            }
        } else if (cJSON_IsObject(parent)) {
            cJSON *cur = cJSON_GetObjectItemCaseSensitive(parent, tok);
            if (!cur && !add)
                return BAD("path \"%s\" does not exist", path);
            if (test) {
                if (!cJSON_Compare(cur, value, true))
                    return BAD("JSON Patch test failed at \"%s\"", path);
            } else if (rem) {
                cJSON_DeleteItemFromObjectCaseSensitive(parent, tok);
            } else if (cur) {
                cJSON_ReplaceItemInObjectCaseSensitive(parent, tok, cJSON_Duplicate(value, true));
            } else {
                cJSON_AddItemToObject(parent, tok, cJSON_Duplicate(value, true));
            }
        } else {
            return BAD("path \"%s\" does not exist", path);
        }
    }
    return LT_OK;
}
