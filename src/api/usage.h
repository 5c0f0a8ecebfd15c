/*
 * usage.h: application registrations and flag usage counts, aggregated in memory per
 * (application, instance, environment, flag, hour) and written to the store in batches by a
 * background thread. Memory is bounded: past the limit new keys are dropped and counted.
 */
#ifndef LT_USAGE_H
#define LT_USAGE_H

#include "../store/store.h"

/* One variant count of a usage record. */
typedef struct {
    const char *name;
    int64_t count;
} lt_usage_variant_t;

/* Start the aggregator; a flush thread writes every interval_ms. LT_OK or an error. */
int lt_usage_start(int interval_ms, size_t max_keys);
/* Stop the thread and write what is left. */
void lt_usage_stop(void);
/* Record a registration (strings are copied; later ones update earlier ones). */
void lt_usage_register(const lt_app_row_t *row);
/* Add counts for one flag (strings copied). */
void lt_usage_add(const char *app, const char *instance, const char *env, const char *feature,
                  int64_t at_ms, int64_t yes, int64_t no, const lt_usage_variant_t *variants,
                  size_t n_variants);
/*
 * Note usage reported for a flag that does not exist (its counts are not kept): per (flag,
 * application, environment), the last time seen, at most LT_USAGE_MAX_UNKNOWN of them, each
 * for a day (older ones are dropped first; a new one is dropped and counted when full of
 * fresh ones). Strings copied. In memory only.
 */
#define LT_USAGE_MAX_UNKNOWN 1000
void lt_usage_unknown_flag(const char *flag, const char *app, const char *env, int64_t now_ms);
/* One unknown flag report, as lt_usage_unknown_list hands them (strings valid during fn). */
typedef struct {
    const char *flag, *app, *env;
    int64_t seen_at;
} lt_usage_unknown_t;
/* The reports of the last day, sorted by flag, application, environment, passed to fn as one
 * array (under the aggregator's lock: fn must not call back into usage). */
void lt_usage_unknown_list(void (*fn)(void *ctx, const lt_usage_unknown_t *u, size_t n),
                           void *ctx);
/* Unknown-flag reports dropped because the table was full. */
uint64_t lt_usage_unknown_dropped(void);
/*
 * Where flushes go instead of the store (`latch edge`: upstream). The sink sets requeue_apps[i]
 * and requeue_rows[i] for what it could not hand on; those are added back and flushed again
 * next time (within the same key bound). Set before lt_usage_start.
 */
typedef int (*lt_usage_sink_fn)(const lt_app_row_t *apps, size_t n_apps,
                                const lt_metric_row_t *rows, size_t n_rows, bool *requeue_apps,
                                bool *requeue_rows);
void lt_usage_set_sink(lt_usage_sink_fn fn);
/* Write everything aggregated so far to the store now. LT_OK or an error. */
int lt_usage_flush(void);
/* Keys dropped since start because the limit was reached. */
uint64_t lt_usage_dropped(void);

#endif
