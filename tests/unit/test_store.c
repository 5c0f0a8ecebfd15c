/*
 * test_store.c: unit tests for src/store on SQLite, each on a fresh database file in a temp
 * directory: migrations and seeding (and that reopening changes nothing), import then load
 * compared field by field, re-import per environment, one event per write, tokens stored by
 * digest only (the file bytes are scanned for the secret), and usage counts adding up.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <fcntl.h>
#include <unistd.h>

#include "auth/token.h"
#include "base/log.h"
#include "base/util.h"
#include "model/model_json.h"
#include "store/sqlite/migrations.h"
#include "store/store.h"

static const char DOC[] =
    "{\"version\":2,\"features\":["
    "{\"name\":\"alpha\",\"type\":\"experiment\",\"description\":\"the first\","
    "\"project\":\"proj-a\",\"stale\":true,\"impressionData\":true,\"enabled\":true,"
    "\"createdAt\":\"2024-01-02T03:04:05.678Z\","
    "\"strategies\":["
    " {\"id\":\"s-2\",\"name\":\"flexibleRollout\",\"title\":\"Half\",\"sortOrder\":2,"
    "  \"parameters\":{\"rollout\":50,\"stickiness\":\"userId\",\"groupId\":\"alpha\"},"
    "  \"constraints\":["
    "   {\"contextName\":\"userId\",\"operator\":\"IN\",\"values\":[\"a\",\"b\"],"
    "    \"inverted\":true,\"caseInsensitive\":true},"
    "   {\"contextName\":\"appVersion\",\"operator\":\"SEMVER_GT\",\"value\":\"1.2.3\"}],"
    "  \"segments\":[3,1],"
    "  \"variants\":[{\"name\":\"sv\",\"weight\":1000,\"weightType\":\"fix\","
    "   \"stickiness\":\"userId\",\"payload\":{\"type\":\"string\",\"value\":\"x\"}}]},"
    " {\"id\":\"s-1\",\"name\":\"default\",\"sortOrder\":1,\"disabled\":true},"
    " {\"id\":\"s-3\",\"name\":\"userWithId\",\"sortOrder\":3,"
    "  \"parameters\":{\"userIds\":\"1,2\"}}"
    "],"
    "\"variants\":["
    " {\"name\":\"blue\",\"weight\":600,\"weightType\":\"variable\",\"stickiness\":\"sessionId\","
    "  \"payload\":{\"type\":\"json\",\"value\":\"{\\\"k\\\":1}\"},"
    "  \"overrides\":[{\"contextName\":\"userId\",\"values\":[\"u1\",\"u2\"]}]},"
    " {\"name\":\"red\",\"weight\":400,\"weightType\":\"fix\"}"
    "],"
    "\"dependencies\":["
    " {\"feature\":\"beta\",\"enabled\":true,\"variants\":[\"v1\",\"v2\"]},"
    " {\"feature\":\"gamma\",\"enabled\":false}]},"
    "{\"name\":\"beta\",\"type\":\"release\",\"description\":null,\"project\":\"default\","
    "\"enabled\":false,\"strategies\":[{\"name\":\"default\"}],\"variants\":[]}"
    "],"
    "\"segments\":["
    " {\"id\":3,\"name\":\"seg three\",\"constraints\":["
    "  {\"contextName\":\"region\",\"operator\":\"IN\",\"values\":[\"eu\",\"us\"]}]},"
    " {\"id\":1,\"name\":\"seg one\",\"description\":\"first\",\"project\":\"proj-a\","
    "  \"constraints\":[{\"contextName\":\"tenant\",\"operator\":\"STR_CONTAINS\","
    "   \"values\":[\"x\"],\"caseInsensitive\":true}]}"
    "]}";

/* Silence stderr around calls that are expected to log an error. */
static int saved_stderr = -1;
static void quiet_begin(void)
{
    fflush(stderr);
    saved_stderr = dup(2);
    int devnull = open("/dev/null", O_WRONLY);
    if (devnull >= 0) {
        dup2(devnull, 2);
        close(devnull);
    }
}
static void quiet_end(void)
{
    fflush(stderr);
    if (saved_stderr >= 0) {
        dup2(saved_stderr, 2);
        close(saved_stderr);
        saved_stderr = -1;
    }
}

/* ---- fixture: a temp directory with one database path ---- */

typedef struct {
    char dir[64];
    char path[128];
    lt_arena_t arena;
} fx_t;

static int setup(void **state)
{
    fx_t *fx = calloc(1, sizeof(*fx));
    snprintf(fx->dir, sizeof(fx->dir), "/tmp/latch-test-store-XXXXXX");
    if (!mkdtemp(fx->dir)) {
        free(fx);
        return -1;
    }
    snprintf(fx->path, sizeof(fx->path), "%s/latch.db", fx->dir);
    lt_arena_init(&fx->arena, 0);
    *state = fx;
    return 0;
}

static int teardown(void **state)
{
    fx_t *fx = *state;
    char p[160];
    static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
    for (size_t i = 0; i < LT_ARRAY_LEN(suffix); i++) {
        snprintf(p, sizeof(p), "%s%s", fx->path, suffix[i]);
        unlink(p);
    }
    rmdir(fx->dir);
    lt_arena_dispose(&fx->arena);
    free(fx);
    return 0;
}

