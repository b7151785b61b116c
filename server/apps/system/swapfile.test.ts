import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { createSandboxSystem } from '../../system/sandbox.js';
import { appHarness } from '../../testing/app-harness.js';
import swapfile from './swapfile.js';

const MiB = 1024 * 1024;
const show = ['swapon', '--show=NAME,SIZE', '--noheadings', '--raw', '--bytes'];
const en = translator('en');

const preexisting = [
  '# /etc/fstab: static file system information.',
  '# <file system> <mount point>   <type>  <options>       <dump>  <pass>',
  'UUID=0f3a-11 /               ext4    errors=remount-ro 0       1',
  'UUID=9b1c-22 none            swap    sw              0       0',
  '',
].join('\n');

function harness() {
  const box = appHarness({ apps: [swapfile] });
  const root = box.appliance.paths.root;
  const etc = box.appliance.paths.systemFile('etc');
  mkdirSync(etc, { recursive: true });
  writeFileSync(path.join(etc, 'fstab'), preexisting);
  mkdirSync(box.appliance.paths.systemFile('var'), { recursive: true });
  return {
    box,
    root,
    at: (file: string) => box.appliance.paths.systemFile(file),
    /** The commands the job ran (real and simulated), with the root shown as ROOT. */
    commands: (log: string[]) => log.filter((line) => line.startsWith('$ ')).map((line) => line.slice(2).replaceAll(root, 'ROOT')),
    /** Recorded host programs, with the root shown as ROOT. */
    async programs() {
      return (await box.programs()).map((argv) => argv.map((arg) => arg.replaceAll(root, 'ROOT')));
    },
  };
}

function hasSwapSignature(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(10);
    readSync(fd, buffer, 0, 10, 4096 - 10);
    return buffer.toString('latin1') === 'SWAPSPACE2';
  } finally {
    closeSync(fd);
  }
}

