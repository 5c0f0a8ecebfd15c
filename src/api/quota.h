/*
 * quota.h: per-token request quotas (issue 16): a token whose record carries requests per
 * second is admitted at most that many times in each second; past it, 429 with Retry-After.
 * Counts live in a fixed table (bounded memory, no store writes); two tokens that land on one
 * slot share it by resetting each other's count, which can only admit more, never fewer.
 */
#ifndef LT_QUOTA_H
#define LT_QUOTA_H

#include "../http/http.h"

/* Admit one request of t now, or reply 429 (Retry-After, a JSON message) and return false. A
 * token without a quota is always admitted. */
bool lt_quota_admit(lt_req_t *r, const lt_token_t *t);

#endif
