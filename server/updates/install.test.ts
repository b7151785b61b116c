import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageRoot } from '../paths.js';
import { tempRoot } from '../testing/temp-root.js';
import { writeTestBundle, type TarEntry } from './testing/fixtures.js';

/**
 * scripts/install.sh into a temporary root (--root: no systemctl), with small bundles
 * that hold what an installed box needs of a release: the CLI entry, the launcher and
 * the unit (the real ones, from this checkout). A real release goes through it in the
 * process tests (update-end-to-end.test.ts).
 */
const script = path.join(packageRoot, 'scripts/install.sh');
const env = { PATH: `${path.dirname(process.execPath)}:${process.env.PATH ?? '/usr/bin:/bin'}`, LANG: 'C.UTF-8' };

async function bundle(dir: string, version: string, options: { info?: Record<string, string>; without?: string } = {}) {
  const own = (file: string) => readFileSync(path.join(packageRoot, file));
  const extra: TarEntry[] = [
    { name: 'scripts/launcher', content: own('scripts/launcher'), mode: 0o755 },
    { name: 'scripts/launcher.mjs', content: own('scripts/launcher.mjs'), mode: 0o755 },
    { name: 'scripts/systemd/hearth.service', content: own('scripts/systemd/hearth.service') },
  ].filter((entry) => entry.name !== options.without);
  const file = path.join(dir, `hearth-${version}.tar.gz`);
  await writeTestBundle(file, version, { extra, info: options.info ?? {}, packageJson: { name: 'hearth', version, type: 'module', bin: { hearth: 'x', 'hearth-backup': 'x', 'hearth-info': 'x' } } });
  return file;
}

function install(root: string, file: string, ...flags: string[]) {
  const result = spawnSync('bash', [script, '--root', root, ...flags, file], { encoding: 'utf8', env });
  return { code: result.status, out: result.stdout, err: result.stderr };
}

describe('scripts/install.sh', () => {
  it('installs a bundle as releases/<version> with current, the launcher outside releases/, the state directories, the commands and the unit', async () => {
    const root = tempRoot();
    const result = install(root, await bundle(root, '1.2.0'));
    expect(result.code, result.err).toBe(0);
    expect(result.out.trim()).toBe('1.2.0');
    expect(readlinkSync(path.join(root, 'opt/hearth/current'))).toBe('releases/1.2.0');
    expect(existsSync(path.join(root, 'opt/hearth/releases/1.2.0/dist/server/cli/hearth.js'))).toBe(true);
    expect(readFileSync(path.join(root, 'opt/hearth/launcher'), 'utf8')).toBe(readFileSync(path.join(packageRoot, 'scripts/launcher'), 'utf8'));
    expect(statSync(path.join(root, 'opt/hearth/launcher')).mode & 0o777).toBe(0o755);
    expect(existsSync(path.join(root, 'opt/hearth/launcher.mjs'))).toBe(true);
    expect(statSync(path.join(root, 'var/lib/hearth')).mode & 0o777).toBe(0o700);
    expect(statSync(path.join(root, 'var/lib/hearth-update')).mode & 0o777).toBe(0o700);
    expect(existsSync(path.join(root, 'var/log/hearth'))).toBe(true);
    const unit = readFileSync(path.join(root, 'etc/systemd/system/hearth.service'), 'utf8');
    expect(unit).toContain('ExecStart=/opt/hearth/launcher');
    expect(unit).toContain('Restart=always');
    expect(readFileSync(path.join(root, 'usr/local/bin/hearth'), 'utf8')).toContain('/opt/hearth/current/dist/server/cli/hearth.js "$@"');
    expect(readFileSync(path.join(root, 'usr/local/bin/hearth-backup'), 'utf8')).toContain('hearth.js backup "$@"');
    // Nothing half-made is left beside the release.
    expect(spawnSync('ls', ['-A', path.join(root, 'opt/hearth/releases')], { encoding: 'utf8' }).stdout.trim()).toBe('1.2.0');

    // The installed launcher starts the installed release (the stand-in prints its version and exits).
    const started = spawnSync('bash', [path.join(root, 'opt/hearth/launcher')], { encoding: 'utf8', env });
    expect(started.status).toBe(0);
    expect(started.stdout).toContain('1.2.0');
  });

  it('is idempotent for the current version, and installs a newer one beside it', async () => {
    const root = tempRoot();
    expect(install(root, await bundle(root, '1.2.0')).code).toBe(0);
    const again = install(root, await bundle(root, '1.2.0'));
    expect(again.code).toBe(0);
    expect(again.err).toContain('already installed');
    expect(install(root, await bundle(root, '1.3.0')).code).toBe(0);
    expect(readlinkSync(path.join(root, 'opt/hearth/current'))).toBe('releases/1.3.0');
    expect(existsSync(path.join(root, 'opt/hearth/releases/1.2.0'))).toBe(true);
  });

  it('refuses, changing nothing: another architecture, another Node ABI, not a Hearth bundle, an incomplete one, an unfinished update', async () => {
    const root = tempRoot();
    const other = process.arch === 'arm64' ? 'x64' : 'arm64';
    const cases: Array<[string, string]> = [
      [await bundle(root, '2.0.0', { info: { arch: other } }), `built for ${other}`],
      [await bundle(root, '2.0.1', { info: { nodeAbi: '1' } }), 'Node ABI 1'],
      [await bundle(root, '2.0.2', { info: { name: 'other' } }), "not Hearth's"],
      [await bundle(root, '2.0.3', { without: 'scripts/systemd/hearth.service' }), 'no scripts/systemd/hearth.service'],
    ];
    const notABundle = path.join(root, 'random.tar.gz');
    writeFileSync(notABundle, 'not a tarball');
    cases.push([notABundle, 'not a Hearth release bundle']);
    for (const [file, message] of cases) {
      const result = install(root, file);
      expect(result.code, file).toBe(1);
      expect(result.err).toContain(message);
      expect(existsSync(path.join(root, 'opt/hearth/current'))).toBe(false);
      expect(spawnSync('ls', ['-A', path.join(root, 'opt/hearth/releases')], { encoding: 'utf8' }).stdout.trim()).toBe('');
    }

    expect(install(root, await bundle(root, '1.0.0')).code).toBe(0);
    mkdirSync(path.join(root, 'var/lib/hearth-update'), { recursive: true });
    writeFileSync(path.join(root, 'var/lib/hearth-update/journal.json'), '{}');
    const busy = install(root, await bundle(root, '1.1.0'));
    expect(busy.code).toBe(1);
    expect(busy.err).toContain('an update is in progress');
    expect(readlinkSync(path.join(root, 'opt/hearth/current'))).toBe('releases/1.0.0');
  });

  it('explains its usage', () => {
    const result = spawnSync('bash', [script, '--bogus'], { encoding: 'utf8', env });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Usage: install.sh');
  });
});
