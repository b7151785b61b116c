import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../store/database.js';
import { manualClock, tempRoot } from '../testing/temp-root.js';
import { createNotificationFeed, feedLimit } from './feed.js';

function feed(keep?: number) {
  const db = openDatabase(path.join(tempRoot(), 'hearth.db'));
  const clock = manualClock();
  return { db, clock, feed: createNotificationFeed(db, clock.now, keep) };
}

describe('notification feed', () => {
  it('is created by migration 3 and refuses an unknown level', () => {
    const { db } = feed();
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE 'notification%' ORDER BY name").pluck().all();
    expect(tables).toEqual(['notification_deliveries', 'notifications']);
    expect(db.prepare('PRAGMA table_info(notifications)').all().map((c) => (c as { name: string }).name)).toEqual(['id', 'at', 'level', 'title', 'body', 'read_at']);
    expect(() => db.prepare("INSERT INTO notifications (at, level, title, body) VALUES ('x', 'panic', 't', 'b')").run()).toThrow(/CHECK constraint/);
  });

  it('lists newest first with deliveries, counts unread, pages back, and marks read', () => {
    const { feed: f, clock } = feed();
    const first = f.record({ level: 'info', title: 'Backup done', body: '12 GiB' });
    clock.advance(60_000);
    const second = f.record({ level: 'error', title: 'Update failed', body: 'rolled back' });
    f.recordDeliveries(second, [
      { channel: 'email', ok: false, error: 'Invalid login: 535' },
      { channel: 'webhook', ok: true, detail: 'HTTP 200' },
    ]);
    clock.advance(60_000);
    const third = f.record({ level: 'warning', title: 'Disk almost full', body: '93 %' });

    expect(f.unreadCount()).toBe(3);
    const recent = f.recent({ limit: 2 });
    expect(recent.map((n) => n.id)).toEqual([third, second]);
    expect(recent[1]).toEqual({
      id: second,
      at: '2026-11-28T12:01:00.000Z',
      level: 'error',
      title: 'Update failed',
      body: 'rolled back',
      readAt: null,
      deliveries: [
        { channel: 'email', at: '2026-11-28T12:01:00.000Z', ok: false, error: 'Invalid login: 535' },
        { channel: 'webhook', at: '2026-11-28T12:01:00.000Z', ok: true, error: null },
      ],
    });
    expect(f.recent({ limit: 2, before: second }).map((n) => n.id)).toEqual([first]);
    expect(f.recent().map((n) => n.deliveries.length)).toEqual([0, 2, 0]);

    expect(f.markRead([second, 9999])).toBe(1);
    expect(f.markRead([second])).toBe(0);
    expect(f.unreadCount()).toBe(2);
    expect(f.get(second)?.readAt).toBe('2026-11-28T12:02:00.000Z');
    expect(f.recent({ unreadOnly: true }).map((n) => n.id)).toEqual([third, first]);

    // "Mark all read" up to what the panel showed: one arriving meanwhile stays unread.
    const fourth = f.record({ level: 'info', title: 'Later', body: '' });
    expect(f.markAllRead(third)).toBe(2);
    expect(f.recent({ unreadOnly: true }).map((n) => n.id)).toEqual([fourth]);
    expect(f.markAllRead()).toBe(1);
    expect(f.unreadCount()).toBe(0);

    expect(f.lastDelivery('email')).toEqual({ channel: 'email', at: '2026-11-28T12:01:00.000Z', ok: false, error: 'Invalid login: 535' });
    expect(f.lastDelivery('webhook')?.ok).toBe(true);
    expect(f.recent({ limit: 0 })).toHaveLength(1);
    expect(f.recent({ limit: 10_000 })).toHaveLength(4);
  });

  it('keeps only the newest notifications, their deliveries going with them', () => {
    expect(feedLimit).toBe(1000);
    const keep = 20;
    const { feed: f, db } = feed(keep);
    let last = 0;
    for (let i = 0; i < keep + 5; i += 1) {
      last = f.record({ level: 'info', title: `n${i}`, body: '' });
      if (i === 2) f.recordDeliveries(last, [{ channel: 'email', ok: true }]);
    }
    expect(db.prepare('SELECT count(*) FROM notifications').pluck().get()).toBe(keep);
    expect(db.prepare('SELECT min(id) FROM notifications').pluck().get()).toBe(last - keep + 1);
    expect(db.prepare('SELECT count(*) FROM notification_deliveries').pluck().get()).toBe(0);
    // Deliveries of a notification pruned meanwhile are dropped, not an error.
    expect(() => f.recordDeliveries(1, [{ channel: 'webhook', ok: true }])).not.toThrow();
    expect(f.lastDelivery('webhook')).toBeUndefined();
  });
});
