import { expect, gotoWithJobFeed, test } from './fixtures.js';
import { en } from './locales.js';

/**
 * Program output is data. A job whose log holds markup, colour codes, terminal
 * escape sequences, control characters and a bidi override shows each line as
 * text in the console: nothing is parsed as HTML, run, or obeyed.
 *
 * No app prints such lines on purpose, so the job is started on the daemon's root
 * by e2e/support/run-job.mjs, from a process of its own like `hearth app run`, with
 * exactly these lines; the daemon streams them to the page as it would any job's.
 */
test('log lines with HTML, ANSI codes and control characters are shown as text', async ({ page, daemon }) => {
  const dialogs: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  await daemon.activate(page.request, 'quiet harbour at dawn 1978');
  await gotoWithJobFeed(page, daemon, '/apps/hostname');
  await expect(page.getByText(en('panel:appPage.noRuns'))).toBeVisible();

  const lines = [
    // Markup: shown as written, never an element.
    { stream: 'out', text: '<img src=x onerror=alert(1)>\u001b[31mred\u001b[0m', shown: '<img src=x onerror=alert(1)>red' },
    { stream: 'err', text: '<script>window.injected = true</script><b>bold</b>', shown: `${en('panel:jobs.errorOutput')} <script>window.injected = true</script><b>bold</b>` },
    // Colour codes are dropped; other escape sequences show, caret-escaped, instead of acting.
    { stream: 'out', text: '\u001b[1;32mgreen and bold\u001b[0m done', shown: 'green and bold done' },
    { stream: 'out', text: 'clear\u001b[2J\u001b[Hscreen', shown: 'clear^[[2J^[[Hscreen' },
    { stream: 'out', text: '\u001b]0;retitled\u0007window', shown: '^[]0;retitled^Gwindow' },
    // Control characters (but tab) as ^X; a bidi override as its code point.
    { stream: 'out', text: 'nul\u0000bs\u0008del\u007f', shown: 'nul^@bs^Hdel^?' },
    { stream: 'out', text: 'file\u202Etxt.exe', shown: 'file<U+202E>txt.exe' },
    // An 8-bit CSI and a Unicode line separator, as their code points.
    { stream: 'out', text: 'csi\u009B2Jline\u2028break', shown: 'csi<U+009B>2Jline<U+2028>break' },
    { stream: 'out', text: 'a\tb', shown: 'a\tb' },
  ] as const;

  const job = await daemon.runJobWithOutput(
    'hostname',
    lines.map(({ stream, text }) => ({ stream, text })),
  );
  expect(job.status).toBe('succeeded');

  const console_ = page.getByRole('log');
  const shown = console_.locator('.log-line');
  await expect(shown).toHaveCount(lines.length);
  for (const [index, line] of lines.entries()) {
    expect(await shown.nth(index).textContent(), `line ${index + 1}`).toBe(line.shown);
  }
  await expect(console_.locator('img, script, b')).toHaveCount(0);
  expect(await page.evaluate('window.injected')).toBeUndefined();
  expect(dialogs).toEqual([]);
  await expect(page.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.succeeded'));
});

test('the console follows a long log to its end, and stops following while the owner reads further up', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'quiet harbour at dawn 1978');
  await gotoWithJobFeed(page, daemon, '/apps/hostname');
  const batch = (from: number) => Array.from({ length: 150 }, (_, index) => ({ stream: 'out' as const, text: `line ${from + index}` }));
  const job = daemon.runJobWithOutput('hostname', [...batch(1), { stream: 'out', text: 'half way', pauseMs: 4_000 }, ...batch(151), { stream: 'out', text: 'the end' }]);

  const console_ = page.getByRole('log');
  // Evaluated in the page, as strings: the e2e sources are type-checked without the DOM library.
  const box = "document.querySelector('[role=log]')";
  const atBottom = () => page.evaluate<boolean>(`${box}.scrollHeight - ${box}.scrollTop - ${box}.clientHeight <= 2`);
  const scrollTop = () => page.evaluate<number>(`${box}.scrollTop`);

  await expect(console_.locator('.log-line').last()).toHaveText('half way');
  await expect.poll(atBottom, { message: 'the console follows the new lines' }).toBe(true);
  expect(await scrollTop()).toBeGreaterThan(0);

  await console_.hover();
  await page.mouse.wheel(0, -100_000);
  await expect.poll(scrollTop).toBe(0);

  await job;
  await expect(console_.locator('.log-line').last()).toHaveText('the end');
  await expect(page.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.succeeded'));
  expect(await scrollTop(), 'lines that arrive while the owner reads further up leave the view where it is').toBe(0);
});

test('a job that fails ends with ✗ and the reason, its error output marked', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'quiet harbour at dawn 1978');
  await gotoWithJobFeed(page, daemon, '/apps/hostname');
  const job = await daemon.runJobWithOutput(
    'hostname',
    [
      { stream: 'out', text: 'trying' },
      { stream: 'err', text: 'E: no space left on device' },
    ],
    { failWith: 'disk full' },
  );
  expect(job.status).toBe('failed');

  const console_ = page.getByRole('log');
  await expect(console_.locator('.log-line[data-stream="err"]').first()).toHaveText(`${en('panel:jobs.errorOutput')} E: no space left on device`);
  // The runner's last line says why, in the language of whoever started the job.
  await expect(console_.locator('.log-line').last()).toHaveText(`${en('panel:jobs.errorOutput')} ${en('errors:HEARTH_ERR_INTERNAL')}`);
  const outcome = page.getByRole('status').filter({ has: page.locator('.job-status') });
  await expect(outcome.locator('.job-status')).toHaveText(`✗${en('panel:jobs.status.failed')}`);
  await expect(outcome).toContainText(en('errors:HEARTH_ERR_INTERNAL'));
  await expect(page.getByRole('region', { name: en('panel:appPage.lastRuns') }).getByRole('button')).toContainText(en('panel:jobs.status.failed'));
  await expect(page.getByRole('button', { name: en('panel:appPage.apply'), exact: true })).toBeEnabled();
});
