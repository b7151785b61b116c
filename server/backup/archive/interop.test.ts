import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, createReadStream, createWriteStream, mkdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import Database from 'better-sqlite3';
import { Decrypter, Encrypter } from 'age-encryption';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { extractArchive, extractEntry, readManifest, verifyArchive, writeArchiveToFile, type Compression } from './index.js';
import { buildSampleTree, describeTree, isRoot, realSystem, removeDir, tempDir, type TreeRecord } from './testing/tree.js';

/*
 * docs/backup-format.md promises that a backup opens without Hearth: age, zstd or
 * gzip, GNU tar, sha256sum and sqlite3. These tests run those programs on real
 * archives, command for command as the document writes them.
 */

const has = (program: string) => spawnSync('sh', ['-c', `command -v ${program}`]).status === 0;
const tools = { age: has('age') && has('script'), sqlite3: has('sqlite3'), jq: has('jq') };
const passphrase = 'correct horse battery staple';
const about = { appVersion: '0.1.0', schemaVersion: 4, board: null, hostname: 'nas', data: true };

/** Runs a shell line as the documentation writes it, in `cwd`. */
function sh(line: string, cwd: string, input?: string): string {
  return execFileSync('sh', ['-c', line], { cwd, input, encoding: 'utf8', maxBuffer: 64 * 1024 ** 2 });
}

/** The same, for a line that must fail: its exit status and everything it printed. */
function shFailing(line: string, cwd: string, input?: string): { status: number | null; output: string } {
  const result = spawnSync('sh', ['-c', line], { cwd, input, encoding: 'utf8' });
  return { status: result.status, output: result.stdout + result.stderr };
}

/**
 * `age` reads a passphrase from the terminal only; `script` gives it one (a pty) and
 * types the passphrase into it, as a person would.
 */
function withTerminal(line: string, cwd: string, typed: string): string {
  return sh(`script -q -e -c ${JSON.stringify(line)} /dev/null`, cwd, typed);
}

let work: string;
let source: string;
let state: string;
let closeSocket: () => Promise<void>;

beforeAll(async () => {
  work = tempDir();
  source = path.join(work, 'data-source');
  state = path.join(work, 'state-source');
  mkdirSync(source);
  mkdirSync(path.join(state, 'tls'), { recursive: true });
  closeSocket = (await buildSampleTree(source)).close;
  const db = new Database(path.join(state, 'hearth.db'));
  db.exec("CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT); INSERT INTO settings VALUES ('hostname', 'nas'); PRAGMA user_version = 4;");
  db.close();
  writeFileSync(path.join(state, 'secret.key'), 'k'.repeat(32), { mode: 0o600 });
  writeFileSync(path.join(state, 'tls/cert.pem'), '-----BEGIN CERTIFICATE-----\n');
});

afterAll(async () => {
  await closeSocket();
  removeDir(work);
});

async function backup(name: string, compression: Compression, encrypted: boolean, workFactor?: number): Promise<string> {
  const file = path.join(work, name);
  await writeArchiveToFile(file, {
    system: realSystem,
    about,
    compression,
    passphrase: encrypted ? passphrase : undefined,
    scryptWorkFactor: workFactor,
    sources: [
      { path: 'state/hearth.db', from: path.join(state, 'hearth.db') },
      { path: 'state/secret.key', from: path.join(state, 'secret.key') },
      { path: 'state/tls', from: path.join(state, 'tls') },
      { path: 'data', from: source },
    ],
  });
  return file;
}

/** What GNU tar gives back, compared with the source: all of it, as root (-p, --numeric-owner). */
async function expectSameAsSource(restored: string) {
  const expected = (await describeTree(source)).filter((record) => record.type !== 'other');
  const actual = await describeTree(path.join(restored, 'data'));
  const strip = (records: TreeRecord[]) => records.map(({ mtimeUs: _mtime, uid, gid, mode, ...rest }) => ({ ...rest, mode: isRoot ? mode : mode & 0o777, ...(isRoot && { uid, gid }) }));
  expect(strip(actual)).toEqual(strip(expected));
  const mtimes = (records: TreeRecord[]) => records.filter((record) => record.type !== 'symlink').map((record) => Math.round(record.mtimeUs / 1000));
  expect(mtimes(actual)).toEqual(mtimes(expected));
}

