import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempRoot } from '../testing/temp-root.js';
import { ensureDirectory, writeFileAtomic } from './atomic-write.js';

function allThreadsTraced(): boolean {
  return readdirSync('/proc/self/task').every((task) => {
    const status = readFileSync(`/proc/self/task/${task}/status`, 'utf8');
    return !/^TracerPid:\s+0$/m.test(status);
  });
}

describe('writeFileAtomic', () => {
  it('creates the file and its missing directories, with the mode asked for', async () => {
    const root = tempRoot();
    const file = path.join(root, 'a/b/c/secret');
    await writeFileAtomic(file, 'hello', { mode: 0o600 });
    expect(readFileSync(file, 'utf8')).toBe('hello');
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('replaces a file, keeps its mode, and leaves no temporary file behind', async () => {
    const root = tempRoot();
    const file = path.join(root, 'config.json');
    writeFileSync(file, 'old');
    chmodSync(file, 0o640);
    await writeFileAtomic(file, Buffer.from('new content'));
    expect(readFileSync(file, 'utf8')).toBe('new content');
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(root)).toEqual(['config.json']);
  });

  it('leaves the old content in place when the replacement cannot happen', async () => {
    const root = tempRoot();
    // A directory where the file should go: rename(2) fails with EISDIR.
    const target = path.join(root, 'target');
    mkdirSync(target);
    writeFileSync(path.join(target, 'keep'), 'mine');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(readFileSync(path.join(target, 'keep'), 'utf8')).toBe('mine');
    expect(readdirSync(root)).toEqual(['target']);
  });

  it('writes large content completely', async () => {
    const root = tempRoot();
    const file = path.join(root, 'big');
    const data = Buffer.alloc(8 * 1024 * 1024 + 17, 7);
    await writeFileAtomic(file, data);
    expect(readFileSync(file).equals(data)).toBe(true);
  });

  it('creates nested directories durably and accepts existing ones', async () => {
    const root = tempRoot();
    await ensureDirectory(path.join(root, 'x/y/z'));
    await ensureDirectory(path.join(root, 'x/y/z'));
    expect(existsSync(path.join(root, 'x/y/z'))).toBe(true);
    writeFileSync(path.join(root, 'file'), '');
    await expect(ensureDirectory(path.join(root, 'file'))).rejects.toThrow(/not a directory/);
  });

  // Robustness rule: a rename is durable only once its directory is fsynced. strace
  // watches the real system calls of this very process while it writes a file.
  it('fsyncs the file before the rename and the directory after it', async () => {
    const root = tempRoot();
    const log = path.join(root, 'strace.log');
    const tracer = spawn('strace', ['-f', '-qq', '-e', 'trace=openat,fsync,rename,renameat,renameat2', '-o', log, '-p', String(process.pid)], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    // Wait until strace has attached to every thread (libuv's pool does the fsyncs).
    await new Promise<void>((resolve, reject) => {
      tracer.once('error', reject);
      const poll = setInterval(() => {
        if (allThreadsTraced()) {
          clearInterval(poll);
          resolve();
        }
      }, 20);
    });
    const dir = path.join(root, 'state');
    mkdirSync(dir);
    const file = path.join(dir, 'settings.json');
    await writeFileAtomic(file, '{"a":1}');
    await writeFileAtomic(path.join(root, 'end-marker'), '');
    tracer.kill('SIGINT');
    await new Promise((resolve) => tracer.once('exit', resolve));

    const lines = readFileSync(log, 'utf8').split('\n');
    const index = (predicate: (line: string) => boolean, from = 0) => lines.findIndex((line, i) => i >= from && predicate(line));
    const tempOpen = index((l) => /openat\(.*\.settings\.json\.[0-9a-f]+\.tmp".*O_EXCL/.test(l));
    expect(tempOpen).toBeGreaterThanOrEqual(0);
    const tempFd = /= (\d+)$/.exec(lines[tempOpen]!)![1];
    const fileSync = index((l) => new RegExp(`fsync\\(${tempFd}\\)`).test(l), tempOpen);
    const rename = index((l) => /rename(at2?)?\(.*settings\.json\.[0-9a-f]+\.tmp".*settings\.json"/.test(l), tempOpen);
    const dirOpen = index((l) => new RegExp(`openat\\(.*"${dir.replace(/[/.]/g, '\\$&')}".*O_DIRECTORY`).test(l), rename);
    expect(fileSync).toBeGreaterThan(tempOpen);
    expect(rename).toBeGreaterThan(fileSync);
    expect(dirOpen).toBeGreaterThan(rename);
    const dirFd = /= (\d+)$/.exec(lines[dirOpen]!)![1];
    expect(index((l) => new RegExp(`fsync\\(${dirFd}\\)`).test(l), dirOpen)).toBeGreaterThan(dirOpen);
  });
});
