/*
 * store.c: choosing a backend from a DATABASE_URL-style target; see store.h.
 */
#include "store.h"

#include "../base/log.h"

int lt_store_open(lt_store_t **out, const char *url)
{
    const char *path = url;
    if (strncmp(url, "sqlite://", 9) == 0)
        path = url + 9; /* sqlite:///abs/path keeps its leading slash */
    else if (strncmp(url, "postgres://", 11) == 0 || strncmp(url, "postgresql://", 13) == 0) {
        lt_log_error("store: PostgreSQL is not built into this latch yet; use sqlite://");
        return LT_EINVAL;
    }
    if (!*path) {
        lt_log_error("store: empty database path");
        return LT_EINVAL;
    }
    return lt_store_sqlite.open(out, path);
}

void lt_store_close(lt_store_t *s)
{
    if (s)
        s->be->close(s);
}
