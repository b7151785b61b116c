import path from 'node:path';
import { HearthError } from '../errors.js';
import { faultPoint } from '../system/fault-injection.js';
import type { System } from '../system/index.js';
import { shownPath } from './block-devices.js';

/**
 * Where the owner's data lives, and how it moves.
 *
 * $ROOT/srv/hearth (paths.dataLink) is the data directory itself until the datadir app
 * moves it; then it is a symbolic link to the directory on a drive, with a relative target
 * ("../media/photos/hearth-data") so it holds under any root. paths.dataDir reads the link
 * at each use, so backups, restore and the dashboard follow a move at once, and so does
 * anything outside Hearth that opens /srv/hearth (a Samba share, an SSH session).
 *
 * A move copies first and switches last. The switch of a directory into a link is two
 * steps (rename the directory aside, make the link); a journal written before them, beside
 * the state directory and not in it (a state rollback must not undo it), lets the next start
 * finish or undo a switch a power cut interrupted: the old directory stays in use.
 * Old copies are recorded beside it, until the owner deletes them.
 */

export interface OldCopy {
  /** Real path. */
  path: string;
  shown: string;
  movedAt: string;
}

interface SwitchJournal {
  phase: 'switching';
  /** The directory in use before (real path). */
  from: string;
  /** The directory in use after: on a drive, or the link's own place when moving back. */
  to: string;
  /** The complete, verified copy, renamed to `to` by the switch. */
  partial: string;
  /** Where the directory at the link goes (a first move); null when the link was a link already. */
  aside: string | null;
  at: string;
}

export function locationFiles(system: System) {
  const dir = system.paths.systemFile('var/lib/hearth-datadir');
  return { dir, journal: path.join(dir, 'switch.json'), oldCopies: path.join(dir, 'old-copies.json') };
}

/** The link's target for a directory, relative to the link's own directory. */
export function linkTarget(link: string, dir: string): string {
  return path.relative(path.dirname(link), dir);
}

export interface DataLocation {
  /** The directory in use (real path) and as the box shows it. */
  dir: string;
  shown: string;
  /** On a drive, through the link; false while it is the directory at /srv/hearth itself. */
  moved: boolean;
  /** The link points at a directory that is not there (the drive is unplugged or not mounted). */
  missing: boolean;
  oldCopies: OldCopy[];
}

async function readJson<T>(system: System, file: string): Promise<T | undefined> {
  const text = await system.readFile(file);
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

export async function oldCopies(system: System): Promise<OldCopy[]> {
  const recorded = (await readJson<OldCopy[]>(system, locationFiles(system).oldCopies)) ?? [];
  return Array.isArray(recorded) ? recorded.filter((copy) => typeof copy?.path === 'string') : [];
}

export async function writeOldCopies(system: System, copies: readonly OldCopy[]): Promise<void> {
  const files = locationFiles(system);
  await system.makeDirectory(files.dir, { mode: 0o700 });
  await system.writeFile(files.oldCopies, JSON.stringify(copies, null, 2) + '\n', { mode: 0o600 });
}

export async function dataLocation(system: System): Promise<DataLocation> {
  const { paths } = system;
  const dir = paths.dataDir;
  const moved = (await system.readLink(paths.dataLink)) !== undefined;
  return {
    dir,
    shown: shownPath(paths, dir),
    moved,
    missing: moved && (await system.pathType(dir)) !== 'directory',
    oldCopies: await oldCopies(system),
  };
}

/**
 * Switches the data directory to the complete, verified and synced copy `partial`, which
 * becomes `to` (a directory on a drive, or the link's own place to move back onto the
 * system disk). Returns the old directory, which is kept.
 */
export async function switchDataDir(system: System, options: { partial: string; to: string; now: number }): Promise<OldCopy> {
  const { paths } = system;
  const { partial, to } = options;
  const files = locationFiles(system);
  const link = paths.dataLink;
  const isLink = (await system.readLink(link)) !== undefined;
  const type = await system.pathType(link);
  if (!isLink && type !== undefined && type !== 'directory') throw new HearthError('HEARTH_ERR_DATADIR_UNEXPECTED', { path: shownPath(paths, link) });
  const from = paths.dataDir;
  const stamp = new Date(options.now).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  const back = path.resolve(to) === path.resolve(link);
  const aside = !isLink && type === 'directory' ? `${link}.before-move-${stamp}` : null;
  const journal: SwitchJournal = { phase: 'switching', from, to, partial, aside, at: new Date(options.now).toISOString() };
  await system.makeDirectory(files.dir, { mode: 0o700 });
  await system.writeFile(files.journal, JSON.stringify(journal, null, 2) + '\n', { mode: 0o600 });

  faultPoint('datadir:journal-written');
  if (back) {
    // Back onto the system disk: the link goes, the copy takes its place.
    if (isLink) await system.removeFile(link);
    faultPoint('datadir:link-removed');
    await system.rename(partial, link);
  } else {
    await system.rename(partial, to);
    if (aside) await system.rename(link, aside);
    faultPoint('datadir:set-aside');
    await system.symlink(linkTarget(link, to), link);
  }
  faultPoint('datadir:switched');
  const kept = aside ?? from;
  const copy: OldCopy = { path: kept, shown: shownPath(paths, kept), movedAt: journal.at };
  await writeOldCopies(system, [...(await oldCopies(system)).filter((c) => c.path !== kept && c.path !== to), copy]);
  await system.removeFile(files.journal);
  return copy;
}

/**
 * What a crash in the middle of a switch left, put right. The data directory's place
 * empty: the old directory goes back there. Not switched: the copy goes back to its
 * .partial name, for the next move to finish. Switched: only the bookkeeping is finished.
 * Returns what it did, for the log; undefined when there was nothing to do.
 */
export async function recoverDataDirMove(system: System): Promise<'restored' | 'finished' | undefined> {
  const { paths } = system;
  const files = locationFiles(system);
  const journal = await readJson<SwitchJournal>(system, files.journal);
  if (!journal || journal.phase !== 'switching') {
    if (journal) await system.removeFile(files.journal);
    return undefined;
  }
  const link = paths.dataLink;
  const back = path.resolve(journal.to) === path.resolve(link);
  const present = (await system.readLink(link)) !== undefined || (await system.pathType(link)) !== undefined;
  if (!present) {
    if (journal.aside && (await system.pathType(journal.aside)) === 'directory') await system.rename(journal.aside, link);
    else await system.symlink(linkTarget(link, journal.from), link);
  }
  if (present && path.resolve(paths.dataDir) === path.resolve(journal.to)) {
    const kept = journal.aside ?? journal.from;
    const copies = await oldCopies(system);
    if (!copies.some((c) => c.path === kept)) await writeOldCopies(system, [...copies, { path: kept, shown: shownPath(paths, kept), movedAt: journal.at }]);
    await system.removeFile(files.journal);
    return 'finished';
  }
  if (!back && (await system.pathType(journal.to)) === 'directory' && (await system.pathType(journal.partial)) === undefined) {
    await system.rename(journal.to, journal.partial);
  }
  await system.removeFile(files.journal);
  return 'restored';
}
