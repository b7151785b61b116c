import type { Db } from '../store/database.js';

/*
 * A few numbers about the box, sampled every few minutes into SQLite so the dashboard
 * can draw the last 24 hours: the CPU temperature (from the board profile's sensor)
 * and how full the data disk is. Samples older than a week are dropped as new ones
 * come in. A board with no sensor simply has no temperature samples.
 */

/** data_disk_total is what the owner can fill (used + available, as df counts it), so used/total is df's Use%. */
export type MetricName = 'cpu_temperature' | 'data_disk_used' | 'data_disk_total';

export interface MetricSample {
  at: number;
  value: number;
}

export interface MetricReadings {
  cpuTemperature(): Promise<number | null>;
  dataDisk(): Promise<{ usedBytes: number; totalBytes: number } | null>;
}

export const sampleEveryMs = 5 * 60_000;
const keepMs = 7 * 24 * 3_600_000;

export function createMetrics(deps: { db: Db; readings: MetricReadings; now: () => number }) {
  const { db, readings, now } = deps;
  const insert = db.prepare<[string, number, number]>('INSERT OR REPLACE INTO metric_samples (name, at, value) VALUES (?, ?, ?)');
  const prune = db.prepare<[number]>('DELETE FROM metric_samples WHERE at < ?');
  const select = db.prepare<[string, number, number], MetricSample>('SELECT at, value FROM metric_samples WHERE name = ? AND at >= ? AND at <= ? ORDER BY at');
  let timer: NodeJS.Timeout | undefined;

  async function sampleOnce(): Promise<void> {
    const at = now();
    // A sensor or a disk that cannot be read this time leaves a gap in the chart, nothing else.
    const [temperature, disk] = await Promise.all([readings.cpuTemperature().catch(() => null), readings.dataDisk().catch(() => null)]);
    db.transaction(() => {
      if (temperature !== null && Number.isFinite(temperature)) insert.run('cpu_temperature', at, temperature);
      if (disk) {
        insert.run('data_disk_used', at, disk.usedBytes);
        insert.run('data_disk_total', at, disk.totalBytes);
      }
      prune.run(at - keepMs);
    })();
  }

  return {
    sampleOnce,
    /** Samples of `name` in the last `hours`, oldest first. */
    recent(name: MetricName, hours: number): MetricSample[] {
      const to = now();
      return select.all(name, to - hours * 3_600_000, to);
    },
    /** Samples now and every few minutes until stop(); the daemon calls it. */
    start(): void {
      if (timer) return;
      const tick = () => void sampleOnce().catch(() => {});
      tick();
      timer = setInterval(tick, sampleEveryMs);
      timer.unref();
    },
    stop(): void {
      if (timer) clearInterval(timer);
      timer = undefined;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
