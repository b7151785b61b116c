/** What a long archive operation reports, about four times a second. */
export interface ArchiveProgress {
  phase: 'scan' | 'write' | 'verify' | 'extract';
  bytesDone: number;
  bytesTotal: number;
  entriesDone: number;
  entriesTotal: number;
}

export type ProgressListener = (progress: ArchiveProgress) => void;

const intervalMs = 250;

/**
 * Counts bytes and entries and tells the listener at most every 250 ms, plus once at
 * the start and once at the end, so a job log or a progress bar is never flooded.
 */
export class ProgressReporter {
  private bytesDone = 0;
  private entriesDone = 0;
  private lastReport = -Infinity;

  constructor(
    private readonly phase: ArchiveProgress['phase'],
    private readonly listener: ProgressListener | undefined,
    private bytesTotal = 0,
    private entriesTotal = 0,
  ) {}

  totals(bytesTotal: number, entriesTotal: number): void {
    this.bytesTotal = bytesTotal;
    this.entriesTotal = entriesTotal;
    this.report(true);
  }

  bytes(count: number): void {
    this.bytesDone += count;
    this.report(false);
  }

  entry(): void {
    this.entriesDone += 1;
    this.report(false);
  }

  finish(): void {
    this.report(true);
  }

  private report(force: boolean): void {
    if (!this.listener) return;
    const now = Date.now();
    if (!force && now - this.lastReport < intervalMs) return;
    this.lastReport = now;
    this.listener({
      phase: this.phase,
      bytesDone: this.bytesDone,
      bytesTotal: Math.max(this.bytesTotal, this.bytesDone),
      entriesDone: this.entriesDone,
      entriesTotal: Math.max(this.entriesTotal, this.entriesDone),
    });
  }
}
