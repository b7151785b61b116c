import type { ErrorParams } from '../errors.js';
import type { Db } from '../store/database.js';

export type JobStatus = 'running' | 'succeeded' | 'failed' | 'interrupted';
export type LogStream = 'out' | 'err' | 'info';

export interface JobProgress {
  /** What the job is doing: 'scan', 'write', 'verify', 'extract' … */
  phase: string;
  done: number;
  total: number;
  unit: 'bytes' | 'entries';
}

export interface JobRecord {
  id: number;
  appId: string;
  /** 'apply' for configuring apps, 'run' for one-shot ones, or an app's own action such as 'send-test'. */
  action: string;
  /** "panel:admin", "cli:root", "scheduler" */
  startedBy: string;
  /** The parameters, secrets replaced by "••••". */
  params: Record<string, unknown>;
  status: JobStatus;
  errorCode: string | null;
  errorParams: ErrorParams | null;
  language: string;
  pid: number;
  pidStart: string | null;
  startedAt: string;
  endedAt: string | null;
  progress: JobProgress | null;
}

export interface LogLine {
  seq: number;
  at: string;
  stream: LogStream;
  text: string;
}

interface JobRow {
  id: number;
  app_id: string;
  action: string;
  started_by: string;
  params: string;
  status: JobStatus;
  error_code: string | null;
  error_params: string | null;
  language: string;
  pid: number;
  pid_start: string | null;
  started_at: string;
  ended_at: string | null;
  progress: string | null;
}

function toRecord(row: JobRow): JobRecord {
  return {
    id: row.id,
    appId: row.app_id,
    action: row.action,
    startedBy: row.started_by,
    params: JSON.parse(row.params),
    status: row.status,
    errorCode: row.error_code,
    errorParams: row.error_params ? JSON.parse(row.error_params) : null,
    language: row.language,
    pid: row.pid,
    pidStart: row.pid_start,
    startedAt: row.started_at,
    endedAt: row.ended_at,
    progress: row.progress ? JSON.parse(row.progress) : null,
  };
}

/** Jobs and their logs in SQLite: shared by the daemon and CLI processes. */
export function createJobStore(db: Db) {
  const insertJob = db.prepare(
    `INSERT INTO jobs (app_id, action, started_by, params, status, language, pid, pid_start, started_at)
     VALUES (?, ?, ?, ?, 'running', ?, ?, ?, ?)`,
  );
  const selectJob = db.prepare<[number], JobRow>('SELECT * FROM jobs WHERE id = ?');
  const finishJob = db.prepare(
    "UPDATE jobs SET status = ?, error_code = ?, error_params = ?, ended_at = ? WHERE id = ? AND status = 'running'",
  );
  const setProgress = db.prepare('UPDATE jobs SET progress = ? WHERE id = ?');
  const recent = db.prepare<[number], JobRow>('SELECT * FROM jobs ORDER BY id DESC LIMIT ?');
  const recentForApp = db.prepare<[string, number], JobRow>('SELECT * FROM jobs WHERE app_id = ? ORDER BY id DESC LIMIT ?');
  const running = db.prepare<[], JobRow>("SELECT * FROM jobs WHERE status = 'running' ORDER BY id");
  const insertLine = db.prepare('INSERT INTO job_log (job_id, seq, at, stream, text) VALUES (?, ?, ?, ?, ?)');
  const linesAfter = db.prepare<[number, number], LogLine>('SELECT seq, at, stream, text FROM job_log WHERE job_id = ? AND seq > ? ORDER BY seq');
  const lastSeq = db.prepare<[number], { seq: number | null }>('SELECT MAX(seq) AS seq FROM job_log WHERE job_id = ?');
  const prune = db.prepare(
    "DELETE FROM jobs WHERE status != 'running' AND id NOT IN (SELECT id FROM jobs ORDER BY id DESC LIMIT ?)",
  );

  const appendLines = db.transaction((jobId: number, lines: LogLine[]) => {
    for (const line of lines) insertLine.run(jobId, line.seq, line.at, line.stream, line.text);
  });

  return {
    create(job: Pick<JobRecord, 'appId' | 'action' | 'startedBy' | 'params' | 'language' | 'pid' | 'pidStart' | 'startedAt'>): number {
      const { lastInsertRowid } = insertJob.run(
        job.appId,
        job.action,
        job.startedBy,
        JSON.stringify(job.params),
        job.language,
        job.pid,
        job.pidStart,
        job.startedAt,
      );
      return Number(lastInsertRowid);
    },
    get(id: number): JobRecord | undefined {
      const row = selectJob.get(id);
      return row ? toRecord(row) : undefined;
    },
    /** Ends a running job; a job already ended (e.g. marked interrupted meanwhile) is left alone. */
    finish(id: number, status: Exclude<JobStatus, 'running'>, endedAt: string, error?: { code: string; params: ErrorParams }): boolean {
      return finishJob.run(status, error?.code ?? null, error ? JSON.stringify(error.params) : null, endedAt, id).changes > 0;
    },
    setProgress(id: number, progress: JobProgress): void {
      setProgress.run(JSON.stringify(progress), id);
    },
    recent(limit: number, appId?: string): JobRecord[] {
      return (appId ? recentForApp.all(appId, limit) : recent.all(limit)).map(toRecord);
    },
    running(): JobRecord[] {
      return running.all().map(toRecord);
    },
    appendLines(jobId: number, lines: LogLine[]): void {
      if (lines.length) appendLines(jobId, lines);
    },
    linesAfter(jobId: number, seq: number): LogLine[] {
      return linesAfter.all(jobId, seq);
    },
    lastSeq(jobId: number): number {
      return lastSeq.get(jobId)?.seq ?? 0;
    },
    /** Keeps the newest `keep` jobs (and every running one). */
    prune(keep: number): number {
      return prune.run(keep).changes;
    },
  };
}

export type JobStore = ReturnType<typeof createJobStore>;
