import type { ChooseOptions } from './channel.js';
import type { HistoryEntry, UpdatePhase } from './journal.js';
import type { Release } from './manifest.js';

/*
 * When may the box update itself without the owner? No peer appliance combines these
 * guards; each is a setting with a safe default (docs/operations.md, "Update policy"):
 *
 * - soak time: a release must be `soakHours` old (from its publishedAt) — the first
 *   boxes to meet a bad release are the ones whose owners asked to be first (canary);
 * - staged rollout: the manifest lists the cohorts (0–99) a release is open to, and
 *   each box drew its cohort once;
 * - breaking releases are never crossed unattended (chooseRelease holds them back);
 * - only after a fresh good backup or snapshot, made since the window opened;
 * - pause after a failure: a failed or rolled-back update stops unattended updates
 *   until the owner acknowledges it — no loop of the same failure every night;
 * - time-based rules wait for a synchronized clock: a board without a battery boots in
 *   1970 and would think every release is decades old. Signatures never look at the
 *   clock (channel.ts), only this policy does.
 *
 * The maintenance window itself and "never during a backup or restore" are the
 * scheduler's and the maintenance lock's (server/scheduler, server/jobs/locks.ts).
 */

export interface UpdatePolicy {
  /** Hours a release must have been published before it is installed unattended. */
  soakHours: number;
  /** Take releases as soon as they are open to anyone: no soak time, no cohort. */
  canary: boolean;
  /** Unattended updates only after a backup or snapshot succeeded in the same window. */
  requireFreshBackup: boolean;
  /** After a failed or rolled-back update, no unattended update until the owner acknowledges it. */
  pauseAfterFailure: boolean;
}

export const defaultUpdatePolicy: UpdatePolicy = { soakHours: 24, canary: false, requireFreshBackup: true, pauseAfterFailure: true };

export interface UnattendedFacts {
  now: number;
  /** The system clock is synchronized (NTP); time-based rules wait for it. */
  clockSynced: boolean;
  /** The box's cohort, drawn once (0–99). */
  cohort: number;
  /** A failed or rolled-back update the owner has not acknowledged yet. */
  unacknowledgedFailure: { version: string; at: string } | null;
  /** When the current maintenance window opened (ms). */
  windowOpenedAt: number;
  /** The newest verified backup or snapshot (ISO time), or null. */
  lastSafePointAt: string | null;
  /**
   * The newest backup of this window failed (ISO time of its end), or null. Something is
   * wrong with the backups: no update without the owner until a backup succeeds.
   */
  failedBackupAt?: string | null;
}

/** Why an unattended update does not run at all now; the Updates page says it (updates:policy.<reason>). */
export type UnattendedBlocker =
  | { reason: 'clock-not-synced' }
  | { reason: 'paused-after-failure'; version: string; at: string }
  | { reason: 'backup-failed'; at: string }
  | { reason: 'no-fresh-backup'; since: string };

export function unattendedBlocker(policy: UpdatePolicy, facts: UnattendedFacts): UnattendedBlocker | undefined {
  if (policy.pauseAfterFailure && facts.unacknowledgedFailure) return { reason: 'paused-after-failure', ...facts.unacknowledgedFailure };
  if (!facts.clockSynced) return { reason: 'clock-not-synced' };
  if (policy.requireFreshBackup) {
    if (facts.failedBackupAt) return { reason: 'backup-failed', at: facts.failedBackupAt };
    const safe = facts.lastSafePointAt === null ? Number.NaN : Date.parse(facts.lastSafePointAt);
    if (!(safe >= facts.windowOpenedAt && safe <= facts.now)) return { reason: 'no-fresh-backup', since: new Date(facts.windowOpenedAt).toISOString() };
  }
  return undefined;
}

/** Soak time of a release: the reason it is held back ('soak'), or undefined. A publishedAt in the future is not soaked either. */
export function soakHold(policy: UpdatePolicy, now: number): (release: Release) => string | undefined {
  return (release) => {
    if (policy.canary) return undefined;
    const published = Date.parse(release.publishedAt);
    return now - published < policy.soakHours * 3_600_000 ? 'soak' : undefined;
  };
}

/** What chooseRelease needs for an unattended choice: the cohort, soak time; breaking releases stay held back. */
export function unattendedChoiceOptions(policy: UpdatePolicy, facts: Pick<UnattendedFacts, 'now' | 'cohort'>): Pick<ChooseOptions, 'cohort' | 'hold' | 'allowBreaking'> {
  return {
    allowBreaking: false,
    ...(policy.canary ? {} : { cohort: facts.cohort }),
    hold: soakHold(policy, facts.now),
  };
}

/**
 * Failures that pause unattended updates: a rollback, or a failure once the bundle was
 * downloaded (it did not verify, unpack or migrate, or the switch went wrong). A channel
 * that could not be read, a download cut short or a full disk say nothing about the
 * release; the next night tries again, and the owner sees why on the Updates page.
 */
const pausingPhases: readonly UpdatePhase[] = ['verify', 'snapshot', 'unpack', 'migrate', 'switch', 'restart', 'health', 'commit', 'rollback'];

export function isPausingFailure(entry: Pick<HistoryEntry, 'result' | 'phase'>): boolean {
  return entry.result === 'rolled-back' || (entry.result === 'failed' && entry.phase !== null && pausingPhases.includes(entry.phase));
}

/** The newest pausing failure the owner has not acknowledged (history in any order; times are ISO 8601 UTC). */
export function unacknowledgedFailure(history: readonly HistoryEntry[], acknowledgedAt: string | null): { version: string; at: string } | null {
  const acknowledged = acknowledgedAt === null ? Number.NEGATIVE_INFINITY : Date.parse(acknowledgedAt);
  const newest = history
    .filter((entry) => isPausingFailure(entry) && Date.parse(entry.endedAt) > acknowledged)
    .sort((a, b) => Date.parse(b.endedAt) - Date.parse(a.endedAt))[0];
  return newest ? { version: newest.to ?? newest.from, at: newest.endedAt } : null;
}

/** When a release held back for its soak time may be installed unattended (ISO), or null when it is not soaking. */
export function soakEndsAt(policy: UpdatePolicy, release: Pick<Release, 'publishedAt'>): string | null {
  if (policy.canary) return null;
  const published = Date.parse(release.publishedAt);
  return Number.isFinite(published) ? new Date(published + policy.soakHours * 3_600_000).toISOString() : null;
}
