import { fetchRemembered } from './manifest-serials.js';
import { createSettingsStore } from '../store/settings.js';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { HearthError, isHearthError } from '../errors.js';
import { formatBytes } from '../format.js';
import type { JobContext } from '../jobs/job-context.js';
import type { Db } from '../store/database.js';
import type { System } from '../system/index.js';
import { chooseRelease, choiceError, type ResolvedBundle } from './channel.js';
import { checkSpace, downloadBundle } from './download.js';
import { unpackBundle } from './bundle.js';
import type { TrustedKey } from './keys.js';
import {
  isOwnerAlive,
  newUpdateId,
  ownerOfThisProcess,
  phasesBeforeSwitch,
  releaseFailures,
  type JournalStore,
  type StoredError,
  type UpdateJournal,
  type UpdatePhase,
  updatePhases,
} from './journal.js';
import { currentVersion, releaseDir, removePartials, switchCurrent, type InstallLayout } from './layout.js';

/*
 * The update state machine, run as a job (holding the maintenance lock) by the process
 * that starts it — the daemon (panel, scheduler) or the CLI:
 *
 *   check     fetch the signed manifest, choose the release, refuse a bad one, check free space
 *   download  the bundle into staging (resumable; sha256 while it streams)
 *   verify    the staged file hashed again against the signed manifest
 *   snapshot  the state (database, keys, config) as it is now: what a rollback puts back
 *   unpack    into releases/.<v>.partial, renamed to releases/<v> when whole and durable
 *   migrate   the NEW release's migrations run on a copy of the database (a migration that
 *             throws stops the update here, with the old release still serving)
 *   switch    `current` renamed to the new release — the commit point of the files
 *   restart   the daemon told to exit; systemd starts the launcher, which starts the new
 *             release on trial; it runs its migrations for real, checks itself and marks
 *             itself good (health.ts) — or the launcher rolls it back
 *
 * Each phase is written to the journal before it begins. A failure before the switch
 * removes what the update made and leaves the running release untouched; the bundle
 * download is kept when it was merely interrupted (the next attempt resumes it).
 */

export interface UpdateRequest {
  /** The channel URL (https://, file://, or http:// on loopback). */
  channel: string;
  /** A specific version instead of the newest allowed. */
  version?: string;
  allowDowngrade?: boolean;
  allowBreaking?: boolean;
  /** The channel name the box is set to ("stable"); a manifest of another is refused. */
  channelName?: string;
}

export interface PreUpdateSnapshots {
  /** Snapshots the state now, inside the update's job (which holds the maintenance lock). */
  create(label: string, job: JobContext): Promise<{ id: string }>;
  /** What a new snapshot needs on disk, per directory (nothing for btrfs). */
  spaceNeeded(): Promise<Array<{ dir: string; bytes: number }>>;
}

export interface UpdateMachineDeps {
  db: Db;
  system: System;
  layout: InstallLayout;
  journal: JournalStore;
  snapshots: PreUpdateSnapshots;
  /** The running version (appVersion). */
  runningVersion: string;
  /** Default: the keys the running release shipped with. */
  keys?: readonly TrustedKey[];
  /** Asks the daemon to restart into the switched release; false when no daemon runs under the launcher. */
  restart: () => Promise<boolean>;
  /** Trial limits written into the journal for the launcher. */
  trial: { maxStarts: number; seconds: number };
  /** A release that failed this often is not installed again (until a newer one appears). */
  badAfter: number;
  marginBytes: number;
  /** The language of whoever started it (the notifications about it use it). */
  language?: string;
}

export type UpdateOutcome =
  | { kind: 'up-to-date'; current: string }
  | { kind: 'held-back'; current: string; latest: string | null }
  | { kind: 'restarting'; from: string; to: string }
  /** Switched, but no daemon runs under the launcher: the next start of the service finishes it. */
  | { kind: 'restart-pending'; from: string; to: string };

/** chooseRelease's held-back reason for a release that failed too often here. */
export const heldBadReason = 'failed-before';

/** A hash of the staged file, as the verify phase's record that the bytes on disk are the signed ones. */
async function sha256Of(system: System, file: string): Promise<{ sha256: string; size: number }> {
  const { stream, size } = await system.openReadStream(file);
  const hash = createHash('sha256');
  for await (const chunk of stream) hash.update(chunk as Buffer);
  return { sha256: hash.digest('hex'), size };
}

