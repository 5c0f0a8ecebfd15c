/*
 * client_stream.c: the stream registry and its worker; see client_stream.h. A subscriber keeps
 * its token's digest (the token is looked up again in every new snapshot, so a revocation
 * closes it at once), its scope (copied) and the revision it was last brought to. A pass of
 * the worker builds each distinct (from revision, scope) message once and copies it into every
 * stream that needs it.
 */
#include "client_stream.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "../base/log.h"
#include "../base/util.h"
#include "guard.h"

typedef struct sub {
    struct sub *next;
    lt_stream_t *st;
    lt_stream_kind_t kind;
    uint8_t digest[32];
    lt_token_type_t type;
    uint64_t revision;
    lt_arena_t arena; /* the scope's strings */
    lt_delta_scope_t scope;
    bool looked_up, found; /* this pass's answer of the lookup hook */
    lt_token_t token;      /* its record when found (strings in the pass's arena) */
} sub_t;

static lt_stream_config_t cfg;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static sub_t *subs;
static size_t n_subs;
static bool published, stopping, running, tokens_forced;
static pthread_t worker;
static uint64_t tokens_hash; /* of the last pass's token table (worker thread only) */
static lt_stream_lookup_fn lookup;

void lt_stream_set_lookup(lt_stream_lookup_fn fn)
{
    lookup = fn;
}

bool lt_stream_lookup(const uint8_t digest[32], lt_arena_t *a, lt_token_t *out)
{
    return lookup && lookup(digest, a, out);
}

/* Ask the lookup hook about every stream's token, without the registry's lock (the hook
 * takes its own lock, which may be held by a thread publishing a snapshot, which takes ours).
 * Only this worker frees streams, so the pointers stay good; streams opened meanwhile are
 * not looked up in this pass (their token was checked as they opened). */
static void look_up_tokens(lt_arena_t *a)
{
    pthread_mutex_lock(&mu);
    size_t n = 0;
    for (sub_t *s = subs; s; s = s->next)
        n++;
    sub_t **v = lt_xcalloc(n + 1, sizeof(*v));
    n = 0;
    for (sub_t *s = subs; s; s = s->next)
        if (s->kind != LT_STREAM_REFETCH_FIXED)
            v[n++] = s;
    pthread_mutex_unlock(&mu);
    for (size_t i = 0; i < n; i++) {
        lt_token_t t;
        bool found = lookup(v[i]->digest, a, &t);
        pthread_mutex_lock(&mu);
        v[i]->looked_up = true;
        v[i]->found = found;
        if (found) { /* the strings stay the open-time copies: t's die with the pass */
            v[i]->token.type = t.type;
            v[i]->token.expires_at = t.expires_at;
        }
        pthread_mutex_unlock(&mu);
    }
    free(v);
}

/* A hash of everything about the tokens of s that decides who may read (digests, types,
 * scopes, expiry): when it moves, edges are told to check the tokens they cache. */
static uint64_t hash_tokens(const lt_snapshot_t *s)
{
    uint64_t h = 0;
    for (size_t i = 0; i < s->data.n_tokens; i++) {
        const lt_token_t *t = &s->data.tokens[i];
        struct {
            uint8_t digest[32];
            int64_t expires_at;
            int type;
        } k;
        memset(&k, 0, sizeof(k));
        memcpy(k.digest, t->digest, 32);
        k.expires_at = t->expires_at;
        k.type = (int)t->type;
        h = h * 31 + lt_fnv1a(&k, sizeof(k));
        h = h * 31 + lt_fnv1a(t->environment, strlen(t->environment));
        for (size_t p = 0; p < t->n_projects; p++)
            h = h * 31 + lt_fnv1a(t->projects[p], strlen(t->projects[p]));
    }
    return h;
}

void lt_stream_tokens_changed(void)
{
    pthread_mutex_lock(&mu);
    tokens_forced = published = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
}

static void on_publish(void)
{
    pthread_mutex_lock(&mu);
    published = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
}

static void sub_free(sub_t *s)
{
    lt_stream_close(s->st);
    lt_stream_release(s->st);
    lt_arena_dispose(&s->arena);
    free(s);
}

static bool scope_eq(const lt_delta_scope_t *a, const lt_delta_scope_t *b)
{
    if (strcmp(a->env, b->env) != 0 || a->all_projects != b->all_projects ||
        a->n_projects != b->n_projects || !a->name_prefix.ptr != !b->name_prefix.ptr ||
        (a->name_prefix.ptr && !lt_str_eq(a->name_prefix, b->name_prefix)))
        return false;
    for (size_t i = 0; i < a->n_projects; i++)
        if (strcmp(a->projects[i], b->projects[i]) != 0)
            return false;
    return true;
}

