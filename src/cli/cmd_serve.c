/*
 * cmd_serve.c: `latch serve`: open the store, apply INIT_*_API_TOKENS, publish the first
 * snapshot, create the first admin user and token on first start, then serve until SIGTERM.
 */
#include <fcntl.h>

#include "cli_int.h"
#include "conf.h"
#include "../api/addons.h"
#include "../api/client_stream.h"
#include "../base/log.h"

static const char usage_serve[] =
    "usage: latch serve [options]\n"
    "\n"
    "  --config FILE         configuration file (env LATCH_CONFIG; default\n"
    "                        /etc/latch/latch.conf when it exists)\n"
    "  --port N              port to listen on (env PORT or HTTP_PORT; default 4242)\n"
    "  --bind ADDR           address to bind (env HTTP_HOST; default 0.0.0.0)\n"
    "  --db URL              store: sqlite:///path, a path, or postgres://... (env\n"
    "                        DATABASE_URL, or Unleash's DATABASE_HOST, _PORT, _USERNAME,\n"
    "                        _PASSWORD, _NAME, _SSL; DATABASE_SCHEMA; default ./latch.db)\n"
    "  --threads N           HTTP worker threads (default: number of cores)\n"
    "  --max-body BYTES      largest request body accepted (default 2097152)\n"
    "  --metrics-interval S  seconds between writes of usage metrics (default 10)\n"
    "  --watch-interval MS   how often to look for changes made by other processes (1000)\n"
    "  --trusted-proxies A,B peers whose X-Forwarded-For is believed (env TRUSTED_PROXIES)\n"
    "  --log-format F        text or json (env LOG_FORMAT; default text)\n"
    "  --log-level L         debug, info, warn or error (env LOG_LEVEL or LATCH_LOG_LEVEL;\n"
    "                        default info)\n"
    "  --first-start-file P  write the first-start admin password and token to P, a new\n"
    "                        file of mode 0600, instead of the terminal\n"
    "  --token-format F      v2 (Unleash 8.1's secure tokens, the default) or classic: the\n"
    "                        format of the tokens and PATs this server creates\n"
    "  --token-sweep MS      how often rotated tokens past their grace are deleted and expired\n"
    "                        tokens get their event (default 1000)\n"
    "  --secure-cookies 0|1  1: the session cookie is always Secure (env\n"
    "                        LATCH_SECURE_COOKIES; default 0: Secure when a trusted proxy's\n"
    "                        X-Forwarded-Proto says https)\n"
    "  --stream-heartbeat S  seconds between heartbeats on event streams (default 30)\n"
    "  --stream-per-token N  event streams one token may hold open (default 64)\n"
    "  --stream-max N        event streams open at once (default 20000)\n"
    "  --base-path P         serve everything (the API and the admin page) under P, e.g.\n"
    "                        /unleash behind a reverse proxy (env UNLEASH_BASE_URI_PATH)\n"
    "  --max-connections N   connections open at once (default 16384); when nearly full\n"
    "                        the longest-idle keep-alive connection is closed for a new one\n"
    "  --max-connections-per-address N  from one client address (default 1024; trusted\n"
    "                        proxies are exempt)\n"
    "  --header-timeout S    seconds for a request's line and headers (default 10)\n"
    "  --body-timeout S      seconds for a request's body after its headers (default 60)\n"
    "  --idle-timeout S      seconds a keep-alive connection may wait idle (default 60)\n"
    "  --drain-timeout S     on SIGTERM, seconds to finish requests begun (default 10)\n"
    "  --login-limit N       login attempts a minute from one client address (env\n"
    "                        SIMPLE_LOGIN_LIMIT_PER_MINUTE; default 10)\n"
    "  --addons-allow-private 0|1  1: webhook addons may post to loopback, private and\n"
    "                        link-local addresses (env LATCH_ADDONS_ALLOW_PRIVATE; default 0)\n"
    "\n"
    "The configuration file holds `key = value` lines and `#` comments; the keys are the\n"
    "long options without --, e.g. `port = 4242`. The environment overrides the file and the\n"
    "command line overrides both. An unknown key or a bad value stops latch (exit 2).\n"
    "\n"
    "UNLEASH_FRONTEND_API_ORIGINS: comma-separated origins allowed by CORS on /api/frontend\n"
    "(default *).\n"
    "Tokens can be provisioned at start, as Unleash does, when the store has none:\n"
    "  INIT_ADMIN_API_TOKENS, INIT_BACKEND_API_TOKENS (or INIT_CLIENT_API_TOKENS),\n"
    "  INIT_FRONTEND_API_TOKENS: comma-separated full token strings.\n"
    "On first start (no users) the user admin (UNLEASH_DEFAULT_ADMIN_USERNAME) is created\n"
    "with the Admin role and the password UNLEASH_DEFAULT_ADMIN_PASSWORD, or a generated one\n"
    "shown once (in --first-start-file, else when standard output is a terminal; else set\n"
    "one with `latch user passwd admin`), and an admin API token shown the same way.\n";

