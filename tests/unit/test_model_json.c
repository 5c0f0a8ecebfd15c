/*
 * test_model_json.c: unit tests for src/model/model_json.c and model.c: a client-features
 * document that uses every field is parsed, written back with lt_model_write_feature and
 * lt_model_write_segment in each output mode, parsed again and compared field by field.
 * Also Edge's bootstrap map, the parse errors, and JSON string escaping in lt_json_str.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <cjson/cJSON.h>

#include "base/buf.h"
#include "model/model.h"
#include "model/model_json.h"

/* Every field of UNLEASH-API.md §7 at least once. */
static const char FULL_DOC[] =
    "{\"version\":2,\"features\":["
    "{\"name\":\"alpha\",\"type\":\"experiment\","
    "\"description\":\"Alpha \\\"quoted\\\" \\\\ flag\\n\\u00e9\",\"project\":\"proj-a\","
    "\"stale\":true,\"impressionData\":true,\"enabled\":true,"
    "\"createdAt\":\"2024-01-02T03:04:05.678Z\","
    "\"strategies\":["
    " {\"id\":\"s-2\",\"name\":\"flexibleRollout\",\"title\":\"Half of them\",\"sortOrder\":2,"
    "  \"disabled\":false,"
    "  \"parameters\":{\"rollout\":50,\"stickiness\":\"userId\",\"groupId\":\"alpha\","
    "   \"ratio\":0.25,\"flag\":true,\"gone\":null},"
    "  \"constraints\":["
    "   {\"contextName\":\"userId\",\"operator\":\"IN\",\"values\":[\"a\",\"b\",7],"
    "    \"inverted\":true,\"caseInsensitive\":true},"
    "   {\"contextName\":\"appVersion\",\"operator\":\"SEMVER_GT\",\"value\":\"1.2.3\"},"
    "   {\"contextName\":\"currentTime\",\"operator\":\"DATE_AFTER\","
    "    \"value\":\"2024-01-01T00:00:00Z\",\"values\":[],\"inverted\":false}"
    "  ],"
    "  \"segments\":[3,1],"
    "  \"variants\":[{\"name\":\"sv\",\"weight\":1000,\"weightType\":\"fix\","
    "   \"stickiness\":\"userId\",\"payload\":{\"type\":\"string\",\"value\":\"x\"}}]},"
    " {\"id\":\"s-1\",\"name\":\"default\",\"sortOrder\":1,\"disabled\":true,"
    "  \"parameters\":{},\"constraints\":[],\"segments\":[],\"variants\":[]},"
    " {\"id\":\"s-3\",\"name\":\"userWithId\",\"sortOrder\":3,"
    "  \"parameters\":{\"userIds\":\"1,2\"},\"segments\":[99]}"
    "],"
    "\"variants\":["
    " {\"name\":\"blue\",\"weight\":600,\"weightType\":\"variable\",\"stickiness\":\"sessionId\","
    "  \"payload\":{\"type\":\"json\",\"value\":\"{\\\"k\\\":1}\"},"
    "  \"overrides\":[{\"contextName\":\"userId\",\"values\":[\"u1\",\"u2\"]},"
    "   {\"contextName\":\"tenant\",\"values\":[]}]},"
    " {\"name\":\"red\",\"weight\":400,\"weightType\":\"fix\","
    "  \"payload\":{\"type\":\"number\",\"value\":42}},"
    " {\"name\":\"green\",\"weight\":0,\"payload\":{\"type\":\"json\",\"value\":{\"a\":[1,2]}}}"
    "],"
    "\"dependencies\":["
    " {\"feature\":\"beta\",\"enabled\":true,\"variants\":[\"v1\",\"v2\"]},"
    " {\"feature\":\"gamma\",\"enabled\":false},"
    " {\"feature\":\"delta\"}"
    "]},"
    "{\"name\":\"beta\",\"type\":\"release\",\"description\":null,\"project\":\"default\","
    "\"stale\":false,\"impressionData\":false,\"enabled\":false,\"strategies\":[],"
    "\"variants\":[]},"
    "{\"name\":\"gamma\",\"enabled\":true,"
    "\"strategies\":[{\"name\":\"default\"},{\"name\":\"remoteAddress\","
    "\"parameters\":{\"IPs\":\"10.0.0.0/8\"}}]}"
    "],"
    "\"segments\":["
    " {\"id\":3,\"name\":\"seg three\",\"constraints\":["
    "  {\"contextName\":\"region\",\"operator\":\"IN\",\"values\":[\"eu\",\"us\"]}]},"
    " {\"id\":1,\"name\":\"seg one\",\"description\":\"first\",\"project\":\"proj-a\","
    "  \"constraints\":[{\"contextName\":\"tenant\",\"operator\":\"STR_CONTAINS\","
    "   \"values\":[\"x\"],\"caseInsensitive\":true}]},"
    " {\"id\":5}"
    "]}";

/* ---- helpers ---- */

static lt_client_doc_t parse_ok(lt_arena_t *a, const char *json, const char *env)
{
    lt_client_doc_t doc;
    lt_parse_err_t err = {0};
    int rc = lt_model_parse_client_doc(a, json, strlen(json), env, &doc, &err);
    if (rc != LT_OK)
        fail_msg("parse failed: %s (in %s)\n%s", err.msg, err.where, json);
    return doc;
}

