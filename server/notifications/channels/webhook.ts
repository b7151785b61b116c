import { duration, oneLine, redactSecrets } from '../redact.js';
import type { ChannelOptions, ChannelOutcome, NotificationLevel, NotificationMessage, WebhookSettings } from '../types.js';

export const webhookDefaults = { timeoutMs: 10_000 };

/** ntfy priorities: 3 default, 4 high, 5 urgent (https://docs.ntfy.sh/publish/#message-priority). */
const ntfyPriority: Record<NotificationLevel, string> = { info: '3', warning: '4', error: '5' };
/** ntfy shows tags that are emoji short codes as emoji. */
const ntfyTag: Record<NotificationLevel, string> = { info: 'information_source', warning: 'warning', error: 'rotating_light' };
/** Gotify's Android app: 4–7 notify with sound, 8 and above also pop up. */
const gotifyPriority: Record<NotificationLevel, number> = { info: 4, warning: 7, error: 9 };

/** ntfy keeps a message of up to 4096 bytes as text; longer ones would become attachments. */
const ntfyMaxBytes = 4000;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** Cuts text to at most `max` UTF-8 bytes without splitting a character. */
export function truncateUtf8(text: string, max: number): string {
  if (Buffer.byteLength(text, 'utf8') <= max) return text;
  let out = '';
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, 'utf8');
    if (bytes + size > max - 3) break;
    out += char;
    bytes += size;
  }
  return `${out}…`;
}

/**
 * A header value must be Latin-1 for fetch, and a line break in one would start a new
 * header: one line, and non-ASCII text as RFC 2047 encoded words, which ntfy decodes
 * (server/util.go, maybeDecodeHeader). Each word stays within RFC 2047's 75 characters.
 */
export function headerText(text: string): string {
  const line = oneLine(text, 250);
  if (/^[\x20-\x7e]*$/.test(line)) return line;
  const words: string[] = [];
  let chunk = '';
  for (const char of line) {
    if (Buffer.byteLength(chunk + char, 'utf8') > 45) {
      words.push(chunk);
      chunk = '';
    }
    chunk += char;
  }
  if (chunk) words.push(chunk);
  return words.map((word) => `=?UTF-8?B?${Buffer.from(word, 'utf8').toString('base64')}?=`).join(' ');
}

/** The HTTP request a notification becomes, per format. Pure: tests read it as is. */
export function buildWebhookRequest(settings: WebhookSettings, message: NotificationMessage, context: { host: string; at: string }): WebhookRequest {
  const title = oneLine(message.title, 200);
  const common = { 'User-Agent': 'Hearth' };
  switch (settings.format) {
    case 'ntfy':
      return {
        url: settings.url,
        headers: {
          ...common,
          'Content-Type': 'text/plain; charset=utf-8',
          Title: headerText(title),
          Priority: ntfyPriority[message.level],
          Tags: [ntfyTag[message.level], oneLine(context.host, 64).replace(/[,\s]/g, '')].filter(Boolean).join(','),
          ...(settings.token ? { Authorization: `Bearer ${settings.token}` } : {}),
        },
        body: truncateUtf8(message.body || title, ntfyMaxBytes),
      };
    case 'gotify':
      return {
        url: settings.url,
        // The token in a header, not in ?token=: URLs end up in proxy and server logs.
        headers: { ...common, 'Content-Type': 'application/json', 'X-Gotify-Key': settings.token },
        body: JSON.stringify({ title, message: message.body || title, priority: gotifyPriority[message.level] }),
      };
    case 'json':
      return {
        url: settings.url,
        headers: { ...common, 'Content-Type': 'application/json', ...(settings.token ? { Authorization: `Bearer ${settings.token}` } : {}) },
        body: JSON.stringify({ level: message.level, title, body: message.body, at: context.at, host: context.host }),
      };
  }
}

/** The first bytes of an error reply, which usually say what is wrong (Gotify: "you need to provide a valid access token"). */
async function replySnippet(response: Response): Promise<string> {
  try {
    const reader = response.body?.getReader();
    if (!reader) return '';
    const chunks: Uint8Array[] = [];
    let size = 0;
    while (size < 2048) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
    await reader.cancel().catch(() => undefined);
    return oneLine(Buffer.concat(chunks).toString('utf8'), 200);
  } catch {
    return '';
  }
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  const err = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${duration(timeoutMs)}`;
  return err?.cause?.message ?? err?.message ?? String(error);
}

/**
 * POSTs one notification. A reply other than 2xx is a failure with the status in
 * the message; redirects are not followed (a POST turned into a GET would be lost
 * silently). Never throws.
 */
export async function sendWebhook(
  settings: WebhookSettings,
  message: NotificationMessage,
  context: { host: string; at: string },
  options: ChannelOptions['webhook'] = {},
): Promise<ChannelOutcome> {
  const timeoutMs = options.timeoutMs ?? webhookDefaults.timeoutMs;
  const clean = (text: string) => redactSecrets(oneLine(text, 400), [settings.token]);
  try {
    const request = buildWebhookRequest(settings, message, context);
    const response = await fetch(request.url, { method: 'POST', headers: request.headers, body: request.body, redirect: 'manual', signal: AbortSignal.timeout(timeoutMs) });
    if (response.status >= 200 && response.status < 300) {
      await response.body?.cancel().catch(() => undefined);
      return { channel: 'webhook', ok: true, detail: `HTTP ${response.status}` };
    }
    const location = response.status >= 300 && response.status < 400 ? response.headers.get('location') : null;
    const snippet = location ? `redirected to ${location}` : await replySnippet(response);
    return { channel: 'webhook', ok: false, error: clean(`HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}${snippet ? `: ${snippet}` : ''}`) };
  } catch (error) {
    return { channel: 'webhook', ok: false, error: clean(describeFetchError(error, timeoutMs)) };
  }
}