/* Store one INIT token (its scope read from its text) with the shared scope rules. */
static void provision_one(lt_store_t *store, lt_arena_t *a, const char *tok, lt_token_type_t type)
{
    static const lt_principal_t init_actor = {.name = "init-api-tokens"};
    char display[160], msg[256], secret[LT_TOKEN_SECRET_MAX];
    lt_token_display(lt_str_c(tok), display, sizeof(display));
    lt_token_parts_t p = lt_token_parse(lt_str_c(tok));
    if (p.form != LT_TOKEN_FORM_CLASSIC && p.form != LT_TOKEN_FORM_V2) {
        lt_log_error("tokens: INIT token %s is not <project>:<env>.<secret>; skipped", display);
        return;
    }
    lt_token_spec_t spec = {.type = type, .name = "admin", .secret = tok};
    if (lt_token_spec_check(a, &spec, NULL, msg, sizeof(msg)) != LT_OK) {
        lt_log_error("tokens: INIT token %s skipped: %s", display, msg);
        return;
    }
    int rc = lt_token_issue(store, &spec, &init_actor, secret, NULL);
    sodium_memzero(secret, sizeof(secret));
    if (rc == LT_OK)
        lt_log_info("tokens: provisioned %s token %s", lt_token_type_name(type), display);
    else if (rc != LT_EINVAL)
        lt_log_error("tokens: could not store INIT token %s", display);
}

/* INIT_*_API_TOKENS as Unleash applies them: only into an empty token table. */
static void provision_init_tokens(void)
{
    const char *backend = getenv("INIT_BACKEND_API_TOKENS");
    if (!backend || !*backend)
        backend = getenv("INIT_CLIENT_API_TOKENS");
    struct {
        const char *list;
        lt_token_type_t type;
    } sets[] = {{getenv("INIT_ADMIN_API_TOKENS"), LT_TOKEN_ADMIN},
                {backend, LT_TOKEN_CLIENT},
                {getenv("INIT_FRONTEND_API_TOKENS"), LT_TOKEN_FRONTEND}};
    bool any = false;
    for (size_t i = 0; i < LT_ARRAY_LEN(sets); i++)
        any |= sets[i].list && *sets[i].list;
    if (!any)
        return;
    lt_store_t *store = lt_state_lock();
    lt_snapshot_t *snap = lt_snapshot_acquire();
    size_t n_tokens = snap ? snap->data.n_tokens : 1;
    lt_snapshot_release(snap);
    if (n_tokens > 0) {
        lt_log_info("tokens: the store has tokens already; INIT_*_API_TOKENS ignored");
        lt_state_unlock();
        return;
    }
    lt_arena_t a;
    lt_arena_init(&a, 0);
    for (size_t i = 0; i < LT_ARRAY_LEN(sets); i++) {
        size_t n = 0;
        const char **toks = lt__cli_split_list(&a, sets[i].list, &n); /* trimmed, non-empty */
        for (size_t k = 0; k < n; k++)
            provision_one(store, &a, toks[k], sets[i].type);
    }
    lt_state_reload_locked();
    lt_state_unlock();
    lt_arena_dispose(&a);
}

