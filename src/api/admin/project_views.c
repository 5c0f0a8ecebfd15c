/*
 * project_views.c: the read-only views of one project that Unleash's admin UI shows on a
 * project's page: GET .../overview (the project, its environments, stats and flag-type
 * counts), .../health-report (the same with its flags and stale counts), .../insights and
 * .../dora (the lead time to production, from the lifecycle stages),
 * .../status (resources, health, stale flags) and .../flag-creators (from the feature-created
 * events); and the caller's personal dashboard (their projects, the flags they created, one
 * project's latest events). From the request's snapshot, but creators and events, read from the
 * store's event log.
 */
#include <stdio.h>
#include <stdlib.h>

#include "../../base/util.h"
#include "admin_int.h"
#include "../api.h"

/* The project the path names, or NULL after Unleash's 404. */
static const lt_project_t *path_project(lt_req_t *r, const lt_dataset_t *d, const lt_params_t *p)
{
    const char *id = lt_adm_param(p, "projectId");
    const lt_project_t *proj = lt_dataset_project(d, id);
    if (!proj)
        lt_reply_error(r, 404, "NotFoundError", "Could not find project with id %s", id);
    return proj;
}

typedef struct {
    size_t live, archived, stale, potentially_stale;
} flag_counts_t;

static flag_counts_t count_flags(const lt_dataset_t *d, const char *project)
{
    flag_counts_t c = {0};
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (strcmp(f->project, project) != 0)
            continue;
        if (f->archived) {
            c.archived++;
        } else {
            c.live++;
            c.stale += f->stale;
        }
    }
    return c;
}

/* Unleash's health rating: the share of live flags that are not stale, in percent (100 for a
 * project without flags). */
static int project_health(const flag_counts_t *c)
{
    if (!c->live)
        return 100;
    return (int)(((c->live - c->stale) * 100 + c->live / 2) / c->live);
}

int lt_adm_project_health(const lt_dataset_t *d, const char *project)
{
    flag_counts_t c = count_flags(d, project);
    return project_health(&c);
}

static size_t project_members(const lt_dataset_t *d, const char *project)
{
    int64_t *ids = lt_xcalloc(d->n_bindings + 1, sizeof(*ids));
    size_t n = 0;
    for (size_t i = 0; i < d->n_bindings; i++) {
        if (strcmp(d->bindings[i].project, project) != 0)
            continue;
        bool dup = false;
        for (size_t k = 0; k < n && !dup; k++)
            dup = ids[k] == d->bindings[i].user_id;
        if (!dup)
            ids[n++] = d->bindings[i].user_id;
    }
    free(ids);
    return n;
}

/* [{type, count}]: the flag types of the project's live flags, in order of first appearance. */
static void write_type_counts(lt_buf_t *b, const lt_dataset_t *d, const char *project)
{
    lt_buf_putc(b, '[');
    const char **types = lt_xcalloc(d->n_features + 1, sizeof(*types));
    size_t n_types = 0;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (!f->archived && strcmp(f->project, project) == 0)
            lt_adm_set_add(types, &n_types, f->type ? f->type : "release");
    }
    for (size_t t = 0; t < n_types; t++) {
        size_t n = 0;
        for (size_t i = 0; i < d->n_features; i++) {
            const lt_feature_t *f = &d->features[i];
            n += !f->archived && strcmp(f->project, project) == 0 &&
                 strcmp(f->type ? f->type : "release", types[t]) == 0;
        }
        lt_buf_puts(b, t ? ",{\"type\":" : "{\"type\":");
        lt_json_cstr(b, types[t]);
        lt_buf_printf(b, ",\"count\":%zu}", n);
    }
    free(types);
    lt_buf_putc(b, ']');
}

/* Unleash's project stats over time windows: latch keeps no such history (all 0). */
#define PROJECT_STATS_NONE                                                                         \
    "{\"avgTimeToProdCurrentWindow\":0,\"createdCurrentWindow\":0,\"createdPastWindow\":0,"        \
    "\"archivedCurrentWindow\":0,\"archivedPastWindow\":0,\"projectActivityCurrentWindow\":0,"     \
    "\"projectActivityPastWindow\":0,\"projectMembersAddedCurrentWindow\":0}"

