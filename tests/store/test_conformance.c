/*
 * test_conformance.c: the store conformance suite. Every primitive and every rule of store.h,
 * asserted only through the interface (written with lt_store_*, read back with lt_store_load
 * or the read calls; never SQL), run against each backend in store_fx.h. A new backend must
 * pass it unchanged.
 */
#include <sqlite3.h>

#include "store_fx.h"

#include "model/export.h"

static lt_feature_t one_flag(const char *name, const char *project, lt_feature_env_t *envs,
                             size_t n_envs)
{
    lt_feature_t f;
    memset(&f, 0, sizeof(f));
    f.name = name;
    f.project = project;
    f.type = "release";
    f.envs = envs;
    f.n_envs = n_envs;
    return f;
}

static int put_flag(fx_t *fx, const char *name, const char *project, const char *env,
                    const char *strategy_id)
{
    lt_strategy_t st;
    memset(&st, 0, sizeof(st));
    st.id = strategy_id;
    st.name = "default";
    lt_feature_env_t fe = {env, true, &st, strategy_id ? 1 : 0, NULL, 0};
    lt_feature_t f = one_flag(name, project, &fe, 1);
    lt_event_t ev = fx_ev("feature-created");
    return lt_store_feature_put(fx->s, &f, &ev);
}

static int put_project(fx_t *fx, const char *id)
{
    lt_project_t p = {id, id, NULL, NULL, 0};
    lt_event_t ev = fx_ev("project-created");
    return lt_store_project_put(fx->s, &p, &ev);
}

/* ---------- seed and revision ---------- */

static void test_seed(void **state)
{
    fx_t *fx = *state;
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_projects, 1);
    assert_string_equal(d.projects[0].id, "default");
    assert_int_equal(d.n_envs, 2);
    assert_string_equal(d.envs[0].name, "development");
    assert_string_equal(d.envs[1].name, "production");
    assert_true(fx_has_link(&d, "default", "development"));
    assert_true(fx_has_link(&d, "default", "production"));
    assert_int_equal(d.n_roles, 5);
    for (size_t i = 0; i < 5; i++)
        assert_int_equal(d.roles[i].id, (int64_t)i + 1);
    assert_int_equal(d.n_tag_types, 1);
    assert_string_equal(d.tag_types[0].name, "simple");
    assert_int_equal(d.n_context_fields, 6);
    assert_string_equal(d.context_fields[0].name, "environment");
    assert_true(d.context_fields[1].stickiness);
    int64_t rev = 0, total = 0;
    assert_int_equal(lt_store_revision(fx->s, &rev), LT_OK);
    assert_int_equal(rev, d.revision);
    lt_event_filter_t f = {0};
    lt_event_row_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(lt_store_events_list(fx->s, &fx->a, &f, &rows, &n, &total), LT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].type, "project-created");
    assert_int_equal(lt_store_seed(fx->s), LT_OK); /* not twice */
    assert_int_equal(fx_load(fx).n_roles, 5);
}

static void test_each_write_one_event(void **state)
{
    fx_t *fx = *state;
    int64_t r0 = 0, r1 = 0;
    assert_int_equal(lt_store_revision(fx->s, &r0), LT_OK);
    assert_int_equal(put_flag(fx, "f1", "default", "development", "s-1"), LT_OK);
    assert_int_equal(lt_store_revision(fx->s, &r1), LT_OK);
    assert_int_equal(r1, r0 + 1);
    /* a failed write leaves no event and no row */
    fx_quiet(true);
    int rc = put_flag(fx, "f2", "no-such-project", "development", NULL);
    fx_quiet(false);
    assert_int_equal(rc, LT_EINVAL);
    assert_int_equal(lt_store_revision(fx->s, &r0), LT_OK);
    assert_int_equal(r0, r1);
    lt_dataset_t d = fx_load(fx);
    assert_null(fx_feature(&d, "f2"));
}

/* ---------- features, tags, segments ---------- */

static void test_feature_written_whole(void **state)
{
    fx_t *fx = *state;
    lt_strategy_t st[2];
    memset(st, 0, sizeof(st));
    st[0].id = "a-1";
    st[0].name = "default";
    st[1].id = "a-2";
    st[1].name = "flexibleRollout";
    st[1].sort_order = 1;
    const char *vars[] = {"v1"};
    lt_dependency_t dep = {"parent", true, vars, 1};
    lt_feature_env_t fe[2] = {{"development", true, st, 2, NULL, 0},
                              {"production", false, NULL, 0, NULL, 0}};
    lt_feature_t f = one_flag("whole", "default", fe, 2);
    f.description = "desc";
    f.dependencies = &dep;
    f.n_dependencies = 1;
    lt_event_t ev = fx_ev("feature-created");
    assert_int_equal(put_flag(fx, "parent", "default", "development", NULL), LT_OK);
    assert_int_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    const lt_feature_t *g = fx_feature(&d, "whole");
    assert_non_null(g);
    assert_string_equal(g->description, "desc");
    assert_int_equal(g->n_envs, 2);
    assert_int_equal(g->envs[0].n_strategies, 2);
    assert_string_equal(g->envs[0].strategies[0].id, "a-1");
    assert_string_equal(g->envs[0].strategies[1].id, "a-2");
    assert_int_equal(g->n_dependencies, 1);
    assert_string_equal(g->dependencies[0].variants[0], "v1");
    int64_t created = g->created_at;
    /* written again with one env and no dependencies: nothing of the old one is kept */
    f.n_envs = 1;
    fe[0].n_strategies = 1;
    f.n_dependencies = 0;
    assert_int_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK);
    d = fx_load(fx);
    g = fx_feature(&d, "whole");
    assert_int_equal(g->n_envs, 1);
    assert_int_equal(g->envs[0].n_strategies, 1);
    assert_int_equal(g->n_dependencies, 0);
    assert_int_equal(g->created_at, created);
    assert_int_equal(lt_store_feature_delete(fx->s, "whole", &ev), LT_OK);
    assert_int_equal(lt_store_feature_delete(fx->s, "whole", &ev), LT_ENOTFOUND);
    d = fx_load(fx);
    assert_null(fx_feature(&d, "whole"));
}

static void test_strategy_id_used_elsewhere(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(put_flag(fx, "one", "default", "development", "shared"), LT_OK);
    assert_int_equal(put_flag(fx, "two", "default", "development", "shared"), LT_OK);
    assert_int_equal(put_flag(fx, "one", "default", "development", "shared"), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_string_equal(fx_feature(&d, "one")->envs[0].strategies[0].id, "shared");
    const char *other = fx_feature(&d, "two")->envs[0].strategies[0].id;
    assert_string_not_equal(other, "shared");
    assert_int_equal(strlen(other), 36);
    /* the same id twice in one flag: the second one is fresh */
    lt_strategy_t st[2];
    memset(st, 0, sizeof(st));
    st[0].id = st[1].id = "dup";
    st[0].name = st[1].name = "default";
    lt_feature_env_t fe[2] = {{"development", true, &st[0], 1, NULL, 0},
                              {"production", true, &st[1], 1, NULL, 0}};
    lt_feature_t f = one_flag("three", "default", fe, 2);
    lt_event_t ev = fx_ev("feature-created");
    assert_int_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK);
    d = fx_load(fx);
    const lt_feature_t *g = fx_feature(&d, "three");
    assert_string_not_equal(g->envs[0].strategies[0].id, g->envs[1].strategies[0].id);
}

static void test_features_put_batch_and_tags(void **state)
{
    fx_t *fx = *state;
    lt_feature_env_t fe = {"development", true, NULL, 0, NULL, 0};
    lt_feature_t fs[2] = {one_flag("b1", "default", &fe, 1), one_flag("b2", "default", &fe, 1)};
    lt_tag_t tags[2] = {{"b1", "simple", "x"}, {"b2", "simple", "y"}};
    lt_event_t evs[2] = {fx_ev("feature-created"), fx_ev("feature-created")};
    int64_t r0 = 0, r1 = 0;
    lt_store_revision(fx->s, &r0);
    assert_int_equal(lt_store_features_put(fx->s, fs, 2, tags, 2, evs), LT_OK);
    lt_store_revision(fx->s, &r1);
    assert_int_equal(r1, r0 + 2);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_features, 2);
    assert_int_equal(d.n_tags, 2);
    lt_tag_t repl[1] = {{NULL, "simple", "z"}};
    assert_int_equal(lt_store_feature_tags_put(fx->s, "b1", repl, 1, &evs[0]), LT_OK);
    d = fx_load(fx);
    assert_int_equal(d.n_tags, 2);
    assert_string_equal(d.tags[0].feature, "b1");
    assert_string_equal(d.tags[0].value, "z");
}