static lt_store_t *open_store(fx_t *fx)
{
    lt_store_t *s = NULL;
    assert_int_equal(lt_store_open(&s, fx->path), LT_OK);
    assert_non_null(s);
    return s;
}

/* A second, direct connection for checking what is on disk. */
static int64_t raw_int(fx_t *fx, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    int64_t v = -1;
    if (sqlite3_step(st) == SQLITE_ROW)
        v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static char *raw_text(fx_t *fx, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        fail_msg("prepare %s: %s", sql, sqlite3_errmsg(db));
    char *v = NULL;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
        v = lt_xstrdup((const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void raw_exec(fx_t *fx, const char *sql)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static lt_client_doc_t parse_doc(lt_arena_t *a, const char *json, const char *env)
{
    lt_client_doc_t doc;
    lt_parse_err_t err;
    if (lt_model_parse_client_doc(a, json, strlen(json), env, &doc, &err) != LT_OK)
        fail_msg("parse: %s (%s)", err.msg, err.where);
    return doc;
}

static const lt_feature_t *find_feature(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_features; i++)
        if (strcmp(d->features[i].name, name) == 0)
            return &d->features[i];
    return NULL;
}

static const lt_strategy_t *find_strategy(const lt_feature_env_t *fe, const char *id)
{
    for (size_t i = 0; i < fe->n_strategies; i++)
        if (fe->strategies[i].id && strcmp(fe->strategies[i].id, id) == 0)
            return &fe->strategies[i];
    return NULL;
}

static void assert_str_or_null(const char *got, const char *want)
{
    if (!want) {
        if (got)
            fail_msg("want NULL, got \"%s\"", got);
        return;
    }
    if (!got)
        fail_msg("want \"%s\", got NULL", want);
    assert_string_equal(got, want);
}

static void cmp_strings(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        assert_string_equal(a[i], b[i]);
}

static void cmp_constraints(const lt_constraint_t *a, size_t na, const lt_constraint_t *b,
                            size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].context_name, b[i].context_name);
        assert_string_equal(a[i].op, b[i].op);
        cmp_strings(a[i].values, a[i].n_values, b[i].values, b[i].n_values);
        assert_int_equal(a[i].has_values, b[i].has_values);
        assert_str_or_null(b[i].value, a[i].value);
        assert_int_equal(a[i].inverted, b[i].inverted);
        assert_int_equal(a[i].case_insensitive, b[i].case_insensitive);
    }
}

static void cmp_variants(const lt_variant_t *a, size_t na, const lt_variant_t *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].name, b[i].name);
        assert_int_equal(a[i].weight, b[i].weight);
        assert_string_equal(a[i].weight_type ? a[i].weight_type : "variable", b[i].weight_type);
        assert_string_equal(a[i].stickiness ? a[i].stickiness : "default", b[i].stickiness);
        if (a[i].payload) {
            assert_non_null(b[i].payload);
            assert_string_equal(a[i].payload->type, b[i].payload->type);
            assert_string_equal(a[i].payload->value, b[i].payload->value);
        } else {
            assert_null(b[i].payload);
        }
        assert_int_equal(a[i].n_overrides, b[i].n_overrides);
        for (size_t k = 0; k < a[i].n_overrides; k++) {
            assert_string_equal(a[i].overrides[k].context_name, b[i].overrides[k].context_name);
            cmp_strings(a[i].overrides[k].values, a[i].overrides[k].n_values,
                        b[i].overrides[k].values, b[i].overrides[k].n_values);
        }
    }
}

static void cmp_strategy(const lt_strategy_t *s, const lt_strategy_t *t)
{
    assert_string_equal(s->name, t->name);
    assert_str_or_null(t->title, s->title);
    assert_int_equal(s->sort_order, t->sort_order);
    assert_int_equal(s->disabled, t->disabled);
    assert_int_equal(s->n_params, t->n_params);
    for (size_t i = 0; i < s->n_params; i++) {
        assert_string_equal(s->params[i].key, t->params[i].key);
        assert_string_equal(s->params[i].value, t->params[i].value);
    }
    cmp_constraints(s->constraints, s->n_constraints, t->constraints, t->n_constraints);
    assert_int_equal(s->n_segments, t->n_segments);
    for (size_t i = 0; i < s->n_segments; i++)
        assert_int_equal(s->segments[i], t->segments[i]);
    cmp_variants(s->variants, s->n_variants, t->variants, t->n_variants);
}

/* The state of feature f (as parsed from a doc) against its env entry in a loaded dataset. */
/* Only the per-environment part: enabled, strategies, variants. */
static void cmp_env_only(const lt_feature_t *f, const lt_dataset_t *d, const char *env,
                         bool same_ids)
{
    const lt_feature_t *g = find_feature(d, f->name);
    if (!g)
        fail_msg("feature %s not loaded", f->name);
    const lt_feature_env_t *fe = &f->envs[0], *ge = lt_feature_env(g, env);
    assert_non_null(ge);
    assert_int_equal(fe->enabled, ge->enabled);
    assert_int_equal(fe->n_strategies, ge->n_strategies);
    for (size_t i = 0; i < fe->n_strategies; i++) {
        const lt_strategy_t *s = &fe->strategies[i];
        const lt_strategy_t *t = NULL;
        if (same_ids && s->id) {
            t = find_strategy(ge, s->id);
        } else {
            /* loaded strategies come ordered by sortOrder; match by that */
            for (size_t k = 0; k < ge->n_strategies; k++)
                if (ge->strategies[k].sort_order == s->sort_order)
                    t = &ge->strategies[k];
        }
        if (!t)
            fail_msg("strategy %s of %s not loaded", s->id ? s->id : s->name, f->name);
        assert_non_null(t->id);
        cmp_strategy(s, t);
    }
    /* loaded in (sortOrder, id) order */
    for (size_t i = 1; i < ge->n_strategies; i++)
        assert_true(ge->strategies[i - 1].sort_order <= ge->strategies[i].sort_order);
    cmp_variants(fe->variants, fe->n_variants, ge->variants, ge->n_variants);
}

