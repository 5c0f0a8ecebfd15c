/*
 * base.c: checked allocation and the assertion handler declared in base.h.
 */
#include "base.h"

#include <stdio.h>
#include <stdlib.h>

static void oom(size_t n)
{
    fprintf(stderr, "latch: out of memory allocating %zu bytes\n", n);
    abort();
}

void *lt_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom(n);
    return p;
}

void *lt_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom(n * size);
    return p;
}

void *lt_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom(n);
    return q;
}

char *lt_xstrdup(const char *s)
{
    return lt_xstrndup(s, strlen(s));
}

char *lt_xstrndup(const char *s, size_t n)
{
    char *p = lt_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void lt__assert_fail(const char *expr, const char *file, int line)
{
    fprintf(stderr, "latch: assertion failed: %s (%s:%d)\n", expr, file, line);
    abort();
}
