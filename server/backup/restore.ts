import path from 'node:path';
import Database from 'better-sqlite3';
import type { AppEnvironment } from '../apps/types.js';
import { reapplySavedApps } from '../apps/reapply.js';
import { HearthError, isHearthError } from '../errors.js';
import { faultPoint } from '../system/fault-injection.js';
import { createSetupCodeFile } from '../auth/setup-code.js';
import { formatBytes } from '../format.js';
import type { JobContext } from '../jobs/job-context.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { latestSchemaVersion, migrate, type Db } from '../store/database.js';
import { extractArchive, verifyArchive, type Manifest } from './archive/index.js';
import { displayPath } from './destination.js';
import { readJournal, removeJournal, writeJournal, type RestoreJournal } from './restore-journal.js';

export interface RestoreOptions {
  passphrase?: string;
  /** Everything up to the swap, then a report of what would change. */
  dryRun?: boolean;
  /** false: keep the current data directory even if the archive has one. */
  includeData?: boolean;
}

interface RestoreContext {
  db: Db;
  env: AppEnvironment;
  /** Takes a 'pre-restore' snapshot inside the restore's job: a way back even after the restore is committed. */
  snapshot?: (job: JobContext) => Promise<void>;
}

/** State files a backup carries (relative to $STATE); the database is restored through SQLite, not as a file. */
const stateFiles = ['secret.key', 'tls/key.pem', 'tls/cert.pem'];

const toJobProgress = (progress: { phase: string; bytesDone: number; bytesTotal: number }) => ({
  phase: progress.phase,
  done: progress.bytesDone,
  total: progress.bytesTotal,
  unit: 'bytes' as const,
});

/**
 * Restores an archive, in this order: verify the whole archive against its manifest →
 * refuse what this version cannot take → extract into staging → (dry run: report and
 * stop) → keep the pre-restore state (a copy of the database through SQLite's backup
 * API, the state files, the data directory moved aside) → swap in → migrate an older
 * database → re-apply every app's saved configuration → health check → commit. Any
 * failure after the swap began puts the pre-restore state back. Each phase change is
 * written to the restore journal first, so a crash is finished or undone at the next
 * start (recoverInterruptedRestore).
 *
 * The database is written into the live file with SQLite's backup API, so the
 * daemon's open connection sees the restored content at once, safely locked.
 */
