import type { RunOptions, RunResult } from '../system/index.js';

/**
 * Why a snapshot was taken. `pre-rollback` is made by a rollback itself: the state it
 * replaced, so that a rollback can be undone by rolling back to it.
 */
export const snapshotReasons = ['manual', 'scheduled', 'pre-update', 'pre-restore', 'pre-rollback'] as const;
export type SnapshotReason = (typeof snapshotReasons)[number];
/** What a caller may ask for. */
export type RequestedReason = Exclude<SnapshotReason, 'pre-rollback'>;
export const requestedReasons: readonly RequestedReason[] = ['manual', 'scheduled', 'pre-update', 'pre-restore'];

export type DriverName = 'btrfs' | 'copy';

/** snapshot.json, next to the snapshot's state: the list survives a rollback of the database. */
export interface SnapshotMeta {
  formatVersion: 1;
  id: string;
  label: string;
  reason: SnapshotReason;
  createdAt: string;
  driver: DriverName;
  /** Bytes the snapshot holds by itself; null when not known (a Btrfs snapshot shares unchanged data with the live state). */
  sizeBytes: number | null;
  appVersion: string;
  /** The database's schema version (user_version) in the snapshot. */
  schemaVersion: number;
  /** The job that made it; null for the pre-rollback snapshot a start makes. */
  jobId: number | null;
  /** pre-rollback: the snapshot that was rolled back to. */
  rolledBackTo?: string;
}

export interface CreateRequest {
  /** Free text, at most 80 characters, no control characters. */
  label?: string;
  reason: RequestedReason;
}

/**
 * Runs a program (argv array) and throws when it fails. In a job it is job.run, so the
 * command and its output are in the job's log.
 */
export type Exec = (argv: readonly string[], options?: RunOptions) => Promise<RunResult>;

/** The live database, for a consistent copy of it. */
export interface DatabaseAccess {
  /** PRAGMA wal_checkpoint(TRUNCATE): every committed page in the main file, the WAL emptied. */
  checkpoint(): void;
  /** SQLite's online backup API into `file`: one consistent moment, while others keep writing. */
  copyTo(file: string): Promise<void>;
}

/** A rollback waiting for the restart, or half done: $SNAPSHOTS/rollback.json. */
export interface RollbackJournal {
  /** staged: the staging is complete, nothing live changed. swapping: the swap began; the next start finishes it. */
  phase: 'staged' | 'swapping';
  snapshotId: string;
  /** The id the replaced state will have as a pre-rollback snapshot. */
  preRollbackId: string;
  /** The driver of the live state (it seals the replaced state). */
  driver: DriverName;
  stagedAt: string;
  jobId: number | null;
}
