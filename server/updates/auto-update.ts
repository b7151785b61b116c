import type { AppEnvironment } from '../apps/types.js';
import { fetchRemembered } from './manifest-serials.js';
import { channelToUse, updateCohort, updateSettings, updatesAppId, type ChannelKind, type UpdateSettings } from '../apps/updates/updates.js';
import { isHearthError } from '../errors.js';
import { translator } from '../i18n.js';
import type { JobRunner } from '../jobs/job-runner.js';
import type { JobRecord, JobStore } from '../jobs/job-store.js';
import { maintenanceLock } from '../jobs/locks.js';
import { appVersion } from '../paths.js';
import type { Scheduler } from '../scheduler/scheduler.js';
import { isWindowOpen, maintenanceWindow, type MaintenanceWindow } from '../scheduler/window.js';
import type { SnapshotService } from '../snapshots/index.js';
import { chooseRelease, type HeldBack } from './channel.js';
import { releaseFailures } from './journal.js';
import type { TrustedKey } from './keys.js';
import type { Release } from './manifest.js';
import { upgradeSystemPackages, type PackageUpgradeResult } from './os-packages.js';
import { soakEndsAt, unacknowledgedFailure, unattendedBlocker, unattendedChoiceOptions, type UnattendedBlocker, type UnattendedFacts } from './policy.js';
import type { Starter, UpdateService } from './update-service.js';

/*
 * Updates for the owner: what the channel offers and why something is not installed by
 * itself (check), the owner's "update now" (startUpdate), acknowledging a failure, and the
 * unattended work the scheduler does in the maintenance window:
 *
 *   update-check   every `checkEveryHours` (not only in the window): reads the channel and
 *                  records what it offers; tells the owner once of a release that waits
 *                  for them (automatic updates off, or a breaking release).
 *   auto-update    once a night, at a random point of the window drawn after each run:
 *                  Debian packages (when the owner allowed it), then the guards of
 *                  policy.ts — paused after a failure, clock synchronized, a backup that
 *                  failed in this window — then the channel with the unattended choice
 *                  (soak time, cohort, never across a breaking release); with an update to
 *                  install and no fresh safe point in this window, a snapshot is taken
 *                  first (that is the safe point; the update takes its own pre-update one
 *                  too), and the update job runs.
 *
 * What each did and why is recorded (settings 'updates.lastCheck', 'updates.lastRun'):
 * the Updates page and `hearth update --check` say it. Busy (a backup or restore holds the
 * maintenance lock): the run is skipped, not failed; the next night tries again.
 */

export interface StoredError {
  code: string;
  params: Record<string, string | number>;
}

export interface ReleaseSummary {
  version: string;
  publishedAt: string;
  breaking: boolean;
  /** Per language; shown with releaseNotes() in the reader's. */
  notes: Record<string, string>;
}

export interface HeldBackRelease extends ReleaseSummary {
  /** 'soak', 'cohort', 'breaking' (chooseRelease's reasons). */
  reason: string;
  /** For 'soak': when it may be installed unattended. */
  until: string | null;
}

/** What a check of the channel found (settings 'updates.lastCheck'). */
export interface CheckRecord {
  at: string;
  channel: { kind: ChannelKind; url: string | null };
  current: string;
  /** Why the channel could not be read (no release server yet, unreachable, bad signature …). */
  error: StoredError | null;
  /** The newest release of the channel. */
  latest: ReleaseSummary | null;
  /** What "update now" installs: the newest allowed without the unattended guards (a breaking release needs the owner's yes). */
  available: (ReleaseSummary & { size: number; intermediate: boolean; bad: boolean }) | null;
  /** Why there is nothing to install (chooseRelease's reason), when `available` is null and the check worked. */
  reason: string | null;
  /** What an unattended run would install now, and what it holds back and why. */
  unattended: { version: string | null; heldBack: HeldBackRelease[] };
}

export type RunOutcome =
  /** Automatic updates are off (the run only upgraded Debian packages). */
  | 'disabled'
  | 'check-failed'
  | 'blocked'
  | 'up-to-date'
  | 'held-back'
  /** Another maintenance job held the lock: skipped, tried again next night. */
  | 'busy'
  | 'safe-point-failed'
  | 'update-failed'
  /** The update job switched to the new release; it checks itself at its start (the history says how it ended). */
  | 'updating';

