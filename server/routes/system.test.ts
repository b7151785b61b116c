import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { SystemInfo } from '../schemas/api.js';
import { BoardInfo } from '../schemas/board.js';
import { fixtureById } from '../boards/fixtures/definitions.js';
import { writeFixtureTree } from '../boards/fixtures/fixture-tree.js';
import { tempRoot } from '../testing/temp-root.js';
import { testServer } from '../testing/test-server.js';

describe('GET /api/system/info', () => {
  it('describes the real machine for the dashboard', async () => {
    const server = await testServer();
    mkdirSync(path.join(server.appliance.paths.root, 'etc'), { recursive: true });
    writeFileSync(path.join(server.appliance.paths.root, 'etc/hostname'), 'study-nas\n');
    const cookie = await server.activate();
    const response = await server.get('/api/system/info', { cookie, headers: { host: 'study-nas.local' } });
    expect(response.statusCode).toBe(200);
    const info = response.json();
    expect(Value.Check(SystemInfo, info)).toBe(true);
    expect(info).toMatchObject({ hostname: 'study-nas', mdnsName: 'study-nas.local', version: '0.1.0' });
    // An empty test root on this machine: the architecture's generic profile.
    expect(typeof info.board).toBe('string');
    expect(info.uptimeSeconds).toBeGreaterThan(0);
    expect(info.disk.path).toBe(server.appliance.paths.dataDir);
  });
});

describe('GET /api/board', () => {
  it('gives the detected board, translated for the request', async () => {
    const server = await testServer();
    const root = server.appliance.paths.root;
    writeFixtureTree(fixtureById('raspberrypi-5')!, root);
    await server.appliance.board.redetect();
    const cookie = await server.activate();
    const response = await server.get('/api/board', { cookie, headers: { 'accept-language': 'zh-CN' } });
    expect(response.statusCode).toBe(200);
    const board = response.json();
    expect(Value.Check(BoardInfo, board)).toBe(true);
    expect(board).toMatchObject({ id: 'raspberrypi-5', rule: { kind: 'compatible', label: '设备树 compatible 字符串' }, temperatureCelsius: 55.25 });
    expect(board.quirks[0].text).toContain('600 mA');
    const info = (await server.get('/api/system/info', { cookie })).json();
    expect(info).toMatchObject({ board: 'Raspberry Pi 5', cpuTemperatureCelsius: 55.25, cpuTemperatureWarnCelsius: 80 });
  });

  it('a broken board profile does not keep the daemon from starting', async () => {
    const profilesDir = tempRoot();
    writeFileSync(path.join(profilesDir, 'broken.json'), '{ not json');
    const server = await testServer({ board: { profilesDir, arch: 'arm64' } });
    const cookie = await server.activate();
    const response = await server.get('/api/board', { cookie });
    expect(response.statusCode).toBe(200);
    // Nothing usable in boards/: the built-in fallback answers.
    expect(response.json()).toMatchObject({ id: 'generic', rule: { kind: 'fallback' } });
  });

  it('needs a session', async () => {
    const server = await testServer();
    expect((await server.get('/api/board')).statusCode).toBe(401);
  });
});
