/*
 * admin_int.h: what the files of the admin API (one per resource) share, and nothing outside
 * src/api/admin/ includes: the route declaration every admin route carries (who may call it,
 * in which scope, with which body) and the per-request context dispatch hands the handler;
 * who is calling and Unleash's 401/403 bodies; the write path (store lock, one transaction
 * with its event, the new snapshot published before the reply); the look-ups, JSON and
 * validation helpers written once for every resource.
 */
#ifndef LT_ADMIN_INT_H
#define LT_ADMIN_INT_H

#include <cjson/cJSON.h>

#include "../../auth/access.h"
#include "../../http/http.h"
#include "../../state/state.h"
#include "../route.h"

/* lt__adm_guard (route.h), the guard of every admin route: authenticate unless public,
 * authorize as declared, parse the declared body; the handler finds the result with
 * lt_adm_ctx. */
/* The context the guard left for this request's handler. */
lt_adm_ctx_t *lt_adm_ctx(lt_req_t *r);
/* Parse the declared body into c->body now (once): false after replying 415/400. */
bool lt_adm_parse_body(lt_req_t *r, lt_adm_ctx_t *c);

/*
 * Find who is calling: an admin token or a PAT in Authorization ("Bearer " allowed), else the
 * session cookie. Fills p and returns true, or replies 401/403 (Unleash's bodies) and returns
 * false. The user a PAT or session stands for is read from the request's snapshot, so a role
 * change applies at once.
 */
bool lt_admin_auth(lt_req_t *r, lt_principal_t *p);
/* Does p hold perm (in project/env)? If not, reply 403 PermissionError and return false. */
bool lt_admin_require(lt_req_t *r, const lt_principal_t *p, const char *perm, const char *project,
                      const char *env);

/* Parse the body as JSON of the given type (cJSON_Object/cJSON_Array bits), or reply
 * 415/400 and return NULL. Free with cJSON_Delete. */
cJSON *lt_admin_body(lt_req_t *r, int type);

/* The user id the admin request this thread answers acts for (0: an admin token), set by the
 * guard: the flag and project JSON show that user's favourites (favorites.c). */
int64_t lt_adm_viewer(void);

/* An event attributed to p. */
lt_event_t lt_admin_event(const lt_principal_t *p, const char *type);

/*
 * The write path. fn runs with the store locked and the newest snapshot (every committed
 * write visible); it validates, writes (one store call: one transaction with its event) and
 * returns LT_OK, or an error code with msg/status set for the reply. On LT_OK the snapshot is
 * rebuilt and published before this returns, so the reply and every later request see it.
 */
typedef struct {
    int status;       /* HTTP status for an error (400, 404, 409...) */
    const char *name; /* Unleash error name */
    char msg[384];
    char path[96]; /* set by lt_write_bad_body: the member its details name */
    void *ctx;     /* the handler's own data */
} lt_write_t;

