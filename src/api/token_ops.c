/*
 * token_ops.c: the scope rules of API tokens and their writes with their events, shared by
 * the admin API, `latch token` and INIT_*_API_TOKENS; see token_ops.h.
 */
#include "token_ops.h"

#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>

#include "../base/util.h"

static int fail(char *msg, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *msg, size_t cap, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, cap, fmt, ap);
    va_end(ap);
    return LT_EINVAL;
}

/* The scope a given classic or v2 secret carries, merged into spec (contradictions refused). */
static int scope_from_secret(lt_arena_t *a, lt_token_spec_t *spec, lt_token_parts_t p, char *msg,
                             size_t cap)
{
    const char *s_env = lt_arena_strndup(a, p.environment.ptr, p.environment.len);
    const char *s_proj = lt_arena_strndup(a, p.project.ptr, p.project.len);
    if (spec->type == LT_TOKEN_ADMIN && (strcmp(s_env, "*") != 0 || strcmp(s_proj, "*") != 0))
        return fail(msg, cap, "an admin token's secret must be *:*.<secret>");
    if (spec->environment && strcmp(spec->environment, s_env) != 0)
        return fail(msg, cap, "the environment %.100s contradicts the secret's %.100s",
                    spec->environment, s_env);
    spec->environment = s_env;
    if (strcmp(s_proj, "[]") == 0) {
        if (!spec->projects_given || spec->all_projects || spec->n_projects < 2)
            return fail(msg, cap, "a []: token needs a list of two or more projects");
        return LT_OK;
    }
    bool all = strcmp(s_proj, "*") == 0;
    if (spec->projects_given && (all ? !spec->all_projects
                                     : spec->all_projects || spec->n_projects != 1 ||
                                           strcmp(spec->projects[0], s_proj) != 0))
        return fail(msg, cap, "the projects contradict the secret's project %.100s", s_proj);
    spec->all_projects = all;
    if (!all) {
        const char **one = lt_arena_alloc(a, sizeof(*one));
        one[0] = s_proj;
        spec->projects = one;
        spec->n_projects = 1;
    }
    spec->projects_given = true;
    return LT_OK;
}

int lt_token_spec_check(lt_arena_t *a, lt_token_spec_t *spec, const lt_dataset_t *d, char *msg,
                        size_t msg_cap)
{
    if (spec->type == LT_TOKEN_PAT)
        return fail(msg, msg_cap, "type must be one of client, backend, frontend or admin.");
    bool legacy = false;
    if (spec->secret) {
        lt_token_parts_t p = lt_token_parse(lt_str_c(spec->secret));
        if (p.form == LT_TOKEN_FORM_LEGACY) {
            legacy = true; /* no scope in the text: Unleash stored these for every environment */
            if (!spec->environment)
                spec->environment = "*";
        } else if (p.form == LT_TOKEN_FORM_CLASSIC || p.form == LT_TOKEN_FORM_V2) {
            if (scope_from_secret(a, spec, p, msg, msg_cap) != LT_OK)
                return LT_EINVAL;
        } else {
            return fail(msg, msg_cap,
                        "the secret must be a legacy 64-hex token or <project>:<env>.<secret>");
        }
    }
    bool admin = spec->type == LT_TOKEN_ADMIN;
    if (!spec->environment)
        spec->environment = admin ? "*" : "development";
    if (!spec->projects_given)
        spec->all_projects = true;
    if (spec->all_projects)
        spec->n_projects = 0;
    if (admin) {
        if (!spec->all_projects)
            return fail(msg, msg_cap, "Admin token cannot be scoped to single project");
        if (strcmp(spec->environment, "*") != 0)
            return fail(msg, msg_cap, "Admin token cannot be scoped to single environment");
    } else if (strcmp(spec->environment, "*") == 0) {
        if (!legacy)
            return fail(msg, msg_cap, "%s token cannot be scoped to all environments",
                        spec->type == LT_TOKEN_CLIENT ? "Client" : "Frontend");
    } else if (d && !lt_dataset_env(d, spec->environment)) {
        return fail(msg, msg_cap, "Environment=%.100s does not exist", spec->environment);
    }
    for (size_t i = 0; d && i < spec->n_projects; i++)
        if (!lt_dataset_project(d, spec->projects[i]))
            return fail(msg, msg_cap, "Project=%.100s does not exist", spec->projects[i]);
    return LT_OK;
}

