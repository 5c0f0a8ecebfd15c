/*
 * rules.c: the write rules of the flag model, written once above every backend: each public
 * call is one transaction of backend primitives plus its event row. A new project gets every
 * enabled environment; deleting a project narrows its tokens and deletes a token left with no
 * project (never widening it into an all-projects token); deleting an environment drops its
 * tokens; a strategy id used by another flag or environment is replaced by a fresh UUID.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/util.h"
#include "rules_int.h"

/* ---------- features ---------- */

static bool id_usable(const char *id)
{
    return id && id[0] && strlen(id) < 65;
}

/* Was id already given to a strategy of out before position (e, i)? */
static bool id_seen(const lt_feature_t *out, size_t e, size_t i, const char *id)
{
    for (size_t pe = 0; pe <= e; pe++) {
        const lt_feature_env_t *fe = &out->envs[pe];
        for (size_t pi = 0; pi < (pe == e ? i : fe->n_strategies); pi++)
            if (strcmp(fe->strategies[pi].id, id) == 0)
                return true;
    }
    return false;
}

static int resolve_ids(lt_store_t *s, lt_arena_t *a, const lt_feature_t *f, bool only_listed,
                       lt_feature_t *out)
{
    *out = *f;
    out->envs = lt_arena_calloc(a, f->n_envs ? f->n_envs : 1, sizeof(*out->envs));
    for (size_t e = 0; e < f->n_envs; e++) {
        lt_feature_env_t *fe = &out->envs[e];
        *fe = f->envs[e];
        fe->strategies = lt_arena_calloc(a, fe->n_strategies ? fe->n_strategies : 1,
                                         sizeof(*fe->strategies));
        for (size_t i = 0; i < fe->n_strategies; i++) {
            lt_strategy_t *st = &fe->strategies[i];
            *st = f->envs[e].strategies[i];
            bool fresh = !id_usable(st->id) || id_seen(out, e, i, st->id);
            if (!fresh && s->be->strategy_id_taken(s, st->id, f->name,
                                                   only_listed ? fe->environment : NULL,
                                                   &fresh) != LT_OK)
                return LT_ERR;
            if (fresh) {
                char *id = lt_arena_alloc(a, 37);
                lt_uuid(id);
                st->id = id;
            }
        }
    }
    return LT_OK;
}

int lt__feature_write(lt_store_t *s, const lt_feature_t *f, lt_put_mode_t m,
                      bool only_listed_envs)
{
    lt_arena_t a;
    lt_arena_init(&a, 4096);
    lt_feature_t w;
    int rc = resolve_ids(s, &a, f, only_listed_envs, &w);
    if (rc == LT_OK)
        rc = s->be->feature_put(s, &w, m, only_listed_envs);
    lt_arena_dispose(&a);
    return rc;
}

int lt_store_features_put(lt_store_t *s, const lt_feature_t *fs, size_t n, const lt_tag_t *tags,
                          size_t n_tags, const lt_event_t *evs)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = lt__feature_write(s, &fs[i], LT_PUT_REPLACE, false);
    for (size_t i = 0; rc == LT_OK && i < n_tags; i++)
        rc = s->be->tag_put(s, &tags[i]);
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = lt__event_append(s, &evs[i]);
    return lt__tx_end(s, rc, NULL);
}

int lt_store_feature_put(lt_store_t *s, const lt_feature_t *f, const lt_event_t *ev)
{
    return lt_store_features_put(s, f, 1, NULL, 0, ev);
}

int lt_store_feature_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->feature_delete(s, name), ev);
}

int lt_store_features_delete(lt_store_t *s, const char *const *names, size_t n,
                             const lt_event_t *evs)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = s->be->feature_delete(s, names[i]);
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = lt__event_append(s, &evs[i]);
    return lt__tx_end(s, rc, NULL);
}

/* The rows of lt_store_tags_replace, in the open transaction. */
static int tags_replace(lt_store_t *s, const char *const *features, size_t n_features,
                        const lt_tag_t *tags, size_t n_tags)
{
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n_features; i++)
        rc = s->be->tags_delete(s, features[i]);
    for (size_t i = 0; rc == LT_OK && i < n_tags; i++)
        rc = s->be->tag_put(s, &tags[i]);
    return rc;
}

int lt_store_tags_replace(lt_store_t *s, const char *const *features, size_t n_features,
                          const lt_tag_t *tags, size_t n_tags, const lt_event_t *evs,
                          size_t n_evs)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = tags_replace(s, features, n_features, tags, n_tags);
    for (size_t i = 0; rc == LT_OK && i < n_evs; i++)
        rc = lt__event_append(s, &evs[i]);
    return lt__tx_end(s, rc, NULL);
}

int lt_store_tag_create(lt_store_t *s, const lt_tag_t *t, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->tag_create(s, t), ev);
}

