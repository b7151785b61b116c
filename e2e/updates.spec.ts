import { createHash, generateKeyPairSync, sign } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { expect, test } from './fixtures.js';
import { en, pattern, within, zh } from './locales.js';

const hour = 3_600_000;
const bump = (version: string, minor: number, major = 0) => {
  const [a, b] = version.split('.').map(Number) as [number, number];
  return major ? `${a + major}.0.0` : `${a}.${b + minor}.0`;
};

/**
 * A release channel on a "USB stick" under the box's root (file://), signed with a key
 * the sandboxed box trusts ($ROOT/etc/hearth/release-keys: read in the sandbox only).
 * Nothing is downloaded by a check, so the bundles are named, not built.
 */
async function writeChannel(root: string, current: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keys = path.join(root, 'etc/hearth/release-keys');
  await mkdir(keys, { recursive: true });
  await writeFile(path.join(keys, 'e2e.pub'), publicKey.export({ format: 'pem', type: 'spki' }) as string);
  const raw = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12);
  const bundle = (version: string) => ({ [process.arch]: { url: `hearth-${version}.tar.gz`, size: 15_512_345, sha256: 'a'.repeat(64), unpackedSize: 91_324_416 } });
  const now = Date.now();
  const releases = {
    soaked: bump(current, 1),
    young: bump(current, 2),
    breaking: bump(current, 0, 1),
  };
  const manifest = {
    format: 1,
    channel: 'stable',
    serial: 1,
    releases: [
      { version: releases.soaked, publishedAt: new Date(now - 72 * hour).toISOString(), breaking: false, cohorts: 'all', notes: { en: 'Backups are faster.', 'zh-CN': '备份更快。' }, bundles: bundle(releases.soaked) },
      { version: releases.young, publishedAt: new Date(now - 2 * hour).toISOString(), breaking: false, cohorts: 'all', notes: { en: 'A calmer dashboard.', 'zh-CN': '更安静的仪表盘。' }, bundles: bundle(releases.young) },
      { version: releases.breaking, publishedAt: new Date(now - 72 * hour).toISOString(), breaking: true, cohorts: 'all', notes: { en: 'A new layout of the shares.', 'zh-CN': '共享的新布局。' }, bundles: bundle(releases.breaking) },
    ],
  };
  const signed = JSON.stringify(manifest, null, 2);
  const envelope = { signed, signatures: [{ keyid: createHash('sha256').update(raw).digest('hex'), sig: sign(null, Buffer.from(signed), privateKey).toString('base64') }] };
  const dir = path.join(root, 'media/usb/hearth');
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, 'manifest.json'), JSON.stringify(envelope));
  return { url: pathToFileURL(path.join(dir, 'manifest.json')).href, releases };
}

/**
 * The owner opens Updates: the running version; the channel set in the Updates app to
 * a file:// manifest; Check now shows what is available with its notes, what automatic
 * updates would install, and what is held back and why (soak time, a release that
 * changes how the box works); the notes follow the panel's language. Then a rolled-back
 * update: its report with the log of the failed start, and the owner's acknowledgement.
 */
