import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures.js';
import { en, within } from './locales.js';

/**
 * A restore brings back the accounts of the backup. This one was made over SSH before
 * the box was activated: there is no owner in it, so the owner's session cannot carry
 * over. The panel does not just drop to a bare form: it says the box was restored and
 * what to do (activate it again), and afterwards shows how the restore ended.
 */
test('a restore that ends the session says so, and shows its outcome once the owner is back in', async ({ page, daemon }) => {
  const dataDir = path.join(daemon.root, 'srv', 'hearth');
  const list = path.join(dataDir, 'shopping.txt');
  await mkdir(dataDir, { recursive: true });
  await writeFile(list, 'eggs, milk\n');

  await test.step('a backup is made over SSH before the box is activated', async () => {
    const result = await daemon.cli(['backup']);
    expect(result.exitCode, result.stderr).toBe(0);
  });

  await daemon.activate(page.request, 'first light over the harbour');
  await writeFile(list, 'eggs, milk, and a lot more since\n');

  const item = page.getByRole('region', { name: en('panel:backups.list.title'), exact: true }).getByRole('article');
  await test.step('the owner restores it from the list', async () => {
    await page.goto('/backups');
    await expect(item).toHaveCount(1);
    await expect(item.locator('.verified-badge')).toHaveAttribute('data-verified', 'ok');
    await item.getByRole('button', { name: en('panel:backups.list.restore') }).click();
    const card = page.getByRole('region', { name: within('en', 'panel:backups.restore.titleArchive', { date: '.+' }) });
    await card.getByRole('button', { name: en('panel:backups.restore.restore'), exact: true }).click();
    await card.getByRole('button', { name: en('panel:backups.restore.confirm'), exact: true }).click();
  });

  await test.step('the session is gone: the panel says the box was restored, and to activate it again', async () => {
    await expect(page).toHaveURL(/\/activate$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:activate.title') })).toBeVisible();
    await expect(page.getByRole('note')).toHaveText(en('panel:activate.afterRestore').replace(/<\/?code>/g, ''));
    expect(await readFile(list, 'utf8')).toBe('eggs, milk\n');
    expect((await page.request.get('/api/auth/session')).status()).toBe(401);
  });

  await test.step('activated again, the Backups page shows how the restore ended', async () => {
    const setupCode = await daemon.setupCode();
    await page.getByLabel(en('panel:activate.setupCodeLabel')).fill(setupCode);
    await page.getByRole('radio', { name: new RegExp(`^${en('panel:activate.chooseOwn')}`) }).check();
    await page.getByLabel(en('panel:activate.ownPasswordLabel'), { exact: true }).fill('second light over the harbour');
    await page.getByLabel(en('panel:activate.repeatPasswordLabel'), { exact: true }).fill('second light over the harbour');
    await page.getByRole('button', { name: en('panel:activate.submit'), exact: true }).click();
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.dashboard') })).toBeVisible();
    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.backups') }).click();
    await expect(page.locator('.backups-outcome')).toHaveText(en('panel:backups.outcome.restored'));
    const console_ = page.getByRole('region', { name: en('panel:appPage.console') });
    await expect(console_.locator('.console-title')).toContainText(en('panel:backups.action.restore'));
    await expect(console_.getByRole('log')).toContainText(en('backup:log.restoreDatabaseSwapped'));
    await expect(console_.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.succeeded'));
  });

  await test.step('the notice is not shown again at a later log out', async () => {
    await page.getByRole('button', { name: en('panel:nav.logout') }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole('note')).toHaveCount(0);
  });
});
