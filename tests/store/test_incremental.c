/*
 * test_incremental.c: the incremental reload (store lt_store_load_changes + snapshot
 * lt_snapshot_build_from) answers exactly what a whole reload answers. Many random writes
 * (flags with strategies, constraints, regexes, segments, variants and dependencies; archive
 * and delete; tags; segments; environments on and off; projects; tokens), and after each the
 * snapshot built from the previous one by what changed is compared with one built from a whole
 * load: the client JSON of every flag per environment (segments by reference and inlined), the
 * evaluation of every flag for a set of contexts, the names as JSON, the tags, the tokens
 * and their table. The chain of incremental snapshots is kept going across the whole run, so shared
 * memory is used long after the snapshot that made it is gone. On every backend (store_fx.h).
 * LATCH_TEST_SEED picks another sequence.
 */
#include "store_fx.h"

#include <sqlite3.h>

#include "eval/eval.h"
#include "model/model.h"
#include "state/snapshot.h"

#define STEPS 400
#define POOL 14

static uint64_t rng_state;

static uint32_t rnd(uint32_t n)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33) % n;
}

static const char *const names[POOL] = {"alpha", "beta", "gamma", "delta", "eps", "zeta", "eta",
                                        "theta", "iota", "kappa", "lam", "mu", "nu", "xi"};
static const char *const projects[] = {"default", "p2", "p3"};
static const char *const envs[] = {"development", "production"};

/* Segment ids in the store (created at the start, some rewritten later). */
static int64_t seg_ids[3];

static lt_constraint_t *constraints(lt_arena_t *a, size_t *n)
{
    *n = rnd(3);
    lt_constraint_t *c = lt_arena_calloc(a, *n ? *n : 1, sizeof(*c));
    for (size_t i = 0; i < *n; i++) {
        const char **vals = lt_arena_calloc(a, 2, sizeof(*vals));
        switch (rnd(4)) {
        case 0:
            vals[0] = "se";
            vals[1] = "no";
            c[i] = (lt_constraint_t){"country", "IN", vals, 2, true, NULL, rnd(2), false};
            break;
        case 1:
            c[i] = (lt_constraint_t){"version", "SEMVER_GT", vals, 0, false, "1.2.3", false, false};
            break;
        case 2:
            c[i] = (lt_constraint_t){"email", "REGEX", vals, 0, false, "^u[0-9]+@", false, true};
            break;
        default:
            vals[0] = "1";
            c[i] = (lt_constraint_t){"userId", "STR_ENDS_WITH", vals, 1, true, NULL, false, false};
        }
    }
    return c;
}

static lt_variant_t *variants(lt_arena_t *a, size_t *n)
{
    *n = rnd(3);
    lt_variant_t *v = lt_arena_calloc(a, *n ? *n : 1, sizeof(*v));
    static const lt_payload_t pay = {"string", "hello"};
    static const char *const vnames[] = {"red", "green", "blue"};
    for (size_t i = 0; i < *n; i++)
        v[i] = (lt_variant_t){vnames[i], (int)(1000 / *n), "variable", NULL,
                              rnd(2) ? &pay : NULL, NULL, 0};
    return v;
}

static lt_strategy_t *strategies(lt_arena_t *a, size_t *n)
{
    *n = rnd(3);
    lt_strategy_t *s = lt_arena_calloc(a, *n ? *n : 1, sizeof(*s));
    for (size_t i = 0; i < *n; i++) {
        s[i].sort_order = (int)i;
        s[i].disabled = rnd(6) == 0;
        if (rnd(2)) {
            s[i].name = "default";
        } else {
            s[i].name = "flexibleRollout";
            lt_param_t *p = lt_arena_calloc(a, 3, sizeof(*p));
            char *pct = lt_arena_alloc(a, 8);
            snprintf(pct, 8, "%u", rnd(101));
            p[0] = (lt_param_t){"rollout", pct};
            p[1] = (lt_param_t){"stickiness", "default"};
            p[2] = (lt_param_t){"groupId", "g"};
            s[i].params = p;
            s[i].n_params = 3;
        }
        s[i].constraints = constraints(a, &s[i].n_constraints);
        if (rnd(3) == 0) {
            s[i].segments = lt_arena_calloc(a, 1, sizeof(*s[i].segments));
            s[i].segments[0] = seg_ids[rnd(3)];
            s[i].n_segments = 1;
        }
        s[i].variants = variants(a, &s[i].n_variants);
    }
    return s;
}

