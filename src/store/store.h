/*
 * store.h: the durable store behind latch. Two layers (OpenSMTPD table_backend):
 *   - the public API, lt_store_<op>(), written once in rules.c/rules_access.c/import.c above
 *     every backend: each admin write is one transaction holding its entity writes, the rules
 *     that go with them (scopes narrowed, sessions ended, fresh strategy ids) and its event row;
 *   - lt_store_backend_t, the transaction-scoped primitives a backend implements (sqlite/):
 *     one upsert and one delete per entity, load, revision, the few reads outside the snapshot.
 *     No events, no rules, no seed data inside a backend.
 * Threads: writes are serialised by the caller (state.c's store lock) and every write call
 * blocks on disk I/O. The reads outside the snapshot (revision, events, usage, login) use the
 * backend's own read connection and are safe from any thread without the caller's lock.
 */
#ifndef LT_STORE_H
#define LT_STORE_H

#include "../model/dataset.h"

typedef struct lt_store lt_store_t;
struct lt__row; /* load_rows.h */
struct lt_export_doc; /* model/export.h */

/* The event row every admin write stores in its transaction (UNLEASH-API.md §6.7). */
typedef struct {
    const char *type;                                 /* "feature-created", ... */
    const char *created_by;                           /* user name/email or token name */
    int64_t created_by_user_id;                       /* 0 = none (admin tokens, the system) */
    const char *project, *environment, *feature_name; /* NULL when not about one */
    const char *data, *pre_data;                      /* JSON text or NULL; never a secret */
} lt_event_t;

/* A stored event as read back. */
typedef struct {
    int64_t id;
    const char *type;
    int64_t created_at;
    const char *created_by;
    int64_t created_by_user_id;
    const char *project, *environment, *feature_name, *data, *pre_data;
    const char *prev_hash, *hash; /* the chain (chain.c): 64 lower-case hex, NULL before it */
} lt_event_row_t;

/* Where the event chain starts: the events up to id are before it (those stored before the
 * chain existed); the first event after id links to hash (LT_CHAIN_GENESIS at first). */
typedef struct {
    int64_t id;
    char hash[65];
} lt_chain_anchor_t;

/* Called for each event of a walk, in id order; e and its strings live for the call only.
 * Non-zero stops the walk, which returns it. */
typedef int (*lt_event_fn)(void *ctx, const lt_event_row_t *e);

typedef struct {
    const char *feature; /* NULL = any */
    const char *project;
    const char *type;
    const char *created_by;
    const char *query;     /* substring of type, creator, feature or data */
    int64_t offset, limit; /* newest first */
} lt_event_filter_t;

/* What a login needs, read straight from the store (hashes are never in snapshots). */
typedef struct {
    int64_t user_id;
    const char *password_hash; /* NULL when the user has no password */
    int login_attempts;
} lt_user_auth_t;

/* A new token to store: the digest of its secret, never the secret. */
typedef struct {
    uint8_t digest[32];
    const char *name;
    lt_token_type_t type;
    int64_t user_id; /* PATs */
    const char *environment;
    const char *const *projects;
    size_t n_projects;
    bool all_projects;
    int64_t expires_at;
    const char *display;
    const char *selector; /* v2 tokens, else NULL */
    bool read_only;       /* scoped PATs */
    int64_t quota_rps;    /* requests per second; 0 = no quota */
    const char *const *origins; /* front-end tokens: allowed CORS origins (may be none) */
    size_t n_origins;
} lt_token_new_t;

/* The stored usage of one token as one instance counted it (token_usage.c's own JSON form):
 * instances on one database write rows of their own, so counts add up and never overwrite. */
typedef struct {
    uint8_t digest[32];
    const char *instance; /* "" for the one process on a SQLite file */
    const char *data;
} lt_token_usage_row_t;
typedef void (*lt_token_usage_fn)(void *ctx, const uint8_t digest[32], const char *instance,
                                  const char *data);

/* One application instance as it registered (POST /api/client/register) or was last seen. */
typedef struct {
    const char *app_name, *instance_id, *environment;
    const char *sdk_version;   /* may be NULL */
    const char *strategies;    /* JSON list text, may be NULL */
    const char *platform_name; /* may be NULL */
    const char *sdk_type;      /* "backend" | "frontend" */
    int64_t started_at, interval_ms, seen_at;
} lt_app_row_t;

/* Usage counts of one flag for one (application, instance, environment, hour). */
typedef struct {
    const char *app_name, *instance_id, *environment, *feature;
    int64_t hour; /* epoch ms at the start of the hour */
    int64_t yes, no;
    const char *const *variant_names;
    const int64_t *variant_counts;
    size_t n_variants;
} lt_metric_row_t;

/* One delivery attempt of an addon, as recorded (GET /api/admin/addons/:id/events). */
typedef struct {
    int64_t id;       /* 0 on insert */
    int64_t addon_id;
    int64_t created_at; /* 0 on insert: now */
    const char *state;  /* "success", "failed", "successWithErrors" */
    const char *state_details;
    const char *event;   /* JSON object text: the event delivered */
    const char *details; /* JSON object text: url, contentType, body; never a secret */
} lt_integration_event_t;

typedef void (*lt_session_fn)(void *ctx, const uint8_t digest[32], int64_t user_id,
                              int64_t expires_at);

/* One counter of the login limits shared by the instances on one database (api/admin/login.c):
 * key is a keyed digest the store never sees the input of; window the minute (epoch ms / 60000).
 * n: the count after the operation (READ, ADD), 0 when there is none. */
typedef enum { LT_LOGIN_READ, LT_LOGIN_ADD, LT_LOGIN_CLEAR } lt_login_op_t;
typedef struct {
    const uint8_t *key; /* 32 bytes */
    lt_login_op_t op;
    int64_t n;
} lt_login_count_t;

