/*
 * test_unleash_coverage.c: which operations of Unleash 8.2.0's OpenAPI document latch routes.
 * Reads tests/data/unleash-8.2.0-operations.tsv (method, path, tag, operationId) and the
 * "not yet routed" list of docs/COMPATIBILITY.md, walks lt_serve_routes, prints the coverage
 * per tag, and fails on an operation that is neither routed nor listed (one that stopped
 * being routed, or a new one nobody decided on), one listed although routed, and a listed
 * operation the document does not have.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/api.h"
#include "api/route.h"

#define MAX_OPS 400
#define MAX_TAGS 64

typedef struct {
    char method[8];
    char path[160];
    char tag[48];
    char op_id[64];
    bool routed, listed, matched_list;
} op_t;

typedef struct {
    char method[8];
    char path[160];
    bool used;
} listed_t;

static op_t ops[MAX_OPS];
static size_t n_ops;
static listed_t listed[MAX_OPS];
static size_t n_listed;

/* A file beside this source: tests/unit/../<rel>, from wherever the binary runs (make runs it
 * from the root, where __FILE__ is relative). */
static FILE *open_rel(const char *rel)
{
    char path[512];
    const char *slash = strrchr(__FILE__, '/');
    int dir = slash ? (int)(slash - __FILE__) : 0;
    snprintf(path, sizeof(path), "%.*s%s../../%s", dir, __FILE__, slash ? "/" : "", rel);
    FILE *f = fopen(path, "r");
    if (!f)
        print_error("cannot open %s\n", path);
    return f;
}

static unsigned method_bit(const char *m)
{
    static const struct {
        const char *name;
        unsigned bit;
    } names[] = {{"GET", LT_GET},     {"POST", LT_POST},     {"PUT", LT_PUT},
                 {"PATCH", LT_PATCH}, {"DELETE", LT_DELETE}, {"HEAD", LT_HEAD}};
    for (size_t i = 0; i < sizeof(names) / sizeof(*names); i++)
        if (strcmp(m, names[i].name) == 0)
            return names[i].bit;
    return 0;
}

/* Does a route pattern (":param" segments) answer the document's path ("{param}" segments)?
 * Segment by segment: a parameter answers a parameter, a literal the same literal; a
 * catch-all "*" (static files) answers no operation. */
static bool pattern_answers(const char *pattern, const char *path)
{
    const char *pp = pattern, *sp = path;
    while (*pp == '/' && *sp == '/') {
        pp++;
        sp++;
        size_t pn = strcspn(pp, "/"), sn = strcspn(sp, "/");
        bool pparam = pp[0] == ':', sparam = sp[0] == '{';
        if (pn == 1 && pp[0] == '*')
            return false;
        if (pparam != sparam || (!pparam && (pn != sn || memcmp(pp, sp, pn) != 0)))
            return false;
        pp += pn;
        sp += sn;
    }
    return *pp == '\0' && *sp == '\0';
}

static bool routed(const lt_route_t *all, size_t n, const op_t *o)
{
    unsigned m = method_bit(o->method);
    for (size_t i = 0; i < n; i++)
        if ((all[i].methods & m) && pattern_answers(all[i].pattern, o->path))
            return true;
    return false;
}

static void load_ops(void)
{
    FILE *f = open_rel("tests/data/unleash-8.2.0-operations.tsv");
    assert_non_null(f);
    char line[512];
    n_ops = 0;
    while (fgets(line, sizeof(line), f)) {
        if (line[0] == '#' || strncmp(line, "method\t", 7) == 0)
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        assert_true(n_ops < MAX_OPS);
        op_t *o = &ops[n_ops];
        memset(o, 0, sizeof(*o));
        if (sscanf(line, "%7[^\t]\t%159[^\t]\t%47[^\t]\t%63s", o->method, o->path, o->tag,
                   o->op_id) != 4) {
            print_error("bad operations line: %s\n", line);
            fail();
        }
        n_ops++;
    }
    fclose(f);
}

/* The list in docs/COMPATIBILITY.md: lines "- `METHOD /path`: reason" under the heading
 * "## Not routed yet". */
