/*
 * cmd_offline.c: `latch offline`: serve a features file with no store and no upstream.
 */
#include "cli_int.h"

#include "../api/client_stream.h"

static const char usage_offline[] =
    "usage: latch offline --bootstrap-file FILE [options]\n"
    "\n"
    "Serves the flags of FILE with no upstream and no store, as Unleash Edge's offline mode:\n"
    "/api/client/features, /api/frontend and the Unleash Proxy endpoints (/proxy ...).\n"
    "\n"
    "  --bootstrap-file F    client-features JSON, Edge's map {\"flag\":{\"enabled\":true}},\n"
    "                        or delta events (env BOOTSTRAP_FILE)\n"
    "  --client-tokens A,B   tokens for server-side SDKs, trusted as given (env CLIENT_TOKENS)\n"
    "  --frontend-tokens A,B front-end tokens or opaque keys (env FRONTEND_TOKENS)\n"
    "  --client-keys A,B     Unleash Proxy client keys for /proxy and /api/frontend\n"
    "                        (env UNLEASH_PROXY_CLIENT_KEYS)\n"
    "  --client-key-header H header carrying the client key on /proxy (env\n"
    "                        CLIENT_KEY_HEADER_NAME; default Authorization)\n"
    "  --port N              (env PORT; default 3063)\n"
    "  --bind ADDR           (default 0.0.0.0)\n"
    "  --reload-interval S   re-read the file when it changes, every S seconds (0 = never)\n"
    "  --trusted-proxies A,B peers whose X-Forwarded-For is believed\n"
    "\n"
    "The front-end endpoints take environment and appName from the request's context.\n"
    "UNLEASH_FRONTEND_API_ORIGINS sets the CORS origins (default *).\n";

int lt__cli_offline(int argc, char **argv)
{
    const char *file = getenv("BOOTSTRAP_FILE"), *port_s = lt__cli_env_or("PORT", "3063");
    const char *bind = "0.0.0.0", *reload_s = "0", *threads_s = "0";
    const char *client_tokens = lt__cli_env_or("CLIENT_TOKENS", lt__cli_env_or("TOKENS", NULL));
    const char *frontend_tokens = getenv("FRONTEND_TOKENS");
    const char *keys = lt__cli_env_or("UNLEASH_PROXY_CLIENT_KEYS", getenv("UNLEASH_PROXY_SECRETS"));
    const char *key_header = lt__cli_env_or("CLIENT_KEY_HEADER_NAME", "Authorization");
    const char *trusted = getenv("TRUSTED_PROXIES");
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_is_help(argv[o.i])) {
            fputs(usage_offline, stdout);
            return 0;
        }
        if (lt__cli_opt(&o, "--bootstrap-file", &file) || lt__cli_opt(&o, "--port", &port_s) ||
            lt__cli_opt(&o, "--bind", &bind) || lt__cli_opt(&o, "--reload-interval", &reload_s) ||
            lt__cli_opt(&o, "--client-tokens", &client_tokens) ||
            lt__cli_opt(&o, "--tokens", &client_tokens) ||
            lt__cli_opt(&o, "--frontend-tokens", &frontend_tokens) ||
            lt__cli_opt(&o, "--client-keys", &keys) ||
            lt__cli_opt(&o, "--client-key-header", &key_header) ||
            lt__cli_opt(&o, "--threads", &threads_s) ||
            lt__cli_opt(&o, "--trusted-proxies", &trusted))
            continue;
        fprintf(stderr, "latch offline: unknown option %s\n%s", argv[o.i], usage_offline);
        return 2;
    }
    if (!file || !*file) {
        fputs(usage_offline, stderr);
        return 2;
    }
    sigset_t set;
    lt__cli_signals_block(&set);

    lt_arena_t conf;
    lt_arena_init(&conf, 0);
    lt_offline_config_t oc = {0};
    oc.bootstrap_file = file;
    oc.client_tokens = lt__cli_split_list(&conf, client_tokens, &oc.n_client_tokens);
    oc.frontend_tokens = lt__cli_split_list(&conf, frontend_tokens, &oc.n_frontend_tokens);
    oc.reload_interval_s = lt__cli_parse_int(reload_s, "--reload-interval", 0, 86400);
    lt_frontend_config_t fc = {0};
    fc.context_env_from_request = true;
    fc.client_keys = lt__cli_split_list(&conf, keys, &fc.n_client_keys);
    fc.client_key_header = key_header;
    lt__cli_configure_frontend(&conf, &fc, trusted);
    lt_http_config_t cfg = {
        .bind = bind,
        .port = lt__cli_parse_int(port_s, "--port", 0, 65535),
        .threads = lt__cli_parse_int(threads_s, "--threads", 0, 256),
        .routes = lt_offline_routes,
        .n_routes = lt_offline_n_routes,
        .pre = lt_frontend_pre,
    };
    int rc = 1;
    lt_http_t *http = NULL;
    if (lt_offline_load(&oc) != LT_OK || lt_offline_watch_start(&oc) != LT_OK)
        goto out;
    if (lt_stream_start(NULL) != LT_OK || lt_http_start(&http, &cfg) != LT_OK)
        goto out;
    lt_log_info("latch %s offline, serving %s", LT_VERSION, file);
    lt__cli_signals_wait(&set);
    lt_stream_stop(); /* streams closed first: drain waits for requests in flight */
    lt_http_drain(http, 10000);
    lt_http_stop(http);
    rc = 0;
out:
    lt_stream_stop();
    lt_offline_watch_stop();
    lt_snapshot_shutdown();
    lt_arena_dispose(&conf);
    return rc;
}
