/*
 * export.c: the latch export document (see export.h): its writer, built on the model writers
 * of model.c so every piece has the same bytes as the store and the client API give it, and
 * its reader, built on model_json.c. Lists the store keeps as JSON text (legal values,
 * strategy parameters) are normalised through cJSON so a round trip gives identical bytes.
 */
#include "export.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>

#include "../base/util.h"
#include "model_json.h"

#define FAIL(m)                                                                                    \
    do {                                                                                           \
        err->msg = (m);                                                                            \
        return LT_EINVAL;                                                                          \
    } while (0)

/* ---------- writer ---------- */

/* A JSON list kept as text, normalised; "[]" when it is missing or not a list. */
static void write_json_list(lt_buf_t *b, const char *text)
{
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    char *out = cJSON_IsArray(j) ? cJSON_PrintUnformatted(j) : NULL;
    lt_buf_puts(b, out ? out : "[]");
    cJSON_free(out);
    cJSON_Delete(j);
}

static void write_strategy(lt_buf_t *b, const lt_strategy_t *s)
{
    lt_buf_puts(b, "{\"id\":");
    lt_json_cstr_or_null(b, s->id);
    lt_buf_puts(b, ",\"name\":");
    lt_json_cstr(b, s->name);
    lt_buf_puts(b, ",\"title\":");
    lt_json_cstr_or_null(b, s->title);
    lt_buf_puts(b, ",\"sortOrder\":");
    lt_json_i64(b, s->sort_order);
    lt_buf_puts(b, ",\"disabled\":");
    lt_json_bool(b, s->disabled);
    lt_buf_puts(b, ",\"constraints\":");
    lt_model_write_constraints(b, s->constraints, s->n_constraints);
    lt_buf_puts(b, ",\"parameters\":");
    lt_model_write_params(b, s->params, s->n_params);
    lt_buf_puts(b, ",\"variants\":");
    lt_model_write_variants(b, s->variants, s->n_variants, false);
    lt_buf_puts(b, ",\"segments\":[");
    for (size_t i = 0; i < s->n_segments; i++)
        lt_buf_printf(b, "%s%lld", i ? "," : "", (long long)s->segments[i]);
    lt_buf_puts(b, "]}");
}

static void write_feature(lt_buf_t *b, const lt_feature_t *f, const lt_tag_t *tags, size_t n_tags)
{
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, f->name);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, f->type ? f->type : "release");
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, f->description);
    lt_buf_puts(b, ",\"project\":");
    lt_json_cstr(b, f->project);
    lt_buf_puts(b, ",\"stale\":");
    lt_json_bool(b, f->stale);
    lt_buf_puts(b, ",\"impressionData\":");
    lt_json_bool(b, f->impression_data);
    lt_buf_puts(b, ",\"archived\":");
    lt_json_bool(b, f->archived);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, f->created_at);
    lt_buf_puts(b, ",\"environments\":[");
    for (size_t e = 0; e < f->n_envs; e++) {
        const lt_feature_env_t *fe = &f->envs[e];
        lt_buf_puts(b, e ? ",{\"name\":" : "{\"name\":");
        lt_json_cstr(b, fe->environment);
        lt_buf_puts(b, ",\"enabled\":");
        lt_json_bool(b, fe->enabled);
        lt_buf_puts(b, ",\"variants\":");
        lt_model_write_variants(b, fe->variants, fe->n_variants, true);
        lt_buf_puts(b, ",\"strategies\":[");
        for (size_t i = 0; i < fe->n_strategies; i++) {
            if (i)
                lt_buf_putc(b, ',');
            write_strategy(b, &fe->strategies[i]);
        }
        lt_buf_puts(b, "]}");
    }
    lt_buf_puts(b, "],\"dependencies\":[");
    for (size_t i = 0; i < f->n_dependencies; i++) {
        const lt_dependency_t *d = &f->dependencies[i];
        lt_buf_puts(b, i ? ",{\"feature\":" : "{\"feature\":");
        lt_json_cstr(b, d->feature);
        lt_buf_puts(b, ",\"enabled\":");
        lt_json_bool(b, d->enabled);
        lt_buf_puts(b, ",\"variants\":[");
        for (size_t k = 0; k < d->n_variants; k++) {
            if (k)
                lt_buf_putc(b, ',');
            lt_json_cstr(b, d->variants[k]);
        }
        lt_buf_puts(b, "]}");
    }
    lt_buf_puts(b, "],\"tags\":[");
    for (size_t i = 0; i < n_tags; i++) {
        lt_buf_puts(b, i ? ",{\"type\":" : "{\"type\":");
        lt_json_cstr(b, tags[i].type);
        lt_buf_puts(b, ",\"value\":");
        lt_json_cstr(b, tags[i].value);
        lt_buf_putc(b, '}');
    }
    lt_buf_puts(b, "]}");
}

