import type { Db } from '../store/database.js';
import type { SecretBox } from '../store/secret-box.js';

/**
 * The box's desired state: each app's saved parameters (JSON, no secrets) and the
 * secrets it keeps, sealed (store/secret-box.ts). Restoring or importing a
 * configuration re-applies these.
 */
export function createSavedParams(db: Db, secretBox: SecretBox, now: () => number) {
  const select = db.prepare<[string], { params: string }>('SELECT params FROM app_params WHERE app_id = ?');
  const all = db.prepare<[], { app_id: string; params: string }>('SELECT app_id, params FROM app_params ORDER BY app_id');
  const upsert = db.prepare(
    `INSERT INTO app_params (app_id, params, updated_at) VALUES (?, ?, ?)
     ON CONFLICT(app_id) DO UPDATE SET params = excluded.params, updated_at = excluded.updated_at`,
  );
  const selectSecret = db.prepare<[string, string], { sealed: string }>('SELECT sealed FROM app_secrets WHERE app_id = ? AND param = ?');
  const upsertSecret = db.prepare(
    `INSERT INTO app_secrets (app_id, param, sealed, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT(app_id, param) DO UPDATE SET sealed = excluded.sealed, updated_at = excluded.updated_at`,
  );

  return {
    get(appId: string): Record<string, unknown> | undefined {
      const row = select.get(appId);
      return row ? JSON.parse(row.params) : undefined;
    },
    all(): Array<{ appId: string; params: Record<string, unknown> }> {
      return all.all().map((row) => ({ appId: row.app_id, params: JSON.parse(row.params) }));
    },
    /** Saves the parameters and seals the given secrets, in one transaction. */
    async save(appId: string, params: Record<string, unknown>, secrets: Record<string, string>): Promise<void> {
      const sealed = await Promise.all(Object.entries(secrets).map(async ([param, value]) => [param, await secretBox.seal(value)] as const));
      const at = new Date(now()).toISOString();
      db.transaction(() => {
        upsert.run(appId, JSON.stringify(params), at);
        for (const [param, value] of sealed) upsertSecret.run(appId, param, value, at);
      }).immediate();
    },
    hasSecret(appId: string, param: string): boolean {
      return selectSecret.get(appId, param) !== undefined;
    },
    async openSecret(appId: string, param: string): Promise<string | undefined> {
      const row = selectSecret.get(appId, param);
      return row ? secretBox.open(row.sealed) : undefined;
    },
  };
}

export type SavedParams = ReturnType<typeof createSavedParams>;
