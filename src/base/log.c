/*
 * log.c: stderr logging with levels; see log.h. Lines are written with one fprintf each so
 * that threads do not interleave inside a line.
 */
#include "log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>
#include <time.h>

static lt_log_level_t min_level = LT_LOG_INFO;
static const char *const level_names[] = {"debug", "info", "warn", "error"};

void lt_log_set_level(lt_log_level_t level)
{
    min_level = level;
}

void lt_log_init_from_env(void)
{
    const char *v = getenv("LATCH_LOG_LEVEL");
    if (!v)
        return;
    for (size_t i = 0; i < LT_ARRAY_LEN(level_names); i++)
        if (strcasecmp(v, level_names[i]) == 0)
            min_level = (lt_log_level_t)i;
}

static void vlog(lt_log_level_t level, const char *suffix, const char *fmt, va_list ap)
{
    if (level < min_level)
        return;
    char msg[1024];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s%s%s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            level_names[level], msg, suffix ? ": " : "", suffix ? suffix : "");
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
