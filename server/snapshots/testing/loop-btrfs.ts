import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** A real Btrfs file system on a loop device, for tests and the benchmark. */
export interface LoopBtrfs {
  /** Where it is mounted: use it as the appliance's root. */
  mountPoint: string;
  /** Unmounts it and removes the image. */
  remove(): void;
}

/** Why a Btrfs on a loop device cannot be made here, or undefined when it can. */
export function loopBtrfsUnavailable(): string | undefined {
  if (!existsSync('/dev/loop-control')) return '/dev/loop-control is absent: no loop devices in this environment';
  if (process.getuid?.() !== 0) return 'mounting a loop device needs root';
  for (const program of ['mkfs.btrfs', 'btrfs', 'losetup']) {
    try {
      execFileSync('which', [program], { stdio: 'pipe' });
    } catch {
      return `${program} is not installed (btrfs-progs)`;
    }
  }
  return undefined;
}

/**
 * truncate → mkfs.btrfs → mount -o loop, with the state directory of a Hearth root made a
 * subvolume (as install.sh does on a Btrfs box): $MOUNT/var/lib/hearth.
 */
export function makeLoopBtrfs(options: { sizeMiB?: number } = {}): LoopBtrfs {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-btrfs-'));
  const image = path.join(dir, 'btrfs.img');
  const mountPoint = path.join(dir, 'root');
  mkdirSync(mountPoint);
  const run = (program: string, args: string[]) => execFileSync(program, args, { stdio: 'pipe' });
  try {
    run('truncate', ['-s', `${options.sizeMiB ?? 300}M`, image]);
    run('mkfs.btrfs', ['-q', image]);
    run('mount', ['-o', 'loop', image, mountPoint]);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  mkdirSync(path.join(mountPoint, 'var/lib'), { recursive: true });
  run('btrfs', ['subvolume', 'create', path.join(mountPoint, 'var/lib/hearth')]);
  run('chmod', ['0700', path.join(mountPoint, 'var/lib/hearth')]);
  return {
    mountPoint,
    remove() {
      try {
        run('umount', [mountPoint]);
      } catch {
        // Something still has a file open: detach it lazily so the loop device is freed once it closes.
        run('umount', ['--lazy', mountPoint]);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
