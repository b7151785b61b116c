import type { Translate } from '../i18n.js';
import type { RunOptions, RunResult, System } from '../system/index.js';
import type { JobProgress, LogStream } from './job-store.js';

/** What an app's apply() or run() gets: the system, a translator, and a live log. */
export interface JobContext {
  readonly id: number;
  readonly system: System;
  /** Translates into the language of whoever started the job. */
  readonly t: Translate;
  /** A line from Hearth itself ("Writing /etc/hostname"). */
  info(text: string): void;
  /** How far a long job is; followers see it live (written a few times a second at most). */
  progress(progress: JobProgress): void;
  /** Output of a program or service. */
  output(stream: Exclude<LogStream, 'info'>, text: string): void;
  /**
   * Writes the lines still buffered (lines reach the database in batches) now. For a step
   * that replaces the database under the job: a batch written while it is replaced is lost.
   */
  flushLog(): void;
  /**
   * Runs a program through the system boundary, logging the command and its output
   * live. A non-zero exit throws HEARTH_ERR_PROGRAM_FAILED unless allowFailure is set.
   */
  run(argv: readonly string[], options?: RunOptions & { allowFailure?: boolean }): Promise<RunResult>;
}

/** How a command line is shown in the log: quoted only where a reader would need it. */
export function displayCommand(argv: readonly string[]): string {
  return argv.map((arg) => (/^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(' ');
}
