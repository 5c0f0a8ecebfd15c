/*
 * eval_int.h: internals shared by the files of src/eval: the compiled structures (eval.c) and
 * the value parsers and matchers they use (ops.c: numbers, semvers, CIDRs, string sets, hashing;
 * regex.c: PCRE2 with RE2 syntax). Not for use outside src/eval and its unit tests.
 */
#ifndef LT_EVAL_INT_H
#define LT_EVAL_INT_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "eval.h"

/* ---- value parsers (ops.c) ---- */

/* JavaScript Number(s) of a string: trims ASCII white space, "" is 0, accepts "0x1f", "0b101",
 * "0o17", "Infinity", decimals with exponents; anything else (or longer than 255 bytes) is NaN. */
double lt__js_number(lt_str_t s);

/* A semantic version as node-semver parses it (strict mode); pre is the pre-release part. */
typedef struct {
    uint64_t major, minor, patch;
    lt_str_t pre; /* without the '-'; len 0 when none */
} lt__semver_t;

/* Parse s (ASCII white space around it is ignored; a leading 'v' only when allow_v). */
bool lt__semver_parse(lt_str_t s, bool allow_v, lt__semver_t *out);
/* Semver 2.0 precedence: <0, 0, >0. Build metadata is ignored. */
int lt__semver_cmp(const lt__semver_t *a, const lt__semver_t *b);

/* An IPv4 or IPv6 network; a single address has prefix 32 or 128. */
typedef struct {
    uint8_t family; /* 4 or 6 */
    uint8_t prefix;
    uint8_t addr[16];
} lt__cidr_t;

/* Parse "a.b.c.d", "a.b.c.d/n", an IPv6 address or "addr6/n". allow_prefix: accept "/n". */
bool lt__cidr_parse(lt_str_t s, bool allow_prefix, lt__cidr_t *out);
/* Is the single address ip inside network net (same family, first prefix bits equal)? */
bool lt__cidr_contains(const lt__cidr_t *net, const lt__cidr_t *ip);

/* A set of strings: a plain list for a few items, a hash table over them for more. */
typedef struct {
    lt_str_t *items;
    size_t n;
    uint32_t *slots; /* index + 1, 0 = empty; NULL when n is small */
    size_t mask;
} lt__strset_t;

/* Build a set over items[0..n) (kept by reference; duplicates are harmless). */
void lt__strset_init(lt_arena_t *a, lt__strset_t *set, lt_str_t *items, size_t n);
bool lt__strset_has(const lt__strset_t *set, lt_str_t s);

/* MurmurHash3 x86_32 of "<group>:<value>" without building the string. */
uint32_t lt__hash_pair(lt_str_t group, lt_str_t value, uint32_t seed);
/* A number in 1..n from the calling thread's PRNG (n >= 1). */
uint32_t lt__random(uint32_t n);

/* ASCII case folding helpers. */
bool lt__ascii_ieq(const char *a, const char *b, size_t n);

/* ---- regexes (regex.c) ---- */

/* Does the pattern use only RE2 syntax (no look-around, back-references, possessive or atomic
 * groups, recursion, verbs, or escapes RE2 does not know)? */
bool lt__re2_syntax_ok(const char *pat, size_t len);
/* Compile pat with PCRE2 in RE2 mode (and JIT when available); NULL when invalid. */
pcre2_code *lt__regex_compile(const char *pat, size_t len, bool caseless);
/* Unanchored search of subject; false on no match or any matching error. Uses the calling
 * thread's cached match data: allocates only the first time a thread matches. */
bool lt__regex_search(const pcre2_code *re, pcre2_match_context *mctx, lt_str_t subject);

/* ---- compiled form (eval.c) ---- */

enum {
    LT__F_PROP,
    LT__F_USER_ID,
    LT__F_SESSION_ID,
    LT__F_REMOTE_ADDRESS,
    LT__F_ENVIRONMENT,
    LT__F_APP_NAME,
    LT__F_CURRENT_TIME,
};

