/*
 * applications.c: the admin API of what SDKs reported: applications (one, its overview, those
 * of a project) and their instances (per environment),
 * and per-flag usage (the last hour and seen applications; raw hourly buckets), read from
 * the store after the in-memory aggregation is flushed.
 */
#include "admin_int.h"

#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "../../model/model_json.h"
#include "../usage.h"

#define HOUR_MS 3600000LL

/* ---------- applications and usage ---------- */

/* Registrations as stored, after writing what is aggregated in memory. NULL on error. */
static lt_app_row_t *load_apps(lt_arena_t *a, size_t *n)
{
    lt_usage_flush();
    lt_app_row_t *rows = NULL;
    *n = 0;
    lt_store_t *store = lt_state_store(); /* a read: no need to wait behind writes */
    int rc = store ? lt_store_usage_apps(store, a, &rows, n) : LT_ERR;
    return rc == LT_OK ? rows : NULL;
}

static lt_metric_row_t *load_usage(lt_arena_t *a, const char *feature, int64_t since, size_t *n)
{
    lt_metric_row_t *rows = NULL;
    *n = 0;
    lt_store_t *store = lt_state_store();
    int rc = store ? lt_store_usage_feature(store, a, feature, since, &rows, n) : LT_ERR;
    return rc == LT_OK ? rows : NULL;
}

/* The union of the strategies lists of rows[i..j) (JSON list texts). */
static void write_app_strategies(lt_buf_t *b, lt_arena_t *a, const lt_app_row_t *rows, size_t i,
                                 size_t j)
{
    size_t cap = 1;
    cJSON **parsed = lt_arena_calloc(a, j - i + 1, sizeof(*parsed));
    for (size_t k = i; k < j; k++) {
        parsed[k - i] = rows[k].strategies ? cJSON_Parse(rows[k].strategies) : NULL;
        cap += (size_t)cJSON_GetArraySize(parsed[k - i]);
    }
    const char **names = lt_arena_calloc(a, cap, sizeof(*names));
    size_t n = 0;
    for (size_t k = 0; k < j - i; k++) {
        const cJSON *it;
        cJSON_ArrayForEach(it, parsed[k])
        {
            if (cJSON_IsString(it))
                lt_adm_set_add(names, &n, lt_arena_strdup(a, it->valuestring));
        }
        cJSON_Delete(parsed[k]);
    }
    lt_buf_putc(b, '[');
    for (size_t k = 0; k < n; k++) {
        if (k)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, names[k]);
    }
    lt_buf_putc(b, ']');
}

/* ,"description",... of an application's metadata: the fields set. */
static void write_app_meta(lt_buf_t *b, const lt_app_meta_t *m)
{
    const char *const keys[] = {"description", "url", "color", "icon"};
    const char *const vals[] = {m ? m->description : NULL, m ? m->url : NULL,
                                m ? m->color : NULL, m ? m->icon : NULL};
    for (size_t k = 0; k < LT_ARRAY_LEN(keys); k++)
        if (vals[k]) {
            lt_buf_printf(b, ",\"%s\":", keys[k]);
            lt_json_cstr(b, vals[k]);
        }
}

static void api_applications(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    size_t n;
    lt_app_row_t *rows = load_apps(a, &n);
    if (!rows) {
        lt_reply_error(r, 500, "InternalError", "The applications could not be read.");
        return;
    }
    /* the registered applications and those with only metadata, by name */
    const char **names = lt_arena_calloc(a, n + d->n_app_meta + 1, sizeof(*names));
    size_t n_names = 0;
    for (size_t i = 0; i < n; i++)
        if (i == 0 || strcmp(rows[i].app_name, rows[i - 1].app_name) != 0)
            names[n_names++] = rows[i].app_name;
    for (size_t i = 0; i < d->n_app_meta; i++)
        lt_adm_set_add(names, &n_names, d->app_meta[i].app_name);
    lt_adm_sort_names(names, n_names);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"applications\":[");
    /* rows are ordered by application, environment, instance */
    for (size_t t = 0, i = 0; t < n_names; t++) {
        while (i < n && strcmp(rows[i].app_name, names[t]) < 0)
            i++;
        size_t j = i;
        while (j < n && strcmp(rows[j].app_name, names[t]) == 0)
            j++;
        if (t)
            lt_buf_putc(&b, ',');
        lt_buf_puts(&b, "{\"appName\":");
        lt_json_cstr(&b, names[t]);
        const char *sdk = NULL;
        int64_t seen = 0;
        for (size_t k = i; k < j; k++)
            if (rows[k].sdk_version && rows[k].seen_at >= seen) {
                sdk = rows[k].sdk_version;
                seen = rows[k].seen_at;
            }
        if (sdk) {
            lt_buf_puts(&b, ",\"sdkVersion\":");
            lt_json_cstr(&b, sdk);
        }
        write_app_meta(&b, lt_dataset_app_meta(d, names[t]));
        lt_buf_puts(&b, ",\"strategies\":");
        write_app_strategies(&b, a, rows, i, j);
        /* the project of a registration is not kept: one usage entry for all projects */
        lt_buf_puts(&b, i < j ? ",\"usage\":[{\"project\":\"*\",\"environments\":[" : ",\"usage\":[");
        for (size_t k = i; k < j; k++)
            if (k == i || strcmp(rows[k].environment, rows[k - 1].environment) != 0) {
                if (k != i)
                    lt_buf_putc(&b, ',');
                lt_json_cstr(&b, rows[k].environment);
            }
        lt_buf_puts(&b, i < j ? "]}]}" : "]}");
        i = j;
    }
    lt_buf_printf(&b, "],\"total\":%zu}", n_names);
    lt_adm_reply(r, 200, &b);
}

