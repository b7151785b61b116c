import { Type } from 'typebox';
import type { JobContext } from '../../jobs/job-context.js';
import type { System } from '../../system/index.js';
import { notInContainer } from '../availability.js';
import { param } from '../params.js';
import { defineApp } from '../types.js';

export const zramAlgorithms = ['zstd', 'lz4', 'lzo-rle'] as const;
const MiB = 1024 * 1024;

/** Debian's zram-tools: /usr/sbin/zramswap, run by zramswap.service, reads this file (bash `source`). */
const configFile = 'etc/default/zramswap';
const zramswapScript = 'usr/sbin/zramswap';
const service = 'zramswap.service';

export interface ZramswapSettings {
  ALGO: string;
  PERCENT: number;
  PRIORITY: number;
}

const assignment = (key: string) => new RegExp(`^\\s*(export\\s+)?${key}=`);
const commentedExample = (key: string) => new RegExp(`^\\s*#\\s*${key}=`);

/**
 * The values the zramswap script will see: it sources the file with bash, so the last
 * assignment of a name wins. Quotes are removed; a trailing comment is not a value.
 */
export function readZramswapConfig(text: string | undefined): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of (text ?? '').split('\n')) {
    const match = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|([^\s#]*))/.exec(line);
    if (match) values[match[1]!] = match[3] ?? match[4] ?? match[5] ?? '';
  }
  return values;
}

/**
 * /etc/default/zramswap with Hearth's settings (ALGO, PERCENT, PRIORITY), keeping every
 * other line, comments included: it is the package's conffile and an admin may have
 * added to it. A setting already assigned is changed in place (later duplicates,
 * which would win, go); one only shown as a commented example (#ALGO=lz4) is set on
 * the line after the example; anything else is appended.
 */
export function zramswapConfig(current: string | undefined, settings: ZramswapSettings): string {
  const text = current ?? '# Written by Hearth for zram-tools (zramswap.service).\n';
  const lines = text.split('\n');
  const endsWithNewline = lines.at(-1) === '';
  if (endsWithNewline) lines.pop();
  for (const [key, value] of Object.entries(settings)) {
    const line = `${key}=${value}`;
    const assigned = lines.flatMap((l, i) => (assignment(key).test(l) ? [i] : []));
    if (assigned.length) {
      lines[assigned[0]!] = line;
      for (const index of assigned.slice(1).reverse()) lines.splice(index, 1);
      continue;
    }
    const example = lines.findIndex((l) => commentedExample(key).test(l));
    if (example >= 0) lines.splice(example + 1, 0, line);
    else lines.push(line);
  }
  return lines.join('\n') + '\n';
}

async function exists(system: System, relative: string): Promise<boolean> {
  return (await system.run(['test', '-e', system.paths.systemFile(relative)])).code === 0;
}

async function serviceState(system: System): Promise<{ enabled: boolean; active: boolean }> {
  const [enabled, active] = await Promise.all([system.run(['systemctl', 'is-enabled', service]), system.run(['systemctl', 'is-active', service])]);
  return { enabled: enabled.code === 0, active: active.code === 0 };
}

/** `zramctl --output NAME,DISKSIZE,ALGORITHM --noheadings --raw --bytes`: one device a line. */
export function parseZramctl(stdout: string): Array<{ name: string; bytes: number; algorithm: string }> {
  return stdout
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [name = '', bytes = '0', algorithm = ''] = line.trim().split(/\s+/);
      return { name, bytes: Number(bytes), algorithm };
    });
}

/** The zram devices the kernel has now (none where the module is not loaded). */
async function zramDevices(system: System) {
  const result = await system.run(['zramctl', '--output', 'NAME,DISKSIZE,ALGORITHM', '--noheadings', '--raw', '--bytes']);
  return result.code === 0 ? parseZramctl(result.stdout) : [];
}

const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };
const aptTimeoutMs = 15 * 60_000;

/**
 * apt-get install zram-tools, unattended: waits for another apt (unattended-upgrades)
 * to finish, and keeps an existing /etc/default/zramswap without asking. Stale
 * package lists are the usual reason an install fails: then update and try again.
 */
export async function installZramTools(job: Pick<JobContext, 'run' | 'info' | 't'>) {
  const install = [
    'apt-get', 'install', '-y', '--no-install-recommends',
    '-o', 'DPkg::Lock::Timeout=300', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold',
    'zram-tools',
  ];
  job.info(job.t('app-zram:log.installing'));
  const first = await job.run(install, { env: aptEnv, timeoutMs: aptTimeoutMs, allowFailure: true });
  if (first.code === 0) return;
  job.info(job.t('app-zram:log.updatingLists'));
  await job.run(['apt-get', 'update'], { env: aptEnv, timeoutMs: aptTimeoutMs });
  await job.run(install, { env: aptEnv, timeoutMs: aptTimeoutMs });
}

