import { Duplex, PassThrough, Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, createGzip } from 'node:zlib';
import { HearthError } from '../../errors.js';
import { ProgramNotFoundError } from '../../system/run-program.js';
import type { PipedExit, PipedProgram, System } from '../../system/index.js';
import { decryptStream, encryptStream } from './age.js';
import type { Compression } from './format.js';

/** All the archive engine needs from the system boundary: zstd as a stream filter. */
export type ArchiveSystem = Pick<System, 'pipeThrough'>;

/** zstd's own default: ~4× faster than gzip -6 for a smaller result (docs/backup-format.md). */
export const defaultZstdLevel = 3;
/** gzip's (and zlib's) own default. */
export const defaultGzipLevel = 6;

export function compressionLevel(compression: Compression, level: number | null | undefined): number | null {
  if (compression === 'none') return null;
  const [min, max, fallback] = compression === 'zstd' ? [1, 19, defaultZstdLevel] : [1, 9, defaultGzipLevel];
  const chosen = level ?? fallback;
  // zstd 20-22 (--ultra) need up to 128 MiB more to decompress: too much for a small board.
  if (!Number.isInteger(chosen) || chosen < min || chosen > max) throw new RangeError(`${compression} level must be ${min}..${max}, not ${chosen}`);
  return chosen;
}

/**
 * A damaged or cut-off layer, found while reading. The reader turns it into
 * HEARTH_ERR_ARCHIVE_TRUNCATED / _CORRUPT with the entry it was reading at the time.
 */
