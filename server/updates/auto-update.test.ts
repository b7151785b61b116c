import { readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Appliance } from '../appliance.js';
import { appVersion } from '../paths.js';
import { maintenanceWindow } from '../scheduler/window.js';
import { manualClock, tempRoot, testAppliance } from '../testing/temp-root.js';
import { dailyCron, delaySpanMinutes, windowOpenedAt } from './auto-update.js';
import { installAs, testChannel, type PublishedRelease, type TestChannel } from './testing/test-channel.js';

const open: Array<{ appliance: Appliance; channel: TestChannel }> = [];
afterEach(async () => {
  for (const { appliance, channel } of open.splice(0)) {
    await appliance.runner.idle();
    appliance.close();
    await channel.close();
  }
});

const next = (version: string) => version.replace(/^(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string) => `${a}.${Number(b) + 1}.0`);
const newer = next(appVersion);

/**
 * An installed box (current → releases/<appVersion>) on a sandbox, following a signed
 * channel served over HTTP on loopback, with a maintenance window that is always open
 * (the window itself is tested below). Draws for the run's delay come from `draws`.
 */
async function box(releases: readonly PublishedRelease[], settings: Record<string, unknown> = {}, draws: number[] = [0.5]) {
  const root = tempRoot();
  const channel = await testChannel(root, tempRoot());
  await channel.publish(releases);
  const queue = [...draws];
  const appliance = testAppliance({ root, updateDelayRandom: () => queue.shift() ?? 0.5 });
  open.push({ appliance, channel });
  installAs(root, appVersion);
  appliance.settings.set('maintenance.windowHours', 24);
  appliance.settings.set('updates.cohort', 42);
  const { done } = await appliance.apps.start('updates', { channel: 'custom', customChannelUrl: channel.url, ...settings }, { startedBy: 'cli:test', language: 'en' });
  expect((await done).status).toBe('succeeded');
  return { root, appliance, channel };
}

const currentOf = (root: string) => readlinkSync(path.join(root, 'opt/hearth/current'));
const updateJobs = (appliance: Appliance) => appliance.jobs.recent(50, 'updates').filter((job) => job.action === 'update');

