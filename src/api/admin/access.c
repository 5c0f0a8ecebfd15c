/*
 * admin_access.c: the admin API for login and sessions, users, roles, permissions, personal
 * access tokens and project role bindings (UNLEASH-API.md §6.1, §6.3, §6.8). Passwords are
 * verified with argon2id outside the store lock; failed logins are counted per (user, address)
 * in memory and answered 429 past LOGIN_MAX_FAILURES a minute.
 */
#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../../auth/session.h"
#include "../../base/log.h"
#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define LOGIN_MAX_FAILURES 10
#define LOGIN_WINDOW_MS 60000
#define MAX_PATS 10
#define MAX_FIELD 255
#define MAX_ROLE_PERMS 200

/* ---------- failed-login rate limit ---------- */

/* A fixed table of (digest of "user\naddress", window start, failures); entries whose window
 * is over are free. Bounded memory: when a probe run is full the oldest entry is reused. */
#define LIMIT_SLOTS 4096
#define LIMIT_PROBE 8

typedef struct {
    uint8_t key[32];
    int64_t start;
    int failures;
} limit_slot_t;

static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;
static limit_slot_t limits[LIMIT_SLOTS];

static void limit_key(const char *login, const char *peer, uint8_t out[32])
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    for (const char *c = login; *c; c++)
        lt_buf_putc(&b, (char)tolower((unsigned char)*c));
    lt_buf_putc(&b, '\n');
    lt_buf_puts(&b, peer);
    lt_sha256(b.ptr ? b.ptr : "", b.len, out);
    lt_buf_dispose(&b);
}

/* The slot of key (created when create is set), or NULL. Call with limit_lock held. */
static limit_slot_t *limit_slot(const uint8_t key[32], int64_t now, bool create)
{
    size_t h;
    memcpy(&h, key, sizeof(h));
    limit_slot_t *victim = NULL;
    for (size_t i = 0; i < LIMIT_PROBE; i++) {
        limit_slot_t *s = &limits[(h + i) % LIMIT_SLOTS];
        bool live = s->failures > 0 && now - s->start < LOGIN_WINDOW_MS;
        if (live && memcmp(s->key, key, 32) == 0)
            return s;
        if (!live && !victim)
            victim = s;
    }
    if (!create)
        return NULL;
    if (!victim) {
        victim = &limits[h % LIMIT_SLOTS];
        for (size_t i = 1; i < LIMIT_PROBE; i++)
            if (limits[(h + i) % LIMIT_SLOTS].start < victim->start)
                victim = &limits[(h + i) % LIMIT_SLOTS];
    }
    memcpy(victim->key, key, 32);
    victim->start = now;
    victim->failures = 0;
    return victim;
}

/* Seconds until key may try again, or 0 when it may now. */
static int limit_wait(const uint8_t key[32], int64_t now)
{
    pthread_mutex_lock(&limit_lock);
    limit_slot_t *s = limit_slot(key, now, false);
    int wait = 0;
    if (s && s->failures >= LOGIN_MAX_FAILURES)
        wait = (int)((s->start + LOGIN_WINDOW_MS - now + 999) / 1000);
    pthread_mutex_unlock(&limit_lock);
    return wait;
}

static void limit_record(const uint8_t key[32], int64_t now, bool ok)
{
    pthread_mutex_lock(&limit_lock);
    limit_slot_t *s = limit_slot(key, now, !ok);
    if (s) {
        if (ok)
            s->failures = 0;
        else
            s->failures++;
    }
    pthread_mutex_unlock(&limit_lock);
}

/* A hash to verify against when the user does not exist, so that both cases take as long. */
static char dummy_hash[LT_PASSWORD_HASH_MAX];
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;

static void make_dummy_hash(void)
{
    char pw[33];
    lt_random_hex(16, pw);
    if (lt_password_hash(pw, dummy_hash) != LT_OK)
        dummy_hash[0] = '\0';
}

/* ---------- JSON output ---------- */

static void write_user(lt_buf_t *b, const lt_user_t *u, int64_t seen_override)
{
    lt_buf_printf(b, "{\"id\":%lld,\"name\":", (long long)u->id);
    lt_json_cstr_or_null(b, u->name);
    lt_buf_puts(b, ",\"email\":");
    lt_json_cstr_or_null(b, u->email);
    lt_buf_puts(b, ",\"username\":");
    lt_json_cstr_or_null(b, u->username);
    lt_buf_puts(b, ",\"imageUrl\":");
    if (u->email && u->email[0]) {
        /* Gravatar accepts the SHA-256 of the trimmed, lower-cased address */
        char lower[MAX_FIELD + 1];
        size_t n = 0;
        for (const char *c = u->email; *c && n < MAX_FIELD; c++)
            lower[n++] = (char)tolower((unsigned char)*c);
        uint8_t d[32];
        lt_sha256(lower, n, d);
        char hex[65];
        lt_hex(d, 32, hex);
        lt_buf_printf(b, "\"https://gravatar.com/avatar/%s?s=42&d=retro&r=g\"", hex);
    } else {
        lt_buf_puts(b, "null");
    }
    lt_buf_puts(b, ",\"seenAt\":");
    lt_admin_write_time(b, seen_override ? seen_override : u->seen_at);
    lt_buf_printf(b, ",\"loginAttempts\":%d,\"createdAt\":", seen_override ? 0 : u->login_attempts);
    lt_admin_write_time(b, u->created_at);
    lt_buf_printf(b, ",\"rootRole\":%lld,\"accountType\":\"User\",\"isAPI\":false}",
                  (long long)u->root_role);
}

static void write_perm_row(lt_buf_t *b, bool *first, const char *perm, const char *project,
                           const char *env)
{
    if (!*first)
        lt_buf_putc(b, ',');
    *first = false;
    lt_buf_puts(b, "{\"permission\":");
    lt_json_cstr(b, perm);
    if (project) {
        lt_buf_puts(b, ",\"project\":");
        lt_json_cstr(b, project);
    }
    if (env) {
        lt_buf_puts(b, ",\"environment\":");
        lt_json_cstr(b, env);
    }
    lt_buf_putc(b, '}');
}

