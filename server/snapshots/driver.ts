import path from 'node:path';
import { HearthError } from '../errors.js';
import { isInside, type Paths } from '../paths.js';
import type { RunResult, System } from '../system/index.js';
import type { DatabaseAccess, DriverName, Exec } from './types.js';

/** What a driver works with: the system boundary, the paths, a way to run programs, and the job's log. */
export interface DriverContext {
  system: System;
  paths: Paths;
  exec: Exec;
  /** A line for the log: a key of the snapshots namespace (log.<key>) and its parameters. */
  say(key: string, params?: Record<string, string | number>): void;
}

/**
 * How snapshots are made and put back on one kind of file system. Every method works
 * on whole directories; the order of renames that makes a rollback safe is rollback.ts's.
 */
export interface SnapshotDriver {
  readonly name: DriverName;
  /** Makes the state directory ready for snapshots (btrfs: kept-out directories become subvolumes). Idempotent. */
  prepare(ctx: DriverContext): Promise<void>;
  /** The live state as it is now, into `target` (which does not exist yet). */
  capture(ctx: DriverContext, target: string, database: DatabaseAccess): Promise<{ sizeBytes: number | null }>;
  /** A writable copy of a snapshot's state at `target` (which does not exist yet): a rollback's staging. */
  stage(ctx: DriverContext, source: string, target: string): Promise<void>;
  /** Makes a replaced state a snapshot like the others (btrfs: read-only). */
  seal(ctx: DriverContext, dir: string): Promise<void>;
  /** Bytes a capture of the live state (source undefined) or a stage of `source` writes. */
  bytesNeeded(ctx: DriverContext, source?: string): Promise<number>;
}

/** Runs through the system boundary and throws, with the program's own words, when it fails. */
export function execThrough(system: System): Exec {
  return async (argv, options) => {
    const result = await system.run(argv, { timeoutMs: 30 * 60_000, ...options });
    if (result.code !== 0) {
      throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: argv[0] ?? '', code: result.code ?? result.signal ?? 'signal' }, { cause: new Error(result.stderr.trim()) });
    }
    return result;
  };
}

/** A Btrfs subvolume's root directory has inode 256 (BTRFS_FIRST_FREE_OBJECTID), as btrfs-progs itself tests. */
export async function subvolumeRoots(ctx: Pick<DriverContext, 'system'>, dirs: readonly string[]): Promise<Set<string>> {
  const existing: string[] = [];
  for (const dir of dirs) if ((await ctx.system.pathType(dir)) === 'directory') existing.push(dir);
  if (existing.length === 0) return new Set();
  const result = await ctx.system.run(['stat', '--format=%i', '--', ...existing]);
  const inodes = result.stdout.trim().split('\n');
  return new Set(existing.filter((_, index) => inodes[index] === '256'));
}

/** Removes a snapshot's state, a staging or debris: a subvolume with `btrfs subvolume delete`, anything else with rm -rf. */
export async function removeStateDir(ctx: DriverContext, dir: string): Promise<void> {
  if ((await ctx.system.pathType(dir)) === undefined) return;
  const onBtrfs = ctx.system.kind === 'linux' && (await ctx.system.fileSystemOf(dir)).type === 'btrfs';
  if (onBtrfs && (await subvolumeRoots(ctx, [dir])).has(dir)) {
    // A read-only snapshot cannot be emptied file by file; deleting the subvolume is O(1) (the cleaner frees space later).
    await ctx.exec(['btrfs', 'subvolume', 'delete', dir]);
    return;
  }
  await ctx.system.removeTree(dir);
}

/** The apparent size of what lies at these paths (du), for the free-space check and the list. */
export async function apparentBytes(system: System, targets: readonly string[]): Promise<number> {
  const existing: string[] = [];
  for (const target of targets) if ((await system.pathType(target)) !== undefined) existing.push(target);
  if (existing.length === 0) return 0;
  const result = await system.run(['du', '--summarize', '--apparent-size', '--block-size=1', '--total', '--', ...existing], { timeoutMs: 10 * 60_000 });
  return Number(result.stdout.trim().split('\n').pop()?.split(/\s+/)[0]) || 0;
}

/**
 * Mount points at or below the state directory. A rollback renames the state directory
 * and the directories it carries over; a mount point cannot be renamed (EBUSY), and a
 * drive mounted inside would move with the replaced state.
 */
export async function mountsAtOrBelow(system: System, dir: string): Promise<string[]> {
  const result = await system.run(['findmnt', '--raw', '--noheadings', '--output', 'TARGET']);
  if (result.code !== 0) return [];
  return result.stdout
    .split('\n')
    .filter(Boolean)
    .map((target) => target.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))))
    .filter((target) => isInside(dir, path.resolve(target)));
}

export function isExdev(error: unknown): boolean {
  return (error as NodeJS.ErrnoException)?.code === 'EXDEV';
}

export type { RunResult };
