/*
 * store_sqlite.c: the embedded store on SQLite (WAL, synchronous=NORMAL: a crash of latch
 * loses nothing committed; a power loss may lose the last transactions but never corrupts).
 * All functions are static and reached through lt_store_sqlite (store.h).
 */
#include <cjson/cJSON.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../model/model_json.h"
#include "migrations.h"
#include "store.h"
#include "store_sqlite_int.h"

typedef struct {
    lt_store_t base;
    sqlite3 *db;
} sqlite_store_t;

sqlite3 *lt__sq_db(lt_store_t *s)
{
    return ((sqlite_store_t *)s)->db;
}

int lt__sq_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
        lt_log_error("store: %s", msg ? msg : sqlite3_errmsg(db));
        sqlite3_free(msg);
        return LT_ERR;
    }
    return LT_OK;
}

sqlite3_stmt *lt__sq_prepare(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
        lt_log_error("store: prepare: %s", sqlite3_errmsg(db));
        return NULL;
    }
    return st;
}

void lt__sq_bind_text(sqlite3_stmt *st, int i, const char *s)
{
    if (s)
        sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
    else
        sqlite3_bind_null(st, i);
}

/* Step a statement that returns no rows, then finalize it. */
int lt__sq_run(sqlite3 *db, sqlite3_stmt *st)
{
    if (!st)
        return LT_ERR;
    int rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        lt_log_error("store: %s", sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

int lt__sq_int(sqlite3 *db, const char *sql, int64_t *out)
{
    sqlite3_stmt *st = lt__sq_prepare(db, sql);
    if (!st)
        return LT_ERR;
    int rc = sqlite3_step(st);
    *out = 0;
    if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
        *out = sqlite3_column_int64(st, 0);
    if (rc == SQLITE_ROW)
        rc = sqlite3_step(st);
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE) {
        lt_log_error("store: %s: %s", sql, sqlite3_errmsg(db));
        return LT_ERR;
    }
    return LT_OK;
}

int lt__sq_count(sqlite3 *db, const char *table, size_t *out)
{
    char sql[128];
    int64_t v = 0;
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", table);
    int rc = lt__sq_int(db, sql, &v);
    *out = rc == LT_OK ? (size_t)v : 0;
    return rc;
}

int lt__sq_row(sqlite3 *db, sqlite3_stmt *st, size_t have, size_t cap, const char *table)
{
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_ROW && have < cap)
        return 1;
    if (rc == SQLITE_ROW)
        lt_log_error("store: load failed: %s has more rows than counted", table);
    else
        lt_log_error("store: load failed reading %s: %s", table, sqlite3_errmsg(db));
    return LT_ERR;
}

int lt__sq_event(sqlite3 *db, const lt_event_t *ev)
{
    sqlite3_stmt *st = lt__sq_prepare(
        db, "INSERT INTO events (type, created_at, created_by, created_by_user_id, project,"
            " environment, feature_name, data, pre_data) VALUES (?,?,?,?,?,?,?,?,?)");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, ev->type);
    sqlite3_bind_int64(st, 2, lt_now_ms());
    lt__sq_bind_text(st, 3, ev->created_by ? ev->created_by : "system");
    if (ev->created_by_user_id)
        sqlite3_bind_int64(st, 4, ev->created_by_user_id);
    else
        sqlite3_bind_null(st, 4);
    lt__sq_bind_text(st, 5, ev->project);
    lt__sq_bind_text(st, 6, ev->environment);
    lt__sq_bind_text(st, 7, ev->feature_name);
    lt__sq_bind_text(st, 8, ev->data);
    lt__sq_bind_text(st, 9, ev->pre_data);
    return lt__sq_run(db, st);
}

static int add_event(sqlite3 *db, const char *type, const char *actor, const char *project,
                     const char *env, const char *feature, const char *data)
{
    lt_event_t ev = {type, actor, 0, project, env, feature, data, NULL};
    return lt__sq_event(db, &ev);
}

int lt__sq_begin(sqlite3 *db)
{
    return lt__sq_exec(db, "BEGIN IMMEDIATE");
}

int lt__sq_commit(sqlite3 *db)
{
    return lt__sq_exec(db, "COMMIT");
}

void lt__sq_rollback(sqlite3 *db)
{
    lt__sq_exec(db, "ROLLBACK");
}

static int migrate(sqlite3 *db)
{
    int64_t have = 0;
    if (lt__sq_int(db, "PRAGMA user_version", &have) != LT_OK)
        return LT_ERR;
    for (size_t i = (size_t)have; i < lt_sqlite_n_migrations; i++) {
        char pragma[64];
        snprintf(pragma, sizeof(pragma), "PRAGMA user_version = %zu", i + 1);
        if (lt__sq_exec(db, "BEGIN IMMEDIATE") != LT_OK)
            return LT_ERR;
        if (lt__sq_exec(db, lt_sqlite_migrations[i]) != LT_OK || lt__sq_exec(db, pragma) != LT_OK) {
            lt__sq_exec(db, "ROLLBACK");
            return LT_ERR;
        }
        if (lt__sq_exec(db, "COMMIT") != LT_OK)
            return LT_ERR;
        lt_log_info("store: applied migration %zu", i + 1);
    }
    if ((size_t)have > lt_sqlite_n_migrations) {
        lt_log_error("store: database schema %lld is newer than this latch (%zu)",
                     (long long)have, lt_sqlite_n_migrations);
        return LT_ERR;
    }
    return LT_OK;
}

