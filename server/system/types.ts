import type { Readable, Writable } from 'node:stream';
import type { Paths } from '../paths.js';

export interface RunOptions {
  /** Milliseconds before the program is killed; default 60 s. */
  timeoutMs?: number;
  input?: string;
  cwd?: string;
  env?: Record<string, string>;
  /** Output as it arrives, for live job logs; the result still holds all of it. */
  onOutput?: (stream: 'out' | 'err', chunk: string) => void;
}

export interface RunResult {
  /** Exit code, or null when the program was killed by a signal (e.g. the timeout). */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** True when the sandbox recorded the program instead of running it. */
  simulated: boolean;
}

export interface PipeOptions {
  cwd?: string;
  env?: Record<string, string>;
  /** Aborting kills the program (SIGKILL). */
  signal?: AbortSignal;
}

export interface PipedExit {
  /** Exit code, or null when the program was killed by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  /** The end of what it wrote to stderr (at most 64 KiB). */
  stderr: string;
}

/** A program used as a stream filter: write to stdin, read from stdout. */
export interface PipedProgram {
  readonly stdin: Writable;
  readonly stdout: Readable;
  /** Settles when the program has exited; rejects when it cannot be started (not installed). */
  readonly done: Promise<PipedExit>;
  kill(): void;
}

export interface FileSystemInfo {
  type: string;
  totalBytes: number;
  /** What an unprivileged writer may still use (f_bavail). */
  availableBytes: number;
  /** Free including the blocks reserved for root (f_bfree): total − free is what is used, as df counts it. */
  freeBytes: number;
}

export interface NetworkAddress {
  interface: string;
  family: 'IPv4' | 'IPv6';
  address: string;
}

export interface HostFacts {
  hostname: string;
  uptimeSeconds: number;
  load: [number, number, number];
  cpuCount: number;
  memory: { totalBytes: number; availableBytes: number };
  /** The filesystem that holds the owner's data directory. */
  disk: { path: string; totalBytes: number; usedBytes: number; availableBytes: number };
  addresses: NetworkAddress[];
  /** null where the kernel exposes no CPU thermal sensor (most VMs, containers). */
  cpuTemperatureCelsius: number | null;
}

/**
 * The one door to the operating system. Domain code receives a System and never
 * touches node:fs, node:child_process or /proc itself.
 */
export interface System {
  readonly kind: 'linux' | 'sandbox';
  readonly paths: Paths;
  /** Atomically replace a file under the root (temp file, fsync, rename, fsync dir). */
  writeFile(file: string, data: string | Uint8Array, options?: { mode?: number }): Promise<void>;
  /** A stream (an upload) into a file under the root, whole or not at all; resolves with its size. */
  writeFileFromStream(file: string, source: NodeJS.ReadableStream, options?: { mode?: number }): Promise<number>;
  /** A file under the root as a stream (a download), with its size. */
  openReadStream(file: string): Promise<{ stream: NodeJS.ReadableStream; size: number }>;
  /** Atomically point a symbolic link under the root at `target` (kept as given, e.g. relative). */
  symlink(target: string, link: string): Promise<void>;
  /** The target of a symbolic link under the root, as stored (e.g. relative); undefined when it is not a link. */
  readLink(link: string): Promise<string | undefined>;
  /** Read a file under the root; undefined when it does not exist. */
  readFile(file: string): Promise<string | undefined>;
  /** Append text to a log file under the root (created 0640 if missing). No fsync: logs are not state. */
  appendFile(file: string, text: string): Promise<void>;
  /** The entries of a directory under the root (not recursive, links not followed); [] when it does not exist. */
  listDirectory(dir: string): Promise<Array<{ name: string; type: 'directory' | 'file' | 'symlink' | 'other'; size: number; mtimeMs: number }>>;
  /** What is at a path under the root: a directory, a file, something else, or nothing (undefined). */
  pathType(file: string): Promise<'directory' | 'file' | 'other' | undefined>;
  /** mkdir -p under the root, durably (each new directory's parent is fsynced). */
  makeDirectory(dir: string, options?: { mode?: number }): Promise<void>;
  /** Rename under the root (same filesystem), then fsync both directories. */
  rename(from: string, to: string): Promise<void>;
  /** rm -rf under the root; refuses the root itself and the state directory. No error when it is gone. */
  removeTree(dir: string): Promise<void>;
  /**
   * Make everything written on the file system holding `dir` durable at once (syncfs):
   * far cheaper than an fsync per file when thousands were written.
   */
  syncFileSystem(dir: string): Promise<void>;
  /** Remove a file under the root (durably); no error when it is already gone. */
  removeFile(file: string): Promise<void>;
  /** Run a program with an argv array. Never through a shell. */
  run(argv: readonly string[], options?: RunOptions): Promise<RunResult>;
  /**
   * The file system holding a path under the root, from statfs(2): its type by name
   * ("btrfs", "ext4", "tmpfs", … or "0x…" when unknown) and its space. Reads only: real in the sandbox too.
   */
  fileSystemOf(file: string): Promise<FileSystemInfo>;
  /**
   * Start a program as a stream filter (e.g. `zstd -c`), argv array, never through a
   * shell. Runs for real in the sandbox too: only filters that change nothing on the host belong here.
   */
  pipeThrough(argv: readonly string[], options?: PipeOptions): PipedProgram;
  /** The box's hostname, cheaply (no other facts). */
  hostname(): Promise<string>;
  hostFacts(): Promise<HostFacts>;
}
