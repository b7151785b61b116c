import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, type Duplex } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import tar, { type Header } from 'tar-stream';
import { encryptStage } from '../age.js';
import type { Compression, EntryType, Manifest, ManifestEntry } from '../format.js';
import { compressStage } from '../stages.js';
import { realSystem } from './tree.js';

/**
 * Builds archives by hand, header by header, to play the attacker: entries a
 * Hearth writer would never produce, with a manifest that matches them or lies.
 */

export interface RawEntry {
  name: string;
  type?: Header['type'];
  mode?: number;
  size?: number;
  linkname?: string;
  body?: Buffer | string;
  uid?: number;
  gid?: number;
  /** pax records; `path` here overrides the ustar name (for names ustar cannot hold). */
  pax?: Record<string, string>;
}

const mtime = '2026-01-02T03:04:05.000000000Z';
const mtimeDate = new Date('2026-01-02T03:04:05.000Z');
const manifestTypes: Record<string, EntryType> = { file: 'file', directory: 'directory', symlink: 'symlink', link: 'hardlink' };

/** The manifest record that a raw entry would honestly have (devices etc. keep their tar type). */
export function recordOf(entry: RawEntry): ManifestEntry {
  const body = typeof entry.body === 'string' ? Buffer.from(entry.body) : (entry.body ?? Buffer.alloc(0));
  const type = entry.type ?? 'file';
  const record: ManifestEntry = {
    path: entry.pax?.path ?? (type === 'directory' ? entry.name.replace(/\/$/, '') : entry.name),
    type: (manifestTypes[type] ?? type) as EntryType,
    mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
    uid: entry.uid ?? 0,
    gid: entry.gid ?? 0,
    mtime,
    size: type === 'file' ? (entry.size ?? body.length) : 0,
  };
  if (type === 'file') record.sha256 = createHash('sha256').update(body).digest('hex');
  if (entry.linkname !== undefined) record.target = entry.linkname;
  return record;
}

/** An honest manifest for these entries (override anything with `patch`). */
export function manifestFor(entries: readonly RawEntry[], patch: Partial<Manifest> = {}): Manifest {
  const records = entries.map(recordOf);
  return {
    format: 'hearth-backup',
    formatVersion: 1,
    appVersion: '0.1.0',
    schemaVersion: 1,
    board: null,
    hostname: 'box',
    createdAt: '2026-01-02T03:04:05.000Z',
    options: { data: true, compression: 'none', level: null, encrypted: false },
    entries: records,
    skipped: [],
    totals: {
      entries: records.length,
      bytes: records.reduce((sum, record) => sum + record.size, 0),
      maxDepth: records.reduce((max, record) => Math.max(max, record.path.split('/').length), 0),
    },
    ...patch,
  };
}

export interface CraftOptions {
  /** The manifest to put first (default: the honest one); a string or Buffer is written as is; null leaves it out. */
  manifest?: Manifest | string | Buffer | null;
  /** Put the manifest after the entries instead of first. */
  manifestLast?: boolean;
  compression?: Compression;
  passphrase?: string;
  /** Bytes appended to the tar before its end-of-archive blocks (e.g. a stretch of zeros). */
  trailing?: Buffer;
}

/** The raw tar bytes of these entries, as tar-stream writes them (pax headers where a name needs one). */
export async function tarBytes(entries: readonly RawEntry[], options: CraftOptions = {}): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const collected = (async () => {
    for await (const chunk of pack as AsyncIterable<Buffer>) chunks.push(chunk);
  })();
  const manifest = options.manifest === undefined ? manifestFor(entries) : options.manifest;
  const add = (entry: RawEntry) =>
    new Promise<void>((resolve, reject) => {
      const body = typeof entry.body === 'string' ? Buffer.from(entry.body) : entry.body;
      const type = entry.type ?? 'file';
      const header: Header = {
        name: entry.name,
        type,
        mode: (entry.mode ?? (type === 'directory' ? 0o755 : 0o644)) | 0o100000,
        uid: entry.uid ?? 0,
        gid: entry.gid ?? 0,
        size: entry.size ?? body?.length ?? 0,
        mtime: mtimeDate,
        linkname: entry.linkname ?? '',
        uname: '',
        gname: '',
        devmajor: 0,
        devminor: 0,
        pax: { mtime: '1767323045.000000000', ...entry.pax },
      };
      // tar-stream writes the pax `path` from the name; a crafted pax path replaces it.
      if (entry.pax?.path) header.name = entry.pax.path;
      const sink = pack.entry(header, (error) => (error ? reject(error) : resolve()));
      if (type === 'file') sink.end(body ?? Buffer.alloc(0));
    });
  const manifestEntry = (): RawEntry | undefined => {
    if (manifest === null) return undefined;
    const body = typeof manifest === 'string' || Buffer.isBuffer(manifest) ? manifest : JSON.stringify(manifest);
    return { name: 'manifest.json', body, mode: 0o600 };
  };
  const first = manifestEntry();
  if (first && !options.manifestLast) await add(first);
  for (const entry of entries) await add(entry);
  if (first && options.manifestLast) await add(first);
  if (options.trailing) pack.push(options.trailing);
  pack.finalize();
  await collected;
  return Buffer.concat(chunks);
}

/** Wraps tar bytes in the requested layers and writes the file. */
export async function writeLayers(file: string, tarData: Buffer, options: CraftOptions = {}): Promise<void> {
  const stages: Duplex[] = [];
  if (options.passphrase) stages.push(await encryptStage(options.passphrase, 10));
  // The compressor starts last: a child's output unread when it exits is dropped by Node.
  if (options.compression && options.compression !== 'none') stages.unshift(compressStage(realSystem, options.compression, 3));
  await pipeline([Readable.from([tarData]), ...stages, createWriteStream(file)]);
}

export async function craftArchive(file: string, entries: readonly RawEntry[], options: CraftOptions = {}): Promise<void> {
  await writeLayers(file, await tarBytes(entries, options), options);
}

/**
 * One bare ustar header block, written by hand (tar-stream would wait for the body):
 * for archives whose body is never fully written, like a decompression bomb.
 */
export function ustarHeader(name: string, size: number, typeflag = '0', mode = 0o644): Buffer {
  const block = Buffer.alloc(512);
  const octal = (value: number, width: number) => value.toString(8).padStart(width - 1, '0') + '\0';
  block.write(name, 0, 100, 'utf8');
  block.write(octal(mode, 8), 100, 'latin1');
  block.write(octal(0, 8), 108, 'latin1');
  block.write(octal(0, 8), 116, 'latin1');
  block.write(octal(size, 12), 124, 'latin1');
  block.write(octal(1767323045, 12), 136, 'latin1');
  block.write('        ', 148, 'latin1');
  block.write(typeflag, 156, 'latin1');
  block.write('ustar\u000000', 257, 'latin1');
  let sum = 0;
  for (const byte of block) sum += byte;
  block.write(octal(sum, 7) + ' ', 148, 'latin1');
  return block;
}
