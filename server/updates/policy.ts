import type { ChooseOptions } from './channel.js';
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
}

/** Why an unattended update does not run at all now; the Updates page says it (updates:policy.<reason>). */
export type UnattendedBlocker =
  | { reason: 'clock-not-synced' }
  | { reason: 'paused-after-failure'; version: string; at: string }
  | { reason: 'no-fresh-backup'; since: string };

export function unattendedBlocker(policy: UpdatePolicy, facts: UnattendedFacts): UnattendedBlocker | undefined {
  if (policy.pauseAfterFailure && facts.unacknowledgedFailure) return { reason: 'paused-after-failure', ...facts.unacknowledgedFailure };
  if (!facts.clockSynced) return { reason: 'clock-not-synced' };
  if (policy.requireFreshBackup) {
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