export async function restoreFromArchive(job: JobContext, ctx: RestoreContext, file: string, options: RestoreOptions): Promise<void> {
  const { db, env } = ctx;
  const { system, paths } = env;
  const passphrase = options.passphrase ? { passphrase: options.passphrase } : {};

  job.info(job.t('backup:log.restoreVerifying', { file: displayPath(system, file) }));
  const manifest = await verifyArchive(file, { system, ...passphrase, onProgress: (progress) => job.progress(toJobProgress(progress)) });
  if (manifest.schemaVersion > latestSchemaVersion) {
    throw new HearthError('HEARTH_ERR_RESTORE_DB_TOO_NEW', { appVersion: manifest.appVersion, found: manifest.schemaVersion, supported: latestSchemaVersion });
  }
  if (!manifest.entries.some((entry) => entry.path === 'state/hearth.db')) throw new HearthError('HEARTH_ERR_ARCHIVE_MISSING_ENTRY', { path: 'state/hearth.db' });
  const hasConfig = manifest.entries.some((entry) => entry.path === 'config' || entry.path.startsWith('config/'));
  const includeData = options.includeData !== false && manifest.options.data;
  job.info(
    job.t('backup:log.restoreArchive', {
      host: manifest.hostname,
      at: manifest.createdAt,
      version: manifest.appVersion,
      contents: includeData ? job.t('backup:log.withData') : job.t('backup:log.withoutData'),
    }),
  );

  const workDir = path.join(paths.stateDir, 'restore', String(job.id));
  const journal: RestoreJournal = {
    jobId: job.id,
    phase: 'prepared',
    workDir,
    dataDir: includeData ? paths.dataDir : null,
    dataAside: includeData ? `${paths.dataDir}.pre-restore-${job.id}` : null,
    dataStaging: includeData ? `${paths.dataDir}.restore-${job.id}` : null,
    configDir: hasConfig ? paths.configDir : null,
    configAside: hasConfig ? `${paths.configDir}.pre-restore-${job.id}` : null,
    stateFiles: [],
  };
  const stage = path.join(workDir, 'stage');
  await system.makeDirectory(stage, { mode: 0o700 });
  await system.makeDirectory(path.dirname(paths.dataDir));
  await writeJournal(system, journal);

  try {
    job.info(job.t('backup:log.restoreExtracting'));
    await extractArchive(file, {
      system,
      ...passphrase,
      targets: { state: path.join(stage, 'state'), config: path.join(stage, 'config'), ...(journal.dataStaging ? { data: journal.dataStaging } : {}) },
      include: ['state', ...(hasConfig ? ['config'] : []), ...(includeData ? ['data'] : [])],
      onProgress: (progress) => job.progress(toJobProgress(progress)),
      syncFileSystem: (dir) => system.syncFileSystem(dir),
    });
    if (options.dryRun) {
      await reportChanges(job, ctx, manifest, stage, includeData);
      await cleanUp(ctx, journal);
      return;
    }

    // An older database is brought up to this version in staging, before anything live changes.
    const staged = new Database(path.join(stage, 'state', 'hearth.db'), { fileMustExist: true });
    try {
      migrate(staged);
    } finally {
      staged.close();
    }

    // A snapshot the owner can roll back to later, even once this restore is committed.
    if (ctx.snapshot) await ctx.snapshot(job);

    // The pre-restore state, complete before anything live changes.
    await db.backup(path.join(workDir, 'pre-restore.db'));
    for (const relative of stateFiles) {
      const current = await system.readFile(path.join(paths.stateDir, relative));
      if (current !== undefined) await system.writeFile(path.join(workDir, 'pre-state', relative), current, { mode: 0o600 });
      journal.stateFiles.push(relative);
    }
    journal.phase = 'swapping';
    await writeJournal(system, journal);
    faultPoint('restore:swapping');
  } catch (error) {
    await cleanUp(ctx, journal).catch(() => {});
    throw error;
  }

  let step = 'swap';
  try {
    await swapIn(job, ctx, journal, stage);
    faultPoint('restore:swapped');
    step = 'apps';
    job.info(job.t('backup:log.restoreReapplying'));
    await reapplySavedApps(job, env);
    faultPoint('restore:reapplied');
    step = 'health';
    healthCheck(db);
    journal.phase = 'committed';
    await writeJournal(system, journal);
    faultPoint('restore:committed');
  } catch (error) {
    const failure = isHearthError(error) ? error : new HearthError('HEARTH_ERR_INTERNAL', {}, { cause: error });
    job.output('err', job.t(`errors:${failure.code}`, failure.params));
    job.info(job.t('backup:log.rollingBack'));
    await rollBack(job, ctx, journal);
    throw new HearthError('HEARTH_ERR_RESTORE_FAILED', { step: job.t(`backup:restoreSteps.${step}`) }, { cause: error });
  }
  await cleanUp(ctx, journal);
  job.info(job.t('backup:log.restored', { at: manifest.createdAt }));
  // A backup made before activation: the box needs a setup code to be activated again.
  if (env.settings.get('activation.activatedAt') === null) {
    await createSetupCodeFile(system, paths).ensure();
    job.info(job.t('backup:log.restoredNotActivated'));
  }
}

/** Live files replaced by the staged ones; the pre-restore copies are already kept. */
async function swapIn(job: JobContext, ctx: RestoreContext, journal: RestoreJournal, stage: string): Promise<void> {
  const { db, env } = ctx;
  const { system, paths } = env;

  if (journal.dataDir && journal.dataStaging) {
    if (await system.pathType(journal.dataDir)) await system.rename(journal.dataDir, journal.dataAside!);
    faultPoint('restore:data-aside');
    await system.rename(journal.dataStaging, journal.dataDir);
    job.info(job.t('backup:log.restoreDataSwapped'));
  }
  if (journal.configDir) {
    if (await system.pathType(journal.configDir)) await system.rename(journal.configDir, journal.configAside!);
    await system.rename(path.join(stage, 'config'), journal.configDir);
  }
  for (const relative of journal.stateFiles) {
    const staged = await system.readFile(path.join(stage, 'state', relative));
    if (staged !== undefined) await system.writeFile(path.join(paths.stateDir, relative), staged, { mode: relative === 'tls/cert.pem' ? 0o644 : 0o600 });
  }
  faultPoint('restore:before-database');
  // Lines still buffered would be written while the database is replaced, and lost with it.
  job.flushLog();
  await replaceDatabase(db, path.join(stage, 'state', 'hearth.db'), paths.database);
  job.info(job.t('backup:log.restoreDatabaseSwapped'));
}

