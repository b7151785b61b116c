import type { Db } from '../store/database.js';
import type { ChannelName, ChannelOutcome, NotificationLevel, NotificationMessage } from './types.js';

export interface Delivery {
  channel: ChannelName;
  at: string;
  ok: boolean;
  error: string | null;
}

export interface StoredNotification {
  id: number;
  at: string;
  level: NotificationLevel;
  title: string;
  body: string;
  readAt: string | null;
  /** What the e-mail and webhook channels made of it; empty when none was enabled. */
  deliveries: Delivery[];
}

/** The feed keeps this many notifications; older ones go, read or not. */
export const feedLimit = 1000;

interface NotificationRow {
  id: number;
  at: string;
  level: NotificationLevel;
  title: string;
  body: string;
  read_at: string | null;
}

interface DeliveryRow {
  notification_id: number;
  channel: ChannelName;
  at: string;
  ok: number;
  error: string | null;
}

const toDelivery = (row: DeliveryRow): Delivery => ({ channel: row.channel, at: row.at, ok: row.ok === 1, error: row.error });

/**
 * The panel's notification feed (table `notifications`, migration 3): every
 * notification lands here whatever else is configured, with what each external channel
 * made of it. What the panel's route needs: recent(), unreadCount(), markRead().
 */
export function createNotificationFeed(db: Db, now: () => number = Date.now, keep: number = feedLimit) {
  const insert = db.prepare<[string, string, string, string]>('INSERT INTO notifications (at, level, title, body) VALUES (?, ?, ?, ?)');
  const prune = db.prepare<[number]>('DELETE FROM notifications WHERE id <= (SELECT id FROM notifications ORDER BY id DESC LIMIT 1 OFFSET ?)');
  const insertDelivery = db.prepare<[number, string, string, number, string | null]>(
    `INSERT INTO notification_deliveries (notification_id, channel, at, ok, error) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(notification_id, channel) DO UPDATE SET at = excluded.at, ok = excluded.ok, error = excluded.error`,
  );
  const selectRecent = db.prepare<[number, number], NotificationRow>('SELECT id, at, level, title, body, read_at FROM notifications WHERE id < ? ORDER BY id DESC LIMIT ?');
  const selectRecentUnread = db.prepare<[number, number], NotificationRow>(
    'SELECT id, at, level, title, body, read_at FROM notifications WHERE id < ? AND read_at IS NULL ORDER BY id DESC LIMIT ?',
  );
  const selectOne = db.prepare<[number], NotificationRow>('SELECT id, at, level, title, body, read_at FROM notifications WHERE id = ?');
  const selectDeliveries = db.prepare<[number, number], DeliveryRow>(
    'SELECT notification_id, channel, at, ok, error FROM notification_deliveries WHERE notification_id BETWEEN ? AND ? ORDER BY channel',
  );
  const countUnread = db.prepare<[], { n: number }>('SELECT count(*) AS n FROM notifications WHERE read_at IS NULL');
  const markOne = db.prepare<[string, number]>('UPDATE notifications SET read_at = ? WHERE id = ? AND read_at IS NULL');
  const markUpTo = db.prepare<[string, number]>('UPDATE notifications SET read_at = ? WHERE id <= ? AND read_at IS NULL');
  const lastDelivery = db.prepare<[string], DeliveryRow>(
    'SELECT notification_id, channel, at, ok, error FROM notification_deliveries WHERE channel = ? ORDER BY notification_id DESC LIMIT 1',
  );
  const iso = () => new Date(now()).toISOString();

  function withDeliveries(rows: NotificationRow[]): StoredNotification[] {
    if (rows.length === 0) return [];
    const ids = rows.map((row) => row.id);
    const byId = new Map<number, Delivery[]>();
    for (const row of selectDeliveries.all(Math.min(...ids), Math.max(...ids))) {
      const list = byId.get(row.notification_id) ?? [];
      list.push(toDelivery(row));
      byId.set(row.notification_id, list);
    }
    return rows.map((row) => ({
      id: row.id,
      at: row.at,
      level: row.level,
      title: row.title,
      body: row.body,
      readAt: row.read_at,
      deliveries: byId.get(row.id) ?? [],
    }));
  }

  const record = db.transaction((message: NotificationMessage, at: string): number => {
    const id = Number(insert.run(at, message.level, message.title, message.body).lastInsertRowid);
    prune.run(keep);
    return id;
  });

  return {
    /** Adds a notification (unread); returns its id. Keeps only the newest `keep` (feedLimit). */
    record(message: NotificationMessage, at: string = iso()): number {
      return record.immediate(message, at);
    },

    /** What the channels made of notification `id` (the row may have been pruned meanwhile: then nothing). */
    recordDeliveries(id: number, outcomes: readonly ChannelOutcome[], at: string = iso()): void {
      db.transaction(() => {
        if (!selectOne.get(id)) return;
        for (const outcome of outcomes) insertDelivery.run(id, outcome.channel, at, outcome.ok ? 1 : 0, outcome.ok ? null : (outcome.error ?? null));
      }).immediate();
    },

    /**
     * Newest first. `before` pages back (the id of the last one the panel has);
     * `unreadOnly` leaves out what was read. The limit is clamped to 1..200.
     */
    recent(options: { limit?: number; before?: number; unreadOnly?: boolean } = {}): StoredNotification[] {
      const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 200);
      const before = options.before ?? Number.MAX_SAFE_INTEGER;
      return withDeliveries((options.unreadOnly ? selectRecentUnread : selectRecent).all(before, limit));
    },

    get(id: number): StoredNotification | undefined {
      const row = selectOne.get(id);
      return row ? withDeliveries([row])[0] : undefined;
    },

    unreadCount(): number {
      return countUnread.get()?.n ?? 0;
    },

    /** Marks the given notifications read; returns how many were unread. Unknown ids are ignored. */
    markRead(ids: readonly number[]): number {
      const at = iso();
      return db.transaction(() => ids.reduce((changed, id) => changed + markOne.run(at, id).changes, 0)).immediate();
    },

    /** Marks everything up to `upTo` (default: all) read, so one arriving meanwhile stays unread. */
    markAllRead(upTo: number = Number.MAX_SAFE_INTEGER): number {
      return markUpTo.run(iso(), upTo).changes;
    },

    /** The newest delivery attempt of a channel, for the app's status. */
    lastDelivery(channel: ChannelName): Delivery | undefined {
      const row = lastDelivery.get(channel);
      return row ? toDelivery(row) : undefined;
    },
  };
}

export type NotificationFeed = ReturnType<typeof createNotificationFeed>;
