import { Type } from 'typebox';
import { HearthError, type FieldError } from '../../errors.js';
import type { JobContext } from '../../jobs/job-context.js';
import type { System } from '../../system/index.js';
import { notInContainer } from '../availability.js';
import { param } from '../params.js';
import { defineApp, type AppParams } from '../types.js';

/*
 * Logs in RAM, as DietPi-RAMlog, Armbian's armbian-ramlog and log2ram do it, done so that
 * nothing is lost across a clean restart:
 *
 * - journald keeps the journal in RAM only (a drop-in: Storage=volatile, RuntimeMaxUse=).
 * - /var/log becomes a tmpfs at boot, before anything writes a log: a systemd unit binds the
 *   disk's /var/log to /var/log.hdd, mounts the tmpfs over /var/log and copies the logs in;
 *   a daily timer and the unit's stop at shutdown (after every other service) write them
 *   back with rsync. A power cut loses what was logged since the last write-back.
 *
 * The move itself happens only at a restart, in both directions: a program that has a log
 * open (rsyslog, samba, fail2ban) would go on writing to the file it has, so switching a
 * running box would lose its lines. Switching off writes the logs back at once and leaves
 * a unit that writes them back once more at shutdown, unmounts and removes itself.
 */

const MiB = 1024 ** 2;

/** Where the logs are, and where the disk's /var/log stays reachable while a tmpfs covers it. */
export const logDir = '/var/log';
export const diskDir = '/var/log.hdd';
/** The tmpfs's name: how findmnt tells Hearth's tmpfs (SOURCE) from anyone else's. */
export const tmpfsName = 'hearth-logs';
export const mainUnit = 'hearth-logs-in-ram.service';
export const syncUnit = 'hearth-logs-in-ram-sync.service';
export const syncTimer = 'hearth-logs-in-ram-sync.timer';
const unitDir = '/etc/systemd/system';
export const journaldDropIn = '/etc/systemd/journald.conf.d/hearth-logs-in-ram.conf';

export const minSizeMiB = 16;
// DietPi's and log2ram's size: a few days of a quiet box's logs, with room to grow.
const defaultSizeMiB = 50;
export const maxSizeMiB = 4096;
export const minJournalMiB = 8;
export const maxJournalMiB = 1024;
/** At most this share of the memory goes to logs (the tmpfs and the journal together). */
const memoryShare = 4;
/** The logs may fill at most half the tmpfs when it is made: they grow, and logrotate keeps weeks of them. */
const headroom = 2;

/** Maps a path on the box (/var/log) to where it is: itself in a unit file, under the root for Hearth. */
export type At = (boxPath: string) => string;
const asIs: At = (boxPath) => boxPath;

/**
 * Where each program is on Debian, Raspberry Pi OS and Armbian: util-linux and coreutils
 * ship in /bin (which merged /usr keeps as a link), rsync in /usr/bin.
 */
const programPaths: Record<string, string> = {
  mkdir: '/bin/mkdir',
  mount: '/bin/mount',
  umount: '/bin/umount',
  rm: '/bin/rm',
  rmdir: '/bin/rmdir',
  systemctl: '/bin/systemctl',
  rsync: '/usr/bin/rsync',
};

// The journal's directory stays on the disk: journald keeps the journal in RAM itself, and a
// persistent journal would not fit. Excluded on the way back too, so --delete never touches it.
const journal = '--exclude=/journal/';

/**
 * Disk → RAM at boot, into the empty tmpfs. --sparse: /var/log/lastlog is a sparse file of
 * up to gigabytes on some boxes; written out in full it would not fit.
 */
export function copyInArgv(at: At = asIs): string[] {
  return ['rsync', '--archive', '--sparse', journal, `${at(diskDir)}/`, `${at(logDir)}/`];
}

