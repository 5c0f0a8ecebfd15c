/*
 * user_ops.h: users as the admin API, `latch user` and the first-start admin user all handle
 * them: the rules (unique username and email regardless of case, a root role by name or id,
 * the password rules and argon2id hashing) and each write with its one event shape. Written
 * once so the three can never disagree.
 */
#ifndef LT_USER_OPS_H
#define LT_USER_OPS_H

#include "../auth/access.h"
#include "../store/store.h"

/* The user-* event a write of lt_user_put carries. */
typedef enum {
    LT_USER_CREATED,
    LT_USER_UPDATED,
    LT_USER_PASSWORD_CHANGED,
} lt_user_change_t;

/* Does another user of d (not u->id) have u's username or email, regardless of case? */
bool lt_user_name_taken(const lt_dataset_t *d, const lt_user_t *u);

/* The root role (Admin, Editor, Viewer or a root-custom role) named name, or when name is NULL
 * or no role has that name, the one with id (0: none). NULL when there is none or it is not a
 * root role. */
const lt_role_t *lt_user_root_role(const lt_dataset_t *d, const char *name, int64_t id);

/*
 * Hash password with argon2id into hash. With rules set the password must pass
 * lt_password_check first. LT_OK; LT_EINVAL with *why set to the rule it breaks (a static
 * string); LT_ERR when hashing fails. Slow on purpose: call it outside the store lock.
 */
int lt_user_hash_password(const char *password, bool rules, char hash[LT_PASSWORD_HASH_MAX],
                          const char **why);

/*
 * Store u (u->id 0: a new user) with its event of type change attributed to who (one
 * transaction); hash: a new password hash or NULL. d is the newest dataset: an existing user
 * must be in it and the username and email must be free. The store ends a user's stored
 * sessions with a password change; the caller ends the in-memory ones (lt_session_end_user)
 * after releasing the store lock. LT_OK, LT_ENOTFOUND, LT_EINVAL (the name is taken) or
 * LT_ERR; *out_id (may be NULL) gets the user's id.
 */
int lt_user_put(lt_store_t *s, const lt_dataset_t *d, const lt_user_t *u, const char *hash,
                lt_user_change_t change, const lt_principal_t *who, int64_t *out_id);
/* lt_user_put of a new user with invite (may be NULL), the password-reset token of their
 * invite link, stored in the same transaction. */
int lt_user_create_invited(lt_store_t *s, const lt_dataset_t *d, const lt_user_t *u,
                           const char *hash, lt_reset_token_t *invite, const lt_principal_t *who,
                           int64_t *out_id);

/* Create u (a new user, root role set) through signup token t with the password hash: the
 * user-created event (attributed to the system, as Unleash does) and the token's user-added
 * event in one transaction. LT_OK, LT_EINVAL (the name is taken) or LT_ERR. */
int lt_user_signup(lt_store_t *s, const lt_dataset_t *d, const lt_user_t *u, const char *hash,
                   const lt_signup_token_t *t, int64_t *out_id);

/* Delete u (and with it their PATs and sessions in the store) with its user-deleted event.
 * LT_OK, LT_ENOTFOUND or LT_ERR. */
int lt_user_delete(lt_store_t *s, const lt_user_t *u, const lt_principal_t *who);
/* Delete the n users us[] (each with its user-deleted event) in one transaction. LT_OK or
 * LT_ERR (none deleted). */
int lt_users_delete(lt_store_t *s, const lt_user_t *const *us, size_t n,
                    const lt_principal_t *who);

#endif
