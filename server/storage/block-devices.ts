import path from 'node:path';
import { isInside, type Paths } from '../paths.js';
import type { System } from '../system/index.js';
import { runLsblk, type LsblkNode } from './lsblk.js';

/** How a drive is attached, as the owner knows it. */
export type Transport = 'usb' | 'sata' | 'nvme' | 'mmc' | 'virtio' | 'scsi' | 'loop' | 'other';

/** Where a file system is mounted: the real path, and the path as the box sees it (under the root). */
export interface MountPoint {
  /** Absolute path on the host, as the kernel reports it. */
  real: string;
  /** The same as the box sees it ("/media/photos"); the real path when it lies outside the root. */
  shown: string;
}

/** Anything that can hold a file system: a partition, a whole drive formatted without partitions, a LUKS mapping … */
export interface Volume {
  name: string;
  path: string;
  /** lsblk's TYPE: part, disk, loop, crypt, lvm, raid1 … */
  type: string;
  sizeBytes: number;
  fstype: string | null;
  label: string | null;
  uuid: string | null;
  mounts: MountPoint[];
  /** An active swap area. */
  swap: boolean;
  /** Space of the mounted file system (lsblk FSSIZE/FSUSED/FSAVAIL); null when not mounted. */
  usage: { sizeBytes: number; usedBytes: number; availableBytes: number } | null;
}

/** Why a disk is the system disk: which of the box's own places it holds. */
export type SystemRole = 'root' | 'boot' | 'state' | 'install';

export interface Disk extends Volume {
  model: string | null;
  vendor: string | null;
  serial: string | null;
  transport: Transport;
  removable: boolean;
  readOnly: boolean;
  hotplug: boolean;
  partitionTable: string | null;
  /** What the box runs from lives here: never formatted, never unmounted. */
  system: boolean;
  systemRoles: SystemRole[];
  /** The owner's data directory lives here. */
  holdsData: boolean;
  /** Partitions and what sits on them (LUKS, LVM), depth first. */
  volumes: Volume[];
}

export interface StorageList {
  disks: Disk[];
  /** False when no listed disk holds "/": the box runs from something lsblk does not show (NFS, overlay), so none can be called safe. */
  systemDiskKnown: boolean;
}

/** Kernel devices that are not drives: RAM disks, compressed RAM swap, raw flash, CD drives. */
const notDrives = [/^zram\d+$/, /^ram\d+$/, /^mtdblock\d+$/, /^sr\d+$/, /^fd\d+$/];

function transportOf(node: LsblkNode): Transport {
  const tran = node.tran?.trim().toLowerCase();
  if (tran === 'usb' || tran === 'sata' || tran === 'nvme' || tran === 'mmc') return tran;
  if (tran === 'ata' || tran === 'pata') return 'sata';
  if (tran === 'virtio') return 'virtio';
  if (tran && ['sas', 'spi', 'fc', 'iscsi'].includes(tran)) return 'scsi';
  // lsblk leaves TRAN empty for some buses: the kernel name tells them apart.
  if (/^mmcblk\d+$/.test(node.kname)) return 'mmc';
  if (/^nvme\d+n\d+$/.test(node.kname)) return 'nvme';
  if (/^vd[a-z]+$/.test(node.kname)) return 'virtio';
  if (node.type === 'loop') return 'loop';
  return 'other';
}

/** lsblk pads MODEL and VENDOR with blanks and some bridges put underscores for blanks. */
function tidy(value: string | null): string | null {
  const clean = value?.replace(/_/g, ' ').replace(/\s+/g, ' ').trim();
  return clean ? clean : null;
}

export function shownPath(paths: Paths, real: string): string {
  if (!isInside(paths.root, real)) return real;
  const relative = path.relative(paths.root, real);
  return '/' + relative.split(path.sep).join('/');
}

function volumeOf(node: LsblkNode, paths: Paths): Volume {
  const mounted = node.mountpoints.filter((m): m is string => typeof m === 'string' && m.startsWith('/'));
  const usage =
    mounted.length > 0 && node.fssize !== null && node.fsused !== null && node.fsavail !== null
      ? { sizeBytes: node.fssize, usedBytes: node.fsused, availableBytes: node.fsavail }
      : null;
  return {
    name: node.name,
    path: node.path,
    type: node.type,
    sizeBytes: node.size,
    fstype: node.fstype || null,
    label: node.label || null,
    uuid: node.uuid || null,
    mounts: mounted.map((real) => ({ real, shown: shownPath(paths, real) })),
    swap: node.mountpoints.includes('[SWAP]'),
    usage,
  };
}

function descendants(node: LsblkNode): LsblkNode[] {
  return (node.children ?? []).flatMap((child) => [child, ...descendants(child)]);
}

/**
 * Without udev's database (containers, early boot, a VM like the test machine) lsblk
 * cannot say which file system a device holds. blkid -p reads it from the device itself.
 * With udev, it is not asked: reading a sleeping hard disk would spin it up.
 */