describe('unattended updates: what is not installed, and why', () => {
  it('holds back a release younger than the soak time and says until when; the canary takes it, after a snapshot as the safe point', async () => {
    const { root, appliance } = await box([{ version: newer, hoursOld: 2 }]);
    const run = await appliance.autoUpdate.runUnattended();
    expect(run).toMatchObject({ outcome: 'held-back', version: null, jobId: null, heldBack: [{ version: newer, reason: 'soak' }] });
    const until = Date.parse(run.heldBack[0]!.until!);
    expect(until - Date.now()).toBeGreaterThan(21 * 3_600_000);
    expect(until - Date.now()).toBeLessThan(23 * 3_600_000);
    expect(currentOf(root)).toBe(`releases/${appVersion}`);
    expect(updateJobs(appliance)).toEqual([]);
    const overview = await appliance.autoUpdate.overview();
    expect(overview.lastRun).toMatchObject({ outcome: 'held-back' });
    expect(overview.lastCheck).toMatchObject({ error: null, available: { version: newer }, unattended: { version: null, heldBack: [{ reason: 'soak' }] } });
    expect(overview.blocker).toBeNull();

    await appliance.apps.start('updates', { canary: true }, { startedBy: 'cli:test', language: 'en' }).then((s) => s.done);
    const taken = await appliance.autoUpdate.runUnattended();
    expect(taken).toMatchObject({ outcome: 'updating', version: newer, error: null });
    expect(taken.snapshotId).toMatch(/./);
    expect(currentOf(root)).toBe(`releases/${newer}`);
    const [job] = updateJobs(appliance);
    expect(job).toMatchObject({ id: taken.jobId, status: 'succeeded', startedBy: 'scheduler', params: { version: newer } });
    // The safe point and the update's own pre-update snapshot.
    const snapshots = await appliance.snapshots.list();
    expect(snapshots.map((s) => s.label)).toEqual(expect.arrayContaining(['Safe point before an automatic update', `Before the update ${appVersion} → ${newer}`]));
  }, 30_000);

  it('holds back a release not yet open to the box’s cohort', async () => {
    const { appliance } = await box([{ version: newer, hoursOld: 48, cohorts: [0, 1, 2] }]);
    expect(await appliance.autoUpdate.runUnattended()).toMatchObject({ outcome: 'held-back', heldBack: [{ version: newer, reason: 'cohort', until: null }] });
    // The owner may still install it: "update now" is not held back by the rollout.
    expect((await appliance.autoUpdate.check()).available).toMatchObject({ version: newer });
    await appliance.apps.start('updates', { canary: true }, { startedBy: 'cli:test', language: 'en' }).then((s) => s.done);
    expect((await appliance.autoUpdate.check()).unattended).toEqual({ version: newer, heldBack: [] });
  });

  it('never crosses a release marked breaking, canary or not', async () => {
    const step = next(newer);
    const { appliance } = await box([
      { version: newer, hoursOld: 48, breaking: true },
      { version: step, hoursOld: 48 },
    ], { canary: true });
    expect(await appliance.autoUpdate.runUnattended()).toMatchObject({ outcome: 'held-back', heldBack: [{ version: newer, reason: 'breaking' }] });
    expect(updateJobs(appliance)).toEqual([]);
    // Nor does the owner's "update now" without a yes to it.
    expect(await appliance.autoUpdate.check()).toMatchObject({ available: null, reason: 'held-back' });
  });

  it('does not update after a backup failed in this window, and says so', async () => {
    const { appliance } = await box([{ version: newer, hoursOld: 48 }]);
    const backup = appliance.backups.create({ destination: '/media/gone' }, { startedBy: 'scheduler', language: 'en' });
    expect((await backup.done).status).toBe('failed');
    const run = await appliance.autoUpdate.runUnattended();
    expect(run).toMatchObject({ outcome: 'blocked', blocker: { reason: 'backup-failed' } });
    expect(updateJobs(appliance)).toEqual([]);
    expect((await appliance.autoUpdate.overview()).blocker).toMatchObject({ reason: 'backup-failed' });
    // A snapshot does not make up for it; a backup that succeeds does.
    await appliance.snapshots.create({ reason: 'manual' });
    expect(await appliance.autoUpdate.runUnattended()).toMatchObject({ outcome: 'blocked', blocker: { reason: 'backup-failed' } });
    const good = appliance.backups.create({ destination: '/var/lib/hearth/backups' }, { startedBy: 'scheduler', language: 'en' });
    expect((await good.done).status).toBe('succeeded');
    expect((await appliance.autoUpdate.overview()).blocker).toBeNull();
    // With the guard off, a failed backup does not stop the box either.
    expect((await appliance.backups.create({ destination: '/media/gone' }, { startedBy: 'scheduler', language: 'en' }).done).status).toBe('failed');
    await appliance.apps.start('updates', { requireFreshBackup: false }, { startedBy: 'cli:test', language: 'en' }).then((s) => s.done);
    expect(await appliance.autoUpdate.runUnattended()).toMatchObject({ outcome: 'updating', snapshotId: null });
  }, 30_000);

  it('pauses after a failed update until the owner acknowledges it', async () => {
    const { root, appliance, channel } = await box([{ version: newer, hoursOld: 48, migration: 'fails' }]);
    const failed = await appliance.autoUpdate.runUnattended();
    expect(failed).toMatchObject({ outcome: 'update-failed', version: newer, error: { code: 'HEARTH_ERR_UPDATE_MIGRATION_FAILED' } });
    expect(currentOf(root)).toBe(`releases/${appVersion}`);
    // The owner is told at once, not at the next start of the daemon.
    expect(appliance.notifications.feed.recent({ limit: 10 }).map((n) => n.title)).toContain(`The update to Hearth ${newer} failed`);

    await channel.publish([{ version: newer, hoursOld: 48 }]);
    const paused = await appliance.autoUpdate.runUnattended();
    expect(paused).toMatchObject({ outcome: 'blocked', blocker: { reason: 'paused-after-failure', version: newer } });
    expect((await appliance.autoUpdate.overview()).paused).toMatchObject({ version: newer });
    expect(await appliance.autoUpdate.acknowledge()).toMatchObject({ version: newer });
    expect(await appliance.autoUpdate.acknowledge()).toBeNull();
    expect(await appliance.autoUpdate.runUnattended()).toMatchObject({ outcome: 'updating', version: newer });
  }, 30_000);

  it('waits for a synchronized clock', async () => {
    const { root, appliance } = await box([{ version: newer, hoursOld: 48 }]);
    const stateFile = path.join(root, 'var/lib/hearth/sandbox-state.json');
    let state: { extra?: Record<string, unknown> } = {};
    try {
      state = JSON.parse(readFileSync(stateFile, 'utf8'));
    } catch {
      // no state yet
    }
    writeFileSync(stateFile, JSON.stringify({ ...state, extra: { ...state.extra, ntpSynchronized: false } }));
    expect(await appliance.autoUpdate.runUnattended()).toMatchObject({ outcome: 'blocked', blocker: { reason: 'clock-not-synced' } });
    expect((await appliance.autoUpdate.overview()).clockSynced).toBe(false);
  });

  it('says honestly that the stable channel has no release server yet', async () => {
    const { appliance } = await box([]);
    await appliance.apps.start('updates', { channel: 'stable' }, { startedBy: 'cli:test', language: 'en' }).then((s) => s.done);
    expect(await appliance.autoUpdate.runUnattended()).toMatchObject({ outcome: 'check-failed', error: { code: 'HEARTH_ERR_UPDATE_NO_CHANNEL', params: { channel: 'stable' } } });
    expect((await appliance.autoUpdate.overview()).lastCheck).toMatchObject({ error: { code: 'HEARTH_ERR_UPDATE_NO_CHANNEL' }, available: null, reason: null });
  });

  it('skips, without failing, while a backup or restore holds the maintenance lock', async () => {
    const { appliance } = await box([{ version: newer, hoursOld: 48 }]);
    let release!: () => void;
    const held = appliance.runner.start({ appId: 'backups', action: 'restore', startedBy: 'cli:test', params: {}, language: 'en', locks: ['maintenance', 'backup'] }, () => new Promise<void>((resolve) => (release = resolve)));
    expect(await appliance.autoUpdate.runUnattended()).toMatchObject({ outcome: 'busy', error: { code: 'HEARTH_ERR_BUSY' } });
    release();
    await held.done;
    expect(updateJobs(appliance)).toEqual([]);
  });

  it('upgrades the Debian packages first when the owner allowed it, as a job of its own', async () => {
    const { root, appliance } = await box([], { osPackages: true, autoUpdate: false });
    const run = await appliance.autoUpdate.runUnattended();
    expect(run).toMatchObject({ outcome: 'disabled', os: { status: 'succeeded', upgraded: 0, rebootRequired: false } });
    const programs = (JSON.parse(readFileSync(path.join(root, 'var/lib/hearth/sandbox-state.json'), 'utf8')) as { programs: Array<{ argv: string[] }> }).programs.map((p) => p.argv.join(' '));
    expect(programs.filter((p) => /^(dpkg|apt-get)/.test(p))).toEqual(['dpkg --configure -a', 'apt-get update -q', 'apt-get -s -q upgrade']);
    expect(appliance.jobs.get(run.os!.jobId!)).toMatchObject({ appId: 'updates', action: 'os-upgrade', status: 'succeeded' });
  });
});

