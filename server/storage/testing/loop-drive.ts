import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
// Evaluated first, so its afterEach (removing the temporary root) is registered first and runs
// last: mounts below a root are undone before the root is removed.
import '../../testing/temp-root.js';

/**
 * Real drives for the storage tests: an image file attached to a loop device
 * (truncate + losetup), which lsblk, sfdisk, mkfs, blkid and mount treat like a USB disk.
 * Everything mounted or attached here is unmounted and detached after each test, also
 * when the test failed half-way.
 */

/** Why loop devices cannot be used here, or undefined when they can. */
export function loopDevicesUnavailable(): string | undefined {
  if (!existsSync('/dev/loop-control')) return '/dev/loop-control is absent: no loop devices in this environment';
  if (process.getuid?.() !== 0) return 'attaching a loop device needs root';
  for (const program of ['losetup', 'sfdisk', 'partx', 'wipefs', 'mkfs.ext4', 'mkfs.btrfs', 'rsync']) {
    if (spawnSync('sh', ['-c', `command -v ${program}`]).status !== 0) return `${program} is not installed`;
  }
  return undefined;
}

const attached: Array<{ device: string; dir: string }> = [];
const mounted: string[] = [];

afterEach(() => {
  for (const dir of mounted.splice(0).reverse()) {
    if (spawnSync('umount', [dir]).status !== 0) spawnSync('umount', ['--lazy', dir]);
  }
  // Mounts the code under test made below a temporary root are found from the kernel's table.
  for (const { device, dir } of attached.splice(0)) {
    const table = spawnSync('findmnt', ['--raw', '--noheadings', '--output', 'TARGET,SOURCE'], { encoding: 'utf8' }).stdout;
    for (const line of table.split('\n').reverse()) {
      const [target = '', source = ''] = line.split(' ');
      if (source === device || source.startsWith(`${device}p`)) spawnSync('umount', [target.replace(/\\x20/g, ' ')]);
    }
    // Partitions added with partx stay known to the kernel after the loop device is detached
    // (it was attached without partition scanning): drop them first.
    spawnSync('partx', ['-d', device]);
    spawnSync('losetup', ['-d', device]);
    rmSync(dir, { recursive: true, force: true });
  }
});

export interface LoopDrive {
  /** /dev/loopN */
  device: string;
  image: string;
}

/** A blank drive of `sizeMiB` MiB on a free loop device. */
export function loopDrive(sizeMiB: number): LoopDrive {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-drive-'));
  const image = path.join(dir, 'drive.img');
  execFileSync('truncate', ['-s', `${sizeMiB}M`, image]);
  const device = execFileSync('losetup', ['--find', '--show', image], { encoding: 'utf8' }).trim();
  attached.push({ device, dir });
  // Whoever used this loop device before may have left partitions in the kernel's table.
  spawnSync('partx', ['-d', device]);
  return { device, image };
}

/** Runs a program for real (the test's own setup), failing loudly with its stderr. */
export function sh(program: string, args: string[], input?: string): string {
  const result = spawnSync(program, args, { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
  if (result.status !== 0) throw new Error(`${program} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** One GPT partition over the whole drive, known to the kernel; returns its device. */
export function partitioned(drive: LoopDrive): string {
  sh('sfdisk', ['--quiet', '--no-reread', drive.device], 'label: gpt\ntype=linux\n');
  sh('partx', ['-u', drive.device]);
  return `${drive.device}p1`;
}

/** Mounts a device at `dir` (made beforehand) and unmounts it after the test. */
export function mountAt(device: string, dir: string): void {
  sh('mount', [device, dir]);
  mounted.push(dir);
}

/** blkid's view of a device: TYPE, LABEL, UUID … */
export function probe(device: string): Record<string, string> {
  const out = spawnSync('blkid', ['-p', '-o', 'export', device], { encoding: 'utf8' }).stdout;
  return Object.fromEntries(out.split('\n').filter((l) => l.includes('=')).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]));
}