/* ---------- events: one shape per type ---------- */

/* What every token event says of a token: name, type, scope, display prefix, expiry. Never
 * the secret. */
static void write_token_json(lt_buf_t *b, const char *name, lt_token_type_t type, const char *env,
                             const char *const *projects, size_t n_projects, bool all,
                             const char *display, int64_t expires_at)
{
    lt_buf_puts(b, "{\"tokenName\":");
    lt_json_cstr(b, name);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, lt_token_type_name(type));
    lt_buf_puts(b, ",\"environment\":");
    lt_json_cstr(b, env);
    lt_buf_puts(b, ",\"projects\":[");
    if (all)
        lt_buf_puts(b, "\"*\"");
    for (size_t i = 0; !all && i < n_projects; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, projects[i]);
    }
    lt_buf_puts(b, "],\"expiresAt\":");
    lt_json_time(b, expires_at);
    lt_buf_puts(b, ",\"display\":");
    lt_json_cstr(b, display);
    lt_buf_putc(b, '}');
}

static void write_record_json(lt_buf_t *b, const lt_token_t *t, int64_t expires_at)
{
    write_token_json(b, t->name, t->type, t->environment, t->projects, t->n_projects,
                     t->all_projects, t->display, expires_at);
}

static lt_event_t event_for(const lt_principal_t *who, const char *type, const char *env,
                            const char *const *projects, size_t n_projects, bool all)
{
    lt_event_t ev;
    memset(&ev, 0, sizeof(ev));
    ev.type = type;
    ev.created_by = who->name;
    ev.created_by_user_id = who->user ? who->user->id : 0;
    ev.environment = env;
    ev.project = !all && n_projects == 1 ? projects[0] : NULL;
    return ev;
}

/* ---------- writes ---------- */

int lt_token_issue(lt_store_t *s, const lt_token_spec_t *spec, const lt_principal_t *who,
                   char secret_out[LT_TOKEN_SECRET_MAX], uint8_t out_digest[32])
{
    if (spec->secret)
        snprintf(secret_out, LT_TOKEN_SECRET_MAX, "%s", spec->secret);
    else
        lt_token_generate(spec->type, spec->environment, spec->projects, spec->n_projects,
                          spec->all_projects, secret_out, LT_TOKEN_SECRET_MAX);
    lt_token_new_t t;
    memset(&t, 0, sizeof(t));
    lt_token_digest(lt_str_c(secret_out), t.digest);
    if (out_digest)
        memcpy(out_digest, t.digest, 32);
    char display[160];
    lt_token_display(lt_str_c(secret_out), display, sizeof(display));
    t.name = spec->name ? spec->name : lt_token_type_name(spec->type);
    t.type = spec->type;
    t.environment = spec->environment;
    t.projects = spec->projects;
    t.n_projects = spec->all_projects ? 0 : spec->n_projects;
    t.all_projects = spec->all_projects;
    t.expires_at = spec->expires_at;
    t.display = display;
    t.origins = spec->origins;
    t.n_origins = spec->n_origins;
    char selector[23] = "";
    lt_token_parts_t parts = lt_token_parse(lt_str_c(secret_out));
    if (parts.selector.ptr) {
        memcpy(selector, parts.selector.ptr, 22);
        t.selector = selector;
    }
    lt_buf_t data;
    lt_buf_init(&data, 0);
    write_token_json(&data, t.name, t.type, t.environment, t.projects, t.n_projects, t.all_projects,
                     display, t.expires_at);
    lt_event_t ev = event_for(who, "api-token-created", t.environment, t.projects, t.n_projects,
                              t.all_projects);
    ev.data = data.ptr;
    int rc = lt_store_token_create(s, &t, &ev, NULL);
    lt_buf_dispose(&data);
    return rc;
}

int lt_token_set_expiry(lt_store_t *s, const lt_token_t *t, int64_t expires_at,
                        const lt_principal_t *who)
{
    lt_buf_t data, pre;
    lt_buf_init(&data, 0);
    lt_buf_init(&pre, 0);
    write_record_json(&data, t, expires_at);
    lt_buf_puts(&pre, "{\"expiresAt\":");
    lt_json_time(&pre, t->expires_at);
    lt_buf_putc(&pre, '}');
    lt_event_t ev = event_for(who, "api-token-updated", t->environment, t->projects, t->n_projects,
                              t->all_projects);
    ev.data = data.ptr;
    ev.pre_data = pre.ptr;
    int rc = lt_store_token_update(s, t->digest, expires_at, &ev);
    lt_buf_dispose(&data);
    lt_buf_dispose(&pre);
    return rc;
}

