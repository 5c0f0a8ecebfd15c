/*
 * test_token_usage.c: unit tests for src/api/token_usage.c (included, to reach its static
 * helpers): the newest-N lists, the day ring, server-side SDK names, the table's slots; and the
 * allowed-origin check of src/api/token_ops.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "../../src/api/token_usage.c"
#include "api/token_ops.h"

static lt_str_t S(const char *s)
{
    return lt_str_c(s);
}

static void test_list_newest_first_bounded(void **state)
{
    (void)state;
    static list_t l;
    memset(&l, 0, sizeof(l));
    lt_str_t none = {NULL, 0};
    char name[32];
    for (int i = 0; i < LT_TOKEN_USAGE_KEEP + 5; i++) {
        snprintf(name, sizeof(name), "10.0.0.%d", i);
        list_put(&l, S(name), none, 1000 + i);
    }
    assert_int_equal(l.n, LT_TOKEN_USAGE_KEEP);
    assert_string_equal(l.v[0].v, "10.0.0.24");
    assert_string_equal(l.v[LT_TOKEN_USAGE_KEEP - 1].v, "10.0.0.5");
    /* an entry seen again moves up, nothing is lost or doubled */
    list_put(&l, S("10.0.0.10"), none, 5000);
    assert_int_equal(l.n, LT_TOKEN_USAGE_KEEP);
    assert_string_equal(l.v[0].v, "10.0.0.10");
    assert_int_equal(l.v[0].at, 5000);
    assert_string_equal(l.v[1].v, "10.0.0.24");
    int seen = 0;
    for (size_t i = 0; i < l.n; i++)
        seen += strcmp(l.v[i].v, "10.0.0.10") == 0;
    assert_int_equal(seen, 1);
    /* empty values are not kept; long ones are cut; control bytes replaced */
    list_put(&l, none, none, 6000);
    assert_string_equal(l.v[0].v, "10.0.0.10");
    char longv[200];
    memset(longv, 'x', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    longv[0] = '\n';
    list_put(&l, S(longv), none, 7000);
    assert_int_equal(strlen(l.v[0].v), STR_MAX - 1);
    assert_int_equal(l.v[0].v[0], '?');
}

static void test_day_ring(void **state)
{
    (void)state;
    static slot_t s;
    memset(&s, 0, sizeof(s));
    count_day(&s, 20000, 3);
    count_day(&s, 20000, 2);
    assert_int_equal(s.count[20000 % RING], 5);
    count_day(&s, 20008, 1); /* same bucket, eight days on: reset */
    assert_int_equal(s.day_of[20008 % RING], 20008);
    assert_int_equal(s.count[20008 % RING], 1);
    count_day(&s, 20000, 9); /* an older day than the bucket holds: dropped */
    assert_int_equal(s.count[20008 % RING], 1);
}

static void test_server_sdk_names(void **state)
{
    (void)state;
    assert_true(server_sdk_name(S("unleash-node-sdk:6.1.0")));
    assert_true(server_sdk_name(S("unleash-client-node:5.0.0")));
    assert_true(server_sdk_name(S("unleash-client-go:4")));
    assert_true(server_sdk_name(S("unleash-java-sdk:10.0.0")));
    assert_true(server_sdk_name(S("unleash-client-python:6")));
    assert_false(server_sdk_name(S("unleash-js-sdk:3.8.2")));
    assert_false(server_sdk_name(S("unleash-client-js:3.0.0")));
    assert_false(server_sdk_name(S("unleash-android-sdk:1.0")));
    assert_false(server_sdk_name(S("unleash-swift-sdk:2")));
    assert_false(server_sdk_name(S("")));
}