/* Feature-wide fields, dependencies, and the env entry. */
static void cmp_feature_env(const lt_feature_t *f, const lt_dataset_t *d, const char *env,
                            bool same_ids)
{
    const lt_feature_t *g = find_feature(d, f->name);
    if (!g)
        fail_msg("feature %s not loaded", f->name);
    assert_string_equal(f->type, g->type);
    assert_str_or_null(g->description, f->description);
    assert_string_equal(f->project, g->project);
    assert_int_equal(f->stale, g->stale);
    assert_int_equal(f->impression_data, g->impression_data);
    assert_false(g->archived);
    if (f->created_at)
        assert_int_equal(f->created_at, g->created_at);
    else
        assert_true(g->created_at > 1700000000000LL); /* stamped at import */
    cmp_env_only(f, d, env, same_ids);
    assert_int_equal(f->n_dependencies, g->n_dependencies);
    for (size_t i = 0; i < f->n_dependencies; i++) {
        const lt_dependency_t *x = &f->dependencies[i], *y = NULL;
        for (size_t k = 0; k < g->n_dependencies; k++)
            if (strcmp(g->dependencies[k].feature, x->feature) == 0)
                y = &g->dependencies[k];
        assert_non_null(y);
        assert_int_equal(x->enabled, y->enabled);
        cmp_strings(x->variants, x->n_variants, y->variants, y->n_variants);
    }
}

/* ---- schema and seed ---- */

static void test_open_creates_schema(void **state)
{
    fx_t *fx = *state;
    lt_store_t *s = open_store(fx);
    assert_int_equal(raw_int(fx, "PRAGMA user_version"), (int64_t)lt_sqlite_n_migrations);
    assert_true(lt_sqlite_n_migrations >= 1);
    static const char *const tables[] = {
        "projects",
        "environments",
        "features",
        "feature_environments",
        "strategies",
        "segments",
        "dependencies",
        "api_tokens",
        "api_token_projects",
        "events",
        "client_applications",
        "client_metrics",
        "client_metrics_variants",
    };
    for (size_t i = 0; i < LT_ARRAY_LEN(tables); i++) {
        char sql[160];
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM sqlite_master WHERE type='table' AND name='%s'", tables[i]);
        if (raw_int(fx, sql) != 1)
            fail_msg("table %s missing", tables[i]);
    }
    char *mode = raw_text(fx, "PRAGMA journal_mode");
    assert_string_equal(mode, "wal");
    free(mode);

    lt_dataset_t d;
    assert_int_equal(lt_store_load(s, &fx->arena, &d), LT_OK);
    assert_int_equal(d.n_projects, 1);
    assert_string_equal(d.projects[0].id, "default");
    assert_string_equal(d.projects[0].name, "Default");
    assert_true(d.projects[0].created_at > 0);
    assert_int_equal(d.n_envs, 2);
    assert_string_equal(d.envs[0].name, "development");
    assert_string_equal(d.envs[0].type, "development");
    assert_true(d.envs[0].enabled);
    assert_string_equal(d.envs[1].name, "production");
    assert_string_equal(d.envs[1].type, "production");
    assert_true(d.envs[0].sort_order < d.envs[1].sort_order);
    assert_int_equal(d.n_features, 0);
    assert_int_equal(d.n_segments, 0);
    assert_int_equal(d.n_tokens, 0);
    /* the seed wrote its event(s); the revision is the newest event id */
    assert_true(d.revision >= 1);
    assert_int_equal(d.revision, raw_int(fx, "SELECT max(id) FROM events"));
    int64_t rev = 0;
    assert_int_equal(lt_store_revision(s, &rev), LT_OK);
    assert_int_equal(rev, d.revision);
    lt_store_close(s);
}

static void test_reopen_is_idempotent(void **state)
{
    fx_t *fx = *state;
    lt_store_close(open_store(fx));
    int64_t created = raw_int(fx, "SELECT created_at FROM projects WHERE id='default'");
    int64_t n_events = raw_int(fx, "SELECT count(*) FROM events");
    int64_t rev0 = raw_int(fx, "SELECT max(id) FROM events");
    assert_true(n_events >= 1);
    for (int i = 0; i < 3; i++) {
        lt_store_t *s = open_store(fx);
        lt_dataset_t d;
        assert_int_equal(lt_store_load(s, &fx->arena, &d), LT_OK);
        assert_int_equal(d.n_projects, 1);
        assert_int_equal(d.n_envs, 2);
        assert_int_equal(d.revision, rev0);
        lt_store_close(s);
    }
    assert_int_equal(raw_int(fx, "PRAGMA user_version"), (int64_t)lt_sqlite_n_migrations);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM projects"), 1);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM environments"), 2);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM events"), n_events);
    assert_int_equal(raw_int(fx, "SELECT created_at FROM projects WHERE id='default'"), created);

    /* the URL forms reach the same file */
    char url[200];
    snprintf(url, sizeof(url), "sqlite://%s", fx->path);
    lt_store_t *s = NULL;
    assert_int_equal(lt_store_open(&s, url), LT_OK);
    int64_t rev = 0;
    lt_store_revision(s, &rev);
    assert_int_equal(rev, rev0);
    lt_store_close(s);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM projects"), 1);

    /* a schema newer than this latch is refused, not downgraded */
    char sql[64];
    snprintf(sql, sizeof(sql), "PRAGMA user_version = %zu", lt_sqlite_n_migrations + 1);
    raw_exec(fx, sql);
    s = NULL;
    quiet_begin();
    int rc = lt_store_open(&s, fx->path);
    quiet_end();
    assert_int_not_equal(rc, LT_OK);
    assert_int_equal(raw_int(fx, "PRAGMA user_version"), (int64_t)lt_sqlite_n_migrations + 1);
}

