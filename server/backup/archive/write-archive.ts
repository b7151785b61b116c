import { createHash } from 'node:crypto';
import { constants } from 'node:fs';
import { open, rename, rm, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform, Writable, type Duplex, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar from 'tar-stream';
import { HearthError } from '../../errors.js';
import { fsyncDirectory } from '../../system/atomic-write.js';
import { archiveFormat, archiveFormatVersion, manifestName, type Compression, type Manifest, type ManifestEntry, type SkippedEntry } from './format.js';
import { formatMtime, parseMtime, paxTime } from './manifest.js';
import { ProgressReporter, type ProgressListener } from './progress.js';
import { identityOf, openSourceFile, readExactly, sameIdentity, scanSources, type ArchiveSource, type ScannedEntry, type SourceScan } from './scan.js';
import { encryptStage } from './age.js';
import { compressionLevel, compressStage, type ArchiveSystem } from './stages.js';

/** What the manifest says about the box; the engine adds the rest. */
export interface ArchiveAbout {
  appVersion: string;
  /** The database's user_version. */
  schemaVersion: number;
  board: string | null;
  hostname: string;
  /** Whether the owner's data directory is among the sources. */
  data: boolean;
}

export interface WriteArchiveOptions {
  system: ArchiveSystem;
  about: ArchiveAbout;
  /** What to archive; or `scan`, the result of scanSources() run before (e.g. to size the destination). */
  sources?: readonly ArchiveSource[];
  scan?: SourceScan;
  compression: Compression;
  /** zstd 1..19 (default 3), gzip 1..9 (default 6). */
  level?: number | null;
  /** Encrypt with age (passphrase mode) when given. */
  passphrase?: string;
  /** scrypt work factor (log2); only tests lower the default of 18. */
  scryptWorkFactor?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface WriteArchiveResult {
  manifest: Manifest;
  /** Not archived, with the reason (sockets, FIFOs, devices, unreadable…): for the job log. */
  skipped: SkippedEntry[];
  /** Bytes of the archive as written (after compression and encryption). */
  bytesWritten: number;
}

const typeBits: Record<ManifestEntry['type'], number> = { file: 0o100000, directory: 0o040000, symlink: 0o120000, hardlink: 0o100000 };
const tarTypes = { file: 'file', directory: 'directory', symlink: 'symlink', hardlink: 'link' } as const;
/** What tar-stream's ustar fields hold: uid and gid in 6 octal digits, size in 11. */
const maxUstarId = 0o777777;
const maxUstarSize = 0o77777777777;
/** tar-stream writes the ustar mtime as a 32-bit signed number: past 2038 or before 1970 it would be garbage. */
const maxUstarSeconds = 2 ** 31 - 1;

/**
 * The tar header of an entry. Every entry gets a pax header: it carries the path and
 * link target at any length and in any script, and the mtime to the nanosecond;
 * uid, gid and size too when they overflow the ustar fields (uid and gid above
 * 262143, the 6 octal digits tar-stream writes).
 */
function tarHeader(entry: ManifestEntry): tar.Header {
  const ns = parseMtime(entry.mtime)!;
  const pax: Record<string, string> = { mtime: paxTime(ns) };
  if (entry.uid > maxUstarId) pax.uid = String(entry.uid);
  if (entry.gid > maxUstarId) pax.gid = String(entry.gid);
  if (entry.size > maxUstarSize) pax.size = String(entry.size);
  // The ustar fields get a value they can hold; the pax records above are the truth.
  const seconds = Math.min(Math.max(Number(ns / 1_000_000_000n), 0), maxUstarSeconds);
  return {
    name: entry.path,
    type: tarTypes[entry.type],
    // The file-type bits make a mode of 0 truthy: tar-stream would otherwise write 0644 for it.
    mode: entry.mode | typeBits[entry.type],
    uid: Math.min(entry.uid, maxUstarId),
    gid: Math.min(entry.gid, maxUstarId),
    size: entry.size,
    mtime: new Date(seconds * 1000),
    linkname: entry.target ?? '',
    uname: '',
    gname: '',
    devmajor: 0,
    devminor: 0,
    pax,
  };
}

/** The manifest's record of a scanned entry, keys in a fixed order (one readable line each). */
function manifestEntry(entry: ScannedEntry): ManifestEntry {
  const { path, type, mode, uid, gid, mtime, size, sha256, target, sparse } = entry;
  return {
    path,
    type,
    mode,
    uid,
    gid,
    mtime,
    size,
    ...(sha256 !== undefined && { sha256 }),
    ...(target !== undefined && { target }),
    ...(sparse && { sparse }),
  };
}

function manifestOf(options: WriteArchiveOptions, scan: SourceScan, level: number | null, createdAt: Date): Manifest {
  return {
    format: archiveFormat,
    formatVersion: archiveFormatVersion,
    appVersion: options.about.appVersion,
    schemaVersion: options.about.schemaVersion,
    board: options.about.board,
    hostname: options.about.hostname,
    createdAt: createdAt.toISOString(),
    options: { data: options.about.data, compression: options.compression, level, encrypted: options.passphrase !== undefined },
    entries: scan.entries.map(manifestEntry),
    skipped: scan.skipped,
    totals: scan.totals,
  };
}

/**
 * Joins small chunks (tar-stream pushes every 512-byte header on its own) into
 * chunks of about `size`, so that each stage and the file see one write per 256 KiB
 * rather than several per entry.
 */
async function* coalesce(source: AsyncIterable<Buffer>, size: number): AsyncGenerator<Buffer> {
  let parts: Buffer[] = [];
  let length = 0;
  for await (const chunk of source) {
    parts.push(chunk);
    length += chunk.length;
    if (length >= size) {
      yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, length);
      parts = [];
      length = 0;
    }
  }
  if (length > 0) yield Buffer.concat(parts, length);
}

/** Counts what goes out of the last stage. */
class ByteCounter extends Transform {
  bytes = 0;
  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    callback(null, chunk);
  }
}

