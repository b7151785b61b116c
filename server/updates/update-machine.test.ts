import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { isHearthError } from '../errors.js';
import { maintenanceLock } from '../jobs/locks.js';
import { tempRoot, testAppliance } from '../testing/temp-root.js';
import { manifest, release, testKey, writeManifest, writeTestBundle, type TarEntry } from './testing/fixtures.js';
import { mountTmpfs, serveDirectory } from './testing/update-harness.js';
import { createJournalStore, type UpdateJournal, type UpdatePhase } from './journal.js';
import { installLayout } from './layout.js';
import { runUpdate, type UpdateMachineDeps, type UpdateRequest } from './update-machine.js';
import { preUpdateSnapshots } from './update-service.js';

/**
 * The update machine in this process, on real files: a box under a temp root installed
 * as releases/1.0.0 + `current`, the real database, job runner and snapshot service,
 * small bundles signed with a test key and served over HTTP on loopback. A bundle's
 * dist/server/updates/launcher-tool.js stands for its migrations (ok, or throwing).
 * Disk-full cases mount real tmpfs file systems (root only). The launcher's side is in
 * launcher.test.ts; the real releases in the process tests.
 */
const unmounts: Array<() => void> = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const unmount of unmounts.splice(0).reverse()) unmount();
});

const migrationTool = (fails: boolean) =>
  fails
    ? `process.stderr.write('SqliteError: no such table: test_missing\\n'); process.exit(1);\n`
    : `process.stdout.write('migrated to schema 99\\n');\n`;

interface Box {
  root: string;
  appliance: ReturnType<typeof testAppliance>;
  layout: ReturnType<typeof installLayout>;
  journal: ReturnType<typeof createJournalStore>;
  written: UpdatePhase[];
  restarts: number;
  channelDir: string;
  key: ReturnType<typeof testKey>;
}

/** A box installed as 1.0.0; `mounts` are tmpfs sizes by path under the root, mounted before anything is written there. */
function box(mounts: Record<string, string> = {}): Box | undefined {
  const root = tempRoot();
  for (const [dir, size] of Object.entries(mounts)) {
    const unmount = mountTmpfs(path.join(root, dir), size);
    if (!unmount) return undefined;
    unmounts.push(unmount);
  }
  const v1 = path.join(root, 'opt/hearth/releases/1.0.0');
  mkdirSync(v1, { recursive: true });
  writeFileSync(path.join(v1, 'package.json'), JSON.stringify({ name: 'hearth', version: '1.0.0' }));
  symlinkSync('releases/1.0.0', path.join(root, 'opt/hearth/current'));
  const appliance = testAppliance({ root });
  closers.push(async () => appliance.close());
  const layout = installLayout(appliance.paths);
  const store = createJournalStore(appliance.system, layout);
  const written: UpdatePhase[] = [];
  // Records each phase as it is written (the real store writes it).
  const journal = { ...store, write: async (value: UpdateJournal) => (written.push(value.phase), store.write(value)) };
  return { root, appliance, layout, journal: journal as typeof store, written, restarts: 0, channelDir: path.join(root, '..', `${path.basename(root)}-channel`), key: testKey() };
}

/** Publishes 2.0.0 (or `versions`: bundles with `extra` entries) in the box's channel and serves it; returns the manifest URL. */
async function publish(b: Box, options: { versions?: string[]; migrationFails?: boolean; padding?: number; unpackedSize?: number; sha256?: string; beforeBundle?: () => void } = {}) {
  const extra: TarEntry[] = [{ name: 'dist/server/updates/launcher-tool.js', content: migrationTool(options.migrationFails ?? false) }];
  // Random bytes: a padding gzip cannot shrink, so the bundle's size is real.
  if (options.padding) extra.push({ name: 'padding.bin', content: randomBytes(options.padding) });
  const listed = [];
  for (const version of options.versions ?? ['2.0.0']) {
    const file = path.join(b.channelDir, `hearth-${version}-${process.arch}.tar.gz`);
    const bundle = await writeTestBundle(file, version, { extra });
    listed.push(
      release(version, {
        bundles: { [process.arch]: { url: path.basename(file), size: bundle.size, sha256: options.sha256 ?? bundle.sha256, unpackedSize: options.unpackedSize ?? (options.padding ?? 0) + 64 * 1024 } },
      }),
    );
  }
  await writeManifest(b.channelDir, manifest(listed), [b.key.privateKey]);
  const server = await serveDirectory(b.channelDir, options.beforeBundle ? { beforeBundle: options.beforeBundle } : {});
  closers.push(server.close);
  return server.url('manifest.json');
}

