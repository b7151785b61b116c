import { setTimeout as delay } from 'node:timers/promises';
import type { JobRecord, JobStore } from './job-store.js';

/**
 * Every job that starts or ends, from any process: what an open panel listens to, so
 * a job started over SSH appears there live. Polls the newest jobs.
 */
export async function* watchJobs(jobs: JobStore, options: { pollMs?: number; signal?: AbortSignal; reap?: () => void } = {}): AsyncGenerator<JobRecord> {
  const seen = new Map<number, string>();
  for (const job of jobs.recent(50)) seen.set(job.id, job.status);
  for (;;) {
    try {
      await delay(options.pollMs ?? 500, undefined, { signal: options.signal });
    } catch {
      return;
    }
    options.reap?.();
    for (const job of jobs.recent(50).reverse()) {
      if (seen.get(job.id) === job.status) continue;
      seen.set(job.id, job.status);
      yield job;
    }
  }
}
