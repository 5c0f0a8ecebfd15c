/*
 * admin_access.c: the admin API for login and sessions, users, roles, permissions, personal access tokens.
 */
#include "admin.h"
#include "api.h"

const lt_route_t lt_routes_admin_access[] = {
    {0, NULL, NULL, NULL},
};
