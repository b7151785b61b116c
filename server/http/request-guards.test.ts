import { describe, expect, it } from 'vitest';
import { goodPassword, ownOrigin, testServer } from '../testing/test-server.js';

describe('request guards', () => {
  it('refuses clients outside the LAN with 403, on every path', async () => {
    const server = await testServer();
    for (const url of ['/api/health', '/api/activation', '/', '/login']) {
      const response = await server.get(url, { ip: '8.8.8.8' });
      expect(response.statusCode, url).toBe(403);
      expect(response.json().code).toBe('HEARTH_ERR_NOT_LAN');
    }
  });

  it('ignores X-Forwarded-For unless the peer is a trusted proxy', async () => {
    const untrusting = await testServer();
    const spoofed = await untrusting.get('/api/health', { ip: '8.8.8.8', headers: { 'x-forwarded-for': '192.168.1.5' } });
    expect(spoofed.statusCode).toBe(403);
    const lanPeerClaimingWan = await untrusting.get('/api/health', { headers: { 'x-forwarded-for': '8.8.8.8' } });
    expect(lanPeerClaimingWan.statusCode).toBe(200);

    const trusting = await testServer({ configure: (s) => s.set('access.trustedProxies', ['192.168.1.2']) });
    expect((await trusting.get('/api/health', { ip: '192.168.1.2', headers: { 'x-forwarded-for': '8.8.8.8' } })).statusCode).toBe(403);
    expect((await trusting.get('/api/health', { ip: '192.168.1.2', headers: { 'x-forwarded-for': '10.0.0.3' } })).statusCode).toBe(200);
  });

  it('refuses Host names that are not the box (DNS rebinding)', async () => {
    const server = await testServer();
    const hostname = await server.appliance.system.hostname();
    const evil = await server.get('/api/health', { headers: { host: 'evil.example' } });
    expect(evil.statusCode).toBe(421);
    expect(evil.json()).toMatchObject({ code: 'HEARTH_ERR_HOST_NOT_ALLOWED', params: { host: 'evil.example' } });
    for (const host of ['192.168.1.1:4443', `${hostname}.local:4443`, hostname, 'localhost', '[fd00::1]:4443']) {
      expect((await server.get('/api/health', { headers: { host } })).statusCode, host).toBe(200);
    }
  });

  it('refuses state changes that do not come from the panel (CSRF)', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const attempts: Array<Record<string, string>> = [
      { origin: '' },
      { origin: 'null' },
      { origin: 'http://evil.example' },
      { origin: 'https://localhost:80' },
      { origin: ownOrigin, 'sec-fetch-site': 'cross-site' },
    ];
    for (const headers of attempts) {
      const logout = await server.app.inject({ method: 'POST', url: '/api/auth/logout', remoteAddress: '192.168.1.10', headers: { cookie, ...headers } });
      expect(logout.statusCode, JSON.stringify(headers)).toBe(403);
      expect(logout.json().code).toBe('HEARTH_ERR_CSRF');
      const login = await server.app.inject({ method: 'POST', url: '/api/auth/login', remoteAddress: '192.168.1.10', headers, payload: { username: 'admin', password: goodPassword } });
      expect(login.statusCode).toBe(403);
    }
    // The session is still alive: none of those requests did anything.
    expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(200);
  });

  it('sends security headers and a strict Content-Security-Policy', async () => {
    const server = await testServer();
    const response = await server.get('/api/health');
    const csp = String(response.headers['content-security-policy']);
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-frame-options']).toBe('DENY');
    expect(response.headers['referrer-policy']).toBe('no-referrer');
    expect(response.headers['cache-control']).toBe('no-store');
    expect(response.headers['strict-transport-security']).toBeUndefined();
  });

  it('answers unknown API paths with a translated 404', async () => {
    const server = await testServer();
    const response = await server.get('/api/nothing-here', { headers: { 'accept-language': 'zh-CN' } });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toEqual({ code: 'HEARTH_ERR_NOT_FOUND', message: '未找到。' });
  });
});
