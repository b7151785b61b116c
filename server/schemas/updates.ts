import { Type, type Static, type TSchema } from 'typebox';

/*
 * The Updates page's API (server/routes/updates.ts): everything in the language of the
 * request — release notes, reasons, errors — with the codes beside the texts for scripts.
 */

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

export const Problem = Type.Object({ code: Type.String(), message: Type.String() });

export const ReleaseInfo = Type.Object({
  version: Type.String(),
  publishedAt: Type.String(),
  breaking: Type.Boolean(),
  /** In the request's language (else the same base language, else English). */
  notes: Type.String(),
});

export const HeldBackInfo = Type.Object({
  ...ReleaseInfo.properties,
  /** soak, cohort, breaking */
  reason: Type.String(),
  /** soak: when it may be installed unattended. */
  until: Nullable(Type.String()),
  message: Type.String(),
});

export const Blocker = Type.Object({
  /** clock-not-synced, paused-after-failure, backup-failed, no-fresh-backup */
  reason: Type.String(),
  message: Type.String(),
  /** paused-after-failure: the release that failed. */
  version: Nullable(Type.String()),
  /** When it failed (paused-after-failure, backup-failed), or since when no safe point (no-fresh-backup). */
  at: Nullable(Type.String()),
});

export const CheckInfo = Type.Object({
  at: Type.String(),
  channel: Type.Object({ kind: Type.String(), url: Nullable(Type.String()) }),
  error: Nullable(Problem),
  latest: Nullable(ReleaseInfo),
  available: Nullable(Type.Object({ ...ReleaseInfo.properties, size: Type.Number(), intermediate: Type.Boolean(), bad: Type.Boolean() })),
  /** Why nothing can be installed (up-to-date, held-back, downgrade-refused …), with its text. */
  reason: Nullable(Type.String()),
  reasonText: Nullable(Type.String()),
  unattended: Type.Object({ version: Nullable(Type.String()), heldBack: Type.Array(HeldBackInfo) }),
});

export const RunInfo = Type.Object({
  at: Type.String(),
  outcome: Type.String(),
  message: Type.String(),
  version: Nullable(Type.String()),
  jobId: Nullable(Type.Integer()),
  snapshotId: Nullable(Type.String()),
  os: Nullable(Type.Object({ jobId: Nullable(Type.Integer()), status: Type.String(), upgraded: Type.Integer(), rebootRequired: Type.Boolean() })),
});

export const HistoryInfo = Type.Object({
  id: Type.String(),
  from: Type.String(),
  to: Nullable(Type.String()),
  /** updated, failed, rolled-back, interrupted */
  result: Type.String(),
  phase: Nullable(Type.String()),
  phaseText: Nullable(Type.String()),
  error: Nullable(Problem),
  /** The underlying message (a migration's SQL error), untranslated. */
  detail: Nullable(Type.String()),
  /** The captured output of the failed start of a rolled-back release. */
  log: Nullable(Type.String()),
  snapshotId: Nullable(Type.String()),
  startedAt: Type.String(),
  endedAt: Type.String(),
});

export const UpdatesOverview = Type.Object({
  current: Type.String(),
  /** Installed as releases under /opt/hearth: only then can the box update itself. */
  installed: Type.Boolean(),
  inProgress: Nullable(Type.Object({ from: Type.String(), to: Nullable(Type.String()), phase: Type.String(), phaseText: Type.String(), startedAt: Type.String(), jobId: Nullable(Type.Integer()) })),
  autoUpdate: Type.Boolean(),
  channel: Type.Object({ kind: Type.String(), url: Nullable(Type.String()) }),
  policy: Type.Object({ soakHours: Type.Integer(), canary: Type.Boolean(), requireFreshBackup: Type.Boolean(), pauseAfterFailure: Type.Boolean() }),
  osPackages: Type.Boolean(),
  checkEveryHours: Type.Integer(),
  cohort: Type.Integer(),
  clockSynced: Type.Boolean(),
  lastSafePointAt: Nullable(Type.String()),
  /** No safe point yet in this window: the next unattended update takes a snapshot first. */
  snapshotFirst: Type.Boolean(),
  window: Type.Object({ start: Type.String(), hours: Type.Integer(), open: Type.Boolean(), nextOpening: Type.String() }),
  nextRunAt: Nullable(Type.String()),
  nextCheckAt: Nullable(Type.String()),
  lastCheck: Nullable(CheckInfo),
  lastRun: Nullable(RunInfo),
  /** Why an unattended update would not run now. */
  blocker: Nullable(Blocker),
  /** A failed or rolled-back update waiting for the owner's acknowledgement. */
  paused: Nullable(Type.Object({ version: Type.String(), at: Type.String() })),
  history: Type.Array(HistoryInfo),
});

export const StartUpdate = Type.Object(
  {
    /** A release of the channel the owner chose (default: the newest allowed). */
    version: Type.Optional(Type.String({ pattern: '^\\d+\\.\\d+\\.\\d+(-[0-9A-Za-z.-]+)?$', maxLength: 64 })),
    /** The owner's yes to a release that changes how the box works. */
    allowBreaking: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

export type UpdatesOverview = Static<typeof UpdatesOverview>;
export type CheckInfo = Static<typeof CheckInfo>;
export type HistoryInfo = Static<typeof HistoryInfo>;
export type HeldBackInfo = Static<typeof HeldBackInfo>;
export type StartUpdate = Static<typeof StartUpdate>;
