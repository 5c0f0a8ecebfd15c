/*
 * fuzz_metrics.c: usage bodies from SDKs: POST /api/client/register, /api/client/metrics,
 * /api/client/metrics/bulk, /api/frontend/client/metrics and /register, through the real
 * handlers (src/api/client.c, frontend.c) into the real aggregator (src/api/usage.c), which is
 * emptied now and then. Input: a selector byte, then the JSON body.
 */
#include <stdlib.h>

#include "../src/api/api.h"
#include "../src/api/frontend.h"
#include "../src/api/usage.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    fz_fixture(false);
    static unsigned runs;
    if (!runs)
        lt_usage_start(1 << 30, 4096); /* never flushed by its thread; bounded in keys */
    if (++runs % 512 == 0)
        lt_usage_flush(); /* no store: the batch is logged as not written, and freed */
    static const struct {
        lt_handler_fn fn;
        const char *path;
        const char *token;
    } routes[] = {
        {lt_api_client_register, "/api/client/register", FZ_CLIENT_TOKEN},
        {lt_api_client_metrics, "/api/client/metrics", FZ_CLIENT_TOKEN},
        {lt_api_client_metrics_bulk, "/api/client/metrics/bulk", FZ_CLIENT_TOKEN},
        {lt_api_frontend_metrics, "/api/frontend/client/metrics", FZ_FRONTEND_TOKEN},
        {lt_api_frontend_register, "/api/frontend/client/register", FZ_FRONTEND_TOKEN},
    };
    size_t k = data[0] % (sizeof(routes) / sizeof(*routes));
    fz_request_t rq = {.method = LT_POST, .path = routes[k].path,
                       .authorization = routes[k].token, .content_type = "application/json",
                       .body = (const char *)data + 1, .body_len = size - 1};
    fz_run(routes[k].fn, NULL, &rq);
    return 0;
}
