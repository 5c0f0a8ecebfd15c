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

static const lt_principal_t cli_actor = {.name = "cli"};

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

static void user_list(const lt_dataset_t *d)
{
    printf("%-5s %-24s %-32s %-10s %-26s %s\n", "ID", "USERNAME", "EMAIL", "ROLE", "CREATED",
           "SEEN");
    for (size_t i = 0; i < d->n_users; i++) {
        const lt_user_t *u = &d->users[i];
        const lt_role_t *role = lt_access_role(d, u->root_role);
        char created[32] = "-", seen[32] = "never";
        if (u->created_at)
            lt_time_format(u->created_at, created);
        if (u->seen_at)
            lt_time_format(u->seen_at, seen);
        printf("%-5lld %-24s %-32s %-10s %-26s %s\n", (long long)u->id,
               u->username ? u->username : "-", u->email ? u->email : "-", role ? role->name : "?",
               created, seen);
    }
}

/* The options of `user add` or `user passwd`. */
typedef struct {
    bool add;
    const char *login, *email, *name, *role, *password;
} user_opts_t;

/* The user the command writes: a new one (add) or the stored one (passwd). LT_OK or printed. */
static int user_target(lt_store_t *store, lt_arena_t *a, const lt_dataset_t *d,
                       const user_opts_t *uo, lt_user_t *u)
{
    memset(u, 0, sizeof(*u));
    if (uo->add) {
        char *end;
        long long role_id = strtoll(uo->role, &end, 10);
        const lt_role_t *role = lt_user_root_role(d, uo->role, *end ? 0 : role_id);
        if (!role) {
            fprintf(stderr, "latch user: --role must be a root role: Admin, Editor, Viewer or "
                            "the name or id of a root-custom role\n");
            return LT_EINVAL;
        }
        u->username = uo->login;
        u->email = uo->email;
        u->name = uo->name;
        u->root_role = role->id;
        return LT_OK;
    }
    lt_user_auth_t ua;
    const lt_user_t *old = NULL;
    if (lt_store_user_auth(store, a, uo->login, &ua) == LT_OK)
        old = lt_access_user(d, ua.user_id);
    if (!old) {
        fprintf(stderr, "latch user: no user %s\n", uo->login);
        return LT_ENOTFOUND;
    }
    *u = *old;
    return LT_OK;
}

/* `user add` and `user passwd`: the user, the password's hash, one write with its event. */
static int user_save(lt_store_t *store, lt_arena_t *a, const lt_dataset_t *d, const user_opts_t *uo)
{
    lt_user_t u;
    if (user_target(store, a, d, uo, &u) != LT_OK)
        return 1;
    int rc = 1;
    char hash[LT_PASSWORD_HASH_MAX] = "";
    char *pw = lt__cli_read_password(uo->password);
    if (!uo->add && (!pw || !*pw)) {
        fprintf(stderr, "latch user: no password given\n");
        goto done;
    }
    if (pw && *pw && cli_hash(pw, hash) != LT_OK)
        goto done;
    int64_t id = 0;
    int wrc = lt_user_put(store, d, &u, hash[0] ? hash : NULL,
                          uo->add ? LT_USER_CREATED : LT_USER_PASSWORD_CHANGED, &cli_actor, &id);
    if (wrc != LT_OK) {
        fprintf(stderr, "latch user: %s\n",
                wrc == LT_EINVAL ? "a user with that username or email exists"
                                 : "the store refused the change");
        goto done;
    }
    if (uo->add)
        printf("added user %s (id %lld)%s\n", uo->login, (long long)id,
               hash[0] ? "" : " without a password: set one with `latch user passwd`");
    else
        printf("password changed for %s; their sessions have ended\n", uo->login);
    rc = 0;
done:
    if (pw) {
        sodium_memzero(pw, strlen(pw));
        free(pw);
    }
    sodium_memzero(hash, sizeof(hash));
    return rc;
}

int lt__cli_user(int argc, char **argv)
{
    if (argc < 2 || lt__cli_is_help(argv[1])) {
        fputs(usage_user, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    const char *sub = argv[1];
    const char *db = lt__cli_default_db();
    user_opts_t uo = {.role = "Viewer"};
    opts_t o = {argc, argv, 2, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--email", &uo.email) ||
            lt__cli_opt(&o, "--name", &uo.name) || lt__cli_opt(&o, "--role", &uo.role) ||
            lt__cli_opt(&o, "--password", &uo.password))
            continue;
        if (argv[o.i][0] == '-' || o.n_positional == 1) {
            fprintf(stderr, "latch user: unexpected %s\n%s", argv[o.i], usage_user);
            return 2;
        }
        o.positional[o.n_positional++] = argv[o.i];
    }
    uo.add = strcmp(sub, "add") == 0;
    bool passwd = strcmp(sub, "passwd") == 0, list = strcmp(sub, "list") == 0;
    if ((!uo.add && !passwd && !list) || ((uo.add || passwd) && o.n_positional != 1)) {
        fputs(usage_user, stderr);
        return 2;
    }
    uo.login = o.positional[0];
    lt_store_t *store;
    if (lt__cli_store_open(&store, db) != LT_OK)
        return 1;
    int rc = 1;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    if (lt_store_load(store, &a, &d) != LT_OK) {
        fprintf(stderr, "latch user: the store could not be read\n");
    } else if (list) {
        user_list(&d);
        rc = 0;
    } else {
        rc = user_save(store, &a, &d, &uo);
    }
    lt_arena_dispose(&a);
    lt_store_close(store);
    return rc;
}
