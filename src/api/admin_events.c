/*
 * admin_events.c: the admin API for the event log: /api/admin/events and search.
 */
#include "admin.h"
#include "api.h"

const lt_route_t lt_routes_admin_events[] = {
    {0, NULL, NULL, NULL},
};
