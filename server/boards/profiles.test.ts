import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { hasTranslation } from '../i18n.js';
import { tempRoot } from '../testing/temp-root.js';
import { boardsDir, loadProfiles } from './profiles.js';

const schemaFile = path.join(boardsDir, 'schema.json');

/** A profiles directory holding the Raspberry Pi 4 profile and whatever the test adds. */
function profilesWith(files: Record<string, string>): string {
  const dir = tempRoot();
  copyFileSync(path.join(boardsDir, 'raspberrypi-4b.json'), path.join(dir, 'raspberrypi-4b.json'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  return dir;
}

const pi4 = () => JSON.parse(readFileSync(path.join(boardsDir, 'raspberrypi-4b.json'), 'utf8'));
const variant = (id: string, change: (p: Record<string, unknown>) => void) => {
  const profile = { ...pi4(), id };
  change(profile);
  return JSON.stringify(profile);
};

describe('board profiles', () => {
  it('every shipped profile is valid, with quirks translated in every language', async () => {
    const { profiles, problems } = await loadProfiles();
    expect(problems).toEqual([]);
    expect(profiles.length).toBe(15);
    for (const profile of profiles) {
      for (const quirk of profile.quirks) expect(hasTranslation(`boards:quirks.${quirk}`), `${profile.id}: boards:quirks.${quirk}`).toBe(true);
    }
  });

  it.each([
    ['bad JSON', 'broken.json', '{ "id": "broken", ', '', /^not valid JSON/],
    ['a missing field', 'no-soc.json', variant('no-soc', (p) => delete p.soc), '/soc', /missing required field soc/],
    ['a wrong type', 'bad-usb.json', variant('bad-usb', (p) => (p.usb3Ports = 'two')), '/usb3Ports', /integer|null/],
    ['a wrong type deep inside', 'bad-thermal.json', variant('bad-thermal', (p) => ((p.thermal as Record<string, unknown>).warnCelsius = '80')), '/thermal/warnCelsius', /number/],
    ['an unknown field', 'extra.json', variant('extra', (p) => (p.colour = 'red')), '/colour', /unknown field/],
    ['an id that is not the file name', 'other-name.json', variant('something-else', () => {}), '/id', /does not match the file name/],
    ['a profile no rule can choose', 'no-rules.json', variant('no-rules', (p) => (p.detection = {})), '/detection', /no detection rule/],
    ['a RAM range upside down', 'ram.json', variant('ram', (p) => (p.ram = { minMiB: 4096, maxMiB: 1024 })), '/ram/minMiB', /larger/],
  ])('%s is reported with the file and the field, and skipped', async (_case, file, text, field, message) => {
    const { profiles, problems } = await loadProfiles(profilesWith({ [file]: text }), schemaFile);
    expect(profiles.map((p) => p.id)).toEqual(['raspberrypi-4b']);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({ file, field });
    expect(problems[0]!.message).toMatch(message);
  });
});
