import { HearthError } from '../../errors.js';
import { checkEntryPath, depthOf, parentOf, prefixOf } from './entry-path.js';
import { archiveFormat, archiveFormatVersion, type Manifest, type ManifestEntry } from './format.js';

const mtimePattern = /^((?:\d{4}|[+-]\d{6})-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\.(\d{9})Z$/;
const sha256Pattern = /^[0-9a-f]{64}$/;

/** The range of a JavaScript Date, in nanoseconds; a wilder timestamp is clamped to it. */
const maxMtimeNs = 8_640_000_000_000_000_000_000n;

/** Nanoseconds since the epoch → the manifest's mtime form. */
export function formatMtime(ns: bigint): string {
  if (ns > maxMtimeNs) ns = maxMtimeNs;
  if (ns < -maxMtimeNs) ns = -maxMtimeNs;
  const second = ns >= 0n ? ns / 1_000_000_000n : -((-ns + 999_999_999n) / 1_000_000_000n);
  const fraction = ns - second * 1_000_000_000n;
  const iso = new Date(Number(second) * 1000).toISOString();
  return `${iso.slice(0, 19)}.${fraction.toString().padStart(9, '0')}Z`;
}

/** The manifest's mtime form → nanoseconds since the epoch. */
export function parseMtime(text: string): bigint | undefined {
  const match = mtimePattern.exec(text);
  if (!match) return undefined;
  const ms = Date.parse(`${match[1]}Z`);
  if (!Number.isFinite(ms)) return undefined;
  return BigInt(ms) * 1_000_000n + BigInt(match[2]!);
}

/** Nanoseconds → the decimal seconds of a pax `mtime` record ("1795887048.123456789"). */
export function paxTime(ns: bigint): string {
  const negative = ns < 0n;
  const abs = negative ? -ns : ns;
  return `${negative ? '-' : ''}${abs / 1_000_000_000n}.${(abs % 1_000_000_000n).toString().padStart(9, '0')}`;
}

/** A pax `mtime` record → nanoseconds (up to 9 fractional digits are kept). */
export function parsePaxTime(text: string): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!match) return undefined;
  const ns = BigInt(match[2]!) * 1_000_000_000n + BigInt((match[3] ?? '').slice(0, 9).padEnd(9, '0'));
  return match[1] ? -ns : ns;
}

function invalid(reason: string): HearthError {
  return new HearthError('HEARTH_ERR_ARCHIVE_MANIFEST_INVALID', { reason });
}

function isCount(value: unknown, max = Number.MAX_SAFE_INTEGER): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value <= max;
}

/**
 * Reads the manifest from the first entry's bytes and checks everything that can be
 * checked before a single file is touched: the format and its version, every path
 * (the same rules the tar headers must pass), that no path is listed twice, that
 * every ancestor of an entry is a directory listed before it, that hard links name an
 * earlier file of the same prefix, and that the totals add up. A lying manifest is
 * refused here; an archive whose entries differ from an honest one is refused while
 * it is read (read-archive.ts).
 */
