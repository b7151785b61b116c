import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { manualClock, tempRoot } from '../testing/temp-root.js';
import { resolvePaths } from '../paths.js';
import { createAppliance } from '../appliance.js';
import { createMetrics, sampleEveryMs } from './metrics.js';

describe('metrics', () => {
  it('samples temperature and disk use into SQLite, keeps a week, and leaves gaps for readings that fail', async () => {
    const clock = manualClock();
    const db = openDatabase(resolvePaths(tempRoot()).database);
    let temperature: number | null = 48.5;
    let diskFails = false;
    const metrics = createMetrics({
      db,
      now: clock.now,
      readings: {
        cpuTemperature: async () => temperature,
        dataDisk: async () => {
          if (diskFails) throw new Error('EIO');
          return { usedBytes: 40e9, totalBytes: 128e9 };
        },
      },
    });
    await metrics.sampleOnce();
    clock.advance(sampleEveryMs);
    temperature = null;
    diskFails = true;
    await metrics.sampleOnce();
    clock.advance(sampleEveryMs);
    temperature = 51;
    diskFails = false;
    await metrics.sampleOnce();
    const start = clock.now() - 2 * sampleEveryMs;
    expect(metrics.recent('cpu_temperature', 24)).toEqual([
      { at: start, value: 48.5 },
      { at: start + 2 * sampleEveryMs, value: 51 },
    ]);
    expect(metrics.recent('data_disk_used', 24).map((s) => s.value)).toEqual([40e9, 40e9]);
    expect(metrics.recent('cpu_temperature', 0.1)).toEqual([{ at: start + 2 * sampleEveryMs, value: 51 }]);

    clock.advance(8 * 24 * 3_600_000);
    await metrics.sampleOnce();
    expect(db.prepare('SELECT COUNT(*) AS n FROM metric_samples WHERE at < ?').get(clock.now() - 7 * 24 * 3_600_000)).toEqual({ n: 0 });
    db.close();
  });

  it('reads the data disk of a real box (its parent while the data directory does not exist yet)', async () => {
    const appliance = createAppliance({ root: tempRoot(), systemKind: 'sandbox' });
    await appliance.metrics.sampleOnce();
    const [used] = appliance.metrics.recent('data_disk_used', 1);
    const [total] = appliance.metrics.recent('data_disk_total', 1);
    expect(total!.value).toBeGreaterThan(0);
    expect(used!.value).toBeGreaterThan(0);
    expect(used!.value).toBeLessThanOrEqual(total!.value);
    // The same share of the disk as df's Use% (used of used + available; root's reserve left out).
    const [usedNow, availableNow] = execFileSync('df', ['--output=used,avail', '-B1', appliance.paths.root], { encoding: 'utf8' }).trim().split('\n')[1]!.trim().split(/\s+/).map(Number);
    expect(Math.abs(used!.value / total!.value - usedNow! / (usedNow! + availableNow!))).toBeLessThan(0.01);
    appliance.close();
  });
});