static int write_flag(fx_t *fx, lt_arena_t *a)
{
    lt_feature_t f;
    memset(&f, 0, sizeof(f));
    f.name = names[rnd(POOL)];
    f.project = projects[rnd(3)];
    f.type = rnd(2) ? "release" : "experiment";
    f.description = rnd(2) ? "about it" : NULL;
    f.impression_data = rnd(2);
    f.stale = rnd(4) == 0;
    f.archived = rnd(8) == 0;
    f.n_envs = rnd(3);
    f.envs = lt_arena_calloc(a, 2, sizeof(*f.envs));
    for (size_t e = 0; e < f.n_envs; e++) {
        lt_feature_env_t *fe = &f.envs[e];
        fe->environment = envs[f.n_envs == 1 ? rnd(2) : e];
        fe->enabled = rnd(3) != 0;
        fe->strategies = strategies(a, &fe->n_strategies);
        fe->variants = variants(a, &fe->n_variants);
    }
    if (rnd(4) == 0) {
        f.dependencies = lt_arena_calloc(a, 1, sizeof(*f.dependencies));
        f.dependencies[0] = (lt_dependency_t){names[rnd(POOL)], rnd(2), NULL, 0};
        if (strcmp(f.dependencies[0].feature, f.name) != 0)
            f.n_dependencies = 1;
    }
    lt_event_t ev = fx_ev("feature-updated");
    return lt_store_feature_put(fx->s, &f, &ev);
}

static int write_segment(fx_t *fx, lt_arena_t *a, size_t i)
{
    lt_segment_t g;
    memset(&g, 0, sizeof(g));
    g.id = seg_ids[i];
    g.name = i == 0 ? "seg-a" : i == 1 ? "seg-b" : "seg-c";
    g.constraints = constraints(a, &g.n_constraints);
    lt_event_t ev = fx_ev(g.id ? "segment-updated" : "segment-created");
    int64_t id = 0;
    int rc = lt_store_segment_put(fx->s, &g, &ev, &id);
    if (!seg_ids[i])
        seg_ids[i] = id;
    return rc;
}

/* One random write; its result is not checked (a write may be refused: the comparison after
 * it holds either way). */
static void random_write(fx_t *fx, lt_arena_t *a)
{
    uint32_t k = rnd(100);
    lt_event_t ev = fx_ev("something");
    const char *name = names[rnd(POOL)];
    if (k < 55) {
        write_flag(fx, a);
    } else if (k < 63) {
        lt_store_feature_delete(fx->s, name, &ev);
    } else if (k < 71) {
        lt_tag_t tags[2] = {{name, "simple", rnd(2) ? "x" : "y"}, {name, "simple", "z"}};
        lt_store_feature_tags_put(fx->s, name, tags, rnd(3), &ev);
    } else if (k < 76) {
        const char *both[] = {names[rnd(POOL)], names[rnd(POOL)]};
        lt_event_t evs[2] = {ev, ev};
        if (strcmp(both[0], both[1]) != 0)
            lt_store_features_delete(fx->s, both, 2, evs);
    } else if (k < 81) {
        write_segment(fx, a, rnd(3));
    } else if (k < 85) {
        lt_environment_t e = {envs[rnd(2)], "development", rnd(3) != 0, 0};
        lt_store_environment_put(fx->s, &e, &ev);
    } else if (k < 88) {
        lt_project_t p = {projects[1 + rnd(2)], "project", rnd(2) ? "d" : NULL, NULL, 0};
        lt_store_project_put(fx->s, &p, &ev);
    } else if (k < 92) {
        lt_store_project_env_set(fx->s, projects[rnd(3)], envs[rnd(2)], rnd(2), &ev);
    } else if (k < 94) {
        const char *scope[] = {projects[rnd(3)]};
        lt_token_new_t t = fx_token_new((uint8_t)(1 + rnd(4)), envs[rnd(2)], scope, rnd(2));
        lt_store_token_create(fx->s, &t, &ev, NULL);
    } else if (k < 96) {
        uint8_t digest[32];
        memset(digest, (int)(1 + rnd(4)), sizeof(digest));
        lt_store_token_set_quota(fx->s, digest, rnd(3), &ev);
    } else {
        uint8_t digest[32];
        memset(digest, (int)(1 + rnd(4)), sizeof(digest));
        lt_store_token_remove(fx->s, digest, &ev);
    }
}


