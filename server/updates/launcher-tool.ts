#!/usr/bin/env -S node --max-semi-space-size=1
/*
 * Programs of the update machinery that run in a GIVEN release, not for owners:
 *
 *   launcher-tool.js migrate-check --database FILE
 *       Run by the updater with the NEW release's code, before anything switches: opens
 *       a copy of the database with that release's migrations. Exit 0 when they ran and
 *       the result passes quick_check; 1 with the error on stderr otherwise.
 *
 *   launcher-tool.js restore-state --root R --snapshot ID
 *       Run by the launcher with the OLD release's code during a rollback, while no daemon
 *       runs: puts the state directory back from the pre-update snapshot (the snapshot
 *       module's stage + swap, which never opens the database through the appliance — the
 *       database may carry the new release's schema, which the old code refuses to open).
 *
 *   launcher-tool.js update --root R --channel URL [--version V] [--allow-downgrade]
 *       Runs an update job from a shell, as `hearth update` will (tests, the benchmark, a
 *       maintainer on a box). Prints the outcome as JSON; exit 0 when the job succeeded.
 *
 * HEARTH_SYSTEM (linux | sandbox) chooses the system boundary, as for `hearth`.
 */
import { languageFromEnvironment, translator } from '../i18n.js';
import { isHearthError } from '../errors.js';
import { resolvePaths } from '../paths.js';
import { openDatabase, schemaVersion } from '../store/database.js';
import { createSystem, type SystemKind } from '../system/index.js';

function option(args: readonly string[], name: string): string | undefined {
  const index = args.indexOf(name);
  return index >= 0 ? args[index + 1] : undefined;
}

function systemKind(): SystemKind {
  const kind = process.env.HEARTH_SYSTEM;
  return kind === 'sandbox' ? 'sandbox' : 'linux';
}

function describe(error: unknown): string {
  const t = translator(languageFromEnvironment());
  if (isHearthError(error)) return `${error.code}: ${t(`errors:${error.code}`, error.params)}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}`;
  return error instanceof Error ? error.message : String(error);
}

async function migrateCheck(args: readonly string[]): Promise<number> {
  const file = option(args, '--database');
  if (!file) throw new Error('--database FILE is required');
  const db = openDatabase(file);
  try {
    const result = String(db.pragma('quick_check', { simple: true }));
    if (result !== 'ok') throw new Error(`quick_check after the migrations: ${result}`);
    process.stdout.write(`migrated to schema ${schemaVersion(db)}\n`);
  } finally {
    db.close();
  }
  return 0;
}

async function restoreState(args: readonly string[]): Promise<number> {
  const root = option(args, '--root');
  const id = option(args, '--snapshot');
  if (!root || !id) throw new Error('--root R and --snapshot ID are required');
  const { restoreStateFromSnapshot } = await import('./launcher-restore.js');
  const system = createSystem(systemKind(), resolvePaths(root));
  await restoreStateFromSnapshot(system, id, (line) => process.stderr.write(`${line}\n`));
  return 0;
}

async function update(args: readonly string[]): Promise<number> {
  const root = option(args, '--root');
  const channel = option(args, '--channel');
  if (!root || !channel) throw new Error('--root R and --channel URL are required');
  const { createAppliance } = await import('../appliance.js');
  const appliance = createAppliance({ root, systemKind: systemKind() });
  try {
    const version = option(args, '--version');
    const { id, done, outcome } = await appliance.updates.start(
      { channel, ...(version ? { version } : {}), ...(args.includes('--allow-downgrade') ? { allowDowngrade: true } : {}) },
      { startedBy: 'cli', language: languageFromEnvironment() },
    );
    const record = await done;
    for (const line of appliance.jobs.linesAfter(id, 0)) process.stderr.write(`${line.text}\n`);
    process.stdout.write(JSON.stringify({ job: id, status: record.status, errorCode: record.errorCode ?? null, outcome: (await outcome) ?? null }) + '\n');
    return record.status === 'succeeded' ? 0 : 1;
  } finally {
    appliance.close();
  }
}

const commands: Record<string, (args: readonly string[]) => Promise<number>> = { 'migrate-check': migrateCheck, 'restore-state': restoreState, update };
const [command = '', ...args] = process.argv.slice(2);
const run = commands[command];
if (!run) {
  process.stderr.write(`usage: launcher-tool.js ${Object.keys(commands).join(' | ')} …\n`);
  process.exitCode = 2;
} else {
  try {
    process.exitCode = await run(args);
  } catch (error) {
    process.stderr.write(`${describe(error)}\n`);
    process.exitCode = 1;
  }
}
