import { randomBytes } from 'node:crypto';
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import { formatBytes } from '../server/format.js';
import { expect, test } from './fixtures.js';
import { en, pattern, within } from './locales.js';

interface Backups {
  status: { lastGoodAt: string | null };
  backups: Array<{ name: string; size: number; createdAt: string; data: boolean | null; verified: { ok: boolean } | null }>;
}

async function backups(request: APIRequestContext): Promise<Backups> {
  const response = await request.get('/api/backups');
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as Backups;
}

/** 128 MiB written, read back, unpacked twice: a slow disk or a busy machine takes a while. */
const jobTime = { timeout: 30_000 };

/** Big enough that the backup takes a moment: the progress shows while it runs. */
const bigFileBytes = 128 * 1024 * 1024;

/**
 * The owner backs the box up from the panel and watches it run, finds the backup
 * listed and verified, downloads it, then — after a file changed — restores it: a dry
 * run first that says what would change, then the restore itself. The file is back,
 * and the owner is still logged in (the account existed when the backup was made).
 */
test('back up from the panel with live progress, download the backup, dry-run and restore it', async ({ page, daemon }) => {
  const dataDir = path.join(daemon.root, 'srv', 'hearth');
  const letter = path.join(dataDir, 'documents', 'letter.txt');
  await mkdir(path.dirname(letter), { recursive: true });
  await writeFile(letter, 'Dear future self, this is the original letter.\n');
  await writeFile(path.join(dataDir, 'photos.bin'), randomBytes(bigFileBytes));

  await daemon.activate(page.request, 'lantern by the garden gate 42');
  const sections = page.getByRole('navigation', { name: en('panel:nav.label') });
  const status = page.getByRole('region', { name: en('panel:backups.status.title') });
  const list = page.getByRole('region', { name: en('panel:backups.list.title'), exact: true });
  const console_ = page.getByRole('region', { name: en('panel:appPage.console') });
  const outcome = console_.getByRole('status').filter({ has: page.locator('.job-status') });
  const said = page.locator('.backups-outcome');

  await test.step('the Backups page says the box has never been backed up, and links to the settings', async () => {
    await page.goto('/');
    await sections.getByRole('link', { name: en('panel:nav.backups') }).click();
    await expect(page).toHaveURL(/\/backups$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.backups') })).toBeVisible();
    await expect(status.getByRole('definition').first()).toHaveText(en('panel:backups.status.never'));
    await expect(status).toContainText(en('panel:backups.status.drillNotYet'));
    await expect(list).toContainText(en('panel:backups.list.empty'));
    await expect(page.getByRole('link', { name: en('panel:backups.settingsLink') })).toHaveAttribute('href', '/apps/backups');
    await expect(page.getByRole('radio', { name: new RegExp(`^${en('panel:backups.contents.withData')}`) })).toBeChecked();
  });

  let name = '';
  let size = 0;
  await test.step('Back up now: the progress shows while it runs, then it succeeds', async () => {
    await page.getByRole('button', { name: en('panel:backups.now.submit'), exact: true }).click();
    // Live: a progress bar of the running job, with its phase and figures.
    const running = console_.locator('.progress[data-running="true"]');
    await expect(running).toBeVisible();
    await expect(running.getByRole('progressbar')).toHaveAttribute('aria-valuetext', /%/);
    await expect(running.locator('.progress-phase')).not.toBeEmpty();
    await expect(console_.getByRole('log')).toContainText(en('backup:log.databaseCopied'));
    await expect(outcome).toContainText(en('panel:jobs.status.succeeded'), jobTime);
    await expect(said).toHaveText(en('panel:backups.outcome.backupDone'));
    // Finished: the bar stays at 100 %, without throughput or time left.
    await expect(console_.locator('.progress[data-running="false"] .progress-phase')).toHaveText(en('panel:progress.phase.verify'));
    await expect(console_.getByRole('progressbar')).toHaveAttribute('aria-valuenow', '100');
    const { backups: listed } = await backups(page.request);
    expect(listed).toHaveLength(1);
    name = listed[0]!.name;
    size = listed[0]!.size;
    expect(listed[0]!.data).toBe(true);
  });

  const item = list.getByRole('article');
  await test.step('the backup is listed: date, size, settings and files, verified ✓', async () => {
    await expect(item).toHaveCount(1);
    await expect(item).toContainText(name);
    await expect(item).toContainText(en('panel:backups.contents.withData'));
    await expect(item).toContainText(formatBytes(size));
    await expect(item.locator('.verified-badge')).toHaveAttribute('data-verified', 'ok');
    await expect(item.locator('.verified-badge')).toHaveText(within('en', 'panel:backups.verified.ok', { date: '.+' }, '^✓ '));
    await expect(status.getByRole('definition').first()).not.toHaveText(en('panel:backups.status.never'));
  });

  await test.step('Download gives the very file of the destination', async () => {
    const downloading = page.waitForEvent('download');
    await item.getByRole('link', { name: en('panel:backups.list.download') }).click();
    const download = await downloading;
    expect(download.suggestedFilename()).toBe(name);
    const saved = await download.path();
    const onDisk = path.join(daemon.root, 'var', 'lib', 'hearth', 'backups', name);
    expect((await stat(saved)).size).toBe((await stat(onDisk)).size);
  });

  await writeFile(letter, 'Scribbled over by mistake.\n');
  await writeFile(path.join(dataDir, 'documents', 'new-since.txt'), 'written after the backup\n');

  const restoreCard = page.getByRole('region', { name: pattern('en', 'panel:backups.restore.titleArchive', { date: '.+' }) });
  await test.step('Restore… opens the restore with its warning; a dry run says what would change and changes nothing', async () => {
    await item.getByRole('button', { name: en('panel:backups.list.restore') }).click();
    await expect(restoreCard).toBeVisible();
    await expect(restoreCard.getByRole('note')).toContainText(en('panel:backups.restore.warningFiles'));
    await expect(restoreCard.getByRole('note')).toContainText(en('panel:backups.restore.warningPassword'));
    await expect(restoreCard.getByRole('checkbox', { name: en('panel:backups.restore.includeData') })).toBeChecked();
    await restoreCard.getByRole('button', { name: en('panel:backups.restore.dryRun'), exact: true }).click();
    await expect(console_.locator('.console-title')).toContainText(en('panel:backups.action.restoreDryRun'));
    const log = console_.getByRole('log');
    await expect(log).toContainText(within('en', 'backup:dryRun.data', { files: '2', size: '[\\d.]+ MiB' }));
    await expect(log).toContainText(en('backup:dryRun.done'), jobTime);
    await expect(outcome).toContainText(en('panel:jobs.status.succeeded'));
    await expect(said).toHaveText(en('panel:backups.outcome.dryRunDone'));
    expect(await readFile(letter, 'utf8')).toBe('Scribbled over by mistake.\n');
    await expect(restoreCard).toBeVisible();
  });

  await test.step('the restore asks once more, then puts the files back as they were', async () => {
    await restoreCard.getByRole('button', { name: en('panel:backups.restore.restore'), exact: true }).click();
    await expect(restoreCard.getByText(en('panel:backups.restore.confirmWithFiles'))).toBeVisible();
    await restoreCard.getByRole('button', { name: en('panel:backups.restore.confirm'), exact: true }).click();
    await expect(console_.locator('.console-title')).toContainText(en('panel:backups.action.restore'));
    await expect(console_.getByRole('log')).toContainText(en('backup:log.restoreDatabaseSwapped'), jobTime);
    await expect(outcome).toContainText(en('panel:jobs.status.succeeded'));
    await expect(said).toHaveText(pattern('en', 'panel:backups.outcome.restoredFrom', { date: '.+' }));
    await expect(restoreCard).toBeHidden();
    expect(await readFile(letter, 'utf8')).toBe('Dear future self, this is the original letter.\n');
    await expect(stat(path.join(dataDir, 'documents', 'new-since.txt'))).rejects.toThrow();
  });

  await test.step('the owner is still logged in', async () => {
    await expect(page).toHaveURL(/\/backups$/);
    expect((await page.request.get('/api/auth/session')).status()).toBe(200);
    await sections.getByRole('link', { name: en('panel:nav.dashboard') }).click();
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.dashboard') })).toBeVisible();
    await expect(page.locator('.backup-warning')).toHaveCount(0);
  });
});
