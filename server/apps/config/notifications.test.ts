import { mkdirSync, writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { closedPort, closeReceivers, mailBody, startHttpReceiver, startSilentServer, startSmtpServer, testCertificate } from '../../notifications/testing/receivers.js';
import { appHarness } from '../../testing/app-harness.js';
import { notificationDefaults, settingsFromParams, type NotificationParams } from '../../notifications/settings.js';
import notificationsApp, { cleartextWarnings } from './notifications.js';

afterEach(closeReceivers);

const password = 'S3cret "pass" \\ phrase: é';
const token = 'tk_Z9yXwVuTs8rQpOnM';

/**
 * A test box with the notifications attached as server/appliance.ts attaches them,
 * except for the test seam: short timeouts, and the test CA trusted for STARTTLS/TLS.
 */
async function setup() {
  const { cert } = await testCertificate();
  const box = appHarness({
    apps: [notificationsApp],
    notificationChannels: { smtp: { tls: { ca: cert }, connectionTimeoutMs: 2000, greetingTimeoutMs: 300, socketTimeoutMs: 2000, totalTimeoutMs: 5000 }, webhook: { timeoutMs: 300 } },
  });
  mkdirSync(box.appliance.paths.systemFile('etc'), { recursive: true });
  writeFileSync(box.appliance.paths.systemFile('etc/hostname'), 'attic-nas\n');
  return { box, notifications: box.appliance.notifications };
}

/** Every form a secret could leak in. */
function expectNoSecrets(text: string) {
  for (const secret of [password, token]) {
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString('base64'));
    expect(text).not.toContain(JSON.stringify(secret).slice(1, -1));
  }
}

function form(smtpPort: number, webhookUrl: string): NotificationParams {
  return {
    emailEnabled: true,
    smtpHost: '127.0.0.1',
    smtpPort,
    smtpSecurity: 'starttls',
    smtpUser: 'nas@example.org',
    smtpPassword: password,
    emailFrom: 'Hearth <nas@example.org>',
    emailTo: 'owner@example.org, Partner <partner@example.net>',
    webhookEnabled: true,
    webhookFormat: 'ntfy',
    webhookUrl,
    webhookToken: token,
  };
}

