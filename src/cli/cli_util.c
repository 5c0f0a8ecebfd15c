/*
 * cli_util.c: what every command of the command line shares: option parsing, lists, files,
 * passwords read without echo, and the front-end configuration from the environment.
 */
#include <termios.h>

#include "cli_int.h"

/* If argv[i] is --name (or --name=value), set *out and advance. Returns true when it was. */
bool lt__cli_opt(opts_t *o, const char *name, const char **out)
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

bool lt__cli_is_help(const char *a)
{
    return strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0 || strcmp(a, "help") == 0;
}

const char *lt__cli_env_or(const char *name, const char *dflt)
{
    const char *v = getenv(name);
    return v && *v ? v : dflt;
}

/* s percent-encoded for the user or password part of a URL. */
static void url_escape(lt_buf_t *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '-' || c == '_' || c == '.' || c == '~')
            lt_buf_putc(b, (char)c);
        else
            lt_buf_printf(b, "%%%02X", c);
    }
}

static const char *keep(lt_buf_t *b);

/* Unleash's DATABASE_HOST, _PORT, _USERNAME, _PASSWORD, _NAME and _SSL as one postgres:// URL
 * (kept for the life of the command), or NULL when DATABASE_HOST is not set. DATABASE_SSL: "false" disables TLS,
 * anything else ("true", a JSON object of options) requires it. */
static const char *unleash_db_url(void)
{
    const char *host = getenv("DATABASE_HOST");
    if (!host || !*host)
        return NULL;
    const char *user = lt__cli_env_or("DATABASE_USERNAME", NULL);
    const char *pass = lt__cli_env_or("DATABASE_PASSWORD", NULL);
    const char *ssl = lt__cli_env_or("DATABASE_SSL", NULL);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "postgres://");
    if (user) {
        url_escape(&b, user);
        if (pass) {
            lt_buf_putc(&b, ':');
            url_escape(&b, pass);
        }
        lt_buf_putc(&b, '@');
    }
    lt_buf_printf(&b, "%s:%s/", host, lt__cli_env_or("DATABASE_PORT", "5432"));
    url_escape(&b, lt__cli_env_or("DATABASE_NAME", "unleash"));
    if (ssl)
        lt_buf_printf(&b, "?sslmode=%s", strcmp(ssl, "false") == 0 ? "disable" : "require");
    return keep(&b);
}

/* b's text in one of two buffers kept for the life of the command (a URL over 4 KiB: exit 2). */
static const char *keep(lt_buf_t *b)
{
    static char kept[2][4096];
    static int next;
    char *out = kept[next++ % 2];
    size_t n = 0;
    char *t = lt_buf_take(b, &n);
    if (!t || n >= sizeof(kept[0])) {
        fprintf(stderr, "latch: the database URL is too long\n");
        exit(2);
    }
    memcpy(out, t, n + 1);
    free(t);
    return out;
}

const char *lt__cli_db_url(const char *db)
{
    const char *schema = getenv("DATABASE_SCHEMA");
    if (!schema || !*schema || strcmp(schema, "public") == 0 ||
        (strncmp(db, "postgres://", 11) != 0 && strncmp(db, "postgresql://", 13) != 0) ||
        strstr(db, "schema="))
        return db;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "%s%cschema=%s", db, strchr(db, '?') ? '&' : '?', schema);
    return keep(&b);
}

const char *lt__cli_default_db(void)
{
    const char *url = getenv("DATABASE_URL");
    if (url && *url)
        return lt__cli_db_url(url);
    const char *unleash = unleash_db_url();
    return unleash ? lt__cli_db_url(unleash) : "./latch.db";
}

int lt__cli_store_open(lt_store_t **out, const char *db)
{
    return lt_store_open(out, lt__cli_db_url(db));
}

int lt__cli_parse_int(const char *s, const char *what, long lo, long hi)
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
const char **lt__cli_split_list(lt_arena_t *a, const char *list, size_t *n)
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
void lt__cli_configure_frontend(lt_arena_t *a, lt_frontend_config_t *fc, const char *trusted)
{
    fc->origins = lt__cli_split_list(a, getenv("UNLEASH_FRONTEND_API_ORIGINS"), &fc->n_origins);
    fc->trusted_proxies = lt__cli_split_list(a, trusted, &fc->n_trusted);
    lt_frontend_configure(fc);
}

/* A --projects list: names, or "*" (or nothing) for all projects. */
void lt__cli_split_projects(lt_arena_t *a, const char *list, const char ***out, size_t *n,
                            bool *all)
{
    *out = lt__cli_split_list(a, list, n);
    *all = *n == 0;
    for (size_t i = 0; i < *n; i++)
        if (strcmp((*out)[i], "*") == 0)
            *all = true;
    if (*all)
        *n = 0;
}

char *lt__cli_read_file(const char *path, size_t *out_len)
{
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = lt_read_all(f, (size_t)512 << 20, out_len);
    if (f != stdin)
        fclose(f);
    return text;
}

/* Read a password: the option's value, else one line of standard input (no echo on a
 * terminal). Returns a malloc'd string (the caller wipes and frees it) or NULL. */
char *lt__cli_read_password(const char *given)
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

void lt__cli_signals_block(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    pthread_sigmask(SIG_BLOCK, set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

void lt__cli_signals_wait(const sigset_t *set)
{
    int sig = 0;
    sigwait(set, &sig);
    lt_log_info("received %s, shutting down", sig == SIGINT ? "SIGINT" : "SIGTERM");
}
