import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Value } from 'typebox/value';
import { describe, expect, it } from 'vitest';
import { SystemInfo } from '../schemas/api.js';
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
    expect(info).toMatchObject({ hostname: 'study-nas', mdnsName: 'study-nas.local', version: '0.1.0', board: null });
    expect(info.uptimeSeconds).toBeGreaterThan(0);
    expect(info.disk.path).toBe(server.appliance.paths.dataDir);
  });
});
