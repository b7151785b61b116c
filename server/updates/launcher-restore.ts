import { HearthError } from '../errors.js';
import { translator } from '../i18n.js';
import type { System } from '../system/index.js';
import { chooseDriver } from '../snapshots/choose-driver.js';
import { execThrough, type DriverContext } from '../snapshots/driver.js';
import { snapshotLayout } from '../snapshots/layout.js';
import { readMeta } from '../snapshots/metadata.js';
import { applyStagedRollback, stageRollback } from '../snapshots/rollback.js';

/**
 * The state put back from a pre-update snapshot, for the launcher's rollback (through
 * `launcher-tool.js restore-state`, with the OLD release's code, while no daemon runs).
 * The snapshot module's two halves in one go — stage a writable copy of the snapshot,
 * then swap it in — neither of which opens the database through the appliance: after a
 * failed update the database may carry a schema the old code refuses. The replaced
 * state is kept as a snapshot of its own (pre-rollback), and the jobs, logs and
 * notifications of the failed update are carried into the restored database.
 *
 * Repeatable: a rollback already staged or half swapped (a power cut in here) is
 * finished by applyStagedRollback; one already applied finds nothing staged and, the
 * journal of the update still saying "rollback", is staged and applied again — to the
 * same snapshot, with no daemon having run in between, so the state ends the same.
 */
export async function restoreStateFromSnapshot(system: System, id: string, log: (line: string) => void): Promise<void> {
  const t = translator('en');
  const ctx: DriverContext = {
    system,
    paths: system.paths,
    exec: execThrough(system),
    say: (key, params) => log(t(`snapshots:log.${key}`, params ?? {})),
  };
  const layout = snapshotLayout(system.paths);
  const pending = await applyStagedRollback({ system, ctx, now: Date.now, log });
  if (pending === 'applied') log(`a rollback that was already staged was finished first`);
  if (pending === 'postponed') throw new Error('a process still holds a lock in the database; no rollback while it runs');
  const meta = await readMeta(system, layout, id);
  if (!meta) throw new HearthError('HEARTH_ERR_SNAPSHOT_NOT_FOUND', { id });
  await stageRollback({ ...ctx, now: Date.now, jobId: null }, meta, await chooseDriver(system));
  const outcome = await applyStagedRollback({ system, ctx, now: Date.now, log });
  if (outcome !== 'applied') throw new Error(`the rollback to snapshot ${id} was not applied (${outcome})`);
}
