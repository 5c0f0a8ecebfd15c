/*
 * edge_int.h: what the files of src/edge/ that make up `latch edge` share (edge.c, tokens.c,
 * sync.c, backup.c, usage_fwd.c): one state under one lock. Upstream calls are made without
 * the lock; only the sync thread changes the scope list and the scopes' documents.
 */
#ifndef LT_EDGE_INT_H
#define LT_EDGE_INT_H

#include <pthread.h>

#include "../auth/token.h"
#include "../base/map.h"
#include "edge.h"
#include "upstream.h"

typedef enum { TK_PENDING, TK_VALID, TK_INVALID, TK_ERROR } tk_state_t;

/* A token the edge has been shown (or holds from the backup), keyed by its digest. */
typedef struct {
    uint8_t digest[32];
    char *secret;    /* NULL when restored from the backup and not presented since */
    tk_state_t state;
    bool startup;    /* one of the startup tokens */
    bool unverified; /* the record came from the backup or the token's shape, not the upstream */
    lt_token_type_t type;
    char *env;
    char **projects;
    size_t n_projects;
    bool all_projects;
    char **origins; /* front-end tokens: their own allowed CORS origins, from the upstream */
    size_t n_origins;
    int64_t checked_ms; /* the last answer about it (or failure to get one) */
    int64_t used_ms;
} tk_entry_t;

/* One (environment, projects) the startup tokens read, polled on its own. */
typedef struct {
    char *key; /* "env\x1fp1,p2" or "env\x1f*" */
    char *env;
    char **projects;
    size_t n_projects;
    bool all;
    char *token;    /* the secret of a startup token with this scope */
    char etag[128];
    char *doc;      /* the last client-features body (NULL: none yet) */
    size_t doc_len;
    bool from_backup;
    int64_t last_ok_ms, next_ms;
    int failures;
    bool streaming; /* a change stream brings its documents: the poller leaves it alone */
} scope_t;

/* A scope's document as the backup held it, until a scope takes it. */
typedef struct {
    char *key, *etag, *doc;
    size_t doc_len;
} backup_doc_t;

/* A pre-trusted front-end token: opens /api/frontend in env (and project, NULL = every
 * project the startup tokens of env read) without asking the upstream. */
typedef struct {
    char *secret, *env, *project;
} pretrusted_t;

typedef struct {
    lt_edge_config_t cfg; /* strings owned */
    pthread_mutex_t lock;
    pthread_cond_t token_changed;  /* a validation answered: waiters look again */
    pthread_cond_t wake_validator; /* a token waits for validation */
    pthread_cond_t wake_sync;      /* the startup tokens changed, or stop */
    lt_map_t tokens;               /* digest -> tk_entry_t* */
    char **startup;
    uint8_t (*startup_digest)[32]; /* parallel to startup */
    size_t n_startup;
    char **keys;
    size_t n_keys;
    pretrusted_t *pretrusted; /* --pretrusted-tokens */
    size_t n_pretrusted;
    scope_t **scopes;
    size_t n_scopes;
    backup_doc_t *backup_docs;
    size_t n_backup_docs;
    bool stop, running, threads, reachable, scopes_dirty, have_state;
    int64_t next_revalidation_ms, last_change_ms;
    uint64_t polls, poll_failures, changes, validations, validation_failures;
    uint64_t usage_forwarded, usage_forward_failures;
    char error[200];
    uint64_t stream_events;
    pthread_t sync_thread, validator_thread, stream_thread;
} edge_t;

extern edge_t lt__edge;

/* tokens.c */
/* The entry of a digest, or NULL (lock held). */
tk_entry_t *lt__edge_token_find(const uint8_t digest[32]);
/* The entry of a secret, created PENDING when absent (lock held). */
tk_entry_t *lt__edge_token_add(const char *secret);
void lt__edge_token_free(void *p);
/* Is a record of this type and scope inside a startup token's scope? (lock held) */
bool lt__edge_in_scope(lt_token_type_t type, const char *env, char *const *projects,
                       size_t n_projects, bool all);
/* Ask the upstream now about every entry with a secret (lock held on entry and exit,
 * released during the calls). */
void lt__edge_validate_pending(void);
void *lt__edge_validator_main(void *arg);

/* sync.c */
void *lt__edge_sync_main(void *arg);
/* Rebuild the scope list from the startup tokens (lock held). */
void lt__edge_scopes_refresh(void);
/* Poll every scope once now (the sync thread, or start before it runs). */
void lt__edge_poll_all(lt_upstream_t *u, bool only_due);
/* Build and publish a snapshot from the scopes' documents. */
void lt__edge_publish(void);
void lt__edge_scope_free(scope_t *s);
/* A scope's document as the upstream has it now (lock held): body taken over when it differs
 * (NULL: unchanged); true when what is served must be rebuilt. */
bool lt__edge_scope_take(scope_t *s, lt_buf_t *body, const char *etag, int64_t now);
/* path with the scope's projects as `project` parameters, into out. */
void lt__edge_query_of(const scope_t *s, const char *path, char *out, size_t cap);
/* After a scope's document changed (lock held; released for the backup write): count it,
 * publish a snapshot, write the backup. */
void lt__edge_changed(void);

/* stream_sub.c: the subscription to the upstream's /api/client/streaming, one transfer per
 * scope on one thread (started only when cfg.streaming). */
void *lt__edge_stream_main(void *arg);
/* Re-validate every cached token now (lock held): the upstream said its tokens changed. */
void lt__edge_revalidate_now(void);

/* backup.c: the folder holds edge-backup.json (documents and token digests, no secret). */
int lt__edge_backup_read(void);
void lt__edge_backup_write(void);

#endif
