import type { System } from '../system/index.js';
import type { DetectionWarning } from './types.js';

/** The files detection reads, as the board names them (read under the root). */
export const boardFiles = {
  model: '/proc/device-tree/model',
  compatible: '/proc/device-tree/compatible',
  armbianRelease: '/etc/armbian-release',
  cpuinfo: '/proc/cpuinfo',
  meminfo: '/proc/meminfo',
  dmiSysVendor: '/sys/class/dmi/id/sys_vendor',
  dmiProductName: '/sys/class/dmi/id/product_name',
  dmiBoardName: '/sys/class/dmi/id/board_name',
} as const;

/** What was read, parsed, with what could not be used already turned into warnings. */
export interface BoardInput {
  model: string | null;
  compatible: string[];
  armbian: Record<string, string> | null;
  cpuinfo: { revision: string | null; model: string | null; hardware: string | null };
  memTotalBytes: number | null;
  dmi: { sysVendor: string | null; productName: string | null; boardName: string | null } | null;
  warnings: DetectionWarning[];
}

export async function readBoardInput(system: System): Promise<BoardInput> {
  const read = (file: string) => system.readFile(system.paths.systemFile(file)).catch(() => undefined);
  const [model, compatible, armbian, cpuinfo, meminfo, sysVendor, productName, boardName] = await Promise.all([
    read(boardFiles.model),
    read(boardFiles.compatible),
    read(boardFiles.armbianRelease),
    read(boardFiles.cpuinfo),
    read(boardFiles.meminfo),
    read(boardFiles.dmiSysVendor),
    read(boardFiles.dmiProductName),
    read(boardFiles.dmiBoardName),
  ]);
  return parseBoardInput({ model, compatible, armbian, cpuinfo, meminfo, sysVendor, productName, boardName });
}

export interface RawBoardFiles {
  model?: string;
  compatible?: string;
  armbian?: string;
  cpuinfo?: string;
  meminfo?: string;
  sysVendor?: string;
  productName?: string;
  boardName?: string;
}

/**
 * Parses the raw texts. readFile decodes UTF-8, which keeps NUL characters as they
 * are; bytes that are not UTF-8 become U+FFFD, which is how garbled files show here.
 */
export function parseBoardInput(raw: RawBoardFiles): BoardInput {
  const warnings: DetectionWarning[] = [];
  const garbled = (file: string) => warnings.push({ key: 'boards:warnings.garbledFile', params: { file } });

  let model: string | null = null;
  if (raw.model !== undefined) {
    const parsed = parseDeviceTreeString(raw.model);
    if (parsed === undefined) garbled(boardFiles.model);
    else model = parsed || null;
  }

  let compatible: string[] = [];
  if (raw.compatible !== undefined) {
    const parsed = parseDeviceTreeList(raw.compatible);
    if (parsed === undefined) garbled(boardFiles.compatible);
    else compatible = parsed;
  }

  let armbian: Record<string, string> | null = null;
  if (raw.armbian !== undefined) {
    if (!isText(raw.armbian)) garbled(boardFiles.armbianRelease);
    else armbian = parseShellAssignments(raw.armbian);
  }

  const cpuinfo = { revision: null as string | null, model: null as string | null, hardware: null as string | null };
  if (raw.cpuinfo !== undefined) {
    if (!isText(raw.cpuinfo)) garbled(boardFiles.cpuinfo);
    else {
      const fields = parseCpuinfo(raw.cpuinfo);
      cpuinfo.revision = fields.get('Revision') ?? null;
      cpuinfo.model = fields.get('Model') ?? null;
      cpuinfo.hardware = fields.get('Hardware') ?? null;
    }
  }

  let memTotalBytes: number | null = null;
  if (raw.meminfo !== undefined) {
    const match = /^MemTotal:\s+(\d+) kB$/m.exec(raw.meminfo);
    if (match) memTotalBytes = Number(match[1]) * 1024;
    else garbled(boardFiles.meminfo);
  }

  const dmiValue = (text: string | undefined, file: string) => {
    if (text === undefined) return null;
    if (!isText(text)) {
      garbled(file);
      return null;
    }
    const value = text.trim();
    return value && !firmwarePlaceholders.has(value.toLowerCase()) ? value : null;
  };
  const dmi = {
    sysVendor: dmiValue(raw.sysVendor, boardFiles.dmiSysVendor),
    productName: dmiValue(raw.productName, boardFiles.dmiProductName),
    boardName: dmiValue(raw.boardName, boardFiles.dmiBoardName),
  };
  const anyDmi = dmi.sysVendor !== null || dmi.productName !== null || dmi.boardName !== null;
  return { model, compatible, armbian, cpuinfo, memTotalBytes, dmi: anyDmi ? dmi : null, warnings };
}

/** Text a person or a firmware wrote: no control characters but tab and newline, and valid UTF-8. */
function isText(text: string): boolean {
  return !/[\u0000-\u0008\u000b-\u001f\u007f\ufffd]/.test(text);
}

/** Printable ASCII and beyond, no control characters, no U+FFFD. */
const printable = /^[^\u0000-\u001f\u007f\ufffd]*$/;

/**
 * A device-tree string property: the text and one terminating NUL. undefined when it
 * is garbled (no terminator, a NUL inside, control characters, bytes that are not UTF-8).
 */
export function parseDeviceTreeString(raw: string): string | undefined {
  if (!raw.endsWith('\0')) return undefined;
  const text = raw.slice(0, -1);
  return printable.test(text) ? text : undefined;
}

/** A device-tree string list (compatible): NUL-separated and NUL-terminated, no empty entries. */
export function parseDeviceTreeList(raw: string): string[] | undefined {
  if (raw === '') return [];
  if (!raw.endsWith('\0')) return undefined;
  const items = raw.slice(0, -1).split('\0');
  return items.every((item) => item !== '' && printable.test(item)) ? items : undefined;
}

/** KEY=value and KEY="value" lines (/etc/armbian-release); comments and other lines are skipped. */
export function parseShellAssignments(text: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const match = /^\s*([A-Za-z_][A-Za-z0-9_]*)=("([^"]*)"|'([^']*)'|(\S*))\s*$/.exec(line);
    if (match) values[match[1]!] = match[3] ?? match[4] ?? match[5] ?? '';
  }
  return values;
}

/**
 * "Key<tabs>: value" lines of /proc/cpuinfo; the last of a key wins. Keys keep their
 * case: the Raspberry Pi kernel's "Model" is the board, x86's "model" a CPU number.
 */
function parseCpuinfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split('\n')) {
    const match = /^([^:]+?)\s*:\s?(.*)$/.exec(line);
    if (match) fields.set(match[1]!.trim(), match[2]!.trim());
  }
  return fields;
}

/** What firmware writers leave in DMI fields they did not fill in. */
const firmwarePlaceholders = new Set(['to be filled by o.e.m.', 'default string', 'system product name', 'system manufacturer', 'not applicable', 'not specified', 'none', '0123456789']);
