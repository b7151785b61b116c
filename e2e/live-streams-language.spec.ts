import { expect, gotoWithJobFeed, test } from './fixtures.js';
import { en, zh } from './locales.js';

const stream = /^\/api\/jobs\/(?:events|\d+\/events)$/;

/**
 * EventSource cannot send Accept-Language: the panel names its language in the URL of
 * its live streams (?lang=), and reconnects them when the owner switches. A running
 * job's log resumes after the last line it had, so no line shows twice, and how the
 * job ended comes in the new language.
 */
test('live streams speak the panel language and switch with it, without repeating a line', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'tin whistle at the harbour 1954');
  const opened: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (stream.test(url.pathname)) opened.push(url.pathname + url.search);
  });

  await gotoWithJobFeed(page, daemon, '/apps/hostname');
  expect(opened).toContain('/api/jobs/events?lang=en');

  const job = daemon.runJobWithOutput(
    'hostname',
    [
      { stream: 'out', text: 'line one' },
      { stream: 'out', text: 'line two', pauseMs: 3_000 },
      { stream: 'out', text: 'line three' },
    ],
    { delayMs: 200, failWith: 'disk full' },
  );
  const console_ = page.getByRole('log');
  await expect(console_).toContainText('line two');
  expect(opened.some((url) => /^\/api\/jobs\/\d+\/events\?lang=en$/.test(url))).toBe(true);

  await page.getByLabel(en('panel:language.label')).first().selectOption({ label: '中文' });
  await expect(page.getByRole('heading', { level: 1, name: zh('app-hostname:name') })).toBeVisible();
  // The feed, and the log after the lines it already has.
  await expect.poll(() => opened).toContain('/api/jobs/events?lang=zh-CN');
  await expect.poll(() => opened.some((url) => /^\/api\/jobs\/\d+\/events\?lang=zh-CN&after=2$/.test(url))).toBe(true);

  expect((await job).status).toBe('failed');
  // Every line once, then the runner's reason (its stack first).
  const lines = console_.locator('.log-line');
  await expect(lines.last()).toHaveText(`${zh('panel:jobs.errorOutput')} ${en('errors:HEARTH_ERR_INTERNAL')}`);
  await expect(lines.filter({ hasText: /^line / })).toHaveText(['line one', 'line two', 'line three']);
  await expect(lines.first()).toHaveText('line one');
  const outcome = page.getByRole('status').filter({ has: page.locator('.job-status') });
  await expect(outcome.locator('.job-status')).toHaveText(`✗${zh('panel:jobs.status.failed')}`);
  await expect(outcome).toContainText(zh('errors:HEARTH_ERR_INTERNAL'));
});
