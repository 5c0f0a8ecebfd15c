/*
 * test_base.c: unit tests for src/base: ISO-8601 time parsing and formatting, durations,
 * strict semver, MurmurHash3 against known vectors, the bounded buffer with its sticky
 * error, the arena, the hash map and one-shot gzip (checked by inflating with zlib).
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <zlib.h>

#include "base/arena.h"
#include "base/buf.h"
#include "base/gzip.h"
#include "base/map.h"
#include "base/util.h"

/* ---- time ---- */

static int64_t parse_ok(const char *s)
{
    int64_t ms = 0x5a5a5a5a;
    int rc = lt_time_parse(s, strlen(s), &ms);
    if (rc != LT_OK)
        fail_msg("lt_time_parse(\"%s\") = %d, want LT_OK", s, rc);
    return ms;
}

static void test_time_parse_dates(void **state)
{
    (void)state;
    assert_int_equal(parse_ok("1970-01-01"), 0);
    assert_int_equal(parse_ok("2024-01-02"), 1704153600000LL);
    assert_int_equal(parse_ok("2024-02-29"), 1709164800000LL); /* leap day */
    assert_int_equal(parse_ok("2000-03-01"), 951868800000LL);
    assert_int_equal(parse_ok("1900-01-01"), -2208988800000LL);
    /* the length bounds the parse: trailing bytes beyond len are not looked at */
    int64_t ms = 0;
    assert_int_equal(lt_time_parse("2024-01-02garbage", 10, &ms), LT_OK);
    assert_int_equal(ms, 1704153600000LL);
}

static void test_time_parse_datetimes(void **state)
{
    (void)state;
    const int64_t t = 1704164645000LL; /* 2024-01-02T03:04:05Z */
    assert_int_equal(parse_ok("2024-01-02T03:04:05Z"), t);
    assert_int_equal(parse_ok("2024-01-02t03:04:05z"), t);
    assert_int_equal(parse_ok("2024-01-02 03:04:05Z"), t);
    assert_int_equal(parse_ok("2024-01-02T03:04:05"), t);      /* no zone: UTC */
    assert_int_equal(parse_ok("2024-01-02T03:04Z"), t - 5000); /* seconds optional */
    assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1000);
    assert_int_equal(parse_ok("9999-12-31T23:59:59Z"), 253402300799000LL);
    /* offsets: local time minus the offset is UTC */
    assert_int_equal(parse_ok("2024-01-02T05:04:05+02:00"), t);
    assert_int_equal(parse_ok("2024-01-02T05:04:05+0200"), t);
    assert_int_equal(parse_ok("2024-01-02T05:04:05+02"), t);
    assert_int_equal(parse_ok("2024-01-01T21:34:05-0530"), t);
    assert_int_equal(parse_ok("2024-01-01T21:34:05-05:30"), t);
    assert_int_equal(parse_ok("2024-01-02T03:04:05+00:00"), t);
    assert_int_equal(parse_ok("2024-01-02T03:04:05-00:00"), t);
    /* fractions: milliseconds kept, finer digits dropped */
    assert_int_equal(parse_ok("2024-01-02T03:04:05.678Z"), t + 678);
    assert_int_equal(parse_ok("2024-01-02T03:04:05.5Z"), t + 500);
    assert_int_equal(parse_ok("2024-01-02T03:04:05.05Z"), t + 50);
    assert_int_equal(parse_ok("2024-01-02T03:04:05.123456789Z"), t + 123);
    assert_int_equal(parse_ok("2024-01-02T03:04:05,250Z"), t + 250);
    assert_int_equal(parse_ok("2024-01-02T05:04:05.001+02:00"), t + 1);
}

static void test_time_parse_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",
        "2024",
        "2024-01",
        "2024-1-02",
        "2024/01/02",
        "24-01-02",
        "abcd-ef-gh",
        "2024-13-01",
        "2024-00-10",
        "2024-01-00",
        "2024-01-32",
        "2024-01-02T",
        "2024-01-02T03",
        "2024-01-02T3:04:05Z",
        "2024-01-02T03:4:05Z",
        "2024-01-02T24:00:00Z",
        "2024-01-02T03:60:00Z",
        "2024-01-02T03:04:61Z",
        "2024-01-02T03:04:05.Z",
        "2024-01-02T03:04:05Q",
        "2024-01-02T03:04:05+",
        "2024-01-02T03:04:05+2",
        "2024-01-02T03:04:05+02:0",
        "2024-01-02T03:04:05Z ",
        " 2024-01-02",
        "2024-01-02X",
        "2024-01-02T03:04:05ZZ",
    };
    for (size_t i = 0; i < LT_ARRAY_LEN(bad); i++) {
        int64_t ms = 12345;
        int rc = lt_time_parse(bad[i], strlen(bad[i]), &ms);
        if (rc != LT_EINVAL)
            fail_msg("lt_time_parse(\"%s\") = %d, want LT_EINVAL", bad[i], rc);
        assert_int_equal(ms, 12345); /* untouched on failure */
    }
    /* a valid date cut short by len is not valid */
    int64_t ms;
    assert_int_equal(lt_time_parse("2024-01-02", 9, &ms), LT_EINVAL);
}