function stored(error: unknown): StoredError {
  if (isHearthError(error)) return { code: error.code, params: error.params as Record<string, string | number> };
  return { code: 'HEARTH_ERR_INTERNAL', params: {} };
}

/** What a stale journal (its updater gone) left before the switch: removed, recorded as interrupted. */
export async function abortInterruptedUpdate(deps: Pick<UpdateMachineDeps, 'system' | 'layout' | 'journal'>, journal: UpdateJournal): Promise<void> {
  const { system, layout } = deps;
  if (journal.to) {
    await removePartials(system, layout, journal.to);
    if (journal.createdRelease && journal.to !== journal.from && (await currentVersion(system, layout)) !== journal.to) await system.removeTree(releaseDir(layout, journal.to));
  }
  await system.removeTree(layout.migrateDir);
  const now = new Date().toISOString();
  await deps.journal.record({
    id: journal.id,
    from: journal.from,
    to: journal.to,
    result: 'interrupted',
    phase: journal.phase,
    error: { code: 'HEARTH_ERR_UPDATE_INTERRUPTED', params: { phase: journal.phase } },
    detail: null,
    log: null,
    snapshotId: journal.snapshotId,
    startedAt: journal.startedAt,
    endedAt: now,
    notified: false,
  });
  await deps.journal.remove();
}

/**
 * Before an update may begin: the box runs from the installed layout, the running
 * release is the one `current` points at (no restart pending), and no other update is
 * under way. A journal whose updater died before the switch is cleaned up here.
 */
export async function assertReadyToUpdate(deps: Pick<UpdateMachineDeps, 'system' | 'layout' | 'journal' | 'runningVersion'>): Promise<void> {
  const { system, layout } = deps;
  const installed = await currentVersion(system, layout);
  if (!installed) throw new HearthError('HEARTH_ERR_UPDATE_NOT_INSTALLED', { path: layout.current });
  const read = await deps.journal.read();
  if (read.damaged) throw new HearthError('HEARTH_ERR_UPDATE_JOURNAL_DAMAGED', { path: layout.journal });
  const journal = read.journal;
  if (journal) {
    const switched = !phasesBeforeSwitch.includes(journal.phase) && !(journal.phase === 'switch' && installed !== journal.to);
    if (switched) throw new HearthError('HEARTH_ERR_UPDATE_RESTART_PENDING', { version: journal.to ?? installed });
    if (isOwnerAlive(journal.owner)) throw new HearthError('HEARTH_ERR_UPDATE_IN_PROGRESS', { phase: journal.phase, version: journal.to ?? '?' });
    await abortInterruptedUpdate(deps, journal);
  }
  if (installed !== deps.runningVersion) throw new HearthError('HEARTH_ERR_UPDATE_RESTART_PENDING', { version: installed });
}

