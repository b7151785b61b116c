import { expect, test } from './fixtures.js';
import { en } from './locales.js';

/** The owner declines the proposed passphrase and picks a password; the box holds it to its policy. */
test('the owner activates the box with a password of their own, after the box refuses weak ones', async ({ page, daemon }) => {
  const { hostname } = await daemon.info();
  await page.goto('/');
  await expect(page).toHaveURL(/\/activate$/);

  await page.getByLabel(en('panel:activate.setupCodeLabel')).fill(await daemon.setupCode());
  await page.getByRole('radio', { name: en('panel:activate.chooseOwn') }).check();

  const password = page.getByLabel(en('panel:activate.ownPasswordLabel'), { exact: true });
  const repeat = page.getByLabel(en('panel:activate.repeatPasswordLabel'), { exact: true });
  const activate = page.getByRole('button', { name: en('panel:activate.submit'), exact: true });
  const alert = page.getByRole('alert');

  async function tryPassword(first: string, second = first) {
    await password.fill(first);
    await repeat.fill(second);
    await activate.click();
  }

  await test.step('too short', async () => {
    await tryPassword('short');
    await expect(alert).toHaveText(en('errors:HEARTH_ERR_PASSWORD_TOO_SHORT', { min: 12 }));
    await expect(page).toHaveURL(/\/activate$/);
  });

  await test.step('the two fields differ', async () => {
    await tryPassword('copper kettle on the stove', 'copper kettle on the stove!');
    await expect(alert).toHaveText(en('errors:HEARTH_ERR_PASSWORD_MISMATCH'));
    await expect(page).toHaveURL(/\/activate$/);
  });

  await test.step('one of the passwords attackers try first', async () => {
    await tryPassword('password1234');
    await expect(alert).toHaveText(en('errors:HEARTH_ERR_PASSWORD_COMMON'));
    await expect(page).toHaveURL(/\/activate$/);
  });

  const good = 'copper kettle on the stove';
  await test.step('a good password activates the box and logs the owner in', async () => {
    await tryPassword(good);
    await expect(page).toHaveURL(/\/$/);
    await expect(page.getByRole('heading', { level: 2, name: hostname, exact: true })).toBeVisible();
  });

  await test.step('the password logs in again after logging out', async () => {
    await page.getByRole('button', { name: en('panel:nav.logout') }).click();
    await expect(page).toHaveURL(/\/login$/);
    await page.getByLabel(en('panel:login.password'), { exact: true }).fill(good);
    await page.getByRole('button', { name: en('panel:login.submit'), exact: true }).click();
    await expect(page.getByRole('heading', { level: 2, name: hostname, exact: true })).toBeVisible();
  });
});
