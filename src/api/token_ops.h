/*
 * token_ops.h: API tokens as the admin API, `latch token` and INIT_*_API_TOKENS all handle
 * them: the scope rules, issuing (a generated or given secret, stored only as its digest) and
 * revoking, each with its one event shape. Written once so the three can never disagree.
 */
#ifndef LT_TOKEN_OPS_H
#define LT_TOKEN_OPS_H

#include "../auth/access.h"
#include "../auth/token.h"
#include "../store/store.h"

/* Room for any secret latch generates or accepts, with its NUL. */
#define LT_TOKEN_SECRET_MAX 256

/* A token as asked for, before the scope rules have looked at it. */
typedef struct {
    lt_token_type_t type;    /* client, frontend or admin (PATs have their own path) */
    const char *name;        /* tokenName */
    const char *environment; /* NULL: the secret's, else "development" ("*" for admin) */
    const char *const *projects;
    size_t n_projects;
    bool all_projects;
    bool projects_given; /* false: the secret's projects, else all */
    int64_t expires_at;  /* epoch ms; 0 = never */
    const char *secret;  /* a secret to store as it is (INIT tokens, --secret); NULL:
                          * generate one */
    const char *const *origins; /* front-end tokens: allowed CORS origins (checked already) */
    size_t n_origins;
} lt_token_spec_t;

/*
 * Apply the scope rules to spec, completing it (defaults, the scope a given secret carries):
 * admin tokens are *:*; other tokens have one environment (a legacy 64-hex secret excepted,
 * which Unleash stored for all environments) and one, several ([] with two or more) or all
 * projects; a given secret's own scope may not contradict the options. When d is not NULL the
 * environment and projects must exist in it. Returns LT_OK, or LT_EINVAL with a message in
 * msg (Unleash's wording where the admin API has one). Strings may be allocated in a.
 */
int lt_token_spec_check(lt_arena_t *a, lt_token_spec_t *spec, const lt_dataset_t *d, char *msg,
                        size_t msg_cap);

/*
 * Store the token of a checked spec with its api-token-created event attributed to who (one
 * transaction). The secret (generated, or spec->secret) is written to secret_out, which the
 * caller shows once and wipes; out_digest gets its digest (may be NULL). LT_OK, LT_EINVAL when
 * a token with that secret exists, LT_ERR. Blocks on the store; the caller holds its lock.
 */
int lt_token_issue(lt_store_t *s, const lt_token_spec_t *spec, const lt_principal_t *who,
                   char secret_out[LT_TOKEN_SECRET_MAX], uint8_t out_digest[32]);

/* Set a new expiry (0 = never) on t with its api-token-updated event. LT_OK, LT_ENOTFOUND. */
int lt_token_set_expiry(lt_store_t *s, const lt_token_t *t, int64_t expires_at,
                        const lt_principal_t *who);

/* The longest grace a rotation may give the old secret (30 days). */
#define LT_TOKEN_MAX_GRACE_S (30 * 86400)

/*
 * Rotate t (any type, PATs included): a fresh secret in the current format with t's name,
 * type, owner, scope and expiry, and t refused from now + grace_s on (0: at once), with one
 * api-token-rotated (pat-rotated) event; the old record goes, with api-token-grace-ended, when
 * lt_token_sweep next runs after the grace. The new secret goes to secret_out (shown once,
 * then wiped by the caller), its digest to out_digest. LT_OK, LT_EINVAL when t is already
 * rotated, LT_ENOTFOUND, LT_ERR.
 */
int lt_token_rotate(lt_store_t *s, const lt_token_t *t, int64_t grace_s, const lt_principal_t *who,
                    char secret_out[LT_TOKEN_SECRET_MAX], uint8_t out_digest[32]);

/*
 * The timed part of a token's life, run every few seconds by `latch serve` over the current
 * snapshot: a rotated token past its grace is deleted (api-token-grace-ended), an expired one
 * gets its api-token-expired (pat-expired) event once. Returns how many writes it made.
 * Blocks on the store; the caller holds its lock.
 */
int lt_token_sweep(lt_store_t *s, const lt_dataset_t *d, int64_t now_ms);

/* Does t expire within the next 7 days (and is still live)? */
bool lt_token_expiring_soon(const lt_token_t *t, int64_t now_ms);
#define LT_TOKEN_EXPIRY_WARN_MS (7LL * 86400 * 1000)

/* The largest quota a token may carry, in requests per second. */
#define LT_TOKEN_MAX_RPS 100000
/* Set t's request quota (0 = none) with its api-token-updated event. LT_OK, LT_ENOTFOUND. */
int lt_token_set_quota(lt_store_t *s, const lt_token_t *t, int64_t rps, const lt_principal_t *who);

/* Bounds of a token's allowed origins: how many, and the length of one. */
#define LT_TOKEN_MAX_ORIGINS 32
#define LT_TOKEN_MAX_ORIGIN_LEN 255
/* Is o an allowed-origin value: "*" or scheme://host[:port] (no path, no trailing slash)? */
bool lt_token_origin_ok(const char *o);
/* Set t's allowed origins (n = 0: none) with its api-token-updated event. LT_OK, LT_ENOTFOUND. */
int lt_token_set_origins(lt_store_t *s, const lt_token_t *t, const char *const *origins, size_t n,
                         const lt_principal_t *who);

/* Delete t with its api-token-deleted event. LT_OK, LT_ENOTFOUND or LT_ERR. */
int lt_token_revoke(lt_store_t *s, const lt_token_t *t, const lt_principal_t *who);

#endif