static int seed(sqlite3 *db)
{
    size_t n_projects = 0;
    if (lt__sq_count(db, "projects", &n_projects) != LT_OK)
        return LT_ERR;
    if (n_projects > 0)
        return LT_OK;
    int64_t now = lt_now_ms();
    char sql[4096];
    snprintf(sql, sizeof(sql),
             "BEGIN IMMEDIATE;"
             "INSERT INTO projects (id, name, description, created_at)"
             " VALUES ('default', 'Default', 'Default project', %lld);"
             "INSERT OR IGNORE INTO environments (name, type, sort_order, created_at)"
             " VALUES ('development', 'development', 1, %lld), ('production', 'production', 2,"
             " %lld);"
             "INSERT INTO project_environments (project, environment)"
             " VALUES ('default', 'development'), ('default', 'production');"
             "INSERT OR IGNORE INTO roles (id, name, description, type, created_at) VALUES"
             " (1, 'Admin', 'Users with the root admin role have superuser access.', 'root', 0),"
             " (2, 'Editor', 'Users with the root editor role have access to most features,"
             " but can not manage users and roles.', 'root', 0),"
             " (3, 'Viewer', 'Users with the root viewer role can only read resources.',"
             " 'root', 0),"
             " (4, 'Owner', 'Users with the project owner role have full control over the"
             " project.', 'project', 0),"
             " (5, 'Member', 'Users with the project member role are allowed to view, create"
             " and update feature flags within a project.', 'project', 0);"
             /* Unleash's built-in tag type and context fields (rows, so they can be edited) */
             "INSERT OR IGNORE INTO tag_types (name, description, icon)"
             " VALUES ('simple', 'Used to simplify filtering of features', '#');"
             "INSERT OR IGNORE INTO context_fields (name, description, stickiness, sort_order,"
             " created_at) VALUES"
             " ('environment', 'Allows you to constrain on application environment', 0, 0, %lld),"
             " ('userId', 'Allows you to constrain on userId', 1, 1, %lld),"
             " ('appName', 'Allows you to constrain on application name', 0, 2, %lld),"
             " ('currentTime', 'Allows you to constrain on date values', 0, 3, %lld),"
             " ('sessionId', 'Allows you to constrain on sessionId', 1, 4, %lld),"
             " ('remoteAddress', 'Allows you to constrain on remoteAddress', 0, 5, %lld);",
             (long long)now, (long long)now, (long long)now, (long long)now, (long long)now,
             (long long)now, (long long)now, (long long)now, (long long)now);
    if (lt__sq_exec(db, sql) != LT_OK || add_event(db, "project-created", "system", "default", NULL,
                                            NULL, "{\"id\":\"default\"}") != LT_OK) {
        lt__sq_exec(db, "ROLLBACK");
        return LT_ERR;
    }
    return lt__sq_exec(db, "COMMIT");
}

static int sq_open(lt_store_t **out, const char *path)
{
    sqlite_store_t *s = lt_xcalloc(1, sizeof(*s));
    s->base.be = &lt_store_sqlite;
    if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        lt_log_error("store: cannot open %s: %s", path, sqlite3_errmsg(s->db));
        goto fail;
    }
    sqlite3_busy_timeout(s->db, 5000);
    if (lt__sq_exec(s->db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
                    " PRAGMA foreign_keys=ON;") != LT_OK ||
        migrate(s->db) != LT_OK || seed(s->db) != LT_OK)
        goto fail;
    *out = &s->base;
    return LT_OK;
fail:
    sqlite3_close(s->db);
    free(s);
    return LT_ERR;
}

static void sq_close(lt_store_t *base)
{
    sqlite_store_t *s = (sqlite_store_t *)base;
    sqlite3_close(s->db);
    free(s);
}