/* On first start (no users at all) create the admin user, as Unleash does: the password from
 * UNLEASH_DEFAULT_ADMIN_PASSWORD, or a generated one, copied to generated_out for
 * first_start_report to show once (empty when none was generated). */
static void first_start_admin(char generated_out[40])
{
    generated_out[0] = '\0';
    lt_snapshot_t *snap = lt_snapshot_acquire();
    size_t n_users = snap ? snap->data.n_users : 1;
    lt_snapshot_release(snap);
    if (n_users > 0)
        return;
    const char *username = lt__cli_env_or("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin");
    const char *given = getenv("UNLEASH_DEFAULT_ADMIN_PASSWORD");
    char generated[40];
    char hex[25];
    lt_random_hex(12, hex);
    snprintf(generated, sizeof(generated), "Latch-%s", hex);
    sodium_memzero(hex, sizeof(hex));
    const char *password = given && *given ? given : generated;
    /* as Unleash: the configured password is taken as it is, without the password rules */
    static const lt_principal_t system_actor = {.name = "system"};
    char hash[LT_PASSWORD_HASH_MAX];
    const char *why;
    if (lt_user_hash_password(password, false, hash, &why) != LT_OK) {
        lt_log_error("first start: could not hash the admin password");
        return;
    }
    lt_user_t u;
    memset(&u, 0, sizeof(u));
    u.username = username;
    u.root_role = LT_ROLE_ADMIN;
    lt_store_t *store = lt_state_lock();
    lt_snapshot_t *now = store ? lt_snapshot_acquire() : NULL;
    int rc = now ? lt_user_put(store, &now->data, &u, hash, LT_USER_CREATED, &system_actor, NULL)
                 : LT_ERR;
    lt_snapshot_release(now);
    if (rc == LT_OK)
        lt_state_reload_locked();
    lt_state_unlock();
    sodium_memzero(hash, sizeof(hash));
    if (rc != LT_OK) {
        lt_log_error("first start: could not create the admin user");
    } else if (given && *given) {
        lt_log_info("first start: created user %s (Admin) with the password of "
                    "UNLEASH_DEFAULT_ADMIN_PASSWORD",
                    username);
    } else {
        memcpy(generated_out, generated, sizeof(generated));
    }
    sodium_memzero(generated, sizeof(generated));
}

/* On first start (no token at all) create an admin API token; its secret goes to secret (empty
 * when none was created) for the banner to show once. */
static void first_start_token(char secret[LT_TOKEN_SECRET_MAX])
{
    static const lt_principal_t system_actor = {.name = "system"};
    secret[0] = '\0';
    lt_store_t *store = lt_state_lock();
    lt_snapshot_t *snap = lt_snapshot_acquire();
    size_t n_tokens = snap ? snap->data.n_tokens : 1;
    lt_snapshot_release(snap);
    lt_token_spec_t spec = {.type = LT_TOKEN_ADMIN, .name = "first-start-admin"};
    char msg[128];
    if (n_tokens == 0 && lt_token_spec_check(NULL, &spec, NULL, msg, sizeof(msg)) == LT_OK) {
        if (lt_token_issue(store, &spec, &system_actor, secret, NULL) == LT_OK)
            lt_state_reload_locked();
        else
            sodium_memzero(secret, LT_TOKEN_SECRET_MAX);
    }
    lt_state_unlock();
}

/* Write the first-start secrets once to path, a new file of mode 0600 (never an existing one:
 * O_EXCL). Returns LT_OK or LT_ERR (logged). */
static int first_start_write(const char *path, const char *username, const char *password,
                             const char *secret)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) {
        lt_log_errno(LT_LOG_ERROR, "first start: could not create %s", path);
        return LT_ERR;
    }
    char ts[32];
    lt_time_format(lt_now_ms(), ts);
    FILE *f = fdopen(fd, "w");
    if (!f) {
        close(fd);
        return LT_ERR;
    }
    fprintf(f, "# latch first start, %s: written once, readable by its owner only.\n", ts);
    if (password[0])
        fprintf(f, "admin-user = %s\nadmin-password = %s\n", username, password);
    if (secret[0])
        fprintf(f, "admin-token = %s\n", secret);
    int rc = fflush(f) == 0 && fsync(fileno(f)) == 0 ? LT_OK : LT_ERR;
    if (fclose(f) != 0)
        rc = LT_ERR;
    if (rc != LT_OK)
        lt_log_errno(LT_LOG_ERROR, "first start: could not write %s", path);
    return rc;
}

