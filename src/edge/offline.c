/*
 * offline.c: building a snapshot from a bootstrap file (a client-features document, Edge's
 * simple map, or delta events) and the configured token lists; see offline.h. Each reload
 * parses into a fresh arena and publishes a new snapshot; a bad file keeps the old one.
 */
#include "offline.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../model/delta.h"
#include "../state/snapshot.h"

static uint64_t revision;
static struct timespec loaded_mtime;
static off_t loaded_size;

static char *slurp(const char *path, size_t *out_len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *text = lt_read_all(f, (size_t)512 << 20, out_len);
    fclose(f);
    return text;
}

static int feature_cmp(const void *a, const void *b)
{
    return strcmp(((const lt_feature_t *)a)->name, ((const lt_feature_t *)b)->name);
}

static void add_tokens(lt_arena_t *a, lt_dataset_t *d, const char *const *list, size_t n,
                       lt_token_type_t type)
{
    for (size_t i = 0; i < n; i++) {
        lt_token_t *t = &d->tokens[d->n_tokens++];
        memset(t, 0, sizeof(*t));
        lt_str_t s = lt_str_c(list[i]);
        lt_token_digest(s, t->digest);
        t->type = type;
        t->name = "offline";
        t->environment = LT_OFFLINE_ENV;
        t->all_projects = true;
        char display[160];
        lt_token_display(s, display, sizeof(display));
        t->display = lt_arena_strdup(a, display);
        lt_token_parts_t p = lt_token_parse(s);
        if ((p.form == LT_TOKEN_FORM_CLASSIC || p.form == LT_TOKEN_FORM_V2) &&
            !lt_str_eq_c(p.project, "*") && !lt_str_eq_c(p.project, "[]")) {
            t->all_projects = false;
            t->projects = lt_arena_calloc(a, 1, sizeof(*t->projects));
            t->projects[0] = lt_arena_strndup(a, p.project.ptr, p.project.len);
            t->n_projects = 1;
        }
    }
}

int lt_offline_load(const lt_offline_config_t *cfg)
{
    struct stat st;
    if (stat(cfg->bootstrap_file, &st) != 0) {
        lt_log_errno(LT_LOG_ERROR, "offline: cannot read %s", cfg->bootstrap_file);
        return LT_ERR;
    }
    size_t len;
    char *json = slurp(cfg->bootstrap_file, &len);
    if (!json) {
        lt_log_errno(LT_LOG_ERROR, "offline: cannot read %s", cfg->bootstrap_file);
        return LT_ERR;
    }
    lt_arena_t a;
    lt_arena_init(&a, 64 * 1024);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    int rc = lt_model_parse_delta_doc(&a, json, len, LT_OFFLINE_ENV, &doc, &err);
    free(json);
    if (rc != LT_OK) {
        lt_log_error("offline: %s: %s%s%s", cfg->bootstrap_file, err.msg,
                     err.where[0] ? " in flag " : "", err.where);
        lt_arena_dispose(&a);
        return LT_ERR;
    }
    lt_dataset_t d;
    memset(&d, 0, sizeof(d));
    d.features = doc.features;
    d.n_features = doc.n_features;
    qsort(d.features, d.n_features, sizeof(*d.features), feature_cmp);
    d.segments = doc.segments;
    d.n_segments = doc.n_segments;
    d.envs = lt_arena_calloc(&a, 1, sizeof(*d.envs));
    d.envs[0] = (lt_environment_t){LT_OFFLINE_ENV, "development", true, 0};
    d.n_envs = 1;
    d.projects = lt_arena_calloc(&a, d.n_features + 1, sizeof(*d.projects));
    for (size_t i = 0; i < d.n_features; i++) {
        bool seen = false;
        for (size_t k = 0; k < d.n_projects && !seen; k++)
            seen = strcmp(d.projects[k].id, d.features[i].project) == 0;
        if (!seen)
            d.projects[d.n_projects++] =
                (lt_project_t){d.features[i].project, d.features[i].project, NULL, "open", 0};
    }
    d.tokens =
        lt_arena_calloc(&a, cfg->n_client_tokens + cfg->n_frontend_tokens + 1, sizeof(*d.tokens));
    add_tokens(&a, &d, cfg->client_tokens, cfg->n_client_tokens, LT_TOKEN_CLIENT);
    add_tokens(&a, &d, cfg->frontend_tokens, cfg->n_frontend_tokens, LT_TOKEN_FRONTEND);
    d.revision = (int64_t)++revision;
    lt_snapshot_publish(lt_snapshot_build(&a, &d));
    loaded_mtime = st.st_mtim;
    loaded_size = st.st_size;
    lt_log_info("offline: loaded %zu flags and %zu segments from %s", d.n_features, d.n_segments,
                cfg->bootstrap_file);
    return LT_OK;
}

static pthread_t watcher;
static bool watching, stop_flag;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;

static void *watch_main(void *arg)
{
    const lt_offline_config_t *cfg = arg;
    pthread_mutex_lock(&lock);
    while (!stop_flag) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_sec += cfg->reload_interval_s;
        pthread_cond_timedwait(&cond, &lock, &ts);
        if (stop_flag)
            break;
        struct stat st;
        if (stat(cfg->bootstrap_file, &st) == 0 &&
            (st.st_mtim.tv_sec != loaded_mtime.tv_sec ||
             st.st_mtim.tv_nsec != loaded_mtime.tv_nsec || st.st_size != loaded_size))
            lt_offline_load(cfg);
    }
    pthread_mutex_unlock(&lock);
    return NULL;
}

int lt_offline_watch_start(const lt_offline_config_t *cfg)
{
    if (cfg->reload_interval_s <= 0)
        return LT_OK;
    stop_flag = false;
    if (pthread_create(&watcher, NULL, watch_main, (void *)(uintptr_t)cfg) != 0)
        return LT_ERR;
    watching = true;
    return LT_OK;
}

void lt_offline_watch_stop(void)
{
    if (!watching)
        return;
    pthread_mutex_lock(&lock);
    stop_flag = true;
    pthread_cond_signal(&cond);
    pthread_mutex_unlock(&lock);
    pthread_join(watcher, NULL);
    watching = false;
}
