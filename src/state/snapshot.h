/*
 * snapshot.h: the immutable, refcounted in-memory state every request is answered from:
 * features per environment, segments, the token table, and memoized response bodies.
 * A request takes a reference (a few ns under a mutex), works without locks, and releases
 * it when its response has been sent. Writers build a new snapshot and publish it.
 */
#ifndef LT_SNAPSHOT_H
#define LT_SNAPSHOT_H

#include <pthread.h>

#include "../auth/token.h"
#include "../store/store.h"

/* The visible (not archived) features of one environment, sorted by name. */
typedef struct {
    const char *name;
    const lt_feature_t **features;
    size_t n_features;
    struct lt_eval_env *eval; /* the compiled evaluation form (src/eval/eval.h) */
    lt_str_t *name_json;      /* per compiled flag (lt_eval_at order): its name as a JSON
                               * string, escaped once for every answer that lists flags */
} lt_env_view_t;

/* A memoized response body with its ETag, gzip form and per-feature slices. */
typedef struct {
    const char *name; /* feature name */
    size_t off, len;  /* its JSON inside body */
} lt_memo_slice_t;

typedef struct lt_memo {
    struct lt_memo *next;
    char *key;
    size_t key_len;
    uint64_t hash;
    char *body;
    size_t len;
    char *gz; /* NULL when not compressed (yet) */
    size_t gz_len;
    char etag[96];
    lt_memo_slice_t *slices; /* sorted by name */
    size_t n_slices;
    bool transient; /* not stored in the snapshot: free it after the request */
} lt_memo_t;

typedef struct lt_snapshot {
    int refs; /* guarded by the publication mutex */
    uint64_t revision;
    int64_t built_at;
    lt_arena_t arena;
    lt_dataset_t data;
    lt_env_view_t *envs;
    size_t n_envs;
    lt_token_table_t tokens;
    int64_t *token_seen;    /* parallel to data.tokens: last use (ms), updated atomically */
    int64_t *token_written; /* what the usage flush last stored for each */
    /* every live front-end token's allowed origins, sorted, each once: preflights carry no
     * token, so they are answered from these and the server's list */
    const char **frontend_origins;
    size_t n_frontend_origins;
    pthread_mutex_t memo_lock; /* held only to look up or insert, never while building */
    lt_memo_t **memo;
    size_t memo_slots, memo_count;
    size_t memo_bytes; /* what the stored memos hold, bounded by LT_MEMO_MAX_BYTES */
} lt_snapshot_t;

/* Limits how many distinct memoized bodies a snapshot keeps, and the bytes they hold; past
 * either, a new body is built for its request alone (transient). */
#define LT_MEMO_MAX 4096
#define LT_MEMO_MAX_BYTES ((size_t)256 << 20)

/* Build a snapshot that owns arena a and the dataset loaded into it. Never fails. */
lt_snapshot_t *lt_snapshot_build(lt_arena_t *a, const lt_dataset_t *d);
/* The environment view named env, or NULL. */
const lt_env_view_t *lt_snapshot_env(const lt_snapshot_t *s, const char *env);
/* Is there a project with this id? */
bool lt_snapshot_has_project(const lt_snapshot_t *s, const char *id);

/* Note that token t (one of s->data.tokens) was used at now_ms (cheap: at most one atomic
 * store a second per token). */
void lt_snapshot_token_seen(lt_snapshot_t *s, const lt_token_t *t, int64_t now_ms);
/* When t was last used: the newer of the stored time and this snapshot's sightings. */
int64_t lt_snapshot_token_last_seen(const lt_snapshot_t *s, const lt_token_t *t);

/* Does some live front-end token of s allow origin (exactly, or by "*")? */
bool lt_snapshot_frontend_origin(const lt_snapshot_t *s, lt_str_t origin);

/* Look up a memoized body; NULL when absent. */
lt_memo_t *lt_snapshot_memo_find(lt_snapshot_t *s, const char *key, size_t key_len);
/*
 * Offer a freshly built memo (key, body... filled; next/hash set here). Returns the entry to
 * use: m itself once stored, an equal entry another thread stored first (m is then freed),
 * or m marked transient when the table is full (the caller frees it with lt_memo_free).
 */
lt_memo_t *lt_snapshot_memo_offer(lt_snapshot_t *s, lt_memo_t *m);
void lt_memo_free(lt_memo_t *m);

/* Publication: the current snapshot, taking a reference; never NULL after the first publish. */
lt_snapshot_t *lt_snapshot_acquire(void);
void lt_snapshot_release(lt_snapshot_t *s);
/* Make s current (takes over the caller's reference); the old one goes when its readers do. */
void lt_snapshot_publish(lt_snapshot_t *s);
/* Call fn after every publication, on the publishing thread with no lock held (it should only
 * wake a thread of its own). One hook, set before the first publication or NULL to unset. */
void lt_snapshot_on_publish(void (*fn)(void));
/* Drop the current snapshot at shutdown. */
void lt_snapshot_shutdown(void);

#endif
