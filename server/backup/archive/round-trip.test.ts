import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractArchive, readManifest, verifyArchive, writeArchiveToFile, type ArchiveProgress, type Compression, type Manifest } from './index.js';
import { allocatedBytes, buildSampleTree, describeTree, isRoot, longDir, longName, nfc, nfd, realSystem, removeDir, sparseSize, tempDir, type TreeRecord } from './testing/tree.js';

const about = { appVersion: '0.1.0', schemaVersion: 7, board: 'rpi4', hostname: 'nas', data: true };
const passphrase = 'correct horse battery staple';

let work: string;
let source: string;
let sourceTree: TreeRecord[];
let closeSocket: () => Promise<void>;

beforeAll(async () => {
  work = tempDir();
  source = path.join(work, 'source');
  mkdirSync(source);
  closeSocket = (await buildSampleTree(source)).close;
  sourceTree = await describeTree(source);
});

afterAll(async () => {
  await closeSocket();
  removeDir(work);
});

/** The source tree as a restore must give it back: the FIFO and socket are not archived; setuid is dropped. */
function expectedTree(options: { keepSetuid: boolean }): TreeRecord[] {
  return sourceTree
    .filter((record) => record.type !== 'other')
    .map((record) => (record.path === 'setuid-tool' && !options.keepSetuid ? { ...record, mode: 0o755 } : record));
}

/** The same entries with the same everything, mtimes to the microsecond. */
function expectSameTree(actual: TreeRecord[], expected: TreeRecord[]) {
  expect(actual.map((record) => record.path)).toEqual(expected.map((record) => record.path));
  for (const [index, record] of actual.entries()) expect(record, record.path).toEqual(expected[index]);
}

