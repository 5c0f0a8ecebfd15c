/*
 * guard.c: API-token checks for /api/client and /api/frontend; see guard.h.
 */
#include "guard.h"

#include <ctype.h>
#include <strings.h>

#include "../base/util.h"
#include "quota.h"
#include "token_usage.h"

lt_str_t lt_guard_presented(lt_req_t *r)
{
    lt_str_t h = lt_req_header(r, "Authorization");
    if (!h.ptr)
        return h;
    if (strncmp(lt_req_path(r), "/api/", 5) == 0 && h.len > 7 &&
        strncasecmp(h.ptr, "Bearer", 6) == 0 && isspace((unsigned char)h.ptr[6])) {
        size_t i = 6;
        while (i < h.len && isspace((unsigned char)h.ptr[i]))
            i++;
        h.ptr += i;
        h.len -= i;
    }
    return h;
}

static lt_guard_lookup_fn lookup;

void lt_guard_set_lookup(lt_guard_lookup_fn fn)
{
    lookup = fn;
}

const lt_token_t *lt_guard_find(lt_req_t *r, lt_str_t presented)
{
    lt_snapshot_t *s = lt_req_snapshot(r);
    const lt_token_t *t = lt_token_table_find_presented(&s->tokens, presented);
    if (!t && lookup) {
        lt_token_t *found = lt_arena_alloc(lt_req_arena(r), sizeof(*found));
        if (lookup(presented, lt_req_arena(r), found))
            t = found;
    } else if (t) {
        lt_snapshot_token_seen(s, t, lt_now_ms());
    }
    return t;
}

const lt_token_t *lt_guard_api_token(lt_req_t *r, lt_token_type_t want)
{
    lt_str_t presented = lt_guard_presented(r);
    if (!presented.ptr || presented.len == 0) {
        lt_reply_json(r, 401, LT_MSG_NEED_TOKEN);
        return NULL;
    }
    const lt_token_t *t = lt_guard_find(r, presented);
    int64_t now = lt_now_ms();
    if (!t || !lt_token_live(t, now)) {
        lt_reply_json(r, 401, LT_MSG_NEED_TOKEN);
        return NULL;
    }
    lt_token_usage_note(r, t, want); /* a token of another type too: counted as misuse */
    if (t->type != want) {
        lt_reply_json(r, 403, LT_MSG_WRONG_TYPE);
        return NULL;
    }
    return lt_quota_admit(r, t) ? t : NULL;
}

const char *lt_guard_env(const lt_token_t *t)
{
    return strcmp(t->environment, "*") == 0 ? "development" : t->environment;
}