/* The overview's members, the object left open for what a caller adds. */
static void write_overview(lt_buf_t *b, const lt_dataset_t *d, const lt_project_t *proj,
                           const flag_counts_t *c)
{
    bool first = true;
    lt_buf_putc(b, '{');
    lt_json_key(b, &first, "version");
    lt_json_i64(b, 1);
    lt_json_key(b, &first, "name");
    lt_json_cstr(b, proj->name ? proj->name : proj->id);
    lt_json_key(b, &first, "description");
    lt_json_cstr_or_null(b, proj->description);
    lt_json_key(b, &first, "defaultStickiness");
    lt_json_cstr(b, "default");
    lt_json_key(b, &first, "mode");
    lt_json_cstr(b, proj->mode ? proj->mode : "open");
    lt_json_key(b, &first, "featureLimit");
    lt_buf_puts(b, "null");
    lt_json_key(b, &first, "featureNaming");
    lt_buf_puts(b, "{\"pattern\":null,\"example\":null,\"description\":null}");
    lt_json_key(b, &first, "members");
    lt_json_i64(b, (int64_t)project_members(d, proj->id));
    lt_json_key(b, &first, "health");
    lt_json_i64(b, project_health(c));
    lt_json_key(b, &first, "technicalDebt");
    lt_json_i64(b, 100 - project_health(c));
    lt_json_key(b, &first, "environments");
    lt_buf_putc(b, '[');
    bool any = false;
    for (size_t i = 0; i < d->n_envs; i++) {
        if (!lt_dataset_project_has_env(d, proj->id, d->envs[i].name))
            continue;
        lt_buf_puts(b, any ? ",{\"environment\":" : "{\"environment\":");
        lt_json_cstr(b, d->envs[i].name);
        lt_adm_write_env_default(b, d, proj->id, d->envs[i].name);
        lt_buf_putc(b, '}');
        any = true;
    }
    lt_buf_putc(b, ']');
    /* the flag types of its live flags, in order of first appearance */
    lt_json_key(b, &first, "featureTypeCounts");
    write_type_counts(b, d, proj->id);
    lt_json_key(b, &first, "stats");
    lt_buf_puts(b, PROJECT_STATS_NONE);
    lt_json_key(b, &first, "createdAt");
    lt_json_time(b, proj->created_at);
    lt_json_key(b, &first, "updatedAt");
    lt_buf_puts(b, "null");
    lt_json_key(b, &first, "archivedAt");
    lt_buf_puts(b, "null");
    lt_json_key(b, &first, "favorite");
    lt_json_bool(b, lt_dataset_favorite(d->fav_projects, d->n_fav_projects, lt_adm_viewer(),
                                        proj->id));
    lt_json_key(b, &first, "onboardingStatus");
    lt_buf_puts(b, c->live || c->archived ? "{\"status\":\"onboarded\"}"
                                          : "{\"status\":\"onboarding-started\"}");
}

