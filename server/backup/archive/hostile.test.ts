import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync, utimesSync, writeFileSync, chmodSync, truncateSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { pipeProgram } from '../../system/run-program.js';
import type { ArchiveSystem } from './stages.js';
import { extractArchive, readManifest, verifyArchive, writeArchiveToFile, type Compression, type Manifest } from './index.js';
import { craftArchive, manifestFor, recordOf, tarBytes, ustarHeader, writeLayers, type CraftOptions, type RawEntry } from './testing/craft.js';
import { realSystem, removeDir, tempDir } from './testing/tree.js';

/*
 * Archives built by hand to attack the reader (docs: robustness.md §4.1, the node-tar
 * CVEs): each must be refused with its own error code by verifyArchive and by
 * extractArchive, and leave the target directories as they were and everything
 * outside them untouched.
 */

let work: string;
let outside: string;
let targetsDir: string;
let targets: { data: string; state: string };
const passwd = readFileSync('/etc/passwd');
const foundMtime = new Date('2025-06-01T00:00:00Z');

beforeAll(() => {
  work = tempDir();
  outside = path.join(work, 'outside');
  targetsDir = path.join(work, 'targets');
});

afterAll(() => removeDir(work));

beforeEach(() => {
  removeDir(outside);
  removeDir(targetsDir);
  mkdirSync(outside);
  writeFileSync(path.join(outside, 'sentinel.txt'), 'untouched\n');
  utimesSync(path.join(outside, 'sentinel.txt'), foundMtime, foundMtime);
  mkdirSync(targetsDir);
  targets = { data: path.join(targetsDir, 'data'), state: path.join(targetsDir, 'state') };
  // One target exists (empty, its own mode and mtime), the other is to be made.
  mkdirSync(targets.data, { mode: 0o750 });
  chmodSync(targets.data, 0o750);
  utimesSync(targets.data, foundMtime, foundMtime);
});

function expectUntouched() {
  expect(readdirSync(targetsDir)).toEqual(['data']);
  expect(readdirSync(targets.data)).toEqual([]);
  const found = statSync(targets.data);
  expect(found.mode & 0o7777).toBe(0o750);
  expect(found.mtime).toEqual(foundMtime);
  expect(readdirSync(outside)).toEqual(['sentinel.txt']);
  expect(readFileSync(path.join(outside, 'sentinel.txt'), 'utf8')).toBe('untouched\n');
  expect(statSync(path.join(outside, 'sentinel.txt')).mtime).toEqual(foundMtime);
  expect(readFileSync('/etc/passwd')).toEqual(passwd);
}

async function expectRefused(file: string, code: string, params?: Record<string, unknown>, passphrase?: string) {
  const match = params ? { code, params: expect.objectContaining(params) } : { code };
  await expect(verifyArchive(file, { system: realSystem, passphrase }), 'verify').rejects.toMatchObject(match);
  await expect(extractArchive(file, { system: realSystem, passphrase, targets }), 'extract').rejects.toMatchObject(match);
  expectUntouched();
}

const dir = (name: string, extra: Partial<RawEntry> = {}): RawEntry => ({ name, type: 'directory', ...extra });
const file = (name: string, body: string, extra: Partial<RawEntry> = {}): RawEntry => ({ name, body, ...extra });
const symlink = (name: string, linkname: string): RawEntry => ({ name, type: 'symlink', linkname });
const hardlink = (name: string, linkname: string): RawEntry => ({ name, type: 'link', linkname });

/** A manifest that tells the truth about `listed`, whatever the tar holds. */
const lyingAbout = (listed: RawEntry[]) => manifestFor(listed);

interface Case {
  name: string;
  entries: RawEntry[];
  options?: (entries: RawEntry[]) => CraftOptions;
  code: string;
  params?: Record<string, unknown>;
}

const goodFiles = [dir('data'), file('data/first.txt', 'written before the problem is found\n'), dir('data/sub'), file('data/sub/second.txt', 'also written\n')];

