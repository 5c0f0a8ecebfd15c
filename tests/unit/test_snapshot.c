/*
 * test_snapshot.c: unit tests for the memo table of src/state/snapshot.c: equal keys share one
 * entry, and the table is bounded by count (LT_MEMO_MAX) and by bytes (LT_MEMO_MAX_BYTES): past
 * either a memo comes back transient, for its request alone. And the front-end tokens' allowed
 * origins a preflight is answered from.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "state/snapshot.h"

static lt_snapshot_t *empty_snapshot(void)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    return lt_snapshot_build(&a, &d);
}

/* A memo whose body claims `claimed` bytes (only a few are allocated: the table reads sizes,
 * never the bytes). */
static lt_memo_t *memo(int i, size_t claimed)
{
    lt_memo_t *m = lt_xcalloc(1, sizeof(*m));
    char key[32];
    m->key_len = (size_t)snprintf(key, sizeof(key), "key-%d", i);
    m->key = lt_xstrndup(key, m->key_len);
    m->body = lt_xstrndup("{}", 2);
    m->len = claimed;
    return m;
}

static void test_memo_bounded_by_bytes(void **state)
{
    (void)state;
    lt_snapshot_t *s = empty_snapshot();
    const size_t each = 8u << 20;
    size_t stored = 0, transient = 0;
    for (int i = 0; i < 64; i++) {
        lt_memo_t *m = lt_snapshot_memo_offer(s, memo(i, each));
        if (m->transient) {
            transient++;
            lt_memo_free(m);
        } else {
            stored++;
        }
    }
    /* 64 x 8 MiB offered, 256 MiB allowed */
    assert_true(stored >= 30 && stored <= LT_MEMO_MAX_BYTES / each);
    assert_int_equal(stored + transient, 64);
    assert_true(s->memo_bytes <= LT_MEMO_MAX_BYTES);
    /* a stored key is still found, and offering it again gives the stored entry back */
    lt_memo_t *found = lt_snapshot_memo_find(s, "key-0", 5);
    assert_non_null(found);
    assert_ptr_equal(lt_snapshot_memo_offer(s, memo(0, each)), found);
    /* small memos still fit when big ones do not */
    lt_memo_t *small = lt_snapshot_memo_offer(s, memo(1000, 100));
    assert_false(small->transient);
    lt_snapshot_release(s);
}

static void test_memo_bounded_by_count(void **state)
{
    (void)state;
    lt_snapshot_t *s = empty_snapshot();
    size_t transient = 0;
    for (int i = 0; i < LT_MEMO_MAX + 10; i++) {
        lt_memo_t *m = lt_snapshot_memo_offer(s, memo(i, 10));
        if (m->transient) {
            transient++;
            lt_memo_free(m);
        }
    }
    assert_int_equal(transient, 10);
    assert_int_equal(s->memo_count, LT_MEMO_MAX);
    lt_snapshot_release(s);
}

static void test_frontend_origins(void **state)
{
    (void)state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    static const char *o1[] = {"https://b.example", "https://a.example"};
    static const char *o2[] = {"https://a.example", "http://localhost:3000"};
    static const char *o3[] = {"https://expired.example"};
    static const char *o4[] = {"https://client.example"};
    lt_token_t *t = lt_arena_calloc(&a, 4, sizeof(*t));
    t[0] = (lt_token_t){.name = "fe1", .type = LT_TOKEN_FRONTEND, .environment = "development",
                        .all_projects = true, .display = "d1", .origins = o1, .n_origins = 2};
    t[1] = (lt_token_t){.name = "fe2", .type = LT_TOKEN_FRONTEND, .environment = "development",
                        .all_projects = true, .display = "d2", .origins = o2, .n_origins = 2};
    t[2] = (lt_token_t){.name = "old", .type = LT_TOKEN_FRONTEND, .environment = "development",
                        .all_projects = true, .display = "d3", .origins = o3, .n_origins = 1,
                        .expires_at = 1000};
    t[3] = (lt_token_t){.name = "cl", .type = LT_TOKEN_CLIENT, .environment = "development",
                        .all_projects = true, .display = "d4", .origins = o4, .n_origins = 1};
    for (int i = 0; i < 4; i++)
        t[i].digest[0] = (uint8_t)(i + 1);
    d.tokens = t;
    d.n_tokens = 4;
    lt_snapshot_t *s = lt_snapshot_build(&a, &d);
    assert_int_equal(s->n_frontend_origins, 3); /* sorted, once each, live front-end tokens */
    assert_string_equal(s->frontend_origins[0], "http://localhost:3000");
    assert_string_equal(s->frontend_origins[1], "https://a.example");
    assert_string_equal(s->frontend_origins[2], "https://b.example");
    assert_true(lt_snapshot_frontend_origin(s, lt_str_c("https://a.example")));
    assert_true(lt_snapshot_frontend_origin(s, lt_str_c("https://b.example")));
    assert_true(lt_snapshot_frontend_origin(s, lt_str_c("http://localhost:3000")));
    assert_false(lt_snapshot_frontend_origin(s, lt_str_c("https://a.exampl")));
    assert_false(lt_snapshot_frontend_origin(s, lt_str_c("https://a.example.evil")));
    assert_false(lt_snapshot_frontend_origin(s, lt_str_c("https://expired.example")));
    assert_false(lt_snapshot_frontend_origin(s, lt_str_c("https://client.example")));
    lt_snapshot_release(s);
    /* "*" on one token: every origin */
    lt_arena_init(&a, 0);
    memset(&d, 0, sizeof(d));
    static const char *any[] = {"*"};
    t = lt_arena_calloc(&a, 2, sizeof(*t));
    t[0] = (lt_token_t){.name = "fe", .type = LT_TOKEN_FRONTEND, .environment = "development",
                        .all_projects = true, .display = "d", .origins = o1, .n_origins = 2};
    t[1] = (lt_token_t){.name = "any", .type = LT_TOKEN_FRONTEND, .environment = "development",
                        .all_projects = true, .display = "e", .origins = any, .n_origins = 1};
    t[1].digest[0] = 9;
    d.tokens = t;
    d.n_tokens = 2;
    s = lt_snapshot_build(&a, &d);
    assert_true(lt_snapshot_frontend_origin(s, lt_str_c("https://anything.example")));
    lt_snapshot_release(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo_bounded_by_bytes),
        cmocka_unit_test(test_memo_bounded_by_count),
        cmocka_unit_test(test_frontend_origins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