static void overview(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_project_t *proj = path_project(r, d, p);
    if (!proj)
        return;
    flag_counts_t c = count_flags(d, proj->id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_overview(&b, d, proj, &c);
    lt_buf_putc(&b, '}');
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/*
 * Unleash's DORA lead time of a project, {projectAverage, features[{name, timeToProduction}]}:
 * for each release flag of the project (archived ones too) that went live, the whole days from
 * its initial stage (its creation when it has none) to its first live stage; the average of
 * those rounded to one decimal, 0.1 when that is 0, 0 when no flag went live (as Unleash).
 */
static void write_dora(lt_buf_t *b, const lt_dataset_t *d, const char *project)
{
    int64_t sum = 0;
    size_t n = 0;
    lt_buf_puts(b, "{\"features\":[");
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (strcmp(f->project, project) != 0 || !f->type || strcmp(f->type, "release") != 0)
            continue;
        size_t start;
        size_t ns = lt_dataset_stages(d, f->name, &start);
        int64_t created = f->created_at, live = 0;
        for (size_t k = 0; k < ns && !live; k++) {
            const lt_stage_t *st = &d->stages[start + k];
            if (strcmp(st->stage, "initial") == 0)
                created = st->entered_at;
            else if (strcmp(st->stage, "live") == 0)
                live = st->entered_at;
        }
        if (!live || !created || live <= created)
            continue;
        int64_t days = (live - created) / 86400000;
        lt_buf_printf(b, "%s{\"name\":", n ? "," : "");
        lt_json_cstr(b, f->name);
        lt_buf_printf(b, ",\"timeToProduction\":%lld}", (long long)days);
        sum += days;
        n++;
    }
    /* Number(avg.toFixed(1)) || 0.1 */
    long long tenths = n ? (long long)(((double)sum / (double)n) * 10.0 + 0.5) : 0;
    if (n && tenths == 0)
        tenths = 1;
    if (tenths % 10 == 0)
        lt_buf_printf(b, "],\"projectAverage\":%lld}", tenths / 10);
    else
        lt_buf_printf(b, "],\"projectAverage\":%lld.%lld}", tenths / 10, tenths % 10);
}

/* GET .../dora: the project's DORA lead time (write_dora); Unleash deprecates it for the
 * insights' leadTime, which is the same. */
static void dora(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_project_t *proj = path_project(r, d, p);
    if (!proj)
        return;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_dora(&b, d, proj->id);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* GET .../insights: stats, health, flag types, lead time (DORA) and members; the members'
 * change over a month needs history latch does not keep (0). */
static void insights(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_project_t *proj = path_project(r, d, p);
    if (!proj)
        return;
    flag_counts_t c = count_flags(d, proj->id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"stats\":" PROJECT_STATS_NONE);
    lt_buf_printf(&b,
                  ",\"health\":{\"rating\":%d,\"activeCount\":%zu,\"potentiallyStaleCount\":0,"
                  "\"staleCount\":%zu},\"leadTime\":",
                  project_health(&c), c.live - c.stale, c.stale);
    write_dora(&b, d, proj->id);
    lt_buf_puts(&b, ",\"featureTypeCounts\":");
    write_type_counts(&b, d, proj->id);
    lt_buf_printf(&b, ",\"members\":{\"currentMembers\":%zu,\"change\":0}}",
                  project_members(d, proj->id));
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* GET .../health-report: the overview with the live flags and the counts health comes from
 * (latch marks no flag potentially stale: it keeps no lifetime clock per flag yet). */
static void health_report(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_project_t *proj = path_project(r, d, p);
    if (!proj)
        return;
    flag_counts_t c = count_flags(d, proj->id);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    write_overview(&b, d, proj, &c);
    lt_buf_printf(&b, ",\"activeCount\":%zu,\"staleCount\":%zu,\"potentiallyStaleCount\":0",
                  c.live - c.stale, c.stale);
    lt_buf_puts(&b, ",\"features\":[");
    bool any = false;
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived || strcmp(f->project, proj->id) != 0)
            continue;
        if (any)
            lt_buf_putc(&b, ',');
        lt_adm_write_feature_summary(&b, d, f);
        any = true;
    }
    lt_buf_puts(&b, "]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

static void status(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_project_t *proj = path_project(r, d, p);
    if (!proj)
        return;
    flag_counts_t c = count_flags(d, proj->id);
    size_t tokens = 0, segments = 0;
    for (size_t i = 0; i < d->n_tokens; i++)
        for (size_t k = 0; k < d->tokens[i].n_projects; k++)
            tokens += strcmp(d->tokens[i].projects[k], proj->id) == 0;
    for (size_t i = 0; i < d->n_segments; i++)
        segments += d->segments[i].project && strcmp(d->segments[i].project, proj->id) == 0;
    int health = project_health(&c);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_printf(&b,
                  "{\"activityCountByDate\":[],"
                  "\"resources\":{\"members\":%zu,\"apiTokens\":%zu,\"segments\":%zu},"
                  "\"health\":{\"current\":%d},\"technicalDebt\":{\"current\":%d},"
                  "\"lifecycleSummary\":{\"initial\":{\"averageDays\":null,\"currentFlags\":0},"
                  "\"preLive\":{\"averageDays\":null,\"currentFlags\":0},"
                  "\"live\":{\"averageDays\":null,\"currentFlags\":%zu},"
                  "\"completed\":{\"averageDays\":null,\"currentFlags\":0},"
                  "\"archived\":{\"currentFlags\":%zu,\"last30Days\":0}},"
                  "\"staleFlags\":{\"total\":%zu}}",
                  project_members(d, proj->id), tokens, segments, health, 100 - health, c.live,
                  c.archived, c.stale);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* [{id, name}]: who created the project's flags, once each, from its feature-created events
 * (an admin token has no user id: 0). */
/* GET /api/admin/projects/:projectId/flag-creators, and /api/admin/flag-creators (op 1: every
 * project; Unleash's UI reads it for the flags overview's "Created by" filter). */
static void flag_creators(lt_req_t *r, const lt_params_t *p)
{
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const char *project = NULL;
    if (lt_adm_ctx(r)->decl->op != 1) {
        const lt_project_t *proj = path_project(r, d, p);
        if (!proj)
            return;
        project = proj->id;
    }
    lt_arena_t *a = lt_req_arena(r);
    lt_store_t *store = lt_state_store();
    lt_event_row_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    lt_event_filter_t f = {.type = "feature-created", .project = project, .limit = 1000};
    if (!store || lt_store_events_list(store, a, &f, &rows, &n, &total) != LT_OK) {
        lt_reply_error(r, 500, "InternalError", "The events could not be read.");
        return;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_adm_write_creators(&b, a, rows, n);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* ---------- the personal dashboard ---------- */

static const lt_role_t *role_by_id(const lt_dataset_t *d, int64_t id)
{
    for (size_t i = 0; i < d->n_roles; i++)
        if (d->roles[i].id == id)
            return &d->roles[i];
    return NULL;
}

/* [{ownerType, name, email}]: the users holding the Owner role in project. */
void lt_adm_write_owners(lt_buf_t *b, const lt_dataset_t *d, const char *project)
{
    lt_buf_putc(b, '[');
    bool first = true;
    for (size_t i = 0; i < d->n_bindings; i++) {
        const lt_binding_t *bd = &d->bindings[i];
        const lt_role_t *role = role_by_id(d, bd->role_id);
        const lt_user_t *u = lt_access_user(d, bd->user_id);
        if (strcmp(bd->project, project) != 0 || !role || strcmp(role->name, "Owner") != 0 || !u)
            continue;
        lt_buf_puts(b, first ? "{\"ownerType\":\"user\",\"name\":"
                             : ",{\"ownerType\":\"user\",\"name\":");
        first = false;
        lt_json_cstr(b, u->name ? u->name : u->username ? u->username : u->email ? u->email : "");
        lt_buf_puts(b, ",\"email\":");
        lt_json_cstr_or_null(b, u->email);
        lt_buf_puts(b, ",\"imageUrl\":");
        lt_adm_write_image_url(b, u);
        lt_buf_putc(b, '}');
    }
    if (first) /* no owner: Unleash names the system */
        lt_buf_puts(b, "{\"ownerType\":\"system\"}");
    lt_buf_putc(b, ']');
}

/* The user's roles in project, as [{id, name, type}]. */
static void write_user_roles(lt_buf_t *b, const lt_dataset_t *d, const lt_user_t *u,
                             const char *project)
{
    lt_buf_putc(b, '[');
    bool first = true;
    for (size_t i = 0; u && i < d->n_bindings; i++) {
        const lt_binding_t *bd = &d->bindings[i];
        const lt_role_t *role = role_by_id(d, bd->role_id);
        if (bd->user_id != u->id || strcmp(bd->project, project) != 0 || !role)
            continue;
        lt_buf_printf(b, "%s{\"id\":%lld,\"name\":", first ? "" : ",", (long long)role->id);
        first = false;
        lt_json_cstr(b, role->name);
        lt_buf_puts(b, ",\"type\":");
        lt_json_cstr(b, role->type);
        lt_buf_putc(b, '}');
    }
    lt_buf_putc(b, ']');
}

/* GET /api/admin/personal-dashboard: the projects the caller has a role in, the live flags
 * they created (feature-created events with their user id), the instance's admins. */
static void personal_dashboard(lt_req_t *r, const lt_params_t *p)
{
    LT_UNUSED(p);
    const lt_principal_t *who = &lt_adm_ctx(r)->who;
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    lt_arena_t *a = lt_req_arena(r);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"projects\":[");
    bool first = true;
    for (size_t i = 0; who->user && i < d->n_projects; i++) {
        const lt_project_t *proj = &d->projects[i];
        bool member = false;
        for (size_t k = 0; k < d->n_bindings && !member; k++)
            member = d->bindings[k].user_id == who->user->id &&
                     strcmp(d->bindings[k].project, proj->id) == 0;
        if (!member)
            continue;
        flag_counts_t c = count_flags(d, proj->id);
        int health = project_health(&c);
        lt_buf_puts(&b, first ? "{\"id\":" : ",{\"id\":");
        first = false;
        lt_json_cstr(&b, proj->id);
        lt_buf_puts(&b, ",\"name\":");
        lt_json_cstr(&b, proj->name ? proj->name : proj->id);
        lt_buf_printf(&b,
                      ",\"health\":%d,\"technicalDebt\":%d,\"memberCount\":%zu,"
                      "\"featureCount\":%zu,\"owners\":",
                      health, 100 - health, project_members(d, proj->id), c.live);
        lt_adm_write_owners(&b, d, proj->id);
        lt_buf_puts(&b, ",\"roles\":");
        write_user_roles(&b, d, who->user, proj->id);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "],\"flags\":[");
    lt_store_t *store = lt_state_store();
    lt_event_row_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    lt_event_filter_t f = {.type = "feature-created", .limit = 1000};
    if (!who->user || !store || lt_store_events_list(store, a, &f, &rows, &n, &total) != LT_OK)
        n = 0;
    first = true;
    for (size_t i = 0; i < n; i++) {
        const lt_feature_t *ft =
            rows[i].feature_name ? lt_dataset_feature(d, rows[i].feature_name) : NULL;
        if (rows[i].created_by_user_id != who->user->id || !ft || ft->archived)
            continue;
        lt_buf_puts(&b, first ? "{\"name\":" : ",{\"name\":");
        first = false;
        lt_json_cstr(&b, ft->name);
        lt_buf_puts(&b, ",\"type\":");
        lt_json_cstr(&b, ft->type ? ft->type : "release");
        lt_buf_puts(&b, ",\"project\":");
        lt_json_cstr(&b, ft->project);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "],\"admins\":[");
    first = true;
    for (size_t i = 0; i < d->n_users; i++) {
        const lt_user_t *u = &d->users[i];
        const lt_role_t *role = role_by_id(d, u->root_role);
        if (!role || strcmp(role->name, "Admin") != 0)
            continue;
        lt_buf_printf(&b, "%s{\"id\":%lld,\"name\":", first ? "" : ",", (long long)u->id);
        first = false;
        lt_json_cstr_or_null(&b, u->name);
        lt_buf_puts(&b, ",\"username\":");
        lt_json_cstr_or_null(&b, u->username);
        lt_buf_puts(&b, ",\"email\":");
        lt_json_cstr_or_null(&b, u->email);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "],\"projectOwners\":[]}");
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

/* GET /api/admin/personal-dashboard/:projectId: the project's newest events, owners, the
 * caller's roles there and its flag counts. */
static void personal_dashboard_project(lt_req_t *r, const lt_params_t *p)
{
    const lt_principal_t *who = &lt_adm_ctx(r)->who;
    const lt_dataset_t *d = &lt_req_snapshot(r)->data;
    const lt_project_t *proj = path_project(r, d, p);
    if (!proj)
        return;
    lt_store_t *store = lt_state_store();
    lt_event_row_t *rows = NULL;
    size_t n = 0;
    int64_t total = 0;
    lt_event_filter_t f = {.project = proj->id, .limit = 10};
    if (!store || lt_store_events_list(store, lt_req_arena(r), &f, &rows, &n, &total) != LT_OK) {
        lt_reply_error(r, 500, "InternalError", "The events could not be read.");
        return;
    }
    flag_counts_t c = count_flags(d, proj->id);
    int health = project_health(&c);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, "{\"latestEvents\":[");
    for (size_t i = 0; i < n; i++) {
        lt_buf_printf(&b, "%s{\"id\":%lld,\"createdBy\":", i ? "," : "", (long long)rows[i].id);
        lt_json_cstr(&b, rows[i].created_by ? rows[i].created_by : "unknown");
        lt_buf_puts(&b, ",\"summary\":");
        char summary[256];
        snprintf(summary, sizeof(summary), "%s: %s", rows[i].type,
                 rows[i].feature_name ? rows[i].feature_name : proj->id);
        lt_json_cstr(&b, summary);
        lt_buf_puts(&b, ",\"createdByImageUrl\":\"\",\"createdAt\":");
        lt_json_time(&b, rows[i].created_at);
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "],\"onboardingStatus\":");
    lt_buf_puts(&b, c.live || c.archived ? "{\"status\":\"onboarded\"}"
                                         : "{\"status\":\"onboarding-started\"}");
    lt_buf_puts(&b, ",\"owners\":");
    lt_adm_write_owners(&b, d, proj->id);
    lt_buf_puts(&b, ",\"roles\":");
    write_user_roles(&b, d, who->user, proj->id);
    lt_buf_printf(&b,
                  ",\"insights\":{\"avgHealthCurrentWindow\":null,\"avgHealthPastWindow\":null,"
                  "\"totalFlags\":%zu,\"activeFlags\":%zu,\"staleFlags\":%zu,"
                  "\"potentiallyStaleFlags\":0,\"health\":%d}}",
                  c.live, c.live - c.stale, c.stale, health);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_project_views[] = {
    ROUTE(LT_GET, "/api/admin/projects/:projectId/overview", overview, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/status", status, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/health-report", health_report, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/insights", insights, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/dora", dora, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/projects/:projectId/flag-creators", flag_creators, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/flag-creators", flag_creators, LT_AUTHENTICATED, .op = 1),
    ROUTE(LT_GET, "/api/admin/personal-dashboard", personal_dashboard, LT_AUTHENTICATED),
    ROUTE(LT_GET, "/api/admin/personal-dashboard/:projectId", personal_dashboard_project,
          LT_AUTHENTICATED),
    {0},
};
