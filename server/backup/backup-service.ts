import path from 'node:path';
import Database from 'better-sqlite3';
import { backupSchedule, backupSettings, backupsAppId } from '../apps/backups/backups.js';
import type { AppEnvironment } from '../apps/types.js';
import { HearthError, isHearthError } from '../errors.js';
import { translator } from '../i18n.js';
import { formatBytes } from '../format.js';
import type { JobContext } from '../jobs/job-context.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobRecord } from '../jobs/job-store.js';
import { maintenanceLock } from '../jobs/locks.js';
import type { Notifications } from '../notifications/index.js';
import { appVersion } from '../paths.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import type { Db } from '../store/database.js';
import { schemaVersion } from '../store/database.js';
import { faultPoint } from '../system/fault-injection.js';
import { extractEntry, readManifest, verifyArchive, writeArchiveToFile, type ArchiveProgress, type ArchiveSource } from './archive/index.js';
import { archiveName, parseArchiveName } from './archive-names.js';
import { createArchiveRecords, type ArchiveRecord } from './archive-records.js';
import { apparentSize, checkDestination, displayPath } from './destination.js';
import { restoreFromArchive, recoverInterruptedRestore, type RestoreOptions } from './restore.js';

/** Backups, verification, drills and restores all take these: never two at once, never during an update. */
export const backupLocks = [maintenanceLock, 'backup'] as const;

export interface Starter {
  startedBy: string;
  language: string;
}

export interface BackupRequest {
  /** An absolute path on the box; default: the Backups app's destination. */
  destination?: string;
  data?: boolean;
  compression?: 'zstd' | 'gzip' | 'none';
  level?: number;
  /** Encrypts with this passphrase; default: the app's, when encryption is on. */
  passphrase?: string;
}

export interface BackupListing {
  name: string;
  path: string;
  size: number;
  createdAt: string;
  host: string;
  compression: string;
  encrypted: boolean;
  /** null when not known (an encrypted archive Hearth did not write). */
  data: boolean | null;
  entries: number | null;
  /** error: the code, with the params its message needs. */
  verified: { at: string; ok: boolean; error: { code: string; params: Record<string, string | number> } | null } | null;
}

/** Job progress from the archive engine's. */
export function toJobProgress(progress: ArchiveProgress) {
  return { phase: progress.phase, done: progress.bytesDone, total: progress.bytesTotal, unit: 'bytes' as const };
}

/**
 * Backups of the box: create (a consistent database copy, the appliance's own state
 * and config, and the owner's files), verify, the weekly restore drill, retention,
 * listing, the health warnings, and restore. Every operation is a job holding the
 * maintenance lock; the panel, `hearth backup` and the scheduler start the same jobs.
 */
