import { describe, expect, it } from 'vitest';
import { testServer } from '../testing/test-server.js';

/** The routes anyone on the LAN may call without a session. Everything else needs one. */
const publicRoutes = new Set(['GET /api/health', 'GET /api/activation', 'GET /api/activation/passphrase', 'POST /api/activation', 'POST /api/auth/login']);

describe('OpenAPI document', () => {
  it('is generated from the route schemas and needs a session', async () => {
    const server = await testServer();
    expect((await server.get('/api/openapi.json')).statusCode).toBe(401);
    const cookie = await server.activate();
    const doc = (await server.get('/api/openapi.json', { cookie })).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.paths['/api/system/info'].get.responses['200']).toBeDefined();
  });

  it('proves every route but the public ones refuses a request without a session', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const doc = (await server.get('/api/openapi.json', { cookie })).json();
    const routes: string[] = [];
    for (const [path, operations] of Object.entries(doc.paths as Record<string, Record<string, unknown>>)) {
      for (const method of Object.keys(operations)) routes.push(`${method.toUpperCase()} ${path}`);
    }
    expect(routes.length).toBeGreaterThanOrEqual(8);
    expect(routes).toEqual(expect.arrayContaining([...publicRoutes]));

    for (const route of routes) {
      const [method, path] = route.split(' ') as ['GET' | 'POST', string];
      const url = path.replace(/\{[^}]+\}/g, 'x');
      const response = await server.app.inject({
        method,
        url,
        remoteAddress: '192.168.1.10',
        headers: method === 'GET' ? {} : { origin: 'http://localhost:80', 'content-type': 'application/json' },
        ...(method === 'GET' ? {} : { payload: '{}' }),
      });
      if (publicRoutes.has(route)) {
        expect(response.statusCode, route).not.toBe(401);
        expect((doc.paths[path][method.toLowerCase()] as { security?: unknown[] }).security, route).toEqual([]);
      } else {
        expect(response.statusCode, route).toBe(401);
        expect(response.json().code, route).toBe('HEARTH_ERR_UNAUTHENTICATED');
      }
    }
  });
});
