/*
 * fuzz_path.c: the path normalisation, route matching and X-Request-Id check of
 * src/http/server.c, which see every request line. The file is included whole (its helpers are
 * static), so this target links without server.o from liblatch.a. Input: a request path.
 * Checks: a normalised path starts with "/", has no empty, "." or ".." segment, no trailing
 * "/", no control character, fits its buffer, and normalising it again changes nothing.
 */
#include "../src/http/server.c"

#include <stdio.h>

static const char *const patterns[] = {
    "/api/client/features/:name", "/api/admin/projects/:projectId/features/:f/environments/:e/on",
    "/api/frontend", "/proxy/*", "/", "/api/admin/features/:a/:b/:c/:d/:e",
};

static void check(bool ok, const char *what, const char *in)
{
    if (!ok) {
        fprintf(stderr, "fuzz_path: %s for %s\n", what, in);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 4 * LT_MAX_PATH)
        return 0;
    char *in = malloc(size + 1);
    memcpy(in, data, size);
    in[size] = '\0';
    (void)request_id_ok(in);
    static lt_req_t r;
    if (normalise(in, r.path, sizeof(r.path)) == LT_OK) {
        size_t n = strlen(r.path);
        check(n < sizeof(r.path), "too long", in);
        check(r.path[0] == '/', "no leading slash", in);
        check(n == 1 || r.path[n - 1] != '/', "a trailing slash", in);
        check(!strstr(r.path, "//"), "an empty segment", in);
        check(!strstr(r.path, "/./") && !strstr(r.path, "/../"), "a dot segment", in);
        check(strcmp(r.path + (n >= 2 ? n - 2 : 0), "/.") != 0 &&
                  strcmp(r.path + (n >= 3 ? n - 3 : 0), "/..") != 0,
              "a final dot segment", in);
        for (size_t i = 0; i < n; i++)
            check((unsigned char)r.path[i] >= 0x20 && r.path[i] != 0x7f, "a control character",
                  in);
        char again[LT_MAX_PATH];
        check(normalise(r.path, again, sizeof(again)) == LT_OK && strcmp(again, r.path) == 0,
              "not idempotent", in);
        lt_arena_init(&r.arena, 1024);
        for (size_t i = 0; i < sizeof(patterns) / sizeof(*patterns); i++) {
            lt_params_t p;
            if (match(&r, patterns[i], &p))
                for (int k = 0; k < p.n; k++)
                    check(p.value[k][0] && !strchr(p.value[k], '/'), "a bad parameter", in);
        }
        lt_arena_dispose(&r.arena);
    }
    free(in);
    return 0;
}