/** What the last unattended run did and why (settings 'updates.lastRun'). */
export interface RunRecord {
  at: string;
  outcome: RunOutcome;
  version: string | null;
  jobId: number | null;
  blocker: UnattendedBlocker | null;
  heldBack: HeldBackRelease[];
  error: StoredError | null;
  /** The snapshot taken as the safe point, when there was none in the window. */
  snapshotId: string | null;
  os: { jobId: number | null; status: 'succeeded' | 'failed' | 'skipped'; upgraded: number; rebootRequired: boolean; error: StoredError | null } | null;
}

export interface AutoUpdateDeps {
  env: AppEnvironment;
  updates: UpdateService;
  backups: { status(): Promise<{ lastGoodAt: string | null }> };
  snapshots: SnapshotService;
  runner: JobRunner;
  jobs: JobStore;
  scheduler: Scheduler;
  /** The keys that verify the channel (as the update service's). */
  keys?: () => Promise<readonly TrustedKey[]>;
  /** Draws where in the window the next run starts, [0, 1); tests pass their own. */
  random?: () => number;
}

const hour = 3_600_000;
const scheduled: Starter = { startedBy: 'scheduler', language: 'en' };

function stored(error: unknown): StoredError {
  if (isHearthError(error)) return { code: error.code, params: error.params };
  return { code: 'HEARTH_ERR_INTERNAL', params: {} };
}

function summary(release: Release): ReleaseSummary {
  return { version: release.version, publishedAt: release.publishedAt, breaking: release.breaking, notes: release.notes };
}

/**
 * When the maintenance window that is open at `now` opened — or, when it is closed, the
 * last one. "A fresh safe point" is one made since then. Always open (24 h): the last day.
 */
export function windowOpenedAt(window: MaintenanceWindow, now: number, zone: string): number {
  if (window.hours >= 24) return now - 24 * hour;
  const minute = 60_000;
  const coarse = 15 * minute;
  let at = Math.floor(now / minute) * minute;
  // Back to the last open minute (the window is closed for at least an hour a day) …
  for (let steps = 0; !isWindowOpen(window, at, zone) && steps < 26 * 4; steps++) at -= coarse;
  // … then to its opening: coarse steps while the window stays open, then minute by minute.
  for (let steps = 0; isWindowOpen(window, at - coarse, zone) && steps < 26 * 4; steps++) at -= coarse;
  for (let steps = 0; isWindowOpen(window, at - minute, zone) && steps < 15; steps++) at -= minute;
  return at;
}

/** Minutes after the window opens that a run may be drawn to start at: leaves an hour of the window for the update itself, at most three hours. */
export function delaySpanMinutes(hours: number): number {
  return hours >= 24 ? 180 : Math.max(0, Math.min(180, hours * 60 - 60));
}

/** The cron expression of a daily run `delayMinutes` after the window's start ("HH:MM"). */
export function dailyCron(windowStart: string, delayMinutes: number): string {
  const { startMinute } = maintenanceWindow(windowStart, 1);
  const at = (startMinute + delayMinutes) % 1440;
  return `${at % 60} ${Math.floor(at / 60)} * * *`;
}

function readCheck(value: Record<string, unknown> | null): CheckRecord | null {
  return value && typeof value.at === 'string' && typeof value.current === 'string' && typeof value.unattended === 'object' ? (value as unknown as CheckRecord) : null;
}

function readRun(value: Record<string, unknown> | null): RunRecord | null {
  return value && typeof value.at === 'string' && typeof value.outcome === 'string' ? (value as unknown as RunRecord) : null;
}

