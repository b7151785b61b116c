import path from 'node:path';
import { Type } from 'typebox';
import { HearthError, type FieldError } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import { isInside, type Paths } from '../../paths.js';
import type { RunResult, System } from '../../system/index.js';
import { ProgramNotFoundError } from '../../system/run-program.js';
import { notInContainer } from '../availability.js';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';
import { swapFileEntries, withSwapFile, withoutSwapFiles } from './fstab.js';

const MiB = 1024 ** 2;
const GiB = 1024 ** 3;
export const minSizeMiB = 128;
export const maxSizeMiB = 65536;

/**
 * Filesystems the kernel can swap to through a file. Not FAT, exFAT or NTFS (no
 * swapfile support, and a USB stick in those formats is often pulled out), not FUSE
 * (swapping through a user-space process deadlocks), not tmpfs (swap in RAM is what
 * zram is for), not NFS or CIFS (network swap needs special setup), not overlay or
 * read-only images.
 */
export const swapFilesystems: readonly string[] = ['ext2', 'ext3', 'ext4', 'xfs', 'btrfs'];

/** Places a swap file has no business in: the system's own trees and pseudo filesystems. */
const systemDirectories = ['/bin', '/boot', '/dev', '/etc', '/lib', '/lib32', '/lib64', '/libx32', '/proc', '/run', '/sbin', '/sys', '/tmp', '/usr', '/opt/hearth'];

/**
 * Absolute, normalized, and plain: components of letters, digits, "._@+-", no "." or
 * "..", no empty component. No blank either: fstab would need it escaped and
 * swapon --show escapes it. Never starts with "-", so no program reads it as an option.
 */
const plainPath = /^(\/[A-Za-z0-9._@+-]{1,255})+$/;

function pathFormOk(file: string): boolean {
  return plainPath.test(file) && !file.split('/').some((c) => c === '.' || c === '..');
}

/** $ROOT-relative location as the box sees it: /srv/hearth for $ROOT/srv/hearth. */
function boxPath(paths: Paths, absolute: string): string {
  return '/' + path.relative(paths.root, absolute).split(path.sep).join('/');
}

/** A file named in fstab or by swapon, under the root; undefined if it would leave the root. */
function underRoot(paths: Paths, file: string): string | undefined {
  try {
    return paths.systemFile(file);
  } catch {
    return undefined;
  }
}

/** swapon's view of the box: active areas by name, with their size in bytes. */
export async function activeSwaps(system: System): Promise<Map<string, number>> {
  const result = await system.run(['swapon', '--show=NAME,SIZE', '--noheadings', '--raw', '--bytes']);
  if (result.code !== 0) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'swapon', code: result.code ?? 'signal' });
  const areas = new Map<string, number>();
  for (const line of result.stdout.split('\n').filter(Boolean)) {
    const [name = '', size = '0'] = line.split(' ');
    areas.set(name.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))), Number(size));
  }
  return areas;
}

interface ExistingFile {
  regular: boolean;
  size: number;
  mode: number;
  /** Carries a swap signature (blkid says TYPE=swap). */
  swap: boolean;
}

async function existingFile(system: System, file: string): Promise<ExistingFile | undefined> {
  // No -L: a symbolic link at the path is "not a file" for this purpose.
  const info = await system.run(['stat', '--format=%F:%s:%a', file]);
  if (info.code !== 0) return undefined;
  const [kind = '', size = '0', mode = '0'] = info.stdout.trim().split(':');
  const regular = kind === 'regular file' || kind === 'regular empty file';
  const swap = regular && Number(size) > 0 && (await system.run(['blkid', '-p', '-o', 'value', '-s', 'TYPE', file])).stdout.trim() === 'swap';
  return { regular, size: Number(size), mode: parseInt(mode, 8), swap };
}

