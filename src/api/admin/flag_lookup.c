/*
 * flag_lookup.c: what admin resources ask of a dataset beyond model/dataset.h's look-ups (is a
 * flag a parent, is a strategy name known), Unleash's name rule, and the small per-request
 * sets of names; see admin_int.h.
 */
#include <stdlib.h>

#include "admin_int.h"

static const char *const builtin_strategies[] = {
    "default",
    "flexibleRollout",
    "userWithId",
    "remoteAddress",
    "applicationHostname",
    "gradualRolloutUserId",
    "gradualRolloutSessionId",
    "gradualRolloutRandom",
    NULL,
};

bool lt_adm_has_children(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; i < d->n_features; i++) {
        const lt_feature_t *f = &d->features[i];
        if (f->archived)
            continue;
        for (size_t k = 0; k < f->n_dependencies; k++)
            if (strcmp(f->dependencies[k].feature, name) == 0)
                return true;
    }
    return false;
}

bool lt_adm_strategy_known(const lt_dataset_t *d, const char *name)
{
    for (const char *const *b = builtin_strategies; *b; b++)
        if (strcmp(*b, name) == 0)
            return true;
    for (size_t i = 0; i < d->n_strategy_defs; i++)
        if (strcmp(d->strategy_defs[i].name, name) == 0)
            return true;
    return false;
}

bool lt_adm_name_valid(const char *s, size_t min, size_t max)
{
    size_t n = s ? strlen(s) : 0;
    if (n < min || n > max || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("-_.!~*'()", c) != NULL;
        if (!ok)
            return false;
    }
    return true;
}

bool lt_adm_name_ok(const char *s)
{
    return lt_adm_name_valid(s, 1, 100);
}

/* ---------- small sets ---------- */

void lt_adm_set_add(const char **set, size_t *n, const char *s)
{
    for (size_t i = 0; i < *n; i++)
        if (strcmp(set[i], s) == 0)
            return;
    set[(*n)++] = s;
}

static int name_cmp(const void *pa, const void *pb)
{
    return strcmp(*(const char *const *)pa, *(const char *const *)pb);
}

void lt_adm_sort_names(const char **names, size_t n)
{
    if (n > 1)
        qsort((void *)names, n, sizeof(*names), name_cmp);
}

size_t lt_adm_n_strategies(const lt_dataset_t *d)
{
    size_t n = 0;
    for (size_t i = 0; i < d->n_features; i++)
        for (size_t e = 0; e < d->features[i].n_envs; e++)
            n += d->features[i].envs[e].n_strategies;
    return n;
}
