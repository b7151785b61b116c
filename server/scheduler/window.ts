import { addDays, instantsOf, localDate, offsetChanges, wallTime } from './zoned-time.js';

/**
 * The maintenance window: the hours of the night in which unattended work (auto-update,
 * auto-backup, auto-snapshot) may start. It is wall-clock time in the box's zone, from
 * `start` for `hours` hours, wrapping past midnight (22:00 for 6 h ends at 04:00);
 * 24 hours means always.
 *
 * Being wall-clock time, it follows summer time: on the night the clocks go forward it is
 * an hour shorter (a start inside the skipped hour opens when the clock jumps), on the
 * night they go back an hour longer. A start inside the repeated hour opens at its first
 * showing, closes when the clock goes back before it, and opens again when it comes round.
 */
export interface MaintenanceWindow {
  /** Minutes after local midnight. */
  startMinute: number;
  /** 1..24 */
  hours: number;
}

export const windowStartPattern = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

/** From the settings' "HH:MM" and hour count. */
export function maintenanceWindow(start: string, hours: number): MaintenanceWindow {
  const match = /^(\d\d):(\d\d)$/.exec(start);
  const startMinute = match ? Number(match[1]) * 60 + Number(match[2]) : 120;
  return { startMinute: startMinute % 1440, hours: Math.min(Math.max(Math.trunc(hours), 1), 24) };
}

export function isAlwaysOpen(window: MaintenanceWindow): boolean {
  return window.hours >= 24;
}

/** Whether unattended work may start at `instant`. */
export function isWindowOpen(window: MaintenanceWindow, instant: number, zone: string): boolean {
  if (isAlwaysOpen(window)) return true;
  const wall = wallTime(instant, zone);
  const minute = wall.hour * 60 + wall.minute;
  return (minute - window.startMinute + 1440) % 1440 < window.hours * 60;
}

/**
 * The first instant at or after `from` at which the window is open: `from` itself when it
 * is open now. The window can only open when the wall clock reaches the start, or when
 * the clock is set back or forward (summer time), so those are the candidates.
 */
export function nextWindowOpening(window: MaintenanceWindow, from: number, zone: string): number {
  if (isWindowOpen(window, from, zone)) return from;
  const today = localDate(from, zone);
  const hour = Math.floor(window.startMinute / 60);
  const minute = window.startMinute % 60;
  const candidates: number[] = [];
  for (let days = 0; days <= 2; days++) {
    candidates.push(...instantsOf({ ...addDays(today, days), hour, minute, second: 0 }, zone));
  }
  candidates.push(...offsetChanges(from, from + 3 * 86_400_000, zone));
  const opening = candidates
    .filter((candidate) => candidate >= from && isWindowOpen(window, candidate, zone))
    .sort((a, b) => a - b)[0];
  // Unreachable for a real zone; never spin on a timer because of it.
  return opening ?? from + 86_400_000;
}
