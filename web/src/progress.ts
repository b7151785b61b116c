import type { TFunction } from 'i18next';
import { formatBytes } from './format';

interface Sample {
  done: number;
  at: number;
}

/**
 * Throughput measured in the browser from successive progress reports: the amount
 * done over the last few seconds of the same phase (a new phase, or a count that goes
 * back, starts again). Null until the reports span long enough to mean something.
 * `at` is in milliseconds of a monotonic clock (performance.now()).
 */
export function createRateMeter(windowMs = 8_000, minSpanMs = 700) {
  let phase: string | undefined;
  let samples: Sample[] = [];
  return (nextPhase: string, done: number, at: number): number | null => {
    const last = samples.at(-1);
    if (nextPhase !== phase || (last && done < last.done)) {
      phase = nextPhase;
      samples = [];
    }
    samples.push({ done, at });
    // Keep one sample older than the window, so the span never falls short of it.
    while (samples.length > 2 && at - samples[1]!.at >= windowMs) samples.shift();
    const first = samples[0]!;
    const span = at - first.at;
    return span >= minSpanMs ? ((done - first.done) * 1000) / span : null;
  };
}

/** Seconds until `total` at `rate` per second; null when it cannot be told (nothing moves). */
export function secondsLeft(done: number, total: number, rate: number | null): number | null {
  if (rate === null || rate <= 0 || total <= done) return null;
  return (total - done) / rate;
}

/** "about 40 seconds left", "about 3 minutes left", "about 2 h 5 min left". */
export function timeLeftText(t: TFunction, seconds: number): string {
  if (seconds < 60) return t('panel:progress.secondsLeft', { count: Math.max(1, Math.ceil(seconds)) });
  if (seconds < 3_600) return t('panel:progress.minutesLeft', { count: Math.round(seconds / 60) });
  const minutes = Math.round(seconds / 60);
  return t('panel:progress.hoursLeft', { hours: Math.floor(minutes / 60), minutes: minutes % 60 });
}

/** "27.0 MiB of 64.1 MiB", or "120 of 300 entries". */
export function amountText(t: TFunction, done: number, total: number, unit: 'bytes' | 'entries'): string {
  if (unit === 'entries') return t('panel:progress.entries', { done, total });
  return t('panel:progress.bytes', { done: formatBytes(done), total: formatBytes(total) });
}
