import Database from 'better-sqlite3';

/**
 * What a rollback does not turn back: the box's own recent life — its jobs and their logs
 * (the rollback itself among them), schedules and their last runs, the backups it knows,
 * the notifications it sent, the audit log — and the owner's open sessions (matched by
 * user name). Settings, accounts, app configuration and secrets are the snapshot's.
 * (The same idea as a restore's, server/backup/restore.ts; a snapshot may be of an older
 * schema, so only the columns both sides have are carried.)
 */
export const carriedTables = ['jobs', 'job_log', 'locks', 'schedules', 'backup_archives', 'backup_drills', 'notifications', 'notification_deliveries', 'audit_log'] as const;

const tableNames = (db: Database.Database) => new Set(db.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((row) => row.name));
const columnsOf = (db: Database.Database, table: string) => db.prepare<[], { name: string }>(`SELECT name FROM pragma_table_info('${table}')`).all().map((row) => row.name);
const quote = (name: string) => `"${name.replace(/"/g, '""')}"`;

export interface CarryResult {
  /** The replaced database's schema version. */
  fromSchemaVersion: number;
  carried: string[];
  /** Set when the carry failed as a whole (then nothing was carried, the rolled-back database is the snapshot's). */
  error?: string;
}

/**
 * Copies the operational tables of `fromFile` (the replaced state's database) over those
 * of `toFile` (the rolled-back one), in one transaction: rerunning it after a crash gives
 * the same result. Then, whatever happened: no job of the replaced life is left "running"
 * and no lock held — nothing runs while the state is swapped (the daemon is between two
 * starts), and a stale row holding the maintenance lock in this very process's name
 * would never be reaped.
 */
export function carryOperationalTables(fromFile: string, toFile: string, at: string): CarryResult {
  const from = new Database(fromFile, { fileMustExist: true });
  const to = new Database(toFile, { fileMustExist: true });
  try {
    from.pragma('busy_timeout = 5000');
    to.pragma('busy_timeout = 5000');
    to.pragma('foreign_keys = OFF');
    const fromSchemaVersion = from.pragma('user_version', { simple: true }) as number;
    const result: CarryResult = { fromSchemaVersion, carried: [] };
    const fromTables = tableNames(from);
    const toTables = tableNames(to);
    try {
      to.transaction(() => {
        for (const table of carriedTables) {
          if (!fromTables.has(table) || !toTables.has(table)) continue;
          const fromColumns = new Set(columnsOf(from, table));
          const common = columnsOf(to, table).filter((column) => fromColumns.has(column));
          to.exec(`DELETE FROM ${quote(table)}`);
          if (common.length === 0) continue;
          const list = common.map(quote).join(', ');
          const insert = to.prepare(`INSERT INTO ${quote(table)} (${list}) VALUES (${common.map(() => '?').join(', ')})`);
          for (const row of from.prepare(`SELECT ${list} FROM ${quote(table)}`).raw().iterate()) insert.run(...(row as unknown[]));
          result.carried.push(table);
        }
        if (fromTables.has('sessions') && toTables.has('sessions') && fromTables.has('users') && toTables.has('users')) {
          const sessions = from
            .prepare<[], { id_hash: string; username: string; created_at: number; last_seen_at: number; absolute_expires_at: number; ip: string; user_agent: string }>(
              'SELECT s.id_hash, u.username, s.created_at, s.last_seen_at, s.absolute_expires_at, s.ip, s.user_agent FROM sessions s JOIN users u ON u.id = s.user_id',
            )
            .all();
          const userIds = new Map(to.prepare<[], { id: number; username: string }>('SELECT id, username FROM users').all().map((user) => [user.username, user.id]));
          const insert = to.prepare('INSERT OR IGNORE INTO sessions (id_hash, user_id, created_at, last_seen_at, absolute_expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)');
          for (const session of sessions) {
            const userId = userIds.get(session.username);
            if (userId !== undefined) insert.run(session.id_hash, userId, session.created_at, session.last_seen_at, session.absolute_expires_at, session.ip, session.user_agent);
          }
          result.carried.push('sessions');
        }
      }).immediate();
    } catch (error) {
      result.carried = [];
      result.error = (error as Error).message;
    }
    if (toTables.has('jobs') && toTables.has('locks')) {
      to.transaction(() => {
        to.prepare("UPDATE jobs SET status = 'interrupted', error_code = 'HEARTH_ERR_JOB_INTERRUPTED', ended_at = ? WHERE status = 'running'").run(at);
        to.exec('DELETE FROM locks');
      }).immediate();
    }
    return result;
  } finally {
    to.close();
    from.close();
  }
}

/**
 * Processes other than `self` holding a lock in the database at `file`: a job running
 * from the CLI. The swap waits for them (the daemon restarts again once they are done).
 */
export function lockHolders(file: string, self: number, alive: (pid: number, start: string | null) => boolean): number[] {
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { fileMustExist: true });
    db.pragma('busy_timeout = 5000');
    if (!tableNames(db).has('locks')) return [];
    return db
      .prepare<[], { pid: number; pid_start: string | null }>('SELECT DISTINCT pid, pid_start FROM locks')
      .all()
      .filter((row) => row.pid !== self && alive(row.pid, row.pid_start))
      .map((row) => row.pid);
  } catch {
    return [];
  } finally {
    db?.close();
  }
}

/** The schema version of a database file, or 0 when it cannot be read. */
export function schemaVersionOf(file: string): number {
  try {
    const db = new Database(file, { fileMustExist: true });
    try {
      return db.pragma('user_version', { simple: true }) as number;
    } finally {
      db.close();
    }
  } catch {
    return 0;
  }
}
