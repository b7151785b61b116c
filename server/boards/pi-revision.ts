import type { PiRevision } from './types.js';

/**
 * Raspberry Pi revision codes (the Revision line of /proc/cpuinfo), as the Raspberry
 * Pi documentation lays out the new-style bits: NOQuuuWuFMMMCCCCPPPPTTTTTTTTRRRR —
 * F (bit 23) new style, MMM memory, CCCC manufacturer, PPPP processor, TTTTTTTT type,
 * RRRR revision. The type field names the model for every revision and every RAM
 * size, which is why profiles match on it rather than on whole codes.
 */
const types: Record<number, string> = {
  0x00: 'A', 0x01: 'B', 0x02: 'A+', 0x03: 'B+', 0x04: '2B', 0x05: 'Alpha', 0x06: 'CM1', 0x08: '3B', 0x09: 'Zero',
  0x0a: 'CM3', 0x0c: 'Zero W', 0x0d: '3B+', 0x0e: '3A+', 0x10: 'CM3+', 0x11: '4B', 0x12: 'Zero 2 W', 0x13: '400',
  0x14: 'CM4', 0x15: 'CM4S', 0x17: '5', 0x18: 'CM5', 0x19: '500/500+', 0x1a: 'CM5 Lite', 0x1b: 'CM0',
};
const memory: Record<number, number> = { 0: 256, 1: 512, 2: 1024, 3: 2048, 4: 4096, 5: 8192, 6: 16384 };
const manufacturers: Record<number, string> = { 0: 'Sony UK', 1: 'Egoman', 2: 'Embest', 3: 'Sony Japan', 4: 'Embest', 5: 'Stadium' };
const processors: Record<number, string> = { 0: 'BCM2835', 1: 'BCM2836', 2: 'BCM2837', 3: 'BCM2711', 4: 'BCM2712' };

/** Old-style codes 0002–0015: the first boards, all 256 or 512 MB. */
const oldStyle: Record<number, { typeName: string; memoryMiB: number }> = {
  0x02: { typeName: 'B', memoryMiB: 256 }, 0x03: { typeName: 'B', memoryMiB: 256 }, 0x04: { typeName: 'B', memoryMiB: 256 },
  0x05: { typeName: 'B', memoryMiB: 256 }, 0x06: { typeName: 'B', memoryMiB: 256 }, 0x07: { typeName: 'A', memoryMiB: 256 },
  0x08: { typeName: 'A', memoryMiB: 256 }, 0x09: { typeName: 'A', memoryMiB: 256 }, 0x0d: { typeName: 'B', memoryMiB: 512 },
  0x0e: { typeName: 'B', memoryMiB: 512 }, 0x0f: { typeName: 'B', memoryMiB: 512 }, 0x10: { typeName: 'B+', memoryMiB: 512 },
  0x11: { typeName: 'CM1', memoryMiB: 512 }, 0x12: { typeName: 'A+', memoryMiB: 256 }, 0x13: { typeName: 'B+', memoryMiB: 512 },
  0x14: { typeName: 'CM1', memoryMiB: 512 }, 0x15: { typeName: 'A+', memoryMiB: 256 },
};

/** Decodes a revision code ("c03114"); undefined when it is not hex or names no known board. */
export function decodePiRevision(raw: string): PiRevision | undefined {
  const text = raw.trim().toLowerCase();
  if (!/^[0-9a-f]{4,8}$/.test(text)) return undefined;
  const code = parseInt(text, 16);
  if (!((code >>> 23) & 1)) {
    const old = oldStyle[code & 0xffffff];
    return old ? { code: text, newStyle: false, ...old } : undefined;
  }
  const type = (code >>> 4) & 0xff;
  const memoryMiB = memory[(code >>> 20) & 0x7];
  const manufacturer = manufacturers[(code >>> 16) & 0xf];
  const processor = processors[(code >>> 12) & 0xf];
  const typeName = types[type];
  return {
    code: text,
    newStyle: true,
    type,
    ...(typeName ? { typeName } : {}),
    ...(memoryMiB ? { memoryMiB } : {}),
    ...(manufacturer ? { manufacturer } : {}),
    ...(processor ? { processor } : {}),
    boardRevision: `1.${code & 0xf}`,
  };
}
