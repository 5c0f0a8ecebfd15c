/*
 * cmd_edge.c: `latch edge`: serve an upstream's flags from memory near the SDKs (src/edge/),
 * through the same client and front-end handlers as `latch serve` (src/api/edge_api.c).
 * SIGHUP re-reads the token, client-key and pre-trusted-token files.
 */
#include "cli_int.h"

#include "../api/client_stream.h"
#include "../edge/edge.h"

static const char usage_edge[] =
    "usage: latch edge --upstream-url URL --tokens T1,T2 [options]\n"
    "\n"
    "Holds the flags of an upstream (latch serve, another latch edge, or an unleash-server) in\n"
    "memory and answers SDKs as the upstream would: /api/client/features (per token scope, ETag\n"
    "and gzip), /api/frontend, the Unleash Proxy endpoints (/proxy ...) for client keys, usage\n"
    "forwarded upstream in bulk. Tokens SDKs present are validated upstream (/edge/validate),\n"
    "cached and asked about again every revalidation interval. See docs/EDGE.md.\n"
    "\n"
    "  --upstream-url URL      the upstream's base URL (env UPSTREAM_URL)\n"
    "  --tokens A,B            startup client tokens: their scopes (environment, projects) are\n"
    "                          what this edge holds and may serve (env TOKENS)\n"
    "  --tokens-file F         more startup tokens, one a line or comma-separated; re-read on\n"
    "                          SIGHUP (env TOKENS_FILE)\n"
    "  --client-keys A,B       Unleash Proxy client keys: open /proxy and /api/frontend for one\n"
    "                          environment, never anything upstream (env CLIENT_KEYS or\n"
    "                          UNLEASH_PROXY_CLIENT_KEYS)\n"
    "  --client-keys-file F    more client keys; re-read on SIGHUP (env CLIENT_KEYS_FILE)\n"
    "  --pretrusted-tokens A,B front-end tokens opened without asking the upstream, each\n"
    "                          project:environment.secret or secret@environment, as Unleash\n"
    "                          Edge's (env PRETRUSTED_TOKENS)\n"
    "  --pretrusted-tokens-file F\n"
    "                          more pre-trusted tokens; re-read on SIGHUP (env\n"
    "                          PRETRUSTED_TOKENS_FILE)\n"
    "  --client-keys-environment ENV\n"
    "                          the environment client keys read (env CLIENT_KEYS_ENVIRONMENT;\n"
    "                          default development); the projects are the startup tokens' ones\n"
    "  --client-key-header H   header carrying the client key on /proxy (env\n"
    "                          CLIENT_KEY_HEADER_NAME; default Authorization)\n"
    "  --port N                (env PORT; default 3063)\n"
    "  --bind ADDR             (env INTERFACE; default 0.0.0.0; also --interface)\n"
    "  --backup-folder DIR     keep the last state here (no token secret is written) and\n"
    "                          serve it when started while the upstream is down\n"
    "                          (env BACKUP_FOLDER)\n"
    "  --features-refresh-interval-seconds S\n"
    "                          poll period per scope (env FEATURES_REFRESH_INTERVAL_SECONDS;\n"
    "                          default 1: a 304 costs little)\n"
    "  --token-revalidation-interval-seconds S\n"
    "                          how often every cached token is asked about again, i.e. how\n"
    "                          long a token revoked upstream may still be served (env\n"
    "                          TOKEN_REVALIDATION_INTERVAL_SECONDS; default 10)\n"
    "  --metrics-interval-seconds S\n"
    "                          how often usage is forwarded upstream (env\n"
    "                          METRICS_INTERVAL_SECONDS; default 60)\n"
    "  --upstream-request-timeout S\n"
    "                          per upstream call (env UPSTREAM_REQUEST_TIMEOUT; default 5)\n"
    "  --upstream-connect-timeout S\n"
    "                          (env UPSTREAM_CONNECT_TIMEOUT; default 3)\n"
    "  --token-cache-size N    tokens remembered, valid and invalid (default 10000)\n"
    "  --max-usage-keys N      usage entries held before new ones are dropped (default 100000)\n"
    "  --trusted-proxies A,B   peers whose X-Forwarded-For is believed (env TRUSTED_PROXIES)\n"
    "  --threads N             HTTP worker threads (default: the cores)\n"
    "  --streaming true|false  follow a latch upstream's change stream (/api/client/streaming)\n"
    "                          instead of polling it; flag changes and revocations then arrive\n"
    "                          at once (env STREAMING; default true; polling stays the fallback)\n"
    "  --stream-silence-seconds S\n"
    "                          a change stream silent this long is dead: reconnect (env\n"
    "                          STREAM_SILENCE_SECONDS; default 60; the upstream's heartbeat is 30)\n"
    "\n"
    "UNLEASH_FRONTEND_API_ORIGINS sets the CORS origins (default *).\n";

