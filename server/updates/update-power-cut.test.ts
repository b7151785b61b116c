import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
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
  runningRelease,
  runUpdater,
  seedData,
  Supervisor,
  testReleases,
  versions,
  type TestReleases,
} from './testing/update-harness.js';

/**
 * Power cuts before the switch, for real: the installed release's updater is SIGKILLed by
 * itself right before and right after each phase's journal write (HEARTH_FAULT_AT, as
 * server/backup/crash.test.ts does), then everything of the box is killed and it boots.
 * Each time the launcher must bring back exactly 1.0.0 — its link, its process, its
 * database — with the owner's data untouched, and the update recorded as interrupted.
 * The cases run one after the other on one box (the box after each is the box before the next).
 */
const phases = ['check', 'download', 'verify', 'snapshot', 'unpack', 'migrate', 'switch'] as const;

describe('a power cut during an update, before `current` is switched', () => {
  let releases: TestReleases;
  let root: string;
  let box: Supervisor;
  let server: ChannelServer;
  let data: string;
  let dataBefore: Awaited<ReturnType<typeof snapshotTree>>;

  beforeAll(async () => {
    releases = await testReleases();
    root = mkdtempSync(path.join(os.tmpdir(), 'hearth-power-cut-'));
    install(root, releases.bundle(versions.v1));
    data = seedData(root);
    dataBefore = await snapshotTree(data);
    const channel = path.join(root, '..', `${path.basename(root)}-channel`);
    makeChannel(releases, channel, [versions.v2]);
    server = await serveChannel(channel);
    box = new Supervisor(root);
    await box.start();
    await box.healthy(versions.v1);
  }, 240_000);

  afterAll(async () => {
    await box?.stop();
    await server?.close();
    rmSync(root, { recursive: true, force: true });
    rmSync(path.join(root, '..', `${path.basename(root)}-channel`), { recursive: true, force: true });
  }, 180_000);

  for (const [index, phase] of phases.entries()) {
    for (const when of ['before', 'after'] as const) {
      const point = `update:${when}:${phase}`;
      // The phase the journal says when the updater dies: none yet, the previous one, or this one.
      const journalPhase = when === 'after' ? phase : index > 0 ? phases[index - 1] : undefined;

      it(`at ${point}: the next boot runs 1.0.0, never a mix, data untouched`, async () => {
        const historyBefore = historyOf(root).length;
        const updater = await runUpdater(root, server.url('manifest.json'), { fault: point });
        expect(updater.signal, updater.stderr).toBe('SIGKILL');
        await box.cut();
        await box.boot();
        await box.healthy(versions.v1);

        expect(currentOf(root)).toBe(versions.v1);
        expect(runningRelease(box.pid)).toBe(versions.v1);
        expect(databaseState(root)).toMatchObject({ schema: releases.schema[versions.v1], integrity: 'ok', tables: [] });
        expect(journalOf(root)).toBeUndefined();
        // Releases the launcher set aside are being deleted in the background (dot-names); none is visible.
        expect(readdirSync(path.join(root, 'opt/hearth/releases')).filter((name) => !name.startsWith('.'))).toEqual([versions.v1]);
        expect(readdirSync(path.join(root, 'opt/hearth/releases')).filter((name) => name.includes('.partial'))).toEqual([]);
        const history = historyOf(root);
        if (journalPhase === undefined) expect(history).toHaveLength(historyBefore);
        else {
          expect(history).toHaveLength(historyBefore + 1);
          // Until the check is done, the update does not know its version yet.
          expect(history.at(-1)).toMatchObject({ from: versions.v1, to: journalPhase === 'check' ? null : versions.v2, result: 'interrupted', phase: journalPhase, error: { code: 'HEARTH_ERR_UPDATE_INTERRUPTED' } });
        }
        expect(await snapshotTree(data)).toEqual(dataBefore);
      }, 120_000);
    }
  }

  it('after all of them, the update goes through', async () => {
    const updater = await runUpdater(root, server.url('manifest.json'));
    expect(updater.code, updater.stderr).toBe(0);
    await box.healthy(versions.v2, { until: () => journalOf(root) === undefined });
    expect(currentOf(root)).toBe(versions.v2);
    expect(databaseState(root)).toMatchObject({ schema: releases.schema[versions.v2], integrity: 'ok' });
    expect(await snapshotTree(data)).toEqual(dataBefore);
  }, 120_000);
});