/**
 * RAM → disk: daily, at shutdown, and when switched off. --inplace --no-whole-file: only
 * the blocks that changed are written (a log that grew by a few KiB costs a few KiB, not a
 * new copy of the whole file), which is the point on an SD card; a sparse file already on
 * the disk keeps its holes. Not with --sparse: rsync before 3.2.4 could corrupt files with
 * both (Debian 11 has 3.2.3). --delete: what logrotate removed goes from the disk too.
 */
export function syncArgv(at: At = asIs): string[] {
  return ['rsync', '--archive', '--inplace', '--no-whole-file', '--delete', journal, `${at(logDir)}/`, `${at(diskDir)}/`];
}

export function tmpfsOptions(sizeMiB: number): string {
  return `nosuid,nodev,noexec,noatime,mode=0755,size=${sizeMiB}M`;
}

/** What the unit runs at boot, in order; any failure stops the rest and ExecStopPost undoes the mounts. */
export function startArgvs(sizeMiB: number, at: At = asIs): string[][] {
  return [
    ['mkdir', '-p', at(diskDir)],
    ['mount', '--bind', at(logDir), at(diskDir)],
    // Or the tmpfs mounted next would propagate onto /var/log.hdd, hiding the disk's copy (/ is a shared mount under systemd).
    ['mount', '--make-private', at(diskDir)],
    ['mount', '-t', 'tmpfs', '-o', tmpfsOptions(sizeMiB), tmpfsName, at(logDir)],
    copyInArgv(at),
  ];
}

/**
 * After a stop, and after a start that failed: the tmpfs and the bind mount go. --lazy: at
 * shutdown a straggler holding a log open must not keep them; the logs were written back
 * just before. Each may fail (not mounted): prefixed with "-" in the unit.
 */
export function stopPostArgvs(at: At = asIs): string[][] {
  return [
    ['umount', '--lazy', at(logDir)],
    ['umount', '--lazy', at(diskDir)],
  ];
}

/** Once switched off: after its last stop, the unit removes itself and the empty mount point. */
export function leavingArgvs(at: At = asIs): string[][] {
  return [
    ['rm', '-f', at(`${unitDir}/${mainUnit}`)],
    ['rmdir', at(diskDir)],
  ];
}

/** A command line of a unit file: absolute program, arguments that need no quoting or escaping (no %, $, blanks). */
function execLine(key: string, argv: readonly string[], ignoreFailure = false): string {
  const program = programPaths[argv[0]!];
  if (!program) throw new Error(`no path known for ${argv[0]}`);
  for (const arg of argv.slice(1)) if (!/^[A-Za-z0-9_@+=:,./-]+$/.test(arg)) throw new Error(`not safe in a unit file: ${arg}`);
  return `${key}=${ignoreFailure ? '-' : ''}${[program, ...argv.slice(1)].join(' ')}`;
}

const written = '# Written by Hearth (the logs-in-ram app, docs/operations.md "Logs in RAM"); Hearth rewrites or removes it.';

/** hearth-logs-in-ram.service; `leaving` when switched off while the logs are in RAM. */
export function mainUnitText(sizeMiB: number, leaving = false): string {
  return [
    written,
    '#',
    '# /var/log in RAM. At boot, before anything writes a log, the disk\'s /var/log stays',
    '# reachable at /var/log.hdd, a tmpfs is mounted over /var/log and the logs are copied in',
    '# (not the journal: journald keeps it in RAM itself). `systemctl reload` and the daily',
    `# ${syncTimer} write them back; at shutdown, after every other service has stopped,`,
    '# they are written back once more and both mounts go. If the copy at boot fails, the mounts',
    '# go at once and the logs stay on the disk. A power cut loses what was logged since the last',
    '# write-back.',
    ...(leaving ? ['#', '# Switched off: at its next stop (the shutdown) this unit writes the logs back, unmounts and removes itself.'] : []),
    '[Unit]',
    'Description=Hearth: /var/log in RAM, written back to the disk daily and at shutdown',
    'Documentation=file:/opt/hearth/current/docs/operations.md',
    'DefaultDependencies=no',
    'After=local-fs.target',
    'Before=sysinit.target shutdown.target systemd-tmpfiles-setup.service rsyslog.service syslog.socket fail2ban.service hearth.service',
    'Conflicts=shutdown.target',
    // Both: once mounted, systemd orders this unit after their mount units, so at shutdown it
    // writes back before either is unmounted (the bind mount included, or the write-back would
    // land in the bare directory under it).
    `RequiresMountsFor=${logDir} ${diskDir}`,
    // Someone else's tmpfs or partition there (log2ram, an fstab line): leave it alone.
    `ConditionPathIsMountPoint=!${logDir}`,
    'IgnoreOnIsolate=yes',
    '',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    'TimeoutStartSec=2min',
    'TimeoutStopSec=5min',
    ...startArgvs(sizeMiB).map((argv) => execLine('ExecStart', argv)),
    execLine('ExecReload', syncArgv()),
    execLine('ExecStop', syncArgv()),
    ...stopPostArgvs().map((argv) => execLine('ExecStopPost', argv, true)),
    ...(leaving ? leavingArgvs().map((argv) => execLine('ExecStopPost', argv, true)) : []),
    '',
    '[Install]',
    'WantedBy=sysinit.target',
    '',
  ].join('\n');
}

