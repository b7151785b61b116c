import http from 'node:http';
import https from 'node:https';
import { HearthError, isHearthError } from '../errors.js';
import { resolvePaths } from '../paths.js';
import { latestSchemaVersion } from '../store/migrations.js';
import { schemaVersion, type Db } from '../store/database.js';
import { createSystem, type System, type SystemKind } from '../system/index.js';
import { createJournalStore, type JournalStore, type UpdateJournal } from './journal.js';
import { currentVersion, installLayout, type InstallLayout } from './layout.js';

/*
 * The new release's side of the trial. After a switch the launcher starts the new
 * release with the journal in phase `health`. The daemon, once it has opened and
 * migrated the database, is listening and has started its scheduler, checks itself
 * (confirmStart): the database at the schema this release expects and passing
 * quick_check, /api/health answering over real HTTP with this version, the scheduler
 * running. Only then does it write `commit` — it has marked itself good — and finish
 * the commit (old releases and snapshots beyond retention removed, the launcher
 * replaced, the history written).
 *
 * A start that fails — an exception anywhere in the daemon's start, or this check —
 * records why in the journal (recordFailedStart) before the process exits; the launcher
 * rolls back at the next start instead of trying again. A crash that records nothing
 * (a segfault, SIGKILL, a hang the trial watchdog ends) is counted by the launcher.
 */

const onTrial = new Set(['switch', 'restart', 'health']);

export interface SelfCheckDeps {
  db: Db;
  /** Where this daemon listens (its own URL); the check goes to it over loopback. */
  url: string;
  version: string;
  schedulerRunning: () => boolean;
  timeoutMs?: number;
}

function failed(check: string, reason: string): HearthError {
  return new HearthError('HEARTH_ERR_UPDATE_HEALTH_CHECK', { check, reason: reason.slice(0, 300) });
}

/** GET <url>/api/health over loopback (a self-signed certificate is expected: it is our own). */
function getHealth(url: string, timeoutMs: number): Promise<{ status: number; body: string }> {
  const target = new URL('/api/health', url);
  if (['0.0.0.0', '[::]', 'localhost'].includes(target.hostname)) target.hostname = '127.0.0.1';
  const client = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.get(target, { timeout: timeoutMs, rejectUnauthorized: false, headers: { accept: 'application/json', 'x-hearth-background': '1' } }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 65_536) body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
  });
}

/** The checks a release must pass before it may call itself good. Throws HEARTH_ERR_UPDATE_HEALTH_CHECK naming the one that failed. */
export async function selfCheck(deps: SelfCheckDeps): Promise<void> {
  let found: number;
  let integrity: string;
  try {
    found = schemaVersion(deps.db);
    integrity = String(deps.db.pragma('quick_check', { simple: true }));
  } catch (error) {
    throw failed('database', (error as Error).message);
  }
  if (found !== latestSchemaVersion) throw failed('database', `schema ${found}, expected ${latestSchemaVersion}`);
  if (integrity !== 'ok') throw failed('database', integrity);

  let answer: { status: number; body: string };
  try {
    answer = await getHealth(deps.url, deps.timeoutMs ?? 10_000);
  } catch (error) {
    throw failed('http', (error as Error).message);
  }
  let version: unknown;
  try {
    version = (JSON.parse(answer.body) as { version?: unknown }).version;
  } catch {
    version = undefined;
  }
  if (answer.status !== 200 || version !== deps.version) throw failed('http', `HTTP ${answer.status}, version ${String(version)}`);

  if (!deps.schedulerRunning()) throw failed('scheduler', 'not running');
}

export interface ConfirmDeps extends SelfCheckDeps {
  system: System;
  layout: InstallLayout;
  journal: JournalStore;
  /** Removes what the update no longer needs and records it; see update-service.ts. */
  finishCommit: (journal: UpdateJournal) => Promise<void>;
}

/**
 * At the daemon's start, after it listens: if this release is on trial, check it and
 * mark it good (journal `commit`), then finish the commit. Also finishes a commit a
 * crash interrupted. Returns what it did; throws (after recording why) when the check fails.
 */
export async function confirmStart(deps: ConfirmDeps): Promise<'none' | 'committed'> {
  const { journal } = await deps.journal.read();
  if (!journal || journal.to !== deps.version) return 'none';
  if (journal.phase === 'commit') {
    await deps.finishCommit(journal);
    return 'committed';
  }
  if (!onTrial.has(journal.phase) || (await currentVersion(deps.system, deps.layout)) !== deps.version) return 'none';
  await selfCheck(deps);
  journal.phase = 'commit';
  await deps.journal.write(journal);
  await deps.finishCommit(journal);
  return 'committed';
}

/**
 * A start of a release on trial failed: say why in the journal, so that the launcher rolls
 * back at once instead of starting it again. Does nothing when this release is not on trial.
 * Works without the appliance (the failure may be that the appliance could not be built).
 */
export async function recordFailedStart(options: { root: string; systemKind: SystemKind; version: string; error: unknown }): Promise<boolean> {
  const paths = resolvePaths(options.root);
  const system = createSystem(options.systemKind, paths);
  const layout = installLayout(paths);
  const store = createJournalStore(system, layout);
  const { journal } = await store.read();
  if (!journal || journal.to !== options.version || !onTrial.has(journal.phase)) return false;
  const error = options.error;
  journal.startError = isHearthError(error)
    ? { code: error.code, params: error.params as Record<string, string | number> }
    : { code: 'HEARTH_ERR_UPDATE_START_FAILED', params: { version: options.version, starts: journal.starts } };
  journal.failedPhase = 'health';
  journal.detail = error instanceof Error ? `${error.message}${error.cause instanceof Error ? `: ${error.cause.message}` : ''}`.slice(0, 4000) : String(error).slice(0, 4000);
  await store.write(journal);
  return true;
}
