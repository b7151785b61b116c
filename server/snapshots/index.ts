/**
 * Snapshots of the appliance's state directory ($ROOT/var/lib/hearth: the database, the
 * secret key, the certificate, app state), kept beside it in $ROOT/var/lib/hearth-snapshots.
 * Drivers: `btrfs` (read-only subvolume snapshots, O(1)) when the state directory is a
 * Btrfs subvolume, `copy` (cp --reflink=auto, the database through SQLite's backup API)
 * otherwise. docs/architecture.md "Snapshots" has the whole picture.
 *
 * The interface (appliance.snapshots):
 *
 *   create({ label?, reason }, job?) → Promise<SnapshotMeta>
 *       reason: 'manual' | 'scheduled' | 'pre-update' | 'pre-restore'. Inside a job that
 *       holds the maintenance lock (the update's), pass that job: the snapshot is taken in
 *       it and logged there. Without a job it runs as a job of its own, taking the lock
 *       (HEARTH_ERR_BUSY while another holds it). Retention runs after every create.
 *   list() → Promise<SnapshotListing[]>         newest first; reads files only
 *   get(id) → Promise<SnapshotMeta>             HEARTH_ERR_SNAPSHOT_NOT_FOUND
 *   delete(id, job?) → Promise<void>
 *   rollback(id, job?) → Promise<{ snapshot, preRollbackId, restartRequired: true }>
 *       Stages the rollback: a writable copy of the snapshot waits beside the state, and
 *       the journal says so. Nothing live changes until the daemon starts again: its start
 *       (main.ts → recoverSnapshots) swaps the state in before the database is opened, and
 *       keeps the replaced state as snapshot `preRollbackId` (reason 'pre-rollback'), so a
 *       rollback is undone by rolling back to it. A running daemon restarts itself for it
 *       as soon as no job holds the maintenance lock (restartWanted()).
 *   prune(job?)                                 retention now
 *   jobs.create/delete/rollback(…, starter)     the same as jobs for the panel, CLI, scheduler
 *
 * recoverSnapshots({ root, systemKind, log }) — at every start, before the database is
 * opened: applies a staged rollback, or finishes one a crash interrupted.
 */
import { translator } from '../i18n.js';
import { resolvePaths } from '../paths.js';
import { createSystem, type SystemKind } from '../system/index.js';
import { execThrough, type DriverContext } from './driver.js';
import { applyStagedRollback, type ApplyOutcome } from './rollback.js';

export { createSnapshotService, snapshotLocks, type SnapshotService, type SnapshotListing, type RollbackResult, type Starter } from './snapshot-service.js';
export type { SnapshotMeta, SnapshotReason, RequestedReason, CreateRequest, DriverName } from './types.js';
export { snapshotReasons, requestedReasons } from './types.js';
export { isSnapshotId } from './layout.js';
export type { ApplyOutcome } from './rollback.js';

export async function recoverSnapshots(options: { root: string; systemKind: SystemKind; log: (message: string) => void; now?: () => number }): Promise<ApplyOutcome> {
  const paths = resolvePaths(options.root);
  const system = createSystem(options.systemKind, paths);
  const t = translator('en');
  const ctx: DriverContext = {
    system,
    paths,
    exec: execThrough(system),
    say: (key, params) => options.log(t(`snapshots:log.${key}`, params)),
  };
  return applyStagedRollback({ system, ctx, now: options.now ?? Date.now, log: options.log });
}
