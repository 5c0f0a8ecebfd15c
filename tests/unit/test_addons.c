/*
 * test_addons.c: unit tests for src/api/addons.c without a network: the body template renderer
 * (escaping as mustache.js does, sections, Unleash's eventMarkdown rule, the limits), the
 * public/non-public address ranges and the URL check of the admin API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/addons.h"

/* Render tmpl over the JSON ctx; returns the body (static) or "ERR: <message>". */
static const char *render(const char *tmpl, const char *ctx_json)
{
    static char out[4096];
    cJSON *ctx = cJSON_Parse(ctx_json);
    assert_non_null(ctx);
    lt_buf_t b;
    lt_buf_init(&b, LT_ADDON_BODY_MAX);
    const char *err = NULL;
    if (lt_addon_render(&b, tmpl, ctx, &err) == LT_OK)
        snprintf(out, sizeof(out), "%.*s", (int)b.len, b.ptr ? b.ptr : "");
    else
        snprintf(out, sizeof(out), "ERR: %s", err);
    lt_buf_dispose(&b);
    cJSON_Delete(ctx);
    return out;
}

static void test_variables(void **state)
{
    (void)state;
    const char *ctx = "{\"event\":{\"type\":\"feature-created\",\"n\":42,\"f\":1.5,\"ok\":true,"
                      "\"nul\":null,\"data\":{\"name\":\"a<b>&\\\"c'/`=\"},\"list\":[1,\"x\"]}}";
    assert_string_equal(render("{{event.type}}", ctx), "feature-created");
    assert_string_equal(render("{{ event.type }}|{{event.n}}|{{event.f}}|{{event.ok}}", ctx),
                        "feature-created|42|1.5|true");
    assert_string_equal(render("[{{event.nul}}][{{event.missing}}][{{nope.x}}]", ctx), "[][][]");
    assert_string_equal(render("{{event.data.name}}", ctx),
                        "a&lt;b&gt;&amp;&quot;c&#39;&#x2F;&#x60;&#x3D;");
    assert_string_equal(render("{{{event.data.name}}}", ctx), "a<b>&\"c'/`=");
    assert_string_equal(render("{{& event.data.name}}", ctx), "a<b>&\"c'/`=");
    assert_string_equal(render("{{event.data}}", ctx), "[object Object]");
    assert_string_equal(render("{{event.list}}|{{event.list.1}}", ctx), "1,x|x");
    assert_string_equal(render("a{{! a comment }}b{{> partial}}c", ctx), "abc");
    assert_string_equal(render("no tags {{ unclosed", ctx), "no tags {{ unclosed");
}

static void test_sections(void **state)
{
    (void)state;
    const char *ctx = "{\"event\":{\"env\":\"prod\",\"none\":\"\",\"tags\":[{\"v\":\"a\"},"
                      "{\"v\":\"b\"}],\"data\":{\"name\":\"f\"}},\"top\":\"T\"}";
    assert_string_equal(render("{{#event.env}}in {{event.env}}{{/event.env}}", ctx), "in prod");
    assert_string_equal(render("{{#event.none}}x{{/event.none}}{{^event.none}}y{{/event.none}}",
                               ctx),
                        "y");
    assert_string_equal(render("{{#event.tags}}[{{v}}]{{/event.tags}}", ctx), "[a][b]");
    /* an object becomes the context; names not in it are looked up outside */
    assert_string_equal(render("{{#event.data}}{{name}}/{{top}}{{/event.data}}", ctx), "f/T");
    assert_string_equal(render("{{#event.tags}}{{#v}}<{{.}}>{{/v}}{{/event.tags}}", ctx),
                        "<a><b>");
    assert_string_equal(render("{{#event.env}}never closed", ctx),
                        "ERR: a section of the template is not closed");
    assert_string_equal(render("{{#a}}x{{/b}}", ctx), "ERR: a section of the template is not closed");
    assert_string_equal(render("x{{/event.env}}", ctx),
                        "ERR: the template closes a section it did not open");
    char deep[512] = "";
    for (int i = 0; i < 20; i++)
        strcat(deep, "{{#top}}");
    for (int i = 0; i < 20; i++)
        strcat(deep, "{{/top}}");
    assert_string_equal(render(deep, ctx), "ERR: sections are nested too deep (16 at most)");
}

static void test_event_markdown(void **state)
{
    (void)state;
    const char *ctx = "{\"eventMarkdown\":\"*admin* said \\\"hi\\\"\\nbye\"}";
    /* inside a JSON string: JSON-escaped; outside one: as it is (Unleash's rule) */
    assert_string_equal(render("{\"text\":\"{{eventMarkdown}}\"}", ctx),
                        "{\"text\":\"*admin* said \\\"hi\\\"\\nbye\"}");
    assert_string_equal(render("{{eventMarkdown}}", ctx), "*admin* said \"hi\"\nbye");
}

