/*
 * cli_int.h: what the files of src/cli/ share. Not for use outside src/cli/.
 */
#ifndef LT_CLI_INT_H
#define LT_CLI_INT_H

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../api/api.h"
#include "../api/frontend.h"
#include "../api/token_ops.h"
#include "../api/token_sweep.h"
#include "../api/usage.h"
#include "../api/user_ops.h"
#include "../auth/access.h"
#include "../auth/session.h"
#include "../auth/token.h"
#include "../base/log.h"
#include "../base/util.h"
#include "../base/version.h"
#include "../edge/offline.h"
#include "../http/http.h"
#include "../model/export.h"
#include "../model/model_json.h"
#include "../state/state.h"

/* The arguments of one command being read: argv[i] is the next one. */
typedef struct {
    int argc;
    char **argv;
    int i;
    const char *positional[4];
    int n_positional;
} opts_t;

/* If argv[i] is --name (or --name=value), set *out and advance; a missing value exits 2. */
bool lt__cli_opt(opts_t *o, const char *name, const char **out);
/* Is a an ask for help (--help, -h, help)? */
bool lt__cli_is_help(const char *a);
/* The environment variable's value when set and not empty, else dflt. */
const char *lt__cli_env_or(const char *name, const char *dflt);
/* DATABASE_URL or ./latch.db. */
/* The store's URL when none is given: DATABASE_URL, else one made of Unleash's DATABASE_HOST,
 * _PORT, _USERNAME, _PASSWORD, _NAME and _SSL, else ./latch.db; DATABASE_SCHEMA added to a
 * postgres:// one (lt__cli_db_url). */
const char *lt__cli_default_db(void);
/* db with DATABASE_SCHEMA, when set, as its schema= parameter (postgres:// URLs only). */
const char *lt__cli_db_url(const char *db);
/* lt_store_open on lt__cli_db_url(db). */
int lt__cli_store_open(lt_store_t **out, const char *db);
/* s as a number in [lo, hi], or a message and exit 2. */
int lt__cli_parse_int(const char *s, const char *what, long lo, long hi);
/* Split a comma-separated list into an arena array of trimmed, non-empty items. */
const char **lt__cli_split_list(lt_arena_t *a, const char *list, size_t *n);
/* A --projects list: names, or "*" (or nothing) for all projects. */
void lt__cli_split_projects(lt_arena_t *a, const char *list, const char ***out, size_t *n,
                            bool *all);
/* CORS origins (UNLEASH_FRONTEND_API_ORIGINS) and trusted proxies for the front-end API. */
void lt__cli_configure_frontend(lt_arena_t *a, lt_frontend_config_t *fc, const char *trusted);
/* A whole file ("-": standard input), malloc'd (the caller frees), or NULL. */
char *lt__cli_read_file(const char *path, size_t *out_len);
/* The option's value, else one line of standard input (no echo on a terminal); malloc'd,
 * the caller wipes and frees it; NULL when none. */
char *lt__cli_read_password(const char *given);
/* Block SIGINT and SIGTERM in every thread started after this (they are taken by
 * lt__cli_signals_wait) and ignore SIGPIPE. Call before any thread starts. */
void lt__cli_signals_block(sigset_t *set);
/* Wait for one of the signals of set and log it. */
void lt__cli_signals_wait(const sigset_t *set);

/* The store `latch serve` would open from its configuration file (config, else LATCH_CONFIG,
 * else the default file when it exists) and the environment, without its command line: *out,
 * or NULL when neither sets one. LT_OK, or LT_EINVAL (a message on stderr) for a bad file. */
int lt__cli_serve_db(lt_arena_t *a, const char *config, const char **out);

/* The commands: argv[0] is the command's name; the exit status is returned. */
int lt__cli_serve(int argc, char **argv);
int lt__cli_offline(int argc, char **argv);
int lt__cli_edge(int argc, char **argv);
int lt__cli_token(int argc, char **argv);
int lt__cli_user(int argc, char **argv);
int lt__cli_import(int argc, char **argv);
int lt__cli_export(int argc, char **argv);
int lt__cli_events(int argc, char **argv);
/* `latch --version`: the version, revision, build date and the libraries linked. */
int lt__cli_version(int argc, char **argv);

#endif