static void test_time_format_round_trip(void **state)
{
    (void)state;
    char out[32];
    lt_time_format(0, out);
    assert_string_equal(out, "1970-01-01T00:00:00.000Z");
    lt_time_format(1704164645678LL, out);
    assert_string_equal(out, "2024-01-02T03:04:05.678Z");
    lt_time_format(-1, out);
    assert_string_equal(out, "1969-12-31T23:59:59.999Z");
    lt_time_format(1709164800000LL, out);
    assert_string_equal(out, "2024-02-29T00:00:00.000Z");

    static const int64_t vals[] = {0,
                                   1,
                                   999,
                                   1000,
                                   -1,
                                   -999,
                                   -1000,
                                   -1001,
                                   86399999,
                                   951868800000LL,
                                   1704164645678LL,
                                   1709164800001LL,
                                   253402300799999LL,
                                   -2208988800000LL};
    for (size_t i = 0; i < LT_ARRAY_LEN(vals); i++) {
        lt_time_format(vals[i], out);
        assert_int_equal(strlen(out), 24);
        int64_t back = 0;
        assert_int_equal(lt_time_parse(out, strlen(out), &back), LT_OK);
        if (back != vals[i])
            fail_msg("round trip of %lld gave %s -> %lld", (long long)vals[i], out,
                     (long long)back);
    }
    /* and now: formatted time parses back to the same millisecond */
    int64_t now = lt_now_ms(), back = 0;
    lt_time_format(now, out);
    assert_int_equal(lt_time_parse(out, strlen(out), &back), LT_OK);
    assert_int_equal(back, now);
}

static void test_duration_parse(void **state)
{
    (void)state;
    int64_t ms = 0;
    assert_int_equal(lt_duration_parse("30d", &ms), LT_OK);
    assert_int_equal(ms, 30LL * 86400000);
    assert_int_equal(lt_duration_parse("12h", &ms), LT_OK);
    assert_int_equal(ms, 12LL * 3600000);
    assert_int_equal(lt_duration_parse("15m", &ms), LT_OK);
    assert_int_equal(ms, 15LL * 60000);
    assert_int_equal(lt_duration_parse("90s", &ms), LT_OK);
    assert_int_equal(ms, 90000);
    assert_int_equal(lt_duration_parse("45", &ms), LT_OK); /* bare number: seconds */
    assert_int_equal(ms, 45000);
    assert_int_equal(lt_duration_parse("0d", &ms), LT_OK);
    assert_int_equal(ms, 0);
    assert_int_equal(lt_duration_parse("100000000d", &ms), LT_OK);
    assert_int_equal(ms, 100000000LL * 86400000);

    static const char *const bad[] = {"",     "d",   "-1d", "5x",         "5dd",
                                      "1.5h", "5 d", "h5",  "100000001s", "5D"};
    for (size_t i = 0; i < LT_ARRAY_LEN(bad); i++) {
        ms = 777;
        if (lt_duration_parse(bad[i], &ms) != LT_EINVAL)
            fail_msg("lt_duration_parse(\"%s\") accepted", bad[i]);
        assert_int_equal(ms, 777);
    }
}

/* ---- semver ---- */

static void semver_ok(const char *s, int64_t a, int64_t b, int64_t c)
{
    int64_t v[3] = {-1, -1, -1};
    if (lt_semver_core(s, strlen(s), v) != LT_OK)
        fail_msg("lt_semver_core(\"%s\") rejected", s);
    if (v[0] != a || v[1] != b || v[2] != c)
        fail_msg("lt_semver_core(\"%s\") = %lld.%lld.%lld", s, (long long)v[0], (long long)v[1],
                 (long long)v[2]);
}

