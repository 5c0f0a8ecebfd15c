/*
 * ops.c: the value parsers and small matchers behind the constraint operators: JavaScript-style
 * numbers, node-semver versions, IP networks, string sets, the rollout hash and the per-thread
 * PRNG. Pure functions over slices; nothing here allocates except lt__strset_init (arena).
 */
#include "eval_int.h"

#include <arpa/inet.h>
#include <math.h>
#include <stdlib.h>

#include "../base/util.h"

static bool is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static lt_str_t trim(lt_str_t s)
{
    while (s.len && is_space(s.ptr[0])) {
        s.ptr++;
        s.len--;
    }
    while (s.len && is_space(s.ptr[s.len - 1]))
        s.len--;
    return s;
}

/* ---- numbers ---- */

static double radix_number(lt_str_t s, unsigned radix)
{
    if (s.len == 0)
        return NAN;
    double v = 0;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        unsigned d;
        if (is_digit(c))
            d = (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            d = (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            d = (unsigned)(c - 'A' + 10);
        else
            return NAN;
        if (d >= radix)
            return NAN;
        v = v * radix + d;
    }
    return v;
}

double lt__js_number(lt_str_t s)
{
    s = trim(s);
    if (s.len == 0)
        return 0;
    if (s.len > 2 && s.ptr[0] == '0') {
        char x = s.ptr[1];
        lt_str_t rest = {s.ptr + 2, s.len - 2};
        if (x == 'x' || x == 'X')
            return radix_number(rest, 16);
        if (x == 'b' || x == 'B')
            return radix_number(rest, 2);
        if (x == 'o' || x == 'O')
            return radix_number(rest, 8);
    }
    size_t i = 0;
    bool neg = false;
    if (s.ptr[0] == '+' || s.ptr[0] == '-') {
        neg = s.ptr[0] == '-';
        i = 1;
    }
    if (s.len - i == 8 && memcmp(s.ptr + i, "Infinity", 8) == 0)
        return neg ? -INFINITY : INFINITY;
    /* StrDecimalLiteral: digits [. digits] | . digits, then an optional exponent */
    size_t int_digits = 0, frac_digits = 0;
    while (i < s.len && is_digit(s.ptr[i])) {
        i++;
        int_digits++;
    }
    if (i < s.len && s.ptr[i] == '.') {
        i++;
        while (i < s.len && is_digit(s.ptr[i])) {
            i++;
            frac_digits++;
        }
    }
    if (int_digits + frac_digits == 0)
        return NAN;
    if (i < s.len && (s.ptr[i] == 'e' || s.ptr[i] == 'E')) {
        i++;
        if (i < s.len && (s.ptr[i] == '+' || s.ptr[i] == '-'))
            i++;
        size_t exp_digits = 0;
        while (i < s.len && is_digit(s.ptr[i])) {
            i++;
            exp_digits++;
        }
        if (exp_digits == 0)
            return NAN;
    }
    if (i != s.len || s.len > 255)
        return NAN;
    char tmp[256];
    memcpy(tmp, s.ptr, s.len);
    tmp[s.len] = '\0';
    return strtod(tmp, NULL);
}

/* ---- semantic versions ---- */

#define MAX_SAFE_INTEGER 9007199254740991ull

/* A numeric identifier: 0 or [1-9][0-9]*, at most 2^53-1. */
static bool semver_number(const char *p, size_t len, size_t *i, uint64_t *out)
{
    size_t start = *i;
    uint64_t v = 0;
    while (*i < len && is_digit(p[*i])) {
        v = v * 10 + (uint64_t)(p[*i] - '0');
        if (v > MAX_SAFE_INTEGER)
            return false;
        (*i)++;
    }
    if (*i == start || (p[start] == '0' && *i - start > 1))
        return false;
    *out = v;
    return true;
}

static bool ident_char(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
}

/* Pre-release identifier: all digits without a leading zero, or anything with a non-digit. */
static bool pre_ident_ok(const char *p, size_t n)
{
    if (n == 0)
        return false;
    bool numeric = true;
    for (size_t i = 0; i < n; i++) {
        if (!ident_char(p[i]))
            return false;
        if (!is_digit(p[i]))
            numeric = false;
    }
    return !numeric || n == 1 || p[0] != '0';
}

bool lt__semver_parse(lt_str_t s, bool allow_v, lt__semver_t *out)
{
    if (s.len > 256)
        return false;
    s = trim(s);
    const char *p = s.ptr;
    size_t len = s.len, i = 0;
    if (len && p[0] == 'v') {
        if (!allow_v)
            return false;
        i = 1;
    }
    if (!semver_number(p, len, &i, &out->major) || i >= len || p[i++] != '.' ||
        !semver_number(p, len, &i, &out->minor) || i >= len || p[i++] != '.' ||
        !semver_number(p, len, &i, &out->patch))
        return false;
    out->pre = (lt_str_t){p + i, 0};
    if (i < len && p[i] == '-') {
        size_t start = ++i, id_start = i;
        for (; i <= len; i++) {
            if (i == len || p[i] == '.' || p[i] == '+') {
                if (!pre_ident_ok(p + id_start, i - id_start))
                    return false;
                if (i == len || p[i] == '+')
                    break;
                id_start = i + 1;
            }
        }
        out->pre = (lt_str_t){p + start, i - start};
    }
    if (i < len && p[i] == '+') {
        size_t id_len = 0;
        for (i++; i < len; i++) {
            if (p[i] == '.') {
                if (id_len == 0)
                    return false;
                id_len = 0;
            } else if (ident_char(p[i])) {
                id_len++;
            } else {
                return false;
            }
        }
        if (id_len == 0)
            return false;
    }
    return i == len;
}

static bool all_digits(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!is_digit(p[i]))
            return false;
    return true;
}