export class LayerError extends Error {
  constructor(
    readonly layer: 'age' | 'zstd' | 'gzip' | 'tar',
    readonly kind: 'truncated' | 'corrupt',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${layer} ${kind}: ${detail}`, options);
    this.name = 'LayerError';
  }
}

/**
 * A program (zstd) as one Duplex stage of a pipeline. Backpressure goes both ways
 * (stdout is paused while the next stage is full; writes wait for stdin to drain).
 * The readable side ends only once the program has exited with status 0, so a
 * failing program is an error of this stage, never a clean end of its output.
 */
class ProgramStage extends Duplex {
  private exited = false;

  constructor(
    private readonly program: PipedProgram,
    failure: (exit: PipedExit) => Error | undefined,
    notStarted: (error: unknown) => Error,
  ) {
    super({ readableHighWaterMark: 256 * 1024, writableHighWaterMark: 256 * 1024 });
    program.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) program.stdout.pause();
    });
    // EPIPE when the program stopped reading: its exit status says why.
    program.stdin.on('error', () => {});
    program.stdout.on('error', (error) => this.destroy(error));
    program.done.then(
      (exit) => {
        this.exited = true;
        if (this.destroyed) return;
        const error = failure(exit);
        if (error) this.destroy(error);
        else this.push(null);
      },
      (error: unknown) => {
        this.exited = true;
        this.destroy(notStarted(error));
      },
    );
  }

  override _read(): void {
    this.program.stdout.resume();
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (this.program.stdin.write(chunk)) callback();
    else this.program.stdin.once('drain', () => callback());
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.program.stdin.end();
    callback();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.exited) this.program.kill();
    callback(error);
  }
}

function programNotStarted(program: string) {
  return (error: unknown) =>
    error instanceof ProgramNotFoundError ? new HearthError('HEARTH_ERR_PROGRAM_NOT_FOUND', { program }, { cause: error }) : (error as Error);
}

export function compressStage(system: ArchiveSystem, compression: Compression, level: number | null, signal?: AbortSignal): Duplex {
  if (compression === 'none' || level === null) return new PassThrough();
  if (compression === 'gzip') return createGzip({ level, chunkSize: 64 * 1024 });
  // -T0: one worker per core. The checksum (on by default) lets `zstd -t` check a copy.
  const program = system.pipeThrough(['zstd', '-q', '-c', `-${level}`, '-T0'], { signal });
  return new ProgramStage(
    program,
    (exit) => (exit.code === 0 ? undefined : new HearthError('HEARTH_ERR_PROGRAM_FAILED', { program: 'zstd', code: exit.code ?? exit.signal ?? 'signal' })),
    programNotStarted('zstd'),
  );
}

export function decompressStage(system: ArchiveSystem, compression: Compression, signal?: AbortSignal): Duplex {
  if (compression === 'none') return new PassThrough();
  // zlib's errors are renamed by the reader (gzipLayerError): it knows which stage failed.
  if (compression === 'gzip') return createGunzip({ chunkSize: 64 * 1024 });
  // zstd refuses by itself frames that need more than 128 MiB of window (--memory default).
  const program = system.pipeThrough(['zstd', '-d', '-q', '-c'], { signal });
  return new ProgramStage(
    program,
    (exit) => {
      if (exit.code === 0) return undefined;
      const message = exit.stderr.trim().split('\n').pop() ?? '';
      return new LayerError('zstd', /premature end|truncated|unexpected end/i.test(message) ? 'truncated' : 'corrupt', message || `exit ${exit.code ?? exit.signal}`);
    },
    programNotStarted('zstd'),
  );
}

/** zlib's error for a stream that stops early, as opposed to one with wrong bytes. */
export function gzipLayerError(error: NodeJS.ErrnoException & { errno?: number }): LayerError {
  const truncated = error.code === 'Z_BUF_ERROR' || error.errno === zlibConstants.Z_BUF_ERROR || /unexpected end/i.test(error.message);
  return new LayerError('gzip', truncated ? 'truncated' : 'corrupt', error.message, { cause: error });
}

/**
 * An age encryption stage for a Node pipeline. The age-encryption package works on
 * web streams: an identity TransformStream takes the plaintext in, the package's
 * stream gives the ciphertext out; both sides respect backpressure (one chunk of
 * 64 KiB in flight).
 */
export async function encryptStage(passphrase: string, workFactor?: number): Promise<Duplex> {
  const plaintext = new TransformStream<Uint8Array, Uint8Array>();
  const ciphertext = await encryptStream(plaintext.readable, passphrase, workFactor);
  return webDuplex(plaintext.writable, ciphertext);
}

function webDuplex(writable: WritableStream<Uint8Array>, readable: ReadableStream<Uint8Array>): Duplex {
  const writer = writable.getWriter();
  const reader = readable.getReader();
  return new Duplex({
    write(chunk: Buffer, _encoding, callback) {
      writer.ready.then(() => writer.write(chunk)).then(() => callback(), callback);
    },
    final(callback) {
      writer.close().then(() => callback(), callback);
    },
    read() {
      reader.read().then(
        ({ done, value }) => this.push(done ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
        (error: Error) => this.destroy(error),
      );
    },
    destroy(error, callback) {
      writer.abort(error ?? undefined).catch(() => {});
      reader.cancel(error ?? undefined).catch(() => {});
      callback(error);
    },
  });
}

/**
 * Decrypts an age file read through `source` (a Node stream of the whole file):
 * resolves once the header is read and the passphrase accepted, with a Node stream
 * of the plaintext. Damage in the payload is a LayerError of that stream: "truncated"
 * when the file had already been read to its end (the last chunk's tag fails when
 * the file was cut), "corrupt" otherwise.
 */
export async function decryptSource(source: Readable, passphrase: string): Promise<Readable> {
  let sourceEnded = false;
  source.once('end', () => {
    sourceEnded = true;
  });
  const plaintext = await decryptStream(Readable.toWeb(source) as ReadableStream<Uint8Array>, passphrase);
  const reader = plaintext.getReader();
  return new Readable({
    highWaterMark: 256 * 1024,
    read() {
      reader.read().then(
        ({ done, value }) => this.push(done ? null : Buffer.from(value.buffer, value.byteOffset, value.byteLength)),
        (error: unknown) => {
          if (error instanceof HearthError || error instanceof LayerError) return this.destroy(error);
          const detail = error instanceof Error ? error.message : String(error);
          this.destroy(new LayerError('age', sourceEnded ? 'truncated' : 'corrupt', detail, { cause: error }));
        },
      );
    },
    destroy(error, callback) {
      reader.cancel(error ?? undefined).catch(() => {});
      source.destroy();
      callback(error);
    },
  });
}

/**
 * Reads the first `count` bytes of a stream without losing them: resolves with those
 * bytes and a stream that yields everything, them included.
 */
export async function peek(source: Readable, count: number): Promise<{ head: Buffer; stream: Readable }> {
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  await new Promise<void>((resolve, reject) => {
    const onReadable = () => {
      let chunk: Buffer | null;
      while (length < count && (chunk = source.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        length += chunk.length;
      }
      if (length >= count) done();
    };
    const onEnd = () => {
      ended = true;
      done();
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    const cleanup = () => {
      source.off('readable', onReadable);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    const done = () => {
      cleanup();
      resolve();
    };
    source.on('readable', onReadable);
    source.once('end', onEnd);
    source.once('error', onError);
  });
  const head = Buffer.concat(chunks);
  if (head.length > 0 && !ended) source.unshift(head);
  const stream = ended ? Readable.from(head.length > 0 ? [head] : [], { objectMode: false }) : source;
  return { head: head.subarray(0, count), stream };
}
