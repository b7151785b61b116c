import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import type { RunResult } from '../../system/index.js';
import { createSandboxSystem } from '../../system/sandbox.js';
import { appHarness } from '../../testing/app-harness.js';
import zram, { installZramTools, parseZramctl, readZramswapConfig, zramswapConfig } from './zram.js';

const en = translator('en');
const queries = [
  ['systemctl', 'is-enabled', 'zramswap.service'],
  ['systemctl', 'is-active', 'zramswap.service'],
];
const zramctl = ['zramctl', '--output', 'NAME,DISKSIZE,ALGORITHM', '--noheadings', '--raw', '--bytes'];
/** What status() asks the host. */
const statusQueries = [...queries, zramctl];
const aptInstall = [
  'apt-get', 'install', '-y', '--no-install-recommends',
  '-o', 'DPkg::Lock::Timeout=300', '-o', 'Dpkg::Options::=--force-confdef', '-o', 'Dpkg::Options::=--force-confold',
  'zram-tools',
];

/** /etc/default/zramswap as zram-tools 0.3.3.1 (Debian bookworm) ships it. */
const debianDefault = `# Compression algorithm selection
# speed: lz4 > zstd > lzo
# compression: zstd > lzo > lz4
# This is not inclusive of all that is available in latest kernels
# See /sys/block/zram0/comp_algorithm (when zram module is loaded) to see
# what is currently set and available for your kernel[1]
# [1]  https://github.com/torvalds/linux/blob/master/Documentation/blockdev/zram.txt#L86
#ALGO=lz4

# Specifies the amount of RAM that should be used for zram
# based on a percentage the total amount of available memory
# This takes precedence and overrides SIZE below
#PERCENT=50

# Specifies a static amount of RAM that should be used for
# the ZRAM devices, this is in MiB
#SIZE=256

# Specifies the priority for the swap devices, see swapon(2)
# for more details. Higher number = higher priority
# This should probably be higher than hdd/ssd swaps.
#PRIORITY=100
`;

function harness(options: { installed?: boolean; config?: string } = {}) {
  const box = appHarness({ apps: [zram] });
  const at = (file: string) => box.appliance.paths.systemFile(file);
  if (options.installed) {
    mkdirSync(at('usr/sbin'), { recursive: true });
    writeFileSync(at('usr/sbin/zramswap'), '#!/bin/bash\n', { mode: 0o755 });
  }
  if (options.config !== undefined) {
    mkdirSync(at('etc/default'), { recursive: true });
    writeFileSync(at('etc/default/zramswap'), options.config);
  }
  return { box, at, commands: (log: string[]) => log.filter((line) => line.startsWith('$ ')).map((line) => line.slice(2)) };
}

