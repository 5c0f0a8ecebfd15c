/*
 * store.h: the durable store behind latch, one interface over interchangeable backends
 * (OpenSMTPD table_backend): SQLite embedded by default. Every write runs in one transaction
 * together with its event row; the snapshot is rebuilt from lt_store_load afterwards.
 * All calls block on disk I/O; a store handle is used by one thread at a time (callers lock).
 */
#ifndef LT_STORE_H
#define LT_STORE_H

#include "../model/dataset.h"

typedef struct lt_store lt_store_t;
struct lt_export_doc; /* model/export.h */

/* The event row every admin write stores in its transaction (UNLEASH-API.md §6.7). */
typedef struct {
    const char *type;       /* "feature-created", ... */
    const char *created_by; /* user name/email or token name */
    int64_t created_by_user_id; /* 0 = none (admin tokens, the system) */
    const char *project, *environment, *feature_name; /* NULL when not about one */
    const char *data, *pre_data; /* JSON text or NULL; never a secret */
} lt_event_t;

/* A stored event as read back. */
typedef struct {
    int64_t id;
    const char *type;
    int64_t created_at;
    const char *created_by;
    int64_t created_by_user_id;
    const char *project, *environment, *feature_name, *data, *pre_data;
} lt_event_row_t;

typedef struct {
    const char *feature; /* NULL = any */
    const char *project;
    const char *type;
    const char *created_by;
    const char *query; /* substring of type, creator, feature or data */
    int64_t offset, limit; /* newest first */
} lt_event_filter_t;

/* What a login needs, read straight from the store (hashes are never in snapshots). */
typedef struct {
    int64_t user_id;
    const char *password_hash; /* NULL when the user has no password */
    int login_attempts;
} lt_user_auth_t;

/* A new token to store: the digest of its secret, never the secret. */
typedef struct {
    uint8_t digest[32];
    const char *name;
    lt_token_type_t type;
    int64_t user_id; /* PATs */
    const char *environment;
    const char *const *projects;
    size_t n_projects;
    bool all_projects;
    int64_t expires_at;
    const char *display;
} lt_token_new_t;

/* One application instance as it registered (POST /api/client/register) or was last seen. */
typedef struct {
    const char *app_name, *instance_id, *environment;
    const char *sdk_version;   /* may be NULL */
    const char *strategies;    /* JSON list text, may be NULL */
    const char *platform_name; /* may be NULL */
    const char *sdk_type;      /* "backend" | "frontend" */
    int64_t started_at, interval_ms, seen_at;
} lt_app_row_t;

/* Usage counts of one flag for one (application, instance, environment, hour). */
typedef struct {
    const char *app_name, *instance_id, *environment, *feature;
    int64_t hour; /* epoch ms at the start of the hour */
    int64_t yes, no;
    const char *const *variant_names;
    const int64_t *variant_counts;
    size_t n_variants;
} lt_metric_row_t;