const char *lt__sq_text(lt_arena_t *a, sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? lt_arena_strndup(a, (const char *)t, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

/* Parse a JSON text column with one of the model_json parsers; a bad one fails the load. */
#define PARSE_COL(parser, table, a, st, i, out, n)                                                        \
    do {                                                                                           \
        const char *txt_ = (const char *)sqlite3_column_text(st, i);                               \
        cJSON *j_ = txt_ ? cJSON_Parse(txt_) : NULL;                                               \
        lt_parse_err_t e_;                                                                         \
        int rc_ = parser(a, j_, out, n, &e_);                                                      \
        cJSON_Delete(j_);                                                                          \
        if (rc_ != LT_OK) {                                                                        \
            lt_log_error("store: load failed: bad JSON in %s: %s", table, e_.msg);               \
            goto fail;                                                                             \
        }                                                                                          \
    } while (0)

static lt_feature_t *find_feature(lt_dataset_t *d, const char *name)
{
    size_t lo = 0, hi = d->n_features;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d->features[mid].name, name);
        if (c == 0)
            return &d->features[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

static lt_feature_env_t *find_fe(lt_feature_t *f, const char *env)
{
    for (size_t i = 0; f && i < f->n_envs; i++)
        if (strcmp(f->envs[i].environment, env) == 0)
            return &f->envs[i];
    return NULL;
}

static int load_tokens(sqlite3 *db, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3_stmt *st = NULL;
    size_t n = 0, ti = 0;
    int row = 0;
    if (lt__sq_count(db, "api_tokens", &n) != LT_OK)
        goto fail;
    d->tokens = lt_arena_calloc(a, n ? n : 1, sizeof(*d->tokens));
    if (!(st = lt__sq_prepare(db, "SELECT digest, name, type, environment, all_projects, display,"
                                  " expires_at, created_at, id, user_id, seen_at"
                                  " FROM api_tokens ORDER BY digest")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_tokens, n, "api_tokens")) == 1) {
        lt_token_t *t = &d->tokens[d->n_tokens];
        if (sqlite3_column_bytes(st, 0) != 32) {
            lt_log_error("store: load failed: api_tokens row %lld has a bad digest",
                         (long long)sqlite3_column_int64(st, 8));
            goto fail;
        }
        memcpy(t->digest, sqlite3_column_blob(st, 0), 32);
        t->name = lt__sq_text(a, st, 1);
        if (lt_token_type_parse((const char *)sqlite3_column_text(st, 2), &t->type) != LT_OK) {
            lt_log_error("store: load failed: api_tokens row %lld has an unknown type",
                         (long long)sqlite3_column_int64(st, 8));
            goto fail;
        }
        t->environment = lt__sq_text(a, st, 3);
        t->all_projects = sqlite3_column_int(st, 4) != 0;
        t->display = lt__sq_text(a, st, 5);
        t->expires_at = sqlite3_column_int64(st, 6);
        t->created_at = sqlite3_column_int64(st, 7);
        t->id = sqlite3_column_int64(st, 8);
        t->user_id = sqlite3_column_int64(st, 9);
        t->seen_at = sqlite3_column_int64(st, 10);
        d->n_tokens++;
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    /* project lists, by digest (both sides sorted by digest); orphan rows are skipped */
    if (!(st = lt__sq_prepare(db, "SELECT digest, project FROM api_token_projects"
                                  " ORDER BY digest, project")))
        goto fail;
    while ((row = lt__sq_row(db, st, 0, 1, "api_token_projects")) == 1) {
        const void *dg = sqlite3_column_blob(st, 0);
        if (sqlite3_column_bytes(st, 0) != 32) {
            lt_log_error("store: load failed: api_token_projects has a bad digest");
            goto fail;
        }
        while (ti < d->n_tokens && memcmp(d->tokens[ti].digest, dg, 32) < 0)
            ti++;
        if (ti == d->n_tokens || memcmp(d->tokens[ti].digest, dg, 32) != 0)
            continue;
        lt_token_t *t = &d->tokens[ti];
        const char **np = lt_arena_alloc(a, (t->n_projects + 1) * sizeof(*np));
        if (t->n_projects)
            memcpy(np, t->projects, t->n_projects * sizeof(*np));
        np[t->n_projects++] = lt__sq_text(a, st, 1);
        t->projects = np;
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    return LT_OK;
fail:
    sqlite3_finalize(st);
    return LT_ERR;
}

static int sq_load(lt_store_t *base, lt_arena_t *a, lt_dataset_t *d)
{
    sqlite3 *db = lt__sq_db(base);
    memset(d, 0, sizeof(*d));
    int rc = LT_ERR;
    sqlite3_stmt *st = NULL;
    if (lt__sq_exec(db, "BEGIN") != LT_OK) /* one consistent read */
        return LT_ERR;
    int row = 0;
    size_t n = 0;
    if (lt__sq_int(db, "SELECT max(id) FROM events", &d->revision) != LT_OK)
        goto fail;

    if (lt__sq_count(db, "projects", &n) != LT_OK)

        goto fail;
    d->projects = lt_arena_calloc(a, n ? n : 1, sizeof(*d->projects));
    if (!(st = lt__sq_prepare(db, "SELECT id, name, description, created_at, mode FROM projects"
                                  " ORDER BY id")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_projects, n, "projects")) == 1) {
        lt_project_t *p = &d->projects[d->n_projects++];
        p->id = lt__sq_text(a, st, 0);
        p->name = lt__sq_text(a, st, 1);
        p->description = lt__sq_text(a, st, 2);
        p->created_at = sqlite3_column_int64(st, 3);
        p->mode = lt__sq_text(a, st, 4);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "environments", &n) != LT_OK)

        goto fail;
    d->envs = lt_arena_calloc(a, n ? n : 1, sizeof(*d->envs));
    if (!(st = lt__sq_prepare(db, "SELECT name, type, enabled, sort_order FROM environments"
                           " ORDER BY sort_order, name")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_envs, n, "environments")) == 1) {
        lt_environment_t *e = &d->envs[d->n_envs++];
        e->name = lt__sq_text(a, st, 0);
        e->type = lt__sq_text(a, st, 1);
        e->enabled = sqlite3_column_int(st, 2) != 0;
        e->sort_order = sqlite3_column_int(st, 3);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "features", &n) != LT_OK)

        goto fail;
    d->features = lt_arena_calloc(a, n ? n : 1, sizeof(*d->features));
    if (!(st = lt__sq_prepare(db, "SELECT name, project, type, description, stale, impression_data,"
                           " archived, created_at FROM features ORDER BY name")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_features, n, "features")) == 1) {
        lt_feature_t *f = &d->features[d->n_features++];
        f->name = lt__sq_text(a, st, 0);
        f->project = lt__sq_text(a, st, 1);
        f->type = lt__sq_text(a, st, 2);
        f->description = lt__sq_text(a, st, 3);
        f->stale = sqlite3_column_int(st, 4) != 0;
        f->impression_data = sqlite3_column_int(st, 5) != 0;
        f->archived = sqlite3_column_int(st, 6) != 0;
        f->created_at = sqlite3_column_int64(st, 7);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    /* per-environment state: rows arrive grouped by feature, so each run is contiguous */
    if (lt__sq_count(db, "feature_environments", &n) != LT_OK)
        goto fail;
    lt_feature_env_t *fes = lt_arena_calloc(a, n ? n : 1, sizeof(*fes));
    size_t n_fes = 0;
    if (!(st = lt__sq_prepare(db, "SELECT feature, environment, enabled, variants"
                           " FROM feature_environments ORDER BY feature, environment")))
        goto fail;
    while ((row = lt__sq_row(db, st, n_fes, n, "feature_environments")) == 1) {
        lt_feature_t *f = find_feature(d, (const char *)sqlite3_column_text(st, 0));
        if (!f)
            continue;
        lt_feature_env_t *fe = &fes[n_fes++];
        if (f->n_envs == 0)
            f->envs = fe;
        f->n_envs++;
        fe->environment = lt__sq_text(a, st, 1);
        fe->enabled = sqlite3_column_int(st, 2) != 0;
        PARSE_COL(lt_model_parse_variants, "feature_environments", a, st, 3, &fe->variants, &fe->n_variants);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "strategies", &n) != LT_OK)

        goto fail;
    lt_strategy_t *strats = lt_arena_calloc(a, n ? n : 1, sizeof(*strats));
    size_t n_strats = 0;
    if (!(st = lt__sq_prepare(db, "SELECT feature, environment, id, name, title, parameters,"
                           " constraints, variants, segments, sort_order, disabled"
                           " FROM strategies ORDER BY feature, environment, sort_order, id")))
        goto fail;
    while ((row = lt__sq_row(db, st, n_strats, n, "strategies")) == 1) {
        lt_feature_env_t *fe = find_fe(find_feature(d, (const char *)sqlite3_column_text(st, 0)),
                                       (const char *)sqlite3_column_text(st, 1));
        if (!fe)
            continue;
        lt_strategy_t *s = &strats[n_strats++];
        if (fe->n_strategies == 0)
            fe->strategies = s;
        fe->n_strategies++;
        s->id = lt__sq_text(a, st, 2);
        s->name = lt__sq_text(a, st, 3);
        s->title = lt__sq_text(a, st, 4);
        PARSE_COL(lt_model_parse_params, "strategies", a, st, 5, &s->params, &s->n_params);
        PARSE_COL(lt_model_parse_constraints, "strategies", a, st, 6, &s->constraints, &s->n_constraints);
        PARSE_COL(lt_model_parse_variants, "strategies", a, st, 7, &s->variants, &s->n_variants);
        PARSE_COL(lt_model_parse_segment_ids, "strategies", a, st, 8, &s->segments, &s->n_segments);
        s->sort_order = sqlite3_column_int(st, 9);
        s->disabled = sqlite3_column_int(st, 10) != 0;
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "dependencies", &n) != LT_OK)

        goto fail;
    lt_dependency_t *deps = lt_arena_calloc(a, n ? n : 1, sizeof(*deps));
    size_t n_deps = 0;
    if (!(st = lt__sq_prepare(db, "SELECT child, parent, enabled, variants FROM dependencies"
                           " ORDER BY child, parent")))
        goto fail;
    while ((row = lt__sq_row(db, st, n_deps, n, "dependencies")) == 1) {
        lt_feature_t *f = find_feature(d, (const char *)sqlite3_column_text(st, 0));
        if (!f)
            continue;
        lt_dependency_t *dep = &deps[n_deps++];
        if (f->n_dependencies == 0)
            f->dependencies = dep;
        f->n_dependencies++;
        dep->feature = lt__sq_text(a, st, 1);
        dep->enabled = sqlite3_column_int(st, 2) != 0;
        const char *txt = (const char *)sqlite3_column_text(st, 3);
        cJSON *j = txt ? cJSON_Parse(txt) : NULL;
        if (txt && !cJSON_IsArray(j)) {
            cJSON_Delete(j);
            lt_log_error("store: load failed: bad JSON in dependencies.variants");
            goto fail;
        }
        size_t cnt = cJSON_IsArray(j) ? (size_t)cJSON_GetArraySize(j) : 0;
        dep->variants = lt_arena_calloc(a, cnt ? cnt : 1, sizeof(*dep->variants));
        const cJSON *it;
        cJSON_ArrayForEach(it, j)
        {
            if (cJSON_IsString(it))
                dep->variants[dep->n_variants++] = lt_arena_strdup(a, it->valuestring);
        }
        cJSON_Delete(j);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);

    if (lt__sq_count(db, "segments", &n) != LT_OK)

        goto fail;
    d->segments = lt_arena_calloc(a, n ? n : 1, sizeof(*d->segments));
    if (!(st = lt__sq_prepare(db, "SELECT id, name, description, project, constraints, created_at"
                           " FROM segments ORDER BY id")))
        goto fail;
    while ((row = lt__sq_row(db, st, d->n_segments, n, "segments")) == 1) {
        lt_segment_t *s = &d->segments[d->n_segments++];
        s->id = sqlite3_column_int64(st, 0);
        s->name = lt__sq_text(a, st, 1);
        s->description = lt__sq_text(a, st, 2);
        s->project = lt__sq_text(a, st, 3);
        PARSE_COL(lt_model_parse_constraints, "segments", a, st, 4, &s->constraints, &s->n_constraints);
        s->created_at = sqlite3_column_int64(st, 5);
    }
    if (row != 0)
        goto fail;
    sqlite3_finalize(st);
    st = NULL;

    if (load_tokens(db, a, d) != LT_OK || lt__sq_load_admin(db, a, d) != LT_OK)
        goto fail;
    rc = LT_OK;
