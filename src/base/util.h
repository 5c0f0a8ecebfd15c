/*
 * util.h: time, hex, digests, random identifiers and MurmurHash3, shared by every module.
 */
#ifndef LT_UTIL_H
#define LT_UTIL_H

#include <limits.h>
#include <stdio.h>

#include "base.h"

/* Milliseconds since the Unix epoch (wall clock) and a monotonic clock in nanoseconds. */
int64_t lt_now_ms(void);
uint64_t lt_mono_ns(void);

/* Format epoch milliseconds as "2024-01-02T03:04:05.678Z" into out (at least 25 bytes). */
void lt_time_format(int64_t ms, char out[32]);
/*
 * Parse an ISO-8601 date or date-time ("2024-01-02", "2024-01-02T03:04:05Z",
 * "...T03:04:05.123+02:00") into epoch milliseconds. Returns LT_OK or LT_EINVAL.
 */
int lt_time_parse(const char *s, size_t len, int64_t *out_ms);
/* Parse a duration such as "30d", "12h", "15m", "90s" into milliseconds. */
int lt_duration_parse(const char *s, int64_t *out_ms);

/*
 * Numbers from JSON are doubles; converting one outside the integer's range is undefined
 * behaviour, so every such conversion goes through these. lt_double_to_i64: LT_OK with *out
 * when d is a whole number in [lo, hi], else LT_EINVAL (NaN, a fraction, out of range).
 * lt_double_clamp: d truncated and clamped to [lo, hi], NaN as lo.
 */
int lt_double_to_i64(double d, int64_t lo, int64_t hi, int64_t *out);
int64_t lt_double_clamp(double d, int64_t lo, int64_t hi);

/* Lower-case hex of n bytes into out (2n+1 bytes, NUL-terminated). */
void lt_hex(const uint8_t *in, size_t n, char *out);
/* SHA-256 of s into out[32] (libsodium). */
void lt_sha256(const void *s, size_t n, uint8_t out[32]);
/* n random bytes from the CSPRNG as lower-case hex (out: 2n+1 bytes). */
void lt_random_hex(size_t n, char *out);
/* A random RFC 4122 version-4 UUID, 36 chars + NUL. */
void lt_uuid(char out[37]);

/* MurmurHash3 x86_32 of the bytes with the given seed. */
uint32_t lt_murmur3_32(const void *key, size_t len, uint32_t seed);

/* FNV-1a 64-bit, for hash tables keyed by strings that are not attacker-chosen. */
uint64_t lt_fnv1a(const void *p, size_t n);

/*
 * Read the rest of stream f into a malloc'd, NUL-terminated buffer (the caller frees it) of
 * at most max bytes; its length in *out_len. NULL on a read error or when there is more than
 * max: never a silently shortened copy. Blocks on the stream.
 */
char *lt_read_all(FILE *f, size_t max, size_t *out_len);

/* Does s parse completely as a strict semantic version (2.0)? Returns LT_OK and fills out[3]. */
int lt_semver_core(const char *s, size_t len, int64_t out[3]);

#endif
