/*
 * eval.h: flag evaluation as the Unleash SDKs do it (client specification 6.1.0, Node SDK
 * unleash-client 6.12.1 semantics). lt_eval_compile() turns one environment's features and the
 * segments into an immutable compiled form; evaluating a context against it is then pure,
 * lock-free and allocation-free, so any number of threads may share one compiled environment.
 */
#ifndef LT_EVAL_H
#define LT_EVAL_H

#include "../base/arena.h"
#include "../model/model.h"

/* One context property. value.ptr == NULL means null, which behaves exactly like absent. */
typedef struct {
    lt_str_t key;
    lt_str_t value;
} lt_prop_t;

/*
 * The evaluation context of one request. Every field is a slice into the caller's memory (the
 * query string or body); a field with ptr == NULL is absent, {"", 0} with a non-NULL ptr is the
 * empty string. current_time is an ISO-8601 string (absent: the wall clock). hostname is what the
 * applicationHostname strategy compares with (SDKs use their own host name). A constraint on a
 * top-level field that is absent falls back to the property of the same name (as the Node SDK).
 */
typedef struct {
    lt_str_t user_id, session_id, remote_address, environment, app_name, current_time, hostname;
    const lt_prop_t *props;
    size_t n_props;
} lt_context_t;

typedef struct lt_eval_env lt_eval_env_t;
typedef struct lt_eval_feature lt_eval_feature_t;

/*
 * What getVariant answers, and with it whether the flag is on: feature_enabled is the flag's
 * isEnabled, enabled says a real variant was chosen. name is "disabled" and payload NULL when no
 * variant was chosen. Strings and payload belong to the compiled environment's arena.
 */
typedef struct {
    bool enabled;
    bool feature_enabled;
    const char *name;
    const lt_payload_t *payload;
} lt_variant_result_t;

/*
 * Compile the features of environment env, with the segments, into an lt_eval_env_t allocated
 * in a (the arena must outlive it). A feature with no entry for env is present but disabled;
 * archived features and disabled strategies are left out, as the client API leaves them out.
 * Everything is parsed here once: numbers, dates, semvers, CIDRs, regexes (PCRE2, restricted to
 * RE2 syntax: look-around, back-references and other non-RE2 constructs are rejected), rollout
 * percentages; large IN lists become hash sets. Invalid data never fails the compile: a
 * constraint whose value does not parse evaluates as its operator does for an invalid value
 * (false, then `inverted` applies); an unknown operator or strategy is always false.
 * The model (features, segments) must stay alive and unchanged as long as the result: payloads
 * and names point into it. Never returns NULL. Free the PCRE2 objects with lt_eval_free().
 */
lt_eval_env_t *lt_eval_compile(lt_arena_t *a, const lt_feature_t *features, size_t n,
                               const char *env, const lt_segment_t *segs, size_t n_segs);

/*
 * Compile the same environment again after some features changed, sharing the rest with prev
 * (compiled from the same segments, which must not have changed, and kept alive with their
 * arena as long as the result). features/n as for lt_eval_compile, sorted by name with no name
 * twice (as a dataset keeps them; prev compiled from such a list too); fresh[i]: features[i] is new
 * or changed and is compiled anew into content, else its compiled form is prev's (found by
 * name; compiled anew when prev has none). The look-up table (prev's copied when the names are
 * the same) and the dependency links go to a. from
 * (n entries) gets, per compiled feature of the result in order, the index of the compiled
 * form it shares in prev, or SIZE_MAX. Never returns NULL.
 */
lt_eval_env_t *lt_eval_compile_from(lt_arena_t *a, lt_arena_t *content, const lt_eval_env_t *prev,
                                    const lt_feature_t *features, size_t n, const char *env,
                                    const bool *fresh, size_t *from);

/*
 * What a compiled environment holds outside its arena and can hand over to whoever keeps the
 * compiled forms alive (the PCRE2 code of its regexes and their match context, which
 * lt_eval_compile_from shares): taken off e, so that lt_eval_free(e)
 * no longer frees it; free it with lt_eval_owned_free (NULL is fine) once no environment
 * sharing those forms is in use.
 */
struct lt_eval_owned;
struct lt_eval_owned *lt_eval_take_owned(lt_eval_env_t *e);
void lt_eval_owned_free(struct lt_eval_owned *o);

/*
 * Release what the compiled environment holds outside its arena (PCRE2 code objects and match
 * context). Call once, before disposing of the arena; e may be NULL.
 */
void lt_eval_free(lt_eval_env_t *e);

/*
 * Release the calling thread's cached PCRE2 match data (regex constraints keep one per thread so
 * that matching never allocates). Threads that end free theirs automatically; this is for the
 * main thread or for tests that want a clean leak report. Harmless when there is none.
 */
void lt_eval_thread_cleanup(void);

/* The feature named name (len bytes, need not be NUL-terminated), or NULL. O(1). */
const lt_eval_feature_t *lt_eval_find(const lt_eval_env_t *e, const char *name, size_t len);
/* Number of compiled features, and the i-th (0 <= i < count), in the order they were given. */
size_t lt_eval_count(const lt_eval_env_t *e);
const lt_eval_feature_t *lt_eval_at(const lt_eval_env_t *e, size_t i);
/* The position of f (one of e's features) in that order. */
size_t lt_eval_index(const lt_eval_env_t *e, const lt_eval_feature_t *f);

/* Accessors: name and project (NUL-terminated, owned by the model), impressionData, the source
 * feature, and its state in the compiled environment (NULL when it has none there). */
const char *lt_eval_feature_name(const lt_eval_feature_t *f);
const char *lt_eval_feature_project(const lt_eval_feature_t *f);
bool lt_eval_feature_impression_data(const lt_eval_feature_t *f);
const lt_feature_t *lt_eval_feature_source(const lt_eval_feature_t *f);
const lt_feature_env_t *lt_eval_feature_env(const lt_eval_feature_t *f);

/*
 * isEnabled(feature, context): dependencies, the environment switch, strategies with their
 * constraints and segments. f may be NULL (an unknown flag: false). Does not allocate.
 */
bool lt_eval_is_enabled(const lt_eval_env_t *e, const lt_eval_feature_t *f,
                        const lt_context_t *ctx);

/*
 * getVariant(feature, context) into out; this is also the one call that answers both questions
 * at once (out->feature_enabled is isEnabled), which the front-end API uses for every flag.
 * Strategy variants of the first enabled strategy win; else the feature's variants (overrides,
 * then weights hashed on the variant stickiness). f may be NULL (unknown: disabled, off).
 * Does not allocate.
 */
void lt_eval_variant(const lt_eval_env_t *e, const lt_eval_feature_t *f, const lt_context_t *ctx,
                     lt_variant_result_t *out);

/*
 * Validation of constraint values with the parsers evaluation itself uses, so the admin API
 * accepts exactly what evaluates: a JS-style number (NUL-terminated s; the value in *out when
 * out is not NULL), a semver (no leading "v"), an IP address or CIDR range, a regular
 * expression in the RE2 syntax Unleash's SDKs support. Pure; no allocation kept.
 */
bool lt_eval_number_ok(const char *s, double *out);
bool lt_eval_semver_ok(const char *s);
bool lt_eval_cidr_ok(const char *s);
bool lt_eval_regex_ok(const char *s, bool case_insensitive);

#endif
