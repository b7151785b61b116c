import path from 'node:path';
import { lsblk, mkfs, mount, sfdisk, umount, wipefs } from './block-devices.js';
import { chpasswd, getent, gpasswd, groupadd, id, passwd, useradd, userdel, usermod } from './accounts.js';
import { hostnamectl, timedatectl } from './names-and-clock.js';
import { findmnt, withPretendMounts, withPretendUnmounts } from './mounts.js';
import { ok, type ProgramSimulation } from './simulation.js';
import { mkswap, swapoff, swapon } from './swap.js';
import { systemctl } from './systemctl.js';

/**
 * Host programs the sandbox does not run. Those with a simulation change and answer
 * from the pretend host state; the others (they only change the host, nobody reads
 * their effect yet) are recorded and succeed. Every other program runs for real.
 */
const simulations: Record<string, ProgramSimulation> = {
  systemctl,
  hostnamectl,
  timedatectl,
  id,
  getent,
  useradd,
  usermod,
  userdel,
  gpasswd,
  groupadd,
  chpasswd,
  passwd,
  mkswap,
  swapon,
  swapoff,
  lsblk,
  sfdisk,
  wipefs,
  // A tmpfs or a bind mount is the pretend host's too (mounts.ts); drives are block-devices.ts's.
  mount: withPretendMounts(mount),
  umount: withPretendUnmounts(umount),
  findmnt,
  // The kernel learns the new partitions at once in the pretend host; udev has nothing to wait for.
  partx: () => ok(),
  udevadm: () => ok(),
};

const recordedOnly = new Set([
  'localectl', 'reboot', 'shutdown', 'poweroff', 'halt', 'apt', 'apt-get', 'dpkg', 'chown',
  'fdisk', 'parted', 'sgdisk',
  'ip', 'nmcli', 'iw', 'wpa_cli', 'ufw', 'nft', 'iptables', 'sysctl', 'modprobe', 'zramctl',
]);

export function simulationFor(program: string): ProgramSimulation | undefined {
  const name = path.basename(program);
  if (simulations[name]) return simulations[name];
  if (name.startsWith('mkfs.')) return mkfs(name);
  if (recordedOnly.has(name) || name === 'mkfs') return () => ok();
  return undefined;
}
