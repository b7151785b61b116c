import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildApp } from '../app.js';
import { testAppliance, tempRoot } from '../testing/temp-root.js';
import type { FastifyInstance } from 'fastify';

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
});

async function servePanel() {
  const dir = path.join(tempRoot(), 'dist');
  mkdirSync(path.join(dir, 'assets'), { recursive: true });
  writeFileSync(path.join(dir, 'index.html'), '<!doctype html><title>panel</title>');
  writeFileSync(path.join(dir, 'assets/index-abc123.js'), 'console.log(1)');
  writeFileSync(path.join(dir, 'favicon.svg'), '<svg/>');
  writeFileSync(path.join(dir, '.secret'), 'not served');
  app = await buildApp(testAppliance(), { panelDir: dir });
  return (url: string) => app!.inject({ method: 'GET', url, remoteAddress: '192.168.1.10' });
}

describe('serving the panel', () => {
  it('answers the address the owner types, and every client-side page, with index.html', async () => {
    const get = await servePanel();
    for (const url of ['/', '/activate', '/settings', '/deep/link?x=1', '/assets/']) {
      const response = await get(url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toContain('<title>panel</title>');
      expect(response.headers['cache-control'], url).toBe('no-cache');
    }
  });

  it('caches hashed assets for a year, other files not', async () => {
    const get = await servePanel();
    const asset = await get('/assets/index-abc123.js');
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect((await get('/favicon.svg')).headers['cache-control']).toBe('no-cache');
  });

  it('never serves files outside the build or hidden ones', async () => {
    const get = await servePanel();
    for (const url of ['/../package.json', '/%2e%2e/%2e%2e/package.json', '/assets/../../package.json', '/.secret']) {
      const response = await get(url);
      expect(response.body, url).not.toContain('"name": "hearth"');
      expect(response.body, url).not.toContain('not served');
    }
  });

  it('keeps /api misses as JSON errors', async () => {
    const get = await servePanel();
    const response = await get('/api/nothing');
    expect(response.statusCode).toBe(404);
    expect(response.json().code).toBe('HEARTH_ERR_NOT_FOUND');
  });
});