static void test_url_redacted(void **state)
{
    (void)state;
    char b[256];
    assert_string_equal(lt_store_url_redacted("postgres://u:s3cret@db:5432/latch", b, sizeof(b)),
                        "postgres://u:***@db:5432/latch");
    assert_string_equal(lt_store_url_redacted("postgresql://u@db/x?password=s3cret&sslmode=require",
                                              b, sizeof(b)),
                        "postgresql://u@db/x?password=***&sslmode=require");
    assert_string_equal(lt_store_url_redacted("postgres://db/x", b, sizeof(b)), "postgres://db/x");
    assert_string_equal(lt_store_url_redacted("sqlite:///tmp/a:b@c", b, sizeof(b)),
                        "sqlite:///tmp/a:b@c");
    assert_null(strstr(lt_store_url_redacted("postgres://u:p@ss@h/d", b, sizeof(b)), "ss@h"));
}

static void test_open_bad_urls(void **state)
{
    (void)state;
    lt_store_t *s = NULL;
    int rc[5];
    quiet_begin();
    rc[0] = lt_store_open(&s, "postgres://127.0.0.1:1/latch?connect_timeout=2"); /* refused */
    rc[1] = lt_store_open(&s, "postgresql://127.0.0.1:1/latch?schema=no;such");

    rc[2] = lt_store_open(&s, "");
    rc[3] = lt_store_open(&s, "sqlite://");
    rc[4] = lt_store_open(&s, "/nonexistent-dir-for-latch/x/latch.db");
    quiet_end();
    assert_int_equal(rc[0], LT_ERR);
    assert_int_equal(rc[1], LT_EINVAL);
    assert_int_equal(rc[2], LT_EINVAL);
    assert_int_equal(rc[3], LT_EINVAL);
    assert_int_not_equal(rc[4], LT_OK);
    assert_null(s);
}

/* ---- import and load ---- */

static void test_import_then_load(void **state)
{
    fx_t *fx = *state;
    lt_store_t *s = open_store(fx);
    lt_client_doc_t doc = parse_doc(&fx->arena, DOC, "development");
    assert_int_equal(lt_store_import_doc(s, &doc, "development", "test"), LT_OK);
    lt_dataset_t d;
    assert_int_equal(lt_store_load(s, &fx->arena, &d), LT_OK);

    /* the missing project was created */
    assert_int_equal(d.n_projects, 2);
    assert_string_equal(d.projects[0].id, "default");
    assert_string_equal(d.projects[1].id, "proj-a");
    /* features sorted by name, one env entry each */
    assert_int_equal(d.n_features, 2);
    assert_string_equal(d.features[0].name, "alpha");
    assert_string_equal(d.features[1].name, "beta");
    assert_int_equal(d.features[0].n_envs, 1);
    for (size_t i = 0; i < doc.n_features; i++)
        cmp_feature_env(&doc.features[i], &d, "development", true);
    /* strategy ids from the document are kept on first import */
    const lt_feature_env_t *ge = lt_feature_env(&d.features[0], "development");
    assert_string_equal(ge->strategies[0].id, "s-1");
    assert_string_equal(ge->strategies[1].id, "s-2");
    assert_string_equal(ge->strategies[2].id, "s-3");
    /* a strategy without an id got a UUID */
    ge = lt_feature_env(&d.features[1], "development");
    assert_int_equal(strlen(ge->strategies[0].id), 36);
    /* segments with every stored field */
    assert_int_equal(d.n_segments, 2);
    assert_int_equal(d.segments[0].id, 1);
    assert_string_equal(d.segments[0].name, "seg one");
    assert_string_equal(d.segments[0].description, "first");
    assert_string_equal(d.segments[0].project, "proj-a");
    assert_true(d.segments[0].created_at > 0);
    assert_int_equal(d.segments[1].id, 3);
    assert_null(d.segments[1].description);
    assert_null(d.segments[1].project);
    for (size_t i = 0; i < 2; i++) {
        const lt_segment_t *want = lt_segment_find(doc.segments, doc.n_segments, d.segments[i].id);
        assert_non_null(want);
        assert_string_equal(want->name, d.segments[i].name);
        cmp_constraints(want->constraints, want->n_constraints, d.segments[i].constraints,
                        d.segments[i].n_constraints);
    }
    /* the written JSON columns are what model.c writes */
    char *cons = raw_text(fx, "SELECT constraints FROM strategies WHERE id='s-2'");
    assert_non_null(cons);
    assert_non_null(strstr(cons, "\"contextName\":\"appVersion\",\"operator\":\"SEMVER_GT\""));
    free(cons);
    lt_store_close(s);
}

