/*
 * ui_prompts.c: what each user did with the prompts of Unleash's admin UI, so that it does not
 * ask again: the splash screens seen (POST /api/admin/splash/:id) and the feedback prompts
 * answered (POST /api/admin/feedback, PUT /api/admin/feedback/:id). GET /api/admin/user lists
 * them (login.c calls lt_adm_write_user_marks).
 */
#include <stdio.h>

#include "../../base/util.h"
#include "admin_int.h"

#define MAX_PROMPT_ID 100

void lt_adm_write_user_marks(lt_buf_t *b, const lt_dataset_t *d, int64_t user)
{
    for (int splash = 0; splash < 2; splash++) {
        lt_buf_puts(b, splash ? ",\"splash\":{" : ",\"feedback\":[");
        bool any = false;
        for (size_t i = 0; user && i < d->n_user_marks; i++) {
            const lt_user_mark_t *m = &d->user_marks[i];
            if (m->user_id != user || strcmp(m->kind, splash ? "splash" : "feedback") != 0)
                continue;
            if (any)
                lt_buf_putc(b, ',');
            any = true;
            if (splash) {
                lt_json_cstr(b, m->name);
                lt_buf_puts(b, ":true");
                continue;
            }
            lt_buf_printf(b, "{\"userId\":%lld,\"feedbackId\":", (long long)user);
            lt_json_cstr(b, m->name);
            lt_buf_puts(b, ",\"given\":");
            lt_json_time(b, m->given);
            lt_buf_printf(b, ",\"neverShow\":%s}", m->never_show ? "true" : "false");
        }
        lt_buf_putc(b, splash ? '}' : ']');
    }
}

typedef struct {
    const lt_principal_t *who;
    lt_user_mark_t mark;
    char reply[512];
} mark_ctx_t;

static int do_mark(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    LT_UNUSED(snap);
    mark_ctx_t *c = w->ctx;
    bool splash = strcmp(c->mark.kind, "splash") == 0;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "{\"userId\":%lld,\"%s\":", (long long)c->mark.user_id,
                  splash ? "splashId" : "feedbackId");
    lt_json_cstr(&b, c->mark.name);
    if (splash) {
        lt_buf_puts(&b, ",\"seen\":true}");
    } else {
        lt_buf_puts(&b, ",\"given\":");
        lt_json_time(&b, c->mark.given);
        lt_buf_printf(&b, ",\"neverShow\":%s}", c->mark.never_show ? "true" : "false");
    }
    snprintf(c->reply, sizeof(c->reply), "%s", b.ptr ? b.ptr : "{}");
    lt_buf_dispose(&b);
    lt_event_t ev = lt_admin_event(c->who, splash ? "user-splash-seen" : "user-feedback-given");
    ev.data = c->reply;
    return lt_store_user_mark_put(s, &c->mark, &ev);
}

/* Record kind name (a path or body id) for the caller, with the body's neverShow and given
 * (feedback), and reply 200 with the record. */
static void mark(lt_req_t *r, const char *kind, const char *name)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    if (!ac->who.user) {
        lt_reply_error(r, 400, "BadDataError",
                       "This belongs to a user: sign in or use a personal access token.");
        return;
    }
    if (!name || !name[0] || strlen(name) > MAX_PROMPT_ID) {
        lt_reply_error(r, 400, "BadDataError", "Missing %sId (at most %d bytes)", kind,
                       MAX_PROMPT_ID);
        return;
    }
    mark_ctx_t c = {.who = &ac->who,
                    .mark = {.user_id = ac->who.user->id, .kind = kind, .name = name}};
    if (strcmp(kind, "feedback") == 0) {
        const cJSON *ns = cJSON_GetObjectItemCaseSensitive(ac->body, "neverShow");
        const cJSON *given = cJSON_GetObjectItemCaseSensitive(ac->body, "given");
        if ((ns && !cJSON_IsBool(ns) && !cJSON_IsNull(ns)) ||
            (given && !cJSON_IsString(given) && !cJSON_IsNull(given))) {
            lt_reply_error(r, 400, "ValidationError",
                           "\"neverShow\" must be a boolean and \"given\" a date.");
            return;
        }
        c.mark.never_show = cJSON_IsTrue(ns);
        int64_t at = 0;
        if (cJSON_IsString(given) && lt_time_parse(given->valuestring, strlen(given->valuestring), &at) != LT_OK) {
            lt_reply_error(r, 400, "ValidationError", "\"given\" must be a date.");
            return;
        }
        c.mark.given = at ? at : lt_now_ms();
    }
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, do_mark, &w) == LT_OK)
        lt_reply_json(r, 200, c.reply);
}

static void api_splash(lt_req_t *r, const lt_params_t *p)
{
    mark(r, "splash", lt_adm_param(p, "id"));
}

static void api_feedback_create(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    mark(r, "feedback", lt_adm_str(lt_adm_ctx(r)->body, "feedbackId"));
}

static void api_feedback_update(lt_req_t *r, const lt_params_t *p)
{
    mark(r, "feedback", lt_adm_param(p, "id"));
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_ui_prompts[] = {
    ROUTE(LT_POST, "/api/admin/splash/:id", api_splash, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/feedback", api_feedback_create, LT_AUTHENTICATED, LT_JSON_OBJECT),
    ROUTE(LT_PUT, "/api/admin/feedback/:id", api_feedback_update, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    {0},
};
