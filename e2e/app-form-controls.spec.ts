import { expect, test } from './fixtures.js';
import { en } from './locales.js';

/**
 * The generated form's own controls, on real apps: a path field that says whether
 * the path exists while the owner types (asking the box once the typing stops, and
 * never for a relative path), a number with its unit and range that the box holds to
 * it, and a secret with Show/Hide.
 */
test('the generated form: live path checks, numbers with unit and range, secrets with show/hide', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'marble steps in the garden 1962');
  const checked: string[] = [];
  page.on('request', (request) => {
    const url = new URL(request.url());
    if (url.pathname === '/api/apps/check-path') checked.push(url.searchParams.get('path') ?? '');
  });

  const location = page.getByLabel(en('app-swapfile:params.path.label'), { exact: true });
  const pathStatus = page.locator('.path-status');

  await test.step('a path field says whether the path exists on the box', async () => {
    await page.goto('/apps/swapfile');
    await expect(location).toHaveValue('/var/swap');
    await expect(pathStatus).toHaveText(en('panel:appForm.path.missing'));
    await expect(location).toHaveAccessibleDescription(new RegExp(en('panel:appForm.path.missing').replace('.', '\\.')));

    await location.fill('/var/lib/hearth/hearth.db');
    await expect(pathStatus).toHaveText(en('panel:appForm.path.file'));
  });

  await test.step('a relative path is never sent; typing asks once, for the last value', async () => {
    checked.length = 0;
    await location.fill('var/swap');
    await expect(pathStatus).toHaveText(en('panel:appForm.path.notAbsolute'));
    await location.fill('');
    await location.pressSequentially('/var/lib/hearth', { delay: 40 });
    // A directory where the app wants a file: it exists, and the field says it is the wrong kind.
    await expect(pathStatus).toHaveText(`${en('panel:appForm.path.directory')} ${en('panel:appForm.path.expectFile')}`);
    expect(checked).toEqual(['/var/lib/hearth']);
  });

  const size = page.getByLabel(en('app-swapfile:params.sizeMiB.label'), { exact: true });

  await test.step('a number shows its unit and range; one out of range is refused under the field', async () => {
    await location.fill('/var/swap');
    await expect(size).toHaveValue('1024');
    await expect(size).toHaveAttribute('min', '128');
    await expect(size).toHaveAttribute('max', '65536');
    await expect(page.getByText(en('panel:appForm.range', { min: 128, max: 65536, unit: ' MiB' }))).toBeVisible();
    await size.fill('10');
    await page.getByRole('button', { name: en('panel:appPage.apply'), exact: true }).click();
    await expect(page.getByRole('alert')).toHaveText(en('errors:HEARTH_ERR_APP_PARAMS_INVALID', { app: en('app-swapfile:name') }));
    await expect(size).toHaveAttribute('aria-invalid', 'true');
    await expect(page.locator('.param-field').filter({ has: size }).locator('.field-error')).toHaveText(en('errors:fields.tooSmall', { min: 128 }));
    // The field with the message gets the focus, so it is read out with it.
    await expect(size).toBeFocused();
  });

  await test.step('restore default puts the number back', async () => {
    await page
      .getByRole('button', { name: en('panel:appForm.restoreDefaultLabel', { value: '1024 MiB', label: en('app-swapfile:params.sizeMiB.label') }) })
      .click();
    await expect(size).toHaveValue('1024');
  });

  await test.step('a secret is typed hidden, can be shown and hidden again, and says whether one is stored', async () => {
    await page.goto('/apps/notifications');
    const password = page.getByLabel(en('app-notifications:params.smtpPassword.label'), { exact: true });
    await expect(password).toHaveAttribute('type', 'password');
    await expect(password).toHaveValue('');
    await expect(password).toHaveAccessibleDescription(new RegExp(en('panel:appForm.secretNotSet').replace('.', '\\.')));
    await password.fill('correct horse');
    const show = page.getByRole('button', { name: en('panel:appForm.showSecret'), exact: true }).first();
    await show.click();
    await expect(password).toHaveAttribute('type', 'text');
    await expect(password).toHaveValue('correct horse');
    const hide = page.getByRole('button', { name: en('panel:appForm.hideSecret'), exact: true });
    await expect(hide).toHaveAttribute('aria-pressed', 'true');
    await hide.click();
    await expect(password).toHaveAttribute('type', 'password');
  });
});
