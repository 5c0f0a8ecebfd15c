/*
 * util.c: implementations for util.h. Crypto comes from libsodium.
 */
#include "util.h"

#include "buf.h"

#include <ctype.h>
#include <sodium.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int64_t lt_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t lt_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

void lt_time_format(int64_t ms, char out[32])
{
    time_t secs = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    int frac = (int)(ms - (int64_t)secs * 1000);
    struct tm tm;
    gmtime_r(&secs, &tm);
    int year = tm.tm_year + 1900;
    if (year < 0 || year > 9999) /* keep the format fixed-width */
        year = year < 0 ? 0 : 9999;
    snprintf(out, 32, "%04u-%02u-%02uT%02u:%02u:%02u.%03uZ", (unsigned)year % 10000u,
             (unsigned)tm.tm_mon % 13u + 1u, (unsigned)tm.tm_mday % 32u, (unsigned)tm.tm_hour % 24u,
             (unsigned)tm.tm_min % 60u, (unsigned)tm.tm_sec % 61u, (unsigned)frac % 1000u);
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static bool digits(const char *s, size_t len, size_t at, size_t n, int *out)
{
    if (at + n > len)
        return false;
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[at + i]))
            return false;
        v = v * 10 + (s[at + i] - '0');
    }
    *out = v;
    return true;
}

int lt_time_parse(const char *s, size_t len, int64_t *out_ms)
{
    int y, mo, d, h = 0, mi = 0, se = 0;
    int64_t ms = 0;
    size_t i = 0;
    if (!digits(s, len, 0, 4, &y) || len < 10 || s[4] != '-' || !digits(s, len, 5, 2, &mo) ||
        s[7] != '-' || !digits(s, len, 8, 2, &d))
        return LT_EINVAL;
    i = 10;
    int64_t offset_min = 0;
    if (i < len && (s[i] == 'T' || s[i] == 't' || s[i] == ' ')) {
        i++;
        if (!digits(s, len, i, 2, &h) || i + 2 >= len || s[i + 2] != ':' ||
            !digits(s, len, i + 3, 2, &mi))
            return LT_EINVAL;
        i += 5;
        if (i < len && s[i] == ':') {
            if (!digits(s, len, i + 1, 2, &se))
                return LT_EINVAL;
            i += 3;
            if (i < len && (s[i] == '.' || s[i] == ',')) {
                i++;
                int scale = 100, nd = 0;
                while (i < len && isdigit((unsigned char)s[i])) {
                    if (nd < 3)
                        ms += (s[i] - '0') * scale;
                    scale /= 10;
                    nd++;
                    i++;
                }
                if (nd == 0)
                    return LT_EINVAL;
            }
        }
        if (i < len && (s[i] == 'Z' || s[i] == 'z')) {
            i++;
        } else if (i < len && (s[i] == '+' || s[i] == '-')) {
            int oh, om = 0;
            int sign = s[i] == '-' ? -1 : 1;
            if (!digits(s, len, i + 1, 2, &oh))
                return LT_EINVAL;
            i += 3;
            if (i < len && s[i] == ':')
                i++;
            if (i < len) {
                if (!digits(s, len, i, 2, &om))
                    return LT_EINVAL;
                i += 2;
            }
            offset_min = sign * (oh * 60 + om);
        }
    }
    if (i != len || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
        return LT_EINVAL;
    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    *out_ms = ((days * 24 + h) * 60 + mi - offset_min) * 60000 + (int64_t)se * 1000 + ms;
    return LT_OK;
}

int64_t lt_double_clamp(double d, int64_t lo, int64_t hi)
{
    if (!(d > (double)lo)) /* NaN too */
        return lo;
    if (d >= (double)hi) /* (double)INT64_MAX rounds up to 2^63, out of range itself */
        return hi;
    return (int64_t)d;
}

int lt_double_to_i64(double d, int64_t lo, int64_t hi, int64_t *out)
{
    if (!(d >= (double)lo) || d >= (double)hi + 1.0 || d != floor(d))
        return LT_EINVAL;
    int64_t v = lt_double_clamp(d, lo, hi);
    if (v < lo || v > hi)
        return LT_EINVAL;
    *out = v;
    return LT_OK;
}

int lt_duration_parse(const char *s, int64_t *out_ms)
{
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || v > 100000000)
        return LT_EINVAL;
    int64_t unit;
    if (strcmp(end, "d") == 0)
        unit = 86400000;
    else if (strcmp(end, "h") == 0)
        unit = 3600000;
    else if (strcmp(end, "m") == 0)
        unit = 60000;
    else if (strcmp(end, "s") == 0 || *end == '\0')
        unit = 1000;
    else
        return LT_EINVAL;
    *out_ms = (int64_t)v * unit;
    return LT_OK;
}

