/**
 * hearth-backup_<host>_<YYYYMMDD-HHMMSS>.tar[.gz|.zst][.age] — the time in UTC, so a
 * clock change never makes two archives the same name or the order wrong.
 */
const pattern = /^hearth-backup_([a-z0-9-]{1,63})_(\d{8})-(\d{6})\.tar(\.gz|\.zst)?(\.age)?$/;

export function archiveName(host: string, at: Date, compression: 'zstd' | 'gzip' | 'none', encrypted: boolean): string {
  const safeHost = host.toLowerCase().replace(/[^a-z0-9-]/g, '-').slice(0, 63) || 'hearth';
  const iso = at.toISOString();
  const stamp = `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
  const extension = compression === 'zstd' ? '.zst' : compression === 'gzip' ? '.gz' : '';
  return `hearth-backup_${safeHost}_${stamp}.tar${extension}${encrypted ? '.age' : ''}`;
}

/** What a name says: host, creation time, compression, encryption; undefined for any other file. */
export function parseArchiveName(name: string) {
  const match = pattern.exec(name);
  if (!match) return undefined;
  const [, host, day, time, compressed, age] = match;
  const createdAt = `${day!.slice(0, 4)}-${day!.slice(4, 6)}-${day!.slice(6, 8)}T${time!.slice(0, 2)}:${time!.slice(2, 4)}:${time!.slice(4, 6)}.000Z`;
  if (Number.isNaN(Date.parse(createdAt))) return undefined;
  return { host: host!, createdAt, compression: compressed === '.zst' ? 'zstd' : compressed === '.gz' ? 'gzip' : 'none', encrypted: Boolean(age) } as const;
}
