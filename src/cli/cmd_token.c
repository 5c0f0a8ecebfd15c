/*
 * cmd_token.c: `latch token create|list|revoke` on the store.
 */
#include "cli_int.h"

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

/* Store one token string with its scope. LT_OK, LT_EINVAL (exists) or LT_ERR. */
int lt__cli_store_token(lt_store_t *store, const char *secret, lt_token_type_t type,
                        const char *env, const char *const *projects, size_t n_projects, bool all,
                        const char *name, int64_t expires_at, const char *actor)
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
        fprintf(stderr, "latch token: --environment %s contradicts the secret's %s\n", *env, s_env);
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

int lt__cli_token(int argc, char **argv)
{
    if (argc < 2 || lt__cli_is_help(argv[1])) {
        fputs(usage_token, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *db = lt__cli_default_db(), *type_s = "client", *env = NULL, *projects_s = NULL;
    const char *name = NULL, *expires = NULL, *given = NULL;
    opts_t o = {argc, argv, 2, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--type", &type_s) ||
            lt__cli_opt(&o, "--environment", &env) || lt__cli_opt(&o, "--projects", &projects_s) ||
            lt__cli_opt(&o, "--project", &projects_s) || lt__cli_opt(&o, "--name", &name) ||
            lt__cli_opt(&o, "--expires", &expires) || lt__cli_opt(&o, "--secret", &given))
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
        lt__cli_split_projects(&a, projects_s ? projects_s : "*", &projects, &n_projects, &all);
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
        if (lt__cli_store_token(store, secret, type, env, projects, n_projects, all,
                                name ? name : lt_token_type_name(type), expires_at,
                                "cli") != LT_OK) {
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
            fprintf(stderr, "latch token: %s\n",
                    drc == LT_ENOTFOUND ? "no such token" : "could not revoke");
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
