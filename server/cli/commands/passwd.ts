import { createAppliance } from '../../appliance.js';
import { generatePassphrase } from '../../auth/passphrase.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { resolveRoot, resolveSystemKind } from '../options.js';

export interface PasswdOptions {
  root?: string;
  stdin?: boolean;
  generate?: boolean;
}

/**
 * `hearth passwd` — the documented way back in for a locked-out owner: run as root
 * over SSH, it sets a new panel password, ends every session and clears every
 * login throttle.
 */
export async function passwdCommand(ctx: CliContext, options: PasswdOptions): Promise<number> {
  if (options.stdin && options.generate) throw new CliError('usage', 'cli:passwd.stdinAndGenerate');
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  try {
    if (!appliance.owner.isActivated()) throw new CliError('failed', 'cli:passwd.notActivated');
    const newPassword = options.generate ? await generatePassphrase() : options.stdin ? await readStdin(ctx) : await askTwice(ctx);
    const result = await appliance.owner.resetPassword(newPassword);
    if (options.generate) ctx.stdout(ctx.t('cli:passwd.generated', { password: newPassword }) + '\n');
    ctx.stdout(ctx.t('cli:passwd.done', { username: result.username, count: result.sessionsEnded }) + '\n');
    return 0;
  } finally {
    appliance.close();
  }
}

async function readStdin(ctx: CliContext): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of ctx.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  // One trailing newline is how `echo` and here-strings end a line, not part of the password.
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function askTwice(ctx: CliContext): Promise<string> {
  if (!ctx.stdinIsTty) throw new CliError('usage', 'cli:passwd.noTerminal');
  const { default: password } = await import('@inquirer/password');
  const first = await password({ message: ctx.t('cli:passwd.prompt'), mask: '*' });
  const second = await password({ message: ctx.t('cli:passwd.confirm'), mask: '*' });
  if (first !== second) throw new CliError('usage', 'cli:passwd.mismatch');
  return first;
}