/** Runs the machine as a job (maintenance lock), as the update service does. */
async function update(b: Box, request: UpdateRequest, overrides: Partial<UpdateMachineDeps> = {}) {
  const { appliance } = b;
  let outcome: unknown;
  let failure: unknown;
  const deps: UpdateMachineDeps = {
    db: appliance.db,
    system: appliance.system,
    layout: b.layout,
    journal: b.journal,
    snapshots: preUpdateSnapshots(appliance.snapshots, appliance.system),
    runningVersion: '1.0.0',
    keys: [b.key.trusted],
    restart: async () => {
      b.restarts++;
      return true;
    },
    trial: { maxStarts: 3, seconds: 120 },
    badAfter: 3,
    marginBytes: 1024 * 1024,
    ...overrides,
  };
  const { done } = appliance.runner.start({ appId: 'updates', action: 'update', startedBy: 'test', language: 'en', params: {}, locks: [maintenanceLock] }, async (job) => {
    try {
      outcome = await runUpdate(job, deps, request);
    } catch (error) {
      failure = error;
      throw error;
    }
  });
  const record = await done;
  return { record, outcome, failure, code: isHearthError(failure) ? failure.code : undefined, params: isHearthError(failure) ? failure.params : undefined };
}

const current = (b: Box) => readlinkSync(path.join(b.root, 'opt/hearth/current'));
const releases = (b: Box) => readdirSync(path.join(b.root, 'opt/hearth/releases')).sort();
const staging = (b: Box) => (existsSync(b.layout.stagingDir) ? readdirSync(b.layout.stagingDir).sort() : []);

/** Nothing of a failed update is left: the old release current and alone, no journal, no partial, nothing staged but what is named. */
async function expectUntouched(b: Box, keptInStaging: string[] = []) {
  expect(current(b)).toBe('releases/1.0.0');
  expect(releases(b)).toEqual(['1.0.0']);
  expect(existsSync(b.layout.journal)).toBe(false);
  expect(staging(b)).toEqual(keptInStaging.sort());
  expect(b.restarts).toBe(0);
}

const skipNoMount = (b: Box | undefined): b is undefined => {
  if (!b) console.log('skipped: this process cannot mount a tmpfs (not root)');
  return !b;
};

