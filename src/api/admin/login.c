/*
 * login.c: the admin API for logging in and out and for the current user (who they are, what
 * they may do, their roles). Passwords are verified with argon2id outside the store lock;
 * failed logins are counted per (user, address) in memory and answered 429 past
 * LOGIN_MAX_FAILURES a minute. Sessions themselves live in auth/session.c.
 */
#include <ctype.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>

#include "../../auth/session.h"
#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

/* --secure-cookies: Secure whatever the request came over (a TLS proxy that says nothing). */
static bool secure_always;

void lt_api_set_secure_cookies(bool always)
{
    secure_always = always;
}

static bool cookie_secure(lt_req_t *r)
{
    return secure_always || lt_req_https(r);
}

#define LOGIN_MAX_FAILURES 10
#define LOGIN_WINDOW_MS 60000

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
        strlen(ju->valuestring) > LT_ADM_MAX_FIELD || strlen(jp->valuestring) > 1024) {
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
    lt_store_t *store = lt_state_store(); /* a read: no need to wait behind writes */
    int rc = store ? lt_store_user_auth(store, lt_req_arena(r), login_name, &ua) : LT_ERR;
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
        store = lt_state_lock(); /* a write */
        if (store)
            lt_store_user_login_result(store, ua.user_id, ok);
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
    char header[136];
    snprintf(header, sizeof(header), LT_SESSION_COOKIE "=%s; Path=/; HttpOnly; SameSite=Lax%s",
             cookie, cookie_secure(r) ? "; Secure" : "");
    sodium_memzero(cookie, sizeof(cookie));
    lt_snapshot_t *s;
    const lt_user_t *u = lt_adm_user_now(ua.user_id, &s);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (u)
        lt_adm_write_user(&b, u, now);
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
                    cookie_secure(r)
                        ? LT_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0; Secure"
                        : LT_SESSION_COOKIE "=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
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
        lt_adm_write_user(&b, p->user, 0);
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
        lt_adm_write_role(&b, role, false);
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_login[] = {
    ROUTE(LT_POST, "/auth/simple/login", login, LT_PUBLIC, LT_JSON_OBJECT),
    ROUTE(LT_GET | LT_POST, "/logout", logout, LT_PUBLIC),
    ROUTE(LT_GET, "/api/admin/user", current_user, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/user/roles", current_roles, LT_AUTHENTICATED),
    {0},
};
