/*
 * cmd_token.c: `latch token create|list|revoke|rotate` on the store.
 */
#include "cli_int.h"

static const char usage_token[] =
    "usage: latch token create --type client|frontend|admin [--environment ENV]\n"
    "                          [--projects a,b|*] [--name NAME] [--expires 30d|ISO-DATE]\n"
    "                          [--secret SECRET]\n"
    "       latch token list\n"
    "       latch token revoke SECRET|SELECTOR\n"
    "       latch token rotate SECRET|SELECTOR [--grace SECONDS]\n"
    "  (all take --db URL; the secret is shown once, at creation; create and rotate take\n"
    "  --token-format v2|classic, default v2)\n"
    "\n"
    "--secret stores a token you already have instead of generating one (to carry tokens\n"
    "over from Unleash): a legacy 64-hex token (scope from the options; environment * unless\n"
    "--environment is given), or <project>:<env>.<secret> and its v2 form, whose scope is\n"
    "read from the string ([]: needs --projects). Only its SHA-256 digest is stored.\n"
    "--expires takes a positive duration (30d, 12h, 15m, 90s) or an ISO-8601 date; a date\n"
    "in the past is accepted with a warning (the token never works).\n"
    "rotate prints a new secret with the old one's name, scope and expiry; the old one keeps\n"
    "working for --grace seconds (default 0, at most 30 days), then `latch serve` deletes it.\n";

/* The principal the CLI's events are attributed to. */
static const lt_principal_t cli_actor = {.name = "cli"};

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

static int token_create(lt_store_t *store, lt_arena_t *a, const char *type_s, const char *env,
                        const char *projects_s, const char *name, const char *expires,
                        const char *given)
{
    lt_token_spec_t spec;
    memset(&spec, 0, sizeof(spec));
    if (lt_token_type_parse(type_s, &spec.type) != LT_OK || spec.type == LT_TOKEN_PAT) {
        fprintf(stderr, "latch token: --type must be client, frontend or admin\n");
        return 1;
    }
    if (expires && parse_expires(expires, &spec.expires_at) != LT_OK)
        return 1;
    spec.name = name;
    spec.environment = env;
    spec.secret = given;
    if (projects_s) {
        const char **projects;
        lt__cli_split_projects(a, projects_s, &projects, &spec.n_projects, &spec.all_projects);
        spec.projects = projects;
        spec.projects_given = true;
    }
    lt_dataset_t d;
    if (lt_store_load(store, a, &d) != LT_OK) {
        fprintf(stderr, "latch token: the store could not be read\n");
        return 1;
    }
    char msg[256];
    if (lt_token_spec_check(a, &spec, &d, msg, sizeof(msg)) != LT_OK) {
        fprintf(stderr, "latch token: %s%s\n", given ? "--secret: " : "", msg);
        return 1;
    }
    char secret[LT_TOKEN_SECRET_MAX];
    int rc = lt_token_issue(store, &spec, &cli_actor, secret, NULL);
    if (rc == LT_OK)
        printf("%s\n", given ? "stored" : secret);
    else
        fprintf(stderr, "latch token: %s\n",
                rc == LT_EINVAL ? "that token is stored already" : "could not store the token");
    sodium_memzero(secret, sizeof(secret));
    return rc == LT_OK ? 0 : 1;
}

static int token_list(lt_store_t *store, lt_arena_t *a)
{
    lt_dataset_t d;
    if (lt_store_load(store, a, &d) != LT_OK) {
        fprintf(stderr, "latch token: the store could not be read\n");
        return 1;
    }
    printf("%-10s %-20s %-14s %-20s %-26s %s\n", "TYPE", "NAME", "ENVIRONMENT", "PROJECTS",
           "EXPIRES", "TOKEN");
    for (size_t i = 0; i < d.n_tokens; i++) {
        const lt_token_t *t = &d.tokens[i];
        char projects[128] = "*", exp[32] = "never";
        if (!t->all_projects) {
            projects[0] = '\0';
            for (size_t k = 0; k < t->n_projects; k++)
                snprintf(projects + strlen(projects), sizeof(projects) - strlen(projects), "%s%s",
                         k ? "," : "", t->projects[k]);
        }
        if (t->expires_at)
            lt_time_format(t->expires_at, exp);
        char grace[64] = "";
        if (t->grace_until) {
            char at[32];
            lt_time_format(t->grace_until, at);
            snprintf(grace, sizeof(grace), " (rotated: works until %s)", at);
        }
        printf("%-10s %-20s %-14s %-20s %-26s %s%s\n", lt_token_type_name(t->type), t->name,
               t->environment, projects, exp, t->display, grace);
    }
    return 0;
}

