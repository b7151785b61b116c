import { createHash, type Hash } from 'node:crypto';
import { constants, createReadStream } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, statfs, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HearthError, isHearthError } from '../errors.js';
import { formatBytes } from '../format.js';
import { fsyncDirectory, writeFileAtomic } from '../system/atomic-write.js';
import { checkChannelUrl, fetchFailureReason, type ResolvedBundle } from './channel.js';

/*
 * Downloads a release bundle into a staging directory: streamed (memory stays flat
 * whatever the size), hashed while it streams, resumable, and refused unless it is
 * exactly the bundle the signed manifest describes.
 *
 *   <staging>/hearth-<version>-<arch>.tar.gz.partial       the bytes so far
 *   <staging>/hearth-<version>-<arch>.tar.gz.partial.json  which bundle they belong to
 *   <staging>/hearth-<version>-<arch>.tar.gz               complete and verified
 *
 * An interruption (the connection closed early, the box lost power, the job was
 * stopped) keeps the .partial: the next attempt hashes what is there and asks the
 * server for the rest with an HTTP Range request; a server that ignores Range sends
 * the whole file and the download restarts cleanly from byte 0. A wrong size or a
 * wrong sha256 removes the .partial: those bytes can never become the right bundle.
 *
 * Like the backup archive engine, this module uses node:fs directly: it is the file
 * engine of updates and needs what the System deliberately does not offer (appending
 * at an offset, statfs of any directory). It writes only inside the staging directory.
 */

export interface DownloadOptions {
  /** Absolute; made if missing. */
  stagingDir: string;
  /**
   * Where the bundle will be unpacked (the releases directory): its free space is
   * checked for `unpackedSize` too, before the first byte is written. Default: the
   * staging directory's file system holds both.
   */
  unpackDir?: string;
  /** Kept free on top of what the download and the unpacked release need (default 64 MiB). */
  marginBytes?: number;
  /** Called as bytes arrive (at most every 256 KiB, and at the end): for the job's progress bar. */
  onProgress?: (bytes: number, total: number) => void;
  /** Stops the download; the .partial is kept for the next attempt. */
  signal?: AbortSignal;
  /** Gives up when no byte arrived for this long (default 60 s); the .partial is kept. */
  idleTimeoutMs?: number;
  /** Default: hearth-<version>-<arch>.tar.gz */
  fileName?: string;
}

export interface DownloadResult {
  /** The complete, verified bundle. */
  file: string;
  size: number;
  sha256: string;
  /** Bytes that were already on disk from an earlier attempt (0 for a fresh download). */
  resumedFrom: number;
}

interface PartialRecord {
  url: string;
  size: number;
  sha256: string;
}

const progressStep = 256 * 1024;

function sizeMismatch(expected: number, actual: number): HearthError {
  return new HearthError('HEARTH_ERR_BUNDLE_SIZE_MISMATCH', { expected, actual });
}

/** Free bytes for an unprivileged writer on the file system holding `dir`. */
export async function freeBytes(dir: string): Promise<number> {
  const info = await statfs(dir);
  return Number(info.bavail) * Number(info.bsize);
}

async function nearestExisting(dir: string): Promise<string> {
  for (let at = dir; ; at = path.dirname(at)) {
    if (await stat(at).then(() => true, () => false)) return at;
    if (path.dirname(at) === at) return at;
  }
}

/**
 * Refuses before the first byte when the download (what is still missing) and the
 * unpacked release do not fit with the margin — on one file system, or on each of two.
 */
export async function checkSpace(needs: Array<{ dir: string; bytes: number }>, marginBytes: number): Promise<void> {
  const byDevice = new Map<number, { dir: string; bytes: number }>();
  for (const need of needs) {
    const dir = await nearestExisting(need.dir);
    const device = (await stat(dir)).dev;
    const entry = byDevice.get(device) ?? { dir: need.dir, bytes: 0 };
    entry.bytes += need.bytes;
    byDevice.set(device, entry);
  }
  for (const { dir, bytes } of byDevice.values()) {
    const needed = bytes + marginBytes;
    const available = await freeBytes(await nearestExisting(dir));
    if (available < needed) {
      throw new HearthError('HEARTH_ERR_UPDATE_NO_SPACE', { path: dir, needed: formatBytes(needed), available: formatBytes(available) });
    }
  }
}

async function noSpace(dir: string, needed: number): Promise<HearthError> {
  const available = await freeBytes(dir).catch(() => 0);
  return new HearthError('HEARTH_ERR_UPDATE_NO_SPACE', { path: dir, needed: formatBytes(needed), available: formatBytes(available) });
}

async function hashPrefix(file: string, length: number, hash: Hash): Promise<void> {
  if (length === 0) return;
  const stream = createReadStream(file, { start: 0, end: length - 1, highWaterMark: 1024 * 1024 });
  for await (const chunk of stream) hash.update(chunk as Buffer);
}

