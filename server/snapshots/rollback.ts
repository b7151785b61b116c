import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HearthError } from '../errors.js';
import { appVersion } from '../paths.js';
import { latestSchemaVersion } from '../store/database.js';
import { faultPoint } from '../system/fault-injection.js';
import { isProcessAlive } from '../system/process-identity.js';
import type { System } from '../system/index.js';
import { carryOperationalTables, lockHolders, schemaVersionOf } from './carry-tables.js';
import type { DriverChoice } from './choose-driver.js';
import { driverNamed } from './choose-driver.js';
import { apparentBytes, isExdev, mountsAtOrBelow, removeStateDir, type DriverContext } from './driver.js';
import { idFor, keptOut, snapshotLayout, type SnapshotLayout } from './layout.js';
import { listMeta, readJournal, writeJournal, writeMeta } from './metadata.js';
import type { RollbackJournal, SnapshotMeta } from './types.js';

/** Free space a staging must leave: 10 %, at least 64 MiB. */
const margin = (bytes: number) => Math.max(bytes * 0.1, 64 * 1024 * 1024);

const display = (system: System, file: string) => '/' + path.relative(system.paths.root, file).split(path.sep).join('/');

/**
 * A rollback, first half (in a job, the daemon running): a writable copy of the chosen
 * snapshot is made beside the state (`staging`) and the journal says "staged". Nothing
 * live changes; the daemon then restarts, and the next start swaps it in before the
 * database is opened (applyStagedRollback). A second rollback before that restart
 * replaces the first.
 */
export async function stageRollback(ctx: DriverContext & { now: () => number; jobId: number | null }, meta: SnapshotMeta, current: DriverChoice): Promise<RollbackJournal> {
  const { system, paths } = ctx;
  const layout = snapshotLayout(paths);
  const mounts = await mountsAtOrBelow(system, paths.stateDir);
  if (mounts.length > 0) throw new HearthError('HEARTH_ERR_SNAPSHOT_STATE_MOUNTED', { path: display(system, mounts[0]!) });
  if (meta.schemaVersion > latestSchemaVersion) {
    throw new HearthError('HEARTH_ERR_SNAPSHOT_TOO_NEW', { id: meta.id, appVersion: meta.appVersion, found: meta.schemaVersion, supported: latestSchemaVersion });
  }
  const source = layout.state(meta.id);
  if ((await system.pathType(source)) !== 'directory') throw new HearthError('HEARTH_ERR_SNAPSHOT_DAMAGED', { id: meta.id });

  const waiting = await readJournal(system, layout);
  if (waiting?.phase === 'swapping') throw new HearthError('HEARTH_ERR_SNAPSHOT_ROLLBACK_PENDING', { id: waiting.snapshotId });
  if (waiting) {
    await system.removeFile(layout.journal);
    ctx.say('stagedReplaced', { id: waiting.snapshotId });
  }
  await removeStateDir(ctx, layout.staging);
  await sameFileSystemOrRefuse(system, layout);
  // The directories the swap carries over must be movable into the staging (btrfs: subvolumes).
  await current.driver.prepare(ctx);

  const stager = driverNamed(meta.driver);
  const needed = await stager.bytesNeeded(ctx, source);
  const available = (await system.fileSystemOf(layout.root)).availableBytes;
  if (available < needed + margin(needed)) {
    throw new HearthError('HEARTH_ERR_SNAPSHOT_NO_SPACE', { path: display(system, layout.root), needed: formatMiB(needed + margin(needed)), available: formatMiB(available) });
  }
  ctx.say('staging', { id: meta.id });
  try {
    await stager.stage(ctx, source, layout.staging);
    // What the swap carries over from the live state must not be in the staging (btrfs leaves empty placeholders).
    const { directories, files } = keptOut(paths);
    for (const name of directories) await removeStateDir(ctx, path.join(layout.staging, name));
    for (const name of files) await system.removeFile(path.join(layout.staging, name));
    faultPoint('snapshot:staged');
  } catch (error) {
    await removeStateDir(ctx, layout.staging).catch(() => {});
    throw error;
  }
  const taken = new Set((await listMeta(system, layout)).map((m) => m.id));
  const journal: RollbackJournal = {
    phase: 'staged',
    snapshotId: meta.id,
    preRollbackId: idFor(new Date(ctx.now()), taken),
    driver: current.driver.name,
    stagedAt: new Date(ctx.now()).toISOString(),
    jobId: ctx.jobId,
  };
  await writeJournal(system, layout, journal);
  return journal;
}

/** A probe renamed from the snapshots directory into the state's parent: the swap's renames will work. */
async function sameFileSystemOrRefuse(system: System, layout: SnapshotLayout): Promise<void> {
  const name = `.hearth-rename-probe-${randomBytes(4).toString('hex')}`;
  const probe = path.join(layout.root, name);
  const moved = path.join(path.dirname(system.paths.stateDir), name);
  await system.makeDirectory(probe, { mode: 0o700 });
  try {
    await system.rename(probe, moved);
  } catch (error) {
    await system.removeTree(probe);
    if (isExdev(error)) throw new HearthError('HEARTH_ERR_SNAPSHOT_CROSS_DEVICE', { snapshots: display(system, layout.root), state: display(system, system.paths.stateDir) });
    throw error;
  }
  await system.removeTree(moved);
}

const formatMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export type ApplyOutcome = 'none' | 'postponed' | 'abandoned' | 'applied';