/* The stored token a whole secret or a v2 selector names, or NULL (*loaded false when the
 * store could not be read, said on stderr). */
static const lt_token_t *find_token(lt_store_t *store, lt_arena_t *a, const char *ref,
                                    bool *loaded)
{
    lt_dataset_t d;
    *loaded = lt_store_load(store, a, &d) == LT_OK;
    if (!*loaded) {
        fprintf(stderr, "latch token: the store could not be read\n");
        return NULL;
    }
    lt_token_table_t tt;
    lt_token_table_build(&tt, a, d.tokens, d.n_tokens);
    return lt_token_table_find_ref(&tt, lt_str_c(ref));
}

static int token_rotate(lt_store_t *store, lt_arena_t *a, const char *ref, const char *grace_s)
{
    int64_t grace = 0;
    if (grace_s) {
        char *end;
        long long v = strtoll(grace_s, &end, 10);
        if (!*grace_s || *end || v < 0 || v > LT_TOKEN_MAX_GRACE_S) {
            fprintf(stderr, "latch token: --grace takes whole seconds from 0 to %d\n",
                    LT_TOKEN_MAX_GRACE_S);
            return 2;
        }
        grace = v;
    }
    bool loaded;
    const lt_token_t *t = find_token(store, a, ref, &loaded);
    if (!loaded)
        return 1;
    char secret[LT_TOKEN_SECRET_MAX];
    int rc = t ? lt_token_rotate(store, t, grace, &cli_actor, secret, NULL) : LT_ENOTFOUND;
    if (rc == LT_OK)
        printf("%s\n", secret);
    else
        fprintf(stderr, "latch token: %s\n",
                rc == LT_ENOTFOUND ? "no such token"
                : rc == LT_EINVAL  ? "that token has been rotated already; rotate its successor"
                                   : "could not rotate");
    sodium_memzero(secret, sizeof(secret));
    return rc == LT_OK ? 0 : 1;
}

static int token_revoke(lt_store_t *store, lt_arena_t *a, const char *secret)
{
    bool loaded;
    const lt_token_t *t = find_token(store, a, secret, &loaded);
    if (!loaded)
        return 1;
    int rc = t ? lt_token_revoke(store, t, &cli_actor) : LT_ENOTFOUND;
    if (rc == LT_OK) {
        printf("revoked\n");
        return 0;
    }
    fprintf(stderr, "latch token: %s\n", rc == LT_ENOTFOUND ? "no such token" : "could not revoke");
    return 1;
}

int lt__cli_token(int argc, char **argv)
{
    if (argc < 2 || lt__cli_is_help(argv[1])) {
        fputs(usage_token, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *db = lt__cli_default_db(), *type_s = "client", *env = NULL, *projects_s = NULL;
    const char *name = NULL, *expires = NULL, *given = NULL, *format = NULL, *grace = NULL;
    opts_t o = {argc, argv, 2, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--type", &type_s) ||
            lt__cli_opt(&o, "--environment", &env) || lt__cli_opt(&o, "--projects", &projects_s) ||
            lt__cli_opt(&o, "--project", &projects_s) || lt__cli_opt(&o, "--name", &name) ||
            lt__cli_opt(&o, "--expires", &expires) || lt__cli_opt(&o, "--secret", &given) ||
            lt__cli_opt(&o, "--token-format", &format) || lt__cli_opt(&o, "--grace", &grace))
            continue;
        if (argv[o.i][0] == '-' || o.n_positional == 4) {
            fprintf(stderr, "latch token: unknown option %s\n%s", argv[o.i], usage_token);
            return 2;
        }
        o.positional[o.n_positional++] = argv[o.i];
    }
    bool create = strcmp(sub, "create") == 0, list = strcmp(sub, "list") == 0;
    bool revoke = strcmp(sub, "revoke") == 0 && o.n_positional == 1;
    bool rotate = strcmp(sub, "rotate") == 0 && o.n_positional == 1;
    if (!create && !list && !revoke && !rotate) {
        fputs(usage_token, stderr);
        return 2;
    }
    lt_token_format_t tf = LT_TOKEN_FMT_V2;
    if (format && lt_token_format_parse(format, &tf) != LT_OK) {
        fprintf(stderr, "latch token: --token-format must be v2 or classic\n");
        return 2;
    }
    lt_token_set_format(tf);
    lt_store_t *store;
    if (lt__cli_store_open(&store, db) != LT_OK)
        return 1;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    int rc = create ? token_create(store, &a, type_s, env, projects_s, name, expires, given)
             : list   ? token_list(store, &a)
             : rotate ? token_rotate(store, &a, o.positional[0], grace)
                      : token_revoke(store, &a, o.positional[0]);
    lt_arena_dispose(&a);
    lt_store_close(store);
    return rc;
}