const cases: Case[] = [
  // Names.
  { name: 'an absolute path', entries: [dir('data'), file('/tmp/escape', 'x')], code: 'HEARTH_ERR_ARCHIVE_ABSOLUTE_PATH' },
  { name: 'an absolute path with many slashes (CVE-2021-32804)', entries: [dir('data'), file('////etc/escape', 'x')], code: 'HEARTH_ERR_ARCHIVE_ABSOLUTE_PATH' },
  {
    name: 'an absolute path in the tar header only',
    entries: [dir('data'), file('/tmp/escape', 'x')],
    options: () => ({ manifest: lyingAbout([dir('data'), file('data/escape', 'x')]) }),
    code: 'HEARTH_ERR_ARCHIVE_ABSOLUTE_PATH',
  },
  { name: 'a ../ escape', entries: [dir('data'), file('../outside/escape', 'x')], code: 'HEARTH_ERR_ARCHIVE_PATH_TRAVERSAL' },
  { name: 'a/../../x', entries: [dir('data'), file('data/a/../../outside/escape', 'x')], code: 'HEARTH_ERR_ARCHIVE_PATH_TRAVERSAL' },
  {
    name: 'a ../ escape in the tar header only',
    entries: [...goodFiles, file('data/../../outside/sentinel.txt', 'overwritten')],
    options: () => ({ manifest: lyingAbout([...goodFiles, file('data/sentinel.txt', 'overwritten')]) }),
    code: 'HEARTH_ERR_ARCHIVE_PATH_TRAVERSAL',
  },
  { name: 'backslash separators (CVE-2021-37701)', entries: [dir('data'), file('data\\..\\..\\outside\\escape', 'x')], code: 'HEARTH_ERR_ARCHIVE_UNSAFE_NAME', params: { reason: 'backslash' } },
  { name: 'a NUL in a name', entries: [dir('data'), file('data/evil', 'x', { pax: { path: 'data/evil\0.txt' } })], code: 'HEARTH_ERR_ARCHIVE_UNSAFE_NAME', params: { reason: 'NUL' } },
  { name: 'a "." component', entries: [dir('data'), file('data/./x', 'x')], code: 'HEARTH_ERR_ARCHIVE_UNSAFE_NAME', params: { reason: '"." component' } },
  { name: 'an empty component', entries: [dir('data'), file('data//x', 'x')], code: 'HEARTH_ERR_ARCHIVE_UNSAFE_NAME', params: { reason: 'empty component' } },
  {
    name: 'a header spelled differently from the manifest (NFD vs NFC)',
    entries: [dir('data'), file('data/cafe\u0301', 'x')],
    options: () => ({ manifest: lyingAbout([dir('data'), file('data/caf\u00e9', 'x')]) }),
    code: 'HEARTH_ERR_ARCHIVE_UNLISTED_ENTRY',
    params: { path: 'data/cafe\u0301' },
  },
  { name: 'a second manifest.json', entries: [dir('data'), file('manifest.json', '{}')], code: 'HEARTH_ERR_ARCHIVE_UNSAFE_NAME', params: { reason: 'reserved' } },
  { name: 'a top-level file where a prefix directory goes', entries: [file('data', 'x')], code: 'HEARTH_ERR_ARCHIVE_PATH_CONFLICT', params: { path: 'data' } },
  // Links (CVE-2021-32803, CVE-2026-23745, CVE-2026-24842).
  {
    name: 'a symlink, then a file of the same name',
    entries: [dir('data'), symlink('data/link', '../../outside/sentinel.txt'), file('data/link', 'overwritten')],
    code: 'HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY',
    params: { path: 'data/link' },
  },
  {
    name: 'a symlink, then a file of the same name (listed once)',
    entries: [dir('data'), symlink('data/link', '../../outside/sentinel.txt'), file('data/link', 'overwritten')],
    options: () => ({ manifest: lyingAbout([dir('data'), symlink('data/link', '../../outside/sentinel.txt')]) }),
    code: 'HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY',
    params: { path: 'data/link' },
  },
  {
    name: 'a symlink to a directory outside, then a file through it',
    entries: [dir('data'), symlink('data/link', '../../outside'), file('data/link/planted', 'x')],
    code: 'HEARTH_ERR_ARCHIVE_PATH_CONFLICT',
    params: { path: 'data/link/planted' },
  },
  {
    name: 'a symlink listed as a directory, then a file through it',
    entries: [dir('data'), symlink('data/link', '../../outside'), file('data/link/planted', 'x')],
    options: () => ({ manifest: lyingAbout([dir('data'), dir('data/link'), file('data/link/planted', 'x')]) }),
    code: 'HEARTH_ERR_ARCHIVE_ENTRY_MISMATCH',
    params: { path: 'data/link', field: 'type' },
  },
  {
    name: 'a directory, then a symlink of the same name, then a file through it',
    entries: [dir('data'), dir('data/x'), symlink('data/x', outsidePath()), file('data/x/planted', 'x')],
    code: 'HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY',
    params: { path: 'data/x' },
  },
  { name: 'a hard link to /etc/passwd', entries: [dir('data'), hardlink('data/passwd', '/etc/passwd')], code: 'HEARTH_ERR_ARCHIVE_BAD_HARDLINK', params: { target: '/etc/passwd' } },
  { name: 'a hard link climbing out', entries: [dir('data'), hardlink('data/passwd', '../../../../etc/passwd')], code: 'HEARTH_ERR_ARCHIVE_BAD_HARDLINK' },
  { name: 'a hard link to a later entry', entries: [dir('data'), hardlink('data/early', 'data/late'), file('data/late', 'x')], code: 'HEARTH_ERR_ARCHIVE_BAD_HARDLINK' },
  {
    name: 'a hard link to a later entry (listed in the right order)',
    entries: [dir('data'), hardlink('data/early', 'data/late'), file('data/late', 'x')],
    options: () => ({ manifest: lyingAbout([dir('data'), file('data/late', 'x'), hardlink('data/early', 'data/late')]) }),
    code: 'HEARTH_ERR_ARCHIVE_BAD_HARDLINK',
    params: { path: 'data/early' },
  },
  { name: 'a hard link to a symlink', entries: [dir('data'), symlink('data/s', '/etc/passwd'), hardlink('data/h', 'data/s')], code: 'HEARTH_ERR_ARCHIVE_BAD_HARDLINK' },
  { name: 'a hard link to a directory', entries: [dir('data'), dir('data/d'), hardlink('data/h', 'data/d')], code: 'HEARTH_ERR_ARCHIVE_BAD_HARDLINK' },
  { name: 'a hard link into another prefix', entries: [dir('data'), file('data/f', 'x'), dir('state'), hardlink('state/h', 'data/f')], code: 'HEARTH_ERR_ARCHIVE_BAD_HARDLINK' },
  // Special files.
  { name: 'a character device', entries: [dir('data'), { name: 'data/null', type: 'character-device' }], code: 'HEARTH_ERR_ARCHIVE_SPECIAL_ENTRY', params: { type: 'character-device' } },
  { name: 'a block device', entries: [dir('data'), { name: 'data/sda', type: 'block-device' }], code: 'HEARTH_ERR_ARCHIVE_SPECIAL_ENTRY', params: { type: 'block-device' } },
  { name: 'a FIFO', entries: [dir('data'), { name: 'data/fifo', type: 'fifo' }], code: 'HEARTH_ERR_ARCHIVE_SPECIAL_ENTRY', params: { type: 'fifo' } },
  {
    name: 'a device listed as a file',
    entries: [...goodFiles, { name: 'data/null', type: 'character-device' }],
    options: () => ({ manifest: lyingAbout([...goodFiles, file('data/null', '')]) }),
    code: 'HEARTH_ERR_ARCHIVE_SPECIAL_ENTRY',
    params: { path: 'data/null', type: 'character-device' },
  },
  // The tar does not match its manifest.
  {
    name: 'an entry the manifest does not list',
    entries: [...goodFiles, file('data/extra', 'x')],
    options: () => ({ manifest: lyingAbout(goodFiles) }),
    code: 'HEARTH_ERR_ARCHIVE_UNLISTED_ENTRY',
    params: { path: 'data/extra' },
  },
  {
    name: 'an entry twice',
    entries: [...goodFiles, file('data/first.txt', 'again')],
    options: () => ({ manifest: lyingAbout(goodFiles) }),
    code: 'HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY',
    params: { path: 'data/first.txt' },
  },
  {
    name: 'an entry the tar lacks',
    entries: goodFiles,
    options: () => ({ manifest: lyingAbout([...goodFiles, file('data/promised', 'x')]) }),
    code: 'HEARTH_ERR_ARCHIVE_MISSING_ENTRY',
    params: { path: 'data/promised' },
  },
  { name: 'the manifest not first', entries: goodFiles, options: () => ({ manifestLast: true }), code: 'HEARTH_ERR_ARCHIVE_NOT_HEARTH' },
  { name: 'no manifest', entries: goodFiles, options: () => ({ manifest: null }), code: 'HEARTH_ERR_ARCHIVE_NOT_HEARTH' },
  { name: 'a manifest of another program', entries: goodFiles, options: () => ({ manifest: '{"format":"something-else"}' }), code: 'HEARTH_ERR_ARCHIVE_NOT_HEARTH' },
  {
    name: 'a newer format version',
    entries: goodFiles,
    options: (entries) => ({ manifest: manifestFor(entries, { formatVersion: 2 }) }),
    code: 'HEARTH_ERR_ARCHIVE_TOO_NEW',
    params: { found: 2, supported: 1 },
  },
  {
    name: 'totals that do not add up',
    entries: goodFiles,
    options: (entries) => ({ manifest: { ...manifestFor(entries), totals: { entries: 4, bytes: 1, maxDepth: 3 } } }),
    code: 'HEARTH_ERR_ARCHIVE_MANIFEST_INVALID',
    params: { reason: 'totals.bytes' },
  },
  {
    name: 'a wrong sha256',
    entries: [...goodFiles, file('data/tampered', 'evil content\n')],
    options: () => ({ manifest: lyingAbout([...goodFiles, file('data/tampered', 'good content\n')]) }),
    code: 'HEARTH_ERR_ARCHIVE_CORRUPT',
    params: { layer: 'sha256', path: 'data/tampered' },
  },
  {
    name: 'a size in the header other than the manifest’s',
    entries: [...goodFiles, file('data/grown', 'x'.repeat(5000))],
    options: () => ({ manifest: lyingAbout([...goodFiles, file('data/grown', 'x'.repeat(50))]) }),
    code: 'HEARTH_ERR_ARCHIVE_ENTRY_MISMATCH',
    params: { path: 'data/grown', field: 'size' },
  },
  {
    name: 'a mode in the header other than the manifest’s',
    entries: [...goodFiles, file('data/tool', 'x', { mode: 0o4755 })],
    options: () => ({ manifest: lyingAbout([...goodFiles, file('data/tool', 'x', { mode: 0o644 })]) }),
    code: 'HEARTH_ERR_ARCHIVE_ENTRY_MISMATCH',
    params: { path: 'data/tool', field: 'mode' },
  },
  {
    name: 'a symlink target other than the manifest’s',
    entries: [...goodFiles, symlink('data/link', '/etc/shadow')],
    options: () => ({ manifest: lyingAbout([...goodFiles, symlink('data/link', 'first.txt')]) }),
    code: 'HEARTH_ERR_ARCHIVE_ENTRY_MISMATCH',
    params: { path: 'data/link', field: 'target' },
  },
];

