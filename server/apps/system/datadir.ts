import path from 'node:path';
import { Type } from 'typebox';
import { HearthError, type FieldError } from '../../errors.js';
import { formatBytes } from '../../format.js';
import { displayCommand, type JobContext } from '../../jobs/job-context.js';
import { isInside } from '../../paths.js';
import { faultPoint } from '../../system/fault-injection.js';
import type { System } from '../../system/index.js';
import { listBlockDevices, shownPath, volumeHolding } from '../../storage/block-devices.js';
import { dataLocation, oldCopies, recoverDataDirMove, switchDataDir, writeOldCopies } from '../../storage/data-location.js';
import { fstabEntries } from './fstab.js';
import { notInContainer } from '../availability.js';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';

const MiB = 1024 ** 2;

/** File systems that keep owners, permissions, links and extended attributes: what the data needs. */
export const dataFileSystems: readonly string[] = ['ext2', 'ext3', 'ext4', 'btrfs', 'xfs', 'f2fs'];

/** Letters, digits and "._@+-" between slashes; no "." or ".." parts, no blanks (fstab and shares would need them escaped). */
const plainPath = /^(\/[A-Za-z0-9._@+-]{1,255})+$/;

type Operation = 'move' | 'delete-old-copies';
type DataDirParams = { operation: Operation; target: string; confirmDelete: boolean };

/** Room kept free beyond the data: 64 MiB and 2 % (metadata of the copy, a full file system helps nobody). */
export const roomNeeded = (bytes: number) => bytes + 64 * MiB + Math.ceil(bytes / 50);

/** Bytes the data takes: the larger of its apparent size and its blocks (many small files, or sparse ones). */
async function sizeOf(system: System, dir: string): Promise<number> {
  if ((await system.pathType(dir)) !== 'directory') return 0;
  const measure = async (apparent: boolean) => {
    const result = await system.run(['du', '--summarize', '--one-file-system', '--block-size=1', ...(apparent ? ['--apparent-size'] : []), dir], { timeoutMs: 60 * 60_000 });
    if (result.code !== 0) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'du', code: result.code ?? 'signal' });
    return Number(result.stdout.trim().split(/\s+/)[0]) || 0;
  };
  return Math.max(await measure(true), await measure(false));
}

interface MovePlan {
  from: string;
  to: string;
  partial: string;
  /** Moving back onto the system disk, to /srv/hearth itself. */
  back: boolean;
  bytes: number;
}

/**
 * Everything checked before a byte is copied: the target is a plain path, a new or empty
 * directory on a drive that is mounted at every start (else the data would vanish at the
 * next boot), on a file system that keeps owners and permissions, with room for the data;
 * or /srv/hearth itself, to move back onto the system disk.
 */
async function examineMove(params: DataDirParams, system: System): Promise<{ errors: FieldError[]; plan?: MovePlan }> {
  const refuse = (key: string, values?: Record<string, string | number>) => ({
    errors: [{ param: 'target', key: `app-datadir:errors.${key}`, ...(values ? { params: values } : {}) }],
  });
  const { paths } = system;
  const target = params.target;
  if (!plainPath.test(target) || target.split('/').some((c) => c === '.' || c === '..')) return refuse('pathForm');
  const to = paths.systemFile(target);
  const from = paths.dataDir;
  const back = path.resolve(to) === path.resolve(paths.dataLink);
  if (path.resolve(to) === path.resolve(from)) return refuse('same', { path: target });
  if (!back && (isInside(from, to) || isInside(to, from))) return refuse('nested', { path: shownPath(paths, from) });
  if (back && (await system.readLink(paths.dataLink)) === undefined) return refuse('same', { path: target });
  // The drive of the data is not here: moving now would start an empty data folder elsewhere.
  if ((await system.readLink(paths.dataLink)) !== undefined && (await system.pathType(from)) !== 'directory') {
    return refuse('currentMissing', { path: shownPath(paths, from) });
  }

  const parent = path.dirname(to);
  if (!back) {
    if ((await system.pathType(parent)) !== 'directory') return refuse('noParent', { path: shownPath(paths, parent) });
    const list = await listBlockDevices(system);
    const holder = volumeHolding(list.disks, parent);
    if (!holder || holder.disk.system) return refuse('notOnDrive', { path: target });
    if (!holder.volume.fstype || !dataFileSystems.includes(holder.volume.fstype)) return refuse('filesystem', { fstype: holder.volume.fstype ?? '?' });
    const fstab = (await system.readFile(paths.systemFile('etc/fstab'))) ?? '';
    if (!fstabEntries(fstab).some((entry) => entry.mountPoint === holder.mount.shown)) return refuse('notPersistent', { path: holder.mount.shown });
    const existing = await system.pathType(to);
    if (existing !== undefined && existing !== 'directory') return refuse('notADirectory', { path: target });
    if (existing === 'directory' && (await system.listDirectory(to)).length > 0) return refuse('notEmpty', { path: target });
  }
  const partial = back ? `${paths.dataLink}.moving-back` : `${to}.partial`;
  const bytes = await sizeOf(system, from);
  // What an interrupted copy left is reused: only the rest needs room.
  const copied = await sizeOf(system, partial);
  const available = (await system.fileSystemOf(back ? path.dirname(paths.dataLink) : parent)).availableBytes;
  if (available + copied < roomNeeded(bytes)) {
    return refuse('noRoom', { needed: formatBytes(roomNeeded(bytes)), available: formatBytes(available + copied), path: shownPath(paths, back ? path.dirname(paths.dataLink) : parent) });
  }
  return { errors: [], plan: { from, to, partial, back, bytes } };
}

