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
  {
    version: 2,
    description: 'config apps: saved parameters and sealed secrets; jobs, their logs, and locks',
    sql: `
      CREATE TABLE app_params (
        app_id TEXT PRIMARY KEY,
        params TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE TABLE app_secrets (
        app_id TEXT NOT NULL,
        param TEXT NOT NULL,
        sealed TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (app_id, param)
      );
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY,
        app_id TEXT NOT NULL,
        action TEXT NOT NULL,
        started_by TEXT NOT NULL,
        params TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
        error_code TEXT,
        error_params TEXT,
        language TEXT NOT NULL,
        pid INTEGER NOT NULL,
        pid_start TEXT,
        started_at TEXT NOT NULL,
        ended_at TEXT
      );
      CREATE INDEX jobs_by_app ON jobs(app_id, id);
      CREATE TABLE job_log (
        job_id INTEGER NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL,
        at TEXT NOT NULL,
        stream TEXT NOT NULL CHECK (stream IN ('out', 'err', 'info')),
        text TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)
      );
      -- Leases: one row per held lock. A holder that died is recognised by its pid
      -- and the start time of that pid, so a recycled pid does not keep a lock.
      CREATE TABLE locks (
        name TEXT PRIMARY KEY,
        job_id INTEGER NOT NULL,
        pid INTEGER NOT NULL,
        pid_start TEXT,
        acquired_at TEXT NOT NULL
      );
    `,
  },
  {
    version: 3,
    description: 'notifications: the panel feed and what each channel made of every notification',
    sql: `
      CREATE TABLE notifications (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        level TEXT NOT NULL CHECK (level IN ('info', 'warning', 'error')),
        title TEXT NOT NULL,
        body TEXT NOT NULL,
        read_at TEXT
      );
      CREATE INDEX notifications_unread ON notifications(id) WHERE read_at IS NULL;
      -- One row per external channel a notification went to (the panel has none).
      CREATE TABLE notification_deliveries (
        notification_id INTEGER NOT NULL REFERENCES notifications(id) ON DELETE CASCADE,
        channel TEXT NOT NULL CHECK (channel IN ('email', 'webhook')),
        at TEXT NOT NULL,
        ok INTEGER NOT NULL CHECK (ok IN (0, 1)),
        error TEXT,
        PRIMARY KEY (notification_id, channel)
      );
      CREATE INDEX notification_deliveries_by_channel ON notification_deliveries(channel, notification_id);
    `,
  },
  {
    version: 4,
    description: 'scheduler: each scheduled task, since when its schedule applies, and its last run',
    sql: `
      -- One row per scheduled task (auto-backup, auto-update …), kept by the daemon's
      -- scheduler. Times are ISO 8601 UTC. A run is owed when the schedule's latest
      -- occurrence is later than both the last run and "since", so a box that was off
      -- catches up once, and a schedule changed at noon does not owe that morning's run.
      CREATE TABLE schedules (
        task_id TEXT PRIMARY KEY,
        cron TEXT,                -- the expression counted from; NULL while disabled
        zone TEXT NOT NULL,       -- the time zone it is counted in
        since TEXT NOT NULL,      -- when this expression (in this zone) took effect
        last_slot_at TEXT,        -- the scheduled time the last run stood for
        last_reason TEXT CHECK (last_reason IN ('scheduled', 'catch-up')),
        last_started_at TEXT,
        last_finished_at TEXT,
        last_status TEXT CHECK (last_status IN ('running', 'succeeded', 'failed', 'skipped', 'interrupted')),
        last_job_id INTEGER,      -- no foreign key: job history is pruned
        last_error_code TEXT
      );
    `,
  },
  {
    version: 5,
    description: 'backups: archives and their verification, restore drills; job progress',
    sql: `
      -- {"phase": "write", "done": 123, "total": 456, "unit": "bytes"}, updated a few times a second.
      ALTER TABLE jobs ADD COLUMN progress TEXT;
      -- What Hearth knows of the archives it wrote or checked; the destination folder is
      -- the truth of what exists, this adds what a listing cannot read cheaply.
      CREATE TABLE backup_archives (
        destination TEXT NOT NULL,
        name TEXT NOT NULL,
        size INTEGER NOT NULL,
        created_at TEXT NOT NULL,
        data INTEGER NOT NULL,
        encrypted INTEGER NOT NULL,
        compression TEXT NOT NULL,
        entries INTEGER NOT NULL,
        bytes INTEGER NOT NULL,
        job_id INTEGER,
        verified_at TEXT,
        verify_ok INTEGER,
        verify_error TEXT,
        PRIMARY KEY (destination, name)
      );
      CREATE TABLE backup_drills (
        id INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        archive TEXT NOT NULL,
        ok INTEGER NOT NULL,
        error_code TEXT,
        error_params TEXT
      );
    `,
  },
  {
    version: 6,
    description: 'metrics: CPU temperature and disk usage sampled every few minutes, for the dashboard charts',
    sql: `
      CREATE TABLE metric_samples (
        name TEXT NOT NULL,     -- 'cpu_temperature' (°C), 'data_disk_used' (bytes), 'data_disk_total' (bytes)
        at INTEGER NOT NULL,    -- ms since the epoch
        value REAL NOT NULL,
        PRIMARY KEY (name, at)
      ) WITHOUT ROWID;
    `,
  },
];

export const latestSchemaVersion = migrations.reduce((max, m) => Math.max(max, m.version), 0);
