/*
 * cmd_serve.c: `latch serve`: open the store, apply INIT_*_API_TOKENS, publish the first
 * snapshot, create the first admin user and token on first start, then serve until SIGTERM.
 */
#include "cli_int.h"

static const char usage_serve[] =
    "usage: latch serve [options]\n"
    "\n"
    "  --port N              port to listen on (env PORT or HTTP_PORT; default 4242)\n"
    "  --bind ADDR           address to bind (env HTTP_HOST; default 0.0.0.0)\n"
    "  --db URL              store: sqlite:///path or a path (env DATABASE_URL;\n"
    "                        default ./latch.db)\n"
    "  --threads N           HTTP worker threads (default: number of cores)\n"
    "  --max-body BYTES      largest request body accepted (default 2097152)\n"
    "  --metrics-interval S  seconds between writes of usage metrics (default 10)\n"
    "  --watch-interval MS   how often to look for changes made by other processes (1000)\n"
    "  --trusted-proxies A,B peers whose X-Forwarded-For is believed (env TRUSTED_PROXIES)\n"
    "\n"
    "UNLEASH_FRONTEND_API_ORIGINS: comma-separated origins allowed by CORS on /api/frontend\n"
    "(default *).\n"
    "Tokens can be provisioned at start, as Unleash does, when the store has none:\n"
    "  INIT_ADMIN_API_TOKENS, INIT_BACKEND_API_TOKENS (or INIT_CLIENT_API_TOKENS),\n"
    "  INIT_FRONTEND_API_TOKENS: comma-separated full token strings.\n"
    "LATCH_LOG_LEVEL=debug|info|warn|error sets the log level.\n"
    "On first start (no users) the user admin (UNLEASH_DEFAULT_ADMIN_USERNAME) is created\n"
    "with the Admin role and the password UNLEASH_DEFAULT_ADMIN_PASSWORD, or a generated one\n"
    "printed once when standard output is a terminal (else: `latch user passwd admin`).\n";

/* Store one INIT token (its scope read from its text) with the shared scope rules. */
static void provision_one(lt_store_t *store, lt_arena_t *a, const char *tok, lt_token_type_t type)
{
    static const lt_principal_t init_actor = {false, NULL, "init-api-tokens"};
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
        lt_str_t list = lt_str_c(sets[i].list ? sets[i].list : "");
        while (list.len) {
            const char *comma = memchr(list.ptr, ',', list.len);
            size_t n = comma ? (size_t)(comma - list.ptr) : list.len;
            const char *tok = lt_arena_strndup(&a, list.ptr, n);
            while (*tok == ' ' || *tok == '\t')
                tok++;
            char *end = (char *)(uintptr_t)tok + strlen(tok);
            while (end > tok && (end[-1] == ' ' || end[-1] == '\t'))
                *--end = '\0';
            if (*tok)
                provision_one(store, &a, tok, sets[i].type);
            list.ptr += comma ? n + 1 : n;
            list.len -= comma ? n + 1 : n;
        }
    }
    lt_state_reload_locked();
    lt_state_unlock();
    lt_arena_dispose(&a);
}

/* On first start (no users at all) create the admin user, as Unleash does: the password from
 * UNLEASH_DEFAULT_ADMIN_PASSWORD, or a generated one shown once on a terminal. */
static void first_start_admin(void)
{
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
    static const lt_principal_t system_actor = {false, NULL, "system"};
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
    } else if (isatty(STDOUT_FILENO)) {
        printf("\n  First start: user \"%s\" (Admin) was created. Its password is shown once:\n\n"
               "      %s\n\n",
               username, generated);
        fflush(stdout);
    } else {
        lt_log_info("first start: created user %s (Admin) with a generated password that is "
                    "shown only on a terminal; set one with `latch user passwd %s`",
                    username, username);
    }
    sodium_memzero(generated, sizeof(generated));
}

/* On first start (no token at all) create an admin API token; its secret goes to secret (empty
 * when none was created) for the banner to show once. */