/* What the principal may do: [{permission, project?, environment?}] as Unleash lists it. */
static void write_user_permissions(lt_buf_t *b, const lt_dataset_t *d, const lt_principal_t *p)
{
    lt_buf_putc(b, '[');
    bool first = true;
    if (lt_access_can(d, p, "ADMIN", NULL, NULL)) {
        write_perm_row(b, &first, "ADMIN", NULL, NULL);
        lt_buf_putc(b, ']');
        return;
    }
    for (const char *const *perm = lt_permissions; *perm; perm++) {
        if (!lt_permission_is_project(*perm)) {
            if (lt_access_can(d, p, *perm, NULL, NULL))
                write_perm_row(b, &first, *perm, NULL, NULL);
            continue;
        }
        for (size_t i = 0; i < d->n_projects; i++) {
            const char *proj = d->projects[i].id;
            if (!lt_permission_is_environment(*perm)) {
                if (lt_access_can(d, p, *perm, proj, NULL))
                    write_perm_row(b, &first, *perm, proj, NULL);
                continue;
            }
            for (size_t e = 0; e < d->n_envs; e++)
                if (lt_access_can(d, p, *perm, proj, d->envs[e].name))
                    write_perm_row(b, &first, *perm, proj, d->envs[e].name);
        }
    }
    lt_buf_putc(b, ']');
}

static bool is_builtin(const lt_role_t *r)
{
    return strcmp(r->type, "root") == 0 || strcmp(r->type, "project") == 0;
}

static void write_role(lt_buf_t *b, const lt_role_t *r, bool with_perms)
{
    lt_buf_printf(b, "{\"id\":%lld,\"name\":", (long long)r->id);
    lt_json_cstr(b, r->name);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, r->description);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, r->type);
    if (with_perms) {
        lt_buf_puts(b, ",\"permissions\":[");
        for (size_t i = 0; i < r->n_perms; i++) {
            if (i)
                lt_buf_putc(b, ',');
            lt_buf_puts(b, "{\"name\":");
            lt_json_cstr(b, r->perms[i].permission);
            if (r->perms[i].environment) {
                lt_buf_puts(b, ",\"environment\":");
                lt_json_cstr(b, r->perms[i].environment);
            }
            if (r->perms[i].project) {
                lt_buf_puts(b, ",\"project\":");
                lt_json_cstr(b, r->perms[i].project);
            }
            lt_buf_putc(b, '}');
        }
        lt_buf_putc(b, ']');
    }
    lt_buf_putc(b, '}');
}

/* ---------- small helpers ---------- */

/* The current snapshot holding user id (reloading once when another process just created
 * them). The caller releases *out. The user or NULL. */
static const lt_user_t *user_now(int64_t id, lt_snapshot_t **out)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    const lt_user_t *u = lt_access_user(&s->data, id);
    if (!u) {
        lt_snapshot_release(s);
        lt_state_lock();
        lt_state_reload_locked();
        lt_state_unlock();
        s = lt_snapshot_acquire();
        u = lt_access_user(&s->data, id);
    }
    *out = s;
    return u;
}

static bool parse_id(const char *s, int64_t *out)
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

