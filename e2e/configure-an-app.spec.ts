import type { APIRequestContext } from '@playwright/test';
import type { AppList, JobSummary } from '../server/schemas/apps.js';
import { expect, test } from './fixtures.js';
import { en, zh } from './locales.js';

async function apiJson<T>(request: APIRequestContext, path: string, language = 'en'): Promise<T> {
  const response = await request.get(path, { headers: { 'accept-language': language } });
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as T;
}

/**
 * The owner renames the box in the panel: the Apps list with its categories and
 * search, the Hostname app's form, a name the box refuses (said under the field, in
 * the owner's language, and nothing changed), a good one applied with its log
 * streaming live; an app switched on gets its ✓; the form in Chinese.
 */
test('the owner renames the box: a bad name is refused under the field, a good one is applied live', async ({ page, daemon }) => {
  const { hostname: before } = await daemon.info();
  await daemon.activate(page.request, 'copper kettle on the hob 2025');
  const { categories } = await apiJson<AppList>(page.request, '/api/apps');
  const allApps = categories.flatMap((category) => category.apps);
  const hostnameApp = allApps.find((app) => app.id === 'hostname')!;
  expect(hostnameApp).toBeTruthy();

  const sections = page.getByRole('navigation', { name: en('panel:nav.label') });
  const search = page.getByRole('searchbox', { name: en('panel:apps.searchLabel') });
  const appLink = (name: string) => page.getByRole('main').getByRole('link', { name });

  await test.step('Apps lists every app under its category', async () => {
    await page.goto('/');
    await sections.getByRole('link', { name: en('panel:nav.apps') }).click();
    await expect(page).toHaveURL(/\/apps$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.apps') })).toBeVisible();
    for (const category of categories) {
      const section = page.getByRole('region', { name: category.name });
      await expect(section.getByRole('heading', { level: 2, name: category.name })).toBeVisible();
      for (const app of category.apps) await expect(section.getByRole('link', { name: app.name })).toBeVisible();
    }
  });

  await test.step('the search filters by name and by what an app does', async () => {
    await search.fill('HOST');
    await expect(appLink(hostnameApp.name)).toBeVisible();
    await expect(page.getByRole('main').getByRole('link')).toHaveCount(1);
    await expect(page.getByText(en('panel:apps.found_one', { count: 1 }))).toBeVisible();
    await expect(page).toHaveURL(/\/apps\?q=HOST$/);

    // A word of the description finds the app too.
    const other = allApps.find((app) => app.id !== 'hostname')!;
    const word = other.description
      .split(/\s+/)
      .map((w) => w.replace(/\W/g, ''))
      .find((w) => w.length > 5 && !hostnameApp.description.includes(w))!;
    await search.fill(word);
    await expect(appLink(other.name)).toBeVisible();
    await expect(appLink(hostnameApp.name)).toBeHidden();

    await search.fill('no such app at all');
    await expect(page.getByText(en('panel:apps.noMatch', { query: 'no such app at all' }))).toBeVisible();
    await expect(page.getByRole('main').getByRole('link')).toHaveCount(0);

    await search.fill('');
    await expect(page.getByRole('main').getByRole('link')).toHaveCount(allApps.length);
  });

  const field = page.getByLabel(en('app-hostname:params.hostname.label'), { exact: true });
  const apply = page.getByRole('button', { name: en('panel:appPage.apply'), exact: true });
  const console_ = page.getByRole('log');
  const outcome = page.getByRole('status').filter({ has: page.locator('.job-status') });

  await test.step('the Hostname app shows its form with the name the box has', async () => {
    await appLink(hostnameApp.name).click();
    await expect(page).toHaveURL(/\/apps\/hostname$/);
    await expect(page.getByRole('heading', { level: 1, name: hostnameApp.name })).toBeVisible();
    await expect(page.getByText(hostnameApp.description)).toBeVisible();
    await expect(field).toHaveValue(before);
    await expect(page.getByText(en('app-hostname:params.hostname.help'))).toBeVisible();
    await expect(page.getByText(en('panel:appPage.noRuns'))).toBeVisible();
    await expect(page.getByRole('definition').filter({ hasText: `${before}.local` })).toBeVisible();
  });

  await test.step('restore default puts the default back into the field (nothing is applied)', async () => {
    await field.fill('something-else');
    const restore = page.getByRole('button', { name: en('panel:appForm.restoreDefaultLabel', { value: 'hearth', label: en('app-hostname:params.hostname.label') }) });
    await restore.click();
    await expect(field).toHaveValue('hearth');
    await expect(restore).toBeHidden();
  });

  await test.step('an invalid name is refused: the message is under the field, and nothing is changed', async () => {
    await field.fill('bad_name!');
    const answer = page.waitForResponse((response) => response.url().endsWith('/api/apps/hostname/run'));
    await apply.click();
    expect((await answer).status()).toBe(400);
    await expect(page.getByRole('alert')).toHaveText(en('errors:HEARTH_ERR_APP_PARAMS_INVALID', { app: hostnameApp.name }));
    await expect(field).toHaveAttribute('aria-invalid', 'true');
    await expect(field).toHaveAccessibleDescription(new RegExp(`^${escape(en('app-hostname:params.hostname.invalid'))}`));
    await expect(page.locator('.field-error')).toHaveText(en('app-hostname:params.hostname.invalid'));
    // Nothing ran, nothing changed.
    expect((await daemon.info()).hostname).toBe(before);
    expect((await apiJson<{ jobs: JobSummary[] }>(page.request, '/api/jobs?limit=10')).jobs).toEqual([]);
    await expect(page.getByText(en('panel:appPage.noRuns'))).toBeVisible();
    await expect(page.getByText(en('panel:appPage.consoleEmpty'))).toBeVisible();
  });

  const newName = 'lantern-box';
  await test.step('a valid name is applied: the log streams into the console and ends with success', async () => {
    await field.fill(newName);
    // Editing the field takes its message away.
    await expect(page.locator('.field-error')).toHaveCount(0);
    await apply.click();
    await expect(console_).toContainText(`$ hostnamectl set-hostname ${newName}`);
    await expect(console_.locator('.log-line').last()).toHaveText(en('app-hostname:log.done', { name: newName, mdns: `${newName}.local` }));
    await expect(outcome).toContainText(en('panel:jobs.status.succeeded'));
    await expect(outcome.locator('.job-status')).toHaveText(`✓${en('panel:jobs.status.succeeded')}`);
    await expect(page.getByRole('alert')).toHaveCount(0);
    await expect(apply).toBeEnabled();
  });

  await test.step('the page shows the new name, the run is in Last runs, and the box has the name', async () => {
    await expect(field).toHaveValue(newName);
    await expect(page.getByRole('definition').filter({ hasText: `${newName}.local` })).toBeVisible();
    const runs = page.getByRole('region', { name: en('panel:appPage.lastRuns') });
    const run = runs.getByRole('button');
    await expect(run).toHaveCount(1);
    await expect(run).toContainText(en('panel:jobs.status.succeeded'));
    await expect(run).toContainText(en('panel:jobs.startedBy.panel', { user: 'admin' }));
    await expect(run).toHaveAttribute('aria-pressed', 'true');
    expect((await daemon.info()).hostname).toBe(newName);

    await sections.getByRole('link', { name: en('panel:nav.dashboard') }).click();
    await expect(page.getByRole('heading', { level: 2, name: newName, exact: true })).toBeVisible();
  });

  await test.step('an app with a state: switching zram on puts a ✓ next to it', async () => {
    const zram = allApps.find((app) => app.id === 'zram')!;
    expect(zram.active).toBe(false);
    const tick = appLink(zram.name).getByRole('img', { name: en('panel:apps.active') });
    await sections.getByRole('link', { name: en('panel:nav.apps') }).click();
    await expect(appLink(zram.name)).toBeVisible();
    await expect(tick).toHaveCount(0);
    await appLink(zram.name).click();
    const state = page.locator('.state-badge');
    await expect(state).toHaveText(en('panel:apps.state.inactive'));
    await page.getByRole('switch', { name: en('app-zram:params.enabled.label') }).check();
    await apply.click();
    await expect(outcome).toContainText(en('panel:jobs.status.succeeded'));
    await expect(console_).toContainText('$ systemctl restart zramswap.service');
    await expect(state).toHaveText(`✓ ${en('panel:apps.state.active')}`);
    await page.getByRole('link', { name: en('panel:appPage.back') }).click();
    await expect(tick).toBeVisible();
  });

  await test.step('in 中文 the form, its messages and the runs are in Chinese', async () => {
    await page.goto('/apps/hostname');
    await expect(field).toHaveValue(newName);
    await page.getByLabel(en('panel:language.label')).first().selectOption({ label: '中文' });
    await expect(page.getByRole('heading', { level: 1, name: zh('app-hostname:name') })).toBeVisible();
    const zhField = page.getByLabel(zh('app-hostname:params.hostname.label'), { exact: true });
    await expect(zhField).toHaveValue(newName);
    await expect(page.getByText(zh('app-hostname:params.hostname.help'))).toBeVisible();
    await expect(page.getByRole('heading', { level: 2, name: zh('panel:appPage.settings') })).toBeVisible();
    await expect(page.getByRole('region', { name: zh('panel:appPage.lastRuns') }).getByRole('button')).toContainText(zh('panel:jobs.status.succeeded'));

    await zhField.fill('12345');
    await page.getByRole('button', { name: zh('panel:appPage.apply'), exact: true }).click();
    await expect(page.locator('.field-error')).toHaveText(zh('app-hostname:errors.allDigits'));
    await expect(page.getByRole('alert')).toHaveText(zh('errors:HEARTH_ERR_APP_PARAMS_INVALID', { app: zh('app-hostname:name') }));
    expect((await daemon.info()).hostname).toBe(newName);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
