import { boardFiles, type BoardInput } from './board-files.js';
import { decodePiRevision } from './pi-revision.js';
import type { BoardDetection, BoardFacts, BoardProfile, DetectionWarning, MatchedRule, PiRevision } from './types.js';

const MiB = 1024 * 1024;

interface Candidate {
  profile: BoardProfile;
  rule: MatchedRule;
}

/**
 * Chooses the profile for what was read. The most specific rule wins:
 *
 * 1. an exact device-tree compatible string (the earliest in the file, which lists
 *    the board before its SoC), a Raspberry Pi revision code's type, or DMI values;
 * 2. the model string (the longest matching prefix) or Armbian's BOARD=;
 * 3. any Armbian system (/etc/armbian-release exists): the generic Armbian profile;
 * 4. the architecture's generic profile; 5. the fallback.
 *
 * When two first-rank rules name different boards, the compatible string is
 * believed (it is what the kernel itself booted with) and a warning says so.
 */
export function detectBoard(profiles: readonly BoardProfile[], input: BoardInput, arch: string): BoardDetection {
  const warnings: DetectionWarning[] = [...input.warnings];
  const piRevision = revisionOf(input, warnings);
  const facts: BoardFacts = {
    arch,
    model: input.model ?? input.cpuinfo.model ?? input.dmi?.productName ?? null,
    compatible: input.compatible,
    piRevision,
    armbian: input.armbian
      ? {
          board: input.armbian.BOARD || null,
          boardName: input.armbian.BOARD_NAME || null,
          boardFamily: input.armbian.BOARDFAMILY || null,
          version: input.armbian.VERSION || null,
        }
      : null,
    dmi: input.dmi,
    memTotalBytes: input.memTotalBytes,
    nominalRamMiB: piRevision?.memoryMiB ?? null,
  };

  const exact = [byCompatible(profiles, input.compatible), byPiRevision(profiles, piRevision), byDmi(profiles, input.dmi)].filter((c): c is Candidate => !!c);
  const family = [byModel(profiles, input.model ? { model: input.model, file: boardFiles.model } : input.cpuinfo.model ? { model: input.cpuinfo.model, file: boardFiles.cpuinfo } : null), byArmbianBoard(profiles, facts.armbian?.board ?? null)].filter((c): c is Candidate => !!c);
  let chosen = exact[0] ?? family[0];

  for (const other of [...exact, ...family]) {
    if (chosen && other.profile.id !== chosen.profile.id && !(other.rule.kind === 'armbianBoard' && chosen.rule.kind !== 'armbianBoard')) {
      warnings.push({
        key: 'boards:warnings.conflict',
        params: { file: other.rule.file ?? '', value: other.rule.value, other: other.profile.name, chosen: chosen.profile.name, chosenFile: chosen.rule.file ?? '' },
      });
    }
  }

  if (!chosen) {
    const identity = input.model ?? input.cpuinfo.model ?? input.compatible[0] ?? facts.armbian?.boardName ?? facts.armbian?.board;
    chosen = genericFor(profiles, input, arch);
    if (identity) warnings.push({ key: 'boards:warnings.unknownBoard', params: { model: identity, profile: chosen.profile.name } });
    else if (arch !== 'x64' && arch !== 'ia32') warnings.push({ key: 'boards:warnings.noBoardInfo', params: { arch, profile: chosen.profile.name } });
  }

  const { profile } = chosen;
  if (!profile.architectures.includes(arch as never)) {
    warnings.push({ key: 'boards:warnings.unexpectedArch', params: { board: profile.name, arch } });
  }
  const ramMiB = facts.nominalRamMiB ?? (facts.memTotalBytes !== null ? facts.memTotalBytes / MiB : null);
  // MemTotal is below what the chips hold (firmware and GPU take their share): allow a quarter less.
  if (ramMiB !== null && (ramMiB > profile.ram.maxMiB || ramMiB < profile.ram.minMiB * 0.75)) {
    warnings.push({ key: 'boards:warnings.ramOutOfRange', params: { ram: Math.round(ramMiB), board: profile.name, min: profile.ram.minMiB, max: profile.ram.maxMiB } });
  }
  return { profile, rule: chosen.rule, facts, warnings };
}

/**
 * The revision code only means something on a Raspberry Pi: other ARM kernels print
 * "Revision : 0000". It is decoded when something says Pi (the Hardware line, the
 * model, the compatible strings).
 */
function revisionOf(input: BoardInput, warnings: DetectionWarning[]): PiRevision | null {
  const raw = input.cpuinfo.revision;
  if (!raw) return null;
  const saysPi =
    /^BCM27\d\d$|^BCM2835$/.test(input.cpuinfo.hardware ?? '') ||
    (input.model ?? input.cpuinfo.model ?? '').startsWith('Raspberry Pi') ||
    input.compatible.some((c) => c.startsWith('raspberrypi,'));
  if (!saysPi) return null;
  const decoded = decodePiRevision(raw);
  if (!decoded) warnings.push({ key: 'boards:warnings.badRevision', params: { value: raw, file: boardFiles.cpuinfo } });
  return decoded ?? null;
}

