/*
 * rules_access.c: the write rules of the access records, above every backend: tokens (one
 * implementation each for create and remove; the CLI's older calls are thin wrappers), users
 * (a password change ends their sessions; their PATs and sessions go with them), roles (one in
 * use as a root role cannot be deleted), bindings, sessions, and the no-event batch writes.
 */
#include <stdlib.h>
#include <string.h>

#include "../base/buf.h"
#include "../base/util.h"
#include "rules_int.h"

/* ---------- tokens ---------- */

int lt_store_token_create(lt_store_t *s, const lt_token_new_t *t, const lt_event_t *ev,
                          int64_t *out_id)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->token_put(s, t, LT_PUT_CREATE, out_id), ev);
}

/* The one stored token with this digest, in a: LT_ENOTFOUND when there is none. */
static int token_get(lt_store_t *s, lt_arena_t *a, const uint8_t digest[32], lt_token_t **out)
{
    lt_token_query_t q = {.digest = digest};
    size_t n = 0;
    int rc = s->be->tokens_find(s, a, &q, out, &n);
    return rc == LT_OK && n == 0 ? LT_ENOTFOUND : rc;
}

/* New allowed origins for token_rewrite. */
typedef struct {
    const char *const *v;
    size_t n;
} origins_t;

/* Rewrite a stored token with a new expiry, quota or origins (NULL: kept), one transaction
 * with ev. */
static int token_rewrite(lt_store_t *s, const uint8_t digest[32], const int64_t *expires_at,
                         const int64_t *quota_rps, const origins_t *origins, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    lt_arena_t a;
    lt_arena_init(&a, 1024);
    lt_token_t *t = NULL;
    int rc = token_get(s, &a, digest, &t);
    if (rc == LT_OK) {
        lt_token_new_t w = {.name = t->name, .type = t->type, .user_id = t->user_id,
                            .environment = t->environment, .projects = t->projects,
                            .n_projects = t->n_projects, .all_projects = t->all_projects,
                            .expires_at = expires_at ? *expires_at : t->expires_at,
                            .display = t->display, .selector = t->selector,
                            .read_only = t->read_only,
                            .quota_rps = quota_rps ? *quota_rps : t->quota_rps,
                            .origins = origins ? origins->v : (const char *const *)t->origins,
                            .n_origins = origins ? origins->n : t->n_origins};
        memcpy(w.digest, digest, 32);
        rc = s->be->token_put(s, &w, LT_PUT_REPLACE, NULL);
        if (rc == LT_OK && expires_at) /* a new expiry gets its own api-token-expired event */
            rc = s->be->token_marks(s, digest, t->grace_until, false);
    }
    lt_arena_dispose(&a);
    return lt__tx_end(s, rc, ev);
}

int lt_store_token_update(lt_store_t *s, const uint8_t digest[32], int64_t expires_at,
                          const lt_event_t *ev)
{
    return token_rewrite(s, digest, &expires_at, NULL, NULL, ev);
}

int lt_store_token_set_quota(lt_store_t *s, const uint8_t digest[32], int64_t quota_rps,
                             const lt_event_t *ev)
{
    return token_rewrite(s, digest, NULL, &quota_rps, NULL, ev);
}

int lt_store_token_set_origins(lt_store_t *s, const uint8_t digest[32],
                               const char *const *origins, size_t n, const lt_event_t *ev)
{
    origins_t o = {origins, n};
    return token_rewrite(s, digest, NULL, NULL, &o, ev);
}

int lt_store_token_remove(lt_store_t *s, const uint8_t digest[32], const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    lt_arena_t a;
    lt_arena_init(&a, 1024);
    lt_token_t *t = NULL;
    int rc = token_get(s, &a, digest, &t);
    if (rc == LT_OK)
        rc = s->be->token_delete(s, digest);
    lt_arena_dispose(&a);
    return lt__tx_end(s, rc, ev);
}

int lt_store_token_rotate(lt_store_t *s, const lt_token_new_t *fresh, const uint8_t old[32],
                          int64_t grace_until, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = s->be->token_marks(s, old, grace_until, false);
    if (rc == LT_OK)
        rc = s->be->token_put(s, fresh, LT_PUT_CREATE, NULL);
    return lt__tx_end(s, rc, ev);
}

int lt_store_token_expired(lt_store_t *s, const uint8_t digest[32], int64_t grace_until,
                           const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->token_marks(s, digest, grace_until, true), ev);
}

int lt_store_tokens_read(lt_store_t *s, lt_arena_t *a, const lt_token_query_t *q, lt_token_t **out,
                         size_t *n)
{
    *out = NULL;
    *n = 0;
    if (s->be->begin(s, LT_TX_READ) != LT_OK)
        return LT_ERR;
    int rc = s->be->tokens_find(s, a, q, out, n);
    s->be->rollback(s); /* a read: nothing to keep */
    return rc;
}

int lt_store_tokens_seen(lt_store_t *s, const uint8_t (*digests)[32], const int64_t *at,
                         size_t n)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->tokens_seen(s, digests, at, n), NULL);
}

