import { createHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { Transform, type Readable, type TransformCallback, type Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar, { type Header } from 'tar-stream';
import { HearthError } from '../../errors.js';
import { AgeDecrypt, ageMagic, readAgeHeader } from './age.js';
import { checkEntryPath, printable } from './entry-path.js';
import { manifestName, maxManifestBytes, type Compression, type EntryType, type Manifest, type ManifestEntry } from './format.js';
import { formatMtime, parseManifest, parsePaxTime } from './manifest.js';
import type { ProgressReporter } from './progress.js';
import { LayerError } from './layer-error.js';
import { decompressStage, gzipLayerError, peek, type ArchiveSystem } from './stages.js';

export interface ReadOptions {
  system: ArchiveSystem;
  /** Needed for an encrypted archive; ignored for a plain one. */
  passphrase?: string;
  signal?: AbortSignal;
}

/** Bounds checked against the manifest before anything is read or written. */
export interface ArchiveLimits {
  maxEntries: number;
  maxBytes: number;
  /** Path components, e.g. "data/a/b" is 3. */
  maxDepth: number;
}

export const defaultLimits: ArchiveLimits = { maxEntries: 2_000_000, maxBytes: 16 * 1024 ** 4, maxDepth: 256 };

/** How the archive file is wrapped, from its magic bytes (not its name). */
export interface ArchiveLayers {
  encrypted: boolean;
  compression: Compression;
}

const zstdMagic = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
const gzipMagic = Buffer.from([0x1f, 0x8b]);

/** An entry's tar header, in the manifest's terms. */
interface EntryHeader {
  path: string;
  type: EntryType | 'special';
  /** The tar type, for the error about a special entry. */
  tarType: string;
  mode: number;
  uid: number;
  gid: number;
  mtime: string;
  size: number;
  target: string | undefined;
}

export interface WalkOptions extends ReadOptions {
  limits?: Partial<ArchiveLimits>;
  progress?: ProgressReporter;
  /** Called once the manifest is read and checked; 'stop' ends the walk there. */
  onManifest?(manifest: Manifest, layers: ArchiveLayers): void | 'stop' | Promise<void | 'stop'>;
  /**
   * Called for each entry once its header matched the manifest. A file's content is
   * checked against its sha256 as it is consumed (the last chunk throws on a
   * mismatch); consume it fully or not at all. 'stop' ends the walk there.
   */
  onEntry?(entry: ManifestEntry, content: AsyncIterable<Buffer> | undefined): Promise<void | 'stop'>;
  /** Whether a file's sha256 is checked (default: every file). Unchecked content is still read. */
  checkContent?(entry: ManifestEntry): boolean;
  /** Require every manifest entry and the end-of-archive marker (verify, extract). */
  complete: boolean;
}

/**
 * Counts the tar bytes coming out of decompression and stops the stream past a cap:
 * before the manifest is read, what a manifest may weigh; after, what the manifest's
 * entries can take in tar headers and blocks. So a decompression bomb — gigabytes of
 * zeros between entries, where no header announces them — stops within 1 MiB of
 * the cap instead of after the whole stream. Keeps the last 1 KiB to check that the
 * archive ends with tar's end-of-archive blocks.
 */
class TarGuard extends Transform {
  bytes = 0;
  private tail: Buffer = Buffer.alloc(0);

  constructor(private cap: number) {
    super({ highWaterMark: 64 * 1024 });
  }

  setCap(cap: number): void {
    this.cap = cap;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.cap) return callback(new HearthError('HEARTH_ERR_ARCHIVE_LIMIT', { what: 'bytes', limit: this.cap }));
    this.tail = chunk.length >= 1024 ? chunk.subarray(chunk.length - 1024) : Buffer.concat([this.tail, chunk]).subarray(-1024);
    callback(null, chunk);
  }

  /** Two zero blocks at the end: the archive was written to its end. */
  endsWithMarker(): boolean {
    return this.tail.length === 1024 && this.tail.every((byte) => byte === 0);
  }
}

/** What the tar stream can take at most for these entries (pax header, header, content, padding). */
function tarBytesBound(manifest: Manifest): number {
  const blocks = (bytes: number) => Math.ceil(bytes / 512) * 512;
  let total = 20 * 512; // end-of-archive blocks, up to GNU tar's default record size
  for (const entry of manifest.entries) {
    const pax = Buffer.byteLength(entry.path) + Buffer.byteLength(entry.target ?? '') + 160;
    total += 512 + blocks(pax) + 512 + blocks(entry.size);
  }
  return total;
}

export function checkLimits(manifest: Manifest, limits: Partial<ArchiveLimits> = {}): void {
  const { maxEntries, maxBytes, maxDepth } = { ...defaultLimits, ...limits };
  if (manifest.totals.entries > maxEntries) throw new HearthError('HEARTH_ERR_ARCHIVE_LIMIT', { what: 'entries', limit: maxEntries });
  if (manifest.totals.bytes > maxBytes) throw new HearthError('HEARTH_ERR_ARCHIVE_LIMIT', { what: 'bytes', limit: maxBytes });
  if (manifest.totals.maxDepth > maxDepth) throw new HearthError('HEARTH_ERR_ARCHIVE_LIMIT', { what: 'depth', limit: maxDepth });
}

function entryType(tarType: string | null): EntryType | 'special' {
  switch (tarType) {
    case 'file':
      return 'file';
    case 'directory':
      return 'directory';
    case 'symlink':
      return 'symlink';
    case 'link':
      return 'hardlink';
    default:
      return 'special';
  }
}

function paxNumber(value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) throw new LayerError('tar', 'corrupt', `pax value ${value}`);
  return Number(value);
}

