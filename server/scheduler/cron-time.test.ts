import cron from 'node-cron';
import { describe, expect, it } from 'vitest';
import { dayMatches, isValidCron, nextOccurrence, parseCron, previousOccurrence } from './cron-time.js';
import { addDays, formatInZone, instantOf, instantsOf } from './zoned-time.js';

const at = (iso: string) => Date.parse(iso);
const utc = (instant: number | null) => (instant === null ? null : new Date(instant).toISOString());

/** The chain of occurrences after `from`, `count` of them, as UTC ISO strings. */
function chain(expression: string, from: string, zone: string, count: number): string[] {
  const schedule = parseCron(expression);
  const out: string[] = [];
  let cursor = at(from);
  for (let i = 0; i < count; i++) {
    cursor = nextOccurrence(schedule, cursor, zone)!;
    out.push(utc(cursor)!);
  }
  return out;
}

// Europe/Berlin, 2026: summer time starts 29 March at 01:00 UTC (02:00 CET → 03:00 CEST)
// and ends 25 October at 01:00 UTC (03:00 CEST → 02:00 CET).
const berlin = 'Europe/Berlin';

describe('cron expressions', () => {
  it('accepts what node-cron accepts, and nothing else', () => {
    for (const good of ['0 3 * * *', '*/15 2-4 * * mon-fri', '@daily', '0 22-2 * * *', '0 0 L * *', '0 0 * * 5L', '0 0 * * 1#2', '*/5 * * * * *']) {
      expect(isValidCron(good), good).toBe(true);
    }
    for (const bad of ['', 'bad', '0 3 * *', '61 * * * *', '0 25 * * *', '0 0 31 2 *', '0 3 * * * * *', '0 3 * * 8', '0;3 * * * *']) {
      expect(isValidCron(bad), bad).toBe(false);
    }
  });
});

