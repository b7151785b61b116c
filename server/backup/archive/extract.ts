import { constants } from 'node:fs';
import { chmod, link, lstat, lutimes, lchown, mkdir, open, readdir, rm, symlink, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { HearthError } from '../../errors.js';
import { isInside } from '../../paths.js';
import { depthOf, prefixOf } from './entry-path.js';
import type { Manifest, ManifestEntry } from './format.js';
import { parseMtime } from './manifest.js';
import { ProgressReporter, type ProgressListener } from './progress.js';
import { walkArchive, type ArchiveLayers, type ArchiveLimits, type ReadOptions } from './read-archive.js';

/*
 * Extraction never trusts the archive. Everything that can be refused is refused
 * from the manifest before the first byte is written (read-archive.ts, manifest.ts),
 * and every header and every file's sha256 is checked against it on the way. On disk:
 *
 * - the target directories must be new or empty, so everything below them was made
 *   by this extraction; files are opened O_CREAT|O_EXCL|O_NOFOLLOW (never through
 *   a link, never over something), directories are made with mkdir (which fails on
 *   anything existing, link or not) and remembered;
 * - symbolic links are made last, after every file and directory, so no entry is
 *   ever written through a link the archive made (CVE-2021-32803's dir-cache
 *   poisoning has nothing to poison); their targets are stored as given, never
 *   followed;
 * - a hard link may only point at a regular file this extraction already wrote;
 * - directories are made 0700 and get their own mode, owner and mtime at the very
 *   end, deepest first (a read-only directory can still be filled, and writing into
 *   a directory does not spoil the mtime already set);
 * - on failure everything this extraction made is removed again: the targets are
 *   left as they were found, and nothing outside them was ever touched.
 *
 * node:fs is used directly for the reasons given in scan.ts, confined to the targets.
 */

export interface ExtractOptions extends ReadOptions {
  /** Where each top-level prefix goes: { state: '/…/staging/state', data: '/…/data.restore-staging' }. */
  targets: Record<string, string>;
  /** The prefixes to extract (default: every prefix in the archive); the others are read and checked, not written. */
  include?: readonly string[];
  limits?: Partial<ArchiveLimits>;
  onProgress?: ProgressListener;
  /** fsync every file and directory written (default true): the result survives a power cut once this resolves. */
  fsync?: boolean;
  /**
   * With fsync: instead of an fsync per file and directory, one syncfs of each target's
   * file system at the end (as durable once it resolves; thousands of small files
   * restore several times faster).
   */
  syncFileSystem?: (dir: string) => Promise<void>;
  /** Keep setuid/setgid bits on restored files (default false: stripped; only root could restore them anyway). */
  keepSetuid?: boolean;
}

export interface ExtractResult {
  manifest: Manifest;
  layers: ArchiveLayers;
  /** The prefixes written. */
  prefixes: string[];
  entries: number;
  bytes: number;
  /** Files whose setuid/setgid bits were not restored. */
  setuidStripped: string[];
}

interface Target {
  prefix: string;
  dir: string;
  /** Made by this extraction (removed on failure), or found empty: then its mode and times, put back on failure. */
  found?: { mode: number; atime: Date; mtime: Date };
}

const isRoot = () => process.getuid?.() === 0;

/**
 * What utimes takes: seconds as a double, which keeps the microseconds (a Date keeps
 * only milliseconds). The double is ~240 ns coarse today and libuv truncates it, so
 * it aims at the middle of the microsecond. Node turns a negative number into "now":
 * a time before 1970 goes as a Date.
 */
function timeOf(entry: ManifestEntry): number | Date {
  const ns = parseMtime(entry.mtime)!;
  return ns >= 0n ? (Number(ns / 1000n) + 0.5) / 1e6 : new Date(Number(ns / 1_000_000n));
}

function fileMode(entry: ManifestEntry, keepSetuid: boolean): number {
  return keepSetuid && isRoot() ? entry.mode : entry.mode & ~0o6000;
}

/**
 * Writes a file's content at the right offsets. For a file marked sparse, runs of
 * zeros that cover whole 4 KiB blocks are skipped (left as holes) and the size set
 * with ftruncate at the end, so the restored file takes as little disk as the
 * original. The file is new (O_EXCL): what is not written reads as zeros.
 */
class FileWriter {
  private position = 0;
  private static readonly block = 4096;
  private static readonly zeros = Buffer.alloc(FileWriter.block);

  constructor(
    private readonly handle: FileHandle,
    private readonly sparse: boolean,
  ) {}

  async write(chunk: Buffer): Promise<void> {
    if (!this.sparse) {
      await this.writeAll(chunk, this.position);
      this.position += chunk.length;
      return;
    }
    let offset = 0;
    while (offset < chunk.length) {
      // Up to the next block boundary of the file, so holes line up with the filesystem's blocks.
      const room = FileWriter.block - (this.position % FileWriter.block);
      const piece = chunk.subarray(offset, offset + room);
      if (!piece.equals(FileWriter.zeros.subarray(0, piece.length))) await this.writeAll(piece, this.position);
      this.position += piece.length;
      offset += piece.length;
    }
  }

  async finish(size: number): Promise<void> {
    if (this.sparse) await this.handle.truncate(size);
  }

  private async writeAll(buffer: Buffer, position: number): Promise<void> {
    let done = 0;
    while (done < buffer.length) {
      const { bytesWritten } = await this.handle.write(buffer, done, buffer.length - done, position + done);
      done += bytesWritten;
    }
  }
}

/** A new or empty directory to extract into: made here, or checked to be an empty directory (not a link to one). */
async function prepareTarget(prefix: string, dir: string): Promise<Target> {
  try {
    await mkdir(dir, { mode: 0o700 });
    return { prefix, dir };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const info = await lstat(dir);
  if (!info.isDirectory() || (await readdir(dir)).length > 0) throw new HearthError('HEARTH_ERR_ARCHIVE_TARGET_NOT_EMPTY', { path: dir });
  return { prefix, dir, found: { mode: info.mode & 0o7777, atime: info.atime, mtime: info.mtime } };
}

/** Puts the targets back as they were found: removes what was made, never follows a link while doing so. */
async function undo(targets: readonly Target[], madeDirectories: Iterable<string>): Promise<void> {
  // A directory already given a read-only mode (a failure at the very end) must be writable to be emptied.
  for (const dir of madeDirectories) await chmod(dir, 0o700).catch(() => {});
  for (const target of targets) {
    if (!target.found) {
      await rm(target.dir, { recursive: true, force: true }).catch(() => {});
      continue;
    }
    await chmod(target.dir, 0o700).catch(() => {});
    const names = await readdir(target.dir).catch(() => [] as string[]);
    for (const name of names) await rm(path.join(target.dir, name), { recursive: true, force: true }).catch(() => {});
    await chmod(target.dir, target.found.mode).catch(() => {});
    await lutimes(target.dir, target.found.atime, target.found.mtime).catch(() => {});
  }
}

/**
 * Extracts a verified-as-it-goes archive into the target directories (see above).
 * Resolves once everything is written, checked and (by default) fsynced; on any
 * failure rejects with the HearthError that says why, after undoing its work.
 */
export async function extractArchive(file: string, options: ExtractOptions): Promise<ExtractResult> {
  for (const [prefix, dir] of Object.entries(options.targets)) {
    if (!path.isAbsolute(dir) || path.resolve(dir) !== dir) throw new Error(`extraction target for ${prefix} must be an absolute, normalized path: ${dir}`);
    for (const [other, otherDir] of Object.entries(options.targets)) {
      if (other !== prefix && isInside(otherDir, dir)) throw new Error(`extraction targets overlap: ${dir} is inside ${otherDir}`);
    }
  }
  const durable = options.fsync !== false;
  // Per entry only when no file-system-wide sync was offered.
  const fsync = durable && !options.syncFileSystem;
  const keepSetuid = options.keepSetuid === true;
  const root = isRoot();
  const progress = new ProgressReporter('extract', options.onProgress);
  const targets: Target[] = [];
  const byPrefix = new Map<string, Target>();
  /** Absolute paths of the directories made, with the entry whose metadata they get at the end. */
  const directories = new Map<string, ManifestEntry | undefined>();
  const files = new Map<string, string>();
  const symlinks: Array<{ entry: ManifestEntry; at: string }> = [];
  const setuidStripped: string[] = [];
  const finishing = new Finishing(16);
  let included: Set<string> = new Set();
  let entries = 0;
  let bytes = 0;

  const locate = (entry: ManifestEntry): { target: Target; at: string } | undefined => {
    const target = byPrefix.get(prefixOf(entry.path));
    if (!target) return undefined;
    const relative = entry.path.slice(target.prefix.length + 1);
    const at = relative === '' ? target.dir : path.join(target.dir, ...relative.split('/'));
    // Paths passed checkEntryPath (no '..', no '/'): this cannot fail; it guards the guard.
    if (!isInside(target.dir, at)) throw new HearthError('HEARTH_ERR_ARCHIVE_PATH_TRAVERSAL', { path: entry.path });
    return { target, at };
  };

  // The parent of an entry: made by this extraction, or made now (0700) when the archive names it later.
  const ensureParent = async (entry: ManifestEntry, at: string, target: Target): Promise<void> => {
    const missing: string[] = [];
    for (let dir = path.dirname(at); dir !== target.dir && !directories.has(dir); dir = path.dirname(dir)) missing.unshift(dir);
    for (const dir of missing) {
      try {
        await mkdir(dir, { mode: 0o700 });
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw new HearthError('HEARTH_ERR_ARCHIVE_PATH_CONFLICT', { path: entry.path });
        throw error;
      }
      directories.set(dir, undefined);
    }
  };

  const conflict = (entry: ManifestEntry) => (error: unknown) => {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ELOOP' || code === 'ENOTDIR') throw new HearthError('HEARTH_ERR_ARCHIVE_PATH_CONFLICT', { path: entry.path }, { cause: error });
    throw error;
  };

  try {
    const { manifest, layers } = await walkArchive(file, {
      system: options.system,
      passphrase: options.passphrase,
      signal: options.signal,
      limits: options.limits,
      progress,
      complete: true,
      checkContent: (entry) => included.has(prefixOf(entry.path)),
      async onManifest(manifest) {
        const present = manifest.entries.filter((entry) => depthOf(entry.path) === 1).map((entry) => entry.path);
        included = new Set(options.include ? present.filter((prefix) => options.include!.includes(prefix)) : present);
        for (const prefix of included) {
          if (!options.targets[prefix]) throw new Error(`no extraction target for the archive's prefix ${prefix}`);
        }
        for (const prefix of included) {
          const target = await prepareTarget(prefix, options.targets[prefix]!);
          targets.push(target);
          byPrefix.set(prefix, target);
        }
      },
      async onEntry(entry, content) {
        const place = locate(entry);
        if (!place) return;
        const { target, at } = place;
        entries += 1;
        if (entry.type === 'directory') {
          if (at === target.dir) {
            directories.set(at, entry);
            return;
          }
          if (directories.has(at) && directories.get(at) === undefined) {
            // Made earlier as the parent of an entry that came first.
            directories.set(at, entry);
            return;
          }
          await ensureParent(entry, at, target);
          await mkdir(at, { mode: 0o700 }).catch(conflict(entry));
          directories.set(at, entry);
          return;
        }
        await ensureParent(entry, at, target);
        if (entry.type === 'symlink') {
          symlinks.push({ entry, at });
          return;
        }
        if (entry.type === 'hardlink') {
          const existing = files.get(entry.target!);
          // The manifest and the header checks already require an earlier file of the same prefix.
          if (!existing) throw new HearthError('HEARTH_ERR_ARCHIVE_BAD_HARDLINK', { path: entry.path, target: entry.target! });
          await link(existing, at).catch(conflict(entry));
          return;
        }
        const handle = await open(at, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600).catch(conflict(entry));
        try {
          const writer = new FileWriter(handle, entry.sparse === true);
          for await (const chunk of content!) {
            await writer.write(chunk);
            bytes += chunk.length;
          }
          await writer.finish(entry.size);
        } catch (error) {
          await handle.close();
          throw error;
        }
        const mode = fileMode(entry, keepSetuid);
        if (mode !== entry.mode) setuidStripped.push(entry.path);
        files.set(entry.path, at);
        await finishing.add(async () => {
          try {
            if (root) await handle.chown(entry.uid, entry.gid);
            await handle.chmod(mode);
            const time = timeOf(entry);
            await handle.utimes(time, time);
            if (fsync) await handle.sync();
          } finally {
            await handle.close();
          }
        });
      },
    });
    await finishing.drain();

    // Links last: nothing was written after them, nothing will be written through them.
    for (const { entry, at } of symlinks) {
      await symlink(entry.target!, at).catch(conflict(entry));
      if (root) await lchown(at, entry.uid, entry.gid);
      const time = timeOf(entry);
      await lutimes(at, time, time);
    }
    // Directories last of all, deepest first.
    const ordered = [...directories.entries()].sort(([a], [b]) => b.split(path.sep).length - a.split(path.sep).length);
    for (const [dir, entry] of ordered) {
      if (fsync) await syncDirectory(dir);
      if (!entry) continue;
      if (root) await lchown(dir, entry.uid, entry.gid);
      await chmod(dir, entry.mode);
      const time = timeOf(entry);
      await lutimes(dir, time, time);
    }
    for (const target of targets) if (fsync) await syncDirectory(path.dirname(target.dir));
    if (durable && options.syncFileSystem) for (const target of targets) await options.syncFileSystem(path.dirname(target.dir));
    progress.finish();
    return { manifest, layers, prefixes: [...included], entries, bytes, setuidStripped };
  } catch (error) {
    await finishing.settle();
    await undo(targets, directories.keys());
    throw error;
  }
}

/**
 * A file's last steps (owner, mode, times, close) run while the next entries are
 * read: each is a round trip to the thread pool, and a tree of small files is bound
 * by their latency. At most `limit` at once; the first failure fails the extraction.
 */
class Finishing {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit: number) {}

  async add(work: () => Promise<void>): Promise<void> {
    this.rethrow();
    const tracked: Promise<void> = work()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(tracked));
    this.running.add(tracked);
    if (this.running.size >= this.limit) await Promise.race(this.running);
    this.rethrow();
  }

  /** Waits for all; rejects with the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.rethrow();
  }

  /** Waits for all, whatever happened (before undoing: no handle may still write). */
  async settle(): Promise<void> {
    while (this.running.size > 0) await Promise.allSettled([...this.running]);
  }

  private rethrow(): void {
    if (this.failure) throw this.failure.error;
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY | constants.O_NOFOLLOW);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
