/*
 * access.c: Unleash's permission model over the dataset: root roles Admin, Editor, Viewer,
 * project roles Owner and Member, and custom roles (global "root-custom" or per-project
 * "custom") as stored permission rows. Also password hashing with argon2id, and the check of
 * bcrypt hashes imported from Unleash (libxcrypt's crypt_rn).
 */
#include "access.h"

#include <crypt.h>
#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "../model/dataset.h"

const char *const lt_permissions[] = {
    "ADMIN",
    /* global */
    "CREATE_PROJECT", "CREATE_STRATEGY", "UPDATE_STRATEGY", "DELETE_STRATEGY",
    "CREATE_CONTEXT_FIELD", "UPDATE_CONTEXT_FIELD", "DELETE_CONTEXT_FIELD", "CREATE_SEGMENT",
    "UPDATE_SEGMENT", "DELETE_SEGMENT", "CREATE_TAG_TYPE", "UPDATE_TAG_TYPE", "DELETE_TAG_TYPE",
    "UPDATE_APPLICATION", "READ_CLIENT_API_TOKEN", "CREATE_CLIENT_API_TOKEN",
    "UPDATE_CLIENT_API_TOKEN", "DELETE_CLIENT_API_TOKEN", "READ_FRONTEND_API_TOKEN",
    "CREATE_FRONTEND_API_TOKEN", "UPDATE_FRONTEND_API_TOKEN", "DELETE_FRONTEND_API_TOKEN",
    "CREATE_ADDON", "UPDATE_ADDON", "DELETE_ADDON",
    /* per project */
    "CREATE_FEATURE", "UPDATE_FEATURE", "DELETE_FEATURE", "UPDATE_FEATURE_VARIANTS",
    "UPDATE_FEATURE_DEPENDENCY", "UPDATE_PROJECT", "DELETE_PROJECT", "CREATE_PROJECT_API_TOKEN",
    "READ_PROJECT_API_TOKEN", "DELETE_PROJECT_API_TOKEN", "UPDATE_PROJECT_SEGMENT",
    /* per project and environment */
    "CREATE_FEATURE_STRATEGY", "UPDATE_FEATURE_STRATEGY", "DELETE_FEATURE_STRATEGY",
    "UPDATE_FEATURE_ENVIRONMENT", "UPDATE_FEATURE_ENVIRONMENT_VARIANTS", NULL};

/* Index in lt_permissions where the per-project ones start. */
#define FIRST_PROJECT_PERM 26

/* What Editors may do outside projects. In projects they hold Member's rights in "default"
 * only (as Unleash's role_permission rows give them), and Owner in the projects they create
 * (a binding written with the project). */
static const char *const editor_global[] = {
    "CREATE_PROJECT", "CREATE_STRATEGY", "UPDATE_STRATEGY", "DELETE_STRATEGY",
    "CREATE_CONTEXT_FIELD", "UPDATE_CONTEXT_FIELD", "DELETE_CONTEXT_FIELD", "CREATE_SEGMENT",
    "UPDATE_SEGMENT", "DELETE_SEGMENT", "CREATE_TAG_TYPE", "UPDATE_TAG_TYPE", "DELETE_TAG_TYPE",
    "UPDATE_APPLICATION", "READ_CLIENT_API_TOKEN", "CREATE_CLIENT_API_TOKEN",
    "UPDATE_CLIENT_API_TOKEN", "DELETE_CLIENT_API_TOKEN", "READ_FRONTEND_API_TOKEN",
    "CREATE_FRONTEND_API_TOKEN", "UPDATE_FRONTEND_API_TOKEN", "DELETE_FRONTEND_API_TOKEN",
    "CREATE_ADDON", "UPDATE_ADDON", "DELETE_ADDON", NULL};

