/*
 * records.c: names of the token types; the records themselves are plain data
 * (records.h).
 */
#include "records.h"

#include <strings.h>

const char *lt_token_type_name(lt_token_type_t t)
{
    switch (t) {
    case LT_TOKEN_CLIENT:
        return "client";
    case LT_TOKEN_FRONTEND:
        return "frontend";
    case LT_TOKEN_ADMIN:
        return "admin";
    case LT_TOKEN_PAT:
        return "pat";
    }
    return "client";
}

int lt_token_type_parse(const char *s, lt_token_type_t *out)
{
    if (strcasecmp(s, "client") == 0 || strcasecmp(s, "backend") == 0)
        *out = LT_TOKEN_CLIENT;
    else if (strcasecmp(s, "frontend") == 0)
        *out = LT_TOKEN_FRONTEND;
    else if (strcasecmp(s, "admin") == 0)
        *out = LT_TOKEN_ADMIN;
    else if (strcasecmp(s, "pat") == 0)
        *out = LT_TOKEN_PAT;
    else
        return LT_EINVAL;
    return LT_OK;
}
