import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { manualClock, testAppliance } from '../testing/temp-root.js';
import { createNotifications } from './index.js';
import { normalizeMessage } from './notify.js';
import { notificationDefaults } from './settings.js';
import { closeReceivers, mailBody, startHttpReceiver, startSmtpServer, testCertificate } from './testing/receivers.js';

afterEach(closeReceivers);

const password = 'pw for the relay';

async function box() {
  const clock = manualClock();
  const appliance = testAppliance({ now: clock.now });
  mkdirSync(appliance.paths.systemFile('etc'), { recursive: true });
  writeFileSync(appliance.paths.systemFile('etc/hostname'), 'attic-nas\n');
  const logged: Array<{ level: string; object: Record<string, unknown>; message: string }> = [];
  const logger = {
    info: (object: Record<string, unknown>, message: string) => logged.push({ level: 'info', object, message }),
    warn: (object: Record<string, unknown>, message: string) => logged.push({ level: 'warn', object, message }),
  };
  const { cert } = await testCertificate();
  const notifications = createNotifications({
    db: appliance.db,
    saved: appliance.saved,
    system: appliance.system,
    now: clock.now,
    logger,
    options: { smtp: { tls: { ca: cert }, totalTimeoutMs: 5000 }, webhook: { timeoutMs: 2000 } },
  });
  return { appliance, notifications, logged, clock };
}

describe('notify()', () => {
  it('always records in the panel; with nothing configured, that is all', async () => {
    const { notifications, logged } = await box();
    const outcome = await notifications.notify({ level: 'warning', title: 'Disk almost full', body: '93 %' });
    expect(outcome).toEqual({ id: 1, at: '2026-11-28T12:00:00.000Z', channels: [] });
    expect(notifications.feed.recent()).toEqual([
      { id: 1, at: '2026-11-28T12:00:00.000Z', level: 'warning', title: 'Disk almost full', body: '93 %', readAt: null, deliveries: [] },
    ]);
    expect(logged).toEqual([]);
  });

  it('sends through the saved channels, opening the sealed password and token, and records each delivery', async () => {
    const { appliance, notifications, logged } = await box();
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password } });
    const ntfy = await startHttpReceiver();
    await appliance.saved.save(
      'notifications',
      {
        ...notificationDefaults,
        emailEnabled: true,
        smtpHost: '127.0.0.1',
        smtpPort: smtp.port,
        smtpUser: 'nas@example.org',
        emailFrom: 'nas@example.org',
        emailTo: 'owner@example.org',
        webhookEnabled: true,
        webhookUrl: ntfy.url('/attic'),
      },
      { smtpPassword: password, webhookToken: 'tk_abc' },
    );
    const outcome = await notifications.notify({ level: 'error', title: 'Backup failed', body: 'The target disk is missing.' });
    expect(outcome.channels).toEqual([
      { channel: 'email', ok: true, detail: expect.stringContaining('Queued') },
      { channel: 'webhook', ok: true, detail: 'HTTP 200' },
    ]);
    expect(smtp.logins).toMatchObject([{ username: 'nas@example.org', password, accepted: true }]);
    expect(smtp.mails[0]!.raw).toMatch(/^Subject: \[attic-nas\] Backup failed\r$/m);
    expect(mailBody(smtp.mails[0]!)).toMatch(/^The target disk is missing\.\n/);
    expect(ntfy.requests[0]).toMatchObject({ body: 'The target disk is missing.', headers: { title: 'Backup failed', priority: '5', authorization: 'Bearer tk_abc' } });
    expect(notifications.feed.get(outcome.id!)?.deliveries.map((d) => [d.channel, d.ok])).toEqual([
      ['email', true],
      ['webhook', true],
    ]);
    expect(logged.map((l) => [l.level, l.object.channel])).toEqual([
      ['info', 'email'],
      ['info', 'webhook'],
    ]);
  });

  it('never throws: a failing channel is logged and recorded while the others still deliver', async () => {
    const { appliance, notifications, logged } = await box();
    const smtp = await startSmtpServer({ security: 'none' });
    const broken = await startHttpReceiver({ status: 503, body: 'maintenance' });
    await appliance.saved.save(
      'notifications',
      { ...notificationDefaults, emailEnabled: true, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none', emailFrom: 'nas@example.org', emailTo: 'owner@example.org', webhookEnabled: true, webhookFormat: 'json', webhookUrl: broken.url('/hook') },
      {},
    );
    const outcome = await notifications.notify({ level: 'info', title: 'Update ready', body: '1.4.0' });
    expect(outcome.channels).toEqual([
      { channel: 'email', ok: true, detail: expect.any(String) },
      { channel: 'webhook', ok: false, error: 'HTTP 503 Service Unavailable: maintenance' },
    ]);
    expect(smtp.mails).toHaveLength(1);
    expect(logged.at(-1)).toEqual({ level: 'warn', object: { notification: outcome.id, channel: 'webhook', reason: 'HTTP 503 Service Unavailable: maintenance' }, message: 'notification not delivered' });
    expect(notifications.feed.lastDelivery('webhook')).toMatchObject({ ok: false, error: 'HTTP 503 Service Unavailable: maintenance' });
  });

  it('still tells the panel when the settings cannot be read, and still mails when the feed cannot be written', async () => {
    const { appliance, notifications, logged } = await box();
    await appliance.saved.save('notifications', { ...notificationDefaults, emailEnabled: true }, {});
    appliance.db.prepare("INSERT INTO app_secrets (app_id, param, sealed, updated_at) VALUES ('notifications', 'smtpPassword', 'garbage', 'x')").run();
    const outcome = await notifications.notify({ level: 'info', title: 'Hello', body: '' });
    expect(outcome.id).toBe(1);
    expect(outcome.channels).toEqual([]);
    expect(logged[0]?.message).toMatch(/could not read the channel settings/);

    const smtp = await startSmtpServer({ security: 'none' });
    appliance.db.prepare("DELETE FROM app_secrets WHERE app_id = 'notifications'").run();
    await appliance.saved.save('notifications', { ...notificationDefaults, emailEnabled: true, smtpHost: '127.0.0.1', smtpPort: smtp.port, smtpSecurity: 'none', emailFrom: 'nas@example.org', emailTo: 'owner@example.org' }, {});
    appliance.db.exec('DROP TABLE notification_deliveries; DROP TABLE notifications;');
    const blind = await notifications.notify({ level: 'error', title: 'Database trouble', body: '' });
    expect(blind.id).toBeNull();
    expect(blind.channels).toMatchObject([{ channel: 'email', ok: true }]);
    expect(smtp.mails).toHaveLength(1);
    expect(logged.some((l) => /could not add it to the panel feed/.test(l.message))).toBe(true);
  });

  it('cleans what callers pass: one-line bounded title, no control characters, a known level', () => {
    expect(normalizeMessage({ level: 'info', title: ' Two\r\nlines\u0007 ', body: 'a\r\nb\u0000c\u001b[31m\n\n' })).toEqual({ level: 'info', title: 'Two lines', body: 'a\nbc[31m' });
    expect(normalizeMessage({ level: 'panic' as 'info', title: '', body: 'x'.repeat(9000) })).toMatchObject({ level: 'info', title: 'Hearth' });
    expect(normalizeMessage({ level: 'error', title: 't'.repeat(300), body: 'x'.repeat(9000) }).body).toHaveLength(8000);
  });
});
