/*
 * access.h: users, roles and permissions (Unleash's access model). Root roles Admin, Editor
 * and Viewer are built in; custom roles are named permission sets, global ("root-custom") or
 * per project ("custom", bound to a user per project). Whoever calls the admin API is a
 * principal: an admin token, or a user (through a session or one of their PATs).
 */
#ifndef LT_ACCESS_H
#define LT_ACCESS_H

#include "../model/dataset.h"

/* ---------- permissions (access.c) ---------- */

/* Who is calling the admin API. */
typedef struct {
    bool admin_token;     /* an admin API token: every permission */
    const lt_user_t *user; /* a user (session or PAT); NULL for admin tokens */
    const char *name;     /* what the event log shows: token name, or username/email */
    const lt_token_t *pat; /* the PAT the user called with, or NULL: its scope narrows theirs */
} lt_principal_t;

/* Does a PAT's own scope reach project? A PAT narrowed to projects holds nothing
 * outside them (nor anything global). NULL: true. (A read-only PAT is refused every request
 * but GET and HEAD before any permission is looked at: see api/admin/admin.c.) */
bool lt_access_pat_allows(const lt_token_t *pat, const char *project);

/* Every permission name latch knows, NULL-terminated (GET /api/admin/permissions). */
extern const char *const lt_permissions[];
/* Is this a permission name latch knows? */
bool lt_permission_known(const char *perm);
/* Is the permission scoped to a project (granted per project by project roles)? */
bool lt_permission_is_project(const char *perm);
/* Is it one of the per-project permissions that are also granted per environment? */
bool lt_permission_is_environment(const char *perm);

/*
 * May the principal do perm (in project, and environment when the permission is per
 * environment)? project/env may be NULL for global permissions. Reads the roles, users and
 * bindings of the dataset (the snapshot's), so a role change applies to the next request.
 */
bool lt_access_can(const struct lt_dataset *d, const lt_principal_t *p, const char *perm,
                   const char *project, const char *env);
/* The user with this id in the dataset, or NULL. */
const lt_user_t *lt_access_user(const struct lt_dataset *d, int64_t id);
/* The role with this id, or NULL. */
const lt_role_t *lt_access_role(const struct lt_dataset *d, int64_t id);
/* The role with this name (case-insensitive), or NULL. */
const lt_role_t *lt_access_role_named(const struct lt_dataset *d, const char *name);
/* The name events and lists show for a user: username, else email, else "user-<id>". */
const char *lt_user_display(const lt_user_t *u, char *buf, size_t cap);

/* ---------- passwords (argon2id, libsodium) ---------- */

/* Hash a password into out (LT_PASSWORD_HASH_MAX bytes). LT_OK or LT_ERR (out of memory). */
#define LT_PASSWORD_HASH_MAX 128
int lt_password_hash(const char *password, char out[LT_PASSWORD_HASH_MAX]);
/* Constant-time verification against a stored hash: argon2id, or a bcrypt hash of the one
 * shape lt_password_bcrypt_shaped accepts (imported from Unleash; crypt_rn of libxcrypt). */
bool lt_password_verify(const char *password, const char *hash);
/* Is h a bcrypt hash of the only shape latch verifies: "$2a$" or "$2b$", a cost of 04 to 31,
 * "$", then 53 characters of bcrypt's base64 (60 in all)? Such a hash is replaced by an
 * argon2id one at the first login that verifies it. */
bool lt_password_bcrypt_shaped(const char *h);
/*
 * Unleash's password rules (10 to 1024 characters with an upper-case letter, a lower-case
 * letter, a digit and another character): NULL when the password passes, else a static
 * message saying what is missing.
 */
const char *lt_password_check(const char *password);

#endif