export async function runUpdate(job: JobContext, deps: UpdateMachineDeps, request: UpdateRequest): Promise<UpdateOutcome> {
  const { system, layout, db } = deps;
  const { t } = job;
  const from = deps.runningVersion;
  await assertReadyToUpdate(deps);

  const journal: UpdateJournal = {
    id: newUpdateId(),
    from,
    to: null,
    phase: 'check',
    startedAt: new Date().toISOString(),
    updatedAt: '',
    channel: request.channel,
    jobId: job.id,
    owner: ownerOfThisProcess(),
    snapshotId: null,
    createdRelease: false,
    starts: 0,
    maxStarts: deps.trial.maxStarts,
    trialSeconds: deps.trial.seconds,
    trialStartedAt: null,
    startError: null,
    error: null,
    ...(deps.language ? { language: deps.language } : {}),
  };
  const enter = async (phase: UpdatePhase) => {
    journal.phase = phase;
    await deps.journal.write(journal);
    // Which of the job's eight phases it is in; download and unpack report their bytes as they go.
    job.progress({ phase, done: updatePhases.indexOf(phase), total: updatePhases.indexOf('restart') + 1, unit: 'entries' });
  };
  let bundleFile: string | undefined;
  let detail: string | null = null;

  try {
    // check ---------------------------------------------------------------
    await enter('check');
    job.info(t('updates:log.checking', { channel: request.channel, current: from }));
    const fetched = await fetchRemembered(createSettingsStore(deps.db), request.channel, { ...(deps.keys ? { keys: deps.keys } : {}), ...(request.channelName ? { channel: request.channelName } : {}) });
    // A release that already failed K times on this box is held back: a newer one (or an
    // older one still newer than the running release) may be taken instead.
    const history = await deps.journal.history();
    const failuresOf = (version: string) => releaseFailures(history, version);
    const badRelease = (version: string) => new HearthError('HEARTH_ERR_UPDATE_RELEASE_BAD', { version, failures: failuresOf(version) });
    const choice = chooseRelease(fetched, {
      current: from,
      ...(request.version !== undefined ? { version: request.version } : {}),
      ...(request.allowDowngrade ? { allowDowngrade: true } : {}),
      ...(request.allowBreaking ? { allowBreaking: true } : {}),
      hold: (release) => (failuresOf(release.version) >= deps.badAfter ? heldBadReason : undefined),
    });
    if (choice.kind === 'none') {
      const refusal = choiceError(choice, { current: from, ...(request.version !== undefined ? { version: request.version } : {}) });
      if (refusal) throw refusal;
      const bad = choice.heldBack.find((held) => held.reason === heldBadReason);
      if (choice.reason === 'held-back' && bad && choice.heldBack.every((held) => held.reason === heldBadReason)) throw badRelease(bad.version);
      await deps.journal.remove();
      if (choice.reason === 'held-back') {
        job.info(t('updates:log.heldBack', { versions: choice.heldBack.map((h) => `${h.version} (${h.reason})`).join(', ') }));
        return { kind: 'held-back', current: from, latest: choice.latest?.version ?? null };
      }
      job.info(t('updates:log.upToDate', { current: from }));
      return { kind: 'up-to-date', current: from };
    }
    const bundle: ResolvedBundle = choice.bundle;
    const to = bundle.version;
    // Asked for by name (the policy's hold does not apply then): still not a release that keeps failing.
    if (failuresOf(to) >= deps.badAfter) throw badRelease(to);
    journal.to = to;
    job.info(t('updates:log.chosen', { from, to, size: formatBytes(bundle.size) }));
    // Every byte this update will write, checked before the first one: the download (staging),
    // the unpacked release, and the snapshot (on its own file system when it has one).
    await checkSpace(
      [
        { dir: layout.stagingDir, bytes: bundle.size },
        { dir: layout.releasesDir, bytes: bundle.unpackedSize },
        ...(await deps.snapshots.spaceNeeded()),
      ],
      deps.marginBytes,
    );

    // download ------------------------------------------------------------
    await enter('download');
    const downloaded = await downloadBundle(bundle, {
      stagingDir: layout.stagingDir,
      unpackDir: layout.releasesDir,
      marginBytes: deps.marginBytes,
      onProgress: (bytes, total) => job.progress({ phase: 'download', done: bytes, total, unit: 'bytes' }),
    });
    bundleFile = downloaded.file;
    job.info(
      downloaded.resumedFrom > 0
        ? t('updates:log.downloadedResumed', { size: formatBytes(downloaded.size), resumed: formatBytes(downloaded.resumedFrom) })
        : t('updates:log.downloaded', { size: formatBytes(downloaded.size) }),
    );

    // verify --------------------------------------------------------------
    await enter('verify');
    const onDisk = await sha256Of(system, downloaded.file);
    if (onDisk.size !== bundle.size) throw new HearthError('HEARTH_ERR_BUNDLE_SIZE_MISMATCH', { expected: bundle.size, actual: onDisk.size });
    if (onDisk.sha256 !== bundle.sha256) throw new HearthError('HEARTH_ERR_BUNDLE_CHECKSUM_MISMATCH', { expected: bundle.sha256, actual: onDisk.sha256 });
    job.info(t('updates:log.verified', { sha256: bundle.sha256.slice(0, 16), keyid: fetched.keyid.slice(0, 16) }));

    // snapshot ------------------------------------------------------------
    await enter('snapshot');
    const snapshot = await deps.snapshots.create(t('updates:snapshotLabel', { from, to }), job);
    journal.snapshotId = snapshot.id;
    job.info(t('updates:log.snapshot', { id: snapshot.id }));

    // unpack --------------------------------------------------------------
    journal.createdRelease = true;
    await enter('unpack');
    // A directory of that version that is not running (left by an earlier install) is replaced by the verified bundle's.
    await removePartials(system, layout, to);
    await system.removeTree(releaseDir(layout, to));
    await unpackBundle(downloaded.file, layout.releasesDir, to, {
      unpackedSize: bundle.unpackedSize,
      marginBytes: deps.marginBytes,
      onProgress: (bytes) => job.progress({ phase: 'unpack', done: Math.min(bytes, bundle.unpackedSize), total: bundle.unpackedSize, unit: 'bytes' }),
    });
    job.info(t('updates:log.unpacked', { dir: releaseDir(layout, to) }));
    // The unpacked release is all that is needed from here; the download goes.
    await system.removeFile(downloaded.file);
    bundleFile = undefined;

    // migrate -------------------------------------------------------------
    await enter('migrate');
    await system.removeTree(layout.migrateDir);
    await system.makeDirectory(layout.migrateDir, { mode: 0o700 });
    const copy = path.join(layout.migrateDir, 'hearth.db');
    await db.backup(copy);
    const tool = path.join(releaseDir(layout, to), 'dist/server/updates/launcher-tool.js');
    const trial = await job.run([process.execPath, tool, 'migrate-check', '--database', copy], { allowFailure: true, timeoutMs: 30 * 60_000 });
    await system.removeTree(layout.migrateDir);
    if (trial.code !== 0) {
      detail = (trial.stderr || trial.stdout).trim().split('\n').slice(-20).join('\n').slice(-4000) || null;
      throw new HearthError('HEARTH_ERR_UPDATE_MIGRATION_FAILED', { version: to });
    }
    job.info(t('updates:log.migrationChecked', { version: to }));

    // switch --------------------------------------------------------------
    await enter('switch');
    await switchCurrent(system, layout, to);
    job.info(t('updates:log.switched', { version: to }));

    // restart -------------------------------------------------------------
    await enter('restart');
    const restarted = await deps.restart();
    job.info(restarted ? t('updates:log.restarting', { version: to }) : t('updates:log.restartPending', { version: to }));
    return restarted ? { kind: 'restarting', from, to } : { kind: 'restart-pending', from, to };
  } catch (error) {
    const switched = !phasesBeforeSwitch.includes(journal.phase) && (await currentVersion(system, layout)) === journal.to;
    if (switched) {
      // Past the commit point of the files: the launcher decides at the next start (trial or rollback).
      throw error;
    }
    await undoBeforeSwitch(job, deps, journal, error, detail, bundleFile);
    throw error;
  }
}

