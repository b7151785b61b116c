import { startDaemon, stopOnSignals } from '../../main.js';
import type { CliContext } from '../context.js';
import { resolveHost, resolveHttps, resolvePort, resolveRoot, resolveSystemKind } from '../options.js';

export interface StartOptions {
  root?: string;
  port?: string;
  host?: string;
  https?: boolean;
  http?: boolean;
  system?: string;
}

/** `hearth start` — what `npm start` and the systemd unit run. Returns once listening; the server keeps the process alive. */
export async function startCommand(ctx: CliContext, options: StartOptions): Promise<number> {
  const https = resolveHttps(options);
  const daemon = await startDaemon({
    root: resolveRoot(options.root, ctx.env),
    host: resolveHost(options.host, ctx.env),
    port: resolvePort(options.port, https, ctx.env),
    https,
    systemKind: resolveSystemKind(options.system, ctx.env),
  });
  stopOnSignals(daemon.stop, (message) => daemon.app.log.info(message));
  // The banner comes last: whoever waits for it (a person, a test, a script) can then stop us cleanly.
  ctx.stderr(ctx.t('server:banner.listening', { url: daemon.urls.join('  ') }) + '\n');
  if (daemon.setupCode) ctx.stderr(ctx.t('server:banner.setupCode', { code: daemon.setupCode }) + '\n');
  return 0;
}
