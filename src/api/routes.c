/*
 * routes.c: every path `latch serve` answers, in one table. The router (http/server.c) tries
 * them in order; a path that matches with another method gets 405, no match gets 404.
 */
#include "api.h"
#include "frontend.h"

const lt_route_t lt_serve_routes[] = {
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
};

const size_t lt_serve_n_routes = sizeof(lt_serve_routes) / sizeof(*lt_serve_routes);

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
