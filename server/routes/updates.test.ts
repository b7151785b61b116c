import { readlinkSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { appVersion } from '../paths.js';
import { tempRoot } from '../testing/temp-root.js';
import { testServer } from '../testing/test-server.js';
import { installAs, testChannel, type PublishedRelease, type TestChannel } from '../updates/testing/test-channel.js';

const channels: TestChannel[] = [];
afterEach(async () => {
  for (const channel of channels.splice(0)) await channel.close();
});

const newer = appVersion.replace(/^(\d+)\.(\d+)\.(\d+)$/, (_m, a: string, b: string) => `${a}.${Number(b) + 1}.0`);
const chinese = { 'accept-language': 'zh-CN,zh;q=0.9' };

/** A panel session on a box following a signed channel on loopback; installed in the release layout unless told. */
async function serverWith(releases: readonly PublishedRelease[], options: { installed?: boolean } = {}) {
  const root = tempRoot();
  const channel = await testChannel(root, tempRoot());
  channels.push(channel);
  await channel.publish(releases);
  if (options.installed !== false) installAs(root, appVersion);
  const server = await testServer({ root });
  const cookie = await server.activate();
  const saved = await server.post('/api/apps/updates/run', { params: { channel: 'custom', customChannelUrl: channel.url } }, { cookie });
  expect(saved.statusCode).toBe(202);
  await server.appliance.runner.idle();
  return { root, server, cookie, channel };
}

describe('updates API', () => {
  it('shows the running version, then after a check what is available and what is held back and why, in the request’s language', async () => {
    const { server, cookie } = await serverWith([{ version: newer, hoursOld: 2, notes: { en: 'Faster backups.', 'zh-CN': '备份更快。' } }]);
    const before = (await server.get('/api/updates', { cookie })).json();
    expect(before).toMatchObject({ current: appVersion, installed: true, autoUpdate: true, lastCheck: null, lastRun: null, blocker: null, paused: null, history: [] });
    expect(before.channel).toMatchObject({ kind: 'custom' });
    expect(before.snapshotFirst).toBe(true);

    const checked = await server.post('/api/updates/check', {}, { cookie });
    expect(checked.statusCode).toBe(200);
    expect(checked.json().lastCheck).toMatchObject({
      error: null,
      available: { version: newer, notes: 'Faster backups.', intermediate: false, bad: false },
      unattended: { version: null, heldBack: [{ version: newer, reason: 'soak', message: expect.stringMatching(/^Hearth .* is held back for its soak time: installed automatically from \d{4}-/) }] },
    });
    const zh = (await server.get('/api/updates', { cookie, headers: chinese })).json();
    expect(zh.lastCheck.available.notes).toBe('备份更快。');
    expect(zh.lastCheck.unattended.heldBack[0].message).toContain('观察期');
  });

  it('says honestly when the channel has no release server yet', async () => {
    const { server, cookie } = await serverWith([]);
    await server.post('/api/apps/updates/run', { params: { channel: 'stable' } }, { cookie });
    await server.appliance.runner.idle();
    const checked = (await server.post('/api/updates/check', {}, { cookie })).json();
    expect(checked.lastCheck).toMatchObject({ available: null, reason: null, error: { code: 'HEARTH_ERR_UPDATE_NO_CHANNEL', message: expect.stringContaining('no release server') } });
    expect(checked.channel).toEqual({ kind: 'stable', url: null });
  });

  it('starts the owner’s update as a job, refusing bad input and a box that is not installed', async () => {
    const { root, server, cookie } = await serverWith([{ version: newer, hoursOld: 1 }]);
    for (const body of [{ version: '../../etc' }, { allowBreaking: 'yes' }, { channel: 'file:///tmp/other.json' }]) {
      const refused = await server.post('/api/updates/start', body, { cookie });
      expect(refused.statusCode, JSON.stringify(body)).toBe(400);
      expect(refused.json().code).toBe('HEARTH_ERR_VALIDATION');
    }
    const started = await server.post('/api/updates/start', {}, { cookie });
    expect(started.statusCode).toBe(202);
    expect(started.json().job).toMatchObject({ appId: 'updates', action: 'update', status: 'running', startedBy: 'panel:admin' });
    await server.appliance.runner.idle();
    expect(readlinkSync(path.join(root, 'opt/hearth/current'))).toBe(`releases/${newer}`);
    expect(server.appliance.jobs.get(started.json().job.id)).toMatchObject({ status: 'succeeded' });

    const { server: demo, cookie: demoCookie } = await serverWith([{ version: newer, hoursOld: 1 }], { installed: false });
    const refused = await demo.post('/api/updates/start', {}, { cookie: demoCookie, headers: chinese });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ code: 'HEARTH_ERR_UPDATE_NOT_INSTALLED' });
    expect(demo.appliance.jobs.recent(10, 'updates').filter((job) => job.action === 'update')).toEqual([]);
  }, 30_000);

  it('reports a rollback with its reason and the captured log, and resumes after the owner acknowledges it', async () => {
    const { server, cookie } = await serverWith([]);
    await server.appliance.updates.journal.record({
      id: 'a1b2c3d4e5f60718',
      from: appVersion,
      to: newer,
      result: 'rolled-back',
      phase: 'health',
      error: { code: 'HEARTH_ERR_UPDATE_START_FAILED', params: { version: newer, starts: 3 } },
      detail: null,
      log: 'Error: Cannot find module ./missing.js\n    at start (dist/server/main.js:12:3)',
      snapshotId: '20261128-031500',
      startedAt: '2026-11-28T03:15:00.000Z',
      endedAt: '2026-11-28T03:18:00.000Z',
      notified: true,
    });
    const shown = (await server.get('/api/updates', { cookie })).json();
    expect(shown.paused).toEqual({ version: newer, at: '2026-11-28T03:18:00.000Z' });
    expect(shown.blocker).toMatchObject({ reason: 'paused-after-failure', message: expect.stringContaining(`Hearth ${newer} failed`) });
    expect(shown.history).toEqual([
      expect.objectContaining({
        result: 'rolled-back',
        phase: 'health',
        phaseText: 'first start and health check',
        error: { code: 'HEARTH_ERR_UPDATE_START_FAILED', message: `Hearth ${newer} did not start (3 attempts).` },
        log: expect.stringContaining('Cannot find module'),
      }),
    ]);
    const zh = (await server.get('/api/updates', { cookie, headers: chinese })).json();
    expect(zh.history[0].phaseText).not.toBe('first start and health check');

    const acknowledged = await server.post('/api/updates/acknowledge', {}, { cookie });
    expect(acknowledged.statusCode).toBe(200);
    expect(acknowledged.json()).toEqual({ acknowledged: { version: newer, at: '2026-11-28T03:18:00.000Z' } });
    expect((await server.get('/api/updates', { cookie })).json()).toMatchObject({ paused: null, blocker: null });
    expect((await server.post('/api/updates/acknowledge', {}, { cookie })).json()).toEqual({ acknowledged: null });
  });
});
