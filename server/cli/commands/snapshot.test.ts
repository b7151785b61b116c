import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempRoot } from '../../testing/temp-root.js';
import { runCli } from '../program.js';

async function cli(root: string, args: string[], options: { invokedAs?: string; language?: string } = {}) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(['--root', root, ...args], {
    env: { PATH: process.env.PATH, HEARTH_SYSTEM: 'sandbox', ...(options.language ? { LANG: options.language } : {}) },
    stdout: (text) => (stdout += text),
    stderr: (text) => (stderr += text),
    stdin: Readable.from([]),
    invokedAs: options.invokedAs,
  });
  return { code, stdout, stderr };
}

describe('hearth snapshot', () => {
  it('lists by default, takes one with a label, rolls back with --yes, deletes; hearth-snapshot is the same command', async () => {
    const root = tempRoot();
    const empty = await cli(root, ['snapshot']);
    expect(empty.code).toBe(0);
    expect(empty.stdout).toMatch(/^Snapshots \(made here as: copy, on [\w-]+\):\n {2}No snapshots yet\. `hearth snapshot create` takes one\.\n$/);

    const made = await cli(root, ['create', '--label', 'before the shares', '--json'], { invokedAs: 'hearth-snapshot' });
    expect(made.code, made.stderr).toBe(0);
    const { job, snapshot } = JSON.parse(made.stdout);
    expect(job).toMatchObject({ appId: 'snapshots', action: 'create', status: 'succeeded', startedBy: expect.stringMatching(/^cli:/) });
    expect(snapshot).toMatchObject({ label: 'before the shares', reason: 'manual', driver: 'copy' });

    const listed = JSON.parse((await cli(root, ['snapshot', 'list', '--json'])).stdout);
    expect(listed.snapshots.map((s: { id: string }) => s.id)).toEqual([snapshot.id]);
    expect((await cli(root, ['snapshot'])).stdout).toContain(`taken by hand · “before the shares”\n    ${snapshot.id}\n`);

    const rollback = await cli(root, ['snapshot', 'rollback', snapshot.id, '--yes']);
    expect(rollback.code, rollback.stderr).toBe(0);
    expect(rollback.stdout).toContain(`Rollback to snapshot ${snapshot.id} is ready.`);
    expect(rollback.stdout).toContain('The rollback is staged.');
    const pending = await cli(root, ['snapshot']);
    expect(pending.stdout).toContain('← rollback waiting for the restart');
    expect(pending.stdout).toContain(`A rollback to snapshot ${snapshot.id} is staged`);

    const second = JSON.parse((await cli(root, ['snapshot', 'create', '--json'])).stdout).snapshot;
    const deleted = await cli(root, ['snapshot', 'delete', second.id, '--yes']);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain(`Snapshot ${second.id} deleted.`);
  });

  it('asks before deleting or rolling back, refuses bad input with exit 2, and speaks the user language', async () => {
    const root = tempRoot();
    const { snapshot } = JSON.parse((await cli(root, ['snapshot', 'create', '--json'])).stdout);
    // No terminal to ask on and no --yes: nothing happens.
    for (const action of ['delete', 'rollback']) {
      const refused = await cli(root, ['snapshot', action, snapshot.id]);
      expect(refused).toMatchObject({ code: 2, stderr: 'This cannot be undone from here: run it on a terminal to confirm, or add --yes.\n' });
    }
    expect(JSON.parse((await cli(root, ['snapshot', '--json'])).stdout).status.pendingRollback).toBeNull();
    expect(await cli(root, ['snapshot', 'rollback', '../../etc', '--yes'])).toMatchObject({ code: 2, stderr: 'There is no snapshot ../../etc.\n' });
    expect(await cli(root, ['snapshot', 'create', '--label', 'x'.repeat(81)])).toMatchObject({ code: 2, stderr: expect.stringContaining('at most 80 characters') });
    expect((await cli(root, ['snapshot', 'delete'])).code).toBe(2);
    const chinese = await cli(root, ['snapshot', 'rollback', '20991231-000000', '--yes'], { language: 'zh_CN.UTF-8' });
    expect(chinese).toMatchObject({ code: 2, stderr: '没有快照 20991231-000000。\n' });
    expect(JSON.parse((await cli(root, ['snapshot', '--json'])).stdout).snapshots).toHaveLength(1);
  });
});
