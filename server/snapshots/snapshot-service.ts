import path from 'node:path';
import { snapshotSettings, snapshotsAppId } from '../apps/backups/snapshots.js';
import { reapplySavedApps } from '../apps/reapply.js';
import type { AppEnvironment } from '../apps/types.js';
import { HearthError, type ErrorCode } from '../errors.js';
import { formatBytes } from '../format.js';
import type { JobContext } from '../jobs/job-context.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobRecord } from '../jobs/job-store.js';
import { maintenanceLock } from '../jobs/locks.js';
import { appVersion, isInside } from '../paths.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { schemaVersion, type Db } from '../store/database.js';
import { faultPoint } from '../system/fault-injection.js';
import { isProcessAlive } from '../system/process-identity.js';
import { chooseDriver } from './choose-driver.js';
import { removeStateDir, type DriverContext } from './driver.js';
import { idFor, isSnapshotId, snapshotLayout } from './layout.js';
import { listDebris, listMeta, readJournal, readMeta, writeMeta } from './metadata.js';
import { retentionVictims } from './retention.js';
import { stageRollback } from './rollback.js';
import type { CreateRequest, DatabaseAccess, RollbackJournal, SnapshotMeta } from './types.js';

/** Snapshot jobs never overlap a backup, a restore or an update, nor each other. */
export const snapshotLocks = [maintenanceLock, 'snapshot'] as const;

export interface Starter {
  startedBy: string;
  language: string;
}

/** A snapshot as listed: its metadata, and whether a rollback to it waits for the restart. */
export interface SnapshotListing extends SnapshotMeta {
  rollbackPending: boolean;
}

export interface RollbackResult {
  snapshot: SnapshotMeta;
  /** The id the current state will have, as a pre-rollback snapshot, once swapped out. */
  preRollbackId: string;
  /** Always true: the swap happens when the daemon starts again, the database closed. */
  restartRequired: true;
}

const labelLimit = 80;
// No line breaks, no control characters (C0, DEL, C1), no line/paragraph separators: a label is printed in logs and terminals.
const badLabel = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

function checkedLabel(label: string | undefined): string {
  const text = (label ?? '').trim();
  if (text.length > labelLimit || badLabel.test(text)) throw new HearthError('HEARTH_ERR_SNAPSHOT_LABEL_INVALID', {});
  return text;
}

/**
 * Snapshots of the appliance's state: create, list, delete, roll back, retention, and the
 * daily snapshot. See index.ts for the interface other modules use.
 */
