import { Type } from 'typebox';
import { HearthError, type FieldError } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import { isInside } from '../../paths.js';
import type { System } from '../../system/index.js';
import { fstabEntries } from './fstab.js';
import { automountLine, freeMountPoint, managedMounts, mountableFileSystems, mountName, uuidPattern, withManagedMounts, type ManagedMount } from '../../storage/automount.js';
import { listBlockDevices, volumeHolding, type Disk, type StorageList, type Volume } from '../../storage/block-devices.js';
import { volumeLine } from '../../storage/describe.js';
import { notInContainer } from '../availability.js';
import { param } from '../params.js';
import { defineApp } from '../types.js';

const maxDrives = 32;

/** The UUIDs of the form, one per line (blanks and empty lines ignored), each once. */
export function uuidsOf(text: string): string[] {
  return [...new Set(text.split(/[\s,]+/).map((u) => u.trim()).filter(Boolean))];
}

function volumeByUuid(list: StorageList, uuid: string): { disk: Disk; volume: Volume } | undefined {
  for (const disk of list.disks) {
    for (const volume of [disk, ...disk.volumes]) if (volume.uuid?.toLowerCase() === uuid.toLowerCase()) return { disk, volume };
  }
  return undefined;
}

async function readFstab(system: System) {
  const file = system.paths.systemFile('etc/fstab');
  const text = await system.readFile(file);
  return { file, text, managed: managedMounts(text ?? '') };
}

/** systemd regenerates mount units from fstab on daemon-reload; a box without it (a container, a test root) reads fstab directly. */
async function usesSystemd(system: System): Promise<boolean> {
  return system.kind === 'sandbox' || (await system.pathType(system.paths.systemFile('run/systemd/system'))) === 'directory';
}

/** `mount /media/x` the way the fstab line says, also below a root that is not "/" (--target-prefix). */
function mountArgv(system: System, mountPoint: string): string[] {
  const { paths } = system;
  return ['mount', '--fstab', paths.systemFile('etc/fstab'), ...(paths.root === '/' ? [] : ['--target-prefix', paths.root]), mountPoint];
}

interface Examined {
  errors: FieldError[];
  /** UUIDs of drives that are not plugged in and have no line yet: nothing to write for them now. */
  unknown: string[];
  /** Hearth's lines not asked for any more that hold the data folder: they stay. */
  dataMounts: ManagedMount[];
}

/**
 * The checks of the form. Two of them only warn when the settings are applied again by a
 * restore (apply): a drive that is not plugged in on this box is skipped, and the drive of
 * the data folder stays mounted — a restore must not fail, nor take the data away, over them.
 */
async function examine(drives: string, system: System): Promise<Examined> {
  const result: Examined = { errors: [], unknown: [], dataMounts: [] };
  const refuse = (key: string, values: Record<string, string | number>) => ({ ...result, errors: [{ param: 'drives', key: `app-storage-automount:errors.${key}`, params: values }] });
  const wanted = uuidsOf(drives);
  if (wanted.length > maxDrives) return refuse('tooMany', { max: maxDrives });
  const bad = wanted.find((uuid) => !uuidPattern.test(uuid));
  if (bad) return refuse('uuidForm', { uuid: bad });
  const [list, { managed }] = await Promise.all([listBlockDevices(system), readFstab(system)]);
  for (const uuid of wanted) {
    const found = volumeByUuid(list, uuid);
    const known = managed.some((m) => m.uuid.toLowerCase() === uuid.toLowerCase());
    // A drive that is not plugged in keeps its line if Hearth mounted it before; a new one must be here to be named.
    if (!found) {
      if (!known) result.unknown.push(uuid);
      continue;
    }
    if (found.disk.system) return refuse('systemDisk', { uuid, device: found.volume.path });
    if (!found.volume.fstype || !mountableFileSystems.includes(found.volume.fstype)) return refuse('filesystem', { uuid, fstype: found.volume.fstype ?? '?' });
  }
  // The drive of the data folder stays mounted: without it the data folder is gone.
  const data = volumeHolding(list.disks, system.paths.dataDir);
  for (const entry of managed) {
    if (wanted.some((uuid) => uuid.toLowerCase() === entry.uuid.toLowerCase())) continue;
    if (data?.volume.uuid?.toLowerCase() === entry.uuid.toLowerCase() || isInside(system.paths.systemFile(entry.mountPoint), system.paths.dataDir)) {
      result.dataMounts.push(entry);
    }
  }
  return result;
}

