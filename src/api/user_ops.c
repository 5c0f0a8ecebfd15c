/*
 * user_ops.c: the rules of users and their writes with their events, shared by the admin API,
 * `latch user` and the first-start admin user; see user_ops.h.
 */
#include "user_ops.h"

#include <stdlib.h>
#include <strings.h>

#include "../base/util.h"

bool lt_user_name_taken(const lt_dataset_t *d, const lt_user_t *u)
{
    /* usernames and emails are unique regardless of case: logins ignore it */
    for (size_t i = 0; i < d->n_users; i++) {
        const lt_user_t *o = &d->users[i];
        if (o->id == u->id)
            continue;
        if ((u->username && o->username && strcasecmp(u->username, o->username) == 0) ||
            (u->email && o->email && strcasecmp(u->email, o->email) == 0))
            return true;
    }
    return false;
}

const lt_role_t *lt_user_root_role(const lt_dataset_t *d, const char *name, int64_t id)
{
    const lt_role_t *role = name ? lt_access_role_named(d, name) : NULL;
    if (!role && id > 0)
        role = lt_access_role(d, id);
    return role && strncmp(role->type, "root", 4) == 0 ? role : NULL;
}

int lt_user_hash_password(const char *password, bool rules, char hash[LT_PASSWORD_HASH_MAX],
                          const char **why)
{
    *why = rules ? lt_password_check(password) : NULL;
    if (*why)
        return LT_EINVAL;
    return lt_password_hash(password, hash) == LT_OK ? LT_OK : LT_ERR;
}

/* ---------- events: one shape per type ---------- */

/* What every user event says of a user: {id?, name, email, username, rootRole}; never the
 * password or its hash. */
static void write_user_data(lt_buf_t *b, const lt_user_t *u)
{
    lt_buf_puts(b, "{");
    if (u->id)
        lt_buf_printf(b, "\"id\":%lld,", (long long)u->id);
    lt_buf_puts(b, "\"name\":");
    lt_json_cstr_or_null(b, u->name);
    lt_buf_puts(b, ",\"email\":");
    lt_json_cstr_or_null(b, u->email);
    lt_buf_puts(b, ",\"username\":");
    lt_json_cstr_or_null(b, u->username);
    lt_buf_printf(b, ",\"rootRole\":%lld}", (long long)u->root_role);
}

static lt_event_t event_for(const lt_principal_t *who, const char *type)
{
    lt_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.created_by = who->name;
    ev.created_by_user_id = who->user ? who->user->id : 0;
    return ev;
}

/* ---------- writes ---------- */

static int user_put(lt_store_t *s, const lt_dataset_t *d, const lt_user_t *u, const char *hash,
                    lt_user_change_t change, lt_reset_token_t *invite, const lt_principal_t *who,
                    int64_t *out_id);

int lt_user_put(lt_store_t *s, const lt_dataset_t *d, const lt_user_t *u, const char *hash,
                lt_user_change_t change, const lt_principal_t *who, int64_t *out_id)
{
    return user_put(s, d, u, hash, change, NULL, who, out_id);
}

int lt_user_create_invited(lt_store_t *s, const lt_dataset_t *d, const lt_user_t *u,
                           const char *hash, lt_reset_token_t *invite, const lt_principal_t *who,
                           int64_t *out_id)
{
    return u->id ? LT_ERR : user_put(s, d, u, hash, LT_USER_CREATED, invite, who, out_id);
}

static int user_put(lt_store_t *s, const lt_dataset_t *d, const lt_user_t *u, const char *hash,
                    lt_user_change_t change, lt_reset_token_t *invite, const lt_principal_t *who,
                    int64_t *out_id)
{
    static const char *const types[] = {"user-created", "user-updated", "user-password-changed"};
    const lt_user_t *old = u->id ? lt_access_user(d, u->id) : NULL;
    if (u->id && !old)
        return LT_ENOTFOUND;
    if (lt_user_name_taken(d, u))
        return LT_EINVAL;
    lt_buf_t data, pre;
    lt_buf_init(&data, 0);
    lt_buf_init(&pre, 0);
    write_user_data(&data, u);
    if (old)
        write_user_data(&pre, old);
    lt_event_t ev = event_for(who, types[change]);
    ev.data = data.ptr;
    ev.pre_data = old ? pre.ptr : NULL;
    int64_t id = 0;
    int rc = lt_store_user_put_invited(s, u, hash, invite, &ev, &id);
    lt_buf_dispose(&data);
    lt_buf_dispose(&pre);
    if (out_id)
        *out_id = id;
    return rc;
}

int lt_user_signup(lt_store_t *s, const lt_dataset_t *d, const lt_user_t *u, const char *hash,
                   const lt_signup_token_t *t, int64_t *out_id)
{
    if (u->id || lt_user_name_taken(d, u))
        return LT_EINVAL;
    lt_buf_t data;
    lt_buf_init(&data, 0);
    write_user_data(&data, u);
    static const lt_principal_t system = {.name = "system"};
    lt_event_t ev = event_for(&system, "user-created");
    ev.data = data.ptr;
    int rc = lt_store_signup_user_add(s, u, hash, t, &ev, out_id);
    lt_buf_dispose(&data);
    return rc;
}

int lt_user_delete(lt_store_t *s, const lt_user_t *u, const lt_principal_t *who)
{
    return lt_users_delete(s, &u, 1, who);
}

int lt_users_delete(lt_store_t *s, const lt_user_t *const *us, size_t n,
                    const lt_principal_t *who)
{
    if (n == 0)
        return LT_OK;
    int64_t *ids = calloc(n, sizeof(*ids));
    lt_event_t *evs = calloc(n, sizeof(*evs));
    lt_buf_t *pre = calloc(n, sizeof(*pre));
    int rc = ids && evs && pre ? LT_OK : LT_ERR;
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        lt_buf_init(&pre[i], 0);
        write_user_data(&pre[i], us[i]);
        ids[i] = us[i]->id;
        evs[i] = event_for(who, "user-deleted");
        evs[i].pre_data = pre[i].ptr;
    }
    if (rc == LT_OK)
        rc = n == 1 ? lt_store_user_delete(s, ids[0], &evs[0])
                    : lt_store_users_delete(s, ids, n, evs);
    for (size_t i = 0; pre && i < n; i++)
        lt_buf_dispose(&pre[i]);
    free(ids);
    free(evs);
    free(pre);
    return rc;
}
