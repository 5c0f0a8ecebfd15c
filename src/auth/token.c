/*
 * token.c: token string shapes, generation, digests and the digest-keyed table; see token.h.
 */
#include "token.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <strings.h>

#include "../base/util.h"

static bool all_hex(lt_str_t s)
{
    for (size_t i = 0; i < s.len; i++)
        if (!isxdigit((unsigned char)s.ptr[i]))
            return false;
    return true;
}

static bool b64url_run(const char *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)p[i]) && p[i] != '-' && p[i] != '_')
            return false;
    return true;
}

/* "v2_" + 22 base64url + "_" + 43 base64url */
static bool v2_secret(lt_str_t sec)
{
    return sec.len == 3 + 22 + 1 + 43 && memcmp(sec.ptr, "v2_", 3) == 0 &&
           b64url_run(sec.ptr + 3, 22) && sec.ptr[25] == '_' && b64url_run(sec.ptr + 26, 43);
}

bool lt_token_selector_shaped(lt_str_t s)
{
    return s.len == 22 && b64url_run(s.ptr, 22);
}

static lt_token_format_t g_format = LT_TOKEN_FMT_V2;

void lt_token_set_format(lt_token_format_t f)
{
    g_format = f;
}

lt_token_format_t lt_token_format(void)
{
    return g_format;
}

int lt_token_format_parse(const char *s, lt_token_format_t *out)
{
    if (strcmp(s, "v2") == 0)
        *out = LT_TOKEN_FMT_V2;
    else if (strcmp(s, "classic") == 0)
        *out = LT_TOKEN_FMT_CLASSIC;
    else
        return LT_EINVAL;
    return LT_OK;
}

lt_token_parts_t lt_token_parse(lt_str_t s)
{
    lt_token_parts_t r = {LT_TOKEN_FORM_OTHER, {NULL, 0}, {NULL, 0}, {NULL, 0}, {NULL, 0}};
    if (s.len >= 5 && memcmp(s.ptr, "user:", 5) == 0) {
        r.form = LT_TOKEN_FORM_PAT;
        r.project = (lt_str_t){s.ptr, 4};
        r.secret = (lt_str_t){s.ptr + 5, s.len - 5};
        if (v2_secret(r.secret))
            r.selector = (lt_str_t){r.secret.ptr + 3, 22};
        return r;
    }
    const char *colon = memchr(s.ptr, ':', s.len);
    if (!colon) {
        if (s.len == 64 && all_hex(s)) {
            r.form = LT_TOKEN_FORM_LEGACY;
            r.secret = s;
        }
        return r;
    }
    const char *rest = colon + 1;
    size_t rest_len = s.len - (size_t)(rest - s.ptr);
    const char *dot = memchr(rest, '.', rest_len);
    if (!dot || colon == s.ptr || dot == rest || dot + 1 == s.ptr + s.len)
        return r; /* a classic token needs a project, an environment and a secret */
    r.project = (lt_str_t){s.ptr, (size_t)(colon - s.ptr)};
    r.environment = (lt_str_t){rest, (size_t)(dot - rest)};
    r.secret = (lt_str_t){dot + 1, s.len - (size_t)(dot + 1 - s.ptr)};
    r.form = LT_TOKEN_FORM_CLASSIC;
    if (v2_secret(r.secret)) {
        r.form = LT_TOKEN_FORM_V2;
        r.selector = (lt_str_t){r.secret.ptr + 3, 22};
    }
    return r;
}

void lt_token_digest(lt_str_t s, uint8_t out[32])
{
    lt_sha256(s.ptr, s.len, out);
}

