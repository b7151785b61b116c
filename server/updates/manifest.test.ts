import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HearthError } from '../errors.js';
import { tempRoot } from '../testing/temp-root.js';
import { generateSigningKey, loadTrustedKeys, parsePublicKey, publicKeyId } from './keys.js';
import { checkManifest, compareVersions, parseEnvelope, signManifest, verifyEnvelope, type Envelope } from './manifest.js';
import { manifest, release, testKey } from './testing/fixtures.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof HearthError) return error.code;
    throw error;
  }
  return undefined;
}

function errorOf(fn: () => unknown): HearthError {
  try {
    fn();
  } catch (error) {
    if (error instanceof HearthError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

const bundle = { url: 'hearth-1.1.0-x64.tar.gz', size: 10, sha256: 'a'.repeat(64), unpackedSize: 4096 };

describe('versions', () => {
  it('order by semantic-version precedence, pre-releases before their release', () => {
    const sorted = ['1.0.0', '0.9.12', '1.0.0-rc.1', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta.11', '1.0.0-beta.2', '1.10.0', '1.2.0'].sort(compareVersions);
    expect(sorted).toEqual(['0.9.12', '1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0', '1.2.0', '1.10.0']);
    expect(compareVersions('2.0.0', '2.0.0')).toBe(0);
  });
});

describe('signed envelope', () => {
  const good = manifest([release('1.1.0', { bundles: { x64: bundle } })]);

  it('verifies a manifest signed by a trusted key and returns what was signed', () => {
    const key = testKey();
    const envelope = signManifest(good, [key.privateKey]);
    const { manifest: verified, keyid } = verifyEnvelope(parseEnvelope(JSON.stringify(envelope)), [key.trusted]);
    expect(keyid).toBe(key.trusted.keyid);
    expect(verified).toEqual(good);
  });

  it('does not depend on the clock: a box that booted in 1970, or in 2100, verifies the same', () => {
    const key = testKey();
    const text = JSON.stringify(signManifest(good, [key.privateKey]));
    vi.useFakeTimers();
    try {
      for (const now of [0, Date.UTC(2100, 0, 1)]) {
        vi.setSystemTime(now);
        expect(verifyEnvelope(parseEnvelope(text), [key.trusted]).manifest.releases[0]!.version).toBe('1.1.0');
      }
    } finally {
      vi.useRealTimers();
    }
  });

  it('refuses a manifest changed after signing (bad signature)', () => {
    const key = testKey();
    const envelope = signManifest(good, [key.privateKey]);
    const tampered: Envelope = { ...envelope, signed: envelope.signed.replace('"size": 10', '"size": 11') };
    expect(tampered.signed).not.toBe(envelope.signed);
    const error = errorOf(() => verifyEnvelope(tampered, [key.trusted]));
    expect(error.code).toBe('HEARTH_ERR_RELEASE_SIGNATURE_BAD');
    expect(error.params.keyid).toBe(key.trusted.keyid.slice(0, 16));
  });

  it('refuses a signature by a trusted key id made with another key (bad signature)', () => {
    const key = testKey();
    const other = testKey();
    const envelope = signManifest(good, [other.privateKey]);
    const forged: Envelope = { ...envelope, signatures: [{ keyid: key.trusted.keyid, sig: envelope.signatures[0]!.sig }] };
    expect(codeOf(() => verifyEnvelope(forged, [key.trusted]))).toBe('HEARTH_ERR_RELEASE_SIGNATURE_BAD');
  });

  it('refuses a manifest signed only by keys it does not trust (unknown key)', () => {
    const key = testKey();
    const stranger = testKey();
    const error = errorOf(() => verifyEnvelope(signManifest(good, [stranger.privateKey]), [key.trusted]));
    expect(error.code).toBe('HEARTH_ERR_RELEASE_KEY_UNKNOWN');
    expect(error.params.keyids).toBe(stranger.trusted.keyid.slice(0, 16));
  });

  it('accepts one good signature by a trusted key among others (key rotation)', () => {
    const old = testKey();
    const next = testKey();
    const envelope = signManifest(good, [next.privateKey, old.privateKey]);
    expect(verifyEnvelope(envelope, [old.trusted]).keyid).toBe(old.trusted.keyid);
    expect(verifyEnvelope(envelope, [next.trusted]).keyid).toBe(next.trusted.keyid);
  });

  it('checks the signature over the exact bytes: the same manifest re-serialized does not verify', () => {
    const key = testKey();
    const envelope = signManifest(good, [key.privateKey]);
    const compact: Envelope = { ...envelope, signed: JSON.stringify(JSON.parse(envelope.signed)) };
    expect(codeOf(() => verifyEnvelope(compact, [key.trusted]))).toBe('HEARTH_ERR_RELEASE_SIGNATURE_BAD');
  });

  it('refuses a malformed envelope, naming the field', () => {
    expect(errorOf(() => parseEnvelope('not json')).code).toBe('HEARTH_ERR_RELEASE_MANIFEST_MALFORMED');
    expect(errorOf(() => parseEnvelope('{"signed":"{}","signatures":[]}')).params.field).toBe('/signatures');
    expect(errorOf(() => parseEnvelope('{"signatures":[]}')).params.field).toBe('/signed');
    const badSig = { signed: '{}', signatures: [{ keyid: 'a'.repeat(64), sig: 'short' }] };
    expect(errorOf(() => parseEnvelope(JSON.stringify(badSig))).params.field).toBe('/signatures/0/sig');
  });

  it('refuses a correctly signed manifest whose content is malformed, naming the field', () => {
    const key = testKey();
    const signRaw = (value: unknown): Envelope => {
      const signed = JSON.stringify(value);
      return { signed, signatures: [{ keyid: key.trusted.keyid, sig: sign(null, Buffer.from(signed), key.privateKey).toString('base64') }] };
    };
    const fieldOf = (value: unknown) => {
      const error = errorOf(() => verifyEnvelope(signRaw(value), [key.trusted]));
      expect(error.code).toBe('HEARTH_ERR_RELEASE_MANIFEST_MALFORMED');
      return error.params.field;
    };
    const withRelease = (overrides: object) => ({ ...good, releases: [{ ...good.releases[0], ...overrides }] });
    expect(fieldOf('[')).toBe('signed');
    expect(fieldOf({ ...good, channel: undefined })).toBe('signed/channel');
    expect(fieldOf(withRelease({ version: 'v1.1' }))).toBe('signed/releases/0/version');
    expect(fieldOf(withRelease({ version: '1.1.0+build.5' }))).toBe('signed/releases/0/version');
    expect(fieldOf(withRelease({ publishedAt: 'yesterday' }))).toBe('signed/releases/0/publishedAt');
    expect(fieldOf(withRelease({ cohorts: [1, 100] }))).toBe('signed/releases/0/cohorts/1');
    expect(fieldOf(withRelease({ bundles: { sparc: bundle } }))).toBe('signed/releases/0/bundles/sparc');
    expect(fieldOf(withRelease({ bundles: { x64: { ...bundle, sha256: 'XYZ' } } }))).toBe('signed/releases/0/bundles/x64/sha256');
    expect(fieldOf(withRelease({ bundles: { x64: { ...bundle, size: 1.5 } } }))).toBe('signed/releases/0/bundles/x64/size');
    expect(fieldOf(withRelease({ bundles: { x64: { ...bundle, unpackedSize: undefined } } }))).toBe('signed/releases/0/bundles/x64/unpackedSize');
    expect(fieldOf(withRelease({ minimumFrom: '2.0.0' }))).toBe('signed/releases/0/minimumFrom');
    expect(fieldOf({ ...good, releases: [good.releases[0], good.releases[0]] })).toBe('signed/releases/1/version');
    const newer = errorOf(() => verifyEnvelope(signRaw({ ...good, format: 2 }), [key.trusted]));
    expect(newer.params.field).toBe('signed/format');
    expect(String(newer.params.reason)).toContain('newer');
  });

  it('checks the signature before parsing the content: a malformed manifest with a bad signature is "bad signature"', () => {
    const key = testKey();
    const envelope: Envelope = { signed: '{"format": 1, "channel": 5}', signatures: [{ keyid: key.trusted.keyid, sig: `${'A'.repeat(86)}==` }] };
    expect(codeOf(() => verifyEnvelope(envelope, [key.trusted]))).toBe('HEARTH_ERR_RELEASE_SIGNATURE_BAD');
  });

  it('ignores fields it does not know (a newer publisher adding information)', () => {
    const extended = { ...good, mirrors: ['https://x'], releases: [{ ...good.releases[0]!, security: true }] };
    expect(checkManifest(extended).releases[0]!.version).toBe('1.1.0');
  });

  it('a manifest without releases is valid (a new channel)', () => {
    expect(checkManifest(manifest([])).releases).toEqual([]);
  });
});

describe('trusted keys', () => {
  afterEach(() => vi.restoreAllMocks());

  it('reads PEM, raw, base64 and hex public keys, all with the same key id', () => {
    const { publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ format: 'pem', type: 'spki' }) as string;
    const raw = (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(12);
    const id = publicKeyId(publicKey);
    for (const content of [Buffer.from(pem), raw, Buffer.from(raw.toString('base64') + '\n'), Buffer.from(raw.toString('hex'))]) {
      expect(publicKeyId(parsePublicKey(content))).toBe(id);
    }
  });

  it('refuses a private key, an RSA key and garbage in a .pub file', () => {
    const ed = generateKeyPairSync('ed25519');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 });
    for (const content of [
      ed.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      rsa.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      'hello',
    ]) {
      expect(codeOf(() => parsePublicKey(Buffer.from(content), 'x.pub'))).toBe('HEARTH_ERR_RELEASE_KEY_FILE_INVALID');
    }
  });

  it('loads every *.pub of a directory and refuses an empty one', () => {
    const dir = path.join(tempRoot(), 'keys');
    mkdirSync(dir);
    expect(codeOf(() => loadTrustedKeys(dir))).toBe('HEARTH_ERR_RELEASE_NO_TRUSTED_KEYS');
    const one = generateSigningKey();
    const two = generateSigningKey();
    writeFileSync(path.join(dir, 'one.pub'), one.publicPem);
    writeFileSync(path.join(dir, 'two.pub'), two.publicPem);
    writeFileSync(path.join(dir, 'README.md'), 'not a key');
    expect(loadTrustedKeys(dir).map((k) => k.keyid).sort()).toEqual([one.keyid, two.keyid].sort());
  });
});