static int put_flag_plain(fx_t *fx, const char *name)
{
    lt_feature_env_t fe = {"development", true, NULL, 0, NULL, 0};
    lt_feature_t f;
    memset(&f, 0, sizeof(f));
    f.name = name;
    f.project = "default";
    f.type = "release";
    f.envs = &fe;
    f.n_envs = 1;
    lt_event_t ev = fx_ev("feature-created");
    return lt_store_feature_put(fx->s, &f, &ev);
}

/* Run SQL on the store's database behind its back: 0 when it ran. */
static int raw_exec(fx_t *fx, const char *sql)
{
    if (strcmp(backend->name, "sqlite") == 0) {
        sqlite3 *db = NULL;
        int rc = sqlite3_open(fx->path, &db) == SQLITE_OK &&
                         sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK
                     ? 0
                     : -1;
        sqlite3_close(db);
        return rc;
    }
    PGconn *c = PQconnectdb(getenv("LATCH_TEST_PG_URL"));
    char path[128];
    snprintf(path, sizeof(path), "SET search_path TO %s", fx->schema);
    PQclear(PQexec(c, path));
    PGresult *r = PQexec(c, sql);
    int rc = PQresultStatus(r) == PGRES_COMMAND_OK ? 0 : -1;
    PQclear(r);
    PQfinish(c);
    return rc;
}

/* A whole load and build: the reference. */
static lt_snapshot_t *whole(fx_t *fx)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    assert_int_equal(lt_store_load(fx->s, &a, &d), LT_OK);
    return lt_snapshot_build(&a, &d);
}

static char *feature_json(const lt_snapshot_t *s, const lt_feature_t *f, const char *env,
                          bool inline_segments)
{
    lt_write_opts_t opts = {inline_segments, s->data.segments, s->data.n_segments, false};
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_feature(&b, f, lt_feature_env(f, env), &opts);
    return lt_buf_take(&b, NULL);
}

static void same_eval(const lt_env_view_t *want, const lt_env_view_t *got)
{
    size_t n = lt_eval_count(want->eval);
    assert_int_equal(lt_eval_count(got->eval), n);
    static const char *const emails[] = {"u1@x", "u22@y", "a@b"};
    static const char *const versions[] = {"1.0.0", "2.0.0"};
    static const char *const countries[] = {"se", "de"};
    for (size_t i = 0; i < n; i++) {
        const lt_eval_feature_t *wf = lt_eval_at(want->eval, i);
        const lt_eval_feature_t *gf = lt_eval_at(got->eval, i);
        assert_string_equal(lt_eval_feature_name(wf), lt_eval_feature_name(gf));
        assert_string_equal(lt_eval_feature_project(wf), lt_eval_feature_project(gf));
        assert_int_equal(want->name_json[i].len, got->name_json[i].len);
        assert_memory_equal(want->name_json[i].ptr, got->name_json[i].ptr, got->name_json[i].len);
        for (int u = 0; u < 12; u++) {
            char uid[16];
            snprintf(uid, sizeof(uid), "%d", u * 7);
            lt_prop_t props[3] = {{lt_str_c("email"), lt_str_c(emails[u % 3])},
                                  {lt_str_c("version"), lt_str_c(versions[u % 2])},
                                  {lt_str_c("country"), lt_str_c(countries[(u / 2) % 2])}};
            lt_context_t ctx;
            memset(&ctx, 0, sizeof(ctx));
            ctx.user_id = lt_str_c(uid);
            ctx.app_name = lt_str_c("app");
            ctx.props = props;
            ctx.n_props = 3;
            lt_variant_result_t a, b;
            lt_eval_variant(want->eval, wf, &ctx, &a);
            lt_eval_variant(got->eval, gf, &ctx, &b);
            assert_int_equal(a.enabled, b.enabled);
            assert_int_equal(a.feature_enabled, b.feature_enabled);
            assert_string_equal(a.name, b.name);
            assert_true((a.payload == NULL) == (b.payload == NULL));
            if (a.payload)
                assert_string_equal(a.payload->value, b.payload->value);
        }
    }
}

