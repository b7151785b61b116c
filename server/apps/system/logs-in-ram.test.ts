import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
// First, so its afterEach (removing the temporary roots) runs after this file's (unmounting below them).
import { tempRoot, testAppliance } from '../../testing/temp-root.js';
import { formatAuditLine } from '../../auth/audit-log.js';
import { fixtureById } from '../../boards/fixtures/definitions.js';
import { writeFixtureTree } from '../../boards/fixtures/fixture-tree.js';
import { translator } from '../../i18n.js';
import { createSandboxSystem } from '../../system/sandbox.js';
import { appHarness } from '../../testing/app-harness.js';
import logsInRam, { copyInArgv, journaldDropInText, mainUnitText, startArgvs, stopPostArgvs, syncArgv, syncUnitText, timerText } from './logs-in-ram.js';

const en = translator('en');
const MiB = 1024 ** 2;
const main = 'hearth-logs-in-ram.service';
const timer = 'hearth-logs-in-ram-sync.timer';
const unitFiles = ['etc/systemd/system/hearth-logs-in-ram.service', 'etc/systemd/system/hearth-logs-in-ram-sync.service', 'etc/systemd/system/hearth-logs-in-ram-sync.timer'];
const dropIn = 'etc/systemd/journald.conf.d/hearth-logs-in-ram.conf';
/** What status() asks the host (findmnt of a plain directory runs for real and is not recorded). */
const statusQueries = [
  ['systemctl', 'is-enabled', main],
  ['systemctl', 'is-enabled', timer],
];
/** The same once /var/log is a (pretend) mount: findmnt answers from the pretend host, recorded. */
const inRamQueries = [...statusQueries, ['findmnt', '-n', '-r', '-o', 'FSTYPE,SOURCE,OPTIONS', 'ROOT/var/log']];

function harness(options: { rsync?: boolean; meminfoKiB?: number } = {}) {
  const box = appHarness({ apps: [logsInRam] });
  const { paths } = box.appliance;
  const at = (file: string) => paths.systemFile(file);
  const root = paths.root;
  if (options.rsync !== false) {
    mkdirSync(at('usr/bin'), { recursive: true });
    writeFileSync(at('usr/bin/rsync'), '', { mode: 0o755 });
  }
  if (options.meminfoKiB) {
    mkdirSync(at('proc'), { recursive: true });
    writeFileSync(at('proc/meminfo'), `MemTotal:       ${options.meminfoKiB} kB\nMemFree:          123456 kB\n`);
  }
  const sandbox = createSandboxSystem(paths);
  const ROOT = (argv: string[]) => argv.map((arg) => arg.replaceAll(root, 'ROOT'));
  return {
    box,
    at,
    root,
    sandbox,
    /** The recorded host programs, the root written as ROOT. */
    programs: async () => (await box.programs()).map(ROOT),
    /** The commands a job ran (real and simulated), in order, the root written as ROOT. */
    commands: (log: string[]) => log.filter((line) => line.startsWith('$ ')).map((line) => line.slice(2).replaceAll(root, 'ROOT')),
    /** The box restarting with the unit enabled: its ExecStart commands, under the root, through the sandbox (the mounts pretended). */
    async boot(sizeMiB = 50) {
      mkdirSync(at('var/log'), { recursive: true });
      for (const argv of startArgvs(sizeMiB, at)) expect((await sandbox.run(argv)).code, argv.join(' ')).toBe(0);
      // What systemd then knows: the oneshot unit ran and remains active.
      await sandbox.run(['systemctl', 'start', main]);
    },
  };
}

const values = (detail: { params: Array<{ id: string; value?: unknown }> }) => Object.fromEntries(detail.params.map((p) => [p.id, p.value]));

