import { afterEach, describe, expect, it } from 'vitest';
import { closedPort, closeReceivers, mailBody, startSilentServer, startSmtpServer, testCertificate } from '../testing/receivers.js';
import type { EmailSettings, NotificationMessage } from '../types.js';
import { composeEmail, sendEmail, smtpTransportOptions, verifyEmail } from './email.js';

afterEach(closeReceivers);

const password = 'Corr3ct horse: battery "staple" \\ é';
const message: NotificationMessage = { level: 'error', title: 'Backup failed', body: 'The disk /srv/backup is full.\nFree some space.' };
const context = { host: 'attic-nas', at: '2026-11-28T12:00:00.000Z' };

async function trusted() {
  const { cert } = await testCertificate();
  return { tls: { ca: cert }, connectionTimeoutMs: 2000, greetingTimeoutMs: 2000, socketTimeoutMs: 2000, totalTimeoutMs: 5000 };
}

function settings(port: number, overrides: Partial<EmailSettings> = {}): EmailSettings {
  return {
    host: '127.0.0.1',
    port,
    security: 'starttls',
    username: 'nas@example.org',
    password,
    from: { name: 'Hearth', address: 'nas@example.org' },
    to: [{ name: '', address: 'owner@example.org' }, { name: 'Second Owner', address: 'other@example.net' }],
    ...overrides,
  };
}

