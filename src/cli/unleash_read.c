/*
 * unleash_read.c: reading a live Unleash 7.x/8.x database on libpq for `latch import
 * --from-unleash`. The flag side (projects, environments and their links, flags with every
 * environment's strategies, constraints, segments, variants, dependencies and tags, tag types,
 * context fields, custom strategy definitions) is built by one SQL statement as a latch export
 * document and parsed by model/export.c, so it is checked as any export document is. The access
 * side (users with their bcrypt hashes, custom roles with their permissions, root and project
 * roles, API tokens v1 and v2, PATs, optionally events) is read row by row. Secrets are turned
 * into digests at once and wiped; nothing read here is logged.
 */
#include <libpq-fe.h>

#include "cli_int.h"
#include "unleash_read.h"

/* Bounds: an Unleash database larger than this is refused rather than half read. */
#define MAX_ROWS 1000000

/* The export document of the flag side. @P@: the projects imported (not archived ones);
 * @V@: the strategy variants column (or '[]' before Unleash had it); @D@: the dependencies. */
static const char doc_sql[] =
    "SELECT json_build_object('latchExport', 1,"
    " 'projects', coalesce((SELECT json_agg(json_build_object('id', p.id, 'name',"
    "   coalesce(p.name, p.id), 'description', p.description, 'mode', 'open', 'createdAt', "
    "to_char(p.created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) ORDER BY p.id) FROM projects p "
    "WHERE p.id IN @P@), '[]'),"
    " 'environments', coalesce((SELECT json_agg(json_build_object('name', e.name, 'type',"
    "   coalesce(e.type, 'development'), 'enabled', coalesce(e.enabled, true), 'sortOrder',"
    "   coalesce(e.sort_order, 0)) ORDER BY e.sort_order, e.name) FROM environments e), '[]'),"
    " 'projectEnvironments', coalesce((SELECT json_agg(json_build_object('project', pe.project_id,"
    "   'environment', pe.environment_name) ORDER BY pe.project_id, pe.environment_name)"
    "   FROM project_environments pe WHERE pe.project_id IN @P@), '[]'),"
    " 'segments', coalesce((SELECT json_agg(json_build_object('id', s.id, 'name', s.name,"
    "   'description', s.description, 'project', s.segment_project_id, 'constraints',"
    "   coalesce(s.constraints, '[]'::jsonb), 'createdAt', to_char(s.created_at, "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) ORDER BY s.id) FROM segments s), '[]'),"
    " 'tagTypes', coalesce((SELECT json_agg(json_build_object('name', t.name, 'description',"
    "   t.description, 'icon', t.icon) ORDER BY t.name) FROM tag_types t), '[]'),"
    " 'contextFields', coalesce((SELECT json_agg(json_build_object('name', c.name, 'description',"
    "   c.description, 'stickiness', coalesce(c.stickiness, false), 'sortOrder',"
    "   coalesce(c.sort_order, 0), 'legalValues', coalesce(c.legal_values, '[]'::json),"
    "   'createdAt', to_char(c.created_at, 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) ORDER BY c.name) "
    "FROM context_fields c), '[]'),"
    " 'strategyDefinitions', coalesce((SELECT json_agg(json_build_object('name', d.name, 'title',"
    "   d.title, 'description', d.description, 'parameters', coalesce(d.parameters, '[]'::json),"
    "   'deprecated', coalesce(d.deprecated, false), 'createdAt', to_char(d.created_at, "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')) ORDER BY d.name) FROM strategies d WHERE "
    "coalesce(d.built_in, 0) = 0),"
    "   '[]'),"
    " 'features', coalesce((SELECT json_agg(json_build_object('name', f.name, 'type',"
    "   coalesce(f.type, 'release'), 'description', f.description, 'project', f.project,"
    "   'stale', coalesce(f.stale, false), 'impressionData', coalesce(f.impression_data, false),"
    "   'archived', f.archived_at IS NOT NULL, 'createdAt', to_char(f.created_at, "
    "'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'),"
    "   'environments', coalesce((SELECT json_agg(json_build_object('name', fe.environment,"
    "     'enabled', fe.enabled, 'variants', coalesce(fe.variants, '[]'::jsonb), 'strategies',"
    "     coalesce((SELECT json_agg(json_build_object('id', fs.id, 'name', fs.strategy_name,"
    "       'title', fs.title, 'sortOrder', coalesce(fs.sort_order, 0), 'disabled',"
    "       coalesce(fs.disabled, false), 'constraints', coalesce(fs.constraints, '[]'::jsonb),"
    "       'parameters', CASE WHEN jsonb_typeof(fs.parameters) = 'object' THEN"
    "         coalesce((SELECT jsonb_object_agg(kv.k, CASE WHEN jsonb_typeof(kv.v) = 'string'"
    "         THEN kv.v ELSE to_jsonb(coalesce(kv.v #>> '{}', '')) END)"
    "         FROM jsonb_each(fs.parameters) AS kv(k, v)), '{}'::jsonb) ELSE '{}'::jsonb END,"
    "       'variants', @V@, 'segments', coalesce((SELECT json_agg(x.segment_id ORDER BY"
    "       x.segment_id) FROM feature_strategy_segment x WHERE x.feature_strategy_id = fs.id),"
    "       '[]')) ORDER BY fs.sort_order, fs.id) FROM feature_strategies fs"
    "       WHERE fs.feature_name = f.name AND fs.environment = fe.environment), '[]'))"
    "     ORDER BY fe.environment) FROM feature_environments fe WHERE fe.feature_name = f.name),"
    "     '[]'),"
    "   'dependencies', @D@,"
    "   'tags', coalesce((SELECT json_agg(json_build_object('type', t.tag_type, 'value',"
    "     t.tag_value) ORDER BY t.tag_type, t.tag_value) FROM feature_tag t"
    "     WHERE t.feature_name = f.name), '[]')) ORDER BY f.name)"
    "   FROM features f WHERE f.project IN @P@), '[]'))::text";

