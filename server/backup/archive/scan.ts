import { createHash } from 'node:crypto';
import { constants, type BigIntStats } from 'node:fs';
import { lstat, open, readdir, readlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { HearthError } from '../../errors.js';
import { checkEntryPath, depthOf, parentOf } from './entry-path.js';
import type { ManifestEntry, SkippedEntry } from './format.js';
import { formatMtime } from './manifest.js';
import { mapConcurrently } from './concurrency.js';
import { ProgressReporter, type ProgressListener } from './progress.js';

/*
 * Pass 1 of writing an archive: walk the sources, record what each entry is, and
 * hash every file, so the manifest — the archive's first entry — can list them all.
 *
 * This module (with write-archive.ts and extract.ts) uses node:fs directly rather
 * than the System: it IS the file I/O engine of backups, like atomic-write.ts is for
 * single files, and needs what the System deliberately does not offer (lstat with
 * nanoseconds, O_NOFOLLOW, streaming reads of any size). It only ever reads below
 * the source paths it is given and writes below the target directories it is given.
 */

/** One thing to put in the archive: a file or a directory tree, under an archive path. */
export interface ArchiveSource {
  /** Where it goes in the archive: "data", "config", "state/hearth.db", "state/tls". */
  path: string;
  /** The absolute path it is read from. A directory is walked; links are never followed. */
  from: string;
  /** Absolute paths below `from` to leave out (e.g. the backup destination); listed as skipped. */
  exclude?: string[];
  /** A missing `from` is listed as skipped instead of failing the backup. */
  optional?: boolean;
  /**
   * Stay on the filesystem of `from` (default true): a mount point below it is kept
   * as an empty directory and listed as skipped — a USB drive mounted inside the data
   * directory, or the backup drive itself, is not copied into the backup.
   */
  oneFileSystem?: boolean;
}

/** A scanned entry: the manifest's record plus what pass 2 needs to read it again. */
export interface ScannedEntry extends ManifestEntry {
  /** Absolute path of the source; undefined for a directory made up to hold a nested source. */
  from?: string;
  /** How the file looked when it was hashed; pass 2 refuses a file that no longer looks so. */
  identity?: FileIdentity;
}

export interface FileIdentity {
  dev: bigint;
  ino: bigint;
  size: bigint;
  mtimeNs: bigint;
  ctimeNs: bigint;
}

export interface SourceScan {
  entries: ScannedEntry[];
  skipped: SkippedEntry[];
  totals: { entries: number; bytes: number; maxDepth: number };
}

export interface ScanOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** mtime of the directories made up to hold nested sources (default: now). */
  now?: () => Date;
}

export function identityOf(info: BigIntStats): FileIdentity {
  return { dev: info.dev, ino: info.ino, size: info.size, mtimeNs: info.mtimeNs, ctimeNs: info.ctimeNs };
}

export function sameIdentity(a: FileIdentity, b: FileIdentity): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/**
 * Opens a source file for reading, never through a link, never blocking on a FIFO
 * that replaced it since it was listed (O_NONBLOCK does nothing to a regular file).
 */
export async function openSourceFile(file: string): Promise<FileHandle> {
  return open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
}

function isUtf8(name: Buffer): boolean {
  return Buffer.from(name.toString('utf8'), 'utf8').equals(name);
}

function specialReason(info: BigIntStats): string | undefined {
  if (info.isSocket()) return 'socket';
  if (info.isFIFO()) return 'fifo';
  if (info.isCharacterDevice()) return 'character-device';
  if (info.isBlockDevice()) return 'block-device';
  if (!info.isFile() && !info.isDirectory() && !info.isSymbolicLink()) return 'unknown-type';
  return undefined;
}

/** File operations in flight at once while scanning (see concurrency.ts). */
const concurrency = 8;

