import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { snapshotsAppId } from '../apps/backups/snapshots.js';
import { maintenanceLock } from '../jobs/locks.js';
import { createScheduler, type SchedulerTimers } from '../scheduler/scheduler.js';
import { manualClock, tempRoot, testAppliance } from '../testing/temp-root.js';
import { recoverSnapshots } from './index.js';
import { snapshotLayout } from './layout.js';
import { retentionVictims } from './retention.js';
import { createSnapshotService } from './snapshot-service.js';
import type { SnapshotMeta } from './types.js';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

function box(options: { root?: string; clock?: ReturnType<typeof manualClock> } = {}) {
  const clock = options.clock ?? manualClock(Date.UTC(2026, 10, 28, 12, 0, 0));
  const appliance = testAppliance({ root: options.root ?? tempRoot(), now: clock.now });
  cleanups.push(() => appliance.close());
  return { appliance, clock, snapshots: appliance.snapshots };
}

const meta = (id: string, reason: SnapshotMeta['reason'], createdAt: string): SnapshotMeta => ({
  formatVersion: 1, id, label: '', reason, createdAt, driver: 'copy', sizeBytes: 0, appVersion: '0', schemaVersion: 1, jobId: null,
});

describe('retention', () => {
  it('keeps the newest of each automatic kind, never a manual one, never the one a rollback waits for', () => {
    const all = [
      meta('20261101-000000', 'scheduled', '2026-11-01T00:00:00Z'),
      meta('20261102-000000', 'scheduled', '2026-11-02T00:00:00Z'),
      meta('20261103-000000', 'scheduled', '2026-11-03T00:00:00Z'),
      meta('20261101-010000', 'manual', '2026-11-01T01:00:00Z'),
      meta('20261101-020000', 'pre-update', '2026-11-01T02:00:00Z'),
      meta('20261102-020000', 'pre-update', '2026-11-02T02:00:00Z'),
      meta('20261101-030000', 'pre-rollback', '2026-11-01T03:00:00Z'),
      meta('20261102-030000', 'pre-restore', '2026-11-02T03:00:00Z'),
    ];
    expect(retentionVictims(all, { scheduled: 2, safety: 1 }).map((m) => m.id)).toEqual(['20261101-020000', '20261101-000000']);
    expect(retentionVictims(all, { scheduled: 2, safety: 1 }, new Set(['20261101-000000'])).map((m) => m.id)).toEqual(['20261101-020000']);
    expect(retentionVictims(all, { scheduled: 100, safety: 100 })).toEqual([]);
  });

  it('runs after every snapshot, with the Snapshots app settings, and says what it deleted', async () => {
    const { appliance, clock, snapshots } = box();
    await appliance.saved.save(snapshotsAppId, { autoSnapshot: true, snapshotTime: '03:30', keepScheduled: 2, keepPreUpdate: 1 }, {});
    const made: SnapshotMeta[] = [];
    for (const reason of ['manual', 'scheduled', 'pre-update', 'scheduled', 'manual', 'pre-update', 'scheduled'] as const) {
      made.push(await snapshots.create({ reason }));
      clock.advance(60_000);
    }
    const left = (await snapshots.list()).map((s) => `${s.reason} ${s.id}`);
    expect(left).toEqual([made[6], made[5], made[4], made[3], made[0]].map((m) => `${m!.reason} ${m!.id}`));
    expect(readdirSync(appliance.paths.snapshotsDir).sort()).toEqual([made[0], made[3], made[4], made[5], made[6]].map((m) => m!.id).sort());
    const lastLog = appliance.jobs.linesAfter(appliance.jobs.recent(1)[0]!.id, 0).map((line) => line.text);
    expect(lastLog).toContain(`Snapshot ${made[3 - 2]!.id} (daily) deleted: only the newest 2 of its kind are kept.`);
  });
});