/** What the form refuses: everything examine() found. */
function formErrors(examined: Examined): FieldError[] {
  if (examined.errors.length) return examined.errors;
  const [unknown] = examined.unknown;
  if (unknown) return [{ param: 'drives', key: 'app-storage-automount:errors.unknownUuid', params: { uuid: unknown } }];
  const [data] = examined.dataMounts;
  if (data) return [{ param: 'drives', key: 'app-storage-automount:errors.holdsData', params: { uuid: data.uuid, path: data.mountPoint } }];
  return [];
}

function refused(job: JobContext, errors: FieldError[]): HearthError {
  for (const error of errors) job.output('err', job.t(error.key, error.params ?? {}));
  return new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: 'storage-automount' }, { fields: errors });
}

async function unmountIfMounted(job: JobContext, real: string, shown: string, list: StorageList) {
  const mounted = list.disks.some((disk) => [disk, ...disk.volumes].some((v) => v.mounts.some((m) => m.real === real)));
  if (!mounted) return;
  job.info(job.t('app-storage-automount:log.unmounting', { path: shown }));
  const result = await job.run(['umount', real], { allowFailure: true });
  if (result.code !== 0) throw refused(job, [{ param: 'drives', key: 'app-storage-automount:errors.busy', params: { path: shown } }]);
}

async function apply(drives: string, job: JobContext) {
  const { system } = job;
  const { paths } = system;
  const examined = await examine(drives, system);
  if (examined.errors.length) throw refused(job, examined.errors);
  for (const uuid of examined.unknown) job.info(job.t('app-storage-automount:log.notHere', { uuid }));
  for (const entry of examined.dataMounts) job.info(job.t('app-storage-automount:log.keptForData', { uuid: entry.uuid, path: entry.mountPoint }));
  const wanted = [...uuidsOf(drives).filter((uuid) => !examined.unknown.includes(uuid)), ...examined.dataMounts.map((entry) => entry.uuid)];
  const list = await listBlockDevices(system);
  const fstab = await readFstab(system);
  const keep = (entry: ManagedMount) => wanted.some((uuid) => uuid.toLowerCase() === entry.uuid.toLowerCase());

  // Drives no longer wanted: unmounted, their line dropped, their empty mount point removed.
  for (const entry of fstab.managed.filter((e) => !keep(e))) {
    await unmountIfMounted(job, paths.systemFile(entry.mountPoint), entry.mountPoint, list);
  }

  const lines = new Map<string, string>();
  // Places other lines of fstab (the owner's own) or the kept drives have are not given again.
  const taken = new Set([...fstabEntries(fstab.text ?? '').filter((e) => !fstab.managed.some((m) => m.index === e.index)), ...fstab.managed.filter(keep)].map((e) => e.mountPoint));
  const toMount: Array<{ mountPoint: string; volume: Volume }> = [];
  for (const uuid of wanted) {
    const existing = fstab.managed.find((e) => e.uuid.toLowerCase() === uuid.toLowerCase());
    const found = volumeByUuid(list, uuid);
    if (!found) {
      // Not plugged in: its line stays, nofail lets the box start without it.
      lines.set(existing!.uuid, automountLine(existing!.uuid, existing!.mountPoint, existing!.type));
      job.info(job.t('app-storage-automount:log.absent', { uuid, path: existing!.mountPoint }));
      continue;
    }
    const { volume } = found;
    // A drive keeps its place once it has one (the data folder may live there); a new one gets /media/<label>.
    let mountPoint = existing?.mountPoint;
    if (!mountPoint) {
      const elsewhere = new Set(list.disks.flatMap((d) => [d, ...d.volumes]).filter((v) => v !== volume).flatMap((v) => v.mounts.map((m) => m.shown)));
      mountPoint = freeMountPoint(mountName(volume.label, volume.uuid!), new Set([...taken, ...elsewhere]));
      taken.add(mountPoint);
    }
    lines.set(volume.uuid!, automountLine(volume.uuid!, mountPoint, volume.fstype!));
    const real = paths.systemFile(mountPoint);
    if (volume.mounts.some((m) => m.real === real)) continue;
    // Mounted somewhere else (a desktop's automounter put it under /media/<user>/…): moved to its own place.
    for (const mount of volume.mounts) await unmountIfMounted(job, mount.real, mount.shown, list);
    toMount.push({ mountPoint, volume });
  }

  const next = withManagedMounts(fstab.text, lines);
  if (next !== (fstab.text ?? '')) {
    job.info(job.t('app-storage-automount:log.fstab'));
    await system.writeFile(fstab.file, next);
  }
  if (await usesSystemd(system)) await job.run(['systemctl', 'daemon-reload']);

  for (const entry of fstab.managed.filter((e) => !keep(e))) {
    // rmdir removes only an empty directory: whatever is in a mount point that is not one any more stays.
    const dir = paths.systemFile(entry.mountPoint);
    if ((await system.listDirectory(dir)).length === 0 && (await system.pathType(dir)) === 'directory') await job.run(['rmdir', dir], { allowFailure: true });
    job.info(job.t('app-storage-automount:log.removed', { uuid: entry.uuid, path: entry.mountPoint }));
  }
  for (const { mountPoint, volume } of toMount) {
    const real = paths.systemFile(mountPoint);
    await system.makeDirectory(real, { mode: 0o755 });
    job.info(job.t('app-storage-automount:log.mounting', { volume: volumeLine(volume), path: mountPoint }));
    await job.run(mountArgv(system, mountPoint), { timeoutMs: 5 * 60_000 });
  }
  job.info(wanted.length ? job.t('app-storage-automount:log.done', { count: wanted.length }) : job.t('app-storage-automount:log.none'));
}

