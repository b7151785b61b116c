import { createHash, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { HearthError } from '../errors.js';
import { packageRoot } from '../paths.js';

/*
 * Release signing keys. The public halves the appliance trusts ship with it in
 * <packageRoot>/keys/*.pub, so each release carries the keys that verify the next
 * one (a key rotation is a release that ships the new key next to the old). A key's
 * id is the sha256 of its raw 32-byte Ed25519 public key, in hex: the manifest names
 * the key of each signature by it.
 */

export interface TrustedKey {
  keyid: string;
  key: KeyObject;
  /** The .pub file it came from, for messages. */
  file?: string;
}

/** Where an installed release keeps the keys it trusts. */
export const defaultKeysDir = path.join(packageRoot, 'keys');

/** DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows. */
const spkiPrefix = Buffer.from('302a300506032b6570032100', 'hex');

function rawPublicKey(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? createPublicKey(key) : key;
  if (publicKey.asymmetricKeyType !== 'ed25519') throw new Error(`not an Ed25519 key: ${publicKey.asymmetricKeyType}`);
  return (publicKey.export({ format: 'der', type: 'spki' }) as Buffer).subarray(spkiPrefix.length);
}

/** sha256 of the raw public key, hex (the private key's public half when given a private key). */
export function publicKeyId(key: KeyObject): string {
  return createHash('sha256').update(rawPublicKey(key)).digest('hex');
}

/**
 * A public key from a .pub file: PEM (SPKI), the raw 32 bytes, or those 32 bytes
 * written as base64 or hex on one line. Anything else — including a private key put
 * there by mistake — is refused.
 */
export function parsePublicKey(content: Buffer, file = '<key>'): KeyObject {
  const invalid = () => new HearthError('HEARTH_ERR_RELEASE_KEY_FILE_INVALID', { file });
  const text = content.toString('latin1').trim();
  let key: KeyObject;
  try {
    if (text.startsWith('-----BEGIN PUBLIC KEY-----')) key = createPublicKey({ key: text, format: 'pem' });
    else {
      const raw =
        content.length === 32
          ? content
          : /^[0-9a-fA-F]{64}$/.test(text)
            ? Buffer.from(text, 'hex')
            : /^[A-Za-z0-9+/]{43}=$/.test(text)
              ? Buffer.from(text, 'base64')
              : undefined;
      if (!raw || raw.length !== 32) throw invalid();
      key = createPublicKey({ key: Buffer.concat([spkiPrefix, raw]), format: 'der', type: 'spki' });
    }
  } catch (error) {
    if (error instanceof HearthError) throw error;
    throw invalid();
  }
  if (key.asymmetricKeyType !== 'ed25519') throw invalid();
  return key;
}

/** Every *.pub in `dir` (default: the keys this release shipped with). Refuses an empty or missing set. */
export function loadTrustedKeys(dir = defaultKeysDir): TrustedKey[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((name) => name.endsWith('.pub')).sort();
  } catch {
    names = [];
  }
  const keys = names.map((name) => {
    const file = path.join(dir, name);
    const key = parsePublicKey(readFileSync(file), file);
    return { keyid: publicKeyId(key), key, file };
  });
  if (keys.length === 0) throw new HearthError('HEARTH_ERR_RELEASE_NO_TRUSTED_KEYS', { dir });
  return keys;
}

/** A new signing key pair: the private half as PKCS#8 PEM, the public half as SPKI PEM. */
export function generateSigningKey(): { privatePem: string; publicPem: string; keyid: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privatePem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicPem: publicKey.export({ format: 'pem', type: 'spki' }) as string,
    keyid: publicKeyId(publicKey),
  };
}
