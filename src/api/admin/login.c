/*
 * login.c: the admin API for logging in and out and for the current user (who they are, what
 * they may do, their roles). Login attempts are counted per client address, and failures per
 * (user, address), before anything is hashed (429 past the limits); the password is verified with argon2id
 * (~55 ms) on the HTTP layer's worker pool (lt_req_defer), never on an I/O thread, outside
 * the store lock, and 503 when that pool is full. On a shared store (PostgreSQL) the same two
 * limits are counted in the database too, so they hold whichever instance a request lands on.
 * Sessions themselves live in auth/session.c.
 */
#include <arpa/inet.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>

#include "../../auth/session.h"
#include "../../base/log.h"
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

/* ---------- the login rate limits ---------- */

/*
 * Two limits, both checked before any password is hashed:
 *   - every attempt per client address (the peer, or what a trusted proxy says), at most
 *     login_per_minute (SIMPLE_LOGIN_LIMIT_PER_MINUTE, 10 as in Unleash) whatever the
 *     username, so spraying names from one address is limited too; IPv6 addresses count per
 *     /64 (one host has them all);
 *   - failed attempts per (username, address), LOGIN_MAX_FAILURES a minute, which still holds
 *     where the first limit is raised (many users behind one NAT).
 * Each is a fixed table whose slot is a keyed hash (BLAKE2b, a key drawn at start), so nobody
 * can compute which names or addresses share a probe run. A slot whose window is over is
 * free; when a run has none, the oldest slot that is not blocking is reused, and a blocking
 * one never: with the whole run blocking, the attempt is refused.
 */
#define LIMIT_SLOTS 8192
#define LIMIT_PROBE 16

typedef struct {
    uint8_t key[16];
    int64_t start;
    int count;
} limit_slot_t;

typedef struct {
    limit_slot_t slots[LIMIT_SLOTS];
} limit_table_t;

static pthread_mutex_t limit_lock = PTHREAD_MUTEX_INITIALIZER;
static limit_table_t by_addr, by_user;
static int login_per_minute = 10;
static uint8_t limit_secret[crypto_generichash_KEYBYTES];
static pthread_once_t limit_once = PTHREAD_ONCE_INIT;

void lt_admin_set_login_limit(int per_minute)
{
    if (per_minute > 0)
        login_per_minute = per_minute;
}

static void limit_init(void)
{
    randombytes_buf(limit_secret, sizeof(limit_secret));
}

/* The digest of an address (an IPv6 one cut to its /64), after login\n when given, keyed with
 * secret (key_len bytes), out_len bytes. */
static void limit_digest(const uint8_t *secret, size_t key_len, const char *login, lt_str_t addr,
                         uint8_t *out, size_t out_len)
{
    char text[64];
    uint8_t bin[17] = {0};
    const void *in = addr.ptr;
    size_t n = addr.len;
    if (addr.len < sizeof(text)) {
        memcpy(text, addr.ptr, addr.len);
        text[addr.len] = '\0';
        if (inet_pton(AF_INET, text, bin + 1) == 1) {
            bin[0] = 4;
            in = bin;
            n = 5;
        } else if (inet_pton(AF_INET6, text, bin + 1) == 1) {
            bin[0] = 6;
            in = bin;
            n = 9; /* the /64 */
        }
    }
    crypto_generichash_state st;
    crypto_generichash_init(&st, secret, key_len, out_len);
    if (login) {
        for (const char *c = login; *c; c++) { /* usernames and emails match case-blind */
            unsigned char ch = (unsigned char)*c;
            ch = ch >= 'A' && ch <= 'Z' ? (unsigned char)(ch + 32) : ch;
            crypto_generichash_update(&st, &ch, 1);
        }
        crypto_generichash_update(&st, (const unsigned char *)"\n", 1);
    }
    crypto_generichash_update(&st, in, n);
    crypto_generichash_final(&st, out, out_len);
}

