import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { packageRoot } from '../../paths.js';
import { dataLocation, locationFiles, recoverDataDirMove } from '../../storage/data-location.js';
import { loopDevicesUnavailable, loopDrive, probe, sh } from '../../storage/testing/loop-drive.js';
import { appHarness } from '../../testing/app-harness.js';
import { tempRoot } from '../../testing/temp-root.js';
import { snapshotTree } from '../../testing/tree-snapshot.js';
import datadir from './datadir.js';
import storageAutomount from './storage-automount.js';

const en = translator('en');
const photos = '3f0b8c52-7d1e-4a55-9a0c-6e2f61d0b7a4';

/** Owner's files with what a copy can get wrong: modes, a hard link, a symbolic link, an empty folder, an odd name. */
function seedData(dir: string) {
  mkdirSync(path.join(dir, 'docs/empty'), { recursive: true });
  writeFileSync(path.join(dir, 'docs/letter.txt'), 'dear owner\n');
  writeFileSync(path.join(dir, 'docs/private.txt'), 'secret\n');
  chmodSync(path.join(dir, 'docs/private.txt'), 0o600);
  writeFileSync(path.join(dir, 'photo one.jpg'), Buffer.alloc(3 * 1024 * 1024, 7));
  linkSync(path.join(dir, 'docs/letter.txt'), path.join(dir, 'docs/letter-again.txt'));
  symlinkSync('docs/letter.txt', path.join(dir, 'latest'));
}

function sandboxBox() {
  const box = appHarness({ apps: [storageAutomount, datadir] });
  const { paths } = box.appliance;
  const at = (file: string) => paths.systemFile(file);
  mkdirSync(at('etc'), { recursive: true });
  writeFileSync(at('etc/fstab'), 'PARTUUID=4e1f2a3b-02 / ext4 defaults,noatime 0 1\n');
  seedData(paths.dataLink);
  return { box, paths, at };
}

