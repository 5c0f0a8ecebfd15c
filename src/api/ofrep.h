/*
 * ofrep.h: OpenFeature's Remote Evaluation Protocol beside Unleash's API (docs/OFREP.md):
 * single-flag evaluation for client tokens, bulk evaluation (ETag, 304) for front-end tokens
 * and proxy client keys, and an SSE endpoint telling providers to re-fetch. The route table
 * mounts on any server: `latch serve`, `latch offline`, `latch edge`.
 */
#ifndef LT_OFREP_H
#define LT_OFREP_H

#include "../http/http.h"

/* POST /ofrep/v1/evaluate/flags/:key, POST /ofrep/v1/evaluate/flags, GET /ofrep/v1/events;
 * ends with {0}. The events stream needs lt_stream_start (client_stream.h). */
extern const lt_route_t lt_routes_ofrep[];

void lt_api_ofrep_evaluate(lt_req_t *r, const lt_params_t *p);
void lt_api_ofrep_bulk(lt_req_t *r, const lt_params_t *p);
void lt_api_ofrep_events(lt_req_t *r, const lt_params_t *p);

#endif
