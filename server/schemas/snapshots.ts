import { Type, type Static } from 'typebox';

/** GET /api/snapshots (server/routes/snapshots.ts): the snapshots of the state and how they are made here. */
export const SnapshotListing = Type.Object({
  id: Type.String(),
  label: Type.String(),
  reason: Type.Union([Type.Literal('manual'), Type.Literal('scheduled'), Type.Literal('pre-update'), Type.Literal('pre-restore'), Type.Literal('pre-rollback')]),
  createdAt: Type.String(),
  driver: Type.Union([Type.Literal('btrfs'), Type.Literal('copy')]),
  /** null: not known (a Btrfs snapshot shares unchanged data with the live state). */
  sizeBytes: Type.Union([Type.Number(), Type.Null()]),
  appVersion: Type.String(),
  schemaVersion: Type.Integer(),
  jobId: Type.Union([Type.Integer(), Type.Null()]),
  /** pre-rollback: the snapshot that was rolled back to. */
  rolledBackTo: Type.Optional(Type.String()),
  /** A rollback to it is staged and waits for the restart. */
  rollbackPending: Type.Boolean(),
});
export type SnapshotListing = Static<typeof SnapshotListing>;

export const SnapshotStatus = Type.Object({
  driver: Type.Union([Type.Literal('btrfs'), Type.Literal('copy')]),
  fileSystem: Type.String(),
  /** On Btrfs, but the state folder is not a subvolume: snapshots are copies. */
  notSubvolume: Type.Boolean(),
  pendingRollback: Type.Union([
    Type.Null(),
    Type.Object({ snapshotId: Type.String(), preRollbackId: Type.String(), stagedAt: Type.String(), phase: Type.Union([Type.Literal('staged'), Type.Literal('swapping')]) }),
  ]),
  settings: Type.Object({ autoSnapshot: Type.Boolean(), snapshotTime: Type.String(), keepScheduled: Type.Integer(), keepPreUpdate: Type.Integer() }),
});
export type SnapshotStatus = Static<typeof SnapshotStatus>;
