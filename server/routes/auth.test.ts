import { describe, expect, it } from 'vitest';
import { manualClock } from '../testing/temp-root.js';
import { goodPassword, sessionCookie, testServer } from '../testing/test-server.js';

describe('login and sessions', () => {
  it('refuses login before activation', async () => {
    const server = await testServer();
    const response = await server.login();
    expect(response.statusCode).toBe(409);
    expect(response.json().code).toBe('HEARTH_ERR_NOT_ACTIVATED');
  });

  it('logs in with a new session id every time, and the old one stops working', async () => {
    const server = await testServer();
    const activationCookie = await server.activate();
    const first = await server.login(goodPassword, { cookie: activationCookie });
    expect(first.statusCode).toBe(200);
    const firstCookie = sessionCookie(first)!;
    expect(firstCookie).not.toBe(activationCookie);
    expect((await server.get('/api/auth/session', { cookie: activationCookie })).statusCode).toBe(401);
    expect((await server.get('/api/auth/session', { cookie: firstCookie })).json()).toMatchObject({ username: 'admin' });
    // The database holds only a hash of the id.
    const stored = server.appliance.db.prepare('SELECT id_hash FROM sessions').pluck().all() as string[];
    expect(stored.every((hash) => /^[0-9a-f]{64}$/.test(hash))).toBe(true);
    expect(stored).not.toContain(firstCookie.split('=')[1]);
  });

  it('logout ends the session on the server', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const logout = await server.post('/api/auth/logout', undefined, { cookie });
    expect(logout.statusCode).toBe(204);
    expect(logout.cookies.find((c) => c.name === 'hearth_session')?.value).toBe('');
    // Replaying the old cookie does not work.
    expect((await server.get('/api/system/info', { cookie })).statusCode).toBe(401);
    expect(server.appliance.audit.recent()[0]).toMatchObject({ event: 'logout' });
  });

  it('ends an idle session after the idle timeout', async () => {
    const clock = manualClock();
    const server = await testServer({ now: clock.now });
    const cookie = await server.activate();
    clock.advance(29 * 60_000);
    expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(200);
    clock.advance(29 * 60_000);
    expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(200);
    clock.advance(31 * 60_000);
    expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(401);
  });

  it("does not count the panel's own polling as activity", async () => {
    const clock = manualClock();
    const server = await testServer({ now: clock.now });
    const cookie = await server.activate();
    for (let minute = 0; minute < 31; minute += 5) {
      clock.advance(5 * 60_000);
      await server.get('/api/watchdog', { cookie, headers: { 'x-hearth-background': '1' } });
    }
    expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(401);
  });

  it('ends even a busy session at its absolute lifetime', async () => {
    const clock = manualClock();
    const server = await testServer({ now: clock.now });
    const cookie = await server.activate();
    for (let hour = 0; hour < 11; hour++) {
      clock.advance(20 * 60_000);
      expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(200);
      clock.advance(20 * 60_000);
      expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(200);
      clock.advance(20 * 60_000);
      expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(200);
    }
    clock.advance(60 * 60_000);
    expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(401);
  });

  it('backs off after five wrong passwords, says when to retry, and lets the owner in afterwards', async () => {
    const clock = manualClock();
    const server = await testServer({ now: clock.now });
    await server.activate();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await server.login('wrong password number ' + i)).statusCode);
    expect(statuses).toEqual([401, 401, 401, 401, 429]);
    const blocked = await server.login(goodPassword, { headers: { 'accept-language': 'zh-CN' } });
    expect(blocked.statusCode).toBe(429);
    expect(blocked.headers['retry-after']).toBe('30');
    expect(blocked.json()).toMatchObject({ code: 'HEARTH_ERR_THROTTLED', retryAfterSeconds: 30, message: '失败次数过多。请在 30 秒后重试。' });
    clock.advance(30_000);
    expect((await server.login()).statusCode).toBe(200);
    const events = server.appliance.audit.recent(20).map((r) => r.event);
    expect(events.filter((e) => e === 'login.failed')).toHaveLength(5);
    expect(events[0]).toBe('login.succeeded');
  });

  it('never blocks for more than 15 minutes', async () => {
    const clock = manualClock();
    const server = await testServer({ now: clock.now });
    await server.activate();
    for (let i = 0; i < 30; i++) {
      const response = await server.login('still wrong, attempt ' + i);
      if (response.statusCode === 429) {
        expect(response.json().retryAfterSeconds).toBeLessThanOrEqual(900);
        clock.advance(response.json().retryAfterSeconds * 1000);
      }
    }
    clock.advance(15 * 60_000);
    expect((await server.login()).statusCode).toBe(200);
  });

  it('does not let attackers elsewhere lock the owner out of the account', async () => {
    const clock = manualClock();
    const server = await testServer({ now: clock.now });
    await server.activate(); // from 192.168.1.10, which becomes a known address
    // Twenty attackers on the LAN, four guesses each: no single address is throttled.
    for (let attacker = 0; attacker < 20; attacker++) {
      for (let guess = 0; guess < 4; guess++) await server.login(`guess ${attacker}/${guess}`, { ip: `192.168.7.${attacker + 1}` });
    }
    const fresh = await server.login(goodPassword, { ip: '192.168.7.200' });
    expect(fresh.statusCode).toBe(429);
    expect(fresh.json().code).toBe('HEARTH_ERR_THROTTLED');
    // The owner's own machine is not affected by the account throttle.
    expect((await server.login(goodPassword)).statusCode).toBe(200);
  });

  it('gives unknown user names the same answer and no counter of their own', async () => {
    const server = await testServer();
    await server.activate();
    const response = await server.post('/api/auth/login', { username: 'root', password: 'whatever it is' });
    expect(response.statusCode).toBe(401);
    expect(response.json().code).toBe('HEARTH_ERR_LOGIN_FAILED');
    const subjects = server.appliance.db.prepare('SELECT scope, subject FROM auth_failures').all();
    expect(subjects).toEqual([{ scope: 'login-address', subject: '192.168.1.10' }]);
    expect(server.appliance.audit.recent()[0]!.line).toContain('login failed for user "root" from 192.168.1.10');
  });

  it('resets the password from SSH: new password works, sessions end, throttles lift', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    for (let i = 0; i < 5; i++) await server.login('wrong ' + i);
    expect((await server.login()).statusCode).toBe(429);
    const result = await server.appliance.owner.resetPassword('brand-new-owner-passphrase');
    expect(result).toEqual({ username: 'admin', sessionsEnded: 1 });
    expect((await server.get('/api/auth/session', { cookie })).statusCode).toBe(401);
    expect((await server.login()).statusCode).toBe(401);
    expect((await server.login('brand-new-owner-passphrase')).statusCode).toBe(200);
    expect(server.appliance.audit.recent(5).map((r) => r.line)).toEqual(expect.arrayContaining([expect.stringMatching(/password reset for user "admin" from local$/)]));
  });
});