describe('next and previous occurrence', () => {
  it('finds the next time strictly after, the previous at or before', () => {
    const daily = parseCron('0 3 * * *');
    expect(utc(nextOccurrence(daily, at('2026-11-28T12:00:00Z'), 'UTC'))).toBe('2026-11-29T03:00:00.000Z');
    expect(utc(previousOccurrence(daily, at('2026-11-28T12:00:00Z'), 'UTC'))).toBe('2026-11-28T03:00:00.000Z');
    expect(utc(nextOccurrence(daily, at('2026-11-28T03:00:00Z'), 'UTC'))).toBe('2026-11-29T03:00:00.000Z');
    expect(utc(previousOccurrence(daily, at('2026-11-28T03:00:00Z'), 'UTC'))).toBe('2026-11-28T03:00:00.000Z');
    expect(utc(previousOccurrence(daily, at('2026-11-28T02:59:59.999Z'), 'UTC'))).toBe('2026-11-27T03:00:00.000Z');
  });

  it('reads the expression in the box’s zone', () => {
    const daily = parseCron('0 3 * * *');
    // 03:00 in Kolkata (UTC+05:30) is 21:30 UTC the day before.
    expect(utc(nextOccurrence(daily, at('2026-11-28T12:00:00Z'), 'Asia/Kolkata'))).toBe('2026-11-28T21:30:00.000Z');
    expect(utc(previousOccurrence(daily, at('2026-11-28T12:00:00Z'), 'Asia/Kolkata'))).toBe('2026-11-27T21:30:00.000Z');
    // Weekly on Sunday at 03:00 in New York: Sunday 29 November 2026, UTC−5.
    expect(utc(nextOccurrence(parseCron('0 3 * * sun'), at('2026-11-28T12:00:00Z'), 'America/New_York'))).toBe('2026-11-29T08:00:00.000Z');
    // Monthly on the last day at 23:30 in Tokyo.
    expect(utc(nextOccurrence(parseCron('30 23 L * *'), at('2026-11-28T12:00:00Z'), 'Asia/Tokyo'))).toBe('2026-11-30T14:30:00.000Z');
    expect(utc(previousOccurrence(parseCron('30 23 L * *'), at('2026-11-28T12:00:00Z'), 'Asia/Tokyo'))).toBe('2026-10-31T14:30:00.000Z');
  });

  it('summer time starts (Berlin): a skipped time runs when the clock jumps, once', () => {
    // 02:30 does not exist on 29 March: it runs at 03:00 CEST (01:00 UTC), then back to 02:30.
    expect(chain('30 2 * * *', '2026-03-27T12:00:00Z', berlin, 3)).toEqual(['2026-03-28T01:30:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-30T00:30:00.000Z']);
    expect(utc(previousOccurrence(parseCron('30 2 * * *'), at('2026-03-29T10:00:00Z'), berlin))).toBe('2026-03-29T01:00:00.000Z');
    expect(utc(previousOccurrence(parseCron('30 2 * * *'), at('2026-03-29T00:59:59Z'), berlin))).toBe('2026-03-28T01:30:00.000Z');
    // Hourly: 02:00 collapses into 03:00 CEST; nothing runs twice.
    expect(chain('0 * * * *', '2026-03-28T23:30:00Z', berlin, 4)).toEqual([
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST (02:00 skipped)
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
      '2026-03-29T03:00:00.000Z',
    ]);
    // Every 15 minutes: 02:00 … 02:45 all fall on the jump, which is also 03:00.
    expect(chain('*/15 * * * *', '2026-03-29T00:40:00Z', berlin, 3)).toEqual(['2026-03-29T00:45:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T01:15:00.000Z']);
    expect(utc(previousOccurrence(parseCron('*/15 * * * *'), at('2026-03-29T01:14:59Z'), berlin))).toBe('2026-03-29T01:00:00.000Z');
  });

  it('summer time ends (Berlin): a repeated time runs at its first showing only', () => {
    // 02:30 is shown at 00:30 UTC (CEST) and again at 01:30 UTC (CET): it runs at the first.
    expect(chain('30 2 * * *', '2026-10-24T12:00:00Z', berlin, 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-26T01:30:00.000Z']);
    expect(utc(previousOccurrence(parseCron('30 2 * * *'), at('2026-10-25T01:45:00Z'), berlin))).toBe('2026-10-25T00:30:00.000Z');
    // Hourly: the repeated 02:00 does not run again, so there are two hours between 02:00 and 03:00.
    expect(chain('0 * * * *', '2026-10-24T23:30:00Z', berlin, 3)).toEqual(['2026-10-25T00:00:00.000Z', '2026-10-25T02:00:00.000Z', '2026-10-25T03:00:00.000Z']);
    expect(utc(previousOccurrence(parseCron('0 * * * *'), at('2026-10-25T01:59:00Z'), berlin))).toBe('2026-10-25T00:00:00.000Z');
    expect(chain('*/30 * * * *', '2026-10-25T00:00:00Z', berlin, 2)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T02:00:00.000Z']);
  });

  it('a zone whose summer time moves by 30 minutes (Lord Howe Island)', () => {
    // 5 April 2026: 02:00 LHDT (+11) → 01:30 LHST (+10:30); 01:45 is shown twice, runs once.
    expect(instantsOf({ year: 2026, month: 4, day: 5, hour: 1, minute: 45, second: 0 }, 'Australia/Lord_Howe')).toHaveLength(2);
    expect(chain('45 1 * * *', '2026-04-04T00:00:00Z', 'Australia/Lord_Howe', 2)).toEqual(['2026-04-04T14:45:00.000Z', '2026-04-05T15:15:00.000Z']);
  });

  it('with seconds: every second, and a far-off date found quickly', () => {
    const everySecond = parseCron('* * * * * *');
    expect(utc(nextOccurrence(everySecond, at('2026-11-28T12:00:00.400Z'), 'UTC'))).toBe('2026-11-28T12:00:01.000Z');
    expect(utc(previousOccurrence(everySecond, at('2026-11-28T12:00:00.400Z'), 'UTC'))).toBe('2026-11-28T12:00:00.000Z');
    const started = performance.now();
    // 29 February on a Monday: 2044.
    expect(utc(nextOccurrence(parseCron('0 0 29 2 1'), at('2026-11-28T12:00:00Z'), berlin))).toBe('2044-02-28T23:00:00.000Z');
    expect(utc(previousOccurrence(parseCron('0 0 29 2 1'), at('2026-11-28T12:00:00Z'), berlin))).toBe('2016-02-28T23:00:00.000Z');
    expect(performance.now() - started).toBeLessThan(1000);
  });

  it('previous and next bracket every instant: no occurrence lies between them', () => {
    const expressions = ['0 3 * * *', '*/7 * * * *', '30 2 * * *', '0 */5 * * mon,thu', '15 4 L * *', '0 0 * * 0#1'];
    const zones = ['UTC', berlin, 'America/Sao_Paulo', 'Asia/Kathmandu'];
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    for (let i = 0; i < 300; i++) {
      const expression = expressions[i % expressions.length]!;
      const zone = zones[i % zones.length]!;
      const t = at('2026-01-01T00:00:00Z') + Math.floor(random() * 365 * 86_400_000);
      const schedule = parseCron(expression);
      const previous = previousOccurrence(schedule, t, zone)!;
      const next = nextOccurrence(schedule, t, zone)!;
      expect(previous, `${expression} ${zone} ${utc(t)}`).toBeLessThanOrEqual(t);
      expect(next).toBeGreaterThan(t);
      expect(nextOccurrence(schedule, previous, zone)).toBe(next);
      expect(previousOccurrence(schedule, next - 1, zone)).toBe(previous);
    }
  });
});

describe('agreement with node-cron’s own matcher', () => {
  // node-cron only matches the real clock forward; away from summer-time changes our
  // occurrences must be exactly the minutes its matcher accepts.
  function matcher(expression: string, zone: string) {
    const task = cron.createTask(expression, () => {}, { timezone: zone });
    return { match: (instant: number) => task.match(new Date(instant)), done: () => task.destroy() };
  }

  it('minute by minute over three days, in several zones', () => {
    for (const expression of ['*/7 * * * *', '0 3 * * *', '5,35 22-2 * * *', '0 */5 * * mon,thu', '30 0-23/6 * * sat-sun']) {
      for (const zone of ['UTC', berlin, 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe']) {
        const { match, done } = matcher(expression, zone);
        const from = at('2026-01-10T00:00:00Z');
        const to = from + 3 * 86_400_000;
        const expected: number[] = [];
        for (let t = from + 60_000; t <= to; t += 60_000) if (match(t)) expected.push(t);
        const found: number[] = [];
        for (let t = nextOccurrence(parseCron(expression), from, zone)!; t <= to; t = nextOccurrence(parseCron(expression), t, zone)!) found.push(t);
        expect(found.map(utc), `${expression} in ${zone}`).toEqual(expected.map(utc));
        done();
      }
    }
  });

  it('day by day over three years for L, L-n, W, LW, nL, n#k and friday-the-13th', () => {
    for (const expression of ['0 0 L * *', '0 0 L-3 * *', '0 0 15W * *', '0 0 1W * *', '0 0 LW * *', '0 0 * * 5L', '0 0 * * 1#2', '0 0 * * 7#5', '0 0 13 * 5', '0 0 29 2 *', '0 0 1-7 * mon']) {
      const { match, done } = matcher(expression, 'UTC');
      const schedule = parseCron(expression);
      let date = { year: 2026, month: 1, day: 1 };
      for (let i = 0; i < 3 * 366; i++, date = addDays(date, 1)) {
        const midnight = Date.UTC(date.year, date.month - 1, date.day);
        expect(dayMatches(schedule, date), `${expression} on ${utc(midnight)}`).toBe(match(midnight));
      }
      done();
    }
  });
});

describe('zoned time', () => {
  it('maps wall times to instants: skipped → the jump, repeated → both, first used', () => {
    expect(instantsOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, berlin)).toEqual([]);
    expect(utc(instantOf({ year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0 }, berlin))).toBe('2026-03-29T01:00:00.000Z');
    expect(instantsOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, berlin).map(utc)).toEqual(['2026-10-25T00:30:00.000Z', '2026-10-25T01:30:00.000Z']);
    expect(utc(instantOf({ year: 2026, month: 10, day: 25, hour: 2, minute: 30, second: 0 }, berlin))).toBe('2026-10-25T00:30:00.000Z');
  });

  it('formats an instant with the zone’s offset', () => {
    expect(formatInZone(at('2026-03-29T01:00:00Z'), berlin)).toBe('2026-03-29T03:00:00+02:00');
    expect(formatInZone(at('2026-03-29T00:59:59Z'), berlin)).toBe('2026-03-29T01:59:59+01:00');
    expect(formatInZone(at('2026-11-28T12:00:00Z'), 'Asia/Kolkata')).toBe('2026-11-28T17:30:00+05:30');
    expect(formatInZone(at('2026-11-28T12:00:00Z'), 'America/St_Johns')).toBe('2026-11-28T08:30:00-03:30');
    expect(formatInZone(at('2026-11-28T12:00:00Z'), 'UTC')).toBe('2026-11-28T12:00:00+00:00');
  });
});