static void reply_user(lt_req_t *r, int status, int64_t id)
{
    lt_snapshot_t *s;
    const lt_user_t *u = user_now(id, &s);
    if (!u) {
        lt_snapshot_release(s);
        lt_reply_error(r, 404, "NotFoundError", "No user found with id %lld.", (long long)id);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_user(&b, u, 0);
    lt_snapshot_release(s);
    lt_reply_buf(r, status, LT_JSON_TYPE, &b);
}

/* ---------- login, logout, the current user ---------- */

#define PASSWORD_MISMATCH                                                                          \
    "The combination of password and username you provided is invalid. If you have forgotten "     \
    "your password, visit /forgotten-password or get in touch with your instance administrator."

static void login(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *ju = cJSON_GetObjectItemCaseSensitive(body, "username");
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(body, "password");
    if (!cJSON_IsString(ju) || !cJSON_IsString(jp) || !ju->valuestring[0] || !jp->valuestring[0] ||
        strlen(ju->valuestring) > MAX_FIELD || strlen(jp->valuestring) > 1024) {
        lt_reply_error(r, 400, "BadDataError",
                       "You must supply a username (or email) and a password.");
        return;
    }
    const char *login_name = ju->valuestring;
    int64_t now = lt_now_ms();
    uint8_t key[32];
    limit_key(login_name, lt_req_peer(r), key);
    int wait = limit_wait(key, now);
    if (wait > 0) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", wait);
        lt_reply_header(r, "Retry-After", ra);
        lt_reply_error(r, 429, "RateLimitError",
                       "Too many failed logins for this user from your address. Try again in "
                       "%d seconds.",
                       wait);
        return;
    }

    lt_user_auth_t ua;
    memset(&ua, 0, sizeof(ua));
    lt_store_t *store = lt_state_lock();
    int rc = store ? lt_store_call(store, user_auth, lt_req_arena(r), login_name, &ua) : LT_ERR;
    lt_state_unlock();
    bool ok;
    if (rc == LT_OK && ua.password_hash) {
        ok = lt_password_verify(jp->valuestring, ua.password_hash);
    } else {
        pthread_once(&dummy_once, make_dummy_hash);
        lt_password_verify(jp->valuestring, dummy_hash);
        ok = false;
    }
    sodium_memzero(jp->valuestring, strlen(jp->valuestring));
    if (rc == LT_OK) {
        store = lt_state_lock();
        if (store)
            lt_store_call(store, user_login_result, ua.user_id, ok);
        lt_state_unlock();
    }
    limit_record(key, now, ok);
    if (!ok) {
        lt_reply_error(r, 401, "PasswordMismatch", "%s", PASSWORD_MISMATCH);
        return;
    }
    char cookie[65];
    if (lt_session_create(ua.user_id, cookie) != LT_OK) {
        lt_reply_error(r, 500, "InternalError", "The session could not be stored.");
        return;
    }
    char header[128];
    snprintf(header, sizeof(header), LT_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax",
             cookie);
    sodium_memzero(cookie, sizeof(cookie));
    lt_snapshot_t *s;
    const lt_user_t *u = user_now(ua.user_id, &s);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (u)
        write_user(&b, u, now);
    lt_snapshot_release(s);
    if (!u) {
        lt_buf_dispose(&b);
        lt_reply_error(r, 401, "PasswordMismatch", "%s", PASSWORD_MISMATCH);
        return;
    }
    lt_reply_header(r, "Set-Cookie", header);
    sodium_memzero(header, sizeof(header));
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void logout(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    lt_str_t cookie = lt_cookie_get(lt_req_header(r, "Cookie"), LT_SESSION_COOKIE);
    if (cookie.ptr)
        lt_session_end(cookie);
    lt_reply_header(r, "Set-Cookie",
                    LT_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    lt_reply_header(r, "Location", "/");
    lt_reply_empty(r, 302);
}

static void current_user(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"user\":");
    if (p->user) {
        write_user(&b, p->user, 0);
    } else {
        lt_buf_puts(&b, "{\"username\":");
        lt_json_cstr(&b, p->name);
        lt_buf_puts(&b, ",\"name\":");
        lt_json_cstr(&b, p->name);
        lt_buf_puts(&b, ",\"isAPI\":true,\"accountType\":\"Service\"}");
    }
    lt_buf_puts(&b, ",\"permissions\":");
    write_user_permissions(&b, d, p);
    lt_buf_puts(&b, ",\"feedback\":[],\"splash\":{}}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* GET /api/admin/user/roles: the caller's root role, or with ?projectId their roles there. */
static void current_roles(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_str_t q = lt_req_query(r, "projectId");
    const char *project = q.ptr && q.len ? lt_arena_strndup(lt_req_arena(r), q.ptr, q.len) : NULL;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"roles\":[");
    bool first = true;
    for (size_t i = 0; p->user && i < d->n_roles; i++) {
        const lt_role_t *role = &d->roles[i];
        bool has = false;
        if (!project) {
            has = role->id == p->user->root_role;
        } else {
            for (size_t k = 0; k < d->n_bindings && !has; k++)
                has = d->bindings[k].user_id == p->user->id && d->bindings[k].role_id == role->id &&
                      strcmp(d->bindings[k].project, project) == 0;
        }
        if (!has)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_role(&b, role, false);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* ---------- personal access tokens ---------- */

/* Authorizer of the PAT routes: the caller as a user, or a 403 for admin tokens (PATs belong
 * to users). */
static bool authorize_pat_user(lt_req_t *r, lt_adm_ctx_t *c)
{
    if (c->who.user)
        return true;
    lt_reply_error(r, 403, "ForbiddenError",
                   "Personal access tokens belong to users; an admin API token has none.");
    return false;
}

static void write_pat(lt_buf_t *b, const lt_snapshot_t *s, const lt_token_t *t, const char *secret)
{
    lt_buf_printf(b, "{\"id\":%lld,", (long long)t->id);
    if (secret) {
        lt_buf_puts(b, "\"secret\":");
        lt_json_cstr(b, secret);
        lt_buf_putc(b, ',');
    }
    lt_buf_puts(b, "\"description\":");
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"expiresAt\":");
    lt_admin_write_time(b, t->expires_at);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_admin_write_time(b, t->created_at);
    lt_buf_puts(b, ",\"seenAt\":");
    lt_admin_write_time(b, lt_snapshot_token_last_seen(s, t));
    lt_buf_printf(b, ",\"userId\":%lld}", (long long)t->user_id);
}

static void pats_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    lt_snapshot_t *s = lt_req_snapshot(r);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"pats\":[");
    bool first = true;
    /* tokens are held by digest; list by id */
    int64_t last = 0;
    for (;;) {
        const lt_token_t *next = NULL;
        for (size_t i = 0; i < s->data.n_tokens; i++) {
            const lt_token_t *t = &s->data.tokens[i];
            if (t->type == LT_TOKEN_PAT && t->user_id == p->user->id && t->id > last &&
                (!next || t->id < next->id))
                next = t;
        }
        if (!next)
            break;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_pat(&b, s, next, NULL);
        last = next->id;
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

typedef struct {
    const lt_principal_t *who;
    const char *description;
    int64_t expires_at;
    int64_t id;
    char secret[96];
    uint8_t digest[32];
} pat_t;

static int pat_create_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    pat_t *c = w->ctx;
    int64_t uid = c->who->user->id;
    if (!lt_access_user(&snap->data, uid))
        return lt_write_fail(w, 401, "UnauthorizedError", "You must log in to use Unleash.");
    size_t count = 0;
    for (size_t i = 0; i < snap->data.n_tokens; i++) {
        const lt_token_t *t = &snap->data.tokens[i];
        if (t->type != LT_TOKEN_PAT || t->user_id != uid)
            continue;
        if (strcmp(t->name, c->description) == 0)
            return lt_write_fail(w, 409, "NameExistsError",
                                 "PAT description already exists: a token named \"%.100s\" "
                                 "exists for this user.",
                                 c->description);
        count++;
    }
    if (count >= MAX_PATS)
        return lt_write_fail(w, 403, "OperationDeniedError",
                             "There can be at most %d personal access tokens per user.", MAX_PATS);
    lt_token_generate(LT_TOKEN_PAT, "*", NULL, 0, true, c->secret, sizeof(c->secret));
    lt_token_new_t t;
    memset(&t, 0, sizeof(t));
    lt_token_digest(lt_str_c(c->secret), t.digest);
    memcpy(c->digest, t.digest, 32);
    char display[64];
    lt_token_display(lt_str_c(c->secret), display, sizeof(display));
    t.name = c->description;
    t.type = LT_TOKEN_PAT;
    t.user_id = uid;
    t.environment = "*";
    t.all_projects = true;
    t.expires_at = c->expires_at;
    t.display = display;
    lt_buf_t data;
    lt_buf_init(&data, 0);
    lt_buf_puts(&data, "{\"description\":");
    lt_json_cstr(&data, c->description);
    lt_buf_puts(&data, ",\"expiresAt\":");
    lt_admin_write_time(&data, c->expires_at);
    lt_buf_printf(&data, ",\"userId\":%lld}", (long long)uid);
    lt_event_t ev = lt_admin_event(c->who, "pat-created");
    ev.data = data.ptr;
    int rc = lt_store_call(store, token_create, &t, &ev, &c->id);
    lt_buf_dispose(&data);
    return rc;
}

static void pats_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    pat_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    bool bad = false;
    c.description = lt_adm_opt_str(body, "description", MAX_FIELD, &bad);
    const char *exp = lt_adm_opt_str(body, "expiresAt", MAX_FIELD, &bad);
    if (bad || !c.description || !c.description[0]) {
        lt_reply_error(r, 400, "ValidationError",
                       "description is required: a string of 1 to %d characters.", MAX_FIELD);
    } else if (!exp) {
        lt_reply_error(r, 400, "ValidationError", "expiresAt is required.");
    } else if (lt_time_parse(exp, strlen(exp), &c.expires_at) != LT_OK) {
        lt_reply_error(r, 400, "ValidationError", "expiresAt must be an ISO-8601 date-time.");
    } else if (c.expires_at <= lt_now_ms()) {
        lt_reply_error(r, 400, "ValidationError", "The expiry date should be in future.");
    } else {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, pat_create_fn, &w) == LT_OK) {
            lt_snapshot_t *s = lt_snapshot_acquire();
            const lt_token_t *t = lt_token_table_find(&s->tokens, c.digest);
            lt_buf_t b;
            lt_buf_init(&b, 0);
            if (t)
                write_pat(&b, s, t, c.secret);
            lt_snapshot_release(s);
            if (t)
                lt_reply_buf(r, 201, LT_JSON_TYPE, &b);
            else {
                lt_buf_dispose(&b);
                lt_reply_error(r, 500, "InternalError", "The token cannot be read back.");
            }
        }
        sodium_memzero(c.secret, sizeof(c.secret));
    }
}

