/**
 * Numbered schema migrations. Each runs once, in order, inside the same transaction
 * as the schema version bump, so a crash leaves the database at the old or the new
 * version, never in between. Never edit a migration that has shipped; add one.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const migrations: readonly Migration[] = [
  {
    version: 1,
    description: 'settings, the owner account, sessions, login throttling, audit log',
    sql: `
      CREATE TABLE settings (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        username TEXT NOT NULL UNIQUE,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL,
        password_changed_at TEXT NOT NULL
      );
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        absolute_expires_at INTEGER NOT NULL,
        ip TEXT NOT NULL,
        user_agent TEXT NOT NULL
      );
      CREATE INDEX sessions_by_user ON sessions(user_id);
      CREATE TABLE auth_failures (
        scope TEXT NOT NULL,
        subject TEXT NOT NULL,
        failures INTEGER NOT NULL,
        last_failure_at INTEGER NOT NULL,
        blocked_until INTEGER NOT NULL,
        PRIMARY KEY (scope, subject)
      );
      -- Addresses the owner logged in from recently: they skip the per-account
      -- throttle, so an attacker elsewhere cannot lock the owner out.
      CREATE TABLE known_login_sources (
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        ip TEXT NOT NULL,
        last_success_at INTEGER NOT NULL,
        PRIMARY KEY (user_id, ip)
      );
      CREATE TABLE audit_log (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        event TEXT NOT NULL,
        actor TEXT NOT NULL,
        ip TEXT NOT NULL,
        line TEXT NOT NULL
      );
      CREATE INDEX audit_log_by_time ON audit_log(at);
    `,
  },
];

export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);
