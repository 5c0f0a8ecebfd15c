/*
 * cmd_version.c: `latch --version`: latch's version, the git revision and build date compiled
 * in, and the version of every library linked, each read at run time from the library itself
 * (what the dynamic loader found, which may be newer than the headers built against).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <cjson/cJSON.h>
#include <microhttpd.h>
#include <pcre2.h>
#include <sqlite3.h>
#include <zlib.h>

#include "cli_int.h"

int lt__cli_version(int argc, char **argv)
{
    char pcre2[48] = "unknown";
    if (pcre2_config(PCRE2_CONFIG_VERSION, NULL) <= (int)sizeof(pcre2))
        pcre2_config(PCRE2_CONFIG_VERSION, pcre2);
    printf("latch %s\n"
           "revision %s\n"
           "built %s\n"
           "libmicrohttpd %s\n"
           "sqlite %s\n"
           "libsodium %s\n"
           "cjson %s\n"
           "pcre2 %s\n"
           "zlib %s\n",
           LT_VERSION, lt_version_revision(), lt_version_build_date(), MHD_get_version(),
           sqlite3_libversion(), sodium_version_string(), cJSON_Version(), pcre2, zlibVersion());
    return 0;
}
