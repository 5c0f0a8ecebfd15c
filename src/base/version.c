/*
 * version.c: the revision and build date, passed in by the Makefile as -DLT_GIT_REV and
 * -DLT_BUILD_DATE on this file alone, so a new commit recompiles one file.
 */
#include "version.h"

#ifndef LT_GIT_REV
#define LT_GIT_REV "unknown"
#endif
#ifndef LT_BUILD_DATE
#define LT_BUILD_DATE "unknown"
#endif

const char *lt_version_revision(void)
{
    return LT_GIT_REV;
}

const char *lt_version_build_date(void)
{
    return LT_BUILD_DATE;
}