static void test_segments(void **state)
{
    fx_t *fx = *state;
    lt_segment_t g = {0, "seg", "d", NULL, NULL, 0, 0};
    lt_event_t ev = fx_ev("segment-created");
    int64_t id = 0, id2 = 0;
    assert_int_equal(lt_store_segment_put(fx->s, &g, &ev, &id), LT_OK);
    assert_true(id > 0);
    assert_int_equal(lt_store_segment_put(fx->s, &g, &ev, &id2), LT_OK);
    assert_true(id2 != id);
    g.id = id;
    g.name = "renamed";
    assert_int_equal(lt_store_segment_put(fx->s, &g, &ev, NULL), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_segments, 2);
    assert_string_equal(d.segments[0].name, "renamed");
    assert_int_equal(lt_store_segment_delete(fx->s, id, &ev), LT_OK);
    assert_int_equal(lt_store_segment_delete(fx->s, id, &ev), LT_ENOTFOUND);
    assert_int_equal(fx_load(fx).n_segments, 1);
}

/* ---------- projects, environments ---------- */

static void test_new_project_gets_enabled_envs(void **state)
{
    fx_t *fx = *state;
    lt_environment_t off = {"staging", "development", false, 3};
    lt_event_t ev = fx_ev("environment-created");
    assert_int_equal(lt_store_environment_put(fx->s, &off, &ev), LT_OK);
    assert_int_equal(put_project(fx, "p1"), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_true(fx_has_link(&d, "p1", "development"));
    assert_true(fx_has_link(&d, "p1", "production"));
    assert_false(fx_has_link(&d, "p1", "staging"));
    /* an update does not link again */
    assert_int_equal(lt_store_project_env_set(fx->s, "p1", "production", false, &ev), LT_OK);
    assert_int_equal(put_project(fx, "p1"), LT_OK);
    d = fx_load(fx);
    assert_false(fx_has_link(&d, "p1", "production"));
    assert_int_equal(lt_store_project_env_set(fx->s, "p1", "staging", true, &ev), LT_OK);
    d = fx_load(fx);
    assert_true(fx_has_link(&d, "p1", "staging"));
}

static void test_project_delete_never_widens(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(put_project(fx, "a"), LT_OK);
    assert_int_equal(put_project(fx, "b"), LT_OK);
    const char *ab[] = {"a", "b"}, *a_only[] = {"a"};
    lt_token_new_t t1 = fx_token_new(1, "development", ab, 2);
    lt_token_new_t t2 = fx_token_new(2, "development", a_only, 1);
    lt_token_new_t t3 = fx_token_new(3, "development", NULL, 0);
    lt_event_t ev = fx_ev("api-token-created");
    assert_int_equal(lt_store_token_create(fx->s, &t1, &ev, NULL), LT_OK);
    assert_int_equal(lt_store_token_create(fx->s, &t2, &ev, NULL), LT_OK);
    assert_int_equal(lt_store_token_create(fx->s, &t3, &ev, NULL), LT_OK);
    lt_event_t del = fx_ev("project-deleted");
    assert_int_equal(lt_store_project_delete(fx->s, "a", &del), LT_OK);
    lt_dataset_t d = fx_load(fx);
    const lt_token_t *k1 = fx_token(&d, 1), *k3 = fx_token(&d, 3);
    assert_non_null(k1);
    assert_false(k1->all_projects);
    assert_int_equal(k1->n_projects, 1);
    assert_string_equal(k1->projects[0], "b");
    assert_null(fx_token(&d, 2)); /* left with no project: deleted, never widened */
    assert_non_null(k3);
    assert_true(k3->all_projects);
    assert_int_equal(k3->n_projects, 0);
    assert_int_equal(lt_store_project_delete(fx->s, "a", &del), LT_ENOTFOUND);
    /* a project with flags cannot go, and nothing of the attempt is kept */
    assert_int_equal(put_flag(fx, "fb", "b", "development", NULL), LT_OK);
    assert_int_equal(lt_store_project_delete(fx->s, "b", &del), LT_EINVAL);
    d = fx_load(fx);
    assert_non_null(fx_token(&d, 1));
    assert_int_equal(fx_token(&d, 1)->n_projects, 1);
}

static void test_environment_delete_drops_tokens(void **state)
{
    fx_t *fx = *state;
    lt_token_new_t t1 = fx_token_new(1, "production", NULL, 0);
    lt_token_new_t t2 = fx_token_new(2, "development", NULL, 0);
    lt_event_t ev = fx_ev("x");
    assert_int_equal(lt_store_token_create(fx->s, &t1, &ev, NULL), LT_OK);
    assert_int_equal(lt_store_token_create(fx->s, &t2, &ev, NULL), LT_OK);
    assert_int_equal(put_flag(fx, "f", "default", "production", "p-1"), LT_OK);
    assert_int_equal(lt_store_environment_delete(fx->s, "production", &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_null(fx_token(&d, 1));
    assert_non_null(fx_token(&d, 2));
    assert_int_equal(d.n_envs, 1);
    assert_int_equal(fx_feature(&d, "f")->n_envs, 0);
    assert_int_equal(lt_store_environment_delete(fx->s, "production", &ev), LT_ENOTFOUND);
}

static void test_project_env_remove_and_order(void **state)
{
    fx_t *fx = *state;
    lt_event_t ev = fx_ev("x");
    assert_int_equal(put_flag(fx, "f", "default", "production", "p-1"), LT_OK);
    assert_int_equal(lt_store_project_env_remove(fx->s, "default", "production", &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_false(fx_has_link(&d, "default", "production"));
    assert_int_equal(fx_feature(&d, "f")->n_envs, 0);
    assert_int_equal(lt_store_project_env_remove(fx->s, "default", "production", &ev),
                     LT_ENOTFOUND);
    const char *names[] = {"production", "development"};
    int orders[] = {1, 2};
    assert_int_equal(lt_store_environments_order(fx->s, names, orders, 2, &ev), LT_OK);
    d = fx_load(fx);
    assert_string_equal(d.envs[0].name, "production");
    const char *bad[] = {"development", "nope"};
    int64_t r0 = 0, r1 = 0;
    lt_store_revision(fx->s, &r0);
    assert_int_equal(lt_store_environments_order(fx->s, bad, orders, 2, &ev), LT_ENOTFOUND);
    lt_store_revision(fx->s, &r1);
    assert_int_equal(r0, r1);
    assert_string_equal(fx_load(fx).envs[0].name, "production"); /* rolled back */
}

static void test_config_records(void **state)
{
    fx_t *fx = *state;
    lt_event_t ev = fx_ev("x");
    lt_tag_type_t tt = {"team", "Team", "t", "#00ff00"};
    lt_context_field_t cf = {"tenant", "Tenant", false, "[]", 9, 0, NULL};
    lt_strategy_def_t sd = {"custom", "Custom", "d", "[]", false, 0};
    assert_int_equal(lt_store_tag_type_put(fx->s, &tt, &ev), LT_OK);
    assert_int_equal(lt_store_context_field_put(fx->s, &cf, &ev), LT_OK);
    assert_int_equal(lt_store_strategy_def_put(fx->s, &sd, &ev), LT_OK);
    tt.description = "Teams";
    assert_int_equal(lt_store_tag_type_put(fx->s, &tt, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_tag_types, 2);
    assert_string_equal(d.tag_types[1].description, "Teams");
    assert_string_equal(d.tag_types[1].color, "#00ff00"); /* migration 11: the colour is kept */
    assert_int_equal(d.n_context_fields, 7);
    assert_int_equal(d.n_strategy_defs, 1);
    assert_int_equal(lt_store_tag_type_delete(fx->s, "team", &ev), LT_OK);
    assert_int_equal(lt_store_context_field_delete(fx->s, "tenant", &ev), LT_OK);
    assert_int_equal(lt_store_strategy_def_delete(fx->s, "custom", &ev), LT_OK);
    assert_int_equal(lt_store_strategy_def_delete(fx->s, "custom", &ev), LT_ENOTFOUND);
    d = fx_load(fx);
    assert_int_equal(d.n_tag_types + d.n_context_fields + d.n_strategy_defs, 7);
}

static void test_addons(void **state)
{
    fx_t *fx = *state;
    lt_event_t ev = fx_ev("addon-config-created");
    lt_addon_t x = {.id = 3,
                    .provider = "webhook",
                    .description = "d",
                    .enabled = true,
                    .parameters = "{\"url\":\"http://h/\"}",
                    .events = "[\"feature-created\"]",
                    .projects = "[]",
                    .environments = "[\"production\"]",
                    .created_at = 0};
    assert_int_equal(lt_store_addon_put(fx->s, &x, true, &ev), LT_OK);
    assert_int_equal(lt_store_addon_put(fx->s, &x, true, &ev), LT_EINVAL); /* id taken */
    x.enabled = false;
    assert_int_equal(lt_store_addon_put(fx->s, &x, false, &ev), LT_OK);
    lt_addon_t y = x;
    y.id = 4;
    assert_int_equal(lt_store_addon_put(fx->s, &y, false, &ev), LT_ENOTFOUND);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_addons, 1);
    assert_int_equal(d.addons[0].id, 3);
    assert_false(d.addons[0].enabled);
    assert_string_equal(d.addons[0].environments, "[\"production\"]");
    assert_string_equal(d.addons[0].parameters, "{\"url\":\"http://h/\"}");
    /* deliveries: newest first, the newest LT_ADDON_EVENTS_KEPT kept, no event row written */
    int64_t r0 = 0, r1 = 0;
    lt_store_revision(fx->s, &r0);
    for (int i = 0; i < LT_ADDON_EVENTS_KEPT + 5; i++) {
        char det[32];
        snprintf(det, sizeof(det), "attempt %d", i);
        lt_integration_event_t e = {.id = 0,
                                    .addon_id = 3,
                                    .created_at = 0,
                                    .state = i % 2 ? "failed" : "success",
                                    .state_details = det,
                                    .event = "{\"id\":1}",
                                    .details = "{}"};
        assert_int_equal(lt_store_integration_event_add(fx->s, &e), LT_OK);
    }
    lt_store_revision(fx->s, &r1);
    assert_int_equal(r0, r1);
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_integration_event_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(lt_store_integration_events(fx->s, &a, 3, 0, 100, &rows, &n), LT_OK);
    assert_int_equal(n, LT_ADDON_EVENTS_KEPT);
    assert_string_equal(rows[0].state_details, "attempt 104");
    assert_string_equal(rows[0].state, "success");
    assert_true(rows[0].id > rows[1].id);
    assert_int_equal(lt_store_integration_events(fx->s, &a, 3, 99, 10, &rows, &n), LT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(rows[0].state_details, "attempt 5");
    /* claims: the first asker gets a delivery, a second does not */
    bool claimed = false;
    assert_int_equal(lt_store_addon_claim(fx->s, 3, 50, &claimed), LT_OK);
    assert_true(claimed);
    assert_int_equal(lt_store_addon_claim(fx->s, 3, 50, &claimed), LT_OK);
    assert_false(claimed);
    assert_int_equal(lt_store_addon_claim(fx->s, 4, 50, &claimed), LT_OK);
    assert_true(claimed);
    lt_store_revision(fx->s, &r1);
    assert_int_equal(r0, r1); /* no event rows */
    assert_int_equal(lt_store_addon_delete(fx->s, 3, &ev), LT_OK);
    assert_int_equal(lt_store_addon_delete(fx->s, 3, &ev), LT_ENOTFOUND);
    assert_int_equal(lt_store_integration_events(fx->s, &a, 3, 0, 50, &rows, &n), LT_OK);
    assert_int_equal(n, 0);
    assert_int_equal(fx_load(fx).n_addons, 0);
    lt_arena_dispose(&a);
}

/* ---------- instance settings, default strategies, flag links ---------- */

static void test_settings_defaults_links(void **state)
{
    fx_t *fx = *state;
    lt_event_t ev = fx_ev("x");
    assert_int_equal(lt_store_setting_put(fx->s, "maintenance.mode", "{\"enabled\":true}", &ev),
                     LT_OK);
    assert_int_equal(lt_store_setting_put(fx->s, "a.first", "{}", &ev), LT_OK);
    assert_int_equal(lt_store_setting_put(fx->s, "maintenance.mode", "{\"enabled\":false}", &ev),
                     LT_OK);
    const char *st = "{\"name\":\"flexibleRollout\",\"parameters\":{\"rollout\":\"50\"}}";
    assert_int_equal(lt_store_env_default_put(fx->s, "default", "production", st, &ev), LT_OK);
    fx_quiet(true); /* not an environment of the project: refused, nothing kept */
    assert_int_equal(lt_store_env_default_put(fx->s, "default", "staging", st, &ev), LT_EINVAL);
    fx_quiet(false);
    assert_int_equal(put_flag(fx, "linked", "default", "development", NULL), LT_OK);
    lt_link_t l = {"l1", "linked", "https://example.com/a", "A", 0};
    assert_int_equal(lt_store_link_put(fx->s, &l, LT_PUT_CREATE, &ev), LT_OK);
    assert_int_equal(lt_store_link_put(fx->s, &l, LT_PUT_CREATE, &ev), LT_EINVAL);
    l.url = "https://example.com/b";
    l.title = NULL;
    assert_int_equal(lt_store_link_put(fx->s, &l, LT_PUT_REPLACE, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_settings, 2);
    assert_string_equal(d.settings[0].name, "a.first");
    assert_string_equal(lt_dataset_setting(&d, "maintenance.mode"), "{\"enabled\":false}");
    assert_false(lt_dataset_maintenance(&d));
    assert_string_equal(lt_dataset_env_default(&d, "default", "production"), st);
    assert_null(lt_dataset_env_default(&d, "default", "development"));
    assert_int_equal(d.n_links, 1);
    assert_string_equal(d.links[0].url, "https://example.com/b");
    assert_null(d.links[0].title);
    assert_true(d.links[0].created_at > 0);
    /* removing the environment from the project takes its default; deleting the flag its
     * links */
    assert_int_equal(lt_store_project_env_remove(fx->s, "default", "production", &ev), LT_OK);
    assert_int_equal(lt_store_feature_delete(fx->s, "linked", &ev), LT_OK);
    assert_int_equal(lt_store_link_delete(fx->s, "l1", &ev), LT_ENOTFOUND);
    assert_int_equal(lt_store_setting_put(fx->s, "a.first", NULL, &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(d.n_env_defaults + d.n_links, 0);
    assert_int_equal(d.n_settings, 1);
}

static void test_favorites(void **state)
{
    fx_t *fx = *state;
    lt_event_t ev = fx_ev("feature-favorited");
    lt_user_t u = {.username = "fan", .root_role = LT_ROLE_VIEWER};
    int64_t uid = 0;
    assert_int_equal(lt_store_user_put(fx->s, &u, NULL, &ev, &uid), LT_OK);
    assert_int_equal(put_flag(fx, "b-flag", "default", "development", NULL), LT_OK);
    assert_int_equal(put_flag(fx, "a-flag", "default", "development", NULL), LT_OK);
    assert_int_equal(lt_store_favorite_set(fx->s, true, uid, "b-flag", true, &ev), LT_OK);
    assert_int_equal(lt_store_favorite_set(fx->s, true, uid, "b-flag", true, &ev), LT_OK);
    assert_int_equal(lt_store_favorite_set(fx->s, true, uid, "a-flag", true, &ev), LT_OK);
    assert_int_equal(lt_store_favorite_set(fx->s, false, uid, "default", true, &ev), LT_OK);
    fx_quiet(true); /* no such flag */
    assert_int_equal(lt_store_favorite_set(fx->s, true, uid, "nope", true, &ev), LT_EINVAL);
    fx_quiet(false);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_fav_features, 2);
    assert_string_equal(d.fav_features[0].name, "a-flag");
    assert_true(lt_dataset_favorite(d.fav_features, d.n_fav_features, uid, "b-flag"));
    assert_false(lt_dataset_favorite(d.fav_features, d.n_fav_features, uid + 1, "b-flag"));
    assert_true(lt_dataset_favorite(d.fav_projects, d.n_fav_projects, uid, "default"));
    /* removing is LT_OK whether or not it was there; the flag and the user take theirs along */
    assert_int_equal(lt_store_favorite_set(fx->s, true, uid, "a-flag", false, &ev), LT_OK);
    assert_int_equal(lt_store_favorite_set(fx->s, true, uid, "a-flag", false, &ev), LT_OK);
    assert_int_equal(lt_store_feature_delete(fx->s, "b-flag", &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(d.n_fav_features, 0);
    assert_int_equal(lt_store_user_delete(fx->s, uid, &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(d.n_fav_projects, 0);
}

/* ---------- tokens ---------- */

static void test_tokens(void **state)
{
    fx_t *fx = *state;
    lt_token_new_t t = fx_token_new(7, "development", NULL, 0);
    lt_event_t ev = fx_ev("api-token-created");
    int64_t id = 0;
    assert_int_equal(lt_store_token_create(fx->s, &t, &ev, &id), LT_OK);
    assert_true(id > 0);
    assert_int_equal(lt_store_token_create(fx->s, &t, &ev, NULL), LT_EINVAL);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_tokens, 1);
    assert_int_equal(lt_store_token_update(fx->s, t.digest, 12345, &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(fx_token(&d, 7)->expires_at, 12345);
    assert_int_equal(fx_token(&d, 7)->id, id);
    uint8_t none[32];
    memset(none, 9, 32);
    assert_int_equal(lt_store_token_update(fx->s, none, 1, &ev), LT_ENOTFOUND);
    assert_int_equal(lt_store_token_remove(fx->s, none, &ev), LT_ENOTFOUND);
    uint8_t seen[1][32];
    memcpy(seen[0], t.digest, 32);
    int64_t at = 999;
    assert_int_equal(lt_store_tokens_seen(fx->s, (const uint8_t(*)[32])seen, &at, 1), LT_OK);
    d = fx_load(fx);
    assert_int_equal(fx_token(&d, 7)->seen_at, 999);
    lt_event_t del = {"api-token-deleted", "cli", 0, NULL, NULL, NULL, NULL,
                      "{\"display\":\"tok:display\"}"};
    assert_int_equal(lt_store_token_remove(fx->s, t.digest, &del), LT_OK);
    assert_int_equal(lt_store_token_remove(fx->s, t.digest, &del), LT_ENOTFOUND);
    lt_event_filter_t f = {.type = "api-token-deleted"};
    lt_event_row_t *rows = NULL;
    size_t nr = 0;
    int64_t total = 0;
    assert_int_equal(lt_store_events_list(fx->s, &fx->a, &f, &rows, &nr, &total), LT_OK);
    assert_int_equal(nr, 1);
    assert_string_equal(rows[0].created_by, "cli");
    assert_non_null(strstr(rows[0].pre_data, "tok:display"));
    d = fx_load(fx);
    assert_int_equal(d.n_tokens, 0);
}

/* Issue 16 §4: usage rows are replaced whole, read back, and go when their token does. */
static void collect_usage(void *ctx, const uint8_t digest[32], const char *instance,
                          const char *data)
{
    char *out = ctx;
    size_t len = strlen(out);
    snprintf(out + len, 256 - len, "%d%s%s=%s;", digest[0], instance[0] ? "@" : "", instance,
             data);
}

static void test_token_usage_rows(void **state)
{
    fx_t *fx = *state;
    lt_token_new_t a = fx_token_new(7, "development", NULL, 0);
    lt_token_new_t b = fx_token_new(8, "development", NULL, 0);
    lt_event_t ev = fx_ev("api-token-created");
    assert_int_equal(lt_store_token_create(fx->s, &a, &ev, NULL), LT_OK);
    assert_int_equal(lt_store_token_create(fx->s, &b, &ev, NULL), LT_OK);
    lt_token_usage_row_t rows[2];
    memset(rows, 0, sizeof(rows));
    memcpy(rows[0].digest, a.digest, 32);
    rows[0].data = "{\"n\":1}";
    memcpy(rows[1].digest, b.digest, 32);
    rows[1].data = "{\"n\":2}";
    assert_int_equal(lt_store_token_usage_write(fx->s, rows, 2), LT_OK);
    rows[0].data = "{\"n\":3}";
    assert_int_equal(lt_store_token_usage_write(fx->s, rows, 1), LT_OK);
    char got[256] = "";
    assert_int_equal(lt_store_token_usage_load(fx->s, NULL, collect_usage, got), LT_OK);
    assert_non_null(strstr(got, "7={\"n\":3};"));
    assert_non_null(strstr(got, "8={\"n\":2};"));
    assert_int_equal(strlen(got), strlen("7={\"n\":3};8={\"n\":2};"));
    /* a row of a token gone is dropped at the next write; one of an unknown digest never stays */
    assert_int_equal(lt_store_token_remove(fx->s, b.digest, &ev), LT_OK);
    memset(rows[1].digest, 9, 32);
    assert_int_equal(lt_store_token_usage_write(fx->s, rows, 2), LT_OK);
    got[0] = '\0';
    assert_int_equal(lt_store_token_usage_load(fx->s, NULL, collect_usage, got), LT_OK);
    assert_string_equal(got, "7={\"n\":3};");
    /* issue 11: rows of other instances sit beside it (never overwriting it); a read of one
     * digest gets every instance's row of that token only */
    lt_token_usage_row_t inst[2];
    memset(inst, 0, sizeof(inst));
    memcpy(inst[0].digest, a.digest, 32);
    inst[0].instance = "i1";
    inst[0].data = "{\"n\":10}";
    assert_int_equal(lt_store_token_create(fx->s, &b, &ev, NULL), LT_OK);
    memcpy(inst[1].digest, b.digest, 32);
    inst[1].instance = "i2";
    inst[1].data = "{\"n\":20}";
    assert_int_equal(lt_store_token_usage_write(fx->s, inst, 2), LT_OK);
    inst[0].data = "{\"n\":11}";
    assert_int_equal(lt_store_token_usage_write(fx->s, inst, 1), LT_OK);
    got[0] = '\0';
    assert_int_equal(lt_store_token_usage_load(fx->s, a.digest, collect_usage, got), LT_OK);
    assert_int_equal(strlen(got), strlen("7={\"n\":3};7@i1={\"n\":11};"));
    assert_non_null(strstr(got, "7={\"n\":3};"));
    assert_non_null(strstr(got, "7@i1={\"n\":11};"));
    got[0] = '\0';
    assert_int_equal(lt_store_token_usage_load(fx->s, b.digest, collect_usage, got), LT_OK);
    assert_string_equal(got, "8@i2={\"n\":20};");
}

/* Issue 11: the login limits shared by the instances on one database. The secret is the same
 * through every handle on the store and never zero; a counter adds up across handles in its
 * window, starts again in the next, is cleared whole, and the windows before the previous one
 * are pruned; no event is written. */
static int64_t login_op(lt_store_t *s, const uint8_t *key, int64_t window, lt_login_op_t op)
{
    lt_login_count_t c = {.key = key, .op = op, .n = -1};
    assert_int_equal(lt_store_login_count(s, window, &c, 1), LT_OK);
    return c.n;
}

static void test_login_counters(void **state)
{
    fx_t *fx = *state;
    uint8_t sec[32], again[32], other[32], zero[32] = {0};
    assert_int_equal(lt_store_login_secret(fx->s, sec), LT_OK);
    assert_int_equal(lt_store_login_secret(fx->s, again), LT_OK);
    assert_memory_equal(sec, again, 32);
    assert_memory_not_equal(sec, zero, 32);
    lt_store_t *s2 = NULL;
    assert_int_equal(lt_store_open(&s2, fx->schema[0] ? fx->url : fx->path), LT_OK);
    assert_int_equal(lt_store_login_secret(s2, other), LT_OK);
    assert_memory_equal(sec, other, 32);

    int64_t events = 0;
    lt_event_filter_t f;
    memset(&f, 0, sizeof(f));
    f.limit = 1;
    lt_event_row_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(lt_store_events_list(fx->s, &fx->a, &f, &rows, &n, &events), LT_OK);

    uint8_t a[32], b[32];
    memset(a, 0xa1, sizeof(a));
    memset(b, 0xb2, sizeof(b));
    int64_t w = 29000000;
    assert_int_equal(login_op(fx->s, a, w, LT_LOGIN_READ), 0);
    assert_int_equal(login_op(fx->s, a, w, LT_LOGIN_ADD), 1);
    assert_int_equal(login_op(fx->s, a, w, LT_LOGIN_ADD), 2);
    assert_int_equal(login_op(s2, a, w, LT_LOGIN_ADD), 3); /* another instance adds up */
    assert_int_equal(login_op(fx->s, b, w, LT_LOGIN_ADD), 1);
    assert_int_equal(login_op(s2, a, w, LT_LOGIN_READ), 3);
    /* two counters in one call, one transaction */
    lt_login_count_t two[2] = {{.key = a, .op = LT_LOGIN_READ, .n = -1},
                               {.key = b, .op = LT_LOGIN_ADD, .n = -1}};
    assert_int_equal(lt_store_login_count(fx->s, w, two, 2), LT_OK);
    assert_int_equal(two[0].n, 3);
    assert_int_equal(two[1].n, 2);
    /* the next window starts at 0; the previous one is kept */
    assert_int_equal(login_op(fx->s, a, w + 1, LT_LOGIN_ADD), 1);
    assert_int_equal(login_op(fx->s, b, w + 1, LT_LOGIN_READ), 0);
    assert_int_equal(login_op(s2, a, w, LT_LOGIN_READ), 3);
    /* a clear removes every window of the key, and only that key */
    assert_int_equal(login_op(fx->s, a, w + 1, LT_LOGIN_CLEAR), 0);
    assert_int_equal(login_op(fx->s, a, w + 1, LT_LOGIN_READ), 0);
    assert_int_equal(login_op(s2, a, w, LT_LOGIN_READ), 0);
    assert_int_equal(login_op(s2, b, w, LT_LOGIN_READ), 2);
    /* two windows on, the old rows are pruned */
    assert_int_equal(login_op(fx->s, a, w + 2, LT_LOGIN_ADD), 1);
    assert_int_equal(login_op(s2, b, w, LT_LOGIN_READ), 0);
    assert_int_equal(login_op(s2, a, w + 2, LT_LOGIN_READ), 1);

    int64_t after = 0;
    assert_int_equal(lt_store_events_list(fx->s, &fx->a, &f, &rows, &n, &after), LT_OK);
    assert_int_equal(after, events);
    lt_store_close(s2);
}

/* Issue 16: a v2 selector and a read-only mark round-trip (an expiry update keeps them); a
 * rotation inserts the successor and ends the old one's life in one transaction; the expired
 * mark is written once with its event. */
static void test_token_rotation_marks(void **state)
{
    fx_t *fx = *state;
    lt_token_new_t t = fx_token_new(7, "development", NULL, 0);
    t.selector = "AAAAAAAAAAAAAAAAAAAAAA";
    t.read_only = true;
    t.type = LT_TOKEN_PAT;
    t.user_id = 0;
    lt_event_t ev = fx_ev("pat-created");
    assert_int_equal(lt_store_token_create(fx->s, &t, &ev, NULL), LT_OK);
    assert_int_equal(lt_store_token_update(fx->s, t.digest, 777, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    const lt_token_t *k = fx_token(&d, 7);
    assert_string_equal(k->selector, "AAAAAAAAAAAAAAAAAAAAAA");
    assert_true(k->read_only);
    assert_int_equal(k->expires_at, 777);
    assert_int_equal(k->grace_until, 0);
    assert_false(k->expiry_noted);

    lt_token_new_t n = fx_token_new(8, "development", NULL, 0);
    n.selector = "BBBBBBBBBBBBBBBBBBBBBB";
    lt_event_t rot = fx_ev("api-token-rotated");
    assert_int_equal(lt_store_token_rotate(fx->s, &n, t.digest, 5000, &rot), LT_OK);
    d = fx_load(fx);
    assert_int_equal(fx_token(&d, 7)->grace_until, 5000);
    assert_non_null(fx_token(&d, 8));
    assert_int_equal(fx_token(&d, 8)->grace_until, 0);
    /* a second token with the same selector is refused, and the rotation with it */
    lt_token_new_t dup = fx_token_new(9, "development", NULL, 0);
    dup.selector = "BBBBBBBBBBBBBBBBBBBBBB";
    assert_int_equal(lt_store_token_rotate(fx->s, &dup, n.digest, 6000, &rot), LT_EINVAL);
    d = fx_load(fx);
    assert_null(fx_token(&d, 9));
    assert_int_equal(fx_token(&d, 8)->grace_until, 0); /* rolled back whole */
    uint8_t none[32];
    memset(none, 9, 32);
    assert_int_equal(lt_store_token_rotate(fx->s, &dup, none, 6000, &rot), LT_ENOTFOUND);

    lt_event_t exp = fx_ev("api-token-expired");
    assert_int_equal(lt_store_token_expired(fx->s, t.digest, 5000, &exp), LT_OK);
    d = fx_load(fx);
    assert_true(fx_token(&d, 7)->expiry_noted);
    assert_int_equal(fx_token(&d, 7)->grace_until, 5000);
    lt_event_filter_t f = {.type = "api-token-expired"};
    lt_event_row_t *rows = NULL;
    size_t nr = 0;
    int64_t total = 0;
    assert_int_equal(lt_store_events_list(fx->s, &fx->a, &f, &rows, &nr, &total), LT_OK);
    assert_int_equal(nr, 1);
    /* a new expiry clears the mark (its own expiry gets its own event), keeps the grace */
    assert_int_equal(lt_store_token_update(fx->s, t.digest, 999999, &ev), LT_OK);
    d = fx_load(fx);
    assert_false(fx_token(&d, 7)->expiry_noted);
    assert_int_equal(fx_token(&d, 7)->grace_until, 5000);
    /* a quota is its own write; an expiry update keeps it, and it keeps the expiry */
    assert_int_equal(lt_store_token_set_quota(fx->s, t.digest, 5, &ev), LT_OK);
    assert_int_equal(lt_store_token_update(fx->s, t.digest, 888888, &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(fx_token(&d, 7)->quota_rps, 5);
    assert_int_equal(fx_token(&d, 7)->expires_at, 888888);
    assert_int_equal(lt_store_token_set_quota(fx->s, t.digest, 0, &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(fx_token(&d, 7)->quota_rps, 0);
    assert_int_equal(fx_token(&d, 7)->expires_at, 888888);
    assert_true(fx_token(&d, 7)->read_only);
    assert_int_equal(lt_store_token_set_quota(fx->s, none, 1, &ev), LT_ENOTFOUND);
    /* allowed origins: their own write, kept by the others; none again with n = 0 */
    const char *origins[] = {"https://a.example", "http://localhost:3000"};
    assert_int_equal(lt_store_token_set_origins(fx->s, t.digest, origins, 2, &ev), LT_OK);
    assert_int_equal(lt_store_token_set_quota(fx->s, t.digest, 3, &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(fx_token(&d, 7)->n_origins, 2);
    assert_string_equal(fx_token(&d, 7)->origins[0], "https://a.example");
    assert_string_equal(fx_token(&d, 7)->origins[1], "http://localhost:3000");
    assert_int_equal(fx_token(&d, 7)->quota_rps, 3);
    assert_int_equal(lt_store_token_set_origins(fx->s, t.digest, NULL, 0, &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(fx_token(&d, 7)->n_origins, 0);
    assert_int_equal(fx_token(&d, 7)->quota_rps, 3);
    assert_int_equal(lt_store_token_set_origins(fx->s, none, origins, 1, &ev), LT_ENOTFOUND);
}

/* ---------- users, roles, sessions ---------- */

static void count_session(void *ctx, const uint8_t digest[32], int64_t user_id, int64_t exp)
{
    (void)digest, (void)user_id, (void)exp;
    (*(int *)ctx)++;
}

static int sessions(fx_t *fx)
{
    int n = 0;
    assert_int_equal(lt_store_sessions_load(fx->s, count_session, &n), LT_OK);
    return n;
}

static int64_t add_user(fx_t *fx, const char *name)
{
    lt_user_t u = {0, name, NULL, name, LT_ROLE_EDITOR, 0, 0, 0, false};
    int64_t id = 0;
    assert_int_equal(lt_store_user_put(fx->s, &u, "hash-1", NULL, &id), LT_OK);
    return id;
}

/* Issue 16: a service account is never given a password, and its other fields still change. */
static void test_service_user(void **state)
{
    fx_t *fx = *state;
    lt_user_t u = {.username = "bot", .root_role = LT_ROLE_EDITOR, .service = true};
    lt_event_t ev = fx_ev("user-created");
    int64_t id = 0;
    assert_int_equal(lt_store_user_put(fx->s, &u, "hash-1", &ev, &id), LT_OK);
    lt_user_auth_t auth;
    assert_int_equal(lt_store_user_auth(fx->s, &fx->a, "bot", &auth), LT_OK);
    assert_null(auth.password_hash);
    u.id = id;
    u.name = "Bot";
    u.root_role = LT_ROLE_VIEWER;
    assert_int_equal(lt_store_user_put(fx->s, &u, "hash-2", &ev, NULL), LT_OK);
    assert_int_equal(lt_store_user_put(fx->s, &u, NULL, &ev, NULL), LT_OK);
    assert_int_equal(lt_store_user_auth(fx->s, &fx->a, "bot", &auth), LT_OK);
    assert_null(auth.password_hash);
    lt_dataset_t d = fx_load(fx);
    bool found = false;
    for (size_t i = 0; i < d.n_users; i++)
        if (d.users[i].id == id) {
            found = true;
            assert_true(d.users[i].service);
            assert_string_equal(d.users[i].name, "Bot");
            assert_int_equal(d.users[i].root_role, LT_ROLE_VIEWER);
        } else {
            assert_false(d.users[i].service);
        }
    assert_true(found);
}

static void test_user_rules(void **state)
{
    fx_t *fx = *state;
    int64_t id = add_user(fx, "ann");
    lt_user_t dup = {0, "ANN2", NULL, NULL, LT_ROLE_VIEWER, 0, 0, 0, false};
    dup.username = "ann";
    assert_int_equal(lt_store_user_put(fx->s, &dup, NULL, NULL, NULL), LT_EINVAL);
    uint8_t sd[32];
    memset(sd, 5, 32);
    int64_t later = lt_now_ms() + 3600000;
    assert_int_equal(lt_store_session_put(fx->s, sd, id, later), LT_OK);
    lt_user_t u = {id, "ann", NULL, "Ann", LT_ROLE_EDITOR, 0, 0, 0, false};
    lt_event_t ev = fx_ev("user-updated");
    assert_int_equal(lt_store_user_put(fx->s, &u, NULL, &ev, NULL), LT_OK);
    assert_int_equal(sessions(fx), 1); /* no new password: sessions stay */
    assert_int_equal(lt_store_user_put(fx->s, &u, "hash-2", &ev, NULL), LT_OK);
    assert_int_equal(sessions(fx), 0); /* a new password ends them */
    lt_user_auth_t auth;
    assert_int_equal(lt_store_user_auth(fx->s, &fx->a, "ANN", &auth), LT_OK);
    assert_string_equal(auth.password_hash, "hash-2");
    assert_int_equal(lt_store_user_login_result(fx->s, id, false), LT_OK);
    assert_int_equal(lt_store_user_auth(fx->s, &fx->a, "ann", &auth), LT_OK);
    assert_int_equal(auth.login_attempts, 1);
    assert_int_equal(lt_store_user_auth(fx->s, &fx->a, "nobody", &auth), LT_ENOTFOUND);
    /* the user's PATs and sessions go with the user; other tokens stay */
    lt_token_new_t pat = fx_token_new(1, "*", NULL, 0), other = fx_token_new(2, "*", NULL, 0);
    pat.user_id = id;
    assert_int_equal(lt_store_token_create(fx->s, &pat, &ev, NULL), LT_OK);
    assert_int_equal(lt_store_token_create(fx->s, &other, &ev, NULL), LT_OK);
    assert_int_equal(lt_store_session_put(fx->s, sd, id, later), LT_OK);
    assert_int_equal(lt_store_user_delete(fx->s, id, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_null(fx_token(&d, 1));
    assert_non_null(fx_token(&d, 2));
    assert_int_equal(d.n_users, 0);
    assert_int_equal(sessions(fx), 0);
    assert_int_equal(lt_store_user_delete(fx->s, id, &ev), LT_ENOTFOUND);
    u.id = id;
    assert_int_equal(lt_store_user_put(fx->s, &u, NULL, &ev, NULL), LT_ENOTFOUND);
}

static void test_roles_and_bindings(void **state)
{
    fx_t *fx = *state;
    lt_perm_t perms[2] = {{"UPDATE_FEATURE", "default", NULL}, {"CREATE_FEATURE", NULL, NULL}};
    lt_role_t r = {0, "custom", "c", "custom", perms, 2};
    lt_event_t ev = fx_ev("role-created");
    int64_t rid = 0;
    assert_int_equal(lt_store_role_put(fx->s, &r, &ev, &rid), LT_OK);
    assert_int_equal(lt_store_role_put(fx->s, &r, &ev, NULL), LT_EINVAL); /* name taken */
    r.id = rid;
    r.n_perms = 1;
    assert_int_equal(lt_store_role_put(fx->s, &r, &ev, NULL), LT_OK);
    int64_t uid = add_user(fx, "bob");
    int64_t roles[] = {rid, 4};
    assert_int_equal(lt_store_bindings_set(fx->s, uid, "default", roles, 2, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_roles, 6);
    assert_int_equal(d.roles[5].n_perms, 1);
    assert_int_equal(d.n_bindings, 2);
    /* in use as a root role: cannot be deleted */
    assert_int_equal(lt_store_role_delete(fx->s, LT_ROLE_EDITOR, &ev), LT_EINVAL);
    assert_int_equal(lt_store_role_delete(fx->s, rid, &ev), LT_OK);
    assert_int_equal(lt_store_role_delete(fx->s, rid, &ev), LT_ENOTFOUND);
    d = fx_load(fx);
    assert_int_equal(d.n_roles, 5);
    assert_int_equal(d.n_bindings, 1); /* the binding went with its role */
    assert_int_equal(lt_store_bindings_set(fx->s, uid, "default", NULL, 0, &ev), LT_OK);
    assert_int_equal(fx_load(fx).n_bindings, 0);
}

/* ---------- imports and usage ---------- */

static void test_import_doc(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(put_flag(fx, "imp", "default", "development", "keep-me"), LT_OK);
    lt_strategy_t st;
    memset(&st, 0, sizeof(st));
    st.id = "keep-me"; /* used by this flag in another environment: replaced */
    st.name = "default";
    lt_feature_env_t fe = {"ignored", true, &st, 1, NULL, 0};
    lt_feature_t fs[2] = {one_flag("imp", "default", &fe, 1), one_flag("new", "pnew", &fe, 1)};
    lt_client_doc_t doc = {fs, 2, NULL, 0};
    assert_int_equal(lt_store_import_doc(fx->s, &doc, "qa", "import"), LT_OK);
    lt_dataset_t d = fx_load(fx);
    const lt_feature_t *g = fx_feature(&d, "imp");
    assert_int_equal(g->n_envs, 2); /* development kept, qa added */
    assert_string_equal(g->envs[0].strategies[0].id, "keep-me");
    assert_string_not_equal(g->envs[1].strategies[0].id, "keep-me");
    assert_true(fx_has_link(&d, "pnew", "qa"));
    assert_false(fx_has_link(&d, "pnew", "development")); /* no auto-link on import */
    assert_string_equal(d.envs[d.n_envs - 1].name, "qa");
    assert_int_equal(d.envs[d.n_envs - 1].sort_order, 3);
}

static void test_import_all_roundtrip(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(put_project(fx, "px"), LT_OK);
    assert_int_equal(put_flag(fx, "e1", "px", "production", "e1-s"), LT_OK);
    lt_tag_t tag = {"e1", "simple", "t"};
    lt_event_t ev = fx_ev("x");
    assert_int_equal(lt_store_feature_tags_put(fx->s, "e1", &tag, 1, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    lt_export_doc_t doc;
    lt_export_doc_from(&d, &doc);
    fx_t other = {0};
    memcpy(other.dir, fx->dir, sizeof(other.dir));
    snprintf(other.path, sizeof(other.path), "%s/other.db", fx->dir);
    lt_arena_init(&other.a, 0);
    assert_int_equal(backend->open(&other), LT_OK);
    assert_int_equal(lt_store_import_all(other.s, &doc, "import"), LT_OK);
    lt_dataset_t e = fx_load(&other);
    assert_int_equal(e.n_features, 1);
    assert_int_equal(e.features[0].created_at, d.features[0].created_at);
    assert_string_equal(e.features[0].envs[0].strategies[0].id, "e1-s");
    assert_int_equal(e.n_tags, 1);
    assert_int_equal(e.n_projects, 2);
    assert_int_equal(e.projects[1].created_at, d.projects[1].created_at);
    lt_store_close(other.s);
    fx_unlink(&other);
    lt_arena_dispose(&other.a);
}

/* Unleash's import into one project and environment: the flags whole, their tags replaced,
 * the records created, and only the caller's event; a constraint violation keeps nothing. */
static void test_import_into(void **state)
{
    fx_t *fx = *state;
    assert_int_equal(put_flag(fx, "in1", "default", "production", "in1-prod"), LT_OK);
    lt_tag_t old = {"in1", "simple", "old"};
    lt_event_t ev0 = fx_ev("x");
    assert_int_equal(lt_store_feature_tags_put(fx->s, "in1", &old, 1, &ev0), LT_OK);
    int64_t r0 = 0, r1 = 0;
    assert_int_equal(lt_store_revision(fx->s, &r0), LT_OK);
    lt_strategy_t st;
    memset(&st, 0, sizeof(st));
    st.name = "default"; /* no id: a fresh one */
    lt_feature_env_t envs[2] = {{"production", true, NULL, 0, NULL, 0},
                                {"development", true, &st, 1, NULL, 0}};
    lt_feature_t fs[1] = {one_flag("in1", "default", envs, 2)};
    lt_tag_t tags[1] = {{"in1", "team", "web"}};
    lt_tag_type_t tt = {"team", "Team", NULL, "#123456"};
    lt_context_field_t cf = {"plan", NULL, false, "[]", 0, 0, NULL};
    lt_export_doc_t doc;
    memset(&doc, 0, sizeof(doc));
    doc.features = fs;
    doc.n_features = 1;
    doc.tags = tags;
    doc.n_tags = 1;
    doc.tag_types = &tt;
    doc.n_tag_types = 1;
    doc.context_fields = &cf;
    doc.n_context_fields = 1;
    lt_event_t ev = fx_ev("features-imported");
    ev.project = "default";
    ev.environment = "development";
    lt_event_t evs[2] = {fx_ev("feature-created"), ev};
    assert_int_equal(lt_store_import_into(fx->s, &doc, evs, 2), LT_OK);
    assert_int_equal(lt_store_revision(fx->s, &r1), LT_OK);
    assert_int_equal(r1, r0 + 2); /* the events given */
    lt_dataset_t d = fx_load(fx);
    const lt_feature_t *g = fx_feature(&d, "in1");
    assert_int_equal(g->n_envs, 2);
    assert_non_null(g->envs[0].strategies[0].id);
    assert_int_equal(d.n_tags, 1);
    assert_string_equal(d.tags[0].value, "web");
    assert_string_equal(d.tag_types[1].color, "#123456");
    assert_non_null(fx_feature(&d, "in1"));
    /* a flag of a project that does not exist: nothing kept, no event */
    lt_feature_t bad = one_flag("in2", "no-such-project", envs, 1);
    doc.features = &bad;
    doc.n_tags = 0;
    doc.n_tag_types = 0;
    doc.n_context_fields = 0;
    fx_quiet(true);
    int rc = lt_store_import_into(fx->s, &doc, evs, 2);
    fx_quiet(false);
    assert_int_equal(rc, LT_EINVAL);
    assert_int_equal(lt_store_revision(fx->s, &r0), LT_OK);
    assert_int_equal(r0, r1);
}

/* The records of an Unleash import: a project, a custom role (source id 7), two users (source
 * ids 2 and 3) with a bcrypt hash, vi's project role, a client token and ed's PAT. */
typedef struct {
    lt_project_t proj;
    lt_export_doc_t doc;
    lt_perm_t perm;
    lt_role_t role;
    lt_user_t users[3];
    const char *hashes[3];
    lt_binding_t binding;
    lt_token_new_t tokens[2];
    lt_import_access_t acc;
} unleash_fx_t;

static void unleash_fx(unleash_fx_t *u)
{
    memset(u, 0, sizeof(*u));
    u->proj = (lt_project_t){"shop", "Shop", NULL, "open", 0};
    u->doc.projects = &u->proj;
    u->doc.n_projects = 1;
    u->perm = (lt_perm_t){"UPDATE_FEATURE", NULL, NULL};
    u->role = (lt_role_t){7, "Flipper", "flips", "custom", &u->perm, 1};
    u->users[0] = (lt_user_t){2, NULL, "ed@example.com", "Ed", LT_ROLE_EDITOR, 0, 0, 0, false};
    u->users[1] = (lt_user_t){3, "vi", "vi@example.com", "Vi", LT_ROLE_VIEWER, 0, 0, 0, false};
    u->hashes[0] = "$2b$10$Ukw1uS3Xu/sfkboQ0vQUf.vlViFo4XwsHBYj/ebaoGC.EdJ1sJxyi";
    u->binding = (lt_binding_t){3, "shop", 7};
    u->tokens[0] = fx_token_new(0x51, "development", NULL, 0);
    u->tokens[1] = fx_token_new(0x52, "*", NULL, 0);
    u->tokens[1].type = LT_TOKEN_PAT;
    u->tokens[1].user_id = 2;
    u->acc = (lt_import_access_t){u->users, u->hashes, 2, &u->role, 1, &u->binding, 1,
                                  u->tokens, 2, NULL, 0};
}

static const lt_user_t *user_by_email(const lt_dataset_t *d, const char *email)
{
    for (size_t i = 0; i < d->n_users; i++)
        if (d->users[i].email && strcmp(d->users[i].email, email) == 0)
            return &d->users[i];
    return NULL;
}

static void test_import_unleash(void **state)
{
    fx_t *fx = *state;
    unleash_fx_t u;
    unleash_fx(&u);
    lt_import_result_t res;
    assert_int_equal(lt_store_import_unleash(fx->s, &u.doc, &u.acc, "import", &res), LT_OK);
    assert_int_equal(res.users_created, 2);
    assert_int_equal(res.roles_created, 1);
    assert_int_equal(res.tokens, 2);
    lt_dataset_t d = fx_load(fx);
    const lt_user_t *ed = user_by_email(&d, "ed@example.com"), *vi = user_by_email(&d, "vi@example.com");
    assert_non_null(ed);
    assert_non_null(vi);
    const lt_role_t *flipper = NULL;
    for (size_t i = 0; i < d.n_roles; i++)
        if (strcmp(d.roles[i].name, "Flipper") == 0)
            flipper = &d.roles[i];
    assert_non_null(flipper);
    assert_int_equal(flipper->n_perms, 1);
    assert_int_equal(d.n_bindings, 1); /* source ids mapped to the store's */
    assert_int_equal(d.bindings[0].user_id, vi->id);
    assert_int_equal(d.bindings[0].role_id, flipper->id);
    assert_int_equal(fx_token(&d, 0x52)->user_id, ed->id);
    lt_user_auth_t ua;
    assert_int_equal(lt_store_user_auth(fx->s, &fx->a, "ed@example.com", &ua), LT_OK);
    assert_string_equal(ua.password_hash, u.hashes[0]);
    size_t n_users = d.n_users, n_roles = d.n_roles, n_tokens = d.n_tokens;

    /* a second run updates: nothing twice; a password of the store's own form is kept */
    assert_int_equal(lt_store_user_put(fx->s, ed, "$argon2id$v=19$m=19456,t=2,p=1$x$y", NULL, NULL),
                     LT_OK);
    assert_int_equal(lt_store_import_unleash(fx->s, &u.doc, &u.acc, "import", &res), LT_OK);
    assert_int_equal(res.users_created, 0);
    assert_int_equal(res.users_updated, 2);
    assert_int_equal(res.roles_updated, 1);
    assert_int_equal(res.passwords_kept, 1);
    d = fx_load(fx);
    assert_int_equal(d.n_users, n_users);
    assert_int_equal(d.n_roles, n_roles);
    assert_int_equal(d.n_tokens, n_tokens);
    assert_int_equal(d.n_bindings, 1);
    assert_int_equal(lt_store_user_auth(fx->s, &fx->a, "ed@example.com", &ua), LT_OK);
    assert_string_equal(ua.password_hash, "$argon2id$v=19$m=19456,t=2,p=1$x$y");
}

static void test_import_unleash_all_or_nothing(void **state)
{
    fx_t *fx = *state;
    unleash_fx_t u;
    unleash_fx(&u);
    int64_t rev0 = 0, rev1 = 0;
    assert_int_equal(lt_store_revision(fx->s, &rev0), LT_OK);
    /* a third user with ed's email under another id: refused after the others were written */
    u.users[2] = (lt_user_t){9, "eddie", "ed@example.com", NULL, LT_ROLE_VIEWER, 0, 0, 0, false};
    u.acc.n_users = 3;
    lt_import_result_t res;
    fx_quiet(true);
    int rc = lt_store_import_unleash(fx->s, &u.doc, &u.acc, "import", &res);
    fx_quiet(false);
    assert_int_equal(rc, LT_EINVAL);
    lt_dataset_t d = fx_load(fx);
    assert_null(user_by_email(&d, "ed@example.com"));
    assert_null(lt_dataset_project(&d, "shop"));
    assert_null(fx_token(&d, 0x51));
    assert_int_equal(lt_store_revision(fx->s, &rev1), LT_OK);
    assert_int_equal(rev1, rev0);
}

static void test_usage(void **state)
{
    fx_t *fx = *state;
    lt_app_row_t app = {"app", "i1", "development", "node:1", NULL, NULL, "backend", 1, 15000,
                        1000};
    const char *vn[] = {"blue"};
    int64_t vc[] = {3};
    int64_t hour = lt_now_ms() / 3600000 * 3600000; /* older hours are summed into days */
    lt_metric_row_t row = {"app", "i1", "development", "flag", hour, 5, 2, vn, vc, 1};
    assert_int_equal(lt_store_usage_write(fx->s, &app, 1, &row, 1), LT_OK);
    assert_int_equal(lt_store_usage_write(fx->s, &app, 1, &row, 1), LT_OK);
    lt_app_row_t *apps = NULL;
    lt_metric_row_t *rows = NULL;
    size_t n = 0;
    assert_int_equal(lt_store_usage_apps(fx->s, &fx->a, &apps, &n), LT_OK);
    assert_int_equal(n, 1);
    assert_string_equal(apps[0].sdk_version, "node:1");
    assert_int_equal(lt_store_usage_feature(fx->s, &fx->a, "flag", 0, &rows, &n), LT_OK);
    assert_int_equal(n, 1);
    assert_int_equal(rows[0].yes, 10);
    assert_int_equal(rows[0].n_variants, 1);
    assert_int_equal(rows[0].variant_counts[0], 6);
    assert_int_equal(lt_store_usage_feature(fx->s, &fx->a, "flag", hour + 3600000, &rows, &n),
                     LT_OK);
    assert_int_equal(n, 0);
}

static void test_app_meta(void **state)
{
    fx_t *fx = *state;
    lt_event_t ev = fx_ev("application-created");
    lt_app_row_t app = {"shop", "i1", "development", "node:1", NULL, NULL, "backend", 1, 15000,
                        1000};
    assert_int_equal(lt_store_usage_write(fx->s, &app, 1, NULL, 0), LT_OK);
    lt_app_meta_t m = {"shop", "The shop", NULL, "#fff", NULL, 0};
    assert_int_equal(lt_store_app_meta_put(fx->s, &m, &ev), LT_OK);
    m.description = "Shop";
    assert_int_equal(lt_store_app_meta_put(fx->s, &m, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_app_meta, 1);
    assert_string_equal(lt_dataset_app_meta(&d, "shop")->description, "Shop");
    assert_null(lt_dataset_app_meta(&d, "shop")->url);
    assert_true(lt_dataset_app_meta(&d, "shop")->created_at > 0);
    assert_int_equal(lt_store_app_delete(fx->s, "shop", &ev), LT_OK);
    assert_int_equal(lt_store_app_delete(fx->s, "shop", &ev), LT_OK);
    lt_app_row_t *apps = NULL;
    size_t n = 1;
    assert_int_equal(lt_store_usage_apps(fx->s, &fx->a, &apps, &n), LT_OK);
    assert_int_equal(n, 0);
    d = fx_load(fx);
    assert_int_equal(d.n_app_meta, 0);
}

static void test_reset_tokens(void **state)
{
    fx_t *fx = *state;
    lt_event_t ev = fx_ev("x");
    lt_user_t u = {.username = "forgetful", .root_role = LT_ROLE_VIEWER};
    int64_t uid = 0;
    assert_int_equal(lt_store_user_put(fx->s, &u, "old-hash", &ev, &uid), LT_OK);
    u.id = uid;
    int64_t now = lt_now_ms();
    lt_reset_token_t a = {{1}, uid, "admin", 0, now + 60000, 0};
    lt_reset_token_t b = {{2}, uid, "admin", 0, now + 60000, 0};
    assert_int_equal(lt_store_reset_token_create(fx->s, &a, &ev), LT_OK);
    assert_int_equal(lt_store_reset_token_create(fx->s, &b, &ev), LT_OK); /* a expires */
    fx_quiet(true);
    assert_int_equal(lt_store_password_reset(fx->s, a.digest, &u, "h1", &ev), LT_EINVAL);
    fx_quiet(false);
    assert_int_equal(lt_store_password_reset(fx->s, b.digest, &u, "new-hash", &ev), LT_OK);
    assert_int_equal(lt_store_password_reset(fx->s, b.digest, &u, "h2", &ev), LT_EINVAL);
    lt_dataset_t d = fx_load(fx);
    assert_int_equal(d.n_reset_tokens, 2);
    const lt_reset_token_t *got = lt_dataset_reset_token(&d, b.digest);
    assert_non_null(got);
    assert_true(got->used_at > 0);
    assert_true(lt_dataset_reset_token(&d, a.digest)->expires_at <= lt_now_ms());
    lt_user_auth_t auth;
    assert_int_equal(lt_store_user_auth(fx->s, &fx->a, "forgetful", &auth), LT_OK);
    assert_string_equal(auth.password_hash, "new-hash");
    assert_int_equal(lt_store_user_delete(fx->s, uid, &ev), LT_OK);
    d = fx_load(fx);
    assert_int_equal(d.n_reset_tokens, 0);
}

/* The stages of flag name, joined by ',' (in a static buffer). */
static const char *stages_of(fx_t *fx, const char *name)
{
    static char out[128];
    lt_dataset_t d = fx_load(fx);
    size_t start, n = lt_dataset_stages(&d, name, &start);
    out[0] = '\0';
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s", i ? "," : "",
                 d.stages[start + i].stage);
    return out;
}

static void test_lifecycle(void **state)
{
    fx_t *fx = *state;
    /* the stages follow the events: created, archived, revived */
    lt_feature_env_t fe = {"production", true, NULL, 0, NULL, 0};
    lt_feature_t f = one_flag("lc", "default", &fe, 1);
    lt_event_t ev = fx_ev("feature-created");
    ev.feature_name = "lc";
    assert_int_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK);
    assert_string_equal(stages_of(fx, "lc"), "initial");
    /* metrics: pre-live from any environment, live from production where the flag is on; once
     * each, and a usage write says whether one was entered */
    int64_t hour = lt_now_ms() / 3600000 * 3600000;
    lt_metric_row_t rows[] = {{"app", "i1", "development", "lc", hour, 1, 0, NULL, NULL, 0},
                              {"app", "i2", "development", "lc", hour, 0, 1, NULL, NULL, 0},
                              {"app", "i1", "production", "lc", hour, 2, 0, NULL, NULL, 0},
                              {"app", "i1", "production", "gone", hour, 2, 0, NULL, NULL, 0}};
    assert_int_equal(lt_store_usage_write(fx->s, NULL, 0, rows, 4), LT_OK);
    assert_true(lt_store_usage_staged(fx->s));
    assert_string_equal(stages_of(fx, "lc"), "initial,pre-live,live");
    assert_int_equal(lt_store_usage_write(fx->s, NULL, 0, rows, 4), LT_OK);
    assert_false(lt_store_usage_staged(fx->s));
    /* completed (kept once: a second completion changes nothing), uncompleted */
    ev = fx_ev("feature-completed");
    assert_int_equal(lt_store_lifecycle_complete(fx->s, "lc", "kept", "v", &ev), LT_OK);
    assert_int_equal(lt_store_lifecycle_complete(fx->s, "lc", "discarded", NULL, &ev), LT_OK);
    lt_dataset_t d = fx_load(fx);
    const lt_stage_t *now = lt_dataset_stage_now(&d, "lc");
    assert_string_equal(now->stage, "completed");
    assert_string_equal(now->status, "kept");
    assert_string_equal(now->status_value, "v");
    assert_int_equal(lt_store_lifecycle_uncomplete(fx->s, "lc", &ev), LT_OK);
    assert_string_equal(stages_of(fx, "lc"), "initial,pre-live,live");
    f.archived = true;
    ev = fx_ev("feature-archived");
    ev.feature_name = "lc";
    assert_int_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK);
    d = fx_load(fx);
    assert_string_equal(lt_dataset_stage_now(&d, "lc")->stage, "archived");
    f.archived = false;
    ev = fx_ev("feature-revived");
    ev.feature_name = "lc";
    assert_int_equal(lt_store_feature_put(fx->s, &f, &ev), LT_OK);
    assert_string_equal(stages_of(fx, "lc"), "initial");
    /* an import gives the flags without a stage "initial" */
    assert_int_equal(put_flag(fx, "quiet", "default", "development", NULL), LT_OK);
    assert_string_equal(stages_of(fx, "quiet"), "");
    ev = fx_ev("features-imported");
    assert_int_equal(lt_store_setting_put(fx->s, "x", "{}", &ev), LT_OK);
    assert_string_equal(stages_of(fx, "quiet"), "initial");
    assert_string_equal(stages_of(fx, "lc"), "initial");
}

/* The text of a one-value query (in a static buffer). */
static const char *sql_text(sqlite3 *db, const char *q)
{
    static char out[256];
    sqlite3_stmt *st = NULL;
    out[0] = '\0';
    if (sqlite3_prepare_v2(db, q, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW &&
        sqlite3_column_text(st, 0))
        snprintf(out, sizeof(out), "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
}

/* Hourly counts older than the raw retention become one row per day (instance ""), shown by
 * no hourly read; day rows older than the daily retention go. */
static void test_usage_retention(void **state)
{
    fx_t *fx = *state;
    int64_t h = 3600000, day = 24 * h;
    int64_t now = lt_now_ms(), today = now / day * day;
    int64_t old_day = today - 10 * day, ancient = today - (LT_USAGE_DAILY_DAYS + 5) * day;
    const char *vn[] = {"blue"};
    int64_t vc[] = {3};
    lt_metric_row_t rows[] = {
        {"app", "i1", "development", "flag", old_day + 1 * h, 5, 1, vn, vc, 1},
        {"app", "i2", "development", "flag", old_day + 7 * h, 2, 1, vn, vc, 1},
        {"app", "i1", "development", "flag", ancient + 3 * h, 9, 9, NULL, NULL, 0},
        {"app", "i1", "development", "flag", now / h * h, 1, 0, NULL, NULL, 0},
    };
    fx->s->usage_pruned_at = 0; /* the retention runs with this write */
    assert_int_equal(lt_store_usage_write(fx->s, NULL, 0, rows, LT_ARRAY_LEN(rows)), LT_OK);
    lt_metric_row_t *got = NULL;
    size_t n = 0;
    assert_int_equal(lt_store_usage_feature(fx->s, &fx->a, "flag", 0, &got, &n), LT_OK);
    assert_int_equal(n, 1); /* only the recent hour: the rest is summed or gone */
    assert_int_equal(got[0].hour, now / h * h);
    if (strcmp(backend->name, "sqlite") != 0)
        return; /* the day rows are read by nothing yet: look at them in SQLite only */
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open_v2(fx->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    char want[64];
    snprintf(want, sizeof(want), "%lld:7:2|blue:6", (long long)old_day);
    assert_string_equal(sql_text(db, "SELECT (SELECT group_concat(hour || ':' || yes || ':' || no)"
                                     " FROM client_metrics WHERE instance_id = '') || '|' ||"
                                     " (SELECT group_concat(variant || ':' || count) FROM"
                                     " client_metrics_variants WHERE instance_id = '')"),
                        want);
    sqlite3_close(db);
}

int main(void)
{
    lt_log_set_level(LT_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_seed, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_each_write_one_event, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_feature_written_whole, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_strategy_id_used_elsewhere, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_features_put_batch_and_tags, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_segments, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_new_project_gets_enabled_envs, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_project_delete_never_widens, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_environment_delete_drops_tokens, fx_setup,
                                        fx_teardown),
        cmocka_unit_test_setup_teardown(test_project_env_remove_and_order, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_config_records, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_settings_defaults_links, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_favorites, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_lifecycle, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_app_meta, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_reset_tokens, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_tokens, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_token_rotation_marks, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_token_usage_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_login_counters, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_user_rules, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_service_user, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_roles_and_bindings, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_doc, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_all_roundtrip, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_into, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_unleash, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_import_unleash_all_or_nothing, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_usage, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_addons, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_usage_retention, fx_setup, fx_teardown),
    };
    return fx_run_backends(tests, sizeof(tests) / sizeof(*tests));
}
