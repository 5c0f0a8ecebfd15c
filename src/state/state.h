/*
 * state.h: the one store and the published snapshot, tied together. Writers take the store
 * lock, write (with their event row), then call lt_state_reload before answering, so the
 * next request sees the change. A watcher thread also reloads when another process (the
 * CLI, another instance) has added events.
 */
#ifndef LT_STATE_H
#define LT_STATE_H

#include "../store/store.h"
#include "snapshot.h"

/* Take ownership of store, load its sessions (auth/session.c, written through to it from now
 * on) and publish the first snapshot. LT_OK or an error. */
int lt_state_init(lt_store_t *store);
/* Stop the watcher, drop the snapshot and close the store. */
void lt_state_dispose(void);
/* The store for the reads that are safe from any thread without the lock (store.h: revision,
 * events, usage, login look-ups on the backend's read connection), so they never wait behind a
 * write. NULL before lt_state_init and after lt_state_dispose. Writes take lt_state_lock. */
lt_store_t *lt_state_store(void);
/* Exclusive use of the store (blocking). */
lt_store_t *lt_state_lock(void);
void lt_state_unlock(void);
/* Rebuild and publish the snapshot from the store; call with the store lock held. */
int lt_state_reload_locked(void);
/*
 * Did the last look at the store succeed? False after a failed reload or revision read (the
 * previous snapshot is still served); reason gets a short text for /ready, failures the count
 * of failed reloads since start. Either may be NULL. Thread-safe, never blocks on the store.
 */
bool lt_state_healthy(char *reason, size_t cap, uint64_t *failures);
/* Snapshots published since start: built from the previous one and what changed (incremental),
 * or from a whole load (the first one included). Thread-safe. */
void lt_state_reload_counts(uint64_t *incremental, uint64_t *whole);
/* After a failed write: is the store out of reach (its revision cannot be read)? Then the store
 * is marked unhealthy (as a failed reload does) until the watcher reads it again. The caller
 * holds the store lock. */
bool lt_state_store_down_locked(void);
/* Start a thread that reloads when the store's revision moves, or retries after a failed
 * reload (every interval_ms). */
int lt_state_watch_start(int interval_ms);

#endif
