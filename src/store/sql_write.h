/*
 * sql_write.h: the write primitives every SQL backend shares (sql_write.c), written once over a
 * statement runner each backend provides (lt__sql_exec_t: SQLite statements, libpq). The SQL is
 * the dialect both speak (`?` placeholders, INSERT ... ON CONFLICT, RETURNING). A backend puts
 * these functions in its function table and keeps its own only where the dialects differ (the
 * event row, sessions, the batch writes). Not for use outside src/store/.
 */
#ifndef LT_SQL_WRITE_H
#define LT_SQL_WRITE_H

#include <stdarg.h>

#include "store.h"

typedef struct lt__sql_exec {
    /* Run one statement in the caller's transaction. fmt has one letter a parameter: 't' a string
     * or NULL, 'i' an int64_t, 'o' an int64_t passed as NULL when 0, 'b' 32 bytes. *changed (may
     * be NULL): the rows a DML statement changed. *first (may be NULL): the first column of the
     * first row returned (RETURNING id, SELECT 1), 0 when none. LT_OK, LT_EINVAL on a constraint
     * violation (not logged as an error), LT_ERR (logged). */
    int (*run)(lt_store_t *s, int64_t *changed, int64_t *first, const char *sql, const char *fmt,
               va_list ap);
    /* After a row was inserted into table with an id given, not drawn (NULL: nothing to do). */
    int (*explicit_id)(lt_store_t *s, const char *table);
    /* Run a query in the caller's transaction: the first column of its first row as text in
     * out (cap bytes, truncated), "" when none or NULL. LT_OK or LT_ERR (logged). */
    int (*text)(lt_store_t *s, char *out, size_t cap, const char *sql, const char *fmt, va_list ap);
} lt__sql_exec_t;

/* The runner of an SQL backend's handle (its lt_store_t is the first member of a struct whose
 * second member is this pointer). */
typedef struct {
    lt_store_t base;
    const lt__sql_exec_t *exec;
} lt__sql_store_t;

int lt__sql_project_put(lt_store_t *s, const lt_project_t *p, lt_put_mode_t m, bool *out_created);
int lt__sql_project_delete(lt_store_t *s, const char *id);
int lt__sql_environment_put(lt_store_t *s, const lt_environment_t *e, lt_put_mode_t m);
int lt__sql_environment_delete(lt_store_t *s, const char *name);
int lt__sql_project_env_put(lt_store_t *s, const char *project, const char *env);
int lt__sql_project_env_delete(lt_store_t *s, const char *project, const char *env);
int lt__sql_feature_put(lt_store_t *s, const lt_feature_t *f, lt_put_mode_t m,
                        bool only_listed_envs);
int lt__sql_feature_delete(lt_store_t *s, const char *name);
int lt__sql_feature_envs_delete(lt_store_t *s, const char *project, const char *env);
int lt__sql_tag_put(lt_store_t *s, const lt_tag_t *t);
int lt__sql_tags_delete(lt_store_t *s, const char *feature);
int lt__sql_segment_put(lt_store_t *s, const lt_segment_t *g, lt_put_mode_t m, int64_t *out_id);
int lt__sql_segment_delete(lt_store_t *s, int64_t id);
int lt__sql_tag_type_put(lt_store_t *s, const lt_tag_type_t *t, lt_put_mode_t m);
int lt__sql_tag_type_delete(lt_store_t *s, const char *name);
int lt__sql_tag_create(lt_store_t *s, const lt_tag_t *t);
int lt__sql_tag_remove(lt_store_t *s, const lt_tag_t *t);
int lt__sql_context_field_put(lt_store_t *s, const lt_context_field_t *c, lt_put_mode_t m);
int lt__sql_context_field_delete(lt_store_t *s, const char *name);
int lt__sql_strategy_def_put(lt_store_t *s, const lt_strategy_def_t *d, lt_put_mode_t m);
int lt__sql_strategy_def_delete(lt_store_t *s, const char *name);
int lt__sql_addon_put(lt_store_t *s, const lt_addon_t *x, lt_put_mode_t m);
int lt__sql_addon_delete(lt_store_t *s, int64_t id);
int lt__sql_addon_claim(lt_store_t *s, int64_t addon_id, int64_t event_id, bool *out);
int lt__sql_integration_event_add(lt_store_t *s, const lt_integration_event_t *e, int64_t keep);
int lt__sql_user_put(lt_store_t *s, const lt_user_t *u, const char *password_hash, int64_t *out_id);
int lt__sql_user_delete(lt_store_t *s, int64_t id);
int lt__sql_role_put(lt_store_t *s, const lt_role_t *r, lt_put_mode_t m, int64_t *out_id);
int lt__sql_role_delete(lt_store_t *s, int64_t id);
int lt__sql_bindings_put(lt_store_t *s, int64_t user_id, const char *project,
                         const int64_t *role_ids, size_t n);
