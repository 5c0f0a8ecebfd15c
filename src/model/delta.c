/*
 * delta.c: delta-API event replay (see delta.h). Features and segments are kept in two growable
 * lists while the events are applied, then copied into the arena as a client document; parsing
 * of each feature and segment is model_json.c's.
 */
#include "delta.h"

#include <stdlib.h>

#include "../base/util.h"
#include "model_json.h"

typedef struct {
    lt_feature_t *features;
    size_t n_features, cap_features;
    lt_segment_t *segments;
    size_t n_segments, cap_segments;
} replay_t;

static void put_feature(replay_t *r, const lt_feature_t *f)
{
    for (size_t i = 0; i < r->n_features; i++)
        if (strcmp(r->features[i].name, f->name) == 0) {
            r->features[i] = *f;
            return;
        }
    if (r->n_features == r->cap_features) {
        r->cap_features = r->cap_features ? 2 * r->cap_features : 16;
        r->features = lt_xrealloc(r->features, r->cap_features * sizeof(*r->features));
    }
    r->features[r->n_features++] = *f;
}

static void remove_feature(replay_t *r, const char *name)
{
    for (size_t i = 0; i < r->n_features; i++)
        if (strcmp(r->features[i].name, name) == 0) {
            memmove(&r->features[i], &r->features[i + 1],
                    (r->n_features - i - 1) * sizeof(*r->features));
            r->n_features--;
            return;
        }
}

static void put_segment(replay_t *r, const lt_segment_t *s)
{
    for (size_t i = 0; i < r->n_segments; i++)
        if (r->segments[i].id == s->id) {
            r->segments[i] = *s;
            return;
        }
    if (r->n_segments == r->cap_segments) {
        r->cap_segments = r->cap_segments ? 2 * r->cap_segments : 16;
        r->segments = lt_xrealloc(r->segments, r->cap_segments * sizeof(*r->segments));
    }
    r->segments[r->n_segments++] = *s;
}

static void remove_segment(replay_t *r, int64_t id)
{
    for (size_t i = 0; i < r->n_segments; i++)
        if (r->segments[i].id == id) {
            memmove(&r->segments[i], &r->segments[i + 1],
                    (r->n_segments - i - 1) * sizeof(*r->segments));
            r->n_segments--;
            return;
        }
}

