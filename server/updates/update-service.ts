import path from 'node:path';
import type { AppEnvironment } from '../apps/types.js';
import { fetchRemembered } from './manifest-serials.js';
import { translator } from '../i18n.js';
import type { JobRunner } from '../jobs/job-runner.js';
import { maintenanceLock } from '../jobs/locks.js';
import type { Notifications } from '../notifications/index.js';
import { appVersion } from '../paths.js';
import type { Db } from '../store/database.js';
import type { System } from '../system/index.js';
import { isProcessAlive } from '../system/process-identity.js';
import { chooseDriver } from '../snapshots/choose-driver.js';
import { execThrough } from '../snapshots/driver.js';
import type { SnapshotService } from '../snapshots/index.js';
import { chooseRelease, type ReleaseChoice } from './channel.js';
import { confirmStart as confirmTrialStart } from './health.js';
import { bootId, createJournalStore, releaseFailures, type HistoryEntry, type UpdateJournal } from './journal.js';
import { currentVersion, installLayout, isInstalled, pruneReleases, releaseDir } from './layout.js';
import type { TrustedKey } from './keys.js';
import type { Release } from './manifest.js';
import { assertReadyToUpdate, runUpdate, type PreUpdateSnapshots, type UpdateOutcome, type UpdateRequest } from './update-machine.js';

/*
 * The updates of the appliance, for the panel, the CLI and the scheduler (which come
 * with the policy): check() what the channel offers, start() an update job, status() and
 * history(). The daemon calls confirmStart() once it serves (a release on trial marks
 * itself good) and notifyOutcomes() (the owner hears of updates and rollbacks the
 * launcher did while no daemon ran).
 *
 *   const updates = createUpdateService({ db, env, runner, notifications, snapshots });
 *   const { id, done } = updates.start({ channel: 'https://…/stable/manifest.json' }, starter);
 */

export interface Starter {
  startedBy: string;
  language: string;
}

export interface UpdateServiceOptions {
  /** Starts of a new release before the launcher rolls it back (default 3). */
  maxStarts?: number;
  /** Seconds a start on trial has to mark itself good (default 120). */
  trialSeconds?: number;
  /** A release that failed this often is not tried again until a newer one appears (default 3). */
  badAfter?: number;
  /** Kept free on top of what an update writes (default 64 MiB). */
  marginBytes?: number;
  /** Releases kept after a commit: the running one and the previous one (default 2). */
  keepReleases?: number;
  /** The keys that verify a channel's manifest (default: <packageRoot>/keys of the running release). */
  keys?: () => Promise<readonly TrustedKey[]>;
}

export interface PreUpdateSnapshotService extends PreUpdateSnapshots {
  /** Removes pre-update snapshots beyond their retention (after a commit). */
  prune(): Promise<void>;
}

/** The snapshot service as the update needs it: a pre-update snapshot inside the update's job, its space, retention. */
export function preUpdateSnapshots(snapshots: SnapshotService, system: System): PreUpdateSnapshotService {
  return {
    async create(label, job) {
      const meta = await snapshots.create({ label: label.slice(0, 80), reason: 'pre-update' }, job);
      return { id: meta.id };
    },
    async spaceNeeded() {
      const { driver } = await chooseDriver(system);
      const bytes = await driver.bytesNeeded({ system, paths: system.paths, exec: execThrough(system), say: () => {} });
      return [{ dir: system.paths.snapshotsDir, bytes }];
    },
    async prune() {
      await snapshots.prune();
    },
  };
}

export interface UpdateCheck {
  current: string;
  installed: boolean;
  /** The newest release of the channel, whatever the choice. */
  latest: { version: string; publishedAt: string; notes: Record<string, string> } | null;
  choice: { kind: 'update'; version: string; notes: Record<string, string>; size: number; intermediate: boolean; downgrade: boolean; bad: boolean } | { kind: 'none'; reason: string };
  heldBack: Array<{ version: string; reason: string }>;
}

export interface UpdateStatus {
  current: string;
  installed: boolean;
  /** The update under way (or waiting for a restart), if any. */
  inProgress: Pick<UpdateJournal, 'id' | 'from' | 'to' | 'phase' | 'startedAt' | 'starts' | 'jobId'> | null;
  last: HistoryEntry | null;
}