int lt__sql_signup_token_put(lt_store_t *s, const lt_signup_token_t *t, lt_put_mode_t m);
int lt__sql_signup_user_add(lt_store_t *s, const char *secret, int64_t user_id);
int lt__sql_token_put(lt_store_t *s, const lt_token_new_t *t, lt_put_mode_t m, int64_t *out_id);
int lt__sql_token_delete(lt_store_t *s, const uint8_t digest[32]);
int lt__sql_token_marks(lt_store_t *s, const uint8_t digest[32], int64_t grace_until,
                        bool expiry_noted);
int lt__sql_user_login_result(lt_store_t *s, int64_t id, bool ok);
int lt__sql_login_count(lt_store_t *s, int64_t window, lt_login_count_t *c, int64_t prune_before);
int lt__sql_secret_get(lt_store_t *s, const char *name, char *out, size_t cap);
int lt__sql_token_usage_write(lt_store_t *s, const lt_token_usage_row_t *rows, size_t n,
                              int64_t stale_before);
/* The event row of a write, chained (chain.c): the previous row's hash (or the anchor's) read
 * in the same write transaction, so under the backend's write lock; *out_id (may be NULL) gets
 * its id. */
int lt__sql_event_append(lt_store_t *s, const lt_event_t *ev, int64_t *out_id);
/* Usage retention: hourly rows before raw_before summed into day rows (instance ""), day rows
 * before agg_before dropped. */
int lt__sql_usage_prune(lt_store_t *s, int64_t raw_before, int64_t agg_before);

/* The changes rows of a write, one statement each (store.h changes_append). */
int lt__sql_changes_append(lt_store_t *s, const char *kinds, const char *const *keys, size_t n,
                           int64_t n_events, bool prune);
/* Instance settings (value NULL: removed), a project environment's default strategy (NULL:
 * removed; LT_EINVAL when the environment is not the project's), flag links. */
int lt__sql_setting_put(lt_store_t *s, const char *name, const char *value);
int lt__sql_env_default_put(lt_store_t *s, const char *project, const char *env,
                            const char *strategy);
int lt__sql_link_put(lt_store_t *s, const lt_link_t *l, lt_put_mode_t m);
int lt__sql_link_delete(lt_store_t *s, const char *id);
int lt__sql_favorite_set(lt_store_t *s, bool feature, int64_t user_id, const char *name, bool on);

/* The flag lifecycle (Unleash's feature_lifecycles): one row per (flag, stage) with when it
 * was entered. A stage already entered is kept as it was (Unleash's insert-or-ignore). */
int lt__sql_lifecycle_put(lt_store_t *s, const char *feature, const char *stage,
                          const char *status, const char *status_value, int64_t at);
/* stage NULL: every stage of the flag. */
int lt__sql_lifecycle_delete(lt_store_t *s, const char *feature, const char *stage);
/* Flags without a stage enter "initial" (at their creation), archived ones "archived". */
int lt__sql_lifecycle_backfill(lt_store_t *s);
/* Metrics of feature in env: "pre-live" when env exists, "live" too when it is of type
 * production and the flag is on there; *moved: whether a stage was entered. */
int lt__sql_lifecycle_metrics(lt_store_t *s, const char *feature, const char *env, int64_t at,
                              bool *moved);
/* An application's metadata (replaced), and an application deleted: its metadata and its
 * registrations (its usage counts stay, as in Unleash). */
int lt__sql_app_meta_put(lt_store_t *s, const lt_app_meta_t *m);
int lt__sql_app_delete(lt_store_t *s, const char *name);
/* A password-reset token stored (the user's unused ones expire now); one used at `at`
 * (LT_EINVAL when it is unknown, used or expired). */
