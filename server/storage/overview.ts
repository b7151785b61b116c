import { Type, type Static } from 'typebox';
import type { System } from '../system/index.js';
import { managedMounts } from './automount.js';
import { listBlockDevices, volumeHolding, type Volume } from './block-devices.js';
import { dataLocation } from './data-location.js';
import { driveTitle, rolePlaces } from './describe.js';

const nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const StorageVolume = Type.Object({
  name: Type.String(),
  path: Type.String(),
  /** lsblk TYPE: part, disk (a file system on the whole drive), crypt, lvm … */
  type: Type.String(),
  sizeBytes: Type.Integer({ minimum: 0 }),
  fstype: nullable(Type.String()),
  label: nullable(Type.String()),
  uuid: nullable(Type.String()),
  /** Where it is mounted, as the box shows it. */
  mountPoints: Type.Array(Type.String()),
  swap: Type.Boolean(),
  usage: nullable(Type.Object({ sizeBytes: Type.Integer({ minimum: 0 }), usedBytes: Type.Integer({ minimum: 0 }), availableBytes: Type.Integer({ minimum: 0 }) })),
  /** The mount point storage-automount gives it at every start; null when it is not mounted automatically. */
  automount: nullable(Type.String()),
  holdsData: Type.Boolean(),
});

export const StorageDisk = Type.Object({
  name: Type.String(),
  path: Type.String(),
  /** Vendor and model, or the kernel name. */
  title: Type.String(),
  model: nullable(Type.String()),
  vendor: nullable(Type.String()),
  serial: nullable(Type.String()),
  transport: Type.String(),
  sizeBytes: Type.Integer({ minimum: 0 }),
  removable: Type.Boolean(),
  readOnly: Type.Boolean(),
  partitionTable: nullable(Type.String()),
  system: Type.Boolean(),
  /** What of the box it holds ("/", "/boot", "/var/lib/hearth"), for a system disk. */
  systemPlaces: Type.String(),
  holdsData: Type.Boolean(),
  /** The drive itself when it carries a file system without a partition table, then its partitions. */
  volumes: Type.Array(StorageVolume),
});

export const StorageOverview = Type.Object({
  systemDiskKnown: Type.Boolean(),
  disks: Type.Array(StorageDisk),
  dataDir: Type.Object({
    path: Type.String(),
    moved: Type.Boolean(),
    /** Moved to a drive that is not mounted now. */
    missing: Type.Boolean(),
    oldCopies: Type.Array(Type.Object({ path: Type.String(), movedAt: Type.String() })),
  }),
  /** Drives mounted at every start (storage-automount's fstab lines). */
  automount: Type.Array(Type.Object({ uuid: Type.String(), mountPoint: Type.String(), fstype: Type.String(), attached: Type.Boolean(), mounted: Type.Boolean() })),
});

export type StorageOverview = Static<typeof StorageOverview>;
export type StorageDisk = Static<typeof StorageDisk>;
export type StorageVolume = Static<typeof StorageVolume>;

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


