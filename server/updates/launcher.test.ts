import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, readlinkSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../paths.js';
import { processStartTime } from '../system/process-identity.js';
import { tempRoot } from '../testing/temp-root.js';

/**
 * The launcher's decisions, with the real scripts (bash + launcher.mjs) and releases
 * that are small stand-ins: each "daemon" prints who it is and then exits, fails or
 * hangs as the test says ($ROOT/behaviour-<version>); each release's
 * launcher-tool.js records the state restores the launcher asks of it. The full
 * releases are in update-end-to-end.test.ts and the power-cut tests.
 */
const fakeDaemon = `
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
const root = process.argv[process.argv.indexOf('--root') + 1];
const version = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')).version;
console.log('fake daemon ' + version + ' pid ' + process.pid + ' args ' + process.argv.slice(2).join(' '));
appendFileSync(root + '/started.log', version + ' ' + process.pid + '\\n');
const file = root + '/behaviour-' + version;
const behaviour = existsSync(file) ? readFileSync(file, 'utf8').trim() : 'exit:0';
if (behaviour === 'hang') setInterval(() => {}, 1000);
else process.exit(Number(behaviour.split(':')[1]));
`;
const fakeTool = `
import { appendFileSync, existsSync } from 'node:fs';
const args = process.argv.slice(2);
const root = args[args.indexOf('--root') + 1];
appendFileSync(root + '/restores.log', args.join(' ') + '\\n');
if (existsSync(root + '/restore-fails')) { console.error('restore refused by the test'); process.exit(3); }
`;

function fakeRelease(root: string, version: string) {
  const dir = path.join(root, 'opt/hearth/releases', version);
  mkdirSync(path.join(dir, 'dist/server/cli'), { recursive: true });
  mkdirSync(path.join(dir, 'dist/server/updates'), { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'hearth', version, type: 'module' }));
  writeFileSync(path.join(dir, 'dist/server/cli/hearth.js'), fakeDaemon);
  writeFileSync(path.join(dir, 'dist/server/updates/launcher-tool.js'), fakeTool);
  return dir;
}

function box(options: { releases?: string[]; current?: string } = {}) {
  const root = tempRoot();
  const install = path.join(root, 'opt/hearth');
  mkdirSync(install, { recursive: true });
  copyFileSync(path.join(packageRoot, 'scripts/launcher'), path.join(install, 'launcher'));
  copyFileSync(path.join(packageRoot, 'scripts/launcher.mjs'), path.join(install, 'launcher.mjs'));
  for (const version of options.releases ?? ['1.0.0']) fakeRelease(root, version);
  if (options.current !== null) symlinkSync(`releases/${options.current ?? '1.0.0'}`, path.join(install, 'current'));
  return root;
}