/**
 * What a restore does not turn back: the box's own recent life — its jobs and their
 * logs (this restore among them, with its locks), schedules, the backups it knows and
 * the notifications it sent — and the owner's open sessions (matched by user name).
 * Settings, accounts, app configuration and secrets come from the archive.
 */
const operationalTables = ['jobs', 'job_log', 'locks', 'schedules', 'backup_archives', 'backup_drills', 'notifications', 'notification_deliveries'];

/**
 * Replaces the live database with `replacement` (a file of this schema version) through
 * SQLite's backup API — the daemon's open connection sees it at once — after carrying
 * the operational tables of the live database over into the replacement.
 */
async function replaceDatabase(live: Db, replacement: string, liveFile: string): Promise<void> {
  const target = new Database(replacement, { fileMustExist: true });
  try {
    target.pragma('foreign_keys = OFF');
    const sessions = live
      .prepare<[], Record<string, unknown> & { username: string }>('SELECT s.*, u.username FROM sessions s JOIN users u ON u.id = s.user_id')
      .all();
    target.transaction(() => {
      for (const table of operationalTables) {
        target.exec(`DELETE FROM ${table}`);
        const rows = live.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>;
        if (rows.length === 0) continue;
        const columns = Object.keys(rows[0]!);
        const insert = target.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => '@' + c).join(', ')})`);
        for (const row of rows) insert.run(row);
      }
      const userIds = new Map(target.prepare<[], { id: number; username: string }>('SELECT id, username FROM users').all().map((u) => [u.username, u.id]));
      const insertSession = target.prepare(
        'INSERT OR IGNORE INTO sessions (id_hash, user_id, created_at, last_seen_at, absolute_expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)',
      );
      for (const session of sessions) {
        const userId = userIds.get(session.username);
        if (userId !== undefined) insertSession.run(session.id_hash, userId, session.created_at, session.last_seen_at, session.absolute_expires_at, session.ip, session.user_agent);
      }
    })();
    await target.backup(liveFile);
  } finally {
    target.close();
  }
}

function healthCheck(db: Db): void {
  const integrity = String(db.pragma('integrity_check', { simple: true }));
  if (integrity !== 'ok') throw new HearthError('HEARTH_ERR_RESTORE_HEALTH_CHECK', { reason: `integrity_check: ${integrity}` });
  const violations = db.pragma('foreign_key_check') as unknown[];
  if (violations.length) throw new HearthError('HEARTH_ERR_RESTORE_HEALTH_CHECK', { reason: `foreign_key_check: ${violations.length}` });
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version !== latestSchemaVersion) throw new HearthError('HEARTH_ERR_RESTORE_HEALTH_CHECK', { reason: `schema ${version}` });
}

/**
 * Puts the pre-restore state back: the database copy through SQLite, the state files,
 * the data and config directories moved aside; then the apps' configuration of that
 * state is applied again so system files match it. Safe to run again after a crash.
 */
async function rollBack(job: JobContext | undefined, ctx: RestoreContext, journal: RestoreJournal): Promise<void> {
  const { env } = ctx;
  const { system, paths } = env;
  const pre = path.join(journal.workDir, 'pre-restore.db');
  if ((await system.pathType(pre)) === 'file') {
    job?.flushLog();
    await replaceDatabase(ctx.db, pre, paths.database);
  }
  for (const relative of journal.stateFiles) {
    const saved = await system.readFile(path.join(journal.workDir, 'pre-state', relative));
    const live = path.join(paths.stateDir, relative);
    if (saved !== undefined) await system.writeFile(live, saved, { mode: relative === 'tls/cert.pem' ? 0o644 : 0o600 });
    else await system.removeFile(live);
  }
  for (const [live, aside] of [
    [journal.dataDir, journal.dataAside],
    [journal.configDir, journal.configAside],
  ] as const) {
    if (!live || !aside || (await system.pathType(aside)) === undefined) continue;
    if (await system.pathType(live)) {
      const failed = `${live}.failed-restore-${journal.jobId}`;
      await system.rename(live, failed);
      await system.removeTree(failed);
    }
    await system.rename(aside, live);
  }
  if (job) {
    try {
      await reapplySavedApps(job, env);
    } catch {
      // Reported by reapplySavedApps in the log; the files and database are back regardless.
    }
  }
  await cleanUp(ctx, journal);
  job?.info(job.t('backup:log.rolledBack'));
}

/** Removes what the restore made besides its result: staging, the pre-restore copies, the journal. */
async function cleanUp(ctx: RestoreContext, journal: RestoreJournal): Promise<void> {
  const { system } = ctx.env;
  for (const dir of [journal.dataStaging, journal.dataAside, journal.configAside]) if (dir) await system.removeTree(dir);
  await system.removeTree(journal.workDir);
  await removeJournal(system);
}

/** A dry run's report: what the restore would change, in the owner's terms. */
async function reportChanges(job: JobContext, ctx: RestoreContext, manifest: Manifest, stage: string, includeData: boolean): Promise<void> {
  const { env } = ctx;
  const staged = new Database(path.join(stage, 'state', 'hearth.db'), { readonly: true, fileMustExist: true });
  let archived: Map<string, string>;
  try {
    archived = new Map(staged.prepare<[], { app_id: string; params: string }>('SELECT app_id, params FROM app_params').all().map((row) => [row.app_id, row.params]));
  } finally {
    staged.close();
  }
  const current = new Map(env.saved.all().map((entry) => [entry.appId, JSON.stringify(entry.params)]));
  const name = (id: string) => job.t(`app-${id}:name`, { defaultValue: id });
  for (const [id, params] of archived) {
    if (!current.has(id)) job.info(job.t('backup:dryRun.appAdded', { app: name(id) }));
    else if (current.get(id) !== params) job.info(job.t('backup:dryRun.appChanged', { app: name(id) }));
  }
  for (const id of current.keys()) if (!archived.has(id)) job.info(job.t('backup:dryRun.appRemoved', { app: name(id) }));
  if (includeData) {
    const files = manifest.entries.filter((entry) => entry.path.startsWith('data/') && entry.type === 'file');
    const bytes = files.reduce((sum, entry) => sum + entry.size, 0);
    job.info(job.t('backup:dryRun.data', { files: files.length, size: formatBytes(bytes) }));
  } else {
    job.info(job.t('backup:dryRun.noData'));
  }
  job.info(job.t('backup:dryRun.done'));
}

/**
 * At start, before serving: a restore that a crash or power cut interrupted is
 * finished (committed: only cleanup was left) or undone (anything earlier), so the box
 * is in its pre-restore or its restored state, never a mix.
 */
export async function recoverInterruptedRestore(ctx: RestoreContext & { runner: JobRunner }, log: (message: string) => void): Promise<'none' | 'cleaned' | 'rolled-back'> {
  const journal = await readJournal(ctx.env.system);
  if (!journal) return 'none';
  if (journal.phase !== 'swapping') {
    // prepared: nothing live changed; committed: the restored state is complete.
    await cleanUp(ctx, journal);
    log(`restore ${journal.jobId}: cleaned up after an interruption (${journal.phase})`);
    return 'cleaned';
  }
  log(`restore ${journal.jobId}: interrupted while swapping; putting the pre-restore state back`);
  const { done } = ctx.runner.start(
    { appId: 'backups', action: 'restore-recovery', startedBy: 'daemon', params: { job: journal.jobId }, language: 'en', locks: ['maintenance', 'backup'] },
    (job) => rollBack(job, ctx, journal),
  );
  await done;
  return 'rolled-back';
}
