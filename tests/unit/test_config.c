/*
 * test_config.c: unit tests for src/cli/conf.c, the configuration file of `latch serve`:
 * comments, blanks, spaces and quotes; errors that name the file and line (no '=', an unknown
 * key, a key set twice, a NUL byte); values checked by kind; the environment over the file and
 * the command line over both.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli/conf.h"

enum { PORT, BIND, PROXIES, LEVEL, FORMAT, N };

static void items_init(lt_conf_item_t it[N])
{
    const lt_conf_item_t init[N] = {
        [PORT] = {"port", LT_CONF_INT, 0, 65535, {"TEST_CONF_PORT", "TEST_CONF_PORT2"}, "4242"},
        [BIND] = {"bind", LT_CONF_STRING, 0, 0, {"TEST_CONF_BIND"}, "0.0.0.0"},
        [PROXIES] = {"trusted-proxies", LT_CONF_STRING, 0, 0, {NULL}, NULL},
        [LEVEL] = {"log-level", LT_CONF_LOG_LEVEL, 0, 0, {NULL}, NULL},
        [FORMAT] = {"log-format", LT_CONF_LOG_FORMAT, 0, 0, {NULL}, NULL},
    };
    memcpy(it, init, sizeof(init));
}

/* Parse text as the file "t.conf"; returns the result, err filled on failure. */
static int parse(lt_arena_t *a, lt_conf_item_t it[N], const char *text, lt_conf_err_t *err)
{
    items_init(it);
    memset(err, 0, sizeof(*err));
    return lt_conf_parse(a, "t.conf", text, strlen(text), it, N, err);
}

static void test_lines(void **state)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_conf_item_t it[N];
    lt_conf_err_t err;
    const char *text = "# a comment\n"
                       "\n"
                       "   port   =  8080  \r\n"
                       "\t# indented comment\n"
                       "bind=127.0.0.1\n"
                       "trusted-proxies = \"10.0.0.1, 10.0.0.2 # not a comment\"\n"
                       "log-level =";
    assert_int_equal(parse(&a, it, text, &err), LT_OK);
    assert_string_equal(it[PORT].value, "8080");
    assert_int_equal(it[PORT].line, 3);
    assert_string_equal(it[PORT].origin, "t.conf:3");
    assert_string_equal(it[BIND].value, "127.0.0.1");
    assert_string_equal(it[PROXIES].value, "10.0.0.1, 10.0.0.2 # not a comment");
    assert_string_equal(it[LEVEL].value, "");
    assert_int_equal(it[LEVEL].line, 7);
    assert_null(it[FORMAT].value);
    assert_int_equal(it[FORMAT].line, 0);
    /* an empty file and one of comments only set nothing */
    assert_int_equal(parse(&a, it, "", &err), LT_OK);
    assert_int_equal(parse(&a, it, "#\n# port = 1\n", &err), LT_OK);
    assert_string_equal(it[PORT].value, "4242");
    lt_arena_dispose(&a);
}

static void test_errors_name_the_line(void **state)
{
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"port = 1\nnonsense\n", "t.conf:2: expected `key = value`"},
        {"\n\n = 3\n", "t.conf:3: expected `key = value`"},
        {"port = 1\ncolour = blue\n", "t.conf:2: unknown key \"colour\""},
        {"--port = 1\n", "t.conf:1: unknown key \"--port\""},
        {"Port = 1\n", "t.conf:1: unknown key \"Port\""},
        {"port = 1\n# x\nport = 2\n", "t.conf:3: port is set twice (first on line 1)"},
    };
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_conf_item_t it[N];
    lt_conf_err_t err;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(parse(&a, it, cases[i].text, &err), LT_EINVAL);
        assert_string_equal(err.msg, cases[i].msg);
    }
    items_init(it);
    const char nul[] = "port = 1\nbind = a\0b\n";
    assert_int_equal(lt_conf_parse(&a, "t.conf", nul, sizeof(nul) - 1, it, N, &err), LT_EINVAL);
    assert_string_equal(err.msg, "t.conf:2: a NUL byte");
    lt_arena_dispose(&a);
}

