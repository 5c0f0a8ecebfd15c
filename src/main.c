/*
 * main.c: the latch command line. `latch serve` runs the server; `import`, `export` and
 * `token` work directly on the store for bootstrapping and recovery. Each command parses its
 * own options and environment variables, then calls into the modules under src/.
 */
#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "api/api.h"
#include "api/frontend.h"
#include "edge/offline.h"
#include "api/usage.h"
#include "auth/access.h"
#include "auth/session.h"
#include "auth/token.h"
#include "base/log.h"
#include "base/util.h"
#include "http/http.h"
#include "model/export.h"
#include "state/state.h"

#define LATCH_VERSION "0.1.0"

static const char usage_main[] =
    "latch " LATCH_VERSION " - a feature-flag server that speaks Unleash's protocol\n"
    "\n"
    "usage: latch <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve     run the server (admin, client and front-end APIs) on the embedded store\n"
    "  import    load a latch export or a client-features JSON document into the store\n"
    "  export    write everything (or one environment's client-features document) as JSON\n"
    "  token     create, list and revoke API tokens in the store\n"
    "  user      add users, set their passwords and list them in the store\n"
    "  offline   serve a features file with no upstream (like Unleash Edge offline)\n"
    "\n"
    "Run `latch <command> --help` for the options of a command.\n";

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

static const char usage_import[] =
    "usage: latch import FILE [--environment ENV] [--db URL]\n"
    "\n"
    "Loads a latch export document (from `latch export`; no --environment): every project,\n"
    "environment, flag, segment, tag type, context field and strategy definition in it is\n"
    "created or replaced, in one transaction; nothing else is removed.\n"
    "Or loads a client-features document (the body of GET /api/client/features, or Unleash\n"
    "Edge's bootstrap map {\"flag\":{\"enabled\":true}}) into environment ENV, creating\n"
    "missing projects and the environment. Flags in the file replace their state in ENV.\n";

static const char usage_export[] =
    "usage: latch export [--all | --environment ENV] [--db URL] [--output FILE]\n"
    "\n"
    "Without --environment (or with --all): writes a latch export document of everything\n"
    "(projects, environments, flags with every environment's state, segments, dependencies,\n"
    "tags, tag types, context fields, strategy definitions) that `latch import` loads into\n"
    "another instance. Users, tokens, events and usage are not part of it.\n"
    "With --environment: writes the environment's flags as a client-features document (with strategy ids,\n"
    "titles, sort order and disabled strategies, so `latch import` restores them).\n";

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

static const char usage_token[] =
    "usage: latch token create --type client|frontend|admin [--environment ENV]\n"
    "                          [--projects a,b|*] [--name NAME] [--expires 30d|ISO-DATE]\n"
    "                          [--secret SECRET]\n"
    "       latch token list\n"
    "       latch token revoke SECRET\n"
    "  (all take --db URL; the secret is shown once, at creation)\n"
    "\n"
    "--secret stores a token you already have instead of generating one (to carry tokens\n"
    "over from Unleash): a legacy 64-hex token (scope from the options; environment * unless\n"
    "--environment is given), or <project>:<env>.<secret> and its v2 form, whose scope is\n"
    "read from the string ([]: needs --projects). Only its SHA-256 digest is stored.\n"
    "--expires takes a positive duration (30d, 12h, 15m, 90s) or an ISO-8601 date; a date\n"
    "in the past is accepted with a warning (the token never works).\n";

static const char usage_user[] =
    "usage: latch user add USERNAME [--email E] [--name N] [--role Admin|Editor|Viewer|ID]\n"
    "                               [--password P]\n"
    "       latch user passwd USERNAME|EMAIL [--password P]\n"
    "       latch user list\n"
    "  (all take --db URL)\n"
    "\n"
    "Without --password the password is read from standard input (without echo on a\n"
    "terminal). Passwords need 10 characters with an upper-case and a lower-case letter, a\n"
    "digit and another character; they are stored as argon2id hashes. `add` defaults to the\n"
    "Viewer role; a changed password ends the user's sessions.\n";

/* ---------- small option parser ---------- */

typedef struct {
    int argc;
    char **argv;
    int i;
    const char *positional[4];
    int n_positional;
} opts_t;

/* If argv[i] is --name (or --name=value), set *out and advance. Returns true when it was. */
static bool opt(opts_t *o, const char *name, const char **out)
{
    const char *a = o->argv[o->i];
    size_t n = strlen(name);
    if (strncmp(a, name, n) != 0)
        return false;
    if (a[n] == '=') {
        *out = a + n + 1;
        return true;
    }
    if (a[n] != '\0')
        return false;
    if (o->i + 1 >= o->argc) {
        fprintf(stderr, "latch: %s needs a value\n", name);
        exit(2);
    }
    *out = o->argv[++o->i];
    return true;
}

