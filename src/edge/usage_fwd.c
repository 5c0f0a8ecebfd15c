/*
 * usage_fwd.c: usage goes upstream. The usage module (api/usage.c) aggregates what SDKs send
 * in bounded memory and hands each flush to lt_edge_usage_sink, which posts it to the
 * upstream's /api/client/metrics/bulk, per environment, with a startup token of that
 * environment. What the upstream did not take with a 2xx is handed back and sent again at the
 * next flush; what it took is never sent twice.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../base/log.h"
#include "../base/util.h"
#include "edge_int.h"

#define MAX_PER_POST 1000

/* A startup token secret for env (malloc'd), or NULL. */
static char *token_for(const char *env)
{
    edge_t *E = &lt__edge;
    char *out = NULL;
    pthread_mutex_lock(&E->lock);
    for (size_t i = 0; i < E->n_scopes && !out; i++)
        if (strcmp(E->scopes[i]->env, env) == 0)
            out = lt_xstrdup(E->scopes[i]->token);
    pthread_mutex_unlock(&E->lock);
    return out;
}

static void write_app(lt_buf_t *b, const lt_app_row_t *a)
{
    lt_buf_puts(b, "{\"appName\":");
    lt_json_cstr(b, a->app_name);
    lt_buf_puts(b, ",\"instanceId\":");
    lt_json_cstr(b, a->instance_id);
    lt_buf_puts(b, ",\"environment\":");
    lt_json_cstr(b, a->environment);
    if (a->sdk_version) {
        lt_buf_puts(b, ",\"sdkVersion\":");
        lt_json_cstr(b, a->sdk_version);
    }
    if (a->sdk_type) {
        lt_buf_puts(b, ",\"sdkType\":");
        lt_json_cstr(b, a->sdk_type);
    }
    if (a->platform_name) {
        lt_buf_puts(b, ",\"platformName\":");
        lt_json_cstr(b, a->platform_name);
    }
    if (a->strategies) {
        lt_buf_puts(b, ",\"strategies\":");
        lt_buf_puts(b, a->strategies); /* a JSON list of names, as the SDK sent it */
    }
    if (a->started_at) {
        lt_buf_puts(b, ",\"started\":");
        lt_json_time(b, a->started_at);
    }
    lt_buf_printf(b, ",\"interval\":%lld}", (long long)a->interval_ms);
}

static void write_metric(lt_buf_t *b, const lt_metric_row_t *m)
{
    lt_buf_puts(b, "{\"featureName\":");
    lt_json_cstr(b, m->feature);
    lt_buf_puts(b, ",\"appName\":");
    lt_json_cstr(b, m->app_name);
    lt_buf_puts(b, ",\"instanceId\":");
    lt_json_cstr(b, m->instance_id);
    lt_buf_puts(b, ",\"environment\":");
    lt_json_cstr(b, m->environment);
    lt_buf_puts(b, ",\"timestamp\":");
    lt_json_time(b, m->hour);
    lt_buf_printf(b, ",\"yes\":%lld,\"no\":%lld,\"variants\":{", (long long)m->yes,
                  (long long)m->no);
    for (size_t i = 0; i < m->n_variants; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, m->variant_names[i]);
        lt_buf_printf(b, ":%lld", (long long)m->variant_counts[i]);
    }
    lt_buf_puts(b, "}}");
}

/* POST one body; true when the upstream took it. */
static bool post(lt_upstream_t *u, const char *token, lt_buf_t *b)
{
    lt_upstream_resp_t r;
    int rc = lt_upstream_post(u, "/api/client/metrics/bulk", token, b->ptr, b->len, &r);
    bool ok = rc == LT_OK && r.status >= 200 && r.status < 300;
    edge_t *E = &lt__edge;
    pthread_mutex_lock(&E->lock);
    if (ok) {
        E->usage_forwarded++;
    } else {
        E->usage_forward_failures++;
        if (rc != LT_OK)
            snprintf(E->error, sizeof(E->error), "metrics: %s", r.error);
        else
            snprintf(E->error, sizeof(E->error), "metrics: HTTP %ld", r.status);
    }
    pthread_mutex_unlock(&E->lock);
    if (!ok)
        lt_log_warn("edge: usage not forwarded (%s); kept for the next flush",
                    rc != LT_OK ? r.error : "the upstream refused it");
    lt_buf_dispose(&r.body);
    return ok;
}

int lt_edge_usage_sink(const lt_app_row_t *apps, size_t n_apps, const lt_metric_row_t *rows,
                       size_t n_rows, bool *requeue_apps, bool *requeue_rows)
{
    edge_t *E = &lt__edge;
    lt_upstream_t *u = lt_upstream_new(E->cfg.upstream_url, E->cfg.connect_timeout_ms,
                                       E->cfg.request_timeout_ms);
    bool *done_a = lt_xcalloc(n_apps + 1, sizeof(bool));
    bool *done_r = lt_xcalloc(n_rows + 1, sizeof(bool));
    int rc = LT_OK;
    /* one environment at a time: the first not yet handled names it */
    for (;;) {
        const char *env = NULL;
        for (size_t i = 0; i < n_apps && !env; i++)
            if (!done_a[i])
                env = apps[i].environment;
        for (size_t i = 0; i < n_rows && !env; i++)
            if (!done_r[i])
                env = rows[i].environment;
        if (!env)
            break;
        char *token = token_for(env);
        if (!token)
            lt_log_warn("edge: no startup token for environment %s: its usage is dropped", env);
        size_t ia = 0, ir = 0;
        for (;;) {
            size_t sa[MAX_PER_POST], sr[MAX_PER_POST], na = 0, nr = 0;
            for (; ia < n_apps && na < MAX_PER_POST; ia++)
                if (!done_a[ia] && strcmp(apps[ia].environment, env) == 0)
                    sa[na++] = ia;
            for (; ir < n_rows && nr < MAX_PER_POST; ir++)
                if (!done_r[ir] && strcmp(rows[ir].environment, env) == 0)
                    sr[nr++] = ir;
            if (!na && !nr)
                break;
            bool ok = false;
            if (token) {
                lt_buf_t b;
                lt_buf_init(&b, 0);
                lt_buf_puts(&b, "{\"applications\":[");
                for (size_t k = 0; k < na; k++) {
                    if (k)
                        lt_buf_putc(&b, ',');
                    write_app(&b, &apps[sa[k]]);
                }
                lt_buf_puts(&b, "],\"metrics\":[");
                for (size_t k = 0; k < nr; k++) {
                    if (k)
                        lt_buf_putc(&b, ',');
                    write_metric(&b, &rows[sr[k]]);
                }
                lt_buf_puts(&b, "]}");
                ok = lt_buf_ok(&b) && post(u, token, &b);
                lt_buf_dispose(&b);
            }
            for (size_t k = 0; k < na; k++) {
                done_a[sa[k]] = true;
                requeue_apps[sa[k]] = token && !ok;
            }
            for (size_t k = 0; k < nr; k++) {
                done_r[sr[k]] = true;
                requeue_rows[sr[k]] = token && !ok;
            }
            if (token && !ok)
                rc = LT_ERR;
        }
        if (token) {
            memset(token, 0, strlen(token));
            free(token);
        }
    }
    free(done_a);
    free(done_r);
    lt_upstream_free(u);
    return rc;
}
