/*
 * test_token.c: unit tests for src/auth/token.c: the token shapes of UNLEASH-API.md §1.1,
 * secret generation, the non-secret display prefix, type names, the digest-keyed table
 * (10,000 tokens, misses, duplicates, colliding slots), project scope and expiry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <ctype.h>

#include "auth/token.h"
#include "base/util.h"

/* ---- helpers ---- */

static void assert_slice(lt_str_t s, const char *want)
{
    if (want == NULL) {
        if (s.len != 0)
            fail_msg("want an empty slice, got \"%.*s\"", (int)s.len, s.ptr);
        return;
    }
    if (!lt_str_eq_c(s, want))
        fail_msg("want \"%s\", got \"%.*s\"", want, (int)s.len, s.ptr ? s.ptr : "");
}

static void expect_parse(const char *tok, lt_token_form_t form, const char *project,
                         const char *env, const char *secret)
{
    lt_token_parts_t p = lt_token_parse(lt_str_c(tok));
    if (p.form != form)
        fail_msg("lt_token_parse(\"%s\").form = %d, want %d", tok, (int)p.form, (int)form);
    assert_slice(p.project, project);
    assert_slice(p.environment, env);
    assert_slice(p.secret, secret);
}

static bool is_lower_hex(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isdigit((unsigned char)s[i]) && !(s[i] >= 'a' && s[i] <= 'f'))
            return false;
    return true;
}

#define HEX56 "0123456789abcdef0123456789abcdef0123456789abcdef01234567"
#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define SEL22 "AbCdEfGhIjKlMnOpQr-_09"
#define SEC43 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ-_01234"

/* ---- parse ---- */

static void test_parse_classic(void **state)
{
    (void)state;
    expect_parse("default:development." HEX56, LT_TOKEN_FORM_CLASSIC, "default", "development",
                 HEX56);
    expect_parse("[]:production.abc", LT_TOKEN_FORM_CLASSIC, "[]", "production", "abc");
    expect_parse("*:development.x", LT_TOKEN_FORM_CLASSIC, "*", "development", "x");
    expect_parse("*:*.x", LT_TOKEN_FORM_CLASSIC, "*", "*", "x");
    /* the environment ends at the first '.', the secret keeps any later ones */
    expect_parse("p:env.se.cr.et", LT_TOKEN_FORM_CLASSIC, "p", "env", "se.cr.et");
    /* the project ends at the first ':' */
    expect_parse("p:env:x.s", LT_TOKEN_FORM_CLASSIC, "p", "env:x", "s");
}

static void test_parse_pat_and_legacy(void **state)
{
    (void)state;
    expect_parse("user:" HEX56, LT_TOKEN_FORM_PAT, "user", NULL, HEX56);
    expect_parse("user:v2_" SEL22 "_" SEC43, LT_TOKEN_FORM_PAT, "user", NULL,
                 "v2_" SEL22 "_" SEC43);
    expect_parse(HEX64, LT_TOKEN_FORM_LEGACY, NULL, NULL, HEX64);
    expect_parse("0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF",
                 LT_TOKEN_FORM_LEGACY, NULL, NULL,
                 "0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF0123456789ABCDEF");
    /* 63 or 65 hex, or a non-hex character: not legacy */
    expect_parse(HEX56 "0123456", LT_TOKEN_FORM_OTHER, NULL, NULL, NULL);
    expect_parse(HEX64 "0", LT_TOKEN_FORM_OTHER, NULL, NULL, NULL);
    expect_parse("g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
                 LT_TOKEN_FORM_OTHER, NULL, NULL, NULL);
}

