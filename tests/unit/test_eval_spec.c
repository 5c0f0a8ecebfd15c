/*
 * test_eval_spec.c: runs the whole Unleash client specification (@unleash/client-specification,
 * every file of its index.json: isEnabled `tests` and getVariant `variantTests`) against src/eval.
 * The directory is found relative to the repository root (where `make unit` runs), or given by
 * LATCH_SPEC_DIR. Every failure is printed with its file and description.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "base/arena.h"
#include "eval/eval.h"
#include "model/delta.h"

#define SPEC_DIR "tests/js/node_modules/@unleash/client-specification/specifications"
#define EXPECTED_CASES 279
#define MAX_PROPS 32

typedef struct {
    int passed, failed;
} tally_t;

static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    if (!f)
        return NULL;
    if (fseek(f, 0, SEEK_END) != 0)
        goto done;
    long n = ftell(f);
    if (n < 0 || fseek(f, 0, SEEK_SET) != 0)
        goto done;
    buf = malloc((size_t)n + 1);
    if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
        goto done;
    }
    buf[n] = '\0';
    *out_len = (size_t)n;
done:
    fclose(f);
    return buf;
}

static lt_str_t json_str(const cJSON *obj, const char *key)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(j) ? lt_str_c(j->valuestring) : (lt_str_t){NULL, 0};
}

/* A test's context: strings point into the cJSON tree; null properties stay null. */
static void build_context(const cJSON *c, lt_context_t *ctx, lt_prop_t *props)
{
    memset(ctx, 0, sizeof(*ctx));
    ctx->user_id = json_str(c, "userId");
    ctx->session_id = json_str(c, "sessionId");
    ctx->remote_address = json_str(c, "remoteAddress");
    ctx->environment = json_str(c, "environment");
    ctx->app_name = json_str(c, "appName");
    ctx->current_time = json_str(c, "currentTime");
    const cJSON *p = cJSON_GetObjectItemCaseSensitive(c, "properties");
    const cJSON *it;
    cJSON_ArrayForEach(it, p)
    {
        if (ctx->n_props == MAX_PROPS)
            break;
        lt_prop_t *x = &props[ctx->n_props++];
        x->key = lt_str_c(it->string);
        x->value = cJSON_IsString(it) ? lt_str_c(it->valuestring) : (lt_str_t){NULL, 0};
    }
    ctx->props = props;
}

static bool payload_matches(const cJSON *expected, const lt_payload_t *got)
{
    if (!expected || cJSON_IsNull(expected))
        return got == NULL;
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(expected, "type");
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(expected, "value");
    return got && cJSON_IsString(type) && cJSON_IsString(value) &&
           strcmp(type->valuestring, got->type) == 0 && strcmp(value->valuestring, got->value) == 0;
}

static void fail_case(tally_t *t, const char *file, const cJSON *test, const char *what)
{
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(test, "description");
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(test, "toggleName");
    printf("FAIL %s: %s [toggle %s]: %s\n", file, cJSON_IsString(desc) ? desc->valuestring : "?",
           cJSON_IsString(name) ? name->valuestring : "?", what);
    t->failed++;
}

static const lt_eval_feature_t *toggle_of(const lt_eval_env_t *e, const cJSON *test)
{
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(test, "toggleName");
    if (!cJSON_IsString(name))
        return NULL;
    return lt_eval_find(e, name->valuestring, strlen(name->valuestring));
}

static void run_enabled_tests(const lt_eval_env_t *e, const char *file, const cJSON *tests,
                              tally_t *t)
{
    const cJSON *test;
    cJSON_ArrayForEach(test, tests)
    {
        lt_context_t ctx;
        lt_prop_t props[MAX_PROPS];
        build_context(cJSON_GetObjectItemCaseSensitive(test, "context"), &ctx, props);
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(test, "expectedResult");
        bool got = lt_eval_is_enabled(e, toggle_of(e, test), &ctx);
        if (!cJSON_IsBool(want) || got != (bool)cJSON_IsTrue(want))
            fail_case(t, file, test, got ? "expected false, got true" : "expected true, got false");
        else
            t->passed++;
    }
}

