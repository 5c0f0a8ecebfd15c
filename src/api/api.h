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
/* Does the request's Accept-Encoding take gzip ("gzip;q=0" refuses it)? */
bool lt_api_accepts_gzip(lt_req_t *r);

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
 *   invite_links.c  public signup tokens (invite links) and the signups through them
 */
extern const lt_route_t lt_routes_admin_login[];
extern const lt_route_t lt_routes_admin_pats[];
extern const lt_route_t lt_routes_admin_service_accounts[]; /* service_accounts.c */
extern const lt_route_t lt_routes_admin_users[];
extern const lt_route_t lt_routes_admin_roles[];
extern const lt_route_t lt_routes_admin_tokens[];
extern const lt_route_t lt_routes_admin_events[];
extern const lt_route_t lt_routes_admin_projects[];
extern const lt_route_t lt_routes_admin_env_defaults[]; /* env_defaults.c */
extern const lt_route_t lt_routes_admin_links[];        /* links.c */
extern const lt_route_t lt_routes_admin_favorites[];    /* favorites.c */
extern const lt_route_t lt_routes_admin_lifecycle[];    /* lifecycle.c */
extern const lt_route_t lt_routes_admin_password_reset[]; /* password_reset.c */
extern const lt_route_t lt_routes_admin_ui_prompts[];   /* ui_prompts.c */
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
extern const lt_route_t lt_routes_admin_addons[]; /* admin/addons.c */
extern const lt_route_t lt_routes_admin_applications[];
/* profile.c: the current user's own password (POST /api/admin/user/change-password) */
extern const lt_route_t lt_routes_admin_profile[];
extern const lt_route_t lt_routes_admin_invite_links[];
/* ui_config.c: what Unleash's admin UI reads at start (ui-config, maintenance, telemetry,
 * instance statistics); search.c: the flag search; project_views.c: a project's overview,
 * status and flag creators. */
extern const lt_route_t lt_routes_admin_ui_config[];
extern const lt_route_t lt_routes_admin_search[];
extern const lt_route_t lt_routes_admin_project_views[];
/* playground.c: POST /api/admin/playground, every flag evaluated for one context. */
extern const lt_route_t lt_routes_admin_playground[];
/* features_batch.c: Unleash's import/export format (features-batch export, validate, import). */
extern const lt_route_t lt_routes_admin_features_batch[];
/* user_views.c: admin count, user search, access lists, inactive users. */
extern const lt_route_t lt_routes_admin_user_views[];

/* ui.c: the admin page at / and its files, embedded (ui_assets.h). lt_ui_configure sets the
 * base path the page is served under (NULL: none) before the server starts. */
extern const lt_route_t lt_routes_ui[];
void lt_ui_configure(const char *base_path);
/* The base path set by lt_ui_configure ("" when none); static. */
const char *lt_ui_base_path(void);
/* Is s a base path the page and the router take: "/" then segments of letters, digits and
 * "-._~" joined by single "/", no "." or ".." segment, no "/" at the end, 200 bytes at most? */
bool lt_ui_base_path_ok(const char *s);
void lt_ui_dispose(void);

/* routes.c: the whole route table of `latch serve` (built once, never freed). */
const lt_route_t *lt_serve_routes(size_t *n);

/* Mark the session cookie Secure on every login and logout (otherwise only on requests that
 * came over HTTPS, as lt_req_https tells). Set once before serving. */
void lt_api_set_secure_cookies(bool always);
/* Login attempts allowed per client address a minute (admin/login.c; default 10). */
void lt_admin_set_login_limit(int per_minute);
/* the routes of `latch offline` */
extern const lt_route_t lt_offline_routes[];
extern const size_t lt_offline_n_routes;
/* edge_api.c: the routes of `latch edge` */
extern const lt_route_t lt_edge_routes[];
extern const size_t lt_edge_n_routes;

#endif
