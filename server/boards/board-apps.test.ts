import { afterEach, describe, expect, it } from 'vitest';
import { Type } from 'typebox';
import { param } from '../apps/params.js';
import { allApps } from '../apps/registry.js';
import { defineApp, type AnyAppDefinition } from '../apps/types.js';
import { translator } from '../i18n.js';
import { appHarness } from '../testing/app-harness.js';
import { tempRoot } from '../testing/temp-root.js';
import { fixtureById } from './fixtures/definitions.js';
import { writeFixtureTree } from './fixtures/fixture-tree.js';

const t = translator('en');
const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

/** An app that only makes sense with a SATA port, as the storage tools will be. */
const sataTool = defineApp({
  id: 'sata-test',
  category: 'tools',
  kind: 'action',
  needs: ['sata'],
  params: Type.Object({ dry: param.boolean({ default: true }) }),
  async status() {
    return { active: null, values: {} };
  },
  async run() {},
});

/** The real apps (and the SATA tool) on a temporary root holding a board fixture's files. */
function boxOn(fixtureId: string, apps: readonly AnyAppDefinition[] = [...allApps, sataTool]) {
  const fixture = fixtureById(fixtureId)!;
  const root = tempRoot();
  writeFixtureTree(fixture, root);
  const box = appHarness({ root, apps, board: { arch: fixture.arch } });
  closers.push(() => box.appliance.close());
  return box;
}

const values = (detail: { params: Array<{ id: string; value?: unknown }> }) => Object.fromEntries(detail.params.map((p) => [p.id, p.value]));

describe('board-driven apps', () => {
  it('explains an app that needs SATA on a board without, and offers it where there is one', async () => {
    const pi = boxOn('raspberrypi-4b');
    const onPi = (await pi.appliance.apps.list(t)).find((a) => a.id === 'sata-test');
    expect(onPi).toMatchObject({ available: false, unavailableReason: 'This board (Raspberry Pi 4 Model B) has no SATA port.' });
    await expect(pi.appliance.apps.start('sata-test', {}, { startedBy: 'cli:test', language: 'en' })).rejects.toMatchObject({ code: 'HEARTH_ERR_APP_UNAVAILABLE' });

    const banana = boxOn('bananapi-m1');
    expect((await banana.appliance.apps.list(t)).find((a) => a.id === 'sata-test')).toMatchObject({ available: true });
    // A generic profile knows no facts: it hides nothing.
    const unknown = boxOn('unknown-arm64-board');
    expect((await unknown.appliance.apps.list(t)).find((a) => a.id === 'sata-test')).toMatchObject({ available: true });
  });

  it('hides what the profile says makes no sense (zram under Armbian, which runs its own)', async () => {
    const box = boxOn('generic-armbian');
    expect((await box.appliance.apps.list(t)).find((a) => a.id === 'zram')).toMatchObject({ available: false, unavailableReason: 'Not offered on this board (Armbian board).' });
  });

  it("starts the forms from the board's recommendations until the owner saves", async () => {
    const pi = boxOn('raspberrypi-4b');
    // Raspberry Pi 4: zram on a quarter of RAM; no swap file on the SD card.
    expect(values(await pi.appliance.apps.detail('zram', t))).toMatchObject({ percentOfRam: 25, algorithm: 'zstd' });
    const banana = boxOn('bananapi-m1');
    expect(values(await banana.appliance.apps.detail('zram', t))).toMatchObject({ percentOfRam: 50, algorithm: 'lz4' });

    await pi.run('zram', { enabled: true, percentOfRam: 60, algorithm: 'lzo-rle' });
    expect(values(await pi.appliance.apps.detail('zram', t))).toMatchObject({ percentOfRam: 60, algorithm: 'lzo-rle' });
  });

  it("the system's real state wins over a recommendation", async () => {
    const pi = boxOn('raspberrypi-4b');
    await pi.appliance.system.writeFile(pi.appliance.paths.systemFile('etc/default/zramswap'), 'ALGO=lz4\nPERCENT=40\n');
    expect(values(await pi.appliance.apps.detail('zram', t))).toMatchObject({ percentOfRam: 40, algorithm: 'lz4' });
  });
});