static void test_slots(void **state)
{
    (void)state;
    uint8_t a[32], b[32];
    memset(a, 1, 32);
    memset(b, 2, 32);
    assert_null(find(a, false));
    slot_t *sa = find(a, true);
    assert_non_null(sa);
    assert_ptr_equal(find(a, false), sa);
    assert_ptr_equal(find(a, true), sa);
    assert_memory_equal(sa->digest, a, 32);
    slot_t *sb = find(b, true);
    assert_non_null(sb);
    assert_ptr_not_equal(sa, sb);
    /* the stored form reads back into a fresh slot */
    count_day(sa, 20400, 7);
    seen_at(sa, 20400 * DAY_MS + 5);
    sa->misuse[M_WRONG_API] = 2;
    list_put(&sa->lists->apps, S("shop"), S(""), 99);
    lt_buf_t buf;
    lt_buf_init(&buf, 0);
    write_stored(&buf, sa);
    uint8_t c[32];
    memset(c, 3, 32);
    size_t n = 0;
    uint8_t e[32];
    memset(e, 5, 32);
    load_one(&n, e, "another-instance", buf.ptr); /* issue 11: not this process's row */
    assert_int_equal(n, 0);
    assert_null(find(e, false));
    load_one(&n, c, "", buf.ptr);
    /* another instance's row adds up in a report's slot, never in the table */
    merged_t *m = lt_xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->lists.lock, NULL);
    m->s.lists = &m->lists;
    merge_ctx_t ctx = {&m->s, 0};
    merge_other(&ctx, c, "another-instance", buf.ptr);
    merge_other(&ctx, c, "another-instance", buf.ptr);
    merge_other(&ctx, c, "", buf.ptr); /* this process's own row: memory holds it */
    assert_int_equal(ctx.rows, 2);
    ctx.rows = MERGE_ROWS_MAX; /* bounded: past the most rows, no more are merged */
    merge_other(&ctx, c, "a-third-instance", buf.ptr);
    assert_int_equal(m->s.count[20400 % RING], 14);
    assert_int_equal(m->s.misuse[M_WRONG_API], 4);
    assert_int_equal(m->lists.apps.n, 1);
    pthread_mutex_destroy(&m->lists.lock);
    free(m);
    lt_buf_dispose(&buf);
    assert_int_equal(n, 1);
    slot_t *sc = find(c, false);
    assert_non_null(sc);
    assert_int_equal(sc->count[20400 % RING], 7);
    assert_int_equal(sc->last_seen, 20400 * DAY_MS + 5);
    assert_int_equal(sc->misuse[M_WRONG_API], 2);
    assert_int_equal(sc->lists->apps.n, 1);
    assert_string_equal(sc->lists->apps.v[0].v, "shop");
    /* bad stored text: no slot */
    uint8_t d[32];
    memset(d, 4, 32);
    load_one(&n, d, "", "not json");
    assert_null(find(d, false));
}

/* Issue 11: lists of several instances merge newest first, one entry per value (its newest
 * time), at most LT_TOKEN_USAGE_KEEP. */
static void test_list_merge(void **state)
{
    (void)state;
    list_t *l = lt_xcalloc(1, sizeof(*l));
    item_t it;
    memset(&it, 0, sizeof(it));
    for (int i = 0; i < LT_TOKEN_USAGE_KEEP + 5; i++) {
        snprintf(it.v, sizeof(it.v), "v%d", i);
        it.at = 1000 + i * 10;
        list_merge(l, &it);
    }
    assert_int_equal(l->n, LT_TOKEN_USAGE_KEEP);
    assert_string_equal(l->v[0].v, "v24");
    assert_string_equal(l->v[LT_TOKEN_USAGE_KEEP - 1].v, "v5");
    snprintf(it.v, sizeof(it.v), "v10");
    it.at = 5000; /* seen again, later: moved to the front, not added twice */
    list_merge(l, &it);
    assert_int_equal(l->n, LT_TOKEN_USAGE_KEEP);
    assert_string_equal(l->v[0].v, "v10");
    assert_int_equal(l->v[0].at, 5000);
    it.at = 1; /* an older sighting of it changes nothing */
    list_merge(l, &it);
    assert_int_equal(l->v[0].at, 5000);
    snprintf(it.v, sizeof(it.v), "old");
    list_merge(l, &it); /* older than all of a full list: not kept */
    for (size_t i = 0; i < l->n; i++)
        assert_string_not_equal(l->v[i].v, "old");
    for (size_t i = 1; i < l->n; i++)
        assert_true(l->v[i - 1].at >= l->v[i].at);
    free(l);
}

static void test_origin_ok(void **state)
{
    (void)state;
    const char *good[] = {"*", "https://a.example", "http://localhost:3000", "https://[::1]:8443",
                          "app+x.y-z://host", "https://a-b.c.example:65535"};
    const char *bad[] = {"", "a.example", "https://", "https://a.example/", "https://a.example/x",
                         "https://a.example:0", "https://a.example:65536", "https://a.example:",
                         "https://a b", "https://.a", "https://a.", "1http://a", "https://[]",
                         "https://a.example?x", "**"};
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        if (!lt_token_origin_ok(good[i]))
            fail_msg("want %s accepted", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        if (lt_token_origin_ok(bad[i]))
            fail_msg("want %s refused", bad[i]);
    char longo[300] = "https://";
    memset(longo + 8, 'a', 260);
    longo[268] = '\0';
    assert_false(lt_token_origin_ok(longo));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_list_newest_first_bounded),
        cmocka_unit_test(test_day_ring),
        cmocka_unit_test(test_server_sdk_names),
        cmocka_unit_test(test_slots),
        cmocka_unit_test(test_list_merge),
        cmocka_unit_test(test_origin_ok),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
