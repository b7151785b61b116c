import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures.js';
import { en, within } from './locales.js';

/**
 * With encryption on in the Backups settings, a backup is marked encrypted (a lock);
 * Verify asks for a passphrase but may use the stored one; a restore needs the
 * passphrase, and a wrong one is said plainly without anything changing.
 */
/** Each job derives the key from the passphrase (scrypt): slow on a busy machine. */
const jobTime = { timeout: 30_000 };

test('an encrypted backup: verify with the stored passphrase, restore only with the right one', async ({ page, daemon }) => {
  const passphrase = 'orange kettle whistles at dawn 77';
  const dataDir = path.join(daemon.root, 'srv', 'hearth');
  const diary = path.join(dataDir, 'diary.txt');
  await mkdir(dataDir, { recursive: true });
  await writeFile(diary, 'Monday: sunny.\n');
  await daemon.activate(page.request, 'ladder against the apple tree');
  const configured = await daemon.cli(['app', 'run', 'backups', 'encrypt=true', `passphrase=${passphrase}`]);
  expect(configured.exitCode, configured.stderr).toBe(0);

  const list = page.getByRole('region', { name: en('panel:backups.list.title'), exact: true });
  const item = list.getByRole('article');
  const said = page.locator('.backups-outcome');

  await test.step('Back up now writes an encrypted archive, marked with a lock', async () => {
    await page.goto('/backups');
    await page.getByRole('button', { name: en('panel:backups.now.submit'), exact: true }).click();
    await expect(said).toHaveText(en('panel:backups.outcome.backupDone'), jobTime);
    await expect(item).toHaveCount(1);
    await expect(item.locator('.backup-name')).toHaveText(/\.tar\.zst\.age$/);
    await expect(item.locator('.backup-encrypted')).toHaveText(en('panel:backups.list.encrypted'));
    await expect(item.locator('.verified-badge')).toHaveAttribute('data-verified', 'ok');
  });

  await test.step('Verify offers a passphrase field; left empty, the stored passphrase is used', async () => {
    const verify = item.getByRole('button', { name: en('panel:backups.list.verify'), exact: true });
    await verify.click();
    await expect(verify).toHaveAttribute('aria-expanded', 'true');
    await expect(item.getByText(en('panel:backups.passphrase.verifyHint'))).toBeVisible();
    await item.getByRole('button', { name: en('panel:backups.list.verifyNow'), exact: true }).click();
    await expect(said).toHaveText(en('panel:backups.outcome.verified'), jobTime);
  });

  await writeFile(diary, 'Tuesday: overwritten.\n');
  const card = page.getByRole('region', { name: within('en', 'panel:backups.restore.titleArchive', { date: '.+' }) });
  const field = card.getByLabel(en('panel:backups.passphrase.label'), { exact: true });
  const dryRun = card.getByRole('button', { name: en('panel:backups.restore.dryRun'), exact: true });

  await test.step('the restore needs the passphrase; a wrong one fails and changes nothing', async () => {
    await item.getByRole('button', { name: en('panel:backups.list.restore') }).click();
    await dryRun.click();
    await expect(card.getByRole('alert')).toHaveText(en('panel:backups.restore.passphraseMissing'));
    await field.fill('not the passphrase at all');
    await dryRun.click();
    await expect(said).toHaveText(en('panel:backups.outcome.restoreFailed', { reason: en('errors:HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE') }), jobTime);
    expect(await readFile(diary, 'utf8')).toBe('Tuesday: overwritten.\n');
  });

  await test.step('with the right one it is restored', async () => {
    await field.fill(passphrase);
    await card.getByRole('button', { name: en('panel:backups.restore.restore'), exact: true }).click();
    await card.getByRole('button', { name: en('panel:backups.restore.confirm'), exact: true }).click();
    await expect(said).toHaveText(within('en', 'panel:backups.outcome.restoredFrom', { date: '.+' }), jobTime);
    expect(await readFile(diary, 'utf8')).toBe('Monday: sunny.\n');
  });
});
