/*
 * buf.h: a growable byte buffer with a hard maximum and a sticky error (SQLite sqlite3_str).
 * Appends past the maximum set the error and are dropped; check lt_buf_ok() once at the end.
 * Also the JSON writer used for every response body latch builds.
 */
#ifndef LT_BUF_H
#define LT_BUF_H

#include "base.h"

#include <stdarg.h>

typedef struct {
    char *ptr;
    size_t len, cap, max;
    bool err;
} lt_buf_t;

/* Start an empty buffer that may grow to max bytes (0 = 256 MiB). */
void lt_buf_init(lt_buf_t *b, size_t max);
void lt_buf_dispose(lt_buf_t *b);
/* Give the bytes to the caller (free() them); the buffer is left empty. NUL-terminated. */
char *lt_buf_take(lt_buf_t *b, size_t *out_len);
static inline bool lt_buf_ok(const lt_buf_t *b)
{
    return !b->err;
}
void lt_buf_reset(lt_buf_t *b);
/* Make room for n more bytes now (a size hint; appends grow the buffer anyway). */
void lt_buf_reserve(lt_buf_t *b, size_t n);
void lt_buf_append(lt_buf_t *b, const void *p, size_t n);
void lt_buf_puts(lt_buf_t *b, const char *s);
void lt_buf_putc(lt_buf_t *b, char c);
void lt_buf_printf(lt_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void lt_buf_vprintf(lt_buf_t *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Length of the well-formed UTF-8 sequence at s (RFC 3629: no overlong forms, surrogates or
 * code points above U+10FFFF; 1 for ASCII), reading at most n bytes, or 0 when it is not one.
 * Stops at the first byte that is not a continuation, so a NUL-terminated string may pass any
 * n >= 4. */
size_t lt_utf8_seq(const unsigned char *s, size_t n);

/* JSON output helpers: a quoted, escaped string; invalid UTF-8 becomes U+FFFD. */
void lt_json_str(lt_buf_t *b, const char *s, size_t n);
static inline void lt_json_cstr(lt_buf_t *b, const char *s)
{
    lt_json_str(b, s, strlen(s));
}
/* A string, or null when s is NULL. */
void lt_json_cstr_or_null(lt_buf_t *b, const char *s);
/* A JSON list of n strings. */
void lt_json_strings(lt_buf_t *b, const char *const *v, size_t n);
/* "key": (with a leading comma when first is false; sets *first = false). */
void lt_json_key(lt_buf_t *b, bool *first, const char *key);
void lt_json_bool(lt_buf_t *b, bool v);
void lt_json_i64(lt_buf_t *b, int64_t v);
/* Epoch milliseconds as an ISO-8601 string ("2024-01-02T03:04:05.678Z"), or null when 0. */
void lt_json_time(lt_buf_t *b, int64_t ms);

#endif