static void run_variant_tests(const lt_eval_env_t *e, const char *file, const cJSON *tests,
                              tally_t *t)
{
    const cJSON *test;
    cJSON_ArrayForEach(test, tests)
    {
        lt_context_t ctx;
        lt_prop_t props[MAX_PROPS];
        build_context(cJSON_GetObjectItemCaseSensitive(test, "context"), &ctx, props);
        const cJSON *want = cJSON_GetObjectItemCaseSensitive(test, "expectedResult");
        lt_variant_result_t got;
        lt_eval_variant(e, toggle_of(e, test), &ctx, &got);
        const cJSON *name = cJSON_GetObjectItemCaseSensitive(want, "name");
        const cJSON *enabled = cJSON_GetObjectItemCaseSensitive(want, "enabled");
        const cJSON *fe = cJSON_GetObjectItemCaseSensitive(want, "feature_enabled");
        char what[512];
        snprintf(what, sizeof(what), "got {name:%s, enabled:%d, feature_enabled:%d, payload:%s/%s}",
                 got.name, got.enabled, got.feature_enabled, got.payload ? got.payload->type : "-",
                 got.payload ? got.payload->value : "-");
        if (!cJSON_IsString(name) || strcmp(name->valuestring, got.name) != 0 ||
            !cJSON_IsBool(enabled) || got.enabled != (bool)cJSON_IsTrue(enabled) ||
            !cJSON_IsBool(fe) || got.feature_enabled != (bool)cJSON_IsTrue(fe) ||
            !payload_matches(cJSON_GetObjectItemCaseSensitive(want, "payload"), got.payload))
            fail_case(t, file, test, what);
        else
            t->passed++;
    }
}

static void run_file(const char *dir, const char *file, tally_t *t)
{
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/%s", dir, file);
    char *text = read_file(path, &len);
    cJSON *root = text ? cJSON_ParseWithLength(text, len) : NULL;
    char *state = NULL;
    lt_arena_t arena;
    lt_arena_init(&arena, 0);
    lt_eval_env_t *e = NULL;
    if (!root) {
        printf("FAIL %s: cannot read or parse the file\n", path);
        t->failed++;
        goto done;
    }
    state = cJSON_PrintUnformatted(cJSON_GetObjectItemCaseSensitive(root, "state"));
    lt_client_doc_t doc;
    lt_parse_err_t err;
    if (!state ||
        lt_model_parse_delta_doc(&arena, state, strlen(state), "default", &doc, &err) != LT_OK) {
        printf("FAIL %s: state does not parse: %s (%s)\n", file, state ? err.msg : "missing",
               state ? err.where : "");
        t->failed++;
        goto done;
    }
    e = lt_eval_compile(&arena, doc.features, doc.n_features, "default", doc.segments,
                        doc.n_segments);
    run_enabled_tests(e, file, cJSON_GetObjectItemCaseSensitive(root, "tests"), t);
    run_variant_tests(e, file, cJSON_GetObjectItemCaseSensitive(root, "variantTests"), t);
done:
    lt_eval_free(e);
    lt_arena_dispose(&arena);
    cJSON_free(state);
    cJSON_Delete(root);
    free(text);
}

static void test_client_specification(void **state)
{
    (void)state;
    const char *dir = getenv("LATCH_SPEC_DIR");
    if (!dir || !dir[0])
        dir = SPEC_DIR;
    char path[1024];
    size_t len = 0;
    snprintf(path, sizeof(path), "%s/index.json", dir);
    char *text = read_file(path, &len);
    if (!text)
        fail_msg("cannot read %s (run from the repository root, or set LATCH_SPEC_DIR)", path);
    cJSON *index = cJSON_ParseWithLength(text, len);
    assert_true(cJSON_IsArray(index));
    tally_t t = {0, 0};
    const cJSON *it;
    cJSON_ArrayForEach(it, index)
    {
        if (cJSON_IsString(it))
            run_file(dir, it->valuestring, &t);
    }
    cJSON_Delete(index);
    free(text);
    lt_eval_thread_cleanup();
    printf("%d passed, %d failed\n", t.passed, t.failed);
    assert_int_equal(t.failed, 0);
    assert_int_equal(t.passed + t.failed, EXPECTED_CASES);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_specification),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