static int seg_cmp(const void *pa, const void *pb)
{
    const lt_segment_t *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

static int apply_feature(lt_arena_t *a, replay_t *r, const cJSON *j, const char *env,
                         lt_parse_err_t *err)
{
    lt_feature_t f;
    if (lt_model_parse_feature(a, j, env, &f, err) != LT_OK)
        return LT_EINVAL;
    put_feature(r, &f);
    return LT_OK;
}

static int apply_segment(lt_arena_t *a, replay_t *r, const cJSON *j, lt_parse_err_t *err)
{
    lt_segment_t s;
    if (lt_model_parse_segment(a, j, &s, err) != LT_OK)
        return LT_EINVAL;
    put_segment(r, &s);
    return LT_OK;
}

static int apply_event(lt_arena_t *a, replay_t *r, const cJSON *ev, const char *env,
                       lt_parse_err_t *err)
{
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(ev, "type");
    const cJSON *it;
    if (!cJSON_IsObject(ev) || !cJSON_IsString(type)) {
        err->msg = "a delta event needs a type";
        return LT_EINVAL;
    }
    const char *t = type->valuestring;
    if (strcmp(t, "hydration") == 0) {
        r->n_features = 0;
        r->n_segments = 0;
        const cJSON *features = cJSON_GetObjectItemCaseSensitive(ev, "features");
        const cJSON *segments = cJSON_GetObjectItemCaseSensitive(ev, "segments");
        if ((features && !cJSON_IsArray(features)) || (segments && !cJSON_IsArray(segments))) {
            err->msg = "hydration features and segments must be lists";
            return LT_EINVAL;
        }
        cJSON_ArrayForEach(it, features)
        {
            if (apply_feature(a, r, it, env, err) != LT_OK)
                return LT_EINVAL;
        }
        cJSON_ArrayForEach(it, segments)
        {
            if (apply_segment(a, r, it, err) != LT_OK)
                return LT_EINVAL;
        }
    } else if (strcmp(t, "feature-updated") == 0) {
        return apply_feature(a, r, cJSON_GetObjectItemCaseSensitive(ev, "feature"), env, err);
    } else if (strcmp(t, "feature-removed") == 0) {
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(ev, "featureName");
        if (!cJSON_IsString(name)) {
            err->msg = "feature-removed needs a featureName";
            return LT_EINVAL;
        }
        remove_feature(r, name->valuestring);
    } else if (strcmp(t, "segment-updated") == 0) {
        return apply_segment(a, r, cJSON_GetObjectItemCaseSensitive(ev, "segment"), err);
    } else if (strcmp(t, "segment-removed") == 0) {
        const cJSON *id = cJSON_GetObjectItemCaseSensitive(ev, "segmentId");
        int64_t sid = 0;
        if (!cJSON_IsNumber(id) || lt_double_to_i64(id->valuedouble, 1, INT64_MAX, &sid) != LT_OK) {
            err->msg = "segment-removed needs a segmentId";
            return LT_EINVAL;
        }
        remove_segment(r, sid);
    }
    return LT_OK;
}

int lt_model_parse_delta_doc(lt_arena_t *a, const char *json, size_t len, const char *env,
                             lt_client_doc_t *out, lt_parse_err_t *err)
{
    return lt_model_apply_delta_doc(a, json, len, env, NULL, out, err);
}

int lt_model_apply_delta_doc(lt_arena_t *a, const char *json, size_t len, const char *env,
                             const lt_client_doc_t *base, lt_client_doc_t *out,
                             lt_parse_err_t *err)
{
    int rc = LT_EINVAL;
    replay_t r = {0};
    if (base && base->n_features) { /* names are unique in base: taken whole */
        r.cap_features = r.n_features = base->n_features;
        r.features = lt_xmalloc(r.cap_features * sizeof(*r.features));
        memcpy(r.features, base->features, r.n_features * sizeof(*r.features));
    }
    if (base && base->n_segments) {
        r.cap_segments = r.n_segments = base->n_segments;
        r.segments = lt_xmalloc(r.cap_segments * sizeof(*r.segments));
        memcpy(r.segments, base->segments, r.n_segments * sizeof(*r.segments));
    }
    memset(out, 0, sizeof(*out));
    err->msg = NULL;
    err->where[0] = '\0';
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!root) {
        err->msg = "the document is not valid JSON";
        goto fail;
    }
    const cJSON *events = cJSON_GetObjectItemCaseSensitive(root, "events");
    if (!events) {
        rc = lt_model_parse_client_doc_json(a, root, env, out, err);
        goto fail;
    }
    if (!cJSON_IsArray(events)) {
        err->msg = "events must be a list";
        goto fail;
    }
    const cJSON *ev;
    cJSON_ArrayForEach(ev, events)
    {
        if (apply_event(a, &r, ev, env, err) != LT_OK)
            goto fail;
    }
    err->where[0] = '\0';
    out->features = lt_arena_calloc(a, r.n_features ? r.n_features : 1, sizeof(*out->features));
    if (r.n_features)
        memcpy(out->features, r.features, r.n_features * sizeof(*out->features));
    out->n_features = r.n_features;
    out->segments = lt_arena_calloc(a, r.n_segments ? r.n_segments : 1, sizeof(*out->segments));
    if (r.n_segments)
        memcpy(out->segments, r.segments, r.n_segments * sizeof(*out->segments));
    out->n_segments = r.n_segments;
    qsort(out->segments, out->n_segments, sizeof(*out->segments), seg_cmp);
    rc = LT_OK;
fail:
    free(r.features);
    free(r.segments);
    cJSON_Delete(root);
    return rc;
}
