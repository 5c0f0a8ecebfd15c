/*
 * log_opts.h: the log-format and log-level parsers `latch serve` calls for --log-format,
 * --log-level and their configuration keys. Until log.h has them: the declarations are those
 * the logging work adds to src/base/log.h, so this header and log_opts.c go when it lands.
 */
#ifndef LT_CLI_LOG_OPTS_H
#define LT_CLI_LOG_OPTS_H

#include "../base/log.h"

typedef enum { LT_LOG_TEXT, LT_LOG_JSON } lt_log_format_t;

/* "text" or "json" into *out: LT_OK, or LT_EINVAL (and *out untouched). */
int lt_log_format_parse(const char *s, lt_log_format_t *out);
/* Lines are written in format f from now on. */
void lt_log_set_format(lt_log_format_t f);
/* "debug", "info", "warn" or "error" into *out: LT_OK, or LT_EINVAL (and *out untouched). */
int lt_log_level_parse(const char *s, lt_log_level_t *out);

#endif
