import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppliance } from '../../appliance.js';
import { appVersion } from '../../paths.js';
import { tempRoot } from '../../testing/temp-root.js';
import { installAs, testChannel, type PublishedRelease, type TestChannel } from '../../updates/testing/test-channel.js';
import { runCli } from '../program.js';
import { parseWindow } from './update.js';

/** The CLI contract owners' scripts depend on: flags, --json output and exit codes (0 ok, 1 failed, 2 usage, 3 busy). */
async function cli(args: string[], root: string, options: { lang?: string; invokedAs?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { PATH: process.env.PATH, HEARTH_SYSTEM: 'sandbox', HEARTH_ROOT: root, USER: 'root', ...(options.lang ? { LANG: options.lang } : {}) },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdin: Readable.from([]),
    ...(options.invokedAs ? { invokedAs: options.invokedAs } : {}),
  });
  return { code, stdout, stderr };
}

const channels: TestChannel[] = [];
afterEach(async () => {
  for (const channel of channels.splice(0)) await channel.close();
});

const next = (version: string, step = 1) => version.replace(/^(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string) => `${a}.${Number(b) + step}.0`);
const newer = next(appVersion);

/** An installed box following a signed channel on loopback HTTP. */
async function box(releases: readonly PublishedRelease[]) {
  const root = tempRoot();
  const channel = await testChannel(root, tempRoot());
  channels.push(channel);
  await channel.publish(releases);
  installAs(root, appVersion);
  const appliance = createAppliance({ root, systemKind: 'sandbox' });
  try {
    appliance.settings.set('updates.cohort', 7);
    const { done } = await appliance.apps.start('updates', { channel: 'custom', customChannelUrl: channel.url }, { startedBy: 'cli:test', language: 'en' });
    expect((await done).status).toBe('succeeded');
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
  return { root, channel };
}

const currentOf = (root: string) => readlinkSync(path.join(root, 'opt/hearth/current'));
function jobsOf(root: string, appId = 'updates') {
  const appliance = createAppliance({ root, systemKind: 'sandbox' });
  try {
    return appliance.jobs.recent(20, appId);
  } finally {
    appliance.close();
  }
}

describe('hearth update', () => {
  it('--check says honestly that the stable channel has no release server yet (exit 1)', async () => {
    const root = tempRoot();
    const checked = await cli(['update', '--check'], root);
    expect(checked.code).toBe(1);
    expect(checked.stdout).toContain(`Running: Hearth ${appVersion}`);
    expect(checked.stdout).toContain('Channel: Stable — no release server yet');
    expect(checked.stderr).toContain('There is no release server for the stable channel yet');
    const json = await cli(['update', '--check', '--json'], root);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ current: appVersion, error: { code: 'HEARTH_ERR_UPDATE_NO_CHANNEL' }, available: null });
  });

  it('--check names the available release with its notes in the user’s language, and what is held back and why (exit 0)', async () => {
    const step = next(appVersion, 2);
    const { root } = await box([
      { version: newer, hoursOld: 48, notes: { en: 'Faster backups.', 'zh-CN': '备份更快。' } },
      { version: step, hoursOld: 3 },
    ]);
    const checked = await cli(['update', '--check'], root);
    expect(checked.stderr).toBe('');
    expect(checked.code).toBe(0);
    expect(checked.stdout).toContain(`Available: Hearth ${step}`);
    expect(checked.stdout).toContain(`Hearth ${step} is held back for its soak time: installed automatically from`);
    expect(checked.stdout).toContain(`Hearth ${newer} is installed automatically at the next run`);

    const chinese = await cli(['update', '--check', '--json'], root, { lang: 'zh_CN.UTF-8' });
    expect(chinese.code).toBe(0);
    const report = JSON.parse(chinese.stdout);
    expect(report).toMatchObject({ current: appVersion, error: null, available: { version: step, notes: `Hearth ${step}（中文）` }, unattended: { version: newer } });
    expect(report.unattended.heldBack).toEqual([expect.objectContaining({ version: step, reason: 'soak', message: expect.stringContaining('观察期') })]);
    // A check changes nothing.
    expect(currentOf(root)).toBe(`releases/${appVersion}`);
    expect(jobsOf(root).filter((job) => job.action === 'update')).toEqual([]);
  });

  it('asks before installing: without a terminal and without --yes it refuses (exit 2) and starts nothing', async () => {
    const { root } = await box([{ version: newer, hoursOld: 1 }]);
    const refused = await cli(['update'], root);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('Installing an update needs a yes');
    expect(jobsOf(root).filter((job) => job.action === 'update')).toEqual([]);
    expect(currentOf(root)).toBe(`releases/${appVersion}`);
  });

  it('--yes installs what the owner was shown, soak time or not, following the job (exit 0)', async () => {
    const { root } = await box([{ version: newer, hoursOld: 1 }]);
    const updated = await cli(['update', '--yes', '--json'], root);
    expect(updated.stderr).toBe('');
    expect(updated.code).toBe(0);
    const result = JSON.parse(updated.stdout);
    expect(result.job).toMatchObject({ status: 'succeeded', action: 'update', startedBy: 'cli:root' });
    expect(result.outcome).toEqual({ kind: 'restart-pending', from: appVersion, to: newer });
    expect(currentOf(root)).toBe(`releases/${newer}`);
    const plain = await cli(['--yes'], (await box([{ version: newer, hoursOld: 1 }])).root, { invokedAs: 'hearth-update' });
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain(`Hearth ${newer} is installed and starts with the next start of the service.`);
  }, 30_000);

  it('installs a release marked breaking only with --allow-breaking', async () => {
    const { root } = await box([{ version: newer, hoursOld: 48, breaking: true }]);
    const held = await cli(['update', '--yes'], root);
    expect(held.code).toBe(0);
    expect(held.stdout).toContain(`Hearth ${newer} changes how the box works; to install it, add --allow-breaking.`);
    expect(currentOf(root)).toBe(`releases/${appVersion}`);
    const taken = await cli(['update', '--yes', '--allow-breaking', '--json'], root);
    expect(taken.code).toBe(0);
    expect(JSON.parse(taken.stdout).outcome).toMatchObject({ to: newer });
  }, 30_000);

  it('exits 1 when the update fails, tells the owner, and `update ack` resumes automatic updates', async () => {
    const { root } = await box([{ version: newer, hoursOld: 48, migration: 'fails' }]);
    const failed = await cli(['update', '--yes', '--json'], root);
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.stdout).job).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_UPDATE_MIGRATION_FAILED' });
    expect(currentOf(root)).toBe(`releases/${appVersion}`);
    const appliance = createAppliance({ root, systemKind: 'sandbox' });
    try {
      expect(appliance.notifications.feed.recent({ limit: 5 }).map((n) => n.title)).toContain(`The update to Hearth ${newer} failed`);
    } finally {
      appliance.close();
    }
    const check = JSON.parse((await cli(['update', '--check', '--json'], root)).stdout);
    expect(check.paused).toMatchObject({ version: newer });
    expect(check.blocker).toMatchObject({ reason: 'paused-after-failure', message: expect.stringContaining('paused') });
    const ack = await cli(['update', 'ack'], root);
    expect(ack.code).toBe(0);
    expect(ack.stdout).toContain(`Acknowledged the failed update to Hearth ${newer}`);
    expect(JSON.parse((await cli(['update', 'ack', '--json'], root)).stdout)).toEqual({ acknowledged: null });
    expect(JSON.parse((await cli(['update', '--check', '--json'], root)).stdout)).toMatchObject({ paused: null, blocker: null });
  }, 30_000);

  it('exits 3 while a backup or restore holds the maintenance lock', async () => {
    const { root } = await box([{ version: newer, hoursOld: 48 }]);
    const appliance = createAppliance({ root, systemKind: 'sandbox' });
    let release!: () => void;
    const held = appliance.runner.start({ appId: 'backups', action: 'create', startedBy: 'scheduler', params: {}, language: 'en', locks: ['maintenance', 'backup'] }, () => new Promise<void>((resolve) => (release = resolve)));
    try {
      const busy = await cli(['update', '--yes'], root);
      expect(busy.code).toBe(3);
      expect(busy.stderr).toMatch(/^Busy: /m);
      expect(currentOf(root)).toBe(`releases/${appVersion}`);
    } finally {
      release();
      await held.done;
      appliance.close();
    }
  });

  it('refuses a channel URL that is not https://, file:// or this box (exit 2) before reading anything', async () => {
    const root = tempRoot();
    const refused = await cli(['update', '--check', '--channel', 'http://mirror.example.org/manifest.json'], root);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('cannot be used: only https://, file://');
    expect((await cli(['update', '--bogus'], root)).code).toBe(2);
  });

  it('--channel reads another channel for one run, a file:// one too', async () => {
    const { root, channel } = await box([{ version: newer, hoursOld: 48 }]);
    const other = tempRoot();
    const checked = await cli(['update', '--check', '--json', '--channel', channel.fileUrl], root);
    expect(checked.code).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ channel: { kind: 'custom', url: channel.fileUrl }, available: { version: newer } });
    const missing = await cli(['update', '--check', '--channel', `file://${other}/manifest.json`], root);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('could not be read');
  });
});

