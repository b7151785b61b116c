import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createAppliance } from '../../appliance.js';
import { backupLocks } from '../../backup/backup-service.js';
import { craftArchive, manifestFor } from '../../backup/archive/testing/craft.js';
import { latestSchemaVersion } from '../../store/migrations.js';
import { tempRoot } from '../../testing/temp-root.js';
import { snapshotTree } from '../../testing/tree-snapshot.js';
import { runCli } from '../program.js';

/** The CLI contract owners' scripts depend on: flags, --json output and exit codes. */
async function cli(args: string[], root: string) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--root', root, ...args], {
    env: { PATH: process.env.PATH, HEARTH_SYSTEM: 'sandbox', USER: 'root' },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdin: Readable.from([]),
  });
  return { code, stdout, stderr };
}

function boxWithFiles() {
  const root = tempRoot();
  mkdirSync(path.join(root, 'srv/hearth/docs'), { recursive: true });
  writeFileSync(path.join(root, 'srv/hearth/docs/letter.txt'), 'dear owner');
  return root;
}

describe('hearth backup / backups / backup verify / restore', () => {
  it('backs up to a chosen folder, gzip, encrypted from a passphrase file; lists and verifies it as JSON', async () => {
    const root = boxWithFiles();
    const usb = path.join(root, 'media/usb/backups');
    mkdirSync(usb, { recursive: true });
    writeFileSync(path.join(root, 'pass'), 'a passphrase read from a file\n');
    const made = await cli(['backup', '--dest', '/media/usb/backups', '--compress', 'gzip', '--passphrase-file', '/pass', '--json'], root);
    expect(made.stderr).toBe('');
    expect(made.code).toBe(0);
    expect(JSON.parse(made.stdout).job).toMatchObject({ status: 'succeeded' });
    const [name, ...others] = readdirSync(usb);
    expect(others).toEqual([]);
    expect(name).toMatch(/^hearth-backup_.+_\d{8}-\d{6}\.tar\.gz\.age$/);
    expect(readFileSync(path.join(usb, name!)).subarray(0, 21).toString()).toBe('age-encryption.org/v1');
    // The passphrase never reaches the job's record or log.
    expect(made.stdout).not.toContain('a passphrase read from a file');

    const listed = await cli(['backups', '--dest', '/media/usb/backups', '--json'], root);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).backups).toMatchObject([{ name, compression: 'gzip', encrypted: true, verified: { ok: true } }]);

    const verified = await cli(['backup', 'verify', `/media/usb/backups/${name}`, '--passphrase-file', '/pass', '--json'], root);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout).job).toMatchObject({ status: 'succeeded' });
    writeFileSync(path.join(root, 'wrong'), 'not the passphrase\n');
    const wrong = await cli(['backup', 'verify', `/media/usb/backups/${name}`, '--passphrase-file', '/wrong', '--json'], root);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.stdout).job).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE' });
  });

  it('refuses bad usage with exit 2 and writes nothing', async () => {
    const root = boxWithFiles();
    const compress = await cli(['backup', '--compress', 'lzma'], root);
    expect(compress.code).toBe(2);
    expect(compress.stderr).toContain('lzma');
    expect((await cli(['backup', '--level', 'high'], root)).code).toBe(2);
    expect((await cli(['backup', '--passphrase-file', '/no/such/file'], root)).code).not.toBe(0);
    const appliance = createAppliance({ root, systemKind: 'sandbox' });
    expect(appliance.jobs.recent(10)).toEqual([]);
    appliance.close();
    expect(readdirSync(path.join(root, 'var/lib/hearth')).filter((name) => name === 'backups')).toEqual([]);
  });

  it('exits 3 while another maintenance job runs, naming it', async () => {
    const root = boxWithFiles();
    const appliance = createAppliance({ root, systemKind: 'sandbox' });
    let release!: () => void;
    const { done } = appliance.runner.start(
      { appId: 'backup', action: 'create', startedBy: 'scheduler', params: {}, language: 'en', locks: [...backupLocks] },
      () => new Promise<void>((resolve) => (release = resolve)),
    );
    const busy = await cli(['backup', '--json'], root);
    expect(busy.code).toBe(3);
    expect(busy.stderr).toMatch(/^Busy: /);
    const restore = await cli(['restore', 'hearth-backup_box_20260101-000000.tar.zst'], root);
    expect(restore.code).not.toBe(0);
    release();
    await done;
    appliance.close();
  });

  it('refuses to restore a database from a newer Hearth, changing nothing', async () => {
    const root = boxWithFiles();
    expect((await cli(['backup', '--json'], root)).code).toBe(0);
    const file = path.join(root, 'future.tar');
    const entries = [{ name: 'state', type: 'directory' as const }, { name: 'state/hearth.db', body: 'not really a database' }];
    await craftArchive(file, entries, { manifest: manifestFor(entries, { appVersion: '9.0.0', schemaVersion: latestSchemaVersion + 1 }) });
    const before = await snapshotTree(path.join(root, 'srv/hearth'));
    const refused = await cli(['restore', '/future.tar', '--json'], root);
    expect(refused.code).toBe(1);
    const { job } = JSON.parse(refused.stdout);
    expect(job).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_RESTORE_DB_TOO_NEW' });
    expect(job.errorMessage).toContain('9.0.0');
    expect(await snapshotTree(path.join(root, 'srv/hearth'))).toEqual(before);
  });

  it('restores with --dry-run --json, reporting and changing nothing', async () => {
    const root = boxWithFiles();
    expect((await cli(['backup', '--json'], root)).code).toBe(0);
    writeFileSync(path.join(root, 'srv/hearth/docs/letter.txt'), 'changed since');
    const [name] = readdirSync(path.join(root, 'var/lib/hearth/backups'));
    const dry = await cli(['restore', name!, '--dry-run', '--json'], root);
    expect(dry.code).toBe(0);
    const { lines } = JSON.parse(dry.stdout);
    expect(lines.map((line: { text: string }) => line.text)).toContain('Dry run: nothing was changed.');
    expect(readFileSync(path.join(root, 'srv/hearth/docs/letter.txt'), 'utf8')).toBe('changed since');
    const drill = await cli(['backup', 'drill', '--json'], root);
    expect(drill.code).toBe(0);
    expect(JSON.parse(drill.stdout).job).toMatchObject({ status: 'succeeded', action: 'drill' });
    const real = await cli(['restore', name!, '--json'], root);
    expect(real.code).toBe(0);
    expect(readFileSync(path.join(root, 'srv/hearth/docs/letter.txt'), 'utf8')).toBe('dear owner');
  });
});
