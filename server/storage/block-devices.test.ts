import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../paths.js';
import { createLinuxSystem } from '../system/linux.js';
import { createSandboxSystem } from '../system/sandbox.js';
import { tempRoot } from '../testing/temp-root.js';
import { confirmationName, fileSystemsOn, findDisk, inUse, listBlockDevices } from './block-devices.js';
import { loopDevicesUnavailable, loopDrive, mountAt, partitioned, sh } from './testing/loop-drive.js';

function sandbox() {
  const paths = resolvePaths(tempRoot());
  return { paths, system: createSandboxSystem(paths) };
}

describe('block devices in the sandbox (the pretend Raspberry Pi)', () => {
  it('lists the SD card as the system disk, the SSD and the stick as drives, with their partitions', async () => {
    const { system, paths } = sandbox();
    const list = await listBlockDevices(system);
    expect(list.systemDiskKnown).toBe(true);
    expect(list.disks.map((d) => [d.name, d.transport, d.model, d.vendor, d.system, d.systemRoles, d.removable])).toEqual([
      ['sda', 'usb', 'PSSD T7', 'Samsung', false, [], false],
      ['sdb', 'usb', 'Ultra Fit', 'SanDisk', false, [], true],
      ['mmcblk0', 'mmc', null, null, true, ['root', 'boot', 'state'], false],
    ]);
    const sd = findDisk(list, '/dev/mmcblk0')!;
    expect(sd.volumes.map((v) => [v.name, v.fstype, v.label, v.mounts.map((m) => m.shown)])).toEqual([
      ['mmcblk0p1', 'vfat', 'bootfs', ['/boot/firmware']],
      ['mmcblk0p2', 'ext4', 'rootfs', ['/']],
    ]);
    // The real path is under the sandbox root; the owner sees the box's path.
    expect(sd.volumes[1]!.mounts[0]!.real).toBe(paths.root);
    expect(sd.volumes[1]!.usage).toMatchObject({ usedBytes: 3_271_557_120 });
    const stick = findDisk(list, '/dev/sdb')!;
    expect(inUse(stick)).toEqual({ mounts: [{ real: paths.systemFile('media/STICK'), shown: '/media/STICK' }], swaps: [] });
    expect(inUse(findDisk(list, '/dev/sda')!)).toEqual({ mounts: [], swaps: [] });
    expect(fileSystemsOn(findDisk(list, '/dev/sda')!).map((v) => [v.path, v.fstype, v.label, v.uuid])).toEqual([
      ['/dev/sda1', 'ext4', 'photos', '3f0b8c52-7d1e-4a55-9a0c-6e2f61d0b7a4'],
    ]);
    expect(confirmationName(findDisk(list, '/dev/sda')!)).toBe('PSSD T7');
    expect(confirmationName(sd)).toBe('mmcblk0');
  });

  it('sees what sfdisk, mkfs, mount and umount changed, and they refuse what the real ones refuse', async () => {
    const { system, paths } = sandbox();
    const run = (argv: string[], input?: string) => system.run(argv, input !== undefined ? { input } : {});
    expect((await run(['wipefs', '--all', '/dev/sdb'])).stderr).toMatch(/Device or resource busy/);
    expect((await run(['sfdisk', '/dev/sdb'], 'label: gpt\ntype=linux\n')).stderr).toMatch(/currently in use/);
    expect((await run(['mkfs.ext4', '-F', '/dev/sdb1'])).stderr).toMatch(/contains a mounted filesystem/);
    expect((await run(['umount', paths.systemFile('media/STICK')])).code).toBe(0);

    expect((await run(['wipefs', '--all', '/dev/sdb'])).code).toBe(0);
    expect((await run(['sfdisk', '--dump', '/dev/sdb'])).code).toBe(1);
    expect((await run(['sfdisk', '--quiet', '/dev/sdb'], 'label: gpt\ntype=linux\n')).code).toBe(0);
    expect((await run(['mkfs.btrfs', '-f', '-L', 'backup', '/dev/sdb1'])).code).toBe(0);
    const made = findDisk(await listBlockDevices(system), '/dev/sdb')!.volumes[0]!;
    expect([made.fstype, made.label, made.uuid]).toEqual(['btrfs', 'backup', expect.stringMatching(/^[0-9a-f-]{36}$/)]);
    const uuid = made.uuid!;

    expect((await run(['mount', `UUID=${uuid}`, paths.systemFile('media/backup')])).stderr).toMatch(/mount point does not exist/);
    mkdirSync(paths.systemFile('media/backup'), { recursive: true });
    expect((await run(['mount', '-t', 'ext4', `UUID=${uuid}`, paths.systemFile('media/backup')])).stderr).toMatch(/wrong fs type/);
    expect((await run(['mount', '-t', 'btrfs', '-o', 'noatime', `UUID=${uuid}`, paths.systemFile('media/backup')])).code).toBe(0);

    const list = await listBlockDevices(system);
    const stick = findDisk(list, '/dev/sdb')!;
    expect([stick.partitionTable, stick.volumes.map((v) => [v.name, v.fstype, v.label, v.mounts.map((m) => m.shown)])]).toEqual([
      'gpt',
      [['sdb1', 'btrfs', 'backup', ['/media/backup']]],
    ]);
    // 1 MiB aligned start, GPT's backup table at the end.
    expect(stick.volumes[0]!.sizeBytes).toBe(30_750_539_776);
  });
});

const noLoop = loopDevicesUnavailable();
if (noLoop) console.log(`skipping the block-device tests on real loop devices: ${noLoop}`);

describe.skipIf(noLoop !== undefined)('block devices of this machine (real lsblk, loop devices)', () => {
  it('finds the disk holding / of this machine as the system disk, and a fresh loop device as an ordinary drive', async () => {
    const paths = resolvePaths(tempRoot());
    const drive = loopDrive(64);
    const list = await listBlockDevices(createLinuxSystem(paths));
    expect(list.systemDiskKnown).toBe(true);
    const systemDisks = list.disks.filter((d) => d.system);
    expect(systemDisks.length).toBe(1);
    expect(systemDisks[0]!.systemRoles).toContain('root');
    const loop = findDisk(list, drive.device)!;
    expect(loop).toMatchObject({ type: 'loop', transport: 'loop', system: false, sizeBytes: 64 * 1024 * 1024, volumes: [] });
  });

  it('names a loop device the system disk when /boot of the root lives on it, and reads its file system without udev', async () => {
    const paths = resolvePaths(tempRoot());
    const drive = loopDrive(64);
    const partition = partitioned(drive);
    sh('mkfs.ext4', ['-q', '-L', 'boot', partition]);
    mkdirSync(paths.systemFile('boot'), { recursive: true });
    mountAt(partition, paths.systemFile('boot'));
    const list = await listBlockDevices(createLinuxSystem(paths));
    const loop = findDisk(list, drive.device)!;
    expect(loop).toMatchObject({ system: true, systemRoles: ['boot'] });
    expect(loop.volumes.map((v) => [v.path, v.fstype, v.label, v.mounts.map((m) => m.shown)])).toEqual([[partition, 'ext4', 'boot', ['/boot']]]);
    expect(loop.volumes[0]!.usage?.sizeBytes).toBeGreaterThan(50 * 1024 * 1024);
  });
});
