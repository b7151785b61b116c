import type { Db } from '../store/database.js';
import type { System } from '../system/index.js';
import { verifyEmail } from './channels/email.js';
import { createNotificationFeed } from './feed.js';
import { createNotifier } from './notify.js';
import { notificationsAppId, paramsFromSaved, settingsFromParams, type NotificationParams } from './settings.js';
import type { ChannelOptions, ChannelOutcome, EmailSettings, NotificationLogger, NotificationMessage, NotificationSettings, NotifyOutcome } from './types.js';

export type { NotificationMessage, NotifyOutcome, ChannelOutcome, NotificationLevel } from './types.js';
export type { StoredNotification, Delivery } from './feed.js';

/** What the notifier needs of the saved app parameters (server/apps/saved-params.ts). */
export interface SavedParamsReader {
  get(appId: string): Record<string, unknown> | undefined;
  openSecret(appId: string, param: string): Promise<string | undefined>;
}

/**
 * The appliance's notifications: the panel feed, notify() for every module that has
 * something to tell the owner (backups, updates …), configured by the notifications
 * app's saved parameters. One per appliance, built in server/appliance.ts.
 */
export function createNotifications(deps: { db: Db; saved: SavedParamsReader; system: System; now?: () => number; logger?: NotificationLogger; options?: ChannelOptions }) {
  const now = deps.now ?? Date.now;
  const feed = createNotificationFeed(deps.db, now);

  async function savedParams(): Promise<NotificationParams> {
    const [smtpPassword, webhookToken] = await Promise.all([
      deps.saved.openSecret(notificationsAppId, 'smtpPassword'),
      deps.saved.openSecret(notificationsAppId, 'webhookToken'),
    ]);
    return paramsFromSaved(deps.saved.get(notificationsAppId), { ...(smtpPassword ? { smtpPassword } : {}), ...(webhookToken ? { webhookToken } : {}) });
  }

  const notifier = createNotifier({
    feed,
    settings: async () => settingsFromParams(await savedParams()),
    host: () => deps.system.hostname(),
    ...(deps.options ? { options: deps.options } : {}),
    ...(deps.logger ? { logger: deps.logger } : {}),
    now,
  });

  return {
    /** The panel's feed: recent(), unreadCount(), markRead(), markAllRead(). */
    feed,
    /** Tells the owner, through the panel and every configured channel. Never throws. */
    notify: (message: NotificationMessage): Promise<NotifyOutcome> => notifier.notify(message),
    /** Like notify(), through the given channels instead of the saved ones ("send test"). */
    sendWith: (message: NotificationMessage, settings: NotificationSettings): Promise<NotifyOutcome> => notifier.notify(message, { settings }),
    /** Logs in to the mail server and quits, sending nothing. Never throws. */
    verifyEmail: (email: EmailSettings): Promise<ChannelOutcome> => verifyEmail(email, deps.options?.smtp),
    /** The saved parameters with their secrets opened (for the app's status). */
    savedParams,
  };
}

export type Notifications = ReturnType<typeof createNotifications>;