static bool is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0;
}

static const char *env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

static const char *default_db(void)
{
    return env_or("DATABASE_URL", "./latch.db");
}

static int parse_int(const char *s, const char *what, long lo, long hi)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || v < lo || v > hi) {
        fprintf(stderr, "latch: %s must be a number between %ld and %ld\n", what, lo, hi);
        exit(2);
    }
    return (int)v;
}

/* Split a comma-separated list into an arena array of trimmed, non-empty items. */
static const char **split_list(lt_arena_t *a, const char *list, size_t *n)
{
    *n = 0;
    size_t cap = 1;
    for (const char *p = list ? list : ""; *p; p++)
        cap += *p == ',';
    const char **out = lt_arena_calloc(a, cap, sizeof(*out));
    const char *p = list ? list : "";
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len)
            out[(*n)++] = lt_arena_strndup(a, p, len);
        if (!e)
            break;
        p = e + 1;
    }
    return out;
}

/* CORS origins and trusted proxies for the front-end endpoints, from the environment. */
static void configure_frontend(lt_arena_t *a, lt_frontend_config_t *fc, const char *trusted)
{
    fc->origins = split_list(a, getenv("UNLEASH_FRONTEND_API_ORIGINS"), &fc->n_origins);
    fc->trusted_proxies = split_list(a, trusted, &fc->n_trusted);
    lt_frontend_configure(fc);
}

/* ---------- tokens ---------- */

/* A --projects list: names, or "*" (or nothing) for all projects. */
static void split_projects(lt_arena_t *a, const char *list, const char ***out, size_t *n,
                           bool *all)
{
    *out = split_list(a, list, n);
    *all = *n == 0;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*out)[i], "*") == 0)
            *all = true;
    if (*all)
        *n = 0;
}

/* Store one token string with its scope. LT_OK, LT_EINVAL (exists) or LT_ERR. */
static int store_token(lt_store_t *store, const char *secret, lt_token_type_t type,
                       const char *env, const char *const *projects, size_t n_projects,
                       bool all, const char *name, int64_t expires_at, const char *actor)
{
    lt_token_new_t t;
    memset(&t, 0, sizeof(t));
    lt_token_digest(lt_str_c(secret), t.digest);
    char display[160];
    lt_token_display(lt_str_c(secret), display, sizeof(display));
    t.name = name;
    t.type = type;
    t.environment = env;
    t.projects = projects;
    t.n_projects = n_projects;
    t.all_projects = all;
    t.expires_at = expires_at;
    t.display = display;
    return lt_store_token_insert(store, &t, actor);
}

/* INIT_*_API_TOKENS as Unleash applies them: only into an empty token table. */
static void provision_init_tokens(lt_store_t *store)
{
    int64_t count = 0;
    lt_store_token_count(store, &count);
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
    if (count > 0) {
        lt_log_info("tokens: the store has tokens already; INIT_*_API_TOKENS ignored");
        return;
    }
    for (size_t i = 0; i < LT_ARRAY_LEN(sets); i++) {
        if (!sets[i].list)
            continue;
        char *copy = lt_xstrdup(sets[i].list);
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            while (*tok == ' ' || *tok == '\t')
                tok++;
            if (!*tok)
                continue;
            char display[160];
            lt_token_display(lt_str_c(tok), display, sizeof(display));
            lt_token_parts_t p = lt_token_parse(lt_str_c(tok));
            if (p.form != LT_TOKEN_FORM_CLASSIC && p.form != LT_TOKEN_FORM_V2) {
                lt_log_error("tokens: INIT token %s is not <project>:<env>.<secret>; skipped",
                             display);
                continue;
            }
            char project[256], env[256];
            snprintf(project, sizeof(project), "%.*s", (int)p.project.len, p.project.ptr);
            snprintf(env, sizeof(env), "%.*s", (int)p.environment.len, p.environment.ptr);
            lt_token_type_t type = sets[i].type;
            bool all = strcmp(project, "*") == 0;
            if (type == LT_TOKEN_ADMIN && (!all || strcmp(env, "*") != 0)) {
                lt_log_error("tokens: INIT admin token %s must be *:*.<secret>; skipped", display);
                continue;
            }
            if (type != LT_TOKEN_ADMIN && strcmp(env, "*") == 0) {
                lt_log_error("tokens: INIT token %s cannot be scoped to all environments; "
                             "skipped",
                             display);
                continue;
            }
            if (strcmp(project, "[]") == 0) {
                lt_log_error("tokens: INIT token %s names no project list; skipped", display);
                continue;
            }
            const char *projects[1] = {project};
            int rc = store_token(store, tok, type, env, projects, all ? 0 : 1, all, "admin", 0,
                                 "init-api-tokens");
            if (rc == LT_OK)
                lt_log_info("tokens: provisioned %s token %s", lt_token_type_name(type),
                            display);
            else if (rc != LT_EINVAL)
                lt_log_error("tokens: could not store INIT token %s", display);
        }
        free(copy);
    }
}