int lt_store_token_usage_write(lt_store_t *s, const lt_token_usage_row_t *rows, size_t n)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int64_t stale = lt_now_ms() - (int64_t)LT_TOKEN_USAGE_STALE_DAYS * 86400000;
    return lt__tx_end(s, s->be->token_usage_write(s, rows, n, stale), NULL);
}

int lt_store_token_usage_load(lt_store_t *s, const uint8_t *digest, lt_token_usage_fn fn,
                              void *ctx)
{
    if (s->be->begin(s, LT_TX_READ) != LT_OK)
        return LT_ERR;
    int rc = s->be->token_usage_load(s, digest, fn, ctx);
    s->be->rollback(s); /* a read: nothing to keep */
    return rc;
}

static int row_flag_env_cmp(const void *pa, const void *pb)
{
    const lt_metric_row_t *a = *(const lt_metric_row_t *const *)pa;
    const lt_metric_row_t *b = *(const lt_metric_row_t *const *)pb;
    int c = strcmp(a->feature, b->feature);
    return c ? c : strcmp(a->environment, b->environment);
}

/* The lifecycle stages the counted rows move their flags to, once per flag and environment. */
static int lifecycle_from_metrics(lt_store_t *s, const lt_metric_row_t *rows, size_t n,
                                  int64_t now, bool *staged)
{
    const lt_metric_row_t **by = lt_xcalloc(n + 1, sizeof(*by));
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (rows[i].yes || rows[i].no)
            by[k++] = &rows[i];
    qsort(by, k, sizeof(*by), row_flag_env_cmp);
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < k; i++)
        if (i == 0 || row_flag_env_cmp(&by[i - 1], &by[i]) != 0)
            rc = s->be->lifecycle_metrics(s, by[i]->feature, by[i]->environment, now, staged);
    free(by);
    return rc;
}

int lt_store_usage_write(lt_store_t *s, const lt_app_row_t *apps, size_t n_apps,
                         const lt_metric_row_t *rows, size_t n_rows)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = s->be->usage_write(s, apps, n_apps, rows, n_rows);
    int64_t now = lt_now_ms(), hour = 3600000;
    s->usage_staged = false;
    bool staged = false;
    if (rc == LT_OK)
        rc = lifecycle_from_metrics(s, rows, n_rows, now, &staged);
    bool prune = rc == LT_OK && s->be->usage_prune && now - s->usage_pruned_at >= hour;
    if (prune)
        rc = s->be->usage_prune(s, now - LT_USAGE_RAW_HOURS * hour,
                                now - (int64_t)LT_USAGE_DAILY_DAYS * 24 * hour);
    rc = lt__tx_end(s, rc, NULL);
    if (prune && rc == LT_OK)
        s->usage_pruned_at = now;
    s->usage_staged = rc == LT_OK && staged;
    return rc;
}

int lt_store_app_meta_put(lt_store_t *s, const lt_app_meta_t *m, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->app_meta_put(s, m), ev);
}

int lt_store_app_delete(lt_store_t *s, const char *name, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->app_delete(s, name), ev);
}

int lt_store_reset_token_create(lt_store_t *s, const lt_reset_token_t *t, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->reset_token_put(s, t), ev);
}

int lt_store_password_reset(lt_store_t *s, const uint8_t digest[32], const lt_user_t *u,
                            const char *password_hash, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = s->be->reset_token_use(s, digest, lt_now_ms());
    if (rc == LT_OK)
        rc = s->be->user_put(s, u, password_hash, NULL);
    if (rc == LT_OK) /* a new password ends the user's sessions */
        rc = s->be->sessions_delete_user(s, u->id);
    return lt__tx_end(s, rc, ev);
}

int lt_store_user_mark_put(lt_store_t *s, const lt_user_mark_t *m, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->user_mark_put(s, m), ev);
}

bool lt_store_usage_staged(const lt_store_t *s)
{
    return s->usage_staged;
}

/* ---------- users, roles ---------- */

int lt_store_user_put(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                      const lt_event_t *ev, int64_t *out_id)
{
    return lt_store_user_put_invited(s, u, password_hash, NULL, ev, out_id);
}

int lt_store_user_put_invited(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                              lt_reset_token_t *invite, const lt_event_t *ev, int64_t *out_id)
{
    if ((invite && u->id) || lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int64_t id = u->id;
    int rc = s->be->user_put(s, u, password_hash, &id);
    if (rc == LT_OK && password_hash && u->id) /* a new password ends the user's sessions */
        rc = s->be->sessions_delete_user(s, u->id);
    if (rc == LT_OK && invite) {
        invite->user_id = id;
        rc = s->be->reset_token_put(s, invite);
    }
    rc = lt__tx_end(s, rc, ev);
    if (out_id)
        *out_id = id;
    return rc;
}

int lt_store_signup_token_put(lt_store_t *s, const lt_signup_token_t *t, bool create,
                              const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->signup_token_put(s, t, create ? LT_PUT_CREATE : LT_PUT_REPLACE),
                      ev);
}

