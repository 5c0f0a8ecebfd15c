/*
 * admin_config.c: the admin API for segments, context fields, strategy definitions, tag types, metrics.
 */
#include "admin.h"
#include "api.h"

const lt_route_t lt_routes_admin_config[] = {
    {0, NULL, NULL, NULL},
};