static void expect_parse_error(const char *json, const char *where)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    err.msg = NULL;
    memset(err.where, 'X', sizeof(err.where));
    int rc = lt_model_parse_client_doc(&a, json, strlen(json), "development", &doc, &err);
    if (rc != LT_EINVAL)
        fail_msg("parse of %s returned %d, want LT_EINVAL", json, rc);
    assert_non_null(err.msg);
    assert_true(strlen(err.msg) > 0);
    if (where)
        assert_string_equal(err.where, where);
    else
        assert_true(memchr(err.where, '\0', sizeof(err.where)) != NULL);
    lt_arena_dispose(&a);
}

static void assert_str_or_null(const char *got, const char *want)
{
    if (want == NULL) {
        if (got != NULL)
            fail_msg("want NULL, got \"%s\"", got);
        return;
    }
    if (got == NULL)
        fail_msg("want \"%s\", got NULL", want);
    assert_string_equal(got, want);
}

static char *write_doc(const lt_client_doc_t *d, const lt_write_opts_t *o)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":2,\"features\":[");
    for (size_t i = 0; i < d->n_features; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_model_write_feature(&b, &d->features[i], &d->features[i].envs[0], o);
    }
    lt_buf_puts(&b, "],\"segments\":[");
    for (size_t i = 0; i < d->n_segments; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_model_write_segment(&b, &d->segments[i]);
    }
    lt_buf_puts(&b, "]}");
    assert_true(lt_buf_ok(&b));
    return lt_buf_take(&b, NULL);
}

static void cmp_strings(const char *const *a, size_t na, const char *const *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        assert_string_equal(a[i], b[i]);
}

static void cmp_constraint(const lt_constraint_t *a, const lt_constraint_t *b)
{
    assert_string_equal(a->context_name, b->context_name);
    assert_string_equal(a->op, b->op);
    cmp_strings(a->values, a->n_values, b->values, b->n_values);
    assert_int_equal(a->has_values, b->has_values);
    assert_str_or_null(b->value, a->value);
    assert_int_equal(a->inverted, b->inverted);
    assert_int_equal(a->case_insensitive, b->case_insensitive);
}

static void cmp_constraints(const lt_constraint_t *a, size_t na, const lt_constraint_t *b,
                            size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++)
        cmp_constraint(&a[i], &b[i]);
}

static void cmp_params(const lt_param_t *a, size_t na, const lt_param_t *b, size_t nb)
{
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(a[i].key, b[i].key);
        assert_string_equal(a[i].value, b[i].value);
    }
}

/* Variants after a write: a missing weightType reads back "variable", stickiness "default". */
static void cmp_variants(const lt_variant_t *a, size_t na, const lt_variant_t *b, size_t nb,
                         bool overrides)
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
        if (!overrides) {
            assert_int_equal(b[i].n_overrides, 0);
            continue;
        }
        /* overrides with no values are still written */
        assert_int_equal(a[i].n_overrides, b[i].n_overrides);
        for (size_t k = 0; k < a[i].n_overrides; k++) {
            assert_string_equal(a[i].overrides[k].context_name, b[i].overrides[k].context_name);
            cmp_strings(a[i].overrides[k].values, a[i].overrides[k].n_values,
                        b[i].overrides[k].values, b[i].overrides[k].n_values);
        }
    }
}

static void cmp_deps(const lt_feature_t *a, const lt_feature_t *b)
{
    assert_int_equal(a->n_dependencies, b->n_dependencies);
    for (size_t i = 0; i < a->n_dependencies; i++) {
        const lt_dependency_t *x = &a->dependencies[i], *y = &b->dependencies[i];
        assert_string_equal(x->feature, y->feature);
        assert_int_equal(x->enabled, y->enabled);
        cmp_strings(x->variants, x->n_variants, y->variants, y->n_variants);
    }
}

static void cmp_segment(const lt_segment_t *a, const lt_segment_t *b)
{
    assert_int_equal(a->id, b->id);
    assert_string_equal(a->name, b->name);
    cmp_constraints(a->constraints, a->n_constraints, b->constraints, b->n_constraints);
}

/* ---- parsing every field ---- */

