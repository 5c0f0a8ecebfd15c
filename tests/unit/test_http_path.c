/*
 * test_http_path.c: unit tests for the static path helpers of src/http/server.c, included
 * here to reach them (STYLE rule 21, h2o t/00unit): normalise() and the route matcher.
 * The inclusion defines every symbol of server.c in this object, so the linker never pulls
 * server.o out of liblatch.a and nothing is defined twice.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include "../../src/http/server.c"

static void norm_ok(const char *in, const char *want)
{
    char out[LT_MAX_PATH];
    memset(out, 'Z', sizeof(out));
    int rc = normalise(in, out, sizeof(out));
    if (rc != LT_OK)
        fail_msg("normalise(\"%s\") = %d, want LT_OK", in, rc);
    if (strcmp(out, want) != 0)
        fail_msg("normalise(\"%s\") = \"%s\", want \"%s\"", in, out, want);
}

static void norm_err(const char *in, int want)
{
    char out[LT_MAX_PATH];
    int rc = normalise(in, out, sizeof(out));
    if (rc != want)
        fail_msg("normalise(\"%s\") = %d, want %d", in, rc, want);
}

static void test_collapse_and_dots(void **state)
{
    (void)state;
    norm_ok("/", "/");
    norm_ok("//", "/");
    norm_ok("///", "/");
    norm_ok("/api/client/features", "/api/client/features");
    norm_ok("//api//client///features", "/api/client/features");
    norm_ok("/api/./client/.", "/api/client");
    norm_ok("/./././", "/");
    norm_ok("/.", "/");
    norm_ok("/api/client/../admin", "/api/admin");
    norm_ok("/api/client/features/..", "/api/client");
    norm_ok("/a/b/c/../../d", "/a/d");
    norm_ok("/a/..", "/");
    norm_ok("/a/../", "/");
    norm_ok("/a/./b/.//../c/", "/a/c");
    /* only exact "." and ".." segments are special */
    norm_ok("/a/.b/..c/.../b..", "/a/.b/..c/.../b..");
    norm_ok("/a/%2e%2e/b", "/a/%2e%2e/b"); /* not decoded here: libmicrohttpd did that */
    /* trailing slashes go */
    norm_ok("/api/client/features/", "/api/client/features");
    norm_ok("/api/client/features//", "/api/client/features");
    /* bytes that are not control characters stay */
    norm_ok("/caf\xc3\xa9/a b/~x/:y", "/caf\xc3\xa9/a b/~x/:y");
}

static void test_never_above_root(void **state)
{
    (void)state;
    norm_ok("/..", "/");
    norm_ok("/../", "/");
    norm_ok("/../..", "/");
    norm_ok("/../../etc/passwd", "/etc/passwd");
    norm_ok("/a/b/../../../c", "/c");
    norm_ok("/a/../../../../b/../c/", "/c");
    norm_ok("/api/../../api/client", "/api/client");
}

static void test_rejects(void **state)
{
    (void)state;
    /* relative or empty */
    norm_err("", LT_EINVAL);
    norm_err("api/client", LT_EINVAL);
    norm_err("./x", LT_EINVAL);
    norm_err("../x", LT_EINVAL);
    norm_err("*", LT_EINVAL);
    norm_err("http://host/x", LT_EINVAL);
    norm_err(" /x", LT_EINVAL);
    /* control characters anywhere in a kept segment */
    norm_err("/a\x01"
             "b",
             LT_EINVAL);
    norm_err("/a\tb", LT_EINVAL);
    norm_err("/a\nb", LT_EINVAL);
    norm_err("/a\rb", LT_EINVAL);
    norm_err("/a\x1f", LT_EINVAL);
    norm_err("/a\x7f", LT_EINVAL);
    norm_err("/api/client/features/x\x1b[31m", LT_EINVAL);
    norm_err("/../\x01", LT_EINVAL);
    norm_err("/\x01/..", LT_EINVAL); /* checked before '..' removes it */
}

static void test_length_limit(void **state)
{
    (void)state;
    char in[LT_MAX_PATH * 3];
    char out[LT_MAX_PATH];
    /* "/" + 2046 chars + NUL fills the buffer exactly */
    in[0] = '/';
    memset(in + 1, 'a', LT_MAX_PATH - 2);
    in[LT_MAX_PATH - 1] = '\0';
    assert_int_equal(normalise(in, out, sizeof(out)), LT_OK);
    assert_int_equal(strlen(out), LT_MAX_PATH - 1);
    assert_string_equal(out, in);
    /* one more does not fit */
    memset(in + 1, 'a', LT_MAX_PATH - 1);
    in[LT_MAX_PATH] = '\0';
    assert_int_equal(normalise(in, out, sizeof(out)), LT_ELIMIT);
    /* many short segments adding up past the limit */
    size_t n = 0;
    while (n + 5 < sizeof(in) - 1) {
        memcpy(in + n, "/abcd", 5);
        n += 5;
    }
    in[n] = '\0';
    assert_int_equal(normalise(in, out, sizeof(out)), LT_ELIMIT);
    /* a long input whose normal form is short is fine */
    n = 0;
    memcpy(in, "/a", 2);
    n = 2;
    while (n + 7 < sizeof(in) - 1) {
        memcpy(in + n, "/xy/../", 7);
        n += 7;
    }
    in[n] = '\0';
    assert_true(strlen(in) > LT_MAX_PATH);
    assert_int_equal(normalise(in, out, sizeof(out)), LT_OK);
    assert_string_equal(out, "/a");
    /* with redundant slashes the limit applies to the output */
    n = 0;
    in[n++] = '/';
    for (int i = 0; i < 3000; i++)
        in[n++] = '/';
    memcpy(in + n, "x", 2);
    assert_int_equal(normalise(in, out, sizeof(out)), LT_OK);
    assert_string_equal(out, "/x");
    /* small buffers */
    char small[4];
    assert_int_equal(normalise("/ab", small, sizeof(small)), LT_OK);
    assert_string_equal(small, "/ab");
    assert_int_equal(normalise("/abc", small, sizeof(small)), LT_ELIMIT);
    assert_int_equal(normalise("/ab/", small, sizeof(small)), LT_OK);
    assert_int_equal(normalise("/a/b", small, sizeof(small)), LT_ELIMIT);
    char two[2];
    assert_int_equal(normalise("//", two, sizeof(two)), LT_OK);
    assert_string_equal(two, "/");
}

