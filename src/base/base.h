/*
 * base.h: the small vocabulary every latch module speaks: result codes, string slices,
 * checked allocation and assertions. Nothing here does I/O.
 */
#ifndef LT_BASE_H
#define LT_BASE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define LT_OK 0
#define LT_ERR (-1)
#define LT_ENOTFOUND (-2)
#define LT_ELIMIT (-3)
#define LT_EINVAL (-4)

#define LT_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define LT_UNUSED(x) ((void)(x))

/* A slice of bytes that is not owned and not NUL-terminated (nginx ngx_str_t). */
typedef struct {
    const char *ptr;
    size_t len;
} lt_str_t;

#define LT_STR(lit) ((lt_str_t){(lit), sizeof(lit) - 1})

static inline lt_str_t lt_str_c(const char *s)
{
    return (lt_str_t){s, s ? strlen(s) : 0};
}

static inline bool lt_str_eq(lt_str_t a, lt_str_t b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool lt_str_eq_c(lt_str_t a, const char *b)
{
    return lt_str_eq(a, lt_str_c(b));
}

/* Allocation that aborts on failure (Redis zmalloc): callers never check for NULL. */
void *lt_xmalloc(size_t n);
void *lt_xcalloc(size_t n, size_t size);
void *lt_xrealloc(void *p, size_t n);
char *lt_xstrdup(const char *s);
char *lt_xstrndup(const char *s, size_t n);

/* Abort with a message naming the failed expression; on in release builds. */
void lt__assert_fail(const char *expr, const char *file, int line);
#define lt_assert(e) ((e) ? (void)0 : lt__assert_fail(#e, __FILE__, __LINE__))

#endif