static const char deps_sql[] =
    "coalesce((SELECT json_agg(json_build_object('feature', dp.parent, 'enabled', dp.enabled,"
    " 'variants', coalesce(dp.variants, '[]'::jsonb)) ORDER BY dp.parent)"
    " FROM dependent_features dp WHERE dp.child = f.name AND dp.parent IN"
    " (SELECT name FROM features WHERE project IN @P@)), '[]')";

/* ---------- libpq helpers ---------- */

typedef struct {
    PGconn *c;
    lt_arena_t *a;
    char err[256];
} src_t;

/* The rows of sql (no parameters), or NULL with err set. */
static PGresult *query(src_t *s, const char *sql)
{
    PGresult *r = PQexec(s->c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        snprintf(s->err, sizeof(s->err), "the Unleash database refused a read: %s",
                 PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                     ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY)
                     : "no message");
        PQclear(r);
        return NULL;
    }
    if (PQntuples(r) > MAX_ROWS) {
        snprintf(s->err, sizeof(s->err), "the Unleash database has more than %d rows of a kind",
                 MAX_ROWS);
        PQclear(r);
        return NULL;
    }
    return r;
}

static const char *str(src_t *s, PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? NULL : lt_arena_strdup(s->a, PQgetvalue(r, row, col));
}

static int64_t i64(PGresult *r, int row, int col)
{
    return PQgetisnull(r, row, col) ? 0 : strtoll(PQgetvalue(r, row, col), NULL, 10);
}

static bool yes(PGresult *r, int row, int col)
{
    return !PQgetisnull(r, row, col) && PQgetvalue(r, row, col)[0] == 't';
}

/* Does table.column exist in the connection's search path? (What differs between 7.x and 8.x.) */
static bool has_column(src_t *s, const char *table, const char *column)
{
    const char *params[2] = {table, column};
    PGresult *r =
        PQexecParams(s->c,
                     "SELECT 1 FROM information_schema.columns WHERE table_name = $1"
                     " AND column_name = $2 AND table_schema = ANY (current_schemas(false))",
                     2, NULL, params, NULL, NULL, 0);
    bool ok = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) > 0;
    PQclear(r);
    return ok;
}

/* ---------- the flag side ---------- */

/* text with every @X@ of the n keys replaced by its value; malloc'd. */
static char *fill(const char *text, const char *const *keys, const char *const *values, size_t n)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    for (const char *p = text; *p;) {
        size_t k = 0;
        while (k < n && strncmp(p, keys[k], strlen(keys[k])) != 0)
            k++;
        if (k < n) {
            lt_buf_puts(&b, values[k]);
            p += strlen(keys[k]);
        } else {
            lt_buf_putc(&b, *p++);
        }
    }
    return lt_buf_take(&b, NULL);
}