/** A failure before the switch: remove what the update made, record why, leave the running release as it was. */
async function undoBeforeSwitch(job: JobContext, deps: UpdateMachineDeps, journal: UpdateJournal, error: unknown, detail: string | null, bundleFile: string | undefined) {
  const { system, layout } = deps;
  const failedPhase = journal.phase;
  try {
    await system.removeTree(layout.migrateDir);
    if (journal.to) {
      await removePartials(system, layout, journal.to);
      if (journal.createdRelease && journal.to !== journal.from && (await currentVersion(system, layout)) !== journal.to) await system.removeTree(releaseDir(layout, journal.to));
    }
    // A download cut short is kept to be resumed; a complete one that failed later goes (it takes space, and is quick to fetch again… or bad).
    if (bundleFile && failedPhase !== 'download') await system.removeFile(bundleFile);
  } finally {
    const now = new Date().toISOString();
    await deps.journal.record({
      id: journal.id,
      from: journal.from,
      to: journal.to,
      result: 'failed',
      phase: failedPhase,
      error: stored(error),
      detail: detail ?? (isHearthError(error) ? null : String((error as Error)?.message ?? error).slice(0, 4000)),
      log: null,
      snapshotId: journal.snapshotId,
      startedAt: journal.startedAt,
      endedAt: now,
      notified: false,
      ...(journal.language ? { language: journal.language } : {}),
    });
    await deps.journal.remove();
    job.info(job.t('updates:log.undone', { phase: failedPhase, version: journal.from }));
  }
}