/** The manifest as JSON a person can read with `tar -xOf … manifest.json`: one entry per line. */
export function manifestText(manifest: Manifest): string {
  const lines = (items: readonly object[]) => (items.length === 0 ? '[]' : `[\n${items.map((item) => `    ${JSON.stringify(item)}`).join(',\n')}\n  ]`);
  return (
    JSON.stringify({ ...manifest, entries: '\0entries', skipped: '\0skipped' }, null, 2)
      .replace('"\\u0000entries"', () => lines(manifest.entries))
      .replace('"\\u0000skipped"', () => lines(manifest.skipped)) + '\n'
  );
}

/**
 * Pass 2: streams the scanned entries into the tar, re-reading every file and
 * checking it is still the one that was hashed — same inode, size, mtime and ctime
 * before and after reading, same sha256 of the bytes written. A file that changed
 * fails the archive (HEARTH_ERR_ARCHIVE_SOURCE_CHANGED naming it) rather than letting
 * the manifest lie about it.
 */
/** Files up to this size are read ahead of the tar, a few at a time; larger ones are streamed. */
const smallFile = 1024 * 1024;
const readAhead = 8;

async function packEntries(pack: tar.Pack, manifest: Manifest, scan: SourceScan, progress: ProgressReporter, signal?: AbortSignal) {
  const manifestBytes = Buffer.from(manifestText(manifest), 'utf8');
  const createdNs = BigInt(Date.parse(manifest.createdAt)) * 1_000_000n;
  const first = openEntry(pack, tarHeader({ path: manifestName, type: 'file', mode: 0o600, uid: 0, gid: 0, mtime: formatMtime(createdNs), size: manifestBytes.length }));
  first.sink.end(manifestBytes);
  await first.done;
  // Small files are read (and checked) up to `readAhead` entries before the tar needs
  // them: a tree of many small files is bound by the latency of each open and read.
  const entries = scan.entries;
  const ahead = new Map<number, Promise<Buffer>>();
  const readAheadFrom = (index: number) => {
    for (let next = index; next < Math.min(index + readAhead, entries.length); next += 1) {
      const entry = entries[next]!;
      if (entry.type !== 'file' || entry.size > smallFile || ahead.has(next)) continue;
      const reading = readSmallFile(entry);
      reading.catch(() => {});
      ahead.set(next, reading);
    }
  };
  for (const [index, entry] of entries.entries()) {
    if (signal?.aborted) throw signal.reason;
    readAheadFrom(index);
    const header = tarHeader(entry);
    const content = ahead.get(index);
    ahead.delete(index);
    if (content) {
      const data = await content;
      const { sink, done } = openEntry(pack, header);
      sink.end(data);
      await done;
      progress.bytes(data.length);
    } else if (entry.type === 'file') {
      await packFile(pack, header, entry, progress, signal);
    } else {
      await openEntry(pack, header).done;
    }
    progress.entry();
  }
  pack.finalize();
}