/* ---------- one record of each section ---------- */

static void write_project(lt_buf_t *b, const void *elem)
{
    const lt_project_t *p = elem;
    lt_buf_puts(b, "{\"id\":");
    lt_json_cstr(b, p->id);
    lt_buf_puts(b, ",\"name\":");
    lt_json_cstr(b, p->name ? p->name : p->id);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, p->description);
    lt_buf_puts(b, ",\"mode\":");
    lt_json_cstr(b, p->mode ? p->mode : "open");
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, p->created_at);
    lt_buf_putc(b, '}');
}

static void write_env(lt_buf_t *b, const void *elem)
{
    const lt_environment_t *e = elem;
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, e->name);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, e->type ? e->type : "development");
    lt_buf_puts(b, ",\"enabled\":");
    lt_json_bool(b, e->enabled);
    lt_buf_puts(b, ",\"sortOrder\":");
    lt_json_i64(b, e->sort_order);
    lt_buf_putc(b, '}');
}

static void write_project_env(lt_buf_t *b, const void *elem)
{
    const lt_project_env_t *pe = elem;
    lt_buf_puts(b, "{\"project\":");
    lt_json_cstr(b, pe->project);
    lt_buf_puts(b, ",\"environment\":");
    lt_json_cstr(b, pe->environment);
    lt_buf_putc(b, '}');
}

static void write_segment(lt_buf_t *b, const void *elem)
{
    const lt_segment_t *s = elem;
    lt_buf_printf(b, "{\"id\":%lld,\"name\":", (long long)s->id);
    lt_json_cstr(b, s->name ? s->name : "");
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, s->description);
    lt_buf_puts(b, ",\"project\":");
    lt_json_cstr_or_null(b, s->project);
    lt_buf_puts(b, ",\"constraints\":");
    lt_model_write_constraints(b, s->constraints, s->n_constraints);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, s->created_at);
    lt_buf_putc(b, '}');
}

static void write_tag_type(lt_buf_t *b, const void *elem)
{
    const lt_tag_type_t *t = elem;
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, t->name);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, t->description);
    lt_buf_puts(b, ",\"icon\":");
    lt_json_cstr_or_null(b, t->icon);
    lt_buf_puts(b, ",\"color\":");
    lt_json_cstr_or_null(b, t->color);
    lt_buf_putc(b, '}');
}

static void write_context_field(lt_buf_t *b, const void *elem)
{
    const lt_context_field_t *c = elem;
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, c->name);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, c->description);
    lt_buf_puts(b, ",\"stickiness\":");
    lt_json_bool(b, c->stickiness);
    lt_buf_puts(b, ",\"sortOrder\":");
    lt_json_i64(b, c->sort_order);
    lt_buf_puts(b, ",\"legalValues\":");
    write_json_list(b, c->legal_values);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, c->created_at);
    lt_buf_putc(b, '}');
}

static void write_strategy_def(lt_buf_t *b, const void *elem)
{
    const lt_strategy_def_t *s = elem;
    lt_buf_puts(b, "{\"name\":");
    lt_json_cstr(b, s->name);
    lt_buf_puts(b, ",\"title\":");
    lt_json_cstr_or_null(b, s->title);
    lt_buf_puts(b, ",\"description\":");
    lt_json_cstr_or_null(b, s->description);
    lt_buf_puts(b, ",\"parameters\":");
    write_json_list(b, s->parameters);
    lt_buf_puts(b, ",\"deprecated\":");
    lt_json_bool(b, s->deprecated);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, s->created_at);
    lt_buf_putc(b, '}');
}

/* "key":[ then one record a line, then ], */
static void write_section(lt_buf_t *b, const char *key, const void *arr, size_t n, size_t size,
                          void (*write)(lt_buf_t *b, const void *elem))
{
    lt_buf_printf(b, "\n\"%s\":[", key);
    for (size_t i = 0; i < n; i++) {
        lt_buf_puts(b, i ? ",\n" : "\n");
        write(b, (const char *)arr + i * size);
    }
    lt_buf_puts(b, "],");
}

