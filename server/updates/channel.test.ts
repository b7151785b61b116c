import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { tempRoot } from '../testing/temp-root.js';
import { chooseRelease, choiceError, checkChannelUrl, fetchManifest, type ReleaseChoice } from './channel.js';
import type { BundleRef, Release } from './manifest.js';
import { serveChannel, type ChannelServer } from './testing/channel-server.js';
import { manifest, release, testKey, writeManifest } from './testing/fixtures.js';

const servers: ChannelServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

async function rejection(promise: Promise<unknown>): Promise<HearthError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof HearthError) return error;
    throw error;
  }
  throw new Error('did not reject');
}

const bundleFor = (version: string, arch = 'x64'): BundleRef => ({ url: `hearth-${version}-${arch}.tar.gz`, size: 100, sha256: 'b'.repeat(64), unpackedSize: 8192 });
const withBundles = (version: string, overrides: Partial<Release> = {}, arches = ['x64', 'arm64']) =>
  release(version, { bundles: Object.fromEntries(arches.map((a) => [a, bundleFor(version, a)])), ...overrides });

describe('fetchManifest', () => {
  it('fetches over HTTP, verifies and resolves bundle URLs against the manifest URL', async () => {
    const dir = tempRoot();
    const key = testKey();
    await writeManifest(path.join(dir, 'stable'), manifest([withBundles('1.1.0')]), [key.privateKey]);
    const server = await serveChannel(dir);
    servers.push(server);
    const fetched = await fetchManifest(server.url('stable/manifest.json'), { keys: [key.trusted], channel: 'stable' });
    expect(fetched.keyid).toBe(key.trusted.keyid);
    expect(fetched.manifest.releases.map((r) => r.version)).toEqual(['1.1.0']);
    const choice = chooseRelease(fetched, { current: '1.0.0', arch: 'x64' });
    expect(choice.kind === 'update' && choice.bundle.url).toBe(server.url('stable/hearth-1.1.0-x64.tar.gz'));
  });

  it('reads a file:// channel', async () => {
    const dir = tempRoot();
    const key = testKey();
    const file = await writeManifest(dir, manifest([withBundles('1.1.0')]), [key.privateKey]);
    const fetched = await fetchManifest(pathToFileURL(file).href, { keys: [key.trusted] });
    expect(fetched.manifest.channel).toBe('stable');
    const choice = chooseRelease(fetched, { current: '1.0.0', arch: 'arm64' });
    expect(choice.kind === 'update' && choice.bundle.url).toBe(pathToFileURL(path.join(dir, 'hearth-1.1.0-arm64.tar.gz')).href);
  });

  it('refuses a manifest signed by an unknown key, one tampered with, and a malformed one', async () => {
    const dir = tempRoot();
    const key = testKey();
    const stranger = testKey();
    const server = await serveChannel(dir);
    servers.push(server);
    const url = server.url('manifest.json');

    const file = await writeManifest(dir, manifest([withBundles('1.1.0')]), [stranger.privateKey]);
    expect((await rejection(fetchManifest(url, { keys: [key.trusted] }))).code).toBe('HEARTH_ERR_RELEASE_KEY_UNKNOWN');

    await writeManifest(dir, manifest([withBundles('1.1.0')]), [key.privateKey]);
    const envelope = JSON.parse((await import('node:fs')).readFileSync(file, 'utf8'));
    envelope.signed = envelope.signed.replace('1.1.0', '9.9.9');
    writeFileSync(file, JSON.stringify(envelope));
    expect((await rejection(fetchManifest(url, { keys: [key.trusted] }))).code).toBe('HEARTH_ERR_RELEASE_SIGNATURE_BAD');

    writeFileSync(file, JSON.stringify({ signed: 42, signatures: envelope.signatures }));
    const malformed = await rejection(fetchManifest(url, { keys: [key.trusted] }));
    expect(malformed.code).toBe('HEARTH_ERR_RELEASE_MANIFEST_MALFORMED');
    expect(malformed.params.field).toBe('/signed');
  });

  it('refuses another channel, a replayed older manifest, and one over the size cap', async () => {
    const dir = tempRoot();
    const key = testKey();
    await writeManifest(dir, manifest([withBundles('1.1.0')], { channel: 'beta', serial: 7 }), [key.privateKey]);
    const server = await serveChannel(dir);
    servers.push(server);
    const url = server.url('manifest.json');
    const mismatch = await rejection(fetchManifest(url, { keys: [key.trusted], channel: 'stable' }));
    expect(mismatch.code).toBe('HEARTH_ERR_RELEASE_CHANNEL_MISMATCH');
    expect(mismatch.params).toEqual({ expected: 'stable', found: 'beta' });
    const replayed = await rejection(fetchManifest(url, { keys: [key.trusted], minSerial: 8 }));
    expect(replayed.code).toBe('HEARTH_ERR_RELEASE_MANIFEST_REPLAYED');
    expect((await fetchManifest(url, { keys: [key.trusted], minSerial: 7 })).manifest.serial).toBe(7);
    expect((await rejection(fetchManifest(url, { keys: [key.trusted], maxBytes: 200 }))).code).toBe('HEARTH_ERR_RELEASE_MANIFEST_TOO_LARGE');
    server.options.chunked = true;
    expect((await rejection(fetchManifest(url, { keys: [key.trusted], maxBytes: 200 }))).code).toBe('HEARTH_ERR_RELEASE_MANIFEST_TOO_LARGE');
  });

  it('says why a channel cannot be read: HTTP error, nothing listening, missing file', async () => {
    const dir = tempRoot();
    const server = await serveChannel(dir, { fail: { '/manifest.json': 503 } });
    servers.push(server);
    const key = testKey();
    const http = await rejection(fetchManifest(server.url('manifest.json'), { keys: [key.trusted] }));
    expect(http.code).toBe('HEARTH_ERR_RELEASE_CHANNEL_UNREACHABLE');
    expect(http.params.reason).toBe('HTTP 503');
    await server.close();
    servers.pop();
    const refused = await rejection(fetchManifest(server.url('manifest.json'), { keys: [key.trusted] }));
    expect(refused.params.reason).toBe('ECONNREFUSED');
    const missing = await rejection(fetchManifest(pathToFileURL(path.join(dir, 'nope.json')).href, { keys: [key.trusted] }));
    expect(missing.params.reason).toBe('ENOENT');
  });

  it('gives up on a channel that does not answer', async () => {
    const server = await serveChannel(tempRoot(), { silent: true });
    servers.push(server);
    const error = await rejection(fetchManifest(server.url('manifest.json'), { keys: [testKey().trusted], timeoutMs: 300 }));
    expect(error.code).toBe('HEARTH_ERR_RELEASE_CHANNEL_UNREACHABLE');
    expect(error.params.reason).toBe('timed out');
  });

  it('accepts https, file and loopback http channels only', () => {
    for (const ok of ['https://releases.example.org/stable/manifest.json', 'file:///srv/channel/manifest.json', 'http://127.0.0.1:8080/m.json', 'http://localhost/m.json', 'http://[::1]/m.json']) {
      expect(checkChannelUrl(ok).href).toBeTruthy();
    }
    for (const bad of ['http://releases.example.org/manifest.json', 'http://192.168.1.2/m.json', 'ftp://x/m.json', 'file://otherhost/m.json', 'https://user:pw@x/m.json', 'not a url']) {
      expect(() => checkChannelUrl(bad), bad).toThrow(expect.objectContaining({ code: 'HEARTH_ERR_RELEASE_CHANNEL_URL' }));
    }
  });
});

