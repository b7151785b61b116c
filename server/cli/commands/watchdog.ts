import { createAppliance } from '../../appliance.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exit-codes.js';
import { followOnTerminal } from '../follow-output.js';
import { resolveRoot, resolveSystemKind } from '../options.js';

/**
 * `hearth watchdog [confirm|revert] [--json]`: the change waiting for confirmation (an
 * access change of panel-access). Over SSH the owner can keep it or undo it at once.
 */
export async function watchdogCommand(ctx: CliContext, action: string | undefined, options: { root?: string; json?: boolean }): Promise<number> {
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  try {
    const { watchdog } = appliance;
    if (action === 'confirm') {
      watchdog.confirm();
      ctx.stdout(ctx.t('cli:watchdog.confirmed') + '\n');
      return exitCodes.ok;
    }
    if (action === 'revert') {
      const { jobId } = await watchdog.revert();
      const job = await followOnTerminal(ctx, appliance.jobs, jobId, { pollMs: 50 });
      return job.status === 'succeeded' ? exitCodes.ok : exitCodes.failed;
    }
    const pending = watchdog.pending();
    if (options.json) ctx.stdout(JSON.stringify({ pending }, null, 2) + '\n');
    else if (!pending) ctx.stdout(ctx.t('cli:watchdog.none') + '\n');
    else ctx.stdout(ctx.t('cli:watchdog.pending', { app: ctx.t(`app-${pending.appId}:name`), seconds: pending.secondsLeft }) + '\n');
    return exitCodes.ok;
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}
