/*
 * chain.c: the tamper-evident event log (docs/ACCESS.md, "The event log's chain"). Each event
 * row stores the hash of the row before it (prev_hash) and its own: hex(SHA-256(prev_hash ||
 * canonical JSON of the row)). The canonical JSON is written here and only here; the append
 * (sql_write.c, under the backend's write lock) and the verification below both use it. The
 * walk reads the log in id order through the backend's events_walk, one row at a time, so the
 * check runs in bounded memory whatever the log's length. Also the admin API's JSON of an event,
 * which `latch events export` streams with the chain's fields.
 */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <string.h>

#include "../base/util.h"
#include "load_rows.h"

/* ---------- canonical JSON and the hash ---------- */

/* A stored text as a JSON string by a fixed rule: `"` and `\` escaped with a backslash, bytes
 * below 0x20 as \u00xx (lower-case hex), every other byte as it is; NULL as null. */
static void canon_str(lt_buf_t *b, const char *s)
{
    if (!s) {
        lt_buf_puts(b, "null");
        return;
    }
    lt_buf_putc(b, '"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            lt_buf_putc(b, '\\');
            lt_buf_putc(b, (char)*p);
        } else if (*p < 0x20) {
            lt_buf_printf(b, "\\u%04x", *p);
        } else {
            lt_buf_putc(b, (char)*p);
        }
    }
    lt_buf_putc(b, '"');
}

void lt_store_event_canon(lt_buf_t *b, const lt_event_row_t *e)
{
    lt_buf_printf(b, "{\"id\":%lld,\"type\":", (long long)e->id);
    canon_str(b, e->type);
    lt_buf_printf(b, ",\"created_at\":%lld,\"created_by\":", (long long)e->created_at);
    canon_str(b, e->created_by);
    if (e->created_by_user_id)
        lt_buf_printf(b, ",\"created_by_user_id\":%lld", (long long)e->created_by_user_id);
    else
        lt_buf_puts(b, ",\"created_by_user_id\":null");
    lt_buf_puts(b, ",\"project\":");
    canon_str(b, e->project);
    lt_buf_puts(b, ",\"environment\":");
    canon_str(b, e->environment);
    lt_buf_puts(b, ",\"feature_name\":");
    canon_str(b, e->feature_name);
    lt_buf_puts(b, ",\"data\":");
    canon_str(b, e->data);
    lt_buf_puts(b, ",\"pre_data\":");
    canon_str(b, e->pre_data);
    lt_buf_putc(b, '}');
}

void lt_store_event_hash(const char *prev, const lt_event_row_t *e, char out[65])
{
    lt_buf_t b;
    lt_buf_init(&b, 0);
    lt_buf_puts(&b, prev ? prev : "");
    lt_store_event_canon(&b, e);
    uint8_t d[32];
    lt_sha256(b.ptr ? b.ptr : "", b.len, d);
    lt_hex(d, sizeof(d), out);
    lt_buf_dispose(&b);
}

void lt__event_row_read(const lt__row_t *r, lt_event_row_t *e)
{
    e->id = r->num(r, 0);
    e->type = r->text(r, 1);
    e->created_at = r->num(r, 2);
    e->created_by = r->text(r, 3);
    e->created_by_user_id = r->num(r, 4);
    e->project = r->text(r, 5);
    e->environment = r->text(r, 6);
    e->feature_name = r->text(r, 7);
    e->data = r->text(r, 8);
    e->pre_data = r->text(r, 9);
    e->prev_hash = r->text(r, 10);
    e->hash = r->text(r, 11);
}

int lt_store_events_walk(lt_store_t *s, int64_t after_id, lt_chain_anchor_t *anchor, lt_event_fn fn,
                         void *ctx)
{
    return s->be->events_walk(s, after_id, anchor, fn, ctx);
}

/* ---------- verification ---------- */

/* The walk's state: the last two rows that held (their hashes and ids), and a row whose link
 * failed, held back until the next row tells how it failed. */
typedef struct {
    lt_chain_report_t *r;
    const lt_chain_anchor_t *expect; /* the head to find, or NULL */
    bool expect_seen;
    char h1[65], h2[65]; /* the last good row's hash (the anchor's at first), the one before */
    int64_t id1;
    bool started; /* h1 and id1 set from the anchor (the walk fills it before the first row) */
    bool pending;
    int64_t p_id;
    char p_prev[65];
    bool p_self; /* the held row's own hash is right over its stored prev_hash */
} verify_t;

#define STOP 1 /* the first broken link is found */

static bool same(const char *stored, const char *want)
{
    return stored && want[0] && strcmp(stored, want) == 0;
}

static void broken(verify_t *v, lt_chain_break_t how, int64_t at, int64_t other)
{
    v->r->broken = how;
    v->r->at_id = at;
    v->r->other_id = other;
}

/* The held row with no row after it to compare. */
static void settle(verify_t *v)
{
    if (!v->p_self)
        broken(v, LT_CHAIN_CHANGED, v->p_id, 0);
    else
        broken(v, LT_CHAIN_DELETED, v->p_id, v->id1);
}