fail:
    if (rc != LT_OK)
        sqlite3_finalize(st);
    lt__sq_exec(db, rc == LT_OK ? "COMMIT" : "ROLLBACK");
    return rc;
}

static int sq_revision(lt_store_t *base, int64_t *out)
{
    return lt__sq_int(lt__sq_db(base), "SELECT max(id) FROM events", out);
}

/* JSON text of a model piece, via the writers in model.c. Caller frees. */
char *lt__sq_json_constraints(const lt_constraint_t *c, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_constraints(&b, c, n);
    return lt_buf_take(&b, NULL);
}

char *lt__sq_json_variants(const lt_variant_t *v, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_variants(&b, v, n, true);
    return lt_buf_take(&b, NULL);
}

char *lt__sq_json_params(const lt_param_t *p, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_model_write_params(&b, p, n);
    return lt_buf_take(&b, NULL);
}

char *lt__sq_json_ids(const int64_t *ids, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++)
        lt_buf_printf(&b, "%s%lld", i ? "," : "", (long long)ids[i]);
    lt_buf_putc(&b, ']');
    return lt_buf_take(&b, NULL);
}

char *lt__sq_json_strings(const char *const *v, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, v[i]);
    }
    lt_buf_putc(&b, ']');
    return lt_buf_take(&b, NULL);
}

