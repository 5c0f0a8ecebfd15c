/*
 * fuzz_strategy.c: strategies, constraints and variants as the admin API takes them
 * (src/api/admin/flag_validate.c: lt_adm_parse_strategy with its constraint checks,
 * lt_adm_parse_variants), against the fixture snapshot's dataset. Input: a selector byte, then
 * the JSON body. Checks: an accepted strategy is written as the admin API shows it, that JSON
 * reads back with the store's own parser (lt_model_parse_strategy), and the flag it would make
 * compiles and evaluates.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../src/api/admin/admin_int.h"
#include "../src/model/model_json.h"
#include "fuzz.h"

static void use_strategy(lt_arena_t *a, lt_strategy_t *s, const lt_dataset_t *d)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_strategy(&b, s);
    size_t len;
    char *json = lt_buf_take(&b, &len);
    cJSON *j = lt_json_parse(json, len);
    lt_strategy_t back;
    lt_parse_err_t err;
    if (!j || lt_model_parse_strategy(a, j, &back, &err) != LT_OK) {
        fprintf(stderr, "fuzz_strategy: an accepted strategy does not read back: %s\n%.*s\n",
                j ? err.msg : "bad JSON", (int)len, json);
        abort();
    }
    cJSON_Delete(j);
    free(json);
    lt_feature_env_t fe = {"default", true, s, 1, NULL, 0};
    lt_feature_t f = {.name = "fuzzed", .type = "release", .project = "default", .envs = &fe,
                      .n_envs = 1};
    fz_use_features(&f, 1, d->segments, d->n_segments, "default");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz_fixture(false);
    cJSON *j = lt_json_parse((const char *)data + 1, size - 1);
    if (!j)
        return 0;
    lt_snapshot_t *snap = lt_snapshot_acquire();
    lt_arena_t a;
    lt_arena_init(&a, 16 * 1024);
    lt_write_t w;
    memset(&w, 0, sizeof(w));
    if (data[0] % 3 == 0) {
        lt_strategy_t s;
        int rc = lt_adm_parse_strategy(&a, &snap->data, j, "fuzzed", NULL, &s, &w);
        if (getenv("FZ_VERBOSE"))
            fprintf(stderr, "fuzz: strategy %s %s\n", rc == LT_OK ? "accepted" : "refused", w.msg);
        if (rc == LT_OK)
            use_strategy(&a, &s, &snap->data);
        else if (w.status < 400 || !w.msg[0])
            abort(); /* a refusal must say why */
    } else {
        lt_variant_t *v;
        size_t n;
        if (lt_adm_parse_variants(&a, j, data[0] % 3 == 1, &v, &n, &w) == LT_OK) {
            lt_strategy_t s = {.name = "default", .variants = v, .n_variants = n};
            use_strategy(&a, &s, &snap->data);
        }
    }
    cJSON_Delete(j);
    lt_arena_dispose(&a);
    lt_snapshot_release(snap);
    return 0;
}