/* The registrations of application app: rows[*i..*j) of the stored ones (sorted by name),
 * or NULL after a 404. */
static lt_app_row_t *app_rows(lt_req_t *r, const char *app, size_t *i, size_t *j)
{
    size_t n;
    lt_app_row_t *rows = load_apps(lt_req_arena(r), &n);
    *i = 0;
    while (rows && *i < n && strcmp(rows[*i].app_name, app) != 0)
        (*i)++;
    *j = *i;
    while (rows && *j < n && strcmp(rows[*j].app_name, app) == 0)
        (*j)++;
    /* an application with metadata only has no registrations: rows[*i..*j) is empty */
    if (!rows || (*i == n && !lt_dataset_app_meta(&lt_req_snapshot(r)->data, app))) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find application with appName %s", app);
        return NULL;
    }
    return rows;
}

/* Did application app evaluate flag name since the epoch ms since? */
static bool app_saw(lt_arena_t *a, const char *app, const char *name, int64_t since)
{
    size_t nm;
    lt_metric_row_t *m = load_usage(a, name, since, &nm);
    for (size_t k = 0; m && k < nm; k++)
        if (strcmp(m[k].app_name, app) == 0)
            return true;
    return false;
}

static void api_application(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *app = lt_adm_param(pp, "appName");
    size_t i, j;
    lt_app_row_t *rows = app_rows(r, app, &i, &j);
    if (!rows)
        return;
    int64_t created = 0;
    for (size_t k = i; k < j; k++)
        if (!created || (rows[k].started_at && rows[k].started_at < created))
            created = rows[k].started_at;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"appName\":");
    lt_json_cstr(&b, app);
    lt_buf_puts(&b, ",\"createdAt\":");
    const lt_app_meta_t *meta = lt_dataset_app_meta(d, app);
    lt_json_time(&b, created ? created : meta ? meta->created_at : 0);
    write_app_meta(&b, meta);
    lt_buf_puts(&b, ",\"strategies\":");
    /* each strategy the app announced, as the definition, or {name, notFound} */
    lt_buf_t names;
    lt_buf_init(&names, 0);
    write_app_strategies(&names, a, rows, i, j);
    cJSON *list = lt_json_parse(names.ptr, names.len);
    lt_buf_dispose(&names);
    lt_buf_putc(&b, '[');
    const cJSON *it;
    bool first = true;
    cJSON_ArrayForEach(it, list)
    {
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        if (!lt_adm_write_strategy_def_named(&b, d, it->valuestring)) {
            lt_buf_puts(&b, "{\"name\":");
            lt_json_cstr(&b, it->valuestring);
            lt_buf_puts(&b, ",\"notFound\":true}");
        }
    }
    cJSON_Delete(list);
    lt_buf_puts(&b, "],\"instances\":[");
    for (size_t k = i; k < j; k++) {
        lt_buf_puts(&b, k == i ? "{\"appName\":" : ",{\"appName\":");
        lt_json_cstr(&b, app);
        lt_buf_puts(&b, ",\"instanceId\":");
        lt_json_cstr(&b, rows[k].instance_id);
        lt_buf_puts(&b, ",\"sdkVersion\":");
        lt_json_cstr_or_null(&b, rows[k].sdk_version);
        lt_buf_puts(&b, ",\"sdkType\":");
        lt_json_cstr_or_null(&b, rows[k].sdk_type);
        lt_buf_puts(&b, ",\"environment\":");
        lt_json_cstr(&b, rows[k].environment);
        lt_buf_puts(&b, ",\"lastSeen\":");
        lt_json_time(&b, rows[k].seen_at);
        lt_buf_puts(&b, ",\"createdAt\":");
        lt_json_time(&b, rows[k].started_at);
        lt_buf_putc(&b, '}');
    }
    /* flags the application evaluated in the last 24 hours */
    lt_buf_puts(&b, "],\"seenToggles\":[");
    int64_t since = lt_now_ms() - 24 * HOUR_MS;
    first = true;
    for (size_t f = 0; f < d->n_features; f++) {
        if (!app_saw(a, app, d->features[f].name, since))
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        const lt_feature_t *ft = &d->features[f];
        lt_buf_puts(&b, "{\"name\":");
        lt_json_cstr(&b, ft->name);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, ft->type);
        lt_buf_puts(&b, ",\"project\":");
        lt_json_cstr(&b, ft->project);
        lt_buf_puts(&b, ",\"description\":");
        lt_json_cstr_or_null(&b, ft->description);
        lt_buf_puts(&b, ",\"stale\":");
        lt_json_bool(&b, ft->stale);
        lt_buf_puts(&b, ",\"archived\":");
        lt_json_bool(&b, ft->archived);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "],\"links\":{\"self\":");
    char self[300];
    snprintf(self, sizeof(self), "/api/applications/%s", app);
    lt_json_cstr(&b, self);
    lt_buf_puts(&b, "}}");
    lt_adm_reply(r, 200, &b);
}

