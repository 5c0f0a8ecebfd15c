/*
 * token_usage.c: usage per token in a fixed open-addressing table keyed by the first 8 bytes of
 * the token's digest (claimed once by compare-and-swap, never freed while running); counters are
 * atomics, the newest-N lists of a token sit behind that token's own mutex, taken only when a
 * value changed or a second has passed. See token_usage.h.
 *
 * On a shared store (several instances on one PostgreSQL database) every process writes rows
 * of its own, keyed by (digest, an instance id drawn at start), so counts add up and never
 * overwrite; a report merges this process's counts with the other rows stored for the token.
 */
#include "token_usage.h"

#include <cjson/cJSON.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <strings.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../state/state.h"

#define PROBES 64
#define RING 8 /* day buckets, by epoch day modulo 8: seven shown, one being reset */
#define STR_MAX 64
#define DAY_MS 86400000LL

enum { M_SERVER_SDK, M_BROWSER_ORIGIN, M_WRONG_API, N_MISUSE };

typedef struct {
    char v[STR_MAX];
    char ua[STR_MAX]; /* edges: the caller's User-Agent */
    int64_t at;
} item_t;

typedef struct {
    item_t v[LT_TOKEN_USAGE_KEEP]; /* newest first */
    size_t n;
} list_t;

typedef struct {
    pthread_mutex_t lock;
    list_t apps, instances, addresses, edges;
} lists_t;

typedef struct {
    uint64_t key; /* 0: free */
    int ready;    /* digest and lists are set */
    uint8_t digest[32];
    int64_t last_seen;
    int64_t day_of[RING];
    uint64_t count[RING];
    uint64_t misuse[N_MISUSE];
    uint64_t h_addr, h_app, h_inst; /* what the lists saw last */
    int64_t lists_at;
    int dirty;
    lists_t *lists;
} slot_t;

static slot_t slots[LT_TOKEN_USAGE_SLOTS];
static uint64_t dropped;
static bool shared;          /* the store is shared: reports merge the other instances' rows */
static char instance_id[33]; /* this process's rows ("" on SQLite: the one process) */

#define LOAD(p) __atomic_load_n((p), __ATOMIC_RELAXED)
#define STORE(p, v) __atomic_store_n((p), (v), __ATOMIC_RELAXED)
#define ADD(p, v) __atomic_fetch_add((p), (v), __ATOMIC_RELAXED)

static uint64_t key_of(const uint8_t digest[32])
{
    uint64_t k;
    memcpy(&k, digest, sizeof(k));
    return k | 1;
}

/* The slot of digest (claimed when create and absent), or NULL. */
static slot_t *find(const uint8_t digest[32], bool create)
{
    uint64_t key = key_of(digest);
    for (size_t p = 0; p < PROBES; p++) {
        slot_t *s = &slots[(key + p) & (LT_TOKEN_USAGE_SLOTS - 1)];
        uint64_t k = __atomic_load_n(&s->key, __ATOMIC_ACQUIRE);
        if (k == key)
            return s;
        if (k != 0)
            continue;
        if (!create)
            return NULL;
        uint64_t zero = 0;
        if (__atomic_compare_exchange_n(&s->key, &zero, key, false, __ATOMIC_ACQ_REL,
                                        __ATOMIC_ACQUIRE)) {
            lists_t *l = lt_xcalloc(1, sizeof(*l));
            pthread_mutex_init(&l->lock, NULL);
            s->lists = l;
            memcpy(s->digest, digest, 32);
            __atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
            return s;
        }
        if (zero == key)
            return s;
    }
    if (create)
        ADD(&dropped, 1);
    return NULL;
}

static void copy_str(char out[STR_MAX], lt_str_t v)
{
    size_t n = v.ptr ? (v.len < STR_MAX - 1 ? v.len : STR_MAX - 1) : 0;
    for (size_t i = 0; i < n; i++) /* control bytes would only clutter the report */
        out[i] = (unsigned char)v.ptr[i] < 0x20 ? '?' : v.ptr[i];
    out[n] = '\0';
}

