import { Command, CommanderError, Option } from 'commander';
import { isHearthError, type ErrorCode } from '../errors.js';
import { languageFromEnvironment, translator } from '../i18n.js';
import { appVersion } from '../paths.js';
import { CliError } from './cli-error.js';
import type { CliContext } from './context.js';
import { exitCodes } from './exit-codes.js';

/** Errors that mean "what you gave me is wrong" exit 2, like a usage error. */
const invalidInputErrors = new Set<ErrorCode>([
  'HEARTH_ERR_VALIDATION',
  'HEARTH_ERR_PASSWORD_TOO_SHORT',
  'HEARTH_ERR_PASSWORD_TOO_LONG',
  'HEARTH_ERR_PASSWORD_COMMON',
  'HEARTH_ERR_PASSWORD_MISMATCH',
  'HEARTH_ERR_APP_PARAMS_INVALID',
  'HEARTH_ERR_APP_NOT_FOUND',
  'HEARTH_ERR_APP_CANNOT_RUN',
  'HEARTH_ERR_JOB_NOT_FOUND',
  'HEARTH_ERR_SNAPSHOT_NOT_FOUND',
  'HEARTH_ERR_SNAPSHOT_LABEL_INVALID',
]);

/** Someone else holds the lock: scripts retry on 3. */
const busyErrors = new Set<ErrorCode>(['HEARTH_ERR_AUTH_BUSY', 'HEARTH_ERR_BUSY']);

/**
 * ncp-style dashed aliases: `hearth-info` is `hearth info`. Each alias is a bin entry
 * in package.json pointing at the same file.
 */
export function argvForInvocation(invokedAs: string, argv: readonly string[], commands: readonly string[]): string[] {
  const alias = /^hearth-(.+?)(\.js)?$/.exec(invokedAs)?.[1];
  return alias && commands.includes(alias) ? [alias, ...argv] : [...argv];
}