#define SECTION(b, key, arr, n, fn) write_section(b, key, arr, n, sizeof(*(arr)), fn)

void lt_export_write(lt_buf_t *b, const lt_export_doc_t *d)
{
    lt_buf_printf(b, "{\"latchExport\":%d,", LT_EXPORT_VERSION);
    SECTION(b, "projects", d->projects, d->n_projects, write_project);
    SECTION(b, "environments", d->envs, d->n_envs, write_env);
    SECTION(b, "projectEnvironments", d->project_envs, d->n_project_envs, write_project_env);
    SECTION(b, "segments", d->segments, d->n_segments, write_segment);
    SECTION(b, "tagTypes", d->tag_types, d->n_tag_types, write_tag_type);
    SECTION(b, "contextFields", d->context_fields, d->n_context_fields, write_context_field);
    SECTION(b, "strategyDefinitions", d->strategy_defs, d->n_strategy_defs, write_strategy_def);
    lt_buf_puts(b, "\n\"features\":[");
    size_t t = 0;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        /* tags are sorted by feature like the features: walk both together */
        while (t < d->n_tags && strcmp(d->tags[t].feature, f->name) < 0)
            t++;
        size_t t_end = t;
        while (t_end < d->n_tags && strcmp(d->tags[t_end].feature, f->name) == 0)
            t_end++;
        lt_buf_puts(b, i ? ",\n" : "\n");
        write_feature(b, f, d->tags + t, t_end - t);
        t = t_end;
    }
    lt_buf_puts(b, "]}\n");
}

bool lt_export_detect(const char *json, size_t len)
{
    cJSON *root = cJSON_ParseWithLength(json, len);
    bool yes = cJSON_IsObject(root) && cJSON_GetObjectItemCaseSensitive(root, "latchExport");
    cJSON_Delete(root);
    return yes;
}

static const char *str_or_null(lt_arena_t *a, const cJSON *obj, const char *key, bool *ok)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j || cJSON_IsNull(j))
        return NULL;
    if (!cJSON_IsString(j)) {
        *ok = false;
        return NULL;
    }
    return lt_arena_strdup(a, j->valuestring);
}

static bool get_bool(const cJSON *obj, const char *key, bool dflt)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsBool(j) ? cJSON_IsTrue(j) : dflt;
}

static int get_int(const cJSON *obj, const char *key, int dflt)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    return cJSON_IsNumber(j) && j->valuedouble > -1e9 && j->valuedouble < 1e9 ? (int)j->valuedouble
                                                                              : dflt;
}

static int64_t get_time(const cJSON *obj, const char *key, bool *ok)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    int64_t ms = 0;
    if (!j || cJSON_IsNull(j))
        return 0;
    if (!cJSON_IsString(j) || lt_time_parse(j->valuestring, strlen(j->valuestring), &ms) != LT_OK)
        *ok = false;
    return ms;
}

/* A list kept as JSON text: normalised, "[]" when absent. */
static const char *json_list_text(lt_arena_t *a, const cJSON *obj, const char *key, bool *ok)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!j || cJSON_IsNull(j))
        return "[]";
    if (!cJSON_IsArray(j)) {
        *ok = false;
        return "[]";
    }
    char *txt = cJSON_PrintUnformatted(j);
    const char *out = lt_arena_strdup(a, txt ? txt : "[]");
    cJSON_free(txt);
    return out;
}

/* The array under key (an empty one is fine); NULL with an error when it is not a list. */
static const cJSON *list(const cJSON *root, const char *key, size_t *n, bool *ok)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(root, key);
    *n = 0;
    if (!j || cJSON_IsNull(j))
        return NULL;
    if (!cJSON_IsArray(j)) {
        *ok = false;
        return NULL;
    }
    *n = (size_t)cJSON_GetArraySize(j);
    return j;
}

static bool has_project(const lt_export_doc_t *d, const char *id)
{
    for (size_t i = 0; i < d->n_projects; i++)
        if (strcmp(d->projects[i].id, id) == 0)
            return true;
    return false;
}

static bool has_env(const lt_export_doc_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_envs; i++)
        if (strcmp(d->envs[i].name, name) == 0)
            return true;
    return false;
}

static bool has_feature(const lt_export_doc_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_features; i++)
        if (strcmp(d->features[i].name, name) == 0)
            return true;
    return false;
}