const schema = Type.Object({
  // The file systems to mount, by UUID, one per line (the Storage page fills it in).
  drives: param.text({ default: '', maxLength: 40 * maxDrives }),
});

/**
 * Mounts drives at /media/<label> at every start, by UUID (a drive keeps its place
 * whatever USB port it is in), through fstab lines with nofail: a drive that is not
 * plugged in never stops the box from starting. The UUIDs are the box's own
 * (bindings): a configuration moved to another board asks for its drives.
 */
export default defineApp({
  id: 'storage-automount',
  category: 'system',
  kind: 'configure',
  params: schema,
  bindings: ['drives'],
  availability: notInContainer,
  async status({ system }) {
    const [list, { managed }] = await Promise.all([listBlockDevices(system), readFstab(system)]);
    const details: Array<{ label: string; value: string }> = [];
    for (const entry of managed) {
      const found = volumeByUuid(list, entry.uuid);
      const mounted = found?.volume.mounts.some((m) => m.real === system.paths.systemFile(entry.mountPoint));
      details.push({
        label: mounted ? 'app-storage-automount:details.mounted' : found ? 'app-storage-automount:details.notMounted' : 'app-storage-automount:details.absent',
        value: `${entry.mountPoint} ← UUID=${entry.uuid} (${entry.type})`,
      });
    }
    for (const disk of list.disks.filter((d) => !d.system)) {
      for (const volume of [disk, ...disk.volumes]) {
        if (!volume.uuid || !volume.fstype || !mountableFileSystems.includes(volume.fstype)) continue;
        if (managed.some((m) => m.uuid.toLowerCase() === volume.uuid!.toLowerCase())) continue;
        details.push({ label: 'app-storage-automount:details.available', value: `${volume.uuid} — ${volumeLine(volume)}` });
      }
    }
    return { active: managed.length > 0, values: { drives: managed.map((m) => m.uuid).join('\n') }, details };
  },
  async validate({ drives }, { system }) {
    return formErrors(await examine(drives, system));
  },
  async apply({ drives }, job) {
    await apply(drives, job);
  },
});
