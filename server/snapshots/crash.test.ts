import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createAppliance } from '../appliance.js';
import { packageRoot, resolvePaths, type Paths } from '../paths.js';
import { cheapScrypt, tempRoot } from '../testing/temp-root.js';
import { snapshotLayout } from './layout.js';
import { loopBtrfsUnavailable, makeLoopBtrfs, type LoopBtrfs } from './testing/loop-btrfs.js';
import { changeState, configured, newerArchive, seedState, stateFiles } from './testing/state-fixture.js';

/**
 * Power cuts during snapshots and rollbacks, simulated by the real thing: the compiled
 * code in a process of its own, SIGKILLed by itself at a named point (HEARTH_FAULT_AT,
 * server/system/fault-injection.ts), then the next start. Whatever the point, the box
 * ends on the snapshot's state or — before the swap began — on its own, never a mix, and
 * the replaced state is kept as a snapshot.
 */
const dist = path.join(packageRoot, 'dist/server');
const cli = path.join(dist, 'cli/hearth.js');
const env = (fault?: string) => ({ ...process.env, HEARTH_SYSTEM: 'sandbox', LANG: 'C.UTF-8', ...(fault ? { HEARTH_FAULT_AT: fault } : {}) });

function built() {
  expect(existsSync(cli), 'run `npm run build:server` first').toBe(true);
}

/** What a daemon's start does first, in a process of its own: recoverSnapshots (dist). */
function recover(root: string, systemKind: 'sandbox' | 'linux', fault?: string) {
  built();
  const script = `import { recoverSnapshots } from ${JSON.stringify(pathToFileURL(path.join(dist, 'snapshots/index.js')).href)};
process.stdout.write(await recoverSnapshots({ root: process.argv[1], systemKind: process.argv[2], log: (line) => process.stderr.write(line + '\\n') }));`;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script, root, systemKind], { encoding: 'utf8', env: env(fault), timeout: 60_000 });
}

function hearth(root: string, args: string[], fault?: string) {
  built();
  return spawnSync(process.execPath, [cli, '--root', root, ...args], { encoding: 'utf8', env: env(fault), timeout: 60_000 });
}

/** `hearth start` until it serves (its banner), then SIGTERM; or until it dies by itself. */
function startAndStop(root: string, fault?: string): Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }> {
  built();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [cli, 'start', '--root', root, '--port', '0', '--host', '127.0.0.1', '--http'], { env: { ...env(fault), HEARTH_LOG_LEVEL: 'warn' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      if (stderr.includes('Hearth panel:')) child.kill('SIGTERM');
    });
    child.once('exit', (code, signal) => resolve({ code, signal, stderr }));
  });
}

interface Prepared {
  root: string;
  paths: Paths;
  snapshotId: string;
  before: Awaited<ReturnType<typeof stateFiles>>;
  beforeConfig: unknown[];
  changed: Awaited<ReturnType<typeof stateFiles>>;
}

/** A box with a snapshot, changed since, and a rollback to the snapshot staged (or not). */
async function prepare(root: string, systemKind: 'sandbox' | 'linux', options: { stage: boolean }): Promise<Prepared> {
  const appliance = createAppliance({ root, systemKind, scrypt: cheapScrypt });
  try {
    await seedState(appliance);
    const before = await stateFiles(appliance.paths);
    const beforeConfig = configured(appliance.paths.database);
    const snapshot = await appliance.snapshots.create({ reason: 'manual' });
    await changeState(appliance);
    const changed = await stateFiles(appliance.paths);
    if (options.stage) await appliance.snapshots.rollback(snapshot.id);
    return { root, paths: appliance.paths, snapshotId: snapshot.id, before, beforeConfig, changed };
  } finally {
    appliance.close();
  }
}

/** The rollback happened, whole: the snapshot's state, the newer backup kept, the replaced state a snapshot, nothing left over. */
async function expectRolledBack(box: Prepared, options: { madeByTheStart?: string[] } = {}) {
  const { paths } = box;
  const layout = snapshotLayout(paths);
  const now = await stateFiles(paths);
  for (const name of options.madeByTheStart ?? []) delete now[name];
  expect(now).toEqual(box.before);
  if (options.madeByTheStart) {
    // A daemon's start writes its own settings (an update cohort …) and re-saves the apps it applies again: compare what the owner set.
    const [settings, users, apps, secrets] = configured(paths.database) as Array<Array<Record<string, unknown>>>;
    const [settingsBefore, usersBefore, appsBefore, secretsBefore] = box.beforeConfig as Array<Array<Record<string, unknown>>>;
    const pick = (rows: Array<Record<string, unknown>>, ...keys: string[]) => rows.map((row) => keys.map((key) => row[key]));
    expect(pick(settings!, 'key', 'value')).toEqual(expect.arrayContaining(pick(settingsBefore!, 'key', 'value')));
    expect([pick(users!, 'username'), pick(apps!, 'app_id', 'params'), pick(secrets!, 'app_id', 'param', 'sealed')]).toEqual([
      pick(usersBefore!, 'username'),
      pick(appsBefore!, 'app_id', 'params'),
      pick(secretsBefore!, 'app_id', 'param', 'sealed'),
    ]);
  } else {
    expect(configured(paths.database)).toEqual(box.beforeConfig);
  }
  expect(readFileSync(path.join(paths.backupsDir, newerArchive), 'utf8')).toBe('an archive from after');
  expect(existsSync(layout.journal)).toBe(false);
  expect(existsSync(layout.staging)).toBe(false);
  const entries = readdirSync(layout.root).filter((name) => name !== 'reapply.json').sort();
  expect(entries).toHaveLength(2);
  const pre = entries.find((id) => id !== box.snapshotId)!;
  expect(JSON.parse(readFileSync(layout.meta(pre), 'utf8'))).toMatchObject({ reason: 'pre-rollback', rolledBackTo: box.snapshotId });
  expect(await stateFiles(paths, layout.state(pre))).toEqual(box.changed);
}

