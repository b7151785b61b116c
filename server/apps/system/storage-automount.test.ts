import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { automountLine, freeMountPoint, mountName, withManagedMounts } from '../../storage/automount.js';
import { findDisk, listBlockDevices } from '../../storage/block-devices.js';
import { loopDevicesUnavailable, loopDrive, probe, sh } from '../../storage/testing/loop-drive.js';
import { appHarness } from '../../testing/app-harness.js';
import storageAutomount from './storage-automount.js';

const en = translator('en');
const photos = '3f0b8c52-7d1e-4a55-9a0c-6e2f61d0b7a4';
const stick = '4A1C-9F2E';
const rootfs = '56f80fa2-e005-4cca-86e6-19da1069914d';
const options = 'defaults,nofail,noatime,x-systemd.device-timeout=10s,x-hearth.automount';

const preexisting = [
  '# /etc/fstab: static file system information.',
  'PARTUUID=4e1f2a3b-02  /               ext4    defaults,noatime  0       1',
  'PARTUUID=4e1f2a3b-01  /boot/firmware  vfat    defaults          0       2',
  '',
].join('\n');

function sandboxBox() {
  const box = appHarness({ apps: [storageAutomount] });
  const at = (file: string) => box.appliance.paths.systemFile(file);
  mkdirSync(at('etc'), { recursive: true });
  writeFileSync(at('etc/fstab'), preexisting);
  return { box, at, root: box.appliance.paths.root };
}

describe('automount fstab lines', () => {
  it('are by UUID with nofail and a short device timeout, fsck only where Debian has the checker', () => {
    expect(automountLine(photos, '/media/photos', 'ext4')).toBe(`UUID=${photos} /media/photos ext4 ${options} 0 2`);
    expect(automountLine(photos, '/media/my photos', 'btrfs')).toBe(`UUID=${photos} /media/my\\040photos btrfs ${options} 0 0`);
  });

  it('name the mount point after the label, safely, and never twice', () => {
    expect(mountName('photos', photos)).toBe('photos');
    expect(mountName('My Photos/2024', photos)).toBe('My_Photos_2024');
    expect(mountName('..', photos)).toBe('drive-3f0b8c52');
    expect(mountName('...hidden', photos)).toBe('hidden');
    expect(mountName(null, stick)).toBe('drive-4a1c9f2e');
    expect(freeMountPoint('photos', new Set(['/media/photos', '/media/photos-2']))).toBe('/media/photos-3');
  });

  it('replace only Hearth’s own lines, in place, keeping every other byte', () => {
    const mine = `UUID=${photos} /media/photos ext4 ${options} 0 2`;
    const text = `${preexisting}${mine}\r\n# the owner's\ntmpfs /tmp tmpfs defaults 0 0`;
    expect(withManagedMounts(text, new Map([[photos, mine.replace('/media/photos', '/media/pics')]]))).toBe(
      `${preexisting}${mine.replace('/media/photos', '/media/pics')}\r\n# the owner's\ntmpfs /tmp tmpfs defaults 0 0`,
    );
    expect(withManagedMounts(text, new Map())).toBe(`${preexisting}# the owner's\ntmpfs /tmp tmpfs defaults 0 0`);
    expect(withManagedMounts(undefined, new Map([[photos, mine]]))).toBe(`${mine}\n`);
  });
});