async function writeAll(handle: FileHandle, chunk: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < chunk.length) {
    const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
    done += bytesWritten;
  }
}

/** A response body, or a file's bytes from an offset, as chunks; plus how the source answered. */
interface Source {
  /** Where the bytes start in the bundle (0 when the server ignored Range). */
  start: number;
  /** The total size the source announced, when it did. */
  total?: number;
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>;
  cancel(): Promise<void>;
}

async function openFileSource(url: URL, offset: number): Promise<Source> {
  const file = fileURLToPath(url);
  const info = await stat(file).catch((error: NodeJS.ErrnoException) => {
    throw new HearthError('HEARTH_ERR_BUNDLE_DOWNLOAD_FAILED', { url: url.href, reason: error.code ?? error.message });
  });
  const stream = createReadStream(file, { start: Math.min(offset, info.size), highWaterMark: 256 * 1024 });
  return { start: Math.min(offset, info.size), total: info.size, chunks: stream, cancel: async () => void stream.destroy() };
}

function bodyChunks(response: Response): AsyncIterable<Uint8Array> | Iterable<Uint8Array> {
  return (response.body as unknown as AsyncIterable<Uint8Array> | null) ?? [];
}

/**
 * Range: bytes=offset-. 206 continues from the offset; 200 is the whole file (the
 * server ignored Range); 416 says the offset is at or past its end, and with the size
 * it announces the caller tells a whole .partial from a wrong one.
 */
async function openHttpSource(url: URL, offset: number, signal: AbortSignal): Promise<Source> {
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow', headers: offset > 0 ? { range: `bytes=${offset}-` } : {} });
  } catch (error) {
    if (signal.aborted) throw signal.reason;
    throw new HearthError('HEARTH_ERR_BUNDLE_DOWNLOAD_FAILED', { url: url.href, reason: fetchFailureReason(error) });
  }
  checkChannelUrl(response.url || url.href);
  const cancel = async () => {
    await response.body?.cancel().catch(() => {});
  };
  if (response.status === 416 && offset > 0) {
    await cancel();
    const total = /^bytes \*\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
    if (!total) return openHttpSource(url, 0, signal);
    return { start: offset, total: Number(total[1]), chunks: [], cancel };
  }
  if (response.status === 206) {
    const range = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(response.headers.get('content-range') ?? '');
    if (!range || Number(range[1]) !== offset) {
      // A range we did not ask for: start over without one rather than guess.
      await cancel();
      return openHttpSource(url, 0, signal);
    }
    return { start: offset, ...(range[3] !== '*' ? { total: Number(range[3]) } : {}), chunks: bodyChunks(response), cancel };
  }
  if (response.status === 200) {
    const length = response.headers.get('content-length');
    return { start: 0, ...(length !== null && response.headers.get('content-encoding') === null ? { total: Number(length) } : {}), chunks: bodyChunks(response), cancel };
  }
  await cancel();
  throw new HearthError('HEARTH_ERR_BUNDLE_DOWNLOAD_FAILED', { url: url.href, reason: `HTTP ${response.status}` });
}

/**
 * Downloads `bundle` (from chooseRelease) into `options.stagingDir` and returns the
 * verified file. Refuses, each with its own HearthError: no space (checked before the
 * first byte: what is missing of the bundle + its unpackedSize + the margin), a size
 * other than the manifest's, a connection closed early (truncated: the bytes so far
 * are kept and the next call resumes), a sha256 other than the manifest's.
 */
