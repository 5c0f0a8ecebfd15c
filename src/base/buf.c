/*
 * buf.c: growable buffers and JSON string escaping; see buf.h.
 */
#include "buf.h"

#include "util.h"

#include <stdio.h>
#include <stdlib.h>

#define BUF_DEFAULT_MAX ((size_t)256 << 20)

void lt_buf_init(lt_buf_t *b, size_t max)
{
    b->ptr = NULL;
    b->len = b->cap = 0;
    b->max = max ? max : BUF_DEFAULT_MAX;
    b->err = false;
}

void lt_buf_dispose(lt_buf_t *b)
{
    free(b->ptr);
    b->ptr = NULL;
    b->len = b->cap = 0;
}

void lt_buf_reset(lt_buf_t *b)
{
    b->len = 0;
    b->err = false;
}

char *lt_buf_take(lt_buf_t *b, size_t *out_len)
{
    if (!b->ptr) /* reserve() always leaves room for the NUL, even at max */
        b->ptr = lt_xcalloc(1, 1);
    b->ptr[b->len] = '\0';
    char *p = b->ptr;
    if (out_len)
        *out_len = b->len;
    b->ptr = NULL;
    b->len = b->cap = 0;
    return p;
}

static bool reserve(lt_buf_t *b, size_t n)
{
    if (b->err)
        return false;
    if (n > b->max || b->len > b->max - n) {
        b->err = true;
        return false;
    }
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        b->ptr = lt_xrealloc(b->ptr, cap);
        b->cap = cap;
    }
    return true;
}

void lt_buf_reserve(lt_buf_t *b, size_t n)
{
    if (!b->err && n <= b->max && b->len <= b->max - n)
        reserve(b, n); /* a hint beyond the maximum is ignored, not an error */
}

void lt_buf_append(lt_buf_t *b, const void *p, size_t n)
{
    if (!reserve(b, n))
        return;
    if (n)
        memcpy(b->ptr + b->len, p, n);
    b->len += n;
    b->ptr[b->len] = '\0';
}

void lt_buf_puts(lt_buf_t *b, const char *s)
{
    lt_buf_append(b, s, strlen(s));
}

void lt_buf_putc(lt_buf_t *b, char c)
{
    lt_buf_append(b, &c, 1);
}

void lt_buf_vprintf(lt_buf_t *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0 || !reserve(b, (size_t)n)) {
        b->err = true;
        return;
    }
    vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void lt_buf_printf(lt_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    lt_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

size_t lt_utf8_seq(const unsigned char *s, size_t n)
{
    unsigned c = s[0];
    size_t len;
    unsigned min;
    if (c < 0x80)
        return 1;
    if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
        min = 0x80;
    } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        min = 0x800;
    } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    unsigned cp = c & (0x3f >> (len - 1));
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = (cp << 6) | (s[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void lt_json_str(lt_buf_t *b, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s;
    lt_buf_putc(b, '"');
    size_t start = 0, i = 0;
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
            i++;
            continue;
        }
        size_t seq = c >= 0x80 ? lt_utf8_seq(p + i, n - i) : 0;
        if (seq > 0) {
            i += seq;
            continue;
        }
        lt_buf_append(b, s + start, i - start);
        switch (c) {
        case '"':
            lt_buf_puts(b, "\\\"");
            break;
        case '\\':
            lt_buf_puts(b, "\\\\");
            break;
        case '\n':
            lt_buf_puts(b, "\\n");
            break;
        case '\r':
            lt_buf_puts(b, "\\r");
            break;
        case '\t':
            lt_buf_puts(b, "\\t");
            break;
        default:
            if (c < 0x20) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                lt_buf_append(b, esc, 6);
            } else {
                lt_buf_puts(b, "\xef\xbf\xbd"); /* invalid UTF-8 byte */
            }
        }
        i++;
        start = i;
    }
    lt_buf_append(b, s + start, n - start);
    lt_buf_putc(b, '"');
}

void lt_json_cstr_or_null(lt_buf_t *b, const char *s)
{
    if (s)
        lt_json_cstr(b, s);
    else
        lt_buf_puts(b, "null");
}

void lt_json_strings(lt_buf_t *b, const char *const *v, size_t n)
{
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, v[i]);
    }
    lt_buf_putc(b, ']');
}

void lt_json_key(lt_buf_t *b, bool *first, const char *key)
{
    if (!*first)
        lt_buf_putc(b, ',');
    *first = false;
    lt_json_cstr(b, key);
    lt_buf_putc(b, ':');
}

void lt_json_bool(lt_buf_t *b, bool v)
{
    lt_buf_puts(b, v ? "true" : "false");
}

void lt_json_i64(lt_buf_t *b, int64_t v)
{
    lt_buf_printf(b, "%lld", (long long)v);
}

void lt_json_time(lt_buf_t *b, int64_t ms)
{
    if (!ms) {
        lt_buf_puts(b, "null");
        return;
    }
    char ts[32];
    lt_time_format(ms, ts);
    lt_json_cstr(b, ts);
}
