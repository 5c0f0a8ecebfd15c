/*
 * lifecycle.c: the lifecycle of a flag as Unleash records it (initial on creation, pre-live on
 * its first metrics, live on metrics from a production environment where it is on, completed
 * by hand, archived; the store enters them, store.h): GET .../features/:featureName/lifecycle,
 * POST .../lifecycle/complete and /uncomplete, GET /api/admin/lifecycle/count, and the flag
 * JSON's lifecycle (its current stage, lt_adm_write_lifecycle).
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "admin_int.h"

#define MAX_STATUS_VALUE LT_ADM_MAX_FIELD

/* {stage, status?, enteredStageAt} */
static void write_stage(lt_buf_t *b, const lt_stage_t *st)
{
    lt_buf_puts(b, "{\"stage\":");
    lt_json_cstr(b, st->stage);
    if (st->status) {
        lt_buf_puts(b, ",\"status\":");
        lt_json_cstr(b, st->status);
    }
    lt_buf_puts(b, ",\"enteredStageAt\":");
    lt_json_time(b, st->entered_at);
    lt_buf_putc(b, '}');
}

void lt_adm_write_lifecycle(lt_buf_t *b, bool *first, const lt_dataset_t *d, const char *feature)
{
    const lt_stage_t *st = lt_dataset_stage_now(d, feature);
    if (!st)
        return;
    lt_json_key(b, first, "lifecycle");
    write_stage(b, st);
}

static void api_lifecycle(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    /* an archived flag's too (its last stage is "archived"), as Unleash answers */
    const char *name = lt_adm_param(p, "featureName"), *project = lt_adm_param(p, "projectId");
    const lt_feature_t *f = lt_dataset_feature(d, name);
    if (!f || strcmp(f->project, project) != 0) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find feature flag with name %s", name);
        return;
    }
    size_t start;
    size_t n = lt_dataset_stages(d, f->name, &start);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_stage(&b, &d->stages[start + i]);
    }
    lt_buf_putc(&b, ']');
    lt_adm_reply(r, 200, &b);
}

/* The flags in each stage, by the stage each entered last (as Unleash counts them). */
static void api_lifecycle_count(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    static const char *const stages[] = {"initial", "pre-live", "live", "completed", "archived"};
    size_t counts[5] = {0};
    for (size_t i = 0; i < d->n_stages; i++) {
        const lt_stage_t *st = &d->stages[i];
        if (i + 1 < d->n_stages && strcmp(d->stages[i + 1].feature, st->feature) == 0)
            continue; /* not the flag's last */
        if (!lt_dataset_feature(d, st->feature))
            continue;
        for (size_t k = 0; k < 5; k++)
            counts[k] += strcmp(st->stage, stages[k]) == 0;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "{\"initial\":%zu,\"preLive\":%zu,\"live\":%zu,\"completed\":%zu,"
                      "\"archived\":%zu}",
                  counts[0], counts[1], counts[2], counts[3], counts[4]);
    lt_adm_reply(r, 200, &b);
}

static int do_complete(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_feature_t *f = lt_adm_find_live(&snap->data, c, w);
    if (!f)
        return LT_EINVAL;
    if (!c->on) {
        lt_event_t ev = lt_adm_wctx_event(c, "feature-uncompleted");
        ev.feature_name = f->name;
        return lt_store_lifecycle_uncomplete(s, f->name, &ev);
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, c->body)
    {
        if (strcmp(it->string, "status") != 0 && strcmp(it->string, "statusValue") != 0)
            return lt_write_fail(w, 400, "ValidationError", "\"%s\" is not allowed.", it->string);
    }
    const char *status = lt_adm_str(c->body, "status");
    if (!status || (strcmp(status, "kept") != 0 && strcmp(status, "discarded") != 0))
        return lt_write_fail(w, 400, "ValidationError",
                             "\"status\" is required and one of kept, discarded.");
    bool bad = false;
    const char *value = lt_adm_opt_str(c->body, "statusValue", MAX_STATUS_VALUE, &bad);
    if (bad)
        return lt_write_fail(w, 400, "ValidationError",
                             "\"statusValue\" must be a string of at most %d bytes.",
                             MAX_STATUS_VALUE);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"status\":");
    lt_json_cstr(&b, status);
    if (value) {
        lt_buf_puts(&b, ",\"statusValue\":");
        lt_json_cstr(&b, value);
    }
    lt_buf_printf(&b, ",\"kept\":%s}", strcmp(status, "kept") == 0 ? "true" : "false");
    lt_event_t ev = lt_adm_wctx_event(c, "feature-completed");
    ev.feature_name = f->name;
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_lifecycle_complete(s, f->name, status, value, &ev);
}

LT_ADM_WRITE(api_complete, do_complete, 200, .on = true)
LT_ADM_WRITE(api_uncomplete, do_complete, 200, .on = false)

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_lifecycle[] = {
    ROUTE(LT_GET, LT_ADM_PF "/lifecycle", api_lifecycle, LT_AUTHENTICATED),
    ROUTE(LT_POST, LT_ADM_PF "/lifecycle/complete", api_complete, LT_ADM_FLAG("UPDATE_FEATURE"),
          LT_JSON_OBJECT),
    ROUTE(LT_POST, LT_ADM_PF "/lifecycle/uncomplete", api_uncomplete,
          LT_ADM_FLAG("UPDATE_FEATURE")),
    ROUTE(LT_GET, "/api/admin/lifecycle/count", api_lifecycle_count, LT_AUTHENTICATED),
    {0},
};
