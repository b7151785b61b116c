import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { tempRoot } from '../testing/temp-root.js';
import { latestSchemaVersion, openDatabase, schemaVersion } from './database.js';
import { migrations } from './migrations.js';

const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

describe('openDatabase', () => {
  it('opens with WAL, synchronous=FULL and foreign keys, at the latest schema', () => {
    const file = path.join(tempRoot(), 'var/lib/hearth/hearth.db');
    const db = openDatabase(file);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
    expect(statSync(path.dirname(file)).mode & 0o777).toBe(0o700);
    expect(statSync(path.dirname(path.dirname(file))).mode & 0o777).toBe(0o755);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(expect.arrayContaining(['settings', 'users', 'sessions', 'auth_failures', 'audit_log']));
    db.close();
  });

  it('applies nothing twice on reopen and keeps the data', () => {
    const file = path.join(tempRoot(), 'hearth.db');
    const first = openDatabase(file);
    first.prepare("INSERT INTO settings (key, value, updated_at) VALUES ('k', '1', 'now')").run();
    first.close();
    const second = openDatabase(file);
    expect(second.prepare("SELECT value FROM settings WHERE key = 'k'").pluck().get()).toBe('1');
    second.close();
  });

  it('applies pending migrations in order, inside one transaction', () => {
    const file = path.join(tempRoot(), 'hearth.db');
    openDatabase(file).close();
    const extended = [...migrations, { version: latestSchemaVersion + 1, description: 'test', sql: 'CREATE TABLE extra (x INTEGER);' }];
    const db = openDatabase(file, { migrations: extended });
    expect(schemaVersion(db)).toBe(latestSchemaVersion + 1);
    db.close();
  });

  it('rolls a failing migration back completely', () => {
    const file = path.join(tempRoot(), 'hearth.db');
    openDatabase(file).close();
    const broken = [
      ...migrations,
      { version: latestSchemaVersion + 1, description: 'good part', sql: 'CREATE TABLE half (x INTEGER);' },
      { version: latestSchemaVersion + 2, description: 'bad part', sql: 'CREATE TABLE oops (x INTEGER); SELECT * FROM no_such_table;' },
    ];
    expect(() => openDatabase(file, { migrations: broken })).toThrow(/no_such_table/);
    const db = openDatabase(file);
    expect(schemaVersion(db)).toBe(latestSchemaVersion);
    expect(db.prepare("SELECT COUNT(*) FROM sqlite_master WHERE name IN ('half', 'oops')").pluck().get()).toBe(0);
    db.close();
  });

  it('refuses a database written by a newer version and does not modify it', () => {
    const dir = tempRoot();
    const file = path.join(dir, 'hearth.db');
    const newer = new Database(file);
    newer.exec('CREATE TABLE future (x INTEGER)');
    newer.pragma(`user_version = ${latestSchemaVersion + 5}`);
    newer.close();
    const before = sha(file);
    let error: unknown;
    try {
      openDatabase(file);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(HearthError);
    expect((error as HearthError).code).toBe('HEARTH_ERR_DATABASE_TOO_NEW');
    expect((error as HearthError).params).toMatchObject({ found: latestSchemaVersion + 5, supported: latestSchemaVersion });
    expect(sha(file)).toBe(before);
    expect(existsSync(file + '-wal')).toBe(false);
  });

  it('reports a file that is not a database clearly, without overwriting it', () => {
    const dir = tempRoot();
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'hearth.db');
    writeFileSync(file, 'this is not sqlite, it is an owner file that must survive'.repeat(100));
    const before = sha(file);
    expect(() => openDatabase(file)).toThrow(expect.objectContaining({ code: 'HEARTH_ERR_DATABASE_UNREADABLE' }));
    expect(sha(file)).toBe(before);
  });
});
