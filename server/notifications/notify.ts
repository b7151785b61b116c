import { sendEmail } from './channels/email.js';
import { sendWebhook } from './channels/webhook.js';
import type { NotificationFeed } from './feed.js';
import { oneLine } from './redact.js';
import { notificationLevels, type ChannelOptions, type ChannelOutcome, type NotificationLogger, type NotificationMessage, type NotificationSettings, type NotifyOutcome } from './types.js';

export interface NotifierDeps {
  feed: NotificationFeed;
  /** The external channels configured now; read at every notification, so a change applies at once. */
  settings: () => Promise<NotificationSettings>;
  /** The box's name, for the e-mail subject and the ntfy tag. */
  host: () => Promise<string>;
  options?: ChannelOptions;
  logger?: NotificationLogger;
  now?: () => number;
}

export const maxTitleLength = 200;
export const maxBodyLength = 8000;

/** One-line title, body without control characters other than line breaks and tabs, both bounded. */
export function normalizeMessage(message: NotificationMessage): NotificationMessage {
  const level = notificationLevels.includes(message.level) ? message.level : 'info';
  const title = oneLine(String(message.title ?? ''), maxTitleLength) || 'Hearth';
  const cleaned = String(message.body ?? '')
    .replace(/\r\n?/g, '\n')
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .trimEnd();
  const body = cleaned.length > maxBodyLength ? `${cleaned.slice(0, maxBodyLength - 1)}…` : cleaned;
  return { level, title, body };
}

const silent: NotificationLogger = { info() {}, warn() {} };

/**
 * Tells the owner something. Every notification goes to the panel's feed; then, at
 * the same time, to the e-mail and webhook channels that are configured. A channel
 * that fails is logged, recorded with the notification, and returned: notify()
 * never throws, so a backup does not fail because the mail server is down.
 *
 *   const outcome = await notifier.notify({ level: 'error', title: t('…'), body: t('…') });
 *   for (const channel of outcome.channels) if (!channel.ok) job.info(…channel.error…);
 *
 * `settings` overrides the configured channels (the app's "send test" uses the
 * values in the form, which are not saved yet).
 */
export function createNotifier(deps: NotifierDeps) {
  const logger = deps.logger ?? silent;
  const now = deps.now ?? Date.now;

  async function notify(input: NotificationMessage, options: { settings?: NotificationSettings } = {}): Promise<NotifyOutcome> {
    const message = normalizeMessage(input);
    const at = new Date(now()).toISOString();
    let id: number | null = null;
    try {
      id = deps.feed.record(message, at);
    } catch (error) {
      logger.warn({ err: error }, 'notification: could not add it to the panel feed');
    }

    let settings: NotificationSettings = {};
    try {
      settings = options.settings ?? (await deps.settings());
    } catch (error) {
      logger.warn({ err: error, notification: id }, 'notification: could not read the channel settings; the panel has it');
    }
    let host = 'hearth';
    try {
      host = (await deps.host()) || host;
    } catch {
      // keep the fallback name
    }

    const context = { host, at };
    const sends: Array<Promise<ChannelOutcome>> = [];
    if (settings.email) sends.push(sendEmail(settings.email, message, context, deps.options?.smtp));
    if (settings.webhook) sends.push(sendWebhook(settings.webhook, message, context, deps.options?.webhook));
    const channels = await Promise.all(sends);

    if (id !== null && channels.length) {
      try {
        deps.feed.recordDeliveries(id, channels, new Date(now()).toISOString());
      } catch (error) {
        logger.warn({ err: error, notification: id }, 'notification: could not record the deliveries');
      }
    }
    for (const outcome of channels) {
      if (outcome.ok) logger.info({ notification: id, channel: outcome.channel }, 'notification delivered');
      else logger.warn({ notification: id, channel: outcome.channel, reason: outcome.error }, 'notification not delivered');
    }
    return { id, at, channels };
  }

  return {
    async notify(input: NotificationMessage, options: { settings?: NotificationSettings } = {}): Promise<NotifyOutcome> {
      try {
        return await notify(input, options);
      } catch (error) {
        // Nothing above should throw; if it does, the caller still must not fail.
        logger.warn({ err: error }, 'notification failed');
        return { id: null, at: new Date(now()).toISOString(), channels: [] };
      }
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
