import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { snapshotTree } from '../testing/tree-snapshot.js';
import { serveChannel, type ChannelServer } from './testing/channel-server.js';
import {
  cloneRoot,
  currentOf,
  databaseState,
  historyOf,
  install,
  journalOf,
  makeChannel,
  runningRelease,
  runUpdater,
  seedData,
  Supervisor,
  testReleases,
  versions,
  type TestReleases,
} from './testing/update-harness.js';

/**
 * Power cuts after the switch: while restarting, while the new release is on trial, while
 * it commits, and while the launcher rolls a failing release back. The expensive part
 * (download, snapshot, unpack, migration trial, switch) is done once per target release:
 * the updater is killed right before its `restart` phase, and the box as it is then — a
 * power cut right after the switch — is cloned for each case.
 */
describe('a power cut after `current` is switched', () => {
  let releases: TestReleases;
  let base: string;
  let server: ChannelServer;
  /** Stopped boxes: 1.0.0 installed and started once; and switched to 2.0.0 / 4.0.0 by an updater killed before its restart. */
  const templates: Record<'v1' | 'switchedV2' | 'switchedV4', string> = { v1: '', switchedV2: '', switchedV4: '' };
  let dataBefore: Awaited<ReturnType<typeof snapshotTree>>;
  const boxes: Supervisor[] = [];
  const roots: string[] = [];

  const newBox = (template: string, env: Record<string, string> = {}) => {
    const root = cloneRoot(template);
    roots.push(root);
    const box = new Supervisor(root, env);
    boxes.push(box);
    return box;
  };

  /** From 1.0.0, an update to `version` killed right before its restart phase (journal "switch", current → version). */
  async function switchedTo(version: string): Promise<string> {
    // Not in boxes/roots: it is a template, kept for every case.
    const box = new Supervisor(cloneRoot(templates.v1));
    await box.start();
    await box.healthy(versions.v1);
    const updater = await runUpdater(box.root, server.url('manifest.json'), { version, fault: 'update:before:restart' });
    expect(updater.signal, updater.stderr).toBe('SIGKILL');
    await box.cut();
    expect(currentOf(box.root)).toBe(version);
    expect(journalOf(box.root)).toMatchObject({ phase: 'switch', to: version });
    return box.root;
  }

  beforeAll(async () => {
    releases = await testReleases();
    base = mkdtempSync(path.join(os.tmpdir(), 'hearth-power-cut-trial-'));
    templates.v1 = path.join(base, 'v1');
    install(templates.v1, releases.bundle(versions.v1));
    const data = seedData(templates.v1);
    dataBefore = await snapshotTree(data);
    makeChannel(releases, path.join(base, 'channel'), [versions.v2, versions.v4]);
    server = await serveChannel(path.join(base, 'channel'));
    // Started once, so that every clone has its database, certificate and sandbox files.
    const first = new Supervisor(templates.v1);
    await first.start();
    await first.healthy(versions.v1);
    await first.stop();
    templates.switchedV2 = await switchedTo(versions.v2);
    templates.switchedV4 = await switchedTo(versions.v4);
  }, 300_000);

  afterEach(async () => {
    for (const box of boxes.splice(0)) await box.stop();
    for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
  }, 180_000);

  afterAll(async () => {
    await server?.close();
    if (base) rmSync(base, { recursive: true, force: true });
    for (const template of [templates.switchedV2, templates.switchedV4]) if (template) rmSync(template, { recursive: true, force: true });
  }, 180_000);

  /** Exactly one release, whole: its link, its process, its database; the data as before; no update left open. */
  async function expectRunning(box: Supervisor, version: string, schema: number) {
    await box.healthy(version, { until: () => journalOf(box.root) === undefined });
    expect(currentOf(box.root)).toBe(version);
    expect(runningRelease(box.pid)).toBe(version);
    expect(databaseState(box.root)).toMatchObject({ schema, integrity: 'ok' });
    expect(readdirSync(path.join(box.root, 'opt/hearth/releases')).filter((name) => name.includes('.partial'))).toEqual([]);
    expect(await snapshotTree(path.join(box.root, 'srv/hearth'))).toEqual(dataBefore);
  }

  it('at update:before:restart (switched, the daemon not yet told): the next boot runs 2.0.0 on trial and commits it', async () => {
    const box = newBox(templates.switchedV2);
    await box.boot();
    await expectRunning(box, versions.v2, releases.schema[versions.v2]!);
    expect(historyOf(box.root).at(-1)).toMatchObject({ to: versions.v2, result: 'updated' });
  }, 120_000);

  it('at update:after:restart: the next boot runs 2.0.0 and commits it', async () => {
    const box = newBox(templates.v1);
    await box.start();
    await box.healthy(versions.v1);
    const updater = await runUpdater(box.root, server.url('manifest.json'), { version: versions.v2, fault: 'update:after:restart' });
    expect(updater.signal).toBe('SIGKILL');
    expect(journalOf(box.root)).toMatchObject({ phase: 'restart' });
    await box.cut();
    await box.boot();
    await expectRunning(box, versions.v2, releases.schema[versions.v2]!);
  }, 180_000);

  // The launcher's trial start and the new release's mark-good, each cut right before and right after its journal write.
  for (const point of ['update:before:health', 'update:after:health', 'update:before:commit', 'update:after:commit']) {
    it(`at ${point}: the next start goes on with the trial and 2.0.0 commits`, async () => {
      const box = newBox(templates.switchedV2);
      box.once({ HEARTH_FAULT_AT: point });
      await box.boot();
      await expectRunning(box, versions.v2, releases.schema[versions.v2]!);
      expect(box.output).toContain('[supervisor: exited SIGKILL]');
      const history = historyOf(box.root);
      expect(history.filter((entry) => entry.to === versions.v2)).toHaveLength(1);
      expect(history.at(-1)).toMatchObject({ to: versions.v2, result: 'updated' });
      // Releases kept after the commit: the new one and the one before.
      expect(readdirSync(path.join(box.root, 'opt/hearth/releases')).filter((name) => !name.startsWith('.'))).toEqual([versions.v1, versions.v2]);
    }, 120_000);
  }

  // 4.0.0 migrates the database and crashes; the launcher (one start allowed here) rolls it back — cut at each of its steps.
  for (const point of ['update:before:rollback', 'update:after:rollback', 'launcher:switched-back', 'snapshot:state-aside', 'launcher:state-restored']) {
    it(`rolling back 4.0.0, cut at ${point}: the next start finishes the rollback; 1.0.0 with its own database`, async () => {
      const box = newBox(templates.switchedV4, { HEARTH_UPDATE_MAX_STARTS: '1' });
      // The first start is 4.0.0's (it crashes); the second is the launcher that rolls back, cut at the point.
      box.once({}).once({ HEARTH_FAULT_AT: point });
      await box.boot();
      await expectRunning(box, versions.v1, releases.schema[versions.v1]!);
      expect(databaseState(box.root).tables).toEqual([]);
      // The launcher was killed (or, for the snapshot module's own point, the restore it ran, and the launcher gave up for this start).
      expect(box.output).toMatch(/\[supervisor: exited (SIGKILL|1)\]/);
      const history = historyOf(box.root).filter((entry) => entry.to === versions.v4);
      expect(history).toHaveLength(1);
      expect(history[0]).toMatchObject({ from: versions.v1, to: versions.v4, result: 'rolled-back', error: { code: 'HEARTH_ERR_UPDATE_START_FAILED' } });
      expect(String(history[0]!.log)).toContain(`hearth ${versions.v4} crashes at start`);
      expect(readdirSync(path.join(box.root, 'opt/hearth/releases')).filter((name) => !name.startsWith('.'))).toEqual([versions.v1]);
    }, 120_000);
  }
});
