/*
 * admin_json.h: what the projects and features admin handlers share: look-ups in a dataset,
 * the admin JSON of flags, environments and strategies (UNLEASH-API.md §6.5), validation of
 * request bodies (names, strategies, constraints, variants) with Unleash's rules, and
 * copy-on-write helpers to change a flag of an immutable snapshot in a request arena.
 */
#ifndef LT_ADMIN_JSON_H
#define LT_ADMIN_JSON_H

#include <cjson/cJSON.h>

#include "admin.h"

/* Unleash's resource limits (defaults of 8.x). */
#define LT_ADM_MAX_STRATEGIES 30      /* per flag and environment */
#define LT_ADM_MAX_CONSTRAINTS 30     /* per strategy */
#define LT_ADM_MAX_CONSTRAINT_VALUES 250
#define LT_ADM_MAX_SEGMENTS 5         /* per strategy */

/* ---------- look-ups (NULL when absent) ---------- */
const lt_feature_t *lt_adm_feature(const lt_dataset_t *d, const char *name);
const lt_project_t *lt_adm_project(const lt_dataset_t *d, const char *id);
const lt_environment_t *lt_adm_env(const lt_dataset_t *d, const char *name);
bool lt_adm_project_has_env(const lt_dataset_t *d, const char *project, const char *env);
/* Does another live flag depend on this one? */
bool lt_adm_has_children(const lt_dataset_t *d, const char *name);
/* Is name a built-in strategy or a custom strategy definition? */
bool lt_adm_strategy_known(const lt_dataset_t *d, const char *name);

/* URL-friendly (encodeURIComponent leaves it alone, not "." or ".."), 1..100 bytes. */
bool lt_adm_name_ok(const char *s);

/* ---------- JSON output ---------- */
/* {id, name, title, disabled, sortOrder, constraints, parameters, segments, variants} */
void lt_adm_write_strategy(lt_buf_t *b, const lt_strategy_t *s);
/* A flag's state in one environment e of its project (fe may be NULL: disabled, empty). */
void lt_adm_write_feature_env(lt_buf_t *b, const lt_feature_t *f, const lt_environment_t *e,
                              const lt_feature_env_t *fe);
/* The admin flag: metadata, environments of its project in sort order, tags, dependencies,
 * children. */
void lt_adm_write_feature(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *f);
/* The short form listed per project: metadata and per-environment summaries. */
void lt_adm_write_feature_summary(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *f);
/* Tags of a flag as [{value, type}]. */
void lt_adm_write_tags(lt_buf_t *b, const lt_dataset_t *d, const char *feature);
/* Copy the buffer's bytes into the arena (NUL-terminated) and dispose of the buffer. */
char *lt_adm_buf_arena(lt_arena_t *a, lt_buf_t *b);

/* ---------- validation: LT_OK, or LT_EINVAL with w's error set ---------- */
/*
 * A strategy body as Unleash accepts it (create and update): name known, constraints with a
 * known operator and values of the operator's type, parameters stringified (flexibleRollout
 * gets rollout 100, stickiness default and groupId = feature by default), segments that exist
 * (at most 5), strategy variants. prev: the strategy being replaced (limits allow what it had).
 */
int lt_adm_parse_strategy(lt_arena_t *a, const lt_dataset_t *d, const cJSON *j,
                          const char *feature, const lt_strategy_t *prev, lt_strategy_t *out,
                          lt_write_t *w);
/* Variants (strategy ones when strategy: no overrides): validated, weights fixed as Unleash
 * does (fix ones keep theirs, variable ones share the rest), sorted by name. */
/*
 * Validate one parsed constraint c against its JSON it: keys, value types, the operator, the
 * values the operator needs (numbers, dates, semvers, CIDRs, RE2 regexes), the per-constraint
 * value limit (unless the previous version, prev_values, already exceeded it) and the legal
 * values of its context field. LT_OK, or LT_EINVAL with w set to a 400.
 */
int lt_adm_check_constraint(const lt_dataset_t *d, const cJSON *it, const lt_constraint_t *c,
                            size_t prev_values, lt_write_t *w);
int lt_adm_parse_variants(lt_arena_t *a, const cJSON *j, bool strategy, lt_variant_t **out,
                          size_t *n, lt_write_t *w);

/* ---------- copy-on-write ---------- */
/* A copy of f whose env array and strategy arrays are the arena's (strings shared). */
lt_feature_t *lt_adm_feature_dup(lt_arena_t *a, const lt_feature_t *f);
/* The env state of f (a dup) for env, added (disabled, empty) when missing. */
lt_feature_env_t *lt_adm_env_state(lt_arena_t *a, lt_feature_t *f, const char *env);
/* Append a strategy to fe (a dup's). */
lt_strategy_t *lt_adm_add_strategy(lt_arena_t *a, lt_feature_env_t *fe);

#endif
