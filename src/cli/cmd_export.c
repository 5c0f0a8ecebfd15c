/*
 * cmd_export.c: `latch export`: everything as a latch export document, or one environment's
 * client-features document.
 */
#include "cli_int.h"

static const char usage_export[] =
    "usage: latch export [--all | --environment ENV] [--db URL] [--output FILE]\n"
    "\n"
    "Without --environment (or with --all): writes a latch export document of everything\n"
    "(projects, environments, flags with every environment's state, segments, dependencies,\n"
    "tags, tag types, context fields, strategy definitions) that `latch import` loads into\n"
    "another instance. Users, tokens, events and usage are not part of it.\n"
    "With --environment: writes the environment's flags as a client-features document (with "
    "strategy ids,\n"
    "titles, sort order and disabled strategies, so `latch import` restores them).\n";

int lt__cli_export(int argc, char **argv)
{
    const char *db = lt__cli_default_db(), *env = NULL, *output = NULL;
    bool all = false;
    opts_t o = {argc, argv, 1, {NULL}, 0};
    for (; o.i < argc; o.i++) {
        if (lt__cli_is_help(argv[o.i])) {
            fputs(usage_export, stdout);
            return 0;
        }
        if (lt__cli_opt(&o, "--db", &db) || lt__cli_opt(&o, "--environment", &env) ||
            lt__cli_opt(&o, "--output", &output))
            continue;
        if (strcmp(argv[o.i], "--all") == 0) {
            all = true;
            continue;
        }
        fprintf(stderr, "latch export: unexpected %s\n%s", argv[o.i], usage_export);
        return 2;
    }
    if (all && env) {
        fputs(usage_export, stderr);
        return 2;
    }
    lt_store_t *store;
    if (lt__cli_store_open(&store, db) != LT_OK)
        return 1;
    lt_arena_t a;
    lt_arena_init(&a, 0);
    lt_dataset_t d;
    int rc = 1;
    if (lt_store_load(store, &a, &d) != LT_OK) {
        fprintf(stderr, "latch export: the store could not be read; nothing was written\n");
        goto done;
    }
    lt_buf_t b;
    lt_buf_init(&b, 0);
    if (!env) {
        lt_export_doc_t doc;
        lt_export_doc_from(&d, &doc);
        lt_export_write(&b, &doc);
        goto write;
    }
    lt_write_opts_t wo = {false, d.segments, d.n_segments, true};
    lt_buf_puts(&b, "{\"version\":2,\"features\":[");
    bool first = true;
    for (size_t i = 0; i < d.n_features; i++) {
        if (d.features[i].archived)
            continue;
        if (!first)
            lt_buf_putc(&b, ',');
        first = false;
        lt_model_write_feature(&b, &d.features[i], lt_feature_env(&d.features[i], env), &wo);
    }
    lt_buf_puts(&b, "],\"segments\":[");
    for (size_t i = 0; i < d.n_segments; i++) {
        if (i)
            lt_buf_putc(&b, ',');
        lt_model_write_segment(&b, &d.segments[i]);
    }
    lt_buf_puts(&b, "]}\n");
write:;
    /* a full disk shows at the flush or the close: both count */
    FILE *f = output ? fopen(output, "wb") : stdout;
    bool ok = f && lt_buf_ok(&b) && fwrite(b.ptr, 1, b.len, f) == b.len && fflush(f) == 0;
    if (f && f != stdout && fclose(f) != 0)
        ok = false;
    if (ok)
        rc = 0;
    else
        fprintf(stderr, "latch export: cannot write %s\n", output ? output : "stdout");
    lt_buf_dispose(&b);
done:
    lt_arena_dispose(&a);
    lt_store_close(store);
    return rc;
}
