import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppliance, type Appliance } from '../appliance.js';
import { cheapScrypt, tempRoot } from '../testing/temp-root.js';
import { recoverSnapshots } from './index.js';
import { keptOut } from './layout.js';
import { loopBtrfsUnavailable, makeLoopBtrfs, type LoopBtrfs } from './testing/loop-btrfs.js';
import { changeState, configured, seedState, stateFiles as fixtureFiles } from './testing/state-fixture.js';

/**
 * Both drivers for real: btrfs on a file system made on a loop device, copy on the
 * normal file system. The state before a snapshot and after a rollback to it are
 * compared file by file (content hash, mode, owner, mtime), and the database by content.
 */
const btrfsMissing = loopBtrfsUnavailable();
if (btrfsMissing) console.log(`btrfs driver tests skipped: ${btrfsMissing}`);

const loops: LoopBtrfs[] = [];
const open: Appliance[] = [];
afterEach(() => {
  for (const appliance of open.splice(0)) appliance.close();
  for (const loop of loops.splice(0)) loop.remove();
});

const drivers = [
  {
    name: 'copy' as const,
    skip: undefined,
    root: () => tempRoot(),
    systemKind: 'sandbox' as const,
  },
  {
    name: 'btrfs' as const,
    skip: btrfsMissing,
    root: () => {
      const loop = makeLoopBtrfs();
      loops.push(loop);
      return loop.mountPoint;
    },
    systemKind: 'linux' as const,
  },
];

function openBox(root: string, systemKind: 'sandbox' | 'linux') {
  const appliance = createAppliance({ root, systemKind, scrypt: cheapScrypt });
  open.push(appliance);
  return appliance;
}

function closeBox(appliance: Appliance) {
  appliance.close();
  open.splice(open.indexOf(appliance), 1);
}

const stateFiles = (appliance: Appliance, dir?: string) => fixtureFiles(appliance.paths, dir);

const restart = (root: string, systemKind: 'sandbox' | 'linux', log: string[] = []) => recoverSnapshots({ root, systemKind, log: (message) => log.push(message) });

for (const driver of drivers) {
  describe.skipIf(Boolean(driver.skip))(`the ${driver.name} driver`, () => {
    it('rolls the state back to the snapshot exactly, keeps newer backups, and the replaced state can be rolled back to', async () => {
      const root = driver.root();
      let box = openBox(root, driver.systemKind);
      await seedState(box);
      const before = await stateFiles(box);
      const snapshot = await box.snapshots.create({ label: 'before the change', reason: 'manual' });
      expect(snapshot).toMatchObject({ driver: driver.name, reason: 'manual', label: 'before the change', schemaVersion: expect.any(Number) });
      expect(snapshot.sizeBytes === null).toBe(driver.name === 'btrfs');

      // The snapshot holds the state of that moment, whatever comes after.
      const snapshotState = path.join(box.paths.snapshotsDir, snapshot.id, 'state');
      await changeState(box);
      const changed = await stateFiles(box);
      const changedConfig = configured(box.paths.database);
      expect(changed).not.toEqual(before);
      expect(await stateFiles(box, snapshotState)).toEqual(before);

      const staged = await box.snapshots.rollback(snapshot.id);
      expect(staged).toMatchObject({ snapshot: { id: snapshot.id }, restartRequired: true });
      // Staged only: nothing live changed before the restart.
      expect(await stateFiles(box)).toEqual(changed);
      expect((await box.snapshots.list()).find((s) => s.id === snapshot.id)?.rollbackPending).toBe(true);
      const rollbackJob = box.jobs.recent(1)[0]!;
      expect(rollbackJob).toMatchObject({ appId: 'snapshots', action: 'rollback', status: 'succeeded' });
      closeBox(box);

      const log: string[] = [];
      expect(await restart(root, driver.systemKind, log)).toBe('applied');
      expect(log.join('\n')).toContain(`snapshot ${staged.preRollbackId}`);
      box = openBox(root, driver.systemKind);
      expect(await stateFiles(box)).toEqual(before);
      expect(box.saved.get('hostname')).toEqual({ hostname: 'first-name' });
      expect(box.settings.get('maintenance.windowStart')).toBe('01:00');
      expect(await box.saved.openSecret('notifications', 'smtpPassword')).toBe('sealed and kept');
      // Carried over: the backups made since, and the box's own history (the rollback's job among it).
      expect(readFileSync(path.join(box.paths.backupsDir, 'hearth-backup_box_20261128-020000.tar.zst'), 'utf8')).toBe('an archive from after');
      expect(box.jobs.get(rollbackJob.id)).toMatchObject({ action: 'rollback', status: 'succeeded' });
      expect(box.jobs.recent(50).filter((job) => job.status === 'running')).toEqual([]);

      // The replaced state is a snapshot of its own: rolling back to it undoes the rollback.
      const listed = await box.snapshots.list();
      const pre = listed.find((s) => s.id === staged.preRollbackId)!;
      expect(pre).toMatchObject({ reason: 'pre-rollback', rolledBackTo: snapshot.id, driver: driver.name, rollbackPending: false });
      expect(await stateFiles(box, path.join(box.paths.snapshotsDir, pre.id, 'state'))).toEqual(changed);
      await box.snapshots.rollback(pre.id);
      closeBox(box);
      expect(await restart(root, driver.systemKind)).toBe('applied');
      box = openBox(root, driver.systemKind);
      expect(await stateFiles(box)).toEqual(changed);
      expect(configured(box.paths.database)).toEqual(changedConfig);
      expect(readFileSync(path.join(box.paths.backupsDir, 'hearth-backup_box_20261128-020000.tar.zst'), 'utf8')).toBe('an archive from after');
      expect((await box.snapshots.list()).map((s) => s.reason).sort()).toEqual(['manual', 'pre-rollback', 'pre-rollback']);
    });

    it('deletes snapshots for good, and refuses to delete the one a rollback waits for', async () => {
      const root = driver.root();
      const box = openBox(root, driver.systemKind);
      await seedState(box);
      const first = await box.snapshots.create({ reason: 'manual' });
      const second = await box.snapshots.create({ reason: 'scheduled' });
      await box.snapshots.rollback(first.id);
      await expect(box.snapshots.delete(first.id)).rejects.toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_ROLLBACK_TARGET' });
      await box.snapshots.delete(second.id);
      expect((await box.snapshots.list()).map((s) => s.id)).toEqual([first.id]);
      expect(execFileSync('ls', ['-A', box.paths.snapshotsDir], { encoding: 'utf8' }).split('\n').filter(Boolean).sort()).toEqual([first.id, 'rollback.json', 'staging'].sort());
    });
  });
}

