import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { HearthError } from '../errors.js';

/**
 * scrypt password hashes at OWASP's parameters. The parameters are stored with
 * each hash ("$scrypt$ln=17,r=8,p=1$<salt>$<hash>"), so hashes made on a
 * low-memory board stay verifiable anywhere and can be upgraded at the next login.
 */
export interface ScryptParams {
  /** log2 of the CPU/memory cost N */
  ln: number;
  r: number;
  p: number;
}

export const scryptProfiles = {
  /** OWASP: N=2^17, r=8, p=1 — 128 MiB per hash. */
  standard: { ln: 17, r: 8, p: 1 },
  /** OWASP's equivalent for small boards: N=2^15, r=8, p=3 — 32 MiB per hash. */
  lowMemory: { ln: 15, r: 8, p: 3 },
} as const satisfies Record<string, ScryptParams>;

const keyLength = 32;
const saltLength = 16;

/** Boards with less than 2 GiB of RAM use the low-memory profile, and hash one password at a time. */
export function chooseScryptProfile(totalMemoryBytes: number): { params: ScryptParams; maxConcurrent: number } {
  const small = totalMemoryBytes < 2 * 1024 ** 3;
  return { params: small ? scryptProfiles.lowMemory : scryptProfiles.standard, maxConcurrent: small ? 1 : 2 };
}

export function scryptMemoryBytes(params: ScryptParams): number {
  return 128 * 2 ** params.ln * params.r;
}

/** The weakest parameters accepted for a stored hash; anything below is rehashed at login. */
function meetsMinimum(params: ScryptParams): boolean {
  return (params.ln >= 17 && params.p >= 1) || (params.ln >= 16 && params.p >= 2) || (params.ln >= 15 && params.p >= 3);
}

function deriveKey(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  const options: ScryptOptions = {
    N: 2 ** params.ln,
    r: params.r,
    p: params.p,
    // Node's default maxmem (32 MiB) refuses N=2^17; allow what the parameters need.
    maxmem: scryptMemoryBytes(params) * 2,
  };
  // NFKC, so the same passphrase typed on a phone and a laptop gives the same hash.
  const normalized = password.normalize('NFKC');
  return new Promise((resolve, reject) =>
    scrypt(normalized, salt, keyLength, options, (error, key) => (error ? reject(error) : resolve(key))),
  );
}

function encode(params: ScryptParams, salt: Buffer, key: Buffer): string {
  return `$scrypt$ln=${params.ln},r=${params.r},p=${params.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

function decode(stored: string): { params: ScryptParams; salt: Buffer; key: Buffer } | undefined {
  const match = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+)$/.exec(stored);
  if (!match) return undefined;
  const [, ln, r, p, salt, key] = match;
  const params = { ln: Number(ln), r: Number(r), p: Number(p) };
  if (params.ln < 1 || params.ln > 22 || params.r < 1 || params.r > 32 || params.p < 1 || params.p > 16) return undefined;
  return { params, salt: Buffer.from(salt!, 'base64'), key: Buffer.from(key!, 'base64') };
}

/**
 * Hashing costs 32–128 MiB each; a flood of logins must not exhaust a 1 GB board.
 * At most `maxConcurrent` run at once, at most `maxQueued` wait; beyond that the
 * caller is told the appliance is busy.
 */
export function createPasswordHasher(options: { params: ScryptParams; maxConcurrent: number; maxQueued?: number }) {
  const maxQueued = options.maxQueued ?? 16;
  let running = 0;
  const waiting: Array<() => void> = [];

  async function withSlot<T>(work: () => Promise<T>): Promise<T> {
    if (running >= options.maxConcurrent) {
      if (waiting.length >= maxQueued) throw new HearthError('HEARTH_ERR_AUTH_BUSY', {}, { retryAfterSeconds: 5 });
      await new Promise<void>((resolve) => waiting.push(resolve));
    } else {
      running += 1;
    }
    try {
      return await work();
    } finally {
      const next = waiting.shift();
      // Hand the slot straight to the next waiter; `running` stays the same.
      if (next) next();
      else running -= 1;
    }
  }

  return {
    params: options.params,
    hash(password: string): Promise<string> {
      return withSlot(async () => {
        const salt = randomBytes(saltLength);
        return encode(options.params, salt, await deriveKey(password, salt, options.params));
      });
    },
    /** needsRehash: the stored hash is valid but weaker than what this board uses now. */
    verify(password: string, stored: string): Promise<{ ok: boolean; needsRehash: boolean }> {
      return withSlot(async () => {
        const decoded = decode(stored);
        if (!decoded) return { ok: false, needsRehash: false };
        const key = await deriveKey(password, decoded.salt, decoded.params);
        const ok = key.length === decoded.key.length && timingSafeEqual(key, decoded.key);
        return { ok, needsRehash: ok && !meetsMinimum(decoded.params) };
      });
    },
    /** Spends the same time as a real verification, for unknown users. */
    async verifyNothing(password: string): Promise<void> {
      await withSlot(() => deriveKey(password, Buffer.alloc(saltLength), options.params));
    },
    get inFlight() {
      return { running, waiting: waiting.length };
    },
  };
}

export type PasswordHasher = ReturnType<typeof createPasswordHasher>;
