import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import path from 'node:path';
import { Type } from 'typebox';
import { afterEach, describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { readManifest } from './archive/index.js';
import { param } from '../apps/params.js';
import { defineApp } from '../apps/types.js';
import hostname from '../apps/config/hostname.js';
import backupsApp from '../apps/backups/backups.js';
import { appHarness } from '../testing/app-harness.js';
import { manualClock } from '../testing/temp-root.js';
import { snapshotTree } from '../testing/tree-snapshot.js';

const mounts: string[] = [];
afterEach(() => {
  for (const mount of mounts.splice(0).reverse()) execFileSync('umount', ['-l', mount]);
});

const starter = { startedBy: 'cli:test', language: 'en' };

/** A box with some of the owner's files: nested, unicode, links, empty dirs, modes and times. */
function boxWithData(options: Parameters<typeof appHarness>[0] = {}) {
  const box = appHarness({ apps: [backupsApp, hostname], ...options });
  const data = box.appliance.paths.dataDir;
  mkdirSync(path.join(data, 'Photos/2026/Été'), { recursive: true });
  mkdirSync(path.join(data, 'empty dir'), { recursive: true });
  writeFileSync(path.join(data, 'Photos/2026/Été/plage.jpg'), Buffer.alloc(300_000, 7));
  writeFileSync(path.join(data, 'Photos/2026/备忘录.txt'), '家庭 NAS\n');
  writeFileSync(path.join(data, 'secret.txt'), 'mine only');
  chmodSync(path.join(data, 'secret.txt'), 0o600);
  symlinkSync('Photos/2026', path.join(data, 'this year'));
  symlinkSync('/nowhere/at/all', path.join(data, 'dangling'));
  utimesSync(path.join(data, 'secret.txt'), new Date('2020-02-02T02:02:02.123Z'), new Date('2020-02-02T02:02:02.123Z'));
  return box;
}

async function backUp(box: ReturnType<typeof appHarness>, request = {}) {
  const { done } = box.appliance.backups.create(request, starter);
  return done;
}

describe('backups', () => {
  it('writes a verified archive to the default destination and lists it', async () => {
    const box = boxWithData();
    const job = await backUp(box);
    expect(job.status).toBe('succeeded');
    const [listed, ...rest] = await box.appliance.backups.list();
    expect(rest).toEqual([]);
    expect(listed).toMatchObject({ compression: 'zstd', encrypted: false, data: true, verified: { ok: true, error: null } });
    expect(listed!.name).toMatch(/^hearth-backup_[a-z0-9-]+_\d{8}-\d{6}\.tar\.zst$/);
    expect(listed!.path).toBe(`/var/lib/hearth/backups/${listed!.name}`);
    const log = box.appliance.jobs.linesAfter(job.id, 0).map((line) => line.text);
    expect(log.some((line) => line.startsWith('Database copied consistently'))).toBe(true);
    expect(log.some((line) => /verified: every entry matches/.test(line))).toBe(true);
    expect(job.progress).toMatchObject({ phase: 'verify', unit: 'bytes' });
    expect(job.progress!.done).toBe(job.progress!.total);
    // The manifest names the board the box runs on (the harness detects this machine's).
    const { manifest } = await readManifest(path.join(box.appliance.paths.backupsDir, listed!.name), { system: box.appliance.system });
    expect(manifest.board).toBe((await box.appliance.board.detect()).profile.id);
    expect(manifest.board).toMatch(/^[a-z0-9-]+$/);
  });

  it('keeps the newest N archives, deleting older ones only after the new one is verified', async () => {
    const clock = manualClock();
    const box = boxWithData({ now: clock.now });
    await box.run('backups', { keep: 2 });
    const names: string[] = [];
    for (let i = 0; i < 3; i++) {
      clock.advance(3_600_000);
      expect((await backUp(box)).status).toBe('succeeded');
      names.push((await box.appliance.backups.list())[0]!.name);
    }
    expect((await box.appliance.backups.list()).map((b) => b.name)).toEqual([names[2], names[1]]);
    expect(box.appliance.backups.records.get(box.appliance.paths.backupsDir, names[0]!)).toBeUndefined();
  });

  it('encrypts with age and compresses with gzip or not at all, on request', async () => {
    const box = boxWithData();
    for (const compression of ['gzip', 'none'] as const) {
      expect((await backUp(box, { compression, passphrase: 'a long enough passphrase' })).status).toBe('succeeded');
    }
    const listed = await box.appliance.backups.list();
    expect(listed.map((b) => [b.compression, b.encrypted]).sort()).toEqual([
      ['gzip', true],
      ['none', true],
    ]);
    expect(readFileSync(path.join(box.appliance.paths.backupsDir, listed[0]!.name)).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
  });

  it('removes the partial file a crashed backup left, and never lists it', async () => {
    const box = boxWithData();
    mkdirSync(box.appliance.paths.backupsDir, { recursive: true });
    const debris = path.join(box.appliance.paths.backupsDir, 'hearth-backup_box_20260101-000000.tar.zst.partial');
    writeFileSync(debris, 'half an archive');
    expect(await box.appliance.backups.list()).toEqual([]);
    await backUp(box);
    expect(existsSync(debris)).toBe(false);
  });
});

describe('backup destinations', () => {
  it('refuses a missing folder, and a bare folder on the system disk where a drive should be', async () => {
    const box = boxWithData();
    const missing = await backUp(box, { destination: '/media/usb/backups' });
    expect(missing).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_BACKUP_DEST_MISSING' });

    const mountPoint = box.appliance.paths.systemFile('media/usb');
    mkdirSync(mountPoint, { recursive: true });
    await box.run('backups', { destination: '/media/usb' });
    const { done } = box.appliance.backups.create({}, starter);
    expect(await done).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_BACKUP_DEST_NOT_MOUNTED' });
    expect(readdirSync(mountPoint)).toEqual([]);

    // With a filesystem really mounted there, the same folder is fine.
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'hearth-test', mountPoint]);
    mounts.push(mountPoint);
    const mounted = await box.appliance.backups.create({}, starter).done;
    expect(mounted.status, box.appliance.jobs.linesAfter(mounted.id, 0).map((l) => l.text).join('\n')).toBe('succeeded');
    expect(readdirSync(mountPoint).filter((n) => n.startsWith('hearth-backup_'))).toHaveLength(1);
  });

  it('refuses a read-only drive and one too small for the estimate, before any work', async () => {
    const box = boxWithData();
    writeFileSync(path.join(box.appliance.paths.dataDir, 'big.bin'), Buffer.alloc(8 * 1024 * 1024, 1));
    const small = box.appliance.paths.systemFile('media/small');
    const readOnly = box.appliance.paths.systemFile('media/ro');
    for (const dir of [small, readOnly]) mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'hearth-test', small]);
    mounts.push(small);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m,ro', 'hearth-test', readOnly]);
    mounts.push(readOnly);
    await box.run('backups', { destination: '/media/small' });
    const tooSmall = await box.appliance.backups.create({}, starter).done;
    expect(tooSmall).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_BACKUP_DEST_TOO_SMALL' });
    expect(readdirSync(small)).toEqual([]);
    await box.run('backups', { destination: '/media/ro' });
    expect(await box.appliance.backups.create({}, starter).done).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_BACKUP_DEST_READ_ONLY' });
  });
});

