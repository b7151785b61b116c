import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { boardFixtures } from './fixtures/definitions.js';
import { fixturesDir, writeFixtureTree } from './fixtures/fixture-tree.js';

/** Every file under dir, relative, with "/" separators. */
function listFiles(dir: string, prefix = ''): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    const relative = prefix ? `${prefix}/${name}` : name;
    return statSync(full).isDirectory() ? listFiles(full, relative) : [relative];
  });
}

// HEARTH_WRITE_FIXTURES=1 npx vitest run server/boards/fixtures.test.ts rewrites the trees from the definitions.
if (process.env.HEARTH_WRITE_FIXTURES === '1') {
  for (const fixture of boardFixtures) {
    rmSync(path.join(fixturesDir, fixture.id), { recursive: true, force: true });
    mkdirSync(path.join(fixturesDir, fixture.id), { recursive: true });
    writeFixtureTree(fixture, path.join(fixturesDir, fixture.id));
    // Git keeps no empty directory: a fixture of no files is a directory with a marker.
    if (Object.keys(fixture.files).length === 0) writeFileSync(path.join(fixturesDir, fixture.id, '.keep'), '');
  }
}

describe('board fixture trees', () => {
  it.each(boardFixtures.map((f) => [f.id, f] as const))('%s: the committed tree is byte for byte its definition', (id, fixture) => {
    const dir = path.join(fixturesDir, id);
    expect(existsSync(dir)).toBe(true);
    const expected = Object.keys(fixture.files).sort();
    expect(listFiles(dir).filter((f) => f !== '.keep').sort()).toEqual(expected);
    for (const [relative, content] of Object.entries(fixture.files)) {
      expect(readFileSync(path.join(dir, relative)).equals(Buffer.from(content as string)), relative).toBe(true);
    }
  });

  it('device-tree strings end in NUL, as the kernel exposes them', () => {
    const model = readFileSync(path.join(fixturesDir, 'raspberrypi-4b/proc/device-tree/model'));
    expect(model.at(-1)).toBe(0);
    expect(model.toString('latin1')).toBe('Raspberry Pi 4 Model B Rev 1.4\0');
    const compatible = readFileSync(path.join(fixturesDir, 'odroid-hc1/proc/device-tree/compatible'));
    expect(compatible.toString('latin1').split('\0')).toEqual(['hardkernel,odroid-hc1', 'samsung,exynos5800', 'samsung,exynos5', '']);
  });
});
