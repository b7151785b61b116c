import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { Appliance } from '../appliance.js';
import type { Translate } from '../i18n.js';
import { summarizeJob } from '../jobs/job-summary.js';
import { errorResponses } from '../schemas/api.js';
import { JobSummary } from '../schemas/apps.js';
import { StartUpdate, UpdatesOverview, type CheckInfo, type HistoryInfo } from '../schemas/updates.js';
import { blockerText, type CheckRecord, type HeldBackRelease, type ReleaseSummary, type RunRecord, type UpdateOverview } from '../updates/auto-update.js';
import type { HistoryEntry } from '../updates/journal.js';
import type { UnattendedBlocker } from '../updates/policy.js';
import { releaseNotes } from '../updates/releases.js';

/*
 * The Updates page: what runs, what the channel offers and what is held back and why,
 * the unattended runs, the history of updates and rollbacks with their reports; "check
 * now", "update now" (the owner's yes), and acknowledging a failed update. Thin: the
 * work is server/updates/auto-update.ts's; here it is put in the request's language.
 */

type Problem = { code: string; params: Record<string, string | number> } | null;

/** Times inside messages: the API cannot know the reader's zone, so UTC, said so ("2026-11-28 03:18 UTC"); the panel words them itself. */
const utc = (iso: string) => (Number.isFinite(Date.parse(iso)) ? `${new Date(iso).toISOString().slice(0, 16).replace('T', ' ')} UTC` : iso);

function describe(t: Translate, language: string, overview: UpdateOverview): UpdatesOverview {
  const problem = (error: Problem) => (error ? { code: error.code, message: t(`errors:${error.code}`, error.params) } : null);
  const notes = (release: ReleaseSummary) => releaseNotes({ ...release, cohorts: 'all', bundles: {} }, language) ?? '';
  const release = (item: ReleaseSummary) => ({ version: item.version, publishedAt: item.publishedAt, breaking: item.breaking, notes: notes(item) });
  const heldBack = (item: HeldBackRelease) => ({
    ...release(item),
    reason: item.reason,
    until: item.until,
    message: t(`updates:heldBack.${item.reason}`, { version: item.version, until: item.until ? utc(item.until) : '', defaultValue: `${item.version}: ${item.reason}` }),
  });
  const check = (record: CheckRecord): CheckInfo => ({
    at: record.at,
    channel: record.channel,
    error: problem(record.error),
    latest: record.latest ? release(record.latest) : null,
    available: record.available ? { ...release(record.available), size: record.available.size, intermediate: record.available.intermediate, bad: record.available.bad } : null,
    reason: record.reason,
    reasonText: record.reason ? t(`updates:choice.${record.reason}`, { current: record.current, version: record.latest?.version ?? '', arch: process.arch, minimumFrom: '' }) : null,
    unattended: { version: record.unattended.version, heldBack: record.unattended.heldBack.map(heldBack) },
  });
  const run = (record: RunRecord) => {
    const blocker = record.blocker ? blockerText(record.blocker, utc) : null;
    const reason = blocker ? t(blocker.key, blocker.params) : record.error ? t(`errors:${record.error.code}`, record.error.params) : '';
    return {
      at: record.at,
      outcome: record.outcome,
      message: t(`updates:run.${record.outcome}`, { version: record.version ?? '', reason }),
      version: record.version,
      jobId: record.jobId,
      snapshotId: record.snapshotId,
      os: record.os ? { jobId: record.os.jobId, status: record.os.status, upgraded: record.os.upgraded, rebootRequired: record.os.rebootRequired } : null,
    };
  };
  const history = (entry: HistoryEntry): HistoryInfo => ({
    id: entry.id,
    from: entry.from,
    to: entry.to,
    result: entry.result,
    phase: entry.phase,
    phaseText: entry.phase ? t(`updates:phase.${entry.phase}`) : null,
    error: problem(entry.error),
    detail: entry.detail,
    log: entry.log,
    snapshotId: entry.snapshotId,
    startedAt: entry.startedAt,
    endedAt: entry.endedAt,
  });
  const blocker = overview.blocker ? blockerText(overview.blocker, utc) : null;
  const progress = overview.inProgress;
  return {
    current: overview.current,
    installed: overview.installed,
    inProgress: progress ? { from: progress.from, to: progress.to, phase: progress.phase, phaseText: t(`updates:phase.${progress.phase}`), startedAt: progress.startedAt, jobId: progress.jobId } : null,
    autoUpdate: overview.autoUpdate,
    channel: { kind: overview.channel.kind, url: overview.channel.url },
    policy: overview.policy,
    osPackages: overview.osPackages,
    checkEveryHours: overview.checkEveryHours,
    cohort: overview.cohort,
    clockSynced: overview.clockSynced,
    lastSafePointAt: overview.lastSafePointAt,
    snapshotFirst: overview.snapshotFirst,
    window: overview.window,
    nextRunAt: overview.nextRunAt,
    nextCheckAt: overview.nextCheckAt,
    lastCheck: overview.lastCheck ? check(overview.lastCheck) : null,
    lastRun: overview.lastRun ? run(overview.lastRun) : null,
    blocker: overview.blocker && blocker ? { reason: overview.blocker.reason, message: t(blocker.key, blocker.params), ...blockerFacts(overview.blocker) } : null,
    paused: overview.paused,
    history: overview.history.map(history),
  };
}