/* The memory tables' key: this process's own secret. */
static void limit_key(const char *login, lt_str_t addr, uint8_t out[16])
{
    pthread_once(&limit_once, limit_init);
    limit_digest(limit_secret, sizeof(limit_secret), login, addr, out, 16);
}

/* ---------- the same limits in a shared store ---------- */

/*
 * With several instances on one database (a store that notifies: PostgreSQL) the memory tables
 * stay the first line (they bound the work of each process) and the database counts the same
 * two limits for all of them, in fixed one-minute windows: every attempt per address, and the
 * failures per (user, address), keyed with a secret drawn once at migration (the same on every
 * instance, never in an export or a log). Checked on the worker, before the password is hashed;
 * when the database cannot count, the login fails closed (503): it could not read the user
 * either, and a fallback to memory would give an attacker one limit per instance again.
 * SQLite: one process per file, so the memory tables are the whole limit.
 */
typedef struct {
    uint8_t addr[32], user[32];
} shared_keys_t;

typedef struct {
    uint8_t mem_user[16];
    shared_keys_t shared;
    bool use_shared;
} login_arg_t;

static pthread_mutex_t shared_lock = PTHREAD_MUTEX_INITIALIZER;
static uint8_t shared_secret[32];
static bool shared_secret_ok;

/* The shared keys of (login, addr) into k: false when the store's secret cannot be read. */
static bool shared_keys(lt_store_t *store, const char *login, lt_str_t addr, shared_keys_t *k)
{
    pthread_mutex_lock(&shared_lock);
    if (!shared_secret_ok)
        shared_secret_ok = lt_store_login_secret(store, shared_secret) == LT_OK;
    bool ok = shared_secret_ok;
    if (ok) {
        limit_digest(shared_secret, sizeof(shared_secret), NULL, addr, k->addr, 32);
        limit_digest(shared_secret, sizeof(shared_secret), login, addr, k->user, 32);
    }
    pthread_mutex_unlock(&shared_lock);
    return ok;
}

static int64_t window_of(int64_t now)
{
    return now / LOGIN_WINDOW_MS;
}

/* Seconds until the window of now ends (at least 1). */
static int window_wait(int64_t now)
{
    int w = (int)(((window_of(now) + 1) * LOGIN_WINDOW_MS - now + 999) / 1000);
    return w > 0 ? w : 1;
}

/* Before hashing, in the shared store: the seconds to wait, 0 to go on, -1 when it failed. */
static int shared_attempt(const shared_keys_t *k, int64_t now)
{
    lt_login_count_t c[2] = {
        {.key = k->user, .op = LT_LOGIN_READ, .n = 0},
        {.key = k->addr, .op = LT_LOGIN_ADD, .n = 0},
    };
    lt_store_t *store = lt_state_lock();
    int rc = store ? lt_store_login_count(store, window_of(now), c, 2) : LT_ERR;
    lt_state_unlock();
    if (rc != LT_OK)
        return -1;
    return c[0].n >= LOGIN_MAX_FAILURES || c[1].n > login_per_minute ? window_wait(now) : 0;
}

/* After hashing, under the store lock: a failure counts for (user, address); a success clears. */
static void shared_result(lt_store_t *store, const shared_keys_t *k, int64_t now, bool ok)
{
    lt_login_count_t c = {.key = k->user, .op = ok ? LT_LOGIN_CLEAR : LT_LOGIN_ADD, .n = 0};
    if (!store || lt_store_login_count(store, window_of(now), &c, 1) != LT_OK)
        lt_log_warn("login: the shared login limits could not count a result");
}

/*
 * key's slot in t, or NULL. With create, a new one when there is none (never taking a slot
 * that blocks, at max); *wait is then the seconds until the run has room.
 */
