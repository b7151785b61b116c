import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, closeReceivers, startHttpReceiver } from '../testing/receivers.js';
import type { NotificationMessage } from '../types.js';
import { buildWebhookRequest, headerText, sendWebhook, truncateUtf8 } from './webhook.js';

afterEach(closeReceivers);

const context = { host: 'attic-nas', at: '2026-11-28T12:00:00.000Z' };
const warning: NotificationMessage = { level: 'warning', title: 'Disk almost full', body: '/srv/hearth is 93 % full.' };
const token = 'tk_s3cretT0kenValue';

/** What Go's mime.WordDecoder (ntfy's maybeDecodeHeader) makes of an encoded header. */
function decodeWords(value: string): string {
  const words = value.split(' ');
  if (!words.every((word) => /^=\?UTF-8\?B\?[A-Za-z0-9+/=]*\?=$/.test(word))) return value;
  return Buffer.concat(words.map((word) => Buffer.from(word.slice(10, -2), 'base64'))).toString('utf8');
}

describe('webhook channel', () => {
  it('posts ntfy messages: the text as body, Title, Priority and Tags headers, the token as a bearer', async () => {
    const receiver = await startHttpReceiver();
    const outcome = await sendWebhook({ url: receiver.url('/hearth-alerts'), format: 'ntfy', token }, warning, context);
    expect(outcome).toEqual({ channel: 'webhook', ok: true, detail: 'HTTP 200' });
    expect(receiver.requests).toHaveLength(1);
    const request = receiver.requests[0]!;
    expect(request).toMatchObject({ method: 'POST', path: '/hearth-alerts', body: '/srv/hearth is 93 % full.' });
    expect(request.headers).toMatchObject({
      'content-type': 'text/plain; charset=utf-8',
      title: 'Disk almost full',
      priority: '4',
      tags: 'warning,attic-nas',
      authorization: `Bearer ${token}`,
      'user-agent': 'Hearth',
    });
  });

  it('sends a Chinese title to ntfy as RFC 2047 encoded words, which ntfy decodes', async () => {
    const receiver = await startHttpReceiver();
    const title = '备份失败：磁盘 /srv/backup 已满，请尽快清理空间以便下一次备份能够完成';
    const outcome = await sendWebhook({ url: receiver.url('/t'), format: 'ntfy', token: '' }, { level: 'error', title, body: '详情见面板。' }, context);
    expect(outcome.ok).toBe(true);
    const header = receiver.requests[0]!.headers.title as string;
    expect(header).toMatch(/^=\?UTF-8\?B\?/);
    for (const word of header.split(' ')) expect(word.length).toBeLessThanOrEqual(75);
    expect(decodeWords(header)).toBe(title);
    expect(receiver.requests[0]!.headers).toMatchObject({ priority: '5', tags: 'rotating_light,attic-nas' });
    expect(receiver.requests[0]!.headers).not.toHaveProperty('authorization');
    expect(receiver.requests[0]!.body).toBe('详情见面板。');
  });

  it('posts Gotify messages as JSON with the application token in X-Gotify-Key, not in the URL', async () => {
    const receiver = await startHttpReceiver();
    const outcome = await sendWebhook({ url: receiver.url('/message'), format: 'gotify', token: 'AbCdEf.123' }, warning, context);
    expect(outcome.ok).toBe(true);
    const request = receiver.requests[0]!;
    expect(request.path).toBe('/message');
    expect(request.headers).toMatchObject({ 'content-type': 'application/json', 'x-gotify-key': 'AbCdEf.123' });
    expect(JSON.parse(request.body)).toEqual({ title: 'Disk almost full', message: '/srv/hearth is 93 % full.', priority: 7 });
  });

  it('posts plain JSON: level, title, body, time and host', async () => {
    const receiver = await startHttpReceiver({ status: 204 });
    const outcome = await sendWebhook({ url: receiver.url('/hooks/hearth?source=nas'), format: 'json', token: '' }, { level: 'info', title: 'Backup done', body: '12 GiB in 4 min' }, context);
    expect(outcome).toEqual({ channel: 'webhook', ok: true, detail: 'HTTP 204' });
    const request = receiver.requests[0]!;
    expect(request.path).toBe('/hooks/hearth?source=nas');
    expect(request.headers['content-type']).toBe('application/json');
    expect(request.headers).not.toHaveProperty('authorization');
    expect(JSON.parse(request.body)).toEqual({ level: 'info', title: 'Backup done', body: '12 GiB in 4 min', at: '2026-11-28T12:00:00.000Z', host: 'attic-nas' });
  });

  it('treats a reply other than 2xx as a failure, with the status and what the server said', async () => {
    const receiver = await startHttpReceiver({ status: 500, body: 'database locked' });
    const outcome = await sendWebhook({ url: receiver.url('/t'), format: 'ntfy', token }, warning, context);
    expect(outcome).toEqual({ channel: 'webhook', ok: false, error: 'HTTP 500 Internal Server Error: database locked' });

    const unauthorized = await startHttpReceiver({ status: 401, body: `{"error":"Unauthorized","errorDescription":"token ${token} is not valid"}` });
    const denied = await sendWebhook({ url: unauthorized.url('/message'), format: 'gotify', token }, warning, context);
    expect(denied.ok).toBe(false);
    expect(denied.error).toMatch(/^HTTP 401 Unauthorized: /);
    // A server that echoes the token does not get it into the log.
    expect(denied.error).not.toContain(token);
  });

  it('does not follow redirects: the POST would turn into a GET and be lost', async () => {
    const target = await startHttpReceiver();
    const redirecting = await startHttpReceiver({ status: 301, headers: { Location: target.url('/elsewhere') } });
    const outcome = await sendWebhook({ url: redirecting.url('/t'), format: 'ntfy', token: '' }, warning, context);
    expect(outcome).toEqual({ channel: 'webhook', ok: false, error: `HTTP 301 Moved Permanently: redirected to ${target.url('/elsewhere')}` });
    expect(target.requests).toEqual([]);
  });

  it('gives up on a server that never answers, after the timeout', async () => {
    const receiver = await startHttpReceiver('hang');
    const started = Date.now();
    const outcome = await sendWebhook({ url: receiver.url('/t'), format: 'json', token: '' }, warning, context, { timeoutMs: 300 });
    expect(outcome).toEqual({ channel: 'webhook', ok: false, error: 'no answer within 300 ms' });
    expect(receiver.requests).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('reports a refused connection', async () => {
    const outcome = await sendWebhook({ url: `http://127.0.0.1:${await closedPort()}/t`, format: 'ntfy', token: '' }, warning, context);
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('keeps header values on one line and within ntfy limits', () => {
    const request = buildWebhookRequest({ url: 'https://ntfy.example/t', format: 'ntfy', token: '' }, { level: 'info', title: 'A\r\nX-Injected: 1', body: 'é'.repeat(3000) }, context);
    expect(request.headers.Title).toBe('A X-Injected: 1');
    expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(4000);
    expect(request.body.endsWith('…')).toBe(true);
    expect(headerText('plain ascii')).toBe('plain ascii');
    expect(truncateUtf8('short', 10)).toBe('short');
  });
});