static int parse_feature(lt_arena_t *a, const cJSON *j, lt_export_doc_t *d, lt_feature_t *f,
                         lt_tag_t *tags, lt_parse_err_t *err)
{
    bool ok = true;
    memset(f, 0, sizeof(*f));
    if (!cJSON_IsObject(j))
        FAIL("a flag must be an object");
    f->name = str_or_null(a, j, "name", &ok);
    if (!f->name || !f->name[0])
        FAIL("a flag needs a name");
    snprintf(err->where, sizeof(err->where), "%s", f->name);
    f->type = str_or_null(a, j, "type", &ok);
    if (!f->type)
        f->type = "release";
    f->description = str_or_null(a, j, "description", &ok);
    f->project = str_or_null(a, j, "project", &ok);
    f->stale = get_bool(j, "stale", false);
    f->impression_data = get_bool(j, "impressionData", false);
    f->archived = get_bool(j, "archived", false);
    f->created_at = get_time(j, "createdAt", &ok);
    if (!ok)
        FAIL("a flag field has the wrong type");
    if (!f->project || !has_project(d, f->project))
        FAIL("a flag names a project the document does not hold");
    size_t n;
    const cJSON *envs = list(j, "environments", &n, &ok), *it;
    if (!ok)
        FAIL("environments must be a list");
    f->envs = lt_arena_calloc(a, n ? n : 1, sizeof(*f->envs));
    cJSON_ArrayForEach(it, envs)
    {
        lt_feature_env_t *fe = &f->envs[f->n_envs++];
        fe->environment = str_or_null(a, it, "name", &ok);
        if (!ok || !fe->environment || !has_env(d, fe->environment))
            FAIL("a flag names an environment the document does not hold");
        for (size_t k = 0; k + 1 < f->n_envs; k++)
            if (strcmp(f->envs[k].environment, fe->environment) == 0)
                FAIL("a flag lists an environment twice");
        fe->enabled = get_bool(it, "enabled", false);
        if (lt_model_parse_variants(a, cJSON_GetObjectItemCaseSensitive(it, "variants"),
                                    &fe->variants, &fe->n_variants, err) != LT_OK)
            return LT_EINVAL;
        size_t ns;
        const cJSON *strats = list(it, "strategies", &ns, &ok), *s;
        if (!ok)
            FAIL("strategies must be a list");
        fe->strategies = lt_arena_calloc(a, ns ? ns : 1, sizeof(*fe->strategies));
        cJSON_ArrayForEach(s, strats)
        {
            lt_strategy_t *st = &fe->strategies[fe->n_strategies++];
            if (lt_model_parse_strategy(a, s, st, err) != LT_OK)
                return LT_EINVAL;
            for (size_t k = 0; k < st->n_segments; k++)
                if (!lt_segment_find(d->segments, d->n_segments, st->segments[k]))
                    FAIL("a strategy uses a segment the document does not hold");
        }
    }
    if (lt_model_parse_dependencies(a, cJSON_GetObjectItemCaseSensitive(j, "dependencies"),
                                    &f->dependencies, &f->n_dependencies, err) != LT_OK)
        return LT_EINVAL;
    const cJSON *tl = list(j, "tags", &n, &ok);
    if (!ok)
        FAIL("tags must be a list");
    size_t k = 0;
    cJSON_ArrayForEach(it, tl)
    {
        tags[k].feature = f->name;
        tags[k].type = str_or_null(a, it, "type", &ok);
        tags[k].value = str_or_null(a, it, "value", &ok);
        if (!ok || !tags[k].type || !tags[k].value)
            FAIL("a tag needs a type and a value");
        k++;
    }
    d->n_tags += k;
    return LT_OK;
}

static int seg_cmp(const void *pa, const void *pb)
{
    const lt_segment_t *a = pa, *b = pb;
    return a->id < b->id ? -1 : a->id > b->id;
}

