/*
 * cli.h: the command line of latch, what main() hands over to.
 */
#ifndef LT_CLI_H
#define LT_CLI_H

/* Run `latch <command> [options]`; returns the process's exit status. */
int lt_cli_main(int argc, char **argv);

#endif