/* ------------------------------------------------------------------------------------------
 * Backend primitives. Unless marked "any thread", a primitive runs inside a transaction the
 * rules layer opened with begin() and ends with commit() or rollback(); it never commits.
 * Results: LT_OK; LT_EINVAL on a constraint violation (a key taken, a reference missing);
 * LT_ENOTFOUND where a delete or an update matched nothing; LT_ERR on I/O errors (logged).
 * Arena results live in the arena given. created_at 0 in a record means "now" on insert.
 * ---------------------------------------------------------------------------------------- */

/* How an upsert treats a row that already exists under the record's key. */
typedef enum {
    LT_PUT_REPLACE = 0, /* insert, or update the existing row (its creation time kept) */
    LT_PUT_IGNORE,      /* insert only when absent; an existing row is left untouched */
    LT_PUT_RESTORE,     /* as REPLACE, and a non-zero created_at overwrites the stored one */
    LT_PUT_CREATE,      /* insert; LT_EINVAL when the key exists */
} lt_put_mode_t;

typedef enum { LT_TX_READ, LT_TX_WRITE } lt_tx_kind_t;

/* Which tokens tokens_find returns: all the non-NULL / non-zero conditions hold. */
typedef struct {
    const uint8_t *digest;   /* 32 bytes, or NULL */
    const char *project;     /* tokens scoped to it (never all-projects ones), or NULL */
    const char *environment; /* or NULL */
    int64_t user_id;         /* PATs of a user, or 0 */
} lt_token_query_t;

