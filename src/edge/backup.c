/*
 * backup.c: the edge's backup folder: edge-backup.json holds each scope's last document with
 * its ETag, and the records of the validated tokens by digest (never a secret: unlike Unleash
 * Edge's backups, a stolen folder opens nothing). Written whole to a temporary file, synced
 * and renamed over the old one after each change, so a crash leaves the old or the new file.
 */
#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "../base/log.h"
#include "../base/util.h"
#include "../model/model_json.h"
#include "edge_int.h"

#define BACKUP_NAME "edge-backup.json"

static pthread_mutex_t write_lock = PTHREAD_MUTEX_INITIALIZER;

static void write_token(void *ctx, lt_map_entry_t *me)
{
    lt_buf_t *b = ctx;
    const tk_entry_t *e = me->value;
    if (e->state != TK_VALID || !e->env)
        return;
    char hex[65];
    lt_hex(e->digest, 32, hex);
    if (b->len && b->ptr[b->len - 1] == '}')
        lt_buf_putc(b, ',');
    lt_buf_puts(b, "{\"digest\":");
    lt_json_cstr(b, hex);
    lt_buf_puts(b, ",\"type\":");
    lt_json_cstr(b, lt_token_type_name(e->type));
    lt_buf_puts(b, ",\"environment\":");
    lt_json_cstr(b, e->env);
    lt_buf_puts(b, ",\"projects\":[");
    if (e->all_projects)
        lt_buf_puts(b, "\"*\"");
    for (size_t i = 0; i < e->n_projects; i++) {
        if (i)
            lt_buf_putc(b, ',');
        lt_json_cstr(b, e->projects[i]);
    }
    lt_buf_puts(b, "]}");
}

static int write_file(const char *dir, const char *data, size_t len)
{
    char tmp[4096], dst[4096];
    snprintf(tmp, sizeof(tmp), "%s/." BACKUP_NAME ".tmp", dir);
    snprintf(dst, sizeof(dst), "%s/" BACKUP_NAME, dir);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return LT_ERR;
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, data + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            unlink(tmp);
            return LT_ERR;
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0) {
        unlink(tmp);
        return LT_ERR;
    }
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return LT_OK;
}

void lt__edge_backup_write(void)
{
    edge_t *E = &lt__edge;
    if (!E->cfg.backup_folder)
        return;
    pthread_mutex_lock(&write_lock);
    lt_buf_t b;
    lt_buf_init(&b, 0);
    pthread_mutex_lock(&E->lock);
    lt_buf_printf(&b, "{\"version\":1,\"savedAt\":%lld,\"scopes\":[", (long long)lt_now_ms());
    bool first = true;
    for (size_t i = 0; i < E->n_scopes; i++) {
        const scope_t *s = E->scopes[i];
        if (!s->doc)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_buf_puts(&b, "{\"key\":");
        lt_json_cstr(&b, s->key);
        lt_buf_puts(&b, ",\"etag\":");
        lt_json_cstr(&b, s->etag);
        lt_buf_puts(&b, ",\"features\":");
        lt_buf_append(&b, s->doc, s->doc_len); /* parsed before it was kept: valid JSON */
        lt_buf_putc(&b, '}');
    }
    lt_buf_puts(&b, "],\"tokens\":[");
    if (E->tokens.slots)
        lt_map_each(&E->tokens, write_token, &b);
    pthread_mutex_unlock(&E->lock);
    lt_buf_puts(&b, "]}\n");
    if (!lt_buf_ok(&b) || write_file(E->cfg.backup_folder, b.ptr, b.len) != LT_OK)
        lt_log_errno(LT_LOG_ERROR, "edge: cannot write the backup in %s", E->cfg.backup_folder);
    lt_buf_dispose(&b);
    pthread_mutex_unlock(&write_lock);
}

