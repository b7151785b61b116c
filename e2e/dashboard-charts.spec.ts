import { expect, test } from './fixtures.js';

test('the dashboard charts the last 24 hours of CPU temperature and data disk use, sampled by the box', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'weathervane on the barn roof');
  await page.goto('/');
  const charts = page.getByRole('region', { name: 'Last 24 hours' });
  await expect(charts).toBeVisible();
  // The daemon sampled once as it started: the demo Raspberry Pi 4's sensor, and the disk under the demo root.
  const temperature = charts.getByRole('img', { name: /^CPU temperature: 48\.7 °C at [^;]+; between 48\.7 °C and 48\.7 °C/ });
  await expect(temperature).toBeVisible();
  await expect(temperature.locator('line.metric-limit title')).toHaveText('The board gets too warm above 80 °C');
  await expect(charts.getByRole('img', { name: /^Data disk used: \d+\.\d % at [^;]+;/ })).toBeVisible();
  await expect(charts.locator('figcaption').nth(1)).toContainText(/of \d/);


  // In Chinese, the same charts.
  await page.getByLabel('Language').first().selectOption({ label: '中文' });
  await expect(page.getByRole('region', { name: '最近 24 小时' }).getByRole('img', { name: /^CPU 温度：[^为]+为 48\.7 °C/ })).toBeVisible();
});
