/*
 * test_edge.c: unit tests for the pieces of `latch edge` that need no upstream: whether a
 * downstream token's scope lies within a startup token's (src/edge/tokens.c), and the snapshot
 * built from several scopes' documents (src/edge/sync.c: flags of one environment merged
 * across project scopes, environments kept apart, segments once).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "base/util.h"
#include "edge/edge_int.h"
#include "state/snapshot.h"

static uint8_t startup_digests[8][32];

/* A startup token entry with this scope, added to the cache and the startup list. */
static void add_startup(const char *secret, const char *env, const char **projects, size_t n)
{
    tk_entry_t *e = lt__edge_token_add(secret);
    memcpy(startup_digests[lt__edge.n_startup++], e->digest, 32);
    lt__edge.startup_digest = startup_digests;
    e->startup = true;
    e->state = TK_VALID;
    e->type = LT_TOKEN_CLIENT;
    e->env = lt_xstrdup(env);
    e->projects = lt_xcalloc(n + 1, sizeof(*e->projects));
    for (size_t i = 0; i < n; i++)
        e->projects[e->n_projects++] = lt_xstrdup(projects[i]);
    e->all_projects = n == 0;
}

static int setup(void **state)
{
    (void)state;
    memset(&lt__edge.tokens, 0, sizeof(lt__edge.tokens));
    lt__edge.cfg.token_cache_max = 100;
    lt__edge.n_startup = 0;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    lt_map_dispose(&lt__edge.tokens, lt__edge_token_free);
    memset(&lt__edge.tokens, 0, sizeof(lt__edge.tokens));
    lt__edge.n_startup = 0;
    lt__edge.startup_digest = NULL;
    return 0;
}

static void test_scope_within_startup(void **state)
{
    (void)state;
    const char *ab[] = {"a", "b"};
    add_startup("a:development.s1", "development", ab, 2);
    add_startup("*:production.s2", "production", NULL, 0);
    char *a[] = {"a"}, *abc[] = {"a", "b", "c"}, *b[] = {"b"};
    /* a subset of a startup token's projects, in its environment */
    assert_true(lt__edge_in_scope(LT_TOKEN_CLIENT, "development", a, 1, false));
    assert_true(lt__edge_in_scope(LT_TOKEN_FRONTEND, "development", b, 1, false));
    /* more projects than it reads, or all of them: no */
    assert_false(lt__edge_in_scope(LT_TOKEN_CLIENT, "development", abc, 3, false));
    assert_false(lt__edge_in_scope(LT_TOKEN_CLIENT, "development", NULL, 0, true));
    /* a startup token for all projects covers anything in its environment */
    assert_true(lt__edge_in_scope(LT_TOKEN_CLIENT, "production", NULL, 0, true));
    assert_true(lt__edge_in_scope(LT_TOKEN_CLIENT, "production", abc, 3, false));
    /* another environment, or an admin token: no */
    assert_false(lt__edge_in_scope(LT_TOKEN_CLIENT, "staging", a, 1, false));
    assert_false(lt__edge_in_scope(LT_TOKEN_ADMIN, "production", NULL, 0, true));
    /* a startup token the upstream said is invalid covers nothing */
    uint8_t d[32];
    lt_token_digest(lt_str_c("*:production.s2"), d);
    lt__edge_token_find(d)->state = TK_INVALID;
    assert_false(lt__edge_in_scope(LT_TOKEN_CLIENT, "production", a, 1, false));
}

static void test_cache_is_bounded(void **state)
{
    (void)state;
    add_startup("*:development.keep", "development", NULL, 0);
    char secret[64];
    for (int i = 0; i < 1000; i++) {
        snprintf(secret, sizeof(secret), "default:development.t%04d", i);
        tk_entry_t *e = lt__edge_token_add(secret);
        e->state = TK_INVALID;
        e->used_ms = i;
    }
    assert_true(lt__edge.tokens.count <= 100);
    uint8_t d[32];
    lt_token_digest(lt_str_c("*:development.keep"), d);
    assert_non_null(lt__edge_token_find(d)); /* startup tokens are never evicted */
    lt_token_digest(lt_str_c("default:development.t0999"), d);
    assert_non_null(lt__edge_token_find(d)); /* the newest stays */
}

static scope_t *scope(const char *env, const char *doc)
{
    scope_t *s = lt_xcalloc(1, sizeof(*s));
    s->key = lt_xstrdup(env);
    s->env = lt_xstrdup(env);
    s->all = true;
    s->projects = lt_xcalloc(1, sizeof(*s->projects));
    s->token = lt_xstrdup("x");
    s->doc = lt_xstrdup(doc);
    s->doc_len = strlen(doc);
    return s;
}

#define FLAG(n, p, on)                                                                             \
    "{\"name\":\"" n "\",\"type\":\"release\",\"project\":\"" p "\",\"enabled\":" on               \
    ",\"stale\":false,\"strategies\":[{\"name\":\"default\",\"constraints\":[],\"parameters\":{},"  \
    "\"segments\":[1]}],\"variants\":[]}"
#define SEG "{\"id\":1,\"name\":\"s\",\"constraints\":[]}"

static void test_publish_merges_scopes(void **state)
{
    (void)state;
    scope_t *v[3] = {
        scope("development", "{\"version\":2,\"features\":[" FLAG("x", "a", "true") "],"
                             "\"segments\":[" SEG "]}"),
        scope("development", "{\"version\":2,\"features\":[" FLAG("y", "b", "true") "," FLAG(
                                 "x", "a", "true") "],\"segments\":[" SEG "]}"),
        scope("production", "{\"version\":2,\"features\":[" FLAG("x", "a", "false") "],"
                            "\"segments\":[" SEG "]}"),
    };
    lt__edge.scopes = v;
    lt__edge.n_scopes = 3;
    lt__edge_publish();
    lt_snapshot_t *s = lt_snapshot_acquire();
    assert_int_equal(s->data.n_features, 2);
    assert_string_equal(s->data.features[0].name, "x");
    assert_int_equal(s->data.features[0].n_envs, 2); /* development once, production */
    const lt_feature_env_t *dev = lt_feature_env(&s->data.features[0], "development");
    const lt_feature_env_t *prod = lt_feature_env(&s->data.features[0], "production");
    assert_non_null(dev);
    assert_non_null(prod);
    assert_true(dev->enabled);
    assert_false(prod->enabled);
    assert_int_equal(s->data.n_segments, 1);
    assert_int_equal(s->n_envs, 2);
    assert_non_null(lt_snapshot_env(s, "production"));
    assert_int_equal(s->data.n_projects, 2);
    lt_snapshot_release(s);
    lt_snapshot_shutdown();
    for (int i = 0; i < 3; i++)
        lt__edge_scope_free(v[i]);
    lt__edge.scopes = NULL;
    lt__edge.n_scopes = 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_scope_within_startup, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_is_bounded, setup, teardown),
        cmocka_unit_test(test_publish_merges_scopes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
