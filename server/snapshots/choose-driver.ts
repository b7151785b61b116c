import type { System } from '../system/index.js';
import { btrfsDriver } from './btrfs-driver.js';
import { copyDriver } from './copy-driver.js';
import type { SnapshotDriver } from './driver.js';
import type { DriverName } from './types.js';

export interface DriverChoice {
  driver: SnapshotDriver;
  /** The file system type of the state directory (statfs). */
  fileSystem: string;
  /** Why not btrfs, when the file system is Btrfs: the state directory is not a subvolume. */
  notSubvolume: boolean;
}

/**
 * The driver for what the state directory sits on: btrfs when it is a Btrfs subvolume
 * (`btrfs subvolume show` succeeds), copy otherwise. The sandbox always copies: Btrfs
 * commands change the host, so they run for real only on a box.
 */
export async function chooseDriver(system: System): Promise<DriverChoice> {
  const { stateDir } = system.paths;
  const fileSystem = (await system.fileSystemOf(stateDir)).type;
  if (system.kind !== 'linux' || fileSystem !== 'btrfs') return { driver: copyDriver, fileSystem, notSubvolume: false };
  const show = await system.run(['btrfs', 'subvolume', 'show', stateDir]);
  return show.code === 0 ? { driver: btrfsDriver, fileSystem, notSubvolume: false } : { driver: copyDriver, fileSystem, notSubvolume: true };
}

export function driverNamed(name: DriverName): SnapshotDriver {
  return name === 'btrfs' ? btrfsDriver : copyDriver;
}
