import type { ConsoleMessage } from '@playwright/test';
import { expect, test } from './fixtures.js';
import { en, zh } from './locales.js';

/** Runs before the panel's own scripts; added through the DevTools protocol, so the CSP does not apply to it. */
const recordCspViolations = `
  window.cspViolations = [];
  document.addEventListener('securitypolicyviolation', (event) => {
    window.cspViolations.push(event.violatedDirective + ' blocked ' + (event.blockedURI || 'inline') + ' (' + event.sourceFile + ':' + event.lineNumber + ')');
  });
`;

/** The panel runs under the daemon's strict CSP: no inline script or style, nothing blocked, nothing logged. */
test('the panel is served with a strict CSP and runs under it without a violation or a console error', async ({ page, request, daemon }) => {
  await test.step('the page and its assets come with the security headers', async () => {
    const response = await request.get('/');
    expect(response.status()).toBe(200);
    const headers = response.headers();
    const csp = headers['content-security-policy'] ?? '';
    for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "img-src 'self' data:", "frame-ancestors 'none'"]) {
      expect(csp).toContain(directive);
    }
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['cache-control']).toBe('no-cache');

    const html = await response.text();
    expect(html, 'no inline <script>').not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/i);
    expect(html, 'no <style> element').not.toMatch(/<style\b/i);
    expect(html, 'no style="" attribute').not.toMatch(/\sstyle\s*=/i);

    const entry = /<script[^>]*\bsrc="([^"]+)"/.exec(html)?.[1];
    expect(entry).toBeTruthy();
    const script = await request.get(entry!);
    expect(script.status()).toBe(200);
    expect(script.headers()['cache-control']).toContain('immutable');
  });

  const consoleProblems: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleProblems.push(`${message.type()}: ${message.text()}`);
  });
  await page.addInitScript({ content: recordCspViolations });

  await test.step('Activate, also in Chinese (a lazily loaded catalog)', async () => {
    await page.goto('/');
    await expect(page.getByRole('heading', { level: 1, name: en('panel:activate.title') })).toBeVisible();
    await expect(page.getByLabel(en('panel:activate.passphraseLabel'))).not.toHaveValue('');
    await page.getByLabel(en('panel:language.label')).selectOption('zh-CN');
    await expect(page.getByRole('heading', { level: 1, name: zh('panel:activate.title') })).toBeVisible();
    await page.getByLabel(zh('panel:language.label')).selectOption('en');
    await expect(page.getByRole('heading', { level: 1, name: en('panel:activate.title') })).toBeVisible();
  });

  await test.step('the dashboard, with its usage bars drawn', async () => {
    await daemon.activate(page.request, 'garden hose spring 1987');
    await page.goto('/');
    const disk = page.getByRole('progressbar', { name: en('panel:dashboard.diskBar') });
    await expect(disk).toBeVisible();
    const percent = Number(await disk.getAttribute('aria-valuenow'));
    expect(percent).toBeGreaterThanOrEqual(0);
    expect(percent).toBeLessThanOrEqual(100);
    // The bar's width is set through the CSSOM, which the CSP allows; an inline style attribute would be blocked.
    await expect(disk.locator('.usage-bar-fill')).toHaveCSS('width', /px$/);
    await expect(page.locator('link[rel="icon"]')).toHaveAttribute('href', '/favicon.svg');
  });

  await test.step('the Apps section (a lazily loaded chunk with its stylesheet) and an app page with its live feeds', async () => {
    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.apps') }).click();
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.apps') })).toBeVisible();
    // apps.css, shared with the Backups page (the console), is its own chunk: assets/apps-<hash>.css.
    await expect(page.locator('link[rel="stylesheet"][href*="/assets/apps-"]')).toHaveCount(1);
    await page.getByRole('main').getByRole('link', { name: en('app-hostname:name') }).click();
    await expect(page.getByRole('heading', { level: 1, name: en('app-hostname:name') })).toBeVisible();
    // The section's own stylesheet applies: the console is monospace.
    await expect(page.getByText(en('panel:appPage.consoleEmpty'))).toBeVisible();
  });

  await test.step('the Backups page (its own chunk and stylesheet), a backup with its progress bar drawn', async () => {
    await page.getByRole('navigation', { name: en('panel:nav.label') }).getByRole('link', { name: en('panel:nav.backups') }).click();
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.backups') })).toBeVisible();
    await expect(page.locator('link[rel="stylesheet"][href*="/assets/BackupsPage-"]')).toHaveCount(1);
    await page.getByRole('button', { name: en('panel:backups.now.submit'), exact: true }).click();
    await expect(page.locator('.backups-outcome')).toHaveText(en('panel:backups.outcome.backupDone'));
    await expect(page.locator('.progress-fill')).toHaveCSS('width', /px$/);
  });

  expect(await page.evaluate<string[]>('window.cspViolations')).toEqual([]);
  expect(consoleProblems).toEqual([]);
});
