import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { createSettingsStore } from '../store/settings.js';
import { resolvePaths } from '../paths.js';
import { tempRoot } from '../testing/temp-root.js';
import { fetchRemembered } from './manifest-serials.js';
import { manifest, release, testKey, writeManifest } from './testing/fixtures.js';

describe('manifest serials', () => {
  it('remembers the highest serial per channel and refuses an older signed manifest served again', async () => {
    const root = tempRoot();
    const settings = createSettingsStore(openDatabase(resolvePaths(root).database));
    const key = testKey();
    const dir = path.join(root, 'channel');
    mkdirSync(dir, { recursive: true });
    const publish = async (serial: number) => writeManifest(dir, manifest([release('1.1.0')], { serial }), [key.privateKey]);

    const url = new URL(`file://${await publish(5)}`).href;
    expect((await fetchRemembered(settings, url, { keys: [key.trusted] })).manifest.serial).toBe(5);
    expect(settings.get('updates.manifestSerials')).toEqual({ [url]: 5 });

    await publish(7);
    await fetchRemembered(settings, url, { keys: [key.trusted] });
    expect(settings.get('updates.manifestSerials')[url]).toBe(7);

    // The old manifest again (validly signed): a replay.
    await publish(6);
    await expect(fetchRemembered(settings, url, { keys: [key.trusted] })).rejects.toMatchObject({ code: 'HEARTH_ERR_RELEASE_MANIFEST_REPLAYED', params: { serial: 6, seen: 7 } });
    expect(settings.get('updates.manifestSerials')[url]).toBe(7);

    // Another channel has its own serials.
    const other = path.join(root, 'beta');
    mkdirSync(other);
    const betaUrl = new URL(`file://${await writeManifest(other, manifest([release('1.2.0')], { serial: 2 }), [key.privateKey])}`).href;
    expect((await fetchRemembered(settings, betaUrl, { keys: [key.trusted] })).manifest.serial).toBe(2);
    expect(settings.get('updates.manifestSerials')).toEqual({ [url]: 7, [betaUrl]: 2 });
  });
});