/* got's flag JSON is looked at (written, so that the next snapshot shares it) only on some
 * steps: the next one is then built both ways, with it and without. */
static void same(const lt_snapshot_t *want, lt_snapshot_t *got, bool json)
{
    assert_int_equal(want->revision, got->revision);
    assert_int_equal(want->data.n_features, got->data.n_features);
    for (size_t i = 0; i < want->data.n_features; i++)
        assert_string_equal(want->data.features[i].name, got->data.features[i].name);
    assert_int_equal(want->n_envs, got->n_envs);
    for (size_t e = 0; e < want->n_envs; e++) {
        const lt_env_view_t *wv = &want->envs[e], *gv = &got->envs[e];
        assert_string_equal(wv->name, gv->name);
        assert_int_equal(wv->n_features, gv->n_features);
        for (int inl = 0; json && inl < 2; inl++) {
            const lt_str_t *fj = lt_snapshot_flag_json(got, gv, inl);
            for (size_t i = 0; i < wv->n_features; i++) {
                char *direct = feature_json(want, wv->features[i], wv->name, inl);
                assert_int_equal(strlen(direct), fj[i].len);
                assert_memory_equal(direct, fj[i].ptr, fj[i].len);
                free(direct);
            }
        }
        for (size_t i = 0; i < wv->n_features; i++)
            for (int inl = 0; inl < 2; inl++) {
                char *a = feature_json(want, wv->features[i], wv->name, inl);
                char *b = feature_json(got, gv->features[i], gv->name, inl);
                assert_string_equal(a, b);
                free(a);
                free(b);
            }
        same_eval(wv, gv);
    }
    assert_int_equal(want->data.n_tags, got->data.n_tags);
    for (size_t i = 0; i < want->data.n_tags; i++) {
        assert_string_equal(want->data.tags[i].feature, got->data.tags[i].feature);
        assert_string_equal(want->data.tags[i].type, got->data.tags[i].type);
        assert_string_equal(want->data.tags[i].value, got->data.tags[i].value);
    }
    assert_int_equal(want->tokens.count, got->tokens.count);
    assert_int_equal(want->data.n_tokens, got->data.n_tokens);
    for (size_t i = 0; i < want->data.n_tokens; i++) {
        const lt_token_t *w = &want->data.tokens[i];
        const lt_token_t *g = lt_token_table_find(&got->tokens, w->digest);
        assert_non_null(g);
        assert_ptr_equal(g, &got->data.tokens[i]); /* the table is over got's own records */
        assert_int_equal(w->type, g->type);
        assert_string_equal(w->environment, g->environment);
        assert_int_equal(w->all_projects, g->all_projects);
        assert_int_equal(w->n_projects, g->n_projects);
        for (size_t k = 0; k < w->n_projects; k++)
            assert_string_equal(w->projects[k], g->projects[k]);
        assert_int_equal(w->expires_at, g->expires_at);
        assert_int_equal(w->quota_rps, g->quota_rps);
        assert_int_equal(w->grace_until, g->grace_until);
    }
    assert_int_equal(want->data.n_segments, got->data.n_segments);
    assert_int_equal(want->data.n_projects, got->data.n_projects);
}