/** Opens a source file again in pass 2; a file gone or replaced by a link has changed. */
async function reopen(entry: ScannedEntry) {
  try {
    return await openSourceFile(entry.from!);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ELOOP') throw new HearthError('HEARTH_ERR_ARCHIVE_SOURCE_CHANGED', { path: entry.from! }, { cause: error });
    throw error;
  }
}

/** A small file's content, read whole and checked like packFile checks a large one. */
async function readSmallFile(entry: ScannedEntry): Promise<Buffer> {
  const changed = () => new HearthError('HEARTH_ERR_ARCHIVE_SOURCE_CHANGED', { path: entry.from! });
  const handle = await reopen(entry);
  try {
    const before = await handle.stat({ bigint: true });
    if (!before.isFile() || !sameIdentity(identityOf(before), entry.identity!)) throw changed();
    const data = Buffer.alloc(entry.size);
    let offset = 0;
    while (offset < data.length) {
      const { bytesRead } = await handle.read(data, offset, data.length - offset, offset);
      if (bytesRead === 0) throw changed();
      offset += bytesRead;
    }
    const after = await handle.stat({ bigint: true });
    if (!sameIdentity(identityOf(after), entry.identity!) || createHash('sha256').update(data).digest('hex') !== entry.sha256) throw changed();
    return data;
  } finally {
    await handle.close();
  }
}

/**
 * Starts a tar entry: its sink, and a promise of its end that rejects when the
 * entry or the whole pack is destroyed (so no wait on it can hang).
 */
function openEntry(pack: tar.Pack, header: tar.Header): { sink: Writable; done: Promise<void> } {
  if (pack.destroyed) throw new Error('the archive stream was closed');
  let settle!: (error?: Error | null) => void;
  const done = new Promise<void>((resolve, reject) => {
    settle = (error) => (error ? reject(error) : resolve());
  });
  done.catch(() => {});
  const sink = pack.entry(header, (error) => settle(error)) as unknown as Writable;
  // Its errors reach the caller through `done`.
  sink.on('error', () => {});
  return { sink, done };
}

async function packFile(pack: tar.Pack, header: tar.Header, entry: ScannedEntry, progress: ProgressReporter, signal?: AbortSignal) {
  const changed = () => new HearthError('HEARTH_ERR_ARCHIVE_SOURCE_CHANGED', { path: entry.from! });
  const handle = await reopen(entry);
  try {
    const before = await handle.stat({ bigint: true });
    if (!before.isFile() || !sameIdentity(identityOf(before), entry.identity!)) throw changed();
    const hash = createHash('sha256');
    const { sink, done } = openEntry(pack, header);
    const written = await readExactly(
      handle,
      entry.size,
      async (chunk) => {
        hash.update(chunk);
        progress.bytes(chunk.length);
        // The chunk's buffer is reused for the next read: the tar gets a copy.
        if (!sink.write(Buffer.from(chunk))) await Promise.race([new Promise((resolve) => sink.once('drain', resolve)), done]);
      },
      signal,
    );
    const after = await handle.stat({ bigint: true });
    if (written !== entry.size || !sameIdentity(identityOf(after), entry.identity!) || hash.digest('hex') !== entry.sha256) {
      // The tar must not get an entry that differs from its manifest: the whole archive fails.
      sink.destroy(changed());
      throw changed();
    }
    sink.end();
    await done;
  } finally {
    await handle.close();
  }
}