typedef struct {
    const lt_principal_t *who;
    int64_t id;
} pat_delete_t;

static int pat_delete_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    pat_delete_t *c = w->ctx;
    for (size_t i = 0; i < snap->data.n_tokens; i++) {
        const lt_token_t *t = &snap->data.tokens[i];
        if (t->type != LT_TOKEN_PAT || t->id != c->id || t->user_id != c->who->user->id)
            continue;
        lt_buf_t data;
        lt_buf_init(&data, 0);
        lt_buf_printf(&data, "{\"id\":%lld,\"description\":", (long long)t->id);
        lt_json_cstr(&data, t->name);
        lt_buf_printf(&data, ",\"userId\":%lld}", (long long)t->user_id);
        lt_event_t ev = lt_admin_event(c->who, "pat-deleted");
        ev.pre_data = data.ptr;
        int rc = lt_store_call(store, token_remove, t->digest, &ev);
        lt_buf_dispose(&data);
        return rc;
    }
    return LT_OK; /* not one of the caller's: nothing to do, as Unleash answers */
}

static void pats_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    pat_delete_t c = {p, 0};
    if (!parse_id(params->value[0], &c.id)) {
        lt_reply_error(r, 400, "ValidationError", "The token id must be a positive number.");
        return;
    }
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, pat_delete_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* ---------- user admin ---------- */

static void users_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"users\":[");
    for (size_t i = 0; i < d->n_users; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_user(&b, &d->users[i], 0);
    }
    lt_buf_puts(&b, "],\"rootRoles\":[");
    bool first = true;
    for (size_t i = 0; i < d->n_roles; i++) {
        if (strncmp(d->roles[i].type, "root", 4) != 0)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        write_role(&b, &d->roles[i], false);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* The user the path names (its id in value), or NULL after replying 404. */
static const lt_user_t *path_user(lt_req_t *r, const char *value, int64_t *out_id)
{
    const lt_user_t *u =
        parse_id(value, out_id) ? lt_access_user(&lt_req_snapshot(r)->data, *out_id) : NULL;
    if (!u)
        lt_reply_error(r, 404, "NotFoundError", "No user found with id %.20s.", value);
    return u;
}

static void user_get(lt_req_t *r, const lt_params_t *params)
{
    int64_t id;
    const lt_user_t *u = path_user(r, params->value[0], &id);
    if (!u)
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_user(&b, u, 0);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* rootRole given as an id or a name; must be a root (or root-custom) role. 0 when invalid. */
static int64_t root_role_of(const lt_dataset_t *d, const cJSON *v)
{
    const lt_role_t *role = NULL;
    if (cJSON_IsNumber(v) && v->valuedouble >= 1 && v->valuedouble < 1e15)
        role = lt_access_role(d, (int64_t)v->valuedouble);
    else if (cJSON_IsString(v))
        role = lt_access_role_named(d, v->valuestring);
    return role && strncmp(role->type, "root", 4) == 0 ? role->id : 0;
}

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

typedef struct {
    const lt_principal_t *who;
    lt_user_t user;         /* id 0: a new user */
    const cJSON *root_role; /* from the body, or NULL */
    const char *hash;       /* new password hash, or NULL */
    const char *event;      /* event type */
    int64_t out_id;
} user_write_t;

static int user_put_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    user_write_t *c = w->ctx;
    const lt_user_t *old = c->user.id ? lt_access_user(&snap->data, c->user.id) : NULL;
    if (c->user.id && !old)
        return lt_write_fail(w, 404, "NotFoundError", "No user found with id %lld.",
                             (long long)c->user.id);
    /* usernames and emails are unique regardless of case: logins ignore it */
    for (size_t i = 0; i < snap->data.n_users; i++) {
        const lt_user_t *o = &snap->data.users[i];
        if (o->id == c->user.id)
            continue;
        if ((c->user.username && o->username && strcasecmp(c->user.username, o->username) == 0) ||
            (c->user.email && o->email && strcasecmp(c->user.email, o->email) == 0))
            return lt_write_fail(w, 409, "NameExistsError", "User already exists");
    }
    if (c->root_role) {
        c->user.root_role = root_role_of(&snap->data, c->root_role);
        if (!c->user.root_role)
            return lt_write_fail(w, 400, "BadDataError",
                                 "rootRole must name a root role (Admin, Editor, Viewer or a "
                                 "root-custom role) by id or name.");
    }
    lt_buf_t data, pre;
    lt_buf_init(&data, 0);
    lt_buf_init(&pre, 0);
    write_user_data(&data, &c->user);
    if (old)
        write_user_data(&pre, old);
    lt_event_t ev = lt_admin_event(c->who, c->event);
    ev.data = data.ptr;
    ev.pre_data = old ? pre.ptr : NULL;
    int rc = lt_store_call(store, user_put, &c->user, c->hash, &ev, &c->out_id);
    lt_buf_dispose(&data);
    lt_buf_dispose(&pre);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "NameExistsError", "User already exists");
    return rc;
}