typedef struct {
    const char *tokens, *tokens_file, *keys, *keys_file, *pretrusted, *pretrusted_file;
    lt_arena_t arena; /* the lists below; replaced whole on SIGHUP */
    const char **t;
    size_t n_t;
    const char **k;
    size_t n_k;
    const char **p;
    size_t n_p;
} lists_t;

/* A list from the option and from a file (newlines count as commas). LT_OK or an error. */
static int read_list(lt_arena_t *a, const char *inline_list, const char *file, const char ***out,
                     size_t *n)
{
    size_t n1 = 0, n2 = 0;
    const char **l1 = lt__cli_split_list(a, inline_list, &n1), **l2 = NULL;
    if (file) {
        size_t len;
        char *text = lt__cli_read_file(file, &len);
        if (!text) {
            lt_log_errno(LT_LOG_ERROR, "edge: cannot read %s", file);
            return LT_ERR;
        }
        for (char *p = text; *p; p++)
            if (*p == '\n' || *p == '\r')
                *p = ',';
        l2 = lt__cli_split_list(a, text, &n2);
        sodium_memzero(text, len);
        free(text);
    }
    *out = lt_arena_calloc(a, n1 + n2 + 1, sizeof(**out));
    memcpy(*out, l1, n1 * sizeof(*l1));
    if (n2)
        memcpy(*out + n1, l2, n2 * sizeof(*l2));
    *n = n1 + n2;
    return LT_OK;
}

static int lists_read(lists_t *l)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    const char **t, **k, **p;
    size_t n_t, n_k, n_p;
    if (read_list(&a, l->tokens, l->tokens_file, &t, &n_t) != LT_OK ||
        read_list(&a, l->keys, l->keys_file, &k, &n_k) != LT_OK ||
        read_list(&a, l->pretrusted, l->pretrusted_file, &p, &n_p) != LT_OK) {
        lt_arena_dispose(&a);
        return LT_ERR;
    }
    lt_arena_dispose(&l->arena);
    l->arena = a;
    l->t = t;
    l->n_t = n_t;
    l->k = k;
    l->n_k = n_k;
    l->p = p;
    l->n_p = n_p;
    return LT_OK;
}

