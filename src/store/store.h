/*
 * store.h: the durable store behind latch, one interface over interchangeable backends
 * (OpenSMTPD table_backend): SQLite embedded by default. Every write runs in one transaction
 * together with its event row; the snapshot is rebuilt from lt_store_load afterwards.
 * All calls block on disk I/O; a store handle is used by one thread at a time (callers lock).
 */
#ifndef LT_STORE_H
#define LT_STORE_H

#include "../auth/token.h"
#include "../model/model.h"

typedef struct lt_store lt_store_t;

/* Everything a snapshot is built from, allocated in the arena given to lt_store_load. */
typedef struct {
    lt_project_t *projects;
    size_t n_projects;
    lt_environment_t *envs;
    size_t n_envs;
    lt_feature_t *features; /* sorted by name, archived ones included */
    size_t n_features;
    lt_segment_t *segments; /* sorted by id */
    size_t n_segments;
    lt_token_t *tokens;
    size_t n_tokens;
    int64_t revision; /* id of the latest event */
} lt_dataset_t;

/* A new token to store: the digest of its secret, never the secret. */
typedef struct {
    uint8_t digest[32];
    const char *name;
    lt_token_type_t type;
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
} lt_store_backend_t;

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