static void test_incremental_equals_whole(void **state)
{
    fx_t *fx = *state;
    const char *seed = getenv("LATCH_TEST_SEED");
    rng_state = seed ? strtoull(seed, NULL, 10) : 20261202;
    memset(seg_ids, 0, sizeof(seg_ids));
    lt_arena_t scratch;
    lt_arena_init(&scratch, 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(write_segment(fx, &scratch, i), LT_OK);
    lt_snapshot_t *cur = whole(fx);
    size_t incremental = 0, whole_loads = 0;
    fx_quiet(true); /* refused writes log */
    for (int step = 0; step < STEPS; step++) {
        int n = 1 + (int)rnd(2);
        for (int w = 0; w < n; w++)
            random_write(fx, &scratch);
        lt_arena_t a;
        lt_arena_init(&a, 0);
        lt_store_changes_t ch;
        assert_int_equal(lt_store_load_changes(fx->s, &a, (int64_t)cur->revision, &ch), LT_OK);
        lt_snapshot_t *next;
        if (!ch.full && ch.revision != (int64_t)cur->revision) {
            next = lt_snapshot_build_from(cur, &a, &ch);
            incremental++;
        } else {
            lt_arena_dispose(&a);
            next = whole(fx);
            whole_loads++;
        }
        lt_snapshot_t *ref = whole(fx);
        same(ref, next, rnd(3) != 0);
        lt_snapshot_release(ref);
        lt_snapshot_release(cur); /* next shares what it needs of cur */
        cur = next;
    }
    fx_quiet(false);
    printf("    %zu incremental, %zu whole, chain depth %u\n", incremental, whole_loads,
           cur->depth);
    assert_true(incremental > STEPS / 3);
    lt_snapshot_release(cur);
    lt_arena_dispose(&scratch);
}

/* Events written without changes rows (by a binary before migration 7): not incremental. */
static void test_gap_is_full(void **state)
{
    fx_t *fx = *state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    int64_t rev = 0;
    assert_int_equal(lt_store_revision(fx->s, &rev), LT_OK);
    lt_store_changes_t ch;
    assert_int_equal(lt_store_load_changes(fx->s, &a, rev, &ch), LT_OK);
    assert_false(ch.full);
    assert_int_equal(ch.revision, rev); /* nothing since */
    assert_int_equal(put_flag_plain(fx, "one"), LT_OK);
    assert_int_equal(lt_store_load_changes(fx->s, &a, rev, &ch), LT_OK);
    assert_false(ch.full);
    assert_int_equal(ch.n_features, 1);
    assert_string_equal(ch.features[0].name, "one");
    assert_int_equal(lt_store_feature_delete(fx->s, "one", &(lt_event_t){"feature-deleted",
                                                                          "t", 0, NULL, NULL, NULL,
                                                                          NULL, NULL}),
                     LT_OK);
    assert_int_equal(lt_store_load_changes(fx->s, &a, rev, &ch), LT_OK);
    assert_int_equal(ch.n_features, 0);
    assert_int_equal(ch.n_gone, 1);
    assert_string_equal(ch.gone[0], "one");
    /* a write that leaves no changes rows, as an older binary's */
    assert_int_equal(put_flag_plain(fx, "two"), LT_OK);
    assert_int_equal(raw_exec(fx, "DELETE FROM changes WHERE rev = (SELECT max(rev) FROM changes)"),
                     0);
    assert_int_equal(lt_store_load_changes(fx->s, &a, rev, &ch), LT_OK);
    assert_true(ch.full);
    lt_arena_dispose(&a);
}

int main(void)
{
    lt_log_set_level(LT_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_incremental_equals_whole, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_gap_is_full, fx_setup, fx_teardown),
    };
    return fx_run_backends(tests, sizeof(tests) / sizeof(*tests));
}
