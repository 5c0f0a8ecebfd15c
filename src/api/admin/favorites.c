/*
 * favorites.c: each user's favourite projects and flags (Unleash's favorites): POST and DELETE
 * .../projects/:projectId/favorites and .../features/:featureName/favorites, open to any
 * signed-in user (Unleash asks no permission), answered 200 with their *-favorited event. The
 * flag and project JSON show them as favorite for the user asking (lt_adm_viewer), and the flag
 * search puts them first with favoritesFirst=true.
 */
#include <string.h>

#include "admin_int.h"

/* The user a request acts for, or LT_EINVAL with a 400 on w: an admin API token has none. */
static int64_t caller(const lt_adm_wctx_t *c, lt_write_t *w)
{
    if (c->who.user)
        return c->who.user->id;
    lt_write_fail(w, 400, "BadDataError",
                  "Favorites belong to a user: sign in or use a personal access token.");
    return 0;
}

static int do_favorite(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w)
{
    lt_adm_wctx_t *c = w->ctx;
    const lt_dataset_t *d = &snap->data;
    int64_t user = caller(c, w);
    if (!user)
        return LT_EINVAL;
    bool feature = c->feature != NULL;
    const char *type;
    lt_event_t ev;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (feature) {
        if (c->on && !lt_dataset_feature(d, c->feature))
            return lt_write_fail(w, 404, "NotFoundError", "Feature with name %s did not exist",
                                 c->feature);
        type = c->on ? "feature-favorited" : "feature-unfavorited";
        ev = lt_admin_event(&c->who, type);
        ev.feature_name = c->feature;
        const lt_feature_t *f = lt_dataset_feature(d, c->feature);
        ev.project = f ? f->project : c->project;
        lt_buf_puts(&b, "{\"feature\":");
        lt_json_cstr(&b, c->feature);
    } else {
        if (c->on && !lt_dataset_project(d, c->project))
            return lt_write_fail(w, 404, "NotFoundError", "Project with id %s was not found",
                                 c->project);
        type = c->on ? "project-favorited" : "project-unfavorited";
        ev = lt_admin_event(&c->who, type);
        ev.project = c->project;
        lt_buf_puts(&b, "{\"project\":");
        lt_json_cstr(&b, c->project);
    }
    lt_buf_putc(&b, '}');
    ev.data = lt_adm_buf_arena(c->a, &b);
    return lt_store_favorite_set(s, feature, user, feature ? c->feature : c->project, c->on, &ev);
}

LT_ADM_WRITE(api_fav_project, do_favorite, 200, .on = true)
LT_ADM_WRITE(api_unfav_project, do_favorite, 200, .on = false)
LT_ADM_WRITE(api_fav_feature, do_favorite, 200, .on = true)
LT_ADM_WRITE(api_unfav_feature, do_favorite, 200, .on = false)

#define ROUTE LT_ADM_ROUTE

const lt_route_t lt_routes_admin_favorites[] = {
    ROUTE(LT_POST, "/api/admin/projects/:projectId/favorites", api_fav_project, LT_AUTHENTICATED),
    ROUTE(LT_DELETE, "/api/admin/projects/:projectId/favorites", api_unfav_project,
          LT_AUTHENTICATED),
    ROUTE(LT_POST, LT_ADM_PF "/favorites", api_fav_feature, LT_AUTHENTICATED),
    ROUTE(LT_DELETE, LT_ADM_PF "/favorites", api_unfav_feature, LT_AUTHENTICATED),
    {0},
};
