import { fail, ok, type ProgramSimulation } from './simulation.js';

export const hostnamectl: ProgramSimulation = (args, state) => {
  const [verb, value] = args.filter((a) => !a.startsWith('-'));
  if (verb === 'set-hostname' && value) {
    state.hostname = value;
    return ok();
  }
  if (verb === 'hostname' || verb === undefined) return ok(`${state.hostname ?? ''}\n`);
  return fail(1, `hostnamectl (sandbox): unsupported command ${verb}`);
};

export const timedatectl: ProgramSimulation = (args, state) => {
  const [verb, value] = args.filter((a) => !a.startsWith('-'));
  if (verb === 'set-timezone' && value) {
    state.timezone = value;
    return ok();
  }
  if (verb === 'show') return ok(`Timezone=${state.timezone ?? 'Etc/UTC'}\n`);
  return fail(1, `timedatectl (sandbox): unsupported command ${verb ?? ''}`);
};
