import { createHash } from 'node:crypto';
import { createReadStream, lstatSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';

export interface TreeEntry {
  type: 'file' | 'directory' | 'symlink';
  mode: number;
  uid: number;
  gid: number;
  /** Milliseconds, rounded: fs.utimes takes a double, whose rounding can move the microseconds. */
  mtimeMs: number;
  size: number;
  sha256?: string;
  target?: string;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * Every entry under `dir` with its content hash and metadata (mode, owner, mtime to
 * the millisecond, link target): two trees are the same when their snapshots are equal.
 * Directories' mtimes are left out when `ignoreDirectoryTimes` (creating entries in them
 * changes them).
 */
export async function snapshotTree(dir: string, options: { ignoreDirectoryTimes?: boolean } = {}): Promise<Record<string, TreeEntry>> {
  const result: Record<string, TreeEntry> = {};
  const walk = async (relative: string) => {
    const full = path.join(dir, relative);
    const info = lstatSync(full, { bigint: true });
    const base = { mode: Number(info.mode & 0o7777n), uid: Number(info.uid), gid: Number(info.gid), mtimeMs: Math.round(Number(info.mtimeNs / 1000n) / 1000), size: Number(info.size) };
    if (info.isSymbolicLink()) {
      result[relative || '.'] = { type: 'symlink', ...base, mode: 0, mtimeMs: 0, target: readlinkSync(full) };
    } else if (info.isDirectory()) {
      result[relative || '.'] = { type: 'directory', ...base, size: 0, ...(options.ignoreDirectoryTimes ? { mtimeMs: 0 } : {}) };
      for (const name of readdirSync(full).sort()) await walk(relative ? path.join(relative, name) : name);
    } else {
      result[relative || '.'] = { type: 'file', ...base, sha256: await sha256(full) };
    }
  };
  await walk('');
  return result;
}
