/*
 * frontend.h: evaluated flags for browsers and phones: the front-end API (/api/frontend) and
 * the Unleash Proxy endpoints (/proxy, on `latch offline`), with CORS. Configured once at
 * start, before the HTTP server runs.
 */
#ifndef LT_FRONTEND_H
#define LT_FRONTEND_H

#include "../eval/eval.h"
#include "../http/http.h"
#include "guard.h"

typedef struct {
    /* CORS origins allowed on the front-end endpoints; none or "*" = any */
    const char *const *origins;
    size_t n_origins;
    /* peers whose X-Forwarded-For is believed (exact addresses) */
    const char *const *trusted_proxies;
    size_t n_trusted;
    /* `latch offline`: take environment and appName from the request's context */
    bool context_env_from_request;
    /* `latch offline`: proxy client keys, and the header that carries them */
    const char *const *client_keys;
    size_t n_client_keys;
    const char *client_key_header;
    /* `latch edge`: decides client keys and the scope each grants instead of the list */
    lt_guard_lookup_fn client_key;
    /* `latch edge`: whether some cached front-end token allows an origin (for preflights; the
     * snapshot's own list of token origins is used besides) */
    bool (*origin_known)(lt_str_t origin);
} lt_frontend_config_t;

/* Set the configuration (the pointers must stay valid while the server runs). */
void lt_frontend_configure(const lt_frontend_config_t *cfg);
/* The configuration set last (static; zeroed before lt_frontend_configure). */
const lt_frontend_config_t *lt_frontend_config(void);
/* The HTTP pre-routing hook: CORS preflight and headers on front-end paths. An origin outside
 * the server's list gets headers on a preflight when some front-end token allows it, and on
 * another request only when its token does (lt_frontend_cors_token). */
bool lt_frontend_pre(lt_req_t *r);
/* The CORS headers for the request's Origin when t (authenticated, may be NULL) allows it and
 * the server's list does not (the pre-hook answered those already). */
void lt_frontend_cors_token(lt_req_t *r, const lt_token_t *t);

/*
 * A context as the front-end API builds it, from a JSON context object (NULL: none) read in
 * the request's arena: top-level fields, `properties`, other keys as properties; then the
 * environment env, the client's address and a session id when absent. LT_OK, or LT_ELIMIT
 * for too many properties. For OFREP (ofrep.c).
 */
struct cJSON;
int lt_frontend_context_json(lt_req_t *r, const struct cJSON *json, const char *env,
                             lt_context_t *out);
/* The scope of a configured proxy client key (`latch offline`) equal to presented, or NULL. */
const lt_token_t *lt_frontend_client_key(lt_str_t presented);
/* Is digest the token digest of a configured proxy client key? */
bool lt_frontend_client_key_digest(const uint8_t digest[32]);

void lt_api_frontend(lt_req_t *r, const lt_params_t *p);
void lt_api_frontend_feature(lt_req_t *r, const lt_params_t *p);
void lt_api_frontend_metrics(lt_req_t *r, const lt_params_t *p);
void lt_api_frontend_register(lt_req_t *r, const lt_params_t *p);
void lt_api_frontend_unsupported(lt_req_t *r, const lt_params_t *p);
void lt_api_proxy(lt_req_t *r, const lt_params_t *p);
void lt_api_proxy_all(lt_req_t *r, const lt_params_t *p);
void lt_api_proxy_metrics(lt_req_t *r, const lt_params_t *p);
void lt_api_proxy_register(lt_req_t *r, const lt_params_t *p);
void lt_api_proxy_health(lt_req_t *r, const lt_params_t *p);

#endif
