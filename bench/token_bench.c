/*
 * token_bench.c: lt_token_table_find time against the number of tokens (10 to 100,000), for
 * digests that are present and absent, and what a request adds before it: the SHA-256 of the
 * presented string (lt_token_digest). The lookups walk random digests, so a table larger than
 * the caches shows memory latency, not a longer probe. bench/micro.sh builds and runs it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth/token.h"
#include "base/arena.h"
#include "base/util.h"

#define LOOKUPS 2000000

static volatile uintptr_t sink;

static uint64_t rng = 0x9e3779b97f4a7c15ull;
static uint64_t next(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

static void random_digest(uint8_t d[32])
{
    for (int i = 0; i < 32; i += 8) {
        uint64_t v = next();
        memcpy(d + i, &v, 8);
    }
}

int main(void)
{
    static const size_t sizes[] = {10, 1000, 10000, 100000};
    printf("%-10s %14s %14s %10s\n", "tokens", "hit ns/lookup", "miss ns/lookup", "slots");
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t n = sizes[s];
        lt_arena_t a;
        lt_arena_init(&a, 0);
        lt_token_t *tokens = lt_arena_calloc(&a, n, sizeof(*tokens));
        for (size_t i = 0; i < n; i++) {
            random_digest(tokens[i].digest);
            tokens[i].name = "bench";
            tokens[i].environment = "development";
            tokens[i].all_projects = true;
        }
        lt_token_table_t tt;
        lt_token_table_build(&tt, &a, tokens, n);
        /* the probes: present digests in a random order, and absent ones */
        uint8_t (*hit)[32] = malloc((size_t)4096 * 32), (*miss)[32] = malloc((size_t)4096 * 32);
        if (!hit || !miss)
            return 1;
        for (size_t i = 0; i < 4096; i++) {
            memcpy(hit[i], tokens[next() % n].digest, 32);
            random_digest(miss[i]);
        }
        uintptr_t acc = 0;
        for (int i = 0; i < LOOKUPS / 10; i++) /* warm-up */
            acc += (uintptr_t)lt_token_table_find(&tt, hit[i & 4095]);
        uint64_t t0 = lt_mono_ns();
        for (int i = 0; i < LOOKUPS; i++)
            acc += (uintptr_t)lt_token_table_find(&tt, hit[i & 4095]);
        uint64_t t1 = lt_mono_ns();
        for (int i = 0; i < LOOKUPS; i++)
            acc += (uintptr_t)lt_token_table_find(&tt, miss[i & 4095]);
        uint64_t t2 = lt_mono_ns();
        sink = acc;
        printf("%-10zu %14.1f %14.1f %10zu\n", n, (double)(t1 - t0) / LOOKUPS,
               (double)(t2 - t1) / LOOKUPS, tt.n_slots);
        free(hit);
        free(miss);
        lt_arena_dispose(&a);
    }
    /* what comes before every lookup: the digest of the presented token */
    const char *tok = "default:development.4f7c1b2e9a8d6c5b4a3f2e1d0c9b8a7f6e5d4c3b2a190817";
    uint8_t d[32];
    uint64_t t0 = lt_mono_ns();
    for (int i = 0; i < LOOKUPS / 4; i++) {
        lt_token_digest(lt_str_c(tok), d);
        sink += d[i & 31];
    }
    printf("SHA-256 of a %zu-byte token (lt_token_digest): %.1f ns\n", strlen(tok),
           (double)(lt_mono_ns() - t0) / (LOOKUPS / 4));
    return 0;
}