static void test_reimport_per_environment(void **state)
{
    fx_t *fx = *state;
    lt_store_t *s = open_store(fx);
    lt_client_doc_t dev = parse_doc(&fx->arena, DOC, "development");
    lt_client_doc_t prod = parse_doc(&fx->arena, DOC, "production");
    assert_int_equal(lt_store_import_doc(s, &dev, "development", "test"), LT_OK);
    assert_int_equal(lt_store_import_doc(s, &prod, "production", "test"), LT_OK);

    lt_dataset_t d;
    assert_int_equal(lt_store_load(s, &fx->arena, &d), LT_OK);
    assert_int_equal(d.n_features, 2);
    const lt_feature_t *alpha = find_feature(&d, "alpha");
    assert_int_equal(alpha->n_envs, 2);
    for (size_t i = 0; i < dev.n_features; i++) {
        cmp_feature_env(&dev.features[i], &d, "development", true);
        cmp_feature_env(&prod.features[i], &d, "production", false);
    }
    /* ids reused in development get fresh ones in production */
    const lt_feature_env_t *pe = lt_feature_env(alpha, "production");
    for (size_t i = 0; i < pe->n_strategies; i++) {
        assert_int_equal(strlen(pe->strategies[i].id), 36);
        assert_null(find_strategy(lt_feature_env(alpha, "development"), pe->strategies[i].id));
    }
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM strategies"), 2 * (3 + 1));

    /* re-import a changed alpha into development only */
    const char *changed =
        "{\"features\":[{\"name\":\"alpha\",\"type\":\"experiment\",\"project\":\"proj-a\","
        "\"enabled\":false,\"strategies\":[{\"id\":\"s-9\",\"name\":\"gradualRolloutUserId\","
        "\"parameters\":{\"percentage\":\"10\"}}],\"variants\":[]}]}";
    lt_client_doc_t ch = parse_doc(&fx->arena, changed, "development");
    assert_int_equal(lt_store_import_doc(s, &ch, "development", "test"), LT_OK);
    lt_dataset_t d2;
    assert_int_equal(lt_store_load(s, &fx->arena, &d2), LT_OK);
    alpha = find_feature(&d2, "alpha");
    const lt_feature_env_t *de = lt_feature_env(alpha, "development");
    assert_false(de->enabled);
    assert_int_equal(de->n_strategies, 1);
    assert_string_equal(de->strategies[0].id, "s-9");
    assert_string_equal(de->strategies[0].name, "gradualRolloutUserId");
    assert_int_equal(de->n_variants, 0);
    /* production's state untouched (feature-wide fields and dependencies are shared) */
    cmp_env_only(&prod.features[0], &d2, "production", false);
    assert_null(alpha->description);
    assert_int_equal(alpha->n_dependencies, 0);
    const lt_feature_env_t *pe2 = lt_feature_env(alpha, "production");
    for (size_t i = 0; i < pe->n_strategies; i++)
        assert_string_equal(pe->strategies[i].id, pe2->strategies[i].id);
    /* beta was not in the document: still as it was in both */
    cmp_feature_env(&dev.features[1], &d2, "development", false);
    cmp_feature_env(&prod.features[1], &d2, "production", false);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM strategies"), 1 + 3 + 2);

    /* importing the same document again into development reuses its own ids */
    assert_int_equal(lt_store_import_doc(s, &dev, "development", "test"), LT_OK);
    lt_dataset_t d3;
    assert_int_equal(lt_store_load(s, &fx->arena, &d3), LT_OK);
    cmp_feature_env(&dev.features[0], &d3, "development", true);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM strategies"), 2 * (3 + 1));

    /* a new environment named by an import is created */
    lt_client_doc_t stg = parse_doc(&fx->arena, DOC, "staging");
    assert_int_equal(lt_store_import_doc(s, &stg, "staging", "test"), LT_OK);
    lt_dataset_t d4;
    assert_int_equal(lt_store_load(s, &fx->arena, &d4), LT_OK);
    assert_int_equal(d4.n_envs, 3);
    assert_string_equal(d4.envs[2].name, "staging");
    assert_int_equal(find_feature(&d4, "alpha")->n_envs, 3);
    lt_store_close(s);
}

static void test_import_adds_one_event(void **state)
{
    fx_t *fx = *state;
    lt_store_t *s = open_store(fx);
    lt_client_doc_t doc = parse_doc(&fx->arena, DOC, "development");
    int64_t rev0 = 0, rev = 0;
    assert_int_equal(lt_store_revision(s, &rev0), LT_OK);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(lt_store_import_doc(s, &doc, i == 2 ? "production" : "development", "me"),
                         LT_OK);
        assert_int_equal(lt_store_revision(s, &rev), LT_OK);
        assert_int_equal(rev, rev0 + i);
        char sql[96];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM events WHERE id > %lld", (long long)rev0);
        assert_int_equal(raw_int(fx, sql), i);
    }
    char *type = raw_text(fx, "SELECT type FROM events ORDER BY id DESC LIMIT 1");
    assert_string_equal(type, "features-imported");
    free(type);
    char *by = raw_text(fx, "SELECT created_by FROM events ORDER BY id DESC LIMIT 1");
    assert_string_equal(by, "me");
    free(by);
    lt_dataset_t d;
    assert_int_equal(lt_store_load(s, &fx->arena, &d), LT_OK);
    assert_int_equal(d.revision, rev);
    /* an empty document is still one event */
    lt_client_doc_t empty = parse_doc(&fx->arena, "{\"features\":[]}", "development");
    assert_int_equal(lt_store_import_doc(s, &empty, "development", "me"), LT_OK);
    assert_int_equal(lt_store_revision(s, &rev), LT_OK);
    assert_int_equal(rev, rev0 + 4);
    lt_store_close(s);
}