/* Per-flag usage summed over instances: one entry per (environment, application, hour). */
typedef struct {
    const char *env, *app;
    int64_t hour, yes, no;
    const lt_metric_row_t **rows; /* the instances' rows, for variants */
    size_t n_rows;
} usage_sum_t;

static usage_sum_t *sum_usage(lt_arena_t *a, const lt_metric_row_t *m, size_t n, size_t *out_n)
{
    usage_sum_t *s = lt_arena_calloc(a, n + 1, sizeof(*s));
    *out_n = 0;
    for (size_t i = 0; i < n; i++) {
        usage_sum_t *e = NULL;
        for (size_t k = 0; k < *out_n && !e; k++)
            if (s[k].hour == m[i].hour && strcmp(s[k].env, m[i].environment) == 0 &&
                strcmp(s[k].app, m[i].app_name) == 0)
                e = &s[k];
        if (!e) {
            e = &s[(*out_n)++];
            e->env = m[i].environment;
            e->app = m[i].app_name;
            e->hour = m[i].hour;
            e->rows = lt_arena_calloc(a, n, sizeof(*e->rows));
        }
        e->yes += m[i].yes;
        e->no += m[i].no;
        e->rows[e->n_rows++] = &m[i];
    }
    return s;
}

static void write_variants_sum(lt_buf_t *b, lt_arena_t *a, const usage_sum_t *s)
{
    size_t cap = 1;
    for (size_t i = 0; i < s->n_rows; i++)
        cap += s->rows[i]->n_variants;
    const char **names = lt_arena_calloc(a, cap, sizeof(*names));
    int64_t *counts = lt_arena_calloc(a, cap, sizeof(*counts));
    size_t n = 0;
    for (size_t i = 0; i < s->n_rows; i++)
        for (size_t v = 0; v < s->rows[i]->n_variants; v++) {
            size_t k = 0;
            while (k < n && strcmp(names[k], s->rows[i]->variant_names[v]) != 0)
                k++;
            if (k == n)
                names[n++] = s->rows[i]->variant_names[v];
            counts[k] += s->rows[i]->variant_counts[v];
        }
    if (!n)
        return;
    lt_buf_puts(b, ",\"variants\":{");
    for (size_t k = 0; k < n; k++) {
        if (k)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, names[k]);
        lt_buf_printf(b, ":%lld", (long long)counts[k]);
    }
    lt_buf_putc(b, '}');
}

