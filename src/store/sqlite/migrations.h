/*
 * migrations.h: the schema as numbered migrations, applied in order by the SQLite backend
 * (PRAGMA user_version holds the number applied). Never edit a shipped migration: add one.
 */
#ifndef LT_MIGRATIONS_H
#define LT_MIGRATIONS_H

#include <stddef.h>

extern const char *const lt_sqlite_migrations[];
extern const size_t lt_sqlite_n_migrations;

#endif
