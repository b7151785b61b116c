import { createAppliance } from '../../appliance.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exit-codes.js';
import { runMenu } from '../menu/menu.js';
import { createTerminal, Quit, type TerminalIo } from '../menu/terminal.js';
import { resolveRoot, resolveSystemKind } from '../options.js';

/**
 * `hearth config` (and its ncp-style alias `hearth-config`): the interactive menu, as
 * NextCloudPi's ncp-config. Made for an 80×24 terminal over SSH: arrow keys, Enter,
 * Esc to go back, Ctrl-C to leave. Scripts use `hearth app run` instead.
 *
 * Exit code 0 whenever the user leaves (Exit, Esc at the top, Ctrl-C at a prompt):
 * the outcome of every job was shown on screen and is in the job history. 2 without
 * a terminal.
 */
export async function configMenuCommand(ctx: CliContext, options: { root?: string }): Promise<number> {
  const output = process.stdout;
  if (!ctx.stdinIsTty || !output.isTTY) {
    ctx.stderr(ctx.t('cli:config.noTerminal') + '\n');
    return exitCodes.usage;
  }
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  const term = createTerminal({ input: ctx.stdin as TerminalIo['input'], output }, ctx.t, ctx.env);
  const user = ctx.env.SUDO_USER || ctx.env.USER || ctx.env.LOGNAME || 'root';
  try {
    await runMenu({
      apps: appliance.apps,
      jobs: appliance.jobs,
      t: ctx.t,
      starter: { startedBy: `cli:${user}`, language: ctx.t('common:languageCode') },
      term,
    });
    term.restore(true);
    return exitCodes.ok;
  } catch (error) {
    if (error instanceof Quit) {
      term.restore(true);
      return exitCodes.ok;
    }
    term.restore(false);
    throw error;
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}