/** Every file under `dir`, relative, with its content (a big one by size and hash): a tree to compare. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!existsSync(dir)) return out;
  for (const entry of readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const { size } = statSync(file);
    // The sparse lastlog (256 MiB on paper) is compared by its size only.
    out[path.relative(dir, file)] = size > 64 * MiB ? `${size} bytes` : size > 4096 ? `${size} bytes, sha256 ${createHash('sha256').update(readFileSync(file)).digest('hex')}` : readFileSync(file, 'utf8');
  }
  return out;
}

describe('logs-in-ram unit files', () => {
  it('move /var/log into a tmpfs at boot, write it back on reload and stop, and unmount after a stop or a failed start', () => {
    const text = mainUnitText(50);
    const lines = (key: string) => text.split('\n').filter((line) => line.startsWith(`${key}=`));
    expect(lines('ExecStart')).toEqual([
      'ExecStart=/bin/mkdir -p /var/log.hdd',
      'ExecStart=/bin/mount --bind /var/log /var/log.hdd',
      'ExecStart=/bin/mount --make-private /var/log.hdd',
      'ExecStart=/bin/mount -t tmpfs -o nosuid,nodev,noexec,noatime,mode=0755,size=50M hearth-logs /var/log',
      'ExecStart=/usr/bin/rsync --archive --sparse --exclude=/journal/ /var/log.hdd/ /var/log/',
    ]);
    const writeBack = 'rsync --archive --inplace --no-whole-file --delete --exclude=/journal/ /var/log/ /var/log.hdd/';
    expect(lines('ExecReload')).toEqual([`ExecReload=/usr/bin/${writeBack}`]);
    expect(lines('ExecStop')).toEqual([`ExecStop=/usr/bin/${writeBack}`]);
    expect(lines('ExecStopPost')).toEqual(['ExecStopPost=-/bin/umount --lazy /var/log', 'ExecStopPost=-/bin/umount --lazy /var/log.hdd']);
    // Early at boot, before anything that writes a log; stopped after all of them at shutdown.
    expect(lines('DefaultDependencies')).toEqual(['DefaultDependencies=no']);
    expect(lines('After')).toEqual(['After=local-fs.target']);
    expect(lines('Before')).toEqual(['Before=sysinit.target shutdown.target systemd-tmpfiles-setup.service rsyslog.service syslog.socket fail2ban.service hearth.service']);
    expect(lines('Conflicts')).toEqual(['Conflicts=shutdown.target']);
    expect(lines('ConditionPathIsMountPoint')).toEqual(['ConditionPathIsMountPoint=!/var/log']);
    expect(lines('RequiresMountsFor')).toEqual(['RequiresMountsFor=/var/log /var/log.hdd']);
    expect(lines('WantedBy')).toEqual(['WantedBy=sysinit.target']);
    expect(text).toContain('\nType=oneshot\nRemainAfterExit=yes\n');

    // Switched off: the same, and after its last stop it removes itself and the empty mount point.
    const leaving = mainUnitText(50, true);
    expect(leaving.split('\n').filter((line) => line.startsWith('ExecStopPost='))).toEqual([
      'ExecStopPost=-/bin/umount --lazy /var/log',
      'ExecStopPost=-/bin/umount --lazy /var/log.hdd',
      'ExecStopPost=-/bin/rm -f /etc/systemd/system/hearth-logs-in-ram.service',
      'ExecStopPost=-/bin/rmdir /var/log.hdd',
    ]);
    expect(leaving.split('\n').filter((line) => line.startsWith('ExecStart='))).toEqual(lines('ExecStart'));

    expect(syncUnitText()).toContain('\nConditionPathIsMountPoint=/var/log.hdd\n');
    expect(syncUnitText()).toContain('\nExecStart=/bin/systemctl reload hearth-logs-in-ram.service\n');
    expect(timerText()).toContain('\n[Timer]\nOnCalendar=daily\nRandomizedDelaySec=30min\nPersistent=true\n');
    expect(journaldDropInText(32).split('\n').filter((line) => line && !line.startsWith('#'))).toEqual(['[Journal]', 'Storage=volatile', 'RuntimeMaxUse=32M']);
  });

  const analyze = spawnSync('systemd-analyze', ['--version']);
  it.skipIf(analyze.status !== 0)('pass systemd-analyze verify', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'hearth-units-'));
    try {
      writeFileSync(path.join(dir, main), mainUnitText(50));
      writeFileSync(path.join(dir, 'hearth-logs-in-ram-sync.service'), syncUnitText());
      writeFileSync(path.join(dir, timer), timerText());
      mkdirSync(path.join(dir, 'leaving'));
      writeFileSync(path.join(dir, 'leaving', main), mainUnitText(4096, true));
      for (const units of [[main, 'hearth-logs-in-ram-sync.service', timer], [`leaving/${main}`]]) {
        const result = spawnSync('systemd-analyze', ['verify', ...units.map((unit) => `./${unit}`)], { cwd: dir, encoding: 'utf8' });
        // verify only warns (exit 0) about an unknown key: any output is a failure here.
        expect({ code: result.status, out: result.stdout + result.stderr }, units.join(' ')).toEqual({ code: 0, out: '' });
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
  if (analyze.status !== 0) console.log('skipped "pass systemd-analyze verify": systemd-analyze is not installed here');
});

describe('logs-in-ram app in the sandbox', () => {
  it('switched on: writes the journald drop-in and the units, restarts journald, enables them; /var/log moves at the next restart', async () => {
    const { box, at, programs, commands } = harness();
    const { job, log } = await box.run('logs-in-ram', { enabled: true, sizeMiB: 64, journalMiB: 24 });
    expect(job.status, log.join('\n')).toBe('succeeded');

    expect(box.file(dropIn)).toBe(journaldDropInText(24));
    expect(box.file(unitFiles[0]!)).toBe(mainUnitText(64));
    expect(box.file(unitFiles[1]!)).toBe(syncUnitText());
    expect(box.file(unitFiles[2]!)).toBe(timerText());
    for (const file of [dropIn, ...unitFiles]) expect(statSync(at(file)).mode & 0o777, file).toBe(0o644);
    expect(await programs()).toEqual([
      ...statusQueries,
      ...statusQueries,
      ['systemctl', 'restart', 'systemd-journald.service'],
      ['systemctl', 'daemon-reload'],
      ['systemctl', 'enable', main],
      ['systemctl', 'enable', '--now', timer],
    ]);
    expect(commands(log)).toEqual([
      'systemctl restart systemd-journald.service',
      'systemctl daemon-reload',
      `systemctl enable ${main}`,
      `systemctl enable --now ${timer}`,
    ]);
    expect(log.at(-1)).toBe('Set up: the journal is in RAM now (24 MiB); /var/log moves into RAM (64 MiB) at the next restart. Until then the logs stay on the disk.');
    const { services } = await box.state();
    expect(services[main]).toBeUndefined();
    expect([services['hearth-logs-in-ram'], services[timer]]).toEqual([{ enabled: true, active: false }, { enabled: true, active: true }]);

    const detail = await box.appliance.apps.detail('logs-in-ram', en);
    expect(detail.active).toBe(false);
    expect(values(detail)).toEqual({ enabled: true, sizeMiB: 64, journalMiB: 24 });
    expect(detail.details).toEqual([
      { label: 'Logs on the disk now', value: '0 MiB' },
      { label: 'Moves into RAM at the next restart', value: '/var/log' },
      { label: 'System journal', value: 'Storage=volatile, RuntimeMaxUse=24M' },
      { label: 'Memory', value: expect.stringMatching(/^\d+ MiB$/) },
    ]);
    expect(detail.info).toMatch(/A power cut, or pulling the plug, loses what was logged since the last daily write/);

    // The same again changes nothing.
    const before = (await programs()).length;
    const again = await box.run('logs-in-ram', { enabled: true, sizeMiB: 64, journalMiB: 24 });
    expect(again.job.status).toBe('succeeded');
    expect(commands(again.log)).toEqual([]);
    expect((await programs()).slice(before)).toEqual([...statusQueries, ...statusQueries]);
  });

  it('installs rsync when it is missing, and only then', async () => {
    const { box, commands } = harness({ rsync: false });
    const { job, log } = await box.run('logs-in-ram', { enabled: true });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)[0]).toBe('apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=300 rsync');
    expect(log).toContain('Installing rsync (it writes the logs back to the disk)');
  });

  it('after a restart the logs are in RAM: status reads findmnt; a new size applies to the tmpfs at once', async () => {
    const { box, at, programs, commands, boot } = harness();
    await box.run('logs-in-ram', { enabled: true });
    mkdirSync(at('var/log/apt'), { recursive: true });
    writeFileSync(at('var/log/apt/history.log'), 'x'.repeat(3 * MiB));
    await boot();
    expect(await createSandboxSystem(box.appliance.paths).run(['findmnt', '-n', '-r', '-o', 'FSTYPE,SOURCE', at('var/log')])).toMatchObject({ code: 0, stdout: 'tmpfs hearth-logs\n', simulated: true });

    const detail = await box.appliance.apps.detail('logs-in-ram', en);
    expect(detail.active).toBe(true);
    expect(values(detail)).toEqual({ enabled: true, sizeMiB: 50, journalMiB: 32 });
    expect(detail.details.slice(0, 2)).toEqual([
      { label: 'Logs in RAM now (used / size)', value: '4 / 50 MiB' },
      { label: 'Their copy on the disk', value: '/var/log.hdd' },
    ]);

    const before = (await programs()).length;
    const { job, log } = await box.run('logs-in-ram', { enabled: true, sizeMiB: 80 });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual(['systemctl daemon-reload', 'mount -o remount,size=80M ROOT/var/log']);
    expect((await programs()).slice(before)).toEqual([...inRamQueries, ...inRamQueries, ['systemctl', 'daemon-reload'], ['mount', '-o', 'remount,size=80M', 'ROOT/var/log']]);
    expect(box.file(unitFiles[0]!)).toBe(mainUnitText(80));
    const mounts = (await box.state()).extra.pretendMounts as Array<{ target: string; options: string }>;
    expect(mounts.find((m) => m.target === '/var/log')?.options).toBe('rw,nosuid,nodev,noexec,noatime,mode=0755,size=80M');
    expect(log.at(-1)).toBe('The logs are in RAM (80 MiB, the journal 32 MiB) and written to the disk daily and at shutdown.');
  });

  it('switched off while in RAM: the logs are written to the disk first, the rest is undone, and the unit stays to write back once more at shutdown and go', async () => {
    const { box, at, commands, boot } = harness();
    await box.run('logs-in-ram', { enabled: true });
    await boot();
    // In the sandbox the mounts are pretended: var/log plays the tmpfs, var/log.hdd the disk's copy.
    writeFileSync(at('var/log/syslog'), 'Nov 28 12:00:01 box kernel: one\nNov 28 12:00:02 box kernel: two\n');
    mkdirSync(at('var/log/hearth'), { recursive: true });
    writeFileSync(at('var/log/hearth/auth.log'), `${formatAuditLine(new Date(Date.UTC(2026, 10, 28)), 812, 'login.failed', 'admin', '192.168.1.20')}\n`, { mode: 0o640 });
    chmodSync(at('var/log/hearth/auth.log'), 0o640);
    writeFileSync(at('var/log.hdd/syslog'), 'Nov 28 12:00:01 box kernel: one\n');
    writeFileSync(at('var/log.hdd/syslog.7.gz'), 'rotated away in RAM');
    mkdirSync(at('var/log.hdd/journal/0123'), { recursive: true });
    writeFileSync(at('var/log.hdd/journal/0123/system.journal'), 'the old persistent journal');

    const { job, log } = await box.run('logs-in-ram', { enabled: false });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual([
      'rsync --archive --inplace --no-whole-file --delete --exclude=/journal/ ROOT/var/log/ ROOT/var/log.hdd/',
      'systemctl restart systemd-journald.service',
      `systemctl disable --now ${timer}`,
      `systemctl disable ${main}`,
      'systemctl daemon-reload',
    ]);
    // The disk's copy is the RAM's: the new line, Hearth's login log (its mode kept), the rotated file gone; the old journal kept.
    expect(tree(at('var/log.hdd'))).toEqual({
      syslog: 'Nov 28 12:00:01 box kernel: one\nNov 28 12:00:02 box kernel: two\n',
      'hearth/auth.log': `${formatAuditLine(new Date(Date.UTC(2026, 10, 28)), 812, 'login.failed', 'admin', '192.168.1.20')}\n`,
      'journal/0123/system.journal': 'the old persistent journal',
    });
    expect(statSync(at('var/log.hdd/hearth/auth.log')).mode & 0o777).toBe(0o640);
    expect(box.file(dropIn)).toBeUndefined();
    expect(box.file(unitFiles[1]!)).toBeUndefined();
    expect(box.file(unitFiles[2]!)).toBeUndefined();
    expect(box.file(unitFiles[0]!)).toBe(mainUnitText(50, true));
    const { services } = await box.state();
    expect([services['hearth-logs-in-ram'], services[timer]]).toEqual([{ enabled: false, active: true }, { enabled: false, active: false }]);
    expect(log.join('\n')).not.toContain('is not running');
    expect(log.at(-1)).toBe('The logs are on the disk (/var/log.hdd) up to now. /var/log goes back to the disk at the next restart; what is logged until then is written there at shutdown.');

    const detail = await box.appliance.apps.detail('logs-in-ram', en);
    expect([detail.active, values(detail).enabled]).toEqual([true, false]);
    expect(detail.details).toContainEqual({ label: 'Goes back to the disk at the next restart', value: '/var/log' });

    // On again before the restart: the unit is the ordinary one again, and stays.
    const on = await box.run('logs-in-ram', { enabled: true });
    expect(on.job.status, on.log.join('\n')).toBe('succeeded');
    expect(box.file(unitFiles[0]!)).toBe(mainUnitText(50));
    expect(commands(on.log)).toEqual(['systemctl restart systemd-journald.service', 'systemctl daemon-reload', `systemctl enable ${main}`, `systemctl enable --now ${timer}`]);
  });

  it('switched off before a restart: off undoes on, file for file', async () => {
    const { box, root, commands } = harness();
    const etcBefore = tree(path.join(root, 'etc'));
    await box.run('logs-in-ram', { enabled: true });
    const { job, log } = await box.run('logs-in-ram', { enabled: false });
    expect(job.status, log.join('\n')).toBe('succeeded');
    expect(commands(log)).toEqual([
      'systemctl restart systemd-journald.service',
      `systemctl disable --now ${timer}`,
      `systemctl disable ${main}`,
      'systemctl daemon-reload',
    ]);
    expect(tree(path.join(root, 'etc'))).toEqual(etcBefore);
    const { services } = await box.state();
    expect([services['hearth-logs-in-ram'], services[timer]]).toEqual([{ enabled: false, active: false }, { enabled: false, active: false }]);
    expect(log.at(-1)).toBe('Logs in RAM is off: the logs and the journal are written to the disk.');

    const again = await box.run('logs-in-ram', { enabled: false });
    expect(commands(again.log)).toEqual([]);
    expect(again.log.at(-1)).toBe('Logs in RAM is already off.');
  });

  it('refuses bad input, too much of the memory, logs that would not fit, and switching off without the disk copy, changing nothing', async () => {
    // A Raspberry Pi Zero 2 W: 429 MiB, so at most 107 MiB for the logs and the journal.
    const { box, at, programs, sandbox } = harness({ meminfoKiB: 439492 });
    mkdirSync(at('var/log/journal'), { recursive: true });
    writeFileSync(at('var/log/journal/system.journal'), 'j'.repeat(40 * MiB));
    // 9 MiB in blocks, the directories' included.
    writeFileSync(at('var/log/syslog'), 's'.repeat(9 * MiB - 64 * 1024));
    const refusals: Array<[Record<string, unknown>, string, string]> = [
      [{ sizeMiB: 15 }, 'sizeMiB', 'errors:fields.tooSmall'],
      [{ sizeMiB: 4097 }, 'sizeMiB', 'errors:fields.tooLarge'],
      [{ sizeMiB: 50.5 }, 'sizeMiB', 'errors:fields.wrongType'],
      [{ sizeMiB: '50' }, 'sizeMiB', 'errors:fields.wrongType'],
      [{ sizeMiB: '50M\nStorage=persistent' }, 'sizeMiB', 'errors:fields.wrongType'],
      [{ journalMiB: 7 }, 'journalMiB', 'errors:fields.tooSmall'],
      [{ journalMiB: 1025 }, 'journalMiB', 'errors:fields.tooLarge'],
      [{ journalMiB: null }, 'journalMiB', 'errors:fields.wrongType'],
      [{ enabled: 'yes' }, 'enabled', 'errors:fields.wrongType'],
      [{ path: '/var/log' }, 'path', 'errors:fields.unknown'],
      [{ sizeMiB: 80, journalMiB: 32 }, 'sizeMiB', 'app-logs-in-ram:errors.tooMuchMemory'],
      // 9 MiB of logs (the journal's 40 MiB stay on the disk and do not count): more than half of 16 MiB.
      [{ sizeMiB: 16, journalMiB: 8 }, 'sizeMiB', 'app-logs-in-ram:errors.logsTooBig'],
    ];
    for (const [input, param, key] of refusals) {
      expect(await box.refused('logs-in-ram', { enabled: true, ...input }), JSON.stringify(input)).toEqual([{ param, key }]);
    }
    const fieldsOf = (input: Record<string, unknown>) =>
      box.appliance.apps.check('logs-in-ram', { enabled: true, ...input }).then(
        () => [],
        (error: { fields?: unknown[] }) => error.fields,
      );
    expect(await fieldsOf({ sizeMiB: 80, journalMiB: 32 })).toEqual([{ param: 'sizeMiB', key: 'app-logs-in-ram:errors.tooMuchMemory', params: { size: 80, journal: 32, limit: 107, total: 429 } }]);
    expect(await fieldsOf({ sizeMiB: 16, journalMiB: 8 })).toEqual([{ param: 'sizeMiB', key: 'app-logs-in-ram:errors.logsTooBig', params: { used: 9, size: 16, needed: 18 } }]);
    expect(en('app-logs-in-ram:errors.tooMuchMemory', { size: 80, journal: 32, limit: 107, total: 429 })).toBe(
      "80 MiB for the logs and 32 MiB for the journal is more than a quarter of this box's memory: together at most 107 MiB of its 429 MiB.",
    );
    expect(translator('zh-CN')('app-logs-in-ram:errors.logsTooBig', { used: 9, size: 16, needed: 18 })).toContain('9 MiB');
    // 64 + 32 fits on this board, and 9 MiB of logs in 64 MiB.
    await box.appliance.apps.check('logs-in-ram', { enabled: true, sizeMiB: 64, journalMiB: 32 });

    // In RAM, but the disk's copy is not mounted: switching off cannot write the logs back.
    await sandbox.run(['mount', '-t', 'tmpfs', '-o', 'size=50M', 'hearth-logs', at('var/log')]);
    expect(await box.refused('logs-in-ram', { enabled: false })).toEqual([{ param: 'enabled', key: 'app-logs-in-ram:errors.noDiskCopy' }]);

    for (const file of [dropIn, ...unitFiles]) expect(box.file(file)).toBeUndefined();
    // Only queries (and the test's own mount): nothing was enabled, restarted or reloaded.
    const recorded = (await programs()).filter((argv) => argv[0] !== 'mount').map((argv) => argv.slice(0, 2).join(' '));
    expect(new Set(recorded)).toEqual(new Set(['systemctl is-enabled', 'findmnt -n']));
    expect(box.appliance.saved.get('logs-in-ram')).toBeUndefined();
    expect(box.appliance.jobs.recent(10)).toEqual([]);
  });

  it('is not offered in a container, beside log2ram, Armbian or DietPi, or where /var/log is a file system of its own; Hearth\'s own unit can always be switched off', async () => {
    for (const [file, reason] of [
      ['run/systemd/container', 'Not available in a container (lxc): the host manages this.'],
      ['usr/local/bin/log2ram', 'log2ram keeps the logs in RAM on this box already (/etc/log2ram.conf).'],
      ['lib/systemd/system/armbian-ramlog.service', 'Armbian keeps the logs in RAM itself (armbian-ramlog); change it in /etc/default/armbian-ramlog.'],
      ['boot/dietpi/func/dietpi-ramlog', 'DietPi keeps the logs in RAM itself (DietPi-RAMlog); change it with dietpi-software.'],
    ] as const) {
      const { box, at } = harness();
      mkdirSync(path.dirname(at(file)), { recursive: true });
      writeFileSync(at(file), 'lxc\n');
      const detail = await box.appliance.apps.detail('logs-in-ram', en);
      expect([detail.available, detail.unavailableReason], file).toEqual([false, reason]);
      await expect(box.run('logs-in-ram', { enabled: true })).rejects.toMatchObject({ code: 'HEARTH_ERR_APP_UNAVAILABLE' });
      expect(box.file(unitFiles[0]!)).toBeUndefined();
    }

    const { box, at, sandbox } = harness();
    mkdirSync(at('var/log'), { recursive: true });
    await sandbox.run(['mount', '-t', 'tmpfs', '-o', 'size=50M', 'tmpfs', at('var/log')]);
    const detail = await box.appliance.apps.detail('logs-in-ram', en);
    expect([detail.available, detail.unavailableReason]).toEqual([false, '/var/log is a file system of its own on this box (tmpfs from tmpfs); Hearth leaves it as it is.']);
    await sandbox.run(['umount', at('var/log')]);

    await box.run('logs-in-ram', { enabled: true });
    mkdirSync(at('usr/local/bin'), { recursive: true });
    writeFileSync(at('usr/local/bin/log2ram'), '#!/bin/sh\n');
    expect((await box.appliance.apps.detail('logs-in-ram', en)).available).toBe(true);
    expect((await box.run('logs-in-ram', { enabled: false })).job.status).toBe('succeeded');
  });
});

describe("logs-in-ram and the board's recommendation", () => {
  it('starts the form from the profile until the owner saves, and the system wins over both', async () => {
    const on = (fixtureId: string) => {
      const fixture = fixtureById(fixtureId)!;
      const root = tempRoot();
      writeFixtureTree(fixture, root);
      const box = appHarness({ root, apps: [logsInRam], board: { arch: fixture.arch } });
      return box;
    };
    const pi = on('raspberrypi-4b');
    expect(values(await pi.appliance.apps.detail('logs-in-ram', en))).toEqual({ enabled: true, sizeMiB: 50, journalMiB: 32 });
    const pc = on('generic-x86-64');
    expect(values(await pc.appliance.apps.detail('logs-in-ram', en))).toEqual({ enabled: false, sizeMiB: 50, journalMiB: 32 });

    // Saved off: stays off on the Pi.
    expect((await pi.run('logs-in-ram', { enabled: false })).job.status).toBe('succeeded');
    expect(values(await pi.appliance.apps.detail('logs-in-ram', en)).enabled).toBe(false);
    // Switched on on the PC: what the system has now wins over its profile.
    expect((await pc.run('logs-in-ram', { enabled: true, sizeMiB: 40 })).job.status).toBe('succeeded');
    expect(values(await pc.appliance.apps.detail('logs-in-ram', en))).toEqual({ enabled: true, sizeMiB: 40, journalMiB: 32 });
  });
});

/**
 * The unit's own command lines, for real: parsed from the generated text, the box's paths
 * put under a temporary root, run in the order systemd runs them, with real tmpfs and bind
 * mounts (root only).
 */
