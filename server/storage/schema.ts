import { Type, type Static } from 'typebox';

/**
 * The shape of GET /api/storage (server/routes/storage.ts), also the panel's types:
 * this file imports nothing but TypeBox, so the panel can import it.
 */

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
