import type { ConnectionOptions } from 'node:tls';

/** How much a notification matters: the panel's colour, ntfy/Gotify priority, e-mail importance. */
export const notificationLevels = ['info', 'warning', 'error'] as const;
export type NotificationLevel = (typeof notificationLevels)[number];

/**
 * What a caller hands to notify(). Title and body are text ready to show, already in
 * the owner's language (a job translates them with job.t). The title is one line.
 */
export interface NotificationMessage {
  level: NotificationLevel;
  title: string;
  body: string;
}

/** The channels besides the panel, which always gets every notification. */
export const channelNames = ['email', 'webhook'] as const;
export type ChannelName = (typeof channelNames)[number];

export const smtpSecurities = ['starttls', 'tls', 'none'] as const;
export type SmtpSecurity = (typeof smtpSecurities)[number];

export const webhookFormats = ['ntfy', 'gotify', 'json'] as const;
export type WebhookFormat = (typeof webhookFormats)[number];

/** An e-mail address with an optional display name ("Owner <me@example.org>"). */
export interface Mailbox {
  name: string;
  address: string;
}

export interface EmailSettings {
  host: string;
  port: number;
  security: SmtpSecurity;
  /** Empty: the server takes mail without a login (a relay on the box or the LAN). */
  username: string;
  password: string;
  from: Mailbox;
  /** One or more addresses. */
  to: Mailbox[];
}

export interface WebhookSettings {
  url: string;
  format: WebhookFormat;
  /** ntfy access token, Gotify application token, or a bearer token for "json"; may be empty. */
  token: string;
}

/** The external channels; undefined means "not enabled". */
export interface NotificationSettings {
  email?: EmailSettings;
  webhook?: WebhookSettings;
}

/** The result of one channel for one notification. */
export interface ChannelOutcome {
  channel: ChannelName;
  ok: boolean;
  /** Why it failed, secrets removed; technical text (server replies are not translated). */
  error?: string;
  /** On success: what the other side answered (SMTP reply, HTTP status). */
  detail?: string;
}

export interface NotifyOutcome {
  /** The notification's id in the panel feed; null if even that write failed. */
  id: number | null;
  at: string;
  /** One entry per enabled channel, in the order email, webhook. */
  channels: ChannelOutcome[];
}

/**
 * How long to wait for the other side. Tests pass short values and their own CA;
 * the box uses the defaults and the system's CA store.
 */
export interface ChannelOptions {
  smtp?: {
    connectionTimeoutMs?: number;
    greetingTimeoutMs?: number;
    socketTimeoutMs?: number;
    dnsTimeoutMs?: number;
    /** The whole exchange, whatever the server does. */
    totalTimeoutMs?: number;
    tls?: ConnectionOptions;
  };
  webhook?: {
    timeoutMs?: number;
  };
}

/** A pino-style logger (the daemon's `app.log`); only warn and info are used. */
export interface NotificationLogger {
  info(object: Record<string, unknown>, message: string): void;
  warn(object: Record<string, unknown>, message: string): void;
}
