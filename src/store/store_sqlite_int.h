/*
 * store_sqlite_int.h: what the files of the SQLite backend share (store_sqlite.c: open, load,
 * import, usage; store_sqlite_admin.c: the admin writes). Not for use outside src/store/.
 */
#ifndef LT_STORE_SQLITE_INT_H
#define LT_STORE_SQLITE_INT_H

#include <sqlite3.h>

#include "store.h"

sqlite3 *lt__sq_db(lt_store_t *s);
/* Run SQL text (several statements allowed); errors are logged. LT_OK or LT_ERR. */
int lt__sq_exec(sqlite3 *db, const char *sql);
/* Prepare one statement, NULL on error (logged). */
sqlite3_stmt *lt__sq_prepare(sqlite3 *db, const char *sql);
/* Bind a string, or NULL when s is NULL. */
void lt__sq_bind_text(sqlite3_stmt *st, int i, const char *s);
/* Step a statement that returns no rows and finalize it (st may be NULL: LT_ERR). */
int lt__sq_run(sqlite3 *db, sqlite3_stmt *st);
/* The first column of the only row as an integer in *out (0 when NULL). LT_OK, or LT_ERR
 * (logged) on any SQLite error: never a default in place of an error. */
int lt__sq_int(sqlite3 *db, const char *sql, int64_t *out);
/* count(*) of a table into *out; LT_OK or LT_ERR (logged). */
int lt__sq_count(sqlite3 *db, const char *table, size_t *out);
/* Step a load query: 1 for a row (when have < cap), 0 at SQLITE_DONE, LT_ERR (logged with the
 * table name) on an SQLite error or a row beyond the counted capacity. */
int lt__sq_row(sqlite3 *db, sqlite3_stmt *st, size_t have, size_t cap, const char *table);
/* A text column copied into the arena, or NULL. */
const char *lt__sq_text(lt_arena_t *a, sqlite3_stmt *st, int i);
/* Insert the event row of a write (inside the caller's transaction). */
int lt__sq_event(sqlite3 *db, const lt_event_t *ev);
/* Begin an immediate transaction / commit / roll back. */
int lt__sq_begin(sqlite3 *db);
int lt__sq_commit(sqlite3 *db);
void lt__sq_rollback(sqlite3 *db);
/* Insert one strategy of feature/env (its id kept, or a fresh UUID when it has none or the
 * id is taken by another feature or environment). */
int lt__sq_strategy_insert(sqlite3 *db, const char *feature, const char *env,
                           const lt_strategy_t *s, int64_t now);
/* Replace a feature's dependencies. */
int lt__sq_dependencies_put(sqlite3 *db, const lt_feature_t *f);
/* JSON text of model pieces (malloc'd; the caller frees). */
char *lt__sq_json_constraints(const lt_constraint_t *c, size_t n);
char *lt__sq_json_variants(const lt_variant_t *v, size_t n);
char *lt__sq_json_params(const lt_param_t *p, size_t n);
char *lt__sq_json_ids(const int64_t *ids, size_t n);
char *lt__sq_json_strings(const char *const *v, size_t n);

/* Backend operations implemented in store_sqlite_admin.c. */
int lt__sq_token_create(lt_store_t *s, const lt_token_new_t *t, const lt_event_t *ev,
                        int64_t *out_id);
int lt__sq_token_update(lt_store_t *s, const uint8_t digest[32], int64_t expires_at,
                        const lt_event_t *ev);
int lt__sq_token_remove(lt_store_t *s, const uint8_t digest[32], const lt_event_t *ev);
int lt__sq_tokens_seen(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n);
int lt__sq_feature_put(lt_store_t *s, const lt_feature_t *f, const lt_event_t *ev);
int lt__sq_feature_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
int lt__sq_feature_tags_put(lt_store_t *s, const char *feature, const lt_tag_t *tags, size_t n,
                            const lt_event_t *ev);
int lt__sq_segment_put(lt_store_t *s, const lt_segment_t *seg, const lt_event_t *ev,
                       int64_t *out_id);
int lt__sq_segment_delete(lt_store_t *s, int64_t id, const lt_event_t *ev);
int lt__sq_project_put(lt_store_t *s, const lt_project_t *p, const lt_event_t *ev);
int lt__sq_project_delete(lt_store_t *s, const char *id, const lt_event_t *ev);
int lt__sq_environment_put(lt_store_t *s, const lt_environment_t *e, const lt_event_t *ev);
int lt__sq_environment_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
int lt__sq_project_env_set(lt_store_t *s, const char *project, const char *env, bool on,
                           const lt_event_t *ev);
int lt__sq_tag_type_put(lt_store_t *s, const lt_tag_type_t *t, const lt_event_t *ev);
int lt__sq_tag_type_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
int lt__sq_context_field_put(lt_store_t *s, const lt_context_field_t *c, const lt_event_t *ev);
int lt__sq_context_field_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
int lt__sq_strategy_def_put(lt_store_t *s, const lt_strategy_def_t *d, const lt_event_t *ev);
int lt__sq_strategy_def_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
int lt__sq_user_put(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                    const lt_event_t *ev, int64_t *out_id);
int lt__sq_user_delete(lt_store_t *s, int64_t id, const lt_event_t *ev);
int lt__sq_user_auth(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out);
int lt__sq_user_login_result(lt_store_t *s, int64_t id, bool ok);
int lt__sq_role_put(lt_store_t *s, const lt_role_t *r, const lt_event_t *ev, int64_t *out_id);
int lt__sq_role_delete(lt_store_t *s, int64_t id, const lt_event_t *ev);
int lt__sq_bindings_set(lt_store_t *s, int64_t user_id, const char *project,
                        const int64_t *role_ids, size_t n, const lt_event_t *ev);
int lt__sq_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                       int64_t expires_at);
int lt__sq_session_delete(lt_store_t *s, const uint8_t digest[32]);
int lt__sq_sessions_load(lt_store_t *s,
                         void (*fn)(void *ctx, const uint8_t digest[32], int64_t user_id,
                                    int64_t expires_at),
                         void *ctx);
int lt__sq_events_list(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total);
int lt__sq_usage_apps(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n);
int lt__sq_usage_feature(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n);

/* Load the access and admin-side tables into the dataset (store_sqlite_admin.c). */
int lt__sq_load_admin(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d);

/* admin_projects.c / admin_features.c batch writes (store_sqlite_admin.c) */
int lt__sq_features_put(lt_store_t *s, const lt_feature_t *fs, size_t n, const lt_tag_t *tags,
                        size_t n_tags, const lt_event_t *evs);
int lt__sq_project_env_remove(lt_store_t *s, const char *project, const char *env,
                              const lt_event_t *ev);
int lt__sq_environments_order(lt_store_t *s, const char *const *names, const int *orders,
                              size_t n, const lt_event_t *ev);

/* `latch import` of a latch export document (store_sqlite_admin.c, at its end). */
int lt__sq_import_all(lt_store_t *s, const struct lt_export_doc *doc, const lt_event_t *ev);

#endif
