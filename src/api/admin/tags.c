/*
 * tags.c: the admin API for the tags of a flag: list, add one, add and remove several, remove
 * one; tags on several flags at once (a project's flags; one tag off every flag); and the tags
 * over every flag (GET /api/admin/tags, by type, one), with the tags created on no flag
 * (POST /api/admin/tags). The tag types they
 * name are tag_types.c's.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

#define BAD(...) lt_write_fail(w, 400, "ValidationError", __VA_ARGS__)
#define NOT_FOUND(...) lt_write_fail(w, 404, "NotFoundError", __VA_ARGS__)

static int tags_write(lt_store_t *s, lt_adm_wctx_t *c, const lt_dataset_t *d, const lt_feature_t *f,
                      const lt_tag_t *add, size_t n_add, const lt_tag_t *rem, size_t n_rem,
                      const char *type, const char *data)
{
    size_t cap = d->n_tags + n_add + 1, n = 0;
    lt_tag_t *all = lt_arena_calloc(c->a, cap, sizeof(*all));
    for (size_t i = 0; i < d->n_tags; i++) {
        const lt_tag_t *t = &d->tags[i];
        if (strcmp(t->feature, f->name) != 0)
            continue;
        bool drop = false;
        for (size_t k = 0; k < n_rem && !drop; k++)
            drop = strcmp(rem[k].type, t->type) == 0 && strcmp(rem[k].value, t->value) == 0;
        if (!drop)
            all[n++] = *t;
    }
    for (size_t k = 0; k < n_add; k++) {
        bool have = false;
        for (size_t i = 0; i < n && !have; i++)
            have = strcmp(all[i].type, add[k].type) == 0 && strcmp(all[i].value, add[k].value) == 0;
        if (!have)
            all[n++] = add[k];
    }
    lt_event_t ev = lt_admin_event(&c->who, type);
    ev.project = f->project;
    ev.feature_name = f->name;
    if (strcmp(type, "feature-untagged") == 0)
        ev.pre_data = data;
    else
        ev.data = data;
    /* the reply: {version, tags} as they will be */
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"tags\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_buf_puts(&b, "{\"value\":");
        lt_json_cstr(&b, all[i].value);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, all[i].type);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    c->reply = lt_adm_buf_arena(c->a, &b);
    return lt_store_feature_tags_put(s, f->name, all, n, &ev);
}

static char *tag_json(lt_arena_t *a, const lt_tag_t *t)
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"value\":");
    lt_json_cstr(&b, t->value);
    lt_buf_puts(&b, ",\"type\":");
    lt_json_cstr(&b, t->type);
    lt_buf_putc(&b, '}');
    return lt_adm_buf_arena(a, &b);
}

static bool has_tag(const lt_dataset_t *d, const char *feature, const lt_tag_t *t)
{
    for (size_t i = 0; i < d->n_tags; i++)
        if (strcmp(d->tags[i].feature, feature) == 0 && strcmp(d->tags[i].type, t->type) == 0 &&
            strcmp(d->tags[i].value, t->value) == 0)
            return true;
    return false;
}

static int do_tag_add(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *f = lt_dataset_feature(d, c->feature);
    if (!f)
        return NOT_FOUND("Could not find feature flag with name %s", c->feature);
    cJSON *one = cJSON_CreateArray();
    cJSON_AddItemToArray(one, cJSON_Duplicate(c->body, true));
    lt_tag_t *t;
    size_t n;
    int rc = lt_adm_parse_tags(c, d, one, f->name, &t, &n, w);
    cJSON_Delete(one);
    if (rc != LT_OK)
        return LT_EINVAL;
    /* a tag the flag already has: 201 and its event, as Unleash answers (the tag kept once) */
    rc = tags_write(s, c, d, f, t, 1, NULL, 0, "feature-tagged", tag_json(c->a, t));
    c->reply = tag_json(c->a, t);
    return rc;
}

static int do_tags_update(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *f = lt_dataset_feature(d, c->feature);
    if (!f)
        return NOT_FOUND("Could not find feature flag with name %s", c->feature);
    lt_tag_t *add, *rem;
    size_t n_add, n_rem;
    if (lt_adm_parse_tags(c, d, cJSON_GetObjectItemCaseSensitive(c->body, "addedTags"), f->name,
                          &add, &n_add, w) != LT_OK ||
        lt_adm_parse_tags(c, d, cJSON_GetObjectItemCaseSensitive(c->body, "removedTags"), f->name,
                          &rem, &n_rem, w) != LT_OK)
        return LT_EINVAL;
    char *data = cJSON_PrintUnformatted(c->body);
    char *txt = lt_arena_strdup(c->a, data ? data : "{}");
    cJSON_free(data);
    return tags_write(s, c, d, f, add, n_add, rem, n_rem,
                      n_add ? "feature-tagged" : "feature-untagged", txt);
}

