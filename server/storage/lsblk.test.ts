import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { lsblkArgv, parseLsblk } from './lsblk.js';

const fixtures = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const fixture = (name: string) => readFileSync(path.join(fixtures, name), 'utf8');

function refusal(json: string): string | undefined {
  try {
    parseLsblk(json);
  } catch (error) {
    if (error instanceof HearthError && error.code === 'HEARTH_ERR_STORAGE_LIST_UNREADABLE') return String(error.params.reason);
    throw error;
  }
  return undefined;
}

describe('lsblk output', () => {
  it('reads what lsblk printed on the test VM: a virtio disk holding / and an unused zram device', () => {
    const nodes = parseLsblk(fixture('vm-virtio.lsblk.json'));
    expect(nodes.map((n) => [n.name, n.type, n.size, n.mountpoints])).toEqual([
      ['zram0', 'disk', 0, [null]],
      ['vda', 'disk', 274877906944, ['/']],
    ]);
    // No udev on that VM: lsblk cannot say the file system type there.
    expect(nodes[1]).toMatchObject({ fstype: null, 'maj:min': '254:0', vendor: '0x1af4', rm: false, hotplug: false, fssize: 270553174016 });
  });

  it('reads a loop device with a mounted partition and another without partitions (captured with losetup)', () => {
    const nodes = parseLsblk(fixture('vm-loop-devices.lsblk.json'));
    const loop0 = nodes.find((n) => n.name === 'loop0')!;
    expect(loop0.type).toBe('loop');
    expect(loop0.children?.map((c) => [c.name, c.type, c.pkname, c.mountpoints, c.fsavail])).toEqual([['loop0p1', 'part', 'loop0', ['/tmp/capmnt'], 225784832]]);
    expect(nodes.find((n) => n.name === 'loop1')?.children).toBeUndefined();
  });

  it('reads the lsblk of this machine, asked with the very columns Hearth uses', () => {
    const nodes = parseLsblk(execFileSync(lsblkArgv[0], lsblkArgv.slice(1), { encoding: 'utf8' }));
    expect(nodes.length).toBeGreaterThan(0);
    for (const node of nodes) expect(node.path).toBe(`/dev/${node.kname}`);
  });

  it('refuses output it does not understand, saying where', () => {
    expect(refusal('not json')).toBe('json');
    expect(refusal('{}')).toBe('/blockdevices');
    const good = JSON.parse(fixture('vm-loop-devices.lsblk.json'));
    // util-linux before 2.33 printed numbers and booleans as strings.
    const oldStyle = structuredClone(good);
    oldStyle.blockdevices[0].size = '268435456';
    expect(refusal(JSON.stringify(oldStyle))).toBe('/blockdevices/0/size');
    const badChild = structuredClone(good);
    badChild.blockdevices[0].children[0].rm = '0';
    expect(refusal(JSON.stringify(badChild))).toBe('/blockdevices/0/children/0/rm');
    const missing = structuredClone(good);
    delete missing.blockdevices[1].mountpoints;
    expect(refusal(JSON.stringify(missing))).toBe('/blockdevices/1');
    const relative = structuredClone(good);
    relative.blockdevices[1].path = 'loop1';
    expect(refusal(JSON.stringify(relative))).toBe('/blockdevices/1/path');
  });
});
