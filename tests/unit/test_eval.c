/*
 * test_eval.c: unit tests for the tricky parts of src/eval that the client specification does
 * not pin down: semver precedence, JavaScript numbers, dates with offsets, CIDRs, the RE2 subset
 * of regexes, case folding, invalid flag data, large IN lists, dependencies and delta replay.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <math.h>
#include <pthread.h>

#include "base/buf.h"
#include "base/util.h"
#include "eval/eval_int.h"
#include "model/delta.h"

/* ---- helpers ---- */

typedef struct {
    lt_arena_t arena;
    lt_eval_env_t *env;
} fixture_t;

static fixture_t *compile_json(const char *json)
{
    fixture_t *fx = calloc(1, sizeof(*fx));
    lt_arena_init(&fx->arena, 0);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    int rc = lt_model_parse_delta_doc(&fx->arena, json, strlen(json), "default", &doc, &err);
    if (rc != LT_OK)
        fail_msg("parse: %s (%s)", err.msg, err.where);
    fx->env = lt_eval_compile(&fx->arena, doc.features, doc.n_features, "default", doc.segments,
                              doc.n_segments);
    return fx;
}

static void fixture_free(fixture_t *fx)
{
    lt_eval_free(fx->env);
    lt_arena_dispose(&fx->arena);
    free(fx);
}

static bool on(const fixture_t *fx, const char *name, const lt_context_t *ctx)
{
    return lt_eval_is_enabled(fx->env, lt_eval_find(fx->env, name, strlen(name)), ctx);
}

static lt_str_t S(const char *s)
{
    return lt_str_c(s);
}

/* A one-constraint flag: {"contextName":field,"operator":op, <rest>} on a default strategy. */
static fixture_t *constraint_flag(const char *field, const char *op, const char *rest)
{
    char json[4096];
    snprintf(json, sizeof(json),
             "{\"features\":[{\"name\":\"f\",\"enabled\":true,\"strategies\":[{\"name\":"
             "\"default\",\"constraints\":[{\"contextName\":\"%s\",\"operator\":\"%s\",%s}]}]}]}",
             field, op, rest);
    return compile_json(json);
}

static bool prop_on(const fixture_t *fx, const char *key, const char *value)
{
    lt_prop_t p = {S(key), value ? S(value) : (lt_str_t){NULL, 0}};
    lt_context_t ctx = {.props = &p, .n_props = 1};
    return on(fx, "f", &ctx);
}

/* ---- semver ---- */

static int semver_cmp_str(const char *a, const char *b)
{
    lt__semver_t x, y;
    assert_true(lt__semver_parse(S(a), false, &x));
    assert_true(lt__semver_parse(S(b), true, &y));
    return lt__semver_cmp(&x, &y);
}

static void test_semver_precedence(void **state)
{
    (void)state;
    static const char *order[] = {
        "1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta",
        "1.0.0-beta",  "1.0.0-beta.2",  "1.0.0-beta.11",
        "1.0.0-rc.1",  "1.0.0",         "1.0.1",
        "1.1.0",       "2.0.0",         "10.0.0",
    };
    for (size_t i = 0; i < LT_ARRAY_LEN(order); i++)
        for (size_t j = 0; j < LT_ARRAY_LEN(order); j++) {
            int c = semver_cmp_str(order[i], order[j]);
            assert_int_equal(c, i < j ? -1 : i > j ? 1 : 0);
        }
    assert_int_equal(semver_cmp_str("1.0.0+build.1", "1.0.0+other"), 0);
    assert_int_equal(semver_cmp_str("1.0.0-1", "1.0.0-a"), -1); /* numeric < alphanumeric */
    assert_int_equal(semver_cmp_str("1.0.0-a.b", "1.0.0-a"), 1);
    assert_int_equal(semver_cmp_str(" 1.2.3 ", "v1.2.3"), 0);
}

