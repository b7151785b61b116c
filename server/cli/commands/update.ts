import { createAppliance, type Appliance } from '../../appliance.js';
import { updatesAppId } from '../../apps/updates/updates.js';
import { isHearthError } from '../../errors.js';
import { formatBytes } from '../../format.js';
import { summarizeJob } from '../../jobs/job-summary.js';
import { blockerText, type CheckRecord, type HeldBackRelease, type ReleaseSummary, type RunRecord, type UpdateOverview } from '../../updates/auto-update.js';
import { checkChannelUrl } from '../../updates/channel.js';
import { releaseNotes } from '../../updates/releases.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exit-codes.js';
import { followOnTerminal } from '../follow-output.js';
import { resolveRoot, resolveSystemKind } from '../options.js';
import { cliStarter } from './apps.js';

/*
 * `hearth update [--check] [--yes] [--channel URL] [--allow-breaking] [--json]` (alias
 * hearth-update), `hearth update ack`, and `hearth autoupdate on|off [--window HH:MM-HH:MM]`.
 * Exit codes: 0 done (or nothing to do), 1 failed (the channel could not be read, the
 * update failed), 2 bad usage (or no terminal to confirm on and no --yes), 3 busy (a
 * backup, restore or another update holds the maintenance lock).
 */

export interface UpdateOptions {
  root?: string;
  check?: boolean;
  yes?: boolean;
  channel?: string;
  allowBreaking?: boolean;
  json?: boolean;
}

