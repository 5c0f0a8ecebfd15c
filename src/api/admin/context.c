/*
 * context.c: the admin API of context fields (list with usage, get, the strategies using one,
 * create, update, delete, legal values one by one, validate a name).
 */
#include "admin_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../../base/util.h"
#include "../../model/model_json.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define BAD_DATA(...) lt_write_fail(w, 400, "BadDataError", __VA_ARGS__)

/* ---------- context fields ---------- */

/* Strategies of live flags whose constraints name the context field. */
static strategy_ref_t *context_users(lt_arena_t *a, const lt_dataset_t *d, const char *name,
                                     size_t *n)
{
    strategy_ref_t *out = lt_arena_calloc(a, lt_adm_n_strategies(d) + 1, sizeof(*out));
    *n = 0;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived)
            continue;
        for (size_t e = 0; e < f->n_envs; e++)
            for (size_t s = 0; s < f->envs[e].n_strategies; s++) {
                const lt_strategy_t *st = &f->envs[e].strategies[s];
                for (size_t k = 0; k < st->n_constraints; k++)
                    if (strcmp(st->constraints[k].context_name, name) == 0) {
                        out[(*n)++] = (strategy_ref_t){st->id ? st->id : "", f->name, f->project,
                                                       f->envs[e].environment, st->name};
                        break;
                    }
            }
    }
    return out;
}

static void write_context(lt_buf_t *b, lt_arena_t *a, const lt_dataset_t *d,
                          const lt_context_field_t *c, bool usage)
{
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, c->name);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, c->description);
    lt_buf_puts(b, ",\"stickiness\":");
    lt_json_bool(b, c->stickiness);
    lt_buf_printf(b, ",\"sortOrder\":%d,\"legalValues\":", c->sort_order);
    lt_adm_write_list_text(b, c->legal_values);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, c->created_at);
    if (usage) {
        size_t n;
        strategy_ref_t *refs = context_users(a, d, c->name, &n);
        const char **projects = lt_arena_calloc(a, n + 1, sizeof(*projects));
        const char **features = lt_arena_calloc(a, n + 1, sizeof(*features));
        size_t np = 0, nf = 0;
        for (size_t i = 0; i < n; i++) {
            lt_adm_set_add(projects, &np, refs[i].project);
            lt_adm_set_add(features, &nf, refs[i].feature);
        }
        if (np) /* Unleash leaves the counts out when they are 0 */
            lt_buf_printf(b, ",\"usedInProjects\":%zu,\"usedInFeatures\":%zu", np, nf);
    }
    lt_buf_putc(b, '}');
}

static void api_context_list(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    /* by name, as Unleash lists them */
    const lt_context_field_t **order =
        lt_arena_calloc(lt_req_arena(r), d->n_context_fields + 1, sizeof(*order));
    for (size_t i = 0; i < d->n_context_fields; i++) {
        size_t j = i;
        for (; j > 0 && strcmp(order[j - 1]->name, d->context_fields[i].name) > 0; j--)
            order[j] = order[j - 1];
        order[j] = &d->context_fields[i];
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    for (size_t i = 0; i < d->n_context_fields; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_context(&b, lt_req_arena(r), d, order[i], true);
    }
    lt_buf_putc(&b, ']');
    lt_adm_reply(r, 200, &b);
}

/* GET /api/admin/projects/:projectId/context[?include=root]: the project's own context fields,
 * and with include=root the root ones too. latch has no project-scoped fields (yet), so the
 * answer is [] or every field, as GET /api/admin/context lists them; 404 for an unknown project.
 * Unleash's UI asks for it (include=root) to offer fields to a strategy's constraints. */
static void api_project_context_list(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *id = lt_adm_param(pp, "projectId");
    if (!lt_dataset_project(d, id)) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find project with id %s", id);
        return;
    }
    lt_str_t inc = lt_req_query(r, "include");
    if (inc.len == 4 && strncasecmp(inc.ptr, "root", 4) == 0) {
        api_context_list(r, pp);
        return;
    }
    lt_reply_json(r, 200, "[]");
}

static void api_context_get(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_context_field_t *c = lt_dataset_context_field(d, lt_adm_param(pp, "name"));
    if (!c) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find context field");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_context(&b, lt_req_arena(r), d, c, false);
    lt_adm_reply(r, 200, &b);
}

static void api_context_strategies(lt_req_t *r, const lt_params_t *pp)
{
    size_t n;
    strategy_ref_t *refs =
        context_users(lt_req_arena(r), &lt_req_snapshot(r)->data, lt_adm_param(pp, "name"), &n);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"strategies\":");
    lt_adm_write_strategy_refs(&b, refs, n);
    lt_buf_putc(&b, '}');
    lt_adm_reply(r, 200, &b);
}