export async function downloadBundle(bundle: ResolvedBundle, options: DownloadOptions): Promise<DownloadResult> {
  const url = checkChannelUrl(bundle.url);
  const stagingDir = options.stagingDir;
  const name = options.fileName ?? `hearth-${bundle.version}-${bundle.arch}.tar.gz`;
  if (name.includes('/') || name.startsWith('.')) throw new Error(`not a file name: ${name}`);
  const file = path.join(stagingDir, name);
  const partial = `${file}.partial`;
  const record = `${partial}.json`;
  const margin = options.marginBytes ?? 64 * 1024 * 1024;
  const removePartial = async () => {
    await rm(partial, { force: true });
    await rm(record, { force: true });
    await fsyncDirectory(stagingDir).catch(() => {});
  };

  await mkdir(stagingDir, { recursive: true, mode: 0o700 });

  // Already complete (a crash after the rename, before the caller recorded it).
  const done = await stat(file).catch(() => undefined);
  if (done?.isFile() && done.size === bundle.size) {
    const hash = createHash('sha256');
    await hashPrefix(file, done.size, hash);
    if (hash.digest('hex') === bundle.sha256) {
      options.onProgress?.(bundle.size, bundle.size);
      return { file, size: bundle.size, sha256: bundle.sha256, resumedFrom: bundle.size };
    }
  }
  if (done) await rm(file, { force: true });

  // Resume only the same bundle: the record says which one the bytes belong to.
  let offset = 0;
  const previous = (await readFile(record, 'utf8').then((text) => JSON.parse(text) as PartialRecord, () => undefined)) ?? undefined;
  const partialInfo = await stat(partial).catch(() => undefined);
  if (partialInfo?.isFile() && previous?.sha256 === bundle.sha256 && previous.size === bundle.size && partialInfo.size <= bundle.size) offset = partialInfo.size;
  else await removePartial();

  try {
    await checkSpace(
      [
        { dir: stagingDir, bytes: bundle.size - offset },
        { dir: options.unpackDir ?? stagingDir, bytes: bundle.unpackedSize },
      ],
      margin,
    );
  } catch (error) {
    // Nothing of this download may be left behind taking space the owner now needs.
    await removePartial();
    throw error;
  }

  let hash = createHash('sha256');
  await hashPrefix(partial, offset, hash);
  await writeFileAtomic(record, JSON.stringify({ url: url.href, size: bundle.size, sha256: bundle.sha256 } satisfies PartialRecord));
  let resumedFrom = offset;

  const idle = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, idle.signal]) : idle.signal;
  const idleMs = options.idleTimeoutMs ?? 60_000;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idleTimer);
    idleTimer = setTimeout(() => idle.abort(new HearthError('HEARTH_ERR_BUNDLE_DOWNLOAD_FAILED', { url: url.href, reason: `no data for ${idleMs / 1000} s` })), idleMs);
  };

  // O_CREAT without O_TRUNC: the bytes of an earlier attempt stay.
  const handle = await open(partial, constants.O_RDWR | constants.O_CREAT, 0o600);
  let position = offset;
  try {
    try {
      // A .partial that is already whole (a crash right before the rename) needs no request.
      if (offset < bundle.size) {
        armIdle();
        const source = url.protocol === 'file:' ? await openFileSource(url, offset) : await openHttpSource(url, offset, signal);
        if (source.total !== undefined && source.total !== bundle.size) {
          await source.cancel();
          throw sizeMismatch(bundle.size, source.total);
        }
        if (source.start !== position) {
          // The server ignored Range and sends everything: start over from byte 0 with this response.
          await handle.truncate(0);
          hash = createHash('sha256');
          position = 0;
          resumedFrom = 0;
        }
        let reported = position;
        options.onProgress?.(position, bundle.size);
        for await (const chunk of source.chunks) {
          armIdle();
          if (position + chunk.length > bundle.size) {
            await source.cancel();
            throw sizeMismatch(bundle.size, position + chunk.length);
          }
          await writeAll(handle, chunk, position);
          hash.update(chunk);
          position += chunk.length;
          if (position - reported >= progressStep) {
            reported = position;
            options.onProgress?.(position, bundle.size);
          }
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOSPC') throw await noSpace(stagingDir, bundle.size - resumedFrom + bundle.unpackedSize + margin);
      if (isHearthError(error)) throw error;
      if (idle.signal.aborted) throw idle.signal.reason;
      if (options.signal?.aborted) throw options.signal.reason;
      // The connection broke mid-body: what arrived is right so far and kept for the next attempt.
      throw new HearthError('HEARTH_ERR_BUNDLE_TRUNCATED', { received: position, expected: bundle.size }, { cause: error });
    } finally {
      clearTimeout(idleTimer);
    }
    if (position < bundle.size) throw new HearthError('HEARTH_ERR_BUNDLE_TRUNCATED', { received: position, expected: bundle.size });
    const sha256 = hash.digest('hex');
    if (sha256 !== bundle.sha256) throw new HearthError('HEARTH_ERR_BUNDLE_CHECKSUM_MISMATCH', { expected: bundle.sha256, actual: sha256 });
    await handle.sync();
    await handle.close();
    await rename(partial, file);
    await rm(record, { force: true });
    await fsyncDirectory(stagingDir);
    options.onProgress?.(bundle.size, bundle.size);
    return { file, size: bundle.size, sha256, resumedFrom };
  } catch (error) {
    // Kept bytes must be on disk before they are counted on by the next attempt.
    await handle.sync().catch(() => {});
    await handle.close().catch(() => {});
    const code = isHearthError(error) ? error.code : undefined;
    // Bytes that can never become the right bundle, or that fill a full disk, go.
    if (code === 'HEARTH_ERR_BUNDLE_SIZE_MISMATCH' || code === 'HEARTH_ERR_BUNDLE_CHECKSUM_MISMATCH' || code === 'HEARTH_ERR_UPDATE_NO_SPACE') await removePartial();
    throw error;
  }
}