typedef struct lt_store_backend {
    const char *name;
    /* A fresh handle on target (a path for SQLite), migrated; no seed data. LT_OK or LT_ERR. */
    int (*open)(lt_store_t **out, const char *target);
    void (*close)(lt_store_t *s);

    /* --- transactions (one at a time; the caller serialises them) --- */
    int (*begin)(lt_store_t *s, lt_tx_kind_t kind);
    int (*commit)(lt_store_t *s);
    void (*rollback)(lt_store_t *s);
    /* Did the last write transaction that failed fail for want of disk space (SQLite's
     * SQLITE_FULL)? Cleared by the next commit that succeeds. */
    bool (*out_of_space)(lt_store_t *s);

    /* --- in a transaction: the whole dataset, and the event of a write --- */
    int (*load)(lt_store_t *s, lt_arena_t *a, lt_dataset_t *out);
    int (*event_append)(lt_store_t *s, const lt_event_t *ev);

    /* --- in a write transaction: one upsert and one delete per entity --- */
    /* *out_created (may be NULL) tells whether the row is new. */
    int (*project_put)(lt_store_t *s, const lt_project_t *p, lt_put_mode_t m, bool *out_created);
    int (*project_delete)(lt_store_t *s, const char *id); /* LT_EINVAL: flags still in it */
    int (*environment_put)(lt_store_t *s, const lt_environment_t *e, lt_put_mode_t m);
    int (*environment_delete)(lt_store_t *s, const char *name); /* its flag states with it */
    int (*project_env_put)(lt_store_t *s, const char *project, const char *env); /* IGNORE */
    int (*project_env_delete)(lt_store_t *s, const char *project, const char *env);
    /* A feature written whole: its row, env states, strategies (ids as given) and
     * dependencies. only_listed_envs keeps the env states f does not list. */
    int (*feature_put)(lt_store_t *s, const lt_feature_t *f, lt_put_mode_t m,
                       bool only_listed_envs);
    int (*feature_delete)(lt_store_t *s, const char *name);
    /* The env state (and strategies) of every flag of project in env. */
    int (*feature_envs_delete)(lt_store_t *s, const char *project, const char *env);
    int (*tag_put)(lt_store_t *s, const lt_tag_t *t);       /* IGNORE */
    int (*tags_delete)(lt_store_t *s, const char *feature); /* every tag of the feature */
    /* g->id 0: a new id in *out_id. */
    int (*segment_put)(lt_store_t *s, const lt_segment_t *g, lt_put_mode_t m, int64_t *out_id);
    int (*segment_delete)(lt_store_t *s, int64_t id);
    int (*tag_type_put)(lt_store_t *s, const lt_tag_type_t *t, lt_put_mode_t m);
    int (*tag_type_delete)(lt_store_t *s, const char *name); /* its created tags with it */
    /* A tag on no flag (t->feature unused): LT_EINVAL when it exists; and its removal (none
     * there is fine). */
    int (*tag_create)(lt_store_t *s, const lt_tag_t *t);
    int (*tag_remove)(lt_store_t *s, const lt_tag_t *t);
    int (*context_field_put)(lt_store_t *s, const lt_context_field_t *c, lt_put_mode_t m);
    int (*context_field_delete)(lt_store_t *s, const char *name);
    int (*strategy_def_put)(lt_store_t *s, const lt_strategy_def_t *d, lt_put_mode_t m);
    int (*strategy_def_delete)(lt_store_t *s, const char *name);
    /* CREATE (LT_EINVAL when the id is taken) or REPLACE (LT_ENOTFOUND when absent); the id is
     * given, never drawn. */
    int (*addon_put)(lt_store_t *s, const lt_addon_t *x, lt_put_mode_t m);
    int (*addon_delete)(lt_store_t *s, int64_t id); /* its integration events with it */
    /* u->id 0 inserts (new id in *out_id), else updates (LT_ENOTFOUND); a NULL hash keeps. */
    int (*user_put)(lt_store_t *s, const lt_user_t *u, const char *password_hash, int64_t *out_id);
    int (*user_delete)(lt_store_t *s, int64_t id); /* its role bindings with it */
    /* r->id 0 inserts; REPLACE updates r->id (LT_ENOTFOUND); IGNORE inserts r->id if absent.
     * The permissions are replaced with r's. */
    int (*role_put)(lt_store_t *s, const lt_role_t *r, lt_put_mode_t m, int64_t *out_id);
    int (*role_delete)(lt_store_t *s, int64_t id); /* its permissions and bindings with it */
    /* The project roles of a user in a project, replaced (n 0: none left). */
    int (*bindings_put)(lt_store_t *s, int64_t user_id, const char *project,
                        const int64_t *role_ids, size_t n);
    /* CREATE (LT_EINVAL when the secret is taken) or REPLACE (name, enabled, expiry). */
    int (*signup_token_put)(lt_store_t *s, const lt_signup_token_t *t, lt_put_mode_t m);
    /* Record that user_id signed up through the token secret. */
    int (*signup_user_add)(lt_store_t *s, const char *secret, int64_t user_id);
    /* CREATE or REPLACE (the id, creation and last-seen times kept; projects replaced). */
    int (*token_put)(lt_store_t *s, const lt_token_new_t *t, lt_put_mode_t m, int64_t *out_id);
    int (*token_delete)(lt_store_t *s, const uint8_t digest[32]);
    /* The marks of a token's life: its grace end (0 = none) and whether its expiry event is
     * written. LT_ENOTFOUND when there is no such token. */
    int (*token_marks)(lt_store_t *s, const uint8_t digest[32], int64_t grace_until,
                       bool expiry_noted);
    int (*session_put)(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                       int64_t expires_at);
    int (*session_delete)(lt_store_t *s, const uint8_t digest[32]); /* none: still LT_OK */
    int (*sessions_delete_user)(lt_store_t *s, int64_t user_id);
    /* Drop expired sessions, then call fn for each live one. */
    int (*sessions_load)(lt_store_t *s, lt_session_fn fn, void *ctx);

    /* Instance settings: value (JSON text) NULL removes the setting. */
    int (*setting_put)(lt_store_t *s, const char *name, const char *value);
    /* The default strategy (JSON text) of a project's environment; NULL removes it. LT_EINVAL
     * when env is not enabled in project. */
    int (*env_default_put)(lt_store_t *s, const char *project, const char *env,
                           const char *strategy);
    /* A flag link under its id: CREATE or REPLACE (url and title). */
    int (*link_put)(lt_store_t *s, const lt_link_t *l, lt_put_mode_t m);
    int (*link_delete)(lt_store_t *s, const char *id);
    /* Add (on) or remove user's favourite flag (feature) or project name; either is LT_OK
     * when it already is so, LT_EINVAL when the user or name does not exist. */
    int (*favorite_set)(lt_store_t *s, bool feature, int64_t user_id, const char *name, bool on);
    /* The flag lifecycle: a stage entered (kept as it was when already entered), removed
     * (stage NULL: all), the backfill of flags without stages, the stages metrics of feature in
     * env move it to (*moved set when one was entered); sql_write.h. */
    int (*lifecycle_put)(lt_store_t *s, const char *feature, const char *stage,
                         const char *status, const char *status_value, int64_t at);
    int (*lifecycle_delete)(lt_store_t *s, const char *feature, const char *stage);
    int (*lifecycle_backfill)(lt_store_t *s);
    int (*lifecycle_metrics)(lt_store_t *s, const char *feature, const char *env, int64_t at,
                             bool *moved);
    /* An application's metadata, replaced; an application deleted (metadata and
     * registrations; LT_OK when there was none). */
    int (*app_meta_put)(lt_store_t *s, const lt_app_meta_t *m);
    int (*app_delete)(lt_store_t *s, const char *name);
    /* A password-reset token (its digest) stored, the user's unused ones expired; one marked
     * used (LT_EINVAL when unknown, used or expired). */
    int (*reset_token_put)(lt_store_t *s, const lt_reset_token_t *t);
    int (*reset_token_use)(lt_store_t *s, const uint8_t digest[32], int64_t at);
    /* A user's mark of a UI prompt (splash seen, feedback given), replaced. */
    int (*user_mark_put)(lt_store_t *s, const lt_user_mark_t *m);

    /* --- no-event batch writes, in a write transaction --- */
    int (*tokens_seen)(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n);
    /* Replace the usage rows of n (token, instance); drop the rows of tokens no longer stored,
     * and those of an instance (not "") not written since stale_before. */
    int (*token_usage_write)(lt_store_t *s, const lt_token_usage_row_t *rows, size_t n,
                             int64_t stale_before);
    /* Call fn for each stored usage row (of digest only, when not NULL). */
    int (*token_usage_load)(lt_store_t *s, const uint8_t *digest, lt_token_usage_fn fn,
                            void *ctx);
    int (*usage_write)(lt_store_t *s, const lt_app_row_t *apps, size_t n_apps,
                       const lt_metric_row_t *rows, size_t n_rows);
    /* Usage retention: hourly rows (and their variants) of hours before raw_before are summed
     * into one row per (application, environment, flag, UTC day) with instance_id "" (hour:
     * the day's start), then removed; such day rows of days before agg_before are removed. */
    int (*usage_prune)(lt_store_t *s, int64_t raw_before, int64_t agg_before);
    int (*user_login_result)(lt_store_t *s, int64_t id, bool ok);
    /* One login counter, one statement: ADD counts one in window (`INSERT ... ON CONFLICT DO
     * UPDATE SET n = n + 1 RETURNING n`), READ reads it, CLEAR removes the key's rows; c->n is
     * set. Rows of windows before prune_before (0: none) are removed first. */
    int (*login_count)(lt_store_t *s, int64_t window, lt_login_count_t *c, int64_t prune_before);
    /* The stored secret called name (hex text, drawn at migration) in out, "" when none. */
    int (*secret_get)(lt_store_t *s, const char *name, char *out, size_t cap);
    /* Claim the delivery of event_id to addon_id for this process: *out true when no process
     * claimed it before (claims of events 10,000 ids older are dropped). */
    int (*addon_claim)(lt_store_t *s, int64_t addon_id, int64_t event_id, bool *out);
    /* Record a delivery attempt, then keep only the newest `keep` of its addon. */
    int (*integration_event_add)(lt_store_t *s, const lt_integration_event_t *e, int64_t keep);

    /* --- small reads the rules need, in a transaction --- */
    int (*tokens_find)(lt_store_t *s, lt_arena_t *a, const lt_token_query_t *q, lt_token_t **out,
                       size_t *n);
    int (*environments_list)(lt_store_t *s, lt_arena_t *a, lt_environment_t **out, size_t *n);
    int (*project_count)(lt_store_t *s, int64_t *out);
    int (*role_in_use)(lt_store_t *s, int64_t id, bool *out); /* someone's root role */
    /* Is a strategy with this id stored for another feature, or (env non-NULL) for the same
     * feature in another environment? */
    int (*strategy_id_taken)(lt_store_t *s, const char *id, const char *feature, const char *env,
                             bool *out);

    /* --- reads outside any transaction: any thread, on the backend's read connection --- */
    int (*revision)(lt_store_t *s, int64_t *out);
    int (*user_auth)(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out);
    int (*events_list)(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                       lt_event_row_t **out, size_t *n, int64_t *total);
    /* Every event after after_id in id order, streamed (bounded memory), in one read
     * transaction with the chain's anchor (*anchor, may be NULL). LT_OK, LT_ERR, or fn's. */
    int (*events_walk)(lt_store_t *s, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                       void *ctx);
    int (*usage_apps)(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n);
    int (*usage_feature)(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                         lt_metric_row_t **out, size_t *n);
    /* The delivery attempts of an addon, newest first (limit 1..100, else 50). */
    int (*integration_events_list)(lt_store_t *s, lt_arena_t *a, int64_t addon_id,
                                   int64_t offset, int64_t limit, lt_integration_event_t **out,
                                   size_t *n);

    /* --- the incremental reload (lt_store_load_changes) --- */
    /* In a write transaction, after its events: what it touched, as rows of the changes table
     * (rev: the id of the transaction's last event). kinds[i] 'f' (keys[i] a flag name), 't'
     * (the tokens), '*' (anything else; keys[i] ""), 'n' (n_events in the row's n). prune:
     * first drop the rows more than LT_STORE_CHANGES_KEEP revisions behind the latest. */
    int (*changes_append)(lt_store_t *s, const char *kinds, const char *const *keys, size_t n,
                          int64_t n_events, bool prune);
    /* In a transaction: run one query (fmt as lt__sql_exec_t: 't' a string, 'i' an int64_t)
     * and hand its row count and a cursor over its rows (load_rows.h) to fn, whose result is
     * returned (LT_ERR, logged, when the query fails). */
    int (*select)(lt_store_t *s, int (*fn)(void *ctx, size_t n_rows,
                                           int (*next)(void *cursor, struct lt__row *row),
                                           void *cursor),
                  void *ctx, const char *sql, const char *fmt, ...);
    /* --- optional (NULL: the caller polls the revision): one thread at a time --- */
    /* Wait up to timeout_ms for another process's commit: 1 when one may have come (a
     * notification, or the channel was re-made and one may have been missed), 0 on timeout,
     * LT_ERR when the database cannot be reached (after waiting timeout_ms). */
    int (*wait_change)(lt_store_t *s, int timeout_ms);
} lt_store_backend_t;

