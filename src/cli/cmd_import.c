/*
 * cmd_import.c: `latch import`: a latch export document (everything) or one environment's
 * client-features document, in one transaction with its event; or, with --from-unleash, a live
 * Unleash database (unleash_read.c) with its users, roles and tokens, also in one transaction.
 */
#include "cli_int.h"
#include "unleash_read.h"

static const char usage_import[] =
    "usage: latch import FILE [--environment ENV] [--db URL]\n"
    "       latch import --from-unleash postgres://USER:PASSWORD@HOST:PORT/DB [--dry-run]\n"
    "                    [--events] [--db URL]\n"
    "\n"
    "Loads a latch export document (from `latch export`; no --environment): every project,\n"
    "environment, flag, segment, tag type, context field and strategy definition in it is\n"
    "created or replaced, in one transaction; nothing else is removed.\n"
    "Or loads a client-features document (the body of GET /api/client/features, or Unleash\n"
    "Edge's bootstrap map {\"flag\":{\"enabled\":true}}) into environment ENV, creating\n"
    "missing projects and the environment. Flags in the file replace their state in ENV.\n"
    "\n"
    "--from-unleash reads a live Unleash 7.x or 8.x database (read-only) and writes into the\n"
    "latch store (--db, DATABASE_URL, or ./latch.db), in one transaction: projects, environments\n"
    "and their links, flags with strategies, constraints, segments, variants, dependencies and\n"
    "tags, tag types, context fields, custom strategies, users (matched by username or email)\n"
    "with their passwords, root roles, project roles and custom roles, API tokens and PATs.\n"
    "Token secrets become digests, so every SDK keeps its token; a user's bcrypt password is\n"
    "checked once at login and replaced by argon2id. A second run updates what the first wrote.\n"
    "--events also copies the event log (once). --dry-run prints what would be imported, per\n"
    "kind with the names, and writes nothing. No secret is ever printed. The password may\n"
    "also come from PGPASSWORD or ~/.pgpass (libpq), keeping it off the command line.\n";

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
    if (lt__cli_store_open(&store, db) != LT_OK)
        goto done;
    if (lt_store_import_all(store, &doc, "import") != LT_OK) {
        fprintf(stderr, "latch import: the store refused the import; nothing was changed\n");
        goto done;
    }
    printf("imported %zu projects, %zu flags and %zu segments\n", doc.n_projects, doc.n_features,
           doc.n_segments);
    rc = 0;
done:
    lt_store_close(store);
    lt_arena_dispose(&a);
    return rc;
}

/* One kind of what an Unleash import holds: its count, then its names on one line. */
static void print_names(const char *kind, size_t n, const char *(*name)(const void *arr, size_t i),
                        const void *arr)
{
    printf("%-20s %zu", kind, n);
    for (size_t i = 0; i < n; i++)
        printf("%s%s", i ? ", " : ": ", name(arr, i));
    putchar('\n');
}

static const char *project_name(const void *arr, size_t i)
{
    return ((const lt_project_t *)arr)[i].id;
}
static const char *env_name(const void *arr, size_t i)
{
    return ((const lt_environment_t *)arr)[i].name;
}
static const char *feature_name(const void *arr, size_t i)
{
    return ((const lt_feature_t *)arr)[i].name;
}
static const char *segment_name(const void *arr, size_t i)
{
    return ((const lt_segment_t *)arr)[i].name;
}
static const char *tag_type_name(const void *arr, size_t i)
{
    return ((const lt_tag_type_t *)arr)[i].name;
}
static const char *context_name(const void *arr, size_t i)
{
    return ((const lt_context_field_t *)arr)[i].name;
}
static const char *strategy_name(const void *arr, size_t i)
{
    return ((const lt_strategy_def_t *)arr)[i].name;
}
static const char *role_name(const void *arr, size_t i)
{
    return ((const lt_role_t *)arr)[i].name;
}
static const char *user_name(const void *arr, size_t i)
{
    const lt_user_t *u = &((const lt_user_t *)arr)[i];
    return u->username ? u->username : u->email;
}
/* A token by its name and display prefix, never its secret. */
static const char *token_name(const void *arr, size_t i)
{
    static char buf[320];
    const lt_token_new_t *t = &((const lt_token_new_t *)arr)[i];
    snprintf(buf, sizeof(buf), "%s (%s %s)", t->name ? t->name : "", lt_token_type_name(t->type),
             t->display ? t->display : "");
    return buf;
}