static void first_start_token(char secret[LT_TOKEN_SECRET_MAX])
{
    static const lt_principal_t system_actor = {false, NULL, "system"};
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

/* What a person starting latch on a terminal needs to know, the first-start token included. */
static void first_start_banner(char secret[LT_TOKEN_SECRET_MAX], int port)
{
    if (secret[0] && isatty(STDOUT_FILENO))
        printf("\n  First start: an admin API token was created. It is shown once:\n\n"
               "      %s\n\n",
               secret);
    else if (secret[0])
        lt_log_info("first start: an admin token was created; it is shown only on a terminal. "
                    "Create another with `latch token create --type admin`.");
    sodium_memzero(secret, LT_TOKEN_SECRET_MAX);
    if (isatty(STDOUT_FILENO))
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

int lt__cli_serve(int argc, char **argv)
{
    const char *port_s = lt__cli_env_or("PORT", lt__cli_env_or("HTTP_PORT", "4242"));
    const char *bind = lt__cli_env_or("HTTP_HOST", "0.0.0.0"), *db = lt__cli_default_db();
    const char *threads_s = "0", *max_body_s = "2097152", *metrics_s = "10", *watch_s = "1000";
    const char *trusted = getenv("TRUSTED_PROXIES");
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_is_help(argv[o.i])) {
            fputs(usage_serve, stdout);
            return 0;
        }
        if (lt__cli_opt(&o, "--port", &port_s) || lt__cli_opt(&o, "--bind", &bind) ||
            lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--threads", &threads_s) ||
            lt__cli_opt(&o, "--max-body", &max_body_s) ||
            lt__cli_opt(&o, "--metrics-interval", &metrics_s) ||
            lt__cli_opt(&o, "--watch-interval", &watch_s) ||
            lt__cli_opt(&o, "--trusted-proxies", &trusted))
            continue;
        fprintf(stderr, "latch serve: unknown option %s\n%s", argv[o.i], usage_serve);
        return 2;
    }
    int port = lt__cli_parse_int(port_s, "--port", 0, 65535);
    int threads = lt__cli_parse_int(threads_s, "--threads", 0, 256);
    int max_body = lt__cli_parse_int(max_body_s, "--max-body", 1024, 1 << 30);
    int metrics_s_v = lt__cli_parse_int(metrics_s, "--metrics-interval", 1, 86400);
    int watch_ms = lt__cli_parse_int(watch_s, "--watch-interval", 50, 3600000);

    sigset_t set;
    lt__cli_signals_block(&set);

    lt_store_t *store;
    if (lt_store_open(&store, db) != LT_OK)
        return 1;
    if (lt_state_init(store) != LT_OK) {
        /* never serve part of a store: a snapshot missing flags looks to SDKs like flags off */
        lt_log_error("serve: the store could not be read whole; not serving (restore it from a "
                     "backup or a `latch export --all`)");
        lt_session_dispose();
        lt_state_dispose();
        return 1;
    }
    provision_init_tokens();
    first_start_admin();
    char first_secret[LT_TOKEN_SECRET_MAX];
    first_start_token(first_secret);
    lt_arena_t conf;
    lt_arena_init(&conf, 0);
    lt_frontend_config_t fc = {0};
    lt__cli_configure_frontend(&conf, &fc, trusted);
    lt_http_config_t cfg = {
        .bind = bind,
        .port = port,
        .threads = threads,
        .max_body = (size_t)max_body,
        .routes = NULL,
        .n_routes = 0,
        .pre = lt_frontend_pre,
    };
    cfg.routes = lt_serve_routes(&cfg.n_routes);
    lt_http_t *http;
    int rc = 1;
    if (lt_usage_start(metrics_s_v * 1000, 0) != LT_OK || lt_state_watch_start(watch_ms) != LT_OK)
        goto out;
    if (lt_http_start(&http, &cfg) != LT_OK)
        goto out;
    first_start_banner(first_secret, lt_http_port(http));
    lt_log_info("latch %s serving (store %s)", LT_VERSION, db);
    lt__cli_signals_wait(&set);
    lt_http_stop(http);
    rc = 0;
out:
    lt_usage_stop();
    lt_session_dispose();
    lt_state_dispose();
    lt_arena_dispose(&conf);
    free((void *)(uintptr_t)cfg.routes);
    return rc;
}
