/*
 * admin.c: what runs before and around every admin handler: the route guard (authenticate,
 * authorize as the route declares, parse its body), permission checks, the write path, and
 * the small helpers every resource file shares; see admin_int.h. The bodies of 401 and 403
 * answers are Unleash's (UNLEASH-API.md §2.3).
 */
#include "admin_int.h"
#include "../../model/model_json.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../auth/session.h"
#include "../../base/util.h"
#include "../guard.h"
#include "../quota.h"
#include "../token_usage.h"
#include "../token_ops.h"

static void reply_unauthorized(lt_req_t *r)
{
    char id[37];
    lt_uuid(id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b,
                  "{\"id\":\"%s\",\"name\":\"UnauthorizedError\",\"message\":\"You must log in "
                  "to use Unleash.\",\"details\":[{\"message\":\"You must log in to use "
                  "Unleash.\"}]}",
                  id);
    lt_reply_buf(r, 401, LT_JSON_TYPE, &b);
}

static void reply_login_required(lt_req_t *r)
{
    static const char msg[] =
        "You must log in to use Unleash. Your request had no authorization header, so we "
        "could not authorize you. Try logging in at /auth/simple/login";
    char id[37];
    lt_uuid(id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b,
                  "{\"id\":\"%s\",\"name\":\"AuthenticationRequired\",\"message\":\"%s\","
                  "\"details\":[{\"message\":\"%s\"}],\"path\":\"/auth/simple/login\","
                  "\"type\":\"password\",\"defaultHidden\":false}",
                  id, msg, msg);
    lt_reply_buf(r, 401, LT_JSON_TYPE, &b);
}

/* A read-only PAT's write: 403, whatever its user may do. */
static void reply_read_only(lt_req_t *r)
{
    char id[37];
    lt_uuid(id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b,
                  "{\"id\":\"%s\",\"name\":\"PermissionError\",\"message\":\"This personal "
                  "access token is read-only.\",\"details\":[{\"message\":\"This personal access "
                  "token is read-only.\"}]}",
                  id);
    lt_reply_buf(r, 403, LT_JSON_TYPE, &b);
}

/* Is a header value (a slice) equal to a NUL-terminated string? */
static bool str_is(lt_str_t v, const char *s)
{
    return v.ptr && lt_str_eq_c(v, s);
}

/* Is origin ("scheme://host[:port]") this server as the request names it (Host, or a trusted
 * proxy's X-Forwarded-Host)? */
static bool origin_is_self(lt_req_t *r, lt_str_t origin)
{
    const char *sep = origin.ptr ? memmem(origin.ptr, origin.len, "://", 3) : NULL;
    if (!sep)
        return false;
    lt_str_t host = {sep + 3, origin.len - (size_t)(sep + 3 - origin.ptr)};
    lt_str_t own = lt_req_header(r, "Host");
    if (own.ptr && own.len == host.len && strncasecmp(own.ptr, host.ptr, host.len) == 0)
        return true;
    lt_str_t fwd = lt_req_header(r, "X-Forwarded-Host");
    return fwd.ptr && lt_http_trusted_proxy(lt_str_c(lt_req_peer(r))) && fwd.len == host.len &&
           strncasecmp(fwd.ptr, host.ptr, host.len) == 0;
}

/*
 * A browser sends the session cookie with requests other sites make it send, so a write
 * authenticated by the cookie must come from latch's own pages: Sec-Fetch-Site same-origin
 * (or none: typed by the user), else an Origin that is this server. A request with neither
 * header is not a browser's cross-site request (every current browser sends Origin with a
 * POST, PUT, PATCH or DELETE) and passes. Bearer tokens are never sent by a browser on its own
 * and are not checked.
 */
static bool cookie_write_same_origin(lt_req_t *r)
{
    lt_method_t m = lt_req_method(r);
    if (m == LT_GET || m == LT_HEAD || m == LT_OPTIONS)
        return true;
    lt_str_t site = lt_req_header(r, "Sec-Fetch-Site");
    if (site.ptr)
        return str_is(site, "same-origin") || str_is(site, "none");
    lt_str_t origin = lt_req_header(r, "Origin");
    return !origin.ptr || origin_is_self(r, origin);
}

