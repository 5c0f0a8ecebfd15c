/*
 * links.c: the links of a flag (Unleash's feature links: an issue, a dashboard, a document):
 * POST .../features/:featureName/link adds one (at most 10 a flag), PUT and DELETE
 * .../link/:linkId change or remove it, each answered 204 with its feature-link-* event; the
 * flag's JSON lists them as links (flag_json.c calls lt_adm_write_links). URLs are normalised
 * as Unleash does for the common cases (https:// by default, host in lower case, no www., no
 * default port, no trailing slash); only http and https are taken.
 */
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../../base/util.h"
#include "admin_int.h"

#define MAX_LINKS 10       /* a flag's, as Unleash */
#define MAX_URL 2048       /* bytes, after normalising */
#define MAX_TITLE LT_ADM_MAX_FIELD

void lt_adm_write_links(lt_buf_t *b, const lt_dataset_t *d, const char *feature)
{
    size_t start;
    size_t n = lt_dataset_links(d, feature, &start);
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < n; i++) {
        const lt_link_t *l = &d->links[start + i];
        if (i)
            lt_buf_putc(b, ',');
        lt_buf_puts(b, "{\"id\":");
        lt_json_cstr(b, l->id);
        lt_buf_puts(b, ",\"url\":");
        lt_json_cstr(b, l->url);
        lt_buf_puts(b, ",\"title\":");
        lt_json_cstr_or_null(b, l->title);
        lt_buf_puts(b, ",\"feature\":");
        lt_json_cstr(b, l->feature);
        lt_buf_putc(b, '}');
    }
    lt_buf_putc(b, ']');
}

static const lt_link_t *find_link(const lt_dataset_t *d, const char *id)
{
    for (size_t i = 0; id && i < d->n_links; i++)
        if (strcmp(d->links[i].id, id) == 0)
            return &d->links[i];
    return NULL;
}

/* A ULID (as Unleash's link ids): 48 bits of milliseconds, 80 random bits, Crockford base32. */
static void ulid(char out[27])
{
    static const char enc[] = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    uint64_t ms = (uint64_t)lt_now_ms();
    for (int i = 9; i >= 0; i--, ms >>= 5)
        out[i] = enc[ms & 31];
    char hex[21];
    lt_random_hex(10, hex); /* 80 bits: 16 symbols of 5 bits, one hex digit = 4 bits */
    uint64_t hi = 0, lo = 0;
    for (int i = 0; i < 10; i++)
        hi = hi << 4 | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
    for (int i = 10; i < 20; i++)
        lo = lo << 4 | (uint64_t)(hex[i] <= '9' ? hex[i] - '0' : hex[i] - 'a' + 10);
    for (int i = 17; i >= 10; i--, hi >>= 5)
        out[i] = enc[hi & 31];
    for (int i = 25; i >= 18; i--, lo >>= 5)
        out[i] = enc[lo & 31];
    out[26] = '\0';
}

static bool host_char(unsigned char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '.' ||
           ch == '_' || ch == '[' || ch == ']' || ch == ':' || ch >= 0x80;
}

/* url normalised into out (MAX_URL + 1 bytes), or false when it is not an http(s) URL. */
static bool normalise_url(const char *url, char *out)
{
    while (*url == ' ' || *url == '\t')
        url++;
    size_t n = strlen(url);
    while (n && (url[n - 1] == ' ' || url[n - 1] == '\t'))
        n--;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)url[i] <= 0x20 || url[i] == 0x7f)
            return false;
    const char *rest = url;
    bool https = true;
    if (n >= 2 && strncmp(url, "//", 2) == 0)
        rest = url + 2;
    else if (n >= 8 && strncasecmp(url, "https://", 8) == 0)
        rest = url + 8;
    else if (n >= 7 && strncasecmp(url, "http://", 7) == 0) {
        rest = url + 7;
        https = false;
    } else if (strstr(url, "://"))
        return false; /* another scheme */
    else if (memchr(url, ':', n) && !memchr(url, '.', n))
        return false; /* mailto:, javascript: ... (the host check below catches the rest) */
    size_t rest_n = n - (size_t)(rest - url);
    size_t host_n = strcspn(rest, "/?#");
    if (host_n > rest_n)
        host_n = rest_n;
    char host[256];
    if (host_n == 0 || host_n >= sizeof(host))
        return false;
    for (size_t i = 0; i < host_n; i++) {
        char ch = rest[i];
        host[i] = (ch >= 'A' && ch <= 'Z') ? (char)(ch - 'A' + 'a') : ch;
        if (!host_char((unsigned char)host[i]))
            return false;
    }
    host[host_n] = '\0';
    char *h = host;
    if (strncmp(h, "www.", 4) == 0 && strchr(h + 4, '.'))
        h += 4;
    size_t hl = strlen(h);
    const char *port = https ? ":443" : ":80";
    if (hl > strlen(port) && strcmp(h + hl - strlen(port), port) == 0)
        h[hl - strlen(port)] = '\0';
    if (!h[0] || h[0] == '.' || h[0] == ':')
        return false;
    /* the path without its trailing slash, then the query and fragment as given */
    const char *tail = rest + host_n;
    size_t tail_n = rest_n - host_n;
    size_t path_n = strcspn(tail, "?#");
    if (path_n > tail_n)
        path_n = tail_n;
    size_t keep = path_n;
    while (keep && tail[keep - 1] == '/')
        keep--;
    int len = snprintf(out, MAX_URL + 1, "%s://%s%.*s%.*s", https ? "https" : "http", h,
                       (int)keep, tail, (int)(tail_n - path_n), tail + path_n);
    return len > 0 && len <= MAX_URL;
}

