/*
 * map.c: chained hashing with power-of-two tables, FNV-1a over the key; see map.h.
 */
#include "map.h"

#include <stdlib.h>

#include "util.h"

void lt_map_init(lt_map_t *m)
{
    m->n_slots = 16;
    m->count = 0;
    m->slots = lt_xcalloc(m->n_slots, sizeof(*m->slots));
}

void lt_map_dispose(lt_map_t *m, void (*free_value)(void *))
{
    for (size_t i = 0; m->slots && i < m->n_slots; i++) {
        lt_map_entry_t *e = m->slots[i];
        while (e) {
            lt_map_entry_t *next = e->next;
            if (free_value)
                free_value(e->value);
            free(e);
            e = next;
        }
    }
    free(m->slots);
    m->slots = NULL;
    m->n_slots = m->count = 0;
}

void *lt_map_get(const lt_map_t *m, const char *key, size_t len)
{
    uint64_t h = lt_fnv1a(key, len);
    for (lt_map_entry_t *e = m->slots[h & (m->n_slots - 1)]; e; e = e->next)
        if (e->hash == h && e->key_len == len && memcmp(e->key, key, len) == 0)
            return e->value;
    return NULL;
}

static void grow(lt_map_t *m)
{
    size_t n = m->n_slots * 2;
    lt_map_entry_t **t = lt_xcalloc(n, sizeof(*t));
    for (size_t i = 0; i < m->n_slots; i++) {
        lt_map_entry_t *e = m->slots[i];
        while (e) {
            lt_map_entry_t *next = e->next;
            e->next = t[e->hash & (n - 1)];
            t[e->hash & (n - 1)] = e;
            e = next;
        }
    }
    free(m->slots);
    m->slots = t;
    m->n_slots = n;
}

lt_map_entry_t *lt_map_upsert(lt_map_t *m, const char *key, size_t len, bool *created)
{
    uint64_t h = lt_fnv1a(key, len);
    for (lt_map_entry_t *e = m->slots[h & (m->n_slots - 1)]; e; e = e->next)
        if (e->hash == h && e->key_len == len && memcmp(e->key, key, len) == 0) {
            *created = false;
            return e;
        }
    if (m->count >= m->n_slots)
        grow(m);
    lt_map_entry_t *e = lt_xmalloc(sizeof(*e) + len + 1);
    e->hash = h;
    e->key_len = len;
    e->value = NULL;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->next = m->slots[h & (m->n_slots - 1)];
    m->slots[h & (m->n_slots - 1)] = e;
    m->count++;
    *created = true;
    return e;
}

void lt_map_each(const lt_map_t *m, void (*fn)(void *ctx, lt_map_entry_t *e), void *ctx)
{
    for (size_t i = 0; i < m->n_slots; i++)
        for (lt_map_entry_t *e = m->slots[i]; e; e = e->next)
            fn(ctx, e);
}