static void test_semver_invalid(void **state)
{
    (void)state;
    lt__semver_t v;
    static const char *bad[] = {"",          "1",
                                "1.2",       "1.2.3.4",
                                "01.2.3",    "1.02.3",
                                "1.2.3-",    "1.2.3+",
                                "1.2.3-01",  "1.2.3-a..b",
                                "1.2.3-a_b", "a.b.c",
                                "1.2.3 x",   "9007199254740992.0.0",
                                "v1.2.3"};
    for (size_t i = 0; i < LT_ARRAY_LEN(bad); i++)
        assert_false(lt__semver_parse(S(bad[i]), false, &v));
    assert_true(lt__semver_parse(S("v1.2.3"), true, &v));
    assert_true(lt__semver_parse(S("1.2.3-0.a-b.0+x-y.01"), false, &v));
    assert_true(lt__semver_parse(S("9007199254740991.0.0"), false, &v));

    fixture_t *fx = constraint_flag("version", "SEMVER_GTE", "\"value\":\"2.0.0-rc.1\"");
    assert_true(prop_on(fx, "version", "2.0.0"));
    assert_true(prop_on(fx, "version", "2.0.0-rc.2"));
    assert_false(prop_on(fx, "version", "2.0.0-beta.9"));
    assert_false(prop_on(fx, "version", "v2.0.0"));
    assert_false(prop_on(fx, "version", "garbage"));
    assert_false(prop_on(fx, "version", ""));
    assert_false(prop_on(fx, "version", NULL));
    fixture_free(fx);
    /* an invalid constraint value: false, and `inverted` flips it as the SDK does */
    fx = constraint_flag("version", "SEMVER_EQ", "\"value\":\"1.x\"");
    assert_false(prop_on(fx, "version", "1.0.0"));
    fixture_free(fx);
    fx = constraint_flag("version", "SEMVER_EQ", "\"value\":\"1.x\",\"inverted\":true");
    assert_true(prop_on(fx, "version", "1.0.0"));
    fixture_free(fx);
}

/* ---- numbers ---- */

static void test_js_number(void **state)
{
    (void)state;
    assert_true(lt__js_number(S("1.0")) == lt__js_number(S("1")));
    assert_true(lt__js_number(S(" 42 ")) == 42);
    assert_true(lt__js_number(S("")) == 0);
    assert_true(lt__js_number(S("   ")) == 0);
    assert_true(lt__js_number(S("0x1F")) == 31);
    assert_true(lt__js_number(S("0b101")) == 5);
    assert_true(lt__js_number(S("0o17")) == 15);
    assert_true(lt__js_number(S("1e3")) == 1000);
    assert_true(lt__js_number(S("-.5")) == -0.5);
    assert_true(lt__js_number(S("5.")) == 5);
    assert_true(lt__js_number(S("-Infinity")) == -INFINITY);
    static const char *nan_ones[] = {"abc", "1_000", "12abc", "-0x1", "0x", "1e",
                                     ".",   "NaN",   "inf",   "1,5",  "--1"};
    for (size_t i = 0; i < LT_ARRAY_LEN(nan_ones); i++)
        assert_true(isnan(lt__js_number(S(nan_ones[i]))));

    fixture_t *fx = constraint_flag("n", "NUM_EQ", "\"value\":\"1\"");
    assert_true(prop_on(fx, "n", "1.0"));
    assert_true(prop_on(fx, "n", "1"));
    assert_false(prop_on(fx, "n", "1.1"));
    assert_false(prop_on(fx, "n", "one"));
    assert_false(prop_on(fx, "n", NULL));
    fixture_free(fx);
    fx = constraint_flag("n", "NUM_LT", "\"value\":\"not a number\"");
    assert_false(prop_on(fx, "n", "1"));
    fixture_free(fx);
    fx = constraint_flag("n", "NUM_GTE", "\"value\":\"2.5\"");
    assert_true(prop_on(fx, "n", "2.5"));
    assert_true(prop_on(fx, "n", "3"));
    assert_false(prop_on(fx, "n", "2.49"));
    fixture_free(fx);
}

/* ---- dates ---- */

static void test_dates_with_offsets(void **state)
{
    (void)state;
    fixture_t *fx =
        constraint_flag("currentTime", "DATE_AFTER", "\"value\":\"2024-01-01T10:30:00.000Z\"");
    lt_context_t ctx = {.current_time = S("2024-01-01T12:31:00+02:00")}; /* 10:31Z */
    assert_true(on(fx, "f", &ctx));
    ctx.current_time = S("2024-01-01T12:30:00+02:00"); /* exactly the bound: not after */
    assert_false(on(fx, "f", &ctx));
    ctx.current_time = S("2024-01-01T05:31:00-05:00"); /* 10:31Z */
    assert_true(on(fx, "f", &ctx));
    ctx.current_time = S("not a date");
    assert_false(on(fx, "f", &ctx));
    ctx.current_time = (lt_str_t){NULL, 0}; /* now, well after 2024 */
    assert_true(on(fx, "f", &ctx));
    fixture_free(fx);

    fx = constraint_flag("currentTime", "DATE_BEFORE", "\"value\":\"2024-01-01\"");
    ctx.current_time = S("2023-12-31T23:59:59.999Z");
    assert_true(on(fx, "f", &ctx));
    ctx.current_time = S("2024-01-01T00:00:00Z");
    assert_false(on(fx, "f", &ctx));
    fixture_free(fx);

    fx = constraint_flag("currentTime", "DATE_AFTER", "\"value\":\"yesterday\"");
    ctx.current_time = S("2024-01-01T00:00:00Z");
    assert_false(on(fx, "f", &ctx));
    fixture_free(fx);
}

