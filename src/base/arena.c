/*
 * arena.c: bump allocation over a list of malloc'd blocks; see arena.h.
 */
#include "arena.h"

#include <stdlib.h>

struct lt_arena_block {
    lt_arena_block_t *next;
    size_t used, cap;
    max_align_t data[];
};

void lt_arena_init(lt_arena_t *a, size_t block_size)
{
    a->head = NULL;
    a->block_size = block_size ? block_size : 8192;
    a->total = 0;
}

void lt_arena_dispose(lt_arena_t *a)
{
    lt_arena_block_t *b = a->head;
    while (b) {
        lt_arena_block_t *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->total = 0;
}

void *lt_arena_alloc(lt_arena_t *a, size_t n)
{
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (n == 0)
        n = align;
    lt_arena_block_t *b = a->head;
    if (!b || b->cap - b->used < n) {
        size_t cap = n > a->block_size ? n : a->block_size;
        b = lt_xmalloc(sizeof(*b) + cap);
        b->used = 0;
        b->cap = cap;
        a->total += sizeof(*b) + cap;
        if (a->head && n > a->block_size) {
            /* keep the current block for small allocations: put the big one behind it */
            b->next = a->head->next;
            a->head->next = b;
        } else {
            b->next = a->head;
            a->head = b;
        }
    }
    void *p = (char *)b->data + b->used;
    b->used += n;
    return p;
}

void *lt_arena_calloc(lt_arena_t *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size)
        lt__assert_fail("arena calloc overflow", __FILE__, __LINE__);
    void *p = lt_arena_alloc(a, n * size);
    memset(p, 0, n * size);
    return p;
}

char *lt_arena_strndup(lt_arena_t *a, const char *s, size_t n)
{
    char *p = lt_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *lt_arena_strdup(lt_arena_t *a, const char *s)
{
    return s ? lt_arena_strndup(a, s, strlen(s)) : NULL;
}