static void test_parse_every_field(void **state)
{
    (void)state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t d = parse_ok(&a, FULL_DOC, "production");
    assert_int_equal(d.n_features, 3);

    const lt_feature_t *f = &d.features[0];
    assert_string_equal(f->name, "alpha");
    assert_string_equal(f->type, "experiment");
    assert_string_equal(f->description, "Alpha \"quoted\" \\ flag\n\xc3\xa9");
    assert_string_equal(f->project, "proj-a");
    assert_true(f->stale);
    assert_true(f->impression_data);
    assert_false(f->archived);
    assert_int_equal(f->created_at, 1704164645678LL);
    assert_int_equal(f->n_envs, 1);
    const lt_feature_env_t *fe = &f->envs[0];
    assert_string_equal(fe->environment, "production");
    assert_ptr_equal(lt_feature_env(f, "production"), fe);
    assert_null(lt_feature_env(f, "development"));
    assert_true(fe->enabled);

    /* strategies keep document order; sortOrder as given */
    assert_int_equal(fe->n_strategies, 3);
    const lt_strategy_t *s = &fe->strategies[0];
    assert_string_equal(s->id, "s-2");
    assert_string_equal(s->name, "flexibleRollout");
    assert_string_equal(s->title, "Half of them");
    assert_int_equal(s->sort_order, 2);
    assert_false(s->disabled);
    /* numbers and booleans become strings; null parameters are dropped */
    assert_int_equal(s->n_params, 5);
    assert_string_equal(s->params[0].key, "rollout");
    assert_string_equal(s->params[0].value, "50");
    assert_string_equal(s->params[1].key, "stickiness");
    assert_string_equal(s->params[1].value, "userId");
    assert_string_equal(s->params[2].key, "groupId");
    assert_string_equal(s->params[2].value, "alpha");
    assert_string_equal(s->params[3].key, "ratio");
    assert_string_equal(s->params[3].value, "0.25");
    assert_string_equal(s->params[4].key, "flag");
    assert_string_equal(s->params[4].value, "true");
    assert_int_equal(s->n_constraints, 3);
    const lt_constraint_t *c = &s->constraints[0];
    assert_string_equal(c->context_name, "userId");
    assert_string_equal(c->op, "IN");
    assert_true(c->has_values);
    assert_int_equal(c->n_values, 3);
    assert_string_equal(c->values[0], "a");
    assert_string_equal(c->values[1], "b");
    assert_string_equal(c->values[2], "7"); /* a number in a list is stringified */
    assert_null(c->value);
    assert_true(c->inverted);
    assert_true(c->case_insensitive);
    c = &s->constraints[1];
    assert_string_equal(c->op, "SEMVER_GT");
    assert_false(c->has_values);
    assert_int_equal(c->n_values, 0);
    assert_string_equal(c->value, "1.2.3");
    assert_false(c->inverted);
    assert_false(c->case_insensitive);
    c = &s->constraints[2];
    assert_true(c->has_values);
    assert_int_equal(c->n_values, 0);
    assert_string_equal(c->value, "2024-01-01T00:00:00Z");
    /* segment ids come out ascending */
    assert_int_equal(s->n_segments, 2);
    assert_int_equal(s->segments[0], 1);
    assert_int_equal(s->segments[1], 3);
    assert_int_equal(s->n_variants, 1);
    assert_string_equal(s->variants[0].name, "sv");
    assert_int_equal(s->variants[0].weight, 1000);
    assert_string_equal(s->variants[0].weight_type, "fix");
    assert_string_equal(s->variants[0].stickiness, "userId");
    assert_string_equal(s->variants[0].payload->type, "string");
    assert_string_equal(s->variants[0].payload->value, "x");

    s = &fe->strategies[1];
    assert_string_equal(s->id, "s-1");
    assert_true(s->disabled);
    assert_int_equal(s->sort_order, 1);
    assert_null(s->title);
    assert_int_equal(s->n_params + s->n_constraints + s->n_segments + s->n_variants, 0);
    s = &fe->strategies[2];
    assert_string_equal(s->params[0].value, "1,2");
    assert_int_equal(s->n_segments, 1);
    assert_int_equal(s->segments[0], 99);

    /* feature variants */
    assert_int_equal(fe->n_variants, 3);
    const lt_variant_t *v = &fe->variants[0];
    assert_string_equal(v->name, "blue");
    assert_int_equal(v->weight, 600);
    assert_string_equal(v->weight_type, "variable");
    assert_string_equal(v->stickiness, "sessionId");
    assert_string_equal(v->payload->type, "json");
    assert_string_equal(v->payload->value, "{\"k\":1}");
    assert_int_equal(v->n_overrides, 2);
    assert_string_equal(v->overrides[0].context_name, "userId");
    assert_int_equal(v->overrides[0].n_values, 2);
    assert_string_equal(v->overrides[0].values[1], "u2");
    assert_int_equal(v->overrides[1].n_values, 0);
    v = &fe->variants[1];
    assert_string_equal(v->payload->value, "42"); /* numeric payload value stringified */
    assert_null(v->stickiness);
    v = &fe->variants[2];
    assert_int_equal(v->weight, 0);
    assert_null(v->weight_type);
    assert_string_equal(v->payload->value, "{\"a\":[1,2]}"); /* object value as JSON text */

    /* dependencies: enabled defaults to true */
    assert_int_equal(f->n_dependencies, 3);
    assert_string_equal(f->dependencies[0].feature, "beta");
    assert_true(f->dependencies[0].enabled);
    assert_int_equal(f->dependencies[0].n_variants, 2);
    assert_string_equal(f->dependencies[0].variants[0], "v1");
    assert_string_equal(f->dependencies[1].feature, "gamma");
    assert_false(f->dependencies[1].enabled);
    assert_int_equal(f->dependencies[1].n_variants, 0);
    assert_true(f->dependencies[2].enabled);

    /* null description; defaults of a bare feature */
    f = &d.features[1];
    assert_string_equal(f->name, "beta");
    assert_null(f->description);
    assert_false(f->envs[0].enabled);
    assert_false(f->stale);
    assert_int_equal(f->created_at, 0);
    f = &d.features[2];
    assert_string_equal(f->type, "release");
    assert_string_equal(f->project, "default");
    assert_null(f->description);
    assert_false(f->impression_data);
    assert_int_equal(f->envs[0].n_strategies, 2);
    /* no sortOrder: document position */
    assert_int_equal(f->envs[0].strategies[0].sort_order, 0);
    assert_int_equal(f->envs[0].strategies[1].sort_order, 1);
    assert_null(f->envs[0].strategies[0].id);

    /* segments sorted by id; a bare segment gets a name */
    assert_int_equal(d.n_segments, 3);
    assert_int_equal(d.segments[0].id, 1);
    assert_string_equal(d.segments[0].name, "seg one");
    assert_string_equal(d.segments[0].description, "first");
    assert_string_equal(d.segments[0].project, "proj-a");
    assert_true(d.segments[0].constraints[0].case_insensitive);
    assert_int_equal(d.segments[1].id, 3);
    assert_null(d.segments[1].description);
    assert_null(d.segments[1].project);
    assert_int_equal(d.segments[1].n_constraints, 1);
    assert_int_equal(d.segments[1].constraints[0].n_values, 2);
    assert_int_equal(d.segments[2].id, 5);
    assert_string_equal(d.segments[2].name, "segment-5");
    assert_int_equal(d.segments[2].n_constraints, 0);
    assert_ptr_equal(lt_segment_find(d.segments, d.n_segments, 3), &d.segments[1]);
    assert_ptr_equal(lt_segment_find(d.segments, d.n_segments, 5), &d.segments[2]);
    assert_null(lt_segment_find(d.segments, d.n_segments, 2));
    assert_null(lt_segment_find(d.segments, d.n_segments, 99));
    assert_null(lt_segment_find(d.segments, 0, 1));
    lt_arena_dispose(&a);
}

