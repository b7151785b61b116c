import type { BoardCapability, BoardProfile } from '../boards/types.js';
import type { AnyAppDefinition, AppEnvironment, Availability } from './types.js';

/**
 * Containers (LXC, Docker, systemd-nspawn) share the host's kernel: swap, zram, disks,
 * power and the like are the host's business there. systemd writes the container
 * kind to /run/systemd/container; Docker leaves /.dockerenv.
 */
export async function containerKind({ system }: AppEnvironment): Promise<string | undefined> {
  const declared = (await system.readFile(system.paths.systemFile('run/systemd/container')))?.trim();
  if (declared) return declared;
  if ((await system.readFile(system.paths.systemFile('.dockerenv'))) !== undefined) return 'docker';
  return undefined;
}

export async function notInContainer(env: AppEnvironment): Promise<Availability> {
  const kind = await containerKind(env);
  return kind ? { available: false, reason: 'apps:unavailable.container', params: { kind } } : { available: true };
}

/**
 * The board's say: an app the board's profile hides, or one that needs what the
 * board lacks (`needs: ['sata']` on a Raspberry Pi), is unavailable with the reason.
 * A generic profile knows no facts, so it hides nothing.
 */
export function boardAvailability(app: Pick<AnyAppDefinition, 'id' | 'needs'>, profile: BoardProfile): Availability {
  if (profile.defaults.apps.hide.includes(app.id)) return { available: false, reason: 'boards:unavailable.hidden', params: { board: profile.name } };
  if (profile.detection.generic) return { available: true };
  const lacking = (app.needs ?? []).find((need) => !boardHas(profile, need));
  return lacking ? { available: false, reason: `boards:unavailable.${lacking}`, params: { board: profile.name } } : { available: true };
}

function boardHas(profile: BoardProfile, capability: BoardCapability): boolean {
  switch (capability) {
    case 'sata':
      return (profile.sata.ports ?? 0) > 0;
    case 'usb3':
      return (profile.usb3Ports ?? 0) > 0;
    case 'ethernet':
      return profile.network.ethernetMbps !== null;
    case 'wifi':
      return profile.network.wifi !== null;
  }
}
