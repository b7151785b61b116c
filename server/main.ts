import type { FastifyInstance } from 'fastify';
import { createAppliance, type Appliance } from './appliance.js';
import { buildApp } from './app.js';
import { languageFromEnvironment, translator } from './i18n.js';
import type { SystemKind } from './system/index.js';
import { appVersion } from './paths.js';
import { seedSandboxRoot } from './system/sandbox-seed.js';
import { recoverSnapshots } from './snapshots/index.js';
import { recoverDataDirMove } from './storage/data-location.js';
import { recordFailedStart } from './updates/health.js';
import { ensureTlsCertificate } from './tls-certificate.js';

export interface DaemonOptions {
  root: string;
  host: string;
  port: number;
  https: boolean;
  systemKind: SystemKind;
  /** A staged snapshot rollback waits for a restart (server/snapshots/): the caller restarts the daemon. */
  onRestartNeeded?: () => void;
}

const sessionPurgeIntervalMs = 3_600_000;
const watchdogCheckMs = 1_000;
const rollbackCheckMs = 1_000;
const shutdownGraceMs = 10_000;

/**
 * The process entry: resolve the root, open the store (migrations run), make sure a
 * not-yet-activated box has its setup code and an installed one its certificate,
 * build the app, listen, and close cleanly on SIGTERM/SIGINT.
 */
export async function startDaemon(
  options: DaemonOptions,
): Promise<{ app: FastifyInstance; appliance: Appliance; url: string; urls: string[]; setupCode: string | undefined; stop: () => Promise<void> }> {
  const t = translator(languageFromEnvironment());
  // A rollback staged before this start swaps its snapshot in now, before the database is opened.
  await recoverSnapshots({ root: options.root, systemKind: options.systemKind, log: (message) => process.stderr.write(message + '\n') });
  // A release on trial after an update that fails to start says why, so the launcher rolls it back at once.
  const recordFailure = (error: unknown) => recordFailedStart({ root: options.root, systemKind: options.systemKind, version: appVersion, error }).catch(() => false);
  let appliance: Appliance;
  try {
    appliance = createAppliance({ root: options.root, systemKind: options.systemKind });
  } catch (error) {
    await recordFailure(error);
    throw error;
  }
  let app: FastifyInstance | undefined;
  try {
    appliance.sessions.purgeExpired();
    appliance.runner.reapInterrupted();
    // A restore a crash interrupted is finished or undone before anything is served.
    await appliance.backups.recover((message) => process.stderr.write(message + '\n'));
    // A data folder move a power cut interrupted between its two renames: the folder is put back before anything uses it.
    const moved = await recoverDataDirMove(appliance.system);
    if (moved) process.stderr.write(`data folder move ${moved === 'restored' ? 'undone' : 'finished'} after an interruption\n`);
    // A rollback swapped in by this start: the system's files follow the rolled-back configuration.
    await appliance.snapshots.finishRollback((message) => process.stderr.write(message + '\n'));
    if (appliance.system.kind === 'sandbox') await seedSandboxRoot(appliance.paths);
    const setupCode = await appliance.owner.prepareSetupCode();
    const tls = options.https ? await ensureTlsCertificate(appliance.system, appliance.paths) : undefined;
    app = await buildApp(appliance, {
      https: tls,
      logger: { level: process.env.HEARTH_LOG_LEVEL ?? 'info' },
    });
    const address = await app.listen({ host: options.host, port: options.port });
    const url = publicUrl(address, options.https);
    const urls = await reachableUrls(appliance, url, options.host);

    app.log.info({ url, root: appliance.paths.root, system: appliance.system.kind }, t('server:listening', { url }));
    if (setupCode) app.log.info(t('server:setupCodeLog', { code: setupCode }));

    const purge = setInterval(() => appliance.sessions.purgeExpired(), sessionPurgeIntervalMs);
    purge.unref();
    // A change nobody confirmed is undone, also one applied while the daemon was down.
    const revertUnconfirmed = () =>
      appliance.watchdog.revertIfExpired().catch((error) => app?.log.error({ err: error }, 'reverting an unconfirmed change failed'));
    await revertUnconfirmed();
    const watchdogTimer = setInterval(revertUnconfirmed, watchdogCheckMs);
    watchdogTimer.unref();
    // A rollback staged by a job (this daemon's or the CLI's) needs the database closed: once no job holds the maintenance lock, restart.
    const rollbackTimer = setInterval(() => {
      appliance.snapshots.restartWanted().then(
        (wanted) => wanted && options.onRestartNeeded?.(),
        () => {},
      );
    }, rollbackCheckMs);
    rollbackTimer.unref();
    appliance.scheduler.start({ log: app.log });
    // A release on trial checks itself and marks itself good only now that it serves (server/updates/health.ts).
    if ((await appliance.updates.confirmStart({ url: address, schedulerRunning: () => appliance.scheduler.isRunning() })) === 'committed') {
      app.log.info(t('updates:log.committed', { version: appVersion }));
    }
    void appliance.updates.notifyOutcomes().catch((error) => app?.log.error({ err: error }, 'telling the owner about updates failed'));
    const running = app;
    let stopping: Promise<void> | undefined;
    const stop = () =>
      (stopping ??= (async () => {
        clearInterval(purge);
        clearInterval(watchdogTimer);
        clearInterval(rollbackTimer);
        // No new scheduled runs from here; one in progress ends and is recorded.
        const schedulerStopped = appliance.scheduler.stop();
        await running.close();
        await schedulerStopped;
        // A job half done is worse than a late exit; systemd's stop timeout bounds the wait.
        await appliance.runner.idle();
        appliance.close();
      })());
    return { app, appliance, url, urls, setupCode, stop };
  } catch (error) {
    await app?.close();
    await appliance.scheduler.stop().catch(() => {});
    appliance.close();
    await recordFailure(error);
    throw error;
  }
}

/** Stop on SIGTERM/SIGINT: finish open requests, close the database, exit 0. */
export function stopOnSignals(stop: () => Promise<void>, log: (message: string) => void) {
  const onSignal = (signal: NodeJS.Signals) => {
    log(`received ${signal}, shutting down`);
    const force = setTimeout(() => process.exit(1), shutdownGraceMs);
    force.unref();
    stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}

/** Listening on every interface: the addresses a laptop on the LAN can open. */
async function reachableUrls(appliance: Appliance, url: string, host: string): Promise<string[]> {
  if (host !== '0.0.0.0' && host !== '::') return [url];
  const facts = await appliance.system.hostFacts();
  const base = new URL(url);
  const hosts = [`${facts.hostname}.local`, ...facts.addresses.filter((a) => a.family === 'IPv4').map((a) => a.address)];
  return hosts.map((name) => {
    const each = new URL(base);
    each.hostname = name;
    return each.toString().replace(/\/$/, '');
  });
}

function publicUrl(address: string, https: boolean): string {
  const url = new URL(address);
  url.protocol = https ? 'https:' : 'http:';
  // 0.0.0.0 is where we listen, not where a browser can go.
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = 'localhost';
  return url.toString().replace(/\/$/, '');
}
