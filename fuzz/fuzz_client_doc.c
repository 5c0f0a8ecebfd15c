/*
 * fuzz_client_doc.c: the client-features document (GET /api/client/features bodies and Edge's
 * simple map), as `latch offline` and `latch import` read it (lt_model_parse_client_doc).
 * Input: the document. A document that parses is written back, compiled and evaluated
 * (fz_use_features).
 */
#include <stdlib.h>

#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = malloc(size ? size : 1);
    memcpy(json, data, size);
    lt_arena_t a;
    lt_arena_init(&a, 16 * 1024);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    if (lt_model_parse_client_doc(&a, json, size, "default", &doc, &err) == LT_OK)
        fz_use_features(doc.features, doc.n_features, doc.segments, doc.n_segments, "default");
    lt_arena_dispose(&a);
    free(json);
    return 0;
}