export function parseManifest(input: Uint8Array): Manifest {
  let document: unknown;
  try {
    document = JSON.parse(Buffer.from(input).toString('utf8'));
  } catch {
    throw new HearthError('HEARTH_ERR_ARCHIVE_NOT_HEARTH');
  }
  if (!document || typeof document !== 'object' || Array.isArray(document)) throw new HearthError('HEARTH_ERR_ARCHIVE_NOT_HEARTH');
  const raw = document as Record<string, unknown>;
  if (raw.format !== archiveFormat) throw new HearthError('HEARTH_ERR_ARCHIVE_NOT_HEARTH');
  if (!isCount(raw.formatVersion) || raw.formatVersion < 1) throw invalid('formatVersion');
  if (raw.formatVersion > archiveFormatVersion) {
    throw new HearthError('HEARTH_ERR_ARCHIVE_TOO_NEW', { found: raw.formatVersion, supported: archiveFormatVersion });
  }
  if (typeof raw.appVersion !== 'string') throw invalid('appVersion');
  if (!isCount(raw.schemaVersion)) throw invalid('schemaVersion');
  if (raw.board !== null && typeof raw.board !== 'string') throw invalid('board');
  if (typeof raw.hostname !== 'string') throw invalid('hostname');
  if (typeof raw.createdAt !== 'string' || !Number.isFinite(Date.parse(raw.createdAt))) throw invalid('createdAt');
  const options = raw.options as Record<string, unknown> | undefined;
  if (!options || typeof options !== 'object') throw invalid('options');
  if (typeof options.data !== 'boolean') throw invalid('options.data');
  if (options.compression !== 'zstd' && options.compression !== 'gzip' && options.compression !== 'none') throw invalid('options.compression');
  if (options.level !== null && !Number.isSafeInteger(options.level)) throw invalid('options.level');
  if (typeof options.encrypted !== 'boolean') throw invalid('options.encrypted');
  if (!Array.isArray(raw.entries)) throw invalid('entries');
  if (!Array.isArray(raw.skipped)) throw invalid('skipped');
  const totals = raw.totals as Record<string, unknown> | undefined;
  if (!totals || !isCount(totals.entries) || !isCount(totals.bytes) || !isCount(totals.maxDepth)) throw invalid('totals');

  const entries = raw.entries.map((entry, index) => checkManifestEntry(entry, index));
  const byPath = new Map<string, ManifestEntry>();
  let bytes = 0;
  let maxDepth = 0;
  for (const entry of entries) {
    if (byPath.has(entry.path)) throw new HearthError('HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY', { path: entry.path });
    // Every ancestor must be a directory listed before: nothing is ever put inside a
    // file or a symlink (CVE-2021-32803 wrote through a symlink made by the archive).
    const parent = parentOf(entry.path);
    if (parent === undefined) {
      if (entry.type !== 'directory') throw new HearthError('HEARTH_ERR_ARCHIVE_PATH_CONFLICT', { path: entry.path });
    } else if (byPath.get(parent)?.type !== 'directory') {
      throw new HearthError('HEARTH_ERR_ARCHIVE_PATH_CONFLICT', { path: entry.path });
    }
    if (entry.type === 'hardlink') {
      const target = byPath.get(entry.target!);
      if (!target || target.type !== 'file' || prefixOf(entry.target!) !== prefixOf(entry.path)) {
        throw new HearthError('HEARTH_ERR_ARCHIVE_BAD_HARDLINK', { path: entry.path, target: entry.target! });
      }
    }
    byPath.set(entry.path, entry);
    bytes += entry.size;
    maxDepth = Math.max(maxDepth, depthOf(entry.path));
  }
  if (totals.entries !== entries.length) throw invalid('totals.entries');
  if (totals.bytes !== bytes) throw invalid('totals.bytes');
  if (totals.maxDepth !== maxDepth) throw invalid('totals.maxDepth');
  const skipped = raw.skipped.map((item) => {
    const record = item as Record<string, unknown> | null;
    if (!record || typeof record.path !== 'string' || typeof record.reason !== 'string') throw invalid('skipped');
    return { path: record.path, reason: record.reason };
  });

  return {
    format: archiveFormat,
    formatVersion: raw.formatVersion,
    appVersion: raw.appVersion,
    schemaVersion: raw.schemaVersion,
    board: raw.board,
    hostname: raw.hostname,
    createdAt: raw.createdAt,
    options: { data: options.data, compression: options.compression, level: options.level as number | null, encrypted: options.encrypted },
    entries,
    skipped,
    totals: { entries: totals.entries, bytes: totals.bytes, maxDepth: totals.maxDepth },
  };
}

function checkManifestEntry(value: unknown, index: number): ManifestEntry {
  const entry = value as Record<string, unknown> | null;
  if (!entry || typeof entry !== 'object') throw invalid(`entries[${index}]`);
  if (typeof entry.path !== 'string') throw invalid(`entries[${index}].path`);
  const path = entry.path;
  checkEntryPath(path);
  const type = entry.type;
  if (type !== 'file' && type !== 'directory' && type !== 'symlink' && type !== 'hardlink') {
    throw new HearthError('HEARTH_ERR_ARCHIVE_SPECIAL_ENTRY', { path, type: String(type) });
  }
  const field = (name: string) => invalid(`${path}: ${name}`);
  if (!isCount(entry.mode, 0o7777)) throw field('mode');
  if (!isCount(entry.uid)) throw field('uid');
  if (!isCount(entry.gid)) throw field('gid');
  if (typeof entry.mtime !== 'string' || parseMtime(entry.mtime) === undefined) throw field('mtime');
  if (!isCount(entry.size)) throw field('size');
  if (type !== 'file' && entry.size !== 0) throw field('size');
  const result: ManifestEntry = { path, type, mode: entry.mode, uid: entry.uid, gid: entry.gid, mtime: entry.mtime, size: entry.size };
  if (type === 'file') {
    if (typeof entry.sha256 !== 'string' || !sha256Pattern.test(entry.sha256)) throw field('sha256');
    result.sha256 = entry.sha256;
    if (entry.sparse === true) result.sparse = true;
  }
  if (type === 'symlink' || type === 'hardlink') {
    if (typeof entry.target !== 'string' || entry.target === '' || entry.target.includes('\0')) throw field('target');
    // A hard link names another entry: the same rules as any entry path (no /etc/passwd).
    if (type === 'hardlink') {
      try {
        checkEntryPath(entry.target);
      } catch {
        throw new HearthError('HEARTH_ERR_ARCHIVE_BAD_HARDLINK', { path, target: entry.target });
      }
    }
    result.target = entry.target;
  }
  return result;
}