bool lt_admin_auth(lt_req_t *r, lt_principal_t *p)
{
    memset(p, 0, sizeof(*p));
    lt_snapshot_t *s = lt_req_snapshot(r);
    lt_str_t presented = lt_guard_presented(r);
    if (presented.ptr && presented.len) {
        const lt_token_t *t = lt_token_table_find_presented(&s->tokens, presented);
        int64_t now = lt_now_ms();
        if (!t || !lt_token_live(t, now)) {
            reply_unauthorized(r);
            return false;
        }
        lt_snapshot_token_seen(s, t, now);
        lt_token_usage_note(r, t, LT_TOKEN_ADMIN);
        if ((t->type == LT_TOKEN_ADMIN || t->type == LT_TOKEN_PAT) && !lt_quota_admit(r, t))
            return false;
        if (t->type == LT_TOKEN_ADMIN) {
            p->admin_token = true;
            p->name = t->name;
            return true;
        }
        if (t->type == LT_TOKEN_PAT) {
            p->user = lt_access_user(&s->data, t->user_id);
            if (!p->user) {
                reply_unauthorized(r);
                return false;
            }
            p->pat = t;
            if (t->read_only && lt_req_method(r) != LT_GET && lt_req_method(r) != LT_HEAD) {
                reply_read_only(r);
                return false;
            }
        } else {
            lt_reply_json(r, 403, LT_MSG_WRONG_TYPE);
            return false;
        }
    } else {
        lt_str_t cookie = lt_cookie_get(lt_req_header(r, "Cookie"), LT_SESSION_COOKIE);
        int64_t uid = cookie.ptr ? lt_session_user(cookie) : 0;
        p->user = uid ? lt_access_user(&s->data, uid) : NULL;
        if (!p->user) {
            reply_login_required(r);
            return false;
        }
        if (!cookie_write_same_origin(r)) {
            p->user = NULL;
            lt_reply_error(r, 403, "ForbiddenError",
                           "A write authenticated by the session cookie must come from this "
                           "server's own pages (Origin or Sec-Fetch-Site names another site).");
            return false;
        }
    }
    char *buf = lt_arena_alloc(lt_req_arena(r), 32);
    p->name = lt_user_display(p->user, buf, 32);
    return true;
}

bool lt_admin_require(lt_req_t *r, const lt_principal_t *p, const char *perm, const char *project,
                      const char *env)
{
    if (lt_access_can(&lt_req_snapshot(r)->data, p, perm, project, env))
        return true;
    char id[37];
    lt_uuid(id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b,
                  "{\"id\":\"%s\",\"name\":\"PermissionError\",\"message\":\"You don't have the "
                  "required permissions to perform this operation. To perform this action, you "
                  "need the \\\"%s\\\" permission.\",\"details\":[{\"message\":\"You don't have "
                  "the required permissions to perform this operation. To perform this action, "
                  "you need the \\\"%s\\\" permission.\"}],\"permissions\":[\"%s\"]}",
                  id, perm, perm, perm);
    lt_reply_buf(r, 403, LT_JSON_TYPE, &b);
    return false;
}

/* ---------- the route guard ---------- */

static void free_json(void *j)
{
    cJSON_Delete(j);
}

bool lt_adm_parse_body(lt_req_t *r, lt_adm_ctx_t *c)
{
    if (!c->decl->body || c->body)
        return true;
    c->body = lt_admin_body(r, (int)c->decl->body);
    if (!c->body)
        return false;
    lt_req_on_done(r, free_json, c->body);
    return true;
}

/* The project a permission is checked in: the path's, else the project of the path's flag. */
static const char *scope_project(lt_req_t *r, const lt_adm_ctx_t *c)
{
    const lt_adm_decl_t *d = c->decl;
    const char *project = d->project ? lt_adm_param(c->params, d->project) : NULL;
    if (!project && d->feature) {
        const char *name = lt_adm_param(c->params, d->feature);
        const lt_feature_t *f = name ? lt_dataset_feature(&lt_req_snapshot(r)->data, name) : NULL;
        project = f ? f->project : "default";
    }
    return project;
}

bool lt__adm_guard(lt_req_t *r, const lt_route_t *rt, const lt_params_t *p)
{
    const lt_adm_decl_t *d = rt->decl;
    lt_adm_ctx_t *c = lt_arena_calloc(lt_req_arena(r), 1, sizeof(*c));
    c->params = p;
    c->decl = d;
    lt_req_set_ctx(r, c);
    if (d->access != LT_ADM_PUBLIC && !lt_admin_auth(r, &c->who))
        return false;
    switch (d->access) {
    case LT_ADM_PUBLIC:
    case LT_ADM_AUTHENTICATED:
        break;
    case LT_ADM_PERMISSION:
        if (!lt_admin_require(r, &c->who, d->perm, scope_project(r, c),
                              d->env ? lt_adm_param(p, d->env) : NULL))
            return false;
        break;
    case LT_ADM_AUTHORIZER:
        if (!d->authorize(r, c))
            return false;
        break;
    default: /* undeclared: fail closed */
        if (!lt_admin_require(r, &c->who, "ADMIN", NULL, NULL))
            return false;
    }
    return lt_adm_parse_body(r, c);
}

