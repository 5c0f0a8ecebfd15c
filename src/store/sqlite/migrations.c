/*
 * migrations.c: SQLite schema, migration 1 onwards. Constraints, parameters and variants are
 * JSON text (as Unleash keeps them); everything that is looked up or joined is a column.
 * Times are epoch milliseconds.
 */
#include "migrations.h"

#include "../sql_write.h"

const char *const lt_sqlite_migrations[] = {
    /* 1: projects, environments, flags, strategies */
    "CREATE TABLE projects ("
    "  id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT,"
    "  mode TEXT NOT NULL DEFAULT 'open', created_at INTEGER NOT NULL);"
    "CREATE TABLE project_environments ("
    "  project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    "  environment TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,"
    "  PRIMARY KEY (project, environment));"
    "CREATE TABLE environments ("
    "  name TEXT PRIMARY KEY, type TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,"
    "  sort_order INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);"
    "CREATE TABLE features ("
    "  name TEXT PRIMARY KEY, project TEXT NOT NULL REFERENCES projects(id),"
    "  type TEXT NOT NULL DEFAULT 'release', description TEXT,"
    "  stale INTEGER NOT NULL DEFAULT 0, impression_data INTEGER NOT NULL DEFAULT 0,"
    "  archived INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL);"
    "CREATE INDEX features_project ON features(project);"
    "CREATE TABLE feature_environments ("
    "  feature TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  environment TEXT NOT NULL REFERENCES environments(name) ON DELETE CASCADE,"
    "  enabled INTEGER NOT NULL DEFAULT 0, variants TEXT NOT NULL DEFAULT '[]',"
    "  PRIMARY KEY (feature, environment));"
    "CREATE TABLE strategies ("
    "  id TEXT PRIMARY KEY, feature TEXT NOT NULL, environment TEXT NOT NULL,"
    "  name TEXT NOT NULL, title TEXT, parameters TEXT NOT NULL DEFAULT '{}',"
    "  constraints TEXT NOT NULL DEFAULT '[]', variants TEXT NOT NULL DEFAULT '[]',"
    "  segments TEXT NOT NULL DEFAULT '[]', sort_order INTEGER NOT NULL DEFAULT 0,"
    "  disabled INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
    "  FOREIGN KEY (feature, environment) REFERENCES feature_environments(feature, environment)"
    "    ON DELETE CASCADE);"
    "CREATE INDEX strategies_fe ON strategies(feature, environment, sort_order);",
    /* 2: segments, dependencies, tokens */
    "CREATE TABLE segments ("
    "  id INTEGER PRIMARY KEY, name TEXT NOT NULL, description TEXT, project TEXT,"
    "  constraints TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL);"
    "CREATE TABLE dependencies ("
    "  child TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  parent TEXT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,"
    "  variants TEXT NOT NULL DEFAULT '[]', PRIMARY KEY (child, parent));"
    "CREATE TABLE api_tokens ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, digest BLOB NOT NULL UNIQUE,"
    "  name TEXT NOT NULL, type TEXT NOT NULL, environment TEXT NOT NULL,"
    "  all_projects INTEGER NOT NULL, display TEXT NOT NULL, user_id INTEGER,"
    "  expires_at INTEGER, created_at INTEGER NOT NULL, seen_at INTEGER);"
    "CREATE TABLE api_token_projects ("
    "  digest BLOB NOT NULL REFERENCES api_tokens(digest) ON DELETE CASCADE,"
    "  project TEXT NOT NULL, PRIMARY KEY (digest, project));",
    /* 3: users, roles, sessions */
    "CREATE TABLE users ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, username TEXT UNIQUE, email TEXT UNIQUE,"
    "  name TEXT, password_hash TEXT, root_role INTEGER NOT NULL,"
    "  login_attempts INTEGER NOT NULL DEFAULT 0, created_at INTEGER NOT NULL,"
    "  seen_at INTEGER);"
    "CREATE TABLE roles ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL UNIQUE, description TEXT,"
    "  type TEXT NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE role_permissions ("
    "  role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,"
    "  permission TEXT NOT NULL, project TEXT, environment TEXT);"
    "CREATE INDEX role_permissions_role ON role_permissions(role_id);"
    "CREATE TABLE role_bindings ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    "  role_id INTEGER NOT NULL REFERENCES roles(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (user_id, project, role_id));"
    "CREATE TABLE sessions ("
    "  digest BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id)"
    "  ON DELETE CASCADE, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL);",
    /* 4: tags, context fields, strategy definitions */
    "CREATE TABLE feature_tags ("
    "  feature TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  type TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (feature, type, value));"
    "CREATE TABLE tag_types ("
    "  name TEXT PRIMARY KEY, description TEXT, icon TEXT);"
    "CREATE TABLE context_fields ("
    "  name TEXT PRIMARY KEY, description TEXT, stickiness INTEGER NOT NULL DEFAULT 0,"
    "  legal_values TEXT NOT NULL DEFAULT '[]', sort_order INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE strategy_definitions ("
    "  name TEXT PRIMARY KEY, title TEXT, description TEXT,"
    "  parameters TEXT NOT NULL DEFAULT '[]', deprecated INTEGER NOT NULL DEFAULT 0,"
    "  created_at INTEGER NOT NULL);",
    /* 5: events and usage */
    "CREATE TABLE events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  created_by TEXT NOT NULL, created_by_user_id INTEGER, project TEXT, environment TEXT,"
    "  feature_name TEXT, data TEXT, pre_data TEXT);"
    "CREATE INDEX events_feature ON events(feature_name);"
    "CREATE TABLE client_applications ("
    "  app_name TEXT NOT NULL, instance_id TEXT NOT NULL, environment TEXT NOT NULL,"
    "  sdk_version TEXT, sdk_type TEXT, strategies TEXT, platform_name TEXT,"
    "  started_at INTEGER, interval_ms INTEGER, first_seen INTEGER NOT NULL,"
    "  last_seen INTEGER NOT NULL, PRIMARY KEY (app_name, instance_id, environment));"
    "CREATE TABLE client_metrics ("
    "  app_name TEXT NOT NULL, instance_id TEXT NOT NULL, environment TEXT NOT NULL,"
    "  feature TEXT NOT NULL, hour INTEGER NOT NULL, yes INTEGER NOT NULL DEFAULT 0,"
    "  no INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (feature, environment, hour, app_name, instance_id));"
    "CREATE TABLE client_metrics_variants ("
    "  app_name TEXT NOT NULL, instance_id TEXT NOT NULL, environment TEXT NOT NULL,"
    "  feature TEXT NOT NULL, hour INTEGER NOT NULL, variant TEXT NOT NULL,"
    "  count INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (feature, environment, hour, app_name, instance_id, variant));",
    /* 6: v2 token selectors, rotation grace, read-only PATs, expiry events, service accounts, quotas */
    "ALTER TABLE api_tokens ADD COLUMN selector TEXT;"
    "CREATE UNIQUE INDEX api_tokens_selector ON api_tokens(selector);"
    "ALTER TABLE api_tokens ADD COLUMN grace_until INTEGER;"
    "ALTER TABLE api_tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE api_tokens ADD COLUMN expiry_noted INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN service INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE api_tokens ADD COLUMN quota_rps BIGINT NOT NULL DEFAULT 0;",
    /* 7: per-token allowed origins (a JSON list of strings; NULL = none) */
    "ALTER TABLE api_tokens ADD COLUMN allowed_origins TEXT;",
    /* 8: usage per token, written in batches from memory (src/api/token_usage.c) */
    "CREATE TABLE token_usage (digest BLOB PRIMARY KEY, data TEXT NOT NULL,"
    "  updated_at INTEGER NOT NULL);",
    /* 9: addons (integrations) and the record of their deliveries */
    "CREATE TABLE addons ("
    "  id INTEGER PRIMARY KEY, provider TEXT NOT NULL, description TEXT,"
    "  enabled INTEGER NOT NULL DEFAULT 1, parameters TEXT NOT NULL DEFAULT '{}',"
    "  events TEXT NOT NULL DEFAULT '[]', projects TEXT NOT NULL DEFAULT '[]',"
    "  environments TEXT NOT NULL DEFAULT '[]', created_at INTEGER NOT NULL);"
    "CREATE TABLE integration_events ("
    "  id INTEGER PRIMARY KEY AUTOINCREMENT, addon_id INTEGER NOT NULL,"
    "  created_at INTEGER NOT NULL, state TEXT NOT NULL, state_details TEXT NOT NULL,"
    "  event TEXT NOT NULL, details TEXT NOT NULL);"
    "CREATE INDEX integration_events_addon ON integration_events(addon_id, id);"
    "CREATE TABLE addon_claims ("
    "  addon_id INTEGER NOT NULL, event_id INTEGER NOT NULL, PRIMARY KEY (addon_id, event_id));",
    /* 10: a tag type's colour */
    "ALTER TABLE tag_types ADD COLUMN color TEXT;",
    /* 11: what each write touched, for the incremental reload (rev: the id of its last event;
     * kind 'f' a flag by name, '*' anything else, 'n' the count of its events in n) */
    "CREATE TABLE changes ("
    "  rev INTEGER NOT NULL, kind TEXT NOT NULL, key TEXT NOT NULL DEFAULT '',"
    "  n INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX changes_rev ON changes(rev);",
    /* 12: instance settings (maintenance mode), default strategies per project and
     * environment, flag links, favourite projects and flags of each user, flag lifecycle
     * stages (the flags there are start in "initial", archived ones in "archived" too),
     * project-scoped context fields, applications' metadata, password-reset tokens (digests),
     * the splash screens and feedback prompts each user has seen */
    "CREATE TABLE settings (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "CREATE TABLE project_env_defaults ("
    "  project TEXT NOT NULL, environment TEXT NOT NULL, strategy TEXT NOT NULL,"
    "  PRIMARY KEY (project, environment), FOREIGN KEY (project, environment)"
    "  REFERENCES project_environments(project, environment) ON DELETE CASCADE);"
    "CREATE TABLE feature_links ("
    "  id TEXT PRIMARY KEY, feature TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  url TEXT NOT NULL, title TEXT, created_at INTEGER NOT NULL);"
    "CREATE INDEX feature_links_feature ON feature_links(feature);"
    "CREATE TABLE favorite_projects ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  project TEXT NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (user_id, project));"
    "CREATE TABLE favorite_features ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  feature TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  PRIMARY KEY (user_id, feature));"
    "CREATE TABLE feature_lifecycles ("
    "  feature TEXT NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  stage TEXT NOT NULL, status TEXT, status_value TEXT, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (feature, stage));"
    LT_LIFECYCLE_BACKFILL ";"
    "ALTER TABLE context_fields ADD COLUMN project TEXT REFERENCES projects(id) ON DELETE CASCADE;"
    "CREATE TABLE application_meta ("
    "  app_name TEXT PRIMARY KEY, description TEXT, url TEXT, color TEXT, icon TEXT,"
    "  created_at INTEGER NOT NULL);"
    "CREATE TABLE reset_tokens ("
    "  digest BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  created_by TEXT, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, used_at INTEGER);"
    "CREATE TABLE user_marks ("
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE, kind TEXT NOT NULL,"
    "  name TEXT NOT NULL, given INTEGER, never_show INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (user_id, kind, name));",
    /* 13: the event chain (chain.c): each new row's hash and its predecessor's; the anchor the
     * chain starts from (the rows there are at migration time stay before it) */
    "ALTER TABLE events ADD COLUMN prev_hash TEXT;"
    "ALTER TABLE events ADD COLUMN hash TEXT;"
    "CREATE TABLE event_chain ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), anchor_id INTEGER NOT NULL,"
    "  anchor_hash TEXT NOT NULL);"
    "INSERT INTO event_chain (id, anchor_id, anchor_hash)"
    "  SELECT 1, coalesce(max(id), 0),"
    "  '0000000000000000000000000000000000000000000000000000000000000000'"
    "  FROM events;",
    /* 14: the login limits shared by the instances on one database (api/admin/login.c): one
     * counter per keyed digest and minute, and the key's secret, drawn here once (randomblob(),
     * from the OS's generator) */
    "CREATE TABLE login_limits (k BLOB NOT NULL, win INTEGER NOT NULL, n INTEGER NOT NULL,"
    "  PRIMARY KEY (k, win));"
    "CREATE INDEX login_limits_win ON login_limits(win);"
    "CREATE TABLE secrets (name TEXT PRIMARY KEY, value TEXT NOT NULL);"
    "INSERT INTO secrets (name, value) VALUES ('login_limit', lower(hex(randomblob(32))));",
    /* 15: usage per token and instance: every instance on one database writes its own rows, so
     * counts add up (the rows stored before are the instance "") */
    "CREATE TABLE token_usage_rows (digest BLOB NOT NULL, instance TEXT NOT NULL,"
    "  data TEXT NOT NULL, updated_at INTEGER NOT NULL, PRIMARY KEY (digest, instance));"
    "INSERT INTO token_usage_rows (digest, instance, data, updated_at)"
    "  SELECT digest, '', data, updated_at FROM token_usage;"
    "DROP TABLE token_usage;"
    "ALTER TABLE token_usage_rows RENAME TO token_usage;",
    /* 16: public signup tokens (invite links) and the users who signed up through them */
    "CREATE TABLE signup_tokens ("
    "  secret TEXT PRIMARY KEY, name TEXT NOT NULL, created_by TEXT,"
    "  role_id INTEGER NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,"
    "  expires_at INTEGER NOT NULL, created_at INTEGER NOT NULL);"
    "CREATE TABLE signup_token_users ("
    "  secret TEXT NOT NULL REFERENCES signup_tokens(secret) ON DELETE CASCADE,"
    "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (secret, user_id));",
    /* 17: tags on no flag (POST /api/admin/tags; a flag's tags stay in feature_tags) */
    "CREATE TABLE tags (type TEXT NOT NULL, value TEXT NOT NULL, created_at INTEGER NOT NULL,"
    "  PRIMARY KEY (type, value));",
};

const size_t lt_sqlite_n_migrations = sizeof(lt_sqlite_migrations) / sizeof(*lt_sqlite_migrations);