/* Put (v, ua) first in l at time at: moved up when there, else added (the oldest goes). */
static void list_put(list_t *l, lt_str_t v, lt_str_t ua, int64_t at)
{
    item_t it;
    memset(&it, 0, sizeof(it));
    copy_str(it.v, v);
    copy_str(it.ua, ua);
    if (!it.v[0])
        return;
    it.at = at;
    size_t i = 0;
    while (i < l->n && (strcmp(l->v[i].v, it.v) != 0 || strcmp(l->v[i].ua, it.ua) != 0))
        i++;
    if (i == l->n && l->n < LT_TOKEN_USAGE_KEEP)
        l->n++;
    if (i == l->n)
        i--; /* full: the oldest makes room */
    memmove(&l->v[1], &l->v[0], i * sizeof(item_t));
    l->v[0] = it;
}

static uint64_t hash_of(lt_str_t v)
{
    return v.ptr ? lt_fnv1a(v.ptr, v.len) : 0;
}

static void count_day(slot_t *s, int64_t day, uint64_t n)
{
    size_t i = (size_t)(day % RING);
    int64_t was = LOAD(&s->day_of[i]);
    if (was != day) {
        if (was > day)
            return; /* a stored count newer than this one */
        if (__atomic_compare_exchange_n(&s->day_of[i], &was, day, false, __ATOMIC_RELAXED,
                                        __ATOMIC_RELAXED))
            STORE(&s->count[i], 0);
    }
    ADD(&s->count[i], n);
}

static void seen_at(slot_t *s, int64_t now)
{
    int64_t prev = LOAD(&s->last_seen);
    while (prev < now && !__atomic_compare_exchange_n(&s->last_seen, &prev, now, false,
                                                      __ATOMIC_RELAXED, __ATOMIC_RELAXED))
        ;
}

/* Is this unleash-sdk value ("name:version") one of the server-side SDKs? */
static bool server_sdk_name(lt_str_t v)
{
    static const char *const words[] = {"node", "java", "go", "python", "ruby", "dotnet",
                                        "php", "rust", "elixir", "c++", "cpp"};
    size_t end = 0;
    while (end < v.len && v.ptr[end] != ':')
        end++;
    for (size_t i = 0; i < end;) {
        size_t j = i;
        while (j < end && v.ptr[j] != '-' && v.ptr[j] != '_')
            j++;
        for (size_t w = 0; w < sizeof(words) / sizeof(*words); w++)
            if (strlen(words[w]) == j - i && strncasecmp(v.ptr + i, words[w], j - i) == 0)
                return true;
        i = j + 1;
    }
    return false;
}

static bool in_snapshot(const lt_snapshot_t *snap, const lt_token_t *t)
{
    return snap && t >= snap->data.tokens && t < snap->data.tokens + snap->data.n_tokens;
}

void lt_token_usage_note(lt_req_t *r, const lt_token_t *t, lt_token_type_t api)
{
    if (!t || !in_snapshot(lt_req_snapshot(r), t))
        return;
    slot_t *s = find(t->digest, true);
    if (!s)
        return;
    int64_t now = lt_now_ms();
    count_day(s, now / DAY_MS, 1);
    seen_at(s, now);
    if (api == LT_TOKEN_ADMIN ? t->type != LT_TOKEN_ADMIN && t->type != LT_TOKEN_PAT
                              : t->type != api)
        ADD(&s->misuse[M_WRONG_API], 1);
    lt_str_t sdk = lt_req_header(r, "unleash-sdk");
    lt_str_t inst = lt_req_header(r, "UNLEASH-INSTANCEID");
    if (t->type == LT_TOKEN_FRONTEND && api == LT_TOKEN_FRONTEND &&
        ((sdk.ptr && server_sdk_name(sdk)) || (inst.ptr && inst.len)))
        ADD(&s->misuse[M_SERVER_SDK], 1);
    if (t->type == LT_TOKEN_CLIENT && api == LT_TOKEN_CLIENT && lt_req_header(r, "Origin").ptr)
        ADD(&s->misuse[M_BROWSER_ORIGIN], 1);
    STORE(&s->dirty, 1);
    if (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
        return; /* being claimed this instant: its lists wait for the next request */
    lt_str_t addr = lt_req_client_addr(r);
    lt_str_t app = lt_req_header(r, "unleash-appname");
    uint64_t ha = hash_of(addr), hp = hash_of(app), hi = hash_of(inst);
    if (ha == LOAD(&s->h_addr) && hp == LOAD(&s->h_app) && hi == LOAD(&s->h_inst) &&
        now - LOAD(&s->lists_at) < 1000)
        return; /* the common case: the same client again within a second, no lock */
    lt_str_t none = {NULL, 0};
    pthread_mutex_lock(&s->lists->lock);
    list_put(&s->lists->addresses, addr, none, now);
    list_put(&s->lists->apps, app, none, now);
    list_put(&s->lists->instances, inst, none, now);
    STORE(&s->h_addr, ha);
    STORE(&s->h_app, hp);
    STORE(&s->h_inst, hi);
    STORE(&s->lists_at, now);
    pthread_mutex_unlock(&s->lists->lock);
}

void lt_token_usage_edge(lt_req_t *r, const lt_token_t *t)
{
    if (!t || !in_snapshot(lt_req_snapshot(r), t))
        return;
    slot_t *s = find(t->digest, true);
    if (!s || !__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE))
        return;
    pthread_mutex_lock(&s->lists->lock);
    list_put(&s->lists->edges, lt_req_client_addr(r), lt_req_header(r, "User-Agent"), lt_now_ms());
    pthread_mutex_unlock(&s->lists->lock);
    STORE(&s->dirty, 1);
}

