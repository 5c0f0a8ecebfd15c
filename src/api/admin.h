/*
 * admin.h: what every admin API handler shares: who is calling (admin token, PAT or session),
 * permission checks with Unleash's error bodies, JSON bodies, and the write path (store lock,
 * one transaction with its event, the new snapshot published before the reply).
 */
#ifndef LT_ADMIN_H
#define LT_ADMIN_H

#include <cjson/cJSON.h>

#include "../auth/access.h"
#include "../http/http.h"
#include "../state/state.h"

/*
 * Find who is calling: an admin token or a PAT in Authorization ("Bearer " allowed), else the
 * session cookie. Fills p and returns true, or replies 401/403 (Unleash's bodies) and returns
 * false. The user a PAT or session stands for is read from the request's snapshot, so a role
 * change applies at once.
 */
bool lt_admin_auth(lt_req_t *r, lt_principal_t *p);
/* Does p hold perm (in project/env)? If not, reply 403 PermissionError and return false. */
bool lt_admin_require(lt_req_t *r, const lt_principal_t *p, const char *perm,
                      const char *project, const char *env);
/* lt_admin_auth then lt_admin_require. */
bool lt_admin_guard(lt_req_t *r, lt_principal_t *p, const char *perm, const char *project,
                    const char *env);

/* Parse the body as JSON of the given type (cJSON_Object/cJSON_Array bits), or reply
 * 415/400 and return NULL. Free with cJSON_Delete. */
cJSON *lt_admin_body(lt_req_t *r, int type);

/* An event attributed to p. */
lt_event_t lt_admin_event(const lt_principal_t *p, const char *type);

/*
 * The write path. fn runs with the store locked and the newest snapshot (every committed
 * write visible); it validates, writes (one store call: one transaction with its event) and
 * returns LT_OK, or an error code with msg/status set for the reply. On LT_OK the snapshot is
 * rebuilt and published before this returns, so the reply and every later request see it.
 */
typedef struct {
    int status;      /* HTTP status for an error (400, 404, 409...) */
    const char *name; /* Unleash error name */
    char msg[384];
    void *ctx;       /* the handler's own data */
} lt_write_t;

typedef int (*lt_write_fn)(lt_store_t *s, lt_snapshot_t *snap, lt_write_t *w);
/* Run fn as above. On failure replies with w's error and returns it; LT_OK: caller replies. */
int lt_admin_write(lt_req_t *r, lt_write_fn fn, lt_write_t *w);
/* Set an error on w (returns LT_EINVAL for convenience). */
int lt_write_fail(lt_write_t *w, int status, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Query helpers. */
bool lt_admin_query_int(lt_req_t *r, const char *name, int64_t *out);

/* JSON output helpers shared by admin handlers. */
void lt_admin_write_time(lt_buf_t *b, int64_t ms); /* ISO string, or null when 0 */

#endif
