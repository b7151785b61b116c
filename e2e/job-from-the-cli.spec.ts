import { expect, gotoWithJobFeed, test } from './fixtures.js';
import { en } from './locales.js';

/**
 * The owner has the Hostname app open in the browser while someone renames the box
 * over SSH with `hearth app run`: the job shows up in the open page, live, without
 * a reload; its log, its outcome and its line in Last runs.
 */
test('a job started with `hearth app run` over SSH appears live in the open app page', async ({ page, daemon }) => {
  const { hostname: before } = await daemon.info();
  await daemon.activate(page.request, 'slate roof under rain 1999');

  await gotoWithJobFeed(page, daemon, '/apps/hostname');
  const field = page.getByLabel(en('app-hostname:params.hostname.label'), { exact: true });
  await expect(field).toHaveValue(before);
  await expect(page.getByText(en('panel:appPage.noRuns'))).toBeVisible();
  // Set in the page: still there at the end means the page was never reloaded.
  await page.evaluate('window.openedOnce = true');

  const newName = 'shell-renamed';
  // "(command line)": who started it, whoever the user running the tests is.
  const fromTheCommandLine = en('panel:jobs.startedBy.cli', { user: '' }).trim();
  await test.step('`hearth app run hostname hostname=…` succeeds over SSH', async () => {
    const result = await daemon.cli(['app', 'run', 'hostname', `hostname=${newName}`]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toContain(`$ hostnamectl set-hostname ${newName}`);
  });

  await test.step('the open page shows the job in its console, with its log and outcome', async () => {
    const console_ = page.getByRole('log');
    await expect(console_).toContainText(`$ hostnamectl set-hostname ${newName}`);
    await expect(console_.locator('.log-line').last()).toHaveText(en('app-hostname:log.done', { name: newName, mdns: `${newName}.local` }));
    await expect(page.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.succeeded'));
    await expect(page.locator('.console-title')).toContainText(fromTheCommandLine);
  });

  await test.step('Last runs lists it as started from the command line, and the form shows the new name', async () => {
    const run = page.getByRole('region', { name: en('panel:appPage.lastRuns') }).getByRole('button');
    await expect(run).toHaveCount(1);
    await expect(run).toContainText(en('panel:jobs.status.succeeded'));
    await expect(run).toContainText(fromTheCommandLine);
    await expect(run).toHaveAttribute('aria-pressed', 'true');
    await expect(field).toHaveValue(newName);
    await expect(page.getByRole('definition').filter({ hasText: `${newName}.local` })).toBeVisible();
  });

  await test.step('a second run from the CLI takes the console over, line by line', async () => {
    const slow = daemon.runJobWithOutput('hostname', [
      { stream: 'out', text: 'step one' },
      { stream: 'out', text: 'step two' },
      { stream: 'err', text: 'a warning on stderr' },
      { stream: 'out', text: 'step three' },
    ], { delayMs: 700 });
    const console_ = page.getByRole('log');
    await expect(console_).toContainText('step one');
    // Live: the job is still running while its first lines are shown.
    await expect(page.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.running'));
    await expect(page.getByRole('button', { name: en('panel:appPage.busy'), exact: true })).toBeDisabled();
    await expect(console_).not.toContainText('step three');
    await slow;
    await expect(console_).toContainText('step three');
    await expect(console_.locator('.log-line[data-stream="err"]')).toHaveText(`${en('panel:jobs.errorOutput')} a warning on stderr`);
    await expect(page.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.succeeded'));
    await expect(page.getByRole('region', { name: en('panel:appPage.lastRuns') }).getByRole('button')).toHaveCount(2);
    await expect(page.getByRole('button', { name: en('panel:appPage.apply'), exact: true })).toBeEnabled();
  });

  await test.step('choosing the first run in Last runs shows its log again', async () => {
    const runs = page.getByRole('region', { name: en('panel:appPage.lastRuns') }).getByRole('button');
    await runs.last().click();
    await expect(runs.last()).toHaveAttribute('aria-pressed', 'true');
    await expect(page.getByRole('log')).toContainText(`$ hostnamectl set-hostname ${newName}`);
    await expect(page.getByRole('log')).not.toContainText('step one');
  });

  expect(await page.evaluate('window.openedOnce')).toBe(true);

  await test.step('a reload while a job runs follows it again', async () => {
    const slow = daemon.runJobWithOutput('hostname', [
      { stream: 'out', text: 'before the reload', pauseMs: 5_000 },
      { stream: 'out', text: 'after the reload' },
    ]);
    const console_ = page.getByRole('log');
    await expect(console_).toContainText('before the reload');
    await page.reload();
    await expect(page.getByRole('log')).toContainText('before the reload');
    await expect(page.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.running'));
    await slow;
    await expect(page.getByRole('log')).toContainText('after the reload');
    await expect(page.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.succeeded'));
    await expect(page.getByRole('region', { name: en('panel:appPage.lastRuns') }).getByRole('button')).toHaveCount(3);
  });
});