describe('datadir app in the sandbox', () => {
  it('moves the data folder to a drive: copy, check, switch; the files are identical and the old copy is kept', async () => {
    const { box, paths, at } = sandboxBox();
    const before = await snapshotTree(paths.dataLink);
    expect((await box.run('storage-automount', { drives: photos })).job.status).toBe('succeeded');

    const detail = await box.appliance.apps.detail('datadir', en);
    expect(detail.params.find((p) => p.id === 'target')).toMatchObject({ value: '/srv/hearth', suggestions: ['/media/photos/hearth-data', '/srv/hearth'] });

    const { job, log } = await box.run('datadir', { target: '/media/photos/hearth-data' });
    expect(job.status, log.join('\n')).toBe('succeeded');
    // The link, relative so it holds under any root; everything reads the data through it.
    expect(readlinkSync(paths.dataLink)).toBe('../media/photos/hearth-data');
    expect(paths.dataDir).toBe(at('media/photos/hearth-data'));
    expect(await snapshotTree(at('media/photos/hearth-data'))).toEqual(before);
    expect(statSync(at('media/photos/hearth-data/docs/letter.txt')).ino).toBe(statSync(at('media/photos/hearth-data/docs/letter-again.txt')).ino);
    const [aside] = readdirSync(at('srv')).filter((name) => name.startsWith('hearth.before-move-'));
    expect(aside).toMatch(/^hearth\.before-move-\d{8}T\d{6}Z$/);
    expect(await snapshotTree(at(`srv/${aside}`))).toEqual(before);
    expect(existsSync(at('media/photos/hearth-data.partial'))).toBe(false);
    expect(log).toContain('The copy matches the original, file by file (contents, owners, permissions, links).');
    expect(log.at(-1)).toBe(`The data folder is now /media/photos/hearth-data. The old one is kept at /srv/${aside}: delete it with “Delete the old copies” once you have checked the files.`);
    expect(box.appliance.jobs.get(job.id)?.progress).toMatchObject({ phase: 'verify', unit: 'bytes' });

    const after = await box.appliance.apps.detail('datadir', en);
    expect(after.details).toEqual([
      { label: 'Data folder', value: '/media/photos/hearth-data' },
      { label: 'Old copy', value: expect.stringMatching(new RegExp(`^/srv/${aside!.replace(/\./g, '\\.')} \\(\\d{4}-`)) },
    ]);
    // The drive holding the data now stays mounted.
    expect(await box.refused('storage-automount', { drives: '' })).toEqual([{ param: 'drives', key: 'app-storage-automount:errors.holdsData' }]);
  });

  it('is followed by backups and restore: the files are backed up from the drive and restored onto it', async () => {
    const { box, paths, at } = sandboxBox();
    await box.run('storage-automount', { drives: photos });
    await box.run('datadir', { target: '/media/photos/hearth-data' });
    const starter = { startedBy: 'cli:test', language: 'en' };
    const onDrive = await snapshotTree(at('media/photos/hearth-data'), { ignoreDirectoryTimes: true });
    expect((await box.appliance.backups.create({ data: true }, starter).done).status).toBe('succeeded');
    writeFileSync(at('media/photos/hearth-data/docs/letter.txt'), 'changed since\n');
    const [archive] = await box.appliance.backups.list();
    expect(archive!.data).toBe(true);
    const job = await box.appliance.backups.restore(path.join(paths.backupsDir, archive!.name), {}, starter).done;
    expect(job.status).toBe('succeeded');
    // Restored where the data lives, through the link, which stays.
    expect(readlinkSync(paths.dataLink)).toBe('../media/photos/hearth-data');
    expect(await snapshotTree(at('media/photos/hearth-data'), { ignoreDirectoryTimes: true })).toEqual(onDrive);
    expect(readdirSync(at('srv')).filter((name) => !name.startsWith('hearth.before-move-'))).toEqual(['hearth']);
  }, 120_000);

  it('deletes the old copy only when asked and confirmed, never the data in use', async () => {
    const { box, paths, at } = sandboxBox();
    await box.run('storage-automount', { drives: photos });
    await box.run('datadir', { target: '/media/photos/hearth-data' });
    const inUse = await snapshotTree(paths.dataDir);
    expect(await box.refused('datadir', { operation: 'delete-old-copies' })).toEqual([{ param: 'confirmDelete', key: 'app-datadir:errors.confirmDelete' }]);
    const { job, log } = await box.run('datadir', { operation: 'delete-old-copies', confirmDelete: true });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(readdirSync(at('srv'))).toEqual(['hearth']);
    expect(await snapshotTree(paths.dataDir)).toEqual(inUse);
    expect((await dataLocation(box.appliance.system)).oldCopies).toEqual([]);
    expect(await box.refused('datadir', { operation: 'delete-old-copies', confirmDelete: true })).toEqual([{ param: 'operation', key: 'app-datadir:errors.noOldCopy' }]);
  });

  it('moves the data back onto the system disk, keeping the drive’s copy', async () => {
    const { box, paths, at } = sandboxBox();
    const before = await snapshotTree(paths.dataLink);
    await box.run('storage-automount', { drives: photos });
    await box.run('datadir', { target: '/media/photos/hearth-data' });
    writeFileSync(path.join(paths.dataDir, 'new.txt'), 'written on the drive\n');
    const { job, log } = await box.run('datadir', { target: '/srv/hearth' });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(lstatSync(paths.dataLink).isDirectory()).toBe(true);
    expect(paths.dataDir).toBe(paths.dataLink);
    expect(await snapshotTree(paths.dataLink)).toEqual(await snapshotTree(at('media/photos/hearth-data')));
    expect(readFileSync(path.join(paths.dataLink, 'new.txt'), 'utf8')).toBe('written on the drive\n');
    expect((await dataLocation(box.appliance.system)).oldCopies.map((c) => c.shown)).toEqual([expect.stringMatching(/^\/srv\/hearth\.before-move-/), '/media/photos/hearth-data']);
    expect(before).not.toEqual(await snapshotTree(paths.dataLink));
  });

  it('refuses places it must not use, copying nothing', async () => {
    const { box, paths, at } = sandboxBox();
    await box.run('storage-automount', { drives: photos });
    mkdirSync(at('media/photos/full'), { recursive: true });
    writeFileSync(at('media/photos/full/x'), 'x');
    // The SSD mounted by hand, without an fstab line: gone after a restart.
    await box.appliance.system.run(['umount', at('media/photos')]);
    writeFileSync(at('etc/fstab'), 'PARTUUID=4e1f2a3b-02 / ext4 defaults,noatime 0 1\n');
    mkdirSync(at('mnt/ssd'), { recursive: true });
    await box.appliance.system.run(['mount', '/dev/sda1', at('mnt/ssd')]);
    // The pretend stick is mounted there; its directory is real.
    mkdirSync(at('media/STICK'), { recursive: true });
    const refusals: Array<[string, string]> = [
      ['srv/hearth2', 'app-datadir:params.target.invalid'],
      ['/media/my data', 'app-datadir:errors.pathForm'],
      ['/media/../srv/x', 'app-datadir:errors.pathForm'],
      ['/srv/hearth', 'app-datadir:errors.same'],
      ['/srv/hearth/inner', 'app-datadir:errors.nested'],
      ['/var/hearth-data', 'app-datadir:errors.notOnDrive'],
      ['/media/nothing/hearth-data', 'app-datadir:errors.noParent'],
      ['/media/STICK/hearth-data', 'app-datadir:errors.filesystem'],
      ['/mnt/ssd/hearth-data', 'app-datadir:errors.notPersistent'],
    ];
    for (const [target, key] of refusals) expect(await box.refused('datadir', { target }), target).toEqual([{ param: 'target', key }]);
    expect(lstatSync(paths.dataLink).isDirectory()).toBe(true);
    expect(readdirSync(at('mnt/ssd'))).toEqual([]);
    expect(box.appliance.jobs.recent(20).filter((j) => j.appId === 'datadir')).toEqual([]);
  });

  it('refuses to move data whose drive is missing, instead of starting an empty folder', async () => {
    const { box, paths, at } = sandboxBox();
    await box.run('storage-automount', { drives: photos });
    await box.run('datadir', { target: '/media/photos/hearth-data' });
    // The drive is pulled out: the link leads nowhere.
    spawnSync('mv', [at('media/photos/hearth-data'), at('media/photos/elsewhere')]);
    const detail = await box.appliance.apps.detail('datadir', en);
    expect(detail.details[0]).toEqual({ label: 'Data folder (its drive is not mounted!)', value: '/media/photos/hearth-data' });
    expect(await box.refused('datadir', { target: '/srv/hearth' })).toEqual([{ param: 'target', key: 'app-datadir:errors.currentMissing' }]);
    expect(readlinkSync(paths.dataLink)).toBe('../media/photos/hearth-data');
  });
});

