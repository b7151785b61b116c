import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolvePaths } from '../paths.js';
import { createSandboxSystem } from '../system/sandbox.js';
import { tempRoot } from '../testing/temp-root.js';
import { parseBoardInput, parseDeviceTreeList, parseDeviceTreeString } from './board-files.js';
import { createBoardService } from './board-service.js';
import { detectBoard } from './detect.js';
import { boardFixtures, fixtureById } from './fixtures/definitions.js';
import { writeFixtureTree } from './fixtures/fixture-tree.js';
import { decodePiRevision } from './pi-revision.js';
import { boardsDir, loadProfiles } from './profiles.js';
import type { MatchedRule } from './types.js';

/** A sandbox over a temporary root holding one fixture's files, and the board service on it. */
function boardOn(id: string, options: { arch?: string; profilesDir?: string } = {}) {
  const fixture = fixtureById(id);
  if (!fixture) throw new Error(`no fixture ${id}`);
  const root = tempRoot();
  writeFixtureTree(fixture, root);
  const system = createSandboxSystem(resolvePaths(root));
  return { root, system, board: createBoardService({ system, arch: options.arch ?? fixture.arch, ...(options.profilesDir ? { profilesDir: options.profilesDir } : {}) }) };
}

type Row = [fixture: string, profile: string, rule: MatchedRule['kind'], value: string, warnings: string[]];

// Every profile's fixture, and the odd ones: what detection must answer, which rule, which warnings.
const table: Row[] = [
  ['raspberrypi-3b', 'raspberrypi-3b', 'compatible', 'raspberrypi,3-model-b', []],
  ['raspberrypi-3b-plus', 'raspberrypi-3b-plus', 'compatible', 'raspberrypi,3-model-b-plus', []],
  ['raspberrypi-4b', 'raspberrypi-4b', 'compatible', 'raspberrypi,4-model-b', []],
  ['raspberrypi-5', 'raspberrypi-5', 'compatible', 'raspberrypi,5-model-b', []],
  ['raspberrypi-zero-2w', 'raspberrypi-zero-2w', 'compatible', 'raspberrypi,model-zero-2-w', []],
  ['pine64-rock64', 'pine64-rock64', 'compatible', 'pine64,rock64', []],
  ['bananapi-m1', 'bananapi-m1', 'compatible', 'lemaker,bananapi', []],
  ['bananapi-m2-ultra', 'bananapi-m2-ultra', 'compatible', 'sinovoip,bpi-m2-ultra', []],
  // Armbian's BOARD=odroidxu4 image runs on the HC1 too: the device tree tells them apart, without a warning.
  ['odroid-hc1', 'odroid-hc1', 'compatible', 'hardkernel,odroid-hc1', []],
  ['odroid-xu4', 'odroid-xu4', 'compatible', 'hardkernel,odroid-xu4', []],
  ['generic-armbian', 'generic-armbian', 'armbian', 'BOARD=orangepipc', ['boards:warnings.unknownBoard']],
  ['generic-arm64', 'generic-arm64', 'architecture', 'arm64', ['boards:warnings.unknownBoard']],
  ['generic-arm', 'generic-arm', 'architecture', 'arm', ['boards:warnings.unknownBoard']],
  ['generic-x86-64', 'generic-x86-64', 'architecture', 'x64', []],
  ['x86-64-qemu-dmi', 'generic-x86-64', 'architecture', 'x64', []],
  ['generic', 'generic', 'fallback', 'riscv64', ['boards:warnings.noBoardInfo']],
  // Same SoC as the ROCK64, different board: never matched by the SoC string.
  ['unknown-arm64-board', 'generic-arm64', 'architecture', 'arm64', ['boards:warnings.unknownBoard']],
  ['garbled-device-tree', 'generic-arm64', 'architecture', 'arm64', ['boards:warnings.garbledFile', 'boards:warnings.garbledFile', 'boards:warnings.noBoardInfo']],
  ['pi-revision-conflict', 'raspberrypi-4b', 'compatible', 'raspberrypi,4-model-b', ['boards:warnings.conflict']],
  ['pi-cpuinfo-only', 'raspberrypi-4b', 'piRevision', 'd03115', []],
  ['pi-bad-revision', 'raspberrypi-3b', 'model', 'Raspberry Pi 3 Model B Rev 1.2', ['boards:warnings.badRevision']],
];

