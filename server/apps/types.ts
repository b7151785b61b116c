import type { Static, TObject, TProperties } from 'typebox';
import type { BoardCapability } from '../boards/types.js';
import type { FieldError } from '../errors.js';
import type { JobContext } from '../jobs/job-context.js';
import type { Paths } from '../paths.js';
import type { SettingsStore } from '../store/settings.js';
import type { Notifications } from '../notifications/index.js';
import type { SavedParams } from './saved-params.js';
import type { System } from '../system/index.js';

export const appCategories = ['backups', 'config', 'networking', 'security', 'system', 'tools', 'updates'] as const;
export type AppCategory = (typeof appCategories)[number];

/** What an app may read to report its status or decide whether it is available. */
export interface AppEnvironment {
  system: System;
  paths: Paths;
  settings: SettingsStore;
  /** Every app of this appliance (the configuration export/import walks them). */
  apps: readonly AnyAppDefinition[];
  /** The saved desired state of every app. */
  saved: SavedParams;
  /** Telling the owner: the panel feed, e-mail, a webhook. */
  notifications: Notifications;
  now: () => number;
}

export type Availability = { available: true } | { available: false; /** i18n key */ reason: string; params?: Record<string, string | number> };

export interface AppStatus<P> {
  /** Whether the feature the app configures is on; null for one-shot apps. */
  active: boolean | null;
  /** The values the system really has now (hostname, timezone …), shown in the form. */
  values: Partial<P>;
  /** Extra facts for the app page, e.g. the mDNS name: [i18n key of the label, value]. */
  details?: Array<{ label: string; value: string }>;
}

/** A job's params plus the app's own secrets, opened. */
export type AppParams<S extends TProperties> = Static<TObject<S>>;

/**
 * A config app, as NextCloudPi calls its config modules: one file under
 * server/apps/<category>/<id>.ts, registered in server/apps/registry.ts, with its
 * texts in locales/<lng>/app-<id>.json (name, description, optional info,
 * params.<param>.label/help).
 *
 * - kind "configure": apply() makes the saved parameters the box's state; the
 *   parameters are kept as the box's desired state (re-applied on import/restore).
 * - kind "action": run() does something once (reboot, send a test message).
 */
export interface AppDefinition<S extends TProperties = TProperties> {
  id: string;
  category: AppCategory;
  kind: 'configure' | 'action';
  params: TObject<S>;
  /** Takes the maintenance lock: never at the same time as a backup, restore or update. */
  heavy?: boolean;
  /** Has an info/warning text (app-<id>:info), shown before the form and confirmed in the menu. */
  hasInfo?: boolean;
  /** Apps to apply before this one when a configuration is imported. */
  after?: readonly string[];
  /**
   * Parameters whose values belong to this machine (a disk UUID, an interface name):
   * exported apart, as bindings, so a configuration moves to another board.
   */
  bindings?: readonly (keyof S & string)[];
  availability?(env: AppEnvironment): Promise<Availability>;
  /**
   * What the board must have for this app to make sense (e.g. ['sata']); on a board
   * whose profile says it has none, the app is unavailable with the reason
   * (server/apps/availability.ts, boardAvailability).
   */
  needs?: readonly BoardCapability[];
  status(env: AppEnvironment): Promise<AppStatus<AppParams<S>>>;
  /**
   * Changes that could lock the owner out (an access list, a network address) are
   * applied with a watchdog: they revert by themselves unless confirmed within
   * `seconds` from the new setting (apps/watchdog.ts).
   */
  confirmation?: { seconds: number; needed(previous: AppParams<S>, next: AppParams<S>): boolean };
  /** Values to offer for string parameters, from this box (e.g. the time zones its tz database has). */
  suggestions?(env: AppEnvironment): Promise<Partial<Record<keyof S & string, string[]>>>;
  /** Checks beyond the schema (a timezone that exists, a user that is not root …). */
  validate?(params: AppParams<S>, env: AppEnvironment): Promise<FieldError[]>;
  apply?(params: AppParams<S>, job: JobContext, env: AppEnvironment): Promise<void>;
  run?(params: AppParams<S>, job: JobContext, env: AppEnvironment): Promise<void>;
  /**
   * One-shot actions besides apply/run, with the current parameters and nothing saved
   * (e.g. notifications' "send-test"); labels in app-<id>:actions.<name>.
   */
  actions?: Record<string, (params: AppParams<S>, job: JobContext, env: AppEnvironment) => Promise<void>>;
}

/** An app of any parameter shape, as the registry and the service hold them. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyAppDefinition = AppDefinition<any>;

/** Identity helper that keeps the parameter types of an app definition. */
export function defineApp<S extends TProperties>(app: AppDefinition<S>): AppDefinition<S> {
  return app;
}
