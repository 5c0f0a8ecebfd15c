/*
 * client_delta.h: Unleash's delta events for one reader's scope (an environment, projects, a
 * name prefix): a `hydration` with the full state, or the `feature-updated`,
 * `feature-removed`, `segment-updated` and `segment-removed` events between two revisions,
 * each with its event id (the revision it brings the reader to). Written by GET
 * /api/client/delta (client_delta.c) and by the streams (client_stream.c).
 */
#ifndef LT_CLIENT_DELTA_H
#define LT_CLIENT_DELTA_H

#include "../http/http.h"
#include "../state/history.h"

/* `project` filters a query may carry */
#define LT_DELTA_MAX_PROJECTS 64

typedef struct {
    const char *env;
    const char *const *projects; /* when !all_projects */
    size_t n_projects;
    bool all_projects;
    lt_str_t name_prefix; /* ptr NULL when absent */
} lt_delta_scope_t;

/*
 * The scope of a request by client token t: the token's environment and projects, narrowed
 * by `project` (repeatable, at most LT_DELTA_MAX_PROJECTS, only for an all-projects token)
 * and `namePrefix` in the query; every project of a token is kept.
 * The strings point into the request and the snapshot. LT_OK, or LT_EINVAL after replying 400.
 */
int lt_delta_scope(lt_req_t *r, const lt_token_t *t, lt_delta_scope_t *out);
/* Copy a scope's strings into a (so it outlives the request and its snapshot). */
void lt_delta_scope_copy(lt_arena_t *a, const lt_delta_scope_t *in, lt_delta_scope_t *out);
/* Is a flag in scope (an lt_hist_scope_fn over an lt_delta_scope_t)? */
bool lt_delta_in_scope(const void *scope, const char *name, const char *project);

/* Append {"events":[{hydration of s for sc}]}. */
void lt_delta_write_hydration(lt_buf_t *b, const lt_snapshot_t *s, const lt_delta_scope_t *sc);
/*
 * Append {"events":[...]} with the changes from old to cur (the digest of s) for sc; returns
 * how many events, 0 when none (b is then left as it was).
 */
size_t lt_delta_write_changes(lt_buf_t *b, const lt_snapshot_t *s, const lt_hist_t *old,
                              const lt_hist_t *cur, const lt_delta_scope_t *sc);

/* GET /api/client/delta */
void lt_api_client_delta(lt_req_t *r, const lt_params_t *p);

#endif
