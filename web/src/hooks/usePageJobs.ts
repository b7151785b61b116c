import { useCallback, useEffect, useRef, useState, type RefObject } from 'react';
import type { RequestOptions } from '../api/client';
import { api, type AppDetail, type JobSummary } from '../api/endpoints';
import type { Problem } from '../api/problems';
import { useApiData } from './useApiData';
import { useJobFeed } from './useJobFeed';
import { useJobLog, type JobLog } from './useJobLog';

/** Said at the top of a job page when a job started there has ended. */
export interface Outcome {
  tone: 'ok' | 'error' | 'info';
  text: string;
}

export interface PageJobsOptions<Overview, Started> {
  /** The settings app whose jobs the page runs and shows (backups, snapshots, updates). */
  appId: string;
  /** The page's own data: its useApiData key and how it is loaded. */
  overviewKey: string;
  loadOverview: (options: RequestOptions) => Promise<Overview>;
  /**
   * A job shown running has ended (the page's data is already loading again).
   * `started` is what this page started it for, undefined for a job started elsewhere.
   */
  onEnded: (job: JobSummary, started: Started | undefined) => void;
  /**
   * The app's last runs as first loaded: a job to show in the console instead of
   * following one that still runs, or null to follow it.
   */
  onFirstLoad?: (runs: readonly JobSummary[]) => JobSummary | null;
}

export interface PageJobs<Overview, Started> {
  /** The page's own data, as useApiData gives it. */
  overview: { data: Overview | null; problem: Problem | null; reload: () => void };
  /** The app's detail (its params and last runs), once loaded. */
  detail: AppDetail | null;
  /** Loads the page's data and the app's again. */
  reloadAll: () => void;
  outcome: Outcome | null;
  setOutcome: (outcome: Outcome | null) => void;
  /** Starts a job from this page and remembers what for; a refusal (busy, not found) is the caller's to show. */
  start: (what: Started, request: () => Promise<{ job: JobSummary }>) => Promise<void>;
  /** The console's job, live. */
  log: JobLog | null;
  /** Shows another job in the console (chosen from the last runs). */
  setShownJob: (job: JobSummary) => void;
  /** The console's job as the last runs describe it (in the language shown now), once they have caught up with it. */
  shownSummary: JobSummary | null;
  consoleRef: RefObject<HTMLElement | null>;
  /** A job of the app runs: the page's buttons wait. */
  running: boolean;
}

/**
 * The job side of a page that starts an app's jobs (Backups, Snapshots, Updates): the
 * page's data and the app's (with its last runs), the console following the right job —
 * one still running when the page opens, one this page starts, one that starts anywhere
 * else (the scheduler, the CLI, another browser) — and the outcome said at the top once
 * a job started here ends. How each end is told is the page's (`onEnded`).
 */
export function usePageJobs<Overview, Started>(options: PageJobsOptions<Overview, Started>): PageJobs<Overview, Started> {
  const { appId } = options;
  const handlers = useRef(options);
  useEffect(() => {
    handlers.current = options;
  });

  const overview = useApiData(options.overviewKey, options.loadOverview);
  const app = useApiData(`app:${appId}`, (request) => api.app(appId, request));
  const reloadOverview = overview.reload;
  const reloadApp = app.reload;
  const reloadAll = useCallback(() => {
    reloadOverview();
    reloadApp();
  }, [reloadOverview, reloadApp]);

  const [shownJob, setShownJob] = useState<JobSummary | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const newestJobId = useRef(0);
  const attached = useRef(false);
  const startedHere = useRef(new Map<number, Started>());
  /**
   * Jobs being started from this page, their answer not in yet. Meanwhile the feed and
   * reloads do not take the console: a job that fails at once (a missing destination)
   * could reach the page as already ended, and its end would then not be told here.
   */
  const starting = useRef(0);
  const consoleRef = useRef<HTMLElement>(null);

  // First load: follow a job that still runs (a reload of the page, the scheduler, the CLI),
  // unless the page shows another one (onFirstLoad). Later loads: any newer job of the app.
  const detail = app.data;
  useEffect(() => {
    if (!detail) return;
    const latest = detail.lastRuns[0];
    const isNewer = latest !== undefined && latest.id > newestJobId.current;
    if (starting.current === 0) for (const run of detail.lastRuns) newestJobId.current = Math.max(newestJobId.current, run.id);
    const firstLoad = !attached.current;
    attached.current = true;
    if (firstLoad) {
      const instead = handlers.current.onFirstLoad?.(detail.lastRuns) ?? null;
      if (instead) {
        setShownJob(instead);
        return;
      }
    }
    if (latest && (firstLoad ? latest.status === 'running' : isNewer && starting.current === 0)) setShownJob(latest);
  }, [detail]);

  const onJobEnded = useCallback(
    (job: JobSummary) => {
      reloadAll();
      handlers.current.onEnded(job, startedHere.current.get(job.id));
    },
    [reloadAll],
  );
  const log = useJobLog(shownJob, onJobEnded);

  // A job of the app that starts anywhere takes the console.
  const onFeedJob = useCallback(
    (job: JobSummary) => {
      if (job.appId !== appId) return;
      if (job.id > newestJobId.current && starting.current === 0) {
        newestJobId.current = job.id;
        setShownJob(job);
      }
      if (job.status !== 'running') reloadAll();
    },
    [appId, reloadAll],
  );
  useJobFeed(onFeedJob, reloadAll);

  const start = useCallback(async (what: Started, request: () => Promise<{ job: JobSummary }>) => {
    setOutcome(null);
    starting.current += 1;
    try {
      const { job } = await request();
      startedHere.current.set(job.id, what);
      // Shown as the answer describes it (running): its end is then followed and told.
      newestJobId.current = Math.max(newestJobId.current, job.id);
      setShownJob(job);
      consoleRef.current?.scrollIntoView?.({ block: 'nearest' });
    } finally {
      starting.current -= 1;
    }
  }, []);

  const running = log?.job.status === 'running' || Boolean(detail?.lastRuns.some((run) => run.status === 'running'));
  const shownSummary = log ? (detail?.lastRuns.find((run) => run.id === log.job.id && run.status === log.job.status) ?? log.job) : null;

  return { overview, detail, reloadAll, outcome, setOutcome, start, log, setShownJob, shownSummary, consoleRef, running };
}
