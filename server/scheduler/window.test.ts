import { describe, expect, it } from 'vitest';
import { isWindowOpen, maintenanceWindow, nextWindowOpening } from './window.js';

const at = (iso: string) => Date.parse(iso);
const utc = (instant: number) => new Date(instant).toISOString();
const berlin = 'Europe/Berlin';

describe('maintenance window', () => {
  it('opens at the start for the given hours (02:00 for 4 h, UTC)', () => {
    const window = maintenanceWindow('02:00', 4);
    expect(isWindowOpen(window, at('2026-11-28T01:59:59Z'), 'UTC')).toBe(false);
    expect(isWindowOpen(window, at('2026-11-28T02:00:00Z'), 'UTC')).toBe(true);
    expect(isWindowOpen(window, at('2026-11-28T05:59:59Z'), 'UTC')).toBe(true);
    expect(isWindowOpen(window, at('2026-11-28T06:00:00Z'), 'UTC')).toBe(false);
    expect(utc(nextWindowOpening(window, at('2026-11-28T12:00:00Z'), 'UTC'))).toBe('2026-11-29T02:00:00.000Z');
    expect(utc(nextWindowOpening(window, at('2026-11-28T01:00:00Z'), 'UTC'))).toBe('2026-11-28T02:00:00.000Z');
    // Open now: now.
    expect(utc(nextWindowOpening(window, at('2026-11-28T03:17:00Z'), 'UTC'))).toBe('2026-11-28T03:17:00.000Z');
  });

  it('wraps past midnight (22:00 for 6 h ends at 04:00)', () => {
    const window = maintenanceWindow('22:00', 6);
    expect(isWindowOpen(window, at('2026-11-28T21:59:00Z'), 'UTC')).toBe(false);
    expect(isWindowOpen(window, at('2026-11-28T22:00:00Z'), 'UTC')).toBe(true);
    expect(isWindowOpen(window, at('2026-11-28T23:59:00Z'), 'UTC')).toBe(true);
    expect(isWindowOpen(window, at('2026-11-29T00:00:00Z'), 'UTC')).toBe(true);
    expect(isWindowOpen(window, at('2026-11-29T03:59:00Z'), 'UTC')).toBe(true);
    expect(isWindowOpen(window, at('2026-11-29T04:00:00Z'), 'UTC')).toBe(false);
    expect(utc(nextWindowOpening(window, at('2026-11-29T05:00:00Z'), 'UTC'))).toBe('2026-11-29T22:00:00.000Z');
  });

  it('24 hours means always', () => {
    const window = maintenanceWindow('02:00', 24);
    for (const hour of [0, 1, 2, 6, 12, 23]) expect(isWindowOpen(window, Date.UTC(2026, 10, 28, hour, 30), berlin)).toBe(true);
    expect(utc(nextWindowOpening(window, at('2026-11-28T12:34:00Z'), berlin))).toBe('2026-11-28T12:34:00.000Z');
  });

  it('is wall-clock time in the box’s zone', () => {
    const window = maintenanceWindow('02:00', 4);
    // 02:00 in Kolkata is 20:30 UTC the day before.
    expect(utc(nextWindowOpening(window, at('2026-11-28T12:00:00Z'), 'Asia/Kolkata'))).toBe('2026-11-28T20:30:00.000Z');
    expect(isWindowOpen(window, at('2026-11-28T20:29:00Z'), 'Asia/Kolkata')).toBe(false);
    expect(isWindowOpen(window, at('2026-11-29T00:29:00Z'), 'Asia/Kolkata')).toBe(true);
    expect(isWindowOpen(window, at('2026-11-29T00:30:00Z'), 'Asia/Kolkata')).toBe(false);
  });

  it('summer time starts (Berlin): the night is an hour shorter; a start in the skipped hour opens at the jump', () => {
    const window = maintenanceWindow('02:00', 4);
    // Opens at the jump (01:00 UTC, 03:00 CEST), closes at 06:00 CEST (04:00 UTC): 3 real hours.
    expect(utc(nextWindowOpening(window, at('2026-03-28T23:00:00Z'), berlin))).toBe('2026-03-29T01:00:00.000Z');
    expect(isWindowOpen(window, at('2026-03-29T00:59:59Z'), berlin)).toBe(false);
    expect(isWindowOpen(window, at('2026-03-29T03:59:59Z'), berlin)).toBe(true);
    expect(isWindowOpen(window, at('2026-03-29T04:00:00Z'), berlin)).toBe(false);
    const halfPast = maintenanceWindow('02:30', 4);
    expect(utc(nextWindowOpening(halfPast, at('2026-03-28T23:00:00Z'), berlin))).toBe('2026-03-29T01:00:00.000Z');
    // A one-hour window that lies entirely in the skipped hour does not open that night.
    const skipped = maintenanceWindow('02:00', 1);
    expect(utc(nextWindowOpening(skipped, at('2026-03-28T23:00:00Z'), berlin))).toBe('2026-03-30T00:00:00.000Z');
  });

  it('summer time ends (Berlin): the night is an hour longer; a start in the repeated hour opens twice', () => {
    const window = maintenanceWindow('02:00', 4);
    // 02:00 CEST (00:00 UTC) to 06:00 CET (05:00 UTC): 5 real hours, open throughout.
    expect(utc(nextWindowOpening(window, at('2026-10-24T12:00:00Z'), berlin))).toBe('2026-10-25T00:00:00.000Z');
    for (let t = at('2026-10-25T00:00:00Z'); t < at('2026-10-25T05:00:00Z'); t += 15 * 60_000) expect(isWindowOpen(window, t, berlin), utc(t)).toBe(true);
    expect(isWindowOpen(window, at('2026-10-25T05:00:00Z'), berlin)).toBe(false);
    // 02:30 for 2 h: opens at 02:30 CEST, closes when the clock goes back to 02:00, opens again at 02:30 CET.
    const halfPast = maintenanceWindow('02:30', 2);
    expect(utc(nextWindowOpening(halfPast, at('2026-10-24T12:00:00Z'), berlin))).toBe('2026-10-25T00:30:00.000Z');
    expect(isWindowOpen(halfPast, at('2026-10-25T00:59:59Z'), berlin)).toBe(true);
    expect(isWindowOpen(halfPast, at('2026-10-25T01:00:00Z'), berlin)).toBe(false);
    expect(utc(nextWindowOpening(halfPast, at('2026-10-25T01:00:00Z'), berlin))).toBe('2026-10-25T01:30:00.000Z');
    expect(isWindowOpen(halfPast, at('2026-10-25T03:29:59Z'), berlin)).toBe(true);
    expect(isWindowOpen(halfPast, at('2026-10-25T03:30:00Z'), berlin)).toBe(false);
  });

  it('reads the settings’ form defensively', () => {
    expect(maintenanceWindow('02:00', 4)).toEqual({ startMinute: 120, hours: 4 });
    expect(maintenanceWindow('23:45', 24)).toEqual({ startMinute: 23 * 60 + 45, hours: 24 });
    expect(maintenanceWindow('nonsense', 99)).toEqual({ startMinute: 120, hours: 24 });
    expect(maintenanceWindow('02:00', 0)).toEqual({ startMinute: 120, hours: 1 });
  });
});