/* Every store handle starts with this; a backend's own state follows it. */
struct lt_store {
    const lt_store_backend_t *be;
    int64_t usage_pruned_at; /* the rules': when the usage retention last ran (0: never) */
    bool usage_staged;       /* the last usage write moved a flag to a lifecycle stage */
    /* The current write transaction's touches (rules_int.h lt__touch), written as changes rows
     * with its events at commit: the flags it wrote, or all (anything else). */
    char **touched;
    size_t n_touched, cap_touched;
    bool touched_all;
    bool touched_tokens; /* the API tokens (or PATs) */
    int64_t tx_events;
    uint64_t silent_writes; /* committed writes that touched the dataset without an event */
    uint64_t changes_written; /* write transactions that stored changes rows */
    int64_t login_pruned;    /* the rules': the login window old counters were last pruned in */
};

/* The backends built in (sqlite/sq_backend.c, pg/pg_backend.c). */
extern const lt_store_backend_t lt_store_sqlite;
extern const lt_store_backend_t lt_store_postgres;

/* ------------------------------------------------------------------------------------------
 * The public API (rules.c, rules_access.c, import.c, seed.c). Every call blocks on disk I/O.
 * Writes: one transaction with their event row (ev is stored as given; NULL only where said);
 * nothing is kept on failure. Results as for the primitives above.
 * ---------------------------------------------------------------------------------------- */

/*
 * Open the store named by url: "sqlite:///abs/path", "sqlite://rel/path" or a plain path, or
 * "postgres://user:password@host:port/db" (also "postgresql://"; libpq's parameters after `?`,
 * and our own `schema=NAME`: the tables live in that schema, created when missing).
 * Creates the database, runs the numbered migrations and, when it has no project, applies the
 * seed data (seed.c: project `default`, environments `development`/`production`, built-in
 * roles, tag type, context fields). LT_OK with *out to close with lt_store_close, or an error
 * (logged).
 */
int lt_store_open(lt_store_t **out, const char *url);
/* Close a handle (NULL is fine). */
void lt_store_close(lt_store_t *s);
/* Apply the seed data through the primitives when the store has no project (lt_store_open
 * does it). LT_OK or an error. */
int lt_store_seed(lt_store_t *s);

/* Everything a snapshot is built from, in a (the arena owns it all). One consistent read;
 * any error fails the whole load (never LT_OK with part of the data; *out is left empty).
 * Caller's lock. */
int lt_store_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *out);
/* What changed since revision since (lt_store_load_changes), in the arena given. */
typedef struct {
    int64_t revision;       /* the store's revision the answer is at */
    bool full;              /* not to be told incrementally (a write of anything but flags and
                             * their tags, a gap, too many flags): load everything instead */
    lt_feature_t *features; /* the changed flags as stored now, sorted by name */
    size_t n_features;
    const char **gone;      /* changed flags no longer stored, sorted */
    size_t n_gone;
    lt_tag_t *tags;         /* the tags of the changed flags, sorted by feature, type, value */
    size_t n_tags;
    bool tokens;            /* the tokens changed: all of them are here, as the load reads them */
    lt_token_t *token_rows;
    size_t n_tokens;
} lt_store_changes_t;
/* Most flags one incremental answer carries; past it, full. */
#define LT_STORE_CHANGES_MAX 256
/* How many revisions of changes rows are kept (pruned every LT_STORE_CHANGES_PRUNE_EVERY writes
 * of a handle); a reader further behind loads everything. */
