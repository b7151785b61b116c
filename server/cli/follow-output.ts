import { formatBytes } from '../format.js';
import { followJob } from '../jobs/follow-job.js';
import type { JobProgress, JobRecord, JobStore } from '../jobs/job-store.js';
import type { CliContext } from './context.js';
import { sanitize } from './menu/text.js';

/** Plain-text progress is printed at most this often (a log file needs no animation). */
const plainProgressEveryMs = 10_000;

/** "write 45% · 1.20 GiB of 2.61 GiB · 85.0 MiB/s · 0:17 left" */
export function describeProgress(progress: JobProgress, rate: number | undefined, t: CliContext['t']): string {
  const percent = progress.total > 0 ? Math.floor((progress.done / progress.total) * 100) : 0;
  const amount = (n: number) => (progress.unit === 'bytes' ? formatBytes(n) : String(n));
  const parts = [`${t(`cli:progress.phase.${progress.phase}`, { defaultValue: progress.phase })} ${percent}%`, t('cli:progress.of', { done: amount(progress.done), total: amount(progress.total) })];
  if (rate && rate > 0 && progress.unit === 'bytes') {
    parts.push(`${formatBytes(rate)}/s`);
    const seconds = Math.max(0, Math.round((progress.total - progress.done) / rate));
    parts.push(t('cli:progress.left', { time: `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}` }));
  }
  return parts.join(' · ');
}

/**
 * Follows a job on the terminal: log lines as they come (control characters made
 * visible), progress as a bar that redraws in place on a terminal and as a plain line
 * every few seconds otherwise. Resolves with the finished job.
 */
export async function followOnTerminal(ctx: CliContext, jobs: JobStore, jobId: number, options: { reap?: () => void; pollMs?: number } = {}): Promise<JobRecord> {
  const tty = ctx.stdoutIsTty;
  let barShown = false;
  let lastPlainAt = -Infinity;
  let previous: { at: number; done: number; phase: string } | undefined;
  let rate: number | undefined;
  const clearBar = () => {
    if (barShown) ctx.stdout('\r\u001b[2K');
    barShown = false;
  };
  for await (const event of followJob(jobs, jobId, { pollMs: options.pollMs ?? 100, ...(options.reap ? { reap: options.reap } : {}) })) {
    if (event.type === 'line') {
      clearBar();
      (event.line.stream === 'err' ? ctx.stderr : ctx.stdout)(sanitize(event.line.text) + '\n');
    } else if (event.type === 'progress') {
      const at = Date.now();
      const { progress } = event;
      if (previous && previous.phase === progress.phase && at > previous.at) {
        const instant = ((progress.done - previous.done) * 1000) / (at - previous.at);
        rate = rate === undefined ? instant : rate * 0.7 + instant * 0.3;
      } else if (!previous || previous.phase !== progress.phase) rate = undefined;
      previous = { at, done: progress.done, phase: progress.phase };
      const text = describeProgress(progress, rate, ctx.t);
      if (tty) {
        clearBar();
        ctx.stdout(text.slice(0, 79));
        barShown = true;
      } else if (at - lastPlainAt >= plainProgressEveryMs || progress.done >= progress.total) {
        ctx.stdout(text + '\n');
        lastPlainAt = at;
      }
    } else {
      clearBar();
      return event.job;
    }
  }
  clearBar();
  return jobs.get(jobId)!;
}
