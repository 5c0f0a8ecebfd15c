/*
 * edge_api.c: the routes of `latch edge`. The client (with delta and streaming), front-end and
 * OFREP APIs are the same handlers `latch serve` runs (their tokens found through the edge's
 * cache, guard.h; the streams find theirs again there, client_stream.h), with the Unleash
 * Proxy endpoints for client keys; beside them the edge's own: /ready with the upstream's
 * state, /internal-backstage/tokens and /features (no secrets), and /edge/validate, so that
 * another edge can sit in front of this one.
 */
#include <cjson/cJSON.h>

#include "../edge/edge.h"
#include "../model/model_json.h"
#include "api.h"
#include "client_delta.h"
#include "client_stream.h"
#include "frontend.h"
#include "ofrep.h"
#include "route.h"

/* Ready once flags were loaded; the body says whether the upstream answers. A load balancer
 * keeps sending SDKs here while the upstream is away: the last state is the right answer. */
static void edge_ready(lt_req_t *r, const lt_params_t *p)
{
    lt_edge_status_t s;
    lt_edge_status(&s);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, s.have_state ? "{\"health\":\"GOOD\",\"status\":\"READY\""
                                 : "{\"health\":\"BAD\",\"status\":\"NOT_READY\"");
    lt_buf_puts(&b, ",\"upstream\":");
    lt_json_cstr(&b, s.upstream_ok ? "reachable" : "unreachable");
    lt_buf_puts(&b, ",\"servingBackup\":");
    lt_json_bool(&b, s.from_backup);
    lt_buf_puts(&b, ",\"lastSync\":");
    if (s.last_sync_ms)
        lt_json_time(&b, s.last_sync_ms);
    else
        lt_buf_puts(&b, "null");
    if (s.error[0]) {
        lt_buf_puts(&b, ",\"reason\":");
        lt_json_cstr(&b, s.error);
    }
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, s.have_state ? 200 : 503, LT_JSON_TYPE, &b);
}

static void edge_backstage_tokens(lt_req_t *r, const lt_params_t *p)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_edge_tokens_json(&b);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void edge_backstage_features(lt_req_t *r, const lt_params_t *p)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_edge_features_json(&b);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

#define MAX_VALIDATE 1000

/* POST /edge/validate for an edge in front of this one: the tokens this edge would serve. */
static void edge_validate(lt_req_t *r, const lt_params_t *p)
{
    lt_str_t body = lt_req_body(r);
    cJSON *j = lt_json_parse(body.ptr, body.len);
    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(j, "tokens");
    if (!cJSON_IsArray(tokens) || cJSON_GetArraySize(tokens) > MAX_VALIDATE) {
        cJSON_Delete(j);
        lt_reply_error(r, 400, "ValidationError", "tokens must be a list of at most %d strings.",
                       MAX_VALIDATE);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"tokens\":[");
    bool first = true;
    const cJSON *it;
    cJSON_ArrayForEach(it, tokens)
    {
        lt_token_t t;
        if (!cJSON_IsString(it) ||
            !lt_edge_token_lookup(lt_str_c(it->valuestring), lt_req_arena(r), &t))
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_buf_puts(&b, "{\"token\":");
        lt_json_cstr(&b, it->valuestring);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, lt_token_type_name(t.type));
        lt_buf_puts(&b, ",\"projects\":[");
        if (t.all_projects)
            lt_buf_puts(&b, "\"*\"");
        for (size_t i = 0; i < t.n_projects; i++) {
            if (i)
                lt_buf_putc(&b, ',');
            lt_json_cstr(&b, t.projects[i]);
        }
        lt_buf_puts(&b, "],\"environment\":");
        lt_json_cstr(&b, t.environment);
        if (t.type == LT_TOKEN_FRONTEND && t.n_origins) {
            lt_buf_puts(&b, ",\"allowedOrigins\":");
            lt_json_strings(&b, (const char *const *)t.origins, t.n_origins);
        }
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    cJSON_Delete(j);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

const lt_route_t lt_edge_routes[] = {
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
    LT_API_ROUTE(LT_POST, "/edge/validate", edge_validate),
    LT_API_ROUTE(LT_GET, "/health", lt_api_health),
    LT_API_ROUTE(LT_GET, "/ready", edge_ready),
    LT_API_ROUTE(LT_GET, "/internal-backstage/prometheus", lt_api_prometheus),
    LT_API_ROUTE(LT_GET, "/internal-backstage/tokens", edge_backstage_tokens),
    LT_API_ROUTE(LT_GET, "/internal-backstage/features", edge_backstage_features),
};

const size_t lt_edge_n_routes = sizeof(lt_edge_routes) / sizeof(*lt_edge_routes);
