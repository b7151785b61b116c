import path from 'node:path';
import { keptOut } from './layout.js';
import { removeStateDir, subvolumeRoots, type SnapshotDriver } from './driver.js';

/**
 * Btrfs: the state directory is a subvolume; a snapshot is a read-only snapshot of it
 * (`btrfs subvolume snapshot -r`), copy-on-write metadata, O(1) in the data size. A
 * rollback's staging is a writable snapshot of the chosen one.
 *
 * The directories a snapshot must leave out (backups, uploads, work directories) are
 * made subvolumes of their own: a snapshot does not descend into a nested subvolume
 * (it shows as an empty directory), and a rename may move a subvolume from one
 * subvolume to another, where a plain directory gets EXDEV.
 */
export const btrfsDriver: SnapshotDriver = {
  name: 'btrfs',

  async prepare(ctx) {
    const { system, paths, exec } = ctx;
    for (const name of keptOut(paths).directories) {
      const dir = path.join(paths.stateDir, name);
      const fresh = `${dir}.subvolume-new`;
      const old = `${dir}.subvolume-old`;
      // A conversion a crash interrupted: finish the swap it had made, or start it again.
      if ((await system.pathType(old)) === 'directory') {
        if ((await system.pathType(dir)) === undefined) await system.rename(old, dir);
        else await system.removeTree(old);
      }
      if ((await system.pathType(fresh)) !== undefined) await removeStateDir(ctx, fresh);

      const type = await system.pathType(dir);
      if (type === undefined) {
        await exec(['btrfs', 'subvolume', 'create', dir]);
        await exec(['chmod', '0700', dir]);
        ctx.say('subvolumeCreated', { path: name });
        continue;
      }
      if (type !== 'directory' || (await subvolumeRoots(ctx, [dir])).has(dir)) continue;
      // A plain directory with content (an older box's backups): its files move into a new
      // subvolume as reflinks (no data copied), then the two swap by renames.
      await exec(['btrfs', 'subvolume', 'create', fresh]);
      await exec(['chmod', '--reference', dir, fresh]);
      await exec(['cp', '-a', '--reflink=auto', '--', `${dir}/.`, `${fresh}/`]);
      await system.rename(dir, old);
      await system.rename(fresh, dir);
      await system.removeTree(old);
      ctx.say('subvolumeConverted', { path: name });
    }
  },

  async capture(ctx, target, database) {
    await ctx.system.makeDirectory(path.dirname(target), { mode: 0o700 });
    // The snapshot is atomic, so the database in it is consistent at any moment, as after a
    // power cut; the checkpoint first puts every committed page in the main file, so the
    // snapshot's database is one self-contained file.
    database.checkpoint();
    await ctx.exec(['btrfs', 'subvolume', 'snapshot', '-r', ctx.paths.stateDir, target]);
    return { sizeBytes: null };
  },

  async stage(ctx, source, target) {
    await ctx.exec(['btrfs', 'subvolume', 'snapshot', source, target]);
  },

  async seal(ctx, dir) {
    await ctx.exec(['btrfs', 'property', 'set', '-ts', dir, 'ro', 'true']);
  },

  // Metadata only; a margin for the commit.
  async bytesNeeded() {
    return 16 * 1024 * 1024;
  },
};
