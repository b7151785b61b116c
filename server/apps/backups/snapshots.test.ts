import { describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { appHarness } from '../../testing/app-harness.js';
import snapshotsApp, { snapshotSettings } from './snapshots.js';

describe('snapshots app', () => {
  it('saves when and how many snapshots are taken and kept; the daily snapshot follows it', async () => {
    const box = appHarness({ apps: [snapshotsApp] });
    expect(snapshotSettings(box.appliance.env)).toEqual({ autoSnapshot: true, snapshotTime: '03:30', keepScheduled: 7, keepPreUpdate: 2 });
    const { job, log } = await box.run('snapshots', { snapshotTime: '01:15', keepScheduled: 3 });
    expect(job.status).toBe('succeeded');
    expect(log).toContain('A snapshot every day at 01:15; the last 3 are kept.');
    expect(snapshotSettings(box.appliance.env)).toMatchObject({ autoSnapshot: true, snapshotTime: '01:15', keepScheduled: 3 });
    const task = (await box.appliance.scheduler.status()).tasks.find((t) => t.id === 'auto-snapshot');
    expect(task).toMatchObject({ cron: '15 1 * * *', enabled: true });

    await box.run('snapshots', { autoSnapshot: false });
    expect((await box.appliance.scheduler.status()).tasks.find((t) => t.id === 'auto-snapshot')).toMatchObject({ cron: null, enabled: false });
  });

  it('refuses a time that is not HH:MM and counts out of range, saving nothing', async () => {
    const box = appHarness({ apps: [snapshotsApp] });
    expect(await box.refused('snapshots', { snapshotTime: '25:00' })).toEqual([{ param: 'snapshotTime', key: 'app-snapshots:params.snapshotTime.invalid' }]);
    expect((await box.refused('snapshots', { keepScheduled: 0, keepPreUpdate: 21 })).map((e) => e.param).sort()).toEqual(['keepPreUpdate', 'keepScheduled']);
    expect(box.appliance.saved.get('snapshots')).toBeUndefined();
    const detail = await box.appliance.apps.detail('snapshots', translator('zh-CN'));
    expect(detail.name).toBe('快照');
  });
});
