import type { Db } from '../store/database.js';

/** The panel has one owner account, created at activation. */
export const ownerUsername = 'admin';

export interface Account {
  id: number;
  username: string;
  passwordHash: string;
}

export function createAccounts(db: Db, now: () => number) {
  const byName = db.prepare<[string], { id: number; username: string; password_hash: string }>(
    'SELECT id, username, password_hash FROM users WHERE username = ?',
  );
  const count = db.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM users');
  const insert = db.prepare('INSERT INTO users (username, password_hash, created_at, password_changed_at) VALUES (?, ?, ?, ?)');
  const updateHash = db.prepare('UPDATE users SET password_hash = ?, password_changed_at = ? WHERE id = ?');

  return {
    find(username: string): Account | undefined {
      const row = byName.get(username);
      return row ? { id: row.id, username: row.username, passwordHash: row.password_hash } : undefined;
    },
    any(): boolean {
      return (count.get()?.n ?? 0) > 0;
    },
    create(username: string, passwordHash: string): Account {
      const at = new Date(now()).toISOString();
      const { lastInsertRowid } = insert.run(username, passwordHash, at, at);
      return { id: Number(lastInsertRowid), username, passwordHash };
    },
    setPasswordHash(id: number, passwordHash: string): void {
      updateHash.run(passwordHash, new Date(now()).toISOString(), id);
    },
  };
}

export type Accounts = ReturnType<typeof createAccounts>;