static int cmp_ident(const char *a, size_t na, const char *b, size_t nb)
{
    bool anum = all_digits(a, na), bnum = all_digits(b, nb);
    if (anum && bnum) {
        /* no leading zeros (validated), so the longer number is the larger */
        if (na != nb)
            return na < nb ? -1 : 1;
        int c = memcmp(a, b, na);
        return c < 0 ? -1 : c > 0;
    }
    if (anum != bnum)
        return anum ? -1 : 1;
    size_t n = na < nb ? na : nb;
    int c = memcmp(a, b, n);
    if (c)
        return c < 0 ? -1 : 1;
    return na < nb ? -1 : na > nb;
}

static int cmp_u64(uint64_t a, uint64_t b)
{
    return a < b ? -1 : a > b;
}

int lt__semver_cmp(const lt__semver_t *a, const lt__semver_t *b)
{
    int c = cmp_u64(a->major, b->major);
    if (!c)
        c = cmp_u64(a->minor, b->minor);
    if (!c)
        c = cmp_u64(a->patch, b->patch);
    if (c)
        return c;
    /* a version without a pre-release ranks above one with */
    if (!a->pre.len || !b->pre.len)
        return a->pre.len ? -1 : b->pre.len ? 1 : 0;
    size_t i = 0, j = 0;
    for (;;) {
        bool a_end = i >= a->pre.len, b_end = j >= b->pre.len;
        if (a_end || b_end)
            return a_end && b_end ? 0 : a_end ? -1 : 1;
        size_t ie = i, je = j;
        while (ie < a->pre.len && a->pre.ptr[ie] != '.')
            ie++;
        while (je < b->pre.len && b->pre.ptr[je] != '.')
            je++;
        c = cmp_ident(a->pre.ptr + i, ie - i, b->pre.ptr + j, je - j);
        if (c)
            return c;
        i = ie + 1;
        j = je + 1;
    }
}

/* ---- IP networks ---- */

static bool parse_v4(const char *p, size_t len, uint8_t out[4])
{
    size_t i = 0;
    for (int part = 0; part < 4; part++) {
        if (part > 0) {
            if (i >= len || p[i] != '.')
                return false;
            i++;
        }
        unsigned v = 0;
        size_t nd = 0;
        while (i < len && is_digit(p[i]) && nd < 4) {
            v = v * 10 + (unsigned)(p[i] - '0');
            i++;
            nd++;
        }
        if (nd == 0 || nd > 3 || v > 255)
            return false;
        out[part] = (uint8_t)v;
    }
    return i == len;
}

bool lt__cidr_parse(lt_str_t s, bool allow_prefix, lt__cidr_t *out)
{
    memset(out, 0, sizeof(*out));
    size_t addr_len = s.len;
    int prefix = -1;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i] == '/') {
            if (!allow_prefix || i + 1 == s.len || s.len - i - 1 > 3)
                return false;
            prefix = 0;
            for (size_t k = i + 1; k < s.len; k++) {
                if (!is_digit(s.ptr[k]))
                    return false;
                prefix = prefix * 10 + (s.ptr[k] - '0');
            }
            addr_len = i;
            break;
        }
    }
    if (addr_len == 0)
        return false;
    if (parse_v4(s.ptr, addr_len, out->addr)) {
        out->family = 4;
        if (prefix > 32)
            return false;
        out->prefix = (uint8_t)(prefix < 0 ? 32 : prefix);
        return true;
    }
    char tmp[64];
    if (addr_len >= sizeof(tmp) || memchr(s.ptr, ':', addr_len) == NULL)
        return false;
    memcpy(tmp, s.ptr, addr_len);
    tmp[addr_len] = '\0';
    if (inet_pton(AF_INET6, tmp, out->addr) != 1 || prefix > 128)
        return false;
    out->family = 6;
    out->prefix = (uint8_t)(prefix < 0 ? 128 : prefix);
    return true;
}