async function probeFileSystems(system: System, nodes: LsblkNode[]): Promise<void> {
  // The sandbox's lsblk knows the pretend drives' file systems; blkid would read the real host's devices.
  if (system.kind === 'sandbox') return;
  if ((await system.pathType(system.paths.systemFile('run/udev/data'))) === 'directory') return;
  await Promise.all(
    nodes
      .filter((node) => node.fstype === null && !(node.children?.length) && node.size > 0)
      .map(async (node) => {
        const probed = await system.run(['blkid', '-p', '-o', 'export', node.path]).catch(() => undefined);
        if (!probed || probed.code !== 0) return;
        const fields = Object.fromEntries(
          probed.stdout
            .split('\n')
            .map((line) => line.split('='))
            .filter((parts) => parts.length >= 2)
            .map(([key, ...rest]) => [key!, rest.join('=')]),
        );
        if (fields.USAGE !== 'filesystem' && fields.TYPE !== 'swap' && fields.USAGE !== 'crypto') return;
        node.fstype = fields.TYPE ?? null;
        node.label = fields.LABEL ?? null;
        node.uuid = fields.UUID ?? null;
      }),
  );
}

/** The mounted volume holding `file` (a real path): the one with the longest mount point above it. */
export function volumeHolding(disks: readonly Disk[], file: string): { disk: Disk; volume: Volume; mount: MountPoint } | undefined {
  let best: { disk: Disk; volume: Volume; mount: MountPoint } | undefined;
  for (const disk of disks) {
    for (const volume of [disk, ...disk.volumes]) {
      for (const mount of volume.mounts) {
        if (!isInside(mount.real, file)) continue;
        if (!best || mount.real.length > best.mount.real.length) best = { disk, volume, mount };
      }
    }
  }
  return best;
}

/**
 * Every drive with its partitions, as lsblk sees it, and which one is the system disk:
 * the one holding the box's "/", /boot (or /boot/firmware), the state directory or the
 * installed code — found from where those are mounted, never from a device's name (the
 * system runs from sda on a PC, from mmcblk0 on a Pi, from nvme0n1 on a Pi 5 with an SSD).
 */
export async function listBlockDevices(system: System): Promise<StorageList> {
  const { paths } = system;
  const tree = (await runLsblk(system)).filter((node) => !notDrives.some((pattern) => pattern.test(node.kname)));
  // A loop device with nothing attached has size 0; a CD drive without a disc too.
  const drives = tree.filter((node) => (node.type === 'disk' || node.type === 'loop') && node.size > 0);
  await probeFileSystems(system, drives.flatMap((drive) => [drive, ...descendants(drive)]));

  const disks: Disk[] = drives.map((node) => ({
    ...volumeOf(node, paths),
    model: tidy(node.model),
    vendor: tidy(node.vendor),
    serial: tidy(node.serial),
    transport: transportOf(node),
    removable: node.rm,
    readOnly: node.ro,
    hotplug: node.hotplug,
    partitionTable: node.pttype || null,
    system: false,
    systemRoles: [],
    holdsData: false,
    volumes: descendants(node).map((child) => volumeOf(child, paths)),
  }));

  const probes: Array<[SystemRole, string]> = [
    ['root', paths.root],
    ['boot', paths.systemFile('boot')],
    ['boot', paths.systemFile('boot/firmware')],
    ['state', paths.stateDir],
    ['install', paths.installDir],
  ];
  let systemDiskKnown = false;
  for (const [role, place] of probes) {
    const holder = volumeHolding(disks, place);
    // A place that does not exist (no /boot/firmware on a PC) would only find the mount above it;
    // one that is itself a mount point is there even when this sandbox has no directory for it.
    const mountedThere = holder?.mount.real === place;
    if (role !== 'root' && !mountedThere && (await system.pathType(place)) === undefined) continue;
    if (!holder) continue;
    if (role === 'root') systemDiskKnown = true;
    holder.disk.system = true;
    if (!holder.disk.systemRoles.includes(role)) holder.disk.systemRoles.push(role);
  }
  const data = volumeHolding(disks, paths.dataDir);
  if (data) data.disk.holdsData = true;
  return { disks, systemDiskKnown };
}

/** The disk called `device` (/dev/sda), if lsblk lists it as a whole drive. */
export function findDisk(list: StorageList, device: string): Disk | undefined {
  return list.disks.find((disk) => disk.path === device);
}

/** What the owner types to confirm formatting: the drive's model, or its kernel name when it has none. */
export function confirmationName(disk: Disk): string {
  return disk.model ?? disk.name;
}

/** Everything on a drive that is mounted or swapped to, as the box shows it. */
export function inUse(disk: Disk): { mounts: MountPoint[]; swaps: string[] } {
  const volumes = [disk, ...disk.volumes];
  return { mounts: volumes.flatMap((v) => v.mounts), swaps: volumes.filter((v) => v.swap).map((v) => v.path) };
}

/** The file systems on a drive (what formatting it would erase). */
export function fileSystemsOn(disk: Disk): Volume[] {
  return [disk, ...disk.volumes].filter((v) => v.fstype !== null);
}
