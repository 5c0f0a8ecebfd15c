/*
 * tag_types.c: the admin API of tag types (list, get, create, update, delete, validate);
 * a tag type used by a flag's tags cannot be deleted.
 */
#include "admin_int.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "../../model/model_json.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define BAD_DATA(...) lt_write_fail(w, 400, "BadDataError", __VA_ARGS__)

/* ---------- tag types ---------- */

static const lt_tag_type_t *find_tag_type(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_tag_types; i++)
        if (strcmp(d->tag_types[i].name, name) == 0)
            return &d->tag_types[i];
    return NULL;
}

static void write_tag_type(lt_buf_t *b, const lt_tag_type_t *t)
{
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr(b, t->description ? t->description : "");
    lt_buf_puts(b, ",\"icon\":");
    lt_json_cstr_or_null(b, t->icon);
    lt_buf_puts(b, ",\"color\":");
    lt_json_cstr_or_null(b, t->color);
    lt_buf_putc(b, '}');
}

static void api_tag_types_list(lt_req_t *r, const lt_params_t *pp)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"tagTypes\":[");
    for (size_t i = 0; i < d->n_tag_types; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        write_tag_type(&b, &d->tag_types[i]);
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static void api_tag_type_get(lt_req_t *r, const lt_params_t *pp)
{
    const lt_tag_type_t *t = find_tag_type(&lt_req_snapshot(r)->data, lt_adm_param(pp, "name"));
    if (!t) {
        lt_reply_error(r, 404, "NotFoundError", "Tagtype %s could not be found",
                       lt_adm_param(pp, "name"));
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"tagType\":");
    write_tag_type(&b, t);
    lt_buf_putc(&b, '}');
    lt_adm_reply(r, 200, &b);
}

typedef enum { TT_CREATE, TT_UPDATE, TT_DELETE } tt_op_t;

typedef struct {
    lt_arena_t *a;
    const lt_principal_t *p;
    const char *name;
    const cJSON *body;
    tt_op_t op;
    bool gone; /* TT_DELETE of a tag type that was not there */
    lt_tag_type_t result;
} tt_ctx_t;

/* Unleash's colour of a tag type: "#" and six hexadecimal digits. */
static bool color_ok(const char *s)
{
    if (strlen(s) != 7 || s[0] != '#')
        return false;
    for (int i = 1; i < 7; i++)
        if (!isxdigit((unsigned char)s[i]))
            return false;
    return true;
}

/* The body of a tag type: name (create), description, icon, color. */
static int tag_type_body(const cJSON *body, bool create, lt_tag_type_t *t, lt_write_t *w)
{
    bool bad = false;
    if (create) {
        const cJSON *n = cJSON_GetObjectItemCaseSensitive(body, "name");
        if (!cJSON_IsString(n) || !lt_adm_name_valid(n->valuestring, 2, 50))
            return BAD("\"name\" must be URL friendly and 2 to 50 characters long");
        t->name = n->valuestring;
    }
    t->description = lt_adm_opt_str(body, "description", 0, &bad);
    t->icon = lt_adm_opt_str(body, "icon", 0, &bad);
    if (bad)
        return BAD("\"description\" and \"icon\" must be strings");
    t->color = lt_adm_opt_str(body, "color", 0, &bad);
    if (bad || (t->color && !color_ok(t->color)))
        return lt_write_bad_body(w, "/body/color",
                                 "The `/body/color` property must be a hexadecimal colour such as "
                                 "\"#FFFFFF\" (the pattern ^#[0-9A-Fa-f]{6}$).");
    return LT_OK;
}

static int tt_write(lt_store_t *store, lt_snapshot_t *snap, lt_write_t *w)
{
    tt_ctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_tag_type_t *prev = find_tag_type(d, c->name);
    static const char *const types[] = {"tag-type-created", "tag-type-updated", "tag-type-deleted"};
    lt_event_t ev = lt_admin_event(c->p, types[c->op]);
    lt_buf_t b;
    if (c->op == TT_CREATE && prev)
        return lt_write_fail(w, 409, "NameExistsError",
                             "There already exists a tag-type with the name %s", c->name);
    if (c->op == TT_UPDATE && !prev)
        return lt_write_fail(w, 404, "NotFoundError", "Tagtype %s could not be found", c->name);
    if (prev) {
        lt_buf_init(&b, 0);
        write_tag_type(&b, prev);
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
    }
    if (c->op == TT_DELETE) {
        if (!prev) {
            c->gone = true;
            return LT_OK;
        }
        for (size_t i = 0; i < d->n_tags; i++)
            if (strcmp(d->tags[i].type, c->name) == 0)
                return lt_write_fail(w, 409, "ConflictError",
                                     "Tag type %s is used by tags of flag %s; remove them first",
                                     c->name, d->tags[i].feature);
        return lt_store_tag_type_delete(store, c->name, &ev);
    }
    lt_tag_type_t *t = &c->result;
    memset(t, 0, sizeof(*t));
    if (tag_type_body(c->body, false, t, w) != LT_OK)
        return LT_EINVAL;
    t->name = c->name;
    lt_buf_init(&b, 0);
    write_tag_type(&b, t);
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_tag_type_put(store, t, &ev);
}

/* create, update, delete (decl->op): the permission is declared. */
static void api_tag_type_write(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    tt_op_t op = (tt_op_t)ac->decl->op;
    const char *name = lt_adm_param(pp, "name");
    if (op == TT_CREATE) {
        lt_tag_type_t t = {0};
        lt_write_t w = {0};
        if (tag_type_body(ac->body, true, &t, &w) != LT_OK) {
            lt_adm_reply_write_error(r, &w);
            return;
        }
        name = t.name;
    }
    tt_ctx_t c = {lt_req_arena(r), &ac->who, lt_arena_strdup(lt_req_arena(r), name), ac->body, op,
                  false,           {0}};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, tt_write, &w) != LT_OK)
        return;
    if (op != TT_CREATE) {
        lt_reply_empty(r, 200);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_tag_type(&b, &c.result);
    lt_adm_reply_created(r, "tag-types", c.name, &b);
}