/* Show what first start created once: in the file when one is configured, else on a
 * terminal; then what a person starting latch on a terminal needs to know. Wipes the
 * secrets. */
static void first_start_report(const char *file, char password[40],
                               char secret[LT_TOKEN_SECRET_MAX], int port)
{
    const char *username = lt__cli_env_or("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin");
    bool tty = isatty(STDOUT_FILENO);
    if (file && (password[0] || secret[0])) {
        if (first_start_write(file, username, password, secret) == LT_OK)
            lt_log_info("first start: the %s written to %s",
                        password[0] && secret[0] ? "admin password and admin token were"
                        : password[0]            ? "admin password was"
                                                 : "admin token was",
                        file);
        else
            lt_log_error("first start: the generated secrets are lost; set them with `latch user "
                         "passwd %s` and `latch token create --type admin`",
                         username);
    } else if (tty) {
        if (password[0])
            printf("\n  First start: user \"%s\" (Admin) was created. Its password is shown "
                   "once:\n\n      %s\n\n",
                   username, password);
        if (secret[0])
            printf("\n  First start: an admin API token was created. It is shown once:\n\n"
                   "      %s\n\n",
                   secret);
    } else {
        if (password[0])
            lt_log_info("first start: created user %s (Admin) with a generated password that is "
                        "shown only on a terminal; set one with `latch user passwd %s`",
                        username, username);
        if (secret[0])
            lt_log_info("first start: an admin token was created; it is shown only on a "
                        "terminal. Create another with `latch token create --type admin`.");
    }
    sodium_memzero(password, 40);
    sodium_memzero(secret, LT_TOKEN_SECRET_MAX);
    if (tty)
        printf("  latch is serving on http://localhost:%d\n"
               "  Log in to the admin API with POST /auth/simple/login\n"
               "      {\"username\": \"admin\", \"password\": ...}   (the unleash-session cookie)\n"
               "  or send the admin token as the Authorization header.\n"
               "  Connect a server-side SDK with a client token:\n"
               "      latch token create --type client --environment development\n"
               "  and point it at http://localhost:%d/api/ with that token.\n\n",
               port, port);
    fflush(stdout);
}

/* The settings of latch serve, in the order --help lists them: conf key (= long option),
 * kind, range, environment variables, default. */
enum { S_PORT, S_BIND, S_DB, S_THREADS, S_MAX_BODY, S_METRICS, S_WATCH, S_TRUSTED, S_LOG_FORMAT,
       S_LOG_LEVEL, S_FIRST_START_FILE, S_SECURE_COOKIES, S_STREAM_HB, S_STREAM_PER_TOKEN,
       S_STREAM_MAX, S_BASE_PATH, S_MAX_CONNS, S_MAX_CONNS_ADDR, S_HEADER_TIMEOUT,
       S_BODY_TIMEOUT, S_IDLE_TIMEOUT, S_DRAIN_TIMEOUT, S_LOGIN_LIMIT,
       S_TOKEN_FORMAT, S_TOKEN_SWEEP, S_ADDONS_PRIVATE, N_SETTINGS };

