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

const restartGraceMs = 1_000;

/** `hearth start` — what `npm start` and the systemd unit run. Returns once listening; the server keeps the process alive. */
export async function startCommand(ctx: CliContext, options: StartOptions): Promise<number> {
  const https = resolveHttps(options);
  const daemonOptions = {
    root: resolveRoot(options.root, ctx.env),
    host: resolveHost(options.host, ctx.env),
    port: resolvePort(options.port, https, ctx.env),
    https,
    systemKind: resolveSystemKind(options.system, ctx.env),
    onRestartNeeded: () => void restart(),
  };
  let daemon = await startDaemon(daemonOptions);
  // A restart listens where the first start did (also when that was "any free port").
  daemonOptions.port = Number(new URL(daemon.url).port) || daemonOptions.port;
  // A staged snapshot rollback is swapped in by a start, the database closed: the daemon
  // restarts in this process (same port, a second or two without answers) rather than
  // relying on a supervisor, which `npm start` does not have.
  let restarting: Promise<void> | undefined;
  function restart() {
    restarting ??= (async () => {
      daemon.app.log.info('restarting to swap in a staged snapshot rollback');
      const stopped = daemon.stop();
      // The panel's live streams (job feeds) stay open as long as a browser shows them and would hold the
      // close forever: after a moment for requests in flight, they are ended; the panel reconnects to the new start.
      const { server } = daemon.app;
      const cut = setTimeout(() => server.closeAllConnections(), restartGraceMs);
      await stopped;
      clearTimeout(cut);
      try {
        daemon = await startDaemon(daemonOptions);
      } catch (error) {
        ctx.stderr(`${(error as Error).stack ?? String(error)}\n`);
        process.exit(1);
      }
    })().finally(() => (restarting = undefined));
    return restarting;
  }
  stopOnSignals(
    async () => {
      await restarting;
      await daemon.stop();
    },
    (message) => daemon.app.log.info(message),
  );
  // The banner comes last: whoever waits for it (a person, a test, a script) can then stop us cleanly.
  ctx.stderr(ctx.t('server:banner.listening', { url: daemon.urls.join('  ') }) + '\n');
  if (daemon.setupCode) ctx.stderr(ctx.t('server:banner.setupCode', { code: daemon.setupCode }) + '\n');
  return 0;
}
