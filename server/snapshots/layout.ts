import path from 'node:path';
import type { Paths } from '../paths.js';

/**
 * Where snapshots live: beside the state directory, never in it, because a rollback
 * swaps the state directory as a whole by renaming it (same file system: the state
 * directory is not a mount point, so its parent's file system holds both).
 *
 *   $ROOT/var/lib/hearth                     the live state (a Btrfs subvolume for the btrfs driver)
 *   $ROOT/var/lib/hearth-snapshots/<id>/
 *       state/                               the state as it was (read-only subvolume, or a copy)
 *       snapshot.json                        its metadata, written last: no metadata, no snapshot
 *   $ROOT/var/lib/hearth-snapshots/staging   a rollback's writable copy, waiting to be swapped in
 *   $ROOT/var/lib/hearth-snapshots/rollback.json   the rollback journal
 *   $ROOT/var/lib/hearth-snapshots/reapply.json    a rolled-back configuration still to apply to the system
 */
export function snapshotLayout(paths: Paths) {
  const root = paths.snapshotsDir;
  return {
    root,
    dir: (id: string) => path.join(root, id),
    state: (id: string) => path.join(root, id, 'state'),
    meta: (id: string) => path.join(root, id, 'snapshot.json'),
    staging: path.join(root, 'staging'),
    journal: path.join(root, 'rollback.json'),
    /** Written when a swap completes: the apps' saved configuration is applied again at start. */
    reapply: path.join(root, 'reapply.json'),
  };
}

export type SnapshotLayout = ReturnType<typeof snapshotLayout>;

/**
 * What in the state directory a snapshot leaves out, and a rollback carries over from
 * the replaced state to the rolled-back one as it is:
 * - the owner's backup archives (the default destination) and uploaded archives, which
 *   a rollback must never take away;
 * - work directories of running jobs (tmp, restore);
 * - the sandbox's pretend host (its programs' effects, its board) and a restore's
 *   journal, which describe the host and the moment, not the state.
 * With Btrfs the directories are subvolumes of their own: a snapshot of the state then
 * leaves them out by itself, and a rename moves them between subvolumes.
 */
export function keptOut(paths: Paths): { directories: string[]; files: string[] } {
  const backups = path.relative(paths.stateDir, paths.backupsDir);
  const directories = [backups, 'uploads', 'tmp', 'restore'].filter((name) => name && !name.startsWith('..') && !name.includes(path.sep));
  // sandbox-board.json: the board the sandbox pretends to be (server/system/sandbox-seed.ts), the host's like sandbox-state.json.
  const files = [path.basename(paths.sandboxState), 'sandbox-board.json', 'restore-journal.json'];
  return { directories, files };
}

/** The database and its companions: copied through SQLite, never as files. */
export function databaseFiles(paths: Paths): string[] {
  const name = path.basename(paths.database);
  return [name, `${name}-wal`, `${name}-shm`, `${name}-journal`];
}

/** Ids are UTC times, "20261128-143005", with "-2", "-3"… when two fall in one second. */
export const snapshotIdPattern = /^\d{8}-\d{6}(-\d{1,3})?$/;

export function isSnapshotId(value: string): boolean {
  return snapshotIdPattern.test(value);
}

export function idFor(at: Date, taken: ReadonlySet<string>): string {
  const iso = at.toISOString();
  const base = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  if (!taken.has(base)) return base;
  for (let n = 2; n < 1000; n += 1) if (!taken.has(`${base}-${n}`)) return `${base}-${n}`;
  throw new Error(`no free snapshot id at ${iso}`);
}
