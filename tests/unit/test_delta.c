/*
 * test_delta.c: unit tests for lt_model_apply_delta_doc (src/model/delta.c): delta events
 * applied on top of a state held from before, as an edge reading latch's stream applies each
 * `unleash-updated`: updates replace by name, removals drop, new segments join, a hydration
 * replaces everything, a document without events replaces the base whole, bad events fail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "model/delta.h"

#define FLAG(name, enabled)                                                                      \
    "{\"name\":\"" name "\",\"project\":\"default\",\"type\":\"release\",\"enabled\":" enabled \
    ",\"strategies\":[{\"name\":\"default\",\"parameters\":{},\"constraints\":[]}]}"

static const char BASE[] =
    "{\"events\":[{\"eventId\":1,\"type\":\"hydration\",\"features\":[" FLAG("a", "true") ","
    FLAG("b", "true") "],\"segments\":[{\"id\":1,\"name\":\"one\",\"constraints\":[]}]}]}";

static const lt_feature_t *find(const lt_client_doc_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_features; i++)
        if (strcmp(d->features[i].name, name) == 0)
            return &d->features[i];
    return NULL;
}

static void apply(lt_arena_t *a, const lt_client_doc_t *base, const char *json,
                  lt_client_doc_t *out, int want)
{
    lt_parse_err_t err;
    assert_int_equal(lt_model_apply_delta_doc(a, json, strlen(json), "development", base, out, &err),
                     want);
}

static void test_on_top(void **state)
{
    lt_arena_t a;
    lt_arena_init(&a, 4096);
    lt_client_doc_t base, next, again;
    apply(&a, NULL, BASE, &base, LT_OK);
    assert_int_equal(base.n_features, 2);
    apply(&a, &base,
          "{\"events\":[{\"eventId\":2,\"type\":\"segment-updated\",\"segment\":{\"id\":2,\"name\":"
          "\"two\",\"constraints\":[]}},{\"eventId\":2,\"type\":\"feature-updated\",\"feature\":" FLAG(
              "a", "false") "},{\"eventId\":2,\"type\":\"feature-updated\",\"feature\":" FLAG("c", "true")
          "},{\"eventId\":2,\"type\":\"feature-removed\",\"featureName\":\"b\",\"project\":"
          "\"default\"},{\"eventId\":2,\"type\":\"segment-removed\",\"segmentId\":1}]}",
          &next, LT_OK);
    assert_int_equal(next.n_features, 2);
    assert_non_null(find(&next, "c"));
    assert_null(find(&next, "b"));
    assert_false(find(&next, "a")->envs[0].enabled);
    assert_int_equal(next.n_segments, 1);
    assert_int_equal(next.segments[0].id, 2);
    /* the base is untouched */
    assert_int_equal(base.n_features, 2);
    assert_true(find(&base, "a")->envs[0].enabled);
    assert_non_null(find(&base, "b"));
    /* a hydration replaces what was held */
    apply(&a, &next,
          "{\"events\":[{\"eventId\":3,\"type\":\"hydration\",\"features\":[" FLAG("z", "true")
          "],\"segments\":[]}]}",
          &again, LT_OK);
    assert_int_equal(again.n_features, 1);
    assert_string_equal(again.features[0].name, "z");
    assert_int_equal(again.n_segments, 0);
    /* a full document replaces it too; a bad event fails */
    apply(&a, &next, "{\"version\":2,\"features\":[" FLAG("y", "true") "]}", &again, LT_OK);
    assert_int_equal(again.n_features, 1);
    assert_string_equal(again.features[0].name, "y");
    apply(&a, &next, "{\"events\":[{\"type\":\"feature-removed\"}]}", &again, LT_EINVAL);
    lt_arena_dispose(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_on_top),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
