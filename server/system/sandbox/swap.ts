import { fail, ok, type ProgramSimulation } from './simulation.js';

/** mkswap FILE: the real program checks the file; the sandbox trusts the caller made it. */
export const mkswap: ProgramSimulation = (args) => {
  const target = args.filter((a) => !a.startsWith('-')).pop();
  return target ? ok(`Setting up swapspace version 1, file ${target}\n`) : fail(1, 'mkswap: no device specified');
};

export const swapon: ProgramSimulation = (args, state) => {
  if (args.some((a) => a.startsWith('--show'))) {
    const raw = args.includes('--raw');
    const header = args.includes('--noheadings') ? '' : raw ? 'NAME\n' : 'NAME\n';
    return ok(header + state.swaps.map((s) => `${s}\n`).join(''));
  }
  const target = args.filter((a) => !a.startsWith('-')).pop();
  if (!target) return fail(1, 'swapon: no device specified');
  if (state.swaps.includes(target)) return fail(255, `swapon: ${target}: swapon failed: Device or resource busy`);
  state.swaps.push(target);
  return ok();
};

export const swapoff: ProgramSimulation = (args, state) => {
  const target = args.filter((a) => !a.startsWith('-')).pop();
  if (!target) return fail(1, 'swapoff: no device specified');
  if (!state.swaps.includes(target)) return fail(255, `swapoff: ${target}: swapoff failed: Invalid argument`);
  state.swaps = state.swaps.filter((s) => s !== target);
  return ok();
};
