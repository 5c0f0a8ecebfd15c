/*
 * admin_tokens.c: the admin API for the API token admin API and /edge/validate.
 */
#include "admin.h"
#include "api.h"

const lt_route_t lt_routes_admin_tokens[] = {
    {0, NULL, NULL, NULL},
};
