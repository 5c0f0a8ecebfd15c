/*
 * test_history.c: unit tests for src/state/history.c: digests of two snapshots built from
 * client documents, and the changes between them as one reader's scope sees them (a flag
 * changed, added, removed, moved out of the scope's project; segments changed and removed;
 * nothing at all), and the ring (a kept revision is found, an evicted one is not).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "model/model.h"
#include "state/history.h"

#define FLAG(name, project, enabled)                                                             \
    "{\"name\":\"" name "\",\"project\":\"" project "\",\"type\":\"release\",\"enabled\":"      \
    enabled ",\"strategies\":[{\"name\":\"default\",\"parameters\":{},\"constraints\":[]}]}"

/* A snapshot of one environment (development) built from a client document. */
static lt_snapshot_t *snap(const char *json, uint64_t revision)
{
    lt_arena_t a;
    lt_arena_init(&a, 4096);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    assert_int_equal(lt_model_parse_client_doc(&a, json, strlen(json), "development", &doc, &err),
                     LT_OK);
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    d.features = doc.features;
    d.n_features = doc.n_features;
    d.segments = doc.segments;
    d.n_segments = doc.n_segments;
    d.envs = lt_arena_calloc(&a, 1, sizeof(*d.envs));
    d.envs[0] = (lt_environment_t){"development", "development", true, 0};
    d.n_envs = 1;
    d.revision = (int64_t)revision;
    return lt_snapshot_build(&a, &d);
}

typedef struct {
    char log[512];
} seen_t;

static void on_flag(void *ctx, const lt_hist_flag_t *f, bool removed)
{
    seen_t *s = ctx;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof(s->log) - n, "%s%s/%s ", removed ? "-" : "+", f->name, f->project);
}

static void on_seg(void *ctx, int64_t id, bool removed)
{
    seen_t *s = ctx;
    size_t n = strlen(s->log);
    snprintf(s->log + n, sizeof(s->log) - n, "%sseg%lld ", removed ? "-" : "+", (long long)id);
}

static bool only_default(const void *scope, const char *name, const char *project)
{
    return strcmp(project, "default") == 0;
}

static bool everything(const void *scope, const char *name, const char *project)
{
    return true;
}

static void test_diff(void **state)
{
    lt_snapshot_t *a = snap("{\"version\":2,\"features\":[" FLAG("same", "default", "true") ","
                            FLAG("changed", "default", "true") "," FLAG("gone", "default", "true")
                            "," FLAG("moves", "default", "true") "],\"segments\":["
                            "{\"id\":1,\"name\":\"s1\",\"constraints\":[]},"
                            "{\"id\":2,\"name\":\"s2\",\"constraints\":[]}]}",
                            101);
    lt_snapshot_t *b = snap("{\"version\":2,\"features\":[" FLAG("same", "default", "true") ","
                            FLAG("changed", "default", "false") "," FLAG("added", "default", "true")
                            "," FLAG("moves", "other", "true") "],\"segments\":["
                            "{\"id\":1,\"name\":\"s1-renamed\",\"constraints\":[]},"
                            "{\"id\":3,\"name\":\"s3\",\"constraints\":[]}]}",
                            102);
    lt_hist_t *ha = lt_hist_of(a), *hb = lt_hist_of(b);
    assert_int_equal(ha->revision, 101);
    assert_int_equal(hb->revision, 102);
    seen_t s = {""};
    /* names in order: added, changed, gone, moves, same */
    assert_int_equal(lt_hist_diff_flags(ha, hb, "development", only_default, NULL, on_flag, &s), 4);
    assert_string_equal(s.log, "+added/default +changed/default -gone/default -moves/default ");
    seen_t all = {""};
    assert_int_equal(lt_hist_diff_flags(ha, hb, "development", everything, NULL, on_flag, &all), 4);
    assert_string_equal(all.log, "+added/default +changed/default -gone/default +moves/other ");
    seen_t segs = {""};
    assert_int_equal(lt_hist_diff_segs(ha, hb, on_seg, &segs), 3);
    assert_string_equal(segs.log, "+seg1 -seg2 +seg3 ");
    seen_t none = {""};
    assert_int_equal(lt_hist_diff_flags(hb, hb, "development", everything, NULL, on_flag, &none), 0);
    assert_int_equal(lt_hist_diff_segs(hb, hb, on_seg, &none), 0);
    assert_int_equal(lt_hist_diff_flags(NULL, hb, "development", everything, NULL, on_flag, &none),
                     4);
    assert_int_equal(lt_hist_diff_flags(ha, hb, "production", everything, NULL, on_flag, &none), 0);
    /* the same snapshot's digest is the kept one, not a second */
    lt_hist_t *again = lt_hist_of(b);
    assert_ptr_equal(again, hb);
    lt_hist_release(again);
    lt_hist_release(ha);
    lt_hist_release(hb);
    lt_snapshot_release(a);
    lt_snapshot_release(b);
    lt_hist_clear();
}

static void test_ring(void **state)
{
    const char *doc = "{\"version\":2,\"features\":[" FLAG("f", "default", "true") "]}";
    for (uint64_t r = 1; r <= LT_HIST_KEEP + 5; r++) {
        lt_snapshot_t *s = snap(doc, r);
        lt_hist_release(lt_hist_of(s));
        lt_snapshot_release(s);
    }
    for (uint64_t r = 1; r <= 5; r++)
        assert_null(lt_hist_find(r));
    lt_hist_t *kept = lt_hist_find(6);
    assert_non_null(kept);
    lt_hist_clear(); /* a reader's reference outlives the ring */
    assert_int_equal(kept->revision, 6);
    assert_int_equal(lt_hist_env(kept, "development")->n_flags, 1);
    lt_hist_release(kept);
    assert_null(lt_hist_find(LT_HIST_KEEP + 5));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_diff),
        cmocka_unit_test(test_ring),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
