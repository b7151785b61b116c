import { describe, expect, it } from 'vitest';
import { channelReady, checkWebhookUrl, isLocalHost, isMailAddress, notificationDefaults, paramsFromSaved, parseMailboxes, settingsFromParams, settingsProblems, type NotificationParams } from './settings.js';

const complete: NotificationParams = {
  ...notificationDefaults,
  emailEnabled: true,
  smtpHost: 'smtp.example.org',
  smtpUser: 'nas@example.org',
  smtpPassword: 'pw-123456',
  emailFrom: 'Hearth <nas@example.org>',
  emailTo: 'owner@example.org, Other <other@example.net>',
  webhookEnabled: true,
  webhookUrl: 'https://ntfy.sh/attic-alerts',
};

describe('notification settings', () => {
  it('reads addresses with nodemailer’s parser and accepts only plain mailboxes', () => {
    expect(parseMailboxes('owner@example.org, Other <other@example.net>;third@例子.测试')).toEqual([
      { name: '', address: 'owner@example.org' },
      { name: 'Other', address: 'other@example.net' },
      { name: '', address: 'third@例子.测试' },
    ]);
    for (const bad of ['', 'not an address', 'a@b.c d@e.f', 'a@b.c, Bcc: x@y.z;', 'a@b.c\r\nBcc: x@y.z', 'a@@b.c', 'a@-b.c', '"quoted local"@b.c', 'a@b..c', 'a@', '@b.c']) {
      expect(parseMailboxes(bad), bad).toBeUndefined();
    }
    expect(isMailAddress('root@localhost')).toBe(true);
    expect(isMailAddress(`${'a'.repeat(65)}@b.c`)).toBe(false);
  });

  it('counts the box, the LAN and local-only names as local, nothing else', () => {
    for (const host of ['localhost', '127.0.0.1', '::1', '192.168.1.2', '10.0.0.5', '172.16.3.4', 'fd00::25', 'mail', 'relay.lan', 'nas.local', 'mx.home.arpa', 'smtp.internal']) {
      expect(isLocalHost(host), host).toBe(true);
    }
    for (const host of ['smtp.gmail.com', '8.8.8.8', '2001:db8::1', 'local.example.com', '']) expect(isLocalHost(host), host).toBe(false);
  });

  it('accepts http(s) webhook URLs without credentials, with a topic for ntfy and …/message for Gotify', () => {
    expect(checkWebhookUrl('https://ntfy.sh/attic-alerts', 'ntfy')).toBeUndefined();
    expect(checkWebhookUrl('http://192.168.1.20:8080/message', 'gotify')).toBeUndefined();
    expect(checkWebhookUrl('https://hooks.example.org/', 'json')).toBeUndefined();
    const cases: Array<[string, 'ntfy' | 'gotify' | 'json', string]> = [
      ['file:///etc/passwd', 'json', 'urlScheme'],
      ['ftp://example.org/x', 'json', 'urlScheme'],
      ['javascript:alert(1)', 'json', 'urlScheme'],
      ['not a url', 'json', 'urlInvalid'],
      ['https://user:pass@ntfy.sh/topic', 'ntfy', 'urlCredentials'],
      ['https://gotify.example/message?token=AbC', 'gotify', 'urlTokenInQuery'],
      ['https://ntfy.sh/', 'ntfy', 'ntfyTopic'],
      ['https://gotify.example/', 'gotify', 'gotifyPath'],
    ];
    for (const [url, format, problem] of cases) expect(checkWebhookUrl(url, format), url).toBe(problem);
  });

  it('builds the channels from complete parameters, and nothing from incomplete ones', () => {
    expect(settingsProblems(complete)).toEqual([]);
    expect(settingsFromParams(complete)).toEqual({
      email: {
        host: 'smtp.example.org',
        port: 587,
        security: 'starttls',
        username: 'nas@example.org',
        password: 'pw-123456',
        from: { name: 'Hearth', address: 'nas@example.org' },
        to: [
          { name: '', address: 'owner@example.org' },
          { name: 'Other', address: 'other@example.net' },
        ],
      },
      webhook: { url: 'https://ntfy.sh/attic-alerts', format: 'ntfy', token: '' },
    });
    // A password without a user name is not sent anywhere.
    expect(settingsFromParams({ ...complete, smtpUser: '' }).email?.password).toBe('');
    expect(settingsFromParams({ ...complete, smtpPassword: '' }).email).toBeUndefined();
    expect(channelReady({ ...complete, emailEnabled: false }, 'email')).toBe(false);
    expect(settingsFromParams(notificationDefaults)).toEqual({});
  });

  it('refuses a password in clear text to a host outside the LAN, but not to a relay on it', () => {
    expect(settingsProblems({ ...complete, smtpSecurity: 'none' })).toEqual([{ param: 'smtpSecurity', problem: 'plainTextLogin' }]);
    expect(settingsProblems({ ...complete, smtpSecurity: 'none', smtpHost: '192.168.1.5' })).toEqual([]);
    expect(settingsProblems({ ...complete, smtpSecurity: 'none', smtpUser: '' })).toEqual([]);
  });

  it('merges saved parameters over the defaults, ignoring what it does not know', () => {
    expect(paramsFromSaved({ emailEnabled: true, smtpPort: 465, smtpHost: 42, stray: 'x' }, { smtpPassword: 'pw' })).toEqual({
      ...notificationDefaults,
      emailEnabled: true,
      smtpPort: 465,
      smtpPassword: 'pw',
    });
    expect(paramsFromSaved(undefined, {})).toEqual(notificationDefaults);
  });
});
