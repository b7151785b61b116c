import type { Page } from '@playwright/test';
import { expect, test, type Daemon } from './fixtures.js';
import { en, pattern } from './locales.js';

interface AppShow {
  params: Array<{ id: string; value: unknown }>;
}

async function pendingChange(daemon: Daemon): Promise<unknown> {
  const result = await daemon.cli(['watchdog', '--json']);
  expect(result.exitCode, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as { pending: unknown }).pending;
}

async function allowedNetworks(daemon: Daemon): Promise<unknown> {
  const result = await daemon.cli(['app', 'show', 'panel-access', '--json']);
  expect(result.exitCode, result.stderr).toBe(0);
  return (JSON.parse(result.stdout) as AppShow).params.find((param) => param.id === 'allowedNetworks')?.value;
}

/** The seconds the banner says are left. */
async function secondsShown(page: Page): Promise<number> {
  const text = await page.locator('.watchdog-text').textContent();
  const seconds = /(\d+)/.exec(text ?? '')?.[1];
  expect(seconds, `a countdown in “${text}”`).toBeTruthy();
  return Number(seconds);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A change to who may reach the panel undoes itself unless the owner keeps it from the
 * panel within 60 seconds. The owner adds a network and keeps it; adds another and
 * undoes it at once; then a change that shuts the page out: the page says it will be
 * undone by itself and works again once it is. The box's own timer is not waited for:
 * `hearth watchdog revert` does what it does when the time is up.
 */
test('a risky change waits for confirmation: kept, undone at once, and a lock-out explained', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'lighthouse keeper 1893 fog');
  const app = en('app-panel-access:name');
  // The banner's own clock is the page's: Playwright's lets the test move it on.
  await page.clock.install();

  const banner = page.getByRole('region', { name: en('panel:watchdog.label') });
  const networks = page.getByLabel(en('app-panel-access:params.allowedNetworks.label'), { exact: true });
  const apply = page.getByRole('button', { name: en('panel:appPage.apply'), exact: true });
  const outcome = page.getByRole('status').filter({ has: page.locator('.job-status') });
  const keep = banner.getByRole('button', { name: en('panel:watchdog.keep') });
  const undo = banner.getByRole('button', { name: en('panel:watchdog.undo') });
  const countdown = banner.getByText(pattern('en', 'panel:watchdog.pending', { app: escape(app) }));

  await test.step('Apps → Panel access, with no extra network', async () => {
    await page.goto('/');
    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.apps') }).click();
    await page.getByRole('main').getByRole('link', { name: app }).click();
    await expect(page.getByRole('heading', { level: 1, name: app })).toBeVisible();
    await expect(networks).toHaveValue('');
    await expect(banner).toHaveCount(0);
  });

  await test.step('a new network is applied: the banner asks to keep it, counting down', async () => {
    await networks.fill('10.99.0.0/24');
    await apply.click();
    await expect(outcome).toContainText(en('panel:jobs.status.succeeded'));
    await expect(page.getByRole('log')).toContainText(en('apps:watchdog.armed', { seconds: 60 }));
    await expect(countdown).toBeVisible();
    await expect(keep).toBeVisible();
    await expect(undo).toBeVisible();
    expect(await pendingChange(daemon)).toMatchObject({ appId: 'panel-access' });

    const before = await secondsShown(page);
    expect(before).toBeGreaterThan(40);
    expect(before).toBeLessThanOrEqual(60);
    // Ten seconds on the page's clock: the countdown follows (and the box's later answers do not put it back).
    await page.clock.fastForward(10_000);
    await expect.poll(() => secondsShown(page)).toBeLessThanOrEqual(before - 9);
    await expect(countdown).toBeVisible();
  });

  await test.step('Keep it: the banner says so and goes; nothing waits and the network stays', async () => {
    await keep.click();
    await expect(banner).toContainText(en('panel:watchdog.kept', { app }));
    await expect(keep).toHaveCount(0);
    await page.clock.fastForward(7_000);
    await expect(banner).toHaveCount(0);
    expect(await pendingChange(daemon)).toBeNull();
    expect(await allowedNetworks(daemon)).toBe('10.99.0.0/24');
    await expect(networks).toHaveValue('10.99.0.0/24');
  });

  await test.step('another network, then Undo now: the banner says it is being undone, then that it was', async () => {
    await networks.fill('10.99.0.0/24\n10.98.0.0/24');
    await apply.click();
    await expect(countdown).toBeVisible();
    expect(await allowedNetworks(daemon)).toBe('10.99.0.0/24\n10.98.0.0/24');

    // Held on its way, so the moment between the click and the box's answer can be seen.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/api/watchdog/revert', async (route) => {
      await held;
      await route.continue();
    });
    await undo.click();
    await expect(banner).toContainText(en('panel:watchdog.undoing', { app }));
    await expect(banner.locator('.spinner')).toBeVisible();
    release();

    await expect(banner).toContainText(en('panel:watchdog.undone', { app }));
    await page.unroute('**/api/watchdog/revert');
    // The undo is a job of the app: the page follows it and shows the old value again.
    await expect(page.locator('.console-title')).toContainText(en('panel:jobs.startedBy.watchdog'));
    await expect(outcome).toContainText(en('panel:jobs.status.succeeded'));
    await expect(networks).toHaveValue('10.99.0.0/24');
    expect(await pendingChange(daemon)).toBeNull();
    expect(await allowedNetworks(daemon)).toBe('10.99.0.0/24');

    await banner.getByRole('button', { name: en('panel:watchdog.close') }).click();
    await expect(banner).toHaveCount(0);
  });

  await test.step('a change that shuts this page out: the page says it will be undone by itself, then works again', async () => {
    await networks.fill('10.99.0.0/24\n10.97.0.0/24');
    await apply.click();
    await expect(countdown).toBeVisible();

    // The box now refuses this page, as it would after a change to the networks, names or HTTPS.
    await page.route('**/api/**', (route) =>
      route.fulfill({
        status: 403,
        contentType: 'application/json',
        body: JSON.stringify({ code: 'HEARTH_ERR_NOT_LAN', message: 'refused' }),
      }),
    );
    await page.clock.fastForward(3_000);
    await expect(banner.getByText(pattern('en', 'panel:watchdog.lockedOutIn', { app: escape(app) }))).toBeVisible();
    await expect(banner).toContainText(en('panel:watchdog.lockedOutReason', { reason: en('errors:HEARTH_ERR_NOT_LAN') }));
    await expect(banner).toContainText(en('panel:watchdog.lockedOutSsh'));
    await expect(keep).toHaveCount(0);

    // What the box does when the time is up.
    const revert = await daemon.cli(['watchdog', 'revert']);
    expect(revert.exitCode, revert.stderr).toBe(0);
    await page.unroute('**/api/**');
    await page.clock.fastForward(3_000);
    await expect(banner).toContainText(en('panel:watchdog.undoneByItself', { app }));
    // The page loads again what it could not while it was shut out: the old value.
    await expect(networks).toHaveValue('10.99.0.0/24');
    expect(await allowedNetworks(daemon)).toBe('10.99.0.0/24');
  });
});