static int read_doc(src_t *s, lt__unleash_data_t *out)
{
    const char *proj = has_column(s, "projects", "archived_at")
                           ? "(SELECT id FROM projects WHERE archived_at IS NULL)"
                           : "(SELECT id FROM projects)";
    const char *variants = has_column(s, "feature_strategies", "variants")
                               ? "coalesce(fs.variants, '[]'::jsonb)"
                               : "'[]'::jsonb";
    const char *keys[] = {"@P@", "@V@", "@D@"};
    const char *vals[] = {proj, variants, "'[]'::json"};
    char *deps = NULL;
    if (has_column(s, "dependent_features", "parent"))
        vals[2] = deps = fill(deps_sql, keys, vals, 1);
    char *sql = fill(doc_sql, keys, vals, 3);
    free(deps);
    PGresult *r = query(s, sql);
    free(sql);
    if (!r)
        return LT_ERR;
    const char *json = PQntuples(r) == 1 ? PQgetvalue(r, 0, 0) : "";
    lt_parse_err_t err;
    memset(&err, 0, sizeof(err));
    int rc = lt_export_parse(s->a, json, strlen(json), &out->doc, &err);
    PQclear(r);
    if (rc != LT_OK)
        snprintf(s->err, sizeof(s->err), "Unleash's data does not fit latch: %s%s%s", err.msg,
                 err.where[0] ? " in flag " : "", err.where);
    return rc;
}

/* ---------- users, roles, bindings ---------- */

static int read_users(src_t *s, lt__unleash_data_t *out)
{
    bool deleted = has_column(s, "users", "deleted_at"),
         system = has_column(s, "users", "is_system"),
         service = has_column(s, "users", "is_service");
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT u.id, u.username, u.email, u.name, %s, (extract(epoch FROM u.created_at) * "
             "1000)::bigint,"
             " u.password_hash, (SELECT ru.role_id FROM role_user ru JOIN roles r ON r.id ="
             " ru.role_id WHERE ru.user_id = u.id AND r.type IN ('root', 'root-custom')"
             " ORDER BY ru.role_id LIMIT 1) FROM users u WHERE u.id > 0%s%s ORDER BY u.id",
             service ? "coalesce(u.is_service, false)" : "false",
             deleted ? " AND u.deleted_at IS NULL" : "",
             system ? " AND NOT coalesce(u.is_system, false)" : "");
    PGresult *r = query(s, sql);
    if (!r)
        return LT_ERR;
    lt_import_access_t *acc = &out->acc;
    int n = PQntuples(r);
    acc->users = lt_arena_calloc(s->a, (size_t)n + 1, sizeof(*acc->users));
    acc->password_hashes = lt_arena_calloc(s->a, (size_t)n + 1, sizeof(*acc->password_hashes));
    for (int i = 0; i < n; i++) {
        lt_user_t *u = &acc->users[acc->n_users];
        u->id = i64(r, i, 0);
        u->username = str(s, r, i, 1);
        u->email = str(s, r, i, 2);
        u->name = str(s, r, i, 3);
        u->service = yes(r, i, 4);
        u->created_at = i64(r, i, 5);
        u->root_role = i64(r, i, 7);
        if (!u->username && !u->email)
            continue; /* nobody can log in as it, nothing can name it */
        const char *h = PQgetisnull(r, i, 6) ? NULL : PQgetvalue(r, i, 6);
        if (h && *h && !u->service && !lt_password_bcrypt_shaped(h))
            out->skipped_hashes++;
        else if (h && *h && !u->service)
            acc->password_hashes[acc->n_users] = lt_arena_strdup(s->a, h);
        acc->n_users++;
    }
    PQclear(r);
    return LT_OK;
}

static int read_roles(src_t *s, lt__unleash_data_t *out)
{
    PGresult *r =
        query(s, "SELECT id, name, description, type FROM roles WHERE id > 5 ORDER BY id");
    if (!r)
        return LT_ERR;
    PGresult *p = query(s, "SELECT role_id, permission, nullif(environment, '') FROM"
                           " role_permission WHERE role_id > 5 AND permission IS NOT NULL"
                           " ORDER BY role_id, permission, environment");
    if (!p) {
        PQclear(r);
        return LT_ERR;
    }
    lt_import_access_t *acc = &out->acc;
    int n = PQntuples(r), np = PQntuples(p);
    acc->roles = lt_arena_calloc(s->a, (size_t)n + 1, sizeof(*acc->roles));
    for (int i = 0; i < n; i++) {
        lt_role_t *ro = &acc->roles[acc->n_roles++];
        ro->id = i64(r, i, 0);
        ro->name = str(s, r, i, 1);
        ro->description = str(s, r, i, 2);
        ro->type = str(s, r, i, 3);
        if (!ro->type)
            ro->type = "custom";
        size_t k = 0;
        for (int j = 0; j < np; j++)
            k += i64(p, j, 0) == ro->id;
        ro->perms = lt_arena_calloc(s->a, k + 1, sizeof(*ro->perms));
        for (int j = 0; j < np; j++) {
            if (i64(p, j, 0) != ro->id)
                continue;
            if (!lt_permission_known(PQgetvalue(p, j, 1))) {
                out->skipped_permissions++; /* an Unleash feature latch does not have */
                continue;
            }
            lt_perm_t *pm = &ro->perms[ro->n_perms++];
            pm->permission = str(s, p, j, 1);
            pm->environment = lt_permission_is_environment(pm->permission) ? str(s, p, j, 2) : NULL;
        }
    }
    PQclear(r);
    PQclear(p);
    return LT_OK;
}

