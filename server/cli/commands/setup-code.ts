import { createAppliance } from '../../appliance.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { resolveRoot, resolveSystemKind } from '../options.js';

/** `hearth setup-code` — prints the one-time code the Activate page asks for. */
export async function setupCodeCommand(ctx: CliContext, options: { root?: string }): Promise<number> {
  const appliance = createAppliance({ root: resolveRoot(options.root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
  try {
    const code = await appliance.owner.prepareSetupCode();
    if (!code) throw new CliError('failed', 'cli:setupCode.alreadyActivated');
    ctx.stdout(code + '\n');
    ctx.stderr(ctx.t('cli:setupCode.hint') + '\n');
    return 0;
  } finally {
    appliance.close();
  }
}
