import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { tempRoot } from '../testing/temp-root.js';
import type { ResolvedBundle } from './channel.js';
import { downloadBundle } from './download.js';
import { serveChannel, type ChannelServer } from './testing/channel-server.js';

const servers: ChannelServer[] = [];
const mounts: string[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
  for (const dir of mounts.splice(0)) execFileSync('umount', [dir]);
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

/** A channel directory with one bundle of `size` random bytes, served over HTTP on loopback. */
async function channelWith(size: number, options: Parameters<typeof serveChannel>[1] = {}) {
  const root = tempRoot();
  const channel = path.join(root, 'channel');
  mkdirSync(channel);
  const content = randomBytes(size);
  writeFileSync(path.join(channel, 'hearth-1.1.0-x64.tar.gz'), content);
  const server = await serveChannel(channel, options);
  servers.push(server);
  const bundle: ResolvedBundle = {
    version: '1.1.0',
    arch: 'x64',
    url: server.url('hearth-1.1.0-x64.tar.gz'),
    size,
    sha256: createHash('sha256').update(content).digest('hex'),
    unpackedSize: size * 3,
  };
  return { root, channel, server, bundle, content, stagingDir: path.join(root, 'staging') };
}

/** A tmpfs of `size` mounted on a new directory under `root` (root only): a small disk to fill. */
function smallDisk(root: string, size: string): string {
  const dir = path.join(root, 'small');
  mkdirSync(dir);
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir]);
  mounts.push(dir);
  return dir;
}

const canMount = (() => {
  if (process.getuid?.() !== 0) return 'not root';
  try {
    execFileSync('mount', ['--version']);
    return undefined;
  } catch {
    return 'no mount program';
  }
})();

