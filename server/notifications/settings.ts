import net from 'node:net';
import addressparser from 'nodemailer/lib/addressparser';
import { isLanAddress } from '../auth/network-access.js';
import type { EmailSettings, Mailbox, NotificationSettings, SmtpSecurity, WebhookFormat, WebhookSettings } from './types.js';

/**
 * The notifications app's parameters, as saved (server/apps/config/notifications.ts
 * builds its form from the same names and defaults). Saved parameters are the box's
 * desired state, so the notifier reads its configuration from them.
 */
export type NotificationParams = {
  emailEnabled: boolean;
  smtpHost: string;
  smtpPort: number;
  smtpSecurity: SmtpSecurity;
  smtpUser: string;
  /** Sealed; '' when none is stored. */
  smtpPassword: string;
  emailFrom: string;
  /** One or more addresses, separated by commas. */
  emailTo: string;
  webhookEnabled: boolean;
  webhookFormat: WebhookFormat;
  webhookUrl: string;
  /** Sealed; '' when none is stored. */
  webhookToken: string;
};

export const notificationsAppId = 'notifications';

export const notificationDefaults: NotificationParams = {
  emailEnabled: false,
  smtpHost: '',
  smtpPort: 587,
  smtpSecurity: 'starttls',
  smtpUser: '',
  smtpPassword: '',
  emailFrom: '',
  emailTo: '',
  webhookEnabled: false,
  webhookFormat: 'ntfy',
  webhookUrl: '',
  webhookToken: '',
};

/** More recipients than this is a mailing list, not an owner. */
export const maxRecipients = 10;

/** A host name of RFC 1123 labels, an IPv4 address, or an IPv6 address (has a colon; checked by validate). */
export const hostPattern = '^(|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)$';
/** One line of printable text: no control characters, so nothing can start a new header. */
export const singleLinePattern = '^[^\\u0000-\\u001f\\u007f]*$';
/** A URL has no spaces or control characters; validate() parses it. */
export const urlPattern = '^[^\\s\\u0000-\\u001f\\u007f]*$';

const localPart = /^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$/;
const domainLabel = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/** A plain mailbox address: dot-atom local part (no quoted strings), a domain of host-name labels. */
export function isMailAddress(address: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const domain = address.slice(at + 1);
  if (local.length > 64 || domain.length === 0 || domain.length > 253) return false;
  return localPart.test(local) && domain.split('.').every((label) => domainLabel.test(label));
}

/**
 * "Owner <me@example.org>, other@example.org" → mailboxes, through nodemailer's own
 * parser (what it parses is what it sends to). Undefined when anything is not a plain
 * mailbox: a group ("Bcc: x@y.z;"), a name holding an address (a missing comma), a
 * line break, an address that is not one.
 */
export function parseMailboxes(text: string): Mailbox[] | undefined {
  if (/[\u0000-\u001f\u007f]/.test(text)) return undefined;
  const entries = addressparser(text);
  const mailboxes: Mailbox[] = [];
  for (const entry of entries) {
    if (entry.group !== undefined || !entry.address) return undefined;
    if (!isMailAddress(entry.address) || entry.name.includes('@')) return undefined;
    mailboxes.push({ name: entry.name, address: entry.address });
  }
  return mailboxes.length ? mailboxes : undefined;
}

const localSuffixes = ['.local', '.lan', '.home', '.internal', '.home.arpa', '.localhost'];

/**
 * Whether a mail server is on the box or the LAN: loopback, private and link-local
 * addresses, "localhost", a single-label name or a name under a local-only domain.
 * Only there may a password travel without TLS.
 */
export function isLocalHost(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/\.$/, '');
  if (!name) return false;
  if (net.isIP(name)) return isLanAddress(name);
  if (name === 'localhost' || !name.includes('.')) return true;
  return localSuffixes.some((suffix) => name.endsWith(suffix));
}

export function isValidHost(host: string): boolean {
  if (host.includes(':')) return net.isIPv6(host);
  if (/^[\d.]+$/.test(host)) return net.isIPv4(host);
  return new RegExp(hostPattern).test(host);
}

/** Query parameters that would put a credential into the (unsealed) URL. */
const credentialQuery = /^(token|key|apikey|api_key|access_token|auth|password|pass)$/i;

export type UrlProblem = 'urlInvalid' | 'urlScheme' | 'urlCredentials' | 'urlTokenInQuery' | 'ntfyTopic' | 'gotifyPath';

/**
 * http/https only; no user:password@ and no ?token= in the URL (it is saved and shown
 * in clear: the token has its own sealed field); ntfy needs a topic in the path, Gotify
 * takes messages at …/message.
 */
export function checkWebhookUrl(raw: string, format: WebhookFormat): UrlProblem | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'urlInvalid';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'urlScheme';
  if (!url.hostname) return 'urlInvalid';
  if (url.username || url.password) return 'urlCredentials';
  if ([...url.searchParams.keys()].some((key) => credentialQuery.test(key))) return 'urlTokenInQuery';
  if (format === 'ntfy' && url.pathname.replace(/\/+$/, '') === '') return 'ntfyTopic';
  if (format === 'gotify' && !/\/message\/?$/.test(url.pathname)) return 'gotifyPath';
  return undefined;
}

