/*
 * delta.h: replaying Unleash delta-API events (GET /api/client/delta, client specification
 * files 19 and 20) into a plain client document, for `latch offline` and the spec tests.
 */
#ifndef LT_DELTA_H
#define LT_DELTA_H

#include "model.h"

/*
 * Parse {"events":[...]} and apply the events in order: `hydration` (replaces all features and
 * segments), `feature-updated` (adds or replaces by name), `feature-removed` (by featureName),
 * `segment-updated` (adds or replaces by id), `segment-removed` (by segmentId). Unknown event
 * types are ignored. A document without "events" is parsed as an ordinary client document
 * (lt_model_parse_client_doc), so callers may hand over either form.
 * The result is like lt_model_parse_client_doc's: each feature has one env entry named env,
 * segments are sorted by id; everything is allocated in a. Returns LT_OK, or LT_EINVAL with err
 * filled (a static message, and the feature it concerns in err->where).
 */
int lt_model_parse_delta_doc(lt_arena_t *a, const char *json, size_t len, const char *env,
                             lt_client_doc_t *out, lt_parse_err_t *err);
/*
 * The same, but the events apply on top of base (a document this function or
 * lt_model_parse_client_doc made for the same env) instead of an empty state: what a reader of
 * /api/client/streaming or /api/client/delta (an edge) does with each `unleash-updated` or
 * delta answer. out shares base's features and segments where the events leave them: base's
 * memory must outlive out. A document without "events" replaces base whole.
 */
int lt_model_apply_delta_doc(lt_arena_t *a, const char *json, size_t len, const char *env,
                             const lt_client_doc_t *base, lt_client_doc_t *out,
                             lt_parse_err_t *err);

#endif
