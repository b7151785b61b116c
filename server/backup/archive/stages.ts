import { Duplex, PassThrough, Readable } from 'node:stream';
import { constants as zlibConstants, createGunzip, createGzip } from 'node:zlib';
import { HearthError } from '../../errors.js';
import { ProgramNotFoundError } from '../../system/run-program.js';
import type { PipedExit, PipedProgram, System } from '../../system/index.js';
import { LayerError } from './layer-error.js';
import type { Compression } from './format.js';

/** All the archive engine needs from the system boundary: zstd as a stream filter. */
export type ArchiveSystem = Pick<System, 'pipeThrough'>;

export { LayerError };

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
 * A program (zstd) as one Duplex stage of a pipeline. Backpressure goes both ways
 * (stdout is paused while the next stage is full; writes wait for stdin to drain).
 * The readable side ends only once the program has exited, so its status is known
 * before the next stage sees the end. A failure destroys the stage — or, with
 * `keepOutput` (decompression), ends its output normally after everything the
 * program did produce, and is reported as the stage's `failure` (and a 'failure'
 * event): the reader still gets what came before the damage (the manifest of a
 * truncated archive) and must check `failure` before trusting the end.
 */
export class ProgramStage extends Duplex {
  private exited = false;
  failure: Error | undefined;

  constructor(
    private readonly program: PipedProgram,
    failure: (exit: PipedExit) => Error | undefined,
    notStarted: (error: unknown) => Error,
    keepOutput = false,
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
        if (error && !keepOutput) return this.destroy(error);
        if (error) {
          this.failure = error;
          this.emit('failure', error);
        }
        this.push(null);
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
    true,
  );
}

/** zlib's error for a stream that stops early, as opposed to one with wrong bytes. */
export function gzipLayerError(error: NodeJS.ErrnoException & { errno?: number }): LayerError {
  const truncated = error.code === 'Z_BUF_ERROR' || error.errno === zlibConstants.Z_BUF_ERROR || /unexpected end/i.test(error.message);
  return new LayerError('gzip', truncated ? 'truncated' : 'corrupt', error.message, { cause: error });
}

/**
 * Reads the first `count` bytes of a stream without losing them: resolves with those
 * bytes and a stream that yields everything, them included. The bytes are put back
 * (unshift) inside the 'readable' handler itself: one tick later the stream may
 * already have ended and destroyed itself.
 */
export function peek(source: Readable, count: number): Promise<{ head: Buffer; stream: Readable }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let length = 0;
    const cleanup = () => {
      source.off('readable', onReadable);
      source.off('end', onEnd);
      source.off('error', onError);
    };
    const onReadable = () => {
      let chunk: Buffer | null;
      while (length < count && (chunk = source.read() as Buffer | null) !== null) {
        chunks.push(chunk);
        length += chunk.length;
      }
      if (length < count) return;
      cleanup();
      const head = Buffer.concat(chunks);
      source.unshift(head);
      resolve({ head: head.subarray(0, count), stream: source });
    };
    const onEnd = () => {
      cleanup();
      const head = Buffer.concat(chunks);
      resolve({ head, stream: Readable.from(head.length > 0 ? [head] : [], { objectMode: false }) });
    };
    const onError = (error: Error) => {
      cleanup();
      reject(error);
    };
    source.on('readable', onReadable);
    source.once('end', onEnd);
    source.once('error', onError);
  });
}
