/*
 * version.h: the one definition of latch's version, and the git revision and build date the
 * Makefile compiles into version.c. Read by `latch --version`, /health and Prometheus.
 */
#ifndef LT_VERSION_H
#define LT_VERSION_H

/* The release version, a string literal (usable in string concatenation). */
#define LT_VERSION "0.1.0"

/* The git revision the binary was built from ("unknown" outside a git checkout); static. */
const char *lt_version_revision(void);
/* The build date, YYYY-MM-DD in UTC (SOURCE_DATE_EPOCH when set), or "unknown"; static. */
const char *lt_version_build_date(void);

#endif
