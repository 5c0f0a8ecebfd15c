/*
 * test_log.c: unit tests for src/base/log.c, included here to reach its static line writer
 * (STYLE rule 21): JSON lines (escaping of quotes and control characters, UTF-8 kept, bad
 * bytes replaced, one line, the request id, the cut at the line limit), text lines, the level
 * and format parsers, the environment, and lt_log itself writing one line to fd 2.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "../../src/base/log.c"

static const struct timespec when = {1767323045, 678000000}; /* 2026-01-02T03:04:05.678Z */

static size_t line_of(char *out, size_t cap, lt_log_format_t f, const char *msg, const char *id)
{
    memset(out, 'Z', cap);
    size_t n = format_line(out, cap, f, LT_LOG_INFO, &when, msg, id);
    assert_true(n <= cap);
    assert_true(n > 0);
    /* one line: exactly one newline, the last byte */
    assert_int_equal(out[n - 1], '\n');
    assert_null(memchr(out, '\n', n - 1));
    return n;
}

/* Format msg as a JSON line, parse it back, and check msg comes back as want. */
static cJSON *json_of(const char *msg, const char *id, const char *want)
{
    char out[LINE_MAX_BYTES + 1];
    size_t n = line_of(out, LINE_MAX_BYTES, LT_LOG_JSON, msg, id);
    out[n] = '\0';
    cJSON *j = cJSON_Parse(out);
    if (!j)
        fail_msg("not JSON: %s", out);
    assert_string_equal(cJSON_GetObjectItem(j, "time")->valuestring, "2026-01-02T03:04:05.678Z");
    assert_string_equal(cJSON_GetObjectItem(j, "level")->valuestring, "info");
    if (want)
        assert_string_equal(cJSON_GetObjectItem(j, "msg")->valuestring, want);
    return j;
}

static void test_json_plain(void **state)
{
    (void)state;
    char out[LINE_MAX_BYTES];
    size_t n = line_of(out, sizeof(out), LT_LOG_JSON, "http: listening", NULL);
    const char *want = "{\"time\":\"2026-01-02T03:04:05.678Z\",\"level\":\"info\","
                       "\"msg\":\"http: listening\"}\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
    cJSON_Delete(json_of("http: listening", NULL, "http: listening"));
}

static void test_json_escapes(void **state)
{
    (void)state;
    cJSON_Delete(json_of("say \"hi\" \\ back\\slash", NULL, "say \"hi\" \\ back\\slash"));
    cJSON_Delete(json_of("a\nb\rc\td", NULL, "a\nb\rc\td"));
    cJSON_Delete(json_of("bell\x01\x07\x1f del\x7f", NULL, "bell\x01\x07\x1f del\x7f"));
    char out[LINE_MAX_BYTES];
    size_t n = line_of(out, sizeof(out), LT_LOG_JSON, "q\"\x01\n", NULL);
    const char *want = "\"msg\":\"q\\\"\\u0001\\n\"}\n";
    assert_true(n > strlen(want));
    assert_memory_equal(out + n - strlen(want), want, strlen(want));
}