function outsidePath() {
  return path.join(process.env.TMPDIR ?? '/tmp', 'hearth-archive-outside');
}

describe('a hostile archive is refused with its own error, and nothing is touched', () => {
  it.each(cases)('$name: $code', async ({ entries, options, code, params }) => {
    const archive = path.join(work, 'hostile.tar');
    await craftArchive(archive, entries, options?.(entries));
    await expectRefused(archive, code, params);
  });

  it('refuses the same through gzip, zstd and age', async () => {
    const entries = [dir('data'), symlink('data/link', '../../outside'), file('data/link/planted', 'x')];
    for (const layers of [{ compression: 'gzip' as Compression }, { compression: 'zstd' as Compression }, { compression: 'zstd' as Compression, passphrase: 'pw' }]) {
      const archive = path.join(work, 'hostile-layered');
      await craftArchive(archive, entries, layers);
      await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_PATH_CONFLICT', { path: 'data/link/planted' }, layers.passphrase);
    }
  });

  it('refuses a file that is not an archive at all, and a tar without a manifest', async () => {
    const archive = path.join(work, 'random.bin');
    writeFileSync(archive, createHash('sha512').update('noise').digest());
    await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_NOT_HEARTH');
    writeFileSync(path.join(work, 'some-file'), 'x');
    execFileSync('tar', ['-C', work, '-cf', archive, 'some-file']);
    await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_NOT_HEARTH');
    writeFileSync(archive, '');
    await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_NOT_HEARTH');
  });
});

