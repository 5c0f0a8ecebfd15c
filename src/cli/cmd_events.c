/*
 * cmd_events.c: `latch events verify` (the event log's hash chain checked in id order, the
 * first broken link named) and `latch events export --format jsonl` (the log streamed, one
 * JSON object a line). Both read the store row by row (store/chain.c), so a log of millions of
 * events takes the memory of one.
 */
#include "cli_int.h"

static const char usage_events[] =
    "usage: latch events verify [--expect-head ID:HASH] [--db URL | --config FILE]\n"
    "       latch events export [--format jsonl] [--since ID] [--db URL | --config FILE]\n"
    "\n"
    "Every event stores the hash of the one before it and its own: SHA-256 of that hash and\n"
    "the event's canonical JSON (docs/ACCESS.md). verify walks the log in id order, checks\n"
    "each event's hash and its link, and prints how many events it checked and OK, with the\n"
    "last event's id and hash: keep them elsewhere, since events cut off the end of the log\n"
    "show only against them. Otherwise it names the first broken link (the event, and whether\n"
    "its content changed, events before it are missing, it was inserted, or two changed\n"
    "places) and exits 1; 3 when the store cannot be read (or a SQLite file does not exist).\n"
    "Events stored before the chain existed (before this version) are counted, not checked.\n"
    "export writes the events, oldest first, as JSON lines on standard output: the admin API's\n"
    "fields with prevHash and hash. Event data never holds a secret (tokens by display prefix).\n"
    "  --db URL              store: sqlite:///path, a path, or postgres://... (default:\n"
    "                        the one `latch serve` would open from its configuration\n"
    "                        file and DATABASE_URL, else ./latch.db)\n"
    "  --config FILE         the configuration file of `latch serve` to take db from (env\n"
    "                        LATCH_CONFIG; default /etc/latch/latch.conf when it exists)\n"
    "  --expect-head ID:HASH also check that event ID is still in the log with HASH (a head\n"
    "                        an earlier verify printed): shows events cut off the end, or\n"
    "                        a log rewritten up to it, which the chain alone cannot\n"
    "  --format jsonl        the export's format (the only one)\n"
    "  --since ID            export only the events after event ID\n";

/* --expect-head ID:HASH, as verify prints a head ("event ID HASH" with a colon). */
static bool parse_head(const char *s, lt_chain_anchor_t *out)
{
    char *end = NULL;
    errno = 0;
    long long id = strtoll(s, &end, 10);
    if (errno || id <= 0 || *end != ':' || strlen(end + 1) != 64)
        return false;
    for (const char *h = end + 1; *h; h++)
        if (!((*h >= '0' && *h <= '9') || (*h >= 'a' && *h <= 'f')))
            return false;
    out->id = id;
    memcpy(out->hash, end + 1, 65);
    return true;
}

static int verify(lt_store_t *store, const lt_chain_anchor_t *expect)
{
    lt_chain_report_t r;
    if (lt_store_events_verify(store, expect, &r) != LT_OK) {
        fprintf(stderr, "latch events: the event log could not be read\n");
        return 3;
    }
    if (r.before)
        printf("%lld events before the chain began (at event %lld), not checked\n",
               (long long)r.before, (long long)r.anchor.id);
    if (r.broken == LT_CHAIN_OK) {
        printf("%lld events checked: OK\nhead: event %lld %s\n", (long long)r.checked,
               (long long)r.head_id, r.head_hash);
        return 0;
    }
    printf("%lld events checked before the first broken link\n", (long long)r.checked);
    long long at = (long long)r.at_id, other = (long long)r.other_id;
    switch (r.broken) {
    case LT_CHAIN_CHANGED:
        printf("BROKEN at event %lld: content changed (its stored fields or hashes are not what "
               "was hashed)\n",
               at);
        break;
    case LT_CHAIN_DELETED:
        if (other)
            printf("BROKEN at event %lld: events deleted before it (it does not link to event "
                   "%lld)\n",
                   at, other);
        else
            printf("BROKEN at event %lld: events deleted before it (it does not link to the "
                   "chain's start)\n",
                   at);
        break;
    case LT_CHAIN_INSERTED:
        printf("BROKEN at event %lld: inserted (event %lld links over it)\n", at, other);
        break;
    case LT_CHAIN_ORDER:
        printf("BROKEN at event %lld: order changed (event %lld belongs before it)\n", at, other);
        break;
    case LT_CHAIN_HEAD_MISSING:
        printf("BROKEN at event %lld: the expected head is not in the log (its last checked "
               "event is %lld): events were cut off or removed\n",
               at, other);
        break;
    case LT_CHAIN_HEAD_CHANGED:
        printf("BROKEN at event %lld: its hash is not the expected head's: the log up to it was "
               "rewritten\n",
               at);
        break;
    case LT_CHAIN_OK:
        break;
    }
    return 1;
}

