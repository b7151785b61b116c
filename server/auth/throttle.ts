import type { Db } from '../store/database.js';

/**
 * Backoff after failed logins and setup-code attempts (ASVS 6.1.1, 6.3.1).
 *
 * Per address: the first four failures are free, then each one blocks that address
 * for 30 s, doubling up to 15 minutes. Per account: twenty consecutive failures from
 * anywhere block the account for 1 minute, doubling up to 15 minutes — but not for an
 * address the owner logged in from within 30 days, so an attacker elsewhere cannot
 * lock the owner out. Every delay is bounded, a success clears the counter, and
 * `hearth passwd` over SSH clears them all.
 */
export type ThrottleScope = 'login-address' | 'login-account' | 'setup-code-address';

interface Policy {
  freeFailures: number;
  firstDelayMs: number;
  maxDelayMs: number;
}

export const throttlePolicies: Record<ThrottleScope, Policy> = {
  'login-address': { freeFailures: 4, firstDelayMs: 30_000, maxDelayMs: 15 * 60_000 },
  'login-account': { freeFailures: 19, firstDelayMs: 60_000, maxDelayMs: 15 * 60_000 },
  'setup-code-address': { freeFailures: 4, firstDelayMs: 30_000, maxDelayMs: 15 * 60_000 },
};

/** Failure counters older than this are forgotten. */
const memoryMs = 24 * 3_600_000;

export function delayAfter(policy: Policy, failures: number): number {
  if (failures <= policy.freeFailures) return 0;
  const doublings = Math.min(failures - policy.freeFailures - 1, 30);
  return Math.min(policy.firstDelayMs * 2 ** doublings, policy.maxDelayMs);
}

export function createThrottle(db: Db, now: () => number) {
  const select = db.prepare<[string, string], { failures: number; last_failure_at: number; blocked_until: number }>(
    'SELECT failures, last_failure_at, blocked_until FROM auth_failures WHERE scope = ? AND subject = ?',
  );
  const upsert = db.prepare(
    `INSERT INTO auth_failures (scope, subject, failures, last_failure_at, blocked_until) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT(scope, subject) DO UPDATE SET failures = excluded.failures,
       last_failure_at = excluded.last_failure_at, blocked_until = excluded.blocked_until`,
  );
  const clearOne = db.prepare('DELETE FROM auth_failures WHERE scope = ? AND subject = ?');
  const clearAll = db.prepare('DELETE FROM auth_failures');
  const forget = db.prepare('DELETE FROM auth_failures WHERE last_failure_at < ? AND blocked_until < ?');

  return {
    /** Milliseconds until the subject may try again; 0 when it may try now. */
    waitMs(scope: ThrottleScope, subject: string): number {
      const row = select.get(scope, subject);
      return row ? Math.max(0, row.blocked_until - now()) : 0;
    },

    /** Records a failure; returns how long the subject is now blocked (0 if not). */
    fail(scope: ThrottleScope, subject: string): number {
      const at = now();
      const row = select.get(scope, subject);
      const failures = row && at - row.last_failure_at < memoryMs ? row.failures + 1 : 1;
      const delay = delayAfter(throttlePolicies[scope], failures);
      upsert.run(scope, subject, failures, at, delay ? at + delay : 0);
      forget.run(at - memoryMs, at);
      return delay;
    },

    succeed(scope: ThrottleScope, subject: string): void {
      clearOne.run(scope, subject);
    },

    clearAll(): void {
      clearAll.run();
    },
  };
}

export type Throttle = ReturnType<typeof createThrottle>;
