import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempRoot } from '../server/testing/temp-root.js';
import { chooseRelease, fetchManifest } from '../server/updates/channel.js';
import { downloadBundle } from '../server/updates/download.js';
import { unpackBundle } from '../server/updates/bundle.js';
import { loadTrustedKeys, parsePublicKey, publicKeyId } from '../server/updates/keys.js';
import { serveChannel, type ChannelServer } from '../server/updates/testing/channel-server.js';

/*
 * scripts/release end to end, once: make a key, build two real releases of this
 * checkout's last commit (the second from the caches the first filled), sign them
 * into a channel, serve it over HTTP on loopback, and install the newer one the way
 * the appliance does — fetch, verify, choose, download, unpack — then run it.
 */

const run = promisify(execFile);
const checkout = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const release = path.join(checkout, 'scripts/release');

let server: ChannelServer | undefined;
afterAll(async () => {
  await server?.close();
});

async function releaseCommand(args: string[]): Promise<{ stdout: string; stderr: string; seconds: number }> {
  const started = Date.now();
  const { stdout, stderr } = await run(release, args, { cwd: checkout, maxBuffer: 16 * 1024 * 1024 });
  return { stdout, stderr, seconds: (Date.now() - started) / 1000 };
}

async function exitCode(args: string[]): Promise<{ code: number; stderr: string }> {
  try {
    await run(release, args, { cwd: checkout });
    return { code: 0, stderr: '' };
  } catch (error) {
    const failed = error as { code: number; stderr: string };
    return { code: failed.code, stderr: failed.stderr };
  }
}

