/*
 * import.c: loading whole documents through the same entity writers the admin API uses: a
 * client-features document into one environment (`latch import`), and a latch export document
 * (`latch import` of `latch export --all`). Each is one transaction with one event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../model/export.h"
#include "rules_int.h"

/* Create env when missing, after every other environment in sort order. */
static int import_env(lt_store_t *s, const char *env)
{
    lt_arena_t a;
    lt_arena_init(&a, 1024);
    lt_environment_t *envs = NULL;
    size_t n = 0;
    int rc = s->be->environments_list(s, &a, &envs, &n);
    int last = 0;
    bool have = false;
    for (size_t i = 0; i < n; i++) {
        have = have || strcmp(envs[i].name, env) == 0;
        last = envs[i].sort_order > last ? envs[i].sort_order : last;
    }
    lt_environment_t e = {env, strcmp(env, "production") == 0 ? "production" : "development",
                          true, last + 1};
    if (rc == LT_OK && !have)
        rc = s->be->environment_put(s, &e, LT_PUT_IGNORE);
    lt_arena_dispose(&a);
    return rc;
}

/* One client-document flag: its project (created when missing) linked to env, and its state
 * in env replaced; its other environments are kept. */
static int import_client_feature(lt_store_t *s, const lt_feature_t *f, const char *env)
{
    lt_project_t p = {f->project, f->project, NULL, NULL, 0};
    int rc = s->be->project_put(s, &p, LT_PUT_IGNORE, NULL);
    if (rc == LT_OK)
        rc = s->be->project_env_put(s, f->project, env);
    if (rc != LT_OK || f->n_envs == 0)
        return rc;
    lt_feature_env_t fe = f->envs[0];
    fe.environment = env;
    lt_feature_t w = *f;
    w.envs = &fe;
    w.n_envs = 1;
    w.archived = false;
    return lt__feature_write(s, &w, LT_PUT_REPLACE, true);
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* How many projects the flags name (the client-features documents carry no project list). */
static size_t distinct_projects(const lt_feature_t *fs, size_t n)
{
    const char **names = lt_xcalloc(n ? n : 1, sizeof(*names));
    for (size_t i = 0; i < n; i++)
        names[i] = fs[i].project ? fs[i].project : "";
    qsort((void *)names, n, sizeof(*names), name_cmp);
    size_t distinct = 0;
    for (size_t i = 0; i < n; i++)
        distinct += i == 0 || strcmp(names[i], names[i - 1]) != 0;
    free((void *)names);
    return distinct;
}

/* The one features-imported event of both imports, in data (cap bytes), attributed to actor;
 * env is the environment a client document went into (NULL for an export document). */
static lt_event_t import_event(char *data, size_t cap, const char *actor, const char *env,
                               size_t n_projects, size_t n_features, size_t n_segments)
{
    snprintf(data, cap, "{\"projects\":%zu,\"features\":%zu,\"segments\":%zu}", n_projects,
             n_features, n_segments);
    lt_event_t ev = {"features-imported", actor, 0, NULL, env, NULL, data, NULL};
    return ev;
}

int lt_store_import_doc(lt_store_t *s, const lt_client_doc_t *doc, const char *env,
                        const char *actor)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = lt_model_scope_id_ok(env) ? import_env(s, env) : LT_EINVAL;
    for (size_t i = 0; rc == LT_OK && i < doc->n_segments; i++)
        rc = s->be->segment_put(s, &doc->segments[i], LT_PUT_REPLACE, NULL);
    for (size_t i = 0; rc == LT_OK && i < doc->n_features; i++)
        rc = import_client_feature(s, &doc->features[i], env);
    char data[128];
    lt_event_t ev = import_event(data, sizeof(data), actor, env,
                                 distinct_projects(doc->features, doc->n_features),
                                 doc->n_features, doc->n_segments);
    return lt__tx_end(s, rc == LT_OK ? LT_OK : LT_ERR, &ev);
}

/* The configuration records of an export document (everything but the flags). */
static int import_config(lt_store_t *s, const lt_export_doc_t *d)
{
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < d->n_projects; i++)
        rc = s->be->project_put(s, &d->projects[i], LT_PUT_RESTORE, NULL);
    for (size_t i = 0; rc == LT_OK && i < d->n_envs; i++)
        rc = s->be->environment_put(s, &d->envs[i], LT_PUT_REPLACE);
    for (size_t i = 0; rc == LT_OK && i < d->n_project_envs; i++)
        rc = s->be->project_env_put(s, d->project_envs[i].project, d->project_envs[i].environment);
    for (size_t i = 0; rc == LT_OK && i < d->n_segments; i++)
        rc = s->be->segment_put(s, &d->segments[i], LT_PUT_RESTORE, NULL);
    for (size_t i = 0; rc == LT_OK && i < d->n_tag_types; i++)
        rc = s->be->tag_type_put(s, &d->tag_types[i], LT_PUT_REPLACE);
    for (size_t i = 0; rc == LT_OK && i < d->n_context_fields; i++)
        rc = s->be->context_field_put(s, &d->context_fields[i], LT_PUT_RESTORE);
    for (size_t i = 0; rc == LT_OK && i < d->n_strategy_defs; i++)
        rc = s->be->strategy_def_put(s, &d->strategy_defs[i], LT_PUT_RESTORE);
    return rc;
}

/* One flag written whole (its creation time restored), its tags replaced by the document's. */
static int import_flag(lt_store_t *s, const lt_feature_t *f, const lt_tag_t *tags, size_t n)
{
    int rc = lt__feature_write(s, f, LT_PUT_RESTORE, false);
    if (rc == LT_OK)
        rc = s->be->tags_delete(s, f->name);
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        lt_tag_t t = {f->name, tags[i].type, tags[i].value};
        rc = s->be->tag_put(s, &t);
    }
    return rc;
}

/* The records and flags of an export document, in the open transaction. */
static int import_doc_body(lt_store_t *s, const lt_export_doc_t *d)
{
    int rc = import_config(s, d);
    /* the document's tags are grouped by flag in document order; find each flag's run */
    for (size_t i = 0; rc == LT_OK && i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        size_t t0 = 0, nt = 0;
        while (t0 < d->n_tags && strcmp(d->tags[t0].feature, f->name) != 0)
            t0++;
        while (t0 + nt < d->n_tags && strcmp(d->tags[t0 + nt].feature, f->name) == 0)
            nt++;
        rc = import_flag(s, f, d->tags + t0, nt);
    }
    return rc;
}

int lt_store_import_all(lt_store_t *s, const lt_export_doc_t *d, const char *actor)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = import_doc_body(s, d);
    char data[128];
    lt_event_t ev = import_event(data, sizeof(data), actor, NULL, d->n_projects, d->n_features,
                                 d->n_segments);
    return lt__tx_end(s, rc, &ev);
}

int lt_store_import_into(lt_store_t *s, const lt_export_doc_t *d, const lt_event_t *evs,
                         size_t n_evs)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = import_doc_body(s, d);
    for (size_t i = 0; rc == LT_OK && i < n_evs; i++)
        rc = s->be->event_append(s, &evs[i]);
    return lt__tx_end(s, rc, NULL);
}