describe('when unattended updates run', () => {
  it('the scheduler runs it in the window at the drawn time; the night’s scheduled snapshot is the safe point', async () => {
    const root = tempRoot();
    const channel = await testChannel(root, tempRoot());
    await channel.publish([{ version: newer, hoursOld: 48 }]);
    const clock = manualClock(Date.parse('2026-11-28T12:00:00Z'));
    const appliance = testAppliance({ root, now: clock.now, updateDelayRandom: () => 0.5 });
    open.push({ appliance, channel });
    installAs(root, appVersion);
    appliance.settings.set('updates.cohort', 42);
    await appliance.apps.start('updates', { channel: 'custom', customChannelUrl: channel.url }, { startedBy: 'cli:test', language: 'en' }).then((s) => s.done);
    // Window 02:00–06:00 UTC; the draw puts the run 90 minutes in, with the daily snapshot (03:30).
    appliance.scheduler.start();
    await appliance.scheduler.idle();
    expect(appliance.settings.get('updates.lastRun')).toBeNull();
    clock.advance(15.5 * 3_600_000 + 60_000); // 03:31 the next morning
    await appliance.scheduler.refresh();
    await appliance.scheduler.idle();
    await appliance.scheduler.stop();
    const run = (await appliance.autoUpdate.overview()).lastRun;
    expect(run).toMatchObject({ outcome: 'updating', version: newer, snapshotId: null });
    expect((await appliance.snapshots.list()).map((snapshot) => snapshot.reason)).toEqual(expect.arrayContaining(['scheduled', 'pre-update']));
    expect(currentOf(root)).toBe(`releases/${newer}`);
    const task = (await appliance.scheduler.status()).tasks.find((t) => t.id === 'auto-update')!;
    expect(task).toMatchObject({ lastStatus: 'succeeded', lastReason: 'scheduled', lastJobId: run!.jobId });
    expect(appliance.jobs.get(run!.jobId!)).toMatchObject({ action: 'update', startedBy: 'scheduler', status: 'succeeded' });
    // The channel was also checked by the update-check task, earlier that night.
    expect((await appliance.scheduler.status()).tasks.find((t) => t.id === 'update-check')).toMatchObject({ lastStatus: 'succeeded' });
  }, 30_000);

  it('starts at a point of the window drawn after each run, leaving the last hour for the update', async () => {
    const { appliance } = await box([], {}, [0.5, 0.25]);
    appliance.settings.set('maintenance.windowHours', 4);
    const cron = async () => (await appliance.scheduler.status()).tasks.find((task) => task.id === 'auto-update')!.cron;
    expect(await cron()).toBe('30 3 * * *');
    await appliance.autoUpdate.runUnattended();
    expect(await cron()).toBe('45 2 * * *');
    // Off (and no packages to upgrade): no run at all. The channel is still checked every few hours.
    await appliance.apps.start('updates', { autoUpdate: false, checkEveryHours: 8 }, { startedBy: 'cli:test', language: 'en' }).then((s) => s.done);
    const tasks = (await appliance.scheduler.status()).tasks;
    expect(tasks.find((task) => task.id === 'auto-update')).toMatchObject({ cron: null, enabled: false, unattended: true });
    expect(tasks.find((task) => task.id === 'update-check')).toMatchObject({ cron: '42 */8 * * *', enabled: true, invalid: false, unattended: false });
  });

  it('draws within a bounded span and finds when the window opened', () => {
    expect(delaySpanMinutes(4)).toBe(180);
    expect(delaySpanMinutes(2)).toBe(60);
    expect(delaySpanMinutes(1)).toBe(0);
    expect(delaySpanMinutes(24)).toBe(180);
    expect(dailyCron('22:30', 100)).toBe('10 0 * * *');
    const window = maintenanceWindow('02:00', 4);
    expect(new Date(windowOpenedAt(window, Date.parse('2026-11-28T03:17:30Z'), 'UTC')).toISOString()).toBe('2026-11-28T02:00:00.000Z');
    // Closed: the last window.
    expect(new Date(windowOpenedAt(window, Date.parse('2026-11-28T12:00:00Z'), 'UTC')).toISOString()).toBe('2026-11-28T02:00:00.000Z');
    // Wrapping past midnight, in a zone.
    expect(new Date(windowOpenedAt(maintenanceWindow('23:45', 3), Date.parse('2026-11-28T00:30:00Z'), 'Europe/Berlin')).toISOString()).toBe('2026-11-27T22:45:00.000Z');
    expect(windowOpenedAt(maintenanceWindow('02:00', 24), 1_000_000_000_000, 'UTC')).toBe(1_000_000_000_000 - 24 * 3_600_000);
  });
});
