/*
 * log.c: stderr logging with levels, as text or JSON lines; see log.h. Each line is built
 * whole in a buffer on the stack (at most PIPE_BUF bytes, so a write to a pipe is atomic) and
 * written with one write(2), so threads never interleave inside a line.
 */
#include "log.h"

#include "buf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 4096 /* PIPE_BUF on Linux */
#define MSG_MAX 1024        /* the formatted message, before escaping */
#define TAIL_MAX 512        /* the request id field and the end of the line */

static lt_log_level_t min_level = LT_LOG_INFO;
static lt_log_format_t format = LT_LOG_TEXT;
static _Thread_local const char *request_id;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void lt_log_set_level(lt_log_level_t level)
{
    min_level = level;
}

void lt_log_set_format(lt_log_format_t f)
{
    format = f;
}

bool lt_log_enabled(lt_log_level_t level)
{
    return level >= min_level;
}

void lt_log_set_request_id(const char *id)
{
    request_id = id;
}

const char *lt_log_request_id(void)
{
    return request_id;
}

int lt_log_format_parse(const char *s, lt_log_format_t *out)
{
    if (s && strcasecmp(s, "text") == 0)
        *out = LT_LOG_TEXT;
    else if (s && strcasecmp(s, "json") == 0)
        *out = LT_LOG_JSON;
    else
        return LT_EINVAL;
    return LT_OK;
}

int lt_log_level_parse(const char *s, lt_log_level_t *out)
{
    if (!s)
        return LT_EINVAL;
    for (size_t i = 0; i < LT_ARRAY_LEN(level_names); i++)
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (lt_log_level_t)i;
            return LT_OK;
        }
    if (strcasecmp(s, "fatal") == 0) { /* Unleash's LOG_LEVEL has it; latch logs no fatal */
        *out = LT_LOG_ERROR;
        return LT_OK;
    }
    return LT_EINVAL;
}

void lt_log_init_from_env(void)
{
    const char *bad_format = NULL, *bad_level = NULL, *bad_name = NULL;
    const char *f = getenv("LOG_FORMAT"); /* set but empty counts as unset */
    if (f && *f && lt_log_format_parse(f, &format) != LT_OK)
        bad_format = f;
    static const char *const level_vars[] = {"LOG_LEVEL", "LATCH_LOG_LEVEL"}; /* last wins */
    for (size_t i = 0; i < LT_ARRAY_LEN(level_vars); i++) {
        const char *v = getenv(level_vars[i]);
        if (v && *v && lt_log_level_parse(v, &min_level) != LT_OK) {
            bad_level = v;
            bad_name = level_vars[i];
        }
    }
    if (bad_format)
        lt_log_warn("log: LOG_FORMAT=%s is not text or json; ignored", bad_format);
    if (bad_level)
        lt_log_warn("log: %s=%s is not debug, info, warn, error or fatal; ignored", bad_name,
                    bad_level);
}

/* ---------- building a line ---------- */

/* A bounded line: what does not fit is dropped whole, never half an escape or a character. */
typedef struct {
    char *p;
    size_t len, cap;
} line_t;

static bool put(line_t *l, const char *s, size_t n)
{
    if (n > l->cap - l->len)
        return false;
    memcpy(l->p + l->len, s, n);
    l->len += n;
    return true;
}

static bool puts_(line_t *l, const char *s)
{
    return put(l, s, strlen(s));
}

/*
 * s into l, escaped: for JSON as a string's content (quotes, backslashes and control
 * characters escaped, well-formed UTF-8 kept, any other byte as U+FFFD); for text only the
 * control characters, so the line stays one line. Stops at the first unit that does not fit.
 */
static void put_escaped(line_t *l, const char *s, bool json)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        char esc[8];
        const char *unit = esc;
        size_t n = 1;
        unsigned char c = *p;
        if (c < 0x20 || c == 0x7f) {
            const char *named = c == '\n' ? "\\n" : c == '\r' ? "\\r" : c == '\t' ? "\\t" : NULL;
            if (named)
                unit = named, n = 2;
            else
                n = (size_t)snprintf(esc, sizeof(esc), json ? "\\u%04x" : "\\x%02x", c);
        } else if (json && (c == '"' || c == '\\')) {
            esc[0] = '\\';
            esc[1] = (char)c;
            n = 2;
        } else if (json && c >= 0x80) {
            size_t seq = lt_utf8_seq(p, 4); /* stops at the NUL */
            if (!(seq ? put(l, (const char *)p, seq) : puts_(l, "\\ufffd")))
                return;
            p += seq ? seq : 1;
            continue;
        } else {
            unit = (const char *)p;
        }
        if (!put(l, unit, n))
            return;
        p++;
    }
}

/*
 * One whole line, '\n' included, into out (cap bytes at least TAIL_MAX + 64): the message is
 * cut to what fits, the request id field and the end of the line always are there. Returns
 * its length.
 */
static size_t format_line(char *out, size_t cap, lt_log_format_t f, lt_log_level_t level,
                          const struct timespec *ts, const char *msg, const char *req_id)
{
    bool json = f == LT_LOG_JSON;
    char tail_buf[TAIL_MAX];
    line_t tail = {tail_buf, 0, sizeof(tail_buf) - 3}; /* room for "\"}\n" */
    if (req_id) {
        puts_(&tail, json ? "\",\"requestId\":\"" : " req=");
        put_escaped(&tail, req_id, json);
    }
    tail.cap += 3;
    puts_(&tail, json ? "\"}\n" : "\n");

    struct tm tm;
    gmtime_r(&ts->tv_sec, &tm);
    char time_s[64];
    snprintf(time_s, sizeof(time_s), "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts->tv_nsec / 1000000);
    line_t l = {out, 0, cap - tail.len};
    if (json) {
        puts_(&l, "{\"time\":\"");
        puts_(&l, time_s);
        puts_(&l, "\",\"level\":\"");
        puts_(&l, level_names[level]);
        puts_(&l, "\",\"msg\":\"");
    } else {
        puts_(&l, time_s);
        puts_(&l, " ");
        puts_(&l, level_names[level]);
        puts_(&l, " ");
    }
    put_escaped(&l, msg, json);
    l.cap = cap;
    put(&l, tail.p, tail.len);
    return l.len;
}

static void write_all(const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(STDERR_FILENO, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return;
        }
        p += w;
        n -= (size_t)w;
    }
}

static void vlog(lt_log_level_t level, const char *suffix, const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    int saved = errno;
    char msg[MSG_MAX];
    int n = vsnprintf(msg, sizeof(msg), fmt, ap);
    if (n >= 0 && suffix && (size_t)n < sizeof(msg))
        snprintf(msg + n, sizeof(msg) - (size_t)n, ": %s", suffix);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    char line[LINE_MAX_BYTES];
    size_t len = format_line(line, sizeof(line), format, level, &ts, msg, request_id);
    write_all(line, len);
    errno = saved;
}

void lt_log(lt_log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog(level, NULL, fmt, ap);
    va_end(ap);
}

void lt_log_errno(lt_log_level_t level, const char *fmt, ...)
{
    int saved = errno;
    va_list ap;
    va_start(ap, fmt);
    vlog(level, strerror(saved), fmt, ap);
    va_end(ap);
}
