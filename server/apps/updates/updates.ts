import { randomInt } from 'node:crypto';
import { Type } from 'typebox';
import { HearthError, isHearthError, type FieldError } from '../../errors.js';
import { appVersion } from '../../paths.js';
import type { SettingsStore } from '../../store/settings.js';
import { checkChannelUrl } from '../../updates/channel.js';
import type { UpdatePolicy } from '../../updates/policy.js';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';

export const updatesAppId = 'updates';

/**
 * The release channels Hearth's maintainers publish. THERE IS NO PUBLIC RELEASE SERVER
 * YET: both are null, so a box set to them says so ("no release server yet",
 * HEARTH_ERR_UPDATE_NO_CHANNEL) instead of pretending to be up to date. Once releases are
 * published, the manifest URLs go here — this is the one place that names them — and
 * the project's public key goes into keys/ (docs/release-format.md). Until then an owner
 * updates from a custom channel: an https:// mirror or a file:// manifest on a USB stick.
 */
export const officialChannels: Readonly<Record<'stable' | 'beta', string | null>> = { stable: null, beta: null };

export const updateParams = Type.Object({
  autoUpdate: param.boolean({ default: true }),
  channel: param.enum(['stable', 'beta', 'custom'], { default: 'stable' }),
  customChannelUrl: param.string({ default: '', maxLength: 2048 }),
  soakHours: param.integer({ default: 24, minimum: 0, maximum: 720, unit: 'h' }),
  canary: param.boolean({ default: false }),
  requireFreshBackup: param.boolean({ default: true }),
  pauseAfterFailure: param.boolean({ default: true }),
  osPackages: param.boolean({ default: false }),
  checkEveryHours: param.integer({ default: 6, minimum: 1, maximum: 24, unit: 'h' }),
});

export type ChannelKind = 'stable' | 'beta' | 'custom';

/** The channel the box follows: its URL (null: none published yet, or a custom one not set) and the name a manifest must carry. */
export interface ChannelChoice {
  kind: ChannelKind;
  url: string | null;
  /** stable/beta: the manifest must say so; a custom channel (a mirror, a USB stick) may carry either. */
  name?: string;
}

/** The app's settings with defaults filled in, read synchronously (the scheduler decides with them at every tick). */
export function updateSettings(env: Pick<AppEnvironment, 'saved'>) {
  const saved = env.saved.get(updatesAppId) ?? {};
  const value = <T>(id: keyof typeof updateParams.properties): T => (saved[id] ?? (updateParams.properties[id] as { default?: unknown }).default) as T;
  const kind = value<ChannelKind>('channel');
  const custom = value<string>('customChannelUrl').trim();
  const channel: ChannelChoice = kind === 'custom' ? { kind, url: custom || null } : { kind, url: officialChannels[kind], name: kind };
  const policy: UpdatePolicy = {
    soakHours: value<number>('soakHours'),
    canary: value<boolean>('canary'),
    requireFreshBackup: value<boolean>('requireFreshBackup'),
    pauseAfterFailure: value<boolean>('pauseAfterFailure'),
  };
  return {
    autoUpdate: value<boolean>('autoUpdate'),
    channel,
    policy,
    osPackages: value<boolean>('osPackages'),
    checkEveryHours: value<number>('checkEveryHours'),
  };
}

export type UpdateSettings = ReturnType<typeof updateSettings>;

/**
 * The channel to use: `override` (the owner's --channel for one run) or the app's. Throws
 * HEARTH_ERR_UPDATE_NO_CHANNEL when there is none to read — honestly, never "up to date".
 */
export function channelToUse(settings: UpdateSettings, override?: string): ChannelChoice & { url: string } {
  if (override !== undefined) return { kind: 'custom', url: checkChannelUrl(override).href };
  const { channel } = settings;
  if (!channel.url) throw new HearthError('HEARTH_ERR_UPDATE_NO_CHANNEL', { channel: channel.kind });
  return { ...channel, url: channel.url };
}

/**
 * The box's staged-rollout cohort (0–99): drawn once, uniformly, and kept. A manifest
 * opens a release to some cohorts first; boxes in the others wait until it is widened.
 */
export function updateCohort(settings: SettingsStore): number {
  const drawn = settings.get('updates.cohort');
  if (drawn !== null) return drawn;
  const cohort = randomInt(100);
  settings.set('updates.cohort', cohort);
  return cohort;
}

/**
 * How the box keeps itself current: automatic updates and their guards (soak time,
 * canary, a fresh safe point first, pause after a failure), the release channel, how
 * often it is checked, and the Debian packages. The updates themselves are jobs started
 * from the Updates page, `hearth update` or the scheduler (server/updates/auto-update.ts).
 */
export default defineApp({
  id: updatesAppId,
  category: 'updates',
  kind: 'configure',
  hasInfo: true,
  params: updateParams,
  async status(env) {
    const settings = updateSettings(env);
    const { url, kind } = settings.channel;
    return {
      active: settings.autoUpdate,
      values: {},
      details: [
        { label: 'app-updates:details.version', value: appVersion },
        // Detail values are shown as they are: the label says that no release server exists yet.
        url ? { label: 'app-updates:details.channel', value: url } : { label: 'app-updates:details.channelMissing', value: kind },
        { label: 'app-updates:details.cohort', value: String(updateCohort(env.settings)) },
      ],
    };
  },
  async validate(params) {
    const errors: FieldError[] = [];
    const url = params.customChannelUrl.trim();
    if (params.channel === 'custom' && !url) errors.push({ param: 'customChannelUrl', key: 'app-updates:errors.customUrlNeeded' });
    // Checked whenever one is given, so a bad URL is never kept for later.
    if (url) {
      try {
        checkChannelUrl(url);
      } catch (error) {
        if (!isHearthError(error)) throw error;
        errors.push({ param: 'customChannelUrl', key: `errors:${error.code}`, params: error.params });
      }
    }
    return errors;
  },
  async apply(params, job) {
    const { t } = job;
    job.info(params.autoUpdate ? t('app-updates:log.autoOn', { soak: params.soakHours }) : t('app-updates:log.autoOff'));
    if (params.autoUpdate && params.canary) job.info(t('app-updates:log.canary'));
    if (params.autoUpdate && !params.requireFreshBackup) job.info(t('app-updates:log.noSafePoint'));
    if (params.autoUpdate && !params.pauseAfterFailure) job.info(t('app-updates:log.noPause'));
    const url = params.channel === 'custom' ? params.customChannelUrl.trim() : officialChannels[params.channel];
    job.info(url ? t('app-updates:log.channel', { channel: params.channel, url }) : t('app-updates:log.noServer', { channel: params.channel }));
    job.info(t('app-updates:log.checkEvery', { hours: params.checkEveryHours }));
    job.info(params.osPackages ? t('app-updates:log.osOn') : t('app-updates:log.osOff'));
  },
});