/* ---- tokens ---- */

static lt_token_new_t new_token(const char *secret, uint8_t digest[32], char *display,
                                size_t display_size)
{
    lt_token_digest(lt_str_c(secret), digest);
    lt_token_display(lt_str_c(secret), display, display_size);
    lt_token_new_t t;
    memset(&t, 0, sizeof(t));
    memcpy(t.digest, digest, 32);
    t.display = display;
    return t;
}

/* Token writes as the callers make them: each with its event. */
static int token_insert(lt_store_t *s, const lt_token_new_t *t)
{
    lt_event_t ev = {.type = "api-token-created", .created_by = "test"};
    return lt_store_token_create(s, t, &ev, NULL);
}

static int token_delete(lt_store_t *s, const uint8_t digest[32])
{
    lt_event_t ev = {.type = "api-token-deleted", .created_by = "test"};
    return lt_store_token_remove(s, digest, &ev);
}

static int64_t token_count(lt_store_t *s)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    int64_t n = lt_store_load(s, &a, &d) == LT_OK ? (int64_t)d.n_tokens : -1;
    lt_arena_dispose(&a);
    return n;
}

static void test_tokens(void **state)
{
    fx_t *fx = *state;
    lt_store_t *s = open_store(fx);
    int64_t rev0 = 0, rev = 0;
    assert_int_equal(token_count(s), 0);
    lt_store_revision(s, &rev0);

    uint8_t d1[32], d2[32], d3[32];
    char disp1[200], disp2[200], disp3[200];
    const char *projects[] = {"beta-proj", "alpha-proj"};
    lt_token_new_t t1 = new_token("[]:development.aaaa", d1, disp1, sizeof(disp1));
    t1.name = "multi";
    t1.type = LT_TOKEN_CLIENT;
    t1.environment = "development";
    t1.projects = projects;
    t1.n_projects = 2;
    t1.expires_at = 4102444800000LL;
    lt_token_new_t t2 = new_token("*:production.bbbb", d2, disp2, sizeof(disp2));
    t2.name = "all";
    t2.type = LT_TOKEN_FRONTEND;
    t2.environment = "production";
    t2.all_projects = true;
    t2.projects = projects; /* ignored: all projects */
    t2.n_projects = 2;
    lt_token_new_t t3 = new_token("*:*.cccc", d3, disp3, sizeof(disp3));
    t3.name = "admin";
    t3.type = LT_TOKEN_ADMIN;
    t3.environment = "*";
    t3.all_projects = true;

    assert_int_equal(token_insert(s, &t1), LT_OK);
    assert_int_equal(token_insert(s, &t2), LT_OK);
    assert_int_equal(token_insert(s, &t3), LT_OK);
    assert_int_equal(token_count(s), 3);
    lt_store_revision(s, &rev);
    assert_int_equal(rev, rev0 + 3);

    /* the same digest again: refused, nothing changes, no event */
    lt_token_new_t dup = t1;
    dup.name = "again";
    assert_int_equal(token_insert(s, &dup), LT_EINVAL);
    assert_int_equal(token_count(s), 3);
    int64_t rev_dup = 0;
    lt_store_revision(s, &rev_dup);
    assert_int_equal(rev_dup, rev);

    lt_dataset_t d;
    assert_int_equal(lt_store_load(s, &fx->arena, &d), LT_OK);
    assert_int_equal(d.n_tokens, 3);
    const lt_token_t *l1 = NULL, *l2 = NULL, *l3 = NULL;
    for (size_t i = 0; i < d.n_tokens; i++) {
        if (memcmp(d.tokens[i].digest, d1, 32) == 0)
            l1 = &d.tokens[i];
        if (memcmp(d.tokens[i].digest, d2, 32) == 0)
            l2 = &d.tokens[i];
        if (memcmp(d.tokens[i].digest, d3, 32) == 0)
            l3 = &d.tokens[i];
    }
    assert_non_null(l1);
    assert_non_null(l2);
    assert_non_null(l3);
    assert_string_equal(l1->name, "multi");
    assert_int_equal(l1->type, LT_TOKEN_CLIENT);
    assert_string_equal(l1->environment, "development");
    assert_false(l1->all_projects);
    assert_int_equal(l1->n_projects, 2);
    assert_string_equal(l1->projects[0], "alpha-proj"); /* sorted */
    assert_string_equal(l1->projects[1], "beta-proj");
    assert_true(lt_token_has_project(l1, "alpha-proj"));
    assert_false(lt_token_has_project(l1, "default"));
    assert_int_equal(l1->expires_at, 4102444800000LL);
    assert_string_equal(l1->display, disp1);
    assert_true(l1->created_at > 0);
    assert_string_equal(l2->name, "all");
    assert_int_equal(l2->type, LT_TOKEN_FRONTEND);
    assert_true(l2->all_projects);
    assert_int_equal(l2->n_projects, 0);
    assert_int_equal(l2->expires_at, 0);
    assert_int_equal(l3->type, LT_TOKEN_ADMIN);
    assert_string_equal(l3->environment, "*");
    /* the loaded tokens work in a table */
    lt_token_table_t tt;
    lt_token_table_build(&tt, &fx->arena, d.tokens, d.n_tokens);
    assert_ptr_equal(lt_token_table_find(&tt, d2), l2);

    /* delete: one gone with its project rows, unknown digests are not found */
    assert_int_equal(token_delete(s, d1), LT_OK);
    assert_int_equal(token_count(s), 2);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM api_token_projects"), 0);
    lt_store_revision(s, &rev);
    assert_int_equal(rev, rev_dup + 1);
    assert_int_equal(token_delete(s, d1), LT_ENOTFOUND);
    uint8_t unknown[32];
    memset(unknown, 0x77, sizeof(unknown));
    assert_int_equal(token_delete(s, unknown), LT_ENOTFOUND);
    assert_int_equal(token_count(s), 2);
    int64_t rev2 = 0;
    lt_store_revision(s, &rev2);
    assert_int_equal(rev2, rev);
    lt_dataset_t d2set;
    assert_int_equal(lt_store_load(s, &fx->arena, &d2set), LT_OK);
    assert_int_equal(d2set.n_tokens, 2);
    /* deleted and re-inserted: fine */
    assert_int_equal(token_insert(s, &t1), LT_OK);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM api_token_projects"), 2);
    lt_store_close(s);
}