export function syncUnitText(): string {
  return [
    written,
    '[Unit]',
    'Description=Hearth: write the logs kept in RAM back to the disk',
    'Documentation=file:/opt/hearth/current/docs/operations.md',
    `After=${mainUnit}`,
    // Only while the logs are in RAM; and `reload` refuses when the copy at boot failed, so a
    // half-filled tmpfs is never written over the disk's logs.
    `ConditionPathIsMountPoint=${diskDir}`,
    '',
    '[Service]',
    'Type=oneshot',
    execLine('ExecStart', ['systemctl', 'reload', mainUnit]),
    '',
  ].join('\n');
}

export function timerText(): string {
  return [
    written,
    '[Unit]',
    'Description=Hearth: write the logs kept in RAM back to the disk, daily',
    'Documentation=file:/opt/hearth/current/docs/operations.md',
    '',
    '[Timer]',
    'OnCalendar=daily',
    'RandomizedDelaySec=30min',
    // A box that was off at midnight writes them back soon after it starts.
    'Persistent=true',
    '',
    '[Install]',
    'WantedBy=timers.target',
    '',
  ].join('\n');
}

export function journaldDropInText(journalMiB: number): string {
  return [
    written,
    '# The journal is kept in RAM only (/run/log/journal), at most RuntimeMaxUse; a journal',
    '# already on the disk (/var/log/journal) is kept there as it is.',
    '[Journal]',
    'Storage=volatile',
    `RuntimeMaxUse=${journalMiB}M`,
    '',
  ].join('\n');
}

type Params = { enabled: boolean; sizeMiB: number; journalMiB: number };

interface Observed {
  main?: string;
  sync?: string;
  timer?: string;
  dropIn?: string;
  enabled: boolean;
  timerEnabled: boolean;
  /** What findmnt says is mounted on /var/log, if anything. */
  logMount?: Mounted;
  /** /var/log is Hearth's tmpfs now. */
  inRam: boolean;
}

const unitFile = (system: System, unit: string) => system.paths.systemFile(`${unitDir}/${unit}`);
const rooted = (system: System): At => (boxPath) => system.paths.systemFile(boxPath);

interface Mounted {
  fstype: string;
  source: string;
  /** A tmpfs's size, from its options (the kernel says size=51200k). */
  sizeMiB?: number;
}

