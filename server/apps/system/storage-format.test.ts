import { readdirSync, readFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { findDisk, listBlockDevices } from '../../storage/block-devices.js';
import { loopDevicesUnavailable, loopDrive, mountAt, partitioned, probe, sh } from '../../storage/testing/loop-drive.js';
import { appHarness } from '../../testing/app-harness.js';
import storageFormat from './storage-format.js';

const en = translator('en');
const lsblk = (argv: string[]) => argv[0] === 'lsblk';

function sandboxBox() {
  const box = appHarness({ apps: [storageFormat] });
  return { box, root: box.appliance.paths.root, at: (file: string) => box.appliance.paths.systemFile(file) };
}

describe('storage-format app in the sandbox', () => {
  it('shows the drives and what is on them, offers the external ones, and never the SD card', async () => {
    const { box } = sandboxBox();
    const detail = await box.appliance.apps.detail('storage-format', en);
    expect(detail.info).toMatch(/^Formatting erases everything on the drive/);
    expect(detail.details).toEqual([
      { label: 'Drive', value: '/dev/sda · Samsung PSSD T7 · 466 GiB · usb — sda1 ext4 “photos” 466 GiB' },
      { label: 'Drive', value: '/dev/sdb · SanDisk Ultra Fit · 28.6 GiB · usb — sdb1 vfat “STICK” 28.6 GiB → /media/STICK' },
      { label: 'System disk (never formatted)', value: '/dev/mmcblk0 · mmcblk0 · 29.7 GiB · mmc' },
    ]);
    expect(detail.params.find((p) => p.id === 'device')).toMatchObject({ value: '', suggestions: ['/dev/sda', '/dev/sdb'] });
    expect(Object.fromEntries(detail.params.map((p) => [p.id, p.value]))).toMatchObject({ operation: 'format', filesystem: 'btrfs', label: 'hearth-data', confirm: '' });
  });

  it('refuses the system disk, a mounted drive, a wrong name and bad input, touching nothing', async () => {
    const { box } = sandboxBox();
    const base = { operation: 'format', device: '/dev/sda', filesystem: 'btrfs', label: 'data', confirm: 'PSSD T7' };
    const refusals: Array<[Record<string, unknown>, string, string]> = [
      [{ device: '/dev/mmcblk0', confirm: 'mmcblk0' }, 'device', 'app-storage-format:errors.systemDisk'],
      [{ device: '/dev/mmcblk0', operation: 'unmount' }, 'device', 'app-storage-format:errors.systemDisk'],
      [{ device: '/dev/mmcblk0p2' }, 'device', 'app-storage-format:errors.unknownDevice'],
      [{ device: '/dev/sdb', confirm: 'Ultra Fit' }, 'device', 'app-storage-format:errors.mounted'],
      [{ device: '/dev/sdz' }, 'device', 'app-storage-format:errors.unknownDevice'],
      [{ device: '' }, 'device', 'app-storage-format:params.device.invalid'],
      [{ device: '/dev/../etc/passwd' }, 'device', 'app-storage-format:params.device.invalid'],
      [{ device: '/dev/sda;reboot' }, 'device', 'app-storage-format:params.device.invalid'],
      [{ confirm: '' }, 'confirm', 'app-storage-format:errors.confirm'],
      [{ confirm: 'PSSD T5' }, 'confirm', 'app-storage-format:errors.confirm'],
      [{ label: '' }, 'label', 'app-storage-format:params.label.invalid'],
      [{ label: 'my drive' }, 'label', 'app-storage-format:params.label.invalid'],
      [{ label: '../etc' }, 'label', 'app-storage-format:params.label.invalid'],
      [{ label: 'a'.repeat(17) }, 'label', 'errors:fields.tooLong'],
      [{ filesystem: 'ntfs' }, 'filesystem', 'errors:fields.notInList'],
      [{ operation: 'erase' }, 'operation', 'errors:fields.notInList'],
      [{ device: '/dev/sda', operation: 'unmount' }, 'device', 'app-storage-format:errors.notMounted'],
    ];
    for (const [input, param, key] of refusals) {
      expect(await box.refused('storage-format', { ...base, ...input }), JSON.stringify(input)).toEqual([{ param, key }]);
    }
    expect((await box.programs()).every(lsblk)).toBe(true);
    expect(box.appliance.jobs.recent(10)).toEqual([]);
    expect(en('app-storage-format:errors.systemDisk', { device: '/dev/mmcblk0', places: '/, /boot, /var/lib/hearth' })).toBe(
      '/dev/mmcblk0 is the system disk: it holds /, /boot, /var/lib/hearth. Hearth never formats it.',
    );
  });

  it('takes the name with other blanks and case, and formats the SSD as Btrfs: partition table, file system, label', async () => {
    const { box } = sandboxBox();
    const { job, log } = await box.run('storage-format', { device: '/dev/sda', label: 'photos2', confirm: '  pssd   t7 ' });
    expect(job.status, log.join('\n')).toBe('succeeded');
    const changes = (await box.programs()).filter((argv) => !lsblk(argv));
    expect(changes).toEqual([
      ['sfdisk', '--dump', '/dev/sda'],
      ['wipefs', '--all', '--backup', '/dev/sda1'],
      ['wipefs', '--all', '--backup', '/dev/sda'],
      ['sfdisk', '--quiet', '--wipe', 'always', '--wipe-partitions', 'always', '/dev/sda'],
      ['partx', '--update', '/dev/sda'],
      ['udevadm', 'settle', '--timeout=30'],
      ['mkfs.btrfs', '--force', '--label', 'photos2', '/dev/sda1'],
      ['udevadm', 'settle', '--timeout=30'],
    ]);
    expect(log).toContain('Formatting /dev/sda · Samsung PSSD T7 · 466 GiB · usb');
    expect(log).toContain('Erasing: sda1 ext4 “photos” 466 GiB');
    const ssd = findDisk(await listBlockDevices(box.appliance.system), '/dev/sda')!;
    expect(ssd.partitionTable).toBe('gpt');
    expect(ssd.volumes.map((v) => [v.name, v.fstype, v.label])).toEqual([['sda1', 'btrfs', 'photos2']]);
    expect(log.at(-1)).toBe(`Done: /dev/sda1 holds a btrfs file system named “photos2” (UUID ${ssd.volumes[0]!.uuid}). Mount it with “Mount drives automatically”.`);
    // What was there is kept, to be put back as far as it can be.
    const undo = path.join(box.appliance.paths.stateDir, 'storage', 'format-undo');
    const [kept] = readdirSync(undo);
    expect(kept).toMatch(/^sda-\d{8}T\d{6}Z$/);
    expect(readFileSync(path.join(undo, kept!, 'partition-table.sfdisk'), 'utf8')).toMatch(/^label: gpt\ndevice: \/dev\/sda\n/);
    expect(JSON.parse(readFileSync(path.join(undo, kept!, 'drive.json'), 'utf8'))).toMatchObject({ path: '/dev/sda', volumes: [{ label: 'photos' }] });
  });

  it('unmounts the stick when asked, then formats it as ext4', async () => {
    const { box, at } = sandboxBox();
    const unmounted = await box.run('storage-format', { operation: 'unmount', device: '/dev/sdb' });
    expect(unmounted.job.status, unmounted.log.join('\n')).toBe('succeeded');
    expect(unmounted.log).toContain(`$ umount ${at('media/STICK')}`);
    expect(unmounted.log.at(-1)).toBe('Nothing on /dev/sdb is mounted any more. If it is mounted automatically, it will be again at the next start.');

    const { job, log } = await box.run('storage-format', { device: '/dev/sdb', filesystem: 'ext4', label: 'stick', confirm: 'Ultra Fit' });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(log).toContain('$ mkfs.ext4 -F -L stick -m 1 /dev/sdb1');
    const stick = findDisk(await listBlockDevices(box.appliance.system), '/dev/sdb')!;
    expect(stick.volumes.map((v) => [v.fstype, v.label, v.mounts])).toEqual([['ext4', 'stick', []]]);
  });

  it('refuses in the job too when the drive changed after the form was checked', async () => {
    const { box, at } = sandboxBox();
    // The check passes; between it and the job, something mounts the SSD.
    await box.appliance.apps.check('storage-format', { device: '/dev/sda', confirm: 'PSSD T7' });
    mkdirSync(at('media/photos'), { recursive: true });
    await box.appliance.system.run(['mount', '/dev/sda1', at('media/photos')]);
    await expect(box.refused('storage-format', { device: '/dev/sda', confirm: 'PSSD T7' })).resolves.toEqual([{ param: 'device', key: 'app-storage-format:errors.mounted' }]);
  });
});

const noLoop = loopDevicesUnavailable();
if (noLoop) console.log(`skipping the storage-format tests on loop devices: ${noLoop}`);

describe.skipIf(noLoop !== undefined)('storage-format app on real loop devices', () => {
  const linuxBox = () => {
    const box = appHarness({ apps: [storageFormat], systemKind: 'linux' });
    return { box, at: (file: string) => box.appliance.paths.systemFile(file) };
  };

  it('formats a drive as ext4: a GPT partition with the label, and blkid sees it', async () => {
    const { box } = linuxBox();
    const drive = loopDrive(256);
    const name = path.basename(drive.device);
    const { job, log } = await box.run('storage-format', { device: drive.device, filesystem: 'ext4', label: 'photos', confirm: name });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(sh('sfdisk', ['--dump', drive.device])).toMatch(/^label: gpt$/m);
    const fs = probe(`${drive.device}p1`);
    expect(fs).toMatchObject({ TYPE: 'ext4', LABEL: 'photos' });
    expect(fs.UUID).toMatch(/^[0-9a-f-]{36}$/);
    expect(log.at(-1)).toContain(`(UUID ${fs.UUID})`);
  });

  it('formats a drive that had a file system as Btrfs, keeping the old table and signatures to undo', async () => {
    const { box } = linuxBox();
    const drive = loopDrive(256);
    const old = partitioned(drive);
    sh('mkfs.ext4', ['-q', '-L', 'old', old]);
    const before = sh('sfdisk', ['--dump', drive.device]);
    const { job, log } = await box.run('storage-format', { device: drive.device, filesystem: 'btrfs', label: 'hearth-data', confirm: path.basename(drive.device) });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(log).toContain(`Erasing: ${path.basename(old)} ext4 “old” 254 MiB`);
    const fs = probe(old);
    expect(fs).toMatchObject({ TYPE: 'btrfs', LABEL: 'hearth-data' });
    const undoRoot = path.join(box.appliance.paths.stateDir, 'storage', 'format-undo');
    const undo = path.join(undoRoot, readdirSync(undoRoot)[0]!);
    expect(readFileSync(path.join(undo, 'partition-table.sfdisk'), 'utf8')).toBe(before);
    // wipefs --backup: the ext4 magic of the partition, and the GPT headers and PMBR of the drive.
    const saved = readdirSync(undo).filter((f) => f.startsWith('wipefs-')).sort();
    expect(saved).toContain(`wipefs-${path.basename(old)}-0x00000438.bak`);
    expect(saved.some((f) => f.startsWith(`wipefs-${path.basename(drive.device)}-`))).toBe(true);
  });

  it('refuses a drive that holds /boot of the box: the system disk', async () => {
    const { box, at } = linuxBox();
    const drive = loopDrive(256);
    const boot = partitioned(drive);
    sh('mkfs.ext4', ['-q', '-L', 'boot', boot]);
    mkdirSync(at('boot'), { recursive: true });
    mountAt(boot, at('boot'));
    expect(await box.refused('storage-format', { device: drive.device, confirm: path.basename(drive.device) })).toEqual([
      { param: 'device', key: 'app-storage-format:errors.systemDisk' },
    ]);
    expect(await box.refused('storage-format', { operation: 'unmount', device: drive.device })).toEqual([
      { param: 'device', key: 'app-storage-format:errors.systemDisk' },
    ]);
    expect(probe(boot)).toMatchObject({ TYPE: 'ext4', LABEL: 'boot' });
  });

  it('refuses a mounted drive, unmounts it for real when asked, then formats it', async () => {
    const { box, at } = linuxBox();
    const drive = loopDrive(256);
    const part = partitioned(drive);
    sh('mkfs.ext4', ['-q', '-L', 'usb', part]);
    mkdirSync(at('media/usb'), { recursive: true });
    mountAt(part, at('media/usb'));
    const name = path.basename(drive.device);
    expect(await box.refused('storage-format', { device: drive.device, confirm: name })).toEqual([{ param: 'device', key: 'app-storage-format:errors.mounted' }]);
    expect(probe(part)).toMatchObject({ LABEL: 'usb' });

    const unmounted = await box.run('storage-format', { operation: 'unmount', device: drive.device });
    expect(unmounted.job.status, unmounted.log.join('\n')).toBe('succeeded');
    expect(sh('findmnt', ['--raw', '--noheadings', '--output', 'TARGET'])).not.toContain(at('media/usb'));

    const { job, log } = await box.run('storage-format', { device: drive.device, filesystem: 'ext4', label: 'usb2', confirm: name });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(probe(part)).toMatchObject({ TYPE: 'ext4', LABEL: 'usb2' });
  });
});