static void test_parse_v2(void **state)
{
    (void)state;
    expect_parse("default:development.v2_" SEL22 "_" SEC43, LT_TOKEN_FORM_V2, "default",
                 "development", "v2_" SEL22 "_" SEC43);
    expect_parse("[]:production.v2_" SEL22 "_" SEC43, LT_TOKEN_FORM_V2, "[]", "production",
                 "v2_" SEL22 "_" SEC43);
    expect_parse("*:*.v2_" SEL22 "_" SEC43, LT_TOKEN_FORM_V2, "*", "*", "v2_" SEL22 "_" SEC43);
    /* near misses stay classic: wrong lengths, a non-base64url character, no separator */
    expect_parse("p:e.v2_" SEL22 "x_" SEC43, LT_TOKEN_FORM_CLASSIC, "p", "e",
                 "v2_" SEL22 "x_" SEC43);
    expect_parse("p:e.v2_" SEL22 "_" SEC43 "x", LT_TOKEN_FORM_CLASSIC, "p", "e",
                 "v2_" SEL22 "_" SEC43 "x");
    expect_parse("p:e.v2_AbCdEfGhIjKlMnOpQr+/09_" SEC43, LT_TOKEN_FORM_CLASSIC, "p", "e",
                 "v2_AbCdEfGhIjKlMnOpQr+/09_" SEC43);
    expect_parse("p:e.v2_" SEL22 "-" SEC43, LT_TOKEN_FORM_CLASSIC, "p", "e", "v2_" SEL22 "-" SEC43);
    expect_parse("p:e.v3_" SEL22 "_" SEC43, LT_TOKEN_FORM_CLASSIC, "p", "e", "v3_" SEL22 "_" SEC43);
}

static void test_parse_other_shapes(void **state)
{
    (void)state;
    static const char *const other[] = {
        "",
        "abc",
        "abc.def",             /* no colon */
        "default:development", /* no dot */
        ":development.secret", /* empty project */
        "default:.secret",     /* empty environment */
        ":.x",
        "Bearer",
        "use:abc",
        "User:abc", /* PAT prefix is case-sensitive */
    };
    for (size_t i = 0; i < LT_ARRAY_LEN(other); i++) {
        lt_token_parts_t p = lt_token_parse(lt_str_c(other[i]));
        if (p.form != LT_TOKEN_FORM_OTHER)
            fail_msg("lt_token_parse(\"%s\") is form %d, want OTHER", other[i], (int)p.form);
        assert_int_equal(p.project.len, 0);
        assert_int_equal(p.environment.len, 0);
        assert_int_equal(p.secret.len, 0);
    }
    /* a dot only before the colon does not count */
    expect_parse("a.b:c", LT_TOKEN_FORM_OTHER, NULL, NULL, NULL);
    /* the slice length is what is parsed: bytes after it are not seen */
    lt_token_parts_t p = lt_token_parse((lt_str_t){"default:dev.secret", 11});
    assert_int_equal(p.form, LT_TOKEN_FORM_OTHER);
    p = lt_token_parse((lt_str_t){"default:dev.secretXYZ", 18});
    assert_int_equal(p.form, LT_TOKEN_FORM_CLASSIC);
    assert_slice(p.secret, "secret");
    /* NUL bytes are ordinary bytes inside a slice */
    p = lt_token_parse((lt_str_t){"p:e.a\0b", 7});
    assert_int_equal(p.form, LT_TOKEN_FORM_CLASSIC);
    assert_int_equal(p.secret.len, 3);
}

/* ---- generate ---- */

static void check_generated(const char *out, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(out, prefix, pl) != 0)
        fail_msg("generated \"%s\" does not start with \"%s\"", out, prefix);
    assert_int_equal(strlen(out), pl + 56);
    assert_true(is_lower_hex(out + pl, 56));
}

