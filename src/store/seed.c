/*
 * seed.c: what a new store starts with, as C data applied through the backend primitives on
 * first start (when the store has no project): project `default` with environments
 * `development` and `production`, the built-in roles 1..5, Unleash's tag type `simple` and
 * its six built-in context fields (rows, so they can be edited), and a project-created event.
 */
#include "rules_int.h"

static const lt_project_t seed_project = {"default", "Default", "Default project", "open", 0};

static const lt_environment_t seed_envs[] = {
    {"development", "development", true, 1},
    {"production", "production", true, 2},
};

static const lt_role_t seed_roles[] = {
    {1, "Admin", "Users with the root admin role have superuser access.", "root", NULL, 0},
    {2, "Editor", "Users with the root editor role have access to most features, but can not"
                  " manage users and roles.", "root", NULL, 0},
    {3, "Viewer", "Users with the root viewer role can only read resources.", "root", NULL, 0},
    {4, "Owner", "Users with the project owner role have full control over the project.",
     "project", NULL, 0},
    {5, "Member", "Users with the project member role are allowed to view, create and update"
                  " feature flags within a project.", "project", NULL, 0},
};

static const lt_tag_type_t seed_tag_type = {"simple", "Used to simplify filtering of features",
                                            "#", NULL};

static const lt_context_field_t seed_fields[] = {
    {"environment", "Allows you to constrain on application environment", false, NULL, 0, 0},
    {"userId", "Allows you to constrain on userId", true, NULL, 1, 0},
    {"appName", "Allows you to constrain on application name", false, NULL, 2, 0},
    {"currentTime", "Allows you to constrain on date values", false, NULL, 3, 0},
    {"sessionId", "Allows you to constrain on sessionId", true, NULL, 4, 0},
    {"remoteAddress", "Allows you to constrain on remoteAddress", false, NULL, 5, 0},
};

#define COUNT(a) (sizeof(a) / sizeof(*(a)))

static int seed_rows(lt_store_t *s)
{
    const lt_store_backend_t *be = s->be;
    int rc = be->project_put(s, &seed_project, LT_PUT_IGNORE, NULL);
    for (size_t i = 0; rc == LT_OK && i < COUNT(seed_envs); i++)
        rc = be->environment_put(s, &seed_envs[i], LT_PUT_IGNORE);
    for (size_t i = 0; rc == LT_OK && i < COUNT(seed_envs); i++)
        rc = be->project_env_put(s, seed_project.id, seed_envs[i].name);
    for (size_t i = 0; rc == LT_OK && i < COUNT(seed_roles); i++)
        rc = be->role_put(s, &seed_roles[i], LT_PUT_IGNORE, NULL);
    if (rc == LT_OK)
        rc = be->tag_type_put(s, &seed_tag_type, LT_PUT_IGNORE);
    for (size_t i = 0; rc == LT_OK && i < COUNT(seed_fields); i++)
        rc = be->context_field_put(s, &seed_fields[i], LT_PUT_IGNORE);
    return rc;
}

int lt_store_seed(lt_store_t *s)
{
    if (lt__tx_write(s) != LT_OK)
        return LT_ERR;
    int64_t n = 0;
    int rc = s->be->project_count(s, &n);
    if (rc != LT_OK || n > 0)
        return lt__tx_end(s, rc, NULL);
    rc = seed_rows(s);
    lt_event_t ev = {"project-created", "system", 0, "default", NULL, NULL, "{\"id\":\"default\"}",
                     NULL};
    return lt__tx_end(s, rc, &ev);
}