export function createUpdateService(deps: {
  db: Db;
  env: AppEnvironment;
  runner: JobRunner;
  notifications: Notifications;
  snapshots: PreUpdateSnapshotService;
  options?: UpdateServiceOptions;
}) {
  const { db, env, runner, notifications, snapshots } = deps;
  const { system, paths } = env;
  const options = deps.options ?? {};
  const layout = installLayout(paths);
  const journal = createJournalStore(system, layout);
  const trial = { maxStarts: options.maxStarts ?? 3, seconds: options.trialSeconds ?? 120 };
  const badAfter = options.badAfter ?? 3;
  const marginBytes = options.marginBytes ?? 64 * 1024 * 1024;

  /**
   * The restart that ends an update: SIGTERM to the daemon the launcher started (its pid,
   * start time and boot in daemon.pid, so a reused pid is never signalled). The daemon
   * stops cleanly and systemd (Restart=always) runs the launcher again. When the job runs in
   * the daemon itself, the daemon waits for the job to end before it exits.
   */
  async function restartDaemon(): Promise<boolean> {
    const text = await system.readFile(layout.daemonPid);
    if (!text) return false;
    let daemon: { pid?: unknown; pidStart?: unknown; bootId?: unknown };
    try {
      daemon = JSON.parse(text) as typeof daemon;
    } catch {
      return false;
    }
    if (typeof daemon.pid !== 'number' || (daemon.bootId && daemon.bootId !== bootId())) return false;
    if (!isProcessAlive(daemon.pid, typeof daemon.pidStart === 'string' ? daemon.pidStart : null)) return false;
    process.kill(daemon.pid, 'SIGTERM');
    return true;
  }

  /** After the new release marked itself good: what the update no longer needs goes, and the history says it. */
  async function finishCommit(committed: UpdateJournal): Promise<void> {
    const to = committed.to!;
    const keep = [to, committed.from];
    if ((options.keepReleases ?? 2) < 2) keep.pop();
    await pruneReleases(system, layout, keep);
    // Retention of pre-update snapshots; busy (a backup from the CLI holds the lock): the next commit or scheduled run does it.
    await snapshots.prune().catch(() => {});
    // The launcher is replaced only now that the release it comes with has proved itself.
    for (const [name, target] of [
      ['launcher.mjs', layout.launcherModule],
      ['launcher', layout.launcher],
    ] as const) {
      const text = await system.readFile(path.join(releaseDir(layout, to), 'scripts', name));
      if (text !== undefined && text !== (await system.readFile(target))) await system.writeFile(target, text, { mode: 0o755 });
    }
    for (const entry of await system.listDirectory(layout.stagingDir)) {
      if (entry.type === 'file' && entry.name.startsWith(`hearth-${to}-`)) await system.removeFile(path.join(layout.stagingDir, entry.name));
    }
    await journal.record({
      id: committed.id,
      from: committed.from,
      to,
      result: 'updated',
      phase: null,
      error: null,
      detail: null,
      log: null,
      snapshotId: committed.snapshotId,
      startedAt: committed.startedAt,
      endedAt: new Date().toISOString(),
      notified: false,
      ...(committed.language ? { language: committed.language } : {}),
    });
    await journal.remove();
  }

  function summarize(release: Release) {
    return { version: release.version, publishedAt: release.publishedAt, notes: release.notes };
  }

  const service = {
    layout,
    journal,

    /** What the channel offers this box now (no job, nothing written). */
    async check(request: Pick<UpdateRequest, 'channel' | 'channelName' | 'allowDowngrade' | 'allowBreaking' | 'version'>): Promise<UpdateCheck> {
      const fetched = await fetchRemembered(env.settings, request.channel, { ...(options.keys ? { keys: await options.keys() } : {}), ...(request.channelName ? { channel: request.channelName } : {}) });
      const choice: ReleaseChoice = chooseRelease(fetched, {
        current: appVersion,
        ...(request.version !== undefined ? { version: request.version } : {}),
        ...(request.allowDowngrade ? { allowDowngrade: true } : {}),
        ...(request.allowBreaking ? { allowBreaking: true } : {}),
      });
      const history = await journal.history();
      return {
        current: appVersion,
        installed: await isInstalled(system, layout),
        latest: choice.latest ? summarize(choice.latest) : null,
        choice:
          choice.kind === 'update'
            ? {
                kind: 'update',
                version: choice.release.version,
                notes: choice.release.notes,
                size: choice.bundle.size,
                intermediate: choice.intermediate,
                downgrade: choice.downgrade,
                bad: releaseFailures(history, choice.release.version) >= badAfter,
              }
            : { kind: 'none', reason: choice.reason },
        heldBack: choice.heldBack,
      };
    },

    /**
     * Starts an update job (maintenance lock: never during a backup, restore or another
     * update). Refused at once, creating no job, when the box is not installed in the
     * layout, a restart is pending or another update runs.
     */
    async start(request: UpdateRequest, starter: Starter): Promise<{ id: number; done: Promise<import('../jobs/job-store.js').JobRecord>; outcome: Promise<UpdateOutcome | undefined> }> {
      await assertReadyToUpdate({ system, layout, journal, runningVersion: appVersion });
      let outcome: UpdateOutcome | undefined;
      const params = { channel: request.channel, ...(request.version ? { version: request.version } : {}), ...(request.allowDowngrade ? { allowDowngrade: true } : {}) };
      const { id, done } = runner.start({ appId: 'updates', action: 'update', ...starter, params, locks: [maintenanceLock, 'update'] }, async (job) => {
        const keys = options.keys ? { keys: await options.keys() } : {};
        outcome = await runUpdate(job, { db, system, layout, journal, snapshots, runningVersion: appVersion, restart: restartDaemon, trial, badAfter, marginBytes, language: starter.language, ...keys }, request);
      });
      return { id, done, outcome: done.then(() => outcome) };
    },

    async status(): Promise<UpdateStatus> {
      const read = await journal.read();
      const entries = await journal.history();
      const open = read.journal;
      return {
        current: appVersion,
        installed: await isInstalled(system, layout),
        inProgress: open ? { id: open.id, from: open.from, to: open.to, phase: open.phase, startedAt: open.startedAt, starts: open.starts, jobId: open.jobId } : null,
        last: entries.at(-1) ?? null,
      };
    },

    /** Finished updates, newest first. */
    async history(): Promise<HistoryEntry[]> {
      return (await journal.history()).reverse();
    },

    /** The daemon's start, once it serves: see health.ts. */
    confirmStart(options: { url: string; schedulerRunning: () => boolean; version?: string }) {
      return confirmTrialStart({ db, system, layout, journal, url: options.url, version: options.version ?? appVersion, schedulerRunning: options.schedulerRunning, finishCommit });
    },

    /** Tells the owner (notification list) of each finished update not told yet — also those the launcher finished. */
    async notifyOutcomes(): Promise<void> {
      const pending = (await journal.history()).filter((entry) => !entry.notified);
      if (pending.length === 0) return;
      for (const entry of pending) {
        const t = translator(entry.language ?? 'en');
        const reason = entry.error ? t(`errors:${entry.error.code}`, entry.error.params) : '';
        const level = entry.result === 'updated' ? 'info' : entry.result === 'interrupted' ? 'warning' : 'error';
        const key = entry.result === 'rolled-back' ? 'rolledBack' : entry.result;
        await notifications.notify({
          level,
          title: t(`updates:notify.${key}Title`, { from: entry.from, to: entry.to ?? '?' }),
          body: t(`updates:notify.${key}Body`, { from: entry.from, to: entry.to ?? '?', phase: entry.phase ? t(`updates:phase.${entry.phase}`) : '', reason }),
        });
      }
      await journal.markNotified(pending.map((entry) => entry.id));
    },

    /** The version `current` points at (may differ from the running one while a restart is pending). */
    installedVersion: () => currentVersion(system, layout),
  };
  return service;
}

export type UpdateService = ReturnType<typeof createUpdateService>;
