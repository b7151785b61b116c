import { appendFile, lstat, readdir, readFile, rename, rm, stat, statfs } from 'node:fs/promises';
import path from 'node:path';
import { isInside, type Paths } from '../paths.js';
import { ensureDirectory, fsyncDirectory, replaceSymlink, writeFileAtomic, writeStreamAtomic } from './atomic-write.js';
import { createReadStream } from 'node:fs';
import { readlink } from 'node:fs/promises';
import { runProgram } from './run-program.js';

/** File access confined to the root; shared by both implementations (sandbox writes are real). */
export function localFiles(paths: Paths) {
  const confine = (file: string) => {
    const resolved = path.resolve(file);
    if (!isInside(paths.root, resolved)) {
      throw new Error(`refusing to touch a file outside the root: ${file}`);
    }
    return resolved;
  };
  return {
    async writeFile(file: string, data: string | Uint8Array, options?: { mode?: number }) {
      await writeFileAtomic(confine(file), data, options);
    },
    writeFileFromStream: async (file: string, source: NodeJS.ReadableStream, options?: { mode?: number }) => writeStreamAtomic(confine(file), source, options),
    async openReadStream(file: string) {
      const target = confine(file);
      const info = await stat(target);
      if (!info.isFile()) throw new Error(`not a file: ${file}`);
      return { stream: createReadStream(target), size: info.size };
    },
    async symlink(target: string, link: string) {
      await replaceSymlink(target, confine(link));
    },
    async readLink(link: string) {
      try {
        return await readlink(confine(link));
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || code === 'EINVAL' || code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    async readFile(file: string) {
      try {
        return await readFile(confine(file), 'utf8');
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
        throw error;
      }
    },
    async appendFile(file: string, text: string) {
      const target = confine(file);
      await ensureDirectory(path.dirname(target));
      await appendFile(target, text, { mode: 0o640 });
    },
    async listDirectory(dir: string) {
      const target = confine(dir);
      let names: string[];
      try {
        names = await readdir(target);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw error;
      }
      const entries = [];
      for (const name of names.sort()) {
        const info = await lstat(path.join(target, name)).catch(() => undefined);
        if (!info) continue;
        const type = info.isDirectory() ? ('directory' as const) : info.isFile() ? ('file' as const) : info.isSymbolicLink() ? ('symlink' as const) : ('other' as const);
        entries.push({ name, type, size: info.size, mtimeMs: info.mtimeMs });
      }
      return entries;
    },
    async pathType(file: string) {
      try {
        const info = await stat(confine(file));
        return info.isDirectory() ? ('directory' as const) : info.isFile() ? ('file' as const) : ('other' as const);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT' || (error as NodeJS.ErrnoException).code === 'ENOTDIR') return undefined;
        throw error;
      }
    },
    async makeDirectory(dir: string, options: { mode?: number } = {}) {
      await ensureDirectory(confine(dir), options.mode);
    },
    async rename(from: string, to: string) {
      const source = confine(from);
      const target = confine(to);
      await rename(source, target);
      await fsyncDirectory(path.dirname(target));
      if (path.dirname(source) !== path.dirname(target)) await fsyncDirectory(path.dirname(source));
    },
    async removeTree(dir: string) {
      const target = confine(dir);
      if (target === paths.root || target === paths.stateDir || isInside(target, paths.stateDir)) {
        throw new Error(`refusing to remove ${dir}: it holds the appliance's state`);
      }
      await rm(target, { recursive: true, force: true });
      await fsyncDirectory(path.dirname(target)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
    /** syncfs(2) of the file system holding `dir` (coreutils `sync --file-system`): everything written there is durable. */
    async syncFileSystem(dir: string) {
      const result = await runProgram(['sync', '--file-system', confine(dir)], { timeoutMs: 600_000 });
      if (result.code !== 0) throw new Error(`sync --file-system ${dir} failed: ${result.stderr.trim()}`);
    },
    async fileSystemOf(file: string) {
      const info = await statfs(confine(file));
      return { type: fileSystemTypes[info.type] ?? `0x${info.type.toString(16)}`, totalBytes: info.blocks * info.bsize, availableBytes: info.bavail * info.bsize, freeBytes: info.bfree * info.bsize };
    },
    async removeFile(file: string) {
      const target = confine(file);
      await rm(target, { force: true });
      await fsyncDirectory(path.dirname(target)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
  };
}

/** statfs(2) f_type magic numbers (linux/magic.h) of the file systems a board's state may sit on. */
const fileSystemTypes: Record<number, string> = {
  0x9123683e: 'btrfs',
  0xef53: 'ext4',
  0x58465342: 'xfs',
  0xf2f52010: 'f2fs',
  0x2fc12fc1: 'zfs',
  0x01021994: 'tmpfs',
  0x794c7630: 'overlay',
  0x4d44: 'vfat',
  0x5346544e: 'ntfs',
  0x6969: 'nfs',
  0xff534d42: 'cifs',
  0x65735546: 'fuse',
  0x858458f6: 'ramfs',
  0x73717368: 'squashfs',
};
