import type { Paths } from '../paths.js';
import { createLinuxSystem } from './linux.js';
import { createSandboxSystem } from './sandbox.js';
import type { System } from './types.js';

export type SystemKind = System['kind'];
export type { System, HostFacts, FileSystemInfo, RunResult, RunOptions, NetworkAddress, PipeOptions, PipedProgram, PipedExit } from './types.js';

export function createSystem(kind: SystemKind, paths: Paths): System {
  return kind === 'linux' ? createLinuxSystem(paths) : createSandboxSystem(paths);
}