lt_adm_ctx_t *lt_adm_ctx(lt_req_t *r)
{
    lt_adm_ctx_t *c = lt_req_ctx(r);
    lt_assert(c);
    return c;
}

/* ---------- shared helpers ---------- */

void lt_adm_write_token_life(lt_buf_t *b, const lt_token_t *t, int64_t now_ms)
{
    bool in_grace = t->grace_until && t->grace_until > now_ms;
    lt_buf_printf(b, ",\"rotated\":%s,\"inGrace\":%s,\"graceEndsAt\":",
                  t->grace_until ? "true" : "false", in_grace ? "true" : "false");
    lt_json_time(b, t->grace_until);
    lt_buf_printf(b, ",\"expiringSoon\":%s,\"requestsPerSecond\":", lt_token_expiring_soon(t, now_ms) ? "true" : "false");
    if (t->quota_rps)
        lt_buf_printf(b, "%lld", (long long)t->quota_rps);
    else
        lt_buf_puts(b, "null");
}

void lt_adm_reply_new_token(lt_req_t *r, const uint8_t digest[32], const char *secret,
                            const char *location, lt_adm_token_json_fn json)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    const lt_token_t *t = lt_token_table_find(&s->tokens, digest);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (t)
        json(&b, s, t, secret);
    lt_snapshot_release(s);
    if (!t) {
        lt_buf_dispose(&b);
        lt_reply_error(r, 500, "InternalError", "The token was stored but cannot be read back.");
        return;
    }
    if (location)
        lt_reply_header(r, "Location", location);
    lt_reply_buf(r, 201, LT_JSON_TYPE, &b);
}

bool lt_adm_grace_seconds(lt_req_t *r, const cJSON *body, int64_t *out)
{
    *out = 0;
    const cJSON *v = body ? cJSON_GetObjectItemCaseSensitive(body, "gracePeriodSeconds") : NULL;
    if (!v || cJSON_IsNull(v))
        return true;
    if (!cJSON_IsNumber(v) || v->valuedouble < 0 || v->valuedouble > LT_TOKEN_MAX_GRACE_S ||
        v->valuedouble != (double)(int64_t)v->valuedouble) {
        lt_reply_error(r, 400, "ValidationError",
                       "gracePeriodSeconds must be a whole number of seconds from 0 to %d.",
                       LT_TOKEN_MAX_GRACE_S);
        return false;
    }
    *out = (int64_t)v->valuedouble;
    return true;
}

const char *lt_adm_param(const lt_params_t *p, const char *name)
{
    for (int i = 0; i < p->n; i++)
        if (strcmp(p->name[i], name) == 0)
            return p->value[i];
    return NULL;
}

bool lt_adm_parse_id(const char *s, int64_t *out)
{
    if (!s || !*s || strlen(s) > 18)
        return false;
    int64_t v = 0;
    for (const char *c = s; *c; c++) {
        if (*c < '0' || *c > '9')
            return false;
        v = v * 10 + (*c - '0');
    }
    *out = v;
    return v > 0;
}

const char *lt_adm_opt_str(const cJSON *obj, const char *key, size_t max, bool *bad)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v))
        return NULL;
    if (!cJSON_IsString(v) || (max && strlen(v->valuestring) > max)) {
        *bad = true;
        return NULL;
    }
    return v->valuestring;
}

const char *lt_adm_str(const cJSON *obj, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsString(v) ? v->valuestring : NULL;
}

void lt_adm_reply(lt_req_t *r, int status, lt_buf_t *b)
{
    lt_reply_buf(r, status, LT_JSON_TYPE, b);
}

void lt_adm_reply_created(lt_req_t *r, const char *prefix, const char *name, lt_buf_t *b)
{
    char loc[160];
    snprintf(loc, sizeof(loc), "%s/%s", prefix, name);
    lt_reply_header(r, "Location", loc);
    lt_adm_reply(r, 201, b);
}

const char *lt_adm_body_name(lt_req_t *r, const cJSON *body)
{
    const char *name = lt_adm_str(body, "name");
    if (lt_adm_name_ok(name))
        return name;
    if (!name)
        lt_adm_reply_bad_body(r, "/body/name", LT_ADM_REQUIRED, "/body/name");
    else
        lt_reply_error(r, 400, "ValidationError", "\"name\" must be URL friendly");
    return NULL;
}

