/*
 * routes.c: every path `latch serve` answers, in one table. The router (http/server.c) tries
 * them in order; a path that matches with another method gets 405, no match gets 404.
 */
#include "api.h"
#include "frontend.h"

static const lt_route_t core_routes[] = {
    {LT_GET, "/api/client/features", lt_api_client_features, NULL},
    {LT_GET, "/api/client/features/:name", lt_api_client_feature, NULL},
    {LT_POST, "/api/client/register", lt_api_client_register, NULL},
    {LT_POST, "/api/client/metrics", lt_api_client_metrics, NULL},
    {LT_POST, "/api/client/metrics/bulk", lt_api_client_metrics_bulk, NULL},
    {LT_POST, "/api/client/metrics/edge", lt_api_client_accepted, NULL},
    {LT_GET | LT_POST, "/api/frontend", lt_api_frontend, NULL},
    {LT_POST, "/api/frontend/client/metrics", lt_api_frontend_metrics, NULL},
    {LT_POST, "/api/frontend/client/register", lt_api_frontend_register, NULL},
    {LT_GET, "/api/frontend/client/features", lt_api_frontend_unsupported, NULL},
    {LT_GET, "/api/frontend/health", lt_api_frontend_unsupported, NULL},
    {LT_GET, "/api/frontend/internal-backstage/prometheus", lt_api_frontend_unsupported, NULL},
    {LT_GET | LT_POST, "/api/frontend/features/:name", lt_api_frontend_feature, NULL},
    {LT_GET, "/health", lt_api_health, NULL},
    {LT_GET, "/ready", lt_api_ready, NULL},
    {LT_GET, "/internal-backstage/prometheus", lt_api_prometheus, NULL},
    {0, NULL, NULL, NULL},
};

const lt_route_t *lt_serve_routes(size_t *n)
{
    static const lt_route_t *const sets[] = {
        core_routes,           lt_routes_admin_access,   lt_routes_admin_tokens,
        lt_routes_admin_events, lt_routes_admin_projects, lt_routes_admin_features,
        lt_routes_admin_config,
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
    {LT_GET, "/api/client/features", lt_api_client_features, NULL},
    {LT_GET, "/api/client/features/:name", lt_api_client_feature, NULL},
    {LT_POST, "/api/client/register", lt_api_client_accepted, NULL},
    {LT_POST, "/api/client/metrics", lt_api_client_accepted, NULL},
    {LT_POST, "/api/client/metrics/bulk", lt_api_client_accepted, NULL},
    {LT_GET | LT_POST, "/api/frontend", lt_api_frontend, NULL},
    {LT_POST, "/api/frontend/client/metrics", lt_api_frontend_metrics, NULL},
    {LT_POST, "/api/frontend/client/register", lt_api_frontend_register, NULL},
    {LT_GET | LT_POST, "/api/frontend/features/:name", lt_api_frontend_feature, NULL},
    {LT_GET | LT_POST, "/proxy", lt_api_proxy, NULL},
    {LT_GET | LT_POST, "/proxy/all", lt_api_proxy_all, NULL},
    {LT_POST, "/proxy/client/metrics", lt_api_proxy_metrics, NULL},
    {LT_POST, "/proxy/all/client/metrics", lt_api_proxy_metrics, NULL},
    {LT_POST, "/proxy/client/register", lt_api_proxy_register, NULL},
    {LT_GET, "/proxy/health", lt_api_proxy_health, NULL},
    {LT_GET, "/health", lt_api_health, NULL},
    {LT_GET, "/ready", lt_api_ready, NULL},
    {LT_GET, "/internal-backstage/prometheus", lt_api_prometheus, NULL},
};

const size_t lt_offline_n_routes = sizeof(lt_offline_routes) / sizeof(*lt_offline_routes);
