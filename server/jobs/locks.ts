import { HearthError } from '../errors.js';
import type { Db } from '../store/database.js';
import { isProcessAlive } from '../system/process-identity.js';

/** Backup, restore, update, snapshot rollback and storage changes never overlap. */
export const maintenanceLock = 'maintenance';
/** One app never runs twice at once. */
export const appLock = (appId: string) => `app:${appId}`;

interface LockRow {
  name: string;
  job_id: number;
  pid: number;
  pid_start: string | null;
  acquired_at: string;
  app_id: string | null;
}

/**
 * Leases in SQLite, taken by the daemon, the CLI and the scheduler alike. A lease whose
 * holder process is gone (crashed, killed, power cut) is stale and taken over; the
 * holder's job is marked interrupted.
 */
export function createLocks(db: Db) {
  const select = db.prepare<[string], LockRow>(
    'SELECT l.*, j.app_id FROM locks l LEFT JOIN jobs j ON j.id = l.job_id WHERE l.name = ?',
  );
  const insert = db.prepare('INSERT INTO locks (name, job_id, pid, pid_start, acquired_at) VALUES (?, ?, ?, ?, ?)');
  const remove = db.prepare('DELETE FROM locks WHERE name = ?');
  const releaseJob = db.prepare('DELETE FROM locks WHERE job_id = ?');
  const interrupt = db.prepare(
    "UPDATE jobs SET status = 'interrupted', error_code = 'HEARTH_ERR_JOB_INTERRUPTED', ended_at = ? WHERE id = ? AND status = 'running'",
  );

  return {
    /**
     * Takes every named lock for the job, or none: call inside the transaction that
     * creates the job. Throws HEARTH_ERR_BUSY naming the holder.
     */
    acquireAll(names: readonly string[], holder: { jobId: number; pid: number; pidStart: string | null; at: string }): void {
      for (const name of names) {
        const held = select.get(name);
        if (held) {
          if (isProcessAlive(held.pid, held.pid_start)) {
            throw new HearthError('HEARTH_ERR_BUSY', { job: `${held.app_id ?? '?'} #${held.job_id}`, since: held.acquired_at });
          }
          remove.run(name);
          interrupt.run(holder.at, held.job_id);
        }
        insert.run(name, holder.jobId, holder.pid, holder.pidStart, holder.at);
      }
    },
    releaseAll(jobId: number): void {
      releaseJob.run(jobId);
    },
  };
}

export type Locks = ReturnType<typeof createLocks>;
