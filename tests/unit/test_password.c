/*
 * test_password.c: unit tests for the passwords of src/auth/access.c: argon2id hashes made and
 * verified, and the bcrypt hashes imported from Unleash: the one shape accepted ($2a$/$2b$, a
 * cost of 04 to 31, 53 characters of bcrypt's base64), known vectors verified (Unleash's own
 * default admin hash, OpenBSD's "U*U"), a wrong password and every other shape refused.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include <cmocka.h>

#include <string.h>

#include "auth/access.h"

/* Unleash's seeded admin user: password "unleash4all", bcryptjs cost 10. */
static const char UNLEASH_ADMIN[] = "$2b$10$Ukw1uS3Xu/sfkboQ0vQUf.vlViFo4XwsHBYj/ebaoGC.EdJ1sJxyi";
/* OpenBSD's test vector for "U*U". */
static const char OPENBSD_UU[] = "$2a$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

static void test_bcrypt_vectors(void **state)
{
    (void)state;
    assert_true(lt_password_verify("unleash4all", UNLEASH_ADMIN));
    assert_false(lt_password_verify("unleash4al", UNLEASH_ADMIN));
    assert_false(lt_password_verify("unleash4all ", UNLEASH_ADMIN));
    assert_false(lt_password_verify("", UNLEASH_ADMIN));
    assert_true(lt_password_verify("U*U", OPENBSD_UU));
    assert_false(lt_password_verify("U*V", OPENBSD_UU));
    assert_false(lt_password_verify(NULL, OPENBSD_UU));
}

/* The hash with character i replaced by c. */
static void with(char *out, const char *h, size_t i, char c)
{
    strcpy(out, h);
    out[i] = c;
}

static void test_bcrypt_other_shapes_refused(void **state)
{
    (void)state;
    char h[80];
    assert_true(lt_password_bcrypt_shaped(UNLEASH_ADMIN));
    assert_true(lt_password_bcrypt_shaped(OPENBSD_UU));
    /* $2y$ and $2x$ are the same algorithm (or a buggy one): never accepted here */
    with(h, OPENBSD_UU, 2, 'y');
    assert_false(lt_password_bcrypt_shaped(h));
    assert_false(lt_password_verify("U*U", h));
    with(h, OPENBSD_UU, 2, 'x');
    assert_false(lt_password_verify("U*U", h));
    /* cost out of range, or not two digits */
    with(h, OPENBSD_UU, 5, '3');
    h[4] = '0';
    assert_false(lt_password_bcrypt_shaped(h)); /* 03 */
    with(h, OPENBSD_UU, 4, '3');
    h[5] = '2';
    assert_false(lt_password_bcrypt_shaped(h)); /* 32 */
    with(h, OPENBSD_UU, 4, 'a');
    assert_false(lt_password_bcrypt_shaped(h));
    /* a character outside bcrypt's base64, a missing or an extra one */
    with(h, OPENBSD_UU, 20, '+');
    assert_false(lt_password_verify("U*U", h));
    strcpy(h, OPENBSD_UU);
    h[59] = '\0';
    assert_false(lt_password_verify("U*U", h));
    snprintf(h, sizeof(h), "%s.", OPENBSD_UU);
    assert_false(lt_password_verify("U*U", h));
    assert_false(lt_password_verify("U*U", "$2a$05$"));
    assert_false(lt_password_verify("U*U", "$2"));
    assert_false(lt_password_bcrypt_shaped(NULL));
    assert_false(lt_password_bcrypt_shaped("$argon2id$v=19$m=19456,t=2,p=1$abc$def"));
}

static void test_argon2id_still(void **state)
{
    (void)state;
    char h[LT_PASSWORD_HASH_MAX];
    assert_int_equal(lt_password_hash("Correct-Horse-9", h), LT_OK);
    assert_true(strncmp(h, "$argon2id$", 10) == 0);
    assert_false(lt_password_bcrypt_shaped(h));
    assert_true(lt_password_verify("Correct-Horse-9", h));
    assert_false(lt_password_verify("Correct-Horse-8", h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bcrypt_vectors),
        cmocka_unit_test(test_bcrypt_other_shapes_refused),
        cmocka_unit_test(test_argon2id_still),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