describe('the update machine', () => {
  it('goes through every phase up to the restart, each written to the journal before it begins', async () => {
    const b = box()!;
    const url = await publish(b);
    const result = await update(b, { channel: url });
    expect(result.failure).toBeUndefined();
    expect(result.outcome).toEqual({ kind: 'restarting', from: '1.0.0', to: '2.0.0' });
    expect(b.written).toEqual(['check', 'download', 'verify', 'snapshot', 'unpack', 'migrate', 'switch', 'restart']);
    expect(current(b)).toBe('releases/2.0.0');
    expect(releases(b)).toEqual(['1.0.0', '2.0.0']);
    expect(b.restarts).toBe(1);
    // The journal stays at "restart" for the launcher; the download and the migration trial are gone.
    const { journal } = await b.journal.read();
    expect(journal).toMatchObject({ phase: 'restart', from: '1.0.0', to: '2.0.0', createdRelease: true, starts: 0, maxStarts: 3, trialSeconds: 120 });
    expect(staging(b)).toEqual([]);
    const snapshots = await b.appliance.snapshots.list();
    expect(snapshots.map((s) => [s.id, s.reason])).toEqual([[journal!.snapshotId, 'pre-update']]);
  });

  it('does nothing when the running release is the newest: the check only, no history', async () => {
    const b = box()!;
    const url = await publish(b);
    const v2 = path.join(b.root, 'opt/hearth/releases/2.0.0');
    mkdirSync(v2);
    writeFileSync(path.join(v2, 'package.json'), JSON.stringify({ name: 'hearth', version: '2.0.0' }));
    await b.appliance.system.symlink('releases/2.0.0', path.join(b.root, 'opt/hearth/current'));
    const result = await update(b, { channel: url }, { runningVersion: '2.0.0' });
    expect(result.failure).toBeUndefined();
    expect(result.outcome).toEqual({ kind: 'up-to-date', current: '2.0.0' });
    expect(b.written).toEqual(['check']);
    expect(existsSync(b.layout.journal)).toBe(false);
    expect(await b.journal.history()).toEqual([]);
  });

  it('is refused while a switched release waits for its restart', async () => {
    const b = box()!;
    const url = await publish(b);
    const result = await update(b, { channel: url }, { runningVersion: '0.9.0' });
    expect(result.code).toBe('HEARTH_ERR_UPDATE_RESTART_PENDING');
    expect(b.written).toEqual([]);
  });

  it('a migration that fails on the copy of the database stops the update before the switch, and says why', async () => {
    const b = box()!;
    const url = await publish(b, { migrationFails: true });
    const result = await update(b, { channel: url });
    expect(result.code).toBe('HEARTH_ERR_UPDATE_MIGRATION_FAILED');
    await expectUntouched(b);
    const [entry] = await b.journal.history();
    expect(entry).toMatchObject({ from: '1.0.0', to: '2.0.0', result: 'failed', phase: 'migrate', error: { code: 'HEARTH_ERR_UPDATE_MIGRATION_FAILED', params: { version: '2.0.0' } } });
    expect(entry!.detail).toContain('no such table: test_missing');
  });

  it('a bundle that is not what the signed manifest says is refused and deleted; nothing else changes', async () => {
    const b = box()!;
    const url = await publish(b, { sha256: 'f'.repeat(64) });
    const result = await update(b, { channel: url });
    expect(result.code).toBe('HEARTH_ERR_BUNDLE_CHECKSUM_MISMATCH');
    await expectUntouched(b);
    expect((await b.journal.history())[0]).toMatchObject({ result: 'failed', phase: 'download' });
  });

  it('does not install again a release that failed three times, until a newer one appears', async () => {
    const b = box()!;
    const url = await publish(b);
    for (const id of ['a', 'b', 'c']) {
      await b.journal.record({ id, from: '1.0.0', to: '2.0.0', result: 'rolled-back', phase: 'health', error: null, detail: null, log: null, snapshotId: null, startedAt: '', endedAt: '', notified: true });
    }
    const result = await update(b, { channel: url });
    expect(result.code).toBe('HEARTH_ERR_UPDATE_RELEASE_BAD');
    expect(result.params).toEqual({ version: '2.0.0', failures: 3 });
    await expectUntouched(b);
    // Asked for by name: refused all the same.
    expect((await update(b, { channel: url, version: '2.0.0' })).code).toBe('HEARTH_ERR_UPDATE_RELEASE_BAD');
  });

  it('passes over a release that keeps failing for the newest one that does not', async () => {
    const b = box()!;
    const url = await publish(b, { versions: ['1.5.0', '2.0.0'] });
    for (const id of ['a', 'b', 'c']) {
      await b.journal.record({ id, from: '1.0.0', to: '2.0.0', result: 'rolled-back', phase: 'health', error: null, detail: null, log: null, snapshotId: null, startedAt: '', endedAt: '', notified: true });
    }
    const result = await update(b, { channel: url });
    expect(result.outcome).toEqual({ kind: 'restarting', from: '1.0.0', to: '1.5.0' });
    expect(current(b)).toBe('releases/1.5.0');
  });

  it('refuses to begin while another update runs, and cleans up one whose updater died', async () => {
    const b = box()!;
    const url = await publish(b);
    const base = { id: 'other', from: '1.0.0', to: '2.0.0', startedAt: '', updatedAt: '', channel: url, jobId: null, snapshotId: null, createdRelease: true, starts: 0, trialStartedAt: null, startError: null, error: null };
    // Alive: this very process.
    const { ownerOfThisProcess } = await import('./journal.js');
    await b.journal.write({ ...base, phase: 'download', owner: ownerOfThisProcess() } as UpdateJournal);
    expect((await update(b, { channel: url })).code).toBe('HEARTH_ERR_UPDATE_IN_PROGRESS');
    // Dead: a pid that is not running; its half-unpacked release is removed first.
    mkdirSync(path.join(b.root, 'opt/hearth/releases/.2.0.0.partial'), { recursive: true });
    await b.journal.write({ ...base, phase: 'unpack', owner: { pid: 999_999_999, pidStart: '1', bootId: null } } as UpdateJournal);
    const result = await update(b, { channel: url });
    expect(result.failure).toBeUndefined();
    expect(current(b)).toBe('releases/2.0.0');
    expect((await b.journal.history())[0]).toMatchObject({ id: 'other', result: 'interrupted', phase: 'unpack' });
  });

  it('is refused on a box not installed as releases (a checkout run with npm start)', async () => {
    const b = box()!;
    const url = await publish(b);
    await b.appliance.system.removeFile(path.join(b.root, 'opt/hearth/current'));
    expect((await update(b, { channel: url })).code).toBe('HEARTH_ERR_UPDATE_NOT_INSTALLED');
  });
});

