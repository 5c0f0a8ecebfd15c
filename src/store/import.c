/*
 * import.c: loading whole documents through the same entity writers the admin API uses: a
 * client-features document into one environment (`latch import`), and a latch export document
 * (`latch import` of `latch export --all`), and another system's data (`latch import
 * --from-unleash`: such a document plus users, roles, bindings, tokens and events, matched to
 * what the store holds). Each is one transaction with one event.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

/* Everything of an export document, in the caller's transaction. */
static int import_everything(lt_store_t *s, const lt_export_doc_t *d)
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
    int rc = import_everything(s, d);
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
    int rc = import_everything(s, d);
    for (size_t i = 0; rc == LT_OK && i < n_evs; i++)
        rc = s->be->event_append(s, &evs[i]);
    return lt__tx_end(s, rc, NULL);
}

/* ---------- another system's access records (lt_store_import_unleash) ---------- */

/* One source id and the store's id for it. */
typedef struct {
    int64_t from, to;
} id_map_t;

static int64_t map_id(const id_map_t *m, size_t n, int64_t from)
{
    for (size_t i = 0; i < n; i++)
        if (m[i].from == from)
            return m[i].to;
    return 0;
}

static bool same_ci(const char *a, const char *b)
{
    return a && b && *a && strcasecmp(a, b) == 0;
}

/* The stored user with the username or email of u, or NULL. */
static const lt_user_t *match_user(const lt_dataset_t *d, const lt_user_t *u)
{
    for (size_t i = 0; i < d->n_users; i++) {
        const lt_user_t *x = &d->users[i];
        if (same_ci(x->username, u->username) || same_ci(x->email, u->email))
            return x;
    }
    return NULL;
}

static bool doc_has_project(const lt_export_doc_t *d, const char *id)
{
    for (size_t i = 0; i < d->n_projects; i++)
        if (strcmp(d->projects[i].id, id) == 0)
            return true;
    return false;
}

/* Custom roles by name: the stored one of that name replaced, else a new one. */
static int import_roles(lt_store_t *s, const lt_dataset_t *d, const lt_import_access_t *acc,
                        id_map_t *map, lt_import_result_t *out)
{
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < acc->n_roles; i++) {
        lt_role_t w = acc->roles[i];
        w.id = 0;
        for (size_t k = 0; k < d->n_roles; k++)
            if (d->roles[k].id > LT_ROLE_MEMBER && strcmp(d->roles[k].name, w.name) == 0)
                w.id = d->roles[k].id;
        int64_t id = w.id;
        rc = s->be->role_put(s, &w, LT_PUT_REPLACE, w.id ? NULL : &id);
        map[i] = (id_map_t){acc->roles[i].id, id};
        *(w.id ? &out->roles_updated : &out->roles_created) += 1;
    }
    return rc;
}

/* A source role id as the store's: the built-in ids are the same in both. */
static int64_t map_role(const id_map_t *map, size_t n, int64_t from)
{
    return from >= 1 && from <= LT_ROLE_MEMBER ? from : map_id(map, n, from);
}

/* The password hash to write for a stored user x: the source's bcrypt one unless the store
 * holds the same one, or a password of its own form (set or upgraded in latch). */
static const char *hash_to_write(lt_store_t *s, const lt_user_t *x, const char *h,
                                 lt_import_result_t *out)
{
    const char *login = x->username ? x->username : x->email;
    if (!h || !login)
        return h;
    lt_arena_t a;
    lt_arena_init(&a, 512);
    lt_user_auth_t ua;
    memset(&ua, 0, sizeof(ua));
    const char *w = h;
    if (s->be->user_auth(s, &a, login, &ua) == LT_OK && ua.user_id == x->id && ua.password_hash) {
        if (strncmp(ua.password_hash, "$2", 2) != 0) {
            w = NULL;
            out->passwords_kept++;
        } else if (strcmp(ua.password_hash, h) == 0) {
            w = NULL;
        }
    }
    lt_arena_dispose(&a);
    return w;
}

static int import_users(lt_store_t *s, const lt_dataset_t *d, const lt_import_access_t *acc,
                        const id_map_t *roles, id_map_t *map, lt_import_result_t *out)
{
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < acc->n_users; i++) {
        const lt_user_t *x = match_user(d, &acc->users[i]);
        lt_user_t w = acc->users[i];
        w.id = x ? x->id : 0;
        w.root_role = map_role(roles, acc->n_roles, w.root_role);
        if (!w.root_role)
            w.root_role = LT_ROLE_VIEWER;
        const char *h = acc->password_hashes ? acc->password_hashes[i] : NULL;
        if (x)
            h = hash_to_write(s, x, h, out);
        int64_t id = w.id;
        rc = s->be->user_put(s, &w, w.service ? NULL : h, x ? NULL : &id);
        if (rc == LT_OK && x && h && !w.service) /* a new password ends the user's sessions */
            rc = s->be->sessions_delete_user(s, x->id);
        map[i] = (id_map_t){acc->users[i].id, id};
        *(x ? &out->users_updated : &out->users_created) += 1;
    }
    return rc;
}