/* ---------- messages ---------- */

/* The SSE message bringing a reader of sc from revision `from` to s (digest cur); empty when
 * nothing in scope changed. */
static void build_message(lt_buf_t *b, const lt_snapshot_t *s, const lt_hist_t *cur,
                          uint64_t from, const lt_delta_scope_t *sc, lt_stream_kind_t kind)
{
    lt_hist_t *old = lt_hist_find(from);
    if (kind != LT_STREAM_UNLEASH) {
        lt_buf_t scratch;
        lt_buf_init(&scratch, 0);
        size_t n = old ? lt_delta_write_changes(&scratch, s, old, cur, sc) : 1;
        lt_buf_dispose(&scratch);
        if (n)
            lt_buf_printf(b, "data: {\"type\":\"refetchEvaluation\",\"etag\":\"%llu\"}\n\n",
                          (unsigned long long)s->revision);
    } else {
        size_t mark = b->len;
        lt_buf_printf(b, "event: unleash-updated\nid: %llu\ndata: ",
                      (unsigned long long)s->revision);
        size_t n = 1;
        if (old)
            n = lt_delta_write_changes(b, s, old, cur, sc);
        else
            lt_delta_write_hydration(b, s, sc); /* too far behind: the whole state again */
        if (n)
            lt_buf_puts(b, "\n\n");
        else
            b->len = mark;
    }
    lt_hist_release(old);
}

#define PASS_CACHE 32

typedef struct {
    uint64_t from;
    const lt_delta_scope_t *scope;
    lt_stream_kind_t kind;
    lt_buf_t msg;
} cached_t;

/* Drop a subscriber whose write failed or whose token is gone; logs why. */
static bool drop(sub_t *s, const char *why)
{
    lt_log_info("stream: closed (%s)", why);
    return true;
}

/* One pass over every stream: drop the closed, the revoked and the expired, bring the others
 * to snapshot s, and write a heartbeat when one is due. Returns the next expiry (0: none). */
static int64_t pass(bool heartbeat)
{
    lt_snapshot_t *s = lt_snapshot_acquire();
    if (!s)
        return 0;
    pthread_mutex_lock(&mu);
    bool any = subs != NULL, forced = tokens_forced;
    tokens_forced = false;
    pthread_mutex_unlock(&mu);
    lt_hist_t *cur = any ? lt_hist_of(s) : NULL;
    lt_arena_t looked;
    lt_arena_init(&looked, 0);
    if (any && lookup)
        look_up_tokens(&looked);
    uint64_t th = hash_tokens(s);
    bool tokens_moved = forced || (tokens_hash && th != tokens_hash);
    tokens_hash = th;
    char tokens_msg[96];
    int tokens_len = snprintf(tokens_msg, sizeof(tokens_msg),
                              "event: latch-tokens-changed\ndata: {\"revision\":%llu}\n\n",
                              (unsigned long long)s->revision);
    int64_t now = lt_now_ms(), next_expiry = 0;
    uint64_t t0 = lt_mono_ns();
    size_t n_seen = 0;
    cached_t cache[PASS_CACHE];
    size_t n_cache = 0;
    sub_t *dead = NULL; /* freed after the pass: the cache points at their scopes */
    lt_stream_batch_begin();
    pthread_mutex_lock(&mu);
    for (sub_t **pp = &subs; *pp; n_seen++) {
        sub_t *sub = *pp;
        bool fixed = sub->kind == LT_STREAM_REFETCH_FIXED;
        const lt_token_t *t = fixed ? NULL : lt_token_table_find(&s->tokens, sub->digest);
        if (!t && !fixed && lookup)
            t = !sub->looked_up || sub->found ? &sub->token : NULL;
        sub->looked_up = false;
        bool gone = false;
        if (lt_stream_closed(sub->st))
            gone = drop(sub, "the client went away");
        else if (fixed)
            ;
        else if (!t || t->type != sub->type)
            gone = drop(sub, "its token was revoked");
        else if (!lt_token_live(t, now))
            gone = drop(sub, "its token expired");
        if (!gone && sub->revision != s->revision) {
            cached_t *c = NULL;
            for (size_t i = 0; i < n_cache && !c; i++)
                if (cache[i].from == sub->revision && cache[i].kind == sub->kind &&
                    scope_eq(cache[i].scope, &sub->scope))
                    c = &cache[i];
            lt_buf_t own;
            lt_buf_init(&own, 0);
            lt_buf_t *msg = &own;
            if (c) {
                msg = &c->msg;
            } else {
                if (n_cache < PASS_CACHE) {
                    c = &cache[n_cache++];
                    *c = (cached_t){sub->revision, &sub->scope, sub->kind, {0}};
                    lt_buf_init(&c->msg, 0);
                    msg = &c->msg;
                }
                build_message(msg, s, cur, sub->revision, &sub->scope, sub->kind);
            }
            if (msg->len && lt_stream_write(sub->st, msg->ptr, msg->len) != LT_OK)
                gone = drop(sub, "it fell too far behind");
            lt_buf_dispose(&own);
            sub->revision = s->revision;
        }
        if (!gone && tokens_moved && sub->kind == LT_STREAM_UNLEASH &&
            lt_stream_write(sub->st, tokens_msg, (size_t)tokens_len) != LT_OK)
            gone = drop(sub, "it fell too far behind");
        if (!gone && heartbeat && lt_stream_write(sub->st, ":\n\n", 3) != LT_OK)
            gone = drop(sub, "it fell too far behind");
        if (!gone && t && t->expires_at && (!next_expiry || t->expires_at < next_expiry))
            next_expiry = t->expires_at;
        if (gone) {
            *pp = sub->next;
            n_subs--;
            sub->next = dead;
            dead = sub;
        } else {
            pp = &sub->next;
        }
    }
    pthread_mutex_unlock(&mu);
    lt_stream_batch_end();
    for (size_t i = 0; i < n_cache; i++)
        lt_buf_dispose(&cache[i].msg);
    while (dead) {
        sub_t *next = dead->next;
        sub_free(dead);
        dead = next;
    }
    lt_hist_release(cur);
    lt_arena_dispose(&looked);
    if (n_seen && lt_log_enabled(LT_LOG_DEBUG))
        lt_log_debug("stream: a pass over %zu streams at revision %llu in %.2f ms", n_seen,
                     (unsigned long long)s->revision, (double)(lt_mono_ns() - t0) / 1e6);
    lt_snapshot_release(s);
    return next_expiry;
}