static void load_listed(void)
{
    FILE *f = open_rel("docs/COMPATIBILITY.md");
    assert_non_null(f);
    char line[1024];
    bool in = false;
    n_listed = 0;
    while (fgets(line, sizeof(line), f)) {
        if (strncmp(line, "## ", 3) == 0) {
            in = strncmp(line, "## Not routed yet", 17) == 0;
            continue;
        }
        if (!in || strncmp(line, "- `", 3) != 0)
            continue;
        assert_true(n_listed < MAX_OPS);
        listed_t *l = &listed[n_listed];
        memset(l, 0, sizeof(*l));
        int used = 0;
        if (sscanf(line, "- `%7s %159[^`]`%n", l->method, l->path, &used) != 2 || !used) {
            print_error("bad COMPATIBILITY.md line: %s", line);
            fail();
        }
        /* a reason after the operation */
        const char *rest = line + used;
        if (strncmp(rest, ": ", 2) != 0 || strlen(rest) < 8) {
            print_error("an operation listed without a reason: %s", line);
            fail();
        }
        n_listed++;
    }
    fclose(f);
    assert_true(n_listed > 0);
}

static void coverage(void **state)
{
    (void)state;
    load_ops();
    load_listed();
    assert_true(n_ops > 150);
    size_t n;
    const lt_route_t *all = lt_serve_routes(&n);
    size_t bad = 0, n_routed = 0;
    for (size_t i = 0; i < n_ops; i++) {
        op_t *o = &ops[i];
        o->routed = routed(all, n, o);
        n_routed += o->routed;
        for (size_t k = 0; k < n_listed; k++)
            if (strcmp(listed[k].method, o->method) == 0 && strcmp(listed[k].path, o->path) == 0) {
                o->listed = true;
                listed[k].used = true;
            }
        if (!o->routed && !o->listed) {
            print_error("not routed and not listed in docs/COMPATIBILITY.md: %s %s (%s)\n",
                        o->method, o->path, o->op_id);
            bad++;
        } else if (o->routed && o->listed) {
            print_error("routed but still listed in docs/COMPATIBILITY.md: %s %s (%s)\n", o->method,
                        o->path, o->op_id);
            bad++;
        }
    }
    for (size_t k = 0; k < n_listed; k++)
        if (!listed[k].used) {
            print_error("listed in docs/COMPATIBILITY.md but not in Unleash's document: %s %s\n",
                        listed[k].method, listed[k].path);
            bad++;
        }
    free((void *)(uintptr_t)all);

    /* the coverage per tag, in the document's order of first appearance */
    const char *tags[MAX_TAGS];
    size_t n_tags = 0;
    for (size_t i = 0; i < n_ops; i++) {
        size_t t = 0;
        while (t < n_tags && strcmp(tags[t], ops[i].tag) != 0)
            t++;
        if (t == n_tags && n_tags < MAX_TAGS)
            tags[n_tags++] = ops[i].tag;
    }
    printf("Unleash 8.2.0 operations routed: %zu of %zu\n", n_routed, n_ops);
    for (size_t t = 0; t < n_tags; t++) {
        size_t have = 0, of = 0;
        for (size_t i = 0; i < n_ops; i++)
            if (strcmp(ops[i].tag, tags[t]) == 0) {
                of++;
                have += ops[i].routed;
            }
        printf("  %-24s %3zu of %3zu\n", tags[t], have, of);
        for (size_t i = 0; i < n_ops; i++)
            if (strcmp(ops[i].tag, tags[t]) == 0 && !ops[i].routed)
                printf("      not yet: %s %s (%s)\n", ops[i].method, ops[i].path, ops[i].op_id);
    }
    assert_int_equal(bad, 0);
}

/* The matcher itself: what it must and must not take for an answer. */
static void matcher(void **state)
{
    (void)state;
    assert_true(pattern_answers("/api/admin/tags/:type/:value", "/api/admin/tags/{type}/{value}"));
    assert_false(pattern_answers("/api/admin/tags/:type", "/api/admin/tags/{type}/{value}"));
    assert_false(pattern_answers("/api/admin/user-admin/search", "/api/admin/user-admin/{id}"));
    assert_false(pattern_answers("/api/admin/user-admin/:id", "/api/admin/user-admin/search"));
    assert_false(pattern_answers("/ui/*", "/ui/{file}"));
    assert_true(pattern_answers("/health", "/health"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matcher),
        cmocka_unit_test(coverage),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