/**
 * Snapshots of the Btrfs subvolume that holds `dir`, by name. A swap file cannot be
 * activated while its extents are shared with a snapshot, and a subvolume with an
 * active swap file cannot be snapshotted: the two get in each other's way.
 */
async function btrfsSnapshots(system: System, dir: string): Promise<string[]> {
  const rootid = await system.run(['btrfs', 'inspect-internal', 'rootid', dir]);
  if (rootid.code !== 0) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'btrfs', code: rootid.code ?? 'signal' });
  const show = await system.run(['btrfs', 'subvolume', 'show', '-r', rootid.stdout.trim(), dir]);
  if (show.code !== 0) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'btrfs', code: show.code ?? 'signal' });
  const lines = show.stdout.split('\n');
  const start = lines.findIndex((line) => line.trim() === 'Snapshot(s):');
  if (start < 0) return [];
  const snapshots: string[] = [];
  // Names are indented deeper than the "\tField:" lines that may follow (Quota group …).
  for (const line of lines.slice(start + 1)) {
    if (!/^\t\t/.test(line)) break;
    if (line.trim()) snapshots.push(line.trim());
  }
  return snapshots;
}

/** btrfs-progs 6.1 added `btrfs filesystem mkswapfile`. */
async function hasMkswapfile(system: System): Promise<boolean> {
  const version = /v(\d+)\.(\d+)/.exec((await system.run(['btrfs', '--version'])).stdout);
  if (!version) return false;
  const [major, minor] = [Number(version[1]), Number(version[2])];
  return major > 6 || (major === 6 && minor >= 1);
}

export interface SwapTarget {
  /** The path as the box sees it (/var/swap). */
  path: string;
  /** The same under the root. */
  file: string;
  dir: string;
  fstype: string;
  existing?: ExistingFile;
  /** fstab has a swap line for this very file. */
  inFstab: boolean;
}

type SwapParams = { enabled: boolean; path: string; sizeMiB: number };

/**
 * Everything checked before a swap file is made, for real: the path, the directory,
 * its filesystem, what is at the path already, Btrfs snapshots, and free space.
 */
async function examine({ path: wanted, sizeMiB }: SwapParams, { system }: AppEnvironment): Promise<{ errors: FieldError[]; target?: SwapTarget }> {
  const refuse = (key: string, params?: Record<string, string | number>, on = 'path') => ({ errors: [{ param: on, key: `app-swapfile:errors.${key}`, ...(params ? { params } : {}) }] });
  const { paths } = system;
  if (!pathFormOk(wanted)) return refuse('pathForm');
  if (systemDirectories.some((dir) => isInside(dir, wanted))) return refuse('systemDirectory', { dir: systemDirectories.find((dir) => isInside(dir, wanted))! });
  if (isInside(boxPath(paths, paths.dataDir), wanted)) return refuse('inDataDir', { dir: boxPath(paths, paths.dataDir) });
  if ([paths.stateDir, paths.configDir].some((dir) => isInside(boxPath(paths, dir), wanted))) return refuse('inHearthDir');

  const file = paths.systemFile(wanted);
  const dir = path.dirname(file);
  const dirInfo = await system.run(['stat', '-L', '--format=%F', dir]);
  if (dirInfo.code !== 0 || dirInfo.stdout.trim() !== 'directory') return refuse('noDirectory', { dir: path.posix.dirname(wanted) });
  const fstype = (await system.run(['findmnt', '-n', '-o', 'FSTYPE', '--target', dir])).stdout.trim();
  if (!swapFilesystems.includes(fstype)) return refuse('filesystem', { fstype: fstype || '?' });

  const existing = await existingFile(system, file);
  const inFstab = swapFileEntries((await system.readFile(paths.systemFile('etc/fstab'))) ?? '').some((entry) => entry.spec === wanted);
  if (existing && !existing.regular) return refuse('notAFile');
  // Never overwrite somebody's file: only the swap file fstab names, or a swap area (dphys-swapfile's /var/swap).
  if (existing && !inFstab && !existing.swap) return refuse('fileExists');

  if (fstype === 'btrfs') {
    let snapshots: string[];
    try {
      snapshots = await btrfsSnapshots(system, dir);
    } catch (error) {
      if (error instanceof ProgramNotFoundError) return refuse('btrfsTools');
      throw error;
    }
    if (snapshots.length) return refuse('btrfsSnapshots', { count: snapshots.length, snapshots: snapshots.slice(0, 3).join(', ') });
  }

  const df = await system.run(['df', '--output=avail,size', '-B1', dir]);
  const [avail = NaN, total = NaN] = (df.stdout.trim().split('\n')[1] ?? '').trim().split(/\s+/).map(Number);
  if (df.code !== 0 || !Number.isFinite(avail) || !Number.isFinite(total)) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'df', code: df.code ?? 'signal' });
  // Replacing the swap file at the same place frees its space first.
  const reclaimed = existing?.regular && (inFstab || existing.swap) ? existing.size : 0;
  // Leave 1 GiB free, or a tenth of a small filesystem: a full root filesystem breaks apt, logs and the database.
  const keep = Math.min(GiB, Math.floor(total / 10));
  if (avail + reclaimed - sizeMiB * MiB < keep) {
    return refuse('noSpace', { freeMiB: Math.floor((avail + reclaimed) / MiB), keepMiB: Math.ceil(keep / MiB) }, 'sizeMiB');
  }
  return { errors: [], target: { path: wanted, file, dir, fstype, ...(existing ? { existing } : {}), inFstab } };
}