/* Project roles, replaced per (user, project); acc->bindings are grouped that way. */
static int import_bindings(lt_store_t *s, const lt_export_doc_t *doc,
                           const lt_import_access_t *acc, const id_map_t *users,
                           const id_map_t *roles, lt_import_result_t *out)
{
    int rc = LT_OK;
    int64_t *ids = lt_xcalloc(acc->n_bindings ? acc->n_bindings : 1, sizeof(*ids));
    for (size_t i = 0; rc == LT_OK && i < acc->n_bindings;) {
        const lt_binding_t *b = &acc->bindings[i];
        size_t n = 0, j = i;
        for (; j < acc->n_bindings && acc->bindings[j].user_id == b->user_id &&
               strcmp(acc->bindings[j].project, b->project) == 0;
             j++) {
            int64_t r = map_role(roles, acc->n_roles, acc->bindings[j].role_id);
            if (r)
                ids[n++] = r;
        }
        int64_t uid = map_id(users, acc->n_users, b->user_id);
        if (uid && n && doc_has_project(doc, b->project)) {
            rc = s->be->bindings_put(s, uid, b->project, ids, n);
            out->bindings += n;
        }
        i = j;
    }
    free(ids);
    return rc;
}

/* Tokens by digest; a PAT goes to its owner's store id, and projects not imported are left
 * out (a token left with none is skipped rather than widened). */
static int import_tokens(lt_store_t *s, const lt_export_doc_t *doc, const lt_import_access_t *acc,
                         const id_map_t *users, lt_import_result_t *out)
{
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < acc->n_tokens; i++) {
        lt_token_new_t t = acc->tokens[i];
        const char **kept = lt_xcalloc(t.n_projects ? t.n_projects : 1, sizeof(*kept));
        size_t n = 0;
        for (size_t k = 0; k < t.n_projects; k++)
            if (doc_has_project(doc, t.projects[k]))
                kept[n++] = t.projects[k];
        bool skip = !t.all_projects && t.n_projects && !n;
        t.projects = kept;
        t.n_projects = n;
        if (t.type == LT_TOKEN_PAT) {
            t.user_id = map_id(users, acc->n_users, t.user_id);
            skip = skip || !t.user_id;
        }
        if (!skip) {
            rc = s->be->token_put(s, &t, LT_PUT_REPLACE, NULL);
            out->tokens++;
        }
        free((void *)kept);
    }
    return rc;
}

/* The source's events, once: not when an earlier run wrote its marker. */
static int import_events(lt_store_t *s, const lt_import_access_t *acc, const char *actor,
                         lt_import_result_t *out)
{
    if (!acc->n_events)
        return LT_OK;
    lt_arena_t a;
    lt_arena_init(&a, 1024);
    lt_event_filter_t f = {NULL, NULL, "unleash-events-imported", NULL, NULL, 0, 1};
    lt_event_row_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    int rc = s->be->events_list(s, &a, &f, &rows, &n, &total);
    lt_arena_dispose(&a);
    if (rc != LT_OK || total > 0) {
        out->events_skipped = rc == LT_OK;
        return rc;
    }
    for (size_t i = 0; rc == LT_OK && i < acc->n_events; i++)
        rc = s->be->event_append(s, &acc->events[i]);
    char data[64];
    snprintf(data, sizeof(data), "{\"events\":%zu}", acc->n_events);
    lt_event_t ev = {"unleash-events-imported", actor, 0, NULL, NULL, NULL, data, NULL};
    if (rc == LT_OK)
        rc = s->be->event_append(s, &ev);
    out->events = rc == LT_OK ? acc->n_events : 0;
    return rc;
}

int lt_store_import_unleash(lt_store_t *s, const lt_export_doc_t *doc,
                            const lt_import_access_t *acc, const char *actor,
                            lt_import_result_t *out)
{
    memset(out, 0, sizeof(*out));
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = import_everything(s, doc);
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    if (rc == LT_OK)
        rc = s->be->load(s, &a, &d);
    id_map_t *roles = lt_xcalloc(acc->n_roles + 1, sizeof(*roles));
    id_map_t *users = lt_xcalloc(acc->n_users + 1, sizeof(*users));
    if (rc == LT_OK)
        rc = import_roles(s, &d, acc, roles, out);
    if (rc == LT_OK)
        rc = import_users(s, &d, acc, roles, users, out);
    if (rc == LT_OK)
        rc = import_bindings(s, doc, acc, users, roles, out);
    if (rc == LT_OK)
        rc = import_tokens(s, doc, acc, users, out);
    if (rc == LT_OK)
        rc = import_events(s, acc, actor, out);
    free(roles);
    free(users);
    lt_arena_dispose(&a);
    char data[256];
    snprintf(data, sizeof(data),
             "{\"projects\":%zu,\"features\":%zu,\"segments\":%zu,\"users\":%zu,\"roles\":%zu,"
             "\"tokens\":%zu,\"events\":%zu}",
             doc->n_projects, doc->n_features, doc->n_segments, acc->n_users, acc->n_roles,
             out->tokens, out->events);
    lt_event_t ev = {"unleash-imported", actor, 0, NULL, NULL, NULL, data, NULL};
    return lt__tx_end(s, rc, &ev);
}