typedef struct {
    lt_buf_t line;
    bool failed; /* standard output took an error */
} export_t;

static int export_row(void *ctx, const lt_event_row_t *e)
{
    export_t *x = ctx;
    lt_buf_reset(&x->line);
    lt_store_event_write_json(&x->line, e, true);
    lt_buf_putc(&x->line, '\n');
    if (!lt_buf_ok(&x->line) || fwrite(x->line.ptr, 1, x->line.len, stdout) != x->line.len) {
        x->failed = true;
        return 1;
    }
    return 0;
}

static int export_jsonl(lt_store_t *store, int64_t since)
{
    export_t x = {.failed = false};
    lt_buf_init(&x.line, 0);
    int rc = lt_store_events_walk(store, since, NULL, export_row, &x);
    lt_buf_dispose(&x.line);
    if (!x.failed && fflush(stdout) != 0)
        x.failed = true;
    if (x.failed) {
        fprintf(stderr, "latch events: cannot write stdout\n");
        return 1;
    }
    if (rc != LT_OK) {
        fprintf(stderr, "latch events: the event log could not be read\n");
        return 3;
    }
    return 0;
}

/* A SQLite store must exist already: opening one creates it, and a mistyped path would then
 * verify as a fresh, intact log. */
static bool store_exists(const char *db)
{
    if (strncmp(db, "postgres://", 11) == 0 || strncmp(db, "postgresql://", 13) == 0)
        return true;
    const char *path = strncmp(db, "sqlite://", 9) == 0 ? db + 9 : db;
    if (access(path, F_OK) == 0)
        return true;
    fprintf(stderr, "latch events: no store at %s\n", path);
    return false;
}

int lt__cli_events(int argc, char **argv)
{
    const char *db = NULL, *config = NULL, *format = "jsonl", *since = NULL, *sub = NULL,
               *head = NULL;
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_is_help(argv[o.i])) {
            fputs(usage_events, stdout);
            return 0;
        }
        if (lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--config", &config) ||
            lt__cli_opt(&o, "--format", &format) || lt__cli_opt(&o, "--since", &since) ||
            lt__cli_opt(&o, "--expect-head", &head))
            continue;
        if (!sub && argv[o.i][0] != '-') {
            sub = argv[o.i];
            continue;
        }
        fprintf(stderr, "latch events: unexpected %s\n%s", argv[o.i], usage_events);
        return 2;
    }
    bool is_verify = sub && strcmp(sub, "verify") == 0,
         is_export = sub && strcmp(sub, "export") == 0;
    if (!is_verify && !is_export) {
        fputs(usage_events, stderr);
        return 2;
    }
    if (is_verify && since) {
        fprintf(stderr, "latch events: verify checks the whole log; --since is for export\n");
        return 2;
    }
    lt_chain_anchor_t expect;
    if (head && (!is_verify || !parse_head(head, &expect))) {
        fprintf(stderr, "latch events: --expect-head takes ID:HASH (64 lower-case hex), for "
                        "verify\n");
        return 2;
    }
    if (strcmp(format, "jsonl") != 0) {
        fprintf(stderr, "latch events: --format takes jsonl\n");
        return 2;
    }
    int64_t after = since ? lt__cli_parse_int(since, "--since", 0, 0x7fffffffL) : 0;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    int rc = 2;
    if (db && config) {
        fprintf(stderr, "latch events: --db or --config, not both\n");
        goto done;
    }
    if (!db && lt__cli_serve_db(&a, config, &db) != LT_OK)
        goto done;
    if (!db)
        db = lt__cli_default_db();
    lt_store_t *store;
    rc = 3;
    if (!store_exists(db) || lt__cli_store_open(&store, db) != LT_OK)
        goto done;
    rc = is_verify ? verify(store, head ? &expect : NULL) : export_jsonl(store, after);
    lt_store_close(store);
done:
    lt_arena_dispose(&a);
    return rc;
}