/* Fill the user's fields from a body (absent ones keep their value). Replies on error. */
static bool user_fields(lt_req_t *r, const cJSON *body, lt_user_t *u)
{
    bool bad = false;
    const cJSON *jn = cJSON_GetObjectItemCaseSensitive(body, "name");
    const cJSON *je = cJSON_GetObjectItemCaseSensitive(body, "email");
    const cJSON *ju = cJSON_GetObjectItemCaseSensitive(body, "username");
    const char *name = lt_adm_opt_str(body, "name", MAX_FIELD, &bad);
    const char *email = lt_adm_opt_str(body, "email", MAX_FIELD, &bad);
    const char *username = lt_adm_opt_str(body, "username", MAX_FIELD, &bad);
    if (bad) {
        lt_reply_error(r, 400, "ValidationError",
                       "name, email and username must be strings of at most %d characters.",
                       MAX_FIELD);
        return false;
    }
    if (jn)
        u->name = name && name[0] ? name : NULL;
    if (je)
        u->email = email && email[0] ? email : NULL;
    if (ju)
        u->username = username && username[0] ? username : NULL;
    if (u->email && (!strchr(u->email, '@') || strpbrk(u->email, " \t\r\n"))) {
        lt_reply_error(r, 400, "ValidationError", "Email is not valid.");
        return false;
    }
    if (u->username && strpbrk(u->username, " \t\r\n")) {
        lt_reply_error(r, 400, "ValidationError", "A username cannot contain white space.");
        return false;
    }
    if (!u->email && !u->username) {
        lt_reply_error(r, 400, "ValidationError", "You must specify username or email.");
        return false;
    }
    return true;
}

/* Hash a password from the body after checking it; NULL (after replying) when refused. */
static char *hash_password(lt_req_t *r, const char *password)
{
    const char *why = lt_password_check(password);
    if (why) {
        lt_reply_error(r, 400, "OwaspValidationError", "%s", why);
        return NULL;
    }
    char *hash = lt_arena_alloc(lt_req_arena(r), LT_PASSWORD_HASH_MAX);
    if (lt_password_hash(password, hash) != LT_OK) {
        lt_reply_error(r, 500, "InternalError", "The password could not be hashed.");
        return NULL;
    }
    return hash;
}

static void user_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    user_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.event = "user-created";
    c.root_role = cJSON_GetObjectItemCaseSensitive(body, "rootRole");
    bool bad = false;
    const char *password = lt_adm_opt_str(body, "password", MAX_FIELD, &bad);
    if (!user_fields(r, body, &c.user))
        goto done;
    if (!c.root_role) {
        lt_reply_error(r, 400, "ValidationError", "rootRole is required.");
        goto done;
    }
    if (bad || (password && password[0] && !(c.hash = hash_password(r, password)))) {
        if (bad)
            lt_reply_error(r, 400, "OwaspValidationError",
                           "The password must be at most 1024 characters long.");
        goto done;
    }
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, user_put_fn, &w) == LT_OK)
        reply_user(r, 201, c.out_id);
done:
    if (password)
        sodium_memzero((void *)(uintptr_t)password, strlen(password));
}

static void user_update(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    int64_t id;
    const lt_user_t *old = path_user(r, params->value[0], &id);
    if (!old)
        return;
    cJSON *body = lt_adm_ctx(r)->body;
    user_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.event = "user-updated";
    c.user = *old;
    c.root_role = cJSON_GetObjectItemCaseSensitive(body, "rootRole");
    if (user_fields(r, body, &c.user)) {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, user_put_fn, &w) == LT_OK)
            reply_user(r, 200, id);
    }
}

typedef struct {
    const lt_principal_t *who;
    int64_t id;
} user_delete_t;

static int user_delete_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    user_delete_t *c = w->ctx;
    const lt_user_t *u = lt_access_user(&snap->data, c->id);
    if (!u)
        return lt_write_fail(w, 404, "NotFoundError", "No user found with id %lld.",
                             (long long)c->id);
    lt_buf_t pre;
    lt_buf_init(&pre, 0);
    write_user_data(&pre, u);
    lt_event_t ev = lt_admin_event(c->who, "user-deleted");
    ev.pre_data = pre.ptr;
    int rc = lt_store_call(store, user_delete, c->id, &ev);
    lt_buf_dispose(&pre);
    return rc;
}

static void user_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    user_delete_t c = {p, 0};
    if (!parse_id(params->value[0], &c.id)) {
        lt_reply_error(r, 404, "NotFoundError", "No user found with id %.20s.", params->value[0]);
        return;
    }
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, user_delete_fn, &w) == LT_OK) {
        lt_session_end_user(c.id);
        lt_reply_empty(r, 200);
    }
}

static void user_change_password(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    int64_t id;
    const lt_user_t *old = path_user(r, params->value[0], &id);
    if (!old)
        return;
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *jp = cJSON_GetObjectItemCaseSensitive(body, "password");
    user_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.event = "user-password-changed";
    c.user = *old;
    if (!cJSON_IsString(jp)) {
        lt_reply_error(r, 400, "ValidationError", "password is required.");
    } else if ((c.hash = hash_password(r, jp->valuestring)) != NULL) {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, user_put_fn, &w) == LT_OK) {
            lt_session_end_user(id);
            lt_reply_empty(r, 200);
        }
    }
    if (cJSON_IsString(jp))
        sodium_memzero(jp->valuestring, strlen(jp->valuestring));
}

/* ---------- roles and permissions ---------- */

