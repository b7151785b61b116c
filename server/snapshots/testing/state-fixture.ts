import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { Appliance } from '../../appliance.js';
import type { Paths } from '../../paths.js';
import { snapshotTree, type TreeEntry } from '../../testing/tree-snapshot.js';
import { databaseFiles, keptOut } from '../layout.js';

/** The state's files, without what snapshots leave out and without the database (compared by content instead). */
export async function stateFiles(paths: Paths, dir = paths.stateDir): Promise<Record<string, TreeEntry>> {
  const { directories, files } = keptOut(paths);
  const skipped = new Set([...directories, ...files, ...databaseFiles(paths)]);
  const tree = await snapshotTree(dir, { ignoreDirectoryTimes: true });
  return Object.fromEntries(Object.entries(tree).filter(([name]) => !skipped.has(name.split(path.sep)[0]!)));
}

/** What the owner configured, from a database file: settings, accounts, apps and their secrets. */
export function configured(file: string): unknown[] {
  const db = new Database(file, { readonly: true });
  try {
    return ['settings', 'users', 'app_params', 'app_secrets'].map((table) => db.prepare(`SELECT * FROM ${table} ORDER BY 1, 2`).all());
  } finally {
    db.close();
  }
}

export const olderArchive = 'hearth-backup_box_20261101-020000.tar.zst';
export const newerArchive = 'hearth-backup_box_20261128-020000.tar.zst';

/** A state worth snapshotting: settings, app parameters and a sealed secret, TLS files, a nested tree with a link, an older backup. */
export async function seedState(appliance: Appliance): Promise<void> {
  const { stateDir, backupsDir } = appliance.paths;
  appliance.settings.set('maintenance.windowStart', '01:00');
  await appliance.saved.save('hostname', { hostname: 'first-name' }, {});
  await appliance.saved.save('notifications', { email: 'owner@example.org' }, { smtpPassword: 'sealed and kept' });
  mkdirSync(path.join(stateDir, 'tls'), { recursive: true, mode: 0o700 });
  writeFileSync(path.join(stateDir, 'tls/key.pem'), 'first key\n', { mode: 0o600 });
  writeFileSync(path.join(stateDir, 'tls/cert.pem'), 'first certificate\n', { mode: 0o644 });
  mkdirSync(path.join(stateDir, 'app-state/nested'), { recursive: true });
  writeFileSync(path.join(stateDir, 'app-state/nested/big.bin'), Buffer.alloc(3 * 1024 * 1024, 7));
  execFileSync('ln', ['-s', 'nested/big.bin', path.join(stateDir, 'app-state/link')]);
  // An older box's backups: a plain directory with an archive in it.
  mkdirSync(backupsDir, { recursive: true, mode: 0o700 });
  writeFileSync(path.join(backupsDir, olderArchive), 'an archive from before');
}

/** Everything changed after the snapshot, and a backup made since (the owner's: a rollback keeps it). */
export async function changeState(appliance: Appliance): Promise<void> {
  const { stateDir, backupsDir } = appliance.paths;
  appliance.settings.set('maintenance.windowStart', '04:00');
  await appliance.saved.save('hostname', { hostname: 'second-name' }, {});
  writeFileSync(path.join(stateDir, 'tls/key.pem'), 'second key\n', { mode: 0o600 });
  rmSync(path.join(stateDir, 'tls/cert.pem'));
  writeFileSync(path.join(stateDir, 'app-state/nested/big.bin'), Buffer.alloc(3 * 1024 * 1024, 9));
  writeFileSync(path.join(stateDir, 'app-state/new-after-snapshot.txt'), 'written after the snapshot');
  writeFileSync(path.join(backupsDir, newerArchive), 'an archive from after');
}