static void test_limits(void **state)
{
    (void)state;
    /* a body over LT_ADDON_BODY_MAX is refused, not cut */
    size_t n = 100000;
    char *big = malloc(n + 64);
    memset(big, 'x', n);
    big[n] = 0;
    char *ctx = malloc(n + 64);
    snprintf(ctx, n + 64, "{\"v\":\"%s\"}", big);
    assert_string_equal(render("{{v}}{{v}}{{v}}", ctx), "ERR: the rendered body is over 256 KiB");
    free(big);
    free(ctx);
    /* many {{eventMarkdown}} in one string: one pass over the output, not one per tag */
    char *many = malloc(17 * 3000 + 8);
    strcpy(many, "\"");
    for (int i = 0; i < 3000; i++)
        strcat(many + i * 17, "{{eventMarkdown}}");
    strcat(many, "\"");
    cJSON *md = cJSON_Parse("{\"eventMarkdown\":\"*admin* \\\"enabled\\\" *a-flag* in *prod*\"}");
    lt_buf_t mb;
    lt_buf_init(&mb, LT_ADDON_BODY_MAX);
    const char *merr = NULL;
    assert_int_equal(lt_addon_render(&mb, many, md, &merr), LT_OK);
    assert_int_equal(mb.len, 2 + 3000 * strlen("*admin* \\\"enabled\\\" *a-flag* in *prod*"));
    lt_buf_dispose(&mb);
    cJSON_Delete(md);
    free(many);
    /* work bounded: nested sections over lists that render nothing */
    const char *list = "{\"l\":[1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1,1]}";
    char t[512] = "";
    for (int i = 0; i < 6; i++)
        strcat(t, "{{#l}}");
    for (int i = 0; i < 6; i++)
        strcat(t, "{{/l}}");
    assert_string_equal(render(t, list), "ERR: the template takes too much work to render");
}

static void test_context(void **state)
{
    (void)state;
    lt_event_row_t e = {.id = 7,
                        .type = "feature-environment-enabled",
                        .created_at = 1700000000000,
                        .created_by = "admin",
                        .created_by_user_id = 1,
                        .project = "default",
                        .environment = "production",
                        .feature_name = "f1",
                        .data = "{\"name\":\"f1\"}",
                        .pre_data = NULL};
    cJSON *ctx = lt_addon_context(&e);
    assert_non_null(ctx);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    const char *err = NULL;
    assert_int_equal(lt_addon_render(&b, "{\"j\":{{{eventJson}}},\"n\":\"{{event.data.name}}\"}",
                                     ctx, &err),
                     LT_OK);
    char *body = lt_buf_take(&b, NULL);
    cJSON *j = cJSON_Parse(body);
    assert_non_null(j);
    const cJSON *inner = cJSON_GetObjectItem(j, "j");
    assert_true(cJSON_IsString(inner)); /* the event as a JSON string, as Unleash sends it */
    cJSON *ev = cJSON_Parse(inner->valuestring);
    assert_string_equal(cJSON_GetObjectItem(ev, "type")->valuestring, "feature-environment-enabled");
    assert_string_equal(cJSON_GetObjectItem(ev, "createdAt")->valuestring,
                        "2023-11-14T22:13:20.000Z");
    assert_string_equal(cJSON_GetObjectItem(j, "n")->valuestring, "f1");
    cJSON_Delete(ev);
    cJSON_Delete(j);
    free(body);
    cJSON_Delete(ctx);
}

static void test_addresses(void **state)
{
    (void)state;
    const char *public[] = {"8.8.8.8", "93.184.216.34", "2606:4700::1111", "172.32.0.1"};
    const char *private[] = {"127.0.0.1", "10.2.3.4",    "172.16.0.1",       "192.168.1.1",
                             "169.254.169.254", "0.0.0.0", "100.64.0.1",   "224.0.0.1",
                             "::1",             "::",      "fe80::1",      "fd00::1",
                             "ff02::1",         "::ffff:127.0.0.1", "64:ff9b::808:808",
                             "not an address"};
    for (size_t i = 0; i < sizeof(public) / sizeof(*public); i++)
        assert_true(lt_addon_addr_public(public[i]));
    for (size_t i = 0; i < sizeof(private) / sizeof(*private); i++)
        assert_false(lt_addon_addr_public(private[i]));
}

static void test_url_check(void **state)
{
    (void)state;
    lt_addons_set_allow_private(false);
    assert_null(lt_addon_url_check("https://hooks.example.com/a/b?c=d"));
    assert_null(lt_addon_url_check("http://8.8.8.8:8080/x"));
    assert_non_null(lt_addon_url_check("http://127.0.0.1:9/x"));
    assert_non_null(lt_addon_url_check("http://[::1]/x"));
    assert_non_null(lt_addon_url_check("http://LOCALHOST/x"));
    assert_non_null(lt_addon_url_check("http://a.localhost/x"));
    assert_non_null(lt_addon_url_check("ftp://example.com/x"));
    assert_non_null(lt_addon_url_check("file:///etc/passwd"));
    assert_non_null(lt_addon_url_check("example.com/x"));
    assert_non_null(lt_addon_url_check("http://u:p@example.com/"));
    assert_non_null(lt_addon_url_check("http://example.com/a b"));
    assert_non_null(lt_addon_url_check(""));
    lt_addons_set_allow_private(true);
    assert_null(lt_addon_url_check("http://127.0.0.1:9/x"));
    assert_null(lt_addon_url_check("http://localhost:9/x"));
    assert_non_null(lt_addon_url_check("gopher://127.0.0.1/"));
    lt_addons_set_allow_private(false);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_variables),     cmocka_unit_test(test_sections),
        cmocka_unit_test(test_event_markdown), cmocka_unit_test(test_limits),
        cmocka_unit_test(test_context),       cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_url_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
