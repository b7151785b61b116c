import type { SandboxState } from './state.js';

export interface SimulatedResult {
  code: number;
  stdout?: string;
  stderr?: string;
}

/**
 * How one host program behaves in the sandbox: it reads and changes the pretend
 * host state instead of the real one, and answers as the real program would
 * (same exit codes, same output format for what callers parse).
 */
export type ProgramSimulation = (args: string[], state: SandboxState, input: string | undefined, host?: SandboxHost) => SimulatedResult;

/** What a simulation may know about the sandbox itself: its root, to tell paths on the pretend host from real ones. */
export interface SandboxHost {
  root: string;
}

export const ok = (stdout = ''): SimulatedResult => ({ code: 0, stdout });
export const fail = (code: number, stderr: string): SimulatedResult => ({ code, stderr: stderr.endsWith('\n') ? stderr : stderr + '\n' });
