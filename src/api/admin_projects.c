/*
 * admin_projects.c: the admin API for projects and environments.
 */
#include "admin.h"
#include "api.h"

const lt_route_t lt_routes_admin_projects[] = {
    {0, NULL, NULL, NULL},
};
