import { Type } from 'typebox';
import { checkNewPassword } from '../../auth/password-policy.js';
import { isHearthError, type FieldError } from '../../errors.js';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';

export const backupsAppId = 'backups';

/** "HH:MM", 24-hour. */
const timePattern = '^([01][0-9]|2[0-3]):[0-5][0-9]$';

export const backupParams = Type.Object({
  destination: param.path({ default: '/var/lib/hearth/backups', expect: 'directory' }),
  allowSystemDisk: param.boolean({ default: false }),
  includeData: param.boolean({ default: true }),
  compression: param.enum(['zstd', 'gzip', 'none'], { default: 'zstd' }),
  level: param.integer({ default: 3, minimum: 1, maximum: 19 }),
  keep: param.integer({ default: 4, minimum: 1, maximum: 100 }),
  encrypt: param.boolean({ default: false }),
  passphrase: param.secret({ keep: 'sealed', maxLength: 1024 }),
  autoBackup: param.boolean({ default: false }),
  backupTime: param.string({ default: '02:30', pattern: timePattern, maxLength: 5 }),
  everyDays: param.integer({ default: 1, minimum: 1, maximum: 30, unit: 'd' }),
  drill: param.boolean({ default: true }),
  staleAfterDays: param.integer({ default: 8, minimum: 1, maximum: 365, unit: 'd' }),
  uploadLimitMiB: param.integer({ default: 65536, minimum: 1, maximum: 4 * 1024 * 1024, unit: 'MiB' }),
});

/** The backup settings with defaults filled in and the passphrase opened (never logged). */
export async function backupSettings(env: AppEnvironment) {
  const saved = env.saved.get(backupsAppId) ?? {};
  const defaults = Object.fromEntries(Object.entries(backupParams.properties).map(([id, schema]) => [id, (schema as { default?: unknown }).default]));
  const values = { ...defaults, ...saved } as Record<string, unknown>;
  const passphrase = await env.saved.openSecret(backupsAppId, 'passphrase');
  return {
    destination: env.paths.systemFile(String(values.destination)),
    destinationShown: String(values.destination),
    allowSystemDisk: Boolean(values.allowSystemDisk),
    includeData: Boolean(values.includeData),
    compression: values.compression as 'zstd' | 'gzip' | 'none',
    level: Number(values.level),
    keep: Number(values.keep),
    passphrase: values.encrypt ? passphrase : undefined,
    autoBackup: Boolean(values.autoBackup),
    backupTime: String(values.backupTime),
    everyDays: Number(values.everyDays),
    drill: Boolean(values.drill),
    staleAfterDays: Number(values.staleAfterDays),
    uploadLimitBytes: Number(values.uploadLimitMiB) * 1024 * 1024,
  };
}

export type BackupSettings = Awaited<ReturnType<typeof backupSettings>>;

/** The schedule part of the settings, read synchronously for the scheduler's every decision. */
export function backupSchedule(env: Pick<AppEnvironment, 'saved'>) {
  const saved = env.saved.get(backupsAppId) ?? {};
  const value = <T>(id: keyof typeof backupParams.properties): T =>
    (saved[id] ?? (backupParams.properties[id] as { default?: unknown }).default) as T;
  return {
    autoBackup: value<boolean>('autoBackup'),
    backupTime: value<string>('backupTime'),
    everyDays: value<number>('everyDays'),
    drill: value<boolean>('drill'),
  };
}

/**
 * Where backups go and how: destination, contents, compression, encryption, how many
 * to keep, the automatic schedule and when to worry. Backups themselves are jobs
 * started from the Backups page, `hearth backup` or the scheduler (server/backup/).
 */
export default defineApp({
  id: backupsAppId,
  category: 'backups',
  kind: 'configure',
  hasInfo: true,
  params: backupParams,
  async status(env) {
    const settings = await backupSettings(env);
    return { active: settings.autoBackup, values: {} };
  },
  async validate(params, env) {
    const errors: FieldError[] = [];
    if (params.encrypt) {
      const stored = env.saved.hasSecret(backupsAppId, 'passphrase');
      if (!params.passphrase && !stored) errors.push({ param: 'passphrase', key: 'app-backups:errors.passphraseNeeded' });
      if (params.passphrase) {
        try {
          await checkNewPassword(params.passphrase);
        } catch (error) {
          if (!isHearthError(error)) throw error;
          errors.push({ param: 'passphrase', key: `errors:${error.code}`, params: error.params });
        }
      }
    }
    if (params.compression === 'gzip' && params.level > 9) errors.push({ param: 'level', key: 'app-backups:errors.gzipLevel' });
    return errors;
  },
  async apply(params, job) {
    job.info(
      job.t('app-backups:log.saved', {
        destination: params.destination,
        contents: params.includeData ? job.t('app-backups:log.withData') : job.t('app-backups:log.withoutData'),
        keep: params.keep,
      }),
    );
    if (params.autoBackup) job.info(job.t('app-backups:log.schedule', { time: params.backupTime, days: params.everyDays }));
    if (params.encrypt) job.info(job.t('app-backups:log.encrypted'));
  },
});
