import type { JobContext } from '../jobs/job-context.js';

/*
 * Debian packages, kept current in the maintenance window with the owner's consent
 * (the `updates` app's osPackages setting). apt and dpkg have their own recovery, and
 * it is forward: `dpkg --configure -a` finishes what a power cut interrupted, so it runs
 * first every time. Nothing here can roll a package back — on an ext4 root that is
 * beyond Hearth's promise (docs/operations.md, "What a power cut cannot break").
 * Non-interactive: a changed config file keeps the owner's version (--force-confold)
 * unless the package's default was never changed (--force-confdef); needrestart and
 * apt-listchanges never wait for an answer.
 */

const quietEnv = {
  DEBIAN_FRONTEND: 'noninteractive',
  NEEDRESTART_MODE: 'a',
  APT_LISTCHANGES_FRONTEND: 'none',
  LC_ALL: 'C',
};

const dpkgOptions = ['-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold'];

export interface PackageUpgradeResult {
  /** Packages upgraded (or that would be, in the sandbox). */
  upgraded: string[];
  /** The system asks for a restart (a new kernel, libc…): /var/run/reboot-required. */
  rebootRequired: boolean;
}

/** The package names of `Inst` lines in `apt-get -s upgrade` output. */
export function parseSimulatedUpgrade(output: string): string[] {
  const names: string[] = [];
  for (const line of output.split('\n')) {
    const match = /^Inst (\S+)/.exec(line);
    if (match) names.push(match[1]!);
  }
  return names;
}

export async function upgradeSystemPackages(job: JobContext): Promise<PackageUpgradeResult> {
  const { system } = job;
  const env = { ...process.env, ...quietEnv } as Record<string, string>;
  await job.run(['dpkg', '--configure', '-a'], { env, timeoutMs: 30 * 60_000 });
  await job.run(['apt-get', 'update', '-q'], { env, timeoutMs: 10 * 60_000 });
  const simulated = await job.run(['apt-get', '-s', '-q', 'upgrade'], { env, timeoutMs: 5 * 60_000 });
  const upgraded = parseSimulatedUpgrade(simulated.stdout);
  if (upgraded.length === 0) {
    job.info(job.t('updates:os.nothing'));
  } else {
    job.info(job.t('updates:os.upgrading', { number: upgraded.length }));
    await job.run(['apt-get', '-y', '-q', ...dpkgOptions, 'upgrade'], { env, timeoutMs: 60 * 60_000 });
  }
  const rebootRequired = (await system.pathType(system.paths.systemFile('var/run/reboot-required'))) === 'file';
  if (rebootRequired) job.info(job.t('updates:os.rebootRequired'));
  return { upgraded, rebootRequired };
}
