import { fail, ok, type ProgramSimulation } from './simulation.js';

/** systemctl for services (enable, disable, start, stop, restart, reload, is-active, is-enabled) and power. */
export const systemctl: ProgramSimulation = (args, state) => {
  const now = args.includes('--now');
  const [verb, ...rest] = args.filter((a) => !a.startsWith('-'));
  const units = rest.map((u) => u.replace(/\.service$/, ''));
  const service = (unit: string) => (state.services[unit] ??= { enabled: false, active: false });
  switch (verb) {
    case 'enable':
      for (const unit of units) Object.assign(service(unit), { enabled: true }, now ? { active: true } : {});
      return ok();
    case 'disable':
      for (const unit of units) Object.assign(service(unit), { enabled: false }, now ? { active: false } : {});
      return ok();
    case 'start':
    case 'restart':
    case 'reload-or-restart':
      for (const unit of units) service(unit).active = true;
      return ok();
    case 'reload':
    case 'try-restart':
    case 'try-reload-or-restart':
      return ok();
    case 'stop':
      for (const unit of units) service(unit).active = false;
      return ok();
    case 'is-active': {
      const active = units.every((unit) => state.services[unit]?.active);
      return { code: active ? 0 : 3, stdout: units.map((u) => (state.services[u]?.active ? 'active' : 'inactive')).join('\n') + '\n' };
    }
    case 'is-enabled': {
      const enabled = units.every((unit) => state.services[unit]?.enabled);
      return { code: enabled ? 0 : 1, stdout: units.map((u) => (state.services[u]?.enabled ? 'enabled' : 'disabled')).join('\n') + '\n' };
    }
    case 'daemon-reload':
    case 'reboot':
    case 'poweroff':
      return ok();
    default:
      return fail(1, `systemctl (sandbox): unsupported command ${verb ?? ''}`);
  }
};