enum {
    LT__OP_UNKNOWN,
    LT__OP_IN,
    LT__OP_NOT_IN,
    LT__OP_STR_STARTS_WITH,
    LT__OP_STR_ENDS_WITH,
    LT__OP_STR_CONTAINS,
    LT__OP_NUM_EQ,
    LT__OP_NUM_GT,
    LT__OP_NUM_GTE,
    LT__OP_NUM_LT,
    LT__OP_NUM_LTE,
    LT__OP_DATE_AFTER,
    LT__OP_DATE_BEFORE,
    LT__OP_SEMVER_EQ,
    LT__OP_SEMVER_GT,
    LT__OP_SEMVER_GTE,
    LT__OP_SEMVER_LT,
    LT__OP_SEMVER_LTE,
    LT__OP_REGEX,
    LT__OP_IN_CIDR,
};

/* A context field reference: a top-level field (falling back to the property of that name). */
typedef struct {
    uint8_t field;
    lt_str_t name;
} lt__field_t;

typedef struct {
    uint8_t op;
    bool inverted, caseless;
    bool valid; /* the constraint's value parsed (NUM, DATE, SEMVER, REGEX) */
    lt__field_t field;
    lt__strset_t set; /* IN / NOT_IN */
    lt_str_t *strs;   /* STR_* (lower-cased when caseless) */
    size_t n_strs;
    double num;
    int64_t date_ms;
    lt__semver_t semver;
    const pcre2_code *re;
    pcre2_match_context *mctx;
    lt__cidr_t *cidrs;
    size_t n_cidrs;
} lt__cons_t;

typedef struct {
    int64_t id;
    lt__cons_t *cons;
    size_t n_cons;
} lt__seg_t;

enum { LT__STICK_DEFAULT, LT__STICK_RANDOM, LT__STICK_FIELD };

typedef struct {
    const lt_variant_t *variant;
    lt__field_t field;
    const char *const *values;
    size_t n_values;
} lt__override_t;

typedef struct {
    const lt_variant_t *v;
    size_t n;
    int64_t total_weight;
    lt__override_t *overrides; /* of all variants, in variant order */
    size_t n_overrides;
    uint8_t stick; /* LT__STICK_DEFAULT or LT__STICK_FIELD */
    lt__field_t stick_field;
    lt_str_t group;
} lt__vgroup_t;

enum {
    LT__S_UNKNOWN,
    LT__S_DEFAULT,
    LT__S_FLEXIBLE,
    LT__S_USER_WITH_ID,
    LT__S_REMOTE_ADDRESS,
    LT__S_HOSTNAME,
    LT__S_GRADUAL_USER,
    LT__S_GRADUAL_SESSION,
    LT__S_GRADUAL_RANDOM,
};

typedef struct {
    uint8_t kind;
    bool never; /* unknown strategy or operator, missing segment: always false */
    lt__cons_t *cons;
    size_t n_cons;
    const lt__seg_t **segs;
    size_t n_segs;
    double percentage;
    lt_str_t group;
    uint8_t stick;
    lt__field_t stick_field;
    lt__strset_t ids; /* userWithId ids, hostnames (lower-cased), remoteAddress entries */
    lt__cidr_t *nets; /* remoteAddress entries that parse as addresses/networks */
    size_t n_nets;
    lt__vgroup_t variants;
} lt__strat_t;

typedef struct {
    const lt_eval_feature_t *parent; /* NULL: missing, or has dependencies itself */
    bool enabled;
    const char *const *variants;
    size_t n_variants;
} lt__dep_t;

struct lt_eval_feature {
    const lt_feature_t *src;
    const lt_feature_env_t *fe;
    lt_str_t name;
    bool enabled;
    bool deps_never; /* a dependency can never be met */
    lt__strat_t *strats;
    size_t n_strats;
    lt__vgroup_t variants;
    lt__dep_t *deps;
    size_t n_deps;
};

typedef struct lt__regex_node {
    pcre2_code *code;
    struct lt__regex_node *next;
} lt__regex_node_t;

struct lt_eval_env {
    lt_eval_feature_t *features;
    size_t n_features;
    uint32_t *table; /* feature index + 1, open addressing */
    size_t mask;
    lt__seg_t *segs; /* sorted by id */
    size_t n_segs;
    lt__regex_node_t *regexes;
    pcre2_match_context *mctx;
    bool owns_mctx; /* false when shared with the environment it was compiled from */
};

#endif