describe('restore', () => {
  it('brings back files, settings and system files exactly, and keeps the owner logged in', async () => {
    const box = boxWithData();
    const { appliance } = box;
    await box.run('hostname', { hostname: 'attic-nas' });
    const before = await snapshotTree(appliance.paths.dataDir, { ignoreDirectoryTimes: true });
    expect((await backUp(box)).status).toBe('succeeded');
    const [archive] = await appliance.backups.list();

    // Life goes on: files change, disappear, appear; the box is renamed.
    writeFileSync(path.join(appliance.paths.dataDir, 'Photos/2026/备忘录.txt'), 'changed');
    rmSync(path.join(appliance.paths.dataDir, 'Photos/2026/Été'), { recursive: true });
    writeFileSync(path.join(appliance.paths.dataDir, 'new.txt'), 'new');
    await box.run('hostname', { hostname: 'cellar-nas' });
    const owner = await appliance.owner.activate({ setupCode: (await appliance.owner.prepareSetupCode())!, password: 'restore-me-later-please' }, { ip: '10.0.0.2', userAgent: 't' });

    const file = path.join(appliance.paths.backupsDir, archive!.name);
    const job = await appliance.backups.restore(file, {}, starter).done;
    expect(job.status).toBe('succeeded');
    expect(await snapshotTree(appliance.paths.dataDir, { ignoreDirectoryTimes: true })).toEqual(before);
    expect(box.file('etc/hostname')).toBe('attic-nas\n');
    expect(appliance.saved.get('hostname')).toEqual({ hostname: 'attic-nas' });
    // The box was activated after the backup: that account is not in it, nor its session.
    expect(appliance.sessions.authenticate(owner.token)).toBeUndefined();
    const jobs = appliance.jobs.recent(10).map((j) => `${j.action}:${j.status}`);
    expect(jobs[0]).toBe('restore:succeeded');
    // A way back even after the restore: a snapshot of the box as it was just before it.
    const snapshots = await appliance.snapshots.list();
    expect(snapshots.map((s) => s.reason)).toEqual(['pre-restore']);
    expect(snapshots[0]!.label).toBe(archive!.name);
    // Every line of the restore's log survives the database being replaced under it, in order.
    const log = appliance.jobs.linesAfter(job.id, 0).map((line) => line.text);
    const order = ['Verifying', 'Extracting into a staging area', `Snapshot ${snapshots[0]!.id}`, 'Files swapped in', 'Database restored', 'Restore complete'];
    const found = order.map((start) => log.findIndex((line) => line.startsWith(start)));
    expect(found.every((index) => index >= 0), JSON.stringify(log)).toBe(true);
    expect(found).toEqual([...found].sort((a, b) => a - b));
    expect(jobs).toContain('create:succeeded');
    expect(existsSync(path.join(appliance.paths.stateDir, 'restore-journal.json'))).toBe(false);
    expect(readdirSync(path.dirname(appliance.paths.dataDir))).toEqual([path.basename(appliance.paths.dataDir)]);
  });

  it('round-trips a 1 GiB file byte for byte, with its metadata', async () => {
    const box = boxWithData();
    const big = path.join(box.appliance.paths.dataDir, 'Videos/holiday.mkv');
    mkdirSync(path.dirname(big), { recursive: true });
    // 1 GiB without holes: a random MiB, stamped with its index so no two MiB are alike.
    const block = randomBytes(1024 * 1024);
    const handle = openSync(big, 'w');
    for (let i = 0; i < 1024; i++) {
      block.writeUInt32BE(i, 0);
      writeSync(handle, block);
    }
    closeSync(handle);
    const before = await snapshotTree(box.appliance.paths.dataDir, { ignoreDirectoryTimes: true });
    expect((await backUp(box)).status).toBe('succeeded');
    const [archive] = await box.appliance.backups.list();
    rmSync(big);
    writeFileSync(path.join(box.appliance.paths.dataDir, 'secret.txt'), 'changed');
    const job = await box.appliance.backups.restore(path.join(box.appliance.paths.backupsDir, archive!.name), {}, starter).done;
    expect(job.status).toBe('succeeded');
    expect(await snapshotTree(box.appliance.paths.dataDir, { ignoreDirectoryTimes: true })).toEqual(before);
  }, 180_000);

  it('keeps the session of an owner who existed at backup time', async () => {
    const box = boxWithData();
    const { appliance } = box;
    await appliance.owner.activate({ setupCode: (await appliance.owner.prepareSetupCode())!, password: 'backed-up-password-here' }, { ip: '10.0.0.2', userAgent: 't' });
    await backUp(box);
    const [archive] = await appliance.backups.list();
    const later = await appliance.owner.login({ username: 'admin', password: 'backed-up-password-here' }, { ip: '10.0.0.2', userAgent: 't' });
    expect((await appliance.backups.restore(path.join(appliance.paths.backupsDir, archive!.name), {}, starter).done).status).toBe('succeeded');
    expect(appliance.sessions.authenticate(later.token)?.username).toBe('admin');
  });

  it('restores an encrypted archive with its passphrase and refuses a wrong one before anything changes', async () => {
    const box = boxWithData();
    await backUp(box, { passphrase: 'correct horse battery staple' });
    const [archive] = await box.appliance.backups.list();
    const file = path.join(box.appliance.paths.backupsDir, archive!.name);
    writeFileSync(path.join(box.appliance.paths.dataDir, 'secret.txt'), 'changed');
    const wrong = await box.appliance.backups.restore(file, { passphrase: 'wrong horse' }, starter).done;
    expect(wrong).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE' });
    expect(readFileSync(path.join(box.appliance.paths.dataDir, 'secret.txt'), 'utf8')).toBe('changed');
    const right = await box.appliance.backups.restore(file, { passphrase: 'correct horse battery staple' }, starter).done;
    expect(right.status).toBe('succeeded');
    expect(readFileSync(path.join(box.appliance.paths.dataDir, 'secret.txt'), 'utf8')).toBe('mine only');
  });

  it('reports in a dry run what would change, and changes nothing', async () => {
    const box = boxWithData();
    await backUp(box);
    const [archive] = await box.appliance.backups.list();
    await box.run('hostname', { hostname: 'renamed' });
    writeFileSync(path.join(box.appliance.paths.dataDir, 'new.txt'), 'new');
    const before = await snapshotTree(box.appliance.paths.root, { ignoreDirectoryTimes: true });
    const job = await box.appliance.backups.restore(path.join(box.appliance.paths.backupsDir, archive!.name), { dryRun: true }, starter).done;
    expect(job.status).toBe('succeeded');
    const log = box.appliance.jobs.linesAfter(job.id, 0).map((l) => l.text);
    expect(log).toContain('Would forget the settings of Hostname (not in the backup).');
    expect(log).toContain('Dry run: nothing was changed.');
    expect(await box.appliance.snapshots.list()).toEqual([]);
    const after = await snapshotTree(box.appliance.paths.root, { ignoreDirectoryTimes: true });
    // Only the database (the job's own log) changed.
    const changed = Object.keys(after).filter((key) => JSON.stringify(after[key]) !== JSON.stringify(before[key]));
    expect(changed.filter((key) => !key.startsWith('var/lib/hearth/hearth.db') && key !== 'var/lib/hearth' && !key.startsWith('var/lib/hearth/restore') && !key.startsWith('var/lib/hearth/tmp'))).toEqual([]);
  });

  it('puts everything back when a step fails after the swap', async () => {
    // An app that cannot be applied with the value the backup holds.
    const fragile = defineApp({
      id: 'fragile',
      category: 'system',
      kind: 'configure',
      params: Type.Object({ mood: param.string({ default: 'calm', maxLength: 10 }) }),
      async status() {
        return { active: null, values: {} };
      },
      async apply({ mood }, job) {
        if (mood === 'grumpy' && job.id > 0 && (await job.system.readFile(job.system.paths.systemFile('etc/grumpy-breaks'))) !== undefined) {
          throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'fragile', code: 1 });
        }
        await job.system.writeFile(job.system.paths.systemFile('etc/mood'), mood);
      },
    });
    const box = boxWithData({ apps: [backupsApp, hostname, fragile] });
    await box.run('fragile', { mood: 'grumpy' });
    await backUp(box);
    const [archive] = await box.appliance.backups.list();
    await box.run('fragile', { mood: 'happy' });
    writeFileSync(path.join(box.appliance.paths.dataDir, 'after.txt'), 'after the backup');
    writeFileSync(box.appliance.paths.systemFile('etc/grumpy-breaks'), '');
    const dataBefore = await snapshotTree(box.appliance.paths.dataDir, { ignoreDirectoryTimes: true });

    const job = await box.appliance.backups.restore(path.join(box.appliance.paths.backupsDir, archive!.name), {}, starter).done;
    expect(job).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_RESTORE_FAILED', errorParams: { step: 'applying the restored settings' } });
    expect(await snapshotTree(box.appliance.paths.dataDir, { ignoreDirectoryTimes: true })).toEqual(dataBefore);
    expect(box.appliance.saved.get('fragile')).toEqual({ mood: 'happy' });
    expect(box.file('etc/mood')).toBe('happy');
    expect(existsSync(path.join(box.appliance.paths.stateDir, 'restore-journal.json'))).toBe(false);
    expect(readdirSync(path.dirname(box.appliance.paths.dataDir))).toEqual([path.basename(box.appliance.paths.dataDir)]);
  });

  it('refuses a damaged archive at verification, changing nothing', async () => {
    const box = boxWithData();
    await backUp(box, { compression: 'none' });
    const [archive] = await box.appliance.backups.list();
    const file = path.join(box.appliance.paths.backupsDir, archive!.name);
    const bytes = readFileSync(file);
    const at = bytes.indexOf(Buffer.from('家庭 NAS'));
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(file, bytes);
    const before = await snapshotTree(box.appliance.paths.dataDir);
    const job = await box.appliance.backups.restore(file, {}, starter).done;
    expect(job).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_ARCHIVE_CORRUPT' });
    expect(await snapshotTree(box.appliance.paths.dataDir)).toEqual(before);
  });
});