describe('board detection on fixture trees', () => {
  it('covers every profile and every fixture', async () => {
    const { profiles } = await loadProfiles();
    expect(new Set(table.map((row) => row[1]))).toEqual(new Set(profiles.map((p) => p.id)));
    expect(table.map((row) => row[0]).sort()).toEqual(boardFixtures.map((f) => f.id).sort());
  });

  it.each(table)('%s → %s by %s', async (fixture, profile, kind, value, warnings) => {
    const { board } = boardOn(fixture);
    const result = await board.detect();
    expect(result.profile.id).toBe(profile);
    expect(result.rule.kind).toBe(kind);
    expect(result.rule.value).toBe(value);
    expect(result.warnings.map((w) => w.key)).toEqual(warnings);
  });

  it('reports the facts it read: model, revision, RAM, Armbian, DMI', async () => {
    const pi = await boardOn('raspberrypi-4b').board.detect();
    expect(pi.rule.file).toBe('/proc/device-tree/compatible');
    expect(pi.facts).toMatchObject({
      arch: 'arm64',
      model: 'Raspberry Pi 4 Model B Rev 1.4',
      compatible: ['raspberrypi,4-model-b', 'brcm,bcm2711'],
      piRevision: { code: 'c03114', newStyle: true, type: 0x11, typeName: '4B', memoryMiB: 4096, manufacturer: 'Sony UK', processor: 'BCM2711', boardRevision: '1.4' },
      nominalRamMiB: 4096,
      memTotalBytes: 3884360 * 1024,
    });
    const hc1 = await boardOn('odroid-hc1').board.detect();
    expect(hc1.facts.armbian).toEqual({ board: 'odroidxu4', boardName: 'Odroid XU4', boardFamily: 'odroidxu4', version: '24.5.1' });
    expect(hc1.facts.piRevision).toBeNull();
    const qemu = await boardOn('x86-64-qemu-dmi').board.detect();
    expect(qemu.facts.dmi).toEqual({ sysVendor: 'QEMU', productName: 'Standard PC (Q35 + ICH9, 2009)', boardName: null });
    expect(qemu.facts.model).toBe('Standard PC (Q35 + ICH9, 2009)');
  });

  it('warns when the system runs an architecture the board cannot, and when RAM does not fit the board', async () => {
    const wrongArch = await boardOn('raspberrypi-4b', { arch: 'x64' }).board.detect();
    expect(wrongArch.profile.id).toBe('raspberrypi-4b');
    expect(wrongArch.warnings).toEqual([{ key: 'boards:warnings.unexpectedArch', params: { board: 'Raspberry Pi 4 Model B', arch: 'x64' } }]);

    const { root, board } = boardOn('bananapi-m1');
    writeFileSync(path.join(root, 'proc/meminfo'), 'MemTotal:        8000000 kB\n');
    const tooMuch = await board.detect();
    expect(tooMuch.warnings.map((w) => w.key)).toEqual(['boards:warnings.ramOutOfRange']);
  });

  it('matches DMI values when a profile declares them (a new board in one file)', async () => {
    const profilesDir = tempRoot();
    for (const file of ['generic-x86-64.json', 'generic.json']) writeFileSync(path.join(profilesDir, file), readProfile(file));
    const qemu = JSON.parse(readProfile('generic-x86-64.json'));
    Object.assign(qemu, { id: 'qemu-q35', name: 'QEMU q35 PC', detection: { dmi: [{ sysVendor: 'QEMU', productName: 'Standard PC (Q35 + ICH9, 2009)' }] } });
    writeFileSync(path.join(profilesDir, 'qemu-q35.json'), JSON.stringify(qemu));
    const result = await boardOn('x86-64-qemu-dmi', { profilesDir }).board.detect();
    expect(result.profile.id).toBe('qemu-q35');
    expect(result.rule).toEqual({ kind: 'dmi', file: '/sys/class/dmi/id/product_name', value: 'Standard PC (Q35 + ICH9, 2009)' });
  });

  it('is cached: the files are read once, until asked again', async () => {
    const { root, board } = boardOn('raspberrypi-4b');
    expect((await board.detect()).profile.id).toBe('raspberrypi-4b');
    writeFileSync(path.join(root, 'proc/device-tree/compatible'), 'raspberrypi,5-model-b\0brcm,bcm2712\0');
    expect((await board.detect()).profile.id).toBe('raspberrypi-4b');
    expect((await board.redetect()).profile.id).toBe('raspberrypi-5');
  });

  it('reads the CPU temperature from the profile sensor, with the profile limits', async () => {
    const { root, board } = boardOn('raspberrypi-4b');
    expect(await board.temperature()).toEqual({ celsius: 48.686, sensor: '/sys/class/thermal/thermal_zone0/temp', warnCelsius: 80, throttleCelsius: 80, criticalCelsius: 85 });
    writeFileSync(path.join(root, 'sys/class/thermal/thermal_zone0/temp'), 'garbage\n');
    expect((await board.temperature()).celsius).toBeNull();
    expect(await boardOn('generic-x86-64').board.temperature()).toMatchObject({ celsius: null, sensor: null, warnCelsius: 85 });
  });

  it('a broken profile is skipped and reported; detection goes on with the others', async () => {
    const profilesDir = tempRoot();
    for (const file of ['raspberrypi-4b.json', 'generic-arm64.json', 'generic.json']) writeFileSync(path.join(profilesDir, file), readProfile(file));
    writeFileSync(path.join(profilesDir, 'raspberrypi-5.json'), readProfile('raspberrypi-5.json').replace('"usb3Ports": 2', '"usb3Ports": "two"'));
    writeFileSync(path.join(profilesDir, 'half-written.json'), '{ "id": "half-wr');
    const { board } = boardOn('raspberrypi-5', { profilesDir });
    expect((await board.profiles()).problems).toEqual([
      { file: 'half-written.json', field: '', message: expect.stringMatching(/^not valid JSON/) },
      { file: 'raspberrypi-5.json', field: '/usb3Ports', message: expect.stringMatching(/integer|null/) },
    ]);
    const result = await board.detect();
    expect(result.profile.id).toBe('generic-arm64');
    expect(result.warnings.map((w) => w.key)).toEqual(['boards:warnings.unknownBoard']);
  });

  it('a missing schema leaves detection on the built-in fallback, with the problem reported', async () => {
    const board = createBoardService({ system: boardOn('raspberrypi-4b').system, arch: 'arm64', schemaFile: path.join(tempRoot(), 'schema.json') });
    expect((await board.profiles()).problems).toEqual([{ file: 'schema.json', field: '', message: expect.stringContaining('ENOENT') }]);
    expect((await board.detect()).profile.id).toBe('generic');
  });

  it('falls back to the built-in generic profile when boards/ is empty', async () => {
    const result = await boardOn('raspberrypi-4b', { profilesDir: tempRoot() }).board.detect();
    expect(result.profile.id).toBe('generic');
    expect(result.rule.kind).toBe('fallback');
  });
});