/**
 * A rollback, second half: at start, before the database is opened — the daemon's start
 * calls this first. Continues a swap a crash or power cut interrupted from where it
 * stopped; every step looks at what is on disk first, so it can run again any number of
 * times:
 *
 *   journal "swapping" → kept-out directories and files carried from the live state into
 *   the staging → the live state renamed to <pre-rollback id>/state → the staging renamed
 *   to the state → the replaced state's operational tables carried into the rolled-back
 *   database → the replaced state sealed and its snapshot.json written → reapply.json
 *   written (the daemon applies the rolled-back apps' configuration to the system once it
 *   has opened the database) → journal removed.
 *
 * At no point is anything deleted: the replaced state becomes a snapshot of its own
 * (reason pre-rollback), so a rollback is undone by rolling back to it. A staged
 * rollback waits ("postponed") while another process (a CLI job) holds a lock.
 */
export async function applyStagedRollback(deps: { system: System; ctx: DriverContext; now: () => number; log: (message: string) => void }): Promise<ApplyOutcome> {
  const { system, ctx, log } = deps;
  const { paths } = system;
  const layout = snapshotLayout(paths);
  const journal = await readJournal(system, layout);
  if (!journal) return 'none';

  if (journal.phase === 'staged') {
    if ((await system.pathType(layout.staging)) !== 'directory') {
      await system.removeFile(layout.journal);
      log(`rollback to snapshot ${journal.snapshotId}: its staging is gone; nothing was changed`);
      return 'abandoned';
    }
    const holders = lockHolders(paths.database, process.pid, isProcessAlive);
    if (holders.length > 0) {
      log(`rollback to snapshot ${journal.snapshotId}: waiting for process ${holders.join(', ')} to finish its job`);
      return 'postponed';
    }
    journal.phase = 'swapping';
    await writeJournal(system, layout, journal);
    faultPoint('snapshot:swapping');
  }
  log(`rollback to snapshot ${journal.snapshotId}: swapping the state in`);

  const preDir = layout.dir(journal.preRollbackId);
  const preState = layout.state(journal.preRollbackId);
  const stagingThere = (await system.pathType(layout.staging)) === 'directory';
  const { directories, files } = keptOut(paths);

  if (stagingThere && (await system.pathType(paths.stateDir)) === 'directory') {
    for (const name of directories) {
      const live = path.join(paths.stateDir, name);
      const staged = path.join(layout.staging, name);
      if ((await system.pathType(live)) === undefined || (await system.pathType(staged)) !== undefined) continue;
      try {
        await system.rename(live, staged);
      } catch (error) {
        if (!isExdev(error)) throw error;
        // A plain directory between two Btrfs subvolumes: copied (reflinks where possible); the original stays with the replaced state.
        await ctx.exec(['cp', '-a', '--reflink=auto', '--no-target-directory', '--', live, staged]);
      }
    }
    for (const name of files) {
      const text = await system.readFile(path.join(paths.stateDir, name));
      if (text !== undefined) await system.writeFile(path.join(layout.staging, name), text, { mode: 0o600 });
    }
    faultPoint('snapshot:carried');
    await system.makeDirectory(preDir, { mode: 0o700 });
    await system.rename(paths.stateDir, preState);
    faultPoint('snapshot:state-aside');
  }
  if (stagingThere) {
    await system.rename(layout.staging, paths.stateDir);
    faultPoint('snapshot:state-swapped');
  }

  const at = new Date(deps.now()).toISOString();
  let schemaVersion = 0;
  if ((await system.pathType(preState)) === 'directory') {
    const preDatabase = path.join(preState, path.basename(paths.database));
    try {
      const carried = carryOperationalTables(preDatabase, paths.database, at);
      schemaVersion = carried.fromSchemaVersion;
      if (carried.error) log(`rollback to snapshot ${journal.snapshotId}: the jobs, logs and sessions of the replaced state could not be carried over (${carried.error}); they stay in snapshot ${journal.preRollbackId}`);
    } catch (error) {
      // Run again after the replaced state was sealed read-only: the carry was done before the seal.
      schemaVersion = schemaVersionOf(preDatabase);
      log(`rollback to snapshot ${journal.snapshotId}: no tables carried over (${(error as Error).message})`);
    }
    faultPoint('snapshot:tables-carried');
    for (const name of files) if ((await system.pathType(path.join(preState, name))) !== undefined) await system.removeFile(path.join(preState, name));
    const sizeBytes = journal.driver === 'copy' ? await apparentBytes(system, [preState]) : null;
    // Sealed last but one: a crash after it finds the tables carried and only the metadata to write.
    await driverNamed(journal.driver).seal(ctx, preState);
    faultPoint('snapshot:sealed');
    const meta: SnapshotMeta = {
      formatVersion: 1,
      id: journal.preRollbackId,
      label: '',
      reason: 'pre-rollback',
      createdAt: at,
      driver: journal.driver,
      sizeBytes,
      appVersion,
      schemaVersion,
      jobId: journal.jobId,
      rolledBackTo: journal.snapshotId,
    };
    await writeMeta(system, layout, meta);
  }
  // The system's files (hostname, SSH, swap …) follow the rolled-back configuration once the
  // daemon has opened the database (finishRollback); written before the journal goes, so never lost.
  await system.writeFile(layout.reapply, JSON.stringify({ snapshotId: journal.snapshotId, preRollbackId: journal.preRollbackId, jobId: journal.jobId }) + '\n', { mode: 0o600 });
  await system.removeFile(layout.journal);
  log(`rollback to snapshot ${journal.snapshotId}: done; the replaced state is snapshot ${journal.preRollbackId}`);
  return 'applied';
}
