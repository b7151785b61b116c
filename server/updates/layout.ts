import path from 'node:path';
import type { Paths } from '../paths.js';
import type { System } from '../system/index.js';
import { isVersion } from './manifest.js';

/*
 * The installed layout (all under the root; `/` on a board):
 *
 *   opt/hearth/releases/<version>/     one directory per release, never changed once unpacked
 *   opt/hearth/releases/.<v>.partial…  a release being unpacked (bundle.ts), removed if interrupted
 *   opt/hearth/current → releases/<v>  relative symlink: the release that runs
 *   opt/hearth/launcher, launcher.mjs  systemd's ExecStart (scripts/launcher*), outside releases/
 *   var/lib/hearth/                    the state (database, keys, config): what a snapshot covers
 *   var/lib/hearth-update/             NOT covered by snapshots, so a rollback never rewinds it:
 *     journal.json                     the update in progress (journal.ts)
 *     history.json                     finished updates, for the Updates page
 *     staging/                         downloads (kept for resume) and the migration trial
 *     logs/start.log                   the daemon's output since its last start (the launcher's capture)
 *     daemon.pid                       the daemon the launcher started (the update's restart signal)
 *
 * `current` is switched by creating the new link under a temporary name and renaming it
 * over `current`, then fsyncing the directory: rename(2) is atomic, so after a power cut
 * `current` is the old link or the new one, never missing. scripts/launcher.mjs repeats
 * these names (it cannot import this file); keep the two in step.
 */
export interface InstallLayout {
  installDir: string;
  releasesDir: string;
  current: string;
  launcher: string;
  launcherModule: string;
  updateDir: string;
  journal: string;
  history: string;
  stagingDir: string;
  /** The copy of the database the new release migrates as a trial, before anything switches. */
  migrateDir: string;
  logsDir: string;
  startLog: string;
  previousStartLog: string;
  daemonPid: string;
}

export function installLayout(paths: Paths): InstallLayout {
  const installDir = paths.installDir;
  const updateDir = paths.updateDir;
  const stagingDir = path.join(updateDir, 'staging');
  const logsDir = path.join(updateDir, 'logs');
  return {
    installDir,
    releasesDir: path.join(installDir, 'releases'),
    current: path.join(installDir, 'current'),
    launcher: path.join(installDir, 'launcher'),
    launcherModule: path.join(installDir, 'launcher.mjs'),
    updateDir,
    journal: path.join(updateDir, 'journal.json'),
    history: path.join(updateDir, 'history.json'),
    stagingDir,
    migrateDir: path.join(stagingDir, 'migrate'),
    logsDir,
    startLog: path.join(logsDir, 'start.log'),
    previousStartLog: path.join(logsDir, 'start.previous.log'),
    daemonPid: path.join(updateDir, 'daemon.pid'),
  };
}

/** releases/<version>, refusing anything that is not a plain version (a name from a manifest never walks elsewhere). */
export function releaseDir(layout: InstallLayout, version: string): string {
  if (!isVersion(version)) throw new Error(`not a release version: ${version}`);
  return path.join(layout.releasesDir, version);
}

/** The version `current` points at, or undefined when it is missing or does not point at releases/<version>. */
export async function currentVersion(system: System, layout: InstallLayout): Promise<string | undefined> {
  const target = await system.readLink(layout.current);
  const match = target ? /^releases\/([^/]+)\/?$/.exec(target) : null;
  return match?.[1] && isVersion(match[1]) ? match[1] : undefined;
}

/** Is this box installed in the layout (a `current` link to a release)? A checkout run with `npm start` is not. */
export async function isInstalled(system: System, layout: InstallLayout): Promise<boolean> {
  const version = await currentVersion(system, layout);
  return version !== undefined && (await system.pathType(path.join(layout.releasesDir, version, 'package.json'))) === 'file';
}

/** Points `current` at releases/<version>: new link, rename over, fsync of the directory (System.symlink). */
export async function switchCurrent(system: System, layout: InstallLayout, version: string): Promise<void> {
  releaseDir(layout, version);
  await system.symlink(`releases/${version}`, layout.current);
}

/** The release directories (complete ones: no dot-names), by version. */
export async function listReleases(system: System, layout: InstallLayout): Promise<string[]> {
  const entries = await system.listDirectory(layout.releasesDir);
  return entries.filter((entry) => entry.type === 'directory' && isVersion(entry.name)).map((entry) => entry.name);
}

/** Removes every release but `keep`, and any partial unpack left behind. Returns what was removed. */
export async function pruneReleases(system: System, layout: InstallLayout, keep: readonly string[]): Promise<string[]> {
  const removed: string[] = [];
  for (const entry of await system.listDirectory(layout.releasesDir)) {
    // Debris: partial unpacks, and releases the launcher set aside (a power cut may have stopped their deletion).
    const partial = entry.name.startsWith('.') && (entry.name.includes('.partial') || entry.name.includes('.removed-'));
    if (entry.type !== 'directory' || (!partial && (!isVersion(entry.name) || keep.includes(entry.name)))) continue;
    await system.removeTree(path.join(layout.releasesDir, entry.name));
    removed.push(entry.name);
  }
  return removed;
}

/** Removes the partial unpacks of one version (an update that stopped before its release was whole). */
export async function removePartials(system: System, layout: InstallLayout, version: string): Promise<void> {
  for (const entry of await system.listDirectory(layout.releasesDir)) {
    if (entry.name.startsWith(`.${version}.partial`)) await system.removeTree(path.join(layout.releasesDir, entry.name));
  }
}
