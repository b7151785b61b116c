import { mkdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../../paths.js';
import { tempRoot } from '../../testing/temp-root.js';
import { createSandboxSystem } from '../sandbox.js';

function sandbox() {
  const paths = resolvePaths(tempRoot());
  const at = (file: string) => paths.systemFile(file);
  mkdirSync(at('var/log'), { recursive: true });
  mkdirSync(at('var/log.hdd'), { recursive: true });
  const system = createSandboxSystem(paths);
  return { system, at, root: paths.root, recorded: async () => (await system.sandboxState()).programs.map((p) => p.argv[0]) };
}

describe('pretend mounts in the sandbox', () => {
  it('mount -t tmpfs and --bind make mounts findmnt reports, as the real one does; umount takes the top one off', async () => {
    const { system, at } = sandbox();
    expect((await system.run(['mount', '--bind', at('var/log'), at('var/log.hdd')])).code).toBe(0);
    expect((await system.run(['mount', '--make-private', at('var/log.hdd')])).code).toBe(0);
    expect((await system.run(['mount', '-t', 'tmpfs', '-o', 'nosuid,size=50M', 'hearth-logs', at('var/log')])).code).toBe(0);

    expect((await system.run(['findmnt', '-n', '-r', '-o', 'FSTYPE,SOURCE,OPTIONS', at('var/log')])).stdout).toBe('tmpfs hearth-logs rw,nosuid,size=50M\n');
    expect((await system.run(['findmnt', '-n', '-r', '-o', 'FSTYPE,SOURCE', at('var/log.hdd')])).stdout).toBe('ext4 /dev/root[/var/log]\n');
    // A path inside: only with --target.
    expect((await system.run(['findmnt', '-n', '-o', 'TARGET,FSTYPE', '--target', at('var/log/hearth')])).stdout).toBe(`${at('var/log')} tmpfs\n`);
    const header = await system.run(['findmnt', '-o', 'TARGET,FSTYPE', at('var/log')]);
    expect(header.stdout.split('\n')[0]).toMatch(/^TARGET +FSTYPE$/);
    expect((await system.run(['findmnt', '-o', 'SIZE', at('var/log')])).code).toBe(1);

    expect((await system.run(['mount', '-o', 'remount,size=80M', at('var/log')])).code).toBe(0);
    expect((await system.run(['findmnt', '-n', '-r', '-o', 'OPTIONS', at('var/log')])).stdout).toBe('rw,nosuid,size=80M\n');

    expect((await system.run(['umount', '--lazy', at('var/log')])).code).toBe(0);
    // Not a mount point any more: the real findmnt answers (nothing, exit 1).
    expect(await system.run(['findmnt', '-n', at('var/log')])).toMatchObject({ code: 1, stdout: '' });
    expect((await system.run(['umount', at('var/log.hdd')])).code).toBe(0);
    expect((await system.sandboxState()).extra.pretendMounts).toEqual([]);
  });

  it('refuses a mount point that does not exist, as mount does', async () => {
    const { system, at } = sandbox();
    const result = await system.run(['mount', '-t', 'tmpfs', 'tmpfs', at('nowhere')]);
    expect(result).toMatchObject({ code: 32, stderr: `mount: ${at('nowhere')}: mount point does not exist.\n` });
  });

  it('leaves findmnt about anything else to the real program, unrecorded', async () => {
    const { system, at, recorded } = sandbox();
    const whole = await system.run(['findmnt', '--raw', '--noheadings', '--output', 'TARGET']);
    expect(whole.code).toBe(0);
    expect(whole.stdout.split('\n')).toContain('/');
    const target = await system.run(['findmnt', '-n', '-o', 'TARGET', '--target', at('var/log')]);
    expect(target.stdout.trim()).not.toBe(at('var/log'));
    expect(await recorded()).toEqual([]);
    await system.run(['mount', '-t', 'tmpfs', 'tmpfs', at('var/log')]);
    await system.run(['findmnt', '-n', at('var/log')]);
    expect(await recorded()).toEqual(['mount', 'findmnt']);
  });
});