/* Project Members: flags and their configuration in the project. */
static const char *const member_perms[] = {
    "CREATE_FEATURE", "UPDATE_FEATURE", "DELETE_FEATURE", "UPDATE_FEATURE_VARIANTS",
    "UPDATE_FEATURE_DEPENDENCY", "CREATE_FEATURE_STRATEGY", "UPDATE_FEATURE_STRATEGY",
    "DELETE_FEATURE_STRATEGY", "UPDATE_FEATURE_ENVIRONMENT", "UPDATE_FEATURE_ENVIRONMENT_VARIANTS",
    "READ_PROJECT_API_TOKEN", "CREATE_PROJECT_API_TOKEN", "DELETE_PROJECT_API_TOKEN", NULL};

static bool in_list(const char *const *list, const char *perm)
{
    for (; *list; list++)
        if (strcmp(*list, perm) == 0)
            return true;
    return false;
}

bool lt_permission_known(const char *perm)
{
    return perm && in_list(lt_permissions, perm);
}

bool lt_permission_is_project(const char *perm)
{
    return perm && in_list(lt_permissions + FIRST_PROJECT_PERM, perm);
}

/* Index in lt_permissions where the per-environment ones start. */
#define FIRST_ENV_PERM 37

bool lt_permission_is_environment(const char *perm)
{
    return perm && in_list(lt_permissions + FIRST_ENV_PERM, perm);
}

