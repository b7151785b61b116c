import { createAppliance, type Appliance } from '../../appliance.js';
import { formatBytes } from '../../format.js';
import type { JobRecord } from '../../jobs/job-store.js';
import { summarizeJob } from '../../jobs/job-summary.js';
import type { SnapshotListing } from '../../snapshots/index.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exit-codes.js';
import { followOnTerminal } from '../follow-output.js';
import { resolveRoot, resolveSystemKind } from '../options.js';
import { cliStarter } from './apps.js';

export interface SnapshotOptions {
  root?: string;
  label?: string;
  json?: boolean;
  yes?: boolean;
}

function open(ctx: CliContext, root: string | undefined): Appliance {
  return createAppliance({ root: resolveRoot(root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
}

async function finish(ctx: CliContext, appliance: Appliance, started: { id: number; done: Promise<JobRecord> }, json: boolean | undefined, extra: () => Promise<Record<string, unknown>> = async () => ({})): Promise<number> {
  if (!json) await followOnTerminal(ctx, appliance.jobs, started.id, { pollMs: 100 });
  const job = await started.done;
  const summary = summarizeJob(job, ctx.t);
  if (json) ctx.stdout(JSON.stringify({ job: summary, lines: appliance.jobs.linesAfter(job.id, 0), ...(await extra()) }, null, 2) + '\n');
  else ctx.stdout(ctx.t(`cli:jobs.outcome.${job.status}`, { id: job.id, app: summary.appName }) + (summary.errorMessage ? ` ${summary.errorMessage}` : '') + '\n');
  return job.status === 'succeeded' ? exitCodes.ok : exitCodes.failed;
}

/**
 * A destructive step asks first: on a terminal the owner types the snapshot's name;
 * a script says --yes. Without either, nothing happens.
 */
async function confirmed(ctx: CliContext, id: string, options: SnapshotOptions, prompt: string): Promise<void> {
  if (options.yes) return;
  if (!ctx.stdinIsTty) throw new CliError('usage', 'snapshots:cli.needYes');
  ctx.stdout(prompt + '\n');
  const { input } = await import('@inquirer/prompts');
  const typed = await input({ message: ctx.t('snapshots:cli.typeName', { id }) });
  if (typed.trim() !== id) throw new CliError('failed', 'snapshots:cli.notConfirmed');
}

function describe(ctx: CliContext, snapshot: SnapshotListing): string {
  const { t } = ctx;
  const size = snapshot.sizeBytes === null ? t('snapshots:cli.shared') : formatBytes(snapshot.sizeBytes);
  const what = snapshot.reason === 'pre-rollback' && snapshot.rolledBackTo ? t('snapshots:cli.preRollback', { id: snapshot.rolledBackTo }) : t(`snapshots:reasons.${snapshot.reason}`);
  const label = snapshot.label ? ` · “${snapshot.label}”` : '';
  const pending = snapshot.rollbackPending ? `  ${t('snapshots:cli.pendingMark')}` : '';
  return `  ${snapshot.createdAt.slice(0, 16).replace('T', ' ')}  ${size.padStart(9)}  ${what}${label}${pending}\n    ${snapshot.id}\n`;
}

/** `hearth snapshot [list] [--json]`: the snapshots, newest first, and how they are made here. */
export async function snapshotListCommand(ctx: CliContext, options: SnapshotOptions): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const [status, snapshots] = await Promise.all([appliance.snapshots.status(), appliance.snapshots.list()]);
    if (options.json) {
      ctx.stdout(JSON.stringify({ status, snapshots }, null, 2) + '\n');
      return exitCodes.ok;
    }
    const { t } = ctx;
    ctx.stdout(t('snapshots:cli.listHeader', { driver: t(`snapshots:drivers.${status.driver}`), fileSystem: status.fileSystem }) + '\n');
    if (snapshots.length === 0) ctx.stdout(t('snapshots:cli.none') + '\n');
    for (const snapshot of snapshots) ctx.stdout(describe(ctx, snapshot));
    if (status.pendingRollback) ctx.stdout(t('snapshots:cli.pending', { id: status.pendingRollback.snapshotId }) + '\n');
    return exitCodes.ok;
  } finally {
    appliance.close();
  }
}

/** `hearth snapshot create [--label L] [--json]` */
export async function snapshotCreateCommand(ctx: CliContext, options: SnapshotOptions): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const started = appliance.snapshots.jobs.create({ reason: 'manual', ...(options.label !== undefined ? { label: options.label } : {}) }, cliStarter(ctx));
    return await finish(ctx, appliance, started, options.json, async () => ({ snapshot: started.result() ?? null }));
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}

/** `hearth snapshot delete ID [--yes] [--json]` */
export async function snapshotDeleteCommand(ctx: CliContext, id: string, options: SnapshotOptions): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const snapshot = await appliance.snapshots.get(id);
    await confirmed(ctx, snapshot.id, options, ctx.t('snapshots:cli.deleteWarning', { id: snapshot.id }));
    return await finish(ctx, appliance, appliance.snapshots.jobs.delete(snapshot.id, cliStarter(ctx)), options.json);
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}

/** `hearth snapshot rollback ID [--yes] [--json]`: staged now, swapped in at the daemon's (re)start. */
export async function snapshotRollbackCommand(ctx: CliContext, id: string, options: SnapshotOptions): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const snapshot = await appliance.snapshots.get(id);
    await confirmed(ctx, snapshot.id, options, ctx.t('snapshots:cli.rollbackWarning', { id: snapshot.id }));
    const started = appliance.snapshots.jobs.rollback(snapshot.id, cliStarter(ctx));
    const code = await finish(ctx, appliance, started, options.json, async () => ({ rollback: started.result() ?? null }));
    if (code === exitCodes.ok && !options.json) ctx.stdout(ctx.t('snapshots:cli.rollbackStaged') + '\n');
    return code;
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}