describe.skipIf(Boolean(btrfsMissing))('the btrfs driver on its own', () => {
  it('takes read-only snapshots in the same time whatever the size, and keeps the kept-out folders out as subvolumes', async () => {
    const loop = makeLoopBtrfs({ sizeMiB: 600 });
    loops.push(loop);
    const box = openBox(loop.mountPoint, 'linux');
    await seedState(box);
    const small = await box.snapshots.create({ reason: 'manual' });
    writeFileSync(path.join(box.paths.stateDir, 'app-state/bigger.bin'), Buffer.alloc(200 * 1024 * 1024, 1));
    const big = await box.snapshots.create({ reason: 'manual' });
    for (const snapshot of [small, big]) {
      const state = path.join(box.paths.snapshotsDir, snapshot.id, 'state');
      expect(execFileSync('btrfs', ['property', 'get', '-ts', state, 'ro'], { encoding: 'utf8' }).trim()).toBe('ro=true');
      // The backups subvolume shows as an empty folder in the snapshot.
      expect(execFileSync('ls', ['-A', path.join(state, 'backups')], { encoding: 'utf8' })).toBe('');
    }
    for (const name of keptOut(box.paths).directories) {
      expect(execFileSync('stat', ['--format=%i', path.join(box.paths.stateDir, name)], { encoding: 'utf8' }).trim()).toBe('256');
    }
    // The archive that was in the plain backups folder is still there, now in a subvolume.
    expect(readFileSync(path.join(box.paths.backupsDir, 'hearth-backup_box_20261101-020000.tar.zst'), 'utf8')).toBe('an archive from before');
    const seconds = (id: string) => Number(/taken in ([\d.]+) s/.exec(box.jobs.linesAfter(box.jobs.recent(50).find((job) => job.params.reason === 'manual' && job.id === jobOf(id))!.id, 0).map((line) => line.text).join('\n'))?.[1]);
    const jobOf = (id: string) => (id === small.id ? small.jobId : big.jobId);
    // O(1): 200 MiB more is not 200 MiB more work (a generous bound: a commit on a busy machine varies).
    expect(seconds(big.id)).toBeLessThan(Math.max(seconds(small.id) * 5, 2));
  });
});
