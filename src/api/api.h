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
/* Record a metrics body (a cJSON object: appName, instanceId, bucket) for env, shared by the
 * client and front-end metrics endpoints. LT_OK, or LT_EINVAL when the body is not metrics. */
struct cJSON;
int lt_api_record_metrics(const struct cJSON *j, const char *env, const char *sdk_type);

/* health.c */
void lt_api_health(lt_req_t *r, const lt_params_t *p);
void lt_api_ready(lt_req_t *r, const lt_params_t *p);
void lt_api_prometheus(lt_req_t *r, const lt_params_t *p);

/*
 * Route tables, one per admin resource file in admin/, each ending with a {0} entry and
 * every route declaring who may call it (route.h):
 *   login.c   login, logout, the current user     users.c   users
 *   roles.c   roles, permissions, project role bindings      pats.c  personal access tokens
 *   tokens.c  API tokens, /edge/validate          events.c   the event log
 *   projects.c, environments.c                    features.c flags, staleness, on/off, clone
 *   strategies.c, variants.c, tags.c, archive.c   the pieces of a flag, and the archive
 *   segments.c, dependencies.c, strategy_defs.c,
 *   context.c, tag_types.c, applications.c (applications and flag usage)
 */
extern const lt_route_t lt_routes_admin_login[];
extern const lt_route_t lt_routes_admin_pats[];
extern const lt_route_t lt_routes_admin_service_accounts[]; /* service_accounts.c */
extern const lt_route_t lt_routes_admin_users[];
extern const lt_route_t lt_routes_admin_roles[];
extern const lt_route_t lt_routes_admin_tokens[];
extern const lt_route_t lt_routes_admin_events[];
extern const lt_route_t lt_routes_admin_projects[];
extern const lt_route_t lt_routes_admin_environments[];
extern const lt_route_t lt_routes_admin_features[];
extern const lt_route_t lt_routes_admin_strategies[];
extern const lt_route_t lt_routes_admin_variants[];
extern const lt_route_t lt_routes_admin_tags[];
extern const lt_route_t lt_routes_admin_archive[];
extern const lt_route_t lt_routes_admin_segments[];
extern const lt_route_t lt_routes_admin_dependencies[];
extern const lt_route_t lt_routes_admin_strategy_defs[];
extern const lt_route_t lt_routes_admin_context[];
extern const lt_route_t lt_routes_admin_tag_types[];
extern const lt_route_t lt_routes_admin_applications[];

/* routes.c: the whole route table of `latch serve` (built once, never freed). */
const lt_route_t *lt_serve_routes(size_t *n);
/* the routes of `latch offline` */
extern const lt_route_t lt_offline_routes[];
extern const size_t lt_offline_n_routes;

#endif