async function examineDelete(params: DataDirParams, system: System): Promise<FieldError[]> {
  if ((await oldCopies(system)).length === 0) return [{ param: 'operation', key: 'app-datadir:errors.noOldCopy' }];
  if (!params.confirmDelete) return [{ param: 'confirmDelete', key: 'app-datadir:errors.confirmDelete' }];
  return [];
}

function refused(job: JobContext, errors: FieldError[]): HearthError {
  for (const error of errors) job.output('err', job.t(error.key, error.params ?? {}));
  return new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: 'datadir' }, { fields: errors });
}

/**
 * rsync, archive mode with hard links, ACLs and extended attributes, numeric owners, times
 * to the nanosecond, and not across into other file systems mounted inside the data. Its progress is read from
 * the target's free space (statfs), not from its output: a copy of days would print more
 * progress than a log should hold.
 */
async function copy(job: JobContext, plan: MovePlan, verify: boolean): Promise<string[]> {
  const { system } = job;
  // --modify-window=-1: times compared to the nanosecond (by default a directory changed within the second of the copy keeps the copy's time).
  const base = ['rsync', '--archive', '--hard-links', '--acls', '--xattrs', '--numeric-ids', '--one-file-system', '--delete', '--modify-window=-1'];
  const argv = verify
    ? [...base, '--dry-run', '--checksum', '--out-format=%i %n', `${plan.from}/`, `${plan.partial}/`]
    : [...base, `${plan.from}/`, `${plan.partial}/`];
  job.info(`$ ${displayCommand(argv)}`);
  const target = plan.back ? path.dirname(plan.partial) : path.dirname(plan.to);
  const startFree = (await system.fileSystemOf(target)).availableBytes;
  const phase = verify ? 'verify' : 'copy';
  job.progress({ phase, done: 0, total: plan.bytes, unit: 'bytes' });
  // Verifying reads both copies in full; copying writes the data once.
  const timer = verify
    ? undefined
    : setInterval(() => {
        void system
          .fileSystemOf(target)
          .then((info) => job.progress({ phase, done: Math.min(plan.bytes, Math.max(0, startFree - info.availableBytes)), total: plan.bytes, unit: 'bytes' }))
          .catch(() => {});
      }, 2000);
  let result;
  try {
    result = await system.run(argv, { timeoutMs: 14 * 24 * 3600_000 });
  } finally {
    if (timer) clearInterval(timer);
  }
  if (result.stderr.trim()) job.output('err', result.stderr);
  if (result.code !== 0) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'rsync', code: result.code ?? result.signal ?? 'signal' });
  job.progress({ phase, done: plan.bytes, total: plan.bytes, unit: 'bytes' });
  return result.stdout.split('\n').filter((line) => line.trim() !== '');
}

/**
 * The check must read what the drive holds, not what the kernel still caches of the copy
 * just written: the copy is synced to the drive, then the page cache dropped (vm.drop_caches=1
 * frees only clean pages: nothing is lost, the box reads from disk again for a moment).
 * Where that is not allowed (a container), the check reads through the cache, and says so.
 */
async function readFromDisk(job: JobContext, plan: MovePlan) {
  await job.system.syncFileSystem(plan.partial);
  const dropped = await job.run(['sysctl', '-w', 'vm.drop_caches=1'], { allowFailure: true }).catch(() => undefined);
  if (!dropped || dropped.code !== 0) job.info(job.t('app-datadir:log.cacheKept'));
}

async function move(params: DataDirParams, job: JobContext, env: AppEnvironment) {
  const { system } = job;
  const { errors, plan } = await examineMove(params, system);
  if (errors.length || !plan) throw refused(job, errors);
  const shown = (file: string) => shownPath(system.paths, file);
  job.info(job.t('app-datadir:log.moving', { from: shown(plan.from), to: params.target, size: formatBytes(plan.bytes) }));
  if ((await system.pathType(plan.partial)) === 'directory') job.info(job.t('app-datadir:log.resuming', { path: shown(plan.partial) }));
  await system.makeDirectory(plan.partial, { mode: 0o755 });
  if ((await system.pathType(plan.from)) === 'directory') {
    await copy(job, plan, false);
    faultPoint('datadir:copied');
    // Files changed while the first pass ran (the share is in use) are copied again; the check then must find nothing.
    await readFromDisk(job, plan);
    let differences = await copy(job, plan, true);
    if (differences.length) {
      job.info(job.t('app-datadir:log.changedDuringCopy', { count: differences.length }));
      await copy(job, plan, false);
      await readFromDisk(job, plan);
      differences = await copy(job, plan, true);
    }
    if (differences.length) {
      throw new HearthError('HEARTH_ERR_DATADIR_COPY_DIFFERS', { target: shown(plan.partial), count: differences.length, first: differences[0]!.slice(0, 200) });
    }
    job.info(job.t('app-datadir:log.verified'));
  }
  // Durable before the switch: after a power cut the copy is whole, or the switch never happened.
  await system.syncFileSystem(plan.partial);
  job.info(job.t('app-datadir:log.switching', { to: params.target }));
  const old = await switchDataDir(system, { partial: plan.partial, to: plan.to, now: env.now() });
  job.info(job.t('app-datadir:log.done', { to: params.target, old: old.shown }));
}