typedef enum { CF_CREATE, CF_UPDATE, CF_DELETE, CF_LEGAL_PUT, CF_LEGAL_DELETE } cf_op_t;

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const char *name;
    const char *legal; /* CF_LEGAL_DELETE: the value */
    const cJSON *body;
    cf_op_t op;
    lt_context_field_t result;
} cf_ctx_t;

/* One legal value {value (1..100), description?} checked and appended to b. */
static int legal_value_write(lt_buf_t *b, const cJSON *it, lt_write_t *w)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
    const cJSON *desc = cJSON_GetObjectItemCaseSensitive(it, "description");
    if (!cJSON_IsObject(it) || !cJSON_IsString(v) || strlen(v->valuestring) < 1 ||
        strlen(v->valuestring) > 100 || (desc && !cJSON_IsString(desc) && !cJSON_IsNull(desc)))
        return BAD("a legal value needs a value (1 to 100 characters) and an optional "
                   "description (string)");
    lt_buf_puts(b, "{\"value\":");
    lt_json_cstr(b, v->valuestring);
    if (cJSON_IsString(desc)) {
        lt_buf_puts(b, ",\"description\":");
        lt_json_cstr(b, desc->valuestring);
    }
    lt_buf_putc(b, '}');
    return LT_OK;
}

/* legalValues of a body (or the field's ones changed by one value), as normalised JSON text. */
static const char *legal_values_text(lt_arena_t *a, const cJSON *list, const cJSON *add,
                                     const char *remove, lt_write_t *w)
{
    if (list && !cJSON_IsArray(list) && !cJSON_IsNull(list)) {
        BAD("\"legalValues\" must be an array");
        return NULL;
    }
    const cJSON *addv = add ? cJSON_GetObjectItemCaseSensitive(add, "value") : NULL;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_putc(&b, '[');
    bool first = true, added = false;
    const cJSON *it, *jt;
    cJSON_ArrayForEach(it, list)
    {
        const cJSON *v = cJSON_GetObjectItemCaseSensitive(it, "value");
        if (remove && cJSON_IsString(v) && strcmp(v->valuestring, remove) == 0)
            continue;
        for (jt = list->child; jt != it; jt = jt->next) {
            const cJSON *u = cJSON_GetObjectItemCaseSensitive(jt, "value");
            if (cJSON_IsString(u) && cJSON_IsString(v) &&
                strcmp(u->valuestring, v->valuestring) == 0) {
                lt_buf_dispose(&b);
                BAD("\"legalValues\" contains a duplicate value");
                return NULL;
            }
        }
        bool replace = cJSON_IsString(addv) && cJSON_IsString(v) &&
                       strcmp(v->valuestring, addv->valuestring) == 0;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        if (legal_value_write(&b, replace ? add : it, w) != LT_OK) {
            lt_buf_dispose(&b);
            return NULL;
        }
        added |= replace;
    }
    if (add && !added) {
        if (!first)
            lt_buf_putc(&b, ',');
        if (legal_value_write(&b, add, w) != LT_OK) {
            lt_buf_dispose(&b);
            return NULL;
        }
    }
    lt_buf_putc(&b, ']');
    return lt_adm_buf_arena(a, &b);
}

