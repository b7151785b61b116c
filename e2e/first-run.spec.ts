import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { en, pattern, zh } from './locales.js';

/**
 * The owner's first evening with the box, start to end: activation with the setup
 * code and the proposed passphrase, logging out and in, the panel in Chinese, a
 * lock-out after five wrong passwords, and the way back in over SSH.
 */
test('the owner activates the box, logs in again, reads it in Chinese, and gets back in over SSH after a lock-out', async ({ page, daemon }) => {
  const { hostname } = await daemon.info();

  await test.step('opening the panel leads to Activate', async () => {
    await page.goto('/');
    await expect(page).toHaveURL(/\/activate$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:activate.title') })).toBeVisible();
    await expect(page).toHaveTitle(en('panel:app.documentTitle', { page: en('panel:activate.title'), app: en('panel:app.name') }));
  });

  const passphraseField = page.getByLabel(en('panel:activate.passphraseLabel'));
  const activateButton = page.getByRole('button', { name: en('panel:activate.submit'), exact: true });
  let passphrase = '';

  await test.step('a wrong setup code is refused', async () => {
    await expect(passphraseField).toHaveValue(/^\S+(-\S+){5}$/);
    passphrase = await passphraseField.inputValue();
    await page.getByLabel(en('panel:activate.setupCodeLabel')).fill('AAAA-0000');
    await page.getByLabel(en('panel:activate.savedConfirmation')).check();
    await activateButton.click();
    await expect(page.getByRole('alert')).toHaveText(en('errors:HEARTH_ERR_SETUP_CODE_INVALID'));
    await expect(page).toHaveURL(/\/activate$/);
  });

  await test.step('the right code and the proposed passphrase activate the box', async () => {
    await page.getByLabel(en('panel:activate.setupCodeLabel')).fill(await daemon.setupCode());
    await expect(passphraseField).toHaveValue(passphrase);
    await activateButton.click();
    await expectDashboard(page, hostname);
  });

  await test.step('log out, and log in with the passphrase', async () => {
    await page.getByRole('button', { name: en('panel:nav.logout') }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByLabel(en('panel:login.username'))).toHaveValue('admin');
    await page.getByLabel(en('panel:login.password'), { exact: true }).fill(passphrase);
    await page.getByRole('button', { name: en('panel:login.submit'), exact: true }).click();
    await expectDashboard(page, hostname);
  });

  await test.step('switching to 中文 shows the panel in Chinese', async () => {
    await page.getByLabel(en('panel:language.label')).first().selectOption({ label: '中文' });
    const sections = page.getByRole('navigation', { name: zh('panel:nav.label') });
    await expect(sections.getByRole('link', { name: zh('panel:nav.dashboard') })).toBeVisible();
    await expect(sections.getByRole('link', { name: zh('panel:nav.settings') })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: zh('panel:nav.dashboard') })).toBeVisible();
    await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  });

  const passwordField = page.getByLabel(zh('panel:login.password'), { exact: true });
  const loginButton = page.getByRole('button', { name: zh('panel:login.submit'), exact: true });

  await test.step('log out; four wrong passwords are refused, the fifth locks the login for a while', async () => {
    await page.getByRole('button', { name: zh('panel:nav.logout') }).click();
    await expect(page).toHaveURL(/\/login$/);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      await passwordField.fill(`wrong password number ${attempt}`);
      const answer = page.waitForResponse((response) => response.url().endsWith('/api/auth/login'));
      await loginButton.click();
      expect((await answer).status()).toBe(attempt < 5 ? 401 : 429);
      if (attempt < 5) await expect(page.getByRole('alert')).toHaveText(zh('errors:HEARTH_ERR_LOGIN_FAILED'));
    }
    await expect(page.getByRole('alert')).toHaveText(pattern('zh-CN', 'errors:HEARTH_ERR_THROTTLED'));
    await expect(loginButton).toBeDisabled();
  });

  await test.step('`hearth passwd --stdin` over SSH sets a new password that logs in', async () => {
    const newPassword = 'lantern orchard pebble 42';
    await daemon.resetPassword(newPassword);
    await page.reload();
    await expect(loginButton).toBeEnabled();
    await passwordField.fill(newPassword);
    await loginButton.click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 2, name: hostname, exact: true })).toBeVisible();
    await expect(page.getByRole('heading', { level: 1, name: zh('panel:nav.dashboard') })).toBeVisible();
  });
});

async function expectDashboard(page: Page, hostname: string) {
  await expect(page).toHaveURL(/\/$/);
  await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.dashboard') })).toBeVisible();
  await expect(page.getByRole('heading', { level: 2, name: hostname, exact: true })).toBeVisible();
}
