import { createHash, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import tar from 'tar-stream';
import type { BundleInfo } from '../bundle.js';
import { publicKeyId, type TrustedKey } from '../keys.js';
import { signManifest, type Manifest, type Release } from '../manifest.js';

/** A fresh signing key pair: the private key to sign with, the public half as the box would trust it. */
export function testKey(): { privateKey: KeyObject; trusted: TrustedKey; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey,
    trusted: { keyid: publicKeyId(publicKey), key: publicKey },
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
  };
}

export interface TarEntry {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  content?: string | Buffer;
  linkname?: string;
  mode?: number;
}

/** Writes a .tar.gz of exactly these entries, in this order. */
export async function writeTarGz(file: string, entries: readonly TarEntry[]): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  const pack = tar.pack();
  const writing = pipeline(pack, createGzip(), createWriteStream(file));
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    const content = entry.content === undefined ? undefined : Buffer.from(entry.content);
    await new Promise<void>((resolve, reject) => {
      const header = {
        name: entry.name,
        type,
        mode: entry.mode ?? (type === 'directory' ? 0o755 : 0o644),
        mtime: new Date(Date.UTC(2026, 0, 1)),
        ...(entry.linkname !== undefined ? { linkname: entry.linkname } : {}),
        ...(type === 'file' ? { size: content?.length ?? 0 } : {}),
      };
      const done = (error?: Error | null) => (error ? reject(error) : resolve());
      if (type === 'file') pack.entry(header, content ?? Buffer.alloc(0), done);
      else pack.entry(header, done);
    });
  }
  pack.finalize();
  await writing;
}

export function bundleInfo(version: string, overrides: Partial<BundleInfo> = {}): BundleInfo {
  return {
    format: 1,
    name: 'hearth',
    version,
    arch: process.arch,
    platform: process.platform,
    nodeAbi: process.versions.modules,
    node: process.versions.node,
    builtAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

/**
 * A small, well-formed bundle: bundle.json, package.json, a script and a link inside,
 * plus `extra` entries (appended; use them for hostile cases). `info` overrides bundle.json.
 */
export async function writeTestBundle(
  file: string,
  version: string,
  options: { info?: Partial<BundleInfo>; extra?: TarEntry[]; packageJson?: object; padding?: number } = {},
): Promise<{ file: string; size: number; sha256: string }> {
  const entries: TarEntry[] = [
    { name: 'bundle.json', content: JSON.stringify(bundleInfo(version, options.info)) },
    { name: 'package.json', content: JSON.stringify(options.packageJson ?? { name: 'hearth', version, type: 'module' }) },
    { name: 'dist/', type: 'directory' },
    { name: 'dist/server/cli/hearth.js', content: `console.log(${JSON.stringify(version)});\n`, mode: 0o755 },
    { name: 'node_modules/.bin/hearth', type: 'symlink', linkname: '../../dist/server/cli/hearth.js' },
    ...(options.padding ? [{ name: 'padding.bin', content: Buffer.alloc(options.padding, 7) }] : []),
    ...(options.extra ?? []),
  ];
  await writeTarGz(file, entries);
  return describeFile(file);
}

export async function describeFile(file: string): Promise<{ file: string; size: number; sha256: string }> {
  const bytes = await readFile(file);
  return { file, size: (await stat(file)).size, sha256: createHash('sha256').update(bytes).digest('hex') };
}

export function release(version: string, overrides: Partial<Release> = {}): Release {
  return {
    version,
    publishedAt: '2026-01-01T00:00:00Z',
    breaking: false,
    cohorts: 'all',
    notes: { en: `Hearth ${version}`, 'zh-CN': `Hearth ${version}（中文）` },
    bundles: {},
    ...overrides,
  };
}

export function manifest(releases: Release[], overrides: Partial<Manifest> = {}): Manifest {
  return { format: 1, channel: 'stable', serial: 1, releases, ...overrides };
}

/** Signs `value` and writes it as DIR/manifest.json (the envelope); returns the file. */
export async function writeManifest(dir: string, value: Manifest, keys: readonly KeyObject[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, 'manifest.json');
  await writeFile(file, JSON.stringify(signManifest(value, keys), null, 2));
  return file;
}