/* ---- round trips ---- */

static void test_round_trip_export(void **state)
{
    (void)state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t d = parse_ok(&a, FULL_DOC, "development");
    lt_write_opts_t o = {.export_extras = true};
    char *out = write_doc(&d, &o);
    lt_client_doc_t r = parse_ok(&a, out, "development");

    assert_int_equal(r.n_features, d.n_features);
    for (size_t i = 0; i < d.n_features; i++) {
        const lt_feature_t *f = &d.features[i], *g = &r.features[i];
        assert_string_equal(f->name, g->name);
        assert_string_equal(f->type, g->type);
        assert_str_or_null(g->description, f->description);
        assert_string_equal(f->project, g->project);
        assert_int_equal(f->stale, g->stale);
        assert_int_equal(f->impression_data, g->impression_data);
        assert_int_equal(f->created_at, g->created_at);
        const lt_feature_env_t *fe = &f->envs[0], *ge = &g->envs[0];
        assert_int_equal(fe->enabled, ge->enabled);
        assert_int_equal(fe->n_strategies, ge->n_strategies); /* disabled ones included */
        for (size_t k = 0; k < fe->n_strategies; k++) {
            const lt_strategy_t *s = &fe->strategies[k], *t = &ge->strategies[k];
            assert_str_or_null(t->id, s->id);
            assert_string_equal(s->name, t->name);
            assert_str_or_null(t->title, s->title);
            assert_int_equal(s->sort_order, t->sort_order);
            assert_int_equal(s->disabled, t->disabled);
            cmp_params(s->params, s->n_params, t->params, t->n_params);
            cmp_constraints(s->constraints, s->n_constraints, t->constraints, t->n_constraints);
            assert_int_equal(s->n_segments, t->n_segments);
            for (size_t m = 0; m < s->n_segments; m++)
                assert_int_equal(s->segments[m], t->segments[m]);
            cmp_variants(s->variants, s->n_variants, t->variants, t->n_variants, false);
        }
        cmp_variants(fe->variants, fe->n_variants, ge->variants, ge->n_variants, true);
        cmp_deps(f, g);
    }
    assert_int_equal(r.n_segments, d.n_segments);
    for (size_t i = 0; i < d.n_segments; i++)
        cmp_segment(&d.segments[i], &r.segments[i]);
    /* the export keys are there */
    assert_non_null(strstr(out, "\"createdAt\":\"2024-01-02T03:04:05.678Z\""));
    assert_non_null(strstr(out, "\"sortOrder\":"));
    assert_non_null(strstr(out, "\"title\":\"Half of them\""));
    /* and writing the re-parsed document gives the same bytes */
    char *again = write_doc(&r, &o);
    assert_string_equal(out, again);
    free(again);
    free(out);
    lt_arena_dispose(&a);
}

