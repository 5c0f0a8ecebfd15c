/*
 * health.c: /health, /ready and the Prometheus text at /internal-backstage/prometheus.
 */
#include <stdio.h>

#include "../base/util.h"
#include "api.h"
#include "usage.h"

void lt_api_health(lt_req_t *r, const lt_params_t *p)
{
    lt_reply_json(r, 200, "{\"health\":\"GOOD\"}");
}

void lt_api_ready(lt_req_t *r, const lt_params_t *p)
{
    if (!lt_req_snapshot(r))
        lt_reply_empty(r, 503);
    else
        lt_reply_json(r, 200, "{\"health\":\"GOOD\"}");
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
                      s->arena.total);
    }
    lt_buf_printf(&b,
                  "# HELP latch_usage_dropped_total Usage keys dropped at the memory bound.\n"
                  "# TYPE latch_usage_dropped_total counter\n"
                  "latch_usage_dropped_total %llu\n",
                  (unsigned long long)lt_usage_dropped());
    lt_http_metrics_write(&b);
    lt_reply_buf(r, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
}