describe('the daily snapshot', () => {
  it('is a scheduled task driven by the Snapshots app, and takes a snapshot in the maintenance window', async () => {
    const clock = manualClock(Date.UTC(2026, 10, 28, 3, 0, 0));
    const { appliance } = box({ clock });
    const pending = new Map<number, { at: number; fire: () => void }>();
    let next = 1;
    const timers: SchedulerTimers = {
      set(callback, ms) {
        pending.set(next, { at: clock.now() + ms, fire: callback });
        return next++;
      },
      clear: (handle) => void pending.delete(handle as number),
    };
    const scheduler = createScheduler({ settings: appliance.settings, db: appliance.db, system: appliance.system, now: clock.now, timers, maxSleepMs: 3_600_000 });
    const service = createSnapshotService({ db: appliance.db, env: appliance.env, runner: appliance.runner, scheduler });
    const status = async () => (await scheduler.status()).tasks.find((task) => task.id === 'auto-snapshot')!;
    expect(await status()).toMatchObject({ cron: '30 3 * * *', enabled: true, unattended: true, nextRunAt: '2026-11-28T03:30:00+00:00' });

    scheduler.start();
    cleanups.push(() => void scheduler.stop());
    // Fire the timers up to 03:31.
    for (;;) {
      await scheduler.idle();
      await appliance.runner.idle();
      const due = [...pending.entries()].sort((a, b) => a[1].at - b[1].at)[0];
      if (!due || due[1].at > Date.UTC(2026, 10, 28, 3, 31)) break;
      if (due[1].at > clock.now()) clock.advance(due[1].at - clock.now());
      pending.delete(due[0]);
      due[1].fire();
    }
    await scheduler.idle();
    await appliance.runner.idle();
    const [daily] = await service.list();
    expect(daily).toMatchObject({ reason: 'scheduled', createdAt: '2026-11-28T03:30:00.000Z' });
    expect(appliance.jobs.get(daily!.jobId!)).toMatchObject({ appId: 'snapshots', action: 'create', startedBy: 'scheduler', status: 'succeeded' });

    await appliance.saved.save(snapshotsAppId, { autoSnapshot: false, snapshotTime: '03:30', keepScheduled: 7, keepPreUpdate: 2 }, {});
    expect(await status()).toMatchObject({ cron: null, enabled: false });
  });
});