static void api_feature_usage(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const char *name = lt_adm_param(pp, "name");
    lt_usage_flush();
    int64_t now = lt_now_ms();
    size_t n, ns;
    lt_metric_row_t *m = load_usage(a, name, now - 24 * HOUR_MS, &n);
    if (!m) {
        lt_reply_error(r, 500, "InternalError", "The usage could not be read.");
        return;
    }
    usage_sum_t *s = sum_usage(a, m, n, &ns);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"maturity\":\"stable\",\"featureName\":");
    lt_json_cstr(&b, name);
    /* the last hour, summed per environment */
    lt_buf_puts(&b, ",\"lastHourUsage\":[");
    const char **envs = lt_arena_calloc(a, ns + 1, sizeof(*envs));
    size_t ne = 0;
    for (size_t i = 0; i < ns; i++)
        if (s[i].hour >= now - HOUR_MS)
            lt_adm_set_add(envs, &ne, s[i].env);
    for (size_t e = 0; e < ne; e++) {
        int64_t yes = 0, no = 0, hour = 0;
        for (size_t i = 0; i < ns; i++)
            if (s[i].hour >= now - HOUR_MS && strcmp(s[i].env, envs[e]) == 0) {
                yes += s[i].yes;
                no += s[i].no;
                if (!hour || s[i].hour < hour)
                    hour = s[i].hour;
            }
        lt_buf_puts(&b, e ? ",{\"environment\":" : "{\"environment\":");
        lt_json_cstr(&b, envs[e]);
        lt_buf_puts(&b, ",\"timestamp\":");
        lt_json_time(&b, hour);
        lt_buf_printf(&b, ",\"yes\":%lld,\"no\":%lld}", (long long)yes, (long long)no);
    }
    /* applications seen in the last 24 hours, by name */
    lt_buf_puts(&b, "],\"seenApplications\":[");
    const char **apps = lt_arena_calloc(a, ns + 1, sizeof(*apps));
    size_t na = 0;
    for (size_t i = 0; i < ns; i++)
        lt_adm_set_add(apps, &na, s[i].app);
    lt_adm_sort_names(apps, na);
    for (size_t i = 0; i < na; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, apps[i]);
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static void api_feature_usage_raw(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const char *name = lt_adm_param(pp, "name");
    int64_t hours = 24;
    if (!lt_admin_query_int(r, "hoursBack", &hours) || hours < 1 || hours > 48)
        hours = 24; /* out of range or not a number: the default, as Unleash */
    lt_usage_flush();
    int64_t now = lt_now_ms(), this_hour = now - now % HOUR_MS;
    size_t n, ns;
    lt_metric_row_t *m = load_usage(a, name, now - hours * HOUR_MS, &n);
    if (!m) {
        lt_reply_error(r, 500, "InternalError", "The usage could not be read.");
        return;
    }
    usage_sum_t *s = sum_usage(a, m, n, &ns);
    /* every (environment, application) gets every hour bucket, zero when nothing came */
    const char **envs = lt_arena_calloc(a, ns + 1, sizeof(*envs));
    const char **apps = lt_arena_calloc(a, ns + 1, sizeof(*apps));
    size_t ne = 0, na = 0;
    for (size_t i = 0; i < ns; i++) {
        lt_adm_set_add(envs, &ne, s[i].env);
        if (na < 100)
            lt_adm_set_add(apps, &na, s[i].app);
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"version\":1,\"maturity\":\"stable\",\"data\":[");
    bool first = true;
    for (int64_t h = hours - 1; h >= 0; h--) {
        int64_t hour = this_hour - h * HOUR_MS;
        for (size_t e = 0; e < ne; e++)
            for (size_t k = 0; k < na; k++) {
                const usage_sum_t *found = NULL;
                for (size_t i = 0; i < ns && !found; i++)
                    if (s[i].hour == hour && strcmp(s[i].env, envs[e]) == 0 &&
                        strcmp(s[i].app, apps[k]) == 0)
                        found = &s[i];
                lt_buf_puts(&b, first ? "{\"featureName\":" : ",{\"featureName\":");
                first = false;
                lt_json_cstr(&b, name);
                lt_buf_puts(&b, ",\"appName\":");
                lt_json_cstr(&b, apps[k]);
                lt_buf_puts(&b, ",\"environment\":");
                lt_json_cstr(&b, envs[e]);
                lt_buf_puts(&b, ",\"timestamp\":");
                lt_json_time(&b, hour);
                lt_buf_printf(&b, ",\"yes\":%lld,\"no\":%lld", (long long)(found ? found->yes : 0),
                              (long long)(found ? found->no : 0));
                if (found)
                    write_variants_sum(&b, a, found);
                lt_buf_putc(&b, '}');
            }
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

/* GET /api/admin/metrics/applications/:appName/overview: the projects and number of the flags
 * it evaluated in the last 24 hours, and per environment its instances, SDK versions and last
 * sighting. */
static void api_application_overview(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *app = lt_adm_param(pp, "appName");
    size_t i, j;
    lt_app_row_t *rows = app_rows(r, app, &i, &j);
    if (!rows)
        return;
    int64_t since = lt_now_ms() - 24 * HOUR_MS;
    const char **projects = lt_arena_calloc(a, d->n_features + 1, sizeof(*projects));
    size_t n_projects = 0, n_flags = 0;
    for (size_t f = 0; f < d->n_features; f++)
        if (app_saw(a, app, d->features[f].name, since)) {
            n_flags++;
            lt_adm_set_add(projects, &n_projects, d->features[f].project);
        }
    lt_adm_sort_names(projects, n_projects);
    const char **envs = lt_arena_calloc(a, j - i + 1, sizeof(*envs));
    size_t n_envs = 0;
    for (size_t k = i; k < j; k++)
        lt_adm_set_add(envs, &n_envs, rows[k].environment);
    lt_adm_sort_names(envs, n_envs);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"projects\":[");
    for (size_t k = 0; k < n_projects; k++) {
        if (k)
            lt_buf_putc(&b, ',');
        lt_json_cstr(&b, projects[k]);
    }
    lt_buf_printf(&b, "],\"featureCount\":%zu,\"environments\":[", n_flags);
    for (size_t e = 0; e < n_envs; e++) {
        const char **sdks = lt_arena_calloc(a, j - i + 1, sizeof(*sdks));
        size_t n_sdks = 0, n_inst = 0;
        int64_t last = 0;
        for (size_t k = i; k < j; k++) {
            if (strcmp(rows[k].environment, envs[e]) != 0)
                continue;
            n_inst++;
            if (rows[k].sdk_version)
                lt_adm_set_add(sdks, &n_sdks, rows[k].sdk_version);
            if (rows[k].seen_at > last)
                last = rows[k].seen_at;
        }
        lt_adm_sort_names(sdks, n_sdks);
        lt_buf_puts(&b, e ? ",{\"name\":" : "{\"name\":");
        lt_json_cstr(&b, envs[e]);
        lt_buf_printf(&b, ",\"instanceCount\":%zu,\"sdks\":[", n_inst);
        for (size_t k = 0; k < n_sdks; k++) {
            if (k)
                lt_buf_putc(&b, ',');
            lt_json_cstr(&b, sdks[k]);
        }
        lt_buf_puts(&b, "],\"lastSeen\":");
        lt_json_time(&b, last);
        lt_buf_puts(&b, ",\"issues\":{\"missingFeatures\":[],\"outdatedSdks\":[]}}");
    }
    lt_buf_puts(&b, "],\"issues\":{\"missingStrategies\":[]}}");
    lt_adm_reply(r, 200, &b);
}

/* GET /api/admin/metrics/instances/:appName/environment/:environment: {instances}. */
static void api_application_instances(lt_req_t *r, const lt_params_t *pp)
{
    const char *app = lt_adm_param(pp, "appName");
    const char *env = lt_adm_param(pp, "environment");
    size_t i, j;
    lt_app_row_t *rows = app_rows(r, app, &i, &j);
    if (!rows)
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"instances\":[");
    bool first = true;
    for (size_t k = i; k < j; k++) {
        if (strcmp(rows[k].environment, env) != 0)
            continue;
        lt_buf_puts(&b, first ? "{\"instanceId\":" : ",{\"instanceId\":");
        first = false;
        lt_json_cstr(&b, rows[k].instance_id);
        lt_buf_puts(&b, ",\"sdkVersion\":");
        lt_json_cstr_or_null(&b, rows[k].sdk_version);
        lt_buf_puts(&b, ",\"lastSeen\":");
        lt_json_time(&b, rows[k].seen_at);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

/* GET /api/admin/projects/:projectId/applications: the applications that evaluated the
 * project's flags in the last 24 hours, with the environments and instances they did it from
 * and their SDKs (from their registrations, "name:version" split at the last colon). */
/* Every usage row of the last 24 hours of project's live flags, in a; their count in *out_n. */
static const lt_metric_row_t **project_usage(lt_arena_t *a, const lt_dataset_t *d,
                                             const char *project, size_t *out_n)
{
    int64_t since = lt_now_ms() - 24 * HOUR_MS;
    size_t cap = 64, n = 0;
    const lt_metric_row_t **seen = lt_arena_calloc(a, cap, sizeof(*seen));
    for (size_t f = 0; f < d->n_features; f++) {
        if (d->features[f].archived || strcmp(d->features[f].project, project) != 0)
            continue;
        size_t nm;
        lt_metric_row_t *m = load_usage(a, d->features[f].name, since, &nm);
        for (size_t k = 0; m && k < nm; k++) {
            if (n == cap) {
                const lt_metric_row_t **grown = lt_arena_calloc(a, cap * 2, sizeof(*grown));
                memcpy(grown, seen, n * sizeof(*seen));
                seen = grown;
                cap *= 2;
            }
            seen[n++] = &m[k];
        }
    }
    *out_n = n;
    return seen;
}

/* The usage rows of the path's project (project_usage) and the distinct applications in them,
 * sorted; false after a 404 when there is no such project. */
static bool project_apps(lt_req_t *r, const lt_params_t *pp, const lt_metric_row_t ***seen,
                         size_t *n, const char ***apps, size_t *n_apps)
{
    lt_arena_t *a = lt_req_arena(r);
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *project = lt_adm_param(pp, "projectId");
    if (!lt_dataset_project(d, project)) {
        lt_reply_error(r, 404, "NotFoundError", "Could not find project with id %s", project);
        return false;
    }
    *seen = project_usage(a, d, project, n);
    *apps = lt_arena_calloc(a, *n + 1, sizeof(**apps));
    *n_apps = 0;
    for (size_t k = 0; k < *n; k++)
        lt_adm_set_add(*apps, n_apps, (*seen)[k]->app_name);
    lt_adm_sort_names(*apps, *n_apps);
    return true;
}

static void api_project_applications(lt_req_t *r, const lt_params_t *pp)
{
    lt_arena_t *a = lt_req_arena(r);
    const lt_metric_row_t **seen;
    const char **apps;
    size_t n, n_apps;
    if (!project_apps(r, pp, &seen, &n, &apps, &n_apps))
        return;
    size_t n_regs;
    lt_app_row_t *regs = load_apps(a, &n_regs);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"applications\":[");
    const char **set = lt_arena_calloc(a, n + n_regs + 1, sizeof(*set));
    for (size_t i = 0; i < n_apps; i++) {
        lt_buf_puts(&b, i ? ",{\"name\":" : "{\"name\":");
        lt_json_cstr(&b, apps[i]);
        for (int part = 0; part < 2; part++) { /* environments, then instances */
            size_t ns = 0;
            for (size_t k = 0; k < n; k++)
                if (strcmp(seen[k]->app_name, apps[i]) == 0)
                    lt_adm_set_add(set, &ns, part ? seen[k]->instance_id : seen[k]->environment);
            lt_adm_sort_names(set, ns);
            lt_buf_puts(&b, part ? ",\"instances\":[" : ",\"environments\":[");
            for (size_t k = 0; k < ns; k++) {
                if (k)
                    lt_buf_putc(&b, ',');
                lt_json_cstr(&b, set[k]);
            }
            lt_buf_putc(&b, ']');
        }
        /* SDK names, each with its versions */
        size_t n_sdk = 0;
        for (size_t k = 0; regs && k < n_regs; k++)
            if (strcmp(regs[k].app_name, apps[i]) == 0 && regs[k].sdk_version)
                lt_adm_set_add(set, &n_sdk, regs[k].sdk_version);
        lt_adm_sort_names(set, n_sdk);
        lt_buf_puts(&b, ",\"sdks\":[");
        const char *open_name = NULL;
        size_t open_len = 0;
        for (size_t k = 0; k < n_sdk; k++) {
            const char *colon = strrchr(set[k], ':');
            size_t nl = colon ? (size_t)(colon - set[k]) : strlen(set[k]);
            if (!open_name || nl != open_len || memcmp(open_name, set[k], nl) != 0) {
                lt_buf_puts(&b, open_name ? "]},{\"name\":" : "{\"name\":");
                lt_json_str(&b, set[k], nl);
                lt_buf_puts(&b, ",\"versions\":[");
                open_name = set[k];
                open_len = nl;
            } else {
                lt_buf_putc(&b, ',');
            }
            lt_json_cstr(&b, colon ? colon + 1 : "");
        }
        if (open_name)
            lt_buf_puts(&b, "]}");
        lt_buf_puts(&b, "]}");
    }
    lt_buf_printf(&b, "],\"total\":%zu}", n_apps);
    lt_adm_reply(r, 200, &b);
}

/* ---------- GET /api/admin/metrics/unknown-flags ---------- */

/* Unleash's shape: per flag its last sighting and, per application, the environments. */
static void write_unknown(void *ctx, const lt_usage_unknown_t *u, size_t n)
{
    lt_buf_t *b = ctx;
    lt_buf_puts(b, "{\"unknownFlags\":[");
    for (size_t i = 0; i < n;) {
        size_t end = i, k;
        int64_t last = 0;
        while (end < n && strcmp(u[end].flag, u[i].flag) == 0) {
            last = u[end].seen_at > last ? u[end].seen_at : last;
            end++;
        }
        lt_buf_puts(b, i ? ",{\"name\":" : "{\"name\":");
        lt_json_cstr(b, u[i].flag);
        lt_buf_puts(b, ",\"lastSeenAt\":");
        lt_json_time(b, last);
        lt_buf_puts(b, ",\"reports\":[");
        for (size_t a = i; a < end; a = k) {
            lt_buf_puts(b, a > i ? ",{\"appName\":" : "{\"appName\":");
            lt_json_cstr(b, u[a].app);
            lt_buf_puts(b, ",\"environments\":[");
            for (k = a; k < end && strcmp(u[k].app, u[a].app) == 0; k++) {
                lt_buf_puts(b, k > a ? ",{\"environment\":" : "{\"environment\":");
                lt_json_cstr(b, u[k].env);
                lt_buf_puts(b, ",\"seenAt\":");
                lt_json_time(b, u[k].seen_at);
                lt_buf_putc(b, '}');
            }
            lt_buf_puts(b, "]}");
        }
        lt_buf_puts(b, "]}");
        i = end;
    }
    lt_buf_puts(b, "]}");
}

static void api_unknown_flags(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_usage_unknown_list(write_unknown, &b);
    lt_adm_reply(r, 200, &b);
}

/* ---------- an application's metadata, deleting one ---------- */

typedef struct {
    const lt_principal_t *who;
    lt_arena_t *a;
    const char *app;
    const cJSON *body; /* NULL: delete */
} app_write_t;

static int do_app_write(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    app_write_t *c = w->ctx;
    const lt_app_meta_t *prev = lt_dataset_app_meta(&snap->data, c->app);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"appName\":");
    lt_json_cstr(&b, c->app);
    if (!c->body) {
        write_app_meta(&b, prev);
        lt_buf_putc(&b, '}');
        lt_event_t ev = lt_admin_event(c->who, "application-deleted");
        ev.pre_data = lt_adm_buf_arena(c->a, &b);
        return lt_store_app_delete(s, c->app, &ev);
    }
    lt_app_meta_t m = {.app_name = c->app, .created_at = prev ? prev->created_at : 0};
    const char **fields[] = {&m.description, &m.url, &m.color, &m.icon};
    const char *const keys[] = {"description", "url", "color", "icon"};
    for (size_t k = 0; k < LT_ARRAY_LEN(keys); k++) {
        bool bad = false;
        const char *v = lt_adm_opt_str(c->body, keys[k], LT_ADM_MAX_FIELD, &bad);
        if (bad) {
            lt_buf_dispose(&b);
            return lt_write_fail(w, 400, "ValidationError",
                                 "\"%s\" must be a string of at most %d bytes.", keys[k],
                                 LT_ADM_MAX_FIELD);
        }
        *fields[k] = v ? lt_arena_strdup(c->a, v) : NULL;
    }
    write_app_meta(&b, &m);
    lt_buf_putc(&b, '}');
    lt_event_t ev = lt_admin_event(c->who, prev ? "application-updated" : "application-created");
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_app_meta_put(s, &m, &ev);
}

