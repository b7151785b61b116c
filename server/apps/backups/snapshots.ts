import { Type } from 'typebox';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';

export const snapshotsAppId = 'snapshots';

/** "HH:MM", 24-hour. */
const timePattern = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

export const snapshotParams = Type.Object({
  autoSnapshot: param.boolean({ default: true }),
  snapshotTime: param.string({ default: '03:30', pattern: timePattern, maxLength: 5 }),
  keepScheduled: param.integer({ default: 7, minimum: 1, maximum: 100 }),
  keepPreUpdate: param.integer({ default: 2, minimum: 1, maximum: 20 }),
});

/** The settings with defaults filled in, read synchronously (the scheduler decides with them at every tick). */
export function snapshotSettings(env: Pick<AppEnvironment, 'saved'>) {
  const saved = env.saved.get(snapshotsAppId) ?? {};
  const value = <T>(id: keyof typeof snapshotParams.properties): T => (saved[id] ?? (snapshotParams.properties[id] as { default?: unknown }).default) as T;
  return {
    autoSnapshot: value<boolean>('autoSnapshot'),
    snapshotTime: value<string>('snapshotTime'),
    keepScheduled: value<number>('keepScheduled'),
    keepPreUpdate: value<number>('keepPreUpdate'),
  };
}

export type SnapshotSettings = ReturnType<typeof snapshotSettings>;

/**
 * When snapshots of the box's state are taken by themselves and how many are kept.
 * Snapshots themselves (create, delete, roll back) are jobs started from the Snapshots
 * page, `hearth snapshot` or the scheduler (server/snapshots/).
 */
export default defineApp({
  id: snapshotsAppId,
  category: 'backups',
  kind: 'configure',
  hasInfo: true,
  params: snapshotParams,
  async status(env) {
    return { active: snapshotSettings(env).autoSnapshot, values: {} };
  },
  async apply(params, job) {
    job.info(
      params.autoSnapshot
        ? job.t('app-snapshots:log.scheduled', { time: params.snapshotTime, keep: params.keepScheduled })
        : job.t('app-snapshots:log.notScheduled'),
    );
    job.info(job.t('app-snapshots:log.keepPreUpdate', { keep: params.keepPreUpdate }));
  },
});
