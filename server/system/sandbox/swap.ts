import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { fail, ok, type ProgramSimulation, type SimulatedResult } from './simulation.js';
import type { SandboxState } from './state.js';

/**
 * Swap areas. Activating one changes the host's kernel, so swapon and swapoff are
 * simulated against the pretend host state; what they check on a swap FILE (it
 * exists, carries a swap signature, has no holes) they check for real, on the real
 * file under the root. mkswap on a regular file only writes a header into that file,
 * so the sandbox runs the real mkswap there; on a device it only pretends.
 */

interface SwapArea {
  type: 'file' | 'partition';
  /** What the kernel reports: the area without its header page. */
  sizeBytes: number;
  priority: number;
}

const pageSize = 4096;

function areas(state: SandboxState): Record<string, SwapArea> {
  const known = (state.extra.swapAreas ?? {}) as Record<string, SwapArea>;
  // Areas from an older state file, or from before this table existed, have no size.
  for (const name of state.swaps) known[name] ??= { type: name.startsWith('/dev/') ? 'partition' : 'file', sizeBytes: 0, priority: -2 };
  for (const name of Object.keys(known)) if (!state.swaps.includes(name)) delete known[name];
  state.extra.swapAreas = known;
  return known;
}

function statOf(target: string): Stats | undefined {
  try {
    return statSync(target);
  } catch {
    return undefined;
  }
}

/** The last argument that is neither an option nor an option's value. */
function operand(args: string[], withValue: readonly string[]): string | undefined {
  const operands: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (withValue.includes(arg)) i++;
    else if (!arg.startsWith('-')) operands.push(arg);
  }
  return operands.pop();
}

function optionValue(args: string[], short: string, long: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === short || arg === long) return args[i + 1];
    if (arg.startsWith(`${long}=`)) return arg.slice(long.length + 1);
    if (arg.startsWith(short) && arg.length > short.length && !arg.startsWith('--')) return arg.slice(short.length);
  }
  return undefined;
}

/** The swap signature mkswap writes at the end of the first page (any usual page size). */
function hasSwapSignature(file: string): boolean {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(10);
    return [4096, 16384, 65536].some((page) => readSync(fd, buffer, 0, 10, page - 10) === 10 && buffer.toString('latin1') === 'SWAPSPACE2');
  } finally {
    closeSync(fd);
  }
}

const realMkswap = ['/usr/sbin/mkswap', '/sbin/mkswap'].find((candidate) => existsSync(candidate));