static int do_tag_remove(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_feature_t *f = lt_dataset_feature(d, c->feature);
    if (!f)
        return NOT_FOUND("Could not find feature flag with name %s", c->feature);
    lt_tag_t t = {f->name, c->env /* type */, c->strategy /* value */};
    if (!has_tag(d, f->name, &t))
        return LT_OK; /* as Unleash: removing a tag that is not there is fine */
    int rc = tags_write(s, c, d, f, NULL, 0, &t, 1, "feature-untagged", tag_json(c->a, &t));
    c->reply = NULL;
    return rc;
}

static void api_tags_get(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *name = lt_adm_param(p, "featureName");
    if (!lt_dataset_feature(d, name)) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find feature flag with name %s", name);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"tags\":");
    lt_adm_write_tags(&b, d, name);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

LT_ADM_WRITE(api_tag_add, do_tag_add, 201, .reply = NULL)
LT_ADM_WRITE(api_tags_put, do_tags_update, 200, .reply = NULL)

static void api_tag_delete(lt_req_t *r, const lt_params_t *p)
{
    /* the tag's type and value ride in env and strategy */
    lt_adm_wctx_t c = {.env = lt_adm_param(p, "type"), .strategy = lt_adm_param(p, "value")};
    lt_adm_run_write(r, p, do_tag_remove, 200, &c);
}

/* ---------- tags across flags: several flags' tags in one transaction ---------- */

/* DELETE /api/admin/tags/:type/:value: the tag gone, created on its own or off every flag
 * that has it, with one tag-deleted event (none when it is nowhere). */
static int do_tag_delete_everywhere(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const lt_tag_t gone = {NULL, c->env, c->strategy}; /* type and value ride there */
    const char **features = lt_arena_calloc(c->a, d->n_tags + 1, sizeof(*features));
    size_t n_features = 0;
    for (size_t i = 0; i < d->n_tags; i++)
        if (strcmp(d->tags[i].type, gone.type) == 0 && strcmp(d->tags[i].value, gone.value) == 0)
            lt_adm_set_add(features, &n_features, d->tags[i].feature);
    bool created = false;
    for (size_t i = 0; i < d->n_created_tags && !created; i++)
        created = strcmp(d->created_tags[i].type, gone.type) == 0 &&
                  strcmp(d->created_tags[i].value, gone.value) == 0;
    if (!n_features && !created)
        return LT_OK;
    lt_tag_t *keep = lt_arena_calloc(c->a, d->n_tags + 1, sizeof(*keep));
    size_t n_keep = 0;
    for (size_t i = 0; i < d->n_tags; i++) {
        const lt_tag_t *t = &d->tags[i];
        bool touched = false;
        for (size_t k = 0; k < n_features && !touched; k++)
            touched = strcmp(features[k], t->feature) == 0;
        if (touched && !(strcmp(t->type, gone.type) == 0 && strcmp(t->value, gone.value) == 0))
            keep[n_keep++] = *t;
    }
    lt_event_t ev = lt_admin_event(&c->who, "tag-deleted");
    ev.pre_data = tag_json(c->a, &gone);
    return lt_store_tag_delete(s, &gone, features, n_features, keep, n_keep, &ev);
}

/* POST /api/admin/tags {type?, value}: a tag on no flag, with a tag-created event; 409 when
 * the tag exists (created, or on a flag), as Unleash. The value is trimmed first. */
