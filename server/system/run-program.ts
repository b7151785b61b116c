import { execFile, spawn } from 'node:child_process';
import type { PipedExit, PipedProgram, PipeOptions, RunOptions, RunResult } from './types.js';

const defaultTimeoutMs = 60_000;
const maxOutputBytes = 16 * 1024 * 1024;

export class ProgramNotFoundError extends Error {
  constructor(readonly program: string) {
    super(`program not found: ${program}`);
    this.name = 'ProgramNotFoundError';
  }
}

/**
 * execFile with an argv array and shell: false, so no argument is ever interpreted
 * by a shell. A non-zero exit is a result, not an exception; only a program that
 * cannot be started throws.
 */
export function runProgram(argv: readonly string[], options: RunOptions = {}): Promise<RunResult> {
  const [program, ...args] = argv;
  if (!program) return Promise.reject(new Error('runProgram needs a program'));
  return new Promise((resolve, reject) => {
    const child = execFile(
      program,
      args,
      {
        shell: false,
        timeout: options.timeoutMs ?? defaultTimeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: maxOutputBytes,
        cwd: options.cwd,
        // A stable, English C locale keeps programs' output parseable.
        env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', ...options.env },
        encoding: 'utf8',
        windowsHide: true,
      },
      (error, stdout, stderr) => {
        const failure = error as (NodeJS.ErrnoException & { code?: unknown; signal?: NodeJS.Signals | null }) | null;
        if (failure && failure.code === 'ENOENT') return reject(new ProgramNotFoundError(program));
        if (failure && typeof failure.code === 'string' && failure.code !== 'ERR_CHILD_PROCESS_STDIO_MAXBUFFER') {
          return reject(failure);
        }
        resolve({
          code: failure ? (typeof failure.code === 'number' ? failure.code : null) : 0,
          signal: failure?.signal ?? null,
          stdout,
          stderr,
          simulated: false,
        });
      },
    );
    if (options.onOutput) {
      const onOutput = options.onOutput;
      child.stdout?.on('data', (chunk: string) => onOutput('out', chunk));
      child.stderr?.on('data', (chunk: string) => onOutput('err', chunk));
    }
    if (options.input !== undefined) child.stdin?.end(options.input);
    else child.stdin?.end();
  });
}

/**
 * Starts a program whose stdin and stdout are streams (a filter such as `zstd -c`),
 * argv array, no shell. Its stderr is kept (the last 64 KiB) for the error message.
 * Read stdout at once (attach a listener or pipe it in the same tick): Node drops
 * the output a child left unread when it exits.
 * `done` settles once the program has exited and its output is fully read; it
 * rejects with ProgramNotFoundError when the program cannot be started. An abort
 * signal or kill() ends it with SIGKILL.
 */
export function pipeProgram(argv: readonly string[], options: PipeOptions = {}): PipedProgram {
  const [program, ...args] = argv;
  if (!program) throw new Error('pipeProgram needs a program');
  const child = spawn(program, args, {
    shell: false,
    stdio: ['pipe', 'pipe', 'pipe'],
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8', ...options.env },
    windowsHide: true,
  });
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-maxPipeStderrChars);
  });
  const done = new Promise<PipedExit>((resolve, reject) => {
    child.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'ENOENT' ? new ProgramNotFoundError(program) : error);
    });
    child.once('close', (code, signal) => resolve({ code, signal, stderr }));
  });
  // Whoever reads `done` decides what a failure means; an unread rejection must not crash.
  done.catch(() => {});
  if (options.signal) {
    if (options.signal.aborted) kill();
    else options.signal.addEventListener('abort', kill, { once: true });
    void done.finally(() => options.signal?.removeEventListener('abort', kill)).catch(() => {});
  }
  return { stdin: child.stdin, stdout: child.stdout, done, kill };
}

const maxPipeStderrChars = 64 * 1024;