static limit_slot_t *limit_slot(limit_table_t *t, const uint8_t key[16], int64_t now, int max,
                                bool create, int *wait)
{
    uint64_t h;
    memcpy(&h, key, sizeof(h));
    limit_slot_t *free_slot = NULL, *reuse = NULL;
    int64_t soonest = LOGIN_WINDOW_MS;
    for (size_t i = 0; i < LIMIT_PROBE; i++) {
        limit_slot_t *s = &t->slots[(h + i) % LIMIT_SLOTS];
        bool live = s->count > 0 && now - s->start < LOGIN_WINDOW_MS;
        if (!live) {
            if (!free_slot)
                free_slot = s;
        } else if (memcmp(s->key, key, 16) == 0) {
            return s;
        } else if (s->count < max) {
            if (!reuse || s->start < reuse->start)
                reuse = s;
        } else if (s->start + LOGIN_WINDOW_MS - now < soonest) {
            soonest = s->start + LOGIN_WINDOW_MS - now;
        }
    }
    if (!create)
        return NULL;
    limit_slot_t *s = free_slot ? free_slot : reuse;
    if (!s) {
        *wait = (int)((soonest + 999) / 1000);
        return NULL;
    }
    memcpy(s->key, key, 16);
    s->start = now;
    s->count = 0;
    return s;
}

/* Seconds s blocks for at max, or 0. */
static int slot_wait(const limit_slot_t *s, int64_t now, int max)
{
    if (!s || s->count < max)
        return 0;
    int w = (int)((s->start + LOGIN_WINDOW_MS - now + 999) / 1000);
    return w > 0 ? w : 1;
}

/* Count an attempt of the address (limit_lock held): 0, or the seconds to wait. */
static int addr_attempt_locked(const uint8_t addr_key[16], int64_t now)
{
    int wait = 0;
    limit_slot_t *s = limit_slot(&by_addr, addr_key, now, login_per_minute, true, &wait);
    if (s) {
        wait = slot_wait(s, now, login_per_minute);
        if (!wait)
            s->count++;
    }
    return wait;
}

/* Before hashing: count the attempt for its address; the seconds to wait, or 0 to go on. */
static int limit_attempt(const uint8_t addr_key[16], const uint8_t user_key[16], int64_t now)
{
    pthread_mutex_lock(&limit_lock);
    int wait = slot_wait(limit_slot(&by_user, user_key, now, LOGIN_MAX_FAILURES, false, NULL),
                         now, LOGIN_MAX_FAILURES);
    if (!wait)
        wait = addr_attempt_locked(addr_key, now);
    pthread_mutex_unlock(&limit_lock);
    return wait;
}

int lt_adm_address_attempt(lt_req_t *r)
{
    uint8_t addr_key[16];
    limit_key(NULL, lt_req_client_addr(r), addr_key);
    pthread_mutex_lock(&limit_lock);
    int wait = addr_attempt_locked(addr_key, lt_now_ms());
    pthread_mutex_unlock(&limit_lock);
    return wait;
}

/* After hashing: a failure counts for (user, address); a success clears it. */
static void limit_result(const uint8_t user_key[16], int64_t now, bool ok)
{
    pthread_mutex_lock(&limit_lock);
    int wait = 0;
    limit_slot_t *s = limit_slot(&by_user, user_key, now, LOGIN_MAX_FAILURES, !ok, &wait);
    if (s)
        s->count = ok ? 0 : s->count + 1;
    pthread_mutex_unlock(&limit_lock);
}

