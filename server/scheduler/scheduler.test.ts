import { afterEach, describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import type { Appliance } from '../appliance.js';
import { maintenanceLock } from '../jobs/locks.js';
import { manualClock, tempRoot, testAppliance } from '../testing/temp-root.js';
import { createScheduler, type RunContext, type RunOutcome, type Scheduler, type SchedulerLog } from './scheduler.js';

const at = (iso: string) => Date.parse(iso);
const utc = (instant: number) => new Date(instant).toISOString();

/** The scheduler's one timer, fired by hand as the manual clock moves: nothing sleeps. */
function handTimers(clock: ReturnType<typeof manualClock>) {
  const pending = new Map<number, { at: number; fire: () => void }>();
  let ids = 0;
  return {
    timers: {
      set(fire: () => void, ms: number) {
        pending.set(++ids, { at: clock.now() + ms, fire });
        return ids;
      },
      clear(handle: unknown) {
        pending.delete(handle as number);
      },
    },
    earliest() {
      return [...pending.entries()].sort((a, b) => a[1].at - b[1].at)[0];
    },
    count: () => pending.size,
  };
}

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Run {
  task: string;
  at: string;
  reason: RunContext['reason'];
  slot: string;
}

/**
 * A box: an appliance on `root` (reopened = same database), a manual clock shared across
 * "reboots", a scheduler with hand-driven timers, and a log of the runs.
 */
function box(options: { root?: string; clock?: ReturnType<typeof manualClock>; maxSleepMs?: number } = {}) {
  const root = options.root ?? tempRoot();
  const clock = options.clock ?? manualClock(at('2026-11-28T12:00:00Z'));
  const appliance = testAppliance({ root, now: clock.now });
  const hand = handTimers(clock);
  const logged: Array<{ level: string; message: string; fields: Record<string, unknown> }> = [];
  const log: SchedulerLog = {
    info: (fields, message) => logged.push({ level: 'info', message, fields }),
    warn: (fields, message) => logged.push({ level: 'warn', message, fields }),
    error: (fields, message) => logged.push({ level: 'error', message, fields }),
  };
  const scheduler = createScheduler({ settings: appliance.settings, db: appliance.db, system: appliance.system, now: clock.now, timers: hand.timers, log, maxSleepMs: options.maxSleepMs ?? 3_600_000 });
  const runs: Run[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await scheduler.stop();
    appliance.close();
  };
  /** The daemon dies: the database closes under a run that never ends. */
  const crash = () => {
    closed = true;
    appliance.close();
  };
  cleanups.push(close);

  /** Moves the clock to `target`, firing the scheduler's timer whenever it falls due. */
  async function advanceTo(target: number) {
    for (;;) {
      await scheduler.idle();
      const next = hand.earliest();
      if (!next || next[1].at > target) break;
      if (next[1].at > clock.now()) clock.advance(next[1].at - clock.now());
      hand.timers.clear(next[0]);
      next[1].fire();
    }
    if (target > clock.now()) clock.advance(target - clock.now());
    await scheduler.idle();
  }

  return {
    root,
    clock,
    appliance,
    scheduler,
    runs,
    logged,
    hand,
    advanceTo,
    close,
    crash,
    async setZone(zone: string) {
      await appliance.system.writeFile(appliance.paths.systemFile('etc/timezone'), `${zone}\n`);
    },
    /** A task that records its runs and takes `minutes` of the manual clock. */
    define(id: string, cron: () => string | null, options: { unattended?: boolean; minutes?: number; outcome?: () => Promise<RunOutcome> } = {}) {
      scheduler.define({
        id,
        cron,
        unattended: options.unattended ?? false,
        run: async (context) => {
          runs.push({ task: id, at: utc(clock.now()), reason: context.reason, slot: context.slot.toISOString() });
          clock.advance((options.minutes ?? 10) * 60_000);
          return options.outcome ? options.outcome() : { status: 'succeeded' };
        },
      });
    },
  };
}

async function task(scheduler: Scheduler, id: string) {
  return (await scheduler.status()).tasks.find((t) => t.id === id)!;
}

describe('scheduler', () => {
  it('runs a task at its times, and records every start and end', async () => {
    const b = box();
    b.define('check', () => '0 3 * * *');
    b.scheduler.start();
    await b.scheduler.idle();
    expect(b.runs).toEqual([]);
    expect(await task(b.scheduler, 'check')).toMatchObject({ enabled: true, lastStatus: null, nextRunAt: '2026-11-29T03:00:00+00:00' });

    await b.advanceTo(at('2026-11-29T02:59:59Z'));
    expect(b.runs).toEqual([]);
    await b.advanceTo(at('2026-11-30T12:00:00Z'));
    expect(b.runs).toEqual([
      { task: 'check', at: '2026-11-29T03:00:00.000Z', reason: 'scheduled', slot: '2026-11-29T03:00:00.000Z' },
      { task: 'check', at: '2026-11-30T03:00:00.000Z', reason: 'scheduled', slot: '2026-11-30T03:00:00.000Z' },
    ]);
    expect(await task(b.scheduler, 'check')).toMatchObject({
      lastStatus: 'succeeded',
      lastReason: 'scheduled',
      lastStartedAt: '2026-11-30T03:00:00+00:00',
      lastFinishedAt: '2026-11-30T03:10:00+00:00',
      pendingSlot: null,
      nextRunAt: '2026-12-01T03:00:00+00:00',
    });
    const row = b.appliance.db.prepare('SELECT * FROM schedules').get();
    expect(row).toMatchObject({ task_id: 'check', cron: '0 3 * * *', zone: 'UTC', last_slot_at: '2026-11-30T03:00:00.000Z', last_status: 'succeeded' });
  });

  it('catches up exactly once after a long time off, and not at all when nothing was missed; state survives reopening the database', async () => {
    const first = box();
    first.define('backup', () => '0 3 * * *');
    first.scheduler.start();
    await first.advanceTo(at('2026-11-29T12:00:00Z'));
    expect(first.runs.map((r) => r.at)).toEqual(['2026-11-29T03:00:00.000Z']);
    await first.close();

    // Switched back on the same evening: nothing was missed.
    first.clock.advance(6 * 3_600_000);
    const evening = box({ root: first.root, clock: first.clock });
    evening.define('backup', () => '0 3 * * *');
    evening.scheduler.start();
    await evening.scheduler.idle();
    expect(evening.runs).toEqual([]);
    expect(await task(evening.scheduler, 'backup')).toMatchObject({ lastStatus: 'succeeded', lastStartedAt: '2026-11-29T03:00:00+00:00', nextRunAt: '2026-11-30T03:00:00+00:00' });
    await evening.close();

    // Off for ten days: ten runs were missed; one runs, for the latest of them, at once.
    first.clock.advance(10 * 86_400_000);
    const later = box({ root: first.root, clock: first.clock });
    later.define('backup', () => '0 3 * * *');
    later.scheduler.start();
    await later.scheduler.idle();
    expect(later.runs).toEqual([{ task: 'backup', at: '2026-12-09T18:00:00.000Z', reason: 'catch-up', slot: '2026-12-09T03:00:00.000Z' }]);
    expect(await task(later.scheduler, 'backup')).toMatchObject({ lastStatus: 'succeeded', lastReason: 'catch-up', nextRunAt: '2026-12-10T03:00:00+00:00' });
    await later.advanceTo(at('2026-12-10T02:59:59Z'));
    expect(later.runs).toHaveLength(1);
    await later.advanceTo(at('2026-12-10T03:00:00Z'));
    expect(later.runs.at(-1)).toEqual({ task: 'backup', at: '2026-12-10T03:00:00.000Z', reason: 'scheduled', slot: '2026-12-10T03:00:00.000Z' });
  });

  it('an unattended run outside the maintenance window waits for its opening; a catch-up too', async () => {
    const b = box({ clock: manualClock(at('2026-11-28T08:00:00Z')) });
    await b.setZone('Europe/Berlin');
    // Noon is outside the default window (02:00 for 4 h, Berlin time).
    b.define('update', () => '0 12 * * *', { unattended: true });
    b.scheduler.start();
    await b.advanceTo(at('2026-11-28T13:00:00Z'));
    expect(b.runs).toEqual([]);
    expect(await task(b.scheduler, 'update')).toMatchObject({ pendingSlot: '2026-11-28T12:00:00+01:00', waitingForWindow: true, nextRunAt: '2026-11-29T02:00:00+01:00' });
    await b.advanceTo(at('2026-11-29T00:59:59Z'));
    expect(b.runs).toEqual([]);
    await b.advanceTo(at('2026-11-29T01:00:00Z'));
    expect(b.runs).toEqual([{ task: 'update', at: '2026-11-29T01:00:00.000Z', reason: 'scheduled', slot: '2026-11-28T11:00:00.000Z' }]);
    await b.close();

    // Off for a week, back at 14:00: the catch-up waits for 02:00.
    b.clock.advance(at('2026-12-05T13:00:00Z') - b.clock.now());
    const back = box({ root: b.root, clock: b.clock });
    back.define('update', () => '0 12 * * *', { unattended: true });
    back.scheduler.start();
    await back.scheduler.idle();
    expect(back.runs).toEqual([]);
    expect(await task(back.scheduler, 'update')).toMatchObject({ pendingSlot: '2026-12-05T12:00:00+01:00', waitingForWindow: true, nextRunAt: '2026-12-06T02:00:00+01:00' });
    await back.advanceTo(at('2026-12-06T00:59:59Z'));
    expect(back.runs).toEqual([]);
    await back.advanceTo(at('2026-12-06T12:30:00Z'));
    expect(back.runs).toEqual([
      { task: 'update', at: '2026-12-06T01:00:00.000Z', reason: 'catch-up', slot: '2026-12-05T11:00:00.000Z' },
      // The day's own run, at noon, waits for the next night.
    ]);
    expect(await task(back.scheduler, 'update')).toMatchObject({ waitingForWindow: true, nextRunAt: '2026-12-07T02:00:00+01:00' });
  });

  it('folds an unattended catch-up into the task’s own time when that comes in the same window', async () => {
    const b = box({ clock: manualClock(at('2026-11-28T12:00:00Z')) });
    b.define('backup', () => '0 3 * * *', { unattended: true });
    b.scheduler.start();
    await b.advanceTo(at('2026-11-29T12:00:00Z'));
    await b.close();
    b.clock.advance(7 * 86_400_000);
    const back = box({ root: b.root, clock: b.clock });
    back.define('backup', () => '0 3 * * *', { unattended: true });
    back.scheduler.start();
    await back.advanceTo(at('2026-12-07T12:00:00Z'));
    // One run that night, at 03:00 — not at 02:00 and again at 03:00.
    expect(back.runs).toEqual([{ task: 'backup', at: '2026-12-07T03:00:00.000Z', reason: 'scheduled', slot: '2026-12-07T03:00:00.000Z' }]);
  });

  it('a task whose job finds its lock held is recorded as skipped, not failed, and runs at its next time', async () => {
    const b = box();
    const { appliance } = b;
    const request = (appId: string) => ({ appId, action: 'run', startedBy: 'scheduler', params: {}, language: 'en', locks: [maintenanceLock] });
    let jobsStarted = 0;
    b.scheduler.define({
      id: 'auto-backup',
      cron: () => '0 3 * * *',
      unattended: true,
      async run(context) {
        const { id, done } = appliance.runner.start(request('auto-backup'), async () => {});
        jobsStarted += 1;
        context.jobStarted(id);
        const job = await done;
        return { jobId: id, status: job.status === 'succeeded' ? 'succeeded' : 'failed', ...(job.errorCode ? { errorCode: job.errorCode } : {}) };
      },
    });
    // A restore started from the panel holds the maintenance lock over 03:00.
    let release!: () => void;
    const restore = appliance.runner.start(request('restore'), () => new Promise<void>((resolve) => (release = resolve)));
    b.scheduler.start();
    await b.advanceTo(at('2026-11-29T03:00:00Z'));
    expect(jobsStarted).toBe(0);
    expect(await task(b.scheduler, 'auto-backup')).toMatchObject({
      lastStatus: 'skipped',
      lastErrorCode: 'HEARTH_ERR_BUSY',
      lastStartedAt: '2026-11-29T03:00:00+00:00',
      lastFinishedAt: '2026-11-29T03:00:00+00:00',
      pendingSlot: null,
      nextRunAt: '2026-11-30T03:00:00+00:00',
    });
    expect(b.logged).toContainEqual(expect.objectContaining({ level: 'warn', fields: expect.objectContaining({ task: 'auto-backup', status: 'skipped', error: 'HEARTH_ERR_BUSY' }) }));
    release();
    await restore.done;

    await b.advanceTo(at('2026-11-30T03:00:00Z'));
    expect(jobsStarted).toBe(1);
    const status = await task(b.scheduler, 'auto-backup');
    expect(status).toMatchObject({ lastStatus: 'succeeded', lastErrorCode: null });
    expect(appliance.jobs.get(status.lastJobId!)).toMatchObject({ appId: 'auto-backup', startedBy: 'scheduler', status: 'succeeded' });
  });

  it('a run that throws is recorded as failed with its error code', async () => {
    const b = box();
    b.define('hearth-error', () => '0 3 * * *', { outcome: () => Promise.reject(new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'tar', code: 2 })) });
    b.define('bug', () => '0 3 * * *', { outcome: () => Promise.reject(new TypeError('oops')) });
    b.define('reported', () => '0 3 * * *', { outcome: async () => ({ status: 'failed', jobId: 7, errorCode: 'HEARTH_ERR_BACKUP_DEST_MISSING' }) });
    b.scheduler.start();
    await b.advanceTo(at('2026-11-29T04:00:00Z'));
    expect(await task(b.scheduler, 'hearth-error')).toMatchObject({ lastStatus: 'failed', lastErrorCode: 'HEARTH_ERR_PROGRAM_FAILED' });
    expect(await task(b.scheduler, 'bug')).toMatchObject({ lastStatus: 'failed', lastErrorCode: 'HEARTH_ERR_INTERNAL' });
    expect(await task(b.scheduler, 'reported')).toMatchObject({ lastStatus: 'failed', lastErrorCode: 'HEARTH_ERR_BACKUP_DEST_MISSING', lastJobId: 7 });
    expect(b.logged.filter((l) => l.level === 'error').map((l) => l.fields.task)).toEqual(['hearth-error', 'bug']);
  });

  it('runs due tasks one at a time, earliest first', async () => {
    const b = box();
    let running = 0;
    let most = 0;
    const order: string[] = [];
    for (const [id, cron] of [['snapshot', '0 3 * * *'], ['backup', '55 2 * * *'], ['update', '0 3 * * *']] as const) {
      b.scheduler.define({
        id,
        cron: () => cron,
        unattended: true,
        async run() {
          running += 1;
          most = Math.max(most, running);
          order.push(`${id}@${utc(b.clock.now()).slice(11, 16)}`);
          // An hour-long backup: the others wait for it.
          await Promise.resolve();
          b.clock.advance(id === 'backup' ? 3_600_000 : 60_000);
          running -= 1;
          return { status: 'succeeded' };
        },
      });
    }
    b.scheduler.start();
    await b.advanceTo(at('2026-11-29T06:00:00Z'));
    expect(most).toBe(1);
    expect(order).toEqual(['backup@02:55', 'snapshot@03:55', 'update@03:56']);
  });

  it('a schedule changed in the settings applies at the next look, without a restart; so does the window', async () => {
    const b = box();
    let cron: string | null = '0 3 * * *';
    b.define('check', () => cron);
    b.scheduler.start();
    await b.scheduler.idle();
    expect(await task(b.scheduler, 'check')).toMatchObject({ nextRunAt: '2026-11-29T03:00:00+00:00' });

    // Changed at 12:10 to 11:00 and 14:00: the 11:00 that passed is not owed; 14:00 runs.
    b.clock.advance(10 * 60_000);
    cron = '0 11,14 * * *';
    await b.advanceTo(at('2026-11-28T13:59:59Z'));
    expect(b.runs).toEqual([]);
    expect(b.logged).toContainEqual(expect.objectContaining({ message: 'scheduler: the schedule changed; it counts from now', fields: expect.objectContaining({ cron: '0 11,14 * * *' }) }));
    await b.advanceTo(at('2026-11-28T14:00:00Z'));
    expect(b.runs.map((r) => r.at)).toEqual(['2026-11-28T14:00:00.000Z']);

    // Disabled: nothing runs. refresh() looks again at once.
    cron = null;
    await b.scheduler.refresh();
    expect(await task(b.scheduler, 'check')).toMatchObject({ enabled: false, nextRunAt: null });
    await b.advanceTo(at('2026-11-29T12:00:00Z'));
    expect(b.runs).toHaveLength(1);

    // An invalid expression: off, said once in the log.
    cron = '0 3 * *';
    await b.advanceTo(at('2026-11-29T13:00:00Z'));
    expect(await task(b.scheduler, 'check')).toMatchObject({ enabled: false, invalid: true });
    expect(b.logged.filter((l) => l.message.includes('not a valid cron'))).toHaveLength(1);

    // The window moves to 13:00–14:00: an unattended task due at 13:30 runs then, not at night.
    b.scheduler.define({ id: 'update', cron: () => '30 13 * * *', unattended: true, run: async () => (b.runs.push({ task: 'update', at: utc(b.clock.now()), reason: 'scheduled', slot: '' }), { status: 'succeeded' }) });
    await b.scheduler.idle();
    expect(await task(b.scheduler, 'update')).toMatchObject({ nextRunAt: '2026-11-30T02:00:00+00:00' });
    b.appliance.settings.set('maintenance.windowStart', '13:00');
    b.appliance.settings.set('maintenance.windowHours', 1);
    // What the settings route does after a change (else it is seen within maxSleepMs).
    await b.scheduler.refresh();
    await b.advanceTo(at('2026-11-30T14:00:00Z'));
    expect(b.runs.filter((r) => r.task === 'update').map((r) => r.at)).toEqual(['2026-11-29T13:30:00.000Z', '2026-11-30T13:30:00.000Z']);
  });

  it('reads the zone from /etc/timezone at every look; UTC when absent or unknown', async () => {
    const b = box();
    b.define('check', () => '0 3 * * *');
    b.scheduler.start();
    await b.scheduler.idle();
    expect((await b.scheduler.status()).zone).toBe('UTC');
    await b.setZone('Asia/Tokyo');
    expect(await b.scheduler.status()).toMatchObject({ zone: 'Asia/Tokyo', now: '2026-11-28T21:00:00+09:00' });
    // Tokyo's 03:00 is 18:00 UTC; the zone change counts from now, so the morning's run is not owed.
    await b.advanceTo(at('2026-11-28T18:00:00Z'));
    expect(b.runs.map((r) => r.at)).toEqual(['2026-11-28T18:00:00.000Z']);
    await b.setZone('Mars/Olympus_Mons');
    expect((await b.scheduler.status()).zone).toBe('UTC');
    expect(b.logged).toContainEqual(expect.objectContaining({ level: 'warn', fields: { zone: 'Mars/Olympus_Mons' } }));
  });

  it('a run the daemon did not see end is marked interrupted at the next start, and not run again', async () => {
    const b = box();
    let entered!: () => void;
    const running = new Promise<void>((resolve) => (entered = resolve));
    b.scheduler.define({ id: 'update', cron: () => '0 3 * * *', unattended: true, run: () => (entered(), new Promise<RunOutcome>(() => {})) });
    b.scheduler.start();
    await b.advanceTo(at('2026-11-29T02:59:00Z'));
    void b.advanceTo(at('2026-11-29T03:00:00Z'));
    await running;
    expect(await task(b.scheduler, 'update')).toMatchObject({ lastStatus: 'running', lastStartedAt: '2026-11-29T03:00:00+00:00' });
    // The daemon dies in the middle: reopen on the same database.
    b.crash();
    b.clock.advance(3_600_000);
    const again = box({ root: b.root, clock: b.clock });
    again.define('update', () => '0 3 * * *', { unattended: true });
    again.scheduler.start();
    await again.scheduler.idle();
    expect(again.runs).toEqual([]);
    expect(await task(again.scheduler, 'update')).toMatchObject({ lastStatus: 'interrupted', lastFinishedAt: null, nextRunAt: '2026-11-30T03:00:00+00:00' });
    expect(again.logged).toContainEqual(expect.objectContaining({ level: 'warn', fields: { count: 1 } }));
  });

  it('the clock set back past recorded runs neither stalls the task nor runs it at once', async () => {
    const b = box({ clock: manualClock(at('2027-06-01T12:00:00Z')) });
    b.define('check', () => '0 3 * * *');
    b.scheduler.start();
    await b.advanceTo(at('2027-06-02T12:00:00Z'));
    expect(b.runs).toHaveLength(1);
    await b.close();
    // NTP puts the clock back half a year.
    b.clock.advance(at('2026-11-28T12:00:00Z') - b.clock.now());
    const back = box({ root: b.root, clock: b.clock });
    back.define('check', () => '0 3 * * *');
    back.scheduler.start();
    await back.scheduler.idle();
    expect(back.runs).toEqual([]);
    await back.advanceTo(at('2026-11-29T03:00:00Z'));
    expect(back.runs.map((r) => r.at)).toEqual(['2026-11-29T03:00:00.000Z']);
  });

  it('stop() lets a run in progress end and be recorded, then nothing more runs', async () => {
    const b = box();
    let finish!: () => void;
    let entered!: () => void;
    const running = new Promise<void>((resolve) => (entered = resolve));
    b.scheduler.define({
      id: 'backup',
      cron: () => '0 3 * * *',
      unattended: true,
      run: () => (entered(), new Promise<RunOutcome>((resolve) => (finish = () => resolve({ status: 'succeeded', jobId: 3 })))),
    });
    b.scheduler.start();
    await b.advanceTo(at('2026-11-29T02:59:00Z'));
    const firing = b.advanceTo(at('2026-11-29T03:00:00Z'));
    await running;
    let stopped = false;
    const stopping = b.scheduler.stop().then(() => (stopped = true));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stopped).toBe(false);
    finish();
    await stopping;
    await firing;
    expect(await task(b.scheduler, 'backup')).toMatchObject({ lastStatus: 'succeeded', lastJobId: 3 });
    expect(b.hand.count()).toBe(0);
  });

  it('sleeps no longer than maxSleepMs, so a wall-clock jump is noticed', async () => {
    const b = box({ maxSleepMs: 60_000 });
    b.define('check', () => '0 3 * * *');
    b.scheduler.start();
    await b.scheduler.idle();
    const [, timer] = b.hand.earliest()!;
    expect(timer.at - b.clock.now()).toBe(60_000);
  });
});

describe('scheduler on the real clock', () => {
  it('fires a every-second task on a real timer', async () => {
    const appliance: Appliance = testAppliance();
    const scheduler = createScheduler({ settings: appliance.settings, db: appliance.db, system: appliance.system });
    cleanups.push(async () => {
      await scheduler.stop();
      appliance.close();
    });
    const fired = new Promise<{ slot: number; at: number }>((resolve) => {
      scheduler.define({ id: 'tick', cron: () => '* * * * * *', unattended: false, run: async (context) => (resolve({ slot: context.slot.getTime(), at: Date.now() }), { status: 'succeeded' }) });
    });
    const before = Date.now();
    scheduler.start();
    const { slot, at: ranAt } = await fired;
    expect(slot % 1000).toBe(0);
    expect(slot).toBeGreaterThan(before);
    expect(ranAt).toBeGreaterThanOrEqual(slot);
    expect(ranAt - slot).toBeLessThan(1000);
  }, 5_000);
});