describe('backup health', () => {
  it('drills the newest archive, and warns when it cannot be restored', async () => {
    const box = boxWithData();
    await backUp(box, { compression: 'none' });
    expect((await box.appliance.backups.drill(starter).done).status).toBe('succeeded');
    expect((await box.appliance.backups.status()).lastDrill).toMatchObject({ ok: true });

    const [archive] = await box.appliance.backups.list();
    const file = path.join(box.appliance.paths.backupsDir, archive!.name);
    const bytes = readFileSync(file);
    bytes[bytes.length - 2000] = bytes[bytes.length - 2000]! ^ 0xff;
    writeFileSync(file, bytes);
    const failed = await box.appliance.backups.drill(starter).done;
    expect(failed.status).toBe('failed');
    const status = await box.appliance.backups.status();
    expect(status).toMatchObject({ drillFailing: true, lastDrill: { ok: false } });
    const [notification] = box.appliance.notifications.feed.recent({ limit: 1 });
    expect(notification).toMatchObject({ level: 'error', title: 'The weekly backup test failed' });
    expect((await box.appliance.backups.list())[0]!.verified).toMatchObject({ ok: false });
  });

  it('says backups are stale after N days without a verified one', async () => {
    const clock = manualClock();
    const box = boxWithData({ now: clock.now });
    await box.appliance.owner.activate({ setupCode: (await box.appliance.owner.prepareSetupCode())!, password: 'some-owner-passphrase' }, { ip: '10.0.0.2', userAgent: 't' });
    expect((await box.appliance.backups.status()).stale).toBe(false);
    clock.advance(9 * 86_400_000);
    expect((await box.appliance.backups.status()).stale).toBe(true);
    await backUp(box);
    expect((await box.appliance.backups.status()).stale).toBe(false);
    clock.advance(9 * 86_400_000);
    expect((await box.appliance.backups.status())).toMatchObject({ stale: true, staleAfterDays: 8 });
  });
});