uint64_t lt_token_usage_dropped(void)
{
    return LOAD(&dropped);
}

/* ---------- JSON: the report, and the stored form ---------- */

static void write_list(lt_buf_t *b, const list_t *l, const char *key, bool edge)
{
    lt_buf_putc(b, '[');
    for (size_t i = 0; i < l->n; i++) {
        lt_buf_printf(b, "%s{\"%s\":", i ? "," : "", key);
        lt_json_cstr(b, l->v[i].v);
        if (edge) {
            lt_buf_puts(b, ",\"userAgent\":");
            lt_json_cstr_or_null(b, l->v[i].ua[0] ? l->v[i].ua : NULL);
        }
        lt_buf_puts(b, ",\"lastSeen\":");
        lt_json_time(b, l->v[i].at);
        lt_buf_putc(b, '}');
    }
    lt_buf_putc(b, ']');
}

static void day_name(int64_t day, char out[16])
{
    char iso[32];
    lt_time_format(day * DAY_MS, iso);
    snprintf(out, 16, "%.10s", iso);
}

/* The report of t from slot s (may be NULL). */
static bool write_report(lt_buf_t *b, const lt_snapshot_t *snap, const lt_token_t *t,
                         const lt_token_usage_opts_t *o, slot_t *s)
{
    bool ready = s && __atomic_load_n(&s->ready, __ATOMIC_ACQUIRE);
    int64_t last = lt_snapshot_token_last_seen(snap, t);
    if (s && LOAD(&s->last_seen) > last)
        last = LOAD(&s->last_seen);
    int64_t today = o->now_ms / DAY_MS;
    lt_buf_puts(b, "{\"lastSeen\":");
    lt_json_time(b, last);
    lt_buf_puts(b, ",\"requestsPerDay\":[");
    uint64_t total = 0;
    for (int64_t d = today - (LT_TOKEN_USAGE_DAYS - 1); d <= today; d++) {
        size_t i = (size_t)(d % RING);
        uint64_t n = s && LOAD(&s->day_of[i]) == d ? LOAD(&s->count[i]) : 0;
        total += n;
        char name[16];
        day_name(d, name);
        lt_buf_printf(b, "%s{\"date\":\"%s\",\"count\":%llu}", d > today - LT_TOKEN_USAGE_DAYS + 1 ? "," : "",
                      name, (unsigned long long)n);
    }
    lt_buf_printf(b, "],\"requestsLast7Days\":%llu", (unsigned long long)total);
    size_t recent = 0;
    static const list_t empty;
    if (ready)
        pthread_mutex_lock(&s->lists->lock);
    const lists_t *l = ready ? s->lists : NULL;
    lt_buf_puts(b, ",\"applications\":");
    write_list(b, l ? &l->apps : &empty, "appName", false);
    lt_buf_puts(b, ",\"instances\":");
    write_list(b, l ? &l->instances : &empty, "instanceId", false);
    lt_buf_puts(b, ",\"addresses\":");
    write_list(b, l ? &l->addresses : &empty, "address", false);
    lt_buf_puts(b, ",\"edges\":");
    write_list(b, l ? &l->edges : &empty, "address", true);
    for (size_t i = 0; l && i < l->addresses.n; i++)
        recent += l->addresses.v[i].at > o->now_ms - (int64_t)o->window_s * 1000;
    if (ready)
        pthread_mutex_unlock(&s->lists->lock);
    lt_buf_printf(b,
                  ",\"misuse\":{\"frontendTokenFromServerSdk\":%llu,"
                  "\"clientTokenWithBrowserOrigin\":%llu,\"wrongApi\":%llu,"
                  "\"recentAddresses\":%zu,\"manyAddresses\":%s,\"windowSeconds\":%d,"
                  "\"addressThreshold\":%d}",
                  (unsigned long long)(s ? LOAD(&s->misuse[M_SERVER_SDK]) : 0),
                  (unsigned long long)(s ? LOAD(&s->misuse[M_BROWSER_ORIGIN]) : 0),
                  (unsigned long long)(s ? LOAD(&s->misuse[M_WRONG_API]) : 0), recent,
                  (int)recent >= o->address_threshold ? "true" : "false", o->window_s,
                  o->address_threshold);
    /* no use in N days: the last use, or the creation of a token never used, is older */
    int64_t since = last ? last : t->created_at;
    bool safe = since <= o->now_ms - (int64_t)o->unused_days * DAY_MS;
    lt_buf_printf(b, ",\"unusedDays\":%d,\"safeToDelete\":%s}", o->unused_days,
                  safe ? "true" : "false");
    return safe;
}

