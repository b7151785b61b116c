import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach } from 'vitest';
import { createAppliance, type ApplianceOptions } from '../appliance.js';
import type { ScryptParams } from '../auth/passwords.js';

/**
 * Cheap scrypt parameters for tests of everything but password hashing itself
 * (auth/passwords.test.ts runs the real ones). 2^10 keeps a login under a millisecond.
 */
export const cheapScrypt: { params: ScryptParams; maxConcurrent: number } = { params: { ln: 10, r: 8, p: 1 }, maxConcurrent: 2 };

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A fresh temporary root, removed after the test. */
export function tempRoot(): string {
  const root = mkdtempSync(path.join(os.tmpdir(), 'hearth-test-'));
  roots.push(root);
  return root;
}

/** A clock the test moves by hand, to walk through expiry without waiting. */
export function manualClock(start = Date.UTC(2026, 10, 28, 12, 0, 0)) {
  let current = start;
  return {
    now: () => current,
    advance(ms: number) {
      current += ms;
    },
  };
}

export function testAppliance(options: Partial<ApplianceOptions> = {}) {
  return createAppliance({ root: options.root ?? tempRoot(), systemKind: 'sandbox', scrypt: cheapScrypt, ...options });
}
