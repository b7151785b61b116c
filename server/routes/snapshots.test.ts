import { describe, expect, it } from 'vitest';
import { ownOrigin, testServer } from '../testing/test-server.js';

async function activated() {
  const server = await testServer();
  const cookie = await server.activate();
  const remove = (url: string) => server.app.inject({ method: 'DELETE', url, remoteAddress: '192.168.1.10', headers: { origin: ownOrigin, cookie } });
  const list = async () => (await server.get('/api/snapshots', { cookie })).json() as { status: { driver: string; pendingRollback: { snapshotId: string } | null }; snapshots: Array<{ id: string; label: string; reason: string; rollbackPending: boolean; sizeBytes: number | null }> };
  return { server, cookie, remove, list };
}

describe('snapshots API', () => {
  it('takes, lists, rolls back with the typed name, and deletes', async () => {
    const { server, cookie, remove, list } = await activated();
    expect(await list()).toMatchObject({ status: { driver: 'copy', pendingRollback: null }, snapshots: [] });

    const started = await server.post('/api/snapshots', { label: 'before the experiment' }, { cookie });
    expect(started.statusCode).toBe(202);
    expect(started.json().job).toMatchObject({ appId: 'snapshots', action: 'create', status: 'running', startedBy: 'panel:admin' });
    await server.appliance.runner.idle();
    const [snapshot] = (await list()).snapshots;
    expect(snapshot).toMatchObject({ label: 'before the experiment', reason: 'manual', rollbackPending: false, sizeBytes: expect.any(Number) });

    // The typed confirmation must be the snapshot's name; nothing is staged otherwise.
    const unconfirmed = await server.post(`/api/snapshots/${snapshot!.id}/rollback`, { confirm: 'yes' }, { cookie });
    expect(unconfirmed.statusCode).toBe(400);
    expect(unconfirmed.json()).toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_CONFIRMATION', params: { id: snapshot!.id } });
    expect((await list()).status.pendingRollback).toBeNull();

    const rollback = await server.post(`/api/snapshots/${snapshot!.id}/rollback`, { confirm: snapshot!.id }, { cookie });
    expect(rollback.statusCode).toBe(202);
    await server.appliance.runner.idle();
    expect(server.appliance.jobs.get(rollback.json().job.id)).toMatchObject({ status: 'succeeded' });
    const pending = await list();
    expect(pending.status.pendingRollback).toMatchObject({ snapshotId: snapshot!.id });
    expect(pending.snapshots[0]!.rollbackPending).toBe(true);
    expect(await server.appliance.snapshots.restartWanted()).toBe(true);

    // The snapshot a rollback waits for cannot go; another one can.
    await server.post('/api/snapshots', {}, { cookie });
    await server.appliance.runner.idle();
    const [newer] = (await list()).snapshots;
    const refused = await remove(`/api/snapshots/${snapshot!.id}`);
    expect(refused.statusCode).toBe(202);
    await server.appliance.runner.idle();
    expect(server.appliance.jobs.get(refused.json().job.id)).toMatchObject({ status: 'failed', errorCode: 'HEARTH_ERR_SNAPSHOT_ROLLBACK_TARGET' });
    expect((await remove(`/api/snapshots/${newer!.id}`)).statusCode).toBe(202);
    await server.appliance.runner.idle();
    expect((await list()).snapshots.map((s) => s.id)).toEqual([snapshot!.id]);
  });

  it('refuses bad input with a clear error and changes nothing', async () => {
    const { server, cookie, remove, list } = await activated();
    const jobsBefore = server.appliance.jobs.recent(100).length;

    const long = await server.post('/api/snapshots', { label: 'x'.repeat(81) }, { cookie });
    expect(long.statusCode).toBe(400);
    expect(long.json().code).toBe('HEARTH_ERR_SNAPSHOT_LABEL_INVALID');
    const control = await server.post('/api/snapshots', { label: 'two\nlines' }, { cookie });
    expect(control.json().code).toBe('HEARTH_ERR_SNAPSHOT_LABEL_INVALID');
    expect((await server.post('/api/snapshots', { label: 'x', reason: 'pre-update' }, { cookie })).statusCode).toBe(400);

    for (const id of ['..%2F..%2Fetc', 'latest', '20261128-1200', '20261128-120000-1234']) {
      expect((await remove(`/api/snapshots/${id}`)).json().code).toBe('HEARTH_ERR_VALIDATION');
      expect((await server.post(`/api/snapshots/${id}/rollback`, { confirm: id }, { cookie })).json().code).toBe('HEARTH_ERR_VALIDATION');
    }
    const unknown = await server.post('/api/snapshots/20261128-120000/rollback', { confirm: '20261128-120000' }, { cookie });
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_NOT_FOUND', message: 'There is no snapshot 20261128-120000.' });
    expect((await remove('/api/snapshots/20261128-120000')).statusCode).toBe(404);
    expect((await server.post('/api/snapshots/20261128-120000/rollback', {}, { cookie })).statusCode).toBe(400);

    expect(server.appliance.jobs.recent(100).length).toBe(jobsBefore);
    expect((await list()).snapshots).toEqual([]);
  });

  it('answers only with a session, in the language asked for', async () => {
    const { server, cookie } = await activated();
    expect((await server.get('/api/snapshots')).statusCode).toBe(401);
    expect((await server.post('/api/snapshots', {})).statusCode).toBe(401);
    const chinese = await server.post('/api/snapshots/20261128-120000/rollback', { confirm: 'x' }, { cookie, headers: { 'accept-language': 'zh-CN' } });
    expect(chinese.json()).toMatchObject({ code: 'HEARTH_ERR_SNAPSHOT_NOT_FOUND', message: '没有快照 20261128-120000。' });
  });
});