static int verify_row(void *ctx, const lt_event_row_t *e)
{
    verify_t *v = ctx;
    if (!v->started) {
        memcpy(v->h1, v->r->anchor.hash, sizeof(v->h1));
        v->id1 = v->r->anchor.id;
        v->started = true;
    }
    if (e->id <= v->r->anchor.id) {
        v->r->before++;
        return 0;
    }
    char h[65];
    lt_store_event_hash(e->prev_hash, e, h);
    bool self = same(e->hash, h), link = same(e->prev_hash, v->h1);
    if (v->pending) {
        if (same(e->hash, v->p_prev)) /* the held row links to this one: they swapped */
            broken(v, LT_CHAIN_ORDER, v->p_id, e->id);
        else if (same(e->prev_hash, v->h1)) /* this one links over the held row */
            broken(v, LT_CHAIN_INSERTED, v->p_id, e->id);
        else
            settle(v);
        return STOP;
    }
    if (link && self && v->expect && !v->expect_seen && e->id >= v->expect->id) {
        v->expect_seen = true;
        if (e->id > v->expect->id) { /* passed over: the expected head is not there */
            broken(v, LT_CHAIN_HEAD_MISSING, v->expect->id, v->id1);
            return STOP;
        }
        if (strcmp(e->hash, v->expect->hash) != 0) {
            broken(v, LT_CHAIN_HEAD_CHANGED, e->id, 0);
            return STOP;
        }
    }
    if (link && self) {
        memcpy(v->h2, v->h1, sizeof(v->h2));
        snprintf(v->h1, sizeof(v->h1), "%s", e->hash);
        v->id1 = e->id;
        v->r->checked++;
        return 0;
    }
    if (link) {
        broken(v, LT_CHAIN_CHANGED, e->id, 0);
        return STOP;
    }
    if (self && same(e->prev_hash, v->h2)) { /* it links over the row before: that one is extra */
        broken(v, LT_CHAIN_INSERTED, v->id1, e->id);
        return STOP;
    }
    v->pending = true;
    v->p_id = e->id;
    v->p_self = self;
    snprintf(v->p_prev, sizeof(v->p_prev), "%s", e->prev_hash ? e->prev_hash : "");
    return 0;
}

int lt_store_events_verify(lt_store_t *s, const lt_chain_anchor_t *expect, lt_chain_report_t *out)
{
    memset(out, 0, sizeof(*out));
    verify_t v = {.r = out, .expect = expect, .pending = false};
    int rc = lt_store_events_walk(s, 0, &out->anchor, verify_row, &v);
    if (rc != LT_OK && rc != STOP)
        return LT_ERR;
    if (rc == LT_OK && v.pending)
        settle(&v);
    out->head_id = v.started ? v.id1 : out->anchor.id;
    memcpy(out->head_hash, v.started ? v.h1 : out->anchor.hash, sizeof(out->head_hash));
    if (out->broken == LT_CHAIN_OK && expect && !v.expect_seen) /* the log ends before it */
        broken(&v, LT_CHAIN_HEAD_MISSING, expect->id, out->head_id);
    return LT_OK;
}

/* ---------- the admin API's JSON of an event ---------- */

/* Stored JSON text as a value: verbatim when it parses, else as a string. */
static void write_json_text(lt_buf_t *b, const char *text)
{
    if (!text) {
        lt_buf_puts(b, "null");
        return;
    }
    cJSON *j = cJSON_Parse(text);
    if (j)
        lt_buf_puts(b, text);
    else
        lt_json_cstr(b, text);
    cJSON_Delete(j);
}

void lt_store_event_write_json(lt_buf_t *b, const lt_event_row_t *e, bool chain)
{
    lt_buf_printf(b, "{\"id\":%lld,\"type\":", (long long)e->id);
    lt_json_cstr_or_null(b, e->type);
    lt_buf_puts(b, ",\"createdAt\":");
    lt_json_time(b, e->created_at);
    lt_buf_puts(b, ",\"createdBy\":");
    lt_json_cstr_or_null(b, e->created_by);
    lt_buf_puts(b, ",\"createdByUserId\":");
    if (e->created_by_user_id)
        lt_json_i64(b, e->created_by_user_id);
    else
        lt_buf_puts(b, "null");
    lt_buf_puts(b, ",\"environment\":");
    lt_json_cstr_or_null(b, e->environment);
    lt_buf_puts(b, ",\"project\":");
    lt_json_cstr_or_null(b, e->project);
    lt_buf_puts(b, ",\"featureName\":");
    lt_json_cstr_or_null(b, e->feature_name);
    lt_buf_puts(b, ",\"data\":");
    write_json_text(b, e->data);
    lt_buf_puts(b, ",\"preData\":");
    write_json_text(b, e->pre_data);
    lt_buf_puts(b, ",\"tags\":[],\"label\":null,\"summary\":null");
    if (chain) {
        lt_buf_puts(b, ",\"prevHash\":");
        lt_json_cstr_or_null(b, e->prev_hash);
        lt_buf_puts(b, ",\"hash\":");
        lt_json_cstr_or_null(b, e->hash);
    }
    lt_buf_putc(b, '}');
}
