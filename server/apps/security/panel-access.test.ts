import { describe, expect, it } from 'vitest';
import { manualClock } from '../../testing/temp-root.js';
import { appHarness } from '../../testing/app-harness.js';
import { goodPassword, testServer } from '../../testing/test-server.js';
import { Type } from 'typebox';
import { HearthError } from '../../errors.js';
import { param } from '../params.js';
import { defineApp } from '../types.js';
import panelAccess from './panel-access.js';

describe('panel-access app', () => {
  it('sets the access and session settings, and reads them back', async () => {
    const box = appHarness({ apps: [panelAccess] });
    const { job, log } = await box.run('panel-access', {
      allowedNetworks: '10.8.0.0/24\n\n 2001:db8::/32 ',
      allowedHostnames: 'NAS.example.home',
      trustedProxies: '192.168.1.2',
      httpsOnly: true,
      sessionIdleMinutes: 15,
      sessionLifetimeHours: 8,
    });
    expect(job.status).toBe('succeeded');
    const { settings } = box.appliance;
    expect(settings.get('access.allowedNetworks')).toEqual(['10.8.0.0/24', '2001:db8::/32']);
    expect(settings.get('access.allowedHostnames')).toEqual(['nas.example.home']);
    expect(settings.get('access.trustedProxies')).toEqual(['192.168.1.2']);
    expect(settings.get('access.httpsOnly')).toBe(true);
    expect(settings.get('sessions.idleTimeoutMinutes')).toBe(15);
    expect(settings.get('sessions.absoluteLifetimeHours')).toBe(8);
    expect(log).toContain('Confirm this change from the panel within 60 seconds, or it will be undone by itself.');
    expect(settings.get('watchdog.pending')).toMatchObject({ appId: 'panel-access', previous: { allowedNetworks: '', httpsOnly: false } });
    expect(await box.programs()).toEqual([]);
  });

  it('needs no confirmation when only session lifetimes change', async () => {
    const box = appHarness({ apps: [panelAccess] });
    await box.run('panel-access', { sessionIdleMinutes: 20 });
    expect(box.appliance.settings.get('sessions.idleTimeoutMinutes')).toBe(20);
    expect(box.appliance.settings.get('watchdog.pending')).toBeNull();
  });

  it('refuses invalid lists and changes nothing', async () => {
    const box = appHarness({ apps: [panelAccess] });
    expect(await box.refused('panel-access', { allowedNetworks: '10.8.0.0/24\n10.0.0.0/33' })).toEqual([{ param: 'allowedNetworks', key: 'app-panel-access:errors.cidr' }]);
    expect(await box.refused('panel-access', { allowedNetworks: '0.0.0.0/0; rm -rf /' })).toEqual([{ param: 'allowedNetworks', key: 'app-panel-access:errors.cidr' }]);
    expect(await box.refused('panel-access', { allowedHostnames: 'evil..example' })).toEqual([{ param: 'allowedHostnames', key: 'app-panel-access:errors.hostname' }]);
    expect(await box.refused('panel-access', { trustedProxies: 'proxy.local' })).toEqual([{ param: 'trustedProxies', key: 'app-panel-access:errors.proxy' }]);
    expect(await box.refused('panel-access', { sessionIdleMinutes: 600, sessionLifetimeHours: 2 })).toEqual([{ param: 'sessionIdleMinutes', key: 'app-panel-access:errors.idleLongerThanLifetime' }]);
    expect(await box.refused('panel-access', { sessionIdleMinutes: 1 })).toEqual([{ param: 'sessionIdleMinutes', key: 'errors:fields.tooSmall' }]);
    expect(box.appliance.settings.get('access.allowedNetworks')).toEqual([]);
    expect(box.appliance.settings.get('watchdog.pending')).toBeNull();
  });
});

