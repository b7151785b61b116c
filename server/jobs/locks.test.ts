import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { packageRoot } from '../paths.js';
import { appHarness } from '../testing/app-harness.js';
import { tempRoot } from '../testing/temp-root.js';

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/**
 * Another process (as the CLI over SSH would be) that starts a job holding the
 * maintenance lock and never finishes it. Uses the compiled code, like the real CLI.
 */
async function holderProcess(root: string): Promise<ChildProcess> {
  const appliance = path.join(packageRoot, 'dist/server/appliance.js');
  expect(existsSync(appliance), 'run `npm run build:server` first').toBe(true);
  const script = `
    const { createAppliance } = await import(${JSON.stringify(appliance)});
    const a = createAppliance({ root: ${JSON.stringify(root)}, systemKind: 'sandbox' });
    a.runner.start({ appId: 'backup', action: 'run', startedBy: 'cli:root', params: {}, language: 'en', locks: ['maintenance', 'app:backup'] },
      (job) => { job.info('holding the lock'); return new Promise(() => {}); });
    console.log('locked');
    setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk) => (String(chunk).includes('locked') ? resolve() : undefined));
    child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)));
  });
  return child;
}

const heavyJob = { appId: 'restore', action: 'run', startedBy: 'panel:admin', params: {}, language: 'en', locks: ['maintenance', 'app:restore'] };

describe('locks', () => {
  it('keep two heavy jobs of different processes from overlapping, and free the lock of a crashed holder', async () => {
    const root = tempRoot();
    const holder = await holderProcess(root);
    const { appliance } = appHarness({ root });

    let refused: unknown;
    try {
      appliance.runner.start(heavyJob, async () => {});
    } catch (error) {
      refused = error;
    }
    expect(refused).toBeInstanceOf(HearthError);
    expect((refused as HearthError).code).toBe('HEARTH_ERR_BUSY');
    expect((refused as HearthError).params.job).toMatch(/^backup #\d+$/);
    // Nothing was created for the refused job.
    expect(appliance.jobs.recent(10).map((j) => j.appId)).toEqual(['backup']);

    // The holder dies without cleaning up (power cut, kill -9).
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;

    const { done } = appliance.runner.start(heavyJob, async (job) => job.info('restoring'));
    expect((await done).status).toBe('succeeded');
    const [restore, backup] = appliance.jobs.recent(10);
    expect(restore!.appId).toBe('restore');
    expect(backup).toMatchObject({ appId: 'backup', status: 'interrupted', errorCode: 'HEARTH_ERR_JOB_INTERRUPTED' });
  });

  it('marks jobs of dead processes interrupted when asked to reap', async () => {
    const root = tempRoot();
    const holder = await holderProcess(root);
    const { appliance } = appHarness({ root });
    expect(appliance.runner.reapInterrupted()).toBe(0);
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.kill('SIGKILL');
    await exited;
    expect(appliance.runner.reapInterrupted()).toBe(1);
    expect(appliance.jobs.recent(1)[0]!.status).toBe('interrupted');
  });

  it('lets different apps run side by side but never one app twice', async () => {
    const { appliance } = appHarness();
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const first = appliance.runner.start({ ...heavyJob, appId: 'hostname', locks: ['app:hostname'] }, () => gate);
    const other = appliance.runner.start({ ...heavyJob, appId: 'timezone', locks: ['app:timezone'] }, async () => {});
    expect((await other.done).status).toBe('succeeded');
    expect(() => appliance.runner.start({ ...heavyJob, appId: 'hostname', locks: ['app:hostname'] }, async () => {})).toThrow(/HEARTH_ERR_BUSY/);
    release();
    expect((await first.done).status).toBe('succeeded');
  });
});
