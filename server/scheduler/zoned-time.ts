/**
 * Wall-clock time in an IANA zone, through Intl (Node's ICU carries the tz rules), with
 * the two things a scheduler has to decide explicitly:
 *
 * - a wall time the clock skips (the hour lost when summer time starts) does not exist:
 *   it "happens" at the instant the clock jumps over it;
 * - a wall time the clock shows twice (the hour repeated when summer time ends) happens
 *   at its first showing.
 *
 * Instants are milliseconds since the epoch; wall times are plain fields.
 */

export interface WallTime {
  year: number;
  /** 1..12 */
  month: number;
  /** 1..31 */
  day: number;
  hour: number;
  minute: number;
  second: number;
}

export interface LocalDate {
  year: number;
  month: number;
  day: number;
}

const dayMs = 86_400_000;
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, format);
  }
  return format;
}

/** Whether this Node knows the zone (its ICU data, not the box's tzdata, answers). */
export function isKnownZone(zone: string): boolean {
  if (!zone) return false;
  try {
    formatter(zone);
    return true;
  } catch {
    return false;
  }
}

/** What a clock in `zone` shows at `instant` (to the second). */
export function wallTime(instant: number, zone: string): WallTime {
  const fields: Record<string, number> = {};
  for (const part of formatter(zone).formatToParts(new Date(instant))) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year!,
    month: fields.month!,
    day: fields.day!,
    // Some ICU versions still print midnight as 24 with h23.
    hour: fields.hour === 24 ? 0 : fields.hour!,
    minute: fields.minute!,
    second: fields.second!,
  };
}

/** A wall time as if it were UTC: the arithmetic form used to compare wall times. */
export function wallMs(wall: WallTime): number {
  return Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
}

/** The zone's offset from UTC at `instant`, in milliseconds (local = UTC + offset). */
export function offsetMs(instant: number, zone: string): number {
  const whole = Math.floor(instant / 1000) * 1000;
  return wallMs(wallTime(whole, zone)) - whole;
}

/**
 * Every instant at which a clock in `zone` shows `wall`: none (skipped), one, or two
 * (repeated), earliest first.
 */
export function instantsOf(wall: WallTime, zone: string): number[] {
  const local = wallMs(wall);
  const found = new Set<number>();
  // Offsets a day either side cover any transition that could affect this wall time.
  for (const offset of [offsetMs(local - dayMs, zone), offsetMs(local + dayMs, zone)]) {
    const candidate = local - offset;
    if (candidate + offsetMs(candidate, zone) === local) found.add(candidate);
  }
  return [...found].sort((a, b) => a - b);
}

/**
 * The instant a wall time "happens" for the scheduler: its first showing; for a skipped
 * wall time, the instant the clock jumps forward over it.
 */
export function instantOf(wall: WallTime, zone: string): number {
  const found = instantsOf(wall, zone);
  if (found.length) return found[0]!;
  const local = wallMs(wall);
  const before = offsetMs(local - dayMs, zone);
  const after = offsetMs(local + dayMs, zone);
  // In the gap: read with the offset after the jump it is too early, with the one before
  // it is too late; the jump lies between. Halve down to the millisecond.
  let low = local - after;
  let high = local - before;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetMs(middle, zone) === before) low = middle;
    else high = middle;
  }
  return high;
}

/** The local calendar date at `instant`. */
export function localDate(instant: number, zone: string): LocalDate {
  const { year, month, day } = wallTime(instant, zone);
  return { year, month, day };
}

/** The calendar date `days` after (or before) `date`. */
export function addDays(date: LocalDate, days: number): LocalDate {
  const shifted = new Date(Date.UTC(date.year, date.month - 1, date.day + days));
  return { year: shifted.getUTCFullYear(), month: shifted.getUTCMonth() + 1, day: shifted.getUTCDate() };
}

/** 0 = Sunday … 6 = Saturday. */
export function weekday(date: LocalDate): number {
  return new Date(Date.UTC(date.year, date.month - 1, date.day)).getUTCDay();
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * The instants in [from, to] at which the zone's offset changes (summer time starts or
 * ends), found by sampling every three hours and halving: zones change offset at most a
 * few times a year.
 */
export function offsetChanges(from: number, to: number, zone: string): number[] {
  const step = 3 * 3_600_000;
  const changes: number[] = [];
  let previous = from;
  let previousOffset = offsetMs(from, zone);
  while (previous < to) {
    const next = Math.min(previous + step, to);
    const nextOffset = offsetMs(next, zone);
    if (nextOffset !== previousOffset) {
      let low = previous;
      let high = next;
      while (high - low > 1) {
        const middle = Math.floor((low + high) / 2);
        if (offsetMs(middle, zone) === previousOffset) low = middle;
        else high = middle;
      }
      changes.push(high);
    }
    previous = next;
    previousOffset = nextOffset;
  }
  return changes;
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** ISO 8601 with the zone's offset at that instant: 2026-03-29T03:00:00+02:00. */
export function formatInZone(instant: number, zone: string): string {
  const wall = wallTime(instant, zone);
  const offsetMinutes = Math.round(offsetMs(instant, zone) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const abs = Math.abs(offsetMinutes);
  return (
    `${pad(wall.year, 4)}-${pad(wall.month)}-${pad(wall.day)}T${pad(wall.hour)}:${pad(wall.minute)}:${pad(wall.second)}` +
    `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`
  );
}
