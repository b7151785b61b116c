import { constants, createReadStream } from 'node:fs';
import { lstat, mkdir, open, readFile, realpath, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import tar from 'tar-stream';
import { HearthError, isHearthError } from '../errors.js';
import { formatBytes } from '../format.js';
import { isInside } from '../paths.js';
import { fsyncDirectory } from '../system/atomic-write.js';
import { runProgram } from '../system/run-program.js';
import { checkSpace, freeBytes } from './download.js';
import { isVersion } from './manifest.js';

/*
 * A release bundle is a gzipped tar of one release directory (docs/release-format.md):
 *
 *   bundle.json         first entry: what it is (name, version, arch, Node ABI)
 *   package.json        name "hearth", the release's version
 *   dist/ web/dist/ locales/ boards/ keys/ node_modules/ scripts/…
 *
 * Unpacking never trusts it, although its sha256 was checked against the signed
 * manifest (a leaked key or a broken build must not write outside the release):
 *
 * - into releases/.<version>.partial, made fresh; renamed to releases/<version> only
 *   when everything is written, checked and durable, so a crash leaves either nothing
 *   or a .partial the next attempt removes — never a half release under its name;
 * - names are relative, '/'-separated, without '', '.', '..', backslash or NUL;
 * - files are opened O_CREAT|O_EXCL|O_NOFOLLOW (never over something, never through a
 *   link), directories made one by one with mkdir; symbolic links are made last, after
 *   every file, so nothing is ever written through one, and each must resolve — on
 *   disk, with realpath — inside the release; hard links, devices and FIFOs are refused;
 * - bundle.json comes first and is checked before anything else is written: a bundle
 *   for another architecture or another Node ABI is refused at once;
 * - setuid/setgid bits and owners are not kept; modes are 0755/0644.
 */

export const bundleFormat = 1;

/** bundle.json, the bundle's first entry. */
export interface BundleInfo {
  format: number;
  name: 'hearth';
  version: string;
  /** process.arch of the build (native modules: better-sqlite3). */
  arch: string;
  platform: string;
  /** process.versions.modules of the build: the native modules load only under that ABI. */
  nodeAbi: string;
  /** process.versions.node of the build, for messages. */
  node: string;
  builtAt: string;
  /** The source commit, when the checkout was a git repository. */
  commit?: string;
}

export interface UnpackOptions {
  /** The architecture the release must be built for (default: process.arch). */
  arch?: string;
  /** The Node ABI it must be built for (default: process.versions.modules). */
  nodeAbi?: string;
  /** From the manifest: checked against free space before the first byte, and a cap on what is written. */
  unpackedSize?: number;
  /** Kept free on top of unpackedSize (default 64 MiB). */
  marginBytes?: number;
  /** Largest number of entries (default 200 000). */
  maxEntries?: number;
  /** Called after each file with the bytes written so far. */
  onProgress?: (bytes: number, entries: number) => void;
  /**
   * How the written files are made durable before the rename: 'filesystem' (default,
   * one `sync --file-system`, far cheaper than thousands of fsyncs) or 'each' (fsync
   * every file and directory).
   */
  durability?: 'filesystem' | 'each';
}

export interface UnpackResult {
  /** releases/<version> */
  dir: string;
  info: BundleInfo;
  files: number;
  bytes: number;
}

const maxBundleInfoBytes = 64 * 1024;
const maxNameBytes = 255;
const maxPathBytes = 4095;

function unsafe(name: string, reason: string): HearthError {
  // eslint-disable-next-line no-control-regex
  return new HearthError('HEARTH_ERR_BUNDLE_UNSAFE_PATH', { path: name.replace(/[\u0000-\u001f\u007f]/g, '?').slice(0, 300), reason });
}

/** The rules of a bundle entry's name; returns it without a directory's trailing '/'. */
export function checkBundlePath(name: string, type: string): string {
  let relative = name;
  if (type === 'directory' && relative.endsWith('/')) relative = relative.slice(0, -1);
  if (relative === '') throw unsafe(name, 'empty');
  if (relative.includes('\0')) throw unsafe(name, 'NUL');
  if (relative.startsWith('/')) throw unsafe(name, 'absolute');
  if (relative.includes('\\')) throw unsafe(name, 'backslash');
  const parts = relative.split('/');
  if (parts.includes('..')) throw unsafe(name, '..');
  if (parts.includes('') || parts.includes('.')) throw unsafe(name, 'empty or "." component');
  if (Buffer.byteLength(relative) > maxPathBytes || parts.some((p) => Buffer.byteLength(p) > maxNameBytes)) throw unsafe(name, 'too long');
  return relative;
}

function notHearth(version: string, reason: string): HearthError {
  return new HearthError('HEARTH_ERR_BUNDLE_NOT_HEARTH', { version, reason });
}

function parseInfo(bytes: Buffer, version: string): BundleInfo {
  let info: Partial<BundleInfo>;
  try {
    info = JSON.parse(bytes.toString('utf8')) as Partial<BundleInfo>;
  } catch {
    throw notHearth(version, 'bundle.json is not JSON');
  }
  if (typeof info !== 'object' || info === null || info.name !== 'hearth') throw notHearth(version, 'bundle.json does not name hearth');
  if (info.format !== bundleFormat) throw notHearth(version, `bundle format ${String(info.format)}`);
  for (const field of ['version', 'arch', 'platform', 'nodeAbi', 'node', 'builtAt'] as const) {
    if (typeof info[field] !== 'string') throw notHearth(version, `bundle.json has no ${field}`);
  }
  if (info.version !== version) throw notHearth(version, `bundle.json says ${String(info.version).slice(0, 64)}`);
  return info as BundleInfo;
}

async function readAll(stream: AsyncIterable<Buffer>, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let length = 0;
  for await (const chunk of stream) {
    length += chunk.length;
    if (length > limit) throw new HearthError('HEARTH_ERR_BUNDLE_CORRUPT', { reason: 'bundle.json too large' });
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Unpacks a downloaded, verified bundle into `releasesDir/<version>` (see above) and
 * returns it. On any failure, removes what it wrote and rejects with the HearthError
 * that says why; `releasesDir/<version>` then does not exist.
 */
export async function unpackBundle(file: string, releasesDir: string, version: string, options: UnpackOptions = {}): Promise<UnpackResult> {
  if (!isVersion(version)) throw notHearth(version.slice(0, 64), 'not a version');
  const arch = options.arch ?? process.arch;
  const nodeAbi = options.nodeAbi ?? process.versions.modules;
  const target = path.join(releasesDir, version);
  const partial = path.join(releasesDir, `.${version}.partial`);
  const margin = options.marginBytes ?? 64 * 1024 * 1024;
  const maxEntries = options.maxEntries ?? 200_000;
  const maxBytes = options.unpackedSize ?? 8 * 1024 ** 3;

  if (await lstat(target).then(() => true, () => false)) throw new HearthError('HEARTH_ERR_BUNDLE_TARGET_EXISTS', { path: target });
  await mkdir(releasesDir, { recursive: true });
  // Left by an attempt that crashed: ours by its name, never a release.
  await rm(partial, { recursive: true, force: true });
  if (options.unpackedSize !== undefined) await checkSpace([{ dir: releasesDir, bytes: options.unpackedSize }], margin);
  await mkdir(partial, { mode: 0o755 });

  const directories = new Set<string>([partial]);
  const links: Array<{ name: string; at: string; target: string }> = [];
  const written = new Set<string>();
  const each = options.durability === 'each';
  let info: BundleInfo | undefined;
  let entries = 0;
  let files = 0;
  let bytes = 0;

  const makeDirectory = async (at: string, name: string) => {
    if (directories.has(at)) return;
    try {
      await mkdir(at, { mode: 0o755 });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw unsafe(name, 'a file and a directory of the same name');
      throw error;
    }
    directories.add(at);
  };
  const makeParents = async (at: string, name: string) => {
    const missing: string[] = [];
    for (let dir = path.dirname(at); !directories.has(dir); dir = path.dirname(dir)) {
      if (!isInside(partial, dir) || dir === path.dirname(dir)) throw unsafe(name, 'outside the release');
      missing.unshift(dir);
    }
    for (const dir of missing) await makeDirectory(dir, name);
  };

  const input = createReadStream(file, { highWaterMark: 256 * 1024 });
  const gunzip = createGunzip();
  const extract = tar.extract();
  const piping = pipeline(input, gunzip, extract);
  piping.catch(() => {});
  try {
    for await (const entry of extract) {
      const header = entry.header;
      const type = header.type ?? 'file';
      entries++;
      if (entries > maxEntries) throw new HearthError('HEARTH_ERR_BUNDLE_CORRUPT', { reason: `more than ${maxEntries} entries` });
      const name = checkBundlePath(header.name, type);
      let content: AsyncIterable<Buffer> = entry as AsyncIterable<Buffer>;
      if (!info) {
        if (name !== 'bundle.json' || type !== 'file') throw notHearth(version, 'bundle.json is not the first entry');
        const infoBytes = await readAll(entry as AsyncIterable<Buffer>, maxBundleInfoBytes);
        content = [infoBytes] as unknown as AsyncIterable<Buffer>;
        info = parseInfo(infoBytes, version);
        if (info.arch !== arch) throw new HearthError('HEARTH_ERR_BUNDLE_WRONG_ARCH', { found: info.arch, expected: arch });
        if (info.nodeAbi !== nodeAbi) {
          throw new HearthError('HEARTH_ERR_BUNDLE_WRONG_NODE', { found: info.nodeAbi, node: info.node, expected: nodeAbi, running: process.versions.node });
        }
      }
      const at = path.join(partial, ...name.split('/'));
      if (!isInside(partial, at) || at === partial) throw unsafe(name, 'outside the release');
      if (written.has(at)) throw unsafe(name, 'listed twice');
      written.add(at);
      if (type === 'directory') {
        await makeParents(at, name);
        await makeDirectory(at, name);
      } else if (type === 'file' || type === 'contiguous-file') {
        await makeParents(at, name);
        const mode = (header.mode ?? 0o644) & 0o111 ? 0o755 : 0o644;
        let handle;
        try {
          handle = await open(at, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, mode);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw unsafe(name, 'listed twice');
          throw error;
        }
        try {
          let position = 0;
          for await (const chunk of content) {
            bytes += chunk.length;
            if (bytes > maxBytes) throw new HearthError('HEARTH_ERR_BUNDLE_CORRUPT', { reason: `larger unpacked than the manifest says (${maxBytes} bytes)` });
            let done = 0;
            while (done < chunk.length) {
              const { bytesWritten } = await handle.write(chunk, done, chunk.length - done, position + done);
              done += bytesWritten;
            }
            position += chunk.length;
          }
          await handle.chmod(mode);
          if (each) await handle.sync();
        } finally {
          await handle.close();
        }
        files++;
        options.onProgress?.(bytes, entries);
      } else if (type === 'symlink') {
        const linkTarget = header.linkname ?? '';
        if (linkTarget === '' || linkTarget.includes('\0') || path.isAbsolute(linkTarget)) throw unsafe(name, 'link to an absolute path');
        if (!isInside(partial, path.resolve(path.dirname(at), linkTarget))) throw unsafe(name, 'link leading outside the release');
        await makeParents(at, name);
        links.push({ name, at, target: linkTarget });
      } else {
        throw unsafe(name, type === 'link' ? 'hard link' : `${type} entry`);
      }
      // Whatever an entry has left unread (a directory's empty body) must be drained for the next header.
      for await (const _ of entry);
    }
    await piping;
    if (!info) throw notHearth(version, 'empty bundle');

    // Links last: nothing above was written through one. Each must land inside on disk too —
    // a chain of links with '..' can leave the release although every target looks inside.
    for (const link of links) {
      try {
        await symlink(link.target, link.at);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw unsafe(link.name, 'listed twice');
        throw error;
      }
    }
    const realPartial = await realpath(partial);
    for (const link of links) {
      const resolved = await realpath(link.at).catch(() => undefined);
      if (!resolved) throw unsafe(link.name, 'link to nothing');
      if (!isInside(realPartial, resolved)) throw unsafe(link.name, 'link leading outside the release');
    }

    const pkg = await readFile(path.join(partial, 'package.json'), 'utf8').then(
      (text) => JSON.parse(text) as { name?: unknown; version?: unknown },
      () => undefined,
    );
    if (!pkg) throw notHearth(version, 'no package.json');
    if (pkg.name !== 'hearth') throw notHearth(version, 'package.json does not name hearth');
    if (pkg.version !== version) throw notHearth(version, `package.json says ${String(pkg.version).slice(0, 64)}`);

    if (each) for (const dir of directories) await fsyncDirectory(dir);
    else {
      const synced = await runProgram(['sync', '--file-system', partial], { timeoutMs: 600_000 });
      if (synced.code !== 0) throw new Error(`sync --file-system failed: ${synced.stderr.trim()}`);
    }
    await rename(partial, target);
    await fsyncDirectory(releasesDir);
    return { dir: target, info, files, bytes };
  } catch (error) {
    input.destroy();
    gunzip.destroy();
    extract.destroy();
    await piping.catch(() => {});
    await rm(partial, { recursive: true, force: true }).catch(() => {});
    await fsyncDirectory(releasesDir).catch(() => {});
    const available = await freeBytes(releasesDir).catch(() => undefined);
    throw explain(error, releasesDir, options.unpackedSize ?? 0, margin, available);
  }
}

/** A failure of a layer below (gzip, tar, the disk) as the HearthError that says what it means. */
function explain(error: unknown, releasesDir: string, unpackedSize: number, margin: number, available?: number): unknown {
  if (isHearthError(error)) return error;
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOSPC' || code === 'EDQUOT') {
    return new HearthError('HEARTH_ERR_UPDATE_NO_SPACE', { path: releasesDir, needed: formatBytes(unpackedSize + margin), available: formatBytes(available ?? 0) });
  }
  if (code?.startsWith('Z_') || /unexpected end|incorrect header|invalid|checksum|unexpected/i.test((error as Error).message ?? '')) {
    return new HearthError('HEARTH_ERR_BUNDLE_CORRUPT', { reason: String((error as Error).message).slice(0, 200) }, { cause: error });
  }
  return error;
}

/** Whether a finished release directory exists (for the update machine's recovery). */
export async function releaseExists(releasesDir: string, version: string): Promise<boolean> {
  const info = await stat(path.join(releasesDir, version)).catch(() => undefined);
  return info?.isDirectory() ?? false;
}
