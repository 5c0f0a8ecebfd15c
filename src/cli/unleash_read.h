/*
 * unleash_read.h: reading a live Unleash database for `latch import --from-unleash`
 * (unleash_read.c). Not for use outside src/cli/.
 */
#ifndef LT_CLI_UNLEASH_READ_H
#define LT_CLI_UNLEASH_READ_H

#include "../model/export.h"
#include "../store/store.h"

/* What an Unleash database holds, as latch records (every string in the arena given). */
typedef struct {
    lt_export_doc_t doc;        /* the flag side */
    lt_import_access_t acc;     /* users, roles, bindings, tokens (digests only), events */
    size_t skipped_hashes;      /* password hashes not of bcrypt's shape: those users get none */
    size_t skipped_tokens;      /* tokens latch cannot verify (an unknown type or verifier) */
    size_t skipped_permissions; /* custom roles' permissions latch has no use for */
    size_t aliases;             /* classic tokens' aliases, each one more token record */
} lt__unleash_data_t;

/*
 * Read everything from the Unleash database at url (a libpq URL or connection string) in one
 * read-only repeatable-read transaction; events too when asked. LT_OK, or LT_ERR / LT_EINVAL
 * with a message in err (the URL's password redacted; never a secret).
 */
int lt__unleash_read(const char *url, lt_arena_t *a, bool events, lt__unleash_data_t *out,
                     char *err, size_t err_cap);

#endif