describe('watchdog', () => {
  it('reverts an unconfirmed change by itself after 60 seconds, through a job', async () => {
    const clock = manualClock();
    const box = appHarness({ apps: [panelAccess], now: clock.now });
    await box.run('panel-access', { allowedNetworks: '10.8.0.0/24', httpsOnly: true });
    const { watchdog, settings } = box.appliance;
    expect(watchdog.pending()).toMatchObject({ appId: 'panel-access', secondsLeft: 60 });
    clock.advance(59_000);
    expect(await watchdog.revertIfExpired()).toBe(false);
    expect(settings.get('access.httpsOnly')).toBe(true);
    clock.advance(1_000);
    expect(await watchdog.revertIfExpired()).toBe(true);
    expect(settings.get('access.allowedNetworks')).toEqual([]);
    expect(settings.get('access.httpsOnly')).toBe(false);
    expect(watchdog.pending()).toBeNull();
    const [revert] = box.appliance.jobs.recent(1);
    expect(revert).toMatchObject({ appId: 'panel-access', startedBy: 'watchdog', status: 'succeeded' });
  });

  it('goes back to the last confirmed state after two unconfirmed changes', async () => {
    const clock = manualClock();
    const box = appHarness({ apps: [panelAccess], now: clock.now });
    await box.run('panel-access', { allowedNetworks: '10.1.0.0/24' });
    await box.run('panel-access', { allowedNetworks: '10.2.0.0/24' });
    clock.advance(60_000);
    expect(await box.appliance.watchdog.revertIfExpired()).toBe(true);
    expect(box.appliance.settings.get('access.allowedNetworks')).toEqual([]);
  });

  it('tries a failed revert again a minute later, not every second', async () => {
    const clock = manualClock();
    const flaky = defineApp({
      id: 'flaky',
      category: 'security',
      kind: 'configure',
      params: Type.Object({ value: param.string({ default: 'old', maxLength: 10 }) }),
      confirmation: { seconds: 60, needed: () => true },
      async status() {
        return { active: null, values: {} };
      },
      async apply({ value }) {
        if (value === 'old') throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'flaky', code: 1 });
      },
    });
    const box = appHarness({ apps: [flaky], now: clock.now });
    await box.run('flaky', { value: 'new' });
    clock.advance(60_000);
    expect(await box.appliance.watchdog.revertIfExpired()).toBe(true);
    expect(box.appliance.watchdog.pending()).not.toBeNull();
    clock.advance(1_000);
    expect(await box.appliance.watchdog.revertIfExpired()).toBe(false);
    clock.advance(60_000);
    expect(await box.appliance.watchdog.revertIfExpired()).toBe(true);
    expect(box.appliance.jobs.recent(10).filter((job) => job.startedBy === 'watchdog').map((job) => job.status)).toEqual(['failed', 'failed']);
  });

  it('keeps a confirmed change', async () => {
    const clock = manualClock();
    const box = appHarness({ apps: [panelAccess], now: clock.now });
    await box.run('panel-access', { allowedNetworks: '10.8.0.0/24' });
    box.appliance.watchdog.confirm();
    clock.advance(120_000);
    expect(await box.appliance.watchdog.revertIfExpired()).toBe(false);
    expect(box.appliance.settings.get('access.allowedNetworks')).toEqual(['10.8.0.0/24']);
    expect(() => box.appliance.watchdog.confirm()).toThrow(/HEARTH_ERR_NOTHING_TO_CONFIRM/);
  });

  it('is confirmed over the API from the new setting, and the guards follow the change at once', async () => {
    const server = await testServer();
    const cookie = await server.activate(goodPassword);
    // Until now only the LAN may connect.
    expect((await server.get('/api/health', { ip: '203.0.113.9' })).statusCode).toBe(403);
    const started = await server.post('/api/apps/panel-access/run', { params: { allowedNetworks: '203.0.113.0/24' } }, { cookie });
    expect(started.statusCode).toBe(202);
    await server.appliance.runner.idle();
    expect((await server.get('/api/watchdog', { cookie })).json().pending).toMatchObject({ appId: 'panel-access', appName: 'Panel access' });
    // The new network reaches the panel without a restart, and confirms from there.
    expect((await server.get('/api/health', { ip: '203.0.113.9' })).statusCode).toBe(200);
    expect((await server.post('/api/watchdog/confirm', undefined, { cookie, ip: '203.0.113.9' })).statusCode).toBe(204);
    expect((await server.get('/api/watchdog', { cookie })).json()).toEqual({ pending: null });
    expect((await server.post('/api/watchdog/confirm', undefined, { cookie })).json().code).toBe('HEARTH_ERR_NOTHING_TO_CONFIRM');
  });
});
