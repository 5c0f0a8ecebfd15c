/*
 * client_delta.c: GET /api/client/delta and the delta events it shares with the streams; see
 * client_delta.h. A request names the revision it has in If-None-Match ("<revision>"); when
 * that revision's digest is still kept (state/history.c) it gets the changes since, else a
 * hydration; nothing changed is a 304. The ETag is the revision it brings the reader to.
 */
#include "client_delta.h"

#include <stdio.h>
#include <stdlib.h>

#include "../base/util.h"
#include "guard.h"

typedef struct {
    lt_delta_scope_t *sc;
    lt_arena_t *a;
    const char **projects; /* LT_DELTA_MAX_PROJECTS */
    bool too_many;
} scope_ctx_t;

static bool collect(void *ctx, lt_str_t k, lt_str_t v)
{
    scope_ctx_t *c = ctx;
    if (lt_str_eq_c(k, "project") && v.len) {
        if (c->sc->n_projects == LT_DELTA_MAX_PROJECTS) {
            c->too_many = true;
            return false;
        }
        c->projects[c->sc->n_projects++] = lt_arena_strndup(c->a, v.ptr, v.len);
    } else if (lt_str_eq_c(k, "namePrefix") && v.len) {
        c->sc->name_prefix = v;
    }
    return true;
}

int lt_delta_scope(lt_req_t *r, const lt_token_t *t, lt_delta_scope_t *out)
{
    memset(out, 0, sizeof(*out));
    out->env = lt_guard_env(t);
    scope_ctx_t c = {out, lt_req_arena(r),
                     lt_arena_calloc(lt_req_arena(r), LT_DELTA_MAX_PROJECTS, sizeof(char *)),
                     false};
    lt_req_query_each(r, collect, &c);
    out->projects = c.projects;
    if (c.too_many) {
        lt_reply_error(r, 400, "ValidationError", "Too many project filters (at most %d).",
                       LT_DELTA_MAX_PROJECTS);
        return LT_EINVAL;
    }
    if (!t->all_projects) { /* the token's scope wins over the query */
        out->projects = (const char *const *)t->projects;
        out->n_projects = t->n_projects;
    }
    /* a token of no project (a scope narrowed to nothing) sees nothing, not everything */
    out->all_projects = t->all_projects && out->n_projects == 0;
    return LT_OK;
}

void lt_delta_scope_copy(lt_arena_t *a, const lt_delta_scope_t *in, lt_delta_scope_t *out)
{
    *out = *in;
    out->env = lt_arena_strdup(a, in->env);
    const char **p = lt_arena_calloc(a, in->n_projects + 1, sizeof(*p));
    for (size_t i = 0; i < in->n_projects; i++)
        p[i] = lt_arena_strdup(a, in->projects[i]);
    out->projects = p;
    if (in->name_prefix.ptr)
        out->name_prefix = (lt_str_t){lt_arena_strndup(a, in->name_prefix.ptr, in->name_prefix.len),
                                      in->name_prefix.len};
}

bool lt_delta_in_scope(const void *scope, const char *name, const char *project)
{
    const lt_delta_scope_t *sc = scope;
    if (sc->name_prefix.ptr && strncmp(name, sc->name_prefix.ptr, sc->name_prefix.len) != 0)
        return false;
    if (sc->all_projects)
        return true;
    for (size_t i = 0; i < sc->n_projects; i++)
        if (strcmp(sc->projects[i], project) == 0)
            return true;
    return false;
}

static void write_feature(lt_buf_t *b, const lt_snapshot_t *s, const lt_feature_t *f,
                          const char *env)
{
    lt_write_opts_t opts = {false, s->data.segments, s->data.n_segments, false};
    lt_model_write_feature(b, f, lt_feature_env(f, env), &opts);
}

void lt_delta_write_hydration(lt_buf_t *b, const lt_snapshot_t *s, const lt_delta_scope_t *sc)
{
    const lt_env_view_t *ev = lt_snapshot_env(s, sc->env);
    lt_buf_printf(b, "{\"events\":[{\"eventId\":%llu,\"type\":\"hydration\",\"features\":[",
                  (unsigned long long)s->revision);
    bool first = true;
    for (size_t i = 0; ev && i < ev->n_features; i++) {
        const lt_feature_t *f = ev->features[i];
        if (!lt_delta_in_scope(sc, f->name, f->project))
            continue;
        if (!first)
            lt_buf_putc(b, ',');
        first = false;
        write_feature(b, s, f, sc->env);
    }
    lt_buf_puts(b, "],\"segments\":[");
    for (size_t i = 0; i < s->data.n_segments; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_model_write_segment(b, &s->data.segments[i]);
    }
    lt_buf_puts(b, "]}]}");
}