export function createBackupService(deps: {
  db: Db;
  env: AppEnvironment;
  runner: JobRunner;
  notifications: Notifications;
  scheduler: Scheduler;
  /** The board profile's id for the manifest (a restore on another board can say so). */
  boardId?: () => Promise<string | null>;
  /** Takes a snapshot inside a job (the snapshot service is made after this one, hence a function). */
  snapshot?: (request: { label: string; reason: 'pre-restore' }, job: JobContext) => Promise<unknown>;
}) {
  const { db, env, runner, notifications, scheduler } = deps;
  const { system, paths, settings } = env;
  const records = createArchiveRecords(db);
  const iso = () => new Date(env.now()).toISOString();

  /** The state a backup carries besides the database: the key that opens sealed secrets, the certificate, config. */
  function stateSources(): ArchiveSource[] {
    return [
      { path: 'state/secret.key', from: path.join(paths.stateDir, 'secret.key'), optional: true },
      { path: 'state/tls', from: paths.tlsDir, optional: true },
      { path: 'config', from: paths.configDir, optional: true },
    ];
  }

  async function createBackup(job: JobContext, request: BackupRequest): Promise<void> {
    const configured = await backupSettings(env);
    const destination = request.destination ? paths.systemFile(request.destination) : configured.destination;
    const data = request.data ?? configured.includeData;
    const compression = request.compression ?? configured.compression;
    const level = request.level ?? configured.level;
    const passphrase = request.passphrase ?? configured.passphrase;
    const started = env.now();

    const estimate = await apparentSize(system, [paths.database, paths.tlsDir, paths.configDir, ...(data ? [paths.dataDir] : [])]);
    await checkDestination(system, destination, { neededBytes: estimate, allowSystemDisk: configured.allowSystemDisk || Boolean(request.destination) });
    job.info(
      job.t('backup:log.starting', {
        destination: displayPath(system, destination),
        contents: data ? job.t('backup:log.withData') : job.t('backup:log.withoutData'),
        compression,
        encrypted: passphrase ? job.t('backup:log.encrypted') : '',
      }).trim(),
    );

    // Debris of a backup that a crash or power cut interrupted: never listed, now removed.
    for (const entry of await system.listDirectory(destination)) {
      if (entry.type === 'file' && entry.name.endsWith('.partial') && parseArchiveName(entry.name.slice(0, -'.partial'.length))) {
        await system.removeFile(path.join(destination, entry.name));
        job.info(job.t('backup:log.partialRemoved', { name: entry.name }));
      }
    }

    const work = path.join(paths.stateDir, 'tmp', `backup-${job.id}`);
    await system.makeDirectory(work, { mode: 0o700 });
    try {
      // SQLite's online backup: a consistent copy while the daemon keeps writing.
      const copy = path.join(work, 'hearth.db');
      await db.backup(copy);
      job.info(job.t('backup:log.databaseCopied'));

      const hostname = await system.hostname();
      const name = archiveName(hostname, new Date(started), compression, Boolean(passphrase));
      const file = path.join(destination, name);
      const sources: ArchiveSource[] = [
        { path: 'state/hearth.db', from: copy },
        ...stateSources(),
        ...(data ? [{ path: 'data', from: paths.dataDir, optional: true, exclude: [destination] }] : []),
      ];
      const result = await writeArchiveToFile(file, {
        system,
        about: { appVersion, schemaVersion: schemaVersion(db), board: (await deps.boardId?.().catch(() => null)) ?? null, hostname, data },
        sources,
        compression,
        level,
        ...(passphrase ? { passphrase } : {}),
        now: () => new Date(env.now()),
        onProgress: (progress) => {
          job.progress(toJobProgress(progress));
          if (progress.phase === 'write' && progress.bytesDone > progress.bytesTotal / 2) faultPoint('backup:writing');
        },
      });
      for (const skipped of result.skipped) job.output('err', job.t('backup:log.skipped', { path: skipped.path, reason: skipped.reason }));
      const record: ArchiveRecord = {
        destination,
        name,
        size: result.bytesWritten,
        createdAt: result.manifest.createdAt,
        data,
        encrypted: Boolean(passphrase),
        compression,
        entries: result.manifest.totals.entries,
        bytes: result.manifest.totals.bytes,
        jobId: job.id,
        verifiedAt: null,
        verifyOk: null,
        verifyError: null,
      };
      records.save(record);
      job.info(
        job.t('backup:log.written', {
          name,
          size: formatBytes(result.bytesWritten),
          bytes: formatBytes(result.manifest.totals.bytes),
          entries: result.manifest.totals.entries,
        }),
      );

      // Read back in full before anything older is deleted.
      await verifyInto(job, destination, name, passphrase);
      await applyRetention(job, destination, configured.keep, name);
      const seconds = Math.max((env.now() - started) / 1000, 0.001);
      job.info(job.t('backup:log.done', { seconds: seconds.toFixed(1), rate: formatBytes(result.manifest.totals.bytes / seconds) }));
    } finally {
      await system.removeTree(work);
    }
  }

  async function verifyInto(job: JobContext, destination: string, name: string, passphrase: string | undefined): Promise<void> {
    const file = path.join(destination, name);
    job.info(job.t('backup:log.verifying', { name }));
    try {
      await verifyArchive(file, { system, ...(passphrase ? { passphrase } : {}), onProgress: (progress) => job.progress(toJobProgress(progress)) });
    } catch (error) {
      const failure = isHearthError(error) ? { code: error.code, params: error.params } : { code: 'HEARTH_ERR_INTERNAL', params: {} };
      records.markVerified(destination, name, iso(), false, JSON.stringify(failure));
      throw error;
    }
    records.markVerified(destination, name, iso(), true, null);
    job.info(job.t('backup:log.verified', { name }));
  }

  /** Keeps the newest `keep` archives of the destination, deleting older ones only now that the new one is verified. */
  async function applyRetention(job: JobContext, destination: string, keep: number, newest: string): Promise<void> {
    const archives = (await listArchiveFiles(destination)).sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
    const kept = new Set([newest, ...archives.filter((a) => a.name !== newest).slice(0, Math.max(keep - 1, 0)).map((a) => a.name)]);
    for (const archive of archives) {
      if (kept.has(archive.name)) continue;
      await system.removeFile(path.join(destination, archive.name));
      records.remove(destination, archive.name);
      job.info(job.t('backup:log.deleted', { name: archive.name }));
    }
  }

  async function listArchiveFiles(destination: string) {
    const files = [];
    for (const entry of await system.listDirectory(destination)) {
      const parsed = entry.type === 'file' ? parseArchiveName(entry.name) : undefined;
      if (parsed) files.push({ name: entry.name, size: entry.size, ...parsed });
    }
    return files;
  }

  async function list(destination?: string): Promise<BackupListing[]> {
    const dir = destination ? paths.systemFile(destination) : (await backupSettings(env)).destination;
    const listings: BackupListing[] = [];
    for (const file of await listArchiveFiles(dir)) {
      let record = records.get(dir, file.name);
      if (record && record.size !== file.size) record = undefined;
      // An archive Hearth did not write (copied in, or from another box): its manifest is cheap to read unless encrypted.
      if (!record && !file.encrypted) {
        try {
          const { manifest } = await readManifest(path.join(dir, file.name), { system });
          record = {
            destination: dir,
            name: file.name,
            size: file.size,
            createdAt: manifest.createdAt,
            data: manifest.options.data,
            encrypted: false,
            compression: manifest.options.compression,
            entries: manifest.totals.entries,
            bytes: manifest.totals.bytes,
            jobId: null,
            verifiedAt: null,
            verifyOk: null,
            verifyError: null,
          };
          records.save(record);
        } catch {
          // Not readable as a Hearth archive: listed by its name only; verify says why.
        }
      }
      listings.push({
        name: file.name,
        path: displayPath(system, path.join(dir, file.name)),
        size: file.size,
        createdAt: record?.createdAt ?? file.createdAt,
        host: file.host,
        compression: file.compression,
        encrypted: file.encrypted,
        data: record ? record.data : null,
        entries: record ? record.entries : null,
        verified: record?.verifiedAt ? { at: record.verifiedAt, ok: Boolean(record.verifyOk), error: parseFailure(record.verifyError) } : null,
      });
    }
    return listings.sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1));
  }

  /** An archive of the destination by name (no paths: a name from the panel or CLI never walks elsewhere). */
  async function findArchive(name: string, destination?: string): Promise<{ dir: string; name: string; file: string }> {
    const dir = destination ? paths.systemFile(destination) : (await backupSettings(env)).destination;
    if (!parseArchiveName(name) || (await system.pathType(path.join(dir, name))) !== 'file') throw new HearthError('HEARTH_ERR_BACKUP_NOT_FOUND', { name });
    return { dir, name, file: path.join(dir, name) };
  }

  /**
   * The restore drill: the newest archive read back in full, and its database copy
   * opened and checked with PRAGMA integrity_check. A backup nobody can restore is
   * noticed within a week instead of on the day it is needed.
   */
  async function drill(job: JobContext): Promise<void> {
    const configured = await backupSettings(env);
    const [newest] = await list();
    if (!newest) {
      job.info(job.t('backup:log.drillNothing'));
      return;
    }
    const { dir, file } = await findArchive(newest.name);
    const at = iso();
    const work = path.join(paths.stateDir, 'tmp', `drill-${job.id}`);
    await system.makeDirectory(work, { mode: 0o700 });
    try {
      await verifyInto(job, dir, newest.name, configured.passphrase);
      const copy = path.join(work, 'hearth.db');
      await extractEntry(file, 'state/hearth.db', copy, { system, ...(configured.passphrase ? { passphrase: configured.passphrase } : {}) });
      const check = new Database(copy, { readonly: true, fileMustExist: true });
      let result: string;
      try {
        result = String(check.pragma('integrity_check', { simple: true }));
      } finally {
        check.close();
      }
      if (result !== 'ok') throw new HearthError('HEARTH_ERR_ARCHIVE_CORRUPT', { path: 'state/hearth.db' });
      db.prepare('INSERT INTO backup_drills (at, archive, ok) VALUES (?, ?, 1)').run(at, newest.name);
      job.info(job.t('backup:log.drillPassed', { name: newest.name }));
    } catch (error) {
      const failure = isHearthError(error) ? error : new HearthError('HEARTH_ERR_INTERNAL', {}, { cause: error });
      db.prepare('INSERT INTO backup_drills (at, archive, ok, error_code, error_params) VALUES (?, ?, 0, ?, ?)').run(at, newest.name, failure.code, JSON.stringify(failure.params));
      await warn(job.t('backup:notify.drillFailedTitle'), job.t('backup:notify.drillFailedBody', { name: newest.name, reason: job.t(`errors:${failure.code}`, failure.params) }), 'error');
      throw failure;
    } finally {
      await system.removeTree(work);
    }
  }

  async function warn(title: string, body: string, level: 'warning' | 'error') {
    await notifications.notify({ level, title, body });
  }

  function lastDrill() {
    const row = db
      .prepare<[], { at: string; archive: string; ok: number; error_code: string | null; error_params: string | null }>(
        'SELECT at, archive, ok, error_code, error_params FROM backup_drills ORDER BY id DESC LIMIT 1',
      )
      .get();
    if (!row) return null;
    const error = row.error_code ? { code: row.error_code, params: row.error_params ? (JSON.parse(row.error_params) as Record<string, string | number>) : {} } : null;
    return { at: row.at, archive: row.archive, ok: row.ok === 1, errorCode: row.error_code, error };
  }

  /** What the dashboard and the Backups page show: is the box backed up, and can it be restored? */
  async function status() {
    const configured = await backupSettings(env);
    const lastGoodAt = records.lastGoodBackupAt() ?? null;
    const staleSince = lastGoodAt ? Date.parse(lastGoodAt) : Date.parse(settings.get('activation.activatedAt') ?? iso());
    const stale = env.now() - staleSince > configured.staleAfterDays * 86_400_000;
    const drillResult = lastDrill();
    // Only a drill that passes clears a failed one: a newer backup verifies against its own
    // checksums, and would carry along a damaged live database that the drill's integrity check caught.
    const drillFailing = drillResult !== null && !drillResult.ok;
    return {
      destination: configured.destinationShown,
      autoBackup: configured.autoBackup,
      lastGoodAt,
      staleAfterDays: configured.staleAfterDays,
      stale,
      lastDrill: drillResult,
      drillFailing,
    };
  }

  /** Once a day: tell the owner when backups have stopped, as long as it lasts. */
  async function checkHealth(t: JobContext['t']): Promise<void> {
    const current = await status();
    if (current.stale) {
      await warn(
        t('backup:notify.staleTitle'),
        current.lastGoodAt ? t('backup:notify.staleBody', { days: current.staleAfterDays, last: current.lastGoodAt }) : t('backup:notify.neverBody'),
        'warning',
      );
    }
  }

  const uploadsDir = path.join(paths.stateDir, 'uploads');
  const uploadKeepMs = 24 * 3_600_000;

  const backups = {
    records,
    list,
    status,
    findArchive,

    /**
     * An archive uploaded from the owner's computer for a restore, streamed to disk
     * (never held in memory) under $STATE/uploads. Uploads older than a day are removed
     * at each new one. Resolves with the upload's id.
     */
    async receiveUpload(source: NodeJS.ReadableStream): Promise<{ id: string; size: number }> {
      const { randomBytes } = await import('node:crypto');
      for (const entry of await system.listDirectory(uploadsDir)) {
        if (env.now() - entry.mtimeMs > uploadKeepMs) await system.removeFile(path.join(uploadsDir, entry.name));
      }
      const id = randomBytes(12).toString('hex');
      const size = await system.writeFileFromStream(path.join(uploadsDir, `${id}.archive`), source, { mode: 0o600 });
      return { id, size };
    },

    /** The file of an upload, by its id (24 hex digits; nothing else reaches the filesystem). */
    async uploadFile(id: string): Promise<string> {
      const file = path.join(uploadsDir, `${id}.archive`);
      if (!/^[0-9a-f]{24}$/.test(id) || (await system.pathType(file)) !== 'file') throw new HearthError('HEARTH_ERR_BACKUP_NOT_FOUND', { name: id });
      return file;
    },

    /** A backup job (what the panel, `hearth backup` and the scheduler start). */
    create(request: BackupRequest, starter: Starter) {
      return runner.start({ appId: backupsAppId, action: 'create', ...starter, params: redacted(request), locks: backupLocks }, (job) => createBackup(job, request));
    },

    /** Verifies an archive file on the box (absolute, under the root) against its manifest. */
    async verify(file: string, options: { passphrase?: string }, starter: Starter) {
      const passphrase = options.passphrase ?? (await backupSettings(env)).passphrase;
      const [dir, name] = [path.dirname(file), path.basename(file)];
      return runner.start({ appId: backupsAppId, action: 'verify', ...starter, params: { file: displayPath(system, file) }, locks: backupLocks }, (job) =>
        verifyInto(job, dir, name, passphrase),
      );
    },

    drill(starter: Starter) {
      return runner.start({ appId: backupsAppId, action: 'drill', ...starter, params: {}, locks: backupLocks }, drill);
    },

    /** Restores an archive (a file on the box); see restore.ts for the order of work. */
    restore(file: string, options: RestoreOptions, starter: Starter) {
      const params = { file: displayPath(system, file), dryRun: Boolean(options.dryRun), data: options.includeData !== false, ...(options.passphrase ? { passphrase: '••••' } : {}) };
      return runner.start({ appId: backupsAppId, action: options.dryRun ? 'restore-dry-run' : 'restore', ...starter, params, locks: backupLocks }, async (job) => {
        // Without a passphrase given, the one this box encrypts with (its own archives).
        const passphrase = options.passphrase ?? (await backupSettings(env)).passphrase;
        const snapshot = deps.snapshot;
        const context = { db, env, ...(snapshot ? { snapshot: async (inJob: JobContext) => void (await snapshot({ label: path.basename(file).slice(0, 80), reason: 'pre-restore' }, inJob)) } : {}) };
        await restoreFromArchive(job, context, file, { ...options, ...(passphrase ? { passphrase } : {}) });
      });
    },

    /** At start, before serving: finish or undo a restore a crash interrupted. */
    recover(log: (message: string) => void) {
      return recoverInterruptedRestore({ db, env, runner }, log);
    },
  };

  // The unattended work, read from the Backups app's settings at every decision.
  const cronAt = (hour: number, minute: number, days: number, weekday = '*') => `${minute} ${hour} ${days === 1 ? '*' : `*/${days}`} * ${weekday}`;
  const outcome = (job: JobRecord) => ({ jobId: job.id, status: job.status === 'succeeded' ? ('succeeded' as const) : ('failed' as const), ...(job.errorCode ? { errorCode: job.errorCode } : {}) });
  const scheduled = { startedBy: 'scheduler', language: 'en' };
  const timeOf = (text: string) => ({ hour: Number(text.slice(0, 2)), minute: Number(text.slice(3, 5)) });
  scheduler.define({
    id: 'auto-backup',
    unattended: true,
    cron: () => {
      const schedule = backupSchedule(env);
      const { hour, minute } = timeOf(schedule.backupTime);
      return schedule.autoBackup ? cronAt(hour, minute, schedule.everyDays) : null;
    },
    async run({ jobStarted }) {
      const { id, done } = backups.create({}, scheduled);
      jobStarted(id);
      return outcome(await done);
    },
  });
  scheduler.define({
    id: 'restore-drill',
    unattended: true,
    // Sundays, an hour after the backup time.
    cron: () => {
      const schedule = backupSchedule(env);
      const { hour, minute } = timeOf(schedule.backupTime);
      return schedule.drill ? cronAt((hour + 1) % 24, minute, 1, '0') : null;
    },
    async run({ jobStarted }) {
      const { id, done } = backups.drill(scheduled);
      jobStarted(id);
      return outcome(await done);
    },
  });
  scheduler.define({
    id: 'backup-health',
    unattended: false,
    cron: () => '0 9 * * *',
    async run() {
      await checkHealth(translator(scheduled.language));
      return { status: 'succeeded' };
    },
  });

  return backups;
}

/** A failure as stored: {code, params} JSON (older rows: a bare code). */
function parseFailure(stored: string | null): { code: string; params: Record<string, string | number> } | null {
  if (!stored) return null;
  try {
    const parsed = JSON.parse(stored) as { code?: unknown; params?: unknown };
    if (typeof parsed.code === 'string') return { code: parsed.code, params: (parsed.params ?? {}) as Record<string, string | number> };
  } catch {
    // a bare code
  }
  return { code: stored, params: {} };
}

function redacted(request: BackupRequest): Record<string, unknown> {
  const { passphrase, ...rest } = request;
  return passphrase ? { ...rest, passphrase: '••••' } : rest;
}

export type BackupService = ReturnType<typeof createBackupService>;
