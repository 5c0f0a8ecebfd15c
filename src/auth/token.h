/*
 * token.h: API tokens as latch knows them. A token's scope always comes from its stored
 * record (found by the SHA-256 digest of the presented string), never from its text; the
 * text is parsed only to provision INIT_* tokens and to show a non-secret prefix in lists.
 */
#ifndef LT_TOKEN_H
#define LT_TOKEN_H

#include "../base/arena.h"
#include "../model/records.h"

/* The shape of a token string (UNLEASH-API.md §1.1). */
typedef enum {
    LT_TOKEN_FORM_CLASSIC, /* <project>:<env>.<secret> ([] and * project parts included) */
    LT_TOKEN_FORM_PAT,     /* user:<secret> */
    LT_TOKEN_FORM_LEGACY,  /* 64 hex characters */
    LT_TOKEN_FORM_V2,      /* <project>:<env>.v2_<22>_<43> */
    LT_TOKEN_FORM_OTHER,   /* anything else: only an exact-match lookup can tell */
} lt_token_form_t;

typedef struct {
    lt_token_form_t form;
    lt_str_t project; /* text before the first ':' ("*", "[]" or a project id) */
    lt_str_t environment; /* between ':' and the first '.' */
    lt_str_t secret;      /* after the '.' (after ':' for PATs) */
    lt_str_t selector;    /* v2 API tokens and v2 PATs (user:v2_<22>_<43>): the 22 characters
                           * after "v2_"; else empty */
} lt_token_parts_t;

/* Which format new tokens take: Unleash 8.1's secure v2 (the default) or classic hex. */
typedef enum { LT_TOKEN_FMT_V2, LT_TOKEN_FMT_CLASSIC } lt_token_format_t;
/* The process-wide format of new tokens (`--token-format`); set once at start-up. */
void lt_token_set_format(lt_token_format_t f);
lt_token_format_t lt_token_format(void);
/* Parse "v2" or "classic". LT_OK or LT_EINVAL. */
int lt_token_format_parse(const char *s, lt_token_format_t *out);
/* Is s shaped like a v2 selector (22 base64url characters)? */
bool lt_token_selector_shaped(lt_str_t s);

/* Split a token string into its parts. Never fails: unknown shapes are FORM_OTHER. */
lt_token_parts_t lt_token_parse(lt_str_t s);
/* Digest of a presented token string (SHA-256 of its exact bytes). */
void lt_token_digest(lt_str_t s, uint8_t out[32]);
/*
 * Make a fresh secret in the current format (lt_token_format) for the given scope into out
 * (at least 200 bytes): "<project>:<env>.<secret>", "[]:<env>.", "*:<env>.", "*:*." for
 * admin, "user:<secret>" for PATs, where <secret> is 56 hex (classic) or
 * v2_<22 base64url selector>_<43 base64url> (16 and 32 random bytes).
 */
void lt_token_generate(lt_token_type_t type, const char *env, const char *const *projects,
                       size_t n_projects, bool all_projects, char *out, size_t out_size);
/* The non-secret display prefix of a token string: its scope part and 6 secret chars. */
void lt_token_display(lt_str_t s, char *out, size_t out_size);
/* Is the token usable at time now_ms (not expired, not past the grace of a rotation)? */
static inline bool lt_token_live(const lt_token_t *t, int64_t now_ms)
{
    return (t->expires_at == 0 || t->expires_at > now_ms) &&
           (t->grace_until == 0 || t->grace_until > now_ms);
}
/* Does the token's scope include project p? */
bool lt_token_has_project(const lt_token_t *t, const char *p);

/* A read-only hash table of tokens keyed by digest; built once per snapshot. */
typedef struct {
    const lt_token_t **slots;
    size_t n_slots; /* power of two */
    size_t count;
    const lt_token_t **by_selector; /* v2 tokens keyed by selector, n_slots of them */
} lt_token_table_t;

/* Build the table over tokens[0..n) in the arena (tokens must outlive it). */
void lt_token_table_build(lt_token_table_t *tt, lt_arena_t *a, const lt_token_t *tokens,
                          size_t n);
/* The record with this digest, or NULL. Constant time in the number of tokens. */
const lt_token_t *lt_token_table_find(const lt_token_table_t *tt, const uint8_t digest[32]);
/* The v2 token with this selector, or NULL. */
const lt_token_t *lt_token_table_find_selector(const lt_token_table_t *tt, lt_str_t selector);
/*
 * The record a presented token string stands for, or NULL. A v2 string is found as Unleash
 * finds it: by its selector, then its verifier (the SHA-256 of the whole string) compared in
 * constant time; any other string (and a v2 string stored before selectors were) by digest.
 */
const lt_token_t *lt_token_table_find_presented(const lt_token_table_t *tt, lt_str_t presented);
/*
 * The record an admin API path names: a whole secret, or a v2 token's selector. NULL when none.
 */
const lt_token_t *lt_token_table_find_ref(const lt_token_table_t *tt, lt_str_t ref);

#endif