static void test_round_trip_client_view(void **state)
{
    (void)state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t d = parse_ok(&a, FULL_DOC, "development");
    lt_write_opts_t o = {.export_extras = false};
    char *out = write_doc(&d, &o);
    /* no export-only keys, no strategy ids */
    assert_null(strstr(out, "sortOrder"));
    assert_null(strstr(out, "\"disabled\""));
    assert_null(strstr(out, "\"title\""));
    assert_null(strstr(out, "createdAt"));
    assert_null(strstr(out, "\"s-1\""));
    assert_null(strstr(out, "\"s-2\""));
    lt_client_doc_t r = parse_ok(&a, out, "development");
    assert_int_equal(r.n_features, 3);
    const lt_feature_t *f = &d.features[0], *g = &r.features[0];
    assert_int_equal(g->created_at, 0);
    /* the disabled strategy (s-1) is left out; the others keep their order */
    const lt_feature_env_t *fe = &f->envs[0], *ge = &g->envs[0];
    assert_int_equal(ge->n_strategies, 2);
    const lt_strategy_t *want[2] = {&fe->strategies[0], &fe->strategies[2]};
    for (size_t k = 0; k < 2; k++) {
        const lt_strategy_t *s = want[k], *t = &ge->strategies[k];
        assert_null(t->id);
        assert_null(t->title);
        assert_false(t->disabled);
        assert_int_equal(t->sort_order, (int)k);
        assert_string_equal(s->name, t->name);
        cmp_params(s->params, s->n_params, t->params, t->n_params);
        cmp_constraints(s->constraints, s->n_constraints, t->constraints, t->n_constraints);
        assert_int_equal(s->n_segments, t->n_segments); /* by reference */
        for (size_t m = 0; m < s->n_segments; m++)
            assert_int_equal(s->segments[m], t->segments[m]);
        cmp_variants(s->variants, s->n_variants, t->variants, t->n_variants, false);
    }
    cmp_variants(fe->variants, fe->n_variants, ge->variants, ge->n_variants, true);
    cmp_deps(f, g);
    assert_string_equal(g->description, f->description);
    assert_true(g->stale);
    assert_true(g->impression_data);
    assert_true(ge->enabled);
    assert_null(r.features[1].description);
    for (size_t i = 0; i < d.n_segments; i++)
        cmp_segment(&d.segments[i], &r.segments[i]);
    free(out);
    lt_arena_dispose(&a);
}

static void test_round_trip_inline_segments(void **state)
{
    (void)state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t d = parse_ok(&a, FULL_DOC, "development");
    lt_write_opts_t o = {.inline_segments = true, .segs = d.segments, .n_segs = d.n_segments};
    char *out = write_doc(&d, &o);
    assert_null(strstr(out, "\"segments\":[1"));
    lt_client_doc_t r = parse_ok(&a, out, "development");
    const lt_strategy_t *s = &d.features[0].envs[0].strategies[0];
    const lt_strategy_t *t = &r.features[0].envs[0].strategies[0];
    /* own constraints, then segment 1's, then segment 3's; no segment ids left */
    assert_int_equal(t->n_segments, 0);
    assert_int_equal(t->n_constraints, 3 + 1 + 1);
    cmp_constraints(s->constraints, 3, t->constraints, 3);
    cmp_constraint(&d.segments[0].constraints[0], &t->constraints[3]);
    cmp_constraint(&d.segments[1].constraints[0], &t->constraints[4]);
    /* segment 99 does not exist: the impossible IN [] makes the strategy false */
    t = &r.features[0].envs[0].strategies[1]; /* s-3 (s-1 is disabled and left out) */
    assert_string_equal(t->name, "userWithId");
    assert_int_equal(t->n_segments, 0);
    assert_int_equal(t->n_constraints, 1);
    assert_string_equal(t->constraints[0].context_name, "latchMissingSegment");
    assert_string_equal(t->constraints[0].op, "IN");
    assert_true(t->constraints[0].has_values);
    assert_int_equal(t->constraints[0].n_values, 0);
    assert_false(t->constraints[0].inverted);
    free(out);

    /* a table that lacks segment 3: its constraints become the impossible one */
    o.n_segs = 1; /* only id 1 */
    out = write_doc(&d, &o);
    r = parse_ok(&a, out, "development");
    t = &r.features[0].envs[0].strategies[0];
    assert_int_equal(t->n_constraints, 3 + 1 + 1);
    cmp_constraint(&d.segments[0].constraints[0], &t->constraints[3]);
    assert_string_equal(t->constraints[4].context_name, "latchMissingSegment");
    assert_int_equal(t->constraints[4].n_values, 0);
    free(out);

    /* an empty segment table: every reference is missing */
    o.n_segs = 0;
    o.segs = NULL;
    out = write_doc(&d, &o);
    r = parse_ok(&a, out, "development");
    t = &r.features[0].envs[0].strategies[0];
    assert_int_equal(t->n_constraints, 3 + 2);
    assert_string_equal(t->constraints[3].context_name, "latchMissingSegment");
    assert_string_equal(t->constraints[4].context_name, "latchMissingSegment");
    free(out);

    /* export form with inlining: the disabled strategy and extras come back too */
    o = (lt_write_opts_t){
        .inline_segments = true, .segs = d.segments, .n_segs = d.n_segments, .export_extras = true};
    out = write_doc(&d, &o);
    r = parse_ok(&a, out, "development");
    assert_int_equal(r.features[0].envs[0].n_strategies, 3);
    assert_true(r.features[0].envs[0].strategies[1].disabled);
    assert_string_equal(r.features[0].envs[0].strategies[0].id, "s-2");
    assert_int_equal(r.features[0].envs[0].strategies[0].n_constraints, 5);
    free(out);
    lt_arena_dispose(&a);
}