/** A token goes into an HTTP header: visible ASCII, no spaces. */
export const isHeaderToken = (token: string) => /^[\x21-\x7e]*$/.test(token);

export type SettingsProblem =
  | 'required'
  | 'hostInvalid'
  | 'addressInvalid'
  | 'fromSingle'
  | 'tooManyRecipients'
  | 'passwordRequired'
  | 'passwordNul'
  | 'plainTextLogin'
  | 'tokenRequired'
  | 'tokenInvalid'
  | UrlProblem;

/**
 * Everything wrong with a parameter set beyond its schema, per parameter. Values are
 * checked whenever they are filled in; what a channel needs is required only when it
 * is enabled.
 */
export function settingsProblems(p: NotificationParams): Array<{ param: keyof NotificationParams; problem: SettingsProblem }> {
  const problems: Array<{ param: keyof NotificationParams; problem: SettingsProblem }> = [];
  const add = (param: keyof NotificationParams, problem: SettingsProblem) => problems.push({ param, problem });

  const host = p.smtpHost.trim();
  if (host && !isValidHost(host)) add('smtpHost', 'hostInvalid');
  else if (!host && p.emailEnabled) add('smtpHost', 'required');

  if (p.smtpPassword.includes('\u0000')) add('smtpPassword', 'passwordNul');
  else if (p.emailEnabled && p.smtpUser && !p.smtpPassword) add('smtpPassword', 'passwordRequired');

  if (p.emailEnabled && host && p.smtpSecurity === 'none' && p.smtpUser && !isLocalHost(host)) add('smtpSecurity', 'plainTextLogin');

  if (p.emailFrom.trim()) {
    const from = parseMailboxes(p.emailFrom);
    if (!from) add('emailFrom', 'addressInvalid');
    else if (from.length > 1) add('emailFrom', 'fromSingle');
  } else if (p.emailEnabled) add('emailFrom', 'required');

  if (p.emailTo.trim()) {
    const to = parseMailboxes(p.emailTo);
    if (!to) add('emailTo', 'addressInvalid');
    else if (to.length > maxRecipients) add('emailTo', 'tooManyRecipients');
  } else if (p.emailEnabled) add('emailTo', 'required');

  const url = p.webhookUrl.trim();
  if (url) {
    const problem = checkWebhookUrl(url, p.webhookFormat);
    if (problem) add('webhookUrl', problem);
  } else if (p.webhookEnabled) add('webhookUrl', 'required');

  if (!isHeaderToken(p.webhookToken)) add('webhookToken', 'tokenInvalid');
  else if (p.webhookEnabled && p.webhookFormat === 'gotify' && !p.webhookToken) add('webhookToken', 'tokenRequired');

  return problems;
}

/** Whether a channel is enabled and has everything it needs. */
export function channelReady(p: NotificationParams, channel: 'email' | 'webhook'): boolean {
  if (channel === 'email' ? !p.emailEnabled : !p.webhookEnabled) return false;
  const own: Array<keyof NotificationParams> =
    channel === 'email' ? ['smtpHost', 'smtpPort', 'smtpSecurity', 'smtpUser', 'smtpPassword', 'emailFrom', 'emailTo'] : ['webhookUrl', 'webhookFormat', 'webhookToken'];
  return !settingsProblems(p).some(({ param }) => own.includes(param));
}

/**
 * The channels a parameter set enables, ready for the notifier. A channel that is
 * enabled but incomplete is left out (validate() keeps that from being saved).
 */
export function settingsFromParams(p: NotificationParams): NotificationSettings {
  const settings: NotificationSettings = {};
  if (channelReady(p, 'email')) {
    const email: EmailSettings = {
      host: p.smtpHost.trim(),
      port: p.smtpPort,
      security: p.smtpSecurity,
      username: p.smtpUser,
      // A password without a user name is not used: the server takes mail without a login.
      password: p.smtpUser ? p.smtpPassword : '',
      from: parseMailboxes(p.emailFrom)![0]!,
      to: parseMailboxes(p.emailTo)!,
    };
    settings.email = email;
  }
  if (channelReady(p, 'webhook')) {
    const webhook: WebhookSettings = { url: p.webhookUrl.trim(), format: p.webhookFormat, token: p.webhookToken };
    settings.webhook = webhook;
  }
  return settings;
}

/** Saved parameters (possibly from an older version, with fewer keys) over the defaults. */
export function paramsFromSaved(saved: Record<string, unknown> | undefined, secrets: { smtpPassword?: string; webhookToken?: string }): NotificationParams {
  const merged: Record<string, unknown> = { ...notificationDefaults };
  for (const [key, value] of Object.entries(saved ?? {})) {
    if (key in notificationDefaults && typeof value === typeof notificationDefaults[key as keyof NotificationParams]) merged[key] = value;
  }
  merged.smtpPassword = secrets.smtpPassword ?? '';
  merged.webhookToken = secrets.webhookToken ?? '';
  return merged as unknown as NotificationParams;
}