int lt_store_signup_user_add(lt_store_t *s, const lt_user_t *u, const char *password_hash,
                             const lt_signup_token_t *t, const lt_event_t *user_ev,
                             int64_t *out_id)
{
    if (u->id || lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int64_t id = 0;
    int rc = s->be->user_put(s, u, password_hash, &id);
    if (rc == LT_OK)
        rc = s->be->signup_user_add(s, t->secret, id);
    if (rc == LT_OK && s->be->event_append(s, user_ev) != LT_OK)
        rc = LT_ERR;
    lt_buf_t data;
    lt_buf_init(&data, 0);
    lt_buf_puts(&data, "{\"name\":");
    lt_json_cstr(&data, t->name);
    lt_buf_printf(&data, ",\"userId\":%lld}", (long long)id);
    lt_event_t added;
    memset(&added, 0, sizeof(added));
    added.type = "public-signup-token-user-added";
    added.created_by = "system";
    added.data = data.ptr;
    rc = lt__tx_end(s, rc, &added);
    lt_buf_dispose(&data);
    if (rc == LT_OK && out_id)
        *out_id = id;
    return rc;
}

int lt_store_user_delete(lt_store_t *s, int64_t id, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    lt_token_query_t q = {.user_id = id}; /* the user's PATs go with the user */
    int rc = id ? lt__tokens_drop(s, &q) : LT_OK;
    if (rc == LT_OK)
        rc = s->be->sessions_delete_user(s, id);
    if (rc == LT_OK)
        rc = s->be->user_delete(s, id);
    return lt__tx_end(s, rc, ev);
}

int lt_store_users_delete(lt_store_t *s, const int64_t *ids, size_t n, const lt_event_t *evs)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n; i++) {
        lt_token_query_t q = {.user_id = ids[i]}; /* as lt_store_user_delete, for each */
        rc = ids[i] ? lt__tokens_drop(s, &q) : LT_ERR;
        if (rc == LT_OK)
            rc = s->be->sessions_delete_user(s, ids[i]);
        if (rc == LT_OK)
            rc = s->be->user_delete(s, ids[i]);
        if (rc == LT_OK)
            rc = lt__event_append(s, &evs[i]);
    }
    return lt__tx_end(s, rc, NULL);
}

int lt_store_user_login_result(lt_store_t *s, int64_t id, bool ok)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->user_login_result(s, id, ok), NULL);
}

int lt_store_login_count(lt_store_t *s, int64_t window, lt_login_count_t *c, size_t n)
{
    if (!s->be->login_count || lt__tx_write(s) != LT_OK)
        return LT_ERR;
    /* the previous window stays (a Retry-After may still point into it); older ones go */
    int64_t prune = s->login_pruned != window ? window - 1 : 0;
    int rc = LT_OK;
    for (size_t i = 0; rc == LT_OK && i < n; i++)
        rc = s->be->login_count(s, window, &c[i], i == 0 ? prune : 0);
    rc = lt__tx_end(s, rc, NULL);
    if (rc == LT_OK && prune)
        s->login_pruned = window;
    return rc;
}

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int lt_store_login_secret(lt_store_t *s, uint8_t out[32])
{
    char hex[80] = "";
    if (!s->be->secret_get || s->be->begin(s, LT_TX_READ) != LT_OK)
        return LT_ERR;
    int rc = s->be->secret_get(s, "login_limit", hex, sizeof(hex));
    s->be->rollback(s); /* a read: nothing to keep */
    bool ok = rc == LT_OK && strlen(hex) == 64;
    for (size_t i = 0; ok && i < 32; i++) {
        int hi = hex_value(hex[2 * i]), lo = hex_value(hex[2 * i + 1]);
        ok = hi >= 0 && lo >= 0;
        out[i] = ok ? (uint8_t)(hi << 4 | lo) : 0;
    }
    memset(hex, 0, sizeof(hex));
    return ok ? LT_OK : LT_ERR;
}

int lt_store_role_put(lt_store_t *s, const lt_role_t *r, const lt_event_t *ev, int64_t *out_id)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->role_put(s, r, LT_PUT_REPLACE, out_id), ev);
}

int lt_store_role_delete(lt_store_t *s, int64_t id, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    bool used = false; /* a role still held as a root role cannot go */
    int rc = s->be->role_in_use(s, id, &used);
    if (rc == LT_OK && used)
        rc = LT_EINVAL;
    if (rc == LT_OK)
        rc = s->be->role_delete(s, id);
    return lt__tx_end(s, rc, ev);
}

int lt_store_bindings_set(lt_store_t *s, int64_t user_id, const char *project,
                          const int64_t *role_ids, size_t n, const lt_event_t *ev)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->bindings_put(s, user_id, project, role_ids, n), ev);
}

/* ---------- sessions ---------- */

int lt_store_session_put(lt_store_t *s, const uint8_t digest[32], int64_t user_id,
                         int64_t expires_at)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->session_put(s, digest, user_id, expires_at), NULL);
}

int lt_store_session_delete(lt_store_t *s, const uint8_t digest[32])
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->session_delete(s, digest), NULL);
}

int lt_store_sessions_load(lt_store_t *s, lt_session_fn fn, void *ctx)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    return lt__tx_end(s, s->be->sessions_load(s, fn, ctx), NULL);
}
