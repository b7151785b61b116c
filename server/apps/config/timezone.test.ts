import { existsSync, lstatSync, mkdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { translator } from '../../i18n.js';
import { appHarness } from '../../testing/app-harness.js';
import timezoneApp, { timezoneNames } from './timezone.js';

const hostZoneinfo = '/usr/share/zoneinfo';

/**
 * A test box whose usr/share/zoneinfo is the host's real tz database (Debian's tzdata,
 * priority "required"), linked in, not copied: the app reads it under the root exactly
 * as it reads /usr/share/zoneinfo on a board.
 */
function boxWithTzdata() {
  if (!existsSync(path.join(hostZoneinfo, 'tzdata.zi'))) throw new Error('these tests need the tz database of the tzdata package in /usr/share/zoneinfo');
  const box = appHarness({ apps: [timezoneApp] });
  const share = box.appliance.paths.systemFile('usr/share');
  mkdirSync(share, { recursive: true });
  symlinkSync(hostZoneinfo, path.join(share, 'zoneinfo'));
  return box;
}

async function detail(box: ReturnType<typeof appHarness>) {
  return box.appliance.apps.detail('timezone', translator('en'));
}

function expectUntouched(box: ReturnType<typeof appHarness>) {
  expect(box.file('etc/timezone')).toBeUndefined();
  expect(existsSync(box.appliance.paths.systemFile('etc/localtime'))).toBe(false);
  expect(box.appliance.saved.get('timezone')).toBeUndefined();
  expect(box.appliance.jobs.recent(10)).toEqual([]);
}

describe('timezone app', () => {
  it('writes /etc/timezone, links /etc/localtime into the zoneinfo, runs timedatectl, and reads the zone back', async () => {
    const box = boxWithTzdata();
    const { job, log } = await box.run('timezone', { timezone: 'Asia/Kolkata' });
    expect(job.status).toBe('succeeded');
    expect(box.file('etc/timezone')).toBe('Asia/Kolkata\n');
    const localtime = box.appliance.paths.systemFile('etc/localtime');
    expect(lstatSync(localtime).isSymbolicLink()).toBe(true);
    expect(readlinkSync(localtime)).toBe('../usr/share/zoneinfo/Asia/Kolkata');
    // The relative link resolves inside the root, to a real compiled zone file.
    expect(box.file('etc/localtime')?.startsWith('TZif')).toBe(true);
    expect(await box.programs()).toEqual([['timedatectl', 'set-timezone', 'Asia/Kolkata']]);
    expect((await box.state()).timezone).toBe('Asia/Kolkata');
    expect(log).toEqual([
      'Writing /etc/timezone',
      'Pointing /etc/localtime to ../usr/share/zoneinfo/Asia/Kolkata',
      '$ timedatectl set-timezone Asia/Kolkata',
      'The box now keeps time in Asia/Kolkata.',
    ]);
    expect(box.appliance.saved.get('timezone')).toEqual({ timezone: 'Asia/Kolkata' });

    const form = await detail(box);
    expect(form.params).toEqual([expect.objectContaining({ id: 'timezone', kind: 'string', value: 'Asia/Kolkata', default: 'Etc/UTC', maxLength: 64 })]);
    expect(form.params[0]!.help).toContain('timedatectl list-timezones');
    expect(form.params[0]!.suggestions).toContain('Europe/Paris');
    // India keeps no summer time: the offset is fixed, the date and time come from the zone file.
    expect(form.details).toEqual([{ label: 'Local time now', value: expect.stringMatching(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2} IST \(UTC\+05:30\)$/) }]);
  });

  it('replaces an existing link, and accepts the link names of the database', async () => {
    const box = boxWithTzdata();
    mkdirSync(box.appliance.paths.systemFile('etc'));
    symlinkSync('/usr/share/zoneinfo/Etc/UTC', box.appliance.paths.systemFile('etc/localtime'));
    expect((await detail(box)).params[0]!.value).toBe('Etc/UTC');
    // Asia/Calcutta is an "L" line of tzdata.zi, linking to Asia/Kolkata.
    expect((await box.run('timezone', { timezone: 'Asia/Calcutta' })).job.status).toBe('succeeded');
    expect(readlinkSync(box.appliance.paths.systemFile('etc/localtime'))).toBe('../usr/share/zoneinfo/Asia/Calcutta');
    expect((await box.run('timezone', { timezone: 'Etc/GMT+5' })).job.status).toBe('succeeded');
    expect(readlinkSync(box.appliance.paths.systemFile('etc/localtime'))).toBe('../usr/share/zoneinfo/Etc/GMT+5');
    expect(box.file('etc/timezone')).toBe('Etc/GMT+5\n');
    expect(await box.programs()).toEqual([
      ['timedatectl', 'set-timezone', 'Asia/Calcutta'],
      ['timedatectl', 'set-timezone', 'Etc/GMT+5'],
    ]);
    // POSIX signs are inverted: Etc/GMT+5 is five hours behind UTC.
    expect((await detail(box)).details[0]!.value).toMatch(/ -05 \(UTC-05:00\)$/);
  });

  it('reads the zone from the /etc/localtime link first, then /etc/timezone, else UTC', async () => {
    const box = boxWithTzdata();
    expect((await detail(box)).params[0]!.value).toBe('Etc/UTC');
    const etc = box.appliance.paths.systemFile('etc');
    mkdirSync(etc);
    // An older image: /etc/localtime is a copy of the zone file, /etc/timezone names it.
    writeFileSync(path.join(etc, 'localtime'), 'TZif2 copied zone data');
    writeFileSync(path.join(etc, 'timezone'), 'Europe/Berlin\n');
    const copied = await detail(box);
    expect(copied.params[0]!.value).toBe('Europe/Berlin');
    expect(copied.details[0]!.value).toMatch(/ CES?T \(UTC\+0[12]:00\)$/);
    // The link is what the C library reads: it wins over a stale /etc/timezone.
    rmSync(path.join(etc, 'localtime'));
    symlinkSync('/usr/share/zoneinfo/America/New_York', path.join(etc, 'localtime'));
    expect((await detail(box)).params[0]!.value).toBe('America/New_York');
    // posix/<zone> is the same data under another directory (Debian's tzdata offers it).
    rmSync(path.join(etc, 'localtime'));
    symlinkSync('../usr/share/zoneinfo/posix/Europe/Paris', path.join(etc, 'localtime'));
    expect((await detail(box)).params[0]!.value).toBe('Europe/Paris');
  });

  it('lists the zones and links of the box database, as timedatectl list-timezones does', async () => {
    const box = boxWithTzdata();
    const names = await timezoneNames(box.appliance.system);
    expect(names).toEqual(expect.arrayContaining(['Etc/UTC', 'Europe/Paris', 'America/New_York', 'Asia/Shanghai', 'Asia/Calcutta', 'UTC']));
    expect(names!.length).toBeGreaterThan(400);
    expect(names).toEqual([...names!].sort());
    expect(names!.some((name) => name.startsWith('posix/') || name.startsWith('right/') || name.includes('.'))).toBe(false);
  });

  it('refuses names that are not zones of the tz database, changing nothing', async () => {
    const box = boxWithTzdata();
    const invalid = [{ param: 'timezone', key: 'app-timezone:params.timezone.invalid' }];
    for (const timezone of ['../../etc/passwd', 'Europe/../../x', '', 'Europe/Paris; reboot', 'Europe/Paris\0', 'Europe/Paris\n', 'Europe/Paris\nreboot', ' Europe/Paris', '/Europe/Paris', 'Europe//Paris', 'Europe/Paris/', '-h', '$(reboot)', 'Europe/Pàris', 'zone.tab', 'tzdata.zi']) {
      expect(await box.refused('timezone', { timezone }), JSON.stringify(timezone)).toEqual(invalid);
    }
    const unknown = [{ param: 'timezone', key: 'app-timezone:errors.unknown' }];
    // Right form, but not a zone: files of the zoneinfo directory that are no zones, a
    // directory, the POSIX copies, wrong capitals.
    for (const timezone of ['Mars/Olympus', 'Europe', 'posix/Europe/Paris', 'right/Europe/Paris', 'posixrules', 'localtime', 'europe/paris', 'Europe/Atlantis']) {
      expect(await box.refused('timezone', { timezone }), timezone).toEqual(unknown);
    }
    expect(await box.refused('timezone', { timezone: `Europe/${'A'.repeat(60)}` })).toEqual([{ param: 'timezone', key: 'errors:fields.tooLong' }]);
    expect(await box.refused('timezone', { timezone: 42 })).toEqual([{ param: 'timezone', key: 'errors:fields.wrongType' }]);
    expect(await box.refused('timezone', { timezone: null })).toEqual([{ param: 'timezone', key: 'errors:fields.wrongType' }]);
    expect(await box.refused('timezone', { timezone: 'Europe/Paris', extra: 1 })).toEqual([{ param: 'extra', key: 'errors:fields.unknown' }]);
    expectUntouched(box);
    expect(await box.programs()).toEqual([]);
  });

  it('refuses a listed name whose zone file is not installed', async () => {
    const box = appHarness({ apps: [timezoneApp] });
    const dir = box.appliance.paths.systemFile('usr/share/zoneinfo');
    mkdirSync(path.join(dir, 'Etc'), { recursive: true });
    // Debian 13 splits the old names (US/Eastern …) off into tzdata-legacy.
    writeFileSync(path.join(dir, 'tzdata.zi'), '# version 2025b\nZ Etc/UTC 0 - UTC\nL Etc/UTC Etc/Zulu\nL America/New_York US/Eastern\n');
    expect(await box.refused('timezone', { timezone: 'US/Eastern' })).toEqual([{ param: 'timezone', key: 'app-timezone:errors.notInstalled' }]);
    // A file that is not a compiled zone is no zone either.
    writeFileSync(path.join(dir, 'Etc', 'UTC'), 'not a zone\n');
    expect(await box.refused('timezone', { timezone: 'Etc/UTC' })).toEqual([{ param: 'timezone', key: 'app-timezone:errors.notInstalled' }]);
    expect(await box.refused('timezone', { timezone: 'America/New_York' })).toEqual([{ param: 'timezone', key: 'app-timezone:errors.unknown' }]);
    expectUntouched(box);
    expect(await box.programs()).toEqual([]);
  });

  it('refuses every zone when the box has no tz database', async () => {
    const box = appHarness({ apps: [timezoneApp] });
    expect(await box.refused('timezone', { timezone: 'Etc/UTC' })).toEqual([{ param: 'timezone', key: 'app-timezone:errors.noDatabase' }]);
    expectUntouched(box);
    expect(await box.programs()).toEqual([]);
    // Without a zone file there is no local time to show, rather than a wrong one.
    expect((await detail(box)).details).toEqual([]);
  });

  it('ends as a failed job, with the reason in its log, when the link cannot be made', async () => {
    const box = boxWithTzdata();
    const etc = box.appliance.paths.systemFile('etc');
    // A directory where the link should go: ln -T refuses to replace it, and nothing after it runs.
    mkdirSync(path.join(etc, 'localtime'), { recursive: true });
    const { job, log } = await box.run('timezone', { timezone: 'Europe/Paris' });
    expect(job.status).toBe('failed');
    expect(job.errorCode).toBe('HEARTH_ERR_INTERNAL');
    expect(log.join('\n')).toContain('refusing to replace the directory');
    expect(await box.programs()).toEqual([]);
  });
});