/* The version, projects, environments and which environments each project has. */
static int parse_scopes(lt_arena_t *a, const cJSON *root, lt_export_doc_t *d, lt_parse_err_t *err)
{
    bool ok = true;
    const cJSON *ver = cJSON_GetObjectItemCaseSensitive(root, "latchExport"), *it;
    if (!cJSON_IsNumber(ver) || ver->valuedouble != LT_EXPORT_VERSION)
        FAIL("not a latch export document of a version this latch reads");
    size_t n;
    const cJSON *l = list(root, "projects", &n, &ok);
    d->projects = lt_arena_calloc(a, n ? n : 1, sizeof(*d->projects));
    cJSON_ArrayForEach(it, l)
    {
        lt_project_t *p = &d->projects[d->n_projects++];
        p->id = str_or_null(a, it, "id", &ok);
        p->name = str_or_null(a, it, "name", &ok);
        p->description = str_or_null(a, it, "description", &ok);
        p->mode = str_or_null(a, it, "mode", &ok);
        p->created_at = get_time(it, "createdAt", &ok);
        if (!ok || !p->id || !p->id[0])
            FAIL("a project needs an id");
        if (!lt_model_scope_id_ok(p->id))
            FAIL("a project id is 1 to 100 letters, digits, '-', '_' or '~'");
        if (!p->name)
            p->name = p->id;
        if (!p->mode)
            p->mode = "open";
    }
    l = list(root, "environments", &n, &ok);
    d->envs = lt_arena_calloc(a, n ? n : 1, sizeof(*d->envs));
    cJSON_ArrayForEach(it, l)
    {
        lt_environment_t *e = &d->envs[d->n_envs++];
        e->name = str_or_null(a, it, "name", &ok);
        e->type = str_or_null(a, it, "type", &ok);
        e->enabled = get_bool(it, "enabled", true);
        e->sort_order = get_int(it, "sortOrder", 0);
        if (!ok || !e->name || !e->name[0])
            FAIL("an environment needs a name");
        if (!lt_model_scope_id_ok(e->name))
            FAIL("an environment name is 1 to 100 letters, digits, '-', '_' or '~'");
        if (!e->type)
            e->type = "development";
    }
    l = list(root, "projectEnvironments", &n, &ok);
    d->project_envs = lt_arena_calloc(a, n ? n : 1, sizeof(*d->project_envs));
    cJSON_ArrayForEach(it, l)
    {
        lt_project_env_t *pe = &d->project_envs[d->n_project_envs++];
        pe->project = str_or_null(a, it, "project", &ok);
        pe->environment = str_or_null(a, it, "environment", &ok);
        if (!ok || !pe->project || !pe->environment || !has_project(d, pe->project) ||
            !has_env(d, pe->environment))
            FAIL("a project environment names a project or environment the document does not "
                 "hold");
    }
    if (!ok)
        FAIL("a list of the document has the wrong type");
    return LT_OK;
}

/* Segments, tag types, context fields and strategy definitions. */
static int parse_config(lt_arena_t *a, const cJSON *root, lt_export_doc_t *d, lt_parse_err_t *err)
{
    bool ok = true;
    const cJSON *l, *it;
    size_t n;
    l = list(root, "segments", &n, &ok);
    d->segments = lt_arena_calloc(a, n ? n : 1, sizeof(*d->segments));
    cJSON_ArrayForEach(it, l)
    {
        lt_segment_t *s = &d->segments[d->n_segments];
        if (lt_model_parse_segment(a, it, s, err) != LT_OK)
            return LT_EINVAL;
        s->created_at = get_time(it, "createdAt", &ok);
        d->n_segments++;
    }
    qsort(d->segments, d->n_segments, sizeof(*d->segments), seg_cmp);
    for (size_t i = 1; i < d->n_segments; i++)
        if (d->segments[i].id == d->segments[i - 1].id)
            FAIL("two segments share an id");
    l = list(root, "tagTypes", &n, &ok);
    d->tag_types = lt_arena_calloc(a, n ? n : 1, sizeof(*d->tag_types));
    cJSON_ArrayForEach(it, l)
    {
        lt_tag_type_t *t = &d->tag_types[d->n_tag_types++];
        t->name = str_or_null(a, it, "name", &ok);
        t->description = str_or_null(a, it, "description", &ok);
        t->icon = str_or_null(a, it, "icon", &ok);
        t->color = str_or_null(a, it, "color", &ok);
        if (!ok || !t->name || !t->name[0])
            FAIL("a tag type needs a name");
    }
    l = list(root, "contextFields", &n, &ok);
    d->context_fields = lt_arena_calloc(a, n ? n : 1, sizeof(*d->context_fields));
    cJSON_ArrayForEach(it, l)
    {
        lt_context_field_t *c = &d->context_fields[d->n_context_fields++];
        c->name = str_or_null(a, it, "name", &ok);
        c->description = str_or_null(a, it, "description", &ok);
        c->stickiness = get_bool(it, "stickiness", false);
        c->sort_order = get_int(it, "sortOrder", 0);
        c->legal_values = json_list_text(a, it, "legalValues", &ok);
        c->created_at = get_time(it, "createdAt", &ok);
        if (!ok || !c->name || !c->name[0])
            FAIL("a context field needs a name");
    }
    l = list(root, "strategyDefinitions", &n, &ok);
    d->strategy_defs = lt_arena_calloc(a, n ? n : 1, sizeof(*d->strategy_defs));
    cJSON_ArrayForEach(it, l)
    {
        lt_strategy_def_t *s = &d->strategy_defs[d->n_strategy_defs++];
        s->name = str_or_null(a, it, "name", &ok);
        s->title = str_or_null(a, it, "title", &ok);
        s->description = str_or_null(a, it, "description", &ok);
        s->parameters = json_list_text(a, it, "parameters", &ok);
        s->deprecated = get_bool(it, "deprecated", false);
        s->created_at = get_time(it, "createdAt", &ok);
        if (!ok || !s->name || !s->name[0])
            FAIL("a strategy definition needs a name");
    }
    if (!ok)
        FAIL("a list of the document has the wrong type");

    return LT_OK;
}