void lt_token_generate(lt_token_type_t type, const char *env, const char *const *projects,
                       size_t n_projects, bool all_projects, char *out, size_t out_size)
{
    char hex[3 + 22 + 1 + 43 + 1];
    if (g_format == LT_TOKEN_FMT_V2) {
        uint8_t sel[16], sec[32];
        randombytes_buf(sel, sizeof(sel));
        randombytes_buf(sec, sizeof(sec));
        memcpy(hex, "v2_", 3);
        sodium_bin2base64(hex + 3, 23, sel, sizeof(sel), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        hex[25] = '_';
        sodium_bin2base64(hex + 26, 44, sec, sizeof(sec),
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING);
        sodium_memzero(sec, sizeof(sec));
    } else {
        lt_random_hex(28, hex);
    }
    if (type == LT_TOKEN_PAT)
        snprintf(out, out_size, "user:%s", hex);
    else if (type == LT_TOKEN_ADMIN)
        snprintf(out, out_size, "*:*.%s", hex);
    else if (all_projects || n_projects == 0)
        snprintf(out, out_size, "*:%s.%s", env, hex);
    else if (n_projects == 1)
        snprintf(out, out_size, "%s:%s.%s", projects[0], env, hex);
    else
        snprintf(out, out_size, "[]:%s.%s", env, hex);
    sodium_memzero(hex, sizeof(hex));
}

void lt_token_display(lt_str_t s, char *out, size_t out_size)
{
    lt_token_parts_t p = lt_token_parse(s);
    size_t keep = 6;
    size_t scope_len = p.secret.ptr ? (size_t)(p.secret.ptr - s.ptr) : 0;
    if (p.form == LT_TOKEN_FORM_V2)
        keep = 3 + 22; /* the selector is not secret */
    if (scope_len > 120)
        scope_len = 120;
    size_t secret_len = p.secret.ptr ? p.secret.len : s.len;
    if (keep > secret_len / 4)
        keep = secret_len / 4; /* never show more than a quarter of a short secret */
    const char *sec = p.secret.ptr ? p.secret.ptr : s.ptr;
    snprintf(out, out_size, "%.*s%.*s…", (int)scope_len, s.ptr, (int)keep, sec);
}

bool lt_token_has_project(const lt_token_t *t, const char *p)
{
    if (t->all_projects)
        return true;
    for (size_t i = 0; i < t->n_projects; i++)
        if (strcmp(t->projects[i], p) == 0)
            return true;
    return false;
}

static size_t sel_slot(lt_str_t sel, size_t mask)
{
    return (size_t)lt_fnv1a(sel.ptr, sel.len) & mask;
}

static size_t slot_of(const uint8_t digest[32], size_t mask)
{
    uint64_t h;
    memcpy(&h, digest, sizeof(h)); /* a SHA-256 digest is already uniformly spread */
    return (size_t)h & mask;
}

void lt_token_table_build(lt_token_table_t *tt, lt_arena_t *a, const lt_token_t *tokens,
                          size_t n)
{
    size_t cap = 16;
    while (cap < n * 2)
        cap *= 2;
    tt->slots = lt_arena_calloc(a, cap, sizeof(*tt->slots));
    tt->n_slots = cap;
    tt->count = 0;
    for (size_t i = 0; i < n; i++) {
        size_t at = slot_of(tokens[i].digest, cap - 1);
        while (tt->slots[at]) {
            if (memcmp(tt->slots[at]->digest, tokens[i].digest, 32) == 0)
                break;
            at = (at + 1) & (cap - 1);
        }
        if (!tt->slots[at])
            tt->count++;
        tt->slots[at] = &tokens[i];
    }
    tt->by_selector = lt_arena_calloc(a, cap, sizeof(*tt->by_selector));
    for (size_t i = 0; i < n; i++) {
        if (!tokens[i].selector)
            continue;
        lt_str_t sel = lt_str_c(tokens[i].selector);
        size_t at = sel_slot(sel, cap - 1);
        while (tt->by_selector[at] && strcmp(tt->by_selector[at]->selector, tokens[i].selector))
            at = (at + 1) & (cap - 1);
        tt->by_selector[at] = &tokens[i];
    }
}

const lt_token_t *lt_token_table_find_selector(const lt_token_table_t *tt, lt_str_t selector)
{
    if (!tt->n_slots || !lt_token_selector_shaped(selector))
        return NULL;
    size_t mask = tt->n_slots - 1;
    size_t at = sel_slot(selector, mask);
    while (tt->by_selector[at]) {
        const lt_token_t *t = tt->by_selector[at];
        if (strlen(t->selector) == selector.len && memcmp(t->selector, selector.ptr, 22) == 0)
            return t;
        at = (at + 1) & mask;
    }
    return NULL;
}

const lt_token_t *lt_token_table_find_presented(const lt_token_table_t *tt, lt_str_t presented)
{
    uint8_t digest[32];
    lt_token_digest(presented, digest);
    lt_token_parts_t p = lt_token_parse(presented);
    const lt_token_t *t = p.selector.ptr ? lt_token_table_find_selector(tt, p.selector) : NULL;
    if (t) /* the verifier, in constant time */
        return sodium_memcmp(t->digest, digest, 32) == 0 ? t : NULL;
    return lt_token_table_find(tt, digest);
}

const lt_token_t *lt_token_table_find_ref(const lt_token_table_t *tt, lt_str_t ref)
{
    const lt_token_t *t = lt_token_table_find_selector(tt, ref);
    return t ? t : lt_token_table_find_presented(tt, ref);
}

const lt_token_t *lt_token_table_find(const lt_token_table_t *tt, const uint8_t digest[32])
{
    if (!tt->n_slots)
        return NULL;
    size_t mask = tt->n_slots - 1;
    size_t at = slot_of(digest, mask);
    while (tt->slots[at]) {
        if (sodium_memcmp(tt->slots[at]->digest, digest, 32) == 0)
            return tt->slots[at];
        at = (at + 1) & mask;
    }
    return NULL;
}
