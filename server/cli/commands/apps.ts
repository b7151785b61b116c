import { createAppliance, type Appliance } from '../../appliance.js';
import { coerceCliValue } from '../../apps/params.js';
import { appCategories } from '../../apps/types.js';
import { HearthError } from '../../errors.js';
import { summarizeJob } from '../../jobs/job-summary.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exit-codes.js';
import { followOnTerminal } from '../follow-output.js';
import { resolveRoot, resolveSystemKind } from '../options.js';
import { sanitize } from '../menu/text.js';

function open(ctx: CliContext, root: string | undefined): Appliance {
  return createAppliance({ root: resolveRoot(root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
}

/** Who runs a command over SSH: the sudo caller when there is one. */
export function cliStarter(ctx: CliContext) {
  const user = ctx.env.SUDO_USER || ctx.env.USER || ctx.env.LOGNAME || 'root';
  return { startedBy: `cli:${user}`, language: ctx.t('common:languageCode') };
}

const stateMark = (active: boolean | null) => (active === true ? '✓' : ' ');

/** `hearth apps [--json]` */
export async function appsCommand(ctx: CliContext, options: { root?: string; json?: boolean }): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const all = await appliance.apps.list(ctx.t);
    const categories = appCategories
      .map((id) => ({ id, name: ctx.t(`apps:categories.${id}`), apps: all.filter((a) => a.category === id) }))
      .filter((c) => c.apps.length);
    if (options.json) {
      ctx.stdout(JSON.stringify({ categories }, null, 2) + '\n');
      return exitCodes.ok;
    }
    const width = Math.max(...all.map((a) => a.id.length));
    for (const category of categories) {
      ctx.stdout(`${category.name}\n`);
      for (const app of category.apps) {
        const note = app.available ? app.description : `${app.description} (${app.unavailableReason})`;
        ctx.stdout(`  ${app.available ? stateMark(app.active) : '-'} ${app.id.padEnd(width)}  ${app.name} — ${note}\n`);
      }
    }
    return exitCodes.ok;
  } finally {
    appliance.close();
  }
}

/** `hearth app show ID [--json]` */
export async function appShowCommand(ctx: CliContext, id: string, options: { root?: string; json?: boolean }): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const detail = await appliance.apps.detail(id, ctx.t);
    const lastRuns = appliance.jobs.recent(5, id).map((job) => summarizeJob(job, ctx.t));
    if (options.json) {
      ctx.stdout(JSON.stringify({ ...detail, lastRuns }, null, 2) + '\n');
      return exitCodes.ok;
    }
    const { t } = ctx;
    const state = detail.active === null ? '—' : detail.active ? t('cli:apps.active') : t('cli:apps.inactive');
    ctx.stdout(`${detail.name} (${detail.id}) — ${detail.description}\n`);
    ctx.stdout(`${t('cli:apps.category')}: ${t(`apps:categories.${detail.category}`)} · ${t('cli:apps.state')}: ${state}\n`);
    if (!detail.available) ctx.stdout(`${t('cli:apps.unavailable')}: ${detail.unavailableReason}\n`);
    if (detail.info) ctx.stdout(`\n${detail.info}\n`);
    ctx.stdout(`\n${t('cli:apps.parameters')}:\n`);
    for (const param of detail.params) {
      const value = param.kind === 'secret' ? (param.isSet ? `•••• (${t('cli:apps.secretSet')})` : `(${t('cli:apps.secretNotSet')})`) : formatValue(param.value);
      const range = param.minimum !== undefined ? ` [${param.minimum}–${param.maximum}${param.unit ? ' ' + param.unit : ''}]` : '';
      const options = param.options ? ` {${param.options.map((o) => o.value).join('|')}}` : '';
      ctx.stdout(`  ${param.id} = ${sanitize(value)}${range}${options}\n      ${param.label}${param.help ? ': ' + param.help : ''}\n`);
    }
    if (detail.details.length) {
      ctx.stdout(`\n${t('cli:apps.details')}:\n`);
      for (const d of detail.details) ctx.stdout(`  ${d.label}: ${sanitize(d.value)}\n`);
    }
    if (detail.actions.length) ctx.stdout(`\n${t('cli:apps.actions')}: ${detail.actions.map((a) => `${a.id} (${a.label})`).join(', ')}\n`);
    if (lastRuns.length) {
      ctx.stdout(`\n${t('cli:apps.lastRuns')}:\n`);
      for (const job of lastRuns) ctx.stdout(`  #${job.id} ${job.startedAt} ${t(`cli:jobs.status.${job.status}`)}${job.errorMessage ? ' — ' + job.errorMessage : ''}\n`);
    }
    return exitCodes.ok;
  } finally {
    appliance.close();
  }
}

function formatValue(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'string') return value.includes('\n') ? JSON.stringify(value) : value === '' ? '""' : value;
  return String(value);
}

/** KEY=VALUE arguments, judged against the app's parameters (unknown keys are invalid input). */
export function parseAssignments(appliance: Appliance, id: string, assignments: readonly string[]): Record<string, unknown> {
  const app = appliance.apps.find(id);
  const input: Record<string, unknown> = {};
  for (const assignment of assignments) {
    const at = assignment.indexOf('=');
    if (at <= 0) throw new CliError('usage', 'cli:apps.badAssignment', { assignment });
    const key = assignment.slice(0, at);
    const schema = app.params.properties[key];
    if (!schema) {
      throw new CliError('usage', 'cli:apps.unknownParam', { key, app: id, params: Object.keys(app.params.properties).join(', ') });
    }
    input[key] = coerceCliValue(schema, assignment.slice(at + 1));
  }
  return input;
}

/** `hearth app run ID [KEY=VALUE …] [--action NAME] [--json]`: validate, save, run, stream the log. */
export async function appRunCommand(
  ctx: CliContext,
  id: string,
  assignments: readonly string[],
  options: { root?: string; json?: boolean; action?: string; bind?: string[] },
): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const input = parseAssignments(appliance, id, assignments);
    if (options.bind?.length) {
      // config-import's replacements for machine-specific values, one --bind per binding.
      if (!('bindings' in appliance.apps.find(id).params.properties)) throw new CliError('usage', 'cli:apps.noBindings', { app: id });
      input.bindings = [typeof input.bindings === 'string' ? input.bindings : '', ...options.bind].filter(Boolean).join('\n');
    }
    let started;
    try {
      started = await appliance.apps.start(id, input, cliStarter(ctx), options.action);
    } catch (error) {
      if (error instanceof HearthError && error.code === 'HEARTH_ERR_APP_PARAMS_INVALID' && !options.json) {
        ctx.stderr(ctx.t(`errors:${error.code}`, error.params) + '\n');
        for (const field of error.fields ?? []) ctx.stderr(`  ${field.param}: ${ctx.t(field.key, field.params)}\n`);
        return exitCodes.usage;
      }
      throw error;
    }
    if (!options.json) await followOnTerminal(ctx, appliance.jobs, started.id, { pollMs: 50 });
    const job = await started.done;
    const summary = summarizeJob(job, ctx.t);
    if (options.json) ctx.stdout(JSON.stringify({ job: summary, lines: appliance.jobs.linesAfter(job.id, 0) }, null, 2) + '\n');
    else ctx.stdout(ctx.t(`cli:jobs.outcome.${job.status}`, { id: job.id, app: summary.appName }) + '\n');
    return job.status === 'succeeded' ? exitCodes.ok : exitCodes.failed;
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}