/* A fresh secret with t's scope part, in the current format. */
static void fresh_secret(const lt_token_t *t, char out[LT_TOKEN_SECRET_MAX])
{
    lt_token_generate(t->type, t->environment, t->projects, t->n_projects, t->all_projects, out,
                      LT_TOKEN_SECRET_MAX);
}

int lt_token_rotate(lt_store_t *s, const lt_token_t *t, int64_t grace_s, const lt_principal_t *who,
                    char secret_out[LT_TOKEN_SECRET_MAX], uint8_t out_digest[32])
{
    if (t->grace_until)
        return LT_EINVAL;
    fresh_secret(t, secret_out);
    lt_token_new_t n;
    memset(&n, 0, sizeof(n));
    lt_token_digest(lt_str_c(secret_out), n.digest);
    if (out_digest)
        memcpy(out_digest, n.digest, 32);
    char display[160], selector[23] = "";
    lt_token_display(lt_str_c(secret_out), display, sizeof(display));
    lt_token_parts_t parts = lt_token_parse(lt_str_c(secret_out));
    if (parts.selector.ptr) {
        memcpy(selector, parts.selector.ptr, 22);
        n.selector = selector;
    }
    n.name = t->name;
    n.type = t->type;
    n.user_id = t->user_id;
    n.environment = t->environment;
    n.projects = t->projects;
    n.n_projects = t->all_projects ? 0 : t->n_projects;
    n.all_projects = t->all_projects;
    n.expires_at = t->expires_at;
    n.display = display;
    n.read_only = t->read_only;
    n.quota_rps = t->quota_rps;
    n.origins = (const char *const *)t->origins;
    n.n_origins = t->n_origins;
    int64_t grace_until = lt_now_ms() + grace_s * 1000;
    lt_buf_t data, pre;
    lt_buf_init(&data, 0);
    lt_buf_init(&pre, 0);
    write_record_json(&pre, t, t->expires_at);
    write_token_json(&data, n.name, n.type, n.environment, n.projects, n.n_projects,
                     n.all_projects, display, n.expires_at);
    if (data.len) /* reopen the object (empty only after an allocation failure) */
        data.len--;
    lt_buf_puts(&data, ",\"rotatedFrom\":");
    lt_json_cstr(&data, t->display);
    lt_buf_printf(&data, ",\"gracePeriodSeconds\":%lld,\"graceEndsAt\":", (long long)grace_s);
    lt_json_time(&data, grace_until);
    lt_buf_putc(&data, '}');
    lt_event_t ev = event_for(who, t->type == LT_TOKEN_PAT ? "pat-rotated" : "api-token-rotated",
                              t->environment, t->projects, t->n_projects, t->all_projects);
    ev.data = data.ptr;
    ev.pre_data = pre.ptr;
    int rc = lt_store_token_rotate(s, &n, t->digest, grace_until, &ev);
    lt_buf_dispose(&data);
    lt_buf_dispose(&pre);
    return rc;
}

bool lt_token_expiring_soon(const lt_token_t *t, int64_t now_ms)
{
    return t->expires_at && lt_token_live(t, now_ms) &&
           t->expires_at - now_ms <= LT_TOKEN_EXPIRY_WARN_MS;
}

int lt_token_sweep(lt_store_t *s, const lt_dataset_t *d, int64_t now_ms)
{
    static const lt_principal_t system = {.name = "system"};
    int writes = 0;
    for (size_t i = 0; i < d->n_tokens; i++) {
        const lt_token_t *t = &d->tokens[i];
        bool pat = t->type == LT_TOKEN_PAT;
        lt_buf_t pre;
        lt_buf_init(&pre, 0);
        write_record_json(&pre, t, t->expires_at);
        int rc = LT_OK;
        if (t->grace_until && t->grace_until <= now_ms) {
            lt_event_t ev = event_for(&system, pat ? "pat-grace-ended" : "api-token-grace-ended",
                                      t->environment, t->projects, t->n_projects, t->all_projects);
            ev.pre_data = pre.ptr;
            rc = lt_store_token_remove(s, t->digest, &ev);
            writes++;
        } else if (t->expires_at && t->expires_at <= now_ms && !t->expiry_noted) {
            lt_event_t ev = event_for(&system, pat ? "pat-expired" : "api-token-expired",
                                      t->environment, t->projects, t->n_projects, t->all_projects);
            ev.data = pre.ptr;
            rc = lt_store_token_expired(s, t->digest, t->grace_until, &ev);
            writes++;
        }
        lt_buf_dispose(&pre);
        if (rc == LT_ERR)
            break; /* the store is out of reach: try again on the next sweep */
    }
    return writes;
}