describe('a switch interrupted by a crash', () => {
  /** The state a power cut leaves at each point of switchDataDir, built by hand; then the next start. */
  async function interrupted(at: 'journal' | 'aside' | 'switched') {
    const box = appHarness({ apps: [] });
    const { paths, system } = box.appliance;
    seedData(paths.dataLink);
    const before = await snapshotTree(paths.dataLink);
    const to = paths.systemFile('media/photos/hearth-data');
    const partial = `${to}.partial`;
    mkdirSync(path.dirname(to), { recursive: true });
    spawnSync('cp', ['-a', paths.dataLink, partial]);
    const aside = `${paths.dataLink}.before-move-20261128T120000Z`;
    const files = locationFiles(system);
    mkdirSync(files.dir, { recursive: true });
    writeFileSync(files.journal, JSON.stringify({ phase: 'switching', from: paths.dataLink, to, partial, aside, at: '2026-11-28T12:00:00.000Z' }));
    if (at !== 'journal') {
      spawnSync('mv', [partial, to]);
      spawnSync('mv', [paths.dataLink, aside]);
    }
    if (at === 'switched') symlinkSync('../media/photos/hearth-data', paths.dataLink);
    return { box, paths, system, before, to, partial, aside, files };
  }

  it('between setting the old folder aside and making the link: the old folder is back in use, the copy back to .partial', async () => {
    const { paths, system, before, to, partial, files } = await interrupted('aside');
    expect(existsSync(paths.dataLink)).toBe(false);
    expect(await recoverDataDirMove(system)).toBe('restored');
    expect(lstatSync(paths.dataLink).isDirectory()).toBe(true);
    expect(await snapshotTree(paths.dataLink)).toEqual(before);
    expect(existsSync(to)).toBe(false);
    expect(await snapshotTree(partial)).toEqual(before);
    expect(existsSync(files.journal)).toBe(false);
  });

  it('right after the journal: nothing had changed, the journal goes', async () => {
    const { paths, system, before, partial, files } = await interrupted('journal');
    expect(await recoverDataDirMove(system)).toBe('restored');
    expect(await snapshotTree(paths.dataLink)).toEqual(before);
    expect(existsSync(partial)).toBe(true);
    expect(existsSync(files.journal)).toBe(false);
  });

  it('after the link was made: the move is complete, the old folder recorded as an old copy', async () => {
    const { paths, system, before, to, aside } = await interrupted('switched');
    expect(await recoverDataDirMove(system)).toBe('finished');
    expect(paths.dataDir).toBe(to);
    expect(await snapshotTree(to)).toEqual(before);
    expect((await dataLocation(system)).oldCopies).toEqual([{ path: aside, shown: '/srv/hearth.before-move-20261128T120000Z', movedAt: '2026-11-28T12:00:00.000Z' }]);
  });
});