int lt__cli_edge(int argc, char **argv)
{
    lists_t l;
    memset(&l, 0, sizeof(l));
    lt_arena_init(&l.arena, 0);
    const char *url = getenv("UPSTREAM_URL"), *port_s = lt__cli_env_or("PORT", "3063");
    const char *bind = lt__cli_env_or("INTERFACE", "0.0.0.0"), *threads_s = "0";
    const char *backup = getenv("BACKUP_FOLDER");
    const char *refresh_s = lt__cli_env_or("FEATURES_REFRESH_INTERVAL_SECONDS", "1");
    const char *reval_s = lt__cli_env_or("TOKEN_REVALIDATION_INTERVAL_SECONDS", "10");
    const char *metrics_s = lt__cli_env_or("METRICS_INTERVAL_SECONDS", "60");
    const char *timeout_s = lt__cli_env_or("UPSTREAM_REQUEST_TIMEOUT", "5");
    const char *connect_s = lt__cli_env_or("UPSTREAM_CONNECT_TIMEOUT", "3");
    const char *cache_s = "10000", *usage_keys_s = "100000";
    const char *keys_env = lt__cli_env_or("CLIENT_KEYS_ENVIRONMENT", "development");
    const char *key_header = lt__cli_env_or("CLIENT_KEY_HEADER_NAME", "Authorization");
    const char *trusted = getenv("TRUSTED_PROXIES");
    const char *streaming_s = lt__cli_env_or("STREAMING", "true");
    const char *silence_s = lt__cli_env_or("STREAM_SILENCE_SECONDS", "60");
    l.tokens = getenv("TOKENS");
    l.tokens_file = getenv("TOKENS_FILE");
    l.keys = lt__cli_env_or("CLIENT_KEYS", getenv("UNLEASH_PROXY_CLIENT_KEYS"));
    l.keys_file = getenv("CLIENT_KEYS_FILE");
    l.pretrusted = getenv("PRETRUSTED_TOKENS");
    l.pretrusted_file = getenv("PRETRUSTED_TOKENS_FILE");
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_is_help(argv[o.i])) {
            fputs(usage_edge, stdout);
            return 0;
        }
        if (lt__cli_opt(&o, "--upstream-url", &url) || lt__cli_opt(&o, "--tokens", &l.tokens) ||
            lt__cli_opt(&o, "--tokens-file", &l.tokens_file) ||
            lt__cli_opt(&o, "--client-keys", &l.keys) ||
            lt__cli_opt(&o, "--client-keys-file", &l.keys_file) ||
            lt__cli_opt(&o, "--pretrusted-tokens", &l.pretrusted) ||
            lt__cli_opt(&o, "--pretrusted-tokens-file", &l.pretrusted_file) ||
            lt__cli_opt(&o, "--client-keys-environment", &keys_env) ||
            lt__cli_opt(&o, "--client-key-header", &key_header) ||
            lt__cli_opt(&o, "--port", &port_s) || lt__cli_opt(&o, "--bind", &bind) ||
            lt__cli_opt(&o, "--interface", &bind) ||
            lt__cli_opt(&o, "--backup-folder", &backup) ||
            lt__cli_opt(&o, "--features-refresh-interval-seconds", &refresh_s) ||
            lt__cli_opt(&o, "--token-revalidation-interval-seconds", &reval_s) ||
            lt__cli_opt(&o, "--metrics-interval-seconds", &metrics_s) ||
            lt__cli_opt(&o, "--upstream-request-timeout", &timeout_s) ||
            lt__cli_opt(&o, "--upstream-connect-timeout", &connect_s) ||
            lt__cli_opt(&o, "--token-cache-size", &cache_s) ||
            lt__cli_opt(&o, "--max-usage-keys", &usage_keys_s) ||
            lt__cli_opt(&o, "--trusted-proxies", &trusted) ||
            lt__cli_opt(&o, "--streaming", &streaming_s) ||
            lt__cli_opt(&o, "--stream-silence-seconds", &silence_s) ||
            lt__cli_opt(&o, "--threads", &threads_s))
            continue;
        fprintf(stderr, "latch edge: unknown option %s\n%s", argv[o.i], usage_edge);
        return 2;
    }
    if (!url || !*url || (strncmp(url, "http://", 7) != 0 && strncmp(url, "https://", 8) != 0)) {
        fprintf(stderr, "latch edge: --upstream-url must be an http:// or https:// URL\n%s",
                usage_edge);
        return 2;
    }
    if (lists_read(&l) != LT_OK || l.n_t == 0) {
        if (l.n_t == 0)
            fprintf(stderr, "latch edge: at least one startup token (--tokens) is needed\n%s",
                    usage_edge);
        lt_arena_dispose(&l.arena);
        return 2;
    }
    bool streaming = strcmp(streaming_s, "true") == 0;
    if (!streaming && strcmp(streaming_s, "false") != 0) {
        fprintf(stderr, "latch edge: --streaming takes true or false\n%s", usage_edge);
        lt_arena_dispose(&l.arena);
        return 2;
    }
    lt_edge_config_t ec = {
        .upstream_url = url,
        .refresh_interval_ms =
            1000 * lt__cli_parse_int(refresh_s, "--features-refresh-interval-seconds", 1, 86400),
        .revalidation_interval_ms =
            1000 * lt__cli_parse_int(reval_s, "--token-revalidation-interval-seconds", 1, 86400),
        .request_timeout_ms =
            1000 * lt__cli_parse_int(timeout_s, "--upstream-request-timeout", 1, 600),
        .connect_timeout_ms =
            1000 * lt__cli_parse_int(connect_s, "--upstream-connect-timeout", 1, 600),
        .token_cache_max = (size_t)lt__cli_parse_int(cache_s, "--token-cache-size", 16, 10000000),
        .backup_folder = backup && *backup ? backup : NULL,
        .client_keys_env = keys_env,
        .streaming = streaming,
        .stream_silence_ms =
            1000 * lt__cli_parse_int(silence_s, "--stream-silence-seconds", 2, 3600),
        .tokens_changed = lt_stream_tokens_changed,
    };
    int metrics_ms = 1000 * lt__cli_parse_int(metrics_s, "--metrics-interval-seconds", 1, 86400);
    size_t usage_keys = (size_t)lt__cli_parse_int(usage_keys_s, "--max-usage-keys", 1, 10000000);

    sigset_t set;
    lt__cli_signals_block(&set);
    sigaddset(&set, SIGHUP);
    pthread_sigmask(SIG_BLOCK, &set, NULL);

    lt_arena_t conf;
    lt_arena_init(&conf, 0);
    lt_frontend_config_t fc = {0};
    fc.client_key = lt_edge_client_key;
    fc.origin_known = lt_edge_origin_known;
    fc.context_env_from_request = true; /* as the Unleash Proxy and `latch offline` do */
    fc.client_key_header = key_header;
    lt__cli_configure_frontend(&conf, &fc, trusted);
    lt_guard_set_lookup(lt_edge_token_lookup);
    lt_stream_set_lookup(lt_edge_token_by_digest);
    lt_usage_set_sink(lt_edge_usage_sink);
    lt_http_config_t cfg = {
        .bind = bind,
        .port = lt__cli_parse_int(port_s, "--port", 0, 65535),
        .threads = lt__cli_parse_int(threads_s, "--threads", 0, 256),
        .routes = lt_edge_routes,
        .n_routes = lt_edge_n_routes,
        .pre = lt_frontend_pre,
    };
    int rc = 1;
    lt_http_t *http = NULL;
    bool usage = false;
    if (lt_edge_start(&ec, l.t, l.n_t, l.k, l.n_k) != LT_OK)
        goto out;
    lt_edge_set_pretrusted(l.p, l.n_p);
    if (lt_usage_start(metrics_ms, usage_keys) != LT_OK)
        goto out;
    usage = true;
    if (lt_stream_start(NULL) != LT_OK || lt_http_start(&http, &cfg) != LT_OK)
        goto out;
    lt_log_info("latch %s edge, upstream %s", LT_VERSION, url);
    for (;;) {
        int sig = 0;
        sigwait(&set, &sig);
        if (sig != SIGHUP) {
            lt_log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
            break;
        }
        if (lists_read(&l) == LT_OK) {
            lt_edge_reload(l.t, l.n_t, l.k, l.n_k);
            lt_edge_set_pretrusted(l.p, l.n_p);
        } else
            lt_log_error("edge: SIGHUP: the token files could not be read; nothing changed");
    }
    lt_stream_stop(); /* streams closed first: drain waits for requests in flight */
    lt_http_stop(http);
    rc = 0;
out:
    lt_stream_stop();
    if (usage)
        lt_usage_stop(); /* forwards what is left while the edge can still reach upstream */
    lt_edge_stop();
    lt_snapshot_shutdown();
    lt_arena_dispose(&conf);
    lt_arena_dispose(&l.arena);
    return rc;
}
