import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../paths.js';
import { tempRoot } from '../testing/temp-root.js';
import { createSandboxSystem, parseMeminfo } from './sandbox.js';
import { createLinuxSystem } from './linux.js';

describe('sandbox system', () => {
  it('records programs that would change the host instead of running them', async () => {
    const paths = resolvePaths(tempRoot());
    const system = createSandboxSystem(paths);
    const results = await Promise.all([
      system.run(['systemctl', 'restart', 'ssh']),
      system.run(['/usr/sbin/mkfs.btrfs', '/dev/sda1']),
      system.run(['hostnamectl', 'set-hostname', 'nas']),
    ]);
    expect(results.every((r) => r.simulated && r.code === 0)).toBe(true);
    const state = JSON.parse(readFileSync(paths.sandboxState, 'utf8'));
    expect(state.programs.map((p: { argv: string[] }) => p.argv[0])).toEqual(['systemctl', '/usr/sbin/mkfs.btrfs', 'hostnamectl']);
  });

  it('runs harmless programs for real', async () => {
    const system = createSandboxSystem(resolvePaths(tempRoot()));
    const result = await system.run(['sha256sum'], { input: 'abc' });
    expect(result.simulated).toBe(false);
    expect(result.stdout).toMatch(/^ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad/);
  });

  it('names the box after the hostname written under the root', async () => {
    const root = tempRoot();
    const system = createSandboxSystem(resolvePaths(root));
    mkdirSync(path.join(root, 'etc'));
    writeFileSync(path.join(root, 'etc/hostname'), 'attic-nas\n');
    expect(await system.hostname()).toBe('attic-nas');
    const facts = await system.hostFacts();
    expect(facts.hostname).toBe('attic-nas');
    expect(facts.disk.totalBytes).toBeGreaterThan(0);
    expect(facts.disk.usedBytes + facts.disk.availableBytes).toBeLessThanOrEqual(facts.disk.totalBytes);
    expect(facts.memory.availableBytes).toBeLessThanOrEqual(facts.memory.totalBytes);
    expect(facts.load).toHaveLength(3);
    expect(facts.cpuTemperatureCelsius === null || typeof facts.cpuTemperatureCelsius === 'number').toBe(true);
  });

  it('refuses to touch files outside the root', async () => {
    const root = tempRoot();
    const system = createSandboxSystem(resolvePaths(path.join(root, 'box')));
    await expect(system.writeFile(path.join(root, 'outside'), 'x')).rejects.toThrow(/outside the root/);
    await expect(system.writeFile(path.join(root, 'box/../outside'), 'x')).rejects.toThrow(/outside the root/);
    expect(existsSync(path.join(root, 'outside'))).toBe(false);
  });

  it('appends log lines and removes files durably', async () => {
    const paths = resolvePaths(tempRoot());
    const system = createSandboxSystem(paths);
    await system.appendFile(paths.authLog, 'one\n');
    await system.appendFile(paths.authLog, 'two\n');
    expect(await system.readFile(paths.authLog)).toBe('one\ntwo\n');
    await system.removeFile(paths.authLog);
    await system.removeFile(paths.authLog);
    expect(await system.readFile(paths.authLog)).toBeUndefined();
  });
});

describe('linux system', () => {
  it('reports the real hostname', async () => {
    const system = createLinuxSystem(resolvePaths(tempRoot()));
    expect(await system.hostname()).toBe((await import('node:os')).hostname());
  });
});

describe("the sandbox's pretend memory", () => {
  it('takes the demo board’s /proc/meminfo under the root, and the machine’s without one', async () => {
    const paths = resolvePaths(tempRoot());
    const system = createSandboxSystem(paths);
    const machine = parseMeminfo(readFileSync('/proc/meminfo', 'utf8'));
    expect(machine!.totalBytes).toBeGreaterThan(machine!.availableBytes);
    expect((await system.hostFacts()).memory.totalBytes).toBe(machine!.totalBytes);
    mkdirSync(path.join(paths.root, 'proc'), { recursive: true });
    writeFileSync(path.join(paths.root, 'proc/meminfo'), 'MemTotal:        3882024 kB\nMemFree:         2406855 kB\nMemAvailable:    3338541 kB\n');
    expect((await system.hostFacts()).memory).toEqual({ totalBytes: 3882024 * 1024, availableBytes: 3338541 * 1024 });
    expect(parseMeminfo('garbage')).toBeUndefined();
  });
});
