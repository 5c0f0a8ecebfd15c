/*
 * fuzz_client_query.c: the query collector of GET /api/client/features (project, namePrefix,
 * tag filters; src/api/client.c) and the Unleash-Client-Spec header, through the real handler
 * over the fixture snapshot (fuzz.h), with the memo it builds. Input: the query string, then
 * after a '\n' the Unleash-Client-Spec value (absent without a '\n').
 */
#include <stdlib.h>

#include "../src/api/api.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned runs;
    fz_fixture(++runs % 2048 == 0); /* a fresh snapshot now and then: memos are per snapshot */
    fz_request_t rq = {.method = LT_GET, .path = "/api/client/features",
                       .authorization = FZ_CLIENT_TOKEN};
    const char *spec;
    size_t spec_len;
    fz_split(data, size, '\n', &rq.query, &rq.query_len, &spec, &spec_len);
    if (memchr(data, '\n', size)) {
        rq.client_spec = spec;
        rq.client_spec_len = spec_len;
    }
    fz_run(lt_api_client_features, NULL, &rq);
    return 0;
}
