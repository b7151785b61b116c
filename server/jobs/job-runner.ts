import { HearthError, isHearthError, type ErrorParams } from '../errors.js';
import { translator } from '../i18n.js';
import type { Db } from '../store/database.js';
import type { SettingsStore } from '../store/settings.js';
import type { System } from '../system/index.js';
import { isProcessAlive, processStartTime } from '../system/process-identity.js';
import { ProgramNotFoundError } from '../system/run-program.js';
import { displayCommand, type JobContext } from './job-context.js';
import type { JobProgress, JobRecord, JobStore, LogLine, LogStream } from './job-store.js';
import type { Locks } from './locks.js';

export interface JobRequest {
  appId: string;
  action: string;
  startedBy: string;
  /** Already redacted: secrets never reach the jobs table. */
  params: Record<string, unknown>;
  language: string;
  locks: readonly string[];
}

/** Log lines are written in small batches: one commit per line would cost an fsync each. */
const flushDelayMs = 100;
const flushLines = 200;
const progressIntervalMs = 250;

/**
 * Runs work as a job: a row in `jobs` created together with its locks (so a second
 * run is refused before anything happens), a live log in `job_log`, and an outcome.
 * Whoever started it — panel, CLI or scheduler — and whoever follows it see the
 * same rows.
 */
export function createJobRunner(deps: { db: Db; jobs: JobStore; locks: Locks; system: System; settings: SettingsStore; now: () => number }) {
  const { db, jobs, locks, system, settings, now } = deps;
  const pid = process.pid;
  const pidStart = processStartTime(pid) ?? null;
  const iso = () => new Date(now()).toISOString();

  const inFlight = new Set<Promise<JobRecord>>();

  const createWithLocks = db.transaction((request: JobRequest, at: string) => {
    const id = jobs.create({ ...request, pid, pidStart, startedAt: at });
    locks.acquireAll(request.locks, { jobId: id, pid, pidStart, at });
    return id;
  });

  function logWriter(jobId: number) {
    let seq = 0;
    let pending: LogLine[] = [];
    let timer: NodeJS.Timeout | undefined;
    const partial: Record<LogStream, string> = { out: '', err: '', info: '' };
    const flush = () => {
      if (timer) clearTimeout(timer);
      timer = undefined;
      const lines = pending;
      pending = [];
      jobs.appendLines(jobId, lines);
    };
    const push = (stream: LogStream, text: string) => {
      pending.push({ seq: ++seq, at: iso(), stream, text });
      if (pending.length >= flushLines) flush();
      else timer ??= setTimeout(flush, flushDelayMs);
    };
    return {
      /** Splits chunks into lines; a trailing partial line waits for the rest. */
      write(stream: LogStream, chunk: string) {
        const text = partial[stream] + chunk;
        const lines = text.split(/\r?\n/);
        partial[stream] = lines.pop() ?? '';
        for (const line of lines) push(stream, line);
      },
      line(stream: LogStream, text: string) {
        for (const line of text.split(/\r?\n/)) push(stream, line);
      },
      /** Writes out what is buffered, partial lines included (a program has ended). */
      flushAll() {
        for (const stream of ['out', 'err', 'info'] as const) {
          if (partial[stream]) push(stream, partial[stream]);
          partial[stream] = '';
        }
        flush();
      },
    };
  }

  return {
    /**
     * Starts a job. Throws HEARTH_ERR_BUSY (and creates nothing) when a lock is held.
     * `done` settles with the finished record; it never rejects.
     */
    start(request: JobRequest, work: (job: JobContext) => Promise<void>): { id: number; done: Promise<JobRecord> } {
      const id = createWithLocks.immediate(request, iso());
      jobs.prune(settings.get('jobs.historyLimit'));
      const log = logWriter(id);
      const t = translator(request.language);
      let lastProgressAt = -Infinity;
      let pendingProgress: JobProgress | undefined;
      const writeProgress = () => {
        if (pendingProgress) jobs.setProgress(id, pendingProgress);
        pendingProgress = undefined;
        lastProgressAt = now();
      };
      const context: JobContext = {
        id,
        system,
        t,
        info: (text) => log.line('info', text),
        progress(progress) {
          pendingProgress = progress;
          // Each write is a commit: a few a second is live enough, and the last one always lands.
          if (now() - lastProgressAt >= progressIntervalMs || progress.done >= progress.total) writeProgress();
        },
        output: (stream, text) => log.line(stream, text),
        flushLog: () => log.flushAll(),
        async run(argv, options = {}) {
          log.line('info', `$ ${displayCommand(argv)}`);
          let result;
          try {
            result = await system.run(argv, { ...options, onOutput: (stream, chunk) => log.write(stream, chunk) });
          } catch (error) {
            if (error instanceof ProgramNotFoundError) throw new HearthError('HEARTH_ERR_PROGRAM_NOT_FOUND', { program: error.program }, { cause: error });
            throw error;
          }
          // Simulated programs have no live output: log what they answered.
          if (result.simulated) {
            if (result.stdout) log.write('out', result.stdout);
            if (result.stderr) log.write('err', result.stderr);
          }
          log.flushAll();
          if (result.code !== 0 && !options.allowFailure) {
            throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: argv[0] ?? '', code: result.code ?? (result.signal ?? 'signal') });
          }
          return result;
        },
      };

      const done = (async (): Promise<JobRecord> => {
        let outcome: { status: 'succeeded' | 'failed'; error?: { code: string; params: ErrorParams } };
        try {
          await work(context);
          outcome = { status: 'succeeded' };
        } catch (error) {
          const failure = isHearthError(error) ? error : new HearthError('HEARTH_ERR_INTERNAL', {}, { cause: error });
          if (!isHearthError(error)) log.line('err', (error as Error)?.stack ?? String(error));
          log.line('err', t(`errors:${failure.code}`, failure.params));
          outcome = { status: 'failed', error: { code: failure.code, params: failure.params } };
        }
        log.flushAll();
        writeProgress();
        db.transaction(() => {
          jobs.finish(id, outcome.status, iso(), outcome.error);
          locks.releaseAll(id);
        }).immediate();
        return jobs.get(id)!;
      })();
      inFlight.add(done);
      void done.finally(() => inFlight.delete(done));
      return { id, done };
    },

    /** Resolves when every job this process started has ended (before closing the database). */
    async idle(): Promise<void> {
      while (inFlight.size) await Promise.all(inFlight);
    },

    /**
     * Jobs whose process died (a crash, a kill, a power cut) stay "running" in the
     * table; mark them interrupted and free their locks. Run at start and before lists.
     */
    reapInterrupted(): number {
      let reaped = 0;
      for (const job of jobs.running()) {
        if (job.pid === pid && job.pidStart === pidStart) continue;
        if (isProcessAlive(job.pid, job.pidStart)) continue;
        db.transaction(() => {
          if (jobs.finish(job.id, 'interrupted', iso(), { code: 'HEARTH_ERR_JOB_INTERRUPTED', params: {} })) reaped += 1;
          locks.releaseAll(job.id);
        }).immediate();
      }
      return reaped;
    },
  };
}

export type JobRunner = ReturnType<typeof createJobRunner>;
