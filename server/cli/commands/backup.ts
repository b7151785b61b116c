import path from 'node:path';
import { createAppliance, type Appliance } from '../../appliance.js';
import { parseArchiveName } from '../../backup/archive-names.js';
import { HearthError } from '../../errors.js';
import { formatBytes } from '../../format.js';
import type { JobRecord } from '../../jobs/job-store.js';
import { summarizeJob } from '../../jobs/job-summary.js';
import { CliError } from '../cli-error.js';
import type { CliContext } from '../context.js';
import { exitCodes } from '../exit-codes.js';
import { followOnTerminal } from '../follow-output.js';
import { resolveRoot, resolveSystemKind } from '../options.js';
import { cliStarter } from './apps.js';

function open(ctx: CliContext, root: string | undefined): Appliance {
  return createAppliance({ root: resolveRoot(root, ctx.env), systemKind: resolveSystemKind(undefined, ctx.env) });
}

/** A passphrase from a file (first line), as scripts give it: never on the command line, where `ps` shows it. */
async function passphraseFrom(appliance: Appliance, file: string | undefined): Promise<string | undefined> {
  if (!file) return undefined;
  const text = await appliance.system.readFile(appliance.paths.systemFile(path.resolve(file))).catch(() => undefined);
  const passphrase = text?.split(/\r?\n/)[0];
  if (!passphrase) throw new HearthError('HEARTH_ERR_BACKUP_PASSPHRASE_FILE', { path: file });
  return passphrase;
}

/** An archive given as a path on the box, or as the bare name of one in the backup destination. */
async function archiveFile(appliance: Appliance, given: string): Promise<string> {
  if (!given.includes('/') && parseArchiveName(given)) return (await appliance.backups.findArchive(given)).file;
  const file = appliance.paths.systemFile(path.resolve(given));
  if ((await appliance.system.pathType(file)) !== 'file') throw new HearthError('HEARTH_ERR_BACKUP_NOT_FOUND', { name: given });
  return file;
}

async function finish(ctx: CliContext, appliance: Appliance, started: { id: number; done: Promise<JobRecord> }, json: boolean | undefined): Promise<number> {
  if (!json) await followOnTerminal(ctx, appliance.jobs, started.id, { pollMs: 100 });
  const job = await started.done;
  const summary = summarizeJob(job, ctx.t);
  if (json) ctx.stdout(JSON.stringify({ job: summary, lines: appliance.jobs.linesAfter(job.id, 0) }, null, 2) + '\n');
  else ctx.stdout(ctx.t(`cli:jobs.outcome.${job.status}`, { id: job.id, app: summary.appName }) + (summary.errorMessage ? ` ${summary.errorMessage}` : '') + '\n');
  return job.status === 'succeeded' ? exitCodes.ok : exitCodes.failed;
}

export interface BackupOptions {
  root?: string;
  dest?: string;
  data?: boolean;
  compress?: string;
  level?: string;
  passphraseFile?: string;
  json?: boolean;
}

/** `hearth backup [--dest DIR] [--data|--no-data] [--compress zstd|gzip|none] [--level N] [--passphrase-file F] [--json]` */
export async function backupCommand(ctx: CliContext, options: BackupOptions): Promise<number> {
  if (options.compress !== undefined && !['zstd', 'gzip', 'none'].includes(options.compress)) {
    throw new CliError('usage', 'cli:backup.badCompression', { value: options.compress });
  }
  const level = options.level === undefined ? undefined : Number(options.level);
  if (level !== undefined && (!Number.isInteger(level) || level < 1 || level > (options.compress === 'gzip' ? 9 : 19))) {
    throw new CliError('usage', 'cli:backup.badLevel', { value: String(options.level) });
  }
  const appliance = open(ctx, options.root);
  try {
    const passphrase = await passphraseFrom(appliance, options.passphraseFile);
    const started = appliance.backups.create(
      {
        ...(options.dest ? { destination: path.resolve(options.dest) } : {}),
        ...(options.data !== undefined ? { data: options.data } : {}),
        ...(options.compress ? { compression: options.compress as 'zstd' | 'gzip' | 'none' } : {}),
        ...(level !== undefined ? { level } : {}),
        ...(passphrase ? { passphrase } : {}),
      },
      cliStarter(ctx),
    );
    return await finish(ctx, appliance, started, options.json);
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}

/** `hearth backup verify FILE [--passphrase-file F] [--json]` */
export async function verifyCommand(ctx: CliContext, given: string, options: { root?: string; passphraseFile?: string; json?: boolean }): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const file = await archiveFile(appliance, given);
    const passphrase = await passphraseFrom(appliance, options.passphraseFile);
    const started = await appliance.backups.verify(file, passphrase ? { passphrase } : {}, cliStarter(ctx));
    return await finish(ctx, appliance, started, options.json);
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}

