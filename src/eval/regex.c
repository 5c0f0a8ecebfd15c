/*
 * regex.c: the REGEX operator. Unleash SDKs use RE2 (re2js in Node), so latch runs PCRE2 only
 * on patterns that are valid RE2 syntax: a scan rejects what RE2 does not have (look-around,
 * back-references, atomic and possessive forms, recursion, verbs, unknown escapes), and the
 * compile options give RE2's meaning to `$` and to new lines.
 *
 * Matching uses PCRE2's DFA matcher (pcre2_dfa_match), never the backtracking one: the SDKs
 * answer "does it match anywhere", and what PCRE2's backtracker gives for that depends on a
 * step limit (`^(a|aa)+$` is exponential; hitting the limit reads as "no match", so
 * `^(a|aa)+!|a` was off for "a"x32 where SDKs match it). The DFA matcher runs every path at
 * once: its time is the input length times the pattern's states, whatever the pattern, and
 * it has no step limit to hit. Without back-references, look-around, atomic groups or
 * recursion (the RE2 syntax scan refuses them all) it can do everything PCRE2 can, and
 * for "is there a match" the answer is the same as any engine's (leftmost or longest does
 * not matter). It tries every start position itself when left unanchored, which is
 * quadratic; so the pattern is compiled as `(?s:.*?)(?:P\E)` and matched anchored, one pass
 * over the subject (the `\E` ends an unterminated `\Q`, and is ignored otherwise).
 * RE2 (C++, Debian libre2-dev) was the other choice: the same answers, but a C++ runtime
 * for one operator, in a C11 tree that already links PCRE2.
 * Matching never allocates after a thread's first match (or its workspace's growth): each
 * thread keeps one match data and one DFA workspace, freed when the thread ends.
 */
#include "eval_int.h"

#include "../base/buf.h"

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

/* Apply the flags of "(?flags" at p[i] (i after "(?") to *multiline; the index after them. */
static size_t apply_flags(const char *p, size_t len, size_t i, bool *multiline)
{
    bool on = true;
    for (; i < len && strchr("imsU-", p[i]) && p[i]; i++) {
        if (p[i] == '-')
            on = false;
        else if (p[i] == 'm')
            *multiline = on;
    }
    return i;
}

/*
 * Copy pattern p into b with each `$` that is not multiline written `\z`: RE2's `$` without
 * (?m) is the very end of the text. PCRE2_DOLLAR_ENDONLY would say so, but PCRE2's DFA matcher
 * (10.42) applies it to a multiline `$` too, so (?m)b$ failed on "a\nb\nc"; the rewrite keeps
 * the compile options plain. The pattern has passed lt__re2_syntax_ok.
 */
static void rewrite_dollars(lt_buf_t *b, const char *p, size_t len)
{
    bool ml = false, stack[256];
    size_t depth = 0;
    bool in_class = false;
    size_t class_first = 0;
    for (size_t i = 0; i < len;) {
        char c = p[i];
        if (c == '\\' && i + 1 < len) {
            if (p[i + 1] == 'Q') { /* literal up to \E (or the end) */
                size_t k = i + 2;
                while (k + 1 < len && !(p[k] == '\\' && p[k + 1] == 'E'))
                    k++;
                k = k + 1 < len ? k + 2 : len;
                lt_buf_append(b, p + i, k - i);
                i = k;
                continue;
            }
            lt_buf_append(b, p + i, 2);
            i += 2;
            continue;
        }
        if (in_class) {
            if (c == '[' && i + 1 < len && p[i + 1] == ':') {
                size_t k = i + 2;
                while (k + 1 < len && !(p[k] == ':' && p[k + 1] == ']'))
                    k++;
                k = k + 2 < len ? k + 2 : len;
                lt_buf_append(b, p + i, k - i);
                i = k;
                continue;
            }
            if (c == ']' && i > class_first)
                in_class = false;
            lt_buf_putc(b, c);
            i++;
            continue;
        }
        if (c == '[') {
            in_class = true;
            lt_buf_putc(b, c);
            i++;
            if (i < len && p[i] == '^')
                lt_buf_putc(b, p[i++]);
            class_first = i;
            continue;
        }
        if (c == '(') {
            size_t start = i;
            bool inner = ml;
            if (i + 1 < len && p[i + 1] == '?' && i + 2 < len && strchr("imsU-", p[i + 2])) {
                size_t k = apply_flags(p, len, i + 2, &inner);
                if (k < len && p[k] == ')') { /* (?flags): to the end of this group */
                    ml = inner;
                    lt_buf_append(b, p + start, k + 1 - start);
                    i = k + 1;
                    continue;
                }
                i = k; /* (?flags:...) */
            } else {
                i++;
            }
            if (depth < LT_ARRAY_LEN(stack))
                stack[depth] = ml;
            depth++;
            ml = inner;
            lt_buf_append(b, p + start, i - start);
            continue;
        }
        if (c == ')') {
            if (depth > 0 && --depth < LT_ARRAY_LEN(stack))
                ml = stack[depth];
            lt_buf_putc(b, c);
            i++;
            continue;
        }
        if (c == '$' && !ml)
            lt_buf_puts(b, "\\z");
        else
            lt_buf_putc(b, c);
        i++;
    }
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
    /* no PCRE2_MATCH_INVALID_UTF: the DFA matcher does not take it; subjects are made valid
     * before matching instead (valid_subject). No PCRE2_DOLLAR_ENDONLY: see rewrite_dollars */
    uint32_t opts = PCRE2_UTF |
                    PCRE2_NEVER_BACKSLASH_C | PCRE2_NO_AUTO_CAPTURE;
    if (caseless)
        opts |= PCRE2_CASELESS;
    int errcode;
    PCRE2_SIZE erroff;
    lt_buf_t full;
    lt_buf_init(&full, 0);
    lt_buf_puts(&full, "(?s:.*?)(?:");
    rewrite_dollars(&full, pat, len);
    lt_buf_puts(&full, "\\E)");
    if (lt_buf_ok(&full))
        re = pcre2_compile((PCRE2_SPTR)full.ptr, full.len, opts, &errcode, &erroff, cc);
    lt_buf_dispose(&full);
done:
    pcre2_compile_context_free(cc);
    return re;
}