static int import_feature(sqlite3 *db, const lt_feature_t *f, const char *env, int64_t now)
{
    const lt_feature_env_t *fe = &f->envs[0];
    sqlite3_stmt *st;
    st = lt__sq_prepare(db, "INSERT OR IGNORE INTO projects (id, name, created_at) VALUES (?,?,?)");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, f->project);
    lt__sq_bind_text(st, 2, f->project);
    sqlite3_bind_int64(st, 3, now);
    if (lt__sq_run(db, st) != LT_OK)
        return LT_ERR;
    st = lt__sq_prepare(db, "INSERT INTO features (name, project, type, description, stale,"
                     " impression_data, archived, created_at) VALUES (?,?,?,?,?,?,0,?)"
                     " ON CONFLICT(name) DO UPDATE SET project = excluded.project,"
                     " type = excluded.type, description = excluded.description,"
                     " stale = excluded.stale, impression_data = excluded.impression_data,"
                     " archived = 0");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, f->name);
    lt__sq_bind_text(st, 2, f->project);
    lt__sq_bind_text(st, 3, f->type);
    lt__sq_bind_text(st, 4, f->description);
    sqlite3_bind_int(st, 5, f->stale);
    sqlite3_bind_int(st, 6, f->impression_data);
    sqlite3_bind_int64(st, 7, f->created_at ? f->created_at : now);
    if (lt__sq_run(db, st) != LT_OK)
        return LT_ERR;
    char *variants = lt__sq_json_variants(fe->variants, fe->n_variants);
    st = lt__sq_prepare(db, "INSERT INTO feature_environments (feature, environment, enabled, variants)"
                     " VALUES (?,?,?,?) ON CONFLICT(feature, environment) DO UPDATE SET"
                     " enabled = excluded.enabled, variants = excluded.variants");
    if (st) {
        lt__sq_bind_text(st, 1, f->name);
        lt__sq_bind_text(st, 2, env);
        sqlite3_bind_int(st, 3, fe->enabled);
        lt__sq_bind_text(st, 4, variants);
    }
    free(variants);
    if (lt__sq_run(db, st) != LT_OK)
        return LT_ERR;
    st = lt__sq_prepare(db, "DELETE FROM strategies WHERE feature = ? AND environment = ?");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, f->name);
    lt__sq_bind_text(st, 2, env);
    if (lt__sq_run(db, st) != LT_OK)
        return LT_ERR;
    for (size_t i = 0; i < fe->n_strategies; i++)
        if (lt__sq_strategy_insert(db, f->name, env, &fe->strategies[i], now) != LT_OK)
            return LT_ERR;
    return lt__sq_dependencies_put(db, f);
}

int lt__sq_strategy_insert(sqlite3 *db, const char *feature, const char *env,
                           const lt_strategy_t *s, int64_t now)
{
    char id[65];
    bool fresh = !s->id || !s->id[0] || strlen(s->id) >= sizeof(id);
    if (!fresh) {
        /* an id already used elsewhere (another environment) gets a new one */
        sqlite3_stmt *q = lt__sq_prepare(db, "SELECT 1 FROM strategies WHERE id = ?");
        if (!q)
            return LT_ERR;
        lt__sq_bind_text(q, 1, s->id);
        fresh = sqlite3_step(q) == SQLITE_ROW;
        sqlite3_finalize(q);
    }
    if (fresh)
        lt_uuid(id);
    else
        snprintf(id, sizeof(id), "%s", s->id);
    char *params = lt__sq_json_params(s->params, s->n_params);
    char *cons = lt__sq_json_constraints(s->constraints, s->n_constraints);
    char *vars = lt__sq_json_variants(s->variants, s->n_variants);
    char *segs = lt__sq_json_ids(s->segments, s->n_segments);
    sqlite3_stmt *st = lt__sq_prepare(
        db, "INSERT INTO strategies (id, feature, environment, name, title, parameters,"
            " constraints, variants, segments, sort_order, disabled, created_at)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?)");
    if (st) {
        lt__sq_bind_text(st, 1, id);
        lt__sq_bind_text(st, 2, feature);
        lt__sq_bind_text(st, 3, env);
        lt__sq_bind_text(st, 4, s->name);
        lt__sq_bind_text(st, 5, s->title);
        lt__sq_bind_text(st, 6, params);
        lt__sq_bind_text(st, 7, cons);
        lt__sq_bind_text(st, 8, vars);
        lt__sq_bind_text(st, 9, segs);
        sqlite3_bind_int(st, 10, s->sort_order);
        sqlite3_bind_int(st, 11, s->disabled);
        sqlite3_bind_int64(st, 12, now);
    }
    free(params);
    free(cons);
    free(vars);
    free(segs);
    return lt__sq_run(db, st);
}