void lt_hex(const uint8_t *in, size_t n, char *out)
{
    static const char hex[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hex[in[i] >> 4];
        out[2 * i + 1] = hex[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void lt_sha256(const void *s, size_t n, uint8_t out[32])
{
    crypto_hash_sha256(out, s, n);
}

void lt_random_hex(size_t n, char *out)
{
    uint8_t buf[64];
    lt_assert(n <= sizeof(buf));
    randombytes_buf(buf, n);
    lt_hex(buf, n, out);
    sodium_memzero(buf, sizeof(buf));
}

void lt_uuid(char out[37])
{
    uint8_t b[16];
    randombytes_buf(b, sizeof(b));
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char hex[33];
    lt_hex(b, 16, hex);
    snprintf(out, 37, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
}

static inline uint32_t rotl32(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

uint32_t lt_murmur3_32(const void *key, size_t len, uint32_t seed)
{
    const uint8_t *data = key;
    const size_t nblocks = len / 4;
    const uint32_t c1 = 0xcc9e2d51, c2 = 0x1b873593;
    uint32_t h1 = seed;
    for (size_t i = 0; i < nblocks; i++) {
        uint32_t k1;
        memcpy(&k1, data + i * 4, 4); /* x86: little-endian */
        k1 *= c1;
        k1 = rotl32(k1, 15);
        k1 *= c2;
        h1 ^= k1;
        h1 = rotl32(h1, 13);
        h1 = h1 * 5 + 0xe6546b64;
    }
    const uint8_t *tail = data + nblocks * 4;
    uint32_t k1 = 0;
    switch (len & 3) {
    case 3:
        k1 ^= (uint32_t)tail[2] << 16;
        /* fall through */
    case 2:
        k1 ^= (uint32_t)tail[1] << 8;
        /* fall through */
    case 1:
        k1 ^= tail[0];
        k1 *= c1;
        k1 = rotl32(k1, 15);
        k1 *= c2;
        h1 ^= k1;
    }
    h1 ^= (uint32_t)len;
    h1 ^= h1 >> 16;
    h1 *= 0x85ebca6b;
    h1 ^= h1 >> 13;
    h1 *= 0xc2b2ae35;
    h1 ^= h1 >> 16;
    return h1;
}

uint64_t lt_fnv1a(const void *p, size_t n)
{
    const uint8_t *s = p;
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++) {
        h ^= s[i];
        h *= 1099511628211ull;
    }
    return h;
}

static bool semver_num(const char *s, size_t len, size_t *i, int64_t *out)
{
    size_t start = *i;
    int64_t v = 0;
    while (*i < len && isdigit((unsigned char)s[*i])) {
        if (v > (INT64_MAX - 9) / 10)
            return false;
        v = v * 10 + (s[*i] - '0');
        (*i)++;
    }
    if (*i == start || (s[start] == '0' && *i - start > 1))
        return false;
    *out = v;
    return true;
}

int lt_semver_core(const char *s, size_t len, int64_t out[3])
{
    size_t i = 0;
    for (int k = 0; k < 3; k++) {
        if (k > 0) {
            if (i >= len || s[i] != '.')
                return LT_EINVAL;
            i++;
        }
        if (!semver_num(s, len, &i, &out[k]))
            return LT_EINVAL;
    }
    if (i == len)
        return LT_OK;
    if (s[i] != '-' && s[i] != '+')
        return LT_EINVAL;
    /* pre-release and build: dot-separated non-empty identifiers of [0-9A-Za-z-] */
    bool seen_build = s[i] == '+';
    i++;
    size_t ident = 0;
    for (; i < len; i++) {
        char c = s[i];
        if (c == '.' || (c == '+' && !seen_build)) {
            if (ident == 0)
                return LT_EINVAL;
            if (c == '+')
                seen_build = true;
            ident = 0;
        } else if (isalnum((unsigned char)c) || c == '-') {
            ident++;
        } else {
            return LT_EINVAL;
        }
    }
    return ident ? LT_OK : LT_EINVAL;
}

char *lt_read_all(FILE *f, size_t max, size_t *out_len)
{
    lt_buf_t b;
    lt_buf_init(&b, max);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        lt_buf_append(&b, chunk, n);
    if (ferror(f) || !lt_buf_ok(&b)) {
        lt_buf_dispose(&b);
        return NULL;
    }
    return lt_buf_take(&b, out_len);
}
