/*
 * records.h: the access records as data: users, roles with their permission rows,
 * project-role bindings and stored API-token records. Who may do what is decided above this,
 * in auth/access.c; how they are stored, in store/.
 */
#ifndef LT_MODEL_RECORDS_H
#define LT_MODEL_RECORDS_H

#include "../base/base.h"

#define LT_ROLE_ADMIN 1
#define LT_ROLE_EDITOR 2
#define LT_ROLE_VIEWER 3
#define LT_ROLE_OWNER 4  /* project role: everything in the project */
#define LT_ROLE_MEMBER 5 /* project role: flags and their configuration */

typedef struct {
    const char *permission;  /* e.g. "UPDATE_FEATURE" */
    const char *project;     /* NULL = any */
    const char *environment; /* NULL = any */
} lt_perm_t;

typedef struct {
    int64_t id;
    const char *name;
    const char *description;
    const char *type; /* "root", "root-custom", "project", "custom" */
    lt_perm_t *perms;
    size_t n_perms;
} lt_role_t;

typedef struct {
    int64_t id;
    const char *username; /* NULL when none */
    const char *email;    /* NULL when none */
    const char *name;     /* NULL when none */
    int64_t root_role;
    int64_t created_at;
    int64_t seen_at;
    int login_attempts;
    bool service; /* a service account: no password, no login, only its tokens */
} lt_user_t;

/* A project role granted to a user. */
typedef struct {
    int64_t user_id;
    const char *project;
    int64_t role_id;
} lt_binding_t;

typedef enum {
    LT_TOKEN_CLIENT = 0, /* backend SDKs; "client" and "backend" on the wire */
    LT_TOKEN_FRONTEND,
    LT_TOKEN_ADMIN,
    LT_TOKEN_PAT,
} lt_token_type_t;

/* A stored token record, as the snapshot holds it. Strings are arena-owned. */
typedef struct {
    int64_t id; /* store row id (PATs are addressed by it) */
    uint8_t digest[32];
    const char *name; /* tokenName; a PAT's description */
    lt_token_type_t type;
    int64_t user_id; /* PATs: the owner */
    const char *environment; /* "*" = all (admin and legacy tokens) */
    const char **projects;   /* empty when all_projects */
    size_t n_projects;
    bool all_projects;
    int64_t expires_at; /* epoch ms; 0 = never */
    int64_t created_at;
    int64_t seen_at;    /* as stored; the snapshot tracks newer sightings */
    const char *display; /* non-secret prefix shown in lists, e.g. "default:development.1a2b…" */
    const char *selector; /* v2 tokens: the 22-character selector (not secret); else NULL */
    int64_t grace_until;  /* rotated away: refused from this epoch ms on; 0 = not rotated */
    bool read_only;       /* scoped PATs: GET and HEAD only */
    bool expiry_noted;    /* the api-token-expired event has been written */
    int64_t quota_rps;    /* requests admitted per second; 0 = no quota */
    const char **origins; /* front-end tokens: CORS origins allowed on top of the server's */
    size_t n_origins;
} lt_token_t;

/* "client", "frontend", "admin", "pat". */
const char *lt_token_type_name(lt_token_type_t t);
/* Parse "client"/"backend"/"frontend"/"admin"/"pat" (case-insensitive). LT_OK or LT_EINVAL. */
int lt_token_type_parse(const char *s, lt_token_type_t *out);

#endif