describe('limits', () => {
  const limitsCase = async (entries: RawEntry[], limits: Parameters<typeof extractArchive>[1]['limits'], params: Record<string, unknown>) => {
    const archive = path.join(work, 'big.tar');
    await craftArchive(archive, entries);
    await expect(verifyArchive(archive, { system: realSystem, limits })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_LIMIT', params });
    await expect(extractArchive(archive, { system: realSystem, targets, limits })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_LIMIT', params });
    expectUntouched();
  };

  it('refuses more entries than allowed before reading any (100 000 over a limit of 50 000)', async () => {
    // Written as bare headers: a tar of 100 000 empty files, with its honest manifest.
    const names = Array.from({ length: 100_000 }, (_, i) => `data/f${i}`);
    const records = [recordOf(dir('data')), ...names.map((name) => ({ ...recordOf(file(name, '')), mtime: '2026-01-02T03:04:05.000000000Z' }))];
    const manifest = { ...manifestFor([]), entries: records, totals: { entries: records.length, bytes: 0, maxDepth: 2 } };
    const head = await tarBytes([dir('data')], { manifest });
    const archive = path.join(work, 'many.tar');
    const body = Buffer.concat(names.map((name) => ustarHeader(name, 0)));
    writeFileSync(archive, Buffer.concat([head.subarray(0, head.length - 1024), body, Buffer.alloc(1024)]));
    await expect(verifyArchive(archive, { system: realSystem, limits: { maxEntries: 50_000 } })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_LIMIT', params: { what: 'entries', limit: 50_000 } });
    await expect(extractArchive(archive, { system: realSystem, targets, limits: { maxEntries: 50_000 } })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_LIMIT' });
    expectUntouched();
    // Within the limit the same archive is fine: the refusal was the limit's, not the archive's.
    expect((await readManifest(archive, { system: realSystem, limits: { maxEntries: 200_000 } })).manifest.totals.entries).toBe(100_001);
  });

  it('refuses a tree deeper than the default limit of 256', async () => {
    const entries: RawEntry[] = [];
    let name = 'data';
    for (let depth = 1; depth <= 300; depth += 1) {
      entries.push(dir(name));
      name += '/d';
    }
    await limitsCase(entries, undefined, { what: 'depth', limit: 256 });
  });

  it('refuses more bytes than allowed', async () => {
    await limitsCase([...goodFiles, file('data/big', 'x'.repeat(10_000))], { maxBytes: 5_000 }, { what: 'bytes', limit: 5_000 });
  });
});

describe('a decompression bomb (4 GiB of zeros in a few hundred KiB of zstd)', () => {
  const bombSize = 4 * 1024 ** 3;
  let zeroFrames: Buffer;
  let produced = 0;
  // The real zstd, counting what it decompresses.
  const counting: ArchiveSystem = {
    pipeThrough(argv, options) {
      const program = pipeProgram(argv, options);
      program.stdout.on('data', (chunk: Buffer) => (produced += chunk.length));
      return program;
    },
  };
  const zstd = (data: Buffer) => execFileSync('zstd', ['-q', '-c', '-19'], { input: data, maxBuffer: 64 * 1024 ** 2 });

  beforeAll(() => {
    // 64 frames of 64 MiB of zeros each: zstd frames concatenate into one stream.
    const frame = zstd(Buffer.alloc(64 * 1024 ** 2));
    zeroFrames = Buffer.concat(Array.from({ length: 64 }, () => frame));
    expect(zeroFrames.length).toBeLessThan(1024 ** 2);
  });

  beforeEach(() => {
    produced = 0;
  });

  /** The manifest and `entries`, without the end-of-archive blocks, then what follows. */
  async function bomb(manifest: Manifest, entries: RawEntry[], after: Buffer[]): Promise<string> {
    const head = await tarBytes(entries, { manifest });
    const archive = path.join(work, 'bomb.tar.zst');
    writeFileSync(archive, Buffer.concat([zstd(head.subarray(0, head.length - 1024)), ...after]));
    return archive;
  }

  const zeros = { ...recordOf(file('data/zeros', '')), size: bombSize, sha256: '0'.repeat(64) };

  it('is refused from its honest manifest when it exceeds the byte limit, before any of it is inflated', async () => {
    const manifest = { ...manifestFor([dir('data')]), entries: [recordOf(dir('data')), zeros], totals: { entries: 2, bytes: bombSize, maxDepth: 2 } };
    const archive = await bomb(manifest, [dir('data')], [zstd(ustarHeader('data/zeros', bombSize)), zeroFrames]);
    await expect(extractArchive(archive, { system: counting, targets, limits: { maxBytes: 1024 ** 3 } })).rejects.toMatchObject({
      code: 'HEARTH_ERR_ARCHIVE_LIMIT',
      params: { what: 'bytes', limit: 1024 ** 3 },
    });
    expect(produced).toBeLessThan(16 * 1024 ** 2);
    expectUntouched();
  });

  it('is refused at its header when the manifest understates it', async () => {
    const manifest = manifestFor([dir('data'), file('data/zeros', 'small')]);
    const archive = await bomb(manifest, [dir('data')], [zstd(ustarHeader('data/zeros', bombSize)), zeroFrames]);
    await expect(extractArchive(archive, { system: counting, targets })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_ENTRY_MISMATCH', params: { path: 'data/zeros', field: 'size' } });
    expect(produced).toBeLessThan(16 * 1024 ** 2);
    expectUntouched();
  });

  it('is stopped within a chunk of the cap when the zeros hide between entries', async () => {
    const entries = [dir('data'), file('data/small', 'small')];
    const head = await tarBytes(entries, { manifest: manifestFor(entries) });
    const archive = path.join(work, 'bomb.tar.zst');
    // The whole small archive minus its end blocks, then 4 GiB of zero blocks, which tar reads as nothing.
    writeFileSync(archive, Buffer.concat([zstd(head.subarray(0, head.length - 1024)), zeroFrames]));
    await expect(verifyArchive(archive, { system: counting })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_LIMIT', params: { what: 'bytes' } });
    expect(produced).toBeLessThan(16 * 1024 ** 2);
    produced = 0;
    await expect(extractArchive(archive, { system: counting, targets })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_LIMIT' });
    expect(produced).toBeLessThan(16 * 1024 ** 2);
    expectUntouched();
  });
});

describe('damaged archives', () => {
  let source: string;

  beforeAll(() => {
    source = path.join(work, 'damage-source');
    mkdirSync(path.join(source, 'sub'), { recursive: true });
    writeFileSync(path.join(source, 'early.txt'), 'extracted before the damage\n');
    // 512 KiB that do not compress, so that the middle of the archive is the middle of this file in every layer.
    writeFileSync(path.join(source, 'sub/noise.bin'), Buffer.concat(Array.from({ length: 8192 }, (_, i) => createHash('sha512').update(String(i)).digest())));
  });

  const layers: Array<{ compression: Compression; passphrase?: string; layer: string }> = [
    { compression: 'none', layer: 'tar' },
    { compression: 'gzip', layer: 'gzip' },
    { compression: 'zstd', layer: 'zstd' },
    { compression: 'none', passphrase: 'pw', layer: 'age' },
    { compression: 'zstd', passphrase: 'pw', layer: 'age' },
  ];

  async function archiveOf(compression: Compression, passphrase?: string): Promise<string> {
    const archive = path.join(work, `damage.${compression}.${passphrase ? 'age' : 'plain'}`);
    removeDir(archive);
    await writeArchiveToFile(archive, { system: realSystem, about: { appVersion: '0.1.0', schemaVersion: 1, board: null, hostname: 'box', data: true }, sources: [{ path: 'data', from: source }], compression, passphrase, scryptWorkFactor: 10 });
    return archive;
  }

  it.each(layers)('a $compression archive (encrypted: $passphrase) cut in the middle is TRUNCATED in layer $layer', async ({ compression, passphrase, layer }) => {
    const archive = await archiveOf(compression, passphrase);
    truncateSync(archive, Math.floor(statSync(archive).size * 0.6));
    await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_TRUNCATED', { layer }, passphrase);
  });

  it.each(layers)('a $compression archive (encrypted: $passphrase) with a flipped byte is CORRUPT', async ({ compression, passphrase, layer }) => {
    const archive = await archiveOf(compression, passphrase);
    const bytes = readFileSync(archive);
    bytes[Math.floor(bytes.length * 0.6)]! ^= 0x55;
    writeFileSync(archive, bytes);
    // In a plain tar the flipped byte is file content: only its sha256 can tell.
    await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_CORRUPT', { layer: layer === 'tar' ? 'sha256' : layer }, passphrase);
  });

  it('a plain tar cut between entries lacks its end-of-archive blocks: TRUNCATED', async () => {
    const archive = await archiveOf('none');
    truncateSync(archive, statSync(archive).size - 1024);
    await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_TRUNCATED', { layer: 'tar' });
  });

  it('an encrypted archive needs its passphrase, and the right one', async () => {
    const archive = await archiveOf('zstd', 'the right one');
    await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_PASSPHRASE_REQUIRED');
    await expectRefused(archive, 'HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE', undefined, 'a wrong one');
    await expect(readManifest(archive, { system: realSystem, passphrase: 'a wrong one' })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE' });
  });

  it('reading the manifest stops at the first entry: it works on an archive cut after it', async () => {
    const archive = await archiveOf('zstd');
    truncateSync(archive, Math.floor(statSync(archive).size * 0.6));
    expect((await readManifest(archive, { system: realSystem })).manifest.entries.map((entry) => entry.path)).toEqual(['data', 'data/early.txt', 'data/sub', 'data/sub/noise.bin']);
  });
});

describe('a layered archive crafted by hand (writeLayers) round-trips', () => {
  it('so the hostile cases above are refused for their content, not their wrapping', async () => {
    const archive = path.join(work, 'crafted-ok.tar.zst');
    await writeLayers(archive, await tarBytes(goodFiles), { compression: 'zstd', passphrase: 'pw' });
    await extractArchive(archive, { system: realSystem, passphrase: 'pw', targets });
    expect(readFileSync(path.join(targets.data, 'sub/second.txt'), 'utf8')).toBe('also written\n');
  });
});