static void settings_init(lt_conf_item_t s[N_SETTINGS])
{
    const lt_conf_item_t init[N_SETTINGS] = {
        [S_PORT] = {"port", LT_CONF_INT, 0, 65535, {"PORT", "HTTP_PORT"}, "4242"},
        [S_BIND] = {"bind", LT_CONF_STRING, 0, 0, {"HTTP_HOST"}, "0.0.0.0"},
        [S_DB] = {"db", LT_CONF_STRING, 0, 0, {"DATABASE_URL"}, "./latch.db"},
        [S_THREADS] = {"threads", LT_CONF_INT, 0, 256, {NULL}, "0"},
        [S_MAX_BODY] = {"max-body", LT_CONF_INT, 1024, 1 << 30, {NULL}, "2097152"},
        [S_METRICS] = {"metrics-interval", LT_CONF_INT, 1, 86400, {NULL}, "10"},
        [S_WATCH] = {"watch-interval", LT_CONF_INT, 50, 3600000, {NULL}, "1000"},
        [S_TRUSTED] = {"trusted-proxies", LT_CONF_STRING, 0, 0, {"TRUSTED_PROXIES"}, NULL},
        [S_LOG_FORMAT] = {"log-format", LT_CONF_LOG_FORMAT, 0, 0, {"LOG_FORMAT"}, NULL},
        [S_LOG_LEVEL] = {"log-level", LT_CONF_LOG_LEVEL, 0, 0, {"LOG_LEVEL", "LATCH_LOG_LEVEL"},
                         NULL},
        [S_FIRST_START_FILE] = {"first-start-file", LT_CONF_STRING, 0, 0, {NULL}, NULL},
        [S_TOKEN_FORMAT] = {"token-format", LT_CONF_STRING, 0, 0, {"LATCH_TOKEN_FORMAT"}, "v2"},
        [S_TOKEN_SWEEP] = {"token-sweep", LT_CONF_INT, 50, 3600000, {NULL}, "1000"},
        [S_SECURE_COOKIES] = {"secure-cookies", LT_CONF_INT, 0, 1, {"LATCH_SECURE_COOKIES"}, "0"},
        [S_STREAM_HB] = {"stream-heartbeat", LT_CONF_INT, 1, 3600, {NULL}, "30"},
        [S_STREAM_PER_TOKEN] = {"stream-per-token", LT_CONF_INT, 1, 1000000, {NULL}, "64"},
        [S_STREAM_MAX] = {"stream-max", LT_CONF_INT, 1, 1000000, {NULL}, "20000"},
        [S_BASE_PATH] = {"base-path", LT_CONF_STRING, 0, 0, {"UNLEASH_BASE_URI_PATH"}, NULL},
        [S_MAX_CONNS] = {"max-connections", LT_CONF_INT, 16, 1 << 20, {NULL}, "16384"},
        [S_MAX_CONNS_ADDR] = {"max-connections-per-address", LT_CONF_INT, 1, 1 << 20, {NULL},
                              "1024"},
        [S_HEADER_TIMEOUT] = {"header-timeout", LT_CONF_INT, 1, 3600, {NULL}, "10"},
        [S_BODY_TIMEOUT] = {"body-timeout", LT_CONF_INT, 1, 3600, {NULL}, "60"},
        [S_IDLE_TIMEOUT] = {"idle-timeout", LT_CONF_INT, 1, 86400, {NULL}, "60"},
        [S_DRAIN_TIMEOUT] = {"drain-timeout", LT_CONF_INT, 0, 3600, {NULL}, "10"},
        [S_LOGIN_LIMIT] = {"login-limit", LT_CONF_INT, 1, 1000000,
                           {"SIMPLE_LOGIN_LIMIT_PER_MINUTE"}, "10"},
        [S_ADDONS_PRIVATE] = {"addons-allow-private", LT_CONF_INT, 0, 1,
                              {"LATCH_ADDONS_ALLOW_PRIVATE"}, "0"},
    };
    memcpy(s, init, sizeof(init));
}

/* The configuration file: --config, else LATCH_CONFIG (both must exist), else the default
 * when it exists; NULL for none. */
static const char *config_path(const char *given)
{
    if (given)
        return given;
    const char *env = getenv("LATCH_CONFIG");
    if (env && *env)
        return env;
    return access(LT_CONF_DEFAULT_PATH, F_OK) == 0 ? LT_CONF_DEFAULT_PATH : NULL;
}