/** mkswap FILE runs for real (it writes only into that file); mkswap DEVICE is pretended. */
export const mkswap: ProgramSimulation = (args) => {
  const target = operand(args, ['-L', '--label', '-U', '--uuid', '-p', '--pagesize', '-e', '--endianness', '-o', '--offset']);
  if (!target) return fail(1, 'mkswap: no device specified');
  const info = statOf(target);
  if (info?.isFile() || (!info && !target.startsWith('/dev/'))) {
    if (!realMkswap) return fail(1, 'mkswap (sandbox): util-linux mkswap is not installed');
    const result = spawnSync(realMkswap, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' } });
    return { code: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
  }
  return ok(`Setting up swapspace version 1, device ${target}\n`);
};

const columns = ['NAME', 'TYPE', 'SIZE', 'USED', 'PRIO'] as const;
type Column = (typeof columns)[number];

/** Like util-linux's size_to_human_string: 1-letter suffix, one decimal when useful. */
function humanSize(bytes: number): string {
  const units = ['B', 'K', 'M', 'G', 'T', 'P'];
  let exponent = 0;
  while (exponent < units.length - 1 && bytes >= 1024 ** (exponent + 1)) exponent++;
  const value = bytes / 1024 ** exponent;
  const rounded = Math.round(value * 10) / 10;
  return `${Number.isInteger(rounded) ? rounded.toFixed(0) : rounded.toFixed(1)}${units[exponent]}`;
}

/** util-linux's raw output escapes blanks and unsafe bytes as \xHH. */
function rawEscape(value: string): string {
  return value.replace(/[\s\\"'`$]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

function show(args: string[], state: SandboxState): SimulatedResult {
  const option = args.find((a) => a === '--show' || a.startsWith('--show=')) ?? '--show';
  const wanted = option.includes('=') ? option.slice('--show='.length).split(',') : [...columns];
  const unknown = wanted.find((c) => !columns.includes(c.toUpperCase() as Column));
  if (unknown) return fail(1, `swapon: unknown column: ${unknown}`);
  const raw = args.includes('--raw');
  const bytes = args.includes('--bytes');
  const all = areas(state);
  const rows = state.swaps.map((name) => {
    const area = all[name]!;
    const cell: Record<Column, string> = {
      NAME: raw ? rawEscape(name) : name,
      TYPE: area.type,
      SIZE: bytes ? String(area.sizeBytes) : humanSize(area.sizeBytes),
      USED: bytes ? '0' : '0B',
      PRIO: String(area.priority),
    };
    return wanted.map((c) => cell[c.toUpperCase() as Column]);
  });
  // swapon --show prints nothing at all, not even the header, when no swap is active.
  if (rows.length === 0) return ok();
  const table = args.includes('--noheadings') ? rows : [wanted.map((c) => c.toUpperCase()), ...rows];
  if (raw) return ok(table.map((row) => row.join(' ')).join('\n') + '\n');
  const widths = wanted.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return ok(table.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!))).join(' ')).join('\n') + '\n');
}

export const swapon: ProgramSimulation = (args, state) => {
  // Without arguments swapon prints the same table as --show.
  if (args.length === 0 || args.some((a) => a === '--show' || a.startsWith('--show='))) return show(args, state);
  const target = operand(args, ['-p', '--priority', '-o', '--options']);
  if (!target) return fail(1, 'swapon: bad usage');
  const all = areas(state);
  if (state.swaps.includes(target)) return fail(255, `swapon: ${target}: swapon failed: Device or resource busy`);
  const info = statOf(target);
  let area: SwapArea;
  let stderr = '';
  if (info?.isFile()) {
    if (!hasSwapSignature(target)) return fail(255, `swapon: ${target}: read swap header failed`);
    // What swapon itself checks before it asks the kernel.
    if (info.blocks * 512 < info.size) return fail(255, `swapon: ${target}: skipping - it appears to have holes.`);
    const mode = info.mode & 0o777;
    if (mode & 0o077) stderr = `swapon: ${target}: insecure permissions ${mode.toString(8).padStart(4, '0')}, 0600 suggested.\n`;
    area = { type: 'file', sizeBytes: Math.floor(info.size / pageSize) * pageSize - pageSize, priority: 0 };
  } else if (!info && !target.startsWith('/dev/')) {
    return fail(255, `swapon: cannot open ${target}: No such file or directory`);
  } else {
    // A device (/dev/zram0, a partition): the sandbox cannot look at it and trusts the caller.
    area = { type: 'partition', sizeBytes: 0, priority: 0 };
  }
  const given = optionValue(args, '-p', '--priority');
  // The kernel numbers areas without a priority -2, -3, … in the order they come.
  area.priority = given !== undefined ? Number(given) : Math.min(-1, ...Object.values(all).map((a) => a.priority)) - 1;
  all[target] = area;
  state.swaps.push(target);
  return { code: 0, stdout: '', stderr };
};

export const swapoff: ProgramSimulation = (args, state) => {
  const target = operand(args, []);
  if (!target) return fail(1, 'swapoff: bad usage');
  if (!state.swaps.includes(target)) return fail(255, `swapoff: ${target}: swapoff failed: Invalid argument`);
  state.swaps = state.swaps.filter((s) => s !== target);
  areas(state);
  return ok();
};
