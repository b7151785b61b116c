import { Type, type Static, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import type { Db } from './database.js';

/**
 * The typed settings store. Each setting is declared here with its schema and
 * default; values are stored as JSON and validated on the way in and out, so a
 * hand-edited row cannot crash the daemon (it falls back to the default).
 */
const definitions = {
  /** CIDRs outside the LAN that may reach the panel anyway (e.g. a VPN range). */
  'access.allowedNetworks': { schema: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 64 }), default: [] as string[] },
  /** Reverse proxies whose X-Forwarded-For is believed. Empty: the header is ignored. */
  'access.trustedProxies': { schema: Type.Array(Type.String({ maxLength: 64 }), { maxItems: 16 }), default: [] as string[] },
  /** Extra names the panel answers to, besides the box's hostname, <hostname>.local, localhost and IPs. */
  'access.allowedHostnames': { schema: Type.Array(Type.String({ maxLength: 253 }), { maxItems: 32 }), default: [] as string[] },
  /**
   * Refuse the panel over plain HTTP except from the box itself. Installed, the daemon
   * serves HTTPS anyway; this guards a box someone started with --http.
   */
  'access.httpsOnly': { schema: Type.Boolean(), default: false },
  'sessions.idleTimeoutMinutes': { schema: Type.Integer({ minimum: 5, maximum: 24 * 60 }), default: 30 },
  'sessions.absoluteLifetimeHours': { schema: Type.Integer({ minimum: 1, maximum: 24 * 30 }), default: 12 },
 /** How many finished jobs (with their logs) are kept. */
  'jobs.historyLimit': { schema: Type.Integer({ minimum: 10, maximum: 100_000 }), default: 500 },
 /** A change that could lock the owner out, applied but not yet confirmed (see apps/watchdog.ts). */
  'watchdog.pending': {
    schema: Type.Union([
      Type.Null(),
      Type.Object({ appId: Type.String(), previous: Type.Record(Type.String(), Type.Unknown()), deadline: Type.Number(), jobId: Type.Integer(), language: Type.String() }),
    ]),
    default: null as null | { appId: string; previous: Record<string, unknown>; deadline: number; jobId: number; language: string },
  },
  /**
   * The maintenance window, in the box's time zone: unattended scheduled work (auto-update,
   * auto-backup, auto-snapshot) starts only from windowStart ("HH:MM") for windowHours
   * hours, wrapping past midnight; 24 = any time (see scheduler/window.ts).
   */
  'maintenance.windowStart': { schema: Type.String({ pattern: '^([01][0-9]|2[0-3]):[0-5][0-9]$' }), default: '02:00' },
  'maintenance.windowHours': { schema: Type.Integer({ minimum: 1, maximum: 24 }), default: 4 },
  'activation.activatedAt': { schema: Type.Union([Type.String(), Type.Null()]), default: null as string | null },
  /** The box's staged-rollout cohort (0–99), drawn once with crypto.randomInt(100) (server/updates/auto-update.ts). */
  'updates.cohort': { schema: Type.Union([Type.Null(), Type.Integer({ minimum: 0, maximum: 99 })]), default: null as number | null },
  /** When the owner last acknowledged a failed or rolled-back update: failures up to then no longer pause unattended updates. */
  'updates.acknowledgedFailureAt': { schema: Type.Union([Type.Null(), Type.String({ maxLength: 40 })]), default: null as string | null },
  /** Where in the maintenance window the next unattended update starts: a fraction drawn after each run (auto-update.ts). */
  'updates.delayDraw': { schema: Type.Union([Type.Null(), Type.Number({ minimum: 0, maximum: 1 })]), default: null as number | null },
  /** The last check of the channel and the last unattended run, as auto-update.ts records them (checked again when read). */
  'updates.lastCheck': { schema: Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())]), default: null as Record<string, unknown> | null },
  'updates.lastRun': { schema: Type.Union([Type.Null(), Type.Record(Type.String(), Type.Unknown())]), default: null as Record<string, unknown> | null },
  /** The newest version the owner was told about as waiting for them (told once per version). */
  'updates.announcedVersion': { schema: Type.Union([Type.Null(), Type.String({ maxLength: 64 })]), default: null as string | null },
  /** The highest manifest serial accepted from each channel URL: an older signed manifest served again is a replay (server/updates/manifest-serials.ts). */
  'updates.manifestSerials': { schema: Type.Record(Type.String({ maxLength: 2048 }), Type.Integer({ minimum: 1 }), { maxProperties: 32 }), default: {} as Record<string, number> },
} satisfies Record<string, { schema: TSchema; default: unknown }>;

type Definitions = typeof definitions;
export type SettingKey = keyof Definitions;
export type SettingValue<K extends SettingKey> = Static<Definitions[K]['schema']>;

export class InvalidSettingError extends Error {
  constructor(readonly key: string, readonly details: string) {
    super(`invalid value for setting ${key}: ${details}`);
    this.name = 'InvalidSettingError';
  }
}

export function createSettingsStore(db: Db) {
  const select = db.prepare<[string], { value: string }>('SELECT value FROM settings WHERE key = ?');
  const upsert = db.prepare<[string, string, string]>(
    'INSERT INTO settings (key, value, updated_at) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at',
  );

  return {
    get<K extends SettingKey>(key: K): SettingValue<K> {
      const definition = definitions[key];
      const row = select.get(key);
      if (!row) return structuredClone(definition.default) as SettingValue<K>;
      try {
        const parsed: unknown = JSON.parse(row.value);
        if (Value.Check(definition.schema, parsed)) return parsed as SettingValue<K>;
      } catch {
        // fall through to the default
      }
      return structuredClone(definition.default) as SettingValue<K>;
    },
    set<K extends SettingKey>(key: K, value: SettingValue<K>): void {
      const definition = definitions[key];
      if (!Value.Check(definition.schema, value)) {
        const first = [...Value.Errors(definition.schema, value)][0];
        throw new InvalidSettingError(key, first ? `${first.instancePath || '/'} ${first.message}` : 'does not match');
      }
      upsert.run(key, JSON.stringify(value), new Date().toISOString());
    },
  };
}

export type SettingsStore = ReturnType<typeof createSettingsStore>;
