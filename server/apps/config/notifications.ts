import { Type } from 'typebox';
import { HearthError, type FieldError } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import {
  channelReady,
  hostPattern,
  isLocalHost,
  maxRecipients,
  notificationDefaults as d,
  notificationsAppId,
  settingsFromParams,
  settingsProblems,
  singleLinePattern,
  urlPattern,
  type NotificationParams,
} from '../../notifications/settings.js';
import { smtpSecurities, webhookFormats, type ChannelName, type NotificationSettings } from '../../notifications/types.js';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';

/** Where a URL goes, without its path and query (an ntfy topic is as good as a password). */
const origin = (url: string) => {
  try {
    return new URL(url).origin;
  } catch {
    return url;
  }
};

const server = (p: NotificationParams) => `${p.smtpHost.includes(':') ? `[${p.smtpHost}]` : p.smtpHost}:${p.smtpPort}`;

/**
 * What would travel in clear outside the LAN: worth a warning in the log, not a
 * refusal (validate() refuses a password in clear). Returns [i18n key, params].
 */
export function cleartextWarnings(p: NotificationParams, settings: NotificationSettings): Array<[string, Record<string, string>]> {
  const warnings: Array<[string, Record<string, string>]> = [];
  if (settings.email && p.smtpSecurity === 'none' && !isLocalHost(p.smtpHost)) warnings.push(['app-notifications:log.emailCleartext', { server: server(p) }]);
  if (settings.webhook?.token) {
    const url = new URL(settings.webhook.url);
    if (url.protocol === 'http:' && !isLocalHost(url.hostname.replace(/^\[|\]$/g, ''))) warnings.push(['app-notifications:log.webhookCleartext', { origin: url.origin }]);
  }
  return warnings;
}

function warnAboutCleartext(p: NotificationParams, settings: NotificationSettings, job: JobContext) {
  for (const [key, values] of cleartextWarnings(p, settings)) job.info(job.t(key, values));
}

const channelLabel = (job: JobContext, channel: ChannelName | 'panel') => job.t(`app-notifications:channels.${channel}`);

/**
 * Where the owner is told things (a backup failed, an update is ready): always in the
 * panel's feed, and besides by e-mail (SMTP, nodemailer) and/or a webhook in ntfy,
 * Gotify or plain JSON form. The SMTP password and the webhook token are sealed in
 * the database, since every later notification needs them. "Send test" tries every
 * enabled channel with the values in the form, before or after saving them.
 */
