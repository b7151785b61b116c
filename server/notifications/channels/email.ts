import nodemailer from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { duration, oneLine, redactSecrets } from '../redact.js';
import type { ChannelOptions, ChannelOutcome, EmailSettings, NotificationMessage } from '../types.js';

/**
 * How long a dead or silent mail server may hold a job: nodemailer's own defaults
 * (2 minutes to connect, 10 minutes of silence) are far too patient for that.
 */
export const smtpDefaults = {
  connectionTimeoutMs: 10_000,
  greetingTimeoutMs: 10_000,
  socketTimeoutMs: 30_000,
  dnsTimeoutMs: 10_000,
  totalTimeoutMs: 60_000,
};

/**
 * - starttls: plain connection upgraded with STARTTLS, which is *required* (requireTLS):
 *   a server, or a man in the middle, that does not offer it gets no password and no mail.
 * - tls: TLS from the first byte (SMTPS, usually port 465).
 * - none: never TLS (ignoreTLS), for a relay on the box or the LAN.
 * Certificates are checked against the system's CA store; TLS 1.2 at least.
 * With a user name the login is forced: a server that does not offer AUTH fails
 * instead of getting the mail unauthenticated.
 */
export function smtpTransportOptions(settings: EmailSettings, options: ChannelOptions['smtp'] = {}): SMTPTransport.Options {
  const timeouts = { ...smtpDefaults, ...options };
  return {
    host: settings.host,
    port: settings.port,
    secure: settings.security === 'tls',
    requireTLS: settings.security === 'starttls',
    ignoreTLS: settings.security === 'none',
    ...(settings.username ? { auth: { user: settings.username, pass: settings.password }, forceAuth: true } : {}),
    connectionTimeout: timeouts.connectionTimeoutMs,
    greetingTimeout: timeouts.greetingTimeoutMs,
    socketTimeout: timeouts.socketTimeoutMs,
    dnsTimeout: timeouts.dnsTimeoutMs,
    // Close at once after QUIT: waiting for the server to hang up only delays the job.
    socketCloseTimeout: 0,
    tls: { minVersion: 'TLSv1.2', ...options.tls },
    logger: false,
    debug: false,
    // The message is built from text only: nothing may make nodemailer read a file or a URL.
    disableFileAccess: true,
    disableUrlAccess: true,
  };
}

/** The message as the owner receives it; `host` is the box's name, `at` when it happened. */
export function composeEmail(settings: EmailSettings, message: NotificationMessage, context: { host: string; at: string }) {
  return {
    from: settings.from,
    to: settings.to,
    subject: `[${oneLine(context.host, 64)}] ${oneLine(message.title, 200)}`,
    text: `${message.body}\n\n-- \nHearth · ${context.host} · ${context.at}\n`,
    priority: message.level === 'error' ? 'high' : 'normal',
    headers: {
      // RFC 3834: a machine wrote this; vacation responders must not answer it.
      'Auto-Submitted': 'auto-generated',
      'X-Auto-Response-Suppress': 'All',
    },
  };
}

function failure(settings: EmailSettings, error: unknown, totalMs: number): ChannelOutcome {
  const err = error as { name?: string; message?: string };
  const text = err?.name === 'AbortError' || err?.name === 'TimeoutError' ? `no answer from the mail server within ${duration(totalMs)}` : String(err?.message ?? error);
  return { channel: 'email', ok: false, error: redactSecrets(oneLine(text, 400), [settings.password], settings.username) };
}

/** Sends one notification by e-mail. Never throws: a failure is an outcome. */
export async function sendEmail(
  settings: EmailSettings,
  message: NotificationMessage,
  context: { host: string; at: string },
  options: ChannelOptions['smtp'] = {},
): Promise<ChannelOutcome> {
  const totalMs = options.totalTimeoutMs ?? smtpDefaults.totalTimeoutMs;
  let transporter: ReturnType<typeof nodemailer.createTransport> | undefined;
  try {
    transporter = nodemailer.createTransport(smtpTransportOptions(settings, options));
    const info = await transporter.sendMail({ ...composeEmail(settings, message, context), signal: AbortSignal.timeout(totalMs) });
    const refused = (info.rejected ?? []).map(String);
    if (refused.length) return { channel: 'email', ok: false, error: oneLine(`the mail server refused ${refused.join(', ')}: ${info.response ?? ''}`, 400) };
    return { channel: 'email', ok: true, detail: redactSecrets(oneLine(String(info.response ?? ''), 200), [settings.password], settings.username) };
  } catch (error) {
    return failure(settings, error, totalMs);
  } finally {
    transporter?.close();
  }
}

/**
 * Connects, says EHLO, does the TLS the settings ask for and logs in, then quits:
 * whether the settings work, without sending anything. Never throws.
 */
export async function verifyEmail(settings: EmailSettings, options: ChannelOptions['smtp'] = {}): Promise<ChannelOutcome> {
  const totalMs = options.totalTimeoutMs ?? smtpDefaults.totalTimeoutMs;
  let transporter: ReturnType<typeof nodemailer.createTransport> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    transporter = nodemailer.createTransport(smtpTransportOptions(settings, options));
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(Object.assign(new Error('timeout'), { name: 'TimeoutError' })), totalMs);
    });
    await Promise.race([transporter.verify(), deadline]);
    return { channel: 'email', ok: true };
  } catch (error) {
    return failure(settings, error, totalMs);
  } finally {
    clearTimeout(timer);
    transporter?.close();
  }
}
