/*
 * eval_bench.c: nanoseconds per flag evaluation in src/eval, one row per kind of flag, over
 * 1024 rotating contexts. Build after `make` (liblatch.a), e.g.:
 *   gcc -std=c11 -O2 -D_GNU_SOURCE -Isrc $(pkg-config --cflags libcjson) bench/eval_bench.c \
 *       build/liblatch.a $(pkg-config --libs libcjson libpcre2-8 libsodium) -lm -pthread
 */
#include <stdio.h>
#include <stdlib.h>

#include "base/arena.h"
#include "base/util.h"
#include "eval/eval.h"
#include "model/model.h"

#define N_CTX 1024
#ifndef ITERS
#define ITERS 2000000
#endif

static const char *doc_json =
    "{\"features\":["
    "{\"name\":\"simple\",\"enabled\":true,\"strategies\":[{\"name\":\"default\"}]},"
    "{\"name\":\"rollout\",\"enabled\":true,\"strategies\":[{\"name\":\"flexibleRollout\","
    " \"parameters\":{\"rollout\":\"50\",\"stickiness\":\"default\",\"groupId\":\"rollout\"}}]},"
    "{\"name\":\"constrained\",\"enabled\":true,\"strategies\":[{\"name\":\"default\","
    " \"constraints\":["
    "  {\"contextName\":\"environment\",\"operator\":\"IN\",\"values\":[\"production\","
    "   \"staging\",\"qa\",\"dev\",\"test\",\"perf\",\"eu-1\",\"eu-2\",\"us-1\",\"us-2\","
    "   \"ap-1\",\"ap-2\"]},"
    "  {\"contextName\":\"version\",\"operator\":\"SEMVER_GTE\",\"value\":\"1.200.0-rc.1\"},"
    "  {\"contextName\":\"email\",\"operator\":\"STR_ENDS_WITH\",\"values\":[\"@example.com\"],"
    "   \"caseInsensitive\":true}]}]},"
    "{\"name\":\"regex\",\"enabled\":true,\"strategies\":[{\"name\":\"default\","
    " \"constraints\":[{\"contextName\":\"email\",\"operator\":\"REGEX\","
    "  \"value\":\"^user[0-9]+@(example|test)\\\\.com$\"}]}]},"
    "{\"name\":\"variants\",\"enabled\":true,\"strategies\":[{\"name\":\"flexibleRollout\","
    " \"parameters\":{\"rollout\":\"100\",\"stickiness\":\"default\",\"groupId\":\"variants\"},"
    " \"variants\":["
    "  {\"name\":\"red\",\"weight\":333,\"stickiness\":\"default\","
    "   \"payload\":{\"type\":\"string\",\"value\":\"r\"}},"
    "  {\"name\":\"green\",\"weight\":333,\"stickiness\":\"default\"},"
    "  {\"name\":\"blue\",\"weight\":334,\"stickiness\":\"default\"}]}]}"
    "]}";

typedef struct {
    char user[32], version[32], email[48];
    lt_prop_t props[2];
    lt_context_t ctx;
} bench_ctx_t;

static volatile unsigned sink;

static double run(const lt_eval_env_t *e, const char *name, bool variant, const bench_ctx_t *c)
{
    const lt_eval_feature_t *f = lt_eval_find(e, name, strlen(name));
    if (!f) {
        fprintf(stderr, "no flag %s\n", name);
        exit(1);
    }
    unsigned acc = 0;
    uint64_t t0 = lt_mono_ns();
    for (int i = 0; i < ITERS; i++) {
        const lt_context_t *ctx = &c[i & (N_CTX - 1)].ctx;
        if (variant) {
            lt_variant_result_t r;
            lt_eval_variant(e, f, ctx, &r);
            acc += (unsigned)r.name[0];
        } else {
            acc += lt_eval_is_enabled(e, f, ctx);
        }
    }
    uint64_t t1 = lt_mono_ns();
    sink = acc;
    return (double)(t1 - t0) / ITERS;
}

int main(void)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    if (lt_model_parse_client_doc(&a, doc_json, strlen(doc_json), "default", &doc, &err) != LT_OK) {
        fprintf(stderr, "parse: %s\n", err.msg);
        return 1;
    }
    lt_eval_env_t *e =
        lt_eval_compile(&a, doc.features, doc.n_features, "default", doc.segments, doc.n_segments);
    bench_ctx_t *c = calloc(N_CTX, sizeof(*c));
    for (int i = 0; i < N_CTX; i++) {
        snprintf(c[i].user, sizeof(c[i].user), "user-%d", i * 7919);
        snprintf(c[i].version, sizeof(c[i].version), "1.%d.%d", i % 400, i % 3);
        snprintf(c[i].email, sizeof(c[i].email), "user%d@%s.com", i, i % 2 ? "example" : "other");
        c[i].props[0] = (lt_prop_t){LT_STR("version"), lt_str_c(c[i].version)};
        c[i].props[1] = (lt_prop_t){LT_STR("email"), lt_str_c(c[i].email)};
        c[i].ctx = (lt_context_t){.user_id = lt_str_c(c[i].user),
                                  .environment = i % 4 ? LT_STR("production") : LT_STR("ap-2"),
                                  .props = c[i].props,
                                  .n_props = 2};
    }
    static const struct {
        const char *label, *flag;
        bool variant;
    } rows[] = {
        {"default strategy (isEnabled)", "simple", false},
        {"flexibleRollout 50% userId (isEnabled)", "rollout", false},
        {"3 constraints: IN(12) + SEMVER + STR (isEnabled)", "constrained", false},
        {"REGEX constraint (isEnabled)", "regex", false},
        {"strategy variants, 3 weights (getVariant)", "variants", true},
        {"default strategy (getVariant)", "simple", true},
    };
    run(e, "simple", false, c); /* warm-up */
    printf("%-52s %10s\n", "case", "ns/eval");
    for (size_t i = 0; i < LT_ARRAY_LEN(rows); i++)
        printf("%-52s %10.1f\n", rows[i].label, run(e, rows[i].flag, rows[i].variant, c));
    uint64_t t0 = lt_mono_ns();
    for (int i = 0; i < ITERS; i++) {
        const char *name = i & 1 ? "constrained" : "variants";
        lt_variant_result_t r;
        lt_eval_variant(e, lt_eval_find(e, name, strlen(name)), &c[i & (N_CTX - 1)].ctx, &r);
        sink += r.enabled;
    }
    printf("%-52s %10.1f\n", "lookup by name + getVariant", (double)(lt_mono_ns() - t0) / ITERS);
    free(c);
    lt_eval_free(e);
    lt_eval_thread_cleanup();
    lt_arena_dispose(&a);
    return 0;
}
