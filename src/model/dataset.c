/*
 * dataset.c: the look-ups of a dataset every layer shares (the store's rules and loads, the
 * admin API, the CLI): flags by binary search, the small tables by a scan; see dataset.h.
 */
#include "dataset.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>

size_t lt_dataset_feature_index(const lt_dataset_t *d, const char *name)
{
    size_t lo = 0, hi = d->n_features;
    while (name && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(d->features[mid].name, name);
        if (c == 0)
            return mid;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

const lt_feature_t *lt_dataset_feature(const lt_dataset_t *d, const char *name)
{
    size_t i = lt_dataset_feature_index(d, name);
    return i == SIZE_MAX ? NULL : &d->features[i];
}

const lt_project_t *lt_dataset_project(const lt_dataset_t *d, const char *id)
{
    for (size_t i = 0; id && i < d->n_projects; i++)
        if (strcmp(d->projects[i].id, id) == 0)
            return &d->projects[i];
    return NULL;
}

const lt_environment_t *lt_dataset_env(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; name && i < d->n_envs; i++)
        if (strcmp(d->envs[i].name, name) == 0)
            return &d->envs[i];
    return NULL;
}

const lt_context_field_t *lt_dataset_context_field(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; name && i < d->n_context_fields; i++)
        if (strcmp(d->context_fields[i].name, name) == 0)
            return &d->context_fields[i];
    return NULL;
}

bool lt_dataset_project_has_env(const lt_dataset_t *d, const char *project, const char *env)
{
    for (size_t i = 0; project && env && i < d->n_project_envs; i++)
        if (strcmp(d->project_envs[i].project, project) == 0 &&
            strcmp(d->project_envs[i].environment, env) == 0)
            return true;
    return false;
}

const char *lt_dataset_setting(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; name && i < d->n_settings; i++)
        if (strcmp(d->settings[i].name, name) == 0)
            return d->settings[i].value;
    return NULL;
}

bool lt_dataset_maintenance(const lt_dataset_t *d)
{
    const char *v = lt_dataset_setting(d, "maintenance.mode");
    /* the store writes this value itself, always as one of these two texts */
    return v && strcmp(v, "{\"enabled\":true}") == 0;
}

const char *lt_dataset_env_default(const lt_dataset_t *d, const char *project, const char *env)
{
    for (size_t i = 0; project && env && i < d->n_env_defaults; i++)
        if (strcmp(d->env_defaults[i].project, project) == 0 &&
            strcmp(d->env_defaults[i].environment, env) == 0)
            return d->env_defaults[i].strategy;
    return NULL;
}

bool lt_dataset_favorite(const lt_favorite_t *favs, size_t n, int64_t user, const char *name)
{
    size_t lo = 0, hi = n;
    while (user && name && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = favs[mid].user_id < user ? -1 : favs[mid].user_id > user ? 1
                                                                          : strcmp(favs[mid].name, name);
        if (c == 0)
            return true;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return false;
}

/* The range of the n elements of size sz in arr (sorted by the string at offset off, a flag's
 * name) whose name is name: its length, its first index in *start. O(log n). */
static size_t feature_range(const void *arr, size_t n, size_t sz, size_t off, const char *name,
                            size_t *start)
{
#define NAME_AT(i) (*(const char *const *)(const void *)((const char *)arr + (i) * sz + off))
    size_t lo = 0, hi = n;
    while (name && lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (strcmp(NAME_AT(mid), name) < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    size_t k = 0;
    while (name && lo + k < n && strcmp(NAME_AT(lo + k), name) == 0)
        k++;
#undef NAME_AT
    *start = lo;
    return k;
}

size_t lt_dataset_stages(const lt_dataset_t *d, const char *name, size_t *start)
{
    return feature_range(d->stages, d->n_stages, sizeof(*d->stages),
                         offsetof(lt_stage_t, feature), name, start);
}

size_t lt_dataset_links(const lt_dataset_t *d, const char *name, size_t *start)
{
    return feature_range(d->links, d->n_links, sizeof(*d->links), offsetof(lt_link_t, feature),
                         name, start);
}

const lt_stage_t *lt_dataset_stage_now(const lt_dataset_t *d, const char *name)
{
    static const char *const order[] = {"archived", "completed", "live", "pre-live", "initial"};
    size_t start;
    size_t n = lt_dataset_stages(d, name, &start);
    for (size_t o = 0; o < sizeof(order) / sizeof(*order); o++)
        for (size_t i = 0; i < n; i++)
            if (strcmp(d->stages[start + i].stage, order[o]) == 0)
                return &d->stages[start + i];
    return NULL;
}

const lt_app_meta_t *lt_dataset_app_meta(const lt_dataset_t *d, const char *name)
{
    for (size_t i = 0; name && i < d->n_app_meta; i++)
        if (strcmp(d->app_meta[i].app_name, name) == 0)
            return &d->app_meta[i];
    return NULL;
}

const lt_reset_token_t *lt_dataset_reset_token(const lt_dataset_t *d, const uint8_t digest[32])
{
    for (size_t i = 0; i < d->n_reset_tokens; i++)
        if (memcmp(d->reset_tokens[i].digest, digest, 32) == 0)
            return &d->reset_tokens[i];
    return NULL;
}
