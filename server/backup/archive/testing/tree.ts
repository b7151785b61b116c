import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, chownSync, linkSync, lutimesSync, mkdirSync, mkdtempSync, openSync, closeSync, rmSync, symlinkSync, utimesSync, writeFileSync, writeSync, ftruncateSync } from 'node:fs';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pipeProgram } from '../../../system/run-program.js';
import type { ArchiveSystem } from '../stages.js';

/** The real programs (zstd), as the sandbox System also runs them. */
export const realSystem: ArchiveSystem = { pipeThrough: pipeProgram };

export const isRoot = process.getuid?.() === 0;

export function tempDir(name = 'hearth-archive-'): string {
  return mkdtempSync(path.join(os.tmpdir(), name));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** One thing in a tree, as compared before a backup and after a restore. */
export interface TreeRecord {
  path: string;
  type: 'file' | 'directory' | 'symlink' | 'other';
  mode: number;
  uid: number;
  gid: number;
  /** Microseconds: what survives utimes() (a double of seconds). */
  mtimeUs: number;
  size: number;
  sha256?: string;
  target?: string;
  /** Other paths of the tree that are the same inode. */
  links?: string[];
}

/** Every entry below `dir` (relative paths, sorted), links not followed. */
export async function describeTree(dir: string): Promise<TreeRecord[]> {
  const records: TreeRecord[] = [];
  const inodes = new Map<string, string[]>();
  async function visit(abs: string, rel: string) {
    const info = await lstat(abs, { bigint: true });
    const record: TreeRecord = {
      path: rel,
      type: info.isFile() ? 'file' : info.isDirectory() ? 'directory' : info.isSymbolicLink() ? 'symlink' : 'other',
      mode: Number(info.mode & 0o7777n),
      uid: Number(info.uid),
      gid: Number(info.gid),
      mtimeUs: Number(info.mtimeNs / 1000n),
      size: info.isFile() ? Number(info.size) : 0,
    };
    if (info.isFile()) {
      record.sha256 = createHash('sha256').update(await readFile(abs)).digest('hex');
      const key = `${info.dev}:${info.ino}`;
      inodes.set(key, [...(inodes.get(key) ?? []), rel]);
      (record as TreeRecord & { inode?: string }).inode = key;
    }
    if (info.isSymbolicLink()) record.target = await readlink(abs);
    records.push(record);
    if (info.isDirectory()) {
      for (const name of (await readdir(abs)).sort()) await visit(path.join(abs, name), rel ? `${rel}/${name}` : name);
    }
  }
  await visit(dir, '');
  for (const record of records as Array<TreeRecord & { inode?: string }>) {
    if (record.inode) {
      const others = inodes.get(record.inode)!.filter((other) => other !== record.path);
      if (others.length > 0) record.links = others;
      delete record.inode;
    }
  }
  return records.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** The blocks a file takes on disk, in bytes. */
export async function allocatedBytes(file: string): Promise<number> {
  return Number((await lstat(file, { bigint: true })).blocks) * 512;
}

export const nfc = 'caf\u00e9.txt';
export const nfd = 'cafe\u0301.txt';
export const longName = 'a-very-long-file-name-'.repeat(10) + '.txt'; // 224 bytes
export const longDir = 'deep-directory-name-number-'.repeat(3); // 81 bytes
export const sparseSize = 16 * 1024 * 1024;

/** Sub-second mtimes that a double of seconds carries exactly to the microsecond. */
const when = (seconds: number, micros: number) => seconds + micros / 1e6;

/**
 * A tree with everything a backup must carry: nested and empty directories, names in
 * NFC and NFD and Chinese, names and paths past tar's 100 bytes, symlinks (relative,
 * absolute, dangling), modes from 0600 to 0755 and a setuid file, a sticky and a
 * setgid directory, sub-second mtimes, a hard-linked pair, a sparse file, a 0-byte
 * file, a file larger than the read chunk, and (not archivable) a FIFO and a socket.
 * As root, some entries belong to other users. Returns the socket server to close.
 */
export async function buildSampleTree(root: string): Promise<{ close(): Promise<void> }> {
  const at = (...parts: string[]) => path.join(root, ...parts);
  mkdirSync(at('a/b/c/d'), { recursive: true });
  writeFileSync(at('a/b/c/d/deep.txt'), 'deep\n');
  writeFileSync(at('a/b/file.txt'), 'hello, archive\n');
  mkdirSync(at('unicode/照片'), { recursive: true });
  writeFileSync(at('unicode', nfc), 'composed\n');
  writeFileSync(at('unicode', nfd), 'decomposed\n');
  writeFileSync(at('unicode/照片/春节.txt'), '新年快乐\n');
  mkdirSync(at(longDir, longDir), { recursive: true });
  writeFileSync(at(longDir, longDir, longName), 'long path\n');
  symlinkSync('a/b/file.txt', at('rel-link'));
  symlinkSync('/etc/hostname', at('abs-link'));
  symlinkSync('does/not/exist', at('dangling'));
  symlinkSync(`${longDir}/${longDir}/${longName}`, at('long-link'));
  mkdirSync(at('empty-dir'));
  mkdirSync(at('private'), { mode: 0o700 });
  chmodSync(at('private'), 0o700);
  writeFileSync(at('private/secret.key'), 'k'.repeat(32), { mode: 0o600 });
  chmodSync(at('private/secret.key'), 0o600);
  writeFileSync(at('script.sh'), '#!/bin/sh\necho hi\n');
  chmodSync(at('script.sh'), 0o755);
  writeFileSync(at('read-only.txt'), 'ro\n');
  chmodSync(at('read-only.txt'), 0o444);
  writeFileSync(at('setuid-tool'), 'not really a program\n');
  chmodSync(at('setuid-tool'), 0o4755);
  mkdirSync(at('shared'));
  chmodSync(at('shared'), 0o1777);
  mkdirSync(at('group-dir'));
  chmodSync(at('group-dir'), 0o2775);
  writeFileSync(at('zero-bytes'), '');
  writeFileSync(at('hard-a'), 'same inode\n');
  mkdirSync(at('sub'));
  linkSync(at('hard-a'), at('sub/hard-b'));
  // 3 MiB + 1 of varied bytes: more than one read chunk, not a multiple of 512.
  const big = Buffer.alloc(3 * 1024 * 1024 + 1);
  for (let i = 0; i < big.length; i += 1) big[i] = (i * 7919) % 251;
  writeFileSync(at('big.bin'), big);
  // 16 MiB with data only in two places.
  const fd = openSync(at('sparse.img'), 'w');
  writeSync(fd, Buffer.from('start of the image'), 0, 18, 0);
  writeSync(fd, Buffer.from('middle'), 0, 6, 8 * 1024 * 1024 + 100);
  ftruncateSync(fd, sparseSize);
  closeSync(fd);
  execFileSync('mkfifo', [at('a/fifo')]);
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(at('a/socket'), resolve));
  if (isRoot) {
    chownSync(at('a/b/file.txt'), 1234, 5678);
    chownSync(at('a/b'), 4321, 8765);
    // Past the 7 octal digits of a ustar header: carried in the pax header.
    chownSync(at('zero-bytes'), 3_000_000, 3_000_001);
    symlinkSync('somewhere', at('owned-link'));
    execFileSync('chown', ['-h', '2222:3333', at('owned-link')]);
  }
  // Sub-second mtimes on files, links and directories (directories last: writing into them changes theirs).
  utimesSync(at('a/b/file.txt'), when(1_600_000_000, 123_456), when(1_600_000_000, 123_456));
  utimesSync(at('big.bin'), when(1_700_000_000, 999_999), when(1_700_000_000, 999_999));
  utimesSync(at('unicode', nfd), when(1_500_000_000, 1), when(1_500_000_000, 1));
  lutimesSync(at('rel-link'), when(1_650_000_000, 250_000), when(1_650_000_000, 250_000));
  utimesSync(at('a/b/c/d'), when(1_400_000_000, 654_321), when(1_400_000_000, 654_321));
  utimesSync(at('empty-dir'), when(1_300_000_000, 500_000), when(1_300_000_000, 500_000));
  return { close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
