/*
 * main.c: the latch binary; everything happens in src/cli/.
 */
#include "cli/cli.h"

int main(int argc, char **argv)
{
    return lt_cli_main(argc, argv);
}
