import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { Decrypter, Encrypter, Stanza, type Identity, type Recipient } from 'age-encryption';
import { HearthError } from '../../errors.js';

/**
 * age passphrase encryption (https://age-encryption.org/v1, "scrypt" recipient), so
 * the owner can open a backup with the standard `age -d` and no Hearth at all.
 *
 * The age-encryption package does the format: header, MAC, the STREAM payload.
 * The scrypt stanza is produced and opened here with node:crypto instead of the
 * package's pure-JavaScript scrypt: the same bytes, but computed on libuv's thread
 * pool. At the standard work factor (2^18, 256 MiB) the JavaScript version would
 * freeze the daemon's event loop — panel, live logs — for a second on a PC and far
 * longer on a Raspberry Pi, once per encrypted archive opened.
 */

/** age's own default (and what `age -p` writes): 2^18. */
export const defaultScryptWorkFactor = 18;
/** Refused above this when reading (the age-encryption package's own limit): 2^20 = 1 GiB of memory. */
const maxScryptWorkFactor = 20;

const scryptLabel = 'age-encryption.org/v1/scrypt';
export const ageMagic = Buffer.from('age-encryption.org/v1\n', 'latin1');

function deriveKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const labelAndSalt = Buffer.concat([Buffer.from(scryptLabel, 'latin1'), salt]);
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    scrypt(passphrase, labelAndSalt, 32, { N, r: 8, p: 1, maxmem: 128 * N * 8 + 32 * 1024 ** 2 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

// The file key is wrapped with ChaCha20-Poly1305 under an all-zero nonce (the key is single-use).
function wrapFileKey(key: Buffer, fileKey: Uint8Array): Uint8Array {
  const cipher = createCipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
  return Buffer.concat([cipher.update(fileKey), cipher.final(), cipher.getAuthTag()]);
}

function unwrapFileKey(key: Buffer, body: Uint8Array): Uint8Array | null {
  const decipher = createDecipheriv('chacha20-poly1305', key, Buffer.alloc(12), { authTagLength: 16 });
  decipher.setAuthTag(body.subarray(16, 32));
  try {
    return Buffer.concat([decipher.update(body.subarray(0, 16)), decipher.final()]);
  } catch {
    return null;
  }
}

class ScryptRecipient implements Recipient {
  constructor(
    private readonly passphrase: string,
    private readonly logN: number,
  ) {}

  async wrapFileKey(fileKey: Uint8Array): Promise<Stanza[]> {
    const salt = randomBytes(16);
    const key = await deriveKey(this.passphrase, salt, this.logN);
    return [new Stanza(['scrypt', salt.toString('base64').replace(/=+$/, ''), String(this.logN)], wrapFileKey(key, fileKey))];
  }
}

/** What the header held, for a precise error when no file key came out of it. */
interface Attempt {
  sawScrypt: boolean;
}

class ScryptIdentity implements Identity {
  constructor(
    private readonly passphrase: string,
    private readonly attempt: Attempt,
  ) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    for (const stanza of stanzas) {
      if (stanza.args[0] !== 'scrypt') continue;
      this.attempt.sawScrypt = true;
      // The age spec: a scrypt stanza must be alone, salt 16 bytes, a decimal work factor.
      if (stanzas.length !== 1 || stanza.args.length !== 3 || !/^[1-9][0-9]*$/.test(stanza.args[2]!)) return null;
      const salt = Buffer.from(stanza.args[1]!, 'base64');
      const logN = Number(stanza.args[2]);
      if (salt.length !== 16 || stanza.body.length !== 32) return null;
      if (logN > maxScryptWorkFactor) throw new HearthError('HEARTH_ERR_ARCHIVE_CORRUPT', { layer: 'age', path: `scrypt work factor 2^${logN}` });
      return unwrapFileKey(await deriveKey(this.passphrase, salt, logN), stanza.body);
    }
    return null;
  }
}

/** Encrypts a stream with a passphrase, as `age -p` does. */
export async function encryptStream(
  plaintext: ReadableStream<Uint8Array>,
  passphrase: string,
  workFactor = defaultScryptWorkFactor,
): Promise<ReadableStream<Uint8Array>> {
  const encrypter = new Encrypter();
  encrypter.addRecipient(new ScryptRecipient(passphrase, workFactor));
  return encrypter.encrypt(plaintext);
}

/**
 * Decrypts an age stream. The header is read and the passphrase checked before this
 * resolves: a wrong passphrase is HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE at once;
 * damage in the payload surfaces later, as an error of the returned stream.
 */
export async function decryptStream(ciphertext: ReadableStream<Uint8Array>, passphrase: string): Promise<ReadableStream<Uint8Array>> {
  const attempt: Attempt = { sawScrypt: false };
  const decrypter = new Decrypter();
  decrypter.addIdentity(new ScryptIdentity(passphrase, attempt));
  try {
    return await decrypter.decrypt(ciphertext);
  } catch (error) {
    if (error instanceof HearthError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/no identity matched/.test(message)) {
      // Hearth only writes passphrase archives; one encrypted to a key is not ours to open.
      throw attempt.sawScrypt ? new HearthError('HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE') : new HearthError('HEARTH_ERR_ARCHIVE_NOT_HEARTH');
    }
    throw new HearthError('HEARTH_ERR_ARCHIVE_CORRUPT', { layer: 'age', path: 'header' }, { cause: error });
  }
}
