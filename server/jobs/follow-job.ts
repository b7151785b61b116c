import { setTimeout as delay } from 'node:timers/promises';
import type { JobProgress, JobRecord, JobStore, LogLine } from './job-store.js';

export type JobEvent = { type: 'line'; line: LogLine } | { type: 'progress'; progress: JobProgress } | { type: 'end'; job: JobRecord };

/**
 * Follows a job through the database, wherever it runs (this process, the daemon, a
 * CLI over SSH): every log line after `afterSeq`, in order, then its end. Polling is
 * how a job started in another process shows up live; a few queries a second on an
 * indexed table cost next to nothing.
 */
export async function* followJob(
  jobs: JobStore,
  jobId: number,
  options: { afterSeq?: number; pollMs?: number; signal?: AbortSignal; reap?: () => void } = {},
): AsyncGenerator<JobEvent> {
  let seq = options.afterSeq ?? 0;
  let progress = '';
  const pollMs = options.pollMs ?? 200;
  for (;;) {
    if (options.signal?.aborted) return;
    // Read the status before the lines: lines written before the job ended are then
    // certain to be in this read or an earlier one.
    const job = jobs.get(jobId);
    if (!job) return;
    for (const line of jobs.linesAfter(jobId, seq)) {
      seq = line.seq;
      yield { type: 'line', line };
    }
    if (job.progress && JSON.stringify(job.progress) !== progress) {
      progress = JSON.stringify(job.progress);
      yield { type: 'progress', progress: job.progress };
    }
    if (job.status !== 'running') {
      yield { type: 'end', job };
      return;
    }
    options.reap?.();
    try {
      await delay(pollMs, undefined, { signal: options.signal });
    } catch {
      return;
    }
  }
}