#define LT_STORE_CHANGES_KEEP 100000
#define LT_STORE_CHANGES_PRUNE_EVERY 1024
/*
 * The flags (rows, states, strategies, dependencies, tags) written since revision since, and
 * the tokens when any changed, in one consistent read, from the changes rows each write stores
 * with its events. out->full when that cannot be told: a change of anything else, more than
 * LT_STORE_CHANGES_MAX flags, or events without changes rows (written before migration 7).
 * Nothing changed: revision == since. Caller's lock. LT_OK or LT_ERR (*out then empty).
 */
int lt_store_load_changes(lt_store_t *s, lt_arena_t *a, int64_t since, lt_store_changes_t *out);
/* How many write transactions of this handle committed changes to the dataset without an event
 * (so without a new revision): a reload after one cannot rely on the revision. Caller's lock. */
uint64_t lt_store_silent_writes(const lt_store_t *s);
/* Id of the latest event (0 when none). Any thread. */
int lt_store_revision(lt_store_t *s, int64_t *out);
/* After a write failed: was it for want of disk space (a full disk; writes work again once
 * space is freed, reads never stopped)? Caller's lock. */
bool lt_store_out_of_space(lt_store_t *s);
/* Whether the backend tells of other processes' commits (lt_store_wait_change). */
bool lt_store_notifies(const lt_store_t *s);
/* Wait for another process's commit, as the backend's wait_change (0 at once when it has none). */
int lt_store_wait_change(lt_store_t *s, int timeout_ms);
/* url with the password of a postgres:// URL replaced by "***" (for logs), in buf. */
const char *lt_store_url_redacted(const char *url, char *buf, size_t cap);

/* --- tokens --- */
/* Insert a token with its event (ev->data names it by display prefix); *out_id (may be NULL)
 * gets its row id. LT_EINVAL when a token with that digest exists. */
int lt_store_token_create(lt_store_t *s, const lt_token_new_t *t, const lt_event_t *ev,
                          int64_t *out_id);
/* New expiry (0 = never); LT_ENOTFOUND when no such token. */
int lt_store_token_update(lt_store_t *s, const uint8_t digest[32], int64_t expires_at,
                          const lt_event_t *ev);
/* Delete a token with its event. LT_ENOTFOUND when there is none. */
int lt_store_token_remove(lt_store_t *s, const uint8_t digest[32], const lt_event_t *ev);
/* A new quota (requests per second, 0 = none). LT_ENOTFOUND when no such token. */
int lt_store_token_set_quota(lt_store_t *s, const uint8_t digest[32], int64_t quota_rps,
                             const lt_event_t *ev);
/* New allowed origins (n = 0: none). LT_ENOTFOUND when no such token. */
int lt_store_token_set_origins(lt_store_t *s, const uint8_t digest[32],
                               const char *const *origins, size_t n, const lt_event_t *ev);
/* Rotate: insert fresh and end the old token's life at grace_until, with one event (one
 * transaction). LT_ENOTFOUND when old is gone, LT_EINVAL when fresh's digest exists. */
int lt_store_token_rotate(lt_store_t *s, const lt_token_new_t *fresh, const uint8_t old[32],
                          int64_t grace_until, const lt_event_t *ev);
/* Note that a token has expired (its api-token-expired event): written once. */
int lt_store_token_expired(lt_store_t *s, const uint8_t digest[32], int64_t grace_until,
                           const lt_event_t *ev);
/* The stored tokens matching q, in a (a read transaction): what another instance wrote since
 * the snapshot, such as last-seen times. */
int lt_store_tokens_read(lt_store_t *s, lt_arena_t *a, const lt_token_query_t *q, lt_token_t **out,
                         size_t *n);
/* Record last-seen times (no event; a batch from memory). */
int lt_store_tokens_seen(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at, size_t n);
/* Replace the usage of n (token, instance) rows and drop that of tokens gone, and the rows of
 * an instance of a shared store (not "") not written in LT_TOKEN_USAGE_STALE_DAYS (no event;
 * one transaction). */
#define LT_TOKEN_USAGE_STALE_DAYS 8
int lt_store_token_usage_write(lt_store_t *s, const lt_token_usage_row_t *rows, size_t n);
/* Call fn (in the store's read transaction: it must not call the store) for each stored usage
 * row, of digest only when not NULL. */
int lt_store_token_usage_load(lt_store_t *s, const uint8_t *digest, lt_token_usage_fn fn,
                              void *ctx);
/* --- features, tags, segments --- */
/* Replace n features whole (row, every env state, strategies, dependencies) in one
 * transaction, evs[i] stored for fs[i]; tags (may be none) are added to the features they
 * name. A strategy id used by another flag or environment is replaced by a fresh UUID. */
int lt_store_features_put(lt_store_t *s, const lt_feature_t *fs, size_t n, const lt_tag_t *tags,
                          size_t n_tags, const lt_event_t *evs);
/* One feature, as lt_store_features_put. */
int lt_store_feature_put(lt_store_t *s, const lt_feature_t *f, const lt_event_t *ev);
int lt_store_feature_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
/* Delete n features (archived ones: the caller checks) in one transaction, evs[i] for
 * names[i]. */
int lt_store_features_delete(lt_store_t *s, const char *const *names, size_t n,
                             const lt_event_t *evs);
/* Replace the tags of n_features features at once: theirs are deleted, then tags (each naming
 * its feature) added, with n_evs events; one transaction. */
int lt_store_tags_replace(lt_store_t *s, const char *const *features, size_t n_features,
                          const lt_tag_t *tags, size_t n_tags, const lt_event_t *evs,
                          size_t n_evs);
