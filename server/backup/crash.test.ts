import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { createAppliance } from '../appliance.js';
import { packageRoot } from '../paths.js';
import { tempRoot } from '../testing/temp-root.js';
import { snapshotTree } from '../testing/tree-snapshot.js';

/**
 * Power cuts, simulated by the real thing: the compiled CLI, SIGKILLed by itself at a
 * named point (HEARTH_FAULT_AT, server/system/fault-injection.ts), then the next start.
 */
const cli = path.join(packageRoot, 'dist/server/cli/hearth.js');

function hearth(root: string, args: string[], fault?: string) {
  expect(existsSync(cli), 'run `npm run build:server` first').toBe(true);
  return spawnSync(process.execPath, [cli, '--root', root, ...args], {
    encoding: 'utf8',
    env: { ...process.env, HEARTH_SYSTEM: 'sandbox', LANG: 'C.UTF-8', ...(fault ? { HEARTH_FAULT_AT: fault } : {}) },
    timeout: 120_000,
  });
}

function seed(root: string) {
  const data = path.join(root, 'srv/hearth');
  mkdirSync(path.join(data, 'docs'), { recursive: true });
  writeFileSync(path.join(data, 'docs/letter.txt'), 'dear owner');
  // Big enough that the write phase reports progress before it ends.
  writeFileSync(path.join(data, 'video.bin'), Buffer.alloc(24 * 1024 * 1024, 3));
  expect(hearth(root, ['app', 'run', 'hostname', 'hostname=first-name']).status).toBe(0);
}

const hostnameOf = (root: string) => readFileSync(path.join(root, 'etc/hostname'), 'utf8').trim();
const savedHostname = (root: string) => {
  const appliance = createAppliance({ root, systemKind: 'sandbox' });
  try {
    return appliance.saved.get('hostname');
  } finally {
    appliance.close();
  }
};

describe('a backup killed mid-way', () => {
  it('leaves no archive that looks good; the previous ones are intact and the next backup works', async () => {
    const root = tempRoot();
    seed(root);
    expect(hearth(root, ['backup']).status).toBe(0);
    const backups = path.join(root, 'var/lib/hearth/backups');
    const [good] = readdirSync(backups);
    const goodBytes = readFileSync(path.join(backups, good!));

    const killed = hearth(root, ['backup', '--compress', 'gzip'], 'backup:writing');
    expect(killed.signal).toBe('SIGKILL');
    expect(readdirSync(backups).filter((name) => !name.endsWith('.partial'))).toEqual([good]);
    const listing = JSON.parse(hearth(root, ['backups', '--json']).stdout);
    expect(listing.backups.map((b: { name: string }) => b.name)).toEqual([good]);
    expect(readFileSync(path.join(backups, good!)).equals(goodBytes)).toBe(true);
    expect(hearth(root, ['backup', 'verify', good!]).status).toBe(0);

    expect(hearth(root, ['backup', '--compress', 'gzip']).status).toBe(0);
    expect(readdirSync(backups).filter((name) => name.endsWith('.partial'))).toEqual([]);
    expect(JSON.parse(hearth(root, ['backups', '--json']).stdout).backups).toHaveLength(2);
    const jobs = JSON.parse(hearth(root, ['jobs', '--json']).stdout).jobs;
    expect(jobs.find((job: { status: string }) => job.status === 'interrupted')).toBeDefined();
  });
});

describe('a restore killed mid-way', () => {
  // Before the commit: the next start puts the pre-restore state back. At the commit: the restored state stays.
  const points = [
    ['restore:swapping', 'before'],
    ['restore:data-aside', 'before'],
    ['restore:before-database', 'before'],
    ['restore:swapped', 'before'],
    ['restore:reapplied', 'before'],
    ['restore:committed', 'restored'],
  ] as const;

  for (const [point, expected] of points) {
    it(`at ${point}: the next start finds the ${expected === 'before' ? 'pre-restore' : 'restored'} state, never a mix`, async () => {
      const root = tempRoot();
      seed(root);
      expect(hearth(root, ['backup']).status).toBe(0);
      const data = path.join(root, 'srv/hearth');
      const restoredData = await snapshotTree(data, { ignoreDirectoryTimes: true });
      const [archive] = readdirSync(path.join(root, 'var/lib/hearth/backups'));

      // After the backup: other files, another name.
      writeFileSync(path.join(data, 'docs/letter.txt'), 'a newer letter');
      writeFileSync(path.join(data, 'docs/after.txt'), 'written after the backup');
      expect(hearth(root, ['app', 'run', 'hostname', 'hostname=second-name']).status).toBe(0);
      const beforeData = await snapshotTree(data, { ignoreDirectoryTimes: true });

      const killed = hearth(root, ['restore', archive!], point);
      expect(killed.signal, killed.stdout + killed.stderr).toBe('SIGKILL');

      // The next start (any command that opens the box for a restore or the daemon does the same).
      const recovered = hearth(root, ['restore', archive!, '--dry-run']);
      expect(recovered.status, recovered.stdout + recovered.stderr).toBe(0);

      if (expected === 'before') {
        expect(await snapshotTree(data, { ignoreDirectoryTimes: true })).toEqual(beforeData);
        expect(hostnameOf(root)).toBe('second-name');
        expect(savedHostname(root)).toEqual({ hostname: 'second-name' });
      } else {
        expect(await snapshotTree(data, { ignoreDirectoryTimes: true })).toEqual(restoredData);
        expect(hostnameOf(root)).toBe('first-name');
        expect(savedHostname(root)).toEqual({ hostname: 'first-name' });
      }
      expect(existsSync(path.join(root, 'var/lib/hearth/restore-journal.json'))).toBe(false);
      expect(readdirSync(path.join(root, 'srv'))).toEqual(['hearth']);
    });
  }
});