describe('storage-automount app in the sandbox', () => {
  it('offers the external drives’ file systems, not the SD card’s', async () => {
    const { box } = sandboxBox();
    const detail = await box.appliance.apps.detail('storage-automount', en);
    expect(detail.active).toBe(false);
    expect(detail.details).toEqual([
      { label: 'Can be mounted', value: `${photos} — sda1 ext4 “photos” 466 GiB` },
      { label: 'Can be mounted', value: `${stick} — sdb1 vfat “STICK” 28.6 GiB → /media/STICK` },
    ]);
  });

  it('mounts a drive at /media/<label> by UUID: fstab line added, systemd told, mounted; and reads it back', async () => {
    const { box, at, root } = sandboxBox();
    const { job, log } = await box.run('storage-automount', { drives: photos });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(box.file('etc/fstab')).toBe(`${preexisting}UUID=${photos} /media/photos ext4 ${options} 0 2\n`);
    expect((await box.programs()).filter((argv) => argv[0] !== 'lsblk')).toEqual([
      ['systemctl', 'daemon-reload'],
      ['mount', '--fstab', at('etc/fstab'), '--target-prefix', root, '/media/photos'],
    ]);
    expect(existsSync(at('media/photos'))).toBe(true);
    const ssd = findDisk(await listBlockDevices(box.appliance.system), '/dev/sda')!;
    expect(ssd.volumes[0]!.mounts.map((m) => m.shown)).toEqual(['/media/photos']);
    expect(log.at(-1)).toBe('1 drive is mounted at every start.');

    const detail = await box.appliance.apps.detail('storage-automount', en);
    expect(detail.active).toBe(true);
    expect(detail.params[0]!.value).toBe(photos);
    expect(detail.details[0]).toEqual({ label: 'Mounted', value: `/media/photos ← UUID=${photos} (ext4)` });
  });

  it('keeps a stick where it is mounted already, and unmounts and forgets a drive taken off the list', async () => {
    const { box, at } = sandboxBox();
    await box.run('storage-automount', { drives: photos });
    const { job, log } = await box.run('storage-automount', { drives: `${stick}\n` });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(box.file('etc/fstab')).toBe(`${preexisting}UUID=${stick} /media/STICK vfat ${options} 0 2\n`);
    const changes = (await box.programs()).filter((argv) => argv[0] !== 'lsblk').slice(2);
    expect(changes).toEqual([['umount', at('media/photos')], ['systemctl', 'daemon-reload']]);
    // rmdir runs for real: it removes only an empty directory.
    expect(log).toContain(`$ rmdir ${at('media/photos')}`);
    expect(existsSync(at('media/photos'))).toBe(false);
    expect(log).toContain(`No longer mounted: ${photos} (/media/photos)`);
    const list = await listBlockDevices(box.appliance.system);
    expect(findDisk(list, '/dev/sda')!.volumes[0]!.mounts).toEqual([]);
    expect(findDisk(list, '/dev/sdb')!.volumes[0]!.mounts.map((m) => m.shown)).toEqual(['/media/STICK']);
  });

  it('keeps the line of a drive that is not plugged in, so it is mounted when it is', async () => {
    const { box } = sandboxBox();
    const absent = 'b0e1d2c3-0000-4000-8000-1234567890ab';
    const line = `UUID=${absent} /media/archive btrfs ${options} 0 0`;
    writeFileSync(box.appliance.paths.systemFile('etc/fstab'), `${preexisting}${line}\n`);
    const { job, log } = await box.run('storage-automount', { drives: `${absent}\n${photos}` });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(log).toContain(`The drive ${absent} is not plugged in: it will be mounted at /media/archive when it is.`);
    expect(box.file('etc/fstab')).toBe(`${preexisting}${line}\nUUID=${photos} /media/photos ext4 ${options} 0 2\n`);
    const detail = await box.appliance.apps.detail('storage-automount', en);
    expect(detail.details.slice(0, 2)).toEqual([
      { label: 'Not plugged in', value: `/media/archive ← UUID=${absent} (btrfs)` },
      { label: 'Mounted', value: `/media/photos ← UUID=${photos} (ext4)` },
    ]);
  });

  it('refuses what it must not mount or unmount, changing nothing', async () => {
    const { box, at } = sandboxBox();
    await box.run('storage-automount', { drives: photos });
    const fstab = box.file('etc/fstab');
    // The data folder lives on the SSD now.
    mkdirSync(at('media/photos/hearth-data'), { recursive: true });
    mkdirSync(path.dirname(box.appliance.paths.dataLink), { recursive: true });
    symlinkSync('../media/photos/hearth-data', box.appliance.paths.dataLink);
    const refusals: Array<[string, string]> = [
      ['not-a-uuid', 'app-storage-automount:errors.uuidForm'],
      [`${photos};reboot`, 'app-storage-automount:errors.uuidForm'],
      ['b0e1d2c3-0000-4000-8000-1234567890ab', 'app-storage-automount:errors.unknownUuid'],
      [rootfs, 'app-storage-automount:errors.systemDisk'],
      [stick, 'app-storage-automount:errors.holdsData'],
      ['', 'app-storage-automount:errors.holdsData'],
      [Array.from({ length: 33 }, (_, i) => `0000-${String(i).padStart(4, '0')}`).join('\n'), 'app-storage-automount:errors.tooMany'],
    ];
    for (const [drives, key] of refusals) expect(await box.refused('storage-automount', { drives }), drives).toEqual([{ param: 'drives', key }]);
    expect(box.file('etc/fstab')).toBe(fstab);
    expect(en('app-storage-automount:errors.holdsData', { uuid: photos, path: '/media/photos' })).toBe(
      `The data folder is on /media/photos (${photos}): it stays mounted. Move the data folder elsewhere first.`,
    );
  });

  it('applied again by a restore, skips a drive this box does not have and keeps the data folder’s drive, instead of failing', async () => {
    const { box, at } = sandboxBox();
    await box.run('storage-automount', { drives: photos });
    mkdirSync(at('media/photos/hearth-data'), { recursive: true });
    mkdirSync(path.dirname(box.appliance.paths.dataLink), { recursive: true });
    symlinkSync('../media/photos/hearth-data', box.appliance.paths.dataLink);
    const other = 'b0e1d2c3-0000-4000-8000-1234567890ab';
    // What apps/reapply.ts does with the restored settings: apply() without the form's checks.
    const { id, done } = await box.appliance.runner.start(
      { appId: 'storage-automount', action: 'apply', startedBy: 'cli:test', language: 'en', params: {}, locks: [] },
      (job) => storageAutomount.apply!({ drives: other }, job, box.appliance.env),
    );
    expect((await done).status).toBe('succeeded');
    const log = box.appliance.jobs.linesAfter(id, 0).map((line) => line.text);
    expect(log).toContain(`The drive ${other} is not plugged in and was never mounted here: nothing to write for it now. Plug it in and apply again.`);
    expect(log).toContain(`/media/photos (${photos}) holds the data folder: it stays mounted.`);
    expect(box.file('etc/fstab')).toBe(`${preexisting}UUID=${photos} /media/photos ext4 ${options} 0 2\n`);
  });

  it('refuses a file system it does not mount', async () => {
    const { box, at } = sandboxBox();
    await box.appliance.system.run(['umount', at('media/STICK')]);
    await box.appliance.system.run(['mkfs.ntfs', '-F', '-L', 'win', '/dev/sdb1']);
    const uuid = findDisk(await listBlockDevices(box.appliance.system), '/dev/sdb')!.volumes[0]!.uuid!;
    expect(await box.refused('storage-automount', { drives: uuid })).toEqual([{ param: 'drives', key: 'app-storage-automount:errors.filesystem' }]);
  });
});