/* Create a tag on no flag (POST /api/admin/tags) with its event. LT_EINVAL: it exists. */
int lt_store_tag_create(lt_store_t *s, const lt_tag_t *t, const lt_event_t *ev);
/* A tag gone everywhere: the created one (if any) and, as lt_store_tags_replace, off the
 * n_features flags that carry it (keep: their other tags); one transaction with ev. */
int lt_store_tag_delete(lt_store_t *s, const lt_tag_t *gone, const char *const *features,
                        size_t n_features, const lt_tag_t *keep, size_t n_keep,
                        const lt_event_t *ev);
/* Replace the tags of a feature. */
int lt_store_feature_tags_put(lt_store_t *s, const char *feature, const lt_tag_t *tags, size_t n,
                              const lt_event_t *ev);
/* Insert (seg->id == 0: a new id in *out_id) or replace a segment. */
int lt_store_segment_put(lt_store_t *s, const lt_segment_t *seg, const lt_event_t *ev,
                         int64_t *out_id);
int lt_store_segment_delete(lt_store_t *s, int64_t id, const lt_event_t *ev);

/* --- projects, environments --- */
/* Insert or replace a project; a new one gets every enabled environment. */
int lt_store_project_put(lt_store_t *s, const lt_project_t *p, const lt_event_t *ev);
/* As lt_store_project_put; when it creates the project and owner is a user id (> 0), that
 * user gets the Owner role in it, in the same transaction. */
int lt_store_project_create(lt_store_t *s, const lt_project_t *p, int64_t owner,
                            const lt_event_t *ev);
/* Delete a project: tokens scoped to it lose it, and one left with no project is deleted
 * (never widened into an all-projects token). LT_EINVAL while flags are in it. */
int lt_store_project_delete(lt_store_t *s, const char *id, const lt_event_t *ev);
int lt_store_environment_put(lt_store_t *s, const lt_environment_t *e, const lt_event_t *ev);
/* Delete an environment and the tokens of it. */
int lt_store_environment_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
/* Link (on) or unlink an environment and a project. */
int lt_store_project_env_set(lt_store_t *s, const char *project, const char *env, bool on,
                             const lt_event_t *ev);
/* Take env out of a project: the link and every state of the project's flags there.
 * LT_ENOTFOUND when the project did not have it. */
int lt_store_project_env_remove(lt_store_t *s, const char *project, const char *env,
                                const lt_event_t *ev);
/* Set the sort order of n environments with one event; LT_ENOTFOUND for an unknown name. */
int lt_store_environments_order(lt_store_t *s, const char *const *names, const int *orders,
                                size_t n, const lt_event_t *ev);

/* --- instance settings, default strategies, flag links --- */
/* Set instance setting name to value (JSON text; NULL removes it). */
int lt_store_setting_put(lt_store_t *s, const char *name, const char *value, const lt_event_t *ev);
/* Set (strategy JSON text) or remove (NULL) the default strategy of project's environment env;
 * LT_EINVAL when env is not enabled in project. */
int lt_store_env_default_put(lt_store_t *s, const char *project, const char *env,
                             const char *strategy, const lt_event_t *ev);
/* Add (LT_PUT_CREATE) or replace the url and title of (LT_PUT_REPLACE) a flag link. */
int lt_store_link_put(lt_store_t *s, const lt_link_t *l, lt_put_mode_t m, const lt_event_t *ev);
int lt_store_link_delete(lt_store_t *s, const char *id, const lt_event_t *ev);
/* Add (on) or remove a favourite flag (feature) or project of user_id; LT_OK when it already
 * was so (the event is written all the same, as Unleash does). */
/* The flag lifecycle. Stages follow the events as Unleash's do: feature-created enters
 * "initial", feature-archived "archived", feature-revived starts over at "initial",
 * features-imported gives the flags without one "initial"; metrics (lt_store_usage_write) enter
 * "pre-live" and, in a production environment where the flag is on, "live". complete enters
 * "completed" with status ("kept"/"discarded") and status_value (may be NULL); uncomplete
 * leaves it. Each with its event. */
int lt_store_lifecycle_complete(lt_store_t *s, const char *feature, const char *status,
                                const char *status_value, const lt_event_t *ev);
int lt_store_lifecycle_uncomplete(lt_store_t *s, const char *feature, const lt_event_t *ev);
/* Did the last lt_store_usage_write move a flag to a lifecycle stage? (Then the snapshot is
 * stale: no event marks it.) */
bool lt_store_usage_staged(const lt_store_t *s);
int lt_store_favorite_set(lt_store_t *s, bool feature, int64_t user_id, const char *name, bool on,
                          const lt_event_t *ev);
/* --- tag types, context fields, strategy definitions --- */
int lt_store_tag_type_put(lt_store_t *s, const lt_tag_type_t *t, const lt_event_t *ev);
int lt_store_tag_type_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
int lt_store_context_field_put(lt_store_t *s, const lt_context_field_t *c, const lt_event_t *ev);
int lt_store_context_field_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
int lt_store_strategy_def_put(lt_store_t *s, const lt_strategy_def_t *d, const lt_event_t *ev);
int lt_store_strategy_def_delete(lt_store_t *s, const char *name, const lt_event_t *ev);

/* --- addons (integrations) --- */
/* Insert (create: LT_EINVAL when x->id is taken) or replace (LT_ENOTFOUND when absent) an
 * addon with its event. */
int lt_store_addon_put(lt_store_t *s, const lt_addon_t *x, bool create, const lt_event_t *ev);
/* Delete an addon and its recorded deliveries. LT_ENOTFOUND when there is none. */
int lt_store_addon_delete(lt_store_t *s, int64_t id, const lt_event_t *ev);
/* Claim the delivery of an event to an addon (no event; one transaction, caller's lock): *out
 * true for the first process that asks, so instances sharing a database deliver it once. */