/* Project roles: a user's own, and those of the groups they are in (latch has no groups: each
 * member gets the group's project roles), grouped by (user, project). */
static int read_bindings(src_t *s, lt__unleash_data_t *out)
{
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT DISTINCT b.user_id, b.project, b.role_id FROM (SELECT ru.user_id,"
             " ru.project, ru.role_id FROM role_user ru%s) b JOIN roles r ON r.id = b.role_id"
             " WHERE r.type NOT IN ('root', 'root-custom') AND b.project IS NOT NULL"
             " ORDER BY b.user_id, b.project, b.role_id",
             has_column(s, "group_role", "project")
                 ? " UNION SELECT gu.user_id, gr.project, gr.role_id FROM group_role gr"
                   " JOIN group_user gu ON gu.group_id = gr.group_id"
                 : "");
    PGresult *r = query(s, sql);
    if (!r)
        return LT_ERR;
    lt_import_access_t *acc = &out->acc;
    int n = PQntuples(r);
    acc->bindings = lt_arena_calloc(s->a, (size_t)n + 1, sizeof(*acc->bindings));
    for (int i = 0; i < n; i++) {
        lt_binding_t *b = &acc->bindings[acc->n_bindings++];
        b->user_id = i64(r, i, 0);
        b->project = str(s, r, i, 1);
        b->role_id = i64(r, i, 2);
    }
    PQclear(r);
    return LT_OK;
}

/* ---------- tokens ---------- */

/* The projects of a comma-joined list (NULL: none), in the arena. */
static void token_projects(src_t *s, lt_token_new_t *t, const char *list)
{
    size_t n = 0;
    const char **items = list ? lt__cli_split_list(s->a, list, &n) : NULL;
    t->all_projects = n == 0;
    for (size_t i = 0; i < n; i++)
        t->all_projects = t->all_projects || strcmp(items[i], "*") == 0;
    t->projects = t->all_projects ? NULL : items;
    t->n_projects = t->all_projects ? 0 : n;
}

static lt_token_new_t *next_token(lt_import_access_t *acc)
{
    lt_token_new_t *t = &acc->tokens[acc->n_tokens++];
    memset(t, 0, sizeof(*t));
    return t;
}

/* The scope part of a v2 token's string ("<project>:<env>.", "[]:<env>.", "*:<env>.", "*:*.")
 * and the selector: the display prefix latch shows for it. */
static const char *v2_display(src_t *s, const lt_token_new_t *t, const char *selector)
{
    char buf[200];
    const char *env = t->environment ? t->environment : "*";
    if (t->type == LT_TOKEN_PAT)
        snprintf(buf, sizeof(buf), "user:v2_%s…", selector);
    else if (t->type == LT_TOKEN_ADMIN)
        snprintf(buf, sizeof(buf), "*:*.v2_%s…", selector);
    else if (t->all_projects)
        snprintf(buf, sizeof(buf), "*:%s.v2_%s…", env, selector);
    else if (t->n_projects == 1)
        snprintf(buf, sizeof(buf), "%s:%s.v2_%s…", t->projects[0], env, selector);
    else
        snprintf(buf, sizeof(buf), "[]:%s.v2_%s…", env, selector);
    return lt_arena_strdup(s->a, buf);
}

/* A v2 verifier (base64url of the SHA-256 of the whole token string) is latch's digest. */
static bool verifier_digest(const char *verifier, uint8_t out[32])
{
    size_t n = 0;
    return verifier && strlen(verifier) == 43 &&
           sodium_base642bin(out, 32, verifier, 43, NULL, &n, NULL,
                             sodium_base64_VARIANT_URLSAFE_NO_PADDING) == 0 &&
           n == 32;
}