static void test_generate_formats(void **state)
{
    (void)state;
    lt_token_set_format(LT_TOKEN_FMT_CLASSIC);
    char out[200];
    const char *one[] = {"default"};
    const char *two[] = {"alpha", "beta"};

    lt_token_generate(LT_TOKEN_CLIENT, "development", one, 1, false, out, sizeof(out));
    check_generated(out, "default:development.");
    lt_token_parts_t p = lt_token_parse(lt_str_c(out));
    assert_int_equal(p.form, LT_TOKEN_FORM_CLASSIC);
    assert_slice(p.project, "default");
    assert_slice(p.environment, "development");
    assert_int_equal(p.secret.len, 56);

    lt_token_generate(LT_TOKEN_CLIENT, "production", two, 2, false, out, sizeof(out));
    check_generated(out, "[]:production.");
    lt_token_generate(LT_TOKEN_FRONTEND, "production", two, 2, false, out, sizeof(out));
    check_generated(out, "[]:production.");
    lt_token_generate(LT_TOKEN_FRONTEND, "development", one, 1, false, out, sizeof(out));
    check_generated(out, "default:development.");
    lt_token_generate(LT_TOKEN_CLIENT, "development", one, 1, true, out, sizeof(out));
    check_generated(out, "*:development.");
    lt_token_generate(LT_TOKEN_CLIENT, "development", NULL, 0, false, out, sizeof(out));
    check_generated(out, "*:development.");
    lt_token_generate(LT_TOKEN_ADMIN, "development", one, 1, false, out, sizeof(out));
    check_generated(out, "*:*.");
    p = lt_token_parse(lt_str_c(out));
    assert_int_equal(p.form, LT_TOKEN_FORM_CLASSIC);
    assert_slice(p.environment, "*");
    lt_token_generate(LT_TOKEN_PAT, NULL, NULL, 0, false, out, sizeof(out));
    check_generated(out, "user:");
    assert_int_equal(lt_token_parse(lt_str_c(out)).form, LT_TOKEN_FORM_PAT);
}

static bool is_b64url(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_')
            return false;
    return true;
}

/* The v2 format (the default): <scope>v2_<22>_<43>, base64url of 16 and 32 random bytes. */
static void check_v2(const char *out, const char *prefix)
{
    size_t pl = strlen(prefix);
    if (strncmp(out, prefix, pl) != 0 || strncmp(out + pl, "v2_", 3) != 0)
        fail_msg("generated \"%s\" is not %sv2_...", out, prefix);
    assert_int_equal(strlen(out), pl + 3 + 22 + 1 + 43);
    assert_true(is_b64url(out + pl + 3, 22));
    assert_int_equal(out[pl + 25], '_');
    assert_true(is_b64url(out + pl + 26, 43));
}

static void test_generate_v2(void **state)
{
    (void)state;
    lt_token_set_format(LT_TOKEN_FMT_V2);
    char out[200];
    const char *one[] = {"default"};
    const char *two[] = {"alpha", "beta"};
    lt_token_generate(LT_TOKEN_CLIENT, "development", one, 1, false, out, sizeof(out));
    check_v2(out, "default:development.");
    lt_token_parts_t p = lt_token_parse(lt_str_c(out));
    assert_int_equal(p.form, LT_TOKEN_FORM_V2);
    assert_int_equal(p.selector.len, 22);
    assert_ptr_equal(p.selector.ptr, out + strlen("default:development.v2_"));
    lt_token_generate(LT_TOKEN_FRONTEND, "production", two, 2, false, out, sizeof(out));
    check_v2(out, "[]:production.");
    lt_token_generate(LT_TOKEN_ADMIN, "*", NULL, 0, true, out, sizeof(out));
    check_v2(out, "*:*.");
    lt_token_generate(LT_TOKEN_PAT, NULL, NULL, 0, false, out, sizeof(out));
    check_v2(out, "user:");
    p = lt_token_parse(lt_str_c(out));
    assert_int_equal(p.form, LT_TOKEN_FORM_PAT);
    assert_int_equal(p.selector.len, 22);
    /* a classic PAT has no selector */
    assert_null(lt_token_parse(LT_STR("user:" HEX56)).selector.ptr);
    lt_token_format_t f;
    assert_int_equal(lt_token_format_parse("classic", &f), LT_OK);
    assert_int_equal(f, LT_TOKEN_FMT_CLASSIC);
    assert_int_equal(lt_token_format_parse("v2", &f), LT_OK);
    assert_int_equal(f, LT_TOKEN_FMT_V2);
    assert_int_equal(lt_token_format_parse("V2", &f), LT_EINVAL);
    assert_int_equal(lt_token_format_parse("", &f), LT_EINVAL);
}