static void test_semver_valid(void **state)
{
    (void)state;
    semver_ok("1.2.3", 1, 2, 3);
    semver_ok("0.0.0", 0, 0, 0);
    semver_ok("10.20.30", 10, 20, 30);
    semver_ok("4.2.0", 4, 2, 0);
    semver_ok("1.2.3-alpha", 1, 2, 3);
    semver_ok("1.2.3-alpha.1", 1, 2, 3);
    semver_ok("1.2.3-0.3.7", 1, 2, 3);
    semver_ok("1.2.3-x.7.z.92", 1, 2, 3);
    semver_ok("1.2.3-x-y-z.--", 1, 2, 3);
    semver_ok("1.2.3+build.5", 1, 2, 3);
    semver_ok("1.2.3+20130313144700", 1, 2, 3);
    semver_ok("1.2.3-rc.1+build.5", 1, 2, 3);
    semver_ok("1.0.0-beta+exp.sha.5114f85", 1, 0, 0);
    semver_ok("999999999.888888888.777777777", 999999999, 888888888, 777777777);
    /* the length bounds the parse */
    int64_t v[3];
    assert_int_equal(lt_semver_core("1.2.3 trailing", 5, v), LT_OK);
    assert_int_equal(v[2], 3);
}

static void test_semver_invalid(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "",          "1",        "1.2",        "1.2.3.4",
        "v1.2.3",    "01.2.3",   "1.02.3",     "1.2.03",
        "00.0.0",    "1.2.3-",   "1.2.3+",     "1.2.3-a..b",
        "1.2.3-a.",  "1.2.3-.a", "1.2.3+a..b", "1.2.3-a_b",
        "1.2.3-a b", "1.2.3 ",   " 1.2.3",     "1.2.3-+b",
        "1.2.3+b+c", "1..3",     "1.2.x",      "-1.2.3",
        "1.2.-3",    "a.b.c",    "1.2.3-ä",    "99999999999999999999.0.0",
    };
    for (size_t i = 0; i < LT_ARRAY_LEN(bad); i++) {
        int64_t v[3];
        if (lt_semver_core(bad[i], strlen(bad[i]), v) != LT_EINVAL)
            fail_msg("lt_semver_core(\"%s\") accepted", bad[i]);
    }
}

/* ---- murmur3 ---- */

static void test_murmur3_vectors(void **state)
{
    (void)state;
    /* Vectors checked against an independent implementation of MurmurHash3_x86_32. */
    assert_int_equal(lt_murmur3_32("", 0, 0), 0);
    assert_int_equal(lt_murmur3_32("", 0, 1), 0x514e28b7);
    assert_int_equal(lt_murmur3_32("hello", 5, 0), 0x248bfa47);
    assert_int_equal(lt_murmur3_32("hello", 5, 42), 0xe2dbd2e1);
    const char *fox = "The quick brown fox jumps over the lazy dog";
    assert_int_equal(lt_murmur3_32(fox, strlen(fox), 0), 0x2e4ff723);
    /* every tail length */
    assert_int_equal(lt_murmur3_32("a", 1, 0), 0x3c2569b2);
    assert_int_equal(lt_murmur3_32("ab", 2, 0), 0x9bbfd75f);
    assert_int_equal(lt_murmur3_32("abc", 3, 0), 0xb3dd93fa);
    assert_int_equal(lt_murmur3_32("abcd", 4, 0), 0x43ed676a);
    /* bytes >= 0x80 are unsigned in the tail */
    assert_int_equal(lt_murmur3_32("\xff\xfe\xfd", 3, 0), 0xd2bef2dc);
    /* Unleash's stickiness input shape */
    assert_int_equal(lt_murmur3_32("default:userId1", 15, 0), 0x084b8120);
    /* an unaligned key gives the same hash as an aligned copy */
    char buf[64];
    memcpy(buf + 1, fox, strlen(fox));
    assert_int_equal(lt_murmur3_32(buf + 1, strlen(fox), 0), 0x2e4ff723);
}

/* ---- buf ---- */