static void test_values_checked(void **state)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_conf_item_t it[N];
    lt_conf_err_t err;
    assert_int_equal(parse(&a, it, "port = 65535\nlog-level = warn\nlog-format = json\n", &err),
                     LT_OK);
    assert_int_equal(lt_conf_check(it, N, &err), LT_OK);
    assert_int_equal(it[PORT].num, 65535);
    static const struct {
        const char *text, *msg;
    } bad[] = {
        {"\nport = 65536\n",
         "t.conf:2: port must be a number between 0 and 65535 (got \"65536\")"},
        {"port = 80 # web\n",
         "t.conf:1: port must be a number between 0 and 65535 (got \"80 # web\")"},
        {"port =\n", "t.conf:1: port must be a number between 0 and 65535 (got \"\")"},
        {"port = -1\n", "t.conf:1: port must be a number between 0 and 65535 (got \"-1\")"},
        {"log-level = loud\n",
         "t.conf:1: log-level must be debug, info, warn or error (got \"loud\")"},
        {"log-format = xml\n", "t.conf:1: log-format must be text or json (got \"xml\")"},
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(parse(&a, it, bad[i].text, &err), LT_OK);
        assert_int_equal(lt_conf_check(it, N, &err), LT_EINVAL);
        assert_string_equal(err.msg, bad[i].msg);
    }
    lt_arena_dispose(&a);
}

static void test_precedence(void **state)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_conf_item_t it[N];
    lt_conf_err_t err;
    unsetenv("TEST_CONF_PORT");
    unsetenv("TEST_CONF_PORT2");
    unsetenv("TEST_CONF_BIND");
    assert_int_equal(parse(&a, it, "port = 1000\nbind = 10.0.0.1\n", &err), LT_OK);
    /* file over the default */
    lt_conf_apply_env(it, N);
    assert_string_equal(it[PORT].value, "1000");
    /* the second variable when the first is unset or empty; the first when both are set */
    setenv("TEST_CONF_PORT", "", 1);
    setenv("TEST_CONF_PORT2", "2002", 1);
    lt_conf_apply_env(it, N);
    assert_string_equal(it[PORT].value, "2002");
    assert_string_equal(it[PORT].origin, "TEST_CONF_PORT2");
    setenv("TEST_CONF_PORT", "2001", 1);
    lt_conf_apply_env(it, N);
    assert_string_equal(it[PORT].value, "2001");
    assert_string_equal(it[BIND].value, "10.0.0.1");
    /* the command line over the environment, and its name in a message */
    lt_conf_set_option(lt_conf_find(it, N, "port"), "nope");
    assert_int_equal(lt_conf_check(it, N, &err), LT_EINVAL);
    assert_string_equal(err.msg, "--port must be a number between 0 and 65535 (got \"nope\")");
    lt_conf_set_option(lt_conf_find(it, N, "port"), "3003");
    assert_int_equal(lt_conf_check(it, N, &err), LT_OK);
    assert_int_equal(it[PORT].num, 3003);
    /* a bad environment value is named by its variable */
    setenv("TEST_CONF_PORT", "x", 1);
    items_init(it);
    lt_conf_apply_env(it, N);
    assert_int_equal(lt_conf_check(it, N, &err), LT_EINVAL);
    assert_string_equal(err.msg,
                        "TEST_CONF_PORT must be a number between 0 and 65535 (got \"x\")");
    assert_null(lt_conf_find(it, N, "nope"));
    unsetenv("TEST_CONF_PORT");
    unsetenv("TEST_CONF_PORT2");
    lt_arena_dispose(&a);
}

static void test_load(void **state)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_conf_item_t it[N];
    lt_conf_err_t err;
    items_init(it);
    assert_int_equal(lt_conf_load(&a, "/nonexistent/latch.conf", it, N, &err), LT_ERR);
    assert_string_equal(err.msg, "/nonexistent/latch.conf: No such file or directory");
    char path[] = "/tmp/latch-test-conf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs("port = 4343\nunknown = 1\n", f);
    fclose(f);
    assert_int_equal(lt_conf_load(&a, path, it, N, &err), LT_EINVAL);
    char want[128];
    snprintf(want, sizeof(want), "%s:2: unknown key \"unknown\"", path);
    assert_string_equal(err.msg, want);
    unlink(path);
    lt_arena_dispose(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lines),
        cmocka_unit_test(test_errors_name_the_line),
        cmocka_unit_test(test_values_checked),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