function errno(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Pass 1: walks every source (depth first, names in byte order, links not followed),
 * then hashes every regular file. Sockets, FIFOs and devices are not archived but
 * listed in `skipped` with the reason, as are unreadable files, names that are not
 * UTF-8, excluded paths and other filesystems. Hard links are found by device and
 * inode within one source; files whose blocks cover less than their size are marked
 * sparse.
 */
export async function scanSources(sources: readonly ArchiveSource[], options: ScanOptions = {}): Promise<SourceScan> {
  const entries: ScannedEntry[] = [];
  const skipped: SkippedEntry[] = [];
  const byPath = new Map<string, ScannedEntry>();
  const progress = new ProgressReporter('scan', options.onProgress);
  const made = options.now?.() ?? new Date();
  const madeNs = BigInt(made.getTime()) * 1_000_000n;
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;

  const add = (entry: ScannedEntry) => {
    if (byPath.has(entry.path)) throw new HearthError('HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY', { path: entry.path });
    byPath.set(entry.path, entry);
    entries.push(entry);
    progress.entry();
  };

  for (const source of sources) {
    checkEntryPath(source.path);
    if (!path.isAbsolute(source.from)) throw new Error(`archive source must be absolute: ${source.from}`);
    const from = path.resolve(source.from);
    const excluded = new Set((source.exclude ?? []).map((file) => path.resolve(file)));

    let rootInfo: BigIntStats;
    try {
      rootInfo = await lstat(from, { bigint: true });
    } catch (error) {
      if (errno(error) !== 'ENOENT') throw error;
      if (source.optional) {
        skipped.push({ path: source.path, reason: 'missing' });
        continue;
      }
      throw new HearthError('HEARTH_ERR_ARCHIVE_SOURCE_MISSING', { path: from });
    }
    if (!parentOf(source.path) && !rootInfo.isDirectory()) {
      throw new Error(`a top-level archive path must be a directory: ${source.path} (${from})`);
    }

    // The directories above a nested source ("state" for "state/hearth.db") are made up: 0700, owned by us.
    const ancestors: string[] = [];
    for (let parent = parentOf(source.path); parent !== undefined; parent = parentOf(parent)) ancestors.unshift(parent);
    for (const ancestor of ancestors) {
      const existing = byPath.get(ancestor);
      if (existing && existing.type !== 'directory') throw new Error(`archive path ${source.path} is inside the non-directory ${ancestor}`);
      if (!existing) add({ path: ancestor, type: 'directory', mode: 0o700, uid, gid, mtime: formatMtime(madeNs), size: 0 });
    }

    // Hard links are recognised within one source only: prefixes may be restored to different filesystems.
    const inodes = new Map<string, string>();
    const stack: Array<{ file: string; entryPath: string; info: BigIntStats }> = [{ file: from, entryPath: source.path, info: rootInfo }];
    while (stack.length > 0) {
      if (options.signal?.aborted) throw options.signal.reason;
      const { file, entryPath, info } = stack.pop()!;
      const base = {
        path: entryPath,
        from: file,
        mode: Number(info.mode & 0o7777n),
        uid: Number(info.uid),
        gid: Number(info.gid),
        mtime: formatMtime(info.mtimeNs),
        size: 0,
      };
      const special = specialReason(info);
      if (special) {
        skipped.push({ path: entryPath, reason: special });
        continue;
      }
      if (info.isSymbolicLink()) {
        let target: Buffer;
        try {
          target = await readlink(file, { encoding: 'buffer' });
        } catch (error) {
          if (errno(error) === 'ENOENT') {
            skipped.push({ path: entryPath, reason: 'vanished' });
            continue;
          }
          throw error;
        }
        if (!isUtf8(target) || target.includes(0)) {
          skipped.push({ path: entryPath, reason: 'name-not-utf8' });
          continue;
        }
        add({ ...base, type: 'symlink', target: target.toString('utf8') });
        continue;
      }
      if (info.isFile()) {
        const key = `${info.dev}:${info.ino}`;
        const first = info.nlink > 1n ? inodes.get(key) : undefined;
        if (first !== undefined) {
          add({ ...base, type: 'hardlink', target: first });
          continue;
        }
        if (info.nlink > 1n) inodes.set(key, entryPath);
        const entry: ScannedEntry = { ...base, type: 'file', size: Number(info.size), identity: identityOf(info) };
        if (info.blocks * 512n < info.size) entry.sparse = true;
        add(entry);
        continue;
      }
      // A directory.
      add({ ...base, type: 'directory' });
      if (source.oneFileSystem !== false && info.dev !== rootInfo.dev) {
        skipped.push({ path: entryPath, reason: 'other-filesystem' });
        continue;
      }
      let names: Buffer[];
      try {
        names = await readdir(file, { encoding: 'buffer' });
      } catch (error) {
        if (errno(error) === 'EACCES' || errno(error) === 'EPERM') {
          skipped.push({ path: entryPath, reason: 'unreadable' });
          continue;
        }
        if (errno(error) === 'ENOENT') continue;
        throw error;
      }
      names.sort(Buffer.compare);
      const candidates: Array<{ file: string; entryPath: string }> = [];
      for (const raw of names) {
        const name = raw.toString('utf8');
        const childPath = `${entryPath}/${name}`;
        if (!isUtf8(raw)) {
          skipped.push({ path: childPath, reason: 'name-not-utf8' });
          continue;
        }
        try {
          // Legal on Linux but refused inside an archive: a backslash in a name.
          checkEntryPath(childPath);
        } catch {
          skipped.push({ path: childPath, reason: 'unsafe-name' });
          continue;
        }
        const childFile = path.join(file, name);
        if (excluded.has(childFile)) {
          skipped.push({ path: childPath, reason: 'excluded' });
          continue;
        }
        candidates.push({ file: childFile, entryPath: childPath });
      }
      const infos = await mapConcurrently(candidates, concurrency, (candidate) =>
        lstat(candidate.file, { bigint: true }).catch((error: unknown) => {
          if (errno(error) !== 'ENOENT') throw error;
          return undefined;
        }),
      );
      const children: typeof stack = [];
      for (const [index, candidate] of candidates.entries()) {
        const info = infos[index];
        if (info) children.push({ ...candidate, info });
        else skipped.push({ path: candidate.entryPath, reason: 'vanished' });
      }
      for (const child of children.reverse()) stack.push(child);
    }
  }

  const bytesTotal = entries.reduce((sum, entry) => sum + (entry.type === 'file' ? entry.size : 0), 0);
  progress.totals(bytesTotal, entries.length);
  const outcomes = await mapConcurrently(entries, concurrency, (entry) => (entry.type === 'file' ? hashFile(entry, progress, options.signal) : Promise.resolve('ok' as const)));
  const hashed: ScannedEntry[] = [];
  const unreadable = new Set<string>();
  for (const [index, entry] of entries.entries()) {
    if (outcomes[index] === 'unreadable' || (entry.type === 'hardlink' && unreadable.has(entry.target!))) {
      unreadable.add(entry.path);
      skipped.push({ path: entry.path, reason: 'unreadable' });
      continue;
    }
    hashed.push(entry);
  }
  progress.finish();

  let bytes = 0;
  let maxDepth = 0;
  for (const entry of hashed) {
    bytes += entry.size;
    maxDepth = Math.max(maxDepth, depthOf(entry.path));
  }
  return { entries: hashed, skipped, totals: { entries: hashed.length, bytes, maxDepth } };
}

/** Hashes a file as it is now, and records exactly what was hashed (size, times, inode). */
async function hashFile(entry: ScannedEntry, progress: ProgressReporter, signal: AbortSignal | undefined): Promise<'ok' | 'unreadable'> {
  let handle: FileHandle;
  try {
    handle = await openSourceFile(entry.from!);
  } catch (error) {
    if (errno(error) === 'EACCES' || errno(error) === 'EPERM') return 'unreadable';
    if (errno(error) === 'ENOENT' || errno(error) === 'ELOOP') throw new HearthError('HEARTH_ERR_ARCHIVE_SOURCE_CHANGED', { path: entry.from! }, { cause: error });
    throw error;
  }
  try {
    // What is recorded is how the file looked when it was opened; a change while it is
    // read makes the hash differ from what pass 2 reads, which fails there.
    const before = await handle.stat({ bigint: true });
    if (!before.isFile() || before.ino !== entry.identity!.ino) throw new HearthError('HEARTH_ERR_ARCHIVE_SOURCE_CHANGED', { path: entry.from! });
    const hash = createHash('sha256');
    const size = await readExactly(handle, Number(before.size), (chunk) => {
      hash.update(chunk);
      progress.bytes(chunk.length);
    }, signal);
    if (size !== Number(before.size)) throw new HearthError('HEARTH_ERR_ARCHIVE_SOURCE_CHANGED', { path: entry.from! });
    entry.size = size;
    entry.identity = identityOf(before);
    entry.mtime = formatMtime(before.mtimeNs);
    entry.mode = Number(before.mode & 0o7777n);
    entry.uid = Number(before.uid);
    entry.gid = Number(before.gid);
    entry.sha256 = hash.digest('hex');
    if (before.blocks * 512n < before.size) entry.sparse = true;
    else delete entry.sparse;
    return 'ok';
  } finally {
    await handle.close();
  }
}

const readChunk = 256 * 1024;

/**
 * Reads up to `size` bytes from the start of a file in 256 KiB chunks, one buffer
 * reused (the callback must not keep it). Returns how many bytes there were: fewer
 * when the file shrank meanwhile.
 */
export async function readExactly(
  handle: FileHandle,
  size: number,
  onChunk: (chunk: Buffer) => void | Promise<void>,
  signal?: AbortSignal,
): Promise<number> {
  const buffer = Buffer.allocUnsafe(Math.min(readChunk, Math.max(size, 1)));
  let position = 0;
  while (position < size) {
    if (signal?.aborted) throw signal.reason;
    const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position);
    if (bytesRead === 0) break;
    await onChunk(buffer.subarray(0, bytesRead));
    position += bytesRead;
  }
  return position;
}