function normalizeHeader(header: Header): EntryHeader {
  const pax = (header.pax ?? {}) as Record<string, string>;
  let path = header.name;
  // ustar marks a directory with a trailing slash; the manifest names it without.
  if (header.type === 'directory' && path.endsWith('/')) path = path.slice(0, -1);
  const ns = pax.mtime !== undefined ? parsePaxTime(pax.mtime) : BigInt(header.mtime?.getTime() ?? 0) * 1_000_000n;
  if (ns === undefined) throw new LayerError('tar', 'corrupt', `pax mtime ${pax.mtime}`);
  return {
    path,
    type: entryType(header.type ?? null),
    tarType: header.type ?? 'unknown',
    mode: (header.mode ?? 0) & 0o7777,
    uid: paxNumber(pax.uid, header.uid ?? 0),
    gid: paxNumber(pax.gid, header.gid ?? 0),
    mtime: formatMtime(ns),
    size: header.size ?? 0,
    target: header.linkname ?? undefined,
  };
}

/**
 * Checks one tar header against the manifest, in the order that gives each kind of
 * hostile entry its own error: a bad name, a special file, a second copy, an entry
 * the manifest does not list, a header that says something else than the manifest,
 * a hard link to something not already in the archive.
 */
function checkHeader(header: EntryHeader, listed: Map<string, ManifestEntry>, seen: Map<string, ManifestEntry>): ManifestEntry {
  checkEntryPath(header.path);
  const path = header.path;
  if (header.type === 'special') throw new HearthError('HEARTH_ERR_ARCHIVE_SPECIAL_ENTRY', { path, type: header.tarType });
  if (seen.has(path)) throw new HearthError('HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY', { path });
  const entry = listed.get(path);
  if (!entry) throw new HearthError('HEARTH_ERR_ARCHIVE_UNLISTED_ENTRY', { path });
  const mismatch = (field: string) => new HearthError('HEARTH_ERR_ARCHIVE_ENTRY_MISMATCH', { path, field });
  if (header.type !== entry.type) throw mismatch('type');
  if (header.size !== entry.size) throw mismatch('size');
  if (header.mode !== entry.mode) throw mismatch('mode');
  if (header.uid !== entry.uid) throw mismatch('uid');
  if (header.gid !== entry.gid) throw mismatch('gid');
  if (header.mtime !== entry.mtime) throw mismatch('mtime');
  if ((entry.type === 'symlink' || entry.type === 'hardlink') && header.target !== entry.target) throw mismatch('target');
  if (entry.type === 'hardlink' && seen.get(entry.target!)?.type !== 'file') {
    throw new HearthError('HEARTH_ERR_ARCHIVE_BAD_HARDLINK', { path, target: entry.target! });
  }
  return entry;
}

async function readAll(stream: AsyncIterable<Buffer>, size: number): Promise<Buffer> {
  const buffer = Buffer.alloc(size);
  let offset = 0;
  for await (const chunk of stream) {
    chunk.copy(buffer, offset);
    offset += chunk.length;
  }
  return buffer;
}

/**
 * The one reader behind readManifest, verifyArchive, extractEntry and extractArchive:
 * detects the layers by magic bytes (age, then zstd / gzip / plain tar), streams the
 * file through them into a tar parser, requires manifest.json first, checks it, then
 * checks every entry's header against it and every file's content against its
 * sha256, and hands each entry to `onEntry`. Nothing is buffered beyond a chunk
 * except the manifest itself. Errors come out as HearthErrors naming the layer and
 * the entry being read.
 */
