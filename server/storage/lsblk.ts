import { Type, type Static } from 'typebox';
import { Value } from 'typebox/value';
import { HearthError } from '../errors.js';
import type { System } from '../system/index.js';

/**
 * The columns Hearth asks lsblk for (util-linux 2.38, Debian 12, supports all of them).
 * SIZE and FS* in bytes with -b; MOUNTPOINTS lists every place a file system is mounted
 * (a Btrfs file system with subvolumes has several); RM/RO/HOTPLUG are JSON booleans.
 */
export const lsblkColumns = [
  'NAME',
  'PATH',
  'KNAME',
  'MAJ:MIN',
  'TYPE',
  'SIZE',
  'MODEL',
  'VENDOR',
  'SERIAL',
  'TRAN',
  'FSTYPE',
  'LABEL',
  'UUID',
  'MOUNTPOINTS',
  'RM',
  'RO',
  'PKNAME',
  'HOTPLUG',
  'FSSIZE',
  'FSUSED',
  'FSAVAIL',
  'PTTYPE',
] as const;

export const lsblkArgv = ['lsblk', '--json', '--bytes', '--output', lsblkColumns.join(',')] as const;

const text = Type.Union([Type.String(), Type.Null()]);
const bytes = Type.Union([Type.Integer({ minimum: 0 }), Type.Null()]);

/** One node of lsblk's tree, exactly as lsblk --json -b prints it. */
export interface LsblkNode extends Static<typeof lsblkNodeFields> {
  children?: LsblkNode[];
}

const lsblkNodeFields = Type.Object({
  name: Type.String({ minLength: 1 }),
  path: Type.String({ pattern: '^/' }),
  kname: Type.String({ minLength: 1 }),
  'maj:min': Type.String({ pattern: '^\\d+:\\d+$' }),
  type: Type.String({ minLength: 1 }),
  size: Type.Integer({ minimum: 0 }),
  model: text,
  vendor: text,
  serial: text,
  tran: text,
  fstype: text,
  label: text,
  uuid: text,
  // [null] when nothing is mounted; "[SWAP]" for an active swap partition.
  mountpoints: Type.Array(text),
  rm: Type.Boolean(),
  ro: Type.Boolean(),
  pkname: text,
  hotplug: Type.Boolean(),
  fssize: bytes,
  fsused: bytes,
  fsavail: bytes,
  pttype: text,
});

// Children are checked node by node as the tree is walked (checkNode), which names the bad one.
const lsblkNode = Type.Intersect([lsblkNodeFields, Type.Object({ children: Type.Optional(Type.Array(Type.Unknown())) })]);
const lsblkOutput = Type.Object({ blockdevices: Type.Array(Type.Unknown()) });

function unreadable(where: string): HearthError {
  return new HearthError('HEARTH_ERR_STORAGE_LIST_UNREADABLE', { reason: where });
}

function checkNode(raw: unknown, where: string, depth: number): LsblkNode {
  // disk → partition → crypt/LVM → … is a few levels deep; a deeper tree is not lsblk's.
  if (depth > 16) throw unreadable(where);
  if (!Value.Check(lsblkNode, raw)) {
    const first = Value.Errors(lsblkNode, raw)[0] as { instancePath?: string } | undefined;
    throw unreadable(`${where}${first?.instancePath ?? ''}`);
  }
  const node = raw as LsblkNode & { children?: unknown[] };
  const children = node.children?.map((child, index) => checkNode(child, `${where}/children/${index}`, depth + 1));
  return { ...node, ...(children ? { children } : {}) } as LsblkNode;
}

/**
 * lsblk's JSON, checked against the shape above before anything reads it: output from
 * another util-linux version (numbers as strings before 2.33, "1"/"0" for booleans) is
 * refused with a clear error instead of being half understood.
 */
export function parseLsblk(json: string): LsblkNode[] {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw unreadable('json');
  }
  if (!Value.Check(lsblkOutput, raw)) throw unreadable('/blockdevices');
  return (raw as { blockdevices: unknown[] }).blockdevices.map((node, index) => checkNode(node, `/blockdevices/${index}`, 0));
}

/** Runs lsblk through the system boundary and parses what it says. */
export async function runLsblk(system: System): Promise<LsblkNode[]> {
  const result = await system.run(lsblkArgv);
  if (result.code !== 0) throw new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'lsblk', code: result.code ?? result.signal ?? 'signal' });
  return parseLsblk(result.stdout);
}
