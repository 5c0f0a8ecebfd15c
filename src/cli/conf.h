/*
 * conf.h: the settings of `latch serve` gathered from three sources, each overriding the one
 * before: the configuration file (`key = value` lines, `#` comments, keys named like the long
 * options without "--"), the environment, the command line. cmd_serve.c holds the table of
 * settings; this module parses, overlays and checks them, and names the file and line (or the
 * variable, or the option) of a bad value.
 */
#ifndef LT_CLI_CONF_H
#define LT_CLI_CONF_H

#include "../base/arena.h"
#include "../base/base.h"

/* The default configuration file, read only when it exists (LATCH_CONFIG or --config name
 * another, which must exist). */
#define LT_CONF_DEFAULT_PATH "/etc/latch/latch.conf"

typedef enum {
    LT_CONF_STRING,     /* any text, empty included */
    LT_CONF_INT,        /* a decimal number in [lo, hi] */
    LT_CONF_LOG_FORMAT, /* text | json */
    LT_CONF_LOG_LEVEL,  /* debug | info | warn | error */
} lt_conf_kind_t;

/* One setting. The caller fills key, kind, lo/hi, env and value (the default, NULL for none);
 * the calls below update value, origin and line, and lt_conf_check fills num. */
typedef struct {
    const char *key;    /* "port": the conf key, and "--port" on the command line */
    lt_conf_kind_t kind;
    long lo, hi;        /* LT_CONF_INT: the range allowed */
    const char *env[3]; /* environment variables, the first set and non-empty wins; NULL ends */
    const char *value;  /* the value in force */
    char origin[320];   /* where value came from, for messages: "FILE:LINE", "PORT", "--port";
                           empty for the default */
    int line;           /* the file's line that set the value in force, else 0 */
    long num;           /* LT_CONF_INT after lt_conf_check */
} lt_conf_item_t;

/* An error for the operator, "FILE:LINE: what is wrong" and the like; caller-owned, no free. */
typedef struct {
    char msg[512];
} lt_conf_err_t;

/* The item of that key, or NULL. */
lt_conf_item_t *lt_conf_find(lt_conf_item_t *items, size_t n_items, const char *key);

/* Parse a configuration file's text (path only names it in messages) into items: values are
 * copied into a. Blank lines and lines starting with '#' are skipped; a value may be quoted
 * with "..." (kept as is inside); a '#' after a value is part of the value. Returns LT_OK, or
 * LT_EINVAL with err naming the line: a line without '=', an unknown key, a key set twice, a
 * NUL byte. Values are checked later, by lt_conf_check. */
int lt_conf_parse(lt_arena_t *a, const char *path, const char *text, size_t len,
                  lt_conf_item_t *items, size_t n_items, lt_conf_err_t *err);

/* Read the file at path and parse it (as lt_conf_parse). A file that cannot be read is
 * LT_ERR with err saying why. Blocks on the read. */
int lt_conf_load(lt_arena_t *a, const char *path, lt_conf_item_t *items, size_t n_items,
                 lt_conf_err_t *err);

/* Overlay the environment: each item one of whose variables is set and not empty. */
void lt_conf_apply_env(lt_conf_item_t *items, size_t n_items);

/* Set an item from the command line (origin "--key"). value is not copied. */
void lt_conf_set_option(lt_conf_item_t *it, const char *value);

/* Check every item that has a value against its kind (numbers into num). Returns LT_OK, or
 * LT_EINVAL with err naming where the first bad value came from. */
int lt_conf_check(lt_conf_item_t *items, size_t n_items, lt_conf_err_t *err);

#endif