export async function walkArchive(file: string, options: WalkOptions): Promise<{ manifest: Manifest; layers: ArchiveLayers }> {
  const handle = await open(file, 'r');
  const stages = new Map<object, 'file' | 'age' | 'compression' | 'guard' | 'tar'>();
  const failures = new Map<object, Error>();
  const streams: Array<Readable | Writable> = [];
  const pipelines: Array<Promise<void>> = [];
  let current: string = manifestName;
  let manifest: Manifest | undefined;
  let layers: ArchiveLayers | undefined;
  let sawHeader = false;
  let compression: Compression = 'none';

  const explain = (error: unknown): unknown => {
    if (error instanceof HearthError) return error;
    // The outermost layer that failed is the cause; the ones after it only saw the consequence.
    const order = ['file', 'age', 'compression', 'guard', 'tar'] as const;
    let cause = error;
    let layer: string | undefined;
    for (const name of order) {
      for (const [stream, stage] of stages) {
        const failure = failures.get(stream);
        if (stage === name && failure && !isConsequence(failure)) {
          cause = failure;
          layer = name;
          break;
        }
      }
      if (layer) break;
    }
    if (cause instanceof HearthError) return cause;
    if (layer === 'compression' && compression === 'gzip' && !(cause instanceof LayerError)) cause = gzipLayerError(cause as NodeJS.ErrnoException);
    if (!(cause instanceof LayerError) && (layer === 'tar' || (layer === undefined && cause instanceof Error && isTarError(cause)))) {
      // Not even one tar header: this is not a tar, let alone a Hearth backup.
      if (!sawHeader) return new HearthError('HEARTH_ERR_ARCHIVE_NOT_HEARTH', {}, { cause });
      const message = (cause as Error).message;
      cause = new LayerError('tar', /Unexpected end of data/.test(message) ? 'truncated' : 'corrupt', message, { cause });
    }
    if (cause instanceof LayerError) {
      const code = cause.kind === 'truncated' ? 'HEARTH_ERR_ARCHIVE_TRUNCATED' : 'HEARTH_ERR_ARCHIVE_CORRUPT';
      return new HearthError(code, { layer: cause.layer, path: printable(current) }, { cause });
    }
    return cause;
  };

  const watch = (stream: Readable | Writable, stage: 'file' | 'age' | 'compression' | 'guard' | 'tar') => {
    stages.set(stream, stage);
    streams.push(stream);
    const record = (error: Error) => failures.has(stream) || failures.set(stream, error);
    stream.on('error', record);
    // A decompressor that failed after giving all it could (ProgramStage with keepOutput).
    stream.on('failure', record);
  };

  try {
    const magic = Buffer.alloc(ageMagic.length);
    await handle.read(magic, 0, magic.length, 0);
    const encrypted = magic.equals(ageMagic);
    let plaintext: Readable;
    if (encrypted) {
      if (!options.passphrase) throw new HearthError('HEARTH_ERR_ARCHIVE_PASSPHRASE_REQUIRED');
      const { fileKey, payloadStart } = await readAgeHeader(handle, options.passphrase);
      const source = handle.createReadStream({ start: payloadStart, highWaterMark: 256 * 1024 });
      const decrypt = new AgeDecrypt(fileKey);
      watch(source, 'file');
      watch(decrypt, 'age');
      // Its own pipeline: the compression is known only once the first plaintext bytes are.
      pipelines.push(pipeline(source, decrypt));
      plaintext = decrypt;
    } else {
      plaintext = handle.createReadStream({ start: 0, highWaterMark: 256 * 1024 });
      watch(plaintext, 'file');
    }
    const { head, stream } = await peek(plaintext, 4);
    compression = head.subarray(0, 4).equals(zstdMagic) ? 'zstd' : head.subarray(0, 2).equals(gzipMagic) ? 'gzip' : 'none';
    layers = { encrypted, compression };
    const decompress = decompressStage(options.system, compression, options.signal);
    const guard = new TarGuard(maxManifestBytes + 64 * 1024);
    const extract = tar.extract();
    watch(decompress, 'compression');
    watch(guard, 'guard');
    watch(extract as unknown as Writable, 'tar');
    pipelines.push(pipeline(stream, decompress, guard, extract, { signal: options.signal }));
    for (const running of pipelines) running.catch(() => {});

    const listed = new Map<string, ManifestEntry>();
    const seen = new Map<string, ManifestEntry>();
    let stopped = false;
    const progress = options.progress;
    for await (const entryStream of extract) {
      sawHeader = true;
      if (!manifest) {
        const header = normalizeHeader(entryStream.header);
        if (header.path !== manifestName || header.type !== 'file') throw new HearthError('HEARTH_ERR_ARCHIVE_NOT_HEARTH');
        if (header.size > maxManifestBytes) throw new HearthError('HEARTH_ERR_ARCHIVE_MANIFEST_INVALID', { reason: 'too large' });
        manifest = parseManifest(await readAll(entryStream as AsyncIterable<Buffer>, header.size));
        checkLimits(manifest, options.limits);
        // What the parser has not consumed yet is in the guard's count already: 1 MiB of slack covers
        // the stages' buffers, so an entry whose header lies is refused for that, not for the cap.
        guard.setCap(guard.bytes + tarBytesBound(manifest) + 1024 * 1024);
        for (const entry of manifest.entries) listed.set(entry.path, entry);
        progress?.totals(manifest.totals.bytes, manifest.totals.entries);
        if ((await options.onManifest?.(manifest, layers)) === 'stop') {
          stopped = true;
          break;
        }
        continue;
      }
      const header = normalizeHeader(entryStream.header);
      const bytes = entryStream as AsyncIterable<Buffer>;
      current = header.path;
      const entry = checkHeader(header, listed, seen);
      seen.set(entry.path, entry);
      let content: ContentReader | undefined;
      if (entry.type === 'file') content = new ContentReader(bytes, entry, options.checkContent?.(entry) ?? true, progress);
      const outcome = await options.onEntry?.(entry, content);
      // Whatever the visitor left unread is read here: the hash is checked all the same.
      if (content && !content.started) for await (const _ of content);
      for await (const _ of bytes);
      progress?.entry();
      if (outcome === 'stop') {
        stopped = true;
        break;
      }
    }
    if (!manifest) {
      // No entry at all: a layer above the tar that failed says more than "not a backup".
      const failed = [...failures.values()].find((failure) => !isConsequence(failure));
      throw failed ?? new HearthError('HEARTH_ERR_ARCHIVE_NOT_HEARTH');
    }
    if (!stopped) {
      await Promise.all(pipelines);
      // The tar ended cleanly, but a layer above it may have stopped early.
      const failed = [...failures.values()].find((failure) => !isConsequence(failure));
      if (failed) throw failed;
      if (options.complete) {
        for (const entry of manifest.entries) {
          if (!seen.has(entry.path)) throw new HearthError('HEARTH_ERR_ARCHIVE_MISSING_ENTRY', { path: entry.path });
        }
        current = '(end)';
        if (!guard.endsWithMarker()) throw new LayerError('tar', 'truncated', 'no end-of-archive marker');
      }
    }
    progress?.finish();
    return { manifest, layers };
  } catch (error) {
    throw explain(error);
  } finally {
    for (const stream of streams) if (!stream.destroyed) stream.destroy();
    await Promise.allSettled(pipelines);
    await handle.close().catch(() => {});
  }
}