function buildProgram(ctx: CliContext, setExit: (code: number) => void): Command {
  const { t } = ctx;
  const program = new Command('hearth')
    .description(t('cli:description'))
    .version(appVersion, '-V, --version', t('cli:options.version'))
    .helpOption('-h, --help', t('cli:options.help'))
    .helpCommand('help [command]', t('cli:options.helpCommand'))
    .option('--root <dir>', t('cli:options.root'))
    .exitOverride()
    .configureOutput({ writeOut: ctx.stdout, writeErr: ctx.stderr, outputError: () => {} });

  const root = () => program.opts<{ root?: string }>().root;
  // Each command's module is loaded only when it runs: the daemon never carries the
  // prompt library, and `hearth info` never loads the HTTP server.
  const action = <T>(run: (options: T) => Promise<number>) => async (options: T) => setExit(await run(options));

  program
    .command('start')
    .description(t('cli:start.description'))
    .option('--port <port>', t('cli:start.port'))
    .option('--host <address>', t('cli:start.host'))
    .option('--https', t('cli:start.https'))
    .option('--http', t('cli:start.http'))
    .addOption(new Option('--system <kind>', t('cli:start.system')).choices(['linux', 'sandbox']))
    .action(action(async (o: object) => (await import('./commands/start.js')).startCommand(ctx, { ...o, root: root() })));

  program
    .command('info')
    .description(t('cli:info.description'))
    .option('--json', t('cli:info.json'))
    .action(action(async (o: { json?: boolean }) => (await import('./commands/info.js')).infoCommand(ctx, { ...o, root: root() })));

  program
    .command('board')
    .description(t('boards:cli.description'))
    .option('--json', t('cli:info.json'))
    .action(action(async (o: { json?: boolean }) => (await import('./commands/board.js')).boardCommand(ctx, { ...o, root: root() })));

  program
    .command('setup-code')
    .description(t('cli:setupCode.description'))
    .action(action(async () => (await import('./commands/setup-code.js')).setupCodeCommand(ctx, { root: root() })));

  program
    .command('passwd')
    .description(t('cli:passwd.description'))
    .option('--stdin', t('cli:passwd.stdin'))
    .option('--generate', t('cli:passwd.generate'))
    .action(action(async (o: { stdin?: boolean; generate?: boolean }) => (await import('./commands/passwd.js')).passwdCommand(ctx, { ...o, root: root() })));

  program
    .command('apps')
    .description(t('cli:apps.listDescription'))
    .option('--json', t('cli:info.json'))
    .action(action(async (o: { json?: boolean }) => (await import('./commands/apps.js')).appsCommand(ctx, { ...o, root: root() })));

  const app = program.command('app').description(t('cli:apps.appDescription'));
  app
    .command('show <id>')
    .description(t('cli:apps.showDescription'))
    .option('--json', t('cli:info.json'))
    .action(async (id: string, o: { json?: boolean }) => setExit(await (await import('./commands/apps.js')).appShowCommand(ctx, id, { ...o, root: root() })));
  app
    .command('run <id> [assignments...]')
    .description(t('cli:apps.runDescription'))
    .option('--action <name>', t('cli:apps.actionOption'))
    .option('--bind <app.param=value>', t('cli:apps.bindOption'), (value: string, previous: string[] = []) => [...previous, value])
    .option('--json', t('cli:apps.runJson'))
    .action(async (id: string, assignments: string[], o: { json?: boolean; action?: string; bind?: string[] }) =>
      setExit(await (await import('./commands/apps.js')).appRunCommand(ctx, id, assignments, { ...o, root: root() })),
    );

  program
    .command('jobs')
    .description(t('cli:jobs.listDescription'))
    .option('--limit <n>', t('cli:jobs.limit'))
    .option('--json', t('cli:info.json'))
    .action(action(async (o: { json?: boolean; limit?: string }) => (await import('./commands/jobs.js')).jobsCommand(ctx, { ...o, root: root() })));

  program
    .command('job <id>')
    .description(t('cli:jobs.showDescription'))
    .option('--follow', t('cli:jobs.follow'))
    .option('--json', t('cli:info.json'))
    .action(async (id: string, o: { json?: boolean; follow?: boolean }) => setExit(await (await import('./commands/jobs.js')).jobCommand(ctx, id, { ...o, root: root() })));

  program
    .command('watchdog [action]')
    .description(t('cli:watchdog.description'))
    .option('--json', t('cli:info.json'))
    .action(async (action: string | undefined, o: { json?: boolean }) => {
      if (action !== undefined && action !== 'confirm' && action !== 'revert') throw new CliError('usage', 'cli:watchdog.badAction', { action });
      setExit(await (await import('./commands/watchdog.js')).watchdogCommand(ctx, action, { ...o, root: root() }));
    });

  const backup = program
    .command('backup')
    .description(t('cli:backup.description'))
    .option('--dest <dir>', t('cli:backup.dest'))
    .option('--data', t('cli:backup.data'))
    .option('--no-data', t('cli:backup.noData'))
    .option('--compress <kind>', t('cli:backup.compress'))
    .option('--level <n>', t('cli:backup.level'))
    .option('--passphrase-file <file>', t('cli:backup.passphraseFile'))
    .option('--json', t('cli:apps.runJson'))
    .action(action(async (o: object) => (await import('./commands/backup.js')).backupCommand(ctx, { ...o, root: root() })));
  backup
    .command('verify <file>')
    .description(t('cli:backup.verifyDescription'))
    .option('--passphrase-file <file>', t('cli:backup.passphraseFile'))
    .option('--json', t('cli:apps.runJson'))
    // The parent `backup` declares the same options and takes them wherever they stand: merge its.
    .action(async (file: string, _o: object, command: Command) => setExit(await (await import('./commands/backup.js')).verifyCommand(ctx, file, { ...command.optsWithGlobals(), root: root() })));

  backup
    .command('drill')
    .description(t('cli:backup.drillDescription'))
    .option('--json', t('cli:apps.runJson'))
    .action(async (_o: object, command: Command) => setExit(await (await import('./commands/backup.js')).drillCommand(ctx, { ...command.optsWithGlobals(), root: root() })));

  program
    .command('backups')
    .description(t('cli:backup.listDescription'))
    .option('--dest <dir>', t('cli:backup.dest'))
    .option('--json', t('cli:info.json'))
    .action(action(async (o: object) => (await import('./commands/backup.js')).backupsCommand(ctx, { ...o, root: root() })));

  program
    .command('restore <file>')
    .description(t('cli:backup.restoreDescription'))
    .option('--passphrase-file <file>', t('cli:backup.passphraseFile'))
    .option('--dry-run', t('cli:backup.dryRun'))
    .option('--no-data', t('cli:backup.restoreNoData'))
    .option('--json', t('cli:apps.runJson'))
    .action(async (file: string, o: object) => setExit(await (await import('./commands/backup.js')).restoreCommand(ctx, file, { ...o, root: root() })));

  // `hearth snapshot` alone lists: the one subcommand that changes nothing is the default.
  const snapshot = program
    .command('snapshot')
    .description(t('snapshots:cli.description'))
    .option('--json', t('cli:info.json'))
    .action(action(async (o: object) => (await import('./commands/snapshot.js')).snapshotListCommand(ctx, { ...o, root: root() })));
  // The parent's --json is recognised after a subcommand too: each subcommand reads both.
  snapshot
    .command('list')
    .description(t('snapshots:cli.listDescription'))
    .option('--json', t('cli:info.json'))
    .action(action(async (o: object) => (await import('./commands/snapshot.js')).snapshotListCommand(ctx, { ...snapshot.opts(), ...o, root: root() })));
  snapshot
    .command('create')
    .description(t('snapshots:cli.createDescription'))
    .option('--label <text>', t('snapshots:cli.label'))
    .option('--json', t('cli:apps.runJson'))
    .action(action(async (o: object) => (await import('./commands/snapshot.js')).snapshotCreateCommand(ctx, { ...snapshot.opts(), ...o, root: root() })));
  snapshot
    .command('delete <id>')
    .description(t('snapshots:cli.deleteDescription'))
    .option('--yes', t('snapshots:cli.yes'))
    .option('--json', t('cli:apps.runJson'))
    .action(async (id: string, o: object) => setExit(await (await import('./commands/snapshot.js')).snapshotDeleteCommand(ctx, id, { ...snapshot.opts(), ...o, root: root() })));
  snapshot
    .command('rollback <id>')
    .description(t('snapshots:cli.rollbackDescription'))
    .option('--yes', t('snapshots:cli.yes'))
    .option('--json', t('cli:apps.runJson'))
    .action(async (id: string, o: object) => setExit(await (await import('./commands/snapshot.js')).snapshotRollbackCommand(ctx, id, { ...snapshot.opts(), ...o, root: root() })));

  // `hearth update` checks and installs; `update ack` resumes automatic updates after a failure.
  const update = program
    .command('update')
    .description(t('updates:cli.description'))
    .option('--check', t('updates:cli.checkOption'))
    .option('--yes', t('updates:cli.yesOption'))
    .option('--channel <url>', t('updates:cli.channelOption'))
    .option('--allow-breaking', t('updates:cli.allowBreakingOption'))
    .option('--json', t('cli:apps.runJson'))
    .action(action(async (o: object) => (await import('./commands/update.js')).updateCommand(ctx, { ...o, root: root() })));
  update
    .command('ack')
    .description(t('updates:cli.ackDescription'))
    .option('--json', t('cli:info.json'))
    .action(async (_o: object, command: Command) => setExit(await (await import('./commands/update.js')).acknowledgeCommand(ctx, { ...command.optsWithGlobals(), root: root() })));

  program
    .command('autoupdate <state>')
    .description(t('updates:cli.autoupdateDescription'))
    .option('--window <HH:MM-HH:MM>', t('updates:cli.windowOption'))
    .option('--json', t('cli:info.json'))
    .action(async (state: string, o: object) => setExit(await (await import('./commands/update.js')).autoupdateCommand(ctx, state, { ...o, root: root() })));

  program
    .command('schedule')
    .description(t('cli:schedule.description'))
    .option('--json', t('cli:info.json'))
    .action(action(async (o: { json?: boolean }) => (await import('./commands/schedule.js')).scheduleCommand(ctx, { ...o, root: root() })));

  program
    .command('config')
    .description(t('cli:config.description'))
    .action(action(async () => (await import('./commands/config-menu.js')).configMenuCommand(ctx, { root: root() })));

  return program;
}

