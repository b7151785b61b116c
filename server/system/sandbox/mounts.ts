import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { fail, ok, operands, optionValue, toBox, toReal, type ProgramSimulation, type SimulatedResult } from './simulation.js';
import type { SandboxState } from './state.js';

/**
 * Mounts of the pretend host that are not drives: a tmpfs, a bind mount. `mount -t tmpfs`,
 * `mount --bind`, `mount -o remount,…` and `umount` of one change this table (the drives'
 * mounts stay in block-devices.ts), and `findmnt` answers from it for the paths it holds.
 * The files stay where they are: a pretend tmpfs over $ROOT/var/log hides nothing, it only
 * makes the pretend host say that /var/log is in RAM — as after a restart of the real box
 * whose boot mounted it.
 *
 * findmnt about anything else (the real file systems under the root, the whole table) runs
 * the real findmnt and is not recorded: it only reads, and callers have always seen the
 * machine's own answer there.
 */

export interface PretendMount {
  /** Where, as the box sees it (/var/log). */
  target: string;
  /** What findmnt calls SOURCE: the tmpfs's name, or the bound directory's file system[/path]. */
  source: string;
  fstype: string;
  options: string;
}

function table(state: SandboxState): PretendMount[] {
  state.extra.pretendMounts ??= [];
  return state.extra.pretendMounts as PretendMount[];
}

/** The pretend mounts, bottom first (a later one over the same target hides the earlier). */
export function pretendMounts(state: SandboxState): readonly PretendMount[] {
  return table(state);
}

const mountValued = ['-t', '--types', '-o', '--options', '-T', '--fstab', '--target-prefix', '-U', '--uuid', '-L', '--label', '--source', '--target', '-O', '--test-opts'];
const propagation = ['--make-private', '--make-rprivate', '--make-shared', '--make-rshared', '--make-slave', '--make-rslave', '--make-unbindable', '--make-runbindable'];

function isDirectory(real: string): boolean {
  try {
    return statSync(real).isDirectory();
  } catch {
    return false;
  }
}

