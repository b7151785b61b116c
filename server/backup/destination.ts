import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { HearthError } from '../errors.js';
import { formatBytes } from '../format.js';
import { isInside } from '../paths.js';
import type { System } from '../system/index.js';

/** Room left on the destination beyond the estimate (a full disk helps nobody): 4 MiB plus 1 %. */
const margin = (bytes: number) => 4 * 1024 ** 2 + Math.ceil(bytes / 100);

async function mountOf(system: System, dir: string): Promise<{ target: string; options: string[] }> {
  const result = await system.run(['findmnt', '--noheadings', '--output', 'TARGET,OPTIONS', '--target', dir]);
  const [target = '/', options = ''] = result.stdout.trim().split(/\s+/);
  return { target, options: options.split(',') };
}

/** Bytes available to Hearth (root) on the filesystem of `dir`. */
export async function availableBytes(system: System, dir: string): Promise<number> {
  const result = await system.run(['df', '--output=avail', '-B1', dir]);
  const value = Number(result.stdout.trim().split('\n').pop());
  return Number.isFinite(value) ? value : 0;
}

/** The apparent size of what a backup reads: a quick estimate before any work starts. */
export async function apparentSize(system: System, dirs: readonly string[]): Promise<number> {
  const existing: string[] = [];
  for (const dir of dirs) if ((await system.pathType(dir)) !== undefined) existing.push(dir);
  if (existing.length === 0) return 0;
  const result = await system.run(['du', '--summarize', '--apparent-size', '--block-size=1', '--total', ...existing], { timeoutMs: 10 * 60_000 });
  const total = result.stdout.trim().split('\n').pop()?.split(/\s+/)[0];
  return Number(total) || 0;
}

/**
 * Refuses, before any work starts, a destination that is missing, that is a bare
 * folder on the system disk where a drive should be mounted (the drive was
 * unplugged: writing there fills the SD card and hides the failure), read-only, or
 * too small for the estimate. The state directory (the default) is on the system
 * disk by design; elsewhere the system disk is accepted only when the owner says so.
 */
export async function checkDestination(
  system: System,
  dir: string,
  options: { neededBytes: number; allowSystemDisk: boolean },
): Promise<{ availableBytes: number }> {
  const display = displayPath(system, dir);
  // The default, inside the state directory, is Hearth's own to create; a drive's folder is not.
  if (isInside(system.paths.stateDir, dir)) await system.makeDirectory(dir, { mode: 0o700 });
  if ((await system.pathType(dir)) !== 'directory') throw new HearthError('HEARTH_ERR_BACKUP_DEST_MISSING', { path: display });

  const [destination, systemDisk] = await Promise.all([mountOf(system, dir), mountOf(system, system.paths.root)]);
  const inStateDir = isInside(system.paths.stateDir, dir);
  if (!inStateDir && !options.allowSystemDisk && destination.target === systemDisk.target) {
    throw new HearthError('HEARTH_ERR_BACKUP_DEST_NOT_MOUNTED', { path: display });
  }
  if (destination.options.includes('ro')) throw new HearthError('HEARTH_ERR_BACKUP_DEST_READ_ONLY', { path: display });
  // The mount options do not tell everything (a full quota, a dying card remounted…): try.
  const probe = path.join(dir, `.hearth-write-test-${randomBytes(4).toString('hex')}`);
  try {
    await system.writeFile(probe, '');
    await system.removeFile(probe);
  } catch (error) {
    throw new HearthError('HEARTH_ERR_BACKUP_DEST_READ_ONLY', { path: display }, { cause: error });
  }
  const available = await availableBytes(system, dir);
  const needed = options.neededBytes + margin(options.neededBytes);
  if (available < needed) {
    throw new HearthError('HEARTH_ERR_BACKUP_DEST_TOO_SMALL', { path: display, available: formatBytes(available), needed: formatBytes(needed) });
  }
  return { availableBytes: available };
}

/** A path under the root as the owner knows it on the box ("/media/usb/backups"). */
export function displayPath(system: System, file: string): string {
  const relative = path.relative(system.paths.root, file);
  return '/' + relative.split(path.sep).join('/');
}