/* A v2 token is found by selector and verified by digest; a forged secret is refused. */
static void test_table_selector(void **state)
{
    (void)state;
    lt_token_set_format(LT_TOKEN_FMT_V2);
    enum { N = 50 };
    char secrets[N][200];
    char selectors[N][23];
    lt_token_t tokens[N];
    memset(tokens, 0, sizeof(tokens));
    for (int i = 0; i < N; i++) {
        lt_token_generate(LT_TOKEN_CLIENT, "development", NULL, 0, true, secrets[i],
                          sizeof(secrets[i]));
        lt_token_digest(lt_str_c(secrets[i]), tokens[i].digest);
        lt_token_parts_t p = lt_token_parse(lt_str_c(secrets[i]));
        memcpy(selectors[i], p.selector.ptr, 22);
        selectors[i][22] = '\0';
        tokens[i].selector = i % 5 ? selectors[i] : NULL; /* some stored before selectors */
    }
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_token_table_t tt;
    lt_token_table_build(&tt, &a, tokens, N);
    for (int i = 0; i < N; i++) {
        assert_ptr_equal(lt_token_table_find_presented(&tt, lt_str_c(secrets[i])), &tokens[i]);
        assert_ptr_equal(lt_token_table_find_ref(&tt, lt_str_c(secrets[i])), &tokens[i]);
        assert_ptr_equal(lt_token_table_find_selector(&tt, lt_str_c(selectors[i])),
                         i % 5 ? &tokens[i] : NULL);
        assert_ptr_equal(lt_token_table_find_ref(&tt, lt_str_c(selectors[i])),
                         i % 5 ? &tokens[i] : NULL);
        /* the right selector with a secret that is not its own */
        char forged[200];
        snprintf(forged, sizeof(forged), "%s", secrets[i]);
        size_t n = strlen(forged);
        forged[n - 1] = forged[n - 1] == 'A' ? 'B' : 'A';
        assert_null(lt_token_table_find_presented(&tt, lt_str_c(forged)));
        /* a selector is not a secret: presented as a token it authenticates nothing */
        assert_null(lt_token_table_find_presented(&tt, lt_str_c(selectors[i])));
    }
    assert_null(lt_token_table_find_selector(&tt, LT_STR("AAAAAAAAAAAAAAAAAAAAAA")));
    assert_null(lt_token_table_find_selector(&tt, LT_STR("short")));
    lt_arena_dispose(&a);
}

static void test_generate_differs_and_truncates(void **state)
{
    (void)state;
    const char *one[] = {"default"};
    char a[200], b[200];
    lt_token_generate(LT_TOKEN_CLIENT, "development", one, 1, false, a, sizeof(a));
    lt_token_generate(LT_TOKEN_CLIENT, "development", one, 1, false, b, sizeof(b));
    assert_string_not_equal(a, b);
    /* 100 secrets, all distinct */
    enum { N = 100 };
    char(*many)[200] = calloc(N, sizeof(*many));
    for (int i = 0; i < N; i++)
        lt_token_generate(LT_TOKEN_ADMIN, "*", NULL, 0, true, many[i], sizeof(many[i]));
    for (int i = 0; i < N; i++)
        for (int k = i + 1; k < N; k++)
            assert_string_not_equal(many[i], many[k]);
    free(many);
    /* a short output buffer is filled and terminated, never overrun */
    char small[12];
    memset(small, 'Z', sizeof(small));
    lt_token_generate(LT_TOKEN_CLIENT, "development", one, 1, false, small, 10);
    assert_int_equal(strlen(small), 9);
    assert_string_equal(small, "default:d");
    assert_int_equal(small[10], 'Z');
}

/* ---- display ---- */

static void check_display(const char *tok, const char *scope, const char *secret)
{
    char out[200];
    lt_token_display(lt_str_c(tok), out, sizeof(out));
    if (strncmp(out, scope, strlen(scope)) != 0)
        fail_msg("display \"%s\" of \"%s\" lost the scope \"%s\"", out, tok, scope);
    if (strstr(out, secret))
        fail_msg("display \"%s\" contains the secret \"%s\"", out, secret);
    /* ends with the ellipsis */
    size_t n = strlen(out);
    assert_true(n >= 3);
    assert_string_equal(out + n - 3, "\xe2\x80\xa6");
}