const unescape = (raw: string) => raw.replace(/\\x([0-9a-fA-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));

/** `findmnt -n -r -o FSTYPE,SOURCE,OPTIONS PATH`: what is mounted exactly there (nothing when it is a plain directory). */
async function mountedAt(system: System, boxPath: string): Promise<Mounted | undefined> {
  const result = await system.run(['findmnt', '-n', '-r', '-o', 'FSTYPE,SOURCE,OPTIONS', system.paths.systemFile(boxPath)]);
  if (result.code !== 0) return undefined;
  // Several mounts stacked on one place: findmnt lists them all, the one in effect last.
  const [fstype = '', source = '', options = ''] = (result.stdout.trim().split('\n').at(-1) ?? '').split(' ').map(unescape);
  if (!fstype) return undefined;
  const size = /(?:^|,)size=(\d+)([kKmMgG])(?:,|$)/.exec(options);
  const sizeMiB = size ? Math.round(Number(size[1]) * { k: 1 / 1024, m: 1, g: 1024 }[size[2]!.toLowerCase() as 'k' | 'm' | 'g']) : undefined;
  return { fstype, source, ...(sizeMiB !== undefined ? { sizeMiB } : {}) };
}

async function isEnabled(system: System, unit: string): Promise<boolean> {
  // The word, not the exit code: is-enabled exits 0 for "static" too.
  return (await system.run(['systemctl', 'is-enabled', unit])).stdout.trim() === 'enabled';
}

async function observe(system: System): Promise<Observed> {
  const read = (file: string) => system.readFile(file);
  const [main, sync, timer, dropIn, enabled, timerEnabled, logMount] = await Promise.all([
    read(unitFile(system, mainUnit)),
    read(unitFile(system, syncUnit)),
    read(unitFile(system, syncTimer)),
    read(system.paths.systemFile(journaldDropIn)),
    isEnabled(system, mainUnit),
    isEnabled(system, syncTimer),
    mountedAt(system, logDir),
  ]);
  return {
    ...(main !== undefined ? { main } : {}),
    ...(sync !== undefined ? { sync } : {}),
    ...(timer !== undefined ? { timer } : {}),
    ...(dropIn !== undefined ? { dropIn } : {}),
    enabled,
    timerEnabled,
    ...(logMount ? { logMount } : {}),
    inRam: logMount?.fstype === 'tmpfs' && logMount.source === tmpfsName,
  };
}

function sizeOf(text: string | undefined, pattern: RegExp, min: number, max: number): number | undefined {
  const match = text ? pattern.exec(text) : null;
  const value = match ? Number(match[1]) : NaN;
  return value >= min && value <= max ? value : undefined;
}

const unitSize = (main: string | undefined) => sizeOf(main, /^ExecStart=\S*mount -t tmpfs -o \S*\bsize=(\d+)M\b/m, minSizeMiB, maxSizeMiB);
const journalSize = (dropIn: string | undefined) => sizeOf(dropIn, /^RuntimeMaxUse=(\d+)M$/m, minJournalMiB, maxJournalMiB);

/**
 * The box's memory: MemTotal of /proc/meminfo under the root (the board's, in the sandbox
 * demo and in tests), else the host facts.
 */
export async function memoryBytes(system: System): Promise<number> {
  const meminfo = await system.readFile(system.paths.systemFile('proc/meminfo'));
  const kib = meminfo ? /^MemTotal:\s+(\d+) kB$/m.exec(meminfo)?.[1] : undefined;
  return kib ? Number(kib) * 1024 : (await system.hostFacts()).memory.totalBytes;
}

/** What the logs take (blocks in use, as in a tmpfs), the journal's directory left out: `du`, for real in the sandbox too. */
export async function logsBytes(system: System): Promise<number> {
  const at = rooted(system);
  if ((await system.pathType(at(logDir))) !== 'directory') return 0;
  const result = await system.run(['du', '--summarize', '--block-size=1', `--exclude=${at(`${logDir}/journal`)}`, at(logDir)]);
  const bytes = Number(/^(\d+)\s/.exec(result.stdout)?.[1]);
  // du exits 1 when it could not read some entry, still printing the total of the rest.
  if (!Number.isFinite(bytes)) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'du', code: result.code ?? 'signal' });
  return bytes;
}

const fieldError = (param: keyof Params, key: string, params: Record<string, string | number>): FieldError => ({ param, key: `app-logs-in-ram:errors.${key}`, params });

