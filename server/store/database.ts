import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { HearthError } from '../errors.js';
import { latestSchemaVersion, migrations, type Migration } from './migrations.js';

export type Db = Database.Database;

/**
 * Opens the appliance database: WAL, foreign keys, and synchronous=FULL (better-sqlite3
 * defaults to NORMAL under WAL, which can lose the last commits on a power cut; a
 * settings change the API acknowledged must survive one). Then applies migrations.
 *
 * A database written by a newer Hearth is refused before anything is written to it:
 * the version is read through a read-only connection first, because even switching
 * the journal mode would modify the file.
 */
export function openDatabase(file: string, options: { migrations?: readonly Migration[] } = {}): Db {
  const known = options.migrations ?? migrations;
  const supported = known.reduce((max, m) => Math.max(max, m.version), 0);
  if (existsSync(file)) refuseNewerSchema(file, supported);
  else createPrivateDirectory(path.dirname(file));

  const db = new Database(file);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    // The CLI and the daemon share the file; wait for the other's write instead of failing.
    db.pragma('busy_timeout = 5000');
    migrate(db, known);
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/** The state directory holds the password hashes, the setup code and the TLS key: owner-only. */
function createPrivateDirectory(dir: string) {
  mkdirSync(path.dirname(dir), { recursive: true });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

function refuseNewerSchema(file: string, supported: number) {
  let found: number;
  try {
    const probe = new Database(file, { readonly: true, fileMustExist: true });
    try {
      found = probe.pragma('user_version', { simple: true }) as number;
    } finally {
      probe.close();
    }
  } catch (error) {
    throw new HearthError('HEARTH_ERR_DATABASE_UNREADABLE', { file, reason: (error as Error).message }, { cause: error });
  }
  if (found > supported) {
    throw new HearthError('HEARTH_ERR_DATABASE_TOO_NEW', { file, found, supported });
  }
}

/** Applies pending migrations to an open database (also after a restore brought an older one). */
export function migrate(db: Db, known: readonly Migration[] = migrations) {
  const current = db.pragma('user_version', { simple: true }) as number;
  const pending = [...known].filter((m) => m.version > current).sort((a, b) => a.version - b.version);
  if (pending.length === 0) return;
  db.transaction(() => {
    for (const migration of pending) {
      db.exec(migration.sql);
      db.pragma(`user_version = ${Math.trunc(migration.version)}`);
    }
  }).immediate();
}

export function schemaVersion(db: Db): number {
  return db.pragma('user_version', { simple: true }) as number;
}

export { latestSchemaVersion };
