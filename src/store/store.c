/*
 * store.c: the entry points of the store: choosing a backend from a DATABASE_URL-style target,
 * the seed on first start, the whole-dataset load, and the reads that go straight to a backend.
 * The write rules are in rules.c and rules_access.c, the imports in import.c.
 */
#include <stdio.h>
#include <string.h>

#include "../base/log.h"
#include "rules_int.h"

int lt__event_append(lt_store_t *s, const lt_event_t *ev)
{
    int rc = s->be->event_append(s, ev);
    const char *f = ev->feature_name, *t = ev->type;
    if (rc != LT_OK || !t)
        return rc;
    if (f && strcmp(t, "feature-created") == 0)
        rc = s->be->lifecycle_put(s, f, "initial", NULL, NULL, 0);
    else if (f && strcmp(t, "feature-archived") == 0)
        rc = s->be->lifecycle_put(s, f, "archived", NULL, NULL, 0);
    else if (f && strcmp(t, "feature-revived") == 0) {
        rc = s->be->lifecycle_delete(s, f, NULL);
        if (rc == LT_OK)
            rc = s->be->lifecycle_put(s, f, "initial", NULL, NULL, 0);
    } else if (strcmp(t, "features-imported") == 0)
        rc = s->be->lifecycle_backfill(s);
    return rc;
}

int lt__tx_end(lt_store_t *s, int rc, const lt_event_t *ev)
{
    if (rc == LT_OK && ev && lt__event_append(s, ev) != LT_OK)
        rc = LT_ERR;
    if (rc != LT_OK) {
        s->be->rollback(s);
        return rc;
    }
    return s->be->commit(s) == LT_OK ? LT_OK : LT_ERR;
}

int lt_store_open(lt_store_t **out, const char *url)
{
    const char *path = url;
    const lt_store_backend_t *be = &lt_store_sqlite;
    if (strncmp(url, "sqlite://", 9) == 0)
        path = url + 9; /* sqlite:///abs/path keeps its leading slash */
    else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        be = &lt_store_postgres;
    }
    if (!*path) {
        lt_log_error("store: empty database path");
        return LT_EINVAL;
    }
    lt_store_t *s = NULL;
    int rc = be->open(&s, path);
    if (rc != LT_OK)
        return rc == LT_EINVAL ? LT_EINVAL : LT_ERR;
    if (lt_store_seed(s) != LT_OK) {
        lt_store_close(s);
        return LT_ERR;
    }
    *out = s;
    return LT_OK;
}

void lt_store_close(lt_store_t *s)
{
    if (s)
        s->be->close(s);
}

int lt_store_load(lt_store_t *s, lt_arena_t *a, lt_dataset_t *out)
{
    if (s->be->begin(s, LT_TX_READ) != LT_OK)
        return LT_ERR;
    int rc = lt__tx_end(s, s->be->load(s, a, out) == LT_OK ? LT_OK : LT_ERR, NULL);
    if (rc != LT_OK) { /* nothing of a failed load is left for a caller to use */
        memset(out, 0, sizeof(*out));
        lt_log_error("store: load failed; no partial data is returned");
    }
    return rc;
}

int lt_store_revision(lt_store_t *s, int64_t *out)
{
    return s->be->revision(s, out);
}

bool lt_store_out_of_space(lt_store_t *s)
{
    return s->be->out_of_space && s->be->out_of_space(s);
}

bool lt_store_notifies(const lt_store_t *s)
{
    return s->be->wait_change != NULL;
}

int lt_store_wait_change(lt_store_t *s, int timeout_ms)
{
    return s->be->wait_change ? s->be->wait_change(s, timeout_ms) : 0;
}

const char *lt_store_url_redacted(const char *url, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s", url);
    char *scheme = strstr(buf, "://"), tail[512];
    if (!scheme || strncmp(buf, "postgres", 8) != 0)
        return buf;
    char *auth = scheme + 3, *slash = strchr(auth, '/'), *at = NULL;
    for (char *p = auth; *p && p != slash; p++) /* the last '@' before the path */
        if (*p == '@')
            at = p;
    char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (colon) { /* user:password@ */
        snprintf(tail, sizeof(tail), "%s", at);
        snprintf(colon, cap - (size_t)(colon - buf), ":***%s", tail);
    }
    for (char *p = strstr(buf, "password="); p; p = strstr(p + 1, "password=")) {
        char *end = p + 9 + strcspn(p + 9, "&");
        snprintf(tail, sizeof(tail), "%s", end);
        snprintf(p + 9, cap - (size_t)(p + 9 - buf), "***%s", tail);
    }
    return buf;
}

int lt_store_user_auth(lt_store_t *s, lt_arena_t *a, const char *login, lt_user_auth_t *out)
{
    return s->be->user_auth(s, a, login, out);
}

int lt_store_events_list(lt_store_t *s, lt_arena_t *a, const lt_event_filter_t *f,
                         lt_event_row_t **out, size_t *n, int64_t *total)
{
    return s->be->events_list(s, a, f, out, n, total);
}

int lt_store_usage_apps(lt_store_t *s, lt_arena_t *a, lt_app_row_t **out, size_t *n)
{
    return s->be->usage_apps(s, a, out, n);
}

int lt_store_usage_feature(lt_store_t *s, lt_arena_t *a, const char *feature, int64_t since,
                           lt_metric_row_t **out, size_t *n)
{
    return s->be->usage_feature(s, a, feature, since, out, n);
}