typedef int (*lt_write_fn)(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w);
/* Run fn as above. On failure replies with w's error and returns it; LT_OK: caller replies. */
int lt_admin_write(lt_req_t *r, lt_write_fn fn, lt_write_t *w);
/* Set an error on w (returns LT_EINVAL for convenience). */
int lt_write_fail(lt_write_t *w, int status, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/*
 * Unleash's answer to a body its request validation refuses: 400 BadDataError with the
 * message "Request validation failed: ..." and details [{path, message}], path naming the
 * member ("/body/name"). lt_write_bad_body sets it on w (lt_admin_write replies so);
 * lt_adm_reply_bad_body replies at once. LT_ADM_REQUIRED(p) is the detail of a missing
 * member.
 */
int lt_write_bad_body(lt_write_t *w, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void lt_adm_reply_bad_body(lt_req_t *r, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Reply with w's error: Unleash's validation shape when w names a path. */
void lt_adm_reply_write_error(lt_req_t *r, const lt_write_t *w);
#define LT_ADM_REQUIRED "The `%s` property is required. It was not present on the data you sent."

/* ---------- helpers written once for every resource ---------- */

/* The path parameter with this name, or NULL when the route has none. */
const char *lt_adm_param(const lt_params_t *p, const char *name);
/* A path id: a positive decimal number of at most 18 digits into *out; false otherwise. */
bool lt_adm_parse_id(const char *s, int64_t *out);
/* A string member of obj: NULL when absent or null; *bad when of another type or longer than
 * max bytes (0: no limit). The string belongs to obj. */
const char *lt_adm_opt_str(const cJSON *obj, const char *key, size_t max, bool *bad);
/* A string member of obj, or NULL (absent, or another type). */
const char *lt_adm_str(const cJSON *obj, const char *key);
/* Reply with a JSON buffer, taking its bytes over. */
void lt_adm_reply(lt_req_t *r, int status, lt_buf_t *b);
/* Reply 201 with b and "Location: <prefix>/<name>". */
void lt_adm_reply_created(lt_req_t *r, const char *prefix, const char *name, lt_buf_t *b);
/* The "name" of a create body when URL friendly (lt_adm_name_ok), else NULL after a 400. */
const char *lt_adm_body_name(lt_req_t *r, const cJSON *body);

/* The token fields latch adds to Unleash's token JSON: ",rotated/graceEndsAt/inGrace,
 * expiringSoon" (written by admin.c for tokens.c and pats.c). */
void lt_adm_write_token_life(lt_buf_t *b, const lt_token_t *t, int64_t now_ms);
/* {"gracePeriodSeconds": N} of a rotate body (absent: 0) into *out, 0..30 days; false after a
 * 400. */
bool lt_adm_grace_seconds(lt_req_t *r, const cJSON *body, int64_t *out);
/* How a token resource writes one token with its secret (shown once): tokens.c, pats.c. */
typedef void (*lt_adm_token_json_fn)(lt_buf_t *b, const lt_snapshot_t *s, const lt_token_t *t,
                                     const char *secret);
/* After a write that created a token: 201 with the token of that digest as json writes it
 * (from the snapshot the write published; a Location header when location is not NULL), or
 * 500 when it cannot be read back. The caller wipes the secret. */
void lt_adm_reply_new_token(lt_req_t *r, const uint8_t digest[32], const char *secret,
                            const char *location, lt_adm_token_json_fn json);

/* On a shared store: bring the last-seen times other instances stored into s (the PATs of
 * pat_owner, or every token when 0), so a listing shows them; the snapshot reloads only on
 * events, and a sighting is none. One read; a failure leaves s as it is. */
void lt_adm_seen_refresh(lt_req_t *r, lt_snapshot_t *s, int64_t pat_owner);

/* The personal access tokens of user owner (the caller's own, or a service account's, whose
 * routes check ADMIN first), written once in pats.c: list, create from the request's body
 * (description, expiresAt, readOnly, projects), delete and rotate the one with the path's id. */
void lt_adm_pats_reply(lt_req_t *r, int64_t owner);
void lt_adm_pat_create(lt_req_t *r, int64_t owner);
void lt_adm_pat_delete(lt_req_t *r, int64_t owner, const char *id);
void lt_adm_pat_rotate(lt_req_t *r, int64_t owner, const char *id);

/* Query helpers. */
bool lt_admin_query_int(lt_req_t *r, const char *name, int64_t *out);

/* Unleash's resource limits (defaults of 8.x). */
#define LT_ADM_MAX_STRATEGIES 30  /* per flag and environment */
#define LT_ADM_MAX_CONSTRAINTS 30 /* per strategy */
#define LT_ADM_MAX_CONSTRAINT_VALUES 250
#define LT_ADM_MAX_SEGMENTS 5 /* per strategy */
#define LT_ADM_MAX_API_TOKENS 2000 /* API tokens in the store (tokens.c refuses more) */
/* Counts Unleash caps and latch does not (ui-config reports Unleash's defaults, for its UI). */
#define LT_ADM_UI_LIMIT_ENVIRONMENTS 50
#define LT_ADM_UI_LIMIT_PROJECTS 500
#define LT_ADM_UI_LIMIT_SEGMENTS 300
#define LT_ADM_UI_LIMIT_FLAGS 5000
/* segments.c: values per segment (UNLEASH_SEGMENT_VALUES_LIMIT, 1000 by default). */
size_t lt_adm_segment_values_limit(void);

/* The longest name, email, description... the access resources accept. */
#define LT_ADM_MAX_FIELD 255

/* ---------- users and roles (users.c, roles.c) ---------- */
/* The admin JSON of a user; seen_override: the seenAt to show (a login now), else 0. */
void lt_adm_write_user(lt_buf_t *b, const lt_user_t *u, int64_t seen_override);
/* Fill a user's name, email and username from a body (absent ones keep their value; email or
 * username required, an email has an @, no white space). Replies 400 and returns false. */
bool lt_adm_user_fields(lt_req_t *r, const cJSON *body, lt_user_t *u);
/* password hashed with argon2id in the request arena once it passes Unleash's rules, or NULL
 * after replying 400 OwaspValidationError (500 when hashing fails). Slow: outside the lock. */
char *lt_adm_hash_password(lt_req_t *r, const char *password);
/* password_reset.c: a new password-reset token into *t (digest, creator, times; user_id 0)
 * and its secret (hex, shown once: the caller wipes it); and the JSON string of its link,
 * <origin><base path><page>?token=<secret>. */
#define LT_ADM_RESET_SECRET_LEN 65
void lt_adm_reset_token_new(lt_reset_token_t *t, char secret[LT_ADM_RESET_SECRET_LEN],
                            const lt_principal_t *who);
void lt_adm_write_reset_url(lt_buf_t *b, lt_req_t *r, const char *page, const char *secret);
/* login.c: count an attempt from the request's client address against the login limit per
 * address (shared with logins); 0 to go on, else the seconds to wait (then reply 429). */
int lt_adm_address_attempt(lt_req_t *r);
/* A user's imageUrl: Gravatar's URL for the e-mail address, or null. */
void lt_adm_write_image_url(lt_buf_t *b, const lt_user_t *u);
/* project_views.c: Unleash's health rating of a project (the share of its live flags that are
 * not stale, in percent; 100 without flags), and its owners as Unleash lists them
 * ([{ownerType, name, email, imageUrl}] of the users holding Owner there, else
 * [{ownerType: "system"}]). */
int lt_adm_project_health(const lt_dataset_t *d, const char *project);
void lt_adm_write_owners(lt_buf_t *b, const lt_dataset_t *d, const char *project);
/* The current snapshot holding user id, reloading once when another process just created
 * them. The user or NULL; the caller releases *out either way. */
const lt_user_t *lt_adm_user_now(int64_t id, lt_snapshot_t **out);
/* The root role a body's rootRole names (an id or a name), or 0. */
int64_t lt_adm_root_role_of(const lt_dataset_t *d, const cJSON *v);
/* {id, name, description, type[, permissions]} */
void lt_adm_write_role(lt_buf_t *b, const lt_role_t *r, bool with_perms);

/* ---------- look-ups (flag_lookup.c; the plain ones are model/dataset.h's lt_dataset_*) ----------
 */
/* Does another live flag depend on this one? */
bool lt_adm_has_children(const lt_dataset_t *d, const char *name);
/* features.c: is t one of the flag types (release, experiment, ...)? */
bool lt_adm_feature_type_ok(const char *t);
/* Is name a built-in strategy or a custom strategy definition? */
bool lt_adm_strategy_known(const lt_dataset_t *d, const char *name);

/* Unleash's nameType: URL-friendly (encodeURIComponent leaves it alone, not "." or ".."),
 * min..max bytes; NULL is not. lt_adm_name_ok: 1..100 bytes. */
bool lt_adm_name_valid(const char *s, size_t min, size_t max);
bool lt_adm_name_ok(const char *s);

/* Add s to a small set of distinct strings (linear; these sets are per request). */
void lt_adm_set_add(const char **set, size_t *n, const char *s);
void lt_adm_sort_names(const char **names, size_t n);
/* How many strategies the dataset holds, over every flag and environment. */
size_t lt_adm_n_strategies(const lt_dataset_t *d);
/* A strategy that uses a segment or a context field. */
typedef struct {
    const char *id, *feature, *project, *environment, *strategy;
} strategy_ref_t;

/* ---------- JSON output (flag_json.c) ---------- */
/* [{id, projectId, featureName, strategyName, environment}] */
void lt_adm_write_strategy_refs(lt_buf_t *b, const strategy_ref_t *refs, size_t n);
/* {id, name, title, disabled, sortOrder, constraints, parameters, segments, variants} */
void lt_adm_write_strategy(lt_buf_t *b, const lt_strategy_t *s);
/* A flag's state in one environment e of its project (fe may be NULL: disabled, empty). */
void lt_adm_write_feature_env(lt_buf_t *b, const lt_feature_t *f, const lt_environment_t *e,
                              const lt_feature_env_t *fe);
/* The admin flag: metadata, environments of its project in sort order, tags, dependencies,
 * children. */
void lt_adm_write_feature(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *f);
/* The short form listed per project: metadata and per-environment summaries. */
void lt_adm_write_feature_summary(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *f);
/* Where the yes/no of flag views start: the start of the previous hour (usage is kept by hour). */
int64_t lt_adm_usage_since(void);
/* The same with each environment's yes/no: the counts of the usage rows m (the flag's) of
 * hours from since on (since 0: none written). */
void lt_adm_write_feature_summary_usage(lt_buf_t *b, const lt_dataset_t *d, const lt_feature_t *f,
                                        const lt_metric_row_t *m, size_t n_m, int64_t since);
/* Tags of a flag as [{value, type}]. */
void lt_adm_write_tags(lt_buf_t *b, const lt_dataset_t *d, const char *feature);
/* events.c: [{id, name}], the distinct creators of rows (newest first), each once. */
void lt_adm_write_creators(lt_buf_t *b, lt_arena_t *a, const lt_event_row_t *rows, size_t n);
/* A JSON list kept as text, normalised ("[]" when it is not one). */
void lt_adm_write_list_text(lt_buf_t *b, const char *text);
/* strategy_defs.c: the definition of strategy name (built-in or custom) if there is one. */
bool lt_adm_write_strategy_def_named(lt_buf_t *b, const lt_dataset_t *d, const char *name);
/* Copy the buffer's bytes into the arena (NUL-terminated) and dispose of the buffer. */
char *lt_adm_buf_arena(lt_arena_t *a, lt_buf_t *b);

/* ---------- default strategies of project environments (env_defaults.c) ---------- */
/* ,"defaultStrategy":{...} when project's environment env has one, else nothing. */
void lt_adm_write_env_default(lt_buf_t *b, const lt_dataset_t *d, const char *project,
                              const char *env);
/* The strategy to add when feature is switched on in env with none enabled: the default of the
 * project's environment (groupId "" as the flag's name), else Unleash's built-in 100%
 * flexibleRollout; with a fresh id and sort_order, in a. */
lt_strategy_t lt_adm_env_default_strategy(lt_arena_t *a, const lt_dataset_t *d,
                                          const char *project, const char *env,
                                          const char *feature, int sort_order);

/* links.c: the links of a flag as [{id, url, title, feature}], oldest first. */
void lt_adm_write_links(lt_buf_t *b, const lt_dataset_t *d, const char *feature);

/* lifecycle.c: "lifecycle": the flag's current stage {stage, status?, enteredStageAt}, when it
 * has one (the key too, after the ones *first tells of). */
void lt_adm_write_lifecycle(lt_buf_t *b, bool *first, const lt_dataset_t *d, const char *feature);

/* ui_prompts.c: ,"feedback":[...],"splash":{...} of user (0: empty), for GET /api/admin/user. */
void lt_adm_write_user_marks(lt_buf_t *b, const lt_dataset_t *d, int64_t user);

/* ---------- validation (flag_validate.c): LT_OK, or LT_EINVAL with w's error set ---------- */
/*
 * A strategy body as Unleash accepts it (create and update): name known, constraints with a
 * known operator and values of the operator's type, parameters stringified (flexibleRollout
 * gets rollout 100, stickiness default and groupId = feature by default), segments that exist
 * (at most 5), strategy variants. prev: the strategy being replaced (limits allow what it had).
 */
int lt_adm_parse_strategy(lt_arena_t *a, const lt_dataset_t *d, const cJSON *j, const char *feature,
                          const lt_strategy_t *prev, lt_strategy_t *out, lt_write_t *w);
/* Variants (strategy ones when strategy: no overrides): validated, weights fixed as Unleash
 * does (fix ones keep theirs, variable ones share the rest), sorted by name. */
/*
 * Validate one parsed constraint c against its JSON it: keys, value types, the operator, the
 * values the operator needs (numbers, dates, semvers, CIDRs, RE2 regexes), the per-constraint
 * value limit (unless the previous version, prev_values, already exceeded it) and the legal
 * values of its context field. LT_OK, or LT_EINVAL with w set to a 400.
 */
int lt_adm_check_constraint(const lt_dataset_t *d, const cJSON *it, const lt_constraint_t *c,
                            size_t prev_values, lt_write_t *w);
int lt_adm_parse_variants(lt_arena_t *a, const cJSON *j, bool strategy, lt_variant_t **out,
                          size_t *n, lt_write_t *w);

/* ---------- copy-on-write (flag_write.c) ---------- */
/* A copy of f whose env array and strategy arrays are the arena's (strings shared). */
lt_feature_t *lt_adm_feature_dup(lt_arena_t *a, const lt_feature_t *f);
/* The env state of f (a dup) for env, added (disabled, empty) when missing. */
lt_feature_env_t *lt_adm_env_state(lt_arena_t *a, lt_feature_t *f, const char *env);
/* Append a strategy to fe (a dup's). */
lt_strategy_t *lt_adm_add_strategy(lt_arena_t *a, lt_feature_env_t *fe);

/* ---------- the write path of flags, projects and environments (flag_write.c) ---------- */

/* What a write handler of the flag, project and environment resources hands its lt_write_fn
 * (w->ctx). */
typedef struct {
    lt_principal_t who;
    lt_arena_t *a;
    const char *project, *feature, *env, *strategy;
    cJSON *body;
    bool on;       /* on/off, stale on/off */
    bool activate; /* shouldActivateDisabledStrategies */
    char *reply;   /* JSON for a 2xx reply, built inside the write; NULL: empty body */
} lt_adm_wctx_t;

/* The live flag c->feature of project c->project, or NULL with a 404 set on w. */
const lt_feature_t *lt_adm_find_live(const lt_dataset_t *d, lt_adm_wctx_t *c, lt_write_t *w);
/* Environment c->env of the flag's project, or NULL with a 404 set on w. */
const lt_environment_t *lt_adm_find_env(const lt_dataset_t *d, const lt_adm_wctx_t *c,
                                        const lt_feature_t *f, lt_write_t *w);
/* What a write of one flag's environment starts with: the live flag c names and environment
 * c->env of its project (404s set on w, NULL returned otherwise), copied for editing into
 * *out; returns the copy's state in c->env (created when it had none). */
lt_feature_env_t *lt_adm_edit_env(const lt_dataset_t *d, lt_adm_wctx_t *c, lt_write_t *w,
                                  lt_feature_t **out);
/* The flag of a read: live (and in the project when one is in the path), else NULL after a
 * 404. */
const lt_feature_t *lt_adm_read_feature(lt_req_t *r, const lt_dataset_t *d, const lt_params_t *p);
/* The flag's environment of a read, or NULL after a 404. */
const lt_environment_t *lt_adm_read_env(lt_req_t *r, const lt_dataset_t *d, const lt_feature_t *f,
                                        const lt_params_t *p);
/* Store f (a dup) whole with one event of type (env, data, pre_data may be NULL). */
int lt_adm_commit(lt_store_t *s, const lt_adm_wctx_t *c, const lt_feature_t *f, const char *type,
                  const char *env, const char *data, const char *pre);
/* The distinct flag names of body key (a non-empty array of strings), in c->a. */
int lt_adm_name_list(lt_adm_wctx_t *c, const char *key, const char ***out, size_t *n,
                     lt_write_t *w);
/* Apply the JSON Patch ops to *root (which it may replace). LT_OK, or LT_EINVAL with w set. */
int lt_adm_json_patch(cJSON **root, const cJSON *ops, lt_write_t *w);
/* Tags of a body ([{type?, value}], type "simple" by default) for feature, in c->a. */
int lt_adm_parse_tags(lt_adm_wctx_t *c, const lt_dataset_t *d, const cJSON *j, const char *feature,
                      lt_tag_t **out, size_t *n, lt_write_t *w);
/* An event attributed to c->who in c->project and c->env. */
lt_event_t lt_adm_wctx_event(const lt_adm_wctx_t *c, const char *type);
/* Run fn with c filled from the request (principal, body, path parameters) and reply
 * ok_status with c->reply, or empty (always empty for 204). */
void lt_adm_run_write(lt_req_t *r, const lt_params_t *p, lt_write_fn fn, int ok_status,
                      lt_adm_wctx_t *c);
/* A handler fname that runs fn as above with a context initialised from the rest. */
#define LT_ADM_WRITE(fname, fn, status, ...)                                                       \
    static void fname(lt_req_t *r, const lt_params_t *p)                                           \
    {                                                                                              \
        lt_adm_wctx_t c = {__VA_ARGS__};                                                           \
        lt_adm_run_write(r, p, fn, status, &c);                                                    \
    }
/* lt_adm_write_feature and lt_adm_write_strategy into the arena (NUL-terminated). */
char *lt_adm_feature_json(lt_arena_t *a, const lt_dataset_t *d, const lt_feature_t *f);
char *lt_adm_strategy_json(lt_arena_t *a, const lt_strategy_t *s);

/* Paths and declarations of the flag routes. */
#define LT_ADM_PF "/api/admin/projects/:projectId/features/:featureName"
#define LT_ADM_PE LT_ADM_PF "/environments/:environment"
/* perm in the path's project */
#define LT_ADM_FLAG(perm) LT_PERM(perm), LT_IN_PROJECT, .feature = "featureName"
/* perm in the path's project, for routes that name no flag */
#define LT_ADM_PROJ(perm) LT_PERM(perm), LT_IN_PROJECT
/* perm in the project of the path's flag ("default" when there is no such flag) */
#define LT_ADM_OF_FLAG(perm) LT_PERM(perm), .feature = "featureName"
/* ... and in the path's environment */
#define LT_ADM_FLAG_ENV(perm) LT_ADM_FLAG(perm), LT_IN_ENV

#endif
