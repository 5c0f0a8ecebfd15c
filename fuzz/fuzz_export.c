/*
 * fuzz_export.c: the latch export document as `latch import` and the admin import read it
 * (lt_export_detect, lt_export_parse). Input: the document. Checks: a document that parses
 * is written (lt_export_write), that text parses again, and writing it again gives the same
 * bytes; its flags are compiled and evaluated in every environment.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../src/model/export.h"
#include "fuzz.h"

static char *write_doc(const lt_export_doc_t *d, size_t *len)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_export_write(&b, d);
    return lt_buf_take(&b, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = malloc(size ? size : 1);
    memcpy(json, data, size);
    (void)lt_export_detect(json, size);
    lt_arena_t a;
    lt_arena_init(&a, 16 * 1024);
    lt_export_doc_t doc;
    lt_parse_err_t err;
    if (lt_export_parse(&a, json, size, &doc, &err) == LT_OK) {
        size_t n1, n2;
        char *t1 = write_doc(&doc, &n1);
        lt_export_doc_t again;
        if (lt_export_parse(&a, t1, n1, &again, &err) != LT_OK) {
            fprintf(stderr, "fuzz_export: the written document does not parse: %s\n%.*s\n",
                    err.msg, (int)n1, t1);
            abort();
        }
        char *t2 = write_doc(&again, &n2);
        if (n1 != n2 || memcmp(t1, t2, n1) != 0) {
            fprintf(stderr, "fuzz_export: not stable:\n%.*s\n----\n%.*s\n", (int)n1, t1, (int)n2,
                    t2);
            abort();
        }
        free(t1);
        free(t2);
        for (size_t i = 0; i < doc.n_envs && i < 4; i++)
            fz_use_features(doc.features, doc.n_features, doc.segments, doc.n_segments,
                            doc.envs[i].name);
    }
    lt_arena_dispose(&a);
    free(json);
    return 0;
}