static void roles_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"roles\":[");
    for (size_t i = 0; i < d->n_roles; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_role(&b, &d->roles[i], false);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static const lt_role_t *role_param(lt_req_t *r, const char *s)
{
    int64_t id;
    const lt_role_t *role = parse_id(s, &id) ? lt_access_role(&lt_req_snapshot(r)->data, id) : NULL;
    if (!role)
        lt_reply_error(r, 404, "NotFoundError", "Could not find role with id %.20s.", s);
    return role;
}

static void role_get(lt_req_t *r, const lt_params_t *params)
{
    const lt_role_t *role = role_param(r, params->value[0]);
    if (!role)
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_role(&b, role, true);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

typedef struct {
    const lt_principal_t *who;
    lt_role_t role; /* id 0: new */
    const char *event;
    int64_t out_id;
} role_write_t;

static bool env_exists(const lt_dataset_t *d, const char *env)
{
    for (size_t i = 0; i < d->n_envs; i++)
        if (strcmp(d->envs[i].name, env) == 0)
            return true;
    return false;
}

static void write_role_data(lt_buf_t *b, const lt_role_t *role)
{
    lt_role_t copy = *role;
    write_role(b, &copy, true);
}

static int role_put_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    role_write_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_role_t *old = c->role.id ? lt_access_role(d, c->role.id) : NULL;
    if (c->role.id && !old)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find role with id %lld.",
                             (long long)c->role.id);
    if (old && is_builtin(old))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You cannot change the built-in role %s.", old->name);
    const lt_role_t *same = lt_access_role_named(d, c->role.name);
    if (same && same->id != c->role.id)
        return lt_write_fail(w, 409, "NameExistsError",
                             "There already exists a role with the name %.100s.", c->role.name);
    for (size_t i = 0; i < c->role.n_perms; i++) {
        const char *env = c->role.perms[i].environment;
        if (env && !env_exists(d, env))
            return lt_write_fail(w, 400, "BadDataError", "Environment=%.100s does not exist", env);
    }
    lt_buf_t data, pre;
    lt_buf_init(&data, 0);
    lt_buf_init(&pre, 0);
    write_role_data(&data, &c->role);
    if (old)
        write_role_data(&pre, old);
    lt_event_t ev = lt_admin_event(c->who, c->event);
    ev.data = data.ptr;
    ev.pre_data = old ? pre.ptr : NULL;
    int rc = lt_store_call(store, role_put, &c->role, &ev, &c->out_id);
    lt_buf_dispose(&data);
    lt_buf_dispose(&pre);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "NameExistsError",
                             "There already exists a role with the name %.100s.", c->role.name);
    return rc;
}

/* Parse {name, description?, type, permissions:[{name|permission, environment?}]}. */
static bool role_fields(lt_req_t *r, const cJSON *body, lt_role_t *role)
{
    bool bad = false;
    role->name = lt_adm_opt_str(body, "name", MAX_FIELD, &bad);
    role->description = lt_adm_opt_str(body, "description", MAX_FIELD, &bad);
    role->type = lt_adm_opt_str(body, "type", MAX_FIELD, &bad);
    if (bad || !role->name || !role->name[0] || strlen(role->name) > 100) {
        lt_reply_error(r, 400, "ValidationError", "name is required: 1 to 100 characters.");
        return false;
    }
    if (!role->type)
        role->type = "root-custom";
    if (strcmp(role->type, "root-custom") != 0 && strcmp(role->type, "custom") != 0) {
        lt_reply_error(r, 400, "ValidationError",
                       "type must be root-custom (a root role) or custom (a project role).");
        return false;
    }
    bool project_role = strcmp(role->type, "custom") == 0;
    const cJSON *perms = cJSON_GetObjectItemCaseSensitive(body, "permissions");
    int n = perms ? (cJSON_IsArray(perms) ? cJSON_GetArraySize(perms) : -1) : 0;
    if (n < 0 || n > MAX_ROLE_PERMS) {
        lt_reply_error(r, 400, "ValidationError",
                       "permissions must be a list of at most %d permissions.", MAX_ROLE_PERMS);
        return false;
    }
    role->perms = lt_arena_calloc(lt_req_arena(r), (size_t)n + 1, sizeof(*role->perms));
    role->n_perms = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, perms)
    {
        const char *name = NULL, *env = NULL;
        if (cJSON_IsString(it)) {
            name = it->valuestring;
        } else if (cJSON_IsObject(it)) {
            name = lt_adm_opt_str(it, "name", MAX_FIELD, &bad);
            if (!name)
                name = lt_adm_opt_str(it, "permission", MAX_FIELD, &bad);
            env = lt_adm_opt_str(it, "environment", MAX_FIELD, &bad);
        }
        if (bad || !lt_permission_known(name)) {
            lt_reply_error(r, 400, "ValidationError", "Unknown permission %.60s.",
                           name ? name : "(none)");
            return false;
        }
        if (strcmp(name, "ADMIN") == 0) {
            lt_reply_error(r, 400, "ValidationError",
                           "ADMIN cannot be part of a custom role; give the user the Admin root "
                           "role instead.");
            return false;
        }
        if (project_role && !lt_permission_is_project(name)) {
            lt_reply_error(r, 400, "ValidationError",
                           "%s is a global permission; a project role can only hold project "
                           "permissions.",
                           name);
            return false;
        }
        if (env && !env[0])
            env = NULL;
        if (env && !lt_permission_is_environment(name)) {
            lt_reply_error(r, 400, "ValidationError",
                           "%s is not granted per environment; remove its environment.", name);
            return false;
        }
        bool dup = false;
        for (size_t i = 0; i < role->n_perms; i++)
            dup |= strcmp(role->perms[i].permission, name) == 0 &&
                   ((!env && !role->perms[i].environment) ||
                    (env && role->perms[i].environment &&
                     strcmp(env, role->perms[i].environment) == 0));
        if (!dup)
            role->perms[role->n_perms++] = (lt_perm_t){name, NULL, env};
    }
    return true;
}