/* The url and title of a link body into out (in c->a), or LT_EINVAL with a 400 on w. */
static int link_body(lt_adm_wctx_t *c, lt_link_t *out, lt_write_t *w)
{
    bool bad = false;
    const char *url = lt_adm_opt_str(c->body, "url", MAX_URL, &bad);
    if (!url || bad)
        return lt_write_fail(w, 400, "ValidationError",
                             "\"url\" is required and a string of at most %d bytes.", MAX_URL);
    const char *title = lt_adm_opt_str(c->body, "title", MAX_TITLE, &bad);
    if (bad)
        return lt_write_fail(w, 400, "ValidationError",
                             "\"title\" must be a string of at most %d bytes.", MAX_TITLE);
    char norm[MAX_URL + 1];
    if (!normalise_url(url, norm))
        return lt_write_fail(w, 400, "BadDataError", "Invalid URL: %s", url);
    out->url = lt_arena_strdup(c->a, norm);
    out->title = title && title[0] ? lt_arena_strdup(c->a, title) : NULL;
    return LT_OK;
}

/* {url, title} of a link, as Unleash's events carry it, in c->a. */
static char *link_event_json(lt_adm_wctx_t *c, const lt_link_t *l)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"url\":");
    lt_json_cstr(&b, l->url);
    lt_buf_puts(&b, ",\"title\":");
    lt_json_cstr_or_null(&b, l->title);
    lt_buf_putc(&b, '}');
    return lt_adm_buf_arena(c->a, &b);
}

/* The link of the path, of the path's live flag, or NULL with a 404 on w. */
static const lt_link_t *path_link(const lt_dataset_t *d, lt_adm_wctx_t *c, const char *id,
                                  lt_write_t *w)
{
    const lt_feature_t *f = lt_adm_find_live(d, c, w);
    if (!f)
        return NULL;
    const lt_link_t *l = find_link(d, id);
    if (!l || strcmp(l->feature, f->name) != 0) {
        lt_write_fail(w, 404, "NotFoundError", "Could not find link with id %s", id);
        return NULL;
    }
    return l;
}

static int do_link_add(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *f = lt_adm_find_live(d, c, w);
    if (!f)
        return LT_EINVAL;
    size_t start;
    if (lt_dataset_links(d, f->name, &start) >= MAX_LINKS)
        return lt_write_fail(w, 403, "OperationDeniedError",
                             "Too many links (%d) exist for this feature", MAX_LINKS);
    lt_link_t l = {0};
    if (link_body(c, &l, w) != LT_OK)
        return LT_EINVAL;
    char id[27];
    ulid(id);
    l.id = id;
    l.feature = f->name;
    lt_event_t ev = lt_adm_wctx_event(c, "feature-link-added");
    ev.feature_name = f->name;
    ev.data = link_event_json(c, &l);
    return lt_store_link_put(s, &l, LT_PUT_CREATE, &ev);
}

static int do_link_update(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_link_t *old = path_link(&snap->data, c, c->strategy, w);
    if (!old)
        return LT_EINVAL;
    lt_link_t l = *old;
    if (link_body(c, &l, w) != LT_OK)
        return LT_EINVAL;
    lt_event_t ev = lt_adm_wctx_event(c, "feature-link-updated");
    ev.feature_name = old->feature;
    ev.data = link_event_json(c, &l);
    ev.pre_data = link_event_json(c, old);
    return lt_store_link_put(s, &l, LT_PUT_REPLACE, &ev);
}

static int do_link_delete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_link_t *old = path_link(&snap->data, c, c->strategy, w);
    if (!old)
        return LT_EINVAL;
    lt_event_t ev = lt_adm_wctx_event(c, "feature-link-removed");
    ev.feature_name = old->feature;
    ev.pre_data = link_event_json(c, old);
    return lt_store_link_delete(s, old->id, &ev);
}

/* The link id travels in c->strategy, the one free id field of the context. */
static void api_link_add(lt_req_t *r, const lt_params_t *p)
{
    lt_adm_wctx_t c = {.reply = NULL};
    lt_adm_run_write(r, p, do_link_add, 204, &c);
}

static void api_link_update(lt_req_t *r, const lt_params_t *p)
{
    lt_adm_wctx_t c = {.strategy = lt_adm_param(p, "linkId")};
    lt_adm_run_write(r, p, do_link_update, 204, &c);
}

static void api_link_delete(lt_req_t *r, const lt_params_t *p)
{
    lt_adm_wctx_t c = {.strategy = lt_adm_param(p, "linkId")};
    lt_adm_run_write(r, p, do_link_delete, 204, &c);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_links[] = {
    ROUTE(LT_POST, LT_ADM_PF "/link", api_link_add, LT_ADM_FLAG("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_PUT, LT_ADM_PF "/link/:linkId", api_link_update, LT_ADM_FLAG("UPDATE_FEATURE"),
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, LT_ADM_PF "/link/:linkId", api_link_delete, LT_ADM_FLAG("UPDATE_FEATURE")),
    {0},
};