int lt__cli_serve_db(lt_arena_t *a, const char *config, const char **out)
{
    lt_conf_item_t s[N_SETTINGS];
    settings_init(s);
    *out = NULL;
    const char *path = config_path(config);
    lt_conf_err_t err;
    if (path && lt_conf_load(a, path, s, N_SETTINGS, &err) != LT_OK) {
        fprintf(stderr, "latch: %s\n", err.msg);
        return LT_EINVAL;
    }
    lt_conf_apply_env(s, N_SETTINGS);
    if (s[S_DB].origin[0]) /* set by the file or the environment, not the default */
        *out = s[S_DB].value;
    return LT_OK;
}

/* The base path as the server takes it: "" and "/" are none (NULL), a final "/" goes. */
static int base_path_read(lt_arena_t *a, lt_conf_item_t *it)
{
    const char *v = it->value;
    if (!v)
        return LT_OK;
    size_t n = strlen(v);
    while (n > 0 && v[n - 1] == '/')
        n--;
    it->value = n ? lt_arena_strndup(a, v, n) : NULL;
    return !it->value || lt_ui_base_path_ok(it->value) ? LT_OK : LT_EINVAL;
}

/* Read the command line, the file and the environment into s, checked. Returns -1 to go on,
 * else the exit status (0 after --help, 2 for a bad option or value). */
static int settings_read(int argc, char **argv, lt_arena_t *a, lt_conf_item_t s[N_SETTINGS])
{
    settings_init(s);
    const char *given[N_SETTINGS] = {NULL}, *config = NULL;
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_is_help(argv[o.i])) {
            fputs(usage_serve, stdout);
            return 0;
        }
        if (lt__cli_opt(&o, "--config", &config))
            continue;
        size_t k = 0;
        for (char opt[40]; k < N_SETTINGS; k++) {
            snprintf(opt, sizeof(opt), "--%s", s[k].key);
            if (lt__cli_opt(&o, opt, &given[k]))
                break;
        }
        if (k == N_SETTINGS) {
            fprintf(stderr, "latch serve: unknown option %s\n%s", argv[o.i], usage_serve);
            return 2;
        }
    }
    lt_conf_err_t err;
    const char *path = config_path(config);
    if (path && lt_conf_load(a, path, s, N_SETTINGS, &err) != LT_OK) {
        fprintf(stderr, "latch serve: %s\n", err.msg);
        return 2;
    }
    lt_conf_apply_env(s, N_SETTINGS);
    for (size_t k = 0; k < N_SETTINGS; k++)
        if (given[k])
            lt_conf_set_option(&s[k], given[k]);
    if (lt_conf_check(s, N_SETTINGS, &err) != LT_OK) {
        fprintf(stderr, "latch serve: %s\n", err.msg);
        return 2;
    }
    if (base_path_read(a, &s[S_BASE_PATH]) != LT_OK) {
        fprintf(stderr, "latch serve: --base-path must be like /unleash (letters, digits, "
                        "-._~ and single slashes)\n");
        return 2;
    }
    lt_log_format_t format;
    lt_log_level_t level;
    if (s[S_LOG_FORMAT].value && lt_log_format_parse(s[S_LOG_FORMAT].value, &format) == LT_OK)
        lt_log_set_format(format);
    if (s[S_LOG_LEVEL].value && lt_log_level_parse(s[S_LOG_LEVEL].value, &level) == LT_OK)
        lt_log_set_level(level);
    lt_token_format_t tf;
    if (lt_token_format_parse(s[S_TOKEN_FORMAT].value, &tf) != LT_OK) {
        fprintf(stderr, "latch serve: --token-format must be v2 or classic\n");
        return 2;
    }
    lt_token_set_format(tf);
    if (path)
        lt_log_info("serve: configuration from %s", path);
    return -1;
}