static int do_tag_create(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    const cJSON *value = cJSON_GetObjectItemCaseSensitive(c->body, "value");
    if (!cJSON_IsString(value))
        return lt_write_bad_body(w, "/body/value", LT_ADM_REQUIRED, "value");
    cJSON *one = cJSON_CreateArray();
    cJSON *copy = cJSON_Duplicate(c->body, true);
    cJSON_AddItemToArray(one, copy);
    const char *v = value->valuestring, *end = v + strlen(v);
    while (*v == ' ' || *v == '\t' || *v == '\n' || *v == '\r')
        v++;
    while (end > v && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r'))
        end--;
    cJSON_ReplaceItemInObjectCaseSensitive(
        copy, "value", cJSON_CreateString(lt_arena_strndup(c->a, v, (size_t)(end - v))));
    lt_tag_t *t;
    size_t n;
    int rc = lt_adm_parse_tags(c, d, one, NULL, &t, &n, w);
    cJSON_Delete(one);
    if (rc != LT_OK)
        return LT_EINVAL;
    bool exists = false;
    for (size_t i = 0; i < d->n_tags && !exists; i++)
        exists = strcmp(d->tags[i].type, t->type) == 0 && strcmp(d->tags[i].value, t->value) == 0;
    if (exists)
        return lt_write_fail(w, 409, "NameExistsError", "A tag of type %s and value %s already exists",
                             t->type, t->value);
    lt_event_t ev = lt_admin_event(&c->who, "tag-created");
    ev.data = tag_json(c->a, t);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b, "{\"version\":1,\"tag\":%s}", ev.data);
    c->reply = lt_adm_buf_arena(c->a, &b);
    rc = lt_store_tag_create(s, t, &ev);
    if (rc == LT_EINVAL)
        return lt_write_fail(w, 409, "NameExistsError", "A tag of type %s and value %s already exists",
                             t->type, t->value);
    return rc;
}

LT_ADM_WRITE(api_tag_create, do_tag_create, 201, .reply = NULL)

static void api_tag_delete_everywhere(lt_req_t *r, const lt_params_t *p)
{
    lt_adm_wctx_t c = {.env = lt_adm_param(p, "type"), .strategy = lt_adm_param(p, "value")};
    lt_adm_run_write(r, p, do_tag_delete_everywhere, 200, &c);
}

/* The tags list at key of the body's "tags" object (absent: none), in c->a. */
static int body_tags(lt_adm_wctx_t *c, const lt_dataset_t *d, const char *key, lt_tag_t **out,
                     size_t *n, lt_write_t *w)
{
    const cJSON *tags = cJSON_GetObjectItemCaseSensitive(c->body, "tags");
    if (!cJSON_IsObject(tags))
        return BAD("\"tags\" must be an object with addedTags and removedTags");
    return lt_adm_parse_tags(c, d, cJSON_GetObjectItemCaseSensitive(tags, key), NULL, out, n, w);
}

/* PUT /api/admin/projects/:projectId/tags {features, tags: {addedTags, removedTags}}: on every
 * flag named (live, in the project) add and remove those tags (a tag in both is removed), one
 * feature-tagged or feature-untagged event per flag and tag that changes; one transaction. */
static int do_project_tags(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    if (!lt_dataset_project(d, c->project))
        return NOT_FOUND("Could not find project with id %s", c->project);
    const char **names;
    size_t n, n_add, n_rem;
    lt_tag_t *add, *rem;
    if (lt_adm_name_list(c, "features", &names, &n, w) != LT_OK ||
        body_tags(c, d, "addedTags", &add, &n_add, w) != LT_OK ||
        body_tags(c, d, "removedTags", &rem, &n_rem, w) != LT_OK)
        return LT_EINVAL;
    size_t cap = d->n_tags + n * n_add + 1, n_all = 0, n_evs = 0;
    lt_tag_t *all = lt_arena_calloc(c->a, cap, sizeof(*all));
    lt_event_t *evs = lt_arena_calloc(c->a, n * (n_add + n_rem) + 1, sizeof(*evs));
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *f = lt_dataset_feature(d, names[i]);
        if (!f || f->archived || strcmp(f->project, c->project) != 0)
            return NOT_FOUND("Could not find feature flag with name %s in project %s", names[i],
                             c->project);
        for (size_t k = 0; k < d->n_tags; k++) {
            const lt_tag_t *t = &d->tags[k];
            if (strcmp(t->feature, f->name) != 0)
                continue;
            bool drop = false;
            for (size_t q = 0; q < n_rem && !drop; q++)
                drop = strcmp(rem[q].type, t->type) == 0 && strcmp(rem[q].value, t->value) == 0;
            if (!drop) {
                all[n_all++] = *t;
                continue;
            }
            evs[n_evs] = lt_admin_event(&c->who, "feature-untagged");
            evs[n_evs].project = f->project;
            evs[n_evs].feature_name = f->name;
            evs[n_evs++].pre_data = tag_json(c->a, t);
        }
        for (size_t q = 0; q < n_add; q++) {
            lt_tag_t t = {f->name, add[q].type, add[q].value};
            if (has_tag(d, f->name, &t))
                continue;
            bool dup = false; /* removed as well (removal wins), or named twice */
            for (size_t k = 0; k < n_rem && !dup; k++)
                dup = strcmp(rem[k].type, t.type) == 0 && strcmp(rem[k].value, t.value) == 0;
            for (size_t k = 0; k < n_all && !dup; k++)
                dup = strcmp(all[k].feature, t.feature) == 0 && strcmp(all[k].type, t.type) == 0 &&
                      strcmp(all[k].value, t.value) == 0;
            if (dup)
                continue;
            all[n_all++] = t;
            evs[n_evs] = lt_admin_event(&c->who, "feature-tagged");
            evs[n_evs].project = f->project;
            evs[n_evs].feature_name = f->name;
            evs[n_evs++].data = tag_json(c->a, &t);
        }
    }
    if (!n_evs)
        return LT_OK; /* nothing changes */
    return lt_store_tags_replace(s, names, n, all, n_all, evs, n_evs);
}

