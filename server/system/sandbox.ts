import os from 'node:os';
import type { Paths } from '../paths.js';
import { readHostFacts } from './host-facts.js';
import { localFiles } from './local-files.js';
import { pipeProgram, runProgram } from './run-program.js';
import { simulationFor } from './sandbox/programs.js';
import { emptySandboxState, normalizeSandboxState, type SandboxState } from './sandbox/state.js';
import type { PipeOptions, RunOptions, RunResult, System } from './types.js';

export type { SandboxState, SandboxRecord } from './sandbox/state.js';

/**
 * The sandbox over ./var/root, used by `npm start` from a checkout and by most tests.
 * Files are written for real under the root. Programs that would change (or report
 * on) the host — systemctl, useradd, swapon, … — are recorded and simulated against
 * a pretend host state in sandbox-state.json (server/system/sandbox/); every other
 * program (tar, openssl, sha256sum, …) runs for real.
 */
export function createSandboxSystem(paths: Paths): System & { sandboxState(): Promise<SandboxState> } {
  const files = localFiles(paths);

  async function readState(): Promise<SandboxState> {
    const raw = await files.readFile(paths.sandboxState);
    return raw ? normalizeSandboxState(JSON.parse(raw)) : emptySandboxState();
  }

  // Read-modify-write of the state file, one at a time so no change is lost.
  let queue: Promise<unknown> = Promise.resolve();
  function simulate(argv: readonly string[], input: string | undefined): Promise<RunResult> {
    const next = queue.then(async () => {
      const state = await readState();
      state.programs.push({ at: new Date().toISOString(), argv: [...argv] });
      const result = simulationFor(argv[0]!)!(argv.slice(1), state, input, { root: paths.root });
      await files.writeFile(paths.sandboxState, JSON.stringify(state, null, 2) + '\n');
      return { code: result.code, signal: null, stdout: result.stdout ?? '', stderr: result.stderr ?? '', simulated: true };
    });
    queue = next.catch(() => {});
    return next;
  }

  // The hostname app writes $ROOT/etc/hostname; the box is called what it wrote.
  async function hostname() {
    const written = (await files.readFile(paths.systemFile('etc/hostname')))?.trim();
    return written || os.hostname();
  }

  return {
    kind: 'sandbox',
    paths,
    ...files,
    run(argv: readonly string[], options?: RunOptions) {
      const [program] = argv;
      if (program && simulationFor(program)) return simulate(argv, options?.input);
      return runProgram(argv, options);
    },
    // Stream filters (zstd) change nothing on the host: they run for real here too.
    pipeThrough(argv: readonly string[], options?: PipeOptions) {
      const [program] = argv;
      if (program && simulationFor(program)) throw new Error(`${program} is simulated in the sandbox and cannot be used as a stream filter`);
      return pipeProgram(argv, options);
    },
    hostname,
    async hostFacts() {
      const facts = await readHostFacts(await hostname(), paths.dataDir);
      // The demo board's memory (its /proc/meminfo, seeded under the root), so the dashboard agrees with its board card.
      const pretend = parseMeminfo((await files.readFile(paths.systemFile('proc/meminfo'))) ?? '');
      return pretend ? { ...facts, memory: pretend } : facts;
    },
    sandboxState: readState,
  };
}

/** MemTotal and MemAvailable of a /proc/meminfo text (kB), or undefined when it has neither. */
export function parseMeminfo(text: string): { totalBytes: number; availableBytes: number } | undefined {
  const kB = (name: string) => {
    const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(text);
    return match ? Number(match[1]) * 1024 : undefined;
  };
  const totalBytes = kB('MemTotal');
  const availableBytes = kB('MemAvailable');
  return totalBytes !== undefined && availableBytes !== undefined ? { totalBytes, availableBytes } : undefined;
}
