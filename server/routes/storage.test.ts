import { mkdirSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { testServer } from '../testing/test-server.js';

const photos = '3f0b8c52-7d1e-4a55-9a0c-6e2f61d0b7a4';

describe('storage API', () => {
  it('needs a session', async () => {
    const server = await testServer();
    await server.activate();
    expect((await server.get('/api/storage')).statusCode).toBe(401);
  });

  it('lists the drives with their partitions, the system disk, the data folder and what is mounted at every start', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const { paths } = server.appliance;
    mkdirSync(paths.systemFile('etc'), { recursive: true });
    writeFileSync(paths.systemFile('etc/fstab'), '');

    const first = await server.get('/api/storage', { cookie });
    expect(first.statusCode).toBe(200);
    const overview = first.json();
    expect(overview.systemDiskKnown).toBe(true);
    expect(overview.disks.map((d: { name: string; title: string; transport: string; system: boolean; systemPlaces: string }) => [d.name, d.title, d.transport, d.system, d.systemPlaces])).toEqual([
      ['sda', 'Samsung PSSD T7', 'usb', false, ''],
      ['sdb', 'SanDisk Ultra Fit', 'usb', false, ''],
      ['mmcblk0', 'mmcblk0', 'mmc', true, '/, /boot, /var/lib/hearth'],
    ]);
    expect(overview.disks[1].volumes).toEqual([
      {
        name: 'sdb1',
        path: '/dev/sdb1',
        type: 'part',
        sizeBytes: 30_751_588_352,
        fstype: 'vfat',
        label: 'STICK',
        uuid: '4A1C-9F2E',
        mountPoints: ['/media/STICK'],
        swap: false,
        usage: { sizeBytes: expect.any(Number), usedBytes: 2_147_483_648, availableBytes: expect.any(Number) },
        automount: null,
        holdsData: false,
      },
    ]);
    expect(overview.dataDir).toEqual({ path: '/srv/hearth', moved: false, missing: false, oldCopies: [] });
    expect(overview.automount).toEqual([]);

    // Mount the SSD through its app, as the Storage page does; the list follows.
    const started = await server.post('/api/apps/storage-automount/run', { params: { drives: photos } }, { cookie });
    expect(started.statusCode).toBe(202);
    await server.appliance.runner.idle();
    const after = (await server.get('/api/storage', { cookie })).json();
    expect(after.disks[0].volumes[0]).toMatchObject({ label: 'photos', mountPoints: ['/media/photos'], automount: '/media/photos' });
    expect(after.automount).toEqual([{ uuid: photos, mountPoint: '/media/photos', fstype: 'ext4', attached: true, mounted: true }]);
  });

  it('refuses the system disk through the apps API with a translated reason', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const refused = await server.post('/api/apps/storage-format/run', { params: { device: '/dev/mmcblk0', confirm: 'mmcblk0' } }, { cookie, headers: { 'accept-language': 'zh-CN' } });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({
      code: 'HEARTH_ERR_APP_PARAMS_INVALID',
      fields: [{ param: 'device', message: '/dev/mmcblk0 是系统盘：其上有 /, /boot, /var/lib/hearth。Hearth 永远不会格式化它。' }],
    });
  });
});