/* --expires: a positive duration from now, or an ISO-8601 date (a past one only warns). */
static int parse_expires(const char *s, int64_t *out)
{
    int64_t d;
    if (lt_duration_parse(s, &d) == LT_OK) {
        if (d <= 0) {
            fprintf(stderr, "latch token: --expires must be a positive duration\n");
            return LT_EINVAL;
        }
        *out = lt_now_ms() + d;
        return LT_OK;
    }
    if (lt_time_parse(s, strlen(s), out) != LT_OK || *out <= 0) {
        fprintf(stderr, "latch token: --expires takes 30d, 12h, 15m, 90s or an ISO-8601 date\n");
        return LT_EINVAL;
    }
    if (*out <= lt_now_ms())
        fprintf(stderr, "latch token: warning: --expires is in the past; the token is expired "
                        "from the start\n");
    return LT_OK;
}

/*
 * The scope a given secret carries (--secret). Legacy 64-hex tokens carry none: the options
 * decide (environment "*" by default, as Unleash stored them). Classic and v2 tokens carry
 * theirs; options that contradict it are refused.
 */
static int scope_of_secret(lt_arena_t *a, const char *secret, lt_token_type_t type,
                           const char **env, const char **projects_s, bool *legacy)
{
    lt_token_parts_t p = lt_token_parse(lt_str_c(secret));
    if (p.form == LT_TOKEN_FORM_LEGACY) {
        *legacy = true;
        if (!*env)
            *env = "*";
        return LT_OK;
    }
    if (p.form != LT_TOKEN_FORM_CLASSIC && p.form != LT_TOKEN_FORM_V2) {
        fprintf(stderr, "latch token: --secret takes a legacy 64-hex token or "
                        "<project>:<env>.<secret>\n");
        return LT_EINVAL;
    }
    const char *s_env = lt_arena_strndup(a, p.environment.ptr, p.environment.len);
    const char *s_proj = lt_arena_strndup(a, p.project.ptr, p.project.len);
    if (*env && strcmp(*env, s_env) != 0) {
        fprintf(stderr, "latch token: --environment %s contradicts the secret's %s\n", *env,
                s_env);
        return LT_EINVAL;
    }
    *env = s_env;
    if (strcmp(s_proj, "[]") == 0) {
        if (!*projects_s || strchr(*projects_s, '*') || !strchr(*projects_s, ',')) {
            fprintf(stderr, "latch token: a []: token needs --projects with two or more "
                            "projects\n");
            return LT_EINVAL;
        }
        return LT_OK;
    }
    if (*projects_s && strcmp(*projects_s, s_proj) != 0) {
        fprintf(stderr, "latch token: --projects contradicts the secret's project %s\n", s_proj);
        return LT_EINVAL;
    }
    *projects_s = s_proj;
    LT_UNUSED(type);
    return LT_OK;
}