static void print_plan(const lt__unleash_data_t *u)
{
    const lt_export_doc_t *d = &u->doc;
    const lt_import_access_t *acc = &u->acc;
    print_names("projects", d->n_projects, project_name, d->projects);
    print_names("environments", d->n_envs, env_name, d->envs);
    printf("%-20s %zu\n", "project environments", d->n_project_envs);
    print_names("flags", d->n_features, feature_name, d->features);
    print_names("segments", d->n_segments, segment_name, d->segments);
    printf("%-20s %zu\n", "tags", d->n_tags);
    print_names("tag types", d->n_tag_types, tag_type_name, d->tag_types);
    print_names("context fields", d->n_context_fields, context_name, d->context_fields);
    print_names("strategies", d->n_strategy_defs, strategy_name, d->strategy_defs);
    print_names("custom roles", acc->n_roles, role_name, acc->roles);
    print_names("users", acc->n_users, user_name, acc->users);
    printf("%-20s %zu\n", "project roles", acc->n_bindings);
    print_names("tokens", acc->n_tokens, token_name, acc->tokens);
    printf("%-20s %zu\n", "events", acc->n_events);
    if (u->skipped_hashes)
        printf("warning: %zu password hashes are not bcrypt of the shape latch verifies; those "
               "users get no password\n",
               u->skipped_hashes);
    if (u->skipped_permissions)
        printf("note: %zu permissions of custom roles are for Unleash features latch does not "
               "have and are left out\n",
               u->skipped_permissions);
    if (u->skipped_tokens)
        printf("warning: %zu tokens cannot be verified by latch and are skipped\n",
               u->skipped_tokens);
}

/* "host:port/db" of a postgres:// URL (no user, password or parameters) in buf, or "". */
static const char *pg_where(const char *url, char *buf, size_t cap)
{
    buf[0] = '\0';
    const char *p = strstr(url, "://");
    if (!p || (strncmp(url, "postgres://", 11) != 0 && strncmp(url, "postgresql://", 13) != 0))
        return buf;
    p += 3;
    const char *at = strchr(p, '@'), *slash = strchr(p, '/');
    if (at && (!slash || at < slash))
        p = at + 1;
    snprintf(buf, cap, "%.*s", (int)strcspn(p, "?"), p);
    return buf;
}

/* Would the latch store land in Unleash's own tables (the same database, no schema of its own)? */
static bool store_is_unleash(const char *db, const char *from)
{
    char a[512], b[512];
    const char *store = lt__cli_db_url(db);
    return pg_where(store, a, sizeof(a))[0] && strcmp(a, pg_where(from, b, sizeof(b))) == 0 &&
           !strstr(store, "schema=");
}

/* `latch import --from-unleash URL`: read it all, then one store transaction (or none). */
static int import_unleash(const char *db, const char *from, bool dry_run, bool events)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt__unleash_data_t u;
    char err[512];
    lt_store_t *store = NULL;
    int rc = 1;
    if (!dry_run && store_is_unleash(db, from)) {
        fprintf(stderr, "latch import: the latch store must not be Unleash's own database: give "
                        "it another database, or a schema of its own (?schema=latch)\n");
        goto done;
    }
    if (lt__unleash_read(from, &a, events, &u, err, sizeof(err)) != LT_OK) {
        fprintf(stderr, "latch import: %s\n", err);
        goto done;
    }
    if (dry_run) {
        printf("dry run: nothing is written; from Unleash latch would import\n");
        print_plan(&u);
        rc = 0;
        goto done;
    }
    if (lt__cli_store_open(&store, db) != LT_OK)
        goto done;
    lt_import_result_t res;
    if (lt_store_import_unleash(store, &u.doc, &u.acc, "import", &res) != LT_OK) {
        fprintf(stderr, "latch import: the store refused the import; nothing was changed\n");
        goto done;
    }
    print_plan(&u);
    printf("imported: users %zu created, %zu updated (%zu kept their latch password); custom "
           "roles %zu created, %zu updated; %zu tokens; %zu project roles; %zu events%s\n",
           res.users_created, res.users_updated, res.passwords_kept, res.roles_created,
           res.roles_updated, res.tokens, res.bindings, res.events,
           res.events_skipped ? " (the event log was imported before)" : "");
    rc = 0;
done:
    lt_store_close(store);
    lt_arena_dispose(&a);
    return rc;
}

int lt__cli_import(int argc, char **argv)
{
    const char *db = lt__cli_default_db(), *env = NULL, *from = NULL;
    bool dry_run = false, events = false;
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_is_help(argv[o.i])) {
            fputs(usage_import, stdout);
            return 0;
        }
        if (lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--environment", &env) ||
            lt__cli_opt(&o, "--from-unleash", &from))
            continue;
        if (strcmp(argv[o.i], "--dry-run") == 0 || strcmp(argv[o.i], "--events") == 0) {
            *(argv[o.i][2] == 'd' ? &dry_run : &events) = true;
            continue;
        }
        if ((argv[o.i][0] == '-' && argv[o.i][1]) || o.n_positional == 1) {
            fprintf(stderr, "latch import: unexpected %s\n%s", argv[o.i], usage_import);
            return 2;
        }
        o.positional[o.n_positional++] = argv[o.i];
    }
    if (from) {
        if (o.n_positional || env || !*from) {
            fputs(usage_import, stderr);
            return 2;
        }
        return import_unleash(db, from, dry_run, events);
    }
    if (dry_run || events || o.n_positional != 1 || (env && (!*env || strcmp(env, "*") == 0))) {
        fputs(usage_import, stderr);
        return 2;
    }
    size_t len;
    char *json = lt__cli_read_file(o.positional[0], &len);
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
    if (lt__cli_store_open(&store, db) != LT_OK)
        goto done;
    if (lt_store_import_doc(store, &doc, env, "import") != LT_OK) {
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