describe('chooseRelease', () => {
  const at = (releases: Release[]) => ({ url: 'https://releases.example.org/stable/manifest.json', manifest: manifest(releases) });
  const version = (choice: ReleaseChoice) => (choice.kind === 'update' ? choice.release.version : `none:${choice.reason}`);

  it('takes the newest release newer than the running one, with its bundle for this architecture', () => {
    const choice = chooseRelease(at([withBundles('1.0.0'), withBundles('1.2.0'), withBundles('1.1.0')]), { current: '1.0.0', arch: 'arm64' });
    expect(version(choice)).toBe('1.2.0');
    if (choice.kind !== 'update') throw new Error('no update');
    expect(choice.bundle).toEqual({ ...bundleFor('1.2.0', 'arm64'), url: 'https://releases.example.org/stable/hearth-1.2.0-arm64.tar.gz', version: '1.2.0', arch: 'arm64' });
    expect(choice.intermediate).toBe(false);
    expect(choice.downgrade).toBe(false);
  });

  it('is up to date on the newest release, and with an empty channel', () => {
    expect(version(chooseRelease(at([withBundles('1.0.0'), withBundles('1.2.0')]), { current: '1.2.0', arch: 'x64' }))).toBe('none:up-to-date');
    expect(version(chooseRelease(at([]), { current: '1.2.0', arch: 'x64' }))).toBe('none:up-to-date');
  });

  it('refuses a downgrade unless asked for: a channel that pulled the running release', () => {
    const channel = at([withBundles('1.0.0'), withBundles('1.1.0')]);
    const refused = chooseRelease(channel, { current: '1.2.0', arch: 'x64' });
    expect(version(refused)).toBe('none:downgrade-refused');
    if (refused.kind !== 'none') throw new Error('unexpected');
    expect(choiceError(refused, { current: '1.2.0' })?.code).toBe('HEARTH_ERR_RELEASE_DOWNGRADE');
    expect(choiceError(refused, { current: '1.2.0' })?.params).toEqual({ version: '1.1.0', current: '1.2.0' });
    const allowed = chooseRelease(channel, { current: '1.2.0', arch: 'x64', allowDowngrade: true });
    expect(version(allowed)).toBe('1.1.0');
    expect(allowed.kind === 'update' && allowed.downgrade).toBe(true);
  });

  it('refuses a named older version unless a downgrade is allowed', () => {
    const channel = at([withBundles('1.0.0'), withBundles('1.2.0')]);
    expect(version(chooseRelease(channel, { current: '1.2.0', arch: 'x64', version: '1.0.0' }))).toBe('none:downgrade-refused');
    expect(version(chooseRelease(channel, { current: '1.2.0', arch: 'x64', version: '1.0.0', allowDowngrade: true }))).toBe('1.0.0');
    expect(version(chooseRelease(channel, { current: '1.2.0', arch: 'x64', version: '1.2.0' }))).toBe('none:up-to-date');
    const missing = chooseRelease(channel, { current: '1.2.0', arch: 'x64', version: '3.0.0' });
    expect(version(missing)).toBe('none:not-found');
    if (missing.kind === 'none') expect(choiceError(missing, { current: '1.2.0', version: '3.0.0' })?.code).toBe('HEARTH_ERR_RELEASE_NOT_FOUND');
  });

  it('says when no newer release has a bundle for this architecture, and skips to an older one that has', () => {
    const channel = at([withBundles('1.1.0', {}, ['x64']), withBundles('1.2.0', {}, ['x64'])]);
    const none = chooseRelease(channel, { current: '1.0.0', arch: 'arm' });
    expect(version(none)).toBe('none:no-bundle-for-arch');
    if (none.kind !== 'none') throw new Error('unexpected');
    const error = choiceError(none, { current: '1.0.0', arch: 'arm' });
    expect(error?.code).toBe('HEARTH_ERR_RELEASE_NO_BUNDLE_FOR_ARCH');
    expect(error?.params).toEqual({ version: '1.2.0', arch: 'arm' });
    // 1.2.0's arm build is not published yet: 1.1.0 is.
    const partly = at([withBundles('1.1.0', {}, ['x64', 'arm']), withBundles('1.2.0', {}, ['x64'])]);
    expect(version(chooseRelease(partly, { current: '1.0.0', arch: 'arm' }))).toBe('1.1.0');
    expect(version(chooseRelease(at([withBundles('1.2.0', {}, ['x64'])]), { current: '1.0.0', arch: 'arm', version: '1.2.0' }))).toBe('none:no-bundle-for-arch');
  });

  it('goes through an intermediate release when the running version is older than minimumFrom', () => {
    const channel = at([withBundles('1.1.0'), withBundles('1.5.0'), withBundles('2.0.0', { minimumFrom: '1.5.0' }), withBundles('2.1.0', { minimumFrom: '1.5.0' })]);
    const step = chooseRelease(channel, { current: '1.0.0', arch: 'x64' });
    expect(version(step)).toBe('1.5.0');
    expect(step.kind === 'update' && step.intermediate).toBe(true);
    expect(step.kind === 'update' && step.latest.version).toBe('2.1.0');
    // From the intermediate release, the next check goes all the way.
    const next = chooseRelease(channel, { current: '1.5.0', arch: 'x64' });
    expect(version(next)).toBe('2.1.0');
    expect(next.kind === 'update' && next.intermediate).toBe(false);
  });

  it('says "unreachable" when no newer release accepts the running version', () => {
    const unreachable = chooseRelease(at([withBundles('2.0.0', { minimumFrom: '1.5.0' })]), { current: '1.0.0', arch: 'x64' });
    expect(version(unreachable)).toBe('none:unreachable');
    if (unreachable.kind !== 'none') throw new Error('unexpected');
    const error = choiceError(unreachable, { current: '1.0.0' });
    expect(error?.code).toBe('HEARTH_ERR_RELEASE_NOT_REACHABLE');
    expect(error?.params).toEqual({ version: '2.0.0', current: '1.0.0', minimumFrom: '1.5.0' });
    expect(version(chooseRelease(at([withBundles('2.0.0', { minimumFrom: '1.5.0' })]), { current: '1.0.0', arch: 'x64', version: '2.0.0' }))).toBe('none:unreachable');
  });

  it('does not cross a breaking release unless allowed, and lists it as held back', () => {
    const channel = at([withBundles('1.1.0'), withBundles('2.0.0', { breaking: true }), withBundles('2.1.0')]);
    const held = chooseRelease(channel, { current: '1.0.0', arch: 'x64' });
    expect(version(held)).toBe('1.1.0');
    expect(held.heldBack).toEqual([{ version: '2.0.0', reason: 'breaking' }]);
    expect(version(chooseRelease(channel, { current: '1.1.0', arch: 'x64' }))).toBe('none:held-back');
    expect(version(chooseRelease(channel, { current: '1.1.0', arch: 'x64', allowBreaking: true }))).toBe('2.1.0');
    // Once past it, the breaking marker no longer matters.
    expect(version(chooseRelease(channel, { current: '2.0.0', arch: 'x64' }))).toBe('2.1.0');
    // The owner naming the version is the owner's yes.
    expect(version(chooseRelease(channel, { current: '1.1.0', arch: 'x64', version: '2.0.0' }))).toBe('2.0.0');
  });

  it('holds back a release not open to the box cohort, and what `hold` refuses', () => {
    const channel = at([withBundles('1.1.0'), withBundles('1.2.0', { cohorts: [0, 1, 2, 3, 4] })]);
    expect(version(chooseRelease(channel, { current: '1.0.0', arch: 'x64', cohort: 3 }))).toBe('1.2.0');
    const outside = chooseRelease(channel, { current: '1.0.0', arch: 'x64', cohort: 50 });
    expect(version(outside)).toBe('1.1.0');
    expect(outside.heldBack).toEqual([{ version: '1.2.0', reason: 'cohort' }]);
    // No cohort given (canary, or the owner asked): the rollout does not apply.
    expect(version(chooseRelease(channel, { current: '1.0.0', arch: 'x64' }))).toBe('1.2.0');
    const soaking = chooseRelease(channel, { current: '1.0.0', arch: 'x64', hold: (r) => (r.version === '1.2.0' ? 'soak' : undefined) });
    expect(version(soaking)).toBe('1.1.0');
    expect(soaking.heldBack).toEqual([{ version: '1.2.0', reason: 'soak' }]);
    const all = chooseRelease(channel, { current: '1.0.0', arch: 'x64', hold: () => 'soak' });
    expect(version(all)).toBe('none:held-back');
    if (all.kind === 'none') expect(choiceError(all, { current: '1.0.0' })).toBeUndefined();
  });

  it('orders pre-releases before their release', () => {
    const channel = at([withBundles('1.1.0-rc.1'), withBundles('1.1.0-rc.2')]);
    expect(version(chooseRelease(channel, { current: '1.0.0', arch: 'x64' }))).toBe('1.1.0-rc.2');
    expect(version(chooseRelease(at([withBundles('1.1.0-rc.2'), withBundles('1.1.0')]), { current: '1.1.0-rc.2', arch: 'x64' }))).toBe('1.1.0');
  });
});