const realMounts = process.getuid?.() !== 0 ? 'mounting needs root' : spawnSync('rsync', ['--version']).status !== 0 ? 'rsync is not installed' : undefined;
if (realMounts) console.log(`skipped the real-mount tests of logs-in-ram: ${realMounts}`);

describe.skipIf(realMounts !== undefined)('logs-in-ram unit commands, for real under a temporary root', () => {
  const mounted: string[] = [];
  afterEach(() => {
    for (const dir of mounted.splice(0).reverse()) spawnSync('umount', ['--lazy', dir]);
  });

  /** The commands of one key of a unit file, the paths of the box moved under `root`. */
  function commandsOf(unit: string, key: string, root: string): Array<{ argv: string[]; ignoreFailure: boolean }> {
    return unit
      .split('\n')
      .filter((line) => line.startsWith(`${key}=`))
      .map((line) => {
        const command = line.slice(key.length + 1);
        const ignoreFailure = command.startsWith('-');
        const argv = command.replace(/^-/, '').split(' ');
        return { ignoreFailure, argv: argv.map((arg, i) => (i > 0 && /^\/(var|etc)\//.test(arg) ? path.join(root, arg) + (arg.endsWith('/') ? '/' : '') : arg)) };
      });
  }

  /** Like systemd: in order, stopping at the first failure not prefixed with "-". */
  function runAll(commands: Array<{ argv: string[]; ignoreFailure: boolean }>): { ok: boolean; failed?: string } {
    for (const { argv, ignoreFailure } of commands) {
      const result = spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
      if (argv[1] === '-t' || argv[1] === '--bind') mounted.push(argv.at(-1)!);
      if (result.status !== 0 && !ignoreFailure) return { ok: false, failed: `${argv.join(' ')}: ${result.stderr}` };
    }
    return { ok: true };
  }

  const fstype = (dir: string) => spawnSync('findmnt', ['-n', '-r', '-o', 'FSTYPE,SOURCE', dir], { encoding: 'utf8' }).stdout.trim();

  function seedLogs(root: string) {
    const log = path.join(root, 'var/log');
    mkdirSync(path.join(log, 'journal/0123'), { recursive: true });
    mkdirSync(path.join(log, 'hearth'), { recursive: true });
    writeFileSync(path.join(log, 'syslog'), 'Nov 28 12:00:01 box kernel: booted\n');
    writeFileSync(path.join(log, 'syslog.2.gz'), Buffer.alloc(4096, 7));
    writeFileSync(path.join(log, 'journal/0123/system.journal'), Buffer.alloc(2 * MiB, 1));
    // lastlog is sparse (UIDs far apart): 256 MiB on paper, nothing in blocks. Copied without --sparse it would not fit.
    execFileSync('truncate', ['-s', '256M', path.join(log, 'lastlog')]);
    chmodSync(log, 0o755);
  }

  it('boot moves /var/log into a tmpfs (not the journal); Hearth\'s login log lands there; reload and stop write everything back, and the mounts go', async () => {
    const appliance = testAppliance({ systemKind: 'linux', apps: [logsInRam] });
    const { paths, system } = appliance;
    const root = paths.root;
    seedLogs(root);
    const unit = mainUnitText(16);
    const log = path.join(root, 'var/log');
    const hdd = path.join(root, 'var/log.hdd');

    expect(runAll(commandsOf(unit, 'ExecStart', root))).toEqual({ ok: true });
    expect(fstype(log)).toBe('tmpfs hearth-logs');
    expect(fstype(hdd)).not.toBe('');
    expect(Object.keys(tree(log)).sort()).toEqual(['lastlog', 'syslog', 'syslog.2.gz']);
    expect(statSync(path.join(log, 'lastlog')).size).toBe(256 * MiB);
    expect(statSync(log).mode & 0o777).toBe(0o755);
    // The disk's /var/log, journal and all, is still there behind the tmpfs.
    expect(existsSync(path.join(hdd, 'journal/0123/system.journal'))).toBe(true);

    // The app reads it from the real findmnt.
    const detail = await appliance.apps.detail('logs-in-ram', en);
    expect(detail.active).toBe(true);
    expect(detail.details[0]).toEqual({ label: 'Logs in RAM now (used / size)', value: expect.stringMatching(/^\d+ \/ 16 MiB$/) });

    // Hearth writes its login log (fail2ban's) as always: into the tmpfs.
    const line = formatAuditLine(new Date(Date.UTC(2026, 10, 28, 15)), 812, 'login.failed', 'admin', '192.168.1.20');
    await system.appendFile(paths.authLog, `${line}\n`);
    expect(readFileSync(path.join(log, 'hearth/auth.log'), 'utf8')).toBe(`${line}\n`);
    expect(existsSync(path.join(hdd, 'hearth/auth.log'))).toBe(false);

    // A day later: a new line, logrotate removed a file; the daily write-back (reload).
    writeFileSync(path.join(log, 'syslog'), 'Nov 28 12:00:01 box kernel: booted\nNov 29 00:00:01 box cron: daily\n');
    rmSync(path.join(log, 'syslog.2.gz'));
    expect(runAll(commandsOf(unit, 'ExecReload', root))).toEqual({ ok: true });
    expect(readFileSync(path.join(hdd, 'syslog'), 'utf8')).toContain('cron: daily');
    expect(readFileSync(path.join(hdd, 'hearth/auth.log'), 'utf8')).toBe(`${line}\n`);
    expect(statSync(path.join(hdd, 'hearth/auth.log')).mode & 0o777).toBe(0o640);
    expect(existsSync(path.join(hdd, 'syslog.2.gz'))).toBe(false);
    expect(statSync(path.join(hdd, 'journal/0123/system.journal')).size).toBe(2 * MiB);

    // Shutdown: the last lines are written back, then both mounts go.
    writeFileSync(path.join(log, 'syslog'), 'last words\n', { flag: 'a' });
    expect(runAll([...commandsOf(unit, 'ExecStop', root), ...commandsOf(unit, 'ExecStopPost', root)])).toEqual({ ok: true });
    expect(fstype(log)).toBe('');
    expect(fstype(hdd)).toBe('');
    expect(readFileSync(path.join(log, 'syslog'), 'utf8')).toBe('Nov 28 12:00:01 box kernel: booted\nNov 29 00:00:01 box cron: daily\nlast words\n');
    expect(readFileSync(path.join(log, 'hearth/auth.log'), 'utf8')).toBe(`${line}\n`);
    expect(statSync(path.join(log, 'journal/0123/system.journal')).size).toBe(2 * MiB);
    // Still sparse on the disk.
    expect(statSync(path.join(log, 'lastlog')).blocks).toBeLessThan(64);
    appliance.close();
  });

  it('a copy at boot that fails (logs larger than the tmpfs) leaves /var/log on the disk, untouched', () => {
    const root = tempRoot();
    seedLogs(root);
    const log = path.join(root, 'var/log');
    writeFileSync(path.join(log, 'big.log'), Buffer.alloc(20 * MiB, 5));
    const before = tree(log);
    const unit = mainUnitText(16);
    const start = runAll(commandsOf(unit, 'ExecStart', root));
    expect(start.ok).toBe(false);
    expect(start.failed).toMatch(/^\/usr\/bin\/rsync /);
    // systemd runs ExecStopPost after a failed start (and not ExecStop): the mounts go, nothing is written back.
    expect(runAll(commandsOf(unit, 'ExecStopPost', root))).toEqual({ ok: true });
    expect(fstype(log)).toBe('');
    expect(fstype(path.join(root, 'var/log.hdd'))).toBe('');
    expect(tree(log)).toEqual(before);
  });

  it('the daily write-back writes what changed, in place: a log that grew by 8 KiB costs about that, not a new copy', () => {
    const root = tempRoot();
    seedLogs(root);
    const log = path.join(root, 'var/log');
    const hdd = path.join(root, 'var/log.hdd');
    writeFileSync(path.join(log, 'daemon.log'), randomBytes(3 * MiB).toString('base64'));
    const unit = mainUnitText(16);
    expect(runAll(commandsOf(unit, 'ExecStart', root))).toEqual({ ok: true });
    const inode = statSync(path.join(hdd, 'daemon.log')).ino;
    appendFileSync(path.join(log, 'daemon.log'), randomBytes(6 * 1024).toString('base64'));
    const { argv } = commandsOf(unit, 'ExecReload', root)[0]!;
    // GNU time's %O: the blocks of 512 bytes the command wrote to file systems.
    const timed = existsSync('/usr/bin/time');
    const result = timed ? spawnSync('/usr/bin/time', ['-f', '%O', ...argv], { encoding: 'utf8' }) : spawnSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
    expect(result.status, result.stderr).toBe(0);
    expect(readFileSync(path.join(hdd, 'daemon.log')).equals(readFileSync(path.join(log, 'daemon.log')))).toBe(true);
    expect(statSync(path.join(hdd, 'daemon.log')).ino).toBe(inode);
    if (timed) {
      const written = Number(result.stderr.trim().split('\n').at(-1)) * 512;
      // A whole copy would be 4 MiB.
      expect(written).toBeLessThan(256 * 1024);
    } else {
      console.log('skipped counting the blocks written: /usr/bin/time is not installed');
    }
    expect(runAll([...commandsOf(unit, 'ExecStop', root), ...commandsOf(unit, 'ExecStopPost', root)])).toEqual({ ok: true });
  });

  it('the leaving unit removes itself and its mount point after its last stop', () => {
    const root = tempRoot();
    seedLogs(root);
    const unit = mainUnitText(16, true);
    mkdirSync(path.join(root, 'etc/systemd/system'), { recursive: true });
    writeFileSync(path.join(root, 'etc/systemd/system', main), unit);
    expect(runAll(commandsOf(unit, 'ExecStart', root))).toEqual({ ok: true });
    writeFileSync(path.join(root, 'var/log/syslog'), 'after switching off\n', { flag: 'a' });
    expect(runAll([...commandsOf(unit, 'ExecStop', root), ...commandsOf(unit, 'ExecStopPost', root)])).toEqual({ ok: true });
    expect(readFileSync(path.join(root, 'var/log/syslog'), 'utf8')).toBe('Nov 28 12:00:01 box kernel: booted\nafter switching off\n');
    expect(existsSync(path.join(root, 'etc/systemd/system', main))).toBe(false);
    expect(existsSync(path.join(root, 'var/log.hdd'))).toBe(false);
  });

  it('Hearth writes back with the same command the unit uses', () => {
    const at = (p: string) => `/R${p}`;
    expect(syncArgv(at)).toEqual(['rsync', '--archive', '--inplace', '--no-whole-file', '--delete', '--exclude=/journal/', '/R/var/log/', '/R/var/log.hdd/']);
    expect(copyInArgv(at)).toEqual(['rsync', '--archive', '--sparse', '--exclude=/journal/', '/R/var/log.hdd/', '/R/var/log/']);
    expect(stopPostArgvs(at)).toEqual([['umount', '--lazy', '/R/var/log'], ['umount', '--lazy', '/R/var/log.hdd']]);
  });
});
