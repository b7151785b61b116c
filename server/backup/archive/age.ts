import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, scrypt } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { Decrypter, type Identity, type Stanza } from 'age-encryption';
import { HearthError } from '../../errors.js';
import { LayerError } from './layer-error.js';

/*
 * age passphrase encryption (https://age-encryption.org/v1, the "scrypt" recipient),
 * so the owner can open a backup with the standard `age -d` and no Hearth at all.
 *
 * Reading, the age-encryption package parses the header and checks its MAC
 * (Decrypter.decryptHeader); the scrypt stanza is opened by the identity below.
 * Everything that runs per byte or per passphrase uses node:crypto instead of the
 * package's pure-JavaScript primitives:
 * - scrypt at age's standard work factor (2^18, 256 MiB) runs on libuv's thread pool
 *   instead of freezing the daemon's event loop (panel, live logs) for a second on a
 *   PC and far longer on a Raspberry Pi;
 * - the payload's ChaCha20-Poly1305 runs in OpenSSL: 1.5 GB/s against 115 MB/s for
 *   the package's stream on the same PC (docs/backup-format.md), so encryption is
 *   never the slow stage of a backup; and knowing which chunk failed tells a file
 *   cut short (its last chunk) from one damaged in the middle.
 * Writing, the header is the spec's few lines. Tests check both directions against
 * the real `age` program and against the package.
 */

/** age's own default, and what `age -p` writes: 2^18. */
export const defaultScryptWorkFactor = 18;
/** Refused above this when reading (the age-encryption package's own limit): 2^20 = 1 GiB of memory. */
const maxScryptWorkFactor = 20;
/** A scrypt header is ~200 bytes; anything past this is not one. */
const maxHeaderBytes = 64 * 1024;

export const ageMagic = Buffer.from('age-encryption.org/v1\n', 'latin1');
const scryptLabel = Buffer.from('age-encryption.org/v1/scrypt', 'latin1');
const chunkSize = 64 * 1024;
const tagSize = 16;
const sealedChunkSize = chunkSize + tagSize;

const base64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64').replace(/=+$/, '');

function deriveKey(passphrase: string, salt: Uint8Array, logN: number): Promise<Buffer> {
  const N = 2 ** logN;
  return new Promise((resolve, reject) => {
    scrypt(passphrase, Buffer.concat([scryptLabel, salt]), 32, { N, r: 8, p: 1, maxmem: 128 * 8 * N + 32 * 1024 ** 2 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

function seal(key: Uint8Array, nonce: Buffer, plaintext: Uint8Array): Buffer {
  const cipher = createCipheriv('chacha20-poly1305', key, nonce, { authTagLength: tagSize });
  return Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

function open(key: Uint8Array, nonce: Buffer, sealed: Uint8Array): Buffer | undefined {
  if (sealed.length < tagSize) return undefined;
  const decipher = createDecipheriv('chacha20-poly1305', key, nonce, { authTagLength: tagSize });
  decipher.setAuthTag(sealed.subarray(sealed.length - tagSize));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(0, sealed.length - tagSize)), decipher.final()]);
  } catch {
    return undefined;
  }
}

function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, salt, info, 32));
}