static int cmd_token(int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1])) {
        fputs(usage_token, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *db = default_db(), *type_s = "client", *env = NULL, *projects_s = NULL;
    const char *name = NULL, *expires = NULL, *given = NULL;
    opts_t o = {argc, argv, 2, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (opt(&o, "--db", &db) || opt(&o, "--type", &type_s) ||
            opt(&o, "--environment", &env) || opt(&o, "--projects", &projects_s) ||
            opt(&o, "--project", &projects_s) || opt(&o, "--name", &name) ||
            opt(&o, "--expires", &expires) || opt(&o, "--secret", &given))
            continue;
        if (argv[o.i][0] == '-' || o.n_positional == 4) {
            fprintf(stderr, "latch token: unknown option %s\n%s", argv[o.i], usage_token);
            return 2;
        }
        o.positional[o.n_positional++] = argv[o.i];
    }
    lt_store_t *store;
    if (lt_store_open(&store, db) != LT_OK)
        return 1;
    int rc = 1;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    if (strcmp(sub, "create") == 0) {
        lt_token_type_t type;
        if (lt_token_type_parse(type_s, &type) != LT_OK || type == LT_TOKEN_PAT) {
            fprintf(stderr, "latch token: --type must be client, frontend or admin\n");
            goto done;
        }
        int64_t expires_at = 0;
        if (expires && parse_expires(expires, &expires_at) != LT_OK)
            goto done;
        const char **projects;
        size_t n_projects;
        bool all;
        bool legacy = false;
        if (given && scope_of_secret(&a, given, type, &env, &projects_s, &legacy) != LT_OK)
            goto done;
        split_projects(&a, projects_s ? projects_s : "*", &projects, &n_projects, &all);
        if (!env)
            env = "development";
        if (type == LT_TOKEN_ADMIN) {
            if (given && !legacy && (!all || strcmp(env, "*") != 0)) {
                fprintf(stderr, "latch token: an admin token must be *:*.<secret>\n");
                goto done;
            }
            env = "*";
            all = true;
            n_projects = 0;
        } else if (strcmp(env, "*") == 0 && !legacy) {
            fprintf(stderr, "latch token: a %s token cannot be scoped to all environments\n",
                    type_s);
            goto done;
        }
        char secret[256];
        if (given)
            snprintf(secret, sizeof(secret), "%s", given);
        else
            lt_token_generate(type, env, projects, n_projects, all, secret, sizeof(secret));
        if (store_token(store, secret, type, env, projects, n_projects, all,
                        name ? name : lt_token_type_name(type), expires_at, "cli") != LT_OK) {
            fprintf(stderr, "latch token: could not store the token\n");
            goto done;
        }
        if (given)
            printf("stored\n");
        else
            printf("%s\n", secret);
        sodium_memzero(secret, sizeof(secret));
        rc = 0;
    } else if (strcmp(sub, "list") == 0) {
        lt_dataset_t d;
        if (lt_store_load(store, &a, &d) != LT_OK)
            goto done;
        printf("%-10s %-20s %-14s %-20s %-26s %s\n", "TYPE", "NAME", "ENVIRONMENT", "PROJECTS",
               "EXPIRES", "TOKEN");
        for (size_t i = 0; i < d.n_tokens; i++) {
            const lt_token_t *t = &d.tokens[i];
            char projects[128] = "*", exp[32] = "never";
            if (!t->all_projects) {
                projects[0] = '\0';
                for (size_t k = 0; k < t->n_projects; k++)
                    snprintf(projects + strlen(projects), sizeof(projects) - strlen(projects),
                             "%s%s", k ? "," : "", t->projects[k]);
            }
            if (t->expires_at)
                lt_time_format(t->expires_at, exp);
            printf("%-10s %-20s %-14s %-20s %-26s %s\n", lt_token_type_name(t->type), t->name,
                   t->environment, projects, exp, t->display);
        }
        rc = 0;
    } else if (strcmp(sub, "revoke") == 0 && o.n_positional == 1) {
        uint8_t digest[32];
        lt_token_digest(lt_str_c(o.positional[0]), digest);
        int drc = lt_store_token_delete(store, digest, "cli");
        if (drc == LT_OK) {
            printf("revoked\n");
            rc = 0;
        } else {
            fprintf(stderr, "latch token: %s\n", drc == LT_ENOTFOUND ? "no such token"
                                                                     : "could not revoke");
        }
    } else {
        fputs(usage_token, stderr);
        rc = 2;
    }
done:
    lt_arena_dispose(&a);
    lt_store_close(store);
    return rc;
}

/* ---------- users ---------- */

/* Read a password: the option's value, else one line of standard input (no echo on a
 * terminal). Returns a malloc'd string (the caller wipes and frees it) or NULL. */
static char *read_password(const char *given)
{
    if (given)
        return lt_xstrdup(given);
    bool tty = isatty(STDIN_FILENO);
    struct termios old, quiet;
    if (tty) {
        fprintf(stderr, "password: ");
        tcgetattr(STDIN_FILENO, &old);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char line[1100];
    char *got = fgets(line, sizeof(line), stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!got)
        return NULL;
    line[strcspn(line, "\r\n")] = '\0';
    char *pw = lt_xstrdup(line);
    sodium_memzero(line, sizeof(line));
    return pw;
}

/* Check and hash a password for the CLI; LT_OK or an error (printed). */
static int cli_hash(const char *pw, char hash[LT_PASSWORD_HASH_MAX])
{
    const char *why = lt_password_check(pw);
    if (why) {
        fprintf(stderr, "latch user: %s\n", why);
        return LT_EINVAL;
    }
    if (lt_password_hash(pw, hash) != LT_OK) {
        fprintf(stderr, "latch user: the password could not be hashed\n");
        return LT_ERR;
    }
    return LT_OK;
}

static int cmd_user(int argc, char **argv)
{
    if (argc < 2 || is_help(argv[1])) {
        fputs(usage_user, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *db = default_db(), *email = NULL, *name = NULL, *role_s = "Viewer";
    const char *password = NULL;
    opts_t o = {argc, argv, 2, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (opt(&o, "--db", &db) || opt(&o, "--email", &email) || opt(&o, "--name", &name) ||
            opt(&o, "--role", &role_s) || opt(&o, "--password", &password))
            continue;
        if (argv[o.i][0] == '-' || o.n_positional == 1) {
            fprintf(stderr, "latch user: unexpected %s\n%s", argv[o.i], usage_user);
            return 2;
        }
        o.positional[o.n_positional++] = argv[o.i];
    }
    bool add = strcmp(sub, "add") == 0, passwd = strcmp(sub, "passwd") == 0;
    bool list = strcmp(sub, "list") == 0;
    if ((!add && !passwd && !list) || ((add || passwd) && o.n_positional != 1)) {
        fputs(usage_user, stderr);
        return 2;
    }
    lt_store_t *store;
    if (lt_store_open(&store, db) != LT_OK)
        return 1;
    int rc = 1;
    char *pw = NULL;
    char hash[LT_PASSWORD_HASH_MAX] = "";
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    if (lt_store_load(store, &a, &d) != LT_OK)
        goto done;
    if (list) {
        printf("%-5s %-24s %-32s %-10s %-26s %s\n", "ID", "USERNAME", "EMAIL", "ROLE",
               "CREATED", "SEEN");
        for (size_t i = 0; i < d.n_users; i++) {
            const lt_user_t *u = &d.users[i];
            const lt_role_t *role = lt_access_role(&d, u->root_role);
            char created[32] = "-", seen[32] = "never";
            if (u->created_at)
                lt_time_format(u->created_at, created);
            if (u->seen_at)
                lt_time_format(u->seen_at, seen);
            printf("%-5lld %-24s %-32s %-10s %-26s %s\n", (long long)u->id,
                   u->username ? u->username : "-", u->email ? u->email : "-",
                   role ? role->name : "?", created, seen);
        }
        rc = 0;
        goto done;
    }
    const char *login = o.positional[0];
    lt_user_t u;
    memset(&u, 0, sizeof(u));
    lt_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.created_by = "cli";
    char data[512];
    if (add) {
        const lt_role_t *role = lt_access_role_named(&d, role_s);
        if (!role) {
            char *end;
            long long id = strtoll(role_s, &end, 10);
            role = *end ? NULL : lt_access_role(&d, id);
        }
        if (!role || strncmp(role->type, "root", 4) != 0) {
            fprintf(stderr, "latch user: --role must be a root role: Admin, Editor, Viewer or "
                            "the name or id of a root-custom role\n");
            goto done;
        }
        u.username = login;
        u.email = email;
        u.name = name;
        u.root_role = role->id;
        ev.type = "user-created";
    } else {
        lt_user_auth_t ua;
        if (lt_store_call(store, user_auth, &a, login, &ua) != LT_OK) {
            fprintf(stderr, "latch user: no user %s\n", login);
            goto done;
        }
        const lt_user_t *old = lt_access_user(&d, ua.user_id);
        if (!old)
            goto done;
        u = *old;
        ev.type = "user-password-changed";
    }
    pw = read_password(password);
    if (passwd && (!pw || !*pw)) {
        fprintf(stderr, "latch user: no password given\n");
        goto done;
    }
    if (pw && *pw && cli_hash(pw, hash) != LT_OK)
        goto done;
    snprintf(data, sizeof(data), "{\"username\":\"%.200s\",\"rootRole\":%lld}",
             u.username ? u.username : "", (long long)u.root_role);
    bool plain = true;
    for (const char *c = u.username ? u.username : ""; *c; c++)
        plain &= *c != '"' && *c != '\\' && (unsigned char)*c >= 0x20;
    ev.data = plain ? data : NULL;
    int64_t id = 0;
    int wrc = lt_store_call(store, user_put, &u, hash[0] ? hash : NULL, &ev, &id);
    if (wrc == LT_EINVAL) {
        fprintf(stderr, "latch user: a user with that username or email exists\n");
        goto done;
    }
    if (wrc != LT_OK) {
        fprintf(stderr, "latch user: the store refused the change\n");
        goto done;
    }
    if (add)
        printf("added user %s (id %lld)%s\n", login, (long long)id,
               hash[0] ? "" : " without a password: set one with `latch user passwd`");
    else
        printf("password changed for %s; their sessions have ended\n", login);
    rc = 0;
done:
    if (pw) {
        sodium_memzero(pw, strlen(pw));
        free(pw);
    }
    sodium_memzero(hash, sizeof(hash));
    lt_arena_dispose(&a);
    lt_store_close(store);
    return rc;
}

/* ---------- import / export ---------- */

static char *read_file(const char *path, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    lt_buf_t b;
    lt_buf_init(&b, (size_t)512 << 20);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        lt_buf_append(&b, chunk, n);
    if (f != stdin)
        fclose(f);
    if (!lt_buf_ok(&b)) {
        lt_buf_dispose(&b);
        return NULL;
    }
    return lt_buf_take(&b, out_len);
}

/* `latch import` of a latch export document: one transaction, one event. */
static int import_full(const char *db, const char *json, size_t len)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_export_doc_t doc;
    lt_parse_err_t err;
    lt_store_t *store = NULL;
    int rc = 1;
    if (lt_export_parse(&a, json, len, &doc, &err) != LT_OK) {
        fprintf(stderr, "latch import: %s%s%s\n", err.msg, err.where[0] ? " in flag " : "",
                err.where);
        goto done;
    }
    if (lt_store_open(&store, db) != LT_OK)
        goto done;
    char data[160];
    snprintf(data, sizeof(data), "{\"projects\":%zu,\"features\":%zu,\"segments\":%zu}",
             doc.n_projects, doc.n_features, doc.n_segments);
    lt_event_t ev = {.type = "features-imported", .created_by = "import", .data = data};
    if (lt_store_call(store, import_all, &doc, &ev) != LT_OK) {
        fprintf(stderr, "latch import: the store refused the import; nothing was changed\n");
        goto done;
    }
    printf("imported %zu projects, %zu flags and %zu segments\n", doc.n_projects,
           doc.n_features, doc.n_segments);
    rc = 0;
done:
    lt_store_close(store);
    lt_arena_dispose(&a);
    return rc;
}

static int cmd_import(int argc, char **argv)
{
    const char *db = default_db(), *env = NULL;
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (is_help(argv[o.i])) {
            fputs(usage_import, stdout);
            return 0;
        }
        if (opt(&o, "--db", &db) || opt(&o, "--environment", &env))
            continue;
        if ((argv[o.i][0] == '-' && argv[o.i][1]) || o.n_positional == 1) {
            fprintf(stderr, "latch import: unexpected %s\n%s", argv[o.i], usage_import);
            return 2;
        }
        o.positional[o.n_positional++] = argv[o.i];
    }
    if (o.n_positional != 1 || (env && (!*env || strcmp(env, "*") == 0))) {
        fputs(usage_import, stderr);
        return 2;
    }
    size_t len;
    char *json = read_file(o.positional[0], &len);
    if (!json) {
        fprintf(stderr, "latch import: cannot read %s\n", o.positional[0]);
        return 1;
    }
    if (lt_export_detect(json, len)) {
        int frc = import_full(db, json, len);
        free(json);
        return frc;
    }
    if (!env) {
        free(json);
        fputs(usage_import, stderr);
        return 2;
    }
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    int rc = 1;
    lt_store_t *store = NULL;
    if (lt_model_parse_client_doc(&a, json, len, env, &doc, &err) != LT_OK) {
        fprintf(stderr, "latch import: %s%s%s\n", err.msg, err.where[0] ? " in flag " : "",
                err.where);
        goto done;
    }
    if (lt_store_open(&store, db) != LT_OK)
        goto done;
    if (lt_store_import(store, &doc, env, "import") != LT_OK) {
        fprintf(stderr, "latch import: the store refused the import; nothing was changed\n");
        goto done;
    }
    printf("imported %zu flags and %zu segments into %s\n", doc.n_features, doc.n_segments, env);
    rc = 0;
done:
    lt_store_close(store);
    lt_arena_dispose(&a);
    free(json);
    return rc;
}

static int cmd_export(int argc, char **argv)
{
    const char *db = default_db(), *env = NULL, *output = NULL;
    bool all = false;
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (is_help(argv[o.i])) {
            fputs(usage_export, stdout);
            return 0;
        }
        if (opt(&o, "--db", &db) || opt(&o, "--environment", &env) ||
            opt(&o, "--output", &output))
            continue;
        if (strcmp(argv[o.i], "--all") == 0) {
            all = true;
            continue;
        }
        fprintf(stderr, "latch export: unexpected %s\n%s", argv[o.i], usage_export);
        return 2;
    }
    if (all && env) {
        fputs(usage_export, stderr);
        return 2;
    }
    lt_store_t *store;
    if (lt_store_open(&store, db) != LT_OK)
        return 1;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    int rc = 1;
    if (lt_store_load(store, &a, &d) != LT_OK)
        goto done;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (!env) {
        lt_export_doc_t doc = {d.projects,       d.n_projects,       d.envs,
                               d.n_envs,         d.project_envs,     d.n_project_envs,
                               d.features,       d.n_features,       d.segments,
                               d.n_segments,     d.tags,             d.n_tags,
                               d.tag_types,      d.n_tag_types,      d.context_fields,
                               d.n_context_fields, d.strategy_defs,  d.n_strategy_defs};
        lt_export_write(&b, &doc);
        goto write;
    }
    lt_write_opts_t wo = {false, d.segments, d.n_segments, true};
    lt_buf_puts(&b, "{\"version\":2,\"features\":[");
    bool first = true;
    for (size_t i = 0; i < d.n_features; i++) {
        if (d.features[i].archived)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_model_write_feature(&b, &d.features[i], lt_feature_env(&d.features[i], env), &wo);
    }
    lt_buf_puts(&b, "],\"segments\":[");
    for (size_t i = 0; i < d.n_segments; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_model_write_segment(&b, &d.segments[i]);
    }
    lt_buf_puts(&b, "]}\n");
write:;
    FILE *f = output ? fopen(output, "wb") : stdout;
    if (f && lt_buf_ok(&b) && fwrite(b.ptr, 1, b.len, f) == b.len)
        rc = 0;
    else
        fprintf(stderr, "latch export: cannot write %s\n", output ? output : "stdout");
    if (f && f != stdout)
        fclose(f);
    lt_buf_dispose(&b);
done:
    lt_arena_dispose(&a);
    lt_store_close(store);
    return rc;
}

/* ---------- serve ---------- */

/* On first start (no users at all) create the admin user, as Unleash does: the password from
 * UNLEASH_DEFAULT_ADMIN_PASSWORD, or a generated one shown once on a terminal. */
static void first_start_admin(void)
{
    lt_snapshot_t *snap = lt_snapshot_acquire();
    size_t n_users = snap ? snap->data.n_users : 1;
    lt_snapshot_release(snap);
    if (n_users > 0)
        return;
    const char *username = env_or("UNLEASH_DEFAULT_ADMIN_USERNAME", "admin");
    const char *given = getenv("UNLEASH_DEFAULT_ADMIN_PASSWORD");
    char generated[40];
    char hex[25];
    lt_random_hex(12, hex);
    snprintf(generated, sizeof(generated), "Latch-%s", hex);
    sodium_memzero(hex, sizeof(hex));
    const char *password = given && *given ? given : generated;
    char hash[LT_PASSWORD_HASH_MAX];
    if (lt_password_hash(password, hash) != LT_OK) {
        lt_log_error("first start: could not hash the admin password");
        return;
    }
    lt_user_t u;
    memset(&u, 0, sizeof(u));
    u.username = username;
    u.root_role = LT_ROLE_ADMIN;
    lt_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = "user-created";
    ev.created_by = "system";
    ev.data = "{\"rootRole\":1}";
    lt_store_t *store = lt_state_lock();
    int rc = store ? lt_store_call(store, user_put, &u, hash, &ev, NULL) : LT_ERR;
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

static void first_start_banner(lt_store_t *store, int port)
{
    int64_t count = 0;
    lt_store_token_count(store, &count);
    if (count == 0) {
        char secret[256];
        lt_token_generate(LT_TOKEN_ADMIN, "*", NULL, 0, true, secret, sizeof(secret));
        if (store_token(store, secret, LT_TOKEN_ADMIN, "*", NULL, 0, true, "first-start-admin",
                        0, "system") == LT_OK) {
            if (isatty(STDOUT_FILENO)) {
                printf("\n  First start: an admin API token was created. It is shown once:\n\n"
                       "      %s\n\n",
                       secret);
            } else {
                lt_log_info("first start: an admin token was created; it is shown only on a "
                            "terminal. Create another with `latch token create --type admin`.");
            }
        }
        sodium_memzero(secret, sizeof(secret));
    }
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

static int cmd_serve(int argc, char **argv)
{
    const char *port_s = env_or("PORT", env_or("HTTP_PORT", "4242"));
    const char *bind = env_or("HTTP_HOST", "0.0.0.0"), *db = default_db();
    const char *threads_s = "0", *max_body_s = "2097152", *metrics_s = "10", *watch_s = "1000";
    const char *trusted = getenv("TRUSTED_PROXIES");
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (is_help(argv[o.i])) {
            fputs(usage_serve, stdout);
            return 0;
        }
        if (opt(&o, "--port", &port_s) || opt(&o, "--bind", &bind) || opt(&o, "--db", &db) ||
            opt(&o, "--threads", &threads_s) || opt(&o, "--max-body", &max_body_s) ||
            opt(&o, "--metrics-interval", &metrics_s) || opt(&o, "--watch-interval", &watch_s) ||
            opt(&o, "--trusted-proxies", &trusted))
            continue;
        fprintf(stderr, "latch serve: unknown option %s\n%s", argv[o.i], usage_serve);
        return 2;
    }
    int port = parse_int(port_s, "--port", 0, 65535);
    int threads = parse_int(threads_s, "--threads", 0, 256);
    int max_body = parse_int(max_body_s, "--max-body", 1024, 1 << 30);
    int metrics_s_v = parse_int(metrics_s, "--metrics-interval", 1, 86400);
    int watch_ms = parse_int(watch_s, "--watch-interval", 50, 3600000);

    /* signals are taken by sigwait below, so block them before any thread starts */
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    lt_store_t *store;
    if (lt_store_open(&store, db) != LT_OK)
        return 1;
    provision_init_tokens(store);
    if (lt_state_init(store) != LT_OK) {
        lt_store_close(store);
        return 1;
    }
    first_start_admin();
    lt_arena_t conf;
    lt_arena_init(&conf, 0);
    lt_frontend_config_t fc = {0};
    configure_frontend(&conf, &fc, trusted);
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
    first_start_banner(store, lt_http_port(http));
    lt_log_info("latch %s serving (store %s)", LATCH_VERSION, db);
    int sig = 0;
    sigwait(&set, &sig);
    lt_log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
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

static int cmd_offline(int argc, char **argv)
{
    const char *file = getenv("BOOTSTRAP_FILE"), *port_s = env_or("PORT", "3063");
    const char *bind = "0.0.0.0", *reload_s = "0", *threads_s = "0";
    const char *client_tokens = env_or("CLIENT_TOKENS", env_or("TOKENS", NULL));
    const char *frontend_tokens = getenv("FRONTEND_TOKENS");
    const char *keys = env_or("UNLEASH_PROXY_CLIENT_KEYS", getenv("UNLEASH_PROXY_SECRETS"));
    const char *key_header = env_or("CLIENT_KEY_HEADER_NAME", "Authorization");
    const char *trusted = getenv("TRUSTED_PROXIES");
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (is_help(argv[o.i])) {
            fputs(usage_offline, stdout);
            return 0;
        }
        if (opt(&o, "--bootstrap-file", &file) || opt(&o, "--port", &port_s) ||
            opt(&o, "--bind", &bind) || opt(&o, "--reload-interval", &reload_s) ||
            opt(&o, "--client-tokens", &client_tokens) || opt(&o, "--tokens", &client_tokens) ||
            opt(&o, "--frontend-tokens", &frontend_tokens) || opt(&o, "--client-keys", &keys) ||
            opt(&o, "--client-key-header", &key_header) || opt(&o, "--threads", &threads_s) ||
            opt(&o, "--trusted-proxies", &trusted))
            continue;
        fprintf(stderr, "latch offline: unknown option %s\n%s", argv[o.i], usage_offline);
        return 2;
    }
    if (!file || !*file) {
        fputs(usage_offline, stderr);
        return 2;
    }
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);

    lt_arena_t conf;
    lt_arena_init(&conf, 0);
    lt_offline_config_t oc = {0};
    oc.bootstrap_file = file;
    oc.client_tokens = split_list(&conf, client_tokens, &oc.n_client_tokens);
    oc.frontend_tokens = split_list(&conf, frontend_tokens, &oc.n_frontend_tokens);
    oc.reload_interval_s = parse_int(reload_s, "--reload-interval", 0, 86400);
    lt_frontend_config_t fc = {0};
    fc.context_env_from_request = true;
    fc.client_keys = split_list(&conf, keys, &fc.n_client_keys);
    fc.client_key_header = key_header;
    configure_frontend(&conf, &fc, trusted);
    lt_http_config_t cfg = {
        .bind = bind,
        .port = parse_int(port_s, "--port", 0, 65535),
        .threads = parse_int(threads_s, "--threads", 0, 256),
        .routes = lt_offline_routes,
        .n_routes = lt_offline_n_routes,
        .pre = lt_frontend_pre,
    };
    int rc = 1;
    lt_http_t *http = NULL;
    if (lt_offline_load(&oc) != LT_OK || lt_offline_watch_start(&oc) != LT_OK)
        goto out;
    if (lt_http_start(&http, &cfg) != LT_OK)
        goto out;
    lt_log_info("latch %s offline, serving %s", LATCH_VERSION, file);
    int sig = 0;
    sigwait(&set, &sig);
    lt_log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
    lt_http_stop(http);
    rc = 0;
out:
    lt_offline_watch_stop();
    lt_snapshot_shutdown();
    lt_arena_dispose(&conf);
    return rc;
}

int main(int argc, char **argv)
{
    lt_log_init_from_env();
    if (sodium_init() < 0) {
        fprintf(stderr, "latch: libsodium failed to initialise\n");
        return 1;
    }
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (is_help(cmd) || strcmp(cmd, "--help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("latch %s\n", LATCH_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0)
        return cmd_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "import") == 0)
        return cmd_import(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return cmd_export(argc - 1, argv + 1);
    if (strcmp(cmd, "token") == 0)
        return cmd_token(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0)
        return cmd_user(argc - 1, argv + 1);
    if (strcmp(cmd, "offline") == 0)
        return cmd_offline(argc - 1, argv + 1);
    fprintf(stderr, "latch: unknown command %s\n\n%s", cmd, usage_main);
    return 2;
}
