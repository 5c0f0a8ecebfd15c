/*
 * eval_bench.c: nanoseconds per flag evaluation in src/eval, one row per kind of flag, over
 * 1024 rotating contexts; then the cost of evaluating every flag of an environment (what
 * /api/frontend does) at 10 to 10,000 flags, to show it is linear; then, given a state file
 * (bench/gen-state.mjs), the mean over that mix. bench/micro.sh builds and runs it; by hand:
 *   gcc -std=c11 -O2 -D_GNU_SOURCE -Isrc $(pkg-config --cflags libcjson) bench/eval_bench.c \
 *       build/liblatch.a $(pkg-config --libs libcjson libpcre2-8 libsodium zlib) -lm -pthread
 *   ./a.out [STATE.json]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    "  {\"name\":\"blue\",\"weight\":334,\"stickiness\":\"default\"}]}]},"
    "{\"name\":\"userids\",\"enabled\":true,\"strategies\":[{\"name\":\"userWithId\","
    " \"parameters\":{\"userIds\":\"alice,bob,carol,user-7919,dave,erin\"}}]},"
    "{\"name\":\"segment\",\"enabled\":true,\"strategies\":[{\"name\":\"flexibleRollout\","
    " \"parameters\":{\"rollout\":\"100\",\"stickiness\":\"default\",\"groupId\":\"s\"},"
    " \"segments\":[1]}]},"
    "{\"name\":\"disabled\",\"enabled\":false,\"strategies\":[{\"name\":\"default\"}]}"
    "],\"segments\":[{\"id\":1,\"name\":\"beta\",\"constraints\":[{\"contextName\":\"userId\","
    " \"operator\":\"IN\",\"values\":[\"beta-0\",\"beta-1\",\"beta-2\",\"beta-3\",\"beta-4\","
    " \"beta-5\",\"beta-6\",\"beta-7\",\"user-0\"]}]}]}";

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

/* Evaluate every flag of e for each context (getVariant, as /api/frontend does): ns per flag. */
static double run_all(const lt_eval_env_t *e, const bench_ctx_t *c, int rounds)
{
    size_t n = lt_eval_count(e);
    unsigned acc = 0;
    uint64_t t0 = lt_mono_ns();
    for (int i = 0; i < rounds; i++) {
        const lt_context_t *ctx = &c[i & (N_CTX - 1)].ctx;
        for (size_t k = 0; k < n; k++) {
            lt_variant_result_t r;
            lt_eval_variant(e, lt_eval_at(e, k), ctx, &r);
            acc += r.enabled;
        }
    }
    sink = acc;
    return (double)(lt_mono_ns() - t0) / ((double)rounds * (double)n);
}

/* A document of n flags cycling through four kinds: default, rollout, 2 constraints, variants. */
static char *mixed_doc(size_t n)
{
    static const char *const kinds[] = {
        "{\"name\":\"f%zu\",\"enabled\":true,\"strategies\":[{\"name\":\"default\"}]}",
        "{\"name\":\"f%zu\",\"enabled\":true,\"strategies\":[{\"name\":\"flexibleRollout\","
        "\"parameters\":{\"rollout\":\"50\",\"stickiness\":\"default\",\"groupId\":\"g\"}}]}",
        "{\"name\":\"f%zu\",\"enabled\":true,\"strategies\":[{\"name\":\"default\",\"constraints\":["
        "{\"contextName\":\"country\",\"operator\":\"IN\",\"values\":[\"NO\",\"SE\",\"DK\"]},"
        "{\"contextName\":\"version\",\"operator\":\"SEMVER_GTE\",\"value\":\"1.2.0\"}]}]}",
        "{\"name\":\"f%zu\",\"enabled\":true,\"strategies\":[{\"name\":\"flexibleRollout\","
        "\"parameters\":{\"rollout\":\"100\",\"stickiness\":\"default\",\"groupId\":\"v\"},"
        "\"variants\":[{\"name\":\"a\",\"weight\":500},{\"name\":\"b\",\"weight\":500}]}]}",
    };
    size_t cap = 64 + n * 320, len = 0;
    char *out = malloc(cap);
    if (!out)
        exit(1);
    len += (size_t)snprintf(out + len, cap - len, "{\"features\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            out[len++] = ',';
        len += (size_t)snprintf(out + len, cap - len, kinds[i % 4], i);
    }
    snprintf(out + len, cap - len, "]}");
    return out;
}

static char *read_all(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *out_len = (size_t)n;
    return buf;
}

int main(int argc, char **argv)
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
        {"userWithId, 6 ids (isEnabled)", "userids", false},
        {"segment: userId IN 9 + rollout 100% (isEnabled)", "segment", false},
        {"disabled flag (isEnabled)", "disabled", false},
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

    printf("\n%-52s %10s %12s\n", "every flag of an environment (getVariant)", "ns/flag",
           "us/context");
    static const size_t sizes[] = {10, 100, 1000, 10000};
    for (size_t i = 0; i < LT_ARRAY_LEN(sizes); i++) {
        lt_arena_t ma;
        lt_arena_init(&ma, 0);
        char *json = mixed_doc(sizes[i]);
        lt_client_doc_t md;
        if (lt_model_parse_client_doc(&ma, json, strlen(json), "default", &md, &err) != LT_OK) {
            fprintf(stderr, "parse: %s\n", err.msg);
            return 1;
        }
        lt_eval_env_t *me = lt_eval_compile(&ma, md.features, md.n_features, "default", NULL, 0);
        int rounds = (int)(4000000 / sizes[i]);
        run_all(me, c, rounds / 10 + 1); /* warm-up */
        double ns = run_all(me, c, rounds);
        char label[64];
        snprintf(label, sizeof(label), "%zu flags, 4 kinds mixed", sizes[i]);
        printf("%-52s %10.1f %12.2f\n", label, ns, ns * (double)sizes[i] / 1000);
        lt_eval_free(me);
        lt_arena_dispose(&ma);
        free(json);
    }
    if (argc > 1) {
        size_t len;
        char *json = read_all(argv[1], &len);
        lt_arena_t sa;
        lt_arena_init(&sa, 0);
        lt_client_doc_t sd;
        if (!json || lt_model_parse_client_doc(&sa, json, len, "development", &sd, &err) != LT_OK) {
            fprintf(stderr, "cannot read %s\n", argv[1]);
            return 1;
        }
        lt_eval_env_t *se = lt_eval_compile(&sa, sd.features, sd.n_features, "development",
                                            sd.segments, sd.n_segments);
        for (int i = 0; i < N_CTX; i++) { /* the properties the benchmark state looks at */
            static const char *const countries[] = {"NO", "SE", "US", "DE"};
            c[i].props[0] = (lt_prop_t){LT_STR("version"), lt_str_c(c[i].version)};
            c[i].props[1] = (lt_prop_t){LT_STR("country"), lt_str_c(countries[i % 4])};
        }
        int rounds = (int)(2000000 / (sd.n_features ? sd.n_features : 1));
        run_all(se, c, rounds / 10 + 1);
        double ns = run_all(se, c, rounds);
        char label[96];
        snprintf(label, sizeof(label), "%zu flags of the benchmark state", sd.n_features);
        printf("%-52s %10.1f %12.2f\n", label, ns, ns * (double)sd.n_features / 1000);
        lt_eval_free(se);
        lt_arena_dispose(&sa);
        free(json);
    }
    free(c);
    lt_eval_free(e);
    lt_eval_thread_cleanup();
    lt_arena_dispose(&a);
    return 0;
}