/** The STREAM nonce of chunk `index`: 11 bytes big-endian counter, then 1 for the last chunk. */
function chunkNonce(index: bigint, last: boolean): Buffer {
  const nonce = Buffer.alloc(12);
  let value = index;
  for (let i = 10; i >= 0 && value > 0n; i -= 1) {
    nonce[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  nonce[11] = last ? 1 : 0;
  return nonce;
}

/**
 * The age header for a passphrase: one scrypt stanza wrapping the file key, and the
 * header's MAC under a key derived from the file key.
 */
async function scryptHeader(fileKey: Buffer, passphrase: string, logN: number): Promise<Buffer> {
  const salt = randomBytes(16);
  // The file key is wrapped under an all-zero nonce: the scrypt key is used once.
  const body = seal(await deriveKey(passphrase, salt, logN), Buffer.alloc(12), fileKey);
  // 32 bytes are 43 base64 characters: one body line, shorter than 64 as the spec requires.
  const withoutMac = `age-encryption.org/v1\n-> scrypt ${base64(salt)} ${logN}\n${base64(body)}\n---`;
  const mac = createHmac('sha256', hkdf(fileKey, Buffer.alloc(0), 'header')).update(withoutMac, 'latin1').digest();
  return Buffer.from(`${withoutMac} ${base64(mac)}\n`, 'latin1');
}

/**
 * A Transform that encrypts its input as an age file: header and nonce first, then
 * 64 KiB chunks, the last one flagged (it may be full; it is empty only when the
 * whole input is).
 */
class AgeEncrypt extends Transform {
  private readonly pending = Buffer.alloc(chunkSize);
  private used = 0;
  private index = 0n;
  private started = false;

  constructor(
    private readonly header: Buffer,
    private readonly nonce: Buffer,
    private readonly key: Buffer,
  ) {
    super({ readableHighWaterMark: 4 * sealedChunkSize });
  }

  private start(): void {
    if (this.started) return;
    this.started = true;
    this.push(Buffer.concat([this.header, this.nonce]));
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.start();
    let offset = 0;
    while (offset < chunk.length) {
      // A full chunk goes out only once more data shows it is not the last one.
      if (this.used === chunkSize) {
        this.push(seal(this.key, chunkNonce(this.index, false), this.pending));
        this.index += 1n;
        this.used = 0;
      }
      const count = Math.min(chunkSize - this.used, chunk.length - offset);
      chunk.copy(this.pending, this.used, offset, offset + count);
      this.used += count;
      offset += count;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    this.start();
    this.push(seal(this.key, chunkNonce(this.index, true), this.pending.subarray(0, this.used)));
    callback();
  }
}

/** An encryption stage for a pipeline: resolves once the passphrase is stretched (scrypt, off the event loop). */
export async function encryptStage(passphrase: string, workFactor = defaultScryptWorkFactor): Promise<Transform> {
  const fileKey = randomBytes(16);
  const header = await scryptHeader(fileKey, passphrase, workFactor);
  const nonce = randomBytes(16);
  return new AgeEncrypt(header, nonce, hkdf(fileKey, nonce, 'payload'));
}

/** What the header held, for a precise error when no file key came out of it. */
interface Attempt {
  sawScrypt: boolean;
}

/** Opens the scrypt stanza of a header, for the age-encryption package's header parser. */
class ScryptIdentity implements Identity {
  constructor(
    private readonly passphrase: string,
    private readonly attempt: Attempt,
  ) {}

  async unwrapFileKey(stanzas: Stanza[]): Promise<Uint8Array | null> {
    for (const stanza of stanzas) {
      if (stanza.args[0] !== 'scrypt') continue;
      this.attempt.sawScrypt = true;
      // The spec: a scrypt stanza must be alone, with a 16-byte salt and a decimal work factor.
      if (stanzas.length !== 1 || stanza.args.length !== 3 || !/^[1-9][0-9]*$/.test(stanza.args[2]!)) return null;
      const salt = Buffer.from(stanza.args[1]!, 'base64');
      const logN = Number(stanza.args[2]);
      if (salt.length !== 16 || stanza.body.length !== 32) return null;
      if (logN > maxScryptWorkFactor) throw new HearthError('HEARTH_ERR_ARCHIVE_CORRUPT', { layer: 'age', path: `scrypt work factor 2^${logN}` });
      return open(await deriveKey(this.passphrase, salt, logN), Buffer.alloc(12), stanza.body) ?? null;
    }
    return null;
  }
}

/**
 * Reads and opens the age header at the start of `handle`: resolves with the file
 * key and where the payload starts, once the passphrase is found right. A wrong
 * passphrase is HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE; a file encrypted to a key (not
 * a passphrase) was not written by Hearth.
 */
export async function readAgeHeader(handle: FileHandle, passphrase: string): Promise<{ fileKey: Uint8Array; payloadStart: number }> {
  const buffer = Buffer.alloc(maxHeaderBytes);
  const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
  const text = buffer.subarray(0, bytesRead);
  const macLine = text.indexOf('\n--- ');
  const end = macLine < 0 ? -1 : text.indexOf('\n', macLine + 1);
  if (end < 0) {
    throw bytesRead < maxHeaderBytes
      ? new HearthError('HEARTH_ERR_ARCHIVE_TRUNCATED', { layer: 'age', path: 'header' })
      : new HearthError('HEARTH_ERR_ARCHIVE_CORRUPT', { layer: 'age', path: 'header' });
  }
  const attempt: Attempt = { sawScrypt: false };
  const decrypter = new Decrypter();
  decrypter.addIdentity(new ScryptIdentity(passphrase, attempt));
  try {
    const fileKey = await decrypter.decryptHeader(text.subarray(0, end + 1));
    return { fileKey, payloadStart: end + 1 };
  } catch (error) {
    if (error instanceof HearthError) throw error;
    const message = error instanceof Error ? error.message : String(error);
    if (/no identity matched/.test(message)) {
      throw attempt.sawScrypt ? new HearthError('HEARTH_ERR_ARCHIVE_WRONG_PASSPHRASE') : new HearthError('HEARTH_ERR_ARCHIVE_NOT_HEARTH');
    }
    throw new HearthError('HEARTH_ERR_ARCHIVE_CORRUPT', { layer: 'age', path: 'header' }, { cause: error });
  }
}

/**
 * A Transform that decrypts an age payload (the bytes after the header): the
 * 16-byte nonce, then sealed 64 KiB chunks. A chunk that fails its tag while more
 * follow is damage (LayerError corrupt); the last one failing, or a payload that
 * stops early, is a file cut short (truncated) — and a chunk that opens as a middle
 * chunk where the last should be proves it.
 */
export class AgeDecrypt extends Transform {
  private readonly sealed = Buffer.alloc(sealedChunkSize);
  private used = 0;
  private index = 0n;
  private nonce: Buffer | undefined;
  private key: Buffer | undefined;
  private readonly nonceBytes: Buffer[] = [];

  constructor(private readonly fileKey: Uint8Array) {
    super({ readableHighWaterMark: 4 * chunkSize });
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    let offset = 0;
    if (!this.key) {
      const have = this.nonceBytes.reduce((sum, part) => sum + part.length, 0);
      const take = Math.min(16 - have, chunk.length);
      this.nonceBytes.push(chunk.subarray(0, take));
      offset = take;
      if (have + take < 16) return callback();
      this.nonce = Buffer.concat(this.nonceBytes);
      this.key = hkdf(this.fileKey, this.nonce, 'payload');
    }
    while (offset < chunk.length) {
      if (this.used === sealedChunkSize) {
        const plaintext = open(this.key, chunkNonce(this.index, false), this.sealed);
        if (!plaintext) return callback(new LayerError('age', 'corrupt', `chunk ${this.index} fails its authentication tag`));
        this.push(plaintext);
        this.index += 1n;
        this.used = 0;
      }
      const count = Math.min(sealedChunkSize - this.used, chunk.length - offset);
      chunk.copy(this.sealed, this.used, offset, offset + count);
      this.used += count;
      offset += count;
    }
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (!this.key) return callback(new LayerError('age', 'truncated', 'no payload'));
    const last = this.sealed.subarray(0, this.used);
    const plaintext = open(this.key, chunkNonce(this.index, true), last);
    if (plaintext) {
      if (plaintext.length === 0 && this.index > 0n) return callback(new LayerError('age', 'corrupt', 'empty last chunk'));
      this.push(plaintext);
      return callback();
    }
    const cutAtChunk = this.used === sealedChunkSize && open(this.key, chunkNonce(this.index, false), last) !== undefined;
    // Cut exactly after a chunk: proven. Cut inside one (or its last chunk damaged): most likely cut.
    callback(new LayerError('age', 'truncated', cutAtChunk ? `ends after chunk ${this.index}, which is not the last` : `chunk ${this.index} is incomplete`));
  }
}