static void test_json_utf8(void **state)
{
    (void)state;
    const char *s = "caf\xc3\xa9 \xe2\x9c\x93 \xf0\x9d\x84\x9e \xe4\xb8\xad"; /* café ✓ 𝄞 中 */
    cJSON_Delete(json_of(s, NULL, s));
    char out[LINE_MAX_BYTES];
    size_t n = line_of(out, sizeof(out), LT_LOG_JSON, s, NULL);
    assert_non_null(memmem(out, n, s, strlen(s))); /* the bytes themselves, not \u escapes */
    /* bytes that are not UTF-8 (a lone continuation, an overlong form, a surrogate, a cut
     * sequence) become U+FFFD, so the line stays valid UTF-8 */
    cJSON_Delete(json_of("a\x80z", NULL, "a\xef\xbf\xbdz"));
    cJSON_Delete(json_of("\xc0\xaf", NULL, "\xef\xbf\xbd\xef\xbf\xbd"));
    cJSON_Delete(json_of("\xed\xa0\x80!", NULL, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd!"));
    cJSON_Delete(json_of("end\xe2\x9c", NULL, "end\xef\xbf\xbd\xef\xbf\xbd"));
}

static void test_json_request_id(void **state)
{
    (void)state;
    cJSON *j = json_of("state: reloaded", "0123456789abcdef", "state: reloaded");
    assert_string_equal(cJSON_GetObjectItem(j, "requestId")->valuestring, "0123456789abcdef");
    cJSON_Delete(j);
    j = json_of("m", "from \"proxy\" \\1", "m");
    assert_string_equal(cJSON_GetObjectItem(j, "requestId")->valuestring, "from \"proxy\" \\1");
    cJSON_Delete(j);
    j = json_of("m", NULL, "m");
    assert_null(cJSON_GetObjectItem(j, "requestId"));
    cJSON_Delete(j);
}

static void test_json_long_message_is_cut(void **state)
{
    (void)state;
    /* every byte escapes to 6: the message is cut, the line stays whole and valid */
    char msg[MSG_MAX];
    memset(msg, '\x01', sizeof(msg) - 1);
    msg[sizeof(msg) - 1] = '\0';
    char id[129];
    memset(id, 'i', 128);
    id[128] = '\0';
    cJSON *j = json_of(msg, id, NULL);
    assert_string_equal(cJSON_GetObjectItem(j, "requestId")->valuestring, id);
    size_t got = strlen(cJSON_GetObjectItem(j, "msg")->valuestring);
    assert_true(got > 500 && got < sizeof(msg) - 1);
    cJSON_Delete(j);
    /* multi-byte characters are never cut in the middle */
    char wide[3 * 1500 + 1];
    for (size_t i = 0; i < 1500; i++)
        memcpy(wide + 3 * i, "\xe2\x9c\x93", 3);
    wide[3 * 1500] = '\0';
    j = json_of(wide, id, NULL);
    const char *m = cJSON_GetObjectItem(j, "msg")->valuestring;
    assert_int_equal(strlen(m) % 3, 0);
    assert_null(strstr(m, "\xef\xbf\xbd"));
    cJSON_Delete(j);
}

static void test_text_line(void **state)
{
    (void)state;
    char out[LINE_MAX_BYTES];
    size_t n = line_of(out, sizeof(out), LT_LOG_TEXT, "http: listening", NULL);
    const char *want = "2026-01-02T03:04:05.678Z info http: listening\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
    n = line_of(out, sizeof(out), LT_LOG_TEXT, "two\nlines\x01 caf\xc3\xa9", "abc123");
    want = "2026-01-02T03:04:05.678Z info two\\nlines\\x01 caf\xc3\xa9 req=abc123\n";
    assert_int_equal(n, strlen(want));
    assert_memory_equal(out, want, n);
}

static void test_level_parse(void **state)
{
    (void)state;
    lt_log_level_t l = LT_LOG_INFO;
    assert_int_equal(lt_log_level_parse("debug", &l), LT_OK);
    assert_int_equal(l, LT_LOG_DEBUG);
    assert_int_equal(lt_log_level_parse("INFO", &l), LT_OK);
    assert_int_equal(l, LT_LOG_INFO);
    assert_int_equal(lt_log_level_parse("Warn", &l), LT_OK);
    assert_int_equal(l, LT_LOG_WARN);
    assert_int_equal(lt_log_level_parse("error", &l), LT_OK);
    assert_int_equal(l, LT_LOG_ERROR);
    l = LT_LOG_DEBUG;
    assert_int_equal(lt_log_level_parse("fatal", &l), LT_OK);
    assert_int_equal(l, LT_LOG_ERROR);
    l = LT_LOG_WARN;
    static const char *const bad[] = {"", "warning", "trace", "debug ", "err", "5"};
    for (size_t i = 0; i < LT_ARRAY_LEN(bad); i++)
        assert_int_equal(lt_log_level_parse(bad[i], &l), LT_EINVAL);
    assert_int_equal(lt_log_level_parse(NULL, &l), LT_EINVAL);
    assert_int_equal(l, LT_LOG_WARN); /* untouched */
}

static void test_format_parse(void **state)
{
    (void)state;
    lt_log_format_t f = LT_LOG_TEXT;
    assert_int_equal(lt_log_format_parse("json", &f), LT_OK);
    assert_int_equal(f, LT_LOG_JSON);
    assert_int_equal(lt_log_format_parse("TEXT", &f), LT_OK);
    assert_int_equal(f, LT_LOG_TEXT);
    f = LT_LOG_JSON;
    assert_int_equal(lt_log_format_parse("logfmt", &f), LT_EINVAL);
    assert_int_equal(lt_log_format_parse("", &f), LT_EINVAL);
    assert_int_equal(lt_log_format_parse(NULL, &f), LT_EINVAL);
    assert_int_equal(f, LT_LOG_JSON);
}

/* Run fn with fd 2 on a temporary file; return what was written (free it). */
static char *capture(void (*fn)(void))
{
    FILE *tmp = tmpfile();
    assert_non_null(tmp);
    int saved = dup(STDERR_FILENO);
    assert_true(saved >= 0);
    assert_true(dup2(fileno(tmp), STDERR_FILENO) >= 0);
    fn();
    assert_true(dup2(saved, STDERR_FILENO) >= 0);
    close(saved);
    off_t n = lseek(fileno(tmp), 0, SEEK_END);
    assert_true(n >= 0);
    char *out = calloc(1, (size_t)n + 1);
    assert_int_equal(pread(fileno(tmp), out, (size_t)n, 0), n);
    fclose(tmp);
    return out;
}

static void log_some(void)
{
    lt_log_set_format(LT_LOG_JSON);
    lt_log_set_level(LT_LOG_INFO);
    lt_log_set_request_id("feedc0de12345678");
    lt_log_debug("dropped");
    lt_log_info("kept %d", 1);
    lt_log_set_request_id(NULL);
    errno = ENOENT;
    lt_log_errno(LT_LOG_WARN, "open %s", "x.db");
    lt_log_set_format(LT_LOG_TEXT);
}

static void test_lt_log_writes_lines(void **state)
{
    (void)state;
    char *out = capture(log_some);
    size_t lines = 0, len = strlen(out);
    for (size_t i = 0; i < len; i++)
        lines += out[i] == '\n';
    assert_int_equal(lines, 2); /* the debug line was dropped */
    assert_int_equal(out[len - 1], '\n');
    char *nl = strchr(out, '\n');
    assert_non_null(nl);
    *nl = '\0';
    cJSON *a = cJSON_Parse(out);
    cJSON *b = cJSON_Parse(nl + 1);
    assert_non_null(a);
    assert_non_null(b);
    assert_string_equal(cJSON_GetObjectItem(a, "msg")->valuestring, "kept 1");
    assert_string_equal(cJSON_GetObjectItem(a, "requestId")->valuestring, "feedc0de12345678");
    assert_string_equal(cJSON_GetObjectItem(b, "level")->valuestring, "warn");
    assert_string_equal(cJSON_GetObjectItem(b, "msg")->valuestring,
                        "open x.db: No such file or directory");
    assert_null(cJSON_GetObjectItem(b, "requestId"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    free(out);
}

static void env_init(void)
{
    lt_log_init_from_env();
}

static void test_init_from_env(void **state)
{
    (void)state;
    setenv("LOG_FORMAT", "json", 1);
    setenv("LOG_LEVEL", "fatal", 1);
    unsetenv("LATCH_LOG_LEVEL");
    free(capture(env_init));
    assert_int_equal(format, LT_LOG_JSON);
    assert_int_equal(min_level, LT_LOG_ERROR);
    setenv("LATCH_LOG_LEVEL", "debug", 1); /* latch's own name wins */
    setenv("LOG_FORMAT", "xml", 1);       /* ignored, and said so */
    char *out = capture(env_init);
    assert_int_equal(min_level, LT_LOG_DEBUG);
    assert_int_equal(format, LT_LOG_JSON);
    assert_non_null(strstr(out, "LOG_FORMAT=xml is not text or json"));
    free(out);
    unsetenv("LOG_FORMAT");
    unsetenv("LOG_LEVEL");
    unsetenv("LATCH_LOG_LEVEL");
    lt_log_set_format(LT_LOG_TEXT);
    lt_log_set_level(LT_LOG_INFO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_json_plain),
        cmocka_unit_test(test_json_escapes),
        cmocka_unit_test(test_json_utf8),
        cmocka_unit_test(test_json_request_id),
        cmocka_unit_test(test_json_long_message_is_cut),
        cmocka_unit_test(test_text_line),
        cmocka_unit_test(test_level_parse),
        cmocka_unit_test(test_format_parse),
        cmocka_unit_test(test_lt_log_writes_lines),
        cmocka_unit_test(test_init_from_env),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
