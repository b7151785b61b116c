import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree } from '../testing/tree-snapshot.js';
import { serveChannel, type ChannelServer } from './testing/channel-server.js';
import {
  currentOf,
  databaseState,
  historyOf,
  install,
  journalOf,
  makeChannel,
  releasesOf,
  runUpdater,
  seedData,
  Supervisor,
  testReleases,
  versions,
  type TestReleases,
} from './testing/update-harness.js';

/**
 * The whole promise with real parts: four releases built by scripts/release, a channel
 * over HTTP on loopback, scripts/install.sh into a temporary root, the launcher run as
 * systemd runs it, and updates driven by the installed release's own code.
 */
describe('updates, end to end', () => {
  let releases: TestReleases;
  let root: string;
  let box: Supervisor;
  let server: ChannelServer;
  let channelDir: string;
  let data: string;
  let dataBefore: Awaited<ReturnType<typeof snapshotTree>>;
  const manifestUrl = () => server.url('manifest.json');

  beforeAll(async () => {
    releases = await testReleases();
    root = mkdtempSync(path.join(os.tmpdir(), 'hearth-e2e-update-'));
    channelDir = path.join(root, '..', `${path.basename(root)}-channel`);
    install(root, releases.bundle(versions.v1));
    data = seedData(root);
    dataBefore = await snapshotTree(data);
    server = await serveChannel(channelDir);
    box = new Supervisor(root);
    await box.start();
    await box.healthy(versions.v1);
  }, 180_000);

  afterAll(async () => {
    await box?.stop();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(channelDir, { recursive: true, force: true });
  }, 180_000);

  it('updates 1.0.0 to 2.0.0: download, snapshot, unpack, migration trial, switch, restart, self-check, commit', async () => {
    makeChannel(releases, channelDir, [versions.v2]);
    const pidBefore = box.pid;
    const updater = await runUpdater(root, manifestUrl());
    expect(updater.code, updater.stderr).toBe(0);
    expect(JSON.parse(updater.stdout).outcome).toEqual({ kind: 'restarting', from: versions.v1, to: versions.v2 });

    await box.healthy(versions.v2, { until: () => journalOf(root) === undefined });
    expect(box.pid).not.toBe(pidBefore);
    expect(currentOf(root)).toBe(versions.v2);
    expect(releasesOf(root)).toEqual([versions.v1, versions.v2]);
    expect(databaseState(root)).toMatchObject({ schema: releases.schema[versions.v2], integrity: 'ok', tables: ['test_v2_marker'] });
    const last = historyOf(root).at(-1);
    expect(last).toMatchObject({ from: versions.v1, to: versions.v2, result: 'updated', phase: null, error: null });
    expect(box.output).toContain(`starting ${versions.v2} on trial (start 1 of 3)`);
    // The launcher was replaced by the committed release's.
    expect(readFileSync(path.join(root, 'opt/hearth/launcher.mjs'), 'utf8')).toBe(readFileSync(path.join(root, 'opt/hearth/releases', versions.v2, 'scripts/launcher.mjs'), 'utf8'));
    expect(await snapshotTree(data)).toEqual(dataBefore);
  }, 120_000);

  it('3.0.0, whose migration throws, is stopped before anything switches: 2.0.0 keeps serving, untouched', async () => {
    makeChannel(releases, channelDir, [versions.v3]);
    const pidBefore = box.pid;
    const dbBefore = databaseState(root);
    const updater = await runUpdater(root, manifestUrl());
    expect(updater.code).toBe(1);
    expect(JSON.parse(updater.stdout)).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_UPDATE_MIGRATION_FAILED' });
    expect(updater.stderr).toContain('test_no_such_table');

    // Never restarted: the same daemon serves.
    expect(box.pid).toBe(pidBefore);
    await box.healthy(versions.v2);
    expect(currentOf(root)).toBe(versions.v2);
    expect(releasesOf(root)).toEqual([versions.v1, versions.v2]);
    expect(journalOf(root)).toBeUndefined();
    expect(databaseState(root)).toEqual(dbBefore);
    const last = historyOf(root).at(-1);
    expect(last).toMatchObject({ from: versions.v2, to: versions.v3, result: 'failed', phase: 'migrate', error: { code: 'HEARTH_ERR_UPDATE_MIGRATION_FAILED', params: { version: versions.v3 } } });
    expect(String(last!.detail)).toContain('test_no_such_table');
    expect(await snapshotTree(data)).toEqual(dataBefore);
  }, 120_000);

  it('4.0.0, which migrates and then crashes at start, is rolled back after three starts: 2.0.0 with the state from before, and the log of the failed start', async () => {
    makeChannel(releases, channelDir, [versions.v4]);
    const updater = await runUpdater(root, manifestUrl());
    expect(updater.code, updater.stderr).toBe(0);

    await box.healthy(versions.v2, { until: () => journalOf(root) === undefined && historyOf(root).at(-1)?.to === versions.v4, timeoutMs: 90_000 });
    expect(box.output.match(new RegExp(`starting ${versions.v4.replace(/\./g, '\\.')} on trial`, 'g'))).toHaveLength(3);
    expect(currentOf(root)).toBe(versions.v2);
    expect(releasesOf(root)).toEqual([versions.v1, versions.v2]);
    // v4 had migrated the database before crashing; the pre-update snapshot put it back.
    expect(databaseState(root)).toMatchObject({ schema: releases.schema[versions.v2], integrity: 'ok', tables: ['test_v2_marker'] });
    const last = historyOf(root).at(-1)!;
    expect(last).toMatchObject({
      from: versions.v2,
      to: versions.v4,
      result: 'rolled-back',
      phase: 'health',
      error: { code: 'HEARTH_ERR_UPDATE_START_FAILED', params: { version: versions.v4, starts: 3 } },
    });
    expect(String(last.log)).toContain(`hearth ${versions.v4} crashes at start`);
    expect(await snapshotTree(data)).toEqual(dataBefore);
    // The owner is told, by the daemon that runs again.
    await box.healthy(versions.v2, { until: () => historyOf(root).at(-1)?.notified === true });
  }, 150_000);
});
