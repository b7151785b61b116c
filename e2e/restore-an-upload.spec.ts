import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { formatBytes } from '../server/format.js';
import { expect, test } from './fixtures.js';
import { en, pattern } from './locales.js';

/**
 * The backup is not on the box any more, only on the owner's computer (a copy kept
 * elsewhere): the owner uploads it in the browser and restores it. A file bigger than
 * the Backups app's upload limit is refused before it is sent.
 */
test('restore a backup uploaded from the browser; the upload limit is said before sending', async ({ page, daemon }, testInfo) => {
  const dataDir = path.join(daemon.root, 'srv', 'hearth');
  const recipe = path.join(dataDir, 'kitchen', 'recipe.txt');
  await mkdir(path.dirname(recipe), { recursive: true });
  await writeFile(recipe, 'Grandmother’s bread: flour, water, salt, patience.\n');
  // Incompressible, so the archive is bigger than the 1 MiB limit set below.
  await writeFile(path.join(dataDir, 'kitchen', 'photo.jpg'), randomBytes(3 * 1024 * 1024));
  await daemon.activate(page.request, 'pantry shelf with jars 1987');

  const destination = path.join(daemon.root, 'var', 'lib', 'hearth', 'backups');
  const kept = testInfo.outputPath('kept-elsewhere');
  let archive = '';
  await test.step('a backup made over SSH is copied off the box, then removed from it', async () => {
    const result = await daemon.cli(['backup']);
    expect(result.exitCode, result.stderr).toBe(0);
    const [name] = (await readdir(destination)).filter((file) => file.startsWith('hearth-backup_'));
    expect(name).toBeTruthy();
    await mkdir(kept, { recursive: true });
    archive = path.join(kept, name!);
    await copyFile(path.join(destination, name!), archive);
    await rm(path.join(destination, name!));
  });
  const archiveSize = (await stat(archive)).size;
  expect(archiveSize).toBeGreaterThan(1024 * 1024);

  await writeFile(recipe, 'Lost the recipe.\n');

  const uploadCard = page.getByRole('region', { name: en('panel:backups.upload.title') });
  const fileInput = uploadCard.getByLabel(en('panel:backups.upload.file'));
  const uploadButton = uploadCard.getByRole('button', { name: en('panel:backups.upload.submit'), exact: true });

  await test.step('the Backups page lists nothing: the backup is not on the box', async () => {
    await page.goto('/backups');
    await expect(page.getByRole('region', { name: en('panel:backups.list.title'), exact: true })).toContainText(en('panel:backups.list.empty'));
    await expect(uploadCard).toContainText(en('panel:backups.upload.introLimit', { limit: formatBytes(65536 * 1024 * 1024) }));
  });

  await test.step('with a 1 MiB limit, the file is refused before it is sent', async () => {
    const limited = await daemon.cli(['app', 'run', 'backups', 'uploadLimitMiB=1']);
    expect(limited.exitCode, limited.stderr).toBe(0);
    // The page follows the settings changed over SSH.
    await expect(uploadCard).toContainText(en('panel:backups.upload.introLimit', { limit: formatBytes(1024 * 1024) }));
    let sent = false;
    page.on('request', (request) => {
      if (request.url().endsWith('/api/backups/upload')) sent = true;
    });
    await fileInput.setInputFiles(archive);
    await uploadButton.click();
    await expect(uploadCard.getByRole('alert')).toHaveText(en('errors:HEARTH_ERR_UPLOAD_TOO_LARGE', { limit: formatBytes(1024 * 1024) }));
    expect(sent).toBe(false);
    const restored = await daemon.cli(['app', 'run', 'backups', 'uploadLimitMiB=100']);
    expect(restored.exitCode, restored.stderr).toBe(0);
    await expect(uploadCard).toContainText(en('panel:backups.upload.introLimit', { limit: formatBytes(100 * 1024 * 1024) }));
  });

  const restoreCard = page.getByRole('region', { name: en('panel:backups.restore.titleUpload', { file: path.basename(archive) }) });
  await test.step('the upload is sent to the box; its restore opens', async () => {
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/backups/upload'));
    await fileInput.setInputFiles(archive);
    await uploadButton.click();
    const response = await answer;
    expect(response.status()).toBe(201);
    expect((await response.json()) as { size: number }).toMatchObject({ size: archiveSize });
    await expect(restoreCard).toBeVisible();
    await expect(restoreCard).toContainText(en('panel:backups.restore.uploaded', { size: formatBytes(archiveSize) }));
    await expect(uploadCard.getByRole('alert')).toHaveCount(0);
    await expect(restoreCard.getByRole('note')).toContainText(en('panel:backups.restore.warningSettings'));
  });

  const console_ = page.getByRole('region', { name: en('panel:appPage.console') });
  await test.step('restored: the file is back, and the owner is still logged in', async () => {
    await restoreCard.getByRole('button', { name: en('panel:backups.restore.restore'), exact: true }).click();
    await restoreCard.getByRole('button', { name: en('panel:backups.restore.confirm'), exact: true }).click();
    await expect(console_.getByRole('log')).toContainText(en('backup:log.restoreDataSwapped'), { timeout: 30_000 });
    await expect(console_.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.succeeded'));
    await expect(page.locator('.backups-outcome')).toHaveText(en('panel:backups.outcome.restored'));
    expect(await readFile(recipe, 'utf8')).toBe('Grandmother’s bread: flour, water, salt, patience.\n');
    await expect(page).toHaveURL(/\/backups$/);
    expect((await page.request.get('/api/auth/session')).status()).toBe(200);
  });

  await test.step('the restore is in Last runs', async () => {
    const runs = page.getByRole('region', { name: en('panel:appPage.lastRuns') }).getByRole('button');
    await expect(runs.first()).toContainText(en('panel:backups.action.restore'));
    await expect(runs.first()).toContainText(en('panel:jobs.status.succeeded'));
    await expect(page.getByText(pattern('en', 'panel:appPage.runTitle', { id: '\\d+', action: en('panel:backups.action.restore'), who: '.+', time: '.+' }))).toBeVisible();
  });
});