/* ---- routing ---- */

static bool match_path(lt_req_t *r, const char *path, const char *pattern, lt_params_t *p)
{
    assert_int_equal(normalise(path, r->path, sizeof(r->path)), LT_OK);
    return match(r, pattern, p);
}

static void test_match(void **state)
{
    (void)state;
    lt_req_t *r = lt_xcalloc(1, sizeof(*r));
    lt_arena_init(&r->arena, 0);
    lt_params_t p;
    assert_true(match_path(r, "/api/client/features", "/api/client/features", &p));
    assert_int_equal(p.n, 0);
    assert_true(match_path(r, "//api/client/features/", "/api/client/features", &p));
    assert_false(match_path(r, "/api/client/feature", "/api/client/features", &p));
    assert_false(match_path(r, "/api/client/featuresx", "/api/client/features", &p));
    assert_false(match_path(r, "/api/client", "/api/client/features", &p));
    assert_false(match_path(r, "/api/client/features/x", "/api/client/features", &p));
    assert_true(match_path(r, "/", "/", &p));
    assert_false(match_path(r, "/health", "/", &p));

    assert_true(match_path(r, "/api/client/features/my-flag", "/api/client/features/:name", &p));
    assert_int_equal(p.n, 1);
    assert_string_equal(p.name[0], "name");
    assert_string_equal(p.value[0], "my-flag");
    assert_false(match_path(r, "/api/client/features", "/api/client/features/:name", &p));
    assert_false(match_path(r, "/api/client/features/a/b", "/api/client/features/:name", &p));
    assert_true(match_path(r, "/api/admin/projects/p1/features/f1",
                           "/api/admin/projects/:projectId/features/:featureName", &p));
    assert_int_equal(p.n, 2);
    assert_string_equal(p.name[0], "projectId");
    assert_string_equal(p.value[0], "p1");
    assert_string_equal(p.name[1], "featureName");
    assert_string_equal(p.value[1], "f1");
    /* '..' was resolved before matching: no escaping a parameter */
    assert_true(match_path(r, "/api/client/features/x/../y", "/api/client/features/:name", &p));
    assert_string_equal(p.value[0], "y");

    /* a final '*' takes the rest */
    assert_true(match_path(r, "/admin/static/js/app.js", "/admin/*", &p));
    assert_true(match_path(r, "/admin/x", "/admin/*", &p));
    assert_false(match_path(r, "/administrator/x", "/admin/*", &p));
    /* more parameters than fit are refused, not overrun */
    assert_false(match_path(r, "/a/b/c/d/e", "/:p1/:p2/:p3/:p4/:p5", &p));
    assert_true(match_path(r, "/a/b/c/d", "/:p1/:p2/:p3/:p4", &p));
    assert_int_equal(p.n, LT_MAX_PARAMS);
    assert_string_equal(p.value[3], "d");
    lt_arena_dispose(&r->arena);
    free(r);
}

static void test_method_names(void **state)
{
    (void)state;
    char out[96];
    assert_string_equal(method_names(LT_GET | LT_HEAD, out, sizeof(out)), "GET, HEAD");
    assert_string_equal(method_names(LT_POST, out, sizeof(out)), "POST");
    assert_string_equal(method_names(LT_GET | LT_PUT | LT_DELETE, out, sizeof(out)),
                        "GET, PUT, DELETE");
    assert_string_equal(method_names(0, out, sizeof(out)), "");
    char tiny[8];
    method_names(LT_GET | LT_HEAD | LT_POST, tiny, sizeof(tiny));
    assert_string_equal(tiny, "GET, HE");
    assert_int_equal(method_of("GET"), LT_GET);
    assert_int_equal(method_of("DELETE"), LT_DELETE);
    assert_int_equal(method_of("get"), LT_OTHER);
    assert_int_equal(method_of("TRACE"), LT_OTHER);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collapse_and_dots),
        cmocka_unit_test(test_never_above_root),
        cmocka_unit_test(test_rejects),
        cmocka_unit_test(test_length_limit),
        cmocka_unit_test(test_match),
        cmocka_unit_test(test_method_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