int lt__cli_serve(int argc, char **argv)
{
    lt_arena_t conf;
    lt_arena_init(&conf, 0);
    lt_conf_item_t s[N_SETTINGS];
    int status = settings_read(argc, argv, &conf, s);
    if (status >= 0) {
        lt_arena_dispose(&conf);
        return status;
    }
    int port = (int)s[S_PORT].num, threads = (int)s[S_THREADS].num;
    int max_body = (int)s[S_MAX_BODY].num, metrics_s_v = (int)s[S_METRICS].num;
    int watch_ms = (int)s[S_WATCH].num;
    const char *bind = s[S_BIND].value, *db = s[S_DB].value, *trusted = s[S_TRUSTED].value;
    if (!s[S_DB].origin[0]) /* not given: Unleash's DATABASE_HOST... when set */
        db = lt__cli_default_db();
    const char *first_start_file = s[S_FIRST_START_FILE].value;
    lt_api_set_secure_cookies(s[S_SECURE_COOKIES].num == 1);
    const char *base_path = s[S_BASE_PATH].value;

    sigset_t set;
    lt__cli_signals_block(&set);

    lt_store_t *store;
    lt_http_config_t cfg = {.routes = NULL};
    int rc = 1;
    if (lt__cli_store_open(&store, db) != LT_OK)
        goto done;
    if (lt_state_init(store) != LT_OK) {
        /* never serve part of a store: a snapshot missing flags looks to SDKs like flags off */
        lt_log_error("serve: the store could not be read whole; not serving (restore it from a "
                     "backup or a `latch export --all`)");
        lt_session_dispose();
        lt_state_dispose();
        goto done;
    }
    provision_init_tokens();
    char first_password[40], first_secret[LT_TOKEN_SECRET_MAX];
    first_start_admin(first_password);
    first_start_token(first_secret);
    lt_frontend_config_t fc = {0};
    lt__cli_configure_frontend(&conf, &fc, trusted);
    cfg = (lt_http_config_t){
        .bind = bind,
        .port = port,
        .threads = threads,
        .max_body = (size_t)max_body,
        .routes = NULL,
        .n_routes = 0,
        .pre = lt_frontend_pre,
        .base_path = base_path,
        .max_conns = (int)s[S_MAX_CONNS].num,
        .max_conns_per_addr = (int)s[S_MAX_CONNS_ADDR].num,
        .header_timeout_ms = (int)s[S_HEADER_TIMEOUT].num * 1000,
        .body_timeout_ms = (int)s[S_BODY_TIMEOUT].num * 1000,
        .idle_timeout_ms = (int)s[S_IDLE_TIMEOUT].num * 1000,
    };
    lt_ui_configure(base_path);
    cfg.routes = lt_serve_routes(&cfg.n_routes);
    lt_admin_set_login_limit((int)s[S_LOGIN_LIMIT].num);
    lt_addons_set_allow_private(s[S_ADDONS_PRIVATE].num == 1);
    lt_http_t *http;
    lt_stream_config_t sc = {(int)s[S_STREAM_HB].num * 1000, (size_t)s[S_STREAM_MAX].num,
                             (size_t)s[S_STREAM_PER_TOKEN].num, 0};
    if (lt_usage_start(metrics_s_v * 1000, 0) != LT_OK || lt_state_watch_start(watch_ms) != LT_OK ||
        lt_token_sweep_start((int)s[S_TOKEN_SWEEP].num) != LT_OK ||
        lt_stream_start(&sc) != LT_OK || lt_addons_start() != LT_OK ||
        lt_http_start(&http, &cfg) != LT_OK) {
        sodium_memzero(first_password, sizeof(first_password));
        sodium_memzero(first_secret, sizeof(first_secret));
        goto out;
    }
    first_start_report(first_start_file, first_password, first_secret, lt_http_port(http));
    char shown[512];
    lt_log_info("latch %s serving (store %s)", LT_VERSION,
                lt_store_url_redacted(db, shown, sizeof(shown)));
    lt__cli_signals_wait(&set);
    lt_stream_stop(); /* streams closed first: drain waits for requests in flight */
    lt_http_drain(http, (int)s[S_DRAIN_TIMEOUT].num * 1000); /* then usage is flushed below */
    lt_http_stop(http);
    rc = 0;
out:
    lt_addons_stop(); /* after the requests: what they committed is queued, then recorded */
    lt_stream_stop();
    lt_token_sweep_stop();
    lt_usage_stop();
    lt_session_dispose();
    lt_state_dispose();
    free((void *)(uintptr_t)cfg.routes);
    lt_ui_dispose();
done:
    lt_arena_dispose(&conf);
    return rc;
}
