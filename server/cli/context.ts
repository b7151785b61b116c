import type { Translate } from '../i18n.js';

/** What a command gets: translated output, the environment, and streams tests can capture. */
export interface CliContext {
  t: Translate;
  env: NodeJS.ProcessEnv;
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdinIsTty: boolean;
  /** Progress redraws in place on a terminal, prints plain lines otherwise. */
  stdoutIsTty: boolean;
}

export interface GlobalOptions {
  root?: string;
}