/* The stored form of a slot (lists lock held): the counts and the lists with epoch ms. */
static void write_stored(lt_buf_t *b, slot_t *s)
{
    lt_buf_printf(b, "{\"lastSeen\":%lld,\"days\":[", (long long)LOAD(&s->last_seen));
    bool first = true;
    for (size_t i = 0; i < RING; i++) {
        uint64_t n = LOAD(&s->count[i]);
        if (!n)
            continue;
        lt_buf_printf(b, "%s[%lld,%llu]", first ? "" : ",", (long long)LOAD(&s->day_of[i]),
                      (unsigned long long)n);
        first = false;
    }
    lt_buf_printf(b, "],\"misuse\":[%llu,%llu,%llu]",
                  (unsigned long long)LOAD(&s->misuse[0]), (unsigned long long)LOAD(&s->misuse[1]),
                  (unsigned long long)LOAD(&s->misuse[2]));
    const list_t *ls[] = {&s->lists->apps, &s->lists->instances, &s->lists->addresses,
                          &s->lists->edges};
    static const char *const names[] = {"apps", "instances", "addresses", "edges"};
    for (size_t k = 0; k < 4; k++) {
        lt_buf_printf(b, ",\"%s\":[", names[k]);
        for (size_t i = 0; i < ls[k]->n; i++) {
            lt_buf_puts(b, i ? ",[" : "[");
            lt_json_cstr(b, ls[k]->v[i].v);
            lt_buf_putc(b, ',');
            lt_json_cstr(b, ls[k]->v[i].ua);
            lt_buf_printf(b, ",%lld]", (long long)ls[k]->v[i].at);
        }
        lt_buf_putc(b, ']');
    }
    lt_buf_putc(b, '}');
}

/* Merge it into l, newest first: the same (value, agent) keeps its newest time; past
 * LT_TOKEN_USAGE_KEEP the oldest goes. */
static void list_merge(list_t *l, const item_t *it)
{
    size_t i = 0;
    while (i < l->n && (strcmp(l->v[i].v, it->v) != 0 || strcmp(l->v[i].ua, it->ua) != 0))
        i++;
    if (i < l->n) {
        if (l->v[i].at >= it->at)
            return;
        memmove(&l->v[i], &l->v[i + 1], (l->n - i - 1) * sizeof(item_t)); /* placed again */
        l->n--;
    }
    size_t at = 0;
    while (at < l->n && l->v[at].at >= it->at)
        at++;
    if (at == LT_TOKEN_USAGE_KEEP)
        return;
    if (l->n == LT_TOKEN_USAGE_KEEP)
        l->n--;
    memmove(&l->v[at + 1], &l->v[at], (l->n - at) * sizeof(item_t));
    l->v[at] = *it;
    l->n++;
}

