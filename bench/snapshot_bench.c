/*
 * snapshot_bench.c: what a snapshot costs at a given size. Opens a store on a fresh file,
 * imports a client-features document (bench/gen-state.mjs N), inserts T tokens, then times
 * what `latch serve` does on every reload (src/state/state.c lt_state_reload_locked): the
 * store load and lt_snapshot_build; reports the arena bytes and the RSS growth of the first
 * build, and the best of a few rebuilds; then the incremental reload after one flag's change
 * (lt_store_load_changes + lt_snapshot_build_from). bench/micro.sh builds and runs it.
 *   snapshot_bench STATE.json TOKENS DB [SECRETS-FILE]
 * DB is left in place (bench/micro.sh serves it); token i has the secret
 * "*:development.bench<i, 8 digits><pad>", client tokens at even i, front-end ones at odd i;
 * SECRETS-FILE gets the first two.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/arena.h"
#include "base/util.h"
#include "model/model.h"
#include "state/snapshot.h"
#include "store/store.h"

static long rss_kb(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    char line[256];
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = strtol(line + 6, NULL, 10);
    if (f)
        fclose(f);
    return kb;
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

static void secret_of(size_t i, char *out, size_t cap)
{
    snprintf(out, cap, "*:development.bench%08zu0123456789abcdef0123456789abcdef01234567", i);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: snapshot_bench STATE.json TOKENS DB [SECRETS-FILE]\n");
        return 2;
    }
    size_t n_tokens = (size_t)strtoul(argv[2], NULL, 10);
    const char *db = argv[3];
    unlink(db);
    size_t len;
    char *json = read_all(argv[1], &len);
    if (!json) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    lt_arena_t pa;
    lt_arena_init(&pa, 0);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    if (lt_model_parse_client_doc(&pa, json, len, "development", &doc, &err) != LT_OK) {
        fprintf(stderr, "parse: %s\n", err.msg);
        return 1;
    }
    lt_store_t *store;
    if (lt_store_open(&store, db) != LT_OK)
        return 1;
    uint64_t t0 = lt_mono_ns();
    if (lt_store_import_doc(store, &doc, "development", "bench") != LT_OK)
        return 1;
    uint64_t t1 = lt_mono_ns();
    for (size_t i = 0; i < n_tokens; i++) {
        char secret[160], display[160];
        secret_of(i, secret, sizeof(secret));
        lt_token_new_t t;
        memset(&t, 0, sizeof(t));
        lt_token_digest(lt_str_c(secret), t.digest);
        lt_token_display(lt_str_c(secret), display, sizeof(display));
        t.name = "bench";
        t.type = i % 2 ? LT_TOKEN_FRONTEND : LT_TOKEN_CLIENT;
        t.environment = "development";
        t.all_projects = true;
        t.display = display;
        lt_event_t ev = {"api-token-created", "bench", 0, NULL, NULL, NULL, NULL, NULL};
        if (lt_store_token_create(store, &t, &ev, NULL) != LT_OK)
            return 1;
    }
    uint64_t t2 = lt_mono_ns();
    if (argc > 4) {
        FILE *f = fopen(argv[4], "w");
        char secret[160];
        for (size_t i = 0; f && i < 2 && i < n_tokens; i++) {
            secret_of(i, secret, sizeof(secret));
            fprintf(f, "%s\n", secret);
        }
        if (f)
            fclose(f);
    }
    lt_arena_dispose(&pa);
    free(json);

    double best_load = 1e18, best_build = 1e18, first_load = 0, first_build = 0;
    size_t arena_bytes = 0;
    long rss_before = 0, rss_after = 0;
    for (int round = 0; round < 4; round++) {
        long r0 = rss_kb();
        lt_arena_t a;
        lt_arena_init(&a, 64 * 1024);
        lt_dataset_t d;
        uint64_t s0 = lt_mono_ns();
        if (lt_store_load(store, &a, &d) != LT_OK)
            return 1;
        uint64_t s1 = lt_mono_ns();
        size_t loaded = a.total;
        lt_snapshot_t *s = lt_snapshot_build(&a, &d);
        uint64_t s2 = lt_mono_ns();
        double load_ms = (double)(s1 - s0) / 1e6, build_ms = (double)(s2 - s1) / 1e6;
        if (round == 0) {
            first_load = load_ms;
            first_build = build_ms;
            arena_bytes = lt_snapshot_bytes(s);
            rss_before = r0;
            rss_after = rss_kb();
            printf("dataset: %zu features, %zu tokens; arena after load %.1f MB\n", d.n_features,
                   d.n_tokens, (double)loaded / 1048576);
        }
        if (load_ms < best_load)
            best_load = load_ms;
        if (build_ms < best_build)
            best_build = build_ms;
        lt_snapshot_publish(s); /* frees the previous one */
    }
    /* the incremental reload after a change of one flag: lt_store_load_changes +
     * lt_snapshot_build_from, with the flag JSON of the snapshot written first (as the first
     * client request does), best of 8 */
    double best_inc_load = 1e18, best_inc_build = 1e18;
    lt_snapshot_t *cur = lt_snapshot_acquire();
    for (size_t i = 0; i < 2 * cur->n_envs; i++)
        lt_snapshot_flag_json(cur, &cur->envs[i / 2], i % 2 == 1);
    for (int round = 0; round < 8; round++) {
        const lt_feature_t *f = &cur->data.features[(size_t)round * 7 % cur->data.n_features];
        lt_feature_t changed = *f;
        changed.description = round % 2 ? "changed" : "changed again";
        lt_event_t ev = {"feature-metadata-updated", "bench", 0, f->project, NULL, f->name,
                         NULL, NULL};
        if (lt_store_feature_put(store, &changed, &ev) != LT_OK)
            return 1;
        lt_arena_t a;
        lt_arena_init(&a, 16 * 1024);
        lt_store_changes_t ch;
        uint64_t s0 = lt_mono_ns();
        if (lt_store_load_changes(store, &a, (int64_t)cur->revision, &ch) != LT_OK || ch.full)
            return 1;
        uint64_t s1 = lt_mono_ns();
        lt_snapshot_t *next = lt_snapshot_build_from(cur, &a, &ch);
        uint64_t s2 = lt_mono_ns();
        if ((double)(s1 - s0) / 1e6 < best_inc_load)
            best_inc_load = (double)(s1 - s0) / 1e6;
        if ((double)(s2 - s1) / 1e6 < best_inc_build)
            best_inc_build = (double)(s2 - s1) / 1e6;
        lt_snapshot_release(cur);
        cur = next;
    }
    printf("incremental (one flag changed), best of 8: load %.2f ms + build %.2f ms\n",
           best_inc_load, best_inc_build);
    lt_snapshot_release(cur);
    printf("import %.0f ms; %zu token inserts %.0f ms (%.1f us each)\n", (double)(t1 - t0) / 1e6,
           n_tokens, (double)(t2 - t1) / 1e6,
           n_tokens ? (double)(t2 - t1) / 1e3 / (double)n_tokens : 0.0);
    printf("first: load %.1f ms + build %.1f ms; best of 4: load %.1f ms + build %.1f ms\n",
           first_load, first_build, best_load, best_build);
    printf("snapshot arena %.1f MB; RSS %.1f -> %.1f MB (+%.1f MB)\n",
           (double)arena_bytes / 1048576, (double)rss_before / 1024, (double)rss_after / 1024,
           (double)(rss_after - rss_before) / 1024);
    /* one machine-readable line for bench/micro.sh */
    printf("RESULT features=%zu tokens=%zu load_ms=%.1f build_ms=%.1f arena_mb=%.1f rss_mb=%.1f"
           " inc_load_ms=%.2f inc_build_ms=%.2f\n",
           doc.n_features, n_tokens, best_load, best_build, (double)arena_bytes / 1048576,
           (double)(rss_after - rss_before) / 1024, best_inc_load, best_inc_build);
    lt_snapshot_shutdown();
    lt_store_close(store);
    return 0;
}