/* ---- CIDR ---- */

static bool cidr_in(const char *net, const char *ip)
{
    lt__cidr_t n, a;
    assert_true(lt__cidr_parse(S(net), true, &n));
    assert_true(lt__cidr_parse(S(ip), false, &a));
    return lt__cidr_contains(&n, &a);
}

static void test_cidr(void **state)
{
    (void)state;
    assert_true(cidr_in("10.0.0.0/8", "10.255.1.2"));
    assert_false(cidr_in("10.0.0.0/8", "11.0.0.1"));
    assert_true(cidr_in("10.1.2.3/8", "10.9.9.9")); /* host bits of the network are ignored */
    assert_true(cidr_in("192.168.1.0/25", "192.168.1.127"));
    assert_false(cidr_in("192.168.1.0/25", "192.168.1.128"));
    assert_true(cidr_in("0.0.0.0/0", "1.2.3.4"));
    assert_true(cidr_in("127.0.0.1", "127.0.0.1"));
    assert_false(cidr_in("127.0.0.1", "127.0.0.2"));
    assert_true(cidr_in("2001:db8::/32", "2001:db8:ffff::1"));
    assert_false(cidr_in("2001:db8::/32", "2001:db9::1"));
    assert_true(cidr_in("::/0", "::1"));
    assert_true(cidr_in("fe80::/10", "febf::1"));
    assert_false(cidr_in("fe80::/10", "fec0::1"));
    assert_false(cidr_in("::ffff:0:0/96", "1.2.3.4")); /* families never mix */
    assert_false(cidr_in("0.0.0.0/0", "::1"));

    lt__cidr_t c;
    static const char *bad[] = {
        "",          "256.1.1.1", "1.2.3", "1.2.3.4.5", "1.2.3.4/33",  "1.2.3.4/",      "::1/129",
        "bad::cidr", "1.2.3.4/x", "/8",    "1..2.3",    "127.invalid", "2001:db8::1::2"};
    for (size_t i = 0; i < LT_ARRAY_LEN(bad); i++)
        assert_false(lt__cidr_parse(S(bad[i]), true, &c));
    assert_false(lt__cidr_parse(S("10.0.0.0/8"), false, &c));

    fixture_t *fx = compile_json(
        "{\"features\":[{\"name\":\"f\",\"enabled\":true,\"strategies\":[{\"name\":"
        "\"remoteAddress\",\"parameters\":{\"IPs\":\"10.0.0.0/8, junk, 2001:db8::/32 ,::1\"}}]}]}");
    lt_context_t ctx = {.remote_address = S("10.3.4.5")};
    assert_true(on(fx, "f", &ctx));
    ctx.remote_address = S("2001:db8::42");
    assert_true(on(fx, "f", &ctx));
    ctx.remote_address = S("::1");
    assert_true(on(fx, "f", &ctx));
    ctx.remote_address = S("junk"); /* equal to a listed entry, as the Node SDK */
    assert_true(on(fx, "f", &ctx));
    ctx.remote_address = S("11.0.0.1");
    assert_false(on(fx, "f", &ctx));
    ctx.remote_address = (lt_str_t){NULL, 0};
    assert_false(on(fx, "f", &ctx));
    fixture_free(fx);
}

/* ---- regexes ---- */

