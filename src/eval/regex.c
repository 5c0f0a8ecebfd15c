/*
 * regex.c: the REGEX operator. Unleash SDKs use RE2 (re2js in Node), so latch runs PCRE2 only
 * on patterns that are valid RE2 syntax: a scan rejects what RE2 does not have (look-around,
 * back-references, atomic and possessive forms, recursion, verbs, unknown escapes), and the
 * compile options give RE2's meaning to `$` and to new lines. Matching never allocates after a
 * thread's first match: each thread keeps one PCRE2 match data, freed when the thread ends.
 */
#include "eval_int.h"

#include <pthread.h>

static bool is_alnum(char c)
{
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Escapes RE2 knows, outside and inside a character class (besides escaped punctuation). */
static bool escape_ok(char c, bool in_class)
{
    if (!is_alnum(c))
        return true;
    if (strchr("dDsSwWpPaftnrvx0", c))
        return true;
    return !in_class && strchr("AzbBQE", c) != NULL;
}

/* Skip a {n}, {n,} or {n,m} repetition at p[i] == '{'; returns its length or 0 if literal. */
static size_t repetition_len(const char *p, size_t len, size_t i, bool *too_big)
{
    size_t j = i + 1;
    unsigned long v = 0;
    size_t nd = 0;
    *too_big = false;
    while (j < len && p[j] >= '0' && p[j] <= '9') {
        v = v * 10 + (unsigned long)(p[j] - '0');
        if (v > 1000)
            *too_big = true;
        j++;
        nd++;
    }
    if (nd == 0)
        return 0;
    if (j < len && p[j] == ',') {
        j++;
        v = 0;
        while (j < len && p[j] >= '0' && p[j] <= '9') {
            v = v * 10 + (unsigned long)(p[j] - '0');
            if (v > 1000)
                *too_big = true;
            j++;
        }
    }
    if (j >= len || p[j] != '}')
        return 0;
    return j - i + 1;
}

/* After "(?" at p[i]: a non-capturing group, flags, or a named group. */
static bool group_ok(const char *p, size_t len, size_t i)
{
    if (i >= len)
        return false;
    if (p[i] == ':')
        return true;
    if (p[i] == 'P' && i + 1 < len && p[i + 1] == '<')
        return true;
    if (p[i] == '<')
        return i + 1 < len && p[i + 1] != '=' && p[i + 1] != '!';
    size_t n = 0;
    while (i < len && strchr("imsU-", p[i]) && p[i] != '\0') {
        i++;
        n++;
    }
    return n > 0 && i < len && (p[i] == ')' || p[i] == ':');
}

bool lt__re2_syntax_ok(const char *p, size_t len)
{
    enum { PLAIN, QUANT, LAZY } state = PLAIN;
    bool in_class = false;
    size_t class_first = 0;
    for (size_t i = 0; i < len;) {
        char c = p[i];
        if (c == '\0')
            return false;
        if (c == '\\') {
            if (i + 1 >= len || !escape_ok(p[i + 1], in_class))
                return false;
            if (p[i + 1] == 'E')
                return false; /* \E without \Q */
            if (p[i + 1] == 'Q') {
                const char *end = NULL;
                for (size_t k = i + 2; k + 1 < len; k++)
                    if (p[k] == '\\' && p[k + 1] == 'E') {
                        end = p + k;
                        break;
                    }
                i = end ? (size_t)(end - p) + 2 : len;
            } else if (strchr("pPx", p[i + 1]) && i + 2 < len && p[i + 2] == '{') {
                const char *end = memchr(p + i + 2, '}', len - i - 2);
                if (!end)
                    return false;
                i = (size_t)(end - p) + 1;
            } else {
                i += 2;
            }
            state = PLAIN;
            continue;
        }
        if (in_class) {
            if (c == '[' && i + 1 < len && p[i + 1] == ':') {
                size_t k = i + 2;
                while (k + 1 < len && !(p[k] == ':' && p[k + 1] == ']'))
                    k++;
                i = k + 2;
                continue;
            }
            if (c == ']' && i > class_first)
                in_class = false;
            i++;
            continue;
        }
        switch (c) {
        case '[':
            in_class = true;
            i++;
            if (i < len && p[i] == '^')
                i++;
            class_first = i; /* a ']' right at the start is a literal */
            state = PLAIN;
            continue;
        case '(':
            if (i + 1 < len && p[i + 1] == '*')
                return false;
            if (i + 1 < len && p[i + 1] == '?' && !group_ok(p, len, i + 2))
                return false;
            state = PLAIN;
            break;
        case '*':
        case '+':
        case '?':
            if (state == LAZY || (state == QUANT && c != '?'))
                return false;
            state = state == QUANT ? LAZY : QUANT;
            break;
        case '{': {
            bool too_big;
            size_t n = repetition_len(p, len, i, &too_big);
            if (n) {
                if (too_big || state != PLAIN)
                    return false;
                state = QUANT;
                i += n;
                continue;
            }
            state = PLAIN;
            break;
        }
        default:
            state = PLAIN;
        }
        i++;
    }
    return true;
}

pcre2_code *lt__regex_compile(const char *pat, size_t len, bool caseless)
{
    pcre2_compile_context *cc = NULL;
    pcre2_code *re = NULL;
    if (!pat || !lt__re2_syntax_ok(pat, len))
        goto done;
    cc = pcre2_compile_context_create(NULL);
    if (!cc)
        goto done;
    pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
    pcre2_set_bsr(cc, PCRE2_BSR_UNICODE);
    uint32_t opts = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY |
                    PCRE2_NEVER_BACKSLASH_C | PCRE2_NO_AUTO_CAPTURE;
    if (caseless)
        opts |= PCRE2_CASELESS;
    int errcode;
    PCRE2_SIZE erroff;
    re = pcre2_compile((PCRE2_SPTR)pat, len, opts, &errcode, &erroff, cc);
    if (re)
        pcre2_jit_compile(re, PCRE2_JIT_COMPLETE); /* optional: the interpreter is the fallback */
done:
    pcre2_compile_context_free(cc);
    return re;
}

static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static _Thread_local pcre2_match_data *tl_md;

static void md_destroy(void *p)
{
    pcre2_match_data_free(p);
}

static void md_key_init(void)
{
    pthread_key_create(&md_key, md_destroy);
}

static pcre2_match_data *thread_match_data(void)
{
    if (!tl_md) {
        pthread_once(&md_once, md_key_init);
        tl_md = pcre2_match_data_create(1, NULL);
        if (tl_md)
            pthread_setspecific(md_key, tl_md);
    }
    return tl_md;
}

void lt_eval_thread_cleanup(void)
{
    if (!tl_md)
        return;
    pthread_setspecific(md_key, NULL);
    pcre2_match_data_free(tl_md);
    tl_md = NULL;
}

bool lt__regex_search(const pcre2_code *re, pcre2_match_context *mctx, lt_str_t subject)
{
    pcre2_match_data *md = thread_match_data();
    if (!md)
        return false;
    static const char empty[1] = "";
    PCRE2_SPTR s = (PCRE2_SPTR)(subject.ptr ? subject.ptr : empty);
    /* rc 0 means "matched, ovector too small": still a match */
    int rc = pcre2_match(re, s, subject.len, 0, 0, md, mctx);
    return rc >= 0;
}
