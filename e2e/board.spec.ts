import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { expect, test } from './fixtures.js';

test('the dashboard shows the board the box runs on, its facts and quirks, and a temperature above its safe limit', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'weathervane on the barn roof');
  // The sandbox seeds a Raspberry Pi 4's files into the demo root on first start.
  await page.goto('/');
  const card = page.getByRole('region', { name: 'Raspberry Pi 4 Model B' });
  await expect(card).toBeVisible();
  await expect(card.getByRole('img', { name: 'Circuit board' })).toBeVisible();
  await expect(card.getByText('Broadcom BCM2711')).toBeVisible();
  await expect(card.getByText('1000 Mbit/s')).toBeVisible();
  await expect(card.getByRole('list', { name: 'Good to know' })).toContainText('5.1 V / 3 A USB-C');
  await expect(card.getByText('Recognised by its device-tree compatible string: raspberrypi,4-model-b')).toBeVisible();
  await expect(card).toContainText('no swap file on this storage; zram 25% of RAM (zstd); logs in RAM');

  const temperature = page.getByRole('region', { name: 'CPU temperature' });
  await expect(temperature).toContainText('48.7');
  await expect(temperature).toContainText('Safe up to 80 °C');
  // The profile's sensor reads 83 °C: the dashboard says it is above the safe limit at its next refresh.
  await writeFile(path.join(daemon.root, 'sys/class/thermal/thermal_zone0/temp'), '83000\n');
  await page.reload();
  await expect(temperature).toContainText('Above the safe 80 °C');

  // The same board from the CLI.
  const board = await daemon.cli(['board', '--json']);
  expect(board.exitCode).toBe(0);
  expect(JSON.parse(board.stdout)).toMatchObject({ id: 'raspberrypi-4b', rule: { kind: 'compatible' } });
});