describe('downloadBundle', () => {
  it('downloads, hashes while streaming, reports progress and leaves only the verified file', async () => {
    const { bundle, stagingDir, content } = await channelWith(3 * 1024 * 1024 + 17);
    const progress: Array<[number, number]> = [];
    const result = await downloadBundle(bundle, { stagingDir, onProgress: (bytes, total) => progress.push([bytes, total]) });
    expect(result).toEqual({ file: path.join(stagingDir, 'hearth-1.1.0-x64.tar.gz'), size: bundle.size, sha256: bundle.sha256, resumedFrom: 0 });
    expect(readFileSync(result.file).equals(content)).toBe(true);
    expect(readdirSync(stagingDir)).toEqual(['hearth-1.1.0-x64.tar.gz']);
    expect(progress[0]).toEqual([0, bundle.size]);
    expect(progress.at(-1)).toEqual([bundle.size, bundle.size]);
    expect(progress.length).toBeGreaterThan(5);
    for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
  });

  it('refuses a sha256 other than the manifest says and removes the bytes', async () => {
    const { bundle, stagingDir } = await channelWith(200_000);
    const error = await rejection(downloadBundle({ ...bundle, sha256: 'c'.repeat(64) }, { stagingDir }));
    expect(error.code).toBe('HEARTH_ERR_BUNDLE_CHECKSUM_MISMATCH');
    expect(error.params).toEqual({ expected: 'c'.repeat(64), actual: bundle.sha256 });
    expect(readdirSync(stagingDir)).toEqual([]);
  });

  it('refuses a size other than the manifest says (announced, or found while streaming) and removes the bytes', async () => {
    const { bundle, stagingDir, server } = await channelWith(200_000);
    const announced = await rejection(downloadBundle({ ...bundle, size: 150_000 }, { stagingDir }));
    expect(announced.code).toBe('HEARTH_ERR_BUNDLE_SIZE_MISMATCH');
    expect(announced.params).toEqual({ expected: 150_000, actual: 200_000 });
    expect(readdirSync(stagingDir)).toEqual([]);
    // Without Content-Length the excess shows only while streaming.
    server.options.chunked = true;
    const streamed = await rejection(downloadBundle({ ...bundle, size: 150_000 }, { stagingDir }));
    expect(streamed.code).toBe('HEARTH_ERR_BUNDLE_SIZE_MISMATCH');
    expect(readdirSync(stagingDir)).toEqual([]);
  });

  it('refuses a connection closed mid-body as truncated, keeps the bytes, and resumes with a Range request', async () => {
    const { bundle, stagingDir, server, content } = await channelWith(1024 * 1024, { cutAfter: 300_000 });
    const error = await rejection(downloadBundle(bundle, { stagingDir }));
    expect(error.code).toBe('HEARTH_ERR_BUNDLE_TRUNCATED');
    expect(error.params.expected).toBe(bundle.size);
    const received = Number(error.params.received);
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThanOrEqual(300_000);
    const partial = path.join(stagingDir, 'hearth-1.1.0-x64.tar.gz.partial');
    expect(statSync(partial).size).toBe(received);
    expect(readFileSync(partial).equals(content.subarray(0, received))).toBe(true);

    // The connection is good again: the next attempt asks only for the rest.
    delete server.options.cutAfter;
    server.requests.length = 0;
    const result = await downloadBundle(bundle, { stagingDir });
    expect(result.resumedFrom).toBe(received);
    expect(server.requests).toEqual([{ path: '/hearth-1.1.0-x64.tar.gz', range: `bytes=${received}-` }]);
    expect(readFileSync(result.file).equals(content)).toBe(true);
    expect(readdirSync(stagingDir)).toEqual(['hearth-1.1.0-x64.tar.gz']);
  });

  it('resumes several times in a row until the bundle is whole', async () => {
    const { bundle, stagingDir, content } = await channelWith(700_000, { cutAfter: 200_000 });
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        const result = await downloadBundle(bundle, { stagingDir });
        expect(readFileSync(result.file).equals(content)).toBe(true);
        break;
      } catch (error) {
        expect((error as HearthError).code).toBe('HEARTH_ERR_BUNDLE_TRUNCATED');
        expect(attempts).toBeLessThan(10);
      }
    }
    expect(attempts).toBeGreaterThanOrEqual(4);
  });

  it('restarts cleanly from byte 0 when the server ignores Range', async () => {
    const { bundle, stagingDir, server, content } = await channelWith(600_000, { cutAfter: 250_000 });
    await rejection(downloadBundle(bundle, { stagingDir }));
    delete server.options.cutAfter;
    server.options.range = false;
    server.requests.length = 0;
    const result = await downloadBundle(bundle, { stagingDir });
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]!.range).toMatch(/^bytes=\d+-$/);
    expect(result.resumedFrom).toBe(0);
    expect(readFileSync(result.file).equals(content)).toBe(true);
  });

  it('throws away a .partial that belongs to another bundle', async () => {
    const { bundle, stagingDir, server, content } = await channelWith(400_000, { cutAfter: 100_000 });
    await rejection(downloadBundle({ ...bundle, sha256: 'd'.repeat(64) }, { stagingDir }));
    delete server.options.cutAfter;
    server.requests.length = 0;
    const result = await downloadBundle(bundle, { stagingDir });
    expect(server.requests[0]!.range).toBeUndefined();
    expect(result.resumedFrom).toBe(0);
    expect(readFileSync(result.file).equals(content)).toBe(true);
  });

  it('returns a bundle already downloaded without asking again', async () => {
    const { bundle, stagingDir, server } = await channelWith(100_000);
    await downloadBundle(bundle, { stagingDir });
    server.requests.length = 0;
    const again = await downloadBundle(bundle, { stagingDir });
    expect(again.sha256).toBe(bundle.sha256);
    expect(server.requests).toEqual([]);
  });

  it('stops when aborted and keeps the bytes for the next attempt', async () => {
    const { bundle, stagingDir, content } = await channelWith(2 * 1024 * 1024);
    const controller = new AbortController();
    const reason = new Error('stopped by the owner');
    await expect(
      downloadBundle(bundle, {
        stagingDir,
        signal: controller.signal,
        onProgress: (bytes) => {
          if (bytes > 0) controller.abort(reason);
        },
      }),
    ).rejects.toBe(reason);
    const kept = statSync(path.join(stagingDir, 'hearth-1.1.0-x64.tar.gz.partial')).size;
    expect(kept).toBeGreaterThan(0);
    const result = await downloadBundle(bundle, { stagingDir });
    expect(result.resumedFrom).toBe(kept);
    expect(readFileSync(result.file).equals(content)).toBe(true);
  });

  it('gives up on a transfer that stalls, keeping what arrived', async () => {
    const { bundle, stagingDir, server, content } = await channelWith(500_000, { stallAfter: 100_000 });
    const error = await rejection(downloadBundle(bundle, { stagingDir, idleTimeoutMs: 300 }));
    expect(error.code).toBe('HEARTH_ERR_BUNDLE_DOWNLOAD_FAILED');
    expect(error.params.reason).toBe('no data for 0.3 s');
    expect(statSync(path.join(stagingDir, 'hearth-1.1.0-x64.tar.gz.partial')).size).toBe(100_000);
    delete server.options.stallAfter;
    const result = await downloadBundle(bundle, { stagingDir });
    expect(result.resumedFrom).toBe(100_000);
    expect(readFileSync(result.file).equals(content)).toBe(true);
  });

  it('says why a bundle cannot be fetched (HTTP 404) and keeps nothing', async () => {
    const { bundle, stagingDir } = await channelWith(1000);
    const error = await rejection(downloadBundle({ ...bundle, url: bundle.url.replace('1.1.0', '9.9.9') }, { stagingDir }));
    expect(error.code).toBe('HEARTH_ERR_BUNDLE_DOWNLOAD_FAILED');
    expect(error.params.reason).toBe('HTTP 404');
  });

  it('downloads from a file:// channel, resuming from the bytes on disk', async () => {
    const { bundle, stagingDir, channel, content } = await channelWith(500_000);
    const fileBundle = { ...bundle, url: pathToFileURL(path.join(channel, 'hearth-1.1.0-x64.tar.gz')).href };
    mkdirSync(stagingDir);
    writeFileSync(path.join(stagingDir, 'hearth-1.1.0-x64.tar.gz.partial'), content.subarray(0, 123_456));
    writeFileSync(path.join(stagingDir, 'hearth-1.1.0-x64.tar.gz.partial.json'), JSON.stringify({ url: fileBundle.url, size: bundle.size, sha256: bundle.sha256 }));
    const result = await downloadBundle(fileBundle, { stagingDir });
    expect(result.resumedFrom).toBe(123_456);
    expect(readFileSync(result.file).equals(content)).toBe(true);
  });

  describe.skipIf(canMount !== undefined)(`on a small disk${canMount ? ` (skipped: ${canMount})` : ''}`, () => {
    it('refuses before the first byte when the bundle and its unpacked size do not fit; nothing else changes', async () => {
      const { bundle, root, server } = await channelWith(1024 * 1024);
      const disk = smallDisk(root, '2m');
      writeFileSync(path.join(disk, 'owner-file'), 'keep me');
      const stagingDir = path.join(disk, 'staging');
      // 1 MiB download + 3 MiB unpacked do not fit on 2 MiB.
      const error = await rejection(downloadBundle(bundle, { stagingDir, marginBytes: 0 }));
      expect(error.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
      expect(error.params.path).toBe(stagingDir);
      expect(server.requests).toEqual([]);
      expect(readdirSync(stagingDir)).toEqual([]);
      expect(readdirSync(disk).sort()).toEqual(['owner-file', 'staging']);
      expect(readFileSync(path.join(disk, 'owner-file'), 'utf8')).toBe('keep me');
    });

    it('counts the margin, and checks the unpack directory on its own file system', async () => {
      const { bundle, root } = await channelWith(512 * 1024);
      const disk = smallDisk(root, '2m');
      const stagingDir = path.join(disk, 'staging');
      // The download alone fits, but not with the default 64 MiB margin.
      expect((await rejection(downloadBundle({ ...bundle, unpackedSize: 0 }, { stagingDir }))).code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
      // Unpacked elsewhere (the big disk), the download fits the small one.
      const result = await downloadBundle(bundle, { stagingDir, unpackDir: path.join(root, 'releases'), marginBytes: 0 });
      expect(statSync(result.file).size).toBe(bundle.size);
      // Unpacked on the small disk too, it would not.
      const unpackHere = await rejection(downloadBundle({ ...bundle, version: '1.1.1' }, { stagingDir, unpackDir: path.join(disk, 'releases'), marginBytes: 0, fileName: 'other.tar.gz' }));
      expect(unpackHere.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
    });

    it('refuses cleanly when the disk fills up during the download: the bytes are removed, the rest stays', async () => {
      const { bundle, root } = await channelWith(1536 * 1024);
      const disk = smallDisk(root, '2m');
      const stagingDir = path.join(disk, 'staging');
      const filler = path.join(disk, 'someone-elses-file');
      let filled = false;
      const error = await rejection(
        downloadBundle(bundle, {
          stagingDir,
          unpackDir: path.join(root, 'releases'),
          marginBytes: 0,
          onProgress: (bytes) => {
            // Something else takes the space once the download has begun.
            if (bytes > 0 && !filled) {
              filled = true;
              writeFileSync(filler, Buffer.alloc(1024 * 1024, 1));
            }
          },
        }),
      );
      expect(filled).toBe(true);
      expect(error.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
      expect(readdirSync(stagingDir)).toEqual([]);
      expect(statSync(filler).size).toBe(1024 * 1024);
      expect(existsSync(path.join(root, 'releases'))).toBe(false);
    });
  });
});
