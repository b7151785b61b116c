import path from 'node:path';
import os from 'node:os';
import { createAccounts } from './auth/accounts.js';
import { createAuditLog } from './auth/audit-log.js';
import { createOwnerAccess } from './auth/owner-access.js';
import { chooseScryptProfile, createPasswordHasher, type ScryptParams } from './auth/passwords.js';
import { createSessionStore } from './auth/sessions.js';
import { createSetupCodeFile } from './auth/setup-code.js';
import { createThrottle } from './auth/throttle.js';
import { createAppService } from './apps/app-service.js';
import { allApps } from './apps/registry.js';
import { createSavedParams } from './apps/saved-params.js';
import { createWatchdog } from './apps/watchdog.js';
import { createScheduler } from './scheduler/scheduler.js';
import { createBackupService } from './backup/backup-service.js';
import { createSnapshotService } from './snapshots/index.js';
import { createUpdateService, preUpdateSnapshots } from './updates/update-service.js';
import { createAutoUpdate } from './updates/auto-update.js';
import { trustedKeys } from './updates/trusted-keys.js';
import { withBoard } from './boards/board-apps.js';
import { createBoardService } from './boards/board-service.js';
import { createMetrics } from './metrics/metrics.js';
import type { AnyAppDefinition } from './apps/types.js';
import { createJobRunner } from './jobs/job-runner.js';
import { createJobStore } from './jobs/job-store.js';
import { createLocks } from './jobs/locks.js';
import { createSecretBox } from './store/secret-box.js';
import { createNotifications } from './notifications/index.js';
import type { ChannelOptions } from './notifications/types.js';
import { resolvePaths } from './paths.js';
import { openDatabase } from './store/database.js';
import { createSettingsStore } from './store/settings.js';
import { createSystem, type SystemKind } from './system/index.js';

export interface ApplianceOptions {
  root: string;
  systemKind: SystemKind;
  /** Tests pass a controllable clock to walk through session expiry. */
  now?: () => number;
  /** Override the board-chosen scrypt parameters (tests of other features use cheap ones). */
  scrypt?: { params: ScryptParams; maxConcurrent: number };
  /** Test seam: short timeouts and a test CA for the notification channels. */
  notificationChannels?: ChannelOptions;
  /** The config apps; tests pass their own. */
  apps?: readonly AnyAppDefinition[];
  /** Board detection's view of the box: tests give a fixture's architecture (default os.arch()). */
  board?: { arch?: string; profilesDir?: string };
  /** Where in the maintenance window unattended updates start (tests pass a fixed draw; default Math.random). */
  updateDelayRandom?: () => number;
}

/**
 * The composition root: every module of the appliance, built in dependency order —
 * paths, the system boundary, the store (migrations run here), then the features.
 * The daemon and the CLI both start from here, so they share one code path.
 */
export function createAppliance(options: ApplianceOptions) {
  const now = options.now ?? Date.now;
  const paths = resolvePaths(options.root);
  const system = createSystem(options.systemKind, paths);
  const db = openDatabase(paths.database);
  const settings = createSettingsStore(db);
  const accounts = createAccounts(db, now);
  const sessions = createSessionStore(db, settings, now);
  const hasher = createPasswordHasher(options.scrypt ?? chooseScryptProfile(os.totalmem()));
  const throttle = createThrottle(db, now);
  const audit = createAuditLog(db, system, paths, now);
  const setupCode = createSetupCodeFile(system, paths);
  const owner = createOwnerAccess({ db, settings, accounts, sessions, hasher, throttle, audit, setupCode, now });
  const jobs = createJobStore(db);
  const runner = createJobRunner({ db, jobs, locks: createLocks(db), system, settings, now });
  const saved = createSavedParams(db, createSecretBox(system), now);
  const notifications = createNotifications({ db, saved, system, now, ...(options.notificationChannels ? { options: options.notificationChannels } : {}) });
  // Detected once, on first use (the daemon asks at start); the apps see the board's recommendations and limits.
  const board = createBoardService({ system, ...options.board });
  const env = { system, paths, settings, apps: withBoard(options.apps ?? allApps, board), saved, notifications, now };
  const metrics = createMetrics({
    db,
    now,
    readings: {
      cpuTemperature: async () => (await board.temperature()).celsius,
      dataDisk: async () => {
        // A fresh box may not have its data directory yet: its file system is then its parent's.
        let dir = paths.dataDir;
        while ((await system.pathType(dir)) === undefined && dir !== paths.root) dir = path.dirname(dir);
        const space = await system.fileSystemOf(dir);
        // As df counts it: used of what the owner can fill (blocks reserved for root left out).
        const usedBytes = space.totalBytes - space.freeBytes;
        return { usedBytes, totalBytes: usedBytes + space.availableBytes };
      },
    },
  });
  const apps = createAppService({ env, runner });
  const watchdog = createWatchdog({ settings, apps, now });
  // Tasks are defined by the features that own them; the daemon starts it, the CLI only reads its status.
  const scheduler = createScheduler({ settings, db, system, now });
  const backups = createBackupService({
    db,
    env,
    runner,
    notifications,
    scheduler,
    boardId: async () => (await board.detect()).profile.id,
    snapshot: (request, job) => snapshots.create(request, job),
  });
  const snapshots = createSnapshotService({ db, env, runner, scheduler });
  const updateKeys = trustedKeys(system);
  const updates = createUpdateService({ db, env, runner, notifications, snapshots: preUpdateSnapshots(snapshots, system), options: { keys: updateKeys } });
  const autoUpdate = createAutoUpdate({ env, updates, backups, snapshots, runner, jobs, scheduler, keys: updateKeys, ...(options.updateDelayRandom ? { random: options.updateDelayRandom } : {}) });

  return {
    paths,
    system,
    db,
    settings,
    sessions,
    audit,
    setupCode,
    owner,
    hasher,
    jobs,
    runner,
    saved,
    env,
    notifications,
    apps,
    watchdog,
    scheduler,
    backups,
    snapshots,
    updates,
    autoUpdate,
    board,
    metrics,
    now,
    close() {
      if (db.open) db.close();
    },
  };
}

export type Appliance = ReturnType<typeof createAppliance>;