export function createAutoUpdate(deps: AutoUpdateDeps) {
  const { env, updates, backups, snapshots, runner, jobs, scheduler } = deps;
  const { system, settings, notifications } = env;
  const random = deps.random ?? Math.random;
  const iso = (ms: number) => new Date(ms).toISOString();

  /** The system clock is synchronized (NTP), as systemd says; anything else (no timedatectl, no answer) is "not yet". */
  async function clockSynced(): Promise<boolean> {
    try {
      const answer = await system.run(['timedatectl', 'show', '-p', 'NTPSynchronized', '--value'], { timeoutMs: 10_000 });
      return answer.code === 0 && answer.stdout.trim() === 'yes';
    } catch {
      return false;
    }
  }

  /** The window's zone and hours as the scheduler sees them, and when it (last) opened. */
  async function windowNow(now: number) {
    const status = await scheduler.status();
    const window = maintenanceWindow(status.window.start, status.window.hours);
    return { status, openedAt: windowOpenedAt(window, now, status.zone) };
  }

  /** The facts the policy decides with (policy.ts). */
  async function gatherFacts(now: number, openedAt: number): Promise<UnattendedFacts> {
    const [synced, backupStatus, snapshotList, history] = await Promise.all([clockSynced(), backups.status(), snapshots.list(), updates.history()]);
    const times = [backupStatus.lastGoodAt, ...snapshotList.map((s) => s.createdAt)].filter((t): t is string => typeof t === 'string' && Number.isFinite(Date.parse(t)));
    const lastSafePointAt = times.sort((a, b) => Date.parse(b) - Date.parse(a))[0] ?? null;
    // The newest backup of this window failed: something is wrong with the backups (a drive gone, a full disk), and
    // a snapshot does not make up for it — only a backup that succeeds after it does.
    const newestBackup = jobs
      .recent(50, 'backups')
      .find((job) => job.action === 'create' && job.status !== 'running' && job.endedAt !== null && Date.parse(job.endedAt) >= openedAt);
    const failedBackupAt = newestBackup?.status === 'failed' ? newestBackup.endedAt : null;
    return {
      now,
      clockSynced: synced,
      cohort: updateCohort(settings),
      unacknowledgedFailure: unacknowledgedFailure(history, settings.get('updates.acknowledgedFailureAt')),
      windowOpenedAt: openedAt,
      lastSafePointAt,
      failedBackupAt,
    };
  }

  /**
   * Reads the channel and records what it offers: for the owner (what "update now"
   * installs) and for an unattended run (what the guards hold back, and until when).
   * A channel that cannot be read is recorded with the reason, never as "up to date".
   */
  async function check(options: { channel?: string } = {}): Promise<CheckRecord> {
    const configured = updateSettings(env);
    const now = env.now();
    const base = { at: iso(now), current: appVersion, latest: null, available: null, reason: null, unattended: { version: null, heldBack: [] } };
    let record: CheckRecord;
    let channel: CheckRecord['channel'] = { kind: configured.channel.kind, url: configured.channel.url };
    try {
      const chosen = channelToUse(configured, options.channel);
      channel = { kind: chosen.kind, url: chosen.url };
      const fetched = await fetchRemembered(settings, chosen.url, { ...(deps.keys ? { keys: await deps.keys() } : {}), ...(chosen.name ? { channel: chosen.name } : {}) });
      const byVersion = new Map(fetched.manifest.releases.map((release) => [release.version, release]));
      const owner = chooseRelease(fetched, { current: appVersion });
      const unattended = chooseRelease(fetched, { current: appVersion, ...unattendedChoiceOptions(configured.policy, { now, cohort: updateCohort(settings) }) });
      const failures = await updates.history();
      const held = (item: HeldBack): HeldBackRelease => {
        const release = byVersion.get(item.version)!;
        return { ...summary(release), reason: item.reason, until: item.reason === 'soak' ? soakEndsAt(configured.policy, release) : null };
      };
      record = {
        ...base,
        channel,
        error: null,
        latest: owner.latest ? summary(owner.latest) : null,
        available:
          owner.kind === 'update'
            ? { ...summary(owner.release), size: owner.bundle.size, intermediate: owner.intermediate, bad: releaseFailures(failures, owner.release.version) >= 3 }
            : null,
        reason: owner.kind === 'none' ? owner.reason : null,
        unattended: { version: unattended.kind === 'update' ? unattended.release.version : null, heldBack: unattended.heldBack.map(held) },
      };
    } catch (error) {
      if (!isHearthError(error)) throw error;
      record = { ...base, channel, error: stored(error) };
    }
    settings.set('updates.lastCheck', record as unknown as Record<string, unknown>);
    return record;
  }

  /**
   * The owner's update (panel, CLI): the newest release the channel allows, or `version`;
   * a breaking one only with allowBreaking. The unattended guards do not apply: the owner
   * said yes. The owner hears how it ended (a notification) as soon as it has.
   */
  async function startUpdate(request: { channel?: string; version?: string; allowBreaking?: boolean }, starter: Starter) {
    const chosen = channelToUse(updateSettings(env), request.channel);
    const started = await updates.start(
      {
        channel: chosen.url,
        ...(chosen.name ? { channelName: chosen.name } : {}),
        ...(request.version ? { version: request.version } : {}),
        ...(request.allowBreaking ? { allowBreaking: true } : {}),
      },
      starter,
    );
    // A failure before the switch is in the history now: told at once, not at the next start.
    const told = started.done.then(() => updates.notifyOutcomes()).catch(() => {});
    return { ...started, told };
  }

  /** The owner read about the failed update: unattended updates go on. Returns the failure acknowledged, or null when none waited. */
  async function acknowledge(): Promise<{ version: string; at: string } | null> {
    const waiting = unacknowledgedFailure(await updates.history(), settings.get('updates.acknowledgedFailureAt'));
    if (!waiting) return null;
    settings.set('updates.acknowledgedFailureAt', iso(Math.max(env.now(), Date.parse(waiting.at))));
    return waiting;
  }

  /** Debian packages, as a job of their own holding the maintenance lock. */
  async function upgradePackages(starter: Starter): Promise<NonNullable<RunRecord['os']>> {
    let result: PackageUpgradeResult | undefined;
    let started: { id: number; done: Promise<JobRecord> };
    try {
      started = runner.start({ appId: updatesAppId, action: 'os-upgrade', ...starter, params: {}, locks: [maintenanceLock, 'os-packages'] }, async (job) => {
        result = await upgradeSystemPackages(job);
      });
    } catch (error) {
      if (isHearthError(error) && error.code === 'HEARTH_ERR_BUSY') return { jobId: null, status: 'skipped', upgraded: 0, rebootRequired: false, error: stored(error) };
      throw error;
    }
    const job = await started.done;
    const t = translator(starter.language);
    if (job.status !== 'succeeded' || !result) {
      const error = { code: job.errorCode ?? 'HEARTH_ERR_INTERNAL', params: job.errorParams ?? {} };
      await notifications.notify({ level: 'error', title: t('updates:notify.osFailedTitle'), body: t('updates:notify.osFailedBody', { reason: t(`errors:${error.code}`, error.params) }) });
      return { jobId: started.id, status: 'failed', upgraded: 0, rebootRequired: false, error };
    }
    if (result.upgraded.length > 0 || result.rebootRequired) {
      await notifications.notify({
        level: result.rebootRequired ? 'warning' : 'info',
        title: t('updates:notify.osUpgradedTitle', { count: result.upgraded.length }),
        body: t(result.rebootRequired ? 'updates:notify.osRebootBody' : 'updates:notify.osUpgradedBody', { count: result.upgraded.length, packages: result.upgraded.slice(0, 20).join(', ') }),
      });
    }
    return { jobId: started.id, status: 'succeeded', upgraded: result.upgraded.length, rebootRequired: result.rebootRequired, error: null };
  }

  /** A snapshot as the safe point of this window. */
  async function takeSafePoint(): Promise<{ id: string } | { error: StoredError; busy: boolean }> {
    let started;
    try {
      started = snapshots.jobs.create({ label: translator(scheduled.language)('updates:safePointLabel'), reason: 'pre-update' }, scheduled);
    } catch (error) {
      return { error: stored(error), busy: isHearthError(error) && error.code === 'HEARTH_ERR_BUSY' };
    }
    const job = await started.done;
    const meta = started.result();
    if (job.status !== 'succeeded' || !meta) return { error: { code: job.errorCode ?? 'HEARTH_ERR_INTERNAL', params: job.errorParams ?? {} }, busy: job.errorCode === 'HEARTH_ERR_BUSY' };
    return { id: meta.id };
  }

  /**
   * One unattended run (the scheduler's 'auto-update', inside the window). Records what
   * it did and why, and resolves with the scheduler's outcome of it.
   */
  async function runUnattended(): Promise<RunRecord> {
    const configured: UpdateSettings = updateSettings(env);
    const record: RunRecord = { at: iso(env.now()), outcome: 'disabled', version: null, jobId: null, blocker: null, heldBack: [], error: null, snapshotId: null, os: null };
    const finish = (outcome: RunOutcome, extra: Partial<RunRecord> = {}): RunRecord => {
      Object.assign(record, { outcome, ...extra });
      settings.set('updates.lastRun', record as unknown as Record<string, unknown>);
      return record;
    };
    try {
      // Debian packages first: a Hearth update ends with a restart, and nothing after it would run.
      if (configured.osPackages) record.os = await upgradePackages(scheduled);
      if (!configured.autoUpdate) return finish('disabled');

      const { openedAt } = await windowNow(env.now());
      const facts = await gatherFacts(env.now(), openedAt);
      // The safe point is made below, only when there is something to install.
      const blocker = unattendedBlocker({ ...configured.policy, requireFreshBackup: false }, facts) ?? (facts.failedBackupAt && configured.policy.requireFreshBackup ? unattendedBlocker(configured.policy, facts) : undefined);
      if (blocker) return finish('blocked', { blocker });

      const checked = await check();
      if (checked.error) return finish('check-failed', { error: checked.error });
      record.heldBack = checked.unattended.heldBack;
      const version = checked.unattended.version;
      if (version === null) return finish(checked.unattended.heldBack.length > 0 ? 'held-back' : 'up-to-date');
      record.version = version;

      if (configured.policy.requireFreshBackup && unattendedBlocker(configured.policy, facts)?.reason === 'no-fresh-backup') {
        const safePoint = await takeSafePoint();
        if ('error' in safePoint) {
          if (safePoint.busy) return finish('busy', { error: safePoint.error });
          return finish('safe-point-failed', { error: safePoint.error, blocker: { reason: 'no-fresh-backup', since: iso(openedAt) } });
        }
        record.snapshotId = safePoint.id;
        const again = unattendedBlocker(configured.policy, await gatherFacts(env.now(), openedAt));
        if (again) return finish('blocked', { blocker: again });
      }

      let started;
      try {
        started = await startUpdate({ version }, scheduled);
      } catch (error) {
        if (isHearthError(error) && error.code === 'HEARTH_ERR_BUSY') return finish('busy', { error: stored(error) });
        return finish('update-failed', { error: stored(error) });
      }
      record.jobId = started.id;
      const job = await started.done;
      await started.told;
      if (job.status !== 'succeeded') return finish(job.errorCode === 'HEARTH_ERR_BUSY' ? 'busy' : 'update-failed', { error: { code: job.errorCode ?? 'HEARTH_ERR_INTERNAL', params: job.errorParams ?? {} } });
      const outcome = await started.outcome;
      if (outcome?.kind === 'up-to-date') return finish('up-to-date');
      if (outcome?.kind === 'held-back') return finish('held-back');
      return finish('updating');
    } catch (error) {
      if (!isHearthError(error)) throw error;
      return finish(error.code === 'HEARTH_ERR_BUSY' ? 'busy' : 'check-failed', { error: stored(error) });
    } finally {
      // Where in the window the next night's run starts.
      settings.set('updates.delayDraw', random());
    }
  }

  /** After a scheduled check: tell the owner, once per version, of a release that waits for them. */
  async function announce(record: CheckRecord): Promise<void> {
    const configured = updateSettings(env);
    const breaking = record.unattended.heldBack.find((item) => item.reason === 'breaking');
    const waiting = breaking ?? (!configured.autoUpdate && record.available ? record.available : undefined);
    if (!waiting || settings.get('updates.announcedVersion') === waiting.version) return;
    const t = translator(scheduled.language);
    const key = breaking ? 'breaking' : 'available';
    await notifications.notify({
      level: 'info',
      title: t(`updates:notify.${key}Title`, { version: waiting.version }),
      body: t(`updates:notify.${key}Body`, { version: waiting.version, current: appVersion }),
    });
    settings.set('updates.announcedVersion', waiting.version);
  }

  function delayDraw(): number {
    const drawn = settings.get('updates.delayDraw');
    if (drawn !== null) return Math.min(drawn, 0.999999);
    const draw = random();
    settings.set('updates.delayDraw', draw);
    return draw;
  }

  scheduler.define({
    id: 'auto-update',
    unattended: true,
    cron: () => {
      const configured = updateSettings(env);
      if (!configured.autoUpdate && !configured.osPackages) return null;
      const hours = settings.get('maintenance.windowHours');
      return dailyCron(settings.get('maintenance.windowStart'), Math.floor(delayDraw() * delaySpanMinutes(hours)));
    },
    async run() {
      const record = await runUnattended();
      const failed = record.outcome === 'update-failed' || record.outcome === 'safe-point-failed' || record.outcome === 'check-failed' || record.os?.status === 'failed';
      return {
        ...(record.jobId !== null ? { jobId: record.jobId } : {}),
        status: record.outcome === 'busy' ? 'skipped' : failed ? 'failed' : 'succeeded',
        ...(record.error ? { errorCode: record.error.code } : {}),
      };
    },
  });

  scheduler.define({
    id: 'update-check',
    unattended: false,
    // Spread over the hour by the cohort, so boxes do not all ask the channel at the same minute.
    cron: () => `${updateCohort(settings) % 60} */${updateSettings(env).checkEveryHours} * * *`,
    async run() {
      const record = await check();
      if (!record.error) await announce(record);
      return { status: record.error ? 'failed' : 'succeeded', ...(record.error ? { errorCode: record.error.code } : {}) };
    },
  });

  /** Everything the Updates page and `hearth update --check` show, from what is recorded (no network). */
  async function overview() {
    const configured = updateSettings(env);
    const now = env.now();
    const [status, history, { status: schedule, openedAt }] = await Promise.all([updates.status(), updates.history(), windowNow(now)]);
    const facts = await gatherFacts(now, openedAt);
    // No fresh safe point is not a reason by itself: the run takes a snapshot first. A backup that failed in this window is.
    const blocker = unattendedBlocker({ ...configured.policy, requireFreshBackup: false }, facts) ?? (facts.failedBackupAt && configured.policy.requireFreshBackup ? unattendedBlocker(configured.policy, facts) : undefined);
    const task = (id: string) => schedule.tasks.find((t) => t.id === id);
    return {
      current: appVersion,
      installed: status.installed,
      inProgress: status.inProgress,
      autoUpdate: configured.autoUpdate,
      channel: configured.channel,
      policy: configured.policy,
      osPackages: configured.osPackages,
      checkEveryHours: configured.checkEveryHours,
      cohort: facts.cohort,
      clockSynced: facts.clockSynced,
      lastSafePointAt: facts.lastSafePointAt,
      snapshotFirst: configured.policy.requireFreshBackup && unattendedBlocker(configured.policy, facts)?.reason === 'no-fresh-backup',
      window: schedule.window,
      nextRunAt: task('auto-update')?.nextRunAt ?? null,
      nextCheckAt: task('update-check')?.nextRunAt ?? null,
      lastCheck: readCheck(settings.get('updates.lastCheck')),
      lastRun: readRun(settings.get('updates.lastRun')),
      blocker: blocker ?? null,
      paused: facts.unacknowledgedFailure,
      history,
    };
  }

  return { check, startUpdate, acknowledge, runUnattended, overview, upgradePackages };
}

export type AutoUpdate = ReturnType<typeof createAutoUpdate>;
export type UpdateOverview = Awaited<ReturnType<AutoUpdate['overview']>>;

/** For messages: a blocker's text key and parameters (updates:policy.<reason>). */
export function blockerText(blocker: UnattendedBlocker, date: (iso: string) => string = (iso) => iso): { key: string; params: Record<string, string> } {
  switch (blocker.reason) {
    case 'paused-after-failure':
      return { key: 'updates:policy.paused-after-failure', params: { version: blocker.version, at: date(blocker.at) } };
    case 'backup-failed':
      return { key: 'updates:policy.backup-failed', params: { at: date(blocker.at) } };
    case 'no-fresh-backup':
      return { key: 'updates:policy.no-fresh-backup', params: { since: date(blocker.since) } };
    default:
      return { key: `updates:policy.${blocker.reason}`, params: {} };
  }
}

