import type { APIRequestContext } from '@playwright/test';
import { closeReceivers, startHttpReceiver, startSmtpServer } from '../server/notifications/testing/receivers.js';
import { expect, test, type Daemon } from './fixtures.js';
import { en, zh } from './locales.js';

interface AppShow {
  active: boolean | null;
  params: Array<{ id: string; value: unknown }>;
}

interface NotificationList {
  unread: number;
  notifications: Array<{ id: number; title: string; body: string; readAt: string | null; deliveries: Array<{ channel: string; ok: boolean; error: string | null }> }>;
}

async function notifications(request: APIRequestContext): Promise<NotificationList> {
  const response = await request.get('/api/notifications');
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as NotificationList;
}

/** "Send test" of the Notifications app over SSH, with the channel settings given (none: the panel only). */
function sendTest(daemon: Daemon, settings: string[] = []) {
  return daemon.cli(['app', 'run', 'notifications', '--action', 'send-test', ...settings]);
}

test.afterEach(async () => {
  await closeReceivers();
});

/**
 * What the box tells the owner shows in the panel: the bell counts the unread ones,
 * live; the list shows each one as text, with what e-mail and the webhook made of it;
 * Mark all read clears the bell. The notifications come from the Notifications app's
 * "Send test", run over SSH.
 */
test('notifications: the bell counts them live, the list shows them and their deliveries, mark all read', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'postcard from the coast 1961');

  await test.step('no channel is on: "Send test" adds a panel notification and succeeds', async () => {
    const show = await daemon.cli(['app', 'show', 'notifications', '--json']);
    expect(show.exitCode, show.stderr).toBe(0);
    const app = JSON.parse(show.stdout) as AppShow;
    expect(app.active).toBe(false);
    expect(app.params.find((param) => param.id === 'emailEnabled')?.value).toBe(false);
    expect(app.params.find((param) => param.id === 'webhookEnabled')?.value).toBe(false);
    for (let i = 0; i < 2; i += 1) {
      const result = await sendTest(daemon);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout).toContain(en('app-notifications:log.testPanelOnly'));
    }
    expect((await notifications(page.request)).unread).toBe(2);
  });

  // The bell: a link in the top bar, named after the count ("Notifications: 2 unread").
  const bell = page.getByRole('banner').locator('a[href="/notifications"]');

  await test.step('the bell says 2 unread on every page', async () => {
    await page.goto('/');
    await expect(bell).toHaveAccessibleName(en('panel:notifications.bellUnread_other', { count: 2 }));
    await expect(bell.locator('.badge')).toHaveText('2');
    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.apps') }).click();
    await expect(bell.locator('.badge')).toHaveText('2');
  });

  const smtp = await startSmtpServer({ security: 'none', noAuth: true });
  const webhook = await startHttpReceiver({ status: 500, body: 'out of order' });

  await test.step('a third one, by e-mail and to a webhook that fails: the bell counts it at once', async () => {
    const result = await sendTest(daemon, [
      'emailEnabled=true',
      'smtpHost=127.0.0.1',
      `smtpPort=${smtp.port}`,
      'smtpSecurity=none',
      'emailFrom=hearth@example.org',
      'emailTo=owner@example.org',
      'webhookEnabled=true',
      'webhookFormat=json',
      `webhookUrl=${webhook.url('/hook')}`,
    ]);
    // The webhook failed, so the test did.
    expect(result.exitCode).not.toBe(0);
    expect(smtp.mails).toHaveLength(1);
    expect(webhook.requests).toHaveLength(1);
    await expect(bell.locator('.badge')).toHaveText('3');
  });

  const list = page.getByRole('main').getByRole('listitem').filter({ has: page.getByRole('article') });

  await test.step('the bell opens the list: newest first, as text, with what each channel made of it', async () => {
    const { notifications: stored } = await notifications(page.request);
    expect(stored).toHaveLength(3);
    const [newest, ...older] = stored;
    const failure = newest!.deliveries.find((delivery) => delivery.channel === 'webhook')!;
    expect(failure.ok).toBe(false);
    expect(failure.error).toBeTruthy();

    await bell.click();
    await expect(page).toHaveURL(/\/notifications$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:notifications.title') })).toBeVisible();
    await expect(bell).toHaveAttribute('aria-current', 'page');
    await expect(list).toHaveCount(3);

    const first = list.first().getByRole('article');
    await expect(first.getByRole('heading', { level: 2 })).toHaveText(newest!.title);
    await expect(first.locator('.notification-body')).toHaveText(newest!.body);
    await expect(first.locator('.notification-level')).toHaveText(en('panel:notifications.level.info'));
    await expect(first.locator('.notification-new')).toHaveText(en('panel:notifications.unread'));
    await expect(first.locator('time')).toHaveText(/^now$/);
    const deliveries = first.getByRole('list', { name: en('panel:notifications.deliveries') }).getByRole('listitem');
    await expect(deliveries).toHaveText([en('panel:notifications.delivery.emailSent'), en('panel:notifications.delivery.webhookFailed', { error: failure.error! })]);
    await expect(deliveries.last()).toHaveAttribute('data-ok', 'false');

    for (const [index, notification] of older.entries()) {
      const article = list.nth(index + 1).getByRole('article');
      await expect(article.getByRole('heading', { level: 2 })).toHaveText(notification.title);
      await expect(article.getByRole('listitem')).toHaveText(en('panel:notifications.delivery.panelOnly'));
    }
  });

  await test.step('Mark all read: the bell has no figure any more, and the box agrees', async () => {
    await page.getByRole('button', { name: en('panel:notifications.markAllRead') }).click();
    await expect(bell.locator('.badge')).toHaveCount(0);
    await expect(bell).toHaveAccessibleName(en('panel:notifications.title'));
    await expect(page.locator('.notification-new')).toHaveCount(0);
    await expect(page.getByRole('button', { name: en('panel:notifications.markAllRead') })).toBeDisabled();
    const after = await notifications(page.request);
    expect(after.unread).toBe(0);
    expect(after.notifications.every((notification) => notification.readAt !== null)).toBe(true);
  });

  await test.step('a new one while the list is open appears at the top, and the bell counts it', async () => {
    const result = await sendTest(daemon);
    expect(result.exitCode, result.stderr).toBe(0);
    await expect(list).toHaveCount(4);
    await expect(list.first().locator('.notification-new')).toBeVisible();
    await expect(bell.locator('.badge')).toHaveText('1');
    await expect(page.getByRole('button', { name: en('panel:notifications.markAllRead') })).toBeEnabled();
  });

  await test.step('in 中文 the page and the bell are in Chinese', async () => {
    await page.getByLabel(en('panel:language.label')).first().selectOption({ label: '中文' });
    await expect(page.getByRole('heading', { level: 1, name: zh('panel:notifications.title') })).toBeVisible();
    await expect(bell).toHaveAccessibleName(zh('panel:notifications.bellUnread_other', { count: 1 }));
    await expect(list.first().locator('.notification-level')).toHaveText(zh('panel:notifications.level.info'));
    await expect(list.first().getByRole('listitem')).toHaveText(zh('panel:notifications.delivery.panelOnly'));
  });
});
