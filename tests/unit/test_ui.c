/*
 * test_ui.c: the admin page's embedded files and the base path. The table scripts/embed-ui.pl
 * writes is sorted (ui.c looks files up by bisection), every file has its gzip copy (which
 * inflates to the same bytes) and an ETag of the bytes; the base paths the CLI takes are the
 * ones the router can strip and the page can carry without escaping.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "api/api.h"
#include "api/ui_assets.h"

static void assets_are_sorted_complete_and_compressed(void **state)
{
    (void)state;
    assert_true(lt_ui_n_assets >= 3);
    bool index = false, app = false;
    for (size_t i = 0; i < lt_ui_n_assets; i++) {
        const lt_ui_asset_t *a = &lt_ui_assets[i];
        if (i)
            assert_true(strcmp(lt_ui_assets[i - 1].path, a->path) < 0);
        index |= strcmp(a->path, "/index.html") == 0;
        app |= strcmp(a->path, "/app.js") == 0;
        assert_true(a->path[0] == '/');
        assert_non_null(a->type);
        assert_int_equal(strlen(a->etag), 18);
        assert_int_equal(strncmp(a->gz_etag, a->etag, 17), 0);
        /* the gzip copy inflates to the bytes */
        unsigned char *out = malloc(a->len + 1);
        z_stream z = {0};
        assert_int_equal(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
        z.next_in = (unsigned char *)(uintptr_t)a->gz;
        z.avail_in = (unsigned)a->gz_len;
        z.next_out = out;
        z.avail_out = (unsigned)a->len + 1;
        assert_int_equal(inflate(&z, Z_FINISH), Z_STREAM_END);
        assert_int_equal(z.total_out, a->len);
        assert_memory_equal(out, a->body, a->len);
        inflateEnd(&z);
        free(out);
    }
    assert_true(index && app);
    assert_null(lt_ui_assets[lt_ui_n_assets].path);
}

static void base_paths(void **state)
{
    (void)state;
    const char *good[] = {"/unleash", "/a/b", "/x-1._~y", "/.well"};
    const char *bad[] = {"",      "unleash", "/",     "/a/",       "//a",  "/a//b", "/.",
                         "/a/..", "/a b",    "/a\"b", "/<script>", "/a?b", "/a#b",  "/ü"};
    for (size_t i = 0; i < sizeof(good) / sizeof(*good); i++)
        assert_true(lt_ui_base_path_ok(good[i]));
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++)
        assert_false(lt_ui_base_path_ok(bad[i]));
    assert_false(lt_ui_base_path_ok(NULL));
    char long_path[260] = "/";
    memset(long_path + 1, 'a', 250);
    assert_false(lt_ui_base_path_ok(long_path));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(assets_are_sorted_complete_and_compressed),
        cmocka_unit_test(base_paths),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