int lt_store_tag_delete(lt_store_t *s, const lt_tag_t *gone, const char *const *features,
                        size_t n_features, const lt_tag_t *keep, size_t n_keep,
                        const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = s->be->tag_remove(s, gone);
    if (rc == LT_OK)
        rc = tags_replace(s, features, n_features, keep, n_keep);
    return lt__tx_end(s, rc, ev);
}

int lt_store_feature_tags_put(lt_store_t *s, const char *feature, const lt_tag_t *tags,
                              size_t n, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = s->be->tags_delete(s, feature);
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        lt_tag_t t = {feature, tags[i].type, tags[i].value};
        rc = s->be->tag_put(s, &t);
    }
    return lt__tx_end(s, rc, ev);
}

int lt_store_segment_put(lt_store_t *s, const lt_segment_t *seg, const lt_event_t *ev,
                         int64_t *out_id)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->segment_put(s, seg, LT_PUT_REPLACE, out_id), ev);
}

int lt_store_segment_delete(lt_store_t *s, int64_t id, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->segment_delete(s, id), ev);
}

/* ---------- projects, environments ---------- */

static int project_put(lt_store_t *s, const lt_project_t *p, int64_t owner, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    bool created = false;
    int rc = s->be->project_put(s, p, LT_PUT_REPLACE, &created);
    if (rc == LT_OK && created) { /* a new project gets every enabled environment */
        lt_arena_t a;
        lt_arena_init(&a, 1024);
        lt_environment_t *envs = NULL;
        size_t n = 0;
        rc = s->be->environments_list(s, &a, &envs, &n);
        for (size_t i = 0; rc == LT_OK && i < n; i++)
            if (envs[i].enabled)
                rc = s->be->project_env_put(s, p->id, envs[i].name);
        lt_arena_dispose(&a);
        const int64_t owner_role = LT_ROLE_OWNER;
        if (rc == LT_OK && owner > 0) /* as Unleash: its creator owns it */
            rc = s->be->bindings_put(s, owner, p->id, &owner_role, 1);
    }
    return lt__tx_end(s, rc, ev);
}

int lt_store_project_put(lt_store_t *s, const lt_project_t *p, const lt_event_t *ev)
{
    return project_put(s, p, 0, ev);
}

int lt_store_project_create(lt_store_t *s, const lt_project_t *p, int64_t owner,
                            const lt_event_t *ev)
{
    return project_put(s, p, owner, ev);
}

/* A token scoped to project loses it; one left with no project is deleted. */
static int token_narrow(lt_store_t *s, const lt_token_t *t, const char *project)
{
    if (t->all_projects)
        return LT_OK; /* never returned for a project query; never touched */
    if (t->n_projects <= 1)
        return s->be->token_delete(s, t->digest);
    const char **rest = calloc(t->n_projects, sizeof(*rest));
    size_t n = 0;
    for (size_t i = 0; i < t->n_projects; i++)
        if (strcmp(t->projects[i], project) != 0)
            rest[n++] = t->projects[i];
    lt_token_new_t w = {.name = t->name, .type = t->type, .user_id = t->user_id,
                        .environment = t->environment, .projects = rest, .n_projects = n,
                        .all_projects = false, .expires_at = t->expires_at,
                        .display = t->display, .selector = t->selector,
                        .read_only = t->read_only, .quota_rps = t->quota_rps,
                        .origins = (const char *const *)t->origins, .n_origins = t->n_origins};
    memcpy(w.digest, t->digest, 32);
    int rc = n ? s->be->token_put(s, &w, LT_PUT_REPLACE, NULL) : s->be->token_delete(s, t->digest);
    free(rest);
    return rc;
}

/* Every token matching q: narrowed out of project (project non-NULL) or deleted. */
static int tokens_drop(lt_store_t *s, const lt_token_query_t *q, const char *project)
{
    lt_arena_t a;
    lt_arena_init(&a, 4096);
    lt_token_t *ts = NULL;
    size_t n = 0;
    int rc = s->be->tokens_find(s, &a, q, &ts, &n);
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = project ? token_narrow(s, &ts[i], project) : s->be->token_delete(s, ts[i].digest);
    lt_arena_dispose(&a);
    return rc;
}

int lt__tokens_drop(lt_store_t *s, const lt_token_query_t *q)
{
    return tokens_drop(s, q, NULL);
}

int lt_store_project_delete(lt_store_t *s, const char *id, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    lt_token_query_t q = {.project = id};
    int rc = tokens_drop(s, &q, id);
    if (rc == LT_OK)
        rc = s->be->project_delete(s, id);
    return lt__tx_end(s, rc, ev);
}

int lt_store_environment_put(lt_store_t *s, const lt_environment_t *e, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->environment_put(s, e, LT_PUT_REPLACE), ev);
}