export interface CliIo {
  env?: NodeJS.ProcessEnv;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  stdin?: NodeJS.ReadableStream & { isTTY?: boolean };
  invokedAs?: string;
}

/** Runs the CLI and returns its exit code (0 ok, 1 failed, 2 bad usage or input, 3 busy). */
export async function runCli(argv: readonly string[], io: CliIo = {}): Promise<number> {
  const env = io.env ?? process.env;
  const stdin = io.stdin ?? process.stdin;
  const ctx: CliContext = {
    t: translator(languageFromEnvironment(env)),
    env,
    stdout: io.stdout ?? ((text) => process.stdout.write(text)),
    stderr: io.stderr ?? ((text) => process.stderr.write(text)),
    stdin,
    stdinIsTty: Boolean(stdin.isTTY),
    stdoutIsTty: io.stdout ? false : Boolean(process.stdout.isTTY),
  };
  let exit: number = exitCodes.ok;
  const program = buildProgram(ctx, (code) => (exit = code));
  const args = argvForInvocation(io.invokedAs ?? 'hearth', argv, program.commands.map((c) => c.name()));
  if (args.length === 0) {
    program.outputHelp();
    return exitCodes.usage;
  }
  try {
    await program.parseAsync(args, { from: 'user' });
    return exit;
  } catch (error) {
    return report(ctx, error);
  }
}