/* A thread's match data and DFA workspace. */
typedef struct {
    pcre2_match_data *md;
    int *ws;
    size_t ws_count;
    char *fix; /* a subject with its invalid UTF-8 replaced */
    size_t fix_cap;
} match_state_t;

/* The DFA workspace starts at this many ints and doubles as a pattern needs, up to the max
 * (about 3 ints a state it follows at once; the scan caps repetitions at 1000). */
#define WS_START 1024
#define WS_MAX ((size_t)4 << 20)

static pthread_key_t md_key;
static pthread_once_t md_once = PTHREAD_ONCE_INIT;
static _Thread_local match_state_t *tl_ms;

static void md_destroy(void *p)
{
    match_state_t *ms = p;
    pcre2_match_data_free(ms->md);
    free(ms->ws);
    free(ms->fix);
    free(ms);
}

static void md_key_init(void)
{
    pthread_key_create(&md_key, md_destroy);
}

static match_state_t *thread_state(void)
{
    if (!tl_ms) {
        pthread_once(&md_once, md_key_init);
        pcre2_match_data *md = pcre2_match_data_create(1, NULL);
        if (!md)
            return NULL;
        tl_ms = lt_xcalloc(1, sizeof(*tl_ms));
        tl_ms->md = md;
        tl_ms->ws_count = WS_START;
        tl_ms->ws = lt_xmalloc(WS_START * sizeof(int));
        pthread_setspecific(md_key, tl_ms);
    }
    return tl_ms;
}

void lt_eval_thread_cleanup(void)
{
    if (!tl_ms)
        return;
    pthread_setspecific(md_key, NULL);
    md_destroy(tl_ms);
    tl_ms = NULL;
}

/*
 * The subject as an SDK sees it: a JavaScript string holds no invalid UTF-8 (its JSON parser
 * made each bad byte U+FFFD), so neither does what is matched here. Usually subject itself.
 */
static lt_str_t valid_subject(match_state_t *ms, lt_str_t subject)
{
    const unsigned char *p = (const unsigned char *)subject.ptr;
    size_t i = 0;
    while (i < subject.len) {
        size_t n = lt_utf8_seq(p + i, subject.len - i);
        if (!n)
            break;
        i += n;
    }
    if (i == subject.len)
        return subject;
    if (ms->fix_cap < subject.len * 3) {
        ms->fix_cap = subject.len * 3;
        ms->fix = lt_xrealloc(ms->fix, ms->fix_cap);
    }
    memcpy(ms->fix, p, i);
    size_t o = i;
    while (i < subject.len) {
        size_t n = lt_utf8_seq(p + i, subject.len - i);
        if (n) {
            memcpy(ms->fix + o, p + i, n);
            o += n;
            i += n;
        } else {
            memcpy(ms->fix + o, "\xef\xbf\xbd", 3);
            o += 3;
            i++;
        }
    }
    return (lt_str_t){ms->fix, o};
}

bool lt__regex_search(const pcre2_code *re, pcre2_match_context *mctx, lt_str_t subject)
{
    match_state_t *ms = thread_state();
    if (!ms)
        return false;
    static const char empty[1] = "";
    if (subject.ptr)
        subject = valid_subject(ms, subject);
    PCRE2_SPTR s = (PCRE2_SPTR)(subject.ptr ? subject.ptr : empty);
    int rc;
    for (;;) {
        /* the first match found ends the scan: existence is all that is asked */
        rc = pcre2_dfa_match(re, s, subject.len, 0,
                             PCRE2_ANCHORED | PCRE2_DFA_SHORTEST | PCRE2_NO_UTF_CHECK, ms->md,
                             NULL, ms->ws, ms->ws_count);
        if (rc != PCRE2_ERROR_DFA_WSSIZE || ms->ws_count >= WS_MAX)
            break;
        ms->ws_count *= 2;
        ms->ws = lt_xrealloc(ms->ws, ms->ws_count * sizeof(int));
    }
    if (rc == PCRE2_ERROR_DFA_WSSIZE) /* a pattern beyond any real one: the backtracker, bounded */
        rc = pcre2_match(re, s, subject.len, 0, PCRE2_ANCHORED | PCRE2_NO_UTF_CHECK, ms->md,
                         mctx);
    /* rc 0 means "matched, ovector too small": still a match */
    return rc >= 0;
}
