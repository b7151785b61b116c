/**
 * A damaged or cut-off layer (age, zstd, gzip, tar), found while reading. The reader
 * turns it into HEARTH_ERR_ARCHIVE_TRUNCATED / _CORRUPT, naming the entry it was
 * reading at the time.
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
