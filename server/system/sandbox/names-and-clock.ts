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
  if (verb === 'show') {
    // `show -p NTPSynchronized --value`: the pretend host's clock is synchronized unless a test says otherwise (extra.ntpSynchronized = false).
    const property = args[args.indexOf('-p') + 1];
    if (args.includes('-p') && property === 'NTPSynchronized') {
      const synced = state.extra.ntpSynchronized === false ? 'no' : 'yes';
      return ok(args.includes('--value') ? `${synced}\n` : `NTPSynchronized=${synced}\n`);
    }
    return ok(`Timezone=${state.timezone ?? 'Etc/UTC'}\n`);
  }
  return fail(1, `timedatectl (sandbox): unsupported command ${verb ?? ''}`);
};
