import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { HearthError } from '../errors.js';
import { appVersion } from '../paths.js';
import { testAppliance } from '../testing/temp-root.js';
import { freePort } from './testing/update-harness.js';
import { recordFailedStart } from './health.js';
import type { UpdateJournal } from './journal.js';

/**
 * The new release's side of the trial, in this process: a box whose `current` points at
 * this very version, on trial after an update from 0.0.2, served by the real app over real
 * HTTP on loopback.
 */
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

function release(root: string, version: string, launcher?: string) {
  const dir = path.join(root, 'opt/hearth/releases', version);
  mkdirSync(path.join(dir, 'scripts'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'hearth', version }));
  if (launcher) {
    writeFileSync(path.join(dir, 'scripts/launcher'), `# launcher of ${launcher}\n`);
    writeFileSync(path.join(dir, 'scripts/launcher.mjs'), `// launcher of ${launcher}\n`);
  }
}

async function onTrial(phase: UpdateJournal['phase'] = 'health') {
  const appliance = testAppliance();
  const root = appliance.paths.root;
  cleanups.push(() => appliance.close());
  for (const version of ['0.0.1', '0.0.2']) release(root, version);
  release(root, appVersion, 'the new release');
  symlinkSync(`releases/${appVersion}`, path.join(root, 'opt/hearth/current'));
  mkdirSync(path.join(root, 'opt/hearth/releases/.0.0.3.removed-abcd'), { recursive: true });
  writeFileSync(path.join(root, 'opt/hearth/launcher'), '# the old launcher\n');
  const journal: UpdateJournal = {
    id: 'u1',
    from: '0.0.2',
    to: appVersion,
    phase,
    startedAt: '2026-11-28T10:00:00.000Z',
    updatedAt: '2026-11-28T10:00:00.000Z',
    channel: null,
    jobId: null,
    owner: null,
    snapshotId: null,
    createdRelease: true,
    starts: 1,
    trialStartedAt: '2026-11-28T10:01:00.000Z',
    startError: null,
    error: null,
  };
  await appliance.updates.journal.write(journal);
  return { appliance, root };
}

async function serve(appliance: ReturnType<typeof testAppliance>) {
  const app = await buildApp(appliance, { panelDir: '/nonexistent' });
  const port = await freePort();
  const url = await app.listen({ host: '127.0.0.1', port });
  cleanups.push(() => app.close());
  return url;
}

describe('a release on trial at its start', () => {
  it('checks itself, marks itself good, keeps the release before it, replaces the launcher and records the update', async () => {
    const { appliance, root } = await onTrial();
    const url = await serve(appliance);
    appliance.scheduler.start();
    cleanups.push(() => appliance.scheduler.stop());
    expect(await appliance.updates.confirmStart({ url, schedulerRunning: () => appliance.scheduler.isRunning() })).toBe('committed');

    expect(existsSync(path.join(root, 'var/lib/hearth-update/journal.json'))).toBe(false);
    expect(readdirSync(path.join(root, 'opt/hearth/releases')).sort()).toEqual(['0.0.2', appVersion].sort());
    expect(readFileSync(path.join(root, 'opt/hearth/launcher'), 'utf8')).toBe('# launcher of the new release\n');
    expect(readFileSync(path.join(root, 'opt/hearth/launcher.mjs'), 'utf8')).toBe('// launcher of the new release\n');
    expect(await appliance.updates.history()).toMatchObject([{ id: 'u1', from: '0.0.2', to: appVersion, result: 'updated', notified: false }]);

    await appliance.updates.notifyOutcomes();
    expect((await appliance.updates.history())[0]!.notified).toBe(true);
    const [note] = appliance.notifications.feed.recent({ limit: 5 });
    expect(note).toMatchObject({ level: 'info', title: `Hearth was updated to ${appVersion}` });
  });

  it('does not mark itself good when its HTTP does not answer: the journal says why, for the launcher', async () => {
    const { appliance, root } = await onTrial();
    const closedPort = await freePort();
    const failure = await appliance.updates.confirmStart({ url: `http://127.0.0.1:${closedPort}`, schedulerRunning: () => true }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HearthError);
    expect(failure).toMatchObject({ code: 'HEARTH_ERR_UPDATE_HEALTH_CHECK', params: { check: 'http' } });
    // What the daemon's start does with a failure: record it without the appliance.
    expect(await recordFailedStart({ root, systemKind: 'sandbox', version: appVersion, error: failure })).toBe(true);
    const { journal } = await appliance.updates.journal.read();
    expect(journal).toMatchObject({ phase: 'health', startError: { code: 'HEARTH_ERR_UPDATE_HEALTH_CHECK', params: { check: 'http' } }, failedPhase: 'health' });
    expect(readdirSync(path.join(root, 'opt/hearth/releases')).filter((name) => !name.startsWith('.'))).toHaveLength(3);
  });

  it('does not mark itself good while its scheduler is not running', async () => {
    const { appliance } = await onTrial();
    const url = await serve(appliance);
    await expect(appliance.updates.confirmStart({ url, schedulerRunning: () => appliance.scheduler.isRunning() })).rejects.toMatchObject({ code: 'HEARTH_ERR_UPDATE_HEALTH_CHECK', params: { check: 'scheduler' } });
    expect((await appliance.updates.journal.read()).journal?.phase).toBe('health');
  });

  it('finishes a commit a crash interrupted, without checking again', async () => {
    const { appliance } = await onTrial('commit');
    expect(await appliance.updates.confirmStart({ url: 'http://127.0.0.1:1', schedulerRunning: () => false })).toBe('committed');
    expect((await appliance.updates.history())[0]).toMatchObject({ result: 'updated' });
  });

  it('leaves alone an update that is not about this release, and records no failure for it', async () => {
    const { appliance, root } = await onTrial();
    await appliance.updates.journal.write({ ...(await appliance.updates.journal.read()).journal!, to: '9.9.9' });
    expect(await appliance.updates.confirmStart({ url: 'http://127.0.0.1:1', schedulerRunning: () => true })).toBe('none');
    expect(await recordFailedStart({ root, systemKind: 'sandbox', version: appVersion, error: new Error('boom') })).toBe(false);
    expect((await appliance.updates.journal.read()).journal).toMatchObject({ phase: 'health', to: '9.9.9', startError: null });
  });

  it('records a failure that is not a HearthError (a crash in a migration) as a failed start, with its message', async () => {
    const { appliance, root } = await onTrial();
    expect(await recordFailedStart({ root, systemKind: 'sandbox', version: appVersion, error: new Error('SqliteError: no such table: x') })).toBe(true);
    expect((await appliance.updates.journal.read()).journal).toMatchObject({
      startError: { code: 'HEARTH_ERR_UPDATE_START_FAILED', params: { version: appVersion, starts: 1 } },
      detail: 'SqliteError: no such table: x',
    });
  });
});