/** The topmost pretend mount whose target is `boxPath`, or (`containing`) the deepest one holding it. */
function lookup(state: SandboxState, boxPath: string, containing: boolean): PretendMount | undefined {
  const mounts = table(state);
  const exact = [...mounts].reverse().find((m) => m.target === boxPath);
  if (exact || !containing) return exact;
  return [...mounts]
    .reverse()
    .filter((m) => boxPath.startsWith(m.target === '/' ? '/' : `${m.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
}

/** Memory-backed file systems: nothing to look up on the pretend host's drives. */
const virtualTypes = ['tmpfs', 'ramfs'];

/**
 * mount for what is not a drive: tmpfs, --bind, a propagation flag, -o remount of a pretend
 * mount. Everything else goes to the drives' simulation (`drives`).
 */
export function withPretendMounts(drives: ProgramSimulation): ProgramSimulation {
  return (args, state, input, host = { root: '/' }) => {
    const given = operands(args, mountValued);
    const options = optionValue(args, ['-o', '--options']) ?? '';
    const type = optionValue(args, ['-t', '--types']);
    const flag = propagation.find((p) => args.includes(p));
    if (flag) {
      const boxTarget = given[0] !== undefined ? toBox(host, given[0]) : undefined;
      if (boxTarget && lookup(state, boxTarget, false)) return ok();
      return drives(args, state, input, host);
    }
    if (options.split(',').includes('remount') && given.length === 1) {
      const boxTarget = toBox(host, given[0]!);
      const mounted = boxTarget ? lookup(state, boxTarget, false) : undefined;
      if (!mounted) return drives(args, state, input, host);
      const changes = options.split(',').filter((o) => o !== 'remount');
      const kept = mounted.options.split(',').filter((o) => !changes.some((c) => c.split('=')[0] === o.split('=')[0]));
      mounted.options = [...kept, ...changes].join(',');
      return ok();
    }
    const bind = args.includes('--bind') || args.includes('-B') || args.includes('--rbind') || args.includes('-R');
    if ((bind || (type && virtualTypes.includes(type))) && given.length === 2) {
      const [source, target] = given as [string, string];
      const boxTarget = toBox(host, target);
      if (!boxTarget) return fail(32, `mount (sandbox): ${target} is outside the sandbox root`);
      if (!isDirectory(target)) return fail(32, `mount: ${target}: mount point does not exist.`);
      if (bind) {
        const boxSource = toBox(host, source);
        if (!boxSource) return fail(32, `mount (sandbox): ${source} is outside the sandbox root`);
        if (!isDirectory(source)) return fail(32, `mount: ${target}: special device ${source} does not exist.`);
        const under = lookup(state, boxSource, true);
        // findmnt names a bind mount by the file system it comes from and the directory in it.
        const within = under ? boxSource.slice(under.target.length) || '/' : boxSource;
        table(state).push({ target: boxTarget, source: `${under?.source ?? '/dev/root'}[${within}]`, fstype: under?.fstype ?? 'ext4', options: 'rw,relatime' });
      } else {
        table(state).push({ target: boxTarget, source, fstype: type!, options: ['rw', ...options.split(',').filter(Boolean)].join(',') });
      }
      return ok();
    }
    return drives(args, state, input, host);
  };
}

/** umount of a pretend mount takes the topmost one off its target; anything else goes to the drives' simulation. */
export function withPretendUnmounts(drives: ProgramSimulation): ProgramSimulation {
  return (args, state, input, host = { root: '/' }) => {
    const given = operands(args, ['-t', '--types', '-O', '--test-opts']);
    const others: string[] = [];
    for (const operand of given) {
      const boxTarget = toBox(host, operand);
      const mounted = boxTarget ? lookup(state, boxTarget, false) : undefined;
      if (mounted) table(state).splice(table(state).lastIndexOf(mounted), 1);
      else others.push(operand);
    }
    if (given.length > 0 && others.length === 0) return ok();
    return drives([...args.filter((a) => !given.includes(a)), ...others], state, input, host);
  };
}

const findmntColumns = ['TARGET', 'SOURCE', 'FSTYPE', 'OPTIONS'] as const;
type FindmntColumn = (typeof findmntColumns)[number];

/** util-linux's raw output escapes blanks and unsafe bytes as \xHH. */
function rawEscape(value: string): string {
  return value.replace(/[\s\\"'`$]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function realFindmnt(args: string[], state: SandboxState): SimulatedResult {
  // Only read the real mount table: not part of the pretend host, so not recorded.
  state.programs.pop();
  const result = spawnSync('findmnt', args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' } });
  if (result.error) return fail(127, `findmnt: ${result.error.message}`);
  return { code: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

/**
 * findmnt [options] PATH, --mountpoint PATH or --target PATH, for a pretend mount: its
 * TARGET, SOURCE, FSTYPE and OPTIONS columns, as the real one prints them.
 */
export const findmnt: ProgramSimulation = (args, state, _input, host = { root: '/' }) => {
  const targetOption = optionValue(args, ['-T', '--target']);
  const mountpointOption = optionValue(args, ['-M', '--mountpoint']);
  const given = operands(args, ['-o', '--output', '-T', '--target', '-M', '--mountpoint', '-t', '--types', '-O', '--options', '-S', '--source', '-F', '--tab-file', '-w', '--timeout', '-d', '--direction', '-N', '--task', '--output-all']);
  const asked = targetOption ?? mountpointOption ?? given[0];
  const boxPath = asked !== undefined ? toBox(host, asked) : undefined;
  const mounted = boxPath ? lookup(state, boxPath, targetOption !== undefined) : undefined;
  if (!mounted) return realFindmnt(args, state);
  const columns = (optionValue(args, ['-o', '--output']) ?? 'TARGET,SOURCE,FSTYPE,OPTIONS').split(',').map((c) => c.trim().toUpperCase());
  const unknown = columns.find((c) => !findmntColumns.includes(c as FindmntColumn));
  if (unknown) return fail(1, `findmnt (sandbox): column ${unknown} is not simulated`);
  const cell: Record<FindmntColumn, string> = { TARGET: toReal(host, mounted.target), SOURCE: mounted.source, FSTYPE: mounted.fstype, OPTIONS: mounted.options };
  const raw = args.includes('-r') || args.includes('--raw');
  const row = columns.map((c) => (raw ? rawEscape(cell[c as FindmntColumn]) : cell[c as FindmntColumn]));
  const rows = args.includes('-n') || args.includes('--noheadings') ? [row] : [columns, row];
  if (raw) return ok(rows.map((r) => r.join(' ')).join('\n') + '\n');
  const widths = columns.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return ok(rows.map((r) => r.map((value, i) => (i === r.length - 1 ? value : value.padEnd(widths[i]!))).join(' ')).join('\n') + '\n');
};