/** Switching off writes the logs back first: that needs the disk's copy in reach. */
async function checkOff(system: System): Promise<FieldError[]> {
  const now = await mountedAt(system, logDir);
  if (now?.fstype === 'tmpfs' && now.source === tmpfsName && !(await mountedAt(system, diskDir))) return [fieldError('enabled', 'noDiskCopy', { dir: diskDir })];
  return [];
}

/** The sizes: a share of the memory at most, and room for the logs there are. */
async function checkOn(params: Params, system: System): Promise<FieldError[]> {
  const total = await memoryBytes(system);
  const limit = Math.floor(total / memoryShare / MiB);
  if (params.sizeMiB + params.journalMiB > limit) {
    return [fieldError('sizeMiB', 'tooMuchMemory', { size: params.sizeMiB, journal: params.journalMiB, limit, total: Math.round(total / MiB) })];
  }
  const used = await logsBytes(system);
  if (used * headroom > params.sizeMiB * MiB) {
    return [fieldError('sizeMiB', 'logsTooBig', { used: Math.ceil(used / MiB), size: params.sizeMiB, needed: Math.ceil((used * headroom) / MiB) })];
  }
  return [];
}

/** What is checked before anything changes, by validate() and again by apply() (an import meets another box). */
function check(params: Params, system: System): Promise<FieldError[]> {
  return params.enabled ? checkOn(params, system) : checkOff(system);
}

function refuse(errors: FieldError[]): void {
  if (errors.length) throw new HearthError('HEARTH_ERR_APP_PARAMS_INVALID', { app: 'logs-in-ram' }, { fields: errors });
}

const aptEnv = { DEBIAN_FRONTEND: 'noninteractive' };
const aptTimeoutMs = 15 * 60_000;

/** rsync writes the logs back (with --delete); Debian's minimal installs lack it. Unattended, as zram installs zram-tools. */
async function installRsync(job: JobContext) {
  const install = ['apt-get', 'install', '-y', '--no-install-recommends', '-o', 'DPkg::Lock::Timeout=300', 'rsync'];
  job.info(job.t('app-logs-in-ram:log.installing'));
  const first = await job.run(install, { env: aptEnv, timeoutMs: aptTimeoutMs, allowFailure: true });
  if (first.code === 0) return;
  job.info(job.t('app-logs-in-ram:log.updatingLists'));
  await job.run(['apt-get', 'update'], { env: aptEnv, timeoutMs: aptTimeoutMs });
  await job.run(install, { env: aptEnv, timeoutMs: aptTimeoutMs });
}

/** Writes a file Hearth owns when its content differs; true when it did. */
async function put(job: JobContext, boxPath: string, before: string | undefined, after: string): Promise<boolean> {
  if (before === after) return false;
  job.info(job.t('app-logs-in-ram:log.writing', { file: boxPath }));
  await job.system.writeFile(job.system.paths.systemFile(boxPath), after, { mode: 0o644 });
  return true;
}

async function drop(job: JobContext, boxPath: string, before: string | undefined): Promise<boolean> {
  if (before === undefined) return false;
  job.info(job.t('app-logs-in-ram:log.removing', { file: boxPath }));
  await job.system.removeFile(job.system.paths.systemFile(boxPath));
  return true;
}

/** The logs in RAM written to the disk's copy now (rsync exit 24: a file vanished meanwhile, logrotate's doing). */
async function writeBack(job: JobContext) {
  job.info(job.t('app-logs-in-ram:log.writingBack', { from: logDir, to: diskDir }));
  const result = await job.run(syncArgv(rooted(job.system)), { allowFailure: true, timeoutMs: 10 * 60_000 });
  if (result.code !== 0 && result.code !== 24) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'rsync', code: result.code ?? result.signal ?? 'signal' });
}