static void restore_token(const cJSON *t)
{
    edge_t *E = &lt__edge;
    const cJSON *hex = cJSON_GetObjectItemCaseSensitive(t, "digest");
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(t, "type");
    const cJSON *env = cJSON_GetObjectItemCaseSensitive(t, "environment");
    const cJSON *projects = cJSON_GetObjectItemCaseSensitive(t, "projects");
    lt_token_type_t ty;
    uint8_t d[32];
    if (!cJSON_IsString(hex) || strlen(hex->valuestring) != 64 || !cJSON_IsString(env) ||
        !cJSON_IsString(type) || lt_token_type_parse(type->valuestring, &ty) != LT_OK ||
        !cJSON_IsArray(projects))
        return;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex->valuestring + 2 * i, "%2x", &v) != 1)
            return;
        d[i] = (uint8_t)v;
    }
    if (lt__edge_token_find(d))
        return;
    if (!E->tokens.slots)
        lt_map_init(&E->tokens);
    tk_entry_t *e = lt_xcalloc(1, sizeof(*e));
    memcpy(e->digest, d, 32);
    e->state = TK_VALID;
    e->unverified = true;
    e->type = ty;
    e->env = lt_xstrdup(env->valuestring);
    e->projects = lt_xcalloc((size_t)cJSON_GetArraySize(projects) + 1, sizeof(*e->projects));
    const cJSON *it;
    cJSON_ArrayForEach(it, projects)
    {
        if (!cJSON_IsString(it))
            continue;
        if (strcmp(it->valuestring, "*") == 0)
            e->all_projects = true;
        else
            e->projects[e->n_projects++] = lt_xstrdup(it->valuestring);
    }
    bool created;
    lt_map_upsert(&E->tokens, (const char *)d, 32, &created)->value = e;
}

int lt__edge_backup_read(void)
{
    edge_t *E = &lt__edge;
    if (!E->cfg.backup_folder)
        return LT_OK;
    char path[4096];
    snprintf(path, sizeof(path), "%s/" BACKUP_NAME, E->cfg.backup_folder);
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno != ENOENT)
            lt_log_errno(LT_LOG_WARN, "edge: cannot read the backup %s", path);
        return LT_OK;
    }
    size_t len;
    char *text = lt_read_all(f, (size_t)512 << 20, &len);
    fclose(f);
    cJSON *j = text ? lt_json_parse(text, len) : NULL;
    free(text);
    if (!cJSON_IsObject(j)) {
        lt_log_warn("edge: the backup %s is not a JSON object: ignored", path);
        cJSON_Delete(j);
        return LT_ERR;
    }
    const cJSON *scopes = cJSON_GetObjectItemCaseSensitive(j, "scopes");
    const cJSON *tokens = cJSON_GetObjectItemCaseSensitive(j, "tokens");
    const cJSON *it;
    size_t n = cJSON_IsArray(scopes) ? (size_t)cJSON_GetArraySize(scopes) : 0;
    E->backup_docs = lt_xcalloc(n + 1, sizeof(*E->backup_docs));
    cJSON_ArrayForEach(it, scopes)
    {
        const cJSON *key = cJSON_GetObjectItemCaseSensitive(it, "key");
        const cJSON *etag = cJSON_GetObjectItemCaseSensitive(it, "etag");
        const cJSON *doc = cJSON_GetObjectItemCaseSensitive(it, "features");
        if (!cJSON_IsString(key) || !cJSON_IsObject(doc))
            continue;
        backup_doc_t *bd = &E->backup_docs[E->n_backup_docs++];
        bd->key = lt_xstrdup(key->valuestring);
        bd->etag = lt_xstrdup(cJSON_IsString(etag) ? etag->valuestring : "");
        bd->doc = cJSON_PrintUnformatted(doc);
        bd->doc_len = strlen(bd->doc);
    }
    cJSON_ArrayForEach(it, tokens) restore_token(it);
    lt_log_info("edge: backup %s: %zu documents, %zu tokens", path, E->n_backup_docs,
                E->tokens.count);
    cJSON_Delete(j);
    return LT_OK;
}
