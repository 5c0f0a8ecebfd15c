/*
 * cmd_import.c: `latch import`: a latch export document (everything) or one environment's
 * client-features document, in one transaction with its event.
 */
#include "cli_int.h"

static const char usage_import[] =
    "usage: latch import FILE [--environment ENV] [--db URL]\n"
    "\n"
    "Loads a latch export document (from `latch export`; no --environment): every project,\n"
    "environment, flag, segment, tag type, context field and strategy definition in it is\n"
    "created or replaced, in one transaction; nothing else is removed.\n"
    "Or loads a client-features document (the body of GET /api/client/features, or Unleash\n"
    "Edge's bootstrap map {\"flag\":{\"enabled\":true}}) into environment ENV, creating\n"
    "missing projects and the environment. Flags in the file replace their state in ENV.\n";

/* `latch import` of a latch export document: one transaction, one event. */
static int import_full(const char *db, const char *json, size_t len)
{
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_export_doc_t doc;
    lt_parse_err_t err;
    lt_store_t *store = NULL;
    int rc = 1;
    if (lt_export_parse(&a, json, len, &doc, &err) != LT_OK) {
        fprintf(stderr, "latch import: %s%s%s\n", err.msg, err.where[0] ? " in flag " : "",
                err.where);
        goto done;
    }
    if (lt__cli_store_open(&store, db) != LT_OK)
        goto done;
    if (lt_store_import_all(store, &doc, "import") != LT_OK) {
        fprintf(stderr, "latch import: the store refused the import; nothing was changed\n");
        goto done;
    }
    printf("imported %zu projects, %zu flags and %zu segments\n", doc.n_projects, doc.n_features,
           doc.n_segments);
    rc = 0;
done:
    lt_store_close(store);
    lt_arena_dispose(&a);
    return rc;
}

int lt__cli_import(int argc, char **argv)
{
    const char *db = lt__cli_default_db(), *env = NULL;
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_is_help(argv[o.i])) {
            fputs(usage_import, stdout);
            return 0;
        }
        if (lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--environment", &env))
            continue;
        if ((argv[o.i][0] == '-' && argv[o.i][1]) || o.n_positional == 1) {
            fprintf(stderr, "latch import: unexpected %s\n%s", argv[o.i], usage_import);
            return 2;
        }
        o.positional[o.n_positional++] = argv[o.i];
    }
    if (o.n_positional != 1 || (env && (!*env || strcmp(env, "*") == 0))) {
        fputs(usage_import, stderr);
        return 2;
    }
    size_t len;
    char *json = lt__cli_read_file(o.positional[0], &len);
    if (!json) {
        fprintf(stderr, "latch import: cannot read %s\n", o.positional[0]);
        return 1;
    }
    if (lt_export_detect(json, len)) {
        int frc = import_full(db, json, len);
        free(json);
        return frc;
    }
    if (!env) {
        free(json);
        fputs(usage_import, stderr);
        return 2;
    }
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_client_doc_t doc;
    lt_parse_err_t err;
    int rc = 1;
    lt_store_t *store = NULL;
    if (lt_model_parse_client_doc(&a, json, len, env, &doc, &err) != LT_OK) {
        fprintf(stderr, "latch import: %s%s%s\n", err.msg, err.where[0] ? " in flag " : "",
                err.where);
        goto done;
    }
    if (lt__cli_store_open(&store, db) != LT_OK)
        goto done;
    if (lt_store_import_doc(store, &doc, env, "import") != LT_OK) {
        fprintf(stderr, "latch import: the store refused the import; nothing was changed\n");
        goto done;
    }
    printf("imported %zu flags and %zu segments into %s\n", doc.n_features, doc.n_segments, env);
    rc = 0;
done:
    lt_store_close(store);
    lt_arena_dispose(&a);
    free(json);
    return rc;
}
