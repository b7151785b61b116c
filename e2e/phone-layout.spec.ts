import type { Page } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { en, within } from './locales.js';

test.use({ viewport: { width: 375, height: 740 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });

async function expectNoHorizontalOverflow(page: Page) {
  // A string, evaluated in the page: the e2e sources are type-checked without the DOM library.
  const widths = await page.evaluate<{ scroll: number; inner: number }>('({ scroll: document.documentElement.scrollWidth, inner: window.innerWidth })');
  expect(widths.scroll, `page is ${widths.scroll}px wide in a ${widths.inner}px window`).toBeLessThanOrEqual(widths.inner);
}

/** On a phone the owner reaches every section through the folded menu, and nothing spills sideways. */
test('on a phone the owner reaches every section through the menu', async ({ page, daemon }) => {
  const { hostname } = await daemon.info();

  await test.step('Activate fits the screen', async () => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: en('panel:activate.title') })).toBeVisible();
    await expect(page.getByLabel(en('panel:activate.passphraseLabel'))).not.toHaveValue('');
    await expectNoHorizontalOverflow(page);
  });

  await daemon.activate(page.request, 'window seat rain 2024 tea');

  const menu = page.getByRole('button', { name: en('panel:nav.menu') });
  const sections = page.getByRole('navigation', { name: en('panel:nav.label') });

  await test.step('the dashboard fits the screen, the sections are folded away', async () => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 2, name: hostname, exact: true })).toBeVisible();
    await expect(page.getByRole('progressbar', { name: en('panel:dashboard.diskBar') })).toBeVisible();
    await expect(menu).toHaveAttribute('aria-expanded', 'false');
    await expect(sections).toBeHidden();
    await expectNoHorizontalOverflow(page);
  });

  await test.step('Apps and an app page fit the screen', async () => {
    await menu.click();
    await sections.getByRole('link', { name: en('panel:nav.apps') }).click();
    await expect(page).toHaveURL(/\/apps$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.apps') })).toBeVisible();
    await expect(page.getByRole('searchbox', { name: en('panel:apps.searchLabel') })).toBeVisible();
    await expect(sections).toBeHidden();
    await expectNoHorizontalOverflow(page);

    await page.getByRole('main').getByRole('link', { name: en('app-hostname:name') }).click();
    await expect(page.getByRole('heading', { level: 1, name: en('app-hostname:name') })).toBeVisible();
    await expect(page.getByLabel(en('app-hostname:params.hostname.label'), { exact: true })).toHaveValue(hostname);
    await expect(page.getByRole('button', { name: en('panel:appPage.apply'), exact: true })).toBeVisible();
    await expectNoHorizontalOverflow(page);
    // The section stays marked in the menu on an app's own page.
    await menu.click();
    await expect(sections.getByRole('link', { name: en('panel:nav.apps') })).toHaveAttribute('aria-current', 'page');
    await menu.click();
  });

  await test.step('Backups fits the screen: a listed backup, its restore and the console', async () => {
    const made = await daemon.cli(['backup']);
    expect(made.exitCode, made.stderr).toBe(0);
    await menu.click();
    await sections.getByRole('link', { name: en('panel:nav.backups') }).click();
    await expect(page).toHaveURL(/\/backups$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.backups') })).toBeVisible();
    await expect(sections).toBeHidden();
    const item = page.getByRole('article');
    await expect(item).toHaveCount(1);
    await expect(item.getByRole('link', { name: en('panel:backups.list.download') })).toBeVisible();
    await expectNoHorizontalOverflow(page);
    await item.getByRole('button', { name: en('panel:backups.list.restore') }).click();
    // The restore opens in view, from its heading down.
    await expect(page.getByRole('heading', { level: 2, name: within('en', 'panel:backups.restore.titleArchive', { date: '.+' }) })).toBeInViewport();
    await expect(page.getByRole('button', { name: en('panel:backups.restore.dryRun'), exact: true })).toBeVisible();
    await expectNoHorizontalOverflow(page);
  });

  await test.step('Updates fits the screen: the version, the checks, the history', async () => {
    await menu.click();
    await sections.getByRole('link', { name: en('panel:nav.updates') }).click();
    await expect(page).toHaveURL(/\/updates$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.updates') })).toBeVisible();
    await expect(page.getByRole('button', { name: en('panel:updates.version.checkNow') })).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: en('panel:updates.history.title') })).toBeVisible();
    await expect(sections).toBeHidden();
    await expectNoHorizontalOverflow(page);
  });

  const comingSoon = [{ name: en('panel:nav.settings'), path: '/settings', text: en('panel:settings.comingSoon') }];
  for (const section of comingSoon) {
    await test.step(`${section.name} says it is coming soon`, async () => {
      await menu.click();
      await expect(menu).toHaveAttribute('aria-expanded', 'true');
      await sections.getByRole('link', { name: section.name }).click();
      await expect(page).toHaveURL(new RegExp(`${section.path}$`));
      await expect(page.getByRole('heading', { level: 1, name: section.name })).toBeVisible();
      await expect(page.getByRole('heading', { level: 2, name: en('panel:comingSoon.title') })).toBeVisible();
      await expect(page.getByText(section.text)).toBeVisible();
      // Choosing a section folds the menu away again.
      await expect(sections).toBeHidden();
      await expectNoHorizontalOverflow(page);
    });
  }

  await test.step('the notifications bell stays in the bar, and the list fits the screen', async () => {
    const sent = await daemon.cli(['app', 'run', 'notifications', '--action', 'send-test']);
    expect(sent.exitCode, sent.stderr).toBe(0);
    await page.goto('/');
    const bell = page.getByRole('banner').getByRole('link', { name: en('panel:notifications.bellUnread_one', { count: 1 }) });
    await expect(bell).toBeVisible();
    await expect(sections).toBeHidden();
    await bell.click();
    await expect(page.getByRole('heading', { level: 1, name: en('panel:notifications.title') })).toBeVisible();
    await expect(page.getByRole('article')).toHaveCount(1);
    await expect(page.getByRole('button', { name: en('panel:notifications.markAllRead') })).toBeVisible();
    await expectNoHorizontalOverflow(page);
  });

  await test.step('back to the dashboard, then log out from the menu', async () => {
    await menu.click();
    await sections.getByRole('link', { name: en('panel:nav.dashboard') }).click();
    await expect(page.getByRole('heading', { level: 2, name: hostname, exact: true })).toBeVisible();
    await menu.click();
    await page.getByRole('button', { name: en('panel:nav.logout') }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:login.title') })).toBeVisible();
    await expectNoHorizontalOverflow(page);
  });
});
