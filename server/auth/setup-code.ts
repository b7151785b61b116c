import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import type { Paths } from '../paths.js';
import type { System } from '../system/index.js';

/**
 * The one-time setup code that proves the person activating the box can read its
 * console or log in over SSH — so a stranger on the same Wi-Fi cannot claim it first.
 * 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L): 40 bits, which
 * the login throttle makes impossible to guess online.
 */
const alphabet = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
const codeLength = 8;

export function generateSetupCode(): string {
  const chars = Array.from({ length: codeLength }, () => alphabet[randomInt(alphabet.length)]).join('');
  return `${chars.slice(0, 4)}-${chars.slice(4)}`;
}

/** Accepts what a person types: any case, with or without the dash or spaces. */
export function normalizeSetupCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]+/g, '');
}

export function setupCodesMatch(expected: string, given: string): boolean {
  const digest = (value: string) => createHash('sha256').update(normalizeSetupCode(value)).digest();
  return timingSafeEqual(digest(expected), digest(given));
}

export function createSetupCodeFile(system: System, paths: Paths) {
  return {
    async read(): Promise<string | undefined> {
      const content = await system.readFile(paths.setupCode);
      const code = content?.trim();
      return code ? code : undefined;
    },
    /** The existing code, or a new one written 0600. */
    async ensure(): Promise<string> {
      const existing = await this.read();
      if (existing) return existing;
      const code = generateSetupCode();
      await system.writeFile(paths.setupCode, code + '\n', { mode: 0o600 });
      return code;
    },
    async remove(): Promise<void> {
      await system.removeFile(paths.setupCode);
    },
  };
}

export type SetupCodeFile = ReturnType<typeof createSetupCodeFile>;