export default defineApp({
  id: notificationsAppId,
  category: 'config',
  kind: 'configure',
  params: Type.Object({
    emailEnabled: param.boolean({ default: d.emailEnabled }),
    smtpHost: param.string({ default: d.smtpHost, pattern: hostPattern, maxLength: 253 }),
    smtpPort: param.integer({ default: d.smtpPort, minimum: 1, maximum: 65535 }),
    smtpSecurity: param.enum(smtpSecurities, { default: d.smtpSecurity }),
    smtpUser: param.string({ default: d.smtpUser, pattern: singleLinePattern, maxLength: 256 }),
    smtpPassword: param.secret({ keep: 'sealed', maxLength: 256 }),
    emailFrom: param.string({ default: d.emailFrom, pattern: singleLinePattern, maxLength: 320 }),
    emailTo: param.string({ default: d.emailTo, pattern: singleLinePattern, maxLength: 1000 }),
    webhookEnabled: param.boolean({ default: d.webhookEnabled }),
    webhookFormat: param.enum(webhookFormats, { default: d.webhookFormat }),
    webhookUrl: param.string({ default: d.webhookUrl, pattern: urlPattern, maxLength: 2048 }),
    webhookToken: param.secret({ keep: 'sealed', maxLength: 512 }),
  }),

  async status(env: AppEnvironment) {
    const notifications = env.notifications;
    const saved = await notifications.savedParams();
    const email = channelReady(saved, 'email');
    const webhook = channelReady(saved, 'webhook');
    const details = [{ label: 'app-notifications:details.unread', value: String(notifications.feed.unreadCount()) }];
    for (const [channel, on] of [['email', email], ['webhook', webhook]] as const) {
      const last = on ? notifications.feed.lastDelivery(channel) : undefined;
      if (!last) continue;
      details.push(
        last.ok
          ? { label: `app-notifications:details.${channel}Delivered`, value: last.at }
          : { label: `app-notifications:details.${channel}Failed`, value: `${last.at}: ${last.error ?? ''}` },
      );
    }
    // The saved parameters are the whole state: there is nothing else on the box to read back.
    return { active: email || webhook, values: {}, details };
  },

  async validate(params) {
    return settingsProblems(params).map(({ param: id, problem }): FieldError => {
      if (problem === 'required') return { param: id, key: 'errors:fields.required' };
      if (problem === 'tooManyRecipients') return { param: id, key: 'app-notifications:errors.tooManyRecipients', params: { max: maxRecipients } };
      return { param: id, key: `app-notifications:errors.${problem}` };
    });
  },

  /**
   * The framework has saved the parameters. With e-mail on, log in to the mail server
   * (nothing is sent) and say whether it accepted the settings. A server that is down
   * or refuses does not fail the job: the settings are valid and stay saved, and a
   * restore that re-applies them must not fail because the mail server is away.
   * A webhook cannot be checked without posting a message: "Send test" does that.
   */
  async apply(params, job, env) {
    const { t } = job;
    const settings = settingsFromParams(params);
    job.info(t('app-notifications:log.panelAlways'));
    warnAboutCleartext(params, settings, job);
    if (settings.email) {
      job.info(t('app-notifications:log.emailChecking', { server: server(params) }));
      const check = await env.notifications.verifyEmail(settings.email);
      job.info(
        check.ok
          ? t('app-notifications:log.emailVerified', { server: server(params), to: settings.email.to.map((m) => m.address).join(', ') })
          : t('app-notifications:log.emailUnverified', { server: server(params), reason: check.error ?? '' }),
      );
    } else job.info(t('app-notifications:log.emailOff'));
    if (settings.webhook) job.info(t('app-notifications:log.webhookOn', { format: params.webhookFormat, origin: origin(settings.webhook.url) }));
    else job.info(t('app-notifications:log.webhookOff'));
  },

  actions: {
    /** A test notification to the panel and every enabled channel; fails if any of them failed. */
    async 'send-test'(params, job, env) {
      const { t } = job;
      const settings = settingsFromParams(params);
      warnAboutCleartext(params, settings, job);
      const host = await env.system.hostname();
      const outcome = await env.notifications.sendWith(
        { level: 'info', title: t('app-notifications:test.title', { host }), body: t('app-notifications:test.body', { host }) },
        settings,
      );
      const failed: string[] = [];
      if (outcome.id !== null) job.info(t('app-notifications:log.panelAdded', { id: outcome.id }));
      else {
        job.info(t('app-notifications:log.panelFailed'));
        failed.push(channelLabel(job, 'panel'));
      }
      for (const channel of outcome.channels) {
        if (channel.channel === 'email') {
          job.info(
            channel.ok
              ? t('app-notifications:log.emailSent', { to: settings.email!.to.map((m) => m.address).join(', '), reply: channel.detail ?? '' })
              : t('app-notifications:log.emailFailed', { server: server(params), reason: channel.error ?? '' }),
          );
        } else {
          const to = origin(settings.webhook!.url);
          job.info(channel.ok ? t('app-notifications:log.webhookSent', { origin: to, reply: channel.detail ?? '' }) : t('app-notifications:log.webhookFailed', { origin: to, reason: channel.error ?? '' }));
        }
        if (!channel.ok) failed.push(channelLabel(job, channel.channel));
      }
      const panelOnly = !settings.email && !settings.webhook;
      if (panelOnly) job.info(t('app-notifications:log.testPanelOnly'));
      if (failed.length) {
        throw new HearthError('HEARTH_ERR_NOTIFICATION_FAILED', { channels: failed.join(', ') });
      }
      if (!panelOnly) job.info(t('app-notifications:log.testDone'));
    },
  },
});
