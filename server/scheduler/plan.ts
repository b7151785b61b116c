import { isValidCron, nextOccurrence, parseCron, previousOccurrence } from './cron-time.js';
import { isAlwaysOpen, isWindowOpen, nextWindowOpening, type MaintenanceWindow } from './window.js';

/** What the schedules table remembers of a task (instants in ms). */
export interface TaskRecord {
  /** The expression the record counts from; null while the task was disabled. */
  cron: string | null;
  /** The zone the record counts in. */
  zone: string | null;
  /** Since when this expression, in this zone, has applied. */
  since: number;
  lastStartedAt: number | null;
  lastFinishedAt: number | null;
}

export interface PlanInput {
  /** The task's expression now (from the settings); null = disabled. */
  cron: string | null;
  unattended: boolean;
  zone: string;
  window: MaintenanceWindow;
  now: number;
  record: TaskRecord | undefined;
}

export interface Plan {
  enabled: boolean;
  /** The expression is set but node-cron does not accept it: the task does not run. */
  invalid: boolean;
  /**
   * The scheduled time a run is owed for — the latest occurrence since the last run,
   * however many passed (a box that was off for a week runs once) — or null.
   */
  owed: number | null;
  /** Start it now. */
  startNow: boolean;
  /** A run is owed but the maintenance window is closed. */
  waitingForWindow: boolean;
  /**
   * A run is owed, but the task's next time comes soon enough in the same stretch of the
   * window that one run there stands for both.
   */
  folded: boolean;
  /** When it will start next (now, the window's opening, or the next occurrence); null if never. */
  nextRunAt: number | null;
}

/**
 * Decides, from the clock alone, what one task should do. Pure: the scheduler asks it on
 * every wake-up and after every run, and status() shows what it answers.
 *
 * A run is owed when the expression's latest occurrence at or before now is later than
 * the task's last run and later than the moment the expression (or the zone) took effect
 * — a schedule set at noon does not owe the 03:00 run of that morning. Times recorded in
 * the future (the clock was set back) are ignored; the store then moves "since" to the
 * moment it noticed, so the task neither stalls until the clock catches up nor runs again
 * at once.
 */
export function planTask(input: PlanInput): Plan {
  const { cron, unattended, zone, window, now, record } = input;
  const idle: Plan = { enabled: false, invalid: false, owed: null, startNow: false, waitingForWindow: false, folded: false, nextRunAt: null };
  if (cron === null) return idle;
  if (!isValidCron(cron)) return { ...idle, invalid: true };
  const schedule = parseCron(cron);

  // What the record says counts only for the expression and zone it was kept for, and
  // only as far as it lies in the past (see the store's sync() for a clock set back).
  const kept = record && record.cron === cron && record.zone === zone ? record : undefined;
  const past = (instant: number | null) => (instant !== null && instant <= now ? instant : -Infinity);
  const handled = kept ? Math.max(Math.min(kept.since, now), past(kept.lastStartedAt), past(kept.lastFinishedAt)) : now;
  const previous = previousOccurrence(schedule, now, zone);
  const owed = previous !== null && previous > handled ? previous : null;

  const next = nextOccurrence(schedule, now, zone);
  if (owed !== null) {
    const open = !unattended || isWindowOpen(window, now, zone);
    const start = open ? now : nextWindowOpening(window, now, zone);
    // An owed unattended run whose own next time comes in the same stretch of the window
    // is folded into that run: a box back after a week runs its 03:00 backup at 03:00,
    // not at 02:00 and again at 03:00. (Not with an always-open window: that would wait a day.)
    const folds = unattended && !isAlwaysOpen(window) && next !== null && next > start && next - start < window.hours * 3_600_000 && isWindowOpen(window, next, zone);
    if (folds) return { enabled: true, invalid: false, owed, startNow: false, waitingForWindow: !open, folded: true, nextRunAt: next };
    return { enabled: true, invalid: false, owed, startNow: open, waitingForWindow: !open, folded: false, nextRunAt: start };
  }
  const nextRunAt = next === null ? null : unattended ? nextWindowOpening(window, next, zone) : next;
  return { enabled: true, invalid: false, owed: null, startNow: false, waitingForWindow: false, folded: false, nextRunAt };
}
