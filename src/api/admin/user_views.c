/*
 * user_views.c: the reads of the user admin that Unleash's UI lists users with: how many
 * administrators there are (with and without a password), a search by name, username or
 * e-mail, everyone a project access dialog can pick (users; latch has no groups), the users
 * inactive for 180 days and the deletion of them; and the deletion of SCIM users, of which latch has none. From the
 * request's snapshot; the password count asks the store, since hashes are never in one.
 */
#include <stdio.h>
#include <strings.h>

#include "../../auth/session.h"
#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"
#include "../user_ops.h"

#define USER_SEARCH_MAX 100    /* users in one search answer */
#define USER_INACTIVE_DAYS 180 /* Unleash's threshold */
#define USER_DELETE_MAX 1000   /* ids in one inactive/delete body */

static bool is_admin(const lt_dataset_t *d, const lt_user_t *u)
{
    for (size_t i = 0; i < d->n_roles; i++)
        if (d->roles[i].id == u->root_role)
            return strcmp(d->roles[i].name, "Admin") == 0;
    return false;
}

static void admin_count(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_store_t *store = lt_state_store();
    size_t with = 0, without = 0;
    for (size_t i = 0; i < d->n_users; i++) {
        const lt_user_t *u = &d->users[i];
        if (!is_admin(d, u))
            continue;
        lt_user_auth_t ua;
        memset(&ua, 0, sizeof(ua));
        const char *login = u->username ? u->username : u->email;
        bool has = store && login &&
                   lt_store_user_auth(store, lt_req_arena(r), login, &ua) == LT_OK &&
                   ua.user_id == u->id && ua.password_hash;
        if (has)
            with++;
        else
            without++;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "{\"password\":%zu,\"noPassword\":%zu,\"service\":0}", with, without);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static bool icontains(const char *hay, const char *needle, size_t n)
{
    if (!hay)
        return false;
    for (const char *c = hay; *c; c++)
        if (strncasecmp(c, needle, n) == 0)
            return true;
    return false;
}

/* GET /api/admin/user-admin/search?q=: the users whose name, username or e-mail holds q
 * (case-insensitive), at most USER_SEARCH_MAX; an empty q finds none, as Unleash. */
static void user_search(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_str_t q = lt_req_query(r, "q");
    if (q.len > LT_ADM_MAX_FIELD) {
        lt_reply_error(r, 400, "ValidationError", "q is at most %d characters.", LT_ADM_MAX_FIELD);
        return;
    }
    char *needle = q.ptr ? lt_arena_strndup(lt_req_arena(r), q.ptr, q.len) : NULL;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    size_t n = 0;
    for (size_t i = 0; needle && q.len && i < d->n_users && n < USER_SEARCH_MAX; i++) {
        const lt_user_t *u = &d->users[i];
        if (!icontains(u->name, needle, q.len) && !icontains(u->username, needle, q.len) &&
            !icontains(u->email, needle, q.len))
            continue;
        if (n++)
            lt_buf_putc(&b, ',');
        lt_adm_write_user(&b, u, 0);
    }
    lt_buf_putc(&b, ']');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* GET /api/admin/user-admin/access: {users, groups} for access dialogs. */
static void user_access(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"users\":[");
    for (size_t i = 0; i < d->n_users; i++) {
        const lt_user_t *u = &d->users[i];
        lt_buf_printf(&b, "%s{\"id\":%lld,\"name\":", i ? "," : "", (long long)u->id);
        lt_json_cstr_or_null(&b, u->name);
        lt_buf_puts(&b, ",\"email\":");
        lt_json_cstr_or_null(&b, u->email);
        lt_buf_puts(&b, ",\"username\":");
        lt_json_cstr_or_null(&b, u->username);
        lt_buf_puts(&b, ",\"accountType\":\"User\"}");
    }
    lt_buf_puts(&b, "],\"groups\":[]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static int64_t inactive_cutoff(void)
{
    return lt_now_ms() - (int64_t)USER_INACTIVE_DAYS * 86400000;
}

/* Inactive as Unleash says: not seen (or, never seen, not created) since cutoff. */
static bool is_inactive(const lt_user_t *u, int64_t cutoff)
{
    int64_t last = u->seen_at ? u->seen_at : u->created_at;
    return last < cutoff;
}

/* GET /api/admin/user-admin/inactive: users not seen (or, never seen, created) in the last
 * USER_INACTIVE_DAYS days. */
static void user_inactive(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    int64_t cutoff = inactive_cutoff();
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"inactiveUsers\":[");
    bool first = true;
    for (size_t i = 0; i < d->n_users; i++) {
        const lt_user_t *u = &d->users[i];
        if (!is_inactive(u, cutoff))
            continue;
        lt_buf_printf(&b, "%s{\"id\":%lld,\"name\":", first ? "" : ",", (long long)u->id);
        first = false;
        lt_json_cstr_or_null(&b, u->name);
        lt_buf_puts(&b, ",\"email\":");
        lt_json_cstr_or_null(&b, u->email);
        lt_buf_puts(&b, ",\"username\":");
        lt_json_cstr_or_null(&b, u->username);
        lt_buf_puts(&b, ",\"seenAt\":");
        lt_json_time(&b, u->seen_at);
        lt_buf_puts(&b, ",\"createdAt\":");
        lt_json_time(&b, u->created_at);
        lt_buf_puts(&b, ",\"patSeenAt\":null}");
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

typedef struct {
    const lt_principal_t *who;
    const int64_t *ids;
    size_t n;
    const lt_user_t **us; /* room for n: the users deleted, n_deleted of them */
    int64_t *deleted;     /* their ids */
    size_t n_deleted;
} inactive_delete_t;

static int inactive_delete_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    inactive_delete_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_user_t **us = c->us;
    int64_t cutoff = inactive_cutoff();
    int64_t self = c->who->user ? c->who->user->id : 0;
    size_t n = 0;
    for (size_t i = 0; i < c->n; i++) {
        const lt_user_t *u = c->ids[i] != self ? lt_access_user(d, c->ids[i]) : NULL;
        bool twice = false;
        for (size_t k = 0; u && k < n; k++)
            twice = twice || us[k] == u;
        if (u && !twice && is_inactive(u, cutoff)) {
            c->deleted[n] = u->id;
            us[n++] = u;
        }
    }
    c->n_deleted = n;
    return lt_users_delete(store, us, n, c->who);
}

/* POST /api/admin/user-admin/inactive/delete {ids}: delete those of the users that are
 * inactive (the caller never), in one transaction; other ids are passed over, as Unleash. */
static void inactive_delete(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const cJSON *ids = cJSON_GetObjectItemCaseSensitive(lt_adm_ctx(r)->body, "ids");
    if (!ids) {
        lt_adm_reply_bad_body(r, "/body/ids", LT_ADM_REQUIRED, "ids");
        return;
    }
    if (!cJSON_IsArray(ids)) {
        lt_adm_reply_bad_body(r, "/body/ids", "The `ids` property must be an array.");
        return;
    }
    size_t n = (size_t)cJSON_GetArraySize(ids);
    if (n > USER_DELETE_MAX) {
        lt_adm_reply_bad_body(r, "/body/ids", "The `ids` property has at most %d items.",
                              USER_DELETE_MAX);
        return;
    }
    int64_t *v = lt_arena_alloc(lt_req_arena(r), (n + 1) * sizeof(*v));
    int64_t *deleted = lt_arena_alloc(lt_req_arena(r), (n + 1) * sizeof(*deleted));
    size_t i = 0;
    for (const cJSON *it = ids->child; it; it = it->next, i++) {
        if (!cJSON_IsNumber(it) || it->valuedouble < 0 || it->valuedouble > 1e15) {
            lt_adm_reply_bad_body(r, "/body/ids", "Every item of `ids` must be a number >= 0.");
            return;
        }
        v[i] = (int64_t)it->valuedouble;
    }
    const lt_user_t **us = lt_arena_alloc(lt_req_arena(r), (n + 1) * sizeof(*us));
    inactive_delete_t c = {&lt_adm_ctx(r)->who, v, n, us, deleted, 0};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, inactive_delete_fn, &w) == LT_OK) {
        for (size_t k = 0; k < c.n_deleted; k++)
            lt_session_end_user(c.deleted[k]);
        lt_reply_empty(r, 200);
    }
}

/* DELETE /api/admin/user-admin/scim-users: latch provisions no user through SCIM, so there is
 * none to delete: 200, nothing written. */
static void scim_users_delete(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    lt_reply_empty(r, 200);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_user_views[] = {
    ROUTE(LT_GET, "/api/admin/user-admin/admin-count", admin_count, LT_PERM("ADMIN")),
    ROUTE(LT_GET, "/api/admin/user-admin/search", user_search, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/user-admin/access", user_access, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/user-admin/inactive", user_inactive, LT_PERM("ADMIN")),
    ROUTE(LT_POST, "/api/admin/user-admin/inactive/delete", inactive_delete, LT_PERM("ADMIN"),
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/user-admin/scim-users", scim_users_delete, LT_PERM("ADMIN")),
    {0},
};
