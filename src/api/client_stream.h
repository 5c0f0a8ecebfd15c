/*
 * client_stream.h: server-sent event streams of flag changes. GET /api/client/streaming (client
 * tokens, Unleash's streaming mode): `unleash-connected` with the full state of the token's
 * scope, then `unleash-updated` with the delta events of each change, each with its SSE id (the
 * revision), a resume without a full state from Last-Event-ID while that revision's digest is
 * kept. The OFREP event stream (ofrep.c) rides on the same machinery with `refetchEvaluation`
 * messages. When the tokens change (created, revoked, rescoped, expiry moved), every Unleash
 * stream also gets `event: latch-tokens-changed` (SDKs ignore it; an edge re-validates the
 * tokens it caches). One worker thread, woken by every snapshot publication, writes to every stream;
 * streams cost no thread while idle (http.h). A revoked or expired token's streams are closed
 * at the publication (or the expiry) itself.
 */
#ifndef LT_CLIENT_STREAM_H
#define LT_CLIENT_STREAM_H

#include "client_delta.h"

typedef struct {
    int heartbeat_ms;     /* a comment line this often on every stream (default 30000) */
    size_t max_streams;   /* open at once, all tokens together (default 20000) */
    size_t max_per_token; /* open at once per token (default 64) */
    size_t buffer_bytes;  /* queued per stream beyond its first message (default 1 MiB) */
} lt_stream_config_t;

/* Start the worker and hook it to snapshot publication; cfg NULL or zero fields: defaults.
 * LT_OK or LT_ERR. */
int lt_stream_start(const lt_stream_config_t *cfg);
/* Where a stream finds its token again when the snapshot's table does not hold it (`latch
 * edge`: its token cache): true with *out filled, strings in a. Called without the registry's
 * lock, so it may take its own. Set once before lt_stream_start; NULL: the snapshot only. */
typedef bool (*lt_stream_lookup_fn)(const uint8_t digest[32], lt_arena_t *a, lt_token_t *out);
void lt_stream_set_lookup(lt_stream_lookup_fn fn);
/* That hook's answer (false when none is set). */
bool lt_stream_lookup(const uint8_t digest[32], lt_arena_t *a, lt_token_t *out);
/* Send `latch-tokens-changed` on every Unleash stream at the next pass, as when the snapshot's
 * token table moves (`latch edge`, whose snapshot has no table: a cached token turned invalid,
 * so edges in front of this one re-validate too). Any thread. */
void lt_stream_tokens_changed(void);
/* Close every stream and stop the worker (before lt_http_stop). */
void lt_stream_stop(void);

/* What a stream carries. */
typedef enum {
    LT_STREAM_UNLEASH, /* unleash-connected / unleash-updated with delta events */
    LT_STREAM_REFETCH, /* OFREP: {"type":"refetchEvaluation"} when something in scope changed */
    LT_STREAM_REFETCH_FIXED, /* the same for a configured proxy client key (never revoked) */
} lt_stream_kind_t;

/*
 * Open a stream for token t over scope sc (both read now, copied), after the limits (429 with
 * Retry-After otherwise): the total, and for LT_STREAM_UNLEASH the per-token one (front-end
 * tokens are shared by every browser of an app by design: only the total binds them). The
 * token is found again by t->digest in every new snapshot (not for _FIXED). first: the bytes
 * to send first (may be empty); from: the revision the reader is at. Replies in every case.
 */
void lt_stream_open(lt_req_t *r, const lt_token_t *t, const lt_delta_scope_t *sc,
                    lt_stream_kind_t kind, const lt_buf_t *first, uint64_t from);

/* GET /api/client/streaming */
void lt_api_client_streaming(lt_req_t *r, const lt_params_t *p);

#endif