/** A blocker's version and time, for the panel to say in its own words and its reader's time zone. */
function blockerFacts(blocker: UnattendedBlocker): { version: string | null; at: string | null } {
  switch (blocker.reason) {
    case 'paused-after-failure':
      return { version: blocker.version, at: blocker.at };
    case 'backup-failed':
      return { version: null, at: blocker.at };
    case 'no-fresh-backup':
      return { version: null, at: blocker.since };
    default:
      return { version: null, at: null };
  }
}

const updateRoutes: FastifyPluginAsyncTypebox<{ appliance: Appliance }> = async (app, { appliance }) => {
  const { autoUpdate, jobs } = appliance;
  const language = (request: { t: Translate }) => request.t('common:languageCode');

  app.get(
    '/api/updates',
    { schema: { summary: 'The running version, what the channel offers, what is held back and why, and the history of updates and rollbacks', response: { 200: UpdatesOverview, ...errorResponses } } },
    async (request) => describe(request.t, language(request), await autoUpdate.overview()),
  );

  app.post(
    '/api/updates/check',
    { schema: { summary: 'Check the channel now (nothing is installed)', response: { 200: UpdatesOverview, ...errorResponses } } },
    async (request) => {
      await autoUpdate.check();
      return describe(request.t, language(request), await autoUpdate.overview());
    },
  );

  app.post(
    '/api/updates/start',
    {
      schema: {
        summary: 'Update now: the owner’s yes (a release marked breaking only with allowBreaking); a job',
        body: StartUpdate,
        response: { 202: Type.Object({ job: JobSummary }), ...errorResponses },
      },
    },
    async (request, reply) => {
      const { version, allowBreaking } = request.body ?? {};
      const { id } = await autoUpdate.startUpdate(
        { ...(version ? { version } : {}), ...(allowBreaking ? { allowBreaking: true } : {}) },
        { startedBy: `panel:${request.session!.username}`, language: language(request) },
      );
      return reply.code(202).send({ job: summarizeJob(jobs.get(id)!, request.t) });
    },
  );

  app.post(
    '/api/updates/acknowledge',
    {
      schema: {
        summary: 'Acknowledge a failed or rolled-back update: unattended updates resume',
        response: { 200: Type.Object({ acknowledged: Type.Union([Type.Object({ version: Type.String(), at: Type.String() }), Type.Null()]) }), ...errorResponses },
      },
    },
    async () => ({ acknowledged: await autoUpdate.acknowledge() }),
  );
};

export default updateRoutes;
