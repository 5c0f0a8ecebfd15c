/*
 * model.h: the feature-flag data model as latch holds it in memory: features with their
 * per-environment state, strategies, constraints, variants, segments and dependencies.
 * Everything is immutable once built and owned by an arena (a snapshot's or a parse's);
 * strings are NUL-terminated arena copies. The JSON side lives in model_json.c.
 */
#ifndef LT_MODEL_H
#define LT_MODEL_H

#include "../base/arena.h"
#include "../base/buf.h"

typedef struct {
    const char *context_name;
    const char *op;            /* operator as given, e.g. "IN", "SEMVER_GT" */
    const char **values;       /* "values" list (may be empty) */
    size_t n_values;
    bool has_values;           /* the "values" key was present */
    const char *value;         /* "value", NULL when absent */
    bool inverted;
    bool case_insensitive;
} lt_constraint_t;

typedef struct {
    const char *key;
    const char *value; /* parameter values are always strings on the wire */
} lt_param_t;

typedef struct {
    const char *type; /* "json" | "csv" | "string" | "number" */
    const char *value;
} lt_payload_t;

typedef struct {
    const char *context_name;
    const char **values;
    size_t n_values;
} lt_override_t;

typedef struct {
    const char *name;
    int weight;              /* 0..1000 */
    const char *weight_type; /* "variable" | "fix"; NULL when absent */
    const char *stickiness;  /* NULL when absent (means "default") */
    const lt_payload_t *payload; /* NULL when none */
    lt_override_t *overrides;
    size_t n_overrides;
} lt_variant_t;

typedef struct {
    const char *id;    /* NULL when unknown (client documents carry none) */
    const char *name;
    const char *title; /* NULL when none */
    lt_param_t *params;
    size_t n_params;
    lt_constraint_t *constraints;
    size_t n_constraints;
    int64_t *segments; /* segment ids, ascending */
    size_t n_segments;
    lt_variant_t *variants;
    size_t n_variants;
    int sort_order;
    bool disabled;
} lt_strategy_t;

typedef struct {
    const char *feature; /* the parent */
    bool enabled;        /* parent must be enabled (true) or disabled (false) */
    const char **variants; /* when enabled: parent's variant must be one of these (n>0) */
    size_t n_variants;
} lt_dependency_t;

/* One feature's state in one environment. */
typedef struct {
    const char *environment;
    bool enabled;
    lt_strategy_t *strategies; /* ordered by sortOrder, then id */
    size_t n_strategies;
    lt_variant_t *variants;    /* feature-level (legacy) variants */
    size_t n_variants;
} lt_feature_env_t;

typedef struct {
    const char *name;
    const char *type;        /* "release", "experiment", ... */
    const char *description; /* NULL when none */
    const char *project;
    bool stale;
    bool impression_data;
    bool archived;
    int64_t created_at; /* epoch ms, 0 when unknown */
    lt_dependency_t *dependencies;
    size_t n_dependencies;
    lt_feature_env_t *envs;
    size_t n_envs;
} lt_feature_t;

typedef struct {
    int64_t id;
    const char *name;
    const char *description; /* NULL when none */
    const char *project;     /* NULL = global */
    lt_constraint_t *constraints;
    size_t n_constraints;
    int64_t created_at;
} lt_segment_t;

typedef struct {
    const char *id;
    const char *name;
    const char *description; /* NULL when none */
    const char *mode;        /* "open" */
    int64_t created_at;
} lt_project_t;

/* An environment enabled in a project. */
typedef struct {
    const char *project;
    const char *environment;
} lt_project_env_t;

typedef struct {
    const char *feature;
    const char *type;
    const char *value;
} lt_tag_t;

/* A public signup token (an invite link): its secret is held in clear, as Unleash lists its
 * URL (docs/ACCESS.md); it lets its holders create users of root role role_id while enabled
 * and unexpired. */
typedef struct {
    const char *secret; /* 32 lower-case hex */
    const char *name;
    const char *created_by;
    int64_t role_id;
    bool enabled;
    int64_t expires_at, created_at;
} lt_signup_token_t;

/* A user who signed up through a public signup token. */
typedef struct {
    const char *secret;
    int64_t user_id;
} lt_signup_user_t;

typedef struct {
    const char *name;
    const char *description;
    const char *icon;
    const char *color; /* "#rrggbb" or NULL */
} lt_tag_type_t;

/* A link of a flag (Unleash's feature links): its id, the URL and an optional title. */
typedef struct {
    const char *id;
    const char *feature;
    const char *url;
    const char *title; /* NULL when none */
    int64_t created_at;
} lt_link_t;

/* A lifecycle stage a flag entered (Unleash's feature lifecycle): initial, pre-live, live,
 * completed (with status "kept" or "discarded" and a status value), archived. */