/* A classic secret: its digest and display prefix; the secret itself is wiped. */
static void classic_digest(src_t *s, lt_token_new_t *t, PGresult *r, int row, int col)
{
    char *secret = PQgetvalue(r, row, col);
    size_t len = strlen(secret);
    lt_token_digest((lt_str_t){secret, len}, t->digest);
    char disp[200];
    lt_token_display((lt_str_t){secret, len}, disp, sizeof(disp));
    t->display = lt_arena_strdup(s->a, disp);
    sodium_memzero(secret, len);
}

static bool token_type(const char *type, lt_token_new_t *t)
{
    return type && lt_token_type_parse(type, &t->type) == LT_OK && t->type != LT_TOKEN_PAT;
}

static int read_api_tokens(src_t *s, lt__unleash_data_t *out, PGresult *r, bool v2)
{
    lt_import_access_t *acc = &out->acc;
    for (int i = 0; i < PQntuples(r); i++) {
        lt_token_new_t *t = next_token(acc);
        const char *type = PQgetisnull(r, i, 2) ? NULL : PQgetvalue(r, i, 2);
        t->name = str(s, r, i, 1);
        t->environment = str(s, r, i, 3);
        t->expires_at = i64(r, i, 4);
        token_projects(s, t, PQgetisnull(r, i, 5) ? NULL : PQgetvalue(r, i, 5));
        bool ok = token_type(type, t);
        if (ok && v2) {
            ok = verifier_digest(PQgetvalue(r, i, 6), t->digest);
            t->selector = str(s, r, i, 0);
            if (ok)
                t->display = v2_display(s, t, t->selector);
        } else if (ok) {
            classic_digest(s, t, r, i, 0);
        }
        if (t->type == LT_TOKEN_ADMIN || !t->environment) {
            t->environment = "*";
            t->all_projects = t->type == LT_TOKEN_ADMIN ? true : t->all_projects;
        }
        if (!t->name)
            t->name = t->display;
        if (!ok) {
            acc->n_tokens--;
            out->skipped_tokens++;
        } else if (!v2 && !PQgetisnull(r, i, 6) && PQgetvalue(r, i, 6)[0]) {
            /* an alias (Unleash's embedded-proxy migration) is accepted as the token itself:
             * one more record of the same scope under the alias's digest */
            lt_token_new_t *al = next_token(acc);
            *al = *t;
            classic_digest(s, al, r, i, 6);
            out->aliases++;
        }
    }
    return LT_OK;
}

/* Unleash 8's v2 API tokens: the selector and verifier, never a secret. */
static const char v2_sql[] =
    "SELECT t.selector, t.token_name, t.type, t.environment,"
    " (extract(epoch FROM t.expires_at) * 1000)::bigint,"
    " (SELECT string_agg(p.project, ',' ORDER BY p.project) FROM api_tokens_v2_project p"
    " WHERE p.selector = t.selector), t.verifier"
    " FROM api_tokens_v2 t ORDER BY t.created_at, t.selector";

