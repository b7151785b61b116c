import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { createScheduler, type RunOutcome } from '../../scheduler/scheduler.js';
import { manualClock, tempRoot, testAppliance } from '../../testing/temp-root.js';
import type { CliContext } from '../context.js';
import { renderSchedule, scheduleCommand } from './schedule.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** A box in Berlin with four tasks in different states, the clock moved by hand. */
async function berlinBox() {
  const clock = manualClock(Date.parse('2026-11-28T07:00:00Z'));
  const appliance = testAppliance({ now: clock.now });
  closers.push(() => appliance.close());
  await appliance.system.writeFile(appliance.paths.systemFile('etc/timezone'), 'Europe/Berlin\n');
  const pending = new Map<number, () => void>();
  const timers = { set: (fire: () => void) => (pending.set(pending.size + 1, fire), pending.size), clear: () => {} };
  const scheduler = createScheduler({ settings: appliance.settings, db: appliance.db, system: appliance.system, now: clock.now, timers });
  const succeed = (jobId: number) => async (): Promise<RunOutcome> => (clock.advance(12 * 60_000), { status: 'succeeded', jobId });
  scheduler.define({ id: 'auto-backup', cron: () => '0 3 * * *', unattended: true, run: succeed(12) });
  scheduler.define({ id: 'update-check', cron: () => '0 */6 * * *', unattended: false, run: async () => ({ status: 'failed', errorCode: 'HEARTH_ERR_PROGRAM_FAILED', jobId: 13 }) });
  scheduler.define({ id: 'auto-update', cron: () => null, unattended: true, run: succeed(0) });
  scheduler.define({ id: 'auto-snapshot', cron: () => '0 3 * *', unattended: true, run: succeed(0) });
  return { appliance, scheduler, clock };
}

describe('hearth schedule', () => {
  it('shows the zone, the window and each task, in the box’s local time', async () => {
    const { scheduler, clock } = await berlinBox();
    scheduler.start();
    await scheduler.idle();
    // 08:00 in Berlin, the first look: nothing has run.
    const first = renderSchedule(translator('en'), await scheduler.status());
    expect(first).toBe(
      [
        'Time zone: Europe/Berlin (now 2026-11-28 08:00 +01:00)',
        'Maintenance window: from 02:00 for 4 hours, next opens 2026-11-29 02:00 +01:00',
        '',
        'auto-backup — 0 3 * * *, unattended: starts only inside the maintenance window',
        '  Last run: never',
        '  Next run: 2026-11-29 03:00 +01:00',
        '',
        'update-check — 0 */6 * * *',
        '  Last run: never',
        '  Next run: 2026-11-28 12:00 +01:00',
        '',
        'auto-update — off',
        '  Last run: never',
        '',
        'auto-snapshot — off: “0 3 * *” is not a valid schedule',
        '  Last run: never',
        '',
      ].join('\n'),
    );
    // Noon: the update check runs, and fails. (The clock is moved by hand; refresh() looks at once.)
    clock.advance(4 * 3_600_000);
    await scheduler.refresh();
    const noon = renderSchedule(translator('en'), await scheduler.status());
    expect(noon).toContain(
      'update-check — 0 */6 * * *\n  Last run: failed (HEARTH_ERR_PROGRAM_FAILED), 2026-11-28 12:00 +01:00 to 2026-11-28 12:00 +01:00\n  Job #13: “hearth job 13” shows its log.\n  Next run: 2026-11-28 18:00 +01:00\n',
    );
    // 03:00: the backup runs for 12 minutes (after the update check, whose 00:00 run is owed too).
    clock.advance(15 * 3_600_000);
    await scheduler.refresh();
    const night = renderSchedule(translator('en'), await scheduler.status());
    expect(night).toContain('Maintenance window: from 02:00 for 4 hours, open now\n');
    expect(night).toContain(
      'auto-backup — 0 3 * * *, unattended: starts only inside the maintenance window\n  Last run: succeeded, 2026-11-29 03:00 +01:00 to 2026-11-29 03:12 +01:00\n  Job #12: “hearth job 12” shows its log.\n  Next run: 2026-11-30 03:00 +01:00\n',
    );
    await scheduler.stop();
  });

  it('says a missed run waits for the window, or is made up by the next run; in Chinese too', async () => {
    const { scheduler, clock, appliance } = await berlinBox();
    scheduler.start();
    await scheduler.idle();
    clock.advance(19 * 3_600_000); // 03:00 the next day: the backup runs until 03:12
    await scheduler.refresh();
    await scheduler.stop();
    clock.advance(3 * 86_400_000 + 9 * 3_600_000 + 48 * 60_000); // the daemon is off until 13:00 three days later
    const text = renderSchedule(translator('en'), await scheduler.status());
    expect(text).toContain('  The run of 2026-12-02 03:00 +01:00 was missed; the next run, in the same window, makes up for it.\n  Next run: 2026-12-03 03:00 +01:00');
    expect(text).toContain('update-check — 0 */6 * * *\n  Last run: failed');
    expect(text).toContain('  The run of 2026-12-02 12:00 +01:00 is due and starts now.\n  Next run: 2026-12-02 13:00 +01:00');
    appliance.settings.set('maintenance.windowStart', '01:00');
    appliance.settings.set('maintenance.windowHours', 1);
    expect(renderSchedule(translator('en'), await scheduler.status())).toContain(
      'Maintenance window: from 01:00 for 1 hour, next opens 2026-12-03 01:00 +01:00\n',
    );
    expect(renderSchedule(translator('en'), await scheduler.status())).toContain('  The run of 2026-12-02 03:00 +01:00 was missed; it waits for the maintenance window.\n  Next run: 2026-12-03 01:00 +01:00');
    appliance.settings.set('maintenance.windowStart', '02:00');
    appliance.settings.set('maintenance.windowHours', 4);
    const chinese = renderSchedule(translator('zh-CN'), await scheduler.status());
    expect(chinese).toContain('时区：Europe/Berlin（现在 2026-12-02 13:00 +01:00）');
    expect(chinese).toContain('维护时段：从 02:00 起 4 小时，下次开放于 2026-12-03 02:00 +01:00');
    expect(chinese).toContain('2026-12-02 03:00 +01:00 的运行已错过，同一维护时段内的下一次运行会补上它。');
  });

  it('runs as a command: text and --json, on a box whose database it opens', async () => {
    const root = tempRoot();
    const appliance = testAppliance({ root });
    await appliance.system.writeFile(appliance.paths.systemFile('etc/timezone'), 'Asia/Tokyo\n');
    appliance.settings.set('maintenance.windowHours', 24);
    appliance.close();
    let stdout = '';
    const ctx: CliContext = {
      t: translator('en'),
      env: { HEARTH_SYSTEM: 'sandbox' },
      stdout: (text) => (stdout += text),
      stderr: () => {},
      stdin: Readable.from([]),
      stdinIsTty: false,
      stdoutIsTty: false,
    };
    expect(await scheduleCommand(ctx, { root })).toBe(0);
    expect(stdout).toMatch(/^Time zone: Asia\/Tokyo \(now \d{4}-\d\d-\d\d \d\d:\d\d \+09:00\)\nMaintenance window: any time\n/);
    stdout = '';
    expect(await scheduleCommand(ctx, { root, json: true })).toBe(0);
    const json = JSON.parse(stdout);
    expect(json).toMatchObject({ zone: 'Asia/Tokyo', window: { start: '02:00', hours: 24, open: true } });
    expect(Array.isArray(json.tasks)).toBe(true);
  });
});