async function switchOn(params: Params, job: JobContext) {
  const { system } = job;
  refuse(await checkOn(params, system));
  if ((await system.pathType(system.paths.systemFile('/usr/bin/rsync'))) === undefined) await installRsync(job);
  const before = await observe(system);

  if (await put(job, journaldDropIn, before.dropIn, journaldDropInText(params.journalMiB))) {
    job.info(job.t('app-logs-in-ram:log.restartingJournald'));
    await job.run(['systemctl', 'restart', 'systemd-journald.service']);
  }
  // A unit left to remove itself (switched off, not restarted since) becomes the ordinary one again.
  let changed = await put(job, `${unitDir}/${mainUnit}`, before.main, mainUnitText(params.sizeMiB));
  changed = (await put(job, `${unitDir}/${syncUnit}`, before.sync, syncUnitText())) || changed;
  changed = (await put(job, `${unitDir}/${syncTimer}`, before.timer, timerText())) || changed;
  if (changed) await job.run(['systemctl', 'daemon-reload']);
  if (!before.enabled) await job.run(['systemctl', 'enable', mainUnit]);
  if (!before.timerEnabled) await job.run(['systemctl', 'enable', '--now', syncTimer]);

  if (before.inRam) {
    if ((before.logMount?.sizeMiB ?? unitSize(before.main)) !== params.sizeMiB) {
      // A tmpfs changes size in place, its files kept; check() made sure they fit in half of it.
      job.info(job.t('app-logs-in-ram:log.resizing', { size: params.sizeMiB }));
      await job.run(['mount', '-o', `remount,size=${params.sizeMiB}M`, system.paths.systemFile(logDir)]);
    }
    job.info(job.t('app-logs-in-ram:log.doneInRam', { size: params.sizeMiB, journal: params.journalMiB }));
  } else {
    job.info(job.t('app-logs-in-ram:log.doneAtRestart', { size: params.sizeMiB, journal: params.journalMiB }));
  }
}

async function switchOff(job: JobContext) {
  const { system } = job;
  refuse(await checkOff(system));
  const before = await observe(system);
  if (!before.main && !before.sync && !before.timer && before.dropIn === undefined && !before.enabled && !before.timerEnabled && !before.inRam) {
    job.info(job.t('app-logs-in-ram:log.alreadyOff'));
    return;
  }
  // Nothing is lost: the logs in RAM are on the disk before anything else changes.
  if (before.inRam) await writeBack(job);

  if (await drop(job, journaldDropIn, before.dropIn)) {
    job.info(job.t('app-logs-in-ram:log.restartingJournald'));
    await job.run(['systemctl', 'restart', 'systemd-journald.service']);
  }
  if (before.timerEnabled || before.timer !== undefined) await job.run(['systemctl', 'disable', '--now', syncTimer]);
  await drop(job, `${unitDir}/${syncTimer}`, before.timer);
  await drop(job, `${unitDir}/${syncUnit}`, before.sync);
  if (before.enabled) await job.run(['systemctl', 'disable', mainUnit]);

  if (before.inRam) {
    // The tmpfs stays until the restart; the unit's stop then writes back what came since, unmounts and goes.
    await put(job, `${unitDir}/${mainUnit}`, before.main, mainUnitText(unitSize(before.main) ?? defaultSizeMiB, true));
    await job.run(['systemctl', 'daemon-reload']);
    if ((await system.run(['systemctl', 'is-active', mainUnit])).code !== 0) job.info(job.t('app-logs-in-ram:log.notActive', { unit: mainUnit }));
    job.info(job.t('app-logs-in-ram:log.offAtRestart', { dir: diskDir }));
    return;
  }
  await drop(job, `${unitDir}/${mainUnit}`, before.main);
  await job.run(['systemctl', 'daemon-reload']);
  // The mount point the unit made, if it is there and empty (never anything with files in it).
  const mountPoint = system.paths.systemFile(diskDir);
  if ((await system.pathType(mountPoint)) === 'directory' && (await system.listDirectory(mountPoint)).length === 0 && !(await mountedAt(system, diskDir))) {
    await system.removeTree(mountPoint);
  }
  job.info(job.t('app-logs-in-ram:log.off'));
}

