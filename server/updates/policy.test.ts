import { describe, expect, it } from 'vitest';
import { chooseRelease } from './channel.js';
import type { Manifest, Release } from './manifest.js';
import type { HistoryEntry } from './journal.js';
import { defaultUpdatePolicy, isPausingFailure, soakEndsAt, unacknowledgedFailure, unattendedBlocker, unattendedChoiceOptions, type UnattendedFacts } from './policy.js';

const hour = 3_600_000;
const now = Date.parse('2026-11-28T03:00:00Z');
const bundle = { url: 'hearth.tar.gz', size: 100, sha256: 'a'.repeat(64), unpackedSize: 1000 };

function release(version: string, extra: Partial<Release> = {}): Release {
  return { version, publishedAt: new Date(now - 48 * hour).toISOString(), breaking: false, cohorts: 'all', notes: { en: version }, bundles: { [process.arch]: bundle }, ...extra };
}

const fetched = (...releases: Release[]) => ({ url: 'https://updates.example/stable.json', manifest: { format: 1, channel: 'stable', serial: 1, releases } as Manifest });

const facts: UnattendedFacts = {
  now,
  clockSynced: true,
  cohort: 42,
  unacknowledgedFailure: null,
  windowOpenedAt: now - hour,
  lastSafePointAt: new Date(now - 10 * 60_000).toISOString(),
};

function unattended(policy = defaultUpdatePolicy, given = facts, ...releases: Release[]) {
  return chooseRelease(fetched(...releases), { current: '1.0.0', ...unattendedChoiceOptions(policy, given) });
}

