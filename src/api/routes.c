/*
 * routes.c: every path `latch serve` answers, in one table. The router (http/server.c) tries
 * them in order; a path that matches with another method gets 405, no match gets 404.
 */
#include "api.h"
#include "client_delta.h"
#include "client_stream.h"
#include "frontend.h"
#include "ofrep.h"
#include "openapi.h"
#include "route.h"

const lt_adm_decl_t lt_api_public = {.access = LT_ADM_PUBLIC};

static const lt_route_t core_routes[] = {
    LT_API_ROUTE(LT_GET, "/api/client/features", lt_api_client_features),
    LT_API_ROUTE(LT_GET, "/api/client/features/:name", lt_api_client_feature),
    LT_API_ROUTE(LT_GET, "/api/client/delta", lt_api_client_delta),
    LT_API_ROUTE(LT_GET, "/api/client/streaming", lt_api_client_streaming),
    LT_API_ROUTE(LT_POST, "/api/client/register", lt_api_client_register),
    LT_API_ROUTE(LT_POST, "/api/client/metrics", lt_api_client_metrics),
    LT_API_ROUTE(LT_POST, "/api/client/metrics/bulk", lt_api_client_metrics_bulk),
    LT_API_ROUTE(LT_POST, "/api/client/metrics/edge", lt_api_client_accepted),
    LT_API_ROUTE(LT_GET | LT_POST, "/api/frontend", lt_api_frontend),
    LT_API_ROUTE(LT_POST, "/api/frontend/client/metrics", lt_api_frontend_metrics),
    LT_API_ROUTE(LT_POST, "/api/frontend/client/register", lt_api_frontend_register),
    LT_API_ROUTE(LT_GET, "/api/frontend/client/features", lt_api_frontend_unsupported),
    LT_API_ROUTE(LT_GET, "/api/frontend/health", lt_api_frontend_unsupported),
    LT_API_ROUTE(LT_GET, "/api/frontend/internal-backstage/prometheus",
                 lt_api_frontend_unsupported),
    LT_API_ROUTE(LT_GET | LT_POST, "/api/frontend/features/:name", lt_api_frontend_feature),
    LT_API_ROUTE(LT_GET, "/health", lt_api_health),
    LT_API_ROUTE(LT_GET, "/ready", lt_api_ready),
    LT_API_ROUTE(LT_GET, "/internal-backstage/prometheus", lt_api_prometheus),
    {0},
};

const lt_route_t *lt_serve_routes(size_t *n)
{
    static const lt_route_t *const sets[] = {
        core_routes,
        lt_routes_ofrep,
        lt_routes_admin_login,
        lt_routes_admin_pats,
        lt_routes_admin_user_views, /* before users: /user-admin/search is no :id */
        lt_routes_admin_password_reset, /* before users: /user-admin/reset-password too */
        lt_routes_admin_service_accounts,
        lt_routes_admin_users,
        lt_routes_admin_roles,
        lt_routes_admin_tokens,
        lt_routes_admin_events,
        lt_routes_admin_projects,
        lt_routes_admin_env_defaults,
        lt_routes_admin_environments,
        lt_routes_admin_features,
        lt_routes_admin_links,
        lt_routes_admin_favorites,
        lt_routes_admin_lifecycle,
        lt_routes_admin_ui_prompts,
        lt_routes_admin_strategies,
        lt_routes_admin_variants,
        lt_routes_admin_tags,
        lt_routes_admin_archive,
        lt_routes_admin_segments,
        lt_routes_admin_dependencies,
        lt_routes_admin_strategy_defs,
        lt_routes_admin_context,
        lt_routes_admin_tag_types,
        lt_routes_admin_addons,
        lt_routes_admin_applications,
        lt_routes_admin_profile,
        lt_routes_admin_invite_links,
        lt_routes_admin_ui_config,
        lt_routes_admin_search,
        lt_routes_admin_project_views,
        lt_routes_admin_playground,
        lt_routes_admin_features_batch,
        lt_routes_docs,
        lt_routes_ui,
    };
    size_t total = 0;
    for (size_t i = 0; i < LT_ARRAY_LEN(sets); i++)
        for (const lt_route_t *r = sets[i]; r->pattern; r++)
            total++;
    lt_route_t *all = lt_xcalloc(total, sizeof(*all));
    size_t k = 0;
    for (size_t i = 0; i < LT_ARRAY_LEN(sets); i++)
        for (const lt_route_t *r = sets[i]; r->pattern; r++)
            all[k++] = *r;
    *n = total;
    return all;
}

/* `latch offline`: the client API, the front-end API and the Unleash Proxy endpoints. */
const lt_route_t lt_offline_routes[] = {
    LT_API_ROUTE(LT_GET, "/api/client/features", lt_api_client_features),
    LT_API_ROUTE(LT_GET, "/api/client/features/:name", lt_api_client_feature),
    LT_API_ROUTE(LT_GET, "/api/client/delta", lt_api_client_delta),
    LT_API_ROUTE(LT_GET, "/api/client/streaming", lt_api_client_streaming),
    LT_API_ROUTE(LT_POST, "/api/client/register", lt_api_client_accepted),
    LT_API_ROUTE(LT_POST, "/api/client/metrics", lt_api_client_accepted),
    LT_API_ROUTE(LT_POST, "/api/client/metrics/bulk", lt_api_client_accepted),
    LT_API_ROUTE(LT_GET | LT_POST, "/api/frontend", lt_api_frontend),
    LT_API_ROUTE(LT_POST, "/api/frontend/client/metrics", lt_api_frontend_metrics),
    LT_API_ROUTE(LT_POST, "/api/frontend/client/register", lt_api_frontend_register),
    LT_API_ROUTE(LT_GET | LT_POST, "/api/frontend/features/:name", lt_api_frontend_feature),
    LT_API_ROUTE(LT_GET | LT_POST, "/proxy", lt_api_proxy),
    LT_API_ROUTE(LT_GET | LT_POST, "/proxy/all", lt_api_proxy_all),
    LT_API_ROUTE(LT_POST, "/proxy/client/metrics", lt_api_proxy_metrics),
    LT_API_ROUTE(LT_POST, "/proxy/all/client/metrics", lt_api_proxy_metrics),
    LT_API_ROUTE(LT_POST, "/proxy/client/register", lt_api_proxy_register),
    LT_API_ROUTE(LT_GET, "/proxy/health", lt_api_proxy_health),
    LT_API_ROUTE(LT_POST, "/ofrep/v1/evaluate/flags/:key", lt_api_ofrep_evaluate),
    LT_API_ROUTE(LT_POST, "/ofrep/v1/evaluate/flags", lt_api_ofrep_bulk),
    LT_API_ROUTE(LT_GET, "/ofrep/v1/events", lt_api_ofrep_events),
    LT_API_ROUTE(LT_GET, "/health", lt_api_health),
    LT_API_ROUTE(LT_GET, "/ready", lt_api_ready),
    LT_API_ROUTE(LT_GET, "/internal-backstage/prometheus", lt_api_prometheus),
};

const size_t lt_offline_n_routes = sizeof(lt_offline_routes) / sizeof(*lt_offline_routes);