function open(ctx: CliContext, root: string | undefined): Appliance {
  return createAppliance({ root: resolveRoot(root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
}

const language = (ctx: CliContext) => ctx.t('common:languageCode');
/** An ISO time as the owner reads it on a terminal: "2026-11-28 03:10" (UTC, as the other commands print). */
const when = (iso: string) => iso.slice(0, 16).replace('T', ' ');

function notesOf(release: ReleaseSummary, lng: string): string {
  return releaseNotes({ ...release, cohorts: 'all', bundles: {} }, lng) ?? '';
}

/** A held-back release, why, and (soak) from when it is installed by itself. */
function heldBackText(ctx: CliContext, item: HeldBackRelease): string {
  const { t } = ctx;
  if (item.reason === 'soak' && item.until) return t('updates:heldBack.soak', { version: item.version, until: when(item.until) });
  return t(`updates:heldBack.${item.reason}`, { version: item.version, defaultValue: `${item.version}: ${item.reason}` });
}

function runText(ctx: CliContext, run: RunRecord): string {
  const { t } = ctx;
  const reason = run.blocker ? t(blockerText(run.blocker, when).key, blockerText(run.blocker, when).params) : run.error ? t(`errors:${run.error.code}`, run.error.params) : '';
  return t(`updates:run.${run.outcome}`, { version: run.version ?? '', reason, current: '' });
}

/** The check as JSON for scripts: the notes in the caller's language, reasons as codes and as text. */
function checkJson(ctx: CliContext, check: CheckRecord, overview: UpdateOverview) {
  const lng = language(ctx);
  const { t } = ctx;
  return {
    current: check.current,
    checkedAt: check.at,
    channel: check.channel,
    error: check.error ? { ...check.error, message: t(`errors:${check.error.code}`, check.error.params) } : null,
    latest: check.latest ? { version: check.latest.version, publishedAt: check.latest.publishedAt, breaking: check.latest.breaking } : null,
    available: check.available ? { version: check.available.version, publishedAt: check.available.publishedAt, size: check.available.size, intermediate: check.available.intermediate, notes: notesOf(check.available, lng) } : null,
    reason: check.reason,
    unattended: {
      version: check.unattended.version,
      heldBack: check.unattended.heldBack.map((item) => ({ version: item.version, reason: item.reason, until: item.until, message: heldBackText(ctx, item) })),
    },
    autoUpdate: overview.autoUpdate,
    blocker: overview.blocker ? { ...overview.blocker, message: t(blockerText(overview.blocker, when).key, blockerText(overview.blocker, when).params) } : null,
    paused: overview.paused,
    lastRun: overview.lastRun ? { ...overview.lastRun, message: runText(ctx, overview.lastRun) } : null,
  };
}

function printCheck(ctx: CliContext, check: CheckRecord, overview: UpdateOverview): void {
  const { t } = ctx;
  const lng = language(ctx);
  const out = (text: string) => ctx.stdout(text + '\n');
  out(t('updates:cli.current', { version: check.current }));
  const channel = t(`app-updates:params.channel.options.${check.channel.kind}`);
  out(check.channel.url ? t('updates:cli.channel', { channel, url: check.channel.url, at: when(check.at) }) : t('updates:cli.channelNone', { channel }));
  if (check.error) return;
  if (check.available) {
    out(t(check.available.intermediate ? 'updates:cli.availableStep' : 'updates:cli.available', { version: check.available.version, date: when(check.available.publishedAt), size: formatBytes(check.available.size), latest: check.latest?.version ?? '' }));
    const notes = notesOf(check.available, lng);
    if (notes) for (const line of notes.split('\n')) out(`    ${line}`);
  } else {
    out(t(`updates:choice.${check.reason ?? 'up-to-date'}`, { current: check.current, version: check.latest?.version ?? '', arch: process.arch, minimumFrom: '' }));
  }
  if (check.unattended.heldBack.length > 0) {
    out(t('updates:cli.heldBack'));
    for (const item of check.unattended.heldBack) out(`  ${heldBackText(ctx, item)}`);
  }
  if (!overview.autoUpdate) out(t('updates:cli.autoOff'));
  else if (overview.blocker) out(t('updates:cli.notNow', { reason: t(blockerText(overview.blocker, when).key, blockerText(overview.blocker, when).params) }));
  else if (check.unattended.version) out(t('updates:cli.willInstall', { version: check.unattended.version, at: overview.nextRunAt ? when(overview.nextRunAt) : '—' }));
  if (overview.lastRun) out(t('updates:cli.lastRun', { at: when(overview.lastRun.at), what: runText(ctx, overview.lastRun) }));
}

/** On a terminal the owner says yes; a script says --yes. Without either, nothing happens (exit 2). */
async function confirmed(ctx: CliContext, options: UpdateOptions, question: string): Promise<boolean> {
  if (options.yes) return true;
  if (!ctx.stdinIsTty) throw new CliError('usage', 'updates:cli.needYes');
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question, default: false });
}

/** `hearth update [--check] [--yes] [--channel URL] [--allow-breaking] [--json]` */
export async function updateCommand(ctx: CliContext, options: UpdateOptions): Promise<number> {
  const { t } = ctx;
  // A bad URL is bad usage, refused before anything is read or written.
  if (options.channel !== undefined) {
    try {
      checkChannelUrl(options.channel);
    } catch (error) {
      if (isHearthError(error)) throw new CliError('usage', `errors:${error.code}`, error.params);
      throw error;
    }
  }
  const appliance = open(ctx, options.root);
  try {
    const check = await appliance.autoUpdate.check(options.channel !== undefined ? { channel: options.channel } : {});
    const overview = await appliance.autoUpdate.overview();
    if (options.check || check.error) {
      if (options.json) ctx.stdout(JSON.stringify(checkJson(ctx, check, overview), null, 2) + '\n');
      else printCheck(ctx, check, overview);
      if (check.error) {
        ctx.stderr(t(`errors:${check.error.code}`, check.error.params) + '\n');
        return exitCodes.failed;
      }
      return exitCodes.ok;
    }

    const breaking = check.unattended.heldBack.find((item) => item.reason === 'breaking');
    const target = options.allowBreaking && breaking ? breaking.version : check.available?.version;
    if (!target) {
      if (options.json) ctx.stdout(JSON.stringify({ ...checkJson(ctx, check, overview), job: null }, null, 2) + '\n');
      else {
        printCheck(ctx, check, overview);
        if (breaking) ctx.stdout(t('updates:cli.breakingHint', { version: breaking.version }) + '\n');
      }
      return exitCodes.ok;
    }
    if (!options.json) printCheck(ctx, check, overview);
    const question = options.allowBreaking && breaking ? t('updates:cli.confirmBreaking', { version: breaking.version, current: check.current }) : t('updates:cli.confirm', { version: target, current: check.current });
    if (!(await confirmed(ctx, options, question))) {
      ctx.stderr(t('updates:cli.notConfirmed') + '\n');
      return exitCodes.failed;
    }
    const started = await appliance.autoUpdate.startUpdate(
      {
        ...(options.channel !== undefined ? { channel: options.channel } : {}),
        // What the owner said yes to is what is installed, whatever the channel says a moment later.
        ...(options.allowBreaking && breaking ? { allowBreaking: true } : { version: target }),
      },
      cliStarter(ctx),
    );
    if (!options.json) await followOnTerminal(ctx, appliance.jobs, started.id, { pollMs: 100 });
    const job = await started.done;
    const outcome = await started.outcome;
    await started.told;
    const summary = summarizeJob(job, t);
    if (options.json) {
      ctx.stdout(JSON.stringify({ ...checkJson(ctx, check, overview), job: summary, outcome: outcome ?? null, lines: appliance.jobs.linesAfter(job.id, 0) }, null, 2) + '\n');
    } else {
      ctx.stdout(t(`cli:jobs.outcome.${job.status}`, { id: job.id, app: summary.appName }) + (summary.errorMessage ? ` ${summary.errorMessage}` : '') + '\n');
      if (outcome?.kind === 'restarting' || outcome?.kind === 'restart-pending') ctx.stdout(t(`updates:cli.${outcome.kind === 'restarting' ? 'restarting' : 'restartPending'}`, { version: outcome.to }) + '\n');
    }
    if (job.status !== 'succeeded') return job.errorCode === 'HEARTH_ERR_BUSY' ? exitCodes.busy : exitCodes.failed;
    return exitCodes.ok;
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}

/** `hearth update ack [--json]`: the owner read about the failed update; automatic updates go on. */
export async function acknowledgeCommand(ctx: CliContext, options: { root?: string; json?: boolean }): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const acknowledged = await appliance.autoUpdate.acknowledge();
    if (options.json) ctx.stdout(JSON.stringify({ acknowledged }, null, 2) + '\n');
    else ctx.stdout((acknowledged ? ctx.t('updates:cli.acknowledged', { version: acknowledged.version, at: when(acknowledged.at) }) : ctx.t('updates:cli.nothingToAcknowledge')) + '\n');
    return exitCodes.ok;
  } finally {
    appliance.close();
  }
}

