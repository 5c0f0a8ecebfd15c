/*
 * store.c: the entry points of the store: choosing a backend from a DATABASE_URL-style target,
 * the seed on first start, the whole-dataset load, and the reads that go straight to a backend.
 * The write rules are in rules.c and rules_access.c, the imports in import.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../base/log.h"
#include "rules_int.h"

void lt__touch_reset(lt_store_t *s)
{
    for (size_t i = 0; i < s->n_touched; i++)
        free(s->touched[i]);
    s->n_touched = 0;
    s->touched_all = false;
    s->touched_tokens = false;
    s->tx_events = 0;
}

void lt__touch(lt_store_t *s, const char *feature)
{
    if (s->touched_all)
        return;
    if (!feature || s->n_touched >= LT_STORE_CHANGES_MAX) {
        s->touched_all = true;
        return;
    }
    for (size_t i = 0; i < s->n_touched; i++)
        if (strcmp(s->touched[i], feature) == 0)
            return;
    if (s->n_touched == s->cap_touched) {
        s->cap_touched = s->cap_touched ? s->cap_touched * 2 : 8;
        s->touched = lt_xrealloc(s->touched, s->cap_touched * sizeof(*s->touched));
    }
    s->touched[s->n_touched++] = lt_xstrdup(feature);
}

void lt__touch_tokens(lt_store_t *s)
{
    s->touched_tokens = true;
}

static bool table_in(const char *t, size_t n, const char *const *list, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (strlen(list[i]) == n && strncmp(t, list[i], n) == 0)
            return true;
    return false;
}

/*
 * What a statement a write runs changes, by the table it writes, so that a primitive that
 * says nothing of its touches (or a new one) reloads everything rather than nothing: the
 * tables of a flag count only where the transaction has named its flags (lt__touch), the
 * token tables as tokens, the tables outside the dataset (the log, usage, sessions, delivery
 * records, the changes rows themselves) not at all, and every other table as everything.
 */
void lt__touch_sql(lt_store_t *s, const char *sql)
{
    static const char *const flag_tables[] = {"features", "feature_environments", "strategies",
                                              "dependencies", "feature_tags"};
    static const char *const token_tables[] = {"api_tokens", "api_token_projects"};
    static const char *const outside[] = {
        "events",           "event_chain",   "changes",         "sessions",
        "client_applications", "client_metrics", "client_metrics_variants", "token_usage",
        "integration_events", "addon_claims", "latch_migrations", "login_limits", "secrets"};
    while (*sql == ' ' || *sql == '\n' || *sql == '(')
        sql++;
    const char *t = NULL;
    if (strncasecmp(sql, "INSERT INTO ", 12) == 0)
        t = sql + 12;
    else if (strncasecmp(sql, "UPDATE ", 7) == 0)
        t = sql + 7;
    else if (strncasecmp(sql, "DELETE FROM ", 12) == 0)
        t = sql + 12;
    if (!t || s->touched_all)
        return; /* a read (SELECT, WITH), or everything is reloaded already */
    size_t n = strcspn(t, " (;\n");
#define IS_IN(list) table_in(t, n, list, sizeof(list) / sizeof(*list))
    if (IS_IN(outside))
        return;
    if (IS_IN(token_tables)) {
        lt__touch_tokens(s);
        return;
    }
    if (IS_IN(flag_tables) && s->n_touched > 0)
        return;
#undef IS_IN
    lt__touch(s, NULL);
}

/* The event row, counted for the changes rows, and the lifecycle stage it enters a flag in. */
int lt__event_append(lt_store_t *s, const lt_event_t *ev)
{
    int rc = s->be->event_append(s, ev);
    if (rc != LT_OK)
        return rc;
    s->tx_events++;
    const char *f = ev->feature_name, *t = ev->type;
    if (!t)
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

/* The changes rows of a write with events: a count row, then '*', or one row per flag and 't'
 * for tokens. */
static int changes_write(lt_store_t *s)
{
    bool tokens = s->touched_tokens && !s->touched_all;
    size_t n = 1 + (s->touched_all ? 1 : s->n_touched) + (tokens ? 1 : 0);
    char *kinds = lt_xcalloc(n + 1, 1);
    const char **keys = lt_xcalloc(n, sizeof(*keys));
    kinds[0] = 'n';
    keys[0] = "";
    if (s->touched_all) {
        kinds[1] = '*';
        keys[1] = "";
    }
    for (size_t i = 0; !s->touched_all && i < s->n_touched; i++) {
        kinds[1 + i] = 'f';
        keys[1 + i] = s->touched[i];
    }
    if (tokens) {
        kinds[n - 1] = 't';
        keys[n - 1] = "";
    }
    bool prune = ++s->changes_written % LT_STORE_CHANGES_PRUNE_EVERY == 0;
    int rc = s->be->changes_append(s, kinds, keys, n, s->tx_events, prune);
    free(kinds);
    free(keys);
    return rc;
}

int lt__tx_end(lt_store_t *s, int rc, const lt_event_t *ev)
{
    if (rc == LT_OK && ev && lt__event_append(s, ev) != LT_OK)
        rc = LT_ERR;
    if (rc == LT_OK && s->tx_events > 0 && changes_write(s) != LT_OK)
        rc = LT_ERR;
    bool silent = s->tx_events == 0 && (s->touched_all || s->n_touched || s->touched_tokens);
    lt__touch_reset(s);
    if (rc != LT_OK) {
        s->be->rollback(s);
        return rc;
    }
    if (s->be->commit(s) != LT_OK)
        return LT_ERR;
    if (silent)
        s->silent_writes++;
    return LT_OK;
}

uint64_t lt_store_silent_writes(const lt_store_t *s)
{
    return s->silent_writes;
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
    if (!s)
        return;
    lt__touch_reset(s);
    free(s->touched);
    s->touched = NULL;
    s->cap_touched = 0;
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
