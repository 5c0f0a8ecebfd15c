/*
 * quota.c: per-token request quotas over a fixed table of per-second windows; see quota.h.
 */
#include "quota.h"

#include <pthread.h>
#include <stdio.h>

#include "../base/util.h"

#define SLOTS 4096 /* power of two */

typedef struct {
    uint64_t key; /* the first 8 bytes of the token's digest; 0 = empty */
    int64_t second;
    int64_t count;
} slot_t;

static slot_t slots[SLOTS];
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;

bool lt_quota_admit(lt_req_t *r, const lt_token_t *t)
{
    if (t->quota_rps <= 0)
        return true;
    uint64_t key;
    memcpy(&key, t->digest, sizeof(key));
    key |= 1; /* never 0 */
    int64_t now = lt_now_ms();
    int64_t second = now / 1000;
    pthread_mutex_lock(&lock);
    slot_t *s = &slots[key & (SLOTS - 1)];
    if (s->key != key || s->second != second) {
        s->key = key;
        s->second = second;
        s->count = 0;
    }
    bool ok = s->count < t->quota_rps;
    if (ok)
        s->count++;
    pthread_mutex_unlock(&lock);
    if (ok)
        return true;
    lt_reply_header(r, "Retry-After", "1"); /* the next window starts within a second */
    lt_reply_error(r, 429, "TooManyRequestsError",
                   "This token may make %lld requests per second; try again in a second.",
                   (long long)t->quota_rps);
    return false;
}
