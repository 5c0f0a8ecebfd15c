/*
 * cmd_user.c: `latch user add|passwd|list` on the store.
 */
#include "cli_int.h"

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

static const lt_principal_t cli_actor = {false, NULL, "cli"};

/* Check and hash a password for the CLI; LT_OK or an error (printed). */
static int cli_hash(const char *pw, char hash[LT_PASSWORD_HASH_MAX])
{
    const char *why;
    int rc = lt_user_hash_password(pw, true, hash, &why);
    if (rc == LT_EINVAL)
        fprintf(stderr, "latch user: %s\n", why);
    else if (rc != LT_OK)
        fprintf(stderr, "latch user: the password could not be hashed\n");
    return rc;
}

int lt__cli_user(int argc, char **argv)
{
    if (argc < 2 || lt__cli_is_help(argv[1])) {
        fputs(usage_user, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *db = lt__cli_default_db(), *email = NULL, *name = NULL, *role_s = "Viewer";
    const char *password = NULL;
    opts_t o = {argc, argv, 2, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--email", &email) ||
            lt__cli_opt(&o, "--name", &name) || lt__cli_opt(&o, "--role", &role_s) ||
            lt__cli_opt(&o, "--password", &password))
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
        printf("%-5s %-24s %-32s %-10s %-26s %s\n", "ID", "USERNAME", "EMAIL", "ROLE", "CREATED",
               "SEEN");
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
    lt_user_change_t change;
    if (add) {
        char *end;
        long long role_id = strtoll(role_s, &end, 10);
        const lt_role_t *role = lt_user_root_role(&d, role_s, *end ? 0 : role_id);
        if (!role) {
            fprintf(stderr, "latch user: --role must be a root role: Admin, Editor, Viewer or "
                            "the name or id of a root-custom role\n");
            goto done;
        }
        u.username = login;
        u.email = email;
        u.name = name;
        u.root_role = role->id;
        change = LT_USER_CREATED;
    } else {
        lt_user_auth_t ua;
        if (lt_store_user_auth(store, &a, login, &ua) != LT_OK) {
            fprintf(stderr, "latch user: no user %s\n", login);
            goto done;
        }
        const lt_user_t *old = lt_access_user(&d, ua.user_id);
        if (!old)
            goto done;
        u = *old;
        change = LT_USER_PASSWORD_CHANGED;
    }
    pw = lt__cli_read_password(password);
    if (passwd && (!pw || !*pw)) {
        fprintf(stderr, "latch user: no password given\n");
        goto done;
    }
    if (pw && *pw && cli_hash(pw, hash) != LT_OK)
        goto done;
    int64_t id = 0;
    int wrc = lt_user_put(store, &d, &u, hash[0] ? hash : NULL, change, &cli_actor, &id);
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