static void reply_role(lt_req_t *r, int status, int64_t id)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    const lt_role_t *role = lt_access_role(&s->data, id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (role)
        write_role(&b, role, true);
    lt_snapshot_release(s);
    if (role)
        lt_reply_buf(r, status, LT_JSON_TYPE, &b);
    else {
        lt_buf_dispose(&b);
        lt_reply_error(r, 500, "InternalError", "The role cannot be read back.");
    }
}

static void role_create(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    role_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.event = "role-created";
    if (role_fields(r, body, &c.role)) {
        lt_write_t w = {.ctx = &c};
        if (lt_admin_write(r, role_put_fn, &w) == LT_OK)
            reply_role(r, 201, c.out_id);
    }
}

static void role_update(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const lt_role_t *old = role_param(r, params->value[0]);
    if (!old)
        return;
    cJSON *body = lt_adm_ctx(r)->body;
    role_write_t c;
    memset(&c, 0, sizeof(c));
    c.who = p;
    c.event = "role-updated";
    if (role_fields(r, body, &c.role)) {
        c.role.id = old->id;
        if (strcmp(old->type, c.role.type) != 0 && !is_builtin(old)) {
            lt_reply_error(r, 400, "ValidationError",
                           "The type of a role cannot change (it is %s).", old->type);
        } else {
            lt_write_t w = {.ctx = &c};
            if (lt_admin_write(r, role_put_fn, &w) == LT_OK)
                reply_role(r, 200, old->id);
        }
    }
}

typedef struct {
    const lt_principal_t *who;
    int64_t id;
} role_delete_t;

static int role_delete_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    role_delete_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_role_t *role = lt_access_role(d, c->id);
    if (!role)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find role with id %lld.",
                             (long long)c->id);
    if (is_builtin(role))
        return lt_write_fail(w, 403, "InvalidOperationError",
                             "You cannot delete the built-in role %s.", role->name);
    bool used = false;
    for (size_t i = 0; i < d->n_users && !used; i++)
        used = d->users[i].root_role == c->id;
    for (size_t i = 0; i < d->n_bindings && !used; i++)
        used = d->bindings[i].role_id == c->id;
    if (used)
        return lt_write_fail(w, 400, "RoleInUseError",
                             "Role is in use by users. You cannot delete a role that is in use "
                             "without first removing the role from the users.");
    lt_buf_t pre;
    lt_buf_init(&pre, 0);
    write_role_data(&pre, role);
    lt_event_t ev = lt_admin_event(c->who, "role-deleted");
    ev.pre_data = pre.ptr;
    int rc = lt_store_call(store, role_delete, c->id, &ev);
    lt_buf_dispose(&pre);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 400, "RoleInUseError", "Role is in use by users.");
    return rc;
}

static void role_delete(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    const lt_role_t *role = role_param(r, params->value[0]);
    if (!role)
        return;
    role_delete_t c = {p, role->id};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, role_delete_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* "UPDATE_FEATURE_STRATEGY" -> "Update feature strategy" */
static void write_display_name(lt_buf_t *b, const char *perm)
{
    char out[64];
    size_t n = 0;
    for (const char *c = perm; *c && n + 1 < sizeof(out); c++)
        out[n++] = *c == '_' ? ' ' : (char)(c == perm ? *c : tolower((unsigned char)*c));
    lt_json_str(b, out, n);
}

static void write_perm_def(lt_buf_t *b, bool *first, size_t id, const char *perm, const char *type,
                           const char *env)
{
    if (!*first)
        lt_buf_putc(b, ',');
    *first = false;
    lt_buf_printf(b, "{\"id\":%zu,\"name\":", id);
    lt_json_cstr(b, perm);
    lt_buf_puts(b, ",\"displayName\":");
    write_display_name(b, perm);
    lt_buf_printf(b, ",\"type\":\"%s\"", type);
    if (env) {
        lt_buf_puts(b, ",\"environment\":");
        lt_json_cstr(b, env);
    }
    lt_buf_putc(b, '}');
}

static void permissions_list(lt_req_t *r, const lt_params_t *params)
{
    LT_UNUSED(params);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"permissions\":{\"root\":[");
    bool first = true;
    for (size_t i = 0; lt_permissions[i]; i++)
        if (!lt_permission_is_project(lt_permissions[i]))
            write_perm_def(&b, &first, i + 1, lt_permissions[i], "root", NULL);
    lt_buf_puts(&b, "],\"project\":[");
    first = true;
    for (size_t i = 0; lt_permissions[i]; i++)
        if (lt_permission_is_project(lt_permissions[i]) &&
            !lt_permission_is_environment(lt_permissions[i]))
            write_perm_def(&b, &first, i + 1, lt_permissions[i], "project", NULL);
    lt_buf_puts(&b, "],\"environments\":[");
    for (size_t e = 0; e < d->n_envs; e++) {
        if (e)
            lt_buf_putc(&b, ',');
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, d->envs[e].name);
        lt_buf_puts(&b, ",\"permissions\":[");
        first = true;
        for (size_t i = 0; lt_permissions[i]; i++)
            if (lt_permission_is_environment(lt_permissions[i]))
                write_perm_def(&b, &first, i + 1, lt_permissions[i], "environment",
                               d->envs[e].name);
        lt_buf_puts(&b, "]}");
    }
    lt_buf_puts(&b, "]}}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* ---------- project role bindings ---------- */

typedef enum { BIND_ADD, BIND_REMOVE, BIND_SET } bind_op_t;

typedef struct {
    const lt_principal_t *who;
    const char *project;
    int64_t user_id;
    bind_op_t op;
    const int64_t *roles; /* BIND_ADD/REMOVE: one; BIND_SET: the new set */
    size_t n_roles;
} bind_t;

static int bind_fn(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    bind_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_snapshot_has_project(snap, c->project))
        return lt_write_fail(w, 404, "NotFoundError", "Could not find project with id %.100s.",
                             c->project);
    if (!lt_access_user(d, c->user_id))
        return lt_write_fail(w, 404, "NotFoundError", "No user found with id %lld.",
                             (long long)c->user_id);
    for (size_t i = 0; i < c->n_roles; i++) {
        const lt_role_t *role = lt_access_role(d, c->roles[i]);
        if (!role || (strcmp(role->type, "project") != 0 && strcmp(role->type, "custom") != 0))
            return lt_write_fail(w, 400, "BadDataError",
                                 "Role %lld is not a project role (Owner, Member or a custom "
                                 "project role).",
                                 (long long)c->roles[i]);
    }
    /* the user's roles in the project after the change */
    int64_t *set = lt_xcalloc(d->n_bindings + c->n_roles + 1, sizeof(*set));
    size_t n = 0;
    if (c->op != BIND_SET)
        for (size_t i = 0; i < d->n_bindings; i++) {
            const lt_binding_t *bd = &d->bindings[i];
            if (bd->user_id == c->user_id && strcmp(bd->project, c->project) == 0 &&
                !(c->op == BIND_REMOVE && bd->role_id == c->roles[0]))
                set[n++] = bd->role_id;
        }
    for (size_t i = 0; c->op != BIND_REMOVE && i < c->n_roles; i++) {
        bool dup = false;
        for (size_t k = 0; k < n; k++)
            dup |= set[k] == c->roles[i];
        if (!dup)
            set[n++] = c->roles[i];
    }
    lt_buf_t data;
    lt_buf_init(&data, 0);
    lt_buf_printf(&data, "{\"userId\":%lld,\"roles\":[", (long long)c->user_id);
    for (size_t i = 0; i < n; i++)
        lt_buf_printf(&data, "%s%lld", i ? "," : "", (long long)set[i]);
    lt_buf_puts(&data, "]}");
    static const char *const types[] = {"project-user-added", "project-user-removed",
                                        "project-access-user-roles-updated"};
    lt_event_t ev = lt_admin_event(c->who, types[c->op]);
    ev.project = c->project;
    ev.data = data.ptr;
    int rc = lt_store_call(store, bindings_set, c->user_id, c->project, set, n, &ev);
    lt_buf_dispose(&data);
    free(set);
    return rc;
}

