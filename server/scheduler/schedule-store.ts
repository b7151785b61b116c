import type { Db } from '../store/database.js';
import type { TaskRecord } from './plan.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'skipped' | 'interrupted';
export type RunReason = 'scheduled' | 'catch-up';

interface ScheduleRow {
  task_id: string;
  cron: string | null;
  zone: string;
  since: string;
  last_slot_at: string | null;
  last_reason: RunReason | null;
  last_started_at: string | null;
  last_finished_at: string | null;
  last_status: RunStatus | null;
  last_job_id: number | null;
  last_error_code: string | null;
}

export interface ScheduleEntry extends TaskRecord {
  taskId: string;
  lastSlotAt: number | null;
  lastReason: RunReason | null;
  lastStatus: RunStatus | null;
  lastJobId: number | null;
  lastErrorCode: string | null;
}

const iso = (ms: number) => new Date(ms).toISOString();
const ms = (text: string | null) => (text === null ? null : Date.parse(text));

function entry(row: ScheduleRow): ScheduleEntry {
  return {
    taskId: row.task_id,
    cron: row.cron,
    zone: row.zone,
    since: Date.parse(row.since),
    lastSlotAt: ms(row.last_slot_at),
    lastReason: row.last_reason,
    lastStartedAt: ms(row.last_started_at),
    lastFinishedAt: ms(row.last_finished_at),
    lastStatus: row.last_status,
    lastJobId: row.last_job_id,
    lastErrorCode: row.last_error_code,
  };
}

/** The `schedules` table (migration 4): what the scheduler remembers across restarts. */
export function createScheduleStore(db: Db) {
  const select = db.prepare<[string], ScheduleRow>('SELECT * FROM schedules WHERE task_id = ?');
  const insert = db.prepare<[string, string | null, string, string]>('INSERT INTO schedules (task_id, cron, zone, since) VALUES (?, ?, ?, ?)');
  const retime = db.prepare<[string | null, string, string, string]>('UPDATE schedules SET cron = ?, zone = ?, since = ? WHERE task_id = ?');
  // Times after "now" were written under a clock that was ahead; they are forgotten.
  const clockBack = db.prepare<{ now: string; task: string }>(
    `UPDATE schedules SET since = :now,
       last_slot_at = CASE WHEN last_slot_at > :now THEN NULL ELSE last_slot_at END,
       last_started_at = CASE WHEN last_started_at > :now THEN NULL ELSE last_started_at END,
       last_finished_at = CASE WHEN last_finished_at > :now THEN NULL ELSE last_finished_at END
     WHERE task_id = :task`,
  );
  const started = db.prepare<[string, string, RunReason, string]>(
    "UPDATE schedules SET last_started_at = ?, last_slot_at = ?, last_reason = ?, last_status = 'running', last_finished_at = NULL, last_job_id = NULL, last_error_code = NULL WHERE task_id = ?",
  );
  const finished = db.prepare<[string, RunStatus, number | null, string | null, string]>(
    'UPDATE schedules SET last_finished_at = ?, last_status = ?, last_job_id = COALESCE(?, last_job_id), last_error_code = ? WHERE task_id = ?',
  );
  const job = db.prepare<[number, string]>('UPDATE schedules SET last_job_id = ? WHERE task_id = ?');
  // The finish time stays empty: the runs missed after it are still owed.
  const interrupt = db.prepare("UPDATE schedules SET last_status = 'interrupted' WHERE last_status = 'running'");

  return {
    get(taskId: string): ScheduleEntry | undefined {
      const row = select.get(taskId);
      return row ? entry(row) : undefined;
    },

    /**
     * Makes the row count from `now` when the task is new, when its expression or zone
     * changed (a schedule changed at noon does not owe that morning's run), or when it
     * holds times later than now (the clock was set back: a board without a battery-backed
     * clock that booted with a wrong date, then NTP corrected it).
     */
    sync(taskId: string, cron: string | null, zone: string, now: number): ScheduleEntry & { retimed: 'new' | 'changed' | 'clock' | null } {
      const row = select.get(taskId);
      let retimed: 'new' | 'changed' | 'clock' | null = null;
      if (!row) retimed = 'new';
      else if (row.cron !== cron || row.zone !== zone) retimed = 'changed';
      else if ([row.since, row.last_started_at, row.last_finished_at].some((time) => time !== null && Date.parse(time) > now)) retimed = 'clock';
      if (retimed === 'new') insert.run(taskId, cron, zone, iso(now));
      else if (retimed === 'changed') retime.run(cron, zone, iso(now), taskId);
      else if (retimed === 'clock') clockBack.run({ now: iso(now), task: taskId });
      return { ...entry(retimed ? select.get(taskId)! : row!), retimed };
    },

    started(taskId: string, at: number, slot: number, reason: RunReason): void {
      started.run(iso(at), iso(slot), reason, taskId);
    },

    finished(taskId: string, at: number, status: Exclude<RunStatus, 'running' | 'interrupted'>, jobId: number | null, errorCode: string | null): void {
      finished.run(iso(at), status, jobId, errorCode, taskId);
    },

    /** The job a running task started, as soon as it exists (the panel links to its live log). */
    job(taskId: string, jobId: number): void {
      job.run(jobId, taskId);
    },

    /** At daemon start: a run still "running" belonged to a process that is gone. */
    interruptRunning(): number {
      return interrupt.run().changes;
    },
  };
}

export type ScheduleStore = ReturnType<typeof createScheduleStore>;
