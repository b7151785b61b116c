import path from 'node:path';
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

/** A path on the real disk as the pretend host names it ("/media/usb"), or undefined when it is outside the sandbox root. */
export function toBox(host: SandboxHost, real: string): string | undefined {
  const relative = path.relative(host.root, path.resolve(real));
  if (relative.startsWith('..') || path.isAbsolute(relative)) return undefined;
  return '/' + relative.split(path.sep).join('/');
}

/** Where a path of the pretend host is on the real disk. */
export function toReal(host: SandboxHost, boxPath: string): string {
  return path.resolve(path.join(host.root, boxPath));
}

/** The operands of a command line; `withValue` are the options taking a value, so that value is not read as an operand. */
export function operands(args: string[], withValue: readonly string[]): string[] {
  const found: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (withValue.includes(arg)) i++;
    else if (arg === '--') found.push(...args.slice(i + 1)), (i = args.length);
    else if (!arg.startsWith('-')) found.push(arg);
  }
  return found;
}

/** The value of the first of `names` given ("-o X", "--options X" or "--options=X"). */
export function optionValue(args: string[], names: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (names.includes(arg)) return args[i + 1];
    const long = names.find((n) => n.startsWith('--') && arg.startsWith(`${n}=`));
    if (long) return arg.slice(long.length + 1);
  }
  return undefined;
}
