import { readFileSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { resolvePaths } from '../paths.js';
import { seedSandboxRoot } from '../system/sandbox-seed.js';
import { tempRoot, testAppliance } from '../testing/temp-root.js';

const closers: Array<() => void> = [];
afterEach(() => {
  for (const close of closers.splice(0)) close();
});

describe('the sandbox demo board', () => {
  it('seeds a Raspberry Pi 4 into the demo root once, and the appliance takes it for one', async () => {
    const root = tempRoot();
    const paths = resolvePaths(root);
    await seedSandboxRoot(paths);
    expect(readFileSync(paths.systemFile('proc/device-tree/model'), 'latin1')).toBe('Raspberry Pi 4 Model B Rev 1.4\0');

    const appliance = testAppliance({ root });
    closers.push(() => appliance.close());
    const detection = await appliance.board.detect();
    // The demo pretends to be arm64 whatever the development machine is: no architecture warning.
    expect(detection).toMatchObject({ profile: { id: 'raspberrypi-4b' }, facts: { arch: 'arm64' }, warnings: [] });
    expect((await appliance.board.temperature()).celsius).toBe(48.686);

    // A second start keeps what the owner changed by hand.
    writeFileSync(paths.systemFile('sys/class/thermal/thermal_zone0/temp'), '83000\n');
    await seedSandboxRoot(paths);
    expect(readFileSync(paths.systemFile('sys/class/thermal/thermal_zone0/temp'), 'utf8')).toBe('83000\n');
  });
});