static int cf_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    cf_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_context_field_t *prev = lt_dataset_context_field(d, c->name);
    lt_context_field_t *f = &c->result;
    static const char *const types[] = {"context-field-created", "context-field-updated",
                                        "context-field-deleted", "context-field-updated",
                                        "context-field-updated"};
    lt_event_t ev = lt_admin_event(c->p, types[c->op]);
    lt_buf_t b;
    if (c->op == CF_CREATE && prev)
        return lt_write_fail(w, 409, "NameExistsError",
                             "A context field with that name already exist");
    if (c->op != CF_CREATE && !prev)
        return lt_write_fail(w, 404, "NotFoundError", "Could not find context field with name %s",
                             c->name);
    if (prev) {
        lt_buf_init(&b, 0);
        write_context(&b, c->a, d, prev, false);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
    }
    if (c->op == CF_DELETE) {
        size_t n;
        context_users(c->a, d, c->name, &n);
        if (n)
            return lt_write_fail(w, 409, "ConflictError",
                                 "This context field is in use by existing flags. To delete it, "
                                 "first remove its usage from all flags.");
        return lt_store_context_field_delete(store, c->name, &ev);
    }
    if (prev)
        *f = *prev;
    else
        memset(f, 0, sizeof(*f));
    f->name = c->name;
    if (c->op == CF_LEGAL_PUT || c->op == CF_LEGAL_DELETE) {
        cJSON *cur = cJSON_Parse(prev->legal_values ? prev->legal_values : "[]");
        f->legal_values =
            legal_values_text(c->a, cur, c->op == CF_LEGAL_PUT ? c->body : NULL, c->legal, w);
        cJSON_Delete(cur);
        if (!f->legal_values)
            return LT_EINVAL;
    } else {
        bool bad = false;
        f->description = lt_adm_opt_str(c->body, "description", 0, &bad);
        if (bad || (f->description && strlen(f->description) > 250))
            return BAD("\"description\" must be a string of at most 250 characters");
        const cJSON *st = cJSON_GetObjectItemCaseSensitive(c->body, "stickiness");
        if (st && !cJSON_IsBool(st) && !cJSON_IsNull(st))
            return BAD("\"stickiness\" must be a boolean");
        f->stickiness = cJSON_IsTrue(st);
        const cJSON *so = cJSON_GetObjectItemCaseSensitive(c->body, "sortOrder");
        if (so && !cJSON_IsNumber(so) && !cJSON_IsNull(so))
            return BAD("\"sortOrder\" must be a number");
        if (cJSON_IsNumber(so))
            f->sort_order = (int)lt_double_clamp(so->valuedouble, INT_MIN, INT_MAX);
        f->legal_values = legal_values_text(
            c->a, cJSON_GetObjectItemCaseSensitive(c->body, "legalValues"), NULL, NULL, w);
        if (!f->legal_values)
            return LT_EINVAL;
        if (!prev)
            f->created_at = lt_now_ms();
    }
    lt_buf_init(&b, 0);
    write_context(&b, c->a, d, f, false);
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_context_field_put(store, f, &ev);
}

/* create, update, delete, legal value put/delete (decl->op): the permission is declared. */
static void api_context_write(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    cf_op_t op = (cf_op_t)ac->decl->op;
    const char *name = lt_adm_param(pp, "name");
    if (op == CF_CREATE && !(name = lt_adm_body_name(r, ac->body)))
        return;
    cf_ctx_t c = {lt_req_arena(r),
                  &ac->who,
                  lt_arena_strdup(lt_req_arena(r), name),
                  lt_adm_param(pp, "value"),
                  ac->body,
                  op,
                  {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, cf_write, &w) != LT_OK)
        return;
    if (op != CF_CREATE) {
        lt_reply_empty(r, 200);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_context(&b, lt_req_arena(r), &lt_req_snapshot(r)->data, &c.result, false);
    lt_adm_reply_created(r, "context", c.name, &b);
}

static void api_context_validate(lt_req_t *r, const lt_params_t *pp)
{
    cJSON *body = lt_adm_ctx(r)->body;
    const cJSON *name = cJSON_GetObjectItemCaseSensitive(body, "name");
    if (!cJSON_IsString(name) || !lt_adm_name_ok(name->valuestring))
        lt_reply_error(r, 400, "ValidationError", "\"name\" must be URL friendly");
    else if (lt_dataset_context_field(&lt_req_snapshot(r)->data, name->valuestring))
        lt_reply_error(r, 409, "NameExistsError", "A context field with that name already exist");
    else
        lt_reply_empty(r, 200);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_context[] = {
    ROUTE(LT_POST, "/api/admin/context/validate", api_context_validate,
          LT_PERM("UPDATE_CONTEXT_FIELD"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/context", api_context_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/context", api_context_write, LT_PERM("CREATE_CONTEXT_FIELD"),
          LT_JSON_OBJECT, .op = CF_CREATE),
    ROUTE(LT_GET, "/api/admin/context/:name", api_context_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/context/:name", api_context_write, LT_PERM("UPDATE_CONTEXT_FIELD"),
          LT_JSON_OBJECT, .op = CF_UPDATE),
    ROUTE(LT_DELETE, "/api/admin/context/:name", api_context_write, LT_PERM("DELETE_CONTEXT_FIELD"),
          .op = CF_DELETE),
    ROUTE(LT_GET, "/api/admin/context/:name/strategies", api_context_strategies, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/context", api_project_context_list,
          LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/context/:name/legal-values", api_context_write,
          LT_PERM("UPDATE_CONTEXT_FIELD"), LT_JSON_OBJECT, .op = CF_LEGAL_PUT),
    ROUTE(LT_DELETE, "/api/admin/context/:name/legal-values/:value", api_context_write,
          LT_PERM("UPDATE_CONTEXT_FIELD"), .op = CF_LEGAL_DELETE),
    {0},
};