static void test_regex_rejects_non_re2(void **state)
{
    (void)state;
    static const char *rejected[] = {
        "^(?=a)b$", "(?!a)",   "(?<=a)b", "(?<!a)b",   "^(a)\\1$", "(?<n>a)\\k<n>",
        "(?>a+)",   "a*+",     "a++",     "a?+",       "a{2}+",    "(*UTF)a",
        "a\\Z",     "(?x) a",  "(?R)",    "(?(1)a|b)", "\\K",      "a\\E",
        "\\g1",     "a{1001}", "a***",    "\\h",       "(?|a)",
    };
    for (size_t i = 0; i < LT_ARRAY_LEN(rejected); i++) {
        const char *p = rejected[i];
        if (lt__re2_syntax_ok(p, strlen(p)))
            fail_msg("accepted non-RE2 pattern %s", p);
        assert_null(lt__regex_compile(p, strlen(p), false));
    }
    static const char *accepted[] = {
        "^[[:alpha:]]+$",  "(?i)abc",    "(?m)^foo$", "(?s)a.b",   "(?i:x)y",
        "(?P<name>a)",     "(?<name>a)", "\\x{41}+",  "[\\d\\s]+", "a{2,3}?",
        "\\Q(?=\\E",       "[]a]",       "[^]a]",     "\\bcat\\b", "a.*?b",
        "\\pL+\\p{Greek}", "a{,3}",      "[(?=]",     "\\.\\*\\+", "x{2}y{3,}",
    };
    for (size_t i = 0; i < LT_ARRAY_LEN(accepted); i++) {
        const char *p = accepted[i];
        if (!lt__re2_syntax_ok(p, strlen(p)))
            fail_msg("rejected RE2 pattern %s", p);
        pcre2_code *re = lt__regex_compile(p, strlen(p), false);
        if (!re)
            fail_msg("PCRE2 could not compile %s", p);
        pcre2_code_free(re);
    }
}

