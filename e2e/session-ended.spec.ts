import { expect, test } from './fixtures.js';
import { en } from './locales.js';

/**
 * `hearth passwd` over SSH ends every session: an open panel must notice at its next
 * API call and ask to log in, and a page opened by its address comes back after login.
 */
test('after a password reset over SSH the open panel asks to log in again, then returns to the page asked for', async ({ page, daemon }) => {
  const { hostname } = await daemon.info();
  await daemon.activate(page.request, 'first password for the box');
  await page.goto('/backups');
  await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.backups') })).toBeVisible();

  const newPassword = 'second password for the box';
  await daemon.resetPassword(newPassword);

  await test.step('the next API call finds the session gone and the panel shows Log in', async () => {
    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.dashboard') }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:login.title') })).toBeVisible();
  });

  await test.step('a page opened by its address shows after logging in', async () => {
    await page.goto('/settings');
    await expect(page).toHaveURL(/\/login$/);
    await page.getByLabel(en('panel:login.password'), { exact: true }).fill(newPassword);
    await page.getByRole('button', { name: en('panel:login.submit'), exact: true }).click();
    await expect(page).toHaveURL(/\/settings$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.settings') })).toBeVisible();
  });

  await test.step('an unknown address inside the panel says so', async () => {
    await page.goto('/no-such-page');
    await expect(page.getByRole('heading', { level: 1, name: en('panel:notFound.title') })).toBeVisible();
    await page.getByRole('link', { name: en('panel:notFound.back') }).click();
    await expect(page.getByRole('heading', { level: 2, name: hostname, exact: true })).toBeVisible();
  });
});
