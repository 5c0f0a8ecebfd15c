/*
 * dataset.h: everything a snapshot is built from, as one value: the flag model (model.h) and
 * the access records (records.h). A store backend fills it (store.h, lt_store_load); the
 * snapshot indexes it (state/snapshot.c); permission checks read it (auth/access.c).
 */
#ifndef LT_DATASET_H
#define LT_DATASET_H

#include "records.h"
#include "model.h"

/* Everything a snapshot is built from, allocated in the arena given to lt_store_load. */
typedef struct lt_dataset {
    lt_project_t *projects;
    size_t n_projects;
    lt_environment_t *envs;
    size_t n_envs;
    lt_feature_t *features; /* sorted by name, archived ones included */
    size_t n_features;
    lt_segment_t *segments; /* sorted by id */
    size_t n_segments;
    lt_token_t *tokens; /* PATs included */
    size_t n_tokens;
    lt_project_env_t *project_envs; /* environments enabled per project */
    size_t n_project_envs;
    lt_tag_t *tags; /* sorted by feature */
    size_t n_tags;
    lt_tag_type_t *tag_types;
    size_t n_tag_types;
    lt_tag_t *created_tags; /* created on their own (POST /api/admin/tags): feature NULL, sorted
                               by type, value; a flag may carry them too */
    size_t n_created_tags;
    lt_context_field_t *context_fields;
    size_t n_context_fields;
    lt_strategy_def_t *strategy_defs;
    size_t n_strategy_defs;
    lt_addon_t *addons; /* sorted by id */
    size_t n_addons;
    lt_user_t *users; /* sorted by id */
    size_t n_users;
    lt_role_t *roles; /* sorted by id */
    size_t n_roles;
    lt_binding_t *bindings;
    size_t n_bindings;
    lt_signup_token_t *signup_tokens; /* sorted by creation */
    size_t n_signup_tokens;
    lt_signup_user_t *signup_users; /* sorted by user id */
    size_t n_signup_users;
    lt_setting_t *settings; /* sorted by name */
    size_t n_settings;
    lt_env_default_t *env_defaults; /* default strategies, sorted by project, environment */
    size_t n_env_defaults;
    lt_link_t *links; /* sorted by feature, then creation */
    size_t n_links;
    lt_favorite_t *fav_projects; /* sorted by user, then project */
    size_t n_fav_projects;
    lt_favorite_t *fav_features; /* sorted by user, then flag */
    size_t n_fav_features;
    lt_stage_t *stages; /* lifecycle stages, sorted by flag, then when entered */
    size_t n_stages;
    lt_app_meta_t *app_meta; /* sorted by application */
    size_t n_app_meta;
    lt_reset_token_t *reset_tokens; /* by digest */
    size_t n_reset_tokens;
    lt_user_mark_t *user_marks; /* sorted by user, kind, name */
    size_t n_user_marks;
    int64_t revision; /* id of the latest event */
} lt_dataset_t;

/* ---------- look-ups, written once for every layer that reads a dataset ---------- */

/* Index of the flag with this name in d->features (sorted by name), or SIZE_MAX. O(log n). */
size_t lt_dataset_feature_index(const lt_dataset_t *d, const char *name);
/* The flag with this name, or NULL. */
const lt_feature_t *lt_dataset_feature(const lt_dataset_t *d, const char *name);
/* The project, environment or context field with this name, or NULL. */
const lt_project_t *lt_dataset_project(const lt_dataset_t *d, const char *id);
const lt_environment_t *lt_dataset_env(const lt_dataset_t *d, const char *name);
const lt_context_field_t *lt_dataset_context_field(const lt_dataset_t *d, const char *name);
/* Is environment env enabled for project? */
bool lt_dataset_project_has_env(const lt_dataset_t *d, const char *project, const char *env);
/* The JSON text of instance setting name, or NULL when it is not set. */
const char *lt_dataset_setting(const lt_dataset_t *d, const char *name);
/* Is maintenance mode on (setting "maintenance.mode" is {"enabled":true})? */
bool lt_dataset_maintenance(const lt_dataset_t *d);
/* Is name among user's favourites (favs: d->fav_projects or d->fav_features)? O(log n). */
bool lt_dataset_favorite(const lt_favorite_t *favs, size_t n, int64_t user, const char *name);
/* The lifecycle stages of flag name (in d->stages, oldest first): their count, the first at
 * *start. O(log n). */
size_t lt_dataset_stages(const lt_dataset_t *d, const char *name, size_t *start);
/* The links of flag name (in d->links), as lt_dataset_stages. */
size_t lt_dataset_links(const lt_dataset_t *d, const char *name, size_t *start);
/* The current stage of a flag, as Unleash picks it (archived, completed, live, pre-live,
 * initial: the first it entered of these), or NULL when it has none. */
const lt_stage_t *lt_dataset_stage_now(const lt_dataset_t *d, const char *name);
/* The password-reset token with this digest, or NULL. */
const lt_reset_token_t *lt_dataset_reset_token(const lt_dataset_t *d, const uint8_t digest[32]);
/* The metadata of application name, or NULL. */
const lt_app_meta_t *lt_dataset_app_meta(const lt_dataset_t *d, const char *name);
/* The default strategy (JSON text) of project's environment env, or NULL. */
const char *lt_dataset_env_default(const lt_dataset_t *d, const char *project, const char *env);

#endif