static void api_tag_type_validate(lt_req_t *r, const lt_params_t *pp)
{
    cJSON *body = lt_adm_ctx(r)->body;
    lt_tag_type_t t = {0};
    lt_write_t w = {0};
    if (tag_type_body(body, true, &t, &w) != LT_OK) {
        lt_adm_reply_write_error(r, &w);
    } else if (find_tag_type(&lt_req_snapshot(r)->data, t.name)) {
        lt_reply_error(r, 409, "NameExistsError",
                       "There already exists a tag-type with the name %s", t.name);
    } else {
        lt_buf_t b;
        lt_buf_init(&b, 0);
        lt_buf_puts(&b, "{\"valid\":true,\"tagType\":");
        write_tag_type(&b, &t);
        lt_buf_putc(&b, '}');
        lt_adm_reply(r, 200, &b);
    }
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_tag_types[] = {
    ROUTE(LT_POST, "/api/admin/tag-types/validate", api_tag_type_validate, LT_AUTHENTICATED,
          LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/tag-types", api_tag_types_list, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/tag-types", api_tag_type_write, LT_PERM("CREATE_TAG_TYPE"),
          LT_JSON_OBJECT, .op = TT_CREATE),
    ROUTE(LT_GET, "/api/admin/tag-types/:name", api_tag_type_get, LT_AUTHENTICATED),
    ROUTE(LT_PUT, "/api/admin/tag-types/:name", api_tag_type_write, LT_PERM("UPDATE_TAG_TYPE"),
          LT_JSON_OBJECT, .op = TT_UPDATE),
    ROUTE(LT_DELETE, "/api/admin/tag-types/:name", api_tag_type_write, LT_PERM("DELETE_TAG_TYPE"),
          .op = TT_DELETE),
    {0},
};