/** swapoff pages everything back into RAM: on a busy box with a big swap file that takes minutes. */
const swapoffTimeoutMs = 30 * 60_000;

async function writeIfChanged(system: System, file: string, before: string | undefined, after: string) {
  if (after !== (before ?? '')) await system.writeFile(file, after);
}

/**
 * Raspberry Pi OS makes its swap file with dphys-swapfile (/var/swap, 100 MiB), at
 * every boot. Two tools managing swap fight each other: Hearth takes over.
 */
async function retireDphysSwapfile(job: JobContext) {
  const { system } = job;
  const units = ['lib/systemd/system/dphys-swapfile.service', 'usr/lib/systemd/system/dphys-swapfile.service'];
  let installed = false;
  for (const unit of units) if ((await system.readFile(system.paths.systemFile(unit))) !== undefined) installed = true;
  if (!installed) return;
  const enabled = (await system.run(['systemctl', 'is-enabled', 'dphys-swapfile.service'])).code === 0;
  const running = (await system.run(['systemctl', 'is-active', 'dphys-swapfile.service'])).code === 0;
  if (!enabled && !running) return;
  job.info(job.t('app-swapfile:log.dphys'));
  // Its ExecStop runs `dphys-swapfile swapoff`.
  await job.run(['systemctl', 'disable', '--now', 'dphys-swapfile.service']);
}

function failed(result: RunResult, program: string): HearthError {
  return new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program, code: result.code ?? result.signal ?? 'signal' });
}

/**
 * Makes `target.file`, `sizeMiB` MiB, owner-only (0600), fully allocated, with a swap
 * signature. On Btrfs the file must be NOCOW (and so uncompressed): btrfs-progs ≥ 6.1
 * does all of it with `btrfs filesystem mkswapfile`; older ones as the Btrfs manual
 * says, chattr +C on the still empty file, then fallocate.
 */