static bool file_contains(const char *path, const void *needle, size_t n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc(size > 0 ? (size_t)size : 1);
    size_t got = fread(buf, 1, size > 0 ? (size_t)size : 0, f);
    fclose(f);
    bool found = got >= n && memmem(buf, got, needle, n) != NULL;
    free(buf);
    return found;
}

static void test_token_secret_not_stored(void **state)
{
    fx_t *fx = *state;
    lt_store_t *s = open_store(fx);
    const char *one[] = {"default"};
    char secret[200];
    lt_token_set_format(LT_TOKEN_FMT_CLASSIC);
    lt_token_generate(LT_TOKEN_CLIENT, "development", one, 1, false, secret, sizeof(secret));
    lt_token_set_format(LT_TOKEN_FMT_V2);
    uint8_t digest[32];
    char display[200];
    lt_token_new_t t = new_token(secret, digest, display, sizeof(display));
    t.name = "scan-me";
    t.type = LT_TOKEN_CLIENT;
    t.environment = "development";
    t.projects = one;
    t.n_projects = 1;
    assert_int_equal(token_insert(s, &t), LT_OK);
    const char *hex = strchr(secret, '.') + 1;
    assert_int_equal(strlen(hex), 56);

    /* while open (WAL) and after close (checkpointed into the main file) */
    char wal[160];
    snprintf(wal, sizeof(wal), "%s-wal", fx->path);
    for (int pass = 0; pass < 2; pass++) {
        bool digest_seen = file_contains(fx->path, digest, 32) || file_contains(wal, digest, 32);
        assert_true(digest_seen); /* the scan does find what is stored */
        assert_true(file_contains(fx->path, "scan-me", 7) || file_contains(wal, "scan-me", 7));
        assert_false(file_contains(fx->path, secret, strlen(secret)));
        assert_false(file_contains(wal, secret, strlen(secret)));
        assert_false(file_contains(fx->path, hex, 56));
        assert_false(file_contains(wal, hex, 56));
        /* nor a long part of it: the display shows at most 6 secret characters */
        assert_false(file_contains(fx->path, hex, 12));
        assert_false(file_contains(wal, hex, 12));
        if (pass == 0) {
            lt_store_close(s);
            s = NULL;
        }
    }
}

/* A v2 token: the selector is stored (it is not secret), the 43-character secret never is. */
static void test_token_v2_secret_not_stored(void **state)
{
    fx_t *fx = *state;
    lt_store_t *s = open_store(fx);
    char secret[200];
    lt_token_set_format(LT_TOKEN_FMT_V2);
    lt_token_generate(LT_TOKEN_CLIENT, "development", NULL, 0, true, secret, sizeof(secret));
    lt_token_parts_t p = lt_token_parse(lt_str_c(secret));
    assert_int_equal(p.form, LT_TOKEN_FORM_V2);
    char selector[23];
    memcpy(selector, p.selector.ptr, 22);
    selector[22] = '\0';
    uint8_t digest[32];
    char display[200];
    lt_token_new_t t = new_token(secret, digest, display, sizeof(display));
    t.name = "scan-v2";
    t.type = LT_TOKEN_CLIENT;
    t.environment = "development";
    t.all_projects = true;
    t.selector = selector;
    assert_int_equal(token_insert(s, &t), LT_OK);
    const char *sec = secret + strlen(secret) - 43;
    lt_store_close(s);
    assert_true(file_contains(fx->path, digest, 32));
    assert_true(file_contains(fx->path, selector, 22));
    assert_false(file_contains(fx->path, sec, 43));
    assert_false(file_contains(fx->path, sec, 12));
    /* read back: the selector is the record's */
    s = open_store(fx);
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    assert_int_equal(lt_store_load(s, &a, &d), LT_OK);
    assert_int_equal(d.n_tokens, 1);
    assert_string_equal(d.tokens[0].selector, selector);
    assert_int_equal(d.tokens[0].grace_until, 0);
    lt_arena_dispose(&a);
    lt_store_close(s);
}