const lt_user_t *lt_access_user(const lt_dataset_t *d, int64_t id)
{
    size_t lo = 0, hi = d->n_users;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->users[mid].id == id)
            return &d->users[mid];
        if (d->users[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

const lt_role_t *lt_access_role(const lt_dataset_t *d, int64_t id)
{
    for (size_t i = 0; i < d->n_roles; i++)
        if (d->roles[i].id == id)
            return &d->roles[i];
    return NULL;
}

const lt_role_t *lt_access_role_named(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; name && i < d->n_roles; i++)
        if (strcasecmp(d->roles[i].name, name) == 0)
            return &d->roles[i];
    return NULL;
}

const char *lt_user_display(const lt_user_t *u, char *buf, size_t cap)
{
    if (u->username && u->username[0])
        return u->username;
    if (u->email && u->email[0])
        return u->email;
    snprintf(buf, cap, "user-%lld", (long long)u->id);
    return buf;
}

/* Does a stored permission row grant perm in project/env? */
static bool row_grants(const lt_perm_t *p, const char *perm, const char *project,
                       const char *env)
{
    if (strcmp(p->permission, perm) != 0)
        return false;
    if (p->project && (!project || strcmp(p->project, project) != 0))
        return false;
    if (p->environment && env && strcmp(p->environment, env) != 0)
        return false;
    return true;
}

/* What a role grants in a project (project NULL: a global check). */
static bool role_grants(const lt_role_t *r, const char *perm, const char *project,
                        const char *env, bool bound_to_project)
{
    if (!r)
        return false;
    switch (r->id) {
    case LT_ROLE_ADMIN:
        return true;
    case LT_ROLE_EDITOR:
        return in_list(editor_global, perm) ||
               (project && strcmp(project, "default") == 0 && in_list(member_perms, perm));
    case LT_ROLE_VIEWER:
        return false;
    case LT_ROLE_OWNER:
        return bound_to_project && (in_list(member_perms, perm) ||
                                    strcmp(perm, "UPDATE_PROJECT") == 0 ||
                                    strcmp(perm, "DELETE_PROJECT") == 0 ||
                                    strcmp(perm, "UPDATE_PROJECT_SEGMENT") == 0);
    case LT_ROLE_MEMBER:
        return bound_to_project && in_list(member_perms, perm);
    default:
        break;
    }
    for (size_t i = 0; i < r->n_perms; i++)
        if (row_grants(&r->perms[i], perm, bound_to_project ? NULL : project, env))
            return true;
    return false;
}

bool lt_access_pat_allows(const lt_token_t *pat, const char *project)
{
    if (!pat || pat->all_projects)
        return true;
    if (!project)
        return false;
    for (size_t i = 0; i < pat->n_projects; i++)
        if (strcmp(pat->projects[i], project) == 0)
            return true;
    return false;
}

bool lt_access_can(const lt_dataset_t *d, const lt_principal_t *p, const char *perm,
                   const char *project, const char *env)
{
    if (p->admin_token)
        return true;
    if (!p->user || !lt_access_pat_allows(p->pat, project))
        return false; /* a scoped PAT narrows its user's current rights, never widens them */
    const lt_role_t *root = lt_access_role(d, p->user->root_role);
    if (root && root->id == LT_ROLE_ADMIN)
        return true;
    if (role_grants(root, perm, project, env, false))
        return true;
    if (!project)
        return false;
    for (size_t i = 0; i < d->n_bindings; i++) {
        const lt_binding_t *b = &d->bindings[i];
        if (b->user_id == p->user->id && strcmp(b->project, project) == 0 &&
            role_grants(lt_access_role(d, b->role_id), perm, project, env, true))
            return true;
    }
    return false;
}

int lt_password_hash(const char *password, char out[LT_PASSWORD_HASH_MAX])
{
    lt_assert(crypto_pwhash_STRBYTES <= LT_PASSWORD_HASH_MAX);
    /* OWASP's argon2id setting (19 MiB, 2 passes): libsodium's "interactive" 64 MiB would make
     * every login (and the first start) spike the server's memory to 70 MB */
    if (crypto_pwhash_str_alg(out, password, strlen(password), 2, (size_t)19 << 20,
                              crypto_pwhash_ALG_ARGON2ID13) != 0)
        return LT_ERR;
    return LT_OK;
}

bool lt_password_bcrypt_shaped(const char *h)
{
    static const char b64[] = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    if (!h || strlen(h) != 60 || strncmp(h, "$2", 2) != 0 || (h[2] != 'a' && h[2] != 'b') ||
        h[3] != '$' || h[6] != '$' || !isdigit((unsigned char)h[4]) ||
        !isdigit((unsigned char)h[5]))
        return false;
    int cost = (h[4] - '0') * 10 + (h[5] - '0');
    return cost >= 4 && cost <= 31 && strspn(h + 7, b64) == 53;
}

/* bcrypt through crypt_rn: the whole hash recomputed from the stored one's salt and cost,
 * then compared in constant time. */
static bool bcrypt_verify(const char *password, const char *hash)
{
    if (!lt_password_bcrypt_shaped(hash) || strlen(password) > 72 * 16)
        return false;
    struct crypt_data *cd = lt_xcalloc(1, sizeof(*cd)); /* 32 KiB: not on a worker's stack */
    const char *out = crypt_rn(password, hash, cd, (int)sizeof(*cd));
    bool ok = out && strlen(out) == 60 && sodium_memcmp(out, hash, 60) == 0;
    sodium_memzero(cd, sizeof(*cd)); /* it held the password */
    free(cd);
    return ok;
}

bool lt_password_verify(const char *password, const char *hash)
{
    if (!hash || !password)
        return false;
    if (strncmp(hash, "$2", 2) == 0)
        return bcrypt_verify(password, hash);
    return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

const char *lt_password_check(const char *password)
{
    size_t n = password ? strlen(password) : 0;
    if (n < 10)
        return "The password must be at least 10 characters long.";
    if (n > 1024)
        return "The password must be at most 1024 characters long.";
    bool upper = false, lower = false, digit = false, other = false;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)password[i];
        upper |= isupper(c) != 0;
        lower |= islower(c) != 0;
        digit |= isdigit(c) != 0;
        other |= !isalnum(c);
    }
    if (!upper)
        return "The password must contain at least one uppercase letter.";
    if (!lower)
        return "The password must contain at least one lowercase letter.";
    if (!digit)
        return "The password must contain at least one number.";
    if (!other)
        return "The password must contain at least one special character.";
    return NULL;
}
