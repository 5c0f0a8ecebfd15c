/*
 * test_routes.c: every route `latch serve` answers declares who may call it. Walks
 * lt_serve_routes and fails on a route under an admin-authenticated prefix (/api/admin, /auth,
 * /logout, /edge) that has no guard or declares neither a permission, an authorizer, nor
 * explicitly public or authenticated-only access; and checks a few declarations by value.
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

static const char *const admin_prefixes[] = {"/api/admin", "/auth/", "/logout", "/edge/"};

static bool under_admin_prefix(const char *pattern)
{
    for (size_t i = 0; i < sizeof(admin_prefixes) / sizeof(*admin_prefixes); i++)
        if (strncmp(pattern, admin_prefixes[i], strlen(admin_prefixes[i])) == 0)
            return true;
    return false;
}

/* A complaint about rt, or NULL when its declaration is complete. */
static const char *undeclared(const lt_route_t *rt)
{
    const lt_adm_decl_t *d = rt->decl;
    if (!d)
        return "no declaration";
    switch (d->access) {
    case LT_ADM_PUBLIC:
    case LT_ADM_AUTHENTICATED:
        break;
    case LT_ADM_PERMISSION:
        if (!d->perm || !d->perm[0])
            return "a permission route without a permission";
        break;
    case LT_ADM_AUTHORIZER:
        if (!d->authorize)
            return "an authorizer route without an authorizer";
        break;
    default:
        return "no permission, not public, not authenticated-only";
    }
    /* a scope parameter must be one of the pattern's */
    const char *scope[] = {d->project, d->feature, d->env};
    for (size_t i = 0; i < 3; i++) {
        char seg[64];
        if (!scope[i])
            continue;
        snprintf(seg, sizeof(seg), "/:%s", scope[i]);
        const char *at = strstr(rt->pattern, seg);
        if (!at || (at[strlen(seg)] != '/' && at[strlen(seg)] != '\0'))
            return "a scope parameter the pattern does not have";
    }
    if (under_admin_prefix(rt->pattern) && rt->guard != lt__adm_guard)
        return "an admin route without the admin guard";
    return NULL;
}

static const lt_route_t *find(const lt_route_t *all, size_t n, unsigned method, const char *pattern)
{
    for (size_t i = 0; i < n; i++)
        if ((all[i].methods & method) && strcmp(all[i].pattern, pattern) == 0)
            return &all[i];
    return NULL;
}

static void every_route_is_declared(void **state)
{
    (void)state;
    size_t n;
    const lt_route_t *all = lt_serve_routes(&n);
    size_t n_admin = 0, bad = 0;
    for (size_t i = 0; i < n; i++) {
        const char *why = undeclared(&all[i]);
        if (under_admin_prefix(all[i].pattern))
            n_admin++;
        if (why) {
            print_error("route %s: %s\n", all[i].pattern, why);
            bad++;
        }
    }
    free((void *)(uintptr_t)all); /* lt_serve_routes' table is the caller's */
    assert_int_equal(bad, 0);
    assert_true(n_admin > 100);
}

static void concrete_declarations(void **state)
{
    (void)state;
    size_t n;
    const lt_route_t *all = lt_serve_routes(&n);
    const lt_route_t *rt =
        find(all, n, LT_POST,
             "/api/admin/projects/:projectId/features/:featureName/environments/:environment/on");
    assert_non_null(rt);
    const lt_adm_decl_t *d = rt->decl;
    assert_int_equal(d->access, LT_ADM_PERMISSION);
    assert_string_equal(d->perm, "UPDATE_FEATURE_ENVIRONMENT");
    assert_string_equal(d->project, "projectId");
    assert_string_equal(d->env, "environment");

    rt = find(all, n, LT_PATCH,
              "/api/admin/projects/:projectId/features/:featureName/environments/:environment/"
              "variants");
    assert_non_null(rt);
    d = rt->decl;
    assert_int_equal(d->body, LT_ADM_ARRAY);
    assert_string_equal(d->perm, "UPDATE_FEATURE_ENVIRONMENT_VARIANTS");

    rt = find(all, n, LT_POST, "/api/admin/segments");
    assert_non_null(rt);
    d = rt->decl;
    assert_int_equal(d->access, LT_ADM_AUTHORIZER);
    assert_non_null(d->authorize);
    assert_int_equal(d->body, LT_ADM_OBJECT);

    rt = find(all, n, LT_GET, "/api/admin/user-admin");
    assert_non_null(rt);
    assert_string_equal(((const lt_adm_decl_t *)rt->decl)->perm, "ADMIN");

    rt = find(all, n, LT_POST, "/auth/simple/login");
    assert_non_null(rt);
    assert_int_equal(((const lt_adm_decl_t *)rt->decl)->access, LT_ADM_PUBLIC);

    rt = find(all, n, LT_GET, "/api/client/features");
    assert_non_null(rt);
    assert_null(rt->guard);
    assert_int_equal(((const lt_adm_decl_t *)rt->decl)->access, LT_ADM_PUBLIC);
    free((void *)(uintptr_t)all);
}

/* The check itself catches a route with nothing declared. */
static void an_undeclared_route_fails(void **state)
{
    (void)state;
    static const lt_adm_decl_t empty = {0};
    lt_route_t rt = {LT_GET, "/api/admin/new-thing", NULL, NULL, lt__adm_guard, &empty};
    assert_non_null(undeclared(&rt));
    rt.decl = NULL;
    assert_non_null(undeclared(&rt));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_route_is_declared),
        cmocka_unit_test(concrete_declarations),
        cmocka_unit_test(an_undeclared_route_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
