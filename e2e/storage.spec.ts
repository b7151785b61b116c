import { expect, test } from './fixtures.js';
import { en, zh } from './locales.js';

/**
 * The owner looks at the drives of the (sandboxed) Raspberry Pi: the SD card it runs
 * from, marked as the system disk and never offered for formatting; a USB SSD and a
 * USB stick with their partitions. The format app refuses the system disk under the
 * field; the SSD is formatted from the Storage page after typing its name, with what
 * will be lost shown first; then it is mounted at every start.
 */
test('the Storage page lists the drives, the system disk is refused, a drive is formatted and mounted', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'copper kettle on the hob 2025');
  const main = page.getByRole('main');
  const disk = (title: string) => main.getByRole('region', { name: title });

  await test.step('Storage lists the drives with their partitions, the SD card as the system disk', async () => {
    await page.goto('/');
    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.storage') }).click();
    await expect(page).toHaveURL(/\/storage$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.storage') })).toBeVisible();

    const sd = disk('mmcblk0');
    await expect(sd.getByText(en('storage:disk.system'), { exact: true })).toBeVisible();
    await expect(sd.getByText(en('storage:disk.systemNote', { places: '/, /boot, /var/lib/hearth' }))).toBeVisible();
    await expect(sd.getByText('/boot/firmware')).toBeVisible();
    await expect(sd.getByRole('button', { name: en('storage:disk.format') })).toHaveCount(0);

    const ssd = disk('Samsung PSSD T7');
    await expect(ssd.getByText(en('storage:disk.facts', { size: '466 GiB', transport: 'USB', path: '/dev/sda' }), { exact: false })).toBeVisible();
    await expect(ssd.getByText('photos', { exact: true })).toBeVisible();
    await expect(ssd.getByText(en('storage:volume.notMounted'))).toBeVisible();

    const stick = disk('SanDisk Ultra Fit');
    await expect(stick.getByText('/media/STICK')).toBeVisible();
    await expect(stick.getByRole('progressbar', { name: en('storage:volume.usageBar', { name: 'sdb1' }) })).toBeVisible();

    await expect(main.getByRole('link', { name: en('storage:apps.format') })).toHaveAttribute('href', '/apps/storage-format');
    await expect(main.getByRole('link', { name: en('storage:apps.automount') })).toHaveAttribute('href', '/apps/storage-automount');
    await expect(main.getByRole('link', { name: en('storage:apps.datadir'), exact: true })).toHaveAttribute('href', '/apps/datadir');
  });

  await test.step('the format app refuses the system disk, saying why under the field', async () => {
    await main.getByRole('link', { name: en('storage:apps.format') }).click();
    await expect(page.getByRole('heading', { level: 1, name: en('app-storage-format:name') })).toBeVisible();
    await page.getByLabel(en('app-storage-format:params.device.label'), { exact: true }).fill('/dev/mmcblk0');
    await page.getByLabel(en('app-storage-format:params.confirm.label')).fill('mmcblk0');
    await page.getByRole('button', { name: en('panel:appPage.run') }).click();
    await expect(page.getByText(en('app-storage-format:errors.systemDisk', { device: '/dev/mmcblk0', places: '/, /boot, /var/lib/hearth' }))).toBeVisible();
    const runs = await page.request.get('/api/jobs?limit=10');
    expect((await runs.json()).jobs).toEqual([]);
  });

  await test.step('the SSD is formatted from the Storage page once its name is typed', async () => {
    await page.goto('/storage');
    const ssd = disk('Samsung PSSD T7');
    await ssd.getByRole('button', { name: en('storage:disk.format') }).click();
    const form = ssd.getByRole('form', { name: en('storage:format.title', { drive: 'Samsung PSSD T7' }) });
    await expect(form.getByText(en('storage:format.lost'))).toBeVisible();
    await expect(form.getByText(en('storage:format.lostVolume', { name: 'sda1', filesystem: 'ext4', label: '“photos”', size: '466 GiB' }))).toBeVisible();

    await form.getByLabel(en('storage:format.confirm', { name: 'PSSD T7' })).fill('PSSD T5');
    await form.getByRole('button', { name: en('storage:format.submit') }).click();
    await expect(form.getByText(en('app-storage-format:errors.confirm', { name: 'PSSD T7' }))).toBeVisible();

    await form.getByLabel(en('storage:format.label')).fill('media');
    await form.getByLabel(en('storage:format.confirm', { name: 'PSSD T7' })).fill('PSSD T7');
    await form.getByRole('button', { name: en('storage:format.submit') }).click();
    await expect(page.getByRole('status').getByText(en('storage:outcome.done'))).toBeVisible({ timeout: 20_000 });
    await expect(ssd.getByText('btrfs', { exact: true })).toBeVisible();
    await expect(ssd.getByText('media', { exact: true })).toBeVisible();
    await expect(ssd.getByText('photos', { exact: true })).toHaveCount(0);
  });

  await test.step('…and mounted at every start', async () => {
    const ssd = disk('Samsung PSSD T7');
    await ssd.getByRole('button', { name: en('storage:volume.mount') }).click();
    await expect(ssd.getByText('/media/media')).toBeVisible({ timeout: 20_000 });
    await expect(ssd.getByText(en('storage:volume.everyStart'))).toBeVisible();
    await expect(ssd.getByRole('progressbar', { name: en('storage:volume.usageBar', { name: 'sda1' }) })).toBeVisible();
  });

  await test.step('the page speaks Chinese when the owner switches', async () => {
    await page.getByLabel(en('panel:language.label')).first().selectOption({ label: '中文' });
    await expect(page.getByRole('heading', { level: 1, name: zh('panel:nav.storage') })).toBeVisible();
    await expect(main.getByText(zh('storage:disk.systemNote', { places: '/, /boot, /var/lib/hearth' }))).toBeVisible();
    await expect(disk('Samsung PSSD T7').getByText(zh('storage:volume.everyStart'))).toBeVisible();
  });
});
