import { constants } from 'node:fs';
import { lstat, mkdir, open, rename, rm, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';

/**
 * Replaces a file so that after a crash or power cut it holds either the old or the
 * new content, never a truncated mix: write a temp file in the same directory, fsync
 * it, rename it over the target, then fsync the directory so the rename itself is
 * durable (a rename that is not followed by a directory fsync can vanish on ext4).
 * An fsync error is final: the caller gets it and the old file stays in place.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: { mode?: number } = {}): Promise<void> {
  const dir = path.dirname(file);
  await ensureDirectory(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const mode = options.mode ?? (await existingMode(file)) ?? 0o644;
  const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, mode);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    let offset = 0;
    // write() may write less than asked; loop until everything is out.
    while (offset < bytes.length) {
      const { bytesWritten } = await handle.write(bytes, offset, bytes.length - offset);
      offset += bytesWritten;
    }
    // The umask may have narrowed the mode given to open().
    await handle.chmod(mode);
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dir);
}

/**
 * Points `link` at `target`, replacing whatever link or file is there in one rename
 * (never a moment without the link), then makes the rename durable. Refuses to
 * replace a directory.
 */
export async function replaceSymlink(target: string, link: string): Promise<void> {
  const dir = path.dirname(link);
  await ensureDirectory(dir);
  const existing = await lstat(link).catch(() => undefined);
  if (existing?.isDirectory()) throw new Error(`refusing to replace the directory ${link} with a link`);
  const temp = path.join(dir, `.${path.basename(link)}.${randomBytes(6).toString('hex')}.tmp`);
  await symlink(target, temp);
  try {
    await rename(temp, link);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dir);
}

/**
 * A stream (an upload) into `file`, durably and whole or not at all: written to a
 * temporary file in the same directory, fsynced, renamed, directory fsynced. The
 * temporary file is removed if the stream fails or is cut short.
 */
export async function writeStreamAtomic(file: string, source: NodeJS.ReadableStream, options: { mode?: number } = {}): Promise<number> {
  const dir = path.dirname(file);
  await ensureDirectory(dir);
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const handle = await open(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, options.mode ?? 0o600);
  let size = 0;
  try {
    for await (const chunk of source as AsyncIterable<Buffer>) {
      let offset = 0;
      while (offset < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, offset, chunk.length - offset);
        offset += bytesWritten;
      }
      size += chunk.length;
    }
    await handle.sync();
  } catch (error) {
    await handle.close().catch(() => {});
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  await rename(temp, file);
  await fsyncDirectory(dir);
  return size;
}

async function existingMode(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mode & 0o7777;
  } catch {
    return undefined;
  }
}

export async function fsyncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * mkdir -p, durably: each directory created is made durable by an fsync of its parent.
 */
export async function ensureDirectory(dir: string, mode = 0o755): Promise<void> {
  const missing: string[] = [];
  let current = path.resolve(dir);
  for (;;) {
    try {
      const info = await stat(current);
      if (!info.isDirectory()) throw new Error(`not a directory: ${current}`);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      missing.unshift(current);
      const parent = path.dirname(current);
      if (parent === current) break;
      current = parent;
    }
  }
  for (const created of missing) {
    await mkdir(created, { mode }).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'EEXIST') throw error;
    });
    await fsyncDirectory(path.dirname(created));
  }
}
