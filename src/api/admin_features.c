/*
 * admin_features.c: the admin API for flags, strategies, variants, dependencies, tags, archive.
 */
#include "admin.h"
#include "api.h"

const lt_route_t lt_routes_admin_features[] = {
    {0, NULL, NULL, NULL},
};
