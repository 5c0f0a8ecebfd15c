/*
 * pg_migrations.c: the PostgreSQL schema, migration 1 onwards (recorded in latch_migrations).
 * The same tables and columns as the SQLite schema, so the shared load (load_rows.c) reads both:
 * constraints, parameters and variants are JSON text, flags are integers 0/1, times epoch
 * milliseconds (BIGINT), digests bytea. role_permissions keeps its insertion order in a column
 * named rowid, as SQLite's implicit one. Every text column sorts bytewise (COLLATE "C"), as
 * SQLite's do: the load finds a row's parent by binary search in strcmp order, so a database
 * created with another collation (en_US.UTF-8) must not change the order rows come in.
 */
#include "pg_int.h"

#define T "TEXT COLLATE \"C\"" /* text, sorted bytewise */

const char *const lt_pg_migrations[] = {
    /* 1: projects, environments, flags, strategies */
    "CREATE TABLE projects ("
    "  id " T " PRIMARY KEY, name " T " NOT NULL, description " T ","
    "  mode " T " NOT NULL DEFAULT 'open', created_at BIGINT NOT NULL);"
    "CREATE TABLE environments ("
    "  name " T " PRIMARY KEY, type " T " NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,"
    "  sort_order INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL);"
    "CREATE TABLE project_environments ("
    "  project " T " NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    "  environment " T " NOT NULL REFERENCES environments(name) ON DELETE CASCADE,"
    "  PRIMARY KEY (project, environment));"
    "CREATE TABLE features ("
    "  name " T " PRIMARY KEY, project " T " NOT NULL REFERENCES projects(id),"
    "  type " T " NOT NULL DEFAULT 'release', description " T ","
    "  stale INTEGER NOT NULL DEFAULT 0, impression_data INTEGER NOT NULL DEFAULT 0,"
    "  archived INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL);"
    "CREATE INDEX features_project ON features(project);"
    "CREATE TABLE feature_environments ("
    "  feature " T " NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  environment " T " NOT NULL REFERENCES environments(name) ON DELETE CASCADE,"
    "  enabled INTEGER NOT NULL DEFAULT 0, variants " T " NOT NULL DEFAULT '[]',"
    "  PRIMARY KEY (feature, environment));"
    "CREATE TABLE strategies ("
    "  id " T " PRIMARY KEY, feature " T " NOT NULL, environment " T " NOT NULL,"
    "  name " T " NOT NULL, title " T ", parameters " T " NOT NULL DEFAULT '{}',"
    "  constraints " T " NOT NULL DEFAULT '[]', variants " T " NOT NULL DEFAULT '[]',"
    "  segments " T " NOT NULL DEFAULT '[]', sort_order INTEGER NOT NULL DEFAULT 0,"
    "  disabled INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,"
    "  FOREIGN KEY (feature, environment) REFERENCES feature_environments(feature, environment)"
    "    ON DELETE CASCADE);"
    "CREATE INDEX strategies_fe ON strategies(feature, environment, sort_order);",
    /* 2: segments, dependencies, tokens */
    "CREATE TABLE segments ("
    "  id BIGINT PRIMARY KEY, name " T " NOT NULL, description " T ", project " T ","
    "  constraints " T " NOT NULL DEFAULT '[]', created_at BIGINT NOT NULL);"
    "CREATE TABLE dependencies ("
    "  child " T " NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  parent " T " NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,"
    "  variants " T " NOT NULL DEFAULT '[]', PRIMARY KEY (child, parent));"
    "CREATE TABLE api_tokens ("
    "  id BIGSERIAL PRIMARY KEY, digest BYTEA NOT NULL UNIQUE,"
    "  name " T " NOT NULL, type " T " NOT NULL, environment " T " NOT NULL,"
    "  all_projects INTEGER NOT NULL, display " T " NOT NULL, user_id BIGINT,"
    "  expires_at BIGINT, created_at BIGINT NOT NULL, seen_at BIGINT);"
    "CREATE TABLE api_token_projects ("
    "  digest BYTEA NOT NULL REFERENCES api_tokens(digest) ON DELETE CASCADE,"
    "  project " T " NOT NULL, PRIMARY KEY (digest, project));",
    /* 3: users, roles, sessions */
    "CREATE TABLE users ("
    "  id BIGSERIAL PRIMARY KEY, username " T " UNIQUE, email " T " UNIQUE,"
    "  name " T ", password_hash " T ", root_role BIGINT NOT NULL,"
    "  login_attempts INTEGER NOT NULL DEFAULT 0, created_at BIGINT NOT NULL,"
    "  seen_at BIGINT);"
    "CREATE INDEX users_username_ci ON users(lower(username));"
    "CREATE INDEX users_email_ci ON users(lower(email));"
    "CREATE TABLE roles ("
    "  id BIGSERIAL PRIMARY KEY, name " T " NOT NULL UNIQUE, description " T ","
    "  type " T " NOT NULL, created_at BIGINT NOT NULL);"
    "CREATE TABLE role_permissions ("
    "  rowid BIGSERIAL PRIMARY KEY,"
    "  role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,"
    "  permission " T " NOT NULL, project " T ", environment " T ");"
    "CREATE INDEX role_permissions_role ON role_permissions(role_id);"
    "CREATE TABLE role_bindings ("
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  project " T " NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    "  role_id BIGINT NOT NULL REFERENCES roles(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (user_id, project, role_id));"
    "CREATE TABLE sessions ("
    "  digest BYTEA PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id)"
    "  ON DELETE CASCADE, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL);",
    /* 4: tags, context fields, strategy definitions */
    "CREATE TABLE feature_tags ("
    "  feature " T " NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  type " T " NOT NULL, value " T " NOT NULL, PRIMARY KEY (feature, type, value));"
    "CREATE TABLE tag_types ("
    "  name " T " PRIMARY KEY, description " T ", icon " T ");"
    "CREATE TABLE context_fields ("
    "  name " T " PRIMARY KEY, description " T ", stickiness INTEGER NOT NULL DEFAULT 0,"
    "  legal_values " T " NOT NULL DEFAULT '[]', sort_order INTEGER NOT NULL DEFAULT 0,"
    "  created_at BIGINT NOT NULL);"
    "CREATE TABLE strategy_definitions ("
    "  name " T " PRIMARY KEY, title " T ", description " T ","
    "  parameters " T " NOT NULL DEFAULT '[]', deprecated INTEGER NOT NULL DEFAULT 0,"
    "  created_at BIGINT NOT NULL);",
    /* 5: events and usage */
    "CREATE TABLE events ("
    "  id BIGSERIAL PRIMARY KEY, type " T " NOT NULL, created_at BIGINT NOT NULL,"
    "  created_by " T " NOT NULL, created_by_user_id BIGINT, project " T ", environment " T ","
    "  feature_name " T ", data " T ", pre_data " T ");"
    "CREATE INDEX events_feature ON events(feature_name);"
    "CREATE TABLE client_applications ("
    "  app_name " T " NOT NULL, instance_id " T " NOT NULL, environment " T " NOT NULL,"
    "  sdk_version " T ", sdk_type " T ", strategies " T ", platform_name " T ","
    "  started_at BIGINT, interval_ms BIGINT, first_seen BIGINT NOT NULL,"
    "  last_seen BIGINT NOT NULL, PRIMARY KEY (app_name, instance_id, environment));"
    "CREATE TABLE client_metrics ("
    "  app_name " T " NOT NULL, instance_id " T " NOT NULL, environment " T " NOT NULL,"
    "  feature " T " NOT NULL, hour BIGINT NOT NULL, yes BIGINT NOT NULL DEFAULT 0,"
    "  no BIGINT NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (feature, environment, hour, app_name, instance_id));"
    "CREATE TABLE client_metrics_variants ("
    "  app_name " T " NOT NULL, instance_id " T " NOT NULL, environment " T " NOT NULL,"
    "  feature " T " NOT NULL, hour BIGINT NOT NULL, variant " T " NOT NULL,"
    "  count BIGINT NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (feature, environment, hour, app_name, instance_id, variant));",
    /* 6: v2 token selectors, rotation grace, read-only PATs, expiry events, service accounts, quotas */
    "ALTER TABLE api_tokens ADD COLUMN selector " T ";"
    "CREATE UNIQUE INDEX api_tokens_selector ON api_tokens(selector);"
    "ALTER TABLE api_tokens ADD COLUMN grace_until BIGINT;"
    "ALTER TABLE api_tokens ADD COLUMN read_only INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE api_tokens ADD COLUMN expiry_noted INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE users ADD COLUMN service INTEGER NOT NULL DEFAULT 0;"
    "ALTER TABLE api_tokens ADD COLUMN quota_rps BIGINT NOT NULL DEFAULT 0;",
    /* 7: per-token allowed origins (a JSON list of strings; NULL = none) */
    "ALTER TABLE api_tokens ADD COLUMN allowed_origins " T ";",
    /* 8: usage per token, written in batches from memory (src/api/token_usage.c) */
    "CREATE TABLE token_usage (digest BYTEA PRIMARY KEY, data " T " NOT NULL,"
    "  updated_at BIGINT NOT NULL);",
    /* 9: addons (integrations) and the record of their deliveries */
    "CREATE TABLE addons ("
    "  id BIGINT PRIMARY KEY, provider " T " NOT NULL, description " T ","
    "  enabled INTEGER NOT NULL DEFAULT 1, parameters " T " NOT NULL DEFAULT '{}',"
    "  events " T " NOT NULL DEFAULT '[]', projects " T " NOT NULL DEFAULT '[]',"
    "  environments " T " NOT NULL DEFAULT '[]', created_at BIGINT NOT NULL);"
    "CREATE TABLE integration_events ("
    "  id BIGSERIAL PRIMARY KEY, addon_id BIGINT NOT NULL,"
    "  created_at BIGINT NOT NULL, state " T " NOT NULL, state_details " T " NOT NULL,"
    "  event " T " NOT NULL, details " T " NOT NULL);"
    "CREATE INDEX integration_events_addon ON integration_events(addon_id, id);"
    "CREATE TABLE addon_claims ("
    "  addon_id BIGINT NOT NULL, event_id BIGINT NOT NULL, PRIMARY KEY (addon_id, event_id));",
    /* 10: a tag type's colour */
    "ALTER TABLE tag_types ADD COLUMN color " T ";",
    /* 11: what each write touched, for the incremental reload (rev: the id of its last event;
     * kind 'f' a flag by name, '*' anything else, 'n' the count of its events in n) */
    "CREATE TABLE changes ("
    "  rev BIGINT NOT NULL, kind " T " NOT NULL, key " T " NOT NULL DEFAULT '',"
    "  n BIGINT NOT NULL DEFAULT 0);"
    "CREATE INDEX changes_rev ON changes(rev);",
    /* 12: instance settings (maintenance mode), default strategies per project and
     * environment, flag links, favourite projects and flags of each user, flag lifecycle
     * stages (the flags there are start in "initial", archived ones in "archived" too),
     * project-scoped context fields, applications' metadata, password-reset tokens (digests),
     * the splash screens and feedback prompts each user has seen */
    "CREATE TABLE settings (name " T " PRIMARY KEY, value " T " NOT NULL);"
    "CREATE TABLE project_env_defaults ("
    "  project " T " NOT NULL, environment " T " NOT NULL, strategy " T " NOT NULL,"
    "  PRIMARY KEY (project, environment), FOREIGN KEY (project, environment)"
    "  REFERENCES project_environments(project, environment) ON DELETE CASCADE);"
    "CREATE TABLE feature_links ("
    "  id " T " PRIMARY KEY, feature " T " NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  url " T " NOT NULL, title " T ", created_at BIGINT NOT NULL);"
    "CREATE INDEX feature_links_feature ON feature_links(feature);"
    "CREATE TABLE favorite_projects ("
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  project " T " NOT NULL REFERENCES projects(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (user_id, project));"
    "CREATE TABLE favorite_features ("
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  feature " T " NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  PRIMARY KEY (user_id, feature));"
    "CREATE TABLE feature_lifecycles ("
    "  feature " T " NOT NULL REFERENCES features(name) ON DELETE CASCADE,"
    "  stage " T " NOT NULL, status " T ", status_value " T ", created_at BIGINT NOT NULL,"
    "  PRIMARY KEY (feature, stage));"
    LT_LIFECYCLE_BACKFILL ";"
    "ALTER TABLE context_fields ADD COLUMN project " T " REFERENCES projects(id) ON DELETE CASCADE;"
    "CREATE TABLE application_meta ("
    "  app_name " T " PRIMARY KEY, description " T ", url " T ", color " T ", icon " T ","
    "  created_at BIGINT NOT NULL);"
    "CREATE TABLE reset_tokens ("
    "  digest BYTEA PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  created_by " T ", created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL, used_at BIGINT);"
    "CREATE TABLE user_marks ("
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE, kind " T " NOT NULL,"
    "  name " T " NOT NULL, given BIGINT, never_show INTEGER NOT NULL DEFAULT 0,"
    "  PRIMARY KEY (user_id, kind, name));",
    /* 13: the event chain (chain.c): each new row's hash and its predecessor's; the anchor the
     * chain starts from (the rows there are at migration time stay before it) */
    "ALTER TABLE events ADD COLUMN prev_hash " T ";"
    "ALTER TABLE events ADD COLUMN hash " T ";"
    "CREATE TABLE event_chain ("
    "  id INTEGER PRIMARY KEY CHECK (id = 1), anchor_id BIGINT NOT NULL,"
    "  anchor_hash " T " NOT NULL);"
    "INSERT INTO event_chain (id, anchor_id, anchor_hash)"
    "  SELECT 1, coalesce(max(id), 0),"
    "  '0000000000000000000000000000000000000000000000000000000000000000'"
    "  FROM events;",
    /* 14: the login limits shared by the instances on one database (api/admin/login.c): one
     * counter per keyed digest and minute, and the key's secret, drawn here once (two gen_random_uuid(): 244 bits of
     * pg_strong_random()) */
    "CREATE TABLE login_limits (k BYTEA NOT NULL, win BIGINT NOT NULL, n BIGINT NOT NULL,"
    "  PRIMARY KEY (k, win));"
    "CREATE INDEX login_limits_win ON login_limits(win);"
    "CREATE TABLE secrets (name " T " PRIMARY KEY, value " T " NOT NULL);"
    "INSERT INTO secrets (name, value) VALUES ('login_limit',"
    "  replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', ''));",
    /* 15: usage per token and instance: every instance on one database writes its own rows, so
     * counts add up (the rows stored before are the instance "") */
    "CREATE TABLE token_usage_rows (digest BYTEA NOT NULL, instance " T " NOT NULL,"
    "  data " T " NOT NULL, updated_at BIGINT NOT NULL, PRIMARY KEY (digest, instance));"
    "INSERT INTO token_usage_rows (digest, instance, data, updated_at)"
    "  SELECT digest, '', data, updated_at FROM token_usage;"
    "DROP TABLE token_usage;"
    "ALTER TABLE token_usage_rows RENAME TO token_usage;",
    /* 16: public signup tokens (invite links) and the users who signed up through them */
    "CREATE TABLE signup_tokens ("
    "  secret " T " PRIMARY KEY, name " T " NOT NULL, created_by " T ","
    "  role_id BIGINT NOT NULL, enabled INTEGER NOT NULL DEFAULT 1,"
    "  expires_at BIGINT NOT NULL, created_at BIGINT NOT NULL);"
    "CREATE TABLE signup_token_users ("
    "  secret " T " NOT NULL REFERENCES signup_tokens(secret) ON DELETE CASCADE,"
    "  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    "  PRIMARY KEY (secret, user_id));",
    /* 17: tags on no flag (POST /api/admin/tags; a flag's tags stay in feature_tags) */
    "CREATE TABLE tags (type " T " NOT NULL, value " T " NOT NULL, created_at BIGINT NOT NULL,"
    "  PRIMARY KEY (type, value));",
};

const size_t lt_pg_n_migrations = sizeof(lt_pg_migrations) / sizeof(*lt_pg_migrations);
