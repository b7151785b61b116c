import { execFileSync } from 'node:child_process';
import { appendFileSync, closeSync, linkSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { pipeProgram } from '../../system/run-program.js';
import { extractArchive, readManifest, scanSources, verifyArchive, writeArchive, writeArchiveToFile, type WriteArchiveOptions } from './index.js';
import { formatMtime, parseMtime, parsePaxTime, paxTime } from './manifest.js';
import type { ArchiveSystem } from './stages.js';
import { describeTree, realSystem, removeDir, tempDir } from './testing/tree.js';

const about = { appVersion: '0.1.0', schemaVersion: 1, board: null, hostname: 'box', data: true };
const work = tempDir();
let source: string;
let out: string;

afterAll(() => removeDir(work));

beforeEach(() => {
  source = path.join(work, 'source');
  out = path.join(work, 'out');
  removeDir(source);
  removeDir(out);
  mkdirSync(path.join(source, 'sub'), { recursive: true });
  mkdirSync(out);
  writeFileSync(path.join(source, 'a.txt'), 'first version\n');
  writeFileSync(path.join(source, 'sub/b.txt'), 'bee\n');
});

const options = (extra: Partial<WriteArchiveOptions> = {}): WriteArchiveOptions => ({ system: realSystem, about, compression: 'zstd', sources: [{ path: 'data', from: source }], ...extra });

/** Nothing in the output directory: neither the archive nor its .partial. */
const expectNoArchive = () => expect(readdirSync(out)).toEqual([]);

describe('a source that changes between the two passes fails the backup, naming the file', () => {
  const changes: Array<[string, (file: string) => void]> = [
    ['grown', (file) => appendFileSync(file, 'more\n')],
    ['rewritten to the same size, its mtime put back', (file) => {
      const before = statSync(file);
      writeFileSync(file, Buffer.alloc(before.size, 0x41));
      utimesSync(file, before.atime, before.mtime);
    }],
    ['deleted', (file) => rmSync(file)],
    ['replaced by a symlink', (file) => {
      rmSync(file);
      symlinkSync('/etc/passwd', file);
    }],
    ['replaced by a FIFO (which must not block the backup)', (file) => {
      rmSync(file);
      execFileSync('mkfifo', [file]);
    }],
  ];

  // A small file is read ahead whole; a large one (over 1 MiB) is streamed: both are checked.
  const cases = changes.flatMap(([name, change]) => [
    [`${name} (small file)`, 'a.txt', change] as const,
    [`${name} (large file)`, 'large.bin', change] as const,
  ]);

  it.each(cases)('%s', async (_name, name, change) => {
    writeFileSync(path.join(source, 'large.bin'), Buffer.alloc(3 * 1024 * 1024, 1));
    const scan = await scanSources([{ path: 'data', from: source }]);
    change(path.join(source, name));
    await expect(writeArchiveToFile(path.join(out, 'backup.tar.zst'), options({ scan }))).rejects.toMatchObject({
      code: 'HEARTH_ERR_ARCHIVE_SOURCE_CHANGED',
      params: { path: path.join(source, name) },
    });
    expectNoArchive();
  });

  it('written to while it is being read into the archive', async () => {
    const large = path.join(source, 'large.bin');
    writeFileSync(large, Buffer.alloc(3 * 1024 * 1024, 1));
    let passed = 0;
    // zstd's input is watched: once 1 MiB of the tar went in, large.bin is half read; change its end.
    const meddling: ArchiveSystem = {
      pipeThrough(argv, opts) {
        const program = pipeProgram(argv, opts);
        const write = program.stdin.write.bind(program.stdin) as (chunk: Buffer, callback?: (error?: Error | null) => void) => boolean;
        program.stdin.write = ((chunk: Buffer, callback?: (error?: Error | null) => void) => {
          if (passed < 1024 * 1024 && (passed += chunk.length) >= 1024 * 1024) {
            const fd = openSync(large, 'r+');
            writeSync(fd, Buffer.from('changed'), 0, 7, 3 * 1024 * 1024 - 7);
            closeSync(fd);
          }
          return write(chunk, callback);
        }) as typeof program.stdin.write;
        return program;
      },
    };
    await expect(writeArchiveToFile(path.join(out, 'backup.tar.zst'), options({ system: meddling }))).rejects.toMatchObject({
      code: 'HEARTH_ERR_ARCHIVE_SOURCE_CHANGED',
      params: { path: large },
    });
    expect(passed).toBeGreaterThanOrEqual(1024 * 1024);
    expectNoArchive();
  });

  it('but not one that was only read (its atime may change, not its ctime)', async () => {
    const scan = await scanSources([{ path: 'data', from: source }]);
    readFileSync(path.join(source, 'a.txt'));
    await writeArchiveToFile(path.join(out, 'backup.tar.zst'), options({ scan }));
    expect(readdirSync(out)).toEqual(['backup.tar.zst']);
  });
});

describe('writeArchiveToFile', () => {
  it('writes <file>.partial, then renames it: the file appears complete or not at all', async () => {
    const file = path.join(out, 'backup.tar.zst');
    const seen: string[][] = [];
    await writeArchiveToFile(file, options({ onProgress: (progress) => progress.phase === 'write' && seen.push(readdirSync(out)) }));
    expect(seen[0]).toEqual(['backup.tar.zst.partial']);
    expect(readdirSync(out)).toEqual(['backup.tar.zst']);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('never overwrites a partial file it did not make', async () => {
    writeFileSync(path.join(out, 'backup.tar.zst.partial'), 'another writer');
    await expect(writeArchiveToFile(path.join(out, 'backup.tar.zst'), options())).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readdirSync(out)).toEqual(['backup.tar.zst.partial']);
  });

  it('removes the partial file when zstd is missing or fails', async () => {
    const missing: ArchiveSystem = { pipeThrough: (argv, opts) => pipeProgram(['hearth-no-such-program', ...argv.slice(1)], opts) };
    await expect(writeArchiveToFile(path.join(out, 'backup.tar.zst'), options({ system: missing }))).rejects.toMatchObject({
      code: 'HEARTH_ERR_PROGRAM_NOT_FOUND',
      params: { program: 'zstd' },
    });
    expectNoArchive();
    const failing: ArchiveSystem = { pipeThrough: (_argv, opts) => pipeProgram(['sh', '-c', 'cat >/dev/null; echo "zstd: error 70 : Write error" >&2; exit 70'], opts) };
    await expect(writeArchiveToFile(path.join(out, 'backup.tar.zst'), options({ system: failing }))).rejects.toMatchObject({
      code: 'HEARTH_ERR_PROGRAM_FAILED',
      params: { program: 'zstd', code: 70 },
    });
    expectNoArchive();
  });

  it('stops when aborted, kills zstd and removes the partial file', async () => {
    const big = path.join(source, 'big.bin');
    writeFileSync(big, Buffer.alloc(32 * 1024 * 1024, 7));
    const controller = new AbortController();
    let killed: Promise<unknown> | undefined;
    const watched: ArchiveSystem = {
      pipeThrough(argv, opts) {
        const program = pipeProgram(argv, opts);
        killed = program.done;
        // Aborted while the tar is streaming into zstd.
        setImmediate(() => controller.abort());
        return program;
      },
    };
    const writing = writeArchiveToFile(path.join(out, 'backup.tar.zst'), options({ system: watched, signal: controller.signal }));
    await expect(writing).rejects.toMatchObject({ name: 'AbortError' });
    expect(await killed).toMatchObject({ signal: 'SIGKILL' });
    expectNoArchive();
  });
});

describe('writeArchive', () => {
  it('writes to the stream it is given and counts the bytes', async () => {
    const chunks: Buffer[] = [];
    const sink = new PassThrough();
    sink.on('data', (chunk: Buffer) => chunks.push(chunk));
    const result = await writeArchive(sink, options({ compression: 'gzip' }));
    expect(result.bytesWritten).toBe(Buffer.concat(chunks).length);
    expect([...Buffer.concat(chunks).subarray(0, 2)]).toEqual([0x1f, 0x8b]);
    expect(result.manifest.entries.map((entry) => entry.path)).toEqual(['data', 'data/a.txt', 'data/sub', 'data/sub/b.txt']);
  });

  it('refuses levels a small board could not decompress, and an empty passphrase', async () => {
    await expect(writeArchive(new PassThrough(), options({ compression: 'zstd', level: 20 }))).rejects.toThrow(RangeError);
    await expect(writeArchive(new PassThrough(), options({ compression: 'gzip', level: 0 }))).rejects.toThrow(RangeError);
    await expect(writeArchive(new PassThrough(), options({ passphrase: '' }))).rejects.toThrow(RangeError);
    const none = await writeArchive(new PassThrough().resume(), options({ compression: 'none', level: 19 }));
    expect(none.manifest.options).toMatchObject({ compression: 'none', level: null });
  });
});

describe('scanning', () => {
  it('reports what it cannot archive: names that are not UTF-8 or hold a backslash', async () => {
    writeFileSync(Buffer.concat([Buffer.from(path.join(source, 'latin1-')), Buffer.from([0xe9, 0x74, 0xe9])]), 'été in Latin-1');
    writeFileSync(path.join(source, 'back\\slash'), 'x');
    const scan = await scanSources([{ path: 'data', from: source }]);
    expect(scan.skipped).toEqual([
      { path: 'data/back\\slash', reason: 'unsafe-name' },
      { path: 'data/latin1-\ufffdt\ufffd', reason: 'name-not-utf8' },
    ]);
    expect(scan.entries.map((entry) => entry.path)).toEqual(['data', 'data/a.txt', 'data/sub', 'data/sub/b.txt']);
  });

  it('finds hard links within one source only: each prefix may be restored to another filesystem', async () => {
    const other = path.join(work, 'other');
    removeDir(other);
    mkdirSync(other);
    linkSync(path.join(source, 'a.txt'), path.join(source, 'sub/a-again.txt'));
    linkSync(path.join(source, 'a.txt'), path.join(other, 'a-elsewhere.txt'));
    const scan = await scanSources([
      { path: 'data', from: source },
      { path: 'config', from: other },
    ]);
    const byPath = new Map(scan.entries.map((entry) => [entry.path, entry]));
    expect(byPath.get('data/sub/a-again.txt')).toMatchObject({ type: 'hardlink', target: 'data/a.txt' });
    expect(byPath.get('config/a-elsewhere.txt')).toMatchObject({ type: 'file', size: 14 });
  });

  it('refuses a missing source unless it is optional, and two sources for one path', async () => {
    await expect(scanSources([{ path: 'data', from: path.join(work, 'nowhere') }])).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_SOURCE_MISSING' });
    expect((await scanSources([{ path: 'data', from: path.join(work, 'nowhere'), optional: true }])).skipped).toEqual([{ path: 'data', reason: 'missing' }]);
    await expect(scanSources([{ path: 'data', from: source }, { path: 'data/sub', from: source }])).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_DUPLICATE_ENTRY', params: { path: 'data/sub' } });
  });

  it('keeps mtimes before 1970 and far in the future', async () => {
    // Node turns a negative number of seconds into "now": a Date it must be.
    utimesSync(path.join(source, 'a.txt'), new Date(-86_400_250), new Date(-86_400_250));
    utimesSync(path.join(source, 'sub/b.txt'), 4_102_444_800.5, 4_102_444_800.5);
    const file = path.join(out, 'times.tar');
    const { manifest } = await writeArchiveToFile(file, options({ compression: 'none' }));
    expect(manifest.entries.find((entry) => entry.path === 'data/a.txt')?.mtime).toBe('1969-12-30T23:59:59.750000000Z');
    expect(manifest.entries.find((entry) => entry.path === 'data/sub/b.txt')?.mtime).toBe('2100-01-01T00:00:00.500000000Z');
    await verifyArchive(file, { system: realSystem });
    const target = path.join(work, 'times-restored');
    removeDir(target);
    await extractArchive(file, { system: realSystem, targets: { data: target } });
    const restored = new Map((await describeTree(target)).map((record) => [record.path, record.mtimeUs]));
    expect(restored.get('a.txt')).toBe(-86_400_250_000);
    expect(restored.get('sub/b.txt')).toBe(4_102_444_800_500_000);
    expect((await readManifest(file, { system: realSystem })).manifest).toEqual(manifest);
  });
});

describe('time formats', () => {
  it('convert between nanoseconds, the manifest and pax without loss', () => {
    for (const ns of [0n, 1n, 1_795_887_048_123_456_789n, -1n, -86_400_250_000_000n, 253_402_300_799_999_999_999n]) {
      expect(parseMtime(formatMtime(ns))).toBe(ns);
      expect(parsePaxTime(paxTime(ns))).toBe(ns);
    }
    expect(formatMtime(-1n)).toBe('1969-12-31T23:59:59.999999999Z');
    expect(paxTime(-1n)).toBe('-0.000000001');
    expect(parsePaxTime('1795887048')).toBe(1_795_887_048_000_000_000n);
    expect(parsePaxTime('1795887048.5')).toBe(1_795_887_048_500_000_000n);
    expect(parseMtime('2026-11-28T17:30:48Z')).toBeUndefined();
  });
});