const noLoop = loopDevicesUnavailable();
if (noLoop) console.log(`skipping the storage-automount tests on loop devices: ${noLoop}`);

describe.skipIf(noLoop !== undefined)('storage-automount app on a real loop device', () => {
  it('writes the fstab line and mounts the drive by UUID for real, and unmounts it when taken off', async () => {
    const box = appHarness({ apps: [storageAutomount], systemKind: 'linux' });
    const at = (file: string) => box.appliance.paths.systemFile(file);
    mkdirSync(at('etc'), { recursive: true });
    writeFileSync(at('etc/fstab'), preexisting);
    const drive = loopDrive(128);
    // A drive formatted whole, without a partition table, as some sticks come.
    sh('mkfs.ext4', ['-q', '-L', 'photos', drive.device]);
    const { UUID: uuid } = probe(drive.device);

    const { job, log } = await box.run('storage-automount', { drives: uuid! });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(readFileSync(at('etc/fstab'), 'utf8')).toBe(`${preexisting}UUID=${uuid} /media/photos ext4 ${options} 0 2\n`);
    // No systemd under this root: mount reads the line itself.
    expect(log.filter((l) => l.startsWith('$ '))).toEqual([`$ mount --fstab ${at('etc/fstab')} --target-prefix ${box.appliance.paths.root} /media/photos`]);
    expect(sh('findmnt', ['--noheadings', '--output', 'SOURCE,FSTYPE,OPTIONS', at('media/photos')]).trim()).toMatch(new RegExp(`^${drive.device}\\s+ext4\\s+rw,noatime`));
    writeFileSync(at('media/photos/hello.txt'), 'on the drive\n');
    sh('sync', ['--file-system', at('media/photos')]);
    expect(sh('debugfs', ['-R', 'cat /hello.txt', drive.device])).toBe('on the drive\n');

    const detail = await box.appliance.apps.detail('storage-automount', en);
    expect(detail.details).toEqual([{ label: 'Mounted', value: `/media/photos ← UUID=${uuid} (ext4)` }]);

    const off = await box.run('storage-automount', { drives: '' });
    expect(off.job.status, off.log.join('\n')).toBe('succeeded');
    expect(sh('findmnt', ['--raw', '--noheadings', '--output', 'TARGET'])).not.toContain(at('media/photos'));
    expect(readFileSync(at('etc/fstab'), 'utf8')).toBe(preexisting);
    expect(existsSync(path.join(at('media'), 'photos'))).toBe(false);
  });
});