typedef struct {
    const char *feature;
    const char *stage;
    const char *status;       /* completed only, else NULL */
    const char *status_value; /* may be NULL */
    int64_t entered_at;
} lt_stage_t;

/* The strategy a project's environment adds when a flag is switched on there with none
 * (Unleash's default strategy), as the JSON text of a strategy without an id. */
typedef struct {
    const char *project;
    const char *environment;
    const char *strategy;
} lt_env_default_t;

typedef struct {
    const char *name;
    const char *description;
    bool stickiness;
    const char *legal_values; /* JSON list text: [{"value","description"}] */
    int sort_order;
    int64_t created_at;
    const char *project; /* the project a project-scoped field belongs to, NULL: global */
} lt_context_field_t;

/* A custom strategy definition (built-in ones are compiled in). */
typedef struct {
    const char *name;
    const char *title;
    const char *description;
    const char *parameters; /* JSON list text: [{"name","type","description","required"}] */
    bool deprecated;
    int64_t created_at;
} lt_strategy_def_t;

/* An addon (an integration): a provider ("webhook") told of the events that match its filters.
 * The lists are JSON text; empty projects/environments (or ["*"]) match every one. parameters
 * holds the provider's settings in clear (a webhook's Authorization must be sent as given);
 * the admin API masks the sensitive ones and no log line or event carries them. */
typedef struct {
    int64_t id;
    const char *provider;
    const char *description; /* may be NULL */
    bool enabled;
    const char *parameters;   /* JSON object text: {"url": ..., ...} */
    const char *events;       /* JSON list text of event types */
    const char *projects;     /* JSON list text */
    const char *environments; /* JSON list text */
    int64_t created_at;
} lt_addon_t;

typedef struct {
    const char *name;
    const char *type; /* "development", "production", ... */
    bool enabled;
    int sort_order;
} lt_environment_t;

/* A client-features document: features seen from one environment, plus segments. */
typedef struct {
    lt_feature_t *features; /* each with exactly one env entry */
    size_t n_features;
    lt_segment_t *segments;
    size_t n_segments;
} lt_client_doc_t;

/* Error of a parse: a static message, and the name of the feature it was in (or ""). */
typedef struct {
    const char *msg;
    char where[128];
} lt_parse_err_t;

/* The env entry of f for environment env, or NULL. */
const lt_feature_env_t *lt_feature_env(const lt_feature_t *f, const char *env);
/* The segment with this id in a list sorted by id, or NULL. */
const lt_segment_t *lt_segment_find(const lt_segment_t *segs, size_t n, int64_t id);
/*
 * Is s usable as a project or environment id: 1 to 100 of [A-Za-z0-9_~-]? Token strings are
 * built from them ("project:env.secret", lists joined by ',', "[]" and "*" for all), so none of
 * the characters a token format gives a meaning ('*', ':', '.', '[', ']', ',') nor white space
 * may appear in one.
 */
bool lt_model_scope_id_ok(const char *s);
/* Sort strategies by (sortOrder, id) in place. */
void lt_strategies_sort(lt_strategy_t *s, size_t n);

/* Options for lt_model_write_feature. */
typedef struct {
    /* Inline segment constraints into strategies (clients older than spec 4.2.0); needs segs. */
    bool inline_segments;
    const lt_segment_t *segs;
    size_t n_segs;
    /* Export form: also disabled strategies, and id/title/sortOrder/disabled on each. */
    bool export_extras;
} lt_write_opts_t;

/*
 * Write one feature as the client API shows it for one environment (UNLEASH-API.md §7).
 * fe may be NULL (the feature has no state in that environment: disabled, no strategies).
 */
void lt_model_write_feature(lt_buf_t *b, const lt_feature_t *f, const lt_feature_env_t *fe,
                            const lt_write_opts_t *opts);
/* Write a segment as {"id","name","constraints"}. */
void lt_model_write_segment(lt_buf_t *b, const lt_segment_t *s);
void lt_model_write_constraints(lt_buf_t *b, const lt_constraint_t *c, size_t n);
/* Write variants as a JSON list. with_overrides: feature-level variants (overrides, and
 * stickiness "default" when unset); otherwise strategy variants, whose unset stickiness is left
 * out so readers inherit the strategy's. */
void lt_model_write_variants(lt_buf_t *b, const lt_variant_t *v, size_t n, bool with_overrides);
void lt_model_write_params(lt_buf_t *b, const lt_param_t *p, size_t n);

/*
 * Parse a client-features document (the body of GET /api/client/features, or Unleash Edge's
 * simple bootstrap map {"flag":{"enabled":true,"variant":"v"}}) of raw JSON text.
 * Each feature gets one env entry named env. Everything is allocated in a.
 * Returns LT_OK, or LT_EINVAL with err filled.
 */
int lt_model_parse_client_doc(lt_arena_t *a, const char *json, size_t len, const char *env,
                              lt_client_doc_t *out, lt_parse_err_t *err);

#endif
