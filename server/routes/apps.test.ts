import { describe, expect, it } from 'vitest';
import { testServer } from '../testing/test-server.js';

describe('apps API', () => {
  it('lists apps by category with translated names', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const zh = await server.get('/api/apps', { cookie, headers: { 'accept-language': 'zh-CN' } });
    expect(zh.statusCode).toBe(200);
    const config = zh.json().categories.find((c: { id: string }) => c.id === 'config');
    expect(config.name).toBe('配置');
    expect(config.apps.find((a: { id: string }) => a.id === 'hostname')).toMatchObject({ name: '主机名', kind: 'configure', available: true });
  });

  it('describes an app form with current values', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const detail = (await server.get('/api/apps/hostname', { cookie })).json();
    expect(detail.params[0]).toMatchObject({ id: 'hostname', kind: 'string', label: 'Hostname', default: 'hearth', maxLength: 63 });
    expect(detail.params[0].value).toBe(await server.appliance.system.hostname());
    expect(detail.lastRuns).toEqual([]);
    expect((await server.get('/api/apps/no-such-app', { cookie })).json().code).toBe('HEARTH_ERR_APP_NOT_FOUND');
    expect((await server.get('/api/apps/..%2Fetc', { cookie })).statusCode).toBe(400);
  });

  it('runs an app as a job and streams its log', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const started = await server.post('/api/apps/hostname/run', { params: { hostname: 'den-nas' } }, { cookie });
    expect(started.statusCode).toBe(202);
    const { job } = started.json();
    expect(job).toMatchObject({ appId: 'hostname', appName: 'Hostname', action: 'apply', startedBy: 'panel:admin', status: 'running' });
    const events = await server.get(`/api/jobs/${job.id}/events?lang=zh-CN`, { cookie, headers: { accept: 'text/event-stream' } });
    expect(events.headers['content-type']).toContain('text/event-stream');
    const body = events.body;
    expect(body).toContain('event: line');
    expect(body).toContain('$ hostnamectl set-hostname den-nas');
    expect(body).toMatch(/event: end\ndata: \{[^\n]*"appName":"主机名"[^\n]*"status":"succeeded"/);
    const ids = [...body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]));
    expect(ids).toEqual(ids.map((_, i) => i + 1));

    // Resuming after line 3 gives lines 4.. only, by Last-Event-ID or ?after.
    const resumed = await server.get(`/api/jobs/${job.id}/events`, { cookie, headers: { accept: 'text/event-stream', 'last-event-id': '3' } });
    expect([...resumed.body.matchAll(/^id: (\d+)$/gm)].map((m) => Number(m[1]))[0]).toBe(4);
    const json = (await server.get(`/api/jobs/${job.id}/events?after=3`, { cookie })).json();
    expect(json.lines[0].seq).toBe(4);

    const detail = (await server.get('/api/apps/hostname', { cookie })).json();
    expect(detail.lastRuns[0]).toMatchObject({ id: job.id, status: 'succeeded' });
    expect((await server.get(`/api/jobs/${job.id}`, { cookie })).json().lines.length).toBe(ids.length);
  });

  it('refuses invalid values per field, translated, and runs nothing', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    const response = await server.post('/api/apps/hostname/run', { params: { hostname: 'bad_name!' } }, { cookie, headers: { 'accept-language': 'zh-CN' } });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'HEARTH_ERR_APP_PARAMS_INVALID',
      fields: [{ param: 'hostname', key: 'app-hostname:params.hostname.invalid', message: expect.stringContaining('连字符') }],
    });
    expect(server.appliance.jobs.recent(10)).toEqual([]);
  });

  it('says whether a path exists on the box, under its root', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    expect((await server.get('/api/apps/check-path?path=/var/lib/hearth', { cookie })).json()).toEqual({ exists: true, type: 'directory' });
    expect((await server.get('/api/apps/check-path?path=/nope', { cookie })).json()).toEqual({ exists: false, type: null });
    // Never outside the root: "/../.." stops at the box's own "/".
    expect((await server.get('/api/apps/check-path?path=/../../var/lib/hearth', { cookie })).json()).toEqual({ exists: true, type: 'directory' });
    expect((await server.get('/api/apps/check-path?path=relative', { cookie })).statusCode).toBe(400);
  });

  it('refuses a second run of the same app while one is running', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const { id, done } = server.appliance.runner.start(
      { appId: 'hostname', action: 'apply', startedBy: 'cli:root', params: {}, language: 'en', locks: ['app:hostname'] },
      () => blocked,
    );
    const second = await server.post('/api/apps/hostname/run', { params: { hostname: 'x1' } }, { cookie });
    expect(second.statusCode).toBe(409);
    expect(second.json()).toMatchObject({ code: 'HEARTH_ERR_BUSY', params: { job: `hostname #${id}` } });
    expect(second.json().message).toMatch(/^Busy: hostname #\d+ has been running since \d{4}-/);
    release();
    await done;
    expect((await server.post('/api/apps/hostname/run', { params: { hostname: 'x1' } }, { cookie })).statusCode).toBe(202);
  });
});
