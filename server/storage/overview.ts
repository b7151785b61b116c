import type { System } from '../system/index.js';
import { managedMounts } from './automount.js';
import { listBlockDevices, volumeHolding, type Volume } from './block-devices.js';
import { dataLocation } from './data-location.js';
import { driveTitle, rolePlaces } from './describe.js';
import type { StorageOverview } from './schema.js';

/** Everything the Storage page shows, read from the system in one go. */
export async function storageOverview(system: System): Promise<StorageOverview> {
  const { paths } = system;
  const [list, location, fstab] = await Promise.all([listBlockDevices(system), dataLocation(system), system.readFile(paths.systemFile('etc/fstab'))]);
  const managed = managedMounts(fstab ?? '');
  const data = volumeHolding(list.disks, location.dir);
  const automountOf = (volume: Volume) => managed.find((m) => volume.uuid !== null && m.uuid.toLowerCase() === volume.uuid.toLowerCase())?.mountPoint ?? null;
  const volumeOut = (volume: Volume) => ({
    name: volume.name,
    path: volume.path,
    type: volume.type,
    sizeBytes: volume.sizeBytes,
    fstype: volume.fstype,
    label: volume.label,
    uuid: volume.uuid,
    mountPoints: volume.mounts.map((m) => m.shown),
    swap: volume.swap,
    usage: volume.usage,
    automount: automountOf(volume),
    holdsData: data?.volume === volume,
  });
  const allVolumes = list.disks.flatMap((disk) => [disk, ...disk.volumes]);
  return {
    systemDiskKnown: list.systemDiskKnown,
    disks: list.disks.map((disk) => ({
      name: disk.name,
      path: disk.path,
      title: driveTitle(disk),
      model: disk.model,
      vendor: disk.vendor,
      serial: disk.serial,
      transport: disk.transport,
      sizeBytes: disk.sizeBytes,
      removable: disk.removable,
      readOnly: disk.readOnly,
      partitionTable: disk.partitionTable,
      system: disk.system,
      systemPlaces: rolePlaces(paths, disk.systemRoles),
      holdsData: disk.holdsData,
      // The drive itself is listed among its volumes only when it holds a file system (no partition table).
      volumes: [...(disk.fstype !== null || disk.mounts.length ? [disk] : []), ...disk.volumes].map(volumeOut),
    })),
    dataDir: { path: location.shown, moved: location.moved, missing: location.missing, oldCopies: location.oldCopies.map((c) => ({ path: c.shown, movedAt: c.movedAt })) },
    automount: managed.map((m) => {
      const volume = allVolumes.find((v) => v.uuid?.toLowerCase() === m.uuid.toLowerCase());
      return { uuid: m.uuid, mountPoint: m.mountPoint, fstype: m.type, attached: volume !== undefined, mounted: volume?.mounts.some((mount) => mount.real === paths.systemFile(m.mountPoint)) ?? false };
    }),
  };
}