static void test_buf_max_and_sticky_error(void **state)
{
    (void)state;
    lt_buf_t b;
    lt_buf_init(&b, 10);
    lt_buf_puts(&b, "hello");
    assert_true(lt_buf_ok(&b));
    assert_int_equal(b.len, 5);
    lt_buf_puts(&b, "world!"); /* 11 > 10: dropped, error set */
    assert_false(lt_buf_ok(&b));
    assert_int_equal(b.len, 5);
    lt_buf_putc(&b, 'x'); /* would fit, but the error is sticky */
    assert_false(lt_buf_ok(&b));
    assert_int_equal(b.len, 5);
    lt_buf_printf(&b, "%d", 1);
    assert_false(lt_buf_ok(&b));
    assert_int_equal(b.len, 5);
    assert_memory_equal(b.ptr, "hello", 5);
    lt_buf_reset(&b);
    assert_true(lt_buf_ok(&b));
    assert_int_equal(b.len, 0);
    lt_buf_printf(&b, "%s-%d", "abc", 42);
    assert_true(lt_buf_ok(&b));
    assert_string_equal(b.ptr, "abc-42");
    lt_buf_printf(&b, "%s", "12345"); /* 6 + 5 > 10 */
    assert_false(lt_buf_ok(&b));
    assert_string_equal(b.ptr, "abc-42");
    lt_buf_dispose(&b);

    /* exactly max bytes is fine, and take returns all of them */
    lt_buf_init(&b, 10);
    lt_buf_append(&b, "0123456789", 10);
    assert_true(lt_buf_ok(&b));
    size_t len = 0;
    char *p = lt_buf_take(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 10);
    assert_string_equal(p, "0123456789");
    assert_null(b.ptr);
    assert_int_equal(b.len, 0);
    free(p);
    lt_buf_dispose(&b);

    /* a buffer reused after reset takes only what was written since */
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "a long first string");
    lt_buf_reset(&b);
    lt_buf_append(&b, "ab", 2);
    p = lt_buf_take(&b, &len);
    assert_int_equal(len, 2);
    assert_string_equal(p, "ab");
    free(p);
    /* an empty buffer takes as "" */
    p = lt_buf_take(&b, &len);
    assert_non_null(p);
    assert_int_equal(len, 0);
    assert_string_equal(p, "");
    free(p);
    lt_buf_dispose(&b);

    /* default max allows growth across many reallocations */
    lt_buf_init(&b, 0);
    for (int i = 0; i < 10000; i++)
        lt_buf_printf(&b, "%04d", i % 10000);
    assert_true(lt_buf_ok(&b));
    assert_int_equal(b.len, 40000);
    assert_memory_equal(b.ptr + 4 * 1234, "1234", 4);
    lt_buf_dispose(&b);
}

/* ---- arena ---- */

static void test_arena_large_and_small(void **state)
{
    (void)state;
    const size_t align = _Alignof(max_align_t);
    lt_arena_t a;
    lt_arena_init(&a, 4096);
    unsigned char *first = lt_arena_alloc(&a, 16);
    memset(first, 0xab, 16);
    size_t total_small = a.total;
    assert_true(total_small >= 4096);

    /* a block larger than the block size gets its own block ... */
    const size_t big_n = 1 << 20;
    unsigned char *big = lt_arena_alloc(&a, big_n);
    assert_int_equal((uintptr_t)big % align, 0);
    memset(big, 0x5c, big_n);
    assert_true(a.total >= total_small + big_n);
    size_t total_big = a.total;
    /* ... and small allocations continue in the current block (no new block) */
    unsigned char *after = lt_arena_alloc(&a, 16);
    assert_int_equal(a.total, total_big);
    assert_true(after >= first + 16 && after < first + 4096);

    /* many small blocks, each keeps its own bytes */
    enum { N = 20000 };
    unsigned char **ptrs = calloc(N, sizeof(*ptrs));
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 40;
        ptrs[i] = lt_arena_alloc(&a, n);
        assert_int_equal((uintptr_t)ptrs[i] % align, 0);
        memset(ptrs[i], (int)(i & 0xff), n);
    }
    for (size_t i = 0; i < N; i++) {
        size_t n = 1 + i % 40;
        for (size_t k = 0; k < n; k++)
            if (ptrs[i][k] != (unsigned char)(i & 0xff))
                fail_msg("allocation %zu byte %zu overwritten", i, k);
    }
    for (size_t k = 0; k < 16; k++)
        assert_int_equal(first[k], 0xab);
    for (size_t k = 0; k < big_n; k += 4093)
        assert_int_equal(big[k], 0x5c);
    free(ptrs);

    /* zero-size allocations are distinct, calloc zeroes, strdup copies */
    void *z1 = lt_arena_alloc(&a, 0), *z2 = lt_arena_alloc(&a, 0);
    assert_non_null(z1);
    assert_ptr_not_equal(z1, z2);
    uint64_t *zeros = lt_arena_calloc(&a, 1000, sizeof(uint64_t));
    for (size_t i = 0; i < 1000; i++)
        assert_int_equal(zeros[i], 0);
    char *s = lt_arena_strdup(&a, "hello");
    assert_string_equal(s, "hello");
    assert_null(lt_arena_strdup(&a, NULL));
    char *sn = lt_arena_strndup(&a, "abcdef", 3);
    assert_string_equal(sn, "abc");
    lt_arena_dispose(&a);
    assert_null(a.head);
    assert_int_equal(a.total, 0);

    /* a first allocation bigger than the block size, then small ones */
    lt_arena_init(&a, 0);
    char *b1 = lt_arena_alloc(&a, 100000);
    memset(b1, 1, 100000);
    char *b2 = lt_arena_alloc(&a, 8);
    memset(b2, 2, 8);
    assert_int_equal(b1[99999], 1);
    lt_arena_dispose(&a);
}