typedef struct {
    const char *name;
    int (*open)(lt_store_t **out, const char *target);
    void (*close)(lt_store_t *s);
    int (*load)(lt_store_t *s, lt_arena_t *a, lt_dataset_t *out);
    int (*revision)(lt_store_t *s, int64_t *out);
    int (*import_doc)(lt_store_t *s, const lt_client_doc_t *doc, const char *env,
                      const char *actor);
    int (*token_insert)(lt_store_t *s, const lt_token_new_t *t, const char *actor);
    int (*token_count)(lt_store_t *s, int64_t *out);
    int (*token_delete)(lt_store_t *s, const uint8_t digest[32], const char *actor);
    int (*usage_write)(lt_store_t *s, const lt_app_row_t *apps, size_t n_apps,
                       const lt_metric_row_t *rows, size_t n_rows);

    /* --- admin writes (store_sqlite_admin.c); each one transaction with its event --- */
    /* Insert a token with an explicit event (ev->data names it by display prefix). */
    int (*token_create)(lt_store_t *s, const lt_token_new_t *t, const lt_event_t *ev,
                        int64_t *out_id);
    /* New expiry (0 = never); LT_ENOTFOUND when no such token. */
    int (*token_update)(lt_store_t *s, const uint8_t digest[32], int64_t expires_at,
                        const lt_event_t *ev);
    int (*token_remove)(lt_store_t *s, const uint8_t digest[32], const lt_event_t *ev);
    /* Record last-seen times (no event; a batch from memory). */
    int (*tokens_seen)(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n);
    /* Replace a feature whole: its row, every env state, strategies, deps (ids kept). */
    int (*feature_put)(lt_store_t *s, const lt_feature_t *f, const lt_event_t *ev);
    int (*feature_delete)(lt_store_t *s, const char *name, const lt_event_t *ev);
    int (*feature_tags_put)(lt_store_t *s, const char *feature, const lt_tag_t *tags, size_t n,
                            const lt_event_t *ev);
    /* Insert (seg->id == 0: a new id in *out_id) or replace a segment. */
    int (*segment_put)(lt_store_t *s, const lt_segment_t *seg, const lt_event_t *ev,
                       int64_t *out_id);
    int (*segment_delete)(lt_store_t *s, int64_t id, const lt_event_t *ev);
    /* Insert or replace a project; delete one (its token scopes narrowed, never widened:
     * a token left with no project is deleted). */
    int (*project_put)(lt_store_t *s, const lt_project_t *p, const lt_event_t *ev);
    int (*project_delete)(lt_store_t *s, const char *id, const lt_event_t *ev);
    int (*environment_put)(lt_store_t *s, const lt_environment_t *e, const lt_event_t *ev);
    int (*environment_delete)(lt_store_t *s, const char *name, const lt_event_t *ev);
    int (*project_env_set)(lt_store_t *s, const char *project, const char *env, bool on,
                           const lt_event_t *ev);
    int (*tag_type_put)(lt_store_t *s, const lt_tag_type_t *t, const lt_event_t *ev);
    int (*tag_type_delete)(lt_store_t *s, const char *name, const lt_event_t *ev);
    int (*context_field_put)(lt_store_t *s, const lt_context_field_t *c, const lt_event_t *ev);
    int (*context_field_delete)(lt_store_t *s, const char *name, const lt_event_t *ev);
    int (*strategy_def_put)(lt_store_t *s, const lt_strategy_def_t *d, const lt_event_t *ev);
    int (*strategy_def_delete)(lt_store_t *s, const char *name, const lt_event_t *ev);
    /* Insert (u->id == 0) or update a user; password_hash NULL keeps the current one.
     * LT_EINVAL when the username or email is taken. */
    int (*user_put)(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                    const lt_event_t *ev, int64_t *out_id);
    int (*user_delete)(lt_store_t *s, int64_t id, const lt_event_t *ev);
    /* Find a user by username or email (case-insensitive) for login. LT_ENOTFOUND. */
    int (*user_auth)(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out);
    /* After a login attempt: ok resets the failure count and sets seen_at. No event. */
    int (*user_login_result)(lt_store_t *s, int64_t id, bool ok);
    /* Insert (r->id == 0) or replace a role with its permissions. LT_EINVAL: name taken. */
    int (*role_put)(lt_store_t *s, const lt_role_t *r, const lt_event_t *ev, int64_t *out_id);
    int (*role_delete)(lt_store_t *s, int64_t id, const lt_event_t *ev);
    /* Set the project roles of a user in a project (replacing the previous ones). */
    int (*bindings_set)(lt_store_t *s, int64_t user_id, const char *project,
                        const int64_t *role_ids, size_t n, const lt_event_t *ev);
    /* Sessions: digest of the cookie value; load all live ones at start. No events. */
    int (*session_put)(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                       int64_t expires_at);
    int (*session_delete)(lt_store_t *s, const uint8_t digest[32]);
    int (*sessions_load)(lt_store_t *s, void (*fn)(void *ctx, const uint8_t digest[32],
                                                   int64_t user_id, int64_t expires_at),
                         void *ctx);
    /* Read events, newest first; *total counts all that match. */
    int (*events_list)(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total);
    /* Usage as stored: applications and per-flag hourly counts (for the admin API). */
    int (*usage_apps)(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n);
    int (*usage_feature)(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n);
    /* Replace n features whole (as feature_put) in one transaction, evs[i] stored for fs[i];
     * tags (may be none) are added to the features they name. */
    int (*features_put)(lt_store_t *s, const lt_feature_t *fs, size_t n, const lt_tag_t *tags,
                        size_t n_tags, const lt_event_t *evs);
    /* Take env out of a project: the link and every state of the project's flags there
     * (their strategies with them). LT_ENOTFOUND when the project did not have it. */
    int (*project_env_remove)(lt_store_t *s, const char *project, const char *env,
                              const lt_event_t *ev);
    /* Set the sort order of n environments in one transaction with one event. */
    int (*environments_order)(lt_store_t *s, const char *const *names, const int *orders,
                              size_t n, const lt_event_t *ev);
    /* Load a latch export document (model/export.h) in one transaction with its event: every
     * project, environment, segment (ids kept), tag type, context field and strategy definition
     * upserted, every flag replaced whole (states, strategies, dependencies, tags). Nothing
     * absent from the document is removed. LT_EINVAL on a constraint violation (nothing kept). */
    int (*import_all)(lt_store_t *s, const struct lt_export_doc *doc, const lt_event_t *ev);
} lt_store_backend_t;