static void bind_run(lt_req_t *r, const lt_params_t *params, bind_t *c, const lt_principal_t *p)
{
    c->who = p;
    c->project = params->value[0];
    if (!parse_id(params->value[1], &c->user_id)) {
        lt_reply_error(r, 404, "NotFoundError", "No user found with id %.20s.", params->value[1]);
        return;
    }
    lt_write_t w = {.ctx = c};
    if (lt_admin_write(r, bind_fn, &w) == LT_OK)
        lt_reply_empty(r, 200);
}

/* Add or remove one binding (decl->op). */
static void bind_one(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    bind_op_t op = (bind_op_t)lt_adm_ctx(r)->decl->op;
    int64_t role;
    if (!parse_id(params->value[2], &role)) {
        lt_reply_error(r, 400, "BadDataError", "The role id must be a positive number.");
        return;
    }
    bind_t c = {.op = op, .roles = &role, .n_roles = 1};
    bind_run(r, params, &c, p);
}

static void bind_set(lt_req_t *r, const lt_params_t *params)
{
    const lt_principal_t *p = &lt_adm_ctx(r)->who;
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *roles = cJSON_GetObjectItemCaseSensitive(body, "roles");
    int n = cJSON_IsArray(roles) ? cJSON_GetArraySize(roles) : -1;
    if (n < 0 || n > 100) {
        lt_reply_error(r, 400, "ValidationError", "roles must be a list of role ids.");
        return;
    }
    int64_t *ids = lt_arena_calloc(lt_req_arena(r), (size_t)n + 1, sizeof(*ids));
    size_t k = 0;
    const cJSON *it;
    bool bad = false;
    cJSON_ArrayForEach(it, roles)
    {
        if (!cJSON_IsNumber(it) || it->valuedouble < 1 || it->valuedouble > 1e15)
            bad = true;
        else
            ids[k++] = (int64_t)it->valuedouble;
    }
    if (bad) {
        lt_reply_error(r, 400, "ValidationError", "roles must be a list of role ids.");
        return;
    }
    bind_t c = {.op = BIND_SET, .roles = ids, .n_roles = k};
    bind_run(r, params, &c, p);
}

#define ROUTE LT_ADM_ROUTE
#define BIND "/api/admin/projects/:projectId/users/:userId/roles"

const lt_route_t lt_routes_admin_access[] = {
    ROUTE(LT_POST, "/auth/simple/login", login, LT_PUBLIC, LT_JSON_OBJECT),
    ROUTE(LT_GET | LT_POST, "/logout", logout, LT_PUBLIC),
    ROUTE(LT_GET, "/api/admin/user", current_user, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/user/roles", current_roles, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/user/tokens", pats_list, LT_AUTHORIZE(authorize_pat_user)),
    ROUTE(LT_POST, "/api/admin/user/tokens", pats_create, LT_AUTHORIZE(authorize_pat_user),
          LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/user/tokens/:id", pats_delete, LT_AUTHORIZE(authorize_pat_user)),
    ROUTE(LT_GET, "/api/admin/user-admin", users_list, LT_PERM("ADMIN")),
    ROUTE(LT_POST, "/api/admin/user-admin", user_create, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/user-admin/:id", user_get, LT_PERM("ADMIN")),
    ROUTE(LT_PUT, "/api/admin/user-admin/:id", user_update, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/user-admin/:id", user_delete, LT_PERM("ADMIN")),
    ROUTE(LT_POST, "/api/admin/user-admin/:id/change-password", user_change_password,
          LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/roles", roles_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/roles", role_create, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/roles/:id", role_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/roles/:id", role_update, LT_PERM("ADMIN"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/roles/:id", role_delete, LT_PERM("ADMIN")),
    ROUTE(LT_GET, "/api/admin/permissions", permissions_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, BIND "/:roleId", bind_one, LT_PERM("UPDATE_PROJECT"), LT_IN_PROJECT,
          .op = BIND_ADD),
    ROUTE(LT_DELETE, BIND "/:roleId", bind_one, LT_PERM("UPDATE_PROJECT"), LT_IN_PROJECT,
          .op = BIND_REMOVE),
    ROUTE(LT_PUT, BIND, bind_set, LT_PERM("UPDATE_PROJECT"), LT_IN_PROJECT, LT_JSON_OBJECT),
    {0},
};