static void test_write_details(void **state)
{
    (void)state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t d = parse_ok(&a, FULL_DOC, "development");
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_write_opts_t o = {0};

    /* a feature with no state in the environment: disabled, nothing else */
    lt_model_write_feature(&b, &d.features[1], NULL, &o);
    assert_string_equal(b.ptr, "{\"name\":\"beta\",\"type\":\"release\",\"description\":null,"
                               "\"enabled\":false,\"project\":\"default\",\"stale\":false,"
                               "\"impressionData\":false,\"strategies\":[],\"variants\":[]}");
    lt_buf_reset(&b);
    lt_model_write_feature(&b, &d.features[2], &d.features[2].envs[0], &o);
    assert_string_equal(
        b.ptr, "{\"name\":\"gamma\",\"type\":\"release\",\"description\":null,\"enabled\":true,"
               "\"project\":\"default\",\"stale\":false,\"impressionData\":false,"
               "\"strategies\":[{\"name\":\"default\",\"constraints\":[],\"parameters\":{},"
               "\"variants\":[]},{\"name\":\"remoteAddress\",\"constraints\":[],"
               "\"parameters\":{\"IPs\":\"10.0.0.0/8\"},\"variants\":[]}],\"variants\":[]}");
    lt_buf_reset(&b);
    /* dependencies: variants only with enabled parents */
    lt_dependency_t dep[2] = {{.feature = "p", .enabled = false},
                              {.feature = "q", .enabled = true}};
    const char *vs[] = {"v"};
    dep[0].variants = vs; /* ignored: a disabled parent has no variant */
    dep[0].n_variants = 1;
    dep[1].variants = vs;
    dep[1].n_variants = 1;
    lt_feature_t f = {.name = "c",
                      .type = "release",
                      .project = "default",
                      .dependencies = dep,
                      .n_dependencies = 2};
    lt_model_write_feature(&b, &f, NULL, &o);
    assert_non_null(strstr(b.ptr, "\"dependencies\":[{\"feature\":\"p\",\"enabled\":false},"
                                  "{\"feature\":\"q\",\"enabled\":true,\"variants\":[\"v\"]}]"));
    lt_buf_reset(&b);
    /* segments: id, name (empty when unnamed), constraints */
    lt_model_write_segment(&b, &d.segments[1]);
    assert_string_equal(b.ptr, "{\"id\":3,\"name\":\"seg three\",\"constraints\":["
                               "{\"contextName\":\"region\",\"operator\":\"IN\","
                               "\"values\":[\"eu\",\"us\"],\"inverted\":false,"
                               "\"caseInsensitive\":false}]}");
    lt_buf_reset(&b);
    lt_segment_t anon = {.id = 9};
    lt_model_write_segment(&b, &anon);
    assert_string_equal(b.ptr, "{\"id\":9,\"name\":\"\",\"constraints\":[]}");
    lt_buf_reset(&b);
    /* a constraint with neither values nor value still shows "values":[] */
    lt_constraint_t bare = {.context_name = "x", .op = "IN"};
    lt_model_write_constraints(&b, &bare, 1);
    assert_string_equal(b.ptr, "[{\"contextName\":\"x\",\"operator\":\"IN\",\"values\":[],"
                               "\"inverted\":false,\"caseInsensitive\":false}]");
    lt_buf_reset(&b);
    /* variants default weightType and stickiness; overrides only when asked */
    lt_model_write_variants(&b, d.features[0].envs[0].variants, 1, false);
    assert_null(strstr(b.ptr, "overrides"));
    lt_buf_reset(&b);
    lt_variant_t plain = {.name = "n", .weight = 5};
    lt_model_write_variants(&b, &plain, 1, true);
    assert_string_equal(b.ptr, "[{\"name\":\"n\",\"weight\":5,\"weightType\":\"variable\","
                               "\"stickiness\":\"default\"}]");
    lt_buf_dispose(&b);
    lt_arena_dispose(&a);
}

static void test_strategies_sort(void **state)
{
    (void)state;
    lt_strategy_t s[5] = {
        {.id = "b", .name = "1", .sort_order = 2}, {.id = NULL, .name = "2", .sort_order = 1},
        {.id = "a", .name = "3", .sort_order = 2}, {.id = NULL, .name = "4", .sort_order = 1},
        {.id = "z", .name = "5", .sort_order = 0},
    };
    lt_strategies_sort(s, 5);
    const char *want[] = {"5", "2", "4", "3", "1"}; /* stable for equal (order, id) */
    for (int i = 0; i < 5; i++)
        assert_string_equal(s[i].name, want[i]);
}

/* ---- Edge bootstrap map ---- */

