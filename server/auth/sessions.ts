import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../store/database.js';
import type { SettingsStore } from '../store/settings.js';

/**
 * Server-side sessions. The browser holds a random 256-bit id; the database holds
 * only its SHA-256, so a leaked database (or backup) does not leak live sessions.
 * A session ends at its idle timeout, its absolute lifetime, logout, or a password reset.
 */
export interface Session {
  userId: number;
  username: string;
  createdAt: number;
  idleExpiresAt: number;
  absoluteExpiresAt: number;
}

/** Seen-at is written at most this often, so browsing does not cost an fsync per request. */
const touchIntervalMs = 60_000;

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export function createSessionStore(db: Db, settings: SettingsStore, now: () => number) {
  const idleMs = () => settings.get('sessions.idleTimeoutMinutes') * 60_000;
  const lifetimeMs = () => settings.get('sessions.absoluteLifetimeHours') * 3_600_000;

  const insert = db.prepare(
    'INSERT INTO sessions (id_hash, user_id, created_at, last_seen_at, absolute_expires_at, ip, user_agent) VALUES (?, ?, ?, ?, ?, ?, ?)',
  );
  const select = db.prepare<[string], { user_id: number; username: string; created_at: number; last_seen_at: number; absolute_expires_at: number }>(
    `SELECT s.user_id, u.username, s.created_at, s.last_seen_at, s.absolute_expires_at
       FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id_hash = ?`,
  );
  const touch = db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id_hash = ?');
  const remove = db.prepare('DELETE FROM sessions WHERE id_hash = ?');
  const removeForUser = db.prepare('DELETE FROM sessions WHERE user_id = ?');
  const removeExpired = db.prepare('DELETE FROM sessions WHERE absolute_expires_at <= ? OR last_seen_at <= ?');

  return {
    create(userId: number, ip: string, userAgent: string): { token: string; session: Omit<Session, 'username'> } {
      const token = randomBytes(32).toString('base64url');
      const at = now();
      const absoluteExpiresAt = at + lifetimeMs();
      insert.run(hashToken(token), userId, at, at, absoluteExpiresAt, ip, userAgent.slice(0, 256));
      return { token, session: { userId, createdAt: at, idleExpiresAt: Math.min(at + idleMs(), absoluteExpiresAt), absoluteExpiresAt } };
    },

    /**
     * The live session for a token, or undefined; an expired one is deleted on sight.
     * `touch: false` for the panel's own polling, which must not keep an idle session alive.
     */
    authenticate(token: string | undefined, options: { touch?: boolean } = {}): Session | undefined {
      if (!token || token.length > 128) return undefined;
      const id = hashToken(token);
      const row = select.get(id);
      if (!row) return undefined;
      const at = now();
      if (at >= row.absolute_expires_at || at >= row.last_seen_at + idleMs()) {
        remove.run(id);
        return undefined;
      }
      let lastSeen = row.last_seen_at;
      if (options.touch !== false && at - lastSeen >= touchIntervalMs) {
        touch.run(at, id);
        lastSeen = at;
      }
      return {
        userId: row.user_id,
        username: row.username,
        createdAt: row.created_at,
        idleExpiresAt: Math.min(lastSeen + idleMs(), row.absolute_expires_at),
        absoluteExpiresAt: row.absolute_expires_at,
      };
    },

    destroy(token: string | undefined): void {
      if (token) remove.run(hashToken(token));
    },

    destroyAllForUser(userId: number): number {
      return removeForUser.run(userId).changes;
    },

    purgeExpired(): number {
      const at = now();
      return removeExpired.run(at, at - idleMs()).changes;
    },
  };
}

export type SessionStore = ReturnType<typeof createSessionStore>;
