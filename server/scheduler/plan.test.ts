import { describe, expect, it } from 'vitest';
import { planTask, type PlanInput, type TaskRecord } from './plan.js';
import { maintenanceWindow } from './window.js';

const at = (iso: string) => Date.parse(iso);
const utc = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());

const daily = '0 3 * * *';
const window = maintenanceWindow('02:00', 4);

function record(overrides: Partial<TaskRecord> = {}): TaskRecord {
  return { cron: daily, zone: 'UTC', since: at('2026-11-01T00:00:00Z'), lastStartedAt: null, lastFinishedAt: null, ...overrides };
}

function plan(overrides: Partial<PlanInput>) {
  const decided = planTask({ cron: daily, unattended: false, zone: 'UTC', window, now: at('2026-11-28T12:00:00Z'), record: record(), ...overrides });
  return { ...decided, owed: utc(decided.owed), nextRunAt: utc(decided.nextRunAt) };
}

describe('planTask', () => {
  it('a disabled task, and one with an invalid expression, never run', () => {
    expect(plan({ cron: null })).toMatchObject({ enabled: false, invalid: false, owed: null, startNow: false, nextRunAt: null });
    expect(plan({ cron: '0 3 * *' })).toMatchObject({ enabled: false, invalid: true, owed: null, startNow: false, nextRunAt: null });
  });

  it('a new task owes nothing: it counts from now', () => {
    expect(plan({ record: undefined })).toMatchObject({ enabled: true, owed: null, startNow: false, nextRunAt: '2026-11-29T03:00:00.000Z' });
  });

  it('nothing owed when the last run came after the latest time', () => {
    const ran = record({ lastStartedAt: at('2026-11-28T03:00:00.010Z'), lastFinishedAt: at('2026-11-28T03:20:00Z') });
    expect(plan({ record: ran })).toMatchObject({ owed: null, startNow: false, nextRunAt: '2026-11-29T03:00:00.000Z' });
  });

  it('a box that was off for a week owes one run, for the latest time', () => {
    const ran = record({ lastStartedAt: at('2026-11-21T03:00:00Z'), lastFinishedAt: at('2026-11-21T03:20:00Z') });
    expect(plan({ record: ran })).toMatchObject({ owed: '2026-11-28T03:00:00.000Z', startNow: true, waitingForWindow: false, nextRunAt: '2026-11-28T12:00:00.000Z' });
  });

  it('runs due at the very time, and not a moment before', () => {
    const ran = record({ lastStartedAt: at('2026-11-27T03:00:00Z'), lastFinishedAt: at('2026-11-27T03:20:00Z') });
    expect(plan({ record: ran, now: at('2026-11-28T02:59:59.999Z') })).toMatchObject({ owed: null, nextRunAt: '2026-11-28T03:00:00.000Z' });
    expect(plan({ record: ran, now: at('2026-11-28T03:00:00Z') })).toMatchObject({ owed: '2026-11-28T03:00:00.000Z', startNow: true });
  });

  it('an unattended run owed outside the window waits for its opening', () => {
    const ran = record({ cron: '0 12 * * *', lastStartedAt: at('2026-11-20T02:00:00Z'), lastFinishedAt: at('2026-11-20T02:10:00Z') });
    const decided = plan({ cron: '0 12 * * *', unattended: true, record: ran, now: at('2026-11-28T13:00:00Z') });
    expect(decided).toMatchObject({ owed: '2026-11-28T12:00:00.000Z', startNow: false, waitingForWindow: true, folded: false, nextRunAt: '2026-11-29T02:00:00.000Z' });
    expect(plan({ cron: '0 12 * * *', unattended: true, record: ran, now: at('2026-11-29T02:00:00Z') })).toMatchObject({ owed: '2026-11-28T12:00:00.000Z', startNow: true });
  });

  it('an unattended task due outside the window is planned for the opening after its time', () => {
    expect(plan({ cron: '0 12 * * *', unattended: true, record: record({ cron: '0 12 * * *' }), now: at('2026-11-28T12:00:00Z') })).toMatchObject({
      owed: '2026-11-28T12:00:00.000Z',
      startNow: false,
      nextRunAt: '2026-11-29T02:00:00.000Z',
    });
    expect(plan({ cron: '0 12 * * *', unattended: true, record: undefined, now: at('2026-11-28T08:00:00Z') })).toMatchObject({ owed: null, nextRunAt: '2026-11-29T02:00:00.000Z' });
    // Inside the window: at its time.
    expect(plan({ unattended: true, record: undefined })).toMatchObject({ owed: null, nextRunAt: '2026-11-29T03:00:00.000Z' });
  });

  it('an owed unattended run is folded into its own time when that comes in the same window', () => {
    // Off from the 20th; back at noon on the 28th. The window opens at 02:00, the task's time is 03:00: one run, at 03:00.
    const ran = record({ lastStartedAt: at('2026-11-20T03:00:00Z'), lastFinishedAt: at('2026-11-20T03:10:00Z') });
    expect(plan({ unattended: true, record: ran })).toMatchObject({ owed: '2026-11-28T03:00:00.000Z', startNow: false, waitingForWindow: true, folded: true, nextRunAt: '2026-11-29T03:00:00.000Z' });
    // Back at 02:30, inside the window: waits the half hour for 03:00.
    expect(plan({ unattended: true, record: ran, now: at('2026-11-28T02:30:00Z') })).toMatchObject({ owed: '2026-11-27T03:00:00.000Z', startNow: false, folded: true, nextRunAt: '2026-11-28T03:00:00.000Z' });
    // Back at 04:00, inside the window but after the time: runs now.
    expect(plan({ unattended: true, record: ran, now: at('2026-11-28T04:00:00Z') })).toMatchObject({ owed: '2026-11-28T03:00:00.000Z', startNow: true, folded: false });
    // With an always-open window: at once, not the next night.
    expect(plan({ unattended: true, record: ran, window: maintenanceWindow('02:00', 24) })).toMatchObject({ owed: '2026-11-28T03:00:00.000Z', startNow: true, folded: false });
    // An attended task (an update check) never waits.
    expect(plan({ unattended: false, record: ran, now: at('2026-11-28T02:30:00Z') })).toMatchObject({ owed: '2026-11-27T03:00:00.000Z', startNow: true });
  });

  it('a changed expression, or zone, counts from the change: the morning’s run is not owed', () => {
    const ran = record({ lastStartedAt: at('2026-11-27T03:00:00Z'), lastFinishedAt: at('2026-11-27T03:10:00Z') });
    expect(plan({ cron: '0 1 * * *', record: ran })).toMatchObject({ owed: null, nextRunAt: '2026-11-29T01:00:00.000Z' });
    expect(plan({ zone: 'America/New_York', record: ran })).toMatchObject({ owed: null, nextRunAt: '2026-11-29T08:00:00.000Z' });
    // Once the change is recorded (since = the change), the next time is owed as usual.
    const changed = { ...ran, cron: '0 1 * * *', since: at('2026-11-28T12:00:00Z') };
    expect(plan({ cron: '0 1 * * *', record: changed, now: at('2026-11-29T01:00:00Z') })).toMatchObject({ owed: '2026-11-29T01:00:00.000Z', startNow: true });
  });

  it('a run that never finished (the daemon died) is not run again for the same time', () => {
    const died = record({ lastStartedAt: at('2026-11-28T03:00:00Z'), lastFinishedAt: null });
    expect(plan({ record: died })).toMatchObject({ owed: null, nextRunAt: '2026-11-29T03:00:00.000Z' });
  });

  it('a last run dated in the future (the clock was set back) does not stall the task', () => {
    // The store moved "since" to when it noticed (noon): the next time runs, not the clock's catching up.
    const future = record({ since: at('2026-11-28T12:00:00Z'), lastStartedAt: at('2027-06-01T03:00:00Z'), lastFinishedAt: at('2027-06-01T03:10:00Z') });
    expect(plan({ record: future })).toMatchObject({ owed: null, nextRunAt: '2026-11-29T03:00:00.000Z' });
    expect(plan({ record: future, now: at('2026-11-29T03:00:00Z') })).toMatchObject({ owed: '2026-11-29T03:00:00.000Z', startNow: true });
  });

  it('plans in the box’s zone across a summer-time change', () => {
    const berlin = record({ cron: '30 2 * * *', zone: 'Europe/Berlin', since: at('2026-03-01T00:00:00Z'), lastStartedAt: at('2026-03-28T01:30:00Z') });
    // 02:30 does not exist on 29 March: planned for the jump, 03:00 CEST.
    expect(plan({ cron: '30 2 * * *', zone: 'Europe/Berlin', record: berlin, now: at('2026-03-28T12:00:00Z') })).toMatchObject({ owed: null, nextRunAt: '2026-03-29T01:00:00.000Z' });
    expect(plan({ cron: '30 2 * * *', zone: 'Europe/Berlin', record: berlin, now: at('2026-03-29T01:00:00Z') })).toMatchObject({ owed: '2026-03-29T01:00:00.000Z', startNow: true });
  });
});