function byCompatible(profiles: readonly BoardProfile[], compatible: readonly string[]): Candidate | undefined {
  for (const value of compatible) {
    const profile = profiles.find((p) => p.detection.compatible?.includes(value));
    if (profile) return { profile, rule: { kind: 'compatible', file: boardFiles.compatible, value } };
  }
  return undefined;
}

function byPiRevision(profiles: readonly BoardProfile[], revision: PiRevision | null): Candidate | undefined {
  if (!revision?.newStyle || revision.type === undefined) return undefined;
  const profile = profiles.find((p) => p.detection.piRevisionTypes?.includes(revision.type!));
  return profile ? { profile, rule: { kind: 'piRevision', file: boardFiles.cpuinfo, value: revision.code } } : undefined;
}

function byDmi(profiles: readonly BoardProfile[], dmi: BoardInput['dmi']): Candidate | undefined {
  if (!dmi) return undefined;
  for (const profile of profiles) {
    for (const rule of profile.detection.dmi ?? []) {
      const fields = [
        ['sysVendor', boardFiles.dmiSysVendor],
        ['productName', boardFiles.dmiProductName],
        ['boardName', boardFiles.dmiBoardName],
      ] as const;
      const given = fields.filter(([key]) => rule[key] !== undefined);
      if (given.length && given.every(([key]) => dmi[key] === rule[key])) {
        const [key, file] = given[given.length - 1]!;
        return { profile, rule: { kind: 'dmi', file, value: dmi[key]! } };
      }
    }
  }
  return undefined;
}

/** Whole words only: "Raspberry Pi 5" is a prefix of "Raspberry Pi 5 Model B Rev 1.0", not of "Raspberry Pi 500". */
function byModel(profiles: readonly BoardProfile[], read: { model: string; file: string } | null): Candidate | undefined {
  if (!read) return undefined;
  const { model, file } = read;
  let best: { profile: BoardProfile; prefix: string } | undefined;
  for (const profile of profiles) {
    for (const prefix of profile.detection.model ?? []) {
      const matches = model === prefix || model.startsWith(prefix + ' ');
      if (matches && (!best || prefix.length > best.prefix.length)) best = { profile, prefix };
    }
  }
  return best ? { profile: best.profile, rule: { kind: 'model', file, value: model } } : undefined;
}

function byArmbianBoard(profiles: readonly BoardProfile[], board: string | null): Candidate | undefined {
  if (!board) return undefined;
  const profile = profiles.find((p) => p.detection.armbianBoard?.includes(board));
  return profile ? { profile, rule: { kind: 'armbianBoard', file: boardFiles.armbianRelease, value: `BOARD=${board}` } } : undefined;
}

function genericFor(profiles: readonly BoardProfile[], input: BoardInput, arch: string): Candidate {
  const armbian = input.armbian ? profiles.find((p) => p.detection.generic === 'armbian' && p.architectures.includes(arch as never)) : undefined;
  if (armbian) {
    const board = input.armbian?.BOARD;
    return { profile: armbian, rule: { kind: 'armbian', file: boardFiles.armbianRelease, value: board ? `BOARD=${board}` : 'present' } };
  }
  const byArch = profiles.find((p) => p.detection.generic === 'architecture' && p.architectures.includes(arch as never));
  if (byArch) return { profile: byArch, rule: { kind: 'architecture', file: null, value: arch } };
  const fallback = profiles.find((p) => p.detection.generic === 'fallback') ?? builtInFallback;
  return { profile: fallback, rule: { kind: 'fallback', file: null, value: arch } };
}

/** Used only when boards/ has no fallback profile (deleted or broken): detection still answers. */
export const builtInFallback: BoardProfile = {
  id: 'generic',
  name: 'Unknown computer',
  vendor: '—',
  soc: 'unknown',
  architectures: ['arm', 'arm64', 'ia32', 'x64', 'riscv64', 'loong64', 'mips', 'mipsel', 'ppc64', 's390x'],
  detection: { generic: 'fallback' },
  ram: { minMiB: 64, maxMiB: 4194304 },
  network: { ethernetMbps: null, wifi: null },
  usb3Ports: null,
  sata: { ports: null },
  bootMedia: [],
  thermal: { sensor: null, warnCelsius: 80, throttleCelsius: null, criticalCelsius: null },
  leds: [],
  quirks: ['genericFacts'],
  defaults: { swap: null, zram: { enabled: false, percentOfRam: 50, algorithm: 'zstd' }, logsInRam: false, apps: { hide: [], recommend: [] } },
  sources: ['built in'],
};
