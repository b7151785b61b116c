import { execFileSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { tempRoot } from '../testing/temp-root.js';
import { unpackBundle } from './bundle.js';
import { bundleInfo, writeTarGz, writeTestBundle, type TarEntry } from './testing/fixtures.js';

const mounts: string[] = [];
afterEach(() => {
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

const canMount = process.getuid?.() === 0 ? undefined : 'not root';

/** A root with a releases directory, a neighbour that must never be touched, and where bundles go. */
function setup() {
  const root = tempRoot();
  const releasesDir = path.join(root, 'opt/hearth/releases');
  mkdirSync(releasesDir, { recursive: true });
  mkdirSync(path.join(root, 'outside'));
  writeFileSync(path.join(root, 'outside/precious'), 'untouched');
  return { root, releasesDir, bundle: path.join(root, 'staging/hearth.tar.gz') };
}

/** Nothing but what was there before: no release, no .partial, the neighbour as it was. */
function expectNothingWritten(root: string, releasesDir: string, before: string[] = []) {
  expect(readdirSync(releasesDir)).toEqual(before);
  expect(readdirSync(path.join(root, 'outside'))).toEqual(['precious']);
  expect(readFileSync(path.join(root, 'outside/precious'), 'utf8')).toBe('untouched');
  expect(readdirSync(path.join(root, 'opt/hearth')).sort()).toEqual(['releases']);
}

/** bundle.json and package.json of 1.1.0, then `entries`. */
async function hostile(file: string, entries: TarEntry[]) {
  await writeTarGz(file, [
    { name: 'bundle.json', content: JSON.stringify(bundleInfo('1.1.0')) },
    { name: 'package.json', content: JSON.stringify({ name: 'hearth', version: '1.1.0' }) },
    ...entries,
  ]);
}

describe('unpackBundle', () => {
  it('unpacks into releases/<version> with modes, links inside the release, and nothing left over', async () => {
    const { releasesDir, bundle } = setup();
    await writeTestBundle(bundle, '1.1.0', { extra: [{ name: 'locales/en/common.json', content: '{}' }] });
    const result = await unpackBundle(bundle, releasesDir, '1.1.0');
    const dir = path.join(releasesDir, '1.1.0');
    expect(result.dir).toBe(dir);
    expect(result.info.version).toBe('1.1.0');
    expect(result.info.arch).toBe(process.arch);
    expect(readdirSync(releasesDir)).toEqual(['1.1.0']);
    expect(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version).toBe('1.1.0');
    expect(statSync(path.join(dir, 'dist/server/cli/hearth.js')).mode & 0o777).toBe(0o755);
    expect(statSync(path.join(dir, 'locales/en/common.json')).mode & 0o777).toBe(0o644);
    expect(readlinkSync(path.join(dir, 'node_modules/.bin/hearth'))).toBe('../../dist/server/cli/hearth.js');
    expect(realpathSync(path.join(dir, 'node_modules/.bin/hearth'))).toBe(path.join(realpathSync(dir), 'dist/server/cli/hearth.js'));
    expect(JSON.parse(readFileSync(path.join(dir, 'bundle.json'), 'utf8')).version).toBe('1.1.0');
    expect(execFileSync(process.execPath, [path.join(dir, 'node_modules/.bin/hearth')], { encoding: 'utf8' })).toBe('1.1.0\n');
  });

  it('refuses a bundle built for another architecture or Node ABI, before writing anything else', async () => {
    const { root, releasesDir, bundle } = setup();
    const other = process.arch === 'arm64' ? 'x64' : 'arm64';
    await writeTestBundle(bundle, '1.1.0', { info: { arch: other }, padding: 1024 * 1024 });
    const arch = await rejection(unpackBundle(bundle, releasesDir, '1.1.0'));
    expect(arch.code).toBe('HEARTH_ERR_BUNDLE_WRONG_ARCH');
    expect(arch.params).toEqual({ found: other, expected: process.arch });
    expectNothingWritten(root, releasesDir);

    await writeTestBundle(bundle, '1.1.0', { info: { nodeAbi: '1', node: '0.1.0' } });
    const abi = await rejection(unpackBundle(bundle, releasesDir, '1.1.0'));
    expect(abi.code).toBe('HEARTH_ERR_BUNDLE_WRONG_NODE');
    expect(abi.params.found).toBe('1');
    expectNothingWritten(root, releasesDir);
  });

  it('refuses what is not the Hearth release it should be', async () => {
    const { root, releasesDir, bundle } = setup();
    const reasonOf = async () => {
      const error = await rejection(unpackBundle(bundle, releasesDir, '1.1.0'));
      expect(error.code).toBe('HEARTH_ERR_BUNDLE_NOT_HEARTH');
      expectNothingWritten(root, releasesDir);
      return String(error.params.reason);
    };
    await writeTarGz(bundle, [{ name: 'package.json', content: '{}' }, { name: 'bundle.json', content: JSON.stringify(bundleInfo('1.1.0')) }]);
    expect(await reasonOf()).toContain('first entry');
    await writeTestBundle(bundle, '1.2.0');
    expect(await reasonOf()).toContain('1.2.0');
    await writeTestBundle(bundle, '1.1.0', { packageJson: { name: 'evil', version: '1.1.0' } });
    expect(await reasonOf()).toContain('does not name hearth');
    await writeTestBundle(bundle, '1.1.0', { packageJson: { name: 'hearth', version: '1.0.0' } });
    expect(await reasonOf()).toContain('1.0.0');
    await writeTarGz(bundle, [{ name: 'bundle.json', content: JSON.stringify(bundleInfo('1.1.0')) }]);
    expect(await reasonOf()).toContain('no package.json');
    await writeTarGz(bundle, [{ name: 'bundle.json', content: 'not json' }]);
    expect(await reasonOf()).toContain('not JSON');
  });

  const hostileCases: Array<[string, TarEntry[], string]> = [
    ['an absolute path', [{ name: '/tmp/hearth-evil', content: 'x' }], 'absolute'],
    ['a path climbing out', [{ name: '../../outside/evil', content: 'x' }], '..'],
    ['a path climbing out from inside', [{ name: 'dist/../../evil', content: 'x' }], '..'],
    ['a backslash', [{ name: 'dist\\..\\..\\evil', content: 'x' }], 'backslash'],
    ['a link to an absolute path', [{ name: 'etc', type: 'symlink', linkname: '/etc' }], 'absolute'],
    ['a link climbing out', [{ name: 'dist/out', type: 'symlink', linkname: '../../outside' }], 'outside'],
    [
      'a chain of links that leaves although each target looks inside',
      [
        { name: 'p/q/up', type: 'symlink', linkname: '../..' },
        { name: 'p/q/escape', type: 'symlink', linkname: 'up/..' },
      ],
      'outside',
    ],
    ['a link to nothing', [{ name: 'dangling', type: 'symlink', linkname: 'nowhere' }], 'nothing'],
    ['a hard link', [{ name: 'dist/a', content: 'x' }, { name: 'dist/b', type: 'link', linkname: 'dist/a' }], 'hard link'],
    ['a FIFO', [{ name: 'fifo', type: 'fifo' }], 'fifo'],
    ['a device', [{ name: 'null', type: 'character-device' }], 'character-device'],
    ['a file listed twice', [{ name: 'dist/a', content: 'x' }, { name: 'dist/a', content: 'y' }], 'twice'],
    ['a file and a directory of one name', [{ name: 'dist/a', content: 'x' }, { name: 'dist/a/b', content: 'y' }], 'same name'],
    ['a link then a file written through it', [{ name: 'dist/l', type: 'symlink', linkname: '.' }, { name: 'dist/l', content: 'y' }], 'twice'],
  ];
  for (const [what, entries, reason] of hostileCases) {
    it(`refuses ${what}, writing nothing inside or outside`, async () => {
      const { root, releasesDir, bundle } = setup();
      await hostile(bundle, entries);
      const error = await rejection(unpackBundle(bundle, releasesDir, '1.1.0'));
      expect(error.code).toBe('HEARTH_ERR_BUNDLE_UNSAFE_PATH');
      expect(String(error.params.reason)).toContain(reason);
      expectNothingWritten(root, releasesDir);
      expect(existsSync('/tmp/hearth-evil')).toBe(false);
    });
  }

  it('refuses a damaged or cut-off bundle', async () => {
    const { root, releasesDir, bundle } = setup();
    await writeTestBundle(bundle, '1.1.0', { padding: 200_000 });
    const bytes = readFileSync(bundle);
    writeFileSync(bundle, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect((await rejection(unpackBundle(bundle, releasesDir, '1.1.0'))).code).toBe('HEARTH_ERR_BUNDLE_CORRUPT');
    expectNothingWritten(root, releasesDir);
    const flipped = Buffer.from(bytes);
    for (let i = 40; i < flipped.length - 40; i += 97) flipped[i]! ^= 0xff;
    writeFileSync(bundle, flipped);
    expect((await rejection(unpackBundle(bundle, releasesDir, '1.1.0'))).code).toBe('HEARTH_ERR_BUNDLE_CORRUPT');
    expectNothingWritten(root, releasesDir);
    writeFileSync(bundle, 'not gzip at all');
    expect((await rejection(unpackBundle(bundle, releasesDir, '1.1.0'))).code).toBe('HEARTH_ERR_BUNDLE_CORRUPT');
    expectNothingWritten(root, releasesDir);
  });

  it('refuses more bytes than the manifest says it unpacks to', async () => {
    const { root, releasesDir, bundle } = setup();
    await writeTestBundle(bundle, '1.1.0', { padding: 100_000 });
    const error = await rejection(unpackBundle(bundle, releasesDir, '1.1.0', { unpackedSize: 50_000, marginBytes: 0 }));
    expect(error.code).toBe('HEARTH_ERR_BUNDLE_CORRUPT');
    expectNothingWritten(root, releasesDir);
  });

  it('never unpacks over an existing release, and removes a .partial a crash left', async () => {
    const { releasesDir, bundle } = setup();
    await writeTestBundle(bundle, '1.1.0');
    mkdirSync(path.join(releasesDir, '1.1.0'));
    writeFileSync(path.join(releasesDir, '1.1.0/mine'), 'running');
    const exists = await rejection(unpackBundle(bundle, releasesDir, '1.1.0'));
    expect(exists.code).toBe('HEARTH_ERR_BUNDLE_TARGET_EXISTS');
    expect(readdirSync(path.join(releasesDir, '1.1.0'))).toEqual(['mine']);

    await writeTestBundle(bundle, '1.2.0');
    mkdirSync(path.join(releasesDir, '.1.2.0.partial/dist'), { recursive: true });
    writeFileSync(path.join(releasesDir, '.1.2.0.partial/dist/half'), 'half written');
    await unpackBundle(bundle, releasesDir, '1.2.0');
    expect(readdirSync(releasesDir).sort()).toEqual(['1.1.0', '1.2.0']);
    expect(existsSync(path.join(releasesDir, '1.2.0/dist/half'))).toBe(false);
  });

  it('refuses a version that is not a plain version (no path in a name)', async () => {
    const { root, releasesDir, bundle } = setup();
    await writeTestBundle(bundle, '1.1.0');
    expect((await rejection(unpackBundle(bundle, releasesDir, '../1.1.0'))).code).toBe('HEARTH_ERR_BUNDLE_NOT_HEARTH');
    expectNothingWritten(root, releasesDir);
  });

  describe.skipIf(canMount !== undefined)(`on a small disk${canMount ? ` (skipped: ${canMount})` : ''}`, () => {
    function smallReleasesDir(root: string) {
      const disk = path.join(root, 'opt/hearth/releases');
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=2m', 'tmpfs', disk]);
      mounts.push(disk);
      writeFileSync(path.join(disk, 'other'), 'kept');
      return disk;
    }

    it('refuses before writing when the unpacked size does not fit', async () => {
      const { root, bundle } = setup();
      const releasesDir = smallReleasesDir(root);
      await writeTestBundle(bundle, '1.1.0', { padding: 3 * 1024 * 1024 });
      const error = await rejection(unpackBundle(bundle, releasesDir, '1.1.0', { unpackedSize: 3 * 1024 * 1024 + 16384, marginBytes: 0 }));
      expect(error.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
      expect(readdirSync(releasesDir)).toEqual(['other']);
    });

    it('refuses cleanly when the disk fills up while unpacking: the .partial is removed', async () => {
      const { root, bundle } = setup();
      const releasesDir = smallReleasesDir(root);
      await writeTestBundle(bundle, '1.1.0', { padding: 3 * 1024 * 1024 });
      // No size given: the space check cannot know; the write itself runs out.
      const error = await rejection(unpackBundle(bundle, releasesDir, '1.1.0'));
      expect(error.code).toBe('HEARTH_ERR_UPDATE_NO_SPACE');
      expect(readdirSync(releasesDir)).toEqual(['other']);
      expect(lstatSync(path.join(releasesDir, 'other')).size).toBe(4);
    });
  });
});