test('the Updates page shows the version, checks a local channel, says what is held back and why, and reports a rollback', async ({ page, daemon }) => {
  const { version: current } = await daemon.info();
  await daemon.activate(page.request, 'lantern over the quiet harbour');
  const sections = page.getByRole('navigation', { name: en('panel:nav.label') });
  const versionCard = page.getByRole('region', { name: en('panel:updates.version.title'), exact: true });
  const autoCard = page.getByRole('region', { name: en('panel:updates.auto.title'), exact: true });
  const historyCard = page.getByRole('region', { name: en('panel:updates.history.title') });

  await test.step('Updates shows the running version, and says honestly that the stable channel has no server yet', async () => {
    await page.goto('/');
    await sections.getByRole('link', { name: en('panel:nav.updates') }).click();
    await expect(page).toHaveURL(/\/updates$/);
    await expect(page.getByRole('heading', { level: 1, name: en('panel:nav.updates') })).toBeVisible();
    await expect(versionCard.getByRole('definition').filter({ hasText: current })).toBeVisible();
    await expect(versionCard).toContainText(en('panel:updates.version.channelNone', { name: en('panel:updates.channel.stable') }));
    await expect(versionCard).toContainText(en('panel:updates.version.never'));
    await versionCard.getByRole('button', { name: en('panel:updates.version.checkNow') }).click();
    await expect(versionCard.getByRole('alert')).toHaveText(en('errors:HEARTH_ERR_UPDATE_NO_CHANNEL', { channel: 'stable' }));
    await expect(historyCard).toContainText(en('panel:updates.history.empty'));
  });

  const channel = await writeChannel(daemon.root, current);
  await test.step('the owner sets a file:// channel in the Updates app', async () => {
    await page.getByRole('link', { name: en('panel:updates.settingsLink') }).click();
    await expect(page).toHaveURL(/\/apps\/updates$/);
    await page.getByLabel(en('app-updates:params.channel.label'), { exact: true }).selectOption({ label: en('app-updates:params.channel.options.custom') });
    await page.getByLabel(en('app-updates:params.customChannelUrl.label'), { exact: true }).fill(channel.url);
    await page.getByRole('button', { name: en('panel:appPage.apply'), exact: true }).click();
    await expect(page.getByRole('log')).toContainText(en('app-updates:log.channel', { channel: 'custom', url: channel.url }));
    await expect(page.getByRole('status').filter({ has: page.locator('.job-status') })).toContainText(en('panel:jobs.status.succeeded'));
  });

  await test.step('Check now: what is available with its notes, what the next run installs, and what is held back and why', async () => {
    await sections.getByRole('link', { name: en('panel:nav.updates') }).click();
    await versionCard.getByRole('button', { name: en('panel:updates.version.checkNow') }).click();
    await expect(versionCard).toContainText(en('panel:updates.version.available', { version: channel.releases.young }));
    await expect(versionCard.getByRole('blockquote', { name: en('panel:updates.version.notesLabel', { version: channel.releases.young }) })).toHaveText('A calmer dashboard.');
    await expect(versionCard).toContainText(en('panel:updates.version.channel', { name: en('panel:updates.channel.custom'), url: channel.url }));
    // A box run from a checkout cannot install: it says so, and Update now is not offered as possible.
    await expect(versionCard).toContainText(en('panel:updates.version.notInstalled'));
    await expect(versionCard.getByRole('button', { name: en('panel:updates.version.updateNow') })).toBeDisabled();

    await expect(autoCard).toContainText(en('panel:updates.auto.willInstall', { version: channel.releases.soaked }));
    const reasons = autoCard.getByRole('listitem');
    await expect(reasons.filter({ hasText: en('updates:heldBack.breaking', { version: channel.releases.breaking }) })).toBeVisible();
    await expect(reasons.filter({ hasText: pattern('en', 'panel:updates.reason.soak', { version: '[\\d.]+', date: '.+' }) })).toContainText(channel.releases.young);
    await expect(autoCard.getByRole('blockquote', { name: en('panel:updates.version.notesLabel', { version: channel.releases.breaking }) })).toHaveText('A new layout of the shares.');
    await expect(autoCard.getByRole('button', { name: en('panel:updates.auto.breakingInstall', { version: channel.releases.breaking }) })).toBeDisabled();
    await expect(autoCard).toContainText(en('panel:updates.auto.snapshotFirst'));
  });

  await test.step('in Chinese, the notes and the reasons are Chinese', async () => {
    await page.getByLabel(en('panel:language.label')).first().selectOption({ label: '中文' });
    const zhVersion = page.getByRole('region', { name: zh('panel:updates.version.title'), exact: true });
    await expect(zhVersion.getByRole('blockquote')).toHaveText('更安静的仪表盘。');
    await expect(page.getByRole('region', { name: zh('panel:updates.auto.title'), exact: true }).getByRole('listitem').first()).toContainText(zh('updates:heldBack.breaking', { version: channel.releases.breaking }));
    await page.getByLabel(zh('panel:language.label')).first().selectOption({ label: 'English' });
    await expect(versionCard.getByRole('blockquote')).toHaveText('A calmer dashboard.');
  });

  await test.step('a rolled-back update: its report with the log of the failed start; automatic updates wait for the owner', async () => {
    const history = [
      {
        id: '0123456789abcdef',
        from: current,
        to: channel.releases.soaked,
        result: 'rolled-back',
        phase: 'health',
        error: { code: 'HEARTH_ERR_UPDATE_START_FAILED', params: { version: channel.releases.soaked, starts: 3 } },
        detail: null,
        log: 'Error: Cannot find module ./shares.js\n    at start (dist/server/main.js:12:3)',
        snapshotId: '20261128-031500',
        startedAt: new Date(Date.now() - 2 * hour).toISOString(),
        endedAt: new Date(Date.now() - hour).toISOString(),
        notified: true,
      },
    ];
    await mkdir(path.join(daemon.root, 'var/lib/hearth-update'), { recursive: true });
    await writeFile(path.join(daemon.root, 'var/lib/hearth-update/history.json'), JSON.stringify(history));
    await page.reload();
    const entry = historyCard.getByRole('listitem');
    await expect(entry).toContainText(en('panel:updates.history.result.rolled-back', { from: current, to: channel.releases.soaked }));
    await expect(entry).toContainText(en('updates:phase.health'));
    await expect(entry).toContainText(en('errors:HEARTH_ERR_UPDATE_START_FAILED', { version: channel.releases.soaked, starts: 3 }));
    const log = entry.locator('pre');
    await expect(log).toBeHidden();
    await entry.getByText(en('panel:updates.history.log')).click();
    await expect(log).toBeVisible();
    await expect(log).toContainText('Cannot find module ./shares.js');

    const paused = autoCard.locator('[data-reason="paused-after-failure"]');
    await expect(paused).toContainText(within('en', 'panel:updates.reason.paused-after-failure', { version: '[\\d.]+', date: '.+' }));
    await expect(paused).toContainText(`Hearth ${channel.releases.soaked}`);
    await paused.getByRole('button', { name: en('panel:updates.auto.acknowledge') }).click();
    await expect(paused).toHaveCount(0);
    await expect(autoCard).toContainText(en('panel:updates.auto.willInstall', { version: channel.releases.soaked }));
  });

  await test.step('the CLI says the same', async () => {
    const checked = await daemon.cli(['update', '--check', '--json']);
    expect(checked.exitCode, checked.stderr).toBe(0);
    expect(JSON.parse(checked.stdout)).toMatchObject({ current, available: { version: channel.releases.young }, unattended: { version: channel.releases.soaked }, paused: null });
  });
});
