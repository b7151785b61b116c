import { describe, expect, it } from 'vitest';
import { testServer } from '../testing/test-server.js';

describe('notifications API', () => {
  it('lists what the box told the owner and marks it read', async () => {
    const server = await testServer();
    const cookie = await server.activate();
    await server.appliance.notifications.notify({ level: 'warning', title: 'Disk almost full', body: '92 % used' });
    await server.appliance.notifications.notify({ level: 'info', title: 'Backup done', body: '<b>12 GiB</b>' });
    const listed = (await server.get('/api/notifications', { cookie })).json();
    expect(listed.unread).toBe(2);
    expect(listed.notifications.map((n: { title: string }) => n.title)).toEqual(['Backup done', 'Disk almost full']);
    expect(listed.notifications[0].body).toBe('<b>12 GiB</b>');
    const read = await server.post('/api/notifications/read', { ids: [listed.notifications[1].id] }, { cookie });
    expect(read.json()).toEqual({ changed: 1, unread: 1 });
    expect((await server.get('/api/notifications?unread=1', { cookie })).json().notifications).toHaveLength(1);
    expect((await server.post('/api/notifications/read', { upTo: listed.notifications[0].id }, { cookie })).json().unread).toBe(0);
    expect((await server.post('/api/notifications/read', { ids: [] }, { cookie })).statusCode).toBe(400);
    expect((await server.post('/api/notifications/read', { all: true }, { cookie })).statusCode).toBe(400);
  });
});