/* ---- map ---- */

static int n_freed;
static void count_free(void *p)
{
    n_freed++;
    free(p);
}

static void test_map_upsert_get_grow(void **state)
{
    (void)state;
    lt_map_t m;
    lt_map_init(&m);
    assert_null(lt_map_get(&m, "absent", 6));
    enum { N = 5000 };
    char key[32];
    for (int i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "key-%d", i);
        bool created = false;
        lt_map_entry_t *e = lt_map_upsert(&m, key, (size_t)n, &created);
        assert_true(created);
        assert_null(e->value);
        assert_string_equal(e->key, key);
        assert_int_equal(e->key_len, (size_t)n);
        int *v = malloc(sizeof(int));
        *v = i;
        e->value = v;
    }
    assert_int_equal(m.count, N);
    assert_true(m.n_slots >= N); /* it grew from 16 */
    assert_int_equal(m.n_slots & (m.n_slots - 1), 0);
    for (int i = 0; i < N; i++) {
        int n = snprintf(key, sizeof(key), "key-%d", i);
        int *v = lt_map_get(&m, key, (size_t)n);
        assert_non_null(v);
        assert_int_equal(*v, i);
        bool created = true;
        lt_map_entry_t *e = lt_map_upsert(&m, key, (size_t)n, &created);
        assert_false(created);
        assert_ptr_equal(e->value, v);
    }
    assert_int_equal(m.count, N);
    assert_null(lt_map_get(&m, "key-5000", 8));
    assert_null(lt_map_get(&m, "key-1", 4)); /* a prefix is another key */
    /* keys are byte strings: an embedded NUL and the length both count */
    bool created;
    lt_map_entry_t *e1 = lt_map_upsert(&m, "a\0b", 3, &created);
    assert_true(created);
    e1->value = malloc(1);
    lt_map_entry_t *e2 = lt_map_upsert(&m, "a", 1, &created);
    assert_true(created);
    e2->value = malloc(1);
    assert_ptr_equal(lt_map_get(&m, "a\0b", 3), e1->value);
    assert_ptr_equal(lt_map_get(&m, "a", 1), e2->value);
    assert_int_equal(m.count, N + 2);

    n_freed = 0;
    lt_map_dispose(&m, count_free);
    assert_int_equal(n_freed, N + 2);
    assert_null(m.slots);
    assert_int_equal(m.count, 0);
}

static void count_each(void *ctx, lt_map_entry_t *e)
{
    (void)e;
    (*(int *)ctx)++;
}

static void test_map_each_and_null_values(void **state)
{
    (void)state;
    lt_map_t m;
    lt_map_init(&m);
    bool created;
    for (int i = 0; i < 100; i++) {
        char k[8];
        int n = snprintf(k, sizeof(k), "%d", i);
        lt_map_upsert(&m, k, (size_t)n, &created);
    }
    int visits = 0;
    lt_map_each(&m, count_each, &visits);
    assert_int_equal(visits, 100);
    lt_map_dispose(&m, NULL); /* values are NULL: nothing to free */
    assert_null(m.slots);
}

/* ---- gzip ---- */

