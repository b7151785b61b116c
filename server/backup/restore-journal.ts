import path from 'node:path';
import type { System } from '../system/index.js';

/**
 * Where a restore stands, in a file outside everything a restore swaps
 * ($STATE/restore-journal.json, written atomically at each phase change), so that after
 * a crash or power cut the next start knows whether to finish cleaning up or to put
 * back the pre-restore state — never to leave a mix.
 *
 * - prepared: the archive is verified and extracted into staging; nothing live changed.
 * - swapping: live files are being replaced; the pre-restore copies are complete.
 * - committed: the restored state passed its health check; only cleanup remains.
 */
export type RestorePhase = 'prepared' | 'swapping' | 'committed';

export interface RestoreJournal {
  jobId: number;
  phase: RestorePhase;
  /** $STATE/restore/<job>: staging and the pre-restore copies of the database and state files. */
  workDir: string;
  /** The live data directory, and where it was moved aside (when the archive brings data). */
  dataDir: string | null;
  dataAside: string | null;
  dataStaging: string | null;
  /** The appliance's config directory, and where it was moved aside (when the archive brings config). */
  configDir: string | null;
  configAside: string | null;
  /** State files (relative to $STATE) the restore replaces; their pre-restore copies are in workDir/pre-state. */
  stateFiles: string[];
}

export function journalFile(system: System): string {
  return path.join(system.paths.stateDir, 'restore-journal.json');
}

export async function readJournal(system: System): Promise<RestoreJournal | undefined> {
  const text = await system.readFile(journalFile(system));
  return text ? (JSON.parse(text) as RestoreJournal) : undefined;
}

export async function writeJournal(system: System, journal: RestoreJournal): Promise<void> {
  await system.writeFile(journalFile(system), JSON.stringify(journal, null, 2) + '\n', { mode: 0o600 });
}

export async function removeJournal(system: System): Promise<void> {
  await system.removeFile(journalFile(system));
}