static void test_bootstrap_map(void **state)
{
    (void)state;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t d =
        parse_ok(&a,
                 "{\"flagA\":{\"enabled\":true,\"variant\":\"blue\"},\"flagB\":{\"enabled\":false},"
                 "\"flagC\":{}}",
                 "production");
    assert_int_equal(d.n_features, 3);
    assert_int_equal(d.n_segments, 0);
    const lt_feature_t *f = &d.features[0];
    assert_string_equal(f->name, "flagA");
    assert_string_equal(f->type, "release");
    assert_string_equal(f->project, "default");
    assert_int_equal(f->n_envs, 1);
    assert_string_equal(f->envs[0].environment, "production");
    assert_true(f->envs[0].enabled);
    assert_int_equal(f->envs[0].n_strategies, 1);
    assert_string_equal(f->envs[0].strategies[0].name, "default");
    assert_int_equal(f->envs[0].n_variants, 1);
    assert_string_equal(f->envs[0].variants[0].name, "blue");
    assert_int_equal(f->envs[0].variants[0].weight, 1000);
    assert_string_equal(f->envs[0].variants[0].weight_type, "fix");
    f = &d.features[1];
    assert_string_equal(f->name, "flagB");
    assert_false(f->envs[0].enabled);
    assert_int_equal(f->envs[0].n_variants, 0);
    assert_false(d.features[2].envs[0].enabled);
    /* and it writes as an ordinary client feature */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_write_opts_t o = {0};
    lt_model_write_feature(&b, &d.features[0], &d.features[0].envs[0], &o);
    assert_non_null(strstr(b.ptr, "\"strategies\":[{\"name\":\"default\""));
    assert_non_null(strstr(b.ptr, "\"variants\":[{\"name\":\"blue\",\"weight\":1000,"
                                  "\"weightType\":\"fix\""));
    lt_buf_dispose(&b);
    /* an empty map is an empty document */
    d = parse_ok(&a, "{}", "production");
    assert_int_equal(d.n_features, 0);
    lt_arena_dispose(&a);
}

/* ---- errors ---- */

static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("", NULL);
    expect_parse_error("{", NULL);
    expect_parse_error("{\"features\":[]", NULL);
    expect_parse_error("[]", NULL); /* not an object */
    expect_parse_error("42", NULL);
    expect_parse_error("\"features\"", NULL);
    expect_parse_error("{\"features\":{}}", NULL); /* features not a list */
    expect_parse_error("{\"features\":\"x\"}", NULL);
    expect_parse_error("{\"features\":[{\"enabled\":true}]}", NULL); /* feature without name */
    expect_parse_error("{\"features\":[{\"name\":\"\"}]}", NULL);
    expect_parse_error("{\"features\":[{\"name\":7}]}", NULL);
    expect_parse_error("{\"features\":[42]}", NULL);
    /* constraint without operator (or contextName) */
    expect_parse_error("{\"features\":[{\"name\":\"f1\",\"strategies\":[{\"name\":\"default\","
                       "\"constraints\":[{\"contextName\":\"a\",\"values\":[]}]}]}]}",
                       "f1");
    expect_parse_error("{\"features\":[{\"name\":\"f1\",\"strategies\":[{\"name\":\"default\","
                       "\"constraints\":[{\"operator\":\"IN\",\"values\":[]}]}]}]}",
                       "f1");
    expect_parse_error("{\"features\":[{\"name\":\"f1\",\"strategies\":[{\"name\":\"default\","
                       "\"constraints\":[{\"contextName\":\"a\",\"operator\":\"IN\","
                       "\"values\":[{}]}]}]}]}",
                       "f1");
    expect_parse_error("{\"features\":[{\"name\":\"f1\",\"strategies\":[{\"name\":\"default\","
                       "\"constraints\":{}}]}]}",
                       "f1");
    /* weight out of range, or not a number */
    expect_parse_error("{\"features\":[{\"name\":\"f2\",\"variants\":[{\"name\":\"v\","
                       "\"weight\":1001}]}]}",
                       "f2");
    expect_parse_error("{\"features\":[{\"name\":\"f2\",\"variants\":[{\"name\":\"v\","
                       "\"weight\":-1}]}]}",
                       "f2");
    expect_parse_error("{\"features\":[{\"name\":\"f2\",\"variants\":[{\"name\":\"v\","
                       "\"weight\":\"500\"}]}]}",
                       "f2");
    expect_parse_error("{\"features\":[{\"name\":\"f2\",\"strategies\":[{\"name\":\"default\","
                       "\"variants\":[{\"name\":\"v\",\"weight\":2000}]}]}]}",
                       "f2");
    expect_parse_error("{\"features\":[{\"name\":\"f2\",\"variants\":[{\"weight\":1}]}]}", "f2");
    expect_parse_error("{\"features\":[{\"name\":\"f2\",\"variants\":[{\"name\":\"v\","
                       "\"payload\":{\"value\":\"x\"}}]}]}",
                       "f2");
    expect_parse_error("{\"features\":[{\"name\":\"f2\",\"variants\":[{\"name\":\"v\","
                       "\"payload\":\"x\"}]}]}",
                       "f2");
    expect_parse_error("{\"features\":[{\"name\":\"f2\",\"variants\":[{\"name\":\"v\","
                       "\"overrides\":[{\"values\":[\"a\"]}]}]}]}",
                       "f2");
    /* other shapes */
    expect_parse_error("{\"features\":[{\"name\":\"f3\",\"strategies\":{}}]}", "f3");
    expect_parse_error("{\"features\":[{\"name\":\"f3\",\"strategies\":[{\"parameters\":{}}]}]}",
                       "f3");
    expect_parse_error("{\"features\":[{\"name\":\"f3\",\"strategies\":[{\"name\":\"d\","
                       "\"parameters\":[]}]}]}",
                       "f3");
    expect_parse_error("{\"features\":[{\"name\":\"f3\",\"strategies\":[{\"name\":\"d\","
                       "\"parameters\":{\"a\":{}}}]}]}",
                       "f3");
    expect_parse_error("{\"features\":[{\"name\":\"f3\",\"strategies\":[{\"name\":\"d\","
                       "\"segments\":[1.5]}]}]}",
                       "f3");
    expect_parse_error("{\"features\":[{\"name\":\"f3\",\"dependencies\":[{\"enabled\":true}]}]}",
                       "f3");
    expect_parse_error("{\"features\":[{\"name\":\"f3\",\"dependencies\":{}}]}", "f3");
    /* segments: duplicate ids, bad ids, not a list */
    expect_parse_error("{\"features\":[],\"segments\":[{\"id\":1,\"name\":\"a\"},"
                       "{\"id\":2},{\"id\":1,\"name\":\"b\"}]}",
                       NULL);
    expect_parse_error("{\"features\":[],\"segments\":[{\"id\":0}]}", NULL);
    expect_parse_error("{\"features\":[],\"segments\":[{\"id\":\"1\"}]}", NULL);
    expect_parse_error("{\"features\":[],\"segments\":[{\"name\":\"x\"}]}", NULL);
    expect_parse_error("{\"features\":[],\"segments\":{}}", NULL);
    expect_parse_error("{\"features\":[],\"segments\":[{\"id\":1,\"constraints\":[{}]}]}", NULL);
    /* a bootstrap map entry that is not an object */
    expect_parse_error("{\"flagA\":true}", NULL);
}

