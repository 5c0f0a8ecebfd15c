/*
 * load_rows.h: the load every SQL backend shares (load_rows.c): the tables a dataset is read
 * from (their SQL, in dependency order, parents before children) and how one row of each fills
 * its record, over a row reader each backend provides (lt__row_t: SQLite statements, PostgreSQL
 * results). A backend counts a table's rows, hands them over one by one, and the load fails
 * closed on a bad JSON column, token type or digest. Not for use outside src/store/.
 */
#ifndef LT_LOAD_ROWS_H
#define LT_LOAD_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "store.h"

/* One result row as a backend reads it. Columns by index; NULL is a NULL text and 0. */
typedef struct lt__row {
    const char *(*text)(const struct lt__row *r, int i);      /* NUL-terminated, or NULL */
    size_t (*len)(const struct lt__row *r, int i);            /* bytes of text(i) */
    int64_t (*num)(const struct lt__row *r, int i);           /* integer column; NULL is 0 */
    const uint8_t *(*digest)(const struct lt__row *r, int i); /* 32 bytes, or NULL if not 32 */
    void *impl;
} lt__row_t;

/* One table of the load. arr/count: offsets in lt_dataset_t of its array and count, or
 * LT__LOAD_CHILD for rows attached to their parents. fill: LT_OK (kept), LT__LOAD_SKIP (an
 * orphan, passed over) or LT_ERR (the load fails, logged). */
typedef struct {
    const char *table;
    const char *sql;
    size_t elem;
    size_t arr, count;
    int (*fill)(lt_dataset_t *d, lt_arena_t *a, const lt__row_t *r, void *elem);
} lt__load_table_t;

#define LT__LOAD_CHILD SIZE_MAX
#define LT__LOAD_SKIP 1

/* Every table a snapshot is read from, in order; the environments alone. */
extern const lt__load_table_t lt__load_tables[];
extern const size_t lt__n_load_tables;
extern const lt__load_table_t lt__load_environments;

/* A backend's cursor over one table's result: 1 with *row set, 0 at the end, LT_ERR (logged). */
typedef int (*lt__row_next_fn)(void *cursor, lt__row_t *row);

/* Read a table of n counted rows from cursor into d: the array allocated in a, each row filled;
 * a row beyond n or a failed fill fails it (LT_ERR, logged). */
int lt__load_scan(const lt__load_table_t *t, lt_arena_t *a, lt_dataset_t *d, size_t n,
                  lt__row_next_fn next, void *cursor);

/* The columns a token row is read with, and reading one (LT_ERR, logged, on a bad digest or an
 * unknown type: a read fails closed). */
#define LT__TOKEN_COLUMNS                                                                          \
    "digest, name, type, environment, all_projects, display, expires_at, created_at, id,"          \
    " user_id, seen_at, selector, grace_until, read_only, expiry_noted, quota_rps,"          \
    " allowed_origins"
int lt__load_token_row(lt_arena_t *a, const lt__row_t *r, lt_token_t *t);

/* The columns an event row is read with, and reading one (chain.c): the strings point into
 * the row, valid while it is. */
#define LT__EVENT_COLUMNS                                                                          \
    "id, type, created_at, created_by, created_by_user_id, project, environment, feature_name,"    \
    " data, pre_data, prev_hash, hash"
void lt__event_row_read(const lt__row_t *r, lt_event_row_t *e);

/* A text column copied into a, or NULL. */
const char *lt__row_str(lt_arena_t *a, const lt__row_t *r, int i);

/* JSON text of model pieces as the SQL backends keep them (malloc'd; the caller frees). */
char *lt__json_constraints(const lt_constraint_t *c, size_t n);
char *lt__json_variants(const lt_variant_t *v, size_t n);
char *lt__json_params(const lt_param_t *p, size_t n);
char *lt__json_ids(const int64_t *ids, size_t n);
char *lt__json_strings(const char *const *v, size_t n);

#endif
