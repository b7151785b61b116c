import type { AppEnvironment, Availability } from './types.js';

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