static void read_list(list_t *l, const cJSON *a)
{
    const cJSON *it;
    cJSON_ArrayForEach(it, a)
    {
        const cJSON *v = cJSON_GetArrayItem(it, 0), *ua = cJSON_GetArrayItem(it, 1),
                    *at = cJSON_GetArrayItem(it, 2);
        if (!cJSON_IsString(v) || !cJSON_IsString(ua) || !cJSON_IsNumber(at))
            continue;
        item_t x;
        memset(&x, 0, sizeof(x));
        copy_str(x.v, lt_str_c(v->valuestring));
        copy_str(x.ua, lt_str_c(ua->valuestring));
        x.at = (int64_t)at->valuedouble;
        if (x.v[0])
            list_merge(l, &x);
    }
}

/* Add a stored row j (token_usage.c's stored form) to s: counts add up, lists merge. */
static void merge_stored(slot_t *s, const cJSON *j)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, "lastSeen");
    if (cJSON_IsNumber(v))
        seen_at(s, (int64_t)v->valuedouble);
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItemCaseSensitive(j, "days"))
    {
        const cJSON *d = cJSON_GetArrayItem(it, 0), *c = cJSON_GetArrayItem(it, 1);
        if (cJSON_IsNumber(d) && cJSON_IsNumber(c) && d->valuedouble >= 0 && c->valuedouble >= 0)
            count_day(s, (int64_t)d->valuedouble, (uint64_t)c->valuedouble);
    }
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(j, "misuse");
    for (int i = 0; i < N_MISUSE; i++) {
        const cJSON *c = cJSON_GetArrayItem(m, i);
        if (cJSON_IsNumber(c) && c->valuedouble >= 0)
            ADD(&s->misuse[i], (uint64_t)c->valuedouble);
    }
    pthread_mutex_lock(&s->lists->lock);
    read_list(&s->lists->apps, cJSON_GetObjectItemCaseSensitive(j, "apps"));
    read_list(&s->lists->instances, cJSON_GetObjectItemCaseSensitive(j, "instances"));
    read_list(&s->lists->addresses, cJSON_GetObjectItemCaseSensitive(j, "addresses"));
    read_list(&s->lists->edges, cJSON_GetObjectItemCaseSensitive(j, "edges"));
    pthread_mutex_unlock(&s->lists->lock);
}

static void load_one(void *ctx, const uint8_t digest[32], const char *instance, const char *data)
{
    size_t *n = ctx;
    if (strcmp(instance, instance_id) != 0)
        return; /* another instance's: merged into reports, never into this table */
    cJSON *j = cJSON_Parse(data);
    slot_t *s = cJSON_IsObject(j) ? find(digest, true) : NULL;
    if (s) {
        merge_stored(s, j);
        (*n)++;
    }
    cJSON_Delete(j);
}

/* A report's slot: this process's counts of t with the other instances' rows added. */
typedef struct {
    slot_t s;
    lists_t lists;
} merged_t;

/* The rows of other instances one report merges at most (one a process that ran in the last
 * LT_TOKEN_USAGE_STALE_DAYS; older ones are pruned). */
#define MERGE_ROWS_MAX 256

typedef struct {
    slot_t *into;
    size_t rows;
} merge_ctx_t;

static void merge_other(void *ctx, const uint8_t digest[32], const char *instance, const char *data)
{
    LT_UNUSED(digest);
    merge_ctx_t *m = ctx;
    if (strcmp(instance, instance_id) == 0 || m->rows == MERGE_ROWS_MAX)
        return; /* this process's own row is what memory holds, older */
    cJSON *j = cJSON_Parse(data);
    if (cJSON_IsObject(j)) {
        merge_stored(m->into, j);
        m->rows++;
    }
    cJSON_Delete(j);
}

