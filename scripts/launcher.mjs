#!/usr/bin/env node
// Hearth's launcher, the half that decides; `launcher` (bash) is the half that execs the daemon.
//
// Installed at $ROOT/opt/hearth/launcher.mjs, OUTSIDE releases/, by install.sh, and replaced
// only after an update was committed: it has to keep working whatever state the releases
// are in, so it imports nothing but Node's own modules and never loads a release's code
// (except the old release's `launcher-tool.js restore-state` when it rolls the state back).
//
// It reads the update journal ($ROOT/var/lib/hearth-update/journal.json, format in
// server/updates/journal.ts) at every start, before the daemon serves:
//   - an update that had not switched `current` and whose updater is gone (crash, power
//     cut): its partial release is removed, the journal closed as "interrupted";
//   - an update that switched: the new release is on trial. Each start is counted in the
//     journal BEFORE the daemon is started (so a crash of any kind is counted); a start that
//     reported a failure, a trial that used up its starts (default 3) or a start that did not
//     mark itself good in time (default 120 s, the bash half's watchdog) is rolled back:
//     `current` back to the old release, the state back to the pre-update snapshot, the
//     failure and the captured log of the failed start recorded in the history;
//   - a committed update (the new release marked itself good): nothing; the daemon finishes.
//
// Commands (the bash half calls them; not for people):
//   prepare  --root R --pid P      decide, then print key=value lines: release, log[, trial, deadline]
//   deadline --root R --pid P --start N   the trial start N did not mark itself good in time
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  existsSync,
  fsyncSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  symlinkSync,
  writeSync,
} from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const beforeSwitch = new Set(['check', 'download', 'verify', 'snapshot', 'unpack', 'migrate']);
const onTrial = new Set(['switch', 'restart', 'health']);
const historyKeep = 100;
const logTailBytes = 64 * 1024;

/**
 * The trial's limits: the environment (an admin's override in the unit) first, then what the
 * update wrote into its journal (the owner's settings), then the defaults: 3 starts, 120 s.
 */
function settings(journal, env = process.env) {
  const number = (value) => (typeof value === 'number' ? value : typeof value === 'string' && /^[0-9]+$/.test(value) ? Number(value) : 0);
  const pick = (...values) => values.map(number).find((value) => value > 0);
  return {
    maxStarts: pick(env.HEARTH_UPDATE_MAX_STARTS, journal?.maxStarts, 3),
    trialSeconds: pick(env.HEARTH_UPDATE_TRIAL_SECONDS, journal?.trialSeconds, 120),
  };
}

// ------------------------------------------------------------------ files

export function layoutOf(root) {
  const install = path.join(root, 'opt/hearth');
  const update = path.join(root, 'var/lib/hearth-update');
  return {
    root,
    install,
    releases: path.join(install, 'releases'),
    current: path.join(install, 'current'),
    update,
    journal: path.join(update, 'journal.json'),
    history: path.join(update, 'history.json'),
    staging: path.join(update, 'staging'),
    logs: path.join(update, 'logs'),
    startLog: path.join(update, 'logs/start.log'),
    previousLog: path.join(update, 'logs/start.previous.log'),
    pidFile: path.join(update, 'daemon.pid'),
  };
}

/** Kills this process (and the bash half waiting for it) at a named point, as a power cut would (crash tests only). */
function faultPoint(point) {
  if (process.env.HEARTH_FAULT_AT !== point) return;
  try {
    process.kill(process.ppid, 'SIGKILL');
  } catch {
    // already gone
  }
  process.kill(process.pid, 'SIGKILL');
}