/** Every mount point on the box (real paths), from the kernel's table: findmnt only reads. */
async function mountPoints(system: System): Promise<string[]> {
  const result = await system.run(['findmnt', '--raw', '--noheadings', '--output', 'TARGET']);
  if (result.code !== 0) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'findmnt', code: result.code ?? 'signal' });
  return result.stdout.split('\n').filter(Boolean).map((line) => line.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))));
}

async function deleteOldCopies(job: JobContext) {
  const { system } = job;
  const current = system.paths.dataDir;
  const copies = await oldCopies(system);
  const mounts = await mountPoints(system);
  const kept = [];
  for (const copy of copies) {
    // Never the data in use, nor anything holding it: a record edited by hand must not cost the data.
    // Nor a folder with a drive mounted inside: deleting the folder would empty that drive.
    const unsafe =
      isInside(copy.path, current) ||
      isInside(current, copy.path) ||
      path.resolve(copy.path) === path.resolve(system.paths.dataLink) ||
      mounts.some((mount) => isInside(copy.path, mount));
    if (unsafe) {
      job.info(job.t('app-datadir:log.notDeleted', { path: copy.shown }));
      kept.push(copy);
      continue;
    }
    if ((await system.readLink(copy.path)) === undefined && (await system.pathType(copy.path)) !== undefined) {
      job.info(job.t('app-datadir:log.deleting', { path: copy.shown }));
      await system.removeTree(copy.path);
    }
  }
  await writeOldCopies(system, kept);
  job.info(job.t('app-datadir:log.deleted'));
}

const schema = Type.Object({
  operation: param.enum(['move', 'delete-old-copies'], { default: 'move' }),
  // A new folder on a drive mounted at every start, e.g. /media/photos/hearth-data; /srv/hearth moves it back.
  target: param.path({ default: '/srv/hearth', expect: 'directory' }),
  confirmDelete: param.boolean({ default: false }),
});

/**
 * Moves the owner's data directory to a drive, or back: copy (rsync, resumable), verify
 * (rsync --checksum reads both copies and must find no difference), sync, switch
 * (storage/data-location.ts: the link /srv/hearth points at the new place, journaled so a
 * power cut leaves the old directory in use). The old copy stays until the owner deletes
 * it with the delete-old-copies operation.
 */
export default defineApp({
  id: 'datadir',
  category: 'system',
  kind: 'action',
  hasInfo: true,
  heavy: true,
  params: schema,
  availability: notInContainer,
  async status({ system }) {
    await recoverDataDirMove(system);
    const location = await dataLocation(system);
    const details = [{ label: location.missing ? 'app-datadir:details.missing' : 'app-datadir:details.location', value: location.shown }];
    for (const copy of location.oldCopies) details.push({ label: 'app-datadir:details.oldCopy', value: `${copy.shown} (${copy.movedAt})` });
    return { active: null, values: { target: location.shown }, details };
  },
  async suggestions({ system }) {
    const list = await listBlockDevices(system);
    const fstab = fstabEntries((await system.readFile(system.paths.systemFile('etc/fstab'))) ?? '');
    const places = list.disks
      .filter((disk) => !disk.system)
      .flatMap((disk) => [disk, ...disk.volumes])
      .filter((v) => v.fstype && dataFileSystems.includes(v.fstype))
      .flatMap((v) => v.mounts.filter((m) => fstab.some((e) => e.mountPoint === m.shown)).map((m) => `${m.shown === '/' ? '' : m.shown}/hearth-data`));
    return { target: [...places, shownPath(system.paths, system.paths.dataLink)] };
  },
  async validate(params, { system }) {
    await recoverDataDirMove(system);
    return params.operation === 'move' ? (await examineMove(params, system)).errors : examineDelete(params, system);
  },
  async run(params, job, env) {
    const recovered = await recoverDataDirMove(job.system);
    if (recovered) job.info(job.t(`app-datadir:log.recovered.${recovered}`));
    if (params.operation === 'move') return move(params, job, env);
    const errors = await examineDelete(params, job.system);
    if (errors.length) throw refused(job, errors);
    return deleteOldCopies(job);
  },
});
