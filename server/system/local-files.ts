import { appendFile, lstat, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside, type Paths } from '../paths.js';
import { ensureDirectory, fsyncDirectory, replaceSymlink, writeFileAtomic, writeStreamAtomic } from './atomic-write.js';
import { createReadStream } from 'node:fs';
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
    async removeFile(file: string) {
      const target = confine(file);
      await rm(target, { force: true });
      await fsyncDirectory(path.dirname(target)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'ENOENT') throw error;
      });
    },
  };
}