int lt__sq_dependencies_put(sqlite3 *db, const lt_feature_t *f)
{
    sqlite3_stmt *st = lt__sq_prepare(db, "DELETE FROM dependencies WHERE child = ?");
    if (!st)
        return LT_ERR;
    lt__sq_bind_text(st, 1, f->name);
    if (lt__sq_run(db, st) != LT_OK)
        return LT_ERR;
    for (size_t i = 0; i < f->n_dependencies; i++) {
        const lt_dependency_t *dep = &f->dependencies[i];
        char *vars = lt__sq_json_strings(dep->variants, dep->n_variants);
        st = lt__sq_prepare(db, "INSERT OR REPLACE INTO dependencies (child, parent, enabled,"
                                " variants) VALUES (?,?,?,?)");
        if (st) {
            lt__sq_bind_text(st, 1, f->name);
            lt__sq_bind_text(st, 2, dep->feature);
            sqlite3_bind_int(st, 3, dep->enabled);
            lt__sq_bind_text(st, 4, vars);
        }
        free(vars);
        if (lt__sq_run(db, st) != LT_OK)
            return LT_ERR;
    }
    return LT_OK;
}

static int import_segment(sqlite3 *db, const lt_segment_t *s, int64_t now)
{
    char *cons = lt__sq_json_constraints(s->constraints, s->n_constraints);
    sqlite3_stmt *st = lt__sq_prepare(db, "INSERT INTO segments (id, name, description, project,"
                                   " constraints, created_at) VALUES (?,?,?,?,?,?)"
                                   " ON CONFLICT(id) DO UPDATE SET name = excluded.name,"
                                   " description = excluded.description,"
                                   " project = excluded.project,"
                                   " constraints = excluded.constraints");
    if (st) {
        sqlite3_bind_int64(st, 1, s->id);
        lt__sq_bind_text(st, 2, s->name);
        lt__sq_bind_text(st, 3, s->description);
        lt__sq_bind_text(st, 4, s->project);
        lt__sq_bind_text(st, 5, cons);
        sqlite3_bind_int64(st, 6, s->created_at ? s->created_at : now);
    }
    free(cons);
    return lt__sq_run(db, st);
}

static int sq_import(lt_store_t *base, const lt_client_doc_t *doc, const char *env,
                     const char *actor)
{
    sqlite3 *db = lt__sq_db(base);
    int64_t now = lt_now_ms();
    if (lt__sq_exec(db, "BEGIN IMMEDIATE") != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "INSERT OR IGNORE INTO environments (name, type, sort_order,"
                                   " created_at) VALUES (?, ?, (SELECT coalesce(max(sort_order),"
                                   " 0) + 1 FROM environments), ?)");
    if (!st)
        goto fail;
    lt__sq_bind_text(st, 1, env);
    lt__sq_bind_text(st, 2, strcmp(env, "production") == 0 ? "production" : "development");
    sqlite3_bind_int64(st, 3, now);
    if (lt__sq_run(db, st) != LT_OK)
        goto fail;
    for (size_t i = 0; i < doc->n_features; i++) {
        st = lt__sq_prepare(db, "INSERT OR IGNORE INTO projects (id, name, created_at)"
                                " VALUES (?,?,?)");
        if (!st)
            goto fail;
        lt__sq_bind_text(st, 1, doc->features[i].project);
        lt__sq_bind_text(st, 2, doc->features[i].project);
        sqlite3_bind_int64(st, 3, now);
        if (lt__sq_run(db, st) != LT_OK)
            goto fail;
        st = lt__sq_prepare(db, "INSERT OR IGNORE INTO project_environments (project,"
                                " environment) VALUES (?,?)");
        if (!st)
            goto fail;
        lt__sq_bind_text(st, 1, doc->features[i].project);
        lt__sq_bind_text(st, 2, env);
        if (lt__sq_run(db, st) != LT_OK)
            goto fail;
    }
    for (size_t i = 0; i < doc->n_segments; i++)
        if (import_segment(db, &doc->segments[i], now) != LT_OK)
            goto fail;
    for (size_t i = 0; i < doc->n_features; i++)
        if (import_feature(db, &doc->features[i], env, now) != LT_OK)
            goto fail;
    char data[128];
    snprintf(data, sizeof(data), "{\"features\":%zu,\"segments\":%zu}", doc->n_features,
             doc->n_segments);
    if (add_event(db, "features-imported", actor, NULL, env, NULL, data) != LT_OK)
        goto fail;
    return lt__sq_exec(db, "COMMIT");
fail:
    lt__sq_exec(db, "ROLLBACK");
    return LT_ERR;
}