cJSON *lt_admin_body(lt_req_t *r, int type)
{
    if (!lt_req_is_json(r)) {
        lt_reply_error(r, 415, "ContentTypeError",
                       "We do not accept the content-type you provided (%s). Try using "
                       "application/json instead.",
                       lt_req_header(r, "Content-Type").ptr ? "given" : "none");
        return NULL;
    }
    lt_str_t body = lt_req_body(r);
    cJSON *j = lt_json_parse(body.ptr, body.len);
    if (!j || !(j->type & type)) {
        cJSON_Delete(j);
        lt_reply_error(r, 400, "BadDataError", "The request body must be a JSON %s.",
                       type & cJSON_Array ? "list" : "object");
        return NULL;
    }
    return j;
}

lt_event_t lt_admin_event(const lt_principal_t *p, const char *type)
{
    lt_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.created_by = p->name;
    ev.created_by_user_id = p->user ? p->user->id : 0;
    return ev;
}

int lt_write_fail(lt_write_t *w, int status, const char *name, const char *fmt, ...)
{
    w->status = status;
    w->name = name;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
    va_end(ap);
    return LT_EINVAL;
}

int lt_write_bad_body(lt_write_t *w, const char *path, const char *fmt, ...)
{
    w->status = 400;
    w->name = "BadDataError";
    snprintf(w->path, sizeof(w->path), "%s", path);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
    va_end(ap);
    return LT_EINVAL;
}

static void reply_bad_body(lt_req_t *r, const char *path, const char *detail)
{
    char id[37];
    lt_uuid(id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"id\":\"");
    lt_buf_puts(&b, id);
    lt_buf_puts(&b, "\",\"name\":\"BadDataError\",\"message\":\"Request validation failed: your "
                    "request body or params contain invalid data. Refer to the `details` list "
                    "for more information.\",\"details\":[{\"path\":");
    lt_json_cstr(&b, path);
    lt_buf_puts(&b, ",\"message\":");
    lt_json_cstr(&b, detail);
    lt_buf_puts(&b, "}]}");
    lt_reply_buf(r, 400, LT_JSON_TYPE, &b);
}

void lt_adm_reply_bad_body(lt_req_t *r, const char *path, const char *fmt, ...)
{
    char msg[384];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    reply_bad_body(r, path, msg);
}

void lt_adm_reply_write_error(lt_req_t *r, const lt_write_t *w)
{
    if (w->path[0])
        reply_bad_body(r, w->path, w->msg);
    else
        lt_reply_error(r, w->status, w->name, "%s", w->msg);
}

int lt_admin_write(lt_req_t *r, lt_write_fn fn, lt_write_t *w)
{
    w->status = 0;
    w->msg[0] = '\0';
    lt_store_t *store = lt_state_lock();
    lt_snapshot_t *snap = lt_snapshot_acquire();
    int rc = store && snap ? fn(store, snap, w) : LT_ERR;
    lt_snapshot_release(snap);
    if (rc == LT_OK)
        lt_state_reload_locked();
    /* a full disk: say so (507), and nothing else changes: reads go on from the snapshot, and
     * the next write after space is freed works */
    if (rc == LT_ERR && !w->status && store && lt_store_out_of_space(store))
        lt_write_fail(w, 507, "InsufficientStorageError",
                      "The change could not be stored: the disk of the store is full. Reads "
                      "keep working; writes work again once space is freed.");
    else if (rc == LT_ERR && !w->status && lt_state_store_down_locked()) /* PostgreSQL away */
        lt_write_fail(w, 503, "ServiceUnavailableError",
                      "The store cannot be reached: the change was not made. Reads are served "
                      "from the last snapshot; try again when /ready answers 200.");
    lt_state_unlock();
    if (rc != LT_OK) {
        if (!w->status)
            lt_write_fail(w, rc == LT_ENOTFOUND ? 404 : 500,
                          rc == LT_ENOTFOUND ? "NotFoundError" : "InternalError",
                          rc == LT_ENOTFOUND ? "Could not find the resource."
                                             : "The change could not be stored.");
        lt_adm_reply_write_error(r, w);
    }
    return rc;
}

bool lt_admin_query_int(lt_req_t *r, const char *name, int64_t *out)
{
    lt_str_t v = lt_req_query(r, name);
    if (!v.ptr || !v.len || v.len > 18)
        return false;
    int64_t n = 0;
    for (size_t i = 0; i < v.len; i++) {
        if (v.ptr[i] < '0' || v.ptr[i] > '9')
            return false;
        n = n * 10 + (v.ptr[i] - '0');
    }
    *out = n;
    return true;
}