/* POST (decl->op 0: 202, the metadata set) and DELETE (op 1: 200, registrations and metadata
 * gone; what is counted in memory is written first, so it does not bring them back). */
static void api_application_write(lt_req_t *r, const lt_params_t *pp)
{
    lt_adm_ctx_t *ac = lt_adm_ctx(r);
    bool del = ac->decl->op == 1;
    const char *app = lt_adm_param(pp, "appName");
    if (!lt_adm_name_valid(app, 1, LT_ADM_MAX_FIELD)) {
        lt_reply_error(r, 400, "ValidationError", "\"appName\" must be URL friendly");
        return;
    }
    if (del)
        lt_usage_flush();
    app_write_t c = {&ac->who, lt_req_arena(r), app, del ? NULL : ac->body};
    lt_write_t w = {.ctx = &c};
    if (lt_admin_write(r, do_app_write, &w) == LT_OK)
        lt_reply_empty(r, del ? 200 : 202);
}

/* ---------- outdated SDKs ---------- */

/* The oldest SDK versions Unleash 8.2.0 does not call outdated (the table of its
 * findOutdatedSdks.js, by the names SDKs register with before and after their rename). */
static const char *const sdk_minimums[][2] = {
    {"unleash-client-node", "5.3.2"},   {"unleash-client-nextjs", "1.6.2"},
    {"unleash-client-java", "9.2.0"},   {"unleash-client-go", "4.1.0"},
    {"unleash-client-python", "5.11.0"}, {"unleash-client-ruby", "5.0.0"},
    {"unleash-client-dotnet", "4.1.3"}, {"unleash-client-php", "2.3.0"},
    {"unleash-node-sdk", "6.6.0"},      {"unleash-nextjs-sdk", "1.6.2"},
    {"unleash-java-sdk", "11.0.2"},     {"unleash-go-sdk", "5.0.3"},
    {"unleash-python-sdk", "6.3.0"},    {"unleash-ruby-sdk", "6.3.1"},
    {"unleash-dotnet-sdk", "5.3.0"},    {"unleash-php-sdk", "2.9.1"},
};