static int read_tokens(src_t *s, lt__unleash_data_t *out)
{
    bool v2 = has_column(s, "api_tokens_v2", "selector"),
         pat_v2 = has_column(s, "personal_access_tokens", "selector"),
         named = has_column(s, "api_tokens", "token_name");
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT t.secret, %s, t.type, t.environment, (extract(epoch FROM t.expires_at) * "
             "1000)::bigint,"
             " (SELECT string_agg(p.project, ',' ORDER BY p.project) FROM api_token_project p"
             " WHERE p.secret = t.secret), %s FROM api_tokens t ORDER BY t.created_at, t.secret",
             named ? "coalesce(t.token_name, t.username)" : "t.username",
             has_column(s, "api_tokens", "alias") ? "t.alias" : "NULL");
    PGresult *r1 = query(s, sql);
    PGresult *r2 = !r1 || !v2 ? NULL : query(s, v2_sql);
    snprintf(sql, sizeof(sql),
             "SELECT t.secret, t.description, t.user_id, (extract(epoch FROM t.expires_at) * "
             "1000)::bigint, %s"
             " FROM personal_access_tokens t ORDER BY t.created_at, t.user_id",
             pat_v2 ? "t.selector, t.verifier" : "NULL, NULL");
    PGresult *r3 = r1 && (r2 || !v2) ? query(s, sql) : NULL;
    int rc = r1 && (r2 || !v2) && r3 ? LT_OK : LT_ERR;
    if (rc == LT_OK) {
        size_t n =
            2 * (size_t)PQntuples(r1) + (size_t)(r2 ? PQntuples(r2) : 0) + (size_t)PQntuples(r3);
        out->acc.tokens = lt_arena_calloc(s->a, n + 1, sizeof(*out->acc.tokens));
        read_api_tokens(s, out, r1, false);
        if (r2)
            read_api_tokens(s, out, r2, true);
        for (int i = 0; i < PQntuples(r3); i++) {
            lt_token_new_t *t = next_token(&out->acc);
            t->type = LT_TOKEN_PAT;
            t->name = str(s, r3, i, 1);
            t->user_id = i64(r3, i, 2);
            t->expires_at = i64(r3, i, 3);
            t->environment = "*";
            t->all_projects = true;
            bool ok = true;
            if (!PQgetisnull(r3, i, 0)) {
                classic_digest(s, t, r3, i, 0);
            } else {
                t->selector = str(s, r3, i, 4);
                ok = t->selector && verifier_digest(PQgetvalue(r3, i, 5), t->digest);
                if (ok)
                    t->display = v2_display(s, t, t->selector);
            }
            if (!t->name)
                t->name = t->display;
            if (!ok) {
                out->acc.n_tokens--;
                out->skipped_tokens++;
            }
        }
    }
    PQclear(r1);
    PQclear(r2);
    PQclear(r3);
    return rc;
}

/* ---------- events ---------- */

/* The event log, oldest first; keys that may carry a secret are taken out of the data. */
static int read_events(src_t *s, lt__unleash_data_t *out)
{
    static const char strip[] = " - 'secret' - 'token' - 'password' - 'passwordHash'"
                                " - 'verifier' - 'tokens'";
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT type, coalesce(created_by, 'unleash'), project, environment, feature_name,"
             " CASE WHEN jsonb_typeof(data::jsonb) = 'object' THEN (data::jsonb%s)::text"
             " ELSE data::text END, CASE WHEN jsonb_typeof(pre_data::jsonb) = 'object' THEN"
             " (pre_data::jsonb%s)::text ELSE pre_data::text END FROM events ORDER BY id",
             strip, strip);
    PGresult *r = query(s, sql);
    if (!r)
        return LT_ERR;
    lt_import_access_t *acc = &out->acc;
    int n = PQntuples(r);
    acc->events = lt_arena_calloc(s->a, (size_t)n + 1, sizeof(*acc->events));
    for (int i = 0; i < n; i++) {
        lt_event_t *e = &acc->events[acc->n_events++];
        e->type = str(s, r, i, 0);
        e->created_by = str(s, r, i, 1);
        e->project = str(s, r, i, 2);
        e->environment = str(s, r, i, 3);
        e->feature_name = str(s, r, i, 4);
        e->data = str(s, r, i, 5);
        e->pre_data = str(s, r, i, 6);
        if (!e->type)
            acc->n_events--;
    }
    PQclear(r);
    return LT_OK;
}

int lt__unleash_read(const char *url, lt_arena_t *a, bool events, lt__unleash_data_t *out,
                     char *err, size_t err_cap)
{
    memset(out, 0, sizeof(*out));
    src_t s = {PQconnectdb(url), a, {0}};
    int rc = LT_ERR;
    if (PQstatus(s.c) != CONNECTION_OK) {
        char red[512];
        /* libpq's message names the host and port, never the password */
        snprintf(s.err, sizeof(s.err), "cannot connect to %s: %s",
                 lt_store_url_redacted(url, red, sizeof(red)), PQerrorMessage(s.c));
        goto done;
    }
    /* one consistent view of everything; timestamps read as UTC */
    PGresult *r = query(&s, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
    if (!r)
        goto done;
    PQclear(r);
    r = query(&s, "SET LOCAL TIME ZONE 'UTC'");
    if (!r)
        goto done;
    PQclear(r);
    if (read_doc(&s, out) == LT_OK && read_users(&s, out) == LT_OK &&
        read_roles(&s, out) == LT_OK && read_bindings(&s, out) == LT_OK &&
        read_tokens(&s, out) == LT_OK && (!events || read_events(&s, out) == LT_OK))
        rc = LT_OK;
    if ((r = query(&s, "COMMIT")))
        PQclear(r);
done:
    if (rc != LT_OK)
        snprintf(err, err_cap, "%s", s.err[0] ? s.err : "cannot read the Unleash database");
    PQfinish(s.c);
    return rc;
}
