/**
 * A board profile as boards/schema.json describes it (the JSON Schema is the
 * authority: profiles are validated against it at load; this type mirrors it).
 */
export type NodeArch = 'arm' | 'arm64' | 'ia32' | 'x64' | 'riscv64' | 'loong64' | 'mips' | 'mipsel' | 'ppc64' | 's390x';

export type BootMedium = 'microsd' | 'sd' | 'emmc' | 'usb' | 'nvme' | 'sata' | 'network' | 'spi-flash' | 'disk';

export interface DmiRule {
  sysVendor?: string;
  productName?: string;
  boardName?: string;
}

export interface BoardProfile {
  id: string;
  name: string;
  vendor: string;
  soc: string;
  cpu?: string;
  architectures: NodeArch[];
  detection: {
    compatible?: string[];
    model?: string[];
    armbianBoard?: string[];
    piRevisionTypes?: number[];
    dmi?: DmiRule[];
    generic?: 'armbian' | 'architecture' | 'fallback';
  };
  ram: { minMiB: number; maxMiB: number };
  network: { ethernetMbps: number | null; ethernetVia?: 'soc' | 'usb2' | 'usb3' | 'pcie'; wifi: string | null };
  usb3Ports: number | null;
  usb2Ports?: number | null;
  sata: { ports: number | null; via?: 'soc' | 'usb3-bridge' | 'pcie' };
  bootMedia: BootMedium[];
  thermal: { sensor: string | null; warnCelsius: number; throttleCelsius: number | null; criticalCelsius: number | null };
  leds: Array<{ name: string; color: string; role: 'power' | 'activity' | 'heartbeat' | 'user' }>;
  /** Keys of boards:quirks.<key>. */
  quirks: string[];
  defaults: {
    swap: { sizeMiB: number; path: string } | null;
    zram: { enabled: boolean; percentOfRam: number; algorithm: 'zstd' | 'lz4' | 'lzo-rle' };
    logsInRam: boolean;
    apps: { hide: string[]; recommend: string[] };
  };
  sources: string[];
}

/** A profile that could not be used: which file, which field (JSON pointer), and why. */
export interface ProfileProblem {
  file: string;
  field: string;
  message: string;
}

/** Which rule chose the profile: the file it read and the value that matched. */
export interface MatchedRule {
  kind: 'compatible' | 'piRevision' | 'dmi' | 'model' | 'armbianBoard' | 'armbian' | 'architecture' | 'fallback';
  /** As the board sees it, e.g. /proc/device-tree/compatible. */
  file: string | null;
  value: string;
}

/** Something detection noticed: an i18n key of boards:warnings.* with its parameters. */
export interface DetectionWarning {
  key: string;
  params: Record<string, string | number>;
}

export interface PiRevision {
  code: string;
  /** New-style code (bit 23); old-style codes only name the oldest boards. */
  newStyle: boolean;
  type?: number;
  /** The model's short name from the revision-code table, e.g. "4B". */
  typeName?: string;
  memoryMiB?: number;
  manufacturer?: string;
  processor?: string;
  boardRevision?: string;
}

export interface BoardFacts {
  arch: string;
  /** /proc/device-tree/model, else the Model line of /proc/cpuinfo, else DMI product. */
  model: string | null;
  compatible: string[];
  piRevision: PiRevision | null;
  armbian: { board: string | null; boardName: string | null; boardFamily: string | null; version: string | null } | null;
  dmi: { sysVendor: string | null; productName: string | null; boardName: string | null } | null;
  /** MemTotal of /proc/meminfo (what the kernel can use, less than the chips hold). */
  memTotalBytes: number | null;
  /** What the board has soldered on, when something says (a Pi's revision code). */
  nominalRamMiB: number | null;
}

export interface BoardDetection {
  profile: BoardProfile;
  rule: MatchedRule;
  facts: BoardFacts;
  warnings: DetectionWarning[];
}

/** Capabilities an app can declare it needs (`needs: ['sata']`). */
export type BoardCapability = 'sata' | 'ethernet' | 'wifi' | 'usb3';
