/*
 * cli.c: the command line of latch: `latch <command> [options]`, one file per command
 * (cmd_*.c) on the same code paths as the admin API.
 */
#include "cli.h"
#include "cli_int.h"

static const char usage_main[] =
    "latch " LT_VERSION " - a feature-flag server that speaks Unleash's protocol\n"
    "\n"
    "usage: latch <command> [options]\n"
    "\n"
    "commands:\n"
    "  serve     run the server (admin, client and front-end APIs) on the embedded store\n"
    "  import    load a latch export or a client-features JSON document into the store\n"
    "  export    write everything (or one environment's client-features document) as JSON\n"
    "  events    verify the event log's hash chain, or export the log as JSON lines\n"
    "  token     create, list and revoke API tokens in the store\n"
    "  user      add users, set their passwords and list them in the store\n"
    "  offline   serve a features file with no upstream (like Unleash Edge offline)\n"
    "  edge      serve an upstream's flags from memory near the SDKs (like Unleash Edge)\n"
    "\n"
    "Run `latch <command> --help` for the options of a command.\n";

int lt_cli_main(int argc, char **argv)
{
    lt_log_init_from_env();
    if (sodium_init() < 0) {
        fprintf(stderr, "latch: libsodium failed to initialise\n");
        return 1;
    }
    if (argc < 2) {
        fputs(usage_main, stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (lt__cli_is_help(cmd) || strcmp(cmd, "--help") == 0) {
        fputs(usage_main, stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        return lt__cli_version(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "serve") == 0)
        return lt__cli_serve(argc - 1, argv + 1);
    if (strcmp(cmd, "import") == 0)
        return lt__cli_import(argc - 1, argv + 1);
    if (strcmp(cmd, "export") == 0)
        return lt__cli_export(argc - 1, argv + 1);
    if (strcmp(cmd, "events") == 0)
        return lt__cli_events(argc - 1, argv + 1);
    if (strcmp(cmd, "token") == 0)
        return lt__cli_token(argc - 1, argv + 1);
    if (strcmp(cmd, "user") == 0)
        return lt__cli_user(argc - 1, argv + 1);
    if (strcmp(cmd, "offline") == 0)
        return lt__cli_offline(argc - 1, argv + 1);
    if (strcmp(cmd, "edge") == 0)
        return lt__cli_edge(argc - 1, argv + 1);
    fprintf(stderr, "latch: unknown command %s\n\n%s", cmd, usage_main);
    return 2;
}