describe('refusals', () => {
  it('a snapshot made by a newer Hearth, or whose state is gone, is not rolled back to; nothing is staged', async () => {
    const { appliance, snapshots } = box();
    const layout = snapshotLayout(appliance.paths);
    const newer = await snapshots.create({ reason: 'manual' });
    const written = JSON.parse(readFileSync(layout.meta(newer.id), 'utf8'));
    writeFileSync(layout.meta(newer.id), JSON.stringify({ ...written, schemaVersion: 999, appVersion: '9.0.0' }));
    await expect(snapshots.rollback(newer.id)).rejects.toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_TOO_NEW', params: { id: newer.id, appVersion: '9.0.0', found: 999 } });

    const damaged = await snapshots.create({ reason: 'manual', label: 'damaged later' });
    execFileSync('rm', ['-rf', layout.state(damaged.id)]);
    await expect(snapshots.rollback(damaged.id)).rejects.toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_DAMAGED' });
    expect(existsSync(layout.journal)).toBe(false);
    expect(existsSync(layout.staging)).toBe(false);
    await expect(snapshots.rollback('20991231-235959')).rejects.toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_NOT_FOUND' });
    await expect(snapshots.create({ reason: 'manual', label: 'bell\u0007' })).rejects.toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_LABEL_INVALID' });
  });

  it('never runs while another job holds the maintenance lock (a backup, an update)', async () => {
    const { appliance, snapshots } = box();
    let release!: () => void;
    const holding = appliance.runner.start({ appId: 'backups', action: 'create', startedBy: 'test', params: {}, language: 'en', locks: [maintenanceLock] }, () => new Promise<void>((resolve) => (release = resolve)));
    await expect(snapshots.create({ reason: 'manual' })).rejects.toMatchObject({ code: 'HEARTH_ERR_BUSY' });
    expect(() => snapshots.jobs.rollback('20261128-120000', { startedBy: 'test', language: 'en' })).toThrow(expect.objectContaining({ code: 'HEARTH_ERR_BUSY' }));
    release();
    await holding.done;
    expect(await snapshots.list()).toEqual([]);
  });

  it('refuses to roll back while a drive is mounted in the state folder (a rename cannot move it)', async () => {
    const { appliance, snapshots } = box();
    const snapshot = await snapshots.create({ reason: 'manual' });
    mkdirSync(appliance.paths.backupsDir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', appliance.paths.backupsDir]);
    cleanups.push(() => execFileSync('umount', [appliance.paths.backupsDir]));
    await expect(snapshots.rollback(snapshot.id)).rejects.toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_STATE_MOUNTED', params: { path: '/var/lib/hearth/backups' } });
    expect(existsSync(snapshotLayout(appliance.paths).journal)).toBe(false);
  });

  it('refuses a snapshot the disk has no room for, before writing anything', async () => {
    const root = tempRoot();
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=96m', 'tmpfs', root]);
    cleanups.push(() => execFileSync('umount', [root]));
    const { appliance, snapshots } = box({ root });
    mkdirSync(path.join(appliance.paths.stateDir, 'app-state'), { recursive: true });
    writeFileSync(path.join(appliance.paths.stateDir, 'app-state/big.bin'), Buffer.alloc(40 * 1024 * 1024, 1));
    await expect(snapshots.create({ reason: 'manual' })).rejects.toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_NO_SPACE', params: { path: '/var/lib/hearth-snapshots' } });
    expect(readdirSync(appliance.paths.snapshotsDir)).toEqual([]);
  });
});

describe('a backup destination inside the state folder', () => {
  it('is said to be part of snapshots unless it is the backups folder they leave out', async () => {
    const { appliance, clock, snapshots } = box();
    const lastLog = () => appliance.jobs.linesAfter(appliance.jobs.recent(1)[0]!.id, 0).map((line) => line.text);
    await appliance.saved.save('backups', { destination: '/var/lib/hearth/my-archives' }, {});
    await snapshots.create({ reason: 'manual' });
    expect(lastLog()).toContain('The backup destination /var/lib/hearth/my-archives is inside the state folder but not in its backups folder, so snapshots include it and a rollback takes the backups made since out of it (they stay in the snapshot of the state before the rollback). Choose /var/lib/hearth/backups or a drive.');
    clock.advance(1000);
    await appliance.saved.save('backups', { destination: '/var/lib/hearth/backups/weekly' }, {});
    await snapshots.create({ reason: 'manual' });
    expect(lastLog().join('\n')).not.toContain('backup destination');
  });
});

describe('after a rollback', () => {
  it('the next start applies the rolled-back configuration to the system, once', async () => {
    const root = tempRoot();
    let { appliance, snapshots } = box({ root });
    const run = async (hostname: string) => (await (await appliance.apps.start('hostname', { hostname }, { startedBy: 'test', language: 'en' })).done).status;
    expect(await run('first-name')).toBe('succeeded');
    const snapshot = await snapshots.create({ reason: 'manual' });
    expect(await run('second-name')).toBe('succeeded');
    expect(readFileSync(appliance.paths.systemFile('etc/hostname'), 'utf8').trim()).toBe('second-name');
    await snapshots.rollback(snapshot.id);
    expect(await snapshots.restartWanted()).toBe(true);
    appliance.close();

    expect(await recoverSnapshots({ root, systemKind: 'sandbox', log: () => {} })).toBe('applied');
    ({ appliance, snapshots } = box({ root }));
    expect(await snapshots.restartWanted()).toBe(false);
    const job = await snapshots.finishRollback(() => {});
    expect(job).toMatchObject({ appId: 'snapshots', action: 'rollback-reapply', status: 'succeeded' });
    expect(readFileSync(appliance.paths.systemFile('etc/hostname'), 'utf8').trim()).toBe('first-name');
    expect(await snapshots.finishRollback(() => {})).toBeUndefined();
    expect(await recoverSnapshots({ root, systemKind: 'sandbox', log: () => {} })).toBe('none');
  });

  it('a staged rollback waits while a job of another process holds a lock, and the daemon is told to restart only once none does', async () => {
    const root = tempRoot();
    const { appliance, snapshots } = box({ root });
    const snapshot = await snapshots.create({ reason: 'manual' });
    await snapshots.rollback(snapshot.id);
    // A job from another process (a CLI over SSH), alive: this test's parent process stands for it.
    appliance.db.prepare("INSERT INTO jobs (app_id, action, started_by, params, status, language, pid, pid_start, started_at) VALUES ('hostname', 'apply', 'cli:root', '{}', 'running', 'en', ?, NULL, '2026-11-28T12:00:00Z')").run(process.ppid);
    const jobId = appliance.db.prepare<[], { id: number }>('SELECT max(id) AS id FROM jobs').get()!.id;
    appliance.db.prepare("INSERT INTO locks (name, job_id, pid, pid_start, acquired_at) VALUES (?, ?, ?, NULL, '2026-11-28T12:00:00Z')").run(maintenanceLock, jobId, process.ppid);
    expect(await snapshots.restartWanted()).toBe(false);
    const log: string[] = [];
    expect(await recoverSnapshots({ root, systemKind: 'sandbox', log: (line) => log.push(line) })).toBe('postponed');
    expect(log.join('\n')).toContain(`waiting for process ${process.ppid}`);
    appliance.db.prepare('DELETE FROM locks').run();
    expect(await snapshots.restartWanted()).toBe(true);
  });
});
