/*
 * model_json.h: parsing model pieces from cJSON trees. The store keeps constraints,
 * parameters and variants as JSON text columns and rebuilds them with these at snapshot time.
 * All output is allocated in the arena; errors carry a static message.
 */
#ifndef LT_MODEL_JSON_H
#define LT_MODEL_JSON_H

#include <cjson/cJSON.h>

#include "model.h"

/* Parse exactly one JSON value from p[0..n) (trailing whitespace allowed, anything else is an
 * error): NULL on any error. Free with cJSON_Delete. For request bodies and files. */
cJSON *lt_json_parse(const char *p, size_t n);

/* A JSON number as an integer, truncated: false outside +-2^53 or NaN, where a cast to an
 * integer type would be undefined. */
bool lt_json_int(double d, int64_t *out);

int lt_model_parse_constraints(lt_arena_t *a, const cJSON *j, lt_constraint_t **out, size_t *n,
                               lt_parse_err_t *err);
int lt_model_parse_params(lt_arena_t *a, const cJSON *j, lt_param_t **out, size_t *n,
                          lt_parse_err_t *err);
int lt_model_parse_variants(lt_arena_t *a, const cJSON *j, lt_variant_t **out, size_t *n,
                            lt_parse_err_t *err);
int lt_model_parse_segment_ids(lt_arena_t *a, const cJSON *j, int64_t **out, size_t *n,
                               lt_parse_err_t *err);
int lt_model_parse_strategy(lt_arena_t *a, const cJSON *j, lt_strategy_t *out,
                            lt_parse_err_t *err);
int lt_model_parse_dependencies(lt_arena_t *a, const cJSON *j, lt_dependency_t **out, size_t *n,
                                lt_parse_err_t *err);
int lt_model_parse_segment(lt_arena_t *a, const cJSON *j, lt_segment_t *out, lt_parse_err_t *err);
/* Parse one client feature object into f, with one env entry named env. */
int lt_model_parse_feature(lt_arena_t *a, const cJSON *j, const char *env, lt_feature_t *f,
                           lt_parse_err_t *err);
/* Parse a parsed client-features document (see lt_model_parse_client_doc). */
int lt_model_parse_client_doc_json(lt_arena_t *a, const cJSON *root, const char *env,
                                   lt_client_doc_t *out, lt_parse_err_t *err);

#endif