static void gunzip_check(const char *in, size_t n)
{
    size_t gz_len = 0;
    char *gz = lt_gzip(in, n, &gz_len);
    assert_non_null(gz);
    assert_true(gz_len >= 18); /* header + trailer */
    assert_int_equal((unsigned char)gz[0], 0x1f);
    assert_int_equal((unsigned char)gz[1], 0x8b);

    char *out = malloc(n + 1);
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(inflateInit2(&zs, 15 + 16), Z_OK);
    zs.next_in = (Bytef *)gz;
    zs.avail_in = (uInt)gz_len;
    zs.next_out = (Bytef *)out;
    zs.avail_out = (uInt)(n + 1);
    int rc = inflate(&zs, Z_FINISH);
    assert_int_equal(rc, Z_STREAM_END);
    assert_int_equal(zs.total_out, n);
    assert_int_equal(zs.avail_in, 0); /* nothing after the gzip member */
    inflateEnd(&zs);
    if (n)
        assert_memory_equal(out, in, n);
    free(out);
    free(gz);
}

static void test_gzip_round_trip(void **state)
{
    (void)state;
    gunzip_check("", 0);
    gunzip_check("x", 1);
    const char *json = "{\"version\":2,\"features\":[{\"name\":\"a\",\"enabled\":true}]}";
    gunzip_check(json, strlen(json));

    /* compressible: repeated JSON */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    for (int i = 0; i < 5000; i++)
        lt_buf_printf(&b, "{\"name\":\"flag-%d\",\"enabled\":%s},", i, i % 2 ? "true" : "false");
    size_t gz_len;
    char *gz = lt_gzip(b.ptr, b.len, &gz_len);
    assert_true(gz_len < b.len / 4);
    free(gz);
    gunzip_check(b.ptr, b.len);
    lt_buf_dispose(&b);

    /* incompressible: random bytes including NULs */
    size_t n = 100000;
    char *rnd = malloc(n);
    uint32_t x = 2463534242u;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        rnd[i] = (char)(x & 0xff);
    }
    gunzip_check(rnd, n);
    free(rnd);
}

/* Doubles from JSON into integers: whole numbers in range only, never a cast out of range
 * (the sanitizer build's float-cast-overflow catches one). */
static void test_double_conversions(void **state)
{
    (void)state;
    int64_t v = -1;
    assert_int_equal(lt_double_to_i64(42.0, 1, INT64_MAX, &v), LT_OK);
    assert_int_equal(v, 42);
    assert_int_equal(lt_double_to_i64(42.5, 1, INT64_MAX, &v), LT_EINVAL);
    assert_int_equal(lt_double_to_i64(0.0, 1, INT64_MAX, &v), LT_EINVAL);
    assert_int_equal(lt_double_to_i64(1e300, 1, INT64_MAX, &v), LT_EINVAL);
    assert_int_equal(lt_double_to_i64(9223372036854775808.0, INT64_MIN, INT64_MAX, &v), LT_EINVAL);
    assert_int_equal(lt_double_to_i64(-9223372036854775808.0, INT64_MIN, INT64_MAX, &v), LT_OK);
    assert_true(v == INT64_MIN);
    assert_int_equal(lt_double_to_i64(2147483647.0, INT_MIN, INT_MAX, &v), LT_OK);
    assert_int_equal(v, INT_MAX);
    assert_int_equal(lt_double_to_i64(2147483648.0, INT_MIN, INT_MAX, &v), LT_EINVAL);
    assert_int_equal(lt_double_to_i64(NAN, INT_MIN, INT_MAX, &v), LT_EINVAL);
    assert_int_equal(lt_double_clamp(1e300, INT_MIN, INT_MAX), INT_MAX);
    assert_int_equal(lt_double_clamp(-1e300, INT_MIN, INT_MAX), INT_MIN);
    assert_int_equal(lt_double_clamp(NAN, 0, 10), 0);
    assert_int_equal(lt_double_clamp(7.9, 0, 10), 7);
    assert_true(lt_double_clamp(1e19, INT64_MIN, INT64_MAX) == INT64_MAX);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_double_conversions),
        cmocka_unit_test(test_time_parse_dates),
        cmocka_unit_test(test_time_parse_datetimes),
        cmocka_unit_test(test_time_parse_invalid),
        cmocka_unit_test(test_time_format_round_trip),
        cmocka_unit_test(test_duration_parse),
        cmocka_unit_test(test_semver_valid),
        cmocka_unit_test(test_semver_invalid),
        cmocka_unit_test(test_murmur3_vectors),
        cmocka_unit_test(test_buf_max_and_sticky_error),
        cmocka_unit_test(test_arena_large_and_small),
        cmocka_unit_test(test_map_upsert_get_grow),
        cmocka_unit_test(test_map_each_and_null_values),
        cmocka_unit_test(test_gzip_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
