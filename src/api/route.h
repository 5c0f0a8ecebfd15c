/*
 * route.h: what a route of the api layer declares beside its path (lt_route_t.decl, opaque to
 * the router): who may call it (public, any admin principal, a permission in a scope, or a
 * named authorizer), and the body it takes. The admin routes' guard (admin/admin.c) acts on
 * it before the handler runs; tests/unit/test_routes.c reads it to find undeclared routes.
 */
#ifndef LT_API_ROUTE_H
#define LT_API_ROUTE_H

#include <cjson/cJSON.h>

#include "../auth/access.h"
#include "../http/http.h"

/* ---------- route declarations ---------- */

/* Who may call a route. Zero is "undeclared": dispatch then asks for ADMIN (fails closed) and
 * tests/unit/test_routes.c fails. */
typedef enum {
    LT_ADM_UNDECLARED = 0,
    LT_ADM_PUBLIC,        /* no admin principal: login, /edge/validate, client/front-end APIs */
    LT_ADM_AUTHENTICATED, /* any admin principal, no particular permission */
    LT_ADM_PERMISSION,    /* decl->perm in the declared scope */
    LT_ADM_AUTHORIZER,    /* decl->authorize decides (the permission depends on body or entity) */
} lt_adm_access_t;

/* The body a route takes, parsed before the handler runs (415/400 otherwise). */
typedef enum {
    LT_ADM_NO_BODY = 0,
    LT_ADM_OBJECT = cJSON_Object,
    LT_ADM_ARRAY = cJSON_Array
} lt_adm_body_t;

typedef struct lt_adm_decl lt_adm_decl_t;

/* What dispatch hands an admin handler (lt_adm_ctx), in the request arena. */
typedef struct {
    lt_principal_t who; /* zeroed on public routes */
    const lt_params_t *params;
    cJSON *body; /* the declared body (NULL when none); freed when the request ends */
    const lt_adm_decl_t *decl;
} lt_adm_ctx_t;

/* A route-specific authorization: true to go on, or false after replying (403, or a 404 that
 * Unleash decides first). It may parse the body early with lt_adm_parse_body. */
typedef bool (*lt_adm_authorize_fn)(lt_req_t *r, lt_adm_ctx_t *c);

struct lt_adm_decl {
    lt_adm_access_t access;
    const char *perm; /* LT_ADM_PERMISSION */
    /* the scope of perm: the path parameters naming it (NULL: none) */
    const char *project; /* the project */
    const char *feature; /* a flag whose project is the scope when there is no project
                          * parameter ("default" when the flag does not exist) */
    const char *env;     /* the environment */
    lt_adm_body_t body;
    lt_adm_authorize_fn authorize; /* LT_ADM_AUTHORIZER */
    int op;                        /* handed to the handler: one handler serving several routes */
};

/* The guard of every admin route (admin/admin.c). */
bool lt__adm_guard(lt_req_t *r, const lt_route_t *rt, const lt_params_t *p);

/* One route of an admin table: methods, pattern, handler, then the declaration's fields. */
#define LT_ADM_ROUTE(methods, pattern, fn, ...)                                                    \
    {                                                                                              \
        (methods), (pattern), (fn), NULL, lt__adm_guard, &(const lt_adm_decl_t)                    \
        {                                                                                          \
            __VA_ARGS__                                                                            \
        }                                                                                          \
    }
/* Declaration shorthands. */
#define LT_PUBLIC .access = LT_ADM_PUBLIC
#define LT_AUTHENTICATED .access = LT_ADM_AUTHENTICATED
#define LT_PERM(p) .access = LT_ADM_PERMISSION, .perm = (p)
#define LT_AUTHORIZE(fn) .access = LT_ADM_AUTHORIZER, .authorize = (fn)
#define LT_IN_PROJECT .project = "projectId"
#define LT_IN_ENV .env = "environment"
#define LT_JSON_OBJECT .body = LT_ADM_OBJECT
#define LT_JSON_ARRAY .body = LT_ADM_ARRAY

/* The declaration of a public route that authenticates itself (client and front-end APIs with
 * their own tokens, health): no guard runs. */
extern const lt_adm_decl_t lt_api_public;
#define LT_API_ROUTE(methods, pattern, fn)                                                         \
    {                                                                                              \
        (methods), (pattern), (fn), NULL, NULL, &lt_api_public                                     \
    }

#endif