function report(ctx: CliContext, error: unknown): number {
  const { t } = ctx;
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return exitCodes.ok;
    // Commander's own messages are English; say it in the user's language, with the detail it gave.
    const detail = error.message.replace(/^error:\s*/, '');
    ctx.stderr(t('cli:errors.usage', { detail }) + '\n' + t('cli:errors.seeHelp') + '\n');
    return exitCodes.usage;
  }
  if (error instanceof CliError) {
    ctx.stderr(t(error.key, error.params) + '\n');
    return exitCodes[error.exit];
  }
  if (isHearthError(error)) {
    ctx.stderr(t(`errors:${error.code}`, error.params) + '\n');
    if (busyErrors.has(error.code)) return exitCodes.busy;
    return invalidInputErrors.has(error.code) ? exitCodes.usage : exitCodes.failed;
  }
  const code = (error as { code?: string }).code;
  if (code === 'EACCES' || code === 'EPERM' || code === 'SQLITE_CANTOPEN' || code === 'SQLITE_READONLY') {
    ctx.stderr(t('cli:errors.permission', { detail: (error as Error).message }) + '\n');
    return exitCodes.failed;
  }
  if (code === 'EADDRINUSE') {
    ctx.stderr(t('cli:errors.addressInUse', { detail: (error as Error).message }) + '\n');
    return exitCodes.failed;
  }
  // Ctrl-C at a prompt.
  if ((error as Error).name === 'ExitPromptError') return exitCodes.failed;
  ctx.stderr(t('cli:errors.unexpected', { detail: (error as Error).stack ?? String(error) }) + '\n');
  return exitCodes.failed;
}
