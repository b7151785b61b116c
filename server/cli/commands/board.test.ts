import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fixtureById } from '../../boards/fixtures/definitions.js';
import { writeFixtureTree } from '../../boards/fixtures/fixture-tree.js';
import { tempRoot } from '../../testing/temp-root.js';
import { runCli } from '../program.js';

/** A root holding a fixture's files, run as the sandbox would pretend to be that board. */
function fixtureRoot(id: string): string {
  const fixture = fixtureById(id)!;
  const root = tempRoot();
  writeFixtureTree(fixture, root);
  mkdirSync(path.join(root, 'var/lib/hearth'), { recursive: true });
  writeFileSync(path.join(root, 'var/lib/hearth/sandbox-board.json'), JSON.stringify({ fixture: id, arch: fixture.arch }));
  return root;
}

async function cli(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, { env: { HEARTH_SYSTEM: 'sandbox', LANG: 'C', ...env }, stdout: (s) => (stdout += s), stderr: (s) => (stderr += s) });
  return { code, stdout, stderr };
}

describe('hearth board', () => {
  it('--json gives the profile, the rule, the facts and the temperature of a fixture root', async () => {
    const root = fixtureRoot('raspberrypi-4b');
    const { code, stdout } = await cli(['board', '--json', '--root', root]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({
      id: 'raspberrypi-4b',
      name: 'Raspberry Pi 4 Model B',
      rule: { kind: 'compatible', label: 'device-tree compatible string', file: '/proc/device-tree/compatible', value: 'raspberrypi,4-model-b' },
      facts: { arch: 'arm64', model: 'Raspberry Pi 4 Model B Rev 1.4', piRevision: { code: 'c03114', memoryMiB: 4096 } },
      network: { ethernetMbps: 1000 },
      usb3Ports: 2,
      sata: { ports: 0 },
      temperatureCelsius: 48.686,
      thermal: { warnCelsius: 80 },
      warnings: [],
      problems: [],
    });
    expect(report.quirks.map((q: { id: string }) => q.id)).toEqual(['pi4PowerSupply', 'sdCardWear']);
  });

  it('prints the board as text, in the language asked for', async () => {
    const root = fixtureRoot('odroid-hc1');
    const english = await cli(['board', '--root', root]);
    expect(english.code).toBe(0);
    expect(english.stdout).toMatch(/^Board +ODROID-HC1 \/ HC2 \(odroid-hc1\)$/m);
    expect(english.stdout).toMatch(/^Detected by +device-tree compatible string: hardkernel,odroid-hc1 \(\/proc\/device-tree\/compatible\)$/m);
    expect(english.stdout).toMatch(/^SATA ports +1 \(through a USB 3\.0 bridge\)$/m);
    expect(english.stdout).toMatch(/^Armbian +Odroid XU4, BOARD=odroidxu4, 24\.5\.1$/m);
    expect(english.stdout).toContain('Ethernet (RTL8153) and the SATA bay (JMS578)');
    const chinese = await cli(['board', '--root', root], { LANG: 'zh_CN.UTF-8' });
    expect(chinese.stdout).toMatch(/^主板 +ODROID-HC1 \/ HC2/m);
  });

  it('explains an unknown board with a warning and the generic profile', async () => {
    const { code, stdout } = await cli(['board', '--json', '--root', fixtureRoot('unknown-arm64-board')]);
    expect(code).toBe(0);
    const report = JSON.parse(stdout);
    expect(report).toMatchObject({ id: 'generic-arm64', generic: true, rule: { kind: 'architecture', file: null, value: 'arm64' } });
    expect(report.warnings).toEqual([
      { key: 'boards:warnings.unknownBoard', params: { model: 'ACME SBC-9000', profile: 'Generic 64-bit ARM computer' }, text: 'This board (ACME SBC-9000) is not one Hearth has a profile for; the generic profile "Generic 64-bit ARM computer" is used.' },
    ]);
  });

  it('hearth info names the board', async () => {
    const { code, stdout } = await cli(['info', '--root', fixtureRoot('bananapi-m1')]);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Board +Banana Pi \(M1\)$/m);
  });
});