/** Power cuts for real: the compiled CLI kills itself (SIGKILL) at a named point, then runs again. */
describe('a move killed mid-way (compiled CLI)', () => {
  const cli = path.join(packageRoot, 'dist/server/cli/hearth.js');
  const hearth = (root: string, args: string[], fault?: string) =>
    spawnSync(process.execPath, [cli, '--root', root, ...args], {
      encoding: 'utf8',
      env: { ...process.env, HEARTH_SYSTEM: 'sandbox', LANG: 'C.UTF-8', ...(fault ? { HEARTH_FAULT_AT: fault } : {}) },
      timeout: 120_000,
    });
  const built = existsSync(cli) && existsSync(path.join(packageRoot, 'dist/server/apps/system/datadir.js'));
  if (!built) console.log('skipping the datadir crash tests: run `npm run build:server` first');

  it.skipIf(!built).each(['datadir:copied', 'datadir:journal-written', 'datadir:set-aside'])('killed at %s: the old folder is in use, and the move then completes', async (fault) => {
    const root = tempRoot();
    const data = path.join(root, 'srv/hearth');
    seedData(data);
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(path.join(root, 'etc/fstab'), '');
    const before = await snapshotTree(data);
    expect(hearth(root, ['app', 'run', 'storage-automount', `drives=${photos}`]).status).toBe(0);

    const killed = hearth(root, ['app', 'run', 'datadir', 'target=/media/photos/hearth-data'], fault);
    expect(killed.signal).toBe('SIGKILL');
    // Recovery runs before the datadir app is used (and at the daemon's start): the old folder is back.
    expect(hearth(root, ['app', 'show', 'datadir']).status).toBe(0);
    expect(lstatSync(data).isDirectory()).toBe(true);
    expect(await snapshotTree(data)).toEqual(before);

    const again = hearth(root, ['app', 'run', 'datadir', 'target=/media/photos/hearth-data']);
    expect(again.status, again.stdout + again.stderr).toBe(0);
    expect(readlinkSync(data)).toBe('../media/photos/hearth-data');
    expect(await snapshotTree(path.join(root, 'media/photos/hearth-data'))).toEqual(before);
  });
});

const noLoop = loopDevicesUnavailable();
if (noLoop) console.log(`skipping the datadir tests on loop devices: ${noLoop}`);

describe.skipIf(noLoop !== undefined)('datadir app on real drives (loop devices)', () => {
  function linuxBox() {
    const box = appHarness({ apps: [storageAutomount, datadir], systemKind: 'linux' });
    const { paths } = box.appliance;
    const at = (file: string) => paths.systemFile(file);
    mkdirSync(at('etc'), { recursive: true });
    writeFileSync(at('etc/fstab'), '');
    return { box, paths, at };
  }

  async function mountedDrive(box: ReturnType<typeof linuxBox>['box'], sizeMiB: number, label: string) {
    const drive = loopDrive(sizeMiB);
    sh('mkfs.ext4', ['-q', '-L', label, drive.device]);
    const uuid = probe(drive.device).UUID!;
    const { job, log } = await box.run('storage-automount', { drives: uuid });
    expect(job.status, log.join('\n')).toBe('succeeded');
    return { drive, uuid };
  }

  it('moves the data onto an ext4 drive: files byte-identical, the old copy kept, the link followed', async () => {
    const { box, paths, at } = linuxBox();
    seedData(paths.dataLink);
    const before = await snapshotTree(paths.dataLink);
    await mountedDrive(box, 128, 'photos');
    const { job, log } = await box.run('datadir', { target: '/media/photos/hearth-data' });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(sh('findmnt', ['--noheadings', '--output', 'TARGET', '--target', paths.dataDir]).trim()).toBe(at('media/photos'));
    expect(await snapshotTree(at('media/photos/hearth-data'))).toEqual(before);
    const old = (await dataLocation(box.appliance.system)).oldCopies[0]!;
    expect(await snapshotTree(old.path)).toEqual(before);
    // Through /srv/hearth, a new file lands on the drive.
    writeFileSync(path.join(paths.dataLink, 'via-link.txt'), 'hello');
    expect(readFileSync(at('media/photos/hearth-data/via-link.txt'), 'utf8')).toBe('hello');
  });

  it('refuses a drive without room for the data (statfs), copying nothing', async () => {
    const { box, paths, at } = linuxBox();
    seedData(paths.dataLink);
    writeFileSync(path.join(paths.dataLink, 'big.bin'), Buffer.alloc(40 * 1024 * 1024, 1));
    await mountedDrive(box, 32, 'small');
    expect(await box.refused('datadir', { target: '/media/small/hearth-data' })).toEqual([{ param: 'target', key: 'app-datadir:errors.noRoom' }]);
    expect(readdirSync(at('media/small')).filter((n) => n !== 'lost+found')).toEqual([]);
    expect(lstatSync(paths.dataLink).isDirectory()).toBe(true);
  });
});