/* 429 with Retry-After: wait seconds. */
static void reply_limited(lt_req_t *r, int wait)
{
    char ra[16];
    snprintf(ra, sizeof(ra), "%d", wait);
    lt_reply_header(r, "Retry-After", ra);
    lt_reply_error(r, 429, "RateLimitError",
                   "Too many login attempts from your address. Try again in %d seconds.", wait);
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

/* Store the argon2id hash that replaces a user's bcrypt one: no event (the password is the
 * same; Unleash records nothing either), no snapshot change (hashes are not in snapshots).
 * Under the store lock. A failure is logged and the bcrypt hash stays, verified next time. */
static void upgrade_password(lt_store_t *store, int64_t user_id, const char *hash)
{
    lt_snapshot_t *s;
    const lt_user_t *u = lt_adm_user_now(user_id, &s);
    if (u && lt_store_user_put(store, u, hash, NULL, NULL) != LT_OK)
        lt_log_warn("login: the password hash of user %lld could not be upgraded",
               (long long)user_id);
    lt_snapshot_release(s);
}

/* On a worker thread: look the user up, verify the password, answer. */
static void login_verify(lt_req_t *r, void *arg)
{
    login_arg_t *la = arg; /* in the request's arena */
    cJSON *body = lt_adm_ctx(r)->body;
    const char *login_name = cJSON_GetObjectItemCaseSensitive(body, "username")->valuestring;
    char *password = cJSON_GetObjectItemCaseSensitive(body, "password")->valuestring;
    int64_t now = lt_now_ms();
    if (la->use_shared) {
        lt_store_t *st = lt_state_store();
        int wait = st && shared_keys(st, login_name, lt_req_client_addr(r), &la->shared)
                       ? shared_attempt(&la->shared, now)
                       : -1;
        if (wait != 0) {
            sodium_memzero(password, strlen(password));
            if (wait > 0) {
                reply_limited(r, wait);
                return;
            }
            lt_reply_header(r, "Retry-After", "5");
            lt_reply_error(r, 503, "ServiceUnavailable",
                           "The login limits could not be checked. Try again shortly.");
            return;
        }
    }
    lt_user_auth_t ua;
    memset(&ua, 0, sizeof(ua));
    lt_store_t *store = lt_state_store(); /* a read: no need to wait behind writes */
    int rc = store ? lt_store_user_auth(store, lt_req_arena(r), login_name, &ua) : LT_ERR;
    bool ok;
    if (rc == LT_OK && ua.password_hash) {
        ok = lt_password_verify(password, ua.password_hash);
    } else {
        pthread_once(&dummy_once, make_dummy_hash);
        lt_password_verify(password, dummy_hash);
        ok = false;
    }
    /* a bcrypt hash imported from Unleash is replaced by an argon2id one at its first login */
    char upgraded[LT_PASSWORD_HASH_MAX] = {0};
    bool upgrade = ok && lt_password_bcrypt_shaped(ua.password_hash) &&
                   lt_password_hash(password, upgraded) == LT_OK;
    sodium_memzero(password, strlen(password));
    limit_result(la->mem_user, now, ok);
    if (rc == LT_OK || la->use_shared) {
        store = lt_state_lock(); /* a write */
        if (la->use_shared)
            shared_result(store, &la->shared, now, ok);
        if (store && rc == LT_OK)
            lt_store_user_login_result(store, ua.user_id, ok);
        if (store && upgrade)
            upgrade_password(store, ua.user_id, upgraded);
        lt_state_unlock();
    }
    sodium_memzero(upgraded, sizeof(upgraded));
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
    lt_str_t client = lt_req_client_addr(r);
    uint8_t addr_key[16];
    login_arg_t *la = lt_arena_alloc(lt_req_arena(r), sizeof(*la));
    memset(la, 0, sizeof(*la));
    limit_key(NULL, client, addr_key);
    limit_key(ju->valuestring, client, la->mem_user);
    int wait = limit_attempt(addr_key, la->mem_user, lt_now_ms());
    lt_store_t *store = lt_state_store();
    la->use_shared = store && lt_store_notifies(store);
    if (wait > 0) {
        sodium_memzero(jp->valuestring, strlen(jp->valuestring));
        reply_limited(r, wait);
        return;
    }
    if (!lt_req_defer(r, login_verify, la)) {
        sodium_memzero(jp->valuestring, strlen(jp->valuestring));
        lt_reply_header(r, "Retry-After", "1");
        lt_reply_error(r, 503, "ServiceUnavailable",
                       "Too many logins are being checked at once. Try again in a second.");
    }
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
    lt_adm_write_user_marks(&b, d, p->user ? p->user->id : 0);
    lt_buf_putc(&b, '}');
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