/* Is "name:version" a known SDK older than its minimum (a pre-release of it too)? */
static bool sdk_outdated(const char *sdk)
{
    const char *colon = sdk ? strchr(sdk, ':') : NULL;
    if (!colon)
        return false;
    const char *ver = colon + 1;
    size_t vlen = strcspn(ver, ":"); /* "name:1.2.3" has no second colon; be strict */
    int64_t have[3], min[3];
    for (size_t i = 0; i < LT_ARRAY_LEN(sdk_minimums); i++) {
        if (strlen(sdk_minimums[i][0]) != (size_t)(colon - sdk) ||
            strncmp(sdk, sdk_minimums[i][0], (size_t)(colon - sdk)) != 0)
            continue;
        if (ver[vlen] || lt_semver_core(ver, vlen, have) != LT_OK ||
            lt_semver_core(sdk_minimums[i][1], strlen(sdk_minimums[i][1]), min) != LT_OK)
            return false;
        for (int k = 0; k < 3; k++)
            if (have[k] != min[k])
                return have[k] < min[k];
        return strcspn(ver, "-+") < vlen && ver[strcspn(ver, "-+")] == '-';
    }
    return false;
}

/* Is name in apps (NULL: every name is)? */
static bool among(const char **apps, size_t n_apps, const char *name)
{
    for (size_t k = 0; apps && k < n_apps; k++)
        if (strcmp(apps[k], name) == 0)
            return true;
    return !apps;
}

