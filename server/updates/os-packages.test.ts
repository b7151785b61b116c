import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runProgram } from '../system/run-program.js';
import { appHarness } from '../testing/app-harness.js';
import { parseSimulatedUpgrade, upgradeSystemPackages, type PackageUpgradeResult } from './os-packages.js';

describe('system packages', () => {
  it('finishes an interrupted dpkg run first, then updates and upgrades non-interactively (recorded in the sandbox)', async () => {
    const box = appHarness();
    let result: PackageUpgradeResult | undefined;
    const { done } = box.appliance.runner.start({ appId: 'updates', action: 'os-upgrade', startedBy: 'cli:test', params: {}, language: 'en', locks: ['maintenance'] }, async (job) => {
      result = await upgradeSystemPackages(job);
    });
    expect((await done).status).toBe('succeeded');
    expect(await box.programs()).toEqual([
      ['dpkg', '--configure', '-a'],
      ['apt-get', 'update', '-q'],
      ['apt-get', '-s', '-q', 'upgrade'],
    ]);
    expect(result).toEqual({ upgraded: [], rebootRequired: false });
  });

  it('reads the packages to upgrade from a real `apt-get -s upgrade`', async () => {
    if (!existsSync('/usr/bin/apt-get')) return void console.log('skipped: no apt-get on this machine');
    const real = await runProgram(['apt-get', '-s', '-q', 'upgrade'], { env: { ...process.env, LC_ALL: 'C' } as Record<string, string> });
    expect(real.code).toBe(0);
    const names = parseSimulatedUpgrade(real.stdout);
    // Cross-check with apt's own summary line: "N upgraded, M newly installed, …".
    const summary = /^(\d+) upgraded, (\d+) newly installed/m.exec(real.stdout);
    expect(summary).not.toBeNull();
    expect(names.length).toBe(Number(summary![1]) + Number(summary![2]));
    for (const name of names) expect(name).toMatch(/^[a-z0-9][a-z0-9+.-]*(:[a-z0-9]+)?$/);
  });
});
