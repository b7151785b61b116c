import { Type } from 'typebox';
import type { FieldError } from '../../errors.js';
import type { System } from '../../system/index.js';
import { param } from '../params.js';
import { defineApp, type AppEnvironment } from '../types.js';

/**
 * A tz database name: slash-separated components of ASCII letters, digits, "_", "+"
 * and "-" (Etc/GMT+5, America/Port-au-Prince), starting with a letter. No "." at all,
 * so no "..", no hidden files and none of the tables (zone.tab, tzdata.zi); no leading
 * "-", so the name is never read as an option by ln or timedatectl.
 */
const zonePattern = '^[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_][A-Za-z0-9_+-]*)*$';
const zoneRegExp = new RegExp(zonePattern);

const zoneinfo = 'usr/share/zoneinfo';

/**
 * The zone and link names of the box's tz database, sorted, as `timedatectl
 * list-timezones` gives them: systemd reads the same file, /usr/share/zoneinfo/tzdata.zi
 * (Debian's tzdata ships it), whose "Z <name> …" lines are zones and "L <target> <name>"
 * lines are links (Asia/Calcutta → Asia/Kolkata). undefined when tzdata is missing.
 * The names are the box's, not a list built into Hearth: a tzdata update adds zones
 * (Europe/Kyiv, 2022) and a configuration restored onto another board is checked
 * against that board's database.
 */
export async function timezoneNames(system: System): Promise<string[] | undefined> {
  const table = await system.readFile(system.paths.systemFile(`${zoneinfo}/tzdata.zi`));
  if (table === undefined) return undefined;
  const names = new Set<string>();
  for (const line of table.split('\n')) {
    const fields = line.trim().split(/\s+/);
    if (fields[0] === 'Z' && fields[1]) names.add(fields[1]);
    else if (fields[0] === 'L' && fields[2]) names.add(fields[2]);
  }
  return [...names].sort();
}

/**
 * Whether /usr/share/zoneinfo/<zone> under the root is a compiled zone file (links
 * followed), as systemd checks before it sets a zone: it starts with the "TZif" magic.
 */
async function isZoneFile(system: System, zone: string): Promise<boolean> {
  if (!zoneRegExp.test(zone)) return false;
  try {
    return (await system.readFile(system.paths.systemFile(`${zoneinfo}/${zone}`)))?.startsWith('TZif') ?? false;
  } catch {
    // A directory (Europe), or unreadable: not a zone.
    return false;
  }
}

/**
 * The zone the box keeps time in now: the target of the /etc/localtime link (what the
 * C library and systemd read), else the name in /etc/timezone (older Debian images copy
 * the zone file to /etc/localtime instead of linking it), else UTC, which is what the
 * C library uses when /etc/localtime is missing.
 */
export async function currentTimezone({ system }: AppEnvironment): Promise<string> {
  const link = await system.run(['readlink', system.paths.systemFile('etc/localtime')]);
  if (link.code === 0) {
    const named = /(?:^|\/)zoneinfo\/(?:posix\/)?(.+)$/.exec(link.stdout.trim());
    if (named) return named[1]!;
  }
  const written = (await system.readFile(system.paths.systemFile('etc/timezone')))?.split('\n')[0]?.trim();
  return written || 'Etc/UTC';
}

export default defineApp({
  id: 'timezone',
  category: 'config',
  kind: 'configure',
  params: Type.Object({
    timezone: param.string({ default: 'Etc/UTC', pattern: zonePattern, maxLength: 64 }),
  }),
  async status(env) {
    const { system } = env;
    const timezone = await currentTimezone(env);
    const details: Array<{ label: string; value: string }> = [];
    if (await isZoneFile(system, timezone)) {
      // The box's own zone file, read by the C library through `date`, says what time it is there.
      const file = system.paths.systemFile(`${zoneinfo}/${timezone}`);
      const now = await system.run(['date', '+%Y-%m-%d %H:%M %Z (UTC%:z)'], { env: { TZ: `:${file}` } });
      if (now.code === 0 && now.stdout.trim()) details.push({ label: 'app-timezone:details.localTime', value: now.stdout.trim() });
    }
    return { active: null, values: { timezone }, details };
  },
  async suggestions({ system }) {
    const names = await timezoneNames(system);
    return names ? { timezone: names } : {};
  },
  async validate({ timezone }, { system }) {
    const names = await timezoneNames(system);
    const refuse = (key: string): FieldError[] => [{ param: 'timezone', key: `app-timezone:errors.${key}`, params: { zone: timezone } }];
    if (!names) return refuse('noDatabase');
    if (!names.includes(timezone)) return refuse('unknown');
    // Listed but not installed: on Debian 13 the old names (US/Eastern …) come with tzdata-legacy.
    if (!(await isZoneFile(system, timezone))) return refuse('notInstalled');
    return [];
  },
  async apply({ timezone }, job) {
    const { system } = job;
    job.info(job.t('app-timezone:log.writing', { file: '/etc/timezone' }));
    await system.writeFile(system.paths.systemFile('etc/timezone'), `${timezone}\n`);
    // Debian's convention, and what timedatectl itself writes: a relative link into
    // /usr/share/zoneinfo, replaced in one rename and made durable.
    const target = `../${zoneinfo}/${timezone}`;
    job.info(job.t('app-timezone:log.linking', { file: '/etc/localtime', target }));
    await system.symlink(target, system.paths.systemFile('etc/localtime'));
    // Tells systemd-timedated (and whoever listens to it) about the new zone.
    await job.run(['timedatectl', 'set-timezone', timezone]);
    job.info(job.t('app-timezone:log.done', { zone: timezone }));
  },
});