describe('unattended update policy', () => {
  it('takes a release that soaked, is open to the cohort and crosses nothing breaking', () => {
    expect(unattendedBlocker(defaultUpdatePolicy, facts)).toBeUndefined();
    expect(unattended(defaultUpdatePolicy, facts, release('1.1.0'))).toMatchObject({ kind: 'update', release: { version: '1.1.0' } });
  });

  it('holds back a release younger than the soak time, and one published "in the future"', () => {
    const young = release('1.2.0', { publishedAt: new Date(now - 23 * hour).toISOString() });
    expect(unattended(defaultUpdatePolicy, facts, release('1.1.0'), young)).toMatchObject({ kind: 'update', release: { version: '1.1.0' }, heldBack: [{ version: '1.2.0', reason: 'soak' }] });
    const future = release('1.1.0', { publishedAt: new Date(now + hour).toISOString() });
    expect(unattended(defaultUpdatePolicy, facts, future)).toMatchObject({ kind: 'none', reason: 'held-back', heldBack: [{ reason: 'soak' }] });
  });

  it('holds back a release not open to the cohort; the canary takes it, and skips the soak', () => {
    const staged = release('1.1.0', { cohorts: [0, 1, 2], publishedAt: new Date(now - hour).toISOString() });
    expect(unattended(defaultUpdatePolicy, facts, staged)).toMatchObject({ kind: 'none', reason: 'held-back', heldBack: [{ reason: 'cohort' }] });
    expect(unattended({ ...defaultUpdatePolicy, canary: true }, facts, staged)).toMatchObject({ kind: 'update', release: { version: '1.1.0' } });
  });

  it('never crosses a breaking release, canary or not', () => {
    const breaking = release('2.0.0', { breaking: true });
    for (const policy of [defaultUpdatePolicy, { ...defaultUpdatePolicy, canary: true }]) {
      expect(unattended(policy, facts, release('1.1.0'), breaking, release('2.1.0'))).toMatchObject({
        kind: 'update',
        release: { version: '1.1.0' },
        heldBack: [{ version: '2.0.0', reason: 'breaking' }],
      });
    }
  });

  it('waits for a fresh good backup or snapshot in this window', () => {
    const stale = { ...facts, lastSafePointAt: new Date(now - 2 * hour).toISOString() };
    expect(unattendedBlocker(defaultUpdatePolicy, stale)).toEqual({ reason: 'no-fresh-backup', since: new Date(now - hour).toISOString() });
    expect(unattendedBlocker(defaultUpdatePolicy, { ...facts, lastSafePointAt: null })).toMatchObject({ reason: 'no-fresh-backup' });
    expect(unattendedBlocker({ ...defaultUpdatePolicy, requireFreshBackup: false }, stale)).toBeUndefined();
  });

  it('stops after a backup that failed in this window, even with an older safe point in it', () => {
    const failed = { ...facts, failedBackupAt: new Date(now - 5 * 60_000).toISOString() };
    expect(unattendedBlocker(defaultUpdatePolicy, failed)).toEqual({ reason: 'backup-failed', at: failed.failedBackupAt });
    expect(unattendedBlocker({ ...defaultUpdatePolicy, requireFreshBackup: false }, failed)).toBeUndefined();
  });

  it('pauses after a failure until the owner acknowledges it', () => {
    const failed = { ...facts, unacknowledgedFailure: { version: '1.1.0', at: '2026-11-27T03:10:00Z' } };
    expect(unattendedBlocker(defaultUpdatePolicy, failed)).toEqual({ reason: 'paused-after-failure', version: '1.1.0', at: '2026-11-27T03:10:00Z' });
    expect(unattendedBlocker({ ...defaultUpdatePolicy, pauseAfterFailure: false }, failed)).toBeUndefined();
  });

  it('waits for a synchronized clock (a board without a battery boots in 1970)', () => {
    expect(unattendedBlocker(defaultUpdatePolicy, { ...facts, now: 0, clockSynced: false })).toEqual({ reason: 'clock-not-synced' });
  });

  it('pauses for rollbacks and failures past the download, not for an unreadable channel or a cut download', () => {
    const entry = (result: HistoryEntry['result'], phase: HistoryEntry['phase'], endedAt: string, to = '1.1.0'): HistoryEntry => ({
      id: endedAt, from: '1.0.0', to, result, phase, error: null, detail: null, log: null, snapshotId: null, startedAt: endedAt, endedAt, notified: true,
    });
    expect(isPausingFailure(entry('rolled-back', 'health', '2026-11-27T03:00:00.000Z'))).toBe(true);
    expect(isPausingFailure(entry('failed', 'migrate', '2026-11-27T03:00:00.000Z'))).toBe(true);
    expect(isPausingFailure(entry('failed', 'check', '2026-11-27T03:00:00.000Z'))).toBe(false);
    expect(isPausingFailure(entry('failed', 'download', '2026-11-27T03:00:00.000Z'))).toBe(false);
    expect(isPausingFailure(entry('interrupted', 'unpack', '2026-11-27T03:00:00.000Z'))).toBe(false);
    expect(isPausingFailure(entry('updated', null, '2026-11-27T03:00:00.000Z'))).toBe(false);

    const history = [entry('rolled-back', 'health', '2026-11-26T03:00:00.000Z', '1.1.0'), entry('failed', 'migrate', '2026-11-27T03:00:00.000Z', '1.2.0'), entry('failed', 'check', '2026-11-28T03:00:00.000Z')];
    expect(unacknowledgedFailure(history, null)).toEqual({ version: '1.2.0', at: '2026-11-27T03:00:00.000Z' });
    expect(unacknowledgedFailure(history, '2026-11-26T12:00:00.000Z')).toEqual({ version: '1.2.0', at: '2026-11-27T03:00:00.000Z' });
    expect(unacknowledgedFailure(history, '2026-11-27T03:00:00.000Z')).toBeNull();
  });

  it('says when a soaking release may be installed', () => {
    expect(soakEndsAt(defaultUpdatePolicy, { publishedAt: '2026-11-28T01:00:00Z' })).toBe('2026-11-29T01:00:00.000Z');
    expect(soakEndsAt({ ...defaultUpdatePolicy, canary: true }, { publishedAt: '2026-11-28T01:00:00Z' })).toBeNull();
  });
});