/** Errors a stage gets because another one failed first. */
function isConsequence(error: Error): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ERR_STREAM_PREMATURE_CLOSE' || code === 'EPIPE' || code === 'ABORT_ERR' || error.name === 'AbortError' || /destroyed/.test(error.message);
}

function isTarError(error: Error): boolean {
  return /Unexpected end of data|Invalid tar header|Header exceeds max size|Invalid header/.test(error.message);
}

/**
 * A file's content as it comes out of the tar stream, hashed on the way: after the
 * last byte, a digest that differs from the manifest throws
 * HEARTH_ERR_ARCHIVE_CORRUPT naming the file — before the consumer has finished
 * (an extracted file is never left looking complete).
 */
class ContentReader implements AsyncIterable<Buffer> {
  started = false;

  constructor(
    private readonly stream: AsyncIterable<Buffer>,
    private readonly entry: ManifestEntry,
    private readonly check: boolean,
    private readonly progress: ProgressReporter | undefined,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<Buffer> {
    this.started = true;
    const hash = this.check ? createHash('sha256') : undefined;
    for await (const chunk of this.stream) {
      hash?.update(chunk);
      this.progress?.bytes(chunk.length);
      yield chunk;
    }
    if (hash && hash.digest('hex') !== this.entry.sha256) {
      throw new HearthError('HEARTH_ERR_ARCHIVE_CORRUPT', { layer: 'sha256', path: this.entry.path });
    }
  }
}
