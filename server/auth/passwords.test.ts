import { describe, expect, it } from 'vitest';
import { HearthError } from '../errors.js';
import { chooseScryptProfile, createPasswordHasher, scryptMemoryBytes, scryptProfiles } from './passwords.js';

describe('password hashing', () => {
  it('uses OWASP parameters: N=2^17 r=8 p=1 normally, N=2^15 r=8 p=3 on boards under 2 GiB', () => {
    expect(chooseScryptProfile(4 * 1024 ** 3)).toEqual({ params: { ln: 17, r: 8, p: 1 }, maxConcurrent: 2 });
    expect(chooseScryptProfile(1024 ** 3)).toEqual({ params: { ln: 15, r: 8, p: 3 }, maxConcurrent: 1 });
    expect(scryptMemoryBytes(scryptProfiles.standard)).toBe(128 * 1024 * 1024);
    expect(scryptMemoryBytes(scryptProfiles.lowMemory)).toBe(32 * 1024 * 1024);
  });

  it('hashes at N=2^17 (which needs maxmem raised) and records the parameters with the hash', async () => {
    const hasher = createPasswordHasher({ params: scryptProfiles.standard, maxConcurrent: 1 });
    const hash = await hasher.hash('correct horse battery staple');
    expect(hash).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[A-Za-z0-9+/=]{24}\$[A-Za-z0-9+/=]{44}$/);
    expect(await hasher.verify('correct horse battery staple', hash)).toEqual({ ok: true, needsRehash: false });
    expect((await hasher.verify('correct horse battery stapl', hash)).ok).toBe(false);
  });

  it('verifies a low-memory hash on any board, and salts every hash', async () => {
    const small = createPasswordHasher({ params: scryptProfiles.lowMemory, maxConcurrent: 1 });
    const first = await small.hash('same passphrase here');
    const second = await small.hash('same passphrase here');
    expect(first).not.toBe(second);
    const big = createPasswordHasher({ params: scryptProfiles.standard, maxConcurrent: 1 });
    expect(await big.verify('same passphrase here', first)).toEqual({ ok: true, needsRehash: false });
  });

  it('asks to rehash a hash weaker than the minimum', async () => {
    const weak = createPasswordHasher({ params: { ln: 12, r: 8, p: 1 }, maxConcurrent: 1 });
    const hash = await weak.hash('an old weak hash');
    expect(await weak.verify('an old weak hash', hash)).toEqual({ ok: true, needsRehash: true });
  });

  it('treats the same passphrase typed in different Unicode forms as equal (NFKC)', async () => {
    const hasher = createPasswordHasher({ params: { ln: 10, r: 8, p: 1 }, maxConcurrent: 1 });
    const composed = await hasher.hash('caf\u00e9 au lait 2026');
    expect((await hasher.verify('cafe\u0301 au lait 2026', composed)).ok).toBe(true);
  });

  it('rejects malformed stored hashes without throwing', async () => {
    const hasher = createPasswordHasher({ params: { ln: 10, r: 8, p: 1 }, maxConcurrent: 1 });
    for (const stored of ['', 'plain', '$scrypt$ln=40,r=8,p=1$AAAA$BBBB', '$scrypt$ln=10,r=8,p=1$!!$??']) {
      expect(await hasher.verify('whatever', stored)).toEqual({ ok: false, needsRehash: false });
    }
  });

  it('caps concurrent hashing and turns away a flood beyond the queue', async () => {
    const hasher = createPasswordHasher({ params: { ln: 14, r: 8, p: 1 }, maxConcurrent: 1, maxQueued: 2 });
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, hasher.inFlight.running)), 1);
    const results = await Promise.allSettled(Array.from({ length: 5 }, (_, i) => hasher.hash(`password number ${i}`)));
    clearInterval(watch);
    const rejected = results.filter((r) => r.status === 'rejected');
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(3);
    expect(rejected).toHaveLength(2);
    for (const r of rejected) expect(((r as PromiseRejectedResult).reason as HearthError).code).toBe('HEARTH_ERR_AUTH_BUSY');
    expect(peak).toBeLessThanOrEqual(1);
    expect(hasher.inFlight).toEqual({ running: 0, waiting: 0 });
  });
});