/* Call a backend operation: lt_store_call(s, feature_put, f, &ev). */
#define lt_store_call(s, op, ...) ((s)->be->op((s), __VA_ARGS__))

struct lt_store {
    const lt_store_backend_t *be;
};

extern const lt_store_backend_t lt_store_sqlite;

/*
 * Open the store named by url: "sqlite:///abs/path", "sqlite://rel/path" or a plain path.
 * Creates the database, runs the numbered migrations and seeds project `default` and
 * environments `development` and `production` on first start. LT_OK or an error (logged).
 */
int lt_store_open(lt_store_t **out, const char *url);
void lt_store_close(lt_store_t *s);

static inline int lt_store_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *out)
{
    return s->be->load(s, a, out);
}
static inline int lt_store_revision(lt_store_t *s, int64_t *out)
{
    return s->be->revision(s, out);
}
/* Load a client-features document into environment env (creating missing projects and the
 * environment), replacing the listed features' state there; one event row. */
static inline int lt_store_import(lt_store_t *s, const lt_client_doc_t *doc, const char *env,
                                  const char *actor)
{
    return s->be->import_doc(s, doc, env, actor);
}
/* Insert a token; LT_EINVAL when a token with that digest exists. One event row. */
static inline int lt_store_token_insert(lt_store_t *s, const lt_token_new_t *t,
                                        const char *actor)
{
    return s->be->token_insert(s, t, actor);
}
static inline int lt_store_token_count(lt_store_t *s, int64_t *out)
{
    return s->be->token_count(s, out);
}
/* Delete a token by digest; LT_ENOTFOUND when there is none. One event row. */
static inline int lt_store_token_delete(lt_store_t *s, const uint8_t digest[32],
                                        const char *actor)
{
    return s->be->token_delete(s, digest, actor);
}
/* Merge usage counts and registrations in (counts add up); one transaction, no event. */
static inline int lt_store_usage_write(lt_store_t *s, const lt_app_row_t *apps, size_t n_apps,
                                       const lt_metric_row_t *rows, size_t n_rows)
{
    return s->be->usage_write(s, apps, n_apps, rows, n_rows);
}

#endif
