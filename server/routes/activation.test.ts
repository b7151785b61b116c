import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { goodPassword, sessionCookie, testServer } from '../testing/test-server.js';

describe('first-run activation', () => {
  it('says the box is not activated and proposes a strong passphrase', async () => {
    const server = await testServer();
    expect((await server.get('/api/activation')).json()).toEqual({ activated: false, clientOnLan: true, signedIn: false });
    const first = (await server.get('/api/activation/passphrase')).json();
    const second = (await server.get('/api/activation/passphrase')).json();
    expect(first.passphrase.split('-')).toHaveLength(6);
    expect(first.passphrase).not.toBe(second.passphrase);
  });

  it('refuses a wrong setup code and changes nothing', async () => {
    const server = await testServer();
    await server.setupCode();
    const response = await server.post('/api/activation', { setupCode: 'AAAA-AAAA', password: goodPassword });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('HEARTH_ERR_SETUP_CODE_INVALID');
    expect(sessionCookie(response)).toBeUndefined();
    expect(server.appliance.owner.isActivated()).toBe(false);
    expect(server.appliance.audit.recent()[0]).toMatchObject({ event: 'setup-code.rejected', ip: '192.168.1.10' });
  });

  it('activates with the right code, logs the owner in, and voids the code', async () => {
    const server = await testServer();
    const code = await server.setupCode();
    expect(readFileSync(server.appliance.paths.setupCode, 'utf8').trim()).toBe(code);
    const response = await server.post('/api/activation', { setupCode: code.toLowerCase().replace('-', ' '), password: goodPassword });
    expect(response.statusCode).toBe(201);
    expect(response.json()).toMatchObject({ username: 'admin' });
    const cookie = response.cookies.find((c) => c.name === 'hearth_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy();
    expect(cookie.maxAge).toBeUndefined();
    expect(existsSync(server.appliance.paths.setupCode)).toBe(false);

    const session = await server.get('/api/auth/session', { cookie: sessionCookie(response) });
    expect(session.statusCode).toBe(200);
    expect((await server.get('/api/activation')).json()).toMatchObject({ activated: true, signedIn: false });
    expect((await server.get('/api/activation', { cookie: sessionCookie(response) })).json()).toMatchObject({ activated: true, signedIn: true });
  });

  it('answers 409 forever after activation, even with the old code', async () => {
    const server = await testServer();
    const code = await server.setupCode();
    await server.post('/api/activation', { setupCode: code, password: goodPassword });
    for (let i = 0; i < 3; i++) {
      const again = await server.post('/api/activation', { setupCode: code, password: 'another-good-passphrase-here' });
      expect(again.statusCode).toBe(409);
      expect(again.json().code).toBe('HEARTH_ERR_ALREADY_ACTIVATED');
    }
    expect((await server.get('/api/activation/passphrase')).statusCode).toBe(409);
    expect((await server.login('another-good-passphrase-here')).statusCode).toBe(401);
    expect((await server.login()).statusCode).toBe(200);
  });

  it('lets exactly one of two racing activations win', async () => {
    const server = await testServer();
    const code = await server.setupCode();
    const [a, b] = await Promise.all([
      server.post('/api/activation', { setupCode: code, password: 'first-racer-passphrase' }),
      server.post('/api/activation', { setupCode: code, password: 'second-racer-passphrase' }),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([201, 409]);
  });

  it('refuses weak passwords with the reason, keeping the code valid', async () => {
    const server = await testServer();
    const code = await server.setupCode();
    const short = await server.post('/api/activation', { setupCode: code, password: 'short' }, { headers: { 'accept-language': 'zh-CN' } });
    expect(short.statusCode).toBe(400);
    expect(short.json()).toMatchObject({ code: 'HEARTH_ERR_PASSWORD_TOO_SHORT', message: '密码至少需要 12 个字符。', params: { min: 12 } });
    const common = await server.post('/api/activation', { setupCode: code, password: 'password1234' });
    expect(common.json().code).toBe('HEARTH_ERR_PASSWORD_COMMON');
    expect(server.appliance.owner.isActivated()).toBe(false);
    expect((await server.post('/api/activation', { setupCode: code, password: goodPassword })).statusCode).toBe(201);
  });

  it('throttles wrong setup codes like logins', async () => {
    const server = await testServer();
    const code = await server.setupCode();
    const statuses = [];
    for (let i = 0; i < 5; i++) statuses.push((await server.post('/api/activation', { setupCode: 'WRNG-CODE', password: goodPassword })).statusCode);
    expect(statuses).toEqual([403, 403, 403, 403, 429]);
    const blocked = await server.post('/api/activation', { setupCode: code, password: goodPassword });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json()).toMatchObject({ code: 'HEARTH_ERR_THROTTLED', retryAfterSeconds: 30 });
    expect(blocked.headers['retry-after']).toBe('30');
    // Another address on the LAN is not affected.
    expect((await server.post('/api/activation', { setupCode: code, password: goodPassword }, { ip: '192.168.1.11' })).statusCode).toBe(201);
  });

  it('needs the LAN even when the allowlist opens the panel wider', async () => {
    const server = await testServer({ configure: (s) => s.set('access.allowedNetworks', ['203.0.113.0/24']) });
    const code = await server.setupCode();
    expect((await server.get('/api/activation', { ip: '203.0.113.5' })).json()).toEqual({ activated: false, clientOnLan: false, signedIn: false });
    const response = await server.post('/api/activation', { setupCode: code, password: goodPassword }, { ip: '203.0.113.5' });
    expect(response.statusCode).toBe(403);
    expect(response.json().code).toBe('HEARTH_ERR_ACTIVATION_NOT_LAN');
    expect(server.appliance.owner.isActivated()).toBe(false);
  });

  it('rejects malformed bodies with a translated validation error', async () => {
    const server = await testServer();
    const cases: Array<[unknown, number, string]> = [
      [{ setupCode: 'X' }, 400, 'HEARTH_ERR_VALIDATION'],
      [{ setupCode: 5, password: goodPassword }, 400, 'HEARTH_ERR_VALIDATION'],
      [{ setupCode: 'X', password: goodPassword, admin: true }, 400, 'HEARTH_ERR_VALIDATION'],
      [{ setupCode: 'X'.repeat(65), password: goodPassword }, 400, 'HEARTH_ERR_VALIDATION'],
    ];
    for (const [body, status, code] of cases) {
      const response = await server.post('/api/activation', body);
      expect(response.statusCode, JSON.stringify(body)).toBe(status);
      expect(response.json().code).toBe(code);
    }
    const raw = async (payload: string, contentType: string) =>
      server.app.inject({ method: 'POST', url: '/api/activation', remoteAddress: '192.168.1.10', headers: { origin: 'http://localhost:80', 'content-type': contentType }, payload });
    expect((await raw('[]', 'application/json')).json().code).toBe('HEARTH_ERR_VALIDATION');
    expect((await raw('{"setupCode": ', 'application/json')).json().code).toBe('HEARTH_ERR_VALIDATION');
    const form = await raw('setupCode=X&password=y', 'application/x-www-form-urlencoded');
    expect(form.statusCode).toBe(415);
    expect(form.json().code).toBe('HEARTH_ERR_UNSUPPORTED_MEDIA_TYPE');
    const huge = await raw(JSON.stringify({ setupCode: 'X', password: 'p'.repeat(100_000) }), 'application/json');
    expect(huge.statusCode).toBe(413);
    expect(server.appliance.owner.isActivated()).toBe(false);
  });
});