describe('scripts/release', () => {
  it('refuses bad command lines with exit 2 and a reason', async () => {
    expect(await exitCode(['build'])).toMatchObject({ code: 2, stderr: expect.stringContaining('--version') });
    expect(await exitCode(['build', '--version', 'v1'])).toMatchObject({ code: 2 });
    expect(await exitCode(['build', '--version', '1.0.0', '--minimum-from', '2.0.0'])).toMatchObject({ code: 2, stderr: expect.stringContaining('newer') });
    expect(await exitCode(['sign', '--channel', tempRoot()])).toMatchObject({ code: 2, stderr: expect.stringContaining('--key') });
    expect(await exitCode(['frobnicate'])).toMatchObject({ code: 2, stderr: expect.stringContaining('unknown command') });
    expect(await exitCode(['build', '--version', '1.0.0', '--bogus'])).toMatchObject({ code: 2 });
  });

  it('makes a key, builds and signs two releases, and the appliance installs and runs one from the channel', { timeout: 600_000 }, async () => {
    const work = tempRoot();
    const key = path.join(work, 'keys/test-release.key');
    const out = path.join(work, 'out');
    const channel = path.join(work, 'channel');

    // keygen: a private key only its owner reads, and its public half.
    const keygen = await releaseCommand(['keygen', '--out', key]);
    expect(statSync(key).mode & 0o777).toBe(0o600);
    const keyid = publicKeyId(parsePublicKey(readFileSync(`${key}.pub`)));
    expect(keygen.stdout.trim()).toBe(keyid);
    expect((await exitCode(['keygen', '--out', key])).code).toBe(2);

    // Two releases of the last commit (pinned: others commit meanwhile): the first fills the caches, the second only packs.
    const commit = (await run('git', ['rev-parse', 'HEAD'], { cwd: checkout })).stdout.trim();
    const v1 = await releaseCommand(['build', '--git', commit, '--version', '0.90.0', '--trust-key', `${key}.pub`, '--out', out, '--notes-en', 'First test release', '--notes-zh-CN', '第一个测试版本']);
    // The second also gets a file laid over the build (how tests make a release that fails on purpose).
    const overlay = path.join(work, 'overlay');
    mkdirSync(path.join(overlay, 'dist/server'), { recursive: true });
    writeFileSync(path.join(overlay, 'dist/server/overlay-note.txt'), 'laid over');
    const v2 = await releaseCommand(['build', '--git', commit, '--version', '0.91.0', '--trust-key', `${key}.pub`, '--out', out, '--minimum-from', '0.90.0', '--notes-en', 'Second', '--overlay', overlay]);
    const v2Release = JSON.parse(readFileSync(path.join(out, `hearth-0.91.0-${process.arch}.release.json`), 'utf8'));
    console.log(
      `release build: first ${v1.seconds.toFixed(1)} s, second ${v2.seconds.toFixed(1)} s; bundle ${(v2Release.size / 1024 / 1024).toFixed(1)} MiB, ` +
        `unpacked ${(v2Release.unpackedSize / 1024 / 1024).toFixed(1)} MiB`,
    );
    expect(v2.seconds).toBeLessThan(60);
    expect(v2Release).toMatchObject({ version: '0.91.0', arch: process.arch, minimumFrom: '0.90.0', breaking: false, notes: { en: 'Second' }, nodeAbi: process.versions.modules });

    await releaseCommand(['sign', '--key', key, '--channel', channel, '--channel-name', 'stable', '--published-at', '2026-01-01T00:00:00Z', '--release', path.join(out, `hearth-0.90.0-${process.arch}.release.json`)]);
    await releaseCommand(['sign', '--key', key, '--channel', channel, '--release', path.join(out, `hearth-0.91.0-${process.arch}.release.json`), '--cohorts', '0-9,42']);
    expect(readdirSync(channel).sort()).toEqual([`hearth-0.90.0-${process.arch}.tar.gz`, `hearth-0.91.0-${process.arch}.tar.gz`, 'manifest.json']);

    // The appliance's side: fetch and verify with the public key, choose, download, unpack.
    server = await serveChannel(channel);
    const trusted = loadTrustedKeys(path.dirname(key));
    const fetched = await fetchManifest(server.url('manifest.json'), { keys: trusted, channel: 'stable' });
    expect(fetched.manifest.serial).toBe(2);
    expect(fetched.manifest.releases.map((r) => r.version)).toEqual(['0.91.0', '0.90.0']);
    const [newest, first] = fetched.manifest.releases;
    expect(first).toMatchObject({ publishedAt: '2026-01-01T00:00:00Z', cohorts: 'all', notes: { en: 'First test release', 'zh-CN': '第一个测试版本' } });
    expect(newest).toMatchObject({ minimumFrom: '0.90.0', cohorts: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 42] });

    const choice = chooseRelease(fetched, { current: '0.90.0' });
    if (choice.kind !== 'update') throw new Error(`no update: ${choice.reason}`);
    expect(choice.release.version).toBe('0.91.0');
    const root = tempRoot();
    const releasesDir = path.join(root, 'opt/hearth/releases');
    let started = Date.now();
    const downloaded = await downloadBundle(choice.bundle, { stagingDir: path.join(root, 'var/lib/hearth-update/staging'), unpackDir: releasesDir });
    expect(downloaded.sha256).toBe(v2Release.sha256);
    const downloadSeconds = (Date.now() - started) / 1000;
    started = Date.now();
    const unpacked = await unpackBundle(downloaded.file, releasesDir, '0.91.0', { unpackedSize: choice.bundle.unpackedSize });
    console.log(`release install: download ${downloadSeconds.toFixed(1)} s, unpack ${((Date.now() - started) / 1000).toFixed(1)} s (${unpacked.files} files)`);
    expect(unpacked.info).toMatchObject({ version: '0.91.0', arch: process.arch, nodeAbi: process.versions.modules });
    expect(unpacked.bytes).toBeLessThanOrEqual(choice.bundle.unpackedSize);

    // It runs: its version, and a command that opens the database (better-sqlite3's binary).
    const hearth = path.join(unpacked.dir, 'dist/server/cli/hearth.js');
    expect((await run(process.execPath, [hearth, '--version'])).stdout.trim()).toBe('0.91.0');
    const boxRoot = tempRoot();
    const info = JSON.parse((await run(process.execPath, [hearth, 'info', '--json', '--root', boxRoot], { env: { ...process.env, HEARTH_SYSTEM: 'sandbox' } })).stdout);
    expect(info.cpuCount).toBeGreaterThan(0);
    expect(existsSync(path.join(boxRoot, 'var/lib/hearth/hearth.db'))).toBe(true);
    // The panel, the translations and the production dependencies are there; the dev ones are not.
    expect(readFileSync(path.join(unpacked.dir, 'dist/server/overlay-note.txt'), 'utf8')).toBe('laid over');
    for (const file of ['web/dist/index.html', 'locales/zh-CN/errors.json', 'node_modules/fastify/package.json', 'node_modules/better-sqlite3/build/Release/better_sqlite3.node']) {
      expect(existsSync(path.join(unpacked.dir, file)), file).toBe(true);
    }
    for (const devOnly of ['node_modules/vitest', 'node_modules/vite', 'node_modules/typescript', 'node_modules/better-sqlite3/deps', 'server']) {
      expect(existsSync(path.join(unpacked.dir, devOnly)), devOnly).toBe(false);
    }

    // The installed release trusts the key it was built with: its own code verifies the channel.
    const verify = `
      const { fetchManifest } = await import(${JSON.stringify(path.join(unpacked.dir, 'dist/server/updates/releases.js'))});
      const fetched = await fetchManifest(${JSON.stringify(server.url('manifest.json'))});
      console.log(fetched.keyid);`;
    const verified = await run(process.execPath, ['--input-type=module', '-e', verify]);
    expect(verified.stdout.trim()).toBe(keyid);

    // Widening the staged rollout re-signs with a higher serial; the older manifest is then a replay.
    await releaseCommand(['sign', '--key', key, '--channel', channel, '--version', '0.91.0', '--cohorts', 'all']);
    const widened = await fetchManifest(server.url('manifest.json'), { keys: trusted, minSerial: fetched.manifest.serial });
    expect(widened.manifest.serial).toBe(3);
    expect(widened.manifest.releases[0]).toMatchObject({ version: '0.91.0', cohorts: 'all', minimumFrom: '0.90.0' });
  });
});
