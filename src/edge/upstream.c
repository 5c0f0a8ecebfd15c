/*
 * upstream.c: the edge's libcurl client; see upstream.h. Bodies are capped at 256 MiB, the
 * ETag is read from the headers, and no signal is used for timeouts (threads).
 */
#include "upstream.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../base/version.h"

#define MAX_BODY ((size_t)256 << 20)

struct lt_upstream {
    CURL *h;
    char *base;
    int connect_timeout_ms, timeout_ms;
};

int lt_upstream_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? LT_OK : LT_ERR;
}

lt_upstream_t *lt_upstream_new(const char *base_url, int connect_timeout_ms, int timeout_ms)
{
    lt_upstream_t *u = lt_xcalloc(1, sizeof(*u));
    u->h = curl_easy_init();
    lt_assert(u->h);
    size_t n = strlen(base_url);
    while (n && base_url[n - 1] == '/')
        n--;
    u->base = lt_xstrndup(base_url, n);
    u->connect_timeout_ms = connect_timeout_ms;
    u->timeout_ms = timeout_ms;
    return u;
}

void lt_upstream_free(lt_upstream_t *u)
{
    if (!u)
        return;
    curl_easy_cleanup(u->h);
    free(u->base);
    free(u);
}

static size_t on_body(char *p, size_t size, size_t n, void *ctx)
{
    lt_buf_t *b = ctx;
    lt_buf_append(b, p, size * n);
    return lt_buf_ok(b) ? size * n : 0; /* over the cap: abort the transfer */
}

static size_t on_header(char *p, size_t size, size_t n, void *ctx)
{
    lt_upstream_resp_t *out = ctx;
    size_t len = size * n;
    if (len > 5 && strncasecmp(p, "etag:", 5) == 0) {
        size_t i = 5, e = len;
        while (i < e && (p[i] == ' ' || p[i] == '\t'))
            i++;
        while (e > i && (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' '))
            e--;
        if (e - i < sizeof(out->etag)) {
            memcpy(out->etag, p + i, e - i);
            out->etag[e - i] = '\0';
        }
    }
    return len;
}

static int perform(lt_upstream_t *u, const char *path, const char *token, const char *etag,
                   const char *json, size_t len, lt_upstream_resp_t *out)
{
    memset(out, 0, sizeof(*out));
    lt_buf_init(&out->body, MAX_BODY);
    CURL *h = u->h;
    curl_easy_reset(h);
    char url[4096];
    snprintf(url, sizeof(url), "%s%s", u->base, path);
    struct curl_slist *hs = NULL;
    char line[4200];
    if (token) {
        snprintf(line, sizeof(line), "Authorization: %s", token);
        hs = curl_slist_append(hs, line);
    }
    if (etag && *etag) {
        snprintf(line, sizeof(line), "If-None-Match: %s", etag);
        hs = curl_slist_append(hs, line);
    }
    hs = curl_slist_append(hs, "Unleash-AppName: latch-edge");
    hs = curl_slist_append(hs, "Unleash-Client-Spec: 5.2.0");
    hs = curl_slist_append(hs, "Accept: application/json");
    if (json)
        hs = curl_slist_append(hs, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url);
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, hs);
    curl_easy_setopt(h, CURLOPT_USERAGENT, "latch-edge/" LT_VERSION);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, (long)u->connect_timeout_ms);
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)u->timeout_ms);
    curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    if (json) {
        curl_easy_setopt(h, CURLOPT_POST, 1L);
        curl_easy_setopt(h, CURLOPT_POSTFIELDS, json);
        curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
    }
    CURLcode rc = curl_easy_perform(h);
    curl_slist_free_all(hs);
    if (rc != CURLE_OK) {
        snprintf(out->error, sizeof(out->error), "%s", curl_easy_strerror(rc));
        out->status = 0;
        return LT_ERR;
    }
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    return LT_OK;
}

int lt_upstream_get(lt_upstream_t *u, const char *path, const char *token, const char *etag,
                    lt_upstream_resp_t *out)
{
    return perform(u, path, token, etag, NULL, 0, out);
}

int lt_upstream_post(lt_upstream_t *u, const char *path, const char *token, const char *json,
                     size_t len, lt_upstream_resp_t *out)
{
    return perform(u, path, token, NULL, json, len, out);
}
