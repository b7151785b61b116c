import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAppliance } from '../../appliance.js';
import { tempRoot } from '../../testing/temp-root.js';
import { runCli } from '../program.js';
import { sanitize } from '../menu/text.js';

async function cli(args: string[], root: string, env: NodeJS.ProcessEnv = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--root', root, ...args], {
    env: { PATH: process.env.PATH, HEARTH_SYSTEM: 'sandbox', USER: 'root', ...env },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

describe('hearth apps / app / jobs', () => {
  it('lists apps by category, and as JSON', async () => {
    const root = tempRoot();
    const text = await cli(['apps'], root);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^Configuration\n {2}. hostname +Hostname — The name of this box on your network$/m);
    const json = JSON.parse((await cli(['apps', '--json'], root)).stdout);
    expect(json.categories.map((c: { id: string }) => c.id)).toContain('config');
  });

  it('shows an app with its parameters', async () => {
    const root = tempRoot();
    const shown = await cli(['app', 'show', 'hostname'], root, { LANG: 'zh_CN.UTF-8' });
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('主机名 (hostname)');
    expect(shown.stdout).toMatch(/^ {2}hostname = \S+/m);
    expect((await cli(['app', 'show', 'nope'], root)).code).toBe(2);
  });

  it('runs an app: validates, saves, streams the log, exits 0', async () => {
    const root = tempRoot();
    const run = await cli(['app', 'run', 'hostname', 'hostname=garage-nas'], root);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('$ hostnamectl set-hostname garage-nas');
    expect(run.stdout).toMatch(/Job #1 \(Hostname\) succeeded\.\n$/);
    expect(readFileSync(path.join(root, 'etc/hostname'), 'utf8')).toBe('garage-nas\n');
    const jobs = JSON.parse((await cli(['jobs', '--json'], root)).stdout).jobs;
    expect(jobs[0]).toMatchObject({ id: 1, appId: 'hostname', startedBy: 'cli:root', status: 'succeeded', params: { hostname: 'garage-nas' } });
    const job = await cli(['job', '1'], root);
    expect(job.stdout).toContain('$ hostnamectl set-hostname garage-nas');
    const followed = await cli(['job', '1', '--follow'], root);
    expect(followed.code).toBe(0);
  });

  it('exits 2 on invalid input and saves nothing', async () => {
    const root = tempRoot();
    const bad = await cli(['app', 'run', 'hostname', 'hostname=bad_name'], root, { LANG: 'zh_CN.UTF-8' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('hostname: 只能使用字母');
    expect((await cli(['app', 'run', 'hostname', 'colour=blue'], root)).stderr).toContain('has no parameter “colour”');
    expect((await cli(['app', 'run', 'hostname', 'novalue'], root)).code).toBe(2);
    expect((await cli(['app', 'run', 'no-such-app'], root)).code).toBe(2);
    const appliance = createAppliance({ root, systemKind: 'sandbox' });
    expect(appliance.jobs.recent(10)).toEqual([]);
    expect(appliance.saved.get('hostname')).toBeUndefined();
    appliance.close();
  });

  it('exits 3 when the app is already running, naming the job', async () => {
    const root = tempRoot();
    const appliance = createAppliance({ root, systemKind: 'sandbox' });
    let release!: () => void;
    const { done } = appliance.runner.start(
      { appId: 'hostname', action: 'apply', startedBy: 'panel:admin', params: {}, language: 'en', locks: ['app:hostname'] },
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    const busy = await cli(['app', 'run', 'hostname', 'hostname=x1'], root);
    expect(busy.code).toBe(3);
    expect(busy.stderr).toMatch(/^Busy: hostname #1 has been running since /);
    release();
    await done;
    appliance.close();
  });

  it('shows program output as text, never as terminal control', () => {
    expect(sanitize('\u001b[2J\u001b]0;owned\u0007red\ttab\r')).toBe('␛[2J␛]0;owned␇red\ttab␍');
  });
});

describe('hearth watchdog', () => {
  it('shows, confirms and reverts the change waiting for confirmation', async () => {
    const root = tempRoot();
    expect((await cli(['watchdog'], root)).stdout).toBe('No change is waiting for confirmation.\n');
    expect((await cli(['app', 'run', 'panel-access', 'allowedNetworks=10.8.0.0/24'], root)).code).toBe(0);
    expect((await cli(['watchdog'], root)).stdout).toMatch(/^Panel access: a change waits for confirmation; it reverts by itself in \d+ s\./);
    const reverted = await cli(['watchdog', 'revert'], root);
    expect(reverted.code).toBe(0);
    const appliance = createAppliance({ root, systemKind: 'sandbox' });
    expect(appliance.settings.get('access.allowedNetworks')).toEqual([]);
    expect(appliance.jobs.recent(1)[0]).toMatchObject({ appId: 'panel-access', startedBy: 'watchdog' });
    appliance.close();
    expect((await cli(['watchdog', 'confirm'], root)).code).toBe(1);
    expect((await cli(['app', 'run', 'panel-access', 'allowedNetworks=10.9.0.0/24'], root)).code).toBe(0);
    expect((await cli(['watchdog', 'confirm'], root)).stdout).toContain('Kept');
    expect((await cli(['watchdog', 'explode'], root)).code).toBe(2);
  });
});

describe('hearth app run --bind', () => {
  it('passes replacements to config-import and refuses them elsewhere', async () => {
    const root = tempRoot();
    expect((await cli(['app', 'run', 'hostname', 'hostname=cellar', '--bind', 'a.b=c'], root)).code).toBe(2);
    expect((await cli(['app', 'run', 'config-export'], root)).code).toBe(0);
    const refused = await cli(['app', 'run', 'config-import', 'path=/var/lib/hearth/exports/hearth-config.json', '--bind', 'hostname.hostname=x', '--bind', 'nope.x=y'], root);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/bindings: /);
    const imported = await cli(['app', 'run', 'config-import', 'path=/var/lib/hearth/exports/hearth-config.json'], root);
    expect(imported.code).toBe(0);
  });
});
