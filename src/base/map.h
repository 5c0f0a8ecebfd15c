/*
 * map.h: a chained hash map from byte-string keys (copied) to pointers, for the mutable
 * in-memory tables (usage aggregation). Not thread-safe: callers lock.
 */
#ifndef LT_MAP_H
#define LT_MAP_H

#include "base.h"

typedef struct lt_map_entry {
    struct lt_map_entry *next;
    uint64_t hash;
    size_t key_len;
    void *value;
    char key[]; /* NUL-terminated copy */
} lt_map_entry_t;

typedef struct {
    lt_map_entry_t **slots;
    size_t n_slots, count;
} lt_map_t;

void lt_map_init(lt_map_t *m);
/* Free the entries; free_value (may be NULL) is called on each value. */
void lt_map_dispose(lt_map_t *m, void (*free_value)(void *));
/* The value under key, or NULL. */
void *lt_map_get(const lt_map_t *m, const char *key, size_t len);
/* The entry under key, created with value NULL when absent (*created tells which). */
lt_map_entry_t *lt_map_upsert(lt_map_t *m, const char *key, size_t len, bool *created);
/* Visit every entry. */
void lt_map_each(const lt_map_t *m, void (*fn)(void *ctx, lt_map_entry_t *e), void *ctx);

#endif
