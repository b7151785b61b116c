import path from 'node:path';
import { Type } from 'typebox';
import { HearthError, type FieldError } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import type { System } from '../../system/index.js';
import { ProgramNotFoundError } from '../../system/run-program.js';
import { confirmationName, fileSystemsOn, findDisk, inUse, listBlockDevices, type Disk } from '../../storage/block-devices.js';
import { contentsLine, driveLine, rolePlaces, volumeLine } from '../../storage/describe.js';
import { notInContainer } from '../availability.js';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';

const MiB = 1024 ** 2;
/** mkfs.btrfs refuses less than about 114 MiB; ext4 works smaller, but a drive that small is no NAS drive. */
export const minimumDriveBytes = 128 * MiB;

type Operation = 'format' | 'unmount';
type FormatParams = { operation: Operation; device: string; filesystem: 'btrfs' | 'ext4'; label: string; confirm: string };

/** Blanks and case do not matter in the typed confirmation; every character of the name does. */
export function sameName(typed: string, name: string): boolean {
  const norm = (text: string) => text.normalize('NFC').replace(/\s+/g, ' ').trim().toLowerCase();
  return norm(typed) !== '' && norm(typed) === norm(name);
}

/**
 * Everything checked before a drive is touched, the same before the job and again when it
 * starts (the drive may have been swapped for another in between): the drive exists, is
 * not the system disk (and the system disk is known at all), and for formatting: nothing
 * on it is mounted or swapped to, it is writable and big enough, and the owner typed its name.
 */
async function examine(params: FormatParams, system: System): Promise<{ errors: FieldError[]; disk?: Disk }> {
  const refuse = (key: string, values?: Record<string, string | number>, on = 'device') => ({
    errors: [{ param: on, key: `app-storage-format:errors.${key}`, ...(values ? { params: values } : {}) }],
  });
  const list = await listBlockDevices(system);
  const disk = findDisk(list, params.device);
  if (!disk) return refuse('unknownDevice', { device: params.device });
  if (!list.systemDiskKnown) return refuse('systemDiskUnknown');
  if (disk.system) return refuse('systemDisk', { device: disk.path, places: rolePlaces(system.paths, disk.systemRoles) });
  const used = inUse(disk);
  if (params.operation === 'unmount') {
    if (disk.holdsData) return refuse('holdsData', { device: disk.path });
    if (used.mounts.length === 0 && used.swaps.length === 0) return refuse('notMounted', { device: disk.path });
    return { errors: [], disk };
  }
  if (used.mounts.length || used.swaps.length) {
    return refuse('mounted', { device: disk.path, mounts: [...used.mounts.map((m) => m.shown), ...used.swaps.map((s) => `${s} [SWAP]`)].join(', ') });
  }
  if (disk.readOnly) return refuse('readOnly', { device: disk.path });
  if (disk.sizeBytes < minimumDriveBytes) return refuse('tooSmall', { device: disk.path, minimum: minimumDriveBytes / MiB });
  if (!sameName(params.confirm, confirmationName(disk))) return refuse('confirm', { name: confirmationName(disk) }, 'confirm');
  return { errors: [], disk };
}

/** A refusal found once the job runs (the drives changed since the form was checked): the reasons go in its log. */
function refused(job: JobContext, errors: FieldError[]): HearthError {
  for (const error of errors) job.output('err', job.t(error.key, error.params ?? {}));
  return new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: 'storage-format' }, { fields: errors });
}

/** Unmounts everything on the drive (deepest mount first) and stops swapping to it. */
async function unmount(disk: Disk, job: JobContext) {
  const used = inUse(disk);
  for (const device of used.swaps) {
    job.info(job.t('app-storage-format:log.swapoff', { device }));
    await job.run(['swapoff', device], { timeoutMs: 30 * 60_000 });
  }
  for (const mount of [...used.mounts].sort((a, b) => b.real.length - a.real.length)) {
    job.info(job.t('app-storage-format:log.unmounting', { path: mount.shown }));
    const result = await job.run(['umount', mount.real], { allowFailure: true });
    // "target is busy": a shell or a program still has a file open there.
    if (result.code !== 0) throw refused(job, [{ param: 'device', key: 'app-storage-format:errors.busy', params: { path: mount.shown } }]);
  }
  job.info(job.t('app-storage-format:log.unmounted', { device: disk.path }));
}

/**
 * What lets a mistake be undone as far as it can be: the old partition table (sfdisk
 * --dump, which sfdisk reads back) and every signature wipefs erases (its --backup files),
 * in the state directory, on the system disk. The file systems' contents are not saved:
 * mkfs overwrites their first blocks, and a data-recovery tool gets the best chance with
 * the old table back.
 */