int lt_store_environment_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    lt_token_query_t q = {.environment = name}; /* the tokens of an environment go with it */
    /* but never the all-environment ones: an old store may hold an environment named "*" */
    int rc = strcmp(name, "*") != 0 ? tokens_drop(s, &q, NULL) : LT_OK;
    if (rc == LT_OK)
        rc = s->be->environment_delete(s, name);
    return lt__tx_end(s, rc, ev);
}

int lt_store_project_env_set(lt_store_t *s, const char *project, const char *env, bool on,
                             const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = on ? s->be->project_env_put(s, project, env)
                : s->be->project_env_delete(s, project, env);
    return lt__tx_end(s, rc == LT_ENOTFOUND ? LT_OK : rc, ev);
}

int lt_store_project_env_remove(lt_store_t *s, const char *project, const char *env,
                                const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = s->be->project_env_delete(s, project, env);
    if (rc == LT_OK)
        rc = s->be->feature_envs_delete(s, project, env);
    return lt__tx_end(s, rc, ev);
}

int lt_store_environments_order(lt_store_t *s, const char *const *names, const int *orders,
                                size_t n, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    lt_arena_t a;
    lt_arena_init(&a, 1024);
    lt_environment_t *envs = NULL;
    size_t n_envs = 0;
    int rc = s->be->environments_list(s, &a, &envs, &n_envs);
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        size_t k = 0;
        while (k < n_envs && strcmp(envs[k].name, names[i]) != 0)
            k++;
        if (k == n_envs) {
            rc = LT_ENOTFOUND;
            break;
        }
        lt_environment_t e = envs[k];
        e.sort_order = orders[i];
        rc = s->be->environment_put(s, &e, LT_PUT_REPLACE);
    }
    lt_arena_dispose(&a);
    return lt__tx_end(s, rc, ev);
}

/* ---------- tag types, context fields, strategy definitions ---------- */

int lt_store_tag_type_put(lt_store_t *s, const lt_tag_type_t *t, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->tag_type_put(s, t, LT_PUT_REPLACE), ev);
}

int lt_store_tag_type_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->tag_type_delete(s, name), ev);
}

int lt_store_context_field_put(lt_store_t *s, const lt_context_field_t *c,
                               const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->context_field_put(s, c, LT_PUT_REPLACE), ev);
}

int lt_store_context_field_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->context_field_delete(s, name), ev);
}

int lt_store_strategy_def_put(lt_store_t *s, const lt_strategy_def_t *d, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->strategy_def_put(s, d, LT_PUT_REPLACE), ev);
}

int lt_store_strategy_def_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->strategy_def_delete(s, name), ev);
}

/* ---------- addons ---------- */

int lt_store_addon_put(lt_store_t *s, const lt_addon_t *x, bool create, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->addon_put(s, x, create ? LT_PUT_CREATE : LT_PUT_REPLACE), ev);
}

int lt_store_addon_delete(lt_store_t *s, int64_t id, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->addon_delete(s, id), ev);
}

int lt_store_addon_claim(lt_store_t *s, int64_t addon_id, int64_t event_id, bool *out)
{
    *out = false;
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->addon_claim(s, addon_id, event_id, out), NULL);
}

int lt_store_integration_event_add(lt_store_t *s, const lt_integration_event_t *e)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->integration_event_add(s, e, LT_ADDON_EVENTS_KEPT), NULL);
}

int lt_store_integration_events(lt_store_t *s, lt_arena_t *a, int64_t addon_id, int64_t offset,
                                int64_t limit, lt_integration_event_t **out, size_t *n)
{
    *n = 0;
    return s->be->integration_events_list(s, a, addon_id, offset, limit, out, n);
}

/* ---------- instance settings, default strategies, flag links, favourites ---------- */

int lt_store_setting_put(lt_store_t *s, const char *name, const char *value, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->setting_put(s, name, value), ev);
}

int lt_store_env_default_put(lt_store_t *s, const char *project, const char *env,
                             const char *strategy, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->env_default_put(s, project, env, strategy), ev);
}

int lt_store_link_put(lt_store_t *s, const lt_link_t *l, lt_put_mode_t m, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->link_put(s, l, m), ev);
}

int lt_store_link_delete(lt_store_t *s, const char *id, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->link_delete(s, id), ev);
}

int lt_store_favorite_set(lt_store_t *s, bool feature, int64_t user_id, const char *name, bool on,
                          const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->favorite_set(s, feature, user_id, name, on), ev);
}

/* ---------- flag lifecycle ---------- */

int lt_store_lifecycle_complete(lt_store_t *s, const char *feature, const char *status,
                                const char *status_value, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->lifecycle_put(s, feature, "completed", status, status_value, 0),
                      ev);
}

int lt_store_lifecycle_uncomplete(lt_store_t *s, const char *feature, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->lifecycle_delete(s, feature, "completed"), ev);
}