/* The flags with their tags, then their dependencies checked against the document. */
static int parse_features(lt_arena_t *a, const cJSON *root, lt_export_doc_t *d, lt_parse_err_t *err)
{
    bool ok = true;
    const cJSON *l, *it;
    size_t n;
    l = list(root, "features", &n, &ok);
    if (!ok)
        FAIL("features must be a list");
    d->features = lt_arena_calloc(a, n ? n : 1, sizeof(*d->features));
    size_t n_tags = 0;
    cJSON_ArrayForEach(it, l)
    {
        size_t nt;
        list(it, "tags", &nt, &ok);
        n_tags += nt;
    }
    d->tags = lt_arena_calloc(a, n_tags ? n_tags : 1, sizeof(*d->tags));
    cJSON_ArrayForEach(it, l)
    {
        lt_feature_t *f = &d->features[d->n_features];
        if (parse_feature(a, it, d, f, d->tags + d->n_tags, err) != LT_OK)
            return LT_EINVAL;
        if (has_feature(d, f->name))
            FAIL("two flags share a name");
        d->n_features++;
    }
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        snprintf(err->where, sizeof(err->where), "%s", f->name);
        for (size_t k = 0; k < f->n_dependencies; k++)
            if (!has_feature(d, f->dependencies[k].feature))
                FAIL("a dependency names a flag the document does not hold");
    }
    err->where[0] = '\0';
    return LT_OK;
}

static int parse_doc(lt_arena_t *a, const cJSON *root, lt_export_doc_t *d, lt_parse_err_t *err)
{
    if (parse_scopes(a, root, d, err) != LT_OK || parse_config(a, root, d, err) != LT_OK)
        return LT_EINVAL;
    return parse_features(a, root, d, err);
}

int lt_export_parse(lt_arena_t *a, const char *json, size_t len, lt_export_doc_t *out,
                    lt_parse_err_t *err)
{
    memset(out, 0, sizeof(*out));
    err->where[0] = '\0';
    err->msg = NULL;
    cJSON *root = cJSON_ParseWithLength(json, len);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        FAIL("the document is not a JSON object");
    }
    int rc = parse_doc(a, root, out, err);
    cJSON_Delete(root);
    return rc;
}

void lt_export_doc_from(const lt_dataset_t *d, lt_export_doc_t *out)
{
    *out = (lt_export_doc_t){
        .projects = d->projects,
        .n_projects = d->n_projects,
        .envs = d->envs,
        .n_envs = d->n_envs,
        .project_envs = d->project_envs,
        .n_project_envs = d->n_project_envs,
        .features = d->features,
        .n_features = d->n_features,
        .segments = d->segments,
        .n_segments = d->n_segments,
        .tags = d->tags,
        .n_tags = d->n_tags,
        .tag_types = d->tag_types,
        .n_tag_types = d->n_tag_types,
        .context_fields = d->context_fields,
        .n_context_fields = d->n_context_fields,
        .strategy_defs = d->strategy_defs,
        .n_strategy_defs = d->n_strategy_defs,
    };
}
