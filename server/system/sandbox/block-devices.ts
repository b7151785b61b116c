import { spawnSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { blockDeviceFixture, type SimDisk, type SimVolume } from './block-device-fixture.js';
import { fail, ok, operands, optionValue, toBox, toReal, type ProgramSimulation, type SandboxHost, type SimulatedResult } from './simulation.js';
import type { SandboxState } from './state.js';

/**
 * The drives of the pretend host (block-device-fixture.ts), and the programs that read
 * and change them: lsblk answers from it (with the file systems, so nothing needs blkid,
 * which keeps running for real on files such as a swap file); sfdisk, wipefs, mkfs.*, mount and
 * umount change it — with the refusals the real ones have (a mounted file system is not
 * formatted, a disk in use not repartitioned, a mount point must exist). Devices the
 * pretend host does not have are left to the real program where that is harmless (mkfs
 * on a regular file, an image), and otherwise only recorded, as before.
 */

const MiB = 1024 ** 2;

function disksOf(state: SandboxState): SimDisk[] {
  state.extra.blockDevices ??= blockDeviceFixture();
  return state.extra.blockDevices as SimDisk[];
}

interface Found {
  disk: SimDisk;
  volume: SimVolume;
  isDisk: boolean;
}

function findDevice(state: SandboxState, device: string): Found | undefined {
  for (const disk of disksOf(state)) {
    if (device === `/dev/${disk.kname}`) return { disk, volume: disk, isDisk: true };
    const partition = disk.partitions.find((p) => device === `/dev/${p.kname}`);
    if (partition) return { disk, volume: partition, isDisk: false };
  }
  return undefined;
}

function findByTag(state: SandboxState, spec: string): Found | undefined {
  const [tag, value] = spec.includes('=') ? [spec.slice(0, spec.indexOf('=')), spec.slice(spec.indexOf('=') + 1)] : ['', spec];
  if (!tag) return findDevice(state, spec);
  for (const disk of disksOf(state)) {
    for (const [volume, isDisk] of [[disk, true], ...disk.partitions.map((p) => [p, false] as const)] as Array<[SimVolume, boolean]>) {
      if (!volume.fs) continue;
      if ((tag === 'UUID' && volume.fs.uuid === value) || (tag === 'LABEL' && volume.fs.label === value)) return { disk, volume, isDisk };
    }
  }
  return undefined;
}

function allVolumes(disk: SimDisk): SimVolume[] {
  return [disk, ...disk.partitions];
}

function partitionName(disk: SimDisk, index: number): string {
  // sda → sda1; mmcblk0, nvme0n1, loop0 → …p1 (a name ending in a digit takes a "p").
  return /\d$/.test(disk.kname) ? `${disk.kname}p${index}` : `${disk.kname}${index}`;
}

// ---------------------------------------------------------------- lsblk

const lsblkKnown = [
  'NAME', 'PATH', 'KNAME', 'MAJ:MIN', 'TYPE', 'SIZE', 'MODEL', 'VENDOR', 'SERIAL', 'TRAN', 'FSTYPE', 'LABEL', 'UUID',
  'MOUNTPOINT', 'MOUNTPOINTS', 'RM', 'RO', 'PKNAME', 'HOTPLUG', 'FSSIZE', 'FSUSED', 'FSAVAIL', 'PTTYPE',
];

/** What the kernel reports for a mounted file system: a little less than the partition (metadata). */
function fsSize(volume: SimVolume): number {
  const share = volume.fs?.type === 'ext4' ? 0.984 : 0.999;
  return Math.floor((volume.sizeBytes * share) / 4096) * 4096;
}

function lsblkValues(volume: SimVolume, disk: SimDisk, isDisk: boolean, host: SandboxHost): Record<string, unknown> {
  const mounted = volume.mounts.length > 0 && volume.fs !== null;
  const size = fsSize(volume);
  return {
    NAME: volume.kname,
    PATH: `/dev/${volume.kname}`,
    KNAME: volume.kname,
    'MAJ:MIN': volume.majMin,
    TYPE: isDisk ? disk.type : 'part',
    SIZE: volume.sizeBytes,
    MODEL: isDisk ? disk.model : null,
    VENDOR: isDisk ? disk.vendor : null,
    SERIAL: isDisk ? disk.serial : null,
    TRAN: isDisk ? disk.tran : null,
    FSTYPE: volume.fs?.type ?? null,
    LABEL: volume.fs?.label ?? null,
    UUID: volume.fs?.uuid ?? null,
    MOUNTPOINT: mounted ? toReal(host, volume.mounts[0]!) : null,
    MOUNTPOINTS: mounted ? volume.mounts.map((m) => toReal(host, m)) : [null],
    RM: disk.rm,
    RO: disk.ro,
    PKNAME: isDisk ? null : disk.kname,
    HOTPLUG: disk.hotplug,
    FSSIZE: mounted ? size : null,
    FSUSED: mounted ? Math.min(volume.fs!.usedBytes, size) : null,
    FSAVAIL: mounted ? Math.max(0, size - volume.fs!.usedBytes) : null,
    PTTYPE: isDisk ? disk.pttype : null,
  };
}

export const lsblk: ProgramSimulation = (args, state, _input, host = { root: '/' }) => {
  const json = args.includes('--json') || args.includes('-J');
  if (!json) return fail(1, 'lsblk (sandbox): only --json output is simulated');
  const columns = (optionValue(args, ['-o', '--output']) ?? 'NAME,MAJ:MIN,RM,SIZE,RO,TYPE,MOUNTPOINTS').split(',').map((c) => c.trim().toUpperCase());
  const unknown = columns.find((c) => !lsblkKnown.includes(c));
  if (unknown) return fail(1, `lsblk: unknown column: ${unknown}`);
  const wanted = operands(args, ['-o', '--output', '-e', '--exclude', '-I', '--include', '-x', '--sort']);
  const pick = (values: Record<string, unknown>) => Object.fromEntries(columns.map((c) => [c.toLowerCase(), values[c]]));
  const nodes: unknown[] = [];
  for (const disk of disksOf(state)) {
    const diskNode = { ...pick(lsblkValues(disk, disk, true, host)) } as Record<string, unknown>;
    const children = disk.partitions.map((p) => pick(lsblkValues(p, disk, false, host)));
    if (children.length) diskNode.children = children;
    if (wanted.length === 0 || wanted.includes(`/dev/${disk.kname}`)) nodes.push(diskNode);
    else for (const [index, p] of disk.partitions.entries()) if (wanted.includes(`/dev/${p.kname}`)) nodes.push(children[index]);
  }
  for (const device of wanted) {
    if (!findDevice(state, device)) return fail(32, `lsblk: ${device}: not a block device`);
  }
  return ok(JSON.stringify({ blockdevices: nodes }, null, 3) + '\n');
};

function runReal(program: string | undefined, args: string[]): SimulatedResult {
  if (!program) return fail(1, 'program not installed');
  const result = spawnSync(program, args, { encoding: 'utf8', env: { PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin', LC_ALL: 'C.UTF-8' } });
  return { code: result.status ?? 1, stdout: result.stdout ?? '', stderr: result.stderr ?? '' };
}

// ---------------------------------------------------------------- partitioning and wiping

function mountedOn(disk: SimDisk, isDisk: boolean, volume: SimVolume): boolean {
  return (isDisk ? allVolumes(disk) : [volume]).some((v) => v.mounts.length > 0);
}

export const wipefs: ProgramSimulation = (args, state) => {
  const all = args.includes('-a') || args.includes('--all');
  const devices = operands(args, ['-o', '--offset', '-t', '--types', '-O', '--output']);
  if (devices.length === 0) return fail(1, 'wipefs: no device specified');
  for (const device of devices) {
    const found = findDevice(state, device);
    if (!found) return fail(1, `wipefs: error: ${device}: probing initialization failed: No such file or directory`);
    if (mountedOn(found.disk, found.isDisk, found.volume)) return fail(1, `wipefs: error: ${device}: probing initialization failed: Device or resource busy`);
  }
  if (!all) return ok();
  const lines: string[] = [];
  for (const device of devices) {
    const { disk, volume, isDisk } = findDevice(state, device)!;
    if (volume.fs) lines.push(`${device}: ${volume.fs.type === 'vfat' ? 8 : 2} bytes were erased at offset 0x00000438 (${volume.fs.type}): ${volume.fs.type === 'vfat' ? '46 41 54' : '53 ef'}`);
    volume.fs = null;
    if (isDisk && disk.pttype) {
      lines.push(`${device}: 8 bytes were erased at offset 0x00000200 (${disk.pttype}): 45 46 49 20 50 41 52 54`);
      // wipefs asks the kernel to re-read the (now empty) partition table.
      disk.pttype = null;
      disk.partitions = [];
    }
  }
  return ok(lines.length ? lines.join('\n') + '\n' : '');
};

function dump(disk: SimDisk): string {
  const lines = [`label: ${disk.pttype}`, `device: /dev/${disk.kname}`, 'unit: sectors', 'sector-size: 512', ''];
  let start = 2048;
  for (const p of disk.partitions) {
    const sectors = p.sizeBytes / 512;
    lines.push(`/dev/${p.kname} : start=${String(start).padStart(12)}, size=${String(sectors).padStart(12)}, type=${disk.pttype === 'gpt' ? '0FC63DAF-8483-4772-8E79-3D69D8477DE4' : '83'}`);
    start += sectors;
  }
  return lines.join('\n') + '\n';
}

export const sfdisk: ProgramSimulation = (args, state, input) => {
  const [device] = operands(args, ['-w', '--wipe', '-W', '--wipe-partitions', '-X', '--label', '-Y', '--label-nested', '-O', '--backup-file', '-B', '--backup-pt-sectors', '-N', '--partno']);
  if (!device) return fail(1, 'sfdisk: no disk device specified');
  const found = findDevice(state, device);
  if (!found) return fail(1, `sfdisk: cannot open ${device}: No such file or directory`);
  const { disk } = found;
  if (args.includes('--dump') || args.includes('-d')) {
    if (!disk.pttype) return fail(1, `sfdisk: ${device}: does not contain a recognized partition table`);
    return ok(dump(disk));
  }
  if (!found.isDisk) return fail(1, `sfdisk: ${device}: not a whole disk`);
  if (mountedOn(disk, true, disk) && !args.includes('--force') && !args.includes('-f')) {
    return fail(1, 'This disk is currently in use - repartitioning is probably a bad idea.\nUmount all file systems, and swapoff all swap partitions on this disk.\nUse the --no-reread flag to suppress this check.\nsfdisk: Use the --force flag to overrule all checks.');
  }
  const lines = (input ?? '').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const label = lines.find((line) => /^label\s*:/.test(line))?.split(':')[1]?.trim() ?? optionValue(args, ['-X', '--label']) ?? 'dos';
  if (label !== 'gpt' && label !== 'dos') return fail(1, `sfdisk: unsupported label '${label}'`);
  const partitionLines = lines.filter((line) => !/^[a-z-]+\s*:/.test(line));
  if (partitionLines.length !== 1 || /\bsize=/.test(partitionLines[0]!)) return fail(1, 'sfdisk (sandbox): only one partition over the whole disk is simulated');
  const [major, minor] = disk.majMin.split(':').map(Number) as [number, number];
  disk.pttype = label;
  disk.fs = null;
  // 1 MiB aligned start; GPT keeps 33 sectors for its backup table at the end.
  const sizeBytes = Math.floor((disk.sizeBytes - MiB - (label === 'gpt' ? 33 * 512 : 0)) / MiB) * MiB;
  disk.partitions = [{ kname: partitionName(disk, 1), majMin: `${disk.type === 'loop' || disk.kname.startsWith('nvme') ? 259 : major}:${minor + 1}`, sizeBytes, fs: null, mounts: [] }];
  return ok(`The partition table has been altered.\nCalling ioctl() to re-read partition table.\nSyncing disks.\n`);
};

// ---------------------------------------------------------------- making file systems

function newUuid(type: string): string {
  if (type === 'vfat' || type === 'exfat') {
    const hex = randomBytes(4).toString('hex').toUpperCase();
    return `${hex.slice(0, 4)}-${hex.slice(4)}`;
  }
  return randomUUID();
}

const realMkfs = (program: string) => ['/usr/sbin', '/sbin'].map((dir) => path.join(dir, program)).find((candidate) => existsSync(candidate));

/** mkfs.TYPE: on a device of the pretend host it makes the file system there; on a regular file (an image) it runs for real. */
export function mkfs(program: string): ProgramSimulation {
  const type = program.slice('mkfs.'.length) === 'fat' ? 'vfat' : program.slice('mkfs.'.length);
  return (args, state) => {
    const withValue = ['-L', '-n', '-m', '-b', '-E', '-O', '-T', '-U', '-d', '-N', '-I', '-i', '-c', '-F', '-s', '-r', '-R', '-C', '-G', '-M', '-g', '-o'];
    // mkfs.ext4's -F (force) takes no value; mkfs.vfat's -F (FAT size) does.
    const valued = type === 'vfat' ? withValue : withValue.filter((o) => o !== '-F');
    const device = operands(args, valued).at(-1);
    if (!device) return fail(1, `${program}: no device specified`);
    const found = findDevice(state, device);
    if (!found) {
      let info;
      try {
        info = statSync(device);
      } catch {
        return fail(1, `${program}: ${device}: No such file or directory`);
      }
      return info.isFile() ? runReal(realMkfs(program), args) : fail(1, `${program} (sandbox): ${device} is not a device of the pretend host`);
    }
    if (mountedOn(found.disk, found.isDisk, found.volume)) return fail(1, `${device} contains a mounted filesystem.`);
    if (found.isDisk && found.disk.partitions.length > 0 && type !== 'btrfs' && !args.includes('-F') && !args.includes('-I')) {
      return fail(1, `${program}: ${device} is apparently in use by the system; will not make a filesystem here!`);
    }
    const label = optionValue(args, type === 'vfat' || type === 'exfat' ? ['-n', '-L'] : ['-L', '--label']) ?? null;
    found.volume.fs = { type, label, uuid: newUuid(type), usedBytes: type === 'btrfs' ? 3_653_632 : type === 'ext4' ? Math.min(found.volume.sizeBytes / 64, 268_435_456) : 16_384 };
    if (found.isDisk) {
      found.disk.partitions = [];
      found.disk.pttype = null;
    }
    return ok(type === 'btrfs' ? `btrfs-progs v6.2\nLabel:              ${label ?? '(null)'}\nUUID:               ${found.volume.fs.uuid}\n` : `Creating filesystem with ${Math.floor(found.volume.sizeBytes / 4096)} 4k blocks\nFilesystem UUID: ${found.volume.fs.uuid}\n`);
  };
}

// ---------------------------------------------------------------- mounting

interface FstabLine {
  spec: string;
  file: string;
  type: string;
  options: string;
}

function readFstab(file: string): FstabLine[] {
  const text = readFileSync(file, 'utf8');
  const decode = (field: string) => field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
  return text
    .split('\n')
    .map((line) => line.replace(/#.*$/, '').trim())
    .filter(Boolean)
    .map((line) => line.split(/\s+/))
    .filter((fields) => fields.length >= 3)
    .map(([spec, file, type, options]) => ({ spec: decode(spec!), file: decode(file!), type: type!, options: options ?? 'defaults' }));
}

export const mount: ProgramSimulation = (args, state, _input, host = { root: '/' }) => {
  const withValue = ['-t', '--types', '-o', '--options', '-T', '--fstab', '--target-prefix', '-U', '--uuid', '-L', '--label', '--source', '--target', '-O', '--test-opts'];
  const given = operands(args, withValue);
  let source = optionValue(args, ['--source']) ?? (optionValue(args, ['-U', '--uuid']) ? `UUID=${optionValue(args, ['-U', '--uuid'])}` : undefined) ?? (optionValue(args, ['-L', '--label']) ? `LABEL=${optionValue(args, ['-L', '--label'])}` : undefined);
  let target = optionValue(args, ['--target']);
  let type = optionValue(args, ['-t', '--types']);
  if (!source && given.length >= 2) [source, target] = [given[0], given[1]];
  else if (!target && given.length >= 1) target = given[0];

  if (source === undefined && target !== undefined) {
    // "mount TARGET": the rest comes from fstab (an alternative one with --fstab), the target maybe under a prefix.
    const fstabFile = optionValue(args, ['-T', '--fstab']);
    if (!fstabFile) return ok();
    const prefix = optionValue(args, ['--target-prefix']) ?? '';
    const line = readFstab(fstabFile).find((entry) => entry.file === target || entry.spec === target);
    if (!line) return fail(1, `mount: ${target}: can't find in ${fstabFile}.`);
    source = line.spec;
    target = path.join(prefix, line.file);
    type ??= line.type;
  }
  if (!source || !target) return ok();
  const found = findByTag(state, source);
  if (!found) {
    // Not a device of the pretend host (a tmpfs, a bind mount): recorded, as it always was.
    if (source.startsWith('UUID=') || source.startsWith('LABEL=')) return fail(32, `mount: ${target}: can't find ${source}.`);
    return ok();
  }
  const boxTarget = toBox(host, target);
  if (!boxTarget) return fail(32, `mount (sandbox): ${target} is outside the sandbox root`);
  let isDir = false;
  try {
    isDir = statSync(target).isDirectory();
  } catch {
    return fail(32, `mount: ${target}: mount point does not exist.`);
  }
  if (!isDir) return fail(32, `mount: ${target}: mount point is not a directory.`);
  const fs = found.volume.fs;
  if (!fs || (type && type !== 'auto' && type !== fs.type)) {
    return fail(32, `mount: ${target}: wrong fs type, bad option, bad superblock on /dev/${found.volume.kname}, missing codepage or helper program, or other error.`);
  }
  if (found.volume.mounts.includes(boxTarget)) return fail(32, `mount: ${target}: /dev/${found.volume.kname} already mounted on ${target}.`);
  for (const disk of disksOf(state)) {
    for (const volume of allVolumes(disk)) if (volume.mounts.includes(boxTarget)) return fail(32, `mount: ${target}: ${target} already mounted.`);
  }
  found.volume.mounts.push(boxTarget);
  return ok();
};

export const umount: ProgramSimulation = (args, state, _input, host = { root: '/' }) => {
  const given = operands(args, ['-t', '--types', '-O', '--test-opts']);
  if (given.length === 0) return fail(1, 'umount: bad usage');
  for (const operand of given) {
    const device = findDevice(state, operand);
    const boxTarget = toBox(host, operand);
    let done = false;
    for (const disk of disksOf(state)) {
      for (const volume of allVolumes(disk)) {
        if (device?.volume === volume && volume.mounts.length) {
          volume.mounts.pop();
          done = true;
        } else if (boxTarget && volume.mounts.includes(boxTarget)) {
          volume.mounts = volume.mounts.filter((m) => m !== boxTarget);
          done = true;
        }
      }
    }
    if (!done && device) return fail(32, `umount: ${operand}: not mounted.`);
    // Anything else (a tmpfs, a real mount in a test) is recorded, as it always was.
  }
  return ok();
};