/**
 * Compressed swap in RAM with Debian's zram-tools: /etc/default/zramswap says how
 * big (a share of RAM), which compressor and which swap priority; zramswap.service
 * makes /dev/zram0 at boot. zram-tools is installed when it is missing.
 */
export default defineApp({
  id: 'zram',
  category: 'system',
  kind: 'configure',
  // It may run apt-get: never at the same time as an update (which runs apt too) or a restore.
  heavy: true,
  params: Type.Object({
    enabled: param.boolean({ default: false }),
    percentOfRam: param.integer({ default: 50, minimum: 10, maximum: 150, unit: '%' }),
    algorithm: param.enum(zramAlgorithms, { default: 'zstd' }),
    // zram-tools' default; above the -2, -3 … the kernel gives a swap file, so zram fills first.
    priority: param.integer({ default: 100, minimum: 0, maximum: 32767 }),
  }),
  async availability(env) {
    const container = await notInContainer(env);
    if (!container.available) return container;
    const { system } = env;
    // Armbian sets up zram itself (zram0 for swap, zram1 for its RAM log); zramswap would unload it under Armbian's feet.
    for (const unit of ['lib/systemd/system/armbian-zram-config.service', 'usr/lib/systemd/system/armbian-zram-config.service']) {
      if (await exists(system, unit)) return { available: false, reason: 'app-zram:unavailable.armbian' };
    }
    // systemd's zram-generator (Raspberry Pi OS trixie's rpi-swap, Fedora) owns /dev/zram0 where it is installed.
    for (const generator of ['lib/systemd/system-generators/zram-generator', 'usr/lib/systemd/system-generators/zram-generator']) {
      if (await exists(system, generator)) return { available: false, reason: 'app-zram:unavailable.generator' };
    }
    return { available: true };
  },
  async status({ system }) {
    const state = await serviceState(system);
    const on = state.enabled && state.active;
    const config = readZramswapConfig(await system.readFile(system.paths.systemFile(configFile)));
    const values: { enabled: boolean; percentOfRam?: number; algorithm?: never; priority?: number } = { enabled: on };
    const percent = Number(config.PERCENT);
    if (/^\d+$/.test(config.PERCENT ?? '') && percent >= 10 && percent <= 150) values.percentOfRam = percent;
    const algorithm = zramAlgorithms.find((a) => a === config.ALGO);
    // `as never`: param.enum's static type is never (server/apps/params.ts), not the union of its values.
    if (algorithm) values.algorithm = algorithm as never;
    const priority = Number(config.PRIORITY);
    if (/^\d+$/.test(config.PRIORITY ?? '') && priority <= 32767) values.priority = priority;
    const details = (await zramDevices(system)).map((device) => ({
      label: 'app-zram:details.device',
      value: `${device.name}: ${Math.round(device.bytes / MiB)} MiB, ${device.algorithm}`,
    }));
    const memory = (await system.hostFacts()).memory.totalBytes;
    details.unshift({ label: 'app-zram:details.memory', value: `${Math.round(memory / MiB)} MiB` });
    return { active: on, values, details };
  },
  async apply({ enabled, percentOfRam, algorithm, priority }, job) {
    const { system } = job;
    if (!enabled) {
      const state = await serviceState(system);
      if (!state.enabled && !state.active) {
        job.info(job.t('app-zram:log.alreadyOff'));
        return;
      }
      job.info(job.t('app-zram:log.disabling'));
      // ExecStop: zramswap stop — swapoff /dev/zram0 (its pages move back into RAM) and unload the zram module.
      await job.run(['systemctl', 'disable', '--now', service]);
      job.info(job.t('app-zram:log.disabled'));
      return;
    }

    if (!(await exists(system, zramswapScript))) await installZramTools(job);
    const file = system.paths.systemFile(configFile);
    const before = await system.readFile(file);
    const after = zramswapConfig(before, { ALGO: algorithm, PERCENT: percentOfRam, PRIORITY: priority });
    if (after !== before) {
      job.info(job.t('app-zram:log.writing', { file: '/etc/default/zramswap' }));
      await system.writeFile(file, after, { mode: 0o644 });
    }
    const now = await serviceState(system);
    if (!now.enabled) await job.run(['systemctl', 'enable', service]);
    if (after !== before || !now.active) {
      // restart = zramswap stop + start: the device is made again with the new size and compressor.
      job.info(job.t('app-zram:log.restarting'));
      await job.run(['systemctl', 'restart', service]);
    } else {
      job.info(job.t('app-zram:log.unchanged'));
    }
    job.info(job.t('app-zram:log.done', { percent: percentOfRam, algorithm }));
  },
});
