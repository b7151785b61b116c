import cron from 'node-cron';
import { addDays, daysInMonth, instantOf, localDate, weekday, type LocalDate } from './zoned-time.js';

/**
 * Cron expressions as node-cron reads them (5 fields, or 6 with seconds first; names,
 * ranges, steps, wrap-around ranges like `22-2`, `L`, `L-3`, `15W`, `LW`, `5L`, `1#2`,
 * `@daily` …), and their occurrences in a zone: the next one after an instant, and the
 * last one at or before it — node-cron only looks forward, and only from the real clock.
 *
 * As in node-cron, day of month and day of week must BOTH match when both are given
 * (Vixie cron would take either). Occurrences follow the wall clock of the zone:
 * - a time the clock skips (summer time starts) runs when the clock jumps over it, so a
 *   daily 02:30 job runs at 03:00 that day; several skipped times collapse into that run;
 * - a time the clock shows twice (summer time ends) runs at its first showing only.
 */
export interface CronSchedule {
  readonly expression: string;
  readonly seconds: readonly number[];
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly months: ReadonlySet<number>;
  readonly daysOfMonth: readonly (number | string)[];
  readonly daysOfWeek: readonly (number | string)[];
}

/** How far to look for a day that matches (Feb 29 on a Monday comes every 28 years or so). */
const maxDays = 366 * 100;

const parsed = new Map<string, CronSchedule>();

/** Parses an expression; throws (node-cron's message) when it is not valid. */
export function parseCron(expression: string): CronSchedule {
  const cached = parsed.get(expression);
  if (cached) return cached;
  const fields = cron.parse(expression);
  const sorted = (values: readonly number[]) => [...new Set(values)].sort((a, b) => a - b);
  const schedule: CronSchedule = {
    expression,
    seconds: sorted(fields.second),
    minutes: sorted(fields.minute),
    hours: sorted(fields.hour),
    months: new Set(fields.month),
    daysOfMonth: fields.dayOfMonth,
    daysOfWeek: fields.dayOfWeek,
  };
  if (parsed.size > 256) parsed.clear();
  parsed.set(expression, schedule);
  return schedule;
}

/** Whether node-cron accepts the expression (use it to validate a schedule setting). */
export function isValidCron(expression: string): boolean {
  try {
    parseCron(expression);
    return true;
  } catch {
    return false;
  }
}

function nearestWeekday(year: number, month: number, target: number): number {
  const last = daysInMonth(year, month);
  if (target < 1 || target > last) return -1;
  const day = weekday({ year, month, day: target });
  if (day === 6) return target === 1 ? 3 : target - 1;
  if (day === 0) return target === last ? target - 2 : target + 1;
  return target;
}

function dayOfMonthMatches(tokens: readonly (number | string)[], date: LocalDate): boolean {
  const last = daysInMonth(date.year, date.month);
  for (const token of tokens) {
    if (token === date.day) return true;
    if (typeof token !== 'string') continue;
    if (token === 'L' && date.day === last) return true;
    const nearest = /^(\d{1,2}|L)W$/.exec(token);
    if (nearest && nearestWeekday(date.year, date.month, nearest[1] === 'L' ? last : Number(nearest[1])) === date.day) return true;
    const beforeLast = /^L-(\d{1,2})$/.exec(token);
    if (beforeLast && last - Number(beforeLast[1]) === date.day) return true;
  }
  return false;
}

function dayOfWeekMatches(tokens: readonly (number | string)[], date: LocalDate): boolean {
  const day = weekday(date);
  for (const token of tokens) {
    if (token === day) return true;
    if (typeof token !== 'string') continue;
    const lastOfMonth = /^([0-7])L$/i.exec(token);
    if (lastOfMonth && Number(lastOfMonth[1]) % 7 === day && date.day + 7 > daysInMonth(date.year, date.month)) return true;
    const nth = /^([0-7])#([1-5])$/.exec(token);
    if (nth && Number(nth[1]) % 7 === day && Math.floor((date.day - 1) / 7) + 1 === Number(nth[2])) return true;
  }
  return false;
}

/** Whether the schedule runs on this calendar day. */
export function dayMatches(schedule: CronSchedule, date: LocalDate): boolean {
  return schedule.months.has(date.month) && dayOfMonthMatches(schedule.daysOfMonth, date) && dayOfWeekMatches(schedule.daysOfWeek, date);
}

/**
 * The times of one matching day, in order, as instants. Index i enumerates
 * hour × minute × second; the instants never decrease with i (skipped times map to the
 * jump, repeated ones to their first showing), which is what lets us bisect.
 */
function dayTimes(schedule: CronSchedule, date: LocalDate, zone: string) {
  const { hours, minutes, seconds } = schedule;
  const perHour = minutes.length * seconds.length;
  return {
    count: hours.length * perHour,
    at(index: number): number {
      const hour = hours[Math.floor(index / perHour)]!;
      const minute = minutes[Math.floor((index % perHour) / seconds.length)]!;
      const second = seconds[index % seconds.length]!;
      return instantOf({ ...date, hour, minute, second }, zone);
    },
  };
}

/** The first occurrence strictly after `after`, or null when none comes within a century. */
export function nextOccurrence(schedule: CronSchedule, after: number, zone: string): number | null {
  // Start a day early: around a transition an instant can read as the previous date.
  let date = addDays(localDate(after, zone), -1);
  for (let i = 0; i < maxDays; i++, date = addDays(date, 1)) {
    if (!dayMatches(schedule, date)) continue;
    const times = dayTimes(schedule, date, zone);
    if (times.at(times.count - 1) <= after) continue;
    let low = 0;
    let high = times.count - 1;
    while (low < high) {
      const middle = Math.floor((low + high) / 2);
      if (times.at(middle) > after) high = middle;
      else low = middle + 1;
    }
    return times.at(low);
  }
  return null;
}

/** The last occurrence at or before `atOrBefore`, or null when none within a century. */
export function previousOccurrence(schedule: CronSchedule, atOrBefore: number, zone: string): number | null {
  let date = addDays(localDate(atOrBefore, zone), 1);
  for (let i = 0; i < maxDays; i++, date = addDays(date, -1)) {
    if (!dayMatches(schedule, date)) continue;
    const times = dayTimes(schedule, date, zone);
    if (times.at(0) > atOrBefore) continue;
    let low = 0;
    let high = times.count - 1;
    while (low < high) {
      const middle = Math.ceil((low + high) / 2);
      if (times.at(middle) <= atOrBefore) low = middle;
      else high = middle - 1;
    }
    return times.at(low);
  }
  return null;
}