async function keepUndoInformation(disk: Disk, job: JobContext, now: number): Promise<string> {
  const { system } = job;
  const stamp = new Date(now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const dir = path.join(system.paths.stateDir, 'storage', 'format-undo', `${disk.name}-${stamp}`);
  await system.makeDirectory(dir, { mode: 0o700 });
  await system.writeFile(path.join(dir, 'drive.json'), JSON.stringify(disk, null, 2) + '\n', { mode: 0o600 });
  const table = await job.run(['sfdisk', '--dump', disk.path], { allowFailure: true });
  if (table.code === 0) await system.writeFile(path.join(dir, 'partition-table.sfdisk'), table.stdout, { mode: 0o600 });
  // Partitions first, then the disk: once the table is gone, the kernel forgets the partitions.
  for (const volume of [...disk.volumes].reverse()) {
    if (volume.fstype) await job.run(['wipefs', '--all', '--backup', volume.path], { env: { HOME: dir } });
  }
  await job.run(['wipefs', '--all', '--backup', disk.path], { env: { HOME: dir } });
  return dir;
}

async function settle(job: JobContext) {
  // udev makes /dev/disk/by-uuid/… for the new partition; without udev (a container) there is nothing to wait for.
  try {
    await job.run(['udevadm', 'settle', '--timeout=30'], { allowFailure: true, timeoutMs: 40_000 });
  } catch (error) {
    if (!(error instanceof ProgramNotFoundError)) throw error;
  }
}

async function format(params: FormatParams, disk: Disk, job: JobContext, env: AppEnvironment) {
  const { system } = job;
  job.info(job.t('app-storage-format:log.erasing', { drive: driveLine(disk) }));
  for (const volume of fileSystemsOn(disk)) job.info(job.t('app-storage-format:log.lost', { volume: volumeLine(volume) }));
  const undo = await keepUndoInformation(disk, job, env.now());
  job.info(job.t('app-storage-format:log.undoKept', { dir: undo }));

  job.info(job.t('app-storage-format:log.partitioning', { device: disk.path }));
  // One GPT partition over the whole drive, 1 MiB aligned (sfdisk's defaults); old signatures wiped where it writes.
  await job.run(['sfdisk', '--quiet', '--wipe', 'always', '--wipe-partitions', 'always', disk.path], { input: 'label: gpt\ntype=linux\n' });
  // The kernel may not have re-read the table (a loop device, a busy bridge): tell it the partitions.
  await job.run(['partx', '--update', disk.path]);
  await settle(job);

  const partition = findDisk(await listBlockDevices(system), disk.path)?.volumes.find((v) => v.type === 'part');
  if (!partition) throw new HearthError('HEARTH_ERR_STORAGE_NO_PARTITION', { device: disk.path });
  job.info(job.t('app-storage-format:log.making', { device: partition.path, filesystem: params.filesystem, label: params.label }));
  const mkfs =
    params.filesystem === 'btrfs'
      ? ['mkfs.btrfs', '--force', '--label', params.label, partition.path]
      : // 1 % reserved for root instead of 5 %: a data drive needs no room for a system's logs.
        ['mkfs.ext4', '-F', '-L', params.label, '-m', '1', partition.path];
  await job.run(mkfs, { timeoutMs: 30 * 60_000 });
  await settle(job);

  const made = findDisk(await listBlockDevices(system), disk.path)?.volumes.find((v) => v.path === partition.path);
  if (!made?.uuid || made.fstype !== params.filesystem) throw new HearthError('HEARTH_ERR_STORAGE_NO_PARTITION', { device: disk.path });
  job.info(job.t('app-storage-format:log.done', { device: made.path, filesystem: made.fstype, label: made.label ?? '', uuid: made.uuid }));
}

const schema = Type.Object({
  operation: param.enum(['format', 'unmount'], { default: 'format' }),
  // A whole drive by its kernel name: /dev/sda, /dev/mmcblk1, /dev/nvme0n1, /dev/loop3.
  device: param.string({ default: '', pattern: '^/dev/[a-z][a-z0-9]{1,31}$', maxLength: 40 }),
  // Snapshots need Btrfs; ext4 for a drive that other computers should read too.
  filesystem: param.enum(['btrfs', 'ext4'], { default: 'btrfs' }),
  // ext4 takes 16 bytes; the label becomes the mount point /media/<label>: letters, digits, - and _.
  label: param.string({ default: 'hearth-data', pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$', maxLength: 16 }),
  confirm: param.string({ default: '', maxLength: 200 }),
});

/**
 * Formats an external drive for the box: one GPT partition, Btrfs (default) or ext4,
 * with a label. Never the system disk; never a drive with something mounted (the
 * `unmount` operation unmounts it first). The owner types the drive's name to confirm,
 * and what is on it is saved to be put back as far as it can be (keepUndoInformation).
 */
export default defineApp({
  id: 'storage-format',
  category: 'system',
  kind: 'action',
  hasInfo: true,
  heavy: true,
  params: schema,
  availability: notInContainer,
  async status({ system }) {
    const list = await listBlockDevices(system);
    const drives = list.disks.filter((disk) => !disk.system);
    const details = [
      ...drives.map((disk) => ({ label: 'app-storage-format:details.drive', value: `${driveLine(disk)} — ${contentsLine(disk)}` })),
      ...list.disks.filter((disk) => disk.system).map((disk) => ({ label: 'app-storage-format:details.systemDisk', value: driveLine(disk) })),
    ];
    // One drive plugged in: it is the one meant.
    return { active: null, values: drives.length === 1 ? { device: drives[0]!.path } : {}, details };
  },
  async suggestions({ system }) {
    const list = await listBlockDevices(system);
    return { device: list.disks.filter((disk) => !disk.system).map((disk) => disk.path) };
  },
  async validate(params, { system }) {
    return (await examine(params, system)).errors;
  },
  async run(params, job, env) {
    const { errors, disk } = await examine(params, job.system);
    if (errors.length || !disk) throw refused(job, errors);
    if (params.operation === 'unmount') return unmount(disk, job);
    return format(params, disk, job, env);
  },
});
