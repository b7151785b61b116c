import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { APIRequestContext } from '@playwright/test';
import type { JobSummary } from '../server/schemas/apps.js';
import { expect, test } from './fixtures.js';
import { en, pattern, within } from './locales.js';

interface Overview {
  status: { driver: string; pendingRollback: { snapshotId: string } | null };
  snapshots: Array<{ id: string; label: string; reason: string; createdAt: string; rolledBackTo?: string }>;
}

async function overview(request: APIRequestContext): Promise<Overview> {
  const response = await request.get('/api/snapshots');
  expect(response.status(), await response.text()).toBe(200);
  return (await response.json()) as Overview;
}

async function savedHostname(request: APIRequestContext): Promise<unknown> {
  const response = await request.get('/api/apps/hostname');
  expect(response.status(), await response.text()).toBe(200);
  const detail = (await response.json()) as { params: Array<{ id: string; value: unknown }> };
  return detail.params.find((param) => param.id === 'hostname')?.value;
}

/** A restart and a copy of the state take a moment on a busy machine. */
const restartTime = { timeout: 30_000 };

/**
 * The owner snapshots the box from the panel before an experiment, sees the snapshot
 * listed, changes the box's name, then rolls back to the snapshot: the effects are said
 * plainly, the snapshot's name must be typed, Hearth restarts by itself, and the page
 * says when it is back — the name is the old one again, the replaced state is listed
 * as a snapshot of its own, and the owner is still logged in.
 */
test('take a snapshot from the panel, see it listed, and roll back to it', async ({ page, daemon }) => {
  await daemon.activate(page.request, 'snowdrops under the old pear tree');
  const hostnameFile = path.join(daemon.root, 'etc', 'hostname');
  expect((await daemon.cli(['app', 'run', 'hostname', 'hostname=before-the-experiment'])).exitCode).toBe(0);

  const sections = page.getByRole('navigation', { name: en('panel:nav.label') });
  const list = page.getByRole('region', { name: en('snapshots:panel.list.title') });
  const console_ = page.getByRole('region', { name: en('panel:appPage.console') });
  const said = page.locator('.snapshots-outcome');

  await test.step('the Snapshots section says how snapshots are made here, and has none yet', async () => {
    await page.goto('/');
    await sections.getByRole('link', { name: en('snapshots:panel.nav') }).click();
    await expect(page).toHaveURL(/\/snapshots$/);
    await expect(page.getByRole('heading', { level: 1, name: en('snapshots:panel.title') })).toBeVisible();
    const status = page.getByRole('region', { name: en('snapshots:panel.status.title') });
    await expect(status).toContainText(en('snapshots:panel.status.copy'));
    await expect(status).toContainText(en('snapshots:panel.status.dailyOn', { time: '03:30', keep: 7 }));
    await expect(list).toContainText(en('snapshots:panel.list.empty'));
  });

  let snapshotId = '';
  await test.step('Take a snapshot with a label: the job runs live, and the snapshot is listed', async () => {
    const take = page.getByRole('region', { name: en('snapshots:panel.create.title') });
    await take.getByRole('textbox', { name: en('snapshots:panel.create.label') }).fill('before the experiment');
    await take.getByRole('button', { name: en('snapshots:panel.create.submit') }).click();
    await expect(console_.getByRole('log')).toContainText(within('en', 'snapshots:log.created', { id: '\\d{8}-\\d{6}', reason: '.+', seconds: '[\\d.]+', size: '.+' }));
    await expect(said).toHaveText(en('snapshots:panel.outcome.created'));
    const { snapshots } = await overview(page.request);
    expect(snapshots).toHaveLength(1);
    snapshotId = snapshots[0]!.id;
    const item = list.getByRole('article');
    await expect(item).toHaveCount(1);
    await expect(item).toContainText('before the experiment');
    await expect(item).toContainText(en('snapshots:panel.kind.manual'));
    await expect(item).toContainText(snapshotId);
  });

  expect((await daemon.cli(['app', 'run', 'hostname', 'hostname=after-the-experiment'])).exitCode).toBe(0);
  expect(readFileSync(hostnameFile, 'utf8').trim()).toBe('after-the-experiment');

  await test.step('Roll back…: what it does is said, and it waits for the snapshot’s name', async () => {
    await list.getByRole('article').getByRole('button', { name: en('snapshots:panel.list.rollback') }).click();
    const card = page.getByRole('region', { name: pattern('en', 'snapshots:panel.rollback.title', { date: '.+' }) });
    await expect(card).toBeVisible();
    await expect(card.getByRole('note')).toContainText(en('snapshots:panel.rollback.whatStays'));
    await expect(card.getByRole('note')).toContainText(en('snapshots:panel.rollback.undo'));
    const submit = card.getByRole('button', { name: en('snapshots:panel.rollback.submit'), exact: true });
    const typed = card.getByRole('textbox', { name: en('snapshots:panel.rollback.typeLabel', { id: snapshotId }) });
    await expect(submit).toBeDisabled();
    await typed.fill('20000101-000000');
    await expect(submit).toBeDisabled();
    await typed.fill(snapshotId);
    await expect(submit).toBeEnabled();
    await submit.click();
  });

  await test.step('Hearth restarts by itself; the page says when the rollback is done', async () => {
    await expect(said).toHaveText(pattern('en', 'snapshots:panel.outcome.rolledBack', { date: '.+' }), restartTime);
    expect(daemon.logLines().some((line) => line.msg === 'restarting to swap in a staged snapshot rollback')).toBe(true);
    // The rollback's job staged it (its log carried over into the rolled-back database) …
    const { jobs } = (await (await page.request.get('/api/jobs?limit=20')).json()) as { jobs: JobSummary[] };
    const rollback = jobs.find((job) => job.appId === 'snapshots' && job.action === 'rollback')!;
    expect(rollback.status).toBe('succeeded');
    const detail = (await (await page.request.get(`/api/jobs/${rollback.id}`)).json()) as { lines: Array<{ text: string }> };
    expect(detail.lines.map((line) => line.text).join('\n')).toMatch(within('en', 'snapshots:log.staged', { id: snapshotId, pre: '\\d{8}-\\d{6}(-\\d+)?' }));
    // … and the console follows the job of the new start that applied the rolled-back configuration.
    await expect(console_.getByRole('log')).toContainText(within('en', 'snapshots:log.reapplied', { count: '1' }));
  });

  await test.step('the box is as it was: its name again, the replaced state kept as a snapshot, the owner still logged in', async () => {
    expect(await savedHostname(page.request)).toBe('before-the-experiment');
    await expect.poll(() => readFileSync(hostnameFile, 'utf8').trim(), restartTime).toBe('before-the-experiment');
    const { status, snapshots } = await overview(page.request);
    expect(status.pendingRollback).toBeNull();
    expect(snapshots.map((s) => s.reason)).toEqual(['pre-rollback', 'manual']);
    expect(snapshots[0]!.rolledBackTo).toBe(snapshotId);
    const items = list.getByRole('article');
    await expect(items).toHaveCount(2);
    await expect(items.first()).toContainText(en('snapshots:panel.kind.pre-rollback'));
    await expect(items.first()).toContainText(within('en', 'snapshots:panel.list.preRollback', { date: '.+' }));
    await page.reload();
    await expect(page.getByRole('heading', { level: 1, name: en('snapshots:panel.title') })).toBeVisible();
  });
});