int lt_store_addon_claim(lt_store_t *s, int64_t addon_id, int64_t event_id, bool *out);
/* Record one delivery attempt (no event; one transaction, caller's lock), keeping the newest
 * LT_ADDON_EVENTS_KEPT of the addon. */
#define LT_ADDON_EVENTS_KEPT 100
int lt_store_integration_event_add(lt_store_t *s, const lt_integration_event_t *e);
/* The recorded attempts of an addon, newest first, in a. Any thread. */
int lt_store_integration_events(lt_store_t *s, lt_arena_t *a, int64_t addon_id, int64_t offset,
                                int64_t limit, lt_integration_event_t **out, size_t *n);

/* --- users, roles, sessions --- */
/* Insert (u->id == 0) or update a user; password_hash NULL keeps the current one, a new one
 * ends the user's sessions. ev may be NULL (no event). LT_EINVAL: username or email taken. */
int lt_store_user_put(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                      const lt_event_t *ev, int64_t *out_id);
/* The same for a new user (u->id 0) with invite (may be NULL), a password-reset token stored
 * for them in the same transaction (its user_id set here). */
int lt_store_user_put_invited(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                              lt_reset_token_t *invite, const lt_event_t *ev, int64_t *out_id);
/* Delete a user with their PATs and sessions. */
int lt_store_user_delete(lt_store_t *s, int64_t id, const lt_event_t *ev);
/* Delete n users (ids[i] with its event evs[i]) as lt_store_user_delete, all in one
 * transaction: all or none. */
int lt_store_users_delete(lt_store_t *s, const int64_t *ids, size_t n, const lt_event_t *evs);
/* Find a user by username or email (case-insensitive) for login; strings in a.
 * LT_ENOTFOUND. Any thread. */
int lt_store_user_auth(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out);
/* After a login attempt: ok resets the failure count and sets seen_at. No event. */
int lt_store_user_login_result(lt_store_t *s, int64_t id, bool ok);
/* The login limits shared by every instance on the database: the n counters of c in window,
 * one statement each, in one write transaction (no event); the counters of windows before the
 * previous one are pruned at most once a window. LT_OK, or LT_ERR (nothing counted). */
int lt_store_login_count(lt_store_t *s, int64_t window, lt_login_count_t *c, size_t n);
/* The 32-byte key of the login limits, the same on every instance on the database: drawn once
 * at migration, never exported, logged or put in an event. LT_OK, LT_ERR. */
int lt_store_login_secret(lt_store_t *s, uint8_t out[32]);
/* Insert (r->id == 0) or replace a role with its permissions. LT_EINVAL: name taken. */
int lt_store_role_put(lt_store_t *s, const lt_role_t *r, const lt_event_t *ev, int64_t *out_id);
/* LT_EINVAL while the role is someone's root role. */
int lt_store_role_delete(lt_store_t *s, int64_t id, const lt_event_t *ev);
/* Set the project roles of a user in a project (replacing the previous ones). */
int lt_store_bindings_set(lt_store_t *s, int64_t user_id, const char *project,
                          const int64_t *role_ids, size_t n, const lt_event_t *ev);
/* Sessions: digest of the cookie value. No events. */
/* A public signup token created (create) or its enabled flag and expiry replaced. */
int lt_store_signup_token_put(lt_store_t *s, const lt_signup_token_t *t, bool create,
                              const lt_event_t *ev);
/* A user signing up through signup token t: the new user u (with password_hash) and the link
 * to the token, with two events: user_ev, then public-signup-token-user-added attributed to
 * the system with {name: t's name, userId} (never the secret). *out_id gets the new id. */
int lt_store_signup_user_add(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                             const lt_signup_token_t *t, const lt_event_t *user_ev,
                             int64_t *out_id);
int lt_store_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                         int64_t expires_at);
int lt_store_session_delete(lt_store_t *s, const uint8_t digest[32]);
/* Drop expired sessions and call fn for every live one. */
int lt_store_sessions_load(lt_store_t *s, lt_session_fn fn, void *ctx);

/* Store a password-reset token for t->user_id (its digest, never the secret); the user's
 * earlier unused tokens expire. */
int lt_store_reset_token_create(lt_store_t *s, const lt_reset_token_t *t, const lt_event_t *ev);
/* Use the reset token with this digest to set user u's password hash, in one transaction: the
 * token is then used, and the user's sessions end. LT_EINVAL when the token is unknown, used
 * or expired (nothing changes). */
int lt_store_password_reset(lt_store_t *s, const uint8_t digest[32], const lt_user_t *u,
                            const char *password_hash, const lt_event_t *ev);
/* Record what a user did with a prompt of the UI (a splash screen, a feedback prompt). */
int lt_store_user_mark_put(lt_store_t *s, const lt_user_mark_t *m, const lt_event_t *ev);
/* Set an application's metadata (description, url, color, icon); delete an application: its
 * metadata and registrations (LT_OK when it had none). */
int lt_store_app_meta_put(lt_store_t *s, const lt_app_meta_t *m, const lt_event_t *ev);
int lt_store_app_delete(lt_store_t *s, const char *name, const lt_event_t *ev);
/* --- events and usage (any thread) --- */
/* Events newest first, in a; *total counts all that match. */
int lt_store_events_list(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                         lt_event_row_t **out, size_t *n, int64_t *total);

/* --- the event chain (chain.c; docs/ACCESS.md, "The event log's chain") --- */
/* The hash the chain starts from when nothing came before it. */
#define LT_CHAIN_GENESIS "0000000000000000000000000000000000000000000000000000000000000000"
/* The canonical JSON of a stored row: id, type, created_at, created_by, created_by_user_id,
 * project, environment, feature_name, data, pre_data in that order, the stored values (text
 * as a JSON string, a NULL as null, created_by_user_id 0 as null), no whitespace. */
void lt_store_event_canon(lt_buf_t *b, const lt_event_row_t *e);
/* hex(SHA-256(prev || canonical JSON of e)), prev the 64 hex of the row before: out[65]. */
void lt_store_event_hash(const char *prev, const lt_event_row_t *e, char out[65]);
/* Every event after after_id in id order, streamed (see lt_event_fn); *anchor may be NULL.
 * Any thread; SQLite's read connection is held for the whole walk. */