typedef struct {
    lt_buf_t *b;
    const lt_snapshot_t *s;
    const lt_env_view_t *ev;
    const char *env;
    size_t n;
    bool removed_pass; /* segments: updates go first, removals last */
} changes_t;

static void event_head(changes_t *c, const char *type)
{
    if (c->n++)
        lt_buf_putc(c->b, ',');
    lt_buf_printf(c->b, "{\"eventId\":%llu,\"type\":\"%s\"", (unsigned long long)c->s->revision,
                  type);
}

static int feature_name_cmp(const void *key, const void *elem)
{
    return strcmp(key, (*(const lt_feature_t *const *)elem)->name);
}

static void on_flag(void *ctx, const lt_hist_flag_t *f, bool removed)
{
    changes_t *c = ctx;
    if (removed) {
        event_head(c, "feature-removed");
        lt_buf_puts(c->b, ",\"featureName\":");
        lt_json_cstr(c->b, f->name);
        lt_buf_puts(c->b, ",\"project\":");
        lt_json_cstr(c->b, f->project);
        lt_buf_putc(c->b, '}');
        return;
    }
    const lt_feature_t *const *found =
        c->ev ? bsearch(f->name, c->ev->features, c->ev->n_features, sizeof(*c->ev->features),
                        feature_name_cmp)
              : NULL;
    lt_assert(found); /* cur is the digest of s */
    event_head(c, "feature-updated");
    lt_buf_puts(c->b, ",\"feature\":");
    write_feature(c->b, c->s, *found, c->env);
    lt_buf_putc(c->b, '}');
}

static void on_seg(void *ctx, int64_t id, bool removed)
{
    changes_t *c = ctx;
    if (removed != c->removed_pass)
        return;
    if (removed) {
        event_head(c, "segment-removed");
        lt_buf_printf(c->b, ",\"segmentId\":%lld}", (long long)id);
        return;
    }
    const lt_segment_t *seg = lt_segment_find(c->s->data.segments, c->s->data.n_segments, id);
    lt_assert(seg);
    event_head(c, "segment-updated");
    lt_buf_puts(c->b, ",\"segment\":");
    lt_model_write_segment(c->b, seg);
    lt_buf_putc(c->b, '}');
}

size_t lt_delta_write_changes(lt_buf_t *b, const lt_snapshot_t *s, const lt_hist_t *old,
                              const lt_hist_t *cur, const lt_delta_scope_t *sc)
{
    lt_assert(cur->revision == s->revision);
    size_t start = b->len;
    changes_t c = {b, s, lt_snapshot_env(s, sc->env), sc->env, 0, false};
    lt_buf_puts(b, "{\"events\":[");
    lt_hist_diff_segs(old, cur, on_seg, &c);
    lt_hist_diff_flags(old, cur, sc->env, lt_delta_in_scope, sc, on_flag, &c);
    c.removed_pass = true;
    lt_hist_diff_segs(old, cur, on_seg, &c);
    lt_buf_puts(b, "]}");
    if (!c.n)
        b->len = start;
    return c.n;
}

/* The revision named by If-None-Match ("<n>", W/ and quotes dropped, other characters
 * ignored); false when there is none. */
static bool client_revision(lt_req_t *r, uint64_t *out)
{
    lt_str_t h = lt_req_header(r, "If-None-Match");
    uint64_t v = 0;
    bool any = false;
    for (size_t i = 0; h.ptr && i < h.len; i++)
        if (h.ptr[i] >= '0' && h.ptr[i] <= '9' && v < UINT64_MAX / 10 - 10) {
            v = v * 10 + (uint64_t)(h.ptr[i] - '0');
            any = true;
        }
    *out = v;
    return any;
}

void lt_api_client_delta(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = lt_guard_api_token(r, LT_TOKEN_CLIENT);
    if (!t)
        return;
    lt_delta_scope_t sc;
    if (lt_delta_scope(r, t, &sc) != LT_OK)
        return;
    lt_snapshot_t *s = lt_req_snapshot(r);
    uint64_t have = 0;
    bool known = client_revision(r, &have);
    if (known && have == s->revision) {
        lt_reply_empty(r, 304);
        return;
    }
    lt_hist_t *cur = lt_hist_of(s);
    lt_hist_t *old = known ? lt_hist_find(have) : NULL;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (!old)
        lt_delta_write_hydration(&b, s, &sc);
    size_t n = old ? lt_delta_write_changes(&b, s, old, cur, &sc) : 1;
    lt_hist_release(old);
    lt_hist_release(cur);
    char etag[32];
    snprintf(etag, sizeof(etag), "\"%llu\"", (unsigned long long)s->revision);
    if (!n) {
        lt_buf_dispose(&b);
        lt_reply_empty(r, 304); /* nothing in this scope changed */
        return;
    }
    lt_reply_header(r, "ETag", etag);
    lt_reply_buf(r, 200, LT_JSON_TYPE, &b);
}