/**
 * Writes a complete archive to `output` (ended when done; destroyed on failure):
 * scan (unless given), then manifest and entries → tar → zstd/gzip → age → output,
 * one pipeline with backpressure through every stage, so memory stays flat whatever
 * the size. The caller handles the file it writes to; writeArchiveToFile does that
 * durably.
 */
export async function writeArchive(output: Writable, options: WriteArchiveOptions): Promise<WriteArchiveResult> {
  const level = compressionLevel(options.compression, options.level);
  if (options.passphrase === '') throw new RangeError('an empty passphrase encrypts nothing');
  const scan = options.scan ?? (await scanSources(options.sources ?? [], { onProgress: options.onProgress, signal: options.signal, now: options.now }));
  const manifest = manifestOf(options, scan, level, options.now?.() ?? new Date());
  const progress = new ProgressReporter('write', options.onProgress, manifest.totals.bytes, manifest.totals.entries);
  progress.totals(manifest.totals.bytes, manifest.totals.entries);

  const pack = tar.pack();
  // streamx → Node stream, pulled on demand, in chunks of 256 KiB rather than one per header.
  const tarStream = Readable.from(coalesce(pack as unknown as AsyncIterable<Buffer>, 256 * 1024), { objectMode: false, highWaterMark: 1 });
  // scrypt first: no zstd is left running if it fails, and none runs idle while it works.
  const encrypt = options.passphrase !== undefined ? [await encryptStage(options.passphrase, options.scryptWorkFactor)] : [];
  const stages: Duplex[] = [compressStage(options.system, options.compression, level, options.signal), ...encrypt];
  const counter = new ByteCounter();
  const producing = packEntries(pack, manifest, scan, progress, options.signal).catch((error: unknown) => {
    pack.destroy(error as Error);
    throw error;
  });
  const flowing = pipeline([tarStream, ...stages, counter, output], { signal: options.signal });
  // The producer's error is the cause; the pipeline's is often only its echo.
  const [produced, flowed] = await Promise.allSettled([producing, flowing]);
  if (produced.status === 'rejected' && (produced.reason instanceof HearthError || flowed.status === 'fulfilled')) throw produced.reason;
  if (flowed.status === 'rejected') throw flowed.reason;
  progress.finish();
  return { manifest, skipped: scan.skipped, bytesWritten: counter.bytes };
}

/**
 * A Writable over an open file that leaves the file open (to fsync it afterwards).
 * FileHandle.createWriteStream({ autoClose: false }) would keep a reference that
 * makes the handle's close() wait forever.
 */
class FileSink extends Writable {
  private position = 0;

  constructor(private readonly handle: FileHandle) {
    super({ highWaterMark: 256 * 1024 });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.writeAll(chunk).then(() => callback(), callback);
  }

  private async writeAll(chunk: Buffer): Promise<void> {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await this.handle.write(chunk, done, chunk.length - done, this.position);
      done += bytesWritten;
      this.position += bytesWritten;
    }
  }
}

/**
 * writeArchive into `file`, durably: the archive is written as `<file>.partial`
 * (created exclusively), fsynced, renamed to `file`, and the directory fsynced, so
 * `file` exists only complete. On any failure the partial file is removed.
 */
export async function writeArchiveToFile(file: string, options: WriteArchiveOptions): Promise<WriteArchiveResult & { file: string }> {
  const partial = `${file}.partial`;
  const handle = await open(partial, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
  try {
    const result = await writeArchive(new FileSink(handle), options);
    await handle.sync();
    await handle.close();
    await rename(partial, file);
    await fsyncDirectory(path.dirname(file));
    return { ...result, file };
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(partial, { force: true });
    throw error;
  }
}