describe('hearth autoupdate', () => {
  it('turns automatic updates off and on and sets the maintenance window', async () => {
    const root = tempRoot();
    const off = await cli(['autoupdate', 'off', '--window', '22:00-04:00', '--json'], root);
    expect(off.stderr).toBe('');
    expect(off.code).toBe(0);
    expect(JSON.parse(off.stdout)).toMatchObject({ autoUpdate: false, window: { start: '22:00', hours: 6 }, nextRunAt: null });
    const on = await cli(['autoupdate', 'on'], root);
    expect(on.code).toBe(0);
    expect(on.stdout).toContain('Automatic updates: on.');
    expect(on.stdout).toContain('Maintenance window: 22:00–04:00 (6 h)');
    expect(on.stdout).toMatch(/Next automatic run: \d{4}-\d\d-\d\d (2[23]|0[0-3]):\d\d/);
  });

  it('refuses a bad state or window with exit 2, changing nothing', async () => {
    const root = tempRoot();
    expect((await cli(['autoupdate', 'maybe'], root)).code).toBe(2);
    const bad = await cli(['autoupdate', 'on', '--window', '2-6'], root);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('HH:MM-HH:MM');
    expect((await cli(['autoupdate', 'on', '--window', '02:00-02:30'], root)).code).toBe(2);
    expect(jobsOf(root)).toEqual([]);
    expect(parseWindow('02:00-02:00')).toEqual({ start: '02:00', hours: 24 });
    expect(parseWindow('23:00-01:00')).toEqual({ start: '23:00', hours: 2 });
  });
});
