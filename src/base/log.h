/*
 * log.h: one line per event on stderr, with a level and a UTC timestamp (OpenSMTPD log.c).
 * Never pass a token or a password: log a short hash prefix of it
 * (lt_token_display, lt_sha256) instead.
 */
#ifndef LT_LOG_H
#define LT_LOG_H

#include "base.h"

typedef enum { LT_LOG_DEBUG, LT_LOG_INFO, LT_LOG_WARN, LT_LOG_ERROR } lt_log_level_t;

/* Lines below this level are dropped (default INFO; LATCH_LOG_LEVEL=debug|info|warn|error). */
void lt_log_set_level(lt_log_level_t level);
void lt_log_init_from_env(void);
void lt_log(lt_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As lt_log, with ": strerror(errno)" appended. */
void lt_log_errno(lt_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define lt_log_debug(...) lt_log(LT_LOG_DEBUG, __VA_ARGS__)
#define lt_log_info(...) lt_log(LT_LOG_INFO, __VA_ARGS__)
#define lt_log_warn(...) lt_log(LT_LOG_WARN, __VA_ARGS__)
#define lt_log_error(...) lt_log(LT_LOG_ERROR, __VA_ARGS__)

#endif
