import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { System } from '../system/index.js';
import { faultPoint } from '../system/fault-injection.js';
import { processStartTime } from '../system/process-identity.js';
import type { InstallLayout } from './layout.js';

/*
 * The update journal: one small JSON file, $ROOT/var/lib/hearth-update/journal.json,
 * outside the state directory a snapshot covers (a rollback of the state never rewinds
 * it). It is rewritten — temp file, fsync, rename, fsync of the directory — BEFORE every
 * phase change, so after a crash or a power cut whoever starts next (the launcher, or the
 * next update) knows exactly how far the update got:
 *
 *   check → download → verify → snapshot → unpack → migrate      nothing live changed yet:
 *                                                                 undone by removing what it made
 *   switch   `current` is being renamed to the new release: look at the link to know
 *   restart  switched; the daemon is being restarted into the new release
 *   health   the launcher started the new release on trial (`starts` counts the starts)
 *   commit   the new release marked itself good; only cleanup remains
 *   rollback switching back and restoring the pre-update snapshot (the launcher)
 *
 * The launcher (scripts/launcher.mjs, dependency-free) reads and writes the same fields;
 * keep the two in step. A finished update leaves a line in history.json instead.
 *
 * Crash tests: every write is preceded by the fault point `update:before:<phase>` and
 * followed by `update:after:<phase>` (server/system/fault-injection.ts).
 */

export const updatePhases = ['check', 'download', 'verify', 'snapshot', 'unpack', 'migrate', 'switch', 'restart', 'health', 'commit', 'rollback'] as const;
export type UpdatePhase = (typeof updatePhases)[number];

/** The phases before `current` is switched: a failure or crash there leaves the old release running untouched. */
export const phasesBeforeSwitch: readonly UpdatePhase[] = ['check', 'download', 'verify', 'snapshot', 'unpack', 'migrate'];

export interface StoredError {
  code: string;
  params: Record<string, string | number>;
}

export interface UpdateJournal {
  id: string;
  /** The version that ran when the update began, and the one it installs (known after check). */
  from: string;
  to: string | null;
  phase: UpdatePhase;
  startedAt: string;
  updatedAt: string;
  channel: string | null;
  jobId: number | null;
  /** The process doing the phases before the restart: a journal whose owner is gone was interrupted. */
  owner: { pid: number; pidStart: string | null; bootId: string | null } | null;
  snapshotId: string | null;
  /** True when the update unpacked releases/<to> itself (so undoing it removes the directory). */
  createdRelease: boolean;
  /** Starts of the new release on trial (the launcher counts them before each start). */
  starts: number;
  maxStarts?: number;
  trialSeconds?: number;
  trialStartedAt: string | null;
  /** Why a start on trial failed, written by that start (or by the trial watchdog). */
  startError: StoredError | null;
  /** The failure that ends the update, and the phase it happened in. */
  error: StoredError | null;
  failedPhase?: UpdatePhase;
  /** The underlying message (e.g. the failing migration's SQL error), untranslated. */
  detail?: string | null;
  /** The output of the failed start, when the start itself recorded it. */
  log?: string | null;
  stateRestored?: boolean;
  /** The language of whoever started the update: the owner is told in it. */
  language?: string;
}

export type UpdateResult = 'updated' | 'failed' | 'rolled-back' | 'interrupted';

export interface HistoryEntry {
  id: string;
  from: string;
  to: string | null;
  result: UpdateResult;
  /** The phase that failed (null when it succeeded). */
  phase: UpdatePhase | null;
  error: StoredError | null;
  detail: string | null;
  /** The captured output of the failed start (a rollback), for the report. */
  log: string | null;
  snapshotId: string | null;
  startedAt: string;
  endedAt: string;
  /** Whether the owner was told (a notification) — the launcher cannot, the next daemon start does. */
  notified: boolean;
  language?: string | null;
}

const historyKeep = 100;

export function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

/** This process, as the journal's owner (pid + start time + boot: a pid alone is reused after a reboot). */
export function ownerOfThisProcess(): NonNullable<UpdateJournal['owner']> {
  return { pid: process.pid, pidStart: processStartTime(process.pid) ?? null, bootId: bootId() };
}

export function isOwnerAlive(owner: UpdateJournal['owner']): boolean {
  if (!owner) return false;
  if (owner.bootId && owner.bootId !== bootId()) return false;
  const start = processStartTime(owner.pid);
  return start !== undefined && (!owner.pidStart || owner.pidStart === start);
}

export function newUpdateId(): string {
  return randomBytes(8).toString('hex');
}

export function createJournalStore(system: System, layout: InstallLayout) {
  return {
    /** The update in progress; `damaged` when the file exists but cannot be read as a journal. */
    async read(): Promise<{ journal?: UpdateJournal; damaged?: boolean }> {
      const text = await system.readFile(layout.journal);
      if (text === undefined) return {};
      try {
        const journal = JSON.parse(text) as UpdateJournal;
        if (!journal || typeof journal !== 'object' || typeof journal.id !== 'string' || !(updatePhases as readonly string[]).includes(journal.phase)) return { damaged: true };
        return { journal };
      } catch {
        return { damaged: true };
      }
    },

    /** Durably records the journal (its phase is the one being entered). */
    async write(journal: UpdateJournal): Promise<void> {
      faultPoint(`update:before:${journal.phase}`);
      journal.updatedAt = new Date().toISOString();
      await system.writeFile(layout.journal, JSON.stringify(journal, null, 2) + '\n', { mode: 0o600 });
      faultPoint(`update:after:${journal.phase}`);
    },

    async remove(): Promise<void> {
      await system.removeFile(layout.journal);
    },

    /** Finished updates, oldest first. */
    async history(): Promise<HistoryEntry[]> {
      const text = await system.readFile(layout.history);
      if (!text) return [];
      try {
        const list = JSON.parse(text) as unknown;
        return Array.isArray(list) ? (list as HistoryEntry[]) : [];
      } catch {
        return [];
      }
    },

    /** Adds an entry, or replaces the one with the same id (a step repeated after a crash is recorded once). */
    async record(entry: HistoryEntry): Promise<void> {
      const list = (await this.history()).filter((item) => item.id !== entry.id);
      list.push(entry);
      await system.writeFile(layout.history, JSON.stringify(list.slice(-historyKeep), null, 2) + '\n', { mode: 0o600 });
    },

    async markNotified(ids: readonly string[]): Promise<void> {
      if (ids.length === 0) return;
      const list = await this.history();
      for (const entry of list) if (ids.includes(entry.id)) entry.notified = true;
      await system.writeFile(layout.history, JSON.stringify(list, null, 2) + '\n', { mode: 0o600 });
    },
  };
}

export type JournalStore = ReturnType<typeof createJournalStore>;

/**
 * How often a release failed once installed: its migration threw, or it was rolled back
 * after the switch. Network trouble, a full disk or a power cut are not the release's fault.
 */
export function releaseFailures(history: readonly HistoryEntry[], version: string): number {
  return history.filter((entry) => entry.to === version && (entry.result === 'rolled-back' || (entry.result === 'failed' && entry.phase === 'migrate'))).length;
}