/* {"sdks": [{sdkVersion, applications}]}: the outdated SDK versions among the registrations
 * (of the apps in apps, when not NULL), each with the applications using it, sorted. */
static void reply_outdated(lt_req_t *r, const char **apps, size_t n_apps)
{
    lt_arena_t *a = lt_req_arena(r);
    size_t n_regs;
    lt_app_row_t *regs = load_apps(a, &n_regs);
    if (!regs) {
        lt_reply_error(r, 500, "InternalError", "The registrations could not be read.");
        return;
    }
    const char **versions = lt_arena_calloc(a, n_regs + 1, sizeof(*versions));
    const char **names = lt_arena_calloc(a, n_regs + 1, sizeof(*names));
    size_t nv = 0;
    for (size_t i = 0; i < n_regs; i++) {
        if (among(apps, n_apps, regs[i].app_name) && sdk_outdated(regs[i].sdk_version))
            lt_adm_set_add(versions, &nv, regs[i].sdk_version);
    }
    lt_adm_sort_names(versions, nv);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"sdks\":[");
    for (size_t v = 0; v < nv; v++) {
        size_t nn = 0;
        for (size_t i = 0; i < n_regs; i++)
            if (regs[i].sdk_version && strcmp(regs[i].sdk_version, versions[v]) == 0)
                lt_adm_set_add(names, &nn, regs[i].app_name);
        lt_adm_sort_names(names, nn);
        lt_buf_puts(&b, v ? ",{\"sdkVersion\":" : "{\"sdkVersion\":");
        lt_json_cstr(&b, versions[v]);
        lt_buf_puts(&b, ",\"applications\":[");
        for (size_t k = 0, w = 0; k < nn; k++) {
            if (!among(apps, n_apps, names[k]))
                continue;
            if (w++)
                lt_buf_putc(&b, ',');
            lt_json_cstr(&b, names[k]);
        }
        lt_buf_puts(&b, "]}");
    }
    lt_buf_puts(&b, "]}");
    lt_adm_reply(r, 200, &b);
}

