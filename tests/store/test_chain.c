/*
 * test_chain.c: the event log's hash chain (store/chain.c) against each backend in store_fx.h:
 * every write links its event to the one before; lt_store_events_verify names the first broken
 * link when the rows are changed behind the store's back (with SQL on the database itself: a
 * field changed, a row deleted, two rows swapped, a row inserted); rows from before the chain
 * (the migration's anchor) are counted, not checked; two handles writing at once (two instances
 * on one database) keep one chain.
 */
#include <pthread.h>
#include <sqlite3.h>

#include "store_fx.h"

/* Run SQL on the fixture's database behind the store's back. */
static void fx_sql(fx_t *fx, const char *sql)
{
    if (strcmp(backend->name, "sqlite") == 0) {
        sqlite3 *db = NULL;
        assert_int_equal(sqlite3_open(fx->path, &db), SQLITE_OK);
        char *msg = NULL;
        int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
        if (rc != SQLITE_OK)
            fail_msg("sqlite: %s: %s", sql, msg ? msg : "");
        sqlite3_close(db);
        return;
    }
    PGconn *c = PQconnectdb(getenv("LATCH_TEST_PG_URL"));
    assert_int_equal(PQstatus(c), CONNECTION_OK);
    char path[128];
    snprintf(path, sizeof(path), "SET search_path TO %s", fx->schema);
    PQclear(PQexec(c, path));
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        fail_msg("postgres: %s: %s", sql, PQresultErrorMessage(res));
    PQclear(res);
    PQfinish(c);
}

static int put_tag_type(lt_store_t *s, const char *name)
{
    lt_tag_type_t t = {name, "a tag type \"quoted\"\n", NULL};
    lt_event_t ev = fx_ev("tag-type-created");
    ev.data = "{\"name\":\"x\"}";
    return lt_store_tag_type_put(s, &t, &ev);
}

/* n writes after the seed's event: events 2..n+1. */
static void write_n(fx_t *fx, int n)
{
    char name[32];
    for (int i = 0; i < n; i++) {
        snprintf(name, sizeof(name), "type%d", i);
        assert_int_equal(put_tag_type(fx->s, name), LT_OK);
    }
}

static lt_chain_report_t verify(fx_t *fx)
{
    lt_chain_report_t r;
    assert_int_equal(lt_store_events_verify(fx->s, NULL, &r), LT_OK);
    return r;
}

typedef struct {
    char prev[65];
    int64_t n, first_id;
    bool linked;
} links_t;

static int check_link(void *ctx, const lt_event_row_t *e)
{
    links_t *l = ctx;
    char h[65];
    assert_non_null(e->prev_hash);
    assert_non_null(e->hash);
    lt_store_event_hash(e->prev_hash, e, h);
    if (strcmp(h, e->hash) != 0 || strcmp(e->prev_hash, l->prev) != 0)
        l->linked = false;
    snprintf(l->prev, sizeof(l->prev), "%s", e->hash);
    if (!l->n++)
        l->first_id = e->id;
    return 0;
}

static void test_chain_links(void **state)
{
    fx_t *fx = *state;
    write_n(fx, 5);
    lt_chain_anchor_t anchor;
    links_t l = {LT_CHAIN_GENESIS, 0, 0, true};
    assert_int_equal(lt_store_events_walk(fx->s, 0, &anchor, check_link, &l), LT_OK);
    assert_int_equal(anchor.id, 0);
    assert_string_equal(anchor.hash, LT_CHAIN_GENESIS);
    assert_int_equal(l.n, 6); /* the seed's event and five */
    assert_true(l.linked);
    lt_chain_report_t r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_OK);
    assert_int_equal(r.checked, 6);
    assert_int_equal(r.before, 0);
    assert_int_equal(r.head_id, 6);
    assert_string_equal(r.head_hash, l.prev);
    /* a walk from an id on: the rest only */
    links_t rest = {"", 0, 0, true};
    assert_int_equal(lt_store_events_walk(fx->s, 4, NULL, check_link, &rest), LT_OK);
    assert_int_equal(rest.n, 2);
    assert_int_equal(rest.first_id, 5);
    /* the canonical JSON: fixed order, stored values, no whitespace */
    lt_event_row_t e = {7,    "t\x01\n",    5,    "a\"b\\", 0,   NULL, "d\xc3\xa9v",
                        NULL, "{\"k\": 1}", NULL, NULL,     NULL};
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_store_event_canon(&b, &e);
    lt_buf_putc(&b, '\0');
    assert_string_equal(b.ptr,
                        "{\"id\":7,\"type\":\"t\\u0001\\u000a\",\"created_at\":5,"
                        "\"created_by\":\"a\\\"b\\\\\",\"created_by_user_id\":null,"
                        "\"project\":null,\"environment\":\"d\xc3\xa9v\",\"feature_name\":null,"
                        "\"data\":\"{\\\"k\\\": 1}\",\"pre_data\":null}");
    lt_buf_dispose(&b);
}

