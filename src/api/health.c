/*
 * health.c: /health (with latch's version), /ready and the Prometheus text at
 * /internal-backstage/prometheus (with latch_build_info).
 */
#include <stdio.h>

#include "../base/util.h"
#include "../base/version.h"
#include "../edge/edge.h"
#include "../state/state.h"
#include "api.h"
#include "token_ops.h"
#include "usage.h"

void lt_api_health(lt_req_t *r, const lt_params_t *p)
{
    lt_reply_json(r, 200, "{\"health\":\"GOOD\",\"version\":\"" LT_VERSION "\"}");
}

/* Ready when there is a snapshot and the last look at the store succeeded: a store that can
 * no longer be read keeps answering from its last good snapshot, but says so here so a load
 * balancer or an operator notices. */
void lt_api_ready(lt_req_t *r, const lt_params_t *p)
{
    char reason[160];
    if (!lt_req_snapshot(r)) {
        lt_reply_json(r, 503, "{\"health\":\"BAD\",\"reason\":\"no snapshot loaded\"}");
        return;
    }
    if (lt_state_healthy(reason, sizeof(reason), NULL)) {
        lt_reply_json(r, 200, "{\"health\":\"GOOD\"}");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"health\":\"BAD\",\"reason\":");
    lt_json_cstr(&b, reason);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, 503, LT_JSON_TYPE, &b);
}

void lt_api_prometheus(lt_req_t *r, const lt_params_t *p)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_snapshot_t *s = lt_req_snapshot(r);
    if (s) {
        lt_buf_printf(&b,
                      "# HELP latch_snapshot_revision Store revision the served snapshot holds.\n"
                      "# TYPE latch_snapshot_revision gauge\n"
                      "latch_snapshot_revision %llu\n"
                      "# HELP latch_snapshot_features Flags in the served snapshot.\n"
                      "# TYPE latch_snapshot_features gauge\n"
                      "latch_snapshot_features %zu\n"
                      "# HELP latch_snapshot_tokens API tokens in the served snapshot.\n"
                      "# TYPE latch_snapshot_tokens gauge\n"
                      "latch_snapshot_tokens %zu\n"
                      "# HELP latch_snapshot_bytes Memory held by the served snapshot.\n"
                      "# TYPE latch_snapshot_bytes gauge\n"
                      "latch_snapshot_bytes %zu\n",
                      (unsigned long long)s->revision, s->data.n_features, s->tokens.count,
                      lt_snapshot_bytes(s));
        size_t soon[4] = {0};
        int64_t now = lt_now_ms();
        for (size_t i = 0; i < s->data.n_tokens; i++)
            if (lt_token_expiring_soon(&s->data.tokens[i], now))
                soon[s->data.tokens[i].type]++;
        lt_buf_puts(&b, "# HELP latch_tokens_expiring_soon Live tokens and PATs that expire "
                        "within 7 days.\n"
                        "# TYPE latch_tokens_expiring_soon gauge\n");
        for (int t = LT_TOKEN_CLIENT; t <= LT_TOKEN_PAT; t++)
            lt_buf_printf(&b, "latch_tokens_expiring_soon{type=\"%s\"} %zu\n",
                          lt_token_type_name((lt_token_type_t)t), soon[t]);
    }
    uint64_t failures = 0;
    bool healthy = lt_state_healthy(NULL, 0, &failures);
    lt_buf_printf(&b,
                  "# HELP latch_store_healthy 1 when the last reload from the store succeeded.\n"
                  "# TYPE latch_store_healthy gauge\n"
                  "latch_store_healthy %d\n"
                  "# HELP latch_snapshot_reload_failures_total Reloads that failed to read the "
                  "store.\n"
                  "# TYPE latch_snapshot_reload_failures_total counter\n"
                  "latch_snapshot_reload_failures_total %llu\n"
                  "# HELP latch_streams_open Event streams open now.\n"
                  "# TYPE latch_streams_open gauge\n"
                  "latch_streams_open %zu\n",
                  healthy ? 1 : 0, (unsigned long long)failures, lt_http_streams());
    uint64_t incremental = 0, whole = 0;
    lt_state_reload_counts(&incremental, &whole);
    lt_buf_printf(&b,
                  "# HELP latch_snapshot_reloads_total Snapshots built after a change: from the "
                  "previous one and what changed, or from a whole load.\n"
                  "# TYPE latch_snapshot_reloads_total counter\n"
                  "latch_snapshot_reloads_total{kind=\"incremental\"} %llu\n"
                  "latch_snapshot_reloads_total{kind=\"whole\"} %llu\n",
                  (unsigned long long)incremental, (unsigned long long)whole);
    lt_buf_printf(&b,
                  "# HELP latch_build_info The version and git revision of the running latch.\n"
                  "# TYPE latch_build_info gauge\n"
                  "latch_build_info{version=\"%s\",revision=\"%s\"} 1\n",
                  LT_VERSION, lt_version_revision());
    lt_buf_printf(&b,
                  "# HELP latch_usage_dropped_total Usage keys dropped at the memory bound.\n"
                  "# TYPE latch_usage_dropped_total counter\n"
                  "latch_usage_dropped_total %llu\n",
                  (unsigned long long)lt_usage_dropped());
    lt_edge_metrics_write(&b); /* nothing unless this is `latch edge` */
    lt_http_metrics_write(&b);
    lt_reply_buf(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}