bool lt_token_usage_write(lt_buf_t *b, const lt_snapshot_t *snap, const lt_token_t *t,
                          const lt_token_usage_opts_t *o)
{
    slot_t *mem = find(t->digest, false);
    if (!shared)
        return write_report(b, snap, t, o, mem);
    merged_t *m = lt_xcalloc(1, sizeof(*m));
    pthread_mutex_init(&m->lists.lock, NULL);
    m->s.lists = &m->lists;
    m->s.ready = 1;
    if (mem && __atomic_load_n(&mem->ready, __ATOMIC_ACQUIRE)) {
        m->s.last_seen = LOAD(&mem->last_seen);
        for (size_t i = 0; i < RING; i++) {
            m->s.day_of[i] = LOAD(&mem->day_of[i]);
            m->s.count[i] = LOAD(&mem->count[i]);
        }
        for (size_t i = 0; i < N_MISUSE; i++)
            m->s.misuse[i] = LOAD(&mem->misuse[i]);
        pthread_mutex_lock(&mem->lists->lock);
        m->lists.apps = mem->lists->apps;
        m->lists.instances = mem->lists->instances;
        m->lists.addresses = mem->lists->addresses;
        m->lists.edges = mem->lists->edges;
        pthread_mutex_unlock(&mem->lists->lock);
    }
    lt_store_t *store = lt_state_lock(); /* a read transaction: no write lock on PostgreSQL */
    merge_ctx_t ctx = {&m->s, 0};
    int rc = store ? lt_store_token_usage_load(store, t->digest, merge_other, &ctx) : LT_ERR;
    lt_state_unlock();
    if (rc != LT_OK)
        lt_log_warn("token usage: the other instances' usage could not be read; this one's shown");
    bool safe = write_report(b, snap, t, o, &m->s);
    pthread_mutex_destroy(&m->lists.lock);
    free(m);
    return safe;
}

void lt_token_usage_load(void)
{
    size_t n = 0;
    lt_store_t *store = lt_state_lock();
    shared = store && lt_store_notifies(store);
    if (shared) /* a row of its own for each process: counts from several add up */
        lt_random_hex(16, instance_id);
    int rc = LT_ERR;
    if (store) /* shared: this process's rows start now, the others' are merged into reports */
        rc = shared ? LT_OK : lt_store_token_usage_load(store, NULL, load_one, &n);
    lt_state_unlock();
    if (rc != LT_OK)
        lt_log_error("token usage: could not read the stored usage; counting from now");
    else
        lt_log_debug("token usage: read the usage of %zu tokens", n);
}

int lt_token_usage_flush(void)
{
    lt_token_usage_row_t *rows = NULL;
    char **texts = NULL;
    slot_t **taken = NULL;
    size_t n = 0, cap = 0;
    for (size_t i = 0; i < LT_TOKEN_USAGE_SLOTS; i++) {
        slot_t *s = &slots[i];
        if (!__atomic_load_n(&s->ready, __ATOMIC_ACQUIRE) || !LOAD(&s->dirty))
            continue;
        STORE(&s->dirty, 0); /* a request from now on marks it again */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            rows = lt_xrealloc(rows, cap * sizeof(*rows));
            texts = lt_xrealloc(texts, cap * sizeof(*texts));
            taken = lt_xrealloc(taken, cap * sizeof(*taken));
        }
        lt_buf_t b;
        lt_buf_init(&b, 0);
        pthread_mutex_lock(&s->lists->lock);
        write_stored(&b, s);
        pthread_mutex_unlock(&s->lists->lock);
        texts[n] = lt_buf_take(&b, NULL);
        memcpy(rows[n].digest, s->digest, 32);
        rows[n].data = texts[n] ? texts[n] : "{}";
        rows[n].instance = instance_id;
        taken[n++] = s;
    }
    int rc = LT_OK;
    if (n) {
        lt_store_t *store = lt_state_lock();
        rc = store ? lt_store_token_usage_write(store, rows, n) : LT_ERR;
        lt_state_unlock();
        if (rc != LT_OK) {
            lt_log_error("token usage: could not write the usage of %zu tokens; kept for the "
                         "next write",
                         n);
            for (size_t k = 0; k < n; k++)
                STORE(&taken[k]->dirty, 1);
        }
    }
    for (size_t k = 0; k < n; k++)
        free(texts[k]);
    free(rows);
    free(texts);
    free(taken);
    return rc;
}