static void test_chain_changed_row(void **state)
{
    fx_t *fx = *state;
    write_n(fx, 5);
    fx_sql(fx, "UPDATE events SET data = '{\"name\":\"y\"}' WHERE id = 4");
    lt_chain_report_t r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_CHANGED);
    assert_int_equal(r.at_id, 4);
    assert_int_equal(r.checked, 3);
    /* put back, it holds again; another field changed breaks it at that row */
    fx_sql(fx, "UPDATE events SET data = '{\"name\":\"x\"}' WHERE id = 4");
    assert_int_equal(verify(fx).broken, LT_CHAIN_OK);
    fx_sql(fx, "UPDATE events SET created_by = 'someone else' WHERE id = 2");
    r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_CHANGED);
    assert_int_equal(r.at_id, 2);
}

static void test_chain_deleted_row(void **state)
{
    fx_t *fx = *state;
    write_n(fx, 5);
    fx_sql(fx, "DELETE FROM events WHERE id = 3");
    lt_chain_report_t r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_DELETED);
    assert_int_equal(r.at_id, 4);
    assert_int_equal(r.other_id, 2);
    fx_sql(fx, "DELETE FROM events WHERE id = 1");
    r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_DELETED);
    assert_int_equal(r.at_id, 2);
    assert_int_equal(r.other_id, 0); /* the chain's start */
}

static void test_chain_swapped_rows(void **state)
{
    fx_t *fx = *state;
    write_n(fx, 5);
    fx_sql(fx, "UPDATE events SET id = -3 WHERE id = 3;"
               "UPDATE events SET id = 3 WHERE id = 4;"
               "UPDATE events SET id = 4 WHERE id = -3");
    lt_chain_report_t r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_ORDER);
    assert_int_equal(r.at_id, 3);
    assert_int_equal(r.other_id, 4);
}

static void test_chain_inserted_row(void **state)
{
    fx_t *fx = *state;
    write_n(fx, 5);
    /* a row put in between 3 and 4: the rows from 4 on move up one id */
    fx_sql(fx, "UPDATE events SET id = id + 1000 WHERE id > 3;"
               "INSERT INTO events (id, type, created_at, created_by, prev_hash, hash)"
               " VALUES (4, 'forged', 1, 'x', 'forged', 'forged');"
               "UPDATE events SET id = id - 999 WHERE id > 1000");
    /* ids now 1 2 3 4(forged) 5 6 7: the next row links over the forged one (the moved rows'
     * content changed too, with their ids, but the first break is the forged row) */
    lt_chain_report_t r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_INSERTED);
    assert_int_equal(r.at_id, 4);
    assert_int_equal(r.other_id, 5);
}

/* What the chain cannot show alone, a head kept from an earlier verify shows: the end cut off,
 * or the log rewritten with fresh hashes up to the head. */
static void test_chain_expected_head(void **state)
{
    fx_t *fx = *state;
    write_n(fx, 5);
    lt_chain_report_t r = verify(fx);
    lt_chain_anchor_t head = {r.head_id, ""};
    memcpy(head.hash, r.head_hash, sizeof(head.hash));
    assert_int_equal(put_tag_type(fx->s, "later"), LT_OK); /* the log grows past the head */
    assert_int_equal(lt_store_events_verify(fx->s, &head, &r), LT_OK);
    assert_int_equal(r.broken, LT_CHAIN_OK);
    assert_int_equal(r.checked, 7);
    /* the last two cut off: the chain alone holds, the head does not */
    fx_sql(fx, "DELETE FROM events WHERE id >= 6");
    assert_int_equal(verify(fx).broken, LT_CHAIN_OK);
    assert_int_equal(lt_store_events_verify(fx->s, &head, &r), LT_OK);
    assert_int_equal(r.broken, LT_CHAIN_HEAD_MISSING);
    assert_int_equal(r.at_id, 6);
    assert_int_equal(r.other_id, 5);
    /* the log rewritten whole with fresh hashes: another head hash */
    lt_chain_anchor_t old = {3, ""};
    memset(old.hash, 'a', 64);
    assert_int_equal(lt_store_events_verify(fx->s, &old, &r), LT_OK);
    assert_int_equal(r.broken, LT_CHAIN_HEAD_CHANGED);
    assert_int_equal(r.at_id, 3);
}

