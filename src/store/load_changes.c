/*
 * load_changes.c: the incremental load (store.h lt_store_load_changes), written once for every
 * SQL backend over its select primitive. Every write with events stores, in its transaction,
 * changes rows at the id of its last event: one counting its events, then one per flag it wrote
 * ('f') or one saying it wrote something else ('*'). Since a revision, the flags those rows name
 * are read with the load's own fills (load_rows.c), and all the tokens when a 't' row says
 * they changed; the event count tells whether every write since then left its rows (a write
 * from before migration 7 did not: full).
 */
#include <stdlib.h>
#include <string.h>

#include "../base/log.h"
#include "load_rows.h"
#include "rules_int.h"

typedef struct {
    int64_t value; /* the first column of the first row */
} one_int_t;

static int first_int(void *ctx, size_t n, lt__row_next_fn next, void *cursor)
{
    one_int_t *o = ctx;
    lt__row_t r;
    int more = next(cursor, &r);
    if (more == 1)
        o->value = r.num(&r, 0);
    while (more == 1)
        more = next(cursor, &r);
    return more == 0 ? LT_OK : LT_ERR;
}

/* What the changes rows of (since, rev] say. */
typedef struct {
    lt_arena_t *a;
    int64_t counted; /* the events their count rows add up to */
    bool all;        /* a '*' row */
    bool tokens;     /* a 't' row */
    const char **names; /* the flags named, sorted, once each */
    size_t n_names;
} rows_t;

static int read_rows(void *ctx, size_t n, lt__row_next_fn next, void *cursor)
{
    rows_t *k = ctx;
    k->names = lt_arena_calloc(k->a, n ? n : 1, sizeof(*k->names));
    lt__row_t r;
    int more;
    while ((more = next(cursor, &r)) == 1) {
        const char *kind = r.text(&r, 0), *key = r.text(&r, 1);
        if (!kind || !key)
            return LT_ERR;
        if (kind[0] == 'n') {
            k->counted += r.num(&r, 2);
        } else if (kind[0] == 'f') {
            if (k->n_names >= n)
                return LT_ERR;
            if (!k->n_names || strcmp(k->names[k->n_names - 1], key) != 0)
                k->names[k->n_names++] = lt_arena_strdup(k->a, key);
        } else if (kind[0] == 't') {
            k->tokens = true;
        } else {
            k->all = true;
        }
    }
    return more == 0 ? LT_OK : LT_ERR;
}

typedef struct {
    const lt__load_table_t *t;
    lt_arena_t *a;
    lt_dataset_t *d;
} scan_t;

static int scan_rows(void *ctx, size_t n, lt__row_next_fn next, void *cursor)
{
    scan_t *k = ctx;
    return lt__load_scan(k->t, k->a, k->d, n, next, cursor);
}

/* The changes since since, in the caller's read transaction. */
static int load(lt_store_t *s, lt_arena_t *a, int64_t since, lt_store_changes_t *out)
{
    one_int_t rev = {0}, events = {0};
    if (s->be->select(s, first_int, &rev, "SELECT COALESCE(max(id), 0) FROM events", "") != LT_OK)
        return LT_ERR;
    out->revision = rev.value;
    if (rev.value == since)
        return LT_OK;
    if (rev.value < since) { /* the store went back (restored from a backup): start over */
        out->full = true;
        return LT_OK;
    }
    if (s->be->select(s, first_int, &events, "SELECT count(*) FROM events WHERE id > ? AND id <= ?",
                      "ii", since, rev.value) != LT_OK)
        return LT_ERR;
    rows_t k = {a, 0, false, false, NULL, 0};
    if (s->be->select(s, read_rows, &k,
                      "SELECT kind, key, n FROM changes WHERE rev > ? AND rev <= ?"
                      " ORDER BY kind, key",
                      "ii", since, rev.value) != LT_OK)
        return LT_ERR;
    if (k.all || k.counted != events.value || k.n_names > LT_STORE_CHANGES_MAX) {
        out->full = true;
        return LT_OK;
    }
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    for (size_t i = 0; i < lt__n_load_changed_tables; i++) {
        scan_t sc = {&lt__load_changed_tables[i], a, &d};
        if (s->be->select(s, scan_rows, &sc, sc.t->sql, "ii", since, rev.value) != LT_OK)
            return LT_ERR;
    }
    out->features = d.features;
    out->n_features = d.n_features;
    out->tags = d.tags;
    out->n_tags = d.n_tags;
    /* the tokens, when any changed: all of them, as the load reads them (they are few beside
     * the flags, and a token's scope is rows of two tables) */
    for (size_t i = 0; k.tokens && i < lt__n_load_tables; i++) {
        const lt__load_table_t *t = &lt__load_tables[i];
        if (strcmp(t->table, "api_tokens") != 0 && strcmp(t->table, "api_token_projects") != 0)
            continue;
        scan_t sc = {t, a, &d};
        if (s->be->select(s, scan_rows, &sc, t->sql, "") != LT_OK)
            return LT_ERR;
    }
    out->tokens = k.tokens;
    out->token_rows = d.tokens;
    out->n_tokens = d.n_tokens;
    out->gone = lt_arena_calloc(a, k.n_names ? k.n_names : 1, sizeof(*out->gone));
    for (size_t i = 0; i < k.n_names; i++)
        if (lt_dataset_feature_index(&d, k.names[i]) == SIZE_MAX)
            out->gone[out->n_gone++] = k.names[i];
    return LT_OK;
}

int lt_store_load_changes(lt_store_t *s, lt_arena_t *a, int64_t since, lt_store_changes_t *out)
{
    memset(out, 0, sizeof(*out));
    if (s->be->begin(s, LT_TX_READ) != LT_OK)
        return LT_ERR;
    int rc = lt__tx_end(s, load(s, a, since, out) == LT_OK ? LT_OK : LT_ERR, NULL);
    if (rc != LT_OK) {
        memset(out, 0, sizeof(*out));
        lt_log_error("store: reading the changes failed");
    }
    return rc;
}