/** Other tools that keep /var/log in RAM: two at once would stack tmpfs over tmpfs and write back over each other. */
const otherTools: Array<{ files: string[]; reason: string }> = [
  { files: ['etc/systemd/system/log2ram.service', 'lib/systemd/system/log2ram.service', 'usr/lib/systemd/system/log2ram.service', 'usr/local/bin/log2ram'], reason: 'log2ram' },
  { files: ['lib/systemd/system/armbian-ramlog.service', 'usr/lib/systemd/system/armbian-ramlog.service'], reason: 'armbian' },
  { files: ['boot/dietpi/func/dietpi-ramlog', 'etc/systemd/system/dietpi-ramlog.service'], reason: 'dietpi' },
];

const schema = Type.Object({
  enabled: param.boolean({ default: false }),
  sizeMiB: param.integer({ default: defaultSizeMiB, minimum: minSizeMiB, maximum: maxSizeMiB, unit: 'MiB' }),
  journalMiB: param.integer({ default: 32, minimum: minJournalMiB, maximum: maxJournalMiB, unit: 'MiB' }),
});

export default defineApp({
  id: 'logs-in-ram',
  category: 'system',
  kind: 'configure',
  // It may run apt-get (rsync): never at the same time as an update, which runs apt too, or a restore.
  heavy: true,
  hasInfo: true,
  params: schema,
  async availability(env) {
    const container = await notInContainer(env);
    if (!container.available) return container;
    const { system } = env;
    // Once Hearth's unit is there, switching it off must stay possible whatever came since.
    if ((await system.readFile(unitFile(system, mainUnit))) !== undefined) return { available: true };
    for (const tool of otherTools) {
      for (const file of tool.files) {
        if ((await system.pathType(system.paths.systemFile(file))) !== undefined) return { available: false, reason: `app-logs-in-ram:unavailable.${tool.reason}` };
      }
    }
    const mounted = await mountedAt(system, logDir);
    if (mounted && !(mounted.fstype === 'tmpfs' && mounted.source === tmpfsName)) {
      return { available: false, reason: 'app-logs-in-ram:unavailable.ownMount', params: { fstype: mounted.fstype, source: mounted.source } };
    }
    return { available: true };
  },
  async status({ system }) {
    const now = await observe(system);
    const details: Array<{ label: string; value: string }> = [];
    const used = Math.ceil((await logsBytes(system)) / MiB);
    const size = unitSize(now.main);
    const live = now.logMount?.sizeMiB ?? size;
    details.push(now.inRam ? { label: 'app-logs-in-ram:details.inRam', value: `${used} / ${live ?? '?'} MiB` } : { label: 'app-logs-in-ram:details.onDisk', value: `${used} MiB` });
    if (now.inRam) details.push({ label: 'app-logs-in-ram:details.diskCopy', value: diskDir });
    if (now.enabled && !now.inRam) details.push({ label: 'app-logs-in-ram:details.toRam', value: logDir });
    if (!now.enabled && now.inRam) details.push({ label: 'app-logs-in-ram:details.toDisk', value: logDir });
    if (now.dropIn !== undefined) details.push({ label: 'app-logs-in-ram:details.journal', value: `Storage=volatile, RuntimeMaxUse=${journalSize(now.dropIn) ?? '?'}M` });
    details.push({ label: 'app-logs-in-ram:details.memory', value: `${Math.round((await memoryBytes(system)) / MiB)} MiB` });

    // Nothing of Hearth's on the box: no values, so the form starts from the board's recommendation.
    const any = now.main !== undefined || now.dropIn !== undefined || now.inRam || now.enabled;
    const values: Partial<AppParams<typeof schema.properties>> = any ? { enabled: now.enabled } : {};
    if (any && size !== undefined) values.sizeMiB = size;
    const journal = journalSize(now.dropIn);
    if (journal !== undefined) values.journalMiB = journal;
    return { active: now.inRam, values, details };
  },
  validate: (params, { system }) => check(params, system),
  async apply(params, job) {
    if (params.enabled) await switchOn(params, job);
    else await switchOff(job);
  },
});
