import { HearthError } from '../errors.js';
import type { JobContext } from '../jobs/job-context.js';
import { defaults, secretParams } from './params.js';
import type { AnyAppDefinition, AppEnvironment, AppStatus } from './types.js';

/** An app's status, or "unknown" when it cannot be read: the app and its form stay usable. */
export async function readStatus(app: AnyAppDefinition, env: AppEnvironment): Promise<AppStatus<Record<string, unknown>>> {
  try {
    return (await app.status(env)) as AppStatus<Record<string, unknown>>;
  } catch {
    return { active: null, values: {} };
  }
}

/** Defaults, overlaid with the saved desired state, overlaid with what the system really has. Secrets are blank. */
export async function currentValues(app: AnyAppDefinition, env: AppEnvironment, status?: AppStatus<Record<string, unknown>>): Promise<Record<string, unknown>> {
  const values: Record<string, unknown> = { ...defaults(app.params), ...env.saved.get(app.id), ...(status ?? (await readStatus(app, env))).values };
  for (const id of secretParams(app.params)) values[id] = '';
  for (const id of Object.keys(values)) if (!(id in app.params.properties)) delete values[id];
  return values;
}

/**
 * The configure step every path shares (a form run, an import): save the parameters as
 * the box's desired state, apply them, and arm the watchdog when the change could lock
 * the owner out (`previous` is what to go back to; absent when reverting).
 */
export async function applyConfiguration(
  app: AnyAppDefinition,
  values: { plain: Record<string, unknown>; toSeal: Record<string, string>; forRun: Record<string, unknown> },
  previous: Record<string, unknown> | undefined,
  job: JobContext,
  env: AppEnvironment,
): Promise<void> {
  await env.saved.save(app.id, values.plain, values.toSeal);
  if (!app.apply) throw new HearthError('HEARTH_ERR_APP_CANNOT_RUN', { app: app.id, action: 'apply' });
  await app.apply(values.forRun as never, job, env);
  if (previous && app.confirmation?.needed(previous as never, values.plain as never)) {
    const { seconds } = app.confirmation;
    // A second change before the first was confirmed: undoing goes back to the last
    // confirmed state, not to the first unconfirmed one.
    const waiting = env.settings.get('watchdog.pending');
    const lastConfirmed = waiting?.appId === app.id ? waiting.previous : previous;
    env.settings.set('watchdog.pending', { appId: app.id, previous: lastConfirmed, deadline: env.now() + seconds * 1000, jobId: job.id, language: job.t('common:languageCode') });
    job.info(job.t('apps:watchdog.armed', { seconds }));
  }
}
