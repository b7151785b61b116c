import { encodeFstabField, fstabEntries, type FstabEntry } from '../apps/system/fstab.js';

/**
 * The fstab lines of the storage-automount app: one per drive, by UUID, at
 * /media/<name>. `nofail` and a 10 s device timeout make a missing drive cost boot ten
 * seconds at most and never stop it (systemd-fstab-generator turns them into a mount
 * unit wanted, not required, by local-fs.target). Hearth knows its own lines by the
 * `x-hearth.automount` option, which mount and systemd ignore (x-* options are for
 * userspace): every other line of fstab is left exactly as it is.
 */

export const managedOption = 'x-hearth.automount';

/** File systems worth mounting as a data drive: Linux ones, and FAT/exFAT sticks. */
export const mountableFileSystems: readonly string[] = ['ext2', 'ext3', 'ext4', 'btrfs', 'xfs', 'f2fs', 'vfat', 'exfat'];

/** fsck at boot where a checker is part of Debian's base system (e2fsprogs, dosfstools); Btrfs and XFS check themselves. */
const checkedAtBoot = new Set(['ext2', 'ext3', 'ext4', 'vfat']);

export interface ManagedMount extends FstabEntry {
  uuid: string;
}

/** UUIDs as blkid prints them: 36-character ones (ext4, Btrfs, XFS) and FAT/exFAT's XXXX-XXXX. */
export const uuidPattern = /^(?:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4})$/;

export function managedMounts(fstab: string): ManagedMount[] {
  return fstabEntries(fstab)
    .filter((entry) => entry.options.split(',').includes(managedOption) && entry.spec.startsWith('UUID='))
    .map((entry) => ({ ...entry, uuid: entry.spec.slice('UUID='.length) }));
}

export function mountOptions(): string {
  return ['defaults', 'nofail', 'noatime', 'x-systemd.device-timeout=10s', managedOption].join(',');
}

export function automountLine(uuid: string, mountPoint: string, fstype: string): string {
  return `UUID=${uuid} ${encodeFstabField(mountPoint)} ${fstype} ${mountOptions()} 0 ${checkedAtBoot.has(fstype) ? 2 : 0}`;
}

/**
 * A directory name for a label: letters, digits, "." "_" "-" kept, anything else "_";
 * no leading dot (hidden, or "." and ".."). A drive without a usable label is named
 * after the start of its UUID.
 */
export function mountName(label: string | null, uuid: string): string {
  const cleaned = (label ?? '').replace(/[^A-Za-z0-9._-]/g, '_').replace(/^[.]+/, '').slice(0, 64);
  return /[A-Za-z0-9]/.test(cleaned) ? cleaned : `drive-${uuid.replace(/-/g, '').slice(0, 8).toLowerCase()}`;
}

/** /media/<name>, or /media/<name>-2, -3 … when another drive has that place already. */
export function freeMountPoint(name: string, taken: ReadonlySet<string>): string {
  let candidate = `/media/${name}`;
  for (let n = 2; taken.has(candidate); n++) candidate = `/media/${name}-${n}`;
  return candidate;
}

/**
 * fstab with exactly the managed lines given (replacing Hearth's old ones in place, new
 * ones appended), every other line byte for byte as it was.
 */
export function withManagedMounts(current: string | undefined, lines: ReadonlyMap<string, string>): string {
  const text = current ?? '';
  const managed = new Map(managedMounts(text).map((m) => [m.index, m.uuid]));
  const raw = text === '' ? [] : text.split('\n');
  if (raw.at(-1) === '') raw.pop();
  const placed = new Set<string>();
  const out: string[] = [];
  raw.forEach((line, index) => {
    const uuid = managed.get(index);
    if (uuid === undefined) return void out.push(line);
    const replacement = lines.get(uuid);
    if (replacement === undefined || placed.has(uuid)) return;
    out.push(replacement + (line.endsWith('\r') ? '\r' : ''));
    placed.add(uuid);
  });
  for (const [uuid, line] of lines) if (!placed.has(uuid)) out.push(line);
  if (out.length === 0) return '';
  const endsWithNewline = text === '' || text.endsWith('\n') || out.length > raw.length;
  return out.join('\n') + (endsWithNewline ? '\n' : '');
}