describe('GNU tar reads the inner tarball', () => {
  it.each([
    { compression: 'none' as Compression, name: 'b.tar', flags: '' },
    { compression: 'gzip' as Compression, name: 'b.tar.gz', flags: '-z' },
    { compression: 'zstd' as Compression, name: 'b.tar.zst', flags: '--zstd' },
  ])('$compression: tar $flags -tvf lists it, tar -xpf restores it', async ({ compression, name, flags }) => {
    const file = await backup(name, compression, false);
    const listing = sh(`tar ${flags} -tvf ${name}`, work);
    expect(listing.split('\n')[0]).toMatch(/^-rw------- 0\/0 +\d+ .* manifest\.json$/);
    expect(listing).toContain('data/sub/hard-b link to data/hard-a');
    expect(listing).toContain('data/rel-link -> a/b/file.txt');
    const restored = path.join(work, `gnu-${compression}`);
    mkdirSync(restored);
    // The document's command: no warning, exit status 0.
    const result = spawnSync('sh', ['-c', `tar -C ${restored} --numeric-owner ${flags} -xpf ${file}`], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    await expectSameAsSource(restored);
    expect(JSON.parse(readFileSync(path.join(restored, 'manifest.json'), 'utf8'))).toEqual((await readManifest(file, { system: realSystem })).manifest);
    removeDir(restored);
  });
});

describe.skipIf(!tools.age || !tools.sqlite3 || !tools.jq)('the manual restore of docs/backup-format.md, step by step', () => {
  it('age -d, zstd -d, tar -xpf, sha256sum --check from the manifest, sqlite3 integrity_check', async () => {
    // Encrypted at age's own work factor, the one `age -p` uses.
    const file = await backup('hearth-backup_nas_20261128-173048.tar.zst.age', 'zstd', true, 18);
    const dir = path.join(work, 'by-hand');
    mkdirSync(dir);
    // 1. Decrypt (age asks for the passphrase).
    withTerminal(`age -d -o backup.tar.zst ${file}`, dir, `${passphrase}\n`);
    // 2. Decompress.
    sh('zstd -q -d backup.tar.zst', dir);
    // 3. Look inside.
    expect(sh('tar -xOf backup.tar manifest.json', dir)).toContain('"format": "hearth-backup"');
    // 4. Extract.
    sh('mkdir restore && tar -C restore --numeric-owner -xpf backup.tar', dir);
    // 5. Check every file against the manifest.
    const checked = sh(`cd restore && jq -r '.entries[] | select(.type == "file") | "\\(.sha256)  \\(.path)"' manifest.json | sha256sum --check --strict`, dir);
    const files = (await readManifest(file, { system: realSystem, passphrase })).manifest.entries.filter((entry) => entry.type === 'file');
    expect(checked.trim().split('\n')).toHaveLength(files.length);
    expect(checked).not.toMatch(/FAILED/);
    // 6. Check the database.
    expect(sh(`sqlite3 restore/state/hearth.db 'PRAGMA integrity_check;'`, dir).trim()).toBe('ok');
    expect(sh(`sqlite3 restore/state/hearth.db "SELECT value FROM settings WHERE key = 'hostname';"`, dir).trim()).toBe('nas');
    await expectSameAsSource(path.join(dir, 'restore'));
    // The sha256 check does catch a changed file.
    writeFileSync(path.join(dir, 'restore/data/a/b/file.txt'), 'changed\n');
    const failed = shFailing(`cd restore && jq -r '.entries[] | select(.type == "file") | "\\(.sha256)  \\(.path)"' manifest.json | sha256sum --check --quiet`, dir);
    expect(failed.status).not.toBe(0);
    expect(failed.output).toContain('data/a/b/file.txt: FAILED');
  });

  it('in one pipe: age -d | zstd -d | tar -x', async () => {
    const file = await backup('piped.tar.zst.age', 'zstd', true, 10);
    const dir = path.join(work, 'piped');
    mkdirSync(dir);
    withTerminal(`mkdir restore && age -d ${file} | zstd -d | tar -C restore --numeric-owner -xpf -`, dir, `${passphrase}\n`);
    expect(sh(`sqlite3 restore/state/hearth.db 'PRAGMA integrity_check;'`, dir).trim()).toBe('ok');
    await expectSameAsSource(path.join(dir, 'restore'));
  });

  it('gzip: age -d, then tar -xzpf', async () => {
    const file = await backup('gz.tar.gz.age', 'gzip', true, 10);
    const dir = path.join(work, 'gz');
    mkdirSync(dir);
    withTerminal(`age -d -o backup.tar.gz ${file}`, dir, `${passphrase}\n`);
    sh('mkdir restore && tar -C restore --numeric-owner -xzpf backup.tar.gz', dir);
    expect(sh(`sqlite3 restore/state/hearth.db 'PRAGMA integrity_check;'`, dir).trim()).toBe('ok');
  });

  it('a wrong passphrase is refused by age too', async () => {
    const file = await backup('wrong.tar.age', 'none', true, 10);
    const failed = shFailing(`script -q -e -c ${JSON.stringify(`age -d -o out.tar ${file}`)} /dev/null`, work, 'not it\n');
    expect(failed.status).not.toBe(0);
    expect(failed.output).toContain('incorrect passphrase');
  });
});

describe.skipIf(!tools.age)('Hearth reads what age wrote', () => {
  it('an archive encrypted by hand with `age -p` (work factor 2^18) opens, verifies and extracts', async () => {
    const plain = await backup('by-hand.tar.zst', 'zstd', false);
    withTerminal(`age -p -o by-hand.tar.zst.age ${plain}`, work, `${passphrase}\n${passphrase}\n`);
    const file = path.join(work, 'by-hand.tar.zst.age');
    expect(readFileSync(file).subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
    expect(readFileSync(file).toString('latin1')).toMatch(/-> scrypt \S+ 18\n/);
    const manifest = await verifyArchive(file, { system: realSystem, passphrase });
    expect((await readManifest(file, { system: realSystem, passphrase })).layers).toEqual({ encrypted: true, compression: 'zstd' });
    const target = path.join(work, 'from-age');
    await extractArchive(file, { system: realSystem, passphrase, targets: { state: path.join(work, 'from-age-state'), data: target } });
    expect(manifest.totals.entries).toBeGreaterThan(30);
    expect(readFileSync(path.join(target, 'a/b/file.txt'), 'utf8')).toBe('hello, archive\n');
  });
});

describe('the age-encryption package agrees with the native payload code', () => {
  it('decrypts what Hearth encrypted', async () => {
    const file = await backup('for-package.tar', 'none', true, 10);
    const decrypter = new Decrypter();
    decrypter.addPassphrase(passphrase);
    const plaintext = await decrypter.decrypt(Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>);
    const out = path.join(work, 'for-package.decrypted.tar');
    await pipeline(Readable.fromWeb(plaintext as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(out));
    expect(sh(`tar -xOf ${out} data/a/b/file.txt`, work)).toBe('hello, archive\n');
  });

  it('opens what the package encrypted, across many 64 KiB chunks', async () => {
    const plain = await backup('from-package.tar', 'none', false);
    const encrypter = new Encrypter();
    encrypter.setScryptWorkFactor(10);
    encrypter.setPassphrase(passphrase);
    const encrypted = await encrypter.encrypt(Readable.toWeb(createReadStream(plain)) as ReadableStream<Uint8Array>);
    const file = path.join(work, 'from-package.tar.age');
    await pipeline(Readable.fromWeb(encrypted as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(file));
    expect(readFileSync(plain).length).toBeGreaterThan(20 * 64 * 1024);
    expect(await verifyArchive(file, { system: realSystem, passphrase })).toMatchObject({ hostname: 'nas' });
  });
});

describe('extractEntry', () => {
  it('gives the database alone, checked, for an integrity check', async () => {
    const file = await backup('entry.tar.zst.age', 'zstd', true, 10);
    const copy = path.join(work, 'drill.db');
    const entry = await extractEntry(file, 'state/hearth.db', copy, { system: realSystem, passphrase });
    expect(entry).toMatchObject({ path: 'state/hearth.db', type: 'file' });
    const db = new Database(copy, { readonly: true });
    expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    db.close();
    // A hard link's content is its target's.
    const linked = path.join(work, 'hard-b');
    expect(await extractEntry(file, 'data/sub/hard-b', linked, { system: realSystem, passphrase })).toMatchObject({ path: 'data/hard-a' });
    expect(readFileSync(linked, 'utf8')).toBe('same inode\n');
    await expect(extractEntry(file, 'state/nothing', path.join(work, 'nothing'), { system: realSystem, passphrase })).rejects.toMatchObject({
      code: 'HEARTH_ERR_ARCHIVE_ENTRY_NOT_FOUND',
      params: { path: 'state/nothing' },
    });
    await expect(extractEntry(file, 'data/a', path.join(work, 'a-dir'), { system: realSystem, passphrase })).rejects.toMatchObject({ code: 'HEARTH_ERR_ARCHIVE_ENTRY_NOT_FOUND' });
    // Never over an existing file.
    await expect(extractEntry(file, 'state/hearth.db', copy, { system: realSystem, passphrase })).rejects.toMatchObject({ code: 'EEXIST' });
  });
});

describe('edge metadata survives Hearth and GNU tar alike', () => {
  it('mode 0000, a uid past the ustar field, mtimes before 1970 and after 2038', async () => {
    const edge = path.join(work, 'edge');
    mkdirSync(edge);
    const file = (name: string) => path.join(edge, name);
    writeFileSync(file('no-permissions'), 'x');
    chmodSync(file('no-permissions'), 0o000);
    writeFileSync(file('old'), 'before 1970\n');
    utimesSync(file('old'), new Date(-1_000_000_000), new Date(-1_000_000_000));
    writeFileSync(file('future'), 'after 2038\n');
    utimesSync(file('future'), 4_102_444_800.25, 4_102_444_800.25);
    if (isRoot) chownSync(file('future'), 300_000, 300_001);
    const archive = path.join(work, 'edge.tar');
    await writeArchiveToFile(archive, { system: realSystem, about, compression: 'none', sources: [{ path: 'data', from: edge }] });
    await verifyArchive(archive, { system: realSystem });

    const expected = await describeTree(edge);
    const ours = path.join(work, 'edge-ours');
    await extractArchive(archive, { system: realSystem, targets: { data: ours } });
    expect(await describeTree(ours)).toEqual(expected);

    const gnu = path.join(work, 'edge-gnu');
    mkdirSync(gnu);
    const result = spawnSync('tar', ['-C', gnu, '--numeric-owner', '-xpf', archive], { encoding: 'utf8' });
    // GNU tar remarks on such times (and sets them all the same); nothing else.
    expect(result.stderr.trim().split('\n')).toEqual([expect.stringMatching(/data\/future: time stamp 2100-01-01 00:00:00.25 is .* in the future/), 'tar: data/old: implausibly old time stamp 1969-12-20 10:13:20']);
    const fromGnu = new Map((await describeTree(path.join(gnu, 'data'))).map((record) => [record.path, record]));
    for (const record of expected.filter((r) => r.path !== '')) {
      expect({ ...fromGnu.get(record.path), mtimeUs: Math.round(fromGnu.get(record.path)!.mtimeUs / 1000) }, record.path).toEqual({ ...record, mtimeUs: Math.round(record.mtimeUs / 1000) });
    }
  });
});
