import os from 'node:os';
import type { Paths } from '../paths.js';
import { readHostFacts } from './host-facts.js';
import { localFiles } from './local-files.js';
import { pipeProgram, runProgram } from './run-program.js';
import type { System } from './types.js';

/** The real thing, used when installed on a board. */
export function createLinuxSystem(paths: Paths): System {
  return {
    kind: 'linux',
    paths,
    ...localFiles(paths),
    run: runProgram,
    pipeThrough: pipeProgram,
    hostname: async () => os.hostname(),
    hostFacts: () => readHostFacts(os.hostname(), paths.dataDir),
  };
}
