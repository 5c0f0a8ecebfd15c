/*
 * fuzz.h: what the libFuzzer targets of fuzz/ share (fuzz_req.c): a request that never saw a
 * socket, answered by the real handlers of src/api/, and a snapshot built by the real offline
 * loader from a small fixture with two known tokens. fuzz_req.c implements every function of
 * src/http/http.h, so a target linked with it never pulls src/http/server.c out of
 * liblatch.a; it checks what house rule 10 asks of every answer: exactly one reply, and a JSON
 * body that parses whenever the Content-Type says JSON (else it aborts, which libFuzzer reports
 * as a crash).
 */
#ifndef LT_FUZZ_H
#define LT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "../src/http/http.h"

/* The tokens the fixture snapshot trusts (offline, environment "default", every project). */
#define FZ_CLIENT_TOKEN "*:default.fuzz-client-token"
#define FZ_FRONTEND_TOKEN "*:default.fuzz-frontend-token"

/* Publish the fixture snapshot (once; again when republish is true, dropping its memos). */
void fz_fixture(bool republish);

/* A request to hand to one handler. */
typedef struct {
    lt_method_t method;
    const char *path;
    const char *query; /* raw, undecoded: "a=1&b=%20" (may be NULL) */
    size_t query_len;
    const char *body;
    size_t body_len;
    const char *content_type;  /* NULL: no Content-Type header */
    const char *authorization; /* NULL: none */
    const char *client_spec;   /* Unleash-Client-Spec, NULL: none */
    size_t client_spec_len;
} fz_request_t;

/* Run fn over the request as the router would (route parameters from p, may be NULL) and
 * return the status it answered. */
int fz_run(lt_handler_fn fn, const lt_params_t *p, const fz_request_t *rq);

/* Split data at the first byte sep: *a (len *na) before it, *b (len *nb) after it; without
 * one, all of it is a and b is empty. */
void fz_split(const uint8_t *data, size_t size, uint8_t sep, const char **a, size_t *na,
              const char **b, size_t *nb);

/*
 * Use a parsed client document as a server would: write every feature as the client API does
 * (the JSON must parse), compile it for evaluation and evaluate every flag for a few contexts.
 */
struct lt_client_doc_s;
void fz_use_features(const lt_feature_t *features, size_t n, const lt_segment_t *segs,
                     size_t n_segs, const char *env);

/* A NUL-terminated heap copy of data[0..size) (free it). */
char *fz_cstr(const uint8_t *data, size_t size);

#endif