/** Programs on PATH that stand in for real ones, for one test. */
const originalPath = process.env.PATH;
const fakeDirs: string[] = [];
function fakeProgram(name: string, script: string) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-fake-bin-'));
  fakeDirs.push(dir);
  writeFileSync(path.join(dir, name), `#!/bin/sh\n${script}\n`);
  chmodSync(path.join(dir, name), 0o755);
  process.env.PATH = `${dir}:${process.env.PATH}`;
}
afterEach(() => {
  process.env.PATH = originalPath;
  for (const dir of fakeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('swapfile app', () => {
  it('creates /var/swap (0600, exact size, swap signature), switches it on, adds one fstab line and reads it back', async () => {
    const { box, at, commands, programs } = harness();
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    expect(job.status, log.join('\n')).toBe('succeeded');

    const info = statSync(at('var/swap'));
    expect(info.size).toBe(128 * MiB);
    expect(info.mode & 0o777).toBe(0o600);
    // Fully allocated, no holes: what swapon and the kernel demand.
    expect(info.blocks * 512).toBeGreaterThanOrEqual(info.size);
    expect(hasSwapSignature(at('var/swap'))).toBe(true);
    expect(box.file('etc/fstab')).toBe(preexisting + '/var/swap none swap sw 0 0\n');

    expect(commands(log)).toEqual(['fallocate -l 134217728 ROOT/var/swap', 'mkswap ROOT/var/swap', 'swapon ROOT/var/swap']);
    // Simulated host programs: status before the job, the job's own look, then the changes.
    expect(await programs()).toEqual([show, show, ['mkswap', 'ROOT/var/swap'], ['swapon', 'ROOT/var/swap']]);
    expect((await box.state()).swaps).toEqual([at('var/swap')]);
    expect(log).toContain('Creating the swap file /var/swap: 128 MiB on ' + execFileSync('findmnt', ['-n', '-o', 'FSTYPE', '--target', at('var')], { encoding: 'utf8' }).trim());
    expect(log.at(-1)).toBe('The box now swaps to /var/swap (128 MiB), also after a restart.');

    const detail = await box.appliance.apps.detail('swapfile', en);
    expect(detail.active).toBe(true);
    expect(detail.heavy).toBe(true);
    expect(Object.fromEntries(detail.params.map((p) => [p.id, p.value]))).toEqual({ enabled: true, path: '/var/swap', sizeMiB: 128 });
    expect(detail.params.find((p) => p.id === 'sizeMiB')).toMatchObject({ minimum: 128, maximum: 65536, unit: 'MiB' });
    expect(detail.params.find((p) => p.id === 'path')).toMatchObject({ kind: 'path', expect: 'file', default: '/var/swap' });
    expect(detail.details).toEqual([{ label: 'Swap in use', value: '/var/swap (128 MiB)' }]);
    expect(box.appliance.saved.get('swapfile')).toEqual({ enabled: true, path: '/var/swap', sizeMiB: 128 });
  });

  it('changes nothing when the same swap file is applied again', async () => {
    const { box, at, commands, programs } = harness();
    await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    const before = statSync(at('var/swap'));
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    expect(job.status).toBe('succeeded');
    expect(commands(log)).toEqual([]);
    expect(log.at(-1)).toBe('The swap file /var/swap (128 MiB) is already in use; nothing to change.');
    expect(statSync(at('var/swap')).ino).toBe(before.ino);
    expect((await programs()).slice(4)).toEqual([show, show]);
    expect(box.file('etc/fstab')).toBe(preexisting + '/var/swap none swap sw 0 0\n');
  });

  it('resizes in place: swapoff first, then a new file, fstab untouched', async () => {
    const { box, at, commands, programs } = harness();
    await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 256 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual(['swapoff ROOT/var/swap', 'fallocate -l 268435456 ROOT/var/swap', 'mkswap ROOT/var/swap', 'swapon ROOT/var/swap']);
    expect((await programs()).slice(4)).toEqual([show, show, ['swapoff', 'ROOT/var/swap'], ['mkswap', 'ROOT/var/swap'], ['swapon', 'ROOT/var/swap']]);
    expect(statSync(at('var/swap')).size).toBe(256 * MiB);
    expect(statSync(at('var/swap')).mode & 0o777).toBe(0o600);
    expect(box.file('etc/fstab')).toBe(preexisting + '/var/swap none swap sw 0 0\n');
    const detail = await box.appliance.apps.detail('swapfile', en);
    expect(detail.params.find((p) => p.id === 'sizeMiB')?.value).toBe(256);
    expect(detail.details).toEqual([{ label: 'Swap in use', value: '/var/swap (256 MiB)' }]);
  });

  it('moves the swap file: the old one goes off, the new one on, fstab line replaced in place, old file removed last', async () => {
    const { box, at, commands, programs } = harness();
    await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    writeFileSync(at('etc/fstab'), box.file('etc/fstab') + 'tmpfs /run/shm tmpfs defaults 0 0\n');
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/swapfile', sizeMiB: 128 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual(['swapoff ROOT/var/swap', 'fallocate -l 134217728 ROOT/swapfile', 'mkswap ROOT/swapfile', 'swapon ROOT/swapfile']);
    expect((await programs()).slice(4)).toEqual([show, show, ['swapoff', 'ROOT/var/swap'], ['mkswap', 'ROOT/swapfile'], ['swapon', 'ROOT/swapfile']]);
    expect(existsSync(at('var/swap'))).toBe(false);
    expect(statSync(at('swapfile')).size).toBe(128 * MiB);
    expect(box.file('etc/fstab')).toBe(preexisting + '/swapfile none swap sw 0 0\ntmpfs /run/shm tmpfs defaults 0 0\n');
    expect(log.indexOf('Removing /var/swap')).toBeGreaterThan(log.indexOf('$ swapon ' + at('swapfile')));
    expect((await box.state()).swaps).toEqual([at('swapfile')]);
  });

  it('switches off: swapoff, fstab line removed (all else kept), file deleted, status reads it back', async () => {
    const { box, at, commands, programs } = harness();
    await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    const { job, log } = await box.run('swapfile', { enabled: false });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual(['swapoff ROOT/var/swap']);
    expect((await programs()).slice(4)).toEqual([show, show, ['swapoff', 'ROOT/var/swap']]);
    expect(box.file('etc/fstab')).toBe(preexisting);
    expect(existsSync(at('var/swap'))).toBe(false);
    expect(log.at(-1)).toBe('The swap file is switched off and removed.');
    const detail = await box.appliance.apps.detail('swapfile', en);
    expect(detail.active).toBe(false);
    expect(detail.params.find((p) => p.id === 'enabled')?.value).toBe(false);
    expect(detail.details).toEqual([]);

    // Again: there is nothing left to switch off.
    const again = await box.run('swapfile', { enabled: false });
    expect(again.job.status).toBe('succeeded');
    expect(again.log.at(-1)).toBe('No swap file is set up; nothing to switch off.');
    expect(box.file('etc/fstab')).toBe(preexisting);
  });

  it('reads a swap file set up by hand from fstab, and reports it off when swapon has not got it', async () => {
    const { box, at } = harness();
    execFileSync('truncate', ['-s', '512M', at('swapfile')]);
    writeFileSync(at('etc/fstab'), preexisting + '/swapfile none swap sw 0 0\n');
    const detail = await box.appliance.apps.detail('swapfile', en);
    expect(detail.active).toBe(false);
    expect(Object.fromEntries(detail.params.map((p) => [p.id, p.value]))).toEqual({ enabled: false, path: '/swapfile', sizeMiB: 512 });
  });

  it('takes over from dphys-swapfile (Raspberry Pi OS) and replaces its /var/swap', async () => {
    const { box, at, commands, programs } = harness();
    const sandbox = createSandboxSystem(box.appliance.paths);
    mkdirSync(at('lib/systemd/system'), { recursive: true });
    writeFileSync(at('lib/systemd/system/dphys-swapfile.service'), '[Service]\nExecStart=/sbin/dphys-swapfile setup\n');
    // What dphys-swapfile left: a 100 MiB swap area at /var/swap, in use, not in fstab.
    execFileSync('fallocate', ['-l', String(100 * MiB), at('var/swap')]);
    await sandbox.run(['mkswap', at('var/swap')]);
    await sandbox.run(['swapon', at('var/swap')]);
    await sandbox.run(['systemctl', 'enable', '--now', 'dphys-swapfile.service']);

    const { job, log } = await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual([
      'systemctl disable --now dphys-swapfile.service',
      'swapoff ROOT/var/swap',
      'fallocate -l 134217728 ROOT/var/swap',
      'mkswap ROOT/var/swap',
      'swapon ROOT/var/swap',
    ]);
    expect((await programs()).slice(3)).toEqual([
      show,
      ['systemctl', 'is-enabled', 'dphys-swapfile.service'],
      ['systemctl', 'is-active', 'dphys-swapfile.service'],
      ['systemctl', 'disable', '--now', 'dphys-swapfile.service'],
      show,
      ['swapoff', 'ROOT/var/swap'],
      ['mkswap', 'ROOT/var/swap'],
      ['swapon', 'ROOT/var/swap'],
    ]);
    expect((await box.state()).services['dphys-swapfile']).toEqual({ enabled: false, active: false });
    expect(statSync(at('var/swap')).size).toBe(128 * MiB);
    expect(box.file('etc/fstab')).toBe(preexisting + '/var/swap none swap sw 0 0\n');
  });

  it('writes zeros with dd where the filesystem cannot preallocate', async () => {
    const { box, at, commands } = harness();
    fakeProgram('fallocate', 'echo "fallocate: fallocate failed: Operation not supported" >&2; exit 1');
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual([
      'fallocate -l 134217728 ROOT/var/swap',
      'dd if=/dev/zero of=ROOT/var/swap bs=1M count=128 conv=fsync status=none',
      'mkswap ROOT/var/swap',
      'swapon ROOT/var/swap',
    ]);
    expect(log).toContain('This filesystem cannot preallocate: writing the file with zeros instead.');
    const info = statSync(at('var/swap'));
    expect([info.size, info.mode & 0o777]).toEqual([128 * MiB, 0o600]);
    expect(info.blocks * 512).toBeGreaterThanOrEqual(info.size);
  });

  it('puts the old swap file back in use when making the new one fails, and leaves fstab alone', async () => {
    const { box, at, commands, programs } = harness();
    await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    fakeProgram('fallocate', 'echo "fallocate: fallocate failed: No space left on device" >&2; exit 1');
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/swapfile', sizeMiB: 128 });
    expect(job.status).toBe('failed');
    expect(job.errorCode).toBe('HEARTH_ERR_PROGRAM_FAILED');
    expect(commands(log)).toEqual(['swapoff ROOT/var/swap', 'fallocate -l 134217728 ROOT/swapfile', 'swapon ROOT/var/swap']);
    expect(log).toContain('Creating the swap file failed; undoing.');
    expect((await programs()).slice(4)).toEqual([show, show, ['swapoff', 'ROOT/var/swap'], ['swapon', 'ROOT/var/swap']]);
    expect(existsSync(at('swapfile'))).toBe(false);
    expect(statSync(at('var/swap')).size).toBe(128 * MiB);
    expect(box.file('etc/fstab')).toBe(preexisting + '/var/swap none swap sw 0 0\n');
    expect((await box.state()).swaps).toEqual([at('var/swap')]);
  });

  it('drops the fstab line when resizing in place fails, so boot does not look for a missing file', async () => {
    const { box, at } = harness();
    await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128 });
    fakeProgram('fallocate', 'echo "fallocate: fallocate failed: Input/output error" >&2; exit 1');
    const { job } = await box.run('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 256 });
    expect(job.status).toBe('failed');
    expect(existsSync(at('var/swap'))).toBe(false);
    expect(box.file('etc/fstab')).toBe(preexisting);
    expect((await box.state()).swaps).toEqual([]);
  });

  it('refuses bad input with a translated reason, writing, running and saving nothing', async () => {
    const { box, at, programs } = harness();
    writeFileSync(at('var/notes.txt'), 'my notes\n');
    mkdirSync(at('var/adir'));
    symlinkSync('/etc/passwd', at('var/alink'));
    const refusals: Array<[Record<string, unknown>, string, string]> = [
      [{ path: 'var/swap' }, 'path', 'app-swapfile:params.path.invalid'],
      [{ path: '' }, 'path', 'app-swapfile:params.path.invalid'],
      [{ path: '/var/sw\u0000ap' }, 'path', 'app-swapfile:params.path.invalid'],
      [{ path: '/' + 'a'.repeat(4096) }, 'path', 'errors:fields.tooLong'],
      [{ path: 42 }, 'path', 'errors:fields.wrongType'],
      [{ path: '/../../etc/swap' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var/../../../swap' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var/./swap' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var//swap' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var/swap/' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var/my swap' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var/swap\n/dev/sda1' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var/swap;reboot' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var/$(reboot)' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/var/swäp' }, 'path', 'app-swapfile:errors.pathForm'],
      [{ path: '/etc/swap' }, 'path', 'app-swapfile:errors.systemDirectory'],
      [{ path: '/tmp/swap' }, 'path', 'app-swapfile:errors.systemDirectory'],
      [{ path: '/boot/firmware/swap' }, 'path', 'app-swapfile:errors.systemDirectory'],
      [{ path: '/srv/hearth/swap' }, 'path', 'app-swapfile:errors.inDataDir'],
      [{ path: '/var/lib/hearth/swap' }, 'path', 'app-swapfile:errors.inHearthDir'],
      [{ path: '/nowhere/swap' }, 'path', 'app-swapfile:errors.noDirectory'],
      [{ path: '/var/notes.txt' }, 'path', 'app-swapfile:errors.fileExists'],
      [{ path: '/var/adir' }, 'path', 'app-swapfile:errors.notAFile'],
      [{ path: '/var/alink' }, 'path', 'app-swapfile:errors.notAFile'],
      [{ sizeMiB: 64 }, 'sizeMiB', 'errors:fields.tooSmall'],
      [{ sizeMiB: 65537 }, 'sizeMiB', 'errors:fields.tooLarge'],
      [{ sizeMiB: 1.5 }, 'sizeMiB', 'errors:fields.wrongType'],
      [{ sizeMiB: '512' }, 'sizeMiB', 'errors:fields.wrongType'],
      [{ enabled: 'yes' }, 'enabled', 'errors:fields.wrongType'],
      [{ priority: 5 }, 'priority', 'errors:fields.unknown'],
    ];
    for (const [input, param, key] of refusals) {
      const errors = await box.refused('swapfile', { enabled: true, path: '/var/swap', sizeMiB: 128, ...input });
      expect(errors, JSON.stringify(input)).toEqual([{ param, key }]);
    }
    expect(box.file('var/notes.txt')).toBe('my notes\n');
    expect(existsSync(at('var/swap'))).toBe(false);
    expect(box.file('etc/fstab')).toBe(preexisting);
    // Only swapon --show, from reading the status before each check.
    expect((await programs()).every((argv) => argv.join(' ') === show.join(' '))).toBe(true);
    expect(box.appliance.saved.get('swapfile')).toBeUndefined();
    expect(box.appliance.jobs.recent(10)).toEqual([]);
  });

  it('explains a refusal in words', async () => {
    const { box } = harness();
    const errors = await box.refused('swapfile', { enabled: true, path: '/srv/hearth/swap', sizeMiB: 128 });
    expect(errors).toEqual([{ param: 'path', key: 'app-swapfile:errors.inDataDir' }]);
    expect(en('app-swapfile:errors.inDataDir', { dir: '/srv/hearth' })).toMatch(/^A swap file cannot go in the shared data folder \(\/srv\/hearth\)/);
  });
});

/**
 * Real filesystems on loop devices (root only, as in CI): Btrfs with its NOCOW swap
 * file, and the filesystems a swap file must never go on.
 */
const isRoot = process.getuid?.() === 0;
describe.skipIf(!isRoot)('swapfile app on real filesystems', () => {
  const mounts: string[] = [];
  const images: string[] = [];
  const activeSwaps: string[] = [];

  afterEach(() => {
    for (const file of activeSwaps.splice(0)) spawnSync('swapoff', [file]);
    for (const dir of mounts.splice(0).reverse()) spawnSync('umount', [dir]);
    for (const image of images.splice(0)) {
      // mount -o loop detaches on umount; make sure, even when a test failed half-way.
      const attached = spawnSync('losetup', ['-j', image], { encoding: 'utf8' }).stdout;
      for (const line of attached.split('\n').filter(Boolean)) spawnSync('losetup', ['-d', line.slice(0, line.indexOf(':'))]);
      rmSync(path.dirname(image), { recursive: true, force: true });
    }
  });

  function mountImage(dir: string, mkfs: string[], size: string): { ok: true } | { ok: false; stderr: string } {
    const image = path.join(mkdtempSync(path.join(os.tmpdir(), 'hearth-img-')), 'fs.img');
    images.push(image);
    execFileSync('truncate', ['-s', size, image]);
    execFileSync(mkfs[0]!, [...mkfs.slice(1), image], { stdio: 'pipe' });
    mkdirSync(dir, { recursive: true });
    const mounted = spawnSync('mount', ['-o', 'loop', image, dir], { encoding: 'utf8' });
    if (mounted.status !== 0) return { ok: false, stderr: mounted.stderr };
    mounts.push(dir);
    return { ok: true };
  }

  function btrfsBox(size = '2G') {
    const h = harness();
    const dir = h.at('mnt/btrfs');
    const mounted = mountImage(dir, ['mkfs.btrfs', '-q'], size);
    if (!mounted.ok) throw new Error(mounted.stderr);
    return { ...h, dir };
  }

  /** The kernel is the judge: a real swapon of the file, then swapoff. */
  function kernelAccepts(file: string) {
    activeSwaps.push(file);
    execFileSync('swapon', [file], { stdio: 'pipe' });
    expect(execFileSync('swapon', ['--show=NAME', '--noheadings', '--raw'], { encoding: 'utf8' }).split('\n')).toContain(file);
    execFileSync('swapoff', [file]);
    activeSwaps.pop();
  }

  it('makes a NOCOW swap file on Btrfs with btrfs filesystem mkswapfile', async () => {
    const { box, dir, commands, programs } = btrfsBox();
    const file = path.join(dir, 'swapfile');
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/mnt/btrfs/swapfile', sizeMiB: 128 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual(['btrfs filesystem mkswapfile --size 128m ROOT/mnt/btrfs/swapfile', 'swapon ROOT/mnt/btrfs/swapfile']);
    // mkswapfile formats the file itself: no mkswap.
    expect(await programs()).toEqual([show, show, ['swapon', 'ROOT/mnt/btrfs/swapfile']]);
    expect(execFileSync('lsattr', [file], { encoding: 'utf8' })).toMatch(/^\S*C\S* /);
    const info = statSync(file);
    expect([info.size, info.mode & 0o777]).toEqual([128 * MiB, 0o600]);
    expect(hasSwapSignature(file)).toBe(true);
    expect(box.file('etc/fstab')).toBe(preexisting + '/mnt/btrfs/swapfile none swap sw 0 0\n');
    expect(execFileSync('mkswap', [file], { encoding: 'utf8', stdio: 'pipe' })).toContain('Setting up swapspace version 1');
    kernelAccepts(file);
  });

  it('makes the NOCOW file by hand (chattr +C, fallocate, mkswap) with btrfs-progs older than 6.1', async () => {
    const { box, dir, commands } = btrfsBox();
    const realBtrfs = execFileSync('sh', ['-c', 'command -v btrfs'], { encoding: 'utf8' }).trim();
    fakeProgram('btrfs', `if [ "$1" = "--version" ]; then echo "btrfs-progs v5.16.2"; exit 0; fi\nexec ${realBtrfs} "$@"`);
    const file = path.join(dir, 'swapfile');
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/mnt/btrfs/swapfile', sizeMiB: 128 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual([
      'chattr +C ROOT/mnt/btrfs/swapfile',
      'fallocate -l 134217728 ROOT/mnt/btrfs/swapfile',
      'mkswap ROOT/mnt/btrfs/swapfile',
      'swapon ROOT/mnt/btrfs/swapfile',
    ]);
    expect(execFileSync('lsattr', [file], { encoding: 'utf8' })).toMatch(/^\S*C\S* /);
    const info = statSync(file);
    expect([info.size, info.mode & 0o777]).toEqual([128 * MiB, 0o600]);
    kernelAccepts(file);
  });

  it('refuses a snapshotted Btrfs subvolume, and accepts a subvolume of its own', async () => {
    const { box, dir } = btrfsBox();
    execFileSync('btrfs', ['subvolume', 'snapshot', dir, path.join(dir, 'before-upgrade')], { stdio: 'pipe' });
    expect(await box.refused('swapfile', { enabled: true, path: '/mnt/btrfs/swapfile', sizeMiB: 128 })).toEqual([
      { param: 'path', key: 'app-swapfile:errors.btrfsSnapshots' },
    ]);
    execFileSync('btrfs', ['subvolume', 'create', path.join(dir, 'swap')], { stdio: 'pipe' });
    const { job, log } = await box.run('swapfile', { enabled: true, path: '/mnt/btrfs/swap/swapfile', sizeMiB: 128 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    kernelAccepts(path.join(dir, 'swap/swapfile'));
  });

  it('refuses a swap file that would leave the filesystem (nearly) full', async () => {
    const { box } = btrfsBox('1G');
    // 1 GiB filesystem: it keeps a tenth free, and Btrfs has its own metadata.
    expect(await box.refused('swapfile', { enabled: true, path: '/mnt/btrfs/swapfile', sizeMiB: 1024 })).toEqual([
      { param: 'sizeMiB', key: 'app-swapfile:errors.noSpace' },
    ]);
    const { job } = await box.run('swapfile', { enabled: true, path: '/mnt/btrfs/swapfile', sizeMiB: 256 });
    expect(job.status).toBe('succeeded');
  });

  it('refuses tmpfs', async () => {
    const { box, at, programs } = harness();
    mkdirSync(at('mnt/ram'), { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=512m', 'tmpfs', at('mnt/ram')]);
    mounts.push(at('mnt/ram'));
    expect(await box.refused('swapfile', { enabled: true, path: '/mnt/ram/swapfile', sizeMiB: 128 })).toEqual([
      { param: 'path', key: 'app-swapfile:errors.filesystem' },
    ]);
    expect(existsSync(at('mnt/ram/swapfile'))).toBe(false);
    expect(await programs()).toEqual([show]);
  });

  it('refuses a FAT filesystem (a USB stick)', async (context) => {
    const { box, at, programs } = harness();
    const mounted = mountImage(at('media/usb'), ['mkfs.vfat'], '64M');
    // Some kernels (minimal VMs) are built without FAT: then there is no FAT to mount.
    if (!mounted.ok && /unknown filesystem type/.test(mounted.stderr)) context.skip('this kernel has no vfat');
    expect(mounted).toEqual({ ok: true });
    expect(await box.refused('swapfile', { enabled: true, path: '/media/usb/swapfile', sizeMiB: 128 })).toEqual([
      { param: 'path', key: 'app-swapfile:errors.filesystem' },
    ]);
    expect(existsSync(at('media/usb/swapfile'))).toBe(false);
    expect(await programs()).toEqual([show]);
  });

  it('says which filesystem it refused', () => {
    expect(en('app-swapfile:errors.filesystem', { fstype: 'vfat' })).toBe('A swap file does not work on a vfat filesystem. Choose a place on an ext4, XFS or Btrfs filesystem.');
  });
});
