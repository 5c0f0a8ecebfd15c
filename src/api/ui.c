/*
 * ui.c: the admin page. GET / and the page's own routes (/login, /projects/..., /admin/...,
 * /profile) answer index.html, whose {{BASE}} marks are replaced by the base path once at start;
 * GET /ui/<file> answers the embedded files of ui/ (ui_assets.h). Every answer carries a strict
 * Content-Security-Policy (scripts, styles and requests from this origin only, no inline
 * script or style), an ETag (If-None-Match: 304) and the gzip copy when the client takes it.
 * The page talks to the admin API like any client, with the session cookie.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../base/gzip.h"
#include "../base/util.h"
#include "api.h"
#include "route.h"
#include "ui_assets.h"

#define CSP                                                                                        \
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "              \
    "connect-src 'self'; font-src 'self'; manifest-src 'self'; base-uri 'self'; "                  \
    "form-action 'self'; frame-ancestors 'none'"

#define BASE_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~/"

bool lt_ui_base_path_ok(const char *s)
{
    if (!s || s[0] != '/' || strlen(s) > 200)
        return false;
    for (const char *seg = s + 1;;) {
        size_t n = strcspn(seg, "/");
        if (n == 0 || strspn(seg, BASE_CHARS) < n || (n == 1 && seg[0] == '.') ||
            (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (!seg[n])
            return true;
        seg += n + 1;
    }
}

/* index.html with the base path written in, built by lt_ui_configure. */
static struct {
    char *body, *gz;
    size_t len, gz_len;
    char etag[24], gz_etag[28];
} index_page;

static const lt_ui_asset_t *asset(const char *path)
{
    size_t lo = 0, hi = lt_ui_n_assets;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(lt_ui_assets[mid].path, path);
        if (c == 0)
            return &lt_ui_assets[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* The base path lt_ui_configure was given, for GET /api/admin/ui-config. */
static char ui_base[256];

const char *lt_ui_base_path(void)
{
    return ui_base;
}

void lt_ui_configure(const char *base_path)
{
    lt_ui_dispose();
    snprintf(ui_base, sizeof(ui_base), "%s", base_path ? base_path : "");
    const lt_ui_asset_t *a = asset("/index.html");
    if (!a)
        return;
    const char *base = base_path ? base_path : "";
    static const char mark[] = "{{BASE}}";
    lt_buf_t b;
    lt_buf_init(&b, 0);
    const char *p = (const char *)a->body, *end = p + a->len;
    while (p < end) {
        const char *m = memmem(p, (size_t)(end - p), mark, sizeof(mark) - 1);
        if (!m) {
            lt_buf_append(&b, p, (size_t)(end - p));
            break;
        }
        lt_buf_append(&b, p, (size_t)(m - p));
        for (const char *c = base; *c; c++) /* the CLI allows no other; never markup */
            if (strchr(BASE_CHARS, *c))
                lt_buf_putc(&b, *c);
        p = m + sizeof(mark) - 1;
    }
    index_page.body = lt_buf_take(&b, &index_page.len);
    index_page.gz = lt_gzip(index_page.body, index_page.len, &index_page.gz_len);
    uint8_t d[32];
    lt_sha256(index_page.body, index_page.len, d);
    char hex[65];
    lt_hex(d, 32, hex);
    snprintf(index_page.etag, sizeof(index_page.etag), "\"%.16s\"", hex);
    snprintf(index_page.gz_etag, sizeof(index_page.gz_etag), "\"%.16s-gz\"", hex);
}

void lt_ui_dispose(void)
{
    free(index_page.body);
    free(index_page.gz);
    memset(&index_page, 0, sizeof(index_page));
}

/* Does If-None-Match name one of the ETags (or "*")? */
static bool not_modified(lt_req_t *r, const char *etag, const char *gz_etag)
{
    lt_str_t inm = lt_req_header(r, "If-None-Match");
    if (!inm.ptr)
        return false;
    size_t n1 = strlen(etag), n2 = strlen(gz_etag);
    for (size_t i = 0; i < inm.len; i++) {
        if (inm.ptr[i] == '*')
            return true;
        if ((i + n1 <= inm.len && memcmp(inm.ptr + i, etag, n1) == 0) ||
            (i + n2 <= inm.len && memcmp(inm.ptr + i, gz_etag, n2) == 0))
            return true;
    }
    return false;
}

static void reply_file(lt_req_t *r, const char *type, const void *body, size_t len, const void *gz,
                       size_t gz_len, const char *etag, const char *gz_etag)
{
    lt_reply_header(r, "Content-Security-Policy", CSP);
    lt_reply_header(r, "X-Content-Type-Options", "nosniff");
    lt_reply_header(r, "Referrer-Policy", "same-origin");
    lt_reply_header(r, "X-Frame-Options", "DENY");
    lt_reply_header(r, "Cache-Control", "no-cache");
    lt_reply_header(r, "Vary", "Accept-Encoding");
    bool use_gz = gz && lt_api_accepts_gzip(r);
    lt_reply_header(r, "ETag", use_gz ? gz_etag : etag);
    if (not_modified(r, etag, gz_etag)) {
        lt_reply_empty(r, 304);
        return;
    }
    if (use_gz)
        lt_reply_header(r, "Content-Encoding", "gzip");
    lt_reply_static(r, 200, type, use_gz ? gz : body, use_gz ? gz_len : len);
}

static void ui_index(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    if (!index_page.body) {
        lt_reply_error(r, 404, "NotFoundError", "This build of latch has no admin page.");
        return;
    }
    reply_file(r, "text/html; charset=utf-8", index_page.body, index_page.len, index_page.gz,
               index_page.gz_len, index_page.etag, index_page.gz_etag);
}

static void ui_file(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const char *path = lt_req_path(r) + strlen("/ui");
    const lt_ui_asset_t *a = strcmp(path, "/index.html") == 0 ? NULL : asset(path);
    if (!a) {
        lt_reply_error(r, 404, "NotFoundError",
                       "The path you were looking for (%s) is not available.", lt_req_path(r));
        return;
    }
    reply_file(r, a->type, a->body, a->len, a->gz, a->gz_len, a->etag, a->gz_etag);
}

const lt_route_t lt_routes_ui[] = {
    LT_API_ROUTE(LT_GET, "/", ui_index),
    LT_API_ROUTE(LT_GET, "/login", ui_index),
    LT_API_ROUTE(LT_GET, "/profile", ui_index),
    LT_API_ROUTE(LT_GET, "/projects", ui_index),
    LT_API_ROUTE(LT_GET, "/projects/*", ui_index),
    LT_API_ROUTE(LT_GET, "/admin", ui_index),
    LT_API_ROUTE(LT_GET, "/admin/*", ui_index),
    LT_API_ROUTE(LT_GET, "/ui/*", ui_file),
    {0},
};