static void test_display(void **state)
{
    (void)state;
    char out[200];
    lt_token_display(LT_STR("default:development." HEX56), out, sizeof(out));
    assert_string_equal(out, "default:development.012345\xe2\x80\xa6");
    check_display("default:development." HEX56, "default:development.", HEX56);
    check_display("[]:production." HEX56, "[]:production.", HEX56);
    check_display("*:*." HEX56, "*:*.", HEX56);
    check_display("user:" HEX56, "user:", HEX56);
    lt_token_display(LT_STR("user:" HEX56), out, sizeof(out));
    assert_string_equal(out, "user:012345\xe2\x80\xa6");
    /* legacy: no scope, a short prefix of the secret */
    lt_token_display(LT_STR(HEX64), out, sizeof(out));
    assert_string_equal(out, "012345\xe2\x80\xa6");
    /* v2: scope kept, the secret half never shown */
    check_display("default:development.v2_" SEL22 "_" SEC43, "default:development.v2_", "_" SEC43);
    check_display("default:development.v2_" SEL22 "_" SEC43, "default:development.", SEC43);
    /* short secrets show at most a quarter */
    lt_token_display(LT_STR("p:e.abcd"), out, sizeof(out));
    assert_string_equal(out, "p:e.a\xe2\x80\xa6");
    lt_token_display(LT_STR("p:e.abc"), out, sizeof(out));
    assert_string_equal(out, "p:e.\xe2\x80\xa6");
    /* unknown shapes show no scope and never the whole string */
    check_display("some-opaque-token-string", "", "some-opaque-token-string");
    lt_token_display(LT_STR("some-opaque-token-string"), out, sizeof(out));
    assert_string_equal(out, "some-o\xe2\x80\xa6");
    lt_token_display(LT_STR("abc"), out, sizeof(out));
    assert_string_equal(out, "\xe2\x80\xa6");
    /* an overlong scope is cut, the output stays bounded */
    char longtok[400];
    memset(longtok, 'p', 300);
    memcpy(longtok + 300, ":e." HEX56, sizeof(":e." HEX56));
    lt_token_display(lt_str_c(longtok), out, sizeof(out));
    assert_true(strlen(out) <= 120 + 6 + 3);
    assert_null(strstr(out, HEX56));
    /* and the output buffer size is respected */
    char tiny[8];
    memset(tiny, 'Z', sizeof(tiny));
    lt_token_display(LT_STR("default:development." HEX56), tiny, 6);
    assert_int_equal(strlen(tiny), 5);
    assert_int_equal(tiny[6], 'Z');
}

/* ---- type names ---- */

static void test_type_parse(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        lt_token_type_t t;
    } ok[] = {
        {"client", LT_TOKEN_CLIENT},     {"CLIENT", LT_TOKEN_CLIENT},
        {"backend", LT_TOKEN_CLIENT},    {"Backend", LT_TOKEN_CLIENT},
        {"frontend", LT_TOKEN_FRONTEND}, {"FrontEnd", LT_TOKEN_FRONTEND},
        {"admin", LT_TOKEN_ADMIN},       {"ADMIN", LT_TOKEN_ADMIN},
        {"pat", LT_TOKEN_PAT},
    };
    for (size_t i = 0; i < LT_ARRAY_LEN(ok); i++) {
        lt_token_type_t t = (lt_token_type_t)99;
        if (lt_token_type_parse(ok[i].s, &t) != LT_OK)
            fail_msg("lt_token_type_parse(\"%s\") rejected", ok[i].s);
        assert_int_equal(t, ok[i].t);
    }
    static const char *const bad[] = {"",          "clients",   "client ", " client",
                                      "front end", "front-end", "admins",  "user",
                                      "proxy",     "*",         "cli"};
    for (size_t i = 0; i < LT_ARRAY_LEN(bad); i++) {
        lt_token_type_t t = (lt_token_type_t)99;
        if (lt_token_type_parse(bad[i], &t) != LT_EINVAL)
            fail_msg("lt_token_type_parse(\"%s\") accepted", bad[i]);
        assert_int_equal(t, 99);
    }
    /* names round-trip */
    const lt_token_type_t all[] = {LT_TOKEN_CLIENT, LT_TOKEN_FRONTEND, LT_TOKEN_ADMIN,
                                   LT_TOKEN_PAT};
    for (size_t i = 0; i < LT_ARRAY_LEN(all); i++) {
        lt_token_type_t t;
        assert_int_equal(lt_token_type_parse(lt_token_type_name(all[i]), &t), LT_OK);
        assert_int_equal(t, all[i]);
    }
    assert_string_equal(lt_token_type_name(LT_TOKEN_CLIENT), "client");
    assert_string_equal(lt_token_type_name(LT_TOKEN_FRONTEND), "frontend");
}

