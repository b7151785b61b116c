import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures.js';
import { en, within, zh } from './locales.js';

/**
 * The weekly restore drill finds the newest backup damaged: the owner is notified,
 * the dashboard says so on every visit, with the way to the Backups page, where the
 * archive is marked ✗ — until a new backup is made and the next drill passes.
 *
 * The drill is the scheduler's own job, started now instead of on Sunday night
 * (fixtures: runDrill). "No backup for N days" cannot be shown honestly here: it
 * needs days to pass on the box's clock.
 */
test('a failed restore drill is shown on the dashboard and the Backups page until a drill passes again', async ({ page, daemon }) => {
  const dataDir = path.join(daemon.root, 'srv', 'hearth');
  await mkdir(dataDir, { recursive: true });
  await writeFile(path.join(dataDir, 'notes.txt'), 'a few notes\n'.repeat(2000));
  await daemon.activate(page.request, 'weathervane on the barn roof');

  const destination = path.join(daemon.root, 'var', 'lib', 'hearth', 'backups');
  const warning = page.getByRole('region', { name: en('panel:backups.warning.title') });

  await test.step('a backup made over SSH: the dashboard has nothing to warn about', async () => {
    const result = await daemon.cli(['backup']);
    expect(result.exitCode, result.stderr).toBe(0);
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.dashboard') })).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: (await daemon.info()).hostname, exact: true })).toBeVisible();
    await expect(warning).toHaveCount(0);
  });

  await test.step('the archive is damaged on the drive; the drill finds it, and the open dashboard says so', async () => {
    const [name] = (await readdir(destination)).filter((file) => file.startsWith('hearth-backup_'));
    const file = path.join(destination, name!);
    const bytes = await readFile(file);
    for (let i = bytes.length - 64; i < bytes.length - 16; i += 1) bytes[i] = bytes[i]! ^ 0xff;
    await writeFile(file, bytes);

    const drill = await daemon.runDrill();
    expect(drill.status).toBe('failed');
    expect(drill.errorCode).toMatch(/^HEARTH_ERR_ARCHIVE_/);

    await expect(warning).toBeVisible();
    await expect(warning).toContainText(within('en', 'panel:backups.warning.drillFailed', { date: '.+', reason: '.+' }));
    await expect(warning).toContainText(en('panel:backups.warning.fixDrill'));
    // Told, too: the bell has the drill's notification.
    await expect(page.getByRole('banner').getByRole('link', { name: en('panel:notifications.bellUnread_one', { count: 1 }) })).toBeVisible();
  });

  await test.step('in 中文 too', async () => {
    await page.getByLabel(en('panel:language.label')).first().selectOption({ label: '中文' });
    const zhWarning = page.getByRole('region', { name: zh('panel:backups.warning.title') });
    await expect(zhWarning).toContainText(zh('panel:backups.warning.fixDrill'));
    await expect(zhWarning.getByRole('link', { name: zh('panel:backups.warning.open') })).toBeVisible();
    await page.getByLabel(zh('panel:language.label')).first().selectOption({ label: 'English' });
    await expect(warning).toBeVisible();
  });

  const list = page.getByRole('region', { name: en('panel:backups.list.title'), exact: true });
  const status = page.getByRole('region', { name: en('panel:backups.status.title') });
  await test.step('the warning leads to Backups: the drill failed, the archive is marked ✗', async () => {
    await warning.getByRole('link', { name: en('panel:backups.warning.open') }).click();
    await expect(page).toHaveURL(/\/backups$/);
    await expect(warning).toBeVisible();
    await expect(status).toContainText(within('en', 'panel:backups.status.drillFailed', { date: '.+', reason: '.+' }, '✗ '));
    await expect(list.getByRole('article').locator('.verified-badge')).toHaveAttribute('data-verified', 'failed');
    await expect(list.getByRole('article').locator('.verified-badge')).toContainText('✗');
  });

  await test.step('Verify reads it back again: it fails, and the page says why', async () => {
    await list.getByRole('article').getByRole('button', { name: en('panel:backups.list.verify'), exact: true }).click();
    const console_ = page.getByRole('region', { name: en('panel:appPage.console') });
    await expect(console_.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.failed'));
    await expect(page.locator('.backups-outcome .message-error')).toContainText(en('panel:backups.outcome.verifyFailed', { reason: '' }).trim());
  });

  await test.step('a new backup does not clear it; a restore test started from the page that passes does', async () => {
    await page.getByRole('radio', { name: new RegExp(`^${en('panel:backups.contents.withoutData')}`) }).check();
    await page.getByRole('button', { name: en('panel:backups.now.submit'), exact: true }).click();
    await expect(page.locator('.backups-outcome')).toHaveText(en('panel:backups.outcome.backupDone'));
    await expect(list.getByRole('article')).toHaveCount(2);
    await expect(list.getByRole('article').first()).toContainText(en('panel:backups.contents.withoutData'));
    await expect(list.getByRole('article').first().locator('.verified-badge')).toHaveAttribute('data-verified', 'ok');
    // Still failing until the drill says otherwise.
    await expect(warning).toBeVisible();

    await status.getByRole('button', { name: en('panel:backups.status.drillNow'), exact: true }).click();
    await expect(page.locator('.backups-outcome')).toHaveText(en('panel:backups.outcome.drillPassed'));
    await expect(warning).toHaveCount(0);
    await expect(status).toContainText(within('en', 'panel:backups.status.drillPassed', { date: '.+' }, '✓ '));

    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.dashboard') }).click();
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.dashboard') })).toBeVisible();
    await expect(page.locator('.backup-warning')).toHaveCount(0);
  });

  await test.step('the backup drive is not there: Back up now fails at once and the page says why', async () => {
    const moved = await daemon.cli(['app', 'run', 'backups', 'destination=/media/usb/backups']);
    expect(moved.exitCode, moved.stderr).toBe(0);
    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.backups') }).click();
    await expect(list).toContainText(en('panel:backups.list.where', { destination: '/media/usb/backups' }));
    await expect(list).toContainText(en('panel:backups.list.empty'));
    await page.getByRole('button', { name: en('panel:backups.now.submit'), exact: true }).click();
    const reason = en('errors:HEARTH_ERR_BACKUP_DEST_MISSING', { path: '/media/usb/backups' });
    await expect(page.locator('.backups-outcome .message-error')).toHaveText(en('panel:backups.outcome.backupFailed', { reason }));
    await expect(page.getByRole('region', { name: en('panel:appPage.console') }).locator('.job-outcome')).toContainText(reason);
  });
});
