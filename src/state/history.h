/*
 * history.h: digests of the flag state of recent snapshots, so the delta API and the streams
 * can tell what changed between two revisions without keeping old snapshots alive. A digest
 * holds, per environment, each visible flag's name, project and a hash of its client JSON,
 * and each segment's id and hash: a few dozen bytes a flag. The last LT_HIST_KEEP are kept.
 */
#ifndef LT_HISTORY_H
#define LT_HISTORY_H

#include "snapshot.h"

/* How many revisions' digests are kept; a client further behind gets a full state. */
#define LT_HIST_KEEP 32

typedef struct {
    const char *name;
    const char *project;
    uint64_t hash; /* of the flag's client JSON (segments by reference) */
} lt_hist_flag_t;

typedef struct {
    const char *env;
    lt_hist_flag_t *flags; /* sorted by name */
    size_t n_flags;
} lt_hist_env_t;

typedef struct {
    int64_t id;
    uint64_t hash;
} lt_hist_seg_t;

typedef struct lt_hist {
    uint64_t revision;
    int refs; /* guarded by the history's lock */
    lt_arena_t arena;
    lt_hist_env_t *envs;
    size_t n_envs;
    lt_hist_seg_t *segs; /* sorted by id */
    size_t n_segs;
} lt_hist_t;

/*
 * The digest of snapshot s: the kept one for its revision, or built now (hashing each visible
 * flag's client JSON per environment, lt_snapshot_flag_json) and kept. Returns a reference:
 * lt_hist_release it. Thread-safe; two callers for a new revision build it once.
 */
lt_hist_t *lt_hist_of(lt_snapshot_t *s);
/* The kept digest of a revision (a reference), or NULL when it is not (or no longer) kept. */
lt_hist_t *lt_hist_find(uint64_t revision);
void lt_hist_release(lt_hist_t *h);
/* Drop every kept digest (at shutdown). */
void lt_hist_clear(void);

/* The environment of a digest, or NULL. */
const lt_hist_env_t *lt_hist_env(const lt_hist_t *h, const char *env);

/* Which flags a reader sees: returns true for a flag in its scope. */
typedef bool (*lt_hist_scope_fn)(const void *scope, const char *name, const char *project);

/*
 * Walk the changes of env from old to cur as one reader sees them: on_flag(ctx, f, false) for a
 * flag of cur in scope that was not in scope in old or whose hash changed, on_flag(ctx, f, true)
 * for a flag in scope in old that is not in scope in cur (f is then old's entry). Either
 * digest may lack env (no flags). Returns the number of changes.
 */
size_t lt_hist_diff_flags(const lt_hist_t *old, const lt_hist_t *cur, const char *env,
                          lt_hist_scope_fn in_scope, const void *scope,
                          void (*on_flag)(void *ctx, const lt_hist_flag_t *f, bool removed),
                          void *ctx);
/* The same for segments (global, no scope): on_seg(ctx, id, removed). */
size_t lt_hist_diff_segs(const lt_hist_t *old, const lt_hist_t *cur,
                         void (*on_seg)(void *ctx, int64_t id, bool removed), void *ctx);

#endif
