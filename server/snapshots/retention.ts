import type { SnapshotMeta, SnapshotReason } from './types.js';

export interface RetentionPolicy {
  /** Daily snapshots kept (newest first). */
  scheduled: number;
  /** Of each kind of safety snapshot (pre-update, pre-restore, pre-rollback), the newest kept. */
  safety: number;
}

/** Kinds retention looks after; manual snapshots are the owner's, never deleted automatically. */
const kept: Partial<Record<SnapshotReason, keyof RetentionPolicy>> = {
  scheduled: 'scheduled',
  'pre-update': 'safety',
  'pre-restore': 'safety',
  'pre-rollback': 'safety',
};

/** The snapshots retention deletes: beyond the newest N of their kind, never a protected one (a waiting rollback's). */
export function retentionVictims(snapshots: readonly SnapshotMeta[], policy: RetentionPolicy, protectedIds: ReadonlySet<string> = new Set()): SnapshotMeta[] {
  const newestFirst = [...snapshots].sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
  const seen = new Map<SnapshotReason, number>();
  const victims: SnapshotMeta[] = [];
  for (const snapshot of newestFirst) {
    const rule = kept[snapshot.reason];
    if (!rule) continue;
    const count = (seen.get(snapshot.reason) ?? 0) + 1;
    seen.set(snapshot.reason, count);
    if (count > policy[rule] && !protectedIds.has(snapshot.id)) victims.push(snapshot);
  }
  return victims;
}