describe('e-mail channel', () => {
  it('maps the security choice onto nodemailer: STARTTLS required, TLS from the start, or no TLS at all', () => {
    const base = settings(587);
    expect(smtpTransportOptions(base)).toMatchObject({ host: '127.0.0.1', port: 587, secure: false, requireTLS: true, ignoreTLS: false, auth: { user: 'nas@example.org', pass: password }, forceAuth: true });
    expect(smtpTransportOptions({ ...base, security: 'tls', port: 465 })).toMatchObject({ secure: true, requireTLS: false, ignoreTLS: false });
    expect(smtpTransportOptions({ ...base, security: 'none', port: 25, username: '', password: '' })).toMatchObject({ secure: false, requireTLS: false, ignoreTLS: true });
    expect(smtpTransportOptions({ ...base, username: '' })).not.toHaveProperty('auth');
    // A dead server cannot hold a job for nodemailer's default minutes.
    expect(smtpTransportOptions(base)).toMatchObject({ connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 30_000, tls: { minVersion: 'TLSv1.2' }, disableFileAccess: true, disableUrlAccess: true });
  });

  it('sends over STARTTLS after logging in, with the subject, sender, recipients and body asked for', async () => {
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password } });
    const outcome = await sendEmail(settings(smtp.port), message, context, await trusted());
    expect(outcome).toEqual({ channel: 'email', ok: true, detail: expect.stringContaining('Queued as 4711') });
    expect(smtp.logins).toEqual([{ method: 'PLAIN', username: 'nas@example.org', password, secure: true, accepted: true }]);
    expect(smtp.mails).toHaveLength(1);
    const mail = smtp.mails[0]!;
    expect(mail).toMatchObject({ mailFrom: 'nas@example.org', rcptTo: ['owner@example.org', 'other@example.net'], user: 'nas@example.org', secure: true });
    expect(mail.raw).toMatch(/^From: Hearth <nas@example\.org>\r$/m);
    expect(mail.raw).toMatch(/^To: owner@example\.org, Second Owner <other@example\.net>\r$/m);
    expect(mail.raw).toMatch(/^Subject: \[attic-nas\] Backup failed\r$/m);
    expect(mail.raw).toMatch(/^Auto-Submitted: auto-generated\r$/m);
    expect(mail.raw).toMatch(/^X-Priority: 1 \(Highest\)\r$/m);
    expect(mailBody(mail)).toBe('The disk /srv/backup is full.\nFree some space.\n\n-- \nHearth · attic-nas · 2026-11-28T12:00:00.000Z\n');
  });

  it('speaks TLS from the first byte when asked to (SMTPS)', async () => {
    const smtp = await startSmtpServer({ security: 'tls', users: { 'nas@example.org': password } });
    const outcome = await sendEmail(settings(smtp.port, { security: 'tls' }), message, context, await trusted());
    expect(outcome.ok).toBe(true);
    expect(smtp.mails[0]).toMatchObject({ secure: true, user: 'nas@example.org' });
  });

  it('uses no TLS with "none", and no login without a user name (a relay on the LAN)', async () => {
    const smtp = await startSmtpServer({ security: 'none' });
    const outcome = await sendEmail(settings(smtp.port, { security: 'none', username: '', password: '' }), message, context, await trusted());
    expect(outcome.ok).toBe(true);
    expect(smtp.logins).toEqual([]);
    expect(smtp.mails[0]).toMatchObject({ secure: false, user: undefined });
  });

  it('refuses to send when STARTTLS is required and the server does not offer it', async () => {
    const smtp = await startSmtpServer({ security: 'none', users: { 'nas@example.org': password } });
    const outcome = await sendEmail(settings(smtp.port), message, context, await trusted());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/^Error upgrading connection with STARTTLS/);
    expect(smtp.logins).toEqual([]);
    expect(smtp.mails).toEqual([]);
  });

  it('does not trust a certificate the system does not trust', async () => {
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password } });
    const outcome = await sendEmail(settings(smtp.port), message, context, { totalTimeoutMs: 5000 });
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/certificate/i);
    expect(smtp.logins).toEqual([]);
  });

  it('forces the login: a user name given to a server without AUTH is a failure, not an anonymous send', async () => {
    const smtp = await startSmtpServer({ security: 'none', noAuth: true });
    const outcome = await sendEmail(settings(smtp.port, { security: 'none' }), message, context, await trusted());
    expect(outcome).toMatchObject({ ok: false, error: expect.stringMatching(/^Invalid login: 500/) });
    expect(smtp.mails).toEqual([]);
  });

  it('reports a rejected login without the password in any form', async () => {
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': 'something else' } });
    const outcome = await sendEmail(settings(smtp.port), message, context, await trusted());
    expect(outcome.ok).toBe(false);
    expect(outcome.error).toMatch(/Invalid login: 535/);
    expect(outcome.error).not.toContain(password);
    expect(outcome.error).not.toContain(Buffer.from(password).toString('base64'));
    expect(smtp.mails).toEqual([]);
  });

  it('reports a refused connection, a server that never greets, and refused recipients', async () => {
    const refused = await sendEmail(settings(await closedPort()), message, context, await trusted());
    expect(refused).toMatchObject({ ok: false, error: expect.stringMatching(/ECONNREFUSED/) });

    const silent = await startSilentServer();
    const started = Date.now();
    const quiet = await sendEmail(settings(silent.port), message, context, { ...(await trusted()), greetingTimeoutMs: 300 });
    expect(quiet).toMatchObject({ ok: false, error: expect.stringMatching(/Greeting never received/) });
    expect(silent.accepted()).toBe(1);
    expect(Date.now() - started).toBeLessThan(3000);

    // Whatever the per-step timeouts, the whole exchange has a deadline.
    const capped = await sendEmail(settings(silent.port), message, context, { ...(await trusted()), greetingTimeoutMs: 60_000, totalTimeoutMs: 300 });
    expect(capped).toEqual({ channel: 'email', ok: false, error: 'no answer from the mail server within 300 ms' });
    const cappedCheck = await verifyEmail(settings(silent.port), { ...(await trusted()), greetingTimeoutMs: 60_000, totalTimeoutMs: 300 });
    expect(cappedCheck).toEqual({ channel: 'email', ok: false, error: 'no answer from the mail server within 300 ms' });
    expect(Date.now() - started).toBeLessThan(5000);

    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password }, refuse: ['other@example.net'] });
    const partly = await sendEmail(settings(smtp.port), message, context, await trusted());
    expect(partly).toMatchObject({ ok: false, error: expect.stringContaining('other@example.net') });
  });

  it('keeps a title with line breaks on one header line: no header can be injected', async () => {
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password } });
    const injected = { ...message, title: 'Hello\r\nBcc: thief@example.com\r\n\r\nfake body' };
    expect(composeEmail(settings(1), injected, context).subject).toBe('[attic-nas] Hello Bcc: thief@example.com fake body');
    expect((await sendEmail(settings(smtp.port), injected, context, await trusted())).ok).toBe(true);
    expect(smtp.mails[0]!.rcptTo).toEqual(['owner@example.org', 'other@example.net']);
    expect(smtp.mails[0]!.raw).not.toMatch(/^Bcc:/im);
  });

  it('verifies the settings by logging in, without sending anything', async () => {
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password } });
    expect(await verifyEmail(settings(smtp.port), await trusted())).toEqual({ channel: 'email', ok: true });
    expect(smtp.logins).toMatchObject([{ accepted: true, secure: true }]);
    expect(smtp.mails).toEqual([]);
    const wrong = await verifyEmail(settings(smtp.port, { password: 'nope-nope' }), await trusted());
    expect(wrong).toMatchObject({ ok: false, error: expect.stringMatching(/Invalid login/) });
  });
});
