/*
 * edge.h: `latch edge`: a process near the SDKs that holds an upstream's flags in memory and
 * answers as the upstream would (the api layer's client and front-end handlers serve the
 * snapshot it publishes). It polls /api/client/features per startup-token scope (sync.c),
 * validates the tokens SDKs present against the upstream's /edge/validate, cached and
 * re-validated (tokens.c), forwards usage in bulk (usage_fwd.c) and keeps a backup folder
 * without secrets (backup.c). Started once by the CLI; every call is thread-safe.
 */
#ifndef LT_EDGE_H
#define LT_EDGE_H

#include "../base/buf.h"
#include "../store/store.h"

typedef struct {
    const char *upstream_url;
    int refresh_interval_ms;      /* poll period per scope (a 304 is cheap) */
    int revalidation_interval_ms; /* every validated token is asked about again this often */
    int connect_timeout_ms, request_timeout_ms;
    size_t token_cache_max; /* validated tokens kept (positive and negative) */
    const char *backup_folder; /* NULL: none */
    const char *client_keys_env; /* the environment proxy client keys read */
    bool streaming; /* subscribe to the upstream's /api/client/streaming where it has one */
    int stream_silence_ms; /* a stream without a byte this long is dead (0: 60 s) */
    void (*tokens_changed)(void); /* NULL, or called (no lock held) when a cached token turned
                                   * invalid: the CLI hands it to the downstream streams */
} lt_edge_config_t;

/*
 * Start: read the backup folder (when set), validate the startup tokens, poll every scope
 * once and publish a snapshot (empty when neither the upstream nor a backup had anything),
 * then start the sync, validation and revalidation threads. tokens and keys are copied.
 * LT_OK, or LT_EINVAL when no startup token is usable (logged).
 */
int lt_edge_start(const lt_edge_config_t *cfg, const char *const *tokens, size_t n_tokens,
                  const char *const *client_keys, size_t n_client_keys);
/* Stop the threads (usage left is forwarded by the usage module's own stop). */
void lt_edge_stop(void);
/* Is the edge running in this process? */
bool lt_edge_running(void);
/* Replace the startup tokens and client keys (SIGHUP); scopes follow on the next poll. */
void lt_edge_reload(const char *const *tokens, size_t n_tokens, const char *const *client_keys,
                    size_t n_client_keys);

/*
 * The record of an API token presented by a downstream SDK: true with *out filled (strings in
 * a) when the upstream knows it and its scope lies within a startup token's scope. Blocks
 * while a first validation is in flight (at most about the request timeout); cached after.
 */
bool lt_edge_token_lookup(lt_str_t secret, lt_arena_t *a, lt_token_t *out);
/* Does a valid cached front-end token allow this CORS origin (exactly, or by "*")? For
 * preflights, which carry no token. */
bool lt_edge_origin_known(lt_str_t origin);
/* The cached record of a token by its digest, never asking the upstream: true with *out
 * filled (strings in a) while it is valid and in scope. For the downstream streams, which
 * look their token up again at every change. */
bool lt_edge_token_by_digest(const uint8_t digest[32], lt_arena_t *a, lt_token_t *out);
/* A proxy client key or a pre-trusted token: true with the scope it grants (the client-keys
 * environment, or the pre-trusted token's, and the projects the startup tokens of that
 * environment cover). Never asks the upstream. */
bool lt_edge_client_key(lt_str_t presented, lt_arena_t *a, lt_token_t *out);

/* Replace the pre-trusted front-end tokens (Unleash Edge's --pretrusted-tokens), each
 * `project:environment.secret` or `secret@environment`; opened by lt_edge_client_key, never
 * asked upstream. Malformed entries are logged and skipped. Copied. */
void lt_edge_set_pretrusted(const char *const *tokens, size_t n);

/* What /ready, Prometheus and /internal-backstage show. */
typedef struct {
    bool upstream_ok;       /* the last poll of every scope got an answer */
    bool have_state;        /* flags were loaded (from the upstream or the backup) */
    bool from_backup;       /* what is served came from the backup, not from this run */
    int64_t last_sync_ms;   /* newest successful poll of any scope (0: none) */
    int64_t oldest_sync_ms; /* oldest successful poll among the scopes (0: one never synced) */
    int64_t last_change_ms; /* when the served flags last changed */
    uint64_t polls, poll_failures, changes;
    size_t n_scopes;
    size_t n_streaming;     /* scopes following the upstream's change stream */
    uint64_t stream_events; /* change-stream events applied */
    size_t tokens_valid, tokens_invalid, tokens_pending;
    uint64_t validations, validation_failures;
    uint64_t usage_forwarded, usage_forward_failures;
    char error[240]; /* the last upstream error, "" when none */
} lt_edge_status_t;
void lt_edge_status(lt_edge_status_t *out);
/* Prometheus text of the edge (nothing when the edge is not running). */
void lt_edge_metrics_write(lt_buf_t *b);
/* /internal-backstage/tokens: every cached token as digest prefix, type, scope, state. */
void lt_edge_tokens_json(lt_buf_t *b);
/* /internal-backstage/features: the client-features document of each scope, by scope. */
void lt_edge_features_json(lt_buf_t *b);

/*
 * The usage module's sink (api/usage.h): forwards registrations and counts upstream in bulk,
 * one POST /api/client/metrics/bulk per environment with a startup token of that environment,
 * at most 1000 counts each. Sets requeue_apps[i] / requeue_rows[i] for what the upstream did
 * not take (the caller keeps it for the next flush). Blocks for the upstream calls.
 */
int lt_edge_usage_sink(const lt_app_row_t *apps, size_t n_apps, const lt_metric_row_t *rows,
                       size_t n_rows, bool *requeue_apps, bool *requeue_rows);

#endif