int lt__sql_reset_token_put(lt_store_t *s, const lt_reset_token_t *t);
int lt__sql_reset_token_use(lt_store_t *s, const uint8_t digest[32], int64_t at);
/* A user's mark of a UI prompt, replaced. */
int lt__sql_user_mark_put(lt_store_t *s, const lt_user_mark_t *m);
/* The backfill as SQL, for the migrations too (each one statement). */
#define LT_LIFECYCLE_BACKFILL_INITIAL                                                             \
    "INSERT INTO feature_lifecycles (feature, stage, created_at)"                                 \
    " SELECT name, 'initial', created_at FROM features WHERE NOT EXISTS"                          \
    " (SELECT 1 FROM feature_lifecycles l WHERE l.feature = features.name)"                       \
    " ON CONFLICT DO NOTHING"
#define LT_LIFECYCLE_BACKFILL_ARCHIVED                                                            \
    "INSERT INTO feature_lifecycles (feature, stage, created_at)"                                 \
    " SELECT name, 'archived', created_at + 1 FROM features WHERE archived = 1"                   \
    " ON CONFLICT DO NOTHING"
#define LT_LIFECYCLE_BACKFILL LT_LIFECYCLE_BACKFILL_INITIAL ";" LT_LIFECYCLE_BACKFILL_ARCHIVED

/* The function-table entries of the shared write primitives (in a lt_store_backend_t). */
#define LT__SQL_WRITE_PRIMITIVES \
    .project_put = lt__sql_project_put, \
    .project_delete = lt__sql_project_delete, \
    .environment_put = lt__sql_environment_put, \
    .environment_delete = lt__sql_environment_delete, \
    .project_env_put = lt__sql_project_env_put, \
    .project_env_delete = lt__sql_project_env_delete, \
    .feature_put = lt__sql_feature_put, \
    .feature_delete = lt__sql_feature_delete, \
    .feature_envs_delete = lt__sql_feature_envs_delete, \
    .tag_put = lt__sql_tag_put, \
    .tags_delete = lt__sql_tags_delete, \
    .segment_put = lt__sql_segment_put, \
    .segment_delete = lt__sql_segment_delete, \
    .tag_type_put = lt__sql_tag_type_put, \
    .tag_type_delete = lt__sql_tag_type_delete, \
    .tag_create = lt__sql_tag_create, \
    .tag_remove = lt__sql_tag_remove, \
    .context_field_put = lt__sql_context_field_put, \
    .context_field_delete = lt__sql_context_field_delete, \
    .strategy_def_put = lt__sql_strategy_def_put, \
    .strategy_def_delete = lt__sql_strategy_def_delete, \
    .addon_put = lt__sql_addon_put, \
    .addon_delete = lt__sql_addon_delete, \
    .addon_claim = lt__sql_addon_claim, \
    .integration_event_add = lt__sql_integration_event_add, \
    .user_put = lt__sql_user_put, \
    .user_delete = lt__sql_user_delete, \
    .role_put = lt__sql_role_put, \
    .role_delete = lt__sql_role_delete, \
    .bindings_put = lt__sql_bindings_put, \
    .signup_token_put = lt__sql_signup_token_put, \
    .signup_user_add = lt__sql_signup_user_add, \
    .token_put = lt__sql_token_put, \
    .token_delete = lt__sql_token_delete, \
    .token_marks = lt__sql_token_marks, \
    .user_login_result = lt__sql_user_login_result, \
    .login_count = lt__sql_login_count, \
    .secret_get = lt__sql_secret_get, \
    .token_usage_write = lt__sql_token_usage_write, \
    .changes_append = lt__sql_changes_append, \
    .usage_prune = lt__sql_usage_prune, \
    .setting_put = lt__sql_setting_put, \
    .env_default_put = lt__sql_env_default_put, \
    .link_put = lt__sql_link_put, \
    .link_delete = lt__sql_link_delete, \
    .favorite_set = lt__sql_favorite_set, \
    .lifecycle_put = lt__sql_lifecycle_put, \
    .lifecycle_delete = lt__sql_lifecycle_delete, \
    .lifecycle_backfill = lt__sql_lifecycle_backfill, \
    .lifecycle_metrics = lt__sql_lifecycle_metrics, \
    .app_meta_put = lt__sql_app_meta_put, \
    .app_delete = lt__sql_app_delete, \
    .reset_token_put = lt__sql_reset_token_put, \
    .reset_token_use = lt__sql_reset_token_use, \
    .user_mark_put = lt__sql_user_mark_put

#endif
