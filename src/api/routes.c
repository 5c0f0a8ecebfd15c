/*
 * routes.c: every path `latch serve` answers, in one table. The router (http/server.c) tries
 * them in order; a path that matches with another method gets 405, no match gets 404.
 */
#include "api.h"

const lt_route_t lt_serve_routes[] = {
    {LT_GET, "/api/client/features", lt_api_client_features, NULL},
    {LT_GET, "/api/client/features/:name", lt_api_client_feature, NULL},
    {LT_POST, "/api/client/register", lt_api_client_register, NULL},
    {LT_POST, "/api/client/metrics", lt_api_client_metrics, NULL},
    {LT_POST, "/api/client/metrics/bulk", lt_api_client_metrics_bulk, NULL},
    {LT_POST, "/api/client/metrics/edge", lt_api_client_accepted, NULL},
    {LT_GET, "/health", lt_api_health, NULL},
    {LT_GET, "/ready", lt_api_ready, NULL},
    {LT_GET, "/internal-backstage/prometheus", lt_api_prometheus, NULL},
};

const size_t lt_serve_n_routes = sizeof(lt_serve_routes) / sizeof(*lt_serve_routes);