describe('the update machine on a full disk', () => {
  const mib = 1024 * 1024;

  it('download: a staging too small for the bundle is refused before the first byte', async () => {
    const b = box({ 'var/lib/hearth-update': '2m' });
    if (skipNoMount(b)) return;
    const url = await publish(b, { padding: 3 * mib });
    const result = await update(b, { channel: url });
    expect(result.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
    expect(String(result.params?.path)).toContain('hearth-update');
    await expectUntouched(b);
    expect((await b.journal.history())[0]).toMatchObject({ result: 'failed', phase: 'check', error: { code: 'HEARTH_ERR_UPDATE_NO_SPACE' } });
  });

  it('download: the disk filling up during the download stops it cleanly; the partial bundle is removed', async () => {
    let filler = '';
    const b = box({ 'var/lib/hearth-update': '8m' });
    if (skipNoMount(b)) return;
    // Something else writes 6 MiB while the bundle is being fetched.
    filler = path.join(b.layout.updateDir, 'someone-elses-file');
    const url = await publish(b, { padding: 3 * mib, beforeBundle: () => writeFileSync(filler, Buffer.alloc(6 * mib)) });
    const result = await update(b, { channel: url });
    expect(result.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
    await expectUntouched(b);
    expect((await b.journal.history())[0]).toMatchObject({ result: 'failed', phase: 'download' });
  });

  it('unpack: a releases directory too small for the unpacked release is refused before anything is downloaded', async () => {
    const b = box({ 'opt/hearth': '2m' });
    if (skipNoMount(b)) return;
    const url = await publish(b, { padding: 3 * mib });
    const result = await update(b, { channel: url });
    expect(result.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
    expect(String(result.params?.path)).toContain('opt/hearth');
    await expectUntouched(b);
  });

  it('unpack: the disk filling up before the unpack stops it cleanly; the partial release and the download are removed', async () => {
    const b = box({ 'opt/hearth': '8m' });
    if (skipNoMount(b)) return;
    const url = await publish(b, { padding: 3 * mib, beforeBundle: () => writeFileSync(path.join(b.root, 'opt/hearth/someone-elses-file'), Buffer.alloc(6 * mib)) });
    const result = await update(b, { channel: url });
    expect(result.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
    expect(current(b)).toBe('releases/1.0.0');
    expect(releases(b)).toEqual(['1.0.0']);
    expect(staging(b)).toEqual([]);
    expect(existsSync(b.layout.journal)).toBe(false);
    expect((await b.journal.history())[0]).toMatchObject({ result: 'failed', phase: 'unpack' });
  });

  it('snapshot: no room for the pre-update snapshot is refused before anything is downloaded', async () => {
    const b = box({ 'var/lib/hearth-snapshots': '3m' });
    if (skipNoMount(b)) return;
    // State the copy driver must copy: more than the snapshots' disk holds.
    writeFileSync(path.join(b.appliance.paths.stateDir, 'app-state.bin'), randomBytes(4 * mib));
    const url = await publish(b, { padding: 64 * 1024 });
    const before = await update(b, { channel: url });
    expect(before.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
    expect(String(before.params?.path)).toContain('hearth-snapshots');
    await expectUntouched(b);
    expect(await b.appliance.snapshots.list()).toEqual([]);
  });

  it('snapshot: a disk that fills up during the download stops the update at the snapshot, cleanly', async () => {
    const b = box({ 'var/lib/hearth-snapshots': '96m' });
    if (skipNoMount(b)) return;
    writeFileSync(path.join(b.appliance.paths.stateDir, 'app-state.bin'), randomBytes(4 * mib));
    const url = await publish(b, { padding: 64 * 1024, beforeBundle: () => writeFileSync(path.join(b.root, 'var/lib/hearth-snapshots/someone-elses-file'), Buffer.alloc(94 * mib)) });
    const result = await update(b, { channel: url });
    expect(['HEARTH_ERR_SNAPSHOT_NO_SPACE', 'HEARTH_ERR_UPDATE_NO_SPACE']).toContain(result.code);
    await expectUntouched(b);
    expect((await b.journal.history())[0]).toMatchObject({ result: 'failed', phase: 'snapshot' });
    expect(await b.appliance.snapshots.list()).toEqual([]);
  });
});
