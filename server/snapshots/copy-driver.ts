import path from 'node:path';
import { apparentBytes, type DriverContext, type SnapshotDriver } from './driver.js';
import { databaseFiles, keptOut } from './layout.js';

/** The entries of the state directory a copy takes: all but the kept-out ones and the database's files. */
async function copiedEntries(ctx: DriverContext): Promise<string[]> {
  const { paths, system } = ctx;
  const { directories, files } = keptOut(paths);
  const skipped = new Set([...directories, ...files, ...databaseFiles(paths)]);
  return (await system.listDirectory(paths.stateDir)).filter((entry) => !skipped.has(entry.name)).map((entry) => path.join(paths.stateDir, entry.name));
}

/**
 * Any other file system: a real copy of the state directory, `cp -a --reflink=auto`
 * (a reflink where the file system can, XFS or Btrfs outside a subvolume; a full copy
 * on ext4). Never hard links: a hard-linked SQLite file is the same file, changed in
 * place by the next write.
 *
 * The database is not copied as files: `cp` would read the main file and the WAL at
 * different moments while other connections (the CLI, the job's own log) keep writing.
 * SQLite's backup API writes one consistent moment of it instead.
 */
export const copyDriver: SnapshotDriver = {
  name: 'copy',

  async prepare() {},

  async capture(ctx, target, database) {
    const { system, paths, exec } = ctx;
    await system.makeDirectory(path.dirname(target), { mode: 0o700 });
    await system.makeDirectory(target, { mode: 0o700 });
    await exec(['chmod', '--reference', paths.stateDir, target]);
    const entries = await copiedEntries(ctx);
    if (entries.length > 0) await exec(['cp', '-a', '--reflink=auto', '--target-directory', target, '--', ...entries]);
    await database.copyTo(path.join(target, path.basename(paths.database)));
    // One syncfs instead of an fsync per file: the copy is durable before its metadata says it exists.
    await system.syncFileSystem(target);
    return { sizeBytes: await apparentBytes(system, [target]) };
  },

  async stage(ctx, source, target) {
    await ctx.exec(['cp', '-a', '--reflink=auto', '--no-target-directory', '--', source, target]);
    await ctx.system.syncFileSystem(target);
  },

  async seal() {},

  async bytesNeeded(ctx, source) {
    if (source) return apparentBytes(ctx.system, [source]);
    const entries = await copiedEntries(ctx);
    return (await apparentBytes(ctx.system, entries)) + (await apparentBytes(ctx.system, [ctx.paths.database]));
  },
};
