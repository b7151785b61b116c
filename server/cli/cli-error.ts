import type { exitCodes } from './exit-codes.js';

/** An error the CLI reports with a translated message (key in locales/<lng>/cli.json) and a given exit code. */
export class CliError extends Error {
  constructor(
    readonly exit: keyof typeof exitCodes,
    readonly key: string,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = 'CliError';
  }
}