static void api_outdated_sdks(lt_req_t *r, const lt_params_t *pp)
{
    LT_UNUSED(pp);
    reply_outdated(r, NULL, 0);
}

/* A project's: the applications that evaluated its flags in the last 24 hours. */
static void api_project_outdated_sdks(lt_req_t *r, const lt_params_t *pp)
{
    const lt_metric_row_t **seen;
    const char **apps;
    size_t n, n_apps;
    if (project_apps(r, pp, &seen, &n, &apps, &n_apps))
        reply_outdated(r, apps, n_apps);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_applications[] = {
    ROUTE(LT_GET, "/api/admin/metrics/unknown-flags", api_unknown_flags, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/metrics/applications", api_applications, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/metrics/sdks/outdated", api_outdated_sdks, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/sdks/outdated", api_project_outdated_sdks,
          LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/metrics/applications/:appName", api_application, LT_AUTHENTICATED),
    ROUTE(LT_POST, "/api/admin/metrics/applications/:appName", api_application_write,
          LT_PERM("UPDATE_APPLICATION"), LT_JSON_OBJECT),
    ROUTE(LT_DELETE, "/api/admin/metrics/applications/:appName", api_application_write,
          LT_PERM("UPDATE_APPLICATION"), .op = 1),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/applications", api_project_applications,
          LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/metrics/applications/:appName/overview", api_application_overview,
          LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/metrics/instances/:appName/environment/:environment",
          api_application_instances, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/client-metrics/features/:name", api_feature_usage, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/client-metrics/features/:name/raw", api_feature_usage_raw,
          LT_AUTHENTICATED),
    {0},
};