describe('zram app', () => {
  it('installs zram-tools when missing, writes /etc/default/zramswap, enables and starts zramswap.service, and reads it back', async () => {
    const { box, at, commands } = harness();
    const { job, log } = await box.run('zram', { enabled: true, percentOfRam: 50, algorithm: 'zstd' });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(box.file('etc/default/zramswap')).toBe('# Written by Hearth for zram-tools (zramswap.service).\nALGO=zstd\nPERCENT=50\nPRIORITY=100\n');
    expect(statSync(at('etc/default/zramswap')).mode & 0o777).toBe(0o644);
    expect(await box.programs()).toEqual([
      ...statusQueries,
      aptInstall,
      ...queries,
      ['systemctl', 'enable', 'zramswap.service'],
      ['systemctl', 'restart', 'zramswap.service'],
    ]);
    expect(commands(log)).toEqual([aptInstall.join(' '), 'systemctl enable zramswap.service', 'systemctl restart zramswap.service']);
    expect(log).toContain('Installing zram-tools');
    expect(log.at(-1)).toBe('zram swap is on: 50 % of the memory, compressed with zstd.');
    expect((await box.state()).services.zramswap).toEqual({ enabled: true, active: true });

    const detail = await box.appliance.apps.detail('zram', en);
    expect([detail.active, detail.heavy]).toEqual([true, true]);
    expect(Object.fromEntries(detail.params.map((p) => [p.id, p.value]))).toEqual({ enabled: true, percentOfRam: 50, algorithm: 'zstd', priority: 100 });
    expect(detail.params.find((p) => p.id === 'algorithm')?.options).toEqual([
      { value: 'zstd', label: 'zstd (smallest)' },
      { value: 'lz4', label: 'lz4 (fastest)' },
      { value: 'lzo-rle', label: 'lzo-rle (balanced)' },
    ]);
    expect(detail.params.find((p) => p.id === 'percentOfRam')).toMatchObject({ minimum: 10, maximum: 150, unit: '%', default: 50 });
    // The sandbox has no zram device (zramctl is recorded only and lists none): only the memory.
    expect(detail.details).toEqual([{ label: 'Memory', value: expect.stringMatching(/^\d+ MiB$/) }]);
    expect(box.appliance.saved.get('zram')).toEqual({ enabled: true, percentOfRam: 50, algorithm: 'zstd', priority: 100 });
  });

  it("sets the package's own config file, keeping its comments and examples, without reinstalling", async () => {
    const { box, commands } = harness({ installed: true, config: debianDefault });
    const { job, log } = await box.run('zram', { enabled: true, percentOfRam: 120, algorithm: 'lz4', priority: 50 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(box.file('etc/default/zramswap')).toBe(
      debianDefault.replace('#ALGO=lz4\n', '#ALGO=lz4\nALGO=lz4\n').replace('#PERCENT=50\n', '#PERCENT=50\nPERCENT=120\n').replace('#PRIORITY=100\n', '#PRIORITY=100\nPRIORITY=50\n'),
    );
    expect(commands(log)).toEqual(['systemctl enable zramswap.service', 'systemctl restart zramswap.service']);
    expect((await box.programs()).some((argv) => argv[0] === 'apt-get')).toBe(false);
    const detail = await box.appliance.apps.detail('zram', en);
    expect(Object.fromEntries(detail.params.map((p) => [p.id, p.value]))).toEqual({ enabled: true, percentOfRam: 120, algorithm: 'lz4', priority: 50 });
  });

  it('restarts only when a setting changed', async () => {
    const { box, commands } = harness({ installed: true, config: debianDefault });
    await box.run('zram', { enabled: true, percentOfRam: 50, algorithm: 'zstd' });
    const written = box.file('etc/default/zramswap');

    const same = await box.run('zram', { enabled: true, percentOfRam: 50, algorithm: 'zstd' });
    expect(same.job.status).toBe('succeeded');
    expect(commands(same.log)).toEqual([]);
    expect(same.log).toContain('zram is already running with these settings.');
    expect(box.file('etc/default/zramswap')).toBe(written);

    const changed = await box.run('zram', { enabled: true, percentOfRam: 50, algorithm: 'lzo-rle' });
    expect(changed.job.status).toBe('succeeded');
    expect(commands(changed.log)).toEqual(['systemctl restart zramswap.service']);
    expect(box.file('etc/default/zramswap')).toBe(written!.replace('\nALGO=zstd\n', '\nALGO=lzo-rle\n'));
  });

  it('switches off with systemctl disable --now, leaving the config file as it is', async () => {
    const { box, commands } = harness({ installed: true, config: debianDefault });
    await box.run('zram', { enabled: true, percentOfRam: 50, algorithm: 'zstd' });
    const written = box.file('etc/default/zramswap');
    const before = (await box.programs()).length;
    const { job, log } = await box.run('zram', { enabled: false });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual(['systemctl disable --now zramswap.service']);
    expect((await box.programs()).slice(before)).toEqual([...statusQueries, ...queries, ['systemctl', 'disable', '--now', 'zramswap.service']]);
    expect(box.file('etc/default/zramswap')).toBe(written);
    expect((await box.state()).services.zramswap).toEqual({ enabled: false, active: false });
    expect(log.at(-1)).toBe('zram swap is off and stays off after a restart.');
    const detail = await box.appliance.apps.detail('zram', en);
    expect(detail.active).toBe(false);
    expect(detail.params.find((p) => p.id === 'enabled')?.value).toBe(false);

    const again = await box.run('zram', { enabled: false });
    expect(commands(again.log)).toEqual([]);
    expect(again.log.at(-1)).toBe('zram swap is already off.');
  });

  it('reads what an admin set by hand, ignoring values the form cannot show', async () => {
    const { box } = harness({ installed: true, config: 'ALGO=lz4hc\nPERCENT=25\nPRIORITY="7" # mine\n' });
    await createSandboxSystem(box.appliance.paths).run(['systemctl', 'enable', '--now', 'zramswap.service']);
    const detail = await box.appliance.apps.detail('zram', en);
    expect(detail.active).toBe(true);
    expect(Object.fromEntries(detail.params.map((p) => [p.id, p.value]))).toEqual({ enabled: true, percentOfRam: 25, algorithm: 'zstd', priority: 7 });
  });

  it('is not offered in a container, on Armbian or where zram-generator owns zram', async () => {
    for (const [file, reason] of [
      ['run/systemd/container', 'Not available in a container (lxc): the host manages this.'],
      ['lib/systemd/system/armbian-zram-config.service', 'Armbian sets up zram itself (armbian-zram-config); change it with armbian-config.'],
      ['usr/lib/systemd/system-generators/zram-generator', "systemd's zram-generator sets up zram on this box (/etc/systemd/zram-generator.conf)."],
    ] as const) {
      const { box, at } = harness();
      mkdirSync(path.dirname(at(file)), { recursive: true });
      writeFileSync(at(file), 'lxc\n');
      const detail = await box.appliance.apps.detail('zram', en);
      expect([detail.available, detail.unavailableReason], file).toEqual([false, reason]);
      await expect(box.run('zram', { enabled: true })).rejects.toMatchObject({ code: 'HEARTH_ERR_APP_UNAVAILABLE' });
      expect(box.file('etc/default/zramswap')).toBeUndefined();
    }
  });

  it('refuses bad input, writing, running and saving nothing', async () => {
    const { box } = harness();
    const refusals: Array<[Record<string, unknown>, string, string]> = [
      [{ percentOfRam: 9 }, 'percentOfRam', 'errors:fields.tooSmall'],
      [{ percentOfRam: 151 }, 'percentOfRam', 'errors:fields.tooLarge'],
      [{ percentOfRam: 50.5 }, 'percentOfRam', 'errors:fields.wrongType'],
      [{ percentOfRam: '50' }, 'percentOfRam', 'errors:fields.wrongType'],
      [{ percentOfRam: null }, 'percentOfRam', 'errors:fields.wrongType'],
      [{ algorithm: 'lz4hc' }, 'algorithm', 'errors:fields.notInList'],
      [{ algorithm: 'ZSTD' }, 'algorithm', 'errors:fields.notInList'],
      [{ algorithm: 'zstd; reboot' }, 'algorithm', 'errors:fields.notInList'],
      [{ algorithm: 'zstd\nPERCENT=150' }, 'algorithm', 'errors:fields.notInList'],
      [{ algorithm: '$(reboot)' }, 'algorithm', 'errors:fields.notInList'],
      [{ algorithm: 'zs\u0000td' }, 'algorithm', 'errors:fields.notInList'],
      [{ algorithm: '' }, 'algorithm', 'errors:fields.notInList'],
      [{ algorithm: 3 }, 'algorithm', 'errors:fields.wrongType'],
      [{ priority: -1 }, 'priority', 'errors:fields.tooSmall'],
      [{ priority: 32768 }, 'priority', 'errors:fields.tooLarge'],
      [{ enabled: 'on' }, 'enabled', 'errors:fields.wrongType'],
      [{ size: 256 }, 'size', 'errors:fields.unknown'],
    ];
    for (const [input, param, key] of refusals) {
      const errors = await box.refused('zram', { enabled: true, ...input });
      expect(errors, JSON.stringify(input)).toEqual([{ param, key }]);
    }
    expect(box.file('etc/default/zramswap')).toBeUndefined();
    // Only status queries, before each check.
    const programs = await box.programs();
    expect(programs).toEqual(refusals.flatMap(() => statusQueries));
    expect(box.appliance.saved.get('zram')).toBeUndefined();
    expect(box.appliance.jobs.recent(10)).toEqual([]);
  });
});

describe('zram helpers', () => {
  it('edits /etc/default/zramswap: in place, after the example, or at the end; later duplicates go', () => {
    const settings = { ALGO: 'zstd', PERCENT: 50, PRIORITY: 100 };
    expect(zramswapConfig('# mine\nALGO=lz4\nSIZE=256\nexport PERCENT=20\nALGO=lzo\n', settings)).toBe('# mine\nALGO=zstd\nSIZE=256\nPERCENT=50\nPRIORITY=100\n');
    expect(zramswapConfig('#PERCENT=50', settings)).toBe('#PERCENT=50\nPERCENT=50\nALGO=zstd\nPRIORITY=100\n');
    expect(zramswapConfig('', settings)).toBe('ALGO=zstd\nPERCENT=50\nPRIORITY=100\n');
    // Idempotent.
    const once = zramswapConfig(debianDefault, settings);
    expect(zramswapConfig(once, settings)).toBe(once);
  });

  it('reads the config as bash would: last assignment wins, quotes and comments removed', () => {
    expect(readZramswapConfig('#ALGO=lz4\nALGO=lz4\nALGO="zstd"\nPERCENT=75 # three quarters\nexport PRIORITY=\'9\'\n')).toEqual({ ALGO: 'zstd', PERCENT: '75', PRIORITY: '9' });
    expect(readZramswapConfig(undefined)).toEqual({});
  });

  it('parses zramctl --raw --bytes output', () => {
    expect(parseZramctl('/dev/zram0 2041118720 zstd\n/dev/zram1 52428800 lzo-rle\n')).toEqual([
      { name: '/dev/zram0', bytes: 2041118720, algorithm: 'zstd' },
      { name: '/dev/zram1', bytes: 52428800, algorithm: 'lzo-rle' },
    ]);
    expect(parseZramctl('')).toEqual([]);
  });

  it('updates the package lists and tries again when installing fails', async () => {
    const ran: string[][] = [];
    const lines: string[] = [];
    let installs = 0;
    const job = {
      t: en,
      info: (line: string) => void lines.push(line),
      async run(argv: readonly string[], options?: { allowFailure?: boolean; env?: Record<string, string> }): Promise<RunResult> {
        ran.push([...argv]);
        expect(options?.env).toEqual({ DEBIAN_FRONTEND: 'noninteractive' });
        // The first install fails as with stale lists (404 on the mirror).
        const code = argv[1] === 'install' && installs++ === 0 ? 100 : 0;
        if (code && !options?.allowFailure) throw new Error('failed');
        return { code, signal: null, stdout: '', stderr: '', simulated: false };
      },
    };
    await installZramTools(job);
    expect(ran).toEqual([aptInstall, ['apt-get', 'update'], aptInstall]);
    expect(lines).toEqual(['Installing zram-tools', 'The install failed; updating the package lists and trying again.']);
  });
});