static void test_regex_semantics(void **state)
{
    (void)state;
    fixture_t *fx = constraint_flag("s", "REGEX", "\"value\":\"^foo$\"");
    assert_true(prop_on(fx, "s", "foo"));
    assert_false(prop_on(fx, "s", "foo\n")); /* RE2: $ is the very end without (?m) */
    assert_false(prop_on(fx, "s", "Foo"));
    assert_false(prop_on(fx, "s", NULL));
    fixture_free(fx);
    fx = constraint_flag("s", "REGEX", "\"value\":\"^fóö$\",\"caseInsensitive\":true");
    assert_true(prop_on(fx, "s", "FÓÖ"));
    assert_false(prop_on(fx, "s", "fo\xff")); /* invalid UTF-8 in the subject: no crash */
    fixture_free(fx);
    fx = constraint_flag("s", "REGEX", "\"value\":\"(?m)^b$\"");
    assert_true(prop_on(fx, "s", "a\nb\nc"));
    fixture_free(fx);
    fx = constraint_flag("s", "REGEX", "\"value\":\"^(a+)+$\"");
    assert_false(prop_on(fx, "s", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab"));
    fixture_free(fx);
    /* invalid patterns are false; inverted, true (as the SDK) */
    fx = constraint_flag("s", "REGEX", "\"value\":\"(unclosed\"");
    assert_false(prop_on(fx, "s", "unclosed"));
    fixture_free(fx);
    fx = constraint_flag("s", "REGEX", "\"value\":\"^(?=a)\",\"inverted\":true");
    assert_true(prop_on(fx, "s", "a"));
    fixture_free(fx);
}

/* ---- strings, IN, unknown operators ---- */

static void test_string_operators(void **state)
{
    (void)state;
    fixture_t *fx = constraint_flag("email", "STR_ENDS_WITH",
                                    "\"values\":[\"@Example.COM\",\"\"],\"caseInsensitive\":true");
    assert_true(prop_on(fx, "email", "ME@example.com"));
    assert_false(prop_on(fx, "email", "me@example.org"));
    assert_false(prop_on(fx, "email", "m"));
    fixture_free(fx);
    fx = constraint_flag("email", "STR_STARTS_WITH", "\"values\":[\"Adm\"]");
    assert_true(prop_on(fx, "email", "Admin"));
    assert_false(prop_on(fx, "email", "admin"));
    fixture_free(fx);
    fx = constraint_flag("email", "STR_CONTAINS", "\"values\":[\"MID\"],\"caseInsensitive\":true");
    assert_true(prop_on(fx, "email", "a-mId-b"));
    assert_false(prop_on(fx, "email", "mi"));
    fixture_free(fx);
    /* IN is exact even with caseInsensitive (as the Node SDK); values are trimmed */
    fx = constraint_flag("country", "IN", "\"values\":[\" NO \",\"se\"],\"caseInsensitive\":true");
    assert_true(prop_on(fx, "country", "NO"));
    assert_false(prop_on(fx, "country", "no"));
    assert_false(prop_on(fx, "country", NULL));
    fixture_free(fx);
    fx = constraint_flag("country", "NOT_IN", "\"values\":[\"NO\"]");
    assert_true(prop_on(fx, "country", NULL));
    assert_false(prop_on(fx, "country", "NO"));
    fixture_free(fx);
    fx = constraint_flag("country", "NOPE", "\"values\":[\"NO\"],\"inverted\":true");
    assert_false(prop_on(fx, "country", "NO"));
    assert_false(prop_on(fx, "country", "SE"));
    fixture_free(fx);
}

static void test_huge_in_list(void **state)
{
    (void)state;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"features\":[{\"name\":\"f\",\"enabled\":true,\"strategies\":[{\"name\":"
                    "\"default\",\"constraints\":[{\"contextName\":\"userId\",\"operator\":\"IN\","
                    "\"values\":[");
    for (int i = 0; i < 20000; i++)
        lt_buf_printf(&b, "%s\"user-%d\"", i ? "," : "", i * 2);
    lt_buf_puts(&b, "]}]}]}]}");
    assert_true(lt_buf_ok(&b));
    lt_buf_putc(&b, '\0');
    fixture_t *fx = compile_json(b.ptr);
    lt_buf_dispose(&b);
    char id[32];
    for (int i = 0; i < 40000; i += 7) {
        snprintf(id, sizeof(id), "user-%d", i);
        lt_context_t ctx = {.user_id = S(id)};
        assert_int_equal(on(fx, "f", &ctx), i % 2 == 0);
    }
    fixture_free(fx);
}

/* ---- invalid flag data compiles and never crashes ---- */

static void test_invalid_data(void **state)
{
    (void)state;
    fixture_t *fx = compile_json(
        "{\"features\":["
        "{\"name\":\"bad\",\"enabled\":true,\"strategies\":["
        " {\"name\":\"default\",\"constraints\":[{\"contextName\":\"a\",\"operator\":\"REGEX\","
        "   \"value\":\"[\"}]},"
        " {\"name\":\"default\",\"constraints\":[{\"contextName\":\"a\",\"operator\":\"NUM_GT\","
        "   \"value\":\"ten\"}]},"
        " {\"name\":\"default\",\"constraints\":[{\"contextName\":\"a\",\"operator\":"
        "   \"DATE_AFTER\",\"value\":\"2024-13-45\"}]},"
        " {\"name\":\"default\",\"constraints\":[{\"contextName\":\"a\",\"operator\":\"NUM_GT\"}]},"
        " {\"name\":\"default\",\"constraints\":[{\"contextName\":\"a\",\"operator\":\"REGEX\"}]},"
        " {\"name\":\"default\",\"constraints\":[{\"contextName\":\"a\",\"operator\":\"IN_CIDR\","
        "   \"values\":[\"x\",\"1.2.3.4/99\"]}]},"
        " {\"name\":\"flexibleRollout\",\"parameters\":{\"rollout\":\"lots\"}},"
        " {\"name\":\"gradualRolloutRandom\",\"parameters\":{}},"
        " {\"name\":\"myCustomStrategy\"},"
        " {\"name\":\"default\",\"segments\":[42]}],"
        " \"variants\":[{\"name\":\"v\",\"weight\":0}]},"
        "{\"name\":\"weightless\",\"enabled\":true,\"strategies\":[],"
        " \"variants\":[{\"name\":\"v\",\"weight\":0}]},"
        "{\"name\":\"custom-or-default\",\"enabled\":true,\"strategies\":["
        " {\"name\":\"myCustomStrategy\"},{\"name\":\"default\"}]}]}");
    lt_prop_t p = {S("a"), S("11")};
    lt_context_t ctx = {
        .user_id = S("u"), .remote_address = S("1.2.3.4"), .props = &p, .n_props = 1};
    assert_false(on(fx, "bad", &ctx));
    lt_variant_result_t r;
    lt_eval_variant(fx->env, lt_eval_find(fx->env, "weightless", 10), &ctx, &r);
    assert_true(r.feature_enabled);
    assert_false(r.enabled);
    assert_string_equal(r.name, "disabled");
    assert_true(on(fx, "custom-or-default", &ctx));
    fixture_free(fx);
}

/* ---- strategies ---- */

static void test_strategies(void **state)
{
    (void)state;
    fixture_t *fx = compile_json(
        "{\"features\":["
        "{\"name\":\"host\",\"enabled\":true,\"strategies\":[{\"name\":\"applicationHostname\","
        " \"parameters\":{\"hostNames\":\"Web-1, web-2\"}}]},"
        "{\"name\":\"users\",\"enabled\":true,\"strategies\":[{\"name\":\"userWithId\","
        " \"parameters\":{\"userIds\":\"a, b ,c\"}}]},"
        "{\"name\":\"half\",\"enabled\":true,\"strategies\":[{\"name\":\"flexibleRollout\","
        " \"parameters\":{\"rollout\":\"50\",\"stickiness\":\"tenant\",\"groupId\":\"g\"}}]},"
        "{\"name\":\"nogroup\",\"enabled\":true,\"strategies\":[{\"name\":\"flexibleRollout\","
        " \"parameters\":{\"rollout\":\"50\",\"stickiness\":\"userId\"}}]},"
        "{\"name\":\"off-strategy\",\"enabled\":true,\"strategies\":[{\"name\":\"default\","
        " \"disabled\":true},{\"name\":\"userWithId\",\"parameters\":{\"userIds\":\"x\"}}]}]}");
    lt_context_t ctx = {.hostname = S("WEB-2")};
    assert_true(on(fx, "host", &ctx));
    ctx.hostname = S("web-3");
    assert_false(on(fx, "host", &ctx));
    ctx.user_id = S("b");
    assert_true(on(fx, "users", &ctx));
    ctx.user_id = S("d");
    assert_false(on(fx, "users", &ctx));

    /* rollout hashing is "groupId:value" murmur3 % 100 + 1 */
    int hits = 0;
    char tenant[32];
    for (int i = 0; i < 1000; i++) {
        snprintf(tenant, sizeof(tenant), "t%d", i);
        lt_prop_t p = {S("tenant"), S(tenant)};
        lt_context_t c = {.props = &p, .n_props = 1};
        char key[64];
        int n = snprintf(key, sizeof(key), "g:%s", tenant);
        bool expect = lt_murmur3_32(key, (size_t)n, 0) % 100 + 1 <= 50;
        assert_int_equal(on(fx, "half", &c), expect);
        hits += expect;
    }
    assert_in_range(hits, 400, 600);
    lt_context_t none = {0};
    assert_false(on(fx, "half", &none)); /* custom stickiness field missing: off */

    /* groupId defaults to the feature name */
    lt_context_t u = {.user_id = S("user-7")};
    assert_int_equal(on(fx, "nogroup", &u), lt_murmur3_32("nogroup:user-7", 14, 0) % 100 + 1 <= 50);

    u.user_id = S("x");
    assert_true(on(fx, "off-strategy", &u));
    u.user_id = S("y");
    assert_false(on(fx, "off-strategy", &u)); /* the disabled default strategy does not count */
    assert_int_equal(lt_eval_count(fx->env), 5);
    assert_string_equal(lt_eval_feature_name(lt_eval_at(fx->env, 0)), "host");
    assert_string_equal(lt_eval_feature_project(lt_eval_at(fx->env, 0)), "default");
    fixture_free(fx);
}

static void test_hash_pair_matches_murmur(void **state)
{
    (void)state;
    static const char *groups[] = {"", "g", "feature.name", "ø-üñî©ødé", "abcdefghijklmnop"};
    static const char *values[] = {"", "1", "12", "123", "1234", "user-12345", "ø"};
    for (size_t i = 0; i < LT_ARRAY_LEN(groups); i++)
        for (size_t j = 0; j < LT_ARRAY_LEN(values); j++) {
            char key[128];
            int n = snprintf(key, sizeof(key), "%s:%s", groups[i], values[j]);
            for (uint32_t seed = 0; seed < 2; seed++) {
                uint32_t s = seed ? 86028157u : 0;
                assert_int_equal(lt__hash_pair(S(groups[i]), S(values[j]), s),
                                 lt_murmur3_32(key, (size_t)n, s));
            }
        }
    for (int i = 0; i < 1000; i++) {
        uint32_t r = lt__random(7);
        assert_in_range(r, 1, 7);
    }
}

/* ---- variants ---- */

static void test_variants(void **state)
{
    (void)state;
    fixture_t *fx = compile_json(
        "{\"features\":[{\"name\":\"v\",\"enabled\":true,\"strategies\":[],\"variants\":["
        " {\"name\":\"a\",\"weight\":500,\"weightType\":\"variable\",\"stickiness\":\"org\","
        "  \"payload\":{\"type\":\"json\",\"value\":\"{\\\"x\\\":1}\"},"
        "  \"overrides\":[{\"contextName\":\"userId\",\"values\":[\"u9\"]}]},"
        " {\"name\":\"b\",\"weight\":500,\"weightType\":\"fix\","
        "  \"overrides\":[{\"contextName\":\"userId\",\"values\":[\"u1\",\"u2\"]}]}]}]}");
    const lt_eval_feature_t *f = lt_eval_find(fx->env, "v", 1);
    lt_variant_result_t r;
    lt_context_t ctx = {.user_id = S("u2")};
    lt_eval_variant(fx->env, f, &ctx, &r);
    assert_string_equal(r.name, "b");
    assert_true(r.enabled && r.feature_enabled);
    assert_null(r.payload);
    ctx.user_id = S("u9");
    lt_eval_variant(fx->env, f, &ctx, &r);
    assert_string_equal(r.name, "a");
    assert_string_equal(r.payload->type, "json");
    /* stickiness "org": hashed on the org property with the feature name as group */
    char org[16];
    for (int i = 0; i < 50; i++) {
        snprintf(org, sizeof(org), "o%d", i);
        lt_prop_t p = {S("org"), S(org)};
        lt_context_t c = {.props = &p, .n_props = 1};
        char key[32];
        int n = snprintf(key, sizeof(key), "v:%s", org);
        uint32_t target = lt_murmur3_32(key, (size_t)n, 86028157u) % 1000 + 1;
        lt_eval_variant(fx->env, f, &c, &r);
        assert_string_equal(r.name, target <= 500 ? "a" : "b");
    }
    lt_eval_variant(fx->env, NULL, &ctx, &r);
    assert_false(r.feature_enabled);
    assert_string_equal(r.name, "disabled");
    fixture_free(fx);
}

/* ---- dependencies ---- */

static void test_dependencies(void **state)
{
    (void)state;
    fixture_t *fx = compile_json(
        "{\"features\":["
        "{\"name\":\"p\",\"enabled\":true,\"strategies\":[{\"name\":\"userWithId\","
        " \"parameters\":{\"userIds\":\"1\"}}]},"
        "{\"name\":\"child\",\"enabled\":true,\"dependencies\":[{\"feature\":\"p\"}]},"
        "{\"name\":\"not-p\",\"enabled\":true,"
        " \"dependencies\":[{\"feature\":\"p\",\"enabled\":false}]},"
        "{\"name\":\"grandchild\",\"enabled\":true,\"dependencies\":[{\"feature\":\"child\"}]},"
        "{\"name\":\"c1\",\"enabled\":true,\"dependencies\":[{\"feature\":\"c2\"}]},"
        "{\"name\":\"c2\",\"enabled\":true,\"dependencies\":[{\"feature\":\"c1\"}]},"
        "{\"name\":\"orphan\",\"enabled\":true,\"dependencies\":[{\"feature\":\"nope\"}]},"
        "{\"name\":\"pv\",\"enabled\":true,"
        " \"dependencies\":[{\"feature\":\"p\",\"variants\":[\"disabled\"]}]}]}");
    lt_context_t one = {.user_id = S("1")}, two = {.user_id = S("2")};
    assert_true(on(fx, "child", &one));
    assert_false(on(fx, "child", &two));
    assert_false(on(fx, "not-p", &one));
    assert_true(on(fx, "not-p", &two));
    assert_false(on(fx, "grandchild", &one));
    assert_false(on(fx, "c1", &one));
    assert_false(on(fx, "c2", &one));
    assert_false(on(fx, "orphan", &one));
    assert_true(on(fx, "pv", &one)); /* parent on with no variants: its variant is "disabled" */
    assert_false(on(fx, "pv", &two));
    fixture_free(fx);
}

/* ---- environments and delta replay ---- */

static void test_missing_environment(void **state)
{
    (void)state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    const char *json = "{\"features\":[{\"name\":\"f\",\"enabled\":true}]}";
    assert_int_equal(lt_model_parse_client_doc(&a, json, strlen(json), "prod", &doc, &err), LT_OK);
    lt_eval_env_t *e = lt_eval_compile(&a, doc.features, doc.n_features, "dev", NULL, 0);
    const lt_eval_feature_t *f = lt_eval_find(e, "f", 1);
    lt_context_t ctx = {0};
    assert_non_null(f);
    assert_null(lt_eval_feature_env(f));
    assert_false(lt_eval_is_enabled(e, f, &ctx));
    lt_eval_free(e);
    e = lt_eval_compile(&a, doc.features, doc.n_features, "prod", NULL, 0);
    assert_true(lt_eval_is_enabled(e, lt_eval_find(e, "f", 1), &ctx));
    lt_eval_free(e);
    doc.features[0].archived = true;
    e = lt_eval_compile(&a, doc.features, doc.n_features, "prod", NULL, 0);
    assert_null(lt_eval_find(e, "f", 1));
    assert_int_equal(lt_eval_count(e), 0);
    lt_eval_free(e);
    lt_arena_dispose(&a);
}

static void test_delta_replay(void **state)
{
    (void)state;
    fixture_t *fx = compile_json(
        "{\"events\":["
        "{\"type\":\"feature-updated\",\"feature\":{\"name\":\"gone\",\"enabled\":true}},"
        "{\"type\":\"hydration\",\"features\":[{\"name\":\"a\",\"enabled\":false}],"
        " \"segments\":[{\"id\":2,\"constraints\":[]},{\"id\":1,\"constraints\":[]}]},"
        "{\"type\":\"feature-updated\",\"feature\":{\"name\":\"a\",\"enabled\":true,"
        " \"strategies\":[{\"name\":\"default\",\"segments\":[1]}]}},"
        "{\"type\":\"feature-updated\",\"feature\":{\"name\":\"b\",\"enabled\":true,"
        " \"strategies\":[{\"name\":\"default\",\"segments\":[2]}]}},"
        "{\"type\":\"segment-removed\",\"segmentId\":2},"
        "{\"type\":\"feature-removed\",\"featureName\":\"nothing\"},"
        "{\"type\":\"something-new\"}]}");
    lt_context_t ctx = {0};
    assert_null(lt_eval_find(fx->env, "gone", 4));
    assert_true(on(fx, "a", &ctx));
    assert_false(on(fx, "b", &ctx)); /* its segment was removed */
    fixture_free(fx);

    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    const char *bad = "{\"events\":[{\"type\":\"feature-updated\"}]}";
    assert_int_equal(lt_model_parse_delta_doc(&a, bad, strlen(bad), "x", &doc, &err), LT_EINVAL);
    bad = "{\"events\":{}}";
    assert_int_equal(lt_model_parse_delta_doc(&a, bad, strlen(bad), "x", &doc, &err), LT_EINVAL);
    bad = "{\"events\":[";
    assert_int_equal(lt_model_parse_delta_doc(&a, bad, strlen(bad), "x", &doc, &err), LT_EINVAL);
    lt_arena_dispose(&a);
}

/* ---- threads share one compiled environment; each has its own match data ---- */

static void *thread_main(void *arg)
{
    const fixture_t *fx = arg;
    long hits = 0;
    char id[32];
    for (int i = 0; i < 2000; i++) {
        snprintf(id, sizeof(id), "user%d@example.com", i);
        lt_prop_t p = {S("s"), S(id)};
        lt_context_t ctx = {.user_id = S(id), .props = &p, .n_props = 1};
        hits += on(fx, "f", &ctx);
    }
    return (void *)hits;
}

static void test_threads(void **state)
{
    (void)state;
    fixture_t *fx = constraint_flag("s", "REGEX", "\"value\":\"^user[0-9]*[02468]@\"");
    pthread_t t[4];
    for (int i = 0; i < 4; i++)
        assert_int_equal(pthread_create(&t[i], NULL, thread_main, fx), 0);
    for (int i = 0; i < 4; i++) {
        void *ret;
        assert_int_equal(pthread_join(t[i], &ret), 0);
        assert_int_equal((long)ret, 1000);
    }
    fixture_free(fx);
}

static int teardown_group(void **state)
{
    (void)state;
    lt_eval_thread_cleanup();
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_semver_precedence),
        cmocka_unit_test(test_semver_invalid),
        cmocka_unit_test(test_js_number),
        cmocka_unit_test(test_dates_with_offsets),
        cmocka_unit_test(test_cidr),
        cmocka_unit_test(test_regex_rejects_non_re2),
        cmocka_unit_test(test_regex_semantics),
        cmocka_unit_test(test_string_operators),
        cmocka_unit_test(test_huge_in_list),
        cmocka_unit_test(test_invalid_data),
        cmocka_unit_test(test_strategies),
        cmocka_unit_test(test_hash_pair_matches_murmur),
        cmocka_unit_test(test_variants),
        cmocka_unit_test(test_dependencies),
        cmocka_unit_test(test_missing_environment),
        cmocka_unit_test(test_delta_replay),
        cmocka_unit_test(test_threads),
    };
    return cmocka_run_group_tests(tests, NULL, teardown_group);
}