async function createSwapFile(job: JobContext, target: SwapTarget, sizeMiB: number) {
  const { system } = job;
  const bytes = String(sizeMiB * MiB);
  job.info(job.t('app-swapfile:log.creating', { file: target.path, size: sizeMiB, fstype: target.fstype }));
  if (target.fstype === 'btrfs' && (await hasMkswapfile(system))) {
    await job.run(['btrfs', 'filesystem', 'mkswapfile', '--size', `${sizeMiB}m`, target.file]);
    return;
  }
  // Created empty and owner-only before a single block is allocated: swapped-out memory is nobody else's to read.
  await system.writeFile(target.file, '', { mode: 0o600 });
  if (target.fstype === 'btrfs') {
    await job.run(['chattr', '+C', target.file]);
    await job.run(['fallocate', '-l', bytes, target.file]);
  } else {
    const allocated = await job.run(['fallocate', '-l', bytes, target.file], { allowFailure: true });
    if (allocated.code !== 0) {
      // ext2/ext3-style files without extents cannot be preallocated: write the zeros.
      if (!/not supported/i.test(allocated.stderr)) throw failed(allocated, 'fallocate');
      job.info(job.t('app-swapfile:log.zeroFill'));
      await job.run(['dd', 'if=/dev/zero', `of=${target.file}`, 'bs=1M', `count=${sizeMiB}`, 'conv=fsync', 'status=none'], { timeoutMs: 60_000 + sizeMiB * 250 });
    }
  }
  await job.run(['mkswap', target.file]);
}

async function disable(job: JobContext, fstab: string | undefined, managed: { spec: string } | undefined) {
  const { system } = job;
  const file = managed && underRoot(system.paths, managed.spec);
  if (!managed || !file) {
    job.info(job.t('app-swapfile:log.nothingToDisable'));
    return;
  }
  const active = await activeSwaps(system);
  if (active.has(file)) {
    job.info(job.t('app-swapfile:log.swapoff', { file: managed.spec }));
    await job.run(['swapoff', file], { timeoutMs: swapoffTimeoutMs });
  }
  job.info(job.t('app-swapfile:log.fstab'));
  await writeIfChanged(system, system.paths.systemFile('etc/fstab'), fstab, withoutSwapFiles(fstab, [managed.spec]));
  job.info(job.t('app-swapfile:log.removing', { file: managed.spec }));
  await system.removeFile(file);
  job.info(job.t('app-swapfile:log.disabled'));
}

async function enable(params: SwapParams, job: JobContext, env: AppEnvironment, fstab: string | undefined, managed: { spec: string } | undefined) {
  const { system } = job;
  const fstabFile = system.paths.systemFile('etc/fstab');
  // The same checks as before the job started: a configuration restored onto another box meets another disk.
  const { errors, target } = await examine(params, env);
  if (errors.length || !target) throw new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: 'swapfile' }, { fields: errors });
  await retireDphysSwapfile(job);
  const active = await activeSwaps(system);
  const { file } = target;
  const oldFile = managed ? underRoot(system.paths, managed.spec) : undefined;

  if (managed?.spec === params.path && target.existing?.size === params.sizeMiB * MiB && active.has(file)) {
    if ((target.existing.mode & 0o777) !== 0o600) await job.run(['chmod', '600', file]);
    await writeIfChanged(system, fstabFile, fstab, withSwapFile(fstab, params.path));
    job.info(job.t('app-swapfile:log.unchanged', { file: params.path, size: params.sizeMiB }));
    return;
  }

  // The old swap file goes out of use first; it is deleted only once the new one is active.
  const oldWasActive = oldFile !== undefined && active.has(oldFile);
  if (oldFile && oldWasActive) {
    job.info(job.t('app-swapfile:log.swapoff', { file: managed!.spec }));
    await job.run(['swapoff', oldFile], { timeoutMs: swapoffTimeoutMs });
  }
  if (oldFile !== file && active.has(file)) {
    job.info(job.t('app-swapfile:log.swapoff', { file: params.path }));
    await job.run(['swapoff', file], { timeoutMs: swapoffTimeoutMs });
  }
  if (target.existing) {
    job.info(job.t('app-swapfile:log.removing', { file: params.path }));
    await system.removeFile(file);
  }
  try {
    await createSwapFile(job, target, params.sizeMiB);
    job.info(job.t('app-swapfile:log.swapon', { file: params.path }));
    await job.run(['swapon', file]);
  } catch (error) {
    job.info(job.t('app-swapfile:log.rollback'));
    await system.removeFile(file).catch(() => {});
    if (oldFile && oldFile !== file && oldWasActive) {
      await job.run(['swapon', oldFile], { allowFailure: true }).catch(() => {});
    } else if (managed?.spec === params.path) {
      // Its file is gone: a line left in fstab would only fail at every boot.
      await writeIfChanged(system, fstabFile, fstab, withoutSwapFiles(fstab, [params.path]));
    }
    throw error;
  }
  job.info(job.t('app-swapfile:log.fstab'));
  await writeIfChanged(system, fstabFile, fstab, withSwapFile(fstab, params.path, managed ? [managed.spec] : []));
  if (managed && oldFile && oldFile !== file) {
    job.info(job.t('app-swapfile:log.removing', { file: managed.spec }));
    await system.removeFile(oldFile);
  }
  job.info(job.t('app-swapfile:log.done', { file: params.path, size: params.sizeMiB }));
}

