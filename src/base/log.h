/*
 * log.h: one line per event on stderr, with a level and a UTC timestamp (OpenSMTPD log.c), as
 * text (the default) or as one JSON object per line. A line logged while a request is handled
 * carries the request's id (see lt_log_set_request_id).
 * Never pass a token or a password: log a short hash prefix of it
 * (lt_token_display, lt_sha256) instead.
 */
#ifndef LT_LOG_H
#define LT_LOG_H

#include "base.h"

typedef enum { LT_LOG_DEBUG, LT_LOG_INFO, LT_LOG_WARN, LT_LOG_ERROR } lt_log_level_t;
typedef enum { LT_LOG_TEXT, LT_LOG_JSON } lt_log_format_t;

/* Lines below this level are dropped (default INFO). Call before threads start. */
void lt_log_set_level(lt_log_level_t level);
/*
 * The format of every line from now on (default LT_LOG_TEXT). Call before threads start.
 *   text: 2026-01-02T03:04:05.678Z info message req=<id>
 *   json: {"time":"2026-01-02T03:04:05.678Z","level":"info","msg":"message","requestId":"<id>"}
 */
void lt_log_set_format(lt_log_format_t f);
/* "text" or "json" (case-insensitive) into *out: LT_OK, or LT_EINVAL (out untouched). */
int lt_log_format_parse(const char *s, lt_log_format_t *out);
/*
 * "debug", "info", "warn" or "error" (case-insensitive) into *out, and Unleash's "fatal" as
 * error: LT_OK, or LT_EINVAL (out untouched).
 */
int lt_log_level_parse(const char *s, lt_log_level_t *out);
/*
 * Level and format from the environment: LOG_LEVEL and LOG_FORMAT (Unleash's names), and
 * LATCH_LOG_LEVEL, which wins over LOG_LEVEL. An empty value counts as unset; one that does
 * not parse is logged and ignored.
 */
void lt_log_init_from_env(void);
/* Would a line at this level be written? (To skip building what a debug line needs.) */
bool lt_log_enabled(lt_log_level_t level);

/*
 * The id of the request the calling thread is working on, added to every line it logs
 * (text: " req=<id>", JSON: "requestId") until set again; NULL for none. The string is not
 * copied: it must stay valid until it is replaced. The HTTP server sets it around its
 * handlers. Thread-local: no lock, no allocation.
 */
void lt_log_set_request_id(const char *id);
const char *lt_log_request_id(void);

/*
 * Write one line (at most 4 KiB, longer messages are cut; control characters are escaped, so
 * it stays one line) with a single write(2), so lines of different threads never interleave.
 */
void lt_log(lt_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* As lt_log, with ": strerror(errno)" appended. */
void lt_log_errno(lt_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define lt_log_debug(...) lt_log(LT_LOG_DEBUG, __VA_ARGS__)
#define lt_log_info(...) lt_log(LT_LOG_INFO, __VA_ARGS__)
#define lt_log_warn(...) lt_log(LT_LOG_WARN, __VA_ARGS__)
#define lt_log_error(...) lt_log(LT_LOG_ERROR, __VA_ARGS__)

#endif
