/** The archive format's constants and types; docs/backup-format.md describes them for people. */

/** What the first entry's `format` says; anything else is not a Hearth backup. */
export const archiveFormat = 'hearth-backup';
/** The format this code writes and the newest it reads (docs/backup-format.md). */
export const archiveFormatVersion = 1;
/** The name of the first tar entry. */
export const manifestName = 'manifest.json';
/** A manifest is held in memory; a larger one is refused before it is read. */
export const maxManifestBytes = 256 * 1024 ** 2;

export type Compression = 'zstd' | 'gzip' | 'none';
export type EntryType = 'file' | 'directory' | 'symlink' | 'hardlink';

export interface ManifestEntry {
  /** Relative, '/'-separated, under a top-level prefix: "state/hearth.db". */
  path: string;
  type: EntryType;
  /** Permission bits including setuid/setgid/sticky (mode & 0o7777). */
  mode: number;
  uid: number;
  gid: number;
  /** RFC 3339 UTC with nanoseconds: "2026-11-28T17:30:48.123456789Z". */
  mtime: string;
  /** Content bytes: the file's size for files, 0 for everything else. */
  size: number;
  /** Hex SHA-256 of the content, for files only. */
  sha256?: string;
  /** Symlink: the target as stored (never resolved). Hardlink: the path of an earlier file entry. */
  target?: string;
  /** The source file had holes; restore writes it sparse again. */
  sparse?: true;
}

export interface SkippedEntry {
  path: string;
  /** socket | fifo | character-device | block-device | unreadable | name-not-utf8 | other-filesystem | excluded | missing | vanished */
  reason: string;
}

export interface ManifestOptions {
  /** Whether the owner's data directory is inside. */
  data: boolean;
  compression: Compression;
  level: number | null;
  encrypted: boolean;
}

export interface Manifest {
  format: typeof archiveFormat;
  formatVersion: number;
  appVersion: string;
  /** The database's user_version. */
  schemaVersion: number;
  board: string | null;
  hostname: string;
  createdAt: string;
  options: ManifestOptions;
  entries: ManifestEntry[];
  skipped: SkippedEntry[];
  totals: { entries: number; bytes: number; maxDepth: number };
}