describe('backup health, continued', () => {
  it('keeps warning about a failed drill after a newer backup, until a drill passes', async () => {
    const clock = manualClock();
    const box = boxWithData({ now: clock.now });
    await backUp(box, { compression: 'none' });
    const [archive] = await box.appliance.backups.list();
    const file = path.join(box.appliance.paths.backupsDir, archive!.name);
    const bytes = readFileSync(file);
    bytes[bytes.length - 2000] = bytes[bytes.length - 2000]! ^ 0xff;
    writeFileSync(file, bytes);
    clock.advance(60_000);
    expect((await box.appliance.backups.drill(starter).done).status).toBe('failed');
    const failing = await box.appliance.backups.status();
    // The failure keeps what its message needs: which entry does not match.
    expect(failing).toMatchObject({ drillFailing: true, lastDrill: { ok: false, error: { code: 'HEARTH_ERR_ARCHIVE_ENTRY_MISMATCH', params: { path: expect.any(String) } } } });
    expect((await box.appliance.backups.list())[0]!.verified!.error).toEqual(failing.lastDrill!.error);
    clock.advance(60_000);
    expect((await backUp(box)).status).toBe('succeeded');
    expect((await box.appliance.backups.status()).drillFailing).toBe(true);
    clock.advance(60_000);
    expect((await box.appliance.backups.drill(starter).done).status).toBe('succeeded');
    expect((await box.appliance.backups.status()).drillFailing).toBe(false);
  });

  it('restoring a backup made before activation leaves a setup code to activate with', async () => {
    const box = boxWithData();
    const { appliance } = box;
    await backUp(box);
    const [archive] = await appliance.backups.list();
    await appliance.owner.activate({ setupCode: (await appliance.owner.prepareSetupCode())!, password: 'activated-after-backup' }, { ip: '10.0.0.2', userAgent: 't' });
    expect(existsSync(appliance.paths.setupCode)).toBe(false);
    const job = await appliance.backups.restore(path.join(appliance.paths.backupsDir, archive!.name), {}, starter).done;
    expect(job.status).toBe('succeeded');
    expect(appliance.settings.get('activation.activatedAt')).toBeNull();
    expect(readFileSync(appliance.paths.setupCode, 'utf8').trim()).toMatch(/^[A-Z0-9-]{8,}$/);
    expect(appliance.jobs.linesAfter(job.id, 0).map((line) => line.text)).toContain(
      'This backup was made before the box was activated: activate it again with the setup code (hearth setup-code).',
    );
  });

  it('restores its own encrypted archives with the passphrase it keeps', async () => {
    const box = boxWithData();
    await box.run('backups', { encrypt: true, passphrase: 'a passphrase the box keeps sealed' });
    expect((await backUp(box)).status).toBe('succeeded');
    const [archive] = await box.appliance.backups.list();
    expect(archive!.encrypted).toBe(true);
    writeFileSync(path.join(box.appliance.paths.dataDir, 'secret.txt'), 'changed');
    const job = await box.appliance.backups.restore(path.join(box.appliance.paths.backupsDir, archive!.name), {}, starter).done;
    expect(job.status).toBe('succeeded');
    expect(readFileSync(path.join(box.appliance.paths.dataDir, 'secret.txt'), 'utf8')).toBe('mine only');
  });
});