/** "22:00-04:00" → the window's start and whole hours (the same start and end: always). */
export function parseWindow(text: string): { start: string; hours: number } {
  const match = /^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$/.exec(text.trim());
  if (!match) throw new CliError('usage', 'updates:cli.badWindow', { value: text });
  const start = Number(match[1]) * 60 + Number(match[2]);
  const end = Number(match[3]) * 60 + Number(match[4]);
  const minutes = (end - start + 1440) % 1440 || 1440;
  if (minutes % 60 !== 0) throw new CliError('usage', 'updates:cli.windowWholeHours', { value: text });
  return { start: `${match[1]}:${match[2]}`, hours: minutes / 60 };
}

/** `hearth autoupdate on|off [--window HH:MM-HH:MM] [--json]` */
export async function autoupdateCommand(ctx: CliContext, state: string, options: { root?: string; window?: string; json?: boolean }): Promise<number> {
  const { t } = ctx;
  if (state !== 'on' && state !== 'off') throw new CliError('usage', 'updates:cli.badState', { value: state });
  const window = options.window !== undefined ? parseWindow(options.window) : undefined;
  const appliance = open(ctx, options.root);
  try {
    const started = await appliance.apps.start(updatesAppId, { autoUpdate: state === 'on' }, cliStarter(ctx));
    const job = await started.done;
    if (job.status !== 'succeeded') {
      const summary = summarizeJob(job, t);
      ctx.stderr(t(`cli:jobs.outcome.${job.status}`, { id: job.id, app: summary.appName }) + (summary.errorMessage ? ` ${summary.errorMessage}` : '') + '\n');
      return exitCodes.failed;
    }
    if (window) {
      appliance.settings.set('maintenance.windowStart', window.start);
      appliance.settings.set('maintenance.windowHours', window.hours);
    }
    const overview = await appliance.autoUpdate.overview();
    const end = (Number(overview.window.start.slice(0, 2)) * 60 + Number(overview.window.start.slice(3, 5)) + overview.window.hours * 60) % 1440;
    const endText = `${String(Math.floor(end / 60)).padStart(2, '0')}:${String(end % 60).padStart(2, '0')}`;
    if (options.json) {
      ctx.stdout(JSON.stringify({ autoUpdate: overview.autoUpdate, window: overview.window, nextRunAt: overview.nextRunAt, jobId: job.id }, null, 2) + '\n');
    } else {
      ctx.stdout(t(overview.autoUpdate ? 'updates:cli.autoNowOn' : 'updates:cli.autoNowOff') + '\n');
      ctx.stdout(t('updates:cli.window', { start: overview.window.start, end: endText, hours: overview.window.hours }) + '\n');
      if (overview.autoUpdate && overview.nextRunAt) ctx.stdout(t('updates:cli.nextRun', { at: overview.nextRunAt.slice(0, 16).replace('T', ' ') }) + '\n');
    }
    return exitCodes.ok;
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}