const env = (extra: Record<string, string> = {}) => ({ PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`, LANG: 'C.UTF-8', ...extra });

/** One start, as systemd does it: the launcher, which execs the daemon. */
function launch(root: string, extra: Record<string, string> = {}) {
  // setsid: the start gets a process group of its own (its pid), as a unit gets a cgroup.
  const result = spawnSync('setsid', ['bash', path.join(root, 'opt/hearth/launcher')], { encoding: 'utf8', env: env(extra), timeout: 30_000 });
  killGroup(result.pid);
  return { code: result.status, signal: result.signal, out: result.stdout + result.stderr };
}

/** A start's trial watchdog outlives it (sleeping in its process group): gone with the test, as systemd stops a unit's cgroup. */
function killGroup(pid: number | undefined) {
  try {
    if (pid) process.kill(-pid, 'SIGKILL');
  } catch {
    // nothing left
  }
}

const updateDir = (root: string) => path.join(root, 'var/lib/hearth-update');
const journalFile = (root: string) => path.join(updateDir(root), 'journal.json');
const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
const history = (root: string) => (existsSync(path.join(updateDir(root), 'history.json')) ? (JSON.parse(readFileSync(path.join(updateDir(root), 'history.json'), 'utf8')) as Array<Record<string, unknown>>) : []);
const current = (root: string) => readlinkSync(path.join(root, 'opt/hearth/current'));
const started = (root: string) => (existsSync(path.join(root, 'started.log')) ? readFileSync(path.join(root, 'started.log'), 'utf8').trim().split('\n').map((line) => line.split(' ')[0]) : []);
const visibleReleases = (root: string) => readdirSync(path.join(root, 'opt/hearth/releases')).filter((name) => !name.startsWith('.')).sort();

function writeJournal(root: string, journal: Record<string, unknown>) {
  mkdirSync(updateDir(root), { recursive: true });
  writeFileSync(
    journalFile(root),
    JSON.stringify({
      id: 'test-update',
      from: '1.0.0',
      to: '2.0.0',
      startedAt: '2026-11-28T10:00:00.000Z',
      updatedAt: '2026-11-28T10:00:00.000Z',
      owner: { pid: 999_999_999, pidStart: '1', bootId: null },
      snapshotId: '20261128-100000',
      createdRelease: true,
      starts: 0,
      trialStartedAt: null,
      startError: null,
      error: null,
      ...journal,
    }),
  );
}

describe('the launcher', () => {
  it('with no update under way starts the current release, names its pid for a restart, and captures its output', () => {
    const root = box();
    const first = launch(root);
    expect(first.code).toBe(0);
    expect(started(root)).toEqual(['1.0.0']);
    // exec: the daemon is the launcher's process, the one systemd watches and the pid file names.
    const daemonPid = /pid (\d+)/.exec(first.out)![1];
    const pidFile = readJson(path.join(updateDir(root), 'daemon.pid'));
    expect(String(pidFile.pid)).toBe(daemonPid);
    expect(first.out).toContain(`args --root ${root} start`);
    expect(readFileSync(path.join(updateDir(root), 'logs/start.log'), 'utf8')).toContain('fake daemon 1.0.0');

    launch(root);
    // The previous start's capture is kept one start longer.
    expect(readFileSync(path.join(updateDir(root), 'logs/start.previous.log'), 'utf8')).toContain(`pid ${daemonPid}`);
    expect(readFileSync(path.join(updateDir(root), 'logs/start.log'), 'utf8')).not.toContain(`pid ${daemonPid}`);
  });

  it('cleans up an update that died before the switch: its partial and unpacked release go, the journal is closed as interrupted', () => {
    const root = box({ releases: ['1.0.0', '2.0.0'] });
    mkdirSync(path.join(root, 'opt/hearth/releases/.2.0.0.partial'), { recursive: true });
    mkdirSync(path.join(updateDir(root), 'staging/migrate'), { recursive: true });
    writeFileSync(path.join(updateDir(root), 'staging/hearth-2.0.0-x64.tar.gz'), 'kept for a resume');
    writeJournal(root, { phase: 'migrate' });

    expect(launch(root).code).toBe(0);
    expect(started(root)).toEqual(['1.0.0']);
    expect(current(root)).toBe('releases/1.0.0');
    expect(existsSync(journalFile(root))).toBe(false);
    expect(visibleReleases(root)).toEqual(['1.0.0']);
    expect(readdirSync(path.join(root, 'opt/hearth/releases')).filter((name) => name.includes('partial'))).toEqual([]);
    expect(existsSync(path.join(updateDir(root), 'staging/migrate'))).toBe(false);
    expect(existsSync(path.join(updateDir(root), 'staging/hearth-2.0.0-x64.tar.gz'))).toBe(true);
    expect(history(root)).toMatchObject([{ id: 'test-update', result: 'interrupted', phase: 'migrate', error: { code: 'HEARTH_ERR_UPDATE_INTERRUPTED', params: { phase: 'migrate' } } }]);
  });

  it('treats an update whose journal says "switch" but whose link was not renamed yet as not switched', () => {
    const root = box({ releases: ['1.0.0', '2.0.0'] });
    writeJournal(root, { phase: 'switch' });
    launch(root);
    expect(started(root)).toEqual(['1.0.0']);
    expect(history(root)[0]).toMatchObject({ result: 'interrupted', phase: 'switch' });
    expect(visibleReleases(root)).toEqual(['1.0.0']);
  });

  it('leaves alone an update whose updater is still running (the daemon restarted for another reason)', () => {
    const root = box({ releases: ['1.0.0', '2.0.0'] });
    writeJournal(root, { phase: 'unpack', owner: { pid: process.pid, pidStart: processStartTime(process.pid), bootId: null } });
    launch(root);
    expect(started(root)).toEqual(['1.0.0']);
    expect(readJson(journalFile(root)).phase).toBe('unpack');
    expect(visibleReleases(root)).toEqual(['1.0.0', '2.0.0']);
  });

  it('counts the starts of a switched release before each one, and after the third failed start rolls back: link, state, record with the log', () => {
    const root = box({ releases: ['1.0.0', '2.0.0'], current: '2.0.0' });
    writeFileSync(path.join(root, 'behaviour-2.0.0'), 'exit:70');
    writeJournal(root, { phase: 'restart' });

    for (const start of [1, 2, 3]) {
      const run = launch(root);
      expect(run.code).toBe(70);
      expect(run.out).toContain(`start ${start} of 3`);
      expect(readJson(journalFile(root))).toMatchObject({ phase: 'health', starts: start });
    }
    const fourth = launch(root);
    expect(fourth.code).toBe(0);
    expect(started(root)).toEqual(['2.0.0', '2.0.0', '2.0.0', '1.0.0']);
    expect(current(root)).toBe('releases/1.0.0');
    // The state restore was asked of the OLD release's code, with the pre-update snapshot.
    expect(readFileSync(path.join(root, 'restores.log'), 'utf8')).toBe(`restore-state --root ${root} --snapshot 20261128-100000\n`);
    expect(existsSync(journalFile(root))).toBe(false);
    expect(visibleReleases(root)).toEqual(['1.0.0']);
    const [entry] = history(root);
    expect(entry).toMatchObject({ result: 'rolled-back', phase: 'health', from: '1.0.0', to: '2.0.0', error: { code: 'HEARTH_ERR_UPDATE_START_FAILED', params: { version: '2.0.0', starts: 3 } }, notified: false });
    expect(String(entry!.log)).toContain('fake daemon 2.0.0');
  });

  it('rolls back at once a start that said why it failed (its self-check, its migration)', () => {
    const root = box({ releases: ['1.0.0', '2.0.0'], current: '2.0.0' });
    writeJournal(root, { phase: 'health', starts: 1, startError: { code: 'HEARTH_ERR_UPDATE_HEALTH_CHECK', params: { check: 'http', reason: 'HTTP 500' } } });
    launch(root);
    expect(started(root)).toEqual(['1.0.0']);
    expect(history(root)[0]).toMatchObject({ result: 'rolled-back', error: { code: 'HEARTH_ERR_UPDATE_HEALTH_CHECK', params: { check: 'http' } } });
  });

  it('stops a start on trial that does not mark itself good in time, and rolls it back at the next start', async () => {
    const root = box({ releases: ['1.0.0', '2.0.0'], current: '2.0.0' });
    writeFileSync(path.join(root, 'behaviour-2.0.0'), 'hang');
    writeJournal(root, { phase: 'restart' });
    // The start hangs; the watchdog (1 s here) records why and sends SIGTERM.
    const child = spawn('bash', [path.join(root, 'opt/hearth/launcher')], { env: env({ HEARTH_UPDATE_TRIAL_SECONDS: '1' }), stdio: 'ignore', detached: true });
    const exit = await new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    killGroup(child.pid);
    expect(exit.signal).toBe('SIGTERM');
    expect(readJson(journalFile(root))).toMatchObject({ phase: 'health', starts: 1, startError: { code: 'HEARTH_ERR_UPDATE_NOT_HEALTHY', params: { version: '2.0.0', seconds: 1 } } });
    launch(root);
    expect(current(root)).toBe('releases/1.0.0');
    expect(history(root)[0]).toMatchObject({ result: 'rolled-back', error: { code: 'HEARTH_ERR_UPDATE_NOT_HEALTHY' } });
  });

  it('keeps trying a rollback whose state restore fails, and starts nothing meanwhile; the next start finishes it', () => {
    const root = box({ releases: ['1.0.0', '2.0.0'], current: '2.0.0' });
    writeFileSync(path.join(root, 'restore-fails'), '');
    writeJournal(root, { phase: 'health', starts: 3 });
    const failed = launch(root);
    expect(failed.code).toBe(1);
    expect(failed.out).toContain('restoring the state from snapshot 20261128-100000 failed');
    expect(started(root)).toEqual([]);
    expect(readJson(journalFile(root))).toMatchObject({ phase: 'rollback' });
    // `current` already points back: even a crash from here starts the old code.
    expect(current(root)).toBe('releases/1.0.0');

    spawnSync('rm', [path.join(root, 'restore-fails')]);
    expect(launch(root).code).toBe(0);
    expect(started(root)).toEqual(['1.0.0']);
    expect(history(root)).toHaveLength(1);
    expect(readFileSync(path.join(root, 'restores.log'), 'utf8').trim().split('\n')).toHaveLength(2);
  });

  it('leaves a committed update to the new release (which finishes it at start)', () => {
    const root = box({ releases: ['1.0.0', '2.0.0'], current: '2.0.0' });
    writeJournal(root, { phase: 'commit', starts: 1 });
    launch(root);
    expect(started(root)).toEqual(['2.0.0']);
    expect(readJson(journalFile(root)).phase).toBe('commit');
  });

  it('sets an unreadable journal aside and starts what current points at', () => {
    const root = box();
    mkdirSync(updateDir(root), { recursive: true });
    writeFileSync(journalFile(root), '{"id": "cut');
    const run = launch(root);
    expect(run.code).toBe(0);
    expect(started(root)).toEqual(['1.0.0']);
    expect(readdirSync(updateDir(root)).some((name) => name.startsWith('journal.json.damaged-'))).toBe(true);
  });

  it('repairs a missing or dangling `current` with the newest complete release', () => {
    const root = box({ releases: ['1.0.0', '2.0.0'], current: '9.9.9' });
    launch(root);
    expect(started(root)).toHaveLength(1);
    expect(current(root)).toMatch(/^releases\/(1\.0\.0|2\.0\.0)$/);
  });
});