int lt_token_set_quota(lt_store_t *s, const lt_token_t *t, int64_t rps, const lt_principal_t *who)
{
    lt_buf_t data, pre;
    lt_buf_init(&data, 0);
    lt_buf_init(&pre, 0);
    write_record_json(&data, t, t->expires_at);
    if (data.len) /* reopen the object (empty only after an allocation failure) */
        data.len--;
    lt_buf_printf(&data, ",\"requestsPerSecond\":%lld}", (long long)rps);
    lt_buf_printf(&pre, "{\"requestsPerSecond\":%lld}", (long long)t->quota_rps);
    lt_event_t ev = event_for(who, "api-token-updated", t->environment, t->projects, t->n_projects,
                              t->all_projects);
    ev.data = data.ptr;
    ev.pre_data = pre.ptr;
    int rc = lt_store_token_set_quota(s, t->digest, rps, &ev);
    lt_buf_dispose(&data);
    lt_buf_dispose(&pre);
    return rc;
}

bool lt_token_origin_ok(const char *o)
{
    size_t len = strlen(o);
    if (strcmp(o, "*") == 0)
        return true;
    if (len == 0 || len > LT_TOKEN_MAX_ORIGIN_LEN)
        return false;
    const char *p = o;
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z')))
        return false;
    while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
           *p == '+' || *p == '-' || *p == '.')
        p++;
    if (strncmp(p, "://", 3) != 0)
        return false;
    p += 3;
    const char *host = p;
    if (*p == '[') { /* an IPv6 literal */
        p++;
        while ((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f') || (*p >= 'A' && *p <= 'F') ||
               *p == ':' || *p == '.')
            p++;
        if (*p++ != ']' || p - host < 4)
            return false;
    } else {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '-' || *p == '.')
            p++;
        if (p == host || *host == '.' || *host == '-' || p[-1] == '.')
            return false;
    }
    if (*p == ':') {
        p++;
        long port = 0;
        const char *digits = p;
        while (*p >= '0' && *p <= '9' && p - digits < 6)
            port = port * 10 + (*p++ - '0');
        if (p == digits || port < 1 || port > 65535)
            return false;
    }
    return *p == '\0';
}

int lt_token_set_origins(lt_store_t *s, const lt_token_t *t, const char *const *origins, size_t n,
                         const lt_principal_t *who)
{
    lt_buf_t data, pre;
    lt_buf_init(&data, 0);
    lt_buf_init(&pre, 0);
    write_record_json(&data, t, t->expires_at);
    if (data.len) /* reopen the object (empty only after an allocation failure) */
        data.len--;
    lt_buf_puts(&data, ",\"allowedOrigins\":");
    lt_json_strings(&data, origins, n);
    lt_buf_putc(&data, '}');
    lt_buf_puts(&pre, "{\"allowedOrigins\":");
    lt_json_strings(&pre, (const char *const *)t->origins, t->n_origins);
    lt_buf_putc(&pre, '}');
    lt_event_t ev = event_for(who, "api-token-updated", t->environment, t->projects, t->n_projects,
                              t->all_projects);
    ev.data = data.ptr;
    ev.pre_data = pre.ptr;
    int rc = lt_store_token_set_origins(s, t->digest, origins, n, &ev);
    lt_buf_dispose(&data);
    lt_buf_dispose(&pre);
    return rc;
}

int lt_token_revoke(lt_store_t *s, const lt_token_t *t, const lt_principal_t *who)
{
    lt_buf_t pre;
    lt_buf_init(&pre, 0);
    write_record_json(&pre, t, t->expires_at);
    lt_event_t ev = event_for(who, "api-token-deleted", t->environment, t->projects, t->n_projects,
                              t->all_projects);
    ev.pre_data = pre.ptr;
    int rc = lt_store_token_remove(s, t->digest, &ev);
    lt_buf_dispose(&pre);
    return rc;
}