const schema = Type.Object({
  enabled: param.boolean({ default: false }),
  // Debian's and Raspberry Pi OS's place for it (dphys-swapfile); / is often a small SD card either way.
  path: param.path({ default: '/var/swap', expect: 'file' }),
  sizeMiB: param.integer({ default: 1024, minimum: minSizeMiB, maximum: maxSizeMiB, unit: 'MiB' }),
});

/**
 * A swap file: made for real on the filesystem (fallocate, or Btrfs's own way), put
 * in use with mkswap and swapon, and listed in /etc/fstab so it is used after a
 * reboot. fstab's other lines stay as they are. The file is the one fstab names; a
 * new path or size replaces it, switching it off before and deleting it only when
 * the new one works.
 */
export default defineApp({
  id: 'swapfile',
  category: 'system',
  kind: 'configure',
  // A storage change that can take minutes (swapoff): never during a backup or an update.
  heavy: true,
  params: schema,
  availability: notInContainer,
  async status({ system }) {
    const { paths } = system;
    const fstab = await system.readFile(paths.systemFile('etc/fstab'));
    const entry = swapFileEntries(fstab ?? '')[0];
    const active = await activeSwaps(system);
    const shown = (name: string) => (isInside(paths.root, name) ? boxPath(paths, name) : name);
    const details = [...active].map(([name, bytes]) => ({ label: 'app-swapfile:details.active', value: `${shown(name)} (${Math.round(bytes / MiB)} MiB)` }));
    if (!entry) return { active: false, values: { enabled: false }, details };
    const file = underRoot(paths, entry.spec);
    const on = file !== undefined && active.has(file);
    const values: Partial<SwapParams> = { enabled: on, path: entry.spec };
    const size = file ? await system.run(['stat', '--format=%s', file]) : undefined;
    if (size?.code === 0) {
      const mib = Math.round(Number(size.stdout.trim()) / MiB);
      // A file made by hand may be smaller or larger than the form allows: then the form keeps its own value.
      if (mib >= minSizeMiB && mib <= maxSizeMiB) values.sizeMiB = mib;
    }
    return { active: on, values, details };
  },
  async validate(params, env) {
    // Switching swap off needs no place for it.
    return params.enabled ? (await examine(params, env)).errors : [];
  },
  async apply(params, job, env) {
    const { system } = job;
    const fstab = await system.readFile(system.paths.systemFile('etc/fstab'));
    const entries = swapFileEntries(fstab ?? '');
    // The swap file Hearth manages is the one fstab names (the first, if a hand-made fstab has several).
    const managed = entries.find((entry) => entry.spec === params.path) ?? entries[0];
    if (params.enabled) await enable(params, job, env, fstab, managed);
    else await disable(job, fstab, managed);
  },
});