/* ---- JSON string escaping ---- */

static char *json_of(const char *s, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_json_str(&b, s, n);
    return lt_buf_take(&b, NULL);
}

static void expect_json(const char *in, size_t n, const char *want)
{
    char *got = json_of(in, n);
    assert_string_equal(got, want);
    /* and it is valid JSON that cJSON reads back */
    cJSON *j = cJSON_Parse(got);
    assert_non_null(j);
    assert_true(cJSON_IsString(j));
    cJSON_Delete(j);
    free(got);
}

static void test_json_str_escaping(void **state)
{
    (void)state;
    expect_json("", 0, "\"\"");
    expect_json("plain text", 10, "\"plain text\"");
    expect_json("a\"b\\c", 5, "\"a\\\"b\\\\c\"");
    expect_json("\n\r\t", 3, "\"\\n\\r\\t\"");
    expect_json("\x01\x1f\b\f", 4, "\"\\u0001\\u001f\\u0008\\u000c\"");
    expect_json("a\0b", 3, "\"a\\u0000b\"");
    expect_json("/\x7f", 2, "\"/\x7f\"");
    /* valid UTF-8 of each length is kept as is */
    expect_json("\xc3\xa9", 2, "\"\xc3\xa9\"");
    expect_json("\xe2\x82\xac", 3, "\"\xe2\x82\xac\"");
    expect_json("\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\"");
    expect_json("\xef\xbf\xbd", 3, "\"\xef\xbf\xbd\"");
    expect_json("\xf4\x8f\xbf\xbf", 4, "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF */
    /* invalid bytes each become U+FFFD */
#define R "\xef\xbf\xbd"
    expect_json("\x80", 1, "\"" R "\"");
    expect_json("a\xffz", 3, "\"a" R "z\"");
    expect_json("\xc0\xaf", 2, "\"" R R "\"");             /* overlong '/' */
    expect_json("\xe0\x80\xaf", 3, "\"" R R R "\"");       /* overlong, 3 bytes */
    expect_json("\xed\xa0\x80", 3, "\"" R R R "\"");       /* UTF-16 surrogate */
    expect_json("\xf4\x90\x80\x80", 4, "\"" R R R R "\""); /* above U+10FFFF */
    expect_json("\xf5\x80", 2, "\"" R R "\"");
    expect_json("\xe2\x82", 2, "\"" R R "\""); /* truncated at the end */
    expect_json("\xe2\x82x", 3, "\"" R R "x\"");
    expect_json("\xc3\xa9\xc3", 3, "\"\xc3\xa9" R "\"");
#undef R
    /* the length bounds what is read */
    expect_json("abc\"def", 3, "\"abc\"");
    /* helpers around it */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_json_cstr_or_null(&b, NULL);
    lt_buf_putc(&b, ' ');
    lt_json_cstr_or_null(&b, "x");
    assert_string_equal(b.ptr, "null \"x\"");
    lt_buf_reset(&b);
    bool first = true;
    lt_buf_putc(&b, '{');
    lt_json_key(&b, &first, "a");
    lt_json_i64(&b, INT64_MIN);
    lt_json_key(&b, &first, "b\"");
    lt_json_bool(&b, false);
    lt_buf_putc(&b, '}');
    assert_false(first);
    assert_string_equal(b.ptr, "{\"a\":-9223372036854775808,\"b\\\"\":false}");
    lt_buf_dispose(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_every_field),
        cmocka_unit_test(test_round_trip_export),
        cmocka_unit_test(test_round_trip_client_view),
        cmocka_unit_test(test_round_trip_inline_segments),
        cmocka_unit_test(test_write_details),
        cmocka_unit_test(test_strategies_sort),
        cmocka_unit_test(test_bootstrap_map),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_json_str_escaping),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