describe('notifications app', () => {
  it('sends a test through STARTTLS e-mail, ntfy and the panel with the values in the form, saving nothing', async () => {
    const { box, notifications } = await setup();
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password } });
    const ntfy = await startHttpReceiver();
    const { job, log } = await box.run('notifications', form(smtp.port, ntfy.url('/attic-alerts')), 'send-test');

    expect(job.status).toBe('succeeded');
    expect(job.action).toBe('send-test');
    const origin = ntfy.url('');
    expect(log).toEqual([
      'Panel: test notification #1 added.',
      'E-mail: sent to owner@example.org, partner@example.net (the server answered: 250 Queued as 4711).',
      `Webhook: ${origin} took the message (HTTP 200).`,
      'The test notification went through every enabled channel.',
    ]);

    // The mail server saw a login over TLS with exactly the user and password in the form.
    expect(smtp.logins).toEqual([{ method: 'PLAIN', username: 'nas@example.org', password, secure: true, accepted: true }]);
    const mail = smtp.mails[0]!;
    expect(mail).toMatchObject({ mailFrom: 'nas@example.org', rcptTo: ['owner@example.org', 'partner@example.net'], secure: true });
    expect(mail.raw).toMatch(/^From: Hearth <nas@example\.org>\r$/m);
    expect(mail.raw).toMatch(/^To: owner@example\.org, Partner <partner@example\.net>\r$/m);
    expect(mail.raw).toMatch(/^Subject: \[attic-nas\] Test notification from attic-nas\r$/m);
    expect(mailBody(mail)).toMatch(/^If you can read this, attic-nas can reach you this way\. There is nothing else to do\.\n\n-- \nHearth · attic-nas · \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\n$/);

    expect(ntfy.requests).toHaveLength(1);
    expect(ntfy.requests[0]).toMatchObject({
      method: 'POST',
      path: '/attic-alerts',
      body: 'If you can read this, attic-nas can reach you this way. There is nothing else to do.',
      headers: { title: 'Test notification from attic-nas', priority: '3', tags: 'information_source,attic-nas', authorization: `Bearer ${token}` },
    });

    const [stored] = notifications.feed.recent();
    expect(stored).toMatchObject({ id: 1, level: 'info', title: 'Test notification from attic-nas', readAt: null });
    expect(stored!.deliveries.map((d) => [d.channel, d.ok, d.error])).toEqual([
      ['email', true, null],
      ['webhook', true, null],
    ]);

    // An action saves nothing and runs no program; the job keeps the secrets redacted.
    expect(box.appliance.saved.get('notifications')).toBeUndefined();
    expect(box.appliance.db.prepare('SELECT count(*) FROM app_secrets').pluck().get()).toBe(0);
    expect(job.params).toMatchObject({ smtpPassword: '••••', webhookToken: '••••', smtpUser: 'nas@example.org' });
    expectNoSecrets(JSON.stringify(job.params));
    expectNoSecrets(log.join('\n'));
    expect(await box.programs()).toEqual([]);
  });

  it('writes the test in the language of whoever started it, encoded for mail headers and ntfy', async () => {
    const { box } = await setup();
    const smtp = await startSmtpServer({ security: 'tls', users: { 'nas@example.org': password } });
    const ntfy = await startHttpReceiver();
    const started = await box.appliance.apps.start('notifications', { ...form(smtp.port, ntfy.url('/t')), smtpSecurity: 'tls' }, { startedBy: 'cli:test', language: 'zh-CN' }, 'send-test');
    const job = await started.done;
    expect(job.status).toBe('succeeded');
    expect(box.appliance.jobs.linesAfter(job.id, 0).map((l) => l.text).at(-1)).toBe('测试通知已通过所有启用的渠道送达。');
    expect(smtp.mails[0]!.raw).toMatch(/^Subject: =\?UTF-8\?/m);
    expect(mailBody(smtp.mails[0]!)).toMatch(/^如果你能看到这条消息，说明 attic-nas 可以通过这种方式联系到你。/);
    const title = ntfy.requests[0]!.headers.title as string;
    expect(Buffer.concat(title.split(' ').map((w) => Buffer.from(w.slice(10, -2), 'base64'))).toString('utf8')).toBe('来自 attic-nas 的测试通知');
  });

  it('saves the settings with the password and token sealed, checks the login, and later notifications use them', async () => {
    const { box, notifications } = await setup();
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password } });
    const ntfy = await startHttpReceiver();
    const input = form(smtp.port, ntfy.url('/attic-alerts'));
    const { job, log } = await box.run('notifications', input);

    expect(job.status).toBe('succeeded');
    expect(log).toEqual([
      'Notifications always appear in the panel.',
      `E-mail: logging in to 127.0.0.1:${smtp.port} to check the settings (nothing is sent)…`,
      `E-mail: 127.0.0.1:${smtp.port} accepted the settings; notifications will go to owner@example.org, partner@example.net.`,
      `Webhook: ntfy messages go to ${ntfy.url('')}. Nothing is posted now: use “Send test” to try it.`,
    ]);
    // Checked by logging in; nothing sent, nothing posted.
    expect(smtp.logins).toEqual([{ method: 'PLAIN', username: 'nas@example.org', password, secure: true, accepted: true }]);
    expect(smtp.mails).toEqual([]);
    expect(ntfy.requests).toEqual([]);

    const { smtpPassword: _p, webhookToken: _t, ...plain } = input;
    expect(box.appliance.saved.get('notifications')).toEqual(plain);
    const sealed = box.appliance.db.prepare<[], { param: string; sealed: string }>("SELECT param, sealed FROM app_secrets WHERE app_id = 'notifications' ORDER BY param").all();
    expect(sealed.map((row) => row.param)).toEqual(['smtpPassword', 'webhookToken']);
    for (const row of sealed) {
      expect(row.sealed).toMatch(/^v1:/);
      expectNoSecrets(row.sealed);
    }
    expect(await box.appliance.saved.openSecret('notifications', 'smtpPassword')).toBe(password);
    expectNoSecrets(JSON.stringify(box.appliance.saved.get('notifications')));
    expectNoSecrets(JSON.stringify(box.appliance.jobs.get(job.id)));
    expectNoSecrets(log.join('\n'));

    const detail = await box.appliance.apps.detail('notifications', translator('en'));
    expectNoSecrets(JSON.stringify(detail));
    expect(detail.active).toBe(true);
    expect(detail.params.find((p) => p.id === 'smtpPassword')).toEqual(expect.objectContaining({ kind: 'secret', isSet: true }));
    expect(detail.params.find((p) => p.id === 'smtpPassword')).not.toHaveProperty('value');
    expect(detail.params.find((p) => p.id === 'smtpHost')).toEqual(expect.objectContaining({ value: '127.0.0.1' }));
    expect(detail.params.find((p) => p.id === 'smtpSecurity')?.options).toEqual([
      { value: 'starttls', label: 'STARTTLS (port 587)' },
      { value: 'tls', label: 'TLS (port 465)' },
      { value: 'none', label: 'None (only for a relay on this box or the home network)' },
    ]);
    expect(detail.actions).toEqual([{ id: 'send-test', label: 'Send test' }]);
    expect(detail.details).toEqual([{ label: 'Unread notifications in the panel', value: '0' }]);

    // What a backup or an update will do: notify() with the saved, sealed settings.
    const outcome = await notifications.notify({ level: 'warning', title: 'Disk almost full', body: '93 %' });
    expect(outcome.channels.map((c) => c.ok)).toEqual([true, true]);
    expect(smtp.logins.at(-1)).toEqual({ method: 'PLAIN', username: 'nas@example.org', password, secure: true, accepted: true });
    expect(ntfy.requests[0]!.headers).toMatchObject({ title: 'Disk almost full', priority: '4', authorization: `Bearer ${token}` });
    const after = await box.appliance.apps.detail('notifications', translator('en'));
    const [emailDelivery, webhookDelivery] = notifications.feed.get(outcome.id!)!.deliveries;
    expect(after.details).toEqual([
      { label: 'Unread notifications in the panel', value: '1' },
      { label: 'Last e-mail delivered', value: emailDelivery!.at },
      { label: 'Last webhook delivered', value: webhookDelivery!.at },
    ]);

    // Left empty, the secrets stay as they are: a second apply logs in with the sealed password.
    const again = await box.run('notifications', { smtpPassword: '', webhookToken: '', emailTo: 'owner@example.org' });
    expect(again.job.status).toBe('succeeded');
    expect(again.job.params).not.toHaveProperty('smtpPassword');
    expect(smtp.logins.at(-1)).toMatchObject({ password, accepted: true });
    expect(await box.appliance.saved.openSecret('notifications', 'webhookToken')).toBe(token);
  });

  it('saves settings the mail server cannot confirm right now, saying so, without failing (a restore must not fail on it)', async () => {
    const { box } = await setup();
    const port = await closedPort();
    const { job, log } = await box.run('notifications', { ...form(port, 'https://ntfy.sh/attic'), webhookEnabled: false });
    expect(job.status).toBe('succeeded');
    expect(log[2]).toMatch(new RegExp(`^E-mail: 127\\.0\\.0\\.1:${port} could not be checked: connect ECONNREFUSED 127\\.0\\.0\\.1:${port}\\. The settings are saved;`));
    expect(log[3]).toBe('Webhook: off.');
    expect(box.appliance.saved.get('notifications')).toMatchObject({ emailEnabled: true, smtpPort: port });
    expect((await box.appliance.apps.detail('notifications', translator('en'))).active).toBe(true);
  });

  it('fails the test when the login is refused, naming the channel, with the password nowhere, while the webhook still delivers', async () => {
    const { box, notifications } = await setup();
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': 'the real one' } });
    const ntfy = await startHttpReceiver();
    const { job, log } = await box.run('notifications', form(smtp.port, ntfy.url('/attic')), 'send-test');
    expect(job.status).toBe('failed');
    expect(job.errorCode).toBe('HEARTH_ERR_NOTIFICATION_FAILED');
    expect(log).toContain(`E-mail: 127.0.0.1:${smtp.port} did not take the message: Invalid login: 535 Authentication credentials invalid`);
    expect(log).toContain(`Webhook: ${ntfy.url('')} took the message (HTTP 200).`);
    expect(log).toContain('Notifications could not be delivered through: e-mail.');
    expect(smtp.logins).toMatchObject([{ username: 'nas@example.org', password, accepted: false }]);
    expect(smtp.mails).toEqual([]);
    expect(ntfy.requests).toHaveLength(1);
    expectNoSecrets(log.join('\n'));
    expectNoSecrets(JSON.stringify(notifications.feed.recent()));
    expect(notifications.feed.recent()[0]!.deliveries).toMatchObject([
      { channel: 'email', ok: false, error: 'Invalid login: 535 Authentication credentials invalid' },
      { channel: 'webhook', ok: true },
    ]);
  });

  it('fails the test on a refused connection and a webhook answering 500', async () => {
    const { box } = await setup();
    const port = await closedPort();
    const webhook = await startHttpReceiver({ status: 500, body: 'upstream broken' });
    const { job, log } = await box.run('notifications', { ...form(port, webhook.url('/hook')), webhookFormat: 'json' }, 'send-test');
    expect(job.status).toBe('failed');
    expect(log).toEqual([
      'Panel: test notification #1 added.',
      `E-mail: 127.0.0.1:${port} did not take the message: connect ECONNREFUSED 127.0.0.1:${port}`,
      `Webhook: ${webhook.url('')} did not take the message: HTTP 500 Internal Server Error: upstream broken`,
      'Notifications could not be delivered through: e-mail, webhook.',
    ]);
    expect(JSON.parse(webhook.requests[0]!.body)).toMatchObject({ level: 'info', title: 'Test notification from attic-nas', host: 'attic-nas' });
  });

  it('gives up on a mail server that never greets and a webhook that never answers, after the short test timeouts', async () => {
    const { box } = await setup();
    const silent = await startSilentServer();
    const hanging = await startHttpReceiver('hang');
    const started = Date.now();
    const { job, log } = await box.run('notifications', { ...form(silent.port, hanging.url('/message')), webhookFormat: 'gotify' }, 'send-test');
    expect(job.status).toBe('failed');
    expect(log).toContain(`E-mail: 127.0.0.1:${silent.port} did not take the message: Greeting never received`);
    expect(log).toContain(`Webhook: ${hanging.url('')} did not take the message: no answer within 300 ms`);
    expect(hanging.requests[0]!.headers['x-gotify-key']).toBe(token);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('allows a login without TLS to a relay on loopback, and sends to the panel only when nothing else is enabled', async () => {
    const { box, notifications } = await setup();
    const relay = await startSmtpServer({ security: 'none', users: { relay: password } });
    const input = { ...form(relay.port, ''), smtpSecurity: 'none', smtpUser: 'relay', webhookEnabled: false };
    const sent = await box.run('notifications', input, 'send-test');
    expect(sent.job.status).toBe('succeeded');
    expect(relay.logins).toMatchObject([{ username: 'relay', password, secure: false, accepted: true }]);
    expect(relay.mails).toHaveLength(1);

    const panelOnly = await box.run('notifications', {}, 'send-test');
    expect(panelOnly.job.status).toBe('succeeded');
    expect(panelOnly.log).toEqual([
      'Panel: test notification #2 added.',
      'No e-mail or webhook is enabled: the test went to the panel only.',
    ]);
    expect(notifications.feed.unreadCount()).toBe(2);
    const applied = await box.run('notifications', {});
    expect(applied.log).toEqual(['Notifications always appear in the panel.', 'E-mail: off.', 'Webhook: off.']);
    expect((await box.appliance.apps.detail('notifications', translator('en'))).active).toBe(false);
  });

  it('warns when mail or a token would travel in clear outside the LAN, and only then', () => {
    const p = { ...notificationDefaults, ...form(25, 'http://push.example.com/topic'), smtpHost: 'mail.example.com', smtpSecurity: 'none' as const, smtpUser: '' };
    const warnings = cleartextWarnings(p, settingsFromParams(p));
    expect(warnings).toEqual([
      ['app-notifications:log.emailCleartext', { server: 'mail.example.com:25' }],
      ['app-notifications:log.webhookCleartext', { origin: 'http://push.example.com' }],
    ]);
    const t = translator('en');
    expect(warnings.map(([key, values]) => t(key, values))).toEqual([
      'Warning: mail.example.com:25 is reached without encryption; messages cross the network in clear text.',
      'Warning: the token goes to http://push.example.com over plain http, unencrypted.',
    ]);
    const local = { ...p, smtpHost: '192.168.1.5', webhookUrl: 'http://[fd00::5]:8080/topic' };
    expect(cleartextWarnings(local, settingsFromParams(local))).toEqual([]);
    const encrypted = { ...p, smtpSecurity: 'starttls' as const, webhookUrl: 'https://push.example.com/topic' };
    expect(cleartextWarnings(encrypted, settingsFromParams(encrypted))).toEqual([]);
    const noToken = { ...p, webhookToken: '' };
    expect(cleartextWarnings(noToken, settingsFromParams(noToken)).map(([key]) => key)).toEqual(['app-notifications:log.emailCleartext']);
  });

  it('refuses invalid settings with a translated reason per field, changing and contacting nothing', async () => {
    const { box, notifications } = await setup();
    const smtp = await startSmtpServer({ security: 'starttls', users: { 'nas@example.org': password } });
    const receiver = await startHttpReceiver();
    const good = form(smtp.port, receiver.url('/topic'));
    const refusals: Array<[Record<string, unknown>, Array<{ param: string; key: string }>]> = [
      [{ smtpPort: 0 }, [{ param: 'smtpPort', key: 'errors:fields.tooSmall' }]],
      [{ smtpPort: 65536 }, [{ param: 'smtpPort', key: 'errors:fields.tooLarge' }]],
      [{ smtpPort: 25.5 }, [{ param: 'smtpPort', key: 'errors:fields.wrongType' }]],
      [{ smtpPort: '587' }, [{ param: 'smtpPort', key: 'errors:fields.wrongType' }]],
      [{ smtpHost: 'bad host' }, [{ param: 'smtpHost', key: 'app-notifications:params.smtpHost.invalid' }]],
      [{ smtpHost: '$(reboot)' }, [{ param: 'smtpHost', key: 'app-notifications:params.smtpHost.invalid' }]],
      [{ smtpHost: 'mail;rm -rf /' }, [{ param: 'smtpHost', key: 'app-notifications:params.smtpHost.invalid' }]],
      [{ smtpHost: 'mail\n.example.org' }, [{ param: 'smtpHost', key: 'app-notifications:params.smtpHost.invalid' }]],
      [{ smtpHost: `${'a'.repeat(63)}.`.repeat(4) + 'org' }, [{ param: 'smtpHost', key: 'errors:fields.tooLong' }]],
      [{ smtpHost: '999.1.1.1' }, [{ param: 'smtpHost', key: 'app-notifications:errors.hostInvalid' }]],
      [{ smtpHost: '1:2:3' }, [{ param: 'smtpHost', key: 'app-notifications:errors.hostInvalid' }]],
      [
        { smtpHost: '', emailFrom: '', emailTo: '' },
        [
          { param: 'smtpHost', key: 'errors:fields.required' },
          { param: 'emailFrom', key: 'errors:fields.required' },
          { param: 'emailTo', key: 'errors:fields.required' },
        ],
      ],
      [{ smtpSecurity: 'ssl' }, [{ param: 'smtpSecurity', key: 'errors:fields.notInList' }]],
      [{ smtpHost: 'smtp.gmail.com', smtpSecurity: 'none' }, [{ param: 'smtpSecurity', key: 'app-notifications:errors.plainTextLogin' }]],
      [{ smtpUser: 'nas\r\nMAIL FROM:<x@y.z>' }, [{ param: 'smtpUser', key: 'app-notifications:params.smtpUser.invalid' }]],
      [{ smtpPassword: 'a\u0000b' }, [{ param: 'smtpPassword', key: 'app-notifications:errors.passwordNul' }]],
      [{ smtpPassword: 'x'.repeat(257) }, [{ param: 'smtpPassword', key: 'errors:fields.tooLong' }]],
      [{ smtpPassword: '' }, [{ param: 'smtpPassword', key: 'app-notifications:errors.passwordRequired' }]],
      [{ emailTo: 'a@b.c\r\nBcc: x@y.z' }, [{ param: 'emailTo', key: 'app-notifications:params.emailTo.invalid' }]],
      [{ emailTo: 'a@b.c\nBcc: x@y.z' }, [{ param: 'emailTo', key: 'app-notifications:params.emailTo.invalid' }]],
      [{ emailTo: 'a@b.c, Bcc: x@y.z;' }, [{ param: 'emailTo', key: 'app-notifications:errors.addressInvalid' }]],
      [{ emailTo: 'owner at example.org' }, [{ param: 'emailTo', key: 'app-notifications:errors.addressInvalid' }]],
      [{ emailTo: 'a@b.c d@e.f' }, [{ param: 'emailTo', key: 'app-notifications:errors.addressInvalid' }]],
      [{ emailTo: 'owner@$(reboot).org' }, [{ param: 'emailTo', key: 'app-notifications:errors.addressInvalid' }]],
      [{ emailTo: Array.from({ length: 11 }, (_, i) => `u${i}@example.org`).join(', ') }, [{ param: 'emailTo', key: 'app-notifications:errors.tooManyRecipients' }]],
      [{ emailTo: 'x'.repeat(1001) }, [{ param: 'emailTo', key: 'errors:fields.tooLong' }]],
      [{ emailFrom: 'a@b.c, d@e.f' }, [{ param: 'emailFrom', key: 'app-notifications:errors.fromSingle' }]],
      [{ emailFrom: 'nas@example.org\r\nSubject: hi' }, [{ param: 'emailFrom', key: 'app-notifications:params.emailFrom.invalid' }]],
      [{ webhookUrl: 'file:///etc/passwd' }, [{ param: 'webhookUrl', key: 'app-notifications:errors.urlScheme' }]],
      [{ webhookUrl: 'javascript:alert(1)' }, [{ param: 'webhookUrl', key: 'app-notifications:errors.urlScheme' }]],
      [{ webhookUrl: 'ntfy.sh/topic' }, [{ param: 'webhookUrl', key: 'app-notifications:errors.urlInvalid' }]],
      [{ webhookUrl: 'https://ntfy.sh/my topic' }, [{ param: 'webhookUrl', key: 'app-notifications:params.webhookUrl.invalid' }]],
      [{ webhookUrl: 'https://ntfy.sh/t\u0000' }, [{ param: 'webhookUrl', key: 'app-notifications:params.webhookUrl.invalid' }]],
      [{ webhookUrl: 'https://me:pw@ntfy.sh/topic' }, [{ param: 'webhookUrl', key: 'app-notifications:errors.urlCredentials' }]],
      [{ webhookUrl: 'https://ntfy.sh/topic?auth=abc' }, [{ param: 'webhookUrl', key: 'app-notifications:errors.urlTokenInQuery' }]],
      [{ webhookUrl: 'https://ntfy.sh/' }, [{ param: 'webhookUrl', key: 'app-notifications:errors.ntfyTopic' }]],
      [{ webhookUrl: '' }, [{ param: 'webhookUrl', key: 'errors:fields.required' }]],
      [{ webhookFormat: 'gotify', webhookUrl: 'https://gotify.example.org/' }, [{ param: 'webhookUrl', key: 'app-notifications:errors.gotifyPath' }]],
      [{ webhookFormat: 'gotify', webhookUrl: 'https://gotify.example.org/message', webhookToken: '' }, [{ param: 'webhookToken', key: 'app-notifications:errors.tokenRequired' }]],
      [{ webhookToken: 'tk_abc\r\nX-Evil: 1' }, [{ param: 'webhookToken', key: 'app-notifications:errors.tokenInvalid' }]],
      [{ webhookToken: 'two words' }, [{ param: 'webhookToken', key: 'app-notifications:errors.tokenInvalid' }]],
      [{ webhookFormat: 'slack' }, [{ param: 'webhookFormat', key: 'errors:fields.notInList' }]],
      [{ emailEnabled: 'yes' }, [{ param: 'emailEnabled', key: 'errors:fields.wrongType' }]],
      [{ smtpHost: 42 }, [{ param: 'smtpHost', key: 'errors:fields.wrongType' }]],
      [{ cc: 'x@y.z' }, [{ param: 'cc', key: 'errors:fields.unknown' }]],
    ];
    for (const [change, expected] of refusals) {
      expect(await box.refused('notifications', { ...good, ...change }), JSON.stringify(change)).toEqual(expected);
    }
    // A disabled channel's required fields may stay empty; what is filled in is still checked.
    expect(await box.refused('notifications', { ...good, emailEnabled: false, smtpHost: '', emailTo: 'nope' })).toEqual([{ param: 'emailTo', key: 'app-notifications:errors.addressInvalid' }]);
    // The "send test" action is refused the same way.
    await expect(box.appliance.apps.start('notifications', { ...good, webhookUrl: 'file:///etc/shadow' }, { startedBy: 'cli:test', language: 'en' }, 'send-test')).rejects.toMatchObject({
      code: 'HEARTH_ERR_APP_PARAMS_INVALID',
    });
    // The translated reasons exist in both languages (the i18n test checks the keys match).
    expect(translator('en')('app-notifications:errors.tooManyRecipients', { max: 10 })).toBe('At most 10 recipients.');
    expect(translator('zh-CN')('app-notifications:errors.plainTextLogin')).toMatch(/明文/);

    expect(box.appliance.saved.get('notifications')).toBeUndefined();
    expect(box.appliance.db.prepare('SELECT count(*) FROM app_secrets').pluck().get()).toBe(0);
    expect(box.appliance.jobs.recent(10)).toEqual([]);
    expect(notifications.feed.recent()).toEqual([]);
    expect(smtp.logins).toEqual([]);
    expect(receiver.requests).toEqual([]);
    expect(await box.programs()).toEqual([]);
  });
});
