import { HearthError, isHearthError } from '../errors.js';
import type { JobContext } from '../jobs/job-context.js';
import { applyConfiguration } from './app-state.js';
import { dependencyOrder } from './config-transfer.js';
import { secretKeeping, secretParams } from './params.js';
import type { AppEnvironment } from './types.js';
import type { TSchema } from 'typebox';

/**
 * Applies every configure app's saved parameters again, in dependency order, inside
 * the running job: what a restore does so the system (hostname, SSH, swap …) matches
 * the restored database. Stops at the first failure and throws it (the restore then
 * puts the previous state back).
 */
export async function reapplySavedApps(job: JobContext, env: AppEnvironment): Promise<string[]> {
  const configured = env.apps.filter((app) => app.kind === 'configure' && env.saved.get(app.id) !== undefined);
  const { order, cycle } = dependencyOrder(configured);
  if (cycle.length) throw new HearthError('HEARTH_ERR_INTERNAL', { reason: `apps depend on each other: ${cycle.join(', ')}` });
  const applied: string[] = [];
  for (const app of order) {
    if (app.availability && !(await app.availability(env)).available) {
      job.info(job.t('backup:log.reapplySkipped', { app: job.t(`app-${app.id}:name`) }));
      continue;
    }
    job.info(job.t('backup:log.reapply', { app: job.t(`app-${app.id}:name`) }));
    const plain = env.saved.get(app.id)!;
    const forRun: Record<string, unknown> = { ...plain };
    for (const id of secretParams(app.params)) {
      forRun[id] = secretKeeping(app.params.properties[id] as TSchema) === 'sealed' ? ((await env.saved.openSecret(app.id, id)) ?? '') : '';
    }
    try {
      await applyConfiguration(app, { plain, toSeal: {}, forRun }, undefined, job, env);
    } catch (error) {
      const failure = isHearthError(error) ? error : new HearthError('HEARTH_ERR_INTERNAL', {}, { cause: error });
      job.output('err', job.t(`errors:${failure.code}`, failure.params));
      throw failure;
    }
    applied.push(app.id);
  }
  return applied;
}
