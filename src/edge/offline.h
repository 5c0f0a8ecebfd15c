/*
 * offline.h: `latch offline`: a snapshot built from a features file instead of a store,
 * with tokens trusted as configured (Unleash Edge's offline mode), reloaded when the file
 * changes. Serves the client API, the front-end API and the Unleash Proxy endpoints.
 */
#ifndef LT_OFFLINE_H
#define LT_OFFLINE_H

#include "../base/base.h"

typedef struct {
    const char *bootstrap_file;
    const char *const *client_tokens; /* backend SDK tokens, trusted as given */
    size_t n_client_tokens;
    const char *const *frontend_tokens; /* front-end tokens or opaque keys */
    size_t n_frontend_tokens;
    int reload_interval_s; /* 0 = never */
} lt_offline_config_t;

/* The environment name every offline flag lives in. */
#define LT_OFFLINE_ENV "default"

/* Read the file and publish its snapshot. LT_OK, or an error (logged; nothing published). */
int lt_offline_load(const lt_offline_config_t *cfg);
/* Start the reload thread (when reload_interval_s > 0). */
int lt_offline_watch_start(const lt_offline_config_t *cfg);
void lt_offline_watch_stop(void);

#endif
