/*
 * arena.h: a bump allocator. A request, a snapshot or a parse owns one arena and frees
 * everything it allocated in one call (nginx pools, h2o req->pool).
 */
#ifndef LT_ARENA_H
#define LT_ARENA_H

#include "base.h"

typedef struct lt_arena_block lt_arena_block_t;

typedef struct {
    lt_arena_block_t *head;
    size_t block_size;
    size_t total; /* bytes obtained from malloc, for memory accounting */
} lt_arena_t;

/* Prepare an empty arena whose blocks are at least block_size bytes (0 = 8 KiB). */
void lt_arena_init(lt_arena_t *a, size_t block_size);
/* Free every block; the arena may be reused after lt_arena_init. */
void lt_arena_dispose(lt_arena_t *a);
/* Allocate n bytes aligned for any type; never NULL (aborts when memory runs out). */
void *lt_arena_alloc(lt_arena_t *a, size_t n);
void *lt_arena_calloc(lt_arena_t *a, size_t n, size_t size);
/* Copies owned by the arena, NUL-terminated. lt_arena_strdup(NULL) is NULL. */
char *lt_arena_strdup(lt_arena_t *a, const char *s);
char *lt_arena_strndup(lt_arena_t *a, const char *s, size_t n);

#endif