/* ---- usage ---- */

static void test_usage_write(void **state)
{
    fx_t *fx = *state;
    lt_store_t *s = open_store(fx);
    int64_t rev0 = 0, rev = 0;
    lt_store_revision(s, &rev0);
    /* the last hour: older hours are summed into days by the retention */
    const int64_t hour = lt_now_ms() / 3600000 * 3600000 - 3600000;
    lt_app_row_t app = {.app_name = "shop",
                        .instance_id = "i-1",
                        .environment = "development",
                        .sdk_version = "unleash-client-node:5.0.0",
                        .strategies = "[\"default\"]",
                        .platform_name = "node",
                        .sdk_type = "backend",
                        .started_at = 1704160000000LL,
                        .interval_ms = 15000,
                        .seen_at = 1704161000000LL};
    const char *vn1[] = {"blue"};
    const int64_t vc1[] = {2};
    lt_metric_row_t rows1[] = {
        {.app_name = "shop",
         .instance_id = "i-1",
         .environment = "development",
         .feature = "alpha",
         .hour = hour,
         .yes = 3,
         .no = 1,
         .variant_names = vn1,
         .variant_counts = vc1,
         .n_variants = 1},
        {.app_name = "shop",
         .instance_id = "i-1",
         .environment = "development",
         .feature = "beta",
         .hour = hour,
         .yes = 0,
         .no = 7},
    };
    assert_int_equal(lt_store_usage_write(s, &app, 1, rows1, 2), LT_OK);

    lt_app_row_t app2 = app;
    app2.sdk_version = NULL; /* not sent again: kept */
    app2.platform_name = "deno";
    app2.seen_at = 1704162000000LL;
    const char *vn2[] = {"blue", "red"};
    const int64_t vc2[] = {1, 4};
    lt_metric_row_t rows2[] = {
        {.app_name = "shop",
         .instance_id = "i-1",
         .environment = "development",
         .feature = "alpha",
         .hour = hour,
         .yes = 2,
         .no = 5,
         .variant_names = vn2,
         .variant_counts = vc2,
         .n_variants = 2},
        {.app_name = "shop",
         .instance_id = "i-1",
         .environment = "development",
         .feature = "alpha",
         .hour = hour + 3600000,
         .yes = 1,
         .no = 0},
    };
    assert_int_equal(lt_store_usage_write(s, &app2, 1, rows2, 2), LT_OK);

    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT yes FROM client_metrics WHERE feature='alpha' AND hour=%lld",
             (long long)hour);
    assert_int_equal(raw_int(fx, sql), 5);
    snprintf(sql, sizeof(sql), "SELECT no FROM client_metrics WHERE feature='alpha' AND hour=%lld",
             (long long)hour);
    assert_int_equal(raw_int(fx, sql), 6);
    assert_int_equal(raw_int(fx, "SELECT no FROM client_metrics WHERE feature='beta'"), 7);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM client_metrics"), 3);
    assert_int_equal(raw_int(fx, "SELECT sum(yes) FROM client_metrics WHERE feature='alpha'"), 6);
    assert_int_equal(raw_int(fx, "SELECT count FROM client_metrics_variants WHERE variant='blue'"),
                     3);
    assert_int_equal(raw_int(fx, "SELECT count FROM client_metrics_variants WHERE variant='red'"),
                     4);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM client_metrics_variants"), 2);

    /* one application row, updated in place */
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM client_applications"), 1);
    char *v = raw_text(fx, "SELECT sdk_version FROM client_applications");
    assert_string_equal(v, "unleash-client-node:5.0.0");
    free(v);
    v = raw_text(fx, "SELECT platform_name FROM client_applications");
    assert_string_equal(v, "deno");
    free(v);
    assert_int_equal(raw_int(fx, "SELECT first_seen FROM client_applications"), 1704161000000LL);
    assert_int_equal(raw_int(fx, "SELECT last_seen FROM client_applications"), 1704162000000LL);
    assert_int_equal(raw_int(fx, "SELECT interval_ms FROM client_applications"), 15000);

    /* an older sighting does not move last_seen back; another instance is its own row */
    lt_app_row_t old = app;
    old.seen_at = 1704150000000LL;
    lt_app_row_t other = app;
    other.instance_id = "i-2";
    lt_app_row_t both[] = {old, other};
    assert_int_equal(lt_store_usage_write(s, both, 2, NULL, 0), LT_OK);
    assert_int_equal(raw_int(fx, "SELECT last_seen FROM client_applications WHERE "
                                 "instance_id='i-1'"),
                     1704162000000LL);
    assert_int_equal(raw_int(fx, "SELECT count(*) FROM client_applications"), 2);

    /* usage is not an event */
    lt_store_revision(s, &rev);
    assert_int_equal(rev, rev0);
    lt_store_close(s);
}

int main(void)
{
    lt_log_set_level(LT_LOG_ERROR); /* keep "applied migration" lines out of the output */
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_is_idempotent, setup, teardown),
        cmocka_unit_test(test_open_bad_urls),
        cmocka_unit_test(test_url_redacted),
        cmocka_unit_test_setup_teardown(test_import_then_load, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reimport_per_environment, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_adds_one_event, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_secret_not_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_token_v2_secret_not_stored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_usage_write, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