/* ---- digest and table ---- */

static void test_digest(void **state)
{
    (void)state;
    uint8_t d[32];
    char hex[65];
    lt_token_digest(LT_STR("abc"), d);
    lt_hex(d, 32, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    lt_token_digest(LT_STR(""), d);
    lt_hex(d, 32, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    /* only the slice's bytes count */
    uint8_t d2[32];
    lt_token_digest((lt_str_t){"abcdef", 3}, d2);
    lt_token_digest(LT_STR("abc"), d);
    assert_memory_equal(d, d2, 32);
}

static void make_digest(int i, uint8_t out[32])
{
    char s[64];
    int n = snprintf(s, sizeof(s), "default:development.tok-%d", i);
    lt_token_digest((lt_str_t){s, (size_t)n}, out);
}

static void test_table_10000(void **state)
{
    (void)state;
    enum { N = 10000 };
    lt_token_t *toks = calloc(N, sizeof(*toks));
    for (int i = 0; i < N; i++) {
        make_digest(i, toks[i].digest);
        toks[i].name = "t";
    }
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_token_table_t tt;
    lt_token_table_build(&tt, &a, toks, N);
    assert_int_equal(tt.count, N);
    assert_true(tt.n_slots >= 2 * N);
    assert_int_equal(tt.n_slots & (tt.n_slots - 1), 0);
    for (int i = 0; i < N; i++) {
        const lt_token_t *t = lt_token_table_find(&tt, toks[i].digest);
        if (t != &toks[i])
            fail_msg("token %d not found (got %p)", i, (const void *)t);
    }
    uint8_t d[32];
    for (int i = N; i < N + 2000; i++) {
        make_digest(i, d);
        assert_null(lt_token_table_find(&tt, d));
    }
    /* a digest differing from a stored one in its last byte only is a miss */
    memcpy(d, toks[17].digest, 32);
    d[31] ^= 1;
    assert_null(lt_token_table_find(&tt, d));
    lt_arena_dispose(&a);
    free(toks);
}

static void test_table_empty_and_duplicates(void **state)
{
    (void)state;
    uint8_t d[32];
    make_digest(1, d);
    /* a zeroed table finds nothing */
    lt_token_table_t zero = {0};
    assert_null(lt_token_table_find(&zero, d));

    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_token_table_t tt;
    lt_token_table_build(&tt, &a, NULL, 0);
    assert_int_equal(tt.count, 0);
    assert_null(lt_token_table_find(&tt, d));

    /* duplicate digests: counted once, found with that digest */
    lt_token_t toks[5];
    memset(toks, 0, sizeof(toks));
    make_digest(1, toks[0].digest);
    make_digest(2, toks[1].digest);
    make_digest(1, toks[2].digest);
    make_digest(3, toks[3].digest);
    make_digest(1, toks[4].digest);
    toks[0].name = "first";
    toks[2].name = "second";
    toks[4].name = "third";
    lt_token_table_build(&tt, &a, toks, 5);
    assert_int_equal(tt.count, 3);
    const lt_token_t *t = lt_token_table_find(&tt, d);
    assert_non_null(t);
    assert_memory_equal(t->digest, d, 32);
    assert_true(t == &toks[0] || t == &toks[2] || t == &toks[4]);
    make_digest(2, d);
    assert_ptr_equal(lt_token_table_find(&tt, d), &toks[1]);
    make_digest(3, d);
    assert_ptr_equal(lt_token_table_find(&tt, d), &toks[3]);
    make_digest(4, d);
    assert_null(lt_token_table_find(&tt, d));
    lt_arena_dispose(&a);
}

static void test_table_colliding_slots(void **state)
{
    (void)state;
    /* digests sharing the bytes the slot comes from all probe the same run */
    enum { N = 40 };
    lt_token_t toks[N];
    memset(toks, 0, sizeof(toks));
    for (int i = 0; i < N; i++) {
        memset(toks[i].digest, 0x42, 32);
        toks[i].digest[31] = (uint8_t)i;
    }
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_token_table_t tt;
    lt_token_table_build(&tt, &a, toks, N);
    assert_int_equal(tt.count, N);
    for (int i = 0; i < N; i++)
        assert_ptr_equal(lt_token_table_find(&tt, toks[i].digest), &toks[i]);
    uint8_t d[32];
    memset(d, 0x42, 32);
    d[31] = N; /* same slot, not stored */
    assert_null(lt_token_table_find(&tt, d));
    /* the run wraps around the end of the table */
    uint8_t last[32];
    memset(last, 0xff, 32);
    lt_token_t wrap[3];
    memset(wrap, 0, sizeof(wrap));
    for (int i = 0; i < 3; i++) {
        memcpy(wrap[i].digest, last, 32);
        wrap[i].digest[20] = (uint8_t)i;
    }
    lt_token_table_build(&tt, &a, wrap, 3);
    for (int i = 0; i < 3; i++)
        assert_ptr_equal(lt_token_table_find(&tt, wrap[i].digest), &wrap[i]);
    lt_arena_dispose(&a);
}

/* ---- scope and expiry ---- */

static void test_has_project(void **state)
{
    (void)state;
    const char *projects[] = {"alpha", "beta"};
    lt_token_t t = {0};
    t.projects = projects;
    t.n_projects = 2;
    assert_true(lt_token_has_project(&t, "alpha"));
    assert_true(lt_token_has_project(&t, "beta"));
    assert_false(lt_token_has_project(&t, "gamma"));
    assert_false(lt_token_has_project(&t, "alph"));
    assert_false(lt_token_has_project(&t, "alphabet"));
    assert_false(lt_token_has_project(&t, ""));
    assert_false(lt_token_has_project(&t, "*"));
    t.all_projects = true;
    assert_true(lt_token_has_project(&t, "gamma"));
    assert_true(lt_token_has_project(&t, "default"));
    lt_token_t none = {0};
    assert_false(lt_token_has_project(&none, "default"));
}

static void test_live(void **state)
{
    (void)state;
    lt_token_t t = {0};
    assert_true(lt_token_live(&t, 0));
    assert_true(lt_token_live(&t, INT64_MAX));
    t.expires_at = 1000;
    assert_true(lt_token_live(&t, 0));
    assert_true(lt_token_live(&t, 999));
    assert_false(lt_token_live(&t, 1000));
    assert_false(lt_token_live(&t, 1001));
    int64_t now = lt_now_ms();
    t.expires_at = now - 1;
    assert_false(lt_token_live(&t, now));
    t.expires_at = now + 86400000;
    assert_true(lt_token_live(&t, now));
    /* a rotated token: live until its grace ends, whatever its expiry */
    t.grace_until = now + 1000;
    assert_true(lt_token_live(&t, now));
    assert_true(lt_token_live(&t, now + 999));
    assert_false(lt_token_live(&t, now + 1000));
    t.expires_at = 0;
    assert_false(lt_token_live(&t, now + 5000));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_classic),
        cmocka_unit_test(test_parse_pat_and_legacy),
        cmocka_unit_test(test_parse_v2),
        cmocka_unit_test(test_parse_other_shapes),
        cmocka_unit_test(test_generate_formats),
        cmocka_unit_test(test_generate_v2),
        cmocka_unit_test(test_table_selector),
        cmocka_unit_test(test_generate_differs_and_truncates),
        cmocka_unit_test(test_display),
        cmocka_unit_test(test_type_parse),
        cmocka_unit_test(test_digest),
        cmocka_unit_test(test_table_10000),
        cmocka_unit_test(test_table_empty_and_duplicates),
        cmocka_unit_test(test_table_colliding_slots),
        cmocka_unit_test(test_has_project),
        cmocka_unit_test(test_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