static int sq_token_insert(lt_store_t *base, const lt_token_new_t *t, const char *actor)
{
    sqlite3 *db = lt__sq_db(base);
    if (lt__sq_exec(db, "BEGIN IMMEDIATE") != LT_OK)
        return LT_ERR;
    int rc = LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "INSERT INTO api_tokens (digest, name, type, environment,"
                                          " all_projects, display, expires_at, created_at,"
                                          " user_id) VALUES (?,?,?,?,?,?,?,?,?)");
    if (!st)
        goto fail;
    sqlite3_bind_blob(st, 1, t->digest, 32, SQLITE_TRANSIENT);
    lt__sq_bind_text(st, 2, t->name);
    lt__sq_bind_text(st, 3, lt_token_type_name(t->type));
    lt__sq_bind_text(st, 4, t->environment);
    sqlite3_bind_int(st, 5, t->all_projects);
    lt__sq_bind_text(st, 6, t->display);
    if (t->expires_at)
        sqlite3_bind_int64(st, 7, t->expires_at);
    else
        sqlite3_bind_null(st, 7);
    sqlite3_bind_int64(st, 8, lt_now_ms());
    if (t->user_id)
        sqlite3_bind_int64(st, 9, t->user_id);
    else
        sqlite3_bind_null(st, 9);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step == SQLITE_CONSTRAINT) {
        rc = LT_EINVAL;
        goto fail;
    }
    if (step != SQLITE_DONE)
        goto fail;
    for (size_t i = 0; !t->all_projects && i < t->n_projects; i++) {
        st = lt__sq_prepare(db, "INSERT OR IGNORE INTO api_token_projects (digest, project)"
                         " VALUES (?,?)");
        if (!st)
            goto fail;
        sqlite3_bind_blob(st, 1, t->digest, 32, SQLITE_TRANSIENT);
        lt__sq_bind_text(st, 2, t->projects[i]);
        if (lt__sq_run(db, st) != LT_OK)
            goto fail;
    }
    /* the event names the token by its display prefix: never the secret */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"tokenName\":");
    lt_json_cstr(&b, t->name);
    lt_buf_puts(&b, ",\"type\":");
    lt_json_cstr(&b, lt_token_type_name(t->type));
    lt_buf_puts(&b, ",\"environment\":");
    lt_json_cstr(&b, t->environment);
    lt_buf_puts(&b, ",\"secret\":");
    lt_json_cstr(&b, t->display);
    lt_buf_putc(&b, '}');
    int erc = add_event(db, "api-token-created", actor, NULL, t->environment, NULL, b.ptr);
    lt_buf_dispose(&b);
    if (erc != LT_OK)
        goto fail;
    return lt__sq_exec(db, "COMMIT");
fail:
    lt__sq_exec(db, "ROLLBACK");
    return rc;
}

static int sq_token_count(lt_store_t *base, int64_t *out)
{
    return lt__sq_int(lt__sq_db(base), "SELECT count(*) FROM api_tokens", out);
}

static int sq_token_delete(lt_store_t *base, const uint8_t digest[32], const char *actor)
{
    sqlite3 *db = lt__sq_db(base);
    if (lt__sq_exec(db, "BEGIN IMMEDIATE") != LT_OK)
        return LT_ERR;
    sqlite3_stmt *st = lt__sq_prepare(db, "SELECT name, display FROM api_tokens WHERE digest = ?");
    if (!st)
        goto fail;
    sqlite3_bind_blob(st, 1, digest, 32, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        sqlite3_finalize(st);
        lt__sq_exec(db, "ROLLBACK");
        return LT_ENOTFOUND;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"tokenName\":");
    lt_json_cstr(&b, (const char *)sqlite3_column_text(st, 0));
    lt_buf_puts(&b, ",\"secret\":");
    lt_json_cstr(&b, (const char *)sqlite3_column_text(st, 1));
    lt_buf_putc(&b, '}');
    sqlite3_finalize(st);
    st = lt__sq_prepare(db, "DELETE FROM api_tokens WHERE digest = ?");
    if (st)
        sqlite3_bind_blob(st, 1, digest, 32, SQLITE_TRANSIENT);
    int rc = lt__sq_run(db, st);
    if (rc == LT_OK)
        rc = add_event(db, "api-token-deleted", actor, NULL, NULL, NULL, b.ptr);
    lt_buf_dispose(&b);
    if (rc != LT_OK)
        goto fail;
    return lt__sq_exec(db, "COMMIT");
fail:
    lt__sq_exec(db, "ROLLBACK");
    return LT_ERR;
}