describe('device-tree and revision parsing', () => {
  it('takes a NUL-terminated string and list, refuses what is not', () => {
    expect(parseDeviceTreeString('Pine64 Rock64\0')).toBe('Pine64 Rock64');
    expect(parseDeviceTreeString('Pine64 Rock64')).toBeUndefined();
    expect(parseDeviceTreeString('Pine\u000164\0')).toBeUndefined();
    expect(parseDeviceTreeList('a,b\0c,d\0')).toEqual(['a,b', 'c,d']);
    expect(parseDeviceTreeList('a,b\0\0')).toBeUndefined();
    expect(parseDeviceTreeList('a,b')).toBeUndefined();
    expect(parseDeviceTreeList('')).toEqual([]);
  });

  it('decodes new-style revision codes bit by bit, and the old table', () => {
    expect(decodePiRevision('a22082')).toMatchObject({ type: 0x08, typeName: '3B', memoryMiB: 1024, manufacturer: 'Embest', processor: 'BCM2837', boardRevision: '1.2' });
    expect(decodePiRevision('902120')).toMatchObject({ type: 0x12, typeName: 'Zero 2 W', memoryMiB: 512 });
    expect(decodePiRevision('e04171')).toMatchObject({ type: 0x17, typeName: '5', memoryMiB: 16384, processor: 'BCM2712', boardRevision: '1.1' });
    // Warranty bit (25) set by overclocking: the fields read the same.
    expect(decodePiRevision('2a02082')).toMatchObject({ type: 0x08, memoryMiB: 1024 });
    expect(decodePiRevision('000e')).toEqual({ code: '000e', newStyle: false, typeName: 'B', memoryMiB: 512 });
    expect(decodePiRevision('0000')).toBeUndefined();
    expect(decodePiRevision('zz82')).toBeUndefined();
    expect(decodePiRevision('')).toBeUndefined();
  });

  it('ignores firmware placeholders in DMI and reports unreadable meminfo', () => {
    const input = parseBoardInput({ sysVendor: 'To Be Filled By O.E.M.\n', productName: 'Default string\n', meminfo: 'nonsense' });
    expect(input.dmi).toBeNull();
    expect(input.warnings).toEqual([{ key: 'boards:warnings.garbledFile', params: { file: '/proc/meminfo' } }]);
  });

  it('never lets a damaged file stop detection', async () => {
    const { profiles } = await loadProfiles();
    const result = detectBoard(profiles, parseBoardInput({ model: '\uFFFD\0', compatible: 'x', armbian: 'BOARD=\u0000', cpuinfo: '\u0001' }), 'arm');
    expect(result.profile.id).toBe('generic-arm');
    expect(result.warnings.map((w) => w.key)).toEqual(['boards:warnings.garbledFile', 'boards:warnings.garbledFile', 'boards:warnings.garbledFile', 'boards:warnings.garbledFile', 'boards:warnings.noBoardInfo']);
  });
});

function readProfile(file: string): string {
  return readFileSync(path.join(boardsDir, file), 'utf8');
}