bool lt__cidr_contains(const lt__cidr_t *net, const lt__cidr_t *ip)
{
    if (net->family != ip->family)
        return false;
    unsigned full = net->prefix / 8u, rest = net->prefix % 8u;
    if (memcmp(net->addr, ip->addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xffu << (8 - rest));
    return (net->addr[full] & mask) == (ip->addr[full] & mask);
}

/* ---- string sets ---- */

#define STRSET_LINEAR_MAX 8

void lt__strset_init(lt_arena_t *a, lt__strset_t *set, lt_str_t *items, size_t n)
{
    set->items = items;
    set->n = n;
    set->slots = NULL;
    set->mask = 0;
    if (n <= STRSET_LINEAR_MAX)
        return;
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    set->slots = lt_arena_calloc(a, cap, sizeof(*set->slots));
    set->mask = cap - 1;
    for (size_t i = 0; i < n; i++) {
        size_t h = (size_t)lt_fnv1a(items[i].ptr, items[i].len) & set->mask;
        while (set->slots[h])
            h = (h + 1) & set->mask;
        set->slots[h] = (uint32_t)(i + 1);
    }
}

bool lt__strset_has(const lt__strset_t *set, lt_str_t s)
{
    if (!set->slots) {
        for (size_t i = 0; i < set->n; i++)
            if (lt_str_eq(set->items[i], s))
                return true;
        return false;
    }
    size_t h = (size_t)lt_fnv1a(s.ptr, s.len) & set->mask;
    for (uint32_t idx; (idx = set->slots[h]) != 0; h = (h + 1) & set->mask)
        if (lt_str_eq(set->items[idx - 1], s))
            return true;
    return false;
}

/* ---- hashing and randomness ---- */

typedef struct {
    uint32_t h;
    uint32_t carry;
    unsigned n_carry;
    size_t len;
} murmur_t;

static inline uint32_t rotl(uint32_t x, int r)
{
    return (x << r) | (x >> (32 - r));
}

static inline uint32_t mix_k(uint32_t k)
{
    k *= 0xcc9e2d51u;
    k = rotl(k, 15);
    return k * 0x1b873593u;
}

static inline void murmur_block(murmur_t *m, uint32_t k)
{
    m->h ^= mix_k(k);
    m->h = rotl(m->h, 13) * 5 + 0xe6546b64u;
}

/* Bytes go through a 4-byte carry so that pieces of any length hash as one string. */
static void murmur_feed(murmur_t *m, const void *data, size_t n)
{
    const uint8_t *p = data;
    size_t i = 0;
    m->len += n;
    for (; i < n && m->n_carry; i++) {
        m->carry |= (uint32_t)p[i] << (8 * m->n_carry);
        if (++m->n_carry == 4) {
            murmur_block(m, m->carry);
            m->carry = 0;
            m->n_carry = 0;
        }
    }
    for (; i + 4 <= n; i += 4)
        murmur_block(m, (uint32_t)p[i] | (uint32_t)p[i + 1] << 8 | (uint32_t)p[i + 2] << 16 |
                            (uint32_t)p[i + 3] << 24);
    for (; i < n; i++)
        m->carry |= (uint32_t)p[i] << (8 * m->n_carry++);
}

static uint32_t murmur_end(murmur_t *m)
{
    uint32_t h = m->h;
    if (m->n_carry)
        h ^= mix_k(m->carry);
    h ^= (uint32_t)m->len;
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    return h;
}

uint32_t lt__hash_pair(lt_str_t group, lt_str_t value, uint32_t seed)
{
    murmur_t m = {seed, 0, 0, 0};
    if (group.len)
        murmur_feed(&m, group.ptr, group.len);
    murmur_feed(&m, ":", 1);
    if (value.len)
        murmur_feed(&m, value.ptr, value.len);
    return murmur_end(&m);
}

static _Thread_local uint64_t prng_state;

uint32_t lt__random(uint32_t n)
{
    if (prng_state == 0)
        prng_state = lt_mono_ns() ^ (uint64_t)(uintptr_t)&prng_state ^ 0x9e3779b97f4a7c15ull;
    /* splitmix64 */
    uint64_t z = (prng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return (uint32_t)(z % n) + 1;
}

bool lt__ascii_ieq(const char *a, const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
        if (x >= 'A' && x <= 'Z')
            x = (unsigned char)(x + 32);
        if (y >= 'A' && y <= 'Z')
            y = (unsigned char)(y + 32);
        if (x != y)
            return false;
    }
    return true;
}

/* ---------- validation for the admin API (eval.h) ---------- */

bool lt_eval_number_ok(const char *s, double *out)
{
    if (!s || !*s)
        return false;
    double v = lt__js_number(lt_str_c(s));
    if (out)
        *out = v;
    return !isnan(v) && isfinite(v);
}

bool lt_eval_semver_ok(const char *s)
{
    lt__semver_t sv;
    return s && lt__semver_parse(lt_str_c(s), false, &sv);
}

bool lt_eval_cidr_ok(const char *s)
{
    lt__cidr_t net;
    return s && lt__cidr_parse(lt_str_c(s), true, &net);
}

bool lt_eval_regex_ok(const char *s, bool case_insensitive)
{
    size_t len = s ? strlen(s) : 0;
    pcre2_code *re = s && lt__re2_syntax_ok(s, len) ? lt__regex_compile(s, len, case_insensitive)
                                                   : NULL;
    if (!re)
        return false;
    pcre2_code_free(re);
    return true;
}
