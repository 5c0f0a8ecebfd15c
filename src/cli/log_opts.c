/*
 * log_opts.c: TEMPORARY definitions, until log.h has them (the logging work in
 * src/base/log.c replaces this whole file): they accept the values the real ones accept, and
 * the format is not applied yet.
 */
#include <string.h>

#include "log_opts.h"

int lt_log_format_parse(const char *s, lt_log_format_t *out)
{
    if (strcmp(s, "text") == 0)
        *out = LT_LOG_TEXT;
    else if (strcmp(s, "json") == 0)
        *out = LT_LOG_JSON;
    else
        return LT_EINVAL;
    return LT_OK;
}

void lt_log_set_format(lt_log_format_t f)
{
    (void)f; /* until log.h has it: text only */
}

int lt_log_level_parse(const char *s, lt_log_level_t *out)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    static const lt_log_level_t levels[] = {LT_LOG_DEBUG, LT_LOG_INFO, LT_LOG_WARN, LT_LOG_ERROR};
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcmp(s, names[i]) == 0) {
            *out = levels[i];
            return LT_OK;
        }
    }
    return LT_EINVAL;
}
