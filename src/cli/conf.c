/*
 * conf.c: the configuration file of `latch serve` and its overlay by the environment and the
 * command line (see conf.h). Nothing here exits: cmd_serve.c prints the error and exits 2.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/util.h"
#include "conf.h"
#include "../base/log.h"

lt_conf_item_t *lt_conf_find(lt_conf_item_t *items, size_t n_items, const char *key)
{
    for (size_t i = 0; i < n_items; i++)
        if (strcmp(items[i].key, key) == 0)
            return &items[i];
    return NULL;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r';
}

/* p[0..*n) without the spaces around it. */
static const char *trim(const char *p, size_t *n)
{
    while (*n && is_space(*p)) {
        p++;
        (*n)--;
    }
    while (*n && is_space(p[*n - 1]))
        (*n)--;
    return p;
}

/* One line (no '\n'), number line_no, into items. */
static int parse_line(lt_arena_t *a, const char *path, int line_no, const char *p, size_t n,
                      lt_conf_item_t *items, size_t n_items, lt_conf_err_t *err)
{
    p = trim(p, &n);
    if (n == 0 || p[0] == '#')
        return LT_OK;
    const char *eq = memchr(p, '=', n);
    size_t key_len = eq ? (size_t)(eq - p) : 0;
    const char *key = eq ? trim(p, &key_len) : NULL;
    if (!eq || key_len == 0) {
        snprintf(err->msg, sizeof(err->msg), "%s:%d: expected `key = value`", path, line_no);
        return LT_EINVAL;
    }
    char *k = lt_arena_strndup(a, key, key_len);
    lt_conf_item_t *it = lt_conf_find(items, n_items, k);
    if (!it) {
        snprintf(err->msg, sizeof(err->msg), "%s:%d: unknown key \"%.64s\"", path, line_no, k);
        return LT_EINVAL;
    }
    if (it->line) {
        snprintf(err->msg, sizeof(err->msg), "%s:%d: %s is set twice (first on line %d)", path,
                 line_no, it->key, it->line);
        return LT_EINVAL;
    }
    size_t value_len = n - (size_t)(eq + 1 - p);
    const char *value = trim(eq + 1, &value_len);
    if (value_len >= 2 && value[0] == '"' && value[value_len - 1] == '"') {
        value++;
        value_len -= 2;
    }
    it->value = lt_arena_strndup(a, value, value_len);
    it->line = line_no;
    snprintf(it->origin, sizeof(it->origin), "%s:%d", path, line_no);
    return LT_OK;
}

int lt_conf_parse(lt_arena_t *a, const char *path, const char *text, size_t len,
                  lt_conf_item_t *items, size_t n_items, lt_conf_err_t *err)
{
    int line_no = 1;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        if (memchr(p, '\0', n)) {
            snprintf(err->msg, sizeof(err->msg), "%s:%d: a NUL byte", path, line_no);
            return LT_EINVAL;
        }
        int rc = parse_line(a, path, line_no, p, n, items, n_items, err);
        if (rc != LT_OK)
            return rc;
        p += n + (nl ? 1 : 0);
        line_no++;
    }
    return LT_OK;
}

int lt_conf_load(lt_arena_t *a, const char *path, lt_conf_item_t *items, size_t n_items,
                 lt_conf_err_t *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err->msg, sizeof(err->msg), "%s: %s", path, strerror(errno));
        return LT_ERR;
    }
    size_t len = 0;
    char *text = lt_read_all(f, (size_t)1 << 20, &len);
    fclose(f);
    if (!text) {
        snprintf(err->msg, sizeof(err->msg), "%s: could not be read (or is over 1 MiB)", path);
        return LT_ERR;
    }
    int rc = lt_conf_parse(a, path, text, len, items, n_items, err);
    free(text);
    return rc;
}

void lt_conf_apply_env(lt_conf_item_t *items, size_t n_items)
{
    for (size_t i = 0; i < n_items; i++) {
        for (size_t j = 0; j < LT_ARRAY_LEN(items[i].env) && items[i].env[j]; j++) {
            const char *v = getenv(items[i].env[j]);
            if (v && *v) {
                items[i].value = v;
                items[i].line = 0;
                snprintf(items[i].origin, sizeof(items[i].origin), "%s", items[i].env[j]);
                break;
            }
        }
    }
}

void lt_conf_set_option(lt_conf_item_t *it, const char *value)
{
    it->value = value;
    it->line = 0;
    snprintf(it->origin, sizeof(it->origin), "--%s", it->key);
}

/* What is wrong with it->value, or NULL when it is fine. */
static const char *check_one(lt_conf_item_t *it, char *why, size_t why_len)
{
    const char *v = it->value;
    switch (it->kind) {
    case LT_CONF_STRING:
        return NULL;
    case LT_CONF_INT: {
        char *end;
        errno = 0;
        long num = strtol(v, &end, 10);
        if (!*v || errno || *end || num < it->lo || num > it->hi) {
            snprintf(why, why_len, "must be a number between %ld and %ld", it->lo, it->hi);
            return why;
        }
        it->num = num;
        return NULL;
    }
    case LT_CONF_LOG_FORMAT: {
        lt_log_format_t f;
        return lt_log_format_parse(v, &f) == LT_OK ? NULL : "must be text or json";
    }
    case LT_CONF_LOG_LEVEL: {
        lt_log_level_t l;
        return lt_log_level_parse(v, &l) == LT_OK ? NULL : "must be debug, info, warn or error";
    }
    }
    return "has an unknown kind";
}

int lt_conf_check(lt_conf_item_t *items, size_t n_items, lt_conf_err_t *err)
{
    char why[96];
    for (size_t i = 0; i < n_items; i++) {
        lt_conf_item_t *it = &items[i];
        const char *bad = it->value ? check_one(it, why, sizeof(why)) : NULL;
        if (!bad)
            continue;
        if (it->line) /* from the file: FILE:LINE: key ... */
            snprintf(err->msg, sizeof(err->msg), "%s: %s %s (got \"%.64s\")", it->origin,
                     it->key, bad, it->value);
        else if (it->origin[0])
            snprintf(err->msg, sizeof(err->msg), "%s %s (got \"%.64s\")", it->origin, bad,
                     it->value);
        else
            snprintf(err->msg, sizeof(err->msg), "the default of %s %s", it->key, bad);
        return LT_EINVAL;
    }
    return LT_OK;
}
