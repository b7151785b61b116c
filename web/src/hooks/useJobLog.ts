import { useEffect, useRef, useState } from 'react';
import { api, type JobProgress, type JobSummary, type LogLine } from '../api/endpoints';
import { followJobLog } from '../api/job-events';
import { problemFrom, type Problem } from '../api/problems';
import { createRateMeter } from '../progress';

/** A console keeps the last lines only: a long apt run must not slow the page down. */
export const maxShownLines = 5_000;
const resumeDelayMs = 3_000;

/** A job's progress as last reported, with the throughput measured here (units per second, null while unknown). */
export type ShownProgress = JobProgress & { rate: number | null };

export interface JobLog {
  job: JobSummary;
  lines: LogLine[];
  /** Earlier lines dropped to stay within maxShownLines. */
  hiddenLines: number;
  /** Long jobs only (backups, restores); the last report stays once the job has ended. */
  progress: ShownProgress | null;
  problem: Problem | null;
}

function emptyLog(job: JobSummary): JobLog {
  return { job, lines: [], hiddenLines: 0, progress: job.progress ? { ...job.progress, rate: null } : null, problem: null };
}

function withLines(log: JobLog, more: readonly LogLine[]): JobLog {
  if (more.length === 0) return log;
  const all = log.lines.concat(more);
  const excess = Math.max(0, all.length - maxShownLines);
  return { ...log, lines: excess ? all.slice(excess) : all, hiddenLines: log.hiddenLines + excess };
}

/**
 * The log of one job, live: every line so far, then each new one as it is written,
 * wherever the job runs (the panel, the CLI, the scheduler), until it ends. A job
 * that has ended loads the same way and stops at once. Lines are added once per
 * frame, however fast they come. `onEnded` runs when a job shown running ends.
 */
export function useJobLog(start: JobSummary | null, onEnded: (job: JobSummary) => void): JobLog | null {
  const [log, setLog] = useState<JobLog | null>(start ? emptyLog(start) : null);
  const ended = useRef(onEnded);
  useEffect(() => {
    ended.current = onEnded;
  });

  const id = start?.id;
  const startedRunning = start?.status === 'running';
  // Another job was chosen: start its console empty (during render, so no stale frame shows).
  const [shownId, setShownId] = useState(id);
  if (shownId !== id) {
    setShownId(id);
    setLog(start ? emptyLog(start) : null);
  }

  useEffect(() => {
    if (id === undefined) return;
    let lastSeq = 0;
    let pending: LogLine[] = [];
    let frame = 0;
    let retry: number | undefined;
    let stop = () => {};
    let active = true;
    const meter = createRateMeter();
    // Read once: the log of a job chosen from the history does not "end" again.
    const wasRunning = startedRunning;

    const update = (change: (log: JobLog) => JobLog) => setLog((current) => (current && current.job.id === id ? change(current) : current));
    const flush = () => {
      if (frame) cancelAnimationFrame(frame);
      frame = 0;
      const batch = pending;
      pending = [];
      update((current) => withLines(current, batch));
    };
    const take = (line: LogLine) => {
      if (line.seq <= lastSeq) return;
      lastSeq = line.seq;
      pending.push(line);
      frame ||= requestAnimationFrame(flush);
    };
    const showProgress = (progress: JobProgress) => {
      const rate = meter(progress.phase, progress.done, performance.now());
      update((current) => ({ ...current, progress: { ...progress, rate } }));
    };
    const finish = (job: JobSummary) => {
      flush();
      update((current) => ({
        ...current,
        job,
        progress: job.progress ? { ...job.progress, rate: null } : current.progress && { ...current.progress, rate: null },
        problem: null,
      }));
      if (wasRunning) ended.current(job);
    };

    // The stream was refused or broke for good: read the log as it is, and follow again if it still runs.
    const recover = () => {
      api.job(id).then(
        (detail) => {
          if (!active) return;
          detail.lines.forEach(take);
          const { lines: _lines, ...job } = detail;
          if (job.status === 'running') {
            flush();
            if (job.progress) showProgress(job.progress);
            retry = window.setTimeout(follow, resumeDelayMs);
          } else finish(job);
        },
        (error: unknown) => {
          if (!active) return;
          flush();
          update((current) => ({ ...current, problem: problemFrom(error) }));
        },
      );
    };

    function follow() {
      stop = followJobLog(id!, { onLine: take, onProgress: showProgress, onEnd: finish, onFailed: recover }, lastSeq);
    }

    follow();
    return () => {
      active = false;
      stop();
      if (frame) cancelAnimationFrame(frame);
      window.clearTimeout(retry);
    };
  }, [id]);

  return log;
}
