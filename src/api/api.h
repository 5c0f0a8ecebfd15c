/*
 * api.h: the HTTP handlers of latch, one file per API group (client.c, health.c, ...), and
 * the route table of `latch serve` that ties paths to them (routes.c).
 */
#ifndef LT_API_H
#define LT_API_H

#include "../http/http.h"

/* client.c: the client API for server-side SDKs (UNLEASH-API.md §3) */
void lt_api_client_features(lt_req_t *r, const lt_params_t *p);
void lt_api_client_feature(lt_req_t *r, const lt_params_t *p);
void lt_api_client_register(lt_req_t *r, const lt_params_t *p);
void lt_api_client_metrics(lt_req_t *r, const lt_params_t *p);
void lt_api_client_metrics_bulk(lt_req_t *r, const lt_params_t *p);
void lt_api_client_accepted(lt_req_t *r, const lt_params_t *p);

/* health.c */
void lt_api_health(lt_req_t *r, const lt_params_t *p);
void lt_api_ready(lt_req_t *r, const lt_params_t *p);
void lt_api_prometheus(lt_req_t *r, const lt_params_t *p);

/* routes.c: the routes of `latch serve` */
extern const lt_route_t lt_serve_routes[];
extern const size_t lt_serve_n_routes;
/* the routes of `latch offline` */
extern const lt_route_t lt_offline_routes[];
extern const size_t lt_offline_n_routes;

#endif