export function createSnapshotService(deps: { db: Db; env: AppEnvironment; runner: JobRunner; scheduler: Scheduler }) {
  const { db, env, runner, scheduler } = deps;
  const { system, paths } = env;
  const layout = snapshotLayout(paths);
  const database: DatabaseAccess = {
    checkpoint() {
      db.pragma('wal_checkpoint(TRUNCATE)');
    },
    async copyTo(file) {
      await db.backup(file);
    },
  };
  const contextFor = (job: JobContext): DriverContext => ({
    system,
    paths,
    exec: (argv, options) => job.run(argv, { timeoutMs: 30 * 60_000, ...options }),
    say: (key, params) => job.info(job.t(`snapshots:log.${key}`, params)),
  });

  async function find(id: string): Promise<SnapshotMeta> {
    const meta = isSnapshotId(id) ? await readMeta(system, layout, id) : undefined;
    if (!meta) throw new HearthError('HEARTH_ERR_SNAPSHOT_NOT_FOUND', { id: id.slice(0, 40) });
    return meta;
  }

  async function pendingRollback(): Promise<RollbackJournal | undefined> {
    try {
      return await readJournal(system, layout);
    } catch {
      return undefined;
    }
  }

  async function createIn(job: JobContext, request: CreateRequest): Promise<SnapshotMeta> {
    const label = checkedLabel(request.label);
    const ctx = contextFor(job);
    await system.makeDirectory(layout.root, { mode: 0o700 });
    const choice = await chooseDriver(system);
    ctx.say('driver', { driver: job.t(`snapshots:drivers.${choice.driver.name}`), fileSystem: choice.fileSystem });
    if (choice.notSubvolume) ctx.say('notSubvolume');
    // Only the default backups folder is left out: a destination elsewhere in the state is part of it.
    const destination = env.saved.get('backups')?.destination;
    if (typeof destination === 'string') {
      const dir = paths.systemFile(destination);
      if (isInside(paths.stateDir, dir) && !isInside(paths.backupsDir, dir)) ctx.say('backupsInState', { path: destination });
    }

    // What a crash left of an earlier create: never listed, removed now.
    for (const id of await listDebris(system, layout)) {
      if (id === (await pendingRollback())?.preRollbackId) continue;
      await removeStateDir(ctx, layout.state(id));
      await system.removeTree(layout.dir(id));
      ctx.say('debrisRemoved', { id });
    }
    await choice.driver.prepare(ctx);

    const needed = await choice.driver.bytesNeeded(ctx);
    const available = (await system.fileSystemOf(layout.root)).availableBytes;
    const wanted = needed + Math.max(needed * 0.1, 64 * 1024 * 1024);
    if (available < wanted) {
      throw new HearthError('HEARTH_ERR_SNAPSHOT_NO_SPACE', { path: '/' + path.relative(paths.root, paths.snapshotsDir), needed: formatBytes(wanted), available: formatBytes(available) });
    }

    const pending = await pendingRollback();
    const taken = new Set([...(await listMeta(system, layout)).map((m) => m.id), ...(pending ? [pending.preRollbackId] : [])]);
    const id = idFor(new Date(env.now()), taken);
    const started = env.now();
    let sizeBytes: number | null;
    try {
      ({ sizeBytes } = await choice.driver.capture(ctx, layout.state(id), database));
      faultPoint('snapshot:captured');
    } catch (error) {
      await removeStateDir(ctx, layout.state(id)).catch(() => {});
      await system.removeTree(layout.dir(id)).catch(() => {});
      throw error;
    }
    const meta: SnapshotMeta = {
      formatVersion: 1,
      id,
      label,
      reason: request.reason,
      createdAt: new Date(started).toISOString(),
      driver: choice.driver.name,
      sizeBytes,
      appVersion,
      schemaVersion: schemaVersion(db),
      jobId: job.id,
    };
    // Written last: a snapshot exists once its metadata does.
    await writeMeta(system, layout, meta);
    ctx.say('created', {
      id,
      reason: job.t(`snapshots:reasons.${meta.reason}`),
      size: sizeBytes === null ? job.t('snapshots:log.sizeShared') : formatBytes(sizeBytes),
      seconds: ((env.now() - started) / 1000).toFixed(2),
    });
    await pruneIn(job);
    return meta;
  }

  async function deleteIn(job: JobContext, id: string, why?: { keep: number }): Promise<void> {
    const meta = await find(id);
    if ((await pendingRollback())?.snapshotId === meta.id) throw new HearthError('HEARTH_ERR_SNAPSHOT_ROLLBACK_TARGET', { id: meta.id });
    const ctx = contextFor(job);
    // The metadata goes first: a deletion a crash interrupts leaves debris, never a listed snapshot with half its state.
    await system.removeFile(layout.meta(meta.id));
    await removeStateDir(ctx, layout.state(meta.id));
    await system.removeTree(layout.dir(meta.id));
    if (why) ctx.say('pruned', { id: meta.id, reason: job.t(`snapshots:reasons.${meta.reason}`), keep: why.keep });
    else ctx.say('deleted', { id: meta.id });
  }

  async function pruneIn(job: JobContext): Promise<void> {
    const settings = snapshotSettings(env);
    const pending = await pendingRollback();
    const victims = retentionVictims(await listMeta(system, layout), { scheduled: settings.keepScheduled, safety: settings.keepPreUpdate }, new Set(pending ? [pending.snapshotId] : []));
    for (const victim of victims) await deleteIn(job, victim.id, { keep: victim.reason === 'scheduled' ? settings.keepScheduled : settings.keepPreUpdate });
  }

  async function rollbackIn(job: JobContext, id: string): Promise<RollbackResult> {
    const meta = await find(id);
    const ctx = contextFor(job);
    const current = await chooseDriver(system);
    const journal = await stageRollback({ ...ctx, now: env.now, jobId: job.id }, meta, current);
    ctx.say('staged', { id: meta.id, pre: journal.preRollbackId });
    return { snapshot: meta, preRollbackId: journal.preRollbackId, restartRequired: true };
  }

  /** Runs `work` as a job of its own (panel, CLI, scheduler, or a caller without a job). */
  function startJob<T>(action: string, params: Record<string, unknown>, starter: Starter, work: (job: JobContext) => Promise<T>) {
    let result: T | undefined;
    const started = runner.start({ appId: snapshotsAppId, action, ...starter, params, locks: snapshotLocks }, async (job) => {
      result = await work(job);
    });
    return { ...started, result: () => result };
  }

  /** Awaits a job of its own and gives its result, or throws its error (HEARTH_ERR_BUSY when the lock is taken). */
  async function awaitJob<T>(started: { done: Promise<JobRecord>; result: () => T | undefined }): Promise<T> {
    const record = await started.done;
    if (record.status !== 'succeeded') throw new HearthError((record.errorCode ?? 'HEARTH_ERR_INTERNAL') as ErrorCode, record.errorParams ?? {});
    return started.result()!;
  }

  const internal = { startedBy: 'system', language: 'en' };

  const jobs = {
    create(request: CreateRequest, starter: Starter) {
      // Bad input is refused before a job exists.
      const label = checkedLabel(request.label);
      return startJob('create', { label, reason: request.reason }, starter, (job) => createIn(job, { ...request, label }));
    },
    delete(id: string, starter: Starter) {
      return startJob('delete', { id }, starter, (job) => deleteIn(job, id));
    },
    rollback(id: string, starter: Starter) {
      return startJob('rollback', { id }, starter, (job) => rollbackIn(job, id));
    },
  };

  const service = {
    layout,
    jobs,

    /** Every snapshot, newest first. Reads only files: works whatever the database holds. */
    async list(): Promise<SnapshotListing[]> {
      const pending = await pendingRollback();
      return (await listMeta(system, layout)).map((meta) => ({ ...meta, rollbackPending: pending?.snapshotId === meta.id }));
    },

    /** One snapshot, or HEARTH_ERR_SNAPSHOT_NOT_FOUND. */
    get: find,

    /** The driver a snapshot would use now, a waiting rollback, and the settings. */
    async status() {
      const choice = await chooseDriver(system);
      const pending = await pendingRollback();
      return {
        driver: choice.driver.name,
        fileSystem: choice.fileSystem,
        notSubvolume: choice.notSubvolume,
        pendingRollback: pending ? { snapshotId: pending.snapshotId, preRollbackId: pending.preRollbackId, stagedAt: pending.stagedAt, phase: pending.phase } : null,
        settings: snapshotSettings(env),
      };
    },

    /**
     * Takes a snapshot of the state. With `job` (a job that holds the maintenance lock, e.g.
     * the update's) it runs inside it and logs there; without, it runs as a job of its own
     * and throws HEARTH_ERR_BUSY while another holds the lock. Retention runs after it.
     */
    async create(request: CreateRequest, job?: JobContext): Promise<SnapshotMeta> {
      return job ? createIn(job, request) : awaitJob(jobs.create(request, internal));
    },

    /** Deletes a snapshot (not the one a waiting rollback needs). `job` as for create. */
    async delete(id: string, job?: JobContext): Promise<void> {
      return job ? deleteIn(job, id) : awaitJob(jobs.delete(id, internal));
    },

    /**
     * Stages a rollback to a snapshot; the swap happens at the daemon's next start,
     * before the database is opened (the daemon restarts itself for it within seconds;
     * the update launcher just starts it). `job` as for create.
     */
    async rollback(id: string, job?: JobContext): Promise<RollbackResult> {
      return job ? rollbackIn(job, id) : awaitJob(jobs.rollback(id, internal));
    },

    /** Applies retention now (the update calls it after a commit). `job` as for create. */
    async prune(job?: JobContext): Promise<void> {
      return job ? pruneIn(job) : awaitJob(startJob('prune', {}, internal, pruneIn));
    },

    /**
     * After a start that swapped a rolled-back state in: a job applies every app's saved
     * configuration again, so the system's files (hostname, SSH, swap …) match the
     * rolled-back settings, as after a restore. The marker goes when the job ends, done or
     * failed (the job's log says which); a crash before then repeats it at the next start.
     */
    async finishRollback(log: (message: string) => void): Promise<JobRecord | undefined> {
      const text = await system.readFile(layout.reapply);
      if (text === undefined) return undefined;
      let snapshotId = '';
      try {
        snapshotId = String((JSON.parse(text) as { snapshotId?: unknown }).snapshotId ?? '');
      } catch {
        // A damaged marker still means: apply again.
      }
      try {
        const started = runner.start({ appId: snapshotsAppId, action: 'rollback-reapply', startedBy: 'daemon', params: { id: snapshotId }, language: 'en', locks: snapshotLocks }, async (job) => {
          try {
            job.info(job.t('snapshots:log.reapplying', { id: snapshotId }));
            const applied = await reapplySavedApps(job, env);
            job.info(job.t('snapshots:log.reapplied', { count: applied.length }));
          } finally {
            await system.removeFile(layout.reapply);
          }
        });
        log(`rollback to snapshot ${snapshotId}: applying the apps' configuration again (job ${started.id})`);
        return await started.done;
      } catch (error) {
        log(`rollback to snapshot ${snapshotId}: the configuration is applied again at the next start (${(error as Error).message})`);
        return undefined;
      }
    },

    /**
     * True when a staged rollback waits and nobody holds the maintenance lock (the
     * rollback's job has ended, in this process or in a CLI): the daemon should restart.
     */
    async restartWanted(): Promise<boolean> {
      const pending = await pendingRollback();
      if (pending?.phase !== 'staged') return false;
      const holder = db.prepare<[string], { pid: number; pid_start: string | null }>('SELECT pid, pid_start FROM locks WHERE name = ?').get(maintenanceLock);
      return !holder || !isProcessAlive(holder.pid, holder.pid_start);
    },
  };

  // The daily snapshot, read from the Snapshots app's settings at every decision.
  const outcome = (record: JobRecord) => ({ jobId: record.id, status: record.status === 'succeeded' ? ('succeeded' as const) : ('failed' as const), ...(record.errorCode ? { errorCode: record.errorCode } : {}) });
  scheduler.define({
    id: 'auto-snapshot',
    unattended: true,
    cron: () => {
      const settings = snapshotSettings(env);
      if (!settings.autoSnapshot) return null;
      return `${Number(settings.snapshotTime.slice(3, 5))} ${Number(settings.snapshotTime.slice(0, 2))} * * *`;
    },
    async run({ jobStarted }) {
      const started = jobs.create({ reason: 'scheduled' }, { startedBy: 'scheduler', language: 'en' });
      jobStarted(started.id);
      return outcome(await started.done);
    },
  });

  return service;
}

export type SnapshotService = ReturnType<typeof createSnapshotService>;