int lt_store_events_walk(lt_store_t *s, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                         void *ctx);

/* What a verification found: the first broken link only. */
typedef enum {
    LT_CHAIN_OK = 0,
    LT_CHAIN_CHANGED,      /* at_id's stored content (or its hashes) is not what was hashed */
    LT_CHAIN_DELETED,      /* rows are missing between other_id (0: the anchor) and at_id */
    LT_CHAIN_INSERTED,     /* at_id is not part of the chain: other_id links over it */
    LT_CHAIN_ORDER,        /* at_id and other_id are in each other's place */
    LT_CHAIN_HEAD_MISSING, /* the expected head at_id is not in the log (other_id: its last) */
    LT_CHAIN_HEAD_CHANGED, /* the expected head at_id has another hash: rewritten up to it */
} lt_chain_break_t;

typedef struct {
    int64_t checked; /* events verified (after the anchor) */
    int64_t before;  /* events at or before the anchor, not chained */
    lt_chain_anchor_t anchor;
    int64_t head_id;         /* the last event verified (anchor id when none) */
    char head_hash[65];      /* and its hash: a truncated tail shows only against it */
    lt_chain_break_t broken; /* LT_CHAIN_OK when the whole chain holds */
    int64_t at_id, other_id;
} lt_chain_report_t;
/* Walk the whole log and check each link, in bounded memory; with expect (may be NULL), also
 * that event expect->id is in the checked log with hash expect->hash (a head verified before:
 * what a chain cannot show by itself, its end cut off or the log rewritten whole). LT_OK with
 * *out (broken or not), or LT_ERR when the log could not be read. Any thread. */
int lt_store_events_verify(lt_store_t *s, const lt_chain_anchor_t *expect, lt_chain_report_t *out);
/* An event as the admin API shows it (Unleash's shape), with prevHash and hash when chain. */
void lt_store_event_write_json(lt_buf_t *b, const lt_event_row_t *e, bool chain);

/* Applications as stored, in a. */
int lt_store_usage_apps(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n);
/* Hourly counts of a flag since an epoch ms, with their variant counts, in a. */
int lt_store_usage_feature(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                           lt_metric_row_t **out, size_t *n);
/* Merge usage counts and registrations in (counts add up); one transaction, no event. At most
 * once an hour the same transaction applies the retention: hourly counts are kept
 * LT_USAGE_RAW_HOURS, their daily sums (instance "") LT_USAGE_DAILY_DAYS. */
#define LT_USAGE_RAW_HOURS 48
#define LT_USAGE_DAILY_DAYS 90
int lt_store_usage_write(lt_store_t *s, const lt_app_row_t *apps, size_t n_apps,
                         const lt_metric_row_t *rows, size_t n_rows);

/* --- imports (import.c), through the same entity writers --- */
/* Load a client-features document into environment env (creating missing projects and the
 * environment), replacing the listed features' state there; one features-imported event. */
int lt_store_import_doc(lt_store_t *s, const lt_client_doc_t *doc, const char *env,
                        const char *actor);
/* Load a latch export document (model/export.h) with its event: every project, environment,
 * segment (ids kept), tag type, context field and strategy definition upserted, every flag
 * replaced whole (states, strategies, dependencies, tags). Nothing absent from the document is
 * removed. LT_EINVAL on a constraint violation (nothing kept). */
int lt_store_import_all(lt_store_t *s, const struct lt_export_doc *doc, const char *actor);
/* The same load with the caller's n_evs events instead (Unleash's import into one project and
 * environment, POST /api/admin/features-batch/import: the caller merged each flag with what
 * it holds elsewhere, lists only the records to create, and names the events). */
int lt_store_import_into(lt_store_t *s, const struct lt_export_doc *doc, const lt_event_t *evs,
                         size_t n_evs);

/* The access records of another system to import (an Unleash database): ids are the source's
 * own, so bindings, root roles and PAT owners name source ids; lt_store_import_access maps them
 * to the store's. */
typedef struct {
    lt_user_t *users; /* id: the source's; root_role: a source role id */
    const char **password_hashes; /* per user: a bcrypt hash as the source kept it, or NULL */
    size_t n_users;
    lt_role_t *roles; /* custom roles (source id > LT_ROLE_MEMBER) with their permissions */
    size_t n_roles;
    lt_binding_t *bindings; /* project roles: source user and role ids */
    size_t n_bindings;
    lt_token_new_t *tokens; /* API tokens and PATs (user_id: the source's), digests only */
    size_t n_tokens;
    lt_event_t *events; /* the source's event log, oldest first (may be none) */
    size_t n_events;
} lt_import_access_t;

/* What lt_store_import_unleash did, per kind. */
typedef struct {
    size_t users_created, users_updated, roles_created, roles_updated, tokens, bindings;
    size_t passwords_kept; /* users whose store password (set or upgraded here) was kept */
    size_t events;
    bool events_skipped; /* the event log had been imported by an earlier run */
} lt_import_result_t;

/*
 * Import another system's data in ONE transaction with one "unleash-imported" event: doc as
 * lt_store_import_all, then acc: custom roles matched by name (replaced, else created), users
 * matched by username or email case-insensitively (updated, else created; a bcrypt hash is
 * written for a user with no password or another bcrypt hash, and never over a password the
 * store already holds in its own form), their project roles replaced per project, tokens and
 * PATs upserted by digest (a PAT whose owner was not imported is skipped). Events are appended
 * once: a store that holds an "unleash-events-imported" event is not given them again.
 * Nothing absent from the source is removed. LT_EINVAL on a constraint violation (nothing kept).
 */
int lt_store_import_unleash(lt_store_t *s, const struct lt_export_doc *doc,
                            const lt_import_access_t *acc, const char *actor,
                            lt_import_result_t *out);

#endif
