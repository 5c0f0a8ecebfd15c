/*
 * fuzz_addon.c: what an admin gives a webhook addon (src/api/addons.c): its bodyTemplate,
 * rendered over an event's context (lt_addon_render), and its url (lt_addon_url_check). The
 * first byte picks: even, a template; odd, a URL. Checks: a render either succeeds within
 * LT_ADDON_BODY_MAX or fails with a message; a URL accepted is http(s) with no space in it.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../src/api/addons.h"

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_addon: %s\n", what);
        abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static cJSON *ctx;
    if (!ctx) {
        lt_event_row_t e = {.id = 3,
                            .type = "feature-environment-enabled",
                            .created_at = 1700000000000,
                            .created_by = "admin",
                            .created_by_user_id = 1,
                            .project = "default",
                            .environment = "production",
                            .feature_name = "f1",
                            .data = "{\"name\":\"f1\",\"tags\":[{\"v\":\"a\"},{\"v\":\"b\"}],"
                                    "\"n\":1.5,\"on\":true}",
                            .pre_data = NULL};
        ctx = lt_addon_context(&e);
        check(ctx != NULL, "no context");
    }
    if (size == 0)
        return 0;
    char *s = malloc(size);
    memcpy(s, data + 1, size - 1);
    s[size - 1] = 0; /* the text ends at its first NUL, as a JSON string's would not hold one */
    if (data[0] % 2 == 0) {
        lt_buf_t b;
        lt_buf_init(&b, LT_ADDON_BODY_MAX);
        const char *err = NULL;
        int rc = lt_addon_render(&b, s, ctx, &err);
        check(rc == LT_OK ? err == NULL && b.len <= LT_ADDON_BODY_MAX : err != NULL,
              "a result without its message, or a body over the limit");
        lt_buf_dispose(&b);
    } else {
        lt_addons_set_allow_private((data[0] & 2) != 0);
        if (!lt_addon_url_check(s))
            check((strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0) &&
                      !strchr(s, ' '),
                  "a URL accepted that is not http(s)");
    }
    free(s);
    return 0;
}
