/*
 * fuzz_frontend.c: the front-end context, from the query string (GET /api/frontend) and from
 * the JSON body (POST /api/frontend, POST /proxy with "toggles"), through the real handlers of
 * src/api/frontend.c over the fixture snapshot (fuzz.h). Input: a selector byte (which
 * endpoint), then the query string (GET) or the body (POST).
 */
#include <stdlib.h>

#include "../src/api/frontend.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz_fixture(false);
    static bool configured;
    if (!configured) {
        static const char *const proxies[] = {"127.0.0.1"};
        static const char *const keys[] = {"fuzz-proxy-key"};
        lt_frontend_config_t cfg = {.trusted_proxies = proxies, .n_trusted = 1,
                                    .client_keys = keys, .n_client_keys = 1,
                                    .client_key_header = "Authorization"};
        lt_frontend_configure(&cfg);
        configured = true;
    }
    uint8_t sel = data[0];
    fz_request_t rq = {.authorization = FZ_FRONTEND_TOKEN, .content_type = "application/json"};
    const char *in = (const char *)data + 1;
    size_t n = size - 1;
    lt_handler_fn fn = lt_api_frontend;
    lt_params_t p = {0};
    switch (sel % 4) {
    case 0: /* GET /api/frontend?userId=...&properties[x]=... */
        rq.method = LT_GET;
        rq.path = "/api/frontend";
        rq.query = in;
        rq.query_len = n;
        break;
    case 1: /* POST /api/frontend {"context":{...}} */
        rq.method = LT_POST;
        rq.path = "/api/frontend";
        rq.body = in;
        rq.body_len = n;
        break;
    case 2: /* POST /proxy {"context":{...},"toggles":[...]} with a proxy client key */
        rq.method = LT_POST;
        rq.path = "/proxy";
        rq.body = in;
        rq.body_len = n;
        rq.authorization = "fuzz-proxy-key";
        fn = lt_api_proxy;
        break;
    default: /* GET /api/frontend/features/:name?query, a flag on for everyone or not */
        rq.method = LT_GET;
        rq.path = "/api/frontend/features/:featureName";
        rq.query = in;
        rq.query_len = n;
        p.n = 1;
        p.name[0] = "featureName";
        p.value[0] = sel & 4 ? "new-navigation" : "beta-checkout";
        fn = lt_api_frontend_feature;
        break;
    }
    fz_run(fn, &p, &rq);
    return 0;
}