static void *worker_main(void *arg)
{
    LT_UNUSED(arg);
    int64_t next_hb = lt_now_ms() + cfg.heartbeat_ms, next_expiry = 0;
    pthread_mutex_lock(&mu);
    while (!stopping) {
        int64_t deadline = next_hb;
        if (next_expiry && next_expiry < deadline)
            deadline = next_expiry;
        if (!published && lt_now_ms() < deadline) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            int64_t wait_ms = deadline - lt_now_ms();
            if (wait_ms < 1)
                wait_ms = 1;
            ts.tv_sec += wait_ms / 1000;
            ts.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
            if (ts.tv_nsec >= 1000000000L) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000L;
            }
            pthread_cond_timedwait(&wake, &mu, &ts);
            continue; /* look at the flags and the clock again */
        }
        published = false;
        bool hb = lt_now_ms() >= next_hb;
        if (hb)
            next_hb = lt_now_ms() + cfg.heartbeat_ms;
        pthread_mutex_unlock(&mu);
        next_expiry = pass(hb);
        /* an expired token is refused by the clock, not by a new snapshot: look again then */
        if (next_expiry && next_expiry <= lt_now_ms())
            next_expiry = lt_now_ms() + 1;
        pthread_mutex_lock(&mu);
    }
    pthread_mutex_unlock(&mu);
    return NULL;
}

int lt_stream_start(const lt_stream_config_t *c)
{
    cfg = c ? *c : (lt_stream_config_t){0};
    if (cfg.heartbeat_ms <= 0)
        cfg.heartbeat_ms = 30000;
    if (!cfg.max_streams)
        cfg.max_streams = 20000;
    if (!cfg.max_per_token)
        cfg.max_per_token = 64;
    if (!cfg.buffer_bytes)
        cfg.buffer_bytes = 1u << 20;
    stopping = false;
    if (pthread_create(&worker, NULL, worker_main, NULL) != 0)
        return LT_ERR;
    running = true;
    lt_snapshot_on_publish(on_publish);
    return LT_OK;
}

