import { formatBytes } from '../format.js';
import type { Paths } from '../paths.js';
import { shownPath, type Disk, type SystemRole, type Volume } from './block-devices.js';

/**
 * Drives and file systems in words every language can share: names, sizes, types,
 * labels in quotes and paths. The sentence around them comes from the translations.
 */

/** "Samsung PSSD T7", the kernel name when the drive tells no model. */
export function driveTitle(disk: Disk): string {
  return [disk.vendor, disk.model].filter(Boolean).join(' ') || disk.name;
}

/** "/dev/sda · Samsung PSSD T7 · 466 GiB · usb" */
export function driveLine(disk: Disk): string {
  return [disk.path, driveTitle(disk), formatBytes(disk.sizeBytes), disk.transport].join(' · ');
}

/** "sda1 ext4 “photos” 466 GiB → /media/photos" */
export function volumeLine(volume: Volume): string {
  const parts = [volume.name, volume.fstype ?? '—'];
  if (volume.label) parts.push(`“${volume.label}”`);
  parts.push(formatBytes(volume.sizeBytes));
  if (volume.mounts.length) parts.push(`→ ${volume.mounts.map((m) => m.shown).join(', ')}`);
  if (volume.swap) parts.push('→ [SWAP]');
  return parts.join(' ');
}

/** What is on a drive, one volume after the other; "—" for a blank drive. */
export function contentsLine(disk: Disk): string {
  const volumes = [disk, ...disk.volumes].filter((v) => v !== disk || v.fstype !== null);
  return volumes.length ? volumes.map(volumeLine).join('; ') : '—';
}

/** The box's own places a system disk holds: "/", "/boot", "/var/lib/hearth", "/opt/hearth". */
export function rolePlaces(paths: Paths, roles: readonly SystemRole[]): string {
  const place: Record<SystemRole, string> = {
    root: '/',
    boot: '/boot',
    state: shownPath(paths, paths.stateDir),
    install: shownPath(paths, paths.installDir),
  };
  return roles.map((role) => place[role]).join(', ');
}