/** `hearth backup drill [--json]`: the weekly restore drill, now. */
export async function drillCommand(ctx: CliContext, options: { root?: string; json?: boolean }): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    return await finish(ctx, appliance, appliance.backups.drill(cliStarter(ctx)), options.json);
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}

/** `hearth backups [--dest DIR] [--json]`: the archives in the destination, newest first. */
export async function backupsCommand(ctx: CliContext, options: { root?: string; dest?: string; json?: boolean }): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    const listing = await appliance.backups.list(options.dest ? path.resolve(options.dest) : undefined);
    const status = await appliance.backups.status();
    if (options.json) {
      ctx.stdout(JSON.stringify({ status, backups: listing }, null, 2) + '\n');
      return exitCodes.ok;
    }
    const { t } = ctx;
    ctx.stdout(t('cli:backup.listHeader', { destination: options.dest ?? status.destination }) + '\n');
    if (listing.length === 0) ctx.stdout(t('cli:backup.none') + '\n');
    for (const archive of listing) {
      const contents = archive.data === null ? '?' : archive.data ? t('cli:backup.withData') : t('cli:backup.withoutData');
      const verified = !archive.verified ? t('cli:backup.notVerified') : archive.verified.ok ? t('cli:backup.verified', { at: archive.verified.at.slice(0, 16).replace('T', ' ') }) : t('cli:backup.verifyFailed');
      ctx.stdout(`  ${archive.createdAt.slice(0, 16).replace('T', ' ')}  ${formatBytes(archive.size).padStart(9)}  ${contents}${archive.encrypted ? ', ' + t('cli:backup.encrypted') : ''} · ${verified}\n    ${archive.name}\n`);
    }
    if (status.stale) ctx.stdout(t('cli:backup.stale', { days: status.staleAfterDays }) + '\n');
    if (status.drillFailing) ctx.stdout(t('cli:backup.drillFailing') + '\n');
    return exitCodes.ok;
  } finally {
    appliance.close();
  }
}

/** `hearth restore FILE [--passphrase-file F] [--dry-run] [--no-data] [--json]` */
export async function restoreCommand(
  ctx: CliContext,
  given: string,
  options: { root?: string; passphraseFile?: string; dryRun?: boolean; data?: boolean; json?: boolean },
): Promise<number> {
  const appliance = open(ctx, options.root);
  try {
    await appliance.backups.recover((message) => ctx.stderr(message + '\n'));
    const file = await archiveFile(appliance, given);
    let passphrase = await passphraseFrom(appliance, options.passphraseFile);
    if (!passphrase && file.endsWith('.age')) {
      if (!ctx.stdinIsTty) throw new CliError('usage', 'cli:backup.passphraseNeeded');
      const { default: password } = await import('@inquirer/password');
      passphrase = await password({ message: ctx.t('cli:backup.passphrasePrompt'), mask: '*' });
    }
    const started = appliance.backups.restore(file, { ...(passphrase ? { passphrase } : {}), dryRun: Boolean(options.dryRun), includeData: options.data !== false }, cliStarter(ctx));
    return await finish(ctx, appliance, started, options.json);
  } finally {
    await appliance.runner.idle();
    appliance.close();
  }
}