void lt_stream_stop(void)
{
    if (!running)
        return;
    lt_snapshot_on_publish(NULL);
    pthread_mutex_lock(&mu);
    stopping = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
    pthread_join(worker, NULL);
    running = false;
    pthread_mutex_lock(&mu);
    while (subs) {
        sub_t *s = subs;
        subs = s->next;
        sub_free(s);
    }
    n_subs = 0;
    pthread_mutex_unlock(&mu);
    lt_hist_clear();
}

/* ---------- opening a stream ---------- */

void lt_stream_open(lt_req_t *r, const lt_token_t *t, const lt_delta_scope_t *sc,
                    lt_stream_kind_t kind, const lt_buf_t *first, uint64_t from)
{
    if (!running) {
        lt_reply_error(r, 404, "NotFoundError", "Streaming is not enabled on this server.");
        return;
    }
    pthread_mutex_lock(&mu);
    size_t mine = 0;
    for (const sub_t *s = subs; s; s = s->next)
        mine += memcmp(s->digest, t->digest, 32) == 0;
    bool full = n_subs >= cfg.max_streams;
    bool over = kind == LT_STREAM_UNLEASH && mine >= cfg.max_per_token;
    pthread_mutex_unlock(&mu);
    if (full || over) {
        lt_reply_header(r, "Retry-After", "60");
        lt_reply_error(r, 429, "TooManyRequestsError",
                       over ? "This token has %zu streams open already; poll instead."
                            : "The server has %zu streams open already; poll instead.",
                       over ? cfg.max_per_token : cfg.max_streams);
        return;
    }
    sub_t *s = lt_xcalloc(1, sizeof(*s));
    lt_arena_init(&s->arena, 1024);
    lt_delta_scope_copy(&s->arena, sc, &s->scope);
    memcpy(s->digest, t->digest, 32);
    s->type = t->type;
    s->token = *t;
    s->token.name = s->token.display = "";
    s->token.environment = lt_arena_strdup(&s->arena, t->environment);
    s->token.projects = NULL; /* only the type and expiry are read from it */
    s->token.n_projects = 0;
    s->kind = kind;
    s->revision = from;
    s->st = lt_reply_stream(r, 200, "text/event-stream", first->len + cfg.buffer_bytes);
    if (first->len)
        lt_stream_write(s->st, first->ptr, first->len);
    pthread_mutex_lock(&mu);
    s->next = subs;
    subs = s;
    n_subs++;
    /* a publication between this request's snapshot and now: bring the stream up to it */
    published = true;
    pthread_cond_signal(&wake);
    pthread_mutex_unlock(&mu);
}

/* The revision in Last-Event-ID; false when absent or not a number. */
static bool last_event_id(lt_req_t *r, uint64_t *out)
{
    lt_str_t h = lt_req_header(r, "Last-Event-ID");
    if (!h.ptr || !h.len || h.len > 19)
        return false;
    uint64_t v = 0;
    for (size_t i = 0; i < h.len; i++) {
        if (h.ptr[i] < '0' || h.ptr[i] > '9')
            return false;
        v = v * 10 + (uint64_t)(h.ptr[i] - '0');
    }
    *out = v;
    return true;
}

void lt_api_client_streaming(lt_req_t *r, const lt_params_t *p)
{
    const lt_token_t *t = lt_guard_api_token(r, LT_TOKEN_CLIENT);
    if (!t)
        return;
    lt_delta_scope_t sc;
    if (lt_delta_scope(r, t, &sc) != LT_OK)
        return;
    lt_snapshot_t *s = lt_req_snapshot(r);
    uint64_t from = 0;
    lt_hist_t *cur = lt_hist_of(s);
    lt_hist_t *old = last_event_id(r, &from) ? lt_hist_find(from) : NULL;
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (old) {
        /* a resume: what changed since, if anything */
        lt_buf_printf(&b, "event: unleash-updated\nid: %llu\ndata: ",
                      (unsigned long long)s->revision);
        if (!lt_delta_write_changes(&b, s, old, cur, &sc))
            lt_buf_reset(&b);
        else
            lt_buf_puts(&b, "\n\n");
    } else {
        lt_buf_printf(&b, "event: unleash-connected\nid: %llu\ndata: ",
                      (unsigned long long)s->revision);
        lt_delta_write_hydration(&b, s, &sc);
        lt_buf_puts(&b, "\n\n");
    }
    lt_hist_release(old);
    lt_hist_release(cur);
    if (!lt_buf_ok(&b))
        lt_reply_error(r, 500, "InternalError", "The state was too large to stream.");
    else
        lt_stream_open(r, t, &sc, LT_STREAM_UNLEASH, &b, s->revision);
    lt_buf_dispose(&b);
}
