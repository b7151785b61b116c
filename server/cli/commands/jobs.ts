import { createAppliance } from '../../appliance.js';
import { HearthError } from '../../errors.js';
import { followJob } from '../../jobs/follow-job.js';
import type { JobRecord, JobStore } from '../../jobs/job-store.js';
import { followOnTerminal } from '../follow-output.js';
import { summarizeJob } from '../../jobs/job-summary.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exit-codes.js';
import { resolveRoot, resolveSystemKind } from '../options.js';
import { sanitize } from '../menu/text.js';

/** `hearth jobs [--json] [--limit N]` */
export async function jobsCommand(ctx: CliContext, options: { root?: string; json?: boolean; limit?: string }): Promise<number> {
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  try {
    appliance.runner.reapInterrupted();
    const limit = Math.min(Math.max(Number(options.limit ?? 20) || 20, 1), 500);
    const jobs = appliance.jobs.recent(limit).map((job) => summarizeJob(job, ctx.t));
    if (options.json) {
      ctx.stdout(JSON.stringify({ jobs }, null, 2) + '\n');
      return exitCodes.ok;
    }
    if (jobs.length === 0) ctx.stdout(ctx.t('cli:jobs.none') + '\n');
    for (const job of jobs) {
      const status = ctx.t(`cli:jobs.status.${job.status}`);
      ctx.stdout(`#${String(job.id).padEnd(5)} ${job.startedAt.slice(0, 19).replace('T', ' ')}  ${status.padEnd(10)} ${job.appName} (${job.action}) — ${job.startedBy}\n`);
    }
    return exitCodes.ok;
  } finally {
    appliance.close();
  }
}

/** `hearth job ID [--follow] [--json]`: a job's log; --follow waits for the end, like tail -f. */
export async function jobCommand(ctx: CliContext, id: string, options: { root?: string; json?: boolean; follow?: boolean }): Promise<number> {
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  try {
    const jobId = Number(id);
    const reap = () => appliance.runner.reapInterrupted();
    reap();
    const job = /^\d{1,15}$/.test(id) ? appliance.jobs.get(jobId) : undefined;
    if (!job) throw new HearthError('HEARTH_ERR_JOB_NOT_FOUND', { job: id });
    if (options.json && !options.follow) {
      ctx.stdout(JSON.stringify({ ...summarizeJob(job, ctx.t), lines: appliance.jobs.linesAfter(jobId, 0) }, null, 2) + '\n');
      return exitCodes.ok;
    }
    const summary = summarizeJob(job, ctx.t);
    if (!options.json) ctx.stdout(`#${job.id} ${summary.appName} (${job.action}) — ${job.startedBy}, ${job.startedAt}\n`);
    let ended = job;
    if (options.follow) {
      ended = options.json ? await lastEvent(appliance.jobs, jobId, reap) : await followOnTerminal(ctx, appliance.jobs, jobId, { reap });
    } else {
      for (const line of appliance.jobs.linesAfter(jobId, 0)) (line.stream === 'err' ? ctx.stderr : ctx.stdout)(sanitize(line.text) + '\n');
    }
    const final = summarizeJob(ended, ctx.t);
    if (options.json) ctx.stdout(JSON.stringify({ ...final, lines: appliance.jobs.linesAfter(jobId, 0) }, null, 2) + '\n');
    else ctx.stdout(ctx.t(`cli:jobs.outcome.${ended.status}`, { id: ended.id, app: final.appName }) + (final.errorMessage ? ` ${final.errorMessage}` : '') + '\n');
    if (!options.follow) return exitCodes.ok;
    return ended.status === 'succeeded' ? exitCodes.ok : exitCodes.failed;
  } finally {
    appliance.close();
  }
}

/** The job once it has ended, without printing anything (--json --follow). */
async function lastEvent(jobs: JobStore, jobId: number, reap: () => void): Promise<JobRecord> {
  for await (const event of followJob(jobs, jobId, { reap })) if (event.type === 'end') return event.job;
  return jobs.get(jobId)!;
}