/* The backends' migration lists (sqlite/migrations.c, pg/pg_migrations.c). */
extern const char *const lt_sqlite_migrations[];
extern const size_t lt_sqlite_n_migrations;
extern const char *const lt_pg_migrations[];
extern const size_t lt_pg_n_migrations;

/* The migration that creates the chain, whatever its number. */
static const char *chain_migration(void)
{
    bool sq = strcmp(backend->name, "sqlite") == 0;
    const char *const *m = sq ? lt_sqlite_migrations : lt_pg_migrations;
    size_t n = sq ? lt_sqlite_n_migrations : lt_pg_n_migrations;
    for (size_t i = 0; i < n; i++)
        if (strstr(m[i], "CREATE TABLE event_chain"))
            return m[i];
    fail_msg("no migration creates event_chain");
    return NULL;
}

/* Rows from before the chain: the migration anchors the chain after them. Simulated by taking
 * the chain's migration back (the columns and the anchor table dropped), running it again over
 * the rows there are, and opening the store again. */
static void test_chain_anchor_for_old_rows(void **state)
{
    fx_t *fx = *state;
    write_n(fx, 3); /* events 1..4 */
    lt_store_close(fx->s);
    fx->s = NULL;
    fx_sql(fx, "ALTER TABLE events DROP COLUMN hash; ALTER TABLE events DROP COLUMN prev_hash;"
               "DROP TABLE event_chain");
    fx_sql(fx, chain_migration());
    assert_int_equal(backend->open(fx), LT_OK);
    write_n(fx, 2); /* events 5, 6: chained from the anchor */
    lt_chain_report_t r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_OK);
    assert_int_equal(r.anchor.id, 4);
    assert_string_equal(r.anchor.hash, LT_CHAIN_GENESIS);
    assert_int_equal(r.before, 4);
    assert_int_equal(r.checked, 2);
    assert_int_equal(r.head_id, 6);
    /* an old row is not checked; a chained one still is */
    fx_sql(fx, "UPDATE events SET data = 'changed' WHERE id = 2");
    assert_int_equal(verify(fx).broken, LT_CHAIN_OK);
    fx_sql(fx, "UPDATE events SET data = 'changed' WHERE id = 6");
    r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_CHANGED);
    assert_int_equal(r.at_id, 6);
}

/* Two handles on one database (two instances) writing at once keep one chain: each reads the
 * previous hash under the write lock its transaction holds. */
typedef struct {
    lt_store_t *s;
    const char *prefix;
    int failed;
} writer_t;

#define WRITES 40

static void *writer(void *arg)
{
    writer_t *w = arg;
    char name[32];
    for (int i = 0; i < WRITES; i++) {
        snprintf(name, sizeof(name), "%s%d", w->prefix, i);
        if (put_tag_type(w->s, name) != LT_OK)
            w->failed++;
    }
    return NULL;
}

static void test_chain_two_writers(void **state)
{
    fx_t *fx = *state;
    lt_store_t *other = NULL;
    assert_int_equal(
        lt_store_open(&other, strcmp(backend->name, "sqlite") == 0 ? fx->path : fx->url), LT_OK);
    writer_t a = {fx->s, "a", 0}, b = {other, "b", 0};
    pthread_t ta, tb;
    pthread_create(&ta, NULL, writer, &a);
    pthread_create(&tb, NULL, writer, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    lt_store_close(other);
    assert_int_equal(a.failed + b.failed, 0);
    lt_chain_report_t r = verify(fx);
    assert_int_equal(r.broken, LT_CHAIN_OK);
    assert_int_equal(r.checked, 1 + 2 * WRITES);
}

int main(void)
{
    lt_log_set_level(LT_LOG_WARN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_chain_links, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_chain_changed_row, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_chain_deleted_row, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_chain_swapped_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_chain_inserted_row, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_chain_expected_head, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_chain_anchor_for_old_rows, fx_setup, fx_teardown),
        cmocka_unit_test_setup_teardown(test_chain_two_writers, fx_setup, fx_teardown),
    };
    int failed = 0;
    for (size_t i = 0; i < sizeof(backends) / sizeof(*backends); i++) {
        backend = &backends[i];
        if (!fx_backend_available(backend))
            continue;
        failed += _cmocka_run_group_tests(backend->name, tests, sizeof(tests) / sizeof(*tests),
                                          NULL, NULL);
    }
    return failed ? 1 : 0;
}
