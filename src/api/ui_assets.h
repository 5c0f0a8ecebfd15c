/*
 * ui_assets.h: the files of the admin page (ui/), embedded at build time by
 * scripts/embed-ui.pl into $(BUILD)/gen/ui_assets.c: each file's bytes, a gzip copy and ETags,
 * all computed once by the build. Read by ui.c.
 */
#ifndef LT_UI_ASSETS_H
#define LT_UI_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *path; /* "/app.js": the file's path under ui/, with a leading "/" */
    const char *type; /* its Content-Type */
    const unsigned char *body;
    size_t len;
    const unsigned char *gz; /* the gzip copy */
    size_t gz_len;
    const char *etag;    /* "\"<16 hex>\"" of the bytes */
    const char *gz_etag; /* the same with "-gz": the gzip copy is another representation */
} lt_ui_asset_t;

/* Every file, sorted by path, then an entry of zeros. */
extern const lt_ui_asset_t lt_ui_assets[];
extern const size_t lt_ui_n_assets;

#endif