describe.each([
  { compression: 'none' as Compression, encrypted: false },
  { compression: 'gzip' as Compression, encrypted: false },
  { compression: 'zstd' as Compression, encrypted: false },
  { compression: 'none' as Compression, encrypted: true },
  { compression: 'gzip' as Compression, encrypted: true },
  { compression: 'zstd' as Compression, encrypted: true },
])('a round trip with compression $compression, encrypted $encrypted', ({ compression, encrypted }) => {
  let file: string;
  let manifest: Manifest;
  let skipped: Array<{ path: string; reason: string }>;
  const progress: ArchiveProgress[] = [];

  beforeAll(async () => {
    file = path.join(work, `backup-${compression}-${encrypted}.tar`);
    const result = await writeArchiveToFile(file, {
      system: realSystem,
      about,
      sources: [{ path: 'data', from: source }],
      compression,
      passphrase: encrypted ? passphrase : undefined,
      scryptWorkFactor: 10,
      onProgress: (report) => progress.push(report),
    });
    manifest = result.manifest;
    skipped = result.skipped;
  });

  it('writes the layers the options ask for, detected from the bytes', async () => {
    const { manifest: read, layers } = await readManifest(file, { system: realSystem, passphrase });
    expect(layers).toEqual({ encrypted, compression });
    expect(read).toEqual(manifest);
    expect(read.options).toEqual({ data: true, compression, level: compression === 'zstd' ? 3 : compression === 'gzip' ? 6 : null, encrypted });
    const head = readFileSync(file).subarray(0, 22);
    if (encrypted) expect(head.toString('latin1')).toBe('age-encryption.org/v1\n');
    else if (compression === 'zstd') expect([...head.subarray(0, 4)]).toEqual([0x28, 0xb5, 0x2f, 0xfd]);
    else if (compression === 'gzip') expect([...head.subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    else expect(head.subarray(0, 13).toString()).toBe('PaxHeader\0\0\0\0');
  });

  it('lists every entry with its metadata, and reports what it could not archive', () => {
    expect(manifest).toMatchObject({ format: 'hearth-backup', formatVersion: 1, appVersion: '0.1.0', schemaVersion: 7, board: 'rpi4', hostname: 'nas' });
    expect(skipped).toEqual([
      { path: 'data/a/fifo', reason: 'fifo' },
      { path: 'data/a/socket', reason: 'socket' },
    ]);
    expect(manifest.skipped).toEqual(skipped);
    const byPath = new Map(manifest.entries.map((entry) => [entry.path, entry]));
    expect(byPath.get('data/a/b/file.txt')).toEqual({
      path: 'data/a/b/file.txt',
      type: 'file',
      mode: 0o644,
      uid: isRoot ? 1234 : process.getuid!(),
      gid: isRoot ? 5678 : process.getgid!(),
      mtime: expect.stringMatching(/^2020-09-13T12:26:40\.123456\d{3}Z$/),
      size: 15,
      sha256: createHash('sha256').update('hello, archive\n').digest('hex'),
    });
    expect(byPath.get('data/sub/hard-b')).toMatchObject({ type: 'hardlink', target: 'data/hard-a', size: 0 });
    expect(byPath.get('data/abs-link')).toMatchObject({ type: 'symlink', target: '/etc/hostname' });
    expect(byPath.get('data/dangling')).toMatchObject({ type: 'symlink', target: 'does/not/exist' });
    expect(byPath.get('data/sparse.img')).toMatchObject({ type: 'file', size: sparseSize, sparse: true });
    expect(byPath.get('data/big.bin')?.sparse).toBeUndefined();
    expect(byPath.get('data/setuid-tool')?.mode).toBe(0o4755);
    expect(byPath.get('data/shared')?.mode).toBe(0o1777);
    expect(byPath.get(`data/unicode/${nfc}`)).toBeDefined();
    expect(byPath.get(`data/unicode/${nfd}`)).toBeDefined();
    expect(manifest.totals).toEqual({
      entries: manifest.entries.length,
      bytes: manifest.entries.reduce((sum, entry) => sum + entry.size, 0),
      maxDepth: 6,
    });
    // Directories come before what they hold.
    const order = manifest.entries.map((entry) => entry.path);
    for (const [index, entry] of order.entries()) {
      const parent = entry.slice(0, entry.lastIndexOf('/'));
      if (parent) expect(order.indexOf(parent)).toBeLessThan(index);
    }
  });

  it('reports progress: scanning, then writing, up to the totals', () => {
    const phases = [...new Set(progress.map((report) => report.phase))];
    expect(phases).toEqual(['scan', 'write']);
    const last = progress.at(-1)!;
    expect(last).toEqual({ phase: 'write', bytesDone: manifest.totals.bytes, bytesTotal: manifest.totals.bytes, entriesDone: manifest.totals.entries, entriesTotal: manifest.totals.entries });
  });

  it('verifies against its manifest', async () => {
    const reports: ArchiveProgress[] = [];
    expect(await verifyArchive(file, { system: realSystem, passphrase, onProgress: (report) => reports.push(report) })).toEqual(manifest);
    expect(reports.at(-1)).toMatchObject({ phase: 'verify', bytesDone: manifest.totals.bytes, entriesDone: manifest.totals.entries });
  });

  it('restores the same tree: content, types, modes, owners, sub-second mtimes, links, hard links, holes', async () => {
    const target = path.join(work, `restored-${compression}-${encrypted}`);
    const result = await extractArchive(file, { system: realSystem, passphrase, targets: { data: target } });
    expect(result).toMatchObject({ prefixes: ['data'], entries: manifest.totals.entries, bytes: manifest.totals.bytes, setuidStripped: ['data/setuid-tool'] });
    expectSameTree(await describeTree(target), expectedTree({ keepSetuid: false }));
    // Written sparse again: two blocks of data, not 16 MiB.
    expect(await allocatedBytes(path.join(target, 'sparse.img'))).toBeLessThan(1024 * 1024);
    expect(readFileSync(path.join(target, longDir, longDir, longName), 'utf8')).toBe('long path\n');
    expect(readFileSync(path.join(target, 'unicode', nfd), 'utf8')).toBe('decomposed\n');
    removeDir(target);
  });
});

describe('restoring', () => {
  let file: string;

  beforeAll(async () => {
    file = path.join(work, 'two-prefixes.tar.zst');
    const state = path.join(work, 'state-source');
    mkdirSync(path.join(state, 'tls'), { recursive: true });
    writeFileSync(path.join(state, 'hearth.db'), 'not really sqlite');
    writeFileSync(path.join(state, 'tls/cert.pem'), 'CERT');
    await writeArchiveToFile(file, {
      system: realSystem,
      about,
      compression: 'zstd',
      sources: [
        { path: 'state/hearth.db', from: path.join(state, 'hearth.db') },
        { path: 'state/tls', from: path.join(state, 'tls') },
        { path: 'state/secret.key', from: path.join(state, 'secret.key'), optional: true },
        { path: 'data', from: source, exclude: [path.join(source, 'big.bin'), path.join(source, 'unicode')] },
      ],
      now: () => new Date('2026-05-01T10:00:00.000Z'),
    });
  });

  it('makes up the directory above nested sources, notes a missing optional one and the excluded paths', async () => {
    const { manifest } = await readManifest(file, { system: realSystem });
    expect(manifest.entries.slice(0, 4)).toEqual([
      { path: 'state', type: 'directory', mode: 0o700, uid: process.getuid!(), gid: process.getgid!(), mtime: '2026-05-01T10:00:00.000000000Z', size: 0 },
      expect.objectContaining({ path: 'state/hearth.db', type: 'file' }),
      expect.objectContaining({ path: 'state/tls', type: 'directory' }),
      expect.objectContaining({ path: 'state/tls/cert.pem', type: 'file' }),
    ]);
    expect(manifest.skipped).toEqual([
      { path: 'state/secret.key', reason: 'missing' },
      { path: 'data/big.bin', reason: 'excluded' },
      { path: 'data/unicode', reason: 'excluded' },
      { path: 'data/a/fifo', reason: 'fifo' },
      { path: 'data/a/socket', reason: 'socket' },
    ]);
  });

  it('extracts only the included prefixes, each into its own target', async () => {
    const targets = { state: path.join(work, 'only-state'), data: path.join(work, 'not-data') };
    const result = await extractArchive(file, { system: realSystem, targets, include: ['state'] });
    expect(result.prefixes).toEqual(['state']);
    expect(readFileSync(path.join(targets.state, 'tls/cert.pem'), 'utf8')).toBe('CERT');
    expect((await describeTree(targets.state)).map((record) => record.path)).toEqual(['', 'hearth.db', 'tls', 'tls/cert.pem']);
    expect(() => readFileSync(targets.data)).toThrow(/ENOENT/);
    removeDir(targets.state);
  });

  it('extracts into an existing empty directory, and refuses one that is not empty', async () => {
    const targets = { state: path.join(work, 'empty-state'), data: path.join(work, 'busy-data') };
    mkdirSync(targets.state);
    mkdirSync(targets.data);
    writeFileSync(path.join(targets.data, 'already-here'), 'x');
    await expect(extractArchive(file, { system: realSystem, targets })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_TARGET_NOT_EMPTY', params: { path: targets.data } });
    const result = await extractArchive(file, { system: realSystem, targets, include: ['state'] });
    expect(result.prefixes).toEqual(['state']);
    removeDir(targets.state);
    removeDir(targets.data);
  });

  it.skipIf(!isRoot)('keeps setuid bits only when asked to (as root)', async () => {
    const target = path.join(work, 'setuid-kept');
    const result = await extractArchive(file, { system: realSystem, targets: { state: path.join(work, 'setuid-state'), data: target }, keepSetuid: true });
    expect(result.setuidStripped).toEqual([]);
    expectSameTree(
      await describeTree(target),
      expectedTree({ keepSetuid: true }).filter((record) => !record.path.startsWith('big.bin') && !record.path.startsWith('unicode')),
    );
    removeDir(target);
    removeDir(path.join(work, 'setuid-state'));
  });
});