function fsyncDirectory(dir) {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Temp file in the same directory, fsync, rename, fsync of the directory: the old or the new content, never a mix. */
function writeAtomic(file, text) {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const temp = path.join(dir, `.${path.basename(file)}.${randomBytes(6).toString('hex')}.tmp`);
  const fd = openSync(temp, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, 0o600);
  try {
    const data = Buffer.from(text);
    let offset = 0;
    while (offset < data.length) offset += writeSync(fd, data, offset);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(temp, file);
  fsyncDirectory(dir);
}

function removeDurably(target) {
  if (!existsSync(target) && !isSymlink(target)) return;
  rmSync(target, { recursive: true, force: true });
  fsyncDirectory(path.dirname(target));
}

function isSymlink(file) {
  try {
    return lstatSync(file).isSymbolicLink();
  } catch {
    return false;
  }
}

/** The version `current` points at (releases/<version>), or undefined when it is missing or points elsewhere. */
export function currentVersion(layout) {
  let target;
  try {
    target = readlinkSync(layout.current);
  } catch {
    return undefined;
  }
  const match = /^releases\/([^/]+)$/.exec(target.replace(/\/+$/, ''));
  return match ? match[1] : undefined;
}

/** A release directory that can run: the CLI entry and its package.json are there. */
function isComplete(layout, version) {
  return typeof version === 'string' && /^[0-9A-Za-z.-]+$/.test(version) && existsSync(path.join(layout.releases, version, 'dist/server/cli/hearth.js')) && existsSync(path.join(layout.releases, version, 'package.json'));
}

/** New link under a temp name, rename over `current`, fsync of the directory (the same as server/updates/layout.ts). */
function switchCurrent(layout, version) {
  const temp = path.join(layout.install, `.current.${randomBytes(6).toString('hex')}.tmp`);
  symlinkSync(`releases/${version}`, temp);
  renameSync(temp, layout.current);
  fsyncDirectory(layout.install);
}

export function readJournal(layout) {
  let text;
  try {
    text = readFileSync(layout.journal, 'utf8');
  } catch (error) {
    if (error.code === 'ENOENT') return { journal: undefined };
    throw error;
  }
  try {
    const journal = JSON.parse(text);
    if (!journal || typeof journal !== 'object' || typeof journal.phase !== 'string' || typeof journal.id !== 'string') return { damaged: true };
    return { journal };
  } catch {
    return { damaged: true };
  }
}

/** Every phase change is written first; the crash tests kill right before and right after each write. */
function writeJournal(layout, journal) {
  faultPoint(`update:before:${journal.phase}`);
  journal.updatedAt = new Date().toISOString();
  writeAtomic(layout.journal, JSON.stringify(journal, null, 2) + '\n');
  faultPoint(`update:after:${journal.phase}`);
}

function readHistory(layout) {
  try {
    const list = JSON.parse(readFileSync(layout.history, 'utf8'));
    return Array.isArray(list) ? list : [];
  } catch {
    return [];
  }
}

/** Adds (or replaces, by id: a repeated rollback after a power cut records it once) an entry of the history. */
function recordHistory(layout, entry) {
  const list = readHistory(layout).filter((item) => item && item.id !== entry.id);
  list.push(entry);
  writeAtomic(layout.history, JSON.stringify(list.slice(-historyKeep), null, 2) + '\n');
}

/** The end of the captured output of the last start (the failed one), as text. */
function logTail(file) {
  let fd;
  try {
    fd = openSync(file, 'r');
  } catch {
    return null;
  }
  try {
    const size = statSync(file).size;
    const length = Math.min(size, logTailBytes);
    const buffer = Buffer.alloc(length);
    readSync(fd, buffer, 0, length, size - length);
    const text = buffer.toString('utf8');
    return size > length ? text.slice(text.indexOf('\n') + 1) : text;
  } finally {
    closeSync(fd);
  }
}

function bootId() {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return null;
  }
}

function processStartTime(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** Is the process that writes this journal (an update job) still running? A pid alone is not enough after a reboot. */
function ownerAlive(owner) {
  if (!owner || typeof owner.pid !== 'number') return false;
  if (owner.bootId && owner.bootId !== bootId()) return false;
  const start = processStartTime(owner.pid);
  return start !== undefined && (!owner.pidStart || owner.pidStart === start);
}

const say = (message) => process.stderr.write(`hearth-launcher: ${message}\n`);

// ------------------------------------------------------------------ decisions

/** An update that never switched `current`: remove what it unpacked, close it as interrupted. */
function abortInterrupted(layout, journal) {
  say(`update ${journal.from} → ${journal.to ?? '?'} was interrupted in phase ${journal.phase}; cleaning up, ${journal.from} stays`);
  if (typeof journal.to === 'string' && /^[0-9A-Za-z.-]+$/.test(journal.to)) {
    for (const name of safeList(layout.releases)) {
      if (name.startsWith(`.${journal.to}.partial`)) discardRelease(layout, name);
    }
    if (journal.createdRelease && journal.to !== journal.from && currentVersion(layout) !== journal.to) discardRelease(layout, journal.to);
  }
  removeDurably(path.join(layout.staging, 'migrate'));
  const now = new Date().toISOString();
  recordHistory(layout, {
    id: journal.id,
    from: journal.from,
    to: journal.to ?? null,
    result: 'interrupted',
    phase: journal.phase,
    error: { code: 'HEARTH_ERR_UPDATE_INTERRUPTED', params: { phase: journal.phase } },
    detail: null,
    log: null,
    snapshotId: journal.snapshotId ?? null,
    startedAt: journal.startedAt ?? now,
    endedAt: now,
    notified: false,
    language: journal.language ?? null,
  });
  removeDurably(layout.journal);
}

/**
 * A release the box will not run is renamed out of the way at once (one rename, so the
 * old release starts without waiting) and deleted in the background by the bash half;
 * the daemon's next prune removes whatever a power cut left of it.
 */
function discardRelease(layout, version) {
  const dir = path.join(layout.releases, version);
  if (!existsSync(dir)) return;
  renameSync(dir, path.join(layout.releases, `.${version}.removed-${randomBytes(4).toString('hex')}`));
  fsyncDirectory(layout.releases);
}

function safeList(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/**
 * Back to the release that ran before: `current` first (so even a crash from here on starts
 * the old code), then the state from the pre-update snapshot through the OLD release's own
 * code (it opens nothing: the daemon is not running), then the record. Every step can be
 * repeated, so a power cut anywhere in here is finished by the next start.
 */
function rollback(layout, journal, reason) {
  if (journal.phase !== 'rollback') {
    journal.phase = 'rollback';
    journal.error = journal.error ?? reason;
    journal.failedPhase = journal.failedPhase ?? 'health';
    writeJournal(layout, journal);
  }
  say(`rolling back ${journal.to} → ${journal.from}: ${journal.error?.code ?? 'failed'}`);
  if (!isComplete(layout, journal.from)) throw new Error(`the previous release ${journal.from} is not in ${layout.releases}: cannot roll back (see docs/operations.md, "Updates and rollbacks")`);
  if (currentVersion(layout) !== journal.from) switchCurrent(layout, journal.from);
  faultPoint('launcher:switched-back');
  if (journal.snapshotId && !journal.stateRestored) {
    const tool = path.join(layout.releases, journal.from, 'dist/server/updates/launcher-tool.js');
    const result = spawnSync(process.execPath, [tool, 'restore-state', '--root', layout.root, '--snapshot', String(journal.snapshotId)], {
      stdio: ['ignore', 'inherit', 'inherit'],
      timeout: 30 * 60_000,
    });
    if (result.status !== 0) throw new Error(`restoring the state from snapshot ${journal.snapshotId} failed (exit ${result.status ?? result.signal}); the next start tries again`);
    journal.stateRestored = true;
    writeJournal(layout, journal);
    say(`the state is back as it was before the update (snapshot ${journal.snapshotId})`);
  }
  faultPoint('launcher:state-restored');
  const now = new Date().toISOString();
  recordHistory(layout, {
    id: journal.id,
    from: journal.from,
    to: journal.to,
    result: 'rolled-back',
    phase: journal.failedPhase ?? 'health',
    error: journal.error ?? null,
    detail: journal.detail ?? null,
    log: journal.log ?? logTail(layout.startLog),
    snapshotId: journal.snapshotId ?? null,
    startedAt: journal.startedAt ?? now,
    endedAt: now,
    notified: false,
    language: journal.language ?? null,
  });
  if (journal.createdRelease && journal.to !== journal.from) discardRelease(layout, journal.to);
  removeDurably(layout.journal);
  say(`rolled back to ${journal.from}`);
}

/**
 * What to start. Returns { version, trial? }; repairs a missing or dangling `current`
 * by the newest complete release (a damaged install still comes up).
 */
export function decide(layout, env = process.env) {
  mkdirSync(layout.logs, { recursive: true, mode: 0o700 });
  const read = readJournal(layout);
  if (read.damaged) {
    const aside = `${layout.journal}.damaged-${Date.now()}`;
    renameSync(layout.journal, aside);
    fsyncDirectory(layout.update);
    say(`the update journal was unreadable; kept as ${aside}; starting what current points at`);
  }
  const journal = read.journal;
  let trial;
  if (journal) {
    const at = currentVersion(layout);
    if (beforeSwitch.has(journal.phase) || (journal.phase === 'switch' && at !== journal.to)) {
      if (ownerAlive(journal.owner)) say(`an update (${journal.phase}) is running in process ${journal.owner.pid}; leaving it alone`);
      else abortInterrupted(layout, journal);
    } else if (onTrial.has(journal.phase)) {
      const { maxStarts, trialSeconds } = settings(journal, env);
      const starts = Number(journal.starts) || 0;
      if (journal.startError) {
        rollback(layout, journal, journal.startError);
      } else if (starts >= maxStarts) {
        rollback(layout, journal, { code: 'HEARTH_ERR_UPDATE_START_FAILED', params: { version: journal.to, starts } });
      } else if (at !== journal.to) {
        // Switched, then `current` changed by hand: treat as a failed trial rather than guess.
        rollback(layout, journal, { code: 'HEARTH_ERR_UPDATE_START_FAILED', params: { version: journal.to, starts } });
      } else {
        journal.phase = 'health';
        journal.starts = starts + 1;
        journal.trialStartedAt = journal.trialStartedAt ?? new Date().toISOString();
        writeJournal(layout, journal);
        trial = { start: journal.starts, seconds: trialSeconds };
        say(`starting ${journal.to} on trial (start ${journal.starts} of ${maxStarts}); it must mark itself good within ${trial.seconds} s`);
      }
    } else if (journal.phase === 'rollback') {
      rollback(layout, journal, journal.error);
    }
    // 'commit': the new release marked itself good; the daemon finishes the commit at start.
  }

  let version = currentVersion(layout);
  if (!isComplete(layout, version)) {
    const candidates = safeList(layout.releases)
      .filter((name) => !name.startsWith('.') && isComplete(layout, name))
      .sort((a, b) => statSync(path.join(layout.releases, b)).mtimeMs - statSync(path.join(layout.releases, a)).mtimeMs);
    if (candidates.length === 0) throw new Error(`no release to start: ${layout.current} is ${version ? `releases/${version}, which is incomplete` : 'missing'} and ${layout.releases} holds none`);
    say(`${layout.current} is ${version ? `releases/${version}, which is incomplete` : 'missing'}; pointing it at ${candidates[0]}`);
    version = candidates[0];
    switchCurrent(layout, version);
  }
  return { version, trial };
}

function prepare(root, pid) {
  const layout = layoutOf(root);
  const { version, trial } = decide(layout);
  // This start's output is captured for the history (a failed start's log is shown to the owner).
  if (existsSync(layout.startLog)) renameSync(layout.startLog, layout.previousLog);
  // exec keeps the pid and its start time: this names the daemon about to run, for the update's restart signal.
  if (pid) writeAtomic(layout.pidFile, JSON.stringify({ pid, pidStart: processStartTime(pid) ?? null, bootId: bootId() }) + '\n');
  const lines = [`release=${path.join(layout.releases, version)}`, `log=${layout.startLog}`];
  if (trial) lines.push(`trial=${trial.start}`, `deadline=${trial.seconds}`);
  process.stdout.write(lines.join('\n') + '\n');
}

/** The watchdog of a trial start: if start N still has not marked itself good, say why and stop it. */
async function deadline(root, pid, start) {
  const layout = layoutOf(root);
  const { journal } = readJournal(layout);
  if (!journal || journal.phase !== 'health' || journal.starts !== start) return;
  if (!processStartTime(pid) || !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('hearth.js')) return;
  const seconds = settings(journal).trialSeconds;
  journal.startError = { code: 'HEARTH_ERR_UPDATE_NOT_HEALTHY', params: { version: journal.to, seconds } };
  writeJournal(layout, journal);
  say(`${journal.to} did not mark itself good within ${seconds} s; stopping it`);
  process.kill(pid, 'SIGTERM');
  for (let waited = 0; waited < 15_000 && processStartTime(pid); waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
  if (processStartTime(pid)) process.kill(pid, 'SIGKILL');
}

function option(args, name) {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const [command, ...args] = process.argv.slice(2);
  const root = path.resolve(option(args, '--root') ?? '/');
  const pid = Number(option(args, '--pid')) || undefined;
  if (command === 'prepare') {
    try {
      prepare(root, pid);
    } catch (error) {
      say(error instanceof Error ? error.message : String(error));
      // A rollback that could not finish is retried at the next start (systemd restarts us);
      // anything else must not keep a working release from starting.
      const layout = layoutOf(root);
      let journal;
      try {
        journal = readJournal(layout).journal;
      } catch {
        journal = undefined;
      }
      const version = currentVersion(layout);
      if (journal?.phase !== 'rollback' && isComplete(layout, version)) {
        say(`starting ${version} anyway`);
        process.stdout.write(`release=${path.join(layout.releases, version)}\nlog=${layout.startLog}\n`);
      } else process.exitCode = 1;
    }
  } else if (command === 'deadline') {
    await deadline(root, pid, Number(option(args, '--start'))).catch((error) => {
      say(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    });
  } else {
    say(`unknown command ${command ?? ''}`);
    process.exitCode = 2;
  }
}
