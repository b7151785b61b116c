import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Release } from '../manifest.js';
import { serveChannel, type ChannelServer } from './channel-server.js';
import { manifest, release, testKey, writeManifest, writeTestBundle } from './fixtures.js';

/*
 * A signed release channel for the owner-facing update tests (auto-update, CLI, API,
 * browser): small hand-made bundles (no release build), a manifest signed with a fresh
 * key that the sandboxed box under `root` trusts ($ROOT/etc/hearth/release-keys, read in
 * the sandbox only: server/updates/trusted-keys.ts), served over HTTP on 127.0.0.1 and
 * readable as a file:// URL too.
 */

export interface PublishedRelease {
  version: string;
  /** How long ago it was published (soak time). */
  hoursOld: number;
  breaking?: boolean;
  cohorts?: Release['cohorts'];
  notes?: Record<string, string>;
  /**
   * What the bundle's migration check does: 'ok' (the release installs; the restart is left
   * pending since no daemon runs under a launcher in a test) or 'fails' (its migration throws).
   */
  migration?: 'ok' | 'fails';
}

export interface TestChannel {
  dir: string;
  /** http://127.0.0.1:<port>/manifest.json */
  url: string;
  /** file:///…/manifest.json */
  fileUrl: string;
  server: ChannelServer;
  publish(releases: readonly PublishedRelease[], now?: number): Promise<void>;
  close(): Promise<void>;
}

let serial = 0;

/** Makes the box under `root` trust the channel's key, and serves the channel from `dir`. */
export async function testChannel(root: string, dir: string): Promise<TestChannel> {
  const key = testKey();
  const keysDir = path.join(root, 'etc/hearth/release-keys');
  mkdirSync(keysDir, { recursive: true });
  writeFileSync(path.join(keysDir, 'test.pub'), key.publicPem);
  mkdirSync(dir, { recursive: true });
  const server = await serveChannel(dir);
  return {
    dir,
    url: server.url('manifest.json'),
    fileUrl: pathToFileURL(path.join(dir, 'manifest.json')).href,
    server,
    async publish(releases, now = Date.now()) {
      const listed: Release[] = [];
      for (const item of releases) {
        const name = `hearth-${item.version}-${process.arch}.tar.gz`;
        const tool =
          item.migration === 'fails'
            ? "console.error('migration 99 failed: no such table: test_missing'); process.exit(1);\n"
            : 'process.exit(0);\n';
        const bundle = await writeTestBundle(path.join(dir, name), item.version, { extra: [{ name: 'dist/server/updates/launcher-tool.js', content: tool }] });
        listed.push(
          release(item.version, {
            publishedAt: new Date(now - item.hoursOld * 3_600_000).toISOString(),
            breaking: item.breaking ?? false,
            cohorts: item.cohorts ?? 'all',
            ...(item.notes ? { notes: item.notes } : {}),
            bundles: { [process.arch]: { url: name, size: bundle.size, sha256: bundle.sha256, unpackedSize: 1024 * 1024 } },
          }),
        );
      }
      serial += 1;
      await writeManifest(dir, manifest(listed, { serial }), [key.privateKey]);
    },
    close: () => server.close(),
  };
}

/** The box under `root` as installed by scripts/install.sh would leave it: releases/<version> and `current` pointing at it. */
export function installAs(root: string, version: string): void {
  const dir = path.join(root, 'opt/hearth/releases', version);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'hearth', version }));
  symlinkSync(`releases/${version}`, path.join(root, 'opt/hearth/current'));
}
