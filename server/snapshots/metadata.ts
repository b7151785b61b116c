import type { System } from '../system/index.js';
import { isSnapshotId, type SnapshotLayout } from './layout.js';
import { snapshotReasons, type RollbackJournal, type SnapshotMeta } from './types.js';

/**
 * The snapshots on disk, read from their snapshot.json files. A directory without one
 * (a snapshot a crash interrupted) is not a snapshot: it is never listed, and it is
 * removed as debris by the next create.
 */
export async function readMeta(system: System, layout: SnapshotLayout, id: string): Promise<SnapshotMeta | undefined> {
  if (!isSnapshotId(id)) return undefined;
  const text = await system.readFile(layout.meta(id));
  if (text === undefined) return undefined;
  try {
    const parsed = JSON.parse(text) as Partial<SnapshotMeta>;
    // A hand-edited or damaged file is not trusted to name a directory.
    if (parsed.id !== id || !snapshotReasons.includes(parsed.reason as never) || (parsed.driver !== 'btrfs' && parsed.driver !== 'copy')) return undefined;
    return {
      formatVersion: 1,
      id,
      label: typeof parsed.label === 'string' ? parsed.label : '',
      reason: parsed.reason!,
      createdAt: String(parsed.createdAt),
      driver: parsed.driver,
      sizeBytes: typeof parsed.sizeBytes === 'number' ? parsed.sizeBytes : null,
      appVersion: String(parsed.appVersion ?? ''),
      schemaVersion: Number(parsed.schemaVersion ?? 0),
      jobId: typeof parsed.jobId === 'number' ? parsed.jobId : null,
      ...(typeof parsed.rolledBackTo === 'string' ? { rolledBackTo: parsed.rolledBackTo } : {}),
    };
  } catch {
    return undefined;
  }
}

export async function writeMeta(system: System, layout: SnapshotLayout, meta: SnapshotMeta): Promise<void> {
  await system.writeFile(layout.meta(meta.id), JSON.stringify(meta, null, 2) + '\n', { mode: 0o600 });
}

/** Every complete snapshot, newest first. */
export async function listMeta(system: System, layout: SnapshotLayout): Promise<SnapshotMeta[]> {
  const found: SnapshotMeta[] = [];
  for (const entry of await system.listDirectory(layout.root)) {
    if (entry.type !== 'directory' || !isSnapshotId(entry.name)) continue;
    const meta = await readMeta(system, layout, entry.name);
    if (meta) found.push(meta);
  }
  return found.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
}

/** Snapshot directories without metadata: what a crash left of a create. */
export async function listDebris(system: System, layout: SnapshotLayout): Promise<string[]> {
  const debris: string[] = [];
  for (const entry of await system.listDirectory(layout.root)) {
    if (entry.type === 'directory' && isSnapshotId(entry.name) && (await system.pathType(layout.meta(entry.name))) === undefined) debris.push(entry.name);
  }
  return debris;
}

export async function readJournal(system: System, layout: SnapshotLayout): Promise<RollbackJournal | undefined> {
  const text = await system.readFile(layout.journal);
  if (!text) return undefined;
  const parsed = JSON.parse(text) as RollbackJournal;
  if (!isSnapshotId(parsed.snapshotId) || !isSnapshotId(parsed.preRollbackId)) throw new Error(`${layout.journal} names no snapshot`);
  return parsed;
}

export async function writeJournal(system: System, layout: SnapshotLayout, journal: RollbackJournal): Promise<void> {
  await system.writeFile(layout.journal, JSON.stringify(journal, null, 2) + '\n', { mode: 0o600 });
}
