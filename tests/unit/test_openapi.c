/*
 * test_openapi.c: latch's own OpenAPI document (src/api/openapi.c) against the route table of
 * `latch serve`, both ways: every route and method (but the catch-all patterns) is an
 * operation of the document, and every operation of the document is answered by a route. The
 * document is JSON with OpenAPI 3's top-level fields; every operation is named (by Unleash's
 * table or latch's), with a unique operationId, a summary, a security list and responses; a
 * permission route carries its permission; the page lists every operation.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <cmocka.h>

#include "api/api.h"
#include "api/openapi.h"
#include "api/route.h"

static const struct {
    unsigned bit;
    const char *lower;
} methods[] = {{LT_GET, "get"}, {LT_POST, "post"}, {LT_PUT, "put"}, {LT_PATCH, "patch"},
               {LT_DELETE, "delete"}};

static cJSON *load(void)
{
    size_t len;
    const char *j = lt_openapi_json(&len);
    assert_non_null(j);
    assert_int_equal(strlen(j), len);
    cJSON *doc = cJSON_Parse(j);
    assert_non_null(doc);
    return doc;
}

static void top_level(void **state)
{
    (void)state;
    cJSON *doc = load();
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(doc, "openapi");
    assert_true(cJSON_IsString(v));
    assert_int_equal(strncmp(v->valuestring, "3.0.", 4), 0);
    const cJSON *info = cJSON_GetObjectItemCaseSensitive(doc, "info");
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(info, "title")));
    assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(info, "version")));
    assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(doc, "paths")));
    assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(doc, "tags")));
    const cJSON *schemes = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(doc, "components"), "securitySchemes");
    assert_true(cJSON_IsObject(schemes));
    cJSON_Delete(doc);
}

/* Every route and method is in the document. */
static void routes_in_document(void **state)
{
    (void)state;
    cJSON *doc = load();
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    size_t n, bad = 0, n_ops = 0;
    const lt_route_t *all = lt_serve_routes(&n);
    for (size_t i = 0; i < n; i++) {
        if (!lt_openapi_documents(&all[i]))
            continue;
        for (size_t k = 0; k < sizeof(methods) / sizeof(*methods); k++) {
            if (!(all[i].methods & methods[k].bit))
                continue;
            char path[LT_MAX_PATH];
            lt_openapi_path(all[i].pattern, methods[k].bit, path, sizeof(path));
            const cJSON *op = cJSON_GetObjectItemCaseSensitive(
                cJSON_GetObjectItemCaseSensitive(paths, path), methods[k].lower);
            if (!op) {
                print_error("routed but not in the document: %s %s\n", methods[k].lower,
                            all[i].pattern);
                bad++;
                continue;
            }
            n_ops++;
            const cJSON *tags = cJSON_GetObjectItemCaseSensitive(op, "tags");
            if (strcmp(cJSON_GetArrayItem(tags, 0)->valuestring, "Other") == 0) {
                print_error("no name for %s %s: add it to src/api/openapi_latch.tsv\n",
                            methods[k].lower, path);
                bad++;
            }
        }
    }
    free((void *)(uintptr_t)all);
    assert_true(n_ops > 200);
    assert_int_equal(bad, 0);
    cJSON_Delete(doc);
}

/* Every operation of the document is answered by a route of the table, and is well formed. */
static void document_routed(void **state)
{
    (void)state;
    cJSON *doc = load();
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    size_t n, bad = 0;
    const lt_route_t *all = lt_serve_routes(&n);
    cJSON *ids = cJSON_CreateObject();
    const cJSON *path;
    cJSON_ArrayForEach(path, paths)
    {
        const cJSON *op;
        cJSON_ArrayForEach(op, path)
        {
            unsigned bit = 0;
            for (size_t k = 0; k < sizeof(methods) / sizeof(*methods); k++)
                if (strcmp(op->string, methods[k].lower) == 0)
                    bit = methods[k].bit;
            assert_true(bit != 0);
            bool found = false;
            for (size_t i = 0; i < n && !found; i++) {
                char p[LT_MAX_PATH];
                if (!(all[i].methods & bit) || !lt_openapi_documents(&all[i]))
                    continue;
                lt_openapi_path(all[i].pattern, bit, p, sizeof(p));
                found = strcmp(p, path->string) == 0;
            }
            if (!found) {
                print_error("in the document but not routed: %s %s\n", op->string, path->string);
                bad++;
            }
            const cJSON *id = cJSON_GetObjectItemCaseSensitive(op, "operationId");
            assert_true(cJSON_IsString(id));
            if (cJSON_HasObjectItem(ids, id->valuestring)) {
                print_error("operationId twice: %s\n", id->valuestring);
                bad++;
            }
            cJSON_AddTrueToObject(ids, id->valuestring);
            assert_true(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(op, "summary")));
            assert_true(cJSON_IsArray(cJSON_GetObjectItemCaseSensitive(op, "security")));
            assert_true(cJSON_IsObject(cJSON_GetObjectItemCaseSensitive(op, "responses")));
        }
    }
    cJSON_Delete(ids);
    free((void *)(uintptr_t)all);
    assert_int_equal(bad, 0);
    cJSON_Delete(doc);
}

/* What a few operations say, by value. */
static void declarations(void **state)
{
    (void)state;
    cJSON *doc = load();
    const cJSON *paths = cJSON_GetObjectItemCaseSensitive(doc, "paths");
    /* an Unleash operation: its operationId, the permission, the scope, the body */
    const cJSON *op = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(paths, "/api/admin/projects/{projectId}/features"),
        "post");
    assert_non_null(op);
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(op, "operationId")->valuestring,
                        "createFeature");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(op, "x-latch-permission")->valuestring,
                        "CREATE_FEATURE");
    assert_string_equal(cJSON_GetObjectItemCaseSensitive(
                            cJSON_GetObjectItemCaseSensitive(op, "x-latch-scope"), "project")
                            ->valuestring,
                        "projectId");
    assert_true(cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(op, "requestBody"), "required")));
    assert_non_null(
        cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(op, "responses"), "403"));
    /* a public one: no security requirement */
    op = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(paths, "/auth/simple/login"), "post");
    assert_non_null(op);
    assert_int_equal(cJSON_GetArraySize(cJSON_GetObjectItemCaseSensitive(op, "security")), 0);
    /* the client API: a client token */
    op = cJSON_GetObjectItemCaseSensitive(
        cJSON_GetObjectItemCaseSensitive(paths, "/api/client/features"), "get");
    assert_non_null(op);
    assert_non_null(cJSON_GetObjectItemCaseSensitive(
        cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(op, "security"), 0), "clientToken"));
    /* itself, and no catch-all */
    assert_non_null(cJSON_GetObjectItemCaseSensitive(paths, "/docs/openapi.json"));
    assert_null(cJSON_GetObjectItemCaseSensitive(paths, "/ui/*"));
    cJSON_Delete(doc);
}

static void page_lists_operations(void **state)
{
    (void)state;
    size_t len;
    const char *h = lt_openapi_html(&len);
    assert_non_null(h);
    assert_non_null(strstr(h, "<code>/api/admin/projects/{projectId}/features</code>"));
    assert_null(strstr(h, "<script"));
    assert_null(strstr(h, "style"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(top_level),
        cmocka_unit_test(routes_in_document),
        cmocka_unit_test(document_routed),
        cmocka_unit_test(declarations),
        cmocka_unit_test(page_lists_operations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
