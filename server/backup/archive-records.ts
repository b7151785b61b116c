import type { Db } from '../store/database.js';

/** What Hearth knows of an archive beyond its file: contents, and whether it was verified. */
export interface ArchiveRecord {
  destination: string;
  name: string;
  size: number;
  createdAt: string;
  data: boolean;
  encrypted: boolean;
  compression: string;
  entries: number;
  bytes: number;
  jobId: number | null;
  verifiedAt: string | null;
  verifyOk: boolean | null;
  verifyError: string | null;
}

interface Row {
  destination: string;
  name: string;
  size: number;
  created_at: string;
  data: number;
  encrypted: number;
  compression: string;
  entries: number;
  bytes: number;
  job_id: number | null;
  verified_at: string | null;
  verify_ok: number | null;
  verify_error: string | null;
}

const toRecord = (row: Row): ArchiveRecord => ({
  destination: row.destination,
  name: row.name,
  size: row.size,
  createdAt: row.created_at,
  data: row.data === 1,
  encrypted: row.encrypted === 1,
  compression: row.compression,
  entries: row.entries,
  bytes: row.bytes,
  jobId: row.job_id,
  verifiedAt: row.verified_at,
  verifyOk: row.verify_ok === null ? null : row.verify_ok === 1,
  verifyError: row.verify_error,
});

export function createArchiveRecords(db: Db) {
  const upsert = db.prepare(
    `INSERT INTO backup_archives (destination, name, size, created_at, data, encrypted, compression, entries, bytes, job_id, verified_at, verify_ok, verify_error)
     VALUES (@destination, @name, @size, @created_at, @data, @encrypted, @compression, @entries, @bytes, @job_id, @verified_at, @verify_ok, @verify_error)
     ON CONFLICT(destination, name) DO UPDATE SET size = excluded.size, created_at = excluded.created_at, data = excluded.data,
       encrypted = excluded.encrypted, compression = excluded.compression, entries = excluded.entries, bytes = excluded.bytes,
       job_id = excluded.job_id, verified_at = excluded.verified_at, verify_ok = excluded.verify_ok, verify_error = excluded.verify_error`,
  );
  const select = db.prepare<[string, string], Row>('SELECT * FROM backup_archives WHERE destination = ? AND name = ?');
  const forDestination = db.prepare<[string], Row>('SELECT * FROM backup_archives WHERE destination = ? ORDER BY created_at DESC');
  const setVerified = db.prepare('UPDATE backup_archives SET verified_at = ?, verify_ok = ?, verify_error = ? WHERE destination = ? AND name = ?');
  const remove = db.prepare('DELETE FROM backup_archives WHERE destination = ? AND name = ?');
  const lastGood = db.prepare<[], { created_at: string }>('SELECT created_at FROM backup_archives WHERE verify_ok = 1 ORDER BY created_at DESC LIMIT 1');

  return {
    save(record: ArchiveRecord): void {
      upsert.run({
        destination: record.destination,
        name: record.name,
        size: record.size,
        created_at: record.createdAt,
        data: record.data ? 1 : 0,
        encrypted: record.encrypted ? 1 : 0,
        compression: record.compression,
        entries: record.entries,
        bytes: record.bytes,
        job_id: record.jobId,
        verified_at: record.verifiedAt,
        verify_ok: record.verifyOk === null ? null : record.verifyOk ? 1 : 0,
        verify_error: record.verifyError,
      });
    },
    get(destination: string, name: string): ArchiveRecord | undefined {
      const row = select.get(destination, name);
      return row ? toRecord(row) : undefined;
    },
    forDestination(destination: string): ArchiveRecord[] {
      return forDestination.all(destination).map(toRecord);
    },
    markVerified(destination: string, name: string, at: string, ok: boolean, error: string | null): void {
      setVerified.run(at, ok ? 1 : 0, error, destination, name);
    },
    remove(destination: string, name: string): void {
      remove.run(destination, name);
    },
    /** When the newest backup that was written and verified was made: what "no backup for N days" is measured from. */
    lastGoodBackupAt(): string | undefined {
      return lastGood.get()?.created_at;
    },
  };
}

export type ArchiveRecords = ReturnType<typeof createArchiveRecords>;