/** Every point of the swap, in order. */
const swapPoints = ['snapshot:swapping', 'snapshot:carried', 'snapshot:state-aside', 'snapshot:state-swapped', 'snapshot:tables-carried', 'snapshot:sealed'];

describe('a rollback killed mid-swap (copy driver)', () => {
  for (const point of swapPoints) {
    it(`at ${point}: the next start finishes it`, async () => {
      const box = await prepare(tempRoot(), 'sandbox', { stage: true });
      const killed = recover(box.root, 'sandbox', point);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const again = recover(box.root, 'sandbox');
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).toBe('applied');
      await expectRolledBack(box);
      // And once more: nothing left to do.
      expect(recover(box.root, 'sandbox').stdout).toBe('none');
    });
  }

  it('killed while staging (the CLI): nothing changed; the next rollback starts clean', async () => {
    const box = await prepare(tempRoot(), 'sandbox', { stage: false });
    const killed = hearth(box.root, ['snapshot', 'rollback', box.snapshotId, '--yes'], 'snapshot:staged');
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
    expect(recover(box.root, 'sandbox').stdout).toBe('none');
    expect(await stateFiles(box.paths)).toEqual(box.changed);
    const staged = hearth(box.root, ['snapshot', 'rollback', box.snapshotId, '--yes']);
    expect(staged.status, staged.stdout + staged.stderr).toBe(0);
    expect(recover(box.root, 'sandbox').stdout).toBe('applied');
    await expectRolledBack(box);
  });

  it('killed while taking a snapshot: it is never listed, and the next one clears what it left', async () => {
    const root = tempRoot();
    const paths = resolvePaths(root);
    const killed = hearth(root, ['snapshot', 'create', '--label', 'interrupted'], 'snapshot:captured');
    expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');
    expect(readdirSync(paths.snapshotsDir)).toHaveLength(1);
    expect(JSON.parse(hearth(root, ['snapshot', '--json']).stdout).snapshots).toEqual([]);
    const next = hearth(root, ['snapshot', 'create']);
    expect(next.stdout).toContain('Removed what an interrupted snapshot left behind');
    expect(JSON.parse(hearth(root, ['snapshot', '--json']).stdout).snapshots).toHaveLength(1);
    expect(readdirSync(paths.snapshotsDir)).toHaveLength(1);
  });

  it('the daemon itself: killed in its start mid-swap, it finishes the rollback at the next start before serving', async () => {
    const box = await prepare(tempRoot(), 'sandbox', { stage: true });
    const killed = await startAndStop(box.root, 'snapshot:state-aside');
    expect(killed.signal, killed.stderr).toBe('SIGKILL');
    expect(existsSync(box.paths.stateDir)).toBe(false);
    const started = await startAndStop(box.root);
    expect(started.code, started.stderr).toBe(0);
    expect(started.stderr).toContain(`rollback to snapshot ${box.snapshotId}: done`);
    // A box not activated yet gets its setup code at every start.
    await expectRolledBack(box, { madeByTheStart: ['setup-code'] });
  });
});

const btrfsMissing = loopBtrfsUnavailable();
if (btrfsMissing) console.log(`btrfs crash tests skipped: ${btrfsMissing}`);
const loops: LoopBtrfs[] = [];
afterEach(() => {
  for (const loop of loops.splice(0)) loop.remove();
});

describe.skipIf(Boolean(btrfsMissing))('a rollback killed mid-swap (btrfs driver, on a loop device)', () => {
  for (const point of swapPoints) {
    it(`at ${point}: the next start finishes it`, async () => {
      const loop = makeLoopBtrfs();
      loops.push(loop);
      const box = await prepare(loop.mountPoint, 'linux', { stage: true });
      const killed = recover(box.root, 'linux', point);
      expect(killed.signal, killed.stderr).toBe('SIGKILL');
      const again = recover(box.root, 'linux');
      expect(again.stdout, again.stderr).toBe('applied');
      await expectRolledBack(box);
      const pre = readdirSync(snapshotLayout(box.paths).root).find((name) => name !== box.snapshotId && name !== 'reapply.json')!;
      expect(spawnSync('btrfs', ['property', 'get', '-ts', snapshotLayout(box.paths).state(pre), 'ro'], { encoding: 'utf8' }).stdout.trim()).toBe('ro=true');
    });
  }
});
