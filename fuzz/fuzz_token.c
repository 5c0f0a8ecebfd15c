/*
 * fuzz_token.c: token strings as presented in Authorization and configured as INIT tokens
 * (src/auth/token.c: lt_token_parse, lt_token_display, lt_token_digest). Input: a token.
 * Checks: every part is a slice of the input, and the display prefix is NUL-terminated and
 * never shows more than the scope and 6 characters of the secret.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/auth/token.h"

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_token: %s\n", what);
        abort();
    }
}

static bool inside(lt_str_t part, const char *p, size_t n)
{
    return !part.ptr || part.len == 0 || (part.ptr >= p && part.ptr + part.len <= p + n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    memcpy(p, data, size);
    lt_str_t s = {p, size};
    lt_token_parts_t t = lt_token_parse(s);
    check(inside(t.project, p, size) && inside(t.environment, p, size) &&
              inside(t.secret, p, size),
          "a part outside the token");
    check(t.form >= LT_TOKEN_FORM_CLASSIC && t.form <= LT_TOKEN_FORM_OTHER, "a bad form");
    char display[160];
    memset(display, 'x', sizeof(display));
    lt_token_display(s, display, sizeof(display));
    check(memchr(display, '\0', sizeof(display)) != NULL, "display not terminated");
    /* the scope (at most 120 bytes), at most 6 characters of the secret (a v2 token's
     * 25-character selector is not secret), and "…" */
    size_t scope = t.secret.ptr ? (size_t)(t.secret.ptr - p) : 0;
    size_t shown = (scope > 120 ? 120 : scope) + (t.form == LT_TOKEN_FORM_V2 ? 25 : 6) + 3;
    check(strlen(display) <= shown, "display shows too much of the secret");
    uint8_t d1[32], d2[32];
    lt_token_digest(s, d1);
    lt_token_digest(s, d2);
    check(memcmp(d1, d2, 32) == 0, "digest not stable");
    free(p);
    return 0;
}
