/*
 * store_fx.h: the fixture every store test shares: the list of backends the build has (add a
 * backend with one line in backends[]), a fresh store per test in a temp directory, and small
 * builders for the records the tests write. Tests include it once (static helpers).
 */
#ifndef LT_STORE_FX_H
#define LT_STORE_FX_H

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <libpq-fe.h>

#include "base/log.h"
#include "base/util.h"
#include "store/store.h"

typedef struct {
    char dir[64];
    char path[128];
    char url[512];    /* PostgreSQL: the URL with this test's own schema */
    char schema[64];
    lt_store_t *s;
    lt_arena_t a;
} fx_t;

/* Open a fresh store of a backend in fx (fx->path names a scratch location). */
typedef int (*fx_open_fn)(fx_t *fx);

static int open_sqlite(fx_t *fx)
{
    return lt_store_open(&fx->s, fx->path);
}

/* PostgreSQL, when LATCH_TEST_PG_URL names a server (`make store-tests` starts a private one):
 * each test gets a schema of its own in that database, dropped at teardown. */
static int open_postgres(fx_t *fx)
{
    const char *base = getenv("LATCH_TEST_PG_URL");
    snprintf(fx->schema, sizeof(fx->schema), "t_%s", strrchr(fx->dir, '-') + 1);
    for (char *c = fx->schema; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    snprintf(fx->url, sizeof(fx->url), "%s%sschema=%s", base, strchr(base, '?') ? "&" : "?",
             fx->schema);
    return lt_store_open(&fx->s, fx->url);
}

static __attribute__((unused)) void fx_drop_schema(fx_t *fx)
{
    if (!fx->schema[0])
        return;
    PGconn *c = PQconnectdb(getenv("LATCH_TEST_PG_URL"));
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", fx->schema);
    PQclear(PQexec(c, "SET client_min_messages = warning"));
    PQclear(PQexec(c, sql));
    PQfinish(c);
}

typedef struct {
    const char *name;
    fx_open_fn open;
    const char *needs_env; /* run only when this variable is set */
} fx_backend_t;

/* Every backend the build has. */
static const fx_backend_t backends[] = {
    {"sqlite", open_sqlite, NULL},
    {"postgres", open_postgres, "LATCH_TEST_PG_URL"},
};

/* Whether b can run here (prints why not). */
static __attribute__((unused)) bool fx_backend_available(const fx_backend_t *b)
{
    if (!b->needs_env || getenv(b->needs_env))
        return true;
    printf("[  SKIPPED ] backend %s: %s is not set\n", b->name, b->needs_env);
    fflush(stdout);
    return false;
}

static const fx_backend_t *backend; /* the one the current group runs against */

/* Run the tests as one group per backend available here; the exit status for main. */
static __attribute__((unused)) int fx_run_backends(const struct CMUnitTest *tests, size_t n)
{
    int failed = 0;
    for (size_t i = 0; i < sizeof(backends) / sizeof(*backends); i++) {
        backend = &backends[i];
        if (!fx_backend_available(backend))
            continue;
        failed += _cmocka_run_group_tests(backend->name, tests, n, NULL, NULL);
    }
    return failed ? 1 : 0;
}

static __attribute__((unused)) int fx_setup(void **state)
{
    fx_t *fx = calloc(1, sizeof(*fx));
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/latch-store-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof(fx->path), "%s/latch.db", fx->dir);
    lt_arena_init(&fx->a, 0);
    if (backend->open(fx) != LT_OK) {
        free(fx);
        return -1;
    }
    *state = fx;
    return 0;
}

static __attribute__((unused)) void fx_unlink(fx_t *fx)
{
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < sizeof(suffix) / sizeof(*suffix); i++) {
        snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
        unlink(p);
    }
}

static __attribute__((unused)) int fx_teardown(void **state)
{
    fx_t *fx = *state;
    lt_store_close(fx->s);
    fx_drop_schema(fx);
    fx_unlink(fx);
    rmdir(fx->dir);
    lt_arena_dispose(&fx->a);
    free(fx);
    return 0;
}

/* The dataset as the store loads it now (in the fixture's arena). */
static __attribute__((unused)) lt_dataset_t fx_load(fx_t *fx)
{
    lt_dataset_t d;
    assert_int_equal(lt_store_load(fx->s, &fx->a, &d), LT_OK);
    return d;
}

static __attribute__((unused)) const lt_feature_t *fx_feature(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_features; i++)
        if (strcmp(d->features[i].name, name) == 0)
            return &d->features[i];
    return NULL;
}

static __attribute__((unused)) const lt_token_t *fx_token(const lt_dataset_t *d, uint8_t tag)
{
    for (size_t i = 0; i < d->n_tokens; i++)
        if (d->tokens[i].digest[0] == tag)
            return &d->tokens[i];
    return NULL;
}

static __attribute__((unused)) bool fx_has_link(const lt_dataset_t *d, const char *project, const char *env)
{
    for (size_t i = 0; i < d->n_project_envs; i++)
        if (strcmp(d->project_envs[i].project, project) == 0 &&
            strcmp(d->project_envs[i].environment, env) == 0)
            return true;
    return false;
}

static __attribute__((unused)) lt_event_t fx_ev(const char *type)
{
    lt_event_t ev = {type, "tester", 0, NULL, NULL, NULL, NULL, NULL};
    return ev;
}

/* A token whose digest is all `tag` bytes. */
static __attribute__((unused)) lt_token_new_t fx_token_new(uint8_t tag, const char *env, const char *const *projects,
                                   size_t n)
{
    lt_token_new_t t;
    memset(&t, 0, sizeof(t));
    memset(t.digest, tag, 32);
    t.name = "tok";
    t.type = LT_TOKEN_CLIENT;
    t.environment = env;
    t.projects = projects;
    t.n_projects = n;
    t.all_projects = n == 0;
    t.display = "tok:display";
    return t;
}

/* Silence stderr around calls that are expected to log an error. */
static int fx_saved_stderr = -1;
static __attribute__((unused)) void fx_quiet(bool on)
{
    fflush(stderr);
    if (on) {
        fx_saved_stderr = dup(2);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) {
            dup2(devnull, 2);
            close(devnull);
        }
    } else if (fx_saved_stderr >= 0) {
        dup2(fx_saved_stderr, 2);
        close(fx_saved_stderr);
        fx_saved_stderr = -1;
    }
}

#endif