static int sq_usage_write(lt_store_t *base, const lt_app_row_t *apps, size_t n_apps,
                          const lt_metric_row_t *rows, size_t n_rows)
{
    sqlite3 *db = lt__sq_db(base);
    if (lt__sq_exec(db, "BEGIN IMMEDIATE") != LT_OK)
        return LT_ERR;
    sqlite3_stmt *app = lt__sq_prepare(
        db, "INSERT INTO client_applications (app_name, instance_id, environment, sdk_version,"
            " sdk_type, strategies, platform_name, started_at, interval_ms, first_seen, last_seen)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?) ON CONFLICT(app_name, instance_id, environment)"
            " DO UPDATE SET sdk_version = coalesce(excluded.sdk_version, sdk_version),"
            " sdk_type = coalesce(excluded.sdk_type, sdk_type),"
            " strategies = coalesce(excluded.strategies, strategies),"
            " platform_name = coalesce(excluded.platform_name, platform_name),"
            " started_at = coalesce(excluded.started_at, started_at),"
            " interval_ms = coalesce(excluded.interval_ms, interval_ms),"
            " last_seen = max(last_seen, excluded.last_seen)");
    sqlite3_stmt *met = lt__sq_prepare(
        db, "INSERT INTO client_metrics (app_name, instance_id, environment, feature, hour, yes,"
            " no) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET yes = yes + excluded.yes,"
            " no = no + excluded.no");
    sqlite3_stmt *var = lt__sq_prepare(
        db, "INSERT INTO client_metrics_variants (app_name, instance_id, environment, feature,"
            " hour, variant, count) VALUES (?,?,?,?,?,?,?) ON CONFLICT DO UPDATE SET"
            " count = count + excluded.count");
    if (!app || !met || !var)
        goto fail;
    for (size_t i = 0; i < n_apps; i++) {
        const lt_app_row_t *r = &apps[i];
        sqlite3_reset(app);
        lt__sq_bind_text(app, 1, r->app_name);
        lt__sq_bind_text(app, 2, r->instance_id);
        lt__sq_bind_text(app, 3, r->environment);
        lt__sq_bind_text(app, 4, r->sdk_version);
        lt__sq_bind_text(app, 5, r->sdk_type);
        lt__sq_bind_text(app, 6, r->strategies);
        lt__sq_bind_text(app, 7, r->platform_name);
        if (r->started_at)
            sqlite3_bind_int64(app, 8, r->started_at);
        else
            sqlite3_bind_null(app, 8);
        if (r->interval_ms)
            sqlite3_bind_int64(app, 9, r->interval_ms);
        else
            sqlite3_bind_null(app, 9);
        sqlite3_bind_int64(app, 10, r->seen_at);
        sqlite3_bind_int64(app, 11, r->seen_at);
        if (sqlite3_step(app) != SQLITE_DONE)
            goto fail;
    }
    for (size_t i = 0; i < n_rows; i++) {
        const lt_metric_row_t *r = &rows[i];
        sqlite3_reset(met);
        lt__sq_bind_text(met, 1, r->app_name);
        lt__sq_bind_text(met, 2, r->instance_id);
        lt__sq_bind_text(met, 3, r->environment);
        lt__sq_bind_text(met, 4, r->feature);
        sqlite3_bind_int64(met, 5, r->hour);
        sqlite3_bind_int64(met, 6, r->yes);
        sqlite3_bind_int64(met, 7, r->no);
        if (sqlite3_step(met) != SQLITE_DONE)
            goto fail;
        for (size_t k = 0; k < r->n_variants; k++) {
            sqlite3_reset(var);
            lt__sq_bind_text(var, 1, r->app_name);
            lt__sq_bind_text(var, 2, r->instance_id);
            lt__sq_bind_text(var, 3, r->environment);
            lt__sq_bind_text(var, 4, r->feature);
            sqlite3_bind_int64(var, 5, r->hour);
            lt__sq_bind_text(var, 6, r->variant_names[k]);
            sqlite3_bind_int64(var, 7, r->variant_counts[k]);
            if (sqlite3_step(var) != SQLITE_DONE)
                goto fail;
        }
    }
    sqlite3_finalize(app);
    sqlite3_finalize(met);
    sqlite3_finalize(var);
    return lt__sq_exec(db, "COMMIT");
fail:
    lt_log_error("store: usage write: %s", sqlite3_errmsg(db));
    sqlite3_finalize(app);
    sqlite3_finalize(met);
    sqlite3_finalize(var);
    lt__sq_exec(db, "ROLLBACK");
    return LT_ERR;
}

const lt_store_backend_t lt_store_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .load = sq_load,
    .revision = sq_revision,
    .import_doc = sq_import,
    .token_insert = sq_token_insert,
    .token_count = sq_token_count,
    .token_delete = sq_token_delete,
    .usage_write = sq_usage_write,
    .token_create = lt__sq_token_create,
    .token_update = lt__sq_token_update,
    .token_remove = lt__sq_token_remove,
    .tokens_seen = lt__sq_tokens_seen,
    .feature_put = lt__sq_feature_put,
    .feature_delete = lt__sq_feature_delete,
    .feature_tags_put = lt__sq_feature_tags_put,
    .segment_put = lt__sq_segment_put,
    .segment_delete = lt__sq_segment_delete,
    .project_put = lt__sq_project_put,
    .project_delete = lt__sq_project_delete,
    .environment_put = lt__sq_environment_put,
    .environment_delete = lt__sq_environment_delete,
    .project_env_set = lt__sq_project_env_set,
    .tag_type_put = lt__sq_tag_type_put,
    .tag_type_delete = lt__sq_tag_type_delete,
    .context_field_put = lt__sq_context_field_put,
    .context_field_delete = lt__sq_context_field_delete,
    .strategy_def_put = lt__sq_strategy_def_put,
    .strategy_def_delete = lt__sq_strategy_def_delete,
    .user_put = lt__sq_user_put,
    .user_delete = lt__sq_user_delete,
    .user_auth = lt__sq_user_auth,
    .user_login_result = lt__sq_user_login_result,
    .role_put = lt__sq_role_put,
    .role_delete = lt__sq_role_delete,
    .bindings_set = lt__sq_bindings_set,
    .session_put = lt__sq_session_put,
    .session_delete = lt__sq_session_delete,
    .sessions_load = lt__sq_sessions_load,
    .events_list = lt__sq_events_list,
    .usage_apps = lt__sq_usage_apps,
    .usage_feature = lt__sq_usage_feature,
    .features_put = lt__sq_features_put,
    .project_env_remove = lt__sq_project_env_remove,
    .environments_order = lt__sq_environments_order,
    .import_all = lt__sq_import_all,
};