LT_ADM_WRITE(api_project_tags, do_project_tags, 200, .reply = NULL)

/* ---------- tags across flags: GET /api/admin/tags[/:type[/:value]] ---------- */

/* The distinct tags, created on their own or on any flag, of type
 * (NULL: any) and value (NULL: any), sorted by type then value, in the request's arena; *n
 * gets how many. */
static int tag_cmp(const void *pa, const void *pb)
{
    const lt_tag_t *a = *(const lt_tag_t *const *)pa, *b = *(const lt_tag_t *const *)pb;
    int c = strcmp(a->type, b->type);
    return c ? c : strcmp(a->value, b->value);
}

static const lt_tag_t **distinct_tags(lt_req_t *r, const lt_dataset_t *d, const char *type,
                                      const char *value, size_t *n)
{
    size_t cap = d->n_tags + d->n_created_tags + 1, k = 0;
    const lt_tag_t **all = lt_arena_calloc(lt_req_arena(r), cap, sizeof(*all));
    for (size_t i = 0; i < d->n_tags + d->n_created_tags; i++) {
        const lt_tag_t *t = i < d->n_tags ? &d->tags[i] : &d->created_tags[i - d->n_tags];
        if ((!type || strcmp(t->type, type) == 0) && (!value || strcmp(t->value, value) == 0))
            all[k++] = t;
    }
    qsort(all, k, sizeof(*all), tag_cmp);
    *n = 0;
    for (size_t i = 0; i < k; i++) /* the same tag on several flags: once */
        if (!*n || tag_cmp(&all[*n - 1], &all[i]) != 0)
            all[(*n)++] = all[i];
    return all;
}

static void write_tag(lt_buf_t *b, const lt_tag_t *t)
{
    lt_buf_puts(b, "{\"value\":");
    lt_json_cstr(b, t->value);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, t->type);
    lt_buf_putc(b, '}');
}

/* GET /api/admin/tags and /tags/:type: {version, tags}; /tags/:type/:value: {version, tag}
 * or 404. */
static void api_tags_all(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *type = lt_adm_param(p, "type");
    const char *value = lt_adm_param(p, "value");
    size_t n;
    const lt_tag_t **tags = distinct_tags(r, d, type, value, &n);
    if (value && !n) {
        lt_reply_error(r, 404, "NotFoundError", "No tag with type %s and value %s.", type, value);
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (value) {
        lt_buf_puts(&b, "{\"version\":1,\"tag\":");
        write_tag(&b, tags[0]);
    } else {
        lt_buf_puts(&b, "{\"version\":1,\"tags\":[");
        for (size_t i = 0; i < n; i++) {
            if (i)
                lt_buf_putc(&b, ',');
            write_tag(&b, tags[i]);
        }
        lt_buf_putc(&b, ']');
    }
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_tags[] = {
    ROUTE(LT_GET, "/api/admin/tags", api_tags_all, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/tags", api_tag_create, LT_PERM("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/tags/:type", api_tags_all, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/tags/:type/:value", api_tags_all, LT_AUTHENTICATED),
    ROUTE(LT_DELETE, "/api/admin/tags/:type/:value", api_tag_delete_everywhere,
          LT_PERM("UPDATE_FEATURE")),
    ROUTE(LT_PUT, "/api/admin/projects/:projectId/tags", api_project_tags,
          LT_ADM_PROJ("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_GET, "/api/admin/features/:featureName/tags", api_tags_get, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/features/:featureName/tags", api_tag_add,
          LT_ADM_OF_FLAG("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_PUT, "/api/admin/features/:featureName/tags", api_tags_put,
          LT_ADM_OF_FLAG("UPDATE_FEATURE"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/features/:featureName/tags/:type/:value", api_tag_delete,
          LT_ADM_OF_FLAG("UPDATE_FEATURE")),
    {0},
};
